//! `onboard plan`: desired against actual access, per client and tenant.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::GlobalArgs;
use super::session::Session;
use crate::atomic_file;
use crate::exit::ExitStatus;
use crate::plan::Plan;
use crate::ui::OutputFormat;
use crate::ui::documents::{FORMAT_VERSION, PlanDocument, to_json};
use crate::ui::tables::{plan_markdown, plan_table};

/// Show what would change in the clients' tenants
///
/// Works out the access the workspace asks for, reads what each tenant holds, and lists
/// the difference: grant, renew, expire, revoke, drift (held outside onboard), and
/// unknown (the tenant could not be read; nothing is planned for it). Changes nothing in
/// any tenant.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Plan only these clients (default: every client)
    pub clients: Vec<String>,

    /// Save the plan as JSON to FILE, for `onboard apply FILE`
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Exit 2 when there are changes and 0 when there are none
    ///
    /// Without this flag, a successful plan exits 0 whether or not there are changes.
    #[arg(long)]
    pub detailed_exitcode: bool,
}

/// Builds the JSON document of a plan.
pub(super) fn document(
    session: &Session,
    plan: &Plan,
    ledger_fingerprint: &str,
    clients: Vec<String>,
) -> PlanDocument {
    PlanDocument {
        format_version: FORMAT_VERSION,
        generated_at: time::OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .unwrap_or_else(|_| time::OffsetDateTime::now_utc()),
        now: session.now,
        workspace_fingerprint: session.workspace.fingerprint.clone(),
        ledger_fingerprint: ledger_fingerprint.to_string(),
        clients,
        summary: plan.summary(),
        changes: plan.changes.clone(),
        warnings: plan.warnings.clone(),
    }
}

/// Prints a plan in the chosen format: data on stdout, warnings on stderr.
pub(super) fn show(session: &Session, plan: &Plan, document: &PlanDocument) -> anyhow::Result<()> {
    let printer = &session.printer;
    match printer.format {
        OutputFormat::Table => printer.data(&plan_table(plan, printer.color_stdout))?,
        OutputFormat::Json => printer.data(&to_json(document))?,
        OutputFormat::Markdown => printer.data(&plan_markdown(plan, &document.clients))?,
    }
    if printer.format != OutputFormat::Markdown {
        for warning in &plan.warnings {
            printer.warn(warning);
        }
    }
    Ok(())
}

pub(super) fn run(global: &GlobalArgs, args: PlanArgs) -> anyhow::Result<ExitStatus> {
    let session = Session::open(global)?;
    let clients = session.select(&args.clients)?;
    let (ledger, ledger_fingerprint) = session.ledger()?;
    let plan = session.plan(&clients, &ledger, &[]);
    let document = document(
        &session,
        &plan,
        &ledger_fingerprint,
        clients.iter().map(|c| c.id.clone()).collect(),
    );
    show(&session, &plan, &document)?;
    if let Some(path) = &args.out {
        atomic_file::write(path, to_json(&document).as_bytes())
            .with_context(|| format!("writing the plan to {}", path.display()))?;
        session.printer.status(&format!(
            "Saved the plan to {}; apply it with `onboard apply {}`.",
            path.display(),
            path.display()
        ));
    }
    Ok(if plan.has_unknown() {
        session
            .printer
            .warn("some tenants could not be read: nothing is planned for them (exit 4)");
        ExitStatus::PartialFailure
    } else if args.detailed_exitcode && plan.has_changes() {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    })
}
