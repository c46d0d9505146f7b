//! `onboard break-glass`: emergency access, no approval, a mandatory reason, a short TTL,
//! a flagged audit entry, a notification hook and a post-use review.

use clap::Args;

use super::GlobalArgs;
use super::elevate::render_asked;
use super::session::Session;
use crate::exit::ExitStatus;
use crate::workflow::request::{self, Ask};

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
    let ask = Ask {
        client: &args.client,
        bundle: &args.bundle,
        identity: args.identity.as_deref(),
        ticket: args.ticket.as_deref(),
        reason: &args.reason,
        ttl: None,
        proof,
    };
    let asked = request::break_glass(&session.desk(&lock), ask)?;
    render_asked(&session, &lock, "break-glass", asked)
}
