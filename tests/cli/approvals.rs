//! Who may decide a request: approvers are persons declared in the workspace, never the
//! requester or the receiver, with MFA enforced when what they approve is privileged
//! (`approver-person`, `approver-not-party`, `approver-mfa`). Every kind of request
//! (elevation, mass revocation) and every decision (approve, deny, closing a review) goes
//! through the same rules, and each refusal exits 3 and is audited.

use crate::governance::{as_, break_glass, json_items, open_review_id};
use crate::support::{Env, stderr, stdout};

/// Runs as `who`, asserts that policy `rule` refused it (exit 3), and returns stderr.
fn refused(env: &Env, who: &str, args: &[&str], rule: &str) -> String {
    let output = as_(env, who, args);
    let err = stderr(env, &output);
    assert_eq!(output.status.code(), Some(3), "{who}: {err}");
    assert!(err.contains(&format!("policy `{rule}`")), "{who}: {err}");
    assert!(err.contains("hint:"), "{who}: {err}");
    err
}

/// Returns the arguments of an elevation for `receiver` in acme that needs approval.
pub(crate) fn privileged_elevation(receiver: &str) -> [&str; 11] {
    [
        "elevate",
        "--client",
        "acme",
        "--bundle",
        "premium-security-response",
        "--identity",
        receiver,
        "--ticket",
        "INC-40",
        "--reason",
        "phishing triage",
    ]
}

/// Asks for a privileged elevation that waits for approval and returns its id.
fn pending_privileged_request(env: &Env, requester: &str, receiver: &str) -> String {
    let output = as_(env, requester, &privileged_elevation(receiver));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(env, &output));
    let text = stdout(&output);
    let id = text.split_whitespace().nth(1).unwrap().to_string();
    assert!(id.starts_with("req-"), "{text}");
    id
}

/// Returns the rule of every audited denial in a client's chain.
fn denied_rules(env: &Env, client: &str) -> Vec<String> {
    json_items(env, &["audit", "show", "--client", client], "entries")
        .iter()
        .filter(|e| e["kind"] == "denial")
        .map(|e| e["error_code"].as_str().unwrap_or("-").to_string())
        .collect()
}

/// Returns the status of a request as `requests --output json` shows it.
pub(crate) fn status_of(env: &Env, id: &str) -> String {
    json_items(env, &["requests"], "requests")
        .iter()
        .find(|r| r["id"] == id)
        .map(|r| r["status"].as_str().unwrap().to_string())
        .unwrap()
}

/// Asserts that policy `rule` refused `who`'s approval of request `id`, that nothing was
/// granted, the request still waits and the refusal is audited; returns stderr.
fn refused_approval(env: &Env, who: &str, id: &str, rule: &str) -> String {
    let err = refused(env, who, &["approve", id], rule);
    assert!(nothing_granted(env));
    assert_eq!(status_of(env, id), "pending");
    assert!(denied_rules(env, "acme").contains(&rule.to_string()));
    err
}

fn nothing_granted(env: &Env) -> bool {
    env.ledger_exists_or_empty()
        && (!env.exists("tenants/acme/entra/tenant.json")
            || !env
                .tenant("acme", "entra")
                .iter()
                .any(|(e, _)| e == "role:Privileged Role Administrator"))
}

#[test]
fn only_a_person_with_mfa_approves_a_privileged_elevation() {
    let env = Env::example();
    let id = pending_privileged_request(&env, "alice", "carol");
    for (who, rule, says) in [
        (
            "acme-triage-agent",
            "approver-person",
            "an automation agent",
        ),
        (
            "github:someone-else",
            "approver-person",
            "actors: [\"github:someone-else\"]",
        ),
        ("os:frank", "approver-mfa", "set `mfa: enforced`"),
    ] {
        let err = refused_approval(&env, who, &id, rule);
        assert!(err.contains(says), "{who}: {err}");
    }
    // A person with MFA who is neither party approves it.
    let output = as_(&env, "os:dave", &["approve", &id]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    assert_eq!(status_of(&env, &id), "approved");
}

#[test]
fn neither_the_requester_nor_the_receiver_approves() {
    let env = Env::example();
    let id = pending_privileged_request(&env, "alice", "carol");
    for who in ["alice", "os:carol"] {
        refused(&env, who, &["approve", &id], "approver-not-party");
    }
    assert!(nothing_granted(&env));
    assert_eq!(
        denied_rules(&env, "acme"),
        ["approver-not-party", "approver-not-party"]
    );
}

#[test]
fn mass_revoke_approvals_go_through_the_same_rules() {
    let env = Env::example();
    env.apply();
    let revoke = ["revoke", "--client", "globex", "--yes"];
    let output = as_(&env, "alice", &revoke);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&env, &output));
    let err = stderr(&env, &output);
    let id = crate::support::pending_request_id(&err);
    for (who, rule) in [
        ("acme-triage-agent", "approver-person"),
        ("globex-backup-svc", "approver-person"),
        ("frank", "approver-mfa"),
        ("alice", "approver-not-party"),
    ] {
        refused(&env, who, &["approve", &id], rule);
        assert_eq!(status_of(&env, &id), "pending");
    }
    let again = [&revoke[..], &["--allow-mass-revoke"]].concat();
    let output = as_(&env, "alice", &again);
    assert_eq!(output.status.code(), Some(3), "still not approved");
    assert!(env.ledger().grants.iter().any(|g| g.client == "globex"));
}

#[test]
fn deny_needs_a_person_and_lets_the_requester_withdraw() {
    let env = Env::example();
    let id = pending_privileged_request(&env, "alice", "carol");
    for who in ["acme-triage-agent", "os:nobody"] {
        refused(
            &env,
            who,
            &["deny", &id, "--reason", "no"],
            "approver-person",
        );
        assert_eq!(status_of(&env, &id), "pending");
    }
    // The requester withdraws their own request.
    let output = as_(
        &env,
        "alice",
        &["deny", &id, "--reason", "asked by mistake"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    assert_eq!(status_of(&env, &id), "denied");
}

#[test]
fn an_agent_cannot_close_a_break_glass_review() {
    let env = Env::example();
    let output = break_glass(&env, "acme", "premium-security-response");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let review_id = &open_review_id(&env, "break-glass");
    let close = [
        "review",
        "close",
        review_id,
        "--outcome",
        "justified",
        "--notes",
        "ok",
    ];
    for (who, rule) in [
        ("acme-triage-agent", "approver-person"),
        ("frank", "approver-mfa"),
        ("dave", "approver-not-party"),
    ] {
        refused(&env, who, &close, rule);
    }
    let output = as_(&env, "carol", &close);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
}

#[test]
fn a_privileged_exception_needs_an_approver_with_mfa() {
    let env = Env::example();
    env.edit(
        "clients/acme.yaml",
        "entitlement: role:Security Administrator",
        "entitlement: role:Security Administrator\n        privileged: true",
    );
    env.edit("clients/acme.yaml", "approver: dave", "approver: frank");
    let output = env.onboard(&["validate"]).output().unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&env, &output));
    let err = stderr(&env, &output);
    assert!(
        err.contains("policy `approver-mfa`") && err.contains("exception `acme-defender-rollout`"),
        "{err}"
    );
    let plan = crate::support::plan_json(&env, crate::support::NOW, &["acme"]);
    assert!(
        plan.changes.iter().any(|c| c.kind == "denied"
            && c.rule.as_deref() == Some("approver-mfa")
            && c.identity.as_deref() == Some("carol")),
        "{:?}",
        plan.changes
    );
}
