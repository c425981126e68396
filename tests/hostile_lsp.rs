//! `armlint lsp` under a hostile or broken client: the real binary over stdio, fed raw frames.
//! A language server answers what it cannot read and goes on; it never panics, never allocates
//! what a header claims, and keeps answering while a template is being linted.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code: a panic is a failing test

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const TEMPLATE_SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    messages: Receiver<Value>,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Server {
    fn start() -> Server {
        Self::start_in(Path::new(env!("CARGO_MANIFEST_DIR")))
    }

    fn start_in(dir: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_armlint"))
            .arg("lsp")
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("armlint lsp starts");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout");
        let mut stderr = child.stderr.take().expect("stderr");
        let (tx, messages) = mpsc::channel();
        // Frames are read on a thread so that a silent server fails the test by a timeout.
        std::thread::spawn(move || {
            let mut out = BufReader::new(stdout);
            while let Some(v) = read_frame(&mut out) {
                if tx.send(v).is_err() {
                    return;
                }
            }
        });
        let stderr = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        Server {
            child,
            stdin,
            messages,
            stderr: Some(stderr),
        }
    }

    fn raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).expect("write");
        stdin.flush().expect("flush");
    }

    fn send(&mut self, msg: Value) {
        let body = msg.to_string();
        self.raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    fn request(&mut self, id: i64, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The next message that `wanted` accepts, within `timeout` (the others are passed over).
    fn wait_for(&self, timeout: Duration, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.messages.recv_timeout(left) {
                Ok(v) if wanted(&v) => return v,
                Ok(_) => {}
                Err(e) => panic!("no such message within {timeout:?}: {e}"),
            }
        }
    }

    fn response(&self, id: Value) -> Value {
        self.wait_for(Duration::from_secs(20), |v| {
            v["id"] == id && v.get("method").is_none()
        })
    }

    fn diagnostics(&self, uri: &str) -> Vec<Value> {
        let msg = self.wait_for(Duration::from_secs(20), |v| {
            v["method"] == "textDocument/publishDiagnostics" && v["params"]["uri"] == uri
        });
        msg["params"]["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    fn initialize(&mut self) {
        self.request(
            1,
            "initialize",
            json!({"processId": null, "capabilities": {}}),
        );
        let init = self.response(json!(1));
        assert!(init["result"]["capabilities"].is_object(), "{init}");
        self.notify("initialized", json!({}));
    }

    /// Close stdin and wait for the exit (a server that does not exit fails the test).
    fn finish(mut self) -> (ExitStatus, String) {
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the server did not exit");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let stderr = self
            .stderr
            .take()
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default();
        assert!(!stderr.contains("panicked"), "{stderr}");
        (status, stderr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_frame(r: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length: ") {
            length = v.parse::<usize>().ok();
        }
    }
    let mut body = vec![0u8; length?];
    r.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn is_error(v: &Value, code: i64) -> bool {
    v["error"]["code"] == code
}

/// A frame the server cannot read gets a parse error (`id: null`), and the next request is
/// answered as usual.
fn answers_after(bad: &[u8]) -> Value {
    let mut s = Server::start();
    s.initialize();
    s.raw(bad);
    let error = s.wait_for(Duration::from_secs(20), |v| {
        v["id"].is_null() && v.get("error").is_some()
    });
    s.request(
        7,
        "textDocument/hover",
        json!({"textDocument": {"uri": "file:///x.json"}, "position": {"line": 0, "character": 0}}),
    );
    let answer = s.response(json!(7));
    assert!(is_error(&answer, -32601), "{answer}");
    s.request(8, "shutdown", json!(null));
    assert!(s.response(json!(8))["result"].is_null());
    s.notify("exit", json!(null));
    let (status, _) = s.finish();
    assert_eq!(status.code(), Some(0));
    error
}

#[test]
fn a_content_length_over_u64_is_refused_not_a_panic() {
    // The header lies: no such body follows, the next frame does.
    let error = answers_after(b"Content-Length: 18446744073709551615\r\n\r\n");
    assert!(is_error(&error, -32700), "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("limit"),
        "{error}"
    );
}

#[test]
fn a_huge_content_length_is_refused_without_allocating_it() {
    let error = answers_after(b"Content-Length: 99999999999999\r\n\r\n{}");
    assert!(is_error(&error, -32700), "{error}");
    let error = answers_after(b"Content-Length: 999999999999999999999999999999\r\n\r\n");
    assert!(is_error(&error, -32700), "{error}");
}

#[test]
fn an_oversized_frame_that_is_sent_is_skipped_whole() {
    // 64 MiB + 1 (the limit in src/limits.rs): refused, read past, and the stream stays in step.
    let length = (64u64 << 20) + 1;
    let mut frame = format!("Content-Length: {length}\r\n\r\n").into_bytes();
    let start = frame.len();
    frame.resize(start + usize::try_from(length).expect("fits"), b' ');
    let error = answers_after(&frame);
    assert!(is_error(&error, -32700), "{error}");
}

#[test]
fn invalid_json_is_a_parse_error_and_the_server_goes_on() {
    let error = answers_after(b"Content-Length: 5\r\n\r\n{oops");
    assert!(is_error(&error, -32700), "{error}");
    let deep = "[".repeat(100_000);
    let error = answers_after(format!("Content-Length: {}\r\n\r\n{deep}", deep.len()).as_bytes());
    assert!(is_error(&error, -32700), "{error}");
    let error = answers_after(b"Content-Length: 2\r\n\r\n\xff\xfe");
    assert!(is_error(&error, -32700), "{error}");
}

#[test]
fn bad_headers_are_parse_errors_and_the_server_goes_on() {
    for bad in [
        &b"Content-Length: twelve\r\n\r\n{}"[..],
        b"Content-Type: application/json\r\n\r\n{}",
        b"garbage without a colon\r\n\r\n{}",
    ] {
        let error = answers_after(bad);
        assert!(is_error(&error, -32700), "{error}");
    }
    let mut endless = b"Content-Length: 2\r\nX-Padding: ".to_vec();
    endless.resize(endless.len() + 1_000_000, b'a');
    endless.extend_from_slice(b"\r\n\r\n{}");
    let error = answers_after(&endless);
    assert!(is_error(&error, -32700), "{error}");
}

#[test]
fn a_message_that_is_not_a_request_is_an_invalid_request() {
    let error = answers_after(b"Content-Length: 2\r\n\r\n[]");
    assert!(is_error(&error, -32600), "{error}");
    // An id lsp-server cannot represent is answered with that id, not taken for a notification.
    let mut s = Server::start();
    s.initialize();
    s.send(json!({"jsonrpc": "2.0", "id": 4294967296u64, "method": "shutdown"}));
    let answer = s.response(json!(4294967296u64));
    assert!(is_error(&answer, -32600), "{answer}");
}

#[test]
fn after_shutdown_requests_are_invalid_and_exit_is_0() {
    let mut s = Server::start();
    s.initialize();
    s.request(2, "shutdown", json!(null));
    assert!(s.response(json!(2))["result"].is_null());
    s.request(3, "textDocument/hover", json!({}));
    let answer = s.response(json!(3));
    assert!(is_error(&answer, -32600), "{answer}");
    s.notify("textDocument/didOpen", json!({}));
    s.notify("exit", json!(null));
    let (status, _) = s.finish();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn exit_without_shutdown_is_1() {
    let mut s = Server::start();
    s.initialize();
    s.notify("exit", json!(null));
    assert_eq!(s.finish().0.code(), Some(1));
    // The client going away without a word is the same.
    let mut s = Server::start();
    s.initialize();
    assert_eq!(s.finish().0.code(), Some(1));
}

#[test]
fn requests_before_initialize_are_refused() {
    let mut s = Server::start();
    s.request(5, "shutdown", json!(null));
    let answer = s.response(json!(5));
    assert!(is_error(&answer, -32002), "{answer}");
    s.initialize();
    s.request(6, "initialize", json!({"capabilities": {}}));
    assert!(is_error(&s.response(json!(6)), -32600));
}

/// A template that takes its whole evaluation budget before it stops (4 M array elements and
/// string cells built by `map` over `range`; about 0.6 s in a debug build, 0.1 s released): the
/// server is still linting it when the next message comes. (Shared-data blow-ups such as
/// `createArray(v, v)` doubled 40 times are refused at once now, so they no longer serve.)
fn slow_template() -> String {
    let resources: Vec<Value> = (0..4)
        .map(|i| {
            json!({
                "type": "Microsoft.Storage/storageAccounts",
                "apiVersion": "2023-01-01",
                "name": format!("[string(length(string(map(range({i}, 10000), lambda('x', string(range(0, 100)))))))]"),
                "location": "westeurope",
                "sku": {"name": "Standard_LRS"},
                "kind": "StorageV2",
                "properties": {}
            })
        })
        .collect();
    json!({
        "$schema": TEMPLATE_SCHEMA,
        "contentVersion": "1.0.0.0",
        "resources": resources
    })
    .to_string()
}

#[test]
fn shutdown_is_answered_while_a_lint_runs() {
    let mut s = Server::start();
    s.initialize();
    s.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": "file:///tmp/armlint-hostile-slow/main.json", "languageId": "json", "version": 1, "text": slow_template()}}),
    );
    // Right behind it, as an editor closed at once would: a server that lints before it reads
    // on answers only once the lint is done.
    let asked = Instant::now();
    s.request(2, "shutdown", json!(null));
    // The lint is still running: its diagnostics have not come before the answer.
    let answer = s.wait_for(Duration::from_secs(5), |v| {
        v["id"] == 2 || v["method"] == "textDocument/publishDiagnostics"
    });
    assert_eq!(
        answer["id"], 2,
        "the template linted too fast to show anything: {answer}"
    );
    assert!(answer["result"].is_null(), "{answer}");
    assert!(asked.elapsed() < Duration::from_secs(5));
    s.notify("exit", json!(null));
    let (status, _) = s.finish();
    assert_eq!(status.code(), Some(0));
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("armlint-hostile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

fn file_uri(p: &Path) -> String {
    format!("file://{}", p.display())
}

fn codes(diags: &[Value]) -> Vec<String> {
    diags
        .iter()
        .filter_map(|d| d["code"].as_str().map(String::from))
        .collect()
}

const WIDGET_RULE: &str = "id: TST900\nname: widget-owner\nseverity: warning\nsummary: a widget names no owner\ntypes: [Example.Widgets/widgets]\nchecks:\n  - when: {path: $.properties.owner, absent: true}\n    message: \"MESSAGE\"\n";

fn widget_template() -> String {
    json!({
        "$schema": TEMPLATE_SCHEMA,
        "contentVersion": "1.0.0.0",
        "resources": [{"type": "Example.Widgets/widgets", "apiVersion": "2024-01-01", "name": "w", "properties": {}}]
    })
    .to_string()
}

fn messages_of(diags: &[Value], code: &str) -> Vec<String> {
    diags
        .iter()
        .filter(|d| d["code"] == code)
        .filter_map(|d| d["message"].as_str().map(String::from))
        .collect()
}

/// Editing a rule file under the configuration's `rulesDirs` changes the diagnostics: on the
/// rule file's `didSave`, on `didChangeWatchedFiles`, and (for edits made outside the editor)
/// at the template's next lint.
#[test]
fn edits_to_rule_files_are_noticed() {
    let dir = scratch("rules");
    std::fs::create_dir_all(dir.join("policies")).expect("dir");
    std::fs::write(dir.join(".armlint.yaml"), "rulesDirs: [\"policies/\"]\n").expect("write");
    let rule = dir.join("policies/widget.yaml");
    std::fs::write(&rule, WIDGET_RULE.replace("MESSAGE", "first")).expect("write");
    let template = dir.join("main.json");
    let text = widget_template();
    std::fs::write(&template, &text).expect("write");
    let u = file_uri(&template);

    let mut s = Server::start_in(&dir);
    s.initialize();
    s.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": u, "languageId": "json", "version": 1, "text": text}}),
    );
    assert_eq!(messages_of(&s.diagnostics(&u), "TST900"), ["first"]);

    // Saved in the editor.
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(&rule, WIDGET_RULE.replace("MESSAGE", "second")).expect("write");
    s.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": file_uri(&rule)}}),
    );
    assert_eq!(messages_of(&s.diagnostics(&u), "TST900"), ["second"]);

    // Changed on disk, reported by the client's file watcher.
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(&rule, WIDGET_RULE.replace("MESSAGE", "third")).expect("write");
    s.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(&rule), "type": 2}]}),
    );
    assert_eq!(messages_of(&s.diagnostics(&u), "TST900"), ["third"]);

    // Changed on disk with no word from the client: the next lint sees it.
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(&rule, WIDGET_RULE.replace("MESSAGE", "fourth")).expect("write");
    s.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 2}, "contentChanges": [{"text": text}]}),
    );
    assert_eq!(messages_of(&s.diagnostics(&u), "TST900"), ["fourth"]);

    // Removed: the rule no longer runs.
    std::fs::remove_file(&rule).expect("remove");
    s.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": u}, "text": text}),
    );
    assert!(!codes(&s.diagnostics(&u)).contains(&"TST900".to_string()));
    s.request(9, "shutdown", json!(null));
    let _ = s.response(json!(9));
    s.notify("exit", json!(null));
    assert_eq!(s.finish().0.code(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Rules read again belong to whoever holds them: the language server reads its rules again at
/// every edit of a rule file, and each version it stops using is freed, not kept for the life
/// of the process.
#[test]
fn reloaded_rules_free_the_versions_no_longer_used() {
    use armlint::discover::{DiscoverOptions, discover};
    use armlint::engine::{LintOptions, lint_inputs};
    let dir = scratch("leak");
    let template = dir.join("main.json");
    std::fs::write(&template, widget_template()).expect("write");
    let rules_dir = dir.join("rules");
    std::fs::create_dir_all(&rules_dir).expect("dir");
    let inputs = discover(std::slice::from_ref(&template), &DiscoverOptions::default())
        .expect("template")
        .inputs;
    let mut versions = Vec::new();
    for version in 0..50 {
        let message = format!("version {version}");
        std::fs::write(
            rules_dir.join("widget.yaml"),
            WIDGET_RULE.replace("MESSAGE", &message),
        )
        .expect("write");
        // What the server does on a change: read the rules, lint with them.
        let (loaded, errors) = armlint::rules::declarative::load_dirs(
            std::slice::from_ref(&rules_dir),
            armlint::rules::all(),
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(loaded.len(), 1);
        versions.push(std::sync::Arc::downgrade(&loaded[0]));
        let opts = LintOptions {
            extra_rules: armlint::rules::ExtraRules(loaded),
            ..LintOptions::default()
        };
        let report = lint_inputs(&inputs, 0, &opts);
        let got: Vec<&str> = report
            .diagnostics
            .iter()
            .filter(|d| d.rule == "TST900")
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(got, [message.as_str()], "the version just read runs");
        // The plan and its report are gone; the previous versions must be too.
        drop((opts, report));
        let live = versions.iter().filter(|w| w.strong_count() > 0).count();
        assert_eq!(live, 0, "rule versions still alive after {version} reloads");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `file://host/p` names a file on another machine: it is not linted as the relative path
/// `host/p` (the server lints nothing for it).
#[test]
fn a_remote_file_uri_is_not_a_relative_path() {
    let dir = scratch("remote");
    let text = widget_template();
    let rule_dir = dir.join("host/policies");
    std::fs::create_dir_all(&rule_dir).expect("dir");
    // Were `host/main.json` linted relative to the working directory, this configuration
    // (beside it) would apply and TST900 would show.
    std::fs::write(
        dir.join("host/.armlint.yaml"),
        "rulesDirs: [\"policies/\"]\n",
    )
    .expect("write");
    std::fs::write(
        rule_dir.join("widget.yaml"),
        WIDGET_RULE.replace("MESSAGE", "m"),
    )
    .expect("write");
    let mut s = Server::start_in(&dir);
    s.initialize();
    s.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": "file://host/main.json", "languageId": "json", "version": 1, "text": text}}),
    );
    let local = dir.join("local.json");
    let lu = file_uri(&local);
    s.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": lu, "languageId": "json", "version": 1, "text": text}}),
    );
    // Documents are linted in order: the remote one was passed over.
    let first = s.wait_for(Duration::from_secs(20), |v| {
        v["method"] == "textDocument/publishDiagnostics"
    });
    assert_eq!(first["params"]["uri"], lu, "{first}");
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}
