//! Parameter constraints Azure checks before it deploys: `allowedValues`, `minValue`,
//! `maxValue`, `minLength`, `maxLength`. A value that breaks one fails the deployment. Unknown
//! values are never judged.

use crate::source::json::JsonObject as JObject;

use super::parameters::literal_value;
use crate::arm::value::Value;
use crate::source::json as sj;

/// Why `value` is not acceptable for the parameter declared by `decl`, or `None` when it is (or
/// cannot be known).
pub fn violation(name: &str, decl: &JObject, value: &Value) -> Option<String> {
    // Null is how a nullable (Bicep `?`) parameter is left out, and how modules pass an absent
    // optional value; Azure skips the checks for it.
    if !value.is_fully_known() || value.is_null() {
        return None;
    }
    let is_array_type = sj::get_str(decl, "type").is_some_and(|t| t.eq_ignore_ascii_case("array"));
    if let Some(allowed) = sj::get(decl, "allowedValues").map(literal_value)
        && let Value::Array(allowed) = &allowed
    {
        let is_allowed = |v: &Value| allowed.iter().any(|a| same_value(a, v));
        let ok = match value {
            // An array parameter is allowed when each of its elements is (or when the array
            // itself is listed).
            Value::Array(items) if is_array_type => {
                items.iter().all(is_allowed) || is_allowed(value)
            }
            v => is_allowed(v),
        };
        if !ok {
            let list: Vec<String> = allowed.iter().map(Value::to_json_string).collect();
            let what = match value {
                Value::Array(items) if is_array_type => {
                    let bad: Vec<String> = items
                        .iter()
                        .filter(|v| !is_allowed(v))
                        .map(Value::to_json_string)
                        .collect();
                    format!("parameter '{name}' contains {}, which is", bad.join(", "))
                }
                v => format!("parameter '{name}' is {}, which is", v.to_json_string()),
            };
            return Some(format!(
                "{what} not one of its allowedValues: {}",
                list.join(", ")
            ));
        }
    }
    let bound = |key: &str| match sj::get(decl, key).map(literal_value) {
        Some(Value::Int(i)) => Some(i),
        _ => None,
    };
    if let Value::Int(i) = value {
        if let Some(min) = bound("minValue")
            && *i < min
        {
            return Some(format!(
                "parameter '{name}' is {i}, below its minValue {min}"
            ));
        }
        if let Some(max) = bound("maxValue")
            && *i > max
        {
            return Some(format!(
                "parameter '{name}' is {i}, above its maxValue {max}"
            ));
        }
    }
    let length = match value {
        // Azure counts UTF-16 code units, as .NET strings do.
        Value::String(s) => Some(s.encode_utf16().count() as i64),
        Value::Array(a) => Some(a.len() as i64),
        _ => None,
    };
    if let Some(len) = length {
        if let Some(min) = bound("minLength")
            && len < min
        {
            return Some(format!(
                "parameter '{name}' has length {len}, below its minLength {min}"
            ));
        }
        if let Some(max) = bound("maxLength")
            && len > max
        {
            return Some(format!(
                "parameter '{name}' has length {len}, above its maxLength {max}"
            ));
        }
    }
    None
}

/// Equality for `allowedValues`: strings compare without regard to case, as Azure does (Bicep's
/// `@allowed` is stricter, which is why Bicep templates never differ by case here).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => {
            x.eq_ignore_ascii_case(y) || x.to_lowercase() == y.to_lowercase()
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| same_value(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_value(v, w)))
        }
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => (*x as f64) == *y,
        _ => crate::arm::value::equals(a, b) == crate::arm::value::Tri::True,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(declaration: &str, value: Value) -> Option<String> {
        let root = sj::parse(declaration).expect("json");
        let obj = sj::as_object(&root).expect("object");
        violation("p", obj, &value)
    }

    #[test]
    fn allowed_values_compare_strings_without_case() {
        let d = r#"{"type": "string", "allowedValues": ["Standard_LRS", "Premium_LRS"]}"#;
        assert_eq!(check(d, Value::string("standard_lrs")), None);
        let m = check(d, Value::string("Standard_GRS")).expect("violation");
        assert!(m.contains("\"Standard_GRS\""), "{m}");
        assert!(m.contains("\"Standard_LRS\", \"Premium_LRS\""), "{m}");
    }

    #[test]
    fn array_parameters_are_checked_element_by_element() {
        let d = r#"{"type": "array", "allowedValues": ["1", "2", "3"]}"#;
        let ok = Value::array(vec![Value::string("1"), Value::string("3")]);
        assert_eq!(check(d, ok), None);
        let bad = Value::array(vec![Value::string("1"), Value::string("4")]);
        assert!(check(d, bad).is_some());
    }

    #[test]
    fn numeric_and_length_bounds() {
        let d = r#"{"type": "int", "minValue": 1, "maxValue": 10}"#;
        assert_eq!(check(d, Value::Int(1)), None);
        assert_eq!(check(d, Value::Int(10)), None);
        assert!(check(d, Value::Int(0)).expect("min").contains("minValue 1"));
        assert!(
            check(d, Value::Int(11))
                .expect("max")
                .contains("maxValue 10")
        );
        let d = r#"{"type": "string", "minLength": 3, "maxLength": 5}"#;
        assert_eq!(check(d, Value::string("abc")), None);
        assert!(check(d, Value::string("ab")).is_some());
        assert!(check(d, Value::string("abcdef")).is_some());
        // Length in UTF-16 code units: one astral character is two.
        assert!(check(d, Value::string("a\u{1F600}")).is_none());
    }

    #[test]
    fn unknown_values_are_never_judged() {
        let d = r#"{"type": "string", "allowedValues": ["a"]}"#;
        let u = Value::unknown(
            crate::arm::value::UnknownReason::Parameter("p".into()),
            None,
        );
        assert_eq!(check(d, u), None);
    }
}
