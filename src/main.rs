//! The `armlint` binary: parse arguments, run, print, exit. All logic is in the library.

use std::io::{IsTerminal, Write};

use clap::Parser;

#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: armlint::alloc::Allocator = armlint::alloc::Allocator;

fn main() {
    // Small runs (an editor's save, one staged file) are faster without huge pages; the linting
    // turns them back on when the input is large (`armlint::alloc::use_huge_pages`).
    #[cfg(feature = "mimalloc")]
    armlint::alloc::use_huge_pages(false);
    let cli = armlint::cli::Cli::parse();
    if let armlint::cli::Command::Lsp(args) = &cli.command {
        let (connection, io_threads) = armlint::lsp::stdio();
        let (code, stderr) = armlint::cli::serve_lsp(&connection, args);
        drop(connection);
        io_threads.join();
        let _ = std::io::stderr().write_all(stderr.as_bytes());
        std::process::exit(code);
    }
    let stdin = std::io::stdin();
    let mut lock = stdin.lock();
    let mut env = armlint::cli::Environment {
        stdout_is_terminal: std::io::stdout().is_terminal(),
        no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        stdin: &mut lock,
        terminal_width: std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()),
    };
    let outcome = armlint::cli::run(cli, &mut env);
    // A closed pipe (`armlint ... | head`) is not an error worth a panic.
    let _ = std::io::stdout().write_all(outcome.stdout.as_bytes());
    let _ = std::io::stderr().write_all(outcome.stderr.as_bytes());
    std::process::exit(outcome.code);
}
