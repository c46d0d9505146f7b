//! Appending to audit chains: write-ahead entries, fsync, checkpoints and head files.
//!
//! Opening a chain reads only its tail, from the last checkpoint on (never the whole
//! log), and verifies that tail before anything is appended, so a forged entry is never
//! blessed by a later checkpoint.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use ed25519_dalek::VerifyingKey;

use super::AuditError;
use super::entry::{
    Entry, EntryKind, GENESIS, Phase, SIG_MARKER, line_hash, split_signature, timestamp,
};
use super::key::{AuditKey, read_publics, verify_hex, write_public};
use super::verify::{Tamper, line_in};
use crate::state::{ChainBatch, ChainHead, ChainTail, Store};

/// One chain open for appending.
pub struct ChainWriter {
    seq: u64,
    prev: String,
    /// Where the chain ends in the store: the lines up to it are durable.
    stored: ChainHead,
    /// Lines not yet in the store: the last one is signed when they are stored.
    pending: Vec<String>,
    /// Whole lines at the chain's end, after `stored`, that no signature vouches for (a
    /// write a crash cut short): the next store removes them.
    dropping: u64,
    last_line: String,
    dangling: Vec<Entry>,
}

/// The audit log of a workspace, open for one run.
pub struct AuditLog {
    store: Arc<dyn Store>,
    key: AuditKey,
    keys: BTreeMap<String, VerifyingKey>,
    run: String,
    actor: String,
    command: String,
    /// The rehearsed instant (`ONBOARD_NOW`), recorded in every entry's `as_of`.
    as_of: Option<String>,
    chains: BTreeMap<String, ChainWriter>,
}

/// Lines sealed for one durable write and taken out of the log ([`AuditLog::seal`]).
pub struct Sealed {
    store: Arc<dyn Store>,
    batches: Vec<SealedChain>,
}

/// One chain's part of a sealed write.
struct SealedChain {
    chain: String,
    expected: ChainHead,
    dropping: u64,
    lines: Vec<String>,
}

impl Sealed {
    /// Stores the sealed lines (see [`AuditLog::sync`]); nothing to store is no write.
    pub fn store(&self) -> Result<(), AuditError> {
        if self.batches.is_empty() {
            return Ok(());
        }
        let batches: Vec<ChainBatch<'_>> = self
            .batches
            .iter()
            .map(|b| ChainBatch {
                chain: &b.chain,
                expected: &b.expected,
                dropping: b.dropping,
                lines: &b.lines,
            })
            .collect();
        Ok(self.store.append_all(&batches)?)
    }
}

impl AuditLog {
    /// Opens the audit log kept in `store` for a run of `command` by `actor`, signing
    /// with `key`. The key must be one whose public key is stored; in a log with no
    /// public keys yet, the key's public key is stored.
    pub fn open(
        store: Arc<dyn Store>,
        key: AuditKey,
        actor: &str,
        command: &str,
    ) -> Result<Self, AuditError> {
        let (publics, _) = read_publics(store.as_ref())?;
        if publics.is_empty() {
            write_public(store.as_ref(), &key.public())?;
        } else if !publics.iter().any(|(id, _)| *id == key.id) {
            return Err(AuditError::UnknownKey {
                key_id: key.id.clone(),
                dir: store.audit_location(),
            });
        }
        let mut keys: BTreeMap<String, VerifyingKey> = publics.into_iter().collect();
        keys.insert(key.id.clone(), key.public());
        let mut run = [0u8; 8];
        let _ = getrandom::fill(&mut run);
        Ok(AuditLog {
            store,
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
        let mut writer = ChainWriter {
            seq: 0,
            prev: GENESIS.to_string(),
            stored: ChainHead {
                seq: 0,
                hash: GENESIS.to_string(),
            },
            pending: Vec::new(),
            dropping: 0,
            last_line: String::new(),
            dangling: Vec::new(),
        };
        let Some(tail) = self.store.chain_tail(name)? else {
            return Ok(writer);
        };
        let lines = tail_lines(self.store.as_ref(), name, &tail)?;
        let checked = self.check_tail(name, &lines, tail.offset)?;
        let vouched = &lines[..checked.vouched];
        writer.seq = checked.seq;
        writer.prev = checked.prev.clone();
        writer.stored = ChainHead {
            seq: checked.seq,
            hash: checked.prev,
        };
        writer.dangling = checked.dangling;
        writer.last_line = vouched.last().cloned().unwrap_or_default();
        let unvouched = &lines[checked.vouched..];
        if !unvouched.is_empty() {
            // The last write before a crash reached the disk only in part: the lines it
            // did hold are vouched for by no signature (it signs its last line), and
            // nothing in it was sent (changes are sent once their intents are stored
            // whole). The chain continues from the last signed line.
            writer.dropping = unvouched.len() as u64;
            writer.dangling.push(Entry {
                kind: Some(EntryKind::Reconcile),
                reason: Some(format!(
                    "removed {} entries ({} bytes) at the end that no signature vouched for: a write a crash cut short, whose changes were not sent",
                    unvouched.len(),
                    unvouched.iter().map(|l| l.len() + 1).sum::<usize>()
                )),
                ..Entry::default()
            });
        }
        if tail.torn > 0 {
            // A crash mid-write left an incomplete last line: the store cuts it off as
            // the chain continues from the last whole line. The cut is recorded here.
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

    /// Checks the tail's links and signatures; returns where the part of it that a
    /// signature vouches for ends, and its intents without outcome.
    fn check_tail(
        &self,
        name: &str,
        lines: &[String],
        offset: u64,
    ) -> Result<CheckedTail, AuditError> {
        let mut seq = None;
        let mut prev: Option<String> = None;
        let mut entries: Vec<Entry> = Vec::with_capacity(lines.len());
        // The signed line that ends the vouched part, with the seq and hash there.
        let mut vouched = (0, 0, GENESIS.to_string());
        for (index, line) in lines.iter().enumerate() {
            // The line number is counted only when something is wrong: appending reads
            // the tail alone.
            let bad = |seq: Option<u64>, detail: String| AuditError::Tampered {
                tamper: Tamper {
                    chain: name.to_string(),
                    file: self.store.chain_location(name),
                    line: line_in(self.store.as_ref(), name, offset) + index as u64,
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
            let hash = line_hash(line.as_bytes());
            // A line without a signature is vouched for by the next signed one, which
            // links to it through the lines between.
            if let Some((body, sig)) = split_signature(line) {
                let key = self
                    .keys
                    .get(&entry.key)
                    .ok_or_else(|| bad(format!("signed with unknown key `{}`", entry.key)))?;
                if !verify_hex(key, body.as_bytes(), sig) {
                    return Err(bad(
                        "the signature does not verify (written without the key, or edited)".into(),
                    ));
                }
                vouched = (index + 1, entry.seq, hash.clone());
            }
            seq = Some(entry.seq);
            prev = Some(hash);
            entries.push(entry);
        }
        let (count, seq, prev) = vouched;
        Ok(CheckedTail {
            vouched: count,
            seq,
            prev,
            dangling: dangling_intents(&entries[..count]),
        })
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
            write_line(writer, &self.key, &start);
        }
        entry.seq = writer.seq + 1;
        entry.ts = timestamp(now());
        entry.as_of = self.as_of.clone();
        entry.chain = chain.to_string();
        entry.run = self.run.clone();
        entry.actor = self.actor.clone();
        entry.prev = writer.prev.clone();
        entry.key = self.key.id.clone();
        write_line(writer, &self.key, &entry);
        Ok(())
    }

    /// Stores every line appended since the last sync, each chain's ending in a signed
    /// line, in durable steps that check each chain still ends where this run left it:
    /// an fsync per chain on files, one transaction for every chain on PostgreSQL.
    pub fn sync(&mut self) -> Result<(), AuditError> {
        let sealed = self.seal();
        let stored = sealed.store();
        self.settle(sealed, stored)
    }

    /// Seals every chain's lines appended since the last sync (as [`AuditLog::sync`]
    /// stores them) and takes them out of the log, so that they can be stored without it
    /// ([`Sealed::store`]) while lines are appended after them; [`AuditLog::settle`]
    /// then gives the outcome back. At most one sealed write may be under way at a time.
    pub fn seal(&mut self) -> Sealed {
        let key = &self.key;
        let mut batches = Vec::new();
        for (name, writer) in self.chains.iter_mut() {
            if writer.pending.is_empty() {
                continue;
            }
            seal(writer, key);
            let after = ChainHead {
                seq: writer.seq,
                hash: writer.prev.clone(),
            };
            batches.push(SealedChain {
                chain: name.clone(),
                expected: std::mem::replace(&mut writer.stored, after),
                dropping: std::mem::take(&mut writer.dropping),
                lines: std::mem::take(&mut writer.pending),
            });
        }
        Sealed {
            store: self.store.clone(),
            batches,
        }
    }

    /// Takes back a sealed write's outcome: stored, its chains end after it; not stored,
    /// its lines are pending again, before any appended since, and it is `stored`'s error.
    pub fn settle(
        &mut self,
        sealed: Sealed,
        stored: Result<(), AuditError>,
    ) -> Result<(), AuditError> {
        if stored.is_ok() {
            return Ok(());
        }
        for batch in sealed.batches {
            if let Some(writer) = self.chains.get_mut(&batch.chain) {
                writer.stored = batch.expected;
                writer.dropping = batch.dropping;
                let later = std::mem::replace(&mut writer.pending, batch.lines);
                writer.pending.extend(later);
            }
        }
        stored
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
        // Chains this run opened are stored first, so that every chain gets the rotation.
        self.sync()?;
        let chains = self.store.chains()?;
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
        write_public(self.store.as_ref(), &new_key.public())?;
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
        let heads: Vec<(&str, u64, String)> = names
            .iter()
            .map(|name| {
                let writer = &self.chains[name];
                let head = serde_json::json!({ "chain": name, "seq": writer.seq, "hash": writer.prev, "line": writer.last_line });
                (name.as_str(), writer.seq, format!("{head}\n"))
            })
            .collect();
        let heads: Vec<(&str, u64, &str)> = heads
            .iter()
            .map(|(name, seq, text)| (*name, *seq, text.as_str()))
            .collect();
        self.store.write_heads(&heads)?;
        Ok(())
    }
}

/// Returns the intents without outcome in a chain's tail, reading only the tail and
/// checking nothing (for warnings; appending checks the tail in full).
pub fn peek_dangling(store: &dyn Store, chain: &str) -> Result<Vec<Entry>, AuditError> {
    Ok(dangling_in(store.chain_tail(chain)?))
}

/// [`peek_dangling`] for each of `chains`, in order, their tails read together. When
/// reading them together fails, each is read alone, so that only the chains that cannot
/// be read answer an error.
pub fn peek_dangling_all(
    store: &dyn Store,
    chains: &[&str],
) -> Vec<Result<Vec<Entry>, AuditError>> {
    match store.chain_tails(chains) {
        Ok(tails) => tails
            .into_iter()
            .map(|tail| Ok(dangling_in(tail)))
            .collect(),
        Err(_) => chains
            .iter()
            .map(|chain| peek_dangling(store, chain))
            .collect(),
    }
}

fn dangling_in(tail: Option<ChainTail>) -> Vec<Entry> {
    let Some(tail) = tail else {
        return Vec::new();
    };
    let entries: Vec<Entry> = String::from_utf8_lossy(&tail.bytes)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    dangling_intents(&entries)
}

/// The time entries are written at: the real clock, never `ONBOARD_NOW`. A rehearsal
/// of a later (or earlier) date must not move a chain's times, or the next real run
/// would look like entries written out of order.
fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// Adds an entry's line to the lines a chain has pending. Chain starts, key rotations
/// and checkpoints are signed at once; any other line only when it is the last of a
/// write (see [`seal`]): the lines before it are bound to it by the hash chain.
fn write_line(writer: &mut ChainWriter, key: &AuditKey, entry: &Entry) {
    let body = serde_json::to_string(entry).expect("entries always serialize");
    // A tenant's error text can echo a credential: it is scrubbed before it is signed,
    // after which it could never be removed.
    let scrubbed = match crate::secrets::scrub(&body) {
        std::borrow::Cow::Owned(scrubbed) => Some(scrubbed),
        std::borrow::Cow::Borrowed(_) => None,
    };
    let body = scrubbed.unwrap_or(body);
    let signed_now = matches!(
        entry.kind,
        Some(EntryKind::ChainStart | EntryKind::KeyRotation | EntryKind::Checkpoint)
    );
    let line = if signed_now { sign(key, &body) } else { body };
    writer.seq = entry.seq;
    writer.prev = line_hash(line.as_bytes());
    writer.pending.push(line.clone());
    writer.last_line = line;
}

/// Signs the last pending line of a chain, unless it is signed: every write ends in a
/// signed line, which vouches for the unsigned ones before it.
fn seal(writer: &mut ChainWriter, key: &AuditKey) {
    let Some(last) = writer.pending.last_mut() else {
        return;
    };
    if split_signature(last).is_some() {
        return;
    }
    *last = sign(key, last);
    writer.prev = line_hash(last.as_bytes());
    writer.last_line = last.clone();
}

/// Returns the line of a body (an entry's JSON) with its signature as the last member.
fn sign(key: &AuditKey, body: &str) -> String {
    let signature = key.sign(body.as_bytes());
    format!("{}{SIG_MARKER}{signature}\"}}", &body[..body.len() - 1])
}

/// What checking a chain's tail found.
struct CheckedTail {
    /// How many of its lines a signature vouches for (up to its last signed line).
    vouched: usize,
    /// The sequence number of the last vouched line.
    seq: u64,
    /// The hash of the last vouched line.
    prev: String,
    /// Intents among the vouched lines without an outcome.
    dangling: Vec<Entry>,
}

/// Returns the intents without outcome (nor a reconciliation) among `entries`.
fn dangling_intents(entries: &[Entry]) -> Vec<Entry> {
    let closed: BTreeSet<&str> = entries
        .iter()
        .filter(|e| e.phase == Some(Phase::Outcome) || e.kind == Some(EntryKind::Reconcile))
        .filter_map(|e| e.change.as_deref())
        .collect();
    entries
        .iter()
        .filter(|e| {
            e.phase == Some(Phase::Intent)
                && e.change.as_deref().is_some_and(|c| !closed.contains(c))
        })
        .cloned()
        .collect()
}

/// Returns a tail's lines, which must be text.
fn tail_lines(
    store: &dyn Store,
    chain: &str,
    tail: &crate::state::ChainTail,
) -> Result<Vec<String>, AuditError> {
    let text = std::str::from_utf8(&tail.bytes).map_err(|e| AuditError::Tampered {
        tamper: Tamper {
            chain: chain.to_string(),
            file: store.chain_location(chain),
            line: line_in(store, chain, tail.offset + e.valid_up_to() as u64),
            seq: None,
            detail: "the line is not UTF-8 text".into(),
        },
    })?;
    Ok(text.split_terminator('\n').map(str::to_string).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::FileStore;

    /// A sealed write stored while lines are appended after it, and one that failed and
    /// is stored again with them: the chain is whole, in order, and verifies.
    #[test]
    fn lines_appended_while_a_sealed_write_is_stored_follow_it_and_a_failed_one_is_kept() {
        let dir = tempfile::TempDir::new().unwrap();
        let store: Arc<dyn Store> = Arc::new(FileStore::new(
            dir.path().to_path_buf(),
            dir.path().to_path_buf(),
        ));
        let key = AuditKey::from_seed([5; 32]);
        let public = key.public();
        let mut log = AuditLog::open(store.clone(), key, "a", "apply").unwrap();
        let entry = |reason: &str| Entry {
            kind: Some(EntryKind::Reconcile),
            reason: Some(reason.to_string()),
            ..Entry::default()
        };
        let reasons = || -> Vec<String> {
            std::fs::read_to_string(store.chain_location("c"))
                .unwrap_or_default()
                .lines()
                .filter_map(|l| serde_json::from_str::<Entry>(l).ok()?.reason)
                .collect()
        };
        log.append("c", entry("one")).unwrap();
        let sealed = log.seal();
        log.append("c", entry("two")).unwrap();
        let stored = sealed.store();
        log.settle(sealed, stored).unwrap();
        assert_eq!(reasons(), ["one"]);
        log.sync().unwrap();
        assert_eq!(reasons(), ["one", "two"]);

        // A write that failed: its lines are pending again, before those appended since.
        log.append("c", entry("three")).unwrap();
        let sealed = log.seal();
        log.append("c", entry("four")).unwrap();
        let failed = Err(AuditError::Io {
            action: "write",
            path: store.chain_location("c"),
            source: std::io::Error::other("no space left on device"),
        });
        assert!(log.settle(sealed, failed).is_err());
        assert_eq!(reasons(), ["one", "two"]);
        log.sync().unwrap();
        assert_eq!(reasons(), ["one", "two", "three", "four"]);
        log.finish(serde_json::json!({})).unwrap();
        let verdict = crate::audit::verify::verify_chain(store.as_ref(), "c", &[public]).unwrap();
        assert!(
            matches!(verdict, crate::audit::verify::Verdict::Intact(_)),
            "{verdict:?}"
        );
    }

    /// The block read from the end may start inside a multi-byte character of an entry
    /// before the last checkpoint: that is no reason to refuse the chain.
    #[test]
    fn a_tail_read_that_starts_inside_a_character_is_not_tampering() {
        let dir = tempfile::TempDir::new().unwrap();
        let store = FileStore::new(dir.path().to_path_buf(), dir.path().to_path_buf());
        for pad in 0..2 {
            let chain = format!("c{pad}");
            let path = store.chain_location(&chain);
            let first = format!("{{\"reason\":\"{}\"}}", "é".repeat(200_000));
            let checkpoint = format!(
                "{{\"kind\":\"checkpoint\",\"pad\":\"{}\"}}",
                " ".repeat(pad)
            );
            std::fs::write(&path, format!("{first}\n{checkpoint}\n")).unwrap();
            let tail = store.chain_tail(&chain).unwrap().unwrap();
            assert_eq!(tail_lines(&store, &chain, &tail).unwrap(), [checkpoint]);
            assert_eq!(tail.offset, first.len() as u64 + 1);
            assert_eq!(line_in(&store, &chain, tail.offset), 2);
        }
    }
}
