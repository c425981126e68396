//! `metadata.armlint.suppress` on resource declarations, at the top of a template and at the top
//! of a nested deployment's inline template. Metadata is literal JSON (ARM does not evaluate it),
//! so it is read from the parsed file, not from evaluated values.

use std::sync::Arc;

use super::{Found, Problem, Scope, Suppression, add_rule, directive, resolve};
use crate::diagnostic::{Location, SuppressionKind};
use crate::rules::RuleRef;
use crate::source::json::{self, JsonObject, JsonValue, pointer_token};
use crate::source::{SourceFile, Span};

/// A template or a resource declaration still to read, with its pointer.
enum Pending<'b, 'a> {
    Template {
        object: &'b JsonObject<'a>,
        pointer: String,
        top_level: bool,
    },
    Resource {
        object: &'b JsonObject<'a>,
        pointer: String,
    },
}

/// Read every `metadata.armlint` of the document into `found`.
pub fn collect(file: &Arc<SourceFile>, root: &JsonValue, rules: &[RuleRef], found: &mut Found) {
    let Some(object) = json::as_object(root) else {
        return;
    };
    let reader = Reader { file, found, rules };
    reader.walk(object);
}

struct Reader<'f> {
    file: &'f Arc<SourceFile>,
    found: &'f mut Found,
    /// The rules a suppression may name (built-in and loaded ones).
    rules: &'f [RuleRef],
}

impl Reader<'_> {
    /// Templates and declarations through child resources and nested deployments; an explicit
    /// stack, because nesting depth comes from the input.
    fn walk(mut self, root: &JsonObject) {
        let mut stack = vec![Pending::Template {
            object: root,
            pointer: String::new(),
            top_level: true,
        }];
        while let Some(next) = stack.pop() {
            match next {
                Pending::Template {
                    object,
                    pointer,
                    top_level,
                } => {
                    self.metadata_of(object, &pointer, || {
                        if top_level {
                            Scope::File
                        } else {
                            Scope::NestedTemplate(pointer.clone())
                        }
                    });
                    push_resources(object, &pointer, &mut stack);
                }
                Pending::Resource { object, pointer } => {
                    self.metadata_of(object, &pointer, || Scope::Declaration(pointer.clone()));
                    push_resources(object, &pointer, &mut stack);
                    let is_deployment = json::get_str(object, "type")
                        .is_some_and(|t| t.eq_ignore_ascii_case("Microsoft.Resources/deployments"));
                    let template = json::get(object, "properties")
                        .and_then(json::as_object)
                        .and_then(|p| json::get(p, "template"))
                        .and_then(json::as_object);
                    if is_deployment && let Some(template) = template {
                        // The engine's pointer spelling: `properties/template`, whatever the case.
                        stack.push(Pending::Template {
                            object: template,
                            pointer: format!("{pointer}/properties/template"),
                            top_level: false,
                        });
                    }
                }
            }
        }
    }

    fn location(&self, span: Span, pointer: String) -> Location {
        Location {
            file: self.file.clone(),
            span,
            pointer,
        }
    }

    fn problem(&mut self, span: Span, pointer: String, message: String) {
        let location = self.location(span, pointer);
        self.found.problems.push(Problem {
            location,
            message,
            kind: SuppressionKind::Metadata,
        });
    }

    /// `metadata.armlint` of a template or declaration at `owner` (a pointer).
    /// `scope` is made only for the few declarations that have suppressions.
    fn metadata_of(&mut self, object: &JsonObject, owner: &str, scope: impl FnOnce() -> Scope) {
        // Azure keeps the last of repeated keys; so does armlint (duplicate-key reports them).
        let Some(meta) = last_property(object, "metadata") else {
            return;
        };
        let JsonValue::Object(meta_object) = &meta.value else {
            return;
        };
        let Some(ours) = last_property(meta_object, "armlint") else {
            return;
        };
        let scope = scope();
        let pointer = format!(
            "{owner}/{}/{}",
            pointer_token(meta.name.as_str()),
            pointer_token(ours.name.as_str())
        );
        let JsonValue::Object(settings) = &ours.value else {
            self.problem(
                ours.range.into(),
                pointer,
                "`metadata.armlint` must be an object: {\"suppress\": [ … ]}".into(),
            );
            return;
        };
        for p in &settings.properties {
            let name = p.name.as_str();
            let at = format!("{pointer}/{}", pointer_token(name));
            if !name.eq_ignore_ascii_case("suppress") {
                self.problem(
                    p.range.into(),
                    at,
                    format!("unknown key '{name}' in `metadata.armlint` (expected `suppress`)"),
                );
                continue;
            }
            match &p.value {
                JsonValue::Array(entries) => {
                    for (i, e) in entries.elements.iter().enumerate() {
                        self.entry(e, format!("{at}/{i}"), &scope);
                    }
                }
                other => self.problem(
                    json::span_of(other),
                    at,
                    "`suppress` must be a list of suppressions".into(),
                ),
            }
        }
    }

    fn entry(&mut self, value: &JsonValue, pointer: String, scope: &Scope) {
        let span = json::span_of(value);
        match value {
            JsonValue::StringLit(s) => match directive::parse(&s.value) {
                Err(message) => self.problem(span, pointer, message),
                Ok(d) => {
                    let mut rules = Vec::new();
                    let mut bad = false;
                    for name in &d.rules {
                        match resolve(name, self.rules) {
                            Ok(m) => add_rule(&mut rules, m),
                            Err(message) => {
                                bad = true;
                                self.problem(span, pointer.clone(), message);
                            }
                        }
                    }
                    if !bad {
                        let location = self.location(span, pointer);
                        self.found.suppressions.push(Suppression {
                            kind: SuppressionKind::Metadata,
                            rules,
                            reason: d.reason,
                            expires: d.expires,
                            expires_at: location.clone(),
                            location,
                            scope: scope.clone(),
                        });
                    }
                }
            },
            JsonValue::Object(o) => self.object_entry(o, span, pointer, scope),
            _ => self.problem(
                span,
                pointer,
                "a suppression is a string \"RULE: reason\" or an object with `rule` and `reason`"
                    .into(),
            ),
        }
    }

    fn object_entry(&mut self, o: &JsonObject, span: Span, pointer: String, scope: &Scope) {
        let before = self.found.problems.len();
        let mut rules = Vec::new();
        let mut reason = None;
        let mut expires = None;
        let mut expires_at = None;
        let mut saw_rule = false;
        for p in &o.properties {
            let name = p.name.as_str();
            let at = format!("{pointer}/{}", pointer_token(name));
            let prop_span: Span = p.range.into();
            match name.to_ascii_lowercase().as_str() {
                "rule" => {
                    saw_rule = true;
                    let names: Vec<&JsonValue> = match &p.value {
                        JsonValue::Array(a) => a.elements.iter().collect(),
                        v => vec![v],
                    };
                    if names.is_empty() {
                        self.problem(prop_span, at.clone(), "`rule` names no rule".into());
                    }
                    for (i, v) in names.into_iter().enumerate() {
                        let at_name = match &p.value {
                            JsonValue::Array(_) => format!("{at}/{i}"),
                            _ => at.clone(),
                        };
                        match v {
                            JsonValue::StringLit(s) => match resolve(s.value.trim(), self.rules) {
                                Ok(m) => add_rule(&mut rules, m),
                                Err(message) => {
                                    self.problem(json::span_of(v), at_name, message);
                                }
                            },
                            _ => self.problem(
                                json::span_of(v),
                                at_name,
                                "`rule` must be a rule ID or name, or a list of them".into(),
                            ),
                        }
                    }
                }
                "reason" => match &p.value {
                    JsonValue::StringLit(s) if !s.value.trim().is_empty() => {
                        reason = Some(s.value.split_whitespace().collect::<Vec<_>>().join(" "));
                    }
                    JsonValue::StringLit(_) => {
                        self.problem(prop_span, at, "`reason` is empty: say why the finding is accepted".into());
                    }
                    _ => self.problem(prop_span, at, "`reason` must be a string".into()),
                },
                "expires" => {
                    let date = match &p.value {
                        JsonValue::StringLit(s) => super::Date::parse(s.value.trim()),
                        _ => None,
                    };
                    match date {
                        Some(d) => {
                            expires = Some(d);
                            expires_at = Some(self.location(prop_span, at));
                        }
                        None => {
                            let written = match &p.value {
                                JsonValue::StringLit(s) => format!("'{}'", s.value),
                                _ => "the value".into(),
                            };
                            self.problem(
                                prop_span,
                                at,
                                format!("`expires`: {written} is not a date (YYYY-MM-DD)"),
                            );
                        }
                    }
                }
                _ => self.problem(
                    prop_span,
                    at,
                    format!(
                        "unknown key '{name}' in a suppression (expected `rule`, `reason`, `expires`)"
                    ),
                ),
            }
        }
        if !saw_rule {
            self.problem(
                span,
                pointer.clone(),
                "the suppression has no `rule`: name the rule ID or name it suppresses".into(),
            );
        }
        if reason.is_none()
            && !o
                .properties
                .iter()
                .any(|p| p.name.as_str().eq_ignore_ascii_case("reason"))
        {
            self.problem(
                span,
                pointer.clone(),
                "the suppression has no `reason`: say why the finding is accepted".into(),
            );
        }
        // A suppression with any problem suppresses nothing.
        if self.found.problems.len() != before {
            return;
        }
        let Some(reason) = reason else {
            return;
        };
        let location = self.location(span, pointer);
        self.found.suppressions.push(Suppression {
            kind: SuppressionKind::Metadata,
            rules,
            reason,
            expires,
            expires_at: expires_at.unwrap_or_else(|| location.clone()),
            location,
            scope: scope.clone(),
        });
    }
}

/// The last property named `key` (case-insensitive), with its name as written.
fn last_property<'b, 'a>(
    object: &'b JsonObject<'a>,
    key: &str,
) -> Option<&'b crate::source::json::JsonProperty<'a>> {
    object
        .properties
        .iter()
        .rev()
        .find(|p| p.name.as_str().eq_ignore_ascii_case(key))
}

/// Queue the declarations of `resources` (an array, or an object of symbolic names in
/// languageVersion 2.0), with pointers spelled as the engine spells declaration pointers.
fn push_resources<'b, 'a>(
    object: &'b JsonObject<'a>,
    owner: &str,
    stack: &mut Vec<Pending<'b, 'a>>,
) {
    match json::get(object, "resources") {
        Some(JsonValue::Array(a)) => {
            for (i, e) in a.elements.iter().enumerate() {
                if let JsonValue::Object(o) = e {
                    stack.push(Pending::Resource {
                        object: o,
                        pointer: json::element_pointer(owner, "resources", i),
                    });
                }
            }
        }
        Some(JsonValue::Object(symbols)) => {
            for p in &symbols.properties {
                if let JsonValue::Object(o) = &p.value {
                    stack.push(Pending::Resource {
                        object: o,
                        pointer: json::member_pointer(owner, "resources", p.name.as_str()),
                    });
                }
            }
        }
        _ => {}
    }
}
