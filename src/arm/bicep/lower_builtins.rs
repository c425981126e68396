//! Functions only Bicep has, done at compile time as the compiler does: `any(x)` is `x`,
//! `nameof(a.b)` is `'b'`, and the values of `loadTextContent`, `loadJsonContent`,
//! `loadYamlContent`, `loadFileAsBase64` from the bytes of the file they name (read by the
//! caller's hook, see `lower_loads`). Every other function is ARM's and passes through.

use crate::source::Span;
use crate::source::bicep::syntax::{Expr, ExprKind, Ident};

use super::lower_expression::{LowerError, Symbols, arm_string_literal};

/// Reads the files `load*()` functions name, relative to the file being lowered, for lowerings
/// that have no [`ModuleSource`](super::module_source::ModuleSource) (`.bicepparam` values).
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

/// Files on disk beside a Bicep file.
#[derive(Debug, Clone)]
pub struct DiskFiles {
    pub dir: std::path::PathBuf,
}

impl DiskFiles {
    /// Reads relative to the directory of `bicep_file`.
    pub fn beside(bicep_file: &std::path::Path) -> DiskFiles {
        DiskFiles {
            dir: bicep_file
                .parent()
                .map(std::path::Path::to_path_buf)
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

/// The `load*()` functions, which read a file at compile time.
pub fn is_load_function(name: &str) -> bool {
    matches!(
        name,
        "loadTextContent" | "loadFileAsBase64" | "loadJsonContent" | "loadYamlContent"
    )
}

/// The ARM text of a call to a Bicep-only function, or `None` for an ARM function. In a
/// template, `load*()` calls were replaced by their values before lowering (`lower_loads`);
/// elsewhere (`.bicepparam`) they read through [`Symbols::file_reader`].
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
        ("any" | "nameof", _) => {
            return Err(LowerError::new(
                span,
                format!("wrong number of arguments to {}()", name.name),
            ));
        }
        (load, _) if is_load_function(load) => {
            let relative = load_path(args).map_err(|e| LowerError::new(span, e.message))?;
            let bytes = symbols
                .file_reader()
                .read(&relative)
                .map_err(|e| LowerError::new(span, format!("cannot load '{relative}': {e}")))?;
            match loaded_value(load, args, &bytes, span)? {
                serde_json::Value::String(text) => arm_string_literal(&text),
                other => format!("json({})", arm_string_literal(&other.to_string())),
            }
        }
        _ => return Ok(None),
    }))
}

/// The file a `load*()` call reads, as written.
pub fn load_path(args: &[Expr]) -> Result<String, LowerError> {
    match args.first() {
        Some(path) => literal_text(path),
        None => Err(LowerError::new(Span::default(), "a file path is needed")),
    }
}

/// The value of the `load*()` call `name(args)` given the `bytes` of its file, as JSON.
pub fn loaded_value(
    name: &str,
    args: &[Expr],
    bytes: &[u8],
    span: Span,
) -> Result<serde_json::Value, LowerError> {
    let arg = |i: usize| args.get(i).map(literal_text).transpose();
    let too_many = |max: usize| {
        (args.len() > max)
            .then(|| LowerError::new(span, format!("wrong number of arguments to {name}()")))
    };
    let value = match name {
        "loadTextContent" => {
            if let Some(e) = too_many(2) {
                return Err(e);
            }
            serde_json::Value::String(decode(bytes, arg(1)?.as_deref(), span)?)
        }
        "loadFileAsBase64" => {
            if let Some(e) = too_many(1) {
                return Err(e);
            }
            serde_json::Value::String(base64(bytes))
        }
        "loadJsonContent" | "loadYamlContent" => {
            if let Some(e) = too_many(3) {
                return Err(e);
            }
            let text = decode(bytes, arg(2)?.as_deref(), span)?;
            let value: serde_json::Value = if name == "loadJsonContent" {
                // Comments are allowed, as the compiler allows them.
                let json = crate::source::json::parse(&text)
                    .map_err(|e| LowerError::new(span, format!("not valid JSON: {}", e.message)))?;
                crate::arm::template::literal_value(&json).to_serde()
            } else {
                serde_norway::from_str(&text)
                    .map_err(|e| LowerError::new(span, format!("not valid YAML: {e}")))?
            };
            select(value, args.get(1), span)?
        }
        _ => {
            return Err(LowerError::new(
                span,
                format!("{name} is not a load function"),
            ));
        }
    };
    Ok(value)
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
    // The compiler accepts a path without the leading `$` (`'.a.b'`).
    let query = match literal_text(path)? {
        q if q.starts_with('$') => q,
        q => format!("${q}"),
    };
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
