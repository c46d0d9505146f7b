//! Reading collections, groups and their members.
//!
//! Listing a group reads `GET /Groups/{id}?attributes=members`, then turns member ids
//! into userNames with `id eq "…" or …` filters of `ID_BATCH` ids at a time (cached per
//! run): that costs members/50 requests, where paging all `/Users` would cost users/page
//! and one GET per member would cost one request per member. Members that are not Users
//! (nested groups, or ids the server no longer knows) are not holders and are left out.
//! Collections are read with the largest page the server advertises
//! (`filter.maxResults`), else `PAGE_SIZE`.
//!
//! What a listing read is kept for the run: the group's members and version, the users
//! holding a `roles` / `entitlements` value, and every holder's id for its userName, so
//! that an apply right after its plan resolves no holder and reads nothing again before
//! a change.
//!
//! A plan opening a tenant finds its groups by name while `ServiceProviderConfig` is read
//! to confirm the tenant ([`ScimTenant::verify_finding_groups`]): the find needs nothing
//! the confirmation learns, so a tenant read costs one round trip fewer. What is found
//! is dropped unless the tenant is confirmed, and nothing is changed before it is.

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::Value;

use super::{ID_BATCH, ScimTenant};
use crate::adapters::http::{self, Call, IndexPage};
use crate::adapters::{AdapterError, FailureKind, quote_filter_value};
use crate::model::{Entitlement, EntitlementKind, Holder};

/// Upper bound of any one collection read, against servers that never stop paging.
const MAX_ITEMS: usize = 1_000_000;

#[derive(Debug, Deserialize)]
struct ListResponse {
    #[serde(rename = "totalResults", default)]
    total_results: usize,
    #[serde(rename = "Resources", default)]
    resources: Vec<Value>,
}

#[derive(Debug, Deserialize)]
struct Member {
    value: String,
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// A group's members as just read (or as this run changed them since), with the version
/// to send as `If-Match`.
pub(super) struct Members {
    pub(super) ids: Vec<String>,
    pub(super) etag: Option<String>,
}

impl ScimTenant {
    /// Reads every resource of a filtered collection (`Users`, `Groups`), page by page.
    pub(super) fn query(
        &self,
        operation: &str,
        collection: &str,
        filter: &str,
        attributes: &str,
    ) -> Result<Vec<Value>, AdapterError> {
        let page_size = self.page_size();
        http::collect_indexed(
            &self.http,
            operation,
            page_size,
            MAX_ITEMS,
            |start, count| {
                let mut url = self.http.url(&[collection]);
                url.query_pairs_mut()
                    .append_pair("filter", filter)
                    .append_pair("attributes", attributes)
                    .append_pair("startIndex", &start.to_string())
                    .append_pair("count", &count.to_string());
                let response = self.send_ok(operation, Call::get(url))?;
                let list: ListResponse = self.http.json(operation, &response)?;
                Ok(IndexPage {
                    items: list.resources,
                    total: list.total_results,
                })
            },
        )
    }

    /// Returns the id of the group named `name`, or `None` when there is none (kept for
    /// the run).
    pub(super) fn group_id(
        &mut self,
        name: &str,
        operation: &str,
    ) -> Result<Option<String>, AdapterError> {
        if let Some(id) = self.groups.get(name) {
            return Ok(id.clone());
        }
        let id = self.find_group(name, operation)?;
        self.groups.insert(name.to_string(), id.clone());
        Ok(id)
    }

    /// Asks the server for the id of the group named `name`; keeps nothing.
    fn find_group(&self, name: &str, operation: &str) -> Result<Option<String>, AdapterError> {
        self.http.needed(1);
        let found = self.query(
            operation,
            "Groups",
            &format!("displayName eq {}", quote_filter_value(name)),
            "id,displayName",
        )?;
        let named = |exact: bool| -> Vec<String> {
            found
                .iter()
                .filter(|g| {
                    g.get("displayName")
                        .and_then(Value::as_str)
                        .is_some_and(|d| {
                            if exact {
                                d == name
                            } else {
                                d.eq_ignore_ascii_case(name)
                            }
                        })
                })
                .filter_map(|g| g.get("id").and_then(Value::as_str).map(str::to_string))
                .collect()
        };
        let exact = named(true);
        let candidates = if exact.is_empty() {
            named(false)
        } else {
            exact
        };
        let hint = "rename the duplicates in the tenant so the name is unique";
        crate::adapters::one_group(&self.name, operation, name, &candidates, Some(hint.into()))
    }

    /// Confirms the tenant ([`ScimTenant::confirm`]) while finding the groups that
    /// `entitlements` name, one after another for as long as the confirmation is under
    /// way: the first find costs no round trip of its own. Nothing found is kept unless
    /// the tenant is confirmed, and a find that failed is made again when its group is
    /// listed, where its error belongs. Returns the confirmation's error, if any.
    pub(super) fn verify_finding_groups(
        &mut self,
        entitlements: &[&Entitlement],
    ) -> Result<(), AdapterError> {
        let mut wanted: Vec<(&str, String)> = Vec::new();
        for entitlement in entitlements {
            let name = entitlement.name.as_str();
            if entitlement.kind == EntitlementKind::Group
                && !self.groups.contains_key(name)
                && !wanted.iter().any(|(n, _)| *n == name)
            {
                wanted.push((name, format!("list `{entitlement}`")));
            }
        }
        let this = &*self;
        let (confirmed, found) = std::thread::scope(|scope| {
            let confirming = scope.spawn(|| this.confirm());
            let mut found = Vec::new();
            for (name, operation) in &wanted {
                if confirming.is_finished() {
                    break;
                }
                if let Ok(id) = this.find_group(name, operation) {
                    found.push((*name, id));
                }
            }
            (confirming.join(), found)
        });
        let config = confirmed.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        self.config = Some(config);
        for (name, id) in found {
            self.groups.insert(name.to_string(), id);
        }
        Ok(())
    }

    /// Reads a group's member ids and the version to send as `If-Match`.
    pub(super) fn members(&self, group_id: &str, operation: &str) -> Result<Members, AdapterError> {
        let mut url = self.http.url(&["Groups", group_id]);
        url.query_pairs_mut().append_pair("attributes", "members");
        let response = self.send_ok(operation, Call::get(url))?;
        let body: Value = self.http.json(operation, &response)?;
        let members: Vec<Member> = match body.get("members") {
            None | Some(Value::Null) => Vec::new(),
            Some(list) => serde_json::from_value(list.clone()).map_err(|e| {
                self.error(
                    operation,
                    FailureKind::Malformed,
                    format!("the group's `members` cannot be read: {e}"),
                )
            })?,
        };
        let etag = response.header("etag").map(str::to_string).or_else(|| {
            body.get("meta")
                .and_then(|m| m.get("version"))
                .and_then(Value::as_str)
                .map(str::to_string)
        });
        Ok(Members {
            ids: members
                .into_iter()
                .filter(|m| {
                    !m.kind
                        .as_deref()
                        .is_some_and(|k| k.eq_ignore_ascii_case("Group"))
                })
                .map(|m| m.value)
                .collect(),
            etag,
        })
    }

    /// Remembers a user read from the server for the run: its userName for its id, and
    /// the account it resolves (so an apply after the plan resolves no member again).
    pub(super) fn learn(&mut self, id: &str, user_name: &str) {
        self.user_names
            .insert(id.to_string(), user_name.to_string());
        self.principals.learn(id, user_name);
    }

    /// Returns the userNames of these ids (ids that are not Users are left out), asking
    /// the server only about ids not seen before.
    pub(super) fn user_names(
        &mut self,
        ids: &[String],
        operation: &str,
    ) -> Result<Vec<String>, AdapterError> {
        let unknown: Vec<&String> = ids
            .iter()
            .filter(|id| !self.user_names.contains_key(*id))
            .collect();
        self.http.needed(unknown.len().div_ceil(ID_BATCH));
        for batch in unknown.chunks(ID_BATCH) {
            let filter = crate::adapters::any_equal("id", batch);
            for user in self.query(operation, "Users", &filter, "id,userName")? {
                if let (Some(id), Some(user_name)) = (
                    user.get("id").and_then(Value::as_str),
                    user.get("userName").and_then(Value::as_str),
                ) {
                    self.learn(id, user_name);
                }
            }
        }
        Ok(ids
            .iter()
            .filter_map(|id| self.user_names.get(id).cloned())
            .collect())
    }

    /// Lists an entitlement's holders (see [`crate::adapters::Adapter::list`]).
    pub(super) fn holders(
        &mut self,
        entitlement: &Entitlement,
    ) -> Result<Vec<Holder>, AdapterError> {
        let operation = format!("list `{entitlement}`");
        let accounts = match entitlement.kind {
            EntitlementKind::Group => {
                let Some(group_id) = self.group_id(&entitlement.name, &operation)? else {
                    return Ok(Vec::new());
                };
                self.http.needed(1);
                let members = self.members(&group_id, &operation)?;
                let names = self.user_names(&members.ids, &operation)?;
                // Kept for the run: a change to the group sent next needs no read.
                self.known_members.insert(group_id, members);
                names
            }
            _ => {
                let attribute = self.attribute_of(entitlement, &operation)?;
                let users = self.query(
                    &operation,
                    "Users",
                    &format!(
                        "{attribute}.value eq {}",
                        quote_filter_value(&entitlement.name)
                    ),
                    "id,userName",
                )?;
                self.http.needed_pages(users.len(), self.page_size());
                let mut ids = HashSet::new();
                let mut names = Vec::new();
                for user in &users {
                    if let (Some(id), Some(user_name)) = (
                        user.get("id").and_then(Value::as_str),
                        user.get("userName").and_then(Value::as_str),
                    ) {
                        self.learn(id, user_name);
                        ids.insert(id.to_string());
                        names.push(user_name.to_string());
                    }
                }
                // Kept for the run: a change of the value sent next needs no read.
                self.known_values
                    .insert((attribute.to_string(), entitlement.name.clone()), ids);
                names
            }
        };
        Ok(accounts
            .into_iter()
            .map(|account| Holder::active(account, None))
            .collect())
    }
}
