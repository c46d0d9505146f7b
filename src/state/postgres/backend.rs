//! The [`Store`] contract on PostgreSQL.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{PgError, PgStore};
use crate::state::merge::{merged_credentials, merged_requests, merged_reviews};
use crate::state::{
    ChainBatch, ChainHead, ChainTail, Description, Holder, Ledger, Lock, LockInfo, LockScope,
    Requests, Reviews, StateError, Store, StoredKey, UsedStatements,
};

const LEDGER: &str = "ledger";
const REQUESTS: &str = "requests";
const REVIEWS: &str = "reviews";
const STATEMENTS: &str = "statements";
/// How many chains' tails one query reads at most.
const TAILS_PER_QUERY: usize = 256;

impl From<PgError> for StateError {
    fn from(error: PgError) -> Self {
        match error {
            PgError::Locked { holder, .. } => StateError::Locked { holder },
            PgError::ChainMoved {
                chain,
                expected,
                found,
            } => StateError::ChainMoved {
                chain,
                detail: format!(
                    "expected to end at entry {expected}, but it ends at entry {found}"
                ),
            },
            other => StateError::Backend {
                hint: other.hint(),
                detail: other.to_string(),
            },
        }
    }
}

impl PgStore {
    /// Where a document is kept, for messages.
    fn location(&self, name: &str) -> PathBuf {
        PathBuf::from(format!("{}#{name}", self.redacted_url()))
    }

    /// Reads and parses a document; `None` when there is none yet.
    fn load<D: DeserializeOwned + Default>(
        &self,
        name: &str,
    ) -> Result<Option<(D, String)>, StateError> {
        let Some(text) = self.read_document(name)? else {
            return Ok(None);
        };
        let document = self.parse(name, Some(text.clone()))?;
        Ok(Some((document, text)))
    }

    fn parse<D: DeserializeOwned + Default>(
        &self,
        name: &str,
        text: Option<String>,
    ) -> Result<D, StateError> {
        match text {
            None => Ok(D::default()),
            Some(text) => serde_json::from_str(&text).map_err(|e| StateError::Corrupt {
                path: self.location(name),
                detail: e.to_string(),
            }),
        }
    }

    /// Replaces a document with what `make` builds from the stored one, holding its row.
    fn save<D: Serialize + DeserializeOwned + Default>(
        &self,
        name: &str,
        make: impl FnOnce(D) -> Result<D, StateError>,
    ) -> Result<(), StateError> {
        self.update_document(name, |stored| {
            let document = make(self.parse(name, stored)?)?;
            crate::state::document_text(&document, self.location(name))
        })
    }
}

impl Store for PgStore {
    fn describe(&self) -> Result<Description, StateError> {
        let counts = self.counts()?;
        let details = vec![
            (
                "schema version".to_string(),
                self.schema_version()?.to_string(),
            ),
            ("tls".to_string(), self.tls().name().to_string()),
            ("documents".to_string(), counts.documents.to_string()),
            ("grant records".to_string(), counts.grants.to_string()),
            ("audit chains".to_string(), counts.chains.to_string()),
            ("audit entries".to_string(), counts.entries.to_string()),
            ("public keys".to_string(), counts.keys.to_string()),
        ];
        Ok(Description {
            backend: "postgres",
            location: self.redacted_url().to_string(),
            details,
        })
    }

    fn load_ledger(&self) -> Result<(Ledger, String), StateError> {
        // The digest is of the ledger as the file backend stores it, so one ledger has
        // one digest whichever backend keeps it.
        let stored = match self.read_ledger()? {
            Some(ledger) => {
                let text = crate::state::document_text(&ledger, self.location(LEDGER))?;
                Some((ledger, text.into_bytes()))
            }
            None => None,
        };
        crate::state::checked_ledger(stored, self.location(LEDGER))
    }

    fn save_ledger(&self, ledger: &Ledger, lock: &Lock) -> Result<(), StateError> {
        self.write_ledger(ledger, lock)
    }

    fn load_requests(&self) -> Result<Requests, StateError> {
        Ok(self.load(REQUESTS)?.map(|(d, _)| d).unwrap_or_default())
    }

    fn save_requests(&self, requests: &Requests, lock: &Lock) -> Result<(), StateError> {
        self.save(REQUESTS, |stored| {
            merged_requests(lock, || Ok(stored), requests)
        })
    }

    fn load_reviews(&self) -> Result<Reviews, StateError> {
        Ok(self.load(REVIEWS)?.map(|(d, _)| d).unwrap_or_default())
    }

    fn save_reviews(&self, reviews: &Reviews, lock: &Lock) -> Result<(), StateError> {
        self.save(REVIEWS, |stored| {
            merged_reviews(lock, || Ok(stored), reviews)
        })
    }

    fn load_credentials(&self) -> Result<crate::state::Credentials, StateError> {
        Ok(self
            .load(crate::state::credentials::NAME)?
            .map(|(d, _)| d)
            .unwrap_or_default())
    }

    fn save_credentials(
        &self,
        credentials: &crate::state::Credentials,
        lock: &Lock,
    ) -> Result<(), StateError> {
        self.save(crate::state::credentials::NAME, |stored| {
            merged_credentials(lock, || Ok(stored), credentials)
        })
    }

    fn statement_workspace(&self, _lock: &Lock) -> Result<String, StateError> {
        if let Some((stored, _)) = self.load::<UsedStatements>(STATEMENTS)?
            && !stored.workspace.is_empty()
        {
            return Ok(stored.workspace);
        }
        let id = std::cell::RefCell::new(String::new());
        self.save(STATEMENTS, |mut stored: UsedStatements| {
            *id.borrow_mut() = stored.workspace_id();
            Ok(stored)
        })?;
        Ok(id.into_inner())
    }

    fn claim_statement(
        &self,
        nonce: &str,
        until: time::OffsetDateTime,
        now: time::OffsetDateTime,
        _lock: &Lock,
    ) -> Result<bool, StateError> {
        let claimed = std::cell::Cell::new(false);
        self.save(STATEMENTS, |mut stored: UsedStatements| {
            claimed.set(stored.claim(nonce, until, now));
            Ok(stored)
        })?;
        Ok(claimed.get())
    }

    fn lock(&self, scope: &LockScope, info: &LockInfo, wait: Duration) -> Result<Lock, StateError> {
        let session = self.take_lock(scope, info, wait)?;
        Ok(Lock::new(scope.clone(), Box::new(session)))
    }

    fn writable(&self) -> Result<bool, StateError> {
        Ok(self.may_write()?)
    }

    fn holders(&self) -> Result<Vec<Holder>, StateError> {
        Ok(self
            .lock_holders()?
            .into_iter()
            .map(|(scope, info)| Holder {
                scope,
                info: Some(info),
            })
            .collect())
    }

    fn chains(&self) -> Result<Vec<String>, StateError> {
        Ok(self.chain_names()?)
    }

    fn chain_tail(&self, chain: &str) -> Result<Option<ChainTail>, StateError> {
        // A chain with no line yet (a new client) costs one query.
        let Some(from) = self.tail_start(chain)? else {
            return Ok(None);
        };
        let (bytes, offset) = self.lines_from(chain, from)?;
        Ok(Some(ChainTail {
            bytes,
            offset,
            torn: 0,
        }))
    }

    fn chain_tails(&self, chains: &[&str]) -> Result<Vec<Option<ChainTail>>, StateError> {
        // In slices, so that a workspace of many clients holds a bounded part of its
        // tails in one answer.
        let mut tails = Vec::with_capacity(chains.len());
        for slice in chains.chunks(TAILS_PER_QUERY) {
            tails.extend(self.tails(slice)?.into_iter().map(|tail| {
                tail.map(|(bytes, offset)| ChainTail {
                    bytes,
                    offset,
                    torn: 0,
                })
            }));
        }
        Ok(tails)
    }

    fn append(
        &self,
        chain: &str,
        expected: &ChainHead,
        dropping: u64,
        lines: &[String],
    ) -> Result<(), StateError> {
        Ok(self.append_lines(chain, expected, dropping, lines)?)
    }

    fn append_all(&self, batches: &[ChainBatch<'_>]) -> Result<(), StateError> {
        Ok(self.append_batches(batches)?)
    }

    fn write_head(&self, chain: &str, seq: u64, text: &str) -> Result<(), StateError> {
        Ok(self.set_heads(&[(chain, seq, text)])?)
    }

    fn write_heads(&self, heads: &[(&str, u64, &str)]) -> Result<(), StateError> {
        Ok(self.set_heads(heads)?)
    }

    fn read_chain(&self, chain: &str) -> Result<Option<Vec<u8>>, StateError> {
        let (bytes, _) = self.lines_from(chain, 1)?;
        Ok((!bytes.is_empty()).then_some(bytes))
    }

    fn read_head(&self, chain: &str) -> Result<Option<String>, StateError> {
        Ok(self.head(chain)?)
    }

    fn chain_location(&self, chain: &str) -> PathBuf {
        PathBuf::from(format!("{}#audit/{chain}", self.redacted_url()))
    }

    fn head_location(&self, chain: &str) -> PathBuf {
        PathBuf::from(format!("{}#audit/{chain}.head", self.redacted_url()))
    }

    fn audit_location(&self) -> PathBuf {
        PathBuf::from(format!("{}#audit", self.redacted_url()))
    }

    fn public_keys(&self) -> Result<Vec<StoredKey>, StateError> {
        Ok(self
            .keys()?
            .into_iter()
            .map(|(id, text)| StoredKey {
                location: PathBuf::from(format!("{}#audit/{id}.pub", self.redacted_url())),
                text,
            })
            .collect())
    }

    fn put_public_key(&self, key_id: &str, text: &str) -> Result<PathBuf, StateError> {
        self.store_key(key_id, text)?;
        Ok(PathBuf::from(format!(
            "{}#audit/{key_id}.pub",
            self.redacted_url()
        )))
    }
}
