//! `armlint lsp` driven as an editor drives it: the real binary over stdio with framed JSON-RPC
//! (initialize, didOpen, didChange, didSave, didClose, shutdown, exit).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code: a panic is a failing test

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

struct Client {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: i64,
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_armlint"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("armlint lsp starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Client {
            child,
            stdin,
            stdout,
            next_id: 1,
        }
    }

    fn send(&mut self, msg: Value) {
        let body = msg.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let msg = self.read();
            if msg["id"] == id {
                return msg;
            }
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn read(&mut self) -> Value {
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            let n = self.stdout.read_line(&mut line).expect("read header");
            assert!(n > 0, "the server closed its output");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("Content-Length: ") {
                length = v.parse().expect("length");
            }
        }
        let mut body = vec![0u8; length];
        self.stdout.read_exact(&mut body).expect("body");
        serde_json::from_slice(&body).expect("JSON")
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics_for(&mut self, uri: &str) -> Vec<Value> {
        loop {
            let msg = self.read();
            if msg["method"] == "textDocument/publishDiagnostics" && msg["params"]["uri"] == uri {
                return msg["params"]["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
            }
        }
    }
}

fn uri(p: &Path) -> String {
    format!("file://{}", p.display())
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).expect("fixture")
}

fn codes(diags: &[Value]) -> Vec<String> {
    diags
        .iter()
        .filter_map(|d| d["code"].as_str().map(String::from))
        .collect()
}

#[test]
fn an_editor_session() {
    let dir: PathBuf = std::env::temp_dir().join(format!("armlint-lsp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let template = dir.join("main.json");
    let invalid = fixture("fixtures/rules/flex-vm-missing-crg/invalid.json");
    let valid = fixture("fixtures/rules/flex-vm-missing-crg/valid.json");
    std::fs::write(&template, &invalid).expect("write");

    let mut c = Client::start();
    let init = c.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&dir), "capabilities": {"general": {"positionEncodings": ["utf-16"]}}}),
    );
    assert_eq!(init["result"]["capabilities"]["positionEncoding"], "utf-16");
    assert_eq!(
        init["result"]["capabilities"]["textDocumentSync"]["change"],
        1
    );
    c.notify("initialized", json!({}));

    let u = uri(&template);
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": u, "languageId": "json", "version": 1, "text": invalid}}),
    );
    let diags = c.diagnostics_for(&u);
    assert!(codes(&diags).contains(&"CRG001".to_string()), "{diags:#?}");
    let crg001 = diags
        .iter()
        .find(|d| d["code"] == "CRG001")
        .expect("CRG001");
    assert_eq!(crg001["severity"], 1);
    assert_eq!(crg001["source"], "armlint");
    assert!(crg001["range"]["start"]["line"].as_u64().is_some());
    assert!(
        !crg001["relatedInformation"]
            .as_array()
            .expect("related")
            .is_empty(),
        "{crg001:#}"
    );
    assert!(
        crg001["codeDescription"]["href"]
            .as_str()
            .is_some_and(|h| h.starts_with("https://")),
        "{crg001:#}"
    );
    // The range is where the CLI puts it (0-based here, 1-based there).
    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_armlint"))
        .args(["lint", "--format", "json", "--select", "CRG001"])
        .arg(&template)
        .output()
        .expect("cli");
    let report: Value = serde_json::from_slice(&cli.stdout).expect("json");
    let first = &report["diagnostics"][0];
    assert_eq!(
        crg001["range"]["start"]["line"].as_u64().map(|l| l + 1),
        first["line"].as_u64()
    );

    // Fixing the buffer clears the finding, before any save.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 2}, "contentChanges": [{"text": valid}]}),
    );
    assert!(!codes(&c.diagnostics_for(&u)).contains(&"CRG001".to_string()));

    // Broken again and saved: the save lints (with the text it carries).
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 3}, "contentChanges": [{"text": "{\"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\", \"resources\": [}"}]}),
    );
    let parse = c.diagnostics_for(&u);
    assert_eq!(codes(&parse), vec!["parse-error"], "{parse:#?}");
    let started = Instant::now();
    c.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": u}, "text": invalid}),
    );
    assert!(codes(&c.diagnostics_for(&u)).contains(&"CRG001".to_string()));
    assert!(started.elapsed() < Duration::from_secs(10));

    // Not a template: no diagnostics.
    let pkg = dir.join("package.json");
    let pu = uri(&pkg);
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": pu, "languageId": "json", "version": 1, "text": "{\"name\": \"x\", \"name\": \"y\"}"}}),
    );
    assert!(c.diagnostics_for(&pu).is_empty());

    // Closing clears.
    c.notify("textDocument/didClose", json!({"textDocument": {"uri": u}}));
    assert!(c.diagnostics_for(&u).is_empty());

    // An unknown request gets an error, not silence.
    let r = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": u}, "position": {"line": 0, "character": 0}}),
    );
    assert!(r["error"]["code"].is_i64(), "{r}");

    let r = c.request("shutdown", json!(null));
    assert!(r["result"].is_null(), "{r}");
    c.notify("exit", json!(null));
    let status = c.child.wait().expect("exits");
    assert!(status.success(), "{status:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn utf32_positions_when_the_client_offers_them() {
    let mut c = Client::start();
    let init = c.request(
        "initialize",
        json!({"processId": null, "capabilities": {"general": {"positionEncodings": ["utf-32", "utf-16"]}}}),
    );
    assert_eq!(init["result"]["capabilities"]["positionEncoding"], "utf-32");
    c.notify("initialized", json!({}));
    // A duplicate key after an astral character: the UTF-32 column counts it once.
    let text = "{\"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\", \"resources\": [], \"😀\": 1, \"x\": 1, \"x\": 2}";
    let u = "file:///tmp/armlint-lsp-utf32/main.json";
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": u, "languageId": "json", "version": 1, "text": text}}),
    );
    let diags = c.diagnostics_for(u);
    let dup = diags
        .iter()
        .find(|d| d["code"] == "duplicate-key")
        .expect("duplicate-key");
    let byte = text.rfind("\"x\"").expect("second x");
    let scalars = text[..byte].chars().count();
    assert_eq!(
        dup["range"]["start"]["character"].as_u64(),
        Some(scalars as u64)
    );
    let _ = c.request("shutdown", json!(null));
    c.notify("exit", json!(null));
    assert!(c.child.wait().expect("exits").success());
}

/// The workspace's `.armlint.yaml` applies (here a severity override), is read again when it
/// changes, and an invalid one is shown to the user rather than ignored.
#[test]
fn the_workspace_configuration_applies() {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("armlint-lsp-config-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("infra")).expect("dir");
    std::fs::write(dir.join(".armlint.yaml"), "severity:\n  CRG001: warning\n").expect("write");
    let template = dir.join("infra/main.json");
    let invalid = fixture("fixtures/rules/flex-vm-missing-crg/invalid.json");
    let mut c = Client::start();
    let _ = c.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&dir), "capabilities": {}}),
    );
    c.notify("initialized", json!({}));
    let u = uri(&template);
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": u, "languageId": "json", "version": 1, "text": invalid}}),
    );
    let diags = c.diagnostics_for(&u);
    let crg001 = diags
        .iter()
        .find(|d| d["code"] == "CRG001")
        .expect("CRG001");
    assert_eq!(crg001["severity"], 2, "{crg001:#}");
    // A broken configuration: the user is told where.
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(dir.join(".armlint.yaml"), "severity:\n  CRG001: loud\n").expect("write");
    c.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": u}, "text": invalid}),
    );
    let shown = loop {
        let msg = c.read();
        if msg["method"] == "window/showMessage" {
            break msg;
        }
    };
    let text = shown["params"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(text.contains(".armlint.yaml:2:"), "{text}");
    let _ = c.request("shutdown", json!(null));
    c.notify("exit", json!(null));
    assert!(c.child.wait().expect("exits").success());
    let _ = std::fs::remove_dir_all(&dir);
}
