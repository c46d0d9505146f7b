//! The mass-revoke guard's arithmetic over a plan's changes: which tenants one run would
//! strip of more grants than policy allows, and the fingerprint that ties a second
//! person's approval to exactly those removals.
//!
//! Pure, like the rest of `plan`: it reads changes and ledger records and returns values.
//! It decides nothing about requests or approvals (the apply workflow does), and it
//! never prints.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::{Change, ChangeKind};
use crate::model::GrantRecord;

/// A tenant where one run would revoke more than policy allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MassRevocation {
    /// Client id.
    pub client: String,
    /// Tenant name.
    pub tenant: String,
    /// Grants the run would revoke there.
    pub removals: usize,
    /// Grants onboard manages there (recorded in the ledger).
    pub managed: usize,
}

/// Returns the tenants where `changes` revoke more than `max_count` grants or more than
/// `max_share` of the grants recorded there. Expiries do not count: access whose time has
/// passed ends whatever its number.
pub fn mass_revocations(
    changes: &[Change],
    ledger: &[GrantRecord],
    max_count: usize,
    max_share: f64,
) -> Vec<MassRevocation> {
    let mut per_tenant: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for change in changes.iter().filter(|c| {
        matches!(c.kind, ChangeKind::Revoke | ChangeKind::Drift) && !c.tenant_already_done
    }) {
        *per_tenant
            .entry((&change.client, &change.tenant))
            .or_default() += 1;
    }
    // Each tenant's recorded grants, counted in one pass over the ledger.
    let mut recorded: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for grant in ledger {
        let key = (grant.client.as_str(), grant.tenant.as_str());
        if per_tenant.contains_key(&key) {
            *recorded.entry(key).or_default() += 1;
        }
    }
    per_tenant
        .into_iter()
        .filter_map(|((client, tenant), removals)| {
            let managed = recorded
                .get(&(client, tenant))
                .copied()
                .unwrap_or(0)
                .max(removals);
            let share = removals as f64 / managed as f64;
            (removals > max_count || share > max_share).then(|| MassRevocation {
                client: client.to_string(),
                tenant: tenant.to_string(),
                removals,
                managed,
            })
        })
        .collect()
}

/// Returns a fingerprint of the removals in `changes`, so an approval covers exactly them.
pub fn removals_fingerprint(changes: &[Change]) -> String {
    let mut keys: Vec<String> = changes
        .iter()
        .filter(|c| c.kind.removes())
        .map(|c| {
            format!(
                "{}\u{1f}{}\u{1f}{}\u{1f}{}",
                c.client,
                c.tenant,
                c.entitlement
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                c.account.as_deref().unwrap_or_default()
            )
        })
        .collect();
    keys.sort();
    hex::encode(Sha256::digest(keys.join("\n").as_bytes()))
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn change(kind: ChangeKind, tenant: &str, account: &str) -> Change {
        Change {
            entitlement: Some("group:Helpdesk".parse().expect("entitlement")),
            account: Some(account.into()),
            ..Change::new(kind, "acme", tenant, String::new())
        }
    }

    fn record(tenant: &str, account: &str) -> GrantRecord {
        GrantRecord {
            client: "acme".into(),
            tenant: tenant.into(),
            entitlement: "group:Helpdesk".parse().expect("entitlement"),
            identity: account.into(),
            account: account.into(),
            granted_at: datetime!(2025-01-01 00:00 UTC),
            expires_at: None,
            sources: Vec::new(),
            ticket: None,
            actor: "ops".into(),
            tenant_enforces_expiry: false,
            origin: crate::model::RecordOrigin::Granted,
        }
    }

    #[test]
    fn revocations_over_the_count_or_share_are_reported_per_tenant_and_expiries_do_not_count() {
        let ledger: Vec<GrantRecord> = ["a", "b", "c", "d"]
            .into_iter()
            .map(|a| record("m365", a))
            .chain(["e", "f"].into_iter().map(|a| record("okta", a)))
            .collect();
        let changes = vec![
            change(ChangeKind::Revoke, "m365", "a"),
            change(ChangeKind::Drift, "m365", "b"),
            change(ChangeKind::Expire, "m365", "c"),
            change(ChangeKind::Expire, "okta", "e"),
            change(ChangeKind::Expire, "okta", "f"),
        ];
        // Two of four in m365 is half: over a share of 0.4, under a count of 5.
        assert_eq!(
            mass_revocations(&changes, &ledger, 5, 0.4),
            vec![MassRevocation {
                client: "acme".into(),
                tenant: "m365".into(),
                removals: 2,
                managed: 4,
            }]
        );
        assert!(mass_revocations(&changes, &ledger, 5, 0.5).is_empty());
        assert_eq!(mass_revocations(&changes, &ledger, 1, 1.0).len(), 1);
    }

    #[test]
    fn the_fingerprint_covers_exactly_the_removals_in_any_order() {
        let a = change(ChangeKind::Revoke, "m365", "a");
        let b = change(ChangeKind::Drift, "m365", "b");
        let grant = change(ChangeKind::Grant, "m365", "c");
        let fingerprint = removals_fingerprint(&[a.clone(), b.clone()]);
        assert_eq!(fingerprint, removals_fingerprint(&[b.clone(), grant, a]));
        assert_ne!(fingerprint, removals_fingerprint(&[b]));
    }
}
