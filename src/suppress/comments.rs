//! `// armlint-ignore RULE: reason` and `/* armlint-ignore RULE: reason */` in JSONC templates.
//! The scanner follows JSON strings so that `//` inside a string (a URL) is not a comment.

/// The directive's keyword; a comment whose text starts with it is a suppression.
pub const KEYWORD: &str = "armlint-ignore";

/// A comment that starts with [`KEYWORD`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IgnoreComment {
    /// Byte range of the whole comment (`//` … end of line, or `/*` … `*/`).
    pub start: usize,
    pub end: usize,
    /// The text after the keyword (without `*/`).
    pub body: String,
    /// Byte offset of the first JSON token after the comment (skipping blanks and other
    /// comments): the line it starts on is the line the directive applies to. `None` at the end.
    pub target: Option<usize>,
}

/// Every `armlint-ignore` comment of a document that parsed. One pass: a comment's target is the
/// first token the scan meets after it, so stacked comments cost nothing extra.
pub fn scan(text: &str) -> Vec<IgnoreComment> {
    let mut out: Vec<IgnoreComment> = Vec::new();
    if !text.contains(KEYWORD) {
        return out;
    }
    let bytes = text.as_bytes();
    // Directives still waiting for the token after them: out[waiting..].
    let mut waiting = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'/' if matches!(bytes.get(i + 1), Some(b'/' | b'*')) => {
                let (end, inner) = comment_at(text, i);
                if let Some(body) = directive_body(inner) {
                    out.push(IgnoreComment {
                        start: i,
                        end,
                        body: body.to_string(),
                        target: None,
                    });
                }
                i = end;
                continue;
            }
            b if b.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            _ => {}
        }
        for c in out.get_mut(waiting..).into_iter().flatten() {
            c.target = Some(i);
        }
        waiting = out.len();
        i = if b == b'"' {
            skip_string(bytes, i)
        } else {
            i + 1
        };
    }
    out
}

/// The offset after the string that opens at `start` (raw line breaks are part of the string,
/// as Azure reads them; an unterminated string ends the text).
fn skip_string(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The end of the comment at `start` and its text between the delimiters.
fn comment_at(text: &str, start: usize) -> (usize, &str) {
    let rest = text.get(start + 2..).unwrap_or("");
    if text.as_bytes().get(start + 1) == Some(&b'/') {
        // Any line break ends it (LF, CRLF, a lone CR), as the JSON reader ends it.
        let len = rest.find(['\n', '\r']).unwrap_or(rest.len());
        let inner = rest.get(..len).unwrap_or("");
        (start + 2 + inner.len(), inner)
    } else {
        match rest.find("*/") {
            Some(len) => (start + 2 + len + 2, rest.get(..len).unwrap_or("")),
            None => (text.len(), rest),
        }
    }
}

/// The text after the keyword, when the comment is a directive (`* ` of a block comment's
/// decoration allowed before it).
fn directive_body(inner: &str) -> Option<&str> {
    let t = inner.trim_start().trim_start_matches('*').trim_start();
    let rest = t.strip_prefix(KEYWORD)?;
    // `armlint-ignored` or `armlint-ignore-file` are other words.
    match rest.chars().next() {
        None => Some(rest),
        Some(c) if c.is_whitespace() || c == ':' => Some(rest),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_line_and_block_directives_but_not_strings() {
        let text = "{\n  \"url\": \"http://x // armlint-ignore CRG011: not a comment\",\n  // armlint-ignore CRG011: line\n  \"a\": 1,\n  /* armlint-ignore CRG013,\n     CRG011: block */ \"b\": \"/* armlint-ignore X: no */\"\n}";
        let found = scan(text);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].body.trim(), "CRG011: line");
        let a = text.find("\"a\"").unwrap();
        assert_eq!(found[0].target, Some(a));
        assert!(found[1].body.contains("CRG013,\n     CRG011: block"));
        assert_eq!(found[1].target, text.find("\"b\""));
        assert_eq!(
            &text[found[1].start..found[1].end].chars().last(),
            &Some('/')
        );
    }

    #[test]
    fn escaped_quotes_stacked_comments_and_other_words() {
        let text = "{\"a\": \"say \\\"// armlint-ignore X: no\\\"\",\r\n// armlint-ignore A: one\r\n// armlint-ignore B: two\r\n\r\n\"b\": 2, // armlint-ignored\n/** armlint-ignore-file X: no */ \"c\": 3}";
        let found = scan(text);
        assert_eq!(found.len(), 2, "{found:?}");
        // Stacked comments apply to the same token; CR is not part of the comment.
        let b = text.find("\"b\"").unwrap();
        assert_eq!(found[0].target, Some(b));
        assert_eq!(found[1].target, Some(b));
        assert_eq!(found[0].body, " A: one");
    }

    #[test]
    fn unterminated_constructs_end_the_scan() {
        for text in [
            "/* armlint-ignore X: r",
            "// armlint-ignore X: r",
            "\"abc // armlint-ignore",
            "\"\\",
        ] {
            let _ = scan(text);
        }
        assert_eq!(scan("/* armlint-ignore X: r").len(), 1);
        assert_eq!(scan("/* armlint-ignore X: r")[0].target, None);
    }
}
