//! String literals: the lexer's pieces (`'a${`, `}b${`, `}c'`) joined with the expressions
//! between them.

use super::lexer::{StrPiece, Tok};
use super::parser::Parser;
use super::syntax::{StringLit, StringPart};
use crate::source::Span;

/// The span of a piece's text: without its opening `'` or `}` and its closing `'` or `${`.
fn text_span(span: Span, piece: StrPiece, open: u32, close: u32) -> Span {
    let _ = piece;
    let start = span.start.saturating_add(open).min(span.end);
    let end = span.end.saturating_sub(close).max(start);
    Span { start, end }
}

fn push_text(parts: &mut Vec<StringPart>, text: &str, span: Span) {
    if !text.is_empty() {
        parts.push(StringPart::Text {
            text: text.to_string(),
            span,
        });
    }
}

impl Parser<'_> {
    /// Parses the string starting at the next token (which must be a string piece).
    pub fn string_lit(&mut self) -> Option<StringLit> {
        let first = self.bump();
        let start = first.span.start;
        let mut parts = Vec::new();
        match first.kind {
            Tok::MultilineStr(text) => {
                push_text(
                    &mut parts,
                    &text,
                    text_span(first.span, StrPiece::Complete, 3, 3),
                );
                return Some(StringLit {
                    span: first.span,
                    parts,
                    multiline: true,
                });
            }
            Tok::Str(StrPiece::Complete, text) => {
                push_text(
                    &mut parts,
                    &text,
                    text_span(first.span, StrPiece::Complete, 1, 1),
                );
            }
            Tok::Str(StrPiece::Left, text) => {
                push_text(
                    &mut parts,
                    &text,
                    text_span(first.span, StrPiece::Left, 1, 2),
                );
                self.interpolations(&mut parts);
            }
            _ => {
                self.error_at(first.span, "Expected a string at this location");
                return None;
            }
        }
        Some(StringLit {
            span: self.span_from(start),
            parts,
            multiline: false,
        })
    }

    /// After `'…${`: expression, then `}…${` (repeat) or `}…'`.
    fn interpolations(&mut self, parts: &mut Vec<StringPart>) {
        loop {
            // An interpolation ends on its line: a newline means the string is not terminated.
            let e = self.with_newlines(false, |p| p.expr());
            parts.push(StringPart::Expr(e));
            let next = self.with_newlines(false, |p| p.peek().clone());
            match next.kind {
                Tok::Str(StrPiece::Middle, text) => {
                    self.with_newlines(false, |p| p.bump());
                    push_text(parts, &text, text_span(next.span, StrPiece::Middle, 1, 2));
                }
                Tok::Str(StrPiece::Right, text) => {
                    self.with_newlines(false, |p| p.bump());
                    push_text(parts, &text, text_span(next.span, StrPiece::Right, 1, 1));
                    return;
                }
                _ => {
                    self.error_here(
                        "Expected the '}' that ends the string interpolation at this location",
                    );
                    return;
                }
            }
        }
    }
}
