//! The grant ledger as one row per client in `onboard_ledger_clients`: the client's
//! grant records as one JSON array (in a canonical order, so one set of records has one
//! text), their number, and a revision; the standing revocations as one small document.
//!
//! A save writes only the clients whose records differ from what this process last read
//! or wrote of them, under the clients' rows (locked for the transaction). A client whose
//! revision moved since (another process wrote it) is written whole from the save's
//! records, never merged with a stale picture of it. A save under client locks touches
//! the rows of those clients only, so runs on different clients never lose each other's
//! records and never wait on each other's rows.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use postgres::Transaction;

use super::{PgError, PgStore};
use crate::model::{Block, GrantRecord};
use crate::state::{FORMAT_VERSION, Ledger, Lock, StateError};

/// The document the standing revocations are kept in.
pub(super) const BLOCKS: &str = "ledger-blocks";

/// What this process last read or wrote of the ledger, per client: the client's revision
/// then and its records' text.
#[derive(Default)]
pub(super) struct LedgerCache {
    clients: HashMap<String, Known>,
}

struct Known {
    revision: i64,
    text: String,
}

/// Returns the text a client's records are stored as: a JSON array, ordered as the
/// ledger orders grants (by tenant, entitlement and identity), then by the record's text.
fn records_text(records: &[&GrantRecord]) -> String {
    let mut texts: Vec<(&GrantRecord, String)> = records
        .iter()
        .map(|record| (*record, serde_json::to_string(record).unwrap_or_default()))
        .collect();
    texts.sort_by(|(a, at), (b, bt)| {
        (&a.tenant, &a.entitlement, &a.identity, at).cmp(&(
            &b.tenant,
            &b.entitlement,
            &b.identity,
            bt,
        ))
    });
    let mut text = String::with_capacity(texts.iter().map(|(_, t)| t.len() + 1).sum::<usize>() + 2);
    text.push('[');
    for (i, (_, record)) in texts.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(record);
    }
    text.push(']');
    text
}

// ---- schema 2's rows (one per grant record), for the upgrade from schema 1 ----

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

    /// Reads the ledger in one consistent snapshot; `None` when none was ever written.
    /// Remembers what it read, so the next save writes only the clients that changed.
    pub(super) fn read_ledger(&self) -> Result<Option<Ledger>, StateError> {
        let mut session = self.session();
        let error = |e| PgError::query(&self.url.target, "reading the grant ledger", &e);
        let mut tx = session
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .map_err(error)?;
        let clients = tx
            .query(
                "SELECT client, revision, records FROM onboard_ledger_clients",
                &[],
            )
            .map_err(error)?;
        let blocks = tx
            .query_opt(
                "SELECT body FROM onboard_documents WHERE name = $1",
                &[&BLOCKS],
            )
            .map_err(error)?;
        tx.commit().map_err(error)?;
        if clients.is_empty() && blocks.is_none() {
            return Ok(None);
        }
        let mut cache = HashMap::with_capacity(clients.len());
        let mut grants = Vec::new();
        for row in clients {
            let (client, revision, text): (String, i64, String) =
                (row.get(0), row.get(1), row.get(2));
            let records: Vec<GrantRecord> = serde_json::from_str(&text)
                .map_err(|e| self.corrupt(&format!("ledger/{client}"), e))?;
            grants.extend(records);
            cache.insert(client, Known { revision, text });
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
    /// standing revocations), writing only the clients whose records changed.
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
        // The rows exist before they are locked, so first writers take turns too.
        tx.execute(
            "INSERT INTO onboard_ledger_clients (client, revision, grants, records)
             SELECT unnest($1::text[]), 0, 0, '[]' ON CONFLICT (client) DO NOTHING",
            &[&covered],
        )
        .map_err(error)?;
        // In one order, so two saves of overlapping clients never wait in a circle.
        let revisions = tx
            .query(
                "SELECT client, revision FROM onboard_ledger_clients
                 WHERE client = ANY($1) ORDER BY client FOR UPDATE",
                &[&covered],
            )
            .map_err(error)?;
        let mut cache = self.ledger_cache();
        // The clients to write: their records' text and number, and their revision now.
        let (mut clients, mut texts, mut counts) = (Vec::new(), Vec::new(), Vec::new());
        let mut revisions: HashMap<String, i64> = revisions
            .iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect();
        for client in &covered {
            let records = ours.get(client.as_str()).map_or(&[][..], Vec::as_slice);
            let text = records_text(records);
            let revision = revisions.get(client).copied().unwrap_or(0);
            // Written unless this process knows the stored records at this revision
            // and they are these; a client another process wrote meanwhile is written
            // whole (the server skips it when its records are these already).
            let known = cache
                .clients
                .get(client)
                .is_some_and(|k| k.revision == revision && k.text == text);
            if !known {
                clients.push(client.clone());
                texts.push(text);
                counts.push(i32::try_from(records.len()).unwrap_or(i32::MAX));
            }
        }
        if !clients.is_empty() {
            for row in tx
                .query(
                    "UPDATE onboard_ledger_clients AS c
                     SET records = u.records, grants = u.grants, revision = c.revision + 1
                     FROM unnest($1::text[], $2::text[], $3::integer[])
                         AS u(client, records, grants)
                     WHERE c.client = u.client AND c.records IS DISTINCT FROM u.records
                     RETURNING c.client, c.revision",
                    &[&clients, &texts, &counts],
                )
                .map_err(error)?
            {
                revisions.insert(row.get(0), row.get(1));
            }
        }
        if lock.is_workspace() {
            let mut blocks = ledger.blocks.clone();
            crate::state::normalise_blocks(&mut blocks);
            put_blocks(&mut tx, &blocks).map_err(error)?;
        }
        tx.commit().map_err(error)?;
        for (client, text) in clients.into_iter().zip(texts) {
            let revision = revisions.get(&client).copied().unwrap_or(0);
            cache.clients.insert(client, Known { revision, text });
        }
        Ok(())
    }
}
