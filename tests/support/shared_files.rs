//! The shared Bicep sources (`../shared/bicep`) and a sorted walk of a directory's files.

use std::path::{Path, PathBuf};

/// `../shared/bicep`, or `None` (a message locally, a failure in CI) when it is absent.
pub fn shared_bicep() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bicep");
    if dir.is_dir() {
        Some(dir)
    } else {
        super::skip_unless_ci("../shared/bicep is absent");
        None
    }
}

/// Every file under `dir`, recursively, in sorted order (so what a test prints is stable).
pub fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}
