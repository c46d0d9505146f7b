//! The access-request lifecycle: asking (`elevate`, `break-glass`), deciding
//! (`approve`, `deny`) and the post-use review (`review close`), as functions over a
//! [`Desk`].
//!
//! A workflow here checks the policy, stores the request or review and records the
//! audit entries; it knows no clap and prints nothing. It returns an outcome (and
//! warnings) for the command to render; granting an approved request at once is the
//! apply workflow's, which the command runs with the outcome's audit preface.

mod ask;
mod decide;
mod review;

pub use ask::{Ask, Asked, break_glass, elevate};
pub use decide::{Approval, Denied, Partial, approve, co_approval_hint, deny, statement_request};
pub use review::{Closed, ReviewClose, close_review, overdue_reviews, reviews};

use std::time::Duration;

use time::OffsetDateTime;

use super::Context;
use crate::audit::{AuditLog, Entry, EntryKind, EntryResult};
use crate::exit::UserError;
use crate::model::time::{format_duration, format_short};
use crate::model::{AccessRequest, Bundle, Client, Identity, RequestStatus, ReviewItem};
use crate::policy::Denial;
use crate::policy::approval::{Decision, Subject, check_decider};
use crate::state::{Lock, Requests};

/// How a workflow opens the audit log: the session owns the signing key (and may create
/// it on first use), tests pass a key of their own.
pub trait AuditOpener {
    /// Checks, writing nothing, that the audit log could be signed: called before
    /// anything is recorded, so a run that cannot sign records nothing.
    fn check(&self) -> anyhow::Result<()>;
    /// Opens the audit log for a run of `command`.
    fn open(&self, command: &str) -> anyhow::Result<AuditLog>;
}

/// What a request workflow acts with: the workflow context, who acts, the lock the
/// command holds, and the audit log.
#[derive(Clone, Copy)]
pub struct Desk<'a> {
    /// The workspace, its state and the instant.
    pub cx: Context<'a>,
    /// The actor's name (`ONBOARD_ACTOR`, else the login name).
    pub actor: &'a str,
    /// The lock the command holds.
    pub lock: &'a Lock,
    /// The audit log.
    pub audit: &'a dyn AuditOpener,
}

/// A request policy refused: the denials, recorded in the audit log already, for the
/// command to report (exit 3).
#[derive(Debug, Clone)]
pub struct Refusal {
    /// The command refused.
    pub command: String,
    /// Each denial with the entitlement it is about (empty when about no entitlement).
    pub denials: Vec<(String, Denial)>,
}

/// What a refusal is about, for its audit entries.
struct Refused<'a> {
    command: &'a str,
    client: &'a str,
    identity: Option<&'a str>,
    /// More to record in each entry's detail (an object: request, actor…).
    detail: serde_json::Value,
}

/// Records policy denials in the audit log and returns the refusal that reports them.
fn refuse(
    desk: &Desk<'_>,
    refused: &Refused<'_>,
    denials: Vec<(String, Denial)>,
) -> anyhow::Result<Refusal> {
    let mut audit = desk.audit.open(refused.command)?;
    for (entitlement, denial) in &denials {
        let mut detail = serde_json::json!({ "rule": denial.rule, "cause": denial.cause.to_string(), "hint": denial.hint, "command": refused.command });
        if let (Some(detail), Some(extra)) = (detail.as_object_mut(), refused.detail.as_object()) {
            detail.extend(extra.clone());
        }
        audit.append(
            refused.client,
            Entry {
                kind: Some(EntryKind::Denial),
                client: Some(refused.client.to_string()),
                identity: refused.identity.map(str::to_string),
                entitlement: (!entitlement.is_empty()).then(|| entitlement.clone()),
                result: Some(EntryResult::Denied),
                error_code: Some(denial.rule.to_string()),
                error: Some(denial.message.clone()),
                detail: Some(detail),
                ..Entry::default()
            },
        )?;
    }
    audit.finish(serde_json::json!({ "denied": denials.len() }))?;
    Ok(Refusal {
        command: refused.command.to_string(),
        denials,
    })
}

/// Records the policy's denials of a request for a bundle, for `identity` in `client`.
fn refuse_request(
    desk: &Desk<'_>,
    command: &str,
    client: &Client,
    identity: &Identity,
    denials: Vec<(String, Denial)>,
) -> anyhow::Result<Refusal> {
    let refused = Refused {
        command,
        client: &client.id,
        identity: Some(&identity.id),
        detail: serde_json::json!({}),
    };
    refuse(desk, &refused, denials)
}

/// Returns the identity the actor is, or an error saying how to declare it.
pub fn actor_identity<'a>(desk: &Desk<'a>) -> anyhow::Result<&'a Identity> {
    desk.cx.workspace.identity_of_actor(desk.actor).ok_or_else(|| {
        UserError::new(format!("you act as `{}`, which is no identity of this workspace", desk.actor))
            .hint(format!(
                "add `actors: [\"{}\"]` to your identity file (or set `ONBOARD_ACTOR` to your identity id): approvals compare identities",
                desk.actor
            ))
            .into()
    })
}

/// Returns the identity the actor is when policy lets it take `decision` on `subject`
/// (`approver-person`, `approver-not-party`, `approver-mfa`); otherwise records the
/// refusal in `client`'s chain and returns it.
fn decider<'a>(
    desk: &Desk<'a>,
    command: &str,
    decision: Decision,
    subject: &Subject,
    (client, receiver): (&str, Option<&str>),
) -> anyhow::Result<Result<&'a Identity, Refusal>> {
    let identity = desk.cx.workspace.identity_of_actor(desk.actor);
    let denials = check_decider(desk.actor, identity, decision, subject);
    match identity {
        Some(identity) if denials.is_empty() => Ok(Ok(identity)),
        _ => {
            let refused = Refused {
                command,
                client,
                identity: receiver,
                detail: serde_json::json!({
                    "subject": subject.name,
                    "actor": desk.actor,
                    "decider": identity.map(|i| &i.id),
                }),
            };
            let denials = denials.into_iter().map(|d| (String::new(), d)).collect();
            refuse(desk, &refused, denials).map(Err)
        }
    }
}

/// Like [`decider`], for a decision on a request, recorded in the request's client chain.
fn request_decider<'a>(
    desk: &Desk<'a>,
    command: &str,
    decision: Decision,
    request: &AccessRequest,
) -> anyhow::Result<Result<&'a Identity, Refusal>> {
    let subject = crate::policy::approval::request_subject(desk.cx.workspace, request);
    decider(
        desk,
        command,
        decision,
        &subject,
        (&request.client, request.identity.as_deref()),
    )
}

/// Resolves what a request asks for: its client, its identity (the requester's by
/// default) and its bundle, or says which is unknown.
fn resolve<'a>(
    cx: &Context<'a>,
    ask: &Ask<'_>,
    requester: &'a Identity,
) -> anyhow::Result<(&'a Client, &'a Identity, &'a Bundle)> {
    let (identity, bundle) = (ask.identity.unwrap_or(&requester.id), ask.bundle);
    let client = cx.client(ask.client)?;
    let identity = cx.workspace.identities.get(identity).ok_or_else(|| {
        UserError::new(format!("unknown identity `{identity}`"))
            .hint("`onboard status` lists who holds what")
    })?;
    let bundle = cx.workspace.bundles.get(bundle).ok_or_else(|| {
        let of_tier = cx
            .workspace
            .bundles
            .values()
            .filter(|b| b.tier == client.tier)
            .map(|b| &b.id);
        UserError::new(format!("unknown bundle `{bundle}`")).hint(crate::model::suggest(
            &format!("bundles of tier `{}`", client.tier),
            bundle,
            of_tier,
        ))
    })?;
    Ok((client, identity, bundle))
}

/// How long access granted now lasts and when it ends: its TTL, or less when the
/// client's contract ends sooner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    /// When the access starts.
    pub starts: OffsetDateTime,
    /// When it ends.
    pub ends: OffsetDateTime,
    /// Whether the contract's end is what ends it.
    pub by_contract: bool,
}

impl Term {
    /// Returns the term of access granted at `now` for `lasts` in `client`.
    pub fn of(client: &Client, now: OffsetDateTime, lasts: Duration) -> Term {
        let (ends, by_contract) = crate::policy::request_end(client, now, lasts);
        Term {
            starts: now,
            ends,
            by_contract,
        }
    }
}

impl std::fmt::Display for Term {
    /// ``for 8h (until 2026-11-21 20:00Z)``, or, when the contract ends it sooner,
    /// ``for 40d (until 2027-01-01 00:00Z, when the contract ends)``.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let runs = (self.ends - self.starts).try_into().unwrap_or_default();
        write!(
            f,
            "for {} (until {}{})",
            format_duration(runs),
            format_short(self.ends),
            if self.by_contract {
                ", when the contract ends"
            } else {
                ""
            }
        )
    }
}

/// Returns a new random id with a prefix (`req-3f9a1c0d`).
pub fn new_id(prefix: &str) -> String {
    let mut bytes = [0u8; 4];
    let _ = getrandom::fill(&mut bytes);
    format!("{prefix}-{}", hex::encode(bytes))
}

/// Returns the audit entry describing a request.
pub fn request_entry(kind: EntryKind, request: &AccessRequest, result: EntryResult) -> Entry {
    Entry {
        kind: Some(kind),
        client: Some(request.client.clone()),
        identity: request.identity.clone(),
        ticket: request.ticket.clone(),
        reason: Some(request.reason.clone()),
        sources: request
            .bundle
            .iter()
            .map(|b| crate::model::Source::Bundle(b.clone()).to_string())
            .collect(),
        expires_at: request.expires_at.map(crate::model::time::format_instant),
        result: Some(result),
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
pub fn find<'a>(requests: &'a mut Requests, id: &str) -> anyhow::Result<&'a mut AccessRequest> {
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

/// Returns the requests as they stand at the workflow's instant (a pending request
/// older than the policy's `requests.expire_after` shows as expired), those with
/// `status` only when given.
pub fn requests(cx: &Context<'_>, status: Option<&str>) -> anyhow::Result<Vec<AccessRequest>> {
    let expiry = cx.workspace.policy.request_expiry;
    Ok(cx
        .state
        .load_requests()?
        .requests
        .into_iter()
        .map(|mut r| {
            r.status = r.status_at(cx.now, expiry);
            r
        })
        .filter(|r| status.is_none_or(|s| s == r.status.as_str()))
        .collect())
}

/// Returns the pending request `id`, or says why it cannot be decided: it does not
/// exist, or it is no longer pending. A request found expired is saved as expired.
fn pending<'r>(
    desk: &Desk<'_>,
    requests: &'r mut Requests,
    id: &str,
    save_expired: bool,
) -> anyhow::Result<&'r mut AccessRequest> {
    let expiry = desk.cx.workspace.policy.request_expiry;
    let status = find(requests, id)?.status_at(desk.cx.now, expiry);
    match status {
        RequestStatus::Pending => find(requests, id),
        RequestStatus::Expired if save_expired => {
            find(requests, id)?.status = RequestStatus::Expired;
            desk.cx.state.save_requests(requests, desk.lock)?;
            Err(
                UserError::new(format!("request `{id}` expired before it was approved"))
                    .hint("ask for it again")
                    .into(),
            )
        }
        other => {
            Err(UserError::new(format!("request `{id}` is {}, not pending", other.as_str())).into())
        }
    }
}

/// Adds a new request to the stored ones, once the audit log is known to be signable.
fn store_new(desk: &Desk<'_>, request: &AccessRequest) -> anyhow::Result<()> {
    let mut requests = desk.cx.state.load_requests()?;
    requests.requests.push(request.clone());
    save_requests(desk, &requests)
}

/// Saves the requests, once the audit log is known to be signable: nothing is recorded
/// by a run that cannot sign its audit entries.
fn save_requests(desk: &Desk<'_>, requests: &Requests) -> anyhow::Result<()> {
    desk.audit.check()?;
    desk.cx.state.save_requests(requests, desk.lock)?;
    Ok(())
}

/// Saves the reviews, once the audit log is known to be signable.
fn save_reviews_checked(desk: &Desk<'_>, reviews: &crate::state::Reviews) -> anyhow::Result<()> {
    desk.audit.check()?;
    desk.cx.state.save_reviews(reviews, desk.lock)?;
    Ok(())
}

/// Opens a review item unless one is open for the same subject already; returns its id
/// when it opened one.
pub fn open_review(desk: &Desk<'_>, item: ReviewItem) -> anyhow::Result<Option<String>> {
    let mut reviews = desk.cx.state.load_reviews()?;
    if reviews
        .reviews
        .iter()
        .any(|r| r.subject == item.subject && r.closed_at.is_none())
    {
        return Ok(None);
    }
    let id = item.id.clone();
    reviews.reviews.push(item);
    desk.cx.state.save_reviews(&reviews, desk.lock)?;
    Ok(Some(id))
}

#[cfg(test)]
mod tests;
