//! Bicep tokens with byte spans. Newlines are tokens (they end statements and separate object
//! and array items); comments and `#disable-…` pragmas go to a side list. A string with `${…}`
//! is lexed as pieces (`'a${` … `}b${` … `}c'`), the lexer tracking which `}` closes an
//! interpolation, so the parser sees the expressions inside as ordinary tokens.

use super::syntax::{Comment, CommentKind, SyntaxError};
use crate::source::Span;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrPiece {
    /// `'…'` with no interpolation.
    Complete,
    /// `'…${`
    Left,
    /// `}…${`
    Middle,
    /// `}…'`
    Right,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    Ident,
    Int,
    /// A string piece with its decoded text (shared, so that look-ahead clones are cheap).
    Str(StrPiece, Arc<str>),
    /// `'''…'''`, text verbatim.
    MultilineStr(Arc<str>),
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    LParen,
    RParen,
    Comma,
    Dot,
    Colon,
    /// `::` (a nested resource of a resource symbol)
    DoubleColon,
    Question,
    DoubleQuestion,
    Assign,
    Eq,
    NotEq,
    EqI,
    NotEqI,
    Less,
    LessEq,
    Greater,
    GreaterEq,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Bang,
    And,
    Or,
    Arrow,
    At,
    Ellipsis,
    Pipe,
    /// `^` (an index from the end: `a[^1]`)
    Caret,
    NewLine,
    /// A character Bicep does not know (already reported).
    Unknown,
    Eof,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: Tok,
    pub span: Span,
}

pub struct Lexed {
    pub tokens: Vec<Token>,
    pub comments: Vec<Comment>,
    pub errors: Vec<SyntaxError>,
}

struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    out: Lexed,
    /// One entry per open `${`: how many `{` opened inside it are still unclosed, and for a
    /// `$'''` multi-line string how many `$` open its interpolations (0 for a `'…'` string).
    interpolations: Vec<(u32, usize)>,
    /// Only whitespace since the last line break (a `#` pragma must start its line).
    line_start: bool,
}

pub fn lex(text: &str) -> Lexed {
    let mut lx = Lexer {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        out: Lexed {
            tokens: Vec::with_capacity(text.len() / 4 + 1),
            comments: Vec::new(),
            errors: Vec::new(),
        },
        interpolations: Vec::new(),
        line_start: true,
    };
    while lx.pos < lx.bytes.len() {
        lx.next_token();
    }
    let end = text.len();
    lx.out.tokens.push(Token {
        kind: Tok::Eof,
        span: Span::new(end, end),
    });
    lx.out
}

/// Bicep's limit on an identifier's length (its compiler rejects longer ones).
const IDENTIFIER_CHARS: usize = 255;

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl Lexer<'_> {
    fn at(&self, offset: usize) -> u8 {
        self.bytes.get(self.pos + offset).copied().unwrap_or(0)
    }

    fn push(&mut self, kind: Tok, start: usize) {
        self.out.tokens.push(Token {
            kind,
            span: Span::new(start, self.pos),
        });
    }

    fn error(&mut self, start: usize, end: usize, message: &str) {
        self.out.errors.push(SyntaxError {
            span: Span::new(start, end),
            message: message.to_string(),
        });
    }

    fn next_token(&mut self) {
        let start = self.pos;
        let b = self.at(0);
        let was_line_start = self.line_start;
        self.line_start = false;
        match b {
            b' ' | b'\t' => {
                self.pos += 1;
                self.line_start = was_line_start;
            }
            b'\r' | b'\n' => {
                self.pos += if b == b'\r' && self.at(1) == b'\n' {
                    2
                } else {
                    1
                };
                self.push(Tok::NewLine, start);
                self.line_start = true;
            }
            b'/' if self.at(1) == b'/' => self.line_comment(),
            b'/' if self.at(1) == b'*' => self.block_comment(was_line_start),
            b'#' if was_line_start => self.pragma(),
            b'\'' => self.string(start),
            b'}' if self.interpolations.last().is_some_and(|i| i.0 == 0) => {
                let dollars = self.interpolations.pop().map_or(0, |i| i.1);
                self.pos += 1;
                if dollars == 0 {
                    self.string_piece(start, StrPiece::Middle);
                } else {
                    self.interpolated_multiline_piece(start, dollars, false);
                }
            }
            b'$' if self.dollar_multiline().is_some() => {
                let dollars = self.dollar_multiline().unwrap_or(1);
                self.pos += dollars + 3;
                self.interpolated_multiline_piece(start, dollars, true);
            }
            b'0'..=b'9' => {
                while self.at(0).is_ascii_digit() {
                    self.pos += 1;
                }
                self.push(Tok::Int, start);
            }
            b if is_ident_start(b) => {
                while is_ident_char(self.at(0)) {
                    self.pos += 1;
                }
                if self.pos - start > IDENTIFIER_CHARS {
                    self.error(start, self.pos, "The identifier exceeds the limit of 255. Reduce the length of the identifier");
                }
                self.push(Tok::Ident, start);
            }
            _ => self.symbol(start),
        }
    }

    fn symbol(&mut self, start: usize) {
        let (kind, len) = match (self.at(0), self.at(1)) {
            (b'{', _) => {
                if let Some(top) = self.interpolations.last_mut() {
                    top.0 = top.0.saturating_add(1);
                }
                (Tok::LBrace, 1)
            }
            // Inside a hole, a `}` after a `{` never closes the hole again: the compiler's lexer
            // keeps the brace it pushed (baselines/InvalidParameters: `'${{this: doesnt}.work}'`
            // ends the hole nowhere, and the last `'` opens an unterminated string).
            (b'}', _) => (Tok::RBrace, 1),
            (b'[', _) => (Tok::LBracket, 1),
            (b']', _) => (Tok::RBracket, 1),
            (b'(', _) => (Tok::LParen, 1),
            (b')', _) => (Tok::RParen, 1),
            (b',', _) => (Tok::Comma, 1),
            (b'.', b'.') if self.at(2) == b'.' => (Tok::Ellipsis, 3),
            (b'.', _) => (Tok::Dot, 1),
            (b':', b':') => (Tok::DoubleColon, 2),
            (b':', _) => (Tok::Colon, 1),
            (b'?', b'?') => (Tok::DoubleQuestion, 2),
            (b'?', _) => (Tok::Question, 1),
            (b'=', b'=') => (Tok::Eq, 2),
            (b'=', b'~') => (Tok::EqI, 2),
            (b'=', b'>') => (Tok::Arrow, 2),
            (b'=', _) => (Tok::Assign, 1),
            (b'!', b'=') => (Tok::NotEq, 2),
            (b'!', b'~') => (Tok::NotEqI, 2),
            (b'!', _) => (Tok::Bang, 1),
            (b'<', b'=') => (Tok::LessEq, 2),
            (b'<', _) => (Tok::Less, 1),
            (b'>', b'=') => (Tok::GreaterEq, 2),
            (b'>', _) => (Tok::Greater, 1),
            (b'+', _) => (Tok::Plus, 1),
            (b'-', _) => (Tok::Minus, 1),
            (b'*', _) => (Tok::Star, 1),
            (b'/', _) => (Tok::Slash, 1),
            (b'%', _) => (Tok::Percent, 1),
            (b'&', b'&') => (Tok::And, 2),
            (b'|', b'|') => (Tok::Or, 2),
            (b'|', _) => (Tok::Pipe, 1),
            (b'@', _) => (Tok::At, 1),
            (b'^', _) => (Tok::Caret, 1),
            _ => (Tok::Unknown, self.char_len()),
        };
        self.pos += len;
        if kind == Tok::Unknown {
            self.error(start, self.pos, "This character is not recognized in Bicep");
        }
        self.push(kind, start);
    }

    /// Length of the (possibly multi-byte) character at `pos`, at least 1.
    fn char_len(&self) -> usize {
        self.text
            .get(self.pos..)
            .and_then(|s| s.chars().next())
            .map_or(1, char::len_utf8)
    }

    fn skip_to_line_end(&mut self) {
        while !matches!(self.at(0), b'\n' | b'\r') && self.pos < self.bytes.len() {
            self.pos += 1;
        }
    }

    fn line_comment(&mut self) {
        let start = self.pos;
        self.skip_to_line_end();
        self.comment(start, CommentKind::Line);
    }

    /// `#disable-next-line code…` (or `#disable-diagnostics`): the directive name must follow
    /// the `#` directly and at least one code must follow it after whitespace.
    fn pragma(&mut self) {
        let start = self.pos;
        self.skip_to_line_end();
        let line = self.text.get(start + 1..self.pos).unwrap_or_default();
        let name_len = line
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or(line.len());
        let (name, rest) = line.split_at(name_len);
        if !matches!(
            name,
            "disable-next-line" | "disable-diagnostics" | "restore-diagnostics"
        ) {
            self.error(
                start,
                start + 1,
                "The following token is not recognized: \"#\"",
            );
        } else if !rest.starts_with([' ', '\t']) || rest.trim().is_empty() {
            self.error(start, self.pos, "Expected at least one diagnostic code at this location. Valid format is \"#disable-next-line diagnosticCode1 diagnosticCode2 ...\"");
        }
        self.comment(start, CommentKind::Pragma);
    }

    fn comment(&mut self, start: usize, kind: CommentKind) {
        self.out.comments.push(Comment {
            span: Span::new(start, self.pos),
            kind,
        });
    }

    fn block_comment(&mut self, was_line_start: bool) {
        let start = self.pos;
        self.pos += 2;
        let found = self.text.get(self.pos..).and_then(|rest| rest.find("*/"));
        match found {
            Some(i) => self.pos += i + 2,
            None => {
                self.pos = self.bytes.len();
                self.error(start, self.pos, "The multi-line comment at this location is not terminated. Terminate it with the */ character sequence");
            }
        }
        // A `#` pragma may not follow a comment on its line.
        let _ = was_line_start;
        self.comment(start, CommentKind::Block);
    }

    fn string(&mut self, start: usize) {
        if self.at(1) == b'\'' && self.at(2) == b'\'' {
            return self.multiline_string(start);
        }
        self.pos += 1;
        self.string_piece(start, StrPiece::Complete);
    }

    fn multiline_string(&mut self, start: usize) {
        self.pos += 3;
        let body = self.pos;
        let found = self.text.get(body..).and_then(|rest| rest.find("'''"));
        let text = match found {
            Some(i) => {
                // Bicep takes a run of quotes at the end as content followed by the closing three.
                let mut end = body + i + 3;
                while self.bytes.get(end) == Some(&b'\'') {
                    end += 1;
                }
                self.pos = end;
                self.text.get(body..end - 3).unwrap_or_default()
            }
            None => {
                self.pos = self.bytes.len();
                self.error(start, self.pos, "The multi-line string at this location is not terminated. Terminate it with \"'''\"");
                self.text.get(body..).unwrap_or_default()
            }
        };
        // A line break right after the opening quotes is not part of the value.
        let text = text
            .strip_prefix("\r\n")
            .or_else(|| text.strip_prefix('\n'))
            .unwrap_or(text)
            .to_string();
        self.push(Tok::MultilineStr(text.into()), start);
    }

    /// `$'''` (or `$$'''`, …) at `pos`: the number of `$`.
    fn dollar_multiline(&self) -> Option<usize> {
        let rest = self.bytes.get(self.pos..)?;
        let dollars = rest.iter().take_while(|b| **b == b'$').count();
        rest.get(dollars..)?.starts_with(b"'''").then_some(dollars)
    }

    /// Text of a `$'''` string after its opening (`first`) or after an interpolation's `}`, up
    /// to the next `$…{` (as many `$` as opened the string) or the closing `'''`.
    fn interpolated_multiline_piece(&mut self, start: usize, dollars: usize, first: bool) {
        let body = self.pos;
        let open: Vec<u8> = std::iter::repeat_n(b'$', dollars).chain([b'{']).collect();
        let end_kind = if first {
            StrPiece::Complete
        } else {
            StrPiece::Right
        };
        loop {
            let rest = self.bytes.get(self.pos..).unwrap_or_default();
            if rest.is_empty() {
                self.error(start, self.pos, "The multi-line string at this location is not terminated. Terminate it with \"'''\"");
                break;
            }
            if rest.starts_with(b"'''") {
                let text = self
                    .text
                    .get(body..self.pos)
                    .unwrap_or_default()
                    .to_string();
                self.pos += 3;
                return self.push(Tok::Str(end_kind, text.into()), start);
            }
            if rest.starts_with(&open) {
                let text = self
                    .text
                    .get(body..self.pos)
                    .unwrap_or_default()
                    .to_string();
                self.pos += open.len();
                self.interpolations.push((0, dollars));
                let kind = if first {
                    StrPiece::Left
                } else {
                    StrPiece::Middle
                };
                return self.push(Tok::Str(kind, text.into()), start);
            }
            self.pos += 1;
            while self.pos < self.bytes.len() && !self.text.is_char_boundary(self.pos) {
                self.pos += 1;
            }
        }
        let text = self
            .text
            .get(body..self.pos)
            .unwrap_or_default()
            .to_string();
        self.push(Tok::Str(end_kind, text.into()), start);
    }

    /// Lexes string text after `'` (`first` = Complete) or after an interpolation's `}`
    /// (`first` = Middle), up to `'`, `${` or the end of the line.
    fn string_piece(&mut self, start: usize, first: StrPiece) {
        let mut text = String::new();
        loop {
            match self.at(0) {
                b'\'' => {
                    self.pos += 1;
                    let kind = if first == StrPiece::Complete {
                        StrPiece::Complete
                    } else {
                        StrPiece::Right
                    };
                    return self.push(Tok::Str(kind, text.into()), start);
                }
                b'$' if self.at(1) == b'{' => {
                    self.pos += 2;
                    self.interpolations.push((0, 0));
                    let kind = if first == StrPiece::Complete {
                        StrPiece::Left
                    } else {
                        StrPiece::Middle
                    };
                    return self.push(Tok::Str(kind, text.into()), start);
                }
                b'\\' => self.escape(&mut text),
                b'\n' | b'\r' | 0 if self.pos >= self.bytes.len() || self.at(0) != 0 => {
                    self.error(start, self.pos, "The string at this location is not terminated. Terminate the string with a single quote character");
                    let kind = if first == StrPiece::Complete {
                        StrPiece::Complete
                    } else {
                        StrPiece::Right
                    };
                    return self.push(Tok::Str(kind, text.into()), start);
                }
                _ => {
                    let len = self.char_len();
                    text.push_str(self.text.get(self.pos..self.pos + len).unwrap_or_default());
                    self.pos += len;
                }
            }
        }
    }

    fn escape(&mut self, text: &mut String) {
        let start = self.pos;
        let decoded = match self.at(1) {
            b'\\' => Some('\\'),
            b'\'' => Some('\''),
            b'n' => Some('\n'),
            b'r' => Some('\r'),
            b't' => Some('\t'),
            b'$' => Some('$'),
            b'u' if self.at(2) == b'{' => return self.unicode_escape(text),
            _ => None,
        };
        match decoded {
            Some(c) => {
                text.push(c);
                self.pos += 2;
            }
            None => {
                // Keep the backslash; the next character is lexed as string text (or ends it).
                self.pos += 1;
                let end = (self.pos + 1).min(self.bytes.len());
                self.error(start, end, "The specified escape sequence is not recognized. Only the following escape sequences are allowed: \\$, \\', \\\\, \\n, \\r, \\t, \\u{...}");
            }
        }
    }

    fn unicode_escape(&mut self, text: &mut String) {
        let start = self.pos;
        self.pos += 3;
        let digits = self.pos;
        while self.at(0).is_ascii_hexdigit() {
            self.pos += 1;
        }
        let hex = self.text.get(digits..self.pos).unwrap_or_default();
        let value = if hex.is_empty() || hex.len() > 6 {
            None
        } else {
            // A lone surrogate (Bicep strings are UTF-16) has no char: the replacement one.
            u32::from_str_radix(hex, 16)
                .ok()
                .filter(|v| *v <= 0x10FFFF)
                .map(|v| char::from_u32(v).unwrap_or('\u{FFFD}'))
        };
        match (value, self.at(0)) {
            (Some(c), b'}') => {
                self.pos += 1;
                text.push(c);
            }
            _ => self.error(start, self.pos, "The Unicode escape sequence is not valid. Valid Unicode escape sequences range from \\u{0} to \\u{10FFFF}"),
        }
    }
}
