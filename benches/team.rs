//! Benchmark: team state on PostgreSQL.
//!
//! Starts a private PostgreSQL server (`initdb` in a temporary directory, `pg_ctl start` on
//! a free loopback port, as `nobody` when run as root: PostgreSQL refuses root; the
//! programs from `ONBOARD_TEST_POSTGRES`, else `/usr/lib/postgresql/15/bin`), then:
//!
//! 1. applies 8 clients by 8 processes at once and, on a second database with the same
//!    workspace, by one process after the other, and prints the two side by side with the
//!    speed-up against the ideal on this machine (`min(8, cores)`);
//! 2. applies a large workspace (1,000 clients x 20 identities x 5 grants = 100,000
//!    grants) with `--verbose` and prints the share of the apply spent in state calls
//!    (`state: N calls, X s of Y s (Z s summed over threads)`, measured by onboard
//!    itself: X is the time at least one call was under way), the WAL the server wrote
//!    during that apply and the size of the largest tables after it.
//!
//! `cargo bench --bench team` runs both at full size; `-- --quick` uses small sizes (to
//! develop under `--profile dev`); `ONBOARD_BENCH_CLIENTS=N` sets the large workspace's
//! clients and `ONBOARD_BENCH_TEAM_IDENTITIES=N` the identities of each of the 8 clients.

use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::Instant;

#[path = "common/mod.rs"]
mod common;
#[path = "common/pg.rs"]
mod pg;
use common::{check, generate};
use pg::{as_owner, initdb, is_root, pg_ctl_start};

/// The audit signing key every process shares (made here once, before any run).
const AUDIT_KEY: &str = "4f6e626f61726420626e6368206b6579206e6f7420666f72207573652121212a";
const PASSWORD: &str = "bench-password";
const PROCESSES: usize = 8;
const GRANTS: usize = 5;

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let number = |var: &str, default: usize| {
        std::env::var(var)
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|&n| n > 0)
            .unwrap_or(default)
    };
    let identities = number("ONBOARD_BENCH_TEAM_IDENTITIES", if quick { 5 } else { 20 });
    let large = number("ONBOARD_BENCH_CLIENTS", if quick { 20 } else { 1000 });
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let server = Server::start();
    println!("cores: {cores}; PostgreSQL on 127.0.0.1:{}", server.port);

    // 1. Eight clients, at once and one after the other.
    let grants = PROCESSES * identities * GRANTS;
    println!("\n{PROCESSES} clients x {identities} identities x {GRANTS} grants = {grants} grants");
    let serial = workspace(&server, PROCESSES, identities);
    let cpu = children_cpu();
    let started = Instant::now();
    for c in 1..=PROCESSES {
        check("apply", &wait(apply(&serial, &format!("c{c:04}"))));
    }
    let one_by_one = started.elapsed();
    let serial_cpu = children_cpu() - cpu;
    let parallel = workspace(&server, PROCESSES, identities);
    let cpu = children_cpu();
    let started = Instant::now();
    let children: Vec<Child> = (1..=PROCESSES)
        .map(|c| apply(&parallel, &format!("c{c:04}")))
        .collect();
    for child in children {
        check("apply", &wait(child));
    }
    let at_once = started.elapsed();
    let parallel_cpu = children_cpu() - cpu;
    let ideal = PROCESSES.min(cores) as f64;
    let speed_up = one_by_one.as_secs_f64() / at_once.as_secs_f64();
    println!("                     one after the other   {PROCESSES} at once");
    println!(
        "wall time            {:>17.2} s   {:>8.2} s",
        one_by_one.as_secs_f64(),
        at_once.as_secs_f64()
    );
    println!(
        "speed-up {speed_up:.2}x; ideal on {cores} cores {ideal:.0}x; {:.2} of ideal",
        speed_up / ideal
    );
    println!(
        "onboard CPU time     {serial_cpu:>17.2} s   {parallel_cpu:>8.2} s   (the 8 processes, user + system)"
    );
    // The processes' own CPU work spread over every core is the least the parallel run
    // can take; the server's work (not counted above) shares the same cores.
    let floor = parallel_cpu / cores as f64;
    println!(
        "bound: {PROCESSES} processes and the PostgreSQL server share {cores} cores; the processes' \
         CPU time alone needs {floor:.2} s on {cores} cores ({:.0} % of the parallel wall time), \
         the rest is the server's work and waits on it (commits, one connection each)",
        100.0 * floor / at_once.as_secs_f64()
    );

    // 2. The state's share of a large apply.
    let grants = large * 20 * GRANTS;
    println!("\n{large} clients x 20 identities x {GRANTS} grants = {grants} grants");
    let ws = workspace(&server, large, 20);
    let wal = wal_position(&ws.url);
    let started = Instant::now();
    let output = wait(verbose_apply(&ws));
    check("apply --verbose", &output);
    let took = started.elapsed();
    let wal = wal_position(&ws.url) - wal;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr
        .lines()
        .rev()
        .find(|l| l.starts_with("state: "))
        .unwrap_or_else(|| panic!("apply --verbose printed no `state:` line:\n{stderr}"));
    println!("apply: {:.2} s wall; {line}", took.as_secs_f64());
    if let Some(calls) = stderr
        .lines()
        .rev()
        .find(|l| l.starts_with("state calls, longest first: "))
    {
        println!("{calls}");
    }
    if let Some((busy, total, summed)) = share(line) {
        println!(
            "database share of apply time: {:.1} % ({grants} grants; the time at least one state call was under way; summed over threads, calls waiting for one another's turn on the connection each counting: {:.1} %)",
            100.0 * busy / total,
            100.0 * summed / total
        );
    }
    println!(
        "WAL written by the server during the apply: {:.1} MB; the database holds {}",
        wal as f64 / 1e6,
        database_size(&ws.url)
    );
    if large < 1000 {
        println!(
            "(a smaller workspace than 100,000 grants: {grants} grants, x{:.0} to reach it)",
            100_000.0 / grants as f64
        );
    }
}

/// Returns the server's current WAL insert position, in bytes.
fn wal_position(url: &str) -> i64 {
    let mut client = postgres::Client::connect(url, postgres::NoTls).expect("connect");
    client
        .query_one(
            "SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint",
            &[],
        )
        .expect("read the WAL position")
        .get(0)
}

/// Returns the size of the database `url` names and of its largest onboard tables.
fn database_size(url: &str) -> String {
    let mut client = postgres::Client::connect(url, postgres::NoTls).expect("connect");
    let rows = client
        .query(
            "SELECT relname::text, pg_size_pretty(pg_total_relation_size(oid))
             FROM pg_class WHERE relkind = 'r' AND relname LIKE 'onboard%'
             ORDER BY pg_total_relation_size(oid) DESC LIMIT 3",
            &[],
        )
        .expect("read table sizes");
    let tables: Vec<String> = rows
        .iter()
        .map(|r| format!("{} {}", r.get::<_, String>(0), r.get::<_, String>(1)))
        .collect();
    tables.join(", ")
}

/// Returns the user and system CPU seconds of every child process waited for so far.
fn children_cpu() -> f64 {
    // SAFETY: getrusage writes the struct it is given and nothing else.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

/// Reads `X`, `Y` and `Z` of `state: N calls, X s of Y s (Z s summed over threads)`.
fn share(line: &str) -> Option<(f64, f64, f64)> {
    let (_, rest) = line.split_once("calls, ")?;
    let (busy, rest) = rest.split_once(" s of ")?;
    let (total, rest) = rest.split_once(" s (")?;
    let summed = rest.strip_suffix(" s summed over threads)")?;
    Some((
        busy.parse().ok()?,
        total.parse().ok()?,
        summed.parse().ok()?,
    ))
}

/// A generated workspace whose state is in a fresh database of `server`, its schema
/// made and the audit key's public half stored before any timed run.
struct Workspace {
    _dir: tempfile::TempDir,
    ws: PathBuf,
    url: String,
}

fn workspace(server: &Server, clients: usize, identities: usize) -> Workspace {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let ws = dir.path().to_path_buf();
    let url = server.database();
    generate(
        &ws,
        clients,
        identities,
        GRANTS,
        "\n[state]\nbackend = \"postgres\"\nurl = \"env:ONBOARD_DATABASE_URL\"\n",
    );
    let workspace = Workspace { _dir: dir, ws, url };
    check("validate", &wait(onboard(&workspace, &["validate"])));
    check("plan", &wait(onboard(&workspace, &["plan", "-q"])));
    workspace
}

fn onboard(workspace: &Workspace, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_onboard"))
        .arg("-w")
        .arg(&workspace.ws)
        .args(args)
        .args(["--no-progress", "--color", "never"])
        .env_remove("ONBOARD_WORKSPACE")
        .env("ONBOARD_DATABASE_URL", &workspace.url)
        .env("ONBOARD_AUDIT_KEY", AUDIT_KEY)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the onboard binary")
}

fn apply(workspace: &Workspace, client: &str) -> Child {
    onboard(workspace, &["apply", client, "--yes", "-q"])
}

fn verbose_apply(workspace: &Workspace) -> Child {
    onboard(workspace, &["apply", "--yes", "--verbose"])
}

fn wait(child: Child) -> Output {
    child.wait_with_output().expect("wait for onboard")
}

/// The private server, stopped and its directory removed when dropped.
struct Server {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
}

impl Server {
    fn start() -> Server {
        let bin = std::env::var_os("ONBOARD_TEST_POSTGRES").map_or_else(
            || PathBuf::from("/usr/lib/postgresql/15/bin"),
            PathBuf::from,
        );
        assert!(
            bin.join("initdb").exists(),
            "no PostgreSQL in {} (set ONBOARD_TEST_POSTGRES)",
            bin.display()
        );
        let dir = tempfile::Builder::new()
            .prefix("onboard-bench-pg")
            .tempdir()
            .expect("a temporary directory");
        let data = dir.path().join("data");
        let pwfile = dir.path().join("pw");
        std::fs::write(&pwfile, format!("{PASSWORD}\n")).expect("write the password file");
        if is_root() {
            run(Command::new("chown").args(["-R", "nobody"]).arg(dir.path()));
        }
        run(&mut initdb(&bin, &data, &pwfile));
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        run(&mut pg_ctl_start(
            &bin,
            &data,
            port,
            "-c max_connections=100",
        ));
        Server { dir, bin, port }
    }

    fn database(&self) -> String {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let name = format!(
            "b{}",
            NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        );
        let url = |db: &str| format!("postgres://onboard:{PASSWORD}@127.0.0.1:{}/{db}", self.port);
        let mut admin = postgres::Client::connect(&url("postgres"), postgres::NoTls)
            .expect("connect to the benchmark server");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create a database");
        url(&name)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = as_owner(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "fast", "stop"])
            .stdout(Stdio::null())
            .status();
    }
}

fn run(command: &mut Command) {
    let output = command
        .stdin(Stdio::null())
        .output()
        .expect("run a PostgreSQL program");
    assert!(
        output.status.success(),
        "{command:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
