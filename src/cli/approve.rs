//! `onboard approve`: a second person approves a pending request (four-eyes).

use clap::Args;

use super::GlobalArgs;
use super::access::{find, grant_now, print_request, request_decider, request_entry, term};
use super::elevate::refuse;
use super::session::Session;
use crate::audit::{Entry, EntryKind};
use crate::exit::ExitStatus;
use crate::model::{RequestKind, RequestStatus};
use crate::policy;
use crate::policy::approval::Decision;
use crate::ui::diagnostics::UserError;

/// Approve a pending request as a second person
///
/// The approver must be a person declared in the workspace (see `actors:` in the identity
/// files), neither the one who asked nor the one who would receive the access, with MFA
/// enforced when the request is privileged (policy rules `approver-person`,
/// `approver-not-party`, `approver-mfa`). An approved elevation is granted at once; its
/// TTL runs from now.
#[derive(Debug, Args)]
pub struct ApproveArgs {
    /// The request id (see `onboard requests`)
    pub request: String,
}

pub(super) fn run(global: &GlobalArgs, args: ApproveArgs) -> anyhow::Result<ExitStatus> {
    let session = Session::open(global)?;
    let lock = session.lock("approve")?;
    let mut requests = session.state.load_requests()?;
    let expiry = session.workspace.policy.request_expiry;
    let request = find(&mut requests, &args.request)?;
    match request.status_at(session.now, expiry) {
        RequestStatus::Pending => {}
        RequestStatus::Expired => {
            request.status = RequestStatus::Expired;
            let id = request.id.clone();
            session.state.save_requests(&requests, &lock)?;
            return Err(
                UserError::new(format!("request `{id}` expired before it was approved"))
                    .hint("ask for it again")
                    .into(),
            );
        }
        other => {
            return Err(UserError::new(format!(
                "request `{}` is {}, not pending",
                request.id,
                other.as_str()
            ))
            .into());
        }
    }
    let client_id = request.client.clone();
    let approver = match request_decider(&session, "approve", Decision::Approve, request)? {
        Ok(approver) => approver,
        Err(status) => return Ok(status),
    };
    if request.kind != RequestKind::MassRevoke {
        // The workspace may have changed since the request: check the policy again.
        let client = session.select(std::slice::from_ref(&client_id))?[0];
        let identity = request
            .identity
            .as_ref()
            .and_then(|i| session.workspace.identities.get(i));
        let bundle = request
            .bundle
            .as_ref()
            .and_then(|b| session.workspace.bundles.get(b));
        let (Some(identity), Some(bundle)) = (identity, bundle) else {
            return Err(UserError::new(format!(
                "request `{}` names an identity or bundle the workspace no longer has",
                request.id
            ))
            .into());
        };
        let ttl = std::time::Duration::from_secs(request.ttl_seconds.unwrap_or(0));
        let denials = policy::evaluate_request(
            &session.workspace,
            client,
            identity,
            bundle,
            request.kind == RequestKind::BreakGlass,
            ttl,
            session.now,
        );
        if !denials.is_empty() {
            return refuse(&session, "approve", client, identity, &denials);
        }
    }
    request.status = RequestStatus::Approved;
    request.decided_by = Some(approver.id.clone());
    request.decided_at = Some(session.now);
    if request.kind != RequestKind::MassRevoke {
        // The access lasts its TTL from now, not from when it was asked for.
        request.granted_at = Some(session.now);
        let lasts = std::time::Duration::from_secs(request.ttl_seconds.unwrap_or(0));
        if let Some(client) = session.workspace.clients.get(&request.client) {
            let (ends, term) = term(&session, client, lasts);
            request.expires_at = Some(ends);
            session.printer.status(&format!("Granting it {term}."));
        }
    }
    let request = request.clone();
    // Nothing is recorded by a run that cannot sign its audit entries.
    session.check_audit()?;
    session.state.save_requests(&requests, &lock)?;
    let entry: Entry = request_entry(EntryKind::Approval, &request, "approved");
    if request.kind == RequestKind::MassRevoke {
        let mut audit = session.audit_log("approve")?;
        audit.append(&request.client, entry)?;
        audit.finish(serde_json::json!({ "approved": request.id }))?;
        if let Some(status) = super::revoke::carry_out_approved(&session, &lock, &request)? {
            return Ok(status);
        }
        let prose = format!(
            "Approved {}: rerun the revocation with `--allow-mass-revoke` to carry it out.",
            request.id
        );
        print_request(&session, request, Some(prose))?;
        return Ok(ExitStatus::Success);
    }
    session
        .printer
        .status(&format!("Approved {}; granting it now.", request.id));
    grant_now(&session, &lock, &request, "approve", entry)
}
