//! The directory walk: `.gitignore`, `.ignore`, `.git/info/exclude` and the global git excludes
//! honoured, hidden entries skipped, links not followed, with the rules and the precedence of the
//! `ignore` crate's walker as discovery configures it (`tests` below compare the two). Each
//! directory is read once, and what it holds is kept for pairing parameter files, which would
//! otherwise read every template's directory a second time (pairing also takes ignored files:
//! they belong to the template, not to the walk).

use std::ffi::OsString;
use std::fs::FileType;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};

use super::PathGlobs;
use crate::source::read::EntryKind;

/// The entries of one directory, as read.
pub type Listing = Arc<[(OsString, FileType)]>;

/// What a walk found.
#[derive(Default)]
pub struct Walked {
    /// Candidate files (`.json` / `.jsonc` / `.bicep` / `.bicepparam`): path, size, and the listing of their directory.
    pub files: Vec<(PathBuf, u64, Listing)>,
    /// Directories that could not be read: path and why.
    pub errors: Vec<(PathBuf, String)>,
    /// Candidates passed over because they are not regular files (a FIFO, a socket, a device,
    /// or a link to one): reading them could block or never end. Sorted by the caller.
    pub notes: Vec<String>,
}

/// The ignore rules of one directory, then its parent's.
struct Level {
    parent: Option<Arc<Level>>,
    /// `.ignore`: precedes `.gitignore` at every level.
    ignore: Gitignore,
    gitignore: Gitignore,
    /// `.git/info/exclude` of a repository whose top is this directory.
    exclude: Gitignore,
    /// A directory above the walk's root: matched with absolute paths.
    above_root: bool,
}

/// A walk's root, with the directories above it.
struct Root {
    /// The root as given, without a leading `./`.
    given: PathBuf,
    /// Its canonical path, for the rules of the directories above it.
    canonical: Option<PathBuf>,
    /// Whether any directory above the root has rules.
    rules_above: bool,
}

struct Shared<'e> {
    global: Gitignore,
    exclude: Option<&'e PathGlobs>,
    found: Mutex<Walked>,
}

/// Walk `roots` (directories) for candidate files.
pub fn walk(roots: &[PathBuf], exclude: Option<&PathGlobs>) -> Walked {
    let cwd = std::env::current_dir().unwrap_or_default();
    let shared = Shared {
        global: GitignoreBuilder::new(&cwd).build_global().0,
        exclude,
        found: Mutex::new(Walked::default()),
    };
    rayon::scope(|scope| {
        for given in roots {
            let given = strip_dot_slash(given).to_path_buf();
            let canonical = given.canonicalize().ok();
            let mut above: Option<Arc<Level>> = None;
            let mut rules_above = false;
            if let Some(c) = &canonical {
                // From the file system's root down to the root's parent.
                let mut parents: Vec<&Path> = c.ancestors().skip(1).collect();
                parents.reverse();
                for dir in parents {
                    let level = level_of(dir, above.take(), None, true);
                    rules_above |= !level.ignore.is_empty()
                        || !level.gitignore.is_empty()
                        || !level.exclude.is_empty();
                    above = Some(Arc::new(level));
                }
            }
            let root = Arc::new(Root {
                given: given.clone(),
                canonical,
                rules_above,
            });
            let shared = &shared;
            scope.spawn(move |s| visit(s, shared, root, given, above));
        }
    });
    let mut found = shared.found.into_inner().unwrap_or_default();
    found.notes.sort();
    found
}

fn strip_dot_slash(p: &Path) -> &Path {
    match p.strip_prefix("./") {
        Ok(rest) if !rest.as_os_str().is_empty() => rest,
        _ => p,
    }
}

/// The rules of `dir`: from its listing when it was read (only the ignore files it holds are
/// opened), otherwise by looking for them (the directories above the root).
fn level_of(
    dir: &Path,
    parent: Option<Arc<Level>>,
    listing: Option<&[(OsString, FileType)]>,
    above_root: bool,
) -> Level {
    let holds = |name: &str| match listing {
        Some(entries) => entries.iter().any(|(n, _)| n == name),
        None => dir.join(name).symlink_metadata().is_ok(),
    };
    let rules = |file: PathBuf| -> Gitignore {
        let mut builder = GitignoreBuilder::new(dir);
        // Skipped when it cannot be read, a line that is not a valid glob too: as git and the
        // `ignore` crate do (its rules are missing, so the walk takes more files, never fewer).
        let _ = builder.add(&file);
        builder.build().unwrap_or_else(|_| Gitignore::empty())
    };
    let ignore = if holds(".ignore") {
        rules(dir.join(".ignore"))
    } else {
        Gitignore::empty()
    };
    let gitignore = if holds(".gitignore") {
        rules(dir.join(".gitignore"))
    } else {
        Gitignore::empty()
    };
    let exclude = if holds(".git") {
        match git_common_dir(dir) {
            Some(git) => rules(git.join("info/exclude")),
            None => Gitignore::empty(),
        }
    } else {
        Gitignore::empty()
    };
    Level {
        parent,
        ignore,
        gitignore,
        exclude,
        above_root,
    }
}

/// The repository directory of `dir/.git`: the directory itself, or for a worktree or submodule
/// (a `.git` file saying `gitdir: …`) its common directory.
fn git_common_dir(dir: &Path) -> Option<PathBuf> {
    let dot_git = dir.join(".git");
    let meta = std::fs::metadata(&dot_git).ok()?;
    if !meta.is_file() {
        return Some(dot_git);
    }
    let text = std::fs::read_to_string(&dot_git).ok()?;
    let real = PathBuf::from(text.lines().next()?.strip_prefix("gitdir: ")?);
    let common = std::fs::read_to_string(real.join("commondir")).ok()?;
    let line = common.lines().next()?;
    Some(if line.starts_with('.') {
        real.join(line)
    } else {
        PathBuf::from(line)
    })
}

/// Whether the rules of `level` and the levels above ignore `path`.
fn matched(shared: &Shared, root: &Root, level: &Level, path: &Path, is_dir: bool) -> Match<()> {
    let (mut m_ignore, mut m_git, mut m_exclude) = (Match::None, Match::None, Match::None);
    let mut at = Some(level);
    let mut absolute: Option<PathBuf> = None;
    while let Some(l) = at {
        let p: &Path = if l.above_root {
            if !root.rules_above {
                break;
            }
            let Some(canonical) = &root.canonical else {
                break;
            };
            absolute.get_or_insert_with(|| {
                let relative = if root.given == Path::new(".") {
                    path
                } else {
                    let r = path.strip_prefix(&root.given).unwrap_or(path);
                    r.strip_prefix("/").unwrap_or(r)
                };
                canonical.join(relative)
            })
        } else {
            path
        };
        if m_ignore.is_none() {
            m_ignore = l.ignore.matched(p, is_dir).map(|_| ());
        }
        if m_git.is_none() {
            m_git = l.gitignore.matched(p, is_dir).map(|_| ());
        }
        if m_exclude.is_none() {
            m_exclude = l.exclude.matched(p, is_dir).map(|_| ());
        }
        at = l.parent.as_deref();
    }
    m_ignore
        .or(m_git)
        .or(m_exclude)
        .or(shared.global.matched(path, is_dir).map(|_| ()))
}

fn visit<'s>(
    scope: &rayon::Scope<'s>,
    shared: &'s Shared<'s>,
    root: Arc<Root>,
    dir: PathBuf,
    parent: Option<Arc<Level>>,
) {
    let read = match std::fs::read_dir(&dir) {
        Ok(r) => r,
        Err(e) => {
            push_error(shared, &dir, &e);
            return;
        }
    };
    let mut entries: Vec<(std::fs::DirEntry, FileType)> = Vec::new();
    for e in read {
        match e.and_then(|e| {
            let t = e.file_type()?;
            Ok((e, t))
        }) {
            Ok(entry) => entries.push(entry),
            Err(e) => push_error(shared, &dir, &e),
        }
    }
    let listing: Listing = entries
        .iter()
        .map(|(e, t)| (e.file_name(), *t))
        .collect::<Vec<_>>()
        .into();
    let level = Arc::new(level_of(&dir, parent, Some(&listing), false));
    let mut files = Vec::new();
    let mut notes = Vec::new();
    for ((entry, file_type), (name, _)) in entries.iter().zip(listing.iter()) {
        let path = dir.join(name);
        let is_dir = file_type.is_dir();
        let m = matched(shared, &root, &level, strip_dot_slash(&path), is_dir);
        if m.is_ignore() || (m.is_none() && name.as_encoded_bytes().first() == Some(&b'.')) {
            continue;
        }
        if is_dir {
            if shared.exclude.is_some_and(|x| x.prunes(&path)) {
                continue;
            }
            let (root, level) = (root.clone(), level.clone());
            scope.spawn(move |s| visit(s, shared, root, path, Some(level)));
        } else if super::is_candidate(&path)
            && !shared.exclude.is_some_and(|x| x.matches(&path, false))
        {
            // A link is read through: what it points to must be a regular file too (a link to
            // a missing file is left to the read, which reports it).
            let special = match crate::source::read::entry_kind(file_type) {
                EntryKind::Special(what) if !file_type.is_symlink() => Some(what),
                _ if file_type.is_symlink() => match std::fs::metadata(&path) {
                    Ok(target) => match crate::source::read::entry_kind(&target.file_type()) {
                        EntryKind::Special(what) => Some(what),
                        EntryKind::Regular => None,
                    },
                    Err(_) => None,
                },
                _ => None,
            };
            if let Some(what) = special {
                let shown = crate::source::printable_path(&super::normalize_owned(path));
                notes.push(format!("skipped {shown}: {what}, not a regular file"));
                continue;
            }
            // Relative to the open directory (no path lookup); a link's own size, as links
            // are not followed.
            let size = entry.metadata().map_or(0, |m| m.len());
            files.push((super::normalize_owned(path), size, listing.clone()));
        }
    }
    if (!files.is_empty() || !notes.is_empty())
        && let Ok(mut found) = shared.found.lock()
    {
        found.files.extend(files);
        found.notes.extend(notes);
    }
}

fn push_error(shared: &Shared, dir: &Path, e: &std::io::Error) {
    if let Ok(mut found) = shared.found.lock() {
        found.errors.push((super::normalize(dir), e.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::TempDir;
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    const DIRS: [&str; 6] = ["", "a", "a/b", "c", ".h", "a/.g"];
    const FILES: [&str; 6] = [
        "x.json",
        "y.jsonc",
        ".z.json",
        "x.parameters.json",
        "k.log",
        "main.JSON",
    ];
    const LINES: [&str; 18] = [
        "*.json",
        "!x.json",
        "y.jsonc",
        "/x.json",
        "b/",
        "b",
        "a",
        "!.z.json",
        ".z.json",
        "x*",
        "**/x.json",
        "*.parameters.json",
        "!*.parameters.json",
        "c/",
        "/a/b",
        "# a comment",
        "!b/",
        ".h",
    ];

    /// A tree: for each directory, the files it holds and the lines of its `.gitignore` and
    /// `.ignore` (`None`: no such file).
    type Tree = Vec<(Vec<bool>, Option<Vec<usize>>, Option<Vec<usize>>)>;

    fn tree() -> impl Strategy<Value = Tree> {
        let lines = || proptest::option::of(proptest::collection::vec(0..LINES.len(), 0..4));
        proptest::collection::vec(
            (
                proptest::collection::vec(any::<bool>(), FILES.len()),
                lines(),
                lines(),
            ),
            DIRS.len(),
        )
    }

    /// The tree on disk, in a directory removed when the result is dropped.
    fn write(tree: &Tree) -> TempDir {
        let dir = TempDir::new("walk");
        for (sub, (files, gitignore, ignore)) in DIRS.iter().zip(tree) {
            let d = dir.0.join(sub);
            std::fs::create_dir_all(&d).expect("temp dir");
            for (name, present) in FILES.iter().zip(files) {
                if *present {
                    std::fs::write(d.join(name), "{}").expect("temp file");
                }
            }
            for (name, lines) in [(".gitignore", gitignore), (".ignore", ignore)] {
                if let Some(lines) = lines {
                    let text: Vec<&str> = lines
                        .iter()
                        .filter_map(|&i| LINES.get(i).copied())
                        .collect();
                    std::fs::write(d.join(name), text.join("\n")).expect("ignore file");
                }
            }
        }
        dir
    }

    /// The files the `ignore` crate's walker yields, configured as discovery used it.
    fn reference(root: &Path) -> BTreeSet<PathBuf> {
        ignore::WalkBuilder::new(root)
            .hidden(true)
            .require_git(false)
            .follow_links(false)
            .build()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
            .map(|e| e.into_path())
            .filter(|p| super::super::is_candidate(p))
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

        #[test]
        fn finds_what_the_ignore_crate_finds(t in tree()) {
            let dir = write(&t);
            let root = dir.0.clone();
            let ours: BTreeSet<PathBuf> = walk(std::slice::from_ref(&root), None)
                .files
                .into_iter()
                .map(|(p, _, _)| p)
                .collect();
            let theirs = reference(&root);
            prop_assert_eq!(ours, theirs);
        }
    }

    #[test]
    fn an_ignore_file_that_cannot_be_read_is_passed_over_as_the_ignore_crate_does() {
        let t: Tree = vec![(vec![true, false, false, false, false, false], None, None); DIRS.len()];
        let dir = write(&t);
        let root = dir.0.clone();
        // A directory where the file should be: reading it fails.
        std::fs::create_dir_all(root.join("c/.gitignore")).expect("temp dir");
        let walked = walk(std::slice::from_ref(&root), None);
        let reference_errors = ignore::WalkBuilder::new(&root)
            .hidden(true)
            .require_git(false)
            .build()
            .filter(Result::is_err)
            .count();
        let theirs = reference(&root);
        assert_eq!((walked.errors.len(), reference_errors), (0, 0));
        let ours: BTreeSet<PathBuf> = walked.files.into_iter().map(|(p, _, _)| p).collect();
        assert_eq!(ours.len(), 4);
        assert_eq!(ours, theirs);
    }

    #[test]
    fn listings_hold_ignored_and_hidden_files_and_sizes_are_the_files() {
        let t: Tree = vec![
            (
                vec![true, false, true, true, false, false],
                Some(vec![11]),
                None,
            ),
            (vec![false; 6], None, None),
            (vec![false; 6], None, None),
            (vec![false; 6], None, None),
            (vec![false; 6], None, None),
            (vec![false; 6], None, None),
        ];
        let dir = write(&t);
        let root = dir.0.clone();
        let walked = walk(std::slice::from_ref(&root), None);
        // `x.parameters.json` is ignored and `.z.json` hidden: not candidates, but listed.
        assert_eq!(walked.files.len(), 1);
        let (path, size, listing) = &walked.files[0];
        assert_eq!(path, &root.join("x.json"));
        assert_eq!(*size, 2);
        let names: BTreeSet<&str> = listing.iter().filter_map(|(n, _)| n.to_str()).collect();
        for n in [
            "x.json",
            ".z.json",
            "x.parameters.json",
            ".gitignore",
            "a",
            "c",
            ".h",
        ] {
            assert!(names.contains(n), "{n} in {names:?}");
        }
    }
}
