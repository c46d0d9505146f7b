//! `keyring:NAME` references: secrets kept in the OS keyring through `keyring-core`.
//!
//! Entries are stored under the service [`KEYRING_SERVICE`] with the reference's NAME as
//! the user. On Linux the kernel keyutils store is used (no desktop needed, but it lives
//! in the session keyring); on macOS the user's login Keychain; on Windows the Credential
//! Manager. Other platforms have no store: a `keyring:` reference there fails with a hint
//! to use `env:` or `file:`. A store set beforehand with `keyring_core::set_default_store`
//! (the mock store in tests) is kept.

use std::sync::Mutex;

use keyring_core::{Entry, Error as KeyringError};

use super::{Secret, SecretError};

/// The keyring service under which onboard keeps tenant secrets.
pub const KEYRING_SERVICE: &str = "onboard";

/// Whether this process was started inside a session keyring of its own (a login
/// session, `keyctl session`), noted before the store first touches the keyring. Without
/// one (cron, containers, some CI runners) the kernel gives the process a keyring that
/// later processes do not share, so what is stored there is lost when it exits.
static SESSION_LASTS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

#[cfg(target_os = "linux")]
fn has_own_session_keyring() -> bool {
    use linux_keyutils::{KeyRing, KeyRingIdentifier};
    // Asked without creating one: a process with no session keyring of its own gets
    // the user's default one, `_uid_ses.UID`.
    KeyRing::from_special_id(KeyRingIdentifier::Session, false)
        .and_then(|k| k.metadata())
        .is_ok_and(|m| !m.get_description().starts_with("_uid_ses"))
}

/// Returns why a secret stored in the OS keyring now would not be there for the next
/// onboard process, if it would not.
pub fn lasting_store_problem() -> Option<String> {
    if keyring_core::get_default_store().is_some() && SESSION_LASTS.get().is_none() {
        // A store set by the caller (the mock store in tests): it is what it is.
        return None;
    }
    #[cfg(target_os = "linux")]
    {
        let lasts = *SESSION_LASTS.get_or_init(has_own_session_keyring);
        (!lasts).then(|| {
            "this process has no session keyring of its own (as under cron, in a container or on some CI runners), so the kernel keyring would lose the key when it exits".to_string()
        })
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// Sets the platform's store as the default one, unless a store is set already.
fn ensure_store() -> Result<(), String> {
    static INIT: Mutex<()> = Mutex::new(());
    let _guard = INIT.lock().unwrap_or_else(|e| e.into_inner());
    if keyring_core::get_default_store().is_some() {
        return Ok(());
    }
    #[cfg(target_os = "linux")]
    {
        SESSION_LASTS.get_or_init(has_own_session_keyring);
        let store = linux_keyutils_keyring_store::Store::new().map_err(|e| e.to_string())?;
        keyring_core::set_default_store(store);
        Ok(())
    }
    #[cfg(target_os = "macos")]
    {
        let store =
            apple_native_keyring_store::keychain::Store::new().map_err(|e| e.to_string())?;
        keyring_core::set_default_store(store);
        Ok(())
    }
    #[cfg(target_os = "windows")]
    {
        let store = windows_native_keyring_store::Store::new().map_err(|e| e.to_string())?;
        keyring_core::set_default_store(store);
        Ok(())
    }
    #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
    {
        Err("this build of onboard has no keyring store for this platform".into())
    }
}

fn entry(name: &str, tenant: &str) -> Result<Entry, SecretError> {
    ensure_store().map_err(|detail| SecretError::NoKeyring {
        tenant: tenant.to_string(),
        name: name.to_string(),
        detail,
    })?;
    Entry::new(KEYRING_SERVICE, name).map_err(|e| map_error(e, name, tenant))
}

/// Maps a keyring error to ours. keyring-core's messages never include the secret
/// (`BadEncoding` carries the bytes, but its message does not print them).
fn map_error(error: KeyringError, name: &str, tenant: &str) -> SecretError {
    let (tenant, name) = (tenant.to_string(), name.to_string());
    match error {
        KeyringError::NoEntry => SecretError::KeyringMissing { tenant, name },
        KeyringError::NoStorageAccess(_)
        | KeyringError::PlatformFailure(_)
        | KeyringError::NoDefaultStore
        | KeyringError::NotSupportedByStore(_) => SecretError::NoKeyring {
            tenant,
            name,
            detail: error.to_string(),
        },
        KeyringError::BadEncoding(_) => SecretError::Keyring {
            tenant,
            name,
            detail: "the stored secret is not UTF-8 text".into(),
        },
        other => SecretError::Keyring {
            tenant,
            name,
            detail: other.to_string(),
        },
    }
}

/// Reads the secret stored under `name`.
pub(crate) fn read(name: &str, tenant: &str) -> Result<Secret, SecretError> {
    let value = entry(name, tenant)?
        .get_password()
        .map_err(|e| map_error(e, name, tenant))?;
    if value.trim().is_empty() {
        return Err(SecretError::KeyringMissing {
            tenant: tenant.to_string(),
            name: name.to_string(),
        });
    }
    Ok(Secret::new(value))
}

/// Stores a secret in the OS keyring under `name`, replacing any previous one. `tenant`
/// (`client/tenant`) is named in errors.
pub fn store_in_keyring(name: &str, tenant: &str, secret: &Secret) -> Result<(), SecretError> {
    entry(name, tenant)?
        .set_password(secret.expose())
        .map_err(|e| map_error(e, name, tenant))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CredentialRef;

    /// Every unit test in this binary shares the process-wide default store: the mock.
    fn mock_store() {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            keyring_core::set_default_store(keyring_core::mock::Store::new().unwrap());
        });
    }

    #[test]
    fn stores_and_reads_back_through_the_default_store() {
        mock_store();
        let secret = Secret::new("keyring-secret-value");
        store_in_keyring("unit-acme-scim", "acme/scim", &secret).unwrap();
        let read = super::super::resolve(
            &CredentialRef::Keyring("unit-acme-scim".into()),
            "acme/scim",
            std::path::Path::new("."),
            &crate::adapters::Options::default(),
        )
        .unwrap();
        assert_eq!(read.expose(), "keyring-secret-value");
    }

    #[test]
    fn a_missing_entry_says_how_to_log_in() {
        mock_store();
        let error = read("unit-never-stored", "acme/scim").unwrap_err();
        assert!(
            matches!(error, SecretError::KeyringMissing { .. }),
            "{error}"
        );
        assert!(error.hint().unwrap().contains("onboard login acme/scim"));
    }
}
