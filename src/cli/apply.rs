//! `onboard apply`: apply a fresh plan, or a saved one, to the tenants.

use std::path::Path;

use anyhow::Context;
use clap::Args;

use super::GlobalArgs;
use super::session::{Session, apply_status};
use crate::execute::{self, ApplyContext, ChangeResult};
use crate::exit::ExitStatus;
use crate::plan::{ChangeKind, Plan};
use crate::state::{Ledger, WorkspaceLock};
use crate::ui::OutputFormat;
use crate::ui::diagnostics::UserError;
use crate::ui::documents::{ApplyDocument, ChangeOutcome, FORMAT_VERSION, PlanDocument, to_json};
use crate::ui::progress::ApplyProgress;
use crate::ui::prompt::confirm;
use crate::ui::tables::{plan_table, result_word, results_table};

/// Apply a fresh plan, or a saved one
///
/// With client names (or none, meaning every client), works out a fresh plan, shows it,
/// asks for confirmation and applies it. With the path of a plan saved by
/// `onboard plan --out FILE`, applies exactly that plan, and refuses it if the workspace
/// or the ledger changed since it was made. Drift is left alone unless `--prune` is
/// given. One tenant failing does not stop the others; the exit code says so (4).
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
}

pub(super) fn run(global: &GlobalArgs, args: ApplyArgs) -> anyhow::Result<ExitStatus> {
    let session = Session::open(global)?;
    let lock = session.lock("apply")?;
    let (ledger, ledger_fingerprint) = session.ledger()?;
    let saved = match args.targets.as_slice() {
        [one] if !session.workspace.clients.contains_key(one) && Path::new(one).is_file() => {
            Some(one)
        }
        _ => None,
    };
    let plan = match saved {
        Some(path) => load_saved(&session, Path::new(path), &ledger_fingerprint)?,
        None => {
            let clients = session.select(&args.targets)?;
            session.plan(&clients, &ledger, &[])
        }
    };
    execute_plan(&session, &lock, ledger, &plan, args.yes, args.prune)
}

fn load_saved(session: &Session, path: &Path, ledger_fingerprint: &str) -> anyhow::Result<Plan> {
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
    let stale = if document.workspace_fingerprint != session.workspace.fingerprint {
        Some("the workspace files changed")
    } else if document.ledger_fingerprint != ledger_fingerprint {
        Some("the grant ledger changed (another apply ran)")
    } else {
        None
    };
    if let Some(what) = stale {
        return Err(UserError::new(format!(
            "refusing the saved plan {}: {what} since it was made",
            path.display()
        ))
        .hint("make a fresh plan with `onboard plan --out FILE`, review it, and apply that")
        .into());
    }
    Ok(document.plan())
}

/// Shows the actionable part of a plan, confirms, applies it and reports the results.
pub(super) fn execute_plan(
    session: &Session,
    lock: &WorkspaceLock,
    ledger: Ledger,
    plan: &Plan,
    yes: bool,
    prune: bool,
) -> anyhow::Result<ExitStatus> {
    let printer = &session.printer;
    for warning in &plan.warnings {
        printer.warn(warning);
    }
    let unknown: Vec<_> = plan
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Unknown)
        .collect();
    for change in &unknown {
        printer.warn(&format!(
            "tenant `{}/{}` could not be read, so nothing is applied to it: {}",
            change.client, change.tenant, change.reason
        ));
    }
    let actionable = Plan {
        changes: plan
            .changes
            .iter()
            .filter(|c| c.kind != ChangeKind::Unknown && (c.kind != ChangeKind::Drift || prune))
            .cloned()
            .collect(),
        warnings: Vec::new(),
    };
    let drift = plan.summary().drift;
    if drift > 0 && !prune {
        printer.status(&format!(
            "{drift} drift change(s) left alone: pass `--prune` to revoke them."
        ));
    }
    if actionable.changes.is_empty() {
        printer.status("Nothing to apply: the tenants match the workspace.");
        if printer.format == OutputFormat::Json {
            printer.data(&to_json(&apply_document(&[])))?;
        }
        return Ok(apply_status(0, unknown.len()));
    }
    if !printer.quiet {
        eprint!("{}", plan_table(&actionable, printer.color_stderr));
    }
    if !yes {
        let question = format!("Apply these {} change(s)?", actionable.changes.len());
        if !confirm(&question)? {
            return Err(UserError::new("cancelled: nothing was changed").into());
        }
    }
    let context = ApplyContext {
        workspace: &session.workspace,
        root: &session.root,
        state: &session.state,
        lock,
        actor: &session.actor,
        now: session.now,
        adapters: &session.adapters,
    };
    let progress = ApplyProgress::new(printer.progress);
    let results = execute::apply(&context, ledger, &actionable.changes, &progress)?;
    let document = apply_document(&results);
    match printer.format {
        OutputFormat::Json => printer.data(&to_json(&document))?,
        OutputFormat::Table | OutputFormat::Markdown => {
            printer.data(&results_table(&results, printer.color_stdout))?
        }
    }
    printer.status(&format!(
        "Applied {}, unchanged {}, failed {}.",
        document.applied, document.unchanged, document.failed
    ));
    for failure in results.iter().filter_map(|r| r.result.as_ref().err()) {
        if let Some(hint) = &failure.hint {
            printer.detail(&format!("hint for `{}`: {hint}", failure.tenant));
        }
    }
    Ok(apply_status(document.failed, unknown.len()))
}

fn apply_document(results: &[ChangeResult]) -> ApplyDocument {
    let outcomes: Vec<ChangeOutcome> = results
        .iter()
        .map(|r| ChangeOutcome {
            change: r.change.clone(),
            result: result_word(r).to_string(),
            error: r.result.as_ref().err().map(ToString::to_string),
        })
        .collect();
    let count = |word: &str| outcomes.iter().filter(|o| o.result == word).count();
    ApplyDocument {
        format_version: FORMAT_VERSION,
        applied: count("applied"),
        unchanged: count("unchanged"),
        failed: count("failed"),
        results: outcomes,
    }
}
