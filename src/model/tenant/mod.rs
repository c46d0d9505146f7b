//! Tenants: the systems a client has, the adapter that reaches each, and its settings.
//!
//! A client file writes a tenant flat (`RawTenant`, which the client schema is made
//! from); `convert_tenant` checks it and turns it into a [`Tenant`] whose
//! [`TenantSettings`] variant is its adapter, each kind checked in its own file under
//! `settings/`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

use super::entitlement::SystemKind;
use super::yaml::origin;
use super::{CredentialRef, Diagnostic, Origin, check_id};

mod checks;
mod configuration;
mod gdap;
mod settings;

pub use configuration::ConfigurationChange;
use gdap::RawGdap;
pub use gdap::{GLOBAL_ADMINISTRATOR_ID, Gdap, is_global_administrator};
pub use settings::{
    AdSettings, CaFile, DirectorySettings, FileSettings, GithubApp, GithubSettings, GraphSettings,
    LdapSettings, OktaSettings, ScimSettings, TenantSettings,
};

/// The hint for a tenant without its `credential:`: a reference, never the secret.
const ADD_CREDENTIAL: &str = "add `credential: keyring:NAME`, `env:VAR`, `file:PATH`, `vault:MOUNT/data/PATH#FIELD` or `exec:COMMAND` (a reference, never the secret)";

/// The adapter that talks to a tenant.
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
pub enum AdapterKind {
    /// A tenant kept as a local directory (examples, tests, dry runs).
    File,
    /// A SCIM 2.0 service provider.
    Scim,
    /// An LDAP directory.
    Ldap,
    /// Active Directory over LDAP.
    Ad,
    /// Microsoft Graph (Entra ID).
    Graph,
    /// Okta's management API.
    Okta,
    /// GitHub's REST API.
    Github,
}

impl AdapterKind {
    /// Returns the name used in workspace files.
    pub fn as_str(self) -> &'static str {
        match self {
            AdapterKind::File => "file",
            AdapterKind::Scim => "scim",
            AdapterKind::Ldap => "ldap",
            AdapterKind::Ad => "ad",
            AdapterKind::Graph => "graph",
            AdapterKind::Okta => "okta",
            AdapterKind::Github => "github",
        }
    }
}

impl fmt::Display for AdapterKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One tenant of a client: a system reached through an adapter.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// Name, unique within the client.
    pub name: String,
    /// What kind of system it is.
    pub system: SystemKind,
    /// Domain used by account templates.
    pub domain: Option<String>,
    /// What its adapter needs to reach it: the variant is the adapter.
    pub settings: TenantSettings,
    /// Where the tenant is declared.
    pub origin: Origin,
}

impl Tenant {
    /// Returns the adapter that reaches the tenant.
    pub fn adapter(&self) -> AdapterKind {
        self.settings.adapter()
    }

    /// Returns where the tenant's credential is kept (a `file` tenant may have none).
    pub fn credential(&self) -> Option<&CredentialRef> {
        self.settings.credential()
    }

    /// Whether the client file declares configuration of the tenant itself that `apply`
    /// brings in line ([`Gdap`] access assignments, Okta `group_roles`).
    pub fn has_configuration(&self) -> bool {
        match &self.settings {
            TenantSettings::Graph(graph) => graph.gdap.is_some(),
            TenantSettings::Okta(okta) => !okta.group_roles.is_empty(),
            _ => false,
        }
    }

    /// Returns the admin roles the client file gives a group of this tenant through the
    /// tenant's configuration (Okta `group_roles`, a GDAP relationship's `access`), or
    /// `None` when it gives the group none: membership of such a group is admin access.
    pub fn admin_roles_of_group(&self, group: &str) -> Option<&[String]> {
        let roles = match &self.settings {
            TenantSettings::Graph(graph) => graph.gdap.as_ref()?.access.get(group),
            TenantSettings::Okta(okta) => okta.group_roles.get(group),
            _ => None,
        };
        roles.map(Vec::as_slice).filter(|roles| !roles.is_empty())
    }
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
// What each adapter needs, and the fields only some adapters take (as `settings/` checks).
#[schemars(extend(
    "dependentRequired" = { "installation_id": ["app_id"] },
    "allOf" = [
        { "if": { "properties": { "adapter": { "const": "file" } } }, "then": { "required": ["path"] } },
        { "if": { "properties": { "adapter": { "const": "graph" } } }, "then": { "required": ["tenant_id", "client_id", "credential"] } },
        { "if": { "properties": { "adapter": { "const": "github" } } }, "then": { "required": ["org", "credential"] } },
        { "if": { "properties": { "adapter": { "enum": ["scim", "okta", "ldap", "ad"] } } }, "then": { "required": ["endpoint", "credential"] } },
        { "if": { "properties": { "adapter": { "const": "ldap" } } }, "then": { "required": ["base_dn", "bind_dn"] } },
        { "if": { "properties": { "adapter": { "const": "ad" } } }, "then": { "required": ["bind_dn"], "anyOf": [{ "required": ["domain"] }, { "required": ["tenant_id"] }] } },
        { "if": { "properties": { "adapter": { "not": { "const": "graph" } } } }, "then": { "not": { "anyOf": [
            { "required": ["auth_endpoint"] }, { "required": ["gdap"] }, { "required": ["groups"] },
            { "properties": { "pim": { "const": true } }, "required": ["pim"] },
            { "properties": { "pim_groups": { "const": true } }, "required": ["pim_groups"] }
        ] } } },
        { "if": { "properties": { "adapter": { "not": { "enum": ["graph", "okta"] } } } }, "then": { "not": { "required": ["client_id"] } } },
        { "if": { "properties": { "adapter": { "not": { "const": "github" } } } }, "then": { "not": { "anyOf": [{ "required": ["app_id"] }, { "required": ["installation_id"] }] } } },
        { "if": { "properties": { "adapter": { "not": { "enum": ["ldap", "ad"] } } } }, "then": { "not": { "required": ["ca_file"] } } },
        { "if": { "properties": { "system": { "const": "gdap" } } }, "then": { "required": ["gdap"] }, "else": { "not": { "required": ["gdap"] } } }
    ]
))]
pub(super) struct RawTenant {
    /// The tenant's name, unique within the client (exception grants name it).
    #[schemars(with = "crate::model::schema_text::Id")]
    name: Spanned<String>,
    /// What kind of system it is: bundles grant to systems.
    system: SystemKind,
    /// Which adapter reaches it.
    adapter: AdapterKind,
    /// `file` adapter: the directory holding the tenant, inside the workspace.
    #[schemars(with = "Option<String>")]
    path: Option<Spanned<String>>,
    /// The API endpoint or directory URL (`https://…`, `ldaps://…`).
    #[schemars(with = "Option<crate::model::schema_text::UrlText>")]
    endpoint: Option<Spanned<String>>,
    /// The tenant's own id, checked before anything is sent: an Entra directory id,
    /// a SCIM tenant, an LDAP base DN or naming context, an AD DNS domain.
    tenant_id: Option<String>,
    /// Where the secret is kept: `keyring:NAME`, `env:VAR`, `file:PATH`,
    /// `vault:MOUNT/data/PATH#FIELD` or `exec:COMMAND`; never the secret itself.
    #[schemars(with = "Option<crate::model::schema_text::CredentialText>")]
    credential: Option<Spanned<String>>,
    /// The domain account templates fill `{domain}` with.
    domain: Option<String>,
    /// `ldap`: the client's subtree (required); `ad`: the subtree to work in.
    base_dn: Option<String>,
    /// `ldap` and `ad`: the DN (AD also a UPN) onboard binds as.
    bind_dn: Option<String>,
    /// `ldap` and `ad`: the filter finding an account, with `{account}`.
    #[schemars(with = "Option<String>")]
    user_filter: Option<Spanned<String>>,
    /// `ldap`: upgrade an `ldap://` endpoint on loopback with StartTLS.
    starttls: Option<bool>,
    /// `ldap` and `ad`: a PEM file of the CAs the directory's certificate chains to.
    #[schemars(with = "Option<String>")]
    ca_file: Option<Spanned<String>>,
    /// `github`: the organisation.
    org: Option<String>,
    /// `graph`: onboard's app registration's application id; `okta`: the OAuth 2.0
    /// service app's client id (the credential is then its private key).
    client_id: Option<String>,
    /// `graph`: the token endpoint (default `https://login.microsoftonline.com`).
    #[schemars(with = "Option<crate::model::schema_text::UrlText>")]
    auth_endpoint: Option<Spanned<String>>,
    /// `graph`: directory roles go through PIM, so time-bound grants end in the tenant.
    #[serde(default)]
    pim: bool,
    /// `graph`: group names mapped to object ids (Entra names are not unique).
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, crate::model::schema_text::Guid>")]
    groups: BTreeMap<String, String>,
    /// `graph`: group grants with an end are PIM for Groups assignments.
    #[serde(default)]
    pim_groups: bool,
    /// `graph`, `system: gdap`: the client's delegated admin relationship.
    #[schemars(with = "Option<RawGdap>")]
    gdap: Option<Spanned<RawGdap>>,
    /// `okta`: the standard admin role types each named group holds, exactly.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Vec<String>>")]
    group_roles: BTreeMap<String, Vec<Spanned<String>>>,
    /// `github`: the GitHub App's id (the credential is then its private key).
    #[schemars(with = "Option<crate::model::schema_text::Digits>")]
    app_id: Option<String>,
    /// `github`: the app's installation id (looked up when absent).
    #[schemars(with = "Option<crate::model::schema_text::Digits>")]
    installation_id: Option<String>,
}

/// Checks a raw tenant and returns its name, where it is declared, and the tenant;
/// `None` when its settings are incomplete (every problem is in `problems`).
pub(super) fn convert_tenant(
    path: &Arc<str>,
    index: usize,
    raw: RawTenant,
    problems: &mut Vec<Diagnostic>,
) -> (String, Origin, Option<Tenant>) {
    let field = format!("tenants[{index}]");
    let at = origin(path, &raw.name);
    problems.extend(check_id(&at, &format!("{field}.name"), &raw.name.value));
    let scope = checks::Scope {
        path,
        field,
        at: at.clone(),
        adapter: raw.adapter,
    };
    let settings = settings::convert(&scope, &raw, problems);
    let tenant = settings.map(|settings| Tenant {
        name: raw.name.value.clone(),
        system: raw.system,
        domain: raw.domain.clone(),
        settings,
        origin: at.clone(),
    });
    (raw.name.value, at, tenant)
}

/// Returns whether text is a GUID (`8-4-4-4-12` hex digits), as Entra object ids are.
pub fn is_guid(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Returns the attributes an LDAP user filter compares with `{account}`, in order (the
/// `uid` of `(uid={account})`): an account is listed by the first of them its entry has.
///
/// The filter must be parenthesised, balanced, and hold at least one `(ATTR={account})`.
pub fn user_filter_attributes(filter: &str) -> Result<Vec<String>, String> {
    let filter = filter.trim();
    let mut depth: i64 = 0;
    for c in filter.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            break;
        }
    }
    if !filter.starts_with('(') || !filter.ends_with(')') || depth != 0 {
        return Err(format!(
            "the user filter `{filter}` is not a parenthesised LDAP filter"
        ));
    }
    let mut attributes = Vec::new();
    for (at, _) in filter.match_indices("={account})") {
        let Some(open) = filter[..at].rfind('(') else {
            continue;
        };
        let attribute = &filter[open + 1..at];
        let valid = attribute.starts_with(|c: char| c.is_ascii_alphabetic())
            && attribute
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ';');
        if valid
            && !attributes
                .iter()
                .any(|a: &String| a.eq_ignore_ascii_case(attribute))
        {
            attributes.push(attribute.to_string());
        }
    }
    if attributes.is_empty() {
        return Err(format!(
            "the user filter `{filter}` compares no attribute with `{{account}}` (write e.g. `(uid={{account}})`)"
        ));
    }
    Ok(attributes)
}
