//! The file backend: the state directory (`state/ledger.json`, `requests.json`,
//! `reviews.json`, the lock files) and the audit directory (`<chain>.jsonl`,
//! `<chain>.head`, `<key-id>.pub`) of the workspace, as onboard has always written them.
//!
//! Writes under a workspace lock replace a document whole, byte for byte as before.
//! Writes under client locks read, merge and replace a document while holding
//! `state/locks/_state.lock` for the instant it takes, so that runs on different clients
//! never lose each other's records. A chain is appended to while holding an OS lock on
//! its log, after checking that it still ends where the writer read it.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::layout;
use super::lock::{self, LOCK_FILE};
use super::store::{
    CHECKPOINT_MARKER, ChainHead, ChainTail, Description, Holder, Lock, LockScope, Store, StoredKey,
};
use super::{
    FORMAT_VERSION, LEDGER_FILE, Ledger, LockInfo, Requests, Reviews, StateError, UsedStatements,
};
use crate::atomic_file;
use time::OffsetDateTime;

/// The requests document's file.
const REQUESTS_FILE: &str = "requests.json";

/// The signed statements document's file.
const STATEMENTS_FILE: &str = "statements.json";

/// The reviews document's file.
const REVIEWS_FILE: &str = "reviews.json";

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

/// Returns the SHA-256 of a line, as chain heads name it.
fn hash(line: &[u8]) -> String {
    hex::encode(Sha256::digest(line))
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

    /// Reads a JSON document of the state directory; a missing one is `None`.
    fn read_document<T: serde::de::DeserializeOwned>(
        &self,
        file: &str,
    ) -> Result<Option<(T, Vec<u8>)>, StateError> {
        let path = self.state.join(file);
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(|value| Some((value, bytes)))
                .map_err(|e| StateError::Corrupt {
                    path,
                    detail: e.to_string(),
                }),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(source) => Err(StateError::Io {
                action: "read",
                path,
                source,
            }),
        }
    }

    /// Writes a JSON document of the state directory atomically, pretty, with a final
    /// newline.
    fn write_document<T: Serialize>(&self, file: &str, document: &T) -> Result<(), StateError> {
        let path = self.state.join(file);
        let mut text = serde_json::to_string_pretty(document).map_err(|e| StateError::Corrupt {
            path: path.clone(),
            detail: e.to_string(),
        })?;
        text.push('\n');
        atomic_file::write(&path, text.as_bytes()).map_err(|source| StateError::Io {
            action: "write",
            path,
            source,
        })
    }

    /// Runs `merge` while holding the merge lock, when `lock` covers clients only; under
    /// a workspace lock nobody else writes, and no merge lock is taken.
    fn merging<T>(
        &self,
        lock: &Lock,
        merge: impl FnOnce() -> Result<T, StateError>,
    ) -> Result<T, StateError> {
        if lock.is_workspace() {
            return merge();
        }
        let _held = lock::merging(&self.state)?;
        merge()
    }

    /// Opens a chain's log for appending, creating it.
    fn open_log(&self, chain: &str) -> Result<(File, PathBuf), StateError> {
        let path = layout::chain_path(&self.audit, chain);
        fs::create_dir_all(&self.audit).map_err(io("create", &self.audit))?;
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(io("open", &path))?;
        Ok((file, path))
    }
}

/// Keeps the records of the clients `lock` covers from `ours` and the others from
/// `stored`, in the order `key` gives (stable).
pub(super) fn merge_records<T: Clone, K: Ord>(
    lock: &Lock,
    stored: Vec<T>,
    ours: &[T],
    client: impl Fn(&T) -> &str,
    key: impl Fn(&T) -> K,
) -> Vec<T> {
    let mut merged: Vec<T> = stored
        .into_iter()
        .filter(|r| !lock.covers(client(r)))
        .collect();
    merged.extend(ours.iter().filter(|r| lock.covers(client(r))).cloned());
    merged.sort_by_key(|r| key(r));
    merged
}

/// Returns the ledger a save under `lock` writes: `ours` whole under a workspace lock;
/// else our grants of the clients `lock` covers, the `stored` grants of the others and
/// the stored standing revocations. Normalised.
pub(super) fn merged_ledger(
    lock: &Lock,
    stored: impl FnOnce() -> Result<Ledger, StateError>,
    ours: &Ledger,
) -> Result<Ledger, StateError> {
    let mut ledger = if lock.is_workspace() {
        ours.clone()
    } else {
        let stored = stored()?;
        Ledger {
            format_version: FORMAT_VERSION,
            grants: merge_records(lock, stored.grants, &ours.grants, |g| &g.client, |_| ()),
            blocks: stored.blocks,
        }
    };
    ledger.normalise();
    Ok(ledger)
}

/// Returns the requests a save under `lock` writes (see [`merged_ledger`]).
pub(super) fn merged_requests(
    lock: &Lock,
    stored: impl FnOnce() -> Result<Requests, StateError>,
    ours: &Requests,
) -> Result<Requests, StateError> {
    Ok(Requests {
        format_version: FORMAT_VERSION,
        requests: if lock.is_workspace() {
            ours.requests.clone()
        } else {
            merge_records(
                lock,
                stored()?.requests,
                &ours.requests,
                |r| &r.client,
                |r| r.requested_at,
            )
        },
    })
}

/// Returns the review items a save under `lock` writes (see [`merged_ledger`]).
pub(super) fn merged_reviews(
    lock: &Lock,
    stored: impl FnOnce() -> Result<Reviews, StateError>,
    ours: &Reviews,
) -> Result<Reviews, StateError> {
    Ok(Reviews {
        format_version: FORMAT_VERSION,
        reviews: if lock.is_workspace() {
            ours.reviews.clone()
        } else {
            merge_records(
                lock,
                stored()?.reviews,
                &ours.reviews,
                |r| &r.client,
                |r| r.opened_at,
            )
        },
    })
}

/// Reads the end of a log: the length of its whole lines, its last whole line, and the
/// bytes of an incomplete line after it.
fn log_end(file: &mut File, path: &Path) -> Result<(u64, Option<Vec<u8>>, u64), StateError> {
    const BLOCK: u64 = 64 * 1024;
    let length = file.metadata().map_err(io("read", path))?.len();
    let mut buffer: Vec<u8> = Vec::new();
    let mut start = length;
    loop {
        let from = start.saturating_sub(BLOCK);
        let mut block = vec![0u8; (start - from) as usize];
        file.seek(SeekFrom::Start(from)).map_err(io("read", path))?;
        file.read_exact(&mut block).map_err(io("read", path))?;
        block.extend_from_slice(&buffer);
        buffer = block;
        start = from;
        let torn = buffer.iter().rev().take_while(|b| **b != b'\n').count();
        let whole = &buffer[..buffer.len() - torn];
        // The last whole line is complete once a newline (or the file's start) precedes it.
        let body = whole.strip_suffix(b"\n").unwrap_or(whole);
        let begins = body.iter().rposition(|b| *b == b'\n');
        if begins.is_some() || start == 0 {
            let last = begins.map_or(body, |i| &body[i + 1..]);
            let last = (!whole.is_empty()).then(|| last.to_vec());
            return Ok((length - torn as u64, last, torn as u64));
        }
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
        super::checked_ledger(
            self.read_document::<Ledger>(LEDGER_FILE)?,
            self.ledger_path(),
        )
    }

    fn save_ledger(&self, ledger: &Ledger, lock: &Lock) -> Result<(), StateError> {
        self.merging(lock, || {
            let ledger = merged_ledger(lock, || Ok(self.load_ledger()?.0), ledger)?;
            self.write_document(LEDGER_FILE, &ledger)
        })
    }

    fn load_requests(&self) -> Result<Requests, StateError> {
        Ok(self
            .read_document(REQUESTS_FILE)?
            .map(|(d, _)| d)
            .unwrap_or_default())
    }

    fn save_requests(&self, requests: &Requests, lock: &Lock) -> Result<(), StateError> {
        self.merging(lock, || {
            let requests = merged_requests(lock, || self.load_requests(), requests)?;
            self.write_document(REQUESTS_FILE, &requests)
        })
    }

    fn statement_workspace(&self, lock: &Lock) -> Result<String, StateError> {
        self.merging(lock, || {
            let mut statements: UsedStatements = self
                .read_document(STATEMENTS_FILE)?
                .map(|(d, _)| d)
                .unwrap_or_default();
            if !statements.workspace.is_empty() {
                return Ok(statements.workspace);
            }
            let id = statements.workspace_id();
            self.write_document(STATEMENTS_FILE, &statements)?;
            Ok(id)
        })
    }

    fn claim_statement(
        &self,
        nonce: &str,
        until: OffsetDateTime,
        now: OffsetDateTime,
        lock: &Lock,
    ) -> Result<bool, StateError> {
        self.merging(lock, || {
            let mut statements: UsedStatements = self
                .read_document(STATEMENTS_FILE)?
                .map(|(d, _)| d)
                .unwrap_or_default();
            if !statements.claim(nonce, until, now) {
                return Ok(false);
            }
            self.write_document(STATEMENTS_FILE, &statements)?;
            Ok(true)
        })
    }

    fn load_credentials(&self) -> Result<super::Credentials, StateError> {
        let file = format!("{}.json", super::credentials::NAME);
        Ok(self
            .read_document(&file)?
            .map(|(d, _)| d)
            .unwrap_or_default())
    }

    fn save_credentials(
        &self,
        credentials: &super::Credentials,
        lock: &Lock,
    ) -> Result<(), StateError> {
        self.merging(lock, || {
            let merged = super::credentials::merged(lock, || self.load_credentials(), credentials)?;
            self.write_document(&format!("{}.json", super::credentials::NAME), &merged)
        })
    }

    fn load_reviews(&self) -> Result<Reviews, StateError> {
        Ok(self
            .read_document(REVIEWS_FILE)?
            .map(|(d, _)| d)
            .unwrap_or_default())
    }

    fn save_reviews(&self, reviews: &Reviews, lock: &Lock) -> Result<(), StateError> {
        self.merging(lock, || {
            let reviews = merged_reviews(lock, || self.load_reviews(), reviews)?;
            self.write_document(REVIEWS_FILE, &reviews)
        })
    }

    fn lock(&self, scope: &LockScope, info: &LockInfo, wait: Duration) -> Result<Lock, StateError> {
        Ok(match scope {
            LockScope::Workspace => Lock::new(
                scope.clone(),
                Box::new(lock::workspace(&self.state, info, wait)?),
            ),
            LockScope::Client(client) => Lock::new(
                scope.clone(),
                Box::new(lock::client(&self.state, client, info, wait)?),
            ),
        })
    }

    fn holders(&self) -> Result<Vec<Holder>, StateError> {
        let mut holders = Vec::new();
        if let Some(info) = lock::holder(&self.state.join(LOCK_FILE))? {
            // Held shared by client runs only names nobody: they are listed below.
            let shared_only = info.is_none()
                && lock::client_names(&self.state).iter().any(|c| {
                    matches!(
                        lock::holder(&lock::client_path(&self.state, c)),
                        Ok(Some(_))
                    )
                });
            if !shared_only {
                holders.push(Holder {
                    scope: LockScope::Workspace,
                    info,
                });
            }
        }
        for client in lock::client_names(&self.state) {
            if let Some(info) = lock::holder(&lock::client_path(&self.state, &client))? {
                holders.push(Holder {
                    scope: LockScope::Client(client),
                    info,
                });
            }
        }
        Ok(holders)
    }

    fn chains(&self) -> Result<Vec<String>, StateError> {
        layout::chains(&self.audit)
    }

    fn chain_tail(&self, chain: &str) -> Result<Option<ChainTail>, StateError> {
        const BLOCK: u64 = 256 * 1024;
        let path = layout::chain_path(&self.audit, chain);
        let mut file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(io("read", &path)(source)),
        };
        let length = file.metadata().map_err(io("read", &path))?.len();
        if length == 0 {
            return Ok(None);
        }
        let mut buffer: Vec<u8> = Vec::new();
        let mut start = length;
        let marker = CHECKPOINT_MARKER.as_bytes();
        let has_marker = |bytes: &[u8]| bytes.windows(marker.len()).any(|w| w == marker);
        loop {
            let from = start.saturating_sub(BLOCK);
            let mut block = vec![0u8; (start - from) as usize];
            file.seek(SeekFrom::Start(from))
                .map_err(io("read", &path))?;
            file.read_exact(&mut block).map_err(io("read", &path))?;
            block.extend_from_slice(&buffer);
            buffer = block;
            start = from;
            let complete = if start == 0 {
                &buffer[..]
            } else {
                buffer
                    .iter()
                    .position(|b| *b == b'\n')
                    .map_or(&[][..], |i| &buffer[i + 1..])
            };
            if start == 0 || has_marker(complete) {
                break;
            }
        }
        let torn = buffer.iter().rev().take_while(|b| **b != b'\n').count() as u64;
        let mut whole = &buffer[..buffer.len() - torn as usize];
        let mut offset = start;
        if start > 0 {
            // A partial line at the block boundary (which may split a character).
            let cut = whole
                .iter()
                .position(|b| *b == b'\n')
                .map_or(whole.len(), |i| i + 1);
            offset += cut as u64;
            whole = &whole[cut..];
        }
        // From the last line holding the marker on.
        let lines: Vec<&[u8]> = whole.split_inclusive(|b| *b == b'\n').collect();
        let from = lines.iter().rposition(|l| has_marker(l)).unwrap_or(0);
        offset += lines[..from].iter().map(|l| l.len() as u64).sum::<u64>();
        Ok(Some(ChainTail {
            bytes: lines[from..].concat(),
            offset,
            torn,
        }))
    }

    fn append(
        &self,
        chain: &str,
        expected: &ChainHead,
        lines: &[String],
    ) -> Result<(), StateError> {
        if lines.is_empty() {
            return Ok(());
        }
        let (mut file, path) = self.open_log(chain)?;
        file.lock().map_err(io("lock", &path))?;
        let length = file.metadata().map_err(io("read", &path))?.len();
        let known = self
            .ends
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(chain)
            .is_some_and(|(at, head)| *at == length && head == expected);
        let mut whole = length;
        if !known {
            let (end, last, torn) = log_end(&mut file, &path)?;
            let found = last.as_deref().map(hash);
            let matches = match (&found, expected.seq) {
                (None, 0) => true,
                (Some(found), seq) => seq > 0 && *found == expected.hash,
                (None, _) => false,
            };
            if !matches {
                return Err(StateError::ChainMoved {
                    chain: chain.to_string(),
                    detail: format!(
                        "expected to end at entry {}, but its last line is {}",
                        expected.seq,
                        found.map_or("missing".to_string(), |h| format!("another (hash {h})"))
                    ),
                });
            }
            if torn > 0 {
                // A crash mid-write left an incomplete last line: the chain continues
                // from the last whole line (the writer records the cut).
                file.set_len(end).map_err(io("write", &path))?;
            }
            whole = end;
        }
        let mut text = lines.join("\n");
        text.push('\n');
        file.write_all(text.as_bytes())
            .map_err(io("write", &path))?;
        file.sync_data().map_err(io("sync", &path))?;
        let head = ChainHead {
            seq: expected.seq + lines.len() as u64,
            hash: hash(lines[lines.len() - 1].as_bytes()),
        };
        self.ends
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(chain.to_string(), (whole + text.len() as u64, head));
        Ok(())
    }

    fn write_head(&self, chain: &str, seq: u64, text: &str) -> Result<(), StateError> {
        let (file, log) = self.open_log(chain)?;
        file.lock().map_err(io("lock", &log))?;
        let path = layout::head_path(&self.audit, chain);
        let stored = fs::read_to_string(&path)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| v.get("seq").and_then(|s| s.as_u64()));
        if stored.is_some_and(|stored| stored > seq) {
            return Ok(());
        }
        atomic_file::write(&path, text.as_bytes()).map_err(io("write", &path))
    }

    fn read_chain(&self, chain: &str) -> Result<Option<Vec<u8>>, StateError> {
        let path = layout::chain_path(&self.audit, chain);
        match fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(source) => Err(io("read", &path)(source)),
        }
    }

    fn read_head(&self, chain: &str) -> Result<Option<String>, StateError> {
        let path = layout::head_path(&self.audit, chain);
        match fs::read_to_string(&path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(source) => Err(io("read", &path)(source)),
        }
    }

    fn chain_location(&self, chain: &str) -> PathBuf {
        layout::chain_path(&self.audit, chain)
    }

    fn head_location(&self, chain: &str) -> PathBuf {
        layout::head_path(&self.audit, chain)
    }

    fn audit_location(&self) -> PathBuf {
        self.audit.clone()
    }

    fn public_keys(&self) -> Result<Vec<StoredKey>, StateError> {
        let entries = match fs::read_dir(&self.audit) {
            Ok(entries) => entries,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(io("read", &self.audit)(source)),
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| layout::is_public_key(p))
            .collect();
        paths.sort();
        Ok(paths
            .into_iter()
            .map(|location| StoredKey {
                text: fs::read_to_string(&location).unwrap_or_default(),
                location,
            })
            .collect())
    }

    fn put_public_key(&self, key_id: &str, text: &str) -> Result<PathBuf, StateError> {
        let path = layout::public_key_path(&self.audit, key_id);
        atomic_file::write(&path, text.as_bytes()).map_err(io("write", &path))?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    fn store() -> (tempfile::TempDir, FileStore) {
        let dir = tempfile::TempDir::new().expect("temp dir");
        let store = FileStore::new(dir.path().join("state"), dir.path().join("audit"));
        (dir, store)
    }

    fn head(seq: u64, line: &str) -> ChainHead {
        ChainHead {
            seq,
            hash: hash(line.as_bytes()),
        }
    }

    fn empty() -> ChainHead {
        ChainHead {
            seq: 0,
            hash: crate::audit::entry::GENESIS.to_string(),
        }
    }

    /// A holder that is alive and not this process (pid 1 always runs), so that a
    /// refusal names it.
    fn holder(actor: &str) -> LockInfo {
        LockInfo {
            actor: actor.into(),
            host: "build-7".into(),
            command: "apply".into(),
            pid: 1,
            since: "2026-11-21T11:59:00Z".into(),
        }
    }

    fn held(store: &FileStore) -> Vec<LockScope> {
        store
            .holders()
            .unwrap()
            .into_iter()
            .map(|h| h.scope)
            .collect()
    }

    fn client(name: &str) -> LockScope {
        LockScope::Client(name.into())
    }

    #[test]
    fn an_append_from_a_stale_head_is_refused_and_writes_nothing() {
        let (_dir, store) = store();
        store
            .append("acme", &empty(), &["one".into(), "two".into()])
            .expect("first batch");
        // A second writer (another process: no shared memory of the end) read the chain
        // when it held one line.
        let other = FileStore::new(store.state.clone(), store.audit.clone());
        let before = store.read_chain("acme").unwrap().unwrap();
        for stale in [empty(), head(1, "one"), head(2, "not-two")] {
            let refused = other.append("acme", &stale, &["three".into()]);
            assert!(
                matches!(refused, Err(StateError::ChainMoved { .. })),
                "{stale:?}: {refused:?}"
            );
            // This process's own memory of the end does not let a stale head through.
            let refused = store.append("acme", &stale, &["three".into()]);
            assert!(matches!(refused, Err(StateError::ChainMoved { .. })));
        }
        assert_eq!(store.read_chain("acme").unwrap().unwrap(), before);
        other
            .append("acme", &head(2, "two"), &["three".into()])
            .expect("the true head continues");
        assert_eq!(
            store.read_chain("acme").unwrap().unwrap(),
            b"one\ntwo\nthree\n"
        );
    }

    #[test]
    fn a_batch_is_stored_whole_and_a_torn_line_is_cut_before_the_next() {
        let (_dir, store) = store();
        let lines: Vec<String> = (1..=100).map(|i| format!("line {i}")).collect();
        store.append("acme", &empty(), &lines).expect("batch");
        let text = store.read_chain("acme").unwrap().unwrap();
        assert_eq!(text.iter().filter(|b| **b == b'\n').count(), 100);
        // A crash mid-write leaves half a line; a writer that read the tail continues
        // from the last whole line.
        let path = store.chain_location("acme");
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"{\"half").unwrap();
        let fresh = FileStore::new(store.state.clone(), store.audit.clone());
        let tail = fresh.chain_tail("acme").unwrap().unwrap();
        assert_eq!(tail.torn, 6);
        fresh
            .append("acme", &head(100, "line 100"), &["line 101".into()])
            .expect("continues");
        let text = String::from_utf8(fresh.read_chain("acme").unwrap().unwrap()).unwrap();
        assert!(text.ends_with("line 100\nline 101\n"), "{text}");
        assert_eq!(fresh.chains().unwrap(), ["acme"]);
    }

    #[test]
    fn a_tail_starts_at_the_last_checkpoint() {
        let (_dir, store) = store();
        let lines = [
            "{\"seq\":1}",
            "{\"kind\":\"checkpoint\",\"seq\":2}",
            "{\"seq\":3}",
        ]
        .map(String::from);
        store.append("c", &empty(), &lines).unwrap();
        let tail = store.chain_tail("c").unwrap().unwrap();
        assert_eq!(
            tail.bytes,
            format!("{}\n{}\n", lines[1], lines[2]).as_bytes()
        );
        assert_eq!(tail.offset, lines[0].len() as u64 + 1);
        assert!(store.chain_tail("none").unwrap().is_none());
    }

    #[test]
    fn client_locks_are_independent_and_the_workspace_lock_excludes_them() {
        let (_dir, store) = store();
        let zero = Duration::ZERO;
        let acme = store
            .lock(&client("acme"), &holder("os:alice"), zero)
            .unwrap();
        let globex = store.lock(&client("globex"), &holder("os:bob"), zero);
        assert!(globex.is_ok(), "another client's lock is free: {globex:?}");
        match store.lock(&client("acme"), &holder("os:carol"), zero) {
            Err(StateError::Locked { holder }) => {
                assert!(holder.contains("os:alice on build-7"), "{holder}")
            }
            other => panic!("acme is held: {other:?}"),
        }
        match store.lock(&LockScope::Workspace, &holder("os:carol"), zero) {
            Err(StateError::Locked { holder }) => assert!(
                holder.contains("os:alice") || holder.contains("os:bob"),
                "{holder}"
            ),
            other => panic!("clients are held: {other:?}"),
        }
        assert_eq!(held(&store), [client("acme"), client("globex")]);
        drop((acme, globex));
        let workspace = store
            .lock(&LockScope::Workspace, &holder("os:carol"), zero)
            .expect("free once the clients are released");
        assert!(matches!(
            store.lock(&client("acme"), &holder("os:alice"), zero),
            Err(StateError::Locked { .. })
        ));
        assert_eq!(held(&store), [LockScope::Workspace]);
        drop(workspace);
        assert!(store.holders().unwrap().is_empty());
        assert!(
            lock::client_names(&store.state).is_empty(),
            "released client locks leave no file"
        );
    }

    #[test]
    fn a_lock_timeout_waits_for_the_holder_then_names_it() {
        let (_dir, store) = store();
        let held = store
            .lock(&client("acme"), &holder("os:alice"), Duration::ZERO)
            .unwrap();
        // Kept: the wait runs out, and the refusal names who holds it.
        let started = Instant::now();
        match store.lock(
            &client("acme"),
            &holder("os:bob"),
            Duration::from_millis(400),
        ) {
            Err(StateError::Locked { holder }) => assert_eq!(
                holder,
                "os:alice on build-7 (`onboard apply`, pid 1) since 2026-11-21T11:59:00Z"
            ),
            other => panic!("{other:?}"),
        }
        assert!(started.elapsed() >= Duration::from_millis(400));
        // Released meanwhile: the waiting run gets it.
        let started = Instant::now();
        std::thread::scope(|scope| {
            scope.spawn(move || {
                std::thread::sleep(Duration::from_millis(300));
                drop(held);
            });
            store
                .lock(&client("acme"), &holder("os:bob"), Duration::from_secs(20))
                .expect("taken once released");
        });
        assert!(started.elapsed() >= Duration::from_millis(300));
    }

    #[test]
    fn saves_under_client_locks_keep_other_clients_records() {
        use crate::model::GrantRecord;
        let (_dir, store) = store();
        let grant = |client: &str| -> GrantRecord {
            serde_json::from_value(serde_json::json!({
                "client": client, "tenant": "entra", "entitlement": "group:G",
                "identity": "ada", "account": "ada@x", "granted_at": "2026-01-01T00:00:00Z",
                "expires_at": null, "sources": [], "ticket": null, "actor": "os:a",
            }))
            .expect("a grant record")
        };
        let zero = Duration::ZERO;
        let acme = store.lock(&client("acme"), &holder("os:a"), zero).unwrap();
        let globex = store
            .lock(&client("globex"), &holder("os:b"), zero)
            .unwrap();
        // Both runs read the empty ledger, then each saves its own client's grant.
        let (empty, _) = store.load_ledger().unwrap();
        let mut mine = empty.clone();
        mine.grants.push(grant("acme"));
        // A record of another client in what a run saves is not its to write.
        mine.grants.push(grant("initech"));
        store.save_ledger(&mine, &acme).unwrap();
        let mut theirs = empty;
        theirs.grants.push(grant("globex"));
        store.save_ledger(&theirs, &globex).unwrap();
        let (ledger, _) = store.load_ledger().unwrap();
        let clients: Vec<&str> = ledger.grants.iter().map(|g| g.client.as_str()).collect();
        assert_eq!(clients, ["acme", "globex"]);
        assert!(
            lock::client_names(&store.state)
                .iter()
                .all(|c| c == "acme" || c == "globex"),
            "the merge lock leaves no file"
        );
    }
}
