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

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::Path;

    use tempfile::TempDir;
    use time::macros::datetime;

    use super::*;
    use crate::audit::{Entry, Phase};
    use crate::model::Workspace;
    use crate::state::Ledger;

    /// Copies a directory tree.
    fn copy(from: &Path, to: &Path) {
        fs::create_dir_all(to).expect("create");
        for entry in fs::read_dir(from).expect("read").flatten() {
            let target = to.join(entry.file_name());
            if entry.path().is_dir() {
                copy(&entry.path(), &target);
            } else {
                fs::copy(entry.path(), &target).expect("copy");
            }
        }
    }

    /// A temporary copy of the example workspace (every tenant on the `file` adapter)
    /// and its bundle library, laid out as in the repository.
    fn example() -> (TempDir, std::path::PathBuf, Workspace) {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = TempDir::new().expect("temp dir");
        copy(&repo.join("bundles"), &dir.path().join("bundles"));
        let root = dir.path().join("examples/acme-msp");
        copy(&repo.join("examples/acme-msp"), &root);
        let workspace = crate::load::load(&root).expect("the example loads");
        (dir, root, workspace)
    }

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
