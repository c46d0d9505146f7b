//! The audit entries of an apply: a change's entry, its outcome, the stable failure codes,
//! and writing entries to a client's chain, synced to disk.

use super::ApplyContext;
use crate::adapters::{AdapterError, Outcome};
use crate::audit::{AuditError, Entry, EntryKind, EntryResult, Phase};
use crate::plan::{Change, ChangeKind, PlanEntry};

/// Returns the audit entry of a change, without phase or result.
pub fn entry_of(change: &Change, id: String) -> Entry {
    let kind = match change.kind {
        ChangeKind::Grant => EntryKind::Grant,
        ChangeKind::Renew => EntryKind::Renew,
        ChangeKind::Expire => EntryKind::Expire,
        ChangeKind::Revoke => EntryKind::Revoke,
        ChangeKind::Drift => EntryKind::Drift,
    };
    Entry {
        kind: Some(kind),
        change: Some(id),
        ..row_entry(&PlanEntry::from(change))
    }
}

/// Returns the audit entry of a plan entry's holder, entitlement, sources, ticket,
/// reason and end, without kind, change id, phase or result.
pub fn row_entry(row: &PlanEntry) -> Entry {
    Entry {
        client: Some(row.client.clone()),
        tenant: Some(row.tenant.clone()),
        identity: row.identity.clone(),
        account: row.account.clone(),
        entitlement: row.entitlement.as_ref().map(ToString::to_string),
        sources: row.sources.iter().map(ToString::to_string).collect(),
        ticket: row.ticket.clone(),
        reason: Some(row.reason.clone()),
        expires_at: row.expires_at.map(crate::model::time::format_instant),
        ..Entry::default()
    }
}

pub(super) fn outcome_of(mut entry: Entry, result: &Result<Outcome, AdapterError>) -> Entry {
    entry.phase = Some(Phase::Outcome);
    match result {
        Ok(Outcome::Changed) => entry.result = Some(EntryResult::Ok),
        Ok(Outcome::NoChange) => entry.result = Some(EntryResult::Unchanged),
        Err(error) => {
            entry.result = Some(EntryResult::Failed);
            entry.error_code = Some(error.kind.code().into());
            entry.error = Some(format!("{}: {}", error.operation, error.detail));
        }
    }
    entry
}

/// Test-only fault switch (only in a build with the `test-hooks` feature): with
/// `ONBOARD_TEST_AUDIT_FAIL_AFTER=N`, a write that would take the run past N change
/// entries fails as a full disk would, so tests can show that no change is sent without
/// its intent on disk.
#[cfg(feature = "test-hooks")]
fn fault_switch(chain: &str, entries: usize) -> Result<(), AuditError> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static WRITTEN: AtomicU64 = AtomicU64::new(0);
    let Some(limit) = crate::env::hooks::audit_fail_after() else {
        return Ok(());
    };
    let total = WRITTEN.fetch_add(entries as u64, Ordering::SeqCst) + entries as u64;
    if total > limit {
        return Err(AuditError::Io {
            action: "write",
            path: std::path::PathBuf::from(format!("audit/{chain}.jsonl")),
            source: std::io::Error::other("no space left on device (test fault switch)"),
        });
    }
    Ok(())
}

/// Whether entries written must be durable before the write returns.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Durability {
    /// Stored durably now (with every entry written before them): intents, before
    /// their changes are sent.
    Now,
    /// Signed into the chain now, stored with the next durable write (or the run's end):
    /// outcomes, which a crash may lose (their intents then show the changes as
    /// interrupted, and the next run reconciles them).
    Later,
}

/// Writes entries to a client's chain; with [`Durability::Now`], every chain's entries
/// written so far are stored in one durable step per chain.
pub(super) fn write_entries(
    context: &ApplyContext<'_>,
    chain: &str,
    entries: Vec<Entry>,
    durability: Durability,
) -> Result<(), AuditError> {
    #[cfg(feature = "test-hooks")]
    fault_switch(chain, entries.len())?;
    let mut audit = context.audit.lock().unwrap_or_else(|e| e.into_inner());
    for entry in entries {
        audit.append(chain, entry)?;
    }
    match durability {
        Durability::Now => audit.sync(),
        Durability::Later => Ok(()),
    }
}
