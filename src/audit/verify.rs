//! Verifying audit chains offline with public keys alone.
//!
//! Per chain: every line parses; line N has sequence N and names the chain; each line's
//! `prev` is the SHA-256 of the line before; times never go back by more than
//! `CLOCK_TOLERANCE_SECONDS`; the signing keys are the chain's key and its rotations,
//! one of which must be trusted; the chain start, every key rotation and every
//! checkpoint carry a valid signature, and so does the last entry (every signature after
//! the last checkpoint must verify; a write signs only its last line, and the entries
//! before a signed one are bound to it by the hash chain); and the head file's
//! checkpoint is in the log. Lines are hashed and parsed on all cores.

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
    /// The signed governance actions, each re-verified: sequence number and evidence.
    pub signed: Vec<(u64, crate::actor::Proof)>,
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
    #[serde(borrow, default)]
    actor: std::borrow::Cow<'a, str>,
    #[serde(default)]
    proof: Option<crate::actor::Proof>,
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

/// A problem found in a chain: where (a line of its log, or its head file) and what.
struct Fault {
    /// In the head file rather than the log.
    head: bool,
    /// The 1-based line of the log (0 for the head file).
    line: u64,
    /// The entry's sequence number, when it could be read.
    seq: Option<u64>,
    /// What is wrong.
    detail: String,
}

impl Fault {
    fn at(line: u64, seq: Option<u64>, detail: impl Into<String>) -> Fault {
        Fault {
            head: false,
            line,
            seq,
            detail: detail.into(),
        }
    }

    fn in_head(detail: impl Into<String>) -> Fault {
        Fault {
            head: true,
            line: 0,
            seq: None,
            detail: detail.into(),
        }
    }
}

/// The outcome of one check: a fault ends the verification.
type Checked<T> = Result<T, Fault>;

/// The chain's signing keys as the walk meets them: the one in force, every one named
/// so far (to tell a genuine line from an edited one), and whether one is trusted.
struct Keys {
    trusted: BTreeSet<String>,
    current: Option<VerifyingKey>,
    named: Vec<VerifyingKey>,
    reaches_trusted: bool,
}

impl Keys {
    /// Puts `key` in force.
    fn take(&mut self, key: VerifyingKey, report: &mut ChainReport) {
        let id = key_id(&key);
        self.reaches_trusted |= self.trusted.contains(&id);
        report.keys.push(id);
        self.named.push(key);
        self.current = Some(key);
    }
}

/// Verifies one chain of an audit log against trusted public keys.
pub fn verify_chain(
    store: &dyn Store,
    chain: &str,
    trusted: &[VerifyingKey],
) -> Result<Verdict, AuditError> {
    let bytes = read_whole(store, chain)?;
    let torn = bytes.iter().rev().take_while(|b| **b != b'\n').count();
    let whole = &bytes[..bytes.len() - torn];
    let mut report = ChainReport {
        chain: chain.to_string(),
        torn_bytes: torn as u64,
        ..ChainReport::default()
    };
    match check_chain(store, chain, whole, trusted, &mut report)? {
        Ok(()) => Ok(Verdict::Intact(report)),
        Err(fault) => Ok(Verdict::Tampered(Tamper {
            chain: chain.to_string(),
            file: if fault.head {
                store.head_location(chain)
            } else {
                store.chain_location(chain)
            },
            line: fault.line,
            seq: fault.seq,
            detail: fault.detail,
        })),
    }
}

/// Runs every check over a chain's complete lines, filling in `report`: the outer
/// error is a failure to read, the inner one the first fault found.
fn check_chain(
    store: &dyn Store,
    chain: &str,
    whole: &[u8],
    trusted: &[VerifyingKey],
    report: &mut ChainReport,
) -> Result<Checked<()>, AuditError> {
    let text = match std::str::from_utf8(whole) {
        Ok(text) => text,
        Err(e) => {
            let line = 1 + whole[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64;
            return Ok(Err(Fault::at(line, None, "the line is not UTF-8 text")));
        }
    };
    let parsed = parse_all(text);
    if parsed.is_empty() {
        return Ok(Err(Fault::at(1, None, "the log is empty")));
    }
    let checkpoints = match walk(chain, &parsed, trusted, report) {
        Ok(checkpoints) => checkpoints,
        Err(fault) => return Ok(Err(fault)),
    };
    // Entries after the last checkpoint are bound by nothing else: check each signature.
    let sealed_until = checkpoints.last().map_or(0, |i| i + 1);
    let keys_in_order = rotation_keys(&parsed, trusted, &report.keys);
    if let Err(fault) = check_unsealed(&parsed[sealed_until..], sealed_until, &keys_in_order) {
        return Ok(Err(fault));
    }
    let head = store.read_head(chain)?;
    if let Err(fault) = check_head(head.as_deref(), &parsed, &checkpoints, &keys_in_order) {
        return Ok(Err(fault));
    }
    if let Err(fault) = check_vouched(&parsed) {
        return Ok(Err(fault));
    }
    report.entries = parsed.len() as u64;
    report.last_checkpoint = checkpoints.last().map(|i| *i as u64 + 1);
    report.unsealed = (parsed.len() - sealed_until) as u64;
    report.dangling = dangling(&parsed[sealed_until..]);
    Ok(Ok(()))
}

/// Walks the chain line by line: order, links, times, signed actions and the keys.
/// Returns the indexes of its checkpoints.
fn walk(
    chain: &str,
    parsed: &[Parsed<'_>],
    trusted: &[VerifyingKey],
    report: &mut ChainReport,
) -> Checked<Vec<usize>> {
    let mut keys = Keys {
        trusted: trusted.iter().map(key_id).collect(),
        current: None,
        named: Vec::new(),
        reaches_trusted: false,
    };
    let mut last_ts: Option<i64> = None;
    let mut checkpoints: Vec<usize> = Vec::new();
    for (index, item) in parsed.iter().enumerate() {
        let number = index as u64 + 1;
        let fields = item
            .fields
            .as_ref()
            .map_err(|e| Fault::at(number, None, format!("not a valid entry: {e}")))?;
        check_place(chain, parsed, index, fields, &keys.named)?;
        check_time(number, fields, &mut last_ts)?;
        if let Some(proof) = check_proof(number, fields)? {
            report.signed.push((fields.seq, proof));
        }
        if check_key(chain, index, item, fields, &mut keys, report)? {
            checkpoints.push(index);
        }
    }
    if !keys.reaches_trusted {
        return Err(Fault::at(
            1,
            Some(1),
            format!(
                "the chain is signed with key(s) {} and none of them is trusted: the key was substituted, or pass the right `--pubkey`",
                report.keys.join(", ")
            ),
        ));
    }
    Ok(checkpoints)
}

/// Checks that line `index` is where it belongs: its sequence number, its chain, and
/// its link to the line before (telling an inserted line from an edited one before it).
fn check_place(
    chain: &str,
    parsed: &[Parsed<'_>],
    index: usize,
    fields: &Line<'_>,
    named: &[VerifyingKey],
) -> Checked<()> {
    let number = index as u64 + 1;
    let seq = Some(fields.seq);
    if fields.seq != number {
        let why = if fields.seq > number {
            "entries before it were deleted, or entries were reordered"
        } else {
            "entries were reordered or duplicated"
        };
        return Err(Fault::at(
            number,
            seq,
            format!("sequence {} where {number} was due: {why}", fields.seq),
        ));
    }
    if fields.chain != chain {
        return Err(Fault::at(
            number,
            seq,
            format!(
                "the entry belongs to chain `{}`: the log was spliced from two chains",
                fields.chain
            ),
        ));
    }
    let expected_prev = match index {
        0 => GENESIS,
        _ => parsed[index - 1].hash.as_str(),
    };
    if fields.prev == expected_prev {
        return Ok(());
    }
    if index == 0 {
        return Err(Fault::at(
            number,
            seq,
            "the first entry does not start a chain",
        ));
    }
    if named.iter().any(|k| signed(parsed[index - 1].line, k)) {
        // The line before still carries its own valid signature: it is as written, and
        // this one was inserted, forged, or had its link edited.
        Err(Fault::at(
            number,
            seq,
            format!(
                "the entry does not link to the one before it (line {}): it was inserted, forged or edited",
                number - 1
            ),
        ))
    } else {
        Err(Fault::at(
            number - 1,
            Some(number - 1),
            format!(
                "the entry was changed after it was written: the next entry (line {number}) recorded a different hash for it"
            ),
        ))
    }
}

/// Checks that an entry's time is valid and not before the latest one so far by more
/// than the clock tolerance.
fn check_time(number: u64, fields: &Line<'_>, last_ts: &mut Option<i64>) -> Checked<()> {
    let seq = Some(fields.seq);
    let ts = parse_ts(fields.ts)
        .ok_or_else(|| Fault::at(number, seq, format!("invalid time `{}`", fields.ts)))?;
    if let Some(previous) = *last_ts
        && ts < previous - CLOCK_TOLERANCE_SECONDS
    {
        return Err(Fault::at(
            number,
            seq,
            format!(
                "time {} is before the previous entry's: entries were reordered",
                fields.ts
            ),
        ));
    }
    *last_ts = Some(last_ts.map_or(ts, |p| p.max(ts)));
    Ok(())
}

/// Re-verifies a signed governance action, whose signer must be the entry's actor (or
/// a client's approver, `CLIENT/ID`, whose signature an MSP person hands in).
fn check_proof(number: u64, fields: &Line<'_>) -> Checked<Option<crate::actor::Proof>> {
    let Some(proof) = &fields.proof else {
        return Ok(None);
    };
    let checked = proof.check().and_then(|_| {
        if proof.signer.contains('/') || proof.signer == *fields.actor {
            Ok(())
        } else {
            Err(format!(
                "the entry's actor `{}` is not its signer `{}`",
                fields.actor, proof.signer
            ))
        }
    });
    match checked {
        Ok(()) => Ok(Some(proof.clone())),
        Err(problem) => Err(Fault::at(
            number,
            Some(fields.seq),
            format!("the signed action does not verify: {problem}"),
        )),
    }
}

/// Returns the public key an entry's detail names in `field`, when it is a valid one.
fn named_key(line: &str, field: &str) -> Option<VerifyingKey> {
    let entry: Entry = serde_json::from_str(line).ok()?;
    let bytes = hex::decode(entry.detail?.get(field)?.as_str()?).ok()?;
    VerifyingKey::from_bytes(&<[u8; 32]>::try_from(bytes).ok()?).ok()
}

/// Checks the key of line `index`: the chain start names and signs with the first key;
/// a rotation is signed by the key in force and endorsed by the new one; every other
/// entry names the key in force, and a checkpoint carries its signature. Returns
/// whether the line is a checkpoint.
fn check_key(
    chain: &str,
    index: usize,
    item: &Parsed<'_>,
    fields: &Line<'_>,
    keys: &mut Keys,
    report: &mut ChainReport,
) -> Checked<bool> {
    let number = index as u64 + 1;
    let fault = |detail: &str| Fault::at(number, Some(fields.seq), detail);
    let current = match (index, fields.kind, keys.current) {
        (0, "chain-start", _) => {
            let key = named_key(item.line, "public_key")
                .ok_or_else(|| fault("the chain start names no valid public key"))?;
            if key_id(&key) != fields.key {
                return Err(fault(
                    "the chain start is signed by another key than it names",
                ));
            }
            if !signed(item.line, &key) {
                return Err(fault("the chain start's signature does not verify"));
            }
            keys.take(key, report);
            return Ok(false);
        }
        (0, _, _) | (_, _, None) => {
            return Err(fault("the log does not begin with a chain start"));
        }
        (_, "chain-start", _) => {
            return Err(fault(
                "a second chain start: the log was spliced from two chains",
            ));
        }
        (_, _, Some(current)) => current,
    };
    if fields.kind == "key-rotation" {
        if fields.key != key_id(&current) || !signed(item.line, &current) {
            return Err(fault("the key rotation is not signed by the key in force"));
        }
        let new_key = named_key(item.line, "new_public_key")
            .ok_or_else(|| fault("the key rotation names no valid new key"))?;
        let message = rotation_message(chain, fields.seq, fields.key, &key_id(&new_key));
        let endorsement: Option<String> = serde_json::from_str::<Entry>(item.line)
            .ok()
            .and_then(|e| Some(e.detail?.get("new_key_signature")?.as_str()?.to_string()));
        if !endorsement.is_some_and(|s| verify_hex(&new_key, message.as_bytes(), &s)) {
            return Err(fault("the new key did not sign its rotation"));
        }
        keys.take(new_key, report);
        return Ok(false);
    }
    if fields.key != key_id(&current) {
        return Err(Fault::at(
            number,
            Some(fields.seq),
            format!(
                "signed with key `{}`, but `{}` was in force",
                fields.key,
                key_id(&current)
            ),
        ));
    }
    if fields.kind != "checkpoint" {
        return Ok(false);
    }
    if !signed(item.line, &current) {
        return Err(fault("the checkpoint's signature does not verify"));
    }
    Ok(true)
}

/// Checks the signatures of the entries after the last checkpoint (`from` is the index
/// of the first), which no checkpoint binds: every one there must verify.
fn check_unsealed(
    unsealed: &[Parsed<'_>],
    from: usize,
    keys_in_order: &[(String, VerifyingKey)],
) -> Checked<()> {
    let mut key = None;
    for (offset, item) in unsealed.iter().enumerate() {
        let Ok(fields) = &item.fields else { continue };
        key = keys_in_order
            .iter()
            .find(|(id, _)| id == fields.key)
            .map(|(_, k)| *k)
            .or(key);
        if split_signature(item.line).is_none() {
            continue;
        }
        let Some(k) = key else { continue };
        if !signed(item.line, &k) {
            return Err(Fault::at(
                (from + offset) as u64 + 1,
                Some(fields.seq),
                "the signature does not verify: the entry was written without the key, or edited",
            ));
        }
    }
    Ok(())
}

/// Checks that the chain ends in a signed entry. A write signs its last line only; the
/// lines before it are bound to that signature by the hash chain, so an unsigned entry
/// is vouched for only by a signed one after it.
fn check_vouched(parsed: &[Parsed<'_>]) -> Checked<()> {
    let signed_from = parsed
        .iter()
        .rposition(|item| split_signature(item.line).is_some())
        .map_or(0, |i| i + 1);
    match parsed.get(signed_from) {
        None => Ok(()),
        Some(item) => Err(Fault::at(
            signed_from as u64 + 1,
            item.fields.as_ref().ok().map(|f| f.seq),
            "no signature vouches for this entry or any after it: they were written without the key, or a crash cut short the write that held them (the next run that writes to the chain removes them and records it)",
        )),
    }
}

/// Checks the head file, which holds the latest checkpoint: it must be a valid signed
/// checkpoint that the log still contains; none at all is a fault once the log has
/// checkpoints (the tail may have been cut).
fn check_head(
    head: Option<&str>,
    parsed: &[Parsed<'_>],
    checkpoints: &[usize],
    keys_in_order: &[(String, VerifyingKey)],
) -> Checked<()> {
    let Some(text) = head else {
        return match checkpoints {
            [] => Ok(()),
            _ => Err(Fault::in_head(
                "the head file is missing: the tail may have been cut",
            )),
        };
    };
    let value: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
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
    if seq == 0 || line_hash(line.as_bytes()) != hash || !head_key.is_some_and(|k| signed(line, &k))
    {
        return Err(Fault::in_head(
            "the head file is not a valid signed checkpoint",
        ));
    }
    let entries = parsed.len() as u64;
    if seq > entries {
        return Err(Fault::at(
            entries,
            Some(entries),
            format!(
                "the log ends at entry {entries} but its signed head says {seq}: entries were removed from the end"
            ),
        ));
    }
    if parsed[(seq - 1) as usize].hash != hash {
        return Err(Fault::at(
            seq,
            Some(seq),
            "the entry differs from the signed head's checkpoint",
        ));
    }
    Ok(())
}

/// Returns the intents among `unsealed` entries that have no outcome (nor a
/// reconciliation): changes a crash interrupted.
fn dangling(unsealed: &[Parsed<'_>]) -> Vec<Entry> {
    let fields = || {
        unsealed
            .iter()
            .filter_map(|item| Some((item, item.fields.as_ref().ok()?)))
    };
    let closed: BTreeSet<&str> = fields()
        .filter(|(_, f)| f.phase == Some("outcome") || f.kind == "reconcile")
        .filter_map(|(_, f)| f.change)
        .collect();
    fields()
        .filter(|(_, f)| f.phase == Some("intent") && f.change.is_some_and(|c| !closed.contains(c)))
        .filter_map(|(item, _)| serde_json::from_str::<Entry>(item.line).ok())
        .collect()
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
        for field in ["public_key", "new_public_key"] {
            if let Some(key) = named_key(item.line, field)
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::audit::{AuditKey, AuditLog, EntryKind, EntryResult};
    use crate::state::FileStore;

    fn log(store: &Arc<dyn Store>, command: &str) -> AuditLog {
        AuditLog::open(
            Arc::clone(store),
            AuditKey::from_seed([3; 32]),
            "a",
            command,
        )
        .unwrap()
    }

    fn intact(store: &Arc<dyn Store>) -> bool {
        let trusted = [AuditKey::from_seed([3; 32]).public()];
        let verdict = verify_chain(store.as_ref(), "acme", &trusted).unwrap();
        matches!(verdict, Verdict::Intact(_))
    }

    /// Several versions may share one log: a result word a newer onboard writes must
    /// neither fail verification nor stop this onboard appending, and reads back as
    /// exactly the bytes that were signed.
    #[test]
    fn a_result_this_onboard_does_not_name_verifies_and_reads_back_as_written() {
        let dir = tempfile::TempDir::new().unwrap();
        let store: Arc<dyn Store> = Arc::new(FileStore::new(
            dir.path().to_path_buf(),
            dir.path().to_path_buf(),
        ));
        // A newer onboard's run, stopped before its checkpoint: its entry stays unsealed,
        // so every later run reads and checks it.
        let mut newer = log(&store, "attest");
        let entry = Entry {
            kind: Some(EntryKind::Approval),
            client: Some("acme".into()),
            result: Some(EntryResult::Other("escalated".into())),
            ..Entry::default()
        };
        newer.append("acme", entry).unwrap();
        newer.sync().unwrap();
        drop(newer);

        let text = String::from_utf8(read_whole(store.as_ref(), "acme").unwrap()).unwrap();
        let line = text
            .lines()
            .find(|l| l.contains(r#""result":"escalated""#))
            .expect("the entry is written with its word");
        let read: Entry = serde_json::from_str(line).unwrap();
        assert_eq!(read.result, Some(EntryResult::Other("escalated".into())));
        let (body, _) = split_signature(line).unwrap();
        assert_eq!(serde_json::to_string(&read).unwrap(), body);
        assert!(intact(&store));

        let mut this = log(&store, "apply");
        this.append(
            "acme",
            Entry {
                kind: Some(EntryKind::Plan),
                result: Some(EntryResult::Ok),
                ..Entry::default()
            },
        )
        .expect("appending after the unknown word");
        this.finish(serde_json::json!({})).unwrap();
        assert!(intact(&store));
    }
}
