//! The credential phase of `plan` and `apply`: the rotations, retirements and
//! revocations of service accounts' and agents' credentials, shown and carried out.

use super::session::Session;
use crate::model::Block;
use crate::plan::credentials::CredentialChange;
use crate::state::Lock;
use crate::ui::OutputFormat;
use crate::ui::tables::table_text;
use crate::workflow::credentials::{CredentialResult, Runner, short};

fn results_table(results: &[CredentialResult]) -> String {
    let headers: &[&str] = &[
        "credential",
        "result",
        "client/tenant",
        "identity",
        "detail",
    ];
    let mut rows: Vec<Vec<String>> = Vec::new();
    for result in results {
        rows.push(vec![
            result.action.to_string(),
            if result.failed { "failed" } else { "ok" }.to_string(),
            crate::model::TenantRef::new(&result.slot.client, &result.slot.tenant).to_string(),
            result.slot.identity.clone(),
            result.detail.clone(),
        ]);
    }
    table_text(headers, rows)
}

/// Returns the credential changes due at the session's instant for `clients`, warning
/// about identities whose account cannot be named. `blocks`: the ledger's standing
/// revocations.
pub(super) fn plan_changes(
    session: &Session,
    clients: &[&str],
    blocks: &[Block],
) -> anyhow::Result<Vec<CredentialChange>> {
    let (changes, problems) =
        crate::workflow::credentials::plan(&session.context(), Some(clients), blocks)?;
    for problem in &problems {
        session.printer.warn(&problem.to_string());
    }
    Ok(changes)
}

/// Whether a run was interrupted mid credential change in one of `clients` (a credential
/// intent without its outcome in the audit log).
fn interrupted(session: &Session, clients: &[&str]) -> bool {
    crate::audit::writer::peek_dangling_all(session.state.as_ref(), clients)
        .into_iter()
        .any(|d| {
            d.is_ok_and(|d| {
                d.iter()
                    .any(|e| e.kind == Some(crate::audit::EntryKind::Credential))
            })
        })
}

/// Warns that the credential changes due for `clients` (and any interrupted one) are not
/// part of a saved plan, which carries out access changes only, and how to make them.
/// `blocks`: the ledger's standing revocations.
pub(super) fn warn_not_in_saved_plan(
    session: &Session,
    clients: &[&str],
    blocks: &[Block],
) -> anyhow::Result<()> {
    let (changes, _) =
        crate::workflow::credentials::plan(&session.context(), Some(clients), blocks)?;
    let interrupted = interrupted(session, clients);
    if changes.is_empty() && !interrupted {
        return Ok(());
    }
    let mut named: Vec<String> = changes.iter().map(|c| c.slot().client.clone()).collect();
    named.dedup();
    if named.is_empty() {
        named = clients.iter().map(|c| c.to_string()).collect();
    }
    session.printer.warn(&format!(
        "a saved plan carries access changes only: {} credential change(s) due (or an interrupted one) were not made; run `onboard apply {}` to make them",
        changes.len(),
        named.join(" ")
    ));
    Ok(())
}

/// Repairs interrupted credential changes, then carries out the credential changes due
/// for `clients`, recording each in the audit log under `command` (`apply`, or `revoke`:
/// then only the revocations, which its confirmation already covers). Returns how many
/// failed. `blocks`: the ledger's standing revocations, as read under `lock`.
pub(super) fn apply_phase(
    session: &Session,
    lock: &Lock,
    (clients, blocks): (&[&str], &[Block]),
    yes: bool,
    command: &str,
) -> anyhow::Result<usize> {
    let cx = session.context();
    let revocations_only = command == "revoke";
    let plan = || -> anyhow::Result<_> {
        let (mut changes, problems) =
            crate::workflow::credentials::plan(&cx, Some(clients), blocks)?;
        if revocations_only {
            changes.retain(|c| {
                matches!(
                    c,
                    CredentialChange::Retire {
                        reason: crate::plan::credentials::RetireReason::Revoked,
                        ..
                    }
                )
            });
        }
        Ok((changes, problems))
    };
    let interrupted = interrupted(session, clients);
    let (changes, problems) = plan()?;
    for problem in &problems {
        session.printer.warn(&problem.to_string());
    }
    if changes.is_empty() && !interrupted {
        return Ok(0);
    }
    if !changes.is_empty() && !session.printer.quiet {
        session.printer.report(&format!(
            "{}\n",
            crate::ui::tables::credentials_table(&changes)
        ));
    }
    if !changes.is_empty()
        && !yes
        && !crate::ui::prompt::confirm(&format!(
            "Carry out these {} credential change(s)?",
            changes.len()
        ))?
    {
        return Err(
            crate::ui::diagnostics::UserError::new("cancelled: nothing was changed").into(),
        );
    }
    session.check_audit()?;
    let mut audit = session.audit_log(command)?;
    let mut runner = Runner::new(&cx, lock, &mut audit)?;
    let mut results = runner.repair(clients);
    // Planned again after a repair: a repaired rotation is due no more.
    let changes = if interrupted { plan()?.0 } else { changes };
    results.extend(runner.apply(&changes));
    let unrecorded = runner.unrecorded().to_vec();
    drop(runner);
    let failed = results.iter().filter(|r| r.failed).count();
    let finished =
        audit.finish(serde_json::json!({ "credentials": results.len(), "failed": failed }));
    match session.printer.format {
        OutputFormat::Json => session.printer.report(&format!(
            "{}\n",
            serde_json::json!({ "credentials": results })
        )),
        _ => session
            .printer
            .report(&format!("{}\n", results_table(&results))),
    }
    for result in results.iter().filter(|r| r.failed) {
        if let Some(hint) = &result.hint {
            session.printer.detail(&format!(
                "hint for `{}`: {hint}",
                crate::model::TenantRef::new(&result.slot.client, &result.slot.tenant)
            ));
        }
    }
    if !unrecorded.is_empty() {
        // Made in the tenant and delivered, so not "nothing sent": the run stops here,
        // and the next one repairs them from their intents.
        return Err(crate::ui::diagnostics::UserError::new(format!(
            "{} credential change(s) were made but could not be recorded: {}",
            unrecorded.len(),
            unrecorded.join("; ")
        ))
        .hint(format!(
            "the next `onboard apply {}` repairs them from their intents in the audit log, before anything else; run it once the state can be written again",
            clients.join(" ")
        ))
        .status(crate::exit::ExitStatus::PartialFailure)
        .into());
    }
    finished?;
    Ok(failed)
}

/// Prints `status --credentials`: every issued credential of `clients` and `identities`
/// (all when empty) with its age, next rotation or retirement, and delivery path.
pub(super) fn show_status(
    session: &Session,
    clients: &[String],
    identities: &[String],
) -> anyhow::Result<()> {
    use crate::model::time::{format_duration, format_short};
    let now = session.now;
    let (wanted, _) = crate::plan::credentials::wanted(&session.workspace, now);
    let records: Vec<_> = session
        .state
        .load_credentials()?
        .issued
        .into_iter()
        .filter(|r| clients.is_empty() || clients.contains(&r.slot.client))
        .filter(|r| identities.is_empty() || identities.contains(&r.slot.identity))
        .collect();
    let rows: Vec<serde_json::Value> = records
        .iter()
        .map(|r| {
            let age = (now - r.issued_at).max(time::Duration::ZERO);
            let age = std::time::Duration::from_secs(age.whole_seconds().unsigned_abs());
            let next = match r.retire_after {
                Some(end) => format!("retire {}", format_short(end)),
                None => match wanted.iter().find(|w| r.is_of(&w.slot)) {
                    Some(w) => format!(
                        "rotate {}",
                        format_short(crate::plan::credentials::next_rotation(
                            r.issued_at,
                            w.max_age
                        ))
                    ),
                    None => "revoke: no longer declared".to_string(),
                },
            };
            serde_json::json!({
                "client": r.slot.client,
                "tenant": r.slot.tenant,
                "identity": r.slot.identity,
                "kind": r.slot.kind,
                "application": r.slot.application,
                "key_id": r.key_id,
                "issued_at": crate::model::time::format_instant(r.issued_at),
                "age": format_duration(age),
                "next": next,
                "delivered_to": r.delivered_to,
                "vault_version": r.vault_version,
            })
        })
        .collect();
    let printer = &session.printer;
    if printer.format == OutputFormat::Json {
        return Ok(printer.json(&serde_json::json!({
            "format_version": crate::ui::documents::FORMAT_VERSION,
            "now": crate::model::time::format_instant(now),
            "credentials": rows,
        }))?);
    }
    if rows.is_empty() {
        printer.status("No credentials issued.");
        return Ok(());
    }
    let headers: &[&str] = &[
        "client/tenant",
        "identity",
        "kind",
        "key",
        "age",
        "next",
        "delivered to",
    ];
    let mut cells: Vec<Vec<String>> = Vec::new();
    for (row, r) in rows.iter().zip(&records) {
        cells.push(vec![
            crate::model::TenantRef::new(&r.slot.client, &r.slot.tenant).to_string(),
            r.slot.identity.clone(),
            r.slot.kind.as_str().to_string(),
            short(&r.key_id),
            row["age"].as_str().unwrap_or_default().to_string(),
            row["next"].as_str().unwrap_or_default().to_string(),
            r.delivered_to.clone(),
        ]);
    }
    Ok(printer.data(&table_text(headers, cells))?)
}

/// Warns about each service account and agent of `clients` (all when empty) whose owner
/// has left: it is up for review until its file names a new owner.
pub(super) fn warn_owners_left(session: &Session, clients: &[String]) -> anyhow::Result<()> {
    let ids: Vec<&str> = clients.iter().map(String::as_str).collect();
    let selected = (!ids.is_empty()).then_some(ids.as_slice());
    let (ledger, _) = session.ledger()?;
    for left in
        crate::workflow::credentials::owners_left(&session.context(), selected, &ledger.blocks)
    {
        session.printer.warn(&left.message());
    }
    Ok(())
}
