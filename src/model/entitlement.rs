//! Tenant system kinds and the entitlements that exist in each.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The kind of system a tenant is, which decides what entitlements it has.
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
pub enum SystemKind {
    /// Microsoft Entra ID (through Microsoft Graph).
    Entra,
    /// Okta.
    Okta,
    /// A GitHub organisation.
    Github,
    /// A SCIM 2.0 service provider.
    Scim,
    /// An LDAP directory (OpenLDAP and the like).
    Ldap,
    /// Active Directory.
    Ad,
    /// An MSP's own Entra partner tenant, reached through Microsoft Graph, managing a
    /// client's delegated admin relationship (GDAP): technicians' membership of the
    /// partner security groups that the relationship's access assignments name.
    Gdap,
}

impl SystemKind {
    /// Returns the name used in workspace files.
    pub fn as_str(self) -> &'static str {
        match self {
            SystemKind::Entra => "entra",
            SystemKind::Okta => "okta",
            SystemKind::Github => "github",
            SystemKind::Scim => "scim",
            SystemKind::Ldap => "ldap",
            SystemKind::Ad => "ad",
            SystemKind::Gdap => "gdap",
        }
    }

    /// Returns the entitlement kinds this system has.
    pub fn entitlement_kinds(self) -> &'static [EntitlementKind] {
        use EntitlementKind::*;
        match self {
            SystemKind::Entra | SystemKind::Okta => &[Group, Role],
            SystemKind::Github => &[Org, Team, TeamMaintainer],
            SystemKind::Scim => &[Group, Role, Entitlement],
            SystemKind::Ldap | SystemKind::Ad | SystemKind::Gdap => &[Group],
        }
    }
}

impl fmt::Display for SystemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of an entitlement: what the grant makes the identity a holder of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntitlementKind {
    /// Membership of a group.
    Group,
    /// A directory or admin role.
    Role,
    /// Organisation membership with a role (`member` or `admin`).
    Org,
    /// Team membership.
    Team,
    /// Team maintainership.
    TeamMaintainer,
    /// A SCIM `entitlements` value.
    Entitlement,
}

impl EntitlementKind {
    /// Returns the prefix used in workspace files.
    pub fn as_str(self) -> &'static str {
        match self {
            EntitlementKind::Group => "group",
            EntitlementKind::Role => "role",
            EntitlementKind::Org => "org",
            EntitlementKind::Team => "team",
            EntitlementKind::TeamMaintainer => "team-maintainer",
            EntitlementKind::Entitlement => "entitlement",
        }
    }

    const ALL: [EntitlementKind; 6] = [
        EntitlementKind::Group,
        EntitlementKind::Role,
        EntitlementKind::Org,
        EntitlementKind::Team,
        EntitlementKind::TeamMaintainer,
        EntitlementKind::Entitlement,
    ];
}

/// Something a tenant can grant: a kind and a name, written `KIND:NAME`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Entitlement {
    /// What sort of entitlement it is.
    pub kind: EntitlementKind,
    /// Its name in the tenant (group name, role name, team slug…).
    pub name: String,
}

impl Entitlement {
    /// Parses `KIND:NAME` and checks the kind exists in the given system.
    pub fn parse_for(text: &str, system: SystemKind) -> Result<Self, String> {
        let entitlement: Entitlement = text.parse()?;
        if !system.entitlement_kinds().contains(&entitlement.kind) {
            let allowed: Vec<_> = system
                .entitlement_kinds()
                .iter()
                .map(|k| format!("`{}:`", k.as_str()))
                .collect();
            return Err(format!(
                "`{}` entitlements do not exist in `{system}` tenants (allowed: {})",
                entitlement.kind.as_str(),
                allowed.join(", ")
            ));
        }
        if entitlement.kind == EntitlementKind::Org
            && !matches!(entitlement.name.as_str(), "member" | "admin")
        {
            return Err(format!(
                "`org:{}` is not an organisation role: use `org:member` or `org:admin`",
                entitlement.name
            ));
        }
        Ok(entitlement)
    }
}

impl FromStr for Entitlement {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let Some((kind, name)) = text.split_once(':') else {
            return Err(format!(
                "`{text}` is not an entitlement: write `KIND:NAME`, e.g. `group:MSP-Helpdesk`"
            ));
        };
        let kind = EntitlementKind::ALL
            .into_iter()
            .find(|k| k.as_str() == kind.trim())
            .ok_or_else(|| {
                format!(
                    "unknown entitlement kind `{kind}` (known: group, role, org, team, team-maintainer, entitlement)"
                )
            })?;
        let name = name.trim();
        if name.is_empty() {
            return Err(format!("entitlement `{text}` has no name after `:`"));
        }
        Ok(Entitlement {
            kind,
            name: name.to_string(),
        })
    }
}

impl fmt::Display for Entitlement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind.as_str(), self.name)
    }
}

impl Serialize for Entitlement {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Entitlement {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_checks_kind_per_system() {
        let e = Entitlement::parse_for("role:Helpdesk Administrator", SystemKind::Entra).unwrap();
        assert_eq!(e.to_string(), "role:Helpdesk Administrator");
        assert!(
            Entitlement::parse_for("team:sre", SystemKind::Entra)
                .unwrap_err()
                .contains("do not exist in `entra`")
        );
        assert!(Entitlement::parse_for("org:owner", SystemKind::Github).is_err());
        assert!(
            Entitlement::parse_for("Helpdesk", SystemKind::Entra)
                .unwrap_err()
                .contains("KIND:NAME")
        );
        assert!(Entitlement::parse_for("group:", SystemKind::Ldap).is_err());
    }
}
