//! Verifying audit chains offline with public keys alone.
//!
//! Per chain: every line parses; line N has sequence N and names the chain; each line's
//! `prev` is the SHA-256 of the line before; times never go back by more than
//! `CLOCK_TOLERANCE_SECONDS`; the signing keys are the chain's key and its rotations,
//! one of which must be trusted; the chain start, every key rotation, every checkpoint
//! and every entry after the last checkpoint carry a valid signature (entries before a
//! checkpoint are bound to it by the hash chain); and the head file's checkpoint is in
//! the log. Lines are hashed and parsed on all cores.

use std::collections::BTreeSet;
use std::path::PathBuf;

use ed25519_dalek::VerifyingKey;
use serde::Deserialize;

use super::AuditError;
use super::entry::{Entry, GENESIS, line_hash, split_signature};
use super::key::{key_id, verify_hex};
use crate::state::Store;

/// How far (seconds) an entry's time may be before the previous one's. Entries carry
/// the writer's real clock (never a rehearsed `ONBOARD_NOW`, which goes in `as_of`), so
/// times go back only by the clock skew between the machines that share a log.
pub const CLOCK_TOLERANCE_SECONDS: i64 = 300;

/// The first problem found in a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tamper {
    /// The chain.
    pub chain: String,
    /// The file at fault: the chain's log, or its head file.
    pub file: PathBuf,
    /// The first bad line of `file` (1-based; 0 when the fault is the file as a whole,
    /// as for a head file).
    pub line: u64,
    /// Its sequence number, when it could be read.
    pub seq: Option<u64>,
    /// What is wrong.
    pub detail: String,
}

impl std::fmt::Display for Tamper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "chain `{}` fails verification at {}",
            self.chain,
            self.file.display()
        )?;
        if self.line > 0 {
            write!(f, " line {}", self.line)?;
        }
        if let Some(seq) = self.seq {
            write!(f, ", seq {seq}")?;
        }
        write!(f, ": {}", self.detail)
    }
}

/// Returns the 1-based line of a chain that the byte at `offset` of its stored form is
/// on (reading the whole chain: for error reports only).
pub fn line_in(store: &dyn Store, chain: &str, offset: u64) -> u64 {
    let bytes = store.read_chain(chain).ok().flatten().unwrap_or_default();
    let end = (offset as usize).min(bytes.len());
    1 + bytes[..end].iter().filter(|b| **b == b'\n').count() as u64
}

/// Reads a whole chain as stored; a chain that does not exist is an error naming where
/// it would be.
pub fn read_whole(store: &dyn Store, chain: &str) -> Result<Vec<u8>, AuditError> {
    store.read_chain(chain)?.ok_or_else(|| AuditError::Io {
        action: "read",
        path: store.chain_location(chain),
        source: std::io::ErrorKind::NotFound.into(),
    })
}

/// What a verified chain holds.
#[derive(Debug, Clone, Default)]
pub struct ChainReport {
    /// The chain.
    pub chain: String,
    /// Number of entries.
    pub entries: u64,
    /// Sequence number of the last checkpoint.
    pub last_checkpoint: Option<u64>,
    /// Entries after the last checkpoint (a run that did not finish).
    pub unsealed: u64,
    /// Intents without an outcome (a change interrupted by a crash).
    pub dangling: Vec<Entry>,
    /// Key ids that signed the chain, in order.
    pub keys: Vec<String>,
    /// An incomplete last line left by a crash mid-write, in bytes.
    pub torn_bytes: u64,
}

/// The verdict on one chain.
#[derive(Debug, Clone)]
pub enum Verdict {
    /// Every check passed.
    Intact(ChainReport),
    /// The first problem.
    Tampered(Tamper),
}

#[derive(Deserialize)]
struct Line<'a> {
    seq: u64,
    #[serde(borrow)]
    ts: &'a str,
    #[serde(borrow)]
    chain: &'a str,
    #[serde(borrow)]
    kind: &'a str,
    #[serde(borrow, default)]
    phase: Option<&'a str>,
    #[serde(borrow, default)]
    change: Option<&'a str>,
    #[serde(borrow)]
    prev: &'a str,
    #[serde(borrow)]
    key: &'a str,
}

struct Parsed<'a> {
    line: &'a str,
    hash: String,
    fields: Result<Line<'a>, String>,
}

fn parse_all(text: &str) -> Vec<Parsed<'_>> {
    let lines: Vec<&str> = text.split_terminator('\n').collect();
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let chunk = lines.len().div_ceil(workers).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = lines
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|line| Parsed {
                            line,
                            hash: line_hash(line.as_bytes()),
                            fields: serde_json::from_str::<Line<'_>>(line)
                                .map_err(|e| e.to_string()),
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a verify worker panicked"))
            .collect()
    })
}

fn parse_ts(ts: &str) -> Option<i64> {
    time::OffsetDateTime::parse(ts, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

/// Verifies one chain of an audit log against trusted public keys.
pub fn verify_chain(
    store: &dyn Store,
    chain: &str,
    trusted: &[VerifyingKey],
) -> Result<Verdict, AuditError> {
    let path = store.chain_location(chain);
    let bytes = read_whole(store, chain)?;
    let torn = bytes.iter().rev().take_while(|b| **b != b'\n').count();
    let whole = &bytes[..bytes.len() - torn];
    let in_file = |file: &std::path::Path, line: u64, seq: Option<u64>, detail: String| {
        Ok(Verdict::Tampered(Tamper {
            chain: chain.to_string(),
            file: file.to_path_buf(),
            line,
            seq,
            detail,
        }))
    };
    let tamper = |line: u64, seq: Option<u64>, detail: String| in_file(&path, line, seq, detail);
    let text = match std::str::from_utf8(whole) {
        Ok(text) => text,
        Err(e) => {
            let line = 1 + whole[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64;
            return tamper(line, None, "the line is not UTF-8 text".into());
        }
    };
    let parsed = parse_all(text);
    if parsed.is_empty() {
        return tamper(1, None, "the log is empty".into());
    }
    let trusted_ids: BTreeSet<String> = trusted.iter().map(key_id).collect();
    let mut report = ChainReport {
        chain: chain.to_string(),
        torn_bytes: torn as u64,
        ..ChainReport::default()
    };
    // The key in force, and whether the chain's keys reach a trusted one.
    let mut current: Option<VerifyingKey> = None;
    // Every key the chain has named so far, to tell a genuine line from an edited one.
    let mut chain_keys: Vec<VerifyingKey> = Vec::new();
    let mut reaches_trusted = false;
    let mut last_ts: Option<i64> = None;
    let mut checkpoints: Vec<usize> = Vec::new();
    for (index, item) in parsed.iter().enumerate() {
        let number = index as u64 + 1;
        let fields = match &item.fields {
            Ok(f) => f,
            Err(e) => return tamper(number, None, format!("not a valid entry: {e}")),
        };
        let seq = Some(fields.seq);
        if fields.seq != number {
            let detail = if fields.seq > number {
                format!(
                    "sequence {} where {number} was due: entries before it were deleted, or entries were reordered",
                    fields.seq
                )
            } else {
                format!(
                    "sequence {} where {number} was due: entries were reordered or duplicated",
                    fields.seq
                )
            };
            return tamper(number, seq, detail);
        }
        if fields.chain != chain {
            return tamper(
                number,
                seq,
                format!(
                    "the entry belongs to chain `{}`: the log was spliced from two chains",
                    fields.chain
                ),
            );
        }
        let expected_prev = if index == 0 {
            GENESIS
        } else {
            parsed[index - 1].hash.as_str()
        };
        if fields.prev != expected_prev {
            let before_is_genuine =
                index > 0 && chain_keys.iter().any(|k| signed(parsed[index - 1].line, k));
            return if before_is_genuine {
                // The line before still carries its own valid signature: it is as written,
                // and this one was inserted, forged, or had its link edited.
                tamper(
                    number,
                    seq,
                    format!(
                        "the entry does not link to the one before it (line {}): it was inserted, forged or edited",
                        number - 1
                    ),
                )
            } else if index > 0 {
                tamper(
                    number - 1,
                    Some(number - 1),
                    format!(
                        "the entry was changed after it was written: the next entry (line {number}) recorded a different hash for it"
                    ),
                )
            } else {
                tamper(number, seq, "the first entry does not start a chain".into())
            };
        }
        let Some(ts) = parse_ts(fields.ts) else {
            return tamper(number, seq, format!("invalid time `{}`", fields.ts));
        };
        if let Some(previous) = last_ts
            && ts < previous - CLOCK_TOLERANCE_SECONDS
        {
            return tamper(
                number,
                seq,
                format!(
                    "time {} is before the previous entry's: entries were reordered",
                    fields.ts
                ),
            );
        }
        last_ts = Some(last_ts.map_or(ts, |p| p.max(ts)));
        match (index, fields.kind) {
            (0, "chain-start") => {
                let entry: Entry = match serde_json::from_str(item.line) {
                    Ok(entry) => entry,
                    Err(e) => return tamper(1, seq, format!("not a valid entry: {e}")),
                };
                let key = entry
                    .detail
                    .as_ref()
                    .and_then(|d| d.get("public_key"))
                    .and_then(|k| k.as_str())
                    .and_then(|k| hex::decode(k).ok())
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .and_then(|b| VerifyingKey::from_bytes(&b).ok());
                let Some(key) = key else {
                    return tamper(1, seq, "the chain start names no valid public key".into());
                };
                if key_id(&key) != fields.key {
                    return tamper(
                        1,
                        seq,
                        "the chain start is signed by another key than it names".into(),
                    );
                }
                if !signed(item.line, &key) {
                    return tamper(1, seq, "the chain start's signature does not verify".into());
                }
                reaches_trusted |= trusted_ids.contains(fields.key);
                report.keys.push(fields.key.to_string());
                chain_keys.push(key);
                current = Some(key);
            }
            (0, _) => return tamper(1, seq, "the log does not begin with a chain start".into()),
            (_, "chain-start") => {
                return tamper(
                    number,
                    seq,
                    "a second chain start: the log was spliced from two chains".into(),
                );
            }
            (_, "key-rotation") => {
                let key = current.expect("set by the chain start");
                if fields.key != key_id(&key) || !signed(item.line, &key) {
                    return tamper(
                        number,
                        seq,
                        "the key rotation is not signed by the key in force".into(),
                    );
                }
                let entry: Entry = match serde_json::from_str(item.line) {
                    Ok(entry) => entry,
                    Err(e) => return tamper(number, seq, format!("not a valid entry: {e}")),
                };
                let detail = entry.detail.unwrap_or_default();
                let new_key = detail
                    .get("new_public_key")
                    .and_then(|k| k.as_str())
                    .and_then(|k| hex::decode(k).ok())
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .and_then(|b| VerifyingKey::from_bytes(&b).ok());
                let Some(new_key) = new_key else {
                    return tamper(
                        number,
                        seq,
                        "the key rotation names no valid new key".into(),
                    );
                };
                let message = rotation_message(chain, fields.seq, fields.key, &key_id(&new_key));
                let endorsed = detail
                    .get("new_key_signature")
                    .and_then(|s| s.as_str())
                    .is_some_and(|s| verify_hex(&new_key, message.as_bytes(), s));
                if !endorsed {
                    return tamper(number, seq, "the new key did not sign its rotation".into());
                }
                reaches_trusted |= trusted_ids.contains(&key_id(&new_key));
                report.keys.push(key_id(&new_key));
                chain_keys.push(new_key);
                current = Some(new_key);
            }
            (_, kind) => {
                let key = current.expect("set by the chain start");
                if fields.key != key_id(&key) {
                    return tamper(
                        number,
                        seq,
                        format!(
                            "signed with key `{}`, but `{}` was in force",
                            fields.key,
                            key_id(&key)
                        ),
                    );
                }
                if kind == "checkpoint" {
                    if !signed(item.line, &key) {
                        return tamper(
                            number,
                            seq,
                            "the checkpoint's signature does not verify".into(),
                        );
                    }
                    checkpoints.push(index);
                }
            }
        }
    }
    if !reaches_trusted {
        return tamper(
            1,
            Some(1),
            format!(
                "the chain is signed with key(s) {} and none of them is trusted: the key was substituted, or pass the right `--pubkey`",
                report.keys.join(", ")
            ),
        );
    }
    // Entries after the last checkpoint are bound by nothing else: check each signature.
    let sealed_until = checkpoints.last().map_or(0, |i| i + 1);
    let mut key = None;
    let keys_in_order = rotation_keys(&parsed, trusted, &report.keys);
    for (index, item) in parsed.iter().enumerate().skip(sealed_until) {
        let fields = item.fields.as_ref().expect("checked above");
        key = keys_in_order
            .iter()
            .find(|(id, _)| id == fields.key)
            .map(|(_, k)| *k)
            .or(key);
        let Some(k) = key else { continue };
        if !signed(item.line, &k) {
            return tamper(
                index as u64 + 1,
                Some(fields.seq),
                "the signature does not verify: the entry was written without the key, or edited"
                    .into(),
            );
        }
    }
    // The head file holds the latest checkpoint: the log must still contain it.
    let head = store.head_location(chain);
    match store.read_head(chain)? {
        Some(text) => {
            let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            let seq = value.get("seq").and_then(|v| v.as_u64()).unwrap_or(0);
            let hash = value
                .get("hash")
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            let line = value
                .get("line")
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            let head_key = keys_in_order
                .iter()
                .find(|(id, _)| line.contains(&format!("\"key\":\"{id}\"")))
                .map(|(_, k)| *k);
            if seq == 0
                || line_hash(line.as_bytes()) != hash
                || !head_key.is_some_and(|k| signed(line, &k))
            {
                return in_file(
                    &head,
                    0,
                    None,
                    "the head file is not a valid signed checkpoint".into(),
                );
            }
            if seq > parsed.len() as u64 {
                return tamper(
                    parsed.len() as u64,
                    Some(parsed.len() as u64),
                    format!(
                        "the log ends at entry {} but its signed head says {seq}: entries were removed from the end",
                        parsed.len()
                    ),
                );
            }
            if parsed[(seq - 1) as usize].hash != hash {
                return tamper(
                    seq,
                    Some(seq),
                    "the entry differs from the signed head's checkpoint".into(),
                );
            }
        }
        None => {
            if !checkpoints.is_empty() {
                return in_file(
                    &head,
                    0,
                    None,
                    "the head file is missing: the tail may have been cut".into(),
                );
            }
        }
    }
    report.entries = parsed.len() as u64;
    report.last_checkpoint = checkpoints.last().map(|i| *i as u64 + 1);
    report.unsealed = (parsed.len() - sealed_until) as u64;
    let mut closed: BTreeSet<&str> = BTreeSet::new();
    for item in &parsed[sealed_until..] {
        let f = item.fields.as_ref().expect("checked above");
        if (f.phase == Some("outcome") || f.kind == "reconcile")
            && let Some(change) = f.change
        {
            closed.insert(change);
        }
    }
    for item in &parsed[sealed_until..] {
        let f = item.fields.as_ref().expect("checked above");
        if f.phase == Some("intent")
            && f.change.is_some_and(|c| !closed.contains(c))
            && let Ok(entry) = serde_json::from_str::<Entry>(item.line)
        {
            report.dangling.push(entry);
        }
    }
    Ok(Verdict::Intact(report))
}

fn signed(line: &str, key: &VerifyingKey) -> bool {
    split_signature(line).is_some_and(|(body, sig)| verify_hex(key, body.as_bytes(), sig))
}

/// Returns every key of the chain (from its start and rotations) by id.
fn rotation_keys(
    parsed: &[Parsed<'_>],
    trusted: &[VerifyingKey],
    ids: &[String],
) -> Vec<(String, VerifyingKey)> {
    let mut keys: Vec<(String, VerifyingKey)> = trusted.iter().map(|k| (key_id(k), *k)).collect();
    for item in parsed {
        let Ok(fields) = &item.fields else { continue };
        if !matches!(fields.kind, "chain-start" | "key-rotation") {
            continue;
        }
        let Ok(entry) = serde_json::from_str::<Entry>(item.line) else {
            continue;
        };
        let detail = entry.detail.unwrap_or_default();
        for field in ["public_key", "new_public_key"] {
            let key = detail
                .get(field)
                .and_then(|k| k.as_str())
                .and_then(|k| hex::decode(k).ok())
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .and_then(|b| VerifyingKey::from_bytes(&b).ok());
            if let Some(key) = key
                && ids.contains(&key_id(&key))
            {
                keys.push((key_id(&key), key));
            }
        }
    }
    keys
}

/// Returns the message a new key signs to accept a rotation.
pub fn rotation_message(chain: &str, seq: u64, old_key: &str, new_key: &str) -> String {
    format!("onboard-audit-key-rotation\nchain:{chain}\nseq:{seq}\nold:{old_key}\nnew:{new_key}\n")
}
