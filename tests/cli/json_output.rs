//! `--output json`: every command prints exactly one JSON document on stdout, with its
//! `format_version`, whatever happens: a pending request, a grant, a policy refusal, a
//! usage mistake, an invalid workspace or any other error (whose message also goes to
//! stderr).

use serde_json::Value;

use crate::governance::as_;
use crate::support::{Env, stderr};

/// Parses stdout as one JSON document (trailing data fails) and checks its version.
fn document(output: &std::process::Output) -> Value {
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    });
    assert_eq!(doc["format_version"], 1, "{doc}");
    doc
}

/// Asserts an error document: exit code, message and hint present; returns the error.
fn error_of(output: &std::process::Output, code: i32) -> Value {
    assert_eq!(output.status.code(), Some(code));
    let doc = document(output);
    let error = doc["error"].clone();
    assert_eq!(error["exit_code"], code, "{doc}");
    assert_eq!(doc["exit_code"], code, "{doc}");
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{doc}"
    );
    assert!(
        error["hint"].as_str().is_some_and(|m| !m.is_empty()),
        "{doc}"
    );
    error
}

fn elevate<'a>(client: &'a str, bundle: &'a str) -> Vec<&'a str> {
    vec![
        "elevate", "--client", client, "--bundle", bundle, "--ticket", "INC-1", "--reason",
        "triage", "-o", "json",
    ]
}

#[test]
fn elevate_prints_the_request_when_it_waits_and_when_it_is_granted() {
    let env = Env::example();
    let output = as_(&env, "carol", &elevate("acme", "premium-security-response"));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let doc = document(&output);
    assert_eq!(doc["request"]["status"], "pending", "{doc}");
    let id = doc["request"]["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("req-"), "{doc}");
    // Approving it prints the apply document, naming the request.
    let output = as_(&env, "dave", &["approve", &id, "-o", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let doc = document(&output);
    assert_eq!(
        (
            doc["request"]["id"].as_str(),
            doc["request"]["status"].as_str()
        ),
        (Some(id.as_str()), Some("approved")),
        "{doc}"
    );
    assert!(doc["applied"].as_u64().unwrap() > 0, "{doc}");
    // An elevation granted at once does the same.
    let output = as_(&env, "alice", &elevate("globex", "standard-helpdesk"));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let doc = document(&output);
    assert_eq!(doc["request"]["status"], "approved", "{doc}");
    assert!(doc["results"].is_array(), "{doc}");
}

#[test]
fn a_policy_refusal_is_one_error_document_with_its_denials() {
    let env = Env::example();
    let output = as_(&env, "frank", &elevate("acme", "premium-security-response"));
    let error = error_of(&output, 3);
    assert!(
        error["denials"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["rule"] == "mfa-required" && d["hint"].is_string()),
        "{error}"
    );
    // And the message still goes to stderr for people.
    assert!(stderr(&env, &output).contains("policy `mfa-required`"));
    let id = {
        let output = as_(&env, "carol", &elevate("acme", "premium-security-response"));
        document(&output)["request"]["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let output = as_(&env, "acme-triage-agent", &["approve", &id, "-o", "json"]);
    let error = error_of(&output, 3);
    assert_eq!(error["denials"][0]["rule"], "approver-person", "{error}");
    // deny prints the request as it now stands.
    let output = as_(&env, "dave", &["deny", &id, "--reason", "no", "-o", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    assert_eq!(document(&output)["request"]["status"], "denied");
}

#[test]
fn errors_are_one_json_document_on_every_command() {
    let env = Env::example();
    // Unknown request, unknown client, a usage mistake.
    let error = error_of(
        &as_(&env, "dave", &["approve", "req-nope", "-o", "json"]),
        1,
    );
    assert!(
        error["message"].as_str().unwrap().contains("req-nope"),
        "{error}"
    );
    let error = error_of(
        &env.onboard(&["plan", "nosuch", "--output", "json"])
            .output()
            .unwrap(),
        1,
    );
    assert!(
        error["message"].as_str().unwrap().contains("nosuch"),
        "{error}"
    );
    error_of(
        &env.onboard(&["status", "--bogus", "-o", "json"])
            .output()
            .unwrap(),
        1,
    );
    // An invalid workspace lists its problems with file and line.
    env.write("identities/alice.yaml", "id: alice\nkind: robot\n");
    let error = error_of(
        &env.onboard(&["apply", "--yes", "-o", "json"])
            .output()
            .unwrap(),
        1,
    );
    let problems = error["problems"].as_array().unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p["file"].as_str().unwrap().ends_with("alice.yaml") && p["line"] != 0),
        "{error}"
    );
}

#[test]
fn commands_without_other_data_print_a_document_too() {
    let env = Env::example();
    env.apply();
    // The dry run prints the plan document, not a table.
    let output = env
        .onboard_at(
            "2027-01-01T00:00:00Z",
            &["expire", "--dry-run", "-o", "json"],
        )
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let doc = document(&output);
    assert!(
        doc["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["kind"] == "expire"),
        "{doc}"
    );
    let output = env
        .onboard(&["audit", "init", "-o", "json"])
        .output()
        .unwrap();
    let doc = document(&output);
    assert_eq!(doc["exit_code"], output.status.code().unwrap(), "{doc}");
}
