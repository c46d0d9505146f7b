//! `onboard elevate`: just-in-time access to a bundle's TTL grants, for a ticket.

use clap::Args;

use super::GlobalArgs;
use super::access::{grant_now, print_request, render_refusal};
use super::session::Session;
use crate::exit::ExitStatus;
use crate::workflow::request::{self, Ask, Asked};

/// Request just-in-time access to a bundle for a ticket
///
/// Asks for the just-in-time (TTL) grants of a bundle in one client, checked against the
/// policy. If any grant needs a second person's approval, the request waits (see
/// `onboard requests`, `onboard approve`); otherwise the access is granted at once and
/// ends by itself when its TTL has passed (`onboard expire`).
#[derive(Debug, Args)]
pub struct ElevateArgs {
    /// The client
    #[arg(long, value_name = "ID")]
    pub client: String,
    /// The bundle whose just-in-time grants are asked for
    #[arg(long, value_name = "ID")]
    pub bundle: String,
    /// The ticket the access is for
    #[arg(long, value_name = "TICKET")]
    pub ticket: String,
    /// Why the access is needed
    #[arg(long)]
    pub reason: String,
    /// How long (default: each grant's own TTL; never longer)
    #[arg(long, value_name = "DURATION")]
    pub ttl: Option<String>,
    /// Who receives the access (default: you)
    #[arg(long, value_name = "ID")]
    pub identity: Option<String>,
    #[command(flatten)]
    pub sign: super::sign::SignArgs,
}

pub(super) fn run(global: &GlobalArgs, args: ElevateArgs) -> anyhow::Result<ExitStatus> {
    let mut session = Session::open(global)?;
    let lock = session.lock_client("elevate", &args.client)?;
    let subject = super::sign::bundle_subject(&args.client, &args.bundle, args.identity.as_deref());
    let proof = super::sign::prove(&mut session, &lock, "elevate", &subject, &args.sign)?;
    let session = session;
    let ttl = match &args.ttl {
        Some(text) => Some(super::duration_arg("--ttl", text)?),
        None => None,
    };
    let ask = Ask {
        client: &args.client,
        bundle: &args.bundle,
        identity: args.identity.as_deref(),
        ticket: Some(&args.ticket),
        reason: &args.reason,
        ttl,
        proof,
    };
    render_asked(
        &session,
        &lock,
        "elevate",
        request::elevate(&session.desk(&lock), ask)?,
    )
}

/// Renders what came of asking for access, and grants it at once when it was granted.
pub(super) fn render_asked(
    session: &Session,
    lock: &crate::state::Lock,
    command: &'static str,
    asked: Asked,
) -> anyhow::Result<ExitStatus> {
    match asked {
        Asked::Refused(refusal) => render_refusal(session, &refusal),
        Asked::Pending { request, warnings } => {
            for warning in &warnings {
                session.printer.warn(warning);
            }
            let bundle = request.bundle.as_deref().unwrap_or("-");
            let prose = format!(
                "Request {} is pending: `{bundle}` needs a second person's approval. They run `onboard approve {}`.",
                request.id, request.id
            );
            print_request(session, request, Some(prose))?;
            Ok(ExitStatus::Success)
        }
        Asked::Granted {
            request,
            term,
            preface,
            review,
            warnings,
        } => {
            for warning in &warnings {
                session.printer.warn(warning);
            }
            let (bundle, identity) = (
                request.bundle.as_deref().unwrap_or("-"),
                request.identity.as_deref().unwrap_or("-"),
            );
            session.printer.status(&match request.kind {
                crate::model::RequestKind::BreakGlass => format!(
                    "BREAK-GLASS: granting `{bundle}` to `{identity}` in `{}` {term} (request {}); review {} is open.",
                    request.client,
                    request.id,
                    review.as_deref().unwrap_or("-")
                ),
                _ => format!(
                    "Granting `{bundle}` to `{identity}` in `{}` {term}, request {}.",
                    request.client, request.id
                ),
            });
            grant_now(session, lock, &request, command, *preface)
        }
    }
}
