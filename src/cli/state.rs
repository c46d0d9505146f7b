//! `onboard state rebuild`: reconstruct the grant ledger from the audit log alone;
//! `onboard state status`: which backend, where, what it holds, who holds its locks;
//! `onboard state migrate`: copy everything to the other backend, verify, switch.

use anyhow::Context;
use clap::{Args, Subcommand};

use super::GlobalArgs;
use super::session::Session;
use crate::audit::key::read_publics;
use crate::audit::replay::rebuild;
use crate::audit::verify::{Verdict, verify_chain};
use crate::exit::ExitStatus;
use crate::state::{Ledger, LockScope};
use crate::ui::OutputFormat;
use crate::ui::diagnostics::UserError;
use crate::ui::documents::FORMAT_VERSION;
use crate::ui::tables::table_text;

/// Work with the grant ledger
#[derive(Debug, Args)]
pub struct StateArgs {
    /// What to do
    #[command(subcommand)]
    pub command: StateCommand,
}

/// The state subcommands.
#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// Rebuild the grant ledger from the audit log alone
    ///
    /// Verifies every audit chain first and refuses a tampered one. Replays every
    /// successful grant, renewal, expiry and revocation, and every standing revocation,
    /// and writes the ledger anew: a lost or corrupt ledger loses nothing.
    Rebuild,
    /// Say which state backend is in use, where, what it holds and who holds its locks
    ///
    /// Never prints a password: a database URL is shown as `postgres://USER@HOST:PORT/DB`.
    Status,
    /// Copy everything onboard remembers to the other backend, verify, and switch
    ///
    /// Copies the ledger and standing revocations, requests, reviews, the audit chains,
    /// their heads and the public keys while holding the workspace lock on both sides;
    /// verifies every chain of the copy and that counts and hashes match the source;
    /// only then rewrites the `[state]` section of `onboard.toml`. The source is left as
    /// it was. An interrupted migration loses nothing: run it again and it resumes.
    Migrate(MigrateArgs),
}

/// Which backend to move to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendName {
    /// The workspace's files (`state/`, `audit/`).
    File,
    /// A PostgreSQL database.
    Postgres,
}

/// Copy everything onboard remembers to the other backend, verify, and switch
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The backend to move to
    #[arg(long, value_enum)]
    pub to: BackendName,
    /// Where the database URL comes from, for `--to postgres` (`env:VAR`, `file:PATH`,
    /// `keyring:NAME`); default: `[state] url` when set, else `env:ONBOARD_DATABASE_URL`
    #[arg(long, value_name = "REF")]
    pub url: Option<String>,
}

pub(super) fn run(global: &GlobalArgs, args: StateArgs) -> anyhow::Result<ExitStatus> {
    match args.command {
        StateCommand::Rebuild => rebuild_ledger(global),
        StateCommand::Status => status(global),
        StateCommand::Migrate(args) => migrate(global, &args),
    }
}

/// One held lock, for `state status --output json`.
#[derive(Debug, serde::Serialize)]
struct HeldLock {
    /// `workspace` or `client`.
    scope: &'static str,
    client: Option<String>,
    /// The holder, when it has said who it is.
    holder: Option<crate::state::LockInfo>,
}

/// `onboard state status --output json`.
#[derive(Debug, serde::Serialize)]
struct StatusDocument {
    format_version: u32,
    backend: &'static str,
    location: String,
    details: std::collections::BTreeMap<String, String>,
    locks: Vec<HeldLock>,
}

fn status(global: &GlobalArgs) -> anyhow::Result<ExitStatus> {
    let session = Session::open(global)?;
    let description = session.state.describe()?;
    let locks: Vec<HeldLock> = session
        .state
        .holders()?
        .into_iter()
        .map(|h| {
            let (scope, client) = match h.scope {
                LockScope::Workspace => ("workspace", None),
                LockScope::Client(c) => ("client", Some(c)),
            };
            HeldLock {
                scope,
                client,
                holder: h.info,
            }
        })
        .collect();
    let printer = &session.printer;
    if printer.format == OutputFormat::Json {
        printer.json(&StatusDocument {
            format_version: FORMAT_VERSION,
            backend: description.backend,
            location: description.location,
            details: description.details.into_iter().collect(),
            locks,
        })?;
        return Ok(ExitStatus::Success);
    }
    let mut text = format!(
        "backend: {}\nlocation: {}\n",
        description.backend, description.location
    );
    for (key, value) in &description.details {
        text.push_str(&format!("{key}: {value}\n"));
    }
    if locks.is_empty() {
        text.push_str("locks: none held\n");
    } else {
        let headers: &[&str] = &["lock", "actor", "host", "command", "pid", "since"];
        let mut rows: Vec<Vec<String>> = Vec::new();
        for lock in &locks {
            let what = match &lock.client {
                Some(client) => format!("client {client}"),
                None => "workspace".into(),
            };
            let row = match &lock.holder {
                Some(h) => vec![
                    what,
                    h.actor.clone(),
                    if h.host.is_empty() {
                        "-".into()
                    } else {
                        h.host.clone()
                    },
                    h.command.clone(),
                    h.pid.to_string(),
                    h.since.clone(),
                ],
                None => {
                    let mut row = vec![what, "(not said yet)".to_string()];
                    row.extend(["-", "-", "-", "-"].map(String::from));
                    row
                }
            };
            rows.push(row);
        }
        text.push_str("locks:\n");
        text.push_str(&table_text(headers, rows));
    }
    printer.data(&text)?;
    Ok(ExitStatus::Success)
}

fn rebuild_ledger(global: &GlobalArgs) -> anyhow::Result<ExitStatus> {
    let session = Session::open(global)?;
    let lock = session.lock("state rebuild")?;
    let store = session.state.as_ref();
    let (keys, _) = read_publics(store)?;
    let trusted: Vec<_> = keys.into_iter().map(|(_, k)| k).collect();
    let names = store.chains()?;
    if names.is_empty() || trusted.is_empty() {
        return Err(UserError::new(format!(
            "there is no audit log in {} to rebuild from",
            store.audit_location().display()
        ))
        .into());
    }
    for name in &names {
        if let Verdict::Tampered(t) = verify_chain(store, name, &trusted)? {
            return Err(
                UserError::new(format!("refusing to rebuild from the audit log: {t}"))
                    .hint("run `onboard audit verify` for the full report")
                    .status(ExitStatus::AuditTampered)
                    .into(),
            );
        }
    }
    let (grants, blocks) = rebuild(store)?;
    let mut ledger = Ledger {
        format_version: 1,
        grants,
        blocks,
    };
    ledger.normalise();
    let previous = session
        .state
        .load_ledger()
        .ok()
        .filter(|(_, digest)| digest != "none")
        .map(|(mut l, _)| {
            l.normalise();
            l
        });
    session.state.save_ledger(&ledger, &lock)?;
    let note = match previous {
        Some(old) if old == ledger => "it matches the ledger that was there".to_string(),
        Some(old) => format!(
            "the ledger that was there had {} grant(s)",
            old.grants.len()
        ),
        None => "there was no readable ledger before".to_string(),
    };
    session.printer.status(&format!(
        "Rebuilt the ledger from {} audit chain(s): {} grant(s), {} standing revocation(s); {note}.",
        names.len(),
        ledger.grants.len(),
        ledger.blocks.len()
    ));
    Ok(ExitStatus::Success)
}

fn migrate(global: &GlobalArgs, args: &MigrateArgs) -> anyhow::Result<ExitStatus> {
    use crate::model::{CredentialRef, StateBackend};
    use crate::state::{FileStore, Store, copy};
    let session = Session::open(global)?;
    let settings = &session.workspace.settings;
    let files = || -> Box<dyn Store> {
        Box::new(FileStore::new(
            session.root.join(&settings.state_dir),
            session.root.join(&settings.audit_dir),
        ))
    };
    let (from, to, url): (Box<dyn Store>, Box<dyn Store>, Option<CredentialRef>) =
        match (&settings.state, args.to) {
            (StateBackend::File, BackendName::Postgres) => {
                let text = args.url.as_deref().unwrap_or("env:ONBOARD_DATABASE_URL");
                let url = CredentialRef::parse(text).map_err(|e| {
                    UserError::new(format!("`--url {text}`: {e}"))
                        .hint("write `env:VAR`, `file:PATH` or `keyring:NAME`")
                })?;
                let to = crate::state::postgres::open(
                    &url,
                    &session.root,
                    &crate::secrets::Sources::from_settings(&session.workspace.settings),
                )?;
                (files(), Box::new(to), Some(url))
            }
            (StateBackend::Postgres { .. }, BackendName::File) => {
                (crate::state::open(settings, &session.root)?, files(), None)
            }
            _ => {
                return Err(UserError::new(format!(
                    "the workspace's state is already in the {} backend",
                    match args.to {
                        BackendName::File => "file",
                        BackendName::Postgres => "postgres",
                    }
                ))
                .hint("`onboard state status` says where it is")
                .into());
            }
        };
    let info = session.lock_info("state migrate");
    let _source = from.lock(&LockScope::Workspace, &info, std::time::Duration::ZERO)?;
    let lock = to.lock(&LockScope::Workspace, &info, std::time::Duration::ZERO)?;
    // A tampered log is not carried over (where it would look vouched for).
    verify_chains(from.as_ref(), "the audit log to migrate")?;
    let copied = copy::copy_audit(from.as_ref(), to.as_ref(), None)?;
    copy::copy_records(from.as_ref(), to.as_ref(), &lock)?;
    let differences = copy::differences(
        &copy::fingerprint(from.as_ref())?,
        &copy::fingerprint(to.as_ref())?,
    );
    if !differences.is_empty() {
        return Err(UserError::new(format!(
            "the copy in {} does not match its source: {}",
            to.describe()?.location,
            differences.join("; ")
        ))
        .hint("`onboard.toml` was not changed; the workspace still uses its source")
        .into());
    }
    verify_chains(to.as_ref(), "the copied audit log")?;
    let toml = session.root.join("onboard.toml");
    let text =
        std::fs::read_to_string(&toml).with_context(|| format!("reading {}", toml.display()))?;
    let section = match &url {
        Some(url) => format!("[state]\nbackend = \"postgres\"\nurl = \"{url}\"\n"),
        None => "[state]\nbackend = \"file\"\n".to_string(),
    };
    crate::atomic_file::write(&toml, with_state_section(&text, &section).as_bytes())
        .with_context(|| format!("writing {}", toml.display()))?;
    session.printer.status(&format!(
        "Copied to {}: {} audit chain(s) ({} line(s) appended), {} public key(s), the ledger, requests and reviews; verified; `onboard.toml` now says:\n{section}",
        to.describe()?.location,
        copied.chains,
        copied.lines,
        copied.keys,
    ));
    Ok(ExitStatus::Success)
}

/// Verifies every chain of a store as `audit verify` does; `what` names the log in the
/// error.
fn verify_chains(store: &dyn crate::state::Store, what: &str) -> anyhow::Result<()> {
    let (keys, _) = read_publics(store)?;
    let trusted: Vec<_> = keys.into_iter().map(|(_, k)| k).collect();
    for name in store.chains()? {
        if let Verdict::Tampered(t) = verify_chain(store, &name, &trusted)? {
            return Err(UserError::new(format!("{what} does not verify: {t}"))
                .hint(
                    "`onboard.toml` was not changed; `onboard audit verify` gives the full report",
                )
                .status(ExitStatus::AuditTampered)
                .into());
        }
    }
    Ok(())
}

/// Returns `onboard.toml`'s text with its `[state]` section (if any) replaced by
/// `section`, or `section` appended.
fn with_state_section(text: &str, section: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            inside = trimmed == "[state]";
        }
        if !inside {
            out.push_str(line);
        }
    }
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    if !out.is_empty() && !out.ends_with("\n\n") {
        out.push('\n');
    }
    out.push_str(section);
    out
}

#[cfg(test)]
mod tests {
    use super::with_state_section;

    #[test]
    fn the_state_section_is_replaced_or_appended() {
        let section = "[state]\nbackend = \"file\"\n";
        assert_eq!(
            with_state_section("[paths]\nstate = \"s\"\n", section),
            "[paths]\nstate = \"s\"\n\n[state]\nbackend = \"file\"\n"
        );
        assert_eq!(
            with_state_section(
                "[state]\nbackend = \"postgres\"\nurl = \"env:X\"\n\n[audit]\nkey = \"env:K\"\n",
                section
            ),
            "[audit]\nkey = \"env:K\"\n\n[state]\nbackend = \"file\"\n"
        );
        assert_eq!(with_state_section("", section), section);
    }
}
