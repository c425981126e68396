//! The command line (clap derive). [`run`] returns what to print and the exit code; `main.rs` prints.
//!
//! One file per command (`lint.rs` is `armlint lint`, `test_rules.rs` is `armlint test-rules`, …);
//! this file holds what they share: the argument tree, [`Outcome`] (output and exit code),
//! [`Environment`] (the terminal), colour; `configuration.rs` reads the configuration, users'
//! rules and instance views the commands start from.

use std::io::Read;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

mod capacity;
mod configuration;
mod explain;
mod graph;
mod init;
mod lint;
mod lsp;
mod rules;
mod scope_args;
mod test_rules;

pub use capacity::{CapacityArgs, CapacityFormat};
pub use configuration::ConfigArgs;
pub use graph::{GraphArgs, GraphFormat};
pub use init::InitArgs;
pub use lint::{FailOn, LintArgs};
pub use lsp::{LspArgs, serve_lsp};
pub use rules::{ListFormat, RulesArgs};
pub use test_rules::TestRulesArgs;

#[derive(Parser, Debug)]
#[command(
    name = "armlint",
    version,
    about = "A policy linter for Azure Resource Manager templates"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Lint files and directories (default: .); `-` reads stdin.
    Lint(LintArgs),
    /// The capacity plan per reservation group: reserved, demanded, state, instances without SLA.
    Capacity(CapacityArgs),
    /// Print the resolved resource graph of a template.
    Graph(GraphArgs),
    /// List every rule.
    Rules(RulesArgs),
    /// Print a rule's documentation (by ID or name).
    Explain {
        /// Rule ID (`VMSS001`) or name (`member-of-non-flexible`).
        rule: String,
        /// Also load declarative rules from DIR (repeatable).
        #[arg(long = "rules-dir", value_name = "DIR")]
        rules_dirs: Vec<PathBuf>,
    },
    /// Run policy authors' rule tests: the `*.tests.yaml` files under DIR, with the rules of DIR.
    TestRules(TestRulesArgs),
    /// Speak the Language Server Protocol over stdio (for editors).
    Lsp(LspArgs),
    /// Write a commented starter .armlint.yaml.
    Init(InitArgs),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

impl Color {
    /// Whether to colour the output: `auto` only on a terminal, and not under NO_COLOR.
    fn enabled(self, env: &Environment<'_>) -> bool {
        match self {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => env.stdout_is_terminal && !env.no_color,
        }
    }
}

/// What the process should print and its exit code.
#[derive(Debug, Default)]
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Outcome {
    fn usage(msg: impl std::fmt::Display) -> Outcome {
        // Usage errors name paths the user gave; none may drive the terminal.
        let msg = crate::source::printable_text(&msg.to_string());
        Outcome {
            stderr: format!("armlint: {msg}\n"),
            code: 2,
            ..Outcome::default()
        }
    }
}

/// Context the binary supplies: whether stdout is a terminal, NO_COLOR, and stdin.
pub struct Environment<'a> {
    pub stdout_is_terminal: bool,
    pub no_color: bool,
    pub stdin: &'a mut dyn Read,
    pub terminal_width: Option<usize>,
}

pub fn run(cli: Cli, env: &mut Environment<'_>) -> Outcome {
    match cli.command {
        Command::Lint(args) => lint::lint(args, env),
        Command::Capacity(args) => capacity::capacity(args, env),
        Command::Graph(args) => graph::graph(args),
        Command::Rules(args) => rules::list_rules(args),
        Command::Explain { rule, rules_dirs } => explain::explain(&rule, &rules_dirs),
        Command::TestRules(args) => test_rules::test_rules(args),
        Command::Lsp(_) => Outcome::usage("`lsp` needs a connection: run it from the binary"),
        Command::Init(args) => init::init(&args),
    }
}
