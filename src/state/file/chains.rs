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

/// Heads written in one step, at most (each holds its chain's lock and an open file).
const HEADS_AT_ONCE: usize = 64;

/// Returns the SHA-256 of a line, as chain heads name it.
fn hash(line: &[u8]) -> String {
    hex::encode(Sha256::digest(line))
}

/// The end of a log.
struct LogEnd {
    /// The length of its whole lines.
    whole: u64,
    /// Its last whole lines (without their newlines), each with where it starts.
    last: Vec<(u64, Vec<u8>)>,
    /// The bytes of an incomplete line after them.
    torn: u64,
}

/// Reads the end of a log, with its last `count` whole lines (fewer when it has fewer).
fn log_end(file: &mut File, path: &Path, count: usize) -> Result<LogEnd, StateError> {
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
        // A line is complete once a newline (or the file's start) precedes it: the
        // buffer's first line is one only at the file's start.
        let mut lines: Vec<&[u8]> = whole.split_inclusive(|b| *b == b'\n').collect();
        if start > 0 && !lines.is_empty() {
            lines.remove(0);
        }
        if lines.len() >= count || start == 0 {
            let kept = &lines[lines.len().saturating_sub(count)..];
            let mut at = length - torn as u64 - kept.iter().map(|l| l.len() as u64).sum::<u64>();
            let last = kept
                .iter()
                .map(|l| {
                    let line = (at, l.strip_suffix(b"\n").unwrap_or(l).to_vec());
                    at += l.len() as u64;
                    line
                })
                .collect();
            return Ok(LogEnd {
                whole: length - torn as u64,
                last,
                torn: torn as u64,
            });
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
        // Read backwards from the end, a block at a time, each twice the last up to
        // `BLOCK`: the last checkpoint is usually in the last few lines, and every plan
        // reads the tail of every chain it covers.
        const FIRST_BLOCK: u64 = 16 * 1024;
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
        // The marker holds no line break: each of its occurrences is within one line.
        let marker = memchr::memmem::Finder::new(CHECKPOINT_MARKER.as_bytes());
        let mut size = FIRST_BLOCK;
        loop {
            let from = start.saturating_sub(size);
            size = (size * 2).min(BLOCK);
            let mut block = vec![0u8; (start - from) as usize];
            file.seek(SeekFrom::Start(from))
                .map_err(io("read", &path))?;
            file.read_exact(&mut block).map_err(io("read", &path))?;
            block.extend_from_slice(&buffer);
            buffer = block;
            start = from;
            // The whole lines read: not the partial line at the block's start, nor a torn
            // last line (a crash mid-checkpoint leaves the marker in one, and the tail
            // then begins at an earlier checkpoint).
            let end = memchr::memrchr(b'\n', &buffer).map_or(0, |i| i + 1);
            let begin = match start {
                0 => 0,
                _ => memchr::memchr(b'\n', &buffer).map_or(end, |i| i + 1),
            };
            if start == 0 || marker.find(&buffer[begin..end]).is_some() {
                break;
            }
        }
        let torn = buffer.iter().rev().take_while(|b| **b != b'\n').count() as u64;
        let mut whole = &buffer[..buffer.len() - torn as usize];
        let mut offset = start;
        if start > 0 {
            // A partial line at the block boundary (which may split a character).
            let cut = memchr::memchr(b'\n', whole).map_or(whole.len(), |i| i + 1);
            offset += cut as u64;
            whole = &whole[cut..];
        }
        // From the last line holding the marker on: the line of its last occurrence.
        let from = memchr::memmem::rfind(whole, CHECKPOINT_MARKER.as_bytes()).map_or(0, |at| {
            memchr::memrchr(b'\n', &whole[..at]).map_or(0, |i| i + 1)
        });
        offset += from as u64;
        Ok(Some(ChainTail {
            bytes: whole[from..].to_vec(),
            offset,
            torn,
        }))
    }

    /// Appends lines to a chain that still ends at `expected` (see [`crate::state::Store::append`]).
    pub(super) fn append_lines(
        &self,
        chain: &str,
        expected: &ChainHead,
        dropping: u64,
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
        if !known || dropping > 0 {
            // The line `expected` names, and the `dropping` lines after it.
            let wanted = usize::try_from(dropping)
                .unwrap_or(usize::MAX)
                .saturating_add(1);
            let LogEnd {
                whole: end,
                last,
                torn,
            } = log_end(&mut file, &path, wanted)?;
            // The line `expected` names is `dropping` lines before the last.
            let named = (last.len() as u64)
                .checked_sub(dropping.saturating_add(1))
                .map(|i| &last[i as usize]);
            let matches = match named {
                Some((_, line)) => expected.seq > 0 && hash(line) == expected.hash,
                None => expected.seq == 0 && last.len() as u64 == dropping,
            };
            if !matches {
                let after = match dropping {
                    0 => String::new(),
                    n => format!(" and {n} line(s) after it"),
                };
                return Err(StateError::ChainMoved {
                    chain: chain.to_string(),
                    detail: format!(
                        "expected to end at entry {}{after}, but its last line is {}",
                        expected.seq,
                        last.last().map_or("missing".to_string(), |(_, l)| format!(
                            "another (hash {})",
                            hash(l)
                        ))
                    ),
                });
            }
            // Where the chain continues: after the line `expected` names.
            let cut = match named {
                Some((at, line)) => at + line.len() as u64 + 1,
                None => last.first().map_or(end, |(at, _)| *at),
            };
            if torn > 0 || cut < end {
                // A crash mid-write left an incomplete last line, or lines no signature
                // vouches for: the chain continues from `expected` (the writer records
                // the cut).
                file.set_len(cut).map_err(io("write", &path))?;
            }
            whole = cut;
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
        self.put_heads(&[(chain, seq, text)])
    }

    /// Writes chains' signed heads, each unless a later one is stored, [`HEADS_AT_ONCE`]
    /// at a time: each under its chain's lock, all of them in one
    /// [`atomic_file::write_many`] (their fsyncs at the same time, the audit directory
    /// synced once rather than once a head).
    pub(super) fn put_heads(&self, heads: &[(&str, u64, &str)]) -> Result<(), StateError> {
        for group in heads.chunks(HEADS_AT_ONCE) {
            // The chains' locks, held until their heads are written.
            let mut locked = Vec::with_capacity(group.len());
            let mut paths = Vec::with_capacity(group.len());
            let mut texts = Vec::with_capacity(group.len());
            for &(chain, seq, text) in group {
                let (file, log) = self.open_log(chain)?;
                file.lock().map_err(io("lock", &log))?;
                let path = layout::head_path(&self.audit, chain);
                let stored = fs::read_to_string(&path)
                    .ok()
                    .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                    .and_then(|v| v.get("seq").and_then(|s| s.as_u64()));
                if stored.is_some_and(|stored| stored > seq) {
                    continue;
                }
                locked.push(file);
                paths.push(path);
                texts.push(text.as_bytes());
            }
            let files: Vec<(&Path, &[u8])> = paths
                .iter()
                .map(PathBuf::as_path)
                .zip(texts.iter().copied())
                .collect();
            atomic_file::write_many(&files)
                .map_err(|(index, source)| io("write", &paths[index])(source))?;
        }
        Ok(())
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
    use crate::state::{ChainBatch, Store};

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
            .append("acme", &empty(), 0, &["one".into(), "two".into()])
            .expect("first batch");
        // A second writer (another process: no shared memory of the end) read the chain
        // when it held one line.
        let other = FileStore::new(store.state.clone(), store.audit.clone());
        let before = store.read_chain("acme").unwrap().unwrap();
        for stale in [empty(), head(1, "one"), head(2, "not-two")] {
            let refused = other.append("acme", &stale, 0, &["three".into()]);
            assert!(
                matches!(refused, Err(StateError::ChainMoved { .. })),
                "{stale:?}: {refused:?}"
            );
            // This process's own memory of the end does not let a stale head through.
            let refused = store.append("acme", &stale, 0, &["three".into()]);
            assert!(matches!(refused, Err(StateError::ChainMoved { .. })));
        }
        assert_eq!(store.read_chain("acme").unwrap().unwrap(), before);
        other
            .append("acme", &head(2, "two"), 0, &["three".into()])
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
        store.append("acme", &empty(), 0, &lines).expect("batch");
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
            .append("acme", &head(100, "line 100"), 0, &["line 101".into()])
            .expect("continues");
        let text = String::from_utf8(fresh.read_chain("acme").unwrap().unwrap()).unwrap();
        assert!(text.ends_with("line 100\nline 101\n"), "{text}");
        assert_eq!(fresh.chains().unwrap(), ["acme"]);
    }

    #[test]
    fn lines_after_the_expected_head_are_dropped_with_the_next_batch_and_only_then() {
        let (_dir, store) = store();
        let lines: Vec<String> = (1..=5).map(|i| format!("line {i}")).collect();
        store.append("acme", &empty(), 0, &lines).expect("batch");
        // Lines 4 and 5 are to go, behind half a line a crash left.
        let path = store.chain_location("acme");
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"{\"half").unwrap();
        let fresh = FileStore::new(store.state.clone(), store.audit.clone());
        let before = fresh.read_chain("acme").unwrap().unwrap();
        // The chain must end exactly that many lines after the head named, and the head
        // must be the line there: anything else is refused, and nothing is written.
        for (expected, dropping) in [
            (head(3, "line 3"), 1),
            (head(3, "line 3"), 3),
            (head(3, "not line 3"), 2),
            (head(2, "line 2"), 2),
            (empty(), 2),
        ] {
            let refused = fresh.append("acme", &expected, dropping, &["new".into()]);
            assert!(
                matches!(refused, Err(StateError::ChainMoved { .. })),
                "{expected:?} + {dropping}: {refused:?}"
            );
            assert_eq!(fresh.read_chain("acme").unwrap().unwrap(), before);
        }
        fresh
            .append("acme", &head(3, "line 3"), 2, &["line 4'".into()])
            .expect("drops two lines");
        assert_eq!(
            fresh.read_chain("acme").unwrap().unwrap(),
            b"line 1\nline 2\nline 3\nline 4'\n"
        );
        // Every line may go, back to the chain's start.
        fresh
            .append("acme", &empty(), 4, &["first".into()])
            .expect("drops all");
        assert_eq!(fresh.read_chain("acme").unwrap().unwrap(), b"first\n");
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
        store.append("c", &empty(), 0, &lines).unwrap();
        let tail = store.chain_tail("c").unwrap().unwrap();
        assert_eq!(
            tail.bytes,
            format!("{}\n{}\n", lines[1], lines[2]).as_bytes()
        );
        assert_eq!(tail.offset, lines[0].len() as u64 + 1);
        assert!(store.chain_tail("none").unwrap().is_none());
    }

    /// A chain's tail worked out from its whole text: the torn end, then the whole lines
    /// from the last one holding the checkpoint marker (or all of them).
    fn reference_tail(text: &[u8]) -> ChainTail {
        let torn = text.iter().rev().take_while(|b| **b != b'\n').count();
        let whole = &text[..text.len() - torn];
        let lines: Vec<&[u8]> = whole.split_inclusive(|b| *b == b'\n').collect();
        let marker = CHECKPOINT_MARKER.as_bytes();
        let from = lines
            .iter()
            .rposition(|l| l.windows(marker.len()).any(|w| w == marker))
            .unwrap_or(0);
        ChainTail {
            bytes: lines[from..].concat(),
            offset: lines[..from].iter().map(|l| l.len() as u64).sum(),
            torn: torn as u64,
        }
    }

    #[test]
    fn a_tail_read_block_by_block_is_the_tail_of_the_whole_text() {
        let (_dir, store) = store();
        let checkpoint = format!("{{{CHECKPOINT_MARKER},\"seq\":7}}");
        let line =
            |i: usize, len: usize| format!("{{\"seq\":{i},\"x\":\"{}\"}}", "é".repeat(len / 2));
        // Lines short and long (one longer than the largest block), checkpoints at the
        // start, in the middle and near the end, none at all, and a torn end.
        let mut cases: Vec<Vec<String>> = Vec::new();
        for lines in [3, 40, 400, 4000] {
            for at in [None, Some(0), Some(lines / 2), Some(lines - 1)] {
                for len in [10, 700, 9000]
                    .into_iter()
                    .filter(|len| lines * len <= 4_000_000)
                {
                    let mut text: Vec<String> = (0..lines).map(|i| line(i, len)).collect();
                    if let Some(at) = at {
                        text[at] = checkpoint.clone();
                    }
                    cases.push(text);
                }
            }
        }
        cases.push(vec![
            line(1, 600 * 1024),
            checkpoint.clone(),
            line(2, 300 * 1024),
        ]);
        cases.push(vec![checkpoint.clone(), line(1, 600 * 1024)]);
        std::fs::create_dir_all(store.audit_location()).unwrap();
        for (index, lines) in cases.iter().enumerate() {
            for torn in ["", "{\"half", "{\"kind\":\"checkpoint\",\"seq\""] {
                let text = format!("{}\n{torn}", lines.join("\n"));
                std::fs::write(store.chain_location("c"), &text).unwrap();
                let fresh = FileStore::new(store.state.clone(), store.audit.clone());
                let tail = fresh.chain_tail("c").unwrap().unwrap();
                let expected = reference_tail(text.as_bytes());
                assert_eq!(
                    (tail.offset, tail.torn, tail.bytes.len()),
                    (expected.offset, expected.torn, expected.bytes.len()),
                    "case {index}, torn {torn:?}"
                );
                assert!(tail.bytes == expected.bytes, "case {index}, torn {torn:?}");
            }
        }
    }

    #[test]
    fn chains_appended_in_one_step_are_each_stored_whole_and_a_refusal_is_named() {
        let (_dir, store) = store();
        let names: Vec<String> = (0..40).map(|i| format!("c{i:02}")).collect();
        let lines: Vec<Vec<String>> = names
            .iter()
            .map(|n| vec![format!("{n} one"), format!("{n} two")])
            .collect();
        let start = empty();
        let batches: Vec<ChainBatch<'_>> = names
            .iter()
            .zip(&lines)
            .map(|(chain, lines)| ChainBatch {
                chain,
                expected: &start,
                dropping: 0,
                lines,
            })
            .collect();
        store.append_all(&batches).unwrap();
        for (name, lines) in names.iter().zip(&lines) {
            let stored = store.read_chain(name).unwrap().unwrap();
            assert_eq!(stored, format!("{}\n{}\n", lines[0], lines[1]).as_bytes());
        }
        // From the start again: every chain has moved on, and the first is named.
        match store.append_all(&batches) {
            Err(StateError::ChainMoved { chain, .. }) => assert_eq!(chain, "c00"),
            other => panic!("{other:?}"),
        }
        let heads: Vec<String> = names
            .iter()
            .map(|n| format!("{{\"chain\":\"{n}\",\"seq\":2}}\n"))
            .collect();
        let written: Vec<(&str, u64, &str)> = names
            .iter()
            .zip(&heads)
            .map(|(n, h)| (n.as_str(), 2, h.as_str()))
            .collect();
        store.write_heads(&written).unwrap();
        for (name, head) in names.iter().zip(&heads) {
            assert_eq!(store.read_head(name).unwrap().as_ref(), Some(head));
        }
    }
}
