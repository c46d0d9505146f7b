//! Locks: session advisory locks, each on a session of its own, so the server releases
//! them when that session ends however the process ends (no lock row a crash leaves
//! behind). A client's lock is its own key taken exclusively plus the workspace key
//! taken shared; the workspace lock is the workspace key taken exclusively: a workspace
//! lock excludes every client lock, and two clients' locks are independent.
//!
//! The holder writes who it is into `onboard_lock_holders`; a waiter reads it, trusting a
//! row only while its session still holds an advisory lock.

use std::time::{Duration, Instant};

use postgres::Client;
use sha2::{Digest, Sha256};

use super::PgError;
use super::store::{PgStore, connect};
use crate::state::{LockInfo, LockScope};

/// How long a run waits for the holder of a lock to say who it is.
const SETTLE: Duration = Duration::from_secs(2);

/// How often a waiter tries again.
const RETRY: Duration = Duration::from_millis(100);

/// The holder when it has not said who it is in time.
const UNNAMED: &str = "another onboard process, which has not said who it is";

/// The session holding a lock; dropping it ends the session, which releases the lock.
pub struct LockSession {
    _session: Client,
}

/// The advisory lock key of a name: the first 8 bytes of a SHA-256.
fn key(name: &str) -> i64 {
    let digest = Sha256::digest(format!("onboard-lock:{name}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

/// The text a scope is recorded under.
fn scope_name(scope: &LockScope) -> String {
    match scope {
        LockScope::Workspace => "workspace".into(),
        LockScope::Client(client) => format!("client:{client}"),
    }
}

fn scope_of(name: &str) -> LockScope {
    match name.strip_prefix("client:") {
        Some(client) => LockScope::Client(client.to_string()),
        None => LockScope::Workspace,
    }
}

const LIVE_HOLDERS: &str = "SELECT h.scope, h.actor, h.command, h.host, h.pid, h.since
     FROM onboard_lock_holders h
     WHERE EXISTS (SELECT 1 FROM pg_locks l
                   WHERE l.locktype = 'advisory' AND l.granted AND l.pid = h.backend_pid)";

fn holder(row: &postgres::Row) -> (LockScope, LockInfo) {
    let scope: String = row.get(0);
    let pid: i64 = row.get(4);
    (
        scope_of(&scope),
        LockInfo {
            actor: row.get(1),
            command: row.get(2),
            host: row.get(3),
            pid: u32::try_from(pid).unwrap_or(0),
            since: row.get(5),
        },
    )
}

/// Tries once to take `scope`'s advisory locks on `session`; takes all or none.
fn try_take(session: &mut Client, scope: &LockScope) -> Result<bool, postgres::Error> {
    let workspace = key("workspace");
    let row = match scope {
        LockScope::Workspace => {
            session.query_one("SELECT pg_try_advisory_lock($1), true", &[&workspace])?
        }
        LockScope::Client(client) => session.query_one(
            "SELECT pg_try_advisory_lock_shared($1), pg_try_advisory_lock($2)",
            &[&workspace, &key(client)],
        )?,
    };
    let (first, second): (bool, bool) = (row.get(0), row.get(1));
    if first && second {
        return Ok(true);
    }
    if first || second {
        session.execute("SELECT pg_advisory_unlock_all()", &[])?;
    }
    Ok(false)
}

impl PgStore {
    /// Takes the lock of `scope` on a session of its own, waiting up to `wait` (zero:
    /// fail at once) while another run holds it; then says who holds it.
    pub fn take_lock(
        &self,
        scope: &LockScope,
        info: &LockInfo,
        wait: Duration,
    ) -> Result<LockSession, PgError> {
        let name = scope_name(scope);
        let error =
            |e: postgres::Error| PgError::query(&self.url.target, format!("locking {scope}"), &e);
        let mut session = connect(&self.url)?;
        let start = Instant::now();
        loop {
            if try_take(&mut session, scope).map_err(error)? {
                session
                    .execute(
                        "INSERT INTO onboard_lock_holders
                             (scope, actor, command, host, pid, since, backend_pid)
                         VALUES ($1, $2, $3, $4, $5, $6, pg_backend_pid())
                         ON CONFLICT (scope) DO UPDATE SET actor = excluded.actor,
                             command = excluded.command, host = excluded.host,
                             pid = excluded.pid, since = excluded.since,
                             backend_pid = excluded.backend_pid",
                        &[
                            &name,
                            &info.actor,
                            &info.command,
                            &info.host,
                            &i64::from(info.pid),
                            &info.since,
                        ],
                    )
                    .map_err(error)?;
                return Ok(LockSession { _session: session });
            }
            let named = self.blocking(scope)?;
            let waited = start.elapsed();
            if waited >= wait && (named.is_some() || waited >= SETTLE) {
                return Err(PgError::Locked {
                    scope: scope.to_string(),
                    holder: named.map_or_else(|| UNNAMED.to_string(), |h| h.describe()),
                });
            }
            std::thread::sleep(RETRY);
        }
    }

    /// Returns who holds a lock that keeps `scope` from being taken, if a live session
    /// names itself: the scope itself, or the workspace (for a client), or any client
    /// (for the workspace).
    fn blocking(&self, scope: &LockScope) -> Result<Option<LockInfo>, PgError> {
        let held = self.lock_holders()?;
        let find = |wanted: &dyn Fn(&LockScope) -> bool| {
            held.iter()
                .find(|(s, _)| wanted(s))
                .map(|(_, info)| info.clone())
        };
        Ok(match scope {
            LockScope::Workspace => find(&|_| true),
            LockScope::Client(_) => {
                find(&|s| s == scope).or_else(|| find(&|s| *s == LockScope::Workspace))
            }
        })
    }

    /// Returns every lock held now by a live session, workspace first.
    pub fn lock_holders(&self) -> Result<Vec<(LockScope, LockInfo)>, PgError> {
        let rows = self
            .session()
            .query(
                &format!("{LIVE_HOLDERS} ORDER BY h.scope <> 'workspace', h.scope"),
                &[],
            )
            .map_err(self.error("reading the lock holders"))?;
        Ok(rows.iter().map(holder).collect())
    }
}
