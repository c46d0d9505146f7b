//! Repairing the credential changes a crashed run left half done.

use super::*;

impl Runner<'_> {
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
                self.record(record, overlap)?;
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
