//! RFC 9535 JSONPath selectors of declarative rules, run with `jsonpath-rust` over a resource's
//! *evaluated* body, with ARM's rules on top:
//! - property names are case-insensitive (the document's keys and the query's names are
//!   lower-cased; result paths are mapped back to the spelling in the template);
//! - an unknown value never answers a question: it is a sentinel in the document, and a query
//!   that could have found something at or below an unknown value (or whose filter reads one) is
//!   *influenced*, so a condition that needs "nothing there" stays unknown.

use jsonpath_rust::parser::model::{
    Comparable, Comparison, FilterAtom, FnArg, JpQuery, Segment, Selector as JpSelector,
    SingularQuery, SingularQuerySegment, Test, TestFunction,
};
use serde_json::Value as Json;

use crate::arm::value::Value;

/// The text an unknown value becomes in the queried document. NUL bytes cannot occur in template
/// strings that matter, so no real value is mistaken for it.
const UNKNOWN_SENTINEL: &str = "\u{0}armlint:unknown\u{0}";

/// An unknown that is certainly a resource ID (`resourceId()` of an unknown name): present, and
/// not null, though its text is not known.
const UNKNOWN_ID_SENTINEL: &str = "\u{0}armlint:unknown-id\u{0}";

/// A compiled selector: `$…` (from the resource) or `@…` (from the node a check iterates over).
#[derive(Clone, Debug)]
pub struct Selector {
    pub text: String,
    query: JpQuery,
    pub relative: bool,
    /// A filter reads from the root (`$` inside `[?…]`): any unknown may influence it.
    reads_root_in_filter: bool,
}

/// One node a selector found.
#[derive(Clone, Debug)]
pub struct Node<'d> {
    /// Path from the resource body, lower-cased keys and array indexes.
    pub tokens: Vec<Token>,
    pub value: &'d Json,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token {
    Key(String),
    Index(usize),
}

/// What a selector found: its nodes, and whether an unknown value may hide more (or other) ones.
#[derive(Debug, Default)]
pub struct Selection<'d> {
    pub nodes: Vec<Node<'d>>,
    pub influenced: bool,
    /// The selector would find more than [`SELECTOR_NODES`] nodes: none are given, and
    /// `influenced` is set, so that every condition on it stays unknown.
    pub limited: bool,
}

impl Selector {
    pub fn parse(text: &str) -> Result<Selector, String> {
        // Parsing JSONPath (pest) is the costly part of loading a rule, paid at every start;
        // rules repeat their selectors, and a parsed one is cloned cheaply.
        type Parsed = std::collections::HashMap<String, Result<Selector, String>>;
        static PARSED: std::sync::OnceLock<std::sync::Mutex<Parsed>> = std::sync::OnceLock::new();
        let cache = PARSED.get_or_init(Default::default);
        if let Some(done) = cache.lock().ok().and_then(|c| c.get(text).cloned()) {
            return done;
        }
        let parsed = Selector::parse_uncached(text);
        if let Ok(mut c) = cache.lock() {
            c.insert(text.to_string(), parsed.clone());
        }
        parsed
    }

    fn parse_uncached(text: &str) -> Result<Selector, String> {
        let trimmed = text.trim();
        let (relative, absolute) = match trimmed.strip_prefix('@') {
            Some(rest) => (true, format!("${rest}")),
            None => (false, trimmed.to_string()),
        };
        if !absolute.starts_with('$') {
            return Err(format!(
                "invalid JSONPath {text:?}: a selector starts with `$` (the resource) or `@` (the current node)"
            ));
        }
        let mut query = jsonpath_rust::parser::parse_json_path(&absolute).map_err(|e| {
            format!(
                "invalid JSONPath {text:?}: {}",
                one_line_pest_error(&e.to_string())
            )
        })?;
        let mut reads_root = false;
        for s in &mut query.segments {
            lower_segment(s, &mut reads_root);
        }
        Ok(Selector {
            text: text.to_string(),
            query,
            relative,
            reads_root_in_filter: reads_root,
        })
    }

    /// Run on `doc`; a relative selector starts at `current` (tokens from the root).
    pub fn select<'d>(&self, doc: &'d Document, current: &[Token]) -> Selection<'d> {
        let (start, base): (&Json, &[Token]) = if self.relative {
            match doc.at(current) {
                Some(v) => (v, current),
                None => return Selection::default(),
            }
        } else {
            (&doc.json, &[])
        };
        if self.finds_too_many(start) {
            return Selection {
                nodes: Vec::new(),
                influenced: true,
                limited: true,
            };
        }
        let found = jsonpath_rust::query::js_path_process(&self.query, start).unwrap_or_default();
        let mut nodes = Vec::with_capacity(found.len());
        for r in found {
            let Some(rel) = parse_normalized_path(&r.path) else {
                continue;
            };
            let mut tokens = base.to_vec();
            tokens.extend(rel);
            nodes.push(Node {
                tokens,
                value: r.val,
            });
        }
        let influenced = doc.unknowns.iter().any(|u| {
            if self.reads_root_in_filter {
                return true;
            }
            u.strip_prefix(base)
                .is_some_and(|rest| may_reach(&self.query.segments, rest))
        });
        Selection {
            nodes,
            influenced,
            limited: false,
        }
    }

    /// Whether the query finds more than [`SELECTOR_NODES`] nodes from `start`, counted with
    /// repeats. Only a second descendant segment can multiply the nodes found, so other queries
    /// are not counted. Counting runs one segment at a time over the distinct nodes reached, each
    /// with how many times it is reached, so the count itself stays linear in the document.
    fn finds_too_many(&self, start: &Json) -> bool {
        let descendants = self
            .query
            .segments
            .iter()
            .filter(|s| matches!(s, Segment::Descendant(_)))
            .count();
        if descendants < 2 {
            return false;
        }
        let mut reached: Vec<(&Json, u64)> = vec![(start, 1)];
        for segment in &self.query.segments {
            let step = JpQuery::new(vec![segment.clone()]);
            let mut next: Vec<(&Json, u64)> = Vec::new();
            let mut position: rustc_hash::FxHashMap<usize, usize> = Default::default();
            let mut total: u64 = 0;
            for &(node, times) in &reached {
                let found = jsonpath_rust::query::js_path_process(&step, node).unwrap_or_default();
                for r in found {
                    // Nodes are told apart by address: each is one place in the document.
                    let key = std::ptr::from_ref(r.val) as usize;
                    total = total.saturating_add(times);
                    match position.get(&key).and_then(|&i| next.get_mut(i)) {
                        Some(entry) => entry.1 = entry.1.saturating_add(times),
                        None => {
                            position.insert(key, next.len());
                            next.push((r.val, times));
                        }
                    }
                }
                if total > SELECTOR_NODES {
                    return true;
                }
            }
            reached = next;
        }
        false
    }
}

/// jsonpath-rust reports pest errors over several lines (` --> 1:21`, a caret, `= expected …`):
/// one line, for `file:line:col: message`.
fn one_line_pest_error(e: &str) -> String {
    let at = e
        .split("--> ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|pos| pos.split(':').nth(1));
    let expected = e
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("= "))
        .unwrap_or("syntax error");
    match at {
        Some(col) => format!("{expected} at character {col}"),
        None => e.lines().next().unwrap_or(e).to_string(),
    }
}

/// Lower-case every member name of a query (also inside filters); note whether a filter reads
/// from the root.
fn lower_segment(s: &mut Segment, reads_root: &mut bool) {
    match s {
        Segment::Descendant(inner) => lower_segment(inner, reads_root),
        Segment::Selector(sel) => lower_selector(sel, reads_root),
        Segment::Selectors(sels) => {
            for sel in sels {
                lower_selector(sel, reads_root);
            }
        }
    }
}

fn lower_selector(s: &mut JpSelector, reads_root: &mut bool) {
    match s {
        JpSelector::Name(n) => *n = n.to_ascii_lowercase(),
        JpSelector::Filter(f) => lower_filter(f, reads_root),
        JpSelector::Wildcard | JpSelector::Index(_) | JpSelector::Slice(..) => {}
    }
}

fn lower_filter(f: &mut jsonpath_rust::parser::model::Filter, reads_root: &mut bool) {
    use jsonpath_rust::parser::model::Filter;
    match f {
        Filter::Or(fs) | Filter::And(fs) => {
            for f in fs {
                lower_filter(f, reads_root);
            }
        }
        Filter::Atom(a) => match a {
            FilterAtom::Filter { expr, .. } => lower_filter(expr, reads_root),
            FilterAtom::Test { expr, .. } => lower_test(expr, reads_root),
            FilterAtom::Comparison(c) => {
                let (l, r) = match c.as_mut() {
                    Comparison::Eq(l, r)
                    | Comparison::Ne(l, r)
                    | Comparison::Gt(l, r)
                    | Comparison::Gte(l, r)
                    | Comparison::Lt(l, r)
                    | Comparison::Lte(l, r) => (l, r),
                };
                lower_comparable(l, reads_root);
                lower_comparable(r, reads_root);
            }
        },
    }
}

fn lower_test(t: &mut Test, reads_root: &mut bool) {
    match t {
        Test::RelQuery(segs) => {
            for s in segs {
                lower_segment(s, reads_root);
            }
        }
        Test::AbsQuery(q) => {
            *reads_root = true;
            for s in &mut q.segments {
                lower_segment(s, reads_root);
            }
        }
        Test::Function(f) => lower_function(f, reads_root),
    }
}

fn lower_function(f: &mut TestFunction, reads_root: &mut bool) {
    let mut arg = |a: &mut FnArg| match a {
        FnArg::Literal(_) => {}
        FnArg::Test(t) => lower_test(t, reads_root),
        FnArg::Filter(f) => lower_filter(f, reads_root),
    };
    match f {
        TestFunction::Custom(_, args) => {
            for a in args {
                arg(a);
            }
        }
        TestFunction::Length(a) => arg(a),
        TestFunction::Value(a) | TestFunction::Count(a) => arg(a),
        TestFunction::Search(a, b) | TestFunction::Match(a, b) => {
            arg(a);
            arg(b);
        }
    }
}

fn lower_comparable(c: &mut Comparable, reads_root: &mut bool) {
    match c {
        Comparable::Literal(_) => {}
        Comparable::Function(f) => lower_function(f, reads_root),
        Comparable::SingularQuery(q) => {
            let segs = match q {
                SingularQuery::Current(s) => s,
                SingularQuery::Root(s) => {
                    *reads_root = true;
                    s
                }
            };
            for s in segs {
                if let SingularQuerySegment::Name(n) = s {
                    *n = n.to_ascii_lowercase();
                }
            }
        }
    }
}

/// Whether the query could visit the node at `tokens` (an unknown value) or something inside it,
/// or read it in a filter: then what the query finds is not the whole truth.
fn may_reach(segments: &[Segment], tokens: &[Token]) -> bool {
    let Some((first, rest_tokens)) = tokens.split_first() else {
        // The query reaches the unknown node and would go on into it (or stops there).
        return true;
    };
    let Some((seg, rest_segs)) = segments.split_first() else {
        // The query stops above the unknown node: the node it selects contains it.
        return false;
    };
    let selectors: Vec<&JpSelector> = match seg {
        // An unknown anywhere below may hold the names searched for.
        Segment::Descendant(_) => return true,
        Segment::Selector(s) => vec![s],
        Segment::Selectors(s) => s.iter().collect(),
    };
    selectors.iter().any(|s| match s {
        // A filter reads the candidate's whole subtree.
        JpSelector::Filter(_) => true,
        JpSelector::Name(n) => {
            matches!(first, Token::Key(k) if k == n) && may_reach(rest_segs, rest_tokens)
        }
        JpSelector::Wildcard => may_reach(rest_segs, rest_tokens),
        JpSelector::Index(i) => {
            matches!(first, Token::Index(j) if *i < 0 || usize::try_from(*i).is_ok_and(|i| i == *j))
                && may_reach(rest_segs, rest_tokens)
        }
        JpSelector::Slice(..) => {
            matches!(first, Token::Index(_)) && may_reach(rest_segs, rest_tokens)
        }
    })
}

/// Parse a normalized path as jsonpath-rust writes it (`$['a'][0]['b\'c']`) into tokens.
fn parse_normalized_path(path: &str) -> Option<Vec<Token>> {
    let mut chars = path.strip_prefix('$')?.chars().peekable();
    let mut out = Vec::new();
    while let Some(c) = chars.next() {
        if c != '[' {
            return None;
        }
        match chars.peek() {
            Some('\'') => {
                chars.next();
                let mut name = String::new();
                loop {
                    match chars.next()? {
                        '\'' => break,
                        '\\' => match chars.next()? {
                            'b' => name.push('\u{8}'),
                            'f' => name.push('\u{c}'),
                            'n' => name.push('\n'),
                            'r' => name.push('\r'),
                            't' => name.push('\t'),
                            'u' => {
                                let hex: String = (0..4).filter_map(|_| chars.next()).collect();
                                name.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                            }
                            other => name.push(other),
                        },
                        other => name.push(other),
                    }
                }
                if chars.next()? != ']' {
                    return None;
                }
                out.push(Token::Key(name));
            }
            _ => {
                let mut digits = String::new();
                loop {
                    match chars.next()? {
                        ']' => break,
                        d => digits.push(d),
                    }
                }
                out.push(Token::Index(digits.parse().ok()?));
            }
        }
    }
    Some(out)
}

/// A resource's evaluated body as the selectors see it.
pub struct Document {
    pub json: Json,
    /// Where unknown values are (and objects with unknown extra members), as token paths.
    unknowns: Vec<Vec<Token>>,
}

impl Document {
    pub fn new(body: &Value) -> Document {
        let mut unknowns = Vec::new();
        let mut path = Vec::new();
        // Shared parts make a body's logical size exponential in its memory size.
        let json = to_json(&body.bounded_for_walk(), &mut path, &mut unknowns, 0);
        Document { json, unknowns }
    }

    pub fn at(&self, tokens: &[Token]) -> Option<&Json> {
        let mut v = &self.json;
        for t in tokens {
            v = match (t, v) {
                (Token::Key(k), Json::Object(m)) => m.get(k)?,
                (Token::Index(i), Json::Array(a)) => a.get(*i)?,
                _ => return None,
            };
        }
        Some(v)
    }

    /// Whether the value at `tokens` is, or contains, an unknown.
    pub fn unknown_within(&self, tokens: &[Token]) -> bool {
        self.unknowns.iter().any(|u| u.starts_with(tokens))
    }
}

/// Whether a queried value is the sentinel of an unknown.
pub fn is_unknown(v: &Json) -> bool {
    matches!(v, Json::String(s) if s == UNKNOWN_SENTINEL || s == UNKNOWN_ID_SENTINEL)
}

/// Whether an unknown value is certainly there (not null): an ID whose parts are unknown.
pub fn is_present_unknown(v: &Json) -> bool {
    matches!(v, Json::String(s) if s == UNKNOWN_ID_SENTINEL)
}

use crate::limits::{SELECTOR_DEPTH, SELECTOR_NODES};

fn to_json(v: &Value, path: &mut Vec<Token>, unknowns: &mut Vec<Vec<Token>>, depth: usize) -> Json {
    if depth > SELECTOR_DEPTH {
        unknowns.push(path.clone());
        return Json::String(UNKNOWN_SENTINEL.into());
    }
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::String(s) => Json::String(s.to_string()),
        Value::Array(a) => Json::Array(
            a.iter()
                .enumerate()
                .map(|(i, e)| {
                    path.push(Token::Index(i));
                    let j = to_json(e, path, unknowns, depth + 1);
                    path.pop();
                    j
                })
                .collect(),
        ),
        Value::Object(o) => {
            if o.open {
                unknowns.push(path.clone());
            }
            let mut m = serde_json::Map::with_capacity(o.len());
            // Later duplicates win, as in Azure: insert in order, replacing.
            for (k, e) in &o.entries {
                let key = k.to_ascii_lowercase();
                path.push(Token::Key(key.clone()));
                let j = to_json(e, path, unknowns, depth + 1);
                path.pop();
                m.insert(key, j);
            }
            Json::Object(m)
        }
        Value::Unknown(u)
            if u.symbol
                .as_ref()
                .is_some_and(|s| crate::arm::functions::parse_resource_id_symbol(s).is_some()) =>
        {
            unknowns.push(path.clone());
            Json::String(UNKNOWN_ID_SENTINEL.into())
        }
        Value::Lambda(_) | Value::Unknown(_) => {
            unknowns.push(path.clone());
            Json::String(UNKNOWN_SENTINEL.into())
        }
    }
}

/// The original spelling of a token path in the evaluated body (for pointers into the template).
pub fn original_tokens(body: &Value, tokens: &[Token]) -> Vec<String> {
    let mut out = Vec::with_capacity(tokens.len());
    let mut v = Some(body);
    for t in tokens {
        match t {
            Token::Key(k) => {
                let entry = v.and_then(Value::as_object).and_then(|o| {
                    o.entries
                        .iter()
                        .rev()
                        .find(|(key, _)| key.eq_ignore_ascii_case(k))
                });
                match entry {
                    Some((key, val)) => {
                        out.push(key.to_string());
                        v = Some(val);
                    }
                    None => {
                        out.push(k.clone());
                        v = None;
                    }
                }
            }
            Token::Index(i) => {
                out.push(i.to_string());
                v = v.and_then(Value::as_array).and_then(|a| a.get(*i));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(json: &str) -> Document {
        let v: Json = serde_json::from_str(json).unwrap();
        Document::new(&Value::from_serde(&v))
    }

    fn unknown_at(mut body: Value, key: &str) -> Value {
        if let Value::Object(o) = &mut body {
            std::sync::Arc::make_mut(o).insert(
                key,
                Value::unknown(
                    crate::arm::value::UnknownReason::Parameter("p".into()),
                    None,
                ),
            );
        }
        body
    }

    #[test]
    fn names_are_case_insensitive_and_paths_map_back() {
        let d = doc(r#"{"Properties": {"HardwareProfile": {"VmSize": "Standard_D2s_v3"}}}"#);
        let s = Selector::parse("$.properties.hardwareProfile.vmSize").unwrap();
        let found = s.select(&d, &[]);
        assert_eq!(found.nodes.len(), 1);
        assert!(!found.influenced);
        let body = Value::from_serde(
            &serde_json::from_str(r#"{"Properties": {"HardwareProfile": {"VmSize": "x"}}}"#)
                .unwrap(),
        );
        assert_eq!(
            original_tokens(&body, &found.nodes[0].tokens),
            vec!["Properties", "HardwareProfile", "VmSize"]
        );
    }

    #[test]
    fn unknowns_influence_what_could_be_below_them() {
        let body = Value::from_serde(&serde_json::json!({"properties": {"a": 1}}));
        let body = unknown_at(body, "tags");
        let d = Document::new(&body);
        let under = Selector::parse("$.tags.LegacyVMNVA")
            .unwrap()
            .select(&d, &[]);
        assert!(under.nodes.is_empty() && under.influenced);
        let beside = Selector::parse("$.properties.a").unwrap().select(&d, &[]);
        assert!(beside.nodes.len() == 1 && !beside.influenced);
        let wild = Selector::parse("$.*").unwrap().select(&d, &[]);
        assert!(wild.influenced);
        let deep = Selector::parse("$..x").unwrap().select(&d, &[]);
        assert!(deep.influenced);
        // The query stops above the unknown: the node it selects is known (it contains one).
        let above = Selector::parse("$").unwrap().select(&d, &[]);
        assert!(!above.influenced);
        assert!(d.unknown_within(&[]));
    }

    #[test]
    fn filters_read_their_candidates() {
        let mut body =
            Value::from_serde(&serde_json::json!({"disks": [{"t": "UltraSSD_LRS"}, {}]}));
        if let Value::Object(o) = &mut body {
            let disks = Value::array(vec![
                Value::from_serde(&serde_json::json!({"t": "UltraSSD_LRS"})),
                unknown_at(Value::from_serde(&serde_json::json!({})), "t"),
            ]);
            std::sync::Arc::make_mut(o).insert("disks", disks);
        }
        let d = Document::new(&body);
        let s = Selector::parse("$.disks[?@.t == 'UltraSSD_LRS']").unwrap();
        let found = s.select(&d, &[]);
        assert_eq!(found.nodes.len(), 1);
        assert!(found.influenced);
        assert_eq!(
            found.nodes[0].tokens,
            vec![Token::Key("disks".into()), Token::Index(0)]
        );
    }

    #[test]
    fn relative_selectors_start_at_the_current_node() {
        let d = doc(r#"{"a": [{"b": 1}, {"b": 2}]}"#);
        let s = Selector::parse("@.b").unwrap();
        let cur = vec![Token::Key("a".into()), Token::Index(1)];
        let found = s.select(&d, &cur);
        assert_eq!(found.nodes.len(), 1);
        assert_eq!(found.nodes[0].value, &Json::from(2));
        assert_eq!(
            found.nodes[0].tokens,
            vec![
                Token::Key("a".into()),
                Token::Index(1),
                Token::Key("b".into())
            ]
        );
    }

    #[test]
    fn bad_selectors_are_errors() {
        assert!(Selector::parse("properties.a").is_err());
        assert!(Selector::parse("$.a[").is_err());
        assert!(Selector::parse("$[?@.a ==]").is_err());
    }

    #[test]
    fn normalized_paths_parse() {
        assert_eq!(
            parse_normalized_path(r"$['a'][12]['b\'c']"),
            Some(vec![
                Token::Key("a".into()),
                Token::Index(12),
                Token::Key("b'c".into())
            ])
        );
        assert_eq!(parse_normalized_path("$"), Some(vec![]));
        assert_eq!(parse_normalized_path("$['a"), None);
    }

    #[test]
    fn selectors_that_multiply_their_nodes_stop_at_the_limit() {
        // 100 nested objects: `..*` four times over would find millions of nodes.
        let mut json = String::from("1");
        for _ in 0..100 {
            json = format!("{{\"a\": {json}}}");
        }
        let d = doc(&json);
        let found = Selector::parse("$..*..*..*..*").unwrap().select(&d, &[]);
        assert!(found.limited && found.influenced && found.nodes.is_empty());
        // Two descendant segments stay below it and find every node with its repeats.
        let two = Selector::parse("$..*..*").unwrap().select(&d, &[]);
        assert!(!two.limited && !two.influenced);
        assert_eq!(two.nodes.len(), (1..100).sum::<usize>());
        // One descendant segment is never counted.
        let one = Selector::parse("$..a").unwrap().select(&d, &[]);
        assert_eq!((one.limited, one.nodes.len()), (false, 100));
    }
}
