//! Plans: the difference between desired and actual access, as a value.
//!
//! Pure: no I/O, no clock (`now` is a parameter), no terminal.

pub mod credentials;
mod desired;
mod diff;
mod guard;
mod index;
pub mod owners;

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::model::{ConfigurationChange, Entitlement, GrantRecord};

pub use desired::{
    DesiredAccess, DesiredGrant, GrantKey, WorkspaceCheck, account_of, bundle_denials,
    check_workspace, desired_access,
};
pub use diff::{DiffInput, Observation, ReadFailure, block_warnings, diff_tenant};
pub use guard::{MassRevocation, mass_revocations, removals_fingerprint};
pub use index::ByTenant;

/// What a change does.
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
pub enum ChangeKind {
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

impl ChangeKind {
    /// Returns the kind's name.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Grant => "grant",
            ChangeKind::Renew => "renew",
            ChangeKind::Expire => "expire",
            ChangeKind::Revoke => "revoke",
            ChangeKind::Drift => "drift",
            ChangeKind::Unknown => "unknown",
            ChangeKind::Denied => "denied",
        }
    }

    /// Returns whether applying sends this kind to a tenant.
    pub fn is_sent(self) -> bool {
        !matches!(self, ChangeKind::Unknown | ChangeKind::Denied)
    }

    /// Returns whether applying this kind removes access.
    pub fn removes(self) -> bool {
        matches!(
            self,
            ChangeKind::Expire | ChangeKind::Revoke | ChangeKind::Drift
        )
    }
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One planned change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Change {
    /// What the change does.
    pub kind: ChangeKind,
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
    #[schemars(with = "Option<crate::model::schema::DateTime>")]
    pub expires_at: Option<OffsetDateTime>,
    /// For renew: the end being replaced.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schemars(with = "Option<crate::model::schema::DateTime>")]
    pub previous_expires_at: Option<OffsetDateTime>,
    /// What asks for the access: `bundle:ID`, `exception:ID`.
    #[serde(default)]
    pub sources: Vec<String>,
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

impl Change {
    /// Returns a change of a kind in a tenant, with the reason given and nothing else
    /// set (no entitlement, holder, end, sources, origin, ticket or denial).
    pub fn new(kind: ChangeKind, client: &str, tenant: &str, reason: String) -> Change {
        Change {
            kind,
            client: client.to_string(),
            tenant: tenant.to_string(),
            entitlement: None,
            identity: None,
            account: None,
            expires_at: None,
            previous_expires_at: None,
            sources: Vec::new(),
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

    /// Returns a change of a kind for a desired grant: its entitlement, identity,
    /// account, sources and ticket (its end and origin are the caller's to set, for
    /// they depend on the kind).
    pub fn of_grant(kind: ChangeKind, grant: &DesiredGrant, reason: String) -> Change {
        Change {
            entitlement: Some(grant.key.entitlement.clone()),
            identity: Some(grant.key.identity.clone()),
            account: Some(grant.account.clone()),
            sources: grant.sources.clone(),
            ticket: grant.ticket.clone(),
            ..Change::new(kind, &grant.key.client, &grant.key.tenant, reason)
        }
    }

    /// Returns a change of a kind for a recorded grant (a ledger record, or one the
    /// audit log shows was sent): its entitlement, identity, account, end, sources and
    /// ticket.
    pub fn of_record(kind: ChangeKind, record: &GrantRecord, reason: String) -> Change {
        Change {
            entitlement: Some(record.entitlement.clone()),
            identity: Some(record.identity.clone()),
            account: Some(record.account.clone()),
            expires_at: record.expires_at,
            sources: record.sources.clone(),
            ticket: record.ticket.clone(),
            held_before_onboard: record.origin == crate::model::RecordOrigin::HeldBeforeOnboard,
            ..Change::new(kind, &record.client, &record.tenant, reason)
        }
    }
}

/// A tenant's own configuration that `apply` brings in line before its entitlement
/// changes (a GDAP relationship's access assignments, Okta group admin roles): the
/// changes the plan found needed, as data that `apply` carries out exactly.
///
/// In JSON: `{"client": "acme", "tenant": "partner", "changes": ["`apply` creates …"],
/// "planned": [{"action": "gdap-create-access", "group": "…", "group_id": "…",
/// "roles": ["…"]}]}`: `changes` says each change in words, `planned` is what `apply`
/// carries out. A saved plan whose `changes` lack their `planned` data (made by an
/// earlier onboard) is not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(into = "ConfigurationJson", try_from = "ConfigurationJson")]
pub struct TenantConfiguration {
    /// Client id.
    pub client: String,
    /// Tenant name.
    pub tenant: String,
    /// What `apply` changes, in order.
    pub changes: Vec<ConfigurationChange>,
}

/// [`TenantConfiguration`] as JSON: each change in words beside its data.
#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct ConfigurationJson {
    client: String,
    tenant: String,
    changes: Vec<String>,
    #[serde(default)]
    planned: Vec<ConfigurationChange>,
}

impl From<TenantConfiguration> for ConfigurationJson {
    fn from(configuration: TenantConfiguration) -> Self {
        ConfigurationJson {
            client: configuration.client,
            tenant: configuration.tenant,
            changes: configuration
                .changes
                .iter()
                .map(ConfigurationChange::planned)
                .collect(),
            planned: configuration.changes,
        }
    }
}

impl TryFrom<ConfigurationJson> for TenantConfiguration {
    type Error = String;

    fn try_from(json: ConfigurationJson) -> Result<Self, String> {
        if json.changes.len() != json.planned.len() {
            return Err(format!(
                "the configuration changes of `{}/{}` come without their `planned` data (a plan made by an earlier onboard)",
                json.client, json.tenant
            ));
        }
        Ok(TenantConfiguration {
            client: json.client,
            tenant: json.tenant,
            changes: json.planned,
        })
    }
}

/// A plan: ordered changes and warnings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Changes, ordered by client, tenant, kind, entitlement and holder.
    pub changes: Vec<Change>,
    /// Things the user should know that are not changes.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Tenants whose own configuration `apply` changes (GDAP access assignments, Okta group admin roles).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub configuration: Vec<TenantConfiguration>,
}

/// Counts of changes by kind.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct Summary {
    /// Grants.
    pub grant: usize,
    /// Renewals.
    pub renew: usize,
    /// Expiries.
    pub expire: usize,
    /// Revocations.
    pub revoke: usize,
    /// Drift.
    pub drift: usize,
    /// Unreadable tenants.
    pub unknown: usize,
    /// Grants refused by policy.
    #[serde(default)]
    pub denied: usize,
}

impl Summary {
    /// Counts changes by kind.
    pub fn of<'a>(changes: impl IntoIterator<Item = &'a Change>) -> Summary {
        let mut s = Summary::default();
        for change in changes {
            *match change.kind {
                ChangeKind::Grant => &mut s.grant,
                ChangeKind::Renew => &mut s.renew,
                ChangeKind::Expire => &mut s.expire,
                ChangeKind::Revoke => &mut s.revoke,
                ChangeKind::Drift => &mut s.drift,
                ChangeKind::Unknown => &mut s.unknown,
                ChangeKind::Denied => &mut s.denied,
            } += 1;
        }
        s
    }
}

impl Plan {
    /// Returns the counts by kind.
    pub fn summary(&self) -> Summary {
        Summary::of(&self.changes)
    }

    /// Returns the plan of the changes `keep` selects, without warnings, and with the
    /// configuration of the tenants those changes are in (brought in line before them).
    pub fn only(&self, keep: impl Fn(&Change) -> bool) -> Plan {
        let changes: Vec<Change> = self.changes.iter().filter(|c| keep(c)).cloned().collect();
        let configuration = self
            .configuration
            .iter()
            .filter(|t| {
                changes
                    .iter()
                    .any(|c| c.client == t.client && c.tenant == t.tenant)
            })
            .cloned()
            .collect();
        Plan {
            changes,
            warnings: Vec::new(),
            configuration,
        }
    }

    /// Returns the planned changes to one tenant's own configuration.
    pub fn configuration_of(&self, client: &str, tenant: &str) -> &[ConfigurationChange] {
        self.configuration
            .iter()
            .find(|t| t.client == client && t.tenant == tenant)
            .map_or(&[], |t| t.changes.as_slice())
    }

    /// Returns whether applying the plan would change anything. Drift counts: it is a
    /// difference between the workspace and the tenant even when it is not pruned; so
    /// does a tenant's configuration.
    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| c.kind.is_sent()) || !self.configuration.is_empty()
    }

    /// Returns the first grant (or renewal) of the plan to end: a saved plan is valid
    /// only before then, for applying it later would grant access that has ended (an
    /// exception's `until`, a TTL, a contract's end).
    pub fn first_end(&self) -> Option<&Change> {
        self.changes
            .iter()
            .filter(|c| matches!(c.kind, ChangeKind::Grant | ChangeKind::Renew))
            .filter(|c| c.expires_at.is_some())
            .min_by_key(|c| c.expires_at)
    }

    /// Returns the plan with its drift labelled as removed, for a run that removes it
    /// (`apply --prune`, `revoke`): the plan's own label says drift is left alone.
    pub fn pruning(&self) -> Plan {
        let mut plan = self.clone();
        for change in plan
            .changes
            .iter_mut()
            .filter(|c| c.kind == ChangeKind::Drift)
        {
            change.reason = format!("{}: removed by this run", diff::DRIFT_HELD);
        }
        plan
    }

    /// Returns whether policy refused some grant.
    pub fn has_denials(&self) -> bool {
        self.changes.iter().any(|c| c.kind == ChangeKind::Denied)
    }

    /// Returns whether some tenant could not be read.
    pub fn has_unknown(&self) -> bool {
        self.changes.iter().any(|c| c.kind == ChangeKind::Unknown)
    }

    /// Sorts changes into their canonical order.
    pub fn sort(&mut self) {
        self.changes.sort_by(|a, b| {
            (
                &a.client,
                &a.tenant,
                a.kind,
                &a.entitlement,
                &a.identity,
                &a.account,
            )
                .cmp(&(
                    &b.client,
                    &b.tenant,
                    b.kind,
                    &b.entitlement,
                    &b.identity,
                    &b.account,
                ))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn okta_roles() -> TenantConfiguration {
        TenantConfiguration {
            client: "acme".into(),
            tenant: "okta".into(),
            changes: vec![ConfigurationChange::OktaUnassignGroupRole {
                group: "MSP-Admins".into(),
                group_id: "00g1".into(),
                role: "USER_ADMIN".into(),
                assignment: "ra1".into(),
            }],
        }
    }

    #[test]
    fn configuration_changes_are_saved_as_words_and_data_and_read_back_from_the_data() {
        let json = serde_json::to_value(okta_roles()).unwrap();
        assert_eq!(
            json["changes"],
            serde_json::json!([
                "`apply` removes the admin role `USER_ADMIN` from the group `MSP-Admins`: `group_roles` does not give it"
            ])
        );
        assert_eq!(json["planned"][0]["action"], "okta-unassign-group-role");
        assert_eq!(json["planned"][0]["assignment"], "ra1");
        let back: TenantConfiguration = serde_json::from_value(json).unwrap();
        assert_eq!(back, okta_roles());
    }

    #[test]
    fn configuration_changes_without_their_data_are_not_read() {
        // As an earlier onboard saved them: words only, which `apply` cannot carry out.
        let old = serde_json::json!({
            "client": "acme",
            "tenant": "okta",
            "changes": ["`apply` assigns the admin role `USER_ADMIN` to the group `MSP-Admins`"],
        });
        let error = serde_json::from_value::<TenantConfiguration>(old).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("a plan made by an earlier onboard"),
            "{error}"
        );
    }

    #[test]
    fn a_part_of_a_plan_keeps_the_configuration_of_its_tenants_only() {
        let mut plan = Plan {
            changes: vec![
                Change::new(ChangeKind::Grant, "acme", "okta", String::new()),
                Change::new(ChangeKind::Grant, "acme", "entra", String::new()),
            ],
            warnings: vec!["w".into()],
            configuration: vec![okta_roles()],
        };
        let okta = plan.only(|c| c.tenant == "okta");
        assert_eq!(okta.configuration, [okta_roles()]);
        assert!(okta.warnings.is_empty());
        assert!(plan.only(|c| c.tenant == "entra").configuration.is_empty());
        assert_eq!(plan.configuration_of("acme", "okta"), okta_roles().changes);
        plan.configuration.clear();
        assert!(plan.configuration_of("acme", "okta").is_empty());
    }
}
