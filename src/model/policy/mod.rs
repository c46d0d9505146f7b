//! The policy file (`policy.yaml`): parameters of the request-time rules.
//!
//! The rules themselves are built in (`crate::policy`); this file tunes them and can turn
//! rules off. Every value keeps where it was written, so a denial can point at it.
//!
//! `raw.rs` holds the file's shape as written (serde, and the JSON schema editors read);
//! `parse.rs` checks it and turns it into the [`Policy`] below.

mod parse;
mod raw;

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use super::{Diagnostic, Origin};

pub use parse::parse;
pub(super) use raw::RawPolicy;

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
