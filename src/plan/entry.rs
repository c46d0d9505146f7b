//! What a plan holds besides the changes it sends ([`DeniedGrant`], [`UnreadableTenant`]),
//! and the one JSON shape of every plan entry ([`PlanEntry`]): saved plans, `plan -o
//! json` and `apply -o json` list changes, denials and unreadable tenants together in
//! one `changes` array, each with a `kind`.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{Change, ChangeKind, DesiredGrant};
use crate::model::{Entitlement, Source};

/// What a plan entry is: a change's kind, or `unknown` (a tenant that could not be
/// read) or `denied` (a grant policy refuses). The kind of each entry of a plan's JSON.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
#[schemars(rename = "ChangeKind", description = "What a change does.")]
pub enum EntryKind {
    /// Give access that is desired and missing (or held but not yet recorded).
    Grant,
    /// Extend the end of a time-bound grant.
    Renew,
    /// Remove access whose time (TTL, exception, contract) has passed.
    Expire,
    /// Remove access onboard granted that is no longer desired.
    Revoke,
    /// Access held in a managed entitlement that onboard neither granted nor wants;
    /// removed only with `--prune`.
    Drift,
    /// The tenant could not be read: nothing is planned for it.
    Unknown,
    /// A policy rule refuses the grant: it is never sent.
    Denied,
}

impl EntryKind {
    /// Returns the kind's name.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Grant => "grant",
            EntryKind::Renew => "renew",
            EntryKind::Expire => "expire",
            EntryKind::Revoke => "revoke",
            EntryKind::Drift => "drift",
            EntryKind::Unknown => "unknown",
            EntryKind::Denied => "denied",
        }
    }
}

impl fmt::Display for EntryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<ChangeKind> for EntryKind {
    fn from(kind: ChangeKind) -> Self {
        match kind {
            ChangeKind::Grant => EntryKind::Grant,
            ChangeKind::Renew => EntryKind::Renew,
            ChangeKind::Expire => EntryKind::Expire,
            ChangeKind::Revoke => EntryKind::Revoke,
            ChangeKind::Drift => EntryKind::Drift,
        }
    }
}

/// A grant a policy rule refuses: never sent, each refusal audited by the run that
/// meets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeniedGrant {
    /// Client id.
    pub client: String,
    /// Tenant name.
    pub tenant: String,
    /// The entitlement refused.
    pub entitlement: Entitlement,
    /// Identity id (absent when the bundle's grant is refused whoever asks for it).
    pub identity: Option<String>,
    /// Account name in the tenant.
    pub account: Option<String>,
    /// What asks for the access.
    pub sources: Vec<Source>,
    /// The file and line that caused the denial.
    pub origin: String,
    /// The ticket the access would belong to.
    pub ticket: Option<String>,
    /// The rule.
    pub rule: String,
    /// What would satisfy the rule.
    pub hint: String,
    /// Why, in a few words.
    pub reason: String,
}

impl DeniedGrant {
    /// Returns the denial of `entitlement` in a tenant by a policy refusal, with no
    /// holder, sources or ticket.
    pub fn new(
        client: &str,
        tenant: &str,
        entitlement: &Entitlement,
        denial: &crate::policy::Denial,
    ) -> DeniedGrant {
        DeniedGrant {
            client: client.to_string(),
            tenant: tenant.to_string(),
            entitlement: entitlement.clone(),
            identity: None,
            account: None,
            sources: Vec::new(),
            origin: denial.cause.to_string(),
            ticket: None,
            rule: denial.rule.to_string(),
            hint: denial.hint.clone(),
            reason: denial.message.clone(),
        }
    }

    /// Returns the denial of a desired grant: its entitlement, holder, sources and
    /// ticket, refused for `denial`.
    pub fn of_grant(grant: &DesiredGrant, denial: &crate::policy::Denial) -> DeniedGrant {
        DeniedGrant {
            identity: Some(grant.key.identity.clone()),
            account: Some(grant.account.clone()),
            sources: grant.sources.clone(),
            ticket: grant.ticket.clone(),
            ..DeniedGrant::new(
                &grant.key.client,
                &grant.key.tenant,
                &grant.key.entitlement,
                denial,
            )
        }
    }
}

/// A tenant that could not be read: nothing is planned for it, nothing applied to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableTenant {
    /// Client id.
    pub client: String,
    /// Tenant name.
    pub tenant: String,
    /// What was being done and what went wrong.
    pub reason: String,
    /// The kind of failure (`unreachable`, `denied`, `wrong-tenant`, `malformed`,
    /// `not-found`, `unsupported`, `rejected`).
    pub error_code: String,
    /// What would let the tenant be read.
    pub hint: Option<String>,
}

/// One entry of a plan, whatever it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryRef<'a> {
    /// A change applying sends.
    Change(&'a Change),
    /// A grant policy refuses.
    Denied(&'a DeniedGrant),
    /// A tenant that could not be read.
    Unknown(&'a UnreadableTenant),
}

impl<'a> EntryRef<'a> {
    /// Returns the entry's client id.
    pub fn client(self) -> &'a str {
        match self {
            EntryRef::Change(c) => &c.client,
            EntryRef::Denied(d) => &d.client,
            EntryRef::Unknown(u) => &u.client,
        }
    }

    /// Returns the entry's tenant name.
    pub fn tenant(self) -> &'a str {
        match self {
            EntryRef::Change(c) => &c.tenant,
            EntryRef::Denied(d) => &d.tenant,
            EntryRef::Unknown(u) => &u.tenant,
        }
    }

    /// Returns the entry's kind.
    pub fn kind(self) -> EntryKind {
        match self {
            EntryRef::Change(c) => c.kind.into(),
            EntryRef::Denied(_) => EntryKind::Denied,
            EntryRef::Unknown(_) => EntryKind::Unknown,
        }
    }

    /// Returns the key of the plan's canonical order: client, tenant, kind,
    /// entitlement, identity and account.
    #[allow(clippy::type_complexity)]
    pub(super) fn order(
        self,
    ) -> (
        &'a str,
        &'a str,
        EntryKind,
        Option<&'a Entitlement>,
        Option<&'a str>,
        Option<&'a str>,
    ) {
        let (entitlement, identity, account) = match self {
            EntryRef::Change(c) => (c.entitlement.as_ref(), &c.identity, &c.account),
            EntryRef::Denied(d) => (Some(&d.entitlement), &d.identity, &d.account),
            EntryRef::Unknown(_) => (None, &None, &None),
        };
        (
            self.client(),
            self.tenant(),
            self.kind(),
            entitlement,
            identity.as_deref(),
            account.as_deref(),
        )
    }
}

/// One plan entry as JSON (a change, a denial or an unreadable tenant): the fields a
/// kind does not use are absent or empty. Written as [`EntryJson`] writes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "Change", description = "One planned change.")]
pub struct PlanEntry {
    /// What the change does.
    pub kind: EntryKind,
    /// Client id.
    pub client: String,
    /// Tenant name.
    pub tenant: String,
    /// The entitlement (absent for `unknown`).
    #[serde(default)]
    pub entitlement: Option<Entitlement>,
    /// Identity id, when the holder is a known identity.
    #[serde(default)]
    pub identity: Option<String>,
    /// Account name in the tenant.
    #[serde(default)]
    pub account: Option<String>,
    /// For grant and renew: the new end; for expire: the end that passed.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schemars(with = "Option<crate::model::schema_text::DateTime>")]
    pub expires_at: Option<OffsetDateTime>,
    /// For renew: the end being replaced.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schemars(with = "Option<crate::model::schema_text::DateTime>")]
    pub previous_expires_at: Option<OffsetDateTime>,
    /// What asks for the access: `bundle:ID`, `exception:ID`.
    #[serde(default)]
    pub sources: Vec<Source>,
    /// The file and line that asked for it.
    #[serde(default)]
    pub origin: Option<String>,
    /// The ticket the access belongs to.
    #[serde(default)]
    pub ticket: Option<String>,
    /// Whether the tenant already is as the change leaves it (held but unrecorded, or
    /// already gone): applying then only updates the ledger.
    #[serde(default)]
    pub tenant_already_done: bool,
    /// Why, in a few words.
    pub reason: String,
    /// For denials: the rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// For denials: what would satisfy the rule; for unknown: what would let the tenant
    /// be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// For unknown: the kind of failure that kept the tenant from being read
    /// (`unreachable`, `denied`, `wrong-tenant`, `malformed`, `not-found`,
    /// `unsupported`, `rejected`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// For a change of a recorded grant: the tenant held it before onboard managed the
    /// tenant (recorded by `onboard import`), rather than onboard granting it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub held_before_onboard: bool,
}

/// A plan entry as it is written in JSON, borrowed from a plan ([`EntryRef`]) or from a
/// [`PlanEntry`]: the one place its fields, their order and when they are left out are
/// said for writing (a plan of 100,000 changes is written without a copy of each).
#[derive(Serialize)]
pub struct EntryJson<'a> {
    pub(crate) kind: EntryKind,
    pub(crate) client: &'a str,
    pub(crate) tenant: &'a str,
    pub(crate) entitlement: Option<&'a Entitlement>,
    pub(crate) identity: Option<&'a str>,
    pub(crate) account: Option<&'a str>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub(crate) expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub(crate) previous_expires_at: Option<OffsetDateTime>,
    pub(crate) sources: &'a [Source],
    pub(crate) origin: Option<&'a str>,
    pub(crate) ticket: Option<&'a str>,
    pub(crate) tenant_already_done: bool,
    pub(crate) reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) rule: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) hint: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) error_code: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(crate) held_before_onboard: bool,
}

impl<'a> EntryJson<'a> {
    /// Returns an entry of `kind` in a tenant with the reason given and nothing else set.
    fn new(kind: EntryKind, client: &'a str, tenant: &'a str, reason: &'a str) -> Self {
        EntryJson {
            kind,
            client,
            tenant,
            entitlement: None,
            identity: None,
            account: None,
            expires_at: None,
            previous_expires_at: None,
            sources: &[],
            origin: None,
            ticket: None,
            tenant_already_done: false,
            reason,
            rule: None,
            hint: None,
            error_code: None,
            held_before_onboard: false,
        }
    }
}

impl<'a> From<EntryRef<'a>> for EntryJson<'a> {
    fn from(entry: EntryRef<'a>) -> Self {
        match entry {
            EntryRef::Change(c) => EntryJson {
                entitlement: c.entitlement.as_ref(),
                identity: c.identity.as_deref(),
                account: c.account.as_deref(),
                expires_at: c.expires_at,
                previous_expires_at: c.previous_expires_at,
                sources: &c.sources,
                origin: c.origin.as_deref(),
                ticket: c.ticket.as_deref(),
                tenant_already_done: c.tenant_already_done,
                held_before_onboard: c.held_before_onboard,
                ..EntryJson::new(c.kind.into(), &c.client, &c.tenant, &c.reason)
            },
            EntryRef::Denied(d) => EntryJson {
                entitlement: Some(&d.entitlement),
                identity: d.identity.as_deref(),
                account: d.account.as_deref(),
                sources: &d.sources,
                origin: Some(&d.origin),
                ticket: d.ticket.as_deref(),
                rule: Some(&d.rule),
                hint: Some(&d.hint),
                ..EntryJson::new(EntryKind::Denied, &d.client, &d.tenant, &d.reason)
            },
            EntryRef::Unknown(u) => EntryJson {
                hint: u.hint.as_deref(),
                error_code: Some(&u.error_code),
                ..EntryJson::new(EntryKind::Unknown, &u.client, &u.tenant, &u.reason)
            },
        }
    }
}

impl<'a> From<&'a PlanEntry> for EntryJson<'a> {
    fn from(e: &'a PlanEntry) -> Self {
        EntryJson {
            kind: e.kind,
            client: &e.client,
            tenant: &e.tenant,
            entitlement: e.entitlement.as_ref(),
            identity: e.identity.as_deref(),
            account: e.account.as_deref(),
            expires_at: e.expires_at,
            previous_expires_at: e.previous_expires_at,
            sources: &e.sources,
            origin: e.origin.as_deref(),
            ticket: e.ticket.as_deref(),
            tenant_already_done: e.tenant_already_done,
            reason: &e.reason,
            rule: e.rule.as_deref(),
            hint: e.hint.as_deref(),
            error_code: e.error_code.as_deref(),
            held_before_onboard: e.held_before_onboard,
        }
    }
}

impl Serialize for PlanEntry {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        EntryJson::from(self).serialize(serializer)
    }
}

impl Serialize for EntryRef<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        EntryJson::from(*self).serialize(serializer)
    }
}

impl From<EntryJson<'_>> for PlanEntry {
    fn from(e: EntryJson<'_>) -> Self {
        PlanEntry {
            kind: e.kind,
            client: e.client.to_string(),
            tenant: e.tenant.to_string(),
            entitlement: e.entitlement.cloned(),
            identity: e.identity.map(str::to_string),
            account: e.account.map(str::to_string),
            expires_at: e.expires_at,
            previous_expires_at: e.previous_expires_at,
            sources: e.sources.to_vec(),
            origin: e.origin.map(str::to_string),
            ticket: e.ticket.map(str::to_string),
            tenant_already_done: e.tenant_already_done,
            reason: e.reason.to_string(),
            rule: e.rule.map(str::to_string),
            hint: e.hint.map(str::to_string),
            error_code: e.error_code.map(str::to_string),
            held_before_onboard: e.held_before_onboard,
        }
    }
}

impl From<EntryRef<'_>> for PlanEntry {
    fn from(entry: EntryRef<'_>) -> Self {
        PlanEntry::from(EntryJson::from(entry))
    }
}

impl From<&Change> for PlanEntry {
    fn from(change: &Change) -> Self {
        PlanEntry::from(EntryRef::Change(change))
    }
}

/// A plan entry read from JSON, as the type of its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A change applying sends.
    Change(Change),
    /// A grant policy refuses.
    Denied(DeniedGrant),
    /// A tenant that could not be read.
    Unknown(UnreadableTenant),
}

impl TryFrom<PlanEntry> for Entry {
    type Error = String;

    /// Reads an entry as the type of its kind; a denial without its entitlement, rule,
    /// cause or hint, or an unknown tenant without its kind of failure, is an error
    /// (onboard writes them all). Fields a kind does not use are ignored.
    fn try_from(e: PlanEntry) -> Result<Self, String> {
        let missing = |field: &str| {
            format!(
                "the `{}` entry of `{}/{}` has no `{field}`",
                e.kind, e.client, e.tenant
            )
        };
        let kind = match e.kind {
            EntryKind::Grant => ChangeKind::Grant,
            EntryKind::Renew => ChangeKind::Renew,
            EntryKind::Expire => ChangeKind::Expire,
            EntryKind::Revoke => ChangeKind::Revoke,
            EntryKind::Drift => ChangeKind::Drift,
            EntryKind::Denied => {
                let entitlement = e
                    .entitlement
                    .clone()
                    .ok_or_else(|| missing("entitlement"))?;
                let rule = e.rule.clone().ok_or_else(|| missing("rule"))?;
                let origin = e.origin.clone().ok_or_else(|| missing("origin"))?;
                let hint = e.hint.clone().ok_or_else(|| missing("hint"))?;
                return Ok(Entry::Denied(DeniedGrant {
                    client: e.client,
                    tenant: e.tenant,
                    entitlement,
                    identity: e.identity,
                    account: e.account,
                    sources: e.sources,
                    origin,
                    ticket: e.ticket,
                    rule,
                    hint,
                    reason: e.reason,
                }));
            }
            EntryKind::Unknown => {
                let error_code = e.error_code.clone().ok_or_else(|| missing("error_code"))?;
                return Ok(Entry::Unknown(UnreadableTenant {
                    client: e.client,
                    tenant: e.tenant,
                    reason: e.reason,
                    error_code,
                    hint: e.hint,
                }));
            }
        };
        Ok(Entry::Change(Change {
            entitlement: e.entitlement,
            identity: e.identity,
            account: e.account,
            expires_at: e.expires_at,
            previous_expires_at: e.previous_expires_at,
            sources: e.sources,
            origin: e.origin,
            ticket: e.ticket,
            tenant_already_done: e.tenant_already_done,
            held_before_onboard: e.held_before_onboard,
            ..Change::new(kind, &e.client, &e.tenant, e.reason)
        }))
    }
}
