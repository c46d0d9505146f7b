//! `onboard state rebuild`: reconstruct the grant ledger from the audit log alone.

use clap::{Args, Subcommand};

use super::GlobalArgs;
use super::session::Session;
use crate::audit::key::read_publics;
use crate::audit::layout::chains;
use crate::audit::replay::rebuild;
use crate::audit::verify::{Verdict, verify_chain};
use crate::exit::ExitStatus;
use crate::state::Ledger;
use crate::ui::diagnostics::UserError;

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
}

pub(super) fn run(global: &GlobalArgs, args: StateArgs) -> anyhow::Result<ExitStatus> {
    match args.command {
        StateCommand::Rebuild => rebuild_ledger(global),
    }
}

fn rebuild_ledger(global: &GlobalArgs) -> anyhow::Result<ExitStatus> {
    let session = Session::open(global)?;
    let lock = session.lock("state rebuild")?;
    let dir = session.audit_dir();
    let (keys, _) = read_publics(&dir)?;
    let trusted: Vec<_> = keys.into_iter().map(|(_, k)| k).collect();
    let names = chains(&dir)?;
    if names.is_empty() || trusted.is_empty() {
        return Err(UserError::new(format!(
            "there is no audit log in {} to rebuild from",
            dir.display()
        ))
        .into());
    }
    for name in &names {
        if let Verdict::Tampered(t) = verify_chain(&dir, name, &trusted)? {
            return Err(
                UserError::new(format!("refusing to rebuild from the audit log: {t}"))
                    .hint("run `onboard audit verify` for the full report")
                    .status(ExitStatus::AuditTampered)
                    .into(),
            );
        }
    }
    let (grants, blocks) = rebuild(&dir)?;
    let mut ledger = Ledger {
        format_version: 1,
        grants,
        blocks,
    };
    ledger.normalise();
    let previous = session
        .state
        .load()
        .ok()
        .filter(|(_, digest)| digest != "none")
        .map(|(mut l, _)| {
            l.normalise();
            l
        });
    session.state.save(&ledger, &lock)?;
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
