//! `onboard deny`: refuse (or, for its requester, withdraw) a pending request.

use clap::Args;

use super::GlobalArgs;
use super::access::{print_request, render_refusal};
use super::session::Session;
use crate::exit::ExitStatus;
use crate::workflow::request::{self, Denied};

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
    #[command(flatten)]
    pub sign: super::sign::SignArgs,
}

pub(super) fn run(global: &GlobalArgs, args: DenyArgs) -> anyhow::Result<ExitStatus> {
    let mut session = Session::open(global)?;
    let lock = session.lock("deny")?;
    let proof = super::sign::prove(&mut session, &lock, "deny", &args.request, &args.sign)?;
    let session = session;
    match request::deny(&session.desk(&lock), &args.request, &args.reason, proof)? {
        Denied::Refused(refusal) => render_refusal(&session, &refusal),
        Denied::Denied { request, warnings } => {
            for warning in &warnings {
                session.printer.warn(warning);
            }
            session.printer.status(&format!("Denied {}.", request.id));
            print_request(&session, *request, None)?;
            Ok(ExitStatus::Success)
        }
    }
}
