//! What the access-request commands (elevate, break-glass, approve, deny, requests,
//! review) share on the command line: rendering a request or a refusal, and granting an
//! approved request at once. The lifecycle itself is [`crate::workflow::request`].

use super::apply::{Run, execute_plan};
use super::session::Session;
use crate::audit::Entry;
use crate::exit::ExitStatus;
use crate::model::AccessRequest;
use crate::plan::EntryRef;
use crate::state::Lock;
use crate::ui::OutputFormat;
use crate::ui::documents::{DenialItem, ErrorBody, ErrorDocument};
use crate::workflow::request::Refusal;

/// Reports a policy refusal the workflow recorded (each denial at its cause, and the
/// error document under `--output json`) and returns its exit status (3).
pub(super) fn render_refusal(session: &Session, refusal: &Refusal) -> anyhow::Result<ExitStatus> {
    let denials = &refusal.denials;
    let mut text = String::new();
    for (_, denial) in denials {
        crate::ui::diagnostics::render_diagnostic(
            &mut text,
            &denial.to_diagnostic(),
            session.printer.color_stderr,
        );
    }
    session.printer.report(&text);
    if session.printer.format == OutputFormat::Json {
        let body = ErrorBody {
            message: format!(
                "`onboard {}` was refused by policy: {}",
                refusal.command,
                denials
                    .iter()
                    .map(|(_, d)| format!("`{}`", d.rule))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            hint: denials.first().map(|(_, d)| d.hint.clone()),
            denials: denials.iter().map(DenialItem::from).collect(),
            ..ErrorBody::default()
        };
        session.printer.document(&ErrorDocument::new(
            ExitStatus::PolicyDenied.code(),
            Some(body),
        ))?;
    }
    Ok(ExitStatus::PolicyDenied)
}

/// Prints a request as the command's data: its JSON document under `--output json`,
/// otherwise `prose`, if any.
pub(super) fn print_request(
    session: &Session,
    request: AccessRequest,
    prose: Option<String>,
) -> anyhow::Result<()> {
    if session.printer.format == OutputFormat::Json {
        session
            .printer
            .document(&crate::ui::documents::RequestDocument {
                format_version: crate::ui::documents::FORMAT_VERSION,
                request,
            })?;
    } else if let Some(prose) = prose {
        session.printer.data(&prose)?;
    }
    Ok(())
}

/// Applies the grants of an approved request at once, writing `preface` to the audit
/// log first.
pub(super) fn grant_now(
    session: &Session,
    lock: &Lock,
    request: &AccessRequest,
    command: &'static str,
    preface: Entry,
) -> anyhow::Result<ExitStatus> {
    // `--output json`: the apply document says which request it grants.
    session
        .printer
        .attach("request", serde_json::to_value(request).unwrap_or_default());
    let (ledger, _) = session.ledger()?;
    let clients = session.select(std::slice::from_ref(&request.client))?;
    let full = session.plan(&clients, &ledger, &[])?;
    let source = crate::model::Source::of_request(request.kind, &request.id);
    let plan = full.only(|e| match e {
        EntryRef::Change(c) => c.sources.iter().any(|s| Some(s) == source.as_ref()),
        EntryRef::Denied(d) => d.sources.iter().any(|s| Some(s) == source.as_ref()),
        EntryRef::Unknown(_) => true,
    });
    let run = Run {
        command,
        preface: vec![(request.client.clone(), preface)],
        ..Run::default()
    };
    let status = execute_plan(session, lock, ledger, &plan, &run, true)?;
    write_back(session, &plan, status);
    Ok(status)
}

/// Warns about reviews past their due time.
pub(super) fn warn_overdue(session: &Session) {
    for review in crate::workflow::request::overdue_reviews(&session.context()) {
        session.printer.warn(&format!(
            "review `{}` of {} `{}` by `{}` in `{}` is overdue since {}: close it with `onboard review close {} --outcome … --notes …`",
            review.id,
            review.kind,
            review.subject,
            review.identity,
            review.client,
            crate::model::time::format_short(review.due_at),
            review.id
        ));
    }
}

/// Writes a note to each ticket the finished run's changes rest on, where the client's
/// ticket provider has `write_back`; a note that cannot be written is a warning, never a
/// failure of the run (the access change stands). A run whose changes did not all go
/// through (`status` 4 or worse) writes none: the notes would not be true of all of them.
pub(super) fn write_back(session: &Session, plan: &crate::plan::Plan, status: ExitStatus) {
    if !matches!(status, ExitStatus::Success | ExitStatus::PolicyDenied) {
        return;
    }
    let wanted = plan.changes.iter().any(|c| {
        c.ticket.is_some()
            && session
                .workspace
                .clients
                .get(&c.client)
                .and_then(|client| crate::tickets::provider_for(&session.workspace, client))
                .is_some_and(|p| p.write_back)
    });
    if !wanted {
        return;
    }
    // Each note names the audit entry that seals the run's entries in its client's chain.
    let mut audit = std::collections::BTreeMap::new();
    for change in &plan.changes {
        if let Ok(Some(head)) = session.state.read_head(&change.client)
            && let Ok(head) = serde_json::from_str::<serde_json::Value>(&head)
            && let Some(seq) = head.get("seq").and_then(|s| s.as_u64())
        {
            audit.insert(change.client.clone(), format!("{}#{seq}", change.client));
        }
    }
    let notes = crate::tickets::notes_for(plan, &session.actor, &audit);
    for warning in crate::tickets::write_back(&session.context(), &notes) {
        session.printer.warn(&warning);
    }
}
