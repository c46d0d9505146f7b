//! The Okta adapter (Management API), over [`super::http`].
//!
//! Entitlements:
//! - `group:NAME`: membership of the group whose `profile.name` is NAME, found with
//!   `GET /api/v1/groups?search=profile.name eq "NAME"`. Only `OKTA_GROUP` groups are
//!   changed: `APP_GROUP` memberships belong to their import (AD, an app) and
//!   `BUILT_IN` ones to Okta, so a change to them is refused as not manageable (they
//!   are still listed). Members are added with `PUT /groups/{id}/users/{userId}` (no
//!   body, `Content-Length: 0`) and removed with `DELETE` on the same path.
//! - `role:TYPE`: a standard admin role assigned to the user (`USER_ADMIN`,
//!   `HELP_DESK_ADMIN`…), `POST /users/{id}/roles {"type": TYPE}`, removed by the
//!   assignment's id.
//!
//! - `group_roles:` (tenant configuration, `group_roles.rs`): the standard admin roles
//!   each named group holds, brought in line by `apply` before membership changes, so
//!   membership of such a group is how technicians get the roles.
//!
//! Accounts are resolved many logins per search (`accounts.rs`).
//!
//! Okta does not say what re-adding a member or removing a non-member answers, so each
//! group's members are read once per run and kept up to date as onboard changes them:
//! "already a member" and "already gone" send nothing. Role holders are read once per
//! run as well: the users with any admin role (`GET /api/v1/iam/assignees/users`), then
//! each one's roles (Okta lists roles by user only), their logins 20 ids per search;
//! a `role:` change decides from them when the run has read them.
//!
//! Auth: an API token (`Authorization: SSWS …`) from the credential reference, or,
//! with `client_id`, an OAuth 2.0 service app: the credential is then the app's RSA
//! private key, and onboard gets tokens from the org authorization server
//! (`POST /oauth2/v1/token`, client credentials with a `private_key_jwt` assertion,
//! scopes [`OAUTH_SCOPES`]), kept until five minutes before they expire. Rate
//! limits: `X-Rate-Limit-Limit/Remaining/Reset` are read on every response by the HTTP
//! layer, which slows down before the window runs out and waits for the reset on 429.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use reqwest::header::AUTHORIZATION;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::http::{self, Auth, Call, HttpClient, Method, Response, TokenCache, Url};
use super::jwt;
use super::{
    Adapter, AdapterError, ConfigurationSubject, FailureKind, Inspection, Outcome, Principal,
    quote_filter_value,
};
use crate::adapters::ChangeRequest;
use crate::adapters::Direction;
use crate::adapters::TenantContext;
use crate::model::{ConfigurationChange, Entitlement, EntitlementKind, Holder, OktaSettings};
use crate::secrets::Secret;

mod accounts;
mod group_roles;

/// Users per page of a user search: the most Okta documents for `GET /api/v1/users`.
const PAGE_SIZE: &str = "200";
/// Users per page of a group's members: Okta's default and largest for
/// `GET /api/v1/groups/{id}/users`.
const MEMBERS_PAGE_SIZE: &str = "1000";
/// Items per page of the users holding admin roles (`GET /api/v1/iam/assignees/users`
/// answers Okta's default, 100, as no larger page is documented).
const ASSIGNEES_PAGE: usize = 100;
/// Groups per page of a search by name (Okta's `limit` for `GET /api/v1/groups`).
const GROUPS_PAGE: usize = 200;
/// Upper bound of pages in any one read.
const MAX_PAGES: usize = 100_000;

/// Reads an Okta error body (`errorCode`, `errorSummary`, `errorCauses`).
fn error_body(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let code = value.get("errorCode")?.as_str()?;
    let mut text = format!("`{code}`");
    if let Some(summary) = value.get("errorSummary").and_then(Value::as_str) {
        text.push_str(": ");
        text.push_str(summary);
    }
    let causes: Vec<&str> = value
        .get("errorCauses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("errorSummary").and_then(Value::as_str))
        .collect();
    if !causes.is_empty() {
        text.push_str(&format!(" ({})", causes.join("; ")));
    }
    Some(text)
}

/// A group as found by name.
#[derive(Debug, Clone)]
struct Group {
    id: String,
    kind: String,
}

/// An Okta org.
pub struct OktaTenant {
    name: String,
    http: HttpClient,
    groups: HashMap<String, Option<Group>>,
    /// Member ids of each group read this run, kept up to date as onboard changes them.
    members: HashMap<String, BTreeSet<String>>,
    /// Admin roles by user id (role type → assignment id), read once per run and kept
    /// up to date as onboard changes users' roles (a group's roles are not in it).
    roles: Option<BTreeMap<String, BTreeMap<String, String>>>,
    logins: HashMap<String, String>,
    /// Accounts resolved this run, by login.
    principals: super::accounts::ResolvedAccounts,
    oauth: Option<OAuth>,
    /// The admin roles each group holds, as the client file gives them.
    group_roles: BTreeMap<String, Vec<String>>,
}

/// An OAuth 2.0 service app onboard authenticates as: client credentials with a
/// `private_key_jwt` assertion, against the org authorization server.
struct OAuth {
    client_id: String,
    key: Secret,
    token: TokenCache,
}

/// The scopes a service app's token asks for: group membership, reading users, admin
/// roles.
pub const OAUTH_SCOPES: &str = "okta.groups.manage okta.users.read okta.roles.manage";

impl OktaTenant {
    /// As a service app: gets an access token unless the one held is good for five more
    /// minutes. The assertion is an RS256 JWT (`iss` = `sub` = the client id, `aud` the
    /// token endpoint, five minutes long, a random `jti`) signed with the app's key.
    fn ensure_token(&mut self, operation: &str) -> Result<(), AdapterError> {
        let Some(oauth) = &self.oauth else {
            return Ok(());
        };
        if oauth.token.is_fresh() {
            return Ok(());
        }
        let token_url = self.http.url(&["oauth2", "v1", "token"]);
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let mut nonce = [0u8; 16];
        let _ = getrandom::fill(&mut nonce);
        let claims = json!({
            "iss": oauth.client_id,
            "sub": oauth.client_id,
            "aud": token_url.as_str(),
            "iat": now,
            "exp": now + 300,
            "jti": hex::encode(nonce),
        });
        let assertion = jwt::sign_rs256(&claims, oauth.key.expose())
            .map_err(|e| self.error(operation, FailureKind::Denied, e))?;
        self.http.set_auth(None);
        self.http.needed(1);
        let call = Call::new(Method::POST, token_url).form(&[
            ("grant_type", "client_credentials"),
            ("scope", OAUTH_SCOPES),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", &assertion),
        ]);
        let response = self.http.send(operation, &call)?;
        if !response.is_success() {
            let error = self.http.status_error(operation, &response);
            let oauth_error = serde_json::from_slice::<Value>(&response.body)
                .ok()
                .and_then(|v| {
                    let code = v.get("error")?.as_str()?.to_string();
                    let description = v
                        .get("error_description")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string();
                    Some(format!("`{code}`: {description}"))
                });
            return Err(AdapterError {
                detail: format!(
                    "getting a token: {}",
                    oauth_error.unwrap_or(error.detail.clone())
                ),
                kind: FailureKind::Denied,
                ..error
            }
            .with_hint("check the tenant's `client_id`, that the `credential` is the service app's private key whose public key is registered with the app, and that the app is granted the scopes `okta.groups.manage okta.users.read okta.roles.manage` and an admin role"));
        }
        let (token, lifetime) = http::token_answer(
            &self.http,
            operation,
            &response,
            ("access_token", "the token answer"),
        )?;
        if let Some(oauth) = &mut self.oauth {
            oauth.token.store(&mut self.http, token, lifetime);
        }
        Ok(())
    }

    /// Opens an Okta org: its `endpoint` (`https://ORG.okta.com`) and the API token its
    /// `credential` names. Nothing is sent until a verb is called.
    pub fn open(
        context: &TenantContext<'_>,
        settings: &OktaSettings,
    ) -> Result<Self, AdapterError> {
        let secret = context.credential(&settings.credential)?;
        let (auth, oauth) = match &settings.client_id {
            // A service app: the credential is its private key.
            Some(client_id) => {
                context.require_private_key(
                    &secret,
                    "with `client_id`, the `credential` must name the service app's RSA private key (PEM)",
                )?;
                (
                    None,
                    Some(OAuth {
                        client_id: client_id.clone(),
                        key: secret,
                        token: TokenCache::default(),
                    }),
                )
            }
            None => (
                Some(Auth::Header {
                    name: AUTHORIZATION,
                    scheme: "SSWS",
                    value: secret,
                }),
                None,
            ),
        };
        let mut client = context.options.client_settings(auth, error_body);
        // Okta says how much of its window is left on every response, and the HTTP layer
        // paces by that: no fixed spacing is needed on top.
        client.retry.min_interval = std::time::Duration::ZERO;
        let http = context.http_with(&settings.endpoint, client)?;
        Ok(OktaTenant {
            name: context.name.clone(),
            http,
            groups: HashMap::new(),
            members: HashMap::new(),
            roles: None,
            logins: HashMap::new(),
            principals: Default::default(),
            oauth,
            group_roles: settings.group_roles.clone(),
        })
    }

    fn error(&self, operation: &str, kind: FailureKind, detail: impl Into<String>) -> AdapterError {
        AdapterError::new(&self.name, operation, kind, detail)
    }

    /// Returns the error for an entitlement kind Okta tenants do not have.
    fn unsupported(&self, operation: &str, kind: EntitlementKind) -> AdapterError {
        super::unsupported_entitlement(
            &self.name,
            operation,
            "Okta",
            kind,
            &[EntitlementKind::Group, EntitlementKind::Role],
        )
    }

    fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut all = vec!["api", "v1"];
        all.extend_from_slice(segments);
        let mut url = self.http.url(&all);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    fn send(&self, operation: &str, call: Call) -> Result<Response, AdapterError> {
        self.http.send(
            operation,
            &call.header(reqwest::header::ACCEPT, "application/json"),
        )
    }

    fn send_ok(&self, operation: &str, call: Call) -> Result<Response, AdapterError> {
        let response = self.send(operation, call)?;
        self.http.require_success(operation, response)
    }

    /// Reads every item of a collection, following `Link: <…>; rel="next"` (or a
    /// body's `_links.next.href`, as the role assignment API pages).
    fn collect(&self, operation: &str, first: Url) -> Result<Vec<Value>, AdapterError> {
        http::collect_linked(&self.http, operation, first, MAX_PAGES, |url| {
            let response = self.send_ok(operation, Call::get(url.clone()))?;
            let body: Value = self.http.json(operation, &response)?;
            let next = http::link_next(&response.headers).or_else(|| {
                body.pointer("/_links/next/href")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            });
            let items = match body {
                Value::Array(items) => items,
                Value::Object(mut object) => match object.remove("value") {
                    Some(Value::Array(items)) => items,
                    _ => Vec::new(),
                },
                _ => Vec::new(),
            };
            Ok((items, next))
        })
    }

    fn group(&mut self, name: &str, operation: &str) -> Result<Option<Group>, AdapterError> {
        if let Some(group) = self.groups.get(name) {
            return Ok(group.clone());
        }
        let url = self.url(
            &["groups"],
            &[(
                "search",
                &format!("profile.name eq {}", quote_filter_value(name)),
            )],
        );
        let read = self.collect(operation, url)?;
        self.http.needed_pages(read.len(), GROUPS_PAGE);
        let found: Vec<Group> = read
            .iter()
            .filter(|g| g.pointer("/profile/name").and_then(Value::as_str) == Some(name))
            .filter_map(|g| {
                Some(Group {
                    id: g.get("id")?.as_str()?.to_string(),
                    kind: g
                        .get("type")
                        .and_then(Value::as_str)
                        .unwrap_or("OKTA_GROUP")
                        .to_string(),
                })
            })
            .collect();
        let group = crate::adapters::one_group(&self.name, operation, name, &found, None)?;
        self.groups.insert(name.to_string(), group.clone());
        Ok(group)
    }

    /// Reads a group's members (once per run) and returns their ids.
    fn members(
        &mut self,
        group_id: &str,
        operation: &str,
    ) -> Result<&BTreeSet<String>, AdapterError> {
        if !self.members.contains_key(group_id) {
            let url = self.url(
                &["groups", group_id, "users"],
                &[("limit", MEMBERS_PAGE_SIZE)],
            );
            let users = self.collect(operation, url)?;
            self.http
                .needed_pages(users.len(), MEMBERS_PAGE_SIZE.parse().unwrap_or(1));
            let mut ids = BTreeSet::new();
            for user in users {
                let (Some(id), Some(login)) = (
                    user.get("id").and_then(Value::as_str),
                    user.pointer("/profile/login").and_then(Value::as_str),
                ) else {
                    continue;
                };
                self.learn(id, login);
                ids.insert(id.to_string());
            }
            self.members.insert(group_id.to_string(), ids);
        }
        Ok(&self.members[group_id])
    }

    fn login_of(&mut self, user_id: &str, operation: &str) -> Result<Option<String>, AdapterError> {
        if let Some(login) = self.logins.get(user_id) {
            return Ok(Some(login.clone()));
        }
        // Missed by the search (an eventually consistent copy): read directly.
        self.http.needed(1);
        Ok(self.user(user_id, operation)?.map(|p| p.account))
    }

    fn user(&mut self, key: &str, operation: &str) -> Result<Option<Principal>, AdapterError> {
        let response = self.send(operation, Call::get(self.url(&["users", key], &[])))?;
        if response.status.as_u16() == 404 {
            return Ok(None);
        }
        if !response.is_success() {
            return Err(self.http.status_error(operation, &response));
        }
        let user: Value = self.http.json(operation, &response)?;
        let (Some(id), Some(login)) = (
            user.get("id").and_then(Value::as_str),
            user.pointer("/profile/login").and_then(Value::as_str),
        ) else {
            return Err(self.error(
                operation,
                FailureKind::Malformed,
                "the user has no `id` or `profile.login`",
            ));
        };
        self.learn(id, login);
        Ok(Some(Principal {
            id: id.to_string(),
            account: login.to_string(),
        }))
    }

    /// Reads the admin role assignments a `…/roles` URL lists: (role type, assignment
    /// id), only those whose `assignmentType` is `assignment` (`USER`, `GROUP`) where
    /// the answer says.
    fn role_assignments(
        &self,
        url: Url,
        assignment: &str,
        operation: &str,
    ) -> Result<Vec<(String, String)>, AdapterError> {
        Ok(self
            .collect(operation, url)?
            .iter()
            .filter(|r| {
                r.get("assignmentType")
                    .and_then(Value::as_str)
                    .is_none_or(|t| t == assignment)
            })
            .filter_map(|r| {
                Some((
                    r.get("type")?.as_str()?.to_string(),
                    r.get("id")?.as_str()?.to_string(),
                ))
            })
            .collect())
    }

    /// Reads one user's admin roles: role type → assignment id (user assignments only;
    /// roles held through a group are changed through that group).
    fn user_roles(
        &self,
        user_id: &str,
        operation: &str,
    ) -> Result<BTreeMap<String, String>, AdapterError> {
        let url = self.url(&["users", user_id, "roles"], &[]);
        Ok(self
            .role_assignments(url, "USER", operation)?
            .into_iter()
            .collect())
    }

    /// Reads (once per run) every user holding an admin role, with their roles.
    fn role_holders(
        &mut self,
        operation: &str,
    ) -> Result<&BTreeMap<String, BTreeMap<String, String>>, AdapterError> {
        if self.roles.is_none() {
            let url = self.url(&["iam", "assignees", "users"], &[]);
            let assignees = self.collect(operation, url)?;
            // Okta has no listing of roles by type: each holder's are read.
            self.http.needed_pages(assignees.len(), ASSIGNEES_PAGE);
            self.http.needed(assignees.len());
            let mut roles = BTreeMap::new();
            for user in assignees {
                let Some(id) = user.get("id").and_then(Value::as_str) else {
                    continue;
                };
                roles.insert(id.to_string(), self.user_roles(id, operation)?);
            }
            self.roles = Some(roles);
        }
        Ok(self.roles.get_or_insert_default())
    }

    fn change_group(
        &mut self,
        principal: &Principal,
        name: &str,
        direction: Direction,
    ) -> Result<Outcome, AdapterError> {
        let operation = direction.operation(format_args!("group:{name}"), principal);
        let Some(group) = self.group(name, &operation)? else {
            return direction.missing_group(
                &self.name,
                &operation,
                name,
                "the org",
                "create the group in Okta first: onboard manages memberships, not groups",
            );
        };
        if group.kind != "OKTA_GROUP" {
            return Err(self
                .error(
                    &operation,
                    FailureKind::Rejected,
                    format!(
                        "the group `{name}` is an `{}`: its members are managed by {}, not through the API",
                        group.kind,
                        if group.kind == "APP_GROUP" { "the app or directory it is imported from" } else { "Okta" }
                    ),
                )
                .with_hint("grant an `OKTA_GROUP` instead, or change the membership where the group comes from"));
        }
        let is_member = self.members(&group.id, &operation)?.contains(&principal.id);
        if is_member == direction.is_grant() {
            return Ok(Outcome::NoChange);
        }
        let url = self.url(&["groups", &group.id, "users", &principal.id], &[]);
        self.http.needed(1);
        let call = if direction.is_grant() {
            Call::new(Method::PUT, url).empty_body()
        } else {
            Call::new(Method::DELETE, url)
        };
        let response = self.send(&operation, call)?;
        let outcome = match response.status.as_u16() {
            200..=299 => Outcome::Changed,
            404 if !direction.is_grant() => Outcome::NoChange,
            _ => return Err(self.http.status_error(&operation, &response)),
        };
        if let Some(members) = self.members.get_mut(&group.id) {
            if direction.is_grant() {
                members.insert(principal.id.clone());
            } else {
                members.remove(&principal.id);
            }
        }
        Ok(outcome)
    }

    fn change_role(
        &mut self,
        principal: &Principal,
        role: &str,
        direction: Direction,
    ) -> Result<Outcome, AdapterError> {
        let operation = direction.operation(format_args!("role:{role}"), principal);
        // The user's roles as this run read them (the plan's listing moments before, kept
        // up to date), else read now.
        let mut held = match &self.roles {
            Some(roles) => roles.get(&principal.id).cloned().unwrap_or_default(),
            None => {
                self.http.needed(1);
                self.user_roles(&principal.id, &operation)?
            }
        };
        let assignment = held.get(role).cloned();
        let outcome = match (direction, assignment) {
            (Direction::Grant, Some(_)) | (Direction::Revoke, None) => Outcome::NoChange,
            (Direction::Grant, None) => {
                self.http.needed(1);
                let url = self.url(
                    &["users", &principal.id, "roles"],
                    &[("disableNotifications", "true")],
                );
                let call =
                    Call::new(Method::POST, url).json(&json!({ "type": role }), "application/json");
                let response = self.send(&operation, call)?;
                // `E0000090`: assigned meanwhile (after the run read the user's roles).
                let duplicate = response.status.as_u16() == 409
                    && serde_json::from_slice::<Value>(&response.body)
                        .ok()
                        .and_then(|v| Some(v.get("errorCode")?.as_str()? == "E0000090"))
                        .unwrap_or(false);
                if duplicate {
                    self.roles = None;
                    return Ok(Outcome::NoChange);
                }
                let response = self.http.require_success(&operation, response)?;
                let assigned = serde_json::from_slice::<Value>(&response.body)
                    .ok()
                    .and_then(|v| Some(v.get("id")?.as_str()?.to_string()));
                match assigned {
                    Some(id) => {
                        held.insert(role.to_string(), id);
                    }
                    // Without the new assignment's id the cache cannot be kept exact:
                    // the next read of role holders asks the org again.
                    None => self.roles = None,
                }
                Outcome::Changed
            }
            (Direction::Revoke, Some(id)) => {
                self.http.needed(1);
                let url = self.url(&["users", &principal.id, "roles", &id], &[]);
                let response = self.send(&operation, Call::new(Method::DELETE, url))?;
                let outcome = match response.status.as_u16() {
                    200..=299 => Outcome::Changed,
                    404 => Outcome::NoChange,
                    _ => return Err(self.http.status_error(&operation, &response)),
                };
                held.remove(role);
                outcome
            }
        };
        self.cache_user_roles(&principal.id, held);
        Ok(outcome)
    }

    /// Puts one user's admin roles, as just read and changed, into the run's cache of
    /// role holders when it is loaded, so the next `role:` list need not read every
    /// holder again.
    fn cache_user_roles(&mut self, user_id: &str, held: BTreeMap<String, String>) {
        let Some(roles) = &mut self.roles else {
            return;
        };
        if held.is_empty() {
            roles.remove(user_id);
        } else {
            roles.insert(user_id.to_string(), held);
        }
    }
}

impl OktaTenant {
    /// Grants or revokes an entitlement (see [`Adapter::grant`], [`Adapter::revoke`]).
    fn change(&mut self, request: ChangeRequest<'_>) -> Result<Outcome, AdapterError> {
        let (principal, entitlement, direction) = request.parts();
        self.ensure_token(direction.verb())?;
        match entitlement.kind {
            EntitlementKind::Group => self.change_group(principal, &entitlement.name, direction),
            EntitlementKind::Role => self.change_role(principal, &entitlement.name, direction),
            other => Err(self.unsupported(direction.verb(), other)),
        }
    }
}

impl Adapter for OktaTenant {
    fn verify_tenant(&mut self) -> Result<(), AdapterError> {
        // The token belongs to one org, the one at the endpoint; reading the token's own
        // user shows that the org accepts it. A service app has no user: that the org's
        // own authorization server issued its token shows the same.
        let operation = "verify tenant";
        if self.oauth.is_some() {
            return self.ensure_token(operation);
        }
        self.http.needed(1);
        match self.user("me", operation)? {
            Some(_) => Ok(()),
            None => Err(self.error(
                operation,
                FailureKind::Denied,
                "the org does not know the API token's user",
            )),
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
        self.ensure_token(&operation)?;
        let ids: Vec<String> = match entitlement.kind {
            EntitlementKind::Group => {
                let Some(group) = self.group(&entitlement.name, &operation)? else {
                    return Ok(Vec::new());
                };
                self.members(&group.id, &operation)?
                    .iter()
                    .cloned()
                    .collect()
            }
            EntitlementKind::Role => self
                .role_holders(&operation)?
                .iter()
                .filter(|(_, roles)| roles.contains_key(&entitlement.name))
                .map(|(id, _)| id.clone())
                .collect(),
            other => return Err(self.unsupported(&operation, other)),
        };
        self.learn_logins(&ids, &operation)?;
        let mut holders = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(account) = self.login_of(&id, &operation)? {
                holders.push(Holder::active(account, None));
            }
        }
        Ok(holders)
    }

    fn inspect(&mut self, _now: OffsetDateTime) -> Result<Inspection, AdapterError> {
        if self.group_roles.is_empty() {
            return Ok(Inspection::default());
        }
        let operation = "review the groups' admin roles";
        self.ensure_token(operation)?;
        let (notes, configuration) = self.group_role_changes(operation)?;
        Ok(Inspection {
            notes,
            configuration,
        })
    }

    fn configuration_subject(&self) -> ConfigurationSubject {
        ConfigurationSubject {
            subject: "okta:group-roles",
            description: "the admin roles of the groups `group_roles` names, as the client file declares them",
        }
    }

    fn apply_configuration(
        &mut self,
        planned: &[ConfigurationChange],
        done: &mut Vec<String>,
    ) -> Result<(), AdapterError> {
        if planned.is_empty() {
            return Ok(());
        }
        let operation = "reconcile the groups' admin roles";
        self.ensure_token(operation)?;
        for change in planned {
            self.change_group_role(change, operation)?;
            done.push(change.done());
        }
        Ok(())
    }

    crate::adapters::grant_and_revoke_through!(change);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn okta_error_bodies_become_messages() {
        let body = br#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorLink":"E0000047","errorId":"oae1","errorCauses":[]}"#;
        assert_eq!(
            error_body(body).unwrap(),
            "`E0000047`: API call exceeded rate limit due to too many requests."
        );
        let body = br#"{"errorCode":"E0000001","errorSummary":"Api validation failed: type","errorCauses":[{"errorSummary":"type: not a role"}]}"#;
        assert_eq!(
            error_body(body).unwrap(),
            "`E0000001`: Api validation failed: type (type: not a role)"
        );
        assert_eq!(error_body(b"{}"), None);
    }
}
