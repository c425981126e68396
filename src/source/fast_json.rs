//! A byte-level parser for the common case of template files: JSON with `//` and `/* */`
//! comments and trailing commas. It builds the same `jsonc_parser` AST, with the same byte ranges,
//! about twice as fast (jsonc-parser's scanner walks characters; templates are mostly indentation
//! and strings). Anything else (a syntax error, raw control characters, unusual escapes, very deep
//! nesting) returns `None`, and the caller parses the file with jsonc-parser, which also words the
//! error. `tests/corpus.rs` and a property test check that both parsers agree.

use std::borrow::Cow;

use jsonc_parser::ast::{
    Array, BooleanLit, NullKeyword, NumberLit, Object, ObjectProp, ObjectPropName, StringLit,
    Value as Json,
};
use jsonc_parser::common::Range;

use crate::limits::JSON_FAST_DEPTH;

/// Parse `text`, or `None` when it is not plain JSON with comments and trailing commas.
pub fn parse(text: &str) -> Option<Json<'_>> {
    run(text, false).map(|p| p.root)
}

/// A key that occurs twice in one object, found while parsing.
pub struct RawDuplicate {
    /// Byte offset of the object holding both.
    pub object_start: usize,
    /// The second occurrence's spelling.
    pub key: String,
    pub first: Range,
    pub second: Range,
}

/// What [`parse_finding_duplicates`] found.
pub struct Parsed<'a> {
    pub root: Json<'a>,
    /// Keys that repeat within an object (case-insensitively).
    pub duplicates: Vec<RawDuplicate>,
    /// Whether the text has a comment: the suppression comments are looked for only then.
    pub has_comments: bool,
}

/// [`parse`], also reporting the keys that repeat within an object and whether there are
/// comments.
pub fn parse_finding_duplicates(text: &str) -> Option<Parsed<'_>> {
    run(text, true)
}

fn run(text: &str, find_duplicates: bool) -> Option<Parsed<'_>> {
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        depth: 0,
        find_duplicates,
        duplicates: Vec::new(),
        has_comments: false,
        props: Vec::new(),
        elements: Vec::new(),
    };
    p.skip_trivia()?;
    let root = p.value()?;
    p.skip_trivia()?;
    (p.pos == p.bytes.len()).then_some(Parsed {
        root,
        duplicates: p.duplicates,
        has_comments: p.has_comments,
    })
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
    find_duplicates: bool,
    duplicates: Vec<RawDuplicate>,
    has_comments: bool,
    /// The members of the objects and arrays being parsed, innermost last: each container is
    /// built here and moved into an exactly sized `Vec` when it closes, instead of growing its
    /// own.
    props: Vec<ObjectProp<'a>>,
    elements: Vec<Json<'a>>,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Skip whitespace and comments; `None` on an unterminated block comment.
    fn skip_trivia(&mut self) -> Option<()> {
        loop {
            match self.peek() {
                Some(b' ' | b'\n' | b'\r' | b'\t') => {
                    // Most runs are one byte (`": "`); the vector scan is for indentation.
                    self.pos += 1;
                    if self.peek().is_some_and(is_whitespace) {
                        self.pos = skip_whitespace(self.bytes, self.pos);
                    }
                }
                Some(b'/') => match self.bytes.get(self.pos + 1) {
                    Some(b'/') => {
                        self.has_comments = true;
                        // A line comment ends at any line break, a lone '\r' too, as in
                        // jsonc-parser and Json.NET (found by the json_reader fuzz target).
                        let rest = self.bytes.get(self.pos..)?;
                        self.pos += rest
                            .iter()
                            .position(|&b| b == b'\n' || b == b'\r')
                            .unwrap_or(rest.len());
                    }
                    Some(b'*') => {
                        self.has_comments = true;
                        let rest = self.bytes.get(self.pos + 2..)?;
                        let end = rest.windows(2).position(|w| w == b"*/")?;
                        self.pos += 2 + end + 2;
                    }
                    _ => return None,
                },
                _ => return Some(()),
            }
        }
    }

    fn value(&mut self) -> Option<Json<'a>> {
        match self.peek()? {
            b'{' => self.object().map(Json::Object),
            b'[' => self.array().map(Json::Array),
            b'"' => self.string().map(Json::StringLit),
            b'-' | b'0'..=b'9' => self.number().map(Json::NumberLit),
            b't' => self
                .keyword(b"true")
                .map(|range| Json::BooleanLit(BooleanLit { range, value: true })),
            b'f' => self.keyword(b"false").map(|range| {
                Json::BooleanLit(BooleanLit {
                    range,
                    value: false,
                })
            }),
            b'n' => self
                .keyword(b"null")
                .map(|range| Json::NullKeyword(NullKeyword { range })),
            _ => None,
        }
    }

    fn keyword(&mut self, word: &[u8]) -> Option<Range> {
        let start = self.pos;
        let end = start + word.len();
        if self.bytes.get(start..end)? != word {
            return None;
        }
        // `nullx` is a word to jsonc-parser, hence an error: leave it to it.
        if self
            .bytes
            .get(end)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'$' || *b >= 0x80)
        {
            return None;
        }
        self.pos = end;
        Some(Range { start, end })
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= JSON_FAST_DEPTH).then_some(())
    }

    fn object(&mut self) -> Option<Object<'a>> {
        self.enter()?;
        let start = self.pos;
        self.pos += 1;
        let base = self.props.len();
        loop {
            self.skip_trivia()?;
            match self.peek()? {
                b'}' => break,
                b'"' => {}
                _ => return None,
            }
            let name = self.string()?;
            self.skip_trivia()?;
            if self.peek()? != b':' {
                return None;
            }
            self.pos += 1;
            self.skip_trivia()?;
            let value = self.value()?;
            let range = Range {
                start: name.range.start,
                end: value_end(&value),
            };
            self.props.push(ObjectProp {
                range,
                name: ObjectPropName::String(name),
                value,
            });
            self.skip_trivia()?;
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => break,
                _ => return None,
            }
        }
        self.pos += 1;
        self.depth -= 1;
        let properties = self.props.split_off(base);
        if self.find_duplicates {
            for (i, j) in super::json::repeated_properties(&properties) {
                if let (Some(first), Some(second)) = (properties.get(i), properties.get(j)) {
                    self.duplicates.push(RawDuplicate {
                        object_start: start,
                        key: second.name.as_str().to_string(),
                        first: name_range(&first.name),
                        second: name_range(&second.name),
                    });
                }
            }
        }
        Some(Object {
            range: Range {
                start,
                end: self.pos,
            },
            properties,
        })
    }

    fn array(&mut self) -> Option<Array<'a>> {
        self.enter()?;
        let start = self.pos;
        self.pos += 1;
        let base = self.elements.len();
        loop {
            self.skip_trivia()?;
            if self.peek()? == b']' {
                break;
            }
            let value = self.value()?;
            self.elements.push(value);
            self.skip_trivia()?;
            match self.peek()? {
                b',' => self.pos += 1,
                b']' => break,
                _ => return None,
            }
        }
        self.pos += 1;
        self.depth -= 1;
        let elements = self.elements.split_off(base);
        Some(Array {
            range: Range {
                start,
                end: self.pos,
            },
            elements,
        })
    }

    fn string(&mut self) -> Option<StringLit<'a>> {
        let start = self.pos;
        let body = start + 1;
        let rest = self.bytes.get(body..)?;
        // The quote and the backslash are ASCII, never inside a multi-byte character.
        let stop = string_stop(rest)?;
        let value = match rest.get(stop)? {
            b'"' => {
                self.pos = body + stop + 1;
                Cow::Borrowed(self.text.get(body..body + stop)?)
            }
            b'\\' => Cow::Owned(self.escaped_string(body)?),
            // Raw control characters (line breaks in strings): leave to jsonc-parser.
            _ => return None,
        };
        Some(StringLit {
            range: Range {
                start,
                end: self.pos,
            },
            value,
        })
    }

    /// A string with escapes, from its first character; leaves `pos` after the closing quote.
    fn escaped_string(&mut self, body: usize) -> Option<String> {
        let mut out = String::new();
        let mut i = body;
        let mut chunk = body;
        loop {
            match *self.bytes.get(i)? {
                b'"' => {
                    out.push_str(self.text.get(chunk..i)?);
                    self.pos = i + 1;
                    return Some(out);
                }
                b'\\' => {
                    out.push_str(self.text.get(chunk..i)?);
                    let c = match *self.bytes.get(i + 1)? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{08}',
                        b'f' => '\u{0C}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hex = self.text.get(i + 2..i + 6)?;
                            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                                return None;
                            }
                            let code = u32::from_str_radix(hex, 16).ok()?;
                            // Surrogates (pairs or lone) are left to jsonc-parser.
                            let c = char::from_u32(code)?;
                            i += 4;
                            c
                        }
                        _ => return None,
                    };
                    out.push(c);
                    i += 2;
                    chunk = i;
                }
                b if b < 0x20 => return None,
                _ => i += 1,
            }
        }
    }

    /// `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`, then a delimiter.
    fn number(&mut self) -> Option<NumberLit<'a>> {
        let start = self.pos;
        let b = self.bytes;
        let mut i = start;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        let digits = |i: &mut usize| {
            let from = *i;
            while b.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i > from
        };
        match b.get(i)? {
            b'0' => i += 1,
            b'1'..=b'9' => {
                digits(&mut i);
            }
            _ => return None,
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            if !digits(&mut i) {
                return None;
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if !digits(&mut i) {
                return None;
            }
        }
        // `01`, `1x`, `1.` ...: leave the error to jsonc-parser.
        if b.get(i)
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'$'))
        {
            return None;
        }
        self.pos = i;
        Some(NumberLit {
            range: Range { start, end: i },
            value: self.text.get(start..i)?,
        })
    }
}

/// Index of the first byte at or after `pos` that is not JSON whitespace: indentation and line
/// breaks are much of a pretty-printed template.
fn skip_whitespace(bytes: &[u8], pos: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        sse2::skip_whitespace(bytes, pos)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        swar::skip_whitespace(bytes, pos)
    }
}

/// Index of the first `"`, `\\` or control character (below 0x20): string contents are most of
/// a template's bytes.
fn string_stop(bytes: &[u8]) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    {
        sse2::string_stop(bytes)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        swar::string_stop(bytes)
    }
}

fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

fn is_string_stop(b: u8) -> bool {
    b == b'"' || b == b'\\' || b < 0x20
}

/// Sixteen bytes at a time with SSE2, which every x86-64 processor has.
#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };

    /// One bit per byte of `chunk` (16 bytes), set where `flag` holds.
    fn mask(chunk: &[u8], flag: impl Fn(__m128i) -> __m128i) -> u32 {
        debug_assert_eq!(chunk.len(), 16);
        // SAFETY: SSE2 is part of x86-64; the load reads exactly the 16 bytes of `chunk` (the
        // callers slice 16) and needs no alignment.
        unsafe {
            let v = _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>());
            _mm_movemask_epi8(flag(v)) as u32 & 0xffff
        }
    }

    pub fn skip_whitespace(bytes: &[u8], mut pos: usize) -> usize {
        while let Some(chunk) = bytes.get(pos..pos + 16) {
            // SAFETY: SSE2 is part of x86-64; these work on registers only.
            let white = mask(chunk, |v| unsafe {
                let eq = |c: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8));
                _mm_or_si128(
                    _mm_or_si128(eq(b' '), eq(b'\n')),
                    _mm_or_si128(eq(b'\r'), eq(b'\t')),
                )
            });
            if white != 0xffff {
                return pos + (!white).trailing_zeros() as usize;
            }
            pos += 16;
        }
        while bytes.get(pos).is_some_and(|&b| super::is_whitespace(b)) {
            pos += 1;
        }
        pos
    }

    pub fn string_stop(bytes: &[u8]) -> Option<usize> {
        let mut i = 0;
        while let Some(chunk) = bytes.get(i..i + 16) {
            // SAFETY: SSE2 is part of x86-64; these work on registers only.
            let stop = mask(chunk, |v| unsafe {
                let eq = |c: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8));
                // Unsigned `v <= 0x1f`: max(v, 0x1f) == 0x1f.
                let control =
                    _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x1f)), _mm_set1_epi8(0x1f));
                _mm_or_si128(_mm_or_si128(eq(b'"'), eq(b'\\')), control)
            });
            if stop != 0 {
                return Some(i + stop.trailing_zeros() as usize);
            }
            i += 16;
        }
        let tail = bytes.get(i..)?;
        tail.iter()
            .position(|&b| super::is_string_stop(b))
            .map(|p| i + p)
    }
}

/// Eight bytes at a time in a `u64`, for other processors (and as the tests' second opinion).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
mod swar {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;

    fn word(chunk: &[u8]) -> u64 {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        u64::from_le_bytes(w)
    }

    /// High bit of each byte of `x` that is zero (exact for the lowest such byte, which is all
    /// the callers read: borrows only carry upwards).
    fn zero_bytes(x: u64) -> u64 {
        x.wrapping_sub(ONES) & !x & HIGH
    }

    pub fn skip_whitespace(bytes: &[u8], mut pos: usize) -> usize {
        loop {
            while let Some(chunk) = bytes.get(pos..pos + 8) {
                let other = word(chunk) ^ (ONES * u64::from(b' '));
                if other != 0 {
                    pos += (other.trailing_zeros() / 8) as usize;
                    break;
                }
                pos += 8;
            }
            match bytes.get(pos) {
                Some(&b) if super::is_whitespace(b) => pos += 1,
                _ => return pos,
            }
        }
    }

    pub fn string_stop(bytes: &[u8]) -> Option<usize> {
        let mut i = 0;
        while let Some(chunk) = bytes.get(i..i + 8) {
            let x = word(chunk);
            let found = zero_bytes(x ^ (ONES * u64::from(b'"')))
                | zero_bytes(x ^ (ONES * u64::from(b'\\')))
                | (x.wrapping_sub(ONES * 0x20) & !x & HIGH);
            if found != 0 {
                return Some(i + (found.trailing_zeros() / 8) as usize);
            }
            i += 8;
        }
        let tail = bytes.get(i..)?;
        tail.iter()
            .position(|&b| super::is_string_stop(b))
            .map(|p| i + p)
    }
}

fn name_range(n: &ObjectPropName) -> Range {
    match n {
        ObjectPropName::String(s) => s.range,
        ObjectPropName::Word(w) => w.range,
    }
}

fn value_end(v: &Json) -> usize {
    match v {
        Json::StringLit(s) => s.range.end,
        Json::NumberLit(n) => n.range.end,
        Json::BooleanLit(b) => b.range.end,
        Json::NullKeyword(n) => n.range.end,
        Json::Object(o) => o.range.end,
        Json::Array(a) => a.range.end,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slow(text: &str) -> Option<Json<'_>> {
        super::super::json::parse_with_jsonc(text).ok()
    }

    /// Both scanners (SSE2 where it runs, and SWAR) against the byte-by-byte definition.
    type Skip = fn(&[u8], usize) -> usize;
    type Stop = fn(&[u8]) -> Option<usize>;
    fn scanners() -> Vec<(Skip, Stop)> {
        let mut v: Vec<(Skip, Stop)> = vec![(swar::skip_whitespace, swar::string_stop)];
        #[cfg(target_arch = "x86_64")]
        v.push((sse2::skip_whitespace, sse2::string_stop));
        v.push((skip_whitespace, string_stop));
        v
    }

    #[test]
    fn skip_whitespace_stops_at_the_first_other_byte() {
        let naive = |b: &[u8], from: usize| {
            from + b
                .get(from..)
                .map_or(0, |r| r.iter().take_while(|&&c| is_whitespace(c)).count())
        };
        for (skip, _) in scanners() {
            for len in 0..40 {
                for tail in [b"".as_slice(), b"x", b"\n  \"", b"\t", b"\r\n{"] {
                    for fill in [b' ', b'\n', b'\t'] {
                        let mut v: Vec<u8> = (0..len)
                            .map(|i| if i % 7 == 3 { fill } else { b' ' })
                            .collect();
                        v.extend_from_slice(tail);
                        for start in 0..=v.len() {
                            assert_eq!(skip(&v, start), naive(&v, start), "{v:?} {start}");
                        }
                    }
                }
            }
            // Every byte value at every position of a 40-byte run of spaces.
            for pos in 0..40 {
                for b in 0..=255u8 {
                    let mut v = vec![b' '; 40];
                    v[pos] = b;
                    assert_eq!(skip(&v, 0), naive(&v, 0), "{pos} {b}");
                }
            }
        }
    }

    #[test]
    fn string_stop_finds_the_first_special_byte() {
        let naive = |b: &[u8]| b.iter().position(|&c| is_string_stop(c));
        let samples: [&[u8]; 9] = [
            b"",
            b"abc",
            b"abcdefgh\"",
            b"abcdefghijklmnop\\x",
            b"\"",
            b"caf\xc3\xa9 na\xc3\xafve\"rest",
            b"0123456\n89",
            b"\x7f\x80\xff\xfe\x21\x1f",
            b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
        ];
        for (_, stop) in scanners() {
            for s in samples {
                assert_eq!(stop(s), naive(s), "{s:?}");
            }
            // Every position and every byte value, across two 16-byte blocks and a tail.
            for pos in 0..40 {
                for b in 0..=255u8 {
                    let mut v = vec![b'x'; 40];
                    v[pos] = b;
                    assert_eq!(stop(&v), naive(&v), "{pos} {b}");
                    assert_eq!(stop(&v[1..]), naive(&v[1..]), "{pos} {b} shifted");
                }
            }
        }
    }

    #[test]
    fn agrees_with_jsonc_parser() {
        for text in [
            r#"{"a": 1, "b": [true, false, null, -0.5e+3, "x\"y\\u00e9\n"], "c": {}}"#,
            "// comment\n{ /* block */ \"a\" : [1, 2, ], }\n",
            "{\"é\": \"ü\", \"k\": \"\\/\"}",
            "[]",
            " \"top\" ",
            "{\"a\":1,\"a\":2}",
        ] {
            let fast = parse(text);
            assert!(fast.is_some(), "{text}");
            assert_eq!(fast, slow(text), "{text}");
        }
    }

    #[test]
    fn leaves_unusual_input_to_jsonc_parser() {
        for text in [
            "",
            "{",
            "[1 2]",
            "{'a': 1}",
            "{a: 1}",
            "01",
            "1.",
            "nullx",
            "\"line\nbreak\"",
            "\"\\ud83d\\ude00\"",
            "\"\\x\"",
            "[1,,2]",
            "/* open",
            "{} x",
            "+1",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }
}
