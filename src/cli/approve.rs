//! `onboard approve`: a second person approves a pending request (four-eyes).

use std::path::PathBuf;

use clap::Args;

use super::GlobalArgs;
use super::access::{find, grant_now, print_request, request_decider, request_entry, term};
use super::elevate::refuse;
use super::session::Session;
use super::sign::{self, SignArgs};
use crate::actor::Proof;
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
///
/// Where the client file asks for co-approval (`co_approval`), a privileged request
/// also needs one of the client's approvers: print the statement they sign with
/// `--print-statement CLIENT/APPROVER`, and hand in their signature with `--signature`.
#[derive(Debug, Args)]
pub struct ApproveArgs {
    /// The request id (see `onboard requests`)
    pub request: String,
    #[command(flatten)]
    pub sign: SignArgs,
    /// A signature made elsewhere over the statement `--print-statement` printed
    /// (`ssh-keygen -Y sign -n onboard FILE` writes FILE.sig); no key of yours is used
    #[arg(long, value_name = "FILE")]
    pub signature: Option<PathBuf>,
    /// The statement the signature signs (default: the signature's path without `.sig`)
    #[arg(long, value_name = "FILE", requires = "signature")]
    pub statement: Option<PathBuf>,
    /// Print the statement SIGNER (an identity id, or CLIENT/APPROVER for a client's
    /// approver) signs to approve the request, and change nothing
    #[arg(long, value_name = "SIGNER", conflicts_with = "signature")]
    pub print_statement: Option<String>,
}

pub(super) fn run(global: &GlobalArgs, args: ApproveArgs) -> anyhow::Result<ExitStatus> {
    let mut session = Session::open(global)?;
    let lock = session.lock("approve")?;
    if let Some(signer) = &args.print_statement {
        return print_statement(&session, &lock, &args.request, signer);
    }
    let proof = match &args.signature {
        Some(signature) => {
            let (text, armored) = sign::read_submitted(signature, args.statement.as_deref())?;
            Some(sign::accept(
                &mut session,
                &lock,
                "approve",
                &args.request,
                &text,
                &armored,
            )?)
        }
        None => sign::prove(&mut session, &lock, "approve", &args.request, &args.sign)?,
    };
    let session = session;
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
    let co_approval = needs_co_approval(&session, request);
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
                .status(ExitStatus::PolicyDenied)
                .into());
            }
            request.client_approved_by = Some(signer.clone());
            match request.msp_approved_by.clone() {
                Some(msp) => msp,
                None => {
                    return record_partial(&session, &lock, requests, &args.request, proof);
                }
            }
        }
        None => {
            let approver = match request_decider(&session, "approve", Decision::Approve, request)? {
                Ok(approver) => approver,
                Err(status) => return Ok(status),
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
                return record_partial(&session, &lock, requests, &args.request, proof);
            }
            approver.id.clone()
        }
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
        let mut denials = policy::evaluate_request(
            &session.workspace,
            client,
            identity,
            bundle,
            request.kind == RequestKind::BreakGlass,
            ttl,
            session.now,
        );
        // The ticket may have closed since the request: check it again.
        let need = crate::tickets::Need::Required;
        denials.extend(
            crate::tickets::check_request(
                &session.context(),
                client,
                request.ticket.as_deref(),
                need,
            )?
            .denials,
        );
        if !denials.is_empty() {
            return refuse(&session, "approve", client, identity, &denials);
        }
    }
    request.status = RequestStatus::Approved;
    request.decided_by = Some(decided_by);
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
    let mut entry: Entry = request_entry(EntryKind::Approval, &request, "approved");
    entry.proof = proof;
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

/// Returns why a request needs a client approver's co-approval too, if it does: its
/// client's `co_approval` names it.
fn needs_co_approval(session: &Session, request: &crate::model::AccessRequest) -> Option<String> {
    let client = session.workspace.clients.get(&request.client)?;
    if request.kind == RequestKind::MassRevoke || !client.co_approval.privileged {
        return None;
    }
    policy::approval::request_subject(&session.workspace, request).privileged
}

/// Says how a client's approver co-approves a request.
fn co_approval_hint(request: &str, client: &str) -> String {
    format!(
        "one of `{client}`'s approvers signs the statement `onboard approve {request} --print-statement {client}/APPROVER > statement` prints (`ssh-keygen -Y sign -f KEY -n onboard statement`), then `onboard approve {request} --signature statement.sig` hands it in"
    )
}

/// Records one of the two approvals a co-approved request needs, and leaves it pending.
fn record_partial(
    session: &Session,
    lock: &crate::state::Lock,
    mut requests: crate::state::Requests,
    id: &str,
    proof: Option<Proof>,
) -> anyhow::Result<ExitStatus> {
    let request = find(&mut requests, id)?.clone();
    session.check_audit()?;
    session.state.save_requests(&requests, lock)?;
    let (result, waiting) = match &request.client_approved_by {
        Some(_) => (
            "client-approved",
            "an MSP person's approval (`onboard approve`)".to_string(),
        ),
        None => (
            "approved-awaiting-client",
            format!("the approval of one of `{}`'s approvers", request.client),
        ),
    };
    let mut entry = request_entry(EntryKind::Approval, &request, result);
    entry.proof = proof;
    let mut audit = session.audit_log("approve")?;
    audit.append(&request.client, entry)?;
    audit.finish(serde_json::json!({ "approved": request.id, "waiting": true }))?;
    session.printer.status(&format!(
        "Recorded the approval of {}; it waits for {waiting}.",
        request.id
    ));
    if request.client_approved_by.is_none() {
        session.printer.status(&format!(
            "Next: {}.",
            co_approval_hint(&request.id, &request.client)
        ));
    }
    print_request(session, request, None)?;
    Ok(ExitStatus::Success)
}

/// Prints the statement `signer` signs to approve request `id`.
fn print_statement(
    session: &Session,
    lock: &crate::state::Lock,
    id: &str,
    signer: &str,
) -> anyhow::Result<ExitStatus> {
    let mut requests = session.state.load_requests()?;
    find(&mut requests, id)?;
    if session.workspace.signer_keys(signer).is_empty() {
        return Err(UserError::new(format!("`{signer}` has no signing keys in this workspace"))
            .hint("name an identity with `signing_keys`, or a client's approver as CLIENT/APPROVER")
            .into());
    }
    let text = sign::statement_for(session, lock, "approve", id, signer)?;
    session.printer.data(text.trim_end())?;
    session.printer.status(&format!(
        "`{signer}` signs this statement within {} with `ssh-keygen -Y sign -f KEY -n onboard FILE`; hand in FILE.sig with `onboard approve {id} --signature FILE.sig`.",
        crate::model::time::format_duration(session.workspace.policy.statement_valid_for.value)
    ));
    Ok(ExitStatus::Success)
}
