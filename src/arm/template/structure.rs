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

/// A section or declaration whose JSON type Azure rejects.
pub struct Misshapen {
    pub span: Span,
    /// Pointer of the offending value.
    pub pointer: String,
    pub message: String,
}

/// The structural problems and the expressions that do not parse, of a template and the inline
/// templates of its nested deployments.
#[derive(Default)]
pub struct Findings<'v, 'a> {
    pub misshapen: Vec<Misshapen>,
    pub invalid: Vec<(&'v StringLit<'a>, ParseError)>,
    /// Expressions already found to parse: templates repeat the same expressions often
    /// (`[parameters('location')]`), and a hash costs less than a parse.
    parsed: rustc_hash::FxHashSet<&'v str>,
}

/// Check the template object `template` at `pointer` (`""` for the file).
pub fn check<'v, 'a>(template: &'v JObject<'a>, pointer: &str) -> Findings<'v, 'a> {
    let mut found = Findings::default();
    // Inline templates nest through resources; JSON depth is bounded by the parser, and so is
    // this recursion.
    found.template(template, pointer);
    found
}

impl<'v, 'a> Findings<'v, 'a> {
    fn misshapen(&mut self, v: &Json, pointer: String, message: String) {
        self.misshapen.push(Misshapen {
            span: sj::span_of(v),
            pointer,
            message,
        });
    }

    /// Expect an object (or null, which Azure reads as absent) for a section.
    fn object_section(
        &mut self,
        v: &'v Json<'a>,
        pointer: &str,
        what: &str,
    ) -> Option<&'v JObject<'a>> {
        match v {
            Json::Object(o) => Some(o),
            Json::NullKeyword(_) => None,
            other => {
                self.misshapen(
                    other,
                    pointer.to_string(),
                    format!("{what} must be a JSON object, not {}", kind(other)),
                );
                None
            }
        }
    }

    fn template(&mut self, t: &'v JObject<'a>, pointer: &str) {
        for p in &t.properties {
            let key = p.name.as_str();
            let at = sj::child_pointer(pointer, key);
            match key.to_ascii_lowercase().as_str() {
                "parameters" => {
                    if let Some(ps) = self.object_section(&p.value, &at, "'parameters'") {
                        for d in &ps.properties {
                            let dp = sj::child_pointer(&at, d.name.as_str());
                            let what = format!("parameter '{}'", d.name.as_str());
                            if let Some(decl) = self.object_section(&d.value, &dp, &what)
                                && let Some(default) = sj::get(decl, "defaultValue")
                            {
                                self.expressions(default);
                            }
                        }
                    }
                }
                "variables" if self.object_section(&p.value, &at, "'variables'").is_some() => {
                    self.expressions(&p.value);
                }
                "functions" => match &p.value {
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
                        at,
                        format!("'functions' must be a JSON array, not {}", kind(other)),
                    ),
                },
                "resources" => self.resources(&p.value, &at),
                "outputs" => {
                    if let Some(outs) = self.object_section(&p.value, &at, "'outputs'") {
                        for o in &outs.properties {
                            let op = sj::child_pointer(&at, o.name.as_str());
                            let what = format!("output '{}'", o.name.as_str());
                            if let Some(def) = self.object_section(&o.value, &op, &what) {
                                for k in ["value", "copy", "condition"] {
                                    if let Some(v) = sj::get(def, k) {
                                        self.expressions(v);
                                    }
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// A `resources` section: an array, or an object of symbolic names (languageVersion 2.0).
    fn resources(&mut self, v: &'v Json<'a>, pointer: &str) {
        match v {
            Json::Array(a) => {
                for (i, r) in a.elements.iter().enumerate() {
                    let mut rp = format!("{pointer}/");
                    sj::push_index(&mut rp, i);
                    self.resource(r, rp);
                }
            }
            Json::Object(o) => {
                for p in &o.properties {
                    self.resource(&p.value, sj::child_pointer(pointer, p.name.as_str()));
                }
            }
            Json::NullKeyword(_) => {}
            other => self.misshapen(
                other,
                pointer.to_string(),
                format!(
                    "'resources' must be a JSON array (or an object of symbolic names), not {}",
                    kind(other)
                ),
            ),
        }
    }

    fn resource(&mut self, v: &'v Json<'a>, pointer: String) {
        let Json::Object(r) = v else {
            self.misshapen(
                v,
                pointer,
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
                self.resources(&p.value, &sj::child_pointer(&pointer, key));
                continue;
            }
            if is_deployment
                && key.eq_ignore_ascii_case("properties")
                && let Json::Object(props) = &p.value
            {
                let pp = sj::child_pointer(&pointer, key);
                for q in &props.properties {
                    match &q.value {
                        Json::Object(t) if q.name.as_str().eq_ignore_ascii_case("template") => {
                            self.template(t, &sj::child_pointer(&pp, q.name.as_str()));
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
                if !is_expression(text) || self.parsed.contains(text) {
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
