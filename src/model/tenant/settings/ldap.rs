//! `ldap` tenants: an LDAP directory (OpenLDAP and the like), of which the client is a
//! subtree.

use crate::model::Diagnostic;

use super::Draft;
use super::directory::{self, DirectorySettings};

/// What an `ldap` tenant needs: the directory, and the client's subtree of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdapSettings {
    /// How the directory is reached and bound to.
    pub directory: DirectorySettings,
    /// The subtree of the directory that is this tenant.
    pub base_dn: String,
    /// The base DN or naming context the directory must report, when given.
    pub tenant_id: Option<String>,
}

/// Returns an `ldap` tenant's settings, or reports what it lacks.
pub(super) fn convert(draft: Draft<'_>, problems: &mut Vec<Diagnostic>) -> Option<LdapSettings> {
    let bind_dn = directory::bind_dn(&draft, problems);
    let base_dn = draft.require(
        "base_dn",
        draft.raw.base_dn.clone(),
        "add `base_dn: dc=example,dc=com`, the subtree that is this client's directory",
        problems,
    );
    let directory = DirectorySettings::convert(&draft, bind_dn, problems);
    Some(LdapSettings {
        directory: directory?,
        base_dn: base_dn?,
        tenant_id: draft.raw.tenant_id.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::TenantSettings;
    use super::super::testing::{expected, problems, settings};

    const LDAP: &str = "system: ldap\nadapter: ldap\nendpoint: ldaps://ldap.acme.example\ncredential: env:ACME_LDAP_PASSWORD\nbind_dn: cn=onboard,dc=acme\nbase_dn: dc=acme";

    #[test]
    fn an_ldap_tenant_is_its_directory_and_subtree() {
        let found = settings(&format!(
            "{LDAP}\nuser_filter: \"(mail={{account}})\"\nca_file: ca.pem\nstarttls: true"
        ));
        let TenantSettings::Ldap(ldap) = found else {
            panic!("{found:?}");
        };
        assert_eq!(ldap.base_dn, "dc=acme");
        assert_eq!(ldap.directory.bind_dn, "cn=onboard,dc=acme");
        assert_eq!(ldap.directory.endpoint, "ldaps://ldap.acme.example");
        assert_eq!(
            ldap.directory.user_filter.as_deref(),
            Some("(mail={account})")
        );
        assert_eq!(ldap.directory.starttls, Some(true));
        let ca_file = ldap.directory.ca_file.as_ref().unwrap();
        assert_eq!((ca_file.path.as_str(), ca_file.origin.line), ("ca.pem", 12));
    }

    #[test]
    fn an_ldap_tenant_names_what_it_lacks_at_its_line() {
        assert_eq!(
            problems("system: ldap\nadapter: ldap\nca_file: \" \""),
            expected(&[
                ("tenants[0].ca_file", 7, "`ca_file` is empty"),
                ("tenants[0].bind_dn", 4, "a `ldap` tenant needs `bind_dn`"),
                ("tenants[0].base_dn", 4, "a `ldap` tenant needs `base_dn`"),
                ("tenants[0].endpoint", 4, "a `ldap` tenant needs `endpoint`"),
                (
                    "tenants[0].credential",
                    4,
                    "a `ldap` tenant needs `credential`"
                ),
            ])
        );
    }

    #[test]
    fn settings_of_other_adapters_are_refused() {
        assert_eq!(
            problems(&format!("{LDAP}\ngroup_roles:\n  X: [USER_ADMIN]")),
            expected(&[(
                "tenants[0].group_roles",
                4,
                "`group_roles` is for `okta` tenants only"
            )])
        );
    }
}
