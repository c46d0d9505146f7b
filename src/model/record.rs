//! Facts about grants: what a tenant reports holding, what onboard recorded granting, and
//! which scopes were revoked by hand.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{Entitlement, Source};

/// One holder of an entitlement, as the tenant reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// The account name in the tenant.
    pub account: String,
    /// Native expiry the tenant enforces, if any.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// The grant was sent but the holder has not taken it up yet (a GitHub invitation
    /// not yet accepted): it is neither granted again nor counted as drift, and revoking
    /// it cancels it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pending: bool,
}

impl Holder {
    /// Returns a holder that holds the entitlement now (not pending).
    pub fn active(account: impl Into<String>, expires_at: Option<OffsetDateTime>) -> Self {
        Holder {
            account: account.into(),
            expires_at,
            pending: false,
        }
    }
}

/// A grant onboard made, as recorded in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
    #[schemars(with = "crate::model::schema_text::DateTime")]
    pub granted_at: OffsetDateTime,
    /// When it ends; `None` for standing access.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schemars(with = "Option<crate::model::schema_text::DateTime>")]
    pub expires_at: Option<OffsetDateTime>,
    /// What asked for it: `bundle:ID`, `exception:ID`.
    pub sources: Vec<Source>,
    /// The ticket it belongs to.
    #[serde(default)]
    pub ticket: Option<String>,
    /// Who applied it.
    pub actor: String,
    /// Whether the tenant itself ends it at `expires_at` (a PIM assignment, an AD TTL
    /// link), so the end holds even if `onboard expire` never runs.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tenant_enforces_expiry: bool,
    /// How the access came to be recorded: granted by onboard (the default, left out of
    /// the ledger), or held in the tenant before onboard managed it (`onboard import`).
    #[serde(default, skip_serializing_if = "RecordOrigin::is_granted")]
    pub origin: RecordOrigin,
}

/// How a recorded grant came to be held.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum RecordOrigin {
    /// onboard granted it (or recorded it as already held during an apply).
    #[default]
    Granted,
    /// The tenant held it before onboard managed the tenant: recorded by `onboard
    /// import`, so that it is neither granted again nor taken for drift.
    HeldBeforeOnboard,
}

impl RecordOrigin {
    /// Returns whether onboard granted it (the default).
    pub fn is_granted(&self) -> bool {
        *self == RecordOrigin::Granted
    }

    /// Returns the origin's name, as the ledger writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordOrigin::Granted => "granted",
            RecordOrigin::HeldBeforeOnboard => "held-before-onboard",
        }
    }
}

/// The scope of a manual revocation.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Block {
    /// What kind of scope.
    pub scope: BlockScope,
    /// The identity, client or ticket id.
    pub value: String,
    /// When the revocation was made.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "crate::model::schema_text::DateTime")]
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

/// What a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RequestKind {
    /// Just-in-time access to a bundle's TTL grants (`onboard elevate`).
    Elevation,
    /// Emergency access to a bundle (`onboard break-glass`).
    BreakGlass,
    /// Permission to revoke more of a tenant's grants at once than policy allows.
    MassRevoke,
}

impl RequestKind {
    /// Returns the kind's name.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Elevation => "elevation",
            RequestKind::BreakGlass => "break-glass",
            RequestKind::MassRevoke => "mass-revoke",
        }
    }
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RequestStatus {
    /// Waiting for a second person.
    Pending,
    /// Approved (or needing no approval): granted from `granted_at` to `expires_at`.
    Approved,
    /// Refused by a person.
    Denied,
    /// Not decided in time.
    Expired,
    /// A mass-revoke approval that has been used.
    Used,
}

impl RequestStatus {
    /// Every status.
    pub const ALL: [RequestStatus; 5] = [
        RequestStatus::Pending,
        RequestStatus::Approved,
        RequestStatus::Denied,
        RequestStatus::Expired,
        RequestStatus::Used,
    ];

    /// Returns the status's name.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Pending => "pending",
            RequestStatus::Approved => "approved",
            RequestStatus::Denied => "denied",
            RequestStatus::Expired => "expired",
            RequestStatus::Used => "used",
        }
    }
}

/// A request for access (or for a mass revocation), kept in `state/requests.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessRequest {
    /// Unique id, e.g. `req-3f9a1c0d`.
    pub id: String,
    /// What it asks for.
    pub kind: RequestKind,
    /// Client id.
    pub client: String,
    /// Who would receive the access (elevation, break-glass).
    #[serde(default)]
    pub identity: Option<String>,
    /// The bundle asked for (elevation, break-glass).
    #[serde(default)]
    pub bundle: Option<String>,
    /// The ticket.
    #[serde(default)]
    pub ticket: Option<String>,
    /// Why.
    pub reason: String,
    /// How long the access lasts once granted, in seconds.
    #[serde(default)]
    pub ttl_seconds: Option<u64>,
    /// The identity that asked.
    pub requested_by: String,
    /// The actor name it asked under.
    pub requested_by_actor: String,
    /// When it was asked.
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    /// Where it stands.
    pub status: RequestStatus,
    /// Who decided (approved or denied) it.
    #[serde(default)]
    pub decided_by: Option<String>,
    /// When it was decided.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
    /// Why it was denied.
    #[serde(default)]
    pub decision_reason: Option<String>,
    /// When the access started (the approval, not the request).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub granted_at: Option<OffsetDateTime>,
    /// When the access ends.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// For mass revocations: the fingerprint of the removals approved.
    #[serde(default)]
    pub fingerprint: Option<String>,
    /// For mass revocations: what is to be removed, for the approver to read.
    #[serde(default)]
    pub summary: Option<String>,
    /// For a mass revocation asked for by `onboard revoke`: its scope, carried out once
    /// the request is approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation: Option<Revocation>,
    /// Where the client's co-approval is needed too: the MSP person who approved, while
    /// the request waits for the client's approver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msp_approved_by: Option<String>,
    /// The client's approver (`CLIENT/ID`) who co-approved it with a signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_approved_by: Option<String>,
}

/// What a request for a bundle asks: which bundle, for whom, in which client, why, and
/// for how long once granted.
#[derive(Debug, Clone, Copy)]
pub struct BundleRequest<'a> {
    /// Elevation or break-glass.
    pub kind: RequestKind,
    /// Client id.
    pub client: &'a str,
    /// Who would receive the access.
    pub identity: &'a str,
    /// The bundle.
    pub bundle: &'a str,
    /// The ticket, when there is one.
    pub ticket: Option<&'a str>,
    /// Why.
    pub reason: &'a str,
    /// How long the access lasts once granted.
    pub ttl: std::time::Duration,
}

/// The scope of an `onboard revoke` waiting for a second person's approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revocation {
    /// What kind of scope.
    pub scope: BlockScope,
    /// The identity, client or ticket id.
    pub value: String,
}

impl AccessRequest {
    /// Returns a pending request with nothing but its id, kind, client, reason and who
    /// asked when; the caller fills in the rest.
    pub fn new(
        id: String,
        kind: RequestKind,
        client: &str,
        reason: &str,
        requested_by: (&str, &str),
        requested_at: OffsetDateTime,
    ) -> Self {
        AccessRequest {
            id,
            kind,
            client: client.to_string(),
            identity: None,
            bundle: None,
            ticket: None,
            reason: reason.to_string(),
            ttl_seconds: None,
            requested_by: requested_by.0.to_string(),
            requested_by_actor: requested_by.1.to_string(),
            requested_at,
            status: RequestStatus::Pending,
            decided_by: None,
            decided_at: None,
            decision_reason: None,
            granted_at: None,
            expires_at: None,
            fingerprint: None,
            summary: None,
            revocation: None,
            msp_approved_by: None,
            client_approved_by: None,
        }
    }

    /// Returns a pending request for a bundle (an elevation or a break-glass), asked by
    /// `requested_by` (identity id, actor name) at `at`. The one place such a request is
    /// built: `elevate` and `break-glass` differ only in what they pass.
    pub fn for_bundle(
        id: String,
        ask: &BundleRequest<'_>,
        requested_by: (&str, &str),
        at: OffsetDateTime,
    ) -> Self {
        let mut request =
            AccessRequest::new(id, ask.kind, ask.client, ask.reason, requested_by, at);
        request.identity = Some(ask.identity.to_string());
        request.bundle = Some(ask.bundle.to_string());
        request.ticket = ask.ticket.map(str::to_string);
        request.ttl_seconds = Some(ask.ttl.as_secs());
        request
    }

    /// Marks the request approved and its access granted at `now`, ending at `expires_at`
    /// (who decided, if anyone, is the caller's to record).
    pub fn grant(&mut self, now: OffsetDateTime, expires_at: OffsetDateTime) {
        self.status = RequestStatus::Approved;
        self.granted_at = Some(now);
        self.expires_at = Some(expires_at);
    }

    /// Returns the status at `now`: a pending request older than `expiry` has expired.
    pub fn status_at(&self, now: OffsetDateTime, expiry: std::time::Duration) -> RequestStatus {
        if self.status == RequestStatus::Pending
            && super::time::after(self.requested_at, expiry) <= now
        {
            RequestStatus::Expired
        } else {
            self.status
        }
    }
}

/// A post-use review of a break-glass use or an exception, kept in `state/reviews.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewItem {
    /// Unique id, e.g. `rev-1a2b3c4d`.
    pub id: String,
    /// `break-glass` or `exception`.
    pub kind: String,
    /// The request or exception id reviewed.
    pub subject: String,
    /// Client id.
    pub client: String,
    /// The identity that used the access: it may not close its own review.
    pub identity: String,
    /// What was used and why.
    pub summary: String,
    /// When the item was opened.
    #[serde(with = "time::serde::rfc3339")]
    pub opened_at: OffsetDateTime,
    /// When the review is due.
    #[serde(with = "time::serde::rfc3339")]
    pub due_at: OffsetDateTime,
    /// Who closed it.
    #[serde(default)]
    pub closed_by: Option<String>,
    /// When it was closed.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    /// The reviewer's verdict.
    #[serde(default)]
    pub outcome: Option<String>,
    /// The reviewer's notes.
    #[serde(default)]
    pub notes: Option<String>,
}

impl ReviewItem {
    /// Returns an open review item, due `review_within` after `now`. `subject` is what
    /// is reviewed (a request id, `client/exception`); `(client, identity)` whose use it
    /// is.
    pub fn open(
        id: String,
        kind: &str,
        subject: String,
        (client, identity): (&str, &str),
        summary: String,
        now: OffsetDateTime,
        review_within: std::time::Duration,
    ) -> ReviewItem {
        ReviewItem {
            id,
            kind: kind.to_string(),
            subject,
            client: client.to_string(),
            identity: identity.to_string(),
            summary,
            opened_at: now,
            due_at: super::time::after(now, review_within),
            closed_by: None,
            closed_at: None,
            outcome: None,
            notes: None,
        }
    }

    /// Returns whether the review is open and past its due time at `now`.
    pub fn overdue(&self, now: OffsetDateTime) -> bool {
        self.closed_at.is_none() && self.due_at <= now
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A record of `identity`'s role in acme's Entra tenant (tests of ledger records).
    pub(in crate::model) fn record(
        identity: &str,
        account: &str,
        at: OffsetDateTime,
    ) -> GrantRecord {
        GrantRecord {
            client: "acme".into(),
            tenant: "entra".into(),
            entitlement: "role:Security Administrator".parse().unwrap(),
            identity: identity.into(),
            account: account.into(),
            granted_at: at,
            expires_at: Some(time::macros::datetime!(2027-04-01 00:00 UTC)),
            sources: vec!["exception:x".into()],
            ticket: None,
            actor: "test".into(),
            tenant_enforces_expiry: false,
            origin: RecordOrigin::Granted,
        }
    }

    #[test]
    fn a_ledger_record_keeps_its_sources_as_written_known_or_not() {
        let at = time::macros::datetime!(2026-11-01 00:00 UTC);
        let written = GrantRecord {
            sources: vec![
                Source::Bundle("essential-helpdesk".into()),
                Source::Exception("x".into()),
                Source::BreakGlass("req-1".into()),
                // A kind of source this onboard does not know (a later version's).
                "request:r-9".into(),
            ],
            ..record("carol", "carol@acme.example", at)
        };
        let json = serde_json::to_value(&written).unwrap();
        assert_eq!(
            json["sources"],
            serde_json::json!([
                "bundle:essential-helpdesk",
                "exception:x",
                "break-glass:req-1",
                "request:r-9"
            ])
        );
        let read: GrantRecord = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(read, written);
        assert_eq!(serde_json::to_value(&read).unwrap(), json);
        assert_eq!(
            read.sources
                .iter()
                .filter_map(Source::exception)
                .collect::<Vec<_>>(),
            ["x"]
        );
    }
}
