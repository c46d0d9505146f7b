//! Resolving accounts by login, many per request: `GET /api/v1/users?search=profile.login
//! eq "…" or …` with `LOGIN_BATCH` logins and the largest page (`limit=200`), each login
//! asked once per run. Logins found while reading a group's members resolve with no
//! request at all.
//!
//! `search` reads an eventually consistent copy of the org: a login it does not find is
//! looked up directly (`GET /api/v1/users/{login}`), so a user created a moment ago is
//! still found, and a login that does not exist costs one request more.
//!
//! The logins of users known only by id (admin role holders) are found the same way,
//! `id eq "…" or …`, `LOGIN_BATCH` ids per search; an id the search misses is read
//! directly.

use std::collections::HashMap;

use serde_json::Value;

use super::{OktaTenant, PAGE_SIZE};
use crate::adapters::accounts::ResolvedAccounts;
use crate::adapters::{AdapterError, Principal};

/// Logins resolved per search: Okta refuses an overly long search, and the search
/// travels in the URL.
const LOGIN_BATCH: usize = 20;

impl OktaTenant {
    /// Remembers a user read from the org for the run: its login for its id, and the
    /// account it resolves.
    pub(super) fn learn(&mut self, id: &str, login: &str) {
        self.logins.insert(id.to_string(), login.to_string());
        self.principals.learn(id, login);
    }

    /// Resolves accounts by login (see [`crate::adapters::Adapter::resolve_many`]).
    pub(super) fn resolve_accounts(
        &mut self,
        accounts: &[&str],
    ) -> Vec<Result<Option<Principal>, AdapterError>> {
        let mut failed: HashMap<String, AdapterError> = HashMap::new();
        let unknown = self.principals.unknown(accounts);
        for batch in unknown.chunks(LOGIN_BATCH) {
            let operation = ResolvedAccounts::operation(batch);
            if let Err(error) = self.search_users("profile.login", batch, &operation) {
                for login in batch {
                    failed.insert(login.clone(), error.clone());
                }
                continue;
            }
            for login in batch {
                if self.principals.contains(login) {
                    continue;
                }
                let operation = format!("resolve `{login}`");
                // The search reads an eventually consistent copy: a login it misses is
                // looked up directly, which the work needs.
                self.http.needed(1);
                match self.user(login, &operation) {
                    Ok(found) => {
                        let found = found.filter(|p| ResolvedAccounts::key(&p.account) == *login);
                        self.principals.insert(login.clone(), found);
                    }
                    Err(error) => {
                        failed.insert(login.clone(), error);
                    }
                }
            }
        }
        self.principals.results(accounts, &failed)
    }

    /// Learns the logins of the users with these ids, many per search; an id the search
    /// does not find is left for [`OktaTenant::login_of`] to read directly.
    pub(super) fn learn_logins(
        &mut self,
        ids: &[String],
        operation: &str,
    ) -> Result<(), AdapterError> {
        let unknown: Vec<String> = ids
            .iter()
            .filter(|id| !self.logins.contains_key(*id))
            .cloned()
            .collect();
        for batch in unknown.chunks(LOGIN_BATCH) {
            self.search_users("id", batch, operation)?;
        }
        Ok(())
    }

    /// Finds the users whose `field` is one of `values` in one search (every page of it).
    fn search_users(
        &mut self,
        field: &str,
        values: &[String],
        operation: &str,
    ) -> Result<(), AdapterError> {
        self.ensure_token(operation)?;
        let search = crate::adapters::any_equal(field, values);
        let url = self.url(&["users"], &[("search", &search), ("limit", PAGE_SIZE)]);
        let users = self.collect(operation, url)?;
        self.http
            .needed_pages(users.len(), PAGE_SIZE.parse().unwrap_or(1));
        for user in users {
            if let (Some(id), Some(login)) = (
                user.get("id").and_then(Value::as_str),
                user.pointer("/profile/login").and_then(Value::as_str),
            ) {
                self.learn(id, login);
            }
        }
        Ok(())
    }
}
