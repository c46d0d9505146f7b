//! Team state on PostgreSQL: the grant ledger as one row per client (its records one
//! JSON array, written only when they change), requests and reviews as JSON documents
//! (changed in a transaction holding their row, so writers take turns and none loses
//! another's records), the audit chains in blocks (one row per chain per durable write,
//! holding that write's lines) appended in one transaction that checks the chain's head,
//! and locks held as session advisory locks (released by the server when the session
//! dies), with a table saying who holds them.
//!
//! The schema is created and upgraded here, in transactions, with a version table; a
//! binary facing a newer schema refuses. The URL comes from a credential reference and
//! its password never appears in a message.

mod backend;
mod ledger;
mod lock;
mod schema;
mod store;
mod url;

use thiserror::Error;

pub use lock::LockSession;
pub use schema::{SCHEMA_VERSION, upgrade_to};
pub use store::{Counts, PgStore};
pub use url::{DatabaseUrl, Tls};

/// Opens the database the credential reference `url` (`[state] url`) names, resolving
/// `file:` paths and `sslrootcert` against the workspace `root`; creates or upgrades the
/// schema.
pub fn open(
    url: &crate::model::CredentialRef,
    root: &std::path::Path,
    sources: &crate::secrets::Sources,
) -> Result<PgStore, crate::state::StateError> {
    let options = crate::adapters::Options {
        credentials: sources.clone(),
        ..crate::adapters::Options::default()
    };
    let secret = crate::secrets::resolve(url, "[state] url", root, &options).map_err(|e| {
        crate::state::StateError::Config {
            hint: e.hint().unwrap_or_default(),
            detail: format!("the state database URL: {e}"),
        }
    })?;
    let url = DatabaseUrl::parse(&secret, &url.to_string(), root)?;
    Ok(PgStore::open(url)?)
}

/// Failures of the PostgreSQL state backend. Messages name the server as
/// `host:port`, never the URL's password.
#[derive(Debug, Error)]
pub enum PgError {
    /// The URL the credential reference names is not a usable PostgreSQL URL.
    #[error("the state database URL from `{reference}` is not valid: {detail}")]
    BadUrl {
        /// The credential reference (`env:ONBOARD_DATABASE_URL`).
        reference: String,
        /// What is wrong (never the URL).
        detail: String,
    },
    /// TLS could not be set up (a bad `sslrootcert`, no platform roots).
    #[error("cannot set up TLS to the state database {target}: {detail}")]
    Tls {
        /// `host:port`.
        target: String,
        /// What is wrong.
        detail: String,
    },
    /// The server could not be reached, refused the login, or has no such database.
    #[error("cannot connect to the state database at {target}: {detail}")]
    Connect {
        /// `host:port`.
        target: String,
        /// What the client said (scrubbed of secrets).
        detail: String,
    },
    /// A statement failed (the connection was lost, a constraint, a permission).
    #[error("the state database at {target} failed while {action}: {detail}")]
    Query {
        /// `host:port`.
        target: String,
        /// What onboard was doing.
        action: String,
        /// What the server said (scrubbed of secrets).
        detail: String,
    },
    /// The database's schema is newer than this binary knows.
    #[error(
        "the state database at {target} has schema version {found}, newer than this onboard knows ({supported})"
    )]
    SchemaTooNew {
        /// `host:port`.
        target: String,
        /// The database's version.
        found: i32,
        /// The newest this binary knows.
        supported: i32,
    },
    /// An audit chain's head moved since this run read it: another writer appended.
    #[error(
        "the audit chain `{chain}` moved: this run expected its head at sequence {expected}, the database has {found}"
    )]
    ChainMoved {
        /// The chain.
        chain: String,
        /// The sequence number this run expected as the head.
        expected: u64,
        /// The head's sequence number in the database.
        found: u64,
    },
    /// Another run holds a lock.
    #[error("{scope} is locked by {holder}")]
    Locked {
        /// What is locked: the workspace, or client `acme`.
        scope: String,
        /// Who holds it: actor, command, pid, host, since.
        holder: String,
    },
}

impl PgError {
    /// Returns what would fix the problem.
    pub fn hint(&self) -> Option<String> {
        match self {
            PgError::BadUrl { .. } => Some(
                "the URL looks like `postgres://USER:PASSWORD@HOST:5432/DBNAME?sslmode=verify-full`; `sslrootcert=FILE` names a CA to trust".into(),
            ),
            PgError::Tls { .. } => Some(
                "check `sslrootcert` (a PEM file of the CA that signed the server's certificate)".into(),
            ),
            PgError::Connect { .. } => Some(
                "check that the server is running and reachable, the user and password, and that the database exists; nothing was sent to any tenant".into(),
            ),
            PgError::Query { .. } => Some(
                "run again once the database is back: a change whose intent was not committed was not sent, and the next `onboard plan` shows what is left".into(),
            ),
            PgError::SchemaTooNew { .. } => Some(
                "a newer onboard upgraded this database: use that version (or newer) here too".into(),
            ),
            PgError::ChainMoved { .. } => Some(
                "another run wrote meanwhile; run the command again".into(),
            ),
            PgError::Locked { .. } => Some(
                "wait for that run to finish, or pass `--lock-timeout` to wait (the lock is released when its session ends, however it ends)".into(),
            ),
        }
    }

    /// Wraps a client error met while `action`, scrubbed of secrets.
    pub(crate) fn query(target: &str, action: impl Into<String>, error: &postgres::Error) -> Self {
        PgError::Query {
            target: target.to_string(),
            action: action.into(),
            detail: describe(error),
        }
    }
}

/// Returns a client error's message with its server-side detail, scrubbed of secrets.
fn describe(error: &postgres::Error) -> String {
    let text = match error.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => crate::adapters::http::error_chain(error),
    };
    crate::secrets::scrub(&text).into_owned()
}
