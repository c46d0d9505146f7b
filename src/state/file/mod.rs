//! The file backend: the state directory (`state/ledger.json`, `requests.json`,
//! `reviews.json`, the lock files) and the audit directory (`<chain>.jsonl`,
//! `<chain>.head`, `<key-id>.pub`) of the workspace, as onboard has always written them.
//!
//! By concept: [`documents`] (the ledger, requests, reviews and statements, merged under
//! client locks), [`chains`] (the audit logs, their heads and public keys) and [`locks`]
//! (taking locks and saying who holds them). This module holds the store and its
//! [`Store`] contract, each method handing over to the module of its concept.

mod chains;
mod documents;
mod locks;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use super::store::{
    ChainBatch, ChainHead, ChainTail, Description, Holder, Lock, LockScope, Store, StoredKey,
};
use super::{LEDGER_FILE, Ledger, LockInfo, Requests, Reviews, StateError};
use time::OffsetDateTime;

/// State and audit log in the workspace's files.
pub struct FileStore {
    state: PathBuf,
    audit: PathBuf,
    /// Where this process last left each chain: its log's length and its head. A chain
    /// still that long ends there (logs only grow under their lock), so an append checks
    /// the head without reading the log.
    ends: Mutex<HashMap<String, (u64, ChainHead)>>,
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> StateError + 'a {
    move |source| StateError::File {
        action,
        path: path.to_path_buf(),
        source,
    }
}

impl FileStore {
    /// Returns the store of a state directory and an audit directory (neither need
    /// exist yet). For reading an exported audit log alone, both may be its directory.
    pub fn new(state: PathBuf, audit: PathBuf) -> Self {
        FileStore {
            state,
            audit,
            ends: Mutex::new(HashMap::new()),
        }
    }

    /// Returns the ledger's path.
    pub fn ledger_path(&self) -> PathBuf {
        self.state.join(LEDGER_FILE)
    }
}

impl Store for FileStore {
    fn describe(&self) -> Result<Description, StateError> {
        Ok(Description {
            backend: "file",
            location: self.state.display().to_string(),
            details: vec![("audit log".to_string(), self.audit.display().to_string())],
        })
    }

    fn load_ledger(&self) -> Result<(Ledger, String), StateError> {
        self.read_ledger()
    }

    fn save_ledger(&self, ledger: &Ledger, lock: &Lock) -> Result<(), StateError> {
        self.write_ledger(ledger, lock)
    }

    fn load_requests(&self) -> Result<Requests, StateError> {
        self.read_requests()
    }

    fn save_requests(&self, requests: &Requests, lock: &Lock) -> Result<(), StateError> {
        self.write_requests(requests, lock)
    }

    fn load_credentials(&self) -> Result<super::Credentials, StateError> {
        self.read_credentials()
    }

    fn save_credentials(
        &self,
        credentials: &super::Credentials,
        lock: &Lock,
    ) -> Result<(), StateError> {
        self.write_credentials(credentials, lock)
    }

    fn load_reviews(&self) -> Result<Reviews, StateError> {
        self.read_reviews()
    }

    fn save_reviews(&self, reviews: &Reviews, lock: &Lock) -> Result<(), StateError> {
        self.write_reviews(reviews, lock)
    }

    fn statement_workspace(&self, lock: &Lock) -> Result<String, StateError> {
        self.workspace_id(lock)
    }

    fn claim_statement(
        &self,
        nonce: &str,
        until: OffsetDateTime,
        now: OffsetDateTime,
        lock: &Lock,
    ) -> Result<bool, StateError> {
        self.claim_nonce(nonce, until, now, lock)
    }

    fn lock(&self, scope: &LockScope, info: &LockInfo, wait: Duration) -> Result<Lock, StateError> {
        self.take_lock(scope, info, wait)
    }

    fn holders(&self) -> Result<Vec<Holder>, StateError> {
        self.lock_holders()
    }

    fn chains(&self) -> Result<Vec<String>, StateError> {
        super::layout::chains(&self.audit)
    }

    fn chain_tail(&self, chain: &str) -> Result<Option<ChainTail>, StateError> {
        self.read_tail(chain)
    }

    fn append(
        &self,
        chain: &str,
        expected: &ChainHead,
        dropping: u64,
        lines: &[String],
    ) -> Result<(), StateError> {
        self.append_lines(chain, expected, dropping, lines)
    }

    /// Appends to the chains at once, `atomic_file::SYNCS_AT_ONCE` (16) at a time, each as
    /// [`Store::append`] does (the first failure, in the chains' order, is returned): each
    /// chain is a file of its own with an fsync of its own, and fsyncs of different files
    /// made at the same time share the file system's journal commits (ext4), where each of
    /// them made one after the other waits for a commit of its own.
    fn append_all(&self, batches: &[ChainBatch<'_>]) -> Result<(), StateError> {
        crate::workers::map(batches, crate::atomic_file::SYNCS_AT_ONCE, |b| {
            self.append_lines(b.chain, b.expected, b.dropping, b.lines)
        })
        .into_iter()
        .collect()
    }

    fn write_head(&self, chain: &str, seq: u64, text: &str) -> Result<(), StateError> {
        self.put_head(chain, seq, text)
    }

    fn write_heads(&self, heads: &[(&str, u64, &str)]) -> Result<(), StateError> {
        self.put_heads(heads)
    }

    fn read_chain(&self, chain: &str) -> Result<Option<Vec<u8>>, StateError> {
        self.read_log(chain)
    }

    fn read_head(&self, chain: &str) -> Result<Option<String>, StateError> {
        self.get_head(chain)
    }

    fn chain_location(&self, chain: &str) -> PathBuf {
        super::layout::chain_path(&self.audit, chain)
    }

    fn head_location(&self, chain: &str) -> PathBuf {
        super::layout::head_path(&self.audit, chain)
    }

    fn audit_location(&self) -> PathBuf {
        self.audit.clone()
    }

    fn public_keys(&self) -> Result<Vec<StoredKey>, StateError> {
        self.read_keys()
    }

    fn put_public_key(&self, key_id: &str, text: &str) -> Result<PathBuf, StateError> {
        self.write_key(key_id, text)
    }
}

#[cfg(test)]
mod test_support {
    use super::*;

    /// A store in a fresh temporary directory.
    pub fn store() -> (tempfile::TempDir, FileStore) {
        let dir = tempfile::TempDir::new().expect("temp dir");
        let store = FileStore::new(dir.path().join("state"), dir.path().join("audit"));
        (dir, store)
    }

    /// A holder that is alive and not this process (pid 1 always runs), so that a
    /// refusal names it.
    pub fn holder(actor: &str) -> LockInfo {
        LockInfo {
            actor: actor.into(),
            host: "build-7".into(),
            command: "apply".into(),
            pid: 1,
            since: "2026-11-21T11:59:00Z".into(),
        }
    }

    pub fn client(name: &str) -> LockScope {
        LockScope::Client(name.into())
    }
}
