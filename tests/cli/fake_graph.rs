//! A stateful fake of Microsoft Graph (Entra ID) as `tenant-apis.md` §1 describes it:
//! client-credentials tokens carrying `tid`, group members with `@odata.nextLink` pages,
//! `members/$ref` add (400 "already exist" on a repeat) and remove (404 when not a
//! member), directory role assignments, PIM schedule requests with `afterDateTime`
//! expiry against a settable clock (400 `RoleAssignmentExists`), 429 + `Retry-After`.
//! Answers carry only properties the vendor's description declares, so that Prism's
//! response validation holds. Tenants are kept apart by tenant id.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::fake::{Bypass, Contract, Reply, Request, Vendor};

/// One fake Entra tenant.
#[derive(Debug, Default)]
pub struct Tenant {
    /// The client secret the token endpoint accepts.
    pub secret: String,
    /// The `tid` its tokens carry (another tenant's id to play a misfiled credential).
    pub issues_tid: Option<String>,
    /// Users: id → UPN.
    pub users: BTreeMap<String, String>,
    /// Groups: id → (display name, member ids).
    pub groups: BTreeMap<String, (String, BTreeSet<String>)>,
    /// Role assignments: id → (principal, role definition, end).
    pub assignments: BTreeMap<String, (String, String, Option<OffsetDateTime>)>,
    /// The tenant's clock (PIM expiry).
    pub now: Option<OffsetDateTime>,
    /// Members per page.
    pub page_size: usize,
    /// Every Nth API request answers 429 with `Retry-After: 1`.
    pub throttle_every: Option<usize>,
    /// Member listings carry a property the description does not declare.
    pub nonconforming: bool,
    /// PIM for Groups member assignments: id → (group, principal, end). Active ones
    /// make their principal a member of the group.
    pub group_assignments: BTreeMap<String, (String, String, Option<OffsetDateTime>)>,
    /// Delegated admin relationships (partner side): id → relationship.
    pub relationships: BTreeMap<String, Relationship>,
    /// App registrations: object id → app.
    pub applications: BTreeMap<String, Application>,
    /// `addPassword` and `removePassword` answer 403, as to an app without
    /// `Application.ReadWrite.*`.
    pub deny_application_writes: bool,
    /// A refused `addPassword` or `removePassword` quotes the app's secrets back, as a
    /// careless API might.
    pub echo_secrets: bool,
    requests: usize,
    next_id: u64,
}

/// A delegated admin relationship in a fake partner tenant.
#[derive(Debug, Clone, Default)]
pub struct Relationship {
    /// The customer's tenant id.
    pub customer: String,
    /// `active`, `expired`…
    pub status: String,
    /// Its end.
    pub end: Option<OffsetDateTime>,
    /// `PT0S` or `P180D`.
    pub auto_extend: String,
    /// The role definition ids the customer approved.
    pub roles: Vec<String>,
    /// Access assignments: id → (partner group id, role ids, status, etag).
    pub assignments: BTreeMap<String, (String, Vec<String>, String, String)>,
}

/// An app registration in a fake tenant.
#[derive(Debug, Clone, Default)]
pub struct Application {
    /// Its appId (client id).
    pub app_id: String,
    /// Its client secrets, in the order added.
    pub secrets: Vec<ClientSecret>,
}

/// A client secret of a fake app registration.
#[derive(Debug, Clone)]
pub struct ClientSecret {
    /// Its key id.
    pub key_id: String,
    /// Its display name.
    pub display_name: Option<String>,
    /// Its value (`secretText`), answered once, by `addPassword`.
    pub value: String,
    /// When it was added.
    pub start: OffsetDateTime,
    /// When it ends.
    pub end: OffsetDateTime,
}

impl ClientSecret {
    /// The secret as a `passwordCredential`: without its value, unless `with_value`
    /// (the answer to `addPassword`).
    fn json(&self, with_value: bool) -> Value {
        json!({
            "customKeyIdentifier": null,
            "displayName": self.display_name,
            "endDateTime": self.end.format(&Rfc3339).unwrap(),
            "hint": &self.value[..3],
            "keyId": self.key_id,
            "secretText": if with_value { json!(self.value) } else { Value::Null },
            "startDateTime": self.start.format(&Rfc3339).unwrap(),
        })
    }
}

impl Tenant {
    fn id(&mut self, prefix: u32) -> String {
        self.next_id += 1;
        format!("{prefix:08x}-0000-4000-8000-{:012x}", self.next_id)
    }

    fn now(&self) -> OffsetDateTime {
        self.now
            .unwrap_or_else(|| OffsetDateTime::parse(crate::support::NOW, &Rfc3339).unwrap())
    }

    fn active(&self) -> impl Iterator<Item = (&String, &(String, String, Option<OffsetDateTime>))> {
        let now = self.now();
        self.assignments
            .iter()
            .filter(move |(_, (_, _, end))| end.is_none_or(|e| e > now))
    }
}

type Tenants = Arc<Mutex<HashMap<String, Tenant>>>;

fn tenants() -> &'static Tenants {
    static TENANTS: OnceLock<Tenants> = OnceLock::new();
    TENANTS.get_or_init(Tenants::default)
}

/// Graph's descriptions: `$batch` (hand-written from Microsoft's documentation, no vendor
/// file describes it) and every other Graph call. The fake answers a `$batch` by replaying
/// each item through the Prism of `graph.prism.yaml`, so every item is checked too.
static CONTRACTS: &[Contract] = &[
    Contract {
        description: "graph-batch.yaml",
        covers: |method, path| method == "POST" && path == "/$batch",
        errors: true,
        known: &[],
    },
    Contract {
        description: GRAPH,
        covers: |_, _| true,
        errors: true,
        known: &[],
    },
];

/// The description every Graph call but `$batch` is checked against.
const GRAPH: &str = "graph.prism.yaml";

/// The one call no description covers.
pub static BYPASS: &[Bypass] = &[Bypass {
    method: "POST",
    path: |path| path.ends_with("/oauth2/v2.0/token"),
    why: "the client-credentials token endpoint of the Microsoft identity platform \
          (login.microsoftonline.com/{tenant}/oauth2/v2.0/token) is not part of Graph, \
          and Microsoft publishes no OpenAPI description of it",
}];

/// One item of a `$batch` as the fake replayed it through Prism.
#[derive(Debug, Clone)]
pub struct BatchItemSeen {
    /// The item's method.
    pub method: String,
    /// The item's URL, relative to the version root.
    pub url: String,
    /// The status Prism (and behind it the fake) answered.
    pub status: u16,
    /// Prism's `sl-violations` for the item, if any.
    pub violations: Option<String>,
}

/// A `$batch` the fake received: its items, in the order sent.
#[derive(Debug, Clone)]
pub struct BatchSeen {
    /// The credential it carried.
    pub credential: String,
    /// Its items.
    pub items: Vec<BatchItemSeen>,
}

fn batches_seen() -> &'static Mutex<Vec<BatchSeen>> {
    static SEEN: OnceLock<Mutex<Vec<BatchSeen>>> = OnceLock::new();
    SEEN.get_or_init(Mutex::default)
}

/// Returns the `$batch` requests made with a credential.
pub fn batches(credential: &str) -> Vec<BatchSeen> {
    batches_seen()
        .lock()
        .unwrap()
        .iter()
        .filter(|b| b.credential == credential)
        .cloned()
        .collect()
}

/// Answers `POST /$batch` as Graph does: at most 20 items, each answered on its own
/// (here by replaying it through Prism to this fake, so that Prism validates it),
/// responses in an order other than the request's, and an outer 200 whatever the items'
/// statuses.
fn batch(request: &Request) -> Reply {
    let credential = request.credential().unwrap_or_default().to_string();
    let body = request.json();
    let Some(items) = body["requests"].as_array() else {
        return error(400, "BadRequest", "Invalid batch payload format.");
    };
    if items.len() > 20 {
        return error(
            400,
            "BadRequest",
            "The number of batch requests exceeds the limit of 20.",
        );
    }
    let prism = vendor()
        .expect("the fake runs behind Prism")
        .prism_port(GRAPH);
    let auth = format!("Bearer {credential}");
    let mut responses = Vec::new();
    let mut seen = Vec::new();
    for item in items {
        let id = item["id"].as_str().unwrap_or_default().to_string();
        let method = item["method"].as_str().unwrap_or_default().to_string();
        let url = item["url"].as_str().unwrap_or_default().to_string();
        let inner_body = item.get("body").filter(|b| !b.is_null());
        let content_type = item
            .pointer("/headers/Content-Type")
            .and_then(Value::as_str);
        if inner_body.is_some() && content_type.is_none() {
            responses.push(json!({"id": id, "status": 400, "body": {"error": {"code": "BadRequest", "message": "Content-Type header must be specified with a body."}}}));
            continue;
        }
        let mut headers = vec![("Authorization", auth.as_str())];
        if let Some(content_type) = content_type {
            headers.push(("Content-Type", content_type));
        }
        let text = inner_body.map(Value::to_string).unwrap_or_default();
        let target = if url.starts_with('/') {
            url.clone()
        } else {
            format!("/{url}")
        };
        let (status, violations, reply_headers, reply_body) =
            crate::fake::exchange(prism, &method, &target, &headers, &text);
        seen.push(BatchItemSeen {
            method,
            url,
            status,
            violations,
        });
        let mut item_headers = serde_json::Map::new();
        for (name, value) in reply_headers {
            if name == "retry-after" || name == "content-type" {
                item_headers.insert(
                    if name == "retry-after" {
                        "Retry-After".into()
                    } else {
                        "Content-Type".into()
                    },
                    json!(value),
                );
            }
        }
        let mut response = json!({"id": id, "status": status, "headers": item_headers});
        // An answer without a body (204) has no `body` in its item.
        if let Ok(body) = serde_json::from_str::<Value>(&reply_body) {
            response["body"] = body;
        }
        responses.push(response);
    }
    batches_seen().lock().unwrap().push(BatchSeen {
        credential,
        items: seen,
    });
    // Graph answers in any order: never the request's.
    responses.reverse();
    Reply::json(200, &json!({ "responses": responses }))
}

/// Returns the shared fake Graph behind Prism, or `None` when Prism is not installed.
pub fn vendor() -> Option<&'static Vendor> {
    static VENDOR: OnceLock<Option<Vendor>> = OnceLock::new();
    crate::fake::shared(&VENDOR, || {
        Vendor::start(CONTRACTS, BYPASS, Arc::new(handle))
    })
}

/// Fetches a client-credentials token for tenant `tid` with `secret` from the shared fake,
/// as the adapter does (its tokens are deterministic per tenant), failing the test on an
/// answer other than 200.
pub fn token(tid: &str, secret: &str) -> String {
    let vendor = vendor().expect("the fake Graph is running");
    let body = format!(
        "grant_type=client_credentials&client_id=x&client_secret={secret}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"
    );
    let (status, _, text) = crate::fake::raw_request(
        vendor.fake_port,
        "POST",
        &format!("/{tid}/oauth2/v2.0/token"),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        &body,
    );
    assert_eq!(status, 200, "{text}");
    let value: Value = serde_json::from_str(&text).unwrap();
    value["access_token"].as_str().unwrap().to_string()
}

/// A handle on one fake tenant, for seeding and reading it directly.
pub struct Handle {
    /// The tenant id.
    pub tid: String,
}

impl Handle {
    /// Creates a tenant with this id and client secret.
    pub fn create(tid: &str, secret: &str) -> Handle {
        tenants().lock().unwrap().insert(
            tid.to_string(),
            Tenant {
                secret: secret.to_string(),
                page_size: 2,
                ..Tenant::default()
            },
        );
        Handle {
            tid: tid.to_string(),
        }
    }

    /// Runs `f` on the tenant.
    pub fn with<R>(&self, f: impl FnOnce(&mut Tenant) -> R) -> R {
        f(tenants().lock().unwrap().get_mut(&self.tid).unwrap())
    }

    /// Adds a user and returns its id.
    pub fn add_user(&self, upn: &str) -> String {
        self.with(|t| {
            let id = t.id(0xa);
            t.users.insert(id.clone(), upn.to_string());
            id
        })
    }

    /// Adds a group with these member UPNs and returns its id.
    pub fn add_group(&self, name: &str, members: &[&str]) -> String {
        self.with(|t| {
            let id = t.id(0xb);
            let ids = members
                .iter()
                .map(|upn| {
                    t.users
                        .iter()
                        .find(|(_, u)| u == upn)
                        .map(|(id, _)| id.clone())
                        .unwrap()
                })
                .collect();
            t.groups.insert(id.clone(), (name.to_string(), ids));
            id
        })
    }

    /// Returns the UPNs of a group's members, sorted.
    pub fn members(&self, name: &str) -> Vec<String> {
        self.with(|t| {
            let (_, (_, ids)) = t.groups.iter().find(|(_, (n, _))| n == name).unwrap();
            let mut upns: Vec<String> = ids.iter().map(|id| t.users[id].clone()).collect();
            upns.sort();
            upns
        })
    }

    /// Returns a group's PIM for Groups member assignments: (UPN, end), sorted.
    pub fn pim_members(&self, name: &str) -> Vec<(String, Option<OffsetDateTime>)> {
        self.with(|t| {
            let (id, _) = t.groups.iter().find(|(_, (n, _))| n == name).unwrap();
            let mut members: Vec<_> = t
                .group_assignments
                .values()
                .filter(|(group, _, _)| group == id)
                .map(|(_, principal, end)| (t.users[principal].clone(), *end))
                .collect();
            members.sort();
            members
        })
    }

    /// Returns the active holders of a role definition with their ends, sorted.
    pub fn role_holders(&self, role_id: &str) -> Vec<(String, Option<OffsetDateTime>)> {
        self.with(|t| {
            let mut holders: Vec<_> = t
                .active()
                .filter(|(_, (_, r, _))| r == role_id)
                .map(|(_, (p, _, end))| (t.users[p].clone(), *end))
                .collect();
            holders.sort();
            holders
        })
    }

    /// Adds an app registration with this appId and returns its object id.
    pub fn add_application(&self, app_id: &str) -> String {
        self.with(|t| {
            let id = t.id(0xc);
            t.applications.insert(
                id.clone(),
                Application {
                    app_id: app_id.to_string(),
                    secrets: Vec::new(),
                },
            );
            id
        })
    }

    /// Returns the client secrets of the app registration with this appId.
    pub fn secrets(&self, app_id: &str) -> Vec<ClientSecret> {
        self.with(|t| {
            t.applications
                .values()
                .find(|a| a.app_id == app_id)
                .map(|a| a.secrets.clone())
                .unwrap_or_default()
        })
    }

    /// Sets the tenant's clock.
    pub fn set_now(&self, now: &str) {
        self.with(|t| t.now = Some(OffsetDateTime::parse(now, &Rfc3339).unwrap()));
    }
}

fn error(status: u16, code: &str, message: &str) -> Reply {
    Reply::json(
        status,
        &json!({"error": {"code": code, "message": message}}),
    )
}

fn b64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

fn token_tid(request: &Request) -> Option<String> {
    let token = request.credential()?;
    let payload = token.split('.').nth(1)?;
    // The fake's own tokens: payload is base64url of {"tid": …, "tenant": …}.
    let bytes = decode_b64url(payload)?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("tenant")?.as_str().map(str::to_string)
}

pub fn decode_b64url(text: &str) -> Option<Vec<u8>> {
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for byte in text.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
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

fn page(request: &Request, items: Vec<Value>, size: usize) -> Reply {
    let skip: usize = request
        .query("$skiptoken")
        .and_then(|t| t.strip_prefix("X'"))
        .and_then(|t| t.strip_suffix('\''))
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let top: usize = request
        .query("$top")
        .and_then(|t| t.parse().ok())
        .unwrap_or(100);
    let size = size.min(top).max(1);
    let mut body =
        json!({"value": items.iter().skip(skip).take(size).cloned().collect::<Vec<_>>()});
    if skip + size < items.len() {
        // The next link repeats the query, with an opaque skip token the client must
        // not build itself.
        let mut query: Vec<String> = request
            .query
            .iter()
            .filter(|(k, _)| k != "$skiptoken")
            .map(|(k, v)| format!("{}={}", k, encode(v)))
            .collect();
        query.push(format!(
            "$skiptoken={}",
            encode(&format!("X'{}'", skip + size))
        ));
        body["@odata.nextLink"] = json!(format!(
            "{}{}?{}",
            crate::fake::Front::origin(request),
            request.path,
            query.join("&")
        ));
    }
    Reply::json(200, &body)
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'~'
            | b'$'
            | b','
            | b'('
            | b')'
            | b'\'' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Parses `a eq 'x' and b eq 'y'` and `id in ('a','b')` filters.
fn filter_terms(filter: &str) -> HashMap<String, Vec<String>> {
    let mut terms = HashMap::new();
    for clause in filter.split(" and ") {
        let clause = clause.trim();
        if let Some((field, value)) = clause.split_once(" eq ") {
            terms.insert(
                field.trim().to_string(),
                vec![value.trim().trim_matches('\'').replace("''", "'")],
            );
        } else if let Some((field, list)) = clause.split_once(" in ") {
            let values = list
                .trim()
                .trim_start_matches('(')
                .trim_end_matches(')')
                .split(',')
                .map(|v| v.trim().trim_matches('\'').to_string())
                .collect();
            terms.insert(field.trim().to_string(), values);
        }
    }
    terms
}

fn handle(request: &Request) -> Reply {
    if request.method == "POST" && request.path == "/$batch" {
        return batch(request);
    }
    let segments = request.segments();
    // Token endpoint: /{tenant}/oauth2/v2.0/token.
    if request.method == "POST"
        && segments.len() == 4
        && segments[1..] == ["oauth2", "v2.0", "token"]
    {
        let form: HashMap<String, String> = String::from_utf8_lossy(&request.body)
            .split('&')
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.to_string(), crate::fake::decode_form(v)))
            .collect();
        let map = tenants().lock().unwrap();
        let Some(tenant) = map.get(segments[0]) else {
            return Reply::json(
                400,
                &json!({"error": "invalid_request", "error_description": "AADSTS90002: Tenant not found."}),
            );
        };
        if form.get("client_secret") != Some(&tenant.secret)
            || form.get("grant_type").map(String::as_str) != Some("client_credentials")
            || form.get("scope").map(String::as_str) != Some("https://graph.microsoft.com/.default")
        {
            return Reply::json(
                401,
                &json!({"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."}),
            );
        }
        let tid = tenant
            .issues_tid
            .clone()
            .unwrap_or_else(|| segments[0].to_string());
        let claims =
            json!({"tid": tid, "tenant": segments[0], "aud": "https://graph.microsoft.com"});
        let token = format!(
            "{}.{}.c2ln",
            b64url(br#"{"alg":"RS256","typ":"JWT"}"#),
            b64url(claims.to_string().as_bytes())
        );
        return Reply::json(
            200,
            &json!({"token_type": "Bearer", "expires_in": 3599, "access_token": token}),
        );
    }
    let Some(tid) = token_tid(request) else {
        return error(401, "InvalidAuthenticationToken", "Access token is empty.");
    };
    let mut map = tenants().lock().unwrap();
    let Some(tenant) = map.get_mut(&tid) else {
        return error(
            401,
            "InvalidAuthenticationToken",
            "Access token validation failure.",
        );
    };
    tenant.requests += 1;
    if tenant
        .throttle_every
        .is_some_and(|n| tenant.requests.is_multiple_of(n))
    {
        return error(429, "TooManyRequests", "Too many requests.").with("Retry-After", "1");
    }
    let method = request.method.as_str();
    match (method, segments.as_slice()) {
        ("GET", ["users", key]) => {
            let found = tenant
                .users
                .iter()
                .find(|(id, upn)| *id == key || upn.eq_ignore_ascii_case(key));
            match found {
                Some((id, upn)) => Reply::json(200, &json!({"id": id, "userPrincipalName": upn})),
                None => error(
                    404,
                    "Request_ResourceNotFound",
                    &format!(
                        "Resource '{key}' does not exist or one of its queried reference-property objects are not present."
                    ),
                ),
            }
        }
        ("GET", ["users"]) => {
            let terms = filter_terms(request.query("$filter").unwrap_or_default());
            let ids = terms.get("id").cloned().unwrap_or_default();
            let items = tenant
                .users
                .iter()
                .filter(|(id, _)| ids.contains(id))
                .map(|(id, upn)| json!({"id": id, "userPrincipalName": upn}))
                .collect();
            page(request, items, 100)
        }
        ("GET", ["groups"]) => {
            let terms = filter_terms(request.query("$filter").unwrap_or_default());
            let name = terms
                .get("displayName")
                .and_then(|v| v.first())
                .cloned()
                .unwrap_or_default();
            let items = tenant
                .groups
                .iter()
                .filter(|(_, (n, _))| *n == name)
                .map(|(id, (n, _))| json!({"id": id, "displayName": n}))
                .collect();
            page(request, items, 100)
        }
        ("GET", ["groups", id, "members"]) => match tenant.groups.get(*id) {
            Some((_, members)) => {
                let now = tenant.now();
                let mut members = members.clone();
                members.extend(
                    tenant
                        .group_assignments
                        .values()
                        .filter(|(g, _, end)| g == id && end.is_none_or(|e| e > now))
                        .map(|(_, p, _)| p.clone()),
                );
                let items = members
                    .iter()
                    .map(|m| match tenant.nonconforming {
                        true => json!({"id": m, "userPrincipalName": tenant.users[m]}),
                        false => json!({"id": m}),
                    })
                    .collect();
                page(request, items, tenant.page_size)
            }
            None => error(
                404,
                "Request_ResourceNotFound",
                &format!(
                    "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
                ),
            ),
        },
        ("POST", ["groups", id, "members", "$ref"]) => {
            let reference = request.json()["@odata.id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let member = reference.rsplit('/').next().unwrap_or_default().to_string();
            if !reference.contains("/directoryObjects/") || !tenant.users.contains_key(&member) {
                return error(
                    404,
                    "Request_ResourceNotFound",
                    &format!(
                        "Resource '{member}' does not exist or one of its queried reference-property objects are not present."
                    ),
                );
            }
            match tenant.groups.get_mut(*id) {
                None => error(
                    404,
                    "Request_ResourceNotFound",
                    &format!(
                        "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
                    ),
                ),
                Some((_, members)) => {
                    if members.insert(member) {
                        Reply::empty(204)
                    } else {
                        error(
                            400,
                            "Request_BadRequest",
                            "One or more added object references already exist for the following modified properties: 'members'.",
                        )
                    }
                }
            }
        }
        ("DELETE", ["groups", id, "members", member, "$ref"]) => {
            let removed = tenant
                .groups
                .get_mut(*id)
                .is_some_and(|(_, members)| members.remove(*member));
            match removed {
                true => Reply::empty(204),
                // As observed: the message names the group whether or not it exists.
                _ => error(
                    404,
                    "Request_ResourceNotFound",
                    &format!(
                        "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
                    ),
                ),
            }
        }
        (
            "GET",
            [
                "roleManagement",
                "directory",
                collection @ ("roleAssignments" | "roleAssignmentScheduleInstances"),
            ],
        ) => {
            let terms = filter_terms(request.query("$filter").unwrap_or_default());
            let wanted = |field: &str, value: &String| {
                terms
                    .get(field)
                    .is_none_or(|v| v.iter().any(|w| w.eq_ignore_ascii_case(value)))
            };
            let instances = *collection == "roleAssignmentScheduleInstances";
            let items = tenant
                .active()
                .filter(|(_, (p, r, _))| wanted("principalId", p) && wanted("roleDefinitionId", r))
                .map(|(id, (p, r, end))| {
                    let mut item = json!({"id": id, "principalId": p, "roleDefinitionId": r, "directoryScopeId": "/"});
                    if instances {
                        item["assignmentType"] = json!("Assigned");
                        item["memberType"] = json!("Direct");
                        item["endDateTime"] = match end {
                            Some(end) => json!(end.format(&Rfc3339).unwrap()),
                            None => Value::Null,
                        };
                    }
                    item
                })
                .collect();
            page(request, items, 100)
        }
        ("POST", ["roleManagement", "directory", "roleAssignments"]) => {
            let body = request.json();
            let (Some(principal), Some(role)) = (
                body["principalId"].as_str(),
                body["roleDefinitionId"].as_str(),
            ) else {
                return error(
                    400,
                    "Request_BadRequest",
                    "principalId and roleDefinitionId are required.",
                );
            };
            let id = tenant.id(0xc);
            tenant
                .assignments
                .insert(id.clone(), (principal.to_string(), role.to_string(), None));
            Reply::json(
                201,
                &json!({"id": id, "principalId": principal, "roleDefinitionId": role, "directoryScopeId": "/"}),
            )
        }
        ("DELETE", ["roleManagement", "directory", "roleAssignments", id]) => {
            if tenant.assignments.remove(*id).is_some() {
                Reply::empty(204)
            } else {
                error(
                    404,
                    "Request_ResourceNotFound",
                    &format!("Resource '{id}' does not exist."),
                )
            }
        }
        (
            "POST",
            [
                "roleManagement",
                "directory",
                "roleAssignmentScheduleRequests",
            ],
        ) => {
            let body = request.json();
            let action = body["action"].as_str().unwrap_or_default().to_string();
            let principal = body["principalId"].as_str().unwrap_or_default().to_string();
            let role = body["roleDefinitionId"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let end = match body
                .pointer("/scheduleInfo/expiration/type")
                .and_then(Value::as_str)
            {
                Some("afterDateTime") => body
                    .pointer("/scheduleInfo/expiration/endDateTime")
                    .and_then(Value::as_str)
                    .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok()),
                _ => None,
            };
            if !tenant.users.contains_key(&principal) {
                return error(
                    404,
                    "Request_ResourceNotFound",
                    "The principal does not exist.",
                );
            }
            if end.is_some_and(|e| e - tenant.now() < time::Duration::minutes(5)) {
                return error(
                    400,
                    "ExpirationRule",
                    "The assignment must last at least five minutes.",
                );
            }
            let existing = tenant
                .active()
                .find(|(_, (p, r, _))| *p == principal && *r == role)
                .map(|(id, _)| id.clone());
            let target = match (action.as_str(), existing) {
                ("adminAssign", Some(_)) => {
                    return error(
                        400,
                        "RoleAssignmentExists",
                        "The Role assignment already exists.",
                    );
                }
                ("adminAssign", None) => {
                    let id = tenant.id(0xd);
                    tenant
                        .assignments
                        .insert(id.clone(), (principal.clone(), role.clone(), end));
                    id
                }
                ("adminExtend" | "adminUpdate" | "adminRenew", Some(id)) => {
                    tenant.assignments.get_mut(&id).unwrap().2 = end;
                    id
                }
                ("adminRemove", Some(id)) => {
                    tenant.assignments.remove(&id);
                    id
                }
                (_, None) => {
                    return error(
                        400,
                        "RoleAssignmentDoesNotExist",
                        "The Role assignment does not exist.",
                    );
                }
                _ => return error(400, "InvalidAction", "Unknown action."),
            };
            let request_id = tenant.id(0xe);
            let mut reply = json!({
                "id": request_id,
                "action": action,
                "principalId": principal,
                "roleDefinitionId": role,
                "directoryScopeId": "/",
                "status": if action == "adminRemove" { "Revoked" } else { "Provisioned" },
                "targetScheduleId": target,
                "createdDateTime": tenant.now().format(&Rfc3339).unwrap(),
            });
            if let Some(schedule) = body.get("scheduleInfo") {
                reply["scheduleInfo"] = schedule.clone();
            }
            Reply::json(201, &reply)
        }
        (
            "GET",
            [
                "identityGovernance",
                "privilegedAccess",
                "group",
                "assignmentScheduleInstances",
            ],
        ) => {
            let terms = filter_terms(request.query("$filter").unwrap_or_default());
            let wanted = |field: &str, value: &String| {
                terms
                    .get(field)
                    .is_none_or(|v| v.iter().any(|w| w.eq_ignore_ascii_case(value)))
            };
            let now = tenant.now();
            let items = tenant
                .group_assignments
                .iter()
                .filter(|(_, (g, p, end))| {
                    end.is_none_or(|e| e > now) && wanted("groupId", g) && wanted("principalId", p)
                })
                .map(|(id, (g, p, end))| {
                    json!({"id": id, "groupId": g, "principalId": p, "accessId": "member",
                        "assignmentType": "assigned", "memberType": "direct",
                        "endDateTime": end.map(|e| e.format(&Rfc3339).unwrap())})
                })
                .collect();
            page(request, items, 100)
        }
        (
            "POST",
            [
                "identityGovernance",
                "privilegedAccess",
                "group",
                "assignmentScheduleRequests",
            ],
        ) => pim_group_request(tenant, &request.json()),
        ("GET", ["tenantRelationships", "delegatedAdminRelationships"]) => {
            let terms = filter_terms(request.query("$filter").unwrap_or_default());
            let items = tenant
                .relationships
                .iter()
                .filter(|(id, _)| terms.get("id").is_none_or(|v| v.contains(id)))
                .map(|(id, r)| relationship_json(id, r))
                .collect();
            page(request, items, 100)
        }
        (
            m,
            [
                "tenantRelationships",
                "delegatedAdminRelationships",
                relationship,
                "accessAssignments",
                rest @ ..,
            ],
        ) => {
            let Some(r) = tenant.relationships.get_mut(*relationship) else {
                return error(
                    404,
                    "Request_ResourceNotFound",
                    &format!("Resource '{relationship}' does not exist."),
                );
            };
            match (m, rest) {
                ("GET", []) => {
                    let items = r
                        .assignments
                        .iter()
                        .map(|(id, a)| assignment_json(id, a))
                        .collect();
                    page(request, items, 2)
                }
                ("POST", []) => {
                    let body = request.json();
                    let Some(group) = body
                        .pointer("/accessContainer/accessContainerId")
                        .and_then(Value::as_str)
                    else {
                        return error(400, "BadRequest", "accessContainer is required.");
                    };
                    let roles: Vec<String> = body
                        .pointer("/accessDetails/unifiedRoles")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(|r| r["roleDefinitionId"].as_str().map(str::to_string))
                        .collect();
                    if let Some(role) = roles.iter().find(|role| !r.roles.contains(role)) {
                        return error(
                            400,
                            "BadRequest",
                            &format!("The role '{role}' is not part of the relationship."),
                        );
                    }
                    let live = r.assignments.values().any(|(g, _, status, _)| {
                        g == group && !matches!(status.as_str(), "deleted" | "deleting")
                    });
                    if live {
                        return error(
                            409,
                            "Conflict",
                            "An access assignment for this access container already exists.",
                        );
                    }
                    let n = r.assignments.len() + 1;
                    let id = format!("{group}-{n}");
                    let entry = (
                        group.to_string(),
                        roles,
                        "pending".to_string(),
                        format!("W/\"etag-{n}\""),
                    );
                    let reply = assignment_json(&id, &entry);
                    r.assignments.insert(id, entry);
                    Reply::json(201, &reply)
                }
                ("GET", [id]) => match r.assignments.get(*id) {
                    Some(a) => Reply::json(200, &assignment_json(id, a)).with("ETag", a.3.clone()),
                    None => error(404, "Request_ResourceNotFound", "Not found."),
                },
                ("DELETE", [id]) => {
                    let Some(a) = r.assignments.get(*id) else {
                        return error(404, "Request_ResourceNotFound", "Not found.");
                    };
                    // The etag is required, and must be the current one.
                    if request.header("if-match") != Some(a.3.as_str()) {
                        return error(
                            412,
                            "PreconditionFailed",
                            "The If-Match header is missing or does not match.",
                        );
                    }
                    r.assignments.remove(*id);
                    Reply::empty(204)
                }
                _ => error(400, "BadRequest", "no such access assignment route"),
            }
        }
        ("GET", ["applications"]) => {
            let terms = filter_terms(request.query("$filter").unwrap_or_default());
            let wanted = |field: &str, value: &str| {
                terms
                    .get(field)
                    .is_none_or(|v| v.iter().any(|w| w.eq_ignore_ascii_case(value)))
            };
            let items = tenant
                .applications
                .iter()
                .filter(|(id, app)| wanted("id", id) && wanted("appId", &app.app_id))
                .map(|(id, app)| {
                    json!({"id": id, "appId": app.app_id,
                        "passwordCredentials": app.secrets.iter().map(|s| s.json(false)).collect::<Vec<_>>()})
                })
                .collect();
            page(request, items, 100)
        }
        ("POST", ["applications", id, action])
            if matches!(
                *action,
                "microsoft.graph.addPassword" | "microsoft.graph.removePassword"
            ) =>
        {
            application_action(tenant, id, action, &request.json())
        }
        _ => error(
            400,
            "BadRequest",
            &format!("the fake has no route for {method} {}", request.path),
        ),
    }
}

/// Answers `addPassword` and `removePassword` as Microsoft documents them
/// (application-addpassword, application-removepassword): `200` with the new
/// `passwordCredential`, its `secretText` answered this once (two years without an
/// `endDateTime`); `204` for a removal. Microsoft does not document the answer to
/// removing a key the app does not have: the fake answers `400`, and the adapter does not
/// rely on it (it reads the app's keys before and after).
fn application_action(tenant: &mut Tenant, id: &str, action: &str, body: &Value) -> Reply {
    if tenant.deny_application_writes {
        let echoed: Vec<String> = match tenant.applications.get(id) {
            Some(app) if tenant.echo_secrets => {
                app.secrets.iter().map(|s| s.value.clone()).collect()
            }
            _ => Vec::new(),
        };
        return error(
            403,
            "Authorization_RequestDenied",
            &format!(
                "Insufficient privileges to complete the operation.{}",
                echoed
                    .iter()
                    .map(|v| format!(" Secret: {v}"))
                    .collect::<String>()
            ),
        );
    }
    let now = tenant.now();
    let n = tenant.next_id + 1;
    let key_id = tenant.id(0x5);
    let Some(app) = tenant.applications.get_mut(id) else {
        return error(
            404,
            "Request_ResourceNotFound",
            &format!(
                "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
            ),
        );
    };
    if action == "microsoft.graph.removePassword" {
        let wanted = body["keyId"].as_str().unwrap_or_default();
        let before = app.secrets.len();
        app.secrets
            .retain(|s| !s.key_id.eq_ignore_ascii_case(wanted));
        return if app.secrets.len() < before {
            Reply::empty(204)
        } else {
            error(
                400,
                "Request_BadRequest",
                &format!("No password credential with keyId '{wanted}' was found."),
            )
        };
    }
    let credential = &body["passwordCredential"];
    let end = match credential.get("endDateTime").and_then(Value::as_str) {
        Some(text) => match OffsetDateTime::parse(text, &Rfc3339) {
            Ok(end) if end > now => end,
            _ => {
                return error(
                    400,
                    "Request_BadRequest",
                    "Invalid value specified for property 'endDateTime'.",
                );
            }
        },
        None => now + time::Duration::days(730),
    };
    let secret = ClientSecret {
        key_id,
        display_name: credential
            .get("displayName")
            .and_then(Value::as_str)
            .map(str::to_string),
        value: format!(
            "Fk{}8Q~fake-client-secret-{n:06}-{:08x}",
            n % 10,
            std::process::id()
        ),
        start: now,
        end,
    };
    let reply = secret.json(true);
    app.secrets.push(secret);
    Reply::json(200, &reply)
}

/// Answers a PIM for Groups assignment schedule request (Prism has checked it against
/// the description already; the fake also refuses, with 400, anything but the shape
/// Microsoft documents in privilegedaccessgroup-post-assignmentschedulerequests).
fn pim_group_request(tenant: &mut Tenant, body: &Value) -> Reply {
    let text = |key: &str| body[key].as_str().unwrap_or_default().to_string();
    let (action, principal, group, access) = (
        text("action"),
        text("principalId"),
        text("groupId"),
        text("accessId"),
    );
    let known = [
        "accessId",
        "principalId",
        "groupId",
        "action",
        "justification",
        "scheduleInfo",
        "targetScheduleId",
        "ticketInfo",
    ];
    if let Some(key) = body
        .as_object()
        .and_then(|o| o.keys().find(|k| !known.contains(&k.as_str())))
    {
        return error(400, "BadRequest", &format!("Unknown property '{key}'."));
    }
    if !matches!(access.as_str(), "member" | "owner")
        || !matches!(
            action.as_str(),
            "adminAssign" | "adminUpdate" | "adminRemove" | "adminExtend" | "adminRenew"
        )
    {
        return error(400, "BadRequest", "Invalid accessId or action.");
    }
    if !tenant.users.contains_key(&principal) || !tenant.groups.contains_key(&group) {
        return error(
            404,
            "Request_ResourceNotFound",
            "The principal or group does not exist.",
        );
    }
    let expiration_type = body
        .pointer("/scheduleInfo/expiration/type")
        .and_then(Value::as_str);
    let end = match expiration_type {
        Some("afterDateTime") => match body
            .pointer("/scheduleInfo/expiration/endDateTime")
            .and_then(Value::as_str)
            .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
        {
            Some(end) => Some(end),
            None => return error(400, "BadRequest", "endDateTime is required."),
        },
        Some("noExpiration") => None,
        None if action == "adminRemove" => None,
        _ => return error(400, "BadRequest", "scheduleInfo.expiration is required."),
    };
    if end.is_some_and(|e| e - tenant.now() < time::Duration::minutes(5)) {
        return error(
            400,
            "ExpirationRule",
            "The assignment must last at least five minutes.",
        );
    }
    let now = tenant.now();
    let existing = tenant
        .group_assignments
        .iter()
        .find(|(_, (g, p, e))| *g == group && *p == principal && e.is_none_or(|e| e > now))
        .map(|(id, _)| id.clone());
    match (action.as_str(), existing) {
        ("adminAssign", Some(_)) => {
            return error(
                400,
                "RoleAssignmentExists",
                "The assignment already exists.",
            );
        }
        ("adminAssign", None) => {
            let id = tenant.id(0xf);
            tenant
                .group_assignments
                .insert(id, (group.clone(), principal.clone(), end));
        }
        ("adminExtend" | "adminUpdate" | "adminRenew", Some(id)) => {
            tenant.group_assignments.get_mut(&id).unwrap().2 = end;
        }
        ("adminRemove", Some(id)) => {
            tenant.group_assignments.remove(&id);
        }
        (_, None) => {
            return error(
                400,
                "RoleAssignmentDoesNotExist",
                "The assignment does not exist.",
            );
        }
        _ => return error(400, "InvalidAction", "Unknown action."),
    }
    let request_id = tenant.id(0xe);
    Reply::json(
        201,
        &json!({"id": request_id, "action": action, "accessId": access, "principalId": principal,
            "groupId": group, "status": "Provisioned"}),
    )
}

fn relationship_json(id: &str, r: &Relationship) -> Value {
    json!({
        "id": id,
        "displayName": format!("MSP-{id}"),
        "duration": "P730D",
        "customer": {"tenantId": r.customer, "displayName": "Customer"},
        "accessDetails": {"unifiedRoles": r.roles.iter().map(|role| json!({"roleDefinitionId": role})).collect::<Vec<_>>()},
        "status": r.status,
        "autoExtendDuration": r.auto_extend,
        "endDateTime": r.end.map(|e| e.format(&Rfc3339).unwrap()),
    })
}

/// An access assignment as the description declares it: without `@odata.etag`, which
/// real Graph returns but the description does not declare (its undeclared properties
/// must be objects); the etag comes as the `ETag` header of the single GET instead.
fn assignment_json(id: &str, a: &(String, Vec<String>, String, String)) -> Value {
    json!({
        "id": id,
        "accessContainer": {"accessContainerId": a.0, "accessContainerType": "securityGroup"},
        "accessDetails": {"unifiedRoles": a.1.iter().map(|role| json!({"roleDefinitionId": role})).collect::<Vec<_>>()},
        "status": a.2,
    })
}
