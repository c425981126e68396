//! The token cursor the construct parsers share: lookahead, newline handling, error recording,
//! recovery and the nesting bound.

use super::lexer::{Tok, Token};
use super::syntax::{Ident, SyntaxError};
use crate::limits::BICEP_DEPTH;
use crate::source::Span;

pub struct Parser<'a> {
    pub text: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    pub errors: Vec<SyntaxError>,
    depth: usize,
    /// Inside `( … )` and `[ … ]` index brackets newlines do not end anything; inside `{ … }`
    /// and array literals they separate items. The top entry says which applies.
    skip_newlines: Vec<bool>,
    /// Whether this file is a `.bicepparam` file.
    pub params_file: bool,
}

/// A parse that went too deep: the caller stops and unwinds (the error is already recorded).
#[derive(Debug)]
pub struct TooDeep;

impl<'a> Parser<'a> {
    pub fn new(text: &'a str, tokens: Vec<Token>, params_file: bool) -> Parser<'a> {
        Parser {
            text,
            tokens,
            pos: 0,
            errors: Vec::new(),
            depth: 0,
            skip_newlines: Vec::new(),
            params_file,
        }
    }

    fn raw(&self, i: usize) -> &Token {
        // The token list always ends with Eof; past it, Eof again.
        self.tokens
            .get(i)
            .or_else(|| self.tokens.last())
            .unwrap_or(&EOF)
    }

    fn skipping(&self) -> bool {
        self.skip_newlines.last().copied().unwrap_or(false)
    }

    fn settle(&mut self) {
        if self.skipping() {
            while self.raw(self.pos).kind == Tok::NewLine {
                self.pos += 1;
            }
        }
    }

    /// The next significant token (newlines are significant unless inside parentheses).
    pub fn peek(&mut self) -> &Token {
        self.settle();
        self.raw(self.pos)
    }

    pub fn peek_kind(&mut self) -> Tok {
        self.peek().kind.clone()
    }

    /// The `n`th significant token after the next one.
    pub fn peek_nth(&mut self, n: usize) -> &Token {
        self.settle();
        let skipping = self.skipping();
        let mut i = self.pos;
        let mut left = n;
        loop {
            if skipping {
                while self.raw(i).kind == Tok::NewLine {
                    i += 1;
                }
            }
            if left == 0 || self.raw(i).kind == Tok::Eof {
                return self.raw(i);
            }
            i += 1;
            left -= 1;
        }
    }

    pub fn at(&mut self, kind: &Tok) -> bool {
        &self.peek().kind == kind
    }

    pub fn at_ident(&mut self, name: &str) -> bool {
        let t = self.peek().clone();
        t.kind == Tok::Ident && self.text_of(t.span) == name
    }

    pub fn text_of(&self, span: Span) -> &'a str {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or_default()
    }

    pub fn bump(&mut self) -> Token {
        self.settle();
        let t = self.raw(self.pos).clone();
        if t.kind != Tok::Eof {
            self.pos += 1;
        }
        t
    }

    pub fn eat(&mut self, kind: &Tok) -> Option<Token> {
        if self.at(kind) {
            Some(self.bump())
        } else {
            None
        }
    }

    /// End of the last consumed token.
    pub fn last_end(&self) -> u32 {
        self.pos
            .checked_sub(1)
            .and_then(|i| self.tokens.get(i))
            .map_or(0, |t| t.span.end)
    }

    pub fn start(&mut self) -> u32 {
        self.peek().span.start
    }

    pub fn span_from(&self, start: u32) -> Span {
        Span {
            start,
            end: self.last_end().max(start),
        }
    }

    pub fn error_at(&mut self, span: Span, message: impl Into<String>) {
        self.errors.push(SyntaxError {
            span,
            message: message.into(),
        });
    }

    /// Records "expected …" at the next token (without consuming it).
    pub fn error_here(&mut self, message: impl Into<String>) {
        let span = self.peek().span;
        self.error_at(span, message);
    }

    pub fn expect(&mut self, kind: &Tok, what: &str) -> Option<Token> {
        let found = self.eat(kind);
        if found.is_none() {
            self.error_here(format!("Expected {what} at this location"));
        }
        found
    }

    pub fn expect_ident(&mut self, what: &str) -> Option<Ident> {
        if self.at(&Tok::Ident) {
            let t = self.bump();
            Some(Ident {
                name: self.text_of(t.span).to_string(),
                span: t.span,
            })
        } else {
            self.error_here(format!("Expected {what} at this location"));
            None
        }
    }

    /// Runs `f` with newlines insignificant (`true`) or significant (`false`).
    pub fn with_newlines<T>(&mut self, skip: bool, f: impl FnOnce(&mut Self) -> T) -> T {
        self.skip_newlines.push(skip);
        let out = f(self);
        self.skip_newlines.pop();
        out
    }

    /// Raw position, to check that a loop made progress.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Enters one level of nesting; past [`BICEP_DEPTH`] records one error and jumps to the end
    /// of the input, so every caller unwinds at once.
    pub fn enter(&mut self) -> Result<(), TooDeep> {
        if self.depth >= BICEP_DEPTH {
            let span = self.peek().span;
            self.error_at(
                span,
                format!("The expression is nested more than {BICEP_DEPTH} levels deep"),
            );
            self.pos = self.tokens.len().saturating_sub(1);
            return Err(TooDeep);
        }
        self.depth += 1;
        Ok(())
    }

    pub fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Skips to the next newline (or `stop` token, or Eof), brackets or not, as Bicep's own
    /// recovery does (so the next line is parsed afresh); the newline is left for the caller.
    pub fn recover(&mut self, stop: &[Tok]) {
        loop {
            let kind = &self.raw(self.pos).kind;
            if matches!(kind, Tok::Eof | Tok::NewLine) || stop.contains(kind) {
                return;
            }
            self.pos += 1;
        }
    }

    /// Whether the next token after any newlines is a resource or module body's start (`{`,
    /// `[` or `if`): such a body may begin on the line after `=`.
    pub fn body_follows_newlines(&mut self) -> bool {
        let mut i = self.pos;
        while self.raw(i).kind == Tok::NewLine {
            i += 1;
        }
        let t = self.raw(i);
        matches!(t.kind, Tok::LBrace | Tok::LBracket)
            || (t.kind == Tok::Ident && self.text_of(t.span) == "if")
    }

    /// If the first token after any newlines is `kind`, skips the newlines and returns true
    /// (a ternary may continue on the next line with `?` or `:`).
    pub fn continues_with(&mut self, kind: &Tok) -> bool {
        let mut i = self.pos;
        while self.raw(i).kind == Tok::NewLine {
            i += 1;
        }
        if &self.raw(i).kind == kind {
            self.pos = i;
            true
        } else {
            false
        }
    }

    /// Whether the `(` at the next token opens a lambda's parameter list: its matching `)` is
    /// followed by `=>`. One linear scan of raw tokens (newlines do not matter inside).
    pub fn paren_is_lambda(&mut self) -> bool {
        self.settle();
        let mut depth = 0usize;
        let mut i = self.pos;
        loop {
            match self.raw(i).kind {
                Tok::LParen => depth += 1,
                Tok::RParen => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        let mut j = i + 1;
                        while self.raw(j).kind == Tok::NewLine {
                            j += 1;
                        }
                        return self.raw(j).kind == Tok::Arrow;
                    }
                }
                Tok::Eof => return false,
                _ => {}
            }
            i += 1;
        }
    }

    /// Whether an error was already recorded at the next token (to report one error per place).
    pub fn error_already_here(&mut self) -> bool {
        let at = self.peek().span.start;
        self.errors.last().is_some_and(|e| e.span.start == at)
    }

    /// Skips raw newline tokens regardless of context (between items and statements).
    pub fn skip_blank_lines(&mut self) {
        while self.raw(self.pos).kind == Tok::NewLine {
            self.pos += 1;
        }
    }
}

static EOF: Token = Token {
    kind: Tok::Eof,
    span: Span { start: 0, end: 0 },
};
