//! The state interface: everything onboard remembers, behind one trait, so that the
//! commands and workflows never know which backend they talk to.
//!
//! A [`Store`] keeps the grant ledger (with its standing revocations), access requests,
//! post-use reviews, locks, and the bytes of the audit chains, their signed heads and
//! public keys. It never signs, hashes entries or interprets them beyond what its
//! contract names: the entry format, the hash links and the Ed25519 signatures belong to
//! [`crate::audit`], which hands the store lines that are already signed.
//!
//! Writes of the ledger, requests and reviews are *scoped by the lock*: a save writes the
//! records of the clients the lock covers (every record under a workspace lock) and
//! leaves the records of other clients as stored, so two runs holding the locks of
//! different clients never lose each other's records. Standing revocations are written
//! under a workspace lock only.

use std::path::PathBuf;
use std::time::Duration;

use super::{Credentials, Ledger, LockInfo, Requests, Reviews, StateError};
use time::OffsetDateTime;

/// What a lock covers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LockScope {
    /// The whole workspace: every client, the standing revocations, the workspace chain.
    Workspace,
    /// One client: its ledger records, requests, reviews and audit chain.
    Client(String),
}

impl std::fmt::Display for LockScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LockScope::Workspace => f.write_str("the workspace"),
            LockScope::Client(client) => write!(f, "client `{client}`"),
        }
    }
}

/// Held locks, of one or more scopes; dropping it releases them. A backend makes one
/// with [`Lock::new`] around whatever keeps its lock held (an open locked file, a
/// database session holding an advisory lock); [`Lock::join`] combines locks.
pub struct Lock {
    scopes: Vec<LockScope>,
    /// What keeps each lock held; dropped in reverse order of taking.
    _guards: Vec<std::sync::Mutex<Box<dyn Send>>>,
}

impl std::fmt::Debug for Lock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lock")
            .field("scopes", &self.scopes)
            .finish()
    }
}

impl Lock {
    /// Returns a held lock of `scope`, kept held by `guard` until dropped.
    pub fn new(scope: LockScope, guard: Box<dyn Send>) -> Self {
        Lock {
            scopes: vec![scope],
            _guards: vec![std::sync::Mutex::new(guard)],
        }
    }

    /// Returns the locks of both.
    pub fn join(mut self, other: Lock) -> Lock {
        self.scopes.extend(other.scopes);
        self._guards.extend(other._guards);
        self
    }

    /// Returns the scopes held.
    pub fn scopes(&self) -> &[LockScope] {
        &self.scopes
    }

    /// Tells whether the whole workspace is held.
    pub fn is_workspace(&self) -> bool {
        self.scopes.contains(&LockScope::Workspace)
    }

    /// Tells whether the records of `client` may be written under this lock.
    pub fn covers(&self, client: &str) -> bool {
        self.is_workspace()
            || self
                .scopes
                .iter()
                .any(|s| matches!(s, LockScope::Client(c) if c == client))
    }
}

/// Who holds a lock, as `state status` and a refused run report it.
#[derive(Debug, Clone)]
pub struct Holder {
    /// What is held.
    pub scope: LockScope,
    /// Who holds it, when it has said so (a holder that has just taken the lock may not
    /// have yet).
    pub info: Option<LockInfo>,
}

/// Where a chain ends: the sequence number and hash of its last line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    /// The last line's sequence number; 0 for a chain with no line.
    pub seq: u64,
    /// The SHA-256 (lowercase hex) of the last line's bytes (without its newline), as the
    /// next entry's `prev` links it; [`crate::audit::entry::GENESIS`] for an empty chain.
    pub hash: String,
}

/// Lines to append to one chain (see [`Store::append`]).
#[derive(Debug, Clone, Copy)]
pub struct ChainBatch<'a> {
    /// The chain.
    pub chain: &'a str,
    /// Where the chain must end (before `dropping` lines).
    pub expected: &'a ChainHead,
    /// Lines after `expected` to remove in the same step.
    pub dropping: u64,
    /// The lines, without newlines.
    pub lines: &'a [String],
}

/// The lines a writer needs to continue a chain: from its last checkpoint on.
#[derive(Debug, Clone, Default)]
pub struct ChainTail {
    /// The whole lines from the last line containing [`CHECKPOINT_MARKER`] on (from the
    /// first line when there is none), each ending in a newline, as stored (the audit
    /// module checks they are text).
    pub bytes: Vec<u8>,
    /// Where `bytes` start in [`Store::read_chain`]'s bytes (for error reports: the line
    /// number is counted from it only when something is wrong).
    pub offset: u64,
    /// Bytes of an incomplete last line (a crash mid-write), not in `lines`. The next
    /// [`Store::append`] that continues the last whole line removes them.
    pub torn: u64,
}

/// The text that marks a checkpoint line (the audit module writes it in every
/// checkpoint entry): a chain's tail starts at the last line containing it.
pub const CHECKPOINT_MARKER: &str = "\"kind\":\"checkpoint\"";

/// A public key as stored.
#[derive(Debug, Clone)]
pub struct StoredKey {
    /// Where it is kept (a file's path; for messages).
    pub location: PathBuf,
    /// Its text (`ed25519 <hex>`), for the audit module to parse.
    pub text: String,
}

/// Which backend, and where, for `state status` and messages (never a password).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Description {
    /// `file` or `postgres`.
    pub backend: &'static str,
    /// Where the state is: a directory, or a database URL with its password redacted.
    pub location: String,
    /// Further facts to show (schema version, row counts…), in order.
    pub details: Vec<(String, String)>,
}

/// Everything onboard remembers. Object safe; one value serves every thread of a run.
pub trait Store: Send + Sync {
    /// Says which backend this is and where its state is.
    fn describe(&self) -> Result<Description, StateError>;

    /// Says whether this run may write the state (a database role granted only SELECT
    /// may not): a run that only reads, such as `plan`, then records nothing.
    fn writable(&self) -> Result<bool, StateError> {
        Ok(true)
    }

    /// Returns how many calls this store served and how long they took, when it counts
    /// them (the store [`crate::state::open`] returns does); `None` otherwise.
    fn timing(&self) -> Option<super::Timing> {
        None
    }

    // ---- the grant ledger and standing revocations ----

    /// Reads the ledger and a digest of its content (the SHA-256 of the stored form, or
    /// `none` when there is no ledger yet); a missing ledger is empty. Saved plans pin
    /// the digest.
    fn load_ledger(&self) -> Result<(Ledger, String), StateError>;

    /// Writes the ledger's grants of the clients `lock` covers (all of them under a
    /// workspace lock, and then its standing revocations too), durably and atomically;
    /// other clients' grants stay as stored.
    fn save_ledger(&self, ledger: &Ledger, lock: &Lock) -> Result<(), StateError>;

    // ---- access requests and post-use reviews ----

    /// Reads every access request; none when there are none yet.
    fn load_requests(&self) -> Result<Requests, StateError>;

    /// Writes the requests of the clients `lock` covers (see [`Store::save_ledger`]).
    fn save_requests(&self, requests: &Requests, lock: &Lock) -> Result<(), StateError>;

    /// Reads every review item; none when there are none yet.
    fn load_reviews(&self) -> Result<Reviews, StateError>;

    /// Writes the review items of the clients `lock` covers (see [`Store::save_ledger`]).
    fn save_reviews(&self, reviews: &Reviews, lock: &Lock) -> Result<(), StateError>;

    // ---- issued credentials ----

    /// Reads the credentials issued to service accounts and agents; none when there
    /// are none yet.
    fn load_credentials(&self) -> Result<Credentials, StateError>;

    /// Writes the issued credentials of the clients `lock` covers (see
    /// [`Store::save_ledger`]).
    fn save_credentials(&self, credentials: &Credentials, lock: &Lock) -> Result<(), StateError>;

    // ---- signed statements ----

    /// Returns the workspace's id, which every signed statement names (made once, on
    /// first use, and the same for every checkout sharing this state).
    fn statement_workspace(&self, lock: &Lock) -> Result<String, StateError>;

    /// Claims a signed statement's nonce, valid until `until`: false when it was
    /// claimed before (a replay). Atomic: of two runs claiming one nonce, one wins.
    fn claim_statement(
        &self,
        nonce: &str,
        until: OffsetDateTime,
        now: OffsetDateTime,
        lock: &Lock,
    ) -> Result<bool, StateError>;

    // ---- locks ----

    /// Takes the lock of `scope` for the holder `info`, waiting up to `wait` for its
    /// holder to release it (zero: not at all), else [`StateError::Locked`] naming the
    /// holder. A workspace lock excludes every client lock and the reverse; locks of two
    /// clients are independent. The lock is released when the returned value is dropped
    /// or the process dies, however it dies.
    fn lock(&self, scope: &LockScope, info: &LockInfo, wait: Duration) -> Result<Lock, StateError>;

    /// Returns the locks held now by live runs (of this process too), workspace first.
    fn holders(&self) -> Result<Vec<Holder>, StateError>;

    // ---- audit chains ----

    /// Returns the names of the chains that exist, sorted.
    fn chains(&self) -> Result<Vec<String>, StateError>;

    /// Reads a chain's tail for a writer to continue it (`None`: the chain has no line).
    /// Reads from the last checkpoint on, never the whole chain.
    fn chain_tail(&self, chain: &str) -> Result<Option<ChainTail>, StateError>;

    /// Reads the tails of several chains, in the order named, as [`Store::chain_tail`]
    /// does for each: a backend that can read them in fewer round trips does.
    fn chain_tails(&self, chains: &[&str]) -> Result<Vec<Option<ChainTail>>, StateError> {
        chains.iter().map(|chain| self.chain_tail(chain)).collect()
    }

    /// Appends signed lines (without newlines) to a chain in one durable step: when it
    /// returns, they are on stable storage (fsync, or a committed transaction), all or
    /// none of them. `lines[i]` has sequence number `expected.seq + 1 + i`. Refused with
    /// [`StateError::ChainMoved`], writing nothing, unless the chain still ends at
    /// `expected`: two writers never fork a chain. Creates the chain if it has no line.
    ///
    /// `dropping` is the number of whole lines the chain holds after `expected` (0 but
    /// after a crash): they are removed in the same step. The audit module drops entries
    /// at a chain's end that no signature vouches for (a write a crash cut short); the
    /// chain must then end exactly `dropping` lines after `expected`.
    fn append(
        &self,
        chain: &str,
        expected: &ChainHead,
        dropping: u64,
        lines: &[String],
    ) -> Result<(), StateError>;

    /// Appends to several chains, each as [`Store::append`] does: the default appends to
    /// one after the other; a backend with transactions stores them all in one (one
    /// commit for every chain a run has lines pending in, instead of one per chain).
    fn append_all(&self, batches: &[ChainBatch<'_>]) -> Result<(), StateError> {
        for batch in batches {
            self.append(batch.chain, batch.expected, batch.dropping, batch.lines)?;
        }
        Ok(())
    }

    /// Writes a chain's head, `text` exactly as given (one JSON line with its `seq`): its
    /// latest signed checkpoint, durably. A head with a lower `seq` than the one stored
    /// is not written over it.
    fn write_head(&self, chain: &str, seq: u64, text: &str) -> Result<(), StateError>;

    /// Writes the heads of several chains (chain, seq, text), each as
    /// [`Store::write_head`] does: the default writes one after the other; a backend
    /// with transactions writes them all in one.
    fn write_heads(&self, heads: &[(&str, u64, &str)]) -> Result<(), StateError> {
        for (chain, seq, text) in heads {
            self.write_head(chain, *seq, text)?;
        }
        Ok(())
    }

    /// Reads a whole chain as stored: its lines, each ending in a newline, except perhaps
    /// an incomplete last one. `None` when the chain does not exist.
    fn read_chain(&self, chain: &str) -> Result<Option<Vec<u8>>, StateError>;

    /// Reads a chain's head text; `None` when it has none.
    fn read_head(&self, chain: &str) -> Result<Option<String>, StateError>;

    /// Returns where a chain is kept (for messages and tamper reports).
    fn chain_location(&self, chain: &str) -> PathBuf;

    /// Returns where a chain's head is kept (for messages and tamper reports).
    fn head_location(&self, chain: &str) -> PathBuf;

    /// Returns where the audit log is kept (for messages).
    fn audit_location(&self) -> PathBuf;

    /// Returns every public key stored, in a stable order.
    fn public_keys(&self) -> Result<Vec<StoredKey>, StateError>;

    /// Stores a public key by its id (replacing one of the same id); returns where.
    fn put_public_key(&self, key_id: &str, text: &str) -> Result<PathBuf, StateError>;
}
