//! `onboard status`: who holds what, where, until when, and why, from the ledger.

use clap::Args;

use super::GlobalArgs;
use super::session::Session;
use crate::exit::ExitStatus;
use crate::model::time::format_short;
use crate::ui::OutputFormat;
use crate::ui::diagnostics::UserError;
use crate::ui::documents::{FORMAT_VERSION, StatusDocument};
use crate::ui::tables::{status_markdown, status_table};

/// Show who holds what, where, until when, and why
///
/// Reads the grant ledger (offline): every grant onboard made that is in force, with its
/// sources, ticket and expiry, and any standing revocations.
///
/// With `--notify`, the grants listed that end within `--expiring-within` (default:
/// `notify.expiring.within` of policy.yaml, 7d) are also sent as one digest to the
/// `notify.expiring` hooks. That sends what the workspace holds to a channel, so it is
/// recorded in the audit log (it takes the workspace lock and needs the audit key);
/// without `--notify`, `status` writes nothing.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Show only these clients (default: every client)
    pub clients: Vec<String>,

    /// Show only these identities (can be repeated)
    #[arg(long, value_name = "ID")]
    pub identity: Vec<String>,

    /// Show only grants that end within this duration (e.g. `7d`), for renewal reminders
    #[arg(long, value_name = "DURATION")]
    pub expiring_within: Option<String>,

    /// List the credentials issued to service accounts and agents instead: each one's
    /// age, next rotation (or retirement) and where it was delivered, never a value
    #[arg(long)]
    pub credentials: bool,

    /// Send the grants listed that end within `--expiring-within` (default:
    /// `notify.expiring.within`, 7d) as one digest to the `notify.expiring` hooks of
    /// policy.yaml, and record it in the audit log
    #[arg(long, conflicts_with = "credentials")]
    pub notify: bool,
}

pub(super) fn run(global: &GlobalArgs, args: StatusArgs) -> anyhow::Result<ExitStatus> {
    let session = Session::open(global)?;
    for client in &args.clients {
        if !session.workspace.clients.contains_key(client) {
            session.select(std::slice::from_ref(client))?;
        }
    }
    let mut within = match &args.expiring_within {
        None => None,
        Some(text) => Some(super::duration_arg("--expiring-within", text)?),
    };
    // A digest writes an audit entry: under the lock, with a key that can sign, both
    // checked before anything is sent.
    let _lock = if args.notify {
        super::expire::digest_hooks(&session)?;
        within.get_or_insert(session.workspace.policy.notify_expiring_within.value);
        let lock = session.lock("status")?;
        session.check_audit()?;
        Some(lock)
    } else {
        None
    };
    let horizon = within.map(|w| crate::model::time::after(session.now, w));
    let (ledger, _) = session.ledger()?;
    // An identity whose file is gone may still hold grants: only a name known to neither
    // the workspace nor the ledger is a mistake.
    if let Some(unknown) = args.identity.iter().find(|id| {
        !session.workspace.identities.contains_key(*id)
            && !ledger.grants.iter().any(|g| &g.identity == *id)
    }) {
        return Err(UserError::new(format!("unknown identity `{unknown}`"))
            .hint(crate::model::suggest(
                "identities",
                unknown,
                session.workspace.identities.keys(),
            ))
            .into());
    }
    if args.credentials {
        super::credentials::show_status(&session, &args.clients, &args.identity)?;
        super::credentials::warn_owners_left(&session, &args.clients)?;
        return Ok(ExitStatus::Success);
    }
    let grants: Vec<_> = ledger
        .grants
        .iter()
        .filter(|g| args.clients.is_empty() || args.clients.contains(&g.client))
        .filter(|g| args.identity.is_empty() || args.identity.contains(&g.identity))
        .filter(|g| horizon.is_none_or(|h| g.expires_at.is_some_and(|e| e <= h)))
        .collect();
    let printer = &session.printer;
    match printer.format {
        OutputFormat::Json => printer.json(&StatusDocument {
            format_version: FORMAT_VERSION,
            now: session.now,
            grants: grants.iter().map(|g| (*g).clone()).collect(),
            revocations: ledger.blocks.clone(),
        })?,
        OutputFormat::Table => {
            printer.data(&status_table(&grants, session.now, printer.color_stdout))?
        }
        OutputFormat::Markdown => printer.data(&status_markdown(&grants))?,
    }
    if let (true, Some(within)) = (args.notify, within) {
        let listed = crate::notify::digest::expiring(grants.iter().copied(), session.now, within);
        super::expire::send_digest(&session, "status", &listed, within)?;
    }
    for block in &ledger.blocks {
        printer.warn(&format!(
            "{} `{}` was revoked on {} by {}: lift with `onboard revoke --{} {} --lift`",
            block.scope.as_str(),
            block.value,
            format_short(block.at),
            block.actor,
            block.scope.as_str(),
            block.value
        ));
    }
    super::credentials::warn_owners_left(&session, &args.clients)?;
    super::access::warn_overdue(&session);
    // Counted once, when the session checked the workspace.
    let denials = session.denials;
    if denials > 0 {
        printer.warn(&format!(
            "policy denies {denials} thing(s) the workspace declares: `onboard validate` lists them; `onboard apply` never grants them and revokes what was granted"
        ));
    }
    let expired = grants
        .iter()
        .filter(|g| g.expires_at.is_some_and(|e| e <= session.now))
        .count();
    if expired > 0 {
        printer.warn(&format!(
            "{expired} grant(s) have ended but are still in place: run `onboard expire`"
        ));
    }
    Ok(ExitStatus::Success)
}
