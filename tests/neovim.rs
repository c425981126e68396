//! A real editor attached to `armlint lsp`: headless Neovim (its built-in LSP client) opens a
//! template with a finding, waits for the diagnostics, and writes what it got. Skipped with a
//! message when `nvim` is not installed (`.ci/run` installs it when it can).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code: a panic is a failing test

mod support;

use std::path::Path;
use std::process::Command;

#[test]
fn neovim_shows_the_diagnostics() {
    if Command::new("nvim").arg("--version").output().is_err() {
        support::skip_unless_ci("nvim is not installed (apt-get install neovim)");
        return;
    }
    let dir = std::env::temp_dir().join(format!("armlint-nvim-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let template = dir.join("main.json");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/rules/flex-vm-missing-crg/invalid.json"),
        &template,
    )
    .expect("copy");
    let out = dir.join("diagnostics.txt");
    let script = dir.join("attach.lua");
    std::fs::write(
        &script,
        format!(
            r#"
local client = vim.lsp.start_client({{ name = "armlint", cmd = {{ "{bin}", "lsp" }}, root_dir = "{dir}" }})
vim.cmd("edit {file}")
vim.lsp.buf_attach_client(0, client)
vim.wait(10000, function() return #vim.diagnostic.get(0) > 0 end, 50)
local lines = {{}}
for _, d in ipairs(vim.diagnostic.get(0)) do
  table.insert(lines, string.format("%s %d:%d %s", d.code or d.user_data and d.user_data.lsp.code or "?", d.lnum + 1, d.col + 1, d.message:gsub("\n.*", "")))
end
vim.fn.writefile(lines, "{out}")
vim.cmd("qa!")
"#,
            bin = env!("CARGO_BIN_EXE_armlint"),
            dir = dir.display(),
            file = template.display(),
            out = out.display()
        ),
    )
    .expect("script");
    let status = Command::new("nvim")
        .args(["--headless", "--clean", "-u", "NONE", "-c"])
        .arg(format!("luafile {}", script.display()))
        .status()
        .expect("nvim runs");
    assert!(status.success(), "{status:?}");
    let got = std::fs::read_to_string(&out).expect("nvim wrote the diagnostics");
    // The same finding, at the same place, as the command line reports.
    let cli = Command::new(env!("CARGO_BIN_EXE_armlint"))
        .args(["lint", "--format", "compact", "--select", "CRG001"])
        .arg(&template)
        .output()
        .expect("cli");
    let compact = String::from_utf8_lossy(&cli.stdout);
    let first = compact.lines().next().expect("a CLI finding");
    let position = first
        .split(": ")
        .next()
        .and_then(|p| {
            p.rsplit_once(':').map(|(a, col)| {
                (
                    a.rsplit_once(':').map(|(_, l)| l.to_string()),
                    col.to_string(),
                )
            })
        })
        .expect("file:line:col");
    let expected = format!("CRG001 {}:{}", position.0.unwrap_or_default(), position.1);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        got.lines().any(|l| l.starts_with(&expected)),
        "nvim got:\n{got}\nCLI: {first}"
    );
}
