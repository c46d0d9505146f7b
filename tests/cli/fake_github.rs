//! A stateful fake of GitHub's REST API for one organisation as `tenant-apis.md` §4
//! describes it: org and team memberships with roles, invitations left `pending` for
//! users outside the organisation, `link` paging, `x-ratelimit-*` on every answer, and
//! secondary rate limits answered 403 with `retry-after`. Organisations are kept apart by
//! token.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Value, json};

use crate::fake::{Front, Reply, Request, Vendor};

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
}

type Orgs = Arc<Mutex<HashMap<String, Org>>>;

fn orgs() -> &'static Orgs {
    static ORGS: OnceLock<Orgs> = OnceLock::new();
    ORGS.get_or_init(Orgs::default)
}

/// Routes the trimmed GitHub description lacks: the organisation's and a team's pending
/// invitations (`GET /orgs/{org}/invitations`, `GET /orgs/{org}/teams/{slug}/invitations`),
/// which go straight to the fake.
fn outside(method: &str, path: &str) -> bool {
    method == "GET" && path.ends_with("/invitations")
}

/// Returns the shared fake GitHub behind Prism, or `None` when Prism is not installed.
pub fn vendor() -> Option<&'static Vendor> {
    static VENDOR: OnceLock<Option<Vendor>> = OnceLock::new();
    VENDOR
        .get_or_init(|| Vendor::start("github.yaml", Arc::new(handle), outside))
        .as_ref()
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
