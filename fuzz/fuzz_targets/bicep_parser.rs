//! The Bicep parser on any text, as `.bicep` and as `.bicepparam`: it returns a tree and errors
//! whose spans lie inside the text; nothing panics, overflows the stack or hangs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for file in [
        armlint::source::bicep::parse(text),
        armlint::source::bicep::parse_params(text),
    ] {
        for e in &file.errors {
            assert!(e.span.start <= e.span.end && e.span.end as usize <= text.len());
        }
        // Walking the whole tree is bounded too.
        let _ = armlint::source::bicep::dump::dump(&file);
    }
});
