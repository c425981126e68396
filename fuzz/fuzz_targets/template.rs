//! Whole-template linting on any text: the file is parsed, expanded, graphed and every rule run,
//! as `armlint lint` does; a malformed file gives findings, never a panic.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source = Arc::new(armlint::source::SourceFile::new("fuzz.json", text));
    let opts = armlint::engine::LintOptions {
        evaluate_everything: true,
        ..Default::default()
    };
    let _ = armlint::engine::lint_template(&source, None, &[], &opts);
});
