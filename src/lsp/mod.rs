//! `armlint lsp`: a language server over stdio (lsp-server's [`Connection`], fed by the bounded
//! transport of [`transport`]). It keeps the open documents, lints a template when it is opened,
//! changed or saved (parameter files paired beside it, as on the command line), and publishes the
//! findings with their related locations and a link to the rule's documentation. A non-template
//! JSON file gets no diagnostics.
//!
//! The loop that reads messages never lints: a worker thread does ([`worker`]), so `shutdown` and
//! every other request are answered at once, even while a hostile template is being linted.
//! The lifecycle follows the specification: before `initialize` requests get
//! `ServerNotInitialized`; after `shutdown` they get `InvalidRequest`; `exit` ends the server with
//! 0 after a `shutdown`, 1 without one (as does the end of input).

mod position;
pub mod transport;
mod worker;
mod workspace;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crossbeam_channel::{Receiver, Sender, select};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument,
    DidSaveTextDocument, Notification as _,
};
use lsp_types::request::{Initialize, RegisterCapability, Request as _, Shutdown};
use lsp_types::{
    DidChangeTextDocumentParams, DidChangeWatchedFilesParams,
    DidChangeWatchedFilesRegistrationOptions, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DidSaveTextDocumentParams, FileSystemWatcher, GlobPattern,
    InitializeParams, InitializeResult, Registration, RegistrationParams, SaveOptions,
    ServerCapabilities, ServerInfo, TextDocumentSyncCapability, TextDocumentSyncKind,
    TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Uri,
};

use crate::engine::LintOptions;

pub use position::{Encoding, path_from_uri, uri_from_path};
pub use transport::{IoThreads, stdio};

/// How the server lints a document, from its workspace's configuration.
#[derive(Clone, Debug, Default)]
pub struct DocumentOptions {
    pub lint: LintOptions,
    /// Parameter files (mapping, pairing) and excludes.
    pub discover: crate::discover::DiscoverOptions,
    /// To tell the user: an invalid `.armlint.yaml`, a broken rule file.
    pub problems: Vec<String>,
    /// The rules directories (and files) the rules were read from: when a rule file under one
    /// changes, the options are read again (as when the configuration file changes).
    pub rules_dirs: Vec<PathBuf>,
}

/// The options for documents under a configuration file (`None`: no configuration found).
pub type OptionsFor = dyn Fn(Option<&Path>) -> DocumentOptions + Send + Sync;

/// An open document, as the client last sent it.
struct Document {
    path: PathBuf,
    text: String,
    version: Option<i32>,
}

type Documents = Arc<Mutex<HashMap<Uri, Document>>>;

/// What the reading loop asks of the worker.
enum Job {
    /// Lint the document's latest text and publish (or clear, when it was closed).
    Lint(Uri),
    /// A configuration or rule file may have changed: read them again before the next lint.
    Reload,
}

enum Phase {
    Uninitialized,
    Running,
    ShutDown,
}

/// Serve until the client sends `exit` or goes away; the exit code.
pub fn serve(connection: &Connection, options_for: Box<OptionsFor>) -> i32 {
    let (results, from_worker) = crossbeam_channel::unbounded::<Message>();
    let mut server = Server {
        connection,
        phase: Phase::Uninitialized,
        documents: Arc::default(),
        jobs: None,
        results: Some(results),
        options_for: Some(options_for),
        watch_files: false,
    };
    server.run(&from_worker)
}

struct Server<'c> {
    connection: &'c Connection,
    phase: Phase,
    documents: Documents,
    /// To the worker, once started (at `initialize`).
    jobs: Option<Sender<Job>>,
    /// Handed to the worker when it starts.
    results: Option<Sender<Message>>,
    options_for: Option<Box<OptionsFor>>,
    /// The client can watch files for us (`workspace/didChangeWatchedFiles`).
    watch_files: bool,
}

impl Server<'_> {
    fn run(&mut self, from_worker: &Receiver<Message>) -> i32 {
        let mut from_worker = from_worker.clone();
        loop {
            select! {
                recv(self.connection.receiver) -> message => match message {
                    Ok(message) => {
                        if let Some(code) = self.handle(message) {
                            return code;
                        }
                    }
                    // The client went away without `exit`.
                    Err(_) => return self.exit_code(),
                },
                recv(from_worker) -> message => match message {
                    // After `shutdown` the server says nothing more.
                    Ok(message) => {
                        if matches!(self.phase, Phase::Running) {
                            self.send(message);
                        }
                    }
                    // The worker stopped: wait on the client alone.
                    Err(_) => from_worker = crossbeam_channel::never(),
                },
            }
        }
    }

    fn exit_code(&self) -> i32 {
        i32::from(!matches!(self.phase, Phase::ShutDown))
    }

    fn send(&self, message: impl Into<Message>) {
        let _ = self.connection.sender.send(message.into());
    }

    fn answer_error(&self, id: RequestId, code: ErrorCode, message: String) {
        self.send(Response::new_err(id, code as i32, message));
    }

    /// Handle one message; `Some(code)` when the server should exit.
    fn handle(&mut self, message: Message) -> Option<i32> {
        match message {
            Message::Request(req) => self.request(req),
            Message::Notification(n) if n.method == "exit" => return Some(self.exit_code()),
            Message::Notification(n) => self.notification(n),
            // Answers to our registration request: nothing to do either way.
            Message::Response(_) => {}
        }
        None
    }

    fn request(&mut self, req: Request) {
        match (&self.phase, req.method.as_str()) {
            (Phase::Uninitialized, Initialize::METHOD) => self.initialize(req),
            (Phase::Uninitialized, _) => self.answer_error(
                req.id,
                ErrorCode::ServerNotInitialized,
                format!("{} before initialize", req.method),
            ),
            (Phase::Running, Shutdown::METHOD) => {
                self.phase = Phase::ShutDown;
                // Stop linting; a lint under way finishes on its own and is not published.
                self.jobs = None;
                self.send(Response::new_ok(req.id, ()));
            }
            (Phase::Running, Initialize::METHOD) => self.answer_error(
                req.id,
                ErrorCode::InvalidRequest,
                "initialize was already received".into(),
            ),
            // Nothing but the lifecycle is offered; say so rather than leave the client waiting.
            (Phase::Running, _) => self.answer_error(
                req.id,
                ErrorCode::MethodNotFound,
                format!("armlint does not handle {}", req.method),
            ),
            (Phase::ShutDown, _) => self.answer_error(
                req.id,
                ErrorCode::InvalidRequest,
                format!("{} after shutdown", req.method),
            ),
        }
    }

    fn initialize(&mut self, req: Request) {
        // A client whose parameters lsp-types does not read (an unusual root URI, say) is
        // still served, with the defaults.
        let params: InitializeParams = serde_json::from_value(req.params).unwrap_or_default();
        let encoding = position::negotiate(&params);
        self.watch_files = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|w| w.dynamic_registration)
            .unwrap_or(false);
        let result = InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(encoding.kind()),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        // Whole documents: templates are linted as a whole anyway.
                        change: Some(TextDocumentSyncKind::FULL),
                        save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                            include_text: Some(true),
                        })),
                        ..TextDocumentSyncOptions::default()
                    },
                )),
                ..ServerCapabilities::default()
            },
            server_info: Some(ServerInfo {
                name: "armlint".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
        };
        self.send(Response::new_ok(req.id, result));
        let (Some(results), Some(options_for)) = (self.results.take(), self.options_for.take())
        else {
            return;
        };
        self.jobs = worker::start(Arc::clone(&self.documents), encoding, options_for, results);
        self.phase = Phase::Running;
    }

    fn notification(&mut self, n: Notification) {
        if !matches!(self.phase, Phase::Running) {
            return;
        }
        match n.method.as_str() {
            "initialized" => self.register_watchers(),
            DidOpenTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidOpenTextDocumentParams>(n.params) else {
                    return;
                };
                let doc = p.text_document;
                // Only local files are linted (a remote or untitled document has no
                // configuration, no parameter files beside it).
                let Some(path) = path_from_uri(&doc.uri) else {
                    return;
                };
                self.store(
                    &doc.uri,
                    Document {
                        path,
                        text: doc.text,
                        version: Some(doc.version),
                    },
                );
                self.lint(doc.uri);
            }
            DidChangeTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidChangeTextDocumentParams>(n.params) else {
                    return;
                };
                // Full sync: the last change holds the whole text.
                let Some(change) = p.content_changes.into_iter().last() else {
                    return;
                };
                if self.update(
                    &p.text_document.uri,
                    change.text,
                    Some(p.text_document.version),
                ) {
                    self.lint(p.text_document.uri);
                }
            }
            DidSaveTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidSaveTextDocumentParams>(n.params) else {
                    return;
                };
                let uri = p.text_document.uri;
                if is_configuration_or_rule(&uri) {
                    // An edited `.armlint.yaml` or rule file: every open template may change.
                    self.reload();
                    return;
                }
                let known = match p.text {
                    Some(text) => self.update(&uri, text, None),
                    None => self.is_open(&uri),
                };
                // Saving may change paired parameter files too: lint again.
                if known {
                    self.lint(uri);
                }
            }
            DidCloseTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidCloseTextDocumentParams>(n.params) else {
                    return;
                };
                if let Ok(mut docs) = self.documents.lock() {
                    docs.remove(&p.text_document.uri);
                }
                // Linting a closed document clears its diagnostics.
                self.lint(p.text_document.uri);
            }
            DidChangeWatchedFiles::METHOD
                if serde_json::from_value::<DidChangeWatchedFilesParams>(n.params).is_ok() =>
            {
                self.reload();
            }
            _ => {}
        }
    }

    /// Ask the client to tell us about configuration and rule files changed outside the editor
    /// too (checked out, generated), when it can watch files.
    fn register_watchers(&self) {
        if !self.watch_files {
            return;
        }
        let watchers = ["**/*.yaml", "**/*.yml"]
            .into_iter()
            .map(|glob| FileSystemWatcher {
                glob_pattern: GlobPattern::String(glob.into()),
                kind: None,
            })
            .collect();
        let Ok(options) =
            serde_json::to_value(DidChangeWatchedFilesRegistrationOptions { watchers })
        else {
            return;
        };
        let params = RegistrationParams {
            registrations: vec![Registration {
                id: "armlint-watch-rules".into(),
                method: DidChangeWatchedFiles::METHOD.into(),
                register_options: Some(options),
            }],
        };
        self.send(Request::new(
            RequestId::from("armlint-register-watchers".to_string()),
            RegisterCapability::METHOD.into(),
            params,
        ));
    }

    fn store(&self, uri: &Uri, doc: Document) {
        if let Ok(mut docs) = self.documents.lock() {
            docs.insert(uri.clone(), doc);
        }
    }

    /// Replace an open document's text; whether it is open.
    fn update(&self, uri: &Uri, text: String, version: Option<i32>) -> bool {
        let Ok(mut docs) = self.documents.lock() else {
            return false;
        };
        let Some(doc) = docs.get_mut(uri) else {
            return false;
        };
        doc.text = text;
        if version.is_some() {
            doc.version = version;
        }
        true
    }

    fn is_open(&self, uri: &Uri) -> bool {
        self.documents
            .lock()
            .is_ok_and(|docs| docs.contains_key(uri))
    }

    fn lint(&self, uri: Uri) {
        if let Some(jobs) = &self.jobs {
            let _ = jobs.send(Job::Lint(uri));
        }
    }

    /// Read configurations and rules again, and lint every open document with them.
    fn reload(&self) {
        let Some(jobs) = &self.jobs else { return };
        let _ = jobs.send(Job::Reload);
        let mut open: Vec<Uri> = self
            .documents
            .lock()
            .map(|docs| docs.keys().cloned().collect())
            .unwrap_or_default();
        // Deterministic order of the diagnostics that follow.
        open.sort();
        for uri in open {
            let _ = jobs.send(Job::Lint(uri));
        }
    }
}

/// A saved file that can change how templates are linted: a configuration file, a YAML rule.
fn is_configuration_or_rule(uri: &Uri) -> bool {
    let path = uri.as_str().to_ascii_lowercase();
    path.ends_with(".yaml") || path.ends_with(".yml")
}
