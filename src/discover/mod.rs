//! Finding the templates to lint: walk the paths given (honouring `.gitignore` / `.ignore`, skipping
//! hidden directories) for candidate files, then [`load`] each one (once, when it is linted): keep
//! the files whose `$schema` names a deployment template and pair each with its parameter files.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::arm::document::{DocumentKind, sniff_kind};
use crate::arm::scope::ScopeKind;
use crate::source::read::{self, EntryKind, ReadFailure};
use crate::source::{SourceFile, Span};

pub mod bicep_config;
pub mod bicep_inputs;
pub mod module_loader;
pub mod walk;

#[derive(Clone, Debug, Default)]
pub struct DiscoverOptions {
    /// `--no-parameter-files`: do not pair parameter files automatically.
    pub no_parameter_files: bool,
    /// `--parameters FILE` (repeatable): used for every template instead of automatic pairing.
    pub explicit_parameters: Vec<PathBuf>,
    /// Files not to lint, whether walked or named (`exclude:` in `.armlint.yaml`).
    pub exclude: Option<PathGlobs>,
    /// Parameter files for the templates a glob matches (`parameters:` in `.armlint.yaml`), in
    /// addition to automatic pairing; `explicit_parameters` replace them.
    pub parameter_mappings: Vec<ParameterMapping>,
}

/// Parameter files for the templates `templates` matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParameterMapping {
    pub templates: PathGlobs,
    pub files: Vec<PathBuf>,
}

impl DiscoverOptions {
    /// Whether `path` (a template walked, named, or reported for stdin) is excluded.
    pub fn is_excluded(&self, path: &Path) -> bool {
        self.exclude
            .as_ref()
            .is_some_and(|globs| globs.matches(path, false))
    }

    /// Whether the parameter files beside a template are added when it is loaded.
    fn pairs(&self) -> bool {
        self.explicit_parameters.is_empty() && !self.no_parameter_files
    }

    /// The parameter files given for `template` before pairing: `--parameters` for every
    /// template, else those of every mapping whose glob matches it (in order, each once).
    fn given_parameter_files(&self, template: &Path) -> Vec<PathBuf> {
        if !self.explicit_parameters.is_empty() {
            return dedup_keep_order(&self.explicit_parameters);
        }
        let mapped: Vec<PathBuf> = self
            .parameter_mappings
            .iter()
            .filter(|m| m.templates.matches(template, false))
            .flat_map(|m| m.files.iter().cloned())
            .collect();
        dedup_keep_order(&mapped)
    }

    /// Every parameter file `template` is evaluated with, paired ones included (for a template
    /// that is not walked, such as stdin reported under a name).
    pub fn parameter_files_for(&self, template: &Path) -> Vec<PathBuf> {
        let mut files = self.given_parameter_files(template);
        if self.pairs() {
            add_paired(&mut files, template, None);
            files.extend(bicep_inputs::bicepparams_naming(template));
        }
        files
    }
}

/// Gitignore-style globs relative to a directory (a configuration file's): `legacy/` or
/// `legacy/**` the files under a directory, `*.generated.json` a name at any depth, a glob with
/// a slash anchored at the directory, `!keep.json` taken back out.
#[derive(Clone, Debug)]
pub struct PathGlobs {
    /// Absolute and lexically normalised, like the paths matched against it.
    root: PathBuf,
    /// What relative paths are relative to (the working directory).
    cwd: PathBuf,
    globs: Vec<String>,
    matcher: Arc<ignore::gitignore::Gitignore>,
    /// Directories can be pruned from a walk only when no glob takes files back out.
    has_negations: bool,
}

impl PartialEq for PathGlobs {
    fn eq(&self, other: &Self) -> bool {
        (&self.root, &self.cwd, &self.globs) == (&other.root, &other.cwd, &other.globs)
    }
}

impl Eq for PathGlobs {}

impl PathGlobs {
    /// Globs relative to `root`; relative paths (the root's, the matched ones) are relative to
    /// `cwd`.
    pub fn new(root: &Path, cwd: &Path, globs: &[String]) -> Result<PathGlobs, String> {
        let cwd = absolute_lexical(Path::new(""), cwd);
        let root = absolute_lexical(&cwd, root);
        let mut builder = Self::builder(&root);
        for glob in globs {
            Self::check(glob)?;
            builder
                .add_line(None, glob)
                .map_err(|e| format!("invalid glob '{glob}': {e}"))?;
        }
        let matcher = builder.build().map_err(|e| format!("invalid globs: {e}"))?;
        Ok(PathGlobs {
            root,
            cwd,
            globs: globs.to_vec(),
            has_negations: matcher.num_whitelists() > 0,
            matcher: Arc::new(matcher),
        })
    }

    /// Whether `glob` is a glob [`PathGlobs::new`] accepts; why not otherwise.
    pub fn check(glob: &str) -> Result<(), String> {
        if glob.trim().is_empty() {
            return Err("empty glob".into());
        }
        // In gitignore syntax these lines are comments: never what a list entry means.
        if glob.starts_with('#') {
            return Err(format!(
                "invalid glob '{glob}': a leading '#' makes it a comment; write '\\#' for the character"
            ));
        }
        let mut builder = Self::builder(Path::new("/"));
        builder
            .add_line(None, glob)
            .map_err(|e| format!("invalid glob '{glob}': {}", glob_error_text(&e)))?;
        builder
            .build()
            .map(|_| ())
            .map_err(|e| format!("invalid glob '{glob}': {}", glob_error_text(&e)))
    }

    fn builder(root: &Path) -> ignore::gitignore::GitignoreBuilder {
        let mut builder = ignore::gitignore::GitignoreBuilder::new(root);
        // As in `--glob` overrides: `[abc` is a mistake, not a literal bracket.
        builder.allow_unclosed_class(false);
        builder
    }

    /// The globs as written.
    pub fn globs(&self) -> &[String] {
        &self.globs
    }

    /// Whether a glob matches `path` or one of its directories up to the root; paths outside
    /// the root never match.
    pub fn matches(&self, path: &Path, is_dir: bool) -> bool {
        let absolute = absolute_lexical(&self.cwd, path);
        match absolute.strip_prefix(&self.root) {
            // Relative to the root and never empty, as the matcher requires.
            Ok(relative) if !relative.as_os_str().is_empty() => self
                .matcher
                .matched_path_or_any_parents(relative, is_dir)
                .is_ignore(),
            _ => false,
        }
    }

    /// Whether a walk may skip directory `dir` altogether.
    fn prunes(&self, dir: &Path) -> bool {
        !self.has_negations && self.matches(dir, true)
    }
}

/// The message of a glob error without the `ignore` crate's wrapping of it.
fn glob_error_text(e: &ignore::Error) -> String {
    match e {
        ignore::Error::Glob { err, .. } => err.clone(),
        other => other.to_string(),
    }
}

/// `path` made absolute against `cwd`, with `.` and `..` resolved lexically (no file system
/// access, so it works for paths that do not exist and is the same for every spelling).
pub fn absolute_lexical(cwd: &Path, path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in cwd.join(path).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(c);
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// A file to lint if it is a template, or one that could not be examined.
#[derive(Clone, Debug)]
pub struct Input {
    /// The path as given or found, without leading `./`.
    pub path: PathBuf,
    /// `Ok(None)`: [`load`] reads the file when it is linted. `Ok(Some)`: already loaded (stdin).
    /// `Err`: why it could not be read (the engine reports that as a finding).
    pub source: Result<Option<Arc<SourceFile>>, Unreadable>,
    /// The deployment scope; `None`: decided from the file's `$schema` when it is loaded.
    pub kind: Option<ScopeKind>,
    /// Parameter files to evaluate the template with, in order; empty: evaluate on defaults.
    pub parameter_files: Vec<PathBuf>,
    /// Add the parameter files found beside the template when it is loaded.
    pub pair_parameter_files: bool,
    /// The entries of the template's directory, when a walk read them: pairing uses them instead
    /// of reading the directory again.
    pub siblings: Option<walk::Listing>,
    /// Size in bytes when known, to schedule the largest files first.
    pub size: u64,
}

#[derive(Debug, Default)]
pub struct Discovery {
    /// Sorted by path, each file once.
    pub inputs: Vec<Input>,
    /// Files looked at that are not templates (parameter files, package.json, ...); files found
    /// by a walk are only examined when loaded, which counts them.
    pub skipped: u64,
    /// What the walk passed over and why (FIFOs, sockets, devices: reading them could block),
    /// for stderr.
    pub notes: Vec<String>,
}

/// Why a file that looks like a template cannot be linted, and where, when the problem has a
/// place in its text (a bad byte).
#[derive(Clone, Debug)]
pub struct Unreadable {
    pub message: String,
    /// The text before the problem, and the problem's span in it.
    pub at: Option<(Arc<SourceFile>, Span)>,
}

impl Unreadable {
    pub fn new(message: impl Into<String>) -> Unreadable {
        Unreadable {
            message: message.into(),
            at: None,
        }
    }

    /// The message, led by `line:col: ` when it has a place.
    pub fn located_message(&self) -> String {
        match &self.at {
            Some((file, span)) => {
                let (line, col) = file.line_col(span.start);
                format!("{line}:{col}: {}", self.message)
            }
            None => self.message.clone(),
        }
    }
}

/// What a candidate file is, once read.
pub enum Loaded {
    Template {
        source: Arc<SourceFile>,
        kind: ScopeKind,
        parameter_files: Vec<PathBuf>,
    },
    /// A `.bicep` template, with its parameter files (`.bicepparam` or JSON).
    Bicep {
        source: Arc<SourceFile>,
        parameter_files: Vec<PathBuf>,
    },
    /// A `.bicepparam` paired with no template (`using none`, or a template that cannot be
    /// found): linted alone, so its own errors are still reported.
    BicepParams { source: Arc<SourceFile> },
    /// Not a template (parameter file, package.json, binary): skipped silently.
    Skipped,
    /// Looks like a template but cannot be used: why (a finding at its path).
    Unreadable(Unreadable),
}

/// Read a candidate once and decide what it is; pair its parameter files when asked.
pub fn load(input: &Input) -> Loaded {
    let language = language_of(&input.path);
    if language != Language::Json {
        return load_bicep(input, language);
    }
    let source = match &input.source {
        Err(message) => return Loaded::Unreadable(message.clone()),
        Ok(Some(source)) => source.clone(),
        Ok(None) => match read_text(&input.path) {
            Ok(Some(source)) => Arc::new(source),
            Ok(None) => return Loaded::Skipped,
            Err(message) => return Loaded::Unreadable(message),
        },
    };
    let kind = match input.kind {
        Some(k) => k,
        None => match sniff_kind(&source.text) {
            DocumentKind::Template(k) => k,
            DocumentKind::Parameters => return Loaded::Skipped,
            DocumentKind::Other => {
                return match crate::arm::document::control_character_in_schema_key(&source.text) {
                    Some(at) => Loaded::Unreadable(broken_schema_key(source, at)),
                    None => Loaded::Skipped,
                };
            }
        },
    };
    let mut parameter_files = input.parameter_files.clone();
    if input.pair_parameter_files {
        add_paired(&mut parameter_files, &input.path, input.siblings.as_ref());
    }
    Loaded::Template {
        source,
        kind,
        parameter_files,
    }
}

/// A Bicep source: whatever it holds is Bicep (there is no `$schema` to tell), so a file that
/// cannot be read or decoded is a finding at its path.
fn load_bicep(input: &Input, language: Language) -> Loaded {
    let source = match &input.source {
        Err(message) => return Loaded::Unreadable(message.clone()),
        Ok(Some(source)) => source.clone(),
        Ok(None) => match SourceFile::read(&input.path) {
            Ok(source) => Arc::new(source),
            Err(e) => return Loaded::Unreadable(Unreadable::new(e.to_string())),
        },
    };
    if language == Language::BicepParams {
        return Loaded::BicepParams { source };
    }
    let mut parameter_files = input.parameter_files.clone();
    if input.pair_parameter_files {
        add_paired(&mut parameter_files, &input.path, input.siblings.as_ref());
        // A walk joined the .bicepparam files already; a file named alone finds its own.
        if input.siblings.is_none() {
            for p in bicep_inputs::bicepparams_naming(&input.path) {
                if !parameter_files.contains(&p) {
                    parameter_files.push(p);
                }
            }
        }
    }
    Loaded::Bicep {
        source,
        parameter_files,
    }
}

/// The text of a file; `Ok(None)` for one that is not a template (skipped like any other);
/// `Err` for one that cannot be read, or looks like a template but cannot be decoded.
fn read_text(path: &Path) -> Result<Option<SourceFile>, Unreadable> {
    match read::read_file(path) {
        Ok((bytes, EntryKind::Special(what))) if bytes.is_empty() => {
            Err(Unreadable::new(format!("{what} with nothing to read")))
        }
        Ok((bytes, _)) => text_of(path, Ok(bytes)),
        Err(e) => text_of(path, Err(e)),
    }
}

/// A template whose `$schema` key holds a control character at byte `at`.
fn broken_schema_key(source: Arc<SourceFile>, at: usize) -> Unreadable {
    let c = source
        .text
        .get(at..)
        .and_then(|r| r.chars().next())
        .unwrap_or('\0');
    let span = Span::new(at, at + c.len_utf8());
    Unreadable {
        message: format!(
            "the `$schema` key holds the control character U+{:04X}, so it is not `$schema`: the file looks like a template that is broken",
            u32::from(c)
        ),
        at: Some((source, span)),
    }
}

/// Decide what bytes read for `path` (a file, or stdin reported under that name) are: a
/// template's text, not a template (`Ok(None)`), or a template that cannot be used. Files that
/// are not decodable, or too large, are findings only when they look like templates; a stream
/// or device that exceeds the size limit always is (nothing else tells what it is).
pub fn text_of(
    path: &Path,
    bytes: Result<Vec<u8>, ReadFailure>,
) -> Result<Option<SourceFile>, Unreadable> {
    let looks_like_template = |text: &str| matches!(sniff_kind(text), DocumentKind::Template(_));
    let bytes = match bytes {
        Ok(b) => b,
        Err(ReadFailure::Io(e)) => return Err(Unreadable::new(e)),
        Err(e @ ReadFailure::TooLarge { .. }) => {
            let ReadFailure::TooLarge { head, regular } = &e else {
                return Err(Unreadable::new(e.message()));
            };
            let head_text = match read::decode(head.clone()) {
                Ok(d) => d.text,
                Err(d) => d.lossy,
            };
            return if !regular || looks_like_template(&head_text) {
                Err(Unreadable::new(e.message()))
            } else {
                Ok(None)
            };
        }
    };
    match read::decode(bytes) {
        Ok(d) if d.bom || d.encoding == read::Encoding::Utf8 => {
            Ok(Some(SourceFile::new(path, d.text)))
        }
        Ok(d) if looks_like_template(&d.text) => Err(Unreadable::new(
            crate::source::without_bom_message(d.encoding),
        )),
        Ok(_) => Ok(None),
        Err(e) if looks_like_template(&e.lossy) => {
            let at = Arc::new(SourceFile::new(path, e.valid));
            let offset = at.text.len();
            Err(Unreadable {
                message: format!(
                    "the file is not valid {} (byte {}); ARM templates must be UTF-8, or UTF-16 with a byte order mark",
                    e.encoding.name(),
                    e.byte
                ),
                at: Some((at, Span::new(offset, offset))),
            })
        }
        Err(_) => Ok(None),
    }
}

/// Every file linting `input` reads: the file itself and its parameter files, paired ones
/// included (from the walk's listing when there is one). For guarding inputs against being
/// overwritten; the directory is read again only for a file that was named, not walked.
pub fn files_read_by(input: &Input) -> Vec<PathBuf> {
    let mut files = vec![input.path.clone()];
    files.extend(input.parameter_files.iter().cloned());
    if input.pair_parameter_files {
        add_paired(&mut files, &input.path, input.siblings.as_ref());
    }
    files
}

/// Why discovery could not proceed (exit code 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiscoverError {
    /// A path named on the command line does not exist.
    NotFound(PathBuf),
    /// A path named on the command line exists but cannot be examined.
    Unreadable { path: PathBuf, message: String },
}

impl std::fmt::Display for DiscoverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DiscoverError::NotFound(p) => write!(f, "{}: no such file or directory", p.display()),
            DiscoverError::Unreadable { path, message } => {
                write!(f, "{}: {message}", path.display())
            }
        }
    }
}

impl std::error::Error for DiscoverError {}

/// Find the templates under `paths`. Files named explicitly are always examined (even hidden or
/// ignored ones, whatever their extension); directories are walked for `.json` / `.jsonc`,
/// `.bicep` and `.bicepparam` files; a `.bicepparam` joins the template its `using` names.
/// `-` (stdin) is the caller's business and is not accepted here.
pub fn discover(paths: &[PathBuf], opts: &DiscoverOptions) -> Result<Discovery, DiscoverError> {
    // (path, size, what its directory holds when walked): sizes schedule the largest files
    // first, the listing pairs parameter files.
    let mut candidates: Vec<(PathBuf, u64, Option<walk::Listing>)> = Vec::new();
    let mut walk_errors: Vec<Input> = Vec::new();
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut skipped = 0;
    let mut notes = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| stat_error(p, &e))?;
        if meta.is_dir() {
            dirs.push(p.clone());
        } else if opts.is_excluded(p) {
            // Named but excluded (pre-commit passes every staged file): looked at, not linted.
            skipped += 1;
        } else {
            candidates.push((normalize(p), meta.len(), None));
        }
    }
    for p in &opts.explicit_parameters {
        std::fs::metadata(p).map_err(|e| stat_error(p, &e))?;
    }
    if !dirs.is_empty() {
        let walked = walk::walk(&dirs, opts.exclude.as_ref());
        candidates.extend(
            walked
                .files
                .into_iter()
                .map(|(path, size, listing)| (path, size, Some(listing))),
        );
        notes.extend(walked.notes);
        walk_errors.extend(walked.errors.into_iter().map(|(path, message)| Input {
            path,
            source: Err(Unreadable::new(message)),
            kind: None,
            parameter_files: Vec::new(),
            pair_parameter_files: false,
            siblings: None,
            size: 0,
        }));
    }

    // With several paths the same file may be reached under two spellings (`dir/../dir/a.json`,
    // a walk and a name): keep the shortest, as the user most likely wrote that one. One walk
    // (links not followed) never yields a file twice, so it is spared a canonicalize per file.
    if paths.len() > 1 {
        let mut by_file: HashMap<PathBuf, (PathBuf, u64, Option<walk::Listing>)> = HashMap::new();
        for (p, size, listing) in candidates {
            let key = std::fs::canonicalize(&p).unwrap_or_else(|_| p.clone());
            let best = by_file
                .entry(key)
                .or_insert_with(|| (p.clone(), size, listing.clone()));
            // The same file, so the same directory: either listing will do.
            if best.2.is_none() {
                best.2 = listing;
            }
            if (p.as_os_str().len(), &p) < (best.0.as_os_str().len(), &best.0) {
                best.0 = p;
            }
        }
        candidates = by_file.into_values().collect();
    }
    candidates = sorted_by_path(candidates);

    // Files are read, sniffed and paired only when linted (`load`): once each, in parallel.
    let mut inputs: Vec<Input> = candidates
        .into_iter()
        .map(|(path, size, siblings)| Input {
            parameter_files: opts.given_parameter_files(&path),
            siblings,
            path,
            source: Ok(None),
            kind: None,
            pair_parameter_files: opts.pairs(),
            size,
        })
        .collect();
    // The candidates are in order already; comparing paths component-wise is not free.
    bicep_inputs::pair_bicepparams(&mut inputs, opts.pairs());
    if !walk_errors.is_empty() {
        inputs.extend(walk_errors);
        inputs.sort_by(|a, b| a.path.cmp(&b.path));
    }
    Ok(Discovery {
        inputs,
        skipped,
        notes,
    })
}

/// The candidates in `Path` order, then by size. `Path` compares component by component,
/// splitting both paths on every comparison (the corpus's 4,474 paths: 53 M instructions, most of
/// the work before linting starts, which runs on one thread); here each path becomes once a byte
/// key that sorts the same way, compared with `memcmp`.
fn sorted_by_path<T>(mut candidates: Vec<(PathBuf, u64, T)>) -> Vec<(PathBuf, u64, T)> {
    let keys: Option<Vec<Vec<u8>>> = candidates.iter().map(|c| path_order_key(&c.0)).collect();
    let Some(keys) = keys else {
        // A path with a prefix (Windows drive letters) compares by its parsed prefix.
        candidates.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        return candidates;
    };
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by(|&a, &b| {
        let size = |i: usize| candidates.get(i).map(|c| c.1);
        (keys.get(a), size(a)).cmp(&(keys.get(b), size(b)))
    });
    let mut slots: Vec<Option<_>> = candidates.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|i| slots.get_mut(i).and_then(Option::take))
        .collect()
}

/// Bytes that sort as `path`'s components do (`Path`'s order): each component ends with 0, which
/// sorts before any byte of a name (a path cannot hold NUL), so a name sorts after its prefixes;
/// the root, `.` and `..` are 1 followed by 1, 2, 3, before any name (Component's order), and a
/// name's own byte 1 is 1 followed by 4. `None` for a path with a prefix.
fn path_order_key(path: &Path) -> Option<Vec<u8>> {
    let mut key = Vec::with_capacity(path.as_os_str().len() + 8);
    for c in path.components() {
        match c {
            Component::Prefix(_) => return None,
            Component::RootDir => key.extend([1, 1]),
            Component::CurDir => key.extend([1, 2]),
            Component::ParentDir => key.extend([1, 3]),
            Component::Normal(name) => {
                for &b in name.as_encoded_bytes() {
                    if b == 1 {
                        key.extend([1, 4]);
                    } else {
                        key.push(b);
                    }
                }
            }
        }
        key.push(0);
    }
    Some(key)
}

fn stat_error(path: &Path, e: &std::io::Error) -> DiscoverError {
    match e.kind() {
        std::io::ErrorKind::NotFound => DiscoverError::NotFound(path.to_path_buf()),
        _ => DiscoverError::Unreadable {
            path: path.to_path_buf(),
            message: e.to_string(),
        },
    }
}

/// The language a file is read in, by its extension: `.bicep` and `.bicepparam` are Bicep,
/// anything else (`.json`, `.jsonc`, a file named on the command line) is JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    Json,
    Bicep,
    BicepParams,
}

pub fn language_of(p: &Path) -> Language {
    let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
    if ext.eq_ignore_ascii_case("bicep") {
        Language::Bicep
    } else if ext.eq_ignore_ascii_case("bicepparam") {
        Language::BicepParams
    } else {
        Language::Json
    }
}

/// The files a directory walk examines: JSON templates and Bicep sources.
fn is_candidate(p: &Path) -> bool {
    p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        ["json", "jsonc", "bicep", "bicepparam"]
            .iter()
            .any(|x| e.eq_ignore_ascii_case(x))
    })
}

/// Drop `.` components so `./a.json` and `a.json` are the same path in reports and sorting.
fn normalize(p: &Path) -> PathBuf {
    let out: PathBuf = p
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

/// [`normalize`] for an owned path, which is returned as it is when it has nothing to drop (a
/// walk's paths, below a root already normalized).
fn normalize_owned(p: PathBuf) -> PathBuf {
    let b = p.as_os_str().as_encoded_bytes();
    let contains = |needle: &[u8]| b.windows(needle.len()).any(|w| w == needle);
    // Windows separators and prefixes take the general path.
    if cfg!(windows)
        || b == b"."
        || b.starts_with(b"./")
        || b.ends_with(b"/.")
        || b.ends_with(b"/")
        || contains(b"/./")
        || contains(b"//")
    {
        normalize(&p)
    } else {
        p
    }
}

fn dedup_keep_order(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut seen = HashSet::new();
    paths
        .iter()
        .filter(|p| seen.insert(normalize(p)))
        .map(|p| normalize(p))
        .collect()
}

/// Add the files paired with `template` that are not listed yet (a mapping may name one), from
/// the listing of its directory when a walk read it.
fn add_paired(files: &mut Vec<PathBuf>, template: &Path, siblings: Option<&walk::Listing>) {
    let paired = match siblings {
        Some(listing) => paired_from_listing(template, listing),
        None => paired_parameter_files(template),
    };
    for p in paired {
        if !files.contains(&p) {
            files.push(p);
        }
    }
}

/// `X.parameters.json` and `X.parameters.*.json` beside `X.json` / `X.jsonc`, matched
/// case-insensitively on the file name, sorted by name. Also files ignored by `.gitignore`: they
/// belong to the template, not to the walk.
pub fn paired_parameter_files(template: &Path) -> Vec<PathBuf> {
    let Some(prefix) = parameter_prefix(template) else {
        return Vec::new();
    };
    let dir = template.parent().unwrap_or(Path::new(""));
    let read_from = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let Ok(entries) = std::fs::read_dir(read_from) else {
        return Vec::new();
    };
    let entries = entries
        .filter_map(Result::ok)
        .filter_map(|e| Some((e.file_name(), e.file_type().ok()?)));
    paired_among(dir, &prefix, entries)
}

/// [`paired_parameter_files`] from the entries of the template's directory, as a walk read them.
fn paired_from_listing(template: &Path, listing: &walk::Listing) -> Vec<PathBuf> {
    let Some(prefix) = parameter_prefix(template) else {
        return Vec::new();
    };
    let dir = template.parent().unwrap_or(Path::new(""));
    paired_among(dir, &prefix, listing.iter().cloned())
}

/// `x.parameters.` for `X.json` / `X.jsonc` / `X.bicep` (lowercase).
fn parameter_prefix(template: &Path) -> Option<String> {
    let lower = template.file_name()?.to_str()?.to_ascii_lowercase();
    let stem = lower
        .strip_suffix(".jsonc")
        .or_else(|| lower.strip_suffix(".json"))
        .or_else(|| lower.strip_suffix(".bicep"))?;
    Some(format!("{stem}.parameters."))
}

/// The files among `entries` (of directory `dir`) named `<prefix>json` or
/// `<prefix><something>.json`, case-insensitively, sorted.
fn paired_among(
    dir: &Path,
    prefix: &str,
    entries: impl Iterator<Item = (std::ffi::OsString, std::fs::FileType)>,
) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = entries
        .filter(|(file_name, file_type)| {
            let Some(n) = file_name.to_str() else {
                return false;
            };
            // `X.parameters.json`, or `X.parameters.<something>.json` with a non-empty middle,
            // compared without allocating: most entries are not parameter files.
            let matches = n.len() >= prefix.len() + 4
                && n.get(..prefix.len())
                    .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
                && n.get(n.len() - 4..)
                    .is_some_and(|x| x.eq_ignore_ascii_case("json"))
                && n.get(prefix.len()..n.len() - 4)
                    .is_some_and(|mid| mid.is_empty() || (mid.len() > 1 && mid.ends_with('.')));
            matches
                && (file_type.is_file()
                    || (file_type.is_symlink() && dir.join(file_name).is_file()))
        })
        .map(|(file_name, _)| dir.join(file_name))
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "resources": []}"#;
    const PARAMS: &str = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#", "parameters": {}}"#;

    pub(super) use crate::source::temp_dir::TempDir;

    /// The components sort as `Path` does, where byte order would not: a separator sorts
    /// before any name (`a/b` before `a-b`), `..` before names starting with a lower byte, a
    /// root before a relative path, `a//b` equal to `a/b`; equal paths by size, then as given.
    #[test]
    fn candidates_sort_as_paths_do() {
        let paths = [
            "a-b", "a/b", "a", "../x", "-/x", "/abs/z", "..a/b", "a//b", "a/b/", "z", "A", "a.b/c",
            "\u{1}", "\u{1}x", "\u{2}", "/", "", "..", "../..", "./a", "a/./b", "é/x", "e/x",
            "ab/c",
        ];
        let candidates: Vec<(PathBuf, u64, usize)> = paths
            .iter()
            .enumerate()
            .flat_map(|(i, p)| [(PathBuf::from(p), 2, i), (PathBuf::from(p), 1, i + 100)])
            .collect();
        let mut expected = candidates.clone();
        expected.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        assert_eq!(sorted_by_path(candidates), expected);
    }

    proptest::proptest! {
        /// Any paths of separators, dots, dashes, a byte 1 and a few letters sort as `Path` does.
        #[test]
        fn any_paths_sort_as_paths_do(
            paths in proptest::collection::vec("[/.\\-\u{1}aAé]{0,8}", 0..40),
        ) {
            let candidates: Vec<(PathBuf, u64, usize)> = paths
                .iter()
                .enumerate()
                .map(|(i, p)| (PathBuf::from(p), (i % 2) as u64, i))
                .collect();
            let mut expected = candidates.clone();
            expected.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
            proptest::prop_assert_eq!(sorted_by_path(candidates), expected);
        }
    }

    fn input_names(t: &TempDir, d: &Discovery) -> Vec<String> {
        d.inputs.iter().map(|i| t.rel(&i.path)).collect()
    }

    /// The inputs that load as templates, and how many were skipped.
    fn templates(t: &TempDir, d: &Discovery) -> (Vec<String>, usize) {
        let mut names = Vec::new();
        let mut skipped = 0;
        for i in &d.inputs {
            match load(i) {
                Loaded::Template { kind, .. } => {
                    assert_eq!(kind, ScopeKind::ResourceGroup);
                    names.push(t.rel(&i.path));
                }
                Loaded::Skipped => skipped += 1,
                Loaded::Unreadable(m) => panic!("{}: {}", i.path.display(), m.message),
                Loaded::Bicep { .. } | Loaded::BicepParams { .. } => panic!("no Bicep here"),
            }
        }
        (names, skipped)
    }

    #[test]
    fn walk_honours_gitignore_and_skips_hidden_and_non_templates() {
        let t = TempDir::new("walk");
        t.write(".gitignore", "build/\n");
        t.write("main.json", TEMPLATE);
        t.write("sub/Other.JSONC", TEMPLATE);
        t.write("sub/readme.md", TEMPLATE);
        t.write("build/out.json", TEMPLATE);
        t.write(".hidden/secret.json", TEMPLATE);
        t.write("package.json", r#"{"name": "x"}"#);
        t.write("main.parameters.json", PARAMS);
        let d = discover(std::slice::from_ref(&t.0), &DiscoverOptions::default()).unwrap();
        // The walk finds the JSON files; loading tells templates from the rest.
        assert_eq!(
            input_names(&t, &d),
            [
                "main.json",
                "main.parameters.json",
                "package.json",
                "sub/Other.JSONC"
            ]
        );
        assert_eq!(
            templates(&t, &d),
            (vec!["main.json".into(), "sub/Other.JSONC".into()], 2)
        );
    }

    #[test]
    fn explicit_files_are_considered_even_when_ignored_or_hidden() {
        let t = TempDir::new("explicit");
        t.write(".gitignore", "build/\n");
        let ignored = t.write("build/out.json", TEMPLATE);
        let hidden = t.write(".hidden/secret.json", TEMPLATE);
        let other = t.write("package.json", r#"{"name": "x"}"#);
        // The same file twice (a directory walk and a name) is one input.
        let d = discover(
            &[
                ignored.clone(),
                hidden,
                other,
                t.0.join("build/../build/out.json"),
            ],
            &DiscoverOptions::default(),
        )
        .unwrap();
        assert_eq!(
            templates(&t, &d),
            (
                vec![".hidden/secret.json".into(), "build/out.json".into()],
                1
            )
        );
    }

    #[test]
    fn pairs_parameter_files_beside_the_template() {
        let t = TempDir::new("pairing");
        t.write(".gitignore", "*.parameters.*\n");
        let main = t.write("main.json", TEMPLATE);
        t.write("main.parameters.prod.json", PARAMS);
        t.write("Main.Parameters.json", PARAMS);
        t.write("main.parameters..json", PARAMS);
        t.write("mainx.parameters.json", PARAMS);
        t.write("main.parameters.jsonc", PARAMS);
        let paired_with = |paths: &[PathBuf], opts: &DiscoverOptions| -> Vec<PathBuf> {
            let d = discover(paths, opts).unwrap();
            let mut found = d.inputs.iter().filter_map(|i| match load(i) {
                Loaded::Template {
                    parameter_files, ..
                } => Some(parameter_files),
                _ => None,
            });
            let first = found.next().expect("main.json is a template");
            assert!(found.next().is_none(), "one template");
            first
        };
        // Paired even when ignored: they belong to the template, not to the walk.
        let paired: Vec<String> = paired_with(std::slice::from_ref(&t.0), &Default::default())
            .iter()
            .map(|p| t.rel(p))
            .collect();
        assert_eq!(
            paired,
            ["Main.Parameters.json", "main.parameters.prod.json"]
        );

        let off = DiscoverOptions {
            no_parameter_files: true,
            ..Default::default()
        };
        assert!(paired_with(std::slice::from_ref(&main), &off).is_empty());

        let explicit = t.write("other/custom.json", PARAMS);
        let opts = DiscoverOptions {
            explicit_parameters: vec![explicit.clone()],
            ..Default::default()
        };
        assert_eq!(paired_with(std::slice::from_ref(&main), &opts), [explicit]);
    }

    #[test]
    fn missing_explicit_path_is_an_error() {
        let t = TempDir::new("missing");
        let missing = t.0.join("nope.json");
        let err =
            discover(std::slice::from_ref(&missing), &DiscoverOptions::default()).unwrap_err();
        assert_eq!(err, DiscoverError::NotFound(missing.clone()));
        let main = t.write("main.json", TEMPLATE);
        let opts = DiscoverOptions {
            explicit_parameters: vec![missing.clone()],
            ..Default::default()
        };
        assert_eq!(
            discover(std::slice::from_ref(&main), &opts).unwrap_err(),
            DiscoverError::NotFound(missing)
        );
    }

    #[test]
    fn non_utf8_template_is_an_input_with_an_error() {
        let t = TempDir::new("encoding");
        let mut bytes = TEMPLATE.as_bytes().to_vec();
        bytes.extend_from_slice(b" \xff");
        std::fs::write(t.0.join("latin1.json"), &bytes).unwrap();
        std::fs::write(t.0.join("binary.json"), b"\xff\xfe\x00").unwrap();
        let utf16: Vec<u8> = [0xff, 0xfe]
            .into_iter()
            .chain(TEMPLATE.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        std::fs::write(t.0.join("utf16.json"), utf16).unwrap();
        let d = discover(std::slice::from_ref(&t.0), &DiscoverOptions::default()).unwrap();
        let loaded: Vec<(String, String)> = d
            .inputs
            .iter()
            .map(|i| {
                let what = match load(i) {
                    Loaded::Template { .. } => "template".to_string(),
                    Loaded::Bicep { .. } | Loaded::BicepParams { .. } => "bicep".to_string(),
                    Loaded::Skipped => "skipped".to_string(),
                    Loaded::Unreadable(m) => m.located_message(),
                };
                (t.rel(&i.path), what)
            })
            .collect();
        assert_eq!(loaded[0].0, "binary.json");
        assert_eq!(loaded[0].1, "skipped");
        assert_eq!(loaded[1].0, "latin1.json");
        assert!(loaded[1].1.contains("UTF-8"), "{:?}", loaded[1]);
        assert_eq!(loaded[2].0, "utf16.json");
        // Azure reads UTF-16 with a byte order mark, and so does armlint.
        assert_eq!(loaded[2].1, "template");
    }

    fn globs(t: &TempDir, globs: &[&str]) -> PathGlobs {
        let globs: Vec<String> = globs.iter().map(|g| g.to_string()).collect();
        PathGlobs::new(&t.0, Path::new("/elsewhere"), &globs).expect("valid globs")
    }

    #[test]
    fn exclude_applies_to_walked_and_named_files() {
        let t = TempDir::new("exclude");
        t.write("main.json", TEMPLATE);
        t.write("legacy/old.json", TEMPLATE);
        t.write("legacy/deep/older.json", TEMPLATE);
        t.write("legacy/keep.json", TEMPLATE);
        t.write("sub/app.generated.json", TEMPLATE);
        t.write("sub/app.json", TEMPLATE);
        let opts = DiscoverOptions {
            exclude: Some(globs(
                &t,
                &["legacy/", "*.generated.json", "!legacy/keep.json"],
            )),
            ..Default::default()
        };
        let d = discover(std::slice::from_ref(&t.0), &opts).unwrap();
        assert_eq!(
            input_names(&t, &d),
            ["legacy/keep.json", "main.json", "sub/app.json"]
        );
        // Named files are excluded too, and counted as looked at.
        let named = [t.0.join("legacy/old.json"), t.0.join("sub/app.json")];
        let d = discover(&named, &opts).unwrap();
        assert_eq!(input_names(&t, &d), ["sub/app.json"]);
        assert_eq!(d.skipped, 1);
        // Without a negation a whole directory is pruned from the walk.
        let opts = DiscoverOptions {
            exclude: Some(globs(&t, &["legacy/**"])),
            ..Default::default()
        };
        let d = discover(std::slice::from_ref(&t.0), &opts).unwrap();
        assert_eq!(
            input_names(&t, &d),
            ["main.json", "sub/app.generated.json", "sub/app.json"]
        );
    }

    #[test]
    fn globs_are_relative_to_their_directory() {
        let t = TempDir::new("globs");
        let g = globs(&t, &["infra/*.json", "generated/"]);
        assert!(g.matches(&t.0.join("infra/main.json"), false));
        assert!(!g.matches(&t.0.join("other/infra/main.json"), false));
        assert!(g.matches(&t.0.join("a/generated/x/y.json"), false));
        assert!(g.matches(&t.0.join("x/../infra/main.json"), false));
        // Outside the directory nothing matches; relative paths are relative to the cwd given.
        assert!(!g.matches(Path::new("/infra/main.json"), false));
        assert!(!g.matches(Path::new("infra/main.json"), false));
        let from_cwd = PathGlobs::new(Path::new("conf"), &t.0, &["*.json".to_string()]).unwrap();
        assert!(from_cwd.matches(Path::new("conf/a.json"), false));
        assert!(from_cwd.matches(&t.0.join("conf/sub/a.json"), false));
        assert!(!from_cwd.matches(Path::new("a.json"), false));
        assert!(PathGlobs::check("a[").is_err());
        assert!(PathGlobs::check("").is_err());
        assert!(PathGlobs::check("# note").is_err());
        assert!(PathGlobs::check("**/*.generated.json").is_ok());
    }

    #[test]
    fn mapped_parameter_files_come_before_paired_ones() {
        let t = TempDir::new("mapping");
        t.write("infra/main.json", TEMPLATE);
        t.write("infra/main.parameters.json", PARAMS);
        t.write("other.json", TEMPLATE);
        let prod = t.write("env/prod.json", PARAMS);
        let dev = t.write("env/dev.json", PARAMS);
        let mapping = |glob: &str, files: &[&PathBuf]| ParameterMapping {
            templates: globs(&t, &[glob]),
            files: files.iter().map(|f| (*f).clone()).collect(),
        };
        let opts = DiscoverOptions {
            parameter_mappings: vec![
                mapping("infra/main.json", &[&prod]),
                mapping("infra/*.json", &[&dev, &prod]),
            ],
            ..Default::default()
        };
        let files_of = |opts: &DiscoverOptions| -> Vec<(String, Vec<String>)> {
            let d = discover(std::slice::from_ref(&t.0), opts).unwrap();
            d.inputs
                .iter()
                .filter_map(|i| match load(i) {
                    Loaded::Template {
                        parameter_files, ..
                    } => Some((
                        t.rel(&i.path),
                        parameter_files.iter().map(|p| t.rel(p)).collect(),
                    )),
                    _ => None,
                })
                .collect()
        };
        assert_eq!(
            files_of(&opts),
            [
                (
                    "infra/main.json".to_string(),
                    vec![
                        "env/prod.json".to_string(),
                        "env/dev.json".to_string(),
                        "infra/main.parameters.json".to_string()
                    ]
                ),
                ("other.json".to_string(), vec![])
            ]
        );
        // Without pairing only the mapping; --parameters replaces everything.
        let no_pairing = DiscoverOptions {
            no_parameter_files: true,
            ..opts.clone()
        };
        assert_eq!(
            files_of(&no_pairing)[0].1,
            ["env/prod.json", "env/dev.json"]
        );
        let explicit = DiscoverOptions {
            explicit_parameters: vec![dev.clone()],
            ..opts.clone()
        };
        assert_eq!(files_of(&explicit)[0].1, ["env/dev.json"]);
        assert_eq!(
            opts.parameter_files_for(&t.0.join("infra/main.json"))
                .iter()
                .map(|p| t.rel(p))
                .collect::<Vec<_>>(),
            [
                "env/prod.json",
                "env/dev.json",
                "infra/main.parameters.json"
            ]
        );
    }

    #[test]
    fn relative_paths_stay_relative_without_dot_prefix() {
        assert_eq!(
            normalize(Path::new("./a/./b.json")),
            PathBuf::from("a/b.json")
        );
        assert_eq!(normalize(Path::new(".")), PathBuf::from("."));
    }

    #[test]
    fn the_owned_fast_path_normalizes_alike() {
        for p in [
            ".",
            "./",
            "./a.json",
            "a/./b.json",
            "a//b.json",
            "a/b/",
            "a/b/.",
            "/a/b.json",
            "a/b.json",
            "../a/b.json",
            "a/../b.json",
            ".a/b.json",
            "a/.b.json",
            "..",
            "a/..",
            "/",
            "//a",
            "a/.../b",
        ] {
            assert_eq!(
                normalize_owned(PathBuf::from(p)).as_os_str(),
                normalize(Path::new(p)).as_os_str(),
                "{p}"
            );
        }
    }
}
