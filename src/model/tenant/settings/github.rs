//! `github` tenants: a GitHub organisation, reached with a token or as a GitHub App.

use crate::model::{CredentialRef, Diagnostic};

use super::super::checks::Scope;
use super::super::{ADD_CREDENTIAL, AdapterKind, RawTenant};
use super::Draft;

/// What a `github` tenant needs: the organisation and the credential that reaches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GithubSettings {
    /// The organisation's login.
    pub org: String,
    /// Where the token is kept, or with an [`GithubApp`] the app's private key (PEM).
    pub credential: CredentialRef,
    /// The REST API's base URL (default `https://api.github.com`; GitHub Enterprise
    /// Server: `https://HOST/api/v3`).
    pub endpoint: Option<String>,
    /// The GitHub App onboard acts as, when the credential is its private key: onboard
    /// then mints installation tokens itself.
    pub app: Option<GithubApp>,
}

/// A GitHub App: its id, and its installation in the organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GithubApp {
    /// The app's id (digits).
    pub app_id: String,
    /// The app's installation id in the organisation (looked up when absent).
    pub installation_id: Option<String>,
}

/// Checks the GitHub App settings on a tenant of any adapter: for `github` tenants only,
/// ids that are numbers, and an installation id only with its app id.
pub(super) fn check_fields(scope: &Scope<'_>, raw: &RawTenant, problems: &mut Vec<Diagnostic>) {
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

/// Returns a `github` tenant's settings, or reports its missing `org` and `credential`.
pub(super) fn convert(draft: Draft<'_>, problems: &mut Vec<Diagnostic>) -> Option<GithubSettings> {
    let raw = draft.raw;
    let org = draft.require(
        "org",
        raw.org.clone(),
        "add `org: LOGIN`, the GitHub organisation",
        problems,
    );
    let credential = draft.require_credential(ADD_CREDENTIAL, problems);
    Some(GithubSettings {
        org: org?,
        credential: credential?,
        endpoint: raw.endpoint.as_ref().map(|e| e.value.clone()),
        app: raw.app_id.clone().map(|app_id| GithubApp {
            app_id,
            installation_id: raw.installation_id.clone(),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::super::TenantSettings;
    use super::super::testing::{expected, problems, settings};
    use super::GithubApp;

    #[test]
    fn a_github_tenant_is_its_org_and_app() {
        let found = settings(
            "system: github\nadapter: github\norg: acme\ncredential: env:ACME_GITHUB_KEY\napp_id: \"12\"\ninstallation_id: \"34\"",
        );
        let TenantSettings::Github(github) = found else {
            panic!("{found:?}");
        };
        assert_eq!(github.org, "acme");
        assert_eq!(
            github.app,
            Some(GithubApp {
                app_id: "12".into(),
                installation_id: Some("34".into())
            })
        );
    }

    #[test]
    fn a_github_tenant_names_what_it_lacks_and_ids_that_are_not_numbers() {
        assert_eq!(
            problems("system: github\nadapter: github\ninstallation_id: x"),
            expected(&[
                (
                    "tenants[0].installation_id",
                    4,
                    "`installation_id` `x` is not a number"
                ),
                ("tenants[0].app_id", 4, "`installation_id` needs `app_id`"),
                ("tenants[0].org", 4, "a `github` tenant needs `org`"),
                (
                    "tenants[0].credential",
                    4,
                    "a `github` tenant needs `credential`"
                ),
            ])
        );
    }
}
