//! Converts the built-in declarative rules (`rules/**/*.yaml`) to JSON at build time. Every
//! `armlint` start loads them, and reading their YAML cost about 3M instructions — most of a
//! small template's run — where JSON costs a few percent of that. The YAML stays the source
//! (embedded by `src/rules/declarative/mod.rs` for positions and `explain`); a file that does not
//! convert is left out here and read as YAML at run time, where its error shows.

use std::path::{Path, PathBuf};

fn rule_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if p.is_dir() {
            rule_files(&p, out);
        } else if (name.ends_with(".yaml") || name.ends_with(".yml")) && !name.contains(".tests.") {
            out.push(p);
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    println!("cargo:rerun-if-changed=rules");
    let mut files = Vec::new();
    rule_files(&root.join("rules"), &mut files);
    files.sort();
    let mut code = String::from(
        "/// Built-in rule files converted to JSON by build.rs: (path under the crate, JSON).\n\
         pub const BUILTIN_JSON: &[(&str, &str)] = &[\n",
    );
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let Ok(value) = serde_norway::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        let rel = f
            .strip_prefix(&root)
            .unwrap_or(f)
            .to_string_lossy()
            .replace('\\', "/");
        code.push_str(&format!("    ({rel:?}, {:?}),\n", value.to_string()));
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    if let Err(e) = std::fs::write(out.join("builtin_rules.rs"), code) {
        println!("cargo:warning=cannot write builtin_rules.rs: {e}");
    }
}
