//! `scim` tenants: a SCIM 2.0 service provider.

use crate::model::{CredentialRef, Diagnostic};

use super::Draft;

/// What a `scim` tenant needs: its base URL and bearer token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimSettings {
    /// The base URL, ending before `/Users`.
    pub endpoint: String,
    /// Where the bearer token is kept.
    pub credential: CredentialRef,
    /// The tenant id the service provider must report, when given.
    pub tenant_id: Option<String>,
}

/// Returns a `scim` tenant's settings, or reports its missing `endpoint` and `credential`.
pub(super) fn convert(draft: Draft<'_>, problems: &mut Vec<Diagnostic>) -> Option<ScimSettings> {
    let (endpoint, credential) = draft.require_remote(problems)?;
    Some(ScimSettings {
        endpoint,
        credential,
        tenant_id: draft.raw.tenant_id.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::TenantSettings;
    use super::super::testing::{expected, problems, settings};

    #[test]
    fn a_scim_tenant_is_its_url_and_token() {
        let found = settings(
            "system: scim\nadapter: scim\nendpoint: https://scim.example/v2\ncredential: env:ACME_SCIM_TOKEN",
        );
        let TenantSettings::Scim(scim) = found else {
            panic!("{found:?}");
        };
        assert_eq!(scim.endpoint, "https://scim.example/v2");
        assert_eq!(scim.credential.to_string(), "env:ACME_SCIM_TOKEN");
        assert_eq!(scim.tenant_id, None);
    }

    #[test]
    fn a_scim_tenant_needs_an_https_endpoint_and_a_credential() {
        assert_eq!(
            problems("system: scim\nadapter: scim"),
            expected(&[
                ("tenants[0].endpoint", 4, "a `scim` tenant needs `endpoint`"),
                (
                    "tenants[0].credential",
                    4,
                    "a `scim` tenant needs `credential`"
                ),
            ])
        );
        assert_eq!(
            problems(
                "system: scim\nadapter: scim\nendpoint: ldaps://x.example\ncredential: env:T\nca_file: ca.pem"
            ),
            expected(&[
                (
                    "tenants[0].ca_file",
                    9,
                    "`ca_file` is for `ldap` and `ad` tenants only"
                ),
                (
                    "tenants[0].endpoint",
                    7,
                    "a `scim` tenant's endpoint is an `https://` URL"
                ),
            ])
        );
    }
}
