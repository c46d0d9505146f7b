//! Issuing and rotating a credential: deliver it, then record it and start the
//! overlap of the one it replaces.

use super::*;

impl Runner<'_> {
    pub(super) fn rotate(
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
                        outcome.result = Some(EntryResult::Failed);
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
        let done = format!(
            "issued `{}` and delivered it to `{}`",
            short(&issued.key_id),
            wanted.deliver
        );
        if let Err(e) = self.record(record, wanted.overlap) {
            return Err(self.not_recorded(slot, done, e));
        }
        let mut outcome = intent;
        outcome.phase = Some(Phase::Outcome);
        outcome.result = Some(EntryResult::Ok);
        outcome.detail = Some(json!({
            "key_id": issued.key_id,
            "delivered_to": wanted.deliver,
            "vault_version": version,
            "replaces": replaces,
        }));
        if let Err(e) = self.append(&slot.client, outcome) {
            return Err(self.not_recorded(slot, done, e));
        }
        let version = version
            .map(|v| format!(" (version {v})"))
            .unwrap_or_default();
        Ok(format!(
            "issued `{}`, delivered to `{}`{version}",
            short(&issued.key_id),
            wanted.deliver
        ))
    }

    /// Records a delivered credential and starts the overlap of every current one of its
    /// slot (the one the plan replaces among them): they retire `overlap` from now.
    pub(super) fn record(
        &mut self,
        record: IssuedRecord,
        overlap: std::time::Duration,
    ) -> Result<(), Failure> {
        let retire_after = crate::model::time::after(self.cx.now, overlap);
        for old in self
            .credentials
            .issued
            .iter_mut()
            .filter(|r| r.is_of(&record.slot) && r.is_current())
        {
            old.retire_after = Some(retire_after);
        }
        self.credentials.issued.push(record);
        self.save()
    }
}
