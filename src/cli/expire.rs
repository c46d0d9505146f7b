//! `onboard expire`: revoke every grant whose time has passed, in every client.

use std::time::Duration;

use clap::Args;

use super::GlobalArgs;
use super::apply::{Run, execute_plan};
use super::session::Session;
use crate::audit::{Entry, EntryKind, EntryResult, WORKSPACE_CHAIN};
use crate::exit::ExitStatus;
use crate::model::GrantRecord;
use crate::model::time::format_duration;
use crate::notify::{chat, digest};
use crate::plan::{ChangeKind, EntryRef};
use crate::ui::diagnostics::UserError;
use crate::ui::tables::plan_table;

/// Revoke every grant whose time has passed, in every client
///
/// Removes grants whose TTL, exception or client contract has ended, and nothing else.
/// Idempotent and meant for cron: it does not prompt, because it only removes access
/// that has run out. Tenants that cannot be read are skipped and make it exit 4; grants
/// policy denies are reported as `plan` shows them, and make it exit 3.
///
/// With `--notify`, the run ends by sending one digest of the access that still ends
/// within `notify.expiring.within` (policy.yaml, default 7d) to the `notify.expiring`
/// hooks, and records it in the audit log. A digest that cannot be delivered is a
/// warning: the expiry stands, and the exit code is the run's.
#[derive(Debug, Args)]
pub struct ExpireArgs {
    /// Show what would expire without changing anything
    #[arg(long)]
    pub dry_run: bool,

    /// After the run, send a digest of the access ending within
    /// `notify.expiring.within` (default 7d) to the `notify.expiring` hooks of
    /// policy.yaml
    #[arg(long, conflicts_with = "dry_run")]
    pub notify: bool,
}

pub(super) fn run(global: &GlobalArgs, args: ExpireArgs) -> anyhow::Result<ExitStatus> {
    let session = Session::open(global)?;
    if args.notify {
        digest_hooks(&session)?;
    }
    let lock = session.lock("expire")?;
    let (ledger, fingerprint) = session.ledger()?;
    let clients = session.select(&[])?;
    // Grants whose ticket closed are revoked; those whose ticket cannot be checked are
    // left alone ("unknown", exit 4).
    let tickets = crate::tickets::sweep(&session.context(), &clients, &ledger);
    let blocks = tickets.blocks(session.now, &session.actor);
    let full = session.plan(&clients, &ledger, &blocks)?;
    // Denials are never sent, but are reported (and exit 3) as `plan` and `apply` do.
    let mut plan = full.only(|e| match e {
        EntryRef::Change(c) => c.kind == ChangeKind::Expire || tickets.revokes(c),
        EntryRef::Denied(_) | EntryRef::Unknown(_) => true,
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
    if args.notify {
        // What remains after the run, including access it could not remove.
        let (ledger, _) = session.ledger()?;
        let within = session.workspace.policy.notify_expiring_within.value;
        let grants = digest::expiring(&ledger.grants, session.now, within);
        send_digest(&session, "expire", &grants, within)?;
    }
    Ok(tickets.status(status))
}

/// Checks that policy.yaml says where a digest goes (`notify.expiring`), before any
/// work: `--notify` without it is a usage error.
pub(super) fn digest_hooks(session: &Session) -> anyhow::Result<()> {
    if session.workspace.policy.notify_expiring.is_configured() {
        return Ok(());
    }
    Err(UserError::new(
        "`--notify` has nowhere to send the digest: policy.yaml sets no `notify.expiring`",
    )
    .hint(
        "add `notify: {expiring: {webhook: env:ONBOARD_EXPIRING_WEBHOOK, format: slack}}` to policy.yaml (`format: teams` or `json`, or `command: [PROGRAM, ARG]`); see docs/policy.md",
    )
    .into())
}

/// Sends one digest of `grants` (access ending within `within`) to the hooks of
/// `notify.expiring`, records what came of it in the workspace's audit chain (a `notify`
/// entry, which changes no ledger state) and warns about each hook that failed. An
/// empty digest is not sent, and says so.
pub(super) fn send_digest(
    session: &Session,
    command: &str,
    grants: &[&GrantRecord],
    within: Duration,
) -> anyhow::Result<()> {
    let printer = &session.printer;
    if grants.is_empty() {
        printer.status(&format!(
            "No access ends within {}: no digest sent.",
            format_duration(within)
        ));
        return Ok(());
    }
    let hooks = &session.workspace.policy.notify_expiring;
    let event = digest::event(grants, session.now, within);
    let sources = crate::notify::Sources {
        root: &session.root,
        options: &session.adapters,
    };
    let deliveries = crate::notify::send(hooks, &event, chat::expiring, sources);
    let delivered = deliveries.iter().filter(|d| d.delivered()).count();
    let mut entry = Entry {
        kind: Some(EntryKind::Notify),
        result: Some(match delivered {
            0 => EntryResult::Failed,
            n if n == deliveries.len() => EntryResult::Delivered,
            _ => EntryResult::Partial,
        }),
        detail: Some(serde_json::json!({
            "event": event["event"],
            "within": event["within"],
            "until": event["until"],
            "count": grants.len(),
            "clients": digest::counts(&event),
        })),
        ..Entry::default()
    };
    crate::notify::record_deliveries(&mut entry, &deliveries);
    let mut audit = session.audit_log(command)?;
    audit.append(WORKSPACE_CHAIN, entry)?;
    audit.finish(serde_json::json!({ "digest": grants.len(), "delivered": delivered }))?;
    for warning in crate::notify::failures(&deliveries, "the digest was not delivered there") {
        printer.warn(&warning);
    }
    if delivered > 0 {
        let channels: Vec<&str> = deliveries
            .iter()
            .filter(|d| d.delivered())
            .map(|d| d.channel.as_str())
            .collect();
        printer.status(&format!(
            "Sent the digest of {} grant(s) ending within {} to {}.",
            grants.len(),
            format_duration(within),
            channels.join(", ")
        ));
    }
    Ok(())
}
