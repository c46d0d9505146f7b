//! `onboard apply`: apply a fresh plan, or a saved one, to the tenants.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Mutex;

use anyhow::Context;
use clap::Args;

use super::GlobalArgs;
use super::session::{Session, apply_status};
use crate::audit::{AuditLog, Entry, EntryKind};
use crate::execute::{self, Applied, ApplyContext, ChangeResult};
use crate::exit::ExitStatus;
use crate::model::{AccessRequest, Block, RequestKind, RequestStatus, ReviewItem};
use crate::plan::{Change, ChangeKind, Plan, Summary};
use crate::state::{Ledger, Lock};
use crate::ui::OutputFormat;
use crate::ui::diagnostics::UserError;
use crate::ui::documents::{
    ApplyDocument, ChangeOutcome, ConfigurationFailed, FORMAT_VERSION, PlanDocument,
};
use crate::ui::progress::ApplyProgress;
use crate::ui::prompt::confirm;
use crate::ui::tables::{plan_table, result_word, results_table};
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
            "state: {} calls, {:.2} s of {:.2} s",
            timing.calls,
            timing.spent.as_secs_f64(),
            started.elapsed().as_secs_f64()
        ));
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
            let clients: BTreeSet<&str> = plan.changes.iter().map(|c| c.client.as_str()).collect();
            super::credentials::warn_not_in_saved_plan(
                session,
                &clients.into_iter().collect::<Vec<_>>(),
            )?;
            0
        }
        None => {
            let clients = session.select(&args.targets)?;
            let ids: Vec<&str> = clients.iter().map(|c| c.id.as_str()).collect();
            super::credentials::apply_phase(session, &lock, &ids, args.yes, "apply")?
        }
    };
    let status = execute_plan(
        session,
        &lock,
        ledger,
        &plan,
        &Run {
            command: "apply",
            yes: args.yes,
            prune: args.prune,
            preface: Vec::new(),
            allow_mass_revoke: args.allow_mass_revoke,
            block: None,
        },
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
            let moved: Vec<String> = pins
                .clients
                .iter()
                .filter(|(client, digest)| ledger.client_digest(client) != **digest)
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
    let plan = document.plan();
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

/// How an apply-like command runs a plan.
pub(super) struct Run {
    /// The command, as recorded in the audit log.
    pub command: &'static str,
    /// Apply without confirmation.
    pub yes: bool,
    /// Also apply drift.
    pub prune: bool,
    /// Entries to write to the audit log before the changes (chain, entry).
    pub preface: Vec<(String, Entry)>,
    /// Revoke more than the mass-revoke limit, given a second person's approval.
    pub allow_mass_revoke: bool,
    /// The standing revocation `onboard revoke` records, once the run goes ahead.
    pub block: Option<Block>,
}

/// Shows the actionable part of a plan, confirms, applies it with write-ahead audit
/// entries and reports the results.
pub(super) fn execute_plan(
    session: &Session,
    lock: &Lock,
    ledger: Ledger,
    plan: &Plan,
    run: &Run,
) -> anyhow::Result<ExitStatus> {
    let (yes, prune) = (run.yes, run.prune);
    let mut prepared = crate::workflow::apply::prepare(&session.context(), plan, prune)?;
    // Chains of clients another run may be writing are that run's to finish.
    prepared.interrupted.retain(|client| lock.covers(client));
    let Prepared {
        plan,
        actionable,
        unknown,
        denied,
        drift_left,
        interrupted,
    } = &prepared;
    let printer = &session.printer;
    for warning in &plan.warnings {
        printer.warn(warning);
    }
    for change in unknown {
        printer.warn(&format!(
            "tenant `{}/{}` could not be read ({}), so nothing is applied to it: {}{}",
            change.client,
            change.tenant,
            change.error_code.as_deref().unwrap_or("unknown"),
            change.reason,
            change
                .hint
                .as_ref()
                .map(|h| format!("; hint: {h}"))
                .unwrap_or_default()
        ));
    }
    if *drift_left > 0 {
        printer.status(&format!(
            "{drift_left} drift change(s) left alone: pass `--prune` to revoke them."
        ));
    }
    for change in denied {
        // Said even with `--quiet`: it is why the run exits 3.
        printer.error(&format!(
            "policy `{}`: {} ({}); {}",
            change.rule.as_deref().unwrap_or("?"),
            change.reason,
            change.origin.as_deref().unwrap_or("-"),
            change.hint.as_deref().unwrap_or("")
        ));
    }
    // Denied grants are never sent; each refusal goes to the audit log.
    let denials: Vec<(String, Entry)> = denied
        .iter()
        .map(|c| (c.client.clone(), denial_entry(c)))
        .collect();
    let nothing = prepared.nothing();
    // A standing revocation this run would add: recorded only once the run goes ahead.
    let new_block = run.block.as_ref().filter(|b| {
        !ledger
            .blocks
            .iter()
            .any(|x| x.scope == b.scope && x.value == b.value)
    });
    let needs_audit = !nothing
        || new_block.is_some()
        || !run.preface.is_empty()
        || !denials.is_empty()
        || !interrupted.is_empty();
    if needs_audit {
        // Before anything is recorded or asked: a run that cannot sign its audit entries
        // records nothing.
        session.check_audit()?;
    }
    if nothing && new_block.is_none() {
        if needs_audit {
            let mut audit = session.audit_log(run.command)?;
            record_preface(&mut audit, &[&run.preface, &denials], interrupted)?;
            audit.finish(serde_json::json!({ "applied": 0, "unchanged": 0, "failed": 0 }))?;
        }
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
    if !nothing && !printer.quiet {
        // What is applied, and what is not (unread tenants, denied grants), so the plan's
        // counts tell the whole truth.
        let shown = Plan {
            configuration: actionable.configuration.clone(),
            ..plan.only(|c| {
                sends(c, prune) || matches!(c.kind, ChangeKind::Unknown | ChangeKind::Denied)
            })
        };
        printer.report(&plan_table(&shown, printer.color_stderr));
    }
    let approval = if nothing {
        None
    } else {
        match mass_revoke_guard(session, &ledger, actionable, run)? {
            Guard::Clear => None,
            Guard::Approved(id) => Some(id),
            Guard::Refused(refusal) => {
                // The refusal goes ahead as a refusal: its denials and the pending
                // request a second person approves; the run's own preface (a revocation)
                // is not recorded, for it was not carried out.
                let mut audit = session.audit_log(run.command)?;
                record_preface(&mut audit, &[&denials, &refusal.entries], interrupted)?;
                if let Some(request) = refusal.request {
                    let mut requests = session.state.load_requests()?;
                    requests.requests.push(request);
                    session.state.save_requests(&requests, lock)?;
                }
                audit.finish(serde_json::json!({ "refused": "mass-revoke" }))?;
                return Err(refusal.error.into());
            }
        }
    };
    if !yes {
        let question = match new_block {
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
    if !nothing {
        refuse_moved_configuration(session, actionable)?;
    }
    // Confirmed: from here on the run goes ahead and records what it does.
    let mut audit = session.audit_log(run.command)?;
    record_preface(&mut audit, &[&run.preface, &denials], interrupted)?;
    if let Some(id) = approval {
        use_mass_revoke_approval(session, lock, &id)?;
    }
    let mut ledger = ledger;
    if let Some(block) = new_block {
        ledger.blocks.push(block.clone());
        // Recorded before any tenant is touched, so a crash cannot let the access return.
        session.state.save_ledger(&ledger, lock)?;
    }
    if nothing {
        audit.finish(serde_json::json!({ "applied": 0, "unchanged": 0, "failed": 0 }))?;
        printer.status("Nothing to apply: the revocation is recorded.");
        if printer.format == OutputFormat::Json {
            printer.document(&apply_document(&Applied::default(), plan))?;
        }
        return Ok(apply_status(0, unknown.len(), denied.len()));
    }
    let mut by_client: BTreeMap<&str, Vec<&Change>> = BTreeMap::new();
    for change in &actionable.changes {
        by_client.entry(&change.client).or_default().push(change);
    }
    for (client, mine) in by_client {
        let summary = Summary::of(mine);
        audit.append(
            client,
            Entry {
                kind: Some(EntryKind::Plan),
                client: Some(client.to_string()),
                detail: Some(serde_json::to_value(summary)?),
                ..Entry::default()
            },
        )?;
    }
    audit.sync()?;
    let audit = Mutex::new(audit);
    let context = ApplyContext {
        workspace: &session.workspace,
        root: &session.root,
        state: session.state.as_ref(),
        lock,
        actor: &session.actor,
        now: session.now,
        audit: &audit,
        adapters: &session.adapters,
    };
    let progress = ApplyProgress::new(printer.progress);
    let applied = execute::apply(
        &context,
        ledger,
        &actionable.changes,
        &actionable.configuration,
        &progress,
    )?;
    let results = &applied.results;
    open_exception_reviews(session, lock, results)?;
    let document = apply_document(&applied, plan);
    audit
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .finish(serde_json::json!({ "applied": document.applied, "unchanged": document.unchanged, "failed": document.failed }))?;
    match printer.format {
        OutputFormat::Json => printer.document(&document)?,
        OutputFormat::Table | OutputFormat::Markdown => {
            printer.data(&results_table(&applied, printer.color_stdout))?
        }
    }
    let unread = match document.unknown {
        0 => String::new(),
        n => format!("; {n} tenant(s) could not be read, so nothing was applied to them"),
    };
    printer.status(&format!(
        "Applied {}, unchanged {}, failed {}{unread}.",
        document.applied, document.unchanged, document.failed
    ));
    let configuration = applied.configuration_failures.iter().map(|f| &f.error);
    for failure in results
        .iter()
        .filter_map(|r| r.result.as_ref().err())
        .chain(configuration)
    {
        if let Some(hint) = &failure.hint {
            printer.detail(&format!("hint for `{}`: {hint}", failure.tenant));
        }
    }
    Ok(apply_status(document.failed, unknown.len(), denied.len()))
}

/// Refuses the run, before anything is recorded or sent, when a tenant's own
/// configuration (GDAP access assignments, Okta group admin roles) is no longer as the
/// plan saw it: `apply` carries out the plan's configuration changes exactly, never
/// changes worked out from another state.
fn refuse_moved_configuration(session: &Session, actionable: &Plan) -> anyhow::Result<()> {
    let moved = crate::workflow::apply::moved_configuration(&session.context(), actionable);
    let Some(first) = moved.first() else {
        return Ok(());
    };
    let more = match moved.len() {
        1 => String::new(),
        n => format!(
            " (and {} more tenant(s): {})",
            n - 1,
            moved[1..]
                .iter()
                .map(|m| format!("`{}/{}`", m.client, m.tenant))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Err(UserError::new(format!(
        "refusing the plan: the own configuration of `{}/{}` changed since the plan was made: {}{more}; nothing was sent",
        first.client, first.tenant, first.why
    ))
    .hint("make a fresh plan with `onboard plan`, review what the tenant needs now, and apply that")
    .into())
}

/// A refused mass revocation: the pending request to store (none when one is pending
/// already), what to audit and the error to report.
struct MassRevokeRefusal {
    request: Option<AccessRequest>,
    entries: Vec<(String, Entry)>,
    error: UserError,
}

/// What the mass-revoke guard decided.
enum Guard {
    /// Within the limits.
    Clear,
    /// Over the limits, but a second person approved exactly these removals in this
    /// request: it is marked used once the run goes ahead.
    Approved(String),
    /// Refused.
    Refused(Box<MassRevokeRefusal>),
}

/// Stops a run that would revoke more of a tenant's grants than policy allows, unless
/// `--allow-mass-revoke` is given and a second person approved exactly these removals.
/// A refusal opens (or reuses) a pending mass-revoke request for that approval. Writes
/// nothing: the caller records the outcome.
fn mass_revoke_guard(
    session: &Session,
    ledger: &Ledger,
    actionable: &Plan,
    run: &Run,
) -> anyhow::Result<Guard> {
    let policy = &session.workspace.policy;
    let over = crate::plan::mass_revocations(
        &actionable.changes,
        &ledger.grants,
        policy.mass_revoke_count.value,
        policy.mass_revoke_share.value,
    );
    if over.is_empty() {
        return Ok(Guard::Clear);
    }
    let fingerprint = crate::plan::removals_fingerprint(&actionable.changes);
    let summary = over
        .iter()
        .map(|m| {
            format!(
                "{} of {} grants in {}/{}",
                m.removals, m.managed, m.client, m.tenant
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let requests = session.state.load_requests()?;
    let expiry = policy.request_expiry;
    if run.allow_mass_revoke
        && let Some(approved) = requests.requests.iter().find(|r| {
            r.kind == RequestKind::MassRevoke
                && r.status == RequestStatus::Approved
                && r.fingerprint.as_deref() == Some(fingerprint.as_str())
        })
    {
        session.printer.status(&format!(
            "Mass revocation approved by `{}` in request {}.",
            approved.decided_by.as_deref().unwrap_or("?"),
            approved.id
        ));
        return Ok(Guard::Approved(approved.id.clone()));
    }
    let requester = session
        .workspace
        .identity_of_actor(&session.actor)
        .map_or_else(|| session.actor.clone(), |i| i.id.clone());
    let existing = requests.requests.iter().find(|r| {
        r.kind == RequestKind::MassRevoke
            && r.status_at(session.now, expiry) == RequestStatus::Pending
            && r.fingerprint.as_deref() == Some(fingerprint.as_str())
    });
    let (id, request) = match existing {
        Some(r) => (r.id.clone(), None),
        None => {
            let mut request = AccessRequest::new(
                crate::workflow::request::new_id("mr"),
                RequestKind::MassRevoke,
                &over[0].client,
                &format!("`onboard {}` would revoke {summary}", run.command),
                (&requester, &session.actor),
                session.now,
            );
            request.fingerprint = Some(fingerprint.clone());
            request.summary = Some(summary.clone());
            request.revocation = run.block.as_ref().map(|b| crate::model::Revocation {
                scope: b.scope,
                value: b.value.clone(),
            });
            (request.id.clone(), Some(request))
        }
    };
    let limit = format!(
        "at most {} grants or {:.0}% of a tenant's grants at once ({})",
        policy.mass_revoke_count.value,
        policy.mass_revoke_share.value * 100.0,
        policy.mass_revoke_count.origin
    );
    let entries = over
        .iter()
        .map(|m| {
            (m.client.clone(), Entry {
                kind: Some(EntryKind::Denial),
                client: Some(m.client.clone()),
                tenant: Some(m.tenant.clone()),
                result: Some("denied".into()),
                error_code: Some("mass-revoke".into()),
                error: Some(format!("would revoke {} of {} grants; policy allows {limit}", m.removals, m.managed)),
                detail: Some(serde_json::json!({ "rule": "mass-revoke", "request": id, "command": run.command })),
                ..Entry::default()
            })
        })
        .collect();
    let next = if run.block.is_some() {
        "once approved, it is carried out at once"
    } else {
        "then run the same command again with `--allow-mass-revoke`"
    };
    let error = UserError::new(format!("refusing to revoke {summary}: policy allows {limit}"))
        .hint(format!(
            "a second person approves it with `onboard approve {id}` (pending request {id}, see `onboard requests`); {next}"
        ))
        .status(ExitStatus::PolicyDenied);
    Ok(Guard::Refused(Box::new(MassRevokeRefusal {
        request,
        entries,
        error,
    })))
}

/// Marks an approved mass-revoke request used, once the run it approved goes ahead.
fn use_mass_revoke_approval(session: &Session, lock: &Lock, id: &str) -> anyhow::Result<()> {
    let mut requests = session.state.load_requests()?;
    if let Some(request) = requests.requests.iter_mut().find(|r| r.id == id) {
        request.status = RequestStatus::Used;
        session.state.save_requests(&requests, lock)?;
    }
    session
        .printer
        .status(&format!("Mass revocation {id}: proceeding."));
    Ok(())
}

/// Opens a review item for each exception that was used for the first time.
fn open_exception_reviews(
    session: &Session,
    lock: &Lock,
    results: &[ChangeResult],
) -> anyhow::Result<()> {
    // Exceptions used by this run, once each: one read and at most one write of the
    // reviews however many grants an exception gives.
    let mut used: BTreeSet<(&str, &str)> = BTreeSet::new();
    for result in results
        .iter()
        .filter(|r| r.result.is_ok() && r.change.kind == ChangeKind::Grant)
    {
        for source in &result.change.sources {
            if let Some(id) = source.strip_prefix("exception:") {
                used.insert((&result.change.client, id));
            }
        }
    }
    if used.is_empty() {
        return Ok(());
    }
    let mut reviews = session.state.load_reviews()?;
    let before = reviews.reviews.len();
    for (client, id) in used {
        let subject = format!("{client}/{id}");
        let Some(exception) = session
            .workspace
            .clients
            .get(client)
            .and_then(|c| c.exceptions.iter().find(|e| e.id == id))
        else {
            continue;
        };
        if reviews.reviews.iter().any(|r| r.subject == subject) {
            continue;
        }
        reviews.reviews.push(ReviewItem::open(
            crate::workflow::request::new_id("rev"),
            "exception",
            subject,
            (client, &exception.identity.0),
            format!(
                "exception `{id}` approved by `{}`: {}",
                exception.approver.0, exception.reason
            ),
            session.now,
            session.workspace.policy.review_within,
        ));
    }
    if reviews.reviews.len() > before {
        session.state.save_reviews(&reviews, lock)?;
    }
    Ok(())
}

/// Returns the audit entry of a policy refusal.
pub(super) fn denial_entry(change: &Change) -> Entry {
    let mut entry = crate::execute::entry_of(change, String::new());
    entry.change = None;
    entry.kind = Some(EntryKind::Denial);
    entry.result = Some("denied".into());
    entry.error_code = change.rule.clone();
    entry.detail = Some(
        serde_json::json!({ "rule": change.rule, "cause": change.origin, "hint": change.hint }),
    );
    entry
}

/// Writes the run's preface entries and closes interrupted changes of earlier runs.
fn record_preface(
    audit: &mut AuditLog,
    preface: &[&[(String, Entry)]],
    interrupted: &[String],
) -> anyhow::Result<()> {
    for (chain, entry) in preface.iter().flat_map(|p| p.iter()) {
        audit.append(chain, entry.clone())?;
    }
    for client in interrupted {
        audit.reconcile(
            client,
            "this run re-read the tenant; its plan shows what was left",
        )?;
    }
    audit.sync()?;
    Ok(())
}

fn apply_document(applied: &Applied, plan: &Plan) -> ApplyDocument {
    let outcomes: Vec<ChangeOutcome> = applied
        .results
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
        failed: count("failed") + applied.configuration_failures.len(),
        configuration_failed: applied
            .configuration_failures
            .iter()
            .map(|f| ConfigurationFailed {
                client: f.client.clone(),
                tenant: f.tenant.clone(),
                error: f.error.to_string(),
            })
            .collect(),
        unknown: plan
            .changes
            .iter()
            .filter(|c| c.kind == ChangeKind::Unknown)
            .count(),
        results: outcomes,
        not_applied: plan
            .changes
            .iter()
            .filter(|c| matches!(c.kind, ChangeKind::Unknown | ChangeKind::Denied))
            .cloned()
            .collect(),
    }
}
