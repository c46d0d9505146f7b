//! `onboard review`: post-use reviews of break-glass and exception use.

use clap::{Args, Subcommand};
use serde::Serialize;

use super::GlobalArgs;
use super::access::decider;
use super::session::Session;
use crate::audit::{Entry, EntryKind};
use crate::exit::ExitStatus;
use crate::model::ReviewItem;
use crate::model::time::format_short;
use crate::policy::approval::{self, Decision};
use crate::ui::OutputFormat;
use crate::ui::diagnostics::UserError;
use crate::ui::documents::{FORMAT_VERSION, ReviewDocument, to_json};
use crate::ui::tables::{new_table, render};

/// List open post-use reviews, or close one
///
/// Every break-glass use and every exception's first use opens a review item. A person
/// other than the one who used the access closes it, with MFA enforced when the access
/// was privileged (policy rules `approver-person`, `approver-not-party`, `approver-mfa`).
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
    let reviews = session.state.load_reviews()?;
    let shown: Vec<ReviewItem> = reviews
        .reviews
        .into_iter()
        .filter(|r| all || r.closed_at.is_none())
        .collect();
    let printer = &session.printer;
    if printer.format == OutputFormat::Json {
        printer.data(&to_json(&ReviewsDocument {
            format_version: FORMAT_VERSION,
            reviews: shown,
        }))?;
        return Ok(ExitStatus::Success);
    }
    if shown.is_empty() {
        printer.data("No open reviews.")?;
        return Ok(ExitStatus::Success);
    }
    let mut table = new_table(&["id", "kind", "client", "identity", "due", "state", "what"]);
    for r in &shown {
        let state = match (&r.closed_at, r.overdue(session.now)) {
            (Some(_), _) => format!("closed: {}", r.outcome.as_deref().unwrap_or("-")),
            (None, true) => "OVERDUE".into(),
            (None, false) => "open".into(),
        };
        table.add_row(vec![
            r.id.clone(),
            r.kind.clone(),
            r.client.clone(),
            r.identity.clone(),
            format_short(r.due_at),
            state,
            r.summary.clone(),
        ]);
    }
    let text = render(&table);
    printer.data(&text)?;
    Ok(ExitStatus::Success)
}

fn close(global: &GlobalArgs, args: CloseArgs) -> anyhow::Result<ExitStatus> {
    let mut session = Session::open(global)?;
    let lock = session.lock("review close")?;
    let proof = super::sign::prove(&mut session, &lock, "review-close", &args.id, &args.sign)?;
    let session = session;
    let mut reviews = session.state.load_reviews()?;
    let Some(item) = reviews.reviews.iter_mut().find(|r| r.id == args.id) else {
        return Err(UserError::new(format!("there is no review `{}`", args.id))
            .hint("`onboard review` lists the open ones")
            .into());
    };
    if item.closed_at.is_some() {
        return Err(UserError::new(format!("review `{}` is closed already", item.id)).into());
    }
    if args.outcome.trim().is_empty() || args.notes.trim().is_empty() {
        return Err(UserError::new("closing a review needs an outcome and notes").into());
    }
    let requests = session.state.load_requests()?;
    let subject = approval::review_subject(&session.workspace, item, &requests.requests);
    let client = item.client.clone();
    let reviewer = match decider(
        &session,
        "review close",
        Decision::CloseReview,
        &subject,
        (&client, Some(&item.identity)),
    )? {
        Ok(reviewer) => reviewer,
        Err(status) => return Ok(status),
    };
    let denials = crate::tickets::check_review(
        &session.context(),
        item,
        &requests.requests,
        args.ticket.as_deref(),
    )?;
    if !denials.is_empty() {
        let refusal = super::elevate::Refusal {
            command: "review close",
            client: &client,
            identity: Some(&item.identity),
            detail: serde_json::json!({ "review": item.id }),
        };
        return super::elevate::refuse_with(&session, &refusal, &denials);
    }
    item.closed_by = Some(reviewer.id.clone());
    item.closed_at = Some(session.now);
    item.outcome = Some(args.outcome.clone());
    item.notes = Some(args.notes.clone());
    let item = item.clone();
    // Nothing is recorded by a run that cannot sign its audit entries.
    session.check_audit()?;
    session.state.save_reviews(&reviews, &lock)?;
    let mut audit = session.audit_log("review close")?;
    audit.append(&item.client, Entry {
        kind: Some(EntryKind::Review),
        client: Some(item.client.clone()),
        identity: Some(item.identity.clone()),
        reason: Some(args.notes.clone()),
        ticket: args.ticket.clone(),
        result: Some(args.outcome.clone()),
        detail: Some(serde_json::json!({ "review": item.id, "subject": item.subject, "kind": item.kind, "reviewer": reviewer.id })),
        proof,
        ..Entry::default()
    })?;
    audit.finish(serde_json::json!({ "review": item.id }))?;
    session
        .printer
        .status(&format!("Closed review {} ({}).", item.id, args.outcome));
    if session.printer.format == OutputFormat::Json {
        session.printer.document(&ReviewDocument {
            format_version: FORMAT_VERSION,
            review: item,
        })?;
    }
    Ok(ExitStatus::Success)
}
