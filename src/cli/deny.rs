//! `onboard deny`: refuse (or, for its requester, withdraw) a pending request.

use clap::Args;

use super::GlobalArgs;
use super::access::{find, print_request, request_decider, request_entry};
use super::session::Session;
use crate::audit::EntryKind;
use crate::exit::ExitStatus;
use crate::model::RequestStatus;
use crate::policy::approval::Decision;
use crate::ui::diagnostics::UserError;

/// Refuse a pending request
///
/// Any person declared in the workspace may refuse a request (policy rule
/// `approver-person`: not an agent or service account, not an actor that maps to no
/// identity); the one who asked may always withdraw it.
#[derive(Debug, Args)]
pub struct DenyArgs {
    /// The request id (see `onboard requests`)
    pub request: String,
    /// Why
    #[arg(long)]
    pub reason: String,
}

pub(super) fn run(global: &GlobalArgs, args: DenyArgs) -> anyhow::Result<ExitStatus> {
    let session = Session::open(global)?;
    let lock = session.lock("deny")?;
    if args.reason.trim().is_empty() {
        return Err(UserError::new("a denial needs a reason").into());
    }
    let mut requests = session.state.load_requests()?;
    let expiry = session.workspace.policy.request_expiry;
    let request = find(&mut requests, &args.request)?;
    let status = request.status_at(session.now, expiry);
    if status != RequestStatus::Pending {
        return Err(UserError::new(format!(
            "request `{}` is {}, not pending",
            request.id,
            status.as_str()
        ))
        .into());
    }
    let who = match request_decider(&session, "deny", Decision::Deny, request)? {
        Ok(who) => who,
        Err(status) => return Ok(status),
    };
    request.status = RequestStatus::Denied;
    request.decided_by = Some(who.id.clone());
    request.decided_at = Some(session.now);
    request.decision_reason = Some(args.reason.clone());
    let request = request.clone();
    // Nothing is recorded by a run that cannot sign its audit entries.
    session.check_audit()?;
    session.state.save_requests(&requests, &lock)?;
    let mut entry = request_entry(EntryKind::Approval, &request, "denied");
    entry.error = Some(args.reason.clone());
    let mut audit = session.audit_log("deny")?;
    audit.append(&request.client, entry)?;
    audit.finish(serde_json::json!({ "denied": request.id }))?;
    session.printer.status(&format!("Denied {}.", request.id));
    print_request(&session, request, None)?;
    Ok(ExitStatus::Success)
}
