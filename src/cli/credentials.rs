//! The credential phase of `plan` and `apply`: the rotations, retirements and
//! revocations of service accounts' and agents' credentials, shown and carried out.

use super::session::Session;
use crate::plan::credentials::CredentialChange;
use crate::state::Lock;
use crate::ui::OutputFormat;
use crate::ui::tables::{new_table, render};
use crate::workflow::credentials::{CredentialResult, Runner, short};

/// Returns the table of planned credential changes (never a value).
pub(super) fn plan_table(changes: &[CredentialChange]) -> String {
    let mut table = new_table(&[
        "credential",
        "client/tenant",
        "identity",
        "kind",
        "why",
        "deliver to",
    ]);
    for change in changes {
        let slot = change.slot();
        let (action, why, deliver) = match change {
            CredentialChange::Rotate {
                wanted,
                reason,
                replaces,
            } => (
                "rotate",
                match replaces {
                    Some(key) => format!(
                        "{} (replaces {})",
                        reason.describe(wanted.max_age),
                        short(key)
                    ),
                    None => reason.describe(wanted.max_age),
                },
                wanted.deliver.clone(),
            ),
            CredentialChange::Retire { record, reason } => (
                match reason {
                    crate::plan::credentials::RetireReason::OverlapEnded => "retire",
                    crate::plan::credentials::RetireReason::Revoked => "revoke",
                },
                match reason {
                    crate::plan::credentials::RetireReason::OverlapEnded => {
                        format!("{}: overlap ended", short(&record.key_id))
                    }
                    crate::plan::credentials::RetireReason::Revoked => {
                        format!("{}: identity or declaration gone", short(&record.key_id))
                    }
                },
                record.delivered_to.clone(),
            ),
        };
        let kind = match &slot.application {
            Some(application) => format!("{} {application}", slot.kind.as_str()),
            None => slot.kind.as_str().to_string(),
        };
        table.add_row(vec![
            action.to_string(),
            format!("{}/{}", slot.client, slot.tenant),
            slot.identity.clone(),
            kind,
            why,
            deliver,
        ]);
    }
    render(&table)
}

fn results_table(results: &[CredentialResult]) -> String {
    let mut table = new_table(&[
        "credential",
        "result",
        "client/tenant",
        "identity",
        "detail",
    ]);
    for result in results {
        table.add_row(vec![
            result.action.to_string(),
            if result.failed { "failed" } else { "ok" }.to_string(),
            format!("{}/{}", result.slot.client, result.slot.tenant),
            result.slot.identity.clone(),
            result.detail.clone(),
        ]);
    }
    render(&table)
}

/// Shows the credential changes due at the session's instant for `clients` (tables and
/// markdown: after the plan; JSON: on stderr as one document line is not touched).
pub(super) fn show_plan(session: &Session, clients: &[&str]) -> anyhow::Result<usize> {
    let (changes, problems) =
        crate::workflow::credentials::plan(&session.context(), Some(clients))?;
    for problem in &problems {
        session.printer.warn(&problem.to_string());
    }
    if changes.is_empty() {
        return Ok(0);
    }
    match session.printer.format {
        OutputFormat::Json => session.printer.report(&format!(
            "{}\n",
            serde_json::json!({ "credentials": changes })
        )),
        _ => session
            .printer
            .data(&format!("\n{}", plan_table(&changes)))?,
    }
    Ok(changes.len())
}

/// Repairs interrupted credential changes, then carries out the credential changes due
/// for `clients`, recording each in the audit log. Returns how many failed.
pub(super) fn apply_phase(
    session: &Session,
    lock: &Lock,
    clients: &[&str],
    yes: bool,
) -> anyhow::Result<usize> {
    let cx = session.context();
    let interrupted = clients.iter().any(|c| {
        crate::audit::writer::peek_dangling(session.state.as_ref(), c).is_ok_and(|d| {
            d.iter()
                .any(|e| e.kind == Some(crate::audit::EntryKind::Credential))
        })
    });
    let (changes, problems) = crate::workflow::credentials::plan(&cx, Some(clients))?;
    for problem in &problems {
        session.printer.warn(&problem.to_string());
    }
    if changes.is_empty() && !interrupted {
        return Ok(0);
    }
    if !changes.is_empty() && !session.printer.quiet {
        session
            .printer
            .report(&format!("{}\n", plan_table(&changes)));
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
    let mut audit = session.audit_log("apply")?;
    let mut runner = Runner::new(&cx, lock, &mut audit)?;
    let mut results = runner.repair(clients);
    // Planned again after a repair: a repaired rotation is due no more.
    let changes = if interrupted {
        crate::workflow::credentials::plan(&cx, Some(clients))?.0
    } else {
        changes
    };
    results.extend(runner.apply(&changes));
    drop(runner);
    let failed = results.iter().filter(|r| r.failed).count();
    audit.finish(serde_json::json!({ "credentials": results.len(), "failed": failed }))?;
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
                "hint for `{}/{}`: {hint}",
                result.slot.client, result.slot.tenant
            ));
        }
    }
    Ok(failed)
}
