//! One tenant's part of an apply: opening its adapter, bringing its configuration in line,
//! then sending its changes in batches, each window's intents stored before any of it is
//! sent (`journal.rs`); each batch's outcomes are signed into the chain after it is sent
//! and stored with the next durable write.

use super::configuration::apply_configuration;
use super::entries::{entry_of, outcome_of};
use super::journal::Journal;
use super::send::send_batch;
use super::{ApplyContext, ChangeResult, Progress};
use crate::adapters::Outcome;
use crate::adapters::{self, Adapter, AdapterError, FailureKind};
use crate::audit::TENANT_ENFORCES_EXPIRY;
use crate::audit::{AuditError, Entry};
use crate::model::ConfigurationChange;
use crate::plan::{Change, ChangeKind};

/// Changes handed to the adapter at once (and flushed) before their outcomes are
/// written, unless the adapter takes another number ([`Adapter::changes_per_flush`]).
const BATCH: usize = 32;

/// What one tenant's part of a run did.
pub(super) struct TenantApplied<'p> {
    /// Each change's result, in order.
    pub results: Vec<ChangeResult<'p>>,
    /// Why the tenant's configuration could not be brought in line, for a tenant opened
    /// only for its configuration (no change carries the failure).
    pub configuration_failure: Option<AdapterError>,
    /// The audit log's failure, if it could not be written.
    pub audit_error: Option<AuditError>,
}

/// Applies one tenant's part of a run, the journal's `group`: its planned
/// `configuration` changes first, then its entitlement changes.
pub(super) fn apply_tenant<'p>(
    context: &ApplyContext<'_>,
    journal: &Journal<'_, 'p>,
    group: usize,
    configuration: &[ConfigurationChange],
    progress: &dyn Progress,
) -> TenantApplied<'p> {
    let ((client_id, tenant_name), changes) = journal.group(group);
    let name = format!("{client_id}/{tenant_name}");
    let ids = journal.ids(group);
    let mut configuration_audit_error = None;
    let adapter = match open(context, &name, (client_id, tenant_name)) {
        Ok(adapter) if !configuration.is_empty() => apply_configuration(
            journal,
            (client_id, tenant_name),
            journal.run(),
            configuration,
            adapter,
        )
        .map_err(|failure| {
            let (error, audit) = *failure;
            configuration_audit_error = audit;
            error
        }),
        other => other,
    };
    match adapter {
        Ok(adapter) => send_all(journal, group, &name, adapter, progress),
        Err(error) => {
            // Nothing is sent: record the failures as outcomes without intents.
            let results = fail_all(changes, &error, progress);
            let entries = results
                .iter()
                .zip(ids)
                .map(|(r, id)| outcome_of(entry_of(r.change, id.clone()), &r.result))
                .collect();
            let audit_error =
                configuration_audit_error.or_else(|| journal.write(client_id, entries).err());
            // A tenant opened only for its configuration: no change carries its failure,
            // which still counts.
            let configuration_failure = results.is_empty().then_some(error);
            TenantApplied {
                results,
                configuration_failure,
                audit_error,
            }
        }
    }
}

/// Returns the adapter the run's plan read the tenant with, else one opened and verified
/// now; an error when the client or the tenant is no longer in the workspace.
fn open(
    context: &ApplyContext<'_>,
    name: &str,
    (client_id, tenant_name): (&str, &str),
) -> Result<Box<dyn Adapter>, AdapterError> {
    let client = context.workspace.clients.get(client_id).ok_or_else(|| {
        AdapterError::new(
            name,
            "open",
            FailureKind::NotFound,
            format!("client `{client_id}` is no longer in the workspace"),
        )
        .with_hint("restore the client file, or remove its grants by hand")
    })?;
    let tenant = client.tenant(tenant_name).ok_or_else(|| {
        AdapterError::new(
            name,
            "open",
            FailureKind::NotFound,
            format!("tenant `{tenant_name}` is no longer in the client file"),
        )
        .with_hint("restore the tenant in the client file so its grants can be revoked")
    })?;
    adapters::opened::open_verified(client, tenant, context.root, context.adapters)
}

/// Fails `changes` with `error`, none of them sent.
fn fail_all<'p>(
    changes: &[&'p Change],
    error: &AdapterError,
    progress: &dyn Progress,
) -> Vec<ChangeResult<'p>> {
    changes
        .iter()
        .map(|change| {
            let result = Err(error.clone());
            progress.advance(change, &result);
            ChangeResult {
                change,
                result,
                tenant_enforces_expiry: false,
            }
        })
        .collect()
}

/// Sends an open tenant's changes, the journal's `group`: the intents of each window
/// stored before any of it is sent, then batch by batch with their outcomes. When the
/// audit log cannot be written, the changes not yet sent fail without being sent and the
/// audit failure is returned beside the results.
fn send_all<'p>(
    journal: &Journal<'_, 'p>,
    group: usize,
    name: &str,
    mut adapter: Box<dyn Adapter>,
    progress: &dyn Progress,
) -> TenantApplied<'p> {
    let ((client_id, _), changes) = journal.group(group);
    let ids = journal.ids(group);
    let stop_unsent = |mut results: Vec<ChangeResult<'p>>, error: AuditError| {
        let done = results.len();
        let unsent = AdapterError::new(
            name,
            "apply",
            FailureKind::Rejected,
            "the audit log could not be written, so the change was not sent",
        );
        results.extend(fail_all(&changes[done..], &unsent, progress));
        TenantApplied {
            results,
            configuration_failure: None,
            audit_error: Some(error),
        }
    };
    let mut results = Vec::with_capacity(changes.len());
    let batch_size = adapter.changes_per_flush().unwrap_or(BATCH).max(1);
    for (window, range) in journal.windows(group) {
        if let Err(error) = journal.announce(window) {
            return stop_unsent(results, error);
        }
        let (window, window_ids) = (&changes[range.clone()], &ids[range]);
        for (batch, batch_ids) in window.chunks(batch_size).zip(window_ids.chunks(batch_size)) {
            let done = results.len();
            let outcomes = send(
                adapter.as_mut(),
                name,
                batch,
                batch_ids,
                progress,
                &mut results,
            );
            #[cfg(feature = "test-hooks")]
            crash_switch(&results[done..]);
            let took_effect = results[done..]
                .iter()
                .filter(|r| r.result.is_ok())
                .map(|r| r.change);
            if let Err(error) = journal.outcomes(client_id, outcomes, took_effect) {
                return stop_unsent(results, error);
            }
        }
    }
    TenantApplied {
        results,
        configuration_failure: None,
        audit_error: None,
    }
}

/// Sends one batch of a tenant's changes (their intents stored), pushing each change's
/// result; returns their outcome entries.
fn send<'p>(
    adapter: &mut dyn Adapter,
    name: &str,
    batch: &[&'p Change],
    batch_ids: &[String],
    progress: &dyn Progress,
    results: &mut Vec<ChangeResult<'p>>,
) -> Vec<Entry> {
    let mut sent = send_batch(adapter, name, batch);
    // Changes an adapter buffers are on the tenant only once flushed: a failed flush
    // fails the batch's changes, and outcomes are written only after it.
    if let Err(error) = adapter.flush() {
        for result in sent.iter_mut().filter(|r| r.is_ok()) {
            *result = Err(error.clone());
        }
    }
    let mut outcomes = Vec::with_capacity(batch.len());
    for ((change, id), result) in batch.iter().zip(batch_ids).zip(sent) {
        progress.advance(change, &result);
        let enforced = matches!(result, Ok(Outcome::Changed))
            && matches!(change.kind, ChangeKind::Grant | ChangeKind::Renew)
            && change.expires_at.is_some()
            && change
                .entitlement
                .as_ref()
                .is_some_and(|e| adapter.enforces_expiry(e));
        let mut outcome = outcome_of(entry_of(change, id.clone()), &result);
        if enforced {
            // Evidence that the end is the tenant's to enforce; `state rebuild` reads
            // it back into the ledger.
            outcome.detail = Some(serde_json::json!({ TENANT_ENFORCES_EXPIRY: true }));
        }
        outcomes.push(outcome);
        results.push(ChangeResult {
            change,
            result,
            tenant_enforces_expiry: enforced,
        });
    }
    outcomes
}

/// Test-only fault switch (only in a build with the `test-hooks` feature): with
/// `ONBOARD_TEST_CRASH_AFTER_SENT=N`, the process aborts once N changes are sent and
/// before their outcomes are written, as a crash would.
#[cfg(feature = "test-hooks")]
fn crash_switch(sent: &[ChangeResult<'_>]) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static SENT: AtomicU64 = AtomicU64::new(0);
    let Some(limit) = crate::env::hooks::crash_after_sent() else {
        return;
    };
    let count = sent.len() as u64;
    if SENT.fetch_add(count, Ordering::SeqCst) + count >= limit {
        std::process::abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::execute::NoProgress;
    use crate::execute::journal::tests::{audit_log, changes};
    use crate::execute::journal::{Group, WINDOW};
    use crate::execute::send::tests::Recorder;

    /// Sends `count` grants to one tenant; returns how many changes each flush held.
    fn flushes(per_flush: Option<usize>, count: usize) -> Vec<usize> {
        let (_dir, audit) = audit_log();
        let sent = changes("acme", "one", count);
        let groups: Vec<Group<'_>> = vec![(("acme", "one"), sent.iter().collect())];
        let ids = vec![(0..count).map(|i| format!("r-{i}")).collect()];
        let journal = Journal::new(&audit, "r", &groups, &ids);
        let adapter = Recorder::flushing(per_flush);
        let flushed = adapter.flushed.clone();
        let applied = send_all(&journal, 0, "acme/one", Box::new(adapter), &NoProgress);
        assert_eq!(applied.results.len(), count);
        assert!(applied.results.iter().all(|r| r.result.is_ok()));
        flushed.lock().unwrap().clone()
    }

    #[test]
    fn an_adapter_whose_flush_writes_everything_is_flushed_once_a_window() {
        assert_eq!(flushes(None, 100), [32, 32, 32, 4]);
        assert_eq!(flushes(Some(usize::MAX), 100), [100]);
        // Never more than a window: its intents are stored before any of it is sent.
        assert_eq!(flushes(Some(usize::MAX), WINDOW + 6), [WINDOW, 6]);
    }
}
