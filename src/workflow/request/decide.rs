//! Deciding a pending request: `approve` (four-eyes, with a client's co-approval where
//! its file asks for one) and `deny`. A decision is announced to its requester through
//! `notify.decisions`; a hook that fails is a warning, never a reason to undo it.

use super::{
    Desk, Refusal, Term, find, pending, refuse_request, request_decider, request_entry,
    save_requests,
};
use crate::actor::Proof;
use crate::audit::{Entry, EntryKind, EntryResult};
use crate::exit::UserError;
use crate::model::time::format_instant;
use crate::model::{AccessRequest, RequestKind, RequestStatus};
use crate::notify::{Delivery, failures, record_deliveries};
use crate::policy;
use crate::policy::approval::Decision;
use crate::state::Requests;

/// One of the two approvals a co-approved request needs, recorded; the request waits
/// for the other.
#[derive(Debug)]
pub struct Partial {
    /// The request, still pending.
    pub request: AccessRequest,
    /// Whose approval it waits for, in words.
    pub waiting: String,
}

/// What came of an approval.
#[derive(Debug)]
pub enum Approval {
    /// Policy refused the approver or the request: the denials are recorded.
    Refused(Refusal),
    /// One of two approvals is recorded.
    Partial(Partial),
    /// An approved mass revocation: recorded; the caller carries out its revocation, if
    /// it names one.
    MassRevoke {
        /// The request, approved.
        request: AccessRequest,
        /// What the caller should warn about (a notification hook that failed).
        warnings: Vec<String>,
    },
    /// Approved access: stored; the caller applies its grants at once, writing `preface`
    /// to the audit log first.
    Granted {
        /// The request, approved.
        request: AccessRequest,
        /// How long the access lasts, from now.
        term: Option<Term>,
        /// The audit entry written before the grants.
        preface: Box<Entry>,
        /// What the caller should warn about (a notification hook that failed).
        warnings: Vec<String>,
    },
}

/// What came of a denial.
#[derive(Debug)]
pub enum Denied {
    /// Policy refused the actor: the denials are recorded.
    Refused(Refusal),
    /// The request is denied and recorded.
    Denied {
        /// The request, denied.
        request: Box<AccessRequest>,
        /// What the caller should warn about (a notification hook that failed).
        warnings: Vec<String>,
    },
}

/// Says how a client's approver co-approves a request.
pub fn co_approval_hint(request: &str, client: &str) -> String {
    format!(
        "one of `{client}`'s approvers signs the statement `onboard approve {request} --print-statement {client}/APPROVER > statement` prints (`ssh-keygen -Y sign -f KEY -n onboard statement`), then `onboard approve {request} --signature statement.sig` hands it in"
    )
}

/// Returns why a request needs a client approver's co-approval too, if it does: its
/// client's `co_approval` names it.
fn needs_co_approval(desk: &Desk<'_>, request: &AccessRequest) -> Option<String> {
    let client = desk.cx.workspace.clients.get(&request.client)?;
    if request.kind == RequestKind::MassRevoke || !client.co_approval.privileged {
        return None;
    }
    policy::approval::request_subject(desk.cx.workspace, request).privileged
}

/// Checks that request `id` exists, for printing the statement its approver signs.
pub fn statement_request(desk: &Desk<'_>, id: &str) -> anyhow::Result<()> {
    let mut requests = desk.cx.state.load_requests()?;
    find(&mut requests, id).map(|_| ())
}

/// Approves the pending request `id` as the actor, or, with `proof` signed by a client's
/// approver (`CLIENT/APPROVER`), co-approves it for the client.
pub fn approve(desk: &Desk<'_>, id: &str, proof: Option<Proof>) -> anyhow::Result<Approval> {
    let mut requests = desk.cx.state.load_requests()?;
    let request = pending(desk, &mut requests, id, true)?;
    let client_id = request.client.clone();
    let co_approval = needs_co_approval(desk, request);
    let client_signer = proof
        .as_ref()
        .map(|p| p.signer.clone())
        .filter(|s| s.contains('/'));
    let decided_by = match &client_signer {
        Some(signer) => {
            if !signer.starts_with(&format!("{client_id}/")) || co_approval.is_none() {
                return Err(UserError::new(format!(
                    "`{signer}` cannot approve request `{}`: it needs no approval from them",
                    request.id
                ))
                .hint("a client's approvers co-approve only that client's requests that its `co_approval` names")
                .status(crate::exit::ExitStatus::PolicyDenied)
                .into());
            }
            request.client_approved_by = Some(signer.clone());
            match request.msp_approved_by.clone() {
                Some(msp) => msp,
                None => return record_partial(desk, requests, id, proof).map(Approval::Partial),
            }
        }
        None => {
            let approver = match request_decider(desk, "approve", Decision::Approve, request)? {
                Ok(approver) => approver,
                Err(refusal) => return Ok(Approval::Refused(refusal)),
            };
            if co_approval.is_some() && request.client_approved_by.is_none() {
                if let Some(earlier) = &request.msp_approved_by {
                    return Err(UserError::new(format!(
                        "request `{}` is approved by `{earlier}` already and waits for the client's approval",
                        request.id
                    ))
                    .hint(co_approval_hint(&request.id, &client_id))
                    .into());
                }
                request.msp_approved_by = Some(approver.id.clone());
                return record_partial(desk, requests, id, proof).map(Approval::Partial);
            }
            approver.id.clone()
        }
    };
    if let Some(route) = policy::Route::of(request.kind) {
        // The workspace may have changed since the request: check the policy again.
        let client = desk.cx.client(&client_id)?;
        let workspace = desk.cx.workspace;
        let identity = request
            .identity
            .as_ref()
            .and_then(|i| workspace.identities.get(i));
        let bundle = request
            .bundle
            .as_ref()
            .and_then(|b| workspace.bundles.get(b));
        let (Some(identity), Some(bundle)) = (identity, bundle) else {
            return Err(UserError::new(format!(
                "request `{}` names an identity or bundle the workspace no longer has",
                request.id
            ))
            .into());
        };
        let ttl = std::time::Duration::from_secs(request.ttl_seconds.unwrap_or(0));
        let mut denials =
            policy::evaluate_request(workspace, client, identity, bundle, route, ttl, desk.cx.now);
        // The ticket may have closed since the request: check it again.
        let need = crate::tickets::Need::Required;
        let ticket = request.ticket.as_deref();
        denials.extend(crate::tickets::check_request(&desk.cx, client, ticket, need)?.denials);
        if !denials.is_empty() {
            return refuse_request(desk, "approve", client, identity, denials)
                .map(Approval::Refused);
        }
    }
    let now = desk.cx.now;
    request.status = RequestStatus::Approved;
    request.decided_by = Some(decided_by);
    request.decided_at = Some(now);
    let mut term = None;
    if request.kind != RequestKind::MassRevoke {
        // The access lasts its TTL from now, not from when it was asked for.
        request.granted_at = Some(now);
        let lasts = std::time::Duration::from_secs(request.ttl_seconds.unwrap_or(0));
        if let Some(client) = desk.cx.workspace.clients.get(&request.client) {
            let granted = Term::of(client, now, lasts);
            request.expires_at = Some(granted.ends);
            term = Some(granted);
        }
    }
    let request = request.clone();
    save_requests(desk, &requests)?;
    let mut preface = request_entry(EntryKind::Approval, &request, EntryResult::Approved);
    preface.proof = proof;
    let warnings = announce_decision(desk, &request, &mut preface, "it is approved anyway");
    if request.kind == RequestKind::MassRevoke {
        let mut audit = desk.audit.open("approve")?;
        audit.append(&request.client, preface)?;
        audit.finish(serde_json::json!({ "approved": request.id }))?;
        return Ok(Approval::MassRevoke { request, warnings });
    }
    Ok(Approval::Granted {
        request,
        term,
        preface: Box::new(preface),
        warnings,
    })
}

/// Records one of the two approvals a co-approved request needs, and leaves it pending.
fn record_partial(
    desk: &Desk<'_>,
    mut requests: Requests,
    id: &str,
    proof: Option<Proof>,
) -> anyhow::Result<Partial> {
    let request = find(&mut requests, id)?.clone();
    save_requests(desk, &requests)?;
    let (result, waiting) = match &request.client_approved_by {
        Some(_) => (
            EntryResult::ClientApproved,
            "an MSP person's approval (`onboard approve`)".to_string(),
        ),
        None => (
            EntryResult::ApprovedAwaitingClient,
            format!("the approval of one of `{}`'s approvers", request.client),
        ),
    };
    let mut entry = request_entry(EntryKind::Approval, &request, result);
    entry.proof = proof;
    let mut audit = desk.audit.open("approve")?;
    audit.append(&request.client, entry)?;
    audit.finish(serde_json::json!({ "approved": request.id, "waiting": true }))?;
    Ok(Partial { request, waiting })
}

/// Refuses the pending request `id` for `reason` (its requester withdraws it).
pub fn deny(
    desk: &Desk<'_>,
    id: &str,
    reason: &str,
    proof: Option<Proof>,
) -> anyhow::Result<Denied> {
    if reason.trim().is_empty() {
        return Err(UserError::new("a denial needs a reason").into());
    }
    let mut requests = desk.cx.state.load_requests()?;
    let request = pending(desk, &mut requests, id, false)?;
    let who = match request_decider(desk, "deny", Decision::Deny, request)? {
        Ok(who) => who,
        Err(refusal) => return Ok(Denied::Refused(refusal)),
    };
    request.status = RequestStatus::Denied;
    request.decided_by = Some(who.id.clone());
    request.decided_at = Some(desk.cx.now);
    request.decision_reason = Some(reason.to_string());
    let request = request.clone();
    save_requests(desk, &requests)?;
    let mut entry = request_entry(EntryKind::Approval, &request, EntryResult::Denied);
    entry.error = Some(reason.to_string());
    entry.proof = proof;
    let warnings = announce_decision(desk, &request, &mut entry, "it is denied anyway");
    let mut audit = desk.audit.open("deny")?;
    audit.append(&request.client, entry)?;
    audit.finish(serde_json::json!({ "denied": request.id }))?;
    Ok(Denied::Denied {
        request: Box::new(request),
        warnings,
    })
}

/// Tells `notify.decisions` that a request was decided, mentioning its requester (and
/// its receiver, when another person) by their chat handles, unless the only one to
/// tell is who decided (a requester withdrawing their own request); records what came of each
/// hook in the decision's audit entry and returns a warning for each that failed. The
/// decision is saved already: nothing a hook says changes it.
fn announce_decision(
    desk: &Desk<'_>,
    request: &AccessRequest,
    entry: &mut Entry,
    anyway: &str,
) -> Vec<String> {
    let hooks = &desk.cx.workspace.policy.notify_decisions;
    if !hooks.is_configured() {
        return Vec::new();
    }
    let identities = &desk.cx.workspace.identities;
    // Whoever decided knows: a requester who withdraws their own request is not told.
    let decider = request.decided_by.as_deref();
    let mut told: Vec<&str> = Vec::new();
    for person in [
        Some(request.requested_by.as_str()),
        request.identity.as_deref(),
    ]
    .into_iter()
    .flatten()
    {
        if Some(person) != decider && !told.contains(&person) {
            told.push(person);
        }
    }
    if told.is_empty() {
        return Vec::new();
    }
    let people: Vec<serde_json::Value> = told
        .iter()
        .map(|id| match identities.get(*id) {
            Some(identity) => crate::notify::person(identity),
            None => serde_json::json!({ "id": id }),
        })
        .collect();
    let mut event = super::ask::request_event("request-decided", request);
    for (field, value) in [
        ("decision", serde_json::json!(request.status.as_str())),
        ("decided_by", serde_json::json!(request.decided_by)),
        (
            "decided_at",
            serde_json::json!(request.decided_at.map(format_instant)),
        ),
        (
            "decision_reason",
            serde_json::json!(request.decision_reason),
        ),
        (
            "expires_at",
            serde_json::json!(request.expires_at.map(format_instant)),
        ),
        ("notify", serde_json::json!(people)),
    ] {
        event[field] = value;
    }
    let deliveries: Vec<Delivery> = crate::notify::send(
        hooks,
        &event,
        crate::notify::chat::decision,
        super::ask::sources(desk),
    );
    record_deliveries(entry, &deliveries);
    failures(&deliveries, anyway)
}
