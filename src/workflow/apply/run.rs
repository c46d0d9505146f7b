//! Carrying out a prepared plan (`apply`, `expire`, `revoke`, and the access commands
//! that grant at once): what is recorded before anything is asked, and the run itself
//! with its write-ahead audit entries, standing revocations and exception reviews.
//!
//! Prints nothing and asks nothing: the command shows the plan, confirms, and renders
//! what these functions return.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use super::Prepared;
use super::guard::Approved;
use crate::audit::{Entry, EntryKind, EntryResult};
use crate::execute::{self, Applied, ApplyContext, ChangeResult, Progress};
use crate::exit::UserError;
use crate::model::{Block, ReviewItem, TenantRef};
use crate::plan::{Change, ChangeKind, DeniedGrant, EntryRef, Plan, Summary};
use crate::state::Ledger;
use crate::workflow::request::Desk;

/// An apply-like run: what it records besides its changes.
#[derive(Debug, Clone, Default)]
pub struct Run {
    /// The command, as audit entries name it.
    pub command: &'static str,
    /// Also apply drift.
    pub prune: bool,
    /// Entries to write to the audit log before the changes (chain, entry).
    pub preface: Vec<(String, Entry)>,
    /// Revoke more than the mass-revoke limit, given a second person's approval.
    pub allow_mass_revoke: bool,
    /// The standing revocation `onboard revoke` records, once the run goes ahead.
    pub block: Option<Block>,
    /// Further standing revocations recorded once the run goes ahead (and never when it
    /// is refused or cancelled): `expire`'s for grants whose ticket closed.
    pub blocks: Vec<Block>,
}

/// What a run records besides its changes, worked out before anything is asked.
#[derive(Debug, Clone)]
pub struct Admission {
    /// The audit entries of the grants policy refuses (chain, entry).
    pub denials: Vec<(String, Entry)>,
    /// The standing revocations the run adds (those the ledger holds already are not
    /// added again).
    pub blocks: Vec<Block>,
    /// Whether the run sends nothing and records nothing but its audit entries: it is
    /// over (see [`admit`]).
    pub over: bool,
}

impl Admission {
    /// Returns the standing revocation `onboard revoke` adds, when it is new.
    pub fn new_block<'a>(&'a self, run: &Run) -> Option<&'a Block> {
        let block = run.block.as_ref()?;
        self.blocks
            .iter()
            .find(|b| b.scope == block.scope && b.value == block.value)
    }
}

/// Works out what the run records besides its changes and checks, writing nothing, that
/// the audit log can be signed when anything is to be recorded (a run that cannot sign
/// records nothing). A run that sends nothing and adds no standing revocation is over
/// here: its denials, preface and the clients an earlier run left unfinished are
/// recorded, and [`Admission::over`] says so.
pub fn admit(
    desk: &Desk<'_>,
    ledger: &Ledger,
    prepared: &Prepared<'_>,
    run: &Run,
) -> anyhow::Result<Admission> {
    let denials: Vec<(String, Entry)> = prepared
        .denied
        .iter()
        .map(|c| (c.client.clone(), denial_entry(c)))
        .collect();
    let is_new = |b: &&Block| {
        !ledger
            .blocks
            .iter()
            .any(|x| x.scope == b.scope && x.value == b.value)
    };
    let mut blocks: Vec<Block> = Vec::new();
    for block in run.block.iter().chain(&run.blocks).filter(is_new) {
        if !blocks
            .iter()
            .any(|b| b.scope == block.scope && b.value == block.value)
        {
            blocks.push(block.clone());
        }
    }
    let nothing = prepared.nothing();
    let needs_audit = !nothing
        || !blocks.is_empty()
        || !run.preface.is_empty()
        || !denials.is_empty()
        || !prepared.interrupted.is_empty();
    if needs_audit {
        desk.audit.check()?;
    }
    let over = nothing && blocks.is_empty();
    if over && needs_audit {
        let mut audit = desk.audit.open(run.command)?;
        super::record_preface(&mut audit, &[&run.preface, &denials], &prepared.interrupted)?;
        audit.finish(serde_json::json!({ "applied": 0, "unchanged": 0, "failed": 0 }))?;
    }
    Ok(Admission {
        denials,
        blocks,
        over,
    })
}

/// Carries out an admitted run, confirmed: refuses it (nothing recorded or sent) when a
/// tenant's own configuration moved since the plan; records the preface, the denials
/// and the approval it uses; records its standing revocations before any tenant is
/// touched (a crash cannot let the access return); audits the plan per client; sends the
/// changes with write-ahead entries; opens a review for each exception used for the
/// first time; and closes the run's audit entries with its counts.
pub fn execute<'p>(
    desk: &Desk<'_>,
    ledger: Ledger,
    prepared: &'p Prepared<'_>,
    run: &Run,
    admission: Admission,
    approval: Option<&Approved>,
    progress: &dyn Progress,
) -> anyhow::Result<Applied<'p>> {
    let actionable = &prepared.actionable;
    let nothing = prepared.nothing();
    if !nothing {
        refuse_moved_configuration(desk, actionable)?;
    }
    // From here on the run goes ahead and records what it does.
    let mut audit = desk.audit.open(run.command)?;
    super::record_preface(
        &mut audit,
        &[&run.preface, &admission.denials],
        &prepared.interrupted,
    )?;
    if let Some(approval) = approval {
        use_approval(desk, &approval.request)?;
    }
    let mut ledger = ledger;
    if !admission.blocks.is_empty() {
        ledger.blocks.extend(admission.blocks);
        desk.cx.state.save_ledger(&ledger, desk.lock)?;
    }
    if nothing {
        audit.finish(serde_json::json!({ "applied": 0, "unchanged": 0, "failed": 0 }))?;
        return Ok(Applied::default());
    }
    let mut by_client: BTreeMap<&str, Vec<&Change>> = BTreeMap::new();
    for change in &actionable.changes {
        by_client.entry(&change.client).or_default().push(change);
    }
    for (client, mine) in by_client {
        audit.append(
            client,
            Entry {
                kind: Some(EntryKind::Plan),
                client: Some(client.to_string()),
                detail: Some(serde_json::to_value(Summary::of(
                    mine.iter().map(|c| c.kind.into()),
                ))?),
                ..Entry::default()
            },
        )?;
    }
    audit.sync()?;
    let audit = Mutex::new(audit);
    let context = ApplyContext {
        workspace: desk.cx.workspace,
        root: desk.cx.root,
        state: desk.cx.state,
        lock: desk.lock,
        actor: desk.actor,
        now: desk.cx.now,
        audit: &audit,
        adapters: desk.cx.adapters,
    };
    let applied = execute::apply(
        &context,
        ledger,
        &actionable.changes,
        &actionable.configuration,
        progress,
    )?;
    open_exception_reviews(desk, &applied.results)?;
    let counts = Counts::of(&applied);
    audit
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .finish(serde_json::json!({ "applied": counts.applied, "unchanged": counts.unchanged, "failed": counts.failed }))?;
    Ok(applied)
}

/// How a run's changes came out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Changes made.
    pub applied: usize,
    /// Changes the tenant already had.
    pub unchanged: usize,
    /// Changes that failed, and tenants whose own configuration failed.
    pub failed: usize,
}

impl Counts {
    /// Counts an apply's results.
    pub fn of(applied: &Applied<'_>) -> Counts {
        let mut counts = Counts {
            failed: applied.configuration_failures.len(),
            ..Counts::default()
        };
        for result in &applied.results {
            match &result.result {
                Ok(crate::adapters::Outcome::Changed) => counts.applied += 1,
                Ok(crate::adapters::Outcome::NoChange) => counts.unchanged += 1,
                Err(_) => counts.failed += 1,
            }
        }
        counts
    }
}

/// Refuses the run, before anything is recorded or sent, when a tenant's own
/// configuration (GDAP access assignments, Okta group admin roles) is no longer as the
/// plan saw it: `apply` carries out the plan's configuration changes exactly, never
/// changes worked out from another state.
fn refuse_moved_configuration(desk: &Desk<'_>, actionable: &Plan) -> anyhow::Result<()> {
    let moved = super::moved_configuration(&desk.cx, actionable);
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
                .map(|m| format!("`{}`", TenantRef::new(&m.client, &m.tenant)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Err(UserError::new(format!(
        "refusing the plan: the own configuration of `{}` changed since the plan was made: {}{more}; nothing was sent",
        TenantRef::new(&first.client, &first.tenant), first.why
    ))
    .hint("make a fresh plan with `onboard plan`, review what the tenant needs now, and apply that")
    .into())
}

/// Marks an approved mass-revoke request used, once the run it approved goes ahead.
fn use_approval(desk: &Desk<'_>, id: &str) -> anyhow::Result<()> {
    let state = desk.cx.state;
    let mut requests = state.load_requests()?;
    if let Some(request) = requests.requests.iter_mut().find(|r| r.id == id) {
        request.status = crate::model::RequestStatus::Used;
        state.save_requests(&requests, desk.lock)?;
    }
    Ok(())
}

/// Opens a review item for each exception that was used for the first time.
fn open_exception_reviews(desk: &Desk<'_>, results: &[ChangeResult<'_>]) -> anyhow::Result<()> {
    // Exceptions used by this run, once each: one read and at most one write of the
    // reviews however many grants an exception gives.
    let mut used: BTreeSet<(&str, &str)> = BTreeSet::new();
    for result in results
        .iter()
        .filter(|r| r.result.is_ok() && r.change.kind == ChangeKind::Grant)
    {
        for source in &result.change.sources {
            if let Some(id) = source.exception() {
                used.insert((&result.change.client, id));
            }
        }
    }
    if used.is_empty() {
        return Ok(());
    }
    let cx = &desk.cx;
    let mut reviews = cx.state.load_reviews()?;
    let before = reviews.reviews.len();
    for (client, id) in used {
        let subject = format!("{client}/{id}");
        let Some(exception) = cx
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
            cx.now,
            cx.workspace.policy.review_within,
        ));
    }
    if reviews.reviews.len() > before {
        cx.state.save_reviews(&reviews, desk.lock)?;
    }
    Ok(())
}

/// Returns the audit entry of a policy refusal.
pub fn denial_entry(denial: &DeniedGrant) -> Entry {
    let mut entry = crate::execute::row_entry(EntryRef::Denied(denial));
    entry.kind = Some(EntryKind::Denial);
    entry.result = Some(EntryResult::Denied);
    entry.error_code = Some(denial.rule.clone());
    entry.detail = Some(
        serde_json::json!({ "rule": denial.rule, "cause": denial.origin, "hint": denial.hint }),
    );
    entry
}
