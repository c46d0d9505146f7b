//! The issued-credentials document (`state/credentials.json`, or the `credentials`
//! document of a PostgreSQL state): what onboard remembers of each credential it issued
//! to a service account or agent (see [`crate::model::IssuedRecord`]). Never a value.

use serde::{Deserialize, Serialize};

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
