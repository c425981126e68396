use crate::rules::syntax::engine_rule;

crate::declare_rule! {
    /// ## What it does
    /// Reports a suppression (a `metadata.armlint.suppress` entry or an `// armlint-ignore`
    /// comment) that matched no finding in this run, under any parameter file. For a suppression
    /// of several rules it names the rules that matched nothing; a rule that was not enabled in
    /// the run (`--select`, `--ignore`) matched nothing and is named as such.
    ///
    /// ## Why is this bad?
    /// A suppression outlives the problem it accepted: once the template is fixed, it would
    /// silently accept the next, unrelated finding of the same rule on the same resource, with a
    /// reason that no longer applies.
    ///
    /// ## Example
    /// ```json,expect_diagnostic
    /// [
    ///   {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01", "name": "vm1",
    ///    "location": "eastus",
    ///    "metadata": {"armlint": {"suppress": ["CRG011: burst covered by the DR group"]}},
    ///    "properties": {"hardwareProfile": {"vmSize": "Standard_D2s_v3"}}}
    /// ]
    /// ```
    ///
    /// ## Use instead
    /// ```json
    /// [
    ///   {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01", "name": "vm1",
    ///    "location": "eastus",
    ///    "properties": {"hardwareProfile": {"vmSize": "Standard_D2s_v3"}}}
    /// ]
    /// ```
    ///
    /// ## References
    /// - The README, section "Suppressing a finding" (`metadata.armlint`, comments, baselines)
    /// - [Ruff: unused-noqa (RUF100)](https://docs.astral.sh/ruff/rules/unused-noqa/)
    pub UnusedSuppression {
        id: "unused-suppression",
        name: "unused-suppression",
        severity: Note,
        category: "suppression",
        summary: "a suppression matched no finding in this run",
    }
}
engine_rule!(UnusedSuppression);
