//! The connection and the statements: documents with revisions, audit chains appended
//! in transactions that check the head, public keys, checkpoints, counts.

use std::sync::Arc;

use postgres::{Client, NoTls};
use sha2::{Digest, Sha256};

use super::url::{DatabaseUrl, Tls};
use super::{PgError, schema};
use crate::audit::entry::GENESIS;

/// A JSON document (`ledger`, `requests`, `reviews`) and the revision it was read at
/// (0: it does not exist yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The JSON text, exactly as written.
    pub body: Option<String>,
    /// The revision read; a write must name it.
    pub revision: i64,
}

impl Document {
    /// Returns the SHA-256 of the body's bytes (`none` when there is no body), as the
    /// file backend computes the ledger's digest.
    pub fn digest(&self) -> String {
        match &self.body {
            Some(body) => hex::encode(Sha256::digest(body.as_bytes())),
            None => "none".into(),
        }
    }
}

/// Where a chain ends: the last entry's sequence number and line hash (0 and the
/// genesis hash for an empty chain).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    /// The last sequence number.
    pub seq: u64,
    /// The SHA-256 of the last line.
    pub hash: String,
}

impl ChainHead {
    /// The head of a chain with no entry.
    pub fn genesis() -> Self {
        ChainHead {
            seq: 0,
            hash: GENESIS.to_string(),
        }
    }
}

/// Row counts, for `onboard state status`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Documents stored (ledger, requests, reviews).
    pub documents: i64,
    /// Audit chains.
    pub chains: i64,
    /// Audit entries across all chains.
    pub entries: i64,
    /// Public keys.
    pub keys: i64,
}

/// An open connection to the state database, its schema current.
pub struct PgStore {
    pub(super) client: Client,
    pub(super) url: Arc<DatabaseUrl>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("url", &self.url).finish()
    }
}

impl PgStore {
    /// Connects, then creates or upgrades the schema (refusing a newer one).
    pub fn open(url: DatabaseUrl) -> Result<Self, PgError> {
        let url = Arc::new(url);
        let mut client = connect(&url)?;
        schema::upgrade(&mut client, &url.target)?;
        Ok(PgStore { client, url })
    }

    /// Returns `postgres://user@host:port/dbname`, without the password.
    pub fn redacted_url(&self) -> &str {
        &self.url.redacted
    }

    /// Returns the server's `host:port`.
    pub fn target(&self) -> &str {
        &self.url.target
    }

    /// Returns the TLS mode in force.
    pub fn tls(&self) -> Tls {
        self.url.tls
    }

    pub(super) fn error(
        &self,
        action: impl Into<String>,
    ) -> impl FnOnce(postgres::Error) -> PgError + '_ {
        let action = action.into();
        move |e| PgError::query(&self.url.target, action, &e)
    }

    /// Returns the schema version in force.
    pub fn schema_version(&mut self) -> Result<i32, PgError> {
        let row = self
            .client
            .query_one("SELECT coalesce(max(version), 0) FROM onboard_schema", &[])
            .map_err(self.error("reading the schema version"))?;
        Ok(row.get(0))
    }

    /// Reads a document and its revision.
    pub fn read_document(&mut self, name: &str) -> Result<Document, PgError> {
        let row = self
            .client
            .query_opt(
                "SELECT body, revision FROM onboard_documents WHERE name = $1",
                &[&name],
            )
            .map_err(self.error(format!("reading the {name}")))?;
        Ok(match row {
            Some(row) => Document {
                body: Some(row.get(0)),
                revision: row.get(1),
            },
            None => Document {
                body: None,
                revision: 0,
            },
        })
    }

    /// Writes a document over the revision `expected` (0: it must not exist yet) and
    /// returns its new revision; fails with [`PgError::Conflict`] when another run
    /// wrote it meanwhile.
    pub fn write_document(
        &mut self,
        name: &str,
        body: &str,
        expected: i64,
    ) -> Result<i64, PgError> {
        let target = self.url.target.clone();
        let error = |e: postgres::Error| PgError::query(&target, format!("writing the {name}"), &e);
        let next = expected + 1;
        let written = if expected == 0 {
            self.client
                .execute(
                    "INSERT INTO onboard_documents (name, body, revision) VALUES ($1, $2, 1)
                     ON CONFLICT (name) DO NOTHING",
                    &[&name, &body],
                )
                .map_err(error)?
        } else {
            self.client
                .execute(
                    "UPDATE onboard_documents SET body = $2, revision = $3
                     WHERE name = $1 AND revision = $4",
                    &[&name, &body, &next, &expected],
                )
                .map_err(error)?
        };
        if written == 1 {
            return Ok(next);
        }
        let found = self.read_document(name)?.revision;
        Err(PgError::Conflict {
            name: name.to_string(),
            expected,
            found,
        })
    }

    /// Returns the names of the chains, sorted.
    pub fn chains(&mut self) -> Result<Vec<String>, PgError> {
        let rows = self
            .client
            .query("SELECT chain FROM onboard_audit_heads ORDER BY chain", &[])
            .map_err(self.error("listing the audit chains"))?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// Returns a chain's head (the genesis head when it has no entry).
    pub fn head(&mut self, chain: &str) -> Result<ChainHead, PgError> {
        let row = self
            .client
            .query_opt(
                "SELECT seq, hash FROM onboard_audit_heads WHERE chain = $1",
                &[&chain],
            )
            .map_err(self.error(format!("reading the head of `{chain}`")))?;
        Ok(match row {
            Some(row) => ChainHead {
                seq: to_seq(row.get(0)),
                hash: row.get(1),
            },
            None => ChainHead::genesis(),
        })
    }

    /// Returns a chain's lines with sequence number above `after`, in order.
    pub fn lines(&mut self, chain: &str, after: u64) -> Result<Vec<(u64, String)>, PgError> {
        let after = to_db(after);
        let rows = self
            .client
            .query(
                "SELECT seq, line FROM onboard_audit_entries WHERE chain = $1 AND seq > $2 ORDER BY seq",
                &[&chain, &after],
            )
            .map_err(self.error(format!("reading the audit chain `{chain}`")))?;
        Ok(rows.iter().map(|r| (to_seq(r.get(0)), r.get(1))).collect())
    }

    /// Appends `lines` (each with its sequence number, in order) to a chain in one
    /// transaction, provided the chain's head is still `expected`: two writers never
    /// fork a chain. Returns the new head. Nothing is written when the head moved.
    pub fn append(
        &mut self,
        chain: &str,
        expected: &ChainHead,
        lines: &[(u64, String)],
    ) -> Result<ChainHead, PgError> {
        let target = self.url.target.clone();
        let action = format!("appending to the audit chain `{chain}`");
        let error = |e: postgres::Error| PgError::query(&target, action.clone(), &e);
        let mut tx = self.client.transaction().map_err(error)?;
        tx.execute(
            "INSERT INTO onboard_audit_heads (chain, seq, hash) VALUES ($1, 0, $2)
             ON CONFLICT (chain) DO NOTHING",
            &[&chain, &GENESIS],
        )
        .map_err(error)?;
        let row = tx
            .query_one(
                "SELECT seq, hash FROM onboard_audit_heads WHERE chain = $1 FOR UPDATE",
                &[&chain],
            )
            .map_err(error)?;
        let found = ChainHead {
            seq: to_seq(row.get(0)),
            hash: row.get(1),
        };
        if found != *expected {
            return Err(PgError::ChainMoved {
                chain: chain.to_string(),
                expected: expected.seq,
                found: found.seq,
            });
        }
        let mut head = found;
        if lines.is_empty() {
            return Ok(head);
        }
        let insert = tx
            .prepare("INSERT INTO onboard_audit_entries (chain, seq, line) VALUES ($1, $2, $3)")
            .map_err(error)?;
        for (seq, line) in lines {
            if *seq != head.seq + 1 {
                return Err(PgError::ChainMoved {
                    chain: chain.to_string(),
                    expected: head.seq + 1,
                    found: *seq,
                });
            }
            tx.execute(&insert, &[&chain, &to_db(*seq), line])
                .map_err(error)?;
            head = ChainHead {
                seq: *seq,
                hash: crate::audit::entry::line_hash(line.as_bytes()),
            };
        }
        tx.execute(
            "UPDATE onboard_audit_heads SET seq = $2, hash = $3 WHERE chain = $1",
            &[&chain, &to_db(head.seq), &head.hash],
        )
        .map_err(error)?;
        tx.commit().map_err(error)?;
        Ok(head)
    }

    /// Returns a chain's latest signed checkpoint (its `.head` file's text), if any.
    pub fn checkpoint(&mut self, chain: &str) -> Result<Option<String>, PgError> {
        let row = self
            .client
            .query_opt(
                "SELECT checkpoint FROM onboard_audit_heads WHERE chain = $1",
                &[&chain],
            )
            .map_err(self.error(format!("reading the checkpoint of `{chain}`")))?;
        Ok(row.and_then(|r| r.get(0)))
    }

    /// Records a chain's latest signed checkpoint.
    pub fn set_checkpoint(&mut self, chain: &str, text: &str) -> Result<(), PgError> {
        self.client
            .execute(
                "INSERT INTO onboard_audit_heads (chain, seq, hash, checkpoint) VALUES ($1, 0, $2, $3)
                 ON CONFLICT (chain) DO UPDATE SET checkpoint = excluded.checkpoint",
                &[&chain, &GENESIS, &text],
            )
            .map_err(self.error(format!("writing the checkpoint of `{chain}`")))?;
        Ok(())
    }

    /// Returns the public keys (id, text of the `.pub` file), sorted by id.
    pub fn public_keys(&mut self) -> Result<Vec<(String, String)>, PgError> {
        let rows = self
            .client
            .query(
                "SELECT key_id, public FROM onboard_audit_keys ORDER BY key_id",
                &[],
            )
            .map_err(self.error("reading the audit public keys"))?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    /// Adds a public key (kept as it is when the id is already there).
    pub fn add_public_key(&mut self, key_id: &str, public: &str) -> Result<(), PgError> {
        self.client
            .execute(
                "INSERT INTO onboard_audit_keys (key_id, public) VALUES ($1, $2)
                 ON CONFLICT (key_id) DO NOTHING",
                &[&key_id, &public],
            )
            .map_err(self.error("writing an audit public key"))?;
        Ok(())
    }

    /// Returns the row counts.
    pub fn counts(&mut self) -> Result<Counts, PgError> {
        let row = self
            .client
            .query_one(
                "SELECT (SELECT count(*) FROM onboard_documents),
                        (SELECT count(*) FROM onboard_audit_heads),
                        (SELECT count(*) FROM onboard_audit_entries),
                        (SELECT count(*) FROM onboard_audit_keys)",
                &[],
            )
            .map_err(self.error("counting rows"))?;
        Ok(Counts {
            documents: row.get(0),
            chains: row.get(1),
            entries: row.get(2),
            keys: row.get(3),
        })
    }
}

/// Opens one session to the server, over TLS unless the URL says `sslmode=disable`.
pub(super) fn connect(url: &DatabaseUrl) -> Result<Client, PgError> {
    let failed = |e: postgres::Error| PgError::Connect {
        target: url.target.clone(),
        detail: super::describe(&e),
    };
    match url.tls {
        Tls::Disable => url.config.connect(NoTls).map_err(failed),
        Tls::Prefer | Tls::Require => {
            let config =
                crate::adapters::ldap::tls_config(url.ca_file.as_deref()).map_err(|detail| {
                    PgError::Tls {
                        target: url.target.clone(),
                        detail,
                    }
                })?;
            let tls = tokio_postgres_rustls::MakeRustlsConnect::new(Arc::unwrap_or_clone(config));
            url.config.connect(tls).map_err(failed)
        }
    }
}

/// Sequence numbers are stored as `bigint`; entries never reach 2^63.
fn to_db(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

fn to_seq(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}
