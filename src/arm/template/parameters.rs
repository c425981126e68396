//! Parameter files (`*.parameters.json`): values are literal JSON (Azure does not evaluate
//! expressions in them); Key Vault references are secrets, hence unknown.

use std::collections::HashMap;
use std::sync::Arc;

use crate::arm::value::{Object, UnknownReason, Value};
use crate::source::json::{self, JsonValue};
use crate::source::{SourceFile, Span};

/// Values supplied for a template's parameters.
#[derive(Clone, Debug, Default)]
pub struct ParameterSet {
    /// The file they come from; `None` for "defaults only".
    pub file: Option<Arc<SourceFile>>,
    /// Lower-case name → value.
    pub values: HashMap<String, Value>,
    /// Lower-case name → the name as the file spells it, and the span of its value.
    pub spans: HashMap<String, (String, Span)>,
}

/// A parameter file that cannot be used.
#[derive(Clone, Debug)]
pub struct ParameterFileError {
    pub span: Span,
    pub message: String,
}

/// Convert literal JSON (no expression evaluation) to a value.
pub fn literal_value(v: &JsonValue) -> Value {
    match v {
        JsonValue::NullKeyword(_) => Value::Null,
        JsonValue::BooleanLit(b) => Value::Bool(b.value),
        JsonValue::NumberLit(n) => number_value(n.value),
        JsonValue::StringLit(s) => Value::string(s.value.as_ref()),
        JsonValue::Array(a) => Value::array(a.elements.iter().map(literal_value).collect()),
        JsonValue::Object(o) => {
            let mut obj = Object::with_capacity(o.properties.len());
            for p in &o.properties {
                obj.insert(p.name.as_str(), literal_value(&p.value));
            }
            Value::object(obj)
        }
    }
}

pub fn number_value(text: &str) -> Value {
    if let Ok(i) = text.parse::<i64>() {
        return Value::Int(i);
    }
    match text.parse::<f64>() {
        Ok(f) if f.is_finite() => Value::Float(f),
        _ => Value::error(format!("number {text} is out of range")),
    }
}

/// The Azure Quickstart Templates convention for values their test pipeline fills in before it
/// deploys (`GEN-UNIQUE-8`, `GEN-PASSWORD`, `GET-PREREQ-location`, ...): placeholders, so unknown.
fn is_placeholder(value: &str) -> bool {
    value.starts_with("GEN-") || value.starts_with("GET-PREREQ-")
}

impl ParameterSet {
    /// Read a parameter file's `parameters` object.
    pub fn from_file(file: Arc<SourceFile>) -> Result<ParameterSet, ParameterFileError> {
        let root = json::parse(&file.text).map_err(|e| ParameterFileError {
            span: e.span,
            message: e.message,
        })?;
        let mut values = HashMap::new();
        let mut spans = HashMap::new();
        let Some(obj) = json::as_object(&root) else {
            return Err(ParameterFileError {
                span: json::span_of(&root),
                message: "a parameter file must be an object".into(),
            });
        };
        if let Some(params) = json::get(obj, "parameters") {
            let Some(params) = json::as_object(params) else {
                return Err(ParameterFileError {
                    span: json::span_of(params),
                    message: "'parameters' must be an object".into(),
                });
            };
            for p in &params.properties {
                let name = p.name.as_str();
                let value = match json::as_object(&p.value) {
                    Some(entry) => match (json::get(entry, "value"), json::get(entry, "reference"))
                    {
                        (Some(v), _) => {
                            spans.insert(
                                name.to_ascii_lowercase(),
                                (name.to_string(), json::span_of(v)),
                            );
                            match v {
                                JsonValue::StringLit(s) if is_placeholder(&s.value) => {
                                    Value::unknown(UnknownReason::Parameter(name.to_string()), None)
                                }
                                _ => literal_value(v),
                            }
                        }
                        (None, Some(_)) => {
                            Value::unknown(UnknownReason::Secret(name.to_string()), None)
                        }
                        (None, None) => continue,
                    },
                    None => {
                        return Err(ParameterFileError {
                            span: json::span_of(&p.value),
                            message: format!(
                                "parameter '{name}' must be an object with 'value' or 'reference'"
                            ),
                        });
                    }
                };
                values.insert(name.to_ascii_lowercase(), value);
            }
        }
        drop(root);
        Ok(ParameterSet {
            file: Some(file),
            values,
            spans,
        })
    }
}
