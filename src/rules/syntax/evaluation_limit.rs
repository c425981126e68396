use super::engine_rule;

crate::declare_rule! {
    /// ## What it does
    /// Reports where armlint stopped evaluating a template because it reached one of its own
    /// limits: evaluation nested more than 48 levels deep (variables, parameter defaults,
    /// user-defined functions or nested deployments each referring to the next), more than two
    /// million function calls (lambdas over large ranges), or more than 50,000 resource
    /// instances. Only what is evaluated can reach a limit: armlint evaluates the properties of
    /// the resource types its enabled rules read, and everything else a template computes
    /// (names, locations, tags, copy counts, conditions, variables they use).
    ///
    /// ## Why is this bad?
    /// Everything that depends on the unevaluated part is unknown, so rules that need it stay
    /// silent: the finding says where the analysis is incomplete instead of skipping it quietly.
    /// Templates this deep or this expensive are also hard for people to review, and often hit
    /// Azure's own template limits.
    ///
    /// ## Example
    /// ```json,expect_diagnostic
    /// [
    ///   {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2024-05-01",
    ///    "name": "ip", "location": "eastus",
    ///    "tags": "[map(range(0, 2000), lambda('i', map(range(0, 2000), lambda('j', lambdaVariables('j')))))]"}
    /// ]
    /// ```
    ///
    /// ## Use instead
    /// ```json
    /// [
    ///   {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2024-05-01",
    ///    "name": "ip", "location": "eastus",
    ///    "tags": "[range(0, 2000)]"}
    /// ]
    /// ```
    ///
    /// ## References
    /// - [Template limits](https://learn.microsoft.com/azure/azure-resource-manager/templates/best-practices#template-limits)
    pub EvaluationLimit {
        id: "evaluation-limit",
        name: "evaluation-limit",
        severity: Warning,
        category: "syntax",
        summary: "armlint stopped evaluating part of the template at one of its limits",
    }
}
engine_rule!(EvaluationLimit);
