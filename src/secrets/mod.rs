//! Credentials: the `Secret` type and resolving a credential reference (`keyring:NAME`,
//! `env:VAR`, `file:PATH`, `vault:MOUNT/data/PATH#FIELD`, `exec:COMMAND`) to the secret
//! it names, for a tenant or the audit key.
//!
//! A secret never reaches a log, an error, a panic message or a file written by onboard:
//! `Secret` prints as `[redacted]`, errors name the reference (`env:ACME_TOKEN`), never
//! the value, and the value is read only through [`Secret::expose`], at the call that
//! sends it. Every `Secret` registers its value with [`scrub()`], so that a tenant echoing
//! it back in an error body does not get it printed, saved or signed either.

pub(crate) mod exec;
pub mod generate;
pub mod keyring;
pub mod scrub;
pub mod secret;

use std::fmt;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use thiserror::Error;
use zeroize::Zeroizing;

use crate::adapters::{FailureKind, Options};
use crate::model::{CredentialRef, VaultSettings};
use crate::vault::{Vault, VaultError};

pub use generate::{RandomError, fingerprint, fingerprint_matches, generate_password};
pub use keyring::{KEYRING_SERVICE, store_in_keyring};
pub use scrub::{register, scrub};
pub use secret::Secret;

/// Where `vault:` and `exec:` references are read from: the workspace's `[vault]` and
/// `[credentials]` settings.
#[derive(Debug, Clone)]
pub struct Sources {
    /// The vault, if `[vault]` is configured.
    pub vault: Option<Arc<VaultSettings>>,
    /// How long an `exec:` command may run.
    pub exec_timeout: Duration,
}

impl Default for Sources {
    fn default() -> Self {
        Sources {
            vault: None,
            exec_timeout: crate::model::DEFAULT_EXEC_TIMEOUT,
        }
    }
}

impl Sources {
    /// Returns the sources a workspace's settings configure.
    pub fn from_settings(settings: &crate::model::Settings) -> Sources {
        Sources {
            vault: settings.vault.clone().map(Arc::new),
            exec_timeout: settings.exec_timeout,
        }
    }
}

/// Why a credential reference could not be turned into a secret. Messages name the
/// reference and the tenant, never a value.
#[derive(Debug, Error)]
pub enum SecretError {
    /// `env:VAR` names a variable that is not set, or is empty.
    #[error("{}: the credential `env:{var}` is not available: `{var}` is {state}", user(.tenant))]
    Env {
        /// The tenant (`client/tenant`).
        tenant: String,
        /// The variable.
        var: String,
        /// `not set`, `empty` or `not valid UTF-8`.
        state: &'static str,
    },
    /// `file:PATH` cannot be read.
    #[error("{}: cannot read the credential file {}: {source}", user(.tenant), .path.display())]
    FileRead {
        /// The tenant.
        tenant: String,
        /// The resolved path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `file:PATH` is readable by users other than its owner.
    #[error(
        "{}: refusing the credential file {}: its mode is {mode:04o}, so users other than its owner can read it",
        user(.tenant),
        .path.display()
    )]
    FileMode {
        /// The tenant.
        tenant: String,
        /// The resolved path.
        path: PathBuf,
        /// The permission bits.
        mode: u32,
    },
    /// `file:PATH` is empty.
    #[error("{}: the credential file {} is empty", user(.tenant), .path.display())]
    FileEmpty {
        /// The tenant.
        tenant: String,
        /// The resolved path.
        path: PathBuf,
    },
    /// No OS keyring can be used here.
    #[error("{}: no OS keyring is available for `keyring:{name}`: {detail}", user(.tenant))]
    NoKeyring {
        /// The tenant.
        tenant: String,
        /// The keyring entry name.
        name: String,
        /// What the keyring said (never a secret).
        detail: String,
    },
    /// The keyring holds nothing under the name.
    #[error("{}: the OS keyring holds no secret for `keyring:{name}`", user(.tenant))]
    KeyringMissing {
        /// The tenant.
        tenant: String,
        /// The keyring entry name.
        name: String,
    },
    /// The keyring failed in another way.
    #[error("{}: the OS keyring failed for `keyring:{name}`: {detail}", user(.tenant))]
    Keyring {
        /// The tenant.
        tenant: String,
        /// The keyring entry name.
        name: String,
        /// What the keyring said (never a secret).
        detail: String,
    },
    /// `vault:` is used but `[vault]` is not configured.
    #[error("{}: the credential `{reference}` names the vault, but onboard.toml has no `[vault]`", user(.tenant))]
    NoVault {
        /// The tenant.
        tenant: String,
        /// The reference.
        reference: String,
    },
    /// The vault could not give the secret.
    #[error("{}: the credential `{reference}` could not be read: {source}", user(.tenant))]
    Vault {
        /// The tenant.
        tenant: String,
        /// The reference.
        reference: String,
        /// What the vault said (never a secret).
        source: Box<VaultError>,
    },
    /// An `exec:` command did not give the secret.
    #[error("{}: the credential command `{command}` failed: {problem}", user(.tenant))]
    Exec {
        /// The tenant.
        tenant: String,
        /// The command as written.
        command: String,
        /// What went wrong, its standard error scrubbed.
        problem: String,
    },
}

/// Names who needs a credential, as messages start: a setting of onboard.toml
/// (`[state] url`, `[audit] key`: names starting with `[`), one of policy.yaml
/// (`policy.yaml:break_glass.notify.webhook`) or a tenant.
pub fn user(who: &str) -> String {
    if let Some(setting) = who.strip_prefix("policy.yaml:") {
        format!("`{setting}` in policy.yaml")
    } else if who.starts_with('[') {
        format!("`{who}` in onboard.toml")
    } else {
        format!("tenant `{who}`")
    }
}

impl SecretError {
    /// Returns what would fix the problem.
    pub fn hint(&self) -> Option<String> {
        match self {
            SecretError::Env { var, tenant, .. } => Some(format!(
                "export `{var}` with the secret of {} before running onboard; in CI, map it from the pipeline's secret store",
                user(tenant)
            )),
            SecretError::FileRead { .. } => {
                Some("`file:` paths are relative to the workspace root".into())
            }
            SecretError::FileMode { path, .. } => Some(format!(
                "run `chmod 600 {}` so only its owner can read it",
                path.display()
            )),
            SecretError::FileEmpty { .. } => {
                Some("write the secret into the file, on one line".into())
            }
            SecretError::NoKeyring { .. } => Some(
                "use `credential: env:VAR` (CI) or `credential: file:PATH` (a file only you can read) instead, or on Linux run onboard inside a session keyring (`keyctl session - …`)"
                    .into(),
            ),
            SecretError::KeyringMissing { tenant, name, .. } if tenant.starts_with('[') || tenant.starts_with("policy.yaml:") => {
                Some(format!(
                    "store it in the OS keyring under `{name}` (or use `env:VAR` in CI)"
                ))
            }
            SecretError::KeyringMissing { tenant, .. } => Some(format!(
                "store it with `onboard login {tenant}` (or use `env:VAR` in CI)"
            )),
            SecretError::Keyring { .. } => None,
            SecretError::NoVault { .. } => Some(
                "add `[vault]` with `address` and `token` (or `approle`) to onboard.toml: see docs/workspace.md".into(),
            ),
            SecretError::Vault { source, .. } => source.hint.clone(),
            SecretError::Exec { .. } => Some(
                "run the command yourself to see why; it must print the secret on standard output and exit 0 (`[credentials] exec_timeout` in onboard.toml sets how long it may take)".into(),
            ),
        }
    }

    /// Returns the adapter failure kind a tenant whose credential failed this way gets.
    pub fn failure_kind(&self) -> FailureKind {
        match self {
            SecretError::Vault { source, .. } => source.kind.failure_kind(),
            _ => FailureKind::Denied,
        }
    }
}

/// Returns the secret a credential reference names. `tenant` (`client/tenant`, or
/// `audit`) is named in errors; `root` is the workspace root, against which `file:`
/// paths resolve and `exec:` commands run; `options.credentials` says where the vault
/// is and how long a command may run.
pub fn resolve(
    reference: &CredentialRef,
    tenant: &str,
    root: &Path,
    options: &Options,
) -> Result<Secret, SecretError> {
    match reference {
        CredentialRef::Env(var) => from_env(var, tenant),
        CredentialRef::File(path) => from_file(&root.join(path), tenant),
        CredentialRef::Keyring(name) => keyring::read(name, tenant),
        CredentialRef::Exec(command) => {
            exec::run(command, tenant, root, options.credentials.exec_timeout)
        }
        CredentialRef::Vault(field) => {
            let Some(settings) = &options.credentials.vault else {
                return Err(SecretError::NoVault {
                    tenant: tenant.to_string(),
                    reference: reference.to_string(),
                });
            };
            vault_for(settings, tenant, root, options)
                .and_then(|vault| vault.read_field(field))
                .map_err(|source| SecretError::Vault {
                    tenant: tenant.to_string(),
                    reference: reference.to_string(),
                    source: Box::new(source),
                })
        }
    }
}

/// A reference with what resolving it later needs: the workspace root and the run's
/// options (the audit key's source, read when the audit log is opened).
#[derive(Clone)]
pub struct Resolvable {
    /// The reference.
    pub reference: CredentialRef,
    /// The workspace root.
    pub root: PathBuf,
    /// The run's options (where the vault is, how long a command may run).
    pub options: Options,
}

impl Resolvable {
    /// Returns the secret; `who` is named in errors.
    pub fn resolve(&self, who: &str) -> Result<Secret, SecretError> {
        resolve(&self.reference, who, &self.root, &self.options)
    }
}

impl fmt::Debug for Resolvable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Resolvable({})", self.reference)
    }
}

impl PartialEq for Resolvable {
    fn eq(&self, other: &Self) -> bool {
        self.reference == other.reference && self.root == other.root
    }
}

impl Eq for Resolvable {}

/// Returns a logged-in client for the workspace's vault (the one `[vault]` in
/// onboard.toml names), shared with the credential references of the process; `who` is
/// named in errors.
pub fn vault(who: &str, root: &Path, options: &Options) -> Result<Arc<Vault>, SecretError> {
    let Some(settings) = &options.credentials.vault else {
        return Err(SecretError::NoVault {
            tenant: who.to_string(),
            reference: "vault:".to_string(),
        });
    };
    vault_for(settings, who, root, options).map_err(|source| SecretError::Vault {
        tenant: who.to_string(),
        reference: "vault:".to_string(),
        source: Box::new(source),
    })
}

/// Returns a logged-in client for the vault, shared by every reference of the process:
/// one login per run, not one per tenant, and a login that failed (a vault that is down,
/// a refused secret id) is not tried again by every tenant of the run.
fn vault_for(
    settings: &VaultSettings,
    tenant: &str,
    root: &Path,
    options: &Options,
) -> Result<Arc<Vault>, VaultError> {
    type Logins = Mutex<Vec<(VaultSettings, PathBuf, Result<Arc<Vault>, VaultError>)>>;
    static LOGINS: Logins = Mutex::new(Vec::new());
    // Held while logging in, so that tenants opened at once log in once.
    let mut logins = LOGINS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, _, login)) = logins
        .iter()
        .find(|(s, r, _)| s == settings && r.as_path() == root)
    {
        return login.clone();
    }
    let login = connect_vault(settings, tenant, root, options).map(Arc::new);
    logins.push((settings.clone(), root.to_path_buf(), login.clone()));
    login
}

/// Logs in to the vault `settings` describe, reading its login (`token`, or AppRole's
/// `secret_id`) from the credential reference `[vault]` names. `who` (a tenant
/// `client/tenant`, or `audit`) is who needs it, named in nothing the login's errors say
/// (the login is shared); `root` is the workspace root (`file:` references, `ca_file`).
pub fn connect_vault(
    settings: &VaultSettings,
    who: &str,
    root: &Path,
    options: &Options,
) -> Result<Vault, VaultError> {
    let login = |reference: &CredentialRef, field: &str| {
        resolve(reference, who, root, options).map_err(|e| {
            VaultError::new(
                &settings.address,
                "log in",
                "",
                crate::vault::VaultFailure::Denied,
                format!(
                    "its `{field}` in onboard.toml could not be read: {}",
                    // The login is shared by every tenant: name none of them.
                    e.to_string()
                        .trim_start_matches(&format!("tenant `{who}`: "))
                ),
            )
            .with_hint(e.hint().unwrap_or_else(|| {
                format!(
                    "make `[vault] {field}` in onboard.toml name where the vault's login is kept"
                )
            }))
        })
    };
    Vault::connect(settings, root, options, &login)
}

fn from_env(var: &str, tenant: &str) -> Result<Secret, SecretError> {
    let error = |state| SecretError::Env {
        tenant: tenant.to_string(),
        var: var.to_string(),
        state,
    };
    match std::env::var(var) {
        Ok(value) if value.trim().is_empty() => Err(error("empty")),
        Ok(value) => Ok(Secret::new(Zeroizing::new(value).trim())),
        Err(std::env::VarError::NotPresent) => Err(error("not set")),
        Err(std::env::VarError::NotUnicode(_)) => Err(error("not valid UTF-8")),
    }
}

fn from_file(path: &Path, tenant: &str) -> Result<Secret, SecretError> {
    let read_error = |source| SecretError::FileRead {
        tenant: tenant.to_string(),
        path: path.to_path_buf(),
        source,
    };
    let metadata = std::fs::metadata(path).map_err(read_error)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Err(SecretError::FileMode {
                tenant: tenant.to_string(),
                path: path.to_path_buf(),
                mode,
            });
        }
    }
    #[cfg(not(unix))]
    let _ = metadata;
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
        if e.kind() == ErrorKind::InvalidData {
            // The message of an invalid-UTF-8 error never quotes the bytes.
            read_error(std::io::Error::new(
                ErrorKind::InvalidData,
                "the file is not UTF-8 text",
            ))
        } else {
            read_error(e)
        }
    })?);
    let value = text.trim();
    if value.is_empty() {
        return Err(SecretError::FileEmpty {
            tenant: tenant.to_string(),
            path: path.to_path_buf(),
        });
    }
    Ok(Secret::new(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_keyring_the_hint_names_the_other_references() {
        let error = SecretError::NoKeyring {
            tenant: "acme/scim".into(),
            name: "acme-scim".into(),
            detail: "this build of onboard has no keyring store for this platform".into(),
        };
        let hint = error.hint().unwrap();
        assert!(hint.contains("`credential: env:VAR`"), "{hint}");
        assert!(hint.contains("`credential: file:PATH`"), "{hint}");
    }

    #[test]
    fn a_secret_never_prints() {
        let secret = Secret::new("s3cr3t-value");
        assert_eq!(format!("{secret}"), "[redacted]");
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(&secret)), "Some([redacted])");
        assert_eq!(secret.expose(), "s3cr3t-value");
    }

    #[test]
    fn env_reference_errors_name_the_variable_and_tenant() {
        let error = from_env("ONBOARD_UNIT_SURELY_UNSET_VAR", "acme/scim").unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("`ONBOARD_UNIT_SURELY_UNSET_VAR` is not set"),
            "{text}"
        );
        assert!(text.contains("acme/scim"), "{text}");
        assert!(error.hint().unwrap().contains("export"));
    }

    #[test]
    fn file_reference_needs_owner_only_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "file-secret-value\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let reference = CredentialRef::File("token".into());
        let error = resolve(&reference, "acme/scim", dir.path(), &Options::default()).unwrap_err();
        let text = error.to_string();
        assert!(text.contains("mode is 0644"), "{text}");
        assert!(!text.contains("file-secret-value"));
        assert!(error.hint().unwrap().contains("chmod 600"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let secret = resolve(&reference, "acme/scim", dir.path(), &Options::default()).unwrap();
        assert_eq!(secret.expose(), "file-secret-value");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
        assert!(resolve(&reference, "acme/scim", dir.path(), &Options::default()).is_ok());
        std::fs::write(dir.path().join("empty"), "\n").unwrap();
        std::fs::set_permissions(
            dir.path().join("empty"),
            std::fs::Permissions::from_mode(0o600),
        )
        .unwrap();
        let error = resolve(
            &CredentialRef::File("empty".into()),
            "a/b",
            dir.path(),
            &Options::default(),
        )
        .unwrap_err();
        assert!(matches!(error, SecretError::FileEmpty { .. }));
    }

    #[test]
    fn missing_file_is_an_error_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let error = resolve(
            &CredentialRef::File("nope".into()),
            "a/b",
            dir.path(),
            &Options::default(),
        )
        .unwrap_err();
        assert!(error.to_string().contains("nope"), "{error}");
    }
}
