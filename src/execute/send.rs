//! Sending one batch of a tenant's changes: each change's account resolved, consecutive
//! grants (and revokes) handed to the adapter together, one result per change.

use std::collections::HashMap;

use crate::adapters::{Adapter, AdapterError, BatchItem, FailureKind, Outcome, Principal};
use crate::plan::{Change, ChangeKind};

/// What one change needs sent, once its account is resolved.
enum Prepared {
    /// Decided without sending anything.
    Done(Result<Outcome, AdapterError>),
    /// A grant (`true`) or a revoke to send.
    Send(bool, BatchItem),
}

/// The principals of a batch's accounts, each resolved once.
type Resolved = HashMap<String, Result<Option<Principal>, AdapterError>>;

/// Resolves every account a batch names, all in one call of the adapter (one request
/// where its API allows), each account once.
fn resolve_accounts(adapter: &mut dyn Adapter, batch: &[&Change]) -> Resolved {
    let mut accounts: Vec<&str> = batch
        .iter()
        .filter_map(|change| change.account.as_deref())
        .collect();
    accounts.sort_unstable();
    accounts.dedup();
    let results = adapter.resolve_many(&accounts);
    accounts
        .into_iter()
        .map(str::to_string)
        .zip(results)
        .collect()
}

/// Decides what to send for a change, its account resolved.
fn prepare(tenant: &str, change: &Change, resolved: &Resolved) -> Prepared {
    let (Some(entitlement), Some(account)) = (&change.entitlement, &change.account) else {
        return Prepared::Done(Err(AdapterError::new(
            tenant,
            "apply",
            FailureKind::Malformed,
            "the change names no entitlement or account",
        )));
    };
    let principal = match resolved.get(account.as_str()) {
        Some(Ok(principal)) => principal.clone(),
        Some(Err(error)) => return Prepared::Done(Err(error.clone())),
        None => {
            return Prepared::Done(Err(AdapterError::new(
                tenant,
                format!("resolve `{account}`"),
                FailureKind::Malformed,
                "the adapter gave no result for this account",
            )));
        }
    };
    let item = |principal| BatchItem {
        principal,
        entitlement: entitlement.clone(),
        expires_at: change.expires_at,
    };
    match change.kind {
        ChangeKind::Grant | ChangeKind::Renew => match principal {
            Some(principal) => Prepared::Send(true, item(principal)),
            None => Prepared::Done(Err(AdapterError::new(
                tenant,
                format!("grant `{entitlement}`"),
                FailureKind::NotFound,
                format!("account `{account}` does not exist in the tenant"),
            )
            .with_hint("create the account first, or fix the identity's `accounts:` template"))),
        },
        ChangeKind::Expire | ChangeKind::Revoke | ChangeKind::Drift => match principal {
            None => Prepared::Done(Ok(Outcome::NoChange)),
            Some(principal) => Prepared::Send(false, item(principal)),
        },
    }
}

/// Sends one batch of a tenant's changes and returns one result per change, in order.
/// Consecutive grants (and consecutive revokes) go to the adapter together, so that an
/// adapter with a bulk API (Graph's `$batch`) can send them in one request; each still
/// gets its own result.
pub(super) fn send_batch(
    adapter: &mut dyn Adapter,
    tenant: &str,
    batch: &[&Change],
) -> Vec<Result<Outcome, AdapterError>> {
    let resolved = resolve_accounts(adapter, batch);
    let prepared: Vec<Prepared> = batch
        .iter()
        .map(|change| prepare(tenant, change, &resolved))
        .collect();
    let mut results: Vec<Option<Result<Outcome, AdapterError>>> = Vec::with_capacity(batch.len());
    let mut run: Vec<(usize, BatchItem)> = Vec::new();
    let mut run_grants = true;
    let flush_run = |adapter: &mut dyn Adapter,
                     run: &mut Vec<(usize, BatchItem)>,
                     grants: bool,
                     results: &mut Vec<Option<Result<Outcome, AdapterError>>>| {
        if run.is_empty() {
            return;
        }
        let items: Vec<BatchItem> = run.iter().map(|(_, item)| item.clone()).collect();
        let mut outcomes = if grants {
            adapter.grant_many(&items)
        } else {
            adapter.revoke_many(&items)
        };
        // An adapter must answer every item; one that does not fails the missing ones.
        outcomes.resize_with(items.len(), || {
            Err(AdapterError::new(
                tenant,
                "apply",
                FailureKind::Malformed,
                "the adapter gave no result for this change",
            ))
        });
        for ((index, _), outcome) in run.drain(..).zip(outcomes) {
            results[index] = Some(outcome);
        }
    };
    for (index, prepared) in prepared.into_iter().enumerate() {
        results.push(None);
        match prepared {
            Prepared::Done(result) => results[index] = Some(result),
            Prepared::Send(grant, item) => {
                if grant != run_grants {
                    flush_run(adapter, &mut run, run_grants, &mut results);
                    run_grants = grant;
                }
                run.push((index, item));
            }
        }
    }
    flush_run(adapter, &mut run, run_grants, &mut results);
    results
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|| {
                Err(AdapterError::new(
                    tenant,
                    "apply",
                    FailureKind::Malformed,
                    "the change was not sent",
                ))
            })
        })
        .collect()
}

#[cfg(test)]
pub(super) mod tests {
    use std::sync::{Arc, Mutex};

    use time::OffsetDateTime;

    use super::*;
    use crate::model::{Entitlement, Holder};

    /// Records which bulk verb got which accounts, and how many changes each flush held;
    /// `bad` accounts fail.
    #[derive(Default)]
    pub(in crate::execute) struct Recorder {
        calls: Vec<(bool, Vec<String>)>,
        resolved: Vec<Vec<String>>,
        /// What [`Adapter::changes_per_flush`] answers.
        per_flush: Option<usize>,
        held: usize,
        /// The number of changes each flush held.
        pub(in crate::execute) flushed: Arc<Mutex<Vec<usize>>>,
    }

    impl Adapter for Recorder {
        fn verify_tenant(&mut self) -> Result<(), AdapterError> {
            Ok(())
        }
        fn resolve(&mut self, account: &str) -> Result<Option<Principal>, AdapterError> {
            Ok((account != "missing").then(|| Principal {
                id: account.to_string(),
                account: account.to_string(),
            }))
        }
        fn resolve_many(
            &mut self,
            accounts: &[&str],
        ) -> Vec<Result<Option<Principal>, AdapterError>> {
            self.resolved
                .push(accounts.iter().map(|a| a.to_string()).collect());
            accounts.iter().map(|a| self.resolve(a)).collect()
        }
        fn list(&mut self, _: &Entitlement) -> Result<Vec<Holder>, AdapterError> {
            Ok(Vec::new())
        }
        fn grant(
            &mut self,
            _: &Principal,
            _: &Entitlement,
            _: Option<OffsetDateTime>,
        ) -> Result<Outcome, AdapterError> {
            unreachable!("sent in bulk")
        }
        fn revoke(&mut self, _: &Principal, _: &Entitlement) -> Result<Outcome, AdapterError> {
            unreachable!("sent in bulk")
        }
        fn grant_many(&mut self, items: &[BatchItem]) -> Vec<Result<Outcome, AdapterError>> {
            self.bulk(true, items)
        }
        fn revoke_many(&mut self, items: &[BatchItem]) -> Vec<Result<Outcome, AdapterError>> {
            self.bulk(false, items)
        }
        fn flush(&mut self) -> Result<(), AdapterError> {
            self.flushed
                .lock()
                .unwrap()
                .push(std::mem::take(&mut self.held));
            Ok(())
        }
        fn changes_per_flush(&self) -> Option<usize> {
            self.per_flush
        }
    }

    impl Recorder {
        /// A recorder whose [`Adapter::changes_per_flush`] answers `per_flush`.
        pub(in crate::execute) fn flushing(per_flush: Option<usize>) -> Self {
            Recorder {
                per_flush,
                ..Recorder::default()
            }
        }

        fn bulk(&mut self, grant: bool, items: &[BatchItem]) -> Vec<Result<Outcome, AdapterError>> {
            self.held += items.len();
            self.calls.push((
                grant,
                items.iter().map(|i| i.principal.account.clone()).collect(),
            ));
            items
                .iter()
                .map(|i| match i.principal.account.as_str() {
                    "bad" => Err(AdapterError::new("c/t", "x", FailureKind::Rejected, "no")),
                    _ => Ok(Outcome::Changed),
                })
                .collect()
        }
    }

    fn change(kind: ChangeKind, account: &str) -> Change {
        Change {
            entitlement: Some("group:g".parse().unwrap()),
            identity: Some(account.into()),
            account: Some(account.into()),
            ..Change::new(kind, "c", "t", String::new())
        }
    }

    #[test]
    fn a_batch_goes_to_the_adapter_in_runs_and_each_change_gets_its_own_result() {
        let changes = [
            change(ChangeKind::Grant, "ann"),
            change(ChangeKind::Grant, "missing"),
            change(ChangeKind::Renew, "bad"),
            change(ChangeKind::Revoke, "ben"),
            change(ChangeKind::Revoke, "missing"),
            change(ChangeKind::Drift, "cat"),
            change(ChangeKind::Grant, "dan"),
        ];
        let refs: Vec<&Change> = changes.iter().collect();
        let mut adapter = Recorder::default();
        let results = send_batch(&mut adapter, "c/t", &refs);
        // Every account of the batch resolved in one call, each once.
        assert_eq!(
            adapter.resolved,
            [["ann", "bad", "ben", "cat", "dan", "missing"].map(String::from)]
        );
        assert_eq!(
            adapter.calls,
            [
                (true, vec!["ann".to_string(), "bad".to_string()]),
                (false, vec!["ben".to_string(), "cat".to_string()]),
                (true, vec!["dan".to_string()]),
            ]
        );
        let summary: Vec<String> = results
            .iter()
            .map(|r| match r {
                Ok(o) => format!("{o:?}"),
                Err(e) => format!("{:?}", e.kind),
            })
            .collect();
        assert_eq!(
            summary,
            [
                "Changed", "NotFound", "Rejected", "Changed", "NoChange", "Changed", "Changed"
            ]
        );
    }
}
