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
    // Grants whose ticket closed are revoked; those whose ticket cannot be checked are
    // left alone ("unknown", exit 4).
    let tickets = crate::tickets::sweep(&session.context(), &clients, &ledger);
    let blocks = tickets.blocks(session.now, &session.actor);
    let full = session.plan(&clients, &ledger, &blocks)?;
    // Denials are never sent, but are reported (and exit 3) as `plan` and `apply` do.
    let mut plan = full.only(|c| {
        matches!(
            c.kind,
            ChangeKind::Expire | ChangeKind::Unknown | ChangeKind::Denied
        ) || tickets.revokes(c)
    });
    tickets.explain(&mut plan);
    for warning in tickets.warnings() {
        session.printer.warn(&warning);
    }
    if !tickets.closed.is_empty() || !tickets.unknown.is_empty() {
        let value = serde_json::to_value(&tickets).unwrap_or_default();
        session.printer.attach("tickets", value);
    }
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
        return Ok(tickets.status(if plan.has_unknown() {
            ExitStatus::PartialFailure
        } else if plan.has_denials() {
            ExitStatus::PolicyDenied
        } else {
            ExitStatus::Success
        }));
    }
    let run = Run {
        command: "expire",
        preface: tickets.entries(),
        // Recorded before any tenant is touched (a crash cannot let the access return),
        // and only once the run goes ahead (not when the mass-revoke guard refuses it).
        blocks,
        ..Run::default()
    };
    let status = execute_plan(&session, &lock, ledger, &plan, &run, true)?;
    super::access::write_back(&session, &plan, status);
    Ok(tickets.status(status))
}
