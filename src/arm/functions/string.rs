//! String functions: base64, base64ToJson, base64ToString, dataUri, dataUriToString, endsWith, format,
//! join, padLeft, replace, split, startsWith, string, substring, toLower, toUpper, trim, uri,
//! uriComponent, uriComponentToString. (Functions shared with arrays live in `array.rs`, hashes in
//! `hash.rs`, `json` in `object.rs`.)
//!
//! ARM runs on .NET: string lengths and indexes count UTF-16 code units, and "case-insensitive"
//! means the invariant culture. Null is accepted wherever ARM treats it as "text" (an empty string).

use super::{FnCall, FunctionDef, concat_strings, string_of, string_of_bounded};
use crate::arm::value::{UnknownReason, Value};
use crate::source::percent;

pub const FUNCTIONS: &[FunctionDef] = &[
    FunctionDef {
        name: "base64",
        min_args: 1,
        max_args: Some(1),
        handles_unknown: false,
        func: base64,
    },
    FunctionDef {
        name: "base64ToJson",
        min_args: 1,
        max_args: Some(1),
        handles_unknown: false,
        func: base64_to_json,
    },
    FunctionDef {
        name: "base64ToString",
        min_args: 1,
        max_args: Some(1),
        handles_unknown: false,
        func: base64_to_string,
    },
    FunctionDef {
        name: "dataUri",
        min_args: 1,
        max_args: Some(1),
        handles_unknown: false,
        func: data_uri,
    },
    FunctionDef {
        name: "dataUriToString",
        min_args: 1,
        max_args: Some(1),
        handles_unknown: false,
        func: data_uri_to_string,
    },
    FunctionDef {
        name: "endsWith",
        min_args: 2,
        max_args: Some(2),
        handles_unknown: false,
        func: ends_with,
    },
    FunctionDef {
        name: "format",
        min_args: 1,
        max_args: None,
        handles_unknown: true,
        func: format,
    },
    FunctionDef {
        name: "join",
        min_args: 2,
        max_args: Some(2),
        handles_unknown: false,
        func: join,
    },
    FunctionDef {
        name: "padLeft",
        min_args: 2,
        max_args: Some(3),
        handles_unknown: false,
        func: pad_left,
    },
    FunctionDef {
        name: "replace",
        min_args: 3,
        max_args: Some(3),
        handles_unknown: false,
        func: replace,
    },
    FunctionDef {
        name: "split",
        min_args: 2,
        max_args: Some(2),
        handles_unknown: false,
        func: split,
    },
    FunctionDef {
        name: "startsWith",
        min_args: 2,
        max_args: Some(2),
        handles_unknown: false,
        func: starts_with,
    },
    FunctionDef {
        name: "string",
        min_args: 1,
        max_args: Some(1),
        handles_unknown: false,
        func: string,
    },
    FunctionDef {
        name: "substring",
        min_args: 1,
        max_args: Some(3),
        handles_unknown: false,
        func: substring,
    },
    FunctionDef {
        name: "toLower",
        min_args: 1,
        max_args: Some(1),
        handles_unknown: false,
        func: to_lower,
    },
    FunctionDef {
        name: "toUpper",
        min_args: 1,
        max_args: Some(1),
        handles_unknown: false,
        func: to_upper,
    },
    FunctionDef {
        name: "trim",
        min_args: 1,
        max_args: Some(1),
        handles_unknown: false,
        func: trim,
    },
    FunctionDef {
        name: "uri",
        min_args: 2,
        max_args: Some(2),
        handles_unknown: false,
        func: uri,
    },
    FunctionDef {
        name: "uriComponent",
        min_args: 1,
        max_args: Some(1),
        handles_unknown: false,
        func: uri_component,
    },
    FunctionDef {
        name: "uriComponentToString",
        min_args: 1,
        max_args: Some(1),
        handles_unknown: false,
        func: uri_component_to_string,
    },
];

use crate::limits::{ARRAY_LEN, AZURE_LITERAL_CHARS, STRING_BYTES};

/// The unknown returned when a result would exceed [`STRING_BYTES`] (or a similar size guard).
pub(super) fn too_large(c: &FnCall) -> Value {
    Value::unknown(
        UnknownReason::Limit(format!("{}(): the result is too large", c.name)),
        None,
    )
}

// ---------------------------------------------------------------------------------------------
// Helpers shared with other categories.

/// A string argument; null counts as the empty string, as for ARM's "text-based" arguments.
fn text_arg<'a>(c: &'a FnCall, i: usize, what: &str) -> Result<&'a str, Value> {
    match c.arg(i) {
        Value::String(s) => Ok(s),
        Value::Null => Ok(""),
        other => Err(c.error(format!(
            "{what} must be a string, not {}",
            other.type_name()
        ))),
    }
}

pub(super) fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// `s[start..end]` in UTF-16 code units (clamped). A split surrogate pair becomes U+FFFD, as .NET
/// would produce an unpaired surrogate.
pub(super) fn utf16_slice(s: &str, start: usize, end: usize) -> String {
    let units: Vec<u16> = s.encode_utf16().collect();
    let end = end.min(units.len());
    let start = start.min(end);
    String::from_utf16_lossy(units.get(start..end).unwrap_or(&[]))
}

/// Simple (one character to one character) lower-casing, like .NET's invariant culture.
fn fold_char(ch: char) -> char {
    let mut l = ch.to_lowercase();
    match (l.next(), l.next()) {
        (Some(x), None) => x,
        _ => ch,
    }
}

fn upper_char(ch: char) -> char {
    let mut u = ch.to_uppercase();
    match (u.next(), u.next()) {
        (Some(x), None) => x,
        _ => ch,
    }
}

/// Case-insensitive search; the result is a UTF-16 index.
pub(super) fn find_ignore_case(haystack: &str, needle: &str, last: bool) -> Option<usize> {
    let mut folded = String::with_capacity(haystack.len());
    // (byte offset in `folded`, UTF-16 offset in `haystack`) at every character start.
    let mut offsets = Vec::with_capacity(haystack.len() + 1);
    let mut utf16 = 0usize;
    for ch in haystack.chars() {
        offsets.push((folded.len(), utf16));
        folded.push(fold_char(ch));
        utf16 += ch.len_utf16();
    }
    offsets.push((folded.len(), utf16));
    let needle: String = needle.chars().map(fold_char).collect();
    let at = if last {
        folded.rfind(&needle)
    } else {
        folded.find(&needle)
    }?;
    offsets
        .binary_search_by_key(&at, |(b, _)| *b)
        .ok()
        .and_then(|i| offsets.get(i))
        .map(|(_, u)| *u)
}

fn fold_chars(s: &str) -> Vec<char> {
    s.chars().map(fold_char).collect()
}

// ---------------------------------------------------------------------------------------------
// base64 and data URIs.

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.extend(
                    B64.get(((n >> (18 - 6 * i)) & 63) as usize)
                        .map(|&b| char::from(b)),
                );
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decode like .NET's `Convert.FromBase64String`: white space is ignored, the length must be a
/// multiple of four and `=` may only pad the end.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let chars: Vec<u8> = s
        .bytes()
        .filter(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .collect();
    if !chars.len().is_multiple_of(4) {
        return None;
    }
    let pad = chars.iter().rev().take_while(|b| **b == b'=').count();
    if pad > 2 {
        return None;
    }
    let mut out = Vec::with_capacity(chars.len() / 4 * 3);
    let body = chars.len() - pad;
    let mut acc: u32 = 0;
    let mut bits = 0;
    for (i, b) in chars.iter().enumerate() {
        if i >= body {
            break;
        }
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// The length of `n` bytes in base64, if it stays within [`STRING_BYTES`].
fn base64_len_within_limit(n: usize) -> bool {
    n.div_ceil(3).saturating_mul(4) <= STRING_BYTES
}

fn base64(c: &mut FnCall) -> Value {
    match text_arg(c, 0, "the value") {
        Ok(s) if !base64_len_within_limit(s.len()) => too_large(c),
        Ok(s) => Value::string(base64_encode(s.as_bytes())),
        Err(e) => e,
    }
}

fn base64_to_string(c: &mut FnCall) -> Value {
    let s = match text_arg(c, 0, "the value") {
        Ok(s) => s,
        Err(e) => return e,
    };
    match base64_decode(s) {
        // .NET's UTF-8 decoder replaces invalid sequences rather than failing.
        Some(bytes) => Value::string(String::from_utf8_lossy(&bytes).into_owned()),
        None => c.error(format!("'{s}' is not valid base64")),
    }
}

fn base64_to_json(c: &mut FnCall) -> Value {
    let s = match text_arg(c, 0, "the value") {
        Ok(s) => s,
        Err(e) => return e,
    };
    let Some(bytes) = base64_decode(s) else {
        return c.error(format!("'{s}' is not valid base64"));
    };
    match super::object::parse_json(&String::from_utf8_lossy(&bytes)) {
        Some(v) => super::object::charged(c, v),
        None => c.error("the decoded value is not valid JSON"),
    }
}

fn data_uri(c: &mut FnCall) -> Value {
    let (content_type, data) = match c.arg(0) {
        Value::String(s) => ("text/plain;charset=utf8", s.to_string()),
        Value::Null => ("text/plain;charset=utf8", String::new()),
        v @ (Value::Array(_) | Value::Object(_)) => {
            if !v.is_fully_known() {
                return c.unknown_from_args();
            }
            match v.try_to_json_string(STRING_BYTES) {
                Some(json) => ("application/json;charset=utf8", json),
                None => return too_large(c),
            }
        }
        v @ (Value::Int(_) | Value::Bool(_) | Value::Float(_)) => {
            ("application/json;charset=utf8", string_of(v))
        }
        other => {
            return c.error(format!(
                "cannot convert a {} to a data URI",
                other.type_name()
            ));
        }
    };
    let prefix = "data:;base64,".len() + content_type.len();
    if !base64_len_within_limit(data.len().saturating_add(prefix)) {
        return too_large(c);
    }
    Value::string(format!(
        "data:{content_type};base64,{}",
        base64_encode(data.as_bytes())
    ))
}

fn data_uri_to_string(c: &mut FnCall) -> Value {
    let s = match text_arg(c, 0, "the data URI") {
        Ok(s) => s,
        Err(e) => return e,
    };
    match decode_data_uri(s) {
        Ok(text) => Value::string(text),
        Err(msg) => c.error(msg),
    }
}

fn decode_data_uri(s: &str) -> Result<String, String> {
    let invalid = || format!("'{s}' is not a valid data URI");
    let rest = s
        .get(..5)
        .filter(|p| p.eq_ignore_ascii_case("data:"))
        .and_then(|_| s.get(5..))
        .ok_or_else(invalid)?;
    let (metadata, data) = rest.split_once(',').ok_or_else(invalid)?;
    let tokens: Vec<&str> = if metadata.is_empty() {
        Vec::new()
    } else {
        metadata.split(';').collect()
    };
    let base64 = tokens
        .last()
        .is_some_and(|t| t.eq_ignore_ascii_case("base64"));
    if tokens.iter().skip(1).any(|t| t.trim().is_empty()) {
        return Err(invalid());
    }
    if let Some(charset) = tokens.iter().skip(1).find_map(|t| {
        t.get(..8)
            .filter(|p| p.eq_ignore_ascii_case("charset="))
            .and_then(|_| t.get(8..))
    }) && !charset.eq_ignore_ascii_case("utf-8")
        && !charset.eq_ignore_ascii_case("utf8")
    {
        return Err(format!("unsupported charset '{charset}'"));
    }
    let bytes = if base64 {
        base64_decode(data).ok_or_else(invalid)?
    } else {
        percent::decode(data)
    };
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

// ---------------------------------------------------------------------------------------------
// Simple string functions.

fn starts_with(c: &mut FnCall) -> Value {
    let (s, p) = match (
        text_arg(c, 0, "the string"),
        text_arg(c, 1, "the value to find"),
    ) {
        (Ok(s), Ok(p)) => (s, p),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    Value::Bool(fold_chars(s).starts_with(&fold_chars(p)))
}

fn ends_with(c: &mut FnCall) -> Value {
    let (s, p) = match (
        text_arg(c, 0, "the string"),
        text_arg(c, 1, "the value to find"),
    ) {
        (Ok(s), Ok(p)) => (s, p),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    Value::Bool(fold_chars(s).ends_with(&fold_chars(p)))
}

fn to_lower(c: &mut FnCall) -> Value {
    match text_arg(c, 0, "the value") {
        Ok(s) => Value::string(s.chars().map(fold_char).collect::<String>()),
        Err(e) => e,
    }
}

fn to_upper(c: &mut FnCall) -> Value {
    match text_arg(c, 0, "the value") {
        Ok(s) => Value::string(s.chars().map(upper_char).collect::<String>()),
        Err(e) => e,
    }
}

fn trim(c: &mut FnCall) -> Value {
    match text_arg(c, 0, "the value") {
        Ok(s) => Value::string(s.trim()),
        Err(e) => e,
    }
}

/// `string()`: strings as they are, null as the empty string, everything else as compact JSON
/// (bools as `True`/`False`, as .NET writes them).
fn string(c: &mut FnCall) -> Value {
    match c.arg(0) {
        Value::Null => Value::string(""),
        Value::Lambda(_) => c.error("a lambda is not a value"),
        v @ (Value::Array(_) | Value::Object(_)) if !v.is_fully_known() => c.unknown_from_args(),
        v => match string_of_bounded(v, STRING_BYTES) {
            Some(s) => Value::string(s),
            None => too_large(c),
        },
    }
}

fn substring(c: &mut FnCall) -> Value {
    let s = match text_arg(c, 0, "the string") {
        Ok(s) => s,
        Err(e) => return e,
    };
    let len = utf16_len(s) as i64;
    let start = if c.args.len() > 1 {
        match super::numeric::int_arg(c, 1, "the start index") {
            Ok(v) => v,
            Err(e) => return e,
        }
    } else {
        0
    };
    if start < 0 {
        return c.error(format!("the start index {start} is negative"));
    }
    if start > len {
        return c.error(format!(
            "the start index {start} is beyond the end of the string (length {len})"
        ));
    }
    let count = if c.args.len() > 2 {
        match super::numeric::int_arg(c, 2, "the length") {
            Ok(v) => v,
            Err(e) => return e,
        }
    } else {
        len - start
    };
    if count < 0 {
        return c.error(format!("the length {count} is negative"));
    }
    if count > len - start {
        return c.error(format!(
            "the index and length must refer to a location within the string (index {start}, length {count}, string length {len})"
        ));
    }
    Value::string(utf16_slice(s, start as usize, (start + count) as usize))
}

fn pad_left(c: &mut FnCall) -> Value {
    let value = match c.arg(0) {
        Value::String(s) => s.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Null => String::new(),
        other => {
            return c.error(format!(
                "the value must be a string or an integer, not {}",
                other.type_name()
            ));
        }
    };
    let width = match super::numeric::int_arg(c, 1, "the total length") {
        Ok(v) => v,
        Err(e) => return e,
    };
    if width < 0 {
        return c.error(format!("the total length {width} is negative"));
    }
    if width as u64 > AZURE_LITERAL_CHARS as u64 {
        return c.error(format!(
            "the total length {width} exceeds the template literal limit of {AZURE_LITERAL_CHARS}"
        ));
    }
    let pad = match c.args.get(2) {
        None | Some(Value::Null) => ' ',
        Some(Value::String(p)) => {
            let mut chars = p.chars();
            match (chars.next(), chars.next()) {
                (Some(ch), None) if ch.len_utf16() == 1 => ch,
                _ => return c.error(format!("the padding must be a single character, not '{p}'")),
            }
        }
        Some(other) => {
            return c.error(format!(
                "the padding must be a string, not {}",
                other.type_name()
            ));
        }
    };
    let missing = (width as usize).saturating_sub(utf16_len(&value));
    let mut buf = [0u8; 4];
    let mut out = pad.encode_utf8(&mut buf).repeat(missing);
    out.push_str(&value);
    Value::string(out)
}

/// Case-sensitive (ordinal) replacement of every occurrence.
fn replace(c: &mut FnCall) -> Value {
    let (s, old, new) = match (
        text_arg(c, 0, "the string"),
        text_arg(c, 1, "the old string"),
        text_arg(c, 2, "the new string"),
    ) {
        (Ok(s), Ok(o), Ok(n)) => (s, o, n),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return e,
    };
    if old.is_empty() {
        return c.error("the string to replace cannot be empty");
    }
    let count = s.matches(old).count();
    let projected = s.len().saturating_add(count.saturating_mul(new.len()));
    if projected > STRING_BYTES {
        return too_large(c);
    }
    Value::string(s.replace(old, new))
}

fn split(c: &mut FnCall) -> Value {
    let s = match c.arg(0) {
        Value::String(s) => s.to_string(),
        Value::Null => return Value::array(Vec::new()),
        other => {
            return c.error(format!(
                "the input must be a string, not {}",
                other.type_name()
            ));
        }
    };
    let delimiters: Vec<String> = match c.arg(1) {
        Value::String(d) => vec![d.to_string()],
        Value::Null => return Value::array(vec![Value::string(s)]),
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items.iter() {
                match item {
                    Value::String(d) => out.push(d.to_string()),
                    Value::Null => {}
                    Value::Unknown(_) => return c.unknown_from_args(),
                    other => {
                        return c.error(format!(
                            "delimiters must be strings, not {}",
                            other.type_name()
                        ));
                    }
                }
            }
            out
        }
        other => {
            return c.error(format!(
                "the delimiter must be a string or an array of strings, not {}",
                other.type_name()
            ));
        }
    };
    // .NET's Split(string[], None): at each position the first matching delimiter (in the given
    // order) wins; empty delimiters are ignored.
    let delimiters: Vec<&str> = delimiters
        .iter()
        .map(String::as_str)
        .filter(|d| !d.is_empty())
        .collect();
    // One delimiter (the common case): the parts are counted before any is built.
    if let [d] = delimiters.as_slice()
        && s.matches(*d).count() >= ARRAY_LEN
    {
        return too_large(c);
    }
    let mut parts = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < s.len() {
        let rest = s.get(i..).unwrap_or("");
        if let Some(d) = delimiters.iter().find(|d| rest.starts_with(**d)) {
            // The last part is pushed after the loop.
            if parts.len() >= ARRAY_LEN - 1 {
                return too_large(c);
            }
            parts.push(Value::string(s.get(start..i).unwrap_or("")));
            i += d.len();
            start = i;
        } else {
            i += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
    parts.push(Value::string(s.get(start..).unwrap_or("")));
    Value::array(parts)
}

/// `join(array, delimiter)`: string elements only. Unknown elements keep the literal parts in the
/// result's symbol.
fn join(c: &mut FnCall) -> Value {
    let delimiter = match text_arg(c, 1, "the delimiter") {
        Ok(d) => d.to_string(),
        Err(e) => return e,
    };
    let Value::Array(items) = c.arg(0) else {
        return c.error(format!(
            "the first argument must be an array, not {}",
            c.arg(0).type_name()
        ));
    };
    let mut parts = Vec::with_capacity(items.len() * 2);
    let mut total = 0usize;
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            parts.push(Value::string(delimiter.as_str()));
            total = total.saturating_add(delimiter.len());
        }
        match item {
            Value::String(s) => {
                total = total.saturating_add(s.len());
                parts.push(item.clone());
            }
            Value::Null => {}
            Value::Unknown(_) => parts.push(item.clone()),
            other => {
                return c.error(format!(
                    "element {i} is a {}, not a string",
                    other.type_name()
                ));
            }
        }
    }
    if total > STRING_BYTES {
        return too_large(c);
    }
    concat_strings(&parts)
}

// ---------------------------------------------------------------------------------------------
// URIs.

fn uri_component(c: &mut FnCall) -> Value {
    match text_arg(c, 0, "the value") {
        Ok(s) => {
            if s.len().saturating_mul(3) > STRING_BYTES {
                return too_large(c);
            }
            Value::string(percent::encode(s.as_bytes(), percent::COMPONENT))
        }
        Err(e) => e,
    }
}

/// Decodes as `HttpUtility.UrlDecode` does (so `+` is a space).
fn uri_component_to_string(c: &mut FnCall) -> Value {
    match text_arg(c, 0, "the value") {
        Ok(s) => Value::string(String::from_utf8_lossy(&percent::decode_form(s)).into_owned()),
        Err(e) => e,
    }
}

struct ParsedUri<'a> {
    scheme: &'a str,
    authority: &'a str,
    path: &'a str,
    query: Option<&'a str>,
    fragment: Option<&'a str>,
}

fn parse_absolute_uri(s: &str) -> Option<ParsedUri<'_>> {
    let colon = s.find(':')?;
    let scheme = s.get(..colon)?;
    let mut sc = scheme.chars();
    if !sc.next()?.is_ascii_alphabetic()
        || !sc.all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '+' | '-' | '.'))
    {
        return None;
    }
    let rest = s.get(colon + 1..)?.strip_prefix("//")?;
    let (rest, fragment) = match rest.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (rest, None),
    };
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let slash = rest.find('/').unwrap_or(rest.len());
    let authority = rest.get(..slash)?;
    if authority.is_empty() || authority.contains(char::is_whitespace) {
        return None;
    }
    Some(ParsedUri {
        scheme,
        authority,
        path: rest.get(slash..)?,
        query,
        fragment,
    })
}

/// RFC 3986 §5.2.4.
fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.len().saturating_sub(1);
    for (i, seg) in segments.iter().enumerate() {
        match *seg {
            "." => {
                if i == last {
                    out.push("");
                }
            }
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if i == last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    if joined.starts_with('/') {
        joined
    } else {
        format!("/{joined}")
    }
}

/// `uri(base, relative)`: RFC 3986 reference resolution against an absolute base, written the way
/// .NET's `Uri.AbsoluteUri` normalises it (lower-case scheme and host, escaped spaces).
fn uri(c: &mut FnCall) -> Value {
    let (base, relative) = match (
        text_arg(c, 0, "the base URI"),
        text_arg(c, 1, "the relative URI"),
    ) {
        (Ok(b), Ok(r)) => (b, r),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let Some(b) = parse_absolute_uri(base) else {
        return c.error(format!("'{base}' is not an absolute URI"));
    };
    let resolved = if let Some(r) = parse_absolute_uri(relative) {
        format_uri(
            r.scheme,
            r.authority,
            &remove_dot_segments(r.path),
            r.query,
            r.fragment,
        )
    } else if let Some(rest) = relative.strip_prefix("//") {
        format!("{}://{rest}", b.scheme)
    } else {
        let (rel, fragment) = match relative.split_once('#') {
            Some((r, f)) => (r, Some(f)),
            None => (relative, None),
        };
        let (rel_path, rel_query) = match rel.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (rel, None),
        };
        let (path, query) = if rel_path.is_empty() {
            (b.path.to_string(), rel_query.or(b.query))
        } else if rel_path.starts_with('/') {
            (remove_dot_segments(rel_path), rel_query)
        } else {
            let dir = b
                .path
                .rfind('/')
                .map_or("/", |i| b.path.get(..=i).unwrap_or("/"));
            (remove_dot_segments(&format!("{dir}{rel_path}")), rel_query)
        };
        let fragment = if relative.is_empty() {
            b.fragment
        } else {
            fragment
        };
        format_uri(b.scheme, b.authority, &path, query, fragment)
    };
    if resolved.len() > STRING_BYTES {
        return too_large(c);
    }
    Value::string(resolved)
}

fn format_uri(
    scheme: &str,
    authority: &str,
    path: &str,
    query: Option<&str>,
    fragment: Option<&str>,
) -> String {
    let escape = |s: &str| percent::encode(s.as_bytes(), percent::DOTNET_URI);
    // The host is case-insensitive and .NET lower-cases it; user info keeps its case.
    let authority = match authority.rsplit_once('@') {
        Some((user, host)) => format!("{user}@{}", host.to_ascii_lowercase()),
        None => authority.to_ascii_lowercase(),
    };
    let mut out = format!(
        "{}://{}{}",
        scheme.to_ascii_lowercase(),
        authority,
        escape(if path.is_empty() { "/" } else { path })
    );
    if let Some(q) = query {
        out.push('?');
        out.push_str(&escape(q));
    }
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(&escape(f));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// format(): .NET composite formatting.

enum Piece {
    Literal(String),
    Arg {
        index: usize,
        align: i64,
        spec: Option<String>,
    },
}

use crate::limits::DOTNET_FORMAT_INDEX;

fn parse_composite(fmt: &str) -> Result<Vec<Piece>, String> {
    let chars: Vec<char> = fmt.chars().collect();
    let bad = || format!("'{fmt}' is not a valid format string");
    let mut pieces = Vec::new();
    let mut lit = String::new();
    let mut i = 0;
    while let Some(&ch) = chars.get(i) {
        match ch {
            '{' if chars.get(i + 1) == Some(&'{') => {
                lit.push('{');
                i += 2;
            }
            '}' if chars.get(i + 1) == Some(&'}') => {
                lit.push('}');
                i += 2;
            }
            '}' => return Err(bad()),
            '{' => {
                i += 1;
                let mut index: i64 = 0;
                let digits_start = i;
                while let Some(d) = chars.get(i).and_then(|ch| ch.to_digit(10)) {
                    index = index * 10 + i64::from(d);
                    if index >= DOTNET_FORMAT_INDEX {
                        return Err(bad());
                    }
                    i += 1;
                }
                if i == digits_start {
                    return Err(bad());
                }
                while chars.get(i) == Some(&' ') {
                    i += 1;
                }
                let mut align: i64 = 0;
                if chars.get(i) == Some(&',') {
                    i += 1;
                    while chars.get(i) == Some(&' ') {
                        i += 1;
                    }
                    let negative = chars.get(i) == Some(&'-');
                    if negative {
                        i += 1;
                    }
                    let start = i;
                    while let Some(d) = chars.get(i).and_then(|ch| ch.to_digit(10)) {
                        align = align * 10 + i64::from(d);
                        if align >= DOTNET_FORMAT_INDEX {
                            return Err(bad());
                        }
                        i += 1;
                    }
                    if i == start {
                        return Err(bad());
                    }
                    if negative {
                        align = -align;
                    }
                    while chars.get(i) == Some(&' ') {
                        i += 1;
                    }
                }
                let mut spec = None;
                if chars.get(i) == Some(&':') {
                    i += 1;
                    let mut s = String::new();
                    loop {
                        match chars.get(i) {
                            None | Some('{') => return Err(bad()),
                            Some('}') => break,
                            Some(ch) => s.push(*ch),
                        }
                        i += 1;
                    }
                    spec = Some(s);
                }
                if chars.get(i) != Some(&'}') {
                    return Err(bad());
                }
                i += 1;
                if !lit.is_empty() {
                    pieces.push(Piece::Literal(std::mem::take(&mut lit)));
                }
                pieces.push(Piece::Arg {
                    index: index as usize,
                    align,
                    spec,
                });
            }
            ch => {
                lit.push(ch);
                i += 1;
            }
        }
    }
    if !lit.is_empty() {
        pieces.push(Piece::Literal(lit));
    }
    Ok(pieces)
}

/// Why a value could not be formatted.
enum FmtError {
    /// .NET would throw: the deployment fails.
    Invalid(String),
    /// A format armlint does not reproduce.
    Unsupported(String),
    /// The text would pass [`STRING_BYTES`].
    TooLarge,
}

fn format(c: &mut FnCall) -> Value {
    let fmt = match c.arg(0) {
        Value::String(s) => s.to_string(),
        Value::Unknown(u) => return c.unknown(u.reason.clone()),
        other => {
            return c.error(format!(
                "the format must be a string, not {}",
                other.type_name()
            ));
        }
    };
    let pieces = match parse_composite(&fmt) {
        Ok(p) => p,
        Err(e) => return c.error(e),
    };
    let args = c.args.get(1..).unwrap_or(&[]);
    if let Some(l) = args.iter().find(|a| matches!(a, Value::Lambda(_))) {
        return c.error(format!("cannot format a {}", l.type_name()));
    }
    let mut parts: Vec<Value> = Vec::with_capacity(pieces.len());
    let mut total = 0usize;
    for piece in pieces {
        match piece {
            Piece::Literal(s) => {
                total = total.saturating_add(s.len());
                parts.push(Value::string(s));
            }
            Piece::Arg { index, align, spec } => {
                let Some(arg) = args.get(index) else {
                    return c.error(format!(
                        "'{fmt}' refers to argument {index}, but only {} were given",
                        args.len()
                    ));
                };
                if let Value::Unknown(u) = arg {
                    // A plain placeholder keeps the unknown's symbol in place; a formatted one
                    // transforms it, so only the whole call can stand for it.
                    if align == 0 && spec.as_deref().is_none_or(str::is_empty) {
                        parts.push(arg.clone());
                        continue;
                    }
                    return c.unknown(u.reason.clone());
                }
                if !arg.is_fully_known() {
                    return c.unknown_from_args();
                }
                let mut text = match format_value(arg, spec.as_deref()) {
                    Ok(t) => t,
                    Err(FmtError::Invalid(msg)) => return c.error(msg),
                    Err(FmtError::Unsupported(msg)) => {
                        return Value::unknown(UnknownReason::Unsupported(msg), None);
                    }
                    Err(FmtError::TooLarge) => return too_large(c),
                };
                let width = align.unsigned_abs() as usize;
                let len = utf16_len(&text);
                if width > len {
                    let pad = " ".repeat(width - len);
                    text = if align > 0 { pad + &text } else { text + &pad };
                }
                total = total.saturating_add(text.len());
                if total > STRING_BYTES {
                    return too_large(c);
                }
                parts.push(Value::string(text));
            }
        }
    }
    concat_strings(&parts)
}

fn format_value(v: &Value, spec: Option<&str>) -> Result<String, FmtError> {
    let spec = spec.unwrap_or("");
    match v {
        Value::Null => Ok(String::new()),
        // Strings and bools are not IFormattable in .NET: the format specifier is ignored.
        Value::String(s) => Ok(s.to_string()),
        Value::Bool(b) => Ok(if *b { "True" } else { "False" }.to_string()),
        Value::Int(i) => format_number(&Decimal::from_i64(*i), true, spec),
        Value::Float(f) => {
            if !f.is_finite() {
                return Err(FmtError::Unsupported(
                    "format() of a non-finite number".into(),
                ));
            }
            if spec.is_empty() || spec.eq_ignore_ascii_case("g") || spec.eq_ignore_ascii_case("r") {
                return Ok(format_double_shortest(*f));
            }
            format_number(&Decimal::from_f64(*f), false, spec)
        }
        // Arrays and objects are written as compact JSON with single quotes (ARM replaces them).
        Value::Array(_) | Value::Object(_) => v
            .try_to_json_string(STRING_BYTES)
            .map(|json| json.replace('"', "'"))
            .ok_or(FmtError::TooLarge),
        other => Err(FmtError::Invalid(format!(
            "cannot format a {}",
            other.type_name()
        ))),
    }
}

/// A decimal number as digits: `int` has no leading zeros (empty for zero), `frac` may have
/// trailing zeros.
#[derive(Clone, Debug)]
struct Decimal {
    negative: bool,
    int: Vec<u8>,
    frac: Vec<u8>,
}

impl Decimal {
    fn from_i64(i: i64) -> Decimal {
        let digits = i.unsigned_abs().to_string();
        let int = if i == 0 {
            Vec::new()
        } else {
            digits.bytes().map(|b| b - b'0').collect()
        };
        Decimal {
            negative: i < 0,
            int,
            frac: Vec::new(),
        }
    }

    fn from_f64(f: f64) -> Decimal {
        // 40 fractional digits reproduce the exact binary value far enough for rounding to decide
        // as .NET does (it rounds the exact value half away from zero).
        let text = format!("{:.40}", f.abs());
        let (i, fr) = text.split_once('.').unwrap_or((&text, ""));
        let int: Vec<u8> = i
            .bytes()
            .map(|b| b - b'0')
            .skip_while(|d| *d == 0)
            .collect();
        Decimal {
            negative: f < 0.0,
            int,
            frac: fr.bytes().map(|b| b - b'0').collect(),
        }
    }

    fn is_zero(&self) -> bool {
        self.int.iter().chain(self.frac.iter()).all(|d| *d == 0)
    }

    /// Multiply by 10^n (n ≥ 0), moving fraction digits into the integer part.
    fn shift_left(&self, n: usize) -> Decimal {
        let mut int = self.int.clone();
        let mut frac = self.frac.clone();
        for _ in 0..n {
            int.push(if frac.is_empty() { 0 } else { frac.remove(0) });
        }
        let lead = int.iter().take_while(|d| **d == 0).count();
        int.drain(..lead);
        Decimal {
            negative: self.negative,
            int,
            frac,
        }
    }

    /// Divide by 10^n.
    fn shift_right(&self, n: usize) -> Decimal {
        let mut int = self.int.clone();
        let mut frac = self.frac.clone();
        for _ in 0..n {
            frac.insert(0, int.pop().unwrap_or(0));
        }
        Decimal {
            negative: self.negative,
            int,
            frac,
        }
    }

    /// Round to `decimals` fraction digits, half away from zero.
    fn round(&self, decimals: usize) -> Decimal {
        let mut int = self.int.clone();
        let mut frac = self.frac.clone();
        let round_up = frac.get(decimals).is_some_and(|d| *d >= 5);
        frac.resize(decimals, 0);
        if round_up {
            let mut carry = true;
            for d in frac.iter_mut().rev().chain(int.iter_mut().rev()) {
                if *d == 9 {
                    *d = 0;
                } else {
                    *d += 1;
                    carry = false;
                    break;
                }
            }
            if carry {
                int.insert(0, 1);
            }
        }
        Decimal {
            negative: self.negative,
            int,
            frac,
        }
    }
}

fn digits_to_string(d: &[u8]) -> String {
    d.iter().map(|x| char::from(b'0' + x)).collect()
}

fn group_thousands(int: &str) -> String {
    let n = int.len();
    let mut out = String::with_capacity(n + n / 3);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (n - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// The precision digits of a standard format specifier (`N2` → 2), bounded to stay small.
fn precision(spec: &str) -> Result<Option<usize>, FmtError> {
    let digits = spec.get(1..).unwrap_or("");
    if digits.is_empty() {
        return Ok(None);
    }
    match digits.parse::<usize>() {
        Ok(p) if p <= 100 => Ok(Some(p)),
        Ok(_) => Err(FmtError::Unsupported(format!("format precision '{spec}'"))),
        Err(_) => Err(FmtError::Invalid(format!(
            "'{spec}' is not a valid format specifier"
        ))),
    }
}

fn format_number(d: &Decimal, integer: bool, spec: &str) -> Result<String, FmtError> {
    let mut chars = spec.chars();
    let standard = match chars.next() {
        Some(ch) if ch.is_ascii_alphabetic() && chars.all(|x| x.is_ascii_digit()) => Some(ch),
        None => None,
        _ => return format_custom(d, spec),
    };
    let Some(kind) = standard else {
        let r = d.round(if integer { 0 } else { 15 });
        let mut s = digits_to_string(&r.int);
        if s.is_empty() {
            s.push('0');
        }
        return Ok(if d.negative && !r.is_zero() {
            format!("-{s}")
        } else {
            s
        });
    };
    let p = precision(spec)?;
    let sign = |s: String, zero: bool| {
        if d.negative && !zero {
            format!("-{s}")
        } else {
            s
        }
    };
    match kind.to_ascii_uppercase() {
        'D' if integer => {
            let mut s = digits_to_string(&d.int);
            if s.is_empty() {
                s.push('0');
            }
            let width = p.unwrap_or(0);
            if s.len() < width {
                s = "0".repeat(width - s.len()) + &s;
            }
            Ok(sign(s, d.is_zero()))
        }
        'F' | 'N' => {
            let decimals = p.unwrap_or(2);
            let r = d.round(decimals);
            let mut int = digits_to_string(&r.int);
            if int.is_empty() {
                int.push('0');
            }
            if kind.eq_ignore_ascii_case(&'N') {
                int = group_thousands(&int);
            }
            let s = if decimals > 0 {
                format!("{int}.{}", digits_to_string(&r.frac))
            } else {
                int
            };
            Ok(sign(s, r.is_zero()))
        }
        'P' => {
            let decimals = p.unwrap_or(2);
            let r = d.shift_left(2).round(decimals);
            let mut int = digits_to_string(&r.int);
            if int.is_empty() {
                int.push('0');
            }
            let int = group_thousands(&int);
            let s = if decimals > 0 {
                format!("{int}.{} %", digits_to_string(&r.frac))
            } else {
                format!("{int} %")
            };
            Ok(sign(s, r.is_zero()))
        }
        'X' if integer => Ok(hex_text(d, kind == 'X', p.unwrap_or(0))),
        'E' => Ok(exponent_text(d, kind == 'E', p.unwrap_or(6))),
        'G' if integer => {
            let digits = digits_to_string(&d.int);
            match p {
                Some(p) if p > 0 && p < digits.len() => {
                    Err(FmtError::Unsupported(format!("format specifier '{spec}'")))
                }
                _ => Ok(sign(
                    if digits.is_empty() {
                        "0".into()
                    } else {
                        digits
                    },
                    d.is_zero(),
                )),
            }
        }
        'C' | 'G' | 'R' => Err(FmtError::Unsupported(format!("format specifier '{spec}'"))),
        _ => Err(FmtError::Invalid(format!(
            "'{spec}' is not a valid format specifier"
        ))),
    }
}

/// `X`/`x`: the two's complement of the 64-bit value in hexadecimal, zero-padded to `width`.
fn hex_text(d: &Decimal, upper: bool, width: usize) -> String {
    // Two's complement of the 64-bit value, as .NET formats a negative long.
    let mut value: i128 = d.int.iter().fold(0i128, |acc, x| acc * 10 + i128::from(*x));
    if d.negative {
        value = -value;
    }
    let bits = value as i64 as u64;
    let mut s = if upper {
        format!("{bits:X}")
    } else {
        format!("{bits:x}")
    };
    if s.len() < width {
        s = "0".repeat(width - s.len()) + &s;
    }
    s
}

/// `E`/`e`: one digit, `decimals` more after the point, and a signed three-digit exponent.
fn exponent_text(d: &Decimal, upper: bool, decimals: usize) -> String {
    let all: Vec<u8> = d.int.iter().chain(d.frac.iter()).copied().collect();
    let first = all.iter().position(|x| *x != 0);
    let (mantissa, exp) = match first {
        None => (vec![0u8; decimals + 1], 0i64),
        Some(pos) => {
            let exp = d.int.len() as i64 - 1 - pos as i64;
            let m = Decimal {
                negative: false,
                int: all.get(pos).copied().into_iter().collect(),
                frac: all.get(pos + 1..).unwrap_or(&[]).to_vec(),
            };
            let r = m.round(decimals);
            // Rounding 9.99 up gives 10.0: renormalise.
            if r.int.len() > 1 {
                let mut digits = r.int.clone();
                digits.extend(r.frac.iter());
                digits.truncate(decimals + 1);
                (digits, exp + 1)
            } else {
                let mut digits = r.int.clone();
                digits.extend(r.frac.iter());
                (digits, exp)
            }
        }
    };
    let head = digits_to_string(mantissa.get(..1).unwrap_or(&[0]));
    let tail = digits_to_string(mantissa.get(1..).unwrap_or(&[]));
    let body = if decimals > 0 {
        format!("{head}.{tail}")
    } else {
        head
    };
    let e = if upper { 'E' } else { 'e' };
    let s = format!(
        "{body}{e}{}{:03}",
        if exp < 0 { '-' } else { '+' },
        exp.unsigned_abs()
    );
    if d.negative && first.is_some() {
        format!("-{s}")
    } else {
        s
    }
}

/// A custom numeric format (`000`, `#,##0.00`, `0.#`, sections separated by `;`).
fn format_custom(d: &Decimal, spec: &str) -> Result<String, FmtError> {
    let sections = custom_sections(spec)?;
    let section_index = if d.negative && !d.is_zero() && sections.len() > 1 {
        1
    } else if d.is_zero() && sections.len() > 2 {
        2
    } else {
        0
    };
    let own_sign = section_index == 1;
    let toks = sections
        .get(section_index)
        .filter(|s| !s.is_empty())
        .or(sections.first())
        .map(Vec::as_slice)
        .unwrap_or(&[]);

    // Analyse the placeholders.
    let point = toks.iter().position(|t| matches!(t, Tok::Point));
    let (int_toks, frac_toks) = match point {
        Some(p) => (
            toks.get(..p).unwrap_or(&[]),
            toks.get(p + 1..).unwrap_or(&[]),
        ),
        None => (toks, &[][..]),
    };
    let Placeholders {
        int_places,
        min_int,
        grouping,
        scale,
        max_frac,
        min_frac,
        percent,
    } = Placeholders::of(toks, int_toks, frac_toks);

    let mut value = d.clone();
    if percent > 0 {
        value = value.shift_left(2 * percent.min(4));
    }
    if scale > 0 {
        value = value.shift_right(3 * scale.min(6));
    }
    let r = value.round(max_frac);
    let mut int_digits = digits_to_string(&r.int);
    if int_digits.len() < min_int {
        int_digits = "0".repeat(min_int - int_digits.len()) + &int_digits;
    }
    let mut frac_digits = digits_to_string(&r.frac);
    while frac_digits.len() > min_frac && frac_digits.ends_with('0') {
        frac_digits.pop();
    }

    let mut out = String::new();
    if d.negative && !r.is_zero() && !own_sign {
        out.push('-');
    }
    // Integer part: digits are right-aligned on the placeholders; extra digits go to the first.
    let n = int_digits.len();
    let digit_chars: Vec<char> = int_digits.chars().collect();
    let mut emitted = 0usize;
    let mut place = 0usize;
    let emit_digit = |out: &mut String, upto: usize, emitted: &mut usize| {
        while *emitted < upto {
            if grouping && *emitted > 0 && (n - *emitted).is_multiple_of(3) {
                out.push(',');
            }
            if let Some(ch) = digit_chars.get(*emitted) {
                out.push(*ch);
            }
            *emitted += 1;
        }
    };
    for t in int_toks {
        match t {
            Tok::Zero | Tok::Hash => {
                place += 1;
                // After this placeholder, the digits left must fit the placeholders left.
                let upto = n.saturating_sub(int_places - place);
                emit_digit(&mut out, upto, &mut emitted);
            }
            Tok::Lit(s) => out.push_str(s),
            Tok::Percent => out.push('%'),
            Tok::Comma | Tok::Point => {}
        }
    }
    emit_digit(&mut out, n, &mut emitted);
    if !frac_digits.is_empty() {
        out.push('.');
    }
    let mut frac_iter = frac_digits.chars();
    for t in frac_toks {
        match t {
            Tok::Zero | Tok::Hash => {
                if let Some(ch) = frac_iter.next() {
                    out.push(ch);
                }
            }
            Tok::Lit(s) => out.push_str(s),
            Tok::Percent => out.push('%'),
            Tok::Comma | Tok::Point => {}
        }
    }
    Ok(out)
}

/// A token of a custom numeric format.
enum Tok {
    Zero,
    Hash,
    Point,
    Comma,
    Percent,
    Lit(String),
}

/// A custom format's sections (split at `;`) and tokens, honouring quotes and backslash escapes.
fn custom_sections(spec: &str) -> Result<Vec<Vec<Tok>>, FmtError> {
    let mut sections: Vec<Vec<Tok>> = vec![Vec::new()];
    let mut chars = spec.chars().peekable();
    while let Some(ch) = chars.next() {
        let tok = match ch {
            '0' => Tok::Zero,
            '#' => Tok::Hash,
            '.' => Tok::Point,
            ',' => Tok::Comma,
            '%' => Tok::Percent,
            ';' => {
                sections.push(Vec::new());
                continue;
            }
            '\\' => Tok::Lit(chars.next().map(String::from).unwrap_or_default()),
            '\'' | '"' => {
                let mut s = String::new();
                for x in chars.by_ref() {
                    if x == ch {
                        break;
                    }
                    s.push(x);
                }
                Tok::Lit(s)
            }
            'E' | 'e' if chars.peek().is_some_and(|n| matches!(n, '0' | '+' | '-')) => {
                return Err(FmtError::Unsupported(format!("format specifier '{spec}'")));
            }
            '‰' => return Err(FmtError::Unsupported(format!("format specifier '{spec}'"))),
            other => Tok::Lit(other.to_string()),
        };
        if let Some(s) = sections.last_mut() {
            s.push(tok);
        }
    }
    Ok(sections)
}

/// What a custom format's digit placeholders ask for.
struct Placeholders {
    /// Digit placeholders before the point.
    int_places: usize,
    /// Integer digits always shown (from the first `0` on).
    min_int: usize,
    /// Whether a comma between digit placeholders groups thousands.
    grouping: bool,
    /// Commas right after the last integer placeholder: each divides by 1000.
    scale: usize,
    /// Digit placeholders after the point.
    max_frac: usize,
    /// Fraction digits always shown (up to the last `0`).
    min_frac: usize,
    /// `%` signs: each multiplies by 100.
    percent: usize,
}

impl Placeholders {
    fn of(toks: &[Tok], int_toks: &[Tok], frac_toks: &[Tok]) -> Placeholders {
        let is_digit = |t: &Tok| matches!(t, Tok::Zero | Tok::Hash);
        let int_places = int_toks.iter().filter(|t| is_digit(t)).count();
        let min_int =
            int_toks
                .iter()
                .position(|t| matches!(t, Tok::Zero))
                .map_or(0, |first_zero| {
                    int_toks
                        .get(first_zero..)
                        .unwrap_or(&[])
                        .iter()
                        .filter(|t| is_digit(t))
                        .count()
                });
        let first_digit = int_toks.iter().position(is_digit);
        let last_digit = int_toks.iter().rposition(is_digit);
        // Commas between digit placeholders group; commas right after the last one scale by 1000.
        let grouping = match (first_digit, last_digit) {
            (Some(f), Some(l)) => int_toks
                .get(f..l)
                .unwrap_or(&[])
                .iter()
                .any(|t| matches!(t, Tok::Comma)),
            _ => false,
        };
        let scale = last_digit.map_or(0, |l| {
            int_toks
                .get(l + 1..)
                .unwrap_or(&[])
                .iter()
                .take_while(|t| matches!(t, Tok::Comma))
                .count()
        });
        let max_frac = frac_toks.iter().filter(|t| is_digit(t)).count();
        let min_frac = frac_toks
            .iter()
            .rposition(|t| matches!(t, Tok::Zero))
            .map_or(0, |last_zero| {
                frac_toks
                    .get(..=last_zero)
                    .unwrap_or(&[])
                    .iter()
                    .filter(|t| is_digit(t))
                    .count()
            });
        let percent = toks.iter().filter(|t| matches!(t, Tok::Percent)).count();
        Placeholders {
            int_places,
            min_int,
            grouping,
            scale,
            max_frac,
            min_frac,
            percent,
        }
    }
}

/// .NET's default `double.ToString()`: the shortest round-tripping digits, in exponent notation
/// below 1e-4 and from 1e15 up (`1E+15`, `1E-05`).
fn format_double_shortest(f: f64) -> String {
    if f == 0.0 {
        return "0".into();
    }
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if f < 0.0 { "-" } else { "" };
    if !(-4..15).contains(&exp) {
        let (head, tail) = digits.split_at(1.min(digits.len()));
        let body = if tail.is_empty() {
            head.to_string()
        } else {
            format!("{head}.{tail}")
        };
        return format!(
            "{sign}{body}E{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.unsigned_abs()
        );
    }
    let body = if exp < 0 {
        format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
    } else {
        let e = exp as usize;
        if digits.len() > e + 1 {
            format!("{}.{}", &digits[..=e], &digits[e + 1..])
        } else {
            format!("{digits}{}", "0".repeat(e + 1 - digits.len()))
        }
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_and_rejects_garbage() {
        assert_eq!(base64_encode(b"one, two, three"), "b25lLCB0d28sIHRocmVl");
        assert_eq!(base64_encode(b"Hello"), "SGVsbG8=");
        assert_eq!(base64_encode(b""), "");
        assert_eq!(
            base64_decode("SGVsbG8sIFdvcmxkIQ==").as_deref(),
            Some(&b"Hello, World!"[..])
        );
        assert_eq!(base64_decode("SGVs bG8=").as_deref(), Some(&b"Hello"[..]));
        assert!(base64_decode("SGVsbG8").is_none());
        assert!(base64_decode("S=Vs").is_none());
        assert!(base64_decode("====").is_none());
    }

    #[test]
    fn case_insensitive_search_reports_utf16_indexes() {
        assert_eq!(find_ignore_case("abcdef", "CD", false), Some(2));
        assert_eq!(find_ignore_case("test", "t", true), Some(3));
        assert_eq!(find_ignore_case("😀ab", "B", false), Some(3));
        assert_eq!(find_ignore_case("abc", "z", false), None);
    }

    #[test]
    fn numbers_format_like_dotnet() {
        let f = |i: i64, s: &str| format_number(&Decimal::from_i64(i), true, s).ok();
        assert_eq!(f(8175133, "N0").as_deref(), Some("8,175,133"));
        assert_eq!(f(5, "D3").as_deref(), Some("005"));
        assert_eq!(f(-5, "D3").as_deref(), Some("-005"));
        assert_eq!(f(7, "000").as_deref(), Some("007"));
        assert_eq!(f(1234567, "#,##0").as_deref(), Some("1,234,567"));
        assert_eq!(f(255, "X4").as_deref(), Some("00FF"));
        assert_eq!(f(1234, "F2").as_deref(), Some("1234.00"));
        assert_eq!(f(0, "#").as_deref(), Some(""));
        assert_eq!(f(12345, "E2").as_deref(), Some("1.23E+004"));
        let g = |x: f64, s: &str| format_number(&Decimal::from_f64(x), false, s).ok();
        assert_eq!(g(2.5, "F0").as_deref(), Some("3"));
        assert_eq!(g(1.005, "0.##").as_deref(), Some("1"));
        assert_eq!(g(0.5, "P0").as_deref(), Some("50 %"));
        assert_eq!(format_double_shortest(1.5), "1.5");
        assert_eq!(format_double_shortest(1e15), "1E+15");
        assert_eq!(format_double_shortest(0.00001), "1E-05");
        assert_eq!(format_double_shortest(123.0), "123");
    }
}
