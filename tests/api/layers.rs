//! The layers are kept by this test, not by goodwill: every `crate::…` path in `src/` is read, and an import that
//! points up a layer, a cycle between files, an actix type below `http/`, or a handler that reaches the database
//! fails it with the file and the path named.
//!
//! One way down: `http` → `app` → `db` / `domain`; `http` → `views`; `i18n` → `domain` (to word its `Text`);
//! `domain` → nothing. `startup`, `main`, `config`, `telemetry` and `demo` wire the layers together and may import
//! anything.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A layer and the layers it may import (besides itself).
const LAYERS: &[(&str, &[&str])] = &[
    ("domain", &[]),
    ("i18n", &["domain"]),
    ("db", &["domain"]),
    ("error", &["db", "domain"]),
    ("metrics", &["db"]),
    ("auth", &["error", "domain"]),
    ("app", &["auth", "db", "domain", "error", "metrics", "i18n"]),
    ("views", &["auth", "domain", "error", "i18n"]),
    ("http", &["app", "auth", "domain", "error", "views", "i18n", "config"]),
];

/// Files that wire the layers together.
const WIRING: &[&str] = &["main", "lib", "startup", "config", "telemetry", "demo"];

/// Layers that know nothing of HTTP: no actix type may appear in them.
const WITHOUT_HTTP: &[&str] = &["domain", "db", "error", "app", "views", "i18n"];

/// Layers that know nothing of the database driver.
const WITHOUT_DIESEL: &[&str] = &["domain", "views", "http", "i18n"];

struct Source {
    /// Relative to `src/`, e.g. `app/paper.rs`.
    path: String,
    /// The file without its `#[cfg(test)]` module and without comments.
    code: String,
}

fn sources() -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files
        .into_iter()
        .filter(|file| !file.ends_with("tests.rs"))
        .map(|file| {
            let text = std::fs::read_to_string(&file).expect("a source file");
            let path = file.strip_prefix(&root).expect("under src").to_string_lossy().replace('\\', "/");
            Source { path, code: without_tests_and_comments(&text) }
        })
        .collect()
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a source folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            files.push(path);
        }
    }
}

/// Test modules may reach anything; comments may name anything.
fn without_tests_and_comments(text: &str) -> String {
    let mut kept = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        let code = line.split("//").next().unwrap_or_default();
        kept.push(code);
    }
    kept.join("\n")
}

/// The layer of a file: its first folder or its file name.
fn layer(path: &str) -> &str {
    let first = path.split('/').next().unwrap_or(path);
    first.strip_suffix(".rs").unwrap_or(first)
}

/// Every `crate::a::b…` path in the code, as its segments (`use crate::a::{b, c::d}` gives `a`, `a::b`, `a::c::d`).
fn crate_paths(code: &str) -> Vec<Vec<String>> {
    paths_from(code, "crate::", &[])
}

/// Every path to another module of the crate from the file at `path`: `crate::…` ones, and `super::…` and
/// `self::…` ones made absolute.
fn module_paths(code: &str, path: &str) -> Vec<Vec<String>> {
    let mut module: Vec<String> = path.trim_end_matches(".rs").split('/').map(str::to_owned).collect();
    if module.last().is_some_and(|last| last == "mod" || last == "lib" || last == "main") {
        module.pop();
    }
    let mut parent = module.clone();
    parent.pop();
    let mut paths = crate_paths(code);
    paths.extend(paths_from(code, "super::", &parent));
    paths.extend(paths_from(code, "self::", &module));
    paths
}

/// The paths that start with `prefix` in the code, each behind `base`.
fn paths_from(code: &str, prefix: &str, base: &[String]) -> Vec<Vec<String>> {
    let is_path_char = |c: char| c.is_alphanumeric() || c == '_' || c == ':';
    let segments_of = |path: &str| -> Vec<String> {
        path.split("::").filter(|segment| !segment.is_empty()).map(str::to_owned).collect()
    };
    let mut paths = Vec::new();
    for (start, _) in code.match_indices(prefix) {
        if code[..start].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '$' || c == ':') {
            continue;
        }
        let rest = &code[start + prefix.len()..];
        let path: String = rest.chars().take_while(|c| is_path_char(*c)).collect();
        let segments: Vec<String> = base.iter().cloned().chain(segments_of(&path)).collect();
        if segments.is_empty() {
            continue;
        }
        if let Some(group) = rest[path.len()..].strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for member in group.split(',') {
                let member: String = member.trim().chars().take_while(|c| is_path_char(*c)).collect();
                if !member.is_empty() && member != "self" {
                    paths.push(segments.iter().cloned().chain(segments_of(&member)).collect());
                }
            }
        }
        paths.push(segments);
    }
    paths
}

/// The file a path leads to: the longest prefix of it that is a file of the crate.
fn file_of(segments: &[String], files: &BTreeSet<String>) -> Option<String> {
    (1..=segments.len()).rev().find_map(|n| {
        let joined = segments[..n].join("/");
        [format!("{joined}.rs"), format!("{joined}/mod.rs")].into_iter().find(|candidate| files.contains(candidate))
    })
}

#[test]
fn imports_point_down_only() {
    let allowed: BTreeMap<&str, &[&str]> = LAYERS.iter().copied().collect();
    let mut wrong = Vec::new();
    for source in sources() {
        let from = layer(&source.path);
        if WIRING.contains(&from) {
            continue;
        }
        let Some(may) = allowed.get(from) else {
            wrong.push(format!("{}: the layer `{from}` is not in the table of layers", source.path));
            continue;
        };
        for path in crate_paths(&source.code) {
            let to = path[0].as_str();
            if to != from && !may.contains(&to) {
                wrong.push(format!("{}: `{from}` imports `crate::{}`", source.path, path.join("::")));
            }
        }
    }
    assert!(wrong.is_empty(), "imports that point up or sideways:\n{}", wrong.join("\n"));
}

#[test]
fn no_two_files_import_each_other_even_through_others() {
    let sources = sources();
    let files: BTreeSet<String> = sources.iter().map(|source| source.path.clone()).collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for source in &sources {
        for path in module_paths(&source.code, &source.path) {
            if let Some(target) = file_of(&path, &files).filter(|target| *target != source.path) {
                edges.entry(source.path.clone()).or_default().insert(target);
            }
        }
    }
    let cycles = cycles(&files, &edges);
    assert!(cycles.is_empty(), "files that import each other:\n{}", cycles.join("\n"));
}

/// Each cycle of the import graph, as the files on it.
fn cycles(files: &BTreeSet<String>, edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    // A file is on a cycle when it reaches itself; each cycle is reported once, by its smallest file.
    let mut found = BTreeSet::new();
    for start in files {
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((file, trail)) = stack.pop() {
            for next in edges.get(&file).into_iter().flatten() {
                if next == start {
                    let mut cycle = trail.clone();
                    let smallest = cycle.iter().min().cloned().unwrap_or_default();
                    let at = cycle.iter().position(|f| *f == smallest).unwrap_or(0);
                    cycle.rotate_left(at);
                    found.insert(cycle.join(" → "));
                } else if seen.insert(next.clone()) {
                    let mut trail = trail.clone();
                    trail.push(next.clone());
                    stack.push((next.clone(), trail));
                }
            }
        }
    }
    found.into_iter().collect()
}

#[test]
fn only_http_knows_http_and_only_db_and_the_use_cases_know_the_driver() {
    let mut wrong = Vec::new();
    for source in sources() {
        let layer = layer(&source.path);
        if WITHOUT_HTTP.contains(&layer) && (source.code.contains("actix_web") || source.code.contains("actix_")) {
            wrong.push(format!("{}: `{layer}` uses actix", source.path));
        }
        if WITHOUT_DIESEL.contains(&layer) && source.code.contains("diesel") {
            wrong.push(format!("{}: `{layer}` uses diesel", source.path));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn no_handler_touches_the_database() {
    let mut wrong = Vec::new();
    for source in sources().into_iter().filter(|source| layer(&source.path) == "http") {
        for (number, line) in source.code.lines().enumerate() {
            let touches = line.contains(".db.") || line.contains(".db)") || line.contains("&state.db");
            if touches || crate_paths(line).iter().any(|path| path[0] == "db") {
                wrong.push(format!("{}:{}: {}", source.path, number + 1, line.trim()));
            }
        }
    }
    assert!(wrong.is_empty(), "handlers reach the database instead of calling a use case:\n{}", wrong.join("\n"));
}

#[test]
fn the_checks_find_what_they_look_for() {
    // The readers above must see a grouped import, an inline path and a comment for what they are.
    let code = without_tests_and_comments(
        "use crate::db::{queries::users, Db};\nfn f() { crate::app::audit::record(); } // crate::http\n",
    );
    let paths: Vec<String> = crate_paths(&code).iter().map(|path| path.join("::")).collect();
    assert!(paths.contains(&"db::queries::users".to_owned()), "{paths:?}");
    assert!(paths.contains(&"app::audit::record".to_owned()), "{paths:?}");
    assert!(!paths.iter().any(|path| path.starts_with("http")), "{paths:?}");
    let files: BTreeSet<String> = ["a.rs", "b/mod.rs", "b/c.rs"].map(str::to_owned).into();
    let edges: BTreeMap<String, BTreeSet<String>> = [
        ("a.rs".to_owned(), BTreeSet::from(["b/c.rs".to_owned()])),
        ("b/c.rs".to_owned(), BTreeSet::from(["a.rs".to_owned()])),
    ]
    .into();
    assert_eq!(cycles(&files, &edges), vec!["a.rs → b/c.rs".to_owned()]);
    assert_eq!(file_of(&["b".into(), "c".into(), "Thing".into()], &files), Some("b/c.rs".to_owned()));
    let relative: Vec<String> =
        module_paths("use super::model::{Item, Scale};\nuse self::read::Node;", "domain/instrument/check.rs")
            .iter()
            .map(|path| path.join("::"))
            .collect();
    assert!(relative.contains(&"domain::instrument::model::Item".to_owned()), "{relative:?}");
    assert!(relative.contains(&"domain::instrument::check::read::Node".to_owned()), "{relative:?}");
}
