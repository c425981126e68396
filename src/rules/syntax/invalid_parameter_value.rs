use super::engine_rule;

crate::declare_rule! {
    /// ## What it does
    /// Checks each parameter's value (from the parameter file, the enclosing deployment of a
    /// nested template or module, or its default) against the constraints the template declares
    /// for it: `allowedValues` (strings compared without regard to case, array parameters element
    /// by element), `minValue`, `maxValue`, `minLength` and `maxLength`. Bicep's `@allowed`,
    /// `@minValue`, `@maxValue`, `@minLength` and `@maxLength` decorators compile to these. The
    /// finding points at the value; values only known at deployment are not judged.
    ///
    /// ## Why is this bad?
    /// Azure validates parameters before it deploys anything and rejects the whole deployment.
    ///
    /// ## Example
    /// ```json,expect_diagnostic
    /// {
    ///   "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    ///   "contentVersion": "1.0.0.0",
    ///   "parameters": {
    ///     "vmSize": {"type": "string", "defaultValue": "Standard_D2s_v3",
    ///                "allowedValues": ["Standard_D2s_v5", "Standard_D4s_v5"]}
    ///   },
    ///   "resources": []
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```json
    /// {
    ///   "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    ///   "contentVersion": "1.0.0.0",
    ///   "parameters": {
    ///     "vmSize": {"type": "string", "defaultValue": "Standard_D2s_v5",
    ///                "allowedValues": ["Standard_D2s_v5", "Standard_D4s_v5"]}
    ///   },
    ///   "resources": []
    /// }
    /// ```
    ///
    /// ## References
    /// - [Parameters in ARM templates](https://learn.microsoft.com/azure/azure-resource-manager/templates/parameters)
    /// - [Bicep parameter decorators](https://learn.microsoft.com/azure/azure-resource-manager/bicep/parameters#use-decorators)
    pub InvalidParameterValue {
        id: "invalid-parameter-value",
        name: "invalid-parameter-value",
        severity: Error,
        category: "syntax",
        summary: "a parameter value breaks its allowedValues, minValue, maxValue, minLength or maxLength",
    }
}
engine_rule!(InvalidParameterValue);
