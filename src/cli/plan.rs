//! `onboard plan`: desired against actual access, per client and tenant.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::GlobalArgs;
use super::session::Session;
use crate::atomic_file;
use crate::exit::ExitStatus;
use crate::model::time::DateBound;
use crate::plan::credentials::CredentialChange;
use crate::plan::{Entries, Plan};
use crate::ui::OutputFormat;
use crate::ui::diagnostics::UserError;
use crate::ui::documents::{FORMAT_VERSION, PlanDocument, PlannedCredential, to_json};
use crate::ui::tables::{plan_markdown_with_credentials, plan_table_with_credentials};

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

    /// Show the plan as it will be at WHEN (`YYYY-MM-DD` or RFC 3339): expiries,
    /// contract ends, exceptions running out
    #[arg(long, value_name = "WHEN")]
    pub at: Option<String>,

    /// Show what would change if the one client named moved to tier TIER
    #[arg(long, value_name = "TIER", requires = "clients")]
    pub tier: Option<String>,
}

/// Builds the JSON document of a plan (without credential changes: [`run`] adds those
/// it shows).
pub(super) fn document<'p>(
    session: &Session,
    plan: &'p Plan,
    (ledger, ledger_fingerprint): (&crate::state::Ledger, &str),
    clients: Vec<String>,
) -> PlanDocument<Entries<'p>> {
    PlanDocument {
        format_version: FORMAT_VERSION,
        generated_at: time::OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .unwrap_or_else(|_| time::OffsetDateTime::now_utc()),
        now: session.now,
        valid_until: plan.first_end().and_then(|c| c.expires_at),
        workspace_fingerprint: session.workspace.fingerprint.clone(),
        ledger_fingerprint: ledger_fingerprint.to_string(),
        ledger_pins: Some(crate::ui::documents::LedgerPins::of(ledger, plan)),
        clients,
        summary: plan.summary(),
        changes: plan.json_rows(),
        warnings: plan.warnings.clone(),
        configuration: plan.configuration.clone(),
        credentials: Vec::new(),
    }
}

/// Prints a plan and its credential changes in the chosen format: data on stdout,
/// warnings on stderr.
fn show(
    session: &Session,
    plan: &Plan,
    credentials: &[CredentialChange],
    document: &PlanDocument<Entries<'_>>,
) -> anyhow::Result<()> {
    let printer = &session.printer;
    match printer.format {
        OutputFormat::Table => printer.data(&plan_table_with_credentials(
            plan,
            credentials,
            printer.color_stdout,
        ))?,
        OutputFormat::Json => printer.json(document)?,
        OutputFormat::Markdown => printer.data(&plan_markdown_with_credentials(
            plan,
            &document.clients,
            credentials,
        ))?,
    }
    if printer.format != OutputFormat::Markdown {
        for warning in &plan.warnings {
            printer.warn(warning);
        }
    }
    Ok(())
}

pub(super) fn run(global: &GlobalArgs, args: PlanArgs) -> anyhow::Result<ExitStatus> {
    let mut session = Session::open(global)?;
    let hypothetical = args.at.is_some() || args.tier.is_some();
    if hypothetical && args.out.is_some() {
        return Err(UserError::new("a plan made with `--at` or `--tier` shows a future that is not here yet: it cannot be saved for apply")
            .hint("drop `--out`, or plan without `--at`/`--tier`")
            .into());
    }
    if let Some(when) = &args.at {
        session.now = super::instant_arg("--at", when, DateBound::Start)?;
    }
    if let Some(tier) = &args.tier {
        let [client] = args.clients.as_slice() else {
            return Err(UserError::new("`--tier` takes exactly one client")
                .hint("e.g. `onboard plan --tier premium acme`")
                .into());
        };
        let tiers = session.workspace.tiers();
        if !tiers.contains(tier.as_str()) {
            return Err(UserError::new(format!("unknown tier `{tier}`"))
                .hint(crate::model::suggest("tiers", tier, tiers))
                .into());
        }
        session.select(std::slice::from_ref(client))?;
        session.change_tier(client, tier);
    }
    let session = session;
    let clients = session.select(&args.clients)?;
    let (ledger, ledger_fingerprint) = session.ledger()?;
    let mut plan = session.plan(&clients, &ledger, &[])?;
    let ids: Vec<&str> = clients.iter().map(|c| c.id.as_str()).collect();
    let dangling = crate::audit::writer::peek_dangling_all(session.state.as_ref(), &ids);
    for (client, dangling) in clients.iter().zip(dangling) {
        plan.warnings
            .extend(client.ended_exceptions(session.now).iter().map(|d| {
                format!(
                    "{} ({}): {}",
                    d.message,
                    crate::ui::diagnostics::shown_origin(&d.origin),
                    d.hint.as_deref().unwrap_or_default()
                )
            }));
        let dangling = dangling?;
        if !dangling.is_empty() {
            plan.warnings.push(match session.running(&client.id)? {
                Some(holder) => format!(
                    "a run in progress, {holder}, has announced {} change(s) in `{}` it has not finished (intent without outcome): this plan shows the tenants as they were read meanwhile; plan again once that run ends",
                    dangling.len(),
                    client.id
                ),
                None => format!(
                    "an earlier run was interrupted after announcing {} change(s) in `{}` (intent without outcome): this plan re-read the tenants, so it shows what is left; the next apply records them as reconciled",
                    dangling.len(),
                    client.id
                ),
            });
        }
    }
    // The standing revocations of the ledger read above: it is not read again.
    plan.warnings.extend(
        crate::workflow::credentials::owners_left(&session.context(), Some(&ids), &ledger.blocks)
            .iter()
            .map(crate::plan::owners::OwnerLeft::message),
    );
    let credentials = super::credentials::plan_changes(&session, &ids, &ledger.blocks)?;
    let credential_changes = credentials.len();
    let mut document = document(
        &session,
        &plan,
        (&ledger, &ledger_fingerprint),
        clients.iter().map(|c| c.id.clone()).collect(),
    );
    document.credentials = credentials.iter().map(PlannedCredential::from).collect();
    show(&session, &plan, &credentials, &document)?;
    if let Some(path) = &args.out {
        // A saved plan carries the access changes only: `apply PLAN` makes no
        // credential change. (The document shown is saved without them rather than
        // copied: its changes can be many.)
        document.credentials.clear();
        atomic_file::write(path, to_json(&document).as_bytes())
            .with_context(|| format!("writing the plan to {}", path.display()))?;
        // The hint repeats `-w DIR` when the workspace was named, so it works as printed.
        let workspace = global
            .workspace
            .as_ref()
            .map(|dir| format!("-w {} ", super::shell_word(&dir.display().to_string())))
            .unwrap_or_default();
        let until = document.valid_until.map_or(String::new(), |at| {
            format!(
                " before {}, when the first grant in it ends",
                crate::model::time::format_short(at)
            )
        });
        session.printer.status(&format!(
            "Saved the plan to {}; apply it with `onboard {workspace}apply {}`{until}.",
            path.display(),
            super::shell_word(&path.display().to_string())
        ));
        if credential_changes > 0 {
            session.printer.status(&format!(
                "The saved plan holds the access changes only: the {credential_changes} credential change(s) above are made by `onboard {workspace}apply` with client names."
            ));
        }
    }
    if !hypothetical {
        record(&session, &plan, &clients);
    }
    super::access::warn_overdue(&session);
    let status = if plan.has_unknown() {
        session
            .printer
            .warn("some tenants could not be read: nothing is planned for them (exit 4)");
        ExitStatus::PartialFailure
    } else if plan.has_denials() {
        ExitStatus::PolicyDenied
    } else if args.detailed_exitcode && (plan.has_changes() || credential_changes > 0) {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    };
    // The process ends with the command: the plan (plain data, owning nothing but
    // memory) is left to the exit rather than freed a piece at a time, which took a
    // plan of 100,000 changes 0.17 s.
    std::mem::forget(plan);
    Ok(status)
}

/// Records the plan run in each client's audit chain when the signing key is at hand: a
/// plan changes nothing, so it neither creates a key nor waits for a lock. It takes the
/// lock of each planned client it can at once (runs on other clients go on, and a client
/// a run holds is that run's to record); the workspace chain gets the run, naming the
/// clients left unrecorded because a run held them. Nothing is recorded when every
/// planned client is held (or the workspace is).
fn record(session: &Session, plan: &Plan, clients: &[&crate::model::Client]) {
    let outcome = (|| -> anyhow::Result<bool> {
        if crate::audit::AuditKey::load(&session.key_source())
            .ok()
            .flatten()
            .is_none()
        {
            return Ok(false);
        }
        if !session.state.writable()? {
            anyhow::bail!("the state database does not let this role write (it may only read)");
        }
        // The clients whose chains get the plan, or one planned client when none has
        // anything to report: any client lock keeps out the runs that hold the whole
        // workspace (and write its chain), and a plan waits for none.
        let changed: Vec<&str> = clients
            .iter()
            .map(|c| c.id.as_str())
            .filter(|id| plan.entries().iter().any(|e| e.client() == *id))
            .collect();
        let wanted = if changed.is_empty() {
            clients.iter().take(1).map(|c| c.id.as_str()).collect()
        } else {
            changed
        };
        let info = session.lock_info("plan");
        let mut held: Option<crate::state::Lock> = None;
        let mut busy: Vec<&str> = Vec::new();
        for id in wanted {
            let scope = crate::state::LockScope::Client(id.to_string());
            match session.state.lock(&scope, &info, std::time::Duration::ZERO) {
                Ok(lock) => {
                    held = Some(match held.take() {
                        Some(h) => h.join(lock),
                        None => lock,
                    })
                }
                Err(_) => busy.push(id),
            }
        }
        let Some(lock) = held else {
            anyhow::bail!("a run in progress holds the clients planned");
        };
        let mut audit = session.audit_log("plan")?;
        // Each client with something to report gets the plan in its own chain (drift
        // found, denials, unknown tenants included); the workspace chain gets the run.
        // A converged plan of many clients so touches one chain, not all of them.
        for client in clients.iter().filter(|c| lock.covers(&c.id)) {
            let mine = plan.only(|e| e.client() == client.id);
            if mine.is_empty() {
                continue;
            }
            audit.append(
                &client.id,
                crate::audit::Entry {
                    kind: Some(crate::audit::EntryKind::Plan),
                    client: Some(client.id.clone()),
                    detail: Some(serde_json::to_value(mine.summary())?),
                    ..crate::audit::Entry::default()
                },
            )?;
        }
        audit.append(
            crate::audit::WORKSPACE_CHAIN,
            crate::audit::Entry {
                kind: Some(crate::audit::EntryKind::Plan),
                detail: Some(serde_json::json!({
                    "clients": clients.len(),
                    "summary": plan.summary(),
                    "not_recorded": busy,
                })),
                ..crate::audit::Entry::default()
            },
        )?;
        audit.finish(serde_json::json!({ "planned": plan.entries().len() }))?;
        Ok(true)
    })();
    match outcome {
        Ok(true) => {}
        Ok(false) => session
            .printer
            .detail("plan not recorded in the audit log: no signing key at hand"),
        Err(e) => session
            .printer
            .detail(&format!("plan not recorded in the audit log: {e}")),
    }
}
