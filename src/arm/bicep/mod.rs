//! Bicep lowering: a parsed `.bicep` file becomes ARM template JSON text in the shapes the Bicep
//! compiler emits, plus a [`span_map::SpanMap`] from every generated JSON value back to the Bicep
//! span it came from. The engine parses that text with its JSON path, evaluates it unchanged, and
//! maps each diagnostic's spans back through the map, so findings land on the `.bicep` lines the
//! user wrote (module files included).

pub mod json_writer;
pub mod lower_bicepparam;
pub mod lower_builtins;
pub mod lower_dependencies;
pub mod lower_expression;
pub mod lower_functions;
pub mod lower_imports;
pub mod lower_inline;
pub mod lower_language_version;
pub mod lower_loads;
pub mod lower_locals;
pub mod lower_loops;
pub mod lower_module;
pub mod lower_params;
pub mod lower_reference;
pub mod lower_references_walk;
pub mod lower_resource;
pub mod lower_scope;
pub mod lower_symbols;
pub mod lower_template;
pub mod lower_types;
pub mod lower_value;
pub mod module_source;
pub mod rewrite_walk;
pub mod span_map;
