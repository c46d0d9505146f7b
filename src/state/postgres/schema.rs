//! The schema: created and upgraded by onboard, one transaction per upgrade step,
//! recorded in `onboard_schema`. Concurrent runs serialise on a transaction advisory lock;
//! a database upgraded by a newer onboard is refused.

use postgres::{Client, Transaction};

use super::PgError;

/// The newest schema version this binary knows.
pub const SCHEMA_VERSION: i32 = 3;

/// The advisory lock key upgrades serialise on ("onboard-schema").
const UPGRADE_LOCK: i64 = 0x6f6e_626f_6172_6473;

/// A step's work beyond its SQL, in its transaction (moving data between tables).
type Migrate = fn(&mut Transaction<'_>) -> Result<(), postgres::Error>;

/// Each step takes the schema from the version before it to its own: its SQL, then its
/// data migration, in the upgrade's transaction.
const STEPS: [(i32, &str, Option<Migrate>); 3] = [
    (
        1,
        "CREATE TABLE onboard_documents (
         name text PRIMARY KEY,
         body text NOT NULL,
         revision bigint NOT NULL
     );
     CREATE TABLE onboard_audit_entries (
         chain text NOT NULL,
         seq bigint NOT NULL,
         line text NOT NULL,
         checkpoint boolean NOT NULL,
         PRIMARY KEY (chain, seq)
     );
     CREATE INDEX onboard_audit_checkpoints ON onboard_audit_entries (chain, seq)
         WHERE checkpoint;
     CREATE TABLE onboard_audit_heads (
         chain text PRIMARY KEY,
         seq bigint NOT NULL,
         hash text NOT NULL,
         head_seq bigint,
         head text
     );
     CREATE TABLE onboard_audit_keys (
         key_id text PRIMARY KEY,
         public text NOT NULL
     );
     CREATE TABLE onboard_lock_holders (
         scope text PRIMARY KEY,
         actor text NOT NULL,
         command text NOT NULL,
         host text NOT NULL,
         pid bigint NOT NULL,
         since text NOT NULL,
         backend_pid integer NOT NULL
     );",
        None,
    ),
    (
        2,
        // The ledger as rows (one per grant record) with a revision per client, so a save
        // writes only what changed; each entry's end offset and each chain's length and
        // last checkpoint, so reading a chain's tail reads no earlier row.
        "CREATE TABLE onboard_ledger_clients (
             client text PRIMARY KEY,
             revision bigint NOT NULL
         );
         CREATE TABLE onboard_ledger_grants (
             client text NOT NULL,
             key text NOT NULL,
             record text NOT NULL,
             PRIMARY KEY (client, key)
         );
         ALTER TABLE onboard_audit_entries ADD COLUMN end_offset bigint;
         UPDATE onboard_audit_entries e SET end_offset = o.end_offset
           FROM (SELECT chain, seq, sum(octet_length(line) + 1)
                        OVER (PARTITION BY chain ORDER BY seq) AS end_offset
                 FROM onboard_audit_entries) o
          WHERE e.chain = o.chain AND e.seq = o.seq;
         ALTER TABLE onboard_audit_entries ALTER COLUMN end_offset SET NOT NULL;
         ALTER TABLE onboard_audit_heads ADD COLUMN bytes bigint NOT NULL DEFAULT 0,
                                         ADD COLUMN tail_seq bigint;
         UPDATE onboard_audit_heads h SET
             bytes = coalesce((SELECT max(end_offset) FROM onboard_audit_entries e
                               WHERE e.chain = h.chain), 0),
             tail_seq = (SELECT max(seq) FROM onboard_audit_entries e
                         WHERE e.chain = h.chain AND e.checkpoint);",
        Some(ledger_to_rows),
    ),
    (
        3,
        // The audit chains as blocks: one row per chain per durable append, holding the
        // lines of that append (each ending in a newline) with the sequence numbers of
        // its first and last line, the chain's length in bytes through its last line and
        // the sequence number of its last checkpoint line; the rows of schema 2 are
        // moved in blocks of at most 1,000 lines. The ledger as one row per client, its
        // records one JSON array with their number beside it. Blocks and records are
        // compressed with lz4 where the server supports it (PostgreSQL 14 and later,
        // built with lz4: a fifth of the server's time per write of pglz, its default,
        // for as many bytes), else stored uncompressed (pglz costs more than it saves).
        "CREATE TABLE onboard_audit_blocks (
             chain text NOT NULL,
             first_seq bigint NOT NULL,
             last_seq bigint NOT NULL,
             end_offset bigint NOT NULL,
             checkpoint bigint,
             lines text NOT NULL,
             PRIMARY KEY (chain, first_seq)
         );
         ALTER TABLE onboard_ledger_clients ADD COLUMN grants integer NOT NULL DEFAULT 0,
                                            ADD COLUMN records text NOT NULL DEFAULT '[]';
         DO $$ BEGIN
             EXECUTE 'ALTER TABLE onboard_audit_blocks ALTER COLUMN lines SET COMPRESSION lz4';
             EXECUTE 'ALTER TABLE onboard_ledger_clients ALTER COLUMN records SET COMPRESSION lz4';
         EXCEPTION WHEN others THEN
             ALTER TABLE onboard_audit_blocks ALTER COLUMN lines SET STORAGE EXTERNAL;
             ALTER TABLE onboard_ledger_clients ALTER COLUMN records SET STORAGE EXTERNAL;
         END $$;
         INSERT INTO onboard_audit_blocks (chain, first_seq, last_seq, end_offset, checkpoint, lines)
         SELECT chain, min(seq), max(seq), max(end_offset), max(seq) FILTER (WHERE checkpoint),
                string_agg(line || chr(10), '' ORDER BY seq)
         FROM onboard_audit_entries GROUP BY chain, (seq - 1) / 1000;
         DROP TABLE onboard_audit_entries;
         INSERT INTO onboard_ledger_clients (client, revision)
         SELECT DISTINCT client, 1 FROM onboard_ledger_grants
         ON CONFLICT (client) DO NOTHING;
         UPDATE onboard_ledger_clients c SET grants = g.grants, records = g.records,
                                             revision = c.revision + 1
           FROM (SELECT client, count(*) AS grants,
                        '[' || string_agg(record, ',' ORDER BY key) || ']' AS records
                 FROM onboard_ledger_grants GROUP BY client) g
          WHERE c.client = g.client;
         DROP TABLE onboard_ledger_grants;",
        None,
    ),
];

/// Moves the ledger document of schema 1 into rows.
fn ledger_to_rows(tx: &mut Transaction<'_>) -> Result<(), postgres::Error> {
    let Some(row) = tx.query_opt(
        "SELECT body FROM onboard_documents WHERE name = 'ledger' AND revision > 0",
        &[],
    )?
    else {
        return Ok(());
    };
    // A document that does not parse is left where it was, for the next read to report.
    let Ok(ledger) = serde_json::from_str::<crate::state::Ledger>(row.get::<_, &str>(0)) else {
        return Ok(());
    };
    let rows = super::ledger::rows_of(&ledger.grants);
    let clients: std::collections::BTreeSet<&String> = rows.iter().map(|(c, _, _)| c).collect();
    let clients: Vec<&String> = clients.into_iter().collect();
    tx.execute(
        "INSERT INTO onboard_ledger_clients (client, revision) SELECT unnest($1::text[]), 1",
        &[&clients],
    )?;
    super::ledger::upsert_rows(tx, &rows)?;
    super::ledger::put_blocks(tx, &ledger.blocks)?;
    tx.execute("DELETE FROM onboard_documents WHERE name = 'ledger'", &[])?;
    Ok(())
}

/// Creates or upgrades the schema; returns the version now in force.
pub fn upgrade(client: &mut Client, target: &str) -> Result<i32, PgError> {
    upgrade_to(client, target, SCHEMA_VERSION)
}

/// Creates or upgrades the schema up to `version` (at most [`SCHEMA_VERSION`]; an older
/// one makes a database as an older onboard left it, for tests of upgrades); returns
/// the version now in force.
pub fn upgrade_to(client: &mut Client, target: &str, version: i32) -> Result<i32, PgError> {
    let query = |e: postgres::Error| PgError::query(target, "upgrading the schema", &e);
    // A plain read first: a database already at the version needs no upgrade, and a role
    // that may only read (a CI plan job's) can open it without CREATE rights.
    let read = |e: postgres::Error| PgError::query(target, "reading the schema version", &e);
    let exists: bool = client
        .query_one("SELECT to_regclass('onboard_schema') IS NOT NULL", &[])
        .map_err(read)?
        .get(0);
    let current: Option<i32> = if exists {
        let row = client
            .query_one("SELECT coalesce(max(version), 0) FROM onboard_schema", &[])
            .map_err(read)?;
        Some(row.get(0))
    } else {
        None
    };
    if let Some(found) = current {
        refuse_newer(target, found)?;
        if found >= version {
            return Ok(found);
        }
    }
    let mut tx = client.transaction().map_err(query)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&UPGRADE_LOCK])
        .map_err(query)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS onboard_schema (
             version integer PRIMARY KEY,
             applied_at timestamptz NOT NULL DEFAULT now(),
             applied_by text NOT NULL
         )",
    )
    .map_err(query)?;
    let found: i32 = tx
        .query_one("SELECT coalesce(max(version), 0) FROM onboard_schema", &[])
        .map_err(query)?
        .get(0);
    refuse_newer(target, found)?;
    let by = format!("onboard {}", env!("CARGO_PKG_VERSION"));
    let steps = STEPS.iter().filter(|(v, _, _)| *v > found && *v <= version);
    for (version, sql, migrate) in steps {
        tx.batch_execute(sql).map_err(query)?;
        if let Some(migrate) = migrate {
            migrate(&mut tx).map_err(query)?;
        }
        tx.execute(
            "INSERT INTO onboard_schema (version, applied_by) VALUES ($1, $2)",
            &[version, &by],
        )
        .map_err(query)?;
    }
    tx.commit().map_err(query)?;
    Ok(version.max(found))
}

/// Refuses a database whose schema a newer onboard made.
fn refuse_newer(target: &str, found: i32) -> Result<(), PgError> {
    if found > SCHEMA_VERSION {
        return Err(PgError::SchemaTooNew {
            target: target.to_string(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(())
}
