//! Clients: tier, contract, data tags, tenants and exceptions.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;
use time::OffsetDateTime;

use super::bundle::{BundleGrant, RawGrant, Requirements};
use super::entitlement::SystemKind;
use super::time::{DateBound, parse_instant};
use super::yaml::{self, origin};
use super::{Diagnostic, Origin, check_id};

/// The adapter that talks to a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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

/// Where a tenant's credential is kept: never the secret itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialRef {
    /// An entry in the OS keyring.
    Keyring(String),
    /// An environment variable.
    Env(String),
    /// A file readable by its owner only.
    File(String),
}

impl CredentialRef {
    /// Parses `keyring:NAME`, `env:VAR` or `file:PATH`. The error never repeats the input,
    /// which may be a secret pasted in by mistake.
    pub fn parse(text: &str) -> Result<Self, String> {
        let refuse = || {
            "the credential is not a reference (`keyring:NAME`, `env:VAR` or `file:PATH`); if this is the secret itself, remove it from the file and rotate it".to_string()
        };
        let (scheme, rest) = text.split_once(':').ok_or_else(refuse)?;
        let rest = rest.trim();
        match scheme {
            "keyring" if !rest.is_empty() && !rest.contains(char::is_whitespace) => {
                Ok(CredentialRef::Keyring(rest.to_string()))
            }
            "env"
                if !rest.is_empty()
                    && rest
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                    && !rest.starts_with(|c: char| c.is_ascii_digit()) =>
            {
                Ok(CredentialRef::Env(rest.to_string()))
            }
            "file" if !rest.is_empty() => Ok(CredentialRef::File(rest.to_string())),
            _ => Err(refuse()),
        }
    }
}

impl fmt::Display for CredentialRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialRef::Keyring(name) => write!(f, "keyring:{name}"),
            CredentialRef::Env(var) => write!(f, "env:{var}"),
            CredentialRef::File(path) => write!(f, "file:{path}"),
        }
    }
}

/// One tenant of a client: a system reached through an adapter.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// Name, unique within the client.
    pub name: String,
    /// What kind of system it is.
    pub system: SystemKind,
    /// Which adapter reaches it.
    pub adapter: AdapterKind,
    /// Directory of a `file` tenant, as written (relative to the workspace).
    pub path: Option<String>,
    /// API endpoint or server URL.
    pub endpoint: Option<String>,
    /// The tenant's own id (Entra tenant id, Okta org…), checked before any change.
    pub tenant_id: Option<String>,
    /// Where the credential is kept.
    pub credential: Option<CredentialRef>,
    /// Domain used by account templates.
    pub domain: Option<String>,
    /// LDAP base DN: the subtree of the directory that is this tenant.
    pub base_dn: Option<String>,
    /// The DN (or, for Active Directory, the UPN) that `ldap` and `ad` tenants bind as;
    /// the password is the secret behind `credential`.
    pub bind_dn: Option<String>,
    /// The LDAP filter that finds an account's entry, with `{account}` where the
    /// (escaped) account name goes, e.g. `(uid={account})`.
    pub user_filter: Option<String>,
    /// Whether an `ldap://` endpoint on loopback upgrades with StartTLS (`ldap://` to any
    /// other host always does).
    pub starttls: Option<bool>,
    /// GitHub organisation.
    pub org: Option<String>,
    /// Graph: the application (client) id of the app registration in the client's
    /// tenant; the `credential` is its client secret. Okta: the OAuth 2.0 service app's
    /// client id; the `credential` is then its private key.
    pub client_id: Option<String>,
    /// Graph: the Microsoft identity platform base URL the token is asked from
    /// (default `https://login.microsoftonline.com`; tests point it at loopback).
    pub auth_endpoint: Option<String>,
    /// Graph: the tenant has Privileged Identity Management, so directory roles are
    /// assigned through PIM schedule requests and time-bound grants expire by themselves.
    pub pim: bool,
    /// Graph: the object id of each group the bundles name (Entra display names are
    /// not unique), `NAME: OBJECT-ID`. Groups not listed are looked up by display name.
    pub groups: BTreeMap<String, String>,
    /// GitHub: the GitHub App's id; with it, the `credential` is the app's private key
    /// (PEM) and onboard mints installation tokens itself.
    pub app_id: Option<String>,
    /// GitHub: the app's installation id in the organisation (looked up when absent).
    pub installation_id: Option<String>,
    /// Graph: group membership changes with a `ttl` go through PIM for Groups
    /// (`assignmentScheduleRequests` with an end), so the tenant ends them by itself.
    pub pim_groups: bool,
    /// Graph, partner side (`system: gdap`): the delegated admin relationship this
    /// tenant manages.
    pub gdap: Option<Gdap>,
    /// Where the tenant is declared.
    pub origin: Origin,
}

/// The role definition id of Entra's Global Administrator (the same in every tenant).
pub const GLOBAL_ADMINISTRATOR_ID: &str = "62e90394-69f5-4237-9190-012177145e10";

/// Returns whether a role (display name or role definition id) is Global Administrator.
pub fn is_global_administrator(role: &str) -> bool {
    role.eq_ignore_ascii_case("Global Administrator")
        || role.eq_ignore_ascii_case(GLOBAL_ADMINISTRATOR_ID)
}

/// A `gdap` tenant's delegated admin relationship with the client (GDAP), managed from
/// the MSP's partner tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gdap {
    /// The relationship's id in the partner tenant.
    pub relationship: String,
    /// The client's Entra tenant id: the relationship's customer must be this tenant.
    pub customer_tenant_id: String,
    /// Whether the relationship is meant to auto-extend (`autoExtendDuration: P180D`).
    pub auto_extend: bool,
    /// The relationship's access assignments: partner security group name → the
    /// directory roles (display names or role definition ids) its members get in the
    /// client's tenant.
    pub access: BTreeMap<String, Vec<String>>,
    /// Where the `gdap:` section is written.
    pub origin: Origin,
}

/// A contract's running time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contract {
    /// First instant access may be granted.
    pub start: OffsetDateTime,
    /// First instant access must be gone; `None` for open-ended.
    pub end: Option<OffsetDateTime>,
}

/// An explicit, time-bound grant beyond the client's bundles.
#[derive(Debug, Clone)]
pub struct Exception {
    /// Unique id within the client.
    pub id: String,
    /// Who receives it.
    pub identity: (String, Origin),
    /// A bundle whose grants (standing and just-in-time) it gives, with where it is named.
    pub bundle: Option<(String, Origin)>,
    /// What is granted beside the bundle.
    pub grants: Vec<BundleGrant>,
    /// Why.
    pub reason: String,
    /// The ticket it belongs to.
    pub ticket: Option<String>,
    /// Who approved it.
    pub approver: (String, Origin),
    /// When it ends.
    pub until: OffsetDateTime,
    /// Where it is declared.
    pub origin: Origin,
}

/// A client from `clients/*.yaml`.
#[derive(Debug, Clone)]
pub struct Client {
    /// Unique id.
    pub id: String,
    /// Display name.
    pub name: Option<String>,
    /// Service tier.
    pub tier: String,
    /// Where the tier is written.
    pub tier_origin: Origin,
    /// Contract dates; `None` means no dates were given.
    pub contract: Option<Contract>,
    /// Data-handling tags.
    pub data_tags: Vec<String>,
    /// Tenants.
    pub tenants: Vec<Tenant>,
    /// Exceptions.
    pub exceptions: Vec<Exception>,
    /// Where the record starts.
    pub origin: Origin,
}

impl Client {
    /// Returns whether the contract is running at `now`.
    pub fn is_active(&self, now: OffsetDateTime) -> bool {
        self.contract
            .is_none_or(|c| c.start <= now && c.end.is_none_or(|end| now < end))
    }

    /// Returns the tenant with this name.
    pub fn tenant(&self, name: &str) -> Option<&Tenant> {
        self.tenants.iter().find(|t| t.name == name)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContract {
    start: Spanned<String>,
    end: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTenant {
    name: Spanned<String>,
    system: SystemKind,
    adapter: AdapterKind,
    path: Option<String>,
    endpoint: Option<Spanned<String>>,
    tenant_id: Option<String>,
    credential: Option<Spanned<String>>,
    domain: Option<String>,
    base_dn: Option<String>,
    bind_dn: Option<String>,
    user_filter: Option<Spanned<String>>,
    starttls: Option<bool>,
    org: Option<String>,
    client_id: Option<String>,
    auth_endpoint: Option<Spanned<String>>,
    #[serde(default)]
    pim: bool,
    #[serde(default)]
    groups: BTreeMap<String, String>,
    #[serde(default)]
    pim_groups: bool,
    gdap: Option<Spanned<RawGdap>>,
    app_id: Option<String>,
    installation_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGdap {
    relationship: String,
    customer_tenant_id: String,
    #[serde(default)]
    auto_extend: bool,
    #[serde(default)]
    access: BTreeMap<String, Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawException {
    id: Spanned<String>,
    identity: Spanned<String>,
    bundle: Option<Spanned<String>>,
    #[serde(default)]
    grants: Vec<RawGrant>,
    reason: Option<String>,
    ticket: Option<String>,
    approver: Option<Spanned<String>>,
    until: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClient {
    id: Spanned<String>,
    name: Option<String>,
    tier: Spanned<String>,
    contract: Option<RawContract>,
    #[serde(default)]
    data_tags: Vec<String>,
    tenants: Vec<RawTenant>,
    #[serde(default)]
    exceptions: Vec<RawException>,
}

fn parse_date(
    path: &Arc<str>,
    value: &Spanned<String>,
    field: &str,
    bound: DateBound,
    problems: &mut Vec<Diagnostic>,
) -> Option<OffsetDateTime> {
    match parse_instant(&value.value, bound) {
        Ok(instant) => Some(instant),
        Err(message) => {
            problems.push(
                Diagnostic::new(origin(path, value), message)
                    .field(field)
                    .hint("e.g. `2027-12-31`"),
            );
            None
        }
    }
}

fn convert_tenant(
    path: &Arc<str>,
    index: usize,
    raw: RawTenant,
    problems: &mut Vec<Diagnostic>,
) -> Tenant {
    let field = format!("tenants[{index}]");
    let at = origin(path, &raw.name);
    problems.extend(check_id(&at, &format!("{field}.name"), &raw.name.value));
    let credential = raw.credential.as_ref().and_then(|c| match CredentialRef::parse(&c.value) {
        Ok(reference) => Some(reference),
        Err(message) => {
            problems.push(
                Diagnostic::new(origin(path, c), message)
                    .field(format!("{field}.credential"))
                    .hint(format!(
                        "store the secret with `onboard login CLIENT/{}` and write `credential: keyring:NAME`, or use `env:VAR` in CI",
                        raw.name.value
                    )),
            );
            None
        }
    });
    if raw.adapter == AdapterKind::Okta
        && let Some(id) = &raw.client_id
        && (id.is_empty() || id.contains(char::is_whitespace))
    {
        problems.push(
            Diagnostic::new(at.clone(), format!("`{id}` is not an Okta client id"))
                .field(format!("{field}.client_id"))
                .hint("write the service app's client id, as the Okta admin console shows it"),
        );
    }
    if raw.adapter != AdapterKind::Graph
        && (raw.client_id.is_some() && raw.adapter != AdapterKind::Okta
            || raw.auth_endpoint.is_some()
            || raw.pim
            || raw.pim_groups
            || raw.gdap.is_some()
            || !raw.groups.is_empty())
    {
        problems.push(
            Diagnostic::new(
                at.clone(),
                "`auth_endpoint`, `pim`, `pim_groups`, `gdap` and `groups` are for `graph` tenants only (`client_id` for `graph` and `okta`)",
            )
            .field(field.clone())
            .hint("remove them, or set `adapter: graph`"),
        );
    }
    let gdap = convert_gdap(path, &field, &at, &raw, problems);
    if raw.adapter != AdapterKind::Github && (raw.app_id.is_some() || raw.installation_id.is_some())
    {
        problems.push(
            Diagnostic::new(
                at.clone(),
                "`app_id` and `installation_id` are for `github` tenants only",
            )
            .field(field.clone())
            .hint("remove them, or set `adapter: github`"),
        );
    }
    for (name, value) in [
        ("app_id", &raw.app_id),
        ("installation_id", &raw.installation_id),
    ] {
        if let Some(value) = value
            && (value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()))
        {
            problems.push(
                Diagnostic::new(at.clone(), format!("`{name}` `{value}` is not a number"))
                    .field(format!("{field}.{name}"))
                    .hint("write the id GitHub shows in the app's settings (App ID) or in the installation's URL"),
            );
        }
    }
    if raw.installation_id.is_some() && raw.app_id.is_none() {
        problems.push(
            Diagnostic::new(at.clone(), "`installation_id` needs `app_id`")
                .field(format!("{field}.app_id"))
                .hint("add the GitHub App's `app_id`, and make `credential` name its private key"),
        );
    }
    if let Some(id) = raw
        .groups
        .iter()
        .find_map(|(name, id)| (!is_guid(id)).then(|| format!("`{name}: {id}`")))
    {
        problems.push(
            Diagnostic::new(at.clone(), format!("{id} is not a group object id"))
                .field(format!("{field}.groups"))
                .hint(
                    "map each group name to its Entra object id, e.g. `MSP-Helpdesk: 0f6a5c1e-…`",
                ),
        );
    }
    if raw.adapter == AdapterKind::Graph
        && let Some(id) = raw.tenant_id.as_deref().filter(|id| !is_guid(id))
    {
        problems.push(
            Diagnostic::new(at.clone(), format!("`{id}` is not an Entra tenant id"))
                .field(format!("{field}.tenant_id"))
                .hint("write the directory (tenant) id, a GUID, as Entra shows it: onboard checks the token's `tid` against it"),
        );
    }
    for endpoint in raw.endpoint.iter().chain(raw.auth_endpoint.iter()) {
        // A URL with user:password@ carries a secret inline.
        let after_scheme = endpoint
            .value
            .split_once("://")
            .map_or("", |(_, rest)| rest);
        let authority = after_scheme.split('/').next().unwrap_or_default();
        if authority.contains('@') {
            problems.push(
                Diagnostic::new(
                    origin(path, endpoint),
                    "the endpoint carries credentials in its URL",
                )
                .field(format!("{field}.endpoint"))
                .hint(
                    "remove `user:password@` from the URL and put the secret behind `credential:`",
                ),
            );
        } else if !endpoint.value.starts_with("https://")
            && !endpoint.value.starts_with("http://")
            && !endpoint.value.starts_with("ldap://")
            && !endpoint.value.starts_with("ldaps://")
        {
            problems.push(
                Diagnostic::new(origin(path, endpoint), format!("`{}` is not a URL", endpoint.value))
                    .field(format!("{field}.endpoint"))
                    .hint("write the full URL, e.g. `https://acme.okta.com` or `ldaps://dc1.acme.example`"),
            );
        }
    }
    let needs = |what: &str, present: bool, hint: &str, problems: &mut Vec<Diagnostic>| {
        if !present {
            problems.push(
                Diagnostic::new(
                    at.clone(),
                    format!("a `{}` tenant needs `{what}`", raw.adapter),
                )
                .field(format!("{field}.{what}"))
                .hint(hint.to_string()),
            );
        }
    };
    if let Some(filter) = &raw.user_filter
        && let Err(message) = user_filter_attributes(&filter.value)
    {
        problems.push(
            Diagnostic::new(origin(path, filter), message)
                .field(format!("{field}.user_filter"))
                .hint("e.g. `(uid={account})` or `(&(objectClass=inetOrgPerson)(mail={account}))`"),
        );
    }
    let directory = matches!(raw.adapter, AdapterKind::Ldap | AdapterKind::Ad);
    if let Some(endpoint) = &raw.endpoint {
        let ldap_url =
            endpoint.value.starts_with("ldap://") || endpoint.value.starts_with("ldaps://");
        if directory != ldap_url && endpoint.value.contains("://") {
            problems.push(
                Diagnostic::new(
                    origin(path, endpoint),
                    if directory {
                        format!(
                            "a `{}` tenant's endpoint is an `ldaps://` or `ldap://` URL",
                            raw.adapter
                        )
                    } else {
                        format!("a `{}` tenant's endpoint is an `https://` URL", raw.adapter)
                    },
                )
                .field(format!("{field}.endpoint")),
            );
        }
    }
    if directory {
        needs(
            "bind_dn",
            raw.bind_dn.is_some(),
            "add `bind_dn: cn=onboard,ou=services,dc=example,dc=com`, the service account whose password `credential` names",
            problems,
        );
    }
    match raw.adapter {
        AdapterKind::Ldap => needs(
            "base_dn",
            raw.base_dn.is_some(),
            "add `base_dn: dc=example,dc=com`, the subtree that is this client's directory",
            problems,
        ),
        AdapterKind::Ad => needs(
            "domain",
            raw.domain.is_some() || raw.tenant_id.is_some(),
            "add `domain: corp.example.com` (or `tenant_id:`), the AD DNS domain onboard checks before any change",
            problems,
        ),
        _ => {}
    }
    match raw.adapter {
        AdapterKind::File => needs(
            "path",
            raw.path.is_some(),
            "add `path: tenants/CLIENT/TENANT`, the directory that holds the tenant",
            problems,
        ),
        AdapterKind::Graph => {
            needs(
                "tenant_id",
                raw.tenant_id.is_some(),
                "add `tenant_id: GUID`, the client's Entra directory (tenant) id",
                problems,
            );
            needs(
                "client_id",
                raw.client_id.is_some(),
                "add `client_id: GUID`, the application id of onboard's app registration in the client's tenant",
                problems,
            );
            needs(
                "credential",
                raw.credential.is_some(),
                "add `credential: keyring:NAME` or `credential: env:VAR` naming the app's client secret",
                problems,
            );
        }
        AdapterKind::Github => {
            needs(
                "org",
                raw.org.is_some(),
                "add `org: LOGIN`, the GitHub organisation",
                problems,
            );
            needs(
                "credential",
                raw.credential.is_some(),
                "add `credential: keyring:NAME` or `credential: env:VAR`",
                problems,
            );
        }
        _ => {
            needs(
                "endpoint",
                raw.endpoint.is_some(),
                "add `endpoint: https://…`",
                problems,
            );
            needs(
                "credential",
                raw.credential.is_some(),
                "add `credential: keyring:NAME` or `credential: env:VAR`",
                problems,
            );
        }
    }
    Tenant {
        name: raw.name.value,
        system: raw.system,
        adapter: raw.adapter,
        path: raw.path,
        endpoint: raw.endpoint.map(|e| e.value),
        tenant_id: raw.tenant_id,
        credential,
        domain: raw.domain,
        base_dn: raw.base_dn,
        bind_dn: raw.bind_dn,
        user_filter: raw.user_filter.map(|f| f.value),
        starttls: raw.starttls,
        org: raw.org,
        client_id: raw.client_id,
        auth_endpoint: raw.auth_endpoint.map(|e| e.value),
        pim: raw.pim,
        groups: raw.groups,
        pim_groups: raw.pim_groups,
        gdap,
        app_id: raw.app_id,
        installation_id: raw.installation_id,
        origin: at,
    }
}

/// Checks a tenant's `gdap:` section: present exactly on `system: gdap` tenants, a
/// customer tenant id, every group mapped to its partner-tenant object id, and no Global
/// Administrator in a relationship that auto-extends (Microsoft refuses to auto-extend
/// a relationship that includes it).
fn convert_gdap(
    path: &Arc<str>,
    field: &str,
    at: &Origin,
    raw: &RawTenant,
    problems: &mut Vec<Diagnostic>,
) -> Option<Gdap> {
    let Some(spanned) = &raw.gdap else {
        if raw.system == SystemKind::Gdap {
            problems.push(
                Diagnostic::new(at.clone(), "a `gdap` tenant needs a `gdap:` section")
                    .field(format!("{field}.gdap"))
                    .hint("add `gdap:` with `relationship`, `customer_tenant_id` and `access` (see docs/workspace.md)"),
            );
        }
        return None;
    };
    let section = origin(path, spanned);
    let gdap = &spanned.value;
    if raw.system != SystemKind::Gdap {
        problems.push(
            Diagnostic::new(
                section.clone(),
                "`gdap:` is for `system: gdap` tenants only",
            )
            .field(format!("{field}.gdap"))
            .hint("set `system: gdap` on the partner tenant, or remove `gdap:`"),
        );
    }
    if raw.pim || raw.pim_groups {
        problems.push(
            Diagnostic::new(section.clone(), "a `gdap` tenant has no `pim` or `pim_groups`: technicians' access is capped by the relationship's end")
                .field(format!("{field}.gdap"))
                .hint("remove `pim`/`pim_groups` from the partner tenant"),
        );
    }
    if !is_guid(&gdap.customer_tenant_id) {
        problems.push(
            Diagnostic::new(
                section.clone(),
                format!("`{}` is not an Entra tenant id", gdap.customer_tenant_id),
            )
            .field(format!("{field}.gdap.customer_tenant_id"))
            .hint("write the client's directory (tenant) id, a GUID"),
        );
    }
    let mut access = BTreeMap::new();
    for (group, roles) in &gdap.access {
        if !raw.groups.contains_key(group) {
            problems.push(
                Diagnostic::new(
                    section.clone(),
                    format!("the partner group `{group}` has no object id in `groups:`"),
                )
                .field(format!("{field}.gdap.access"))
                .hint(format!(
                    "add `{group}: OBJECT-ID` (the security group in the partner tenant) to the tenant's `groups:`"
                )),
            );
        }
        if gdap.auto_extend
            && let Some(role) = roles.iter().find(|r| is_global_administrator(&r.value))
        {
            problems.push(
                Diagnostic::new(
                    origin(path, role),
                    "a relationship with Global Administrator cannot auto-extend",
                )
                .field(format!("{field}.gdap.access.{group}"))
                .hint("remove Global Administrator from this relationship's access, or set `auto_extend: false` and renew the relationship before it ends"),
            );
        }
        if roles.is_empty() {
            problems.push(
                Diagnostic::new(
                    section.clone(),
                    format!("the partner group `{group}` is given no roles"),
                )
                .field(format!("{field}.gdap.access.{group}"))
                .hint("list the directory roles its members get in the client's tenant"),
            );
        }
        access.insert(
            group.clone(),
            roles.iter().map(|r| r.value.clone()).collect(),
        );
    }
    Some(Gdap {
        relationship: gdap.relationship.clone(),
        customer_tenant_id: gdap.customer_tenant_id.clone(),
        auto_extend: gdap.auto_extend,
        access,
        origin: section,
    })
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

/// Parses one client file; every problem found is returned.
pub fn parse(path: &Arc<str>, text: &str) -> Result<Client, Vec<Diagnostic>> {
    let raw: RawClient = yaml::parse(path, text).map_err(|d| vec![d])?;
    let mut problems = Vec::new();
    let id_origin = origin(path, &raw.id);
    problems.extend(check_id(&id_origin, "id", &raw.id.value));
    let contract = raw.contract.and_then(|c| {
        let start = parse_date(
            path,
            &c.start,
            "contract.start",
            DateBound::Start,
            &mut problems,
        );
        let end = match &c.end {
            Some(end) => Some(parse_date(
                path,
                end,
                "contract.end",
                DateBound::EndInclusive,
                &mut problems,
            )?),
            None => None,
        };
        let start = start?;
        if let (Some(end), Some(raw_end)) = (end, &c.end)
            && end <= start
        {
            problems.push(
                Diagnostic::new(origin(path, raw_end), "the contract ends before it starts")
                    .field("contract.end")
                    .hint("`contract.end` must be on or after `contract.start`"),
            );
        }
        Some(Contract { start, end })
    });
    if raw.tenants.is_empty() {
        problems.push(
            Diagnostic::new(id_origin.clone(), "the client has no tenants")
                .field("tenants")
                .hint("list the client's tenants (each with `name`, `system`, `adapter`)"),
        );
    }
    let mut tenants: Vec<Tenant> = Vec::new();
    for (index, raw_tenant) in raw.tenants.into_iter().enumerate() {
        let tenant = convert_tenant(path, index, raw_tenant, &mut problems);
        if let Some(first) = tenants.iter().find(|t| t.name == tenant.name) {
            problems.push(
                Diagnostic::new(
                    tenant.origin.clone(),
                    format!("tenant name `{}` is used twice", tenant.name),
                )
                .field(format!("tenants[{index}].name"))
                .hint(format!(
                    "the first is at {}; give each tenant its own name",
                    first.origin
                )),
            );
        }
        tenants.push(tenant);
    }
    let mut exceptions: Vec<Exception> = Vec::new();
    for (index, raw_exception) in raw.exceptions.into_iter().enumerate() {
        let field = format!("exceptions[{index}]");
        let at = origin(path, &raw_exception.id);
        let reason = raw_exception.reason.filter(|r| !r.trim().is_empty());
        if reason.is_none() {
            problems.push(
                Diagnostic::new(at.clone(), "an exception needs a reason")
                    .field(format!("{field}.reason"))
                    .hint("add `reason: …` saying why the access is needed"),
            );
        }
        if raw_exception.approver.is_none() {
            problems.push(
                Diagnostic::new(at.clone(), "an exception needs an approver")
                    .field(format!("{field}.approver"))
                    .hint("add `approver: PERSON-ID`, the person who approved it"),
            );
        }
        let until = match &raw_exception.until {
            Some(u) => parse_date(
                path,
                u,
                &format!("{field}.until"),
                DateBound::EndInclusive,
                &mut problems,
            ),
            None => {
                problems.push(
                    Diagnostic::new(at.clone(), "an exception needs an end date")
                        .field(format!("{field}.until"))
                        .hint("add `until: YYYY-MM-DD`: exceptions are always time-bound"),
                );
                None
            }
        };
        let grants: Vec<_> = raw_exception
            .grants
            .into_iter()
            .enumerate()
            .filter_map(|(i, g)| {
                g.convert(
                    path,
                    &format!("{field}.grants[{i}]"),
                    &Requirements::default(),
                    true,
                    &mut problems,
                )
            })
            .collect();
        let bundle = raw_exception
            .bundle
            .as_ref()
            .map(|b| (b.value.clone(), origin(path, b)));
        if bundle.is_none() && grants.is_empty() {
            problems.push(
                Diagnostic::new(at.clone(), "the exception grants nothing")
                    .field(format!("{field}.grants"))
                    .hint("list `grants:`, or name a `bundle:` whose grants it gives"),
            );
        }
        if let Some(first) = exceptions.iter().find(|e| e.id == raw_exception.id.value) {
            problems.push(
                Diagnostic::new(
                    at.clone(),
                    format!("exception id `{}` is used twice", first.id),
                )
                .field(format!("{field}.id"))
                .hint(format!("the first is at {}", first.origin)),
            );
        }
        let (Some(reason), Some(approver), Some(until)) = (reason, raw_exception.approver, until)
        else {
            continue;
        };
        exceptions.push(Exception {
            id: raw_exception.id.value,
            identity: (
                raw_exception.identity.value.clone(),
                origin(path, &raw_exception.identity),
            ),
            bundle,
            grants,
            reason,
            ticket: raw_exception.ticket,
            approver: (approver.value.clone(), origin(path, &approver)),
            until,
            origin: at,
        });
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Client {
        id: raw.id.value,
        name: raw.name,
        tier_origin: origin(path, &raw.tier),
        tier: raw.tier.value,
        contract,
        data_tags: raw.data_tags,
        tenants,
        exceptions,
        origin: id_origin,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "id: acme\ntier: premium\ncontract:\n  start: 2025-01-01\n  end: 2027-12-31\ntenants:\n  - name: entra\n    system: entra\n    adapter: file\n    path: tenants/acme/entra\n";

    #[test]
    fn parses_a_client() {
        let c = parse(&Arc::from("clients/acme.yaml"), GOOD).unwrap();
        assert_eq!(c.tenants[0].adapter, AdapterKind::File);
        assert!(c.is_active(time::macros::datetime!(2027-12-31 23:59 UTC)));
        assert!(!c.is_active(time::macros::datetime!(2028-01-01 00:00 UTC)));
    }

    #[test]
    fn inline_secrets_are_refused_without_being_repeated() {
        let text = "id: acme\ntier: premium\ntenants:\n  - name: okta\n    system: okta\n    adapter: okta\n    endpoint: https://acme.okta.com\n    credential: 00aBcD-SuperSecretToken\n";
        let errors = parse(&Arc::from("c.yaml"), text).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field.as_deref(), Some("tenants[0].credential"));
        assert_eq!((errors[0].origin.line, errors[0].origin.column), (8, 17));
        let rendered = format!("{} {:?}", errors[0], errors[0].hint);
        assert!(!rendered.contains("SuperSecret"));
    }

    const PARTNER: &str = "id: acme\ntier: premium\ntenants:\n  - name: partner\n    system: gdap\n    adapter: graph\n    tenant_id: 11111111-1111-4111-8111-111111111111\n    client_id: 22222222-2222-4222-8222-222222222222\n    credential: env:MSP_PARTNER_SECRET\n    groups:\n      GDAP-Acme-Helpdesk: 33333333-3333-4333-8333-333333333333\n    gdap:\n      relationship: rel-acme\n      customer_tenant_id: 44444444-4444-4444-8444-444444444444\n";

    #[test]
    fn a_gdap_partner_tenant_is_parsed() {
        let text = format!(
            "{PARTNER}      access:\n        GDAP-Acme-Helpdesk: [Helpdesk Administrator, Global Reader]\n"
        );
        let c = parse(&Arc::from("clients/acme.yaml"), &text).unwrap_or_else(|e| panic!("{e:?}"));
        let gdap = c.tenants[0].gdap.as_ref().unwrap();
        assert_eq!(c.tenants[0].system, SystemKind::Gdap);
        assert_eq!(gdap.relationship, "rel-acme");
        assert!(!gdap.auto_extend);
        assert_eq!(
            gdap.access["GDAP-Acme-Helpdesk"],
            ["Helpdesk Administrator", "Global Reader"]
        );
    }

    #[test]
    fn global_administrator_in_an_auto_extending_relationship_is_refused_at_its_line() {
        let text = format!(
            "{PARTNER}      auto_extend: true\n      access:\n        GDAP-Acme-Helpdesk:\n          - Helpdesk Administrator\n          - Global Administrator\n"
        );
        let errors = parse(&Arc::from("c.yaml"), &text).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].message.contains("cannot auto-extend"),
            "{errors:?}"
        );
        assert_eq!(errors[0].origin.line, 19);
        assert!(
            errors[0]
                .hint
                .as_deref()
                .unwrap()
                .contains("auto_extend: false")
        );
    }

    #[test]
    fn gdap_sections_are_checked() {
        // An unmapped partner group, and a customer that is not a tenant id.
        let text = PARTNER.replace("44444444-4444-4444-8444-444444444444", "acme.example")
            + "      access:\n        GDAP-Other: [Global Reader]\n";
        let errors = parse(&Arc::from("c.yaml"), &text).unwrap_err();
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(errors.len(), 2, "{messages:?}");
        assert!(messages[0].contains("not an Entra tenant id"));
        assert!(messages[1].contains("`GDAP-Other` has no object id"));
        // `gdap:` on another system, and a `gdap` tenant without it.
        let text = PARTNER.replace("system: gdap", "system: entra");
        let errors = parse(&Arc::from("c.yaml"), &text).unwrap_err();
        assert!(
            errors[0]
                .message
                .contains("for `system: gdap` tenants only")
        );
        let text = PARTNER.split("    gdap:").next().unwrap().to_string();
        let errors = parse(&Arc::from("c.yaml"), &text).unwrap_err();
        assert!(errors[0].message.contains("needs a `gdap:` section"));
    }

    #[test]
    fn user_filters_name_their_account_attributes() {
        assert_eq!(user_filter_attributes("(uid={account})").unwrap(), ["uid"]);
        assert_eq!(
            user_filter_attributes(
                "(&(objectClass=user)(|(userPrincipalName={account})(sAMAccountName={account})))"
            )
            .unwrap(),
            ["userPrincipalName", "sAMAccountName"]
        );
        assert!(user_filter_attributes("uid={account}").is_err());
        assert!(user_filter_attributes("(uid=bob)").is_err());
        assert!(user_filter_attributes("(&(uid={account})").is_err());
    }

    #[test]
    fn directory_tenants_need_a_bind_dn_and_an_ldap_url() {
        let text = "id: acme\ntier: premium\ntenants:\n  - name: ldap\n    system: ldap\n    adapter: ldap\n    endpoint: https://ldap.acme.example\n    credential: env:ACME_LDAP_PASSWORD\n    user_filter: \"(mail=bob)\"\n";
        let errors = parse(&Arc::from("c.yaml"), text).unwrap_err();
        let fields: Vec<_> = errors.iter().filter_map(|e| e.field.as_deref()).collect();
        assert_eq!(
            fields,
            [
                "tenants[0].user_filter",
                "tenants[0].endpoint",
                "tenants[0].bind_dn",
                "tenants[0].base_dn"
            ],
            "{errors:?}"
        );
    }

    #[test]
    fn credential_references() {
        assert_eq!(
            CredentialRef::parse("env:ACME_TOKEN").unwrap(),
            CredentialRef::Env("ACME_TOKEN".into())
        );
        assert!(CredentialRef::parse("env:lower").is_err());
        assert!(CredentialRef::parse("https://x").is_err());
        assert_eq!(
            CredentialRef::parse("keyring:acme-entra")
                .unwrap()
                .to_string(),
            "keyring:acme-entra"
        );
    }
}
