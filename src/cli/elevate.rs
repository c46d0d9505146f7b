//! `onboard elevate`: just-in-time access to a bundle's TTL grants, for a ticket.

use clap::Args;

use super::GlobalArgs;
use super::access::{actor_identity, grant_now, new_id, request_entry};
use super::session::Session;
use crate::audit::{Entry, EntryKind};
use crate::exit::ExitStatus;
use crate::model::time::{format_duration, format_short, parse_duration};
use crate::model::{AccessRequest, Bundle, Client, Identity, RequestKind, RequestStatus};
use crate::policy::{self, Denial};
use crate::state::Requests;
use crate::ui::diagnostics::UserError;

/// Request just-in-time access to a bundle for a ticket
///
/// Asks for the just-in-time (TTL) grants of a bundle in one client, checked against the
/// policy. If any grant needs a second person's approval, the request waits (see
/// `onboard requests`, `onboard approve`); otherwise the access is granted at once and
/// ends by itself when its TTL has passed (`onboard expire`).
#[derive(Debug, Args)]
pub struct ElevateArgs {
    /// The client
    #[arg(long, value_name = "ID")]
    pub client: String,
    /// The bundle whose just-in-time grants are asked for
    #[arg(long, value_name = "ID")]
    pub bundle: String,
    /// The ticket the access is for
    #[arg(long, value_name = "TICKET")]
    pub ticket: String,
    /// Why the access is needed
    #[arg(long)]
    pub reason: String,
    /// How long (default: each grant's own TTL; never longer)
    #[arg(long, value_name = "DURATION")]
    pub ttl: Option<String>,
    /// Who receives the access (default: you)
    #[arg(long, value_name = "ID")]
    pub identity: Option<String>,
}

/// Resolves a request's client, identity and bundle, or says which is unknown.
pub(super) fn resolve<'a>(
    session: &'a Session,
    client: &str,
    identity: &str,
    bundle: &str,
) -> anyhow::Result<(&'a Client, &'a Identity, &'a Bundle)> {
    let client = session.select(&[client.to_string()])?[0];
    let identity = session.workspace.identities.get(identity).ok_or_else(|| {
        UserError::new(format!("unknown identity `{identity}`"))
            .hint("`onboard status` lists who holds what")
    })?;
    let bundle = session.workspace.bundles.get(bundle).ok_or_else(|| {
        let of_tier = session
            .workspace
            .bundles
            .values()
            .filter(|b| b.tier == client.tier)
            .map(|b| &b.id);
        UserError::new(format!("unknown bundle `{bundle}`")).hint(crate::model::suggest(
            &format!("bundles of tier `{}`", client.tier),
            bundle,
            of_tier,
        ))
    })?;
    Ok((client, identity, bundle))
}

/// Records policy denials in the audit log and returns the error that reports them.
pub(super) fn refuse(
    session: &Session,
    command: &str,
    client: &Client,
    identity: &Identity,
    denials: &[(String, Denial)],
) -> anyhow::Result<ExitStatus> {
    let mut audit = session.audit_log(command)?;
    for (entitlement, denial) in denials {
        audit.append(&client.id, Entry {
            kind: Some(EntryKind::Denial),
            client: Some(client.id.clone()),
            identity: Some(identity.id.clone()),
            entitlement: Some(entitlement.clone()),
            result: Some("denied".into()),
            error_code: Some(denial.rule.to_string()),
            error: Some(denial.message.clone()),
            detail: Some(serde_json::json!({ "rule": denial.rule, "cause": denial.cause.to_string(), "hint": denial.hint, "command": command })),
            ..Entry::default()
        })?;
    }
    audit.finish(serde_json::json!({ "denied": denials.len() }))?;
    let mut text = String::new();
    for (_, denial) in denials {
        crate::ui::diagnostics::render_diagnostic(
            &mut text,
            &denial.to_diagnostic(),
            session.printer.color_stderr,
        );
    }
    session.printer.report(&text);
    Ok(ExitStatus::PolicyDenied)
}

pub(super) fn run(global: &GlobalArgs, args: ElevateArgs) -> anyhow::Result<ExitStatus> {
    let session = Session::open(global)?;
    let lock = session.lock("elevate")?;
    let requester = actor_identity(&session)?;
    let (client, identity, bundle) = resolve(
        &session,
        &args.client,
        args.identity.as_deref().unwrap_or(&requester.id),
        &args.bundle,
    )?;
    if args.reason.trim().is_empty() || args.ticket.trim().is_empty() {
        return Err(UserError::new("an elevation needs a ticket and a reason").into());
    }
    let grants: Vec<_> = bundle.grants.iter().filter(|g| g.ttl.is_some()).collect();
    if grants.is_empty() {
        return Err(UserError::new(format!("bundle `{}` has no just-in-time grants", bundle.id))
            .hint("standing grants come from the identity's functions; elevate to a bundle with `ttl:` grants")
            .into());
    }
    let asked = match &args.ttl {
        Some(text) => Some(parse_duration(text).map_err(|e| {
            UserError::new(format!("`--ttl`: {e}")).hint("write a duration such as `2h`")
        })?),
        None => None,
    };
    // Without `--ttl`, each grant lasts its own `ttl`.
    let asked = asked.unwrap_or(std::time::Duration::MAX);
    let denials = policy::evaluate_request(
        &session.workspace,
        client,
        identity,
        bundle,
        false,
        asked,
        session.now,
    );
    if !denials.is_empty() {
        return refuse(&session, "elevate", client, identity, &denials);
    }
    let longest = policy::request_grants(bundle, false, asked)
        .map(|(_, lasts)| lasts)
        .max()
        .expect("not empty");
    let needs_approval = grants.iter().any(|g| g.requires.approval);
    let now = session.now;
    let mut request = AccessRequest::new(
        new_id("req"),
        RequestKind::Elevation,
        &client.id,
        &args.reason,
        (&requester.id, &session.actor),
        now,
    );
    request.identity = Some(identity.id.clone());
    request.bundle = Some(bundle.id.clone());
    request.ticket = Some(args.ticket.clone());
    request.ttl_seconds = Some(longest.as_secs());
    if !needs_approval {
        request.status = RequestStatus::Approved;
        request.granted_at = Some(now);
        request.expires_at = Some(crate::model::time::after(now, longest));
    }
    let mut requests: Requests = session.state.read()?;
    requests.requests.push(request.clone());
    // Nothing is recorded by a run that cannot sign its audit entries.
    session.check_audit()?;
    session.state.write(&mut requests, &lock)?;
    if needs_approval {
        let mut audit = session.audit_log("elevate")?;
        audit.append(
            &client.id,
            request_entry(EntryKind::Elevation, &request, "pending"),
        )?;
        audit.finish(serde_json::json!({ "request": request.id }))?;
        session.printer.data(&format!(
            "Request {} is pending: `{}` needs a second person's approval. They run `onboard approve {}`.",
            request.id, bundle.id, request.id
        ))?;
        return Ok(ExitStatus::Success);
    }
    session.printer.status(&format!(
        "Granting `{}` to `{}` in `{}` for {} (until {}), request {}.",
        bundle.id,
        identity.id,
        client.id,
        format_duration(longest),
        format_short(request.expires_at.expect("set above")),
        request.id
    ));
    let entry = request_entry(EntryKind::Elevation, &request, "granted");
    grant_now(&session, &lock, &request, "elevate", entry)
}
