//! Recursive-descent parser for ARM expressions (the text between the outer brackets).
//!
//! Grammar (whitespace allowed between tokens):
//! ```text
//! expr    := primary ( '.' ident | '[' expr ']' )*
//! primary := string | number | 'true' | 'false' | 'null' | ident ( '.' ident )? '(' args? ')'
//! string  := "'" ( any char except "'" | "''" )* "'"
//! ```

use std::sync::Arc;

use super::{Call, Expr};

use crate::limits::EXPRESSION_DEPTH;
const TOO_DEEP: &str =
    "expression nested too deeply (more than 128 levels of calls, indexes and properties)";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset in the string that was given to [`parse_expression`], plus its `base`.
    pub offset: usize,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (at offset {})", self.message, self.offset)
    }
}

/// Parse an expression. `base` is added to every offset (the position of the text in its JSON string).
pub fn parse_expression(text: &str, base: usize) -> Result<Expr, ParseError> {
    run(text, base, true)
}

/// Check an expression parses, building nothing: the same grammar and errors as
/// [`parse_expression`], without its allocations.
pub fn validate_expression(text: &str, base: usize) -> Result<(), ParseError> {
    // Most texts are valid: a one-pass check says so at a fraction of the parse's cost.
    if super::quick_check::certainly_parses(text.as_bytes()) {
        return Ok(());
    }
    run(text, base, false).map(|_| ())
}

fn run(text: &str, base: usize, build: bool) -> Result<Expr, ParseError> {
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        pos: 0,
        base,
        depth: 0,
        build,
    };
    p.skip_ws();
    if p.pos >= p.s.len() {
        return Err(p.error("empty expression"));
    }
    let e = p.expr()?;
    p.skip_ws();
    if p.pos < p.s.len() {
        return Err(p.error(&format!(
            "unexpected '{}' after the expression",
            p.peek_char()
        )));
    }
    Ok(e)
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
    base: usize,
    depth: usize,
    /// False when only validating: nodes are `Expr::Null` placeholders.
    build: bool,
}

impl<'a> Parser<'a> {
    fn error(&self, msg: &str) -> ParseError {
        ParseError {
            offset: self.base + self.pos,
            message: msg.to_string(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn peek_char(&self) -> char {
        self.text
            .get(self.pos..)
            .and_then(|r| r.chars().next())
            .unwrap_or(' ')
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if c == b' ' || c == b'\t' || c == b'\n' || c == b'\r' {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn expect(&mut self, c: u8) -> Result<(), ParseError> {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else if self.pos >= self.s.len() {
            Err(self.error(&format!(
                "expected '{}' but the expression ended",
                c as char
            )))
        } else {
            Err(self.error(&format!(
                "expected '{}' but found '{}'",
                c as char,
                self.peek_char()
            )))
        }
    }

    fn expr(&mut self) -> Result<Expr, ParseError> {
        self.depth += 1;
        if self.depth > EXPRESSION_DEPTH {
            return Err(self.error(TOO_DEEP));
        }
        let mut e = self.primary()?;
        // Each accessor nests the tree one level deeper (evaluation and drop recurse through it),
        // so a chain counts toward the depth limit like nested calls do.
        let depth_before_chain = self.depth;
        loop {
            self.skip_ws();
            if matches!(self.peek(), Some(b'.' | b'[')) {
                self.depth += 1;
                if self.depth > EXPRESSION_DEPTH {
                    return Err(self.error(TOO_DEEP));
                }
            }
            match self.peek() {
                Some(b'.') => {
                    self.pos += 1;
                    self.skip_ws();
                    let Some(name) = self.ident() else {
                        return Err(self.error("expected a property name after '.'"));
                    };
                    if self.build {
                        let name = Box::<str>::from(name);
                        e = Expr::Member(Box::new(e), name);
                    }
                }
                Some(b'[') => {
                    self.pos += 1;
                    self.skip_ws();
                    let idx = self.expr()?;
                    self.expect(b']')?;
                    if self.build {
                        e = Expr::Index(Box::new(e), Box::new(idx));
                    }
                }
                _ => break,
            }
        }
        self.depth = depth_before_chain - 1;
        Ok(e)
    }

    fn ident(&mut self) -> Option<&'a str> {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == b'_' || c == b'$' {
                self.pos += 1;
            } else {
                break;
            }
        }
        if self.pos == start || self.s.get(start).is_some_and(u8::is_ascii_digit) {
            self.pos = start;
            return None;
        }
        let text: &'a str = self.text;
        text.get(start..self.pos)
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        self.skip_ws();
        match self.peek() {
            None => Err(self.error("expected a value but the expression ended")),
            Some(b'\'') => self.string(),
            Some(c) if c.is_ascii_digit() || c == b'-' || c == b'+' => self.number(),
            Some(_) => {
                let start = self.pos;
                let Some(first) = self.ident() else {
                    return Err(self.error(&format!("unexpected '{}'", self.peek_char())));
                };
                self.skip_ws();
                let mut namespace: Option<&str> = None;
                let mut name: &str = first;
                if self.peek() == Some(b'.') {
                    // `ns.func(` is a user-defined function; anything else is property access on a
                    // bare word, which ARM does not have.
                    let save = self.pos;
                    self.pos += 1;
                    self.skip_ws();
                    if let Some(second) = self.ident() {
                        self.skip_ws();
                        if self.peek() == Some(b'(') {
                            namespace = Some(name);
                            name = second;
                        } else {
                            self.pos = save;
                        }
                    } else {
                        self.pos = save;
                    }
                }
                if self.peek() != Some(b'(') {
                    if namespace.is_none() {
                        for (word, value) in [
                            ("true", Expr::Bool(true)),
                            ("false", Expr::Bool(false)),
                            ("null", Expr::Null),
                        ] {
                            if name.eq_ignore_ascii_case(word) {
                                return Ok(value);
                            }
                        }
                    }
                    return Err(ParseError {
                        offset: self.base + start,
                        message: format!("'{name}' must be followed by '(' (function call)"),
                    });
                }
                self.pos += 1;
                let mut args = Vec::with_capacity(if self.build { 3 } else { 0 });
                self.skip_ws();
                if self.peek() == Some(b')') {
                    self.pos += 1;
                } else {
                    loop {
                        let arg = self.expr()?;
                        if self.build {
                            args.push(arg);
                        }
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(b')') => {
                                self.pos += 1;
                                break;
                            }
                            None => {
                                return Err(
                                    self.error("expected ',' or ')' but the expression ended")
                                );
                            }
                            Some(_) => {
                                return Err(self.error(&format!(
                                    "expected ',' or ')' but found '{}'",
                                    self.peek_char()
                                )));
                            }
                        }
                    }
                }
                if !self.build {
                    return Ok(Expr::Null);
                }
                let kind = match namespace {
                    Some(_) => super::CallKind::NotBuiltin,
                    None => super::CallKind::resolve(name),
                };
                Ok(Expr::Call(Box::new(Call {
                    kind,
                    namespace: namespace.map(Box::from),
                    name: Box::from(name),
                    args,
                    start: (self.base + start) as u32,
                    end: (self.base + self.pos) as u32,
                })))
            }
        }
    }

    fn string(&mut self) -> Result<Expr, ParseError> {
        let open = self.pos;
        self.pos += 1;
        // Most literals have no `''` escape: take the text as it is.
        let rest = self.s.get(self.pos..).unwrap_or_default();
        if let Some(len) = rest.iter().position(|&b| b == b'\'')
            && rest.get(len + 1) != Some(&b'\'')
        {
            let text = self.text.get(self.pos..self.pos + len).unwrap_or("");
            self.pos += len + 1;
            return Ok(if self.build {
                Expr::String(Arc::from(text))
            } else {
                Expr::Null
            });
        }
        let mut out = String::new();
        let mut seg_start = self.pos;
        loop {
            match self.peek() {
                None => {
                    return Err(ParseError {
                        offset: self.base + open,
                        message: "unterminated string literal".into(),
                    });
                }
                Some(b'\'') => {
                    out.push_str(self.text.get(seg_start..self.pos).unwrap_or(""));
                    if self.s.get(self.pos + 1) == Some(&b'\'') {
                        out.push('\'');
                        self.pos += 2;
                        seg_start = self.pos;
                    } else {
                        self.pos += 1;
                        return Ok(Expr::String(Arc::from(out)));
                    }
                }
                Some(_) => self.pos += 1,
            }
        }
    }

    fn number(&mut self) -> Result<Expr, ParseError> {
        let start = self.pos;
        if matches!(self.peek(), Some(b'-') | Some(b'+')) {
            self.pos += 1;
        }
        let digits = self.pos;
        while matches!(self.peek(), Some(c) if c.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.pos == digits {
            return Err(self.error("expected a digit"));
        }
        if self.peek() == Some(b'.') {
            return Err(self.error("ARM expressions only support integer literals"));
        }
        let t = self.text.get(start..self.pos).unwrap_or("");
        t.parse::<i64>().map(Expr::Int).map_err(|_| ParseError {
            offset: self.base + start,
            message: format!("integer literal '{t}' is out of range"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        parse_expression(s, 0).unwrap().canonical()
    }

    #[test]
    fn parses_calls_members_and_indexes() {
        assert_eq!(
            canon("concat(parameters('a'), 'b''c')"),
            "concat(parameters('a'), 'b''c')"
        );
        assert_eq!(
            canon("resourceGroup().location"),
            "resourcegroup().location"
        );
        assert_eq!(canon("variables('x')[0].id"), "variables('x')[0].id");
        assert_eq!(canon(" add( -1 , 2 ) "), "add(-1, 2)");
        assert_eq!(canon("contoso.unique('a')"), "contoso.unique('a')");
        assert_eq!(
            canon("createArray(true, false, null)"),
            "createarray(true, false, null)"
        );
    }

    #[test]
    fn reports_errors_with_offsets() {
        let e = parse_expression("concat('a'", 1).unwrap_err();
        assert_eq!(e.offset, 11);
        assert!(parse_expression("'abc", 0).is_err());
        assert!(parse_expression("foo", 0).is_err());
        assert!(parse_expression("a() b", 0).is_err());
        assert!(parse_expression("", 0).is_err());
        let deep = "a(".repeat(1000) + &")".repeat(1000);
        assert!(parse_expression(&deep, 0).is_err());
    }
}
