//! Tickets: access bound to real tickets in the MSP's PSA.
//!
//! Owns the ticket providers (`connectwise`, and the generic `command` and `webhook`
//! kinds), the per-run cache that asks each provider about each ticket once, and what
//! the workflows ask of tickets: is this request's ticket open and the client's
//! ([`check_request`]), which exceptions rest on tickets that are not
//! ([`exception_denials`]), which recorded grants rest on tickets that closed
//! ([`sweep`]), and the notes written back to tickets ([`write_back`]). The decision
//! itself is pure ([`decide`]).
//!
//! It prints nothing: it returns denials, warnings and notes for the commands to report.
//! A provider that cannot answer is never taken to mean "closed" nor "open".

mod command;
mod connectwise;
pub mod decide;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::Mutex;

use time::OffsetDateTime;

pub use self::decide::{RULE, Verdict};
use crate::adapters::{FailureKind, Options};
use crate::audit::{Entry, EntryKind};
use crate::exit::ExitStatus;
use crate::exit::UserError;
use crate::model::time::format_instant;
use crate::model::{
    Block, BlockScope, Client, Diagnostic, TicketProvider, TicketProviderKind, Workspace,
};
use crate::plan::{Change, ChangeKind, Plan};
use crate::policy::Denial;
use crate::state::Ledger;

/// A ticket as a provider describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// The ticket's id, as asked.
    pub id: String,
    /// Its status, as the provider names it (`New`, `Closed (resolved)`…).
    pub status: Option<String>,
    /// Whether it is closed.
    pub closed: bool,
    /// When it closed, if the provider says.
    pub closed_at: Option<OffsetDateTime>,
    /// The PSA company it belongs to (ConnectWise `company.identifier`).
    pub company: Option<String>,
    /// The client id it belongs to, when the provider answers in client ids.
    pub client: Option<String>,
}

/// Why a provider could not answer. Names the provider, never a credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{provider}: {detail}")]
pub struct TicketError {
    /// The provider: ``ticket provider `connectwise` (onboard.toml:12:1)``.
    pub provider: String,
    /// What kind of failure.
    pub kind: FailureKind,
    /// What went wrong.
    pub detail: String,
}

/// What a provider answered about one ticket: the ticket, `None` when it has no such
/// ticket, or why it could not say.
pub type Answer = Result<Option<Ticket>, TicketError>;

/// What a provider is reached with: the workspace root (for `file:` references and
/// `command` programs) and the run's options (HTTP policy, credential sources).
#[derive(Clone, Copy)]
pub struct Desk<'a> {
    /// The workspace root.
    pub root: &'a Path,
    /// The run's options.
    pub options: &'a Options,
}

impl<'a> Desk<'a> {
    /// Returns the desk of a workflow context.
    pub fn of(cx: &crate::workflow::Context<'a>) -> Desk<'a> {
        Desk {
            root: cx.root,
            options: cx.adapters,
        }
    }
}

/// Returns the provider that checks `client`'s tickets: the client's own `tickets:`, else
/// the workspace's `[tickets]`; `None` when there is none (or it is `kind: none`).
pub fn provider_for<'w>(
    workspace: &'w Workspace,
    client: &'w Client,
) -> Option<&'w TicketProvider> {
    client
        .tickets
        .as_ref()
        .or(workspace.settings.tickets.as_ref())
        .filter(|p| p.is_active())
}

/// Returns the provider that checks `client`'s tickets when access is asked for (requests,
/// review closings, exceptions): its provider, unless `policy.yaml` turns `ticket-open`
/// off. The provider still revokes what rests on closed tickets and takes notes then.
fn checking<'w>(workspace: &'w Workspace, client: &'w Client) -> Option<&'w TicketProvider> {
    provider_for(workspace, client).filter(|_| workspace.policy.enabled(RULE))
}

/// Returns how a provider is named in messages.
fn provider_name(provider: &TicketProvider) -> String {
    format!(
        "ticket provider `{}` ({})",
        provider.kind_name(),
        provider.origin
    )
}

/// Every answer of this run, by provider and ticket: each ticket is asked about once per
/// run, however many grants, requests and exceptions rest on it.
static ANSWERS: Mutex<Option<HashMap<(String, String), Answer>>> = Mutex::new(None);

/// Asks `provider` about ticket `id` (once per run), for `client`.
pub fn lookup(desk: Desk<'_>, provider: &TicketProvider, client: &Client, id: &str) -> Answer {
    let key = (provider.origin.to_string(), id.to_string());
    if let Some(answer) = ANSWERS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .and_then(|a| a.get(&key))
    {
        return answer.clone();
    }
    let name = provider_name(provider);
    let answer = match &provider.kind {
        TicketProviderKind::ConnectWise { .. } => connectwise::lookup(desk, provider, &name, id),
        TicketProviderKind::Command { .. } | TicketProviderKind::Webhook { .. } => {
            command::lookup(desk, provider, &name, client, id)
        }
        TicketProviderKind::None => Ok(None),
    };
    ANSWERS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_or_insert_with(HashMap::new)
        .insert(key, answer.clone());
    answer
}

/// Whether a request must name a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// `elevate`, `approve`: a ticket is required, and must be checked.
    Required,
    /// `break-glass`: an emergency may come before its ticket; one given is checked, and
    /// a provider that cannot answer does not hold the emergency up.
    Optional,
}

/// What checking a request's ticket found.
#[derive(Debug, Default)]
pub struct RequestCheck {
    /// `ticket-open` denials (with an empty entitlement: they refuse the whole request).
    pub denials: Vec<(String, Denial)>,
    /// Said to the user, the request going ahead.
    pub warnings: Vec<String>,
}

/// Checks the ticket of a request into `client`. Without a provider, nothing is checked.
/// With one: `Required` refuses a request with no ticket, or one that is missing, closed
/// or another client's (`ticket-open`), and fails (exit 4) when the provider cannot say;
/// `Optional` checks a ticket given and goes ahead, with a warning, when the provider
/// cannot say or no ticket is given.
pub fn check_request(
    cx: &crate::workflow::Context<'_>,
    client: &Client,
    ticket: Option<&str>,
    need: Need,
) -> anyhow::Result<RequestCheck> {
    let mut check = RequestCheck::default();
    let Some(provider) = checking(cx.workspace, client) else {
        return Ok(check);
    };
    let Some(id) = ticket.map(str::trim).filter(|t| !t.is_empty()) else {
        match need {
            Need::Required => check.denials.push((
                String::new(),
                Denial {
                    rule: RULE,
                    message: format!("client `{}` requires a ticket for access", client.id),
                    cause: provider.origin.clone(),
                    hint: "pass `--ticket` with an open ticket of this client".into(),
                },
            )),
            Need::Optional => check.warnings.push(
                "no ticket given: the review of this emergency access asks for one (`onboard review close ID --ticket T …`)".to_string(),
            ),
        }
        return Ok(check);
    };
    let verdict = decide::decide(
        client,
        provider,
        &lookup(Desk::of(cx), provider, client, id),
    );
    if let Verdict::Unknown(why) = &verdict {
        match need {
            Need::Required => {
                return Err(UserError::new(format!("cannot check ticket `{id}`: {why}"))
                    .hint("nothing was changed; run again once the ticket provider answers (or check its settings and credentials)")
                    .status(ExitStatus::PartialFailure)
                    .into());
            }
            Need::Optional => check.warnings.push(format!(
                "cannot check ticket `{id}` ({why}): going ahead, as this is an emergency; the review will check it"
            )),
        }
    }
    if let Some(denial) = decide::denial(id, client, provider, &verdict) {
        check.denials.push((String::new(), denial));
    }
    Ok(check)
}

/// Checks that `ticket`, given when closing a review of emergency access in `client`,
/// exists and is the client's (it may be closed by now: the emergency is over).
/// Returns `None` when no provider checks the client's tickets.
fn check_review_ticket(
    cx: &crate::workflow::Context<'_>,
    client: &Client,
    ticket: &str,
) -> anyhow::Result<Option<Denial>> {
    let Some(provider) = checking(cx.workspace, client) else {
        return Ok(None);
    };
    match decide::decide(
        client,
        provider,
        &lookup(Desk::of(cx), provider, client, ticket),
    ) {
        Verdict::Unknown(why) => Err(UserError::new(format!(
            "cannot check ticket `{ticket}`: {why}"
        ))
        .hint("nothing was changed; run again once the ticket provider answers")
        .status(ExitStatus::PartialFailure)
        .into()),
        Verdict::Closed(_) | Verdict::Open(_) => Ok(None),
        verdict => Ok(decide::denial(ticket, client, provider, &verdict)),
    }
}

/// Checks the ticket given when closing `review`: the review of break-glass access taken
/// without a ticket, in a client whose tickets a provider checks, demands one, which
/// must exist and be the client's (it may be closed by now: the emergency is over).
/// Returns `ticket-open` denials (empty: the review may close).
pub fn check_review(
    cx: &crate::workflow::Context<'_>,
    review: &crate::model::ReviewItem,
    requests: &[crate::model::AccessRequest],
    ticket: Option<&str>,
) -> anyhow::Result<Vec<(String, Denial)>> {
    let Some(client) = cx.workspace.clients.get(&review.client) else {
        return Ok(Vec::new());
    };
    let Some(provider) = checking(cx.workspace, client) else {
        return Ok(Vec::new());
    };
    let had_ticket = requests
        .iter()
        .find(|r| r.id == review.subject)
        .is_some_and(|r| r.ticket.is_some());
    let denial = match ticket.map(str::trim).filter(|t| !t.is_empty()) {
        Some(id) => check_review_ticket(cx, client, id)?,
        None if review.kind == "break-glass" && !had_ticket => Some(Denial {
            rule: RULE,
            message: format!(
                "`{}` was taken without a ticket, and client `{}` requires one: its review names it",
                review.subject, client.id
            ),
            cause: provider.origin.clone(),
            hint: format!(
                "pass `--ticket` with the ticket of this emergency: `onboard review close {} --ticket T --outcome … --notes …`",
                review.id
            ),
        }),
        None => None,
    };
    Ok(denial.into_iter().map(|d| (String::new(), d)).collect())
}

/// Checks the tickets of `clients`' exceptions: returns the `ticket-open` denial of each
/// exception source (`exception:ID`, by client) whose ticket is missing, closed or
/// another client's, and a warning (at the exception) for each ticket the provider could
/// not answer about (those exceptions are left as they are). Exceptions that ended by
/// `now` grant nothing and are not asked about.
pub fn exception_denials(
    desk: Desk<'_>,
    workspace: &Workspace,
    clients: &[&Client],
    now: OffsetDateTime,
) -> (BTreeMap<(String, String), Denial>, Vec<Diagnostic>) {
    let mut denials = BTreeMap::new();
    let mut warnings = Vec::new();
    for client in clients {
        let Some(provider) = checking(workspace, client) else {
            continue;
        };
        for exception in client.exceptions.iter().filter(|e| now < e.until) {
            let source = crate::model::Source::Exception(exception.id.clone()).to_string();
            let Some(id) = exception.ticket.as_deref() else {
                denials.insert(
                    (client.id.clone(), source),
                    Denial {
                        rule: RULE,
                        message: format!(
                            "exception `{}` names no ticket, and client `{}` requires one",
                            exception.id, client.id
                        ),
                        cause: exception.origin.clone(),
                        hint: "add `ticket: …` with an open ticket of this client to the exception"
                            .into(),
                    },
                );
                continue;
            };
            let verdict = decide::decide(client, provider, &lookup(desk, provider, client, id));
            if let Verdict::Unknown(why) = &verdict {
                warnings.push(
                    Diagnostic::new(
                        exception.origin.clone(),
                        format!(
                            "exception `{}` of `{}`: cannot check ticket `{id}` ({why}); its access is left as it is",
                            exception.id, client.id
                        ),
                    )
                    .hint("run again once the ticket provider answers"),
                );
            }
            if let Some(mut denial) = decide::denial(id, client, provider, &verdict) {
                denial.message = format!("exception `{}`: {}", exception.id, denial.message);
                denial.cause = exception.origin.clone();
                denials.insert((client.id.clone(), source), denial);
            }
        }
    }
    (denials, warnings)
}

/// Checks every exception's ticket for `onboard validate`, which has no session: the
/// run's options come from the environment and the workspace's settings. Returns the
/// denials and the warnings (a provider that cannot be reached checks nothing further).
pub fn validate_exceptions(
    root: &Path,
    workspace: &Workspace,
    now: OffsetDateTime,
) -> (Vec<Denial>, Vec<Diagnostic>) {
    let clients: Vec<&Client> = workspace.clients.values().collect();
    if !clients.iter().any(|c| checking(workspace, c).is_some()) {
        return (Vec::new(), Vec::new());
    }
    let options = match Options::from_env() {
        Ok(options) => Options {
            credentials: crate::secrets::Sources::from_settings(&workspace.settings),
            ..options
        },
        Err(e) => {
            let origin = crate::model::Origin::file(&"onboard.toml".into());
            let warning = Diagnostic::new(origin, format!("tickets were not checked: {e}"));
            return (Vec::new(), vec![warning]);
        }
    };
    let desk = Desk {
        root,
        options: &options,
    };
    let (denials, warnings) = exception_denials(desk, workspace, &clients, now);
    (denials.into_values().collect(), warnings)
}

/// Adds each exception's ticket denial to the desired grants that exception alone asks
/// for (a grant asked for by another source too stays allowed).
pub fn deny_exception_grants(
    access: &mut crate::plan::DesiredAccess,
    denials: &BTreeMap<(String, String), Denial>,
) {
    for grant in &mut access.grants {
        let found: Vec<_> = grant
            .sources
            .iter()
            .map(|s| denials.get(&(grant.key.client.clone(), s.to_string())))
            .collect();
        if found.iter().all(Option::is_some) {
            for denial in found.into_iter().flatten() {
                if !grant.denials.contains(denial) {
                    grant.denials.push(denial.clone());
                }
            }
        }
    }
}

/// A ticket that closed, with the grants resting on it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ClosedTicket {
    /// The ticket.
    pub ticket: String,
    /// The client whose grants rest on it.
    pub client: String,
    /// Its status in the provider.
    pub status: Option<String>,
    /// When it closed, if the provider says.
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    /// How many recorded grants rest on it.
    pub grants: usize,
}

/// A ticket the provider could not answer about: its grants are left alone.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UnknownTicket {
    /// The ticket.
    pub ticket: String,
    /// The client whose grants rest on it.
    pub client: String,
    /// Why it is unknown.
    pub reason: String,
    /// How many recorded grants rest on it (neither revoked nor extended).
    pub grants: usize,
}

/// What asking the providers about every ticket recorded grants rest on found.
#[derive(Debug, Default, serde::Serialize)]
pub struct Sweep {
    /// Tickets that closed: their grants are revoked.
    pub closed: Vec<ClosedTicket>,
    /// Tickets the provider could not answer about (down, rate limited, a malformed
    /// answer, missing, or now another client's): their grants are "unknown".
    pub unknown: Vec<UnknownTicket>,
}

/// Asks each client's provider about every ticket the ledger's grants in `clients` rest
/// on (each once; tickets already revoked are not asked about).
pub fn sweep(cx: &crate::workflow::Context<'_>, clients: &[&Client], ledger: &Ledger) -> Sweep {
    let mut counts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let selected: BTreeSet<&str> = clients.iter().map(|c| c.id.as_str()).collect();
    for record in &ledger.grants {
        let Some(ticket) = record.ticket.as_deref() else {
            continue;
        };
        let blocked = ledger
            .blocks
            .iter()
            .any(|b| b.scope == BlockScope::Ticket && b.value == ticket);
        if selected.contains(record.client.as_str()) && !blocked {
            *counts.entry((&record.client, ticket)).or_default() += 1;
        }
    }
    let mut sweep = Sweep::default();
    for ((client_id, ticket), grants) in counts {
        let Some(client) = clients.iter().find(|c| c.id == client_id) else {
            continue;
        };
        let Some(provider) = provider_for(cx.workspace, client) else {
            continue;
        };
        let unknown = |reason: String| UnknownTicket {
            ticket: ticket.to_string(),
            client: client_id.to_string(),
            reason,
            grants,
        };
        match decide::decide(
            client,
            provider,
            &lookup(Desk::of(cx), provider, client, ticket),
        ) {
            Verdict::Open(_) => {}
            Verdict::Closed(t) => sweep.closed.push(ClosedTicket {
                ticket: ticket.to_string(),
                client: client_id.to_string(),
                status: t.status,
                closed_at: t.closed_at,
                grants,
            }),
            Verdict::Unknown(why) => sweep.unknown.push(unknown(why)),
            Verdict::Missing => sweep.unknown.push(unknown(format!(
                "{} has no ticket `{ticket}`",
                provider_name(provider)
            ))),
            Verdict::Foreign(t) => sweep.unknown.push(unknown(format!(
                "ticket `{ticket}` now belongs to company `{}`, not to `{client_id}`",
                t.company.or(t.client).unwrap_or_default()
            ))),
        }
    }
    sweep
}

impl Sweep {
    /// Returns the standing revocations of the closed tickets, made at `now` by `actor`.
    pub fn blocks(&self, now: OffsetDateTime, actor: &str) -> Vec<Block> {
        let mut seen = BTreeSet::new();
        self.closed
            .iter()
            .filter(|c| seen.insert(c.ticket.clone()))
            .map(|c| Block {
                scope: BlockScope::Ticket,
                value: c.ticket.clone(),
                at: now,
                actor: actor.to_string(),
            })
            .collect()
    }

    /// Returns whether `change` revokes a grant whose ticket closed.
    pub fn revokes(&self, change: &Change) -> bool {
        change.kind == ChangeKind::Revoke
            && self.closed.iter().any(|c| {
                c.client == change.client && change.ticket.as_deref() == Some(c.ticket.as_str())
            })
    }

    /// Makes each revocation of a grant whose ticket closed an expiry (the access's term
    /// ended with its ticket: the mass-revoke guard does not count it, as it counts no
    /// expiry), saying in its reason that (and when) the ticket closed.
    pub fn explain(&self, plan: &mut Plan) {
        for change in plan.changes.iter_mut() {
            if !self.revokes(change) {
                continue;
            }
            if let Some(closed) = self.closed.iter().find(|c| {
                c.client == change.client && change.ticket.as_deref() == Some(c.ticket.as_str())
            }) {
                let gone = change.reason.ends_with("(already gone from the tenant)");
                change.kind = ChangeKind::Expire;
                change.reason = format!(
                    "ticket `{}` closed{}{}",
                    closed.ticket,
                    closed
                        .closed_at
                        .map(|at| format!(" at {}", format_instant(at)))
                        .unwrap_or_default(),
                    if gone {
                        " (already gone from the tenant)"
                    } else {
                        ""
                    }
                );
            }
        }
    }

    /// Returns the audit entries recording each closed ticket's revocation (chain, entry),
    /// with the ticket's close time.
    pub fn entries(&self) -> Vec<(String, Entry)> {
        self.closed
            .iter()
            .map(|c| {
                (
                    c.client.clone(),
                    Entry {
                        kind: Some(EntryKind::Revocation),
                        client: Some(c.client.clone()),
                        ticket: Some(c.ticket.clone()),
                        reason: Some(format!("ticket `{}` closed", c.ticket)),
                        detail: Some(serde_json::json!({
                            "scope": "ticket",
                            "value": c.ticket,
                            "action": "ticket-closed",
                            "closed_at": c.closed_at.map(format_instant),
                            "status": c.status,
                            "grants": c.grants,
                        })),
                        ..Entry::default()
                    },
                )
            })
            .collect()
    }

    /// Returns a warning for each unknown ticket.
    pub fn warnings(&self) -> Vec<String> {
        self.unknown
            .iter()
            .map(|u| {
                format!(
                    "ticket `{}` of `{}` could not be checked ({}): its {} grant(s) are unknown, neither revoked nor extended",
                    u.ticket, u.client, u.reason, u.grants
                )
            })
            .collect()
    }

    /// Returns the run's exit status given the plan's: 4 when a ticket is unknown.
    pub fn status(&self, status: ExitStatus) -> ExitStatus {
        if self.unknown.is_empty()
            || status != ExitStatus::Success && status != ExitStatus::PolicyDenied
        {
            status
        } else {
            ExitStatus::PartialFailure
        }
    }
}

/// A note for a ticket: what onboard did with access tied to it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Note {
    /// `grant`, `expire` or `revoke`.
    pub event: String,
    /// The client.
    pub client: String,
    /// The ticket.
    pub ticket: String,
    /// Who acted.
    pub actor: String,
    /// Who holds (held) the access.
    pub identity: Option<String>,
    /// What: entitlements or the bundle.
    pub what: Vec<String>,
    /// Until when the access lasts (grants).
    pub until: Option<String>,
    /// The audit entry that records it (`CHAIN#SEQ`), or the request id.
    pub audit: Option<String>,
}

impl Note {
    /// Returns the note's text, as posted.
    pub fn text(&self) -> String {
        format!(
            "onboard: {} {} {} in `{}`{} by {}{}.",
            self.event,
            self.what.join(", "),
            self.identity
                .as_ref()
                .map(|i| format!("for `{i}`"))
                .unwrap_or_default(),
            self.client,
            self.until
                .as_ref()
                .map(|u| format!(", until {u}"))
                .unwrap_or_default(),
            self.actor,
            self.audit
                .as_ref()
                .map(|a| format!(" (audit entry {a})"))
                .unwrap_or_default()
        )
    }
}

/// Posts `notes` to their tickets where the client's provider has `write_back`; returns
/// a warning for each note that could not be posted. A failed note never undoes access.
pub fn write_back(cx: &crate::workflow::Context<'_>, notes: &[Note]) -> Vec<String> {
    let mut warnings = Vec::new();
    for note in notes {
        let Some(client) = cx.workspace.clients.get(&note.client) else {
            continue;
        };
        let Some(provider) = provider_for(cx.workspace, client).filter(|p| p.write_back) else {
            continue;
        };
        let name = provider_name(provider);
        let result = match &provider.kind {
            TicketProviderKind::ConnectWise { .. } => {
                connectwise::post_note(Desk::of(cx), provider, &name, note)
            }
            _ => command::post_note(Desk::of(cx), provider, &name, client, note),
        };
        if let Err(e) = result {
            warnings.push(format!(
                "could not write a note to ticket `{}`: {e}; the access change stands",
                note.ticket
            ));
        }
    }
    warnings
}

/// Returns the notes for the changes of a finished run that rest on tickets: grants,
/// expiries and revocations, one per ticket, identity and kind.
pub fn notes_for(plan: &Plan, actor: &str, audit: &BTreeMap<String, String>) -> Vec<Note> {
    let mut notes: BTreeMap<(String, String, String, String), Note> = BTreeMap::new();
    for change in &plan.changes {
        let (Some(ticket), Some(entitlement)) = (&change.ticket, &change.entitlement) else {
            continue;
        };
        let event = match change.kind {
            ChangeKind::Grant | ChangeKind::Renew => "granted",
            ChangeKind::Expire => "expired",
            ChangeKind::Revoke => "revoked",
            _ => continue,
        };
        let identity = change.identity.clone().unwrap_or_default();
        let note = notes
            .entry((
                change.client.clone(),
                ticket.clone(),
                identity.clone(),
                event.into(),
            ))
            .or_insert_with(|| Note {
                event: event.into(),
                client: change.client.clone(),
                ticket: ticket.clone(),
                actor: actor.to_string(),
                identity: change.identity.clone(),
                what: Vec::new(),
                until: match change.kind {
                    ChangeKind::Grant | ChangeKind::Renew => change.expires_at.map(format_instant),
                    _ => None,
                },
                audit: audit.get(&change.client).cloned(),
            });
        let what = format!("`{}` in `{}`", entitlement, change.tenant);
        if !note.what.contains(&what) {
            note.what.push(what);
        }
    }
    notes.into_values().collect()
}
