//! The Bicep front end's parser: `.bicep` and `.bicepparam` text to a syntax tree
//! ([`syntax::BicepFile`]). It knows nothing of ARM; the lowering does.
//!
//! A syntax error is recorded with its span and parsing resumes at the next line (or, inside an
//! object or array, at the next item), so one bad line does not hide the rest. Parsing never
//! panics; nesting is bounded by [`crate::limits::BICEP_DEPTH`].

pub mod dump;
mod lexer;
mod parse_expression;
mod parse_statement;
mod parse_string;
mod parse_type;
mod parser;
pub mod syntax;

pub use syntax::BicepFile;

/// Parses a `.bicep` file.
pub fn parse(text: &str) -> BicepFile {
    parse_with(text, false)
}

/// Parses a `.bicepparam` file (`using`, `param name = value`, …).
pub fn parse_params(text: &str) -> BicepFile {
    parse_with(text, true)
}

fn parse_with(text: &str, params_file: bool) -> BicepFile {
    let lexed = lexer::lex(text);
    let mut p = parser::Parser::new(text, lexed.tokens, params_file);
    let statements = p.statements();
    let mut errors = lexed.errors;
    errors.append(&mut p.errors);
    errors.sort_by_key(|e| (e.span.start, e.span.end));
    BicepFile {
        statements,
        comments: lexed.comments,
        errors,
    }
}
