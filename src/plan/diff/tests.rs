use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use time::OffsetDateTime;
use time::macros::datetime;

use super::*;
use crate::model::{EntitlementKind, Origin};
use crate::plan::GrantKey;

const NOW: OffsetDateTime = datetime!(2026-11-21 12:00 UTC);

fn ent(i: usize) -> Entitlement {
    Entitlement {
        kind: EntitlementKind::Group,
        name: format!("g{i}"),
    }
}

fn desired(identity: &str, e: usize, expires_in_days: Option<i64>) -> DesiredGrant {
    DesiredGrant {
        key: GrantKey {
            client: "c".into(),
            tenant: "t".into(),
            entitlement: ent(e),
            identity: identity.into(),
        },
        account: format!("{identity}@c.example"),
        starts_at: None,
        expires_at: expires_in_days.map(|d| NOW + time::Duration::days(d)),
        sources: vec!["bundle:b".into()],
        origin: Origin::at(&"bundles/b.yaml".into(), 3, 5),
        ticket: None,
        privileged: false,
        denials: Vec::new(),
    }
}

fn record_of(grant: &DesiredGrant) -> GrantRecord {
    GrantRecord {
        client: "c".into(),
        tenant: "t".into(),
        entitlement: grant.key.entitlement.clone(),
        identity: grant.key.identity.clone(),
        account: grant.account.clone(),
        granted_at: NOW - time::Duration::days(1),
        expires_at: grant.expires_at,
        sources: grant.sources.clone(),
        ticket: None,
        actor: "test".into(),
        tenant_enforces_expiry: false,
        origin: crate::model::RecordOrigin::Granted,
    }
}

#[derive(Debug, Clone)]
struct World {
    desired: Vec<DesiredGrant>,
    ledger: Vec<GrantRecord>,
    held: BTreeMap<Entitlement, Vec<Holder>>,
    managed: BTreeSet<Entitlement>,
    accounts: BTreeMap<String, String>,
}

impl World {
    /// Returns the changes and warnings of the tenant's diff.
    fn diff(&self, observation: &Observation) -> (Vec<Change>, Vec<String>) {
        let plan = self.diff_plan(observation);
        (plan.changes, plan.warnings)
    }

    fn diff_plan(&self, observation: &Observation) -> Plan {
        diff_tenant(&DiffInput {
            now: NOW,
            client: "c",
            tenant: "t",
            desired: &self.desired,
            managed: &self.managed,
            accounts: &self.accounts,
            ledger: &self.ledger,
            blocks: &[],
            sent: &[],
            observation,
        })
    }

    fn observe(&self) -> Observation {
        Observation::Read(self.held.clone())
    }

    /// Applies changes the way `apply --prune` does: to the tenant, then to the ledger.
    fn apply(&mut self, changes: &[Change]) {
        for change in changes {
            let entitlement = change.entitlement.clone().unwrap();
            let account = change.account.clone().unwrap();
            let holders = self.held.entry(entitlement.clone()).or_default();
            match change.kind {
                ChangeKind::Grant | ChangeKind::Renew => {
                    if !holders
                        .iter()
                        .any(|h| h.account.eq_ignore_ascii_case(&account))
                    {
                        holders.push(Holder {
                            account: account.clone(),
                            expires_at: None,
                            pending: false,
                        });
                    }
                    let identity = change.identity.clone().unwrap();
                    self.ledger
                        .retain(|r| !(r.entitlement == entitlement && r.identity == identity));
                    self.ledger.push(GrantRecord {
                        client: "c".into(),
                        tenant: "t".into(),
                        entitlement,
                        identity,
                        account,
                        granted_at: NOW,
                        expires_at: change.expires_at,
                        sources: change.sources.clone(),
                        ticket: change.ticket.clone(),
                        actor: "test".into(),
                        tenant_enforces_expiry: false,
                        origin: crate::model::RecordOrigin::Granted,
                    });
                }
                ChangeKind::Expire | ChangeKind::Revoke | ChangeKind::Drift => {
                    holders.retain(|h| !h.account.eq_ignore_ascii_case(&account));
                    self.ledger
                        .retain(|r| !(r.entitlement == entitlement && r.account == account));
                }
            }
        }
    }
}

fn world(
    desired: Vec<DesiredGrant>,
    ledger: Vec<GrantRecord>,
    held: BTreeMap<Entitlement, Vec<Holder>>,
) -> World {
    let managed = (0..4).map(ent).collect();
    let accounts = ["ann", "ben", "cat", "dan"]
        .iter()
        .map(|i| (format!("{i}@c.example"), i.to_string()))
        .collect();
    World {
        desired,
        ledger,
        held,
        managed,
        accounts,
    }
}

fn kinds(changes: &[Change]) -> Vec<(ChangeKind, String, String)> {
    changes
        .iter()
        .map(|c| {
            (
                c.kind,
                c.entitlement
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                c.account.clone().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn grants_what_is_missing_and_records_what_is_held() {
    let d = vec![desired("ann", 0, None), desired("ben", 0, None)];
    let held = BTreeMap::from([(
        ent(0),
        vec![Holder {
            account: "BEN@c.example".into(),
            expires_at: None,
            pending: false,
        }],
    )]);
    let w = world(d, vec![], held);
    let (changes, _) = w.diff(&w.observe());
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[0].kind, ChangeKind::Grant);
    assert!(!changes[0].tenant_already_done);
    assert!(
        changes[1].tenant_already_done,
        "ben holds it already (case-insensitive account)"
    );
}

#[test]
fn ended_grants_expire_and_undesired_ones_are_revoked() {
    let ended = desired("ann", 0, Some(-1));
    let gone = desired("ben", 1, None);
    let held = BTreeMap::from([
        (
            ent(0),
            vec![Holder {
                account: "ann@c.example".into(),
                expires_at: None,
                pending: false,
            }],
        ),
        (
            ent(1),
            vec![Holder {
                account: "ben@c.example".into(),
                expires_at: None,
                pending: false,
            }],
        ),
    ]);
    let w = world(
        vec![ended.clone()],
        vec![record_of(&ended), record_of(&gone)],
        held,
    );
    let (changes, _) = w.diff(&w.observe());
    assert_eq!(
        kinds(&changes),
        [
            (
                ChangeKind::Expire,
                "group:g0".into(),
                "ann@c.example".into()
            ),
            (
                ChangeKind::Revoke,
                "group:g1".into(),
                "ben@c.example".into()
            )
        ]
    );
}

#[test]
fn later_end_renews_and_strangers_are_drift() {
    let mut old = desired("ann", 0, Some(3));
    let record = record_of(&old);
    old.expires_at = Some(NOW + time::Duration::days(30));
    let held = BTreeMap::from([(
        ent(0),
        vec![
            Holder {
                account: "ann@c.example".into(),
                expires_at: None,
                pending: false,
            },
            Holder {
                account: "mallory@c.example".into(),
                expires_at: None,
                pending: false,
            },
        ],
    )]);
    let w = world(vec![old], vec![record], held);
    let (changes, _) = w.diff(&w.observe());
    assert_eq!(changes[0].kind, ChangeKind::Renew);
    assert_eq!(changes[1].kind, ChangeKind::Drift);
    assert_eq!(changes[1].identity, None);
}

#[test]
fn pending_invitations_are_neither_granted_again_nor_drift_and_revokes_cancel_them() {
    let pending = |account: &str| Holder {
        account: account.into(),
        expires_at: None,
        pending: true,
    };
    let kept = desired("ann", 0, None);
    let unrecorded = desired("ben", 0, None);
    let gone = desired("cat", 1, None);
    let held = BTreeMap::from([
        (
            ent(0),
            vec![
                pending("ann@c.example"),
                pending("ben@c.example"),
                pending("stranger@c.example"),
            ],
        ),
        (ent(1), vec![pending("cat@c.example")]),
    ]);
    let w = world(
        vec![kept.clone(), unrecorded],
        vec![record_of(&kept), record_of(&gone)],
        held,
    );
    let (changes, warnings) = w.diff(&w.observe());
    assert_eq!(
        kinds(&changes),
        [
            (ChangeKind::Grant, "group:g0".into(), "ben@c.example".into()),
            (
                ChangeKind::Revoke,
                "group:g1".into(),
                "cat@c.example".into()
            ),
        ]
    );
    assert!(changes[0].tenant_already_done);
    assert!(
        changes[0].reason.contains("invitation pending"),
        "{changes:?}"
    );
    assert!(!changes[1].tenant_already_done);
    assert!(
        changes[1]
            .reason
            .contains("invitation pending: cancelling it"),
        "{changes:?}"
    );
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[0].contains("`ann@c.example`") && warnings[0].contains("invitation pending"));
    assert!(warnings[1].contains("stranger@c.example"));
}

#[test]
fn unreadable_tenant_plans_nothing_but_unknown() {
    let d = desired("ann", 0, None);
    let w = world(vec![], vec![record_of(&d)], BTreeMap::new());
    let plan = w.diff_plan(&Observation::Unreadable(unreadable("list: timed out")));
    assert!(plan.changes.is_empty() && plan.denials.is_empty());
    // It says why, what kind of failure, and what to do.
    assert_eq!(
        plan.unknown,
        [crate::plan::UnreadableTenant {
            client: "c".into(),
            tenant: "t".into(),
            reason: "list: timed out".into(),
            error_code: "unreachable".into(),
            hint: Some("check the endpoint".into()),
        }]
    );
}

/// A tenant that did not answer in time.
fn unreadable(reason: &str) -> crate::plan::ReadFailure {
    crate::plan::ReadFailure {
        reason: reason.to_string(),
        code: "unreachable".into(),
        hint: Some("check the endpoint".into()),
    }
}

fn arb_world() -> impl Strategy<Value = World> {
    let people = prop::sample::select(vec!["ann", "ben", "cat", "dan", "eve"]);
    let grant = (people.clone(), 0..4usize, prop::option::of(-3i64..5));
    let holder = (people.clone(), 0..4usize, prop::bool::weighted(0.25));
    (
        prop::collection::vec(grant.clone(), 0..8),
        prop::collection::vec(grant, 0..8),
        prop::collection::vec(holder, 0..8),
    )
        .prop_map(|(desired_raw, ledger_raw, held_raw)| {
            let mut desired_map = BTreeMap::new();
            for (p, e, x) in desired_raw {
                desired_map.insert((p, e), desired(p, e, x.filter(|d| *d != 0)));
            }
            let mut ledger_map = BTreeMap::new();
            for (p, e, x) in ledger_raw {
                ledger_map.insert((p, e), record_of(&desired(p, e, x.filter(|d| *d != 0))));
            }
            let mut held: BTreeMap<Entitlement, Vec<Holder>> = BTreeMap::new();
            for (p, e, pending) in held_raw {
                let holders = held.entry(ent(e)).or_default();
                let account = format!("{p}@c.example");
                if !holders.iter().any(|h| h.account == account) {
                    holders.push(Holder {
                        account,
                        expires_at: None,
                        pending,
                    });
                }
            }
            world(
                desired_map.into_values().collect(),
                ledger_map.into_values().collect(),
                held,
            )
        })
}

proptest! {
    #[test]
    fn a_state_diffed_with_itself_is_empty(w in arb_world()) {
        // Ledger and tenant hold exactly the active desired grants.
        let active: Vec<_> = w.desired.iter().filter(|g| g.is_active(NOW)).cloned().collect();
        let mut held: BTreeMap<Entitlement, Vec<Holder>> = BTreeMap::new();
        for g in &active {
            held.entry(g.key.entitlement.clone()).or_default().push(Holder { account: g.account.clone(), expires_at: None, pending: false });
        }
        let same = world(w.desired.clone(), active.iter().map(record_of).collect(), held);
        let (changes, _) = same.diff(&same.observe());
        prop_assert!(changes.is_empty(), "{:?}", kinds(&changes));
    }

    #[test]
    fn applying_a_plan_then_diffing_is_empty(mut w in arb_world()) {
        let (changes, _) = w.diff(&w.observe());
        w.apply(&changes);
        let (again, _) = w.diff(&w.observe());
        prop_assert!(again.is_empty(), "after {:?} still {:?}", kinds(&changes), kinds(&again));
    }

    #[test]
    fn an_unknown_read_never_yields_a_removal(w in arb_world(), reason in "[a-z ]{1,20}") {
        let plan = w.diff_plan(&Observation::Unreadable(unreadable(&reason)));
        prop_assert!(plan.changes.is_empty());
        prop_assert_eq!(plan.unknown.len(), 1);
    }

    #[test]
    fn a_pending_invitation_is_never_sent_again_nor_drift(w in arb_world()) {
        let (changes, _) = w.diff(&w.observe());
        for change in &changes {
            let (Some(entitlement), Some(account)) = (&change.entitlement, &change.account) else {
                continue;
            };
            let pending = w.held.get(entitlement).is_some_and(|hs| {
                hs.iter().any(|h| h.pending && h.account.eq_ignore_ascii_case(account))
            });
            if !pending {
                continue;
            }
            prop_assert!(change.kind != ChangeKind::Drift, "{:?}", change);
            if matches!(change.kind, ChangeKind::Grant | ChangeKind::Renew) {
                prop_assert!(change.kind == ChangeKind::Renew || change.tenant_already_done, "{:?}", change);
            }
            if change.kind.removes() {
                prop_assert!(!change.tenant_already_done, "a pending invitation is cancelled: {:?}", change);
            }
        }
    }

    #[test]
    fn the_diff_is_deterministic(w in arb_world()) {
        prop_assert_eq!(w.diff(&w.observe()), w.diff(&w.observe()));
    }
}
