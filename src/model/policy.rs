//! The policy file (`policy.yaml`): parameters of the request-time rules.
//!
//! The rules themselves are built in (`crate::policy`); this file tunes them and can turn
//! rules off. Every value keeps where it was written, so a denial can point at it.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::time::parse_duration;
use super::yaml::{self, origin};
use super::{Diagnostic, Origin};

/// The ids of the built-in rules.
pub const RULES: [&str; 9] = [
    "mfa-required",
    "tier-baseline",
    "data-tags",
    "max-ttl",
    "non-person-scope",
    "contract-window",
    "exception-approval",
    "credential-max-age",
    "ticket-open",
];

/// The rules on who may decide a request (`crate::policy::approval`): always on, so
/// `disabled_rules` refuses them.
pub const FIXED_RULES: [&str; 3] = ["approver-person", "approver-not-party", "approver-mfa"];

/// A duration with where it was set (or the policy file, for defaults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    /// The value.
    pub value: T,
    /// Where it was written; the policy file itself for defaults.
    pub origin: Origin,
}

/// How break-glass use is announced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notify {
    /// A command run with the event as JSON on stdin (program and arguments).
    pub command: Option<Vec<String>>,
    /// Where the URL the event is POSTed to is: a credential reference, or the URL
    /// itself written in the file.
    pub webhook: Option<WebhookUrl>,
    /// The body the webhook receives: the event itself, or a Slack or Teams message.
    pub format: WebhookFormat,
    /// Where these hooks are set in policy.yaml (`break_glass.notify`), for messages.
    pub setting: String,
}

impl Notify {
    /// Returns whether any hook (a command or a webhook) is configured.
    pub fn is_configured(&self) -> bool {
        self.command.is_some() || self.webhook.is_some()
    }
}

/// Where a notification webhook's URL comes from. A webhook URL is a secret (whoever
/// holds it can post to the channel), so it is best kept where credentials are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookUrl {
    /// A credential reference (`env:VAR`, `file:PATH`, `keyring:NAME`, `vault:…`,
    /// `exec:…`) whose secret is the URL.
    Reference(super::CredentialRef),
    /// The URL written in the file itself (`validate` warns about it), with where.
    Plain(String, Origin),
}

impl WebhookUrl {
    /// Returns how the URL is named in messages: its reference, never a URL.
    pub fn describe(&self) -> String {
        match self {
            WebhookUrl::Reference(reference) => format!("`{reference}`"),
            WebhookUrl::Plain(..) => "the URL in policy.yaml".into(),
        }
    }
}

/// The body a notification webhook is sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    /// The event as JSON (`{"event": "break-glass", ...}`).
    #[default]
    Json,
    /// A Slack incoming-webhook message (Block Kit `blocks` with a `text` fallback).
    Slack,
    /// A Microsoft Teams incoming-webhook (or Workflows) message carrying an Adaptive Card.
    Teams,
}

/// The policy in force.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Rules turned off.
    pub disabled: Vec<String>,
    /// Longest just-in-time grant of a privileged entitlement.
    pub max_ttl_privileged: Setting<Duration>,
    /// Longest just-in-time grant of any other entitlement.
    pub max_ttl_standard: Setting<Duration>,
    /// Longest an exception may run from now.
    pub max_exception: Setting<Duration>,
    /// Lifetime of break-glass access.
    pub break_glass_ttl: Setting<Duration>,
    /// Who hears of break-glass use.
    pub notify: Notify,
    /// Who hears of requests waiting for approval (`notify.approvals`): the approvers
    /// are mentioned by their chat handles.
    pub notify_approvals: Notify,
    /// Who hears of decided requests (`notify.decisions`): the requester is mentioned
    /// by their chat handles.
    pub notify_decisions: Notify,
    /// Where the digest of access about to expire goes (`notify.expiring`).
    pub notify_expiring: Notify,
    /// The window `expire --notify` (and `status --notify` without
    /// `--expiring-within`) digests: `notify.expiring.within`, 7 days by default.
    pub notify_expiring_within: Setting<Duration>,
    /// Time to close a post-use review before it is overdue.
    pub review_within: Duration,
    /// Age at which a pending request expires.
    pub request_expiry: Duration,
    /// Most revocations of one tenant's managed grants in one apply.
    pub mass_revoke_count: Setting<usize>,
    /// Largest share (0–1) of one tenant's managed grants revoked in one apply.
    pub mass_revoke_share: Setting<f64>,
    /// Longest `max_age` a service account's declared credential may have.
    pub credential_max_age_service_account: Setting<Duration>,
    /// Longest `max_age` an agent's declared credential may have.
    pub credential_max_age_agent: Setting<Duration>,
    /// The governance actions (`approve`, `deny`, `break-glass`, `review-close`,
    /// `elevate`, `revoke`) that need a signed statement from the actor.
    pub require_signature: Vec<String>,
    /// How long a signed statement stays valid after it was made.
    pub statement_valid_for: Setting<Duration>,
    /// The policy file, for denials that point at it.
    pub file: Origin,
}

impl Policy {
    /// Returns the built-in defaults, as if `path` were empty.
    pub fn defaults(path: &Arc<str>) -> Self {
        let file = Origin::file(path);
        let hours = |h: u64| Setting {
            value: Duration::from_secs(h * 3600),
            origin: file.clone(),
        };
        Policy {
            disabled: Vec::new(),
            max_ttl_privileged: hours(8),
            max_ttl_standard: hours(7 * 24),
            max_exception: hours(366 * 24),
            break_glass_ttl: hours(1),
            notify: Notify::default(),
            notify_approvals: Notify::default(),
            notify_decisions: Notify::default(),
            notify_expiring: Notify::default(),
            notify_expiring_within: hours(7 * 24),
            review_within: Duration::from_secs(72 * 3600),
            request_expiry: Duration::from_secs(24 * 3600),
            mass_revoke_count: Setting {
                value: 25,
                origin: file.clone(),
            },
            mass_revoke_share: Setting {
                value: 0.5,
                origin: file.clone(),
            },
            credential_max_age_service_account: hours(90 * 24),
            credential_max_age_agent: hours(30 * 24),
            require_signature: Vec::new(),
            statement_valid_for: Setting {
                value: Duration::from_secs(10 * 60),
                origin: file.clone(),
            },
            file,
        }
    }

    /// Returns whether `action` needs a signed statement (`actors.require_signature`).
    pub fn requires_signature(&self, action: &str) -> bool {
        self.require_signature.iter().any(|a| a == action)
    }

    /// Returns what is allowed but unwise in the file: a webhook URL written in it (a
    /// secret in a file that is shared and versioned).
    pub fn warnings(&self) -> Vec<Diagnostic> {
        [
            (&self.notify, "break_glass.notify.webhook"),
            (&self.notify_approvals, "notify.approvals.webhook"),
            (&self.notify_decisions, "notify.decisions.webhook"),
            (&self.notify_expiring, "notify.expiring.webhook"),
        ]
        .into_iter()
        .filter_map(|(hooks, field)| match &hooks.webhook {
            Some(WebhookUrl::Plain(_, at)) => Some(
                Diagnostic::new(
                    at.clone(),
                    "the webhook URL is written in policy.yaml: a webhook URL is a secret (whoever has it can post to the channel)",
                )
                .field(field)
                .hint("keep it as a credential reference, e.g. `webhook: env:ONBOARD_ONCALL_WEBHOOK` or `webhook: keyring:oncall-webhook`, and rotate the URL if the file's history was shared"),
            ),
            _ => None,
        })
        .collect()
    }

    /// Returns whether a rule is on.
    pub fn enabled(&self, rule: &str) -> bool {
        !self.disabled.iter().any(|r| r == rule)
    }
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
struct RawTtl {
    /// The longest just-in-time grant of privileged access (default `8h`); privileged
    /// access is never standing.
    #[schemars(with = "Option<crate::model::schema::DurationText>")]
    privileged: Option<Spanned<String>>,
    /// The longest just-in-time grant of any other access (default `7d`).
    #[schemars(with = "Option<crate::model::schema::DurationText>")]
    standard: Option<Spanned<String>>,
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
struct RawExceptions {
    /// The longest an exception may still run, from now to its `until:` (default
    /// `366d`); a longer one is denied by `max-ttl`.
    #[schemars(with = "Option<crate::model::schema::DurationText>")]
    max_duration: Option<Spanned<String>>,
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
struct RawNotify {
    /// A program and its arguments, run without a shell, with the event as JSON on its
    /// standard input.
    command: Option<Vec<String>>,
    /// Where the webhook URL is kept: a credential reference (`env:VAR`, `file:PATH`,
    /// `keyring:NAME`, `vault:MOUNT/data/PATH#FIELD`, `exec:COMMAND`), or the https URL
    /// itself (a secret in the file: `validate` warns).
    #[schemars(with = "Option<String>")]
    webhook: Option<Spanned<String>>,
    /// The webhook's body: `json` (the event, the default), `slack` or `teams`.
    #[serde(default)]
    format: WebhookFormat,
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
struct RawBreakGlass {
    /// How long break-glass access lasts (default `1h`).
    #[schemars(with = "Option<crate::model::schema::DurationText>")]
    ttl: Option<Spanned<String>>,
    /// Who is told of every break-glass use: a `command`, a `webhook`, or both. A hook
    /// that fails is retried, warned about and recorded; it never blocks the access.
    #[serde(default)]
    notify: RawNotify,
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
struct RawNotifyEvents {
    /// Where requests waiting for approval are announced, mentioning the people who may
    /// approve them by their identity's `chat:` handles.
    approvals: Option<RawNotify>,
    /// Where a request's decision (approved or denied) is announced, mentioning its
    /// requester by their identity's `chat:` handles.
    decisions: Option<RawNotify>,
    /// Where `expire --notify` and `status --notify` send their digest of access about
    /// to expire.
    expiring: Option<RawExpiringNotify>,
}

/// The hooks of the expiring-access digest: those of any event, and its window.
#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
struct RawExpiringNotify {
    /// A program and its arguments, run without a shell, with the digest as JSON on its
    /// standard input.
    command: Option<Vec<String>>,
    /// Where the webhook URL is kept (as for `notify.approvals.webhook`).
    #[schemars(with = "Option<String>")]
    webhook: Option<Spanned<String>>,
    /// The webhook's body: `json` (the event, the default), `slack` or `teams`.
    #[serde(default)]
    format: WebhookFormat,
    /// How far ahead `expire --notify` (and `status --notify` without
    /// `--expiring-within`) looks for access that ends (default `7d`).
    #[schemars(with = "Option<crate::model::schema::DurationText>")]
    within: Option<Spanned<String>>,
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
struct RawReviews {
    /// How long a review item (opened by every break-glass use and the first use of
    /// every exception) may stay open before `plan` and `status` warn that it is
    /// overdue (default `72h`).
    #[schemars(with = "Option<crate::model::schema::DurationText>")]
    due_within: Option<Spanned<String>>,
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
struct RawRequests {
    /// How long a request waits for approval before it lapses (default `24h`).
    #[schemars(with = "Option<crate::model::schema::DurationText>")]
    expire_after: Option<Spanned<String>>,
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
struct RawMassRevoke {
    /// The most grants `apply` or `revoke` may revoke in one tenant in one run without a
    /// second person's approval (default `25`; expiries do not count).
    #[schemars(with = "Option<u64>")]
    max_count: Option<Spanned<u64>>,
    /// The largest share of a tenant's recorded grants `apply` or `revoke` may revoke in
    /// one run without a second person's approval (default `0.5`).
    #[schemars(with = "Option<crate::model::schema::Share>")]
    max_share: Option<Spanned<f64>>,
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
struct RawActors {
    /// The actions whose actor must prove who they are with an SSH-signed statement:
    /// `approve`, `deny`, `break-glass`, `review-close`, `elevate`, `revoke` (default
    /// none; `onboard init` writes `[approve]`).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    require_signature: Vec<Spanned<String>>,
    /// How long a signed statement is accepted after it was made (default `10m`).
    #[schemars(with = "Option<crate::model::schema::DurationText>")]
    statement_valid_for: Option<Spanned<String>>,
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
struct RawCredentialAges {
    /// The longest `max_age` a service account's declared credential may have (default
    /// `90d`).
    #[serde(rename = "service-account")]
    #[schemars(with = "Option<crate::model::schema::DurationText>")]
    service_account: Option<Spanned<String>>,
    /// The longest `max_age` an agent's declared credential may have (default `30d`).
    #[schemars(with = "Option<crate::model::schema::DurationText>")]
    agent: Option<Spanned<String>>,
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
struct RawCredentials {
    /// The longest `max_age` a declared credential (an identity file's `credentials:`)
    /// may have, per identity kind; a longer one is denied by `credential-max-age`.
    #[serde(default)]
    max_age: RawCredentialAges,
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPolicy {
    /// Who is acting: which actions need an SSH-signed statement, and for how long one
    /// is accepted.
    #[serde(default)]
    actors: RawActors,
    /// Rule ids to turn off (`mfa-required`, `max-ttl`…; default none). The
    /// `approver-*` rules cannot be turned off.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    disabled_rules: Vec<Spanned<String>>,
    /// The longest just-in-time grant, per level of access.
    #[serde(default)]
    max_ttl: RawTtl,
    /// Limits on exceptions.
    #[serde(default)]
    exceptions: RawExceptions,
    /// Break-glass access: how long it lasts and who is told.
    #[serde(default)]
    break_glass: RawBreakGlass,
    /// Post-use reviews.
    #[serde(default)]
    reviews: RawReviews,
    /// Requests waiting for approval.
    #[serde(default)]
    requests: RawRequests,
    /// The mass-revoke guard: how many grants one run may revoke in one tenant before a
    /// second person must approve.
    #[serde(default)]
    mass_revoke: RawMassRevoke,
    /// Limits on the credentials service accounts and agents declare.
    #[serde(default)]
    credentials: RawCredentials,
    /// Notification channels per event (break-glass has its own, `break_glass.notify`).
    #[serde(default)]
    notify: RawNotifyEvents,
}

/// Parses `policy.yaml`; every problem found is returned.
pub fn parse(path: &Arc<str>, text: &str) -> Result<Policy, Vec<Diagnostic>> {
    let raw: RawPolicy = if text.trim().is_empty() {
        RawPolicy::default()
    } else {
        yaml::parse(path, text).map_err(|d| vec![d])?
    };
    let mut policy = Policy::defaults(path);
    let mut problems = Vec::new();
    let mut duration =
        |value: &Option<Spanned<String>>, field: &str, target: &mut Setting<Duration>| {
            if let Some(text) = value {
                match parse_duration(&text.value) {
                    Ok(d) => {
                        *target = Setting {
                            value: d,
                            origin: origin(path, text),
                        }
                    }
                    Err(message) => problems.push(
                        Diagnostic::new(origin(path, text), message)
                            .field(field)
                            .hint("write a duration such as `30m`, `8h`, `1d` or `2w`"),
                    ),
                }
            }
        };
    duration(
        &raw.max_ttl.privileged,
        "max_ttl.privileged",
        &mut policy.max_ttl_privileged,
    );
    duration(
        &raw.max_ttl.standard,
        "max_ttl.standard",
        &mut policy.max_ttl_standard,
    );
    duration(
        &raw.exceptions.max_duration,
        "exceptions.max_duration",
        &mut policy.max_exception,
    );
    duration(
        &raw.break_glass.ttl,
        "break_glass.ttl",
        &mut policy.break_glass_ttl,
    );
    duration(
        &raw.credentials.max_age.service_account,
        "credentials.max_age.service-account",
        &mut policy.credential_max_age_service_account,
    );
    duration(
        &raw.credentials.max_age.agent,
        "credentials.max_age.agent",
        &mut policy.credential_max_age_agent,
    );
    let mut review = Setting {
        value: policy.review_within,
        origin: policy.file.clone(),
    };
    duration(&raw.reviews.due_within, "reviews.due_within", &mut review);
    policy.review_within = review.value;
    let mut expiry = Setting {
        value: policy.request_expiry,
        origin: policy.file.clone(),
    };
    duration(
        &raw.requests.expire_after,
        "requests.expire_after",
        &mut expiry,
    );
    policy.request_expiry = expiry.value;
    let within = raw.notify.expiring.as_ref().and_then(|e| e.within.as_ref());
    duration(
        &within.cloned(),
        "notify.expiring.within",
        &mut policy.notify_expiring_within,
    );
    duration(
        &raw.actors.statement_valid_for,
        "actors.statement_valid_for",
        &mut policy.statement_valid_for,
    );
    for action in &raw.actors.require_signature {
        if crate::actor::statement::ACTIONS.contains(&action.value.as_str()) {
            policy.require_signature.push(action.value.clone());
        } else {
            problems.push(
                Diagnostic::new(
                    origin(path, action),
                    format!("unknown action `{}`", action.value),
                )
                .field("actors.require_signature")
                .hint(format!(
                    "the actions are: {}",
                    crate::actor::statement::ACTIONS
                        .map(|a| format!("`{a}`"))
                        .join(", ")
                )),
            );
        }
    }
    for rule in &raw.disabled_rules {
        if RULES.contains(&rule.value.as_str()) {
            policy.disabled.push(rule.value.clone());
        } else if FIXED_RULES.contains(&rule.value.as_str()) {
            problems.push(
                Diagnostic::new(
                    origin(path, rule),
                    format!("rule `{}` cannot be turned off", rule.value),
                )
                .field("disabled_rules")
                .hint("who may approve (a person, not a party, with MFA for privileged access) is always checked"),
            );
        } else {
            problems.push(
                Diagnostic::new(origin(path, rule), format!("unknown rule `{}`", rule.value))
                    .field("disabled_rules")
                    .hint(format!(
                        "the rules are: {}",
                        RULES.map(|r| format!("`{r}`")).join(", ")
                    )),
            );
        }
    }
    if let Some(count) = &raw.mass_revoke.max_count {
        policy.mass_revoke_count = Setting {
            value: count.value as usize,
            origin: origin(path, count),
        };
    }
    if let Some(share) = &raw.mass_revoke.max_share {
        if (0.0..=1.0).contains(&share.value) {
            policy.mass_revoke_share = Setting {
                value: share.value,
                origin: origin(path, share),
            };
        } else {
            problems.push(
                Diagnostic::new(
                    origin(path, share),
                    format!("share {} is not between 0 and 1", share.value),
                )
                .field("mass_revoke.max_share")
                .hint("write a fraction such as `0.25`"),
            );
        }
    }
    policy.notify = hooks(
        path,
        raw.break_glass.notify,
        "break_glass.notify",
        &mut problems,
    );
    if let Some(approvals) = raw.notify.approvals {
        policy.notify_approvals = hooks(path, approvals, "notify.approvals", &mut problems);
    }
    if let Some(decisions) = raw.notify.decisions {
        policy.notify_decisions = hooks(path, decisions, "notify.decisions", &mut problems);
    }
    if let Some(expiring) = raw.notify.expiring {
        let RawExpiringNotify {
            command,
            webhook,
            format,
            within: _,
        } = expiring;
        let raw = RawNotify {
            command,
            webhook,
            format,
        };
        policy.notify_expiring = hooks(path, raw, "notify.expiring", &mut problems);
    }
    if problems.is_empty() {
        Ok(policy)
    } else {
        Err(problems)
    }
}

/// Checks one set of notification hooks; `field` is where it sits (`break_glass.notify`).
fn hooks(path: &Arc<str>, raw: RawNotify, field: &str, problems: &mut Vec<Diagnostic>) -> Notify {
    if raw.command.as_ref().is_some_and(|c| c.is_empty()) {
        problems.push(
            Diagnostic::new(Origin::file(path), "the notify command is empty")
                .field(format!("{field}.command"))
                .hint(
                    "write the program and its arguments, e.g. `[notify-oncall, --channel, msp]`",
                ),
        );
    }
    let webhook = raw
        .webhook
        .as_ref()
        .and_then(|text| match webhook_url(path, text, field) {
            Ok(url) => Some(url),
            Err(problem) => {
                problems.push(problem);
                None
            }
        });
    Notify {
        command: raw.command.filter(|c| !c.is_empty()),
        webhook,
        format: raw.format,
        setting: field.to_string(),
    }
}

/// Reads a webhook setting: an `https://` URL (plain `http://` only to loopback), or a
/// credential reference. A refusal never repeats the text, which may be a secret.
fn webhook_url(
    path: &Arc<str>,
    text: &Spanned<String>,
    field: &str,
) -> Result<WebhookUrl, Diagnostic> {
    let at = origin(path, text);
    let value = text.value.trim();
    let problem = |message: String, hint: &str| {
        Diagnostic::new(at.clone(), message)
            .field(format!("{field}.webhook"))
            .hint(hint.to_string())
    };
    if value.starts_with("https://") {
        return Ok(WebhookUrl::Plain(value.to_string(), at));
    }
    if value.starts_with("http://") {
        // Plain http only to loopback (a test receiver), as `adapters::http` allows.
        let loopback = url::Url::parse(value)
            .ok()
            .is_some_and(|url| match url.host() {
                Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            });
        if loopback {
            return Ok(WebhookUrl::Plain(value.to_string(), at));
        }
        return Err(problem(
            "the webhook is not an https URL".into(),
            "use https (plain http only to loopback), or a credential reference such as `env:ONBOARD_ONCALL_WEBHOOK`",
        ));
    }
    super::CredentialRef::parse(value)
        .map(WebhookUrl::Reference)
        .map_err(|message| {
            problem(
                format!("the webhook is neither an https URL nor a credential reference: {message}"),
                "write `webhook: env:VAR` (or `keyring:NAME`, `file:PATH`, `vault:MOUNT/data/PATH#FIELD`, `exec:COMMAND`) holding the URL",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_webhook_is_a_reference_or_an_https_url_that_validate_warns_about() {
        let path: Arc<str> = Arc::from("policy.yaml");
        let p = parse(
            &path,
            "break_glass:\n  notify:\n    webhook: env:ONCALL_HOOK\n",
        )
        .unwrap();
        assert_eq!(
            p.notify.webhook,
            Some(WebhookUrl::Reference(super::super::CredentialRef::Env(
                "ONCALL_HOOK".into()
            )))
        );
        assert!(p.warnings().is_empty());
        let p = parse(
            &path,
            "break_glass:\n  notify:\n    webhook: https://hooks.slack.com/services/T0/B0/sekrit123\n",
        )
        .unwrap();
        let warnings = p.warnings();
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].origin.line, 3);
        assert!(warnings[0].message.contains("is a secret"), "{warnings:?}");
        assert!(!format!("{warnings:?}").contains("sekrit123"));
        for bad in ["http://hooks.example.com/x", "hooks.example.com/sekrit123"] {
            let errors = parse(
                &path,
                &format!("break_glass:\n  notify:\n    webhook: {bad}\n"),
            )
            .unwrap_err();
            assert_eq!(
                errors[0].field.as_deref(),
                Some("break_glass.notify.webhook")
            );
            assert!(!format!("{errors:?}").contains("sekrit123"), "{errors:?}");
        }
        assert!(
            parse(
                &path,
                "break_glass:\n  notify:\n    webhook: http://127.0.0.1:9/x\n"
            )
            .is_ok()
        );
    }

    #[test]
    fn decisions_and_the_expiring_digest_have_hooks_and_a_window() {
        let path: Arc<str> = Arc::from("policy.yaml");
        let p = parse(&path, "").unwrap();
        assert!(!p.notify_decisions.is_configured());
        assert!(!p.notify_expiring.is_configured());
        assert_eq!(
            p.notify_expiring_within.value,
            Duration::from_secs(7 * 24 * 3600)
        );
        let p = parse(
            &path,
            "notify:\n  decisions:\n    webhook: env:DECIDED\n    format: teams\n  expiring:\n    command: [page-ops]\n    within: 3d\n",
        )
        .unwrap();
        assert!(p.notify_decisions.is_configured());
        assert_eq!(p.notify_decisions.format, WebhookFormat::Teams);
        assert_eq!(p.notify_decisions.setting, "notify.decisions");
        assert_eq!(p.notify_expiring.command, Some(vec!["page-ops".into()]));
        assert_eq!(
            p.notify_expiring_within.value,
            Duration::from_secs(3 * 24 * 3600)
        );
        assert_eq!(p.notify_expiring_within.origin.line, 7);
        let errors = parse(
            &path,
            "notify:\n  expiring:\n    webhook: hooks.example.com/sekrit123\n    within: soon\n",
        )
        .unwrap_err();
        let fields: Vec<_> = errors.iter().filter_map(|e| e.field.as_deref()).collect();
        assert_eq!(
            fields,
            ["notify.expiring.within", "notify.expiring.webhook"],
            "{errors:?}"
        );
        assert!(!format!("{errors:?}").contains("sekrit123"));
        // A written URL is warned about wherever it is.
        let p = parse(
            &path,
            "notify:\n  decisions:\n    webhook: https://hooks.slack.com/services/T0/B0/x\n",
        )
        .unwrap();
        assert_eq!(
            p.warnings()[0].field.as_deref(),
            Some("notify.decisions.webhook")
        );
    }

    #[test]
    fn defaults_and_overrides() {
        let path: Arc<str> = Arc::from("policy.yaml");
        let p = parse(&path, "").unwrap();
        assert_eq!(p.max_ttl_privileged.value, Duration::from_secs(8 * 3600));
        let p = parse(
            &path,
            "max_ttl:\n  privileged: 4h\ndisabled_rules: [tier-baseline]\n",
        )
        .unwrap();
        assert_eq!(p.max_ttl_privileged.value, Duration::from_secs(4 * 3600));
        assert_eq!(p.max_ttl_privileged.origin.line, 2);
        assert!(!p.enabled("tier-baseline") && p.enabled("mfa-required"));
        let errors = parse(
            &path,
            "disabled_rules: [no-such-rule]\nmass_revoke:\n  max_share: 2\n",
        )
        .unwrap_err();
        assert_eq!(errors.len(), 2);
        let errors = parse(&path, "disabled_rules: [approver-mfa]\n").unwrap_err();
        assert!(
            errors[0].message.contains("cannot be turned off"),
            "{errors:?}"
        );
    }

    #[test]
    fn actors_name_the_actions_that_need_a_signature() {
        let path: Arc<str> = Arc::from("policy.yaml");
        assert!(!parse(&path, "").unwrap().requires_signature("approve"));
        let p = parse(
            &path,
            "actors:\n  require_signature: [approve, revoke]\n  statement_valid_for: 5m\n",
        )
        .unwrap();
        assert!(p.requires_signature("approve") && p.requires_signature("revoke"));
        assert!(!p.requires_signature("deny"));
        assert_eq!(p.statement_valid_for.value, Duration::from_secs(300));
        let errors = parse(&path, "actors:\n  require_signature: [approve, aprove]\n").unwrap_err();
        assert_eq!(errors[0].origin.line, 2);
        assert!(
            errors[0].message.contains("unknown action `aprove`"),
            "{errors:?}"
        );
    }
}
