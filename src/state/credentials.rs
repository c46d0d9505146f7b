//! The issued-credentials document (`state/credentials.json`, or the `credentials`
//! document of a PostgreSQL state): what onboard remembers of each credential it issued
//! to a service account or agent (see [`crate::model::IssuedRecord`]). Never a value.

use serde::{Deserialize, Serialize};

use super::{FORMAT_VERSION, Lock, StateError};
use crate::model::IssuedRecord;

/// The document's name: `credentials.json` in the file backend, `credentials` in
/// PostgreSQL.
pub(super) const NAME: &str = "credentials";

/// Every credential issued and not yet removed from its tenant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    /// Format of the document.
    pub format_version: u32,
    /// The credentials, oldest first.
    pub issued: Vec<IssuedRecord>,
}

/// Returns the credentials a save under `lock` writes: ours of the clients `lock`
/// covers, the stored ones of the others (see [`super::Store::save_ledger`]).
pub(super) fn merged(
    lock: &Lock,
    stored: impl FnOnce() -> Result<Credentials, StateError>,
    ours: &Credentials,
) -> Result<Credentials, StateError> {
    Ok(Credentials {
        format_version: FORMAT_VERSION,
        issued: if lock.is_workspace() {
            ours.issued.clone()
        } else {
            super::merge::merge_records(
                lock,
                stored()?.issued,
                &ours.issued,
                |r| &r.slot.client,
                |r| r.issued_at,
            )
        },
    })
}
