//! Evaluated ARM values with three-valued semantics.
//!
//! A value is either fully known, or contains [`Unknown`] leaves (a known object whose `id` property is
//! unknown is still a known object). An unknown may carry a *symbol*: a canonical text of the expression
//! that produced it, so that two occurrences of the same unresolved expression compare equal
//! (`[parameters('location')]` on both sides of a location check, or a `resourceId()` built from the same
//! unresolved name). Symbols of string-building functions keep their literal parts, so a resource ID with an
//! unknown name still shows its type and provider segments (see [`Unknown::symbol`]).

use std::fmt::Write as _;
use std::sync::Arc;

use crate::limits::{STRING_BYTES, VALUE_DEPTH, VALUE_WALK_NODES};

/// Opening and closing marks around an unknown fragment when a [`Symbol`] is shown. They are
/// only ever written, never searched for: which text is unknown is kept in the symbol's ranges,
/// so a template whose own text holds these characters is not misread.
pub const SYM_OPEN: char = '⟪';
pub const SYM_CLOSE: char = '⟫';

/// The text of a partly known value: known text with unknown fragments, each kept as the byte
/// range of its rendering (`⟪expr⟫`, marks included; outermost fragments only, as a nested one is
/// part of the expression text around it). Two symbols are equal when text and ranges are, so a
/// literal `⟪x⟫` never equals the unknown `x`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Symbol(Arc<SymbolParts>);

impl Default for Symbol {
    fn default() -> Self {
        Symbol::known("")
    }
}

#[derive(Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct SymbolParts {
    text: String,
    unknown: Vec<(u32, u32)>,
}

/// One piece of a [`Symbol`], in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    Known(&'a str),
    /// The expression an unknown fragment stands for (without the marks).
    Unknown(&'a str),
}

impl Symbol {
    /// The unknown value of `expr` alone: `⟪expr⟫`.
    pub fn expression(expr: &str) -> Symbol {
        let mut b = SymbolBuilder::default();
        b.open();
        b.push_known(expr);
        b.close();
        b.finish()
    }

    /// Known text only (a known string read where a symbol may be).
    pub fn known(text: &str) -> Symbol {
        let mut b = SymbolBuilder::default();
        b.push_known(text);
        b.finish()
    }

    /// A symbol from its text and the byte ranges of its unknown fragments (in order, not
    /// overlapping, on character boundaries).
    pub fn from_parts(text: String, unknown: &[std::ops::Range<usize>]) -> Symbol {
        Symbol(Arc::new(SymbolParts {
            text,
            unknown: unknown
                .iter()
                .map(|r| (r.start as u32, r.end as u32))
                .collect(),
        }))
    }

    /// The text as shown, unknown fragments between [`SYM_OPEN`] and [`SYM_CLOSE`].
    pub fn text(&self) -> &str {
        &self.0.text
    }

    pub fn len(&self) -> usize {
        self.0.text.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.text.is_empty()
    }

    /// True when some fragment is unknown.
    pub fn has_unknown(&self) -> bool {
        !self.0.unknown.is_empty()
    }

    /// Held elsewhere too (so already counted by the evaluation budget).
    pub fn is_shared(&self) -> bool {
        Arc::strong_count(&self.0) > 1
    }

    /// Byte ranges of the unknown fragments (marks included), in order.
    pub fn unknown_ranges(&self) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        self.0
            .unknown
            .iter()
            .map(|&(start, end)| start as usize..end as usize)
    }

    /// True when byte `i` lies inside an unknown fragment.
    pub fn is_unknown_at(&self, i: usize) -> bool {
        self.unknown_ranges().any(|r| r.contains(&i))
    }

    /// Known text and unknown expressions, in order (empty known pieces left out).
    pub fn pieces(&self) -> Vec<Piece<'_>> {
        let text = self.text();
        let mut out = Vec::with_capacity(2 * self.0.unknown.len() + 1);
        let mut at = 0;
        let marks = SYM_OPEN.len_utf8();
        for r in self.unknown_ranges() {
            if let Some(known) = text.get(at..r.start).filter(|k| !k.is_empty()) {
                out.push(Piece::Known(known));
            }
            let inner = text
                .get(r.start + marks..r.end.saturating_sub(marks))
                .unwrap_or_default();
            out.push(Piece::Unknown(inner));
            at = r.end;
        }
        if let Some(known) = text.get(at..).filter(|k| !k.is_empty()) {
            out.push(Piece::Known(known));
        }
        out
    }

    /// The text with unknown fragments shown as bare expressions (the marks of fragments nested
    /// in them too), for messages.
    pub fn without_marks(&self) -> String {
        let mut out = String::with_capacity(self.len());
        for piece in self.pieces() {
            match piece {
                Piece::Known(text) => out.push_str(text),
                Piece::Unknown(expr) => {
                    out.extend(expr.chars().filter(|&c| c != SYM_OPEN && c != SYM_CLOSE))
                }
            }
        }
        out
    }

    /// The text with unknown fragments shown as `[expr]` (fragments nested in them too), for
    /// messages.
    pub fn with_brackets(&self) -> String {
        let mut out = String::with_capacity(self.len());
        for piece in self.pieces() {
            match piece {
                Piece::Known(text) => out.push_str(text),
                Piece::Unknown(expr) => {
                    out.push('[');
                    out.extend(expr.chars().map(|c| match c {
                        SYM_OPEN => '[',
                        SYM_CLOSE => ']',
                        c => c,
                    }));
                    out.push(']');
                }
            }
        }
        out
    }

    /// The part `range` of this symbol (cut on character boundaries outside fragments), with the
    /// fragments inside it.
    pub fn slice(&self, range: std::ops::Range<usize>) -> Symbol {
        let text = self.text().get(range.clone()).unwrap_or_default();
        let unknown = self
            .unknown_ranges()
            .filter(|r| r.start >= range.start && r.end <= range.end)
            .map(|r| ((r.start - range.start) as u32, (r.end - range.start) as u32))
            .collect();
        Symbol(Arc::new(SymbolParts {
            text: text.into(),
            unknown,
        }))
    }

    /// Split on `sep` outside unknown fragments.
    pub fn split_outside(&self, sep: u8) -> Vec<Symbol> {
        self.split_ranges(sep)
            .into_iter()
            .map(|r| self.slice(r))
            .collect()
    }

    /// Byte ranges of the parts between `sep`s outside unknown fragments.
    pub fn split_ranges(&self, sep: u8) -> Vec<std::ops::Range<usize>> {
        let unknown: Vec<_> = self.unknown_ranges().collect();
        split_outside(self.text(), &unknown, sep)
    }

    /// The same symbol lower-cased (ASCII only, so every range stays where it is).
    pub fn to_ascii_lowercase(&self) -> Symbol {
        Symbol(Arc::new(SymbolParts {
            text: self.text().to_ascii_lowercase(),
            unknown: self.0.unknown.clone(),
        }))
    }

    /// This symbol followed by known text (`⟪x⟫.name`).
    pub fn with_suffix(&self, suffix: &str) -> Symbol {
        let mut b = SymbolBuilder::default();
        b.push_symbol(self);
        b.push_known(suffix);
        b.finish()
    }
}

impl std::fmt::Display for Symbol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.text())
    }
}

/// Byte ranges of the parts of `text` between `sep`s that are outside the `unknown` ranges (in
/// order, not overlapping).
pub fn split_outside(
    text: &str,
    unknown: &[std::ops::Range<usize>],
    sep: u8,
) -> Vec<std::ops::Range<usize>> {
    // Bytes, not chars: IDs are hot. `sep` is ASCII, so never inside a multi-byte character.
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(8);
    let mut fragments = unknown.iter().peekable();
    let mut start = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if let Some(r) = fragments.peek()
            && r.start <= i
        {
            i = i.max(r.end);
            fragments.next();
            continue;
        }
        if b == sep {
            out.push(start..i);
            start = i + 1;
        }
        i += 1;
    }
    out.push(start..bytes.len());
    out
}

/// Builds a [`Symbol`] piece by piece; [`SymbolBuilder::open`] and [`SymbolBuilder::close`]
/// bracket an unknown fragment (nested brackets are part of the outer fragment).
#[derive(Debug, Default)]
pub struct SymbolBuilder {
    text: String,
    unknown: Vec<(u32, u32)>,
    depth: usize,
    open_at: usize,
}

impl SymbolBuilder {
    pub fn with_capacity(bytes: usize) -> Self {
        SymbolBuilder {
            text: String::with_capacity(bytes),
            ..SymbolBuilder::default()
        }
    }

    /// Known text, or expression text inside an open fragment.
    pub fn push_known(&mut self, text: &str) {
        self.text.push_str(text);
    }

    pub fn push_char(&mut self, c: char) {
        self.text.push(c);
    }

    /// Another symbol, its fragments kept (or part of the open fragment).
    pub fn push_symbol(&mut self, symbol: &Symbol) {
        if self.depth == 0 {
            let shift = self.text.len() as u32;
            self.unknown.extend(
                symbol
                    .0
                    .unknown
                    .iter()
                    .map(|&(s, e)| (s.saturating_add(shift), e.saturating_add(shift))),
            );
        }
        self.text.push_str(symbol.text());
    }

    /// Start an unknown fragment.
    pub fn open(&mut self) {
        if self.depth == 0 {
            self.open_at = self.text.len();
        }
        self.depth += 1;
        self.text.push(SYM_OPEN);
    }

    /// End the fragment [`SymbolBuilder::open`] started.
    pub fn close(&mut self) {
        self.text.push(SYM_CLOSE);
        self.depth = self.depth.saturating_sub(1);
        if self.depth == 0 {
            self.unknown
                .push((self.open_at as u32, self.text.len() as u32));
        }
    }

    pub fn len(&self) -> usize {
        self.text.len()
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn finish(self) -> Symbol {
        Symbol(Arc::new(SymbolParts {
            text: self.text,
            unknown: self.unknown,
        }))
    }
}

#[derive(Clone, Debug, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    /// JSON literals may carry fractions; ARM expressions themselves only produce integers.
    Float(f64),
    String(Arc<str>),
    /// Built only through [`Value::array`], which bounds its nesting.
    Array(Arc<Array>),
    /// Built only through [`Value::object`], which bounds its nesting.
    Object(Arc<Object>),
    /// The value of `lambda(...)`: only meaningful as an argument of a lambda function.
    Lambda(Arc<crate::arm::expr::Lambda>),
    Unknown(Unknown),
}

/// Why a value is unknown. Kept small: the reason is shown to users in "why silent" output.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UnknownReason {
    /// A parameter with neither a default nor a value from a parameter file.
    Parameter(String),
    /// A secure parameter, or a Key Vault reference in a parameter file.
    Secret(String),
    /// Runtime state: `reference()`, `list*()`, `newGuid()`, `utcNow()`, ...
    Runtime(String),
    /// Deployment context not configured: `subscription()`, `resourceGroup()`, `deployment()`, ...
    Context(String),
    /// A linked template (`templateLink`) whose content is not analysed.
    LinkedTemplate,
    /// A function armlint does not implement.
    Unsupported(String),
    /// The expression would fail at deployment (wrong argument type, index out of range, ...).
    Error(String),
    /// A copy loop whose count or index is not known.
    CopyIndex,
    /// Evaluation stopped: a cycle between variables or outputs, or a depth/size limit.
    Limit(String),
}

impl std::fmt::Display for UnknownReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UnknownReason::Parameter(p) => write!(f, "parameter '{p}' has no value"),
            UnknownReason::Secret(p) => write!(f, "'{p}' is a secret"),
            UnknownReason::Runtime(what) => write!(f, "{what} is only known at deployment time"),
            UnknownReason::Context(what) => write!(f, "{what} is not configured"),
            UnknownReason::LinkedTemplate => write!(f, "it comes from a linked template"),
            UnknownReason::Unsupported(func) => write!(f, "function '{func}' is not supported"),
            UnknownReason::Error(msg) => write!(f, "the expression fails: {msg}"),
            UnknownReason::CopyIndex => write!(f, "the copy loop index is not known"),
            UnknownReason::Limit(msg) => write!(f, "evaluation stopped: {msg}"),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Unknown {
    pub reason: Arc<UnknownReason>,
    /// Canonical form of the expression: known literal text and unknown fragments
    /// (`/providers/Microsoft.Compute/x/⟪parameters('name')⟫`). `None` when the value is not
    /// reproducible (`newGuid()`), so it equals nothing.
    pub symbol: Option<Symbol>,
    /// A string known to have literal text (`concat('/subscriptions/', subscription().id)`): not
    /// empty, whatever the unknown parts are. Lets `empty()` decide AVM's
    /// `if(not(empty(id)), createObject('id', id), null())` for a symbolic ID.
    pub non_empty_string: bool,
}

impl Unknown {
    pub fn new(reason: impl Into<Arc<UnknownReason>>, symbol: Option<Symbol>) -> Self {
        Unknown {
            non_empty_string: false,
            reason: reason.into(),
            symbol,
        }
    }
}

/// What a container knows of its whole subtree, computed once when it is built (its children
/// already know theirs), so that no question about a value has to walk it. Values share children
/// (`Arc`), so a value of a few kilobytes can stand for an exponentially large tree: the sizes here
/// are *logical* (as if every shared child were copied) and saturate instead of overflowing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Nodes of the logical tree (this one included): what a walk of every node costs.
    pub nodes: u64,
    /// A lower bound on the bytes of the value's compact JSON (one per node, plus the bytes of
    /// every string and key), so that serialisation is refused before it starts.
    pub bytes: u64,
    /// Containers on the deepest path (0 for a scalar).
    pub depth: u32,
    /// No unknown (or lambda) anywhere inside; an open object's own openness is not included.
    pub known: bool,
    /// Some unknown inside has no reproducible symbol.
    pub anonymous: bool,
}

impl Shape {
    /// The shape of an empty container.
    const EMPTY: Shape = Shape {
        nodes: 1,
        bytes: 2,
        depth: 1,
        known: true,
        anonymous: false,
    };

    /// Add a member (`key_len` bytes of key, 0 for an array element).
    fn add(&mut self, key_len: usize, member: &Shape) {
        self.nodes = self.nodes.saturating_add(member.nodes);
        self.bytes = self
            .bytes
            .saturating_add(member.bytes)
            .saturating_add(key_len as u64)
            .saturating_add(1);
        self.depth = self.depth.max(member.depth.saturating_add(1));
        self.known &= member.known;
        self.anonymous |= member.anonymous;
    }
}

/// The elements of an ARM array with their [`Shape`]. Read it as a `Vec<Value>`; it cannot be
/// changed once built, so the shape stays true.
#[derive(Clone, Debug)]
pub struct Array {
    items: Vec<Value>,
    shape: Shape,
}

impl Array {
    pub fn new(items: Vec<Value>) -> Self {
        let mut shape = Shape::EMPTY;
        for v in &items {
            shape.add(0, &v.shape());
        }
        Array { items, shape }
    }
    pub fn shape(&self) -> Shape {
        self.shape
    }
}

impl std::ops::Deref for Array {
    type Target = Vec<Value>;
    fn deref(&self) -> &Vec<Value> {
        &self.items
    }
}

/// An ARM object: insertion-ordered, keys compared case-insensitively (as ARM does).
#[derive(Clone, Debug)]
pub struct Object {
    /// Read freely; change only through [`Object::push`] and [`Object::insert`], which keep the
    /// shape.
    pub entries: Vec<(Arc<str>, Value)>,
    /// The object may have properties beyond `entries` that are not known (the result of
    /// `reference()` for a deployment: its outputs are known, the rest is not). A missing key is then
    /// unknown instead of an error.
    pub open: bool,
    shape: Shape,
}

impl Default for Object {
    fn default() -> Self {
        Object {
            entries: Vec::new(),
            open: false,
            shape: Shape::EMPTY,
        }
    }
}

impl Object {
    pub fn new() -> Self {
        Object::default()
    }
    pub fn with_capacity(n: usize) -> Self {
        Object {
            entries: Vec::with_capacity(n),
            ..Object::default()
        }
    }
    /// The shape of the entries (the object's own openness is in `open`).
    pub fn shape(&self) -> Shape {
        self.shape
    }
    /// Case-insensitive lookup; with duplicate keys the last one wins (as in Azure).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    }
    /// Append without checking for an existing key (callers that build from JSON in order).
    pub fn push(&mut self, key: impl Into<Arc<str>>, value: Value) {
        let key = key.into();
        self.shape.add(key.len(), &value.shape());
        self.entries.push((key, value));
    }
    /// Insert or replace (case-insensitively), keeping the first spelling's position.
    pub fn insert(&mut self, key: impl Into<Arc<str>>, value: Value) {
        let key = key.into();
        if let Some(slot) = self
            .entries
            .iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case(&key))
        {
            slot.1 = value;
            // The replaced value's share of the shape cannot be taken out of saturated sums.
            let mut shape = Shape::EMPTY;
            for (k, v) in &self.entries {
                shape.add(k.len(), &v.shape());
            }
            self.shape = shape;
        } else {
            self.shape.add(key.len(), &value.shape());
            self.entries.push((key, value));
        }
    }
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(k, v)| (&**k, v))
    }
}

impl Value {
    pub fn string(s: impl Into<Arc<str>>) -> Value {
        Value::String(s.into())
    }
    /// An array value; nested deeper than [`VALUE_DEPTH`] it is an unknown (limit) instead, so that
    /// every walk of a value is bounded in depth.
    pub fn array(items: Vec<Value>) -> Value {
        let a = Array::new(items);
        if a.shape.depth as usize > VALUE_DEPTH {
            return too_deep();
        }
        Value::Array(Arc::new(a))
    }
    /// An object value; nested deeper than [`VALUE_DEPTH`] it is an unknown (limit) instead.
    pub fn object(obj: Object) -> Value {
        if obj.shape.depth as usize > VALUE_DEPTH {
            return too_deep();
        }
        Value::Object(Arc::new(obj))
    }
    /// An unknown because a limit of armlint's own was reached (not a fault of the template).
    pub fn limit(msg: impl Into<String>) -> Value {
        Value::unknown(UnknownReason::Limit(msg.into()), None)
    }

    /// The shape of this value's subtree, in constant time.
    pub fn shape(&self) -> Shape {
        let scalar = |bytes: usize| Shape {
            nodes: 1,
            bytes: (bytes as u64).saturating_add(1),
            depth: 0,
            known: true,
            anonymous: false,
        };
        match self {
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => scalar(0),
            Value::String(s) => scalar(s.len()),
            Value::Array(a) => a.shape,
            Value::Object(o) => Shape {
                known: o.shape.known && !o.open,
                ..o.shape
            },
            Value::Lambda(_) => Shape {
                known: false,
                ..scalar(0)
            },
            Value::Unknown(u) => Shape {
                known: false,
                anonymous: u.symbol.is_none(),
                ..scalar(u.symbol.as_ref().map_or(0, |s| s.len()))
            },
        }
    }

    /// The same value, when walking every node of it is affordable ([`VALUE_WALK_NODES`]); else
    /// the unknown (limit) to give instead. Functions that compare, search or convert a whole value
    /// ask first, because shared children make the logical size exponential in the memory size.
    pub fn walkable(&self) -> Result<&Value, Value> {
        if self.shape().nodes > VALUE_WALK_NODES {
            Err(too_large_to_walk())
        } else {
            Ok(self)
        }
    }
    pub fn unknown(reason: impl Into<Arc<UnknownReason>>, symbol: Option<Symbol>) -> Value {
        Value::Unknown(Unknown::new(reason, symbol))
    }
    /// An unknown caused by an invalid operation (deployment would fail); not symbolic.
    pub fn error(msg: impl Into<String>) -> Value {
        Value::unknown(UnknownReason::Error(msg.into()), None)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown(_))
    }
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }
    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }
    pub fn as_unknown(&self) -> Option<&Unknown> {
        match self {
            Value::Unknown(u) => Some(u),
            _ => None,
        }
    }
    /// An integer, also from a string or an integral float (templates write `"capacity": "2"`).
    pub fn as_int_lenient(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(*f as i64),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
    /// A boolean, also from the strings "true"/"false" (QS writes `"singlePlacementGroup": "false"`).
    pub fn as_bool_lenient(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    /// This value when walking every node of it is affordable; else a copy in which the members
    /// that do not fit in [`VALUE_WALK_NODES`] nodes (in order) are unknowns (limit), so that a
    /// walk over all of it (rules' selectors, the graph's ID search) stays bounded while the
    /// members that fit stay known. Only containers too large to keep are rebuilt, so the work
    /// is the width of one path down, not the logical size.
    pub fn bounded_for_walk(&self) -> std::borrow::Cow<'_, Value> {
        if self.walkable().is_ok() {
            return std::borrow::Cow::Borrowed(self);
        }
        let mut left = VALUE_WALK_NODES;
        std::borrow::Cow::Owned(self.bounded(&mut left))
    }

    /// [`Value::bounded_for_walk`] with `left` nodes still to give; recursion is bounded by
    /// [`VALUE_DEPTH`].
    fn bounded(&self, left: &mut u64) -> Value {
        let nodes = self.shape().nodes;
        if nodes <= *left {
            *left -= nodes;
            return self.clone();
        }
        if *left == 0 {
            return too_large_to_walk();
        }
        *left -= 1;
        match self {
            Value::Array(a) => Value::array(a.iter().map(|v| v.bounded(left)).collect()),
            Value::Object(o) => {
                let mut out = Object::with_capacity(o.len());
                out.open = o.open;
                for (k, v) in &o.entries {
                    out.push(k.clone(), v.bounded(left));
                }
                Value::object(out)
            }
            _ => too_large_to_walk(),
        }
    }

    /// Property lookup (case-insensitive). `None` when the key is absent from a known object;
    /// an unknown (or open object) yields an unknown member.
    pub fn get(&self, key: &str) -> Option<Value> {
        match self {
            Value::Object(o) => match o.get(key) {
                Some(v) => Some(v.clone()),
                None if o.open => Some(Value::unknown(
                    UnknownReason::Runtime(format!("property '{key}'")),
                    None,
                )),
                None => None,
            },
            Value::Unknown(u) => Some(Value::Unknown(Unknown {
                non_empty_string: false,
                reason: u.reason.clone(),
                symbol: u
                    .symbol
                    .as_ref()
                    .map(|s| s.with_suffix(&format!(".{}", key.to_ascii_lowercase()))),
            })),
            _ => None,
        }
    }

    /// Follow a dotted path of property names (case-insensitive): `properties.hardwareProfile.vmSize`.
    pub fn path(&self, dotted: &str) -> Option<Value> {
        let mut cur = self.clone();
        for key in dotted.split('.') {
            cur = cur.get(key)?;
        }
        Some(cur)
    }

    /// True when no [`Value::Unknown`] occurs anywhere inside (constant time: see [`Shape`]).
    pub fn is_fully_known(&self) -> bool {
        self.shape().known
    }

    /// The first unknown found inside (depth first), for reporting why something is unknown. Only
    /// subtrees that hold an unknown are entered, so the walk follows one path down.
    pub fn first_unknown(&self) -> Option<&Unknown> {
        let mut cur = self;
        loop {
            cur = match cur {
                Value::Unknown(u) => return Some(u),
                Value::Array(a) if !a.shape.known => a.iter().find(|v| !v.shape().known)?,
                Value::Object(o) if !o.shape.known => o
                    .entries
                    .iter()
                    .map(|(_, v)| v)
                    .find(|v| !v.shape().known)?,
                _ => return None,
            };
        }
    }

    /// ARM type name as `string()` error messages and the `type` of outputs use it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) | Value::Float(_) => "int",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
            Value::Lambda(_) => "lambda",
            Value::Unknown(_) => "unknown",
        }
    }

    /// Symbol text of this value used inside a composite symbol: the literal text of a known scalar,
    /// compact JSON of a known container, the symbol of an unknown (or an anonymous marker).
    pub fn symbol_fragment(&self) -> String {
        let mut out = SymbolBuilder::default();
        self.write_symbol_fragment(&mut out);
        out.text
    }

    /// [`Value::symbol_fragment`], appended to `out`.
    pub fn write_symbol_fragment(&self, out: &mut SymbolBuilder) {
        match self {
            Value::String(s) => {
                out.push_char('\'');
                for part in s.split_inclusive('\'') {
                    out.push_known(part);
                    if part.ends_with('\'') {
                        out.push_char('\'');
                    }
                }
                out.push_char('\'');
            }
            Value::Unknown(u) => match &u.symbol {
                Some(s) => out.push_symbol(s),
                None => {
                    out.open();
                    out.push_char('?');
                    out.close();
                }
            },
            // A symbol too long to write is cut (`…`): symbols are compared, never parsed.
            other => match other.try_to_json_string(STRING_BYTES) {
                Some(json) => out.push_known(&json),
                None => out.push_char('…'),
            },
        }
    }

    /// True when this unknown (or any unknown inside) has no reproducible symbol.
    pub fn has_anonymous_unknown(&self) -> bool {
        self.shape().anonymous
    }

    /// Compact JSON as ARM's `string()` writes objects and arrays. Unknown leaves are written as their
    /// symbol in a string (only used for symbols and display, never for a known result). For display
    /// only: beyond [`STRING_BYTES`] the text is cut and ends with `…`; a result that must be exact
    /// uses [`Value::try_to_json_string`].
    pub fn to_json_string(&self) -> String {
        match self.try_to_json_string(STRING_BYTES) {
            Some(s) => s,
            None => {
                let mut out = String::new();
                let _ = self.write_json(&mut out, STRING_BYTES);
                let mut cut = out.len().min(STRING_BYTES);
                while !out.is_char_boundary(cut) {
                    cut -= 1;
                }
                out.truncate(cut);
                out.push('…');
                out
            }
        }
    }

    /// Compact JSON, or `None` when it would be longer than `max_bytes` (refused before writing
    /// when the shape already says so, else as soon as the text passes the limit).
    pub fn try_to_json_string(&self, max_bytes: usize) -> Option<String> {
        if self.shape().bytes > max_bytes as u64 {
            return None;
        }
        let mut out = String::new();
        self.write_json(&mut out, max_bytes).ok()?;
        Some(out)
    }

    /// Append compact JSON to `out`; `Err` once `out` is longer than `max_bytes`, having written
    /// at most one string past it. Recursion is bounded by [`VALUE_DEPTH`].
    fn write_json(&self, out: &mut String, max_bytes: usize) -> Result<(), TooLong> {
        if out.len() > max_bytes {
            return Err(TooLong);
        }
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Float(f) => {
                let _ = write!(
                    out,
                    "{}",
                    serde_json::Number::from_f64(*f).map_or("null".into(), |n| n.to_string())
                );
            }
            Value::String(s) => write_json_string(out, s),
            Value::Array(a) => {
                out.push('[');
                for (i, v) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write_json(out, max_bytes)?;
                }
                out.push(']');
            }
            Value::Object(o) => {
                out.push('{');
                for (i, (k, v)) in o.entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_json_string(out, k);
                    out.push(':');
                    v.write_json(out, max_bytes)?;
                }
                out.push('}');
            }
            Value::Lambda(_) => out.push_str("\"<lambda>\""),
            Value::Unknown(_) => write_json_string(out, &self.symbol_fragment()),
        }
        if out.len() > max_bytes {
            return Err(TooLong);
        }
        Ok(())
    }

    /// Conversion for JSON output (graph and rule results); unknowns become `{"$unknown": reason, "symbol": ...}`.
    /// A value with more than [`VALUE_WALK_NODES`] logical nodes is written as the unknown it
    /// stands for (a limit), instead of being copied out node by node.
    pub fn to_serde(&self) -> serde_json::Value {
        match self.walkable() {
            Ok(v) => v.to_serde_unchecked(),
            Err(limit) => limit.to_serde_unchecked(),
        }
    }

    /// [`Value::to_serde`] below the size check; recursion is bounded by [`VALUE_DEPTH`].
    fn to_serde_unchecked(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::String(s) => J::String(s.to_string()),
            Value::Array(a) => J::Array(a.iter().map(Value::to_serde_unchecked).collect()),
            Value::Object(o) => {
                let mut m = serde_json::Map::new();
                for (k, v) in &o.entries {
                    m.insert(k.to_string(), v.to_serde_unchecked());
                }
                J::Object(m)
            }
            Value::Lambda(_) => J::String("<lambda>".into()),
            Value::Unknown(u) => {
                let mut m = serde_json::Map::new();
                m.insert("$unknown".into(), J::String(u.reason.to_string()));
                if let Some(s) = &u.symbol {
                    m.insert("symbol".into(), J::String(s.text().to_string()));
                }
                J::Object(m)
            }
        }
    }

    /// Conversion from plain JSON (parameter values given on the command line, instance views).
    /// serde_json's reader nests at most 128 deep, so the recursion here is bounded; deeper than
    /// [`VALUE_DEPTH`] the result is an unknown (limit).
    pub fn from_serde(v: &serde_json::Value) -> Value {
        use serde_json::Value as J;
        match v {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(0.0)),
            },
            J::String(s) => Value::string(s.as_str()),
            J::Array(a) => Value::array(a.iter().map(Value::from_serde).collect()),
            J::Object(m) => {
                let mut o = Object::with_capacity(m.len());
                for (k, v) in m {
                    o.insert(k.as_str(), Value::from_serde(v));
                }
                Value::object(o)
            }
        }
    }
}

/// A serialisation went past its byte limit.
#[derive(Debug)]
struct TooLong;

fn too_deep() -> Value {
    Value::limit(format!(
        "the value nests deeper than {VALUE_DEPTH} arrays and objects"
    ))
}

fn too_large_to_walk() -> Value {
    Value::limit(format!(
        "the value has more than {VALUE_WALK_NODES} elements once its shared parts are counted"
    ))
}

pub fn write_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Three-valued comparison result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tri {
    True,
    False,
    Unknown,
}

impl Tri {
    pub fn from_bool(b: bool) -> Tri {
        if b { Tri::True } else { Tri::False }
    }
    pub fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::False, _) | (_, Tri::False) => Tri::False,
            (Tri::True, Tri::True) => Tri::True,
            _ => Tri::Unknown,
        }
    }
    pub fn or(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::True, _) | (_, Tri::True) => Tri::True,
            (Tri::False, Tri::False) => Tri::False,
            _ => Tri::Unknown,
        }
    }
}

impl std::ops::Not for Tri {
    type Output = Tri;
    fn not(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        }
    }
}

/// Deep equality as ARM's `equals()` defines it: strings compare case-sensitively, objects by keys
/// (case-insensitive) and values, arrays element-wise. Unknowns compare equal only by identical symbol.
/// Values with more than [`VALUE_WALK_NODES`] logical nodes are not compared (unknown), except a
/// known value with itself; recursion is bounded by [`VALUE_DEPTH`].
pub fn equals(a: &Value, b: &Value) -> Tri {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) if Arc::ptr_eq(x, y) && x.shape.known => Tri::True,
        (Value::Object(x), Value::Object(y)) if Arc::ptr_eq(x, y) && b.is_fully_known() => {
            Tri::True
        }
        _ if a.shape().nodes.min(b.shape().nodes) > VALUE_WALK_NODES => Tri::Unknown,
        _ => equals_unchecked(a, b),
    }
}

fn equals_unchecked(a: &Value, b: &Value) -> Tri {
    match (a, b) {
        (Value::Unknown(x), Value::Unknown(y)) => match (&x.symbol, &y.symbol) {
            (Some(s), Some(t)) if s == t => Tri::True,
            _ => Tri::Unknown,
        },
        (Value::Unknown(_), _) | (_, Value::Unknown(_)) => Tri::Unknown,
        (Value::Null, Value::Null) => Tri::True,
        (Value::Bool(x), Value::Bool(y)) => Tri::from_bool(x == y),
        (Value::Int(x), Value::Int(y)) => Tri::from_bool(x == y),
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => {
            Tri::from_bool((*x as f64) == *y)
        }
        (Value::Float(x), Value::Float(y)) => Tri::from_bool(x == y),
        (Value::String(x), Value::String(y)) => Tri::from_bool(x == y),
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Tri::False;
            }
            x.iter()
                .zip(y.iter())
                .fold(Tri::True, |acc, (p, q)| acc.and(equals_unchecked(p, q)))
        }
        (Value::Object(x), Value::Object(y)) => {
            if x.open || y.open {
                return Tri::Unknown;
            }
            if x.len() != y.len() {
                return Tri::False;
            }
            let mut acc = Tri::True;
            for (k, v) in x.iter() {
                match y.get(k) {
                    Some(w) => acc = acc.and(equals_unchecked(v, w)),
                    None => return Tri::False,
                }
            }
            acc
        }
        _ => Tri::False,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_lookup_is_case_insensitive_and_insert_replaces() {
        let mut o = Object::new();
        o.insert("VmSize", Value::string("a"));
        o.insert("vmsize", Value::string("b"));
        assert_eq!(o.len(), 1);
        assert_eq!(
            o.get("VMSIZE").and_then(|v| v.as_str().map(String::from)),
            Some("b".into())
        );
        assert_eq!(&*o.entries[0].0, "VmSize");
    }

    #[test]
    fn unknown_symbols_compare_equal_only_when_identical() {
        let a = Value::unknown(
            UnknownReason::Parameter("x".into()),
            Some(Symbol::expression("parameters('x')")),
        );
        let b = a.clone();
        let c = Value::unknown(
            UnknownReason::Parameter("y".into()),
            Some(Symbol::expression("parameters('y')")),
        );
        assert_eq!(equals(&a, &b), Tri::True);
        assert_eq!(equals(&a, &c), Tri::Unknown);
        assert_eq!(equals(&a, &Value::Int(1)), Tri::Unknown);
    }

    #[test]
    fn lenient_scalars() {
        assert_eq!(Value::string("2").as_int_lenient(), Some(2));
        assert_eq!(Value::string("False").as_bool_lenient(), Some(false));
        assert_eq!(Value::Float(3.0).as_int_lenient(), Some(3));
    }
}
