//! LSP positions and URIs. Positions are 0-based lines and characters counted in the encoding
//! the client and server agree on: UTF-16 code units unless the client offers UTF-32 (Unicode
//! scalar values, what armlint counts elsewhere) or UTF-8 (bytes).

use std::path::{Path, PathBuf};

use serde_json::{Value as Json, json};

use crate::source::{SourceFile, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
    Utf32,
}

impl Encoding {
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf16 => "utf-16",
            Encoding::Utf32 => "utf-32",
        }
    }
}

/// The client's preferred encoding among those it offers (`general.positionEncodings`, in order
/// of preference); UTF-16, which every client supports, otherwise.
pub fn negotiate(initialize_params: &Json) -> Encoding {
    let offered = initialize_params
        .pointer("/capabilities/general/positionEncodings")
        .and_then(Json::as_array);
    for e in offered.into_iter().flatten() {
        match e.as_str() {
            Some("utf-32") => return Encoding::Utf32,
            Some("utf-8") => return Encoding::Utf8,
            Some("utf-16") => return Encoding::Utf16,
            _ => {}
        }
    }
    Encoding::Utf16
}

/// `{line, character}` of a byte offset.
fn position(file: &SourceFile, offset: u32, encoding: Encoding) -> Json {
    let text = &file.text;
    let offset = (offset as usize).min(text.len());
    let index = file.line_index();
    let line = index.line_of(offset as u32);
    let start = index.line_start(line).unwrap_or(0) as usize;
    let mut end = offset;
    while end > start && !text.is_char_boundary(end) {
        end -= 1;
    }
    let prefix = text.get(start..end).unwrap_or("");
    let character = match encoding {
        Encoding::Utf8 => prefix.len(),
        Encoding::Utf16 => prefix.chars().map(char::len_utf16).sum(),
        Encoding::Utf32 => prefix.chars().count(),
    };
    json!({"line": line, "character": character})
}

pub fn range(file: &SourceFile, span: Span, encoding: Encoding) -> Json {
    let end = span.end.max(span.start);
    json!({"start": position(file, span.start, encoding), "end": position(file, end, encoding)})
}

/// `file:///a/b%20c.json` → `/a/b c.json`; `None` for other schemes.
pub fn path_from_uri(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    // `file://host/path` names a host; only local files are linted.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%'
            && let Some(hex) = rest.get(i + 1..i + 3)
            && let Ok(v) = u8::from_str_radix(hex, 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b);
        i += 1;
    }
    let decoded = String::from_utf8(out).ok()?;
    // Windows: `file:///C:/x` → `C:/x`.
    let decoded = match decoded.as_bytes() {
        [b'/', drive, b':', ..] if drive.is_ascii_alphabetic() => decoded[1..].to_string(),
        _ => decoded,
    };
    Some(PathBuf::from(decoded))
}

/// The `file://` URI of a path (made absolute against the working directory).
pub fn uri_from_path(path: &Path) -> String {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().map_or_else(|_| path.to_path_buf(), |d| d.join(path))
    };
    let text = abs.to_string_lossy().replace('\\', "/");
    let mut out = String::from("file://");
    if !text.starts_with('/') {
        out.push('/');
    }
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' | b':' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_round_trip() {
        let p = path_from_uri("file:///tmp/a%20b/%C3%A9.json").unwrap();
        assert_eq!(p, PathBuf::from("/tmp/a b/é.json"));
        assert_eq!(uri_from_path(&p), "file:///tmp/a%20b/%C3%A9.json");
        assert_eq!(path_from_uri("untitled:1"), None);
        assert_eq!(
            path_from_uri("file:///C:/x/y.json").unwrap(),
            PathBuf::from("C:/x/y.json")
        );
    }

    #[test]
    fn characters_count_in_the_agreed_encoding() {
        // `😀` is 4 bytes, 2 UTF-16 units, 1 scalar.
        let f = SourceFile::new("a.json", "{\n  \"😀\": 1\n}\n");
        let at = f.text.find(": 1").unwrap() as u32;
        let pos = |e| position(&f, at, e);
        assert_eq!(pos(Encoding::Utf8), json!({"line": 1, "character": 8}));
        assert_eq!(pos(Encoding::Utf16), json!({"line": 1, "character": 6}));
        assert_eq!(pos(Encoding::Utf32), json!({"line": 1, "character": 5}));
        // Past the end is clamped, not a panic.
        assert_eq!(position(&f, 10_000, Encoding::Utf16)["line"], json!(3));
    }

    #[test]
    fn the_client_picks_the_encoding() {
        let p = json!({"capabilities": {"general": {"positionEncodings": ["utf-32", "utf-16"]}}});
        assert_eq!(negotiate(&p), Encoding::Utf32);
        assert_eq!(negotiate(&json!({})), Encoding::Utf16);
    }
}
