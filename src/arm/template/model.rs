//! The result of expanding a template: declarations, expanded resource instances, nested deployments.

use std::sync::Arc;

use crate::arm::scope::DeploymentScope;
use crate::arm::value::{Tri, Value};
use crate::source::Span;

/// One resource declaration in the file (a `resources` entry, a nested child, or an entry inside a
/// nested deployment's inline template).
#[derive(Clone, Debug)]
pub struct Declaration {
    /// RFC 6901 pointer to the declaration object, through nested deployments.
    pub pointer: String,
    pub span: Span,
    /// languageVersion 2.0 symbolic name.
    pub symbolic_name: Option<String>,
    /// Full type (`Microsoft.Compute/virtualMachines/extensions` for nested children).
    pub resource_type: String,
    /// The declaration's `name` as written (for messages when the evaluated name is unknown).
    pub name_text: String,
    /// Copy loop name, when the declaration has one.
    pub copy_name: Option<String>,
    pub existing: bool,
    /// Index of the nested deployment this declaration belongs to (0: the file's template).
    pub deployment: usize,
}

/// One expanded resource instance: a declaration at one copy index under one parameter set.
#[derive(Clone, Debug)]
pub struct ResourceInstance {
    /// Index into [`Expansion::declarations`].
    pub decl: usize,
    /// Copy indexes from the outermost loop (module loops) to the resource's own loop. An unknown
    /// loop count gives one representative instance with an unknown index.
    pub copy_path: Vec<Value>,
    pub resource_type: String,
    pub name: Value,
    pub id: Value,
    pub api_version: Option<String>,
    /// The evaluated declaration without `copy`, `condition`, `dependsOn`, child `resources` and a
    /// nested deployment's inline `template`.
    pub body: Value,
    /// Whether it is deployed: `True`, or `Unknown` (condition or loop count not known).
    pub deployed: Tri,
    pub existing: bool,
    pub depends_on: Vec<Value>,
    /// Index into [`Expansion::instances`] of the parent, for nested child resources.
    pub parent: Option<usize>,
    /// Index into [`Expansion::deployments`] of the deployment that deploys it.
    pub deployment: usize,
    /// False when `properties` was not evaluated because no enabled rule reads this type
    /// (see [`expand_for`](super::expand_for)); the body then lacks `properties`.
    pub properties_evaluated: bool,
}

impl ResourceInstance {
    /// Property at a dotted path of the evaluated body (`properties.hardwareProfile.vmSize`).
    pub fn get(&self, path: &str) -> Option<Value> {
        self.body.path(path)
    }

    /// True for the type, compared case-insensitively.
    pub fn is_type(&self, ty: &str) -> bool {
        self.resource_type.eq_ignore_ascii_case(ty)
    }

    /// The evaluated name, or `None` when it is not known.
    pub fn name_str(&self) -> Option<&str> {
        self.name.as_str()
    }
}

/// A template evaluation: the file's own template, or a nested deployment's inline template.
#[derive(Clone, Debug)]
pub struct DeploymentInfo {
    /// Pointer of the template object (`""` for the file, `/resources/2/properties/template`).
    pub template_pointer: String,
    /// Instance of the `Microsoft.Resources/deployments` resource that runs it.
    pub instance: Option<usize>,
    pub parent: Option<usize>,
    pub scope: DeploymentScope,
    /// `expressionEvaluationOptions.scope` is `inner`.
    pub inner_scope: bool,
}

/// A diagnostic found while expanding (an expression that does not parse, a bad copy loop).
#[derive(Clone, Debug)]
pub struct ExpansionIssue {
    pub kind: IssueKind,
    /// Where the issue is when not in the template: the parameter file that gave the value.
    pub file: Option<Arc<crate::source::SourceFile>>,
    pub span: Span,
    pub pointer: String,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IssueKind {
    /// An expression that does not parse: the deployment fails.
    InvalidExpression,
    /// An expression that parses but is certain to fail when Azure evaluates it.
    ExpressionFails,
    /// A template structure Azure rejects (copy count negative or above 800, ...).
    InvalidTemplate,
    /// Evaluation stopped at one of armlint's limits (nesting depth, function calls).
    EvaluationLimit,
    /// A parameter value that breaks its declared constraints (`allowedValues`, ...).
    InvalidParameterValue,
}

/// Everything one template evaluation under one parameter set produced.
#[derive(Debug, Default)]
pub struct Expansion {
    pub declarations: Vec<Declaration>,
    pub instances: Vec<ResourceInstance>,
    pub deployments: Vec<DeploymentInfo>,
    pub issues: Vec<ExpansionIssue>,
    pub stats: crate::arm::expr::EvalStats,
    /// Instances not deployed because their condition is false.
    pub skipped_by_condition: u64,
    /// The parameter file used, if any.
    pub parameters: Option<Arc<crate::source::SourceFile>>,
}
