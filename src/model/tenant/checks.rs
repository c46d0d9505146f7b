//! The checks of a tenant's settings, one concern each: its credential reference, which
//! settings belong to its adapter, the ids it names, its endpoints, its directory
//! settings, and what its adapter requires.

use std::sync::Arc;

use super::super::yaml::origin;
use super::{ADD_CREDENTIAL, AdapterKind, RawTenant, is_guid, user_filter_attributes};
use crate::model::{CredentialRef, Diagnostic, Origin};

/// Where a tenant is written: its file, its field path (`tenants[0]`) and its line.
pub(super) struct Scope<'a> {
    pub(super) path: &'a Arc<str>,
    pub(super) field: String,
    pub(super) at: Origin,
    pub(super) adapter: AdapterKind,
}

impl Scope<'_> {
    /// Reports a setting the tenant's adapter needs when it is not `present`.
    fn needs(&self, what: &str, present: bool, hint: &str, problems: &mut Vec<Diagnostic>) {
        if !present {
            problems.push(
                Diagnostic::new(
                    self.at.clone(),
                    format!("a `{}` tenant needs `{what}`", self.adapter),
                )
                .field(format!("{}.{what}", self.field))
                .hint(hint.to_string()),
            );
        }
    }
}

/// Parses the tenant's credential reference (never the secret itself).
pub(super) fn credential(
    scope: &Scope<'_>,
    raw: &RawTenant,
    problems: &mut Vec<Diagnostic>,
) -> Option<CredentialRef> {
    let Scope { path, field, .. } = scope;
    raw.credential.as_ref().and_then(|c| match CredentialRef::parse(&c.value) {
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
    })
}

/// Reports the Okta client id's form and the settings only `graph` tenants take.
pub(super) fn graph_fields(scope: &Scope<'_>, raw: &RawTenant, problems: &mut Vec<Diagnostic>) {
    let Scope { field, at, .. } = scope;
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
}

/// Checks the GitHub App settings: for `github` tenants only, ids that are numbers, and an
/// installation id only with its app id.
pub(super) fn github_fields(scope: &Scope<'_>, raw: &RawTenant, problems: &mut Vec<Diagnostic>) {
    let Scope { field, at, .. } = scope;
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
}

/// Checks the Entra ids a tenant names: group object ids and the directory id.
pub(super) fn graph_ids(scope: &Scope<'_>, raw: &RawTenant, problems: &mut Vec<Diagnostic>) {
    let Scope { field, at, .. } = scope;
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
}

/// Checks the tenant's URLs: no credentials in them, and a URL at all.
pub(super) fn endpoints(scope: &Scope<'_>, raw: &RawTenant, problems: &mut Vec<Diagnostic>) {
    let Scope { path, field, .. } = scope;
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
}

/// Checks the directory settings: the account filter, the CA file (directories only),
/// the endpoint's scheme (`ldap(s)://` for directories, `https://` for the others), and
/// what `ldap` and `ad` tenants need.
pub(super) fn directory(scope: &Scope<'_>, raw: &RawTenant, problems: &mut Vec<Diagnostic>) {
    let Scope { path, field, .. } = scope;
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
    if let Some(ca_file) = &raw.ca_file {
        if !directory {
            problems.push(
                Diagnostic::new(
                    origin(path, ca_file),
                    "`ca_file` is for `ldap` and `ad` tenants only",
                )
                .field(format!("{field}.ca_file"))
                .hint("remove it: HTTPS tenants are checked against the platform's roots"),
            );
        } else if ca_file.value.trim().is_empty() {
            problems.push(
                Diagnostic::new(origin(path, ca_file), "`ca_file` is empty")
                    .field(format!("{field}.ca_file"))
                    .hint("write the path of a PEM file of CA certificates, relative to the workspace, or remove `ca_file`"),
            );
        }
    }
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
        scope.needs(
            "bind_dn",
            raw.bind_dn.is_some(),
            "add `bind_dn: cn=onboard,ou=services,dc=example,dc=com`, the service account whose password `credential` names",
            problems,
        );
    }
    match raw.adapter {
        AdapterKind::Ldap => scope.needs(
            "base_dn",
            raw.base_dn.is_some(),
            "add `base_dn: dc=example,dc=com`, the subtree that is this client's directory",
            problems,
        ),
        AdapterKind::Ad => scope.needs(
            "domain",
            raw.domain.is_some() || raw.tenant_id.is_some(),
            "add `domain: corp.example.com` (or `tenant_id:`), the AD DNS domain onboard checks before any change",
            problems,
        ),
        _ => {}
    }
}

/// Checks the `file` tenant's path and the settings each adapter needs.
pub(super) fn required(scope: &Scope<'_>, raw: &RawTenant, problems: &mut Vec<Diagnostic>) {
    let Scope { path, field, .. } = scope;
    if let Some(dir) = &raw.path
        && let Some(why) = crate::model::path_leaves_workspace(&dir.value)
    {
        problems.push(
            Diagnostic::new(
                origin(path, dir),
                format!("tenant path `{}` leaves the workspace: {why}", dir.value),
            )
            .field(format!("{field}.path"))
            .hint("onboard writes a `file` tenant there: use a path inside the workspace, such as `tenants/CLIENT/TENANT`"),
        );
    }
    // What each adapter needs: the setting, whether it is there, and how to add it.
    let needed: &[(&str, bool, &str)] = match raw.adapter {
        AdapterKind::File => &[(
            "path",
            raw.path.is_some(),
            "add `path: tenants/CLIENT/TENANT`, the directory that holds the tenant",
        )],
        AdapterKind::Graph => &[
            (
                "tenant_id",
                raw.tenant_id.is_some(),
                "add `tenant_id: GUID`, the client's Entra directory (tenant) id",
            ),
            (
                "client_id",
                raw.client_id.is_some(),
                "add `client_id: GUID`, the application id of onboard's app registration in the client's tenant",
            ),
            (
                "credential",
                raw.credential.is_some(),
                "add `credential: keyring:NAME` or `credential: env:VAR` naming the app's client secret",
            ),
        ],
        AdapterKind::Github => &[
            (
                "org",
                raw.org.is_some(),
                "add `org: LOGIN`, the GitHub organisation",
            ),
            ("credential", raw.credential.is_some(), ADD_CREDENTIAL),
        ],
        _ => &[
            (
                "endpoint",
                raw.endpoint.is_some(),
                "add `endpoint: https://…`",
            ),
            ("credential", raw.credential.is_some(), ADD_CREDENTIAL),
        ],
    };
    for (what, present, hint) in needed {
        scope.needs(what, *present, hint, problems);
    }
}
