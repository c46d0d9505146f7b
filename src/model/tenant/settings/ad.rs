//! `ad` tenants: an Active Directory domain, reached over LDAP.

use crate::model::Diagnostic;

use super::Draft;
use super::directory::{self, DirectorySettings};

/// What an `ad` tenant needs: the directory, and the domain onboard checks it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdSettings {
    /// How the domain controller is reached and bound to.
    pub directory: DirectorySettings,
    /// The subtree onboard works in (default: the domain's naming context).
    pub base_dn: Option<String>,
    /// The AD DNS domain the directory must be, checked before any change (else the
    /// tenant's `domain`, which the client file then requires).
    pub tenant_id: Option<String>,
}

/// Returns an `ad` tenant's settings, or reports what it lacks.
pub(super) fn convert(draft: Draft<'_>, problems: &mut Vec<Diagnostic>) -> Option<AdSettings> {
    let bind_dn = directory::bind_dn(&draft, problems);
    let domain = draft.raw.domain.is_some() || draft.raw.tenant_id.is_some();
    draft.scope.needs(
        "domain",
        domain,
        "add `domain: corp.example.com` (or `tenant_id:`), the AD DNS domain onboard checks before any change",
        problems,
    );
    let directory = DirectorySettings::convert(&draft, bind_dn, problems)?;
    domain.then(|| AdSettings {
        directory,
        base_dn: draft.raw.base_dn.clone(),
        tenant_id: draft.raw.tenant_id.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::TenantSettings;
    use super::super::testing::{expected, problems, settings};

    const AD: &str = "system: ad\nadapter: ad\nendpoint: ldaps://dc1.corp.example\ncredential: env:ACME_AD_PASSWORD\nbind_dn: onboard@corp.example";

    #[test]
    fn an_ad_tenant_is_its_directory_and_domain() {
        let found = settings(&format!("{AD}\ntenant_id: corp.example"));
        let TenantSettings::Ad(ad) = found else {
            panic!("{found:?}");
        };
        assert_eq!(ad.directory.bind_dn, "onboard@corp.example");
        assert_eq!(ad.tenant_id.as_deref(), Some("corp.example"));
        assert_eq!(ad.base_dn, None);
        settings(&format!("{AD}\ndomain: corp.example"));
    }

    #[test]
    fn an_ad_tenant_needs_its_domain_and_an_ldap_url() {
        assert_eq!(
            problems(&AD.replace("ldaps://", "https://")),
            expected(&[
                (
                    "tenants[0].endpoint",
                    7,
                    "a `ad` tenant's endpoint is an `ldaps://` or `ldap://` URL"
                ),
                ("tenants[0].domain", 4, "a `ad` tenant needs `domain`"),
            ])
        );
    }
}
