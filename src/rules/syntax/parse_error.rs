use super::engine_rule;

crate::declare_rule! {
    /// ## What it does
    /// Reports a template that is not valid JSON, at the exact position of the syntax error.
    ///
    /// ## Why is this bad?
    /// Azure rejects the deployment before anything is created. armlint accepts what Azure accepts:
    /// a UTF-8 byte order mark, `//` and `/* */` comments, trailing commas and raw line breaks inside
    /// strings; anything else (a missing comma, single quotes, an unterminated object) is an error.
    ///
    /// ## Example
    /// ```json,expect_diagnostic
    /// {
    ///   "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    ///   "contentVersion": "1.0.0.0",
    ///   "resources": [
    ///     { "type": "Microsoft.Compute/virtualMachines", "name": "vm1" }
    ///     { "type": "Microsoft.Compute/virtualMachines", "name": "vm2" }
    ///   ]
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```json
    /// {
    ///   "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    ///   "contentVersion": "1.0.0.0",
    ///   "resources": [
    ///     { "type": "Microsoft.Compute/virtualMachines", "name": "vm1" },
    ///     { "type": "Microsoft.Compute/virtualMachines", "name": "vm2" }
    ///   ]
    /// }
    /// ```
    ///
    /// ## References
    /// - [Template syntax](https://learn.microsoft.com/azure/azure-resource-manager/templates/syntax)
    pub ParseError {
        id: "parse-error",
        name: "parse-error",
        severity: Error,
        category: "syntax",
        summary: "the file is not valid JSON",
    }
}
engine_rule!(ParseError);
