//! What the access-request commands (elevate, break-glass, approve, deny, requests,
//! review) share: who the actor is, ids, and granting an approved request at once.

use super::apply::{Run, execute_plan};
use super::elevate::{Refusal, refuse_with};
use super::session::Session;
use crate::audit::{Entry, EntryKind};
use crate::exit::ExitStatus;
use crate::model::{AccessRequest, Identity, ReviewItem};
use crate::plan::ChangeKind;
use crate::policy::approval::{Decision, Subject, check_decider};
use crate::state::{Lock, Requests};
use crate::ui::diagnostics::UserError;

/// Returns the identity the actor is, or an error saying how to declare it.
pub(super) fn actor_identity(session: &Session) -> anyhow::Result<&Identity> {
    session.workspace.identity_of_actor(&session.actor).ok_or_else(|| {
        UserError::new(format!("you act as `{}`, which is no identity of this workspace", session.actor))
            .hint(format!(
                "add `actors: [\"{}\"]` to your identity file (or set `ONBOARD_ACTOR` to your identity id): approvals compare identities",
                session.actor
            ))
            .into()
    })
}

/// Returns the identity the actor is when policy lets it take `decision` on `subject`
/// (`approver-person`, `approver-not-party`, `approver-mfa`); otherwise audits the
/// refusal in `client`'s chain, reports it, and returns the exit status (3).
pub(super) fn decider<'s>(
    session: &'s Session,
    command: &str,
    decision: Decision,
    subject: &Subject,
    (client, receiver): (&str, Option<&str>),
) -> anyhow::Result<Result<&'s Identity, ExitStatus>> {
    let identity = session.workspace.identity_of_actor(&session.actor);
    let denials = check_decider(&session.actor, identity, decision, subject);
    match identity {
        Some(identity) if denials.is_empty() => Ok(Ok(identity)),
        _ => {
            let refusal = Refusal {
                command,
                client,
                identity: receiver,
                detail: serde_json::json!({
                    "subject": subject.name,
                    "actor": session.actor,
                    "decider": identity.map(|i| &i.id),
                }),
            };
            let denials: Vec<_> = denials.into_iter().map(|d| (String::new(), d)).collect();
            refuse_with(session, &refusal, &denials).map(Err)
        }
    }
}

/// Like [`decider`], for a decision on a request, recorded in the request's client chain.
pub(super) fn request_decider<'s>(
    session: &'s Session,
    command: &str,
    decision: Decision,
    request: &AccessRequest,
) -> anyhow::Result<Result<&'s Identity, ExitStatus>> {
    let subject = crate::policy::approval::request_subject(&session.workspace, request);
    decider(
        session,
        command,
        decision,
        &subject,
        (&request.client, request.identity.as_deref()),
    )
}

/// Prints a request as the command's data: its JSON document under `--output json`,
/// otherwise `prose`, if any.
pub(super) fn print_request(
    session: &Session,
    request: AccessRequest,
    prose: Option<String>,
) -> anyhow::Result<()> {
    if session.printer.format == crate::ui::OutputFormat::Json {
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

/// Returns when access granted now for `lasts` in `client` ends, and how to say so:
/// ``for 8h (until 2026-11-21 20:00Z)``, or, when the contract ends it sooner,
/// ``for 40d (until 2027-01-01 00:00Z, when the contract ends)``.
pub(super) fn term(
    session: &Session,
    client: &crate::model::Client,
    lasts: std::time::Duration,
) -> (time::OffsetDateTime, String) {
    use crate::model::time::{format_duration, format_short};
    let (ends, by_contract) = crate::policy::request_end(client, session.now, lasts);
    let runs = (ends - session.now).try_into().unwrap_or_default();
    let text = format!(
        "for {} (until {}{})",
        format_duration(runs),
        format_short(ends),
        if by_contract {
            ", when the contract ends"
        } else {
            ""
        }
    );
    (ends, text)
}

/// Returns a new random id with a prefix (`req-3f9a1c0d`).
pub(super) fn new_id(prefix: &str) -> String {
    let mut bytes = [0u8; 4];
    let _ = getrandom::fill(&mut bytes);
    format!("{prefix}-{}", hex::encode(bytes))
}

/// Returns the audit entry describing a request.
pub(super) fn request_entry(kind: EntryKind, request: &AccessRequest, result: &str) -> Entry {
    Entry {
        kind: Some(kind),
        client: Some(request.client.clone()),
        identity: request.identity.clone(),
        ticket: request.ticket.clone(),
        reason: Some(request.reason.clone()),
        sources: request
            .bundle
            .iter()
            .map(|b| format!("bundle:{b}"))
            .collect(),
        expires_at: request.expires_at.map(crate::model::time::format_instant),
        result: Some(result.to_string()),
        detail: Some(serde_json::json!({
            "request": request.id,
            "request_kind": request.kind.as_str(),
            "requested_by": request.requested_by,
            "decided_by": request.decided_by,
            "flagged": request.kind == crate::model::RequestKind::BreakGlass,
        })),
        ..Entry::default()
    }
}

/// Finds a request by id.
pub(super) fn find<'a>(
    requests: &'a mut Requests,
    id: &str,
) -> anyhow::Result<&'a mut AccessRequest> {
    let known: Vec<String> = requests
        .requests
        .iter()
        .rev()
        .take(5)
        .map(|r| format!("`{}`", r.id))
        .collect();
    requests
        .requests
        .iter_mut()
        .find(|r| r.id == id)
        .ok_or_else(|| {
            UserError::new(format!("there is no request `{id}`"))
                .hint(if known.is_empty() {
                    "there are no requests; `onboard requests` lists them".to_string()
                } else {
                    format!(
                        "`onboard requests` lists them; the latest: {}",
                        known.join(", ")
                    )
                })
                .into()
        })
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
    let source = format!("{}:{}", request.kind.as_str(), request.id);
    let plan = full.only(|c| c.kind == ChangeKind::Unknown || c.sources.contains(&source));
    let run = Run {
        command,
        yes: true,
        prune: false,
        preface: vec![(request.client.clone(), preface)],
        allow_mass_revoke: false,
        block: None,
    };
    let status = execute_plan(session, lock, ledger, &plan, &run)?;
    write_back(session, &plan, status);
    Ok(status)
}

/// Opens a review item unless one is open for the same subject already.
pub(super) fn open_review(
    session: &Session,
    lock: &Lock,
    item: ReviewItem,
) -> anyhow::Result<Option<String>> {
    let mut reviews = session.state.load_reviews()?;
    if reviews
        .reviews
        .iter()
        .any(|r| r.subject == item.subject && r.closed_at.is_none())
    {
        return Ok(None);
    }
    let id = item.id.clone();
    reviews.reviews.push(item);
    session.state.save_reviews(&reviews, lock)?;
    Ok(Some(id))
}

/// Warns about reviews past their due time.
pub(super) fn warn_overdue(session: &Session) {
    let Ok(reviews) = session.state.load_reviews() else {
        return;
    };
    for review in reviews.reviews.iter().filter(|r| r.overdue(session.now)) {
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
