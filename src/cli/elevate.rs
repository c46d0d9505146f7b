//! `onboard elevate`: just-in-time access to a bundle's TTL grants, for a ticket.

use clap::Args;

use super::GlobalArgs;
use super::access::{actor_identity, grant_now, new_id, print_request, request_entry, term};
use super::session::Session;
use crate::audit::{Entry, EntryKind};
use crate::exit::ExitStatus;
use crate::model::time::format_duration;
use crate::model::{AccessRequest, Bundle, BundleRequest, Client, Identity, RequestKind};
use crate::policy::{self, Denial};
use crate::ui::OutputFormat;
use crate::ui::diagnostics::UserError;
use crate::ui::documents::{DenialItem, ErrorBody, ErrorDocument};

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
    #[command(flatten)]
    pub sign: super::sign::SignArgs,
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

/// Records policy denials of a request in the audit log and returns the error that
/// reports them.
pub(super) fn refuse(
    session: &Session,
    command: &str,
    client: &Client,
    identity: &Identity,
    denials: &[(String, Denial)],
) -> anyhow::Result<ExitStatus> {
    refuse_with(
        session,
        &Refusal {
            command,
            client: &client.id,
            identity: Some(&identity.id),
            detail: serde_json::json!({}),
        },
        denials,
    )
}

/// What a refusal is about, for its audit entries.
pub(super) struct Refusal<'a> {
    /// The command refused.
    pub command: &'a str,
    /// The client whose chain records it.
    pub client: &'a str,
    /// Who would have received the access, if anyone.
    pub identity: Option<&'a str>,
    /// More to record in each entry's detail (an object: request, actor…).
    pub detail: serde_json::Value,
}

/// Records policy denials in the audit log and returns the error that reports them.
pub(super) fn refuse_with(
    session: &Session,
    refusal: &Refusal<'_>,
    denials: &[(String, Denial)],
) -> anyhow::Result<ExitStatus> {
    let mut audit = session.audit_log(refusal.command)?;
    for (entitlement, denial) in denials {
        let mut detail = serde_json::json!({ "rule": denial.rule, "cause": denial.cause.to_string(), "hint": denial.hint, "command": refusal.command });
        if let (Some(detail), Some(extra)) = (detail.as_object_mut(), refusal.detail.as_object()) {
            detail.extend(extra.clone());
        }
        audit.append(
            refusal.client,
            Entry {
                kind: Some(EntryKind::Denial),
                client: Some(refusal.client.to_string()),
                identity: refusal.identity.map(str::to_string),
                entitlement: (!entitlement.is_empty()).then(|| entitlement.clone()),
                result: Some("denied".into()),
                error_code: Some(denial.rule.to_string()),
                error: Some(denial.message.clone()),
                detail: Some(detail),
                ..Entry::default()
            },
        )?;
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
    if session.printer.format == OutputFormat::Json {
        let body = ErrorBody {
            message: format!(
                "`onboard {}` was refused by policy: {}",
                refusal.command,
                denials
                    .iter()
                    .map(|(_, d)| format!("`{}`", d.rule))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            hint: denials.first().map(|(_, d)| d.hint.clone()),
            denials: denials.iter().map(DenialItem::from).collect(),
            ..ErrorBody::default()
        };
        session.printer.document(&ErrorDocument::new(
            ExitStatus::PolicyDenied.code(),
            Some(body),
        ))?;
    }
    Ok(ExitStatus::PolicyDenied)
}

pub(super) fn run(global: &GlobalArgs, args: ElevateArgs) -> anyhow::Result<ExitStatus> {
    let mut session = Session::open(global)?;
    let lock = session.lock_client("elevate", &args.client)?;
    let subject = super::sign::bundle_subject(&args.client, &args.bundle, args.identity.as_deref());
    let proof = super::sign::prove(&mut session, &lock, "elevate", &subject, &args.sign)?;
    let session = session;
    let requester = actor_identity(&session)?;
    let (client, identity, bundle) = resolve(
        &session,
        &args.client,
        args.identity.as_deref().unwrap_or(&requester.id),
        &args.bundle,
    )?;
    if args.reason.trim().is_empty() || args.ticket.trim().is_empty() {
        return Err(UserError::new("an elevation needs a ticket and a reason")
            .hint(
                "pass `--ticket` with the ticket's id and `--reason` saying what the access is for",
            )
            .into());
    }
    let grants: Vec<_> = bundle.grants.iter().filter(|g| g.ttl.is_some()).collect();
    if grants.is_empty() {
        return Err(UserError::new(format!("bundle `{}` has no just-in-time grants", bundle.id))
            .hint("standing grants come from the identity's functions; elevate to a bundle with `ttl:` grants")
            .into());
    }
    let asked = match &args.ttl {
        Some(text) => Some(super::duration_arg("--ttl", text)?),
        None => None,
    };
    // Without `--ttl`, each grant lasts its own `ttl`.
    let asked = asked.unwrap_or(std::time::Duration::MAX);
    let mut denials = policy::evaluate_request(
        &session.workspace,
        client,
        identity,
        bundle,
        false,
        asked,
        session.now,
    );
    // The ticket must exist, be open and be the client's (when a provider checks them).
    let tickets = crate::tickets::Need::Required;
    denials.extend(
        crate::tickets::check_request(&session.context(), client, Some(&args.ticket), tickets)?
            .denials,
    );
    if !denials.is_empty() {
        return refuse(&session, "elevate", client, identity, &denials);
    }
    let shortened = policy::shortened_grants(bundle, asked);
    if args.ttl.is_some() && !shortened.is_empty() {
        let gets = shortened
            .iter()
            .map(|(g, ttl)| format!("`{}` for {}", g.entitlement, format_duration(*ttl)))
            .collect::<Vec<_>>()
            .join(", ");
        session.printer.warn(&format!(
            "`--ttl {}` is longer than bundle `{}` gives: {gets} (each grant lasts at most its own `ttl`)",
            format_duration(asked),
            bundle.id
        ));
    }
    let longest = policy::request_grants(bundle, false, asked)
        .map(|(_, lasts)| lasts)
        .max()
        .expect("not empty");
    let needs_approval = grants.iter().any(|g| g.requires.approval);
    let now = session.now;
    let ask = BundleRequest {
        kind: RequestKind::Elevation,
        client: &client.id,
        identity: &identity.id,
        bundle: &bundle.id,
        ticket: Some(&args.ticket),
        reason: &args.reason,
        ttl: longest,
    };
    let mut request =
        AccessRequest::for_bundle(new_id("req"), &ask, (&requester.id, &session.actor), now);
    let (ends, term) = term(&session, client, longest);
    if !needs_approval {
        request.grant(now, ends);
    }
    let mut requests = session.state.load_requests()?;
    requests.requests.push(request.clone());
    // Nothing is recorded by a run that cannot sign its audit entries.
    session.check_audit()?;
    session.state.save_requests(&requests, &lock)?;
    if needs_approval {
        let mut audit = session.audit_log("elevate")?;
        let mut entry = request_entry(EntryKind::Elevation, &request, "pending");
        entry.proof = proof;
        audit.append(&client.id, entry)?;
        audit.finish(serde_json::json!({ "request": request.id }))?;
        let prose = format!(
            "Request {} is pending: `{}` needs a second person's approval. They run `onboard approve {}`.",
            request.id, bundle.id, request.id
        );
        print_request(&session, request, Some(prose))?;
        return Ok(ExitStatus::Success);
    }
    session.printer.status(&format!(
        "Granting `{}` to `{}` in `{}` {term}, request {}.",
        bundle.id, identity.id, client.id, request.id
    ));
    let mut entry = request_entry(EntryKind::Elevation, &request, "granted");
    entry.proof = proof;
    grant_now(&session, &lock, &request, "elevate", entry)
}
