//! The file backend's documents: `state/ledger.json`, `requests.json`, `reviews.json` and
//! `statements.json`, each a pretty JSON file replaced atomically.
//!
//! Writes under a workspace lock replace a document whole, byte for byte as before.
//! Writes under client locks read, merge and replace a document while holding
//! `state/locks/_state.lock` for the instant it takes, so that runs on different clients
//! never lose each other's records.

use std::fs;
use std::io::ErrorKind;

use serde::Serialize;

use super::FileStore;
use crate::atomic_file;
use crate::state::lock;
use crate::state::merge::{merged_credentials, merged_ledger, merged_requests, merged_reviews};
use crate::state::store::Lock;
use crate::state::{LEDGER_FILE, Ledger, Requests, Reviews, StateError, UsedStatements};
use time::OffsetDateTime;

/// The requests document's file.
const REQUESTS_FILE: &str = "requests.json";

/// The signed statements document's file.
const STATEMENTS_FILE: &str = "statements.json";

/// The reviews document's file.
const REVIEWS_FILE: &str = "reviews.json";

impl FileStore {
    /// Reads a JSON document of the state directory; a missing one is `None`.
    fn read_document<T: serde::de::DeserializeOwned>(
        &self,
        file: &str,
    ) -> Result<Option<(T, Vec<u8>)>, StateError> {
        let path = self.state.join(file);
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(|value| Some((value, bytes)))
                .map_err(|e| StateError::Corrupt {
                    path,
                    detail: e.to_string(),
                }),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(source) => Err(StateError::Io {
                action: "read",
                path,
                source,
            }),
        }
    }

    /// Writes a JSON document of the state directory atomically, pretty, with a final
    /// newline.
    fn write_document<T: Serialize>(&self, file: &str, document: &T) -> Result<(), StateError> {
        let path = self.state.join(file);
        let text = crate::state::document_text(document, path.clone())?;
        atomic_file::write(&path, text.as_bytes()).map_err(|source| StateError::Io {
            action: "write",
            path,
            source,
        })
    }

    /// Runs `merge` while holding the merge lock, when `lock` covers clients only; under
    /// a workspace lock nobody else writes, and no merge lock is taken.
    fn merging<T>(
        &self,
        lock: &Lock,
        merge: impl FnOnce() -> Result<T, StateError>,
    ) -> Result<T, StateError> {
        if lock.is_workspace() {
            return merge();
        }
        let _held = lock::merging(&self.state)?;
        merge()
    }

    /// Reads the ledger and its digest (see [`crate::state::Store::load_ledger`]).
    pub(super) fn read_ledger(&self) -> Result<(Ledger, String), StateError> {
        crate::state::checked_ledger(
            self.read_document::<Ledger>(LEDGER_FILE)?,
            self.ledger_path(),
        )
    }

    /// Saves the ledger under `lock` (see [`crate::state::Store::save_ledger`]).
    pub(super) fn write_ledger(&self, ledger: &Ledger, lock: &Lock) -> Result<(), StateError> {
        self.merging(lock, || {
            let ledger = merged_ledger(lock, || Ok(self.read_ledger()?.0), ledger)?;
            self.write_document(LEDGER_FILE, &ledger)
        })
    }

    /// Reads every access request.
    pub(super) fn read_requests(&self) -> Result<Requests, StateError> {
        Ok(self
            .read_document(REQUESTS_FILE)?
            .map(|(d, _)| d)
            .unwrap_or_default())
    }

    /// Saves the requests of the clients `lock` covers.
    pub(super) fn write_requests(
        &self,
        requests: &Requests,
        lock: &Lock,
    ) -> Result<(), StateError> {
        self.merging(lock, || {
            let requests = merged_requests(lock, || self.read_requests(), requests)?;
            self.write_document(REQUESTS_FILE, &requests)
        })
    }

    /// Reads every review item.
    pub(super) fn read_reviews(&self) -> Result<Reviews, StateError> {
        Ok(self
            .read_document(REVIEWS_FILE)?
            .map(|(d, _)| d)
            .unwrap_or_default())
    }

    /// Saves the review items of the clients `lock` covers.
    pub(super) fn write_reviews(&self, reviews: &Reviews, lock: &Lock) -> Result<(), StateError> {
        self.merging(lock, || {
            let reviews = merged_reviews(lock, || self.read_reviews(), reviews)?;
            self.write_document(REVIEWS_FILE, &reviews)
        })
    }

    /// Reads the issued credentials document.
    pub(super) fn read_credentials(&self) -> Result<crate::state::Credentials, StateError> {
        let file = format!("{}.json", crate::state::credentials::NAME);
        Ok(self
            .read_document(&file)?
            .map(|(d, _)| d)
            .unwrap_or_default())
    }

    /// Saves the issued credentials of the clients `lock` covers.
    pub(super) fn write_credentials(
        &self,
        credentials: &crate::state::Credentials,
        lock: &Lock,
    ) -> Result<(), StateError> {
        self.merging(lock, || {
            let stored = || self.read_credentials();
            let merged = merged_credentials(lock, stored, credentials)?;
            let file = format!("{}.json", crate::state::credentials::NAME);
            self.write_document(&file, &merged)
        })
    }

    /// Returns the workspace's statement id, making it on first use.
    pub(super) fn workspace_id(&self, lock: &Lock) -> Result<String, StateError> {
        self.merging(lock, || {
            let mut statements: UsedStatements = self
                .read_document(STATEMENTS_FILE)?
                .map(|(d, _)| d)
                .unwrap_or_default();
            if !statements.workspace.is_empty() {
                return Ok(statements.workspace);
            }
            let id = statements.workspace_id();
            self.write_document(STATEMENTS_FILE, &statements)?;
            Ok(id)
        })
    }

    /// Claims a signed statement's nonce: false when it was claimed before.
    pub(super) fn claim_nonce(
        &self,
        nonce: &str,
        until: OffsetDateTime,
        now: OffsetDateTime,
        lock: &Lock,
    ) -> Result<bool, StateError> {
        self.merging(lock, || {
            let mut statements: UsedStatements = self
                .read_document(STATEMENTS_FILE)?
                .map(|(d, _)| d)
                .unwrap_or_default();
            if !statements.claim(nonce, until, now) {
                return Ok(false);
            }
            self.write_document(STATEMENTS_FILE, &statements)?;
            Ok(true)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::test_support::{client, holder, store};
    use crate::state::{Store, lock};

    #[test]
    fn saves_under_client_locks_keep_other_clients_records() {
        use crate::model::GrantRecord;
        let (_dir, store) = store();
        let grant = |client: &str| -> GrantRecord {
            serde_json::from_value(serde_json::json!({
                "client": client, "tenant": "entra", "entitlement": "group:G",
                "identity": "ada", "account": "ada@x", "granted_at": "2026-01-01T00:00:00Z",
                "expires_at": null, "sources": [], "ticket": null, "actor": "os:a",
            }))
            .expect("a grant record")
        };
        let zero = Duration::ZERO;
        let acme = store.lock(&client("acme"), &holder("os:a"), zero).unwrap();
        let globex = store
            .lock(&client("globex"), &holder("os:b"), zero)
            .unwrap();
        // Both runs read the empty ledger, then each saves its own client's grant.
        let (empty, _) = store.load_ledger().unwrap();
        let mut mine = empty.clone();
        mine.grants.push(grant("acme"));
        // A record of another client in what a run saves is not its to write.
        mine.grants.push(grant("initech"));
        store.save_ledger(&mine, &acme).unwrap();
        let mut theirs = empty;
        theirs.grants.push(grant("globex"));
        store.save_ledger(&theirs, &globex).unwrap();
        let (ledger, _) = store.load_ledger().unwrap();
        let clients: Vec<&str> = ledger.grants.iter().map(|g| g.client.as_str()).collect();
        assert_eq!(clients, ["acme", "globex"]);
        assert!(
            lock::client_names(&store.state)
                .iter()
                .all(|c| c == "acme" || c == "globex"),
            "the merge lock leaves no file"
        );
    }
}
