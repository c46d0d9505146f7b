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
use crate::audit::{AuditLog, Entry, EntryKind, Phase};
use crate::model::{Client, CredentialKind, CredentialSlot, IssuedRecord, VaultRef};
use crate::plan::credentials::{CredentialChange, RetireReason, Wanted, decide, wanted};
use crate::secrets::Secret;
use crate::state::{Credentials, Lock};

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
/// identity whose account cannot be named.
pub fn plan(
    cx: &Context<'_>,
    clients: Option<&[&str]>,
) -> anyhow::Result<(Vec<CredentialChange>, Vec<crate::model::Diagnostic>)> {
    let (mut wanted, problems) = wanted(cx.workspace, cx.now);
    // A standing revocation (a leaver, `revoke --client`) takes the credentials too.
    let (ledger, _) = cx.state.load_ledger()?;
    wanted.retain(|w| {
        !ledger
            .blocks
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

/// Where a credential's value is delivered: a field of a vault secret, or a file below
/// the workspace (the stand-in for a vault).
enum Sink {
    Vault(VaultRef),
    File(std::path::PathBuf),
}

impl Sink {
    fn parse(target: &str, root: &Path) -> Result<Sink, Failure> {
        match target.split_once(':') {
            Some(("vault", rest)) => VaultRef::parse(rest).map(Sink::Vault).map_err(failure),
            Some(("file", rest)) => Ok(Sink::File(root.join(rest.trim()))),
            _ => Err(failure(format!("`{target}` is no delivery target"))),
        }
    }

    fn vault(cx: &Context<'_>) -> Result<std::sync::Arc<crate::vault::Vault>, Failure> {
        Ok(crate::secrets::vault("credentials", cx.root, cx.adapters)?)
    }

    /// Checks, before any tenant is touched, that the value can be delivered: the
    /// vault takes the login and lets the secret be read (a secret not there yet is
    /// fine).
    fn check(&self, cx: &Context<'_>) -> Result<(), Failure> {
        match self {
            Sink::Vault(reference) => match Self::vault(cx)?.metadata(&reference.path) {
                Ok(_) => Ok(()),
                Err(e) if e.kind == crate::vault::VaultFailure::NotFound => Ok(()),
                Err(e) => Err(e.into()),
            },
            Sink::File(_) => Ok(()),
        }
    }

    /// Writes the value as a new version, keeping the secret's other fields, and reads
    /// it back: returns the vault's version (`None` for a file).
    fn deliver(&self, cx: &Context<'_>, value: &Secret) -> Result<Option<u64>, Failure> {
        match self {
            Sink::Vault(reference) => {
                let vault = Self::vault(cx)?;
                let (mut data, cas) = match vault.read(&reference.path, None) {
                    Ok(current) => (current.data, current.version),
                    Err(e) if e.kind == crate::vault::VaultFailure::NotFound => {
                        (BTreeMap::new(), 0)
                    }
                    Err(e) => return Err(e.into()),
                };
                data.insert(reference.field.clone(), value.clone());
                Ok(Some(vault.write_confirmed(
                    &reference.path,
                    &data,
                    Some(cas),
                )?))
            }
            Sink::File(path) => {
                let text = format!("{}\n", value.expose());
                // Byte for byte: `write` would scrub the very secret this file is for.
                crate::atomic_file::write_exact(path, text.as_bytes())
                    .and_then(|()| restrict(path))
                    .map_err(|e| failure(format!("cannot write {}: {e}", path.display())))?;
                let back = std::fs::read_to_string(path)
                    .map_err(|e| failure(format!("cannot read {} back: {e}", path.display())))?;
                if back.trim_end_matches('\n') != value.expose() {
                    return Err(failure(format!(
                        "{} read back does not hold what was written",
                        path.display()
                    )));
                }
                Ok(None)
            }
        }
    }

    /// Reads the value delivered now, if any.
    fn current(&self, cx: &Context<'_>) -> Result<Option<Secret>, Failure> {
        match self {
            Sink::Vault(reference) => match Self::vault(cx)?.read_field(reference) {
                Ok(value) => Ok(Some(value)),
                Err(e) if e.kind == crate::vault::VaultFailure::NotFound => Ok(None),
                Err(e) => Err(e.into()),
            },
            Sink::File(path) => match std::fs::read_to_string(path) {
                Ok(text) => Ok(Some(Secret::new(text.trim_end_matches('\n')))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(failure(format!("cannot read {}: {e}", path.display()))),
            },
        }
    }

    /// Destroys delivered values for good: the vault versions, or the file.
    fn destroy(&self, cx: &Context<'_>, versions: &[u64]) -> Result<String, Failure> {
        match self {
            Sink::Vault(reference) => {
                if versions.is_empty() {
                    return Ok("no vault version to destroy".into());
                }
                Self::vault(cx)?.destroy_versions(&reference.path, versions)?;
                Ok(format!("vault version(s) {versions:?} destroyed"))
            }
            Sink::File(path) => match std::fs::remove_file(path) {
                Ok(()) => Ok(format!("{} removed", path.display())),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    Ok("nothing delivered".into())
                }
                Err(e) => Err(failure(format!("cannot remove {}: {e}", path.display()))),
            },
        }
    }
}

#[cfg(unix)]
fn restrict(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict(_path: &Path) -> std::io::Result<()> {
    Ok(())
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
        })
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
                    "tenant `{}/{}` is not in the client file",
                    slot.client, slot.tenant
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

    /// Carries out `changes` in order; one failing never stops the others.
    pub fn apply(&mut self, changes: &[CredentialChange]) -> Vec<CredentialResult> {
        changes
            .iter()
            .map(|change| {
                let slot = change.slot();
                let (action, result) = match change {
                    CredentialChange::Rotate {
                        wanted, replaces, ..
                    } => ("rotate", self.rotate(wanted, replaces.as_deref(), change)),
                    CredentialChange::Retire { record, reason } => {
                        let action = match reason {
                            RetireReason::OverlapEnded => "retire",
                            RetireReason::Revoked => "revoke",
                        };
                        (action, self.retire(record, *reason))
                    }
                };
                finish(slot, action, result)
            })
            .collect()
    }

    fn rotate(
        &mut self,
        wanted: &Wanted,
        replaces: Option<&str>,
        change: &CredentialChange,
    ) -> Result<String, Failure> {
        let slot = &wanted.slot;
        let sink = Sink::parse(&wanted.deliver, self.cx.root)?;
        // A vault that is down or refuses the token stops the rotation before the
        // tenant is touched.
        sink.check(self.cx)?;
        let mut adapter = self.adapter(slot)?;
        let label = format!("onboard {}/{}", slot.client, slot.identity);
        let expires_at = match slot.kind {
            CredentialKind::ClientSecret => Some(crate::model::time::after(
                self.cx.now,
                wanted.max_age + wanted.overlap,
            )),
            CredentialKind::Password => None,
        };
        let request = CredentialRequest {
            kind: slot.kind,
            account: &wanted.account,
            application: slot.application.as_deref(),
            label: &label,
            expires_at,
        };
        let reason = match change {
            CredentialChange::Rotate { reason, .. } => reason.describe(wanted.max_age),
            CredentialChange::Retire { .. } => String::new(),
        };
        let id = self.change_id();
        let mut intent = entry(
            slot,
            Some(&wanted.account),
            &id,
            format!("rotate: {reason}"),
        );
        intent.phase = Some(Phase::Intent);
        let (issued, version) = match slot.kind {
            CredentialKind::Password => {
                let password = crate::secrets::generate_password()?;
                let fingerprint = crate::secrets::fingerprint(&password)?;
                intent.detail =
                    Some(json!({ "deliver": wanted.deliver, "fingerprint": fingerprint }));
                self.append(&slot.client, intent.clone())?;
                // Delivered first: a password set in the tenant is always in the vault.
                let version = sink.deliver(self.cx, &password)?;
                let issued = adapter.issue_credential(&request, Some(&password));
                crash_switch();
                (issued?, version)
            }
            CredentialKind::ClientSecret => {
                let before = adapter.list_credentials(&request)?.unwrap_or_default();
                intent.detail = Some(json!({ "deliver": wanted.deliver, "known_keys": before }));
                self.append(&slot.client, intent.clone())?;
                let issued: IssuedCredential = adapter.issue_credential(&request, None)?;
                crash_switch();
                match sink.deliver(self.cx, &issued.secret) {
                    Ok(version) => (issued, version),
                    Err(undelivered) => {
                        // Never left in the tenant undelivered.
                        let removed = adapter.remove_credential(&request, &issued.key_id);
                        let what = match removed {
                            Ok(_) => format!(
                                "the new credential `{}` was removed from the tenant again",
                                issued.key_id
                            ),
                            Err(e) => format!(
                                "removing the new credential `{}` from the tenant failed too ({}): the next run removes it",
                                issued.key_id, e.detail
                            ),
                        };
                        let mut outcome = intent.clone();
                        outcome.phase = Some(Phase::Outcome);
                        outcome.result = Some("failed".into());
                        outcome.error =
                            Some(format!("delivery failed: {}; {what}", undelivered.detail));
                        self.append(&slot.client, outcome)?;
                        return Err(Failure {
                            detail: format!(
                                "delivery to `{}` failed: {}; {what}",
                                wanted.deliver, undelivered.detail
                            ),
                            hint: undelivered.hint,
                        });
                    }
                }
            }
        };
        let record = IssuedRecord {
            slot: slot.clone(),
            key_id: issued.key_id.clone(),
            delivered_to: wanted.deliver.clone(),
            vault_version: version,
            issued_at: self.cx.now,
            terms: wanted.terms.clone(),
            retire_after: None,
        };
        let retire_after = crate::model::time::after(self.cx.now, wanted.overlap);
        self.record(record, replaces, retire_after)?;
        let mut outcome = intent;
        outcome.phase = Some(Phase::Outcome);
        outcome.result = Some("ok".into());
        outcome.detail = Some(json!({
            "key_id": issued.key_id,
            "delivered_to": wanted.deliver,
            "vault_version": version,
            "replaces": replaces,
        }));
        self.append(&slot.client, outcome)?;
        let version = version
            .map(|v| format!(" (version {v})"))
            .unwrap_or_default();
        Ok(format!(
            "issued `{}`, delivered to `{}`{version}",
            short(&issued.key_id),
            wanted.deliver
        ))
    }

    /// Records a delivered credential and starts its predecessor's overlap.
    fn record(
        &mut self,
        record: IssuedRecord,
        replaces: Option<&str>,
        retire_after: time::OffsetDateTime,
    ) -> Result<(), Failure> {
        for old in self
            .credentials
            .issued
            .iter_mut()
            .filter(|r| r.is_of(&record.slot) && r.is_current())
        {
            // Every current one is superseded (`replaces`, as planned, is one of them).
            let _ = replaces;
            old.retire_after = Some(retire_after);
        }
        self.credentials.issued.push(record);
        self.save()
    }

    fn retire(&mut self, record: &IssuedRecord, reason: RetireReason) -> Result<String, Failure> {
        let slot = &record.slot;
        let mut adapter = self.adapter(slot);
        let id = self.change_id();
        let why = match reason {
            RetireReason::OverlapEnded => "retire: its successor's overlap has passed",
            RetireReason::Revoked => "revoke: its identity, client contract or declaration is gone",
        };
        let mut intent = entry(slot, None, &id, why.to_string());
        intent.phase = Some(Phase::Intent);
        intent.detail = Some(json!({ "key_id": record.key_id }));
        self.append(&slot.client, intent.clone())?;
        let request = CredentialRequest {
            kind: slot.kind,
            account: "",
            application: slot.application.as_deref(),
            label: "",
            expires_at: None,
        };
        let mut done = Vec::new();
        let removed = match &mut adapter {
            Ok(adapter) => adapter
                .remove_credential(&request, &record.key_id)
                .map_err(Failure::from),
            Err(e) => Err(failure(e.detail.clone())),
        };
        let result = removed.and_then(|outcome| {
            done.push(match outcome {
                crate::adapters::Outcome::Changed => {
                    format!("removed `{}` from the tenant", short(&record.key_id))
                }
                crate::adapters::Outcome::NoChange => {
                    format!("`{}` was not in the tenant", short(&record.key_id))
                }
            });
            if reason == RetireReason::Revoked {
                let sink = Sink::parse(&record.delivered_to, self.cx.root)?;
                let versions: Vec<u64> = self
                    .credentials
                    .issued
                    .iter()
                    .filter(|r| r.is_of(slot) && r.delivered_to == record.delivered_to)
                    .filter(|r| r.key_id == record.key_id)
                    .filter_map(|r| r.vault_version)
                    .collect();
                done.push(sink.destroy(self.cx, &versions)?);
            }
            Ok(())
        });
        let mut outcome = intent;
        outcome.phase = Some(Phase::Outcome);
        match &result {
            Ok(()) => {
                outcome.result = Some("ok".into());
                self.credentials
                    .issued
                    .retain(|r| !(r.is_of(slot) && r.key_id == record.key_id));
                self.save()?;
            }
            Err(e) => {
                outcome.result = Some("failed".into());
                outcome.error = Some(e.detail.clone());
            }
        }
        self.append(&slot.client, outcome)?;
        result.map(|()| done.join("; "))
    }

    /// Repairs the credential changes a crashed run left half done, from their intents
    /// without outcome in the chains of `clients`: a password the vault holds (its
    /// fingerprint matches the intent's) is set in the tenant and recorded; a client
    /// secret the tenant holds that neither was there before the intent nor is recorded
    /// is removed.
    pub fn repair(&mut self, clients: &[&str]) -> Vec<CredentialResult> {
        let mut results = Vec::new();
        for client in clients {
            let dangling = match crate::audit::writer::peek_dangling(self.cx.state, client) {
                Ok(entries) => entries,
                Err(e) => {
                    results.push(CredentialResult {
                        slot: CredentialSlot {
                            client: client.to_string(),
                            identity: "-".into(),
                            tenant: "-".into(),
                            kind: CredentialKind::Password,
                            application: None,
                        },
                        action: "repair",
                        detail: format!("the audit log could not be read: {e}"),
                        failed: true,
                        hint: None,
                    });
                    continue;
                }
            };
            for intent in dangling
                .iter()
                .filter(|e| e.kind == Some(EntryKind::Credential))
            {
                let Some(slot) = slot_of(intent) else {
                    continue;
                };
                let result = self.repair_one(intent, &slot);
                results.push(finish(slot, "repair", result));
            }
        }
        results
    }

    fn repair_one(&mut self, intent: &Entry, slot: &CredentialSlot) -> Result<String, Failure> {
        let detail = intent.detail.clone().unwrap_or_default();
        let text = |key: &str| detail.get(key).and_then(|v| v.as_str()).map(str::to_string);
        let close = |runner: &mut Self, reason: String| {
            let mut reconcile = entry(
                slot,
                intent.account.as_deref(),
                intent.change.as_deref().unwrap_or("-"),
                reason.clone(),
            );
            reconcile.kind = Some(EntryKind::Reconcile);
            runner.append(&slot.client, reconcile).map(|()| reason)
        };
        if intent
            .reason
            .as_deref()
            .is_some_and(|r| !r.starts_with("rotate"))
        {
            // An interrupted retirement: the next plan retires it again.
            return close(self, "interrupted retirement: planned again".into());
        }
        let Some(deliver) = text("deliver") else {
            return close(
                self,
                "interrupted rotation without a delivery target".into(),
            );
        };
        let sink = Sink::parse(&deliver, self.cx.root)?;
        let mut adapter = self.adapter(slot)?;
        let account = intent.account.clone().unwrap_or_default();
        let label = format!("onboard {}/{}", slot.client, slot.identity);
        let request = CredentialRequest {
            kind: slot.kind,
            account: &account,
            application: slot.application.as_deref(),
            label: &label,
            expires_at: None,
        };
        match slot.kind {
            CredentialKind::Password => {
                let fingerprint = text("fingerprint").unwrap_or_default();
                let delivered = sink
                    .current(self.cx)?
                    .filter(|v| crate::secrets::fingerprint_matches(&fingerprint, v));
                let Some(password) = delivered else {
                    return close(self, "interrupted password rotation: the new password was never delivered, so the tenant kept the old one".into());
                };
                let issued = adapter.issue_credential(&request, Some(&password))?;
                let version = match &sink {
                    Sink::Vault(reference) => Sink::vault(self.cx)?
                        .metadata(&reference.path)
                        .ok()
                        .map(|m| m.current_version),
                    Sink::File(_) => None,
                };
                let terms = self.terms_of(slot);
                let overlap = self.overlap_of(slot);
                let record = IssuedRecord {
                    slot: slot.clone(),
                    key_id: issued.key_id.clone(),
                    delivered_to: deliver.clone(),
                    vault_version: version,
                    issued_at: self.cx.now,
                    terms,
                    retire_after: None,
                };
                self.record(
                    record,
                    None,
                    crate::model::time::after(self.cx.now, overlap),
                )?;
                close(
                    self,
                    format!(
                        "interrupted password rotation repaired: the password delivered to `{deliver}` is set in the tenant and recorded"
                    ),
                )
            }
            CredentialKind::ClientSecret => {
                let known: Vec<String> = detail
                    .get("known_keys")
                    .and_then(|v| v.as_array())
                    .map(|a| {
                        a.iter()
                            .filter_map(|k| k.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                let now = adapter.list_credentials(&request)?.unwrap_or_default();
                let recorded: Vec<&str> = self
                    .credentials
                    .issued
                    .iter()
                    .filter(|r| r.is_of(slot))
                    .map(|r| r.key_id.as_str())
                    .collect();
                let orphans: Vec<String> = now
                    .into_iter()
                    .filter(|k| !known.contains(k) && !recorded.contains(&k.as_str()))
                    .collect();
                for key in &orphans {
                    adapter.remove_credential(&request, key)?;
                }
                let removed = orphans
                    .iter()
                    .map(|k| format!("`{}`", short(k)))
                    .collect::<Vec<_>>()
                    .join(", ");
                close(
                    self,
                    match orphans.len() {
                        0 => "interrupted client-secret rotation: nothing was left in the tenant"
                            .to_string(),
                        _ => format!(
                            "interrupted client-secret rotation repaired: removed the undelivered credential(s) {removed} from the tenant; the next plan issues a new one"
                        ),
                    },
                )
            }
        }
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

/// Returns the slot an audit entry of a credential change names.
fn slot_of(entry: &Entry) -> Option<CredentialSlot> {
    let subject = entry.entitlement.as_deref()?.strip_prefix("credential:")?;
    let (kind, application) = match subject.split_once(':') {
        Some(("client_secret", app)) => (CredentialKind::ClientSecret, Some(app.to_string())),
        None if subject == "password" => (CredentialKind::Password, None),
        _ => return None,
    };
    Some(CredentialSlot {
        client: entry.client.clone()?,
        identity: entry.identity.clone()?,
        tenant: entry.tenant.clone()?,
        kind,
        application,
    })
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

/// Shortens a key id or fingerprint for tables: its first 12 characters after any
/// `sha256:` prefix.
pub fn short(key: &str) -> String {
    let key = key.strip_prefix("sha256:").unwrap_or(key);
    key.chars().take(12).collect()
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
