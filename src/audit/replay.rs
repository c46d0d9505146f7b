//! Rebuilding the grant ledger from the audit log alone.

use super::AuditError;
use super::entry::{Entry, EntryKind, EntryResult, Phase};
use crate::model::{Block, BlockScope, Entitlement, GrantRecord, LedgerUpdate, RecordOrigin};
use crate::state::Store;

/// Reads every entry of a chain, in order.
pub fn read_entries(store: &dyn Store, chain: &str) -> Result<Vec<Entry>, AuditError> {
    let path = store.chain_location(chain);
    let bytes = super::verify::read_whole(store, chain)?;
    let text = String::from_utf8(bytes).map_err(|e| AuditError::Io {
        action: "read",
        path: path.clone(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
    })?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line).map_err(|e| AuditError::Tampered {
                tamper: super::verify::Tamper {
                    chain: chain.to_string(),
                    file: path.clone(),
                    line: i as u64 + 1,
                    seq: None,
                    detail: format!("not a valid entry: {e}"),
                },
            })
        })
        .collect()
}

/// Returns the grants a chain shows onboard sent and did not take back: its successful
/// changes replayed as `state rebuild` does, plus grants whose intent has no outcome (an
/// interrupted run may have sent them). A chain that does not exist shows none.
pub fn sent_grants(store: &dyn Store, chain: &str) -> Result<Vec<GrantRecord>, AuditError> {
    if !store.chains()?.iter().any(|c| c == chain) {
        return Ok(Vec::new());
    }
    let entries = read_entries(store, chain)?;
    let finished: std::collections::BTreeSet<&str> = entries
        .iter()
        .filter(|e| e.phase == Some(Phase::Outcome))
        .filter_map(|e| e.change.as_deref())
        .collect();
    let mut updates = Vec::new();
    let mut blocks = Vec::new();
    for entry in &entries {
        let unfinished = entry.kind == Some(EntryKind::Grant)
            && entry.phase == Some(Phase::Intent)
            && entry
                .change
                .as_deref()
                .is_some_and(|c| !finished.contains(c));
        if unfinished {
            let sent = Entry {
                phase: Some(Phase::Outcome),
                result: Some(EntryResult::Ok),
                ..entry.clone()
            };
            replay(&sent, &mut updates, &mut blocks);
        } else {
            replay(entry, &mut updates, &mut blocks);
        }
    }
    let mut grants = Vec::new();
    LedgerUpdate::apply_all(updates, &mut grants);
    Ok(grants)
}

fn instant(text: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

/// Returns the instant a run acted at: the rehearsed one (`as_of`) when it was a
/// rehearsal, as the ledger recorded it, else the entry's time.
fn acted_at(entry: &Entry) -> time::OffsetDateTime {
    entry
        .as_of
        .as_deref()
        .or(Some(entry.ts.as_str()))
        .and_then(instant)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

/// Replays every chain's successful changes and revocations into grants and blocks.
/// The caller verifies the chains first.
pub fn rebuild(store: &dyn Store) -> Result<(Vec<GrantRecord>, Vec<Block>), AuditError> {
    let mut updates = Vec::new();
    let mut blocks: Vec<Block> = Vec::new();
    for chain in store.chains()? {
        for entry in read_entries(store, &chain)? {
            replay(&entry, &mut updates, &mut blocks);
        }
    }
    let mut grants: Vec<GrantRecord> = Vec::new();
    LedgerUpdate::apply_all(updates, &mut grants);
    Ok((grants, blocks))
}

/// Collects what one entry does to the ledger (owned, so a whole log's updates are
/// applied at once: [`LedgerUpdate::apply_all`], linear in the log) and to the standing
/// revocations.
fn replay(entry: &Entry, updates: &mut Vec<LedgerUpdate<'static>>, blocks: &mut Vec<Block>) {
    let Some(kind) = entry.kind else { return };
    if kind == EntryKind::Revocation {
        let detail = entry.detail.clone().unwrap_or_default();
        let scope = detail
            .get("scope")
            .and_then(|s| serde_json::from_value::<BlockScope>(s.clone()).ok());
        let value = detail
            .get("value")
            .and_then(|v| v.as_str())
            .map(str::to_string);
        let (Some(scope), Some(value)) = (scope, value) else {
            return;
        };
        blocks.retain(|b| !(b.scope == scope && b.value == value));
        if detail.get("action").and_then(|a| a.as_str()) != Some("lift") {
            let at = acted_at(entry);
            blocks.push(Block {
                scope,
                value,
                at,
                actor: entry.actor.clone(),
            });
        }
        return;
    }
    // An import records access the tenant already held: nothing was sent, so it has no
    // intent or outcome, only the record.
    let imported = kind == EntryKind::Import;
    if !imported
        && (!kind.is_change()
            || entry.phase != Some(Phase::Outcome)
            || !matches!(entry.result, Some(EntryResult::Ok | EntryResult::Unchanged)))
    {
        return;
    }
    let (Some(client), Some(tenant), Some(account), Some(entitlement)) = (
        &entry.client,
        &entry.tenant,
        &entry.account,
        entry
            .entitlement
            .as_deref()
            .and_then(|e| e.parse::<Entitlement>().ok()),
    ) else {
        return;
    };
    let update = match kind {
        EntryKind::Grant | EntryKind::Renew | EntryKind::Import => {
            let Some(identity) = &entry.identity else {
                return;
            };
            LedgerUpdate::Hold {
                record: GrantRecord {
                    client: client.clone(),
                    tenant: tenant.clone(),
                    entitlement,
                    identity: identity.clone(),
                    account: account.clone(),
                    granted_at: acted_at(entry),
                    expires_at: entry.expires_at.as_deref().and_then(instant),
                    sources: entry.sources.iter().map(|s| s.as_str().into()).collect(),
                    ticket: entry.ticket.clone(),
                    actor: entry.actor.clone(),
                    tenant_enforces_expiry: super::tenant_enforces_expiry(entry),
                    origin: if imported {
                        RecordOrigin::HeldBeforeOnboard
                    } else {
                        RecordOrigin::Granted
                    },
                },
                unchanged: imported || entry.result == Some(EntryResult::Unchanged),
            }
        }
        _ => LedgerUpdate::Remove {
            client: client.clone().into(),
            tenant: tenant.clone().into(),
            entitlement: std::borrow::Cow::Owned(entitlement),
            identity: entry
                .identity
                .clone()
                .filter(|_| kind != EntryKind::Drift)
                .map(Into::into),
            account: account.clone().into(),
        },
    };
    updates.push(update);
}
