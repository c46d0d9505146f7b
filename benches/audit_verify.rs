//! Benchmark (not a test): generates a 1,000,000-entry audit chain with the real writer
//! (a signed checkpoint every 10,000 entries, as runs would leave), then times
//! `onboard audit verify` against `sha256sum` of the same file and prints both and the
//! ratio. Goal: within 3x of sha256sum.
//!
//! `ONBOARD_BENCH_ENTRIES` changes the size (default 1,000,000).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use onboard::audit::{AuditKey, AuditLog, Entry, EntryKind, Phase};
use onboard::state::FileStore;

fn main() {
    let entries: u64 = std::env::var("ONBOARD_BENCH_ENTRIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let audit = dir.path().join("audit");
    let seed = [7u8; 32];
    println!(
        "audit verify benchmark: {entries} entries, {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    let started = Instant::now();
    let mut written = 0u64;
    let mut run = 0u64;
    while written < entries {
        let store = std::sync::Arc::new(FileStore::new(audit.clone(), audit.clone()));
        let mut log = AuditLog::open(store, AuditKey::from_seed(seed), "bench:runner", "apply")
            .expect("open");
        let batch = (entries - written).min(10_000);
        for i in 0..batch {
            let n = written + i;
            let entry = Entry {
                kind: Some(EntryKind::Grant),
                phase: Some(if n.is_multiple_of(2) {
                    Phase::Intent
                } else {
                    Phase::Outcome
                }),
                change: Some(format!("{run:08x}-{}", n / 2)),
                client: Some("bench".into()),
                tenant: Some("entra".into()),
                identity: Some(format!("person-{:03}", n % 500)),
                account: Some(format!("person-{:03}@bench.example", n % 500)),
                entitlement: Some(format!("group:Bench-{}", n % 5)),
                result: (n % 2 == 1).then_some(onboard::audit::EntryResult::Ok),
                ..Entry::default()
            };
            log.append("bench", entry).expect("append");
        }
        log.finish(serde_json::json!({ "applied": batch / 2 }))
            .expect("finish");
        written += batch;
        run += 1;
    }
    let file = audit.join("bench.jsonl");
    let size = std::fs::metadata(&file).expect("log").len();
    let lines = std::fs::read_to_string(&file)
        .map(|t| t.lines().count())
        .unwrap_or(0);
    println!(
        "generated {lines} lines, {:.1} MB, in {:.1} s",
        size as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    let pubkey = std::fs::read_dir(&audit)
        .expect("audit dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "pub"))
        .expect("public key");

    // Warm the page cache so both read from memory.
    let _ = std::fs::read(&file);
    let sha = best_of(3, || run_ok(Command::new("sha256sum").arg(&file)));
    let verify = best_of(3, || {
        run_ok(
            Command::new(env!("CARGO_BIN_EXE_onboard"))
                .args(["audit", "verify", "--dir"])
                .arg(&audit)
                .arg("--pubkey")
                .arg(&pubkey),
        )
    });
    println!("sha256sum:            {:.3} s", sha);
    println!("onboard audit verify: {:.3} s", verify);
    println!(
        "ratio:                {:.2}x (goal: within 3x)",
        verify / sha
    );
    let _ = Path::new(&audit);
}

fn run_ok(command: &mut Command) {
    let output = command.output().expect("run");
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn best_of(n: usize, mut f: impl FnMut()) -> f64 {
    (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}
