//! The connection and the statements: documents changed under a row lock, audit chains
//! appended in transactions that check the head, heads, public keys, counts.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use postgres::{Client, NoTls};

use super::ledger::LedgerCache;
use super::url::{DatabaseUrl, Tls};
use super::{PgError, schema};
use crate::audit::entry::{GENESIS, line_hash};
use crate::state::{CHECKPOINT_MARKER, ChainBatch, ChainHead};

/// Row counts, for `onboard state status`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Documents stored (requests, reviews, statements, standing revocations).
    pub documents: i64,
    /// Grant records in the ledger.
    pub grants: i64,
    /// Audit chains.
    pub chains: i64,
    /// Audit entries across all chains.
    pub entries: i64,
    /// Public keys.
    pub keys: i64,
}

/// A chain's bytes from some line on (whole lines, each ending in a newline) and the
/// bytes the lines before them take.
pub type Lines = (Vec<u8>, u64);

/// The most lines one block (a row of `onboard_audit_blocks`) holds: an append of more
/// is stored as several. The upgrade from schema 2 moves rows in blocks of as many.
const BLOCK_LINES: usize = 1000;

/// An open connection to the state database, its schema current. One session serves
/// every thread of a run, one statement at a time; each lock has a session of its own.
pub struct PgStore {
    client: Mutex<Client>,
    pub(super) url: Arc<DatabaseUrl>,
    /// What this process last read or wrote of the ledger.
    ledger: Mutex<LedgerCache>,
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
        Ok(PgStore {
            client: Mutex::new(client),
            url,
            ledger: Mutex::new(LedgerCache::default()),
        })
    }

    /// Returns `postgres://user@host:port/dbname`, without the password.
    pub fn redacted_url(&self) -> &str {
        &self.url.redacted
    }

    /// Returns the TLS mode in force.
    pub fn tls(&self) -> Tls {
        self.url.tls
    }

    /// The session, for one statement or transaction at a time.
    pub(super) fn session(&self) -> MutexGuard<'_, Client> {
        self.client.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What this process last read or wrote of the ledger (taken after the session,
    /// never before it).
    pub(super) fn ledger_cache(&self) -> MutexGuard<'_, LedgerCache> {
        self.ledger.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Returns how to wrap a client error met while `action`.
    pub(super) fn error(
        &self,
        action: impl Into<String>,
    ) -> impl FnOnce(postgres::Error) -> PgError + '_ {
        let action = action.into();
        move |e| PgError::query(&self.url.target, action, &e)
    }

    /// Returns the schema version in force.
    pub fn schema_version(&self) -> Result<i32, PgError> {
        let row = self
            .session()
            .query_one("SELECT coalesce(max(version), 0) FROM onboard_schema", &[])
            .map_err(self.error("reading the schema version"))?;
        Ok(row.get(0))
    }

    /// Says whether this session's role may write what a run records: append audit
    /// entries, move chain heads, and name itself as a lock's holder.
    pub fn may_write(&self) -> Result<bool, PgError> {
        let row = self
            .session()
            .query_one(
                "SELECT has_table_privilege('onboard_audit_blocks', 'INSERT')
                    AND has_table_privilege('onboard_audit_heads', 'INSERT, UPDATE')
                    AND has_table_privilege('onboard_lock_holders', 'INSERT, UPDATE, DELETE')",
                &[],
            )
            .map_err(self.error("reading the role's privileges"))?;
        Ok(row.get(0))
    }

    /// Reads a document's text, if it exists.
    pub fn read_document(&self, name: &str) -> Result<Option<String>, PgError> {
        let row = self
            .session()
            .query_opt(
                "SELECT body FROM onboard_documents WHERE name = $1",
                &[&name],
            )
            .map_err(self.error(format!("reading the {name}")))?;
        Ok(row.map(|r| r.get(0)))
    }

    /// Replaces a document with what `change` makes of its stored text, in one
    /// transaction holding the document's row: writers of one document take turns, and
    /// none loses another's write.
    pub fn update_document<E: From<PgError>>(
        &self,
        name: &str,
        change: impl FnOnce(Option<String>) -> Result<String, E>,
    ) -> Result<(), E> {
        let mut session = self.session();
        let error = |e: postgres::Error| {
            PgError::query(&self.url.target, format!("writing the {name}"), &e)
        };
        let mut tx = session.transaction().map_err(error)?;
        // The row exists before it is locked, so first writers take turns too.
        tx.execute(
            "INSERT INTO onboard_documents (name, body, revision) VALUES ($1, '', 0)
             ON CONFLICT (name) DO NOTHING",
            &[&name],
        )
        .map_err(error)?;
        let row = tx
            .query_one(
                "SELECT body, revision FROM onboard_documents WHERE name = $1 FOR UPDATE",
                &[&name],
            )
            .map_err(error)?;
        let revision: i64 = row.get(1);
        let stored: String = row.get(0);
        let body = change((revision > 0).then_some(stored))?;
        tx.execute(
            "UPDATE onboard_documents SET body = $2, revision = revision + 1 WHERE name = $1",
            &[&name, &body],
        )
        .map_err(error)?;
        tx.commit().map_err(error)?;
        Ok(())
    }

    /// Returns the names of the chains, sorted.
    pub fn chain_names(&self) -> Result<Vec<String>, PgError> {
        let rows = self
            .session()
            .query(
                "SELECT chain FROM onboard_audit_heads WHERE seq > 0 ORDER BY chain",
                &[],
            )
            .map_err(self.error("listing the audit chains"))?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// Returns a chain's bytes from sequence number `from` on (whole lines, each ending
    /// in a newline) and the number of bytes the lines before them take. Reads no block
    /// before the one holding line `from`: where that block starts comes from its end
    /// offset and its length.
    pub fn lines_from(&self, chain: &str, from: u64) -> Result<Lines, PgError> {
        let rows = self
            .session()
            .query(
                "SELECT first_seq, end_offset, lines FROM onboard_audit_blocks
                 WHERE chain = $1 AND first_seq >= coalesce((
                     SELECT max(first_seq) FROM onboard_audit_blocks
                     WHERE chain = $1 AND first_seq <= $2::bigint
                 ), 0)
                 ORDER BY first_seq",
                &[&chain, &to_db(from)],
            )
            .map_err(self.error(format!("reading the audit chain `{chain}`")))?;
        let mut tail = Tail::new(from);
        for row in &rows {
            tail.add(row.get(0), row.get(1), row.get(2));
        }
        Ok(tail.finish())
    }

    /// Returns the tails of `chains` (see [`PgStore::tail_start`] and
    /// [`PgStore::lines_from`]): each chain's bytes from its last checkpoint on and the
    /// bytes before them, `None` for a chain with no line. One query for every chain:
    /// its heads and blocks are read in one snapshot.
    pub fn tails(&self, chains: &[&str]) -> Result<Vec<Option<Lines>>, PgError> {
        let rows = self
            .session()
            .query(
                "SELECT h.chain, coalesce(h.tail_seq, 1), b.first_seq, b.end_offset, b.lines
                 FROM onboard_audit_heads h
                 LEFT JOIN LATERAL (
                     SELECT first_seq, end_offset, lines FROM onboard_audit_blocks b
                     WHERE b.chain = h.chain AND b.first_seq >= coalesce((
                         SELECT max(p.first_seq) FROM onboard_audit_blocks p
                         WHERE p.chain = h.chain AND p.first_seq <= coalesce(h.tail_seq, 1)
                     ), 0)
                 ) b ON true
                 WHERE h.chain = ANY($1) AND h.seq > 0
                 ORDER BY h.chain, b.first_seq",
                &[&chains],
            )
            .map_err(self.error(format!(
                "reading the tails of {} audit chains",
                chains.len()
            )))?;
        let mut found: HashMap<String, Tail> = HashMap::new();
        for row in &rows {
            let tail = found
                .entry(row.get(0))
                .or_insert_with(|| Tail::new(to_seq(row.get(1))));
            // A head with no block after its checkpoint (never written so) joins nothing.
            if let Some(first) = row.get::<_, Option<i64>>(2) {
                tail.add(first, row.get(3), row.get(4));
            }
        }
        Ok(chains
            .iter()
            .map(|chain| found.remove(*chain).map(Tail::finish))
            .collect())
    }

    /// Returns the sequence number of a chain's last checkpoint line (1 when it has
    /// none), or `None` when the chain has no line: one row of the heads table.
    pub fn tail_start(&self, chain: &str) -> Result<Option<u64>, PgError> {
        let row = self
            .session()
            .query_opt(
                "SELECT seq, tail_seq FROM onboard_audit_heads WHERE chain = $1",
                &[&chain],
            )
            .map_err(self.error(format!("reading the tail of `{chain}`")))?;
        Ok(row.and_then(|row| {
            let head: i64 = row.get(0);
            let checkpoint: Option<i64> = row.get(1);
            (head > 0).then(|| checkpoint.map_or(1, to_seq))
        }))
    }

    /// Appends `lines` (sequence numbers `expected.seq + 1` on) to a chain in one
    /// transaction, provided the chain still ends at `expected`: two writers never fork
    /// a chain. Nothing is written when it moved. The `dropping` lines after `expected`
    /// (see [`crate::state::Store::append`]) are deleted in the same transaction.
    pub fn append_lines(
        &self,
        chain: &str,
        expected: &ChainHead,
        dropping: u64,
        lines: &[String],
    ) -> Result<(), PgError> {
        self.append_batches(&[ChainBatch {
            chain,
            expected,
            dropping,
            lines,
        }])
    }

    /// Appends to several chains in one transaction, each as [`PgStore::append_lines`]
    /// does: all of them, or (when one chain moved) none. Each chain's lines are one
    /// block (a row; more for more than `BLOCK_LINES` lines), and the same five
    /// statements serve any number of chains (rows sent as arrays), so a write that
    /// spans many clients costs no more round trips than one.
    pub fn append_batches(&self, batches: &[ChainBatch<'_>]) -> Result<(), PgError> {
        let mut session = self.session();
        let chains: Vec<&str> = batches.iter().map(|b| b.chain).collect();
        let names = chains.join("`, `");
        let error = |e| {
            PgError::query(
                &self.url.target,
                format!("appending to the audit chain `{names}`"),
                &e,
            )
        };
        let mut tx = session.transaction().map_err(error)?;
        // Each statement is sent with its parameters' types, parsed and run in one round
        // trip: a write is four (begin, lock, write, commit), so the server's turn to
        // answer, not its work, is what a busy machine makes a write wait for least.
        let found = lock_heads(&mut tx, &chains).map_err(error)?;
        let found: HashMap<&str, (ChainHead, i64, Option<i64>)> = found
            .iter()
            .map(|row| {
                let head = ChainHead {
                    seq: to_seq(row.get(1)),
                    hash: row.get(2),
                };
                (row.get(0), (head, row.get(3), row.get(4)))
            })
            .collect();
        let mut blocks = Blocks::default();
        let mut heads = Heads::default();
        for batch in batches {
            let (head, bytes, tail_seq) =
                found
                    .get(batch.chain)
                    .cloned()
                    .ok_or_else(|| PgError::ChainMoved {
                        chain: batch.chain.to_string(),
                        expected: batch.expected.seq,
                        found: 0,
                    })?;
            let (mut bytes, mut tail_seq) = if batch.dropping > 0 {
                self.drop_unvouched(&mut tx, batch, &head)?
            } else if head != *batch.expected {
                return Err(PgError::ChainMoved {
                    chain: batch.chain.to_string(),
                    expected: batch.expected.seq,
                    found: head.seq,
                });
            } else {
                (bytes, tail_seq)
            };
            let Some(last) = batch.lines.last() else {
                if batch.dropping > 0 {
                    heads.push(
                        batch.chain,
                        batch.expected.seq,
                        &batch.expected.hash,
                        bytes,
                        tail_seq,
                    );
                }
                continue;
            };
            let mut first = batch.expected.seq + 1;
            for lines in batch.lines.chunks(BLOCK_LINES) {
                let (text, checkpoint) = block_of(lines, first);
                bytes += i64::try_from(text.len()).unwrap_or(i64::MAX);
                tail_seq = checkpoint.or(tail_seq);
                blocks.chains.push(batch.chain);
                blocks.firsts.push(to_db(first));
                blocks.lasts.push(to_db(first + lines.len() as u64 - 1));
                blocks.offsets.push(bytes);
                blocks.checkpoints.push(checkpoint);
                blocks.lines.push(text);
                first += lines.len() as u64;
            }
            heads.push(
                batch.chain,
                first - 1,
                &line_hash(last.as_bytes()),
                bytes,
                tail_seq,
            );
        }
        if !heads.chains.is_empty() {
            use postgres::types::Type;
            tx.execute_typed(
                "WITH written AS (
                     INSERT INTO onboard_audit_blocks
                         (chain, first_seq, last_seq, end_offset, checkpoint, lines)
                     SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[],
                                          $4::bigint[], $5::bigint[], $6::text[])
                 )
                 UPDATE onboard_audit_heads AS h
                 SET seq = u.seq, hash = u.hash, bytes = u.bytes, tail_seq = u.tail_seq
                 FROM unnest($7::text[], $8::bigint[], $9::text[], $10::bigint[], $11::bigint[])
                     AS u(chain, seq, hash, bytes, tail_seq)
                 WHERE h.chain = u.chain",
                &[
                    (&blocks.chains, Type::TEXT_ARRAY),
                    (&blocks.firsts, Type::INT8_ARRAY),
                    (&blocks.lasts, Type::INT8_ARRAY),
                    (&blocks.offsets, Type::INT8_ARRAY),
                    (&blocks.checkpoints, Type::INT8_ARRAY),
                    (&blocks.lines, Type::TEXT_ARRAY),
                    (&heads.chains, Type::TEXT_ARRAY),
                    (&heads.seqs, Type::INT8_ARRAY),
                    (&heads.hashes, Type::TEXT_ARRAY),
                    (&heads.bytes, Type::INT8_ARRAY),
                    (&heads.tail_seqs, Type::INT8_ARRAY),
                ],
            )
            .map_err(error)?;
        }
        tx.commit().map_err(error)
    }

    /// Deletes the `dropping` lines a batch names after its expected head (a write a
    /// crash cut short), once the chain is found to end exactly there and the line
    /// before them is the one expected; returns the chain's bytes and last checkpoint
    /// after the cut. The block holding the expected head keeps its lines up to it;
    /// the blocks after it are deleted.
    fn drop_unvouched(
        &self,
        tx: &mut postgres::Transaction<'_>,
        batch: &ChainBatch<'_>,
        found: &ChainHead,
    ) -> Result<(i64, Option<i64>), PgError> {
        let ChainBatch {
            chain,
            expected,
            dropping,
            ..
        } = *batch;
        let error = |e| {
            PgError::query(
                &self.url.target,
                format!("appending to the audit chain `{chain}`"),
                &e,
            )
        };
        let moved = || PgError::ChainMoved {
            chain: chain.to_string(),
            expected: expected.seq,
            found: found.seq,
        };
        if found.seq != expected.seq.saturating_add(dropping) {
            return Err(moved());
        }
        let seq = to_db(expected.seq);
        let holding = tx
            .query_opt(
                "SELECT first_seq, end_offset, lines FROM onboard_audit_blocks
                 WHERE chain = $1 AND first_seq <= $2 ORDER BY first_seq DESC LIMIT 1",
                &[&chain, &seq],
            )
            .map_err(error)?;
        // The block holding the expected line, cut after it: its first line, where the
        // cut ends in the chain's bytes, and the lines kept.
        let kept = match &holding {
            Some(row) => {
                let (first, end, text): (i64, i64, &str) = (row.get(0), row.get(1), row.get(2));
                let keep = usize::try_from(seq - first + 1).unwrap_or(usize::MAX);
                let cut = line_end(text, keep).ok_or_else(moved)?;
                let start = end - i64::try_from(text.len()).unwrap_or(0);
                Some((first, start + i64::try_from(cut).unwrap_or(0), &text[..cut]))
            }
            None => None,
        };
        let hash = match kept {
            Some((_, _, text)) => {
                let line = text.strip_suffix('\n').unwrap_or(text);
                line_hash(line.rsplit('\n').next().unwrap_or(line).as_bytes())
            }
            None => GENESIS.to_string(),
        };
        if hash != expected.hash {
            return Err(moved());
        }
        tx.execute(
            "DELETE FROM onboard_audit_blocks WHERE chain = $1 AND first_seq > $2",
            &[&chain, &seq],
        )
        .map_err(error)?;
        if let Some((first, end, text)) = kept {
            let checkpoint = text
                .lines()
                .zip(first..)
                .filter(|(line, _)| line.contains(CHECKPOINT_MARKER))
                .map(|(_, seq)| seq)
                .last();
            tx.execute(
                "UPDATE onboard_audit_blocks
                 SET last_seq = $3, end_offset = $4, checkpoint = $5, lines = $6
                 WHERE chain = $1 AND first_seq = $2 AND last_seq > $3",
                &[&chain, &first, &seq, &end, &checkpoint, &text],
            )
            .map_err(error)?;
        }
        let tail_seq = tx
            .query_one(
                "SELECT max(checkpoint) FROM onboard_audit_blocks WHERE chain = $1",
                &[&chain],
            )
            .map_err(error)?
            .get(0);
        Ok((kept.map_or(0, |(_, end, _)| end), tail_seq))
    }

    /// Returns a chain's signed head text, if any.
    pub fn head(&self, chain: &str) -> Result<Option<String>, PgError> {
        let row = self
            .session()
            .query_opt(
                "SELECT head FROM onboard_audit_heads WHERE chain = $1",
                &[&chain],
            )
            .map_err(self.error(format!("reading the head of `{chain}`")))?;
        Ok(row.and_then(|r| r.get(0)))
    }

    /// Records the signed heads of chains (chain, seq, text) in one statement, each
    /// unless a head with a higher `seq` is stored.
    pub fn set_heads(&self, heads: &[(&str, u64, &str)]) -> Result<(), PgError> {
        let chains: Vec<&str> = heads.iter().map(|h| h.0).collect();
        let seqs: Vec<i64> = heads.iter().map(|h| to_db(h.1)).collect();
        let texts: Vec<&str> = heads.iter().map(|h| h.2).collect();
        self.session()
            .execute(
                "INSERT INTO onboard_audit_heads (chain, seq, hash, head_seq, head)
                 SELECT chain, 0, $4, head_seq, head FROM unnest($1::text[], $2::bigint[], $3::text[]) AS h(chain, head_seq, head)
                 ON CONFLICT (chain) DO UPDATE SET head_seq = excluded.head_seq, head = excluded.head
                 WHERE onboard_audit_heads.head_seq IS NULL OR onboard_audit_heads.head_seq <= excluded.head_seq",
                &[&chains, &seqs, &texts, &GENESIS],
            )
            .map_err(self.error(format!("writing the head of `{}`", chains.join("`, `"))))?;
        Ok(())
    }

    /// Returns the public keys (id, text), sorted by id.
    pub fn keys(&self) -> Result<Vec<(String, String)>, PgError> {
        let rows = self
            .session()
            .query(
                "SELECT key_id, public FROM onboard_audit_keys ORDER BY key_id",
                &[],
            )
            .map_err(self.error("reading the audit public keys"))?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    /// Stores a public key, replacing one of the same id.
    pub fn store_key(&self, key_id: &str, public: &str) -> Result<(), PgError> {
        self.session()
            .execute(
                "INSERT INTO onboard_audit_keys (key_id, public) VALUES ($1, $2)
                 ON CONFLICT (key_id) DO UPDATE SET public = excluded.public",
                &[&key_id, &public],
            )
            .map_err(self.error("writing an audit public key"))?;
        Ok(())
    }

    /// Returns the row counts.
    pub fn counts(&self) -> Result<Counts, PgError> {
        let row = self
            .session()
            .query_one(
                "SELECT (SELECT count(*) FROM onboard_documents WHERE revision > 0),
                        (SELECT coalesce(sum(grants), 0)::bigint FROM onboard_ledger_clients),
                        (SELECT count(*) FROM onboard_audit_heads WHERE seq > 0),
                        (SELECT coalesce(sum(last_seq - first_seq + 1), 0)::bigint
                         FROM onboard_audit_blocks),
                        (SELECT count(*) FROM onboard_audit_keys)",
                &[],
            )
            .map_err(self.error("counting rows"))?;
        Ok(Counts {
            documents: row.get(0),
            grants: row.get(1),
            chains: row.get(2),
            entries: row.get(3),
            keys: row.get(4),
        })
    }
}

/// Locks the heads of `chains`, in one order (so two writers of overlapping chains
/// never wait in a circle), making those that do not exist yet; returns them (chain,
/// seq, hash, bytes, tail_seq). One round trip when every chain exists.
fn lock_heads(
    tx: &mut postgres::Transaction<'_>,
    chains: &[&str],
) -> Result<Vec<postgres::Row>, postgres::Error> {
    use postgres::types::Type;
    const LOCK: &str = "SELECT chain, seq, hash, bytes, tail_seq FROM onboard_audit_heads
                        WHERE chain = ANY($1) ORDER BY chain FOR UPDATE";
    let mut rows = tx.query_typed(LOCK, &[(&chains, Type::TEXT_ARRAY)])?;
    if rows.len() < chains.len() {
        let known: std::collections::HashSet<&str> = rows.iter().map(|r| r.get(0)).collect();
        let mut new: Vec<&str> = chains
            .iter()
            .copied()
            .filter(|c| !known.contains(c))
            .collect();
        new.sort_unstable();
        new.dedup();
        // A row exists before it is locked, so first writers of a chain take turns too.
        tx.execute_typed(
            "INSERT INTO onboard_audit_heads (chain, seq, hash)
             SELECT unnest($1::text[]), 0, $2 ON CONFLICT (chain) DO NOTHING",
            &[(&new, Type::TEXT_ARRAY), (&GENESIS, Type::TEXT)],
        )?;
        rows.extend(tx.query_typed(LOCK, &[(&new, Type::TEXT_ARRAY)])?);
    }
    Ok(rows)
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

/// Audit blocks of one insert, as columns.
#[derive(Default)]
struct Blocks<'a> {
    chains: Vec<&'a str>,
    firsts: Vec<i64>,
    lasts: Vec<i64>,
    offsets: Vec<i64>,
    checkpoints: Vec<Option<i64>>,
    lines: Vec<String>,
}

/// Returns a block's text (the lines, each ending in a newline) and the sequence number
/// of its last checkpoint line, its first line numbered `first`.
fn block_of(lines: &[String], first: u64) -> (String, Option<i64>) {
    let mut text = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
    let mut checkpoint = None;
    for (seq, line) in (first..).zip(lines) {
        if line.contains(CHECKPOINT_MARKER) {
            checkpoint = Some(to_db(seq));
        }
        text.push_str(line);
        text.push('\n');
    }
    (text, checkpoint)
}

/// Returns where the `lines`-th line of a block's text ends (after its newline), 0 for
/// none; `None` when the text holds fewer lines.
fn line_end(text: &str, lines: usize) -> Option<usize> {
    match lines.checked_sub(1) {
        None => Some(0),
        Some(n) => text.match_indices('\n').nth(n).map(|(i, _)| i + 1),
    }
}

/// A chain's bytes from line `from` on, gathered from its blocks in order.
struct Tail {
    from: u64,
    bytes: Vec<u8>,
    /// Where the bytes start in the chain, once the first block is in.
    offset: Option<u64>,
}

impl Tail {
    fn new(from: u64) -> Self {
        Tail {
            from,
            bytes: Vec::new(),
            offset: None,
        }
    }

    /// Adds a block: the first one from line `from` on, the others whole.
    fn add(&mut self, first: i64, end: i64, text: &str) {
        let cut = match self.offset {
            Some(_) => 0,
            None => {
                let skip = self.from.saturating_sub(to_seq(first));
                let cut = line_end(text, usize::try_from(skip).unwrap_or(usize::MAX))
                    .unwrap_or(text.len());
                let start = to_seq(end).saturating_sub(text.len() as u64);
                self.offset = Some(start + cut as u64);
                cut
            }
        };
        self.bytes.extend_from_slice(&text.as_bytes()[cut..]);
    }

    fn finish(self) -> Lines {
        (self.bytes, self.offset.unwrap_or(0))
    }
}

/// Chain heads of one update, as columns.
#[derive(Default)]
struct Heads<'a> {
    chains: Vec<&'a str>,
    seqs: Vec<i64>,
    hashes: Vec<String>,
    bytes: Vec<i64>,
    tail_seqs: Vec<Option<i64>>,
}

impl<'a> Heads<'a> {
    fn push(&mut self, chain: &'a str, seq: u64, hash: &str, bytes: i64, tail_seq: Option<i64>) {
        self.chains.push(chain);
        self.seqs.push(to_db(seq));
        self.hashes.push(hash.to_string());
        self.bytes.push(bytes);
        self.tail_seqs.push(tail_seq);
    }
}
