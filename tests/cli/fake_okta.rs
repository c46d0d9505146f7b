//! A stateful fake of Okta's Management API as `tenant-apis.md` §2 describes it: `SSWS`
//! tokens, groups found by `search`, members paged with `Link: <…>; rel="next"`,
//! membership PUT (411 without `Content-Length`) and DELETE, admin roles per user and
//! per group (a user's role list includes those held through groups, as
//! `assignmentType: GROUP`),
//! `OKTA_GROUP` and `APP_GROUP` groups, and a fixed-window rate limit announced on every
//! answer with `X-Rate-Limit-Limit/Remaining/Reset` (429 `E0000047` past it). Orgs are
//! kept apart by API token.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::fake::{Bypass, Contract, Front, Known, Reply, Request, Vendor};

/// One fake Okta org.
#[derive(Debug, Default)]
pub struct Org {
    /// Users: id → login.
    pub users: BTreeMap<String, String>,
    /// Groups: id → (name, type, member ids).
    pub groups: BTreeMap<String, (String, String, BTreeSet<String>)>,
    /// Admin roles: user id → (assignment id → role type).
    pub roles: BTreeMap<String, BTreeMap<String, String>>,
    /// Admin roles of groups: group id → (assignment id → role type).
    pub group_roles: BTreeMap<String, BTreeMap<String, String>>,
    /// Members per page.
    pub page_size: usize,
    /// `(limit, window seconds)`: a fixed window aligned to the epoch.
    pub rate_limit: Option<(u64, u64)>,
    window: (u64, u64),
    /// Requests answered 429.
    pub throttled: usize,
    /// Requests answered in all.
    pub requests: usize,
    /// An OAuth 2.0 service app: its client id and private key (PEM); the fake checks
    /// `private_key_jwt` assertions against the key's public half.
    pub service_app: Option<(String, String)>,
    /// Access tokens the org authorization server issued.
    pub issued: Vec<String>,
    next_id: u64,
}

impl Org {
    fn id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}{:016}", self.next_id)
    }

    fn group_id(&self, name: &str) -> String {
        self.groups
            .iter()
            .find(|(_, (n, _, _))| n == name)
            .map(|(id, _)| id.clone())
            .unwrap_or_else(|| panic!("no group `{name}`"))
    }

    /// The admin roles a user holds through groups: (assignment id, role type).
    fn roles_through_groups(&self, uid: &str) -> Vec<(String, String)> {
        self.group_roles
            .iter()
            .filter(|(gid, _)| self.groups.get(*gid).is_some_and(|g| g.2.contains(uid)))
            .flat_map(|(_, roles)| roles.iter().map(|(id, k)| (id.clone(), k.clone())))
            .collect()
    }
}

type Orgs = Arc<Mutex<HashMap<String, Org>>>;

fn orgs() -> &'static Orgs {
    static ORGS: OnceLock<Orgs> = OnceLock::new();
    ORGS.get_or_init(Orgs::default)
}

/// Okta's descriptions: the org authorization server's token endpoint (`okta-oauth.yaml`,
/// a file of its own: its components clash with the management API's) and the management
/// API (`okta.yaml`). Both Prisms report answers' violations rather than failing them, for
/// the descriptions' own defects below; every other violation fails the test.
static CONTRACTS: &[Contract] = &[
    Contract {
        description: "okta-oauth.yaml",
        covers: |method, path| method == "POST" && path == "/oauth2/v1/token",
        errors: false,
        known: &[Known {
            // `private_key_jwt` is described as `type: http, scheme: postBody`, which Prism
            // cannot check: a correct request (the assertion in the body, no
            // `Authorization`) always carries this one violation.
            path_contains: "/oauth2/v1/token",
            location: "request",
            message: PRIVATE_KEY_JWT,
            always: true,
        }],
    },
    Contract {
        description: "okta.yaml",
        covers: |_, _| true,
        errors: false,
        known: &[Known {
            // The role answers (user and group) are a `oneOf` that a standard role
            // matches twice.
            path_contains: "/roles",
            location: "response",
            message: ROLE_ONE_OF,
            always: false,
        }],
    },
];

/// The violation Prism reports on every `private_key_jwt` token request.
pub const PRIVATE_KEY_JWT: &str = "Invalid security scheme used";

/// Every Okta call the adapter makes is in a description: nothing goes around Prism.
static BYPASS: &[Bypass] = &[];

/// Access tokens the fake's authorization server issued: token → the org's own key.
fn issued() -> &'static Mutex<HashMap<String, String>> {
    static ISSUED: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    ISSUED.get_or_init(Mutex::default)
}

/// The org authorization server's token endpoint: client credentials with a
/// `private_key_jwt` assertion (RS256 over the service app's key, `iss` = `sub` = the
/// client id, `aud` this endpoint, at most an hour long) and the `okta.*` scopes.
fn token(request: &Request) -> Reply {
    use ring::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
    let refuse = |code: &str, description: &str| {
        Reply::json(
            401,
            &json!({"error": code, "error_description": description}),
        )
    };
    let form: HashMap<String, String> = String::from_utf8_lossy(&request.body)
        .split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_string(), crate::fake::decode_form(v)))
        .collect();
    if form.get("grant_type").map(String::as_str) != Some("client_credentials")
        || form.get("client_assertion_type").map(String::as_str)
            != Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    {
        return refuse(
            "invalid_request",
            "client credentials with a client assertion expected",
        );
    }
    let assertion = form.get("client_assertion").cloned().unwrap_or_default();
    let parts: Vec<&str> = assertion.split('.').collect();
    let [header, payload, signature] = parts.as_slice() else {
        return refuse("invalid_client", "The client_assertion is not a JWT.");
    };
    let decode = |text: &str| crate::fake_graph::decode_b64url(text);
    let (Some(claims), Some(signature)) = (
        decode(payload).and_then(|b| serde_json::from_slice::<Value>(&b).ok()),
        decode(signature),
    ) else {
        return refuse("invalid_client", "The client_assertion cannot be read.");
    };
    let mut map = orgs().lock().unwrap();
    let Some((key, org)) = map.iter_mut().find(|(_, o)| {
        o.service_app
            .as_ref()
            .is_some_and(|(id, _)| claims["iss"].as_str() == Some(id))
    }) else {
        return refuse("invalid_client", "The client_id is not known.");
    };
    let (client_id, pem) = org.service_app.clone().unwrap();
    let public = onboard::adapters::jwt::rsa_key(&pem)
        .unwrap()
        .public()
        .as_ref()
        .to_vec();
    let signed = format!("{header}.{payload}");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap_or(0),
        claims["exp"].as_i64().unwrap_or(0),
    );
    if UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, public)
        .verify(signed.as_bytes(), &signature)
        .is_err()
        || claims["sub"].as_str() != Some(client_id.as_str())
        || !claims["aud"]
            .as_str()
            .is_some_and(|a| a.ends_with("/oauth2/v1/token"))
        || exp < now
        || exp - iat > 3600
        || claims["jti"].as_str().is_none_or(str::is_empty)
    {
        return refuse("invalid_client", "The client_assertion token is invalid.");
    }
    let scopes = form.get("scope").cloned().unwrap_or_default();
    if !scopes.split(' ').any(|s| s == "okta.groups.manage") {
        return refuse("invalid_scope", "The requested scope is invalid.");
    }
    let token = format!("okta-at-{}-{}", org.issued.len() + 1, std::process::id());
    org.issued.push(token.clone());
    issued().lock().unwrap().insert(token.clone(), key.clone());
    Reply::json(
        200,
        &json!({"token_type": "Bearer", "expires_in": 3600, "access_token": token, "scope": scopes}),
    )
}

/// Returns the shared fake Okta behind Prism, or `None` when Prism is not installed.
pub fn vendor() -> Option<&'static Vendor> {
    static VENDOR: OnceLock<Option<Vendor>> = OnceLock::new();
    crate::fake::shared(&VENDOR, || {
        Vendor::start(CONTRACTS, BYPASS, Arc::new(handle))
    })
}

/// The violation Prism reports on answers of `GET`/`POST …/roles` (user and group).
pub const ROLE_ONE_OF: &str = "must match exactly one schema in oneOf";

/// Starts the fake alone (no Prism), for the throttling test.
pub fn direct() -> u16 {
    static PORT: OnceLock<u16> = OnceLock::new();
    *PORT.get_or_init(|| crate::fake::Server::start(Arc::new(handle)).port)
}

/// A handle on one fake org, for seeding and reading it directly.
pub struct Handle {
    /// The org's API token.
    pub token: String,
}

impl Handle {
    /// Creates an org reached with this API token.
    pub fn create(token: &str) -> Handle {
        orgs().lock().unwrap().insert(
            token.to_string(),
            Org {
                page_size: 2,
                ..Org::default()
            },
        );
        let handle = Handle {
            token: token.to_string(),
        };
        // The API token's own user, which `GET /users/me` answers.
        handle.with(|o| {
            o.users
                .insert("me".to_string(), "onboard-automation@msp.example".into())
        });
        handle
    }

    /// Runs `f` on the org.
    pub fn with<R>(&self, f: impl FnOnce(&mut Org) -> R) -> R {
        f(orgs().lock().unwrap().get_mut(&self.token).unwrap())
    }

    /// Adds a user and returns its id.
    pub fn add_user(&self, login: &str) -> String {
        self.with(|o| {
            let id = o.id("00u");
            o.users.insert(id.clone(), login.to_string());
            id
        })
    }

    /// Adds a group of a type (`OKTA_GROUP`, `APP_GROUP`) with these member logins.
    pub fn add_group(&self, name: &str, kind: &str, members: &[&str]) -> String {
        self.with(|o| {
            let id = o.id("00g");
            let ids = members
                .iter()
                .map(|l| o.users.iter().find(|(_, u)| u == l).unwrap().0.clone())
                .collect();
            o.groups
                .insert(id.clone(), (name.to_string(), kind.to_string(), ids));
            id
        })
    }

    /// Returns a group's member logins, sorted.
    pub fn members(&self, name: &str) -> Vec<String> {
        self.with(|o| {
            let (_, (_, _, ids)) = o.groups.iter().find(|(_, (n, _, _))| n == name).unwrap();
            let mut logins: Vec<String> = ids.iter().map(|id| o.users[id].clone()).collect();
            logins.sort();
            logins
        })
    }

    /// Returns a group's id.
    pub fn group_id(&self, name: &str) -> String {
        self.with(|o| o.group_id(name))
    }

    /// Gives a group an admin role (`CUSTOM` for a custom one) and returns the
    /// assignment's id.
    pub fn assign_group_role(&self, name: &str, kind: &str) -> String {
        self.with(|o| {
            let gid = o.group_id(name);
            let id = o.id("ra1");
            o.group_roles
                .entry(gid)
                .or_default()
                .insert(id.clone(), kind.to_string());
            id
        })
    }

    /// Returns a group's admin role types, sorted.
    pub fn group_roles(&self, name: &str) -> Vec<String> {
        self.with(|o| {
            let gid = o.group_id(name);
            let mut kinds: Vec<String> = o
                .group_roles
                .get(&gid)
                .map(|r| r.values().cloned().collect())
                .unwrap_or_default();
            kinds.sort();
            kinds
        })
    }

    /// Returns a user's admin role types, sorted.
    pub fn roles(&self, login: &str) -> Vec<String> {
        self.with(|o| {
            let id = o.users.iter().find(|(_, l)| *l == login).unwrap().0.clone();
            o.roles
                .get(&id)
                .map(|r| r.values().cloned().collect())
                .unwrap_or_default()
        })
    }
}

fn error(status: u16, code: &str, summary: &str) -> Reply {
    Reply::json(
        status,
        &json!({"errorCode": code, "errorSummary": summary, "errorLink": code, "errorId": "oaeFake", "errorCauses": []}),
    )
}

fn user_json(id: &str, login: &str) -> Value {
    let (first, _) = login.split_once('@').unwrap_or((login, ""));
    json!({
        "id": id,
        "status": "ACTIVE",
        "created": "2025-01-01T00:00:00.000Z",
        "lastUpdated": "2025-01-01T00:00:00.000Z",
        "profile": {"login": login, "email": login, "firstName": first, "lastName": "Test"}
    })
}

fn role_json(id: &str, kind: &str, assignment: &str) -> Value {
    json!({
        "id": id,
        "type": kind,
        "label": kind,
        "status": "ACTIVE",
        "assignmentType": assignment,
        "created": "2025-01-01T00:00:00.000Z",
        "lastUpdated": "2025-01-01T00:00:00.000Z"
    })
}

fn epoch() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn handle(request: &Request) -> Reply {
    if request.path == "/oauth2/v1/token" {
        return token(request);
    }
    let Some(token) = request.credential().map(str::to_string) else {
        return error(401, "E0000011", "Invalid token provided");
    };
    let token = issued()
        .lock()
        .unwrap()
        .get(&token)
        .cloned()
        .unwrap_or(token);
    let mut map = orgs().lock().unwrap();
    let Some(org) = map.get_mut(&token) else {
        return error(401, "E0000011", "Invalid token provided");
    };
    org.requests += 1;
    let mut limit_headers = Vec::new();
    if let Some((limit, window)) = org.rate_limit {
        let now = epoch();
        let start = now - now % window;
        if org.window.0 != start {
            org.window = (start, 0);
        }
        org.window.1 += 1;
        let used = org.window.1;
        let reset = start + window;
        limit_headers = vec![
            ("X-Rate-Limit-Limit".to_string(), limit.to_string()),
            (
                "X-Rate-Limit-Remaining".to_string(),
                limit.saturating_sub(used).to_string(),
            ),
            ("X-Rate-Limit-Reset".to_string(), reset.to_string()),
        ];
        if used > limit {
            org.throttled += 1;
            let mut reply = error(
                429,
                "E0000047",
                "API call exceeded rate limit due to too many requests.",
            );
            reply.headers = limit_headers;
            return reply;
        }
    }
    let mut reply = route(org, request);
    reply.headers.extend(limit_headers);
    reply
}

fn route(org: &mut Org, request: &Request) -> Reply {
    let segments = request.segments();
    let method = request.method.as_str();
    let not_found = || error(404, "E0000007", "Not found: Resource not found");
    match (method, segments.as_slice()) {
        ("GET", ["api", "v1", "users", key]) => {
            match org
                .users
                .iter()
                .find(|(id, login)| *id == key || login.eq_ignore_ascii_case(key))
            {
                Some((id, login)) => Reply::json(200, &user_json(id, login)),
                None => not_found(),
            }
        }
        ("GET", ["api", "v1", "users"]) => {
            // `search=profile.login eq "a" or profile.login eq "b"` (or `id eq …`): values
            // compared without case, as Okta does; `limit` users per page (200 at most), then
            // `Link: <…after=ID>; rel="next"`.
            let search = request.query("search").unwrap_or_default();
            let values = |field: &str| -> Vec<String> {
                let prefix = format!("{field} eq \"");
                search
                    .split(" or ")
                    .filter_map(|term| term.trim().strip_prefix(prefix.as_str()))
                    .filter_map(|value| value.strip_suffix('"'))
                    .map(|value| value.replace("\\\"", "\"").to_lowercase())
                    .collect()
            };
            let (logins, ids) = (values("profile.login"), values("id"));
            let limit: usize = request
                .query("limit")
                .and_then(|l| l.parse().ok())
                .unwrap_or(200);
            let size = limit.clamp(1, 200);
            let after = request.query("after").unwrap_or_default();
            let rest: Vec<(&String, &String)> = org
                .users
                .iter()
                .filter(|(id, login)| {
                    id.as_str() > after
                        && (logins.contains(&login.to_lowercase())
                            || ids.contains(&id.to_lowercase()))
                })
                .collect();
            let page: Vec<Value> = rest
                .iter()
                .take(size)
                .map(|(id, login)| user_json(id, login))
                .collect();
            let mut reply = Reply::json(200, &Value::Array(page));
            if rest.len() > size {
                let mut next = url::Url::parse(&format!("{}/api/v1/users", Front::origin(request)))
                    .expect("the fake's own URL");
                next.query_pairs_mut()
                    .append_pair("search", search)
                    .append_pair("limit", &limit.to_string())
                    .append_pair("after", rest[size - 1].0);
                reply = reply.with("Link", format!("<{next}>; rel=\"next\""));
            }
            reply
        }
        ("GET", ["api", "v1", "groups"]) => {
            let search = request.query("search").unwrap_or_default();
            let name = search
                .strip_prefix("profile.name eq \"")
                .and_then(|s| s.strip_suffix('"'))
                .unwrap_or_default()
                .replace("\\\"", "\"");
            let found: Vec<Value> = org
                .groups
                .iter()
                .filter(|(_, (n, _, _))| *n == name)
                .map(|(id, (n, kind, _))| {
                    json!({"id": id, "type": kind, "created": "2025-01-01T00:00:00.000Z", "profile": {"name": n, "description": "fake"}})
                })
                .collect();
            Reply::json(200, &Value::Array(found))
        }
        ("GET", ["api", "v1", "groups", id, "users"]) => {
            let Some((_, _, members)) = org.groups.get(*id) else {
                return not_found();
            };
            let limit: usize = request
                .query("limit")
                .and_then(|l| l.parse().ok())
                .unwrap_or(1000);
            let size = limit.min(org.page_size).max(1);
            let after = request.query("after").unwrap_or_default();
            let rest: Vec<&String> = members.iter().filter(|m| m.as_str() > after).collect();
            let page: Vec<Value> = rest
                .iter()
                .take(size)
                .map(|m| user_json(m, &org.users[*m]))
                .collect();
            let mut reply = Reply::json(200, &Value::Array(page));
            if rest.len() > size {
                let last = rest[size - 1];
                reply = reply.with(
                    "Link",
                    format!(
                        "<{}/api/v1/groups/{id}/users?limit={limit}&after={last}>; rel=\"next\"",
                        Front::origin(request)
                    ),
                );
            }
            reply.with(
                "Link",
                format!("<{}{}>; rel=\"self\"", Front::origin(request), request.path),
            )
        }
        (m @ ("PUT" | "DELETE"), ["api", "v1", "groups", gid, "users", uid]) => {
            if m == "PUT" && request.header("content-length").is_none() {
                return error(411, "E0000001", "Length Required");
            }
            if !org.users.contains_key(*uid) {
                return not_found();
            }
            let Some((_, kind, members)) = org.groups.get_mut(*gid) else {
                return not_found();
            };
            if kind != "OKTA_GROUP" {
                return error(
                    403,
                    "E0000006",
                    "You do not have permission to perform the requested action",
                );
            }
            if m == "PUT" {
                members.insert(uid.to_string());
            } else {
                members.remove(*uid);
            }
            Reply::empty(204)
        }
        ("GET", ["api", "v1", "users", uid, "roles"]) => {
            let mut roles: Vec<Value> = org
                .roles
                .get(*uid)
                .into_iter()
                .flatten()
                .map(|(id, kind)| role_json(id, kind, "USER"))
                .collect();
            roles.extend(
                org.roles_through_groups(uid)
                    .iter()
                    .map(|(id, kind)| role_json(id, kind, "GROUP")),
            );
            Reply::json(200, &Value::Array(roles))
        }
        ("GET", ["api", "v1", "groups", gid, "roles"]) => {
            if !org.groups.contains_key(*gid) {
                return not_found();
            }
            let roles: Vec<Value> = org
                .group_roles
                .get(*gid)
                .into_iter()
                .flatten()
                .map(|(id, kind)| role_json(id, kind, "GROUP"))
                .collect();
            Reply::json(200, &Value::Array(roles))
        }
        ("POST", ["api", "v1", owners @ ("users" | "groups"), owner, "roles"]) => {
            assign_role(org, request, owners, owner)
        }
        (
            "DELETE",
            [
                "api",
                "v1",
                owners @ ("users" | "groups"),
                owner,
                "roles",
                rid,
            ],
        ) => {
            let roles = if *owners == "users" {
                &mut org.roles
            } else {
                &mut org.group_roles
            };
            match roles.get_mut(*owner).and_then(|r| r.remove(*rid)) {
                Some(_) => Reply::empty(204),
                None => not_found(),
            }
        }
        ("GET", ["api", "v1", "iam", "assignees", "users"]) => {
            // Users holding a role, whether assigned to them or through a group.
            let value: Vec<Value> = org
                .users
                .keys()
                .filter(|id| {
                    org.roles.get(*id).is_some_and(|r| !r.is_empty())
                        || !org.roles_through_groups(id).is_empty()
                })
                .map(|id| json!({"id": id, "orn": format!("orn:okta:directory:fake:users:{id}"), "_links": {}}))
                .collect();
            Reply::json(200, &json!({"value": value, "_links": {}}))
        }
        _ => error(404, "E0000022", "The endpoint does not exist."),
    }
}

/// `POST /users/{id}/roles` or `POST /groups/{id}/roles`: assigns a standard role once
/// (409 `E0000090` the second time).
fn assign_role(org: &mut Org, request: &Request, owners: &str, owner: &str) -> Reply {
    let kind = request.json()["type"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    // Okta's standard role types (custom roles take a role and a resource set). The
    // IAM-based ones (`ACCESS_*_ADMIN`, `WORKFLOWS_ADMIN`) need products the fake org
    // does not have: it refuses them with 400 `E0000001`, as it does any other type.
    const STANDARD: [&str; 10] = [
        "SUPER_ADMIN",
        "ORG_ADMIN",
        "APP_ADMIN",
        "USER_ADMIN",
        "HELP_DESK_ADMIN",
        "READ_ONLY_ADMIN",
        "MOBILE_ADMIN",
        "API_ACCESS_MANAGEMENT_ADMIN",
        "REPORT_ADMIN",
        "GROUP_MEMBERSHIP_ADMIN",
    ];
    if !STANDARD.contains(&kind.as_str()) {
        return error(400, "E0000001", "Api validation failed: type");
    }
    let (exists, assignment) = if owners == "users" {
        (org.users.contains_key(owner), "USER")
    } else {
        (org.groups.contains_key(owner), "GROUP")
    };
    if !exists {
        return error(404, "E0000007", "Not found: Resource not found");
    }
    let id = org.id("ra1");
    let roles = if owners == "users" {
        &mut org.roles
    } else {
        &mut org.group_roles
    };
    let roles = roles.entry(owner.to_string()).or_default();
    if roles.values().any(|k| *k == kind) {
        return error(409, "E0000090", "Duplicate role assignment exception");
    }
    roles.insert(id.clone(), kind.clone());
    // A user's new role is `201`, a group's `200` (the description's `201` for a group
    // has no body, so Prism could not check this one).
    let status = if owners == "users" { 201 } else { 200 };
    Reply::json(status, &role_json(&id, &kind, assignment))
}
