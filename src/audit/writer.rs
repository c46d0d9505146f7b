//! Appending to audit chains: write-ahead entries, fsync, checkpoints and head files.
//!
//! Opening a chain reads only its tail, from the last checkpoint on (never the whole
//! log), and verifies that tail before anything is appended, so a forged entry is never
//! blessed by a later checkpoint.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use ed25519_dalek::VerifyingKey;

use super::AuditError;
use super::entry::{
    Entry, EntryKind, GENESIS, Phase, SIG_MARKER, line_hash, split_signature, timestamp,
};
use super::key::{AuditKey, read_publics, verify_hex, write_public};
use super::layout::{chain_path, chains, head_path};
use super::verify::{Tamper, line_at};
use crate::atomic_file;

/// One chain open for appending.
pub struct ChainWriter {
    path: PathBuf,
    file: File,
    seq: u64,
    prev: String,
    unsynced: bool,
    last_line: String,
    dangling: Vec<Entry>,
}

/// The audit log of a workspace, open for one run.
pub struct AuditLog {
    dir: PathBuf,
    key: AuditKey,
    keys: BTreeMap<String, VerifyingKey>,
    run: String,
    actor: String,
    command: String,
    /// The rehearsed instant (`ONBOARD_NOW`), recorded in every entry's `as_of`.
    as_of: Option<String>,
    chains: BTreeMap<String, ChainWriter>,
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> AuditError + 'a {
    move |source| AuditError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

impl AuditLog {
    /// Opens the audit directory for a run of `command` by `actor`, signing with `key`.
    /// The key must be one whose public key is in the directory; in a directory with no
    /// public keys yet, the key's public key is written there.
    pub fn open(dir: &Path, key: AuditKey, actor: &str, command: &str) -> Result<Self, AuditError> {
        fs::create_dir_all(dir).map_err(io("create", dir))?;
        let (publics, _) = read_publics(dir)?;
        if publics.is_empty() {
            write_public(dir, &key.public())?;
        } else if !publics.iter().any(|(id, _)| *id == key.id) {
            return Err(AuditError::UnknownKey {
                key_id: key.id.clone(),
                dir: dir.to_path_buf(),
            });
        }
        let mut keys: BTreeMap<String, VerifyingKey> = publics.into_iter().collect();
        keys.insert(key.id.clone(), key.public());
        let mut run = [0u8; 8];
        let _ = getrandom::fill(&mut run);
        Ok(AuditLog {
            dir: dir.to_path_buf(),
            key,
            keys,
            run: hex::encode(run),
            actor: actor.to_string(),
            command: command.to_string(),
            as_of: crate::env::rehearsed_now().map(timestamp),
            chains: BTreeMap::new(),
        })
    }

    /// Returns this run's id.
    pub fn run_id(&self) -> &str {
        &self.run
    }

    /// Returns the signing key's id.
    pub fn key_id(&self) -> &str {
        &self.key.id
    }

    /// Opens a chain (once per run), writing its start entry if it is new and a
    /// `run-start` entry.
    pub fn chain(&mut self, name: &str) -> Result<&mut ChainWriter, AuditError> {
        if !self.chains.contains_key(name) {
            let writer = self.open_chain(name)?;
            self.chains.insert(name.to_string(), writer);
            let command = self.command.clone();
            self.append(
                name,
                Entry {
                    kind: Some(EntryKind::RunStart),
                    detail: Some(serde_json::json!({ "command": command })),
                    ..Entry::default()
                },
            )?;
        }
        Ok(self.chains.get_mut(name).expect("inserted above"))
    }

    fn open_chain(&self, name: &str) -> Result<ChainWriter, AuditError> {
        let path = chain_path(&self.dir, name);
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(io("open", &path))?;
        let tail = read_tail(&mut file, &path, name)?;
        let mut writer = ChainWriter {
            path: path.clone(),
            file,
            seq: 0,
            prev: GENESIS.to_string(),
            unsynced: false,
            last_line: String::new(),
            dangling: Vec::new(),
        };
        let Some(tail) = tail else { return Ok(writer) };
        if tail.torn > 0 {
            // A crash mid-write left an incomplete last line: cut it off so the chain
            // continues from the last whole line. The cut is recorded below.
            let length = writer.file.metadata().map_err(io("read", &path))?.len();
            writer
                .file
                .set_len(length - tail.torn)
                .map_err(io("write", &path))?;
        }
        let (seq, prev, dangling) = self.check_tail(name, &path, &tail)?;
        writer.seq = seq;
        writer.prev = prev;
        writer.dangling = dangling;
        writer.last_line = tail.lines.last().cloned().unwrap_or_default();
        if tail.torn > 0 {
            writer.dangling.push(Entry {
                kind: Some(EntryKind::Reconcile),
                reason: Some(format!(
                    "removed {} bytes of an incomplete line left by a crash",
                    tail.torn
                )),
                ..Entry::default()
            });
        }
        Ok(writer)
    }

    /// Checks the tail's links and signatures; returns the last seq and hash and the
    /// intents without outcome.
    fn check_tail(
        &self,
        name: &str,
        path: &Path,
        tail: &Tail,
    ) -> Result<(u64, String, Vec<Entry>), AuditError> {
        let mut seq = None;
        let mut prev: Option<String> = None;
        let mut intents: Vec<Entry> = Vec::new();
        let mut closed: BTreeSet<String> = BTreeSet::new();
        for (index, line) in tail.lines.iter().enumerate() {
            // The file's line number is counted only when something is wrong: appending
            // reads the tail alone.
            let bad = |seq: Option<u64>, detail: String| AuditError::Tampered {
                tamper: Tamper {
                    chain: name.to_string(),
                    file: path.to_path_buf(),
                    line: line_at(path, tail.offset) + index as u64,
                    seq,
                    detail,
                },
            };
            let entry: Entry = serde_json::from_str(line)
                .map_err(|e| bad(None, format!("not a valid entry: {e}")))?;
            let bad = |detail: String| bad(Some(entry.seq), detail);
            if let Some(p) = &prev
                && entry.prev != *p
            {
                return Err(bad("the entry does not link to the one before it".into()));
            }
            if let Some(s) = seq
                && entry.seq != s + 1
            {
                return Err(bad(format!("sequence {} follows {s}", entry.seq)));
            }
            let (body, sig) =
                split_signature(line).ok_or_else(|| bad("the entry has no signature".into()))?;
            let key = self
                .keys
                .get(&entry.key)
                .ok_or_else(|| bad(format!("signed with unknown key `{}`", entry.key)))?;
            if !verify_hex(key, body.as_bytes(), sig) {
                return Err(bad(
                    "the signature does not verify (written without the key, or edited)".into(),
                ));
            }
            match (entry.phase, &entry.change) {
                (Some(Phase::Intent), Some(_)) => intents.push(entry.clone()),
                (Some(Phase::Outcome), Some(change)) => {
                    closed.insert(change.clone());
                }
                _ if entry.kind == Some(EntryKind::Reconcile) => {
                    if let Some(change) = &entry.change {
                        closed.insert(change.clone());
                    }
                }
                _ => {}
            }
            seq = Some(entry.seq);
            prev = Some(line_hash(line.as_bytes()));
        }
        intents.retain(|i| i.change.as_ref().is_none_or(|c| !closed.contains(c)));
        Ok((
            seq.unwrap_or(0),
            prev.unwrap_or_else(|| GENESIS.to_string()),
            intents,
        ))
    }

    /// Appends an entry to a chain (opening it if needed), filling in sequence, time,
    /// chain, run, actor, previous hash, key and signature. Not yet synced to disk.
    pub fn append(&mut self, chain: &str, mut entry: Entry) -> Result<(), AuditError> {
        if !self.chains.contains_key(chain) {
            self.chain(chain)?;
        }
        let writer = self.chains.get_mut(chain).expect("opened above");
        if writer.seq == 0 {
            let start = Entry {
                seq: 1,
                ts: timestamp(now()),
                as_of: self.as_of.clone(),
                chain: chain.to_string(),
                kind: Some(EntryKind::ChainStart),
                run: self.run.clone(),
                actor: self.actor.clone(),
                detail: Some(
                    serde_json::json!({ "public_key": hex::encode(self.key.public().as_bytes()) }),
                ),
                prev: GENESIS.to_string(),
                key: self.key.id.clone(),
                ..Entry::default()
            };
            write_line(writer, &self.key, &start)?;
        }
        entry.seq = writer.seq + 1;
        entry.ts = timestamp(now());
        entry.as_of = self.as_of.clone();
        entry.chain = chain.to_string();
        entry.run = self.run.clone();
        entry.actor = self.actor.clone();
        entry.prev = writer.prev.clone();
        entry.key = self.key.id.clone();
        write_line(writer, &self.key, &entry)
    }

    /// Flushes every chain written since the last sync to disk (fsync).
    pub fn sync(&mut self) -> Result<(), AuditError> {
        for writer in self.chains.values_mut().filter(|w| w.unsynced) {
            writer.file.sync_data().map_err(io("sync", &writer.path))?;
            writer.unsynced = false;
        }
        Ok(())
    }

    /// Closes interrupted changes of earlier runs in a chain with `reconcile` entries.
    pub fn reconcile(&mut self, chain: &str, note: &str) -> Result<usize, AuditError> {
        let dangling = std::mem::take(&mut self.chain(chain)?.dangling);
        for entry in &dangling {
            let reason = match entry.kind {
                Some(EntryKind::Reconcile) => entry.reason.clone().unwrap_or_default(),
                _ => format!(
                    "interrupted {} of `{}` for `{}`: {note}",
                    entry.kind.map_or("change", EntryKind::as_str),
                    entry.entitlement.as_deref().unwrap_or("-"),
                    entry
                        .identity
                        .as_deref()
                        .or(entry.account.as_deref())
                        .unwrap_or("-")
                ),
            };
            self.append(
                chain,
                Entry {
                    kind: Some(EntryKind::Reconcile),
                    change: entry.change.clone(),
                    client: entry.client.clone(),
                    tenant: entry.tenant.clone(),
                    identity: entry.identity.clone(),
                    account: entry.account.clone(),
                    entitlement: entry.entitlement.clone(),
                    reason: Some(reason),
                    ..Entry::default()
                },
            )?;
        }
        Ok(dangling.len())
    }

    /// Replaces the signing key: every existing chain gets a `key-rotation` entry signed
    /// by the old key that names the new one and carries the new key's signature over
    /// the rotation; every entry after it is signed by the new key.
    pub fn rotate(&mut self, new_key: AuditKey) -> Result<Vec<String>, AuditError> {
        let chains = chains(&self.dir)?;
        for chain in &chains {
            let seq = self.chain(chain)?.seq + 1;
            let message = super::verify::rotation_message(chain, seq, &self.key.id, &new_key.id);
            self.append(
                chain,
                Entry {
                    kind: Some(EntryKind::KeyRotation),
                    detail: Some(serde_json::json!({
                        "new_key_id": new_key.id,
                        "new_public_key": hex::encode(new_key.public().as_bytes()),
                        "new_key_signature": new_key.sign(message.as_bytes()),
                    })),
                    ..Entry::default()
                },
            )?;
        }
        self.sync()?;
        write_public(&self.dir, &new_key.public())?;
        self.keys.insert(new_key.id.clone(), new_key.public());
        self.key = new_key;
        Ok(chains)
    }

    /// Ends the run: a `run-finish` entry and a signed checkpoint in every chain this
    /// run opened, synced, and each chain's head file updated.
    pub fn finish(mut self, summary: serde_json::Value) -> Result<(), AuditError> {
        let names: Vec<String> = self.chains.keys().cloned().collect();
        for name in &names {
            // A checkpoint must never seal interrupted changes silently.
            self.reconcile(name, "the run that followed re-read the tenant")?;
            self.append(
                name,
                Entry {
                    kind: Some(EntryKind::RunFinish),
                    detail: Some(summary.clone()),
                    ..Entry::default()
                },
            )?;
            let count = self.chains[name].seq + 1;
            self.append(
                name,
                Entry {
                    kind: Some(EntryKind::Checkpoint),
                    detail: Some(serde_json::json!({ "count": count })),
                    ..Entry::default()
                },
            )?;
        }
        self.sync()?;
        for name in &names {
            let writer = &self.chains[name];
            let head = serde_json::json!({ "chain": name, "seq": writer.seq, "hash": writer.prev, "line": writer.last_line });
            let path = head_path(&self.dir, name);
            atomic_file::write(&path, format!("{head}\n").as_bytes())
                .map_err(io("write", &path))?;
        }
        Ok(())
    }
}

/// Returns the intents without outcome in a chain's tail, reading only the tail and
/// checking nothing (for warnings; appending checks the tail in full).
pub fn peek_dangling(dir: &Path, chain: &str) -> Result<Vec<Entry>, AuditError> {
    let path = chain_path(dir, chain);
    let mut file = match File::open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(AuditError::Io {
                action: "read",
                path,
                source,
            });
        }
    };
    let Some(tail) = read_tail(&mut file, &path, chain)? else {
        return Ok(Vec::new());
    };
    let entries: Vec<Entry> = tail
        .lines
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let closed: BTreeSet<&str> = entries
        .iter()
        .filter(|e| e.phase == Some(Phase::Outcome) || e.kind == Some(EntryKind::Reconcile))
        .filter_map(|e| e.change.as_deref())
        .collect();
    Ok(entries
        .iter()
        .filter(|e| {
            e.phase == Some(Phase::Intent)
                && e.change.as_deref().is_some_and(|c| !closed.contains(c))
        })
        .cloned()
        .collect())
}

/// The time entries are written at: the real clock, never `ONBOARD_NOW`. A rehearsal
/// of a later (or earlier) date must not move a chain's times, or the next real run
/// would look like entries written out of order.
fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

fn write_line(writer: &mut ChainWriter, key: &AuditKey, entry: &Entry) -> Result<(), AuditError> {
    let body = serde_json::to_string(entry).expect("entries always serialize");
    // A tenant's error text can echo a credential: it is scrubbed before it is signed,
    // after which it could never be removed.
    let body = crate::secrets::scrub(&body).into_owned();
    let signature = key.sign(body.as_bytes());
    let line = format!("{}{SIG_MARKER}{signature}\"}}", &body[..body.len() - 1]);
    writer
        .file
        .write_all(format!("{line}\n").as_bytes())
        .map_err(io("write", &writer.path))?;
    writer.seq = entry.seq;
    writer.prev = line_hash(line.as_bytes());
    writer.last_line = line;
    writer.unsynced = true;
    Ok(())
}

/// A chain's tail: the lines from the last checkpoint (or the first line) on.
struct Tail {
    lines: Vec<String>,
    /// Where the first of `lines` starts in the file, in bytes.
    offset: u64,
    torn: u64,
}

/// Reads a chain's tail from the end, in blocks, stopping at the last checkpoint.
fn read_tail(file: &mut File, path: &Path, chain: &str) -> Result<Option<Tail>, AuditError> {
    const BLOCK: u64 = 256 * 1024;
    let length = file.metadata().map_err(io("read", path))?.len();
    if length == 0 {
        return Ok(None);
    }
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
        let text = String::from_utf8_lossy(&buffer);
        let complete = if start == 0 {
            &text[..]
        } else {
            text.split_once('\n').map_or("", |(_, rest)| rest)
        };
        if start == 0
            || complete
                .lines()
                .any(|l| l.contains("\"kind\":\"checkpoint\""))
        {
            break;
        }
    }
    let torn = buffer.iter().rev().take_while(|b| **b != b'\n').count() as u64;
    let mut whole = &buffer[..buffer.len() - torn as usize];
    let mut offset = start;
    if start > 0 {
        // A partial line at the block boundary (which may split a character): skipped
        // before decoding.
        let cut = whole
            .iter()
            .position(|b| *b == b'\n')
            .map_or(whole.len(), |i| i + 1);
        offset += cut as u64;
        whole = &whole[cut..];
    }
    let text = std::str::from_utf8(whole).map_err(|e| AuditError::Tampered {
        tamper: Tamper {
            chain: chain.to_string(),
            file: path.to_path_buf(),
            line: line_at(path, offset + e.valid_up_to() as u64),
            seq: None,
            detail: "the line is not UTF-8 text".into(),
        },
    })?;
    let lines: Vec<&str> = text.split_terminator('\n').collect();
    let from = lines
        .iter()
        .rposition(|l| l.contains("\"kind\":\"checkpoint\""))
        .unwrap_or(0);
    offset += lines[..from]
        .iter()
        .map(|l| l.len() as u64 + 1)
        .sum::<u64>();
    Ok(Some(Tail {
        lines: lines[from..].iter().map(|l| l.to_string()).collect(),
        offset,
        torn,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The block read from the end may start inside a multi-byte character of an entry
    /// before the last checkpoint: that is no reason to refuse the chain.
    #[test]
    fn a_tail_read_that_starts_inside_a_character_is_not_tampering() {
        let dir = tempfile::TempDir::new().unwrap();
        for pad in 0..2 {
            let path = dir.path().join(format!("c{pad}.jsonl"));
            let first = format!("{{\"reason\":\"{}\"}}", "é".repeat(200_000));
            let checkpoint = format!(
                "{{\"kind\":\"checkpoint\",\"pad\":\"{}\"}}",
                " ".repeat(pad)
            );
            fs::write(&path, format!("{first}\n{checkpoint}\n")).unwrap();
            let mut file = File::open(&path).unwrap();
            let tail = read_tail(&mut file, &path, "c").unwrap().unwrap();
            assert_eq!(tail.lines, [checkpoint]);
            assert_eq!(tail.offset, first.len() as u64 + 1);
            assert_eq!(line_at(&path, tail.offset), 2);
        }
    }
}
