//! A tenant's own configuration (GDAP access assignments, Okta group admin roles): brought
//! in line before its entitlement changes, with an intent and an outcome in the audit log.

use super::journal::Journal;
use crate::adapters::{Adapter, AdapterError, FailureKind};
use crate::audit::{AuditError, Entry, EntryKind, EntryResult, Phase};
use crate::model::ConfigurationChange;

/// Why a tenant's configuration was not brought in line, and the audit log's failure
/// when that was the cause.
type ConfigurationFailure = (AdapterError, Option<AuditError>);

/// Carries out the `planned` changes to a tenant's own configuration (a GDAP
/// relationship's access assignments, the admin roles of Okta groups) before its
/// entitlement changes are sent, with an
/// intent in the audit log before and an outcome listing what changed after (also when
/// a failure stopped it part of the way). A failure fails the tenant's changes:
/// technicians are not added to partner groups whose access is not what the client file
/// says. An audit log that cannot be written is returned beside the failure.
pub(super) fn apply_configuration(
    journal: &Journal<'_, '_>,
    (client_id, tenant_name): (&str, &str),
    run: &str,
    planned: &[ConfigurationChange],
    mut adapter: Box<dyn Adapter>,
) -> Result<Box<dyn Adapter>, Box<ConfigurationFailure>> {
    let subject = adapter.configuration_subject();
    let entry = |phase: Phase| Entry {
        kind: Some(EntryKind::Configuration),
        change: Some(format!("{run}-{tenant_name}-configuration")),
        client: Some(client_id.to_string()),
        tenant: Some(tenant_name.to_string()),
        entitlement: Some(subject.subject.into()),
        reason: Some(subject.description.into()),
        phase: Some(phase),
        ..Entry::default()
    };
    let unsent = |error: AuditError| {
        Box::new((
            AdapterError::new(
                &format!("{client_id}/{tenant_name}"),
                "reconcile",
                FailureKind::Rejected,
                "the audit log could not be written, so nothing was sent",
            ),
            Some(error),
        ))
    };
    journal
        .write_now(client_id, vec![entry(Phase::Intent)])
        .map_err(unsent)?;
    let mut done = Vec::new();
    let result = adapter.apply_configuration(planned, &mut done);
    let mut outcome = entry(Phase::Outcome);
    // What changed is evidence whether or not everything did.
    outcome.detail = Some(serde_json::json!({ "changes": done }));
    match &result {
        Ok(()) => {
            outcome.result = Some(if done.is_empty() {
                EntryResult::Unchanged
            } else {
                EntryResult::Ok
            });
        }
        Err(error) => {
            outcome.result = Some(EntryResult::Failed);
            outcome.error_code = Some(error.kind.code().into());
            outcome.error = Some(format!("{}: {}", error.operation, error.detail));
        }
    }
    journal
        .write_now(client_id, vec![outcome])
        .map_err(unsent)?;
    result
        .map(|_| adapter)
        .map_err(|error| Box::new((error, None)))
}
