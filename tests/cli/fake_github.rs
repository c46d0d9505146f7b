//! A stateful fake of GitHub's REST API for one organisation as `tenant-apis.md` §4
//! describes it: org and team memberships with roles, invitations left `pending` for
//! users outside the organisation, `link` paging, `x-ratelimit-*` on every answer, and
//! secondary rate limits answered 403 with `retry-after`. Organisations are kept apart by
//! token.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Value, json};

use crate::fake::{Bypass, Contract, Front, Reply, Request, Seen, Vendor};

/// One fake organisation.
#[derive(Debug, Default)]
pub struct Org {
    /// Its login.
    pub login: String,
    /// Every GitHub user: login → id.
    pub users: BTreeMap<String, u64>,
    /// Members: login → (role, state).
    pub members: BTreeMap<String, (String, String)>,
    /// Teams: slug → (login → (role, state)).
    pub teams: BTreeMap<String, BTreeMap<String, (String, String)>>,
    /// Items per page.
    pub page_size: usize,
    /// Every Nth write answers 403 (secondary rate limit) with `retry-after: 1`.
    pub secondary_every: Option<usize>,
    writes: usize,
    /// Writes answered 403 for a secondary limit.
    pub secondary_hits: usize,
    /// The GitHub App installed in the organisation, if any.
    pub app: Option<App>,
}

/// A GitHub App installed in a fake organisation.
#[derive(Debug, Clone)]
pub struct App {
    /// Its id (the JWT's `iss`).
    pub app_id: String,
    /// Its installation id in the organisation.
    pub installation_id: u64,
    /// Its private key (PEM); the fake checks JWTs against its public half.
    pub key_pem: String,
    /// How long minted tokens last, in seconds.
    pub token_lifetime: i64,
    /// The installation tokens minted so far.
    pub minted: Vec<String>,
}

type Orgs = Arc<Mutex<HashMap<String, Org>>>;

fn orgs() -> &'static Orgs {
    static ORGS: OnceLock<Orgs> = OnceLock::new();
    ORGS.get_or_init(Orgs::default)
}

/// GitHub's description covers every call the adapter makes.
static CONTRACTS: &[Contract] = &[Contract {
    description: "github.yaml",
    covers: |_, _| true,
    errors: true,
    known: &[],
}];

/// Nothing goes around Prism. (`DELETE /orgs/{org}/invitations/{id}`, which the 2020
/// description lacks, is not called: `DELETE /orgs/{org}/memberships/{login}` cancels an
/// invitation too.)
static BYPASS: &[Bypass] = &[];

/// Installation tokens minted by the fake: token → the organisation's own token.
fn aliases() -> &'static Mutex<HashMap<String, String>> {
    static ALIASES: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    ALIASES.get_or_init(Mutex::default)
}

/// Checks an app JWT (RS256 over the app's key, `iss`, at most ten minutes long) and
/// returns the organisation key of the app it names.
fn app_of(orgs: &HashMap<String, Org>, jwt: &str) -> Option<String> {
    use ring::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
    let parts: Vec<&str> = jwt.split('.').collect();
    let [header, payload, signature] = parts.as_slice() else {
        return None;
    };
    let header: Value = serde_json::from_slice(&crate::fake_graph::decode_b64url(header)?).ok()?;
    let claims: Value = serde_json::from_slice(&crate::fake_graph::decode_b64url(payload)?).ok()?;
    if header["alg"] != "RS256" {
        return None;
    }
    let (iat, exp) = (claims["iat"].as_i64()?, claims["exp"].as_i64()?);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if exp - iat > 600 || exp < now || iat > now + 60 {
        return None;
    }
    let (key, _) = orgs.iter().find(|(_, o)| {
        o.app
            .as_ref()
            .is_some_and(|a| claims["iss"].as_str() == Some(a.app_id.as_str()))
    })?;
    let pem = &orgs[key].app.as_ref()?.key_pem;
    let public = onboard::adapters::jwt::rsa_key(pem)
        .ok()?
        .public()
        .as_ref()
        .to_vec();
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, public)
        .verify(
            format!("{header}.{payload}", header = parts[0], payload = parts[1]).as_bytes(),
            &crate::fake_graph::decode_b64url(signature)?,
        )
        .ok()?;
    Some(key.clone())
}

/// Answers the app endpoints, authenticated by the app's JWT.
fn app_route(orgs: &mut HashMap<String, Org>, request: &Request) -> Reply {
    let Some(key) = request.credential().and_then(|jwt| app_of(orgs, jwt)) else {
        return error(401, "A JSON web token could not be decoded");
    };
    let org = orgs.get_mut(&key).unwrap();
    let app = org.app.as_mut().unwrap();
    let segments = request.segments();
    match (request.method.as_str(), segments.as_slice()) {
        ("GET", ["orgs", o, "installation"]) => {
            // Every property the description requires (Prism 5.16 does not check this
            // answer: see tests/contracts/README.md).
            let id = app.installation_id;
            Reply::json(
                200,
                &json!({
                    "id": id, "app_id": app.app_id.parse::<u64>().unwrap_or(0),
                    "app_slug": "onboard", "target_id": 1, "target_type": "Organization",
                    "single_file_name": null, "repository_selection": "all",
                    "access_tokens_url": format!("{API}/app/installations/{id}/access_tokens"),
                    "html_url": format!("https://github.com/organizations/{o}/settings/installations/{id}"),
                    "repositories_url": format!("{API}/installation/repositories"),
                    "events": [], "account": simple_user(o, 1),
                    "permissions": {"members": "write"},
                    "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"
                }),
            )
        }
        ("POST", ["app", "installations", id, "access_tokens"])
            if *id == app.installation_id.to_string() =>
        {
            let token = format!("ghs_fake_{}_{}", app.minted.len() + 1, std::process::id());
            app.minted.push(token.clone());
            aliases().lock().unwrap().insert(token.clone(), key.clone());
            let expires =
                time::OffsetDateTime::now_utc() + time::Duration::seconds(app.token_lifetime);
            Reply::json(
                201,
                &json!({
                    "token": token,
                    "expires_at": expires.replace_nanosecond(0).unwrap().format(&time::format_description::well_known::Rfc3339).unwrap(),
                    "permissions": {"members": "write"},
                    "repository_selection": "all"
                }),
            )
        }
        _ => error(404, "Not Found"),
    }
}

/// Returns the shared fake GitHub behind Prism, or `None` when Prism is not installed.
pub fn vendor() -> Option<&'static Vendor> {
    static VENDOR: OnceLock<Option<Vendor>> = OnceLock::new();
    crate::fake::shared(&VENDOR, || {
        Vendor::start(CONTRACTS, BYPASS, Arc::new(handle))
    })
}

/// Asserts that an organisation's and a team's pending invitations were listed, and
/// checked against GitHub's description.
pub fn assert_invitations_checked(seen: &[Seen], org: &str, team: &str) {
    for target in [
        format!("/orgs/{org}/invitations?"),
        format!("/orgs/{org}/teams/{team}/invitations?"),
    ] {
        crate::fake::assert_checked(seen, "GET", &target, "github.yaml");
    }
}

/// A handle on one fake organisation.
pub struct Handle {
    /// The token that reaches it.
    pub token: String,
}

impl Handle {
    /// Creates an organisation reached with this token.
    pub fn create(token: &str, login: &str) -> Handle {
        orgs().lock().unwrap().insert(
            token.to_string(),
            Org {
                login: login.to_string(),
                page_size: 2,
                ..Org::default()
            },
        );
        Handle {
            token: token.to_string(),
        }
    }

    /// Runs `f` on the organisation.
    pub fn with<R>(&self, f: impl FnOnce(&mut Org) -> R) -> R {
        f(orgs().lock().unwrap().get_mut(&self.token).unwrap())
    }

    /// Adds GitHub users (outside the organisation).
    pub fn add_users(&self, logins: &[&str]) {
        self.with(|o| {
            for login in logins {
                let id = o.users.len() as u64 + 1000;
                o.users.insert(login.to_string(), id);
            }
        });
    }

    /// Makes users active members with a role.
    pub fn add_members(&self, logins: &[&str], role: &str) {
        self.add_users(logins);
        self.with(|o| {
            for login in logins {
                o.members
                    .insert(login.to_string(), (role.into(), "active".into()));
            }
        });
    }

    /// Creates a team.
    pub fn add_team(&self, slug: &str) {
        self.with(|o| {
            o.teams.entry(slug.to_string()).or_default();
        });
    }

    /// Returns the organisation's memberships: `login role state`, sorted.
    pub fn memberships(&self) -> Vec<String> {
        self.with(|o| {
            o.members
                .iter()
                .map(|(l, (r, s))| format!("{l} {r} {s}"))
                .collect()
        })
    }

    /// Returns a team's memberships: `login role state`, sorted.
    pub fn team(&self, slug: &str) -> Vec<String> {
        self.with(|o| {
            o.teams[slug]
                .iter()
                .map(|(l, (r, s))| format!("{l} {r} {s}"))
                .collect()
        })
    }
}

const API: &str = "https://api.github.com";

fn simple_user(login: &str, id: u64) -> Value {
    json!({
        "login": login, "id": id, "node_id": format!("U_{id}"),
        "avatar_url": format!("https://avatars.githubusercontent.com/u/{id}"), "gravatar_id": "",
        "url": format!("{API}/users/{login}"), "html_url": format!("https://github.com/{login}"),
        "followers_url": format!("{API}/users/{login}/followers"),
        "following_url": format!("{API}/users/{login}/following{{/other_user}}"),
        "gists_url": format!("{API}/users/{login}/gists{{/gist_id}}"),
        "starred_url": format!("{API}/users/{login}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{API}/users/{login}/subscriptions"),
        "organizations_url": format!("{API}/users/{login}/orgs"),
        "repos_url": format!("{API}/users/{login}/repos"),
        "events_url": format!("{API}/users/{login}/events{{/privacy}}"),
        "received_events_url": format!("{API}/users/{login}/received_events"),
        "type": "User", "site_admin": false
    })
}

fn public_user(login: &str, id: u64) -> Value {
    let mut user = simple_user(login, id);
    for (key, value) in [
        ("bio", json!("")),
        ("blog", json!("")),
        ("company", json!("")),
        ("email", json!(format!("{login}@users.noreply.github.com"))),
        ("hireable", json!(false)),
        ("location", json!("")),
        ("name", json!(login)),
        ("followers", json!(0)),
        ("following", json!(0)),
        ("public_gists", json!(0)),
        ("public_repos", json!(0)),
        ("created_at", json!("2020-01-01T00:00:00Z")),
        ("updated_at", json!("2020-01-01T00:00:00Z")),
    ] {
        user[key] = value;
    }
    user
}

fn org_membership(org: &Org, login: &str, role: &str, state: &str) -> Value {
    let o = &org.login;
    json!({
        "url": format!("{API}/orgs/{o}/memberships/{login}"),
        "state": state, "role": role,
        "organization_url": format!("{API}/orgs/{o}"),
        "organization": {
            "login": o, "id": 1, "node_id": "O_1", "url": format!("{API}/orgs/{o}"),
            "repos_url": format!("{API}/orgs/{o}/repos"), "events_url": format!("{API}/orgs/{o}/events"),
            "hooks_url": format!("{API}/orgs/{o}/hooks"), "issues_url": format!("{API}/orgs/{o}/issues"),
            "members_url": format!("{API}/orgs/{o}/members{{/member}}"),
            "public_members_url": format!("{API}/orgs/{o}/public_members{{/member}}"),
            "avatar_url": "https://avatars.githubusercontent.com/u/1", "description": "fake"
        },
        "user": simple_user(login, org.users[login])
    })
}

fn error(status: u16, message: &str) -> Reply {
    Reply::json(
        status,
        &json!({"message": message, "documentation_url": "https://docs.github.com/rest"}),
    )
}

fn page(request: &Request, org: &Org, logins: Vec<String>) -> Reply {
    let page: usize = request
        .query("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1);
    let per_page: usize = request
        .query("per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(30);
    let size = per_page.min(org.page_size).max(1);
    let items: Vec<Value> = logins
        .iter()
        .skip((page - 1) * size)
        .take(size)
        .map(|l| simple_user(l, org.users[l]))
        .collect();
    let mut reply = Reply::json(200, &Value::Array(items));
    if page * size < logins.len() {
        let query: Vec<String> = request
            .query
            .iter()
            .filter(|(k, _)| k != "page")
            .map(|(k, v)| format!("{k}={v}"))
            .chain([format!("page={}", page + 1)])
            .collect();
        reply = reply.with(
            "link",
            format!(
                "<{}{}?{}>; rel=\"next\", <{}{}?page=1>; rel=\"first\"",
                Front::origin(request),
                request.path,
                query.join("&"),
                Front::origin(request),
                request.path
            ),
        );
    }
    reply
}

/// Answers a list of organisation invitations (`login`, org `role`) in GitHub's shape.
fn invitations(items: &[(String, String)]) -> Reply {
    let body: Vec<Value> = items
        .iter()
        .enumerate()
        .map(|(i, (login, role))| {
            json!({
                "id": i + 1, "node_id": format!("OI_{}", i + 1), "login": login,
                "email": null,
                "role": if role == "admin" { "admin" } else { "direct_member" },
                "created_at": "2026-11-20T00:00:00Z", "failed_at": null, "failed_reason": null,
                "inviter": simple_user("owner-1", 1),
                "team_count": 0,
                "invitation_teams_url": format!("{API}/organizations/1/invitations/{}/teams", i + 1),
                "invitation_source": "member"
            })
        })
        .collect();
    Reply::json(200, &Value::Array(body))
}

fn handle(request: &Request) -> Reply {
    let Some(token) = request.credential().map(str::to_string) else {
        return error(401, "Requires authentication");
    };
    let mut map = orgs().lock().unwrap();
    if request.path.starts_with("/app/") || request.path.ends_with("/installation") {
        return app_route(&mut map, request);
    }
    let token = aliases()
        .lock()
        .unwrap()
        .get(&token)
        .cloned()
        .unwrap_or(token);
    let Some(org) = map.get_mut(&token) else {
        return error(401, "Bad credentials");
    };
    let reply = route(org, request);
    reply
        .with("x-ratelimit-limit", "5000")
        .with("x-ratelimit-remaining", "4999")
        .with("x-ratelimit-reset", "4102444800")
        .with("x-ratelimit-resource", "core")
}

fn route(org: &mut Org, request: &Request) -> Reply {
    let method = request.method.as_str();
    if method != "GET" {
        org.writes += 1;
        if org
            .secondary_every
            .is_some_and(|n| org.writes.is_multiple_of(n))
        {
            org.secondary_hits += 1;
            return error(
                403,
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
            )
            .with("retry-after", "1");
        }
    }
    let segments = request.segments();
    let name = org.login.clone();
    match (method, segments.as_slice()) {
        ("GET", ["users", login]) => match org.users.get(*login) {
            Some(id) => Reply::json(200, &public_user(login, *id)),
            None => error(404, "Not Found"),
        },
        (_, ["orgs", o, ..]) if *o != name => error(404, "Not Found"),
        ("GET", ["orgs", _, "invitations"]) => {
            let items: Vec<(String, String)> = org
                .members
                .iter()
                .filter(|(_, (_, s))| s == "pending")
                .map(|(l, (r, _))| (l.clone(), r.clone()))
                .collect();
            invitations(&items)
        }
        ("GET", ["orgs", _, "teams", slug, "invitations"]) => {
            let Some(team) = org.teams.get(*slug) else {
                return error(404, "Not Found");
            };
            let items: Vec<(String, String)> = team
                .iter()
                .filter(|(_, (_, s))| s == "pending")
                .map(|(l, _)| (l.clone(), "member".to_string()))
                .collect();
            invitations(&items)
        }
        ("GET", ["orgs", _, "members"]) => {
            let role = request.query("role").unwrap_or("all");
            let logins = org
                .members
                .iter()
                .filter(|(_, (r, s))| s == "active" && (role == "all" || r == role))
                .map(|(l, _)| l.clone())
                .collect();
            page(request, org, logins)
        }
        ("GET", ["orgs", _, "memberships", login]) => match org.members.get(*login) {
            Some((role, state)) => Reply::json(200, &org_membership(org, login, role, state)),
            None => error(404, "Not Found"),
        },
        ("PUT", ["orgs", _, "memberships", login]) => {
            let role = request.json()["role"]
                .as_str()
                .unwrap_or("member")
                .to_string();
            if !org.users.contains_key(*login) {
                return error(404, "Not Found");
            }
            let state = org
                .members
                .get(*login)
                .map_or("pending".to_string(), |(_, s)| s.clone());
            org.members
                .insert(login.to_string(), (role.clone(), state.clone()));
            Reply::json(200, &org_membership(org, login, &role, &state))
        }
        ("DELETE", ["orgs", _, "memberships", login]) => {
            if org.members.remove(*login).is_none() {
                return error(404, "Not Found");
            }
            for team in org.teams.values_mut() {
                team.remove(*login);
            }
            Reply::empty(204)
        }
        ("GET", ["orgs", _, "teams", slug, "members"]) => {
            let Some(team) = org.teams.get(*slug) else {
                return error(404, "Not Found");
            };
            let role = request.query("role").unwrap_or("all");
            let logins = team
                .iter()
                .filter(|(_, (r, s))| s == "active" && (role == "all" || r == role))
                .map(|(l, _)| l.clone())
                .collect();
            page(request, org, logins)
        }
        (m, ["orgs", o, "teams", slug, "memberships", login]) => {
            let url = format!("{API}/orgs/{o}/teams/{slug}/memberships/{login}");
            let in_org = org.members.get(*login).is_some_and(|(_, s)| s == "active");
            let Some(team) = org.teams.get_mut(*slug) else {
                return error(404, "Not Found");
            };
            match m {
                "GET" => match team.get(*login) {
                    Some((role, state)) => {
                        Reply::json(200, &json!({"url": url, "role": role, "state": state}))
                    }
                    None => Reply::empty(404),
                },
                "PUT" => {
                    let role = request.json()["role"]
                        .as_str()
                        .unwrap_or("member")
                        .to_string();
                    let state = if in_org { "active" } else { "pending" };
                    team.insert(login.to_string(), (role.clone(), state.into()));
                    Reply::json(200, &json!({"url": url, "role": role, "state": state}))
                }
                "DELETE" => {
                    team.remove(*login);
                    Reply::empty(204)
                }
                _ => error(404, "Not Found"),
            }
        }
        _ => error(404, "Not Found"),
    }
}
