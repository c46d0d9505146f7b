//! The chain tails a run has read, remembered until the chain changes.
//!
//! One run reads a client's chain tail several times before it writes: the credential
//! check, the repair of interrupted credential changes, the apply's preparation and the
//! writer continuing the chain. On PostgreSQL each read is a round trip; remembered, a
//! run reads each tail once, and a batch of them in one query.
//!
//! A remembered tail is what the store holds for as long as nobody else writes the
//! chain: a run that writes it holds its client's (or the workspace's) lock, taken
//! before anything is read for it. So the memory is emptied when a lock is taken (tails
//! read before may have moved meanwhile), and a chain is forgotten as soon as this run
//! writes it (whether or not the write went through).

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use super::{ChainTail, StateError};

/// Tails longer than this are read again when asked for, not kept: a chain's tail runs
/// from its last checkpoint, which every finished run writes, so only a chain whose
/// runs crashed has a long one.
const LONGEST_REMEMBERED: usize = 1 << 20;

/// Chain tails read, by chain (`None`: the chain had no line).
#[derive(Default)]
pub struct Tails {
    read: Mutex<Known>,
}

#[derive(Default)]
struct Known {
    tails: HashMap<String, Option<ChainTail>>,
    /// Counts what was forgotten: a tail read while a chain was being written (on
    /// another thread) is not remembered.
    forgotten: u64,
}

impl Tails {
    /// Returns the tails of `chains`, in order: those remembered, and the others from
    /// `read` (called once, with the chains not remembered, in order), which are then
    /// remembered.
    pub fn get(
        &self,
        chains: &[&str],
        read: impl FnOnce(&[&str]) -> Result<Vec<Option<ChainTail>>, StateError>,
    ) -> Result<Vec<Option<ChainTail>>, StateError> {
        let mut have: HashMap<&str, Option<ChainTail>> = HashMap::new();
        let mut missing: Vec<&str> = Vec::new();
        let mut asked: HashSet<&str> = HashSet::new();
        let forgotten = {
            let known = self.read.lock().unwrap_or_else(|e| e.into_inner());
            for &chain in chains {
                if !asked.insert(chain) {
                    continue;
                }
                match known.tails.get(chain) {
                    Some(tail) => {
                        have.insert(chain, tail.clone());
                    }
                    None => missing.push(chain),
                }
            }
            known.forgotten
        };
        if !missing.is_empty() {
            let fresh = read(&missing)?;
            let mut known = self.read.lock().unwrap_or_else(|e| e.into_inner());
            let current = known.forgotten == forgotten;
            for (chain, tail) in missing.into_iter().zip(fresh) {
                let short = tail
                    .as_ref()
                    .is_none_or(|t| t.bytes.len() <= LONGEST_REMEMBERED);
                if current && short {
                    known.tails.insert(chain.to_string(), tail.clone());
                }
                have.insert(chain, tail);
            }
        }
        Ok(chains
            .iter()
            .map(|chain| have.get(chain).cloned().flatten())
            .collect())
    }

    /// Forgets the tail of `chain` (this run is writing it).
    pub fn forget(&self, chain: &str) {
        let mut known = self.read.lock().unwrap_or_else(|e| e.into_inner());
        known.tails.remove(chain);
        known.forgotten += 1;
    }

    /// Forgets every tail (a lock is being taken: tails read before it may have moved).
    pub fn forget_all(&self) {
        let mut known = self.read.lock().unwrap_or_else(|e| e.into_inner());
        known.tails.clear();
        known.forgotten += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    fn tail(text: &str) -> Option<ChainTail> {
        Some(ChainTail {
            bytes: text.as_bytes().to_vec(),
            offset: 0,
            torn: 0,
        })
    }

    fn text(tail: &Option<ChainTail>) -> Option<String> {
        tail.as_ref()
            .map(|t| String::from_utf8(t.bytes.clone()).unwrap())
    }

    #[test]
    fn a_tail_is_read_once_until_its_chain_is_written_or_a_lock_is_taken() {
        let tails = Tails::default();
        let reads: RefCell<Vec<Vec<String>>> = RefCell::new(Vec::new());
        let store = |version: &'static str| {
            let reads = &reads;
            move |chains: &[&str]| {
                reads
                    .borrow_mut()
                    .push(chains.iter().map(|c| c.to_string()).collect());
                Ok(chains
                    .iter()
                    .map(|c| (*c != "new").then(|| tail(&format!("{c} {version}\n")).unwrap()))
                    .collect())
            }
        };
        let got = tails.get(&["a", "b", "new"], store("v1")).unwrap();
        assert_eq!(
            got.iter().map(text).collect::<Vec<_>>(),
            [Some("a v1\n".into()), Some("b v1\n".into()), None]
        );
        // Remembered, the absent chain too: nothing is read.
        let got = tails.get(&["new", "b", "a"], store("v2")).unwrap();
        assert_eq!(
            got.iter().map(text).collect::<Vec<_>>(),
            [None, Some("b v1\n".into()), Some("a v1\n".into())]
        );
        assert_eq!(reads.borrow().len(), 1);
        // A chain written is read again, alone.
        tails.forget("b");
        let got = tails.get(&["a", "b"], store("v2")).unwrap();
        assert_eq!(text(&got[1]), Some("b v2\n".into()));
        assert_eq!(reads.borrow().last().unwrap(), &["b"]);
        // After a lock, every chain is read again.
        tails.forget_all();
        let got = tails.get(&["a", "new"], store("v3")).unwrap();
        assert_eq!(text(&got[0]), Some("a v3\n".into()));
        assert_eq!(reads.borrow().last().unwrap(), &["a", "new"]);
    }

    #[test]
    fn a_failed_read_is_not_remembered_and_a_long_tail_is_read_each_time() {
        let tails = Tails::default();
        let failed = tails.get(&["a"], |_| {
            Err(StateError::Backend {
                detail: "lost".into(),
                hint: None,
            })
        });
        assert!(failed.is_err());
        let long = "x".repeat(LONGEST_REMEMBERED + 1);
        let mut reads = 0;
        for _ in 0..2 {
            let got = tails
                .get(&["a"], |_| {
                    reads += 1;
                    Ok(vec![tail(&long)])
                })
                .unwrap();
            assert_eq!(got[0].as_ref().unwrap().bytes.len(), long.len());
        }
        assert_eq!(reads, 2);
    }

    #[test]
    fn a_tail_read_while_its_chain_is_written_is_not_remembered() {
        let tails = Tails::default();
        let got = tails
            .get(&["a"], |_| {
                // Another thread writes the chain while this read is under way.
                tails.forget("a");
                Ok(vec![tail("old\n")])
            })
            .unwrap();
        assert_eq!(text(&got[0]), Some("old\n".into()));
        let got = tails.get(&["a"], |_| Ok(vec![tail("new\n")])).unwrap();
        assert_eq!(text(&got[0]), Some("new\n".into()));
    }
}
