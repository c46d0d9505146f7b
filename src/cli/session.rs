//! What every workspace command starts from: the loaded workspace, its state
//! directory, the time and the actor; and the plan recipe shared by plan, apply, expire
//! and revoke.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use anyhow::Context;
use time::OffsetDateTime;

use super::GlobalArgs;
use crate::audit::{AuditError, AuditKey, AuditLog, KeySource};
use crate::exit::ExitStatus;
use crate::load::{self, LoadError};
use crate::model::{Block, BlockScope, Client, CredentialRef, Workspace, suggest};
use crate::observe::{ReadRequest, observe};
use crate::plan::{ByTenant, DiffInput, Plan, desired_access, diff_tenant};
use crate::state::{Ledger, LockInfo, StateDir, WorkspaceLock};
use crate::ui::Printer;
use crate::ui::diagnostics::UserError;

/// A loaded workspace and what commands need beside it.
pub struct Session {
    /// The workspace root.
    pub root: PathBuf,
    /// The workspace.
    pub workspace: Workspace,
    /// The state directory.
    pub state: StateDir,
    /// The instant commands act at.
    pub now: OffsetDateTime,
    /// Who is acting.
    pub actor: String,
    /// Output.
    pub printer: Printer,
    /// How adapters are opened: with `--verbose`, HTTP requests are logged through the
    /// printer.
    pub adapters: crate::adapters::Options,
}

impl Session {
    /// Finds, loads and checks the workspace.
    pub fn open(global: &GlobalArgs) -> anyhow::Result<Session> {
        let printer = global.printer();
        let cwd = std::env::current_dir().context("reading the current directory")?;
        let root = load::discover(global.workspace.as_deref(), &cwd)?;
        let mut workspace = load::load(&root)?;
        if let Some(n) = global.parallelism {
            workspace.settings.parallelism = usize::from(n);
        }
        let now = crate::env::now()
            .map_err(|e| UserError::new(e).hint("write an RFC 3339 timestamp or `YYYY-MM-DD`"))?;
        let problems = crate::plan::check_workspace(&workspace, now).problems;
        if !problems.is_empty() {
            return Err(LoadError::Invalid(problems).into());
        }
        let state = StateDir::new(root.join(&workspace.settings.state_dir));
        printer.detail(&format!("workspace: {}", root.display()));
        let adapters = crate::adapters::Options {
            http_log: printer.verbose.then(|| {
                let printer = printer.clone();
                std::sync::Arc::new(move |line: &str| printer.detail(line)) as _
            }),
        };
        Ok(Session {
            adapters,
            root,
            workspace,
            state,
            now,
            actor: crate::env::actor(),
            printer,
        })
    }

    /// Returns the named clients, or every client when none is named.
    pub fn select(&self, names: &[String]) -> anyhow::Result<Vec<&Client>> {
        if names.is_empty() {
            return Ok(self.workspace.clients.values().collect());
        }
        let mut selected = Vec::new();
        for name in names {
            match self.workspace.clients.get(name) {
                Some(client) => {
                    if !selected.iter().any(|c: &&Client| c.id == client.id) {
                        selected.push(client);
                    }
                }
                None => {
                    return Err(UserError::new(format!("unknown client `{name}`"))
                        .hint(suggest("clients", name, self.workspace.clients.keys()))
                        .into());
                }
            }
        }
        Ok(selected)
    }

    /// Takes the workspace lock for a command.
    pub fn lock(&self, command: &str) -> anyhow::Result<WorkspaceLock> {
        let info = LockInfo {
            actor: self.actor.clone(),
            command: command.to_string(),
            pid: std::process::id(),
            since: crate::model::time::format_instant(OffsetDateTime::now_utc()),
        };
        self.state.lock(&info).map_err(|e| {
            let locked = matches!(e, crate::state::StateError::Locked { .. });
            let error = anyhow::Error::new(e);
            if locked {
                // The exit code comes from the `Locked` cause below this line.
                error.context("another onboard run is working on this workspace")
            } else {
                error
            }
        })
    }

    /// Returns the audit directory.
    pub fn audit_dir(&self) -> PathBuf {
        self.root.join(&self.workspace.settings.audit_dir)
    }

    /// Returns where the audit signing key comes from: `ONBOARD_AUDIT_KEY` when set,
    /// else `[audit] key` (file paths relative to the workspace root).
    pub fn key_source(&self) -> KeySource {
        if crate::env::audit_key_in_env() {
            return KeySource::Env(crate::env::ONBOARD_AUDIT_KEY.to_string());
        }
        match &self.workspace.settings.audit_key {
            CredentialRef::Env(var) => KeySource::Env(var.clone()),
            CredentialRef::Keyring(name) => KeySource::Keyring(name.clone()),
            CredentialRef::File(path) => KeySource::File(self.root.join(path)),
        }
    }

    /// Opens the audit log for a run of `command`. A workspace whose audit log has no
    /// public key yet and whose key file does not exist gets a new key on first use.
    pub fn audit_log(&self, command: &str) -> anyhow::Result<AuditLog> {
        let source = self.key_source();
        let dir = self.audit_dir();
        let key = match AuditKey::load(&source)? {
            Some(key) => key,
            None => {
                let (publics, _) = crate::audit::key::read_publics(&dir)?;
                if !publics.is_empty() {
                    return Err(AuditError::NoKey {
                        detail: format!(
                            "`{}` does not exist, but the audit log in {} is signed with key(s) {}",
                            source.describe(),
                            dir.display(),
                            publics
                                .iter()
                                .map(|(id, _)| format!("`{id}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    }
                    .into());
                }
                let key = AuditKey::generate()?;
                key.store(&source)?;
                self.printer.status(&format!(
                    "Created the audit signing key `{}` in `{}`; its public key is in {}.",
                    key.id,
                    source.describe(),
                    dir.display()
                ));
                key
            }
        };
        Ok(AuditLog::open(&dir, key, &self.actor, command)?)
    }

    /// Reads the ledger and its fingerprint.
    pub fn ledger(&self) -> anyhow::Result<(Ledger, String)> {
        Ok(self.state.load()?)
    }

    /// Works out the plan for `clients`: desired access, tenant reads, diff. `extra_blocks`
    /// are revocations being planned that are not in the ledger yet.
    pub fn plan(
        &self,
        clients: &[&Client],
        ledger: &Ledger,
        extra_blocks: &[Block],
    ) -> anyhow::Result<Plan> {
        let access_requests = self.state.read::<crate::state::Requests>()?.requests;
        // Each tenant's records, grants and revocations are found once here, so the work
        // for one tenant never scans the others' (the plan is linear in the workspace).
        let records = ByTenant::new(&ledger.grants, |r| (r.client.as_str(), r.tenant.as_str()));
        let mut blocks: BTreeMap<Option<&str>, Vec<Block>> = BTreeMap::new();
        for block in ledger.blocks.iter().chain(extra_blocks) {
            let client = (block.scope == BlockScope::Client).then_some(block.value.as_str());
            blocks.entry(client).or_default().push(block.clone());
        }
        let client_blocks = |client: &str| -> Vec<Block> {
            let mut mine = blocks.get(&None).cloned().unwrap_or_default();
            mine.extend(blocks.get(&Some(client)).into_iter().flatten().cloned());
            mine
        };
        let accesses: Vec<_> = clients
            .iter()
            .map(|client| desired_access(&self.workspace, client, &access_requests, self.now).0)
            .collect();
        let desired: Vec<_> = accesses
            .iter()
            .map(|access| {
                ByTenant::new(&access.grants, |g| {
                    (g.key.client.as_str(), g.key.tenant.as_str())
                })
            })
            .collect();
        let mut requests = Vec::new();
        for (client, access) in clients.iter().zip(&accesses) {
            for tenant in &client.tenants {
                let mut entitlements: BTreeSet<_> = access
                    .managed
                    .get(&tenant.name)
                    .cloned()
                    .unwrap_or_default();
                entitlements.extend(
                    records
                        .get(&client.id, &tenant.name)
                        .iter()
                        .map(|r| r.entitlement.clone()),
                );
                requests.push(ReadRequest {
                    client,
                    tenant,
                    entitlements,
                });
            }
        }
        let progress =
            crate::ui::progress::ReadProgress::new(self.printer.progress, requests.len());
        let observations = observe(
            &self.root,
            &requests,
            self.workspace.settings.parallelism,
            &self.adapters,
            self.now,
            &|r| progress.read(&format!("{}/{}", r.client.id, r.tenant.name)),
        );
        progress.finish();
        let mut plan = Plan::default();
        let empty = BTreeMap::new();
        let by_client: BTreeMap<&str, _> = clients
            .iter()
            .map(|c| c.id.as_str())
            .zip(accesses.iter().zip(&desired))
            .map(|(id, (access, desired))| (id, (access, desired, client_blocks(id))))
            .collect();
        for (request, (observation, review)) in requests.iter().zip(&observations) {
            plan.warnings.extend(
                review
                    .notes
                    .iter()
                    .map(|n| format!("`{}/{}`: {n}", request.client.id, request.tenant.name)),
            );
            if !review.configuration.is_empty() {
                plan.configuration.push(crate::plan::TenantConfiguration {
                    client: request.client.id.clone(),
                    tenant: request.tenant.name.clone(),
                    changes: review.configuration.clone(),
                });
            }
            let (access, desired, blocks) = &by_client[request.client.id.as_str()];
            let (changes, warnings) = diff_tenant(&DiffInput {
                now: self.now,
                client: &request.client.id,
                tenant: &request.tenant.name,
                desired: desired.get(&request.client.id, &request.tenant.name),
                managed: &request.entitlements,
                accounts: access.accounts.get(&request.tenant.name).unwrap_or(&empty),
                ledger: records.get(&request.client.id, &request.tenant.name),
                blocks,
                observation,
            });
            plan.changes.extend(changes);
            plan.warnings.extend(warnings);
        }
        plan.warnings
            .extend(orphan_warnings(&self.workspace, clients, ledger));
        plan.sort();
        Ok(plan)
    }
}

/// Warns about recorded grants whose client or tenant left the workspace: they can no
/// longer be reached to revoke.
fn orphan_warnings(workspace: &Workspace, clients: &[&Client], ledger: &Ledger) -> Vec<String> {
    let selected: BTreeSet<&str> = clients.iter().map(|c| c.id.as_str()).collect();
    let all = clients.len() == workspace.clients.len();
    let mut counts: BTreeMap<(String, Option<String>), usize> = BTreeMap::new();
    for record in &ledger.grants {
        match workspace.clients.get(&record.client) {
            None if all => *counts.entry((record.client.clone(), None)).or_default() += 1,
            Some(client)
                if selected.contains(client.id.as_str())
                    && client.tenant(&record.tenant).is_none() =>
            {
                *counts
                    .entry((record.client.clone(), Some(record.tenant.clone())))
                    .or_default() += 1;
            }
            _ => {}
        }
    }
    counts
        .into_iter()
        .map(|((client, tenant), n)| match tenant {
            None => format!(
                "client `{client}` is no longer in the workspace but {n} grant(s) are recorded for it: restore `clients/{client}.yaml` and run `onboard revoke --client {client}` to remove them"
            ),
            Some(tenant) => format!(
                "tenant `{client}/{tenant}` is no longer in its client file but {n} grant(s) are recorded for it: restore the tenant to revoke them"
            ),
        })
        .collect()
}

/// Returns the exit status for a finished apply-like run.
pub fn apply_status(failed: usize, unknown: usize, denied: usize) -> ExitStatus {
    if failed > 0 || unknown > 0 {
        ExitStatus::PartialFailure
    } else if denied > 0 {
        ExitStatus::PolicyDenied
    } else {
        ExitStatus::Success
    }
}
