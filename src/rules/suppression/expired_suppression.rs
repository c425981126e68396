use crate::rules::syntax::engine_rule;

crate::declare_rule! {
    /// ## What it does
    /// Reports a suppression whose expiry date has passed (`"expires": "YYYY-MM-DD"` in metadata,
    /// `until YYYY-MM-DD` in a comment or the string shorthand). The suppression applies up to and
    /// including that day; afterwards it suppresses nothing and the findings it accepted are
    /// reported again, beside this note.
    ///
    /// ## Why is this bad?
    /// An expiry date records that the exception was meant to be temporary (a migration, a
    /// reservation being resized). Once it passes, the reason needs a new review: fix the finding,
    /// or move the date deliberately.
    ///
    /// ## Example
    /// ```json,expect_diagnostic
    /// [
    ///   {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-07-01", "name": "vm1",
    ///    "location": "eastus",
    ///    "metadata": {"armlint": {"suppress": [
    ///      {"rule": "CRG003", "reason": "reservation resized in the March window", "expires": "2024-03-31"}
    ///    ]}},
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
    /// - [PSRule suppression groups (`expiresOn`)](https://microsoft.github.io/PSRule/stable/concepts/PSRule/en-US/about_PSRule_SuppressionGroups/)
    pub ExpiredSuppression {
        id: "expired-suppression",
        name: "expired-suppression",
        severity: Note,
        category: "suppression",
        summary: "a suppression is past its expiry date and no longer applies",
    }
}
engine_rule!(ExpiredSuppression);
