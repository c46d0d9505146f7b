//! `onboard apply`: apply a fresh plan, or a saved one, to the tenants.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Context;
use clap::Args;

use super::GlobalArgs;
use super::session::{Session, apply_status};
use crate::execute::Applied;
use crate::exit::ExitStatus;
use crate::plan::{EntryRef, Plan, PlanEntry};
use crate::state::{Ledger, Lock};
use crate::ui::OutputFormat;
use crate::ui::diagnostics::UserError;
use crate::ui::documents::{
    ApplyDocument, ChangeOutcome, ConfigurationFailed, FORMAT_VERSION, PlanDocument,
};
use crate::ui::progress::ApplyProgress;
use crate::ui::prompt::confirm;
use crate::ui::tables::{plan_table, result_word, results_table};
pub(super) use crate::workflow::apply::Run;
use crate::workflow::apply::{Prepared, sends};

/// Apply a fresh plan, or a saved one
///
/// With client names (or none, meaning every client), works out a fresh plan, shows it,
/// asks for confirmation and applies it. With the path of a plan saved by
/// `onboard plan --out FILE`, applies exactly that plan, locking the clients it changes,
/// and refuses it if the workspace, the ledger of a client it changes or the standing
/// revocations changed since it was made, or once a grant in it has ended (its
/// `valid_until`). A tenant's own configuration changes (GDAP access assignments, Okta
/// group roles) are made exactly as the plan lists them; the run is refused, with nothing
/// sent, if a tenant's configuration is no longer as the plan saw it. Drift is left alone
/// unless `--prune` is given. One tenant failing does not stop the others; the exit code says so (4).
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Clients to apply (default: every client), or one saved plan file
    #[arg(value_name = "CLIENT|PLAN")]
    pub targets: Vec<String>,

    /// Apply without asking for confirmation
    ///
    /// Required when there is no terminal to ask on (CI, scripts).
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Also revoke drift: access held in managed entitlements that onboard neither
    /// granted nor wants
    #[arg(long)]
    pub prune: bool,

    /// Revoke more of a tenant's grants than the policy's mass-revoke limit, once a
    /// second person approved exactly these removals (`onboard approve`)
    #[arg(long)]
    pub allow_mass_revoke: bool,
}

pub(super) fn run(global: &GlobalArgs, args: ApplyArgs) -> anyhow::Result<ExitStatus> {
    let started = std::time::Instant::now();
    let session = Session::open(global)?;
    let status = apply(&session, args);
    // The state's share of the run, measured (the benchmark of team state reads it).
    if let Some(timing) = session.state.timing() {
        session.printer.detail(&format!(
            "state: {} calls, {:.2} s of {:.2} s ({:.2} s summed over threads)",
            timing.calls,
            timing.busy.as_secs_f64(),
            started.elapsed().as_secs_f64(),
            timing.spent.as_secs_f64()
        ));
        let longest: Vec<String> = timing
            .by_call
            .iter()
            .take(4)
            .map(|(method, calls, spent)| {
                format!("{method} ({calls} calls, {:.2} s)", spent.as_secs_f64())
            })
            .collect();
        if !longest.is_empty() {
            session.printer.detail(&format!(
                "state calls, longest first: {}",
                longest.join(", ")
            ));
        }
    }
    status
}

/// Applies what `args` name through the open `session`.
fn apply(session: &Session, args: ApplyArgs) -> anyhow::Result<ExitStatus> {
    let saved = match args.targets.as_slice() {
        [one] if !session.workspace.clients.contains_key(one) && Path::new(one).is_file() => {
            Some(one)
        }
        _ => None,
    };
    // Named clients lock those clients only, and a saved plan the clients it changes:
    // runs on other clients go on meanwhile. Every client locks the workspace.
    let document = saved.map(|path| read_saved(Path::new(path))).transpose()?;
    let lock = match &document {
        Some(document) => {
            let ids: BTreeSet<&str> = document.changes.iter().map(|c| c.client.as_str()).collect();
            if ids.is_empty() {
                session.lock("apply")?
            } else {
                session.lock_clients("apply", &ids.into_iter().collect::<Vec<_>>())?
            }
        }
        None if !args.targets.is_empty() => {
            let clients = session.select(&args.targets)?;
            let ids: Vec<&str> = clients.iter().map(|c| c.id.as_str()).collect();
            session.lock_clients("apply", &ids)?
        }
        None => session.lock("apply")?,
    };
    let (ledger, ledger_fingerprint) = session.ledger()?;
    let plan = match (saved, document) {
        (Some(path), Some(document)) => check_saved(
            session,
            Path::new(path),
            document,
            &ledger,
            &ledger_fingerprint,
        )?,
        _ => {
            let clients = session.select(&args.targets)?;
            session.plan(&clients, &ledger, &[])?
        }
    };
    // Credentials first: a run that crashed mid-rotation is repaired before anything
    // else reconciles its interrupted changes. A saved plan holds access changes only,
    // so it carries out no credential change (they are named, for a fresh `apply`).
    let credentials_failed = match &saved {
        Some(_) => {
            let clients: BTreeSet<&str> =
                plan.entries().into_iter().map(EntryRef::client).collect();
            super::credentials::warn_not_in_saved_plan(
                session,
                &clients.into_iter().collect::<Vec<_>>(),
                &ledger.blocks,
            )?;
            0
        }
        None => {
            let clients = session.select(&args.targets)?;
            let ids: Vec<&str> = clients.iter().map(|c| c.id.as_str()).collect();
            super::credentials::apply_phase(
                session,
                &lock,
                (&ids, &ledger.blocks),
                args.yes,
                "apply",
            )?
        }
    };
    let status = execute_plan(
        session,
        &lock,
        ledger,
        &plan,
        &Run {
            command: "apply",
            prune: args.prune,
            allow_mass_revoke: args.allow_mass_revoke,
            ..Run::default()
        },
        args.yes,
    )?;
    Ok(match status {
        ExitStatus::Success if credentials_failed > 0 => ExitStatus::PartialFailure,
        other => other,
    })
}

/// Reads a saved plan, refusing one of another format version.
fn read_saved(path: &Path) -> anyhow::Result<PlanDocument> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the plan {}", path.display()))?;
    let document: PlanDocument = serde_json::from_str(&text).map_err(|e| {
        UserError::new(format!("{} is not a saved plan: {e}", path.display()))
            .hint("save a plan with `onboard plan --out FILE`")
    })?;
    if document.format_version != FORMAT_VERSION {
        return Err(UserError::new(format!(
            "the plan {} has format version {}, this onboard reads {FORMAT_VERSION}",
            path.display(),
            document.format_version
        ))
        .hint("make the plan again with this version of onboard")
        .into());
    }
    Ok(document)
}

/// Returns the plan a saved document holds, unless it is stale: the workspace changed,
/// the ledger changed where the plan depends on it (the clients it changes, the standing
/// revocations; the whole ledger for a plan without pins), or a grant in it ended.
fn check_saved(
    session: &Session,
    path: &Path,
    document: PlanDocument,
    ledger: &Ledger,
    ledger_fingerprint: &str,
) -> anyhow::Result<Plan> {
    let ledger_moved = match &document.ledger_pins {
        Some(pins) if pins.blocks != ledger.blocks_digest() => Some(
            "the standing revocations changed since it was made (`onboard revoke` ran)".to_string(),
        ),
        Some(pins) => {
            let now = ledger.client_digests(pins.clients.keys().map(String::as_str));
            let moved: Vec<String> = pins
                .clients
                .iter()
                .filter(|(client, digest)| now.get(*client) != Some(*digest))
                .map(|(client, _)| format!("`{client}`"))
                .collect();
            (!moved.is_empty()).then(|| {
                format!(
                    "the grant ledger of {} changed since it was made (another apply ran)",
                    moved.join(", ")
                )
            })
        }
        None => (document.ledger_fingerprint != ledger_fingerprint)
            .then(|| "the grant ledger changed since it was made (another apply ran)".to_string()),
    };
    let stale = if document.workspace_fingerprint != session.workspace.fingerprint {
        Some("the workspace files changed since it was made".to_string())
    } else {
        ledger_moved
    };
    let plan = document.plan().map_err(|e| {
        UserError::new(format!("{} is not a saved plan: {e}", path.display()))
            .hint("save a plan with `onboard plan --out FILE`")
    })?;
    let ended = plan
        .first_end()
        .filter(|c| c.expires_at.is_some_and(|at| at <= session.now));
    let ended = ended.map(|c| {
        format!(
            "the {} of `{}` to `{}` in `{}/{}` in it ended {}: the plan was valid only until then",
            c.kind.as_str(),
            c.entitlement
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            c.identity.as_deref().unwrap_or("-"),
            c.client,
            c.tenant,
            c.expires_at
                .map(crate::model::time::format_short)
                .unwrap_or_default()
        )
    });
    let stale = stale.or(ended);
    if let Some(what) = stale {
        return Err(UserError::new(format!(
            "refusing the saved plan {}: {what}",
            path.display()
        ))
        .hint("make a fresh plan with `onboard plan --out FILE`, review it, and apply that")
        .into());
    }
    Ok(plan)
}

/// Shows the actionable part of a plan, confirms (unless `yes`), applies it with
/// write-ahead audit entries (see [`crate::workflow::apply`]) and reports the results.
pub(super) fn execute_plan(
    session: &Session,
    lock: &Lock,
    ledger: Ledger,
    plan: &Plan,
    run: &Run,
    yes: bool,
) -> anyhow::Result<ExitStatus> {
    let prune = run.prune;
    let mut prepared = crate::workflow::apply::prepare(&session.context(), plan, prune)?;
    // Chains of clients another run may be writing are that run's to finish.
    prepared.interrupted.retain(|client| lock.covers(client));
    let printer = &session.printer;
    report_not_sent(session, &prepared);
    let desk = session.desk(lock);
    let admission = crate::workflow::apply::admit(&desk, &ledger, &prepared, run)?;
    let Prepared {
        plan,
        actionable,
        unknown,
        denied,
        ..
    } = &prepared;
    if admission.over {
        printer.status(&match unknown.len() {
            0 => "Nothing to apply: the tenants match the workspace.".to_string(),
            n => format!(
                "Nothing to apply to the tenants that were read; {n} tenant(s) could not be read, so nothing was applied to them."
            ),
        });
        if printer.format == OutputFormat::Json {
            printer.document(&apply_document(&Applied::default(), plan))?;
        }
        return Ok(apply_status(0, unknown.len(), denied.len()));
    }
    let nothing = prepared.nothing();
    if !nothing && !printer.quiet {
        // What is applied, and what is not (unread tenants, denied grants), so the plan's
        // counts tell the whole truth.
        let shown = Plan {
            configuration: actionable.configuration.clone(),
            ..plan.only(|e| !matches!(e, EntryRef::Change(c) if !sends(c, prune)))
        };
        printer.report(&plan_table(&shown, printer.color_stderr));
    }
    let approval = if nothing {
        None
    } else {
        crate::workflow::apply::guard::check(
            &desk,
            &ledger,
            actionable,
            run,
            &admission.denials,
            &prepared.interrupted,
        )?
    };
    if let Some(approval) = &approval {
        printer.status(&format!(
            "Mass revocation approved by `{}` in request {}.",
            approval.by, approval.request
        ));
    }
    if !yes {
        let question = match admission.new_block(run) {
            Some(block) if nothing => format!(
                "Revoke {} `{}`? No tenant holds anything in its scope now; the revocation keeps it from being granted.",
                block.scope.as_str(),
                block.value
            ),
            _ => format!("Apply these {} change(s)?", actionable.changes.len()),
        };
        if !confirm(&question)? {
            return Err(UserError::new("cancelled: nothing was changed").into());
        }
        // The answer may have come minutes after the plan's read: tenants are opened and
        // verified again rather than through connections that may have gone idle.
        session.adapters.opened.clear();
    }
    if let Some(approval) = &approval {
        printer.status(&format!(
            "Mass revocation {}: proceeding.",
            approval.request
        ));
    }
    let progress = ApplyProgress::new(printer.progress);
    let applied = crate::workflow::apply::execute(
        &desk,
        ledger,
        &prepared,
        run,
        admission,
        approval.as_ref(),
        &progress,
    )?;
    if nothing {
        printer.status("Nothing to apply: the revocation is recorded.");
        if printer.format == OutputFormat::Json {
            printer.document(&apply_document(&Applied::default(), plan))?;
        }
        return Ok(apply_status(0, unknown.len(), denied.len()));
    }
    // The JSON document (a row per change) is built only to be printed.
    match printer.format {
        OutputFormat::Json => printer.document(&apply_document(&applied, plan))?,
        OutputFormat::Table | OutputFormat::Markdown => {
            printer.data_parts(results_table(&applied, printer.color_stdout))?
        }
    }
    let counts = crate::workflow::apply::Counts::of(&applied);
    let unread = match unknown.len() {
        0 => String::new(),
        n => format!("; {n} tenant(s) could not be read, so nothing was applied to them"),
    };
    printer.status(&format!(
        "Applied {}, unchanged {}, failed {}{unread}.",
        counts.applied, counts.unchanged, counts.failed
    ));
    let configuration = applied.configuration_failures.iter().map(|f| &f.error);
    for failure in applied
        .results
        .iter()
        .filter_map(|r| r.result.as_ref().err())
        .chain(configuration)
    {
        if let Some(hint) = &failure.hint {
            printer.detail(&format!("hint for `{}`: {hint}", failure.tenant));
        }
    }
    Ok(apply_status(counts.failed, unknown.len(), denied.len()))
}

/// Says what the run does not send: tenants that could not be read, drift left alone
/// and grants policy refuses (said even with `--quiet`: it is why the run exits 3).
fn report_not_sent(session: &Session, prepared: &Prepared<'_>) {
    let printer = &session.printer;
    for warning in &prepared.plan.warnings {
        printer.warn(warning);
    }
    for unknown in &prepared.unknown {
        printer.warn(&format!(
            "tenant `{}/{}` could not be read ({}), so nothing is applied to it: {}{}",
            unknown.client,
            unknown.tenant,
            unknown.error_code,
            unknown.reason,
            unknown
                .hint
                .as_ref()
                .map(|h| format!("; hint: {h}"))
                .unwrap_or_default()
        ));
    }
    if prepared.drift_left > 0 {
        printer.status(&format!(
            "{} drift change(s) left alone: pass `--prune` to revoke them.",
            prepared.drift_left
        ));
    }
    for denial in &prepared.denied {
        printer.error(&format!(
            "policy `{}`: {} ({}); {}",
            denial.rule, denial.reason, denial.origin, denial.hint
        ));
    }
}

fn apply_document(applied: &Applied<'_>, plan: &Plan) -> ApplyDocument {
    let outcomes: Vec<ChangeOutcome> = applied
        .results
        .iter()
        .map(|r| ChangeOutcome {
            change: PlanEntry::from(r.change),
            result: result_word(r).to_string(),
            error: r.result.as_ref().err().map(ToString::to_string),
        })
        .collect();
    let counts = crate::workflow::apply::Counts::of(applied);
    ApplyDocument {
        format_version: FORMAT_VERSION,
        applied: counts.applied,
        unchanged: counts.unchanged,
        failed: counts.failed,
        configuration_failed: applied
            .configuration_failures
            .iter()
            .map(|f| ConfigurationFailed {
                client: f.client.clone(),
                tenant: f.tenant.clone(),
                error: f.error.to_string(),
            })
            .collect(),
        unknown: plan.unknown.len(),
        results: outcomes,
        not_applied: plan
            .entries()
            .into_iter()
            .filter(|e| !matches!(e, EntryRef::Change(_)))
            .map(PlanEntry::from)
            .collect(),
    }
}
