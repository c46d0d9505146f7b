//! The Microsoft Graph adapter (Entra ID), over [`super::http`].
//!
//! Entitlements:
//! - `group:NAME`: membership of a group. NAME is mapped to an object id by the tenant's
//!   `groups:` table (Entra display names are not unique), or is an object id itself,
//!   else it is looked up by display name (`GET /groups?$filter=displayName eq '…'`).
//!   Members are added with `POST /groups/{id}/members/$ref` and removed with
//!   `DELETE /groups/{id}/members/{member}/$ref`: never the form without `$ref`, which
//!   deletes the member object itself.
//! - `role:NAME`: a directory role at tenant scope (`directoryScopeId: "/"`). NAME is a
//!   built-in role's display name (see [`BUILT_IN_ROLES`]: their ids are the same in
//!   every tenant) or a role definition id. Without PIM, roles are plain
//!   `roleAssignments`; with `pim: true` they are PIM role assignment schedule requests,
//!   and a grant with an end is sent as `adminAssign` with `afterDateTime`, so that the
//!   tenant ends it by itself even if `onboard expire` never runs.
//!
//! - With `pim_groups: true`, a `group:` grant with an end (just in time, an exception,
//!   or a standing grant ending with the client's contract) is a PIM for Groups
//!   member assignment (`/identityGovernance/privilegedAccess/group/
//!   assignmentScheduleRequests`, `adminAssign` with `afterDateTime`), so the tenant ends
//!   it by itself; listings read each member's end from the group's
//!   `assignmentScheduleInstances`, and a revoke of such a member is `adminRemove`.
//!   Grants with no end stay plain memberships.
//! - A `system: gdap` tenant is the MSP's partner tenant acting for one client: its
//!   `group:` entitlements are partner security groups, and [`Adapter::inspect`] /
//!   [`Adapter::apply_configuration`] read and fix the client's delegated admin relationship's
//!   access assignments (`/tenantRelationships/delegatedAdminRelationships/{id}/
//!   accessAssignments`; a delete carries `If-Match` with the assignment's etag).
//!
//! Credentials: an app registration's `client_secret`, issued with `addPassword` and
//! removed with `removePassword` (see the `secrets` module); onboard's app needs
//! `Application.ReadWrite.OwnedBy` (as an owner of the app) or `Application.ReadWrite.All`.
//!
//! Auth: OAuth 2.0 client credentials against the client's own tenant
//! (`{auth_endpoint}/{tenant_id}/oauth2/v2.0/token`, scope
//! `https://graph.microsoft.com/.default`), the client secret from the credential
//! reference. The token is kept in memory until a few minutes before it expires, and
//! every token's `tid` claim must be the client file's `tenant_id` before anything is
//! sent with it.
//!
//! Bulk membership changes ([`Adapter::grant_many`], [`Adapter::revoke_many`], which
//! `apply` uses for each batch of a tenant's changes) go through `POST /$batch`, at most
//! 20 requests per batch, each the same `members/$ref` request as a single change. Each
//! item's own status decides its outcome (an outer 200 says only that the batch was
//! read), with the same idempotency as one by one; items answered 429 are sent again in
//! a later batch after the longest `Retry-After` among them. Role changes, and a lone
//! membership change, are sent one by one.
//!
//! Listing a group reads member ids (`$select=id`), then turns them into
//! userPrincipalNames with `GET /users?$filter=id in (…)`, 15 ids at a time, cached per
//! run. Members that are not users (groups, devices, service principals) are not holders.
//!
//! What a listing read is kept for the run (the adapter goes from plan to apply): each
//! holder's account, a role's assignments and a PIM for Groups group's assignments and
//! members, kept up to date as onboard changes them, so that a change decides "already
//! held" without reading the principal's assignments again; accounts are resolved once
//! per run.

mod batch;
mod gdap;
mod groups;
mod pim_groups;
mod roles;
mod secrets;
mod token;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::http::{self, Call, HttpClient, Method, Response, TokenCache, Url};
use super::{
    Adapter, AdapterError, BatchItem, ConfigurationSubject, CredentialKind, CredentialRequest,
    Discovery, FailureKind, Inspection, IssuedCredential, Outcome, Principal,
};
use crate::adapters::Direction;
use crate::adapters::TenantContext;
use crate::model::{
    ConfigurationChange, Entitlement, EntitlementKind, Gdap, GraphSettings, Holder,
    is_global_administrator, is_guid,
};
use crate::secrets::Secret;
pub use roles::{BUILT_IN_ROLES, role_definition_id};

/// Graph's v1.0 endpoint, used when the tenant names none.
pub const DEFAULT_ENDPOINT: &str = "https://graph.microsoft.com/v1.0";
/// The Microsoft identity platform, used when the tenant names no `auth_endpoint`.
pub const DEFAULT_AUTH_ENDPOINT: &str = "https://login.microsoftonline.com";
/// Items per page of a directory collection (Graph allows 1 to 999).
const PAGE_SIZE: &str = "999";
/// Ids per `id in (…)` filter: Graph accepts at most 15 values in an `in` clause.
const ID_BATCH: usize = 15;
/// Upper bound of pages in any one read.
const MAX_PAGES: usize = 10_000;
/// [`PAGE_SIZE`] as a number, for the lower bound of pages.
const PAGE: usize = 999;

/// Reads a Graph error body (`{"error":{"code","message"}}`).
fn error_body(body: &[u8]) -> Option<String> {
    let (code, message) = error_code(body)?;
    Some(match message {
        Some(message) => format!("`{code}`: {message}"),
        None => format!("`{code}`"),
    })
}

/// Returns a Graph error's `code` and `message`; an OAuth error's `error` and
/// `error_description` as well.
fn error_code(body: &[u8]) -> Option<(String, Option<String>)> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let error = value.get("error")?;
    if let Some(code) = error.as_str() {
        let description = value
            .get("error_description")
            .and_then(Value::as_str)
            .map(|d| d.lines().next().unwrap_or_default().to_string());
        return Some((code.to_string(), description));
    }
    let code = error.get("code")?.as_str()?.to_string();
    let message = error
        .get("message")
        .and_then(Value::as_str)
        .map(str::to_string);
    Some((code, message))
}

/// Quotes a value for an OData filter.
fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    value: Vec<Value>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
}

/// A Microsoft Entra tenant reached through Microsoft Graph.
pub struct GraphTenant {
    name: String,
    http: HttpClient,
    login: HttpClient,
    tenant_id: String,
    client_id: String,
    secret: Secret,
    token: TokenCache,
    pim: bool,
    pim_groups: bool,
    gdap: Option<Gdap>,
    mapped_groups: BTreeMap<String, String>,
    groups: HashMap<String, Option<String>>,
    user_names: HashMap<String, String>,
    /// The active assignments of each role this run listed, by role definition id, kept
    /// up to date as onboard changes them: a change needs no read of its own.
    known_roles: HashMap<String, Vec<roles::Assignment>>,
    /// Accounts resolved this run, by userPrincipalName (listings' holders included).
    principals: super::accounts::ResolvedAccounts,
    /// Each group this run listed with PIM for Groups on, by object id: its PIM member
    /// assignments (principal id → end) and its members, kept up to date likewise.
    known_pim_groups: HashMap<String, pim_groups::KnownGroup>,
}

impl GraphTenant {
    /// Opens a Graph tenant: its `endpoint` (default Graph v1.0), `tenant_id`,
    /// `client_id` and the client secret its `credential` names. Nothing is sent until
    /// a verb is called.
    pub fn open(
        context: &TenantContext<'_>,
        settings: &GraphSettings,
    ) -> Result<Self, AdapterError> {
        let secret = context.credential(&settings.credential)?;
        let endpoint = settings.endpoint.as_deref().unwrap_or(DEFAULT_ENDPOINT);
        let http = context.http(endpoint, None, error_body)?;
        let auth_endpoint = settings.auth_endpoint.as_deref();
        let login = context.http(
            auth_endpoint.unwrap_or(DEFAULT_AUTH_ENDPOINT),
            None,
            error_body,
        )?;
        Ok(GraphTenant {
            name: context.name.clone(),
            http,
            login,
            tenant_id: settings.tenant_id.clone(),
            client_id: settings.client_id.clone(),
            secret,
            token: TokenCache::default(),
            pim: settings.pim,
            pim_groups: settings.pim_groups,
            gdap: settings.gdap.clone(),
            mapped_groups: settings.groups.clone(),
            groups: HashMap::new(),
            user_names: HashMap::new(),
            known_roles: HashMap::new(),
            principals: Default::default(),
            known_pim_groups: HashMap::new(),
        })
    }

    fn error(&self, operation: &str, kind: FailureKind, detail: impl Into<String>) -> AdapterError {
        AdapterError::new(&self.name, operation, kind, detail)
    }

    /// Returns the app registration a credential request names, or an error when the
    /// request is not for a client secret or names none.
    fn credential_application<'r>(
        &self,
        request: &CredentialRequest<'r>,
        verb: &str,
    ) -> Result<&'r str, AdapterError> {
        let operation = request.operation(verb);
        if request.kind != CredentialKind::ClientSecret {
            return Err(self
                .error(
                    &operation,
                    FailureKind::Unsupported,
                    format!(
                        "Entra tenants hold only `client_secret` credentials (of app registrations), not `{}`",
                        request.kind.as_str()
                    ),
                )
                .with_hint("declare `kind: client_secret` with `application:` for `entra` systems, `password` for `ldap` and `ad`"));
        }
        request.application.ok_or_else(|| {
            self.error(
                &operation,
                FailureKind::Malformed,
                "a `client_secret` names no app registration",
            )
            .with_hint("add `application: APP-ID` (the appId or object id) to the credential")
        })
    }

    /// Returns the error for an entitlement kind Entra tenants do not have.
    fn unsupported(&self, operation: &str, kind: EntitlementKind) -> AdapterError {
        super::unsupported_entitlement(
            &self.name,
            operation,
            "Entra",
            kind,
            &[EntitlementKind::Group, EntitlementKind::Role],
        )
    }

    /// Sends a request with a current token; a 401 gets one new token and one retry.
    fn send(&mut self, operation: &str, call: &Call) -> Result<Response, AdapterError> {
        self.ensure_token(operation)?;
        let response = self.http.send(operation, call)?;
        if response.status.as_u16() != 401 {
            return Ok(response);
        }
        self.token.clear();
        self.ensure_token(operation)?;
        self.http.send(operation, call)
    }

    fn send_ok(&mut self, operation: &str, call: &Call) -> Result<Response, AdapterError> {
        let response = self.send(operation, call)?;
        self.http.require_success(operation, response)
    }

    /// Reads every item of a collection, following `@odata.nextLink` whole.
    fn collect(&mut self, operation: &str, first: Url) -> Result<Vec<Value>, AdapterError> {
        self.ensure_token(operation)?;
        let this = &*self;
        http::collect_linked(&this.http, operation, first, MAX_PAGES, |url| {
            let response = this.http.send(operation, &Call::get(url.clone()))?;
            if !response.is_success() {
                return Err(this.http.status_error(operation, &response));
            }
            let page: Page = this.http.json(operation, &response)?;
            Ok((page.value, page.next_link))
        })
    }

    /// Reads an item's `endDateTime` (`None` when it has none); `what` names the item in
    /// the error (`the assignment`).
    fn end_date_time(
        &self,
        item: &Value,
        what: &str,
        operation: &str,
    ) -> Result<Option<OffsetDateTime>, AdapterError> {
        let Some(text) = item.get("endDateTime").and_then(Value::as_str) else {
            return Ok(None);
        };
        OffsetDateTime::parse(text, &Rfc3339)
            .map(Some)
            .map_err(|e| {
                self.error(
                    operation,
                    FailureKind::Malformed,
                    format!("{what}'s `endDateTime` `{text}` is not a date: {e}"),
                )
            })
    }

    /// Sends a PIM schedule request (roles or PIM for Groups) to the collection at
    /// `segments`: `target` names who gets what; the action, a justification and, except
    /// for `adminRemove`, the schedule's end (`afterDateTime`, or `noExpiration`) are
    /// added here.
    fn pim_request(
        &mut self,
        operation: &str,
        segments: &[&str],
        mut body: Value,
        action: &str,
        expires_at: Option<OffsetDateTime>,
    ) -> Result<Response, AdapterError> {
        body["action"] = json!(action);
        body["justification"] = json!("onboard");
        if action != "adminRemove" {
            let expiration = match expires_at {
                Some(end) => json!({
                    "type": "afterDateTime",
                    "endDateTime": end.format(&Rfc3339).map_err(|e| self.error(operation, FailureKind::Malformed, e.to_string()))?,
                }),
                None => json!({ "type": "noExpiration" }),
            };
            body["scheduleInfo"] = json!({ "expiration": expiration });
        }
        let call = Call::new(Method::POST, self.url(segments, &[])).json(&body, "application/json");
        self.http.needed(1);
        self.send(operation, &call)
    }

    fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = self.http.url(segments);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    /// The URL that reads a user by userPrincipalName (or id): its id and UPN only.
    fn user_url(&self, account: &str) -> Url {
        self.url(&["users", account], &[("$select", "id,userPrincipalName")])
    }

    /// Reads a user from the answer to [`GraphTenant::user_url`]: `None` on 404.
    fn principal_from(
        &mut self,
        operation: &str,
        response: &Response,
    ) -> Result<Option<Principal>, AdapterError> {
        if response.status.as_u16() == 404 {
            return Ok(None);
        }
        if !response.is_success() {
            return Err(self.http.status_error(operation, response));
        }
        let user: Value = self.http.json(operation, response)?;
        let (Some(id), Some(upn)) = (
            user.get("id").and_then(Value::as_str),
            user.get("userPrincipalName").and_then(Value::as_str),
        ) else {
            return Err(self.error(
                operation,
                FailureKind::Malformed,
                "the user has no `id` or `userPrincipalName`",
            ));
        };
        self.learn(id, upn);
        Ok(Some(Principal {
            id: id.to_string(),
            account: upn.to_string(),
        }))
    }

    /// Remembers a user read from the tenant for the run: its userPrincipalName for its
    /// id, and the account it resolves.
    fn learn(&mut self, id: &str, upn: &str) {
        self.user_names.insert(id.to_string(), upn.to_string());
        self.principals.learn(id, upn);
    }

    /// Resolves the accounts not resolved this run in `$batch`es of 20 `GET
    /// /users/{upn}` (one `GET` for a lone account), and answers every account from the
    /// run's cache; a failed lookup is not kept.
    fn resolve_accounts(
        &mut self,
        accounts: &[&str],
    ) -> Vec<Result<Option<Principal>, AdapterError>> {
        let unknown = self.principals.unknown(accounts);
        let answers: Vec<Result<Option<Principal>, AdapterError>> = match unknown.as_slice() {
            [] => Vec::new(),
            [account] => {
                let operation = format!("resolve `{account}`");
                let url = self.user_url(account);
                self.http.needed(1);
                vec![
                    self.send(&operation, &Call::get(url))
                        .and_then(|response| self.principal_from(&operation, &response)),
                ]
            }
            several => {
                let base = self.http.base().as_str().trim_end_matches('/').to_string();
                let requests: Vec<batch::BatchRequest> = several
                    .iter()
                    .map(|account| batch::BatchRequest {
                        method: "GET",
                        url: self
                            .user_url(account)
                            .as_str()
                            .strip_prefix(&base)
                            .unwrap_or_default()
                            .to_string(),
                        body: None,
                    })
                    .collect();
                let answers = self.batch(&format!("resolve {} accounts", several.len()), &requests);
                several
                    .iter()
                    .zip(answers)
                    .map(|(account, answer)| {
                        let operation = format!("resolve `{account}`");
                        answer.and_then(|response| self.principal_from(&operation, &response))
                    })
                    .collect()
            }
        };
        let mut failed = HashMap::new();
        for (account, answer) in unknown.into_iter().zip(answers) {
            match answer {
                Ok(found) => self.principals.insert(account, found),
                Err(error) => {
                    failed.insert(account, error);
                }
            }
        }
        self.principals.results(accounts, &failed)
    }

    /// Returns the userPrincipalNames of these object ids (ids that are not users are
    /// left out), asking only about ids not seen before.
    fn user_names(&mut self, ids: &[String], operation: &str) -> Result<Vec<String>, AdapterError> {
        let unknown: Vec<String> = ids
            .iter()
            .filter(|id| !self.user_names.contains_key(*id))
            .cloned()
            .collect();
        self.http.needed(unknown.len().div_ceil(ID_BATCH));
        for batch in unknown.chunks(ID_BATCH) {
            let list = batch
                .iter()
                .map(|id| quote(id))
                .collect::<Vec<_>>()
                .join(",");
            let url = self.url(
                &["users"],
                &[
                    ("$filter", &format!("id in ({list})")),
                    ("$select", "id,userPrincipalName"),
                ],
            );
            for user in self.collect(operation, url)? {
                if let (Some(id), Some(upn)) = (
                    user.get("id").and_then(Value::as_str),
                    user.get("userPrincipalName").and_then(Value::as_str),
                ) {
                    self.learn(id, upn);
                }
            }
        }
        Ok(ids
            .iter()
            .filter_map(|id| self.user_names.get(id).cloned())
            .collect())
    }
}
impl Adapter for GraphTenant {
    fn enforces_expiry(&self, entitlement: &Entitlement) -> bool {
        match entitlement.kind {
            EntitlementKind::Role => self.pim,
            EntitlementKind::Group => self.pim_groups,
            _ => false,
        }
    }

    fn verify_tenant(&mut self) -> Result<(), AdapterError> {
        self.ensure_token("verify tenant")
    }

    fn resolve(&mut self, account: &str) -> Result<Option<Principal>, AdapterError> {
        self.resolve_accounts(&[account]).pop().unwrap_or(Ok(None))
    }

    /// Resolves several accounts in `$batch`es of 20 `GET /users/{upn}`: one request
    /// per 20 accounts rather than one each, each account once per run.
    fn resolve_many(&mut self, accounts: &[&str]) -> Vec<Result<Option<Principal>, AdapterError>> {
        self.resolve_accounts(accounts)
    }

    fn list(&mut self, entitlement: &Entitlement) -> Result<Vec<Holder>, AdapterError> {
        let operation = format!("list `{entitlement}`");
        match entitlement.kind {
            EntitlementKind::Group => {
                let Some(group_id) = self.group_id(&entitlement.name, &operation)? else {
                    return Ok(Vec::new());
                };
                let members = self.member_ids(&group_id, &operation)?;
                self.http
                    .needed_pages(members.as_ref().map_or(0, Vec::len), PAGE);
                let Some(ids) = members else {
                    if self.mapped_groups.contains_key(&entitlement.name)
                        || is_guid(&entitlement.name)
                    {
                        return Err(self
                            .error(
                                &operation,
                                FailureKind::NotFound,
                                format!("the group `{group_id}` does not exist in the tenant"),
                            )
                            .with_hint("check the group's object id in the tenant's `groups:`"));
                    }
                    return Ok(Vec::new());
                };
                let ends: HashMap<String, Option<OffsetDateTime>> = if self.pim_groups {
                    let ends: HashMap<_, _> = self
                        .group_instances(&group_id, None, &operation)?
                        .into_iter()
                        .collect();
                    self.http.needed_pages(ends.len(), PAGE);
                    self.known_pim_groups.insert(
                        group_id.clone(),
                        pim_groups::KnownGroup {
                            ends: ends.clone(),
                            members: ids.iter().cloned().collect(),
                        },
                    );
                    ends
                } else {
                    HashMap::new()
                };
                self.user_names(&ids, &operation)?;
                Ok(ids
                    .iter()
                    .filter_map(|id| {
                        Some(Holder::active(
                            self.user_names.get(id)?.clone(),
                            ends.get(id).copied().flatten(),
                        ))
                    })
                    .collect())
            }
            EntitlementKind::Role => {
                let role_id = self.role_id(&entitlement.name, &operation)?;
                let assignments = self.assignments(&role_id, None, &operation)?;
                self.http.needed_pages(assignments.len(), PAGE);
                let ids: Vec<String> = assignments.iter().map(|a| a.principal_id.clone()).collect();
                self.user_names(&ids, &operation)?;
                let holders = assignments
                    .iter()
                    .filter_map(|a| {
                        Some(Holder::active(
                            self.user_names.get(&a.principal_id)?.clone(),
                            a.ends_at,
                        ))
                    })
                    .collect();
                self.known_roles.insert(role_id, assignments);
                Ok(holders)
            }
            other => Err(self.unsupported(&operation, other)),
        }
    }

    fn grant(
        &mut self,
        principal: &Principal,
        entitlement: &Entitlement,
        expires_at: Option<OffsetDateTime>,
    ) -> Result<Outcome, AdapterError> {
        match entitlement.kind {
            EntitlementKind::Group => match expires_at {
                Some(end) if self.pim_groups => {
                    self.grant_group_pim(principal, &entitlement.name, end)
                }
                _ => self.change_group(principal, &entitlement.name, Direction::Grant),
            },
            EntitlementKind::Role => self.grant_role(principal, &entitlement.name, expires_at),
            other => Err(self.unsupported("grant", other)),
        }
    }

    /// Maps the group names of `entitlements` to object ids (`groups:`) and, for a
    /// `gdap` tenant, reads the relationship's access assignments of those groups
    /// (`gdap.access:`, roles by display name where they are built-in ones).
    fn discover(&mut self, entitlements: &[Entitlement]) -> Result<Discovery, AdapterError> {
        let operation = "look up the tenant's groups";
        let mut discovery = Discovery::default();
        for entitlement in entitlements
            .iter()
            .filter(|e| e.kind == EntitlementKind::Group)
        {
            let name = &entitlement.name;
            if is_guid(name) || self.mapped_groups.contains_key(name) {
                continue;
            }
            match self.group_id(name, operation)? {
                Some(id) => {
                    discovery.groups.insert(name.clone(), id);
                }
                None => discovery
                    .notes
                    .push(format!("the group `{name}` does not exist in the tenant")),
            }
        }
        if self.gdap.is_some() {
            self.discover_access(&mut discovery)?;
        }
        Ok(discovery)
    }

    fn inspect(&mut self, now: OffsetDateTime) -> Result<Inspection, AdapterError> {
        let (notes, configuration) = self.access_changes(now, "review the GDAP relationship")?;
        Ok(Inspection {
            notes,
            configuration,
        })
    }

    fn configuration_subject(&self) -> ConfigurationSubject {
        ConfigurationSubject {
            subject: "gdap:access-assignments",
            description: "the GDAP relationship's access assignments, as the client file declares them",
        }
    }

    fn apply_configuration(
        &mut self,
        planned: &[ConfigurationChange],
        done: &mut Vec<String>,
    ) -> Result<(), AdapterError> {
        let operation = "reconcile the GDAP access assignments";
        for change in planned {
            match change {
                ConfigurationChange::GdapCreateAccess {
                    group_id, roles, ..
                } => self.create_access(operation, group_id, roles)?,
                ConfigurationChange::GdapReplaceAccess {
                    group_id,
                    roles,
                    assignment,
                    etag,
                    ..
                } => {
                    self.delete_access(operation, assignment, etag.clone())?;
                    self.create_access(operation, group_id, roles)?;
                }
                other => {
                    return Err(crate::adapters::foreign_change(
                        &self.name, operation, other,
                    ));
                }
            }
            done.push(change.done());
        }
        Ok(())
    }

    fn grant_many(&mut self, items: &[BatchItem]) -> Vec<Result<Outcome, AdapterError>> {
        self.change_many(items, Direction::Grant)
    }

    fn revoke_many(&mut self, items: &[BatchItem]) -> Vec<Result<Outcome, AdapterError>> {
        self.change_many(items, Direction::Revoke)
    }

    /// Adds a client secret to the request's app registration (`addPassword`), named by
    /// the request's label and ending at its `expires_at`. The tenant makes the secret:
    /// `password` is ignored.
    fn issue_credential(
        &mut self,
        request: &CredentialRequest,
        password: Option<&Secret>,
    ) -> Result<IssuedCredential, AdapterError> {
        let _ = password;
        let application = self.credential_application(request, "issue")?;
        let issued = self.add_password(
            application,
            request.label,
            request.expires_at,
            &request.operation("issue"),
        )?;
        Ok(IssuedCredential {
            key_id: issued.key_id,
            secret: issued.secret,
            expires_at: issued.expires_at,
        })
    }

    /// Removes a client secret from the request's app registration (`removePassword`);
    /// a key it no longer has is no change.
    fn remove_credential(
        &mut self,
        request: &CredentialRequest,
        key_id: &str,
    ) -> Result<Outcome, AdapterError> {
        let application = self.credential_application(request, "remove")?;
        self.remove_password(application, key_id, &request.operation("remove"))
    }

    /// Lists the key ids of every client secret of the request's app registration.
    fn list_credentials(
        &mut self,
        request: &CredentialRequest,
    ) -> Result<Option<Vec<String>>, AdapterError> {
        let application = self.credential_application(request, "list")?;
        let app = self.application(application, &request.operation("list"))?;
        Ok(Some(app.key_ids))
    }

    fn revoke(
        &mut self,
        principal: &Principal,
        entitlement: &Entitlement,
    ) -> Result<Outcome, AdapterError> {
        match entitlement.kind {
            EntitlementKind::Group if self.pim_groups => {
                self.revoke_group_pim(principal, &entitlement.name)
            }
            EntitlementKind::Group => {
                self.change_group(principal, &entitlement.name, Direction::Revoke)
            }
            EntitlementKind::Role => self.revoke_role(principal, &entitlement.name),
            other => Err(self.unsupported("revoke", other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_and_oauth_error_bodies_become_messages() {
        let body = br#"{"error":{"code":"Request_ResourceNotFound","message":"Resource 'x' does not exist.","innerError":{"date":"d"}}}"#;
        assert_eq!(
            error_body(body).unwrap(),
            "`Request_ResourceNotFound`: Resource 'x' does not exist."
        );
        let body = br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 1"}"#;
        assert_eq!(
            error_body(body).unwrap(),
            "`invalid_client`: AADSTS7000215: Invalid client secret provided."
        );
        assert_eq!(error_body(b"<html/>"), None);
    }

    #[test]
    fn filter_values_are_quoted() {
        assert_eq!(quote("O'Brien"), "'O''Brien'");
    }
}
