//! One tenant's part of an apply: opening its adapter, bringing its configuration in line,
//! then sending its changes in batches. The intents of up to `WINDOW` changes are stored
//! durably in the audit log in one step before any of them is sent; each batch's
//! outcomes are signed into the chain after it is sent and stored with the next durable
//! write (the next window's intents, or the tenant's end).

use std::sync::atomic::{AtomicU64, Ordering};

use super::configuration::apply_configuration;
use super::entries::{Durability, entry_of, outcome_of, write_entries};
use super::send::send_batch;
use super::{ApplyContext, ChangeResult, Progress};
use crate::adapters::Outcome;
use crate::adapters::{self, Adapter, AdapterError, FailureKind};
use crate::audit::TENANT_ENFORCES_EXPIRY;
use crate::audit::{AuditError, Entry, Phase};
use crate::model::ConfigurationChange;
use crate::plan::{Change, ChangeKind};

/// Changes handed to the adapter at once (and flushed) before their outcomes are written.
const BATCH: usize = 32;

/// Changes announced to the audit log at once, in one durable write (one fsync, or one
/// transaction), before any of them is sent: no change is sent before its intent is
/// stored, and a tenant of a few hundred changes costs one durable write for its intents
/// and one for its outcomes. Bounded, so a crash leaves at most this many changes of a
/// tenant to bring in line.
const WINDOW: usize = 1024;

/// What one tenant's part of a run did.
pub(super) struct TenantApplied {
    /// Each change's result, in order.
    pub results: Vec<ChangeResult>,
    /// Why the tenant's configuration could not be brought in line, for a tenant opened
    /// only for its configuration (no change carries the failure).
    pub configuration_failure: Option<AdapterError>,
    /// The audit log's failure, if it could not be written.
    pub audit_error: Option<AuditError>,
}

/// Applies one tenant's part of a run: its planned `configuration` changes first, then
/// its entitlement `changes`.
pub(super) fn apply_tenant(
    context: &ApplyContext<'_>,
    (client_id, tenant_name): (&str, &str),
    configuration: &[ConfigurationChange],
    changes: &[&Change],
    progress: &dyn Progress,
    counter: &AtomicU64,
) -> TenantApplied {
    let name = format!("{client_id}/{tenant_name}");
    let run = context
        .audit
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .run_id()
        .to_string();
    let ids: Vec<String> = changes
        .iter()
        .map(|_| format!("{run}-{}", counter.fetch_add(1, Ordering::Relaxed) + 1))
        .collect();
    let mut configuration_audit_error = None;
    let adapter = match open(context, &name, (client_id, tenant_name)) {
        Ok(adapter) if !configuration.is_empty() => apply_configuration(
            context,
            (client_id, tenant_name),
            &run,
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
        Ok(adapter) => send_all(
            context,
            (client_id, &name),
            adapter,
            changes,
            &ids,
            progress,
        ),
        Err(error) => {
            // Nothing is sent: record the failures as outcomes without intents.
            let results = fail_all(changes, &error, progress);
            let entries = results
                .iter()
                .zip(&ids)
                .map(|(r, id)| outcome_of(entry_of(&r.change, id.clone()), &r.result))
                .collect();
            let audit_error = configuration_audit_error
                .or_else(|| write_entries(context, client_id, entries, Durability::Now).err());
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
fn fail_all(
    changes: &[&Change],
    error: &AdapterError,
    progress: &dyn Progress,
) -> Vec<ChangeResult> {
    changes
        .iter()
        .map(|change| {
            let result = Err(error.clone());
            progress.advance(change, &result);
            ChangeResult {
                change: (*change).clone(),
                result,
                tenant_enforces_expiry: false,
            }
        })
        .collect()
}

/// Sends an open tenant's changes: the intents of each window stored durably before any
/// of it is sent, then batch by batch with their outcomes. When the audit log cannot be
/// written, the changes not yet sent fail without being sent and the audit failure is
/// returned beside the results.
fn send_all(
    context: &ApplyContext<'_>,
    (client_id, name): (&str, &str),
    mut adapter: Box<dyn Adapter>,
    changes: &[&Change],
    ids: &[String],
    progress: &dyn Progress,
) -> TenantApplied {
    let stop_unsent = |mut results: Vec<ChangeResult>, error: AuditError| {
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
    for (window, window_ids) in changes.chunks(WINDOW).zip(ids.chunks(WINDOW)) {
        let intents = window
            .iter()
            .zip(window_ids)
            .map(|(change, id)| {
                let mut entry = entry_of(change, id.clone());
                entry.phase = Some(Phase::Intent);
                entry
            })
            .collect();
        if let Err(error) = write_entries(context, client_id, intents, Durability::Now) {
            return stop_unsent(results, error);
        }
        #[cfg(feature = "test-hooks")]
        crash_switch(window.len());
        for (batch, batch_ids) in window.chunks(BATCH).zip(window_ids.chunks(BATCH)) {
            let outcomes = send(
                adapter.as_mut(),
                name,
                batch,
                batch_ids,
                progress,
                &mut results,
            );
            if let Err(error) = write_entries(context, client_id, outcomes, Durability::Later) {
                return stop_unsent(results, error);
            }
        }
    }
    // The outcomes are stored before the tenant counts as done.
    let audit_error = write_entries(context, client_id, Vec::new(), Durability::Now).err();
    TenantApplied {
        results,
        configuration_failure: None,
        audit_error,
    }
}

/// Sends one batch of a tenant's changes (their intents stored), pushing each change's
/// result; returns their outcome entries.
fn send(
    adapter: &mut dyn Adapter,
    name: &str,
    batch: &[&Change],
    batch_ids: &[String],
    progress: &dyn Progress,
    results: &mut Vec<ChangeResult>,
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
            change: (*change).clone(),
            result,
            tenant_enforces_expiry: enforced,
        });
    }
    outcomes
}

/// Test-only fault switch (only in a build with the `test-hooks` feature): with
/// `ONBOARD_TEST_CRASH_AFTER_INTENTS=N`, the process aborts once N intents are on disk and
/// before their changes are sent, as a crash would.
#[cfg(feature = "test-hooks")]
fn crash_switch(announced: usize) {
    static ANNOUNCED: AtomicU64 = AtomicU64::new(0);
    let Some(limit) = crate::env::hooks::crash_after_intents() else {
        return;
    };
    let total = ANNOUNCED.fetch_add(announced as u64, Ordering::SeqCst) + announced as u64;
    if total >= limit {
        std::process::abort();
    }
}
