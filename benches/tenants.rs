//! Benchmark: many SCIM tenants over HTTP, against the lower bound.
//!
//! Serves 200 tenants (`ONBOARD_BENCH_TENANTS`) from a loopback SCIM fake that answers
//! every request after 20 ms (`ONBOARD_BENCH_LATENCY_MS`) and limits each tenant to `LIMIT` requests per second
//! (429 with `Retry-After: 1` beyond it). Each tenant wants 20 identities in one group.
//! Times a plan (at parallelism 1, the runbook's sequential loop, and at `PARALLELISM`),
//! the apply of every grant and the converged plan, and prints for each the requests
//! made, the lower bound of requests and of time, the ratio, 429s and failures, and the
//! line `--verbose` prints (requests made beside the lower bound the adapter states).
//!
//! Run with `cargo bench --bench tenants`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const IDENTITIES: usize = 20;
/// The time the fake takes to answer each request: 20 ms, or `ONBOARD_BENCH_LATENCY_MS`.
fn latency() -> Duration {
    static LATENCY: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();
    *LATENCY.get_or_init(|| {
        let ms = std::env::var("ONBOARD_BENCH_LATENCY_MS")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(20);
        Duration::from_millis(ms)
    })
}
/// Requests per tenant per one-second window.
const LIMIT: usize = 20;
const PARALLELISM: usize = 16;

#[derive(Default)]
struct Tenant {
    members: BTreeSet<String>,
    window: Option<(Instant, usize)>,
}

#[derive(Default)]
struct Fake {
    tenants: Mutex<BTreeMap<String, Tenant>>,
    requests: AtomicUsize,
    throttled: AtomicUsize,
    /// When the phase's first request arrived and its last answer was sent.
    span: Mutex<Option<(Instant, Instant)>>,
    /// `ONBOARD_BENCH_TRACE`: every request, when it arrived and was answered.
    trace: Mutex<Vec<(Instant, Instant, String)>>,
}

impl Fake {
    /// Notes a request that arrived at `at` and was answered now.
    fn served(&self, at: Instant, what: String) {
        let now = Instant::now();
        if std::env::var_os("ONBOARD_BENCH_TRACE").is_some() {
            self.trace.lock().expect("the trace").push((at, now, what));
        }
        let mut span = self.span.lock().expect("the fake's span");
        *span = Some(span.map_or((at, now), |(first, last)| (first.min(at), last.max(now))));
    }
}

fn main() {
    let count = std::env::var("ONBOARD_BENCH_TENANTS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(200);
    let fake = Arc::new(Fake::default());
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fake");
    let port = listener.local_addr().expect("its port").port();
    {
        let fake = fake.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let fake = fake.clone();
                std::thread::spawn(move || serve(&fake, stream));
            }
        });
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    generate(dir.path(), count, port);
    println!(
        "{count} SCIM tenants x {IDENTITIES} grants, {} ms per request, {LIMIT} requests/s per tenant (429 + Retry-After beyond)",
        latency().as_millis()
    );
    // Lower bounds of requests per tenant: a plan reads the server's configuration, finds
    // the group and reads its members (3); a converged plan also names the members in
    // one filter (4). An apply reads as a plan does (3), then changes the tenant through
    // the adapter its plan read with (verified, its group found, its members known):
    // one filter resolving all identities, one PATCH adding them all (2): 5.
    let phases: [(&str, &[&str], usize, usize); 4] = [
        (
            "plan (empty tenants), parallelism 1",
            &["plan", "-o", "json"],
            1,
            3,
        ),
        (
            "plan (empty tenants)",
            &["plan", "-o", "json"],
            PARALLELISM,
            3,
        ),
        ("apply", &["apply", "--yes"], PARALLELISM, 5),
        (
            "plan (converged)",
            &["plan", "--detailed-exitcode"],
            PARALLELISM,
            4,
        ),
    ];
    for (what, args, parallelism, least_per_tenant) in phases {
        let before = (
            fake.requests.load(Ordering::SeqCst),
            fake.throttled.load(Ordering::SeqCst),
        );
        *fake.span.lock().expect("the fake's span") = None;
        let started = Instant::now();
        let (out, took) = run(dir.path(), args, parallelism);
        let span = fake.span.lock().expect("the fake's span").take();
        if let Some(path) = std::env::var_os("ONBOARD_BENCH_TRACE") {
            let trace = std::mem::take(&mut *fake.trace.lock().expect("the trace"));
            let text: String = trace
                .iter()
                .map(|(at, done, what)| {
                    format!(
                        "{:.1}\t{:.1}\t{what}\n",
                        at.duration_since(started).as_secs_f64() * 1e3,
                        done.duration_since(started).as_secs_f64() * 1e3
                    )
                })
                .collect();
            let mut path = std::path::PathBuf::from(path);
            path.set_extension(format!("{}.tsv", what.replace(' ', "_")));
            fs::write(&path, text).expect("write the trace");
            // Beside it, what onboard printed to stderr (`--verbose`: a line per request,
            // and the state calls' times).
            fs::write(path.with_extension("stderr"), &out.stderr).expect("write stderr");
        }
        let made = fake.requests.load(Ordering::SeqCst) - before.0;
        let throttled = fake.throttled.load(Ordering::SeqCst) - before.1;
        let failures = if out.status.success() { 0 } else { 1 };
        let stderr = String::from_utf8_lossy(&out.stderr);
        let verbose: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("requests to "))
            .collect();
        let least = count * least_per_tenant;
        let by_parallelism = latency().as_secs_f64() * least as f64 / parallelism as f64;
        let by_limit = least_per_tenant as f64 / LIMIT as f64;
        let bound = by_parallelism.max(by_limit);
        println!(
            "{what}: {:.2} s; lower bound {:.2} s (requests {least} / parallelism {parallelism} x {} ms = {:.2} s; slowest tenant {least_per_tenant} / {LIMIT} per s = {:.2} s); ratio {:.2}; requests {made} vs lower bound {least} ({:.2}x); 429s {throttled}; failures {failures} (exit {})\n  {}\n  --verbose: {}{}",
            took.as_secs_f64(),
            bound,
            latency().as_millis(),
            by_parallelism,
            by_limit,
            took.as_secs_f64() / bound,
            made as f64 / least as f64,
            out.status.code().unwrap_or(-1),
            timeline(started, took, span, made, parallelism),
            verbose.join("; "),
            if failures > 0 {
                format!(
                    "\n  stderr: {}",
                    stderr
                        .lines()
                        .filter(|l| !l.starts_with("http "))
                        .take(5)
                        .collect::<Vec<_>>()
                        .join("\n  ")
                )
            } else {
                String::new()
            }
        );
    }
}

/// Where a phase's time went: before the first request reached the fake (start-up),
/// between it and the last answer (requests in flight on average, against the
/// parallelism), and after the last answer (the run's end).
fn timeline(
    started: Instant,
    took: Duration,
    span: Option<(Instant, Instant)>,
    made: usize,
    parallelism: usize,
) -> String {
    let Some((first, last)) = span else {
        return "timeline: no request reached the fake".into();
    };
    let serving = last.duration_since(first).as_secs_f64();
    let in_flight = made as f64 * latency().as_secs_f64() / serving.max(f64::EPSILON);
    format!(
        "timeline: {:.2} s before the first request, {serving:.2} s of requests ({in_flight:.1} in flight on average, of {parallelism}), {:.2} s after the last answer",
        first.duration_since(started).as_secs_f64(),
        (took.as_secs_f64() - last.duration_since(started).as_secs_f64()).max(0.0),
    )
}

fn run(ws: &Path, args: &[&str], parallelism: usize) -> (Output, Duration) {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_onboard"))
        .arg("-w")
        .arg(ws)
        .args(args)
        .args([
            "--no-progress",
            "--verbose",
            "--color",
            "never",
            "--parallelism",
        ])
        .arg(parallelism.to_string())
        .env_remove("ONBOARD_WORKSPACE")
        .env("BENCH_SCIM_TOKEN", "bench-token")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("run onboard");
    (out, started.elapsed())
}

fn generate(ws: &Path, count: usize, port: u16) {
    for sub in ["bundles", "identities", "clients"] {
        fs::create_dir_all(ws.join(sub)).expect("a workspace directory");
    }
    let write = |path: &str, text: String| fs::write(ws.join(path), text).expect("write");
    write(
        "onboard.toml",
        "[paths]\nbundles = [\"bundles\"]\n\n[apply]\nparallelism = 4\n".into(),
    );
    write(
        "bundles/bench.yaml",
        "id: bench-ops\ntier: bench\nfunction: ops\ndescription: Benchmark bundle\ngrants:\n  - system: scim\n    entitlement: \"group:Bench\"\n".into(),
    );
    for i in 1..=IDENTITIES {
        write(
            &format!("identities/p{i:02}.yaml"),
            format!(
                "id: p{i:02}\nkind: person\ndisplay_name: Person {i}\nfunctions: [ops]\nmfa: enforced\n"
            ),
        );
    }
    for c in 1..=count {
        let id = format!("c{c:04}");
        write(
            &format!("clients/{id}.yaml"),
            format!(
                "id: {id}\nname: Client {c}\ntier: bench\ntenants:\n  - name: scim\n    system: scim\n    adapter: scim\n    endpoint: http://127.0.0.1:{port}/{id}\n    credential: env:BENCH_SCIM_TOKEN\n    domain: {id}.example\n"
            ),
        );
    }
}

/// Serves one keep-alive connection.
fn serve(fake: &Fake, stream: TcpStream) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone the stream"));
    let mut stream = stream;
    let _ = stream.set_nodelay(true);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let target = parts.next().unwrap_or("").to_string();
        let mut length = 0;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let arrived = Instant::now();
        std::thread::sleep(latency());
        fake.requests.fetch_add(1, Ordering::SeqCst);
        let (status, reply) = answer(fake, &method, &target, &body);
        let text = reply.map(|v| v.to_string()).unwrap_or_default();
        let extra = if status == 429 {
            "Retry-After: 1\r\n"
        } else {
            ""
        };
        let head = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/scim+json\r\nContent-Length: {}\r\n{extra}Connection: keep-alive\r\n\r\n",
            text.len()
        );
        // One write: a head and a body in two small writes would wait out delayed ACKs.
        if stream
            .write_all(format!("{head}{text}").as_bytes())
            .is_err()
        {
            return;
        }
        fake.served(arrived, format!("{method} {target}"));
    }
}

fn decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={text}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Returns the quoted values of a filter (`id eq "a" or id eq "b"`).
fn quoted(filter: &str) -> Vec<String> {
    filter
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

fn answer(fake: &Fake, method: &str, target: &str, body: &[u8]) -> (u16, Option<Value>) {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let filter = query
        .split('&')
        .find_map(|p| p.strip_prefix("filter="))
        .map(decode)
        .unwrap_or_default();
    let mut tenants = fake.tenants.lock().expect("the fake's state");
    let tenant = tenants.entry(segments[0].to_string()).or_default();
    let now = Instant::now();
    let window = match tenant.window {
        Some((start, n)) if now.duration_since(start) < Duration::from_secs(1) => (start, n + 1),
        _ => (now, 1),
    };
    tenant.window = Some(window);
    if window.1 > LIMIT {
        fake.throttled.fetch_add(1, Ordering::SeqCst);
        return (429, None);
    }
    let list = |resources: Vec<Value>| json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": resources.len(), "startIndex": 1, "itemsPerPage": resources.len(), "Resources": resources});
    match (method, &segments[1..]) {
        ("GET", ["ServiceProviderConfig"]) => (
            200,
            Some(
                json!({"patch": {"supported": true}, "etag": {"supported": false}, "filter": {"supported": true, "maxResults": 200}}),
            ),
        ),
        ("GET", ["Groups"]) => (
            200,
            Some(list(vec![json!({"id": "bench", "displayName": "Bench"})])),
        ),
        ("GET", ["Groups", _]) => (
            200,
            Some(
                json!({"id": "bench", "members": tenant.members.iter().map(|m| json!({"value": m})).collect::<Vec<_>>()}),
            ),
        ),
        // Users are their userNames: a filter on `userName` or `id` finds each named one.
        ("GET", ["Users"]) => (
            200,
            Some(list(
                quoted(&filter)
                    .into_iter()
                    .map(|n| json!({"id": n, "userName": n}))
                    .collect(),
            )),
        ),
        ("PATCH", ["Groups", _]) => {
            let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            for op in body["Operations"].as_array().into_iter().flatten() {
                let kind = op["op"].as_str().unwrap_or("").to_ascii_lowercase();
                if kind == "add" {
                    for value in op["value"].as_array().into_iter().flatten() {
                        if let Some(v) = value["value"].as_str() {
                            tenant.members.insert(v.to_string());
                        }
                    }
                } else if kind == "remove" {
                    for v in quoted(op["path"].as_str().unwrap_or("")) {
                        tenant.members.remove(&v);
                    }
                }
            }
            (204, None)
        }
        _ => (
            404,
            Some(json!({"detail": format!("no route {method} {path}")})),
        ),
    }
}
