//! Delivering a credential's value: to a field of a vault secret, or to a file below
//! the workspace (the stand-in for a vault).

use super::*;
use crate::model::OnRevoke;

/// Where a credential's value is delivered: a field of a vault secret, or a file below
/// the workspace (the stand-in for a vault).
pub(super) enum Sink {
    Vault(VaultRef),
    File(std::path::PathBuf),
}

impl Sink {
    pub(super) fn parse(target: &str, root: &Path) -> Result<Sink, Failure> {
        match target.split_once(':') {
            Some(("vault", rest)) => VaultRef::parse(rest).map(Sink::Vault).map_err(failure),
            Some(("file", rest)) => Ok(Sink::File(root.join(rest.trim()))),
            _ => Err(failure(format!("`{target}` is no delivery target"))),
        }
    }

    pub(super) fn vault(cx: &Context<'_>) -> Result<std::sync::Arc<crate::vault::Vault>, Failure> {
        Ok(crate::secrets::vault("credentials", cx.root, cx.adapters)?)
    }

    /// Checks, before any tenant is touched, that the value can be delivered: the
    /// vault takes the login and lets the secret be read (a secret not there yet is
    /// fine).
    pub(super) fn check(&self, cx: &Context<'_>) -> Result<(), Failure> {
        match self {
            Sink::Vault(reference) => match Self::vault(cx)?.metadata(&reference.path) {
                Ok(_) => Ok(()),
                Err(e) if e.kind == crate::vault::VaultFailure::NotFound => Ok(()),
                Err(e) => Err(e.into()),
            },
            Sink::File(_) => Ok(()),
        }
    }

    /// Writes the value as a new version, keeping the secret's other fields, and reads
    /// it back: returns the vault's version (`None` for a file).
    pub(super) fn deliver(&self, cx: &Context<'_>, value: &Secret) -> Result<Option<u64>, Failure> {
        match self {
            Sink::Vault(reference) => {
                let vault = Self::vault(cx)?;
                let (mut data, cas) = match vault.read(&reference.path, None) {
                    Ok(current) => (current.data, current.version),
                    Err(e) if e.kind == crate::vault::VaultFailure::NotFound => {
                        (BTreeMap::new(), 0)
                    }
                    Err(e) => return Err(e.into()),
                };
                data.insert(reference.field.clone(), value.clone());
                Ok(Some(vault.write_confirmed(
                    &reference.path,
                    &data,
                    Some(cas),
                )?))
            }
            Sink::File(path) => {
                let text = zeroize::Zeroizing::new(format!("{}\n", value.expose()));
                // Byte for byte: `write` would scrub the very secret this file is for.
                crate::atomic_file::write_exact(path, text.as_bytes())
                    .and_then(|()| restrict(path))
                    .map_err(|e| failure(format!("cannot write {}: {e}", path.display())))?;
                let back =
                    zeroize::Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
                        failure(format!("cannot read {} back: {e}", path.display()))
                    })?);
                if back.trim_end_matches('\n') != value.expose() {
                    return Err(failure(format!(
                        "{} read back does not hold what was written",
                        path.display()
                    )));
                }
                Ok(None)
            }
        }
    }

    /// Reads the value delivered now, if any.
    pub(super) fn current(&self, cx: &Context<'_>) -> Result<Option<Secret>, Failure> {
        match self {
            Sink::Vault(reference) => match Self::vault(cx)?.read_field(reference) {
                Ok(value) => Ok(Some(value)),
                Err(e) if e.kind == crate::vault::VaultFailure::NotFound => Ok(None),
                Err(e) => Err(e.into()),
            },
            Sink::File(path) => match std::fs::read_to_string(path).map(zeroize::Zeroizing::new) {
                Ok(text) => Ok(Some(Secret::new(text.trim_end_matches('\n')))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(failure(format!("cannot read {}: {e}", path.display()))),
            },
        }
    }

    /// Deals with the values delivered for a revoked credential as `[vault] on_revoke`
    /// says: destroys them for good, or keeps them marked revoked.
    pub(super) fn revoke(
        &self,
        cx: &Context<'_>,
        versions: &[u64],
        revoked: &Revoked<'_>,
    ) -> Result<String, Failure> {
        let on_revoke = cx
            .workspace
            .settings
            .vault
            .as_ref()
            .map_or(OnRevoke::Destroy, |v| v.on_revoke);
        match on_revoke {
            OnRevoke::Destroy => self.destroy(cx, versions),
            OnRevoke::Mark => self.mark(cx, versions, revoked),
        }
    }

    /// Keeps delivered values but marks them revoked: the vault secret gets custom
    /// metadata (`onboard-revoked-at`, `onboard-audit-entry`) and its versions are
    /// soft-deleted (a reader gets nothing; `bao kv undelete` brings them back); the
    /// stand-in file is moved aside to `PATH.revoked`, beside `PATH.revoked.json`.
    fn mark(
        &self,
        cx: &Context<'_>,
        versions: &[u64],
        revoked: &Revoked<'_>,
    ) -> Result<String, Failure> {
        let fields = BTreeMap::from([
            (
                "onboard-revoked-at".to_string(),
                crate::model::time::format_instant(revoked.at),
            ),
            (
                "onboard-audit-entry".to_string(),
                revoked.audit_entry.to_string(),
            ),
        ]);
        match self {
            Sink::Vault(reference) => {
                let vault = Self::vault(cx)?;
                vault.add_custom_metadata(&reference.path, &fields)?;
                if versions.is_empty() {
                    return Ok(
                        "marked revoked in the vault (no version recorded to delete)".into(),
                    );
                }
                vault.delete_versions(&reference.path, versions)?;
                Ok(format!(
                    "vault version(s) {versions:?} deleted (recoverable) and marked revoked"
                ))
            }
            Sink::File(path) => {
                let aside = suffixed(path, ".revoked");
                match std::fs::rename(path, &aside) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        return Ok("nothing delivered".into());
                    }
                    Err(e) => {
                        return Err(failure(format!(
                            "cannot move {} aside: {e}",
                            path.display()
                        )));
                    }
                }
                let marker = suffixed(path, ".revoked.json");
                let text = serde_json::to_string_pretty(&fields).unwrap_or_default();
                crate::atomic_file::write(&marker, format!("{text}\n").as_bytes())
                    .map_err(|e| failure(format!("cannot write {}: {e}", marker.display())))?;
                Ok(format!(
                    "{} moved aside to {} and marked revoked",
                    path.display(),
                    aside.display()
                ))
            }
        }
    }

    /// Destroys delivered values for good: the vault versions, or the file.
    fn destroy(&self, cx: &Context<'_>, versions: &[u64]) -> Result<String, Failure> {
        match self {
            Sink::Vault(reference) => {
                if versions.is_empty() {
                    return Ok("no vault version to destroy".into());
                }
                Self::vault(cx)?.destroy_versions(&reference.path, versions)?;
                Ok(format!("vault version(s) {versions:?} destroyed"))
            }
            Sink::File(path) => match std::fs::remove_file(path) {
                Ok(()) => Ok(format!("{} removed", path.display())),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    Ok("nothing delivered".into())
                }
                Err(e) => Err(failure(format!("cannot remove {}: {e}", path.display()))),
            },
        }
    }
}

/// A revoked credential, as its marks name it.
pub(super) struct Revoked<'a> {
    /// When it was revoked.
    pub at: time::OffsetDateTime,
    /// The audit entry of the revocation: `CLIENT:CHANGE-ID` (its chain and change id).
    pub audit_entry: &'a str,
}

/// Returns `path` with `suffix` added to its file name.
fn suffixed(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    std::path::PathBuf::from(name)
}

#[cfg(unix)]
fn restrict(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict(_path: &Path) -> std::io::Result<()> {
    Ok(())
}
