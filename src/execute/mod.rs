//! Applying a plan's changes to tenants and recording them in the ledger.
//!
//! Tenants are worked on in parallel, each tenant's changes in order. Within a batch,
//! consecutive grants (and consecutive revokes) are handed to the adapter together
//! (`grant_many`/`revoke_many`), so that an adapter with a bulk API sends them in one
//! request; every change still gets its own result and audit outcome. One tenant failing
//! does not stop the others. Every change's intent is stored in the audit log before
//! the change is sent, in windows that span tenants, and its outcome after, with the next
//! durable write (`journal.rs`). The ledger is saved now and then (`book.rs`), after the
//! outcomes written so far are stored, and at the end, so a crash loses only records of
//! changes whose intents are in the audit log, whose tenants the next run re-reads.

mod book;
mod configuration;
mod entries;
mod journal;
mod send;
mod tenant;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

use time::OffsetDateTime;

use self::book::Book;
pub use self::entries::{entry_of, row_entry};
use self::journal::{Group, Journal};
use self::tenant::apply_tenant;
use crate::adapters::{self, AdapterError, Outcome};
use crate::audit::{AuditError, AuditLog};
use crate::model::{ConfigurationChange, Workspace};
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
pub struct ChangeResult<'p> {
    /// The change (in the plan that was applied).
    pub change: &'p Change,
    /// What happened.
    pub result: Result<Outcome, AdapterError>,
    /// Whether the tenant itself ends the access at the change's `expires_at` (a PIM
    /// assignment, an AD TTL link): the grant was sent with its end to a tenant that
    /// enforces it.
    pub tenant_enforces_expiry: bool,
}

/// A tenant opened only to bring its own configuration in line, which could not be:
/// nothing was changed in it.
#[derive(Debug, Clone)]
pub struct ConfigurationFailure {
    /// Client id.
    pub client: String,
    /// Tenant name.
    pub tenant: String,
    /// What went wrong.
    pub error: AdapterError,
}

/// What an apply run did.
#[derive(Debug, Clone, Default)]
pub struct Applied<'p> {
    /// Each change's result, in plan order.
    pub results: Vec<ChangeResult<'p>>,
    /// Tenants with no change of their own whose configuration failed.
    pub configuration_failures: Vec<ConfigurationFailure>,
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
    /// The state was lost after some changes were sent: their intents are committed, but
    /// their outcomes (or the ledger's records of them) may not be.
    #[error(
        "{} change(s) were sent but their outcome could not be recorded, so whether they took effect is unknown: {}",
        unknown.len(),
        unknown.join(", ")
    )]
    Unrecorded {
        /// Why nothing more could be recorded.
        #[source]
        cause: Box<ExecuteError>,
        /// The changes sent whose outcome is unknown (`client/tenant kind identity entitlement`).
        unknown: Vec<String>,
    },
}

/// Applies changes (unknown changes are skipped), writing each change's intent to the
/// audit log before sending it and its outcome after, and updates the ledger. Each
/// tenant's planned `configuration` changes (GDAP access assignments, Okta group admin
/// roles) are carried out, exactly as planned, before its entitlement changes; a tenant
/// named there is opened even without entitlement changes. Returns
/// each change's result in plan order, and the tenants opened only for their
/// configuration whose configuration failed; a ledger or audit write failure is returned as an
/// error after the tenants have been worked on.
pub fn apply<'p>(
    context: &ApplyContext<'_>,
    ledger: Ledger,
    changes: &'p [Change],
    configuration: &'p [TenantConfiguration],
    progress: &dyn Progress,
) -> Result<Applied<'p>, ExecuteError> {
    let mut by_tenant: BTreeMap<(&str, &str), Vec<&Change>> = BTreeMap::new();
    // A tenant whose own configuration needs changing is opened even without changes.
    let mut planned: BTreeMap<(&str, &str), &[ConfigurationChange]> = BTreeMap::new();
    for tenant in configuration {
        by_tenant
            .entry((&tenant.client, &tenant.tenant))
            .or_default();
        planned.insert((&tenant.client, &tenant.tenant), &tenant.changes);
    }
    for change in changes {
        by_tenant
            .entry((&change.client, &change.tenant))
            .or_default()
            .push(change);
    }
    let groups: Vec<Group<'p>> = by_tenant.into_iter().collect();
    let run = context
        .audit
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .run_id()
        .to_string();
    let mut count = 0;
    let ids: Vec<Vec<String>> = groups
        .iter()
        .map(|(_, changes)| {
            changes
                .iter()
                .map(|_| {
                    count += 1;
                    format!("{run}-{count}")
                })
                .collect()
        })
        .collect();
    let journal = Journal::new(context.audit, &run, &groups, &ids);
    let book = Mutex::new(Book::new(ledger));
    let failure: Mutex<Option<ExecuteError>> = Mutex::new(None);
    progress.start(groups.iter().map(|(_, c)| c.len()).sum());
    let indices: Vec<usize> = (0..groups.len()).collect();
    let work = |&group: &usize| {
        let (client, tenant) = groups[group].0;
        let configuration = planned.get(&(client, tenant)).copied().unwrap_or(&[]);
        let applied = apply_tenant(context, &journal, group, configuration, progress);
        let mut book = book.lock().unwrap_or_else(|e| e.into_inner());
        book.record((client, tenant), &applied.results, context);
        let saved = book.save_now_and_then(context, &journal);
        if let Some(error) = applied.audit_error.map(ExecuteError::from).or(saved.err()) {
            failure
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get_or_insert(error);
        }
        let failure = applied
            .configuration_failure
            .map(|error| ConfigurationFailure {
                client: client.to_string(),
                tenant: tenant.to_string(),
                error,
            });
        (applied.results, failure)
    };
    // The next window of intents is stored ahead of the workers, on a thread of its own.
    let results = journal.with_herald(|| {
        crate::workers::map(&indices, context.workspace.settings.parallelism, work)
    });
    progress.finish();
    // The outcomes are stored, then the ledger saved.
    let stored = journal.store();
    let mut book = book.into_inner().unwrap_or_else(|e| e.into_inner());
    let saved = book.save(context);
    let failure = failure.into_inner().unwrap_or_else(|e| e.into_inner());
    if let Some(error) = failure
        .or(stored.err().map(ExecuteError::from))
        .or(saved.err().map(ExecuteError::from))
    {
        // Sent, and then either the outcome or the ledger's record was not stored: in
        // the order of client, tenant and change.
        let unknown: Vec<String> = journal
            .unknown()
            .into_iter()
            .chain(book.unsaved())
            .map(journal::unknown_change)
            .collect::<std::collections::BTreeSet<String>>()
            .into_iter()
            .collect();
        if unknown.is_empty() {
            return Err(error);
        }
        return Err(ExecuteError::Unrecorded {
            cause: Box::new(error),
            unknown,
        });
    }
    let mut applied = Applied::default();
    for (results, failure) in results {
        applied.results.extend(results);
        applied.configuration_failures.extend(failure);
    }
    Ok(applied)
}
