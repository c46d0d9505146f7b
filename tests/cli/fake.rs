//! Test servers for the cloud adapters: a small HTTP/1.1 server whose answers come from a
//! vendor handler (see `fake_graph`, `fake_okta`, `fake_github`), Stoplight Prism in
//! proxy mode in front of it, validating every request and every answer against the
//! vendor's own OpenAPI description in `tests/contracts/`, and a recording front door
//! the adapter talks to, which routes each request to the Prism of the description that
//! covers it.
//!
//! ```text
//! onboard ──> Front ──> Prism proxy (the description covering the path) ──> fake vendor
//!               └──────(only the vendor's declared bypass list)──────────────┘
//! ```
//!
//! A vendor declares its [`Contract`]s (one Prism per description: Prism serves one file
//! per process) and its [`Bypass`] list: the calls no description covers, each with the
//! reason. A request that is neither covered nor listed fails the test. One fake, its
//! Prisms and one front per vendor per test process (Prism takes seconds to start); tests
//! are kept apart by their credentials, each naming its own tenant. Prism is found through
//! `ONBOARD_TEST_PRISM` (set by `scripts/test`, which installs it under `target/prism`).
//! Without it a test skips loudly and is counted as skipped, except under `CI=true`, where
//! it fails. Prism is stopped by a watchdog when the test process ends.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A request as the fake vendor sees it.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `PUT`…
    pub method: String,
    /// The path, percent-decoded, without the query.
    pub path: String,
    /// The query pairs, decoded.
    pub query: Vec<(String, String)>,
    /// Headers, names in lowercase.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Request {
    /// Returns a header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Returns a query parameter's value.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Returns the path's segments.
    pub fn segments(&self) -> Vec<&str> {
        self.path.split('/').filter(|s| !s.is_empty()).collect()
    }

    /// Parses the body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// Returns the bearer or SSWS credential.
    pub fn credential(&self) -> Option<&str> {
        let value = self.header("authorization")?;
        value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("SSWS "))
    }
}

/// An answer.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The status.
    pub status: u16,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// The body (JSON when not empty).
    pub body: Vec<u8>,
}

impl Reply {
    /// Returns a JSON answer.
    pub fn json(status: u16, body: &Value) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: body.to_string().into_bytes(),
        }
    }

    /// Returns an answer without a body.
    pub fn empty(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Adds a header.
    pub fn with(mut self, name: &str, value: impl Into<String>) -> Reply {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

/// A vendor's answers.
pub type Handler = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

/// Decodes a form or query value (`+` is a space).
pub fn decode_form(text: &str) -> String {
    percent_decode(text)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match u8::from_str_radix(&text[i + 1..i + 3], 16) {
                Ok(b) => {
                    out.push(b);
                    i += 3;
                    continue;
                }
                Err(_) => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads one request (head and `Content-Length` body) from a stream; `None` when the
/// stream ends or fails first.
pub fn read_raw(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut data = Vec::new();
    let mut buffer = [0u8; 16384];
    loop {
        let n = stream.read(&mut buffer).ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buffer[..n]);
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while data.len() < end + 4 + length {
                let n = stream.read(&mut buffer).ok()?;
                if n == 0 {
                    return None;
                }
                data.extend_from_slice(&buffer[..n]);
            }
            return Some(data);
        }
    }
}

fn parse(raw: &[u8]) -> Request {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.lines();
    let mut first = lines.next().unwrap_or_default().split_whitespace();
    let method = first.next().unwrap_or_default().to_string();
    let target = first.next().unwrap_or_default();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Request {
        method,
        path: percent_decode(&path.replace('+', "%2B")),
        query: query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (percent_decode(k), percent_decode(v))
            })
            .collect(),
        headers,
        body: raw[end + 4..].to_vec(),
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        411 => "Length Required",
        429 => "Too Many Requests",
        _ => "Status",
    }
}

/// A fake vendor on loopback, one thread per connection, one request per connection.
pub struct Server {
    /// Its port on 127.0.0.1.
    pub port: u16,
}

impl Server {
    /// Starts a server answering with `handler`.
    pub fn start(handler: Handler) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let handler = handler.clone();
                std::thread::spawn(move || {
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
                    let Some(raw) = read_raw(&mut stream) else {
                        return;
                    };
                    let request = parse(&raw);
                    let reply = handler(&request);
                    let mut head = format!(
                        "HTTP/1.1 {} {}\r\nContent-Length: {}\r\nConnection: close\r\n",
                        reply.status,
                        reason(reply.status),
                        reply.body.len()
                    );
                    if !reply.body.is_empty() {
                        head.push_str("Content-Type: application/json\r\n");
                    }
                    for (name, value) in &reply.headers {
                        head.push_str(&format!("{name}: {value}\r\n"));
                    }
                    head.push_str("\r\n");
                    let _ = stream.write_all(head.as_bytes());
                    let _ = stream.write_all(&reply.body);
                    let _ = stream.shutdown(Shutdown::Both);
                });
            }
        });
        Server { port }
    }
}

/// A request that went through the front door.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Method.
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    /// The credential it carried (which test it belongs to): the `Authorization`
    /// credential, else the `iss` of a `client_assertion` in a form body (a
    /// `private_key_jwt` token request).
    pub credential: String,
    /// The description Prism checked it against; `None`: it went straight to the fake.
    pub description: Option<&'static str>,
    /// Why it went straight to the fake: the vendor's [`Bypass`] entry, if one matched.
    pub bypass: Option<&'static str>,
    /// The status the adapter got.
    pub status: u16,
    /// Prism's `sl-violations` header, less the description's [`Known`] violations.
    pub violations: Option<String>,
    /// The [`Known`] violations it carried (their messages).
    pub known: Vec<&'static str>,
    /// Prism found no operation for it in the description (`NO_PATH_MATCHED_ERROR`,
    /// `NO_METHOD_MATCHED_ERROR`): a call the vendor does not document.
    pub unmatched: bool,
}

impl Seen {
    /// Whether Prism checked it against a description.
    pub fn validated(&self) -> bool {
        self.description.is_some()
    }
}

/// One vendor description in `tests/contracts/` and the requests Prism checks against it.
pub struct Contract {
    /// The file name in `tests/contracts/`.
    pub description: &'static str,
    /// Whether it covers a request (method, path). The first contract that covers a
    /// request gets it.
    pub covers: fn(&str, &str) -> bool,
    /// `--errors`: Prism fails an answer that does not conform (a 500). Without it Prism
    /// reports answers' violations in `sl-violations`, which [`Vendor::assert_conformant`]
    /// fails all the same, less the [`Known`] ones.
    pub errors: bool,
    /// Violations Prism reports because of the description itself, not the traffic
    /// (`tests/contracts/README.md` says why): only these are tolerated, where they apply.
    pub known: &'static [Known],
}

/// A violation Prism reports because of the description itself.
pub struct Known {
    /// Requests whose path contains this.
    pub path_contains: &'static str,
    /// Where: `request` or `response` (the first element of the violation's `location`).
    pub location: &'static str,
    /// Text in the violation's `message`.
    pub message: &'static str,
    /// Every matching request carries it: [`Vendor::assert_conformant`] fails one that
    /// does not (the request then is not what the test thinks it is).
    pub always: bool,
}

/// A call no vendor description covers: it goes straight to the fake, which checks its
/// shape itself.
pub struct Bypass {
    /// Its method.
    pub method: &'static str,
    /// Whether a path is this call's.
    pub path: fn(&str) -> bool,
    /// Why no description covers it.
    pub why: &'static str,
}

struct Routes {
    fake: u16,
    prisms: Vec<(u16, &'static Contract)>,
    bypass: &'static [Bypass],
}

/// The front door the adapter talks to: forwards each request to the Prism of the
/// description that covers it (or straight to the fake for the vendor's bypass list) and
/// records every exchange.
pub struct Front {
    /// Its port on 127.0.0.1.
    pub port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

/// The answer for a request neither a description nor the bypass list covers.
const UNCOVERED: &[u8] = b"HTTP/1.1 501 Not Implemented\r\nContent-Type: application/json\r\nContent-Length: 56\r\nConnection: keep-alive\r\n\r\n{\"title\":\"no description or bypass covers this request\"}";

impl Front {
    fn start(routes: Routes) -> Front {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let record = seen.clone();
        let routes = Arc::new(routes);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let (record, routes) = (record.clone(), routes.clone());
                std::thread::spawn(move || {
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
                    while let Some(raw) = read_raw(&mut stream) {
                        let request = parse(&raw);
                        let seen = routes.exchange(&raw, &request, port);
                        let response = seen.1;
                        record.lock().unwrap().push(seen.0);
                        if stream.write_all(&response).is_err()
                            || request
                                .header("connection")
                                .is_some_and(|c| c.eq_ignore_ascii_case("close"))
                        {
                            let _ = stream.shutdown(Shutdown::Both);
                            return;
                        }
                    }
                });
            }
        });
        Front { port, seen }
    }

    /// Returns the origin next-page links must use: the front door the request came
    /// through.
    pub fn origin(request: &Request) -> String {
        let host = request
            .header("x-test-front-host")
            .or_else(|| request.header("host"))
            .unwrap_or("127.0.0.1");
        format!("http://{host}")
    }

    /// Returns every exchange, whatever its credential.
    pub fn seen_all(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Returns the exchanges made with a credential.
    pub fn seen(&self, credential: &str) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.credential == credential)
            .cloned()
            .collect()
    }
}

impl Routes {
    /// Sends one request where it belongs and returns what was seen and the answer.
    fn exchange(&self, raw: &[u8], request: &Request, front: u16) -> (Seen, Vec<u8>) {
        let target = String::from_utf8_lossy(raw)
            .lines()
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .nth(1)
            .unwrap_or_default()
            .to_string();
        let bypass = self
            .bypass
            .iter()
            .find(|b| b.method == request.method && (b.path)(&request.path));
        let contract = match bypass {
            Some(_) => None,
            None => self
                .prisms
                .iter()
                .find(|(_, c)| (c.covers)(&request.method, &request.path)),
        };
        let mut response = match (bypass, contract) {
            (Some(_), _) => forward(raw, self.fake, front),
            (None, Some((prism, _))) => forward(raw, *prism, front),
            (None, None) => UNCOVERED.to_vec(),
        };
        let (mut status, reported) = status_and_violations(&response);
        let mut list: Vec<Value> = reported
            .as_deref()
            .and_then(|v| serde_json::from_str::<Value>(v).ok())
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default();
        let mut known = Vec::new();
        if let Some((_, contract)) = contract {
            list.retain(|v| {
                let found = contract.known.iter().find(|k| {
                    request.path.contains(k.path_contains)
                        && v["location"][0] == k.location
                        && v["message"].as_str().is_some_and(|m| m.contains(k.message))
                });
                if let Some(k) = found {
                    known.push(k.message);
                }
                found.is_none()
            });
        }
        let violations = (!list.is_empty()).then(|| Value::Array(list).to_string());
        if violations.as_deref().is_some_and(request_violated) && status != 422 {
            // Prism without `--errors` forwards a request that does not conform and only
            // reports it: fail it here as `--errors` would.
            let text = violations.clone().unwrap_or_default();
            let body =
                format!("{{\"title\":\"Invalid request\",\"status\":422,\"validation\":{text}}}");
            response = format!(
                "HTTP/1.1 422 Unprocessable Entity\r\nContent-Type: application/problem+json\r\nsl-violations: {text}\r\nContent-Length: {}\r\nConnection: keep-alive\r\n\r\n{body}",
                body.len()
            )
            .into_bytes();
            status = 422;
        }
        let seen = Seen {
            method: request.method.clone(),
            target,
            credential: credential_of(request),
            description: contract.map(|(_, c)| c.description),
            bypass: bypass.map(|b| b.why),
            status,
            violations,
            known,
            unmatched: contract.is_some() && unmatched(&response),
        };
        (seen, response)
    }
}

/// Whether an answer is Prism's own: no operation of the description matches.
fn unmatched(response: &[u8]) -> bool {
    let text = String::from_utf8_lossy(response);
    ["NO_PATH_MATCHED_ERROR", "NO_METHOD_MATCHED_ERROR"]
        .iter()
        .any(|error| text.contains(&format!("stoplight.io/prism/errors#{error}")))
}

/// The credential a request carries: `Authorization`'s, else the `iss` of the
/// `client_assertion` in its form body.
fn credential_of(request: &Request) -> String {
    if let Some(credential) = request.credential() {
        return credential.to_string();
    }
    String::from_utf8_lossy(&request.body)
        .split('&')
        .find_map(|p| p.strip_prefix("client_assertion="))
        .and_then(|jwt| decode_form(jwt).split('.').nth(1).map(str::to_string))
        .and_then(|payload| crate::fake_graph::decode_b64url(&payload))
        .and_then(|claims| serde_json::from_slice::<Value>(&claims).ok())
        .and_then(|claims| claims["iss"].as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Sends a raw request to a port with `Connection: close` and returns the raw response,
/// rewritten to say `Connection: keep-alive` so the adapter's client may reuse the front
/// connection (the front answers one request at a time per connection).
fn forward(raw: &[u8], port: u16, front: u16) -> Vec<u8> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut rewritten: String = head
        .lines()
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .collect::<Vec<_>>()
        .join("\r\n");
    // The fake builds absolute next-page links on the front's origin from this header.
    rewritten.push_str(&format!(
        "\r\nX-Test-Front-Host: 127.0.0.1:{front}\r\nConnection: close\r\n\r\n"
    ));
    let mut bytes = rewritten.into_bytes();
    bytes.extend_from_slice(&raw[end + 4..]);
    let Ok(mut up) = TcpStream::connect(("127.0.0.1", port)) else {
        return b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n".to_vec();
    };
    let _ = up.set_read_timeout(Some(Duration::from_secs(60)));
    let _ = up.write_all(&bytes);
    let mut response = Vec::new();
    let _ = up.read_to_end(&mut response);
    // Keep the body as it is; make the framing explicit for the client.
    let Some(end) = response.windows(4).position(|w| w == b"\r\n\r\n") else {
        return b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n".to_vec();
    };
    let head = String::from_utf8_lossy(&response[..end]).to_string();
    let body = response[end + 4..].to_vec();
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked { dechunk(&body) } else { body };
    let mut out: String = head
        .lines()
        .filter(|l| {
            let l = l.to_ascii_lowercase();
            !l.starts_with("connection:")
                && !l.starts_with("keep-alive:")
                && !l.starts_with("content-length:")
                && !l.starts_with("transfer-encoding:")
        })
        .collect::<Vec<_>>()
        .join("\r\n");
    out.push_str(&format!(
        "\r\nContent-Length: {}\r\nConnection: keep-alive\r\n\r\n",
        body.len()
    ));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&body);
    bytes
}

fn dechunk(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(line_end) = rest.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(
            String::from_utf8_lossy(&rest[..line_end])
                .split(';')
                .next()
                .unwrap_or("0")
                .trim(),
            16,
        )
        .unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        out.extend_from_slice(&rest[start..(start + size).min(rest.len())]);
        rest = &rest[(start + size + 2).min(rest.len())..];
    }
    out
}

/// Returns whether Prism's `sl-violations` hold an error (warnings, such as a status the
/// description does not list, are not failures: GitHub's description lists no 404 for a
/// team's members, which GitHub answers for a team that does not exist).
fn has_error(violations: &str) -> bool {
    serde_json::from_str::<Value>(violations)
        .ok()
        .and_then(|v| v.as_array().cloned())
        .into_iter()
        .flatten()
        .any(|v| v["severity"] != "Warning")
}

/// Returns whether Prism's `sl-violations` name a request-side violation.
fn request_violated(violations: &str) -> bool {
    serde_json::from_str::<Value>(violations)
        .ok()
        .and_then(|v| v.as_array().cloned())
        .into_iter()
        .flatten()
        .any(|v| v["location"][0] != "response" && v["severity"] != "Warning")
}

fn status_and_violations(response: &[u8]) -> (u16, Option<String>) {
    let text = String::from_utf8_lossy(response);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let violations = text
        .split("\r\n\r\n")
        .next()
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("sl-violations")
                .then(|| value.trim().to_string())
        });
    (status, violations)
}

/// Returns the path of one vendor description in `tests/contracts/` (part of the
/// repository: a missing one fails the test).
pub fn openapi_description(name: &str) -> PathBuf {
    let spec = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/contracts")
        .join(name);
    assert!(
        spec.is_file(),
        "the vendor OpenAPI description {} is missing from the repository",
        spec.display()
    );
    spec
}

/// A running Prism proxy, stopped by a watchdog when the test process ends.
pub struct Prism {
    _child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

impl Prism {
    /// Starts `prism proxy [--errors] DESCRIPTION http://127.0.0.1:UPSTREAM`.
    pub fn start(description: &str, upstream: u16, errors: bool) -> Option<Prism> {
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let program = crate::peers::find_peer(
            crate::peers::ONBOARD_TEST_PRISM,
            repo.join("target/prism/node_modules/.bin/prism"),
            PRISM,
        )?;
        let spec = openapi_description(description);
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut args = vec!["proxy".to_string()];
        if errors {
            args.push("--errors".into());
        }
        args.extend([
            "-h".into(),
            "127.0.0.1".into(),
            "-p".into(),
            port.to_string(),
        ]);
        args.extend([
            spec.display().to_string(),
            format!("http://127.0.0.1:{upstream}"),
        ]);
        // The watchdog outlives this handle on purpose (it is shared by the process's
        // tests) and reaps Prism itself.
        #[allow(clippy::zombie_processes)]
        let mut child = crate::peers::watched(&program, &args)
            .env("SCARF_ANALYTICS", "false")
            .env("DO_NOT_TRACK", "1")
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(240);
        while Instant::now() < deadline {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(Prism {
                    _child: child,
                    port,
                });
            }
            // The watchdog ends as soon as Prism does: no use waiting out the deadline.
            if let Some(status) = child.try_wait().unwrap() {
                panic!(
                    "Prism exited ({status}) before listening on port {port}: can it serve {}?",
                    spec.display()
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("Prism did not start on {description} within 240 s");
    }
}

/// The program the cloud tests need, as [`crate::peers::find_peer`] names it.
pub const PRISM: &str = "Prism (@stoplight/prism-cli)";

/// One vendor's fake, its Prisms and front door, shared by the tests of a process.
pub struct Vendor {
    /// The fake's port (straight to the fake, no validation).
    pub fake_port: u16,
    /// The front door's port (what the adapter's endpoint names).
    pub front: Front,
    contracts: &'static [Contract],
    prisms: Vec<(Prism, &'static str)>,
}

impl Vendor {
    /// Starts a vendor: its fake, one Prism per contract, and the front door routing
    /// each request to the contract that covers it, or to the fake for the bypass list.
    pub fn start(
        contracts: &'static [Contract],
        bypass: &'static [Bypass],
        handler: Handler,
    ) -> Option<Vendor> {
        let fake = Server::start(handler);
        let mut prisms = Vec::new();
        for contract in contracts {
            let prism = Prism::start(contract.description, fake.port, contract.errors)?;
            prisms.push((prism, contract.description));
        }
        let front = Front::start(Routes {
            fake: fake.port,
            prisms: prisms
                .iter()
                .zip(contracts)
                .map(|((prism, _), contract)| (prism.port, contract))
                .collect(),
            bypass,
        });
        Some(Vendor {
            fake_port: fake.port,
            front,
            contracts,
            prisms,
        })
    }

    /// Returns the port of the Prism serving a description, for replaying requests that
    /// reached the fake some other way (the items of Graph's `$batch`) through it.
    pub fn prism_port(&self, description: &str) -> u16 {
        self.prisms
            .iter()
            .find(|(_, d)| *d == description)
            .map(|(p, _)| p.port)
            .unwrap_or_else(|| panic!("no Prism serves {description}"))
    }

    /// Returns the front door's base URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.front.port)
    }

    /// Asserts that every exchange made with a credential was checked against the
    /// description covering it, or is on the vendor's bypass list; that none carried a
    /// violation but the description's [`Known`] ones (and those that always apply did);
    /// and that Prism refused none. Returns the exchanges.
    pub fn assert_conformant(&self, credential: &str) -> Vec<Seen> {
        let seen = self.front.seen(credential);
        assert!(
            !seen.is_empty(),
            "no requests were made with this credential"
        );
        for s in &seen {
            assert!(
                s.validated() || s.bypass.is_some(),
                "{} {}: no vendor description covers it, and it is not on the vendor's bypass list",
                s.method,
                s.target
            );
            assert!(
                !s.unmatched,
                "{} {} is not an operation of {}",
                s.method,
                s.target,
                s.description.unwrap_or_default()
            );
            assert!(
                !s.violations.as_deref().is_some_and(has_error),
                "{} {} did not conform to {}: {}",
                s.method,
                s.target,
                s.description.unwrap_or_default(),
                s.violations.as_deref().unwrap_or_default()
            );
            assert!(
                s.status != 422,
                "Prism refused {} {} (422)",
                s.method,
                s.target
            );
            let contract = self
                .contracts
                .iter()
                .find(|c| Some(c.description) == s.description);
            for known in contract.into_iter().flat_map(|c| c.known) {
                assert!(
                    !known.always
                        || !s.target.contains(known.path_contains)
                        || s.known.contains(&known.message),
                    "{} {} lacks the violation Prism always reports on it ({}): {:?}",
                    s.method,
                    s.target,
                    known.message,
                    s
                );
            }
        }
        seen
    }
}

/// Asserts that a call (`method`, a target containing `target`) was made and that Prism
/// checked it against `description`.
pub fn assert_checked(seen: &[Seen], method: &str, target: &str, description: &str) {
    assert!(
        seen.iter().any(|s| s.method == method
            && s.target.contains(target)
            && s.description == Some(description)),
        "no {method} …{target}… checked against {description}: {seen:#?}"
    );
}

/// Returns a vendor shared by the tests of this process, started on first use, or `None`
/// (the test skips, counted as such) when Prism is not installed.
pub fn shared(
    cell: &'static std::sync::OnceLock<Option<Vendor>>,
    start: impl FnOnce() -> Option<Vendor>,
) -> Option<&'static Vendor> {
    crate::peers::shared(cell, PRISM, start)
}

/// A request to probe a description's answer checks with: `METHOD TARGET STATUS [BODY]`,
/// STATUS being the success status the vendor (and the fake) answers it with, BODY JSON
/// when it starts with `{`, else a form.
pub type Probe = &'static str;

fn probe_parts(probe: Probe) -> (&'static str, &'static str, u16, &'static str) {
    let mut parts = probe.splitn(4, ' ');
    let mut next = || parts.next().unwrap_or_default();
    let (method, target, status, body) = (next(), next(), next(), next());
    (method, target, status.parse().unwrap(), body)
}

/// Sends each probe through a Prism (`--errors`) of `description` in front of a server
/// that answers it with its status and a body of the wrong shape (a JSON string), and
/// returns the probes whose answer Prism let through: answers it does not check. `None`
/// when Prism is not installed.
pub fn unchecked_answers(
    description: &str,
    authorization: &str,
    probes: &'static [Probe],
) -> Option<Vec<String>> {
    let handler: Handler = Arc::new(move |request: &Request| {
        let status = probes
            .iter()
            .map(|probe| probe_parts(probe))
            .find(|(method, target, _, _)| {
                *method == request.method && target.split('?').next() == Some(request.path.as_str())
            })
            .map_or(404, |(_, _, status, _)| status);
        Reply::json(status, &Value::from("not the described shape"))
    });
    let wrong = Server::start(handler);
    let prism = Prism::start(description, wrong.port, true)?;
    let mut unchecked = Vec::new();
    for (method, target, _, body) in probes.iter().map(|probe| probe_parts(probe)) {
        let mut headers = vec![("Authorization", authorization)];
        if body.starts_with('{') {
            headers.push(("Content-Type", "application/json"));
        } else if !body.is_empty() {
            headers.push(("Content-Type", "application/x-www-form-urlencoded"));
        }
        let (status, violations, text) = raw_request(prism.port, method, target, &headers, body);
        match status {
            500 => assert!(
                violations
                    .as_deref()
                    .is_some_and(|v| v.contains("\"response\"")),
                "{method} {target}: {text}"
            ),
            200..=299 => unchecked.push(format!("{method} {target}")),
            _ => panic!("the probe {method} {target} is not valid: {status} {text}"),
        }
    }
    Some(unchecked)
}

/// Sends one raw request to a port and returns the status, the `sl-violations` header
/// and the body.
pub fn raw_request(
    port: u16,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Option<String>, String) {
    let (status, violations, _, body) = exchange(port, method, target, headers, body);
    (status, violations, body)
}

/// Sends one raw request to a port and returns the status, the `sl-violations` header,
/// every header (names in lowercase) and the body.
pub fn exchange(
    port: u16,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Option<String>, Vec<(String, String)>, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body.as_bytes()).unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let (status, violations) = status_and_violations(&response);
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let headers = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        String::from_utf8_lossy(&dechunk(body.as_bytes())).into_owned()
    } else {
        body.to_string()
    };
    (status, violations, headers, body)
}
