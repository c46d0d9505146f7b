//! `onboard plan`: tables, markdown, JSON, exit codes, unknown tenants, saved plans.

use crate::support::{Env, NOW, plan_json, stderr, stdout};

#[test]
fn table_and_markdown_of_a_fresh_client() {
    let env = Env::example();
    let output = env.onboard(&["plan", "initech"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    insta::assert_snapshot!("plan_initech_table", stdout(&output));
    let output = env
        .onboard(&["plan", "initech", "--output", "markdown"])
        .output()
        .unwrap();
    insta::assert_snapshot!("plan_initech_markdown", stdout(&output));
}

#[test]
fn json_plan_is_versioned_and_names_the_file_that_asked() {
    let env = Env::example();
    let plan = plan_json(&env, NOW, &["acme"]);
    assert_eq!(plan.format_version, 1);
    assert_eq!(plan.clients, ["acme"]);
    assert!(
        plan.changes
            .iter()
            .all(|c| c.kind == "grant" && c.client == "acme")
    );
    assert_eq!(plan.summary.grant, plan.changes.len());
    let exception = plan
        .changes
        .iter()
        .find(|c| c.entitlement.as_deref() == Some("role:Security Administrator"))
        .expect("carol's exception is planned");
    assert_eq!(exception.identity.as_deref(), Some("carol"));
    assert_eq!(exception.account.as_deref(), Some("carol@acme.example"));
    assert_eq!(
        exception.expires_at.as_deref(),
        Some("2027-04-01T00:00:00Z")
    );
    assert!(
        exception
            .origin
            .as_deref()
            .unwrap()
            .starts_with("clients/acme.yaml:")
    );
    let bundle_grant = plan.changes.iter().find(|c| c.tenant == "github").unwrap();
    assert!(
        bundle_grant
            .origin
            .as_deref()
            .unwrap()
            .starts_with("../../bundles/premium/"),
        "{bundle_grant:?}"
    );
    assert!(plan.warnings.is_empty());
}

#[test]
fn detailed_exitcode_gates_a_pipeline() {
    let env = Env::example();
    env.onboard(&["plan", "--detailed-exitcode"])
        .assert()
        .code(2);
    env.onboard(&["plan"]).assert().code(0);
    env.apply();
    env.onboard(&["plan", "--detailed-exitcode"])
        .assert()
        .code(0);
    let output = env.onboard(&["plan"]).output().unwrap();
    assert_eq!(
        stdout(&output),
        "No changes: the tenants match the workspace.\n"
    );
}

#[test]
fn changing_a_tier_plans_grants_and_revokes() {
    let env = Env::example();
    env.apply();
    env.edit("clients/initech.yaml", "tier: essential", "tier: standard");
    env.onboard(&["plan", "--detailed-exitcode"])
        .assert()
        .code(2);
    let up = plan_json(&env, NOW, &["initech"]);
    assert!(
        up.summary.grant > 0 && up.summary.revoke == 0,
        "{:?}",
        up.summary
    );
    env.edit("clients/initech.yaml", "tier: standard", "tier: essential");
    env.edit("clients/globex.yaml", "tier: standard", "tier: essential");
    let down = plan_json(&env, NOW, &["globex"]);
    assert_eq!(down.summary.grant, 0);
    assert!(down.summary.revoke > 0);
    assert!(
        down.changes
            .iter()
            .all(|c| c.kind == "revoke" && c.reason == "no longer wanted by the workspace")
    );
}

#[test]
fn removing_an_identity_revokes_exactly_its_grants() {
    let env = Env::example();
    env.apply();
    let held_by_erik = env
        .ledger()
        .grants
        .iter()
        .filter(|g| g.identity == "erik")
        .count();
    assert!(held_by_erik > 0);
    std::fs::remove_file(env.ws.join("identities/erik.yaml")).unwrap();
    env.edit("clients/globex.yaml", "identity: erik", "identity: alice");
    env.onboard(&["plan", "--detailed-exitcode"])
        .assert()
        .code(2);
    let plan = plan_json(&env, NOW, &[]);
    let revoked: Vec<_> = plan.changes.iter().filter(|c| c.kind == "revoke").collect();
    assert!(
        revoked
            .iter()
            .all(|c| c.identity.as_deref() == Some("erik")),
        "{revoked:?}"
    );
    assert_eq!(revoked.len(), held_by_erik);
}

#[test]
fn an_unreadable_tenant_is_unknown_never_empty() {
    let env = Env::example();
    env.apply();
    env.write("tenants/acme/okta/tenant.json", "{ this is not json");
    let output = env
        .onboard(&["plan", "--detailed-exitcode"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(4),
        "a plan with unknown tenants is partial"
    );
    let plan = plan_json(&env, NOW, &[]);
    assert_eq!(plan.summary.unknown, 1);
    assert_eq!(
        plan.summary.revoke + plan.summary.grant + plan.summary.drift,
        0,
        "{:?}",
        plan.changes
    );
    let unknown = &plan.changes[0];
    assert_eq!(
        (
            unknown.kind.as_str(),
            unknown.client.as_str(),
            unknown.tenant.as_str()
        ),
        ("unknown", "acme", "okta")
    );
    assert!(
        unknown.reason.contains("not a valid tenant file"),
        "{}",
        unknown.reason
    );
    // Applying leaves the ledger's records for that tenant alone.
    let before = env.ledger().grants.len();
    env.onboard(&["apply", "--yes"]).assert().code(4);
    assert_eq!(env.ledger().grants.len(), before);
}

#[test]
fn an_unreadable_tenant_says_why_and_what_to_do() {
    let env = Env::example();
    env.write("tenants/acme/okta/tenant.json", "{ this is not json");
    // JSON: the reason, the kind of failure and the hint, each in its own field.
    let output = env
        .onboard(&["plan", "acme", "--output", "json"])
        .output()
        .unwrap();
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let unknown = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "unknown")
        .unwrap_or_else(|| panic!("{plan}"));
    assert_eq!(unknown["tenant"], "okta");
    assert_eq!(unknown["error_code"], "malformed");
    assert_eq!(
        unknown["hint"],
        "restore the file, or delete the directory to seed an empty tenant"
    );
    let reason = unknown["reason"].as_str().unwrap();
    assert!(
        reason.contains("not a valid tenant file") && !reason.contains("restore the file"),
        "{reason}"
    );
    // The table and markdown say the kind in the row and what to do under the table.
    let output = env.onboard(&["plan", "acme"]).output().unwrap();
    let table = stdout(&output);
    assert!(table.contains("malformed: read: "), "{table}");
    assert!(
        table.contains("\nhint for `acme/okta`: restore the file, or delete the directory to seed an empty tenant\n"),
        "{table}"
    );
    let output = env
        .onboard(&["plan", "acme", "--output", "markdown"])
        .output()
        .unwrap();
    assert!(
        stdout(&output).contains("\n- hint for `acme/okta`: restore the file"),
        "{}",
        stdout(&output)
    );
    // `apply` warns with both.
    let output = env.onboard(&["apply", "acme", "--yes"]).output().unwrap();
    assert_eq!(output.status.code(), Some(4));
    let err = stderr(&env, &output);
    assert!(
        err.contains(
            "tenant `acme/okta` could not be read (malformed), so nothing is applied to it: read: "
        ) && err.contains("; hint: restore the file, or delete the directory"),
        "{err}"
    );
}

#[test]
fn a_wrong_tenant_directory_is_refused() {
    let env = Env::example();
    env.apply();
    let text = env
        .read("tenants/acme/okta/tenant.json")
        .replace("\"acme/okta\"", "\"globex/entra\"");
    env.write("tenants/acme/okta/tenant.json", &text);
    let plan = plan_json(&env, NOW, &["acme"]);
    let unknown: Vec<_> = plan
        .changes
        .iter()
        .filter(|c| c.kind == "unknown")
        .collect();
    assert_eq!(unknown.len(), 1);
    assert!(
        unknown[0]
            .reason
            .contains("the directory holds tenant `globex/entra`"),
        "{}",
        unknown[0].reason
    );
}

#[test]
fn a_saved_plan_applies_and_a_stale_one_is_refused() {
    let env = Env::example();
    let saved = env.root.join("plan.json");
    let saved_arg = saved.to_str().unwrap();
    env.onboard(&["plan", "initech", "--out", saved_arg])
        .assert()
        .success();
    env.edit(
        "identities/frank.yaml",
        "mfa: not-enforced",
        "mfa: enforced",
    );
    let output = env
        .onboard(&["apply", saved_arg, "--yes"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("stale_plan", stderr(&env, &output));
    assert!(
        !env.exists("tenants/initech/entra/tenant.json")
            || env.tenant("initech", "entra").is_empty()
    );

    env.onboard(&["plan", "initech", "--out", saved_arg])
        .assert()
        .success();
    env.onboard(&["apply", saved_arg, "--yes", "--quiet"])
        .assert()
        .success();
    assert!(!env.tenant("initech", "scim").is_empty());
    assert!(
        !env.exists("tenants/acme"),
        "a saved plan for initech touches only initech"
    );
    // The ledger changed, so the same file is now stale too.
    env.onboard(&["apply", saved_arg, "--yes"]).assert().code(1);
}

#[test]
fn unknown_clients_are_named() {
    let env = Env::example();
    let output = env.onboard(&["plan", "acne"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&env, &output);
    assert!(text.contains("unknown client `acne`"), "{text}");
    assert!(text.contains("did you mean `acme`?"), "{text}");
    // Nothing close: the hint lists the clients there are.
    let output = env.onboard(&["plan", "umbrella"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&env, &output);
    assert!(text.contains("`acme`, `globex`, `initech`"), "{text}");
}

#[test]
fn an_exception_can_give_a_whole_bundle_in_one_tenant() {
    let env = Env::example();
    env.edit(
        "clients/initech.yaml",
        "tenants:",
        "exceptions:\n  - id: initech-cover\n    identity: alice\n    bundle: premium-helpdesk\n    grants:\n      - system: entra\n        entitlement: group:Initech-Cover\n        tenant: entra\n    reason: Covers the Initech helpdesk while dave is away\n    ticket: CHG-77\n    approver: dave\n    until: 2026-12-24\ntenants:",
    );
    let plan = plan_json(&env, NOW, &["initech"]);
    let alice: Vec<_> = plan
        .changes
        .iter()
        .filter(|c| c.identity.as_deref() == Some("alice"))
        .collect();
    assert!(alice.iter().any(|c| c.entitlement.as_deref() == Some("group:Initech-Cover") && c.tenant == "entra"));
    assert!(
        alice
            .iter()
            .all(|c| c.expires_at.as_deref() == Some("2026-12-25T00:00:00Z")),
        "{alice:?}"
    );
    // The bundle's just-in-time grants come with it, bounded by the exception's end.
    assert!(
        alice
            .iter()
            .any(|c| c.entitlement.as_deref() == Some("role:User Administrator")),
        "{alice:?}"
    );
    assert!(
        !alice
            .iter()
            .any(|c| c.tenant == "scim" && c.entitlement.as_deref() == Some("group:Initech-Cover"))
    );
}

#[test]
fn a_saved_plan_is_refused_once_a_grant_in_it_has_ended() {
    let env = Env::example();
    let saved = env.root.join("plan.json");
    let saved_arg = saved.to_str().unwrap();
    let output = env
        .onboard(&["plan", "acme", "--out", saved_arg])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    // The plan says until when it is valid: carol's exception ends on 2027-04-01.
    let document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    assert_eq!(document["valid_until"], "2027-04-01T00:00:00Z");
    assert!(
        stderr(&env, &output).contains("before 2027-04-01"),
        "{}",
        stderr(&env, &output)
    );
    // Applied after that, it would grant what has ended: refused, nothing changed.
    let output = env
        .onboard_at("2027-04-02T00:00:00Z", &["apply", saved_arg, "--yes"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&env, &output));
    let err = stderr(&env, &output);
    assert!(
        err.contains("refusing the saved plan")
            && err.contains("`role:Security Administrator` to `carol`")
            && err.contains("ended 2027-04-01"),
        "{err}"
    );
    assert!(env.tenant("acme", "entra").is_empty() && !env.exists("state/ledger.json"));
    // Before then it applies.
    env.onboard_at("2027-03-31T00:00:00Z", &["apply", saved_arg, "--yes", "-q"])
        .assert()
        .success();
    assert!(env.tenant("acme", "entra").contains(&(
        "role:Security Administrator".into(),
        "carol@acme.example".into()
    )));
}

#[test]
fn parallelism_on_the_command_line_gives_the_same_plan_and_is_range_checked() {
    let env = Env::example();
    let plan = |extra: &[&str]| {
        let mut args = vec!["plan", "-o", "json"];
        args.extend_from_slice(extra);
        let output = env.onboard(&args).output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
        let mut document: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
        // When the plan was made is the real clock's; everything else must match.
        document.as_object_mut().unwrap().remove("generated_at");
        document
    };
    assert_eq!(plan(&["--parallelism", "1"]), plan(&[]));
    assert_eq!(plan(&["--parallelism", "64"]), plan(&[]));
    for bad in ["0", "65", "many"] {
        let output = env
            .onboard(&["plan", "--parallelism", bad])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "--parallelism {bad}");
        assert!(
            stderr(&env, &output).contains("--parallelism"),
            "{}",
            stderr(&env, &output)
        );
    }
}

#[test]
fn a_saved_plan_with_an_unreadable_tenant_and_denials_applies_as_it_says_and_a_broken_one_is_refused()
 {
    let env = Env::with_an_unreadable_tenant_and_a_denial();
    let saved = env.root.join("plan.json");
    let saved_arg = saved.to_str().unwrap();
    env.onboard(&["plan", "initech", "--out", saved_arg, "-q"])
        .output()
        .unwrap();
    let text = std::fs::read_to_string(&saved).unwrap();
    let plan: serde_json::Value = serde_json::from_str(&text).unwrap();
    let refused: Vec<serde_json::Value> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "unknown" || c["kind"] == "denied")
        .cloned()
        .collect();
    assert!(
        refused
            .iter()
            .any(|c| c["kind"] == "unknown" && c["error_code"].is_string())
            && refused
                .iter()
                .any(|c| c["kind"] == "denied" && c["rule"] == "mfa-required"),
        "{text}"
    );

    // Applied, the saved plan reports its unread tenant and denials exactly as saved.
    let output = env
        .onboard(&["apply", saved_arg, "--yes", "--output", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&env, &output));
    let applied: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(applied["not_applied"].as_array().unwrap(), &refused);
    assert_eq!(applied["unknown"], 1);
    let audited = env
        .onboard(&["audit", "show", "--client", "initech", "--output", "json"])
        .output()
        .unwrap();
    let audited: serde_json::Value = serde_json::from_slice(&audited.stdout).unwrap();
    assert!(
        audited["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "denial" && e["error_code"] == "mfa-required"),
        "{audited}"
    );

    // A denial without its rule is not a plan this onboard wrote: refused, nothing sent.
    let broken = text.replacen("\"rule\":", "\"rule_\":", 1);
    assert_ne!(broken, text);
    std::fs::write(&saved, &broken).unwrap();
    let output = env
        .onboard(&["apply", saved_arg, "--yes"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&env, &output);
    assert!(
        message.contains("is not a saved plan")
            && message.contains("`denied` entry of `initech/")
            && message.contains("has no `rule`"),
        "{message}"
    );
}
