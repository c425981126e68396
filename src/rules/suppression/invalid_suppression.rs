use crate::rules::syntax::engine_rule;

crate::declare_rule! {
    /// ## What it does
    /// Reports a suppression that cannot be used, so it suppresses nothing: no reason or an empty
    /// one, an unknown rule, a rule that cannot be suppressed (`parse-error` and these suppression
    /// rules), an expiry date that is not `YYYY-MM-DD`, an unknown key, or a value of the wrong
    /// shape (`metadata.armlint` must be an object, `suppress` a list of strings
    /// `"RULE[, RULE]: reason"` or objects with `rule`, `reason` and optionally `expires`).
    ///
    /// ## Why is this bad?
    /// Every accepted finding needs a reason a reviewer can check, and a misspelt rule or date
    /// would otherwise be silently ignored: the finding would stay, or never expire.
    ///
    /// ## Example
    /// ```json,expect_diagnostic
    /// [
    ///   {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01", "name": "vm1",
    ///    "location": "eastus",
    ///    "metadata": {"armlint": {"suppress": [{"rule": "CRG011"}]}},
    ///    "properties": {"hardwareProfile": {"vmSize": "Standard_D2s_v3"}}}
    /// ]
    /// ```
    ///
    /// ## Use instead
    /// ```json
    /// [
    ///   {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01", "name": "vm1",
    ///    "location": "eastus",
    ///    "metadata": {"armlint": {"suppress": [
    ///      {"rule": "CRG011", "reason": "burst covered by the DR group", "expires": "2027-03-31"}
    ///    ]}},
    ///    "properties": {"hardwareProfile": {"vmSize": "Standard_D2s_v3"}}}
    /// ]
    /// ```
    ///
    /// ## References
    /// - The README, section "Suppressing a finding" (`metadata.armlint`, comments, baselines)
    /// - [Checkov: suppressing and skipping policies](https://www.checkov.io/2.Basics/Suppressing%20and%20Skipping%20Policies.html)
    pub InvalidSuppression {
        id: "invalid-suppression",
        name: "invalid-suppression",
        severity: Warning,
        category: "suppression",
        summary: "a suppression has no reason, an unknown rule, a malformed date or the wrong shape; it suppresses nothing",
    }
}
engine_rule!(InvalidSuppression);
