//! Applying a plan's changes to tenants and recording them in the ledger.
//!
//! Tenants are worked on in parallel, each tenant's changes in order. One tenant failing
//! does not stop the others. The ledger is saved after each tenant, so a crash loses at
//! most the record of one tenant's changes, which the next plan reconciles.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

use time::OffsetDateTime;

use crate::adapters::{self, Adapter, AdapterError, FailureKind, Outcome};
use crate::model::{GrantRecord, Workspace};
use crate::plan::{Change, ChangeKind};
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
    /// How adapters are opened (HTTP logging at `--verbose`).
    pub adapters: &'a adapters::Options,
}

/// Applies changes (unknown changes are skipped) and updates the ledger. Returns each
/// change's result in plan order; a ledger write failure is returned as an error after
/// the tenants have been worked on.
pub fn apply(
    context: &ApplyContext<'_>,
    ledger: Ledger,
    changes: &[Change],
    progress: &dyn Progress,
) -> Result<Vec<ChangeResult>, StateError> {
    let mut by_tenant: BTreeMap<(&str, &str), Vec<&Change>> = BTreeMap::new();
    for change in changes.iter().filter(|c| c.kind != ChangeKind::Unknown) {
        by_tenant
            .entry((&change.client, &change.tenant))
            .or_default()
            .push(change);
    }
    let groups: Vec<((&str, &str), Vec<&Change>)> = by_tenant.into_iter().collect();
    let ledger = Mutex::new(ledger);
    let save_error: Mutex<Option<StateError>> = Mutex::new(None);
    progress.start(groups.iter().map(|(_, c)| c.len()).sum());
    let results = crate::workers::map(
        &groups,
        context.workspace.settings.parallelism,
        |((client, tenant), changes)| {
            let results = apply_tenant(context, client, tenant, changes, progress);
            let mut ledger = ledger.lock().unwrap_or_else(|e| e.into_inner());
            for result in &results {
                if result.result.is_ok() {
                    record(&mut ledger, &result.change, context);
                }
            }
            if let Err(e) = context.state.save(&ledger, context.lock) {
                save_error
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get_or_insert(e);
            }
            results
        },
    );
    progress.finish();
    if let Some(error) = save_error.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(error);
    }
    Ok(results.into_iter().flatten().collect())
}

fn apply_tenant(
    context: &ApplyContext<'_>,
    client_id: &str,
    tenant_name: &str,
    changes: &[&Change],
    progress: &dyn Progress,
) -> Vec<ChangeResult> {
    let name = format!("{client_id}/{tenant_name}");
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
    let mut adapter = match adapter {
        Ok(adapter) => adapter,
        Err(error) => {
            return changes
                .iter()
                .map(|change| {
                    let result = Err(error.clone());
                    progress.advance(change, &result);
                    ChangeResult {
                        change: (*change).clone(),
                        result,
                    }
                })
                .collect();
        }
    };
    changes
        .iter()
        .map(|change| {
            let result = apply_one(adapter.as_mut(), &name, change);
            progress.advance(change, &result);
            ChangeResult {
                change: (*change).clone(),
                result,
            }
        })
        .collect()
}

fn apply_one(
    adapter: &mut dyn Adapter,
    tenant: &str,
    change: &Change,
) -> Result<Outcome, AdapterError> {
    let (Some(entitlement), Some(account)) = (&change.entitlement, &change.account) else {
        return Err(AdapterError::new(
            tenant,
            "apply",
            FailureKind::Malformed,
            "the change names no entitlement or account",
        ));
    };
    let principal = adapter.resolve(account)?;
    match change.kind {
        ChangeKind::Grant | ChangeKind::Renew => {
            let principal = principal.ok_or_else(|| {
                AdapterError::new(
                    tenant,
                    format!("grant `{entitlement}`"),
                    FailureKind::NotFound,
                    format!("account `{account}` does not exist in the tenant"),
                )
                .with_hint("create the account first, or fix the identity's `accounts:` template")
            })?;
            adapter.grant(&principal, entitlement, change.expires_at)
        }
        ChangeKind::Expire | ChangeKind::Revoke | ChangeKind::Drift => match principal {
            None => Ok(Outcome::NoChange),
            Some(principal) => adapter.revoke(&principal, entitlement),
        },
        ChangeKind::Unknown => Ok(Outcome::NoChange),
    }
}

/// Updates the ledger for a change that succeeded.
fn record(ledger: &mut Ledger, change: &Change, context: &ApplyContext<'_>) {
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
            let granted_at = ledger
                .grants
                .iter()
                .find(|r| same(r) && r.account.eq_ignore_ascii_case(account))
                .map_or(context.now, |r| r.granted_at);
            ledger
                .grants
                .retain(|r| !(same(r) && r.account.eq_ignore_ascii_case(account)));
            ledger.grants.push(GrantRecord {
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
            ledger
                .grants
                .retain(|r| !(same(r) && r.account.eq_ignore_ascii_case(account)));
        }
        ChangeKind::Unknown => {}
    }
}
