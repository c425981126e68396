//! The Bicep parser: snapshots of fixtures, conformance over the real Bicep corpus in
//! `../shared/bicep`, agreement with the Bicep compiler on which lines have syntax errors, and
//! hostile input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code: a panic is a failing test
mod support;

use armlint::source::SourceFile;
use armlint::source::bicep::{self, BicepFile};
use std::path::{Path, PathBuf};

/// The `.bicep` and `.bicepparam` sources under `dir` (not the compiler's annotated copies).
fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut all = Vec::new();
    support::files_under(dir, &mut all);
    out.extend(all.into_iter().filter(|p| {
        let name = p.to_string_lossy();
        matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("bicep" | "bicepparam")
        ) && !name.ends_with(".diagnostics.bicep")
            && !name.ends_with(".sourcemap.bicep")
            && !name.ends_with(".diagnostics.bicepparam")
    }));
}

fn parse_path(path: &Path, text: &str) -> BicepFile {
    if path.extension().and_then(|e| e.to_str()) == Some("bicepparam") {
        bicep::parse_params(text)
    } else {
        bicep::parse(text)
    }
}

/// The diagnostic codes Bicep's lexer and parser emit (from `Lexer.cs`, `Parser.cs`,
/// `BaseParser.cs`, `ParamsParser.cs`), less the few the type checker raises far more often
/// (BCP032 compile-time constant, BCP087 complex literals, BCP279 invalid type).
const SYNTAX_CODES: &[&str] = &[
    "BCP001", "BCP002", "BCP003", "BCP004", "BCP005", "BCP006", "BCP007", "BCP008", "BCP009",
    "BCP010", "BCP011", "BCP012", "BCP013", "BCP015", "BCP016", "BCP017", "BCP018", "BCP019",
    "BCP020", "BCP021", "BCP022", "BCP023", "BCP024", "BCP064", "BCP068", "BCP096", "BCP097",
    "BCP103", "BCP117", "BCP118", "BCP123", "BCP133", "BCP136", "BCP140", "BCP162", "BCP167",
    "BCP201", "BCP202", "BCP226", "BCP257", "BCP266", "BCP300", "BCP305", "BCP317", "BCP325",
    "BCP344", "BCP346", "BCP347", "BCP354", "BCP355", "BCP356", "BCP404", "BCP436",
];

/// 1-based source lines on which the compiler's `main.diagnostics.bicep` reports a syntax
/// error: each source line is followed by `//@[start:end) [BCPxxx (Error)] …` lines.
fn syntax_error_lines(diagnostics: &str) -> Vec<(usize, String)> {
    let mut line = 0usize;
    let mut out = Vec::new();
    for l in diagnostics.lines() {
        let Some(rest) = l.strip_prefix("//@[") else {
            line += 1;
            continue;
        };
        let Some(code) = rest.split('[').nth(1).and_then(|r| r.split(' ').next()) else {
            continue;
        };
        if rest.contains("(Error)]") && SYNTAX_CODES.contains(&code) {
            out.push((
                line,
                format!("{code}: {}", rest.split(") ").nth(1).unwrap_or("")),
            ));
        }
    }
    out
}

fn diagnostics_of(path: &Path) -> Option<String> {
    let d = path.with_file_name("main.diagnostics.bicep");
    if path.file_name()? != "main.bicep" {
        return None;
    }
    std::fs::read_to_string(d).ok()
}

#[test]
fn every_valid_bicep_file_in_the_shared_corpus_parses_without_errors() {
    let Some(root) = support::shared_bicep() else {
        return;
    };
    let mut files = Vec::new();
    files_under(&root.join("avm"), &mut files);
    files_under(&root.join("bicep-samples"), &mut files);
    let (mut parsed, mut excluded, mut slowest) = (0usize, 0usize, (0u128, PathBuf::new()));
    let mut failures = Vec::new();
    for path in &files {
        let rel = path.strip_prefix(&root).unwrap_or(path).to_path_buf();
        if rel.to_string_lossy().contains("/Invalid") {
            continue;
        }
        if diagnostics_of(path).is_some_and(|d| !syntax_error_lines(&d).is_empty()) {
            excluded += 1;
            continue;
        }
        let src = SourceFile::read(path).expect("readable");
        let t = std::time::Instant::now();
        let file = parse_path(path, &src.text);
        let micros = t.elapsed().as_micros();
        if micros > slowest.0 {
            slowest = (micros, rel.clone());
        }
        parsed += 1;
        for e in &file.errors {
            let (l, c) = src.line_col(e.span.start);
            failures.push(format!("{}:{l}:{c}: {}", rel.display(), e.message));
        }
    }
    eprintln!(
        "bicep conformance: {parsed} files parsed, {excluded} excluded (compiler reports syntax errors), {} errors; slowest {} µs ({})",
        failures.len(),
        slowest.0,
        slowest.1.display()
    );
    for f in failures.iter().take(300) {
        eprintln!("  {f}");
    }
    assert!(parsed > 2000, "expected the whole corpus, parsed {parsed}");
    assert!(
        failures.is_empty(),
        "{} syntax errors in valid files, first 20:\n{}",
        failures.len(),
        failures
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn every_line_the_compiler_rejects_for_syntax_has_a_parse_error() {
    let Some(root) = support::shared_bicep() else {
        return;
    };
    let mut files = Vec::new();
    files_under(&root.join("bicep-samples"), &mut files);
    let (mut total, mut matched, mut misses) = (0usize, 0usize, Vec::new());
    for path in &files {
        let Some(diagnostics) = diagnostics_of(path) else {
            continue;
        };
        let expected = syntax_error_lines(&diagnostics);
        if expected.is_empty() {
            continue;
        }
        let src = SourceFile::read(path).expect("readable");
        let file = parse_path(path, &src.text);
        let mut ours: Vec<usize> = file
            .errors
            .iter()
            .map(|e| src.line_col(e.span.start).0)
            .collect();
        ours.extend(file.errors.iter().map(|e| src.line_col(e.span.end).0));
        let mut lines: Vec<(usize, String)> = expected;
        lines.dedup_by_key(|(l, _)| *l);
        for (line, what) in lines {
            total += 1;
            if ours.contains(&line) {
                matched += 1;
            } else {
                let rel = path.strip_prefix(&root).unwrap_or(path);
                misses.push(format!("{}:{line}: {what}", rel.display()));
            }
        }
    }
    eprintln!("bicep syntax-error lines: {matched}/{total} matched");
    for m in misses.iter().take(40) {
        eprintln!("  missed {m}");
    }
    assert!(
        total > 100,
        "expected the Invalid* samples, found {total} lines"
    );
    // Known gaps are listed above; the bar only rises.
    assert!(
        matched * 100 >= total * MIN_MATCHED_PERCENT,
        "{matched}/{total} lines matched"
    );
}

/// The share of compiler-reported syntax-error lines that must also have an armlint error.
const MIN_MATCHED_PERCENT: usize = 100;

fn errors_with_line_col(text: &str, file: &BicepFile) -> String {
    let src = SourceFile::new("fixture", text);
    file.errors
        .iter()
        .map(|e| {
            let (l, c) = src.line_col(e.span.start);
            format!("{l}:{c}: {}\n", e.message)
        })
        .collect()
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bicep/syntax")
}

#[test]
fn valid_fixtures_parse_without_errors_into_the_snapshotted_tree() {
    let mut files = Vec::new();
    files_under(&fixture_dir(), &mut files);
    let valid: Vec<_> = files
        .iter()
        .filter(|p| !p.to_string_lossy().contains("/invalid/"))
        .collect();
    assert!(valid.len() >= 10, "fixtures missing: {valid:?}");
    for path in valid {
        let text = std::fs::read_to_string(path).expect("fixture");
        let file = parse_path(path, &text);
        let errors = errors_with_line_col(&text, &file);
        assert!(errors.is_empty(), "{}: {errors}", path.display());
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        insta::assert_snapshot!(format!("syntax__{name}"), bicep::dump::dump(&file));
    }
}

#[test]
fn invalid_fixtures_report_errors_and_keep_the_statements_around_them() {
    let mut files = Vec::new();
    files_under(&fixture_dir().join("invalid"), &mut files);
    assert!(files.len() >= 4, "fixtures missing: {files:?}");
    for path in &files {
        let text = std::fs::read_to_string(path).expect("fixture");
        let file = parse_path(path, &text);
        let errors = errors_with_line_col(&text, &file);
        assert!(!errors.is_empty(), "{}: no error reported", path.display());
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let shown = format!("{errors}---\n{}", bicep::dump::dump(&file));
        insta::assert_snapshot!(format!("invalid__{name}"), shown);
    }
}

#[test]
fn one_bad_line_does_not_hide_the_declarations_after_it() {
    let file = bicep::parse("var a = )\nvar b = 1\nparam c string\n");
    assert_eq!(file.statements.len(), 3, "{:?}", file.statements);
    assert_eq!(file.errors.len(), 1, "{:?}", file.errors);
}

#[test]
fn nesting_past_the_limit_is_one_error_not_a_stack_overflow() {
    for (open, close) in [
        ("(", ")"),
        ("[", "]"),
        ("{a:", "}"),
        ("'${", "}'"),
        ("!(", ")"),
    ] {
        let text = format!("var x = {}1{}\n", open.repeat(5000), close.repeat(5000));
        let file = bicep::parse(&text);
        let deep = file
            .errors
            .iter()
            .filter(|e| e.message.contains("nested more than"))
            .count();
        assert_eq!(deep, 1, "{open}: {:?}", file.errors.first());
    }
    let types = format!("type t = {}int{}\n", "(".repeat(5000), ")".repeat(5000));
    assert!(!bicep::parse(&types).errors.is_empty());
}

mod hostile {
    use super::bicep;
    use proptest::prelude::*;

    const PIECES: &[&str] = &[
        "param",
        "var",
        "resource",
        "module",
        "output",
        "type",
        "func",
        "import",
        "for",
        "in",
        "if",
        "existing",
        "x",
        "'s'",
        "'${",
        "}'",
        "'''",
        "{",
        "}",
        "[",
        "]",
        "(",
        ")",
        ":",
        "::",
        ",",
        ".",
        ".?",
        "?",
        "??",
        "!",
        "=",
        "==",
        "=>",
        "@",
        "...",
        "|",
        "*",
        "-",
        "1",
        "\n",
        "\r",
        "\0",
        "/*",
        "*/",
        "//",
        "#disable-next-line",
        "$'''",
        "^",
        "<",
        ">",
        " ",
        "\\",
        "é",
        "\u{feff}",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn token_soup_never_panics(idx in proptest::collection::vec(0..PIECES.len(), 0..200)) {
            let text: String = idx.iter().filter_map(|i| PIECES.get(*i)).copied().collect();
            let t = std::time::Instant::now();
            let file = bicep::parse(&text);
            let _ = bicep::parse_params(&text);
            prop_assert!(t.elapsed().as_millis() < 500, "slow on {text:?}");
            for e in &file.errors {
                prop_assert!(e.span.start <= e.span.end && e.span.end as usize <= text.len());
            }
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
            let _ = bicep::parse(&text);
        }
    }

    #[test]
    fn hostile_shapes_report_errors() {
        let long = "a".repeat(1 << 20);
        for text in [
            "var s = 'never ends".to_string(),
            "/* never ends".to_string(),
            "var m = '''never ends".to_string(),
            "var x = \0\n".to_string(),
            "var\rx = 1\r".to_string(),
            format!("var {long} = {long}("),
        ] {
            let file = bicep::parse(&text);
            assert!(!file.errors.is_empty(), "no error for {:?}", text.get(..40));
        }
    }
}
