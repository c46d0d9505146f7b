//! `okta` tenants: an Okta org, reached with an API token or as an OAuth 2.0 service
//! app, and the admin roles its groups hold (`group_roles`).

use std::collections::BTreeMap;

use crate::model::yaml::origin;
use crate::model::{CredentialRef, Diagnostic};

use super::super::checks::Scope;
use super::super::{AdapterKind, RawTenant};
use super::Draft;

/// What an `okta` tenant needs: the org's URL and credential, and the roles its groups
/// hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OktaSettings {
    /// The org's URL (`https://ORG.okta.com`).
    pub endpoint: String,
    /// Where the API token is kept, or with `client_id` the service app's private key.
    pub credential: CredentialRef,
    /// The OAuth 2.0 service app's client id; the `credential` is then its private key.
    pub client_id: Option<String>,
    /// The standard admin roles each named group holds (`GROUP: [ROLE_TYPE…]`), exactly:
    /// `apply` assigns the missing ones and removes the others (custom roles are left
    /// alone). Members of the groups get the roles through the group.
    pub group_roles: BTreeMap<String, Vec<String>>,
}

/// Reports an `okta` tenant's `client_id` that cannot be a client id.
pub(super) fn check_client_id(scope: &Scope<'_>, raw: &RawTenant, problems: &mut Vec<Diagnostic>) {
    if raw.adapter == AdapterKind::Okta
        && let Some(id) = &raw.client_id
        && (id.is_empty() || id.contains(char::is_whitespace))
    {
        problems.push(
            Diagnostic::new(scope.at.clone(), format!("`{id}` is not an Okta client id"))
                .field(format!("{}.client_id", scope.field))
                .hint("write the service app's client id, as the Okta admin console shows it"),
        );
    }
}

/// Checks an `okta` tenant's `group_roles:`: standard admin role types (upper case,
/// `HELP_DESK_ADMIN`), each once per group. Custom roles need a resource set, which
/// `group_roles` cannot say, so `CUSTOM` is refused. On a tenant of another adapter,
/// `group_roles` is refused.
pub(super) fn convert_group_roles(
    scope: &Scope<'_>,
    raw: &RawTenant,
    problems: &mut Vec<Diagnostic>,
) -> BTreeMap<String, Vec<String>> {
    let Scope {
        path, field, at, ..
    } = scope;
    let mut out = BTreeMap::new();
    if raw.group_roles.is_empty() {
        return out;
    }
    if raw.adapter != AdapterKind::Okta {
        problems.push(
            Diagnostic::new(at.clone(), "`group_roles` is for `okta` tenants only")
                .field(format!("{field}.group_roles"))
                .hint("remove it, or set `adapter: okta` (a `gdap` tenant gives roles to partner groups with `gdap.access`)"),
        );
        return out;
    }
    for (group, roles) in &raw.group_roles {
        let here = format!("{field}.group_roles.{group}");
        if group.trim().is_empty() {
            problems.push(
                Diagnostic::new(at.clone(), "a group in `group_roles` has no name")
                    .field(format!("{field}.group_roles"))
                    .hint("write the group's name as Okta shows it (`profile.name`)"),
            );
            continue;
        }
        let mut types: Vec<String> = Vec::with_capacity(roles.len());
        for role in roles {
            let value = &role.value;
            let problem = if value == "CUSTOM" {
                Some((
                    "a custom role needs a resource set, which `group_roles` cannot name"
                        .to_string(),
                    "assign custom roles in the Okta admin console; list standard role types here",
                ))
            } else if value.is_empty()
                || !value.starts_with(|c: char| c.is_ascii_uppercase())
                || !value
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            {
                Some((
                    format!("`{value}` is not an Okta admin role type"),
                    "write a standard role type, e.g. `HELP_DESK_ADMIN`, `USER_ADMIN`, `GROUP_MEMBERSHIP_ADMIN` or `READ_ONLY_ADMIN`",
                ))
            } else if types.contains(value) {
                Some((
                    format!("`{value}` is listed twice for the group `{group}`"),
                    "list each role once",
                ))
            } else {
                None
            };
            match problem {
                Some((message, hint)) => problems.push(
                    Diagnostic::new(origin(path, role), message)
                        .field(here.clone())
                        .hint(hint),
                ),
                None => types.push(value.clone()),
            }
        }
        types.sort();
        out.insert(group.clone(), types);
    }
    out
}

/// Returns an `okta` tenant's settings, or reports its missing `endpoint` and
/// `credential`.
pub(super) fn convert(draft: Draft<'_>, problems: &mut Vec<Diagnostic>) -> Option<OktaSettings> {
    let (endpoint, credential) = draft.require_remote(problems)?;
    Some(OktaSettings {
        endpoint,
        credential,
        client_id: draft.raw.client_id.clone(),
        group_roles: draft.group_roles,
    })
}

#[cfg(test)]
mod tests {
    use super::super::TenantSettings;
    use super::super::testing::{expected, problems, settings};

    #[test]
    fn an_okta_tenant_is_its_org_and_group_roles() {
        let found = settings(
            "system: okta\nadapter: okta\nendpoint: https://acme.okta.com\ncredential: env:ACME_OKTA_KEY\nclient_id: 0oa1b2c3\ngroup_roles:\n  MSP-Helpdesk: [USER_ADMIN, HELP_DESK_ADMIN]",
        );
        let TenantSettings::Okta(okta) = found else {
            panic!("{found:?}");
        };
        assert_eq!(okta.endpoint, "https://acme.okta.com");
        assert_eq!(okta.client_id.as_deref(), Some("0oa1b2c3"));
        assert_eq!(
            okta.group_roles["MSP-Helpdesk"],
            ["HELP_DESK_ADMIN", "USER_ADMIN"]
        );
    }

    #[test]
    fn an_okta_tenant_names_what_it_lacks_and_a_bad_client_id() {
        assert_eq!(
            problems("system: okta\nadapter: okta\nclient_id: \"a b\""),
            expected(&[
                ("tenants[0].client_id", 4, "`a b` is not an Okta client id"),
                ("tenants[0].endpoint", 4, "a `okta` tenant needs `endpoint`"),
                (
                    "tenants[0].credential",
                    4,
                    "a `okta` tenant needs `credential`"
                ),
            ])
        );
    }

    #[test]
    fn okta_settings_are_refused_on_other_adapters() {
        assert_eq!(
            problems(
                "system: github\nadapter: github\norg: acme\ncredential: env:T\ngroup_roles:\n  G: [USER_ADMIN]"
            ),
            expected(&[(
                "tenants[0].group_roles",
                4,
                "`group_roles` is for `okta` tenants only"
            )])
        );
    }
}
