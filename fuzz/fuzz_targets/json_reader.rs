//! The JSON reader on any bytes: the fast parser builds exactly the tree jsonc-parser builds
//! whenever it accepts a text, `parse` agrees with jsonc-parser always, errors lie inside the
//! text, and nothing panics or recurses without bound.
#![no_main]

use armlint::source::{fast_json, json};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let reference = json::parse_with_jsonc(text);
    if let Some(fast) = fast_json::parse(text) {
        assert_eq!(Ok(&fast), reference.as_ref(), "the fast parser differs");
    }
    let parsed = json::parse(text);
    assert_eq!(parsed, reference);
    if let Err(e) = parsed {
        assert!(e.span.start as usize <= text.len() && e.span.end as usize <= text.len());
    }
    let _ = json::parse_with_duplicate_keys(text);
});
