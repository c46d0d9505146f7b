//! What every workspace command starts from: the loaded workspace, its state
//! directory, the time and the actor. The plan pipeline itself is
//! [`crate::workflow::plan`].

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use time::OffsetDateTime;

use super::GlobalArgs;
use crate::audit::{AuditError, AuditKey, AuditLog, KeySource};
use crate::exit::ExitStatus;
use crate::load::{self, LoadError};
use crate::model::{Block, Client, CredentialRef, Workspace};
use crate::plan::Plan;
use crate::state::{Ledger, Lock, LockInfo, LockScope, StateError, Store};
use crate::ui::Printer;
use crate::ui::diagnostics::UserError;
use crate::workflow;

/// A loaded workspace and what commands need beside it.
pub struct Session {
    /// The workspace root.
    pub root: PathBuf,
    /// The workspace.
    pub workspace: Workspace,
    /// Where the state is kept (the backend `[state]` names).
    pub state: Arc<dyn Store>,
    /// How long to wait for a lock another run holds (`--lock-timeout`).
    pub lock_timeout: Duration,
    /// The instant commands act at.
    pub now: OffsetDateTime,
    /// Who is acting.
    pub actor: String,
    /// Output.
    pub printer: Printer,
    /// How adapters are opened: with `--verbose`, HTTP requests are logged through the
    /// printer.
    pub adapters: crate::adapters::Options,
    /// The desired access the workspace check worked out at `now`, for the first plan
    /// ([`Self::plan`]) to take. A client changed after [`Self::open`] must be forgotten
    /// there ([`Self::change_tier`] does).
    desired: crate::plan::DesiredAhead,
    /// How many things the workspace declares that policy denies, as the workspace check
    /// at `now` found them (`onboard validate` lists them).
    pub denials: usize,
}

impl Session {
    /// Finds, loads and checks the workspace.
    pub fn open(global: &GlobalArgs) -> anyhow::Result<Session> {
        let printer = global.printer();
        let cwd = std::env::current_dir().context("reading the current directory")?;
        let root = load::discover(global.workspace.as_deref(), &cwd)?;
        crate::ui::diagnostics::show_paths_from(&cwd, &root);
        let mut workspace = load::load(&root)?;
        if let Some(n) = global.parallelism {
            workspace.settings.parallelism = usize::from(n);
        }
        let now = crate::env::now()
            .map_err(|e| UserError::new(e).hint("write an RFC 3339 timestamp or `YYYY-MM-DD`"))?;
        let (check, desired) = crate::plan::check_workspace_keeping(&workspace, now);
        if !check.problems.is_empty() {
            return Err(LoadError::Invalid(check.problems).into());
        }
        let state: Arc<dyn Store> = Arc::from(crate::state::open(&workspace.settings, &root)?);
        printer.detail(&format!("workspace: {}", root.display()));
        let adapters = crate::adapters::Options {
            credentials: crate::secrets::Sources::from_settings(&workspace.settings),
            http_log: printer.verbose.then(|| {
                let printer = printer.clone();
                std::sync::Arc::new(move |line: &str| printer.detail(line)) as _
            }),
            ..crate::adapters::Options::from_env().map_err(|e| {
                UserError::new(e)
                    .hint("fix or unset the variable: see the README's Environment table")
            })?
        };
        Ok(Session {
            adapters,
            root,
            workspace,
            state,
            lock_timeout: global.lock_timeout.unwrap_or_default(),
            now,
            actor: crate::env::actor(),
            printer,
            desired,
            denials: check.denials.len(),
        })
    }

    /// Puts `client` in tier `tier` for this run (`plan --tier`): its desired access is
    /// worked out anew.
    pub fn change_tier(&mut self, client: &str, tier: &str) {
        if let Some(c) = self.workspace.clients.get_mut(client) {
            c.tier = tier.to_string();
            self.desired.forget(client);
        }
    }

    /// Returns the named clients, or every client when none is named.
    pub fn select(&self, names: &[String]) -> anyhow::Result<Vec<&Client>> {
        if names.is_empty() {
            return Ok(self.workspace.clients.values().collect());
        }
        let mut selected: Vec<&Client> = Vec::new();
        for name in names {
            let client = self.context().client(name)?;
            if !selected.iter().any(|c| c.id == client.id) {
                selected.push(client);
            }
        }
        Ok(selected)
    }

    /// Returns who this run is, as a lock holder, for `command`.
    pub fn lock_info(&self, command: &str) -> LockInfo {
        LockInfo {
            actor: self.actor.clone(),
            host: crate::state::host_name(),
            command: command.to_string(),
            pid: std::process::id(),
            since: crate::model::time::format_instant(OffsetDateTime::now_utc()),
        }
    }

    /// Takes the workspace lock for a command (waiting up to `--lock-timeout`).
    pub fn lock(&self, command: &str) -> anyhow::Result<Lock> {
        self.lock_waiting(command, self.lock_timeout)
    }

    /// Takes the workspace lock for a command, waiting up to `wait`.
    pub fn lock_waiting(&self, command: &str, wait: Duration) -> anyhow::Result<Lock> {
        self.lock_scopes(command, vec![LockScope::Workspace], wait)
    }

    /// Takes the locks of `clients` for a command (waiting up to `--lock-timeout` in
    /// all): runs on other clients go on meanwhile.
    pub fn lock_clients(&self, command: &str, clients: &[&str]) -> anyhow::Result<Lock> {
        let scopes = clients
            .iter()
            .map(|c| LockScope::Client(c.to_string()))
            .collect();
        self.lock_scopes(command, scopes, self.lock_timeout)
    }

    /// Takes the lock of one client a command works on, or the workspace's when the
    /// workspace has no such client (the command then says so).
    pub fn lock_client(&self, command: &str, client: &str) -> anyhow::Result<Lock> {
        if self.workspace.clients.contains_key(client) {
            self.lock_clients(command, &[client])
        } else {
            self.lock(command)
        }
    }

    fn lock_scopes(
        &self,
        command: &str,
        mut scopes: Vec<LockScope>,
        timeout: Duration,
    ) -> anyhow::Result<Lock> {
        let info = self.lock_info(command);
        // Always in one order, so two runs taking overlapping sets never wait on each
        // other in a circle.
        scopes.sort();
        scopes.dedup();
        let started = std::time::Instant::now();
        let mut held: Option<Lock> = None;
        for scope in &scopes {
            let wait = timeout.saturating_sub(started.elapsed());
            let lock = self.state.lock(scope, &info, wait).map_err(|e| {
                let locked = matches!(e, StateError::Locked { .. });
                let error = anyhow::Error::new(e);
                if !locked {
                    error
                } else if *scope == LockScope::Workspace {
                    // The exit code comes from the `Locked` cause below this line.
                    error.context("another onboard run is working on this workspace")
                } else {
                    error.context(format!("another onboard run is working on {scope}"))
                }
            })?;
            held = Some(match held {
                None => lock,
                Some(held) => held.join(lock),
            });
        }
        Ok(held.expect("at least one scope"))
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
            reference @ (CredentialRef::Vault(_) | CredentialRef::Exec(_)) => {
                KeySource::Reference(Box::new(crate::secrets::Resolvable {
                    reference: reference.clone(),
                    root: self.root.clone(),
                    options: self.adapters.clone(),
                }))
            }
        }
    }

    /// Returns the audit signing key when it exists, or `None` when it may be created on
    /// first use (no key and an audit log without public keys). Writes nothing.
    fn existing_audit_key(&self) -> anyhow::Result<Option<AuditKey>> {
        let source = self.key_source();
        let dir = self.state.audit_location();
        let (publics, _) = crate::audit::key::read_publics(self.state.as_ref())?;
        match AuditKey::load(&source)? {
            Some(key) => {
                if !publics.is_empty() && !publics.iter().any(|(id, _)| *id == key.id) {
                    return Err(AuditError::UnknownKey {
                        key_id: key.id,
                        dir,
                    }
                    .into());
                }
                Ok(Some(key))
            }
            None if publics.is_empty() => Ok(None),
            None => Err(AuditError::KeyMissing {
                source_name: source.describe(),
                dir,
                keys: publics.into_iter().map(|(id, _)| id).collect(),
            }
            .into()),
        }
    }

    /// Checks, writing nothing, that a run could sign the audit log: called before a run
    /// records anything, so a missing key refuses the run before it changes any state.
    pub fn check_audit(&self) -> anyhow::Result<()> {
        self.existing_audit_key().map(|_| ())
    }

    /// Opens the audit log for a run of `command`. A workspace whose audit log has no
    /// public key yet and whose key file does not exist gets a new key on first use.
    pub fn audit_log(&self, command: &str) -> anyhow::Result<AuditLog> {
        let key = match self.existing_audit_key()? {
            Some(key) => key,
            None => {
                let source = self.key_source();
                let key = AuditKey::generate()?.store_new(&source)?;
                self.printer.status(&format!(
                    "Created the audit signing key `{}` in `{}`; its public key is in {}.",
                    key.id,
                    source.describe(),
                    self.state.audit_location().display()
                ));
                key
            }
        };
        Ok(AuditLog::open(
            Arc::clone(&self.state),
            key,
            &self.actor,
            command,
        )?)
    }

    /// Says what left intents without outcome in a client's chain: a run in progress
    /// (it holds the client's or the workspace's lock, naming who) or an interrupted one.
    pub fn unfinished_cause(&self, client: &str) -> anyhow::Result<String> {
        Ok(match self.running(client)? {
            Some(holder) => format!("a run is in progress: {holder}"),
            None => "a run was interrupted".into(),
        })
    }

    /// Returns who holds the lock of `client` or of the workspace now (a run in
    /// progress), or `None` when no live run does.
    pub fn running(&self, client: &str) -> anyhow::Result<Option<String>> {
        Ok(self
            .state
            .holders()?
            .into_iter()
            .find(|h| match &h.scope {
                LockScope::Workspace => true,
                LockScope::Client(c) => c == client,
            })
            .map(|h| {
                h.info.map_or_else(
                    || "another onboard process, which has not said who it is".to_string(),
                    |i| i.describe(),
                )
            }))
    }

    /// Reads the ledger and its fingerprint.
    pub fn ledger(&self) -> anyhow::Result<(Ledger, String)> {
        Ok(self.state.load_ledger()?)
    }

    /// Returns what the workflows read from the session: the workspace, its state and
    /// audit directories, the time and how adapters are opened.
    pub fn context(&self) -> workflow::Context<'_> {
        workflow::Context {
            root: &self.root,
            workspace: &self.workspace,
            state: self.state.as_ref(),
            now: self.now,
            adapters: &self.adapters,
        }
    }

    /// Returns what the request workflows act with: the workflow context, the actor,
    /// the lock held and this session's audit log.
    pub fn desk<'a>(&'a self, lock: &'a Lock) -> workflow::request::Desk<'a> {
        workflow::request::Desk {
            cx: self.context(),
            actor: &self.actor,
            lock,
            audit: self,
        }
    }

    /// Works out the plan for `clients` (see [`crate::workflow::plan::plan`]).
    pub fn plan(
        &self,
        clients: &[&Client],
        ledger: &Ledger,
        extra_blocks: &[Block],
    ) -> anyhow::Result<Plan> {
        let progress = crate::ui::progress::ReadProgress::new(self.printer.progress);
        workflow::plan::plan(
            &self.context(),
            clients,
            ledger,
            extra_blocks,
            &self.desired,
            &progress,
        )
    }
}

impl workflow::request::AuditOpener for Session {
    fn check(&self) -> anyhow::Result<()> {
        self.check_audit()
    }

    fn open(&self, command: &str) -> anyhow::Result<AuditLog> {
        self.audit_log(command)
    }
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
