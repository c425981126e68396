use super::engine_rule;

crate::declare_rule! {
    /// ## What it does
    /// Reports a property that occurs twice in one object. ARM compares property names without
    /// regard to case, so `name` and `Name` are the same property.
    ///
    /// ## Why is this bad?
    /// Azure keeps only the last occurrence and silently drops the first, so the template does not
    /// deploy what its first occurrence says. Many JSON tools drop the duplicate before anyone sees it.
    ///
    /// ## Example
    /// ```json,expect_diagnostic
    /// [
    ///   {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01", "name": "vm1",
    ///    "location": "eastus", "location": "westus",
    ///    "properties": {"hardwareProfile": {"vmSize": "Standard_D2s_v3"}}}
    /// ]
    /// ```
    ///
    /// ## Use instead
    /// ```json
    /// [
    ///   {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01", "name": "vm1",
    ///    "location": "westus",
    ///    "properties": {"hardwareProfile": {"vmSize": "Standard_D2s_v3"}}}
    /// ]
    /// ```
    ///
    /// ## References
    /// - [Template syntax](https://learn.microsoft.com/azure/azure-resource-manager/templates/syntax)
    pub DuplicateKey {
        id: "duplicate-key",
        name: "duplicate-key",
        severity: Warning,
        category: "syntax",
        summary: "a property occurs twice in one object; Azure keeps only the last",
    }
}
engine_rule!(DuplicateKey);
