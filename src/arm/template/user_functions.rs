//! What Azure allows a user-defined function to call. Before languageVersion 2.0 a function's body
//! may not call another user-defined function (Microsoft's "User-defined functions in ARM
//! template", Limitations); Azure rejects such a template whether or not the function is used, so
//! this is checked on the declarations, not by evaluating them.

use crate::arm::expr::{Expr, TemplateString, parse_template_string};
use crate::source::Span;
use crate::source::json::{self as sj, JsonObject as JObject, JsonValue as Json};

/// A function body that calls a user-defined function where the template does not allow it.
pub struct ForbiddenCall {
    pub span: Span,
    /// Pointer of the body's template string.
    pub pointer: String,
    pub message: String,
}

/// Whether the functions of `template` may call each other: from languageVersion 2.0 on.
pub fn may_call_each_other(template: &JObject) -> bool {
    let Some(version) = sj::get_str(template, "languageVersion") else {
        return false;
    };
    let major = version.split('.').next().unwrap_or("");
    major.parse::<u32>().is_ok_and(|m| m >= 2)
}

/// The bodies of the functions of `template` (at `pointer`) that call a declared user-defined
/// function (`declared` answers for a lower-case `namespace.name`), one per template string.
/// Calls to undeclared functions are left to the evaluator, which reports them as failing.
pub fn forbidden_calls(
    template: &JObject,
    pointer: &str,
    declared: &dyn Fn(&str) -> bool,
) -> Vec<ForbiddenCall> {
    let mut found = Vec::new();
    let Some(Json::Array(namespaces)) = sj::get(template, "functions") else {
        return found;
    };
    for (i, ns) in namespaces.elements.iter().enumerate() {
        let Some(ns) = sj::as_object(ns) else {
            continue;
        };
        let Some(ns_name) = sj::get_str(ns, "namespace") else {
            continue;
        };
        let Some(Json::Object(members)) = sj::get(ns, "members") else {
            continue;
        };
        let members_at =
            sj::child_pointer(&sj::element_pointer(pointer, "functions", i), "members");
        for m in &members.properties {
            let Some(body) = sj::as_object(&m.value)
                .and_then(|mo| sj::get(mo, "output"))
                .and_then(sj::as_object)
                .and_then(|o| sj::get(o, "value"))
            else {
                continue;
            };
            let caller = format!("{ns_name}.{}", m.name.as_str());
            let mut at = sj::child_pointer(&members_at, m.name.as_str());
            at.push_str("/output/value");
            let mut walk = BodyWalk {
                caller: &caller,
                declared,
                found: &mut found,
            };
            walk.value(body, &mut at);
        }
    }
    found
}

struct BodyWalk<'c> {
    caller: &'c str,
    declared: &'c dyn Fn(&str) -> bool,
    found: &'c mut Vec<ForbiddenCall>,
}

impl BodyWalk<'_> {
    /// Every template string of a body (an output value may be an object or array of them). JSON
    /// depth is bounded by the parser, and so is this recursion.
    fn value(&mut self, v: &Json, pointer: &mut String) {
        match v {
            Json::StringLit(s) => {
                if let Some(callee) = self.first_user_call(&s.value) {
                    self.found.push(ForbiddenCall {
                        span: s.range.into(),
                        pointer: pointer.clone(),
                        message: if callee.eq_ignore_ascii_case(self.caller) {
                            format!(
                                "user-defined function '{}' calls itself; only templates of \
                                 languageVersion 2.0 let a function call a user-defined function",
                                self.caller
                            )
                        } else {
                            format!(
                                "user-defined function '{}' calls the user-defined function \
                                 '{callee}'; only templates of languageVersion 2.0 allow that",
                                self.caller
                            )
                        },
                    });
                }
            }
            Json::Array(a) => {
                for (i, e) in a.elements.iter().enumerate() {
                    let len = pointer.len();
                    pointer.push('/');
                    sj::push_index(pointer, i);
                    self.value(e, pointer);
                    pointer.truncate(len);
                }
            }
            Json::Object(o) => {
                for p in &o.properties {
                    let len = pointer.len();
                    pointer.push('/');
                    sj::push_pointer_token(pointer, p.name.as_str());
                    self.value(&p.value, pointer);
                    pointer.truncate(len);
                }
            }
            _ => {}
        }
    }

    /// The first declared user-defined function the expression `text` calls, as written. A text
    /// that does not parse is the syntax check's to report.
    fn first_user_call(&self, text: &str) -> Option<String> {
        let Ok(TemplateString::Expression(e)) = parse_template_string(text) else {
            return None;
        };
        first_user_call(&e, self.declared)
    }
}

fn first_user_call(e: &Expr, declared: &dyn Fn(&str) -> bool) -> Option<String> {
    let mut callee = None;
    e.for_each_call(&mut |c| {
        if callee.is_some() {
            return;
        }
        if let Some(ns) = &c.namespace {
            let name = format!("{ns}.{}", c.name);
            if declared(&name.to_ascii_lowercase()) {
                callee = Some(name);
            }
        }
    });
    callee
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_version_two_and_later_allow_calls() {
        for (version, allowed) in [
            (r#""2.0""#, true),
            (r#""2.1-experimental""#, true),
            (r#""10.0""#, true),
            (r#""1.0""#, false),
            (r#"2"#, false),
            (r#""x""#, false),
        ] {
            let text = format!(r#"{{"languageVersion": {version}}}"#);
            let t = sj::parse(&text).ok();
            let o = t.as_ref().and_then(sj::as_object);
            assert_eq!(o.map(may_call_each_other), Some(allowed), "{version}");
        }
        let t = sj::parse("{}").ok();
        let o = t.as_ref().and_then(sj::as_object);
        assert_eq!(o.map(may_call_each_other), Some(false));
    }

    #[test]
    fn finds_calls_to_declared_functions_only() {
        let text = r#"{"functions": [{"namespace": "ns", "members": {
            "a": {"output": {"value": "[concat(ns.B(1), 'x')]"}},
            "b": {"output": {"value": {"k": ["[ns.c()]", "[other.f()]"]}}},
            "c": {"output": {"value": "[add(1, 2)]"}}}}]}"#;
        let t = sj::parse(text).ok();
        let declared = |k: &str| matches!(k, "ns.a" | "ns.b" | "ns.c");
        let found = t
            .as_ref()
            .and_then(sj::as_object)
            .map(|o| forbidden_calls(o, "", &declared))
            .unwrap_or_default();
        let got: Vec<(&str, &str)> = found
            .iter()
            .map(|f| (f.pointer.as_str(), f.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "/functions/0/members/a/output/value",
                    "user-defined function 'ns.a' calls the user-defined function 'ns.B'; only \
                     templates of languageVersion 2.0 allow that"
                ),
                (
                    "/functions/0/members/b/output/value/k/0",
                    "user-defined function 'ns.b' calls the user-defined function 'ns.c'; only \
                     templates of languageVersion 2.0 allow that"
                ),
            ]
        );
    }
}
