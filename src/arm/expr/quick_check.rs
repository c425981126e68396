//! A quick yes to "does this expression parse?", for the structure check that parses every
//! expression of a template (on the corpus, 69,000 texts the evaluator never parsed).
//!
//! One pass over the bytes with the open calls and brackets in the bits of a `u64`, where the
//! recursive parser pays a call, a depth check and a `Result` per node. It answers `true` only
//! for texts the parser accepts (the same grammar, see `parser.rs`), and `false` for anything
//! else, including what it does not try to judge: more than 63 calls, brackets and member
//! accesses (so the parser's depth limit cannot be reached by what it accepts) and integers of 19
//! digits or more (so none overflows). A `false` is not an error: the parser then decides, and
//! words the error.

/// At most this many `(`, `[` and `.` bytes: the open calls and brackets fit in a `u64`, and the
/// nesting stays far below `limits::EXPRESSION_DEPTH`.
const MAX_NESTING_BYTES: usize = 63;

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

/// The bytes of an identifier (`[A-Za-z0-9_$]`), as a table: identifiers are most of an
/// expression's bytes, and one load per byte costs less than the comparisons.
static IDENT: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        // A constant: an index past the table would stop the build, not a run.
        #[allow(clippy::indexing_slicing)]
        {
            t[c] = b.is_ascii_alphanumeric() || b == b'_' || b == b'$';
        }
        c += 1;
    }
    t
};

/// Where the identifier bytes from `i` end.
fn ident_bytes_end(s: &[u8], i: usize) -> usize {
    let rest = s.get(i..).unwrap_or_default();
    i + rest
        .iter()
        .position(|&c| !IDENT.get(usize::from(c)).copied().unwrap_or(false))
        .unwrap_or(rest.len())
}

/// True when `s` (the text between an expression's outer brackets) certainly parses.
pub fn certainly_parses(s: &[u8]) -> bool {
    // `(`, `[` and `.` seen outside strings (each opens at most one level of the parser's depth).
    let mut nesting_bytes = 0;
    let skip = |mut i: usize| {
        while s.get(i).copied().is_some_and(is_ws) {
            i += 1;
        }
        i
    };
    // An identifier at `i` (not starting with a digit): where it ends.
    let ident = |i: usize| {
        let j = ident_bytes_end(s, i);
        (j > i && !s.get(i).is_some_and(u8::is_ascii_digit)).then_some(j)
    };
    // Open calls (bit 1) and brackets (bit 0), innermost in the lowest bit.
    let mut frames: u64 = 0;
    let mut open = 0u32;
    let mut i = 0;
    'primary: loop {
        i = skip(i);
        match s.get(i).copied() {
            None => return false,
            Some(b'\'') => match string_end(s, i) {
                Some(end) => i = end,
                None => return false,
            },
            Some(c) if c.is_ascii_digit() || c == b'-' || c == b'+' => match number_end(s, i) {
                Some(end) => i = end,
                None => return false,
            },
            Some(_) => {
                let Some(end) = ident(i) else {
                    return false;
                };
                let mut at = skip(end);
                // `ns.func(`: a user-defined function's call.
                if s.get(at) == Some(&b'.')
                    && let Some(second) = ident(skip(at + 1))
                    && s.get(skip(second)) == Some(&b'(')
                {
                    at = skip(second);
                } else if s.get(at) != Some(&b'(') {
                    let word = s.get(i..end).unwrap_or_default();
                    if !(word.eq_ignore_ascii_case(b"true")
                        || word.eq_ignore_ascii_case(b"false")
                        || word.eq_ignore_ascii_case(b"null"))
                    {
                        return false;
                    }
                    at = end;
                }
                if s.get(at) == Some(&b'(') {
                    // The `.` of `ns.func` counts too: a bound that is never below the depth.
                    nesting_bytes += if at > skip(end) { 2 } else { 1 };
                    if nesting_bytes > MAX_NESTING_BYTES {
                        return false;
                    }
                    i = skip(at + 1);
                    if s.get(i) == Some(&b')') {
                        i += 1;
                    } else {
                        frames = frames << 1 | 1;
                        open += 1;
                        continue 'primary;
                    }
                } else {
                    i = at;
                }
            }
        }
        // Member accesses, indexes, and the ends of the calls and brackets this value closes.
        loop {
            i = skip(i);
            let next = s.get(i).copied();
            if matches!(next, Some(b'.' | b'[')) {
                nesting_bytes += 1;
                if nesting_bytes > MAX_NESTING_BYTES {
                    return false;
                }
            }
            match next {
                Some(b'.') => match ident(skip(i + 1)) {
                    Some(end) => i = end,
                    None => return false,
                },
                Some(b'[') => {
                    frames <<= 1;
                    open += 1;
                    i += 1;
                    continue 'primary;
                }
                next => {
                    if open == 0 {
                        return next.is_none();
                    }
                    let in_call = frames & 1 == 1;
                    match next {
                        Some(b',') if in_call => {
                            i += 1;
                            continue 'primary;
                        }
                        Some(b')') if in_call => {}
                        Some(b']') if !in_call => {}
                        _ => return false,
                    }
                    frames >>= 1;
                    open -= 1;
                    i += 1;
                }
            }
        }
    }
}

/// Where the string literal opening at `i` ends (`''` is a quote inside it), if it does.
fn string_end(s: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    loop {
        i += s.get(i..)?.iter().position(|&c| c == b'\'')? + 1;
        if s.get(i) != Some(&b'\'') {
            return Some(i);
        }
        i += 1;
    }
}

/// Where the integer at `i` ends: a sign, then fewer than 19 digits (so it fits an `i64`), and
/// no fraction.
fn number_end(s: &[u8], mut i: usize) -> Option<usize> {
    if matches!(s.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    let digits = i;
    while s.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    (i > digits && i - digits < 19 && s.get(i) != Some(&b'.')).then_some(i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arm::expr::parse_expression;

    #[test]
    fn accepts_what_parses() {
        for text in [
            "parameters('location')",
            " concat( 'a' , 'b''c', -1, +2 ) ",
            "resourceId('Microsoft.Network/virtualNetworks', variables('v'))[0].name",
            "ns.func(1)",
            "ns . func ( )",
            "true",
            "NULL.x",
            "f()[g()]['a'].b",
            "$x_1()",
            "'it''s'",
            "if(equals(1, 2), createArray(), json('{}').a)",
        ] {
            assert!(parse_expression(text, 0).is_ok(), "{text}");
            assert!(certainly_parses(text.as_bytes()), "{text}");
        }
    }

    #[test]
    fn never_accepts_what_does_not_parse() {
        for text in [
            "",
            "  ",
            "f(",
            "f(a,)",
            "f(1,2",
            "f(1]",
            "a[1)",
            "x",
            "a.b",
            "ns.x",
            "1.5",
            "12abc",
            "'open",
            "f() g()",
            "f().",
            "f().1",
            "9223372036854775808",
            "-",
            "[1]",
            "f()]",
            "f())",
        ] {
            assert!(parse_expression(text, 0).is_err(), "{text}");
            assert!(!certainly_parses(text.as_bytes()), "{text}");
        }
    }

    proptest::proptest! {
        /// On texts built from the grammar's tokens, a yes is always the parser's yes, and the
        /// usual shapes get one.
        #[test]
        fn a_yes_is_the_parsers_yes(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "f", "ns", "true", "null", "x1", "$a", "1", "-2", "19", "'s'", "'a''b'", "'",
                    "(", ")", "[", "]", ".", ",", " ", "\t", "0", "9999999999999999999", "é",
                ]),
                0..24,
            ),
        ) {
            let text = parts.concat();
            if certainly_parses(text.as_bytes()) {
                proptest::prop_assert!(parse_expression(&text, 0).is_ok(), "{}", text);
            }
        }
    }
}
