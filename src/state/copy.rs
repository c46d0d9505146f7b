//! Copying state between two stores, for `onboard state migrate` (everything) and
//! `onboard audit export --to DIR` (the audit chains, heads and public keys), and
//! comparing them afterwards.
//!
//! A copy never removes or rewrites a line already in the destination: a chain there
//! must be a prefix of the source's (an interrupted copy is one), and only the rest is
//! appended, so running a copy again resumes it.

use sha2::{Digest, Sha256};

use super::{ChainHead, Lock, StateError, Store};
use crate::audit::entry::{GENESIS, line_hash};

/// What a copy wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Copied {
    /// Chains copied.
    pub chains: usize,
    /// Lines appended to the destination (lines already there are not counted).
    pub lines: usize,
    /// Public keys copied.
    pub keys: usize,
}

/// Returns a chain's whole lines (an incomplete last line, from a crash, is left out).
fn whole_lines(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let whole = match text.rfind('\n') {
        Some(end) => &text[..=end],
        None => "",
    };
    whole.lines().map(str::to_string).collect()
}

/// Returns the `seq` a head's text names (0 when it names none).
fn head_seq(text: &str) -> u64 {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| v.get("seq").and_then(serde_json::Value::as_u64))
        .unwrap_or(0)
}

/// Copies the chains `chains` (every chain when `None`), their heads and every public
/// key from `from` to `to`.
pub fn copy_audit(
    from: &dyn Store,
    to: &dyn Store,
    chains: Option<&[String]>,
) -> Result<Copied, StateError> {
    let mut copied = Copied::default();
    for stored in from.public_keys()? {
        let Some(id) = stored.location.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        to.put_public_key(id, &stored.text)?;
        copied.keys += 1;
    }
    let names = match chains {
        Some(names) => names.to_vec(),
        None => from.chains()?,
    };
    for chain in &names {
        let source = whole_lines(&from.read_chain(chain)?.unwrap_or_default());
        let there = whole_lines(&to.read_chain(chain)?.unwrap_or_default());
        if there.len() > source.len() || source[..there.len()] != there[..] {
            return Err(StateError::ChainMoved {
                chain: chain.clone(),
                detail: format!(
                    "{} already holds {} line(s) that are not the start of this chain in {}",
                    to.chain_location(chain).display(),
                    there.len(),
                    from.chain_location(chain).display()
                ),
            });
        }
        let expected = ChainHead {
            seq: there.len() as u64,
            hash: there
                .last()
                .map_or_else(|| GENESIS.to_string(), |l| line_hash(l.as_bytes())),
        };
        let rest = &source[there.len()..];
        // In batches: one transaction (or fsync) per batch, never one per line.
        let mut head = expected;
        for batch in rest.chunks(1000) {
            to.append(chain, &head, 0, batch)?;
            head = ChainHead {
                seq: head.seq + batch.len() as u64,
                hash: line_hash(batch[batch.len() - 1].as_bytes()),
            };
        }
        copied.lines += rest.len();
        if let Some(text) = from.read_head(chain)? {
            to.write_head(chain, head_seq(&text), &text)?;
        }
        copied.chains += 1;
    }
    Ok(copied)
}

/// Copies the ledger (with its standing revocations), the requests, the reviews and the
/// issued credentials from
/// `from` to `to`, replacing `to`'s (`lock` must be `to`'s workspace lock). A document
/// empty on both sides is not written (a copy back creates no file the source had not).
pub fn copy_records(from: &dyn Store, to: &dyn Store, lock: &Lock) -> Result<(), StateError> {
    let (ledger, source) = from.load_ledger()?;
    let (there, copy) = to.load_ledger()?;
    if ledger != there || (source != "none" && copy == "none") {
        to.save_ledger(&ledger, lock)?;
    }
    let requests = from.load_requests()?;
    if requests.requests != to.load_requests()?.requests {
        to.save_requests(&requests, lock)?;
    }
    let reviews = from.load_reviews()?;
    if reviews.reviews != to.load_reviews()?.reviews {
        to.save_reviews(&reviews, lock)?;
    }
    let credentials = from.load_credentials()?;
    if credentials.issued != to.load_credentials()?.issued {
        to.save_credentials(&credentials, lock)?;
    }
    Ok(())
}

/// A fingerprint of everything a store holds: per part, a count and a SHA-256 of its
/// content in a form both backends share (the ledger normalised, chains as their whole
/// lines, heads and keys as stored text).
pub fn fingerprint(store: &dyn Store) -> Result<Vec<(String, usize, String)>, StateError> {
    fn digest(bytes: &[u8]) -> String {
        hex::encode(Sha256::digest(bytes))
    }
    fn json<T: serde::Serialize>(value: &T) -> Vec<u8> {
        serde_json::to_vec(value).unwrap_or_default()
    }
    let mut parts = Vec::new();
    let (mut ledger, _) = store.load_ledger()?;
    ledger.normalise();
    parts.push((
        "ledger grants".to_string(),
        ledger.grants.len(),
        digest(&json(&ledger.grants)),
    ));
    parts.push((
        "standing revocations".to_string(),
        ledger.blocks.len(),
        digest(&json(&ledger.blocks)),
    ));
    let requests = store.load_requests()?.requests;
    parts.push((
        "requests".to_string(),
        requests.len(),
        digest(&json(&requests)),
    ));
    let reviews = store.load_reviews()?.reviews;
    parts.push((
        "reviews".to_string(),
        reviews.len(),
        digest(&json(&reviews)),
    ));
    let credentials = store.load_credentials()?.issued;
    parts.push((
        "issued credentials".to_string(),
        credentials.len(),
        digest(&json(&credentials)),
    ));
    let mut keys: Vec<String> = store.public_keys()?.into_iter().map(|k| k.text).collect();
    keys.sort();
    parts.push((
        "public keys".to_string(),
        keys.len(),
        digest(keys.concat().as_bytes()),
    ));
    for chain in store.chains()? {
        let lines = whole_lines(&store.read_chain(&chain)?.unwrap_or_default());
        parts.push((
            format!("audit chain `{chain}`"),
            lines.len(),
            digest(lines.join("\n").as_bytes()),
        ));
        let head = store.read_head(&chain)?.unwrap_or_default();
        parts.push((
            format!("head of `{chain}`"),
            usize::from(!head.is_empty()),
            digest(head.trim_end().as_bytes()),
        ));
    }
    Ok(parts)
}

/// Returns the parts whose count or content differ between two fingerprints, described.
pub fn differences(
    from: &[(String, usize, String)],
    to: &[(String, usize, String)],
) -> Vec<String> {
    let mut out = Vec::new();
    for (name, count, digest) in from {
        match to.iter().find(|(n, _, _)| n == name) {
            None => out.push(format!("{name}: missing from the copy")),
            Some((_, c, _)) if c != count => {
                out.push(format!("{name}: {count} in the source, {c} in the copy"))
            }
            Some((_, _, d)) if d != digest => out.push(format!("{name}: the content differs")),
            Some(_) => {}
        }
    }
    for (name, _, _) in to {
        if !from.iter().any(|(n, _, _)| n == name) {
            out.push(format!("{name}: in the copy only"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_torn_last_line_is_not_copied() {
        assert_eq!(whole_lines(b"a\nb\nc"), ["a", "b"]);
        assert_eq!(whole_lines(b"a\n"), ["a"]);
        assert!(whole_lines(b"").is_empty());
        assert_eq!(head_seq("{\"seq\":7,\"kind\":\"checkpoint\"}\n"), 7);
    }
}
