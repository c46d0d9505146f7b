//! Durations: printed as people write them (`24h`, never `1day`), an elevation that asks
//! for longer than a bundle gives says what it gets, and what a grant is said to last is
//! what it lasts (a contract's end included).

use std::fs;

use crate::governance::{as_, break_glass};
use crate::support::{Env, stderr};

fn elevate_globex(env: &Env, ttl: &str) -> std::process::Output {
    as_(
        env,
        "alice",
        &[
            "elevate",
            "--client",
            "globex",
            "--bundle",
            "standard-helpdesk",
            "--ticket",
            "INC-5",
            "--reason",
            "reset",
            "--ttl",
            ttl,
        ],
    )
}

#[test]
fn an_elevation_longer_than_the_bundle_gives_says_what_it_gets() {
    let env = Env::example();
    let output = elevate_globex(&env, "12h");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let err = stderr(&env, &output);
    assert!(
        err.contains("`--ttl 12h`") && err.contains("8h"),
        "the shorter grant is announced: {err}"
    );
    assert!(err.contains("for 8h (until 2026-11-21 20:00Z)"), "{err}");
    assert!(
        env.ledger()
            .grants
            .iter()
            .filter(|g| g.ticket.as_deref() == Some("INC-5"))
            .all(|g| g.expires_at.as_deref() == Some("2026-11-21T20:00:00Z"))
    );
    // Asking for no more than the bundle gives says nothing of the kind.
    let output = elevate_globex(&env, "2h");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let err = stderr(&env, &output);
    assert!(!err.contains("`--ttl"), "{err}");
}

#[test]
fn durations_print_as_written() {
    let env = Env::example();
    env.write("policy.yaml", "max_ttl:\n  privileged: 24h\n");
    let bundle = env.root.join("bundles/standard/helpdesk.yaml");
    let text = fs::read_to_string(&bundle).unwrap();
    fs::write(&bundle, text.replacen("ttl: 8h", "ttl: 36h", 1)).unwrap();
    let output = env.onboard(&["validate"]).output().unwrap();
    assert_eq!(output.status.code(), Some(3));
    let err = stderr(&env, &output);
    assert!(
        err.contains("for 36h, longer than the privileged maximum of 24h"),
        "{err}"
    );
    assert!(!err.contains("day"), "{err}");
}

#[test]
fn a_grant_is_said_to_last_until_the_contract_ends_not_for_ever() {
    let env = Env::example();
    env.write(
        "policy.yaml",
        "disabled_rules: [max-ttl]\nbreak_glass:\n  ttl: 10000y\n",
    );
    let output = break_glass(&env, "initech", "essential-security-response");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let err = stderr(&env, &output);
    assert!(
        err.contains("until 2028-01-01 00:00Z, when the contract ends"),
        "{err}"
    );
    assert!(!err.contains("years") && !err.contains("9999"), "{err}");
    let output = env.onboard(&["requests", "-o", "json"]).output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        doc["requests"][0]["expires_at"], "2028-01-01T00:00:00Z",
        "{doc}"
    );
}

#[test]
fn an_http_timeout_that_is_not_a_duration_stops_the_command_before_any_tenant_is_read() {
    let env = Env::example();
    let output = env
        .onboard(&["plan", "acme"])
        .env("ONBOARD_HTTP_TIMEOUT", "soon")
        .output()
        .unwrap();
    let err = stderr(&env, &output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains("ONBOARD_HTTP_TIMEOUT: `soon` is not a duration such as `30s` or `500ms`"),
        "{err}"
    );
}
