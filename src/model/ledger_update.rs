//! What a change that succeeded in a tenant does to its ledger records ([`LedgerUpdate`]):
//! one rule for `apply` and for `state rebuild`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use super::{Entitlement, GrantRecord};

/// What one change that succeeded in a tenant does to that tenant's ledger records. One
/// rule for `apply` and for `state rebuild` (which replays the audit log), so a rebuilt
/// ledger is the ledger `apply` wrote.
#[derive(Debug, Clone)]
pub enum LedgerUpdate<'a> {
    /// Access now held (granted or renewed): the record replaces the identity's record for
    /// the same account and entitlement, keeping its first `granted_at`. `unchanged`: the
    /// tenant already held it as wanted, so it keeps enforcing the end it did.
    Hold {
        /// The record as of this change.
        record: GrantRecord,
        /// Nothing was sent.
        unchanged: bool,
    },
    /// Access gone (expired, revoked, or drift removed): the account's records for the
    /// entitlement go, only the identity's when an identity is named. Its names are
    /// borrowed from the change (`apply`) or owned (an entry `state rebuild` replays).
    Remove {
        /// Client id.
        client: Cow<'a, str>,
        /// Tenant name.
        tenant: Cow<'a, str>,
        /// The entitlement.
        entitlement: Cow<'a, Entitlement>,
        /// The identity, when the change names one (drift does not).
        identity: Option<Cow<'a, str>>,
        /// The account.
        account: Cow<'a, str>,
    },
}

impl<'a> LedgerUpdate<'a> {
    /// Applies the update to a tenant's records.
    pub fn apply_to(self, records: &mut Vec<GrantRecord>) {
        LedgerUpdate::apply_all([self], records);
    }

    /// Applies the updates in order to the records: the records [`LedgerUpdate::apply_to`]
    /// leaves when each is applied in turn, in the same order, in time linear in the
    /// records and the updates rather than the records times the updates. The records
    /// are looked up by client, tenant, entitlement and account (any ASCII letter case);
    /// a record replaced or removed leaves a gap until the end, so the order holds.
    pub fn apply_all(
        updates: impl IntoIterator<Item = LedgerUpdate<'a>>,
        records: &mut Vec<GrantRecord>,
    ) {
        let mut slots: Vec<Option<GrantRecord>> = records.drain(..).map(Some).collect();
        let mut index: HashMap<u64, Vec<usize>> = HashMap::new();
        for (at, record) in slots.iter().enumerate() {
            if let Some(r) = record {
                let key = key_of(&r.client, &r.tenant, &r.entitlement, &r.account);
                index.entry(key).or_default().push(at);
            }
        }
        for update in updates {
            match update {
                LedgerUpdate::Hold {
                    mut record,
                    unchanged,
                } => {
                    let key = key_of(
                        &record.client,
                        &record.tenant,
                        &record.entitlement,
                        &record.account,
                    );
                    let places = index.entry(key).or_default();
                    let mut first = None;
                    for &at in places.iter() {
                        if slots[at].as_ref().is_some_and(|r| same_grant(r, &record)) {
                            // Every one goes; the first in the records' order is the one
                            // the new record keeps its beginning from.
                            let previous = slots[at].take();
                            first = first.or(previous);
                        }
                    }
                    if let Some(previous) = first {
                        record.granted_at = previous.granted_at;
                        // Held before onboard stays a fact about how the access began.
                        record.origin = previous.origin;
                        record.tenant_enforces_expiry |= unchanged
                            && previous.tenant_enforces_expiry
                            && previous.expires_at == record.expires_at;
                    }
                    places.retain(|&at| slots[at].is_some());
                    places.push(slots.len());
                    slots.push(Some(record));
                }
                LedgerUpdate::Remove {
                    client,
                    tenant,
                    entitlement,
                    identity,
                    account,
                } => {
                    let key = key_of(&client, &tenant, &entitlement, &account);
                    let Some(places) = index.get_mut(&key) else {
                        continue;
                    };
                    for &at in places.iter() {
                        let gone = slots[at].as_ref().is_some_and(|r| {
                            r.client == *client
                                && r.tenant == *tenant
                                && r.entitlement == *entitlement
                                && r.account.eq_ignore_ascii_case(&account)
                                && identity.as_deref().is_none_or(|i| r.identity == i)
                        });
                        if gone {
                            slots[at] = None;
                        }
                    }
                    places.retain(|&at| slots[at].is_some());
                }
            }
        }
        records.extend(slots.into_iter().flatten());
    }
}

/// Whether two records are of the same grant: client, tenant, entitlement, identity and
/// account (in any ASCII letter case).
fn same_grant(a: &GrantRecord, b: &GrantRecord) -> bool {
    a.client == b.client
        && a.tenant == b.tenant
        && a.entitlement == b.entitlement
        && a.identity == b.identity
        && a.account.eq_ignore_ascii_case(&b.account)
}

/// The hash [`LedgerUpdate::apply_all`] finds records by: client, tenant, entitlement and
/// the account lowercased (ASCII), as the updates compare them.
fn key_of(client: &str, tenant: &str, entitlement: &Entitlement, account: &str) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    client.hash(&mut hasher);
    tenant.hash(&mut hasher);
    entitlement.hash(&mut hasher);
    for byte in account.bytes() {
        hasher.write_u8(byte.to_ascii_lowercase());
    }
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::record::tests::record;

    #[test]
    fn a_renewal_keeps_the_first_grant_time_and_what_the_tenant_enforces() {
        let first = time::macros::datetime!(2026-11-01 00:00 UTC);
        let later = time::macros::datetime!(2026-12-01 00:00 UTC);
        let mut records = vec![GrantRecord {
            tenant_enforces_expiry: true,
            ..record("carol", "carol@acme.example", first)
        }];
        // Held again, nothing sent: same end, so the tenant still enforces it.
        LedgerUpdate::Hold {
            record: record("carol", "CAROL@acme.example", later),
            unchanged: true,
        }
        .apply_to(&mut records);
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].granted_at, first);
        assert!(records[0].tenant_enforces_expiry);
        // Sent again without the tenant enforcing it: no longer marked.
        LedgerUpdate::Hold {
            record: record("carol", "carol@acme.example", later),
            unchanged: false,
        }
        .apply_to(&mut records);
        assert_eq!(records[0].granted_at, first);
        assert!(!records[0].tenant_enforces_expiry);
    }

    /// The rule as it was written before records were looked up by key: each update
    /// scans the records.
    fn apply_by_scanning(update: LedgerUpdate<'_>, records: &mut Vec<GrantRecord>) {
        match update {
            LedgerUpdate::Hold {
                mut record,
                unchanged,
            } => {
                if let Some(previous) = records.iter().find(|r| same_grant(r, &record)) {
                    record.granted_at = previous.granted_at;
                    record.origin = previous.origin;
                    record.tenant_enforces_expiry |= unchanged
                        && previous.tenant_enforces_expiry
                        && previous.expires_at == record.expires_at;
                }
                records.retain(|r| !same_grant(r, &record));
                records.push(record);
            }
            LedgerUpdate::Remove {
                client,
                tenant,
                entitlement,
                identity,
                account,
            } => records.retain(|r| {
                !(r.client == *client
                    && r.tenant == *tenant
                    && r.entitlement == *entitlement
                    && r.account.eq_ignore_ascii_case(&account)
                    && identity.as_deref().is_none_or(|i| r.identity == i))
            }),
        }
    }

    proptest::proptest! {
        /// Many updates at once leave the records, in their order, that the same updates
        /// leave one at a time: holds and removals of few identities, accounts (in either
        /// letter case), entitlements and tenants, so that they meet.
        #[test]
        fn updates_applied_at_once_leave_what_they_leave_one_at_a_time(
            start in proptest::collection::vec((0..2usize, 0..2usize, 0..3usize, 0..3usize, proptest::bool::ANY), 0..12),
            steps in proptest::collection::vec((0..3usize, 0..2usize, 0..2usize, 0..3usize, 0..3usize, proptest::bool::ANY, 0..4i64), 0..24),
        ) {
            let entitlements: Vec<Entitlement> =
                ["group:a", "group:b"].iter().map(|e| e.parse().unwrap()).collect();
            let identities = ["ann", "ben", "cat"];
            let accounts = ["ann@x", "shared@x", "ben@x"];
            let at = |day: i64| time::macros::datetime!(2026-11-01 00:00 UTC) + time::Duration::days(day);
            let make = |tenant: usize, entitlement: usize, identity: usize, account: usize, upper: bool, day: i64| {
                let account = accounts[account];
                GrantRecord {
                    tenant: ["entra", "okta"][tenant].into(),
                    entitlement: entitlements[entitlement].clone(),
                    tenant_enforces_expiry: day % 2 == 0,
                    expires_at: Some(at(30 + day % 2)),
                    ..record(
                        identities[identity],
                        &if upper { account.to_uppercase() } else { account.to_string() },
                        at(day),
                    )
                }
            };
            let mut records: Vec<GrantRecord> = start
                .iter()
                .enumerate()
                .map(|(n, &(t, e, i, a, upper))| make(t, e, i, a, upper, n as i64))
                .collect();
            let mut expected = records.clone();
            let updates: Vec<LedgerUpdate<'_>> = steps
                .iter()
                .map(|&(what, t, e, i, a, upper, day)| match what {
                    0 | 1 => LedgerUpdate::Hold {
                        record: make(t, e, i, a, upper, 10 + day),
                        unchanged: what == 0,
                    },
                    _ => LedgerUpdate::Remove {
                        client: "acme".into(),
                        tenant: ["entra", "okta"][t].into(),
                        entitlement: Cow::Borrowed(&entitlements[e]),
                        identity: (!upper).then_some(identities[i].into()),
                        account: if day % 2 == 0 { accounts[a] } else { "SHARED@X" }.into(),
                    },
                })
                .collect();
            for update in updates.iter().cloned() {
                apply_by_scanning(update, &mut expected);
            }
            LedgerUpdate::apply_all(updates, &mut records);
            proptest::prop_assert_eq!(records, expected);
        }
    }

    #[test]
    fn a_removal_names_the_identity_except_for_drift() {
        let at = time::macros::datetime!(2026-11-01 00:00 UTC);
        let entitlement: Entitlement = "role:Security Administrator".parse().unwrap();
        let mut records = vec![
            record("carol", "shared@acme.example", at),
            record("dave", "shared@acme.example", at),
        ];
        let remove = |identity: Option<&'static str>| LedgerUpdate::Remove {
            client: "acme".into(),
            tenant: "entra".into(),
            entitlement: Cow::Borrowed(&entitlement),
            identity: identity.map(Cow::Borrowed),
            account: "SHARED@acme.example".into(),
        };
        remove(Some("carol")).apply_to(&mut records);
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].identity, "dave");
        remove(None).apply_to(&mut records);
        assert!(records.is_empty());
    }
}
