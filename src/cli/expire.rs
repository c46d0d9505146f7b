//! `onboard expire`: revoke every grant whose time has passed, in every client.

use clap::Args;

use super::GlobalArgs;
use super::apply::{Run, execute_plan};
use super::session::Session;
use crate::exit::ExitStatus;
use crate::plan::ChangeKind;
use crate::ui::tables::plan_table;

/// Revoke every grant whose time has passed, in every client
///
/// Removes grants whose TTL, exception or client contract has ended, and nothing else.
/// Idempotent and meant for cron: it does not prompt, because it only removes access
/// that has run out. Tenants that cannot be read are skipped and make it exit 4; grants
/// policy denies are reported as `plan` shows them, and make it exit 3.
#[derive(Debug, Args)]
pub struct ExpireArgs {
    /// Show what would expire without changing anything
    #[arg(long)]
    pub dry_run: bool,
}

pub(super) fn run(global: &GlobalArgs, args: ExpireArgs) -> anyhow::Result<ExitStatus> {
    let session = Session::open(global)?;
    let lock = session.lock("expire")?;
    let (ledger, fingerprint) = session.ledger()?;
    let clients = session.select(&[])?;
    let full = session.plan(&clients, &ledger, &[])?;
    // Denials are never sent, but are reported (and exit 3) as `plan` and `apply` do.
    let plan = full.only(|c| {
        matches!(
            c.kind,
            ChangeKind::Expire | ChangeKind::Unknown | ChangeKind::Denied
        )
    });
    if args.dry_run {
        if session.printer.format == crate::ui::OutputFormat::Json {
            let document = super::plan::document(
                &session,
                &plan,
                (&ledger, &fingerprint),
                clients.iter().map(|c| c.id.clone()).collect(),
            );
            session.printer.document(&document)?;
        } else {
            session
                .printer
                .data(&plan_table(&plan, session.printer.color_stdout))?;
        }
        return Ok(if plan.has_unknown() {
            ExitStatus::PartialFailure
        } else if plan.has_denials() {
            ExitStatus::PolicyDenied
        } else {
            ExitStatus::Success
        });
    }
    let run = Run {
        command: "expire",
        yes: true,
        prune: false,
        preface: Vec::new(),
        allow_mass_revoke: false,
        block: None,
    };
    execute_plan(&session, &lock, ledger, &plan, &run)
}
