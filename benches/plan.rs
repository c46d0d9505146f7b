//! Benchmark: an offline plan and apply of a large workspace against `file` tenants.
//!
//! Generates 1,000 clients x 20 identities x 5 grants (100,000 desired grants) in a temporary
//! directory and times `validate`, two `plan`s, `apply` and a converged `plan`.
//!
//! Run with `cargo bench --bench plan`; scale down with `ONBOARD_BENCH_CLIENTS=50`.

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const IDENTITIES: usize = 20;
const GRANTS: usize = 5;
const DEFAULT_CLIENTS: usize = 1000;

fn main() {
    let clients = match std::env::var("ONBOARD_BENCH_CLIENTS") {
        Ok(v) => v
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|&n| n > 0)
            .unwrap_or_else(|| {
                panic!("ONBOARD_BENCH_CLIENTS must be a positive integer, got {v:?}")
            }),
        Err(_) => DEFAULT_CLIENTS,
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    println!(
        "workspace: {clients} clients x {IDENTITIES} identities x {GRANTS} grants = {} desired grants",
        clients * IDENTITIES * GRANTS
    );
    println!("cores: {cores}");

    let dir = tempfile::tempdir().expect("create a temporary directory");
    let ws = dir.path();
    let started = Instant::now();
    generate(ws, clients);
    println!("generate workspace: {}", secs(started.elapsed()));

    let (out, took) = run(ws, &["validate"]);
    check("validate", &out);
    println!("validate: {}", secs(took));

    let (out, took) = run(ws, &["plan", "-o", "json"]);
    check("plan (first run)", &out);
    println!("plan (empty tenants, first run seeds them): {}", secs(took));

    let (out, took) = run(ws, &["plan", "-o", "json"]);
    check("plan (warm)", &out);
    println!("plan (warm, empty tenants): {}", secs(took));

    let (out, took) = run(ws, &["apply", "--yes", "-q"]);
    check("apply", &out);
    println!(
        "apply ({} grants): {}",
        clients * IDENTITIES * GRANTS,
        secs(took)
    );

    let (out, took) = run(ws, &["plan", "--detailed-exitcode", "-q"]);
    let code = out.status.code();
    assert_eq!(
        code,
        Some(0),
        "plan --detailed-exitcode on the converged workspace exited {}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    println!(
        "plan (converged, --detailed-exitcode, exit {}): {}",
        code.unwrap_or(-1),
        secs(took)
    );
}

/// Runs `onboard -w WS ARGS...` with stdout to /dev/null; returns its output and wall time.
fn run(ws: &Path, args: &[&str]) -> (Output, Duration) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_onboard"));
    cmd.arg("-w")
        .arg(ws)
        .args(args)
        .arg("--no-progress")
        .arg("--color")
        .arg("never")
        .env_remove("ONBOARD_WORKSPACE")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let out = cmd.output().expect("run the onboard binary");
    (out, started.elapsed())
}

fn check(what: &str, out: &Output) {
    assert!(
        out.status.success(),
        "{what} failed ({})\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn write(path: &Path, text: &str) {
    fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

fn generate(ws: &Path, clients: usize) {
    for sub in ["bundles", "identities", "clients"] {
        fs::create_dir_all(ws.join(sub)).expect("create a workspace directory");
    }

    write(
        &ws.join("onboard.toml"),
        "[paths]\nbundles = [\"bundles\"]\n\n[apply]\nparallelism = 2\n",
    );

    let mut bundle = String::from(
        "id: bench-ops\ntier: bench\nfunction: ops\ndescription: Benchmark bundle\ngrants:\n",
    );
    for g in 1..=GRANTS {
        bundle.push_str(&format!(
            "  - system: entra\n    entitlement: \"group:Bench-{g}\"\n"
        ));
    }
    write(&ws.join("bundles/bench.yaml"), &bundle);

    for i in 1..=IDENTITIES {
        let id = format!("p{i:02}");
        write(
            &ws.join(format!("identities/{id}.yaml")),
            &format!(
                "id: {id}\nkind: person\ndisplay_name: Person {i}\nfunctions: [ops]\nmfa: enforced\n"
            ),
        );
    }

    for c in 1..=clients {
        let id = format!("c{c:04}");
        write(
            &ws.join(format!("clients/{id}.yaml")),
            &format!(
                "id: {id}\nname: Client {c}\ntier: bench\ntenants:\n  - name: entra\n    system: entra\n    adapter: file\n    path: tenants/{id}/entra\n    domain: {id}.example\n"
            ),
        );
    }
}
