//! What every tenant's settings share: where the tenant is written ([`Scope`]), its
//! credential reference, its URLs, and the settings an adapter requires. The settings of
//! each adapter are checked in `settings/`.

use std::sync::Arc;

use super::super::yaml::origin;
use super::{AdapterKind, RawTenant};
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
    pub(super) fn needs(
        &self,
        what: &str,
        present: bool,
        hint: &str,
        problems: &mut Vec<Diagnostic>,
    ) {
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
