//! Preparing a plan for an apply-like run (`apply`, `expire`, `revoke`, and the access
//! commands that grant at once): which changes are sent, which are not (unread
//! tenants, policy denials, drift left alone) and which clients an earlier run left
//! unfinished.
//!
//! Reads the audit log's tails and nothing else; writes nothing, prints nothing and asks
//! nothing. The command shows what `prepare` returns, confirms, and executes.

use std::collections::BTreeSet;

use super::Context;
use crate::plan::{Change, ChangeKind, Plan};

/// A plan sorted for a run: what is sent and what is not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// The plan as the run shows it (with `prune`, its drift is labelled as removed).
    pub plan: Plan,
    /// What the run sends: the changes that reach a tenant (drift only with `prune`)
    /// and the tenants' own configuration.
    pub actionable: Plan,
    /// Tenants that could not be read: nothing is applied to them.
    pub unknown: Vec<Change>,
    /// Grants policy refuses: never sent, each refusal audited.
    pub denied: Vec<Change>,
    /// Drift changes left alone because the run does not prune.
    pub drift_left: usize,
    /// Clients whose audit chain holds intents without outcome: an earlier run was
    /// interrupted (or is in progress), and the audit log says this run saw it.
    pub interrupted: Vec<String>,
}

impl Prepared {
    /// Returns whether the run sends nothing to any tenant.
    pub fn nothing(&self) -> bool {
        self.actionable.changes.is_empty() && self.actionable.configuration.is_empty()
    }
}

/// Returns whether a run sends a change: the kinds sent to tenants, drift only with
/// `prune`.
pub fn sends(change: &Change, prune: bool) -> bool {
    change.kind.is_sent() && (change.kind != ChangeKind::Drift || prune)
}

/// Sorts `plan` for a run that prunes drift or not, and finds the clients an earlier run
/// left unfinished (among the plan's clients; every client for an empty plan).
pub fn prepare(cx: &Context<'_>, plan: &Plan, prune: bool) -> anyhow::Result<Prepared> {
    let plan = if prune { plan.pruning() } else { plan.clone() };
    let of_kind = |kind: ChangeKind| -> Vec<Change> {
        plan.changes
            .iter()
            .filter(|c| c.kind == kind)
            .cloned()
            .collect()
    };
    let actionable = Plan {
        configuration: plan.configuration.clone(),
        ..plan.only(|c| sends(c, prune))
    };
    let drift_left = if prune { 0 } else { plan.summary().drift };
    // Changes an earlier run announced but never finished (a crash): this run's plan has
    // re-read the tenants, so it shows what is left; the audit log records that.
    let mut interrupted: Vec<String> = Vec::new();
    let clients: BTreeSet<&str> = plan.changes.iter().map(|c| c.client.as_str()).collect();
    for client in cx
        .workspace
        .clients
        .keys()
        .filter(|c| clients.is_empty() || clients.contains(c.as_str()))
    {
        if !crate::audit::writer::peek_dangling(cx.state, client)?.is_empty() {
            interrupted.push(client.clone());
        }
    }
    Ok(Prepared {
        unknown: of_kind(ChangeKind::Unknown),
        denied: of_kind(ChangeKind::Denied),
        actionable,
        drift_left,
        interrupted,
        plan,
    })
}

/// A tenant whose own configuration is no longer as the plan saw it: `apply` refuses
/// the plan rather than carry out changes worked out from another state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovedConfiguration {
    /// Client id.
    pub client: String,
    /// Tenant name.
    pub tenant: String,
    /// What differs, or why the tenant could not be read to tell.
    pub why: String,
}

/// Reads again the own configuration (GDAP access assignments, Okta group admin roles)
/// of every tenant `actionable` sends something to whose client file declares some, or
/// for which the plan carries configuration changes, and returns those that no longer
/// need exactly the changes the plan carries for them (none, when the plan carries none),
/// or that could not be read to tell. Sends nothing.
pub fn moved_configuration(cx: &Context<'_>, actionable: &Plan) -> Vec<MovedConfiguration> {
    let mut touched: BTreeSet<(&str, &str)> = actionable
        .changes
        .iter()
        .map(|c| (c.client.as_str(), c.tenant.as_str()))
        .collect();
    touched.extend(
        actionable
            .configuration
            .iter()
            .map(|t| (t.client.as_str(), t.tenant.as_str())),
    );
    let tenants: Vec<_> = touched
        .into_iter()
        .filter_map(|(client, tenant)| {
            let client = cx.workspace.clients.get(client)?;
            let tenant = client.tenant(tenant)?;
            let planned = !actionable
                .configuration_of(&client.id, &tenant.name)
                .is_empty();
            (planned || tenant.has_configuration()).then_some((client, tenant))
        })
        .collect();
    let now = crate::observe::review_configuration(
        cx.root,
        &tenants,
        cx.workspace.settings.parallelism,
        cx.adapters,
        cx.now,
    );
    let words = |changes: &[crate::model::ConfigurationChange]| -> String {
        if changes.is_empty() {
            return "no change".into();
        }
        changes
            .iter()
            .map(|c| c.planned())
            .collect::<Vec<_>>()
            .join("; ")
    };
    tenants
        .iter()
        .zip(now)
        .filter_map(|((client, tenant), now)| {
            let planned = actionable.configuration_of(&client.id, &tenant.name);
            let why = match now {
                Ok(now) if now == planned => return None,
                Ok(now) => format!(
                    "the plan carries {}, but the tenant now needs {}",
                    words(planned),
                    words(&now)
                ),
                Err(error) => {
                    format!("it could not be read to confirm it is as the plan saw it: {error}")
                }
            };
            Some(MovedConfiguration {
                client: client.id.clone(),
                tenant: tenant.name.clone(),
                why,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::Path;

    use time::macros::datetime;

    use super::*;
    use crate::audit::{Entry, Phase};
    use crate::model::Workspace;
    use crate::state::Ledger;
    use crate::workflow::testing::example;

    fn prepared(root: &Path, workspace: &Workspace, prune: bool) -> Prepared {
        let state = crate::state::open(&workspace.settings, root).expect("file state");
        let adapters = crate::adapters::Options::default();
        let cx = Context {
            root,
            workspace,
            state: state.as_ref(),
            now: datetime!(2026-11-21 12:00 UTC),
            adapters: &adapters,
        };
        let clients: Vec<_> = workspace.clients.values().collect();
        let plan = super::super::plan::plan(
            &cx,
            &clients,
            &Ledger::default(),
            &[],
            &crate::observe::NoReadProgress,
        )
        .expect("plan");
        prepare(&cx, &plan, prune).expect("prepare")
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
    fn configuration_changes_a_tenant_does_not_need_are_refused() {
        // A plan (a saved one, edited) carrying a configuration change for a tenant
        // whose client file declares none: the tenant needs no change, so it moved.
        let (_dir, root, workspace) = example();
        let state = crate::state::open(&workspace.settings, &root).expect("file state");
        let adapters = crate::adapters::Options::default();
        let cx = Context {
            root: &root,
            workspace: &workspace,
            state: state.as_ref(),
            now: datetime!(2026-11-21 12:00 UTC),
            adapters: &adapters,
        };
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
        let moved = moved_configuration(&cx, &plan);
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
        assert!(moved_configuration(&cx, &plan).is_empty());
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
}
