//! `onboard revoke`: remove everything an identity, a client or a ticket holds, and keep
//! it removed until the revocation is lifted.

use clap::{ArgGroup, Args};

use super::GlobalArgs;
use super::apply::{Run, execute_plan};
use super::session::Session;
use crate::audit::{Entry, EntryKind, WORKSPACE_CHAIN};
use crate::exit::ExitStatus;
use crate::model::{AccessRequest, Block, BlockScope};
use crate::plan::{ChangeKind, EntryRef};
use crate::state::{Ledger, Lock};
use crate::ui::diagnostics::UserError;

/// Revoke everything an identity, a client or a ticket holds
///
/// For a leaver (`--identity`), a contract that ended (`--client`) or a closed ticket
/// (`--ticket`): plans the removal of every grant in scope, shows it, asks for
/// confirmation (or `--yes`) and applies it. The revocation is recorded in the ledger, so
/// later plans do not grant the access again while the workspace still declares it; lift
/// it with `--lift` once the workspace has been brought in line.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("scope").required(true).args(["identity", "client", "ticket"])))]
pub struct RevokeArgs {
    /// Revoke everything this identity holds, in every client
    #[arg(long, value_name = "ID")]
    pub identity: Option<String>,

    /// Revoke everything granted in this client
    #[arg(long, value_name = "ID")]
    pub client: Option<String>,

    /// Revoke every grant tied to this ticket
    #[arg(long, value_name = "TICKET")]
    pub ticket: Option<String>,

    /// Apply without asking for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Lift an earlier revocation of this scope instead (changes no tenant)
    #[arg(long)]
    pub lift: bool,

    /// Revoke more of a tenant's grants than the policy's mass-revoke limit, once a
    /// second person approved exactly these removals (`onboard approve`)
    #[arg(long)]
    pub allow_mass_revoke: bool,
    #[command(flatten)]
    pub sign: super::sign::SignArgs,
}

pub(super) fn run(global: &GlobalArgs, args: RevokeArgs) -> anyhow::Result<ExitStatus> {
    let mut session = Session::open(global)?;
    let (scope, value) = match (&args.identity, &args.client, &args.ticket) {
        (Some(v), _, _) => (BlockScope::Identity, v.clone()),
        (_, Some(v), _) => (BlockScope::Client, v.clone()),
        (_, _, Some(v)) => (BlockScope::Ticket, v.clone()),
        _ => unreachable!("clap requires one scope"),
    };
    let lock = session.lock("revoke")?;
    let subject = format!(
        "{}{}:{value}",
        if args.lift { "lift " } else { "" },
        scope.as_str()
    );
    let proof = super::sign::prove(&mut session, &lock, "revoke", &subject, &args.sign)?;
    let session = session;
    let (mut ledger, _) = session.ledger()?;
    if args.lift {
        let before = ledger.blocks.len();
        ledger
            .blocks
            .retain(|b| !(b.scope == scope && b.value == value));
        if ledger.blocks.len() == before {
            session.printer.status(&format!(
                "There is no revocation of {} `{value}` to lift.",
                scope.as_str()
            ));
            return Ok(ExitStatus::Success);
        }
        let mut audit = session.audit_log("revoke")?;
        audit.append(
            WORKSPACE_CHAIN,
            revocation_entry(scope, &value, "lift", proof),
        )?;
        audit.finish(serde_json::json!({ "lifted": 1 }))?;
        session.state.save_ledger(&ledger, &lock)?;
        session.printer.status(&format!(
            "Lifted the revocation of {} `{value}`: the next `onboard apply` grants what the workspace declares.",
            scope.as_str()
        ));
        return Ok(ExitStatus::Success);
    }
    let known = match scope {
        BlockScope::Identity => {
            session.workspace.identities.contains_key(&value)
                || ledger.grants.iter().any(|g| g.identity == value)
        }
        BlockScope::Client => session.workspace.clients.contains_key(&value),
        BlockScope::Ticket => true,
    };
    if !known {
        let hint = match scope {
            BlockScope::Client if ledger.grants.iter().any(|g| g.client == value) => format!(
                "grants are recorded for `{value}` but its client file is gone: restore `clients/{value}.yaml` so its tenants can be reached"
            ),
            _ => format!(
                "check the {} id; `onboard status` lists who holds what",
                scope.as_str()
            ),
        };
        return Err(
            UserError::new(format!("unknown {} `{value}`", scope.as_str()))
                .hint(hint)
                .into(),
        );
    }
    let run = Run {
        allow_mass_revoke: args.allow_mass_revoke,
        ..revocation_run()
    };
    revoke_scope(
        &session,
        &lock,
        ledger,
        (scope, &value),
        (run, args.yes),
        proof,
    )
}

/// Returns how `onboard revoke` runs its plan: drift in scope is removed, and the
/// revocation is recorded only once the run goes ahead.
fn revocation_run() -> Run {
    Run {
        command: "revoke",
        prune: true,
        ..Run::default()
    }
}

/// Plans the removal of everything in a scope and carries it out, recording the standing
/// revocation once the run goes ahead (confirmed unless `yes`, within the mass-revoke
/// guard).
fn revoke_scope(
    session: &Session,
    lock: &Lock,
    ledger: Ledger,
    (scope, value): (BlockScope, &str),
    (run, yes): (Run, bool),
    proof: Option<crate::actor::Proof>,
) -> anyhow::Result<ExitStatus> {
    let block = Block {
        scope,
        value: value.to_string(),
        at: session.now,
        actor: session.actor.clone(),
    };
    let clients = match scope {
        BlockScope::Client => session.select(&[value.to_string()])?,
        _ => session.select(&[])?,
    };
    let full = session.plan(&clients, &ledger, std::slice::from_ref(&block))?;
    let plan = full.only(|c| in_scope(c, scope, value));
    let mut preface = run.preface;
    preface.push((
        WORKSPACE_CHAIN.to_string(),
        revocation_entry(scope, value, "revoke", proof),
    ));
    let run = Run {
        preface,
        block: Some(block),
        ..run
    };
    let status = execute_plan(session, lock, ledger, &plan, &run, yes)?;
    super::access::write_back(session, &plan, status);
    // The revocation is recorded now: the credentials of its identities go too, from
    // the tenants and the vault (the ledger is read again: it holds the revocation now).
    let ids: Vec<&str> = clients.iter().map(|c| c.id.as_str()).collect();
    let (ledger, _) = session.ledger()?;
    let failed =
        super::credentials::apply_phase(session, lock, (&ids, &ledger.blocks), true, "revoke")?;
    Ok(match status {
        ExitStatus::Success if failed > 0 => ExitStatus::PartialFailure,
        other => other,
    })
}

/// Carries out the revocation a second person just approved in a mass-revoke request
/// (`onboard approve`), after the approval is recorded. Returns `None` for a request that
/// names no revocation (a mass revoke asked for by `onboard apply`, which its requester
/// runs again with `--allow-mass-revoke`).
pub(super) fn carry_out_approved(
    session: &Session,
    lock: &Lock,
    request: &AccessRequest,
) -> anyhow::Result<Option<ExitStatus>> {
    let Some(revocation) = &request.revocation else {
        return Ok(None);
    };
    let (ledger, _) = session.ledger()?;
    session.printer.status(&format!(
        "Carrying out the approved revocation of {} `{}`.",
        revocation.scope.as_str(),
        revocation.value
    ));
    let run = Run {
        command: "approve",
        allow_mass_revoke: true,
        ..revocation_run()
    };
    revoke_scope(
        session,
        lock,
        ledger,
        (revocation.scope, &revocation.value),
        (run, true),
        None,
    )
    .map(Some)
}

/// Returns the audit entry recording a revocation of a scope, or its lifting.
fn revocation_entry(
    scope: BlockScope,
    value: &str,
    action: &str,
    proof: Option<crate::actor::Proof>,
) -> Entry {
    Entry {
        kind: Some(EntryKind::Revocation),
        identity: (scope == BlockScope::Identity).then(|| value.to_string()),
        client: (scope == BlockScope::Client).then(|| value.to_string()),
        ticket: (scope == BlockScope::Ticket).then(|| value.to_string()),
        detail: Some(serde_json::json!({ "scope": scope, "value": value, "action": action })),
        proof,
        ..Entry::default()
    }
}

fn in_scope(entry: EntryRef<'_>, scope: BlockScope, value: &str) -> bool {
    let change = match entry {
        EntryRef::Unknown(u) => return scope != BlockScope::Client || u.client == value,
        EntryRef::Denied(_) => return false,
        EntryRef::Change(change) => change,
    };
    if !change.kind.removes() {
        return false;
    }
    match scope {
        BlockScope::Identity => change.identity.as_deref() == Some(value),
        // In a client, drift is revoked only for known identities: unknown holders may be
        // the client's own staff.
        BlockScope::Client => {
            change.client == value
                && (change.kind != ChangeKind::Drift || change.identity.is_some())
        }
        BlockScope::Ticket => {
            change.ticket.as_deref() == Some(value) && change.kind != ChangeKind::Drift
        }
    }
}
