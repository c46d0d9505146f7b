//! The signed, tamper-evident audit log.
//!
//! One chain per client (`audit/<client>.jsonl`) and one for events that belong to no
//! client (`audit/_workspace.jsonl`), so an auditor can be given one client's evidence
//! alone. Each line is a JSON entry carrying its sequence number, the SHA-256 of the
//! previous line and the id of the signing key; the last line of every write (and every
//! chain start, key rotation and checkpoint) also carries an Ed25519 signature over the
//! line, which vouches for the lines before it through their hash links.
//! Every run ends with a signed checkpoint entry, also written to `audit/<chain>.head`,
//! so a truncated tail is detectable.
//!
//! Verification checks every hash link, sequence number and time, the signatures of
//! checkpoints and key rotations and of every entry after the last checkpoint (entries
//! before it are bound to a signed checkpoint by the hash chain), and the head file.
//! This module owns the format; it never prints.

pub mod entry;
pub mod export;
pub mod key;
pub mod layout;
pub mod replay;
pub mod verify;
pub mod writer;

use std::path::PathBuf;

use thiserror::Error;

pub use entry::{
    Entry, EntryKind, EntryResult, Phase, TENANT_ENFORCES_EXPIRY, tenant_enforces_expiry,
};
pub use key::{AuditKey, KeySource};
pub use writer::{AuditLog, ChainWriter};

/// The chain of events that belong to no client.
pub const WORKSPACE_CHAIN: &str = "_workspace";

/// Failures of the audit log (other than tampering, which `verify` reports).
#[derive(Debug, Error)]
pub enum AuditError {
    /// A file could not be read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// No signing key is available.
    #[error("no audit signing key: {detail}")]
    NoKey {
        /// Why, naming the source tried (never a secret).
        detail: String,
    },
    /// The signing key's `vault:` or `exec:` source could not give it.
    #[error("no audit signing key: {detail}")]
    KeyUnreadable {
        /// Why, naming the reference (never a secret).
        detail: String,
        /// What would fix it, as the reference's kind says.
        hint: Option<String>,
    },
    /// The signing key's source holds nothing, but the log is signed with other keys: a
    /// new key cannot continue it.
    #[error("no audit signing key: `{source_name}` does not exist, but the audit log in {} is signed with key(s) {}", dir.display(), keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", "))]
    KeyMissing {
        /// The key source, e.g. `file:.onboard/audit.key`.
        source_name: String,
        /// The audit directory.
        dir: PathBuf,
        /// The ids of the log's public keys.
        keys: Vec<String>,
    },
    /// The signing key is not valid.
    #[error("the audit signing key from `{source_name}` is not valid: {detail}")]
    BadKey {
        /// The key source, e.g. `env:ONBOARD_AUDIT_KEY`.
        source_name: String,
        /// What is wrong (never the key).
        detail: String,
    },
    /// The signing key is not one the workspace's public keys vouch for.
    #[error("the audit signing key `{key_id}` is not among the workspace's public keys in {}", dir.display())]
    UnknownKey {
        /// The key's id.
        key_id: String,
        /// The audit directory.
        dir: PathBuf,
    },
    /// A chain does not verify (for a run: its tail, so appending would bless a forged
    /// entry). Names the file and line, as `audit verify` does.
    #[error("{tamper}")]
    Tampered {
        /// The first problem: chain, file, line, sequence and what is wrong.
        tamper: verify::Tamper,
    },
    /// The state backend that keeps the audit log failed.
    #[error(transparent)]
    Store(crate::state::StateError),
}

impl From<crate::state::StateError> for AuditError {
    /// A file the backend could not read or write is the audit log's own I/O failure (its
    /// hint says a change whose intent was not written was not sent); anything else is
    /// the backend's.
    fn from(error: crate::state::StateError) -> Self {
        match error {
            crate::state::StateError::File {
                action,
                path,
                source,
            } => AuditError::Io {
                action,
                path,
                source,
            },
            other => AuditError::Store(other),
        }
    }
}

impl AuditError {
    /// Returns what would fix the problem.
    pub fn hint(&self) -> Option<String> {
        match self {
            AuditError::NoKey { .. } => Some(
                "create one with `onboard audit init`, or in CI set `ONBOARD_AUDIT_KEY` to the key's hex seed".into(),
            ),
            AuditError::KeyMissing { .. } => Some(
                "restore the key where the source says (from a backup), or set `ONBOARD_AUDIT_KEY` to its hex seed; a new key cannot continue a log signed by another".into(),
            ),
            AuditError::KeyUnreadable { hint, .. } => hint.clone(),
            AuditError::BadKey { .. } => Some("the key is 64 hex characters (a 32-byte Ed25519 seed)".into()),
            AuditError::UnknownKey { .. } => Some(
                "use the workspace's key, or rotate keys with `onboard audit rotate-key` using the current one".into(),
            ),
            AuditError::Tampered { .. } => Some(
                "run `onboard audit verify` for the full report; nothing was written to the log".into(),
            ),
            AuditError::Io { action, .. } if *action != "read" => Some(
                "check that the audit directory is writable and its disk has space, then run again: a change whose intent could not be written was not sent, and the next `onboard plan` shows what is left".into(),
            ),
            AuditError::Io { .. } => None,
            AuditError::Store(error) => error.hint(),
        }
    }
}
