//! The ARM template model: values, expressions, functions, deployment scope, template expansion.

pub mod bicep;
pub mod document;
pub mod expr;
pub mod functions;
pub mod graph;
pub mod scope;
pub mod template;
pub mod value;
