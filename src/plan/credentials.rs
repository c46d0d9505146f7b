//! Credential rotation: which declared credentials of service accounts and agents are
//! due to be issued (`rotate`), which old ones have outlived their overlap (`retire`),
//! and which belong to an identity, client or declaration that is gone (`revoke`).
//!
//! Pure: the workspace, the issued-credential records and `now` in, changes out.

use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;

use super::account_of;
use crate::model::time::after;
use crate::model::{
    CredentialSlot, Diagnostic, IdentityKind, IdentityScope, IssuedRecord, Workspace,
};

/// A declared credential of one identity in one tenant, as the workspace wants it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Wanted {
    /// Which credential.
    #[serde(flatten)]
    pub slot: CredentialSlot,
    /// The identity's account in the tenant.
    pub account: String,
    /// Where each new value is delivered (`vault:PATH#FIELD` or `file:PATH`).
    pub deliver: String,
    /// The age at which it is rotated.
    #[serde(serialize_with = "seconds")]
    pub max_age: Duration,
    /// How long the old one outlives its successor.
    #[serde(serialize_with = "seconds")]
    pub overlap: Duration,
    /// The declaration's terms, recorded with each credential issued under it.
    pub terms: String,
}

fn seconds<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u64(duration.as_secs())
}

/// Why a credential is issued now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RotateReason {
    /// None was issued yet.
    NeverIssued,
    /// The current one reached `max_age`.
    Due,
    /// The declaration changed since the current one was issued.
    TermsChanged,
}

impl RotateReason {
    /// Says why, for tables: `never issued`, `older than 30d`, `declaration changed`.
    pub fn describe(self, max_age: Duration) -> String {
        match self {
            RotateReason::NeverIssued => "never issued".to_string(),
            RotateReason::Due => format!(
                "older than {}",
                crate::model::time::format_duration(max_age)
            ),
            RotateReason::TermsChanged => "declaration changed".to_string(),
        }
    }
}

/// Why an issued credential is removed from its tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RetireReason {
    /// Its successor was delivered and the overlap has passed.
    OverlapEnded,
    /// Its declaration has no overlap (`overlap: 0`): it goes in the same run as its
    /// successor is delivered (and stays when that rotation fails).
    NoOverlap,
    /// Its identity, its client's contract or its declaration is gone: every credential
    /// of the slot goes, and its delivered values are destroyed in the vault.
    Revoked,
}

/// One change to a credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum CredentialChange {
    /// Issue a new credential, deliver it, then start the current one's overlap.
    Rotate {
        /// The credential as wanted.
        wanted: Wanted,
        /// Why now.
        reason: RotateReason,
        /// The key id of the current credential, whose overlap starts once the new one
        /// is delivered.
        replaces: Option<String>,
    },
    /// Remove an issued credential from its tenant.
    Retire {
        /// The credential as recorded.
        record: IssuedRecord,
        /// Why.
        reason: RetireReason,
    },
}

impl RetireReason {
    /// Says why, for tables: `overlap ended`, `replaced (no overlap)`, `identity or
    /// declaration gone`.
    pub fn describe(self) -> &'static str {
        match self {
            RetireReason::OverlapEnded => "overlap ended",
            RetireReason::NoOverlap => "replaced (no overlap)",
            RetireReason::Revoked => "identity or declaration gone",
        }
    }
}

impl CredentialChange {
    /// Returns what the change does: `rotate`, `retire` or `revoke` (a retirement whose
    /// identity, contract or declaration is gone).
    pub fn action(&self) -> &'static str {
        match self {
            CredentialChange::Rotate { .. } => "rotate",
            CredentialChange::Retire {
                reason: RetireReason::Revoked,
                ..
            } => "revoke",
            CredentialChange::Retire { .. } => "retire",
        }
    }

    /// Says why, in words naming no key id: `never issued`, `older than 30d`, `overlap
    /// ended`…
    pub fn why(&self) -> String {
        match self {
            CredentialChange::Rotate { wanted, reason, .. } => reason.describe(wanted.max_age),
            CredentialChange::Retire { reason, .. } => reason.describe().to_string(),
        }
    }

    /// Returns where the value is (to be) delivered.
    pub fn deliver(&self) -> &str {
        match self {
            CredentialChange::Rotate { wanted, .. } => &wanted.deliver,
            CredentialChange::Retire { record, .. } => &record.delivered_to,
        }
    }

    /// Returns the credential's slot.
    pub fn slot(&self) -> CredentialSlot {
        match self {
            CredentialChange::Rotate { wanted, .. } => wanted.slot.clone(),
            CredentialChange::Retire { record, .. } => record.slot.clone(),
        }
    }
}

/// Returns the credentials the workspace declares at `now`: one per declared credential
/// and tenant of its system, for every service account and agent whose client's
/// contract runs. Identities whose account in a tenant cannot be named give a problem.
pub fn wanted(workspace: &Workspace, now: OffsetDateTime) -> (Vec<Wanted>, Vec<Diagnostic>) {
    let (mut out, mut problems) = (Vec::new(), Vec::new());
    for identity in workspace.identities.values() {
        if identity.kind == IdentityKind::Person || identity.credentials.is_empty() {
            continue;
        }
        let IdentityScope::Client(client_id, _) = &identity.scope else {
            continue;
        };
        let Some(client) = workspace.clients.get(client_id) else {
            continue;
        };
        if !client.is_active(now) {
            continue;
        }
        for declared in &identity.credentials {
            for tenant in client
                .tenants
                .iter()
                .filter(|t| t.system == declared.system)
            {
                let account = match account_of(identity, client, tenant) {
                    Ok(account) => account,
                    Err(problem) => {
                        problems.push(problem);
                        continue;
                    }
                };
                out.push(Wanted {
                    slot: CredentialSlot {
                        client: client.id.clone(),
                        identity: identity.id.clone(),
                        tenant: tenant.name.clone(),
                        kind: declared.kind,
                        application: declared.application.clone(),
                    },
                    account,
                    deliver: declared.deliver.resolve(&client.id, &identity.id),
                    max_age: declared.max_age,
                    overlap: declared.overlap,
                    terms: declared.terms(),
                });
            }
        }
    }
    (out, problems)
}

/// Shortens a key id or fingerprint for tables: its first 12 characters after any
/// `sha256:` prefix.
pub fn short(key: &str) -> String {
    let key = key.strip_prefix("sha256:").unwrap_or(key);
    key.chars().take(12).collect()
}

/// Returns when a credential issued at `issued_at` is next rotated.
pub fn next_rotation(issued_at: OffsetDateTime, max_age: Duration) -> OffsetDateTime {
    after(issued_at, max_age)
}

/// Decides the changes at `now`: a rotation for every wanted credential never issued,
/// due, or issued under other terms (with the retirement of the one it replaces when the
/// declaration has no overlap); a retirement for every superseded credential past its
/// overlap; a revocation for every credential no longer wanted. Ordered by slot,
/// rotations before retirements.
pub fn decide(
    wanted: &[Wanted],
    records: &[IssuedRecord],
    now: OffsetDateTime,
) -> Vec<CredentialChange> {
    let mut changes = Vec::new();
    for want in wanted {
        let current = records
            .iter()
            .filter(|r| r.is_of(&want.slot) && r.is_current())
            .max_by_key(|r| r.issued_at);
        let reason = match current {
            None => Some(RotateReason::NeverIssued),
            Some(record) if record.terms != want.terms => Some(RotateReason::TermsChanged),
            Some(record) if next_rotation(record.issued_at, want.max_age) <= now => {
                Some(RotateReason::Due)
            }
            Some(_) => None,
        };
        if let Some(reason) = reason {
            changes.push(CredentialChange::Rotate {
                wanted: want.clone(),
                reason,
                replaces: current.map(|r| r.key_id.clone()),
            });
            // Without an overlap the one replaced goes in the same run, not the next.
            if let Some(record) = current.filter(|_| want.overlap.is_zero()) {
                changes.push(CredentialChange::Retire {
                    record: record.clone(),
                    reason: RetireReason::NoOverlap,
                });
            }
        }
    }
    for record in records {
        let reason = if !wanted.iter().any(|w| record.is_of(&w.slot)) {
            RetireReason::Revoked
        } else if record.retire_after.is_some_and(|end| end <= now) {
            RetireReason::OverlapEnded
        } else {
            continue;
        };
        changes.push(CredentialChange::Retire {
            record: record.clone(),
            reason,
        });
    }
    changes.sort_by_key(|c| (c.slot(), matches!(c, CredentialChange::Retire { .. })));
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CredentialKind;
    use time::macros::datetime;

    const DAY: u64 = 86_400;

    fn want(identity: &str) -> Wanted {
        Wanted {
            slot: CredentialSlot {
                client: "globex".into(),
                identity: identity.into(),
                tenant: "entra".into(),
                kind: CredentialKind::ClientSecret,
                application: Some("app-1".into()),
            },
            account: format!("{identity}@globex.example"),
            deliver: format!("vault:secret/data/globex/{identity}#client_secret"),
            max_age: Duration::from_secs(30 * DAY),
            overlap: Duration::from_secs(2 * DAY),
            terms: "max_age=30d overlap=2d".into(),
        }
    }

    fn record(want: &Wanted, key: &str, issued_at: OffsetDateTime) -> IssuedRecord {
        IssuedRecord {
            slot: want.slot.clone(),
            key_id: key.into(),
            delivered_to: want.deliver.clone(),
            vault_version: Some(1),
            issued_at,
            terms: want.terms.clone(),
            retire_after: None,
        }
    }

    fn actions(changes: &[CredentialChange]) -> Vec<String> {
        changes
            .iter()
            .map(|c| match c {
                CredentialChange::Rotate {
                    wanted,
                    reason,
                    replaces,
                } => format!(
                    "rotate {} {reason:?} replaces {replaces:?}",
                    wanted.slot.identity
                ),
                CredentialChange::Retire { record, reason } => {
                    format!(
                        "retire {} {} {reason:?}",
                        record.slot.identity, record.key_id
                    )
                }
            })
            .collect()
    }

    #[test]
    fn a_credential_never_issued_is_rotated_in_and_a_fresh_one_is_left_alone() {
        let now = datetime!(2026-12-01 00:00 UTC);
        let wanted = [want("backup-svc")];
        assert_eq!(
            actions(&decide(&wanted, &[], now)),
            ["rotate backup-svc NeverIssued replaces None"]
        );
        let fresh = record(&wanted[0], "k1", now);
        assert!(decide(&wanted, &[fresh], now).is_empty());
    }

    #[test]
    fn a_credential_at_max_age_is_rotated_and_one_just_younger_is_not() {
        let issued = datetime!(2026-11-01 00:00 UTC);
        let wanted = [want("backup-svc")];
        let records = [record(&wanted[0], "k1", issued)];
        let due = issued + time::Duration::days(30);
        assert!(decide(&wanted, &records, due - time::Duration::seconds(1)).is_empty());
        assert_eq!(
            actions(&decide(&wanted, &records, due)),
            ["rotate backup-svc Due replaces Some(\"k1\")"]
        );
    }

    #[test]
    fn a_changed_declaration_rotates_at_once() {
        let now = datetime!(2026-12-01 00:00 UTC);
        let mut wanted = [want("backup-svc")];
        let records = [record(&wanted[0], "k1", now)];
        wanted[0].terms = "max_age=7d overlap=1d".into();
        assert_eq!(
            actions(&decide(&wanted, &records, now)),
            ["rotate backup-svc TermsChanged replaces Some(\"k1\")"]
        );
    }

    #[test]
    fn an_old_credential_is_retired_once_its_overlap_has_passed() {
        let issued = datetime!(2026-11-01 00:00 UTC);
        let wanted = [want("backup-svc")];
        let mut old = record(&wanted[0], "k1", issued);
        let end = issued + time::Duration::days(32);
        old.retire_after = Some(end);
        let new = record(&wanted[0], "k2", issued + time::Duration::days(30));
        let records = [old, new];
        assert!(decide(&wanted, &records, end - time::Duration::seconds(1)).is_empty());
        assert_eq!(
            actions(&decide(&wanted, &records, end)),
            ["retire backup-svc k1 OverlapEnded"]
        );
    }

    #[test]
    fn without_an_overlap_the_replaced_credential_is_retired_with_the_rotation() {
        let issued = datetime!(2026-11-01 00:00 UTC);
        let mut wanted = [want("backup-svc")];
        wanted[0].overlap = Duration::ZERO;
        let records = [record(&wanted[0], "k1", issued)];
        let due = issued + time::Duration::days(30);
        assert_eq!(
            actions(&decide(&wanted, &records, due)),
            [
                "rotate backup-svc Due replaces Some(\"k1\")",
                "retire backup-svc k1 NoOverlap"
            ]
        );
        // Never issued: nothing to retire.
        assert_eq!(
            actions(&decide(&wanted, &[], due)),
            ["rotate backup-svc NeverIssued replaces None"]
        );
    }

    #[test]
    fn every_credential_of_an_identity_no_longer_wanted_is_revoked() {
        let now = datetime!(2026-12-01 00:00 UTC);
        let gone = want("old-agent");
        let mut superseded = record(&gone, "k1", now);
        superseded.retire_after = Some(now + time::Duration::days(2));
        let records = [superseded, record(&gone, "k2", now)];
        let wanted = [want("backup-svc")];
        assert_eq!(
            actions(&decide(&wanted, &records, now)),
            [
                "rotate backup-svc NeverIssued replaces None",
                "retire old-agent k1 Revoked",
                "retire old-agent k2 Revoked",
            ]
        );
    }
}
