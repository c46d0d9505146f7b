//! Issued credentials: what onboard remembers of each credential it issued to a service
//! account or agent (`state/credentials.json`, or the `credentials` document of a
//! PostgreSQL state): its key id or fingerprint, where it was delivered and when, and
//! when an old one is retired. Never a value.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::CredentialKind;

/// One issued credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedRecord {
    /// Which credential: client, identity, tenant, kind and application.
    #[serde(flatten)]
    pub slot: CredentialSlot,
    /// The vendor's key id, or the value's fingerprint (a password).
    pub key_id: String,
    /// Where the value was delivered (`vault:PATH#FIELD` or `file:PATH`).
    pub delivered_to: String,
    /// The vault's version of the secret that holds it (`None` for `file:`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vault_version: Option<u64>,
    /// When it was issued and delivered.
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
    /// The declaration's terms it was issued under ([`super::DeclaredCredential::terms`]).
    pub terms: String,
    /// Set when a successor was delivered: when this one is removed from the tenant.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub retire_after: Option<OffsetDateTime>,
}

impl IssuedRecord {
    /// Tells whether this is the identity's current credential (no successor yet).
    pub fn is_current(&self) -> bool {
        self.retire_after.is_none()
    }

    /// Tells whether this record is of the credential `slot` names.
    pub fn is_of(&self, slot: &CredentialSlot) -> bool {
        &self.slot == slot
    }
}

/// Which credential: one declared credential of an identity in one tenant.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CredentialSlot {
    /// The client.
    pub client: String,
    /// The service account or agent.
    pub identity: String,
    /// The tenant's name in the client file.
    pub tenant: String,
    /// What kind of credential.
    pub kind: CredentialKind,
    /// For a client secret: the app registration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<String>,
}

impl std::fmt::Display for CredentialSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{} {} in {}",
            self.client,
            self.identity,
            self.kind.as_str(),
            self.tenant
        )?;
        if let Some(application) = &self.application {
            write!(f, " (application {application})")?;
        }
        Ok(())
    }
}
