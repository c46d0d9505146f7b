//! Accounts resolved in a run: the cache of every adapter that resolves many accounts per
//! request (SCIM, Okta, GitHub), and the answer [`super::Adapter::resolve_many`] gives
//! from it.
//!
//! Accounts are compared without case (a SCIM `userName`, an Okta login, a GitHub login):
//! each is kept under [`ResolvedAccounts::key`]. Failures are not kept: an account whose
//! lookup failed is asked again by the next call.

use std::collections::HashMap;

use super::{AdapterError, Principal};

/// Principals resolved this run, by account in lower case; `None`: no such account.
#[derive(Debug, Default)]
pub(crate) struct ResolvedAccounts {
    known: HashMap<String, Option<Principal>>,
}

impl ResolvedAccounts {
    /// Returns the key an account is kept under: the account in lower case.
    pub(crate) fn key(account: &str) -> String {
        account.to_lowercase()
    }

    /// Returns whether an account (a key) is resolved.
    pub(crate) fn contains(&self, key: &str) -> bool {
        self.known.contains_key(key)
    }

    /// Returns the keys of the accounts not resolved yet, sorted, each once.
    pub(crate) fn unknown(&self, accounts: &[&str]) -> Vec<String> {
        let mut unknown: Vec<String> = accounts
            .iter()
            .map(|a| Self::key(a))
            .filter(|a| !self.known.contains_key(a))
            .collect();
        unknown.sort_unstable();
        unknown.dedup();
        unknown
    }

    /// Names the lookup of a batch of accounts, for errors: ``resolve `bob` `` or
    /// `resolve 20 accounts`.
    pub(crate) fn operation(batch: &[String]) -> String {
        match batch {
            [one] => format!("resolve `{one}`"),
            _ => format!("resolve {} accounts", batch.len()),
        }
    }

    /// Records what an account (a key) resolves to.
    pub(crate) fn insert(&mut self, key: String, principal: Option<Principal>) {
        self.known.insert(key, principal);
    }

    /// Remembers a principal a read showed (a group's member), unless its account is
    /// resolved already.
    pub(crate) fn learn(&mut self, id: &str, account: &str) {
        self.known.entry(Self::key(account)).or_insert_with(|| {
            Some(Principal {
                id: id.to_string(),
                account: account.to_string(),
            })
        });
    }

    /// Returns one result per account, in order: its failure this call, else what it
    /// resolved to.
    pub(crate) fn results(
        &self,
        accounts: &[&str],
        failed: &HashMap<String, AdapterError>,
    ) -> Vec<Result<Option<Principal>, AdapterError>> {
        accounts
            .iter()
            .map(|account| {
                let key = Self::key(account);
                match failed.get(&key) {
                    Some(error) => Err(error.clone()),
                    None => Ok(self.known.get(&key).cloned().flatten()),
                }
            })
            .collect()
    }
}
