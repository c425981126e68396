//! The command line (clap derive). [`run`] returns what to print and the exit code; `main.rs` prints.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};

use crate::arm::document::DocumentKind;
use crate::arm::graph::ResourceGraph;
use crate::arm::scope::ScopeConfig;
use crate::arm::template::{ParameterSet, expand};
use crate::config::{self, Config};
use crate::diagnostic::Severity;
use crate::discover::{Input, discover};
use crate::emit::{self, OutputFormat, RenderOptions};
use crate::engine::{LintOptions, lint_inputs};
use crate::rules;
use crate::source::SourceFile;
use crate::source::json;

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

#[derive(clap::Args, Debug)]
pub struct LspArgs {
    /// Also load declarative rules from DIR (repeatable).
    #[arg(long = "rules-dir", value_name = "DIR")]
    pub rules_dirs: Vec<PathBuf>,
}

/// `armlint lsp` on a connection (the binary gives it stdio): the exit code, and what to say on
/// stderr (the client shows a server's stderr in its log).
pub fn serve_lsp(connection: &lsp_server::Connection, args: &LspArgs) -> (i32, String) {
    // A long-lived process that lints whole documents on every change: huge pages pay off.
    #[cfg(feature = "mimalloc")]
    crate::alloc::use_huge_pages(true);
    // Each document is linted with the configuration nearest to it (its workspace's
    // `.armlint.yaml`); the server reads it again when it or a rule file changes.
    let rules_dirs = args.rules_dirs.clone();
    let options = move |found: Option<&std::path::Path>| -> crate::lsp::DocumentOptions {
        let config_args = ConfigArgs {
            config: found.map(std::path::Path::to_path_buf),
            no_config: found.is_none(),
        };
        match configuration_with_rules(&config_args, &rules_dirs) {
            Ok((config, extra_rules, problems)) => {
                let lint = LintOptions {
                    extra_rules,
                    selection: config.selection(&[], &[]),
                    scope: config.scope(ScopeConfig::default()),
                    severity_overrides: config.severity_overrides(),
                    capacity_assumptions: config.capacity,
                    instance_views: read_instance_views(&config.instance_views(&[]))
                        .unwrap_or_default(),
                    ..LintOptions::default()
                };
                crate::lsp::DocumentOptions {
                    lint,
                    discover: config.discover_options(&[], false),
                    problems: problems
                        .lines()
                        .map(|l| l.trim_start_matches("armlint: ").to_string())
                        .collect(),
                    rules_dirs: config.rules_dirs(&rules_dirs),
                }
            }
            Err(o) => crate::lsp::DocumentOptions {
                problems: vec![o.stderr.trim().trim_start_matches("armlint: ").to_string()],
                rules_dirs: rules_dirs.clone(),
                ..Default::default()
            },
        }
    };
    (
        crate::lsp::serve(connection, Box::new(options)),
        String::new(),
    )
}

#[derive(clap::Args, Debug)]
pub struct TestRulesArgs {
    /// A directory of rule files and their tests (or one test file).
    pub dir: PathBuf,
    /// Also load declarative rules from DIR (repeatable).
    #[arg(long = "rules-dir", value_name = "DIR")]
    pub rules_dirs: Vec<PathBuf>,
    /// Print each case, also the passing ones.
    #[arg(long, short)]
    pub verbose: bool,
}

/// Which configuration file is in effect.
#[derive(clap::Args, Debug, Default)]
pub struct ConfigArgs {
    /// Configuration file (default: the nearest .armlint.yaml from the current directory upward).
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Use no configuration file.
    #[arg(long)]
    pub no_config: bool,
}

#[derive(clap::Args, Debug)]
pub struct InitArgs {
    /// Directory to write .armlint.yaml in (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub path: Option<PathBuf>,
    /// Overwrite an existing configuration.
    #[arg(long)]
    pub force: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(clap::Args, Debug)]
pub struct LintArgs {
    /// Files and directories to lint; `-` reads a template from stdin.
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, default_value = "human")]
    pub format: String,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Parameter file for the template(s) named (repeatable; each set is evaluated).
    #[arg(long = "parameters", value_name = "FILE")]
    pub parameters: Vec<PathBuf>,
    /// Do not pair parameter files automatically.
    #[arg(long)]
    pub no_parameter_files: bool,
    /// Run only these rules (IDs or names, comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Do not run these rules (IDs or names, comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// The path to report for `-` (editors); parameter files are paired relative to it.
    #[arg(long)]
    pub stdin_filename: Option<PathBuf>,
    /// Print the run's summary counts.
    #[arg(long)]
    pub statistics: bool,
    /// Live instance view of a capacity reservation group (repeatable): groups the templates
    /// only reference become known to the capacity rules.
    #[arg(long = "instance-view", value_name = "FILE")]
    pub instance_views: Vec<PathBuf>,
    /// Colour: only on a terminal by default; NO_COLOR is honoured.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Subscription ID for `subscription()` (otherwise symbolic).
    #[arg(long, value_name = "ID")]
    pub subscription_id: Option<String>,
    /// Resource group name for `resourceGroup()` (otherwise symbolic).
    #[arg(long, value_name = "NAME")]
    pub resource_group: Option<String>,
    /// Location of the resource group (otherwise symbolic).
    #[arg(long, value_name = "LOCATION")]
    pub location: Option<String>,
    /// Also load declarative rules from DIR (repeatable).
    #[arg(long = "rules-dir", value_name = "DIR")]
    pub rules_dirs: Vec<PathBuf>,
    /// Report only findings whose fingerprint is not in FILE (written by --write-baseline).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record today's findings in FILE as a baseline; exits 0 unless the run itself failed.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// The date suppression expiry dates are compared with (YYYY-MM-DD; default: today, UTC).
    /// For reproducible tests.
    #[arg(long, value_name = "YYYY-MM-DD", hide = true)]
    pub today: Option<String>,
    #[command(flatten)]
    pub config: ConfigArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CapacityFormat {
    Table,
    Markdown,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct CapacityArgs {
    /// Files and directories (default: .).
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = CapacityFormat::Table)]
    pub format: CapacityFormat,
    /// Parameter file for the template(s) named (repeatable).
    #[arg(long = "parameters", value_name = "FILE")]
    pub parameters: Vec<PathBuf>,
    /// Do not pair parameter files automatically.
    #[arg(long)]
    pub no_parameter_files: bool,
    /// Live instance view of a capacity reservation group (`GET …?$expand=instanceView`, or
    /// `az capacity reservation group show --instance-view`); repeatable.
    #[arg(long = "instance-view", value_name = "FILE")]
    pub instance_views: Vec<PathBuf>,
    /// Colour: only on a terminal by default; NO_COLOR is honoured.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Subscription ID for `subscription()` (otherwise symbolic).
    #[arg(long, value_name = "ID")]
    pub subscription_id: Option<String>,
    /// Resource group name for `resourceGroup()` (otherwise symbolic).
    #[arg(long, value_name = "NAME")]
    pub resource_group: Option<String>,
    /// Location of the resource group (otherwise symbolic).
    #[arg(long, value_name = "LOCATION")]
    pub location: Option<String>,
    #[command(flatten)]
    pub config: ConfigArgs,
}

/// Read the instance views named on the command line; the first problem is a usage error.
fn read_instance_views(
    paths: &[PathBuf],
) -> Result<Vec<crate::capacity::instance_view::InstanceView>, String> {
    let views = paths
        .iter()
        .map(|p| {
            let name = crate::source::display_path(p);
            let file = SourceFile::read(p).map_err(|e| format!("{name}: {e}"))?;
            crate::capacity::instance_view::parse(&name, &file.text).map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, String>>()?;
    crate::capacity::instance_view::check_distinct(&views).map_err(|e| e.to_string())?;
    Ok(views)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Dot,
    Mermaid,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct GraphArgs {
    /// The template.
    pub file: PathBuf,
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
    /// Parameter file to evaluate with (default: the paired one, else defaults).
    #[arg(long = "parameters", value_name = "FILE")]
    pub parameters: Option<PathBuf>,
    #[arg(long)]
    pub subscription_id: Option<String>,
    #[arg(long)]
    pub resource_group: Option<String>,
    #[command(flatten)]
    pub config: ConfigArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct RulesArgs {
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
    /// Also load declarative rules from DIR (repeatable).
    #[arg(long = "rules-dir", value_name = "DIR")]
    pub rules_dirs: Vec<PathBuf>,
    #[command(flatten)]
    pub config: ConfigArgs,
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
        Command::Lint(args) => lint(args, env),
        Command::Capacity(args) => capacity(args, env),
        Command::Graph(args) => graph(args),
        Command::Rules(args) => list_rules(args),
        Command::Explain { rule, rules_dirs } => explain(&rule, &rules_dirs),
        Command::TestRules(args) => test_rules(args),
        Command::Lsp(_) => Outcome::usage("`lsp` needs a connection: run it from the binary"),
        Command::Init(args) => init(&args),
    }
}

/// The configuration in effect for a command; an invalid one is a usage error.
fn configuration(args: &ConfigArgs) -> Result<Config, Outcome> {
    let cwd = std::env::current_dir()
        .map_err(|e| Outcome::usage(format!("cannot read the current directory: {e}")))?;
    config::resolve(args.config.as_deref(), !args.no_config, &cwd).map_err(Outcome::usage)
}

/// The configuration with the declarative rules of its `rulesDirs` and of `--rules-dir`, and
/// the problems of broken rule files (for stderr). The file is read twice: first to learn its
/// rule directories, then to check the rule names it uses against every rule, loaded ones too.
fn configuration_with_rules(
    args: &ConfigArgs,
    cli_rules_dirs: &[PathBuf],
) -> Result<(Config, rules::ExtraRules, String), Outcome> {
    let cwd = std::env::current_dir()
        .map_err(|e| Outcome::usage(format!("cannot read the current directory: {e}")))?;
    let explicit = args.config.as_deref();
    let first = config::resolve_with(explicit, !args.no_config, &cwd, &config::KnownRules::any())
        .map_err(Outcome::usage)?;
    let (extra, problems) = load_user_rules(&first.rules_dirs(cli_rules_dirs));
    let known = config::KnownRules::new(
        extra
            .with_builtin()
            .iter()
            .map(|r| (r.meta().id.to_string(), r.meta().name.to_string())),
    );
    let config =
        config::resolve_with(explicit, !args.no_config, &cwd, &known).map_err(Outcome::usage)?;
    Ok((config, extra, problems))
}

fn init(args: &InitArgs) -> Outcome {
    let dir = args.path.clone().unwrap_or_else(|| PathBuf::from("."));
    match config::init(&dir, args.force) {
        Ok(path) => Outcome {
            stdout: format!("wrote {}\n", crate::source::display_path(&path)),
            ..Outcome::default()
        },
        Err(e) => Outcome::usage(e),
    }
}

/// Users' rules from `dirs`; the problems as lines for stderr.
fn load_user_rules(dirs: &[PathBuf]) -> (rules::ExtraRules, String) {
    let (loaded, errors) = rules::declarative::load_dirs(dirs, rules::all());
    let mut stderr = String::new();
    for e in &errors {
        stderr.push_str(&format!("armlint: {e}\n"));
    }
    if !errors.is_empty() {
        stderr.push_str(&format!(
            "armlint: {} rule file problem(s); the other rules ran\n",
            errors.len()
        ));
    }
    (rules::ExtraRules(loaded), stderr)
}

fn lint(args: LintArgs, env: &mut Environment<'_>) -> Outcome {
    let format: OutputFormat = match args.format.parse() {
        Ok(f) => f,
        Err(e) => return Outcome::usage(e),
    };
    let (config, extra_rules, rule_problems) =
        match configuration_with_rules(&args.config, &args.rules_dirs) {
            Ok(c) => c,
            Err(o) => return o,
        };
    let selection = config.selection(&args.select, &args.ignore);
    let unknown = selection.unknown_names_among(&extra_rules.with_builtin());
    if !unknown.is_empty() {
        return Outcome::usage(format!(
            "unknown rule(s): {} (see `armlint rules`)",
            unknown.join(", ")
        ));
    }
    let instance_views = match read_instance_views(&config.instance_views(&args.instance_views)) {
        Ok(v) => v,
        Err(e) => return Outcome::usage(e),
    };
    let today = match args
        .today
        .as_deref()
        .map(|t| (t, crate::suppress::Date::parse(t)))
    {
        None => None,
        Some((_, Some(d))) => Some(d),
        Some((t, None)) => return Outcome::usage(format!("--today {t}: not a date (YYYY-MM-DD)")),
    };
    // Read before linting: a malformed baseline is a usage error, not a late surprise.
    let baseline = match args
        .baseline
        .as_deref()
        .map(crate::baseline::Baseline::read)
    {
        None => None,
        Some(Ok(b)) => Some(b),
        Some(Err(e)) => return Outcome::usage(e),
    };
    let opts = LintOptions {
        extra_rules,
        selection,
        instance_views,
        today,
        scope: config.scope(ScopeConfig {
            subscription_id: args.subscription_id.clone(),
            resource_group: args.resource_group.clone(),
            location: args.location.clone(),
            tenant_id: None,
        }),
        // The statistics describe the whole template only when all of it is evaluated.
        evaluate_everything: args.statistics,
        severity_overrides: config.severity_overrides(),
        capacity_assumptions: config.capacity,
    };
    let discover_opts = config.discover_options(&args.parameters, args.no_parameter_files);
    let mut paths = args.paths.clone();
    if paths.is_empty() {
        paths.push(PathBuf::from("."));
    }
    let mut inputs: Vec<Input> = Vec::new();
    let mut skipped = 0;
    let mut notes = String::new();
    if paths.iter().any(|p| p.as_os_str() == "-") {
        // Read and decoded as a file on disk is: bounded, and a template in another encoding
        // or with a bad byte is a finding at it, not a usage error.
        let bytes = match crate::source::read::read_stream(env.stdin) {
            Err(crate::source::read::ReadFailure::Io(e)) => {
                return Outcome::usage(format!("cannot read stdin: {e}"));
            }
            other => other,
        };
        let name = args
            .stdin_filename
            .clone()
            .unwrap_or_else(|| PathBuf::from("<stdin>"));
        // An editor linting the buffer of an excluded file gets nothing, as on disk.
        let excluded = args
            .stdin_filename
            .as_ref()
            .is_some_and(|n| discover_opts.is_excluded(n));
        match crate::discover::text_of(&name, bytes) {
            _ if excluded => skipped += 1,
            Ok(Some(source)) => {
                let source = Arc::new(source);
                match crate::arm::document::sniff_kind(&source.text) {
                    DocumentKind::Template(kind) => {
                        let parameter_files = if args.stdin_filename.is_some() {
                            discover_opts.parameter_files_for(&name)
                        } else {
                            args.parameters.clone()
                        };
                        inputs.push(Input {
                            path: name,
                            size: source.text.len() as u64,
                            source: Ok(Some(source)),
                            kind: Some(kind),
                            parameter_files,
                            pair_parameter_files: false,
                            siblings: None,
                        });
                    }
                    _ => skipped += 1,
                }
            }
            Ok(None) => skipped += 1,
            Err(unreadable) => inputs.push(Input {
                path: name,
                size: 0,
                source: Err(unreadable),
                kind: None,
                parameter_files: Vec::new(),
                pair_parameter_files: false,
                siblings: None,
            }),
        }
        paths.retain(|p| p.as_os_str() != "-");
    }
    if !paths.is_empty() {
        match discover(&paths, &discover_opts) {
            Ok(d) => {
                skipped += d.skipped;
                inputs.extend(d.inputs);
                for n in d.notes {
                    notes.push_str(&format!("armlint: note: {n}\n"));
                }
            }
            Err(e) => return Outcome::usage(e),
        }
    }
    if let Some(target) = &args.write_baseline {
        let rules_dirs = config.rules_dirs(&args.rules_dirs);
        let mut read: Vec<PathBuf> = inputs
            .iter()
            .flat_map(crate::discover::files_read_by)
            .collect();
        read.extend(config.path.iter().cloned());
        read.extend(config.instance_views(&args.instance_views));
        if let Err(e) = refuse_to_overwrite_an_input(target, &read, &rules_dirs) {
            return Outcome::usage(e);
        }
    }
    #[cfg(feature = "mimalloc")]
    crate::alloc::huge_pages_for_input(inputs.iter().map(|i| i.size).sum());
    let mut report = lint_inputs(&inputs, skipped, &opts);
    // Written before the old baseline applies: --baseline old --write-baseline new refreshes it.
    let mut stderr = String::new();
    if let Some(path) = &args.write_baseline {
        let text = crate::baseline::render(&report);
        if let Err(e) = std::fs::write(path, text) {
            return Outcome::usage(format!(
                "{}: cannot write the baseline: {e}",
                path.display()
            ));
        }
        stderr = format!(
            "armlint: wrote {} to {}\n",
            emit::plural(report.diagnostics.len() as u64, "finding", "findings"),
            crate::source::display_path(path)
        );
    }
    if let Some(b) = &baseline {
        crate::baseline::apply(&mut report, b);
    }
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => env.stdout_is_terminal && !env.no_color,
    };
    let render = RenderOptions {
        color,
        width: env.terminal_width.unwrap_or(100),
        statistics: args.statistics,
        // Leaked once: the rules live as long as the process anyway.
        rules: Some(Box::leak(
            opts.extra_rules.with_builtin().into_boxed_slice(),
        )),
    };
    let stdout = emit::render(&report, format, &render);
    let fail_on = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Note => Some(Severity::Note),
        FailOn::Never => None,
    };
    // A broken rule file never passes silently: the findings of the other rules are printed,
    // and the run fails as "could not proceed".
    let code = if !rule_problems.is_empty() {
        2
    } else {
        i32::from(args.write_baseline.is_none() && report.fails(fail_on))
    };
    Outcome {
        stdout,
        stderr: format!("{notes}{rule_problems}{stderr}"),
        code,
    }
}

/// `--write-baseline FILE` must not replace a file the run reads: a template, a parameter file,
/// the configuration, an instance view, or a file in a rule directory. Compared by canonical
/// path, so another spelling or a link to the same file is caught too.
fn refuse_to_overwrite_an_input(
    target: &std::path::Path,
    read: &[PathBuf],
    rules_dirs: &[PathBuf],
) -> Result<(), String> {
    // A file that does not exist yet is not an input.
    let Ok(canonical) = std::fs::canonicalize(target) else {
        return Ok(());
    };
    let shown = crate::source::display_path(target);
    if let Some(input) = read
        .iter()
        .find(|p| std::fs::canonicalize(p).is_ok_and(|c| c == canonical))
    {
        return Err(format!(
            "--write-baseline {shown}: refusing to overwrite {}, which this run reads",
            crate::source::display_path(input)
        ));
    }
    if let Some(dir) = rules_dirs
        .iter()
        .find(|d| std::fs::canonicalize(d).is_ok_and(|d| canonical.starts_with(d)))
    {
        return Err(format!(
            "--write-baseline {shown}: refusing to write into the rule directory {}",
            crate::source::display_path(dir)
        ));
    }
    Ok(())
}

fn capacity(args: CapacityArgs, env: &mut Environment<'_>) -> Outcome {
    let config = match configuration(&args.config) {
        Ok(c) => c,
        Err(o) => return o,
    };
    let opts = LintOptions {
        scope: config.scope(ScopeConfig {
            subscription_id: args.subscription_id.clone(),
            resource_group: args.resource_group.clone(),
            location: args.location.clone(),
            tenant_id: None,
        }),
        capacity_assumptions: config.capacity,
        ..LintOptions::default()
    };
    let discover_opts = config.discover_options(&args.parameters, args.no_parameter_files);
    let mut paths = args.paths.clone();
    if paths.is_empty() {
        paths.push(PathBuf::from("."));
    }
    let d = match discover(&paths, &discover_opts) {
        Ok(d) => d,
        Err(e) => return Outcome::usage(e),
    };
    let views = match read_instance_views(&config.instance_views(&args.instance_views)) {
        Ok(v) => v,
        Err(e) => return Outcome::usage(e),
    };
    #[cfg(feature = "mimalloc")]
    crate::alloc::huge_pages_for_input(d.inputs.iter().map(|i| i.size).sum());
    let (mut plan, problems) = crate::engine::capacity_plan(&d.inputs, &opts);
    if let Err(e) = crate::capacity::plan::apply_views(&mut plan, &views) {
        return Outcome::usage(e.to_string());
    }
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => env.stdout_is_terminal && !env.no_color,
    };
    let stdout = match args.format {
        CapacityFormat::Table => emit::capacity_table::render(&plan, color),
        CapacityFormat::Markdown => emit::capacity_markdown::render(&plan),
        CapacityFormat::Json => emit::capacity_json::render(&plan),
    };
    // A file the plan could not read leaves it incomplete: say so, and fail like lint does.
    let stderr: String = problems
        .iter()
        .map(|(file, why)| {
            let file = crate::source::printable_text(file);
            format!("armlint: {file}: {why} (left out of the plan)\n")
        })
        .collect();
    Outcome {
        code: i32::from(!problems.is_empty()),
        stdout,
        stderr,
    }
}

fn graph(args: GraphArgs) -> Outcome {
    let config = match configuration(&args.config) {
        Ok(c) => c,
        Err(o) => return o,
    };
    let source = match SourceFile::read(&args.file) {
        Ok(s) => Arc::new(s),
        Err(e) => return Outcome::usage(format!("{}: {e}", args.file.display())),
    };
    let root = match json::parse(&source.text) {
        Ok(r) => r,
        Err(e) => {
            let (line, col) = source.line_col(e.span.start);
            return Outcome {
                stderr: format!(
                    "{}:{line}:{col}: invalid JSON: {}\n",
                    source.display_path(),
                    e.message
                ),
                code: 1,
                ..Outcome::default()
            };
        }
    };
    let kind = match json::as_object(&root)
        .and_then(|o| json::get_str(o, "$schema"))
        .map(crate::arm::document::kind_of_schema)
    {
        Some(DocumentKind::Template(k)) => k,
        _ => {
            return Outcome::usage(format!(
                "{}: not an ARM template (no deployment template $schema)",
                source.display_path()
            ));
        }
    };
    // Else the first the configuration maps to the template, or the first paired one.
    let param_path = args.parameters.clone().or_else(|| {
        config
            .discover_options(&[], false)
            .parameter_files_for(&args.file)
            .into_iter()
            .next()
    });
    let params = match param_path {
        Some(p) => match SourceFile::read(&p)
            .map_err(|e| e.to_string())
            .and_then(|f| ParameterSet::from_file(Arc::new(f)).map_err(|e| e.message))
        {
            Ok(set) => set,
            Err(e) => return Outcome::usage(format!("{}: {e}", p.display())),
        },
        None => ParameterSet::default(),
    };
    let scope = config.scope(ScopeConfig {
        subscription_id: args.subscription_id,
        resource_group: args.resource_group,
        location: None,
        tenant_id: None,
    });
    let graph = ResourceGraph::build(expand(&source, &root, kind, &params, &scope));
    let stdout = match args.format {
        GraphFormat::Dot => emit::graph_dot::render(&graph),
        GraphFormat::Mermaid => emit::graph_mermaid::render(&graph),
        GraphFormat::Json => emit::graph_json::render(&graph, &source),
    };
    Outcome {
        stdout,
        ..Outcome::default()
    }
}

fn list_rules(args: RulesArgs) -> Outcome {
    let (config, extra, problems) = match configuration_with_rules(&args.config, &args.rules_dirs) {
        Ok(c) => c,
        Err(o) => return o,
    };
    let rules = extra.with_builtin();
    let origin = |m: &rules::RuleMeta| {
        if extra.0.iter().any(|r| std::ptr::eq(r.meta(), m)) {
            m.source
        } else {
            "builtin"
        }
    };
    // With a configuration, what it makes of each rule: its severity, or off.
    let selection = config.selection(&[], &[]);
    let overrides = config.severity_overrides();
    let parse_error = rules::syntax::parse_error::ParseError::META.id;
    let effective = |m: &rules::RuleMeta| match overrides.get(m.id) {
        Some(s) if m.id != parse_error => *s,
        _ => m.severity,
    };
    let stdout = match args.format {
        ListFormat::Json => {
            let list: Vec<serde_json::Value> = rules
                .iter()
                .map(|r| {
                    let m = r.meta();
                    serde_json::json!({
                        "id": m.id, "name": m.name, "severity": effective(m).as_str(),
                        "category": m.category, "summary": m.summary, "source": origin(m),
                        "definedIn": m.source, "enabled": selection.enabled(m),
                    })
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&list).unwrap_or_default();
            s.push('\n');
            s
        }
        ListFormat::Table => {
            let mut s = format!(
                "{:<24} {:<26} {:<8} {:<11} {}\n",
                "ID", "NAME", "SEVERITY", "CATEGORY", "SUMMARY"
            );
            for r in &rules {
                let m = r.meta();
                let severity = if selection.enabled(m) {
                    effective(m).as_str()
                } else {
                    "off"
                };
                s.push_str(&format!(
                    "{:<24} {:<26} {:<8} {:<11} {}\n",
                    m.id, m.name, severity, m.category, m.summary
                ));
            }
            s
        }
    };
    Outcome {
        stdout,
        code: if problems.is_empty() { 0 } else { 2 },
        stderr: problems,
    }
}

fn explain(id: &str, rules_dirs: &[PathBuf]) -> Outcome {
    let (extra, problems) = load_user_rules(rules_dirs);
    let Some(rule) = rules::find_in(&extra.with_builtin(), id) else {
        return Outcome {
            stderr: format!("{problems}armlint: no rule named '{id}' (see `armlint rules`)\n"),
            code: 2,
            ..Outcome::default()
        };
    };
    let m = rule.meta();
    let docs: String = m
        .docs
        .lines()
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    let stdout = format!(
        "# {} {}\n\nseverity: {} · category: {} · declared in {}\n\n{}\n",
        m.id,
        m.name,
        m.severity,
        m.category,
        m.source,
        docs.trim_end()
    );
    Outcome {
        stdout,
        code: if problems.is_empty() { 0 } else { 2 },
        stderr: problems,
    }
}

/// `armlint test-rules DIR`: like a test runner, one line per failing case (every case with
/// `--verbose`), then the counts. Exit 0 when all pass, 1 when one fails, 2 when a rule or test
/// file cannot be read.
fn test_rules(args: TestRulesArgs) -> Outcome {
    let mut dirs = vec![args.dir.clone()];
    dirs.extend(args.rules_dirs.iter().cloned());
    let (extra, problems) = load_user_rules(&dirs);
    let rules = extra.with_builtin();
    let opts = LintOptions {
        extra_rules: extra,
        ..LintOptions::default()
    };
    let run = crate::engine::rule_tests::run_dir(&args.dir, &rules, &opts);
    let mut out = String::new();
    let mut current_file = "";
    for r in &run.results {
        if !args.verbose && r.passed() {
            continue;
        }
        if r.file != current_file {
            out.push_str(&format!("{}\n", r.file));
            current_file = &r.file;
        }
        let status = if r.passed() { "PASS" } else { "FAIL" };
        let detail = match (&r.error, r.actual) {
            (Some(e), _) => format!(": {e}"),
            (None, Some(actual)) if actual != r.expected => format!(
                ": expected {} to {}, it {}",
                r.rule,
                r.expected.as_str(),
                if actual == crate::engine::rule_tests::Verdict::Fail {
                    "reported a finding"
                } else {
                    "reported nothing"
                }
            ),
            _ => format!(" ({} {})", r.rule, r.expected.as_str()),
        };
        out.push_str(&format!("  {status}  {}{detail}\n", r.case));
        if !r.passed() {
            for f in &r.findings {
                out.push_str(&format!("          {f}\n"));
            }
        }
    }
    let mut stderr = problems;
    for e in &run.errors {
        stderr.push_str(&format!("armlint: {e}\n"));
    }
    out.push_str(&format!(
        "{} test(s): {} passed, {} failed\n",
        run.results.len(),
        run.passed(),
        run.failed()
    ));
    let code = if !stderr.is_empty() {
        2
    } else if run.failed() > 0 || run.results.is_empty() {
        1
    } else {
        0
    };
    if run.results.is_empty() && stderr.is_empty() {
        stderr = format!(
            "armlint: no tests under {} (test files end in .tests.yaml)\n",
            args.dir.display()
        );
    }
    Outcome {
        stdout: out,
        stderr,
        code,
    }
}
