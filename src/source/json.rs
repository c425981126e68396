//! JSON with comments, parsed with byte spans on every node (jsonc-parser), accepting what Azure
//! accepts: `//` and `/* */` comments, trailing commas, raw line breaks in strings. Helpers for
//! case-insensitive property lookup, JSON pointers and duplicate keys.

use jsonc_parser::ast::{Object, Value as Json};
use jsonc_parser::common::Ranged;
use jsonc_parser::{CollectOptions, ParseOptions, parse_to_ast};

use super::Span;

// The tree's types, so that the rest of armlint names them through `source` and jsonc-parser stays
// a detail of this module.
pub use jsonc_parser::ast::{
    Array as JsonArray, Object as JsonObject, ObjectProp as JsonProperty, StringLit as JsonString,
    Value as JsonValue,
};

/// A syntax error at a position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    pub span: Span,
    pub message: String,
}

fn options() -> ParseOptions {
    // Loose JSON5 syntax is not valid ARM: keep only comments and trailing commas.
    ParseOptions {
        allow_comments: true,
        allow_trailing_commas: true,
        allow_loose_object_property_names: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

/// Parse a document. An empty document is an error.
pub fn parse(text: &str) -> Result<Json<'_>, JsonError> {
    match super::fast_json::parse(text) {
        Some(v) => Ok(v),
        None => parse_with_jsonc(text),
    }
}

/// Parse with jsonc-parser alone: what [`parse`] falls back to, and what it must agree with.
pub fn parse_with_jsonc(text: &str) -> Result<Json<'_>, JsonError> {
    match parse_to_ast(text, &CollectOptions::default(), &options()) {
        Ok(r) => r.value.ok_or(JsonError {
            span: Span::new(0, 0),
            message: "the file is empty".into(),
        }),
        Err(e) => {
            let r = e.range();
            Err(JsonError {
                span: Span::new(r.start, r.end.max(r.start)),
                message: e.kind().to_string(),
            })
        }
    }
}

pub fn span_of(v: &Json) -> Span {
    v.range().into()
}

/// Property lookup, case-insensitive as ARM is. With duplicate keys the last one wins (as in Azure).
pub fn get<'b, 'a>(obj: &'b Object<'a>, key: &str) -> Option<&'b Json<'a>> {
    obj.properties
        .iter()
        .rev()
        .find(|p| p.name.as_str().eq_ignore_ascii_case(key))
        .map(|p| &p.value)
}

/// The string value of a property, if it is a string.
pub fn get_str<'b>(obj: &'b Object<'_>, key: &str) -> Option<&'b str> {
    match get(obj, key) {
        Some(Json::StringLit(s)) => Some(&s.value),
        _ => None,
    }
}

pub fn as_object<'b, 'a>(v: &'b Json<'a>) -> Option<&'b Object<'a>> {
    match v {
        Json::Object(o) => Some(o),
        _ => None,
    }
}

/// Escape one JSON pointer token (RFC 6901).
pub fn pointer_token(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_pointer_token(&mut out, s);
    out
}

/// Append an escaped pointer token without allocating when nothing needs escaping.
pub fn push_pointer_token(out: &mut String, s: &str) {
    if s.contains(['~', '/']) {
        for c in s.chars() {
            match c {
                '~' => out.push_str("~0"),
                '/' => out.push_str("~1"),
                c => out.push(c),
            }
        }
    } else {
        out.push_str(s);
    }
}

/// `base` + `/` + `key` (escaped): a child's pointer, built without the formatting machinery,
/// which costs several times more and runs for every expanded instance.
pub fn child_pointer(base: &str, key: &str) -> String {
    let mut out = String::with_capacity(base.len() + 1 + key.len());
    out.push_str(base);
    out.push('/');
    push_pointer_token(&mut out, key);
    out
}

/// `base/section/key` (`key` escaped): the pointer of a member of the object under `section`.
pub fn member_pointer(base: &str, section: &str, key: &str) -> String {
    let mut out = child_pointer(base, section);
    out.push('/');
    push_pointer_token(&mut out, key);
    out
}

/// `base/section/index`: the pointer of an array element under `section`.
pub fn element_pointer(base: &str, section: &str, index: usize) -> String {
    let mut out = String::with_capacity(base.len() + section.len() + 6);
    out.push_str(base);
    out.push('/');
    out.push_str(section);
    out.push('/');
    push_index(&mut out, index);
    out
}

/// Append `index` in decimal.
pub fn push_index(out: &mut String, index: usize) {
    // At most 20 levels: the digits of a usize.
    if index >= 10 {
        push_index(out, index / 10);
    }
    // `index % 10` is below 10, so the digit is ASCII.
    out.push(char::from(b'0' + (index % 10) as u8));
}

/// Follow an RFC 6901 pointer (object keys matched exactly first, then case-insensitively).
pub fn lookup_pointer<'b, 'a>(root: &'b Json<'a>, pointer: &str) -> Option<&'b Json<'a>> {
    if pointer.is_empty() {
        return Some(root);
    }
    let mut cur = root;
    for raw in pointer.strip_prefix('/')?.split('/') {
        let token = raw.replace("~1", "/").replace("~0", "~");
        cur = match cur {
            Json::Object(o) => o
                .properties
                .iter()
                .rev()
                .find(|p| p.name.as_str() == token)
                .or_else(|| {
                    o.properties
                        .iter()
                        .rev()
                        .find(|p| p.name.as_str().eq_ignore_ascii_case(&token))
                })
                .map(|p| &p.value)?,
            Json::Array(a) => a.elements.get(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// The deepest node on the way to `pointer` and its pointer: for paths that lead into values built
/// by evaluation (a property copy loop's output) the declaration's nearest ancestor is reported.
pub fn lookup_pointer_nearest<'b, 'a>(root: &'b Json<'a>, pointer: &str) -> (&'b Json<'a>, String) {
    let mut cur = root;
    let mut reached = String::new();
    let Some(rest) = pointer.strip_prefix('/') else {
        return (root, reached);
    };
    for raw in rest.split('/') {
        let token = raw.replace("~1", "/").replace("~0", "~");
        let next = match cur {
            Json::Object(o) => o
                .properties
                .iter()
                .rev()
                .find(|p| p.name.as_str().eq_ignore_ascii_case(&token))
                .map(|p| &p.value),
            Json::Array(a) => token.parse::<usize>().ok().and_then(|i| a.elements.get(i)),
            _ => None,
        };
        match next {
            Some(n) => {
                cur = n;
                reached.push('/');
                reached.push_str(raw);
            }
            None => break,
        }
    }
    (cur, reached)
}

/// A key that occurs twice in one object (compared case-insensitively, as ARM reads them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DuplicateKey {
    pub key: String,
    /// Pointer of the object holding both.
    pub object_pointer: String,
    pub first: Span,
    pub second: Span,
}

pub fn duplicate_keys(root: &Json) -> Vec<DuplicateKey> {
    let mut out = Vec::new();
    let mut path: Vec<PathSeg> = Vec::new();
    walk_duplicates(root, &mut path, &mut out);
    out
}

/// One step of the path to the current node in a walk, kept so that the path's text is only
/// built for what is reported (here a duplicate key; in the graph an edge).
#[derive(Clone, Copy)]
pub enum PathSeg<'s> {
    Key(&'s str),
    Index(usize),
}

fn pointer_of(path: &[PathSeg]) -> String {
    let mut p = String::new();
    for seg in path {
        p.push('/');
        match seg {
            PathSeg::Key(k) => push_pointer_token(&mut p, k),
            PathSeg::Index(i) => p.push_str(&i.to_string()),
        }
    }
    p
}

/// Whether two names could be equal ignoring ASCII case: a 128-bit filter over each name's
/// length and first and last bytes, so that the common object without repeats costs one pass.
fn may_repeat(props: &[jsonc_parser::ast::ObjectProp]) -> bool {
    let mut seen = 0u128;
    for p in props {
        let n = p.name.as_str().as_bytes();
        let first = n.first().map_or(0, u8::to_ascii_lowercase) as usize;
        let last = n.last().map_or(0, u8::to_ascii_lowercase) as usize;
        let bit = 1u128 << ((n.len().wrapping_mul(7) ^ first.wrapping_mul(31) ^ last) & 127);
        if seen & bit != 0 {
            return true;
        }
        seen |= bit;
    }
    false
}

/// Index pairs (first, second) of the properties of one object whose names repeat, compared
/// case-insensitively; each repeated name once, with its first two occurrences.
pub fn repeated_properties(props: &[jsonc_parser::ast::ObjectProp]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if props.len() < 2 || !may_repeat(props) {
        return out;
    }
    // Small objects dominate: a quadratic scan is cheaper than hashing below ~16 keys.
    if props.len() <= 16 {
        for (i, p) in props.iter().enumerate() {
            let name = p.name.as_str();
            let seen_before = props.get(..i).is_some_and(|before| {
                before
                    .iter()
                    .any(|r| r.name.as_str().eq_ignore_ascii_case(name))
            });
            if seen_before {
                continue;
            }
            if let Some(j) = props
                .iter()
                .skip(i + 1)
                .position(|q| q.name.as_str().eq_ignore_ascii_case(name))
            {
                out.push((i, i + 1 + j));
            }
        }
    } else {
        let mut seen: rustc_hash::FxHashMap<String, usize> = Default::default();
        let mut reported = rustc_hash::FxHashSet::default();
        for (i, p) in props.iter().enumerate() {
            let k = p.name.as_str().to_ascii_lowercase();
            match seen.get(&k) {
                Some(&first) => {
                    if reported.insert(k) {
                        out.push((first, i));
                    }
                }
                None => {
                    seen.insert(k, i);
                }
            }
        }
    }
    out
}

fn walk_duplicates<'s>(v: &'s Json, path: &mut Vec<PathSeg<'s>>, out: &mut Vec<DuplicateKey>) {
    match v {
        Json::Object(o) => {
            let props = &o.properties;
            for (i, j) in repeated_properties(props) {
                if let (Some(first), Some(second)) = (props.get(i), props.get(j)) {
                    out.push(DuplicateKey {
                        key: second.name.as_str().to_string(),
                        object_pointer: pointer_of(path),
                        first: first.name.range().into(),
                        second: second.name.range().into(),
                    });
                }
            }
            for p in props {
                path.push(PathSeg::Key(p.name.as_str()));
                walk_duplicates(&p.value, path, out);
                path.pop();
            }
        }
        Json::Array(a) => {
            for (i, e) in a.elements.iter().enumerate() {
                path.push(PathSeg::Index(i));
                walk_duplicates(e, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// A parsed document with its duplicate keys.
pub struct ParsedDocument<'a> {
    pub root: Json<'a>,
    pub duplicates: Vec<DuplicateKey>,
    /// `false` only when the document certainly has no comment.
    pub may_have_comments: bool,
}

/// Parse a document and find its duplicate keys. The fast parser finds them while it builds
/// each object; only for what it leaves to jsonc-parser is the tree walked again.
pub fn parse_with_duplicate_keys(text: &str) -> Result<ParsedDocument<'_>, JsonError> {
    if let Some(parsed) = super::fast_json::parse_finding_duplicates(text) {
        let root = parsed.root;
        let duplicates = parsed
            .duplicates
            .into_iter()
            .map(|d| DuplicateKey {
                key: d.key,
                object_pointer: pointer_to_object_at(&root, d.object_start),
                first: d.first.into(),
                second: d.second.into(),
            })
            .collect();
        return Ok(ParsedDocument {
            root,
            duplicates,
            may_have_comments: parsed.has_comments,
        });
    }
    let root = parse_with_jsonc(text)?;
    let duplicates = duplicate_keys(&root);
    Ok(ParsedDocument {
        root,
        duplicates,
        may_have_comments: true,
    })
}

/// The pointer of the object that starts at byte `start` (descending by ranges).
fn pointer_to_object_at(root: &Json, start: usize) -> String {
    let mut path = String::new();
    let mut cur = root;
    loop {
        match cur {
            Json::Object(o) if o.range.start == start => return path,
            Json::Object(o) => {
                let Some(p) = o
                    .properties
                    .iter()
                    .find(|p| p.range.start <= start && start < p.range.end)
                else {
                    return path;
                };
                path.push('/');
                push_pointer_token(&mut path, p.name.as_str());
                cur = &p.value;
            }
            Json::Array(a) => {
                let Some((i, e)) = a.elements.iter().enumerate().find(|(_, e)| {
                    let r = e.range();
                    r.start <= start && start < r.end
                }) else {
                    return path;
                };
                path.push('/');
                path.push_str(&i.to_string());
                cur = e;
            }
            _ => return path,
        }
    }
}

/// The JSON pointer of the innermost node that contains byte `offset` (where a comment sits,
/// where a bad expression starts).
pub fn pointer_at(root: &Json, offset: usize) -> String {
    let mut pointer = String::new();
    let mut cur = root;
    loop {
        let next = match cur {
            Json::Object(o) => o
                .properties
                .iter()
                .find(|p| {
                    let r = Ranged::range(&p.value);
                    r.start <= offset && offset < r.end
                })
                .map(|p| {
                    pointer.push('/');
                    push_pointer_token(&mut pointer, p.name.as_str());
                    &p.value
                }),
            Json::Array(a) => a
                .elements
                .iter()
                .enumerate()
                .find(|(_, e)| {
                    let r = Ranged::range(*e);
                    r.start <= offset && offset < r.end
                })
                .map(|(i, e)| {
                    pointer.push('/');
                    pointer.push_str(&i.to_string());
                    e
                }),
            _ => None,
        };
        match next {
            Some(n) => cur = n,
            None => return pointer,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_comments_trailing_commas_and_raw_newlines() {
        let v = parse("{ // c\n \"a\": \"x\ny\", /* b */ \"b\": [1,2,],}").unwrap();
        let o = as_object(&v).unwrap();
        assert_eq!(get_str(o, "A"), Some("x\ny"));
    }

    #[test]
    fn rejects_json5_syntax_with_position() {
        let e = parse("{\n  'a': 1\n}").unwrap_err();
        assert_eq!(e.span.start, 4);
        assert!(parse("").is_err());
    }

    #[test]
    fn duplicate_keys_found_while_parsing_match_the_walk() {
        for text in [
            r#"{"a": {"x": 1, "X": 2, "y": [ {"k": 1, "k": 2, "K": 3} ]}, "A": 0}"#,
            "{\"a\": 1, \"a\": 2} // trailing comment",
            r#"[{"p/q": {"m": 1, "m": 2}}]"#,
        ] {
            let root = parse(text).unwrap();
            let mut walked = duplicate_keys(&root);
            let parsed = parse_with_duplicate_keys(text).unwrap();
            // The second text has a comment; the others certainly have none.
            assert_eq!(parsed.may_have_comments, text.contains("//"), "{text}");
            let mut found = parsed.duplicates;
            walked.sort_by_key(|d| d.second.start);
            found.sort_by_key(|d| d.second.start);
            assert_eq!(found, walked, "{text}");
            assert!(!found.is_empty());
        }
        // What the fast parser leaves to jsonc-parser is walked.
        let d = parse_with_duplicate_keys("{\"a\": \"x\ny\", \"a\": 1}").unwrap();
        assert_eq!(d.duplicates.len(), 1);
        assert!(
            d.may_have_comments,
            "unknown after jsonc-parser: looked for"
        );
    }

    /// The filter in front of the scan never hides a repeat: objects of 1..40 names drawn from a
    /// small alphabet (so repeats and case variants are common) agree with a naive search.
    #[test]
    fn repeated_properties_agree_with_a_naive_search() {
        let alphabet = [
            "a", "A", "ab", "aB", "b", "ba", "name", "NAME", "type", "x1", "x2", "", "é", "É",
        ];
        let mut seed = 0x9e37_79b9_u64;
        for len in 1..40 {
            for _ in 0..50 {
                let names: Vec<&str> = (0..len)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        alphabet[(seed % alphabet.len() as u64) as usize]
                    })
                    .collect();
                let body: Vec<String> = names.iter().map(|n| format!("\"{n}\": 0")).collect();
                let text = format!("{{{}}}", body.join(","));
                let root = parse(&text).unwrap();
                let Json::Object(o) = &root else { panic!() };
                let mut naive = Vec::new();
                for (i, n) in names.iter().enumerate() {
                    let first = names.iter().position(|m| m.eq_ignore_ascii_case(n));
                    if first != Some(i) {
                        continue;
                    }
                    if let Some(j) = names
                        .iter()
                        .skip(i + 1)
                        .position(|m| m.eq_ignore_ascii_case(n))
                    {
                        naive.push((i, i + 1 + j));
                    }
                }
                let mut found = repeated_properties(&o.properties);
                found.sort();
                assert_eq!(found, naive, "{text}");
            }
        }
    }

    #[test]
    fn finds_duplicate_keys_case_insensitively() {
        let v = parse(r#"{"a": {"x": 1, "X": 2}, "b": [ {"k": 1, "k": 2} ]}"#).unwrap();
        let d = duplicate_keys(&v);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].object_pointer, "/a");
        assert_eq!(d[1].object_pointer, "/b/0");
    }

    #[test]
    fn pointers_resolve_and_nearest_stops_at_missing() {
        let v = parse(r#"{"resources": [{"properties": {"a/b": 1}}]}"#).unwrap();
        assert!(lookup_pointer(&v, "/resources/0/properties/a~1b").is_some());
        let (_, reached) = lookup_pointer_nearest(&v, "/resources/0/properties/dataDisks/3");
        assert_eq!(reached, "/resources/0/properties");
    }
}
