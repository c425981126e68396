//! `.bicepparam` files are parameter sets, not templates: each joins the template its `using`
//! names, as a paired JSON parameter file joins its template, and the template is linted once
//! per parameter set. One whose template is not among the inputs brings it in (naming a
//! `.bicepparam` lints what it deploys); one that pairs with nothing (`using none`, a registry
//! template, a path that does not exist, a file that does not parse) is linted alone, so its
//! own errors are still reported.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use crate::arm::bicep::lower_bicepparam::{UsingTarget, using_of};
use crate::source::SourceFile;

use super::{Input, Language, absolute_lexical, language_of};

/// The local template a `.bicepparam` file's `using` names, relative to the current directory
/// as the file's own path is; `None` when it names none (or cannot be read: linting it alone
/// reports why).
pub fn using_template(bicepparam: &Path) -> Option<PathBuf> {
    let source = SourceFile::read(bicepparam).ok()?;
    let UsingTarget::Path { path, .. } =
        using_of(&crate::source::bicep::parse_params(&source.text))
    else {
        return None;
    };
    if is_registry_reference(&path) {
        return None;
    }
    let dir = bicepparam.parent().unwrap_or(Path::new(""));
    Some(join_lexical(dir, Path::new(&path)))
}

/// `br:…`, `br/alias:…`, `ts:…`, `ts/alias:…`: a module or template from a registry.
pub fn is_registry_reference(path: &str) -> bool {
    ["br:", "br/", "ts:", "ts/"]
        .iter()
        .any(|prefix| path.starts_with(prefix))
}

/// `dir/rel` with `.` and inner `..` resolved lexically, kept relative when `dir` is.
pub fn join_lexical(dir: &Path, rel: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in dir.join(rel).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The `.bicepparam` files beside `template` whose `using` names it, sorted: its parameter
/// sets when it is not walked (stdin under a name, `graph`).
pub fn bicepparams_naming(template: &Path) -> Vec<PathBuf> {
    let dir = match template.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let cwd = std::env::current_dir().unwrap_or_default();
    let wanted = absolute_lexical(&cwd, template);
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| language_of(p) == Language::BicepParams)
        .filter(|p| using_template(p).is_some_and(|t| absolute_lexical(&cwd, &t) == wanted))
        .map(|p| super::normalize(&p))
        .collect();
    out.sort();
    out
}

/// Joins every `.bicepparam` input to the template its `using` names (see the module doc).
/// Nothing pairs when `pairs` is false (`--no-parameter-files`, `--parameters`).
pub fn pair_bicepparams(inputs: &mut Vec<Input>, pairs: bool) {
    if !pairs
        || !inputs
            .iter()
            .any(|i| language_of(&i.path) == Language::BicepParams)
    {
        return;
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut index: HashMap<PathBuf, usize> = inputs
        .iter()
        .enumerate()
        .filter(|(_, i)| language_of(&i.path) != Language::BicepParams)
        .map(|(n, i)| (absolute_lexical(&cwd, &i.path), n))
        .collect();
    let mut paired: Vec<(usize, PathBuf)> = Vec::new();
    let mut added: Vec<Input> = Vec::new();
    let mut keep = vec![true; inputs.len()];
    for (n, input) in inputs.iter().enumerate() {
        if language_of(&input.path) != Language::BicepParams || !matches!(input.source, Ok(None)) {
            continue;
        }
        let Some(template) = using_template(&input.path) else {
            continue;
        };
        let key = absolute_lexical(&cwd, &template);
        let at = match index.get(&key) {
            Some(at) => *at,
            None if template.is_file() => {
                added.push(brought_in(template, input.size));
                let at = inputs.len() + added.len() - 1;
                index.insert(key, at);
                at
            }
            None => continue,
        };
        paired.push((at, input.path.clone()));
        if let Some(k) = keep.get_mut(n) {
            *k = false;
        }
    }
    inputs.extend(added);
    for (at, bicepparam) in paired {
        if let Some(template) = inputs.get_mut(at)
            && !template.parameter_files.contains(&bicepparam)
        {
            template.parameter_files.push(bicepparam);
        }
    }
    let mut keep = keep.into_iter().chain(std::iter::repeat(true));
    inputs.retain(|_| keep.next().unwrap_or(true));
    inputs.sort_by(|a, b| a.path.cmp(&b.path));
}

/// A template no path named or walked, linted because a `.bicepparam` that was names it.
fn brought_in(path: PathBuf, size: u64) -> Input {
    Input {
        path,
        source: Ok(None),
        kind: None,
        parameter_files: Vec::new(),
        pair_parameter_files: false,
        siblings: None,
        size,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{DiscoverOptions, Loaded, discover, load};
    use super::*;
    use crate::source::temp_dir::TempDir;

    /// What each input loads as: (path, kind, parameter files).
    fn loaded(t: &TempDir, paths: &[PathBuf]) -> Vec<(String, &'static str, Vec<String>)> {
        let d = discover(paths, &DiscoverOptions::default()).unwrap();
        d.inputs
            .iter()
            .map(|i| {
                let (kind, files) = match load(i) {
                    Loaded::Bicep {
                        parameter_files, ..
                    } => ("bicep", parameter_files),
                    Loaded::BicepParams { .. } => ("bicepparam", vec![]),
                    Loaded::Template {
                        parameter_files, ..
                    } => ("json", parameter_files),
                    Loaded::Skipped => ("skipped", vec![]),
                    Loaded::Unreadable(u) => panic!("{}", u.message),
                };
                let files = files.iter().map(|f| t.rel(f)).collect();
                (t.rel(&i.path), kind, files)
            })
            .collect()
    }

    #[test]
    fn bicepparam_files_join_the_template_their_using_names() {
        let t = TempDir::new("bicepparam-pairing");
        t.write("main.bicep", "param x int\n");
        t.write("main.bicepparam", "using 'main.bicep'\nparam x = 1\n");
        t.write(
            "env/prod.bicepparam",
            "using '../main.bicep'\nparam x = 2\n",
        );
        t.write("alone.bicepparam", "using none\nparam y = 1\n");
        t.write("gone.bicepparam", "using 'nothing.bicep'\n");
        t.write("other/app.bicep", "param z int\n");
        t.write("other/main.parameters.json", "{}");
        assert_eq!(
            loaded(&t, std::slice::from_ref(&t.0)),
            [
                ("alone.bicepparam".to_string(), "bicepparam", vec![]),
                ("gone.bicepparam".to_string(), "bicepparam", vec![]),
                (
                    "main.bicep".to_string(),
                    "bicep",
                    vec!["env/prod.bicepparam".into(), "main.bicepparam".into()]
                ),
                ("other/app.bicep".to_string(), "bicep", vec![]),
                ("other/main.parameters.json".to_string(), "skipped", vec![]),
            ]
        );
        // Named alone, a .bicepparam brings in its template.
        assert_eq!(
            loaded(&t, &[t.0.join("env/prod.bicepparam")]),
            [(
                "main.bicep".to_string(),
                "bicep",
                vec!["env/prod.bicepparam".to_string()]
            )]
        );
    }

    #[test]
    fn paths_join_lexically() {
        assert_eq!(
            join_lexical(Path::new("a/b"), Path::new("../c.bicep")),
            PathBuf::from("a/c.bicep")
        );
        assert_eq!(
            join_lexical(Path::new(""), Path::new("../c.bicep")),
            PathBuf::from("../c.bicep")
        );
        assert!(is_registry_reference("br/public:avm/x:1.0"));
        assert!(!is_registry_reference("./br.bicep"));
    }
}
