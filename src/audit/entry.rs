//! Audit entries and their line format.
//!
//! A line is the entry serialised as JSON, with `sig` last when it is signed (the last
//! line of a write, and chain starts, key rotations and checkpoints):
//! `{"seq":…,…,"prev":"…","key":"…","sig":"…"}`. The signature covers the line without
//! its `,"sig":"…"` member; the chain hash of a line is SHA-256 over the whole line.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The previous-hash of a chain's first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum EntryKind {
    /// The first entry of a chain: names the chain and the key.
    ChainStart,
    /// A run of a state-changing command started.
    RunStart,
    /// A run finished.
    RunFinish,
    /// A plan was made.
    Plan,
    /// Access granted.
    Grant,
    /// Access renewed.
    Renew,
    /// Access ended because its time passed.
    Expire,
    /// Access revoked.
    Revoke,
    /// Access held outside onboard was found, or removed with `--prune`.
    Drift,
    /// A tenant's own configuration (GDAP access assignments, Okta group admin roles)
    /// was brought in line with the client file.
    Configuration,
    /// A policy rule denied a grant or request.
    Denial,
    /// A request was approved.
    Approval,
    /// Just-in-time access was requested.
    Elevation,
    /// Emergency access was used.
    BreakGlass,
    /// A post-use review was closed.
    Review,
    /// A scope (identity, client, ticket) was revoked, or a revocation lifted.
    Revocation,
    /// An interrupted change (intent without outcome) was reconciled.
    Reconcile,
    /// The signing key was replaced; signed by the old key, naming the new one.
    KeyRotation,
    /// A signed checkpoint: binds every entry before it.
    Checkpoint,
    /// Access the tenant held before onboard managed it, recorded by `onboard import`
    /// (nothing was sent to the tenant).
    Import,
    /// A service account's or agent's credential was issued, delivered, retired or
    /// revoked (never its value: its key id or fingerprint).
    Credential,
    /// A notification that belongs to no other entry was sent (the digest of access
    /// about to expire): who was told and what came of it. Changes no state.
    Notify,
    /// An entry of a kind a newer onboard writes (several versions may share one team
    /// state): read and verified as written, never acted on; never written.
    #[serde(other)]
    #[schemars(skip)]
    Other,
}

impl EntryKind {
    /// Every kind, in the order the variants are declared.
    pub const ALL: [EntryKind; 22] = [
        EntryKind::ChainStart,
        EntryKind::RunStart,
        EntryKind::RunFinish,
        EntryKind::Plan,
        EntryKind::Grant,
        EntryKind::Renew,
        EntryKind::Expire,
        EntryKind::Revoke,
        EntryKind::Drift,
        EntryKind::Configuration,
        EntryKind::Denial,
        EntryKind::Approval,
        EntryKind::Elevation,
        EntryKind::BreakGlass,
        EntryKind::Review,
        EntryKind::Revocation,
        EntryKind::Reconcile,
        EntryKind::KeyRotation,
        EntryKind::Checkpoint,
        EntryKind::Import,
        EntryKind::Credential,
        EntryKind::Notify,
    ];

    /// Returns the kind's name.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::ChainStart => "chain-start",
            EntryKind::RunStart => "run-start",
            EntryKind::RunFinish => "run-finish",
            EntryKind::Plan => "plan",
            EntryKind::Grant => "grant",
            EntryKind::Renew => "renew",
            EntryKind::Expire => "expire",
            EntryKind::Revoke => "revoke",
            EntryKind::Drift => "drift",
            EntryKind::Configuration => "configuration",
            EntryKind::Denial => "denial",
            EntryKind::Approval => "approval",
            EntryKind::Elevation => "elevation",
            EntryKind::BreakGlass => "break-glass",
            EntryKind::Review => "review",
            EntryKind::Revocation => "revocation",
            EntryKind::Reconcile => "reconcile",
            EntryKind::KeyRotation => "key-rotation",
            EntryKind::Checkpoint => "checkpoint",
            EntryKind::Import => "import",
            EntryKind::Credential => "credential",
            EntryKind::Notify => "notify",
            EntryKind::Other => "other",
        }
    }

    /// Returns whether entries of this kind change a tenant.
    pub fn is_change(self) -> bool {
        matches!(
            self,
            EntryKind::Grant
                | EntryKind::Renew
                | EntryKind::Expire
                | EntryKind::Revoke
                | EntryKind::Drift
                | EntryKind::Configuration
        )
    }
}

/// The `detail` key of a grant or renew outcome whose end the tenant itself enforces
/// (a PIM assignment, an AD TTL link).
pub const TENANT_ENFORCES_EXPIRY: &str = "tenant_enforces_expiry";

/// Returns whether an entry says the tenant itself enforces its grant's end.
pub fn tenant_enforces_expiry(entry: &Entry) -> bool {
    entry
        .detail
        .as_ref()
        .and_then(|d| d.get(TENANT_ENFORCES_EXPIRY))
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false)
}

/// For changes: written before the change is sent, or after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// About to send the change.
    Intent,
    /// The change's result.
    Outcome,
}

/// What came of what an entry records: written as one word (`ok`, `failed`…).
///
/// Entries are signed as written, so a word this onboard does not name (a review's
/// verdict, which the reviewer chooses, or a result a newer onboard writes) is kept as
/// [`EntryResult::Other`] and written back as the same word; verification works on the
/// line's bytes and never writes an entry again.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EntryResult {
    /// The change was made.
    Ok,
    /// The tenant already matched: nothing was sent, or nothing changed.
    Unchanged,
    /// The change, or the notification, failed.
    Failed,
    /// A request waits for its approvals.
    Pending,
    /// Access was given on request (elevation within policy, break-glass).
    Granted,
    /// A request was approved.
    Approved,
    /// A client's approver approved a request that still needs the MSP's approval.
    ClientApproved,
    /// The MSP approved a request that still needs the client's approval.
    ApprovedAwaitingClient,
    /// A policy rule, the guard or an approver said no.
    Denied,
    /// Every notification hook was told.
    Delivered,
    /// Some notification hooks were told, others failed.
    Partial,
    /// Any other word, kept as written: a review's verdict, or a result a newer
    /// onboard writes.
    Other(String),
}

impl EntryResult {
    /// Every named result, in the order the variants are declared.
    pub const NAMED: [EntryResult; 11] = [
        EntryResult::Ok,
        EntryResult::Unchanged,
        EntryResult::Failed,
        EntryResult::Pending,
        EntryResult::Granted,
        EntryResult::Approved,
        EntryResult::ClientApproved,
        EntryResult::ApprovedAwaitingClient,
        EntryResult::Denied,
        EntryResult::Delivered,
        EntryResult::Partial,
    ];

    /// Returns the word written for the result.
    pub fn as_str(&self) -> &str {
        match self {
            EntryResult::Ok => "ok",
            EntryResult::Unchanged => "unchanged",
            EntryResult::Failed => "failed",
            EntryResult::Pending => "pending",
            EntryResult::Granted => "granted",
            EntryResult::Approved => "approved",
            EntryResult::ClientApproved => "client-approved",
            EntryResult::ApprovedAwaitingClient => "approved-awaiting-client",
            EntryResult::Denied => "denied",
            EntryResult::Delivered => "delivered",
            EntryResult::Partial => "partial",
            EntryResult::Other(word) => word,
        }
    }
}

impl From<&str> for EntryResult {
    /// Reads a written word: a named result, or [`EntryResult::Other`] keeping it.
    fn from(word: &str) -> Self {
        EntryResult::NAMED
            .into_iter()
            .find(|named| named.as_str() == word)
            .unwrap_or_else(|| EntryResult::Other(word.to_string()))
    }
}

impl std::fmt::Display for EntryResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for EntryResult {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EntryResult {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let word = String::deserialize(deserializer)?;
        Ok(EntryResult::from(word.as_str()))
    }
}

/// One audit entry. Fields are written in this order; absent ones are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Entry {
    /// Position in the chain, from 1.
    pub seq: u64,
    /// UTC time the entry was written, `YYYY-MM-DDTHH:MM:SS.mmmZ`: always the real
    /// clock, so a chain's times only move forward.
    pub ts: String,
    /// The instant the run acted as of when it was a rehearsal (`ONBOARD_NOW`), in the
    /// same format; absent for runs at the real time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    /// The chain: a client id or `_workspace`.
    pub chain: String,
    /// What is recorded.
    pub kind: Option<EntryKind>,
    /// Intent or outcome, for changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Phase>,
    /// The run that wrote it.
    pub run: String,
    /// Who acted: the technician, the CI identity, or the OS user.
    pub actor: String,
    /// Ties an intent to its outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<String>,
    /// Client id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// Tenant name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// Identity id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// Account in the tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Entitlement, `KIND:NAME`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entitlement: Option<String>,
    /// What asked for it: `bundle:ID`, `exception:ID`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// Ticket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// Reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// End of the access, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// `ok`, `unchanged` or `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub result: Option<EntryResult>,
    /// For failures: a stable code (`unreachable`, `denied`, `not-found`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// For failures: the message (never a secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Kind-specific detail (plan summary, checkpoint, key rotation; on a grant's
    /// outcome, [`TENANT_ENFORCES_EXPIRY`] when the tenant ends it by itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<serde_json::Value>,
    /// For a signed governance action: the statement the actor signed, the SSH
    /// signature and the key, re-checked by `audit verify`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<crate::actor::Proof>,
    /// SHA-256 (hex) of the previous line, or 64 zeros for the first.
    pub prev: String,
    /// Id of the signing key.
    pub key: String,
}

/// The marker that starts the signature member at the end of a line.
pub const SIG_MARKER: &str = ",\"sig\":\"";

/// Splits a line into the signed body (with its closing brace restored) and the hex
/// signature; `None` when the line has no signature member.
pub fn split_signature(line: &str) -> Option<(String, &str)> {
    let at = line.rfind(SIG_MARKER)?;
    let sig = line[at + SIG_MARKER.len()..].strip_suffix("\"}")?;
    Some((format!("{}}}", &line[..at]), sig))
}

/// Returns the hex SHA-256 of a line.
pub fn line_hash(line: &[u8]) -> String {
    hex::encode(Sha256::digest(line))
}

/// Returns the current time as written in entries, or the given instant.
pub fn timestamp(instant: time::OffsetDateTime) -> String {
    let utc = crate::model::time::to_utc(instant);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second(),
        utc.millisecond()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_member_splits_off() {
        let (body, sig) = split_signature(r#"{"seq":1,"key":"k","sig":"abcd"}"#).unwrap();
        assert_eq!(body, r#"{"seq":1,"key":"k"}"#);
        assert_eq!(sig, "abcd");
        assert!(split_signature(r#"{"seq":1}"#).is_none());
    }

    #[test]
    fn every_kind_is_listed_once_under_its_written_name() {
        for (index, kind) in EntryKind::ALL.iter().enumerate() {
            // A new variant fails to compile here until it is given its place in `ALL`.
            let place = match kind {
                EntryKind::ChainStart => 0,
                EntryKind::RunStart => 1,
                EntryKind::RunFinish => 2,
                EntryKind::Plan => 3,
                EntryKind::Grant => 4,
                EntryKind::Renew => 5,
                EntryKind::Expire => 6,
                EntryKind::Revoke => 7,
                EntryKind::Drift => 8,
                EntryKind::Configuration => 9,
                EntryKind::Denial => 10,
                EntryKind::Approval => 11,
                EntryKind::Elevation => 12,
                EntryKind::BreakGlass => 13,
                EntryKind::Review => 14,
                EntryKind::Revocation => 15,
                EntryKind::Reconcile => 16,
                EntryKind::KeyRotation => 17,
                EntryKind::Checkpoint => 18,
                EntryKind::Import => 19,
                EntryKind::Credential => 20,
                EntryKind::Notify => 21,
                EntryKind::Other => unreachable!("never written, so not listed"),
            };
            assert_eq!(place, index);
            let written = serde_json::to_value(kind).unwrap();
            assert_eq!(written, kind.as_str());
        }
    }

    #[test]
    fn a_kind_a_newer_onboard_writes_is_read_as_other() {
        let line = r#"{"seq":3,"ts":"2026-01-02T03:04:05.006Z","chain":"acme","kind":"attestation","run":"r","actor":"a","prev":"00","key":"k"}"#;
        let entry: Entry = serde_json::from_str(line).expect("an entry of a newer kind reads");
        assert_eq!(entry.kind, Some(EntryKind::Other));
        assert!(!EntryKind::Other.is_change());
    }

    #[test]
    fn every_result_is_written_as_its_word_and_read_back_as_itself() {
        let words = [
            "ok",
            "unchanged",
            "failed",
            "pending",
            "granted",
            "approved",
            "client-approved",
            "approved-awaiting-client",
            "denied",
            "delivered",
            "partial",
            "justified",
        ];
        for word in words {
            let line = format!(r#""{word}""#);
            let result: EntryResult = serde_json::from_str(&line).unwrap();
            assert_eq!(result.as_str(), word);
            assert_eq!(serde_json::to_string(&result).unwrap(), line);
        }
        for named in EntryResult::NAMED {
            assert_eq!(EntryResult::from(named.as_str()), named);
        }
        assert_eq!(
            EntryResult::from("justified"),
            EntryResult::Other("justified".into())
        );
    }

    #[test]
    fn timestamps_are_fixed_width() {
        let t = time::macros::datetime!(2026-01-02 03:04:05.006 UTC);
        assert_eq!(timestamp(t), "2026-01-02T03:04:05.006Z");
    }
}
