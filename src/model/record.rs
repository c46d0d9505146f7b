//! Facts about grants: what a tenant reports holding, what onboard recorded granting, and
//! which scopes were revoked by hand.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::Entitlement;

/// One holder of an entitlement, as the tenant reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// The account name in the tenant.
    pub account: String,
    /// Native expiry the tenant enforces, if any.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
}

/// A grant onboard made, as recorded in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantRecord {
    /// Client id.
    pub client: String,
    /// Tenant name within the client.
    pub tenant: String,
    /// What was granted.
    pub entitlement: Entitlement,
    /// Identity id.
    pub identity: String,
    /// The account it was granted to.
    pub account: String,
    /// When it was granted (or last renewed).
    #[serde(with = "time::serde::rfc3339")]
    pub granted_at: OffsetDateTime,
    /// When it ends; `None` for standing access.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// What asked for it: `bundle:ID`, `exception:ID`.
    pub sources: Vec<String>,
    /// The ticket it belongs to.
    #[serde(default)]
    pub ticket: Option<String>,
    /// Who applied it.
    pub actor: String,
}

/// The scope of a manual revocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BlockScope {
    /// Everything an identity holds (a leaver).
    Identity,
    /// Everything in a client (a contract ended).
    Client,
    /// Everything tied to a ticket (the ticket closed).
    Ticket,
}

impl BlockScope {
    /// Returns the flag name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            BlockScope::Identity => "identity",
            BlockScope::Client => "client",
            BlockScope::Ticket => "ticket",
        }
    }
}

/// A standing revocation: grants in this scope are not given again until it is lifted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    /// What kind of scope.
    pub scope: BlockScope,
    /// The identity, client or ticket id.
    pub value: String,
    /// When the revocation was made.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Who made it.
    pub actor: String,
}

impl Block {
    /// Returns whether the block covers a grant of `identity` in `client` tied to `ticket`.
    pub fn covers(&self, client: &str, identity: &str, ticket: Option<&str>) -> bool {
        match self.scope {
            BlockScope::Identity => self.value == identity,
            BlockScope::Client => self.value == client,
            BlockScope::Ticket => ticket == Some(self.value.as_str()),
        }
    }
}
