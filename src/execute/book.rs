//! The ledger while an apply runs (`Book`), split by tenant and saved now and then, and
//! how a change that succeeded updates a tenant's records.

use std::collections::BTreeMap;

use super::journal::Journal;
use super::{ApplyContext, ChangeResult, ExecuteError};
use crate::adapters::Outcome;
use crate::model::{GrantRecord, LedgerUpdate};
use crate::plan::{Change, ChangeKind};
use crate::state::{Ledger, StateError};

/// The ledger while an apply runs: records split by tenant, so recording a change looks
/// at one tenant's records only; saved now and then (not after every tenant: the ledger
/// can be large) and at the end. A crash between saves loses only records of changes
/// whose outcomes are in the audit log; the next plan finds them held and records them.
pub(super) struct Book<'p> {
    by_tenant: BTreeMap<(String, String), Vec<GrantRecord>>,
    blocks: Vec<crate::model::Block>,
    last_save: std::time::Instant,
    last_cost: std::time::Duration,
    /// Changes that took effect recorded since the last save.
    unsaved: Vec<&'p Change>,
}

impl<'p> Book<'p> {
    pub(super) fn new(ledger: Ledger) -> Self {
        let mut by_tenant: BTreeMap<(String, String), Vec<GrantRecord>> = BTreeMap::new();
        for grant in ledger.grants {
            by_tenant
                .entry((grant.client.clone(), grant.tenant.clone()))
                .or_default()
                .push(grant);
        }
        Book {
            by_tenant,
            blocks: ledger.blocks,
            last_save: std::time::Instant::now(),
            last_cost: std::time::Duration::ZERO,
            unsaved: Vec::new(),
        }
    }

    /// Records one tenant's results: the changes that took effect update its records.
    pub(super) fn record(
        &mut self,
        (client, tenant): (&str, &str),
        results: &[ChangeResult<'p>],
        context: &ApplyContext<'_>,
    ) {
        let records = self
            .by_tenant
            .entry((client.to_string(), tenant.to_string()))
            .or_default();
        let updates = results
            .iter()
            .filter(|r| r.result.is_ok())
            .filter_map(|result| update_of(result, context));
        LedgerUpdate::apply_all(updates, records);
        self.unsaved.extend(
            results
                .iter()
                .filter(|r| r.result.is_ok())
                .map(|r| r.change),
        );
    }

    /// Saves when the last save is long enough ago: at least ten seconds, and at least
    /// twenty times as long as a save takes, so saving along the way takes at most a
    /// twentieth of a large apply (a save rewrites what changed in the whole ledger; a
    /// crash between saves loses only records the next plan finds again, see
    /// [`Book`]). The outcomes written so far are stored first, so a saved ledger records
    /// no change whose outcome is only in memory, unless the audit log cannot be written.
    pub(super) fn save_now_and_then(
        &mut self,
        context: &ApplyContext<'_>,
        journal: &Journal<'_, '_>,
    ) -> Result<(), ExecuteError> {
        let wait = std::time::Duration::from_secs(10).max(self.last_cost * 20);
        if self.last_save.elapsed() < wait {
            return Ok(());
        }
        let stored = journal.store();
        // The ledger is saved even when the audit log cannot be: it holds what was sent.
        let saved = self.save(context);
        stored?;
        Ok(saved?)
    }

    /// The changes that took effect recorded since the last save.
    pub(super) fn unsaved(self) -> Vec<&'p Change> {
        self.unsaved
    }

    /// Lends the records as one ledger to `borrow`: they move into it and back, never
    /// copied, so a large ledger is not held twice while it is saved.
    fn lend<T>(&mut self, borrow: impl FnOnce(&Ledger) -> T) -> T {
        let counts: Vec<usize> = self.by_tenant.values().map(Vec::len).collect();
        let mut grants = Vec::with_capacity(counts.iter().sum());
        for records in self.by_tenant.values_mut() {
            grants.append(records);
        }
        let ledger = Ledger {
            format_version: 1,
            grants,
            blocks: std::mem::take(&mut self.blocks),
        };
        let result = borrow(&ledger);
        let mut grants = ledger.grants.into_iter();
        for (records, count) in self.by_tenant.values_mut().zip(counts) {
            records.extend(grants.by_ref().take(count));
        }
        self.blocks = ledger.blocks;
        result
    }

    pub(super) fn save(&mut self, context: &ApplyContext<'_>) -> Result<(), StateError> {
        let started = std::time::Instant::now();
        let saved = self.lend(|ledger| context.state.save_ledger(ledger, context.lock));
        saved?;
        self.unsaved.clear();
        self.last_cost = started.elapsed();
        self.last_save = std::time::Instant::now();
        Ok(())
    }
}

/// What a change that succeeded in a tenant does to its ledger records, if anything.
fn update_of<'r>(
    result: &'r ChangeResult<'_>,
    context: &ApplyContext<'_>,
) -> Option<LedgerUpdate<'r>> {
    let change = &result.change;
    let (Some(entitlement), Some(account)) = (&change.entitlement, &change.account) else {
        return None;
    };
    let update = match change.kind {
        ChangeKind::Grant | ChangeKind::Renew => {
            let Some(identity) = &change.identity else {
                return None;
            };
            LedgerUpdate::Hold {
                record: GrantRecord {
                    client: change.client.clone(),
                    tenant: change.tenant.clone(),
                    entitlement: entitlement.clone(),
                    identity: identity.clone(),
                    account: account.clone(),
                    granted_at: context.now,
                    expires_at: change.expires_at,
                    sources: change.sources.clone(),
                    ticket: change.ticket.clone(),
                    actor: context.actor.to_string(),
                    tenant_enforces_expiry: result.tenant_enforces_expiry,
                    origin: crate::model::RecordOrigin::Granted,
                },
                unchanged: matches!(result.result, Ok(Outcome::NoChange)),
            }
        }
        ChangeKind::Expire | ChangeKind::Revoke | ChangeKind::Drift => LedgerUpdate::Remove {
            client: change.client.as_str().into(),
            tenant: change.tenant.as_str().into(),
            entitlement: std::borrow::Cow::Borrowed(entitlement),
            // Drift is access no identity of the workspace was recorded for.
            identity: change
                .identity
                .as_deref()
                .filter(|_| change.kind != ChangeKind::Drift)
                .map(Into::into),
            account: account.as_str().into(),
        },
    };
    Some(update)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ledger() -> Ledger {
        let text = r#"{"format_version":1,"grants":[
            {"client":"b","tenant":"t","entitlement":"group:x","identity":"ann","account":"ann","granted_at":"2026-01-01T00:00:00Z","sources":["bundle:a"],"actor":"x"},
            {"client":"a","tenant":"t","entitlement":"group:x","identity":"ann","account":"ann","granted_at":"2026-01-01T00:00:00Z","sources":["bundle:a"],"actor":"x"},
            {"client":"a","tenant":"t","entitlement":"group:y","identity":"ben","account":"ben","granted_at":"2026-01-01T00:00:00Z","sources":["bundle:a"],"actor":"x"},
            {"client":"a","tenant":"u","entitlement":"group:x","identity":"cat","account":"cat","granted_at":"2026-01-01T00:00:00Z","sources":["bundle:a"],"actor":"x"}
        ],"blocks":[]}"#;
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn a_ledger_lent_for_saving_comes_back_whole_every_time() {
        let mut book = Book::new(ledger());
        let mut seen = Vec::new();
        for _ in 0..3 {
            seen.push(book.lend(|l| serde_json::to_string(&l.grants).unwrap()));
        }
        // By tenant, each tenant's records in their order, the same each time.
        let grants: Vec<GrantRecord> = serde_json::from_str(&seen[0]).unwrap();
        let keys: Vec<(&str, &str, &str)> = grants
            .iter()
            .map(|g| (g.client.as_str(), g.tenant.as_str(), g.identity.as_str()))
            .collect();
        assert_eq!(
            keys,
            [
                ("a", "t", "ann"),
                ("a", "t", "ben"),
                ("a", "u", "cat"),
                ("b", "t", "ann")
            ]
        );
        assert!(seen.iter().all(|s| *s == seen[0]));
        assert_eq!(book.by_tenant[&("a".to_string(), "t".to_string())].len(), 2);
    }
}
