//! The LDAP adapter (OpenLDAP and other RFC 4511 directories), and [`Directory`], the
//! connection, paging, membership and error handling that the Active Directory adapter
//! ([`super::ad`]) shares.
//!
//! Entitlements are `group:NAME`: membership of a `groupOfNames` (`member`) or
//! `groupOfUniqueNames` (`uniqueMember`). NAME is the group's CN, searched under the
//! tenant's `base_dn`, or its full DN (anything holding `=`), which must lie under
//! `base_dn`. A missing group has no holders; granting into it fails (onboard manages
//! memberships, not groups).
//!
//! Accounts are found with the tenant's `user_filter` (default `(uid={account})`), the
//! account escaped as RFC 4515 says; a principal's id is its DN. Holders are reported by
//! the first attribute the filter compares with `{account}` that the member's entry has.
//!
//! Connection: `ldaps://` is LDAPS; `ldap://` upgrades with StartTLS, always to a host off
//! loopback, and on loopback when the tenant says `starttls: true`; plain `ldap://` is
//! allowed to loopback only (like plain HTTP). Certificates are verified against the
//! platform's roots (a tenant's `ca_file:` replaces them). Binds are simple
//! binds as `bind_dn` with the password behind `credential`, which is exposed only to the
//! bind call and never logged. Every search pages (RFC 2696) and must end with result 0:
//! a size or time limit hit midway is an error, never a short list.
//!
//! Changes: membership is checked first (a base-scope read of the group filtered on the
//! member value), so "already a member" and "already gone" change nothing; a modify that
//! still answers 20 (attributeOrValueExists) on add or 16 (noSuchAttribute) on delete
//! lost a race to the same end and is "already done" too. OpenLDAP refuses to remove the
//! last member of a `groupOfNames` (65, objectClassViolation): that is said plainly.
//!
//! Tenant identity: the bind succeeds and `base_dn` exists; with `tenant_id`, it must be
//! one of the server's naming contexts holding `base_dn` (or `base_dn` itself). Nothing
//! outside `base_dn` is read or changed, so one client's credential and tenant entry
//! cannot reach another client's subtree of a shared directory.
//!
//! Credentials: a service account's own `password`, which onboard makes and sets with the
//! Password Modify extended operation (RFC 3062); the bind account needs write access to
//! the account's `userPassword` (see [`password`]).
//!
//! The directory connection (bind, TLS, errors), paged search and reads, membership
//! changes, passwords, accounts, DNs and result codes live in submodules (`connection`,
//! `search`, `membership`, `password`, `account`, `dn`, `result_code`); what the `ad`
//! adapter uses is re-exported from here.

mod account;
mod connection;
mod dn;
mod membership;
pub mod password;
mod result_code;
mod search;

use std::collections::HashMap;

use ldap3::Scope;

pub use self::account::{AccountCache, UserFilter, find_account};
pub use self::connection::{Directory, read_ca_file, tls_config};
pub use self::dn::{is_within, normalize_dn};
pub use self::membership::PERMISSIVE_MODIFY_OID;
pub(crate) use self::password::directory_credentials;
pub use self::password::{PasswordWrite, SecretBytes, issue_password, passwords_only, unicode_pwd};
use super::{Adapter, AdapterError, FailureKind, Outcome, Principal};
use crate::adapters::ChangeRequest;
use crate::adapters::TenantContext;
use crate::model::{Entitlement, EntitlementKind, Holder, LdapSettings};

/// The default `user_filter` of `ldap` tenants.
pub const DEFAULT_USER_FILTER: &str = "(uid={account})";

/// Returns an error for an entitlement kind a directory does not have.
pub fn only_groups(
    directory: &Directory,
    entitlement: &Entitlement,
    operation: &str,
) -> AdapterError {
    directory.error(
        operation,
        FailureKind::Unsupported,
        format!(
            "directory tenants have no `{}:` entitlements (only `group:`)",
            entitlement.kind.as_str()
        ),
    )
}

/// A group as found: its DN and the attribute that holds its members.
#[derive(Debug, Clone)]
struct Group {
    dn: String,
    attribute: &'static str,
}

/// An LDAP directory tenant (OpenLDAP and the like).
pub struct LdapTenant {
    directory: Directory,
    base_dn: String,
    expected_tenant: Option<String>,
    filter: UserFilter,
    groups: HashMap<String, Option<Group>>,
    cache: AccountCache,
}

impl LdapTenant {
    /// Opens an LDAP tenant: `endpoint`, `base_dn`, `bind_dn`, `credential` (the bind
    /// password) and `user_filter`. Nothing is sent until a verb is called.
    pub fn open(
        context: &TenantContext<'_>,
        settings: &LdapSettings,
    ) -> Result<Self, AdapterError> {
        let filter = UserFilter::of_tenant(context, &settings.directory, DEFAULT_USER_FILTER)?;
        Ok(LdapTenant {
            directory: Directory::with_settings(context, &settings.directory)?,
            base_dn: settings.base_dn.clone(),
            expected_tenant: settings.tenant_id.clone(),
            filter,
            groups: HashMap::new(),
            cache: AccountCache::default(),
        })
    }

    /// Finds a group by CN or DN; `None` when it does not exist.
    fn group(&mut self, name: &str, operation: &str) -> Result<Option<Group>, AdapterError> {
        if let Some(group) = self.groups.get(name) {
            return Ok(group.clone());
        }
        const GROUPS: &str = "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))";
        let found = if name.contains('=') {
            if !is_within(name, &self.base_dn) {
                return Err(self
                    .directory
                    .error(
                        operation,
                        FailureKind::WrongTenant,
                        format!(
                            "the group `{name}` is outside the tenant's base DN `{}`",
                            self.base_dn
                        ),
                    )
                    .with_hint("name groups by CN, or by a DN under the tenant's `base_dn`"));
            }
            self.directory
                .read(operation, name, GROUPS, &["objectClass"], Vec::new())?
                .into_iter()
                .collect::<Vec<_>>()
        } else {
            let filter = format!("(&{GROUPS}(cn={}))", ldap3::ldap_escape(name));
            let base = self.base_dn.clone();
            self.directory
                .search(operation, &base, Scope::Subtree, &filter, &["objectClass"])?
        };
        let group = match found.as_slice() {
            [] => None,
            [entry] => {
                let unique = entry
                    .attrs
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("objectClass"))
                    .is_some_and(|(_, classes)| {
                        classes
                            .iter()
                            .any(|c| c.eq_ignore_ascii_case("groupOfUniqueNames"))
                    });
                Some(Group {
                    dn: entry.dn.clone(),
                    attribute: if unique { "uniqueMember" } else { "member" },
                })
            }
            _ => {
                return Err(self
                    .directory
                    .error(
                        operation,
                        FailureKind::Malformed,
                        format!(
                            "{} groups under `{}` have the CN `{name}`: onboard cannot tell which is meant",
                            found.len(),
                            self.base_dn
                        ),
                    )
                    .with_hint("name the group by its full DN: `group:cn=NAME,ou=…`"));
            }
        };
        self.groups.insert(name.to_string(), group.clone());
        Ok(group)
    }

    fn change(&mut self, request: ChangeRequest<'_>) -> Result<Outcome, AdapterError> {
        let (principal, entitlement, direction) = request.parts();
        let operation = direction.operation(entitlement, principal);
        if entitlement.kind != EntitlementKind::Group {
            return Err(only_groups(&self.directory, entitlement, &operation));
        }
        let Some(group) = self.group(&entitlement.name, &operation)? else {
            if direction.is_grant() {
                return Err(self
                    .directory
                    .error(
                        &operation,
                        FailureKind::NotFound,
                        format!("the group `{}` does not exist under `{}`", entitlement.name, self.base_dn),
                    )
                    .with_hint("create the group in the directory first: onboard manages memberships, not groups"));
            }
            return Ok(Outcome::NoChange);
        };
        self.directory.change_member(
            &operation,
            &group.dn,
            group.attribute,
            &principal.id,
            &principal.id,
            direction,
            false,
            Vec::new(),
        )
    }
}

/// Strips the optional `#'…'B` unique identifier of a `uniqueMember` value.
fn member_dn(value: &str) -> &str {
    match value.rfind("#'") {
        Some(at) if value.ends_with("'B") => &value[..at],
        _ => value,
    }
}

impl Adapter for LdapTenant {
    fn verify_tenant(&mut self) -> Result<(), AdapterError> {
        let operation = "verify tenant";
        let base = self.base_dn.clone();
        if self
            .directory
            .read(operation, &base, "(objectClass=*)", &["1.1"], Vec::new())?
            .is_none()
        {
            return Err(self
                .directory
                .error(
                    operation,
                    FailureKind::WrongTenant,
                    format!("the base DN `{base}` does not exist in the directory at `{}`", self.directory.host()),
                )
                .with_hint("check the tenant's `endpoint` and `base_dn`: the credential may belong to another client"));
        }
        let Some(expected) = self.expected_tenant.clone() else {
            return Ok(());
        };
        let dse = self.directory.root_dse(operation, &["namingContexts"])?;
        let contexts: Vec<String> = dse
            .attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("namingContexts"))
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let names_base = normalize_dn(&expected) == normalize_dn(&base);
        let is_context = contexts
            .iter()
            .any(|c| normalize_dn(c) == normalize_dn(&expected) && is_within(&base, c));
        if names_base || is_context {
            Ok(())
        } else {
            Err(self
                .directory
                .error(
                    operation,
                    FailureKind::WrongTenant,
                    format!(
                        "`tenant_id: {expected}` is neither the base DN nor a naming context holding it (the directory serves {})",
                        if contexts.is_empty() { "no naming contexts it will name".to_string() } else { contexts.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ") }
                    ),
                )
                .with_hint("check the tenant's `endpoint`, `base_dn` and `tenant_id`: the credential may belong to another client"))
        }
    }

    fn resolve(&mut self, account: &str) -> Result<Option<Principal>, AdapterError> {
        let base = self.base_dn.clone();
        self.cache
            .find(&mut self.directory, &base, &self.filter, account)
    }

    fn list(&mut self, entitlement: &Entitlement) -> Result<Vec<Holder>, AdapterError> {
        let operation = format!("list `{entitlement}`");
        if entitlement.kind != EntitlementKind::Group {
            return Err(only_groups(&self.directory, entitlement, &operation));
        }
        let Some(group) = self.group(&entitlement.name, &operation)? else {
            return Ok(Vec::new());
        };
        let entry = self
            .directory
            .read(
                &operation,
                &group.dn,
                "(objectClass=*)",
                &[group.attribute],
                Vec::new(),
            )?
            .ok_or_else(|| {
                self.directory.error(
                    &operation,
                    FailureKind::NotFound,
                    format!("the group `{}` disappeared while it was read", group.dn),
                )
            })?;
        let members: Vec<String> = entry
            .attrs
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(group.attribute))
            .flat_map(|(_, values)| values.iter().map(|v| member_dn(v).to_string()))
            .collect();
        let base = self.base_dn.clone();
        let accounts = self.cache.accounts(
            &mut self.directory,
            &operation,
            &base,
            &self.filter,
            &members,
        )?;
        Ok(accounts
            .into_iter()
            .flatten()
            .map(|account| Holder::active(account, None))
            .collect())
    }

    crate::adapters::grant_and_revoke_through!(change);

    directory_credentials!(PasswordWrite::PasswordModify);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_members_lose_their_uid_suffix() {
        assert_eq!(member_dn("uid=bob,dc=x#'0101'B"), "uid=bob,dc=x");
        assert_eq!(member_dn("uid=bob,dc=x"), "uid=bob,dc=x");
    }
}
