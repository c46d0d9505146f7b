//! `onboard apply`: confirmation, results, ledger, partial failure, lock, prune.

use crate::support::{ApplyJson, Env, NOW, plan_json, stderr, stdout};

#[test]
fn without_a_terminal_and_without_yes_it_refuses_and_changes_nothing() {
    let env = Env::example();
    let output = env.onboard(&["apply", "initech"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&env, &output);
    assert!(
        text.contains("no terminal to ask on") && text.contains("pass `--yes`"),
        "{text}"
    );
    assert!(!env.exists("state/ledger.json"));
    assert!(
        env.tenant("initech", "entra").is_empty(),
        "tenants are read, never changed"
    );
}

#[test]
fn apply_grants_records_and_converges() {
    let env = Env::example();
    let planned = plan_json(&env, NOW, &[]).summary.grant;
    let output = env.onboard(&["apply", "--yes"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    assert!(stderr(&env, &output).contains(&format!("Applied {planned}, unchanged 0, failed 0.")));
    let ledger = env.ledger();
    assert_eq!(ledger.format_version, 1);
    assert_eq!(ledger.grants.len(), planned);
    assert!(ledger.grants.iter().all(|g| g.actor == "test:runner"));
    let carol = ledger
        .grants
        .iter()
        .find(|g| g.identity == "carol" && g.entitlement == "role:Security Administrator")
        .unwrap();
    assert_eq!(
        (carol.client.as_str(), carol.tenant.as_str()),
        ("acme", "entra")
    );
    assert_eq!(carol.ticket.as_deref(), Some("INC-4471"));
    assert_eq!(carol.account, "carol@acme.example");
    assert_eq!(carol.sources, ["exception:acme-defender-rollout"]);
    assert_eq!(carol.expires_at.as_deref(), Some("2027-04-01T00:00:00Z"));
    assert!(env.tenant("acme", "entra").contains(&(
        "role:Security Administrator".into(),
        "carol@acme.example".into()
    )));
    assert!(
        env.tenant("acme", "github")
            .contains(&("org:member".into(), "bob-okafor-nw".into()))
    );
    assert!(
        env.tenant("globex", "ldap")
            .iter()
            .any(|(_, account)| account == "bokafor")
    );
    // Idempotent: a second apply has nothing to do.
    let output = env.onboard(&["apply", "--yes"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(stderr(&env, &output).contains("Nothing to apply"));
    assert_eq!(env.ledger().grants.len(), planned);
}

#[test]
fn apply_results_as_json() {
    let env = Env::example();
    let output = env
        .onboard(&["apply", "initech", "--yes", "--output", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let doc: ApplyJson = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doc.format_version, 1);
    assert_eq!((doc.applied, doc.failed), (doc.results.len(), 0));
    assert_eq!(
        doc.unchanged, 0,
        "a first apply finds nothing already there"
    );
    assert!(doc.not_applied.is_empty(), "{:?}", doc.not_applied);
    assert!(
        doc.results
            .iter()
            .all(|r| r.kind == "grant" && r.result == "applied" && r.error.is_none())
    );
}

#[test]
fn one_failing_tenant_does_not_stop_the_others() {
    let env = Env::example();
    env.onboard(&["plan", "-q"]).assert().success(); // seeds the tenant directories
    let text = env.read("tenants/acme/okta/tenant.json");
    let text = text.replacen(
        "\"entitlements\": {}",
        "\"entitlements\": {},\n  \"faults\": { \"grant\": \"HTTP 503 from okta (simulated)\" }",
        1,
    );
    env.write("tenants/acme/okta/tenant.json", &text);
    let wanted_in_acme_okta = plan_json(&env, NOW, &["acme"])
        .changes
        .iter()
        .filter(|c| c.tenant == "okta" && c.kind == "grant")
        .count();
    assert!(wanted_in_acme_okta > 0);
    let output = env.onboard(&["apply", "--yes"]).output().unwrap();
    assert_eq!(output.status.code(), Some(4), "partial failure");
    let out = stdout(&output);
    assert!(
        out.contains("failed") && out.contains("HTTP 503 from okta (simulated)"),
        "{out}"
    );
    assert!(
        stderr(&env, &output).contains("failed "),
        "the summary counts failures"
    );
    let ledger = env.ledger();
    assert!(
        ledger
            .grants
            .iter()
            .all(|g| g.tenant != "okta" || g.client != "acme"),
        "failed grants are not recorded"
    );
    assert!(
        ledger
            .grants
            .iter()
            .any(|g| g.client == "acme" && g.tenant == "entra")
    );
    assert!(!env.tenant("globex", "entra").is_empty());
    // The next plan shows exactly what is left.
    let left = plan_json(&env, NOW, &[]);
    assert!(
        left.changes
            .iter()
            .all(|c| c.client == "acme" && c.tenant == "okta" && c.kind == "grant")
    );
    assert_eq!(
        left.changes.len(),
        wanted_in_acme_okta,
        "{:?}",
        left.changes
    );
}

#[test]
fn a_second_apply_is_stopped_by_the_lock_and_told_who_holds_it() {
    let env = Env::example();
    // The holder is alive: this test process.
    let me = std::process::id();
    let held = crate::lock::hold_lock(&env, &crate::lock::live_holder());
    let output = env.onboard(&["apply", "--yes"]).output().unwrap();
    assert_eq!(output.status.code(), Some(5));
    insta::assert_snapshot!(
        "locked",
        stderr(&env, &output).replace(&format!("pid {me}"), "pid [PID]")
    );
    drop(held);
    env.onboard(&["apply", "--yes", "-q"]).assert().success();
}

/// Adds accounts to `group:MSP-Helpdesk` in `initech/entra` behind onboard's back.
fn hold_outside_onboard(env: &Env, accounts: &[&str]) {
    let held: String = accounts
        .iter()
        .map(|a| {
            format!("\n      {{ \"account\": \"{a}\", \"granted_at\": \"2026-01-01T00:00:00Z\" }},")
        })
        .collect();
    let text = env.read("tenants/initech/entra/tenant.json").replacen(
        "\"group:MSP-Helpdesk\": [",
        &format!("\"group:MSP-Helpdesk\": [{held}"),
        1,
    );
    env.write("tenants/initech/entra/tenant.json", &text);
}

#[test]
fn drift_is_shown_and_removed_only_with_prune() {
    let env = Env::example();
    env.apply();
    hold_outside_onboard(&env, &["mallory@initech.example"]);
    let plan = plan_json(&env, NOW, &[]);
    assert_eq!(plan.summary.drift, 1);
    let drift = &plan.changes[0];
    assert_eq!(
        (drift.account.as_deref(), drift.identity.as_deref()),
        (Some("mallory@initech.example"), None)
    );
    env.onboard(&["plan", "--detailed-exitcode"])
        .assert()
        .code(2);
    let output = env.onboard(&["apply", "--yes"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(stderr(&env, &output).contains("1 drift change(s) left alone: pass `--prune`"));
    assert!(
        env.tenant("initech", "entra")
            .iter()
            .any(|(_, a)| a == "mallory@initech.example")
    );
    env.onboard(&["apply", "--yes", "--prune", "-q"])
        .assert()
        .success();
    assert!(
        !env.tenant("initech", "entra")
            .iter()
            .any(|(_, a)| a == "mallory@initech.example")
    );
    env.onboard(&["plan", "--detailed-exitcode"])
        .assert()
        .code(0);
}

#[test]
fn access_removed_outside_onboard_is_granted_again() {
    let env = Env::example();
    env.apply();
    std::fs::remove_dir_all(env.ws.join("tenants/initech/scim")).unwrap();
    let plan = plan_json(&env, NOW, &[]);
    assert!(
        plan.changes
            .iter()
            .all(|c| c.kind == "grant" && c.tenant == "scim")
    );
    assert!(
        plan.changes[0].reason.contains("missing from the tenant"),
        "{}",
        plan.changes[0].reason
    );
    env.apply();
    env.onboard(&["plan", "--detailed-exitcode"])
        .assert()
        .code(0);
}

#[test]
fn json_results_say_what_was_not_applied_and_why() {
    let env = Env::with_an_unreadable_tenant_and_a_denial();
    let output = env
        .onboard(&["apply", "--yes", "--output", "json"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(4),
        "an unreadable tenant makes it partial"
    );
    let doc: ApplyJson = serde_json::from_slice(&output.stdout).unwrap();
    let skipped = &doc.not_applied;
    let unknown: Vec<_> = skipped.iter().filter(|c| c.kind == "unknown").collect();
    assert_eq!(unknown.len(), 1);
    assert_eq!(
        (unknown[0].client.as_str(), unknown[0].tenant.as_str()),
        ("initech", "scim")
    );
    assert!(unknown[0].reason.contains("not a valid tenant file"));
    let denied: Vec<_> = skipped.iter().filter(|c| c.kind == "denied").collect();
    assert!(
        !denied.is_empty()
            && denied
                .iter()
                .all(|c| c.rule.as_deref() == Some("mfa-required")
                    && c.identity.as_deref() == Some("frank"))
    );
}

#[test]
fn access_a_crashed_run_sent_is_onboards_to_revoke_once_its_holder_leaves() {
    if !crate::support::test_hooks() {
        return;
    }
    let env = Env::example();
    // One tenant at a time, so the order is known: `entra`, then `scim`.
    env.edit("onboard.toml", "parallelism = 4", "parallelism = 1");
    let plan = plan_json(&env, NOW, &["initech"]);
    let entra = plan.changes.iter().filter(|c| c.tenant == "entra").count();
    // `entra`'s grants are sent; the crash comes before their outcomes are written and
    // before the ledger is saved.
    let output = env
        .onboard(&["apply", "initech", "--yes", "-q"])
        .env("ONBOARD_TEST_CRASH_AFTER_SENT", entra.to_string())
        .output()
        .unwrap();
    assert_ne!(output.status.code(), Some(0), "the process was killed");
    let bob = "b.okafor@initech.example";
    assert!(env.tenant("initech", "entra").iter().any(|(_, a)| a == bob));
    assert!(
        !env.exists("state/ledger.json") || env.ledger().grants.iter().all(|g| g.identity != "bob"),
        "the ledger missed what was sent"
    );
    // bob leaves before any other run.
    env.edit(
        "identities/globex-backup-svc.yaml",
        "owner: bob",
        "owner: alice",
    );
    std::fs::remove_file(env.ws.join("identities/bob.yaml")).unwrap();
    let plan = plan_json(&env, NOW, &["initech"]);
    let bobs: Vec<_> = plan
        .changes
        .iter()
        .filter(|c| c.tenant == "entra" && c.account.as_deref() == Some(bob))
        .collect();
    assert!(!bobs.is_empty());
    assert!(
        bobs.iter()
            .all(|c| c.kind == "revoke" && c.identity.as_deref() == Some("bob")),
        "onboard's own grants, not drift: {bobs:?}"
    );
    // A normal apply (no `--prune`) takes them back. The ledger lost every `entra` record,
    // so the mass-revoke guard would count these as all of the tenant's grants.
    env.write(
        "policy.yaml",
        "mass_revoke:\n  max_count: 1000\n  max_share: 1.0\n",
    );
    let output = env
        .onboard(&["apply", "initech", "--yes", "-q"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    assert!(
        env.tenant("initech", "entra").iter().all(|(_, a)| a != bob),
        "{:?}",
        env.tenant("initech", "entra")
    );
    env.onboard(&["plan", "--detailed-exitcode", "initech"])
        .assert()
        .code(0);
}

/// Makes a file tenant fail `verb` with a simulated outage.
fn inject_fault(env: &Env, tenant: &str, verb: &str) {
    let path = format!("tenants/{tenant}/tenant.json");
    let text = env.read(&path).replacen(
        "\"entitlements\": {",
        &format!("\"faults\": {{ \"{verb}\": \"HTTP 503 (simulated)\" }},\n  \"entitlements\": {{"),
        1,
    );
    env.write(&path, &text);
}

#[test]
fn counts_name_the_tenants_that_could_not_be_read() {
    let env = Env::example();
    env.apply();
    inject_fault(&env, "acme/okta", "list");
    // Nothing to do elsewhere: the run does not claim the tenants match.
    let output = env.onboard(&["apply", "--yes"]).output().unwrap();
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&env, &output));
    let err = stderr(&env, &output);
    assert!(!err.contains("the tenants match"), "{err}");
    assert!(err.contains("1 tenant(s) could not be read"), "{err}");
    // With changes elsewhere, the plan shown and the results count the unread tenant.
    env.edit("clients/globex.yaml", "identity: erik", "identity: frank");
    for args in [
        &["apply", "--yes"][..],
        &["revoke", "--identity", "carol", "--yes"][..],
    ] {
        let output = env.onboard(args).output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(4),
            "{args:?}: {}",
            stderr(&env, &output)
        );
        let err = stderr(&env, &output);
        assert!(err.contains(" 1 unknown"), "{args:?}: {err}");
        assert!(!err.contains(" 0 unknown"), "{args:?}: {err}");
        assert!(
            err.contains("1 tenant(s) could not be read"),
            "{args:?}: {err}"
        );
    }
    let output = env
        .onboard(&["revoke", "--identity", "dave", "--yes", "--output", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&env, &output));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["unknown"], 1, "{document}");
}

#[test]
fn drift_being_removed_is_not_labelled_as_left_alone() {
    let env = Env::example();
    env.apply();
    // Held outside onboard: by someone unknown, and by bob beyond what he is given.
    hold_outside_onboard(
        &env,
        &["mallory@initech.example", "b.okafor@initech.example"],
    );
    let left_alone = "removed only with `--prune`";
    assert!(
        plan_json(&env, NOW, &[])
            .changes
            .iter()
            .all(|c| c.kind == "drift" && c.reason.contains(left_alone)),
        "a plan leaves drift alone"
    );
    for args in [
        &["revoke", "--identity", "bob", "--yes"][..],
        &["apply", "--prune", "--yes"][..],
    ] {
        let output = env
            .onboard(args)
            .args(["--output", "json"])
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            stderr(&env, &output)
        );
        let document: ApplyJson = serde_json::from_slice(&output.stdout).unwrap();
        assert!(
            document.results.iter().any(|r| r.kind == "drift"),
            "{args:?}: {document:?}"
        );
        for (what, text) in [
            ("stdout", stdout(&output)),
            ("stderr", stderr(&env, &output)),
            ("audit log", env.read("audit/initech.jsonl")),
        ] {
            assert!(!text.contains(left_alone), "{args:?}: {what}: {text}");
        }
    }
    assert!(
        env.tenant("initech", "entra")
            .iter()
            .all(|(_, a)| a != "mallory@initech.example" && !a.contains("okafor"))
    );
}
