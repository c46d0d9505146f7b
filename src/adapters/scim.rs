//! The SCIM 2.0 adapter (RFC 7643 / RFC 7644), over [`super::http`].
//!
//! Entitlements:
//! - `group:NAME`: membership of the Group whose `displayName` is NAME. The group must
//!   exist to grant (onboard manages memberships, not groups); a missing group has no
//!   holders and revoking from it changes nothing.
//! - `role:NAME` / `entitlement:NAME`: a value in the User's `roles` / `entitlements`
//!   multi-valued attribute.
//!
//! Accounts are `userName`s, which SCIM compares case-insensitively. Listing a group
//! reads `GET /Groups/{id}?attributes=members`, then turns member ids into userNames
//! with `id eq "…" or …` filters of `ID_BATCH` ids at a time (cached per run): that
//! costs members/50 requests, where paging all `/Users` would cost users/page and one
//! GET per member would cost one request per member. Members that are not Users (nested
//! groups, or ids the server no longer knows) are not holders and are left out.
//! Resolving accounts works the same way the other way round: `userName eq "…" or …`
//! filters of `ID_BATCH` names, each name asked once per run. Collections are read with
//! the largest page the server advertises (`filter.maxResults`), else `PAGE_SIZE`.
//!
//! Changes are PATCHes. The members one apply batch adds to a group go in one PATCH
//! (`PATCH_BATCH` at most), and the members it removes likewise (one `remove` operation
//! each). A remove always carries the value filter (`members[value eq "ID"]`): a bare
//! `members` remove empties the group. Membership is read before each PATCH, so "already
//! a member" and "already gone" change nothing whatever the server would answer; a 400
//! `noTarget` on a remove also means "already gone" (several removes that meet one are
//! sent again one by one). When the server advertises ETags, the change carries
//! `If-Match` with the version just read, and a 412 (someone changed the group in
//! between) re-reads and tries once more.
//!
//! Tenant identity: `verify_tenant` reads `ServiceProviderConfig` with the credential,
//! and when the client file sets `tenant_id` it must be a path segment (or the first
//! host label) of the location the server reports for that resource (`meta.location`,
//! else `Content-Location`). For a multi-tenant server such as scim2-server with
//! `--dynamic-tenants`, `http://HOST/acme/v2` reports `http://HOST/acme/v2/…`, so
//! `tenant_id: acme` is checked against what the server says, not only against our URL.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{Value, json};

use super::http::{self, Call, HttpClient, IndexPage, Method, Response, Url};
use super::{
    Adapter, AdapterError, BatchItem, FailureKind, Outcome, Principal, quote_filter_value,
};
use crate::adapters::ChangeRequest;
use crate::adapters::Direction;
use crate::adapters::TenantContext;
use crate::model::{Entitlement, EntitlementKind, Holder};

const MEDIA_TYPE: &str = "application/scim+json";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// Member ids resolved to userNames (or userNames to ids) per filter request: the
/// filter travels in the URL, which servers cap at a few kilobytes.
const ID_BATCH: usize = 50;
/// Items per page when paging a collection whose server advertises no maximum (a server
/// may return fewer; paging follows what it returns).
const PAGE_SIZE: usize = 1_000;
/// Members added to (or removed from) a group in one PATCH.
const PATCH_BATCH: usize = 100;
/// What to do about a group that does not exist.
const CREATE_GROUP_HINT: &str =
    "create the group in the tenant first: onboard manages memberships, not groups";
/// Upper bound of any one collection read, against servers that never stop paging.
const MAX_ITEMS: usize = 1_000_000;

/// Reads a SCIM error body (`status` is a string; `scimType`; `detail`).
fn error_body(body: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct ScimError {
        #[serde(rename = "scimType")]
        scim_type: Option<String>,
        detail: Option<String>,
    }
    let error: ScimError = serde_json::from_slice(body).ok()?;
    let meaning = error.scim_type.as_deref().map(|t| {
        let explained = match t {
            "invalidFilter" => "the filter is not valid for this server",
            "tooMany" => "the filter matches more results than the server will return",
            "uniqueness" => "a value that must be unique is taken",
            "mutability" => "the attribute cannot be changed",
            "invalidSyntax" => "the server could not parse the request",
            "invalidPath" => "the attribute path is not valid",
            "noTarget" => "the path matched nothing",
            "invalidValue" => "a value is missing or not valid",
            "invalidVers" => "the resource changed since it was read",
            "sensitive" => "the request carries information the server refuses in a URL",
            _ => "",
        };
        if explained.is_empty() {
            format!("`{t}`")
        } else {
            format!("`{t}` ({explained})")
        }
    });
    match (meaning, error.detail.filter(|d| !d.trim().is_empty())) {
        (Some(m), Some(d)) => Some(format!("{m}: {d}")),
        (Some(m), None) => Some(m),
        (None, Some(d)) => Some(d),
        (None, None) => None,
    }
}

fn scim_type(response: &Response) -> Option<String> {
    serde_json::from_slice::<Value>(&response.body)
        .ok()?
        .get("scimType")?
        .as_str()
        .map(str::to_string)
}

#[derive(Debug, Clone, Copy, Default)]
struct ServerConfig {
    patch: bool,
    etag: bool,
    max_results: Option<usize>,
}

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

/// A group's members as just read, with the version to send as `If-Match`.
struct Members {
    ids: Vec<String>,
    etag: Option<String>,
}

/// A SCIM 2.0 service provider.
pub struct ScimTenant {
    name: String,
    http: HttpClient,
    expected_tenant: Option<String>,
    config: Option<ServerConfig>,
    groups: HashMap<String, Option<String>>,
    user_names: HashMap<String, String>,
    /// Accounts resolved this run, by userName in lower case; `None`: no such user.
    principals: HashMap<String, Option<Principal>>,
}

impl ScimTenant {
    /// Opens a SCIM tenant: its `endpoint` (the base URL, ending before `/Users`) and the
    /// bearer token its `credential` names. Nothing is sent until a verb is called.
    pub fn open(context: &TenantContext<'_>) -> Result<Self, AdapterError> {
        let endpoint = context.endpoint("the SCIM base URL", "https://HOST/scim/v2")?;
        let token = context.credential()?;
        let http = context.http(endpoint, Some(http::Auth::Bearer(token)), error_body)?;
        Ok(ScimTenant {
            name: context.name.clone(),
            http,
            expected_tenant: context.tenant.tenant_id.clone(),
            config: None,
            groups: HashMap::new(),
            user_names: HashMap::new(),
            principals: HashMap::new(),
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

    /// Reads `ServiceProviderConfig` (once) and returns it with the location the server
    /// reports for it.
    fn read_config(
        &mut self,
        operation: &str,
    ) -> Result<(ServerConfig, Option<String>), AdapterError> {
        self.http.needed(1);
        let response = self.send_ok(
            operation,
            Call::get(self.http.url(&["ServiceProviderConfig"])),
        )?;
        let body: Value = self.http.json(operation, &response)?;
        let supported = |key: &str| {
            body.get(key)
                .and_then(|v| v.get("supported"))
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        let config = ServerConfig {
            patch: supported("patch"),
            etag: supported("etag"),
            max_results: body
                .get("filter")
                .and_then(|f| f.get("maxResults"))
                .and_then(Value::as_u64)
                .and_then(|n| usize::try_from(n).ok())
                .filter(|n| *n > 0),
        };
        self.config = Some(config);
        let location = body
            .get("meta")
            .and_then(|m| m.get("location"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| response.header("content-location").map(str::to_string));
        Ok((config, location))
    }

    fn config(&mut self, operation: &str) -> Result<ServerConfig, AdapterError> {
        match self.config {
            Some(config) => Ok(config),
            None => Ok(self.read_config(operation)?.0),
        }
    }

    fn page_size(&self) -> usize {
        self.config.and_then(|c| c.max_results).unwrap_or(PAGE_SIZE)
    }

    /// Reads every resource of a filtered collection (`Users`, `Groups`), page by page.
    fn query(
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

    /// Returns the id of the group named `name`, or `None` when there is none.
    fn group_id(&mut self, name: &str, operation: &str) -> Result<Option<String>, AdapterError> {
        if let Some(id) = self.groups.get(name) {
            return Ok(id.clone());
        }
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
        let id = crate::adapters::one_group(
            &self.name,
            operation,
            name,
            &candidates,
            Some(hint.into()),
        )?;
        self.groups.insert(name.to_string(), id.clone());
        Ok(id)
    }

    /// Reads a group's member ids and the version to send as `If-Match`.
    fn members(&self, group_id: &str, operation: &str) -> Result<Members, AdapterError> {
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

    /// Returns the userNames of these ids (ids that are not Users are left out), asking
    /// the server only about ids not seen before.
    fn user_names(&mut self, ids: &[String], operation: &str) -> Result<Vec<String>, AdapterError> {
        let unknown: Vec<&String> = ids
            .iter()
            .filter(|id| !self.user_names.contains_key(*id))
            .collect();
        self.http.needed(unknown.len().div_ceil(ID_BATCH));
        for batch in unknown.chunks(ID_BATCH) {
            let filter = batch
                .iter()
                .map(|id| format!("id eq {}", quote_filter_value(id)))
                .collect::<Vec<_>>()
                .join(" or ");
            for user in self.query(operation, "Users", &filter, "id,userName")? {
                if let (Some(id), Some(user_name)) = (
                    user.get("id").and_then(Value::as_str),
                    user.get("userName").and_then(Value::as_str),
                ) {
                    self.user_names
                        .insert(id.to_string(), user_name.to_string());
                }
            }
        }
        Ok(ids
            .iter()
            .filter_map(|id| self.user_names.get(id).cloned())
            .collect())
    }

    fn require_patch(&mut self, operation: &str) -> Result<(), AdapterError> {
        if self.config(operation)?.patch {
            Ok(())
        } else {
            Err(self.error(
                operation,
                FailureKind::Rejected,
                "the SCIM server does not support PATCH (`ServiceProviderConfig` says `patch.supported: false`), which onboard needs to change memberships",
            ))
        }
    }

    /// Sends a PATCH to a resource, with `If-Match` when a version is known and the
    /// server supports ETags.
    fn patch(
        &mut self,
        operation: &str,
        resource: &[&str],
        operations: Value,
        etag: Option<&str>,
    ) -> Result<Response, AdapterError> {
        let body = json!({ "schemas": [PATCH_OP], "Operations": operations });
        let mut call = Call::new(Method::PATCH, self.http.url(resource)).json(&body, MEDIA_TYPE);
        if let (true, Some(etag)) = (self.config(operation)?.etag, etag) {
            call = call.header(reqwest::header::IF_MATCH, etag);
        }
        self.send(operation, call)
    }

    /// Adds members to a group, or removes them, one result per principal in order: the
    /// group's members are read, and those not yet as wanted changed in one PATCH per
    /// `PATCH_BATCH`.
    fn change_group(
        &mut self,
        group: &str,
        principals: &[&Principal],
        direction: Direction,
    ) -> Vec<Result<Outcome, AdapterError>> {
        let operations: Vec<String> = principals
            .iter()
            .map(|p| direction.operation(format_args!("group:{group}"), p))
            .collect();
        let Some(first) = operations.first() else {
            return Vec::new();
        };
        let group_id = match self
            .require_patch(first)
            .and_then(|()| self.group_id(group, first))
        {
            Ok(Some(id)) => id,
            Ok(None) => {
                return operations
                    .iter()
                    .map(|operation| {
                        direction.missing_group(
                            &self.name,
                            operation,
                            group,
                            "the tenant",
                            CREATE_GROUP_HINT,
                        )
                    })
                    .collect();
            }
            Err(error) => return each_failed(&operations, &[], &error),
        };
        principals
            .chunks(PATCH_BATCH)
            .zip(operations.chunks(PATCH_BATCH))
            .flat_map(|(principals, operations)| {
                self.patch_members(&group_id, principals, operations, direction)
            })
            .collect()
    }

    /// One PATCH of a group's members (see [`ScimTenant::change_group`]), reading the
    /// members first; retried once on 412.
    fn patch_members(
        &mut self,
        group_id: &str,
        principals: &[&Principal],
        operations: &[String],
        direction: Direction,
    ) -> Vec<Result<Outcome, AdapterError>> {
        let operation = &operations[0];
        // What the last attempt found needed no sending.
        let mut known: Vec<Option<Outcome>> = Vec::new();
        for attempt in 1..=2 {
            // At the fewest: one read, and one PATCH when something changes; a second
            // attempt is beyond what the work needs.
            if attempt == 1 {
                self.http.needed(1);
            }
            let members = match self.members(group_id, operation) {
                Ok(members) => members,
                Err(error) => return each_failed(operations, &[], &error),
            };
            // Already as wanted, or named twice in the batch: nothing to send for it.
            let mut sending: Vec<&str> = Vec::new();
            let outcomes: Vec<Option<Outcome>> = principals
                .iter()
                .map(|p| {
                    let held = members.ids.contains(&p.id);
                    if held == direction.is_grant() || sending.contains(&p.id.as_str()) {
                        Some(Outcome::NoChange)
                    } else {
                        sending.push(&p.id);
                        None
                    }
                })
                .collect();
            let done = |outcomes: Vec<Option<Outcome>>| {
                outcomes
                    .into_iter()
                    .map(|o| Ok(o.unwrap_or(Outcome::Changed)))
                    .collect()
            };
            if sending.is_empty() {
                return done(outcomes);
            }
            if attempt == 1 {
                self.http.needed(1);
            }
            let change = if direction.is_grant() {
                let values: Vec<Value> = sending.iter().map(|id| json!({ "value": id })).collect();
                json!([{ "op": "add", "path": "members", "value": values }])
            } else {
                Value::Array(
                    sending
                        .iter()
                        .map(|id| json!({ "op": "remove", "path": format!("members[value eq {}]", quote_filter_value(id)) }))
                        .collect(),
                )
            };
            let response = match self.patch(
                operation,
                &["Groups", group_id],
                change,
                members.etag.as_deref(),
            ) {
                Ok(response) => response,
                Err(error) => return each_failed(operations, &outcomes, &error),
            };
            match response.status.as_u16() {
                200..=299 => return done(outcomes),
                412 if attempt == 1 => {
                    known = outcomes;
                    continue;
                }
                412 => known = outcomes,
                400 if !direction.is_grant()
                    && scim_type(&response).as_deref() == Some("noTarget") =>
                {
                    if sending.len() == 1 {
                        return outcomes
                            .into_iter()
                            .map(|o| Ok(o.unwrap_or(Outcome::NoChange)))
                            .collect();
                    }
                    // One of them left meanwhile: remove them one by one.
                    return principals
                        .iter()
                        .zip(operations)
                        .zip(outcomes)
                        .flat_map(|((principal, operation), outcome)| match outcome {
                            Some(outcome) => vec![Ok(outcome)],
                            None => self.patch_members(
                                group_id,
                                &[*principal],
                                std::slice::from_ref(operation),
                                direction,
                            ),
                        })
                        .collect();
                }
                _ => {
                    let error = self.http.status_error(operation, &response);
                    return each_failed(operations, &outcomes, &error);
                }
            }
        }
        each_failed(
            operations,
            &known,
            &self.kept_changing(operation, "the group"),
        )
    }

    /// The error for a resource that answered 412 twice.
    fn kept_changing(&self, operation: &str, what: &str) -> AdapterError {
        self.error(
            operation,
            FailureKind::Rejected,
            format!("{what} kept changing while onboard changed it (HTTP 412 twice)"),
        )
        .with_hint(format!(
            "run again once other changes to {what} have finished"
        ))
    }

    /// Adds or removes a value of the User's `roles` / `entitlements`, reading the user
    /// first; retried once on 412.
    fn change_attribute(
        &mut self,
        principal: &Principal,
        entitlement: &Entitlement,
        attribute: &str,
        direction: Direction,
    ) -> Result<Outcome, AdapterError> {
        let operation = direction.operation(entitlement, principal);
        self.require_patch(&operation)?;
        let value = entitlement.name.clone();
        let user = principal.id.clone();
        self.patch_values(
            &operation,
            ("the user", &["Users", &user]),
            (attribute, &value),
            direction,
            |this| {
                let mut url = this.http.url(&["Users", &user]);
                url.query_pairs_mut().append_pair("attributes", attribute);
                let response = this.send_ok(&operation, Call::get(url))?;
                let body: Value = this.http.json(&operation, &response)?;
                let held = body
                    .get(attribute)
                    .and_then(Value::as_array)
                    .is_some_and(|values| {
                        values
                            .iter()
                            .any(|v| v.get("value").and_then(Value::as_str) == Some(value.as_str()))
                    });
                Ok((held, response.header("etag").map(str::to_string)))
            },
        )
    }

    /// Adds `value` to, or removes it from, a multi-valued attribute of a resource with
    /// a PATCH guarded by the resource's etag: `read` says whether the value is held and
    /// gives the etag. Already as wanted sends nothing; a removal always names the value
    /// (a bare `members` remove would empty a group); retried once on 412.
    fn patch_values(
        &mut self,
        operation: &str,
        (what, resource): (&str, &[&str]),
        (attribute, value): (&str, &str),
        direction: Direction,
        mut read: impl FnMut(&mut Self) -> Result<(bool, Option<String>), AdapterError>,
    ) -> Result<Outcome, AdapterError> {
        for attempt in 1..=2 {
            if attempt == 1 {
                self.http.needed(1);
            }
            let (held, etag) = read(self)?;
            if held == direction.is_grant() {
                return Ok(Outcome::NoChange);
            }
            if attempt == 1 {
                self.http.needed(1);
            }
            let change = if direction.is_grant() {
                json!([{ "op": "add", "path": attribute, "value": [{ "value": value }] }])
            } else {
                json!([{ "op": "remove", "path": format!("{attribute}[value eq {}]", quote_filter_value(value)) }])
            };
            let response = self.patch(operation, resource, change, etag.as_deref())?;
            match response.status.as_u16() {
                200..=299 => return Ok(Outcome::Changed),
                412 if attempt == 1 => continue,
                400 if !direction.is_grant()
                    && scim_type(&response).as_deref() == Some("noTarget") =>
                {
                    return Ok(Outcome::NoChange);
                }
                _ => return Err(self.http.status_error(operation, &response)),
            }
        }
        Err(self.kept_changing(operation, what))
    }

    fn attribute_of(
        &self,
        entitlement: &Entitlement,
        operation: &str,
    ) -> Result<&'static str, AdapterError> {
        match entitlement.kind {
            EntitlementKind::Role => Ok("roles"),
            EntitlementKind::Entitlement => Ok("entitlements"),
            other => Err(self.error(
                operation,
                FailureKind::Unsupported,
                format!("SCIM tenants have no `{}:` entitlements (only `group:`, `role:`, `entitlement:`)", other.as_str()),
            )),
        }
    }
}

/// Returns whether `tenant_id` names the location the server reports: a path segment,
/// or the first label of its host.
fn location_names(location: &str, tenant_id: &str) -> bool {
    let Ok(url) = Url::parse(location) else {
        return false;
    };
    let segment = url
        .path_segments()
        .into_iter()
        .flatten()
        .any(|s| s.eq_ignore_ascii_case(tenant_id));
    let host = url
        .host_str()
        .and_then(|h| h.split('.').next())
        .is_some_and(|label| label.eq_ignore_ascii_case(tenant_id));
    segment || host
}

/// The same failure for each of several changes, each naming its own operation, but
/// those whose outcome is already `known` (nothing needed sending for them).
fn each_failed(
    operations: &[String],
    known: &[Option<Outcome>],
    error: &AdapterError,
) -> Vec<Result<Outcome, AdapterError>> {
    operations
        .iter()
        .enumerate()
        .map(
            |(index, operation)| match known.get(index).copied().flatten() {
                Some(outcome) => Ok(outcome),
                None => Err(AdapterError {
                    operation: operation.clone(),
                    ..error.clone()
                }),
            },
        )
        .collect()
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

    /// Resolves accounts by userName (see [`Adapter::resolve_many`]): the names not
    /// resolved before in `userName eq … or …` filters of `ID_BATCH`.
    fn resolve_accounts(
        &mut self,
        accounts: &[&str],
    ) -> Vec<Result<Option<Principal>, AdapterError>> {
        let mut failed: HashMap<String, AdapterError> = HashMap::new();
        let mut unknown: Vec<String> = accounts
            .iter()
            .map(|a| a.to_ascii_lowercase())
            .filter(|a| !self.principals.contains_key(a))
            .collect();
        unknown.sort_unstable();
        unknown.dedup();
        self.http.needed(unknown.len().div_ceil(ID_BATCH));
        for batch in unknown.chunks(ID_BATCH) {
            let operation = match batch {
                [one] => format!("resolve `{one}`"),
                _ => format!("resolve {} accounts", batch.len()),
            };
            let filter = batch
                .iter()
                .map(|name| format!("userName eq {}", quote_filter_value(name)))
                .collect::<Vec<_>>()
                .join(" or ");
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
                        .entry(user_name.to_ascii_lowercase())
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
        accounts
            .iter()
            .map(|account| {
                let key = account.to_ascii_lowercase();
                match failed.get(&key) {
                    Some(error) => Err(error.clone()),
                    None => Ok(self.principals.get(&key).cloned().flatten()),
                }
            })
            .collect()
    }
}

impl Adapter for ScimTenant {
    fn verify_tenant(&mut self) -> Result<(), AdapterError> {
        let operation = "verify tenant";
        let (_, location) = self.read_config(operation)?;
        let Some(expected) = self.expected_tenant.clone() else {
            return Ok(());
        };
        let Some(location) = location else {
            return Err(self
                .error(
                    operation,
                    FailureKind::WrongTenant,
                    format!("the SCIM server does not report the location of its `ServiceProviderConfig`, so `tenant_id: {expected}` cannot be checked"),
                )
                .with_hint("remove `tenant_id` from the tenant if the endpoint alone identifies it"));
        };
        if location_names(&location, &expected) {
            Ok(())
        } else {
            let shown = Url::parse(&location).map_or_else(|_| "…".into(), |u| http::redact_url(&u));
            Err(self
                .error(
                    operation,
                    FailureKind::WrongTenant,
                    format!("the SCIM server reports its location as `{shown}`, which does not name tenant `{expected}` from the client file"),
                )
                .with_hint("check the tenant's `endpoint` and `tenant_id`: the credential may belong to another client"))
        }
    }

    fn resolve(&mut self, account: &str) -> Result<Option<Principal>, AdapterError> {
        self.resolve_accounts(&[account]).pop().unwrap_or(Ok(None))
    }

    fn resolve_many(&mut self, accounts: &[&str]) -> Vec<Result<Option<Principal>, AdapterError>> {
        self.resolve_accounts(accounts)
    }

    fn list(&mut self, entitlement: &Entitlement) -> Result<Vec<Holder>, AdapterError> {
        let operation = format!("list `{entitlement}`");
        let accounts = match entitlement.kind {
            EntitlementKind::Group => {
                let Some(group_id) = self.group_id(&entitlement.name, &operation)? else {
                    return Ok(Vec::new());
                };
                self.http.needed(1);
                let members = self.members(&group_id, &operation)?;
                self.user_names(&members.ids, &operation)?
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
                self.http
                    .needed(users.len().div_ceil(self.page_size()).max(1));
                users
                    .iter()
                    .filter_map(|u| {
                        u.get("userName")
                            .and_then(Value::as_str)
                            .map(str::to_string)
                    })
                    .collect()
            }
        };
        Ok(accounts
            .into_iter()
            .map(|account| Holder::active(account, None))
            .collect())
    }

    crate::adapters::grant_and_revoke_through!(change);

    fn grant_many(&mut self, items: &[BatchItem]) -> Vec<Result<Outcome, AdapterError>> {
        self.change_many(items, Direction::Grant)
    }

    fn revoke_many(&mut self, items: &[BatchItem]) -> Vec<Result<Outcome, AdapterError>> {
        self.change_many(items, Direction::Revoke)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scim_error_bodies_become_clear_messages() {
        let body = br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"noTarget","detail":"no member matched"}"#;
        assert_eq!(
            error_body(body).unwrap(),
            "`noTarget` (the path matched nothing): no member matched"
        );
        let body = br#"{"status":"404","detail":"Group 'x' not found"}"#;
        assert_eq!(error_body(body).unwrap(), "Group 'x' not found");
        assert_eq!(error_body(b"<html>oops</html>"), None);
    }

    #[test]
    fn tenant_id_must_name_the_reported_location() {
        let location = "http://127.0.0.1:5000/acme/v2/ServiceProviderConfig";
        assert!(location_names(location, "acme"));
        assert!(location_names(location, "ACME"));
        assert!(!location_names(location, "globex"));
        assert!(location_names(
            "https://acme.scim.example.com/v2/ServiceProviderConfig",
            "acme"
        ));
        assert!(!location_names("not a url", "acme"));
    }
}
