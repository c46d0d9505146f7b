//! Benchmark: an offline plan and apply of a large workspace against `file` tenants.
//!
//! Generates 1,000 clients x 20 identities x 5 grants (100,000 desired grants) in a temporary
//! directory and times `validate`, two `plan`s, `apply` and a converged `plan`.
//!
//! Run with `cargo bench --bench plan`: 250, 500 and 1,000 clients side by side, with the
//! peak memory of a plan and of an apply; choose sizes with `ONBOARD_BENCH_CLIENTS=50` or
//! `ONBOARD_BENCH_CLIENTS=100,200`; `ONBOARD_BENCH_KEEP=1` keeps the workspaces.

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

#[path = "common/mod.rs"]
mod common;
use common::{check, generate};

const IDENTITIES: usize = 20;
const GRANTS: usize = 5;
const DEFAULT_CLIENTS: [usize; 3] = [250, 500, 1000];

fn main() {
    // One size, or several separated by commas (`250,500,1000`, the default) to show
    // how the time grows with the workspace.
    let sizes: Vec<usize> = match std::env::var("ONBOARD_BENCH_CLIENTS") {
        Ok(v) => v
            .split(',')
            .map(|n| {
                n.trim()
                    .parse::<usize>()
                    .ok()
                    .filter(|&n| n > 0)
                    .unwrap_or_else(|| {
                        panic!("ONBOARD_BENCH_CLIENTS must be positive integers, got {v:?}")
                    })
            })
            .collect(),
        Err(_) => DEFAULT_CLIENTS.to_vec(),
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("cores: {cores}");
    let rows: Vec<(usize, Figures)> = sizes.iter().map(|&n| (n, bench(n))).collect();
    println!();
    println!("clients  grants   empty plan  apply     converged plan  peak memory (plan / apply)");
    for (clients, f) in &rows {
        println!(
            "{clients:>7}  {:>7}  {:>9.2} s  {:>6.2} s  {:>12.2} s  {} / {}",
            clients * IDENTITIES * GRANTS,
            f.empty_plan.as_secs_f64(),
            f.apply.as_secs_f64(),
            f.converged.as_secs_f64(),
            mib(f.plan_peak),
            mib(f.apply_peak)
        );
    }
    for pair in rows.windows(2) {
        let ((a, fa), (b, fb)) = (&pair[0], &pair[1]);
        println!(
            "{a} -> {b} clients ({:.2}x): converged plan {:.2}x, apply {:.2}x",
            *b as f64 / *a as f64,
            fb.converged.as_secs_f64() / fa.converged.as_secs_f64(),
            fb.apply.as_secs_f64() / fa.apply.as_secs_f64()
        );
    }
}

/// What one size measured.
struct Figures {
    empty_plan: Duration,
    apply: Duration,
    converged: Duration,
    plan_peak: Option<u64>,
    apply_peak: Option<u64>,
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or_else(|| "n/a".into(), |k| format!("{:.0} MB", k as f64 / 1024.0))
}

fn bench(clients: usize) -> Figures {
    println!(
        "workspace: {clients} clients x {IDENTITIES} identities x {GRANTS} grants = {} desired grants",
        clients * IDENTITIES * GRANTS
    );
    let dir = tempfile::tempdir().expect("create a temporary directory");
    // `ONBOARD_BENCH_KEEP`: keep the workspace, to profile a command on it afterwards.
    let (dir, kept) = match std::env::var_os("ONBOARD_BENCH_KEEP") {
        Some(_) => (None, Some(dir.keep())),
        None => (Some(dir), None),
    };
    let ws = kept
        .as_deref()
        .or(dir.as_ref().map(|d| d.path()))
        .expect("one of them");
    let started = Instant::now();
    generate(ws, clients, IDENTITIES, GRANTS, "");
    println!("generate workspace: {}", secs(started.elapsed()));
    if kept.is_some() {
        println!("keeping the workspace in {}", ws.display());
    }

    let (out, took, _) = run(ws, &["validate"]);
    check("validate", &out);
    println!("validate: {}", secs(took));

    let (out, took, _) = run(ws, &["plan", "-o", "json"]);
    check("plan (first run)", &out);
    println!("plan (empty tenants, first run seeds them): {}", secs(took));

    let (out, empty_plan, plan_peak) = run(ws, &["plan", "-o", "json"]);
    check("plan (warm)", &out);
    println!("plan (warm, empty tenants): {}", secs(empty_plan));

    let (out, apply, apply_peak) = run(ws, &["apply", "--yes", "-q"]);
    check("apply", &out);
    println!(
        "apply ({} grants): {}",
        clients * IDENTITIES * GRANTS,
        secs(apply)
    );

    let (out, converged, _) = run(ws, &["plan", "--detailed-exitcode", "-q"]);
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
        secs(converged)
    );
    Figures {
        empty_plan,
        apply,
        converged,
        plan_peak,
        apply_peak,
    }
}

/// Runs `onboard -w WS ARGS...` with stdout to /dev/null; returns its output, wall time
/// and peak resident memory in KiB (Linux: its `VmHWM`, sampled while it runs).
fn run(ws: &Path, args: &[&str]) -> (Output, Duration, Option<u64>) {
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
    let mut child = cmd.spawn().expect("run the onboard binary");
    let status = format!("/proc/{}/status", child.id());
    let mut peak = None;
    while child.try_wait().expect("wait for onboard").is_none() {
        let hwm = fs::read_to_string(&status).ok().and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        });
        peak = peak.max(hwm);
        std::thread::sleep(Duration::from_millis(5));
    }
    let out = child.wait_with_output().expect("collect onboard's output");
    (out, started.elapsed(), peak)
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}
