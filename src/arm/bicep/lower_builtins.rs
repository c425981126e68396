//! Functions only Bicep has, done at compile time as the compiler does: `any(x)` is `x`,
//! `nameof(a.b)` is `'b'`, and `loadTextContent`, `loadJsonContent`, `loadYamlContent`,
//! `loadFileAsBase64` read a file relative to the `.bicep` through the caller's [`FileReader`]
//! and become the literal value it holds. Every other function is ARM's and passes through.

use std::path::{Path, PathBuf};

use crate::source::Span;
use crate::source::bicep::syntax::{Expr, ExprKind, Ident};

use super::lower_expression::{LowerError, Symbols, arm_string_literal};

/// Reads the files `load*()` functions name, relative to the file being lowered.
pub trait FileReader {
    /// The bytes of `relative` (as written in the call), at most
    /// [`crate::limits::BICEP_LOADED_FILE_BYTES`]; an error says why not.
    fn read(&self, relative: &str) -> Result<Vec<u8>, String>;
}

/// No file system: every `load*()` call is an error.
#[derive(Debug, Default)]
pub struct NoFiles;

impl FileReader for NoFiles {
    fn read(&self, relative: &str) -> Result<Vec<u8>, String> {
        Err(format!("'{relative}' cannot be read here (no file system)"))
    }
}

/// Files on disk beside a `.bicep` file.
#[derive(Debug, Clone)]
pub struct DiskFiles {
    pub dir: PathBuf,
}

impl DiskFiles {
    /// Reads relative to the directory of `bicep_file`.
    pub fn beside(bicep_file: &Path) -> DiskFiles {
        DiskFiles {
            dir: bicep_file
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default(),
        }
    }
}

impl FileReader for DiskFiles {
    fn read(&self, relative: &str) -> Result<Vec<u8>, String> {
        let path = self.dir.join(relative);
        let (bytes, _) = crate::source::read::read_file(&path).map_err(|e| e.message())?;
        if bytes.len() > crate::limits::BICEP_LOADED_FILE_BYTES {
            return Err(format!(
                "'{relative}' is larger than {} bytes",
                crate::limits::BICEP_LOADED_FILE_BYTES
            ));
        }
        Ok(bytes)
    }
}

/// The ARM text of a call to a Bicep-only function, or `None` for an ARM function.
pub fn lower_bicep_function(
    name: &Ident,
    args: &[Expr],
    symbols: &dyn Symbols,
    lower: &dyn Fn(&Expr) -> Result<String, LowerError>,
) -> Result<Option<String>, LowerError> {
    let span = name.span;
    Ok(Some(match (name.name.as_str(), args) {
        ("any", [value]) => lower(value)?,
        ("nameof", [value]) => arm_string_literal(&last_name(value).ok_or_else(|| {
            LowerError::new(value.span, "nameof() takes a symbol or a property access")
        })?),
        ("loadTextContent", [path, rest @ ..]) if rest.len() <= 1 => {
            let bytes = read(symbols, path)?;
            let encoding = rest.first().map(literal_text).transpose()?;
            arm_string_literal(&decode(&bytes, encoding.as_deref(), path.span)?)
        }
        ("loadFileAsBase64", [path]) => arm_string_literal(&base64(&read(symbols, path)?)),
        ("loadJsonContent", [path, rest @ ..]) if rest.len() <= 2 => {
            let bytes = read(symbols, path)?;
            let encoding = rest.get(1).map(literal_text).transpose()?;
            let text = decode(&bytes, encoding.as_deref(), path.span)?;
            let value: serde_json::Value =
                serde_json::from_str(text.trim_start_matches('\u{feff}'))
                    .map_err(|e| LowerError::new(path.span, format!("not valid JSON: {e}")))?;
            json_call(&select(value, rest.first(), span)?)
        }
        ("loadYamlContent", [path, rest @ ..]) if rest.len() <= 2 => {
            let bytes = read(symbols, path)?;
            let encoding = rest.get(1).map(literal_text).transpose()?;
            let text = decode(&bytes, encoding.as_deref(), path.span)?;
            let value: serde_json::Value = serde_norway::from_str(&text)
                .map_err(|e| LowerError::new(path.span, format!("not valid YAML: {e}")))?;
            json_call(&select(value, rest.first(), span)?)
        }
        (
            "any" | "nameof" | "loadTextContent" | "loadFileAsBase64" | "loadJsonContent"
            | "loadYamlContent",
            _,
        ) => {
            return Err(LowerError::new(
                span,
                format!("wrong number of arguments to {}()", name.name),
            ));
        }
        _ => return Ok(None),
    }))
}

/// `json('…')`: a JSON value inside an ARM expression.
fn json_call(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => arm_string_literal(s),
        other => format!("json({})", arm_string_literal(&other.to_string())),
    }
}

/// The part of `value` a JSONPath argument (`loadJsonContent(f, '$.a')`) selects: the match
/// when there is one, all of them as an array when there are more.
fn select(
    value: serde_json::Value,
    path: Option<&Expr>,
    span: Span,
) -> Result<serde_json::Value, LowerError> {
    let Some(path) = path else {
        return Ok(value);
    };
    let query = literal_text(path)?;
    let found = jsonpath_rust::query::js_path(&query, &value)
        .map_err(|e| LowerError::new(path.span, format!("not a valid JSONPath: {e}")))?;
    let mut found: Vec<serde_json::Value> = found.into_iter().map(|q| q.val().clone()).collect();
    match found.len() {
        0 => Err(LowerError::new(span, format!("'{query}' selects nothing"))),
        1 => Ok(found.pop().unwrap_or_default()),
        _ => Ok(serde_json::Value::Array(found)),
    }
}

/// The name `nameof` gives: the last identifier of a symbol or property access.
fn last_name(expr: &Expr) -> Option<String> {
    match &expr.kind {
        ExprKind::Ident(ident) => Some(ident.name.clone()),
        ExprKind::Property { name, .. } | ExprKind::ChildResource { name, .. } => {
            Some(name.name.clone())
        }
        ExprKind::Index { index, .. } => match &index.kind {
            ExprKind::String(lit) => lit.as_plain(),
            _ => None,
        },
        ExprKind::NonNull(inner) | ExprKind::Paren(inner) => last_name(inner),
        _ => None,
    }
}

/// A compile-time string argument (a path, an encoding, a JSONPath).
fn literal_text(expr: &Expr) -> Result<String, LowerError> {
    match &expr.kind {
        ExprKind::String(lit) => lit.as_plain(),
        _ => None,
    }
    .ok_or_else(|| LowerError::new(expr.span, "this argument must be a string literal"))
}

fn read(symbols: &dyn Symbols, path: &Expr) -> Result<Vec<u8>, LowerError> {
    let relative = literal_text(path)?;
    symbols
        .file_reader()
        .read(&relative)
        .map_err(|e| LowerError::new(path.span, format!("cannot load '{relative}': {e}")))
}

/// Text in one of the encodings `loadTextContent` accepts (default `utf-8`; a byte order mark
/// is dropped).
fn decode(bytes: &[u8], encoding: Option<&str>, span: Span) -> Result<String, LowerError> {
    let utf16 = |big_endian: bool| {
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|c| match c {
                [a, b] if big_endian => u16::from_be_bytes([*a, *b]),
                [a, b] => u16::from_le_bytes([*a, *b]),
                _ => 0,
            })
            .collect();
        String::from_utf16_lossy(&units)
    };
    let text = match encoding.map(str::to_ascii_lowercase).as_deref() {
        None | Some("utf-8") => String::from_utf8(bytes.to_vec())
            .map_err(|_| LowerError::new(span, "the file is not valid UTF-8"))?,
        Some("utf-16") => utf16(false),
        Some("utf-16be") => utf16(true),
        Some("iso-8859-1" | "us-ascii") => bytes.iter().map(|b| char::from(*b)).collect(),
        Some(other) => {
            return Err(LowerError::new(span, format!("unknown encoding '{other}'")));
        }
    };
    Ok(text.strip_prefix('\u{feff}').unwrap_or(&text).to_string())
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let symbol = |n: u32| char::from(ALPHABET.get((n & 63) as usize).copied().unwrap_or(b'='));
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (b(0) << 16) | (b(1) << 8) | b(2);
        out.push(symbol(n >> 18));
        out.push(symbol(n >> 12));
        out.push(if chunk.len() > 1 { symbol(n >> 6) } else { '=' });
        out.push(if chunk.len() > 2 { symbol(n) } else { '=' });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_pads_like_the_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn text_encodings_decode_and_drop_the_byte_order_mark() {
        let at = Span::new(0, 1);
        assert_eq!(decode(b"\xef\xbb\xbfhi", None, at).unwrap(), "hi");
        assert_eq!(decode(b"h\0i\0", Some("utf-16"), at).unwrap(), "hi");
        assert_eq!(decode(b"\0h\0i", Some("utf-16BE"), at).unwrap(), "hi");
        assert_eq!(decode(b"\xe9", Some("iso-8859-1"), at).unwrap(), "é");
        assert!(decode(b"\xe9", None, at).is_err());
        assert!(decode(b"x", Some("ebcdic"), at).is_err());
    }
}
