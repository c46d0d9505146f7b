//! The state backend seen from the command line: per-client locks, `--lock-timeout`,
//! `state status`, and the `[state]` setting.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::time::{Duration, Instant};

use crate::support::{Env, NOW, fixed_env, stderr, stdout};

/// What a live holder (this test process) on host `build-7` writes into a lock file.
fn holder_text(actor: &str) -> String {
    format!(
        r#"{{"actor":"{actor}","host":"build-7","command":"apply","pid":{},"since":"2026-11-21T11:59:00Z"}}"#,
        std::process::id()
    )
}

/// Holds a client's lock as a running onboard would: `state/onboard.lock` shared and
/// `state/locks/<client>.lock` exclusively, naming the holder.
fn hold_client(env: &Env, client: &str, actor: &str) -> (File, File) {
    std::fs::create_dir_all(env.ws.join("state/locks")).unwrap();
    let open = |path: &str| {
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(env.ws.join(path))
            .unwrap()
    };
    let shared = open("state/onboard.lock");
    shared.lock_shared().unwrap();
    let mut file = open(&format!("state/locks/{client}.lock"));
    file.lock().unwrap();
    file.write_all(holder_text(actor).as_bytes()).unwrap();
    (shared, file)
}

#[test]
fn a_run_on_one_client_goes_ahead_while_another_client_is_locked() {
    let env = Env::example();
    let held = hold_client(&env, "acme", "os:alice");
    // Another client: not held up.
    env.onboard(&["apply", "initech", "--yes", "-q"])
        .assert()
        .success();
    // The held client: refused at once, naming who holds it and where.
    let output = env.onboard(&["apply", "acme", "--yes"]).output().unwrap();
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&env, &output));
    let err = stderr(&env, &output);
    assert!(
        err.contains("working on client `acme`")
            && err.contains(&format!(
                "os:alice on build-7 (`onboard apply`, pid {})",
                std::process::id()
            )),
        "{err}"
    );
    // The whole workspace waits for every client.
    let output = env.onboard(&["apply", "--yes"]).output().unwrap();
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&env, &output));
    assert!(stderr(&env, &output).contains("os:alice"));
    drop(held);
    env.onboard(&["apply", "acme", "--yes", "-q"])
        .assert()
        .success();
    assert!(
        !env.exists("state/locks/acme.lock") && !env.exists("state/locks/initech.lock"),
        "client locks are removed once released"
    );
}

#[test]
fn two_applies_on_different_clients_at_once_both_succeed_and_lose_nothing() {
    let env = Env::example();
    let clients = ["acme", "globex", "initech"];
    let children: Vec<_> = clients
        .iter()
        .map(|client| spawn(&env, &["apply", client, "--yes", "-q"]))
        .collect();
    for (client, child) in clients.iter().zip(children) {
        let output = child.wait_with_output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{client}: {}",
            stderr(&env, &output)
        );
    }
    // Every client's grants are in the ledger: nothing is left to apply anywhere.
    let output = env
        .onboard(&["plan", "--detailed-exitcode", "-q"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    for client in clients {
        assert!(
            env.ledger().grants.iter().any(|g| g.client == client),
            "{client} has its grants in the ledger"
        );
    }
    env.onboard(&["audit", "verify"]).assert().success();
}

#[test]
fn lock_timeout_waits_for_the_holder_to_finish() {
    let env = Env::example();
    let held = hold_client(&env, "acme", "os:alice");
    let started = Instant::now();
    let child = spawn(
        &env,
        &["apply", "acme", "--yes", "-q", "--lock-timeout", "60s"],
    );
    std::thread::sleep(Duration::from_millis(1500));
    drop(held);
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    assert!(started.elapsed() >= Duration::from_millis(1500));
    assert!(env.ledger().grants.iter().any(|g| g.client == "acme"));
}

#[test]
fn lock_timeout_runs_out_and_names_the_holder() {
    let env = Env::example();
    let _held = hold_client(&env, "acme", "os:alice");
    let started = Instant::now();
    let output = env
        .onboard(&["apply", "acme", "--yes", "--lock-timeout", "1s"])
        .output()
        .unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(output.status.code(), Some(5));
    let err = stderr(&env, &output);
    assert!(
        err.contains("os:alice on build-7") && err.contains("since 2026-11-21T11:59:00Z"),
        "{err}"
    );
    assert!(!env.exists("state/ledger.json"), "nothing was changed");
    let output = env
        .onboard(&["apply", "acme", "--yes", "--lock-timeout", "soon"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "a usage error");
    assert!(stderr(&env, &output).contains("--lock-timeout"));
}

#[test]
fn state_status_shows_the_backend_and_who_holds_which_lock() {
    let env = Env::example();
    let output = env.onboard(&["state", "status"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(
        text.contains("backend: file") && text.contains("locks: none held"),
        "{text}"
    );
    let _held = hold_client(&env, "globex", "os:bob");
    let output = env
        .onboard(&["state", "status", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["backend"], "file");
    assert!(
        document["location"]
            .as_str()
            .is_some_and(|l| l.ends_with("state")),
        "{document}"
    );
    assert_eq!(
        document["locks"],
        serde_json::json!([{
            "scope": "client",
            "client": "globex",
            "holder": {
                "actor": "os:bob",
                "host": "build-7",
                "command": "apply",
                "pid": std::process::id(),
                "since": "2026-11-21T11:59:00Z",
            },
        }])
    );
}

#[test]
fn a_postgres_backend_whose_url_is_missing_is_an_error_naming_the_setting() {
    let env = Env::example();
    let toml = env.read("onboard.toml");
    env.write(
        "onboard.toml",
        &format!("{toml}\n[state]\nbackend = \"postgres\"\nurl = \"env:ONBOARD_DATABASE_URL\"\n"),
    );
    let output = env.onboard(&["plan"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&env, &output);
    assert!(
        err.contains("`[state] url` in onboard.toml: the credential `env:ONBOARD_DATABASE_URL`")
            && err.contains("`ONBOARD_DATABASE_URL` is not set"),
        "{err}"
    );
    assert!(!err.contains("tenant"), "a setting is no tenant: {err}");
    // Every kind of reference says so: a keyring entry that is missing too.
    env.write(
        "onboard.toml",
        &format!("{toml}\n[state]\nbackend = \"postgres\"\nurl = \"file:db-url\"\n"),
    );
    let output = env.onboard(&["plan"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&env, &output);
    assert!(
        err.contains("`[state] url` in onboard.toml: cannot read the credential file")
            && !err.contains("tenant"),
        "{err}"
    );
    assert!(
        !env.exists("state") && !env.exists("audit"),
        "nothing written"
    );
    // A URL written in place of its reference is refused without being repeated.
    env.write(
        "onboard.toml",
        &format!(
            "{toml}\n[state]\nbackend = \"postgres\"\nurl = \"postgres://u:hunter2@db/onboard\"\n"
        ),
    );
    let output = env.onboard(&["validate"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&env, &output);
    assert!(
        err.contains("state.url") && !err.contains("hunter2"),
        "{err}"
    );
}

/// Starts `onboard -w WS ARGS…` as `Env::onboard` would, output captured, to wait for
/// later.
fn spawn(env: &Env, args: &[&str]) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_onboard"))
        .envs(fixed_env(NOW))
        .env_remove("ONBOARD_WORKSPACE")
        .current_dir(&env.root)
        .arg("--workspace")
        .arg(&env.ws)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn a_saved_plan_pins_only_the_clients_it_changes() {
    let env = Env::example();
    let plan = env.root.join("acme.plan.json");
    let plan = plan.to_str().unwrap();
    let save = |path: &str| {
        let output = env
            .onboard(&["plan", "acme", "--out", path])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    };
    save(plan);
    // Another client's apply changes the ledger, not acme's part of it: the plan holds,
    // and while it is applied, runs on other clients may go on (it locks acme only).
    let output = env.onboard(&["apply", "globex", "--yes"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let _initech = hold_client(&env, "initech", "os:bob");
    let output = env.onboard(&["apply", plan, "--yes"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    assert!(
        env.ledger_grants_sorted()
            .iter()
            .any(|g| g.client == "acme"),
        "the saved plan was applied"
    );

    // A plan whose own client moved meanwhile is refused, naming that client.
    let initech_plan = env.root.join("initech.plan.json");
    let initech_plan = initech_plan.to_str().unwrap();
    drop(_initech);
    let output = env
        .onboard(&["plan", "initech", "--out", initech_plan])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let output = env
        .onboard(&["apply", "initech", "--yes"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let output = env
        .onboard(&["apply", initech_plan, "--yes"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&env, &output);
    assert!(
        err.contains("the grant ledger of `initech` changed since it was made"),
        "{err}"
    );
}

/// The lines of an audit chain of the file backend whose `kind` is `kind`.
fn entries_of(env: &Env, chain: &str, kind: &str) -> Vec<serde_json::Value> {
    let path = env.ws.join(format!("audit/{chain}.jsonl"));
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["kind"] == kind)
        .collect()
}

#[test]
fn plan_is_recorded_while_a_run_holds_another_client() {
    let env = Env::example();
    // The signing key exists once a run has written the audit log.
    let output = env
        .onboard(&["apply", "initech", "--yes"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let _globex = hold_client(&env, "globex", "os:bob");
    let output = env.onboard(&["plan"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    assert_eq!(
        entries_of(&env, "acme", "plan").len(),
        1,
        "acme's plan is recorded"
    );
    assert!(
        entries_of(&env, "globex", "plan").is_empty(),
        "the client a run holds is that run's to record"
    );
    let runs = entries_of(&env, "_workspace", "plan");
    assert_eq!(runs.len(), 1);
    assert_eq!(
        runs[0]["detail"]["not_recorded"],
        serde_json::json!(["globex"])
    );
}

/// Reads the calls and seconds of apply's `state: N calls, X s of Y s` line.
fn state_line(err: &str) -> Option<(u64, f64, f64, f64)> {
    let line = err.lines().find(|l| l.starts_with("state: "))?;
    let (calls, rest) = line.strip_prefix("state: ")?.split_once(" calls, ")?;
    let (busy, rest) = rest.split_once(" s of ")?;
    let (total, rest) = rest.split_once(" s (")?;
    let summed = rest.strip_suffix(" s summed over threads)")?;
    Some((
        calls.parse().ok()?,
        busy.parse().ok()?,
        total.parse().ok()?,
        summed.parse().ok()?,
    ))
}

#[test]
fn apply_verbose_says_how_many_state_calls_it_made_and_their_share_of_the_run() {
    let env = Env::example();
    let output = env
        .onboard(&["apply", "--yes", "--verbose"])
        .output()
        .unwrap();
    let err = stderr(&env, &output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    let (calls, busy, total, summed) =
        state_line(&err).unwrap_or_else(|| panic!("no `state:` line:\n{err}"));
    // The time some call was under way is within the run, and never more than the
    // calls' time summed.
    assert!(calls > 0 && busy <= total && busy <= summed, "{err}");
    // Which calls took the time: the audit appends of a file backend among them.
    let longest = err
        .lines()
        .find_map(|l| l.strip_prefix("state calls, longest first: "))
        .unwrap_or_else(|| panic!("no breakdown of the state calls:\n{err}"));
    assert!(
        longest.contains("append_all (") && longest.contains(" calls, "),
        "{err}"
    );
    // Only under --verbose.
    let output = env.onboard(&["apply", "--yes"]).output().unwrap();
    assert!(state_line(&stderr(&env, &output)).is_none());
}
