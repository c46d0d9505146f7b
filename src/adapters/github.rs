//! The GitHub adapter (REST API, one organisation), over [`super::http`].
//!
//! Entitlements (accounts are GitHub logins):
//! - `org:member` / `org:admin`: organisation membership with that role,
//!   `PUT /orgs/{org}/memberships/{login} {"role": …}`. Revoking `org:admin` demotes
//!   to member; revoking `org:member` removes the membership (which also cancels a
//!   pending invitation).
//! - `team:SLUG` / `team-maintainer:SLUG`: team membership with role `member` or
//!   `maintainer`, `PUT /orgs/{org}/teams/{slug}/memberships/{login}`. Revoking
//!   `team-maintainer` demotes to member; revoking `team` removes the membership.
//!
//! Logins resolve to ids from the member listings the run reads anyway; several logins
//! not known yet from one listing of the organisation's members (`per_page=100`, once per
//! run); users outside the organisation one `GET /users/{login}` each.
//!
//! Both PUTs add or change a role, so "already held" is known first and sends nothing:
//! from the entitlement's listing this run read (the plan's, moments before; kept up to
//! date as onboard changes it), else from the membership read just before.
//! A user who is not yet in the organisation gets an invitation: the membership's
//! `state` is `pending` until they accept. Member listings show only active members, so
//! `list` also reads the pending invitations (`GET /orgs/{org}/invitations`, or the
//! team's) and reports their logins as pending holders: the plan shows "invitation
//! pending" instead of offering the grant again, and a revoke (`DELETE` of the
//! membership) cancels the invitation. The invitation listings are not in the trimmed
//! GitHub description the tests validate against (see the tests).
//!
//! Auth: a token from the `credential` reference, or, with `app_id`, as a GitHub App:
//! the credential is then the app's private key, and onboard signs an RS256 JWT with it
//! to mint an installation token (`POST /app/installations/{id}/access_tokens`, the
//! installation found with `GET /orgs/{org}/installation` when `installation_id` is not
//! given), kept until five minutes before its one-hour expiry.
//!
//! Rate limits: GitHub answers 403 or 429. The HTTP layer retries a 403 that carries
//! `retry-after` or `x-ratelimit-remaining: 0` (never taking it for a refusal), waits
//! what those headers ask, and paces by `x-ratelimit-remaining/reset`. Writes are sent
//! at least one second apart, as GitHub asks of integrations to stay clear of its
//! secondary limits; a secondary limit without headers is reported, not hammered.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::http::{self, Auth, Call, HttpClient, Method, Response, TokenCache, Url};
use super::jwt;
use super::{Adapter, AdapterError, FailureKind, Outcome, Principal};
use crate::adapters::ChangeRequest;
use crate::adapters::Direction;
use crate::adapters::TenantContext;
use crate::model::{Entitlement, EntitlementKind, GithubApp, GithubSettings, Holder};
use crate::secrets::Secret;

/// GitHub's REST API, used when the tenant names no endpoint.
pub const DEFAULT_ENDPOINT: &str = "https://api.github.com";
const API_VERSION: &str = "2022-11-28";
/// Items per page (GitHub's maximum).
const PAGE_SIZE: &str = "100";
/// [`PAGE_SIZE`] as a number, for the lower bound of pages.
const PAGE: usize = 100;
const MAX_PAGES: usize = 10_000;
/// The least time between two writes.
const WRITE_SPACING: Duration = Duration::from_secs(1);

/// Reads a GitHub error body (`message`, and `errors[]` on 422).
fn error_body(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let message = value.get("message")?.as_str()?.to_string();
    let details: Vec<String> = value
        .get("errors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| {
            e.get("message")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| e.get("code").and_then(Value::as_str).map(str::to_string))
        })
        .collect();
    Some(if details.is_empty() {
        message
    } else {
        format!("{message} ({})", details.join("; "))
    })
}

/// A GitHub App that onboard authenticates as: its id, its installation in the
/// organisation (looked up when not given) and its private key.
struct App {
    app_id: String,
    installation_id: Option<String>,
    key: Secret,
    token: TokenCache,
}

/// A GitHub organisation.
pub struct GithubTenant {
    name: String,
    org: String,
    http: HttpClient,
    last_write: Option<Instant>,
    app: Option<App>,
    /// Accounts resolved this run, by login.
    principals: super::accounts::ResolvedAccounts,
    /// Whether the organisation's members were listed this run (their ids learnt).
    members_listed: bool,
    /// The logins (lower case) holding each entitlement, active or invited, as this run
    /// listed them and kept them up to date since.
    listed: HashMap<Entitlement, HashSet<String>>,
    /// The pending invitations of the organisation or of a team, by the path listing
    /// them, as read this run: `org:member` and `org:admin` (`team:` and
    /// `team-maintainer:`) read the same listing. Forgotten at the first change.
    invitations: HashMap<String, Vec<Value>>,
}

impl GithubTenant {
    /// Opens a GitHub organisation: its `org`, the token its `credential` names (a
    /// fine-grained or classic token, or an installation token), and `endpoint` (default
    /// `https://api.github.com`; GitHub Enterprise Server: `https://HOST/api/v3`).
    pub fn open(
        context: &TenantContext<'_>,
        settings: &GithubSettings,
    ) -> Result<Self, AdapterError> {
        let secret = context.credential(&settings.credential)?;
        let (auth, app) = match &settings.app {
            // The credential is the app's private key: tokens are minted as needed.
            Some(GithubApp {
                app_id,
                installation_id,
            }) => {
                context.require_private_key(
                    &secret,
                    "with `app_id`, the `credential` must name the GitHub App's private key (the `.pem` file GitHub gave)",
                )?;
                (
                    None,
                    Some(App {
                        app_id: app_id.clone(),
                        installation_id: installation_id.clone(),
                        key: secret,
                        token: TokenCache::default(),
                    }),
                )
            }
            None => (Some(Auth::Bearer(secret)), None),
        };
        let endpoint = settings.endpoint.as_deref().unwrap_or(DEFAULT_ENDPOINT);
        let http = context.http(endpoint, auth, error_body)?;
        Ok(GithubTenant {
            name: context.name.clone(),
            org: settings.org.clone(),
            http,
            last_write: None,
            app,
            principals: Default::default(),
            members_listed: false,
            listed: HashMap::new(),
            invitations: HashMap::new(),
        })
    }

    fn error(&self, operation: &str, kind: FailureKind, detail: impl Into<String>) -> AdapterError {
        AdapterError::new(&self.name, operation, kind, detail)
    }

    fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = self.http.url(segments);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    /// As a GitHub App: mints an installation token unless the one held is good for
    /// five more minutes. The app's JWT (RS256, `iat` a minute back for clock drift,
    /// `exp` nine minutes on, `iss` the app id) is sent only to the token endpoints.
    fn ensure_token(&mut self, operation: &str) -> Result<(), AdapterError> {
        let Some(app) = &self.app else {
            return Ok(());
        };
        if app.token.is_fresh() {
            return Ok(());
        }
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let claims = json!({ "iat": now - 60, "exp": now + 540, "iss": app.app_id });
        let jwt = jwt::sign_rs256(&claims, app.key.expose())
            .map_err(|e| self.error(operation, FailureKind::Denied, e))?;
        let bearer = format!("Bearer {jwt}");
        let installation_id = app.installation_id.clone();
        // The old token must not ride along with the app's JWT.
        self.http.set_auth(None);
        let installation = match installation_id {
            Some(id) => id,
            None => {
                let org = self.org.clone();
                self.http.needed(1);
                let call = self
                    .headers(Call::get(self.url(&["orgs", &org, "installation"], &[])))
                    .header(reqwest::header::AUTHORIZATION, bearer.clone());
                let response = self.http.send(operation, &call)?;
                if !response.is_success() {
                    return Err(self.token_error(operation, &response));
                }
                let body: Value = self.http.json(operation, &response)?;
                let id = body.get("id").and_then(Value::as_u64).ok_or_else(|| {
                    self.error(
                        operation,
                        FailureKind::Malformed,
                        "the installation has no `id`",
                    )
                })?;
                id.to_string()
            }
        };
        self.http.needed(1);
        let call = self
            .headers(Call::new(
                Method::POST,
                self.url(
                    &["app", "installations", &installation, "access_tokens"],
                    &[],
                ),
            ))
            .header(reqwest::header::AUTHORIZATION, bearer);
        let response = self.http.send(operation, &call)?;
        if !response.is_success() {
            return Err(self.token_error(operation, &response));
        }
        let (token, lifetime) = http::token_answer(
            &self.http,
            operation,
            &response,
            ("token", "the installation token answer"),
        )?;
        if let Some(app) = &mut self.app {
            app.installation_id = Some(installation);
            app.token.store(&mut self.http, token, lifetime);
        }
        Ok(())
    }

    fn token_error(&self, operation: &str, response: &Response) -> AdapterError {
        let error = self.http.status_error(operation, response);
        AdapterError {
            detail: format!("getting an installation token: {}", error.detail),
            kind: FailureKind::Denied,
            ..error
        }
        .with_hint("check `app_id`, `installation_id` and that the `credential` is the app's current private key, and that the app is installed in the organisation")
    }

    /// Adds the headers every GitHub request carries: the media type and the API version.
    fn headers(&self, call: Call) -> Call {
        call.header(reqwest::header::ACCEPT, "application/vnd.github+json")
            .header(
                reqwest::header::HeaderName::from_static("x-github-api-version"),
                API_VERSION,
            )
    }

    fn send(&mut self, operation: &str, call: Call) -> Result<Response, AdapterError> {
        self.ensure_token(operation)?;
        let call = self.headers(call);
        if call.is_write() {
            if let Some(last) = self.last_write {
                let spacing = self.http.scaled(WRITE_SPACING);
                let since = last.elapsed();
                if since < spacing {
                    std::thread::sleep(spacing - since);
                }
            }
            self.last_write = Some(Instant::now());
        }
        self.http.send(operation, &call)
    }

    /// Returns the error for a failed response. The HTTP layer already tells a rate
    /// limit (429, or 403 with rate-limit headers) from a refusal; GitHub also answers a
    /// secondary rate limit as a bare 403 that says so in its body.
    fn status_error(&self, operation: &str, response: &Response) -> AdapterError {
        let error = self.http.status_error(operation, response);
        let secondary = matches!(response.status.as_u16(), 403 | 429)
            && String::from_utf8_lossy(&response.body)
                .to_ascii_lowercase()
                .contains("secondary rate limit");
        if secondary {
            AdapterError {
                kind: FailureKind::Unreachable,
                ..error
            }
            .with_hint("GitHub's secondary rate limit was hit: wait at least a minute before running again")
        } else if error.kind == FailureKind::Unreachable
            && matches!(response.status.as_u16(), 403 | 429)
        {
            error.with_hint("GitHub's rate limit is used up: run again after the reset time in `x-ratelimit-reset`")
        } else {
            error
        }
    }

    fn collect(&mut self, operation: &str, first: Url) -> Result<Vec<Value>, AdapterError> {
        self.ensure_token(operation)?;
        let this = &*self;
        http::collect_linked(&this.http, operation, first, MAX_PAGES, |url| {
            let response = this
                .http
                .send(operation, &this.headers(Call::get(url.clone())))?;
            if !response.is_success() {
                return Err(this.status_error(operation, &response));
            }
            let items: Vec<Value> = this.http.json(operation, &response)?;
            Ok((items, http::link_next(&response.headers)))
        })
    }

    /// Remembers the ids of the users a listing shows, for the run.
    fn learn(&mut self, items: &[Value]) {
        for item in items {
            if let (Some(login), Some(id)) = (
                item.get("login").and_then(Value::as_str),
                item.get("id").and_then(Value::as_u64),
            ) {
                self.principals.learn(&id.to_string(), login);
            }
        }
    }

    /// Resolves logins (see [`Adapter::resolve_many`]): those not known yet, when there
    /// are several, from one listing of the organisation's members (100 a page, once
    /// per run); the rest (users outside the organisation) one `GET /users/{login}` each.
    fn resolve_accounts(
        &mut self,
        accounts: &[&str],
    ) -> Vec<Result<Option<Principal>, AdapterError>> {
        let unknown = self.principals.unknown(accounts);
        if unknown.len() > 1 && !self.members_listed {
            let operation = format!("resolve {} accounts", unknown.len());
            let org = self.org.clone();
            let url = self.url(&["orgs", &org, "members"], &[("per_page", PAGE_SIZE)]);
            // A failed listing costs nothing more: each login is then looked up alone.
            if let Ok(items) = self.collect(&operation, url) {
                self.http.needed_pages(items.len(), PAGE);
                self.learn(&items);
                self.members_listed = true;
            }
        }
        let mut failed: HashMap<String, AdapterError> = HashMap::new();
        for login in unknown {
            if self.principals.contains(&login) {
                continue;
            }
            match self.user(&login) {
                Ok(found) => {
                    self.principals.insert(login, found);
                }
                Err(error) => {
                    failed.insert(login, error);
                }
            }
        }
        self.principals.results(accounts, &failed)
    }

    /// Looks a user up by login: `GET /users/{login}`.
    fn user(&mut self, account: &str) -> Result<Option<Principal>, AdapterError> {
        let operation = format!("resolve `{account}`");
        // A user outside the organisation: REST has no lookup of several logins at once.
        self.http.needed(1);
        let response = self.send(&operation, Call::get(self.url(&["users", account], &[])))?;
        if response.status.as_u16() == 404 {
            return Ok(None);
        }
        if !response.is_success() {
            return Err(self.status_error(&operation, &response));
        }
        let user: Value = self.http.json(&operation, &response)?;
        let (Some(login), Some(id)) = (
            user.get("login").and_then(Value::as_str),
            user.get("id").and_then(Value::as_u64),
        ) else {
            return Err(self.error(
                &operation,
                FailureKind::Malformed,
                "the user has no `login` or `id`",
            ));
        };
        Ok(Some(Principal {
            id: id.to_string(),
            account: login.to_string(),
        }))
    }

    fn logins(items: &[Value]) -> Vec<String> {
        items
            .iter()
            .filter_map(|u| u.get("login").and_then(Value::as_str).map(str::to_string))
            .collect()
    }

    /// Reads a membership: `Some((role, state))`, or `None` when there is none.
    fn membership(
        &mut self,
        operation: &str,
        segments: &[&str],
    ) -> Result<Option<(String, String)>, AdapterError> {
        let response = self.send(operation, Call::get(self.url(segments, &[])))?;
        if response.status.as_u16() == 404 {
            return Ok(None);
        }
        if !response.is_success() {
            return Err(self.status_error(operation, &response));
        }
        let body: Value = self.http.json(operation, &response)?;
        let text = |key: &str| {
            body.get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        Ok(Some((text("role"), text("state"))))
    }

    /// Grants or revokes a role in a membership (org or team). `role` is the role the
    /// entitlement stands for; `base` the plain membership's role (`member`).
    fn change(
        &mut self,
        principal: &Principal,
        entitlement: &Entitlement,
        segments: &[&str],
        role: &str,
        direction: Direction,
    ) -> Result<Outcome, AdapterError> {
        let operation = direction.operation(entitlement, principal);
        let elevated = role != "member";
        let login = principal.account.to_lowercase();
        let current = match self.listed.get(entitlement) {
            // As this run listed it: the role the entitlement stands for, or none.
            Some(holders) => holders
                .contains(&login)
                .then(|| (role.to_string(), String::new())),
            None => {
                self.http.needed(1);
                self.membership(&operation, segments)?
            }
        };
        let target = match (direction, current.as_ref()) {
            // Already holds it, or more (a maintainer is a member too).
            (Direction::Grant, Some((held, _)))
                if held == role || (!elevated && held != "member") =>
            {
                return Ok(Outcome::NoChange);
            }
            (Direction::Grant, _) => Some(role),
            (Direction::Revoke, None) => return Ok(Outcome::NoChange),
            // Revoking the elevated role keeps the plain membership.
            (Direction::Revoke, Some((held, _))) if elevated => {
                if held != role {
                    return Ok(Outcome::NoChange);
                }
                Some("member")
            }
            (Direction::Revoke, Some(_)) => None,
        };
        let url = self.url(segments, &[]);
        let call = match target {
            Some(role) => {
                Call::new(Method::PUT, url).json(&json!({ "role": role }), "application/json")
            }
            None => Call::new(Method::DELETE, url),
        };
        self.http.needed(1);
        let outcome = match self.send(&operation, call) {
            Ok(response) => match response.status.as_u16() {
                200..=299 => Ok(Outcome::Changed),
                404 if target.is_none() => Ok(Outcome::NoChange),
                _ => Err(self.status_error(&operation, &response)),
            },
            Err(error) => Err(error),
        };
        self.changed(
            entitlement,
            &login,
            direction,
            outcome.is_ok(),
            target.is_none(),
        );
        outcome
    }

    /// Keeps the run's listings true after a change of `entitlement` for `login`: the
    /// entitlement's own as the change left it (unless it failed, when it is read
    /// again), the other listings of the same organisation or team read again (a role
    /// changed there too), and every team's after a removal from the organisation.
    fn changed(
        &mut self,
        entitlement: &Entitlement,
        login: &str,
        direction: Direction,
        succeeded: bool,
        removed: bool,
    ) {
        self.invitations.clear();
        let own = self.listed.remove(entitlement).filter(|_| succeeded);
        let left_org = removed && entitlement.kind == EntitlementKind::Org;
        self.listed.retain(|other, _| {
            let same_place = match (entitlement.kind, other.kind) {
                (EntitlementKind::Org, EntitlementKind::Org) => true,
                (EntitlementKind::Org, _) => left_org,
                (_, EntitlementKind::Org) => false,
                _ => other.name == entitlement.name,
            };
            !same_place
        });
        if let Some(mut holders) = own {
            if direction.is_grant() {
                holders.insert(login.to_string());
            } else {
                holders.remove(login);
            }
            self.listed.insert(entitlement.clone(), holders);
        }
    }

    fn segments<'a>(&'a self, entitlement: &'a Entitlement, login: &'a str) -> Vec<&'a str> {
        match entitlement.kind {
            EntitlementKind::Org => vec!["orgs", &self.org, "memberships", login],
            _ => vec![
                "orgs",
                &self.org,
                "teams",
                &entitlement.name,
                "memberships",
                login,
            ],
        }
    }

    fn role_of(
        &self,
        entitlement: &Entitlement,
        operation: &str,
    ) -> Result<&'static str, AdapterError> {
        match (entitlement.kind, entitlement.name.as_str()) {
            (EntitlementKind::Org, "member") => Ok("member"),
            (EntitlementKind::Org, "admin") => Ok("admin"),
            (EntitlementKind::Team, _) => Ok("member"),
            (EntitlementKind::TeamMaintainer, _) => Ok("maintainer"),
            _ => Err(self.error(
                operation,
                FailureKind::Unsupported,
                format!("GitHub tenants have no `{entitlement}` entitlement (only `org:member`, `org:admin`, `team:SLUG`, `team-maintainer:SLUG`)"),
            )),
        }
    }

    /// Returns the logins with a pending invitation to an entitlement: the
    /// organisation's (`GET /orgs/{org}/invitations`, whose `role` is `admin` or
    /// `direct_member`) or the team's (`GET /orgs/{org}/teams/{slug}/invitations`, which
    /// does not say the team role, so a maintainer's is read from the pending team
    /// membership). Invitations sent to an email address have no login and are left out.
    fn invited(
        &mut self,
        entitlement: &Entitlement,
        role: &str,
        operation: &str,
    ) -> Result<Vec<String>, AdapterError> {
        let org = self.org.clone();
        let segments: Vec<&str> = match entitlement.kind {
            EntitlementKind::Org => vec!["orgs", &org, "invitations"],
            _ => vec!["orgs", &org, "teams", &entitlement.name, "invitations"],
        };
        let key = segments.join("/");
        let url = self.url(&segments, &[("per_page", PAGE_SIZE)]);
        let read = match self.invitations.get(&key) {
            Some(items) => Ok(items.clone()),
            None => self.collect(operation, url),
        };
        let items = match read {
            Ok(items) => {
                if !self.invitations.contains_key(&key) {
                    self.http.needed_pages(items.len(), PAGE);
                    self.invitations.insert(key, items.clone());
                }
                items
            }
            Err(error)
                if error.kind == FailureKind::NotFound
                    && entitlement.kind != EntitlementKind::Org =>
            {
                return Ok(Vec::new());
            }
            Err(error) => return Err(error),
        };
        let mut logins = Vec::new();
        for item in &items {
            let Some(login) = item.get("login").and_then(Value::as_str) else {
                continue;
            };
            let wanted = match entitlement.kind {
                EntitlementKind::Org => {
                    role != "admin" || item.get("role").and_then(Value::as_str) == Some("admin")
                }
                EntitlementKind::TeamMaintainer => {
                    let segments: Vec<String> = self
                        .segments(entitlement, login)
                        .into_iter()
                        .map(str::to_string)
                        .collect();
                    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
                    // A team invitation does not say the role: its pending membership does.
                    self.http.needed(1);
                    self.membership(operation, &segments)?
                        .is_some_and(|(held, _)| held == "maintainer")
                }
                _ => true,
            };
            if wanted {
                logins.push(login.to_string());
            }
        }
        Ok(logins)
    }

    fn grant_or_revoke(&mut self, request: ChangeRequest<'_>) -> Result<Outcome, AdapterError> {
        let (principal, entitlement, direction) = request.parts();
        let role = self.role_of(entitlement, direction.verb())?;
        let segments: Vec<String> = self
            .segments(entitlement, &principal.account)
            .into_iter()
            .map(str::to_string)
            .collect();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        self.change(principal, entitlement, &segments, role, direction)
    }
}

impl Adapter for GithubTenant {
    fn verify_tenant(&mut self) -> Result<(), AdapterError> {
        // The organisation must exist and show its members to this token (a token that
        // is not in the organisation is redirected to the public members, which is an
        // error here: redirects are not followed).
        let operation = "verify tenant";
        let org = self.org.clone();
        let url = self.url(&["orgs", &org, "members"], &[("per_page", "1")]);
        self.http.needed(1);
        let response = self.send(operation, Call::get(url))?;
        if response.is_success() {
            return Ok(());
        }
        let error = self.status_error(operation, &response);
        Err(
            if response.status.is_redirection() || response.status.as_u16() == 404 {
                AdapterError {
                kind: FailureKind::WrongTenant,
                ..error
            }
            .with_hint(format!("check `org: {org}` and that the token belongs to a member or an installation of that organisation"))
            } else {
                error
            },
        )
    }

    fn resolve(&mut self, account: &str) -> Result<Option<Principal>, AdapterError> {
        self.resolve_accounts(&[account]).pop().unwrap_or(Ok(None))
    }

    fn resolve_many(&mut self, accounts: &[&str]) -> Vec<Result<Option<Principal>, AdapterError>> {
        self.resolve_accounts(accounts)
    }

    fn list(&mut self, entitlement: &Entitlement) -> Result<Vec<Holder>, AdapterError> {
        let operation = format!("list `{entitlement}`");
        let role = self.role_of(entitlement, &operation)?;
        let org = self.org.clone();
        let url = match entitlement.kind {
            EntitlementKind::Org => self.url(
                &["orgs", &org, "members"],
                &[
                    ("role", if role == "admin" { "admin" } else { "all" }),
                    ("per_page", PAGE_SIZE),
                ],
            ),
            _ => self.url(
                &["orgs", &org, "teams", &entitlement.name, "members"],
                &[
                    (
                        "role",
                        if role == "maintainer" {
                            "maintainer"
                        } else {
                            "all"
                        },
                    ),
                    ("per_page", PAGE_SIZE),
                ],
            ),
        };
        let items = match self.collect(&operation, url) {
            Ok(items) => {
                self.http.needed_pages(items.len(), PAGE);
                items
            }
            // A team that does not exist yet has no holders.
            Err(error)
                if error.kind == FailureKind::NotFound
                    && entitlement.kind != EntitlementKind::Org =>
            {
                Vec::new()
            }
            Err(error) => return Err(error),
        };
        self.learn(&items);
        if entitlement.kind == EntitlementKind::Org && role != "admin" {
            self.members_listed = true;
        }
        let mut holders: Vec<Holder> = Self::logins(&items)
            .into_iter()
            .map(|account| Holder::active(account, None))
            .collect();
        for account in self.invited(entitlement, role, &operation)? {
            if !holders
                .iter()
                .any(|h| h.account.eq_ignore_ascii_case(&account))
            {
                holders.push(Holder {
                    account,
                    expires_at: None,
                    pending: true,
                });
            }
        }
        self.listed.insert(
            entitlement.clone(),
            holders.iter().map(|h| h.account.to_lowercase()).collect(),
        );
        Ok(holders)
    }

    crate::adapters::grant_and_revoke_through!(grant_or_revoke);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_error_bodies_become_messages() {
        let body = br#"{"message":"Validation Failed","errors":[{"resource":"Membership","code":"invalid","message":"role is not valid"}],"documentation_url":"https://docs.github.com"}"#;
        assert_eq!(
            error_body(body).unwrap(),
            "Validation Failed (role is not valid)"
        );
        assert_eq!(
            error_body(br#"{"message":"Not Found"}"#).unwrap(),
            "Not Found"
        );
        assert_eq!(error_body(b"[]"), None);
    }
}
