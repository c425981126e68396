//! `armlint lint`: find the templates, lint them, apply and write baselines, render, exit code.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::ValueEnum;

use super::configuration::{ConfigArgs, configuration_with_rules, read_instance_views};
use super::scope_args::ScopeArgs;
use super::{Color, Environment, Outcome};
use crate::arm::document::DocumentKind;
use crate::baseline::Baseline;
use crate::config::Config;
use crate::diagnostic::Severity;
use crate::discover::{DiscoverOptions, Input, discover};
use crate::emit::{self, OutputFormat, RenderOptions};
use crate::engine::{LintOptions, LintReport, lint_inputs};
use crate::rules::ExtraRules;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Note,
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
    #[command(flatten)]
    pub scope: ScopeArgs,
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

pub(super) fn lint(args: LintArgs, env: &mut Environment<'_>) -> Outcome {
    match run_lint(&args, env) {
        Ok(outcome) | Err(outcome) => outcome,
    }
}

/// The steps of a run, in the order their usage errors are reported: the options, the inputs,
/// the baseline target, the linting, the baselines, the rendering.
fn run_lint(args: &LintArgs, env: &mut Environment<'_>) -> Result<Outcome, Outcome> {
    let format: OutputFormat = args.format.parse().map_err(Outcome::usage)?;
    let (config, extra_rules, rule_problems) =
        configuration_with_rules(&args.config, &args.rules_dirs)?;
    let (opts, baseline) = lint_options(args, &config, extra_rules)?;
    let discover_opts = config.discover_options(&args.parameters, args.no_parameter_files);
    let found = find_inputs(args, &discover_opts, env)?;
    if let Some(target) = &args.write_baseline {
        let rules_dirs = config.rules_dirs(&args.rules_dirs);
        let mut read: Vec<PathBuf> = found
            .inputs
            .iter()
            .flat_map(crate::discover::files_read_by)
            .collect();
        read.extend(config.path.iter().cloned());
        read.extend(config.instance_views(&args.instance_views));
        refuse_to_overwrite_an_input(target, &read, &rules_dirs).map_err(Outcome::usage)?;
    }
    #[cfg(feature = "mimalloc")]
    crate::alloc::huge_pages_for_input(found.inputs.iter().map(|i| i.size).sum());
    let mut report = lint_inputs(&found.inputs, found.skipped, &opts);
    // Written before the old baseline applies: --baseline old --write-baseline new refreshes it.
    let wrote_baseline = match &args.write_baseline {
        Some(path) => write_baseline(path, &report)?,
        None => String::new(),
    };
    if let Some(b) = &baseline {
        crate::baseline::apply(&mut report, b);
    }
    let rules = opts.extra_rules.with_builtin();
    let render = RenderOptions {
        color: args.color.enabled(env),
        width: env.terminal_width.unwrap_or(100),
        statistics: args.statistics,
        rules: Some(&rules),
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
    Ok(Outcome {
        stdout,
        stderr: format!("{}{rule_problems}{wrote_baseline}", found.notes),
        code,
    })
}

/// The options of the run from the flags and the configuration, and the baseline to apply.
fn lint_options(
    args: &LintArgs,
    config: &Config,
    extra_rules: ExtraRules,
) -> Result<(LintOptions, Option<Baseline>), Outcome> {
    let selection = config.selection(&args.select, &args.ignore);
    let unknown = selection.unknown_names_among(&extra_rules.with_builtin());
    if !unknown.is_empty() {
        return Err(Outcome::usage(format!(
            "unknown rule(s): {} (see `armlint rules`)",
            unknown.join(", ")
        )));
    }
    let instance_views = read_instance_views(&config.instance_views(&args.instance_views))
        .map_err(Outcome::usage)?;
    let today = match args
        .today
        .as_deref()
        .map(|t| (t, crate::suppress::Date::parse(t)))
    {
        None => None,
        Some((_, Some(d))) => Some(d),
        Some((t, None)) => {
            return Err(Outcome::usage(format!(
                "--today {t}: not a date (YYYY-MM-DD)"
            )));
        }
    };
    // Read before linting: a malformed baseline is a usage error, not a late surprise.
    let baseline = args
        .baseline
        .as_deref()
        .map(Baseline::read)
        .transpose()
        .map_err(Outcome::usage)?;
    let opts = LintOptions {
        extra_rules,
        selection,
        instance_views,
        today,
        scope: config.scope(args.scope.scope_config()),
        // The statistics describe the whole template only when all of it is evaluated.
        evaluate_everything: args.statistics,
        severity_overrides: config.severity_overrides(),
        capacity_assumptions: config.capacity,
    };
    Ok((opts, baseline))
}

/// The templates a run lints, how many files it skipped, and discovery's notes for stderr.
#[derive(Default)]
struct FoundInputs {
    inputs: Vec<Input>,
    skipped: u64,
    notes: String,
}

/// The paths named (default `.`), `-` read from stdin, the rest discovered.
fn find_inputs(
    args: &LintArgs,
    discover_opts: &DiscoverOptions,
    env: &mut Environment<'_>,
) -> Result<FoundInputs, Outcome> {
    let mut paths = args.paths.clone();
    if paths.is_empty() {
        paths.push(PathBuf::from("."));
    }
    let mut found = FoundInputs::default();
    if paths.iter().any(|p| p.as_os_str() == "-") {
        read_stdin(args, discover_opts, env, &mut found)?;
        paths.retain(|p| p.as_os_str() != "-");
    }
    if !paths.is_empty() {
        let d = discover(&paths, discover_opts).map_err(Outcome::usage)?;
        found.skipped += d.skipped;
        found.inputs.extend(d.inputs);
        for n in d.notes {
            found.notes.push_str(&format!("armlint: note: {n}\n"));
        }
    }
    Ok(found)
}

/// The template on stdin, named by `--stdin-filename` (else `<stdin>`), as an input or a skip.
fn read_stdin(
    args: &LintArgs,
    discover_opts: &DiscoverOptions,
    env: &mut Environment<'_>,
    found: &mut FoundInputs,
) -> Result<(), Outcome> {
    // Read and decoded as a file on disk is: bounded, and a template in another encoding
    // or with a bad byte is a finding at it, not a usage error.
    let bytes = match crate::source::read::read_stream(env.stdin) {
        Err(crate::source::read::ReadFailure::Io(e)) => {
            return Err(Outcome::usage(format!("cannot read stdin: {e}")));
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
    if !excluded && crate::discover::language_of(&name) != crate::discover::Language::Json {
        found
            .inputs
            .push(bicep_from_stdin(args, discover_opts, name, bytes));
        return Ok(());
    }
    match crate::discover::text_of(&name, bytes) {
        _ if excluded => found.skipped += 1,
        Ok(Some(source)) => {
            let source = Arc::new(source);
            match crate::arm::document::sniff_kind(&source.text) {
                DocumentKind::Template(kind) => {
                    let parameter_files = if args.stdin_filename.is_some() {
                        discover_opts.parameter_files_for(&name)
                    } else {
                        args.parameters.clone()
                    };
                    found.inputs.push(Input {
                        path: name,
                        size: source.text.len() as u64,
                        source: Ok(Some(source)),
                        kind: Some(kind),
                        parameter_files,
                        pair_parameter_files: false,
                        siblings: None,
                    });
                }
                _ => found.skipped += 1,
            }
        }
        Ok(None) => found.skipped += 1,
        Err(unreadable) => found.inputs.push(Input {
            path: name,
            size: 0,
            source: Err(unreadable),
            kind: None,
            parameter_files: Vec::new(),
            pair_parameter_files: false,
            siblings: None,
        }),
    }
    Ok(())
}

/// Standard input named `X.bicep` (or `.bicepparam`): Bicep, whatever it holds; undecodable
/// text is a finding at its name, as on disk.
fn bicep_from_stdin(
    args: &LintArgs,
    discover_opts: &DiscoverOptions,
    name: PathBuf,
    bytes: Result<Vec<u8>, crate::source::read::ReadFailure>,
) -> Input {
    let decoded = bytes
        .map_err(|e| crate::discover::Unreadable::new(e.message()))
        .and_then(|b| {
            crate::source::read::decode(b).map_err(|e| {
                crate::discover::Unreadable::new(format!(
                    "not valid {} (byte {})",
                    e.encoding.name(),
                    e.byte
                ))
            })
        });
    let source = decoded.map(|d| Some(Arc::new(crate::source::SourceFile::new(&name, d.text))));
    Input {
        size: source
            .as_ref()
            .map_or(0, |s| s.as_ref().map_or(0, |s| s.text.len() as u64)),
        parameter_files: if args.stdin_filename.is_some() {
            discover_opts.parameter_files_for(&name)
        } else {
            args.parameters.clone()
        },
        path: name,
        source,
        kind: None,
        pair_parameter_files: false,
        siblings: None,
    }
}

/// Write the report's findings to `path` as a baseline; the line for stderr that says so.
fn write_baseline(path: &Path, report: &LintReport) -> Result<String, Outcome> {
    let text = crate::baseline::render(report);
    if let Err(e) = std::fs::write(path, text) {
        return Err(Outcome::usage(format!(
            "{}: cannot write the baseline: {e}",
            path.display()
        )));
    }
    Ok(format!(
        "armlint: wrote {} to {}\n",
        emit::plural(report.diagnostics.len() as u64, "finding", "findings"),
        crate::source::display_path(path)
    ))
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
