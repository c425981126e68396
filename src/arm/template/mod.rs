//! Template expansion and its result model.

mod budget;
mod constraints;
mod expand;
mod model;
mod parameters;
mod structure;
mod user_functions;

pub use expand::{expand, expand_for, parameter_value_from_json};
pub use model::*;
pub use parameters::{ParameterFileError, ParameterSet, literal_value};
