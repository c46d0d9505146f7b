//! Applying a plan's changes to tenants and recording them in the ledger.
//!
//! Tenants are worked on in parallel, each tenant's changes in order. Within a batch,
//! consecutive grants (and consecutive revokes) are handed to the adapter together
//! (`grant_many`/`revoke_many`), so that an adapter with a bulk API sends them in one
//! request; every change still gets its own result and audit outcome. One tenant failing
//! does not stop the others. Every change's intent is on disk in the audit log before
//! the change is sent, and its outcome after. The ledger is saved now and then (`book.rs`)
//! and at the end, so a crash loses only records of changes whose outcomes are
//! in the audit log, which the next plan finds held and records.

mod book;
mod entries;
mod reconcile;
mod send;
mod tenant;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::AtomicU64;

use time::OffsetDateTime;

use self::book::{Book, record};
pub use self::entries::{entry_of, failure_code};
use self::tenant::apply_tenant;
use crate::adapters::{self, AdapterError, Outcome};
use crate::audit::{AuditError, AuditLog};
use crate::model::Workspace;
use crate::plan::{Change, TenantConfiguration};
use crate::state::{Ledger, Lock, StateError, Store};

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
    /// Whether the tenant itself ends the access at the change's `expires_at` (a PIM
    /// assignment, an AD TTL link): the grant was sent with its end to a tenant that
    /// enforces it.
    pub tenant_enforces_expiry: bool,
}

/// What an apply run needs besides the changes.
pub struct ApplyContext<'a> {
    /// The workspace.
    pub workspace: &'a Workspace,
    /// The workspace root.
    pub root: &'a Path,
    /// Where the ledger is kept.
    pub state: &'a dyn Store,
    /// The held workspace lock.
    pub lock: &'a Lock,
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
    /// The ledger could not be written. (The cause stays in the error chain, where the
    /// exit code and hint are read from.)
    #[error("{0}")]
    State(#[from] StateError),
    /// The audit log could not be written: changes not yet announced were not sent.
    #[error("{0}")]
    Audit(#[from] AuditError),
}

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
                    record(records, result, context);
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
