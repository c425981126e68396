//! `armlint init`: write a commented starter `.armlint.yaml`.

use std::path::PathBuf;

use super::Outcome;
use crate::config;

#[derive(clap::Args, Debug)]
pub struct InitArgs {
    /// Directory to write .armlint.yaml in (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub path: Option<PathBuf>,
    /// Overwrite an existing configuration.
    #[arg(long)]
    pub force: bool,
}

pub(super) fn init(args: &InitArgs) -> Outcome {
    let dir = args.path.clone().unwrap_or_else(|| PathBuf::from("."));
    match config::init(&dir, args.force) {
        Ok(path) => Outcome {
            stdout: format!("wrote {}\n", crate::source::display_path(&path)),
            ..Outcome::default()
        },
        Err(e) => Outcome::usage(e),
    }
}
