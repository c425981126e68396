use super::engine_rule;

crate::declare_rule! {
    /// ## What it does
    /// Reports a template expression (a string in `[...]`) that does not parse: an unbalanced
    /// parenthesis, an unterminated string literal, a stray character.
    ///
    /// ## Why is this bad?
    /// Azure rejects the whole deployment when it evaluates the template.
    ///
    /// ## Example
    /// ```json,expect_diagnostic
    /// [
    ///   {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01",
    ///    "name": "[concat('vm', '1']", "location": "eastus"}
    /// ]
    /// ```
    ///
    /// ## Use instead
    /// ```json
    /// [
    ///   {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01",
    ///    "name": "[concat('vm', '1')]", "location": "eastus"}
    /// ]
    /// ```
    ///
    /// ## References
    /// - [Template expressions](https://learn.microsoft.com/azure/azure-resource-manager/templates/template-expressions)
    pub InvalidExpression {
        id: "invalid-expression",
        name: "invalid-expression",
        severity: Error,
        category: "syntax",
        summary: "a template expression does not parse",
    }
}
engine_rule!(InvalidExpression);
