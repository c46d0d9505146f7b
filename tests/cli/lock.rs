//! The workspace lock: a live holder is told from a dead one.

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};

use crate::support::{Env, NOW, fixed_env, stderr};

/// Returns the lock file, opened, holding the OS lock as a running onboard would.
pub fn hold_lock(env: &Env, text: &str) -> File {
    std::fs::create_dir_all(env.ws.join("state")).unwrap();
    let path = env.ws.join("state/onboard.lock");
    std::fs::write(&path, text).unwrap();
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .unwrap();
    file.lock().unwrap();
    file
}

/// Returns what a live holder (this test process) writes into the lock file.
pub fn live_holder() -> String {
    format!(
        r#"{{"actor":"os:alice","command":"apply","pid":{},"since":"2026-11-21T11:59:00Z"}}"#,
        std::process::id()
    )
}

/// Returns the pid of a process that has exited.
fn exited_pid() -> u32 {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

#[test]
fn plan_and_verify_tell_a_run_in_progress_from_an_interrupted_one() {
    if !crate::support::test_hooks() {
        return;
    }
    let env = Env::example();
    // A run announces its changes and is stopped before finishing them.
    let output = env
        .onboard(&["apply", "initech", "--yes", "-q"])
        .env("ONBOARD_TEST_CRASH_AFTER_INTENTS", "1")
        .output()
        .unwrap();
    assert_ne!(output.status.code(), Some(0));
    let me = format!("pid {}", std::process::id());
    // While a live run holds the lock, its changes are in progress, not interrupted.
    let held = hold_lock(&env, &live_holder());
    let plan = env.onboard(&["plan", "initech"]).output().unwrap();
    let err = stderr(&env, &plan);
    assert!(
        err.contains("a run in progress") && err.contains(&me) && !err.contains("interrupted"),
        "{err}"
    );
    let verify = env
        .onboard(&["audit", "verify", "--client", "initech"])
        .output()
        .unwrap();
    assert_eq!(verify.status.code(), Some(0));
    let err = stderr(&env, &verify);
    assert!(
        err.contains("a run is in progress") && err.contains(&me) && !err.contains("interrupted"),
        "{err}"
    );
    // Once no live process holds it, they were interrupted.
    drop(held);
    let err = stderr(
        &env,
        &env.onboard(&["audit", "verify", "--client", "initech"])
            .output()
            .unwrap(),
    );
    assert!(err.contains("(a run was interrupted)"), "{err}");
    // (A plan records itself in the log, closing the interrupted changes: last.)
    let err = stderr(&env, &env.onboard(&["plan", "initech"]).output().unwrap());
    assert!(err.contains("an earlier run was interrupted"), "{err}");
}

#[test]
fn the_loser_of_two_runs_starting_at_once_names_the_live_holder() {
    let env = Env::example();
    // The winner holds the OS lock but has not yet written who it is: the file still
    // names a run that has exited.
    let stale = exited_pid();
    let mut held = hold_lock(
        &env,
        &format!(
            r#"{{"actor":"os:bob","command":"expire","pid":{stale},"since":"2026-11-20T03:00:00Z"}}"#
        ),
    );
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_onboard"))
        .envs(fixed_env(NOW))
        .env("ONBOARD_ACTOR", "os:carol")
        .env_remove("ONBOARD_WORKSPACE")
        .arg("--workspace")
        .arg(&env.ws)
        .args(["apply", "--yes"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Once the loser has the lock file open, it is trying the lock: the winner then says
    // who it is, a little later.
    let fds = format!("/proc/{}/fd", child.id());
    let lock_file = env.ws.join("state/onboard.lock");
    let started = std::time::Instant::now();
    let at_the_lock = || {
        std::fs::read_dir(&fds).is_ok_and(|mut fds| {
            fds.any(|fd| {
                fd.is_ok_and(|fd| std::fs::read_link(fd.path()).is_ok_and(|p| p == lock_file))
            })
        })
    };
    // (A loser that believes the lock file at once gives up before it can be seen.)
    while !at_the_lock() && child.try_wait().unwrap().is_none() {
        assert!(
            started.elapsed().as_secs() < 20,
            "the loser never opened the lock file"
        );
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    let text = live_holder();
    held.seek(SeekFrom::Start(0)).unwrap();
    held.write_all(text.as_bytes()).unwrap();
    held.set_len(text.len() as u64).unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&env, &output));
    let err = stderr(&env, &output);
    assert!(
        err.contains(&format!(
            "os:alice (`onboard apply`, pid {})",
            std::process::id()
        )),
        "{err}"
    );
    assert!(!err.contains(&format!("pid {stale}")), "{err}");
}
