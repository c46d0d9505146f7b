//! `onboard revoke`: leavers, closed tickets, ended contracts; sticky until lifted.

use crate::support::{Env, NOW, plan_json, stderr};

#[test]
fn a_leaver_loses_everything_and_it_does_not_come_back() {
    let env = Env::example();
    env.apply();
    let bobs_grants = env
        .ledger()
        .grants
        .iter()
        .filter(|g| g.identity == "bob")
        .count();
    assert!(bobs_grants > 0);
    let output = env
        .onboard(&["revoke", "--identity", "bob"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "no terminal and no --yes");
    assert!(env.ledger().grants.iter().any(|g| g.identity == "bob"));

    env.onboard(&["revoke", "--identity", "bob", "--yes", "-q"])
        .assert()
        .success();
    let ledger = env.ledger();
    assert!(ledger.grants.iter().all(|g| g.identity != "bob"));
    assert_eq!(ledger.blocks.len(), 1);
    for (client, tenant) in [
        ("acme", "entra"),
        ("acme", "github"),
        ("globex", "ldap"),
        ("initech", "entra"),
    ] {
        assert!(
            env.tenant(client, tenant)
                .iter()
                .all(|(_, a)| !a.contains("okafor")),
            "{client}/{tenant} still holds bob"
        );
    }
    // Still declared in identities/bob.yaml, but not granted again.
    let output = env
        .onboard(&["plan", "--detailed-exitcode"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    assert!(stderr(&env, &output).contains("identity `bob` was revoked on 2026-11-21 12:00Z"));
    // Idempotent.
    env.onboard(&["revoke", "--identity", "bob", "--yes", "-q"])
        .assert()
        .success();
    // Lifting it lets the workspace grant again.
    env.onboard(&["revoke", "--identity", "bob", "--lift"])
        .assert()
        .success();
    let again = plan_json(&env, NOW, &[]);
    assert!(
        again
            .changes
            .iter()
            .all(|c| c.identity.as_deref() == Some("bob") && c.kind == "grant")
    );
    // Every grant bob had is planned again, not merely nothing else.
    assert_eq!(again.changes.len(), bobs_grants, "{:?}", again.changes);
}

#[test]
fn a_closed_ticket_ends_the_grants_tied_to_it() {
    let env = Env::example();
    env.apply();
    let before = env.ledger().grants.len();
    env.onboard(&["revoke", "--ticket", "INC-4471", "--yes", "-q"])
        .assert()
        .success();
    assert_eq!(env.ledger().grants.len(), before - 1);
    assert!(!env.tenant("acme", "entra").contains(&(
        "role:Security Administrator".into(),
        "carol@acme.example".into()
    )));
    assert!(
        env.tenant("acme", "entra")
            .iter()
            .any(|(_, a)| a == "carol@acme.example"),
        "carol keeps her bundle access"
    );
}

#[test]
fn an_ended_contract_removes_the_client_only() {
    let env = Env::example();
    env.apply();
    // A client-wide revoke needs a second person (see governance.rs); a generous limit
    // lets this test see the revocation itself.
    env.write(
        "policy.yaml",
        "mass_revoke:\n  max_count: 1000\n  max_share: 1.0\n",
    );
    env.onboard(&["revoke", "--client", "globex", "--yes", "-q"])
        .assert()
        .success();
    let ledger = env.ledger();
    assert!(ledger.grants.iter().all(|g| g.client != "globex"));
    assert!(ledger.grants.iter().any(|g| g.client == "acme"));
    assert!(env.tenant("globex", "entra").is_empty() && env.tenant("globex", "ldap").is_empty());
}

#[test]
fn unknown_scopes_are_refused() {
    let env = Env::example();
    let output = env
        .onboard(&["revoke", "--identity", "nobody", "--yes"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&env, &output).contains("unknown identity `nobody`"));
    let output = env.onboard(&["revoke", "--yes"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "a scope is required");
}
