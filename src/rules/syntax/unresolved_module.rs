use super::engine_rule;

crate::declare_rule! {
    /// ## What it does
    /// Notes a Bicep `module` from a registry (`br:`, `br/<alias>:`) or a template spec (`ts:`,
    /// `ts/<alias>:`) that is not in the Bicep module cache, where `bicep restore` puts it
    /// (`cacheRootDirectory` of the nearest `bicepconfig.json`, by default `~/.bicep`, through its
    /// `moduleAliases`). armlint never downloads modules: the module is linted as a deployment whose
    /// resources and outputs are unknown, and the summary counts it (`unresolvedModules`).
    ///
    /// ## Why is this bad?
    /// Nothing the module deploys is checked, and every rule that needs one of its outputs stays
    /// silent: the note says where the analysis is incomplete instead of skipping it quietly.
    ///
    /// ## Example
    /// ```bicep,expect_diagnostic
    /// module network 'br:example.invalid/modules/network:1.0.0' = {
    ///   name: 'network'
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Run `bicep restore main.bicep` first, or use a local module:
    /// ```bicep
    /// param location string = 'eastus'
    /// output where string = location
    /// ```
    ///
    /// ## References
    /// - [Bicep modules from a registry](https://learn.microsoft.com/azure/azure-resource-manager/bicep/modules#path-to-module)
    /// - [bicep restore](https://learn.microsoft.com/azure/azure-resource-manager/bicep/bicep-cli#restore)
    pub UnresolvedModule {
        id: "unresolved-module",
        name: "unresolved-module",
        severity: Note,
        category: "syntax",
        summary: "a Bicep registry or template-spec module is not in the module cache, so its content is unknown",
    }
}
engine_rule!(UnresolvedModule);
