//! `onboard approve`: a second person approves a pending request (four-eyes).

use std::path::PathBuf;

use clap::Args;

use super::GlobalArgs;
use super::access::{grant_now, print_request, render_refusal};
use super::session::Session;
use super::sign::{self, SignArgs};
use crate::exit::ExitStatus;
use crate::ui::diagnostics::UserError;
use crate::workflow::request::{self, Approval, Partial, co_approval_hint};

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
    match request::approve(&session.desk(&lock), &args.request, proof)? {
        Approval::Refused(refusal) => render_refusal(&session, &refusal),
        Approval::Partial(partial) => render_partial(&session, partial),
        Approval::MassRevoke { request, warnings } => {
            for warning in &warnings {
                session.printer.warn(warning);
            }
            if let Some(status) = super::revoke::carry_out_approved(&session, &lock, &request)? {
                return Ok(status);
            }
            let prose = format!(
                "Approved {}: rerun the revocation with `--allow-mass-revoke` to carry it out.",
                request.id
            );
            print_request(&session, request, Some(prose))?;
            Ok(ExitStatus::Success)
        }
        Approval::Granted {
            request,
            term,
            preface,
            warnings,
        } => {
            for warning in &warnings {
                session.printer.warn(warning);
            }
            if let Some(term) = term {
                session.printer.status(&format!("Granting it {term}."));
            }
            session
                .printer
                .status(&format!("Approved {}; granting it now.", request.id));
            grant_now(&session, &lock, &request, "approve", *preface)
        }
    }
}

/// Reports one of the two approvals a co-approved request needs.
fn render_partial(session: &Session, partial: Partial) -> anyhow::Result<ExitStatus> {
    let Partial { request, waiting } = partial;
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
    request::statement_request(&session.desk(lock), id)?;
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
