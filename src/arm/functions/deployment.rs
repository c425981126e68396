//! Deployment functions: parameters, variables, copyIndex, deployment, deployer, environment,
//! extensions, fail.

use super::{FnCall, FunctionDef};
use crate::arm::value::{Object, Symbol, UnknownReason, Value};

pub const FUNCTIONS: &[FunctionDef] = &[
    FunctionDef {
        name: "deployer",
        min_args: 0,
        max_args: Some(0),
        handles_unknown: false,
        func: deployer,
    },
    FunctionDef {
        name: "extensions",
        min_args: 1,
        max_args: Some(1),
        handles_unknown: false,
        func: extensions,
    },
    FunctionDef {
        name: "fail",
        min_args: 1,
        max_args: Some(1),
        handles_unknown: true,
        func: fail,
    },
    FunctionDef {
        name: "parameters",
        min_args: 1,
        max_args: Some(1),
        handles_unknown: false,
        func: parameters,
    },
    FunctionDef {
        name: "variables",
        min_args: 1,
        max_args: Some(1),
        handles_unknown: false,
        func: variables,
    },
    FunctionDef {
        name: "copyIndex",
        min_args: 0,
        max_args: Some(2),
        handles_unknown: false,
        func: copy_index,
    },
    FunctionDef {
        name: "deployment",
        min_args: 0,
        max_args: Some(0),
        handles_unknown: false,
        func: deployment,
    },
    FunctionDef {
        name: "environment",
        min_args: 0,
        max_args: Some(0),
        handles_unknown: false,
        func: environment,
    },
];

fn parameters(c: &mut FnCall) -> Value {
    // The name is shared (a reference count), not copied: this runs for every lookup.
    match c.arg(0) {
        Value::String(name) => {
            let name = name.clone();
            c.ev.ctx.parameter(&name)
        }
        _ => c.error("the parameter name must be a string"),
    }
}

fn variables(c: &mut FnCall) -> Value {
    // The name is shared (a reference count), not copied: this runs for every lookup.
    match c.arg(0) {
        Value::String(name) => {
            let name = name.clone();
            c.ev.ctx.variable(&name)
        }
        _ => c.error("the variable name must be a string"),
    }
}

/// `copyIndex()`, `copyIndex(offset)`, `copyIndex('loop')`, `copyIndex('loop', offset)`.
fn copy_index(c: &mut FnCall) -> Value {
    let (name, offset) = match (c.args.first(), c.args.get(1)) {
        (None, _) => (None, Value::Int(0)),
        (Some(Value::String(n)), off) => {
            (Some(n.to_string()), off.cloned().unwrap_or(Value::Int(0)))
        }
        (Some(off), None) => (None, off.clone()),
        (Some(_), Some(_)) => return c.error("the first argument must be the loop name"),
    };
    let Some(offset) = offset.as_int_lenient() else {
        return c.error("the offset must be an integer");
    };
    let index = c.ev.ctx.copy_index(name.as_deref());
    match index {
        Value::Int(i) => Value::Int(i.saturating_add(offset)),
        other => other,
    }
}

fn deployment(c: &mut FnCall) -> Value {
    let scope = c.ev.ctx.scope();
    let mut o = Object::new();
    o.insert("name", scope.deployment_name.clone());
    o.insert(
        "properties",
        Value::unknown(
            UnknownReason::Context("deployment().properties".into()),
            Some(Symbol::expression("deployment().properties")),
        ),
    );
    o.open = true;
    Value::object(o)
}

fn environment(_c: &mut FnCall) -> Value {
    // The cloud (AzureCloud, sovereign clouds) is not known before deployment.
    Value::unknown(
        UnknownReason::Context("environment()".into()),
        Some(Symbol::expression("environment()")),
    )
}

/// `deployer()`: the identity running the deployment (objectId, tenantId, userPrincipalName).
fn deployer(_c: &mut FnCall) -> Value {
    Value::unknown(
        UnknownReason::Context("deployer()".into()),
        Some(Symbol::expression("deployer()")),
    )
}

/// `extensions(alias)`: the Bicep extension declared as `alias` in the template's `extensions`
/// section, as the deployment sees it (`.config` holds the configuration the deployer or the
/// parent deployment's `extensionConfigs` supplied, or the declared defaults). All of it is
/// deployment context, so it stays unknown, with a symbol: `extensions('k8s').config.namespace`
/// used twice compares equal.
fn extensions(c: &mut FnCall) -> Value {
    match c.arg(0) {
        Value::String(_) => c.unknown(UnknownReason::Context(format!(
            "the configuration of extension {}",
            c.arg(0).symbol_fragment()
        ))),
        other => c.error(format!(
            "the extension alias must be a string, not {}",
            other.type_name()
        )),
    }
}

/// `fail(message)` (Bicep's `fail()`): evaluating it makes the deployment fail with the message.
fn fail(c: &mut FnCall) -> Value {
    match c.arg(0) {
        Value::String(m) => c.error(m),
        other if !other.is_fully_known() => c.unknown_from_args(),
        other => c.error(other.to_json_string()),
    }
}
