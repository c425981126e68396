//! Percent-encoding (RFC 3986 `%XX`), the one implementation in armlint: ARM's `uriComponent`,
//! `uriComponentToString`, `uri` and data URIs, and relative URI references such as SARIF's. The
//! language server's `file:` URIs are `url`'s, which encodes with the same crate.
//!
//! Encoding works on bytes, so a file name that is not UTF-8 keeps its bytes (`%FF`).

use percent_encoding::{AsciiSet, CONTROLS, NON_ALPHANUMERIC};

/// Everything but RFC 3986's unreserved characters (`ALPHA / DIGIT / "-" / "." / "_" / "~"`):
/// a URI component, as `uriComponent` encodes it.
pub const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A relative reference's path: the unreserved characters and `/` are kept.
pub const PATH: &AsciiSet = &COMPONENT.remove(b'/');

/// What .NET's `Uri` escapes when it formats a URI (what `uri()` returns): controls, space,
/// everything outside ASCII and ``"<>`{}|^\``.
pub const DOTNET_URI: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'|')
    .add(b'^')
    .add(b'\\');

/// `bytes` with every byte in `set` (and every byte outside ASCII) as `%XX`, upper-case hex.
pub fn encode(bytes: &[u8], set: &'static AsciiSet) -> String {
    percent_encoding::percent_encode(bytes, set).to_string()
}

/// `%XX` escapes decoded; a malformed escape (`%`, `%4`, `%zz`) stays as it is.
pub fn decode(text: &str) -> Vec<u8> {
    percent_encoding::percent_decode_str(text).collect()
}

/// As HTML form data and .NET's `HttpUtility.UrlDecode` read it: `+` is a space too (`%2B` is
/// the plus sign).
pub fn decode_form(text: &str) -> Vec<u8> {
    decode(&text.replace('+', " "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_keep_what_their_uses_keep() {
        assert_eq!(encode(b"a b/\xc3\xa9~", COMPONENT), "a%20b%2F%C3%A9~");
        assert_eq!(encode(b"a b/\xc3\xa9.json", PATH), "a%20b/%C3%A9.json");
        assert_eq!(encode(b"\xff", PATH), "%FF");
        assert_eq!(encode(b"a b/c?d=<e>", DOTNET_URI), "a%20b/c?d=%3Ce%3E");
    }

    #[test]
    fn malformed_escapes_stay() {
        assert_eq!(decode("%41%4"), b"A%4");
        assert_eq!(decode("%zz%"), b"%zz%");
        // Two hex digits, nothing else (`u8::from_str_radix` would take "+1").
        assert_eq!(decode("%+1"), b"%+1");
        assert_eq!(decode_form("a+b%2B"), b"a b+");
    }
}
