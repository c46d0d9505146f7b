//! Finding and reading a workspace from disk; the parsing itself is `model`'s.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use thiserror::Error;

use crate::model::{Diagnostic, Origin, SourceFile, SourceKind, Workspace};

/// The settings file that marks a workspace root.
pub const SETTINGS_FILE: &str = "onboard.toml";

/// Failures finding or reading a workspace.
#[derive(Debug, Error)]
pub enum LoadError {
    /// No `onboard.toml` here or above.
    #[error("no workspace found: no `onboard.toml` in {} or any parent directory", start.display())]
    NotFound {
        /// Where the search started.
        start: PathBuf,
    },
    /// The directory given is not a workspace.
    #[error("`{}` is not a workspace: it has no `onboard.toml`", dir.display())]
    NotAWorkspace {
        /// The directory given.
        dir: PathBuf,
    },
    /// A file or directory could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// What could not be read.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The files have problems.
    #[error("the workspace has {} problem{}", .0.len(), if .0.len() == 1 { "" } else { "s" })]
    Invalid(Vec<Diagnostic>),
}

impl LoadError {
    /// Returns what would fix the problem.
    pub fn hint(&self) -> Option<String> {
        match self {
            LoadError::NotFound { .. } | LoadError::NotAWorkspace { .. } => Some(
                "pass `--workspace DIR`, set `ONBOARD_WORKSPACE`, or create one with `onboard init`".into(),
            ),
            _ => None,
        }
    }
}

/// Returns the workspace root: `explicit` (from `--workspace` or `ONBOARD_WORKSPACE`), or
/// the nearest directory at or above `start` holding `onboard.toml`.
pub fn discover(explicit: Option<&Path>, start: &Path) -> Result<PathBuf, LoadError> {
    if let Some(dir) = explicit {
        let dir = if dir.is_absolute() {
            dir.to_path_buf()
        } else {
            start.join(dir)
        };
        if dir.join(SETTINGS_FILE).is_file() {
            return Ok(dir);
        }
        return Err(LoadError::NotAWorkspace { dir });
    }
    let mut current = Some(start);
    while let Some(dir) = current {
        if dir.join(SETTINGS_FILE).is_file() {
            return Ok(dir.to_path_buf());
        }
        current = dir.parent();
    }
    Err(LoadError::NotFound {
        start: start.to_path_buf(),
    })
}

fn read(path: &Path) -> Result<String, LoadError> {
    fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Lists `*.yaml`/`*.yml` files below `dir`, sorted; a missing directory has none.
fn yaml_files(dir: &Path, recursive: bool, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(LoadError::Io {
                path: dir.to_path_buf(),
                source,
            });
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(|source| LoadError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    paths.sort();
    for path in paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            if recursive {
                yaml_files(&path, recursive, out)?;
            }
        } else if name.ends_with(".yaml") || name.ends_with(".yml") {
            out.push(path);
        }
    }
    Ok(())
}

/// Returns `path` as shown to the user: relative to the root where it lies below it.
fn display(root: &Path, path: &Path) -> Arc<str> {
    let shown = path.strip_prefix(root).unwrap_or(path);
    Arc::from(shown.to_string_lossy().replace('\\', "/").as_str())
}

/// Reads and checks the whole workspace at `root`.
pub fn load(root: &Path) -> Result<Workspace, LoadError> {
    let settings_path = root.join(SETTINGS_FILE);
    let settings_text = read(&settings_path)?;
    let settings_display: Arc<str> = Arc::from(SETTINGS_FILE);
    let settings = crate::model::settings_from_toml(&settings_display, &settings_text)
        .map_err(|d| LoadError::Invalid(vec![d]))?;
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for (kind, dir) in [
        (SourceKind::Identity, "identities"),
        (SourceKind::Client, "clients"),
    ] {
        let mut paths = Vec::new();
        yaml_files(&root.join(dir), false, &mut paths)?;
        for path in paths {
            files.push(SourceFile {
                kind,
                path: display(root, &path),
                text: read(&path)?,
            });
        }
    }
    let policy_path = root.join(&settings.policy_file);
    if policy_path.is_file() {
        files.push(SourceFile {
            kind: SourceKind::Policy,
            path: display(root, &policy_path),
            text: read(&policy_path)?,
        });
    }
    for library in &settings.bundle_paths {
        let dir = root.join(library);
        if !dir.is_dir() {
            problems.push(missing_library(&settings_text, &settings_display, library));
            continue;
        }
        let mut paths = Vec::new();
        yaml_files(&dir, true, &mut paths)?;
        for path in paths {
            let inside = path.strip_prefix(&dir).unwrap_or(&path);
            let shown = Path::new(library).join(inside);
            files.push(SourceFile {
                kind: SourceKind::Bundle,
                path: Arc::from(shown.to_string_lossy().replace('\\', "/").as_str()),
                text: read(&path)?,
            });
        }
    }
    let bundles_incomplete = !problems.is_empty();
    match Workspace::build(settings, &settings_text, &files, bundles_incomplete) {
        Ok(workspace) if problems.is_empty() => Ok(workspace),
        Ok(_) => Err(LoadError::Invalid(problems)),
        Err(mut more) => {
            problems.append(&mut more);
            Err(LoadError::Invalid(problems))
        }
    }
}

fn missing_library(text: &str, path: &Arc<str>, library: &str) -> Diagnostic {
    let line = text
        .lines()
        .position(|l| l.contains(library))
        .map_or(0, |i| i as u64 + 1);
    Diagnostic::new(
        Origin::at(path, line, 0),
        format!("bundle library `{library}` does not exist"),
    )
    .field("paths.bundles")
    .hint("bundle library paths are relative to the workspace root; fix the path or remove it")
}
