//! The grant ledger as rows: one row per grant record in `onboard_ledger_grants`, keyed
//! by client and (tenant, entitlement, identity, account); a revision per client in
//! `onboard_ledger_clients`; the standing revocations as one small document.
//!
//! A save writes only the rows that changed since this process last read or wrote the
//! client, under the client's revision row (locked for the transaction): a client whose
//! revision moved since (another process wrote it) is read again before the difference
//! is worked out, so a save never writes from a stale picture. A save under client locks
//! touches the rows of those clients only, so runs on different clients never lose each
//! other's records and never wait on each other's rows.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use postgres::Transaction;

use super::{PgError, PgStore};
use crate::model::{Block, GrantRecord};
use crate::state::{FORMAT_VERSION, Ledger, Lock, StateError};

/// The document the standing revocations are kept in.
pub(super) const BLOCKS: &str = "ledger-blocks";

/// What this process last read or wrote of the ledger, per client: the client's revision
/// then and its records by key.
#[derive(Default)]
pub(super) struct LedgerCache {
    clients: HashMap<String, Known>,
}

struct Known {
    revision: i64,
    records: HashMap<String, GrantRecord>,
}

/// What the cache learns of one client once a save commits.
struct Learnt {
    client: String,
    revision: i64,
    /// Its records as read afresh, when the cache did not know them.
    read: Option<HashMap<String, GrantRecord>>,
    /// The records the save wrote.
    put: Vec<(String, GrantRecord)>,
    /// The keys it deleted.
    gone: Vec<String>,
}

/// Returns a client's records by key: `["tenant","entitlement","identity","account"]`
/// (the account lowercased, as records of one account are one record). Two records with
/// one key (a hand-edited ledger) are both kept, the second under the key with its
/// ordinal appended.
fn keyed<'a>(
    records: impl IntoIterator<Item = &'a GrantRecord>,
) -> HashMap<String, &'a GrantRecord> {
    let records = records.into_iter();
    let mut keyed = HashMap::with_capacity(records.size_hint().0);
    for record in records {
        let mut parts = vec![
            record.tenant.clone(),
            record.entitlement.to_string(),
            record.identity.clone(),
            record.account.to_ascii_lowercase(),
        ];
        let mut key = serde_json::to_string(&parts).unwrap_or_default();
        let mut ordinal = 1;
        while keyed.contains_key(&key) {
            ordinal += 1;
            parts.truncate(4);
            parts.push(ordinal.to_string());
            key = serde_json::to_string(&parts).unwrap_or_default();
        }
        keyed.insert(key, record);
    }
    keyed
}

/// Returns the rows (client, key, record text) of a ledger's grants, for the schema
/// upgrade that moves a ledger document into rows.
pub(super) fn rows_of(grants: &[GrantRecord]) -> Vec<(String, String, String)> {
    let mut by_client: BTreeMap<&str, Vec<&GrantRecord>> = BTreeMap::new();
    for grant in grants {
        by_client.entry(&grant.client).or_default().push(grant);
    }
    by_client
        .into_iter()
        .flat_map(|(client, records)| {
            keyed(records)
                .into_iter()
                .map(move |(key, record)| (client.to_string(), key, text_of(record)))
        })
        .collect()
}

fn text_of(record: &GrantRecord) -> String {
    serde_json::to_string(record).unwrap_or_default()
}

/// Inserts or replaces rows (client, key, record text) in one statement.
pub(super) fn upsert_rows(
    tx: &mut Transaction<'_>,
    rows: &[(String, String, String)],
) -> Result<(), postgres::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let (clients, keys, records) = rows.iter().cloned().fold(
        (Vec::new(), Vec::new(), Vec::new()),
        |(mut c, mut k, mut r), (client, key, record)| {
            c.push(client);
            k.push(key);
            r.push(record);
            (c, k, r)
        },
    );
    tx.execute(
        "INSERT INTO onboard_ledger_grants (client, key, record)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
         ON CONFLICT (client, key) DO UPDATE SET record = excluded.record",
        &[&clients, &keys, &records],
    )?;
    Ok(())
}

/// Writes the standing revocations' document.
pub(super) fn put_blocks(
    tx: &mut Transaction<'_>,
    blocks: &[Block],
) -> Result<(), postgres::Error> {
    let body = serde_json::to_string(blocks).unwrap_or_else(|_| "[]".into());
    tx.execute(
        "INSERT INTO onboard_documents (name, body, revision) VALUES ($1, $2, 1)
         ON CONFLICT (name) DO UPDATE SET body = excluded.body,
             revision = onboard_documents.revision + 1
         WHERE onboard_documents.body <> excluded.body",
        &[&BLOCKS, &body],
    )?;
    Ok(())
}

impl PgStore {
    fn corrupt(&self, what: &str, detail: impl std::fmt::Display) -> StateError {
        StateError::Corrupt {
            path: std::path::PathBuf::from(format!("{}#{what}", self.redacted_url())),
            detail: detail.to_string(),
        }
    }

    fn parse_record(&self, client: &str, text: &str) -> Result<GrantRecord, StateError> {
        serde_json::from_str(text).map_err(|e| self.corrupt(&format!("ledger/{client}"), e))
    }

    /// Reads the ledger in one consistent snapshot; `None` when none was ever written.
    /// Remembers what it read, so the next save writes only what changed.
    pub(super) fn read_ledger(&self) -> Result<Option<Ledger>, StateError> {
        let mut session = self.session();
        let error = |e| PgError::query(&self.url.target, "reading the grant ledger", &e);
        let mut tx = session
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .map_err(error)?;
        let revisions = tx
            .query("SELECT client, revision FROM onboard_ledger_clients", &[])
            .map_err(error)?;
        let rows = tx
            .query("SELECT client, key, record FROM onboard_ledger_grants", &[])
            .map_err(error)?;
        let blocks = tx
            .query_opt(
                "SELECT body FROM onboard_documents WHERE name = $1",
                &[&BLOCKS],
            )
            .map_err(error)?;
        tx.commit().map_err(error)?;
        if revisions.is_empty() && blocks.is_none() {
            return Ok(None);
        }
        let mut cache: HashMap<String, Known> = revisions
            .iter()
            .map(|r| {
                (
                    r.get(0),
                    Known {
                        revision: r.get(1),
                        records: HashMap::new(),
                    },
                )
            })
            .collect();
        let mut grants = Vec::with_capacity(rows.len());
        for row in &rows {
            let (client, key, text): (String, String, &str) = (row.get(0), row.get(1), row.get(2));
            let record = self.parse_record(&client, text)?;
            if let Some(known) = cache.get_mut(&client) {
                known.records.insert(key, record.clone());
            }
            grants.push(record);
        }
        let blocks: Vec<Block> = match blocks {
            Some(row) => {
                serde_json::from_str(row.get::<_, &str>(0)).map_err(|e| self.corrupt(BLOCKS, e))?
            }
            None => Vec::new(),
        };
        self.ledger_cache().clients = cache;
        let mut ledger = Ledger {
            format_version: FORMAT_VERSION,
            grants,
            blocks,
        };
        ledger.normalise();
        Ok(Some(ledger))
    }

    /// Saves the grants of the clients `lock` covers (and, under a workspace lock, the
    /// standing revocations), writing only the rows that changed.
    pub(super) fn write_ledger(&self, ledger: &Ledger, lock: &Lock) -> Result<(), StateError> {
        let mut session = self.session();
        let error = |e| PgError::query(&self.url.target, "writing the grant ledger", &e);
        let mut ours: BTreeMap<&str, Vec<&GrantRecord>> = BTreeMap::new();
        for grant in ledger.grants.iter().filter(|g| lock.covers(&g.client)) {
            ours.entry(&grant.client).or_default().push(grant);
        }
        let mut tx = session.transaction().map_err(error)?;
        let mut covered: BTreeSet<String> = ours.keys().map(|c| c.to_string()).collect();
        if lock.is_workspace() {
            for row in tx
                .query("SELECT client FROM onboard_ledger_clients", &[])
                .map_err(error)?
            {
                covered.insert(row.get(0));
            }
        } else {
            covered.extend(lock.scopes().iter().filter_map(|s| match s {
                crate::state::LockScope::Client(c) => Some(c.clone()),
                crate::state::LockScope::Workspace => None,
            }));
        }
        let covered: Vec<String> = covered.into_iter().collect();
        // A client whose revision row this save creates has no rows yet: none to read.
        let created: HashSet<String> = tx
            .query(
                "INSERT INTO onboard_ledger_clients (client, revision)
                 SELECT unnest($1::text[]), 0 ON CONFLICT (client) DO NOTHING
                 RETURNING client",
                &[&covered],
            )
            .map_err(error)?
            .iter()
            .map(|row| row.get(0))
            .collect();
        // In one order, so two saves of overlapping clients never wait in a circle.
        let revisions = tx
            .query(
                "SELECT client, revision FROM onboard_ledger_clients
                 WHERE client = ANY($1) ORDER BY client FOR UPDATE",
                &[&covered],
            )
            .map_err(error)?;
        let mut cache = self.ledger_cache();
        let mut upserts = Vec::new();
        let (mut gone_clients, mut gone_keys) = (Vec::new(), Vec::new());
        let mut changed = Vec::new();
        let mut learnt: Vec<Learnt> = Vec::new();
        let nothing = HashMap::new();
        for row in &revisions {
            let (client, revision): (String, i64) = (row.get(0), row.get(1));
            let mine = keyed(ours.get(client.as_str()).into_iter().flatten().copied());
            let cached = cache
                .clients
                .get(&client)
                .filter(|k| k.revision == revision);
            let fresh = match cached {
                Some(_) => None,
                None if created.contains(&client) => Some(HashMap::new()),
                None => {
                    let rows = tx
                        .query(
                            "SELECT key, record FROM onboard_ledger_grants WHERE client = $1",
                            &[&client],
                        )
                        .map_err(error)?;
                    let mut stored = HashMap::with_capacity(rows.len());
                    for row in &rows {
                        stored.insert(row.get(0), self.parse_record(&client, row.get(1))?);
                    }
                    Some(stored)
                }
            };
            let base = fresh
                .as_ref()
                .or(cached.map(|k| &k.records))
                .unwrap_or(&nothing);
            let (mut put, mut gone) = (Vec::new(), Vec::new());
            for (key, record) in &mine {
                if base.get(key) != Some(*record) {
                    upserts.push((client.clone(), key.clone(), text_of(record)));
                    put.push((key.clone(), (*record).clone()));
                }
            }
            for key in base.keys().filter(|k| !mine.contains_key(*k)) {
                gone_clients.push(client.clone());
                gone_keys.push(key.clone());
                gone.push(key.clone());
            }
            let moved = !put.is_empty() || !gone.is_empty();
            if moved {
                changed.push(client.clone());
            }
            learnt.push(Learnt {
                revision: revision + i64::from(moved),
                client,
                read: fresh,
                put,
                gone,
            });
        }
        if !gone_keys.is_empty() {
            tx.execute(
                "DELETE FROM onboard_ledger_grants g
                 USING unnest($1::text[], $2::text[]) AS d(client, key)
                 WHERE g.client = d.client AND g.key = d.key",
                &[&gone_clients, &gone_keys],
            )
            .map_err(error)?;
        }
        upsert_rows(&mut tx, &upserts).map_err(error)?;
        if !changed.is_empty() {
            tx.execute(
                "UPDATE onboard_ledger_clients SET revision = revision + 1 WHERE client = ANY($1)",
                &[&changed],
            )
            .map_err(error)?;
        }
        if lock.is_workspace() {
            let mut blocks = ledger.blocks.clone();
            crate::state::normalise_blocks(&mut blocks);
            put_blocks(&mut tx, &blocks).map_err(error)?;
        }
        tx.commit().map_err(error)?;
        // Only what changed is copied into the cache: an unchanged client's records are
        // already there.
        for learnt in learnt {
            let known = cache.clients.entry(learnt.client).or_insert_with(|| Known {
                revision: learnt.revision,
                records: HashMap::new(),
            });
            known.revision = learnt.revision;
            if let Some(read) = learnt.read {
                known.records = read;
            }
            for key in learnt.gone {
                known.records.remove(&key);
            }
            known.records.extend(learnt.put);
        }
        Ok(())
    }
}
