//! The Active Directory adapter: LDAP to a domain controller, over the connection,
//! paging and membership code of [`super::ldap`], with what AD adds.
//!
//! - Entitlements are `group:NAME`: membership (`member`) of the group whose
//!   `sAMAccountName` is NAME, or whose DN is NAME (anything holding `=`), under the
//!   tenant's `base_dn` (default: the domain's naming context).
//! - Accounts are found with `user_filter`, by default
//!   `(&(objectClass=user)(|(userPrincipalName={account})(sAMAccountName={account})))`:
//!   UPNs and sAMAccountNames both resolve; holders are listed by UPN (by sAMAccountName
//!   when an account has no UPN). A workspace that names AD accounts by sAMAccountName
//!   sets `user_filter: "(&(objectClass=user)(sAMAccountName={account}))"`.
//! - Members are read with ranged retrieval (`member;range=0-999`, then onward until the
//!   server answers a range ending in `*`), in steps of 1000, within every DC's
//!   `MaxValRange` (1500 by default), so groups of any size are read in full.
//! - Every membership modify carries the permissive-modify control, so adding a present
//!   member or removing an absent one is no error even if the group changed between the
//!   membership check and the modify.
//! - Native expiry: when the forest has the Privileged Access Management optional feature
//!   enabled (listed in `msDS-EnabledFeature` of the Partitions container), a grant with
//!   an end is written as a TTL link (`<TTL=SECONDS,DN>`), re-adding renews it, and
//!   listing sends the link-TTL control so holders carry their end. Without it (Samba
//!   has no PAM feature), grants are plain and `onboard expire` revokes them.
//! - Credentials: a service account's own `password`, which onboard makes and sets as an
//!   administrator's reset (a replace of `unicodePwd`, quoted, UTF-16LE), only over LDAPS
//!   or StartTLS; the bind account needs the Reset Password right on the account (see
//!   [`super::ldap::password`]).
//! - Tenant identity: the domain's `defaultNamingContext` must be the DNS domain of
//!   `tenant_id` (or, without it, `domain`), and `base_dn`, when set, must exist under it.

use std::collections::HashMap;

use ldap3::controls::RawControl;
use ldap3::{Scope, SearchEntry};
use time::OffsetDateTime;

use super::ldap::{
    AccountCache, Directory, PERMISSIVE_MODIFY_OID, PasswordWrite, UserFilter,
    directory_credentials, is_within, only_groups,
};
use super::{Adapter, AdapterError, FailureKind, Outcome, Principal};
use crate::adapters::ChangeRequest;
use crate::adapters::TenantContext;
use crate::model::{AdSettings, Entitlement, EntitlementKind, Holder};

/// The default `user_filter` of `ad` tenants.
pub const DEFAULT_USER_FILTER: &str =
    "(&(objectClass=user)(|(userPrincipalName={account})(sAMAccountName={account})))";
/// Values asked for per ranged read (Microsoft recommends steps of at most 1000).
const RANGE_STEP: usize = 1000;
/// The link-TTL control (LDAP_SERVER_LINK_TTL_OID): values come back with their TTL.
const LINK_TTL_OID: &str = "1.2.840.113556.1.4.2309";
/// The first RDN of the Privileged Access Management optional feature's DN.
const PAM_FEATURE_RDN: &str = "cn=privileged access management feature";

/// Returns the DNS domain of a naming context: `DC=corp,DC=example` → `corp.example`.
pub fn dns_domain(naming_context: &str) -> String {
    naming_context
        .split(',')
        .filter_map(|rdn| {
            let (kind, value) = rdn.split_once('=')?;
            kind.trim()
                .eq_ignore_ascii_case("dc")
                .then(|| value.trim().to_lowercase())
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// Splits a member value read with the link-TTL control: `<TTL=120>,CN=…` → (Some(120),
/// `CN=…`); a value without TTL is returned as it is.
pub fn split_ttl(value: &str) -> (Option<u64>, &str) {
    let Some(rest) = value.strip_prefix("<TTL=") else {
        return (None, value);
    };
    let Some((seconds, dn)) = rest.split_once('>') else {
        return (None, value);
    };
    let dn = dn.strip_prefix(',').unwrap_or(dn);
    (seconds.trim().parse().ok(), dn)
}

/// Returns the value that writes a TTL link: `<TTL=SECONDS,DN>`.
pub fn ttl_value(dn: &str, seconds: u64) -> String {
    format!("<TTL={seconds},{dn}>")
}

/// Finds the `member;range=LOW-HIGH` attribute in an entry: its values and HIGH
/// (`None` for `*`, the last range). A plain `member` (a server that ignored the range)
/// is the whole list.
fn ranged_values(entry: &SearchEntry) -> Option<(Vec<String>, Option<usize>)> {
    for (name, values) in &entry.attrs {
        let lower = name.to_ascii_lowercase();
        if lower == "member" {
            return Some((values.clone(), None));
        }
        if let Some(range) = lower.strip_prefix("member;range=") {
            let high = range.split_once('-').map(|(_, h)| h)?;
            let high = if high == "*" {
                None
            } else {
                Some(high.parse().ok()?)
            };
            return Some((values.clone(), high));
        }
    }
    None
}

fn permissive() -> Vec<RawControl> {
    vec![RawControl {
        ctype: PERMISSIVE_MODIFY_OID.to_string(),
        crit: false,
        val: None,
    }]
}

/// An Active Directory domain.
pub struct AdTenant {
    directory: Directory,
    base_dn: Option<String>,
    expected_domain: Option<String>,
    filter: UserFilter,
    naming_context: Option<String>,
    native_expiry: bool,
    groups: HashMap<String, Option<String>>,
    cache: AccountCache,
}

impl AdTenant {
    /// Opens an AD tenant: `endpoint`, `bind_dn` (a DN or a UPN), `credential` (its
    /// password), `tenant_id` or `domain`, and optionally `base_dn` and `user_filter`.
    /// Nothing is sent until a verb is called.
    pub fn open(context: &TenantContext<'_>, settings: &AdSettings) -> Result<Self, AdapterError> {
        let filter = UserFilter::of_tenant(context, &settings.directory, DEFAULT_USER_FILTER)?;
        Ok(AdTenant {
            directory: Directory::with_settings(context, &settings.directory)?,
            base_dn: settings.base_dn.clone(),
            expected_domain: settings
                .tenant_id
                .clone()
                .or_else(|| context.tenant.domain.clone())
                .map(|d| d.trim().trim_end_matches('.').to_lowercase()),
            filter,
            naming_context: None,
            native_expiry: false,
            groups: HashMap::new(),
            cache: AccountCache::default(),
        })
    }

    /// Returns the subtree onboard works in: `base_dn`, else the domain's naming context.
    fn base(&mut self, operation: &str) -> Result<String, AdapterError> {
        if let Some(base) = &self.base_dn {
            return Ok(base.clone());
        }
        if self.naming_context.is_none() {
            let dse = self
                .directory
                .root_dse(operation, &["defaultNamingContext"])?;
            self.naming_context = first(&dse, "defaultNamingContext");
        }
        self.naming_context.clone().ok_or_else(|| {
            self.directory.error(
                operation,
                FailureKind::Malformed,
                "the directory reports no `defaultNamingContext`: is it an Active Directory domain controller?",
            )
        })
    }

    /// Finds a group by sAMAccountName or DN; `None` when it does not exist.
    fn group(&mut self, name: &str, operation: &str) -> Result<Option<String>, AdapterError> {
        if let Some(dn) = self.groups.get(name) {
            return Ok(dn.clone());
        }
        let base = self.base(operation)?;
        let found = if name.contains('=') {
            if !is_within(name, &base) {
                return Err(self
                    .directory
                    .error(
                        operation,
                        FailureKind::WrongTenant,
                        format!("the group `{name}` is outside the tenant's base DN `{base}`"),
                    )
                    .with_hint(
                        "name groups by sAMAccountName, or by a DN under the tenant's `base_dn`",
                    ));
            }
            self.directory
                .read(operation, name, "(objectClass=group)", &["1.1"], Vec::new())?
                .into_iter()
                .collect::<Vec<_>>()
        } else {
            let filter = format!(
                "(&(objectClass=group)(sAMAccountName={}))",
                ldap3::ldap_escape(name)
            );
            self.directory
                .search(operation, &base, Scope::Subtree, &filter, &["1.1"])?
        };
        let dn = match found.as_slice() {
            [] => None,
            [entry] => Some(entry.dn.clone()),
            _ => {
                return Err(self.directory.error(
                    operation,
                    FailureKind::Malformed,
                    format!("{} groups are named `{name}`", found.len()),
                ));
            }
        };
        self.groups.insert(name.to_string(), dn.clone());
        Ok(dn)
    }

    /// Reads every member value of a group with ranged retrieval: `(ttl, dn)` pairs.
    fn members(
        &mut self,
        group_dn: &str,
        operation: &str,
    ) -> Result<Vec<(Option<u64>, String)>, AdapterError> {
        let mut members = Vec::new();
        let mut low = 0;
        loop {
            let attribute = format!("member;range={low}-{}", low + RANGE_STEP - 1);
            let controls = if self.native_expiry {
                vec![RawControl {
                    ctype: LINK_TTL_OID.to_string(),
                    crit: false,
                    val: None,
                }]
            } else {
                Vec::new()
            };
            let entry = self
                .directory
                .read(
                    operation,
                    group_dn,
                    "(objectClass=*)",
                    &[&attribute],
                    controls,
                )?
                .ok_or_else(|| {
                    self.directory.error(
                        operation,
                        FailureKind::NotFound,
                        format!("the group `{group_dn}` disappeared while it was read"),
                    )
                })?;
            let Some((values, high)) = ranged_values(&entry) else {
                if low == 0 {
                    break; // no members at all
                }
                return Err(self.directory.error(
                    operation,
                    FailureKind::Malformed,
                    format!("the directory stopped answering `member` ranges of `{group_dn}` at {low} without a final `*` range: onboard never works from a partial read"),
                ));
            };
            members.extend(values.iter().map(|v| {
                let (ttl, dn) = split_ttl(v);
                (ttl, dn.to_string())
            }));
            match high {
                None => break,
                Some(high) if high >= low => low = high + 1,
                Some(_) => {
                    return Err(self.directory.error(
                        operation,
                        FailureKind::Malformed,
                        format!("the directory answered a `member` range of `{group_dn}` that goes backwards"),
                    ));
                }
            }
        }
        Ok(members)
    }

    fn change(&mut self, request: ChangeRequest<'_>) -> Result<Outcome, AdapterError> {
        let ChangeRequest {
            principal,
            entitlement,
            direction,
            expires_at,
        } = request;
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
                        format!("the group `{}` does not exist in the domain", entitlement.name),
                    )
                    .with_hint("create the group in the domain first: onboard manages memberships, not groups"));
            }
            return Ok(Outcome::NoChange);
        };
        // A TTL link is (re)written even for a current member: that is how it renews.
        let ttl = match (direction.is_grant() && self.native_expiry, expires_at) {
            (true, Some(end)) => {
                let seconds = (end - OffsetDateTime::now_utc()).whole_seconds().max(1);
                Some(u64::try_from(seconds).unwrap_or(1))
            }
            _ => None,
        };
        let value = match ttl {
            Some(seconds) => ttl_value(&principal.id, seconds),
            None => principal.id.clone(),
        };
        self.directory.change_member(
            &operation,
            &group,
            "member",
            &principal.id,
            &value,
            direction,
            ttl.is_some(),
            permissive(),
        )
    }
}

fn first(entry: &SearchEntry, attribute: &str) -> Option<String> {
    entry
        .attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(attribute))
        .and_then(|(_, v)| v.first().cloned())
}

impl Adapter for AdTenant {
    fn enforces_expiry(&self, entitlement: &Entitlement) -> bool {
        // TTL links exist only when the forest has the Privileged Access Management
        // feature, which `verify_tenant` reads.
        self.native_expiry && entitlement.kind == EntitlementKind::Group
    }

    fn verify_tenant(&mut self) -> Result<(), AdapterError> {
        let operation = "verify tenant";
        let dse = self.directory.root_dse(
            operation,
            &["defaultNamingContext", "configurationNamingContext"],
        )?;
        let Some(context) = first(&dse, "defaultNamingContext") else {
            return Err(self.directory.error(
                operation,
                FailureKind::WrongTenant,
                "the directory reports no `defaultNamingContext`: it is not an Active Directory domain controller",
            ).with_hint("use `adapter: ldap` for other directories"));
        };
        let domain = dns_domain(&context);
        if let Some(expected) = &self.expected_domain
            && &domain != expected
        {
            return Err(self
                .directory
                .error(
                    operation,
                    FailureKind::WrongTenant,
                    format!("the domain controller serves the domain `{domain}` (`{context}`), not `{expected}` from the client file"),
                )
                .with_hint("check the tenant's `endpoint`, `tenant_id` and `domain`: the credential may belong to another client"));
        }
        self.naming_context = Some(context.clone());
        if let Some(base) = self.base_dn.clone() {
            let exists = is_within(&base, &context)
                && self
                    .directory
                    .read(operation, &base, "(objectClass=*)", &["1.1"], Vec::new())?
                    .is_some();
            if !exists {
                return Err(self
                    .directory
                    .error(
                        operation,
                        FailureKind::WrongTenant,
                        format!("the base DN `{base}` does not exist in the domain `{domain}`"),
                    )
                    .with_hint("check the tenant's `base_dn`"));
            }
        }
        // Native expiry: the PAM optional feature, enabled forest-wide.
        if let Some(configuration) = first(&dse, "configurationNamingContext") {
            let partitions = format!("CN=Partitions,{configuration}");
            let features = self
                .directory
                .read(
                    operation,
                    &partitions,
                    "(objectClass=*)",
                    &["msDS-EnabledFeature"],
                    Vec::new(),
                )?
                .map(|entry| {
                    entry
                        .attrs
                        .iter()
                        .filter(|(k, _)| k.eq_ignore_ascii_case("msDS-EnabledFeature"))
                        .flat_map(|(_, v)| v.clone())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            self.native_expiry = features
                .iter()
                .any(|f| f.to_lowercase().starts_with(PAM_FEATURE_RDN));
        }
        Ok(())
    }

    fn resolve(&mut self, account: &str) -> Result<Option<Principal>, AdapterError> {
        let base = self.base(&format!("resolve `{account}`"))?;
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
        let members = self.members(&group, &operation)?;
        let base = self.base(&operation)?;
        let now = OffsetDateTime::now_utc();
        let dns: Vec<String> = members.iter().map(|(_, dn)| dn.clone()).collect();
        let accounts =
            self.cache
                .accounts(&mut self.directory, &operation, &base, &self.filter, &dns)?;
        Ok(members
            .iter()
            .zip(accounts)
            .filter_map(|((ttl, _), account)| {
                Some(Holder::active(
                    account?,
                    ttl.and_then(|s| i64::try_from(s).ok())
                        .map(|s| now + time::Duration::seconds(s)),
                ))
            })
            .collect())
    }

    crate::adapters::grant_and_revoke_through!(change);

    directory_credentials!(PasswordWrite::UnicodePwd);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naming_contexts_name_dns_domains() {
        assert_eq!(dns_domain("DC=onboard,DC=test"), "onboard.test");
        assert_eq!(
            dns_domain("dc=Corp, dc=Example, DC=com"),
            "corp.example.com"
        );
    }

    #[test]
    fn ttl_links_are_written_and_read() {
        assert_eq!(
            ttl_value("CN=alice,OU=Staff,DC=corp,DC=example", 3600),
            "<TTL=3600,CN=alice,OU=Staff,DC=corp,DC=example>"
        );
        assert_eq!(
            split_ttl("<TTL=1234>,CN=alice,DC=corp"),
            (Some(1234), "CN=alice,DC=corp")
        );
        assert_eq!(split_ttl("CN=bob,DC=corp"), (None, "CN=bob,DC=corp"));
    }

    #[test]
    fn member_ranges_are_read_until_the_star() {
        let entry = |name: &str| SearchEntry {
            dn: "CN=g".into(),
            attrs: HashMap::from([(name.to_string(), vec!["CN=a".to_string()])]),
            bin_attrs: HashMap::new(),
        };
        assert_eq!(
            ranged_values(&entry("member;range=0-999")),
            Some((vec!["CN=a".to_string()], Some(999)))
        );
        assert_eq!(
            ranged_values(&entry("member;range=1000-*")),
            Some((vec!["CN=a".to_string()], None))
        );
        assert_eq!(
            ranged_values(&entry("member")),
            Some((vec!["CN=a".to_string()], None))
        );
        assert_eq!(ranged_values(&entry("cn")), None);
    }
}
