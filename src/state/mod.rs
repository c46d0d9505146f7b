//! What onboard remembers: the grant ledger (what onboard granted, to whom, where, when,
//! until when and why, plus standing revocations), access requests, post-use reviews,
//! locks, and the storage of the audit chains, behind one interface ([`Store`]) so that
//! nothing else knows which backend keeps them. [`open`] picks the backend the
//! workspace's `[state]` settings name; the file backend ([`FileStore`]) is the default.

pub mod copy;
mod credentials;
mod file;
pub mod layout;
mod lock;
mod merge;
pub mod postgres;
mod run_store;
mod store;
mod tails;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::model::{AccessRequest, Block, GrantRecord, ReviewItem};
use time::OffsetDateTime;

pub use credentials::Credentials;
pub use file::FileStore;
pub use lock::{LockInfo, host_name};
pub use run_store::{RunStore, Timing};
pub use store::{
    CHECKPOINT_MARKER, ChainBatch, ChainHead, ChainTail, Description, Holder, Lock, LockScope,
    Store, StoredKey,
};

/// Opens the state backend the workspace's `[state]` settings name, for the workspace at
/// `root`. The one place that knows which backends exist.
pub fn open(
    settings: &crate::model::Settings,
    root: &std::path::Path,
) -> Result<Box<dyn Store>, StateError> {
    let store: Box<dyn Store> = match &settings.state {
        crate::model::StateBackend::File => Box::new(FileStore::new(
            root.join(&settings.state_dir),
            root.join(&settings.audit_dir),
        )),
        crate::model::StateBackend::Postgres { url } => Box::new(postgres::open(
            url,
            root,
            &crate::secrets::Sources::from_settings(settings),
        )?),
    };
    Ok(Box::new(RunStore::new(store)))
}

const LEDGER_FILE: &str = "ledger.json";
const FORMAT_VERSION: u32 = 1;

/// Failures reading or writing the state directory.
#[derive(Debug, Error)]
pub enum StateError {
    /// The ledger could not be read or written.
    #[error("cannot {action} the grant ledger {}: {source}", path.display())]
    Io {
        /// `read` or `write`.
        action: &'static str,
        /// The ledger path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The ledger is not valid.
    #[error("the grant ledger {} is corrupt: {detail}", path.display())]
    Corrupt {
        /// The ledger path.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// Another onboard process holds the lock of the workspace or of a client.
    #[error("the workspace is locked by {holder}")]
    Locked {
        /// Who holds it, as the holder wrote it.
        holder: String,
    },
    /// A file of the state or the audit log could not be read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    File {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// An audit chain no longer ends where the writer read it: another writer appended
    /// to it meanwhile. Nothing was written.
    #[error(
        "the audit chain `{chain}` moved on while it was being written ({detail}): nothing was appended"
    )]
    ChainMoved {
        /// The chain.
        chain: String,
        /// Where it was expected to end, and where it ends.
        detail: String,
    },
    /// The `[state]` settings name a backend this build cannot open, or are incomplete.
    #[error("{detail}")]
    Config {
        /// What is wrong, naming `[state] backend`.
        detail: String,
        /// What to do.
        hint: String,
    },
    /// The backend failed (a database error, the server unreachable…).
    #[error("{detail}")]
    Backend {
        /// What failed, naming the server or object (never a password).
        detail: String,
        /// What to do, when known.
        hint: Option<String>,
    },
}

impl StateError {
    /// Returns what would fix the problem.
    pub fn hint(&self) -> Option<String> {
        match self {
            StateError::Corrupt { .. } => Some(
                "restore `state/ledger.json` from version control or a backup; nothing was changed".into(),
            ),
            StateError::Locked { .. } => Some(
                "wait for that run to finish and try again (the lock is released when its process exits)".into(),
            ),
            StateError::ChainMoved { .. } => Some(
                "another run wrote to the chain without holding its lock; run again (the chain is intact)".into(),
            ),
            StateError::Config { hint, .. } => Some(hint.clone()),
            StateError::Backend { hint, .. } => hint.clone(),
            StateError::Io { .. } | StateError::File { .. } => None,
        }
    }
}

/// The grant ledger's contents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ledger {
    /// Format of the file; bumped on incompatible changes.
    pub format_version: u32,
    /// Grants onboard made that are in force.
    pub grants: Vec<GrantRecord>,
    /// Standing revocations.
    #[serde(default)]
    pub blocks: Vec<Block>,
}

impl Ledger {
    /// Sorts records into a stable order, so the file diffs well in git.
    pub fn normalise(&mut self) {
        self.format_version = FORMAT_VERSION;
        self.grants.sort_by(grant_order);
        normalise_blocks(&mut self.blocks);
    }

    /// Returns whether [`Self::normalise`] would leave the ledger as it is.
    pub fn is_normal(&self) -> bool {
        self.format_version == FORMAT_VERSION
            && self.grants.is_sorted_by(|a, b| grant_order(a, b).is_le())
            && self.blocks.is_sorted_by(|a, b| block_order(a, b).is_le())
    }
}

/// The ledger's order of grants: by client, tenant, entitlement and identity.
fn grant_order(a: &GrantRecord, b: &GrantRecord) -> std::cmp::Ordering {
    (&a.client, &a.tenant, &a.entitlement, &a.identity).cmp(&(
        &b.client,
        &b.tenant,
        &b.entitlement,
        &b.identity,
    ))
}

impl Ledger {
    /// Returns the digest of each of `clients`' grants (SHA-256 of their JSON in the
    /// ledger's order), by client id: a saved plan pins the clients it changes by it, so
    /// an apply on another client leaves it current. The ledger is read once, whatever
    /// the number of clients.
    pub fn client_digests<'a>(
        &self,
        clients: impl IntoIterator<Item = &'a str>,
    ) -> std::collections::BTreeMap<String, String> {
        let mut of: std::collections::BTreeMap<&str, Vec<&GrantRecord>> =
            clients.into_iter().map(|c| (c, Vec::new())).collect();
        for grant in &self.grants {
            if let Some(grants) = of.get_mut(grant.client.as_str()) {
                grants.push(grant);
            }
        }
        of.into_iter()
            .map(|(client, grants)| (client.to_string(), grants_digest(grants)))
            .collect()
    }

    /// Returns the digest of the standing revocations, which every plan depends on.
    pub fn blocks_digest(&self) -> String {
        let mut blocks = self.blocks.clone();
        normalise_blocks(&mut blocks);
        digest_of(&blocks)
    }
}

/// Returns a document as every backend stores it: pretty JSON with a final newline (so
/// one ledger has one digest whichever backend keeps it). `path` names where it goes,
/// for the error.
fn document_text<T: Serialize>(document: &T, path: PathBuf) -> Result<String, StateError> {
    let corrupt = |detail: String| StateError::Corrupt {
        path: path.clone(),
        detail,
    };
    // Written once, in pieces, then joined into a buffer of its size, each piece freed
    // as it is copied: a buffer that grows as it is written reaches up to twice the text
    // (a ledger of 100,000 grants is 34 MB), and writing the text twice, once to measure
    // it, took twice the time.
    let mut pieces = Pieces::default();
    serde_json::to_writer_pretty(&mut pieces, document).map_err(|e| corrupt(e.to_string()))?;
    let mut bytes = Vec::with_capacity(pieces.len() + 1);
    for piece in pieces.done.into_iter().chain([pieces.current]) {
        bytes.extend_from_slice(&piece);
    }
    bytes.push(b'\n');
    String::from_utf8(bytes).map_err(|e| corrupt(e.to_string()))
}

/// Bytes of a [`Pieces`] piece.
const PIECE: usize = 1 << 20;

/// A writer that keeps what is written in pieces of about [`PIECE`] bytes, never copying
/// one to make room.
#[derive(Default)]
struct Pieces {
    done: Vec<Vec<u8>>,
    current: Vec<u8>,
}

impl Pieces {
    /// Bytes written.
    fn len(&self) -> usize {
        self.done.iter().map(Vec::len).sum::<usize>() + self.current.len()
    }
}

impl std::io::Write for Pieces {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.current.len() + bytes.len() > self.current.capacity() {
            let full = std::mem::replace(
                &mut self.current,
                Vec::with_capacity(PIECE.max(bytes.len())),
            );
            if !full.is_empty() {
                self.done.push(full);
            }
        }
        self.current.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Returns the digest of one client's grants, sorted by tenant, entitlement, identity
/// and account.
fn grants_digest(mut grants: Vec<&GrantRecord>) -> String {
    grants.sort_by(|a, b| {
        (&a.tenant, &a.entitlement, &a.identity, &a.account).cmp(&(
            &b.tenant,
            &b.entitlement,
            &b.identity,
            &b.account,
        ))
    });
    digest_of(&grants)
}

fn digest_of<T: Serialize>(value: &T) -> String {
    let json = serde_json::to_vec(value).unwrap_or_default();
    hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&json))
}

/// Sorts standing revocations into the ledger's stable order.
fn normalise_blocks(blocks: &mut [Block]) {
    blocks.sort_by(block_order);
}

/// The ledger's order of standing revocations: by scope and value.
fn block_order(a: &Block, b: &Block) -> std::cmp::Ordering {
    (a.scope, &a.value).cmp(&(b.scope, &b.value))
}

/// Returns a stored ledger (and its stored bytes, which its digest is the SHA-256 of) or,
/// when there is none yet, an empty ledger with the digest `none`; refuses a format this
/// build does not read. `path` names where it is kept, for the error.
fn checked_ledger(
    stored: Option<(Ledger, Vec<u8>)>,
    path: PathBuf,
) -> Result<(Ledger, String), StateError> {
    let Some((ledger, bytes)) = stored else {
        return Ok((
            Ledger {
                format_version: FORMAT_VERSION,
                ..Ledger::default()
            },
            "none".into(),
        ));
    };
    if ledger.format_version != FORMAT_VERSION {
        return Err(StateError::Corrupt {
            path,
            detail: format!(
                "format version {} is not supported (this build reads {FORMAT_VERSION})",
                ledger.format_version
            ),
        });
    }
    Ok((
        ledger,
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes)),
    ))
}

/// Access requests (`state/requests.json`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requests {
    /// Format of the file.
    pub format_version: u32,
    /// Every request, oldest first.
    pub requests: Vec<AccessRequest>,
}

/// The statements accepted in a workspace (`state/statements.json` in the file backend): the workspace's id,
/// which every statement names, and the nonces used and until when they could have
/// been used, so that no statement is accepted twice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsedStatements {
    /// Format of the file.
    pub format_version: u32,
    /// The workspace's id (random, made on first use).
    #[serde(default)]
    pub workspace: String,
    /// Nonces accepted, with the end of their statement's validity (RFC 3339).
    #[serde(default)]
    pub used: Vec<UsedNonce>,
}

/// One accepted statement's nonce.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsedNonce {
    /// The nonce.
    pub nonce: String,
    /// Until when its statement was valid: after that it is refused by age anyway.
    pub until: String,
}

impl UsedStatements {
    /// Claims a statement's `nonce`, valid `until`: false when it was used before.
    /// Nonces whose statements could no longer be used at `now` are dropped.
    pub fn claim(&mut self, nonce: &str, until: OffsetDateTime, now: OffsetDateTime) -> bool {
        self.format_version = FORMAT_VERSION;
        if self.used.iter().any(|u| u.nonce == nonce) {
            return false;
        }
        self.used.retain(|u| {
            crate::model::time::parse_instant(&u.until, crate::model::time::DateBound::Start)
                .is_ok_and(|until| until > now)
        });
        self.used.push(UsedNonce {
            nonce: nonce.to_string(),
            until: crate::model::time::format_instant(until),
        });
        true
    }

    /// Returns the workspace's id, making one (`ws-` and 16 random hex digits) if there
    /// is none yet.
    pub fn workspace_id(&mut self) -> String {
        self.format_version = FORMAT_VERSION;
        if self.workspace.is_empty() {
            let mut bytes = [0u8; 8];
            let _ = getrandom::fill(&mut bytes);
            self.workspace = format!("ws-{}", hex::encode(bytes));
        }
        self.workspace.clone()
    }
}

/// Post-use reviews (`state/reviews.json`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reviews {
    /// Format of the file.
    pub format_version: u32,
    /// Every review item, oldest first.
    pub reviews: Vec<ReviewItem>,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A standing grant of `group:G` in the `entra` tenant of `client`.
    pub(crate) fn grant(client: &str, identity: &str) -> GrantRecord {
        serde_json::from_value(serde_json::json!({
            "client": client, "tenant": "entra", "entitlement": "group:G",
            "identity": identity, "account": format!("{identity}@x"),
            "granted_at": "2026-01-01T00:00:00Z", "expires_at": null, "sources": [],
            "ticket": null, "actor": "os:a",
        }))
        .expect("a grant record")
    }

    #[test]
    fn each_client_is_pinned_by_its_own_grants_whatever_their_order_in_the_ledger() {
        let ledger = Ledger {
            format_version: FORMAT_VERSION,
            grants: vec![
                grant("globex", "bob"),
                grant("acme", "bob"),
                grant("globex", "ada"),
                grant("acme", "ada"),
            ],
            blocks: Vec::new(),
        };
        let pins = ledger.client_digests(["acme", "globex", "initech", "acme"]);
        assert_eq!(
            pins.keys().collect::<Vec<_>>(),
            ["acme", "globex", "initech"]
        );
        // The SHA-256 of the client's grants as JSON, sorted.
        let acme = [grant("acme", "ada"), grant("acme", "bob")];
        assert_eq!(pins["acme"], digest_of(&acme));
        assert_eq!(pins["initech"], digest_of(&Vec::<GrantRecord>::new()));
        // Another client's grants, or their order, move no other pin.
        let mut other = ledger.clone();
        other.grants.reverse();
        other.grants.push(grant("globex", "cy"));
        let moved = other.client_digests(["acme", "globex"]);
        assert_eq!(moved["acme"], pins["acme"]);
        assert_ne!(moved["globex"], pins["globex"]);
    }

    #[test]
    fn a_document_is_its_pretty_json_in_a_buffer_of_its_size() {
        // More than a piece of text, and one string longer than a piece.
        let records = (0..30_000)
            .map(|i| serde_json::json!({ "client": format!("c{i}"), "identity": "ann" }))
            .chain([serde_json::json!({ "reason": "x".repeat(PIECE + 3) })])
            .collect::<Vec<_>>();
        let document = serde_json::json!({ "format_version": 1, "grants": records });
        let text = document_text(&document, PathBuf::from("ledger.json")).unwrap();
        assert_eq!(
            text,
            format!("{}\n", serde_json::to_string_pretty(&document).unwrap())
        );
        // Not a buffer grown by doubling, up to twice the text.
        assert_eq!(text.capacity(), text.len());
    }
}
