//! A tenant's settings, by adapter: one kind per file, each checking its own fields of
//! the raw tenant (flat, as the client file writes them) and building its settings.
//!
//! A field of one adapter may be written on a tenant of another: the file that owns the
//! field reports it there. Checks run in a fixed order, so that the diagnostics of one
//! tenant come out in the same order every time.

use std::collections::BTreeMap;

use super::checks::{self, Scope};
use super::gdap::convert_gdap;
use super::{ADD_CREDENTIAL, AdapterKind, Gdap, RawTenant};
use crate::model::{CredentialRef, Diagnostic};

mod ad;
mod directory;
mod file;
mod github;
mod graph;
mod ldap;
mod okta;
mod scim;

pub use ad::AdSettings;
pub use directory::{CaFile, DirectorySettings};
pub use file::FileSettings;
pub use github::{GithubApp, GithubSettings};
pub use graph::GraphSettings;
pub use ldap::LdapSettings;
pub use okta::OktaSettings;
pub use scim::ScimSettings;

/// What a tenant's adapter needs to reach it: one variant per adapter.
#[derive(Debug, Clone)]
pub enum TenantSettings {
    /// A tenant kept as a local directory (examples, tests, dry runs).
    File(FileSettings),
    /// A SCIM 2.0 service provider.
    Scim(ScimSettings),
    /// An LDAP directory.
    Ldap(LdapSettings),
    /// Active Directory over LDAP.
    Ad(AdSettings),
    /// Microsoft Graph (Entra ID).
    Graph(GraphSettings),
    /// Okta's management API.
    Okta(OktaSettings),
    /// GitHub's REST API.
    Github(GithubSettings),
}

impl TenantSettings {
    /// Returns the adapter these settings are for.
    pub fn adapter(&self) -> AdapterKind {
        match self {
            TenantSettings::File(_) => AdapterKind::File,
            TenantSettings::Scim(_) => AdapterKind::Scim,
            TenantSettings::Ldap(_) => AdapterKind::Ldap,
            TenantSettings::Ad(_) => AdapterKind::Ad,
            TenantSettings::Graph(_) => AdapterKind::Graph,
            TenantSettings::Okta(_) => AdapterKind::Okta,
            TenantSettings::Github(_) => AdapterKind::Github,
        }
    }

    /// Returns where the tenant's credential is kept (a `file` tenant needs none).
    pub fn credential(&self) -> Option<&CredentialRef> {
        match self {
            TenantSettings::File(file) => file.credential.as_ref(),
            TenantSettings::Scim(scim) => Some(&scim.credential),
            TenantSettings::Ldap(ldap) => Some(&ldap.directory.credential),
            TenantSettings::Ad(ad) => Some(&ad.directory.credential),
            TenantSettings::Graph(graph) => Some(&graph.credential),
            TenantSettings::Okta(okta) => Some(&okta.credential),
            TenantSettings::Github(github) => Some(&github.credential),
        }
    }

    /// Returns the directory settings of an `ldap` or `ad` tenant.
    pub fn directory(&self) -> Option<&DirectorySettings> {
        match self {
            TenantSettings::Ldap(ldap) => Some(&ldap.directory),
            TenantSettings::Ad(ad) => Some(&ad.directory),
            _ => None,
        }
    }
}

/// A tenant whose fields have been checked, on its way to its adapter's settings: where it
/// is written, what it says, and what the checks made of the fields every kind reads.
struct Draft<'a> {
    scope: &'a Scope<'a>,
    raw: &'a RawTenant,
    /// The parsed `credential:` (`None` when absent or unreadable).
    credential: Option<CredentialRef>,
    /// The checked `gdap:` section.
    gdap: Option<Gdap>,
    /// The checked `group_roles:`.
    group_roles: BTreeMap<String, Vec<String>>,
}

impl Draft<'_> {
    /// Returns a setting the tenant's adapter needs, or reports it missing.
    fn require<T>(
        &self,
        what: &str,
        value: Option<T>,
        hint: &str,
        problems: &mut Vec<Diagnostic>,
    ) -> Option<T> {
        self.scope.needs(what, value.is_some(), hint, problems);
        value
    }

    /// Returns the tenant's credential reference, or reports `credential:` missing (one
    /// written but unreadable is reported already).
    fn require_credential(
        &self,
        hint: &str,
        problems: &mut Vec<Diagnostic>,
    ) -> Option<CredentialRef> {
        self.scope
            .needs("credential", self.raw.credential.is_some(), hint, problems);
        self.credential.clone()
    }

    /// Returns the `endpoint` and credential a tenant reached at its own URL needs
    /// (`scim`, `okta`, `ldap`, `ad`), or reports those missing.
    fn require_remote(&self, problems: &mut Vec<Diagnostic>) -> Option<(String, CredentialRef)> {
        let endpoint = self.require(
            "endpoint",
            self.raw.endpoint.as_ref().map(|e| e.value.clone()),
            "add `endpoint: https://…`",
            problems,
        );
        let credential = self.require_credential(ADD_CREDENTIAL, problems);
        Some((endpoint?, credential?))
    }
}

/// Checks a raw tenant's settings and returns them; `None` when a setting its adapter
/// needs is missing or unreadable (every problem is in `problems`).
pub(super) fn convert(
    scope: &Scope<'_>,
    raw: &RawTenant,
    problems: &mut Vec<Diagnostic>,
) -> Option<TenantSettings> {
    let credential = checks::credential(scope, raw, problems);
    okta::check_client_id(scope, raw, problems);
    graph::check_fields(scope, raw, problems);
    let gdap = convert_gdap(scope.path, &scope.field, &scope.at, raw, problems);
    let group_roles = okta::convert_group_roles(scope, raw, problems);
    github::check_fields(scope, raw, problems);
    graph::check_ids(scope, raw, problems);
    checks::endpoints(scope, raw, problems);
    directory::check_fields(scope, raw, problems);
    file::check_path(scope, raw, problems);
    let draft = Draft {
        scope,
        raw,
        credential,
        gdap,
        group_roles,
    };
    Some(match raw.adapter {
        AdapterKind::File => TenantSettings::File(file::convert(draft, problems)?),
        AdapterKind::Scim => TenantSettings::Scim(scim::convert(draft, problems)?),
        AdapterKind::Ldap => TenantSettings::Ldap(ldap::convert(draft, problems)?),
        AdapterKind::Ad => TenantSettings::Ad(ad::convert(draft, problems)?),
        AdapterKind::Graph => TenantSettings::Graph(graph::convert(draft, problems)?),
        AdapterKind::Okta => TenantSettings::Okta(okta::convert(draft, problems)?),
        AdapterKind::Github => TenantSettings::Github(github::convert(draft, problems)?),
    })
}

#[cfg(test)]
pub(super) mod testing {
    //! Parsing one tenant for the per-kind tests.

    use std::sync::Arc;

    use super::TenantSettings;
    use crate::model::{Client, Diagnostic};

    /// Parses a client file holding one tenant `t` (line 4), written as `fields` (one
    /// `key: value` per line, at the tenant's indentation, from line 5).
    fn parse(fields: &str) -> Result<Client, Vec<Diagnostic>> {
        let mut text = String::from("id: acme\ntier: premium\ntenants:\n  - name: t\n");
        for line in fields.lines() {
            text.push_str("    ");
            text.push_str(line);
            text.push('\n');
        }
        crate::model::client::parse(&Arc::from("c.yaml"), &text)
    }

    /// Returns the settings of a tenant that must parse.
    pub fn settings(fields: &str) -> TenantSettings {
        match parse(fields) {
            Ok(client) => client.tenants[0].settings.clone(),
            Err(problems) => panic!("{problems:?}"),
        }
    }

    /// Returns the problems of a tenant that must not parse, as `(field, line, message)`.
    pub fn problems(fields: &str) -> Vec<(String, u32, String)> {
        let Err(problems) = parse(fields) else {
            panic!("the tenant parsed:\n{fields}");
        };
        problems
            .into_iter()
            .map(|d| (d.field.unwrap_or_default(), d.origin.line, d.message))
            .collect()
    }

    /// Returns expected problems in the form [`problems`] gives them.
    pub fn expected(problems: &[(&str, u32, &str)]) -> Vec<(String, u32, String)> {
        problems
            .iter()
            .map(|(field, line, message)| (field.to_string(), *line, message.to_string()))
            .collect()
    }
}
