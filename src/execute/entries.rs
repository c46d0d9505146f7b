//! The audit entries of an apply: a change's entry and its outcome, with the stable
//! failure codes.

use crate::adapters::{AdapterError, Outcome};
use crate::audit::{Entry, EntryKind, EntryResult, Phase};
use crate::plan::{Change, ChangeKind, EntryJson, EntryRef};

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
        ..row_entry(EntryRef::Change(change))
    }
}

/// Returns the audit entry of a plan entry's holder, entitlement, sources, ticket,
/// reason and end, without kind, change id, phase or result.
pub fn row_entry(entry: EntryRef<'_>) -> Entry {
    // Read as the plan's JSON shows the entry, without copying the entry first.
    let row = EntryJson::from(entry);
    Entry {
        client: Some(row.client.to_string()),
        tenant: Some(row.tenant.to_string()),
        identity: row.identity.map(str::to_string),
        account: row.account.map(str::to_string),
        entitlement: row.entitlement.map(ToString::to_string),
        sources: row.sources.iter().map(ToString::to_string).collect(),
        ticket: row.ticket.map(str::to_string),
        reason: Some(row.reason.to_string()),
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
