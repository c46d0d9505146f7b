//! `onboard review`: post-use reviews of break-glass and exception use.

use clap::{Args, Subcommand};
use serde::Serialize;

use super::GlobalArgs;
use super::access::render_refusal;
use super::session::Session;
use crate::exit::ExitStatus;
use crate::model::ReviewItem;
use crate::model::time::format_short;
use crate::ui::OutputFormat;
use crate::ui::documents::{FORMAT_VERSION, ReviewDocument};
use crate::ui::tables::table_text;
use crate::workflow::request::{self, Closed, ReviewClose};

/// List open post-use reviews, or close one
///
/// Every break-glass use and every exception's first use opens a review item. A person
/// other than the one who used the access closes it, with MFA enforced when the access
/// was privileged (policy rules `approver-person`, `approver-not-party`, `approver-mfa`).
/// A service account or agent whose owner has left (a standing `onboard revoke
/// --identity` of its owner) is listed as `owner-left-ID` until its file names a new
/// owner, which closes it.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// Close a review
    #[command(subcommand)]
    pub command: Option<ReviewCommand>,
    /// Also list closed reviews
    #[arg(long)]
    pub all: bool,
}

/// Review subcommands.
#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// Close a review with its outcome
    Close(CloseArgs),
}

/// Close a review with its outcome
#[derive(Debug, Args)]
pub struct CloseArgs {
    /// The review id
    pub id: String,
    /// The verdict (e.g. `justified`, `misuse`, `needs-follow-up`)
    #[arg(long)]
    pub outcome: String,
    /// What the reviewer found
    #[arg(long)]
    pub notes: String,
    /// The ticket of the reviewed access: required for break-glass taken without one
    /// where a ticket provider is configured
    #[arg(long, value_name = "TICKET")]
    pub ticket: Option<String>,
    #[command(flatten)]
    pub sign: super::sign::SignArgs,
}

/// `onboard review --output json`.
#[derive(Debug, Serialize)]
struct ReviewsDocument {
    format_version: u32,
    reviews: Vec<ReviewItem>,
}

pub(super) fn run(global: &GlobalArgs, args: ReviewArgs) -> anyhow::Result<ExitStatus> {
    match args.command {
        Some(ReviewCommand::Close(close_args)) => close(global, close_args),
        None => list(global, args.all),
    }
}

fn list(global: &GlobalArgs, all: bool) -> anyhow::Result<ExitStatus> {
    let session = Session::open(global)?;
    let shown = request::reviews(&session.context(), all)?;
    let printer = &session.printer;
    if printer.format == OutputFormat::Json {
        printer.json(&ReviewsDocument {
            format_version: FORMAT_VERSION,
            reviews: shown,
        })?;
        return Ok(ExitStatus::Success);
    }
    if shown.is_empty() {
        printer.data("No open reviews.")?;
        return Ok(ExitStatus::Success);
    }
    let headers: &[&str] = &["id", "kind", "client", "identity", "due", "state", "what"];
    let mut rows: Vec<Vec<String>> = Vec::new();
    for r in &shown {
        let state = match (&r.closed_at, r.overdue(session.now)) {
            (Some(_), _) => format!("closed: {}", r.outcome.as_deref().unwrap_or("-")),
            (None, true) => "OVERDUE".into(),
            (None, false) => "open".into(),
        };
        rows.push(vec![
            r.id.clone(),
            r.kind.clone(),
            r.client.clone(),
            r.identity.clone(),
            format_short(r.due_at),
            state,
            r.summary.clone(),
        ]);
    }
    let text = table_text(headers, rows);
    printer.data(&text)?;
    Ok(ExitStatus::Success)
}

fn close(global: &GlobalArgs, args: CloseArgs) -> anyhow::Result<ExitStatus> {
    let mut session = Session::open(global)?;
    let lock = session.lock("review close")?;
    let proof = super::sign::prove(&mut session, &lock, "review-close", &args.id, &args.sign)?;
    let session = session;
    let close = ReviewClose {
        id: &args.id,
        outcome: &args.outcome,
        notes: &args.notes,
        ticket: args.ticket.as_deref(),
        proof,
    };
    let item = match request::close_review(&session.desk(&lock), close)? {
        Closed::Refused(refusal) => return render_refusal(&session, &refusal),
        Closed::Closed(item) => item,
    };
    session
        .printer
        .status(&format!("Closed review {} ({}).", item.id, args.outcome));
    if session.printer.format == OutputFormat::Json {
        session.printer.document(&ReviewDocument {
            format_version: FORMAT_VERSION,
            review: *item,
        })?;
    }
    Ok(ExitStatus::Success)
}
