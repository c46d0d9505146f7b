//! Resolving accounts by userName, many per request: `userName eq "…" or …` filters of
//! `ID_BATCH` names, each name asked once per run.

use std::collections::HashMap;

use serde_json::Value;

use super::{ID_BATCH, ScimTenant};
use crate::adapters::accounts::ResolvedAccounts;
use crate::adapters::{AdapterError, FailureKind, Principal};

impl ScimTenant {
    /// Resolves accounts by userName (see [`crate::adapters::Adapter::resolve_many`]): the
    /// names not resolved before in `userName eq … or …` filters of `ID_BATCH`.
    pub(super) fn resolve_accounts(
        &mut self,
        accounts: &[&str],
    ) -> Vec<Result<Option<Principal>, AdapterError>> {
        let mut failed: HashMap<String, AdapterError> = HashMap::new();
        let unknown = self.principals.unknown(accounts);
        self.http.needed(unknown.len().div_ceil(ID_BATCH));
        for batch in unknown.chunks(ID_BATCH) {
            let operation = ResolvedAccounts::operation(batch);
            let filter = crate::adapters::any_equal("userName", batch);
            let found = match self.query(&operation, "Users", &filter, "id,userName") {
                Ok(found) => found,
                Err(error) => {
                    for name in batch {
                        failed.insert(name.clone(), error.clone());
                    }
                    continue;
                }
            };
            let mut users: HashMap<String, Vec<Principal>> = HashMap::new();
            for user in &found {
                if let (Some(id), Some(user_name)) = (
                    user.get("id").and_then(Value::as_str),
                    user.get("userName").and_then(Value::as_str),
                ) {
                    users
                        .entry(ResolvedAccounts::key(user_name))
                        .or_default()
                        .push(Principal {
                            id: id.to_string(),
                            account: user_name.to_string(),
                        });
                }
            }
            for name in batch {
                match users.remove(name).unwrap_or_default().as_slice() {
                    [] => {
                        self.principals.insert(name.clone(), None);
                    }
                    [principal] => {
                        self.user_names
                            .insert(principal.id.clone(), principal.account.clone());
                        self.principals
                            .insert(name.clone(), Some(principal.clone()));
                    }
                    several => {
                        failed.insert(
                            name.clone(),
                            self.error(
                                &format!("resolve `{name}`"),
                                FailureKind::Malformed,
                                format!("{} users have the userName `{name}`", several.len()),
                            ),
                        );
                    }
                }
            }
        }
        self.principals.results(accounts, &failed)
    }
}
