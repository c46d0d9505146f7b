//! What `ldap` and `ad` tenants share: a directory reached at an `ldap(s)://` URL, bound
//! to as a service account, with an account filter and, for a private CA, a `ca_file`.

use crate::model::yaml::origin;
use crate::model::{CredentialRef, Diagnostic, Origin};

use super::super::checks::Scope;
use super::super::{AdapterKind, RawTenant, user_filter_attributes};
use super::Draft;

/// How onboard reaches and binds to a directory (`ldap` and `ad` tenants).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectorySettings {
    /// The directory's URL (`ldaps://…`, `ldap://…`).
    pub endpoint: String,
    /// Where the bind password is kept.
    pub credential: CredentialRef,
    /// The DN (or, for Active Directory, the UPN) onboard binds as.
    pub bind_dn: String,
    /// The LDAP filter that finds an account's entry, with `{account}` where the
    /// (escaped) account name goes, e.g. `(uid={account})`; checked with
    /// [`user_filter_attributes`]. `None`: the adapter's default.
    pub user_filter: Option<String>,
    /// Whether an `ldap://` endpoint on loopback upgrades with StartTLS (`ldap://` to any
    /// other host always does).
    pub starttls: Option<bool>,
    /// A PEM file of the CA certificates the directory's certificate is checked against,
    /// instead of the platform's roots (a private CA).
    pub ca_file: Option<CaFile>,
}

/// A tenant's `ca_file:`: the path as written, and where it is written (so that a file
/// that cannot be read is reported at its line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaFile {
    /// The path, relative to the workspace (or absolute).
    pub path: String,
    /// Where `ca_file:` is written.
    pub origin: Origin,
}

/// Checks the directory settings any tenant may carry: the account filter's form, a
/// `ca_file` (for directories only, and not empty), and the endpoint's scheme
/// (`ldap(s)://` for directories, `https://` for the others).
pub(super) fn check_fields(scope: &Scope<'_>, raw: &RawTenant, problems: &mut Vec<Diagnostic>) {
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
}

/// Returns the DN a directory tenant binds as, or reports it missing.
pub(super) fn bind_dn(draft: &Draft<'_>, problems: &mut Vec<Diagnostic>) -> Option<String> {
    draft.require(
        "bind_dn",
        draft.raw.bind_dn.clone(),
        "add `bind_dn: cn=onboard,ou=services,dc=example,dc=com`, the service account whose password `credential` names",
        problems,
    )
}

impl DirectorySettings {
    /// Returns a directory tenant's settings, or reports its missing `endpoint` and
    /// `credential` (`bind_dn` is reported by [`bind_dn`], before what the kind needs).
    pub(super) fn convert(
        draft: &Draft<'_>,
        bind_dn: Option<String>,
        problems: &mut Vec<Diagnostic>,
    ) -> Option<DirectorySettings> {
        let (endpoint, credential) = draft.require_remote(problems)?;
        let raw = draft.raw;
        Some(DirectorySettings {
            endpoint,
            credential,
            bind_dn: bind_dn?,
            user_filter: raw.user_filter.as_ref().map(|f| f.value.clone()),
            starttls: raw.starttls,
            ca_file: raw.ca_file.as_ref().map(|c| CaFile {
                origin: origin(draft.scope.path, c),
                path: c.value.clone(),
            }),
        })
    }
}
