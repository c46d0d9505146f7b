//! Issuing, rotating, retiring and revoking the credentials of service accounts and
//! agents: the edges of [`crate::plan::credentials`]'s decisions.
//!
//! A rotation never leaves a credential only in onboard's memory, and never records one
//! that was not delivered:
//! - a **password** is made by onboard: its intent (with the new value's fingerprint) is
//!   on disk, then the value is delivered to the vault and read back, then set in the
//!   tenant, then recorded;
//! - a **client secret** is made by the tenant: its intent (with the key ids the tenant
//!   held before) is on disk, then it is issued, delivered and read back, then recorded.
//!   A delivery that fails removes it from the tenant again.
//!
//! Only once the new credential is recorded does the old one start its overlap. A crash
//! in between leaves an intent without outcome, which the next run repairs first
//! (`repair`): a password found in the vault is set again; a client secret the tenant
//! holds that was never recorded is removed.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::json;

use super::Context;
use crate::adapters::{AdapterError, CredentialRequest, IssuedCredential};
use crate::audit::{AuditLog, Entry, EntryKind, EntryResult, Phase};
use crate::model::{
    Block, Client, CredentialKind, CredentialSlot, IssuedRecord, TenantRef, VaultRef,
};
pub use crate::plan::credentials::short;
use crate::plan::credentials::{CredentialChange, RetireReason, Wanted, decide, wanted};
use crate::secrets::Secret;
use crate::state::{Credentials, Lock};

mod repair;
mod revoke;
mod rotation;
mod sink;

use sink::Sink;

/// What happened to one credential.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CredentialResult {
    /// Which credential.
    #[serde(flatten)]
    pub slot: CredentialSlot,
    /// `rotate`, `retire`, `revoke` or `repair`.
    pub action: &'static str,
    /// What was done (key ids, vault versions; never a value), or why it failed.
    pub detail: String,
    /// Whether it failed.
    pub failed: bool,
    /// What would fix a failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// A failure of one credential's change, never holding a secret.
#[derive(Debug)]
struct Failure {
    detail: String,
    hint: Option<String>,
}

impl From<AdapterError> for Failure {
    fn from(error: AdapterError) -> Self {
        Failure {
            detail: error.to_string(),
            hint: error.hint,
        }
    }
}

impl From<crate::secrets::SecretError> for Failure {
    fn from(error: crate::secrets::SecretError) -> Self {
        Failure {
            hint: error.hint(),
            detail: error.to_string(),
        }
    }
}

impl From<crate::vault::VaultError> for Failure {
    fn from(error: crate::vault::VaultError) -> Self {
        Failure {
            hint: error.hint.clone(),
            detail: error.to_string(),
        }
    }
}

impl From<crate::secrets::RandomError> for Failure {
    fn from(error: crate::secrets::RandomError) -> Self {
        Failure {
            detail: error.to_string(),
            hint: None,
        }
    }
}

fn failure(detail: impl Into<String>) -> Failure {
    Failure {
        detail: detail.into(),
        hint: None,
    }
}

/// Returns the credential changes due at the context's instant, and problems naming an
/// identity whose account cannot be named. `blocks` are the ledger's standing
/// revocations (the caller has the ledger at hand: it is not read again).
pub fn plan(
    cx: &Context<'_>,
    clients: Option<&[&str]>,
    blocks: &[Block],
) -> anyhow::Result<(Vec<CredentialChange>, Vec<crate::model::Diagnostic>)> {
    let (mut wanted, problems) = wanted(cx.workspace, cx.now);
    // A standing revocation (a leaver, `revoke --client`) takes the credentials too.
    wanted.retain(|w| {
        !blocks
            .iter()
            .any(|b| b.covers(&w.slot.client, &w.slot.identity, None))
    });
    let mut records = cx.state.load_credentials()?.issued;
    if let Some(clients) = clients {
        wanted.retain(|w| clients.contains(&w.slot.client.as_str()));
        records.retain(|r| clients.contains(&r.slot.client.as_str()));
    }
    Ok((decide(&wanted, &records, cx.now), problems))
}

/// Returns the service accounts and agents of `clients` (all when `None`) whose owner has
/// left (a standing revocation of the owner): each is up for review until it names a new
/// owner. Their credentials keep rotating meanwhile (`wanted` leaves them in), so the
/// systems using them keep working. `blocks` are the ledger's standing revocations.
pub fn owners_left(
    cx: &Context<'_>,
    clients: Option<&[&str]>,
    blocks: &[Block],
) -> Vec<crate::plan::owners::OwnerLeft> {
    let mut left = crate::plan::owners::owners_left(cx.workspace, blocks);
    if let Some(clients) = clients {
        left.retain(|l| l.client.as_deref().is_none_or(|c| clients.contains(&c)));
    }
    left
}

/// Returns a warning for each service account and agent whose owner has left, for
/// `validate`. It reads the standing revocations from a `file` state only: with a
/// database, `validate` stays offline and says nothing of them (`plan` and `status` do).
pub fn owner_warnings(
    root: &Path,
    workspace: &crate::model::Workspace,
) -> Vec<crate::model::Diagnostic> {
    if workspace.settings.state != crate::model::StateBackend::File {
        return Vec::new();
    }
    let Ok((ledger, _)) =
        crate::state::open(&workspace.settings, root).and_then(|store| store.load_ledger())
    else {
        return Vec::new();
    };
    crate::plan::owners::owners_left(workspace, &ledger.blocks)
        .into_iter()
        .map(|left| {
            crate::model::Diagnostic::new(
                left.origin.clone(),
                format!("`{}` is up for review: {}", left.identity, left.summary()),
            )
            .field("owner")
            .hint(format!(
                "`{}` has a standing revocation since {}: set `owner:` to a person who answers for `{}` now; its access and credentials stay meanwhile",
                left.owner,
                crate::model::time::format_short(left.left_at),
                left.identity
            ))
        })
        .collect()
}

/// Names a slot's credential as audit entries write it: `credential:client_secret:APP`
/// or `credential:password`.
fn subject(slot: &CredentialSlot) -> String {
    match &slot.application {
        Some(application) => format!("credential:{}:{application}", slot.kind.as_str()),
        None => format!("credential:{}", slot.kind.as_str()),
    }
}

fn entry(slot: &CredentialSlot, account: Option<&str>, change: &str, reason: String) -> Entry {
    Entry {
        kind: Some(EntryKind::Credential),
        change: Some(change.to_string()),
        client: Some(slot.client.clone()),
        tenant: Some(slot.tenant.clone()),
        identity: Some(slot.identity.clone()),
        account: account.map(str::to_string),
        entitlement: Some(subject(slot)),
        reason: Some(reason),
        ..Entry::default()
    }
}

/// What a run of credential changes works with.
pub struct Runner<'a> {
    cx: &'a Context<'a>,
    lock: &'a Lock,
    audit: &'a mut AuditLog,
    credentials: Credentials,
    counter: usize,
    unrecorded: Vec<String>,
}

impl<'a> Runner<'a> {
    /// Starts a run: reads the issued credentials.
    pub fn new(
        cx: &'a Context<'a>,
        lock: &'a Lock,
        audit: &'a mut AuditLog,
    ) -> anyhow::Result<Self> {
        Ok(Runner {
            credentials: cx.state.load_credentials()?,
            cx,
            lock,
            audit,
            counter: 0,
            unrecorded: Vec::new(),
        })
    }

    /// Returns the changes made in a tenant (and delivered) that could not be recorded,
    /// each named with what was done: the next run repairs them from their intents.
    pub fn unrecorded(&self) -> &[String] {
        &self.unrecorded
    }

    /// Notes that `done` happened in the tenant but could not be recorded (`failed`), and
    /// returns the failure saying so.
    fn not_recorded(&mut self, slot: &CredentialSlot, done: String, failed: Failure) -> Failure {
        self.unrecorded.push(format!("{slot}: {done}"));
        Failure {
            detail: format!(
                "{done}, but that could not be recorded ({}): the next `onboard apply {}` repairs it",
                failed.detail, slot.client
            ),
            hint: Some(format!(
                "run `onboard apply {}` once the state and audit log can be written again",
                slot.client
            )),
        }
    }

    fn client(&self, id: &str) -> Result<&'a Client, Failure> {
        self.cx
            .workspace
            .clients
            .get(id)
            .ok_or_else(|| failure(format!("client `{id}` is not in the workspace")))
    }

    fn adapter(&self, slot: &CredentialSlot) -> Result<Box<dyn crate::adapters::Adapter>, Failure> {
        let client = self.client(&slot.client)?;
        let tenant = client
            .tenants
            .iter()
            .find(|t| t.name == slot.tenant)
            .ok_or_else(|| {
                failure(format!(
                    "tenant `{}` is not in the client file",
                    TenantRef::new(&slot.client, &slot.tenant)
                ))
            })?;
        let mut adapter = crate::adapters::open(client, tenant, self.cx.root, self.cx.adapters)?;
        adapter.verify_tenant()?;
        Ok(adapter)
    }

    fn change_id(&mut self) -> String {
        self.counter += 1;
        format!("{}-c{}", self.audit.run_id(), self.counter)
    }

    fn append(&mut self, chain: &str, entry: Entry) -> Result<(), Failure> {
        self.audit
            .append(chain, entry)
            .and_then(|()| self.audit.sync())
            .map_err(|e| failure(format!("the audit log could not be written: {e}")))
    }

    fn save(&mut self) -> Result<(), Failure> {
        self.cx
            .state
            .save_credentials(&self.credentials, self.lock)
            .map_err(|e| failure(format!("the issued credentials could not be recorded: {e}")))
    }

    /// Carries out `changes` in order; one failing never stops the others, except that
    /// a credential replaced without overlap stays when its successor failed.
    pub fn apply(&mut self, changes: &[CredentialChange]) -> Vec<CredentialResult> {
        let mut results: Vec<CredentialResult> = Vec::new();
        for change in changes {
            let slot = change.slot();
            let result = match change {
                CredentialChange::Rotate {
                    wanted, replaces, ..
                } => self.rotate(wanted, replaces.as_deref(), change),
                CredentialChange::Retire {
                    record,
                    reason: RetireReason::NoOverlap,
                } if results
                    .iter()
                    .any(|r| r.slot == slot && r.action == "rotate" && r.failed) =>
                {
                    Ok(format!(
                        "kept: its successor could not be issued, so `{}` stays in use",
                        short(&record.key_id)
                    ))
                }
                CredentialChange::Retire { record, reason } => self.retire(record, *reason),
            };
            results.push(finish(slot, change.action(), result));
        }
        results
    }

    fn declared(&self, slot: &CredentialSlot) -> Option<&crate::model::DeclaredCredential> {
        let identity = self.cx.workspace.identities.get(&slot.identity)?;
        identity
            .credentials
            .iter()
            .find(|c| c.kind == slot.kind && c.application == slot.application)
    }

    fn terms_of(&self, slot: &CredentialSlot) -> String {
        self.declared(slot).map(|d| d.terms()).unwrap_or_default()
    }

    fn overlap_of(&self, slot: &CredentialSlot) -> std::time::Duration {
        self.declared(slot).map(|d| d.overlap).unwrap_or_default()
    }
}

fn finish(
    slot: CredentialSlot,
    action: &'static str,
    result: Result<String, Failure>,
) -> CredentialResult {
    match result {
        Ok(detail) => CredentialResult {
            slot,
            action,
            detail,
            failed: false,
            hint: None,
        },
        Err(e) => CredentialResult {
            slot,
            action,
            detail: crate::secrets::scrub(&e.detail).into_owned(),
            failed: true,
            hint: e.hint,
        },
    }
}

/// Test-only fault switch (only with the `test-hooks` feature): with
/// `ONBOARD_TEST_CRASH_AFTER_ISSUE=N`, the process aborts right after the Nth credential
/// was issued in its tenant, as a crash would.
#[cfg(feature = "test-hooks")]
fn crash_switch() {
    use std::sync::atomic::{AtomicU64, Ordering};
    static ISSUED: AtomicU64 = AtomicU64::new(0);
    let Some(limit) = crate::env::hooks::crash_after_issue() else {
        return;
    };
    if ISSUED.fetch_add(1, Ordering::SeqCst) + 1 >= limit {
        std::process::abort();
    }
}

#[cfg(not(feature = "test-hooks"))]
fn crash_switch() {}
