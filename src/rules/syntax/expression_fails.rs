use super::engine_rule;

crate::declare_rule! {
    /// ## What it does
    /// Reports a template expression that is certain to fail when Azure evaluates it: integer
    /// arithmetic that overflows, `json()` of text that is not JSON, `range()` beyond Azure's
    /// limit, an index outside an array, a function given an argument of the wrong type, a
    /// user-defined function that calls itself. Only an expression Azure certainly evaluates is
    /// reported: not one in a resource whose condition is false or not known, nor in the branch of
    /// `if()` that is not taken. Like `evaluation-limit`, it sees what armlint evaluates: the
    /// properties of the resource types its enabled rules read, and everything else a template
    /// computes (names, locations, copy counts, conditions, the variables they use).
    ///
    /// ## Why is this bad?
    /// Azure stops the deployment with an error when it reaches the expression; nothing in the
    /// template can make it succeed.
    ///
    /// ## Example
    /// ```json,expect_diagnostic
    /// [
    ///   {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2024-05-01",
    ///    "name": "[concat('ip', string(add(9223372036854775807, 1)))]", "location": "eastus"}
    /// ]
    /// ```
    ///
    /// ## Use instead
    /// ```json
    /// [
    ///   {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2024-05-01",
    ///    "name": "[concat('ip', string(add(1, 1)))]", "location": "eastus"}
    /// ]
    /// ```
    ///
    /// ## References
    /// - [Template functions](https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions)
    pub ExpressionFails {
        id: "expression-fails",
        name: "expression-fails",
        severity: Error,
        category: "syntax",
        summary: "a template expression is certain to fail at deployment",
    }
}
engine_rule!(ExpressionFails);
