//! The expression language on any text: `[...]` parsed and evaluated outside a template. Parsing
//! either succeeds or gives an error; evaluation gives a value or an unknown, within the limits of
//! `src/limits.rs`; nothing panics, overflows the stack or allocates without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = armlint::arm::expr::validate_expression(text, 0);
    let mut ctx = armlint::arm::expr::StandaloneContext::default();
    let value = ctx.eval_str(&format!("[{text}]"));
    // Rendering the result is a walk of the whole value: it must be bounded too.
    let _ = format!("{value:?}");
});
