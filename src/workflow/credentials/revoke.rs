//! Retiring a credential after its overlap, or revoking it at once.

use super::*;

impl Runner<'_> {
    pub(super) fn retire(
        &mut self,
        record: &IssuedRecord,
        reason: RetireReason,
    ) -> Result<String, Failure> {
        let slot = &record.slot;
        let mut adapter = self.adapter(slot);
        let id = self.change_id();
        let why = match reason {
            RetireReason::OverlapEnded => "retire: its successor's overlap has passed",
            RetireReason::NoOverlap => "retire: its successor is delivered and it has no overlap",
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
                let audit_entry = format!("{}:{id}", slot.client);
                let revoked = sink::Revoked {
                    at: self.cx.now,
                    audit_entry: &audit_entry,
                };
                done.push(sink.revoke(self.cx, &versions, &revoked)?);
            }
            Ok(())
        });
        let mut outcome = intent;
        outcome.phase = Some(Phase::Outcome);
        match &result {
            Ok(()) => {
                outcome.result = Some(EntryResult::Ok);
                self.credentials
                    .issued
                    .retain(|r| !(r.is_of(slot) && r.key_id == record.key_id));
                if let Err(e) = self
                    .save()
                    .and_then(|()| self.append(&slot.client, outcome))
                {
                    return Err(self.not_recorded(slot, done.join("; "), e));
                }
            }
            Err(e) => {
                outcome.result = Some(EntryResult::Failed);
                outcome.error = Some(e.detail.clone());
                self.append(&slot.client, outcome)?;
            }
        }
        result.map(|()| done.join("; "))
    }
}
