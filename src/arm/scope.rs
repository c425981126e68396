//! The deployment scope an expression runs in: `subscription()`, `resourceGroup()`, `deployment()`,
//! `environment()`, `tenant()`, `managementGroup()`. Values come from configuration when given;
//! otherwise they are symbolic unknowns (the same unknown everywhere in one scope, so resource IDs
//! built from them still match).

use crate::arm::value::{Object, Symbol, UnknownReason, Value};

#[derive(Clone, Debug)]
pub struct DeploymentScope {
    /// `subscription().subscriptionId`
    pub subscription_id: Value,
    /// `resourceGroup().name`; `None` when the template is not deployed at resource-group scope.
    pub resource_group: Option<Value>,
    /// `resourceGroup().location` (also `deployment().location` at subscription scope).
    pub location: Value,
    /// `deployment().name`
    pub deployment_name: Value,
    pub tenant_id: Value,
    pub management_group: Option<Value>,
    /// `resourceGroup()` and `subscription()`, built on first use: templates call them for every
    /// resource. [`DeploymentScope::changed`] must be called after a field is modified.
    objects: std::cell::OnceCell<(Value, Value)>,
}

/// Where the top-level template is deployed, derived from its `$schema`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeKind {
    ResourceGroup,
    Subscription,
    ManagementGroup,
    Tenant,
}

/// Optional deployment context given by the user (configuration or command line).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScopeConfig {
    pub subscription_id: Option<String>,
    pub resource_group: Option<String>,
    pub location: Option<String>,
    pub tenant_id: Option<String>,
}

fn symbolic(what: &str) -> Value {
    Value::unknown(
        UnknownReason::Context(what.to_string()),
        Some(Symbol::expression(what)),
    )
}

/// The deployment context when nothing is configured: the same for every template.
fn unconfigured() -> &'static [Value; 7] {
    static VALUES: std::sync::OnceLock<[Value; 7]> = std::sync::OnceLock::new();
    VALUES.get_or_init(|| {
        [
            "subscription().subscriptionId",
            "resourceGroup().name",
            "resourceGroup().location",
            "deployment().name",
            "tenant().tenantId",
            "managementGroup().name",
            "subscription().displayName",
        ]
        .map(symbolic)
    })
}

impl DeploymentScope {
    pub fn top_level(kind: ScopeKind, config: &ScopeConfig) -> Self {
        let [sub, rg, location, deployment, tenant, mg, _] = unconfigured();
        let known = |v: &Option<String>, otherwise: &Value| {
            v.as_deref()
                .map(Value::string)
                .unwrap_or_else(|| otherwise.clone())
        };
        DeploymentScope {
            subscription_id: known(&config.subscription_id, sub),
            resource_group: (kind == ScopeKind::ResourceGroup)
                .then(|| known(&config.resource_group, rg)),
            location: known(&config.location, location),
            deployment_name: deployment.clone(),
            tenant_id: known(&config.tenant_id, tenant),
            management_group: (kind == ScopeKind::ManagementGroup).then(|| mg.clone()),
            objects: std::cell::OnceCell::new(),
        }
    }

    /// Forget the objects built from the fields (after one was modified).
    pub fn changed(&mut self) {
        self.objects = std::cell::OnceCell::new();
    }

    fn objects(&self) -> &(Value, Value) {
        self.objects.get_or_init(|| {
            (
                self.build_resource_group_object(),
                self.build_subscription_object(),
            )
        })
    }

    /// `resourceGroup()`: an object with known `name` when configured; `id`, `location` and the rest
    /// as symbolic unknowns.
    pub fn resource_group_object(&self) -> Value {
        self.objects().0.clone()
    }

    fn build_resource_group_object(&self) -> Value {
        let Some(name) = &self.resource_group else {
            return Value::error(
                "resourceGroup() is not available outside a resource group deployment",
            );
        };
        let mut o = Object::new();
        o.insert("id", self.resource_group_id());
        o.insert("name", name.clone());
        o.insert("type", Value::string("Microsoft.Resources/resourceGroups"));
        o.insert("location", self.location.clone());
        o.open = true;
        Value::object(o)
    }

    pub fn resource_group_id(&self) -> Value {
        match &self.resource_group {
            Some(rg) => crate::arm::functions::concat_strings(&[
                Value::string("/subscriptions/"),
                self.subscription_id.clone(),
                Value::string("/resourceGroups/"),
                rg.clone(),
            ]),
            None => Value::error("no resource group in this scope"),
        }
    }

    /// `subscription()`
    pub fn subscription_object(&self) -> Value {
        self.objects().1.clone()
    }

    fn build_subscription_object(&self) -> Value {
        let mut o = Object::new();
        o.insert(
            "id",
            crate::arm::functions::concat_strings(&[
                Value::string("/subscriptions/"),
                self.subscription_id.clone(),
            ]),
        );
        o.insert("subscriptionId", self.subscription_id.clone());
        o.insert("tenantId", self.tenant_id.clone());
        o.insert("displayName", unconfigured()[6].clone());
        o.open = true;
        Value::object(o)
    }
}
