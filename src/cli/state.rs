//! `onboard state`: where the state is kept and who holds its locks (`status`), and
//! rebuilding the grant ledger from the audit log alone (`rebuild`).

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
use crate::ui::documents::{FORMAT_VERSION, to_json};
use crate::ui::tables::{new_table, render};

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
    /// Show which backend keeps the state, where, and who holds which locks
    Status,
}

pub(super) fn run(global: &GlobalArgs, args: StateArgs) -> anyhow::Result<ExitStatus> {
    match args.command {
        StateCommand::Rebuild => rebuild_ledger(global),
        StateCommand::Status => status(global),
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
        printer.data(&to_json(&StatusDocument {
            format_version: FORMAT_VERSION,
            backend: description.backend,
            location: description.location,
            details: description.details.into_iter().collect(),
            locks,
        }))?;
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
        let mut table = new_table(&["lock", "actor", "host", "command", "pid", "since"]);
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
            table.add_row(row);
        }
        text.push_str("locks:\n");
        text.push_str(&render(&table));
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
