//! LSP positions and URIs. Positions are 0-based lines and characters counted in the encoding
//! the client and server agree on: UTF-16 code units unless the client offers UTF-32 (Unicode
//! scalar values, what armlint counts elsewhere) or UTF-8 (bytes).

use std::path::{Path, PathBuf};

use lsp_types::{InitializeParams, Position, PositionEncodingKind, Range, Uri};

use crate::source::{SourceFile, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
    Utf32,
}

impl Encoding {
    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
            Encoding::Utf32 => PositionEncodingKind::UTF32,
        }
    }
}

/// The client's preferred encoding among those it offers (`general.positionEncodings`, in order
/// of preference); UTF-16, which every client supports, otherwise.
pub fn negotiate(initialize_params: &InitializeParams) -> Encoding {
    let offered = initialize_params
        .capabilities
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_ref());
    for e in offered.into_iter().flatten() {
        match e.as_str() {
            "utf-32" => return Encoding::Utf32,
            "utf-8" => return Encoding::Utf8,
            "utf-16" => return Encoding::Utf16,
            _ => {}
        }
    }
    Encoding::Utf16
}

/// The position of a byte offset.
fn position(file: &SourceFile, offset: u32, encoding: Encoding) -> Position {
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
    // A line is shorter than the text, which is under 4 GiB (spans are `u32`).
    Position::new(
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(character).unwrap_or(u32::MAX),
    )
}

pub fn range(file: &SourceFile, span: Span, encoding: Encoding) -> Range {
    let end = span.end.max(span.start);
    Range::new(
        position(file, span.start, encoding),
        position(file, end, encoding),
    )
}

/// The local path a `file:` URI names, as `url` reads it: percent-decoded (non-UTF-8 bytes
/// included), `file://localhost/p` local; `None` for other schemes and for a remote host
/// (`file://host/p`, a UNC path on Windows, where `url` returns it as such).
pub fn path_from_uri(uri: &Uri) -> Option<PathBuf> {
    let url = url::Url::parse(uri.as_str()).ok()?;
    if url.scheme() != "file" {
        return None;
    }
    url.to_file_path().ok()
}

/// The `file:` URI of a path (made absolute against the working directory).
pub fn uri_from_path(path: &Path) -> Option<Uri> {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(path)
    };
    let url = url::Url::from_file_path(&abs).ok()?;
    url.as_str().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(s: &str) -> Uri {
        s.parse().unwrap()
    }

    #[test]
    fn uris_round_trip() {
        let p = path_from_uri(&uri("file:///tmp/a%20b/%C3%A9.json")).unwrap();
        assert_eq!(p, PathBuf::from("/tmp/a b/é.json"));
        assert_eq!(
            uri_from_path(&p).unwrap().as_str(),
            "file:///tmp/a%20b/%C3%A9.json"
        );
        assert_eq!(path_from_uri(&uri("untitled:1")), None);
        assert_eq!(
            path_from_uri(&uri("file://localhost/tmp/x.json")),
            Some(PathBuf::from("/tmp/x.json"))
        );
    }

    /// `file://host/p` names a file on another machine, never the relative path `host/p`.
    #[cfg(unix)]
    #[test]
    fn a_remote_host_is_not_a_local_path() {
        assert_eq!(path_from_uri(&uri("file://host/p/main.json")), None);
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_file_names_survive() {
        use std::os::unix::ffi::OsStrExt;
        let p = path_from_uri(&uri("file:///tmp/%FF.json")).unwrap();
        assert_eq!(p.as_os_str().as_bytes(), b"/tmp/\xff.json");
        assert_eq!(uri_from_path(&p).unwrap().as_str(), "file:///tmp/%FF.json");
    }

    #[test]
    fn characters_count_in_the_agreed_encoding() {
        // `😀` is 4 bytes, 2 UTF-16 units, 1 scalar.
        let f = SourceFile::new("a.json", "{\n  \"😀\": 1\n}\n");
        let at = f.text.find(": 1").unwrap() as u32;
        let pos = |e| position(&f, at, e);
        assert_eq!(pos(Encoding::Utf8), Position::new(1, 8));
        assert_eq!(pos(Encoding::Utf16), Position::new(1, 6));
        assert_eq!(pos(Encoding::Utf32), Position::new(1, 5));
        // Past the end is clamped, not a panic.
        assert_eq!(position(&f, 10_000, Encoding::Utf16).line, 3);
    }

    #[test]
    fn the_client_picks_the_encoding() {
        let p = serde_json::from_value(serde_json::json!({"capabilities": {"general": {"positionEncodings": ["utf-32", "utf-16"]}}})).unwrap();
        assert_eq!(negotiate(&p), Encoding::Utf32);
        assert_eq!(negotiate(&InitializeParams::default()), Encoding::Utf16);
    }
}
