//! Per-client locks: a session advisory lock on a session of its own, so the server
//! releases it when that session ends however the process ends (no lock row a crash
//! leaves behind). The holder writes who it is into `onboard_lock_holders`; a waiter
//! reads it, trusting a row only while its session still holds the lock.

use std::time::{Duration, Instant};

use postgres::Client;
use sha2::{Digest, Sha256};

use super::PgError;
use super::store::{PgStore, connect};

/// How long a run waits for the holder of a lock to say who it is.
const SETTLE: Duration = Duration::from_secs(2);

/// How often a waiter tries again.
const RETRY: Duration = Duration::from_millis(100);

/// The holder when it has not said who it is in time.
const UNNAMED: &str = "another onboard process, which has not said who it is";

/// Who holds a client's lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// The client locked.
    pub client: String,
    /// The actor running onboard.
    pub actor: String,
    /// The command (`apply`, `expire`…).
    pub command: String,
    /// The machine it runs on.
    pub host: String,
    /// Its process id there.
    pub pid: i64,
    /// When it took the lock (RFC 3339).
    pub since: String,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} (`onboard {}`, pid {} on {}) since {}",
            self.actor, self.command, self.pid, self.host, self.since
        )
    }
}

/// A held client lock; dropping it ends its session, which releases the lock.
pub struct ClientLock {
    _session: Client,
    client: String,
}

impl std::fmt::Debug for ClientLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientLock")
            .field("client", &self.client)
            .finish()
    }
}

impl ClientLock {
    /// Returns the client it locks.
    pub fn client(&self) -> &str {
        &self.client
    }
}

/// The advisory lock key of a client: the first 8 bytes of a SHA-256.
fn key(client: &str) -> i64 {
    let digest = Sha256::digest(format!("onboard-client-lock:{client}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

const LIVE_HOLDERS: &str = "SELECT h.client, h.actor, h.command, h.host, h.pid, h.since
     FROM onboard_lock_holders h
     WHERE EXISTS (SELECT 1 FROM pg_locks l
                   WHERE l.locktype = 'advisory' AND l.granted AND l.pid = h.backend_pid)";

fn holder(row: &postgres::Row) -> Holder {
    Holder {
        client: row.get(0),
        actor: row.get(1),
        command: row.get(2),
        host: row.get(3),
        pid: row.get(4),
        since: row.get(5),
    }
}

impl PgStore {
    /// Takes `client`'s lock on a session of its own, waiting up to `timeout` (zero:
    /// fail at once) while another run holds it; then says who holds it. `who` is the
    /// holder to record (its `client` is replaced by `client`).
    pub fn lock_client(
        &mut self,
        client: &str,
        who: &Holder,
        timeout: Duration,
    ) -> Result<ClientLock, PgError> {
        let target = self.url.target.clone();
        let error =
            |e: postgres::Error| PgError::query(&target, format!("locking client `{client}`"), &e);
        let mut session = connect(&self.url)?;
        let key = key(client);
        let start = Instant::now();
        loop {
            let taken: bool = session
                .query_one("SELECT pg_try_advisory_lock($1)", &[&key])
                .map_err(error)?
                .get(0);
            if taken {
                session
                    .execute(
                        "INSERT INTO onboard_lock_holders
                             (client, actor, command, host, pid, since, backend_pid)
                         VALUES ($1, $2, $3, $4, $5, $6, pg_backend_pid())
                         ON CONFLICT (client) DO UPDATE SET actor = excluded.actor,
                             command = excluded.command, host = excluded.host,
                             pid = excluded.pid, since = excluded.since,
                             backend_pid = excluded.backend_pid",
                        &[
                            &client,
                            &who.actor,
                            &who.command,
                            &who.host,
                            &who.pid,
                            &who.since,
                        ],
                    )
                    .map_err(error)?;
                return Ok(ClientLock {
                    _session: session,
                    client: client.to_string(),
                });
            }
            let named = self.holder_of(client)?;
            let waited = start.elapsed();
            if waited >= timeout && (named.is_some() || waited >= SETTLE) {
                return Err(PgError::Locked {
                    client: client.to_string(),
                    holder: named.map_or_else(|| UNNAMED.to_string(), |h| h.to_string()),
                });
            }
            std::thread::sleep(RETRY);
        }
    }

    /// Returns who holds `client`'s lock now, if a live session does.
    pub fn holder_of(&mut self, client: &str) -> Result<Option<Holder>, PgError> {
        let row = self
            .client
            .query_opt(&format!("{LIVE_HOLDERS} AND h.client = $1"), &[&client])
            .map_err(self.error("reading the lock holders"))?;
        Ok(row.as_ref().map(holder))
    }

    /// Returns every lock held now, by client.
    pub fn holders(&mut self) -> Result<Vec<Holder>, PgError> {
        let rows = self
            .client
            .query(&format!("{LIVE_HOLDERS} ORDER BY h.client"), &[])
            .map_err(self.error("reading the lock holders"))?;
        Ok(rows.iter().map(holder).collect())
    }
}
