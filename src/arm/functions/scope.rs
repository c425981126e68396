//! Scope functions: resourceGroup, subscription, tenant, managementGroup.

use super::{FnCall, FunctionDef};
use crate::arm::value::{Object, Symbol, UnknownReason, Value};

pub const FUNCTIONS: &[FunctionDef] = &[
    FunctionDef {
        name: "resourceGroup",
        min_args: 0,
        max_args: Some(0),
        handles_unknown: false,
        func: resource_group,
    },
    FunctionDef {
        name: "subscription",
        min_args: 0,
        max_args: Some(0),
        handles_unknown: false,
        func: subscription,
    },
    FunctionDef {
        name: "tenant",
        min_args: 0,
        max_args: Some(0),
        handles_unknown: false,
        func: tenant,
    },
    FunctionDef {
        name: "managementGroup",
        min_args: 0,
        max_args: Some(1),
        handles_unknown: false,
        func: management_group,
    },
];

fn resource_group(c: &mut FnCall) -> Value {
    c.ev.ctx.scope().resource_group_object()
}

fn subscription(c: &mut FnCall) -> Value {
    c.ev.ctx.scope().subscription_object()
}

fn tenant(c: &mut FnCall) -> Value {
    let mut o = Object::new();
    o.insert("tenantId", c.ev.ctx.scope().tenant_id.clone());
    o.open = true;
    Value::object(o)
}

fn management_group(_c: &mut FnCall) -> Value {
    Value::unknown(
        UnknownReason::Context("managementGroup()".into()),
        Some(Symbol::expression("managementGroup()")),
    )
}
