//! Team state on a real PostgreSQL: one private server per test process (`initdb` in a
//! temporary directory, started on a free loopback port, as user `nobody` when the
//! tests run as root), one database per test.
//!
//! The programs are found through `ONBOARD_TEST_POSTGRES` (their directory), else in the
//! newest `/usr/lib/postgresql/*/bin`. Without them a test skips loudly (fails under
//! `CI=true`), as for the other peers.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use onboard::secrets::Secret;
use onboard::state::postgres::{ChainHead, DatabaseUrl, Holder, PgError, PgStore};

use crate::peers::{find_postgres, free_port, shared};

/// The superuser's password (scram over TCP; the socket trusts).
pub const PASSWORD: &str = "pg-test-password-7f3a";

/// A private PostgreSQL server, stopped when the test process ends (a watchdog stops it
/// when the process is gone, even after `kill -9`).
pub struct PgServer {
    _dir: tempfile::TempDir,
    _watchdog: std::process::Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

static SERVER: OnceLock<Option<PgServer>> = OnceLock::new();
static DATABASES: AtomicU32 = AtomicU32::new(0);

/// Runs a PostgreSQL program, as `nobody` when we are root (PostgreSQL refuses root).
fn as_owner(program: &Path) -> Command {
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "nobody", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

fn run(mut command: Command, what: &str) {
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        output.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

impl PgServer {
    fn start() -> Option<PgServer> {
        let bin = find_postgres()?;
        let dir = tempfile::Builder::new()
            .prefix("onboard-pg")
            .tempdir()
            .unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        let pwfile = dir.path().join("pw");
        std::fs::write(&pwfile, format!("{PASSWORD}\n")).unwrap();
        if is_root() {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
            std::fs::set_permissions(&pwfile, std::fs::Permissions::from_mode(0o644)).unwrap();
            run(
                {
                    let mut c = Command::new("chown");
                    c.arg("nobody").arg(&data);
                    c
                },
                "chown",
            );
        }
        let mut initdb = as_owner(&bin.join("initdb"));
        initdb
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                "onboard",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
            ])
            .arg(format!("--pwfile={}", pwfile.display()))
            .args(["-E", "UTF8", "--no-sync"]);
        run(initdb, "initdb");
        let port = free_port();
        let mut start = as_owner(&bin.join("pg_ctl"));
        start
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(data.join("server.log"))
            .args(["-w", "start", "-o"])
            .arg(format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
                data.display()
            ));
        run(start, "pg_ctl start");
        // The watchdog: stops the server once this test process is gone, however it ended.
        let me = std::process::id();
        let script = format!(
            "while [ -d /proc/{me} ]; do sleep 1; done; '{}' -D '{}' -m immediate stop",
            bin.join("pg_ctl").display(),
            data.display()
        );
        let mut sh = as_owner(Path::new("/bin/sh"));
        let watchdog = sh
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting the watchdog");
        Some(PgServer {
            _dir: dir,
            _watchdog: watchdog,
            port,
        })
    }

    /// Returns the URL of `database` (password included).
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://onboard:{PASSWORD}@127.0.0.1:{}/{database}",
            self.port
        )
    }

    /// Creates a fresh database and returns its URL.
    pub fn database(&self) -> String {
        let name = format!(
            "t{}_{}",
            std::process::id(),
            DATABASES.fetch_add(1, Ordering::SeqCst)
        );
        let mut admin = postgres::Client::connect(&self.url("postgres"), postgres::NoTls)
            .expect("connecting to the test server");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("createdb");
        self.url(&name)
    }
}

/// The server shared by this process's tests, or `None` (skipped) when PostgreSQL is
/// missing.
pub fn server() -> Option<&'static PgServer> {
    shared(&SERVER, "postgresql", PgServer::start)
}

/// Opens the state store on `url` through onboard's own URL handling.
fn store(url: &str) -> Result<PgStore, PgError> {
    PgStore::open(DatabaseUrl::parse(
        &Secret::new(url),
        "env:ONBOARD_DATABASE_URL",
        Path::new("/"),
    )?)
}

fn holder(actor: &str) -> Holder {
    Holder {
        client: String::new(),
        actor: actor.into(),
        command: "apply".into(),
        host: "laptop-1".into(),
        pid: 4242,
        since: "2026-11-21T12:00:00Z".into(),
    }
}

fn sql(url: &str, statement: &str) {
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    client.batch_execute(statement).unwrap();
}

#[test]
fn two_writers_never_fork_a_chain() {
    let Some(server) = server() else { return };
    let url = server.database();
    let mut first = store(&url).unwrap();
    let mut second = store(&url).unwrap();
    let genesis = ChainHead::genesis();
    let head = first
        .append("acme", &genesis, &[(1, "one".into()), (2, "two".into())])
        .unwrap();
    assert_eq!(head.seq, 2);
    // The second writer read the chain before the first appended: refused, nothing written.
    let error = second
        .append("acme", &genesis, &[(1, "forked".into())])
        .unwrap_err();
    assert!(
        matches!(error, PgError::ChainMoved { ref chain, expected: 0, found: 2 } if chain == "acme"),
        "{error}"
    );
    assert_eq!(
        second.lines("acme", 0).unwrap(),
        vec![(1, "one".to_string()), (2, "two".to_string())]
    );
    // From the head it reads now, it appends.
    let now = second.head("acme").unwrap();
    assert_eq!(now, head);
    second.append("acme", &now, &[(3, "three".into())]).unwrap();
    assert_eq!(
        first.lines("acme", 2).unwrap(),
        vec![(3, "three".to_string())]
    );
}

#[test]
fn concurrent_appenders_all_land_in_one_unbroken_chain() {
    let Some(server) = server() else { return };
    let url = server.database();
    store(&url).unwrap();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let url = url.clone();
            std::thread::spawn(move || {
                let mut store = store(&url).unwrap();
                for i in 0..10 {
                    loop {
                        let head = store.head("_workspace").unwrap();
                        let line = format!("writer {t} entry {i}");
                        match store.append("_workspace", &head, &[(head.seq + 1, line)]) {
                            Ok(_) => break,
                            Err(PgError::ChainMoved { .. }) => continue,
                            Err(e) => panic!("{e}"),
                        }
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let mut store = store(&url).unwrap();
    let lines = store.lines("_workspace", 0).unwrap();
    assert_eq!(lines.len(), 80);
    assert!(
        lines
            .iter()
            .enumerate()
            .all(|(i, (seq, _))| *seq == i as u64 + 1)
    );
}

#[test]
fn documents_are_written_only_over_the_revision_read() {
    let Some(server) = server() else { return };
    let url = server.database();
    let mut a = store(&url).unwrap();
    let mut b = store(&url).unwrap();
    let read = a.read_document("requests").unwrap();
    assert_eq!((read.body.as_deref(), read.revision), (None, 0));
    assert_eq!(a.write_document("requests", "{\"a\":1}", 0).unwrap(), 1);
    let error = b.write_document("requests", "{\"b\":1}", 0).unwrap_err();
    assert!(
        matches!(
            error,
            PgError::Conflict {
                expected: 0,
                found: 1,
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(b.write_document("requests", "{\"b\":1}", 1).unwrap(), 2);
    let error = a.write_document("requests", "{\"a\":2}", 1).unwrap_err();
    assert!(
        error.to_string().contains("changed since this run read it"),
        "{error}"
    );
    assert_eq!(
        a.read_document("requests").unwrap().body.unwrap(),
        "{\"b\":1}"
    );
}

#[test]
fn a_client_lock_names_its_holder_and_dies_with_its_session() {
    let Some(server) = server() else { return };
    let url = server.database();
    let mut a = store(&url).unwrap();
    let mut b = store(&url).unwrap();
    let lock = a
        .lock_client("acme", &holder("tech:alice"), Duration::ZERO)
        .unwrap();
    // Another client is not blocked.
    let other = b
        .lock_client("globex", &holder("tech:bob"), Duration::ZERO)
        .unwrap();
    let error = b
        .lock_client("acme", &holder("tech:bob"), Duration::ZERO)
        .unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains(
            "client `acme` is locked by tech:alice (`onboard apply`, pid 4242 on laptop-1)"
        ),
        "{text}"
    );
    assert_eq!(
        a.holders()
            .unwrap()
            .iter()
            .map(|h| h.client.as_str())
            .collect::<Vec<_>>(),
        ["acme", "globex"]
    );
    // A waiter gets it once the holder's session ends.
    let waiter = std::thread::spawn(move || {
        b.lock_client("acme", &holder("tech:bob"), Duration::from_secs(20))
            .map(|l| l.client().to_string())
    });
    std::thread::sleep(Duration::from_millis(300));
    drop(lock);
    assert_eq!(waiter.join().unwrap().unwrap(), "acme");
    drop(other);
}

#[test]
fn a_newer_schema_is_refused() {
    let Some(server) = server() else { return };
    let url = server.database();
    let mut first = store(&url).unwrap();
    assert_eq!(first.schema_version().unwrap(), 1);
    sql(
        &url,
        "INSERT INTO onboard_schema (version, applied_by) VALUES (99, 'onboard 9.0.0')",
    );
    let error = store(&url).unwrap_err();
    let text = error.to_string();
    assert!(text.contains("schema version 99"), "{text}");
    assert!(error.hint().unwrap().contains("newer onboard"));
}

#[test]
fn connection_errors_name_the_host_never_the_password() {
    let Some(server) = server() else { return };
    let url = server.database();
    let wrong = url.replace(PASSWORD, "wrong-password-9c1d");
    let text = store(&wrong).unwrap_err().to_string();
    assert!(
        text.contains(&format!("127.0.0.1:{}", server.port)),
        "{text}"
    );
    assert!(text.contains("password authentication failed"), "{text}");
    assert!(!text.contains("wrong-password-9c1d"), "{text}");
    let missing = server.url("no_such_database");
    let text = store(&missing).unwrap_err().to_string();
    assert!(text.contains("no_such_database\" does not exist"), "{text}");
    let closed = format!("postgres://onboard:{PASSWORD}@127.0.0.1:{}/x", free_port());
    let error = store(&closed).unwrap_err();
    assert!(matches!(error, PgError::Connect { .. }), "{error}");
    assert!(!error.to_string().contains(PASSWORD));
}
