//! The expression language on any text: `[...]` parsed and evaluated outside a template. Parsing
//! either succeeds or gives an error; evaluation gives a value or an unknown, within the limits of
//! `src/limits.rs`; nothing panics, overflows the stack or allocates without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The validator (with its one-pass quick check) accepts exactly what the parser builds, with
    // the same error.
    let validated = armlint::arm::expr::validate_expression(text, 0);
    let parsed = armlint::arm::expr::parse_expression(text, 0).map(|_| ());
    assert_eq!(validated, parsed, "validation and parsing disagree");
    let mut ctx = armlint::arm::expr::StandaloneContext::default();
    let value = ctx.eval_str(&format!("[{text}]"));
    // Rendering the result is a walk of the whole value: it must be bounded too.
    let _ = format!("{value:?}");
});
