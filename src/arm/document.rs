//! What kind of ARM document a file is (a template at some scope, a parameter file, something
//! else), from its `$schema`: read from the parsed root, or sniffed from the raw text of a file
//! that may not parse, so that a broken template still gets its `parse-error`.

use crate::arm::scope::ScopeKind;
use crate::source::json::{as_object, get_str, parse};

/// What kind of ARM document a file is, from its top-level `$schema`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentKind {
    Template(ScopeKind),
    Parameters,
    Other,
}

/// Classify from a schema URL.
pub fn kind_of_schema(schema: &str) -> DocumentKind {
    let s = schema.to_ascii_lowercase();
    if s.contains("subscriptiondeploymenttemplate.json") {
        DocumentKind::Template(ScopeKind::Subscription)
    } else if s.contains("managementgroupdeploymenttemplate.json") {
        DocumentKind::Template(ScopeKind::ManagementGroup)
    } else if s.contains("tenantdeploymenttemplate.json") {
        DocumentKind::Template(ScopeKind::Tenant)
    } else if s.contains("deploymenttemplate.json") {
        DocumentKind::Template(ScopeKind::ResourceGroup)
    } else if s.contains("deploymentparameters.json") {
        DocumentKind::Parameters
    } else {
        DocumentKind::Other
    }
}

/// Sniff a document's kind from raw text: the first `"$schema"` key's string value, found without
/// parsing. When that finds no deployment schema, a file that opens like JSON and names one near
/// its start as the value of a key that reads as `schema` (an escaped `"\u0024schema"`, a key
/// with a missing quote, colon or a stray control character) is a template too, unless it parses
/// and its top-level `$schema` says otherwise: a broken template then gets its `parse-error`,
/// and other JSON that merely mentions a schema URL is left alone.
pub fn sniff_kind(text: &str) -> DocumentKind {
    let literal = literal_schema_kind(text);
    if literal != DocumentKind::Other {
        return literal;
    }
    let Some((kind, _)) = schema_near_start(text) else {
        return DocumentKind::Other;
    };
    match parse(text) {
        Ok(root) => as_object(&root)
            .and_then(|o| get_str(o, "$schema"))
            .map_or(DocumentKind::Other, kind_of_schema),
        Err(_) => kind,
    }
}

/// The kind the first `"$schema"` key written as such names.
fn literal_schema_kind(text: &str) -> DocumentKind {
    let mut rest = text;
    while let Some(i) = rest.find("\"$schema\"") {
        let after = rest.get(i + "\"$schema\"".len()..).unwrap_or_default();
        let after = after.trim_start();
        if let Some(after) = after.strip_prefix(':') {
            let after = after.trim_start();
            if let Some(val) = after.strip_prefix('"') {
                let end = val.find('"').unwrap_or(val.len());
                return kind_of_schema(val.get(..end).unwrap_or_default());
            }
        }
        rest = after;
    }
    DocumentKind::Other
}

/// Where a control character (a NUL, say) breaks the `$schema` key of a text that names a
/// deployment template schema near its start: the key then is not `$schema` and JSON does not
/// allow the character there unescaped, so the file is a broken template, not other data.
pub fn control_character_in_schema_key(text: &str) -> Option<usize> {
    let (kind, key) = schema_near_start(text)?;
    if !matches!(kind, DocumentKind::Template(_)) {
        return None;
    }
    let segment = text.get(key.clone())?;
    segment
        .char_indices()
        .find(|(_, c)| c.is_control() && !matches!(c, '\t' | '\r' | '\n'))
        .map(|(i, _)| key.start + i)
}

/// A deployment template or parameter schema named near the start of a JSON-looking text after a
/// key that reads as `schema` once quotes, escapes and control characters are set aside; with the
/// byte range of that key (up to the URL).
fn schema_near_start(text: &str) -> Option<(DocumentKind, std::ops::Range<usize>)> {
    let mut end = text.len().min(crate::limits::SNIFF_HEAD_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = text.get(..end)?;
    if !opens_like_json_object(head) {
        return None;
    }
    const HOST: &str = "schema.management.azure.com";
    let lower = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower.get(from..).and_then(|r| r.find(HOST)) {
        let host = from + i;
        from = host + HOST.len();
        // The URL starts at its scheme; the key is what precedes it since the last separator.
        let Some(url_start) = lower.get(..host)?.rfind("http").filter(|s| host - s <= 8) else {
            continue;
        };
        let key_start = lower
            .get(..url_start)?
            .rfind(['{', ',', '\n'])
            .map_or(0, |k| k + 1);
        let key: String = lower
            .get(key_start..url_start)?
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        if url_start - key_start > 64 || !key.ends_with("schema") {
            continue;
        }
        let url: String = lower
            .get(url_start..)?
            .chars()
            .take_while(|c| *c != '"' && !c.is_whitespace())
            .filter(|c| !c.is_control())
            .take(256)
            .collect();
        match kind_of_schema(&url) {
            DocumentKind::Other => continue,
            kind => return Some((kind, key_start..url_start)),
        }
    }
    None
}

/// Whether the first character after whitespace and comments is `{`.
fn opens_like_json_object(text: &str) -> bool {
    let mut rest = text.trim_start_matches('\u{feff}');
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("//") {
            rest = after.split_once('\n').map_or("", |(_, r)| r);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, r)| r);
        } else {
            return rest.starts_with('{');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_schema_without_parsing() {
        let t = r#"{ "$schema" : "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "x": [ }"#;
        assert_eq!(
            sniff_kind(t),
            DocumentKind::Template(ScopeKind::ResourceGroup)
        );
        assert_eq!(sniff_kind(r#"{"name": "pkg"}"#), DocumentKind::Other);
        assert_eq!(
            sniff_kind(
                r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"}"#
            ),
            DocumentKind::Parameters
        );
    }
}
