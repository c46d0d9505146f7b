//! `onboard status`: who holds what, where, until when, and why.

use crate::support::{Env, stdout};

#[test]
fn status_lists_grants_with_expiry_and_reason() {
    let env = Env::example();
    env.apply();
    let output = env
        .onboard(&["status", "--identity", "carol", "acme"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    insta::assert_snapshot!("status_carol_acme", stdout(&output));
    let output = env
        .onboard(&["status", "--expiring-within", "200d"])
        .output()
        .unwrap();
    let text = stdout(&output);
    assert!(
        text.contains("role:Security Administrator") && text.contains("1 grant recorded."),
        "{text}"
    );
    // A horizon past the end of time means every grant with an end, not a crash.
    let output = env
        .onboard(&["status", "--expiring-within", "10000y"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("grants recorded."));
}

#[test]
fn status_json_is_versioned() {
    #[derive(serde::Deserialize)]
    struct StatusJson {
        format_version: u32,
        grants: Vec<crate::support::LedgerGrant>,
        revocations: Vec<serde_json::Value>,
    }
    let env = Env::example();
    env.apply();
    let output = env
        .onboard(&["status", "--output", "json", "initech"])
        .output()
        .unwrap();
    let doc: StatusJson = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doc.format_version, 1);
    assert!(!doc.grants.is_empty() && doc.grants.iter().all(|g| g.client == "initech"));
    assert!(doc.revocations.is_empty());
}

#[test]
fn a_broken_pipe_exits_quietly() {
    let env = Env::example();
    env.apply();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_onboard"))
        .arg("--workspace")
        .arg(&env.ws)
        .arg("status")
        .env("ONBOARD_NOW", crate::support::NOW)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&output.stderr).contains("panicked"));
}

#[test]
fn an_unknown_identity_is_an_error_but_a_leaver_whose_file_is_gone_is_shown() {
    let env = Env::example();
    env.apply();
    let output = env
        .onboard(&["status", "--identity", "zed"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = crate::support::stderr(&env, &output);
    assert!(
        err.contains("unknown identity `zed`") && err.contains("`carol`"),
        "{err}"
    );
    // Frank's file is deleted before anyone revoked his access: his grants are still in
    // the ledger (and the tenants), and status must show them.
    std::fs::remove_file(env.ws.join("identities/frank.yaml")).unwrap();
    let output = env
        .onboard(&["status", "--identity", "frank"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        crate::support::stderr(&env, &output)
    );
    let text = stdout(&output);
    assert!(
        text.contains("frank") && !text.contains("No grants recorded."),
        "{text}"
    );
}
