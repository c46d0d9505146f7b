//! `onboard expire`: time-bound grants end, idempotently, from cron.

use crate::support::{Env, plan_json, stderr, stdout};

const AFTER_EXCEPTION: &str = "2027-04-02T08:00:00Z";
const AFTER_CONTRACTS: &str = "2028-06-01T00:00:00Z";

#[test]
fn an_exception_past_its_end_is_expired_and_only_that() {
    let env = Env::example();
    env.apply();
    let before = env.ledger().grants.len();
    let plan = plan_json(&env, AFTER_EXCEPTION, &[]);
    assert_eq!(plan.summary.expire, 1, "{:?}", plan.changes);
    assert_eq!(plan.summary.expire, plan.changes.len());
    let output = env
        .onboard_at(AFTER_EXCEPTION, &["expire", "--dry-run"])
        .output()
        .unwrap();
    insta::assert_snapshot!("expire_dry_run", stdout(&output));
    assert!(env.tenant("acme", "entra").contains(&(
        "role:Security Administrator".into(),
        "carol@acme.example".into()
    )));

    // No --yes needed: expire only removes access that has run out, and runs from cron.
    let output = env
        .onboard_at(AFTER_EXCEPTION, &["expire"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    assert!(!env.tenant("acme", "entra").contains(&(
        "role:Security Administrator".into(),
        "carol@acme.example".into()
    )));
    assert_eq!(env.ledger().grants.len(), before - 1);
    // Idempotent.
    let output = env
        .onboard_at(AFTER_EXCEPTION, &["expire"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(stderr(&env, &output).contains("Nothing to apply"));
    // Months on, the example's credentials are due for rotation: once they are rotated
    // (and the replaced password retired, its overlap being 0), nothing is left to change.
    for _ in 0..2 {
        env.onboard_at(AFTER_EXCEPTION, &["apply", "--yes"])
            .assert()
            .code(0);
    }
    env.onboard_at(AFTER_EXCEPTION, &["plan", "--detailed-exitcode"])
        .assert()
        .code(0);
}

#[test]
fn extending_an_exception_renews_it() {
    let env = Env::example();
    env.apply();
    env.edit(
        "clients/acme.yaml",
        "until: 2027-03-31",
        "until: 2027-06-30",
    );
    let plan = plan_json(&env, crate::support::NOW, &[]);
    assert_eq!(plan.summary.renew, 1, "{:?}", plan.changes);
    assert_eq!(
        plan.changes[0].expires_at.as_deref(),
        Some("2027-07-01T00:00:00Z")
    );
    env.apply();
    let carol = env
        .ledger()
        .grants
        .into_iter()
        .find(|g| g.entitlement == "role:Security Administrator")
        .unwrap();
    assert_eq!(carol.expires_at.as_deref(), Some("2027-07-01T00:00:00Z"));
    env.onboard_at(AFTER_EXCEPTION, &["expire"])
        .assert()
        .success();
    assert!(env.tenant("acme", "entra").contains(&(
        "role:Security Administrator".into(),
        "carol@acme.example".into()
    )));
}

#[test]
fn ended_contracts_expire_everything_in_the_client() {
    let env = Env::example();
    env.apply();
    env.onboard_at(AFTER_CONTRACTS, &["expire", "-q"])
        .assert()
        .success();
    assert!(env.ledger().grants.is_empty());
    for (client, tenant) in [
        ("acme", "entra"),
        ("acme", "okta"),
        ("globex", "ldap"),
        ("initech", "scim"),
    ] {
        assert!(
            env.tenant(client, tenant).is_empty(),
            "{client}/{tenant} still holds access"
        );
    }
}
