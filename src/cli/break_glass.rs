//! `onboard break-glass`: emergency access, no approval, a mandatory reason, a short TTL,
//! a flagged audit entry, a notification hook and a post-use review.

use clap::Args;

use super::GlobalArgs;
use super::access::{actor_identity, grant_now, new_id, open_review, request_entry, term};
use super::elevate::{refuse, resolve};
use super::session::Session;
use crate::audit::EntryKind;
use crate::exit::ExitStatus;
use crate::model::time::format_instant;
use crate::model::{AccessRequest, BundleRequest, RequestKind, ReviewItem};
use crate::policy;
use crate::ui::diagnostics::UserError;

/// Take emergency access to a bundle, without approval
///
/// Grants every grant of the bundle at once for the policy's short break-glass TTL. A
/// reason is mandatory; the use is flagged in the audit log, the configured notification
/// hook (`break_glass.notify` in `policy.yaml`) is given the event as JSON, and a review
/// item is opened that someone else must close (`onboard review`).
#[derive(Debug, Args)]
pub struct BreakGlassArgs {
    /// The client
    #[arg(long, value_name = "ID")]
    pub client: String,
    /// The bundle
    #[arg(long, value_name = "ID")]
    pub bundle: String,
    /// Why (mandatory)
    #[arg(long)]
    pub reason: String,
    /// The ticket, when there is one
    #[arg(long, value_name = "TICKET")]
    pub ticket: Option<String>,
    /// Who receives the access (default: you)
    #[arg(long, value_name = "ID")]
    pub identity: Option<String>,
    #[command(flatten)]
    pub sign: super::sign::SignArgs,
}

pub(super) fn run(global: &GlobalArgs, args: BreakGlassArgs) -> anyhow::Result<ExitStatus> {
    let mut session = Session::open(global)?;
    let lock = session.lock_client("break-glass", &args.client)?;
    let subject = super::sign::bundle_subject(&args.client, &args.bundle, args.identity.as_deref());
    let proof = super::sign::prove(&mut session, &lock, "break-glass", &subject, &args.sign)?;
    let session = session;
    let requester = actor_identity(&session)?;
    if args.reason.trim().len() < 5 {
        return Err(UserError::new("break-glass needs a reason")
            .hint("say what is broken and why normal access will not do")
            .into());
    }
    let (client, identity, bundle) = resolve(
        &session,
        &args.client,
        args.identity.as_deref().unwrap_or(&requester.id),
        &args.bundle,
    )?;
    let policy = &session.workspace.policy;
    let ttl = policy.break_glass_ttl.value;
    let mut denials = policy::evaluate_request(
        &session.workspace,
        client,
        identity,
        bundle,
        true,
        ttl,
        session.now,
    );
    // A ticket given must be open and the client's; an emergency may come before it.
    let tickets = crate::tickets::check_request(
        &session.context(),
        client,
        args.ticket.as_deref(),
        crate::tickets::Need::Optional,
    )?;
    tickets
        .warnings
        .iter()
        .for_each(|w| session.printer.warn(w));
    denials.extend(tickets.denials);
    if !denials.is_empty() {
        return refuse(&session, "break-glass", client, identity, &denials);
    }
    let now = session.now;
    let (expires_at, term) = term(&session, client, ttl);
    let ask = BundleRequest {
        kind: RequestKind::BreakGlass,
        client: &client.id,
        identity: &identity.id,
        bundle: &bundle.id,
        ticket: args.ticket.as_deref(),
        reason: &args.reason,
        ttl,
    };
    let mut request =
        AccessRequest::for_bundle(new_id("bg"), &ask, (&requester.id, &session.actor), now);
    request.grant(now, expires_at);
    request.decided_at = Some(now);
    let mut requests = session.state.load_requests()?;
    requests.requests.push(request.clone());
    // Nothing is recorded by a run that cannot sign its audit entries.
    session.check_audit()?;
    session.state.save_requests(&requests, &lock)?;
    let review = ReviewItem::open(
        new_id("rev"),
        "break-glass",
        request.id.clone(),
        (&client.id, &identity.id),
        format!("break-glass to `{}` {term}: {}", bundle.id, args.reason),
        now,
        policy.review_within,
    );
    let review_id = open_review(&session, &lock, review)?;
    let event = serde_json::json!({
        "event": "break-glass",
        "request": request.id,
        "client": client.id,
        "identity": identity.id,
        "bundle": bundle.id,
        "reason": args.reason,
        "ticket": args.ticket,
        "actor": session.actor,
        "granted_at": format_instant(now),
        "expires_at": format_instant(expires_at),
        "review": review_id,
    });
    let failures = crate::notify::notify(&policy.notify, &event);
    for failure in &failures {
        session
            .printer
            .warn(&format!("{failure}: the access is granted anyway"));
    }
    let mut entry = request_entry(EntryKind::BreakGlass, &request, "granted");
    entry.proof = proof;
    if let Some(detail) = entry.detail.as_mut() {
        detail["review"] = serde_json::json!(review_id);
        detail["notified"] =
            serde_json::json!(policy.notify.command.is_some() || policy.notify.webhook.is_some());
        detail["notify_failures"] = serde_json::json!(failures);
    }
    session.printer.status(&format!(
        "BREAK-GLASS: granting `{}` to `{}` in `{}` {term} (request {}); review {} is open.",
        bundle.id,
        identity.id,
        client.id,
        request.id,
        review_id.as_deref().unwrap_or("-")
    ));
    grant_now(&session, &lock, &request, "break-glass", entry)
}
