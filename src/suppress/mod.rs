//! Inline suppressions with a reason: `metadata.armlint.suppress` entries (which survive Bicep
//! compilation) and `// armlint-ignore` comments (hand-written JSONC). They are read from the
//! parsed file, applied to a template's diagnostics after copy loops and parameter sets are
//! merged, and reported themselves when unused, expired or invalid.

mod comments;
mod date;
mod directive;
mod metadata;

use std::collections::HashMap;
use std::sync::Arc;

pub use date::Date;

use crate::diagnostic::{
    Diagnostic, Location, SuppressedBy, SuppressedDiagnostic, SuppressionKind,
};
use crate::rules::suppression::{
    expired_suppression::ExpiredSuppression, invalid_suppression::InvalidSuppression,
    unused_suppression::UnusedSuppression,
};
use crate::rules::{self, RuleMeta, RuleRef, Selection};
use crate::source::json::{self, JsonValue};
use crate::source::{SourceFile, Span};

/// Which diagnostics a suppression covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every diagnostic of the file (top-level template metadata).
    File,
    /// Diagnostics about the declaration at this pointer or one nested in it (child resources,
    /// resources of an inline nested template).
    Declaration(String),
    /// Diagnostics about declarations inside the nested template at this pointer.
    NestedTemplate(String),
    /// Diagnostics whose primary location, or whose resource declaration, starts on this
    /// 0-based line (a comment applies to the line of the next JSON token).
    Line(usize),
}

/// One valid suppression entry or comment.
#[derive(Clone, Debug)]
pub struct Suppression {
    pub kind: SuppressionKind,
    /// Resolved rules (IDs and names both accepted, case-insensitively).
    pub rules: Vec<RuleRef>,
    pub reason: String,
    /// The last day the suppression applies.
    pub expires: Option<Date>,
    /// The entry or comment.
    pub location: Location,
    /// Where the expiry date is written (the `expires` property, else the entry).
    pub expires_at: Location,
    pub scope: Scope,
}

/// A suppression that cannot be used (reported as `invalid-suppression`; it suppresses nothing).
#[derive(Clone, Debug)]
pub struct Problem {
    pub kind: SuppressionKind,
    pub location: Location,
    pub message: String,
}

/// The suppressions of one file.
#[derive(Clone, Debug, Default)]
pub struct Found {
    pub suppressions: Vec<Suppression>,
    pub problems: Vec<Problem>,
}

/// Read the suppressions of a parsed template: its metadata and its comments.
/// The suppressions of a file; `rules` are the ones they may name.
/// `may_have_comments` is the parser's word (false: there is no comment, so no directive).
pub fn collect(
    file: &Arc<SourceFile>,
    root: &JsonValue,
    rules: &[RuleRef],
    may_have_comments: bool,
) -> Found {
    let mut found = Found::default();
    metadata::collect(file, root, rules, &mut found);
    if may_have_comments {
        collect_comments(file, root, rules, &mut found);
    }
    found
        .suppressions
        .sort_by_key(|s| (s.location.span.start, s.location.span.end));
    found
        .problems
        .sort_by_key(|p| (p.location.span.start, p.location.span.end));
    found
}

fn collect_comments(
    file: &Arc<SourceFile>,
    root: &JsonValue,
    rules: &[RuleRef],
    found: &mut Found,
) {
    for c in comments::scan(&file.text) {
        let location = Location {
            file: file.clone(),
            span: Span::new(c.start, c.end),
            pointer: json::pointer_at(root, c.start),
        };
        let problem = |message: String| Problem {
            kind: SuppressionKind::Comment,
            location: location.clone(),
            message,
        };
        let d = match directive::parse(&c.body) {
            Ok(d) => d,
            Err(message) => {
                found.problems.push(problem(message));
                continue;
            }
        };
        let Some(target) = c.target else {
            found
                .problems
                .push(problem("nothing follows the comment to suppress".into()));
            continue;
        };
        let resolved: Vec<Result<RuleRef, String>> =
            d.rules.iter().map(|n| resolve(n, rules)).collect();
        let errors: Vec<String> = resolved.iter().filter_map(|r| r.clone().err()).collect();
        if !errors.is_empty() {
            found.problems.extend(errors.into_iter().map(problem));
            continue;
        }
        let line = file
            .line_index()
            .line_of(u32::try_from(target).unwrap_or(u32::MAX));
        let mut rules = Vec::new();
        for m in resolved.into_iter().filter_map(Result::ok) {
            add_rule(&mut rules, m);
        }
        found.suppressions.push(Suppression {
            kind: SuppressionKind::Comment,
            rules,
            reason: d.reason,
            expires: d.expires,
            expires_at: location.clone(),
            location,
            scope: Scope::Line(line),
        });
    }
}

/// Whether findings of a rule can be suppressed: not a file that does not parse, and not the
/// suppression rules themselves.
pub fn suppressible(meta: &RuleMeta) -> bool {
    meta.id != rules::syntax::parse_error::ParseError::META.id && meta.category != CATEGORY
}

/// The category of the suppression rules.
const CATEGORY: &str = "suppression";

/// Add a resolved rule once: `CRG011, unreserved-burst` names one rule.
fn add_rule(rules: &mut Vec<RuleRef>, rule: RuleRef) {
    if !rules.iter().any(|r| r.meta().id == rule.meta().id) {
        rules.push(rule);
    }
}

/// A rule named in a suppression, by ID or name.
fn resolve(name: &str, known: &[RuleRef]) -> Result<RuleRef, String> {
    let rule = rules::find_in(known, name)
        .ok_or_else(|| format!("unknown rule '{name}' (see `armlint rules`)"))?;
    let meta = rule.meta();
    if suppressible(meta) {
        Ok(rule.clone())
    } else {
        Err(format!("{} findings cannot be suppressed", meta.id))
    }
}

/// A template's diagnostics after its suppressions: what is still reported (with the findings
/// about the suppressions themselves) and what was suppressed.
#[derive(Debug, Default)]
pub struct Applied {
    pub diagnostics: Vec<Diagnostic>,
    pub suppressed: Vec<SuppressedDiagnostic>,
}

/// Apply a file's suppressions to its (merged) diagnostics on `today`.
pub fn apply(
    file: &Arc<SourceFile>,
    root: &JsonValue,
    found: &Found,
    diagnostics: Vec<Diagnostic>,
    selection: &Selection,
    today: Date,
) -> Applied {
    let mut out = Applied::default();
    if found.suppressions.is_empty() && found.problems.is_empty() {
        out.diagnostics = diagnostics;
        return out;
    }
    let live = |s: &Suppression| s.expires.is_none_or(|last| today <= last);
    // used[i][r]: suppression i matched a finding of its r-th rule.
    let mut used: Vec<Vec<bool>> = found
        .suppressions
        .iter()
        .map(|s| vec![false; s.rules.len()])
        .collect();
    // Live suppressions by rule (and by line for comments), so that a finding is compared with
    // the few that could cover it, however many the file has.
    type Candidates<'s> = HashMap<(&'s str, Option<usize>), Vec<(usize, usize)>>;
    let mut candidates: Candidates = HashMap::new();
    let mut any_line = false;
    for (i, s) in found
        .suppressions
        .iter()
        .enumerate()
        .filter(|(_, s)| live(s))
    {
        let line = match s.scope {
            Scope::Line(l) => Some(l),
            _ => None,
        };
        any_line |= line.is_some();
        for (r, m) in s.rules.iter().enumerate() {
            candidates
                .entry((m.meta().id, line))
                .or_default()
                .push((i, r));
        }
    }
    let matcher = Matcher { file, root };
    for d in diagnostics {
        let mut best: Option<((u8, std::cmp::Reverse<usize>), &Suppression)> = None;
        let can_suppress = rules::find(d.rule).is_none_or(|r| suppressible(r.meta()));
        if can_suppress && matcher.in_file(&d) {
            let lines = if any_line {
                matcher.lines(&d)
            } else {
                [None, None]
            };
            let keys = [
                Some(None),
                lines[0].map(Some),
                lines[1].filter(|l| Some(*l) != lines[0]).map(Some),
            ];
            for key in keys.into_iter().flatten() {
                for &(i, r) in candidates.get(&(d.rule, key)).into_iter().flatten() {
                    let Some(s) = found.suppressions.get(i) else {
                        continue;
                    };
                    if !matcher.covers(&s.scope, &d) {
                        continue;
                    }
                    // Every suppression that covers the finding is used; the most specific one
                    // is named as the reason.
                    if let Some(u) = used.get_mut(i).and_then(|u| u.get_mut(r)) {
                        *u = true;
                    }
                    let rank = specificity(&s.scope);
                    if best.as_ref().is_none_or(|(b, _)| rank < *b) {
                        best = Some((rank, s));
                    }
                }
            }
        }
        match best {
            Some((_, s)) => out.suppressed.push(SuppressedDiagnostic {
                diagnostic: d,
                by: SuppressedBy {
                    kind: s.kind,
                    reason: s.reason.clone(),
                    expires: s.expires,
                    location: s.location.clone(),
                },
            }),
            None => out.diagnostics.push(d),
        }
    }
    for (s, used) in found.suppressions.iter().zip(&used) {
        if !live(s) {
            if selection.enabled(&ExpiredSuppression::META) {
                out.diagnostics.push(expired(s));
            }
        } else if selection.enabled(&UnusedSuppression::META)
            && let Some(d) = unused(s, used, selection)
        {
            out.diagnostics.push(d);
        }
    }
    if selection.enabled(&InvalidSuppression::META) {
        out.diagnostics.extend(found.problems.iter().map(invalid));
    }
    out
}

/// Lower is more specific: the comment on the line, the innermost declaration, the innermost
/// nested template, the file.
fn specificity(scope: &Scope) -> (u8, std::cmp::Reverse<usize>) {
    match scope {
        Scope::Line(_) => (0, std::cmp::Reverse(0)),
        Scope::Declaration(p) => (1, std::cmp::Reverse(p.len())),
        Scope::NestedTemplate(p) => (2, std::cmp::Reverse(p.len())),
        Scope::File => (3, std::cmp::Reverse(0)),
    }
}

struct Matcher<'m, 'a> {
    file: &'m Arc<SourceFile>,
    root: &'m JsonValue<'a>,
}

impl Matcher<'_, '_> {
    fn in_file(&self, d: &Diagnostic) -> bool {
        let f = &d.location.file;
        Arc::ptr_eq(f, self.file) || f.path == self.file.path
    }

    /// The 0-based lines a comment may name for a finding: where its primary location starts,
    /// and where its resource's declaration starts.
    fn lines(&self, d: &Diagnostic) -> [Option<usize>; 2] {
        let index = self.file.line_index();
        let declaration = d.resource.as_ref().and_then(|r| {
            json::lookup_pointer(self.root, &r.pointer)
                .map(|n| index.line_of(json::span_of(n).start))
        });
        [Some(index.line_of(d.location.span.start)), declaration]
    }

    fn covers(&self, scope: &Scope, d: &Diagnostic) -> bool {
        if !self.in_file(d) {
            return false;
        }
        // What the finding is about: its resource's declaration, else where it points.
        let subject = d
            .resource
            .as_ref()
            .map_or(d.location.pointer.as_str(), |r| r.pointer.as_str());
        match scope {
            Scope::File => true,
            Scope::Declaration(p) => within(subject, p),
            Scope::NestedTemplate(p) => within(subject, p) && subject.len() > p.len(),
            Scope::Line(line) => self.lines(d).contains(&Some(*line)),
        }
    }
}

/// `pointer` is `prefix` or below it (ASCII case-insensitive, as ARM compares names).
fn within(pointer: &str, prefix: &str) -> bool {
    let (p, q) = (pointer.as_bytes(), prefix.as_bytes());
    p.get(..q.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(q))
        && matches!(p.get(q.len()), None | Some(b'/'))
}

/// `CRG011`, `CRG011 and CRG013`, `CRG011, CRG012 and CRG013`.
fn list(ids: &[&str]) -> String {
    match ids {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn rule_diagnostic(
    meta: &RuleMeta,
    location: &Location,
    message: String,
    help: String,
) -> Diagnostic {
    Diagnostic {
        help: Some(help),
        ..meta.diagnostic(location.clone(), message)
    }
}

fn expired(s: &Suppression) -> Diagnostic {
    let ids: Vec<&str> = s.rules.iter().map(|m| m.meta().id).collect();
    let date = s.expires.map(|d| d.to_string()).unwrap_or_default();
    rule_diagnostic(
        &ExpiredSuppression::META,
        &s.expires_at,
        format!(
            "the suppression of {} expired after {date} (reason given: {}); its findings are reported again",
            list(&ids),
            s.reason
        ),
        "fix the findings, or review the reason and move the expiry date".into(),
    )
}

fn unused(s: &Suppression, used: &[bool], selection: &Selection) -> Option<Diagnostic> {
    let unused: Vec<&RuleMeta> = s
        .rules
        .iter()
        .zip(used)
        .filter(|(_, u)| !**u)
        .map(|(m, _)| m.meta())
        .collect();
    if unused.is_empty() {
        return None;
    }
    let ids: Vec<&str> = unused.iter().map(|m| m.id).collect();
    let mut message = if unused.len() == s.rules.len() {
        format!("the suppression of {} matched no finding", list(&ids))
    } else {
        format!("{} in this suppression matched no finding", list(&ids))
    };
    let not_run: Vec<&str> = unused
        .iter()
        .filter(|m| !selection.enabled(m))
        .map(|m| m.id)
        .collect();
    if !not_run.is_empty() {
        let verb = if not_run.len() == 1 { "is" } else { "are" };
        message.push_str(&format!(
            " ({} {verb} not enabled in this run)",
            list(&not_run)
        ));
    }
    let help = if unused.len() == s.rules.len() {
        "remove the suppression: what it accepted is no longer reported"
    } else {
        "remove the rules that match nothing from the suppression"
    };
    Some(rule_diagnostic(
        &UnusedSuppression::META,
        &s.location,
        message,
        help.into(),
    ))
}

fn invalid(p: &Problem) -> Diagnostic {
    let help = match p.kind {
        SuppressionKind::Comment => {
            "write `// armlint-ignore RULE[, RULE] [until YYYY-MM-DD]: reason`"
        }
        _ => {
            "write {\"rule\": \"RULE\", \"reason\": \"…\", \"expires\": \"YYYY-MM-DD\"} or \"RULE: reason\""
        }
    };
    rule_diagnostic(
        &InvalidSuppression::META,
        &p.location,
        format!("this suppression suppresses nothing: {}", p.message),
        help.into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_are_compared_segment_by_segment() {
        assert!(within("/resources/1", "/resources/1"));
        assert!(within("/resources/1/resources/0", "/resources/1"));
        assert!(!within("/resources/10", "/resources/1"));
        assert!(within("/Resources/Web/x", "/resources/web"));
        assert!(within("/anything", ""));
    }

    #[test]
    fn lists_read_as_prose() {
        assert_eq!(list(&["A"]), "A");
        assert_eq!(list(&["A", "B"]), "A and B");
        assert_eq!(list(&["A", "B", "C"]), "A, B and C");
    }
}
