//! What the integration tests share. Each test binary compiles this module and uses a part of it.

#![allow(dead_code, unused_imports)]

mod isolated;
mod shared_files;
mod temp_dir;

pub use isolated::{isolated, isolated_within};
pub use shared_files::{files_under, shared_bicep};
pub use temp_dir::TempDir;

/// A test that cannot run here because something it needs is missing (a tool, `../shared`):
/// a message locally, a failure in CI (`CI` set), where `.ci/run` installs everything it needs, so
/// that a green CI run means every test ran.
pub fn skip_unless_ci(reason: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{reason}: CI is set, so this test must run (.ci/run installs what it needs)"
    );
    eprintln!("skipped: {reason}");
}
