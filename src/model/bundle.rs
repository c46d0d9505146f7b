//! Bundles: the grants a support function needs at a service tier.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::entitlement::{Entitlement, SystemKind};
use super::time::parse_duration;
use super::yaml::{self, origin};
use super::{Diagnostic, Origin, check_id};

/// Requirements a grant carries: checked by policy before anything is sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requirements {
    /// The holder must have MFA enforced.
    pub mfa: bool,
    /// A ticket must be named.
    pub ticket: bool,
    /// A second person must approve.
    pub approval: bool,
    /// Data tags the client must carry.
    pub data_tags: Vec<String>,
}

impl Requirements {
    /// Returns these requirements combined with another set (the stricter of each).
    pub fn merged(&self, other: &Requirements) -> Requirements {
        let mut data_tags = self.data_tags.clone();
        for tag in &other.data_tags {
            if !data_tags.contains(tag) {
                data_tags.push(tag.clone());
            }
        }
        Requirements {
            mfa: self.mfa || other.mfa,
            ticket: self.ticket || other.ticket,
            approval: self.approval || other.approval,
            data_tags,
        }
    }
}

/// One grant of a bundle or exception.
#[derive(Debug, Clone)]
pub struct BundleGrant {
    /// The kind of tenant it applies to.
    pub system: SystemKind,
    /// What is granted.
    pub entitlement: Entitlement,
    /// Whether this is a privileged (admin-level) entitlement.
    pub privileged: bool,
    /// Just-in-time lifetime; `None` for a standing grant.
    pub ttl: Option<Duration>,
    /// Requirements (bundle-level ones merged in).
    pub requires: Requirements,
    /// In exceptions: the one tenant (name) the grant is for; `None`: every tenant of
    /// the system.
    pub tenant: Option<(String, Origin)>,
    /// Where the grant was written.
    pub origin: Origin,
}

impl BundleGrant {
    /// Returns whether the grant applies to a tenant: same system, and the named tenant
    /// when the grant names one.
    pub fn lands_in(&self, tenant: &super::Tenant) -> bool {
        self.system == tenant.system
            && self
                .tenant
                .as_ref()
                .is_none_or(|(name, _)| *name == tenant.name)
    }
}

/// A bundle from `bundles/**/*.yaml`.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// Unique id.
    pub id: String,
    /// The service tier it belongs to.
    pub tier: String,
    /// The support function it serves.
    pub function: String,
    /// What it is for.
    pub description: Option<String>,
    /// Its grants.
    pub grants: Vec<BundleGrant>,
    /// Where the record starts.
    pub origin: Origin,
    /// Where the tier is written.
    pub tier_origin: Origin,
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRequires {
    /// The holder must have MFA enforced.
    mfa: Option<bool>,
    /// A request for it must name a ticket.
    ticket: Option<bool>,
    /// A request for it needs a second person's approval.
    approval: Option<bool>,
    /// The client must carry these data tags.
    #[serde(default)]
    data_tags: Vec<String>,
}

impl RawRequires {
    fn into_requirements(self) -> Requirements {
        Requirements {
            mfa: self.mfa.unwrap_or(false),
            ticket: self.ticket.unwrap_or(false),
            approval: self.approval.unwrap_or(false),
            data_tags: self.data_tags,
        }
    }
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGrant {
    /// The kind of tenant the grant applies to.
    #[schemars(with = "SystemKind")]
    system: Spanned<SystemKind>,
    /// What is granted, `KIND:NAME` (`group:MSP-Helpdesk`, `role:Global Reader`).
    #[schemars(with = "crate::model::schema_text::EntitlementText")]
    entitlement: Spanned<String>,
    /// Admin-level access: granted only just in time, to persons with MFA.
    privileged: Option<bool>,
    /// Just in time: granted on request for at most this long (`8h`); without it,
    /// standing.
    #[schemars(with = "Option<crate::model::schema_text::DurationText>")]
    ttl: Option<Spanned<String>>,
    /// Requirements of this grant, beside the bundle's.
    requires: Option<RawRequires>,
    /// Exception grants only: the one tenant of the client it is for.
    #[schemars(with = "Option<crate::model::schema_text::Id>")]
    tenant: Option<Spanned<String>>,
}

impl RawGrant {
    /// Converts a raw grant, checking its entitlement and ttl.
    /// `tenant` (one named tenant of the client) is allowed only where `allow_tenant`.
    pub(super) fn convert(
        self,
        path: &Arc<str>,
        field: &str,
        inherited: &Requirements,
        allow_tenant: bool,
        problems: &mut Vec<Diagnostic>,
    ) -> Option<BundleGrant> {
        let system = self.system.value;
        let tenant = self.tenant.map(|t| (t.value.clone(), origin(path, &t)));
        if let (Some((_, at)), false) = (&tenant, allow_tenant) {
            problems.push(
                Diagnostic::new(at.clone(), "`tenant` names one client's tenant, so it belongs in a client's exception, not in a bundle")
                    .field(format!("{field}.tenant"))
                    .hint("remove `tenant:`: a bundle grant applies to every tenant of its `system`"),
            );
        }
        let entitlement_origin = origin(path, &self.entitlement);
        let entitlement = match Entitlement::parse_for(&self.entitlement.value, system) {
            Ok(e) => Some(e),
            Err(message) => {
                problems.push(
                    Diagnostic::new(entitlement_origin.clone(), message)
                        .field(format!("{field}.entitlement"))
                        .hint(format!(
                            "`{system}` tenants have: {}",
                            system
                                .entitlement_kinds()
                                .iter()
                                .map(|k| format!("`{}:NAME`", k.as_str()))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                );
                None
            }
        };
        let ttl = match &self.ttl {
            None => Some(None),
            Some(text) => match parse_duration(&text.value) {
                Ok(d) => Some(Some(d)),
                Err(message) => {
                    problems.push(
                        Diagnostic::new(origin(path, text), message)
                            .field(format!("{field}.ttl"))
                            .hint("write a duration such as `30m`, `8h`, `1d` or `2w`"),
                    );
                    None
                }
            },
        };
        let own = self.requires.unwrap_or_default().into_requirements();
        Some(BundleGrant {
            system,
            entitlement: entitlement?,
            privileged: self.privileged.unwrap_or(false),
            ttl: ttl?,
            requires: inherited.merged(&own),
            tenant,
            origin: entitlement_origin,
        })
    }
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
// `tenant` names one client's tenant: only a client's exception grants may carry it.
#[schemars(extend("allOf" = [
    { "properties": { "grants": { "items": { "not": { "required": ["tenant"] } } } } }
]))]
pub(super) struct RawBundle {
    /// The bundle's id, unique across the bundle libraries.
    #[schemars(with = "crate::model::schema_text::Id")]
    id: Spanned<String>,
    /// The service tier it belongs to.
    #[schemars(with = "crate::model::schema_text::Id")]
    tier: Spanned<String>,
    /// The support function it serves (`helpdesk`…).
    #[schemars(with = "crate::model::schema_text::Id")]
    function: Spanned<String>,
    /// What the bundle is for.
    description: Option<String>,
    /// Requirements of every grant.
    requires: Option<RawRequires>,
    /// The grants.
    #[schemars(length(min = 1))]
    grants: Vec<RawGrant>,
}

/// Parses one bundle file; every problem found is returned.
pub fn parse(path: &Arc<str>, text: &str) -> Result<Bundle, Vec<Diagnostic>> {
    let raw: RawBundle = yaml::parse(path, text).map_err(|d| vec![d])?;
    let mut problems = Vec::new();
    let id_origin = origin(path, &raw.id);
    for (field, value) in [
        ("id", &raw.id),
        ("tier", &raw.tier),
        ("function", &raw.function),
    ] {
        problems.extend(check_id(&origin(path, value), field, &value.value));
    }
    if raw.grants.is_empty() {
        problems.push(
            Diagnostic::new(id_origin.clone(), "the bundle has no grants")
                .field("grants")
                .hint("list at least one grant, or remove the bundle"),
        );
    }
    let inherited = raw.requires.unwrap_or_default().into_requirements();
    let grants: Vec<_> = raw
        .grants
        .into_iter()
        .enumerate()
        .filter_map(|(i, g)| {
            g.convert(
                path,
                &format!("grants[{i}]"),
                &inherited,
                false,
                &mut problems,
            )
        })
        .collect();
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Bundle {
        id: raw.id.value,
        tier_origin: origin(path, &raw.tier),
        tier: raw.tier.value,
        function: raw.function.value,
        description: raw.description,
        grants,
        origin: id_origin,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_grants_and_merges_requirements() {
        let text = "id: standard-helpdesk\ntier: standard\nfunction: helpdesk\nrequires:\n  mfa: true\ngrants:\n  - system: entra\n    entitlement: group:MSP-Helpdesk\n  - system: entra\n    entitlement: role:Helpdesk Administrator\n    privileged: true\n    ttl: 8h\n    requires: { ticket: true }\n";
        let b = parse(&Arc::from("b.yaml"), text).unwrap();
        assert_eq!(b.grants.len(), 2);
        assert!(b.grants[0].ttl.is_none());
        assert_eq!(b.grants[1].ttl, Some(Duration::from_secs(8 * 3600)));
        assert!(b.grants[1].requires.mfa && b.grants[1].requires.ticket);
        assert_eq!(b.grants[1].origin.line, 10);
    }

    #[test]
    fn bad_ttl_and_entitlement_are_both_reported() {
        let text = "id: x\ntier: t\nfunction: f\ngrants:\n  - system: github\n    entitlement: group:admins\n  - system: entra\n    entitlement: group:g\n    ttl: forever\n";
        let errors = parse(&Arc::from("b.yaml"), text).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].field.as_deref(), Some("grants[0].entitlement"));
        assert_eq!((errors[1].origin.line, errors[1].origin.column), (9, 10));
    }
}
