//! Asking for a bundle's access: `elevate` (just-in-time, approved by a second person
//! where a grant requires it) and `break-glass` (at once, flagged, reviewed afterwards).

use std::time::Duration;

use super::{
    Desk, Refusal, Term, actor_identity, new_id, open_review, refuse_request, request_entry,
    resolve, store_new,
};
use crate::actor::Proof;
use crate::audit::{Entry, EntryKind, EntryResult};
use crate::exit::UserError;
use crate::model::time::{format_duration, format_instant};
use crate::model::{
    AccessRequest, Bundle, BundleRequest, Client, Identity, RequestKind, ReviewItem,
};
use crate::notify::{Delivery, failures, record_deliveries};
use crate::policy;
use crate::policy::approval::Decision;
use crate::tickets::Need;

/// What a person asks for: a bundle's access for an identity in a client.
#[derive(Debug, Clone, Default)]
pub struct Ask<'a> {
    /// The client.
    pub client: &'a str,
    /// The bundle.
    pub bundle: &'a str,
    /// Who receives the access (default: the actor's identity).
    pub identity: Option<&'a str>,
    /// The ticket (mandatory for an elevation).
    pub ticket: Option<&'a str>,
    /// Why.
    pub reason: &'a str,
    /// How long (elevation only; default: each grant's own TTL, never longer).
    pub ttl: Option<Duration>,
    /// The actor's signature over the request, when it signed.
    pub proof: Option<Proof>,
}

/// What came of asking.
#[derive(Debug)]
pub enum Asked {
    /// Policy refused it: the denials are recorded.
    Refused(Refusal),
    /// It waits for a second person's approval: stored and recorded.
    Pending {
        /// The request.
        request: AccessRequest,
        /// What the caller should warn about (a `--ttl` longer than a grant gives).
        warnings: Vec<String>,
    },
    /// It is granted: stored; the caller applies its grants at once, writing `preface`
    /// to the audit log first.
    Granted {
        /// The request, approved.
        request: AccessRequest,
        /// How long the access lasts.
        term: Term,
        /// The audit entry written before the grants.
        preface: Box<Entry>,
        /// For break-glass: the review opened (none when one was open already).
        review: Option<String>,
        /// What the caller should warn about (a `--ttl` longer than a grant gives, a
        /// notification hook that failed).
        warnings: Vec<String>,
    },
}

/// The parts of a request for a bundle that `elevate` and `break-glass` share once it is
/// allowed: the request, stored, and its term.
fn open_request(
    desk: &Desk<'_>,
    kind: RequestKind,
    (client, identity, bundle): (&Client, &Identity, &Bundle),
    ask: &Ask<'_>,
    (requester, ttl, approved): (&Identity, Duration, bool),
) -> anyhow::Result<(AccessRequest, Term)> {
    let now = desk.cx.now;
    let bundle_request = BundleRequest {
        kind,
        client: &client.id,
        identity: &identity.id,
        bundle: &bundle.id,
        ticket: ask.ticket,
        reason: ask.reason,
        ttl,
    };
    let prefix = match kind {
        RequestKind::BreakGlass => "bg",
        _ => "req",
    };
    let mut request = AccessRequest::for_bundle(
        new_id(prefix),
        &bundle_request,
        (&requester.id, desk.actor),
        now,
    );
    let term = Term::of(client, now, ttl);
    if approved {
        request.grant(now, term.ends);
    }
    if kind == RequestKind::BreakGlass {
        request.decided_at = Some(now);
    }
    store_new(desk, &request)?;
    Ok((request, term))
}

/// Asks for the just-in-time (TTL) grants of a bundle: refused by policy, pending a
/// second person's approval when a grant requires it, or granted.
pub fn elevate(desk: &Desk<'_>, ask: Ask<'_>) -> anyhow::Result<Asked> {
    let requester = actor_identity(desk)?;
    let (client, identity, bundle) = resolve(&desk.cx, &ask, requester)?;
    let ticket = ask.ticket.unwrap_or_default();
    if ask.reason.trim().is_empty() || ticket.trim().is_empty() {
        return Err(UserError::new("an elevation needs a ticket and a reason")
            .hint(
                "pass `--ticket` with the ticket's id and `--reason` saying what the access is for",
            )
            .into());
    }
    let grants: Vec<_> = bundle.grants.iter().filter(|g| g.ttl.is_some()).collect();
    if grants.is_empty() {
        return Err(UserError::new(format!("bundle `{}` has no just-in-time grants", bundle.id))
            .hint("standing grants come from the identity's functions; elevate to a bundle with `ttl:` grants")
            .into());
    }
    // Without `--ttl`, each grant lasts its own `ttl`.
    let asked = ask.ttl.unwrap_or(Duration::MAX);
    let mut denials = policy::evaluate_request(
        desk.cx.workspace,
        client,
        identity,
        bundle,
        policy::Route::Elevation,
        asked,
        desk.cx.now,
    );
    // The ticket must exist, be open and be the client's (when a provider checks them).
    let tickets = crate::tickets::check_request(&desk.cx, client, ask.ticket, Need::Required)?;
    denials.extend(tickets.denials);
    if !denials.is_empty() {
        return refuse_request(desk, "elevate", client, identity, denials).map(Asked::Refused);
    }
    let mut warnings = Vec::new();
    let shortened = policy::shortened_grants(bundle, asked);
    if ask.ttl.is_some() && !shortened.is_empty() {
        let gets = shortened
            .iter()
            .map(|(g, ttl)| format!("`{}` for {}", g.entitlement, format_duration(*ttl)))
            .collect::<Vec<_>>()
            .join(", ");
        warnings.push(format!(
            "`--ttl {}` is longer than bundle `{}` gives: {gets} (each grant lasts at most its own `ttl`)",
            format_duration(asked),
            bundle.id
        ));
    }
    // Not empty: the bundle has just-in-time grants (checked above).
    let longest = policy::request_grants(bundle, policy::Route::Elevation, asked)
        .map(|(_, lasts)| lasts)
        .max()
        .unwrap_or_default();
    let needs_approval = grants.iter().any(|g| g.requires.approval);
    let (request, term) = open_request(
        desk,
        RequestKind::Elevation,
        (client, identity, bundle),
        &ask,
        (requester, longest, !needs_approval),
    )?;
    if needs_approval {
        let deliveries = announce_pending(desk, &request);
        warnings.extend(failures(&deliveries, "the request is recorded anyway"));
        let mut audit = desk.audit.open("elevate")?;
        let mut entry = request_entry(EntryKind::Elevation, &request, EntryResult::Pending);
        entry.proof = ask.proof;
        if !deliveries.is_empty() {
            record_deliveries(&mut entry, &deliveries);
        }
        audit.append(&client.id, entry)?;
        audit.finish(serde_json::json!({ "request": request.id }))?;
        return Ok(Asked::Pending { request, warnings });
    }
    let mut preface = request_entry(EntryKind::Elevation, &request, EntryResult::Granted);
    preface.proof = ask.proof;
    Ok(Asked::Granted {
        request,
        term,
        preface: Box::new(preface),
        review: None,
        warnings,
    })
}

/// Takes emergency access to every grant of a bundle for the policy's break-glass TTL:
/// refused by policy, or granted at once with a review item opened and the notification
/// hooks told.
pub fn break_glass(desk: &Desk<'_>, ask: Ask<'_>) -> anyhow::Result<Asked> {
    let requester = actor_identity(desk)?;
    if ask.reason.trim().len() < 5 {
        return Err(UserError::new("break-glass needs a reason")
            .hint("say what is broken and why normal access will not do")
            .into());
    }
    let (client, identity, bundle) = resolve(&desk.cx, &ask, requester)?;
    let policy = &desk.cx.workspace.policy;
    let ttl = policy.break_glass_ttl.value;
    let now = desk.cx.now;
    let route = policy::Route::BreakGlass;
    let mut denials =
        policy::evaluate_request(desk.cx.workspace, client, identity, bundle, route, ttl, now);
    // A ticket given must be open and the client's; an emergency may come before it.
    let tickets = crate::tickets::check_request(&desk.cx, client, ask.ticket, Need::Optional)?;
    denials.extend(tickets.denials);
    if !denials.is_empty() {
        return refuse_request(desk, "break-glass", client, identity, denials).map(Asked::Refused);
    }
    let (request, term) = open_request(
        desk,
        RequestKind::BreakGlass,
        (client, identity, bundle),
        &ask,
        (requester, ttl, true),
    )?;
    let review = ReviewItem::open(
        new_id("rev"),
        "break-glass",
        request.id.clone(),
        (&client.id, &identity.id),
        format!("break-glass to `{}` {term}: {}", bundle.id, ask.reason),
        now,
        policy.review_within,
    );
    let review = open_review(desk, review)?;
    let event = serde_json::json!({
        "event": "break-glass",
        "request": request.id,
        "client": client.id,
        "identity": identity.id,
        "bundle": bundle.id,
        "reason": ask.reason,
        "ticket": ask.ticket,
        "actor": desk.actor,
        "granted_at": format_instant(now),
        "expires_at": format_instant(term.ends),
        "review": review,
    });
    let deliveries = crate::notify::notify(&policy.notify, &event, sources(desk));
    let warnings = tickets
        .warnings
        .into_iter()
        .chain(failures(&deliveries, "the access is granted anyway"))
        .collect();
    let mut preface = request_entry(EntryKind::BreakGlass, &request, EntryResult::Granted);
    preface.proof = ask.proof;
    if let Some(detail) = preface.detail.as_mut() {
        detail["review"] = serde_json::json!(review);
    }
    record_deliveries(&mut preface, &deliveries);
    Ok(Asked::Granted {
        request,
        term,
        preface: Box::new(preface),
        review,
        warnings,
    })
}

/// Returns where notification hooks read their webhook URLs from.
pub(super) fn sources<'a>(desk: &Desk<'a>) -> crate::notify::Sources<'a> {
    crate::notify::Sources {
        root: desk.cx.root,
        options: desk.cx.adapters,
    }
}

/// Returns the notification event `name` about a request: what it asks for, why, and
/// who asked when; callers add what their event is about.
pub(super) fn request_event(name: &str, request: &AccessRequest) -> serde_json::Value {
    serde_json::json!({
        "event": name,
        "request": request.id,
        "request_kind": request.kind.as_str(),
        "client": request.client,
        "identity": request.identity,
        "bundle": request.bundle,
        "reason": request.reason,
        "ticket": request.ticket,
        "requested_by": request.requested_by,
        "requested_at": format_instant(request.requested_at),
    })
}

/// Tells `notify.approvals` that a request waits, mentioning every person who may
/// approve it (policy's `approver-*` rules) and serves its client.
fn announce_pending(desk: &Desk<'_>, request: &AccessRequest) -> Vec<Delivery> {
    let hooks = &desk.cx.workspace.policy.notify_approvals;
    if !hooks.is_configured() {
        return Vec::new();
    }
    let workspace = desk.cx.workspace;
    let subject = policy::approval::request_subject(workspace, request);
    let approvers: Vec<serde_json::Value> = workspace
        .identities
        .values()
        .filter(|i| i.serves(&request.client))
        .filter(|i| {
            policy::approval::check_decider(&i.id, Some(i), Decision::Approve, &subject).is_empty()
        })
        .map(crate::notify::person)
        .collect();
    let mut event = request_event("approval-pending", request);
    event["approvers"] = serde_json::json!(approvers);
    crate::notify::send(
        hooks,
        &event,
        crate::notify::chat::approval_pending,
        sources(desk),
    )
}
