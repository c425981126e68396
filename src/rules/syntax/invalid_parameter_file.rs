use super::engine_rule;

crate::declare_rule! {
    /// ## What it does
    /// Reports a parameter file paired with a template (`X.parameters.json` beside `X.json`, or
    /// named with `--parameters`) that cannot be used: it does not parse, or its `parameters` entries
    /// are not objects with `value` or `reference`. The template is still linted on its defaults.
    ///
    /// ## Why is this bad?
    /// A deployment with this file fails before anything is created, and armlint cannot check what
    /// the file would deploy.
    ///
    /// ## Example
    /// A file `main.parameters.json` next to `main.json` containing:
    /// ```json,parameters,expect_diagnostic
    /// { "parameters": { "count": 3 } }
    /// ```
    ///
    /// ## Use instead
    /// ```json,parameters
    /// { "parameters": { "count": { "value": 3 } } }
    /// ```
    ///
    /// ## References
    /// - [Parameter files](https://learn.microsoft.com/azure/azure-resource-manager/templates/parameter-files)
    pub InvalidParameterFile {
        id: "invalid-parameter-file",
        name: "invalid-parameter-file",
        severity: Error,
        category: "syntax",
        summary: "a paired parameter file cannot be used",
    }
}
engine_rule!(InvalidParameterFile);
