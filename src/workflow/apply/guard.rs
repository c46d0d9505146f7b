//! The mass-revoke guard: a run may not revoke more of a tenant's grants than policy
//! allows unless `--allow-mass-revoke` is given and a second person approved exactly
//! these removals. A refusal is recorded as one (its denials and the pending request a
//! second person approves), never as the run it refused.

use super::Run;
use crate::audit::{Entry, EntryKind, EntryResult};
use crate::exit::ExitStatus;
use crate::exit::UserError;
use crate::model::{AccessRequest, RequestKind, RequestStatus, TenantRef};
use crate::plan::Plan;
use crate::state::Ledger;
use crate::workflow::request::Desk;

/// A mass revocation a second person approved, which the run carries out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approved {
    /// The approved request: marked used once the run goes ahead.
    pub request: String,
    /// Who approved it.
    pub by: String,
}

/// Checks the removals `actionable` sends against policy's mass-revoke limits. Within
/// them: `None`. Over them with an approval of exactly these removals and
/// `allow_mass_revoke`: the approval. Over them otherwise: records the refusal (its
/// denials and a pending mass-revoke request, or the pending one already there) and
/// returns the error that reports it (exit 3); the run's own preface is not recorded,
/// for it was not carried out.
pub fn check(
    desk: &Desk<'_>,
    ledger: &Ledger,
    actionable: &Plan,
    run: &Run,
    denials: &[(String, Entry)],
    interrupted: &[String],
) -> anyhow::Result<Option<Approved>> {
    let policy = &desk.cx.workspace.policy;
    let over = crate::plan::mass_revocations(
        &actionable.changes,
        &ledger.grants,
        policy.mass_revoke_count.value,
        policy.mass_revoke_share.value,
    );
    if over.is_empty() {
        return Ok(None);
    }
    let fingerprint = crate::plan::removals_fingerprint(&actionable.changes);
    let summary = over
        .iter()
        .map(|m| {
            format!(
                "{} of {} grants in {}",
                m.removals,
                m.managed,
                TenantRef::new(&m.client, &m.tenant)
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let state = desk.cx.state;
    let requests = state.load_requests()?;
    if run.allow_mass_revoke
        && let Some(approved) = requests.requests.iter().find(|r| {
            r.kind == RequestKind::MassRevoke
                && r.status == RequestStatus::Approved
                && r.fingerprint.as_deref() == Some(fingerprint.as_str())
        })
    {
        return Ok(Some(Approved {
            request: approved.id.clone(),
            by: approved.decided_by.clone().unwrap_or_else(|| "?".into()),
        }));
    }
    // One pending request per set of removals: asking again reuses it.
    let existing = requests.requests.iter().find(|r| {
        r.kind == RequestKind::MassRevoke
            && r.status_at(desk.cx.now, policy.request_expiry) == RequestStatus::Pending
            && r.fingerprint.as_deref() == Some(fingerprint.as_str())
    });
    let requester = desk
        .cx
        .workspace
        .identity_of_actor(desk.actor)
        .map_or_else(|| desk.actor.to_string(), |i| i.id.clone());
    let (id, request) = match existing {
        Some(r) => (r.id.clone(), None),
        None => {
            let mut request = AccessRequest::new(
                crate::workflow::request::new_id("mr"),
                RequestKind::MassRevoke,
                &over[0].client,
                &format!("`onboard {}` would revoke {summary}", run.command),
                (&requester, desk.actor),
                desk.cx.now,
            );
            request.fingerprint = Some(fingerprint.clone());
            request.summary = Some(summary.clone());
            request.revocation = run.block.as_ref().map(|b| crate::model::Revocation {
                scope: b.scope,
                value: b.value.clone(),
            });
            (request.id.clone(), Some(request))
        }
    };
    let limit = format!(
        "at most {} grants or {:.0}% of a tenant's grants at once ({})",
        policy.mass_revoke_count.value,
        policy.mass_revoke_share.value * 100.0,
        policy.mass_revoke_count.origin
    );
    let entries: Vec<(String, Entry)> = over
        .iter()
        .map(|m| {
            (m.client.clone(), Entry {
                kind: Some(EntryKind::Denial),
                client: Some(m.client.clone()),
                tenant: Some(m.tenant.clone()),
                result: Some(EntryResult::Denied),
                error_code: Some("mass-revoke".into()),
                error: Some(format!("would revoke {} of {} grants; policy allows {limit}", m.removals, m.managed)),
                detail: Some(serde_json::json!({ "rule": "mass-revoke", "request": id, "command": run.command })),
                ..Entry::default()
            })
        })
        .collect();
    let mut audit = desk.audit.open(run.command)?;
    super::record_preface(&mut audit, &[denials, &entries], interrupted)?;
    if let Some(request) = request {
        let mut requests = requests;
        requests.requests.push(request);
        state.save_requests(&requests, desk.lock)?;
    }
    audit.finish(serde_json::json!({ "refused": "mass-revoke" }))?;
    let next = if run.block.is_some() {
        "once approved, it is carried out at once"
    } else {
        "then run the same command again with `--allow-mass-revoke`"
    };
    Err(
        UserError::new(format!("refusing to revoke {summary}: policy allows {limit}"))
            .hint(format!(
                "a second person approves it with `onboard approve {id}` (pending request {id}, see `onboard requests`); {next}"
            ))
            .status(ExitStatus::PolicyDenied)
            .into(),
    )
}
