//! What Azure checks of a template before it evaluates anything: the type of each section, and the
//! syntax of every expression it would evaluate, whether or not anything uses the value.
//!
//! Azure parses every expression of the sections it evaluates (an unused variable with a syntax
//! error still fails the deployment), but not the documentation: `metadata` (of the template, a
//! parameter, a resource or an output) and a resource's `comments` are plain JSON, as are the
//! declared constraints and types of parameters and outputs. `[[` starts an escaped literal.

use crate::source::json::{JsonObject as JObject, JsonString as StringLit, JsonValue as Json};

use crate::arm::expr::{ParseError, is_expression, validate_template_string};
use crate::source::Span;
use crate::source::json as sj;

const DEPLOYMENTS: &str = "Microsoft.Resources/deployments";

/// A section or declaration whose JSON type Azure rejects. Its pointer is worked out from the
/// span when it is reported (`source::json::pointer_at`): building pointers for every section and
/// declaration walked cost more than the rare finding needs.
pub struct Misshapen {
    pub span: Span,
    pub message: String,
}

/// The structural problems and the expressions that do not parse, of a template and the inline
/// templates of its nested deployments.
pub struct Findings<'v, 'a, 'k> {
    pub misshapen: Vec<Misshapen>,
    pub invalid: Vec<(&'v StringLit<'a>, ParseError)>,
    /// Expressions already found to parse: templates repeat the same expressions often
    /// (`[parameters('location')]`), and a hash costs less than a parse.
    parsed: rustc_hash::FxHashSet<&'v str>,
    /// Texts the evaluator has already parsed without error: most of a template's expressions
    /// are evaluated before this check runs, and parsing them again cost a fifth of a large
    /// template's lint.
    known_to_parse: &'k dyn Fn(&str) -> bool,
}

/// Check the template object `template` (the file's or an inline one); `known_to_parse` says
/// which texts need no second parse.
pub fn check<'v, 'a, 'k>(
    template: &'v JObject<'a>,
    known_to_parse: &'k dyn Fn(&str) -> bool,
) -> Findings<'v, 'a, 'k> {
    let mut found = Findings {
        misshapen: Vec::new(),
        invalid: Vec::new(),
        parsed: rustc_hash::FxHashSet::default(),
        known_to_parse,
    };
    // Inline templates nest through resources; JSON depth is bounded by the parser, and so is
    // this recursion.
    found.template(template);
    found
}

impl<'v, 'a> Findings<'v, 'a, '_> {
    fn misshapen(&mut self, v: &Json, message: String) {
        self.misshapen.push(Misshapen {
            span: sj::span_of(v),
            message,
        });
    }

    /// Expect an object (or null, which Azure reads as absent) for a section; `what` names it
    /// (called only for a finding).
    fn object_section(
        &mut self,
        v: &'v Json<'a>,
        what: impl FnOnce() -> String,
    ) -> Option<&'v JObject<'a>> {
        match v {
            Json::Object(o) => Some(o),
            Json::NullKeyword(_) => None,
            other => {
                let message = format!("{} must be a JSON object, not {}", what(), kind(other));
                self.misshapen(other, message);
                None
            }
        }
    }

    fn template(&mut self, t: &'v JObject<'a>) {
        for p in &t.properties {
            let key = p.name.as_str();
            if key.eq_ignore_ascii_case("parameters") {
                self.parameters(&p.value);
            } else if key.eq_ignore_ascii_case("variables") {
                if self
                    .object_section(&p.value, || "'variables'".into())
                    .is_some()
                {
                    self.expressions(&p.value);
                }
            } else if key.eq_ignore_ascii_case("functions") {
                self.functions(&p.value);
            } else if key.eq_ignore_ascii_case("resources") {
                self.resources(&p.value);
            } else if key.eq_ignore_ascii_case("outputs") {
                self.outputs(&p.value);
            }
        }
    }

    fn parameters(&mut self, v: &'v Json<'a>) {
        let Some(ps) = self.object_section(v, || "'parameters'".into()) else {
            return;
        };
        for d in &ps.properties {
            let name = d.name.as_str();
            if let Some(decl) = self.object_section(&d.value, || format!("parameter '{name}'"))
                && let Some(default) = sj::get(decl, "defaultValue")
            {
                self.expressions(default);
            }
        }
    }

    fn functions(&mut self, v: &'v Json<'a>) {
        match v {
            Json::Array(namespaces) => {
                for ns in namespaces.elements.iter().filter_map(sj::as_object) {
                    let Some(Json::Object(members)) = sj::get(ns, "members") else {
                        continue;
                    };
                    for m in members
                        .properties
                        .iter()
                        .filter_map(|m| sj::as_object(&m.value))
                    {
                        if let Some(out) = sj::get(m, "output").and_then(sj::as_object)
                            && let Some(v) = sj::get(out, "value")
                        {
                            self.expressions(v);
                        }
                    }
                }
            }
            Json::NullKeyword(_) => {}
            other => self.misshapen(
                other,
                format!("'functions' must be a JSON array, not {}", kind(other)),
            ),
        }
    }

    fn outputs(&mut self, v: &'v Json<'a>) {
        let Some(outs) = self.object_section(v, || "'outputs'".into()) else {
            return;
        };
        for o in &outs.properties {
            let name = o.name.as_str();
            if let Some(def) = self.object_section(&o.value, || format!("output '{name}'")) {
                for k in ["value", "copy", "condition"] {
                    if let Some(v) = sj::get(def, k) {
                        self.expressions(v);
                    }
                }
            }
        }
    }

    /// A `resources` section: an array, or an object of symbolic names (languageVersion 2.0).
    fn resources(&mut self, v: &'v Json<'a>) {
        match v {
            Json::Array(a) => a.elements.iter().for_each(|r| self.resource(r)),
            Json::Object(o) => o.properties.iter().for_each(|p| self.resource(&p.value)),
            Json::NullKeyword(_) => {}
            other => self.misshapen(
                other,
                format!(
                    "'resources' must be a JSON array (or an object of symbolic names), not {}",
                    kind(other)
                ),
            ),
        }
    }

    fn resource(&mut self, v: &'v Json<'a>) {
        let Json::Object(r) = v else {
            self.misshapen(
                v,
                format!("a resource must be a JSON object, not {}", kind(v)),
            );
            return;
        };
        let is_deployment =
            sj::get_str(r, "type").is_some_and(|t| t.eq_ignore_ascii_case(DEPLOYMENTS));
        for p in &r.properties {
            let key = p.name.as_str();
            if key.eq_ignore_ascii_case("metadata") || key.eq_ignore_ascii_case("comments") {
                continue;
            }
            if key.eq_ignore_ascii_case("resources") {
                self.resources(&p.value);
                continue;
            }
            if is_deployment
                && key.eq_ignore_ascii_case("properties")
                && let Json::Object(props) = &p.value
            {
                for q in &props.properties {
                    match &q.value {
                        Json::Object(t) if q.name.as_str().eq_ignore_ascii_case("template") => {
                            self.template(t);
                        }
                        other => self.expressions(other),
                    }
                }
                continue;
            }
            self.expressions(&p.value);
        }
    }

    /// Every template string under `v` that does not parse.
    fn expressions(&mut self, v: &'v Json<'a>) {
        match v {
            Json::StringLit(s) => {
                let text: &'v str = &s.value;
                if !is_expression(text) || (self.known_to_parse)(text) || self.parsed.contains(text)
                {
                    return;
                }
                match validate_template_string(text) {
                    Ok(()) => {
                        self.parsed.insert(text);
                    }
                    Err(e) => self.invalid.push((s, e)),
                }
            }
            Json::Array(a) => a.elements.iter().for_each(|e| self.expressions(e)),
            Json::Object(o) => o.properties.iter().for_each(|p| self.expressions(&p.value)),
            _ => {}
        }
    }
}

fn kind(v: &Json) -> &'static str {
    match v {
        Json::StringLit(_) => "a string",
        Json::NumberLit(_) => "a number",
        Json::BooleanLit(_) => "a boolean",
        Json::NullKeyword(_) => "null",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}
