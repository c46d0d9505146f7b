//! The file backend's audit chains: `<chain>.jsonl` logs, appended to while holding an
//! OS lock on the log after checking that it still ends where the writer read it;
//! `<chain>.head` signed heads; `<key-id>.pub` public keys.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{FileStore, io};
use crate::atomic_file;
use crate::state::StateError;
use crate::state::layout;
use crate::state::store::{CHECKPOINT_MARKER, ChainHead, ChainTail, StoredKey};

/// Returns the SHA-256 of a line, as chain heads name it.
fn hash(line: &[u8]) -> String {
    hex::encode(Sha256::digest(line))
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

impl FileStore {
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

    /// Reads a chain's tail, from its last checkpoint on (see [`crate::state::Store::chain_tail`]).
    pub(super) fn read_tail(&self, chain: &str) -> Result<Option<ChainTail>, StateError> {
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

    /// Appends lines to a chain that still ends at `expected` (see [`crate::state::Store::append`]).
    pub(super) fn append_lines(
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

    /// Writes a chain's signed head unless a later one is stored.
    pub(super) fn put_head(&self, chain: &str, seq: u64, text: &str) -> Result<(), StateError> {
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

    /// Reads a whole chain's log; `None` when it does not exist.
    pub(super) fn read_log(&self, chain: &str) -> Result<Option<Vec<u8>>, StateError> {
        let path = layout::chain_path(&self.audit, chain);
        match fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(source) => Err(io("read", &path)(source)),
        }
    }

    /// Reads a chain's head text; `None` when it has none.
    pub(super) fn get_head(&self, chain: &str) -> Result<Option<String>, StateError> {
        let path = layout::head_path(&self.audit, chain);
        match fs::read_to_string(&path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(source) => Err(io("read", &path)(source)),
        }
    }

    /// Returns every public key of the audit directory, sorted by path.
    pub(super) fn read_keys(&self) -> Result<Vec<StoredKey>, StateError> {
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

    /// Stores a public key by its id; returns its path.
    pub(super) fn write_key(&self, key_id: &str, text: &str) -> Result<PathBuf, StateError> {
        let path = layout::public_key_path(&self.audit, key_id);
        atomic_file::write(&path, text.as_bytes()).map_err(io("write", &path))?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::store;
    use super::*;
    use crate::state::Store;

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
}
