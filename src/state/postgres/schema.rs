//! The schema: created and upgraded by onboard, one transaction per upgrade step,
//! recorded in `onboard_schema`. Concurrent runs serialise on a transaction advisory lock;
//! a database upgraded by a newer onboard is refused.

use postgres::Client;

use super::PgError;

/// The newest schema version this binary knows.
pub const SCHEMA_VERSION: i32 = 1;

/// The advisory lock key upgrades serialise on ("onboard-schema").
const UPGRADE_LOCK: i64 = 0x6f6e_626f_6172_6473;

/// Each step takes the schema from the version before it to its own.
const STEPS: [(i32, &str); 1] = [(
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
)];

/// Creates or upgrades the schema; returns the version now in force.
pub fn upgrade(client: &mut Client, target: &str) -> Result<i32, PgError> {
    let query = |e: postgres::Error| PgError::query(target, "upgrading the schema", &e);
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
    if found > SCHEMA_VERSION {
        return Err(PgError::SchemaTooNew {
            target: target.to_string(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    let by = format!("onboard {}", env!("CARGO_PKG_VERSION"));
    for (version, sql) in STEPS.iter().filter(|(v, _)| *v > found) {
        tx.batch_execute(sql).map_err(query)?;
        tx.execute(
            "INSERT INTO onboard_schema (version, applied_by) VALUES ($1, $2)",
            &[version, &by],
        )
        .map_err(query)?;
    }
    tx.commit().map_err(query)?;
    Ok(SCHEMA_VERSION)
}
