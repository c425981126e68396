use super::engine_rule;

crate::declare_rule! {
    /// ## What it does
    /// Reports template structure that Azure rejects while expanding it, such as a copy loop whose
    /// count is negative or above 800, or variables and parameter defaults that refer to
    /// themselves through a chain of references (a circular reference), or, before
    /// languageVersion 2.0, a user-defined function whose body calls another user-defined
    /// function.
    ///
    /// ## Why is this bad?
    /// The deployment fails validation before any resource is created.
    ///
    /// ## Example
    /// ```json,expect_diagnostic
    /// [
    ///   {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2024-05-01",
    ///    "name": "[concat('ip', copyIndex())]", "location": "eastus",
    ///    "copy": {"name": "ips", "count": 1000}}
    /// ]
    /// ```
    ///
    /// ## Use instead
    /// ```json
    /// [
    ///   {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2024-05-01",
    ///    "name": "[concat('ip', copyIndex())]", "location": "eastus",
    ///    "copy": {"name": "ips", "count": 800}}
    /// ]
    /// ```
    ///
    /// ## References
    /// - [Resource iteration](https://learn.microsoft.com/azure/azure-resource-manager/templates/copy-resources)
    /// - [User-defined functions: limitations](https://learn.microsoft.com/azure/azure-resource-manager/templates/user-defined-functions#limitations)
    pub InvalidTemplate {
        id: "invalid-template",
        name: "invalid-template",
        severity: Error,
        category: "syntax",
        summary: "the template has a structure Azure rejects",
    }
}
engine_rule!(InvalidTemplate);
