//! The layout follows the pipeline: each top-level module of `src/` imports (`crate::…`) only
//! from modules before it in [`PIPELINE`], so the code can be read in the order data flows; and
//! jsonc-parser's tree is named only inside `source/`; and no function is longer than
//! [`MAX_FUNCTION_LINES`].

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code: a panic is a failing test

use std::path::{Path, PathBuf};

/// `src/`'s top-level modules in pipeline order. Leaves first (limits, calendar), then source
/// (text, spans, JSON) → arm (values, expressions, functions, templates, graph) → discover (finding
/// templates) → capacity (the capacity model) → diagnostic → rules → suppress → engine → baseline
/// → emit → config → lsp → cli. `alloc` is the global allocator and imports nothing.
const PIPELINE: &[&str] = &[
    "limits",
    "alloc",
    "calendar",
    "source",
    "arm",
    "discover",
    "capacity",
    "diagnostic",
    "rules",
    "suppress",
    "engine",
    "baseline",
    "emit",
    "config",
    "lsp",
    "cli",
];

/// About what fits on a screen and a half; longer functions are split by job.
const MAX_FUNCTION_LINES: usize = 120;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("src readable") {
        let path = e.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`arm` for `src/arm/expr/eval.rs`).
fn module_of(path: &Path) -> Option<String> {
    let rel = path.strip_prefix(src()).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    Some(first.trim_end_matches(".rs").to_string())
}

/// Every `crate::name` a file mentions outside its tests: `use` lines and paths in code alike.
fn crate_references(text: &str) -> Vec<(usize, String)> {
    let code = text.split("#[cfg(test)]").next().unwrap_or(text);
    let mut out = Vec::new();
    for (n, line) in code.lines().enumerate() {
        let line = line.split("//").next().unwrap_or(line);
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push((n + 1, name));
            }
            rest = after;
        }
    }
    out
}

#[test]
fn modules_import_only_from_earlier_pipeline_stages() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    files.sort();
    let rank = |m: &str| PIPELINE.iter().position(|p| *p == m);
    let mut wrong = Vec::new();
    for file in &files {
        let Some(module) = module_of(file) else {
            continue;
        };
        if module == "lib" || module == "main" {
            continue;
        }
        let own = rank(&module).unwrap_or_else(|| {
            panic!("src/{module} is not in the pipeline order of tests/layout.rs")
        });
        let text = std::fs::read_to_string(file).expect("readable");
        for (line, used) in crate_references(&text) {
            // Only modules have a place in the pipeline (`crate::declare_rule!` is a macro).
            if used == module
                || !src().join(&used).exists() && !src().join(format!("{used}.rs")).exists()
            {
                continue;
            }
            match rank(&used) {
                Some(r) if r < own => {}
                _ => wrong.push(format!(
                    "{}:{line}: {module} uses crate::{used}, which comes after it",
                    file.display()
                )),
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the pipeline:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_main_binary_uses_only_the_library() {
    let main = std::fs::read_to_string(src().join("main.rs")).expect("main.rs");
    assert!(
        !main.lines().any(|l| l.trim_start().starts_with("mod ")),
        "src/main.rs declares no modules of its own: the library holds the code"
    );
}

/// Brace-matched length of every `fn` item, skipping string and char literals and comments.
fn long_functions(path: &Path, text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let trimmed = lines[i].trim_start();
        let is_fn = [
            "fn ",
            "pub fn ",
            "pub(crate) fn ",
            "pub(super) fn ",
            "const fn ",
            "pub const fn ",
        ]
        .iter()
        .any(|p| trimmed.starts_with(p));
        if !is_fn {
            i += 1;
            continue;
        }
        let (mut depth, mut started, mut j) = (0i32, false, i);
        'scan: while j < lines.len() {
            let code = strip_literals(lines[j]);
            for ch in code.chars() {
                match ch {
                    '{' => {
                        depth += 1;
                        started = true;
                    }
                    '}' => depth -= 1,
                    ';' if !started => break 'scan,
                    _ => {}
                }
                if started && depth == 0 {
                    break 'scan;
                }
            }
            j += 1;
        }
        let len = j - i + 1;
        if started && len > MAX_FUNCTION_LINES {
            out.push(format!("{}:{}: {len} lines", path.display(), i + 1));
        }
        i += 1;
    }
    out
}

/// A line without its string and char literals and its `//` comment.
fn strip_literals(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                while let Some(d) = chars.next() {
                    match d {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '\'' => {
                // A char literal ('x', '\n', '{') or a lifetime ('a): skip only the former.
                let rest: String = chars.clone().take(3).collect();
                if rest.starts_with('\\') {
                    for d in chars.by_ref() {
                        if d == '\'' {
                            break;
                        }
                    }
                } else if rest.chars().nth(1) == Some('\'') {
                    chars.next();
                    chars.next();
                }
            }
            '/' if chars.peek() == Some(&'/') => break,
            _ => out.push(c),
        }
    }
    out
}

#[test]
fn no_function_is_longer_than_a_screen_and_a_half() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    files.sort();
    let mut long = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable");
        long.extend(long_functions(file, &text));
    }
    assert!(
        long.is_empty(),
        "functions over {MAX_FUNCTION_LINES} lines (split them by job):\n{}",
        long.join("\n")
    );
}

#[test]
fn jsonc_parser_stays_inside_source() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let outside: Vec<String> = files
        .iter()
        .filter(|f| !f.starts_with(src().join("source")))
        .filter(|f| {
            std::fs::read_to_string(f)
                .expect("readable")
                .contains("jsonc_parser")
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        outside.is_empty(),
        "jsonc-parser's tree is named through source::json outside src/source: {outside:?}"
    );
}
