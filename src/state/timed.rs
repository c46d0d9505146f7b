//! Time spent in the state store: a [`Store`] that forwards every call to the backend it
//! wraps and counts the calls and the time they took, so `apply --verbose` can say what
//! share of a run the state (the database, or the files) took. It adds no behaviour.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use super::{
    ChainBatch, ChainHead, ChainTail, Credentials, Description, Holder, Ledger, Lock, LockInfo,
    LockScope, Requests, Reviews, StateError, Store, StoredKey,
};

/// How many store calls a run made and how long they took, summed over its threads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    /// The number of calls.
    pub calls: u64,
    /// Their total duration (calls made at once on several threads each count).
    pub spent: Duration,
    /// The same by kind of call (the store's method), the longest first.
    pub by_call: Vec<(&'static str, u64, Duration)>,
}

/// A store that times the calls made to the one it wraps.
pub struct Timed {
    inner: Box<dyn Store>,
    /// Calls and their duration, by method.
    spent: Mutex<BTreeMap<&'static str, (u64, Duration)>>,
}

impl Timed {
    /// Wraps `inner`, with no call counted yet.
    pub fn new(inner: Box<dyn Store>) -> Self {
        Timed {
            inner,
            spent: Mutex::new(BTreeMap::new()),
        }
    }

    fn time<T>(&self, method: &'static str, call: impl FnOnce() -> T) -> T {
        let started = Instant::now();
        let result = call();
        let took = started.elapsed();
        let mut spent = self.spent.lock().unwrap_or_else(|e| e.into_inner());
        let entry = spent.entry(method).or_default();
        entry.0 += 1;
        entry.1 += took;
        result
    }
}

impl Store for Timed {
    fn timing(&self) -> Option<Timing> {
        let spent = self.spent.lock().unwrap_or_else(|e| e.into_inner());
        let mut by_call: Vec<(&'static str, u64, Duration)> = spent
            .iter()
            .map(|(method, (calls, took))| (*method, *calls, *took))
            .collect();
        by_call.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(b.0)));
        Some(Timing {
            calls: by_call.iter().map(|c| c.1).sum(),
            spent: by_call.iter().map(|c| c.2).sum(),
            by_call,
        })
    }

    fn describe(&self) -> Result<Description, StateError> {
        self.time("describe", || self.inner.describe())
    }

    fn writable(&self) -> Result<bool, StateError> {
        self.time("writable", || self.inner.writable())
    }

    fn load_ledger(&self) -> Result<(Ledger, String), StateError> {
        self.time("load_ledger", || self.inner.load_ledger())
    }

    fn save_ledger(&self, ledger: &Ledger, lock: &Lock) -> Result<(), StateError> {
        self.time("save_ledger", || self.inner.save_ledger(ledger, lock))
    }

    fn load_requests(&self) -> Result<Requests, StateError> {
        self.time("load_requests", || self.inner.load_requests())
    }

    fn save_requests(&self, requests: &Requests, lock: &Lock) -> Result<(), StateError> {
        self.time("save_requests", || self.inner.save_requests(requests, lock))
    }

    fn load_reviews(&self) -> Result<Reviews, StateError> {
        self.time("load_reviews", || self.inner.load_reviews())
    }

    fn save_reviews(&self, reviews: &Reviews, lock: &Lock) -> Result<(), StateError> {
        self.time("save_reviews", || self.inner.save_reviews(reviews, lock))
    }

    fn load_credentials(&self) -> Result<Credentials, StateError> {
        self.time("load_credentials", || self.inner.load_credentials())
    }

    fn save_credentials(&self, credentials: &Credentials, lock: &Lock) -> Result<(), StateError> {
        self.time("save_credentials", || {
            self.inner.save_credentials(credentials, lock)
        })
    }

    fn statement_workspace(&self, lock: &Lock) -> Result<String, StateError> {
        self.time("statement_workspace", || {
            self.inner.statement_workspace(lock)
        })
    }

    fn claim_statement(
        &self,
        nonce: &str,
        until: OffsetDateTime,
        now: OffsetDateTime,
        lock: &Lock,
    ) -> Result<bool, StateError> {
        self.time("claim_statement", || {
            self.inner.claim_statement(nonce, until, now, lock)
        })
    }

    fn lock(&self, scope: &LockScope, info: &LockInfo, wait: Duration) -> Result<Lock, StateError> {
        self.time("lock", || self.inner.lock(scope, info, wait))
    }

    fn holders(&self) -> Result<Vec<Holder>, StateError> {
        self.time("holders", || self.inner.holders())
    }

    fn chains(&self) -> Result<Vec<String>, StateError> {
        self.time("chains", || self.inner.chains())
    }

    fn chain_tail(&self, chain: &str) -> Result<Option<ChainTail>, StateError> {
        self.time("chain_tail", || self.inner.chain_tail(chain))
    }

    fn append(
        &self,
        chain: &str,
        expected: &ChainHead,
        dropping: u64,
        lines: &[String],
    ) -> Result<(), StateError> {
        self.time("append", || {
            self.inner.append(chain, expected, dropping, lines)
        })
    }

    fn append_all(&self, batches: &[ChainBatch<'_>]) -> Result<(), StateError> {
        self.time("append_all", || self.inner.append_all(batches))
    }

    fn write_head(&self, chain: &str, seq: u64, text: &str) -> Result<(), StateError> {
        self.time("write_head", || self.inner.write_head(chain, seq, text))
    }

    fn write_heads(&self, heads: &[(&str, u64, &str)]) -> Result<(), StateError> {
        self.time("write_heads", || self.inner.write_heads(heads))
    }

    fn read_chain(&self, chain: &str) -> Result<Option<Vec<u8>>, StateError> {
        self.time("read_chain", || self.inner.read_chain(chain))
    }

    fn read_head(&self, chain: &str) -> Result<Option<String>, StateError> {
        self.time("read_head", || self.inner.read_head(chain))
    }

    fn chain_location(&self, chain: &str) -> PathBuf {
        self.time("chain_location", || self.inner.chain_location(chain))
    }

    fn head_location(&self, chain: &str) -> PathBuf {
        self.time("head_location", || self.inner.head_location(chain))
    }

    fn audit_location(&self) -> PathBuf {
        self.time("audit_location", || self.inner.audit_location())
    }

    fn public_keys(&self) -> Result<Vec<StoredKey>, StateError> {
        self.time("public_keys", || self.inner.public_keys())
    }

    fn put_public_key(&self, key_id: &str, text: &str) -> Result<PathBuf, StateError> {
        self.time("put_public_key", || self.inner.put_public_key(key_id, text))
    }
}
