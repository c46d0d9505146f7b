//! `policy.yaml` as written: what serde reads and the JSON schema describes.

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::WebhookFormat;

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTtl {
    /// The longest just-in-time grant of privileged access (default `8h`); privileged
    /// access is never standing.
    #[schemars(with = "Option<crate::model::schema_text::DurationText>")]
    pub(super) privileged: Option<Spanned<String>>,
    /// The longest just-in-time grant of any other access (default `7d`).
    #[schemars(with = "Option<crate::model::schema_text::DurationText>")]
    pub(super) standard: Option<Spanned<String>>,
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawExceptions {
    /// The longest an exception may still run, from now to its `until:` (default
    /// `366d`); a longer one is denied by `max-ttl`.
    #[schemars(with = "Option<crate::model::schema_text::DurationText>")]
    pub(super) max_duration: Option<Spanned<String>>,
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNotify {
    /// A program and its arguments, run without a shell, with the event as JSON on its
    /// standard input.
    pub(super) command: Option<Vec<String>>,
    /// Where the webhook URL is kept: a credential reference (`env:VAR`, `file:PATH`,
    /// `keyring:NAME`, `vault:MOUNT/data/PATH#FIELD`, `exec:COMMAND`), or the https URL
    /// itself (a secret in the file: `validate` warns).
    #[schemars(with = "Option<String>")]
    pub(super) webhook: Option<Spanned<String>>,
    /// The webhook's body: `json` (the event, the default), `slack` or `teams`.
    #[serde(default)]
    pub(super) format: WebhookFormat,
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBreakGlass {
    /// How long break-glass access lasts (default `1h`).
    #[schemars(with = "Option<crate::model::schema_text::DurationText>")]
    pub(super) ttl: Option<Spanned<String>>,
    /// Who is told of every break-glass use: a `command`, a `webhook`, or both. A hook
    /// that fails is retried, warned about and recorded; it never blocks the access.
    #[serde(default)]
    pub(super) notify: RawNotify,
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNotifyEvents {
    /// Where requests waiting for approval are announced, mentioning the people who may
    /// approve them by their identity's `chat:` handles.
    pub(super) approvals: Option<RawNotify>,
    /// Where a request's decision (approved or denied) is announced, mentioning its
    /// requester by their identity's `chat:` handles.
    pub(super) decisions: Option<RawNotify>,
    /// Where `expire --notify` and `status --notify` send their digest of access about
    /// to expire.
    pub(super) expiring: Option<RawExpiringNotify>,
}

/// The hooks of the expiring-access digest: those of any event, and its window.
#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawExpiringNotify {
    /// A program and its arguments, run without a shell, with the digest as JSON on its
    /// standard input.
    pub(super) command: Option<Vec<String>>,
    /// Where the webhook URL is kept (as for `notify.approvals.webhook`).
    #[schemars(with = "Option<String>")]
    pub(super) webhook: Option<Spanned<String>>,
    /// The webhook's body: `json` (the event, the default), `slack` or `teams`.
    #[serde(default)]
    pub(super) format: WebhookFormat,
    /// How far ahead `expire --notify` (and `status --notify` without
    /// `--expiring-within`) looks for access that ends (default `7d`).
    #[schemars(with = "Option<crate::model::schema_text::DurationText>")]
    pub(super) within: Option<Spanned<String>>,
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawReviews {
    /// How long a review item (opened by every break-glass use and the first use of
    /// every exception) may stay open before `plan` and `status` warn that it is
    /// overdue (default `72h`).
    #[schemars(with = "Option<crate::model::schema_text::DurationText>")]
    pub(super) due_within: Option<Spanned<String>>,
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRequests {
    /// How long a request waits for approval before it lapses (default `24h`).
    #[schemars(with = "Option<crate::model::schema_text::DurationText>")]
    pub(super) expire_after: Option<Spanned<String>>,
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMassRevoke {
    /// The most grants `apply` or `revoke` may revoke in one tenant in one run without a
    /// second person's approval (default `25`; expiries do not count).
    #[schemars(with = "Option<u64>")]
    pub(super) max_count: Option<Spanned<u64>>,
    /// The largest share of a tenant's recorded grants `apply` or `revoke` may revoke in
    /// one run without a second person's approval (default `0.5`).
    #[schemars(with = "Option<crate::model::schema_text::Share>")]
    pub(super) max_share: Option<Spanned<f64>>,
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawActors {
    /// The actions whose actor must prove who they are with an SSH-signed statement:
    /// `approve`, `deny`, `break-glass`, `review-close`, `elevate`, `revoke` (default
    /// none; `onboard init` writes `[approve]`).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub(super) require_signature: Vec<Spanned<String>>,
    /// How long a signed statement is accepted after it was made (default `10m`).
    #[schemars(with = "Option<crate::model::schema_text::DurationText>")]
    pub(super) statement_valid_for: Option<Spanned<String>>,
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCredentialAges {
    /// The longest `max_age` a service account's declared credential may have (default
    /// `90d`).
    #[serde(rename = "service-account")]
    #[schemars(with = "Option<crate::model::schema_text::DurationText>")]
    pub(super) service_account: Option<Spanned<String>>,
    /// The longest `max_age` an agent's declared credential may have (default `30d`).
    #[schemars(with = "Option<crate::model::schema_text::DurationText>")]
    pub(super) agent: Option<Spanned<String>>,
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCredentials {
    /// The longest `max_age` a declared credential (an identity file's `credentials:`)
    /// may have, per identity kind; a longer one is denied by `credential-max-age`.
    #[serde(default)]
    pub(super) max_age: RawCredentialAges,
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub(in crate::model) struct RawPolicy {
    /// Who is acting: which actions need an SSH-signed statement, and for how long one
    /// is accepted.
    #[serde(default)]
    pub(super) actors: RawActors,
    /// Rule ids to turn off (`mfa-required`, `max-ttl`…; default none). The
    /// `approver-*` rules cannot be turned off.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub(super) disabled_rules: Vec<Spanned<String>>,
    /// The longest just-in-time grant, per level of access.
    #[serde(default)]
    pub(super) max_ttl: RawTtl,
    /// Limits on exceptions.
    #[serde(default)]
    pub(super) exceptions: RawExceptions,
    /// Break-glass access: how long it lasts and who is told.
    #[serde(default)]
    pub(super) break_glass: RawBreakGlass,
    /// Post-use reviews.
    #[serde(default)]
    pub(super) reviews: RawReviews,
    /// Requests waiting for approval.
    #[serde(default)]
    pub(super) requests: RawRequests,
    /// The mass-revoke guard: how many grants one run may revoke in one tenant before a
    /// second person must approve.
    #[serde(default)]
    pub(super) mass_revoke: RawMassRevoke,
    /// Limits on the credentials service accounts and agents declare.
    #[serde(default)]
    pub(super) credentials: RawCredentials,
    /// Notification channels per event (break-glass has its own, `break_glass.notify`).
    #[serde(default)]
    pub(super) notify: RawNotifyEvents,
}
