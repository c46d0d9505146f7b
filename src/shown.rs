//! Workspace paths as the user can open them from the current directory.
//!
//! Locations printed for people (errors, warnings, the plan's notes) name files from
//! where onboard was run; JSON documents keep workspace-relative paths. Not part of `ui`
//! because workflows word some warnings with locations too.

use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

/// The workspace root as seen from the current directory, once the workspace is found.
static WORKSPACE_FROM_HERE: OnceLock<PathBuf> = OnceLock::new();

/// Makes every location printed for people name its file as it can be opened from the
/// current directory `cwd` (`examples/acme-msp/clients/acme.yaml`, `bundles/…`), not
/// relative to the workspace `root` (`clients/acme.yaml`, `../../bundles/…`). JSON
/// documents keep workspace-relative paths.
pub fn show_paths_from(cwd: &Path, root: &Path) {
    let _ = WORKSPACE_FROM_HERE.set(relative(cwd, root));
}

/// The path from `from` to `to`, both absolute (or both relative to one place).
fn relative(from: &Path, to: &Path) -> PathBuf {
    let (from, to) = (normalize(from), normalize(to));
    let from: Vec<Component> = from.components().collect();
    let to: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    if common == 0
        && to
            .first()
            .is_some_and(|c| matches!(c, Component::RootDir | Component::Prefix(_)))
    {
        return to.iter().collect();
    }
    let mut path = PathBuf::new();
    for _ in common..from.len() {
        path.push("..");
    }
    path.extend(&to[common..]);
    path
}

/// Removes `.` and resolves `..` against the components before it, without the disk.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
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

/// A workspace-relative path as the user can open it from the current directory.
pub fn shown(path: &str) -> String {
    match WORKSPACE_FROM_HERE.get() {
        Some(base) if Path::new(path).is_relative() => {
            let shown = normalize(&base.join(path));
            match shown.to_string_lossy().replace('\\', "/") {
                empty if empty.is_empty() => ".".into(),
                shown => shown,
            }
        }
        _ => path.to_string(),
    }
}

/// An origin (`file:line:column`) as the user can open it from the current directory.
pub fn shown_origin(origin: &crate::model::Origin) -> crate::model::Origin {
    crate::model::Origin {
        path: shown(&origin.path).into(),
        ..origin.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_from_the_current_directory() {
        for (cwd, root, path, shown) in [
            (
                "/r",
                "/r/examples/acme-msp",
                "clients/acme.yaml",
                "examples/acme-msp/clients/acme.yaml",
            ),
            (
                "/r",
                "/r/examples/acme-msp",
                "../../bundles/x.yaml",
                "bundles/x.yaml",
            ),
            (
                "/r/examples/acme-msp",
                "/r/examples/acme-msp",
                "../../bundles/x.yaml",
                "../../bundles/x.yaml",
            ),
            (
                "/r/other",
                "/r/ws/",
                "clients/a.yaml",
                "../ws/clients/a.yaml",
            ),
            (
                "/r/ws/clients",
                "/r/ws",
                "clients/a.yaml",
                "../clients/a.yaml",
            ),
        ] {
            let base = relative(Path::new(cwd), Path::new(root));
            assert_eq!(
                normalize(&base.join(path)),
                Path::new(shown),
                "{cwd} {root} {path}"
            );
        }
    }
}
