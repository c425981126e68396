//! The deployment scope flags of `lint` and `capacity`: what `subscription()` and
//! `resourceGroup()` return instead of symbols.

use crate::arm::scope::ScopeConfig;

#[derive(clap::Args, Debug, Default)]
pub struct ScopeArgs {
    /// Subscription ID for `subscription()` (otherwise symbolic).
    #[arg(long, value_name = "ID")]
    pub subscription_id: Option<String>,
    /// Resource group name for `resourceGroup()` (otherwise symbolic).
    #[arg(long, value_name = "NAME")]
    pub resource_group: Option<String>,
    /// Location of the resource group (otherwise symbolic).
    #[arg(long, value_name = "LOCATION")]
    pub location: Option<String>,
}

impl ScopeArgs {
    /// The scope the command line gives (the configuration fills in the rest).
    pub fn scope_config(&self) -> ScopeConfig {
        ScopeConfig {
            subscription_id: self.subscription_id.clone(),
            resource_group: self.resource_group.clone(),
            location: self.location.clone(),
            tenant_id: None,
        }
    }
}
