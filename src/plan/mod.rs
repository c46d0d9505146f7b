//! Plans: the difference between desired and actual access, as a value.
//!
//! Pure: no I/O, no clock (`now` is a parameter), no terminal.

pub mod credentials;
mod desired;
mod diff;
mod entry;
mod guard;
mod index;
pub mod owners;

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::model::{ConfigurationChange, Entitlement, GrantRecord, Source};

pub use desired::{
    DesiredAccess, DesiredAhead, DesiredGrant, GrantKey, WorkspaceCheck, account_of,
    bundle_denials, check_workspace, check_workspace_keeping, desired_access, with_requests,
};
pub use diff::{DiffInput, Observation, ReadFailure, block_warnings, diff_tenant};
pub use entry::{DeniedGrant, Entry, EntryJson, EntryKind, EntryRef, PlanEntry, UnreadableTenant};
pub use guard::{MassRevocation, mass_revocations, removals_fingerprint};
pub use index::ByTenant;

/// What a change sends to a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
}

impl ChangeKind {
    /// Returns the kind's name.
    pub fn as_str(self) -> &'static str {
        EntryKind::from(self).as_str()
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

/// One planned change: what applying sends to a tenant (policy denials and tenants
/// that could not be read are a plan's [`DeniedGrant`]s and [`UnreadableTenant`]s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What the change does.
    pub kind: ChangeKind,
    /// Client id.
    pub client: String,
    /// Tenant name.
    pub tenant: String,
    /// The entitlement.
    pub entitlement: Option<Entitlement>,
    /// Identity id, when the holder is a known identity.
    pub identity: Option<String>,
    /// Account name in the tenant.
    pub account: Option<String>,
    /// For grant and renew: the new end; for expire: the end that passed.
    pub expires_at: Option<OffsetDateTime>,
    /// For renew: the end being replaced.
    pub previous_expires_at: Option<OffsetDateTime>,
    /// What asks for the access: `bundle:ID`, `exception:ID`.
    pub sources: Vec<Source>,
    /// The file and line that asked for it.
    pub origin: Option<String>,
    /// The ticket the access belongs to.
    pub ticket: Option<String>,
    /// Whether the tenant already is as the change leaves it (held but unrecorded, or
    /// already gone): applying then only updates the ledger.
    pub tenant_already_done: bool,
    /// Why, in a few words.
    pub reason: String,
    /// For a change of a recorded grant: the tenant held it before onboard managed the
    /// tenant (recorded by `onboard import`), rather than onboard granting it.
    pub held_before_onboard: bool,
}

impl Change {
    /// Returns a change of a kind in a tenant, with the reason given and nothing else
    /// set (no entitlement, holder, end, sources, origin or ticket).
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

/// A plan: the changes applying sends, the grants policy refuses, the tenants that
/// could not be read, warnings, and the tenants' own configuration to bring in line.
///
/// As JSON (`PlanJson`) the changes, denials and unreadable tenants are one
/// `changes` array of [`PlanEntry`]s in the canonical order, each with its `kind`
/// (`grant` … `drift`, `denied`, `unknown`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "PlanJson", try_from = "PlanJson")]
pub struct Plan {
    /// Changes, ordered by client, tenant, kind, entitlement and holder.
    pub changes: Vec<Change>,
    /// Grants policy refuses: never sent.
    pub denials: Vec<DeniedGrant>,
    /// Tenants that could not be read: nothing is planned for them.
    pub unknown: Vec<UnreadableTenant>,
    /// Things the user should know that are not changes.
    pub warnings: Vec<String>,
    /// Tenants whose own configuration `apply` changes (GDAP access assignments, Okta group admin roles).
    pub configuration: Vec<TenantConfiguration>,
}

/// [`Plan`] as JSON: changes, denials and unreadable tenants in one list.
#[derive(Serialize, Deserialize)]
struct PlanJson {
    changes: Vec<PlanEntry>,
    #[serde(default)]
    warnings: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    configuration: Vec<TenantConfiguration>,
}

impl From<Plan> for PlanJson {
    fn from(plan: Plan) -> Self {
        PlanJson {
            changes: plan.rows(),
            warnings: plan.warnings,
            configuration: plan.configuration,
        }
    }
}

impl TryFrom<PlanJson> for Plan {
    type Error = String;

    fn try_from(json: PlanJson) -> Result<Self, String> {
        Ok(Plan {
            warnings: json.warnings,
            configuration: json.configuration,
            ..Plan::from_rows(json.changes)?
        })
    }
}

/// A plan's entries as a JSON array of [`PlanEntry`]s in the canonical order, written
/// from the plan without a copy of each ([`Plan::json_rows`]).
#[derive(Debug, Clone, Copy)]
pub struct Entries<'a>(&'a Plan);

impl Serialize for Entries<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.entries())
    }
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
    /// Counts entries by kind.
    pub fn of(kinds: impl IntoIterator<Item = EntryKind>) -> Summary {
        let mut s = Summary::default();
        for kind in kinds {
            *match kind {
                EntryKind::Grant => &mut s.grant,
                EntryKind::Renew => &mut s.renew,
                EntryKind::Expire => &mut s.expire,
                EntryKind::Revoke => &mut s.revoke,
                EntryKind::Drift => &mut s.drift,
                EntryKind::Unknown => &mut s.unknown,
                EntryKind::Denied => &mut s.denied,
            } += 1;
        }
        s
    }
}

impl Plan {
    /// Returns the plan of entries read from JSON (in their order), or what is wrong
    /// with the first that cannot be read.
    pub fn from_rows(rows: Vec<PlanEntry>) -> Result<Plan, String> {
        let mut plan = Plan::default();
        for row in rows {
            match Entry::try_from(row)? {
                Entry::Change(change) => plan.changes.push(change),
                Entry::Denied(denial) => plan.denials.push(denial),
                Entry::Unknown(unknown) => plan.unknown.push(unknown),
            }
        }
        Ok(plan)
    }

    /// Returns every entry: the changes, denials and unreadable tenants merged in the
    /// canonical order (by client, tenant, kind — `grant` … `drift`, then `unknown`,
    /// `denied` — entitlement and holder), each list keeping its own order. For a
    /// sorted plan ([`Self::sort`]) this is the canonical order itself.
    pub fn entries(&self) -> Vec<EntryRef<'_>> {
        if self.denials.is_empty() && self.unknown.is_empty() {
            // Nothing to merge (most plans): the changes in their order.
            return self.changes.iter().map(EntryRef::Change).collect();
        }
        let mut lists = [
            self.changes
                .iter()
                .map(EntryRef::Change)
                .collect::<Vec<_>>(),
            self.unknown.iter().map(EntryRef::Unknown).collect(),
            self.denials.iter().map(EntryRef::Denied).collect(),
        ]
        .map(|list| list.into_iter().peekable());
        let mut entries = Vec::new();
        loop {
            let next = lists
                .iter_mut()
                .filter_map(|list| list.peek().map(|e| e.order()))
                .min();
            let Some(next) = next else {
                return entries;
            };
            for list in &mut lists {
                if list.peek().is_some_and(|e| e.order() == next) {
                    entries.extend(list.next());
                    break;
                }
            }
        }
    }

    /// Returns every entry as JSON, in the canonical order ([`Self::entries`]).
    pub fn rows(&self) -> Vec<PlanEntry> {
        self.entries().into_iter().map(PlanEntry::from).collect()
    }

    /// Returns every entry to be written as JSON, in the canonical order, as
    /// [`Self::rows`] would be written but without copying them.
    pub fn json_rows(&self) -> Entries<'_> {
        Entries(self)
    }

    /// Adds the entries, warnings and configuration of `other` after this plan's own.
    pub fn append(&mut self, other: Plan) {
        self.changes.extend(other.changes);
        self.denials.extend(other.denials);
        self.unknown.extend(other.unknown);
        self.warnings.extend(other.warnings);
        self.configuration.extend(other.configuration);
    }

    /// Returns whether the plan has no change, denial or unreadable tenant (its warnings
    /// and configuration aside).
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.denials.is_empty() && self.unknown.is_empty()
    }

    /// Returns the counts by kind.
    pub fn summary(&self) -> Summary {
        let changes = self.changes.iter().map(EntryRef::Change);
        let denials = self.denials.iter().map(EntryRef::Denied);
        let unknown = self.unknown.iter().map(EntryRef::Unknown);
        Summary::of(changes.chain(denials).chain(unknown).map(EntryRef::kind))
    }

    /// Returns the plan of the entries `keep` selects, without warnings, and with the
    /// configuration of the tenants those entries are in (brought in line before them).
    pub fn only(&self, keep: impl Fn(EntryRef<'_>) -> bool) -> Plan {
        let kept = |entry: EntryRef<'_>| keep(entry);
        let plan = Plan {
            changes: self
                .changes
                .iter()
                .filter(|c| kept(EntryRef::Change(c)))
                .cloned()
                .collect(),
            denials: self
                .denials
                .iter()
                .filter(|d| kept(EntryRef::Denied(d)))
                .cloned()
                .collect(),
            unknown: self
                .unknown
                .iter()
                .filter(|u| kept(EntryRef::Unknown(u)))
                .cloned()
                .collect(),
            warnings: Vec::new(),
            configuration: Vec::new(),
        };
        let configuration = self
            .configuration
            .iter()
            .filter(|t| {
                plan.entries()
                    .iter()
                    .any(|e| e.client() == t.client && e.tenant() == t.tenant)
            })
            .cloned()
            .collect();
        Plan {
            configuration,
            ..plan
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
        !self.changes.is_empty() || !self.configuration.is_empty()
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
        !self.denials.is_empty()
    }

    /// Returns whether some tenant could not be read.
    pub fn has_unknown(&self) -> bool {
        !self.unknown.is_empty()
    }

    /// Sorts changes, denials and unreadable tenants into their canonical order.
    pub fn sort(&mut self) {
        self.changes.sort_by(|a, b| {
            EntryRef::Change(a)
                .order()
                .cmp(&EntryRef::Change(b).order())
        });
        self.denials.sort_by(|a, b| {
            EntryRef::Denied(a)
                .order()
                .cmp(&EntryRef::Denied(b).order())
        });
        self.unknown.sort_by(|a, b| {
            EntryRef::Unknown(a)
                .order()
                .cmp(&EntryRef::Unknown(b).order())
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
            ..Plan::default()
        };
        let okta = plan.only(|c| c.tenant() == "okta");
        assert_eq!(okta.configuration, [okta_roles()]);
        assert!(okta.warnings.is_empty());
        assert!(
            plan.only(|c| c.tenant() == "entra")
                .configuration
                .is_empty()
        );
        assert_eq!(plan.configuration_of("acme", "okta"), okta_roles().changes);
        plan.configuration.clear();
        assert!(plan.configuration_of("acme", "okta").is_empty());
    }

    /// A plan of a grant in `acme/entra`, a denial there, and `acme/okta` unread, as
    /// saved by onboard before denials and unreadable tenants had types of their own.
    const SAVED: &str = r#"{"changes":[{"kind":"grant","client":"acme","tenant":"entra","entitlement":"group:MSP-Helpdesk","identity":"alice","account":"alice@acme.example","expires_at":"2027-01-01T00:00:00Z","previous_expires_at":null,"sources":["bundle:essential-helpdesk"],"origin":"bundles/helpdesk.yaml:12:18","ticket":"CHG-1","tenant_already_done":false,"reason":"wanted","held_before_onboard":true},{"kind":"denied","client":"acme","tenant":"entra","entitlement":"group:MSP-Admins","identity":"bob","account":"bob@acme.example","expires_at":null,"previous_expires_at":null,"sources":["exception:bob-ga"],"origin":"clients/acme.yaml:40:5","ticket":null,"tenant_already_done":false,"reason":"`group:MSP-Admins` is never granted","rule":"forbidden-entitlement","hint":"ask for a narrower role"},{"kind":"unknown","client":"acme","tenant":"okta","entitlement":null,"identity":null,"account":null,"expires_at":null,"previous_expires_at":null,"sources":[],"origin":null,"ticket":null,"tenant_already_done":false,"reason":"list group:X: connection refused","hint":"check the endpoint","error_code":"unreachable"}],"warnings":["w"]}"#;

    #[test]
    fn a_saved_plan_reads_into_changes_denials_and_unknown_tenants_and_writes_back_the_same_bytes()
    {
        let plan: Plan = serde_json::from_str(SAVED).unwrap();
        assert_eq!(plan.changes.len(), 1);
        assert_eq!(plan.changes[0].kind, ChangeKind::Grant);
        assert!(plan.changes[0].held_before_onboard);
        assert_eq!(
            plan.denials,
            [DeniedGrant {
                client: "acme".into(),
                tenant: "entra".into(),
                entitlement: "group:MSP-Admins".parse().unwrap(),
                identity: Some("bob".into()),
                account: Some("bob@acme.example".into()),
                sources: vec!["exception:bob-ga".into()],
                origin: "clients/acme.yaml:40:5".into(),
                ticket: None,
                rule: "forbidden-entitlement".into(),
                hint: "ask for a narrower role".into(),
                reason: "`group:MSP-Admins` is never granted".into(),
            }]
        );
        assert_eq!(
            plan.unknown,
            [UnreadableTenant {
                client: "acme".into(),
                tenant: "okta".into(),
                reason: "list group:X: connection refused".into(),
                error_code: "unreachable".into(),
                hint: Some("check the endpoint".into()),
            }]
        );
        assert_eq!(serde_json::to_string(&plan).unwrap(), SAVED);
        let summary = plan.summary();
        assert_eq!((summary.grant, summary.denied, summary.unknown), (1, 1, 1));
        assert!(plan.has_changes() && plan.has_denials() && plan.has_unknown());
    }

    #[test]
    fn entries_merge_the_three_lists_in_the_canonical_order_and_round_trip() {
        let mut plan: Plan = serde_json::from_str(SAVED).unwrap();
        // A drift in `acme/okta` comes after the grant and denial in `acme/entra`, and
        // before the unreadable `acme/okta`'s entry only by kind.
        plan.changes.push(Change {
            entitlement: Some("group:X".parse().unwrap()),
            account: Some("zed@acme.example".into()),
            ..Change::new(ChangeKind::Drift, "acme", "okta", "held".into())
        });
        let kinds: Vec<EntryKind> = plan.entries().into_iter().map(EntryRef::kind).collect();
        assert_eq!(
            kinds,
            [
                EntryKind::Grant,
                EntryKind::Denied,
                EntryKind::Drift,
                EntryKind::Unknown
            ]
        );
        let json = serde_json::to_value(&plan).unwrap();
        let back: Plan = serde_json::from_value(json).unwrap();
        assert_eq!(back, plan);
        // Only the changes are sent: a plan of denials and unknown tenants changes nothing.
        let refused = plan.only(|e| !matches!(e, EntryRef::Change(_)));
        assert!(!refused.has_changes());
        assert_eq!(refused.entries().len(), 2);
    }

    #[test]
    fn a_saved_denial_or_unknown_tenant_missing_what_it_needs_is_an_error_not_a_panic() {
        for (field, kind) in [
            ("rule", "denied"),
            ("hint", "denied"),
            ("origin", "denied"),
            ("entitlement", "denied"),
            ("error_code", "unknown"),
        ] {
            let mut json: serde_json::Value = serde_json::from_str(SAVED).unwrap();
            let entry = json["changes"]
                .as_array_mut()
                .unwrap()
                .iter_mut()
                .find(|e| e["kind"] == kind)
                .unwrap();
            entry.as_object_mut().unwrap().remove(field);
            let error = serde_json::from_value::<Plan>(json)
                .unwrap_err()
                .to_string();
            assert!(
                error.contains(&format!("has no `{field}`")) && error.contains("`acme/"),
                "{error}"
            );
        }
    }
}
