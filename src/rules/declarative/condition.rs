//! Conditions of declarative rules: a leaf tests the nodes a selector finds (`exists`, `absent`,
//! `equals`, `in`, `matches`, numeric comparisons, `count`), and `all` / `any` / `not` combine
//! them. Evaluation is three-valued: a leaf that meets an unknown value is unknown, and a rule
//! reports only what is certainly true.

use serde::Deserialize;
use serde_json::Value as Json;

use super::selector::{Document, Node, Selector, Token, is_present_unknown, is_unknown};
use crate::arm::value::Tri;

/// A condition as written in YAML; validated into [`Condition`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawCondition {
    all: Option<Vec<Condition>>,
    any: Option<Vec<Condition>>,
    not: Option<Box<Condition>>,
    path: Option<SelectorText>,
    exists: Option<bool>,
    absent: Option<bool>,
    equals: Option<Json>,
    #[serde(rename = "in")]
    one_of: Option<Vec<Json>>,
    matches: Option<RegexText>,
    greater: Option<f64>,
    greater_or_equals: Option<f64>,
    less: Option<f64>,
    less_or_equals: Option<f64>,
    count: Option<RawCount>,
    /// `any` (default): some node passes; `all`: every node passes (and there is one).
    #[serde(rename = "match")]
    quantifier: Option<Quantifier>,
    /// Strings compare ASCII-case-insensitively, as ARM compares most values, unless true.
    case_sensitive: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawCount {
    equals: Option<f64>,
    greater: Option<f64>,
    greater_or_equals: Option<f64>,
    less: Option<f64>,
    less_or_equals: Option<f64>,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Quantifier {
    #[default]
    Any,
    All,
}

/// A JSONPath string, checked when the rule file is read (so the error has its position).
#[derive(Clone, Debug)]
pub struct SelectorText(pub Selector);

impl<'de> Deserialize<'de> for SelectorText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Selector::parse(&text)
            .map(SelectorText)
            .map_err(serde::de::Error::custom)
    }
}

/// A regular expression, compiled when the rule file is read.
#[derive(Clone, Debug)]
pub struct RegexText(pub regex::Regex);

impl<'de> Deserialize<'de> for RegexText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        // Compiling is the costly part of loading a rule; rules repeat their patterns (one per
        // resource type), and a compiled `Regex` is shared cheaply.
        static COMPILED: std::sync::OnceLock<
            std::sync::Mutex<std::collections::HashMap<String, regex::Regex>>,
        > = std::sync::OnceLock::new();
        let cache = COMPILED.get_or_init(Default::default);
        if let Some(re) = cache.lock().ok().and_then(|c| c.get(&text).cloned()) {
            return Ok(RegexText(re));
        }
        let re = regex::Regex::new(&text).map_err(|e| {
            // The regex crate draws a caret over several lines; its last line says what.
            let e = e.to_string();
            let why = e.lines().last().unwrap_or(&e).trim_start_matches("error: ");
            serde::de::Error::custom(format!("invalid regular expression {text:?}: {why}"))
        })?;
        if let Ok(mut c) = cache.lock() {
            c.insert(text, re.clone());
        }
        Ok(RegexText(re))
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Compare {
    Equals,
    Greater,
    GreaterOrEquals,
    Less,
    LessOrEquals,
}

impl Compare {
    fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Compare::Equals => a == b,
            Compare::Greater => a > b,
            Compare::GreaterOrEquals => a >= b,
            Compare::Less => a < b,
            Compare::LessOrEquals => a <= b,
        }
    }

    /// More nodes can only make it true (`greater`, `greaterOrEquals`).
    fn grows_true(self) -> bool {
        matches!(self, Compare::Greater | Compare::GreaterOrEquals)
    }
}

#[derive(Clone, Debug)]
pub enum Test {
    Exists,
    Absent,
    Equals(Json),
    In(Vec<Json>),
    Matches(regex::Regex),
    Number(Compare, f64),
    Count(Compare, f64),
}

#[derive(Clone, Debug)]
pub struct Leaf {
    pub selector: Selector,
    pub test: Test,
    pub quantifier: Quantifier,
    pub case_sensitive: bool,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(try_from = "RawCondition")]
pub enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    Leaf(Box<Leaf>),
}

const OPERATORS: &str =
    "exists, absent, equals, in, matches, greater, greaterOrEquals, less, lessOrEquals, count";

impl TryFrom<RawCondition> for Condition {
    type Error = String;

    fn try_from(r: RawCondition) -> Result<Condition, String> {
        let combinators = [r.all.is_some(), r.any.is_some(), r.not.is_some()]
            .iter()
            .filter(|b| **b)
            .count();
        let mut tests: Vec<Test> = Vec::new();
        match r.exists {
            Some(true) => tests.push(Test::Exists),
            Some(false) => tests.push(Test::Absent),
            None => {}
        }
        match r.absent {
            Some(true) => tests.push(Test::Absent),
            Some(false) => tests.push(Test::Exists),
            None => {}
        }
        if let Some(v) = r.equals {
            tests.push(Test::Equals(v));
        }
        if let Some(v) = r.one_of {
            tests.push(Test::In(v));
        }
        if let Some(re) = r.matches {
            tests.push(Test::Matches(re.0));
        }
        for (op, n) in [
            (Compare::Greater, r.greater),
            (Compare::GreaterOrEquals, r.greater_or_equals),
            (Compare::Less, r.less),
            (Compare::LessOrEquals, r.less_or_equals),
        ] {
            if let Some(n) = n {
                tests.push(Test::Number(op, n));
            }
        }
        if let Some(c) = r.count {
            let ops: Vec<(Compare, f64)> = [
                (Compare::Equals, c.equals),
                (Compare::Greater, c.greater),
                (Compare::GreaterOrEquals, c.greater_or_equals),
                (Compare::Less, c.less),
                (Compare::LessOrEquals, c.less_or_equals),
            ]
            .into_iter()
            .filter_map(|(op, n)| n.map(|n| (op, n)))
            .collect();
            match ops.as_slice() {
                [(op, n)] => tests.push(Test::Count(*op, *n)),
                _ => {
                    return Err(
                        "`count` takes exactly one of equals, greater, greaterOrEquals, less, lessOrEquals"
                            .into(),
                    );
                }
            }
        }
        let leaf_keys = r.quantifier.is_some() || r.case_sensitive.is_some();
        if combinators > 0 {
            if combinators > 1 || r.path.is_some() || !tests.is_empty() || leaf_keys {
                return Err(
                    "a condition is one of `all`, `any`, `not`, or a `path` with an operator"
                        .into(),
                );
            }
            if let Some(all) = r.all {
                return non_empty(all, "all").map(Condition::All);
            }
            if let Some(any) = r.any {
                return non_empty(any, "any").map(Condition::Any);
            }
            if let Some(not) = r.not {
                return Ok(Condition::Not(not));
            }
        }
        let Some(path) = r.path else {
            return Err(format!(
                "a condition needs `all`, `any`, `not`, or a `path` with one operator ({OPERATORS})"
            ));
        };
        let test = match tests.len() {
            1 => tests.remove(0),
            0 => return Err(format!("`path` needs one operator ({OPERATORS})")),
            _ => {
                return Err(format!(
                    "a condition has one operator; use `all` to combine ({OPERATORS})"
                ));
            }
        };
        Ok(Condition::Leaf(Box::new(Leaf {
            selector: path.0,
            test,
            quantifier: r.quantifier.unwrap_or_default(),
            case_sensitive: r.case_sensitive.unwrap_or(false),
        })))
    }
}

fn non_empty(v: Vec<Condition>, what: &str) -> Result<Vec<Condition>, String> {
    if v.is_empty() {
        Err(format!("`{what}` needs at least one condition"))
    } else {
        Ok(v)
    }
}

/// The result of a condition, and the node that made it true (where a finding points).
#[derive(Clone, Debug)]
pub struct Outcome {
    pub tri: Tri,
    pub witness: Option<Vec<Token>>,
}

impl Condition {
    pub fn eval(&self, doc: &Document, current: &[Token]) -> Outcome {
        match self {
            Condition::All(cs) => {
                let mut tri = Tri::True;
                let mut witness = None;
                for c in cs {
                    let o = c.eval(doc, current);
                    if o.tri == Tri::False {
                        return Outcome {
                            tri: Tri::False,
                            witness: None,
                        };
                    }
                    tri = tri.and(o.tri);
                    if witness.is_none() && o.tri == Tri::True {
                        witness = o.witness;
                    }
                }
                Outcome { tri, witness }
            }
            Condition::Any(cs) => {
                let mut tri = Tri::False;
                for c in cs {
                    let o = c.eval(doc, current);
                    if o.tri == Tri::True {
                        return o;
                    }
                    tri = tri.or(o.tri);
                }
                Outcome { tri, witness: None }
            }
            Condition::Not(c) => Outcome {
                tri: !c.eval(doc, current).tri,
                witness: None,
            },
            Condition::Leaf(l) => l.eval(doc, current),
        }
    }
}

impl Leaf {
    fn eval(&self, doc: &Document, current: &[Token]) -> Outcome {
        let sel = self.selector.select(doc, current);
        let uncertain = sel.influenced;
        match &self.test {
            Test::Exists => exists(&sel.nodes, uncertain),
            Test::Absent => {
                let e = exists(&sel.nodes, uncertain);
                Outcome {
                    tri: !e.tri,
                    witness: None,
                }
            }
            Test::Count(op, n) => {
                let mut known = 0usize;
                let mut unsure = uncertain;
                for node in &sel.nodes {
                    if is_present_unknown(node.value) {
                        known += 1;
                    } else if is_unknown(node.value) {
                        unsure = true;
                    } else if !node.value.is_null() {
                        known += 1;
                    }
                }
                let holds = op.holds(known as f64, *n);
                let tri = if holds && (!unsure || op.grows_true()) {
                    Tri::True
                } else if unsure {
                    Tri::Unknown
                } else {
                    Tri::False
                };
                let witness = sel.nodes.first().map(|n| {
                    let mut t = n.tokens.clone();
                    t.pop();
                    t
                });
                Outcome { tri, witness }
            }
            test => {
                let per_node = |node: &Node| -> Tri {
                    if is_unknown(node.value) {
                        return Tri::Unknown;
                    }
                    let t = match test {
                        Test::Equals(v) => self.equal(node.value, v),
                        Test::In(vs) => vs
                            .iter()
                            .fold(Tri::False, |acc, v| acc.or(self.equal(node.value, v))),
                        Test::Matches(re) => {
                            Tri::from_bool(node.value.as_str().is_some_and(|s| re.is_match(s)))
                        }
                        Test::Number(op, n) => {
                            Tri::from_bool(number(node.value).is_some_and(|x| op.holds(x, *n)))
                        }
                        Test::Exists | Test::Absent | Test::Count(..) => Tri::Unknown,
                    };
                    // A container holding an unknown cannot be compared as a whole.
                    if t != Tri::True && doc.unknown_within(&node.tokens) {
                        Tri::Unknown
                    } else {
                        t
                    }
                };
                quantify(self.quantifier, &sel.nodes, uncertain, per_node)
            }
        }
    }

    /// ARM equality of a queried value and a rule's value: numbers by value, strings
    /// case-insensitively unless asked, objects by (case-insensitive) keys.
    fn equal(&self, a: &Json, b: &Json) -> Tri {
        match (a, b) {
            (Json::String(x), Json::String(y)) => Tri::from_bool(if self.case_sensitive {
                x == y
            } else {
                x.eq_ignore_ascii_case(y)
            }),
            (Json::Number(x), Json::Number(y)) => Tri::from_bool(x.as_f64() == y.as_f64()),
            (Json::Bool(x), Json::Bool(y)) => Tri::from_bool(x == y),
            (Json::Null, Json::Null) => Tri::True,
            (Json::Array(x), Json::Array(y)) => {
                if x.len() != y.len() {
                    return Tri::False;
                }
                x.iter().zip(y).fold(Tri::True, |acc, (p, q)| {
                    acc.and(self.equal_or_unknown(p, q))
                })
            }
            (Json::Object(x), Json::Object(y)) => {
                if x.len() != y.len() {
                    return Tri::False;
                }
                let mut acc = Tri::True;
                for (k, v) in y {
                    match x.get(&k.to_ascii_lowercase()) {
                        Some(w) => acc = acc.and(self.equal_or_unknown(w, v)),
                        None => return Tri::False,
                    }
                }
                acc
            }
            _ => Tri::False,
        }
    }

    fn equal_or_unknown(&self, a: &Json, b: &Json) -> Tri {
        if is_unknown(a) {
            Tri::Unknown
        } else {
            self.equal(a, b)
        }
    }
}

/// A number, also written as a numeric string (templates write `"capacity": "2"`).
fn number(v: &Json) -> Option<f64> {
    match v {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn exists(nodes: &[Node], uncertain: bool) -> Outcome {
    quantify(Quantifier::Any, nodes, uncertain, |n| {
        if is_present_unknown(n.value) {
            Tri::True
        } else if is_unknown(n.value) {
            Tri::Unknown
        } else {
            Tri::from_bool(!n.value.is_null())
        }
    })
}

fn quantify(
    q: Quantifier,
    nodes: &[Node],
    uncertain: bool,
    test: impl Fn(&Node) -> Tri,
) -> Outcome {
    match q {
        Quantifier::Any => {
            let mut tri = if uncertain { Tri::Unknown } else { Tri::False };
            for n in nodes {
                match test(n) {
                    Tri::True => {
                        return Outcome {
                            tri: Tri::True,
                            witness: Some(n.tokens.clone()),
                        };
                    }
                    Tri::Unknown => tri = Tri::Unknown,
                    Tri::False => {}
                }
            }
            Outcome { tri, witness: None }
        }
        Quantifier::All => {
            let mut tri = Tri::True;
            for n in nodes {
                match test(n) {
                    Tri::False => {
                        return Outcome {
                            tri: Tri::False,
                            witness: None,
                        };
                    }
                    Tri::Unknown => tri = Tri::Unknown,
                    Tri::True => {}
                }
            }
            if uncertain {
                tri = tri.and(Tri::Unknown);
            } else if nodes.is_empty() {
                // "Every disk is Ultra" says nothing when there is no disk.
                tri = Tri::False;
            }
            Outcome {
                witness: if tri == Tri::True {
                    nodes.first().map(|n| n.tokens.clone())
                } else {
                    None
                },
                tri,
            }
        }
    }
}
