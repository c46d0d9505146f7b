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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::FailureKind;

    #[test]
    fn accounts_are_asked_once_without_case_and_failures_are_not_kept() {
        let mut resolved = ResolvedAccounts::default();
        resolved.learn("u1", "Bob@acme.example");
        resolved.insert(ResolvedAccounts::key("ghost@acme.example"), None);
        assert_eq!(
            resolved.unknown(&["BOB@acme.example", "carol", "Carol", "ghost@acme.example"]),
            ["carol"]
        );
        // A member seen later does not replace what a lookup resolved.
        resolved.learn("u9", "bob@ACME.example");
        let failed = HashMap::from([(
            "carol".to_string(),
            AdapterError::new("a/t", "resolve `carol`", FailureKind::Unreachable, "down"),
        )]);
        let results = resolved.results(
            &["bob@acme.example", "Carol", "ghost@acme.example"],
            &failed,
        );
        let bob = results[0].as_ref().unwrap().as_ref().unwrap();
        assert_eq!(
            (bob.id.as_str(), bob.account.as_str()),
            ("u1", "Bob@acme.example")
        );
        assert_eq!(
            results[1].as_ref().unwrap_err().kind,
            FailureKind::Unreachable
        );
        assert_eq!(results[2].as_ref().unwrap(), &None);
        // The failure is this call's: the account is still unknown, so asked again.
        assert_eq!(resolved.unknown(&["carol"]), ["carol"]);
        assert_eq!(
            ResolvedAccounts::operation(&["bob".to_string()]),
            "resolve `bob`"
        );
        assert_eq!(
            ResolvedAccounts::operation(&["a".to_string(), "b".to_string()]),
            "resolve 2 accounts"
        );
    }
}
