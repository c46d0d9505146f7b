//! Accounts: the `user_filter` that finds them, the lookup of one account, and the
//! cache that turns member DNs into account names.

use std::collections::HashMap;

use ldap3::{Scope, SearchEntry};

use super::Directory;
use super::dn::{is_within, normalize_dn};
use crate::adapters::{AdapterError, FailureKind, Principal};
use crate::model::user_filter_attributes;

/// Members resolved one base read at a time up to this many; beyond it, one paged scan
/// of every account under the base DN is cheaper.
const SCAN_THRESHOLD: usize = 100;

/// A search filter template with `{account}` where the escaped account name goes.
#[derive(Debug, Clone)]
pub struct UserFilter {
    template: String,
    attributes: Vec<String>,
}

impl UserFilter {
    /// Parses a template (see [`user_filter_attributes`]).
    pub fn new(template: &str) -> Result<Self, String> {
        Ok(UserFilter {
            attributes: user_filter_attributes(template)?,
            template: template.trim().to_string(),
        })
    }

    /// Returns a directory tenant's `user_filter`, else `default`.
    pub fn of_tenant(
        context: &crate::adapters::TenantContext<'_>,
        settings: &crate::model::DirectorySettings,
        default: &str,
    ) -> Result<Self, crate::adapters::AdapterError> {
        let template = settings.user_filter.as_deref().unwrap_or(default);
        UserFilter::new(template).map_err(|e| context.refuse(e))
    }

    /// Returns the filter for one account, escaped.
    pub fn for_account(&self, account: &str) -> String {
        self.template
            .replace("{account}", &ldap3::ldap_escape(account))
    }

    /// Returns the filter matching every account (`{account}` → `*`).
    pub fn any_account(&self) -> String {
        self.template.replace("{account}", "*")
    }

    /// Returns the attributes that hold account names, in order of preference.
    pub fn attributes(&self) -> &[String] {
        &self.attributes
    }

    /// Returns the account an entry is listed by: the first account attribute it has.
    pub fn account_of(&self, entry: &SearchEntry) -> Option<String> {
        self.attributes.iter().find_map(|wanted| {
            entry
                .attrs
                .iter()
                .find(|(name, values)| name.eq_ignore_ascii_case(wanted) && !values.is_empty())
                .map(|(_, values)| values[0].clone())
        })
    }
}

/// Resolves member DNs to account names, remembering what it has seen.
#[derive(Default)]
pub struct AccountCache {
    accounts: HashMap<String, Option<String>>,
    scanned: bool,
}

impl AccountCache {
    /// Finds the one entry an account filter matches under `base` (see [`find_account`]).
    pub fn find(
        &mut self,
        directory: &mut Directory,
        base: &str,
        filter: &UserFilter,
        account: &str,
    ) -> Result<Option<Principal>, AdapterError> {
        find_account(directory, self, base, filter, account)
    }

    /// Remembers an entry's account.
    pub fn remember(&mut self, dn: &str, account: Option<String>) {
        self.accounts.insert(normalize_dn(dn), account);
    }

    /// Returns the account of each of these member DNs (`None` for members that are not
    /// accounts), in order: base reads for a few unknown DNs, one paged scan of `base`
    /// for many.
    pub fn accounts(
        &mut self,
        directory: &mut Directory,
        operation: &str,
        base: &str,
        filter: &UserFilter,
        members: &[String],
    ) -> Result<Vec<Option<String>>, AdapterError> {
        let unknown: Vec<&String> = members
            .iter()
            .filter(|dn| !self.accounts.contains_key(&normalize_dn(dn)))
            .collect();
        let attributes: Vec<&str> = filter.attributes().iter().map(String::as_str).collect();
        if unknown.len() > SCAN_THRESHOLD && !self.scanned {
            for entry in directory.search(
                operation,
                base,
                Scope::Subtree,
                &filter.any_account(),
                &attributes,
            )? {
                let account = filter.account_of(&entry);
                self.remember(&entry.dn, account);
            }
            self.scanned = true;
        }
        for dn in unknown {
            let key = normalize_dn(dn);
            if self.accounts.contains_key(&key) {
                continue;
            }
            if self.scanned || !is_within(dn, base) {
                // Not found by the scan, or outside the tenant: not one of its accounts.
                self.accounts.insert(key, None);
                continue;
            }
            let account = directory
                .read(
                    operation,
                    dn,
                    &filter.any_account(),
                    &attributes,
                    Vec::new(),
                )?
                .and_then(|entry| filter.account_of(&entry));
            self.accounts.insert(key, account);
        }
        Ok(members
            .iter()
            .map(|dn| self.accounts.get(&normalize_dn(dn)).cloned().flatten())
            .collect())
    }
}

/// Finds the one entry an account filter matches under `base`.
pub fn find_account(
    directory: &mut Directory,
    cache: &mut AccountCache,
    base: &str,
    filter: &UserFilter,
    account: &str,
) -> Result<Option<Principal>, AdapterError> {
    let operation = format!("resolve `{account}`");
    let attributes: Vec<&str> = filter.attributes().iter().map(String::as_str).collect();
    let found = directory.search(
        &operation,
        base,
        Scope::Subtree,
        &filter.for_account(account),
        &attributes,
    )?;
    match found.as_slice() {
        [] => Ok(None),
        [entry] => {
            cache.remember(&entry.dn, filter.account_of(entry));
            Ok(Some(Principal {
                id: entry.dn.clone(),
                account: account.to_string(),
            }))
        }
        _ => Err(directory
            .error(
                &operation,
                FailureKind::Malformed,
                format!(
                    "{} entries match the user filter for `{account}`: onboard cannot tell which is meant",
                    found.len()
                ),
            )
            .with_hint("make `user_filter` match one entry per account")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_filters_are_escaped() {
        let filter = UserFilter::new("(&(objectClass=person)(uid={account}))").unwrap();
        assert_eq!(
            filter.for_account("bob*)(uid=*"),
            r"(&(objectClass=person)(uid=bob\2a\29\28uid=\2a))"
        );
        assert_eq!(filter.any_account(), "(&(objectClass=person)(uid=*))");
        assert_eq!(filter.attributes(), ["uid"]);
    }
}
