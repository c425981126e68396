//! `armlint lsp`: a language server over stdio (lsp-server). It keeps the open documents,
//! lints a template when it is opened, changed or saved (parameter files paired beside it, as on
//! the command line), and publishes the findings with their related locations and a link to the
//! rule's documentation. A non-template JSON file gets no diagnostics.
//!
//! The server works on a [`Connection`]; the binary gives it stdio, the tests an in-memory pair.

mod position;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use lsp_server::{Connection, Message, Notification, Request, Response};
use serde_json::{Value as Json, json};

use crate::diagnostic::{Diagnostic, Severity};
use crate::discover::Input;
use crate::engine::{LintOptions, lint_inputs};
use crate::source::SourceFile;
use crate::source::json::{DocumentKind, sniff_kind};

pub use position::{Encoding, path_from_uri, uri_from_path};

/// How the server lints a document at a path, from its workspace's configuration.
#[derive(Clone, Debug, Default)]
pub struct DocumentOptions {
    pub lint: LintOptions,
    /// Parameter files (mapping, pairing) and excludes.
    pub discover: crate::discover::DiscoverOptions,
    /// To tell the user: an invalid `.armlint.yaml`, a broken rule file.
    pub problems: Vec<String>,
}

pub type OptionsFor = dyn Fn(&std::path::Path) -> DocumentOptions;

/// Serve until the client asks to shut down and exits. Errors are protocol errors (the
/// client went away); the caller reports them.
pub fn serve(connection: &Connection, options_for: &OptionsFor) -> Result<(), String> {
    let (id, params) = connection.initialize_start().map_err(|e| e.to_string())?;
    let encoding = position::negotiate(&params);
    let capabilities = json!({
        "capabilities": {
            "positionEncoding": encoding.name(),
            "textDocumentSync": {
                "openClose": true,
                // Whole documents: templates are linted as a whole anyway.
                "change": 1,
                "save": {"includeText": true}
            }
        },
        "serverInfo": {"name": "armlint", "version": env!("CARGO_PKG_VERSION")}
    });
    connection
        .initialize_finish(id, capabilities)
        .map_err(|e| e.to_string())?;
    let mut server = Server {
        documents: HashMap::new(),
        encoding,
        told: Vec::new(),
    };
    let receiver = &connection.receiver;
    while let Ok(msg) = receiver.recv() {
        match msg {
            Message::Request(req) => {
                if connection
                    .handle_shutdown(&req)
                    .map_err(|e| e.to_string())?
                {
                    return Ok(());
                }
                server.request(connection, req);
            }
            Message::Notification(n) => {
                // Typing sends a change a keystroke: lint only the latest text of a document.
                let mut pending = vec![n];
                while let Ok(Message::Notification(next)) = receiver.try_recv().map_err(|_| ()) {
                    pending.push(next);
                }
                let mut dirty: Vec<String> = Vec::new();
                for n in pending {
                    if let Some(uri) = server.notification(n) {
                        dirty.retain(|u| u != &uri);
                        dirty.push(uri);
                    }
                }
                for uri in dirty {
                    server.publish(connection, &uri, options_for);
                }
            }
            Message::Response(_) => {}
        }
    }
    Ok(())
}

struct Server {
    /// URI → (path, text); closed documents are removed.
    documents: HashMap<String, (PathBuf, String)>,
    encoding: Encoding,
    /// Problems already shown, so that one broken file is not announced at every keystroke.
    told: Vec<String>,
}

impl Server {
    fn request(&mut self, connection: &Connection, req: Request) {
        // Nothing but the lifecycle is offered; say so rather than leave the client waiting.
        let resp = Response::new_err(
            req.id,
            lsp_server::ErrorCode::MethodNotFound as i32,
            format!("armlint does not handle {}", req.method),
        );
        let _ = connection.sender.send(Message::Response(resp));
    }

    /// Apply a notification; the URI to lint again, if any.
    fn notification(&mut self, n: Notification) -> Option<String> {
        let p = &n.params;
        let uri = p
            .pointer("/textDocument/uri")
            .and_then(Json::as_str)?
            .to_string();
        match n.method.as_str() {
            "textDocument/didOpen" => {
                let text = p.pointer("/textDocument/text").and_then(Json::as_str)?;
                let path = path_from_uri(&uri)?;
                self.documents.insert(uri.clone(), (path, text.to_string()));
                Some(uri)
            }
            "textDocument/didChange" => {
                // Full sync: the last change holds the whole text.
                let text = p
                    .pointer("/contentChanges")
                    .and_then(Json::as_array)?
                    .last()?
                    .get("text")
                    .and_then(Json::as_str)?;
                let entry = self.documents.get_mut(&uri)?;
                entry.1 = text.to_string();
                Some(uri)
            }
            "textDocument/didSave" => {
                if let Some(text) = p.get("text").and_then(Json::as_str)
                    && let Some(entry) = self.documents.get_mut(&uri)
                {
                    entry.1 = text.to_string();
                }
                // Saving may change paired parameter files too: lint again.
                self.documents.contains_key(&uri).then_some(uri)
            }
            "textDocument/didClose" => {
                self.documents.remove(&uri);
                Some(uri)
            }
            _ => None,
        }
    }

    fn publish(&mut self, connection: &Connection, uri: &str, options_for: &OptionsFor) {
        let diagnostics = match self.documents.get(uri) {
            None => Vec::new(),
            Some((path, text)) => {
                let opts = options_for(path);
                for p in &opts.problems {
                    if !self.told.contains(p) {
                        let params = json!({"type": 1, "message": format!("armlint: {p}")});
                        let _ = connection
                            .sender
                            .send(Message::Notification(Notification::new(
                                "window/showMessage".into(),
                                params,
                            )));
                        self.told.push(p.clone());
                    }
                }
                self.lint(path, text, &opts)
            }
        };
        let params = json!({"uri": uri, "diagnostics": diagnostics});
        let _ = connection
            .sender
            .send(Message::Notification(Notification::new(
                "textDocument/publishDiagnostics".into(),
                params,
            )));
    }

    fn lint(&self, path: &std::path::Path, text: &str, doc: &DocumentOptions) -> Vec<Json> {
        let source = Arc::new(SourceFile::new(path, text.to_string()));
        let DocumentKind::Template(kind) = sniff_kind(&source.text) else {
            return Vec::new();
        };
        // Excluded by the configuration: not linted on the command line, not here either.
        if doc.discover.is_excluded(path) {
            return Vec::new();
        }
        let opts = &doc.lint;
        let input = Input {
            path: path.to_path_buf(),
            size: source.text.len() as u64,
            source: Ok(Some(source.clone())),
            kind: Some(kind),
            parameter_files: doc.discover.parameter_files_for(path),
            pair_parameter_files: false,
            siblings: None,
        };
        let report = lint_inputs(std::slice::from_ref(&input), 0, opts);
        let rules = opts.extra_rules.with_builtin();
        report
            .diagnostics
            .iter()
            // A finding in a paired parameter file is that file's, not this document's.
            .filter(|d| d.location.file.path == source.path)
            .map(|d| self.diagnostic(d, &rules))
            .collect()
    }

    fn diagnostic(&self, d: &Diagnostic, rules: &[&'static dyn crate::rules::Rule]) -> Json {
        let range =
            |loc: &crate::diagnostic::Location| position::range(&loc.file, loc.span, self.encoding);
        let severity = match d.severity {
            Severity::Error => 1,
            Severity::Warning => 2,
            Severity::Note => 3,
        };
        let message = d.with_help(d.message.clone());
        let related: Vec<Json> = d
            .related
            .iter()
            .map(|r| {
                json!({
                    "location": {"uri": uri_from_path(&r.location.file.path), "range": range(&r.location)},
                    "message": r.message,
                })
            })
            .collect();
        let mut out = json!({
            "range": range(&d.location),
            "severity": severity,
            "code": d.rule,
            "source": "armlint",
            "message": message,
            "relatedInformation": related,
        });
        if let Some(href) = crate::rules::find_in(rules, d.rule).and_then(|r| r.meta().help_uri())
            && let Some(o) = out.as_object_mut()
        {
            o.insert("codeDescription".into(), json!({"href": href}));
        }
        out
    }
}
