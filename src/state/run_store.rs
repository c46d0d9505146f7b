//! The store a run talks to: a [`Store`] that forwards every call to the backend it
//! wraps, counts the calls and the time they took, so `apply --verbose` can say what
//! share of a run the state (the database, or the files) took, and remembers the chain
//! tails the run read until the chain changes (see [`super::tails`]), so that a run
//! reads each tail once.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use super::tails::Tails;
use super::{
    ChainBatch, ChainHead, ChainTail, Credentials, Description, Holder, Ledger, Lock, LockInfo,
    LockScope, Requests, Reviews, StateError, Store, StoredKey,
};

/// How many store calls a run made and how long they took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    /// The number of calls.
    pub calls: u64,
    /// The run's time during which at least one call was under way: the state's share of
    /// the run's wall time (calls made at once on several threads count once).
    pub busy: Duration,
    /// Their total duration summed over threads (calls made at once each count; a call
    /// waiting for another thread's on the same connection counts its wait).
    pub spent: Duration,
    /// The same by kind of call (the store's method), the longest first.
    pub by_call: Vec<(&'static str, u64, Duration)>,
}

/// A store that times the calls made to the one it wraps and remembers chain tails.
pub struct RunStore {
    inner: Box<dyn Store>,
    /// Calls and their duration, by method.
    spent: Mutex<BTreeMap<&'static str, (u64, Duration)>>,
    busy: Mutex<Busy>,
    tails: Tails,
}

/// The calls under way and the time at least one was.
#[derive(Default)]
struct Busy {
    under_way: u32,
    since: Option<Instant>,
    total: Duration,
}

impl RunStore {
    /// Wraps `inner`, with no call counted and no tail read yet.
    pub fn new(inner: Box<dyn Store>) -> Self {
        RunStore {
            inner,
            spent: Mutex::new(BTreeMap::new()),
            busy: Mutex::new(Busy::default()),
            tails: Tails::default(),
        }
    }

    fn time<T>(&self, method: &'static str, call: impl FnOnce() -> T) -> T {
        let started = Instant::now();
        {
            let mut busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
            if busy.under_way == 0 {
                busy.since = Some(started);
            }
            busy.under_way += 1;
        }
        let result = call();
        let ended = Instant::now();
        {
            let mut busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
            busy.under_way -= 1;
            if busy.under_way == 0 {
                let since = busy.since.take().unwrap_or(started);
                busy.total += ended - since;
            }
        }
        let mut spent = self.spent.lock().unwrap_or_else(|e| e.into_inner());
        let entry = spent.entry(method).or_default();
        entry.0 += 1;
        entry.1 += ended - started;
        result
    }
}

impl Store for RunStore {
    fn timing(&self) -> Option<Timing> {
        let spent = self.spent.lock().unwrap_or_else(|e| e.into_inner());
        let mut by_call: Vec<(&'static str, u64, Duration)> = spent
            .iter()
            .map(|(method, (calls, took))| (*method, *calls, *took))
            .collect();
        by_call.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(b.0)));
        let busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
        // A call under way now counts up to now.
        let busy = busy.total + busy.since.map_or(Duration::ZERO, |since| since.elapsed());
        Some(Timing {
            calls: by_call.iter().map(|c| c.1).sum(),
            busy,
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
        let lock = self.time("lock", || self.inner.lock(scope, info, wait));
        // Tails read before the lock may have moved while it was not held.
        self.tails.forget_all();
        lock
    }

    fn holders(&self) -> Result<Vec<Holder>, StateError> {
        self.time("holders", || self.inner.holders())
    }

    fn chains(&self) -> Result<Vec<String>, StateError> {
        self.time("chains", || self.inner.chains())
    }

    fn chain_tail(&self, chain: &str) -> Result<Option<ChainTail>, StateError> {
        let mut tails = self.tails.get(&[chain], |_| {
            Ok(vec![
                self.time("chain_tail", || self.inner.chain_tail(chain))?,
            ])
        })?;
        Ok(tails.pop().flatten())
    }

    fn chain_tails(&self, chains: &[&str]) -> Result<Vec<Option<ChainTail>>, StateError> {
        self.tails.get(chains, |missing| {
            self.time("chain_tails", || self.inner.chain_tails(missing))
        })
    }

    fn append(
        &self,
        chain: &str,
        expected: &ChainHead,
        dropping: u64,
        lines: &[String],
    ) -> Result<(), StateError> {
        self.tails.forget(chain);
        self.time("append", || {
            self.inner.append(chain, expected, dropping, lines)
        })
    }

    fn append_all(&self, batches: &[ChainBatch<'_>]) -> Result<(), StateError> {
        for batch in batches {
            self.tails.forget(batch.chain);
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::FileStore;

    fn calls(store: &RunStore, method: &str) -> u64 {
        store
            .timing()
            .unwrap()
            .by_call
            .iter()
            .find(|c| c.0 == method)
            .map_or(0, |c| c.1)
    }

    fn genesis() -> ChainHead {
        ChainHead {
            seq: 0,
            hash: crate::audit::entry::GENESIS.to_string(),
        }
    }

    #[test]
    fn a_run_reads_each_tail_once_until_it_writes_the_chain_or_takes_a_lock() {
        let dir = tempfile::tempdir().unwrap();
        let store = RunStore::new(Box::new(FileStore::new(
            dir.path().join("state"),
            dir.path().join("audit"),
        )));
        store.append("a", &genesis(), 0, &["one".into()]).unwrap();
        store.append("b", &genesis(), 0, &["two".into()]).unwrap();

        // Read together, then served from memory, the absent chain too.
        let tails = store.chain_tails(&["a", "b", "new"]).unwrap();
        assert_eq!(tails[0].as_ref().unwrap().bytes, b"one\n");
        assert!(tails[2].is_none());
        assert_eq!(store.chain_tail("b").unwrap().unwrap().bytes, b"two\n");
        assert!(store.chain_tail("new").unwrap().is_none());
        assert_eq!(calls(&store, "chain_tails"), 1);
        assert_eq!(calls(&store, "chain_tail"), 0);

        // A chain this run writes is read again.
        let head = ChainHead {
            seq: 1,
            hash: "whatever the store does not check".into(),
        };
        let _ = store.append("a", &head, 0, &["three".into()]);
        store.chain_tail("a").unwrap();
        assert_eq!(calls(&store, "chain_tail"), 1);

        // A lock makes every tail read again: another run may have written meanwhile.
        let info = crate::state::LockInfo {
            actor: "alice".into(),
            host: String::new(),
            command: "apply".into(),
            pid: std::process::id(),
            since: "2026-11-30T00:00:00Z".into(),
        };
        let _lock = store
            .lock(&LockScope::Workspace, &info, Duration::ZERO)
            .unwrap();
        store.chain_tail("b").unwrap();
        assert_eq!(calls(&store, "chain_tail"), 2);
    }

    #[test]
    fn calls_under_way_at_once_count_once_in_the_busy_time() {
        let dir = tempfile::tempdir().unwrap();
        let store = RunStore::new(Box::new(FileStore::new(
            dir.path().join("state"),
            dir.path().join("audit"),
        )));
        let together = std::sync::Barrier::new(2);
        std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| {
                    store.time("x", || {
                        // Both calls are under way here.
                        together.wait();
                        std::thread::sleep(Duration::from_millis(50));
                    })
                });
            }
        });
        let timing = store.timing().unwrap();
        assert_eq!(timing.calls, 2);
        assert!(timing.busy >= Duration::from_millis(50), "{timing:?}");
        assert!(timing.busy < timing.spent, "{timing:?}");
        // Nothing under way: the busy time stays.
        assert_eq!(store.timing().unwrap().busy, timing.busy);
    }
}
