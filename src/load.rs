//! Finding and reading a workspace from disk; the parsing itself is `model`'s.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use thiserror::Error;

use crate::model::{CredentialRef, Diagnostic, Origin, SourceFile, SourceKind, Workspace};

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

/// Returns whether `path` (which need not exist yet) resolves, through every link on the
/// way, to a place inside `within` (a canonical directory). A link that leads nowhere is
/// outside: writing through it would create its target wherever it points.
pub fn resolves_inside(within: &Path, path: &Path) -> bool {
    let mut existing = path;
    let mut missing = Vec::new();
    while fs::symlink_metadata(existing).is_err() {
        let (Some(parent), Some(name)) = (existing.parent(), existing.file_name()) else {
            return false;
        };
        missing.push(name);
        existing = parent;
    }
    let Ok(real) = fs::canonicalize(existing) else {
        return false;
    };
    real.starts_with(within) && !missing.iter().any(|n| *n == "..")
}

/// The canonical workspace root, for [`resolves_inside`].
pub fn canonical_root(root: &Path) -> Result<PathBuf, LoadError> {
    fs::canonicalize(root).map_err(|source| LoadError::Io {
        path: root.to_path_buf(),
        source,
    })
}

/// A workspace file that is a link to a place outside the workspace (or its bundle
/// library): refused, and its content is never read, so it cannot be echoed.
fn outside(shown: &Arc<str>, field: Option<&str>, what: &str) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        Origin::file(shown),
        format!("{what} is a link to a place outside the workspace"),
    )
    .hint("onboard reads and writes only inside the workspace: replace the link with the file or directory itself");
    match field {
        Some(field) => diagnostic.field(field),
        None => diagnostic,
    }
}

fn read(path: &Path) -> Result<String, LoadError> {
    fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Lists `*.yaml`/`*.yml` files below `dir`, sorted; a missing directory has none.
pub(crate) fn yaml_files(
    dir: &Path,
    recursive: bool,
    out: &mut Vec<PathBuf>,
) -> Result<(), LoadError> {
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
pub(crate) fn display(root: &Path, path: &Path) -> Arc<str> {
    let shown = path.strip_prefix(root).unwrap_or(path);
    Arc::from(shown.to_string_lossy().replace('\\', "/").as_str())
}

/// Reads and checks the whole workspace at `root`.
///
/// Every file read must resolve inside the workspace (or, for a bundle library outside
/// it, inside that library), and every directory onboard writes (`paths.state`,
/// `paths.audit`, `file` tenants) must resolve inside the workspace: links leading out
/// are refused without reading what they point to.
pub fn load(root: &Path) -> Result<Workspace, LoadError> {
    let within = canonical_root(root)?;
    let settings_path = root.join(SETTINGS_FILE);
    let settings_display: Arc<str> = Arc::from(SETTINGS_FILE);
    if !resolves_inside(&within, &settings_path) {
        return Err(LoadError::Invalid(vec![outside(
            &settings_display,
            None,
            "`onboard.toml`",
        )]));
    }
    let settings_text = read(&settings_path)?;
    let settings = crate::model::settings_from_toml(&settings_display, &settings_text)
        .map_err(|d| LoadError::Invalid(vec![d]))?;
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for (name, dir) in [
        ("state", &settings.state_dir),
        ("audit", &settings.audit_dir),
    ] {
        if !resolves_inside(&within, &root.join(dir)) {
            let line = settings_line(&settings_text, name);
            problems.push(Diagnostic {
                origin: Origin::at(&settings_display, line, 0),
                ..outside(
                    &settings_display,
                    Some(&format!("paths.{name}")),
                    &format!("the {name} directory `{dir}`"),
                )
            });
        }
    }
    // Reads a file that resolves inside `within`; refuses (unread) one that does not.
    let mut read_inside = |kind, path: &Path, shown: Arc<str>, within: &Path| {
        if !resolves_inside(within, path) {
            return Ok(Some(outside(&shown, None, &format!("`{shown}`"))));
        }
        files.push(SourceFile {
            kind,
            path: shown,
            text: read(path)?,
        });
        Ok::<_, LoadError>(None)
    };
    for (kind, dir) in [
        (SourceKind::Identity, "identities"),
        (SourceKind::Client, "clients"),
    ] {
        let mut paths = Vec::new();
        yaml_files(&root.join(dir), false, &mut paths)?;
        for path in paths {
            problems.extend(read_inside(kind, &path, display(root, &path), &within)?);
        }
    }
    let policy_path = root.join(&settings.policy_file);
    if fs::symlink_metadata(&policy_path).is_ok() && !policy_path.is_dir() {
        problems.extend(read_inside(
            SourceKind::Policy,
            &policy_path,
            display(root, &policy_path),
            &within,
        )?);
    }
    let mut missing = Vec::new();
    let mut refused_bundles = Vec::new();
    for library in &settings.bundle_paths {
        let dir = root.join(library);
        let real = match fs::canonicalize(&dir) {
            Ok(real) if real.is_dir() => real,
            _ => {
                missing.push(library);
                continue;
            }
        };
        // A library inside the workspace may link within the workspace; one outside it
        // (read only, e.g. a shared `../../bundles`) within itself.
        let library_within = if real.starts_with(&within) {
            within.clone()
        } else {
            real
        };
        let mut paths = Vec::new();
        yaml_files(&dir, true, &mut paths)?;
        for path in paths {
            let inside = path.strip_prefix(&dir).unwrap_or(&path);
            let shown = Path::new(library).join(inside);
            let shown = Arc::from(shown.to_string_lossy().replace('\\', "/").as_str());
            refused_bundles.extend(read_inside(
                SourceKind::Bundle,
                &path,
                shown,
                &library_within,
            )?);
        }
    }
    let bundles_incomplete = !missing.is_empty() || !refused_bundles.is_empty();
    for library in missing {
        problems.push(missing_library(&settings_text, &settings_display, library));
    }
    problems.append(&mut refused_bundles);
    match Workspace::build(settings, &settings_text, &files, bundles_incomplete) {
        Ok(workspace) => {
            problems.extend(file_tenants_outside(root, &within, &workspace));
            problems.extend(unreadable_ca_files(root, &workspace));
            problems.extend(vault_problems(root, &workspace, &settings_display));
            if problems.is_empty() {
                Ok(workspace)
            } else {
                Err(LoadError::Invalid(problems))
            }
        }
        Err(mut more) => {
            problems.append(&mut more);
            Err(LoadError::Invalid(problems))
        }
    }
}

/// `file` tenants whose directory resolves outside the workspace through a link (paths
/// that leave it as written are refused by the client file's parser).
fn file_tenants_outside(root: &Path, within: &Path, workspace: &Workspace) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    for client in workspace.clients.values() {
        for (index, tenant) in client.tenants.iter().enumerate() {
            let crate::model::TenantSettings::File(file) = &tenant.settings else {
                continue;
            };
            let dir = &file.path;
            if !resolves_inside(within, &root.join(dir)) {
                problems.push(Diagnostic {
                    origin: tenant.origin.clone(),
                    ..outside(
                        &tenant.origin.path,
                        Some(&format!("tenants[{index}].path")),
                        &format!("the tenant directory `{dir}`"),
                    )
                });
            }
        }
    }
    problems
}

/// `vault:` references in a workspace without `[vault]`, and a `[vault] ca_file` that
/// cannot be read or holds no certificate: found here rather than when a run first
/// needs the secret.
fn vault_problems(root: &Path, workspace: &Workspace, settings: &Arc<str>) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    match &workspace.settings.vault {
        Some(vault) => {
            if let Err(message) = crate::adapters::http::parse_endpoint(&vault.address) {
                problems.push(
                    Diagnostic::new(Origin::file(settings), format!("the vault's address: {message}"))
                        .field("vault.address")
                        .hint("write `https://HOST:PORT` (plain `http://` only to loopback), without `/v1`"),
                );
            }
            if let Some(ca_file) = &vault.ca_file
                && let Err(message) = crate::adapters::ldap::read_ca_file(&root.join(ca_file))
            {
                problems.push(
                    Diagnostic::new(Origin::file(settings), message)
                        .field("vault.ca_file")
                        .hint("name a PEM file of the CA certificates the vault's certificate chains to, relative to the workspace"),
                );
            }
        }
        None => {
            let no_vault = |origin: Origin, field: String, reference: &CredentialRef| {
                Diagnostic::new(origin, format!("`{reference}` names the vault, but onboard.toml has no `[vault]`"))
                    .field(field)
                    .hint("add `[vault]` with `address` and `token` (or `approle`) to onboard.toml: see docs/workspace.md")
            };
            if let reference @ CredentialRef::Vault(_) = &workspace.settings.audit_key {
                problems.push(no_vault(
                    Origin::file(settings),
                    "audit.key".into(),
                    reference,
                ));
            }
            for identity in workspace.identities.values() {
                for (index, credential) in identity.credentials.iter().enumerate() {
                    if let crate::model::Delivery::Vault(path) = &credential.deliver {
                        problems.push(
                            Diagnostic::new(credential.origin.clone(), format!("`vault:{path}` names the vault, but onboard.toml has no `[vault]`"))
                                .field(format!("credentials[{index}].deliver"))
                                .hint("add `[vault]` with `address` and `token` (or `approle`) to onboard.toml: see docs/workspace.md"),
                        );
                    }
                }
            }
            for client in workspace.clients.values() {
                for (index, tenant) in client.tenants.iter().enumerate() {
                    if let Some(reference @ CredentialRef::Vault(_)) = tenant.credential() {
                        problems.push(no_vault(
                            tenant.origin.clone(),
                            format!("tenants[{index}].credential"),
                            reference,
                        ));
                    }
                }
            }
        }
    }
    problems
}

/// `ldap` and `ad` tenants whose `ca_file:` cannot be read or holds no certificate,
/// reported at the `ca_file:` line (the adapter would fail only once connecting).
fn unreadable_ca_files(root: &Path, workspace: &Workspace) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    for client in workspace.clients.values() {
        for (index, tenant) in client.tenants.iter().enumerate() {
            let Some(ca_file) = tenant.settings.directory().and_then(|d| d.ca_file.as_ref()) else {
                continue;
            };
            if let Err(message) = crate::adapters::ldap::read_ca_file(&root.join(&ca_file.path)) {
                problems.push(
                    Diagnostic::new(ca_file.origin.clone(), message)
                        .field(format!("tenants[{index}].ca_file"))
                        .hint("name a PEM file of the CA certificates the directory's certificate chains to, relative to the workspace"),
                );
            }
        }
    }
    problems
}

/// The line of `onboard.toml` that sets `key`, or 0.
fn settings_line(text: &str, key: &str) -> u64 {
    text.lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map_or(0, |i| i as u64 + 1)
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
