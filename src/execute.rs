//! Applying a plan's changes to tenants and recording them in the ledger.
//!
//! Tenants are worked on in parallel, each tenant's changes in order. Within a batch,
//! consecutive grants (and consecutive revokes) are handed to the adapter together
//! (`grant_many`/`revoke_many`), so that an adapter with a bulk API sends them in one
//! request; every change still gets its own result and audit outcome. One tenant failing
//! does not stop the others. Every change's intent is on disk in the audit log before
//! the change is sent, and its outcome after. The ledger is saved after each tenant, so a
//! crash loses at most the record of one tenant's changes, which the next plan
//! reconciles.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use time::OffsetDateTime;

use crate::adapters::{self, Adapter, AdapterError, BatchItem, FailureKind, Outcome};
use crate::audit::{AuditError, AuditLog, Entry, EntryKind, Phase};
use crate::model::{GrantRecord, Tenant, Workspace};
use crate::plan::{Change, ChangeKind, TenantConfiguration};
use crate::state::{Ledger, StateDir, StateError, WorkspaceLock};

/// Receives progress as changes are applied. Implemented by the UI; tests pass a no-op.
pub trait Progress: Sync {
    /// Called once before any change, with the number of changes.
    fn start(&self, total: usize);
    /// Called after each change.
    fn advance(&self, change: &Change, result: &Result<Outcome, AdapterError>);
    /// Called once after the last change.
    fn finish(&self);
}

/// A progress reporter that reports nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _total: usize) {}
    fn advance(&self, _change: &Change, _result: &Result<Outcome, AdapterError>) {}
    fn finish(&self) {}
}

/// The result of one change.
#[derive(Debug, Clone)]
pub struct ChangeResult {
    /// The change.
    pub change: Change,
    /// What happened.
    pub result: Result<Outcome, AdapterError>,
}

/// What an apply run needs besides the changes.
pub struct ApplyContext<'a> {
    /// The workspace.
    pub workspace: &'a Workspace,
    /// The workspace root.
    pub root: &'a Path,
    /// The state directory.
    pub state: &'a StateDir,
    /// The held workspace lock.
    pub lock: &'a WorkspaceLock,
    /// Who is acting.
    pub actor: &'a str,
    /// The time recorded for the changes.
    pub now: OffsetDateTime,
    /// The audit log, open for this run.
    pub audit: &'a Mutex<AuditLog>,
    /// How adapters are opened (HTTP logging at `--verbose`).
    pub adapters: &'a adapters::Options,
}

/// Failures that stop an apply run from recording what it did.
#[derive(Debug, thiserror::Error)]
pub enum ExecuteError {
    /// The ledger could not be written.
    #[error(transparent)]
    State(#[from] StateError),
    /// The audit log could not be written: changes not yet announced were not sent.
    #[error(transparent)]
    Audit(#[from] AuditError),
}

/// Changes announced to the audit log (and synced) at once before being sent: one fsync
/// per batch rather than per change, and still no change is sent before its intent is on
/// disk.
const BATCH: usize = 32;

/// Applies changes (unknown changes are skipped), writing each change's intent to the
/// audit log before sending it and its outcome after, and updates the ledger. Tenants
/// named in `configuration` are opened even without changes, so that their own
/// configuration (GDAP access assignments, Okta group admin roles) is brought in line. Returns
/// each change's result in plan order; a ledger or audit write failure is returned as an
/// error after the tenants have been worked on.
pub fn apply(
    context: &ApplyContext<'_>,
    ledger: Ledger,
    changes: &[Change],
    configuration: &[TenantConfiguration],
    progress: &dyn Progress,
) -> Result<Vec<ChangeResult>, ExecuteError> {
    let mut by_tenant: BTreeMap<(&str, &str), Vec<&Change>> = BTreeMap::new();
    // A tenant whose own configuration needs changing is opened even without changes.
    for tenant in configuration {
        by_tenant
            .entry((&tenant.client, &tenant.tenant))
            .or_default();
    }
    for change in changes.iter().filter(|c| c.kind.is_sent()) {
        by_tenant
            .entry((&change.client, &change.tenant))
            .or_default()
            .push(change);
    }
    let groups: Vec<((&str, &str), Vec<&Change>)> = by_tenant.into_iter().collect();
    let book = Mutex::new(Book::new(ledger));
    let failure: Mutex<Option<ExecuteError>> = Mutex::new(None);
    let counter = AtomicU64::new(0);
    progress.start(groups.iter().map(|(_, c)| c.len()).sum());
    let results = crate::workers::map(
        &groups,
        context.workspace.settings.parallelism,
        |((client, tenant), changes)| {
            let (results, audit_error) =
                apply_tenant(context, client, tenant, changes, progress, &counter);
            let mut book = book.lock().unwrap_or_else(|e| e.into_inner());
            let records = book.tenant(client, tenant);
            for result in &results {
                if result.result.is_ok() {
                    record(records, &result.change, context);
                }
            }
            let saved = book.save_now_and_then(context).map_err(ExecuteError::from);
            if let Some(error) = audit_error.map(ExecuteError::from).or(saved.err()) {
                failure
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get_or_insert(error);
            }
            results
        },
    );
    progress.finish();
    let saved = book
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .save(context);
    let failure = failure.into_inner().unwrap_or_else(|e| e.into_inner());
    if let Some(error) = failure.or(saved.err().map(ExecuteError::from)) {
        return Err(error);
    }
    Ok(results.into_iter().flatten().collect())
}

/// Returns the audit entry of a change, without phase or result.
pub fn entry_of(change: &Change, id: String) -> Entry {
    let kind = match change.kind {
        ChangeKind::Grant => EntryKind::Grant,
        ChangeKind::Renew => EntryKind::Renew,
        ChangeKind::Expire => EntryKind::Expire,
        ChangeKind::Revoke => EntryKind::Revoke,
        ChangeKind::Drift | ChangeKind::Unknown => EntryKind::Drift,
        ChangeKind::Denied => EntryKind::Denial,
    };
    Entry {
        kind: Some(kind),
        change: Some(id),
        client: Some(change.client.clone()),
        tenant: Some(change.tenant.clone()),
        identity: change.identity.clone(),
        account: change.account.clone(),
        entitlement: change.entitlement.as_ref().map(ToString::to_string),
        sources: change.sources.clone(),
        ticket: change.ticket.clone(),
        reason: Some(change.reason.clone()),
        expires_at: change.expires_at.map(crate::model::time::format_instant),
        ..Entry::default()
    }
}

/// Returns the stable code of a failure, as recorded in the audit log.
pub fn failure_code(kind: FailureKind) -> &'static str {
    match kind {
        FailureKind::Unreachable => "unreachable",
        FailureKind::Denied => "denied",
        FailureKind::WrongTenant => "wrong-tenant",
        FailureKind::Malformed => "malformed",
        FailureKind::NotFound => "not-found",
        FailureKind::Unsupported => "unsupported",
        FailureKind::Rejected => "rejected",
    }
}

fn outcome_of(mut entry: Entry, result: &Result<Outcome, AdapterError>) -> Entry {
    entry.phase = Some(Phase::Outcome);
    match result {
        Ok(Outcome::Changed) => entry.result = Some("ok".into()),
        Ok(Outcome::NoChange) => entry.result = Some("unchanged".into()),
        Err(error) => {
            entry.result = Some("failed".into());
            entry.error_code = Some(failure_code(error.kind).into());
            entry.error = Some(format!("{}: {}", error.operation, error.detail));
        }
    }
    entry
}

/// Writes entries to a client's chain and syncs them to disk.
fn write_entries(
    context: &ApplyContext<'_>,
    chain: &str,
    entries: Vec<Entry>,
) -> Result<(), AuditError> {
    let mut audit = context.audit.lock().unwrap_or_else(|e| e.into_inner());
    for entry in entries {
        audit.append(chain, entry)?;
    }
    audit.sync()
}

fn apply_tenant(
    context: &ApplyContext<'_>,
    client_id: &str,
    tenant_name: &str,
    changes: &[&Change],
    progress: &dyn Progress,
    counter: &AtomicU64,
) -> (Vec<ChangeResult>, Option<AuditError>) {
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
    let adapter: Result<Box<dyn Adapter>, AdapterError> = (|| {
        let client = context.workspace.clients.get(client_id).ok_or_else(|| {
            AdapterError::new(
                &name,
                "open",
                FailureKind::NotFound,
                format!("client `{client_id}` is no longer in the workspace"),
            )
            .with_hint("restore the client file, or remove its grants by hand")
        })?;
        let tenant = client.tenant(tenant_name).ok_or_else(|| {
            AdapterError::new(
                &name,
                "open",
                FailureKind::NotFound,
                format!("tenant `{tenant_name}` is no longer in the client file"),
            )
            .with_hint("restore the tenant in the client file so its grants can be revoked")
        })?;
        let mut adapter = adapters::open(client, tenant, context.root, context.adapters)?;
        adapter.verify_tenant()?;
        Ok(adapter)
    })();
    let fail_all =
        |changes: &[&Change], ids: &[String], error: AdapterError| -> Vec<ChangeResult> {
            changes
                .iter()
                .zip(ids)
                .map(|(change, _)| {
                    let result = Err(error.clone());
                    progress.advance(change, &result);
                    ChangeResult {
                        change: (*change).clone(),
                        result,
                    }
                })
                .collect()
        };
    let configured = context
        .workspace
        .clients
        .get(client_id)
        .and_then(|c| c.tenant(tenant_name))
        .is_some_and(Tenant::has_configuration);
    let mut reconcile_audit_error = None;
    let adapter = match adapter {
        Ok(adapter) if configured => reconcile(context, client_id, tenant_name, &run, adapter)
            .map_err(|failure| {
                let (error, audit) = *failure;
                reconcile_audit_error = audit;
                error
            }),
        other => other,
    };
    let mut adapter = match adapter {
        Ok(adapter) => adapter,
        Err(error) => {
            // Nothing is sent: record the failures as outcomes without intents.
            let results = fail_all(changes, &ids, error.clone());
            let entries = results
                .iter()
                .zip(&ids)
                .map(|(r, id)| outcome_of(entry_of(&r.change, id.clone()), &r.result))
                .collect();
            let audit_error =
                reconcile_audit_error.or_else(|| write_entries(context, client_id, entries).err());
            if results.is_empty() {
                // A tenant opened only for its configuration: its failure still counts.
                let change = configuration_change(client_id, tenant_name);
                let result = Err(error);
                progress.advance(&change, &result);
                return (vec![ChangeResult { change, result }], audit_error);
            }
            return (results, audit_error);
        }
    };
    let mut results = Vec::with_capacity(changes.len());
    for (batch, batch_ids) in changes.chunks(BATCH).zip(ids.chunks(BATCH)) {
        let intents = batch
            .iter()
            .zip(batch_ids)
            .map(|(change, id)| {
                let mut entry = entry_of(change, id.clone());
                entry.phase = Some(Phase::Intent);
                entry
            })
            .collect();
        if let Err(error) = write_entries(context, client_id, intents) {
            let done = results.len();
            let unsent = AdapterError::new(
                &name,
                "apply",
                FailureKind::Rejected,
                "the audit log could not be written, so the change was not sent",
            );
            results.extend(fail_all(&changes[done..], &ids[done..], unsent));
            return (results, Some(error));
        }
        crash_switch(batch.len());
        let mut sent = send_batch(adapter.as_mut(), &name, batch);
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
            outcomes.push(outcome_of(entry_of(change, id.clone()), &result));
            results.push(ChangeResult {
                change: (*change).clone(),
                result,
            });
        }
        if let Err(error) = write_entries(context, client_id, outcomes) {
            let done = results.len();
            let unsent = AdapterError::new(
                &name,
                "apply",
                FailureKind::Rejected,
                "the audit log could not be written, so the change was not sent",
            );
            results.extend(fail_all(&changes[done..], &ids[done..], unsent));
            return (results, Some(error));
        }
    }
    (results, None)
}

/// Returns the stand-in change that reports a failed configuration of a tenant that had
/// no entitlement changes (it names no entitlement, so it never touches the ledger).
fn configuration_change(client: &str, tenant: &str) -> Change {
    Change {
        kind: ChangeKind::Grant,
        client: client.to_string(),
        tenant: tenant.to_string(),
        entitlement: None,
        identity: None,
        account: None,
        expires_at: None,
        previous_expires_at: None,
        sources: Vec::new(),
        origin: None,
        ticket: None,
        tenant_already_done: false,
        reason: "the tenant's own configuration (GDAP access assignments, Okta group admin roles)"
            .into(),
        rule: None,
        hint: None,
    }
}

/// Why a tenant's configuration was not brought in line, and the audit log's failure
/// when that was the cause.
type ReconcileFailure = (AdapterError, Option<AuditError>);

/// Brings a tenant's own configuration (a GDAP relationship's access assignments, the
/// admin roles of Okta groups) in line before its entitlement changes are sent, with an intent in the audit log before
/// and an outcome listing what changed after. A failure fails the tenant's changes:
/// technicians are not added to partner groups whose access is not what the client file
/// says. An audit log that cannot be written is returned beside the failure.
fn reconcile(
    context: &ApplyContext<'_>,
    client_id: &str,
    tenant_name: &str,
    run: &str,
    mut adapter: Box<dyn Adapter>,
) -> Result<Box<dyn Adapter>, Box<ReconcileFailure>> {
    let subject = adapter.configuration_subject();
    let entry = |phase: Phase| Entry {
        kind: Some(EntryKind::Grant),
        change: Some(format!("{run}-{tenant_name}-configuration")),
        client: Some(client_id.to_string()),
        tenant: Some(tenant_name.to_string()),
        entitlement: Some(subject.subject.into()),
        reason: Some(subject.description.into()),
        phase: Some(phase),
        ..Entry::default()
    };
    let unsent = |error: AuditError| {
        Box::new((
            AdapterError::new(
                &format!("{client_id}/{tenant_name}"),
                "reconcile",
                FailureKind::Rejected,
                "the audit log could not be written, so nothing was sent",
            ),
            Some(error),
        ))
    };
    write_entries(context, client_id, vec![entry(Phase::Intent)]).map_err(unsent)?;
    let result = adapter.reconcile(context.now);
    let mut outcome = entry(Phase::Outcome);
    match &result {
        Ok(lines) => {
            outcome.result = Some(if lines.is_empty() { "unchanged" } else { "ok" }.into());
            outcome.detail = Some(serde_json::json!({ "changes": lines }));
        }
        Err(error) => {
            outcome.result = Some("failed".into());
            outcome.error_code = Some(failure_code(error.kind).into());
            outcome.error = Some(format!("{}: {}", error.operation, error.detail));
        }
    }
    write_entries(context, client_id, vec![outcome]).map_err(unsent)?;
    result
        .map(|_| adapter)
        .map_err(|error| Box::new((error, None)))
}

/// Test-only fault switch: with `ONBOARD_TEST_CRASH_AFTER_INTENTS=N`, the process aborts
/// once N intents are on disk and before their changes are sent, as a crash would.
fn crash_switch(announced: usize) {
    static ANNOUNCED: AtomicU64 = AtomicU64::new(0);
    let Some(limit) = crate::env::test_crash_after_intents() else {
        return;
    };
    let total = ANNOUNCED.fetch_add(announced as u64, Ordering::SeqCst) + announced as u64;
    if total >= limit {
        std::process::abort();
    }
}

/// What one change needs sent, once its account is resolved.
enum Prepared {
    /// Decided without sending anything.
    Done(Result<Outcome, AdapterError>),
    /// A grant (`true`) or a revoke to send.
    Send(bool, BatchItem),
}

/// Resolves a change's account and decides what to send for it.
fn prepare(adapter: &mut dyn Adapter, tenant: &str, change: &Change) -> Prepared {
    let (Some(entitlement), Some(account)) = (&change.entitlement, &change.account) else {
        return Prepared::Done(Err(AdapterError::new(
            tenant,
            "apply",
            FailureKind::Malformed,
            "the change names no entitlement or account",
        )));
    };
    let principal = match adapter.resolve(account) {
        Ok(principal) => principal,
        Err(error) => return Prepared::Done(Err(error)),
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
        ChangeKind::Unknown | ChangeKind::Denied => Prepared::Done(Ok(Outcome::NoChange)),
    }
}

/// Sends one batch of a tenant's changes and returns one result per change, in order.
/// Consecutive grants (and consecutive revokes) go to the adapter together, so that an
/// adapter with a bulk API (Graph's `$batch`) can send them in one request; each still
/// gets its own result.
fn send_batch(
    adapter: &mut dyn Adapter,
    tenant: &str,
    batch: &[&Change],
) -> Vec<Result<Outcome, AdapterError>> {
    let prepared: Vec<Prepared> = batch
        .iter()
        .map(|change| prepare(adapter, tenant, change))
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

/// The ledger while an apply runs: records split by tenant, so recording a change looks
/// at one tenant's records only; saved now and then (not after every tenant: the ledger
/// can be large) and at the end. A crash between saves loses only records of changes
/// whose outcomes are in the audit log; the next plan finds them held and records them.
struct Book {
    by_tenant: BTreeMap<(String, String), Vec<GrantRecord>>,
    blocks: Vec<crate::model::Block>,
    last_save: std::time::Instant,
    last_cost: std::time::Duration,
}

impl Book {
    fn new(ledger: Ledger) -> Self {
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
        }
    }

    fn tenant(&mut self, client: &str, tenant: &str) -> &mut Vec<GrantRecord> {
        self.by_tenant
            .entry((client.to_string(), tenant.to_string()))
            .or_default()
    }

    /// Saves when the last save is long enough ago: at least two seconds, and at least
    /// ten times as long as a save takes, so saving never dominates a large apply.
    fn save_now_and_then(&mut self, context: &ApplyContext<'_>) -> Result<(), StateError> {
        let wait = std::time::Duration::from_secs(2).max(self.last_cost * 10);
        if self.last_save.elapsed() < wait {
            return Ok(());
        }
        self.save(context)
    }

    fn save(&mut self, context: &ApplyContext<'_>) -> Result<(), StateError> {
        let started = std::time::Instant::now();
        let ledger = Ledger {
            format_version: 1,
            grants: self.by_tenant.values().flatten().cloned().collect(),
            blocks: self.blocks.clone(),
        };
        context.state.save(&ledger, context.lock)?;
        self.last_cost = started.elapsed();
        self.last_save = std::time::Instant::now();
        Ok(())
    }
}

/// Updates one tenant's ledger records for a change that succeeded there.
fn record(records: &mut Vec<GrantRecord>, change: &Change, context: &ApplyContext<'_>) {
    let Some(entitlement) = &change.entitlement else {
        return;
    };
    let same = |r: &GrantRecord| {
        r.client == change.client
            && r.tenant == change.tenant
            && &r.entitlement == entitlement
            && match (&change.identity, &change.account) {
                (Some(identity), _) if change.kind != ChangeKind::Drift => &r.identity == identity,
                (_, Some(account)) => r.account.eq_ignore_ascii_case(account),
                _ => false,
            }
    };
    match change.kind {
        ChangeKind::Grant | ChangeKind::Renew => {
            let (Some(identity), Some(account)) = (&change.identity, &change.account) else {
                return;
            };
            let granted_at = records
                .iter()
                .find(|r| same(r) && r.account.eq_ignore_ascii_case(account))
                .map_or(context.now, |r| r.granted_at);
            records.retain(|r| !(same(r) && r.account.eq_ignore_ascii_case(account)));
            records.push(GrantRecord {
                client: change.client.clone(),
                tenant: change.tenant.clone(),
                entitlement: entitlement.clone(),
                identity: identity.clone(),
                account: account.clone(),
                granted_at,
                expires_at: change.expires_at,
                sources: change.sources.clone(),
                ticket: change.ticket.clone(),
                actor: context.actor.to_string(),
            });
        }
        ChangeKind::Expire | ChangeKind::Revoke | ChangeKind::Drift => {
            let account = change.account.as_deref().unwrap_or_default();
            records.retain(|r| !(same(r) && r.account.eq_ignore_ascii_case(account)));
        }
        ChangeKind::Unknown | ChangeKind::Denied => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::{Capabilities, Principal};
    use crate::model::{Entitlement, Holder};

    /// Records which bulk verb got which accounts; `bad` accounts fail.
    #[derive(Default)]
    struct Recorder {
        calls: Vec<(bool, Vec<String>)>,
    }

    impl Adapter for Recorder {
        fn capabilities(&self) -> Capabilities {
            Capabilities::default()
        }
        fn verify_tenant(&mut self) -> Result<(), AdapterError> {
            Ok(())
        }
        fn resolve(&mut self, account: &str) -> Result<Option<Principal>, AdapterError> {
            Ok((account != "missing").then(|| Principal {
                id: account.to_string(),
                account: account.to_string(),
            }))
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
    }

    impl Recorder {
        fn bulk(&mut self, grant: bool, items: &[BatchItem]) -> Vec<Result<Outcome, AdapterError>> {
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
            kind,
            client: "c".into(),
            tenant: "t".into(),
            entitlement: Some("group:g".parse().unwrap()),
            identity: Some(account.into()),
            account: Some(account.into()),
            expires_at: None,
            previous_expires_at: None,
            sources: Vec::new(),
            origin: None,
            ticket: None,
            tenant_already_done: false,
            reason: String::new(),
            rule: None,
            hint: None,
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
