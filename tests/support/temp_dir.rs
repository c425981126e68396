//! A fresh directory per test, removed when the test ends.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh directory under the system temp dir, removed on drop. Its name holds the process ID
/// and a counter, so that tests running at once never share one.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "armlint-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Write `rel` (its directories made as needed).
    pub fn write(&self, rel: impl AsRef<Path>, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.0.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("parent dir");
        }
        std::fs::write(&p, bytes).expect("write");
        p
    }

    pub fn read(&self, rel: impl AsRef<Path>) -> String {
        std::fs::read_to_string(self.0.join(rel)).expect("read")
    }

    /// Make the directory `rel`.
    pub fn dir(&self, rel: impl AsRef<Path>) -> PathBuf {
        let p = self.0.join(rel);
        std::fs::create_dir_all(&p).expect("dirs");
        p
    }

    /// Copy a fixture of the repository to `rel`.
    pub fn fixture(&self, fixture: &str, rel: impl AsRef<Path>) -> PathBuf {
        let text =
            std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(fixture)).expect("fixture");
        self.write(rel, text)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
