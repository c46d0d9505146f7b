//! Unit tests of preparing and carrying out runs on a copy of the example workspace (the
//! `file` adapter, the file state backend).

use std::fs;
use std::path::Path;

use time::macros::datetime;

use super::*;
use crate::audit::{Entry, Phase};
use crate::model::{Block, BlockScope, Workspace};
use crate::state::Ledger;
use crate::workflow::testing::example;

fn prepared(root: &Path, workspace: &Workspace, prune: bool) -> Prepared<'static> {
    in_context(root, workspace, |cx| {
        let clients: Vec<_> = workspace.clients.values().collect();
        let plan = super::super::plan::plan(
            cx,
            &clients,
            &Ledger::default(),
            &[],
            &crate::plan::DesiredAhead::default(),
            &crate::observe::NoReadProgress,
        )
        .expect("plan");
        let prepared = prepare(cx, &plan, prune).expect("prepare");
        // What the tests look at outlives the plan prepared here.
        Prepared {
            plan: Cow::Owned(prepared.plan.into_owned()),
            actionable: Cow::Owned(prepared.actionable.into_owned()),
            unknown: prepared.unknown,
            denied: prepared.denied,
            drift_left: prepared.drift_left,
            interrupted: prepared.interrupted,
        }
    })
}

/// Runs `f` in the context of the workspace at `root`, with its file state, at the
/// tests' instant.
fn in_context<T>(root: &Path, workspace: &Workspace, f: impl FnOnce(&Context<'_>) -> T) -> T {
    let state = crate::state::open(&workspace.settings, root).expect("file state");
    let adapters = crate::adapters::Options::default();
    f(&Context {
        root,
        workspace,
        state: state.as_ref(),
        now: datetime!(2026-11-21 12:00 UTC),
        adapters: &adapters,
    })
}

fn write_chain(root: &Path, workspace: &Workspace, chain: &str, entries: &[Entry]) {
    let dir = root.join(&workspace.settings.audit_dir);
    fs::create_dir_all(&dir).expect("audit dir");
    let lines: String = entries
        .iter()
        .map(|e| serde_json::to_string(e).expect("entry") + "\n")
        .collect();
    fs::write(crate::state::layout::chain_path(&dir, chain), lines).expect("chain");
}

fn change_entry(seq: u64, phase: Phase, change: &str) -> Entry {
    Entry {
        seq,
        phase: Some(phase),
        change: Some(change.into()),
        ..Entry::default()
    }
}

#[test]
fn a_plan_sent_whole_is_borrowed_and_one_with_more_is_sorted_into_a_copy() {
    let (_dir, root, workspace) = example();
    in_context(&root, &workspace, borrowed_or_copied);
}

fn borrowed_or_copied(cx: &Context<'_>) {
    let grant = Change::new(ChangeKind::Grant, "acme", "entra", "wanted".into());
    let drift = Change::new(ChangeKind::Drift, "acme", "entra", "held".into());
    let sent = Plan {
        changes: vec![grant.clone()],
        ..Plan::default()
    };
    let prepared = prepare(cx, &sent, false).expect("prepare");
    assert!(matches!(prepared.plan, Cow::Borrowed(_)));
    assert!(matches!(prepared.actionable, Cow::Borrowed(_)));
    assert_eq!(*prepared.actionable, sent);
    // Drift left alone, or a warning, is not sent: the changes sent are a plan of their own.
    for plan in [
        Plan {
            changes: vec![grant.clone(), drift],
            ..Plan::default()
        },
        Plan {
            warnings: vec!["w".into()],
            ..sent.clone()
        },
    ] {
        let prepared = prepare(cx, &plan, false).expect("prepare");
        assert_eq!(prepared.actionable.changes, std::slice::from_ref(&grant));
        assert!(prepared.actionable.warnings.is_empty());
    }
}

#[test]
fn a_fresh_workspace_sends_its_grants_and_prepare_writes_nothing() {
    let (_dir, root, workspace) = example();
    let prepared = prepared(&root, &workspace, false);
    assert!(!prepared.nothing());
    assert!(
        prepared
            .actionable
            .changes
            .iter()
            .all(|c| c.kind == ChangeKind::Grant)
    );
    assert!(prepared.unknown.is_empty());
    assert!(prepared.interrupted.is_empty());
    assert_eq!(prepared.drift_left, 0);
    assert_eq!(
        prepared.denied.len(),
        prepared.plan.summary().denied,
        "every denial is reported, none is sent"
    );
    assert!(
        !root.join(&workspace.settings.audit_dir).exists(),
        "prepare writes no audit entry"
    );
    assert!(
        !root.join(&workspace.settings.state_dir).exists(),
        "prepare writes no state"
    );
}

#[test]
fn an_unreadable_tenant_is_reported_not_sent_and_the_rest_of_the_plan_is() {
    let (_dir, root, workspace) = example();
    let tenant = root.join("tenants/initech/scim/tenant.json");
    fs::create_dir_all(tenant.parent().expect("parent")).expect("tenant dir");
    fs::write(&tenant, "{ not json").expect("tenant file");
    let prepared = prepared(&root, &workspace, false);
    assert_eq!(
        prepared
            .unknown
            .iter()
            .map(|u| (u.client.as_str(), u.tenant.as_str(), u.error_code.as_str()))
            .collect::<Vec<_>>(),
        [("initech", "scim", "malformed")]
    );
    assert_eq!(prepared.plan.unknown, prepared.unknown);
    assert_eq!(prepared.plan.denials, prepared.denied);
    // What is sent is changes only, none of them to the unread tenant.
    let actionable = &prepared.actionable;
    assert!(actionable.denials.is_empty() && actionable.unknown.is_empty());
    assert!(!actionable.changes.is_empty());
    assert!(
        actionable
            .changes
            .iter()
            .all(|c| (c.client.as_str(), c.tenant.as_str()) != ("initech", "scim"))
    );
    assert_eq!(prepared.plan.summary().unknown, 1);
}

#[test]
fn configuration_changes_a_tenant_does_not_need_are_refused() {
    // A plan (a saved one, edited) carrying a configuration change for a tenant
    // whose client file declares none: the tenant needs no change, so it moved.
    let (_dir, root, workspace) = example();
    in_context(&root, &workspace, moved_when_not_needed);
}

fn moved_when_not_needed(cx: &Context<'_>) {
    let change = crate::model::ConfigurationChange::OktaAssignGroupRole {
        group: "MSP-Helpdesk".into(),
        group_id: "00g1".into(),
        role: "SUPER_ADMIN".into(),
    };
    let mut plan = Plan {
        configuration: vec![crate::plan::TenantConfiguration {
            client: "acme".into(),
            tenant: "okta".into(),
            changes: vec![change],
        }],
        ..Plan::default()
    };
    let moved = moved_configuration(cx, &plan);
    assert_eq!(moved.len(), 1, "{moved:?}");
    assert_eq!(
        (moved[0].client.as_str(), moved[0].tenant.as_str()),
        ("acme", "okta")
    );
    assert!(
        moved[0]
            .why
            .contains("assigns the admin role `SUPER_ADMIN`")
            && moved[0].why.ends_with("the tenant now needs no change"),
        "{}",
        moved[0].why
    );
    // Without it, tenants that declare no configuration are not read at all.
    plan.configuration.clear();
    plan.changes.push(crate::plan::Change::new(
        ChangeKind::Grant,
        "acme",
        "okta",
        String::new(),
    ));
    assert!(moved_configuration(cx, &plan).is_empty());
}

#[test]
fn an_intent_without_outcome_marks_its_client_interrupted() {
    let (_dir, root, workspace) = example();
    let client = workspace.clients.keys().next().expect("a client").clone();
    write_chain(
        &root,
        &workspace,
        &client,
        &[change_entry(1, Phase::Intent, "c-1")],
    );
    assert_eq!(
        prepared(&root, &workspace, false).interrupted,
        vec![client.clone()]
    );
    write_chain(
        &root,
        &workspace,
        &client,
        &[
            change_entry(1, Phase::Intent, "c-1"),
            change_entry(2, Phase::Outcome, "c-1"),
        ],
    );
    assert!(prepared(&root, &workspace, false).interrupted.is_empty());
}

/// The instant the run tests act at.
const NOW: time::OffsetDateTime = datetime!(2026-11-21 12:00 UTC);

/// Plans every client of the bench against `ledger`, with standing revocations.
fn plan_all(desk: &crate::workflow::request::Desk<'_>, ledger: &Ledger, blocks: &[Block]) -> Plan {
    let clients: Vec<_> = desk.cx.workspace.clients.values().collect();
    super::super::plan::plan(
        &desk.cx,
        &clients,
        ledger,
        blocks,
        &crate::plan::DesiredAhead::default(),
        &crate::observe::NoReadProgress,
    )
    .expect("plan")
}

/// Runs a plan of every client as a confirmed `apply` would: prepare, admit, guard,
/// execute. Returns how the changes came out, or the refusal.
fn run_all(
    desk: &crate::workflow::request::Desk<'_>,
    plan: &Plan,
    run: &Run,
) -> anyhow::Result<Counts> {
    let ledger = desk.cx.state.load_ledger().expect("ledger").0;
    let prepared = prepare(&desk.cx, plan, run.prune)?;
    let admission = admit(desk, &ledger, &prepared, run)?;
    let approval = guard::check(
        desk,
        &ledger,
        &prepared.actionable,
        run,
        &admission.denials,
        &prepared.interrupted,
    )?;
    execute(
        desk,
        ledger,
        &prepared,
        run,
        admission,
        approval.as_ref(),
        &crate::execute::NoProgress,
    )
    .map(|applied| Counts::of(&applied))
}

fn block(scope: crate::model::BlockScope, value: &str) -> Block {
    Block {
        scope,
        value: value.into(),
        at: NOW,
        actor: "alice".into(),
    }
}

#[test]
fn a_confirmed_run_applies_records_and_converges() {
    let bench = crate::workflow::testing::Bench::new();
    let run = Run {
        command: "apply",
        ..Run::default()
    };
    let counts = bench.act("alice", NOW, |desk| {
        let plan = plan_all(desk, &Ledger::default(), &[]);
        run_all(desk, &plan, &run).expect("applied")
    });
    assert!(counts.applied > 0, "{counts:?}");
    assert_eq!(counts.failed, 0);
    let ledger = bench.audit.state.load_ledger().expect("ledger").0;
    assert_eq!(ledger.grants.len(), counts.applied);
    // Every change has its outcome in its client's chain.
    let acme = bench.recorded("acme");
    assert!(
        acme.iter()
            .any(|(kind, result)| kind == "grant" && result == "ok"),
        "{acme:?}"
    );
    // Converged: the next run sends nothing and is over at admission.
    bench.act("alice", NOW, |desk| {
        let plan = plan_all(desk, &ledger, &[]);
        let prepared = prepare(&desk.cx, &plan, false).expect("prepare");
        assert!(prepared.nothing());
        let admission = admit(desk, &ledger, &prepared, &run).expect("admit");
        assert!(admission.over);
    });
}

#[test]
fn a_mass_revocation_is_refused_with_a_pending_request_and_no_standing_revocation() {
    let mut bench = crate::workflow::testing::Bench::new();
    bench.act("alice", NOW, |desk| {
        let plan = plan_all(desk, &Ledger::default(), &[]);
        run_all(desk, &plan, &Run::default()).expect("applied");
    });
    let before = bench.audit.state.load_ledger().expect("ledger").0;
    // No revocation at all is allowed without a second person.
    bench.workspace.policy.mass_revoke_count.value = 0;
    bench.workspace.policy.mass_revoke_share.value = 0.0;
    let bob = block(BlockScope::Identity, "bob");
    let run = Run {
        command: "revoke",
        prune: true,
        block: Some(bob.clone()),
        ..Run::default()
    };
    let refused = bench.act("alice", NOW, |desk| {
        let plan = plan_all(desk, &before, std::slice::from_ref(&bob));
        run_all(desk, &plan, &run).expect_err("refused")
    });
    let refusal = refused
        .downcast_ref::<crate::exit::UserError>()
        .expect("a user error");
    assert_eq!(refusal.status, crate::exit::ExitStatus::PolicyDenied);
    // Nothing was carried out: no grant revoked, no standing revocation recorded.
    let after = bench.audit.state.load_ledger().expect("ledger").0;
    assert_eq!(after.grants.len(), before.grants.len());
    assert!(after.blocks.is_empty(), "{:?}", after.blocks);
    // The refusal is recorded, with the request a second person approves.
    let requests = bench.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].kind, crate::model::RequestKind::MassRevoke);
    assert_eq!(
        requests[0].revocation.as_ref().map(|r| r.value.as_str()),
        Some("bob")
    );
    assert!(
        bench
            .audit
            .state
            .chains()
            .expect("chains")
            .iter()
            .any(|chain| bench.has_recorded(chain, "denial", "denied"))
    );
}

#[test]
fn standing_revocations_are_added_once_and_only_when_new() {
    let bench = crate::workflow::testing::Bench::new();
    let known = block(BlockScope::Ticket, "T-1");
    let mut ledger = Ledger::default();
    ledger.blocks.push(known.clone());
    let fresh = block(BlockScope::Ticket, "T-2");
    let run = Run {
        command: "expire",
        blocks: vec![known, fresh.clone(), fresh.clone()],
        ..Run::default()
    };
    bench.act("cron", NOW, |desk| {
        let empty = Plan::default();
        let prepared = prepare(&desk.cx, &empty, false).expect("prepare");
        let admission = admit(desk, &ledger, &prepared, &run).expect("admit");
        assert!(
            !admission.over,
            "a new standing revocation is a run of its own"
        );
        assert_eq!(admission.blocks.len(), 1);
        assert_eq!(admission.blocks[0].value, "T-2");
        assert!(admission.new_block(&run).is_none());
        execute(
            desk,
            ledger.clone(),
            &prepared,
            &run,
            admission,
            None,
            &crate::execute::NoProgress,
        )
        .expect("recorded");
    });
    let stored = bench.audit.state.load_ledger().expect("ledger").0;
    let values: Vec<_> = stored.blocks.iter().map(|b| b.value.as_str()).collect();
    assert_eq!(values, ["T-1", "T-2"]);
}
