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
//! - With `pim_groups: true`, a `group:` grant with an end (a `ttl`) is a PIM for Groups
//!   member assignment (`/identityGovernance/privilegedAccess/group/
//!   assignmentScheduleRequests`, `adminAssign` with `afterDateTime`), so the tenant ends
//!   it by itself; listings read each member's end from the group's
//!   `assignmentScheduleInstances`, and a revoke of such a member is `adminRemove`.
//!   Standing grants stay plain memberships.
//! - A `system: gdap` tenant is the MSP's partner tenant acting for one client: its
//!   `group:` entitlements are partner security groups, and [`Adapter::review`] /
//!   [`Adapter::reconcile`] read and fix the client's delegated admin relationship's
//!   access assignments (`/tenantRelationships/delegatedAdminRelationships/{id}/
//!   accessAssignments`; a delete carries `If-Match` with the assignment's etag).
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

mod batch;
mod gdap;
mod pim_groups;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::http::{self, Auth, Call, HttpClient, Method, Policy, Response, Url};
use super::{
    Adapter, AdapterError, BatchItem, Capabilities, ConfigurationSubject, FailureKind, Options,
    Outcome, Principal, Review,
};
use crate::model::{
    Client, Entitlement, EntitlementKind, Gdap, Holder, Tenant, is_global_administrator, is_guid,
};
use crate::secrets::Secret;

/// Graph's v1.0 endpoint, used when the tenant names none.
pub const DEFAULT_ENDPOINT: &str = "https://graph.microsoft.com/v1.0";
/// The Microsoft identity platform, used when the tenant names no `auth_endpoint`.
pub const DEFAULT_AUTH_ENDPOINT: &str = "https://login.microsoftonline.com";
/// The scope of an app-only Graph token.
const SCOPE: &str = "https://graph.microsoft.com/.default";
/// A token is renewed this long before it expires.
const TOKEN_MARGIN: Duration = Duration::from_secs(300);
/// Items per page of a directory collection (Graph allows 1 to 999).
const PAGE_SIZE: &str = "999";
/// Ids per `id in (…)` filter: Graph accepts at most 15 values in an `in` clause.
const ID_BATCH: usize = 15;
/// Upper bound of pages in any one read.
const MAX_PAGES: usize = 10_000;
/// Requests per `$batch` (Graph's limit).
const BATCH_SIZE: usize = 20;
/// A relationship ending within this many days is warned about.
const GDAP_WARN_DAYS: i64 = 30;
/// Rounds of a `$batch` for items answered 429 (the first round included).
const BATCH_ATTEMPTS: u32 = 5;
/// The wait before resending an item answered 429 without `Retry-After`.
const BATCH_DEFAULT_WAIT: Duration = Duration::from_secs(2);

/// Built-in Entra directory roles by display name, with their role definition ids,
/// which are the roles' template ids and the same in every tenant.
pub const BUILT_IN_ROLES: &[(&str, &str)] = &[
    (
        "Application Administrator",
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
    ),
    (
        "Authentication Administrator",
        "c4e39bd9-1100-46d3-8c65-fb160da0071f",
    ),
    (
        "Billing Administrator",
        "b0f54661-2d74-4c50-afa3-1ec803f12efe",
    ),
    (
        "Cloud Application Administrator",
        "158c047a-c907-4556-b7ef-446551a6b5f7",
    ),
    (
        "Cloud Device Administrator",
        "7698a772-787b-4ac8-901f-60d6b08affd2",
    ),
    (
        "Compliance Administrator",
        "17315797-102d-40b4-93e0-432062caca18",
    ),
    (
        "Conditional Access Administrator",
        "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",
    ),
    ("Directory Readers", "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"),
    (
        "Exchange Administrator",
        "29232cdf-9323-42fd-ade2-1d097af3e4de",
    ),
    (
        "Global Administrator",
        "62e90394-69f5-4237-9190-012177145e10",
    ),
    ("Global Reader", "f2ef992c-3afb-46b9-b7cf-a126ee74c451"),
    (
        "Groups Administrator",
        "fdd7a751-b60b-444a-984c-02652fe8fa1c",
    ),
    (
        "Helpdesk Administrator",
        "729827e3-9c14-49f7-bb1b-9608f156bbb8",
    ),
    (
        "Intune Administrator",
        "3a2c62db-5318-420d-8d74-23affee5d9d5",
    ),
    (
        "License Administrator",
        "4d6ac14f-3453-41d0-bef9-a3e0c569773a",
    ),
    (
        "Password Administrator",
        "966707d0-3269-4727-9be2-8c3a10f19b9d",
    ),
    (
        "Privileged Authentication Administrator",
        "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
    ),
    (
        "Privileged Role Administrator",
        "e8611ab8-c189-46e8-94e1-60213ab1f814",
    ),
    ("Reports Reader", "4a5d8f65-41da-4de4-8968-e035b65339cf"),
    (
        "Security Administrator",
        "194ae4cb-b126-40b2-bd5b-6091b380977d",
    ),
    ("Security Operator", "5f2222b1-57c3-48ba-8ad5-d4759f1fde6f"),
    ("Security Reader", "5d6b6bb7-de71-4623-b4af-96380a352509"),
    (
        "Service Support Administrator",
        "f023fd81-a637-4b56-95fd-791ac0226033",
    ),
    (
        "SharePoint Administrator",
        "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
    ),
    (
        "Teams Administrator",
        "69091246-20e8-4a56-aa4d-066075b2a7a8",
    ),
    ("User Administrator", "fe930be7-5e62-47db-91af-98c3a49a38b1"),
];

/// Returns the role definition id of a `role:` name: a built-in role's display name
/// (case-insensitive) or an id.
pub fn role_definition_id(name: &str) -> Option<String> {
    if is_guid(name) {
        return Some(name.to_ascii_lowercase());
    }
    BUILT_IN_ROLES
        .iter()
        .find(|(role, _)| role.eq_ignore_ascii_case(name))
        .map(|(_, id)| (*id).to_string())
}

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

/// Decodes base64url without padding (JWT segments).
fn base64url(text: &str) -> Option<Vec<u8>> {
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for byte in text.trim_end_matches('=').bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    Some(out)
}

/// Returns the `tid` claim of a JWT access token. The signature is not checked: the
/// token came over TLS from the tenant's token endpoint, and the claim is compared only
/// to refuse a credential that belongs to another tenant.
fn token_tenant(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let claims: Value = serde_json::from_slice(&base64url(payload)?).ok()?;
    claims.get("tid")?.as_str().map(str::to_string)
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    value: Vec<Value>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
}

/// An active role assignment as read back.
struct Assignment {
    id: Option<String>,
    principal_id: String,
    ends_at: Option<OffsetDateTime>,
}

/// A delegated admin relationship as read back.
struct Relationship {
    status: String,
    ends_at: Option<OffsetDateTime>,
    auto_extend: String,
    roles: Vec<String>,
}

/// A relationship's access assignment as read back.
struct AccessAssignment {
    id: String,
    etag: Option<String>,
    group_id: String,
    status: String,
    roles: Vec<String>,
}

/// A change to a relationship's access assignments that `apply` makes.
enum AccessChange {
    /// Create the assignment of these role ids to a partner group.
    Create {
        group: String,
        group_id: String,
        roles: Vec<String>,
    },
    /// Delete an assignment (its id and etag) whose roles differ, then create it again.
    Replace {
        group: String,
        group_id: String,
        roles: Vec<String>,
        old_id: String,
        etag: Option<String>,
    },
}

/// Returns the role definition ids of a `unifiedRoles` array, lowercase and sorted.
fn unified_roles(details: Option<&Value>) -> Vec<String> {
    let mut roles: Vec<String> = details
        .and_then(|d| d.get("unifiedRoles"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("roleDefinitionId").and_then(Value::as_str))
        .map(str::to_ascii_lowercase)
        .collect();
    roles.sort();
    roles.dedup();
    roles
}

/// One request inside a `$batch`: a URL relative to the version root.
struct BatchRequest {
    method: &'static str,
    url: String,
    body: Option<Value>,
}

/// Turns a `$batch` item's `headers` object into a header map.
fn item_headers(value: Option<&Value>) -> reqwest::header::HeaderMap {
    let mut headers = reqwest::header::HeaderMap::new();
    for (name, value) in value.and_then(Value::as_object).into_iter().flatten() {
        let text = match value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        if let (Ok(name), Ok(value)) = (
            reqwest::header::HeaderName::from_bytes(name.as_bytes()),
            reqwest::header::HeaderValue::from_str(&text),
        ) {
            headers.insert(name, value);
        }
    }
    headers
}

/// A Microsoft Entra tenant reached through Microsoft Graph.
pub struct GraphTenant {
    name: String,
    http: HttpClient,
    login: HttpClient,
    tenant_id: String,
    client_id: String,
    secret: Secret,
    token_valid_until: Option<Instant>,
    pim: bool,
    pim_groups: bool,
    gdap: Option<Gdap>,
    mapped_groups: BTreeMap<String, String>,
    groups: HashMap<String, Option<String>>,
    user_names: HashMap<String, String>,
}

impl GraphTenant {
    /// Opens a Graph tenant: its `endpoint` (default Graph v1.0), `tenant_id`,
    /// `client_id` and the client secret its `credential` names. Nothing is sent until
    /// a verb is called.
    pub fn open(
        client: &Client,
        tenant: &Tenant,
        root: &Path,
        options: &Options,
    ) -> Result<Self, AdapterError> {
        let name = format!("{}/{}", client.id, tenant.name);
        let missing = |field: &str, hint: &str| {
            AdapterError::new(
                &name,
                "connect",
                FailureKind::Rejected,
                format!("a `graph` tenant needs `{field}`"),
            )
            .with_hint(hint.to_string())
        };
        let tenant_id = tenant
            .tenant_id
            .clone()
            .ok_or_else(|| missing("tenant_id", "add `tenant_id: GUID`, the directory id"))?;
        let client_id = tenant.client_id.clone().ok_or_else(|| {
            missing(
                "client_id",
                "add `client_id: GUID`, the application id of onboard's app registration",
            )
        })?;
        let secret = super::credential(&name, tenant, root)?;
        let policy = Policy::from_env()
            .map_err(|e| AdapterError::new(&name, "connect", FailureKind::Rejected, e))?;
        let endpoint = tenant.endpoint.as_deref().unwrap_or(DEFAULT_ENDPOINT);
        let http = HttpClient::new(
            &name,
            endpoint,
            None,
            options.http_log.clone(),
            error_body,
            policy,
        )?;
        let login = HttpClient::new(
            &name,
            tenant
                .auth_endpoint
                .as_deref()
                .unwrap_or(DEFAULT_AUTH_ENDPOINT),
            None,
            options.http_log.clone(),
            error_body,
            policy,
        )?;
        Ok(GraphTenant {
            name,
            http,
            login,
            tenant_id,
            client_id,
            secret,
            token_valid_until: None,
            pim: tenant.pim,
            pim_groups: tenant.pim_groups,
            gdap: tenant.gdap.clone(),
            mapped_groups: tenant.groups.clone(),
            groups: HashMap::new(),
            user_names: HashMap::new(),
        })
    }

    fn error(&self, operation: &str, kind: FailureKind, detail: impl Into<String>) -> AdapterError {
        AdapterError::new(&self.name, operation, kind, detail)
    }

    /// Gets a token for the client's tenant unless the one held is still good, and
    /// checks that it was issued for the tenant the client file names.
    fn ensure_token(&mut self, operation: &str) -> Result<(), AdapterError> {
        if self
            .token_valid_until
            .is_some_and(|until| Instant::now() < until)
        {
            return Ok(());
        }
        let url = self
            .login
            .url(&[self.tenant_id.as_str(), "oauth2", "v2.0", "token"]);
        let call = Call::new(Method::POST, url).form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &self.client_id),
            ("client_secret", self.secret.expose()),
            ("scope", SCOPE),
        ]);
        let response = self.login.send(operation, &call)?;
        if !response.is_success() {
            let error = self.login.status_error(operation, &response);
            let error = AdapterError {
                detail: format!("getting a token: {}", error.detail),
                kind: FailureKind::Denied,
                ..error
            };
            return Err(error.with_hint(
                "check the tenant's `client_id`, `tenant_id` and the client secret its `credential` names, and that the app is consented in the client's tenant",
            ));
        }
        let token: TokenResponse = self.login.json(operation, &response)?;
        let issued_for = token_tenant(&token.access_token);
        if !issued_for
            .as_deref()
            .is_some_and(|tid| tid.eq_ignore_ascii_case(&self.tenant_id))
        {
            return Err(self
                .error(
                    operation,
                    FailureKind::WrongTenant,
                    format!(
                        "the token was issued for tenant `{}`, not `{}` from the client file",
                        issued_for.as_deref().unwrap_or("(no `tid` claim)"),
                        self.tenant_id
                    ),
                )
                .with_hint(
                    "check the tenant's `tenant_id` and `credential`: the credential may belong to another client",
                ));
        }
        let lifetime = Duration::from_secs(token.expires_in.unwrap_or(3600));
        self.token_valid_until = Some(Instant::now() + lifetime.saturating_sub(TOKEN_MARGIN));
        self.http
            .set_auth(Some(Auth::Bearer(Secret::new(token.access_token))));
        Ok(())
    }

    /// Sends a request with a current token; a 401 gets one new token and one retry.
    fn send(&mut self, operation: &str, call: &Call) -> Result<Response, AdapterError> {
        self.ensure_token(operation)?;
        let response = self.http.send(operation, call)?;
        if response.status.as_u16() != 401 {
            return Ok(response);
        }
        self.token_valid_until = None;
        self.ensure_token(operation)?;
        self.http.send(operation, call)
    }

    fn send_ok(&mut self, operation: &str, call: &Call) -> Result<Response, AdapterError> {
        let response = self.send(operation, call)?;
        if response.is_success() {
            Ok(response)
        } else {
            Err(self.http.status_error(operation, &response))
        }
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

    fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = self.http.url(segments);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    /// Returns a group's object id: mapped, an id itself, or looked up by display name;
    /// `None` when no group has that name.
    fn group_id(&mut self, name: &str, operation: &str) -> Result<Option<String>, AdapterError> {
        if let Some(id) = self.mapped_groups.get(name) {
            return Ok(Some(id.clone()));
        }
        if is_guid(name) {
            return Ok(Some(name.to_string()));
        }
        if let Some(id) = self.groups.get(name) {
            return Ok(id.clone());
        }
        let url = self.url(
            &["groups"],
            &[
                ("$filter", &format!("displayName eq {}", quote(name))),
                ("$select", "id,displayName"),
            ],
        );
        let found = self.collect(operation, url)?;
        let ids: Vec<String> = found
            .iter()
            .filter(|g| g.get("displayName").and_then(Value::as_str) == Some(name))
            .filter_map(|g| g.get("id").and_then(Value::as_str).map(str::to_string))
            .collect();
        let id = match ids.as_slice() {
            [] => None,
            [one] => Some(one.clone()),
            _ => {
                return Err(self
                    .error(
                        operation,
                        FailureKind::Malformed,
                        format!("{} groups are named `{name}`: onboard cannot tell which is meant", ids.len()),
                    )
                    .with_hint(format!(
                        "map the name to the right object id in the tenant's `groups:` (`{name}: OBJECT-ID`)"
                    )));
            }
        };
        self.groups.insert(name.to_string(), id.clone());
        Ok(id)
    }

    /// Returns the member ids of a group, or `None` when the group does not exist.
    fn member_ids(
        &mut self,
        group_id: &str,
        operation: &str,
    ) -> Result<Option<Vec<String>>, AdapterError> {
        let url = self.url(
            &["groups", group_id, "members"],
            &[("$select", "id"), ("$top", PAGE_SIZE)],
        );
        match self.collect(operation, url) {
            Ok(members) => Ok(Some(
                members
                    .iter()
                    .filter_map(|m| m.get("id").and_then(Value::as_str).map(str::to_string))
                    .collect(),
            )),
            Err(error) if error.kind == FailureKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Returns the userPrincipalNames of these object ids (ids that are not users are
    /// left out), asking only about ids not seen before.
    fn user_names(&mut self, ids: &[String], operation: &str) -> Result<Vec<String>, AdapterError> {
        let unknown: Vec<String> = ids
            .iter()
            .filter(|id| !self.user_names.contains_key(*id))
            .cloned()
            .collect();
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
                    self.user_names.insert(id.to_string(), upn.to_string());
                }
            }
        }
        Ok(ids
            .iter()
            .filter_map(|id| self.user_names.get(id).cloned())
            .collect())
    }

    fn role_id(&self, name: &str, operation: &str) -> Result<String, AdapterError> {
        role_definition_id(name).ok_or_else(|| {
            self.error(
                operation,
                FailureKind::Unsupported,
                format!("`{name}` is not a built-in Entra role onboard knows"),
            )
            .with_hint("write the role definition id instead (`role:GUID`), as the Entra admin center shows it under Roles and administrators")
        })
    }

    /// Reads the active assignments of a role at tenant scope, optionally of one
    /// principal: PIM schedule instances (with their ends) or plain role assignments.
    fn assignments(
        &mut self,
        role_id: &str,
        principal_id: Option<&str>,
        operation: &str,
    ) -> Result<Vec<Assignment>, AdapterError> {
        let mut filter = format!("roleDefinitionId eq {}", quote(role_id));
        if let Some(principal) = principal_id {
            filter.push_str(&format!(" and principalId eq {}", quote(principal)));
        }
        let collection = if self.pim {
            "roleAssignmentScheduleInstances"
        } else {
            "roleAssignments"
        };
        let url = self.url(
            &["roleManagement", "directory", collection],
            &[("$filter", &filter)],
        );
        let items = self.collect(operation, url)?;
        let mut assignments = Vec::new();
        for item in items {
            let scope = item
                .get("directoryScopeId")
                .and_then(Value::as_str)
                .unwrap_or("/");
            let same_role = item
                .get("roleDefinitionId")
                .and_then(Value::as_str)
                .is_none_or(|r| r.eq_ignore_ascii_case(role_id));
            let Some(principal) = item.get("principalId").and_then(Value::as_str) else {
                continue;
            };
            if scope != "/" || !same_role {
                continue;
            }
            let ends_at = match item.get("endDateTime").and_then(Value::as_str) {
                None => None,
                Some(text) => Some(OffsetDateTime::parse(text, &Rfc3339).map_err(|e| {
                    self.error(
                        operation,
                        FailureKind::Malformed,
                        format!("the assignment's `endDateTime` `{text}` is not a date: {e}"),
                    )
                })?),
            };
            assignments.push(Assignment {
                id: item.get("id").and_then(Value::as_str).map(str::to_string),
                principal_id: principal.to_string(),
                ends_at,
            });
        }
        Ok(assignments)
    }

    /// Sends a PIM role assignment schedule request.
    fn schedule_request(
        &mut self,
        operation: &str,
        action: &str,
        principal: &Principal,
        role_id: &str,
        expires_at: Option<OffsetDateTime>,
    ) -> Result<Response, AdapterError> {
        let mut body = json!({
            "action": action,
            "principalId": principal.id,
            "roleDefinitionId": role_id,
            "directoryScopeId": "/",
            "justification": "onboard",
        });
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
        let call = Call::new(
            Method::POST,
            self.url(
                &[
                    "roleManagement",
                    "directory",
                    "roleAssignmentScheduleRequests",
                ],
                &[],
            ),
        )
        .json(&body, "application/json");
        self.send(operation, &call)
    }

    fn grant_role(
        &mut self,
        principal: &Principal,
        role: &str,
        expires_at: Option<OffsetDateTime>,
    ) -> Result<Outcome, AdapterError> {
        let operation = format!("grant `role:{role}` to `{}`", principal.account);
        let role_id = self.role_id(role, &operation)?;
        let held = self.assignments(&role_id, Some(&principal.id), &operation)?;
        if !self.pim {
            if !held.is_empty() {
                return Ok(Outcome::NoChange);
            }
            let body = json!({
                "roleDefinitionId": role_id,
                "principalId": principal.id,
                "directoryScopeId": "/",
            });
            let call = Call::new(
                Method::POST,
                self.url(&["roleManagement", "directory", "roleAssignments"], &[]),
            )
            .json(&body, "application/json");
            self.send_ok(&operation, &call)?;
            return Ok(Outcome::Changed);
        }
        let action = match held.first() {
            // Within a minute of what is asked: PIM rounds, and nothing needs sending.
            Some(current)
                if match (current.ends_at, expires_at) {
                    (None, None) => true,
                    (Some(a), Some(b)) => (a - b).abs() < time::Duration::minutes(1),
                    _ => false,
                } =>
            {
                return Ok(Outcome::NoChange);
            }
            // Renewal: a later end extends the assignment; anything else updates it.
            Some(current) if matches!((current.ends_at, expires_at), (Some(a), Some(b)) if b > a) => {
                "adminExtend"
            }
            Some(_) => "adminUpdate",
            None => "adminAssign",
        };
        let response =
            self.schedule_request(&operation, action, principal, &role_id, expires_at)?;
        if response.is_success() {
            return Ok(Outcome::Changed);
        }
        match error_code(&response.body) {
            Some((code, _)) if code == "RoleAssignmentExists" => Ok(Outcome::NoChange),
            _ => Err(self.http.status_error(&operation, &response)),
        }
    }

    fn revoke_role(&mut self, principal: &Principal, role: &str) -> Result<Outcome, AdapterError> {
        let operation = format!("revoke `role:{role}` from `{}`", principal.account);
        let role_id = self.role_id(role, &operation)?;
        let held = self.assignments(&role_id, Some(&principal.id), &operation)?;
        if held.is_empty() {
            return Ok(Outcome::NoChange);
        }
        if self.pim {
            let response =
                self.schedule_request(&operation, "adminRemove", principal, &role_id, None)?;
            if response.is_success() {
                return Ok(Outcome::Changed);
            }
            return match error_code(&response.body) {
                Some((code, _)) if code == "RoleAssignmentDoesNotExist" => Ok(Outcome::NoChange),
                _ => Err(self.http.status_error(&operation, &response)),
            };
        }
        let mut outcome = Outcome::NoChange;
        for assignment in held {
            let Some(id) = assignment.id else { continue };
            let call = Call::new(
                Method::DELETE,
                self.url(
                    &["roleManagement", "directory", "roleAssignments", &id],
                    &[],
                ),
            );
            let response = self.send(&operation, &call)?;
            match response.status.as_u16() {
                200..=299 => outcome = Outcome::Changed,
                404 => {}
                _ => return Err(self.http.status_error(&operation, &response)),
            }
        }
        Ok(outcome)
    }
}

impl GraphTenant {
    fn change_group(
        &mut self,
        principal: &Principal,
        group: &str,
        add: bool,
    ) -> Result<Outcome, AdapterError> {
        let operation = crate::adapters::change_operation(
            add,
            format_args!("group:{group}"),
            &principal.account,
        );
        let Some(group_id) = self.group_id(group, &operation)? else {
            if add {
                return Err(self
                    .error(
                        &operation,
                        FailureKind::NotFound,
                        format!("the group `{group}` does not exist in the tenant"),
                    )
                    .with_hint("create the group in the tenant first (onboard manages memberships, not groups), or map its name in the tenant's `groups:`"));
            }
            return Ok(Outcome::NoChange);
        };
        let request = self.member_request(&group_id, principal, add);
        let mut url = self.http.base().clone();
        // The relative URL starts with `/`; the base ends with one.
        url.set_path(&format!(
            "{}{}",
            url.path().trim_end_matches('/'),
            request.url
        ));
        let call = match request.body {
            Some(body) => Call::new(Method::POST, url).json(&body, "application/json"),
            None => Call::new(Method::DELETE, url),
        };
        let response = self.send(&operation, &call)?;
        let id = group_id.clone();
        let mut check = |this: &mut Self| -> Result<bool, AdapterError> {
            Ok(this.member_ids(&id, &operation)?.is_some())
        };
        self.member_outcome(&operation, group, &group_id, add, &response, &mut check)
    }
}

impl Adapter for GraphTenant {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            native_expiry: self.pim || self.pim_groups,
        }
    }

    fn verify_tenant(&mut self) -> Result<(), AdapterError> {
        self.ensure_token("verify tenant")
    }

    fn resolve(&mut self, account: &str) -> Result<Option<Principal>, AdapterError> {
        let operation = format!("resolve `{account}`");
        let url = self.url(&["users", account], &[("$select", "id,userPrincipalName")]);
        let response = self.send(&operation, &Call::get(url))?;
        if response.status.as_u16() == 404 {
            return Ok(None);
        }
        if !response.is_success() {
            return Err(self.http.status_error(&operation, &response));
        }
        let user: Value = self.http.json(&operation, &response)?;
        let (Some(id), Some(upn)) = (
            user.get("id").and_then(Value::as_str),
            user.get("userPrincipalName").and_then(Value::as_str),
        ) else {
            return Err(self.error(
                &operation,
                FailureKind::Malformed,
                "the user has no `id` or `userPrincipalName`",
            ));
        };
        self.user_names.insert(id.to_string(), upn.to_string());
        Ok(Some(Principal {
            id: id.to_string(),
            account: upn.to_string(),
        }))
    }

    fn list(&mut self, entitlement: &Entitlement) -> Result<Vec<Holder>, AdapterError> {
        let operation = format!("list `{entitlement}`");
        match entitlement.kind {
            EntitlementKind::Group => {
                let Some(group_id) = self.group_id(&entitlement.name, &operation)? else {
                    return Ok(Vec::new());
                };
                let Some(ids) = self.member_ids(&group_id, &operation)? else {
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
                    self.group_instances(&group_id, None, &operation)?
                        .into_iter()
                        .collect()
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
                let ids: Vec<String> = assignments.iter().map(|a| a.principal_id.clone()).collect();
                self.user_names(&ids, &operation)?;
                Ok(assignments
                    .iter()
                    .filter_map(|a| {
                        Some(Holder {
                            account: self.user_names.get(&a.principal_id)?.clone(),
                            expires_at: a.ends_at,
                            pending: false,
                        })
                    })
                    .collect())
            }
            other => Err(self.error(
                &operation,
                FailureKind::Unsupported,
                format!(
                    "Entra tenants have no `{}:` entitlements (only `group:` and `role:`)",
                    other.as_str()
                ),
            )),
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
                _ => self.change_group(principal, &entitlement.name, true),
            },
            EntitlementKind::Role => self.grant_role(principal, &entitlement.name, expires_at),
            other => Err(self.error(
                "grant",
                FailureKind::Unsupported,
                format!("Entra tenants have no `{}:` entitlements", other.as_str()),
            )),
        }
    }

    fn review(&mut self, now: OffsetDateTime) -> Result<Review, AdapterError> {
        let (notes, changes) = self.access_changes(now, "review the GDAP relationship")?;
        let mut configuration = Vec::new();
        for change in changes {
            configuration.push(match change {
                AccessChange::Create { group, roles, .. } => format!(
                    "`apply` creates the GDAP access assignment of partner group `{group}` ({} role(s))",
                    roles.len()
                ),
                AccessChange::Replace { group, roles, .. } => format!(
                    "`apply` replaces the GDAP access assignment of partner group `{group}`: its roles differ from the client file's ({} role(s))",
                    roles.len()
                ),
            });
        }
        Ok(Review {
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

    fn reconcile(&mut self, now: OffsetDateTime) -> Result<Vec<String>, AdapterError> {
        let operation = "reconcile the GDAP access assignments";
        let (_, changes) = self.access_changes(now, operation)?;
        let mut done = Vec::new();
        for change in changes {
            match change {
                AccessChange::Create {
                    group,
                    group_id,
                    roles,
                } => {
                    self.create_access(operation, &group_id, &roles)?;
                    done.push(format!("created the access assignment of `{group}`"));
                }
                AccessChange::Replace {
                    group,
                    group_id,
                    roles,
                    old_id,
                    etag,
                } => {
                    self.delete_access(operation, &old_id, etag)?;
                    self.create_access(operation, &group_id, &roles)?;
                    done.push(format!("replaced the access assignment of `{group}`"));
                }
            }
        }
        Ok(done)
    }

    fn grant_many(&mut self, items: &[BatchItem]) -> Vec<Result<Outcome, AdapterError>> {
        self.change_many(items, true)
    }

    fn revoke_many(&mut self, items: &[BatchItem]) -> Vec<Result<Outcome, AdapterError>> {
        self.change_many(items, false)
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
            EntitlementKind::Group => self.change_group(principal, &entitlement.name, false),
            EntitlementKind::Role => self.revoke_role(principal, &entitlement.name),
            other => Err(self.error(
                "revoke",
                FailureKind::Unsupported,
                format!("Entra tenants have no `{}:` entitlements", other.as_str()),
            )),
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
    fn the_tenant_id_is_read_from_the_token() {
        // {"alg":"none"}.{"tid":"72f988bf-86f1-41af-91ab-2d7cd011db47","aud":"x"}.
        let token = "eyJhbGciOiJub25lIn0.eyJ0aWQiOiI3MmY5ODhiZi04NmYxLTQxYWYtOTFhYi0yZDdjZDAxMWRiNDciLCJhdWQiOiJ4In0.";
        assert_eq!(
            token_tenant(token).as_deref(),
            Some("72f988bf-86f1-41af-91ab-2d7cd011db47")
        );
        assert_eq!(token_tenant("not-a-jwt"), None);
        assert_eq!(base64url("TWFu").unwrap(), b"Man");
        assert_eq!(base64url("TWE").unwrap(), b"Ma");
    }

    #[test]
    fn roles_are_known_by_name_or_id() {
        assert_eq!(
            role_definition_id("global reader").as_deref(),
            Some("f2ef992c-3afb-46b9-b7cf-a126ee74c451")
        );
        assert_eq!(
            role_definition_id("F2EF992C-3AFB-46B9-B7CF-A126EE74C451").as_deref(),
            Some("f2ef992c-3afb-46b9-b7cf-a126ee74c451")
        );
        assert_eq!(role_definition_id("Chief Wizard"), None);
        assert!(BUILT_IN_ROLES.iter().all(|(_, id)| is_guid(id)));
    }

    #[test]
    fn filter_values_are_quoted() {
        assert_eq!(quote("O'Brien"), "'O''Brien'");
    }
}
