//! How close the Okta adapter runs to a tenant's rate limit: 500 grants against a
//! loopback org that allows a fixed number of requests per window and says so in
//! `X-Rate-Limit-Limit/Remaining/Reset`. Prints the achieved request rate as a fraction
//! of the limit (the goal is at least 0.9) and how many answers were 429.
//!
//! `cargo bench --bench rate_limit`

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use onboard::adapters::{self, Outcome};
use onboard::model::client_from_yaml;

const GRANTS: usize = 500;
const LIMIT: u64 = 200;
const WINDOW: u64 = 2;

#[derive(Default)]
struct Org {
    window: (u64, u64),
    first_window: Option<u64>,
    /// Requests answered in windows that have closed, and how many windows those are.
    closed: (u64, u64),
    members: BTreeSet<String>,
    requests: u64,
    throttled: u64,
}

fn answer(org: &Mutex<Org>, head: &str) -> (u16, String, String) {
    let mut org = org.lock().unwrap();
    org.requests += 1;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let start = now - now % WINDOW;
    if org.window.0 != start {
        if org.first_window.is_some() {
            org.closed.0 += org.window.1.min(LIMIT);
            org.closed.1 += 1;
        }
        org.window = (start, 0);
    }
    org.first_window.get_or_insert(start);
    org.window.1 += 1;
    let headers = format!(
        "X-Rate-Limit-Limit: {LIMIT}\r\nX-Rate-Limit-Remaining: {}\r\nX-Rate-Limit-Reset: {}\r\n",
        LIMIT.saturating_sub(org.window.1),
        start + WINDOW
    );
    if org.window.1 > LIMIT {
        org.throttled += 1;
        return (429, headers, r#"{"errorCode":"E0000047"}"#.into());
    }
    let line = head.lines().next().unwrap_or_default();
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default();
    let target = parts.next().unwrap_or_default();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let body = match (method, segments.as_slice()) {
        ("GET", ["api", "v1", "groups"]) => {
            r#"[{"id":"00g1","type":"OKTA_GROUP","profile":{"name":"MSP-Helpdesk"}}]"#.to_string()
        }
        ("GET", ["api", "v1", "groups", _, "users"]) => "[]".to_string(),
        // A search by login (`profile.login eq "a" or profile.login eq "b"`): every
        // login asked for exists.
        ("GET", ["api", "v1", "users"]) => {
            let search = decoded(query);
            let users: Vec<String> = search
                .split('"')
                .skip(1)
                .step_by(2)
                .map(|login| format!(r#"{{"id":"{login}","profile":{{"login":"{login}"}}}}"#))
                .collect();
            format!("[{}]", users.join(","))
        }
        ("GET", ["api", "v1", "users", login]) => {
            format!(r#"{{"id":"{login}","profile":{{"login":"{login}"}}}}"#)
        }
        ("PUT", ["api", "v1", "groups", _, "users", user]) => {
            org.members.insert(user.to_string());
            return (204, headers, String::new());
        }
        _ => return (404, headers, r#"{"errorCode":"E0000007"}"#.into()),
    };
    (200, headers, body)
}

/// A query string with its percent-escapes (and `+` for space) decoded.
fn decoded(query: &str) -> String {
    let bytes = query.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(byte) => {
                        out.push(byte);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn serve(org: Arc<Mutex<Org>>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let org = org.clone();
            std::thread::spawn(move || handle(&mut stream, &org));
        }
    });
    port
}

fn handle(stream: &mut TcpStream, org: &Mutex<Org>) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        // One request after another on a kept-alive connection; bodies are empty.
        let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
            continue;
        };
        let head = String::from_utf8_lossy(&buffer[..end]).to_string();
        buffer.drain(..end + 4);
        let (status, headers, body) = answer(org, &head);
        let reply = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{headers}\r\n{body}",
            body.len()
        );
        if stream.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

fn main() {
    let org = Arc::new(Mutex::new(Org::default()));
    let port = serve(org.clone());
    let dir = tempfile::TempDir::new().unwrap();
    let secret = dir.path().join("token");
    std::fs::write(&secret, "bench-token").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    let yaml = format!(
        "id: acme\ntier: standard\ntenants:\n  - name: okta\n    system: okta\n    adapter: okta\n    endpoint: http://127.0.0.1:{port}\n    credential: file:token\n"
    );
    let client = client_from_yaml(&Arc::from("clients/acme.yaml"), &yaml).unwrap();
    let mut adapter = adapters::open(
        &client,
        &client.tenants[0],
        dir.path(),
        &adapters::Options::default(),
    )
    .unwrap();
    let group = "group:MSP-Helpdesk".parse().unwrap();
    let started = Instant::now();
    let mut failed = 0;
    let mut first_failure = None;
    for n in 0..GRANTS {
        let login = format!("tech-{n:04}@acme.example");
        let result = adapter
            .resolve(&login)
            .and_then(|p| adapter.grant(&p.unwrap(), &group, None));
        if !matches!(result, Ok(Outcome::Changed)) {
            failed += 1;
            first_failure.get_or_insert_with(|| format!("{result:?}"));
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let org = org.lock().unwrap();
    let rate = org.requests as f64 / elapsed;
    let limit = LIMIT as f64 / WINDOW as f64;
    // Over the windows that closed during the run, the last (partly used, as the run
    // ended in it) left out: what share of each window's allowance was used.
    let windows = org.closed.1;
    let fraction = org.closed.0 as f64 / (windows.max(1) * LIMIT) as f64;
    println!(
        "rate_limit: {GRANTS} grants, {} requests in {elapsed:.2} s = {rate:.1}/s; {windows} whole windows of {WINDOW} s; limit {limit:.0}/s; fraction of the limit {fraction:.3} (goal >= 0.9); {} answered 429; {failed} failed; {} members",
        org.requests,
        org.throttled,
        org.members.len()
    );
    // Figures of a run whose grants failed would measure nothing.
    if let Some(failure) = first_failure {
        panic!("{failed} of {GRANTS} grants failed; the first: {failure}");
    }
}
