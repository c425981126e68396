//! The ARM template model: values, expressions, functions, deployment scope, template expansion.

pub mod expr;
pub mod functions;
pub mod scope;
pub mod value;
