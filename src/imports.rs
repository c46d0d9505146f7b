//! A check, run as a test, that no two source files import each other, directly or
//! through others: each file's `crate::…` and `super::…` paths (outside comments and its
//! tests) name the file they lead to, and those links must form no circle. A module's
//! own children (`mod x;`, `x::…`) are not counted: the parent declares them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Collects every `.rs` file under `dir`.
pub(crate) fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir)
        .expect("a source directory")
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file under `src/` (`src/a/mod.rs` and `src/a.rs` are `a`).
fn module_of(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .with_extension("")
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if parts
        .last()
        .is_some_and(|l| matches!(l.as_str(), "mod" | "lib" | "main"))
    {
        parts.pop();
    }
    parts
}

/// Returns the paths (`a::b::c`) that follow `prefix` in `code`.
fn paths_after<'a>(code: &'a str, prefix: &str) -> Vec<Vec<&'a str>> {
    code.match_indices(prefix)
        .filter(|(at, _)| {
            !code[..*at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
        .map(|(at, _)| {
            let rest = &code[at + prefix.len()..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len());
            rest[..end].split("::").filter(|p| !p.is_empty()).collect()
        })
        .collect()
}

/// Returns, per file, the files its paths lead to.
fn links(root: &Path) -> BTreeMap<PathBuf, BTreeSet<PathBuf>> {
    let mut files = Vec::new();
    sources(root, &mut files);
    let modules: BTreeMap<Vec<String>, PathBuf> = files
        .iter()
        .map(|f| {
            (
                module_of(f.strip_prefix(root).expect("under src")),
                f.clone(),
            )
        })
        .collect();
    // The longest module path the path starts with: the file it leads to.
    let file_of = |path: Vec<String>| {
        (1..=path.len())
            .rev()
            .find_map(|n| modules.get(&path[..n]).cloned())
    };
    let mut links = BTreeMap::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("a source file");
        let code: String = text
            .split("#[cfg(test)]")
            .next()
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let me = module_of(file.strip_prefix(root).expect("under src"));
        let parent = &me[..me.len().saturating_sub(1)];
        let mut to = BTreeSet::new();
        for path in paths_after(&code, "crate::") {
            to.extend(file_of(path.iter().map(|p| p.to_string()).collect()));
        }
        for path in paths_after(&code, "super::") {
            // `super::super::x`: each further `super` is one level up.
            let ups = path.iter().take_while(|p| **p == "super").count();
            let mut full = parent[..parent.len().saturating_sub(ups)].to_vec();
            full.extend(path[ups..].iter().map(|p| p.to_string()));
            to.extend(file_of(full));
        }
        to.remove(file);
        links.insert(file.clone(), to);
    }
    links
}

/// Returns a circle of links, if there is one.
fn circle(links: &BTreeMap<PathBuf, BTreeSet<PathBuf>>) -> Option<Vec<PathBuf>> {
    // Depth first, with the files on the current path: a link back to one is a circle.
    fn visit(
        file: &PathBuf,
        links: &BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        path: &mut Vec<PathBuf>,
        done: &mut BTreeSet<PathBuf>,
    ) -> Option<Vec<PathBuf>> {
        if let Some(at) = path.iter().position(|p| p == file) {
            let mut found = path[at..].to_vec();
            found.push(file.clone());
            return Some(found);
        }
        if done.contains(file) {
            return None;
        }
        path.push(file.clone());
        for next in links.get(file).into_iter().flatten() {
            if let Some(found) = visit(next, links, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(file.clone());
        None
    }
    let mut done = BTreeSet::new();
    links
        .keys()
        .find_map(|file| visit(file, links, &mut Vec::new(), &mut done))
}

#[test]
fn no_two_source_files_import_each_other() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let links = links(&root);
    assert!(links.len() > 100, "read {} files", links.len());
    if let Some(found) = circle(&links) {
        let shown: Vec<String> = found
            .iter()
            .map(|f| f.strip_prefix(&root).unwrap_or(f).display().to_string())
            .collect();
        panic!("an import circle: {}", shown.join(" -> "));
    }
}

#[test]
fn a_circle_is_found() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("a directory");
        std::fs::write(path, text).expect("a file");
    };
    write("lib.rs", "pub mod a;\npub mod b;\n");
    write("a.rs", "use crate::b::Thing;\n");
    write("b/mod.rs", "mod c;\n");
    write(
        "b/c.rs",
        "// crate::a in a comment is no link\nuse super::super::a::Other;\n",
    );
    assert!(
        circle(&links(dir.path())).is_none(),
        "{:?}",
        links(dir.path())
    );
    write("b/mod.rs", "mod c;\nuse crate::a::Other;\n");
    let found = circle(&links(dir.path())).expect("a circle");
    assert_eq!(found.first(), found.last());
    assert_eq!(found.len(), 3, "{found:?}");
}
