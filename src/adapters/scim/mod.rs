//! The SCIM 2.0 adapter (RFC 7643 / RFC 7644), over [`super::http`].
//!
//! Entitlements:
//! - `group:NAME`: membership of the Group whose `displayName` is NAME. The group must
//!   exist to grant (onboard manages memberships, not groups); a missing group has no
//!   holders and revoking from it changes nothing.
//! - `role:NAME` / `entitlement:NAME`: a value in the User's `roles` / `entitlements`
//!   multi-valued attribute.
//!
//! Accounts are `userName`s, which SCIM compares case-insensitively.
//!
//! By concept:
//! - `config`: `ServiceProviderConfig` (PATCH, ETags, page size) and the tenant's identity;
//! - `reads`: collections page by page, groups by name (found while the tenant is
//!   confirmed), members, member ids to userNames;
//! - `accounts`: many accounts resolved per request;
//! - `groups`: members added or removed many per PATCH;
//! - `attributes`: a User's `roles` / `entitlements` values;
//! - `errors`: SCIM error bodies, and one failure shared by several changes.

mod accounts;
mod attributes;
mod config;
mod errors;
mod groups;
mod reads;

use std::collections::{HashMap, HashSet};

use super::accounts::ResolvedAccounts;
use super::http::{self, Call, HttpClient, Response};
use time::OffsetDateTime;

use super::{Adapter, AdapterError, BatchItem, FailureKind, Outcome, Principal, Reading};
use crate::adapters::ChangeRequest;
use crate::adapters::Direction;
use crate::adapters::TenantContext;
use crate::model::{Entitlement, EntitlementKind, Holder, ScimSettings};

use self::config::ServerConfig;
use self::errors::error_body;
use self::reads::Members;

const MEDIA_TYPE: &str = "application/scim+json";
/// Member ids resolved to userNames (or userNames to ids) per filter request: the
/// filter travels in the URL, which servers cap at a few kilobytes.
const ID_BATCH: usize = 50;

/// A SCIM 2.0 service provider.
pub struct ScimTenant {
    name: String,
    http: HttpClient,
    expected_tenant: Option<String>,
    config: Option<ServerConfig>,
    groups: HashMap<String, Option<String>>,
    user_names: HashMap<String, String>,
    /// Accounts resolved this run, by userName.
    principals: ResolvedAccounts,
    /// Group members as this run last read or changed them, by group id: a change sent
    /// right after the plan's read needs no read of its own.
    known_members: HashMap<String, Members>,
    /// The ids of the users holding a `roles` / `entitlements` value, by attribute and
    /// value, as this run last read or changed them.
    known_values: HashMap<(String, String), HashSet<String>>,
}

impl ScimTenant {
    /// Opens a SCIM tenant: its `endpoint` (the base URL, ending before `/Users`) and the
    /// bearer token its `credential` names. Nothing is sent until a verb is called.
    pub fn open(
        context: &TenantContext<'_>,
        settings: &ScimSettings,
    ) -> Result<Self, AdapterError> {
        let token = context.credential(&settings.credential)?;
        let auth = Some(http::Auth::Bearer(token));
        let http = context.http(&settings.endpoint, auth, error_body)?;
        Ok(ScimTenant {
            name: context.name.clone(),
            http,
            expected_tenant: settings.tenant_id.clone(),
            config: None,
            groups: HashMap::new(),
            user_names: HashMap::new(),
            principals: ResolvedAccounts::default(),
            known_members: HashMap::new(),
            known_values: HashMap::new(),
        })
    }

    fn error(&self, operation: &str, kind: FailureKind, detail: impl Into<String>) -> AdapterError {
        AdapterError::new(&self.name, operation, kind, detail)
    }

    /// Sends a request with SCIM's media type accepted.
    fn send(&self, operation: &str, call: Call) -> Result<Response, AdapterError> {
        let call = call.header(
            reqwest::header::ACCEPT,
            format!("{MEDIA_TYPE}, application/json"),
        );
        self.http.send(operation, &call)
    }

    /// Sends a request and requires a 2xx answer.
    fn send_ok(&self, operation: &str, call: Call) -> Result<Response, AdapterError> {
        let response = self.send(operation, call)?;
        self.http.require_success(operation, response)
    }
}

impl ScimTenant {
    /// Grants or revokes an entitlement (see [`Adapter::grant`], [`Adapter::revoke`]).
    fn change(&mut self, request: ChangeRequest<'_>) -> Result<Outcome, AdapterError> {
        let (principal, entitlement, direction) = request.parts();
        match entitlement.kind {
            EntitlementKind::Group => self
                .change_group(&entitlement.name, &[principal], direction)
                .pop()
                .unwrap_or(Ok(Outcome::NoChange)),
            _ => {
                let attribute = self.attribute_of(entitlement, direction.verb())?;
                self.change_attribute(principal, entitlement, attribute, direction)
            }
        }
    }

    /// Grants or revokes several entitlements (see [`Adapter::grant_many`]): the
    /// members of each group in one PATCH, user attributes one by one.
    fn change_many(
        &mut self,
        items: &[BatchItem],
        direction: Direction,
    ) -> Vec<Result<Outcome, AdapterError>> {
        let mut results: Vec<Option<Result<Outcome, AdapterError>>> = vec![None; items.len()];
        let mut groups: Vec<(&str, Vec<usize>)> = Vec::new();
        for (index, item) in items.iter().enumerate() {
            if item.entitlement.kind == EntitlementKind::Group {
                let name = item.entitlement.name.as_str();
                match groups.iter_mut().find(|(group, _)| *group == name) {
                    Some((_, indexes)) => indexes.push(index),
                    None => groups.push((name, vec![index])),
                }
            } else {
                results[index] = Some(self.change(ChangeRequest {
                    principal: &item.principal,
                    entitlement: &item.entitlement,
                    direction,
                    expires_at: item.expires_at,
                }));
            }
        }
        for (group, indexes) in groups {
            let principals: Vec<&Principal> =
                indexes.iter().map(|i| &items[*i].principal).collect();
            let outcomes = self.change_group(group, &principals, direction);
            for (index, outcome) in indexes.into_iter().zip(outcomes) {
                results[index] = Some(outcome);
            }
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or(Ok(Outcome::NoChange)))
            .collect()
    }
}

impl Adapter for ScimTenant {
    fn verify_tenant(&mut self) -> Result<(), AdapterError> {
        self.verify()
    }

    fn verify_and_read(
        &mut self,
        entitlements: &[&Entitlement],
        now: OffsetDateTime,
    ) -> Result<Reading, AdapterError> {
        self.verify_finding_groups(entitlements)?;
        crate::adapters::read_verified(self, entitlements, now)
    }

    fn resolve(&mut self, account: &str) -> Result<Option<Principal>, AdapterError> {
        self.resolve_accounts(&[account]).pop().unwrap_or(Ok(None))
    }

    fn resolve_many(&mut self, accounts: &[&str]) -> Vec<Result<Option<Principal>, AdapterError>> {
        self.resolve_accounts(accounts)
    }

    fn list(&mut self, entitlement: &Entitlement) -> Result<Vec<Holder>, AdapterError> {
        self.holders(entitlement)
    }

    crate::adapters::grant_and_revoke_through!(change);

    fn grant_many(&mut self, items: &[BatchItem]) -> Vec<Result<Outcome, AdapterError>> {
        self.change_many(items, Direction::Grant)
    }

    fn revoke_many(&mut self, items: &[BatchItem]) -> Vec<Result<Outcome, AdapterError>> {
        self.change_many(items, Direction::Revoke)
    }
}
