//! The audit signing key: where it comes from, and the public keys auditors get.
//!
//! The private key is a 32-byte Ed25519 seed written as 64 hex characters. It comes from
//! `ONBOARD_AUDIT_KEY` (CI), or from the source `onboard.toml` names under
//! `[audit] key`: `file:PATH` (0600 or stricter) or `env:VAR`. Public keys are written as
//! `audit/<key-id>.pub` (`ed25519 <hex>`), one per key ever used, for auditors.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

use super::AuditError;

use crate::state::Store;

/// Who needs the audit key, as credential errors name it.
const AUDIT_KEY_SETTING: &str = "[audit] key";

/// Where the signing key is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// An environment variable holding the hex seed.
    Env(String),
    /// A file holding the hex seed, readable by its owner only.
    File(PathBuf),
    /// An OS keyring entry holding the hex seed (service `onboard`, user NAME).
    Keyring(String),
    /// A `vault:` or `exec:` reference whose secret is the hex seed: read only.
    Reference(Box<crate::secrets::Resolvable>),
}

impl KeySource {
    /// Returns the source as written in settings and messages.
    pub fn describe(&self) -> String {
        match self {
            KeySource::Env(var) => format!("env:{var}"),
            KeySource::File(path) => format!("file:{}", path.display()),
            KeySource::Keyring(name) => format!("keyring:{name}"),
            KeySource::Reference(source) => source.reference.to_string(),
        }
    }

    /// Returns whether onboard can only read the key there, never store one
    /// (`env:`, `vault:`, `exec:`).
    pub fn is_read_only(&self) -> bool {
        matches!(self, KeySource::Env(_) | KeySource::Reference(_))
    }
}

/// A loaded signing key and its id.
pub struct AuditKey {
    signing: SigningKey,
    /// The key's id: the first 16 hex characters of SHA-256 over the public key.
    pub id: String,
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditKey({}, [redacted])", self.id)
    }
}

/// Returns the id of a public key.
pub fn key_id(public: &VerifyingKey) -> String {
    hex::encode(Sha256::digest(public.as_bytes()))[..16].to_string()
}

impl AuditKey {
    /// Generates a new random key.
    pub fn generate() -> Result<Self, AuditError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| AuditError::NoKey {
            detail: format!("the system random generator failed: {e}"),
        })?;
        Ok(Self::from_seed(seed))
    }

    /// Returns the key for a seed.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        crate::secrets::register(&hex::encode(seed));
        let signing = SigningKey::from_bytes(&seed);
        let id = key_id(&signing.verifying_key());
        AuditKey { signing, id }
    }

    fn parse(text: &str, source: &KeySource) -> Result<Self, AuditError> {
        let bad = |detail: &str| AuditError::BadKey {
            source_name: source.describe(),
            detail: detail.into(),
        };
        let bytes = hex::decode(text.trim()).map_err(|_| bad("it is not hex"))?;
        let seed: [u8; 32] = bytes.try_into().map_err(|_| bad("it is not 32 bytes"))?;
        Ok(Self::from_seed(seed))
    }

    /// Returns the key for a hex seed held in memory.
    pub fn load_hex(text: &str) -> Result<Self, AuditError> {
        Self::parse(text, &KeySource::Env("(generated)".into()))
    }

    /// Returns the seed as hex, for storing.
    pub fn to_hex(&self) -> String {
        hex::encode(self.signing.to_bytes())
    }

    /// Returns the public key.
    pub fn public(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    /// Signs a message, returning the signature as hex.
    pub fn sign(&self, message: &[u8]) -> String {
        hex::encode(self.signing.sign(message).to_bytes())
    }

    /// Loads the key from `source`; `Ok(None)` when a file or keyring entry does not
    /// exist yet.
    pub fn load(source: &KeySource) -> Result<Option<Self>, AuditError> {
        match source {
            KeySource::Keyring(name) => {
                match crate::secrets::keyring::read(name, AUDIT_KEY_SETTING) {
                    Ok(secret) => Self::parse(secret.expose(), source).map(Some),
                    Err(crate::secrets::SecretError::KeyringMissing { .. }) => Ok(None),
                    Err(e) => Err(AuditError::NoKey {
                        detail: e.to_string(),
                    }),
                }
            }
            KeySource::Reference(reference) => match reference.resolve(AUDIT_KEY_SETTING) {
                Ok(secret) => Self::parse(secret.expose(), source).map(Some),
                Err(e) => Err(AuditError::KeyUnreadable {
                    detail: crate::secrets::scrub(&e.to_string())
                        .trim_start_matches(&format!(
                            "{}: ",
                            crate::secrets::user(AUDIT_KEY_SETTING)
                        ))
                        .to_string(),
                    hint: e.hint(),
                }),
            },
            KeySource::Env(var) => match std::env::var(var) {
                Ok(text) if !text.trim().is_empty() => Self::parse(&text, source).map(Some),
                _ => Err(AuditError::NoKey {
                    detail: format!("`{var}` is not set"),
                }),
            },
            KeySource::File(path) => {
                let text = match fs::read_to_string(path) {
                    Ok(text) => text,
                    Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
                    Err(source) => {
                        return Err(AuditError::Io {
                            action: "read",
                            path: path.clone(),
                            source,
                        });
                    }
                };
                check_private(path)?;
                Self::parse(&text, source).map(Some)
            }
        }
    }

    /// Stores a newly generated key unless another process stored one at `source`
    /// first (several first runs of a workspace at once), and returns the key that is
    /// stored there: this one, or the one that won.
    pub fn store_new(self, source: &KeySource) -> Result<AuditKey, AuditError> {
        let KeySource::File(path) = source else {
            self.store(source)?;
            return Ok(self);
        };
        match create_private(path, format!("{}\n", self.to_hex()).as_bytes()) {
            Ok(()) => Ok(self),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                Self::load(source)?.ok_or_else(|| AuditError::NoKey {
                    detail: format!("`{}` appeared and vanished again", path.display()),
                })
            }
            Err(e) => Err(AuditError::Io {
                action: "write",
                path: path.clone(),
                source: e,
            }),
        }
    }

    /// Stores the key in a file (0600) or keyring source.
    pub fn store(&self, source: &KeySource) -> Result<(), AuditError> {
        match source {
            KeySource::File(path) => write_private(path, format!("{}\n", self.to_hex()).as_bytes())
                .map_err(|source| AuditError::Io {
                    action: "write",
                    path: path.clone(),
                    source,
                }),
            KeySource::Keyring(name) => crate::secrets::keyring::store_in_keyring(
                name,
                "audit",
                &crate::secrets::Secret::new(self.to_hex()),
            )
            .map_err(|e| AuditError::NoKey {
                detail: e.to_string(),
            }),
            KeySource::Env(var) => Err(AuditError::NoKey {
                detail: format!(
                    "a key cannot be stored in the environment variable `{var}`: set it yourself"
                ),
            }),
            KeySource::Reference(reference) => Err(AuditError::NoKey {
                detail: format!(
                    "a key cannot be stored through `{}`: put its hex seed there yourself",
                    reference.reference
                ),
            }),
        }
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = private_temporary(path, bytes)?;
    fs::rename(tmp, path)
}

/// Writes `bytes` (0600) to a temporary file of this process beside `path`, synced.
#[cfg(unix)]
fn private_temporary(path: &Path, bytes: &[u8]) -> std::io::Result<std::path::PathBuf> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    // One temporary file per process and call: writers creating the key at once
    // never write or rename each other's.
    static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = path.with_extension(format!("tmp.{}.{call}", std::process::id()));
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(tmp)
}

/// Creates `path` (0600) holding `bytes`, complete or not at all; `AlreadyExists` when
/// it exists.
#[cfg(unix)]
fn create_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = private_temporary(path, bytes)?;
    // A hard link never replaces an existing file: of several processes, one wins.
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    linked
}

#[cfg(not(unix))]
fn create_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if path.exists() {
        return Err(ErrorKind::AlreadyExists.into());
    }
    write_private(path, bytes)
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    atomic_file::write_exact(path, bytes)
}

#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), AuditError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(path)
        .map_err(|source| AuditError::Io {
            action: "read",
            path: path.to_path_buf(),
            source,
        })?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(AuditError::BadKey {
            source_name: format!("file:{}", path.display()),
            detail: format!(
                "its permissions are {:o}; others may read it (run `chmod 600 {}`)",
                mode & 0o777,
                path.display()
            ),
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path) -> Result<(), AuditError> {
    Ok(())
}

/// Parses a public key file's text (`ed25519 <hex>`).
pub fn parse_public(text: &str) -> Option<VerifyingKey> {
    let hex_key = text.trim().strip_prefix("ed25519 ")?;
    let bytes: [u8; 32] = hex::decode(hex_key.trim()).ok()?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

/// Formats a public key file's text.
pub fn format_public(key: &VerifyingKey) -> String {
    format!("ed25519 {}\n", hex::encode(key.as_bytes()))
}

/// Stores a key's public key (`audit/<key-id>.pub` in the file backend); returns where.
pub fn write_public(store: &dyn Store, key: &VerifyingKey) -> Result<PathBuf, AuditError> {
    Ok(store.put_public_key(&key_id(key), &format_public(key))?)
}

/// Returns where the public key of `key_id` is kept (the audit log's place when it is
/// not stored).
pub fn public_location(store: &dyn Store, key_id_wanted: &str) -> Result<PathBuf, AuditError> {
    Ok(store
        .public_keys()?
        .into_iter()
        .find(|k| parse_public(&k.text).is_some_and(|p| key_id(&p) == key_id_wanted))
        .map_or_else(|| store.audit_location(), |k| k.location))
}

/// Public keys by key id, as read from a directory.
pub type PublicKeys = Vec<(String, VerifyingKey)>;

/// Reads every stored public key, by key id; the places of those that are not public
/// keys are returned in the second list for the caller to report.
pub fn read_publics(store: &dyn Store) -> Result<(PublicKeys, Vec<PathBuf>), AuditError> {
    let mut keys = Vec::new();
    let mut bad = Vec::new();
    for stored in store.public_keys()? {
        match parse_public(&stored.text) {
            Some(key) => keys.push((key_id(&key), key)),
            None => bad.push(stored.location),
        }
    }
    Ok((keys, bad))
}

/// Verifies a hex signature over a message.
pub fn verify_hex(key: &VerifyingKey, message: &[u8], signature_hex: &str) -> bool {
    let Ok(bytes) = hex::decode(signature_hex) else {
        return false;
    };
    let Ok(bytes): Result<[u8; 64], _> = bytes.try_into() else {
        return false;
    };
    key.verify(message, &Signature::from_bytes(&bytes)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_runs_at_once_end_up_sharing_one_stored_key() {
        let dir = tempfile::tempdir().unwrap();
        let source = KeySource::File(dir.path().join(".onboard/audit.key"));
        let keys: Vec<String> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    scope.spawn(|| {
                        let key = AuditKey::generate().unwrap();
                        key.store_new(&source).unwrap().id
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let stored = AuditKey::load(&source).unwrap().unwrap().id;
        assert!(keys.iter().all(|id| *id == stored), "{keys:?} vs {stored}");
        let names: Vec<_> = fs::read_dir(dir.path().join(".onboard"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["audit.key"], "no temporary file is left behind");
    }
}
