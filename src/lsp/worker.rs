//! The lint worker: it takes the documents to lint from the reading loop, lints the latest text
//! of each (a burst of keystrokes is one lint), and hands the notifications to publish back.
//! Running apart from the loop keeps the server answering requests (`shutdown` above all)
//! however long a template takes.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};
use lsp_server::{Message, Notification};
use lsp_types::notification::{LogMessage, Notification as _, PublishDiagnostics, ShowMessage};
use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, Location, LogMessageParams,
    MessageType, NumberOrString, PublishDiagnosticsParams, ShowMessageParams, Uri,
};

use crate::arm::document::{DocumentKind, sniff_kind};
use crate::diagnostic::{Diagnostic, Severity};
use crate::discover::Input;
use crate::engine::lint_inputs;
use crate::source::SourceFile;

use super::position::{self, Encoding};
use super::workspace::Workspaces;
use super::{DocumentOptions, Documents, Job, OptionsFor, uri_from_path};

/// Start the worker; the sender of its jobs (`None` if no thread could be started: the server
/// still answers, without diagnostics).
pub(super) fn start(
    documents: Documents,
    encoding: Encoding,
    options_for: Box<OptionsFor>,
    results: Sender<Message>,
) -> Option<Sender<Job>> {
    let (jobs, queue) = crossbeam_channel::unbounded();
    let mut worker = Worker {
        documents,
        encoding,
        workspaces: Workspaces::new(options_for),
        told: Vec::new(),
        results,
    };
    std::thread::Builder::new()
        .name("armlint-lint".into())
        .spawn(move || worker.run(&queue))
        .ok()?;
    Some(jobs)
}

struct Worker {
    documents: Documents,
    encoding: Encoding,
    workspaces: Workspaces,
    /// Problems already shown, so that one broken file is not announced at every keystroke.
    told: Vec<String>,
    results: Sender<Message>,
}

impl Worker {
    fn run(&mut self, queue: &Receiver<Job>) {
        // In order of first request, each once.
        let mut pending: Vec<Uri> = Vec::new();
        loop {
            if pending.is_empty() {
                match queue.recv() {
                    Ok(job) => self.take(job, &mut pending),
                    // The server shut down.
                    Err(_) => return,
                }
            }
            // Typing sends a change a keystroke: lint only the latest text of a document.
            while let Ok(job) = queue.try_recv() {
                self.take(job, &mut pending);
            }
            if pending.is_empty() {
                continue;
            }
            let uri = pending.remove(0);
            if !self.publish(uri) {
                return;
            }
        }
    }

    fn take(&mut self, job: Job, pending: &mut Vec<Uri>) {
        match job {
            Job::Lint(uri) => {
                if !pending.contains(&uri) {
                    pending.push(uri);
                }
            }
            Job::Reload => self.workspaces.forget(),
        }
    }

    fn send(&self, method: &str, params: impl serde::Serialize) -> bool {
        let n = Notification::new(method.into(), params);
        self.results.send(Message::Notification(n)).is_ok()
    }

    /// Lint a document and publish its diagnostics (none once it is closed); false when the
    /// server is gone.
    fn publish(&mut self, uri: Uri) -> bool {
        let doc = self.documents.lock().ok().and_then(|docs| {
            docs.get(&uri)
                .map(|d| (d.path.clone(), d.text.clone(), d.version))
        });
        let (diagnostics, version) = match doc {
            None => (Vec::new(), None),
            Some((path, text, version)) => {
                let encoding = self.encoding;
                let workspaces = &mut self.workspaces;
                // A bug in a rule must not take the server down with it: that document gets no
                // diagnostics, the log says why, the others are linted as before.
                let linted = catch_unwind(AssertUnwindSafe(|| {
                    let opts = workspaces.options_for(&path);
                    (lint(&path, text, &opts, encoding), opts)
                }));
                match linted {
                    Ok((d, opts)) => {
                        self.tell(&opts.problems);
                        (d, version)
                    }
                    Err(_) => {
                        let message = format!("armlint: internal error linting {}", path.display());
                        let params = LogMessageParams {
                            typ: MessageType::ERROR,
                            message,
                        };
                        if !self.send(LogMessage::METHOD, params) {
                            return false;
                        }
                        (Vec::new(), version)
                    }
                }
            }
        };
        let params = PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        };
        self.send(PublishDiagnostics::METHOD, params)
    }

    fn tell(&mut self, problems: &[String]) {
        // A problem fixed and made again is shown again.
        self.told.retain(|t| problems.contains(t));
        for p in problems {
            if self.told.contains(p) {
                continue;
            }
            let params = ShowMessageParams {
                typ: MessageType::ERROR,
                message: format!("armlint: {p}"),
            };
            self.send(ShowMessage::METHOD, params);
            self.told.push(p.clone());
        }
    }
}

fn lint(
    path: &Path,
    text: String,
    doc: &DocumentOptions,
    encoding: Encoding,
) -> Vec<lsp_types::Diagnostic> {
    let source = Arc::new(SourceFile::new(path, text));
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
        .map(|d| diagnostic(d, &rules, encoding))
        .collect()
}

fn diagnostic(
    d: &Diagnostic,
    rules: &[crate::rules::RuleRef],
    encoding: Encoding,
) -> lsp_types::Diagnostic {
    let range = |loc: &crate::diagnostic::Location| position::range(&loc.file, loc.span, encoding);
    let severity = match d.severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Note => DiagnosticSeverity::INFORMATION,
    };
    let related = d
        .related
        .iter()
        .filter_map(|r| {
            Some(DiagnosticRelatedInformation {
                location: Location::new(uri_from_path(&r.location.file.path)?, range(&r.location)),
                message: r.message.clone(),
            })
        })
        .collect();
    let code_description = crate::rules::find_in(rules, d.rule)
        .and_then(|r| r.meta().help_uri())
        .and_then(|href| href.parse::<Uri>().ok())
        .map(|href| CodeDescription { href });
    lsp_types::Diagnostic {
        range: range(&d.location),
        severity: Some(severity),
        code: Some(NumberOrString::String(d.rule.to_string())),
        code_description,
        source: Some("armlint".into()),
        message: d.with_help(d.message.clone()),
        related_information: Some(related),
        ..lsp_types::Diagnostic::default()
    }
}
