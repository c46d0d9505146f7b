//! Credentials of service accounts and agents, end to end: issued in a `file` tenant,
//! delivered to a `file:` stand-in or a real OpenBao dev server (one per test process),
//! rotated at `max_age`, retired after the overlap, revoked with the identity, repaired
//! after a crash. The tenant, the vault and the state are read back directly.

use std::path::Path;

use crate::peers::{BaoServer, free_port};
use crate::support::{Env, stderr, stdout};

/// The test's service account, its client and where its client secret goes.
const SVC: &str = "identities/globex-backup-svc.yaml";
const APP: &str = "3f1c0000-0000-0000-0000-000000000001";

/// Declares a client secret of `APP` in `entra` for the example's service account,
/// delivered to `deliver`.
fn declare(env: &Env, deliver: &str) {
    let text = env.read_without_credentials(SVC);
    env.write(
        SVC,
        &format!(
            "{text}credentials:\n  - system: entra\n    kind: client_secret\n    application: {APP}\n    max_age: 30d\n    overlap: 2d\n    deliver: \"{deliver}\"\n"
        ),
    );
}

fn printed(env: &Env, output: &std::process::Output) -> String {
    format!("{}\n{}", stdout(output), stderr(env, output))
}

fn run(env: &Env, now: &str, args: &[&str], code: i32) -> (String, std::process::Output) {
    let output = env.onboard_at(now, args).output().unwrap();
    let text = printed(env, &output);
    assert_eq!(output.status.code(), Some(code), "{text}");
    (text, output)
}

/// The client secrets the `file` tenant `globex/entra` holds: (key id, fingerprint).
fn tenant_secrets(env: &Env) -> Vec<(String, String)> {
    let path = env.ws.join("tenants/globex/entra/credentials.json");
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value["client_secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["key_id"].as_str().unwrap().to_string(),
                c["fingerprint"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The issued credentials onboard recorded: (key id, retire_after).
fn recorded(env: &Env) -> Vec<(String, Option<String>)> {
    if !env.exists("state/credentials.json") {
        return Vec::new();
    }
    let value: serde_json::Value =
        serde_json::from_str(&env.read("state/credentials.json")).unwrap();
    value["issued"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["key_id"].as_str().unwrap().to_string(),
                r["retire_after"].as_str().map(str::to_string),
            )
        })
        .collect()
}

/// Fails when `secret` appears in any output or in any file below the workspace other
/// than `except` (the delivery stand-in, whose job is to hold it).
fn assert_unseen(env: &Env, outputs: &[String], secret: &str, except: Option<&Path>) {
    for text in outputs {
        assert!(
            !text.contains(secret),
            "the credential leaked into the output:\n{text}"
        );
    }
    let mut stack = vec![env.ws.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if Some(path.as_path()) != except {
                let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
                assert!(
                    !text.contains(secret),
                    "the credential leaked into {}",
                    path.display()
                );
            }
        }
    }
}

fn matches(fingerprint: &str, value: &str) -> bool {
    onboard::secrets::fingerprint_matches(fingerprint, &onboard::secrets::Secret::new(value))
}

#[test]
fn a_client_secret_is_issued_delivered_rotated_and_retired_with_the_file_stand_in() {
    let env = Env::example();
    declare(&env, "file:vault-standin/{client}/{id}.secret");
    let delivered = env.ws.join("vault-standin/globex/globex-backup-svc.secret");
    let t0 = "2026-11-21T12:00:00Z";
    let (plan, _) = run(&env, t0, &["plan", "globex"], 0);
    assert!(
        plan.contains("rotate") && plan.contains("never issued"),
        "{plan}"
    );
    assert!(
        plan.contains("file:vault-standin/globex/globex-backup-svc.secret"),
        "{plan}"
    );

    let (first, _) = run(&env, t0, &["apply", "globex", "--yes"], 0);
    let value = std::fs::read_to_string(&delivered)
        .unwrap()
        .trim()
        .to_string();
    let secrets = tenant_secrets(&env);
    assert_eq!(secrets.len(), 1, "{secrets:?}");
    assert!(
        matches(&secrets[0].1, &value),
        "the tenant holds another value than the one delivered"
    );
    assert_eq!(recorded(&env), [(secrets[0].0.clone(), None)]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&delivered).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o077,
            0,
            "the stand-in is readable by others: {mode:o}"
        );
    }

    // `status --credentials` lists its age, next rotation and delivery path.
    let (status, _) = run(
        &env,
        "2026-11-26T12:00:00Z",
        &["status", "--credentials"],
        0,
    );
    assert!(
        status.contains("globex/entra") && status.contains("globex-backup-svc"),
        "{status}"
    );
    assert!(status.contains("120h"), "{status}");
    assert!(status.contains("rotate 2026-12-21"), "{status}");
    assert!(
        status.contains("file:vault-standin/globex/globex-backup-svc.secret"),
        "{status}"
    );
    assert_unseen(
        &env,
        std::slice::from_ref(&status),
        &value,
        Some(&delivered),
    );

    // Nothing is due the next time.
    let (again, _) = run(&env, t0, &["plan", "globex"], 0);
    assert!(
        !again.contains("never issued") && !again.contains("older than"),
        "{again}"
    );
    let (quiet, _) = run(&env, t0, &["apply", "globex", "--yes"], 0);
    assert_eq!(tenant_secrets(&env).len(), 1, "{quiet}");

    // `plan --at` shows the rotation due once `max_age` has passed; apply at that time
    // rotates and the old one starts its 2-day overlap.
    let t30 = "2026-12-21T12:00:00Z";
    let (due, _) = run(&env, t0, &["plan", "globex", "--at", "2026-12-22"], 0);
    assert!(due.contains("older than 30d"), "{due}");
    let (second, _) = run(&env, t30, &["apply", "globex", "--yes"], 0);
    let newer = std::fs::read_to_string(&delivered)
        .unwrap()
        .trim()
        .to_string();
    assert_ne!(newer, value);
    let secrets = tenant_secrets(&env);
    assert_eq!(
        secrets.len(),
        2,
        "both live during the overlap: {secrets:?}"
    );
    let records = recorded(&env);
    assert_eq!(records.len(), 2);
    assert_eq!(
        records[0].1.as_deref(),
        Some("2026-12-23T12:00:00Z"),
        "{records:?}"
    );
    assert!(records[1].1.is_none());

    // Once the overlap has passed, the old one is retired from the tenant.
    let t32 = "2026-12-23T12:00:00Z";
    let (retire_plan, _) = run(&env, t32, &["plan", "globex"], 0);
    assert!(
        retire_plan.contains("retire") && retire_plan.contains("overlap ended"),
        "{retire_plan}"
    );
    let (third, _) = run(&env, t32, &["apply", "globex", "--yes"], 0);
    let secrets = tenant_secrets(&env);
    assert_eq!(secrets.len(), 1, "{third}");
    assert!(matches(&secrets[0].1, &newer));
    assert_eq!(recorded(&env).len(), 1);

    // The audit log records key ids, never the values, and verifies.
    let audit = env.read("audit/globex.jsonl");
    assert!(audit.contains("\"kind\":\"credential\""), "{audit}");
    run(&env, t32, &["audit", "verify"], 0);
    for value in [&value, &newer] {
        assert_unseen(
            &env,
            &[first.clone(), second.clone(), third.clone(), plan.clone()],
            value,
            Some(&delivered),
        );
    }
}

#[test]
fn a_crash_between_issue_and_delivery_is_repaired_by_the_next_run() {
    if !crate::support::test_hooks() {
        return;
    }
    let env = Env::example();
    declare(&env, "file:vault-standin/{client}/{id}.secret");
    let crashed = env
        .onboard(&["apply", "globex", "--yes"])
        .env("ONBOARD_TEST_CRASH_AFTER_ISSUE", "1")
        .output()
        .unwrap();
    assert!(!crashed.status.success());
    // Issued in the tenant, never delivered nor recorded.
    assert_eq!(tenant_secrets(&env).len(), 1);
    assert!(!env.exists("vault-standin/globex/globex-backup-svc.secret"));
    assert!(recorded(&env).is_empty());

    let (repaired, _) = run(&env, crate::support::NOW, &["apply", "globex", "--yes"], 0);
    assert!(repaired.contains("repair"), "{repaired}");
    assert!(
        repaired.contains("removed the undelivered credential"),
        "{repaired}"
    );
    // The orphan is gone; a new one is issued, delivered and recorded.
    let secrets = tenant_secrets(&env);
    assert_eq!(secrets.len(), 1, "{secrets:?}");
    assert_eq!(recorded(&env), [(secrets[0].0.clone(), None)]);
    let value = env.read("vault-standin/globex/globex-backup-svc.secret");
    assert!(matches(&secrets[0].1, value.trim()));
    let audit = env.read("audit/globex.jsonl");
    assert!(audit.contains("\"kind\":\"reconcile\""), "{audit}");
}

/// Configures `[vault]` at `address`, its token in `ONBOARD_TEST_VAULT_TOKEN`.
fn configure_vault(env: &Env, address: &str) {
    let settings = env.read("onboard.toml");
    env.write(
        "onboard.toml",
        &format!("{settings}\n[vault]\naddress = \"{address}\"\ntoken = \"env:ONBOARD_TEST_VAULT_TOKEN\"\n"),
    );
}

/// A copy of the example whose service account's client secret goes to `deliver`, with
/// `[vault]` at `address`.
fn vault_env(address: &str, deliver: &str) -> Env {
    let env = Env::example();
    configure_vault(&env, address);
    declare(&env, deliver);
    env
}

fn with_token(env: &Env, now: &str, token: &str, args: &[&str]) -> std::process::Output {
    env.onboard_at(now, args)
        .env("ONBOARD_TEST_VAULT_TOKEN", token)
        .env("ONBOARD_TEST_RETRY_SCALE", "0.01")
        .output()
        .unwrap()
}

#[test]
fn a_client_secret_goes_to_a_real_vault_and_is_destroyed_there_when_revoked() {
    let Some(bao) = BaoServer::shared() else {
        return;
    };
    let env = vault_env(
        &bao.address,
        "vault:secret/data/creds-rotate/{client}/{id}#client_secret",
    );
    bao.put("creds-rotate/globex/globex-backup-svc", &[("note", "kept")]);
    let now = crate::support::NOW;
    let apply = with_token(
        &env,
        now,
        crate::peers::BAO_ROOT_TOKEN,
        &["apply", "globex", "--yes"],
    );
    let text = printed(&env, &apply);
    assert_eq!(apply.status.code(), Some(0), "{text}");
    let value = bao
        .get("creds-rotate/globex/globex-backup-svc", "client_secret")
        .expect("delivered to the vault");
    // The secret's other fields are kept.
    assert_eq!(
        bao.get("creds-rotate/globex/globex-backup-svc", "note")
            .as_deref(),
        Some("kept")
    );
    let secrets = tenant_secrets(&env);
    assert_eq!(secrets.len(), 1);
    assert!(matches(&secrets[0].1, &value));
    assert_unseen(&env, std::slice::from_ref(&text), &value, None);
    let state: serde_json::Value =
        serde_json::from_str(&env.read("state/credentials.json")).unwrap();
    assert_eq!(state["issued"][0]["vault_version"], 2, "{state}");

    // The service account leaves: its credential is removed from the tenant and its
    // vault version destroyed.
    env.write(
        SVC,
        &env.read(SVC).replace("client: globex", "client: acme"),
    );
    let revoke = with_token(
        &env,
        now,
        crate::peers::BAO_ROOT_TOKEN,
        &["apply", "globex", "--yes"],
    );
    let text = printed(&env, &revoke);
    assert!(text.contains("revoke"), "{text}");
    assert!(tenant_secrets(&env).is_empty(), "{text}");
    assert!(recorded(&env).is_empty());
    let (_, metadata) = bao.call(
        "GET",
        "/v1/secret/metadata/creds-rotate/globex/globex-backup-svc",
        None,
    );
    assert_eq!(
        metadata["data"]["versions"]["2"]["destroyed"], true,
        "{metadata}"
    );
}

#[test]
fn a_vault_down_or_refusing_the_token_leaves_the_tenant_unchanged_and_exits_4() {
    let env = vault_env(
        &format!("http://127.0.0.1:{}", free_port()),
        "vault:secret/data/clients/{client}/{id}#client_secret",
    );
    let down = with_token(
        &env,
        crate::support::NOW,
        "t",
        &["apply", "globex", "--yes"],
    );
    let text = printed(&env, &down);
    assert_eq!(down.status.code(), Some(4), "{text}");
    assert!(text.contains("failed"), "{text}");
    assert!(tenant_secrets(&env).is_empty(), "{text}");
    assert!(recorded(&env).is_empty());

    let Some(bao) = BaoServer::shared() else {
        return;
    };
    let env = vault_env(
        &bao.address,
        "vault:secret/data/clients/{client}/{id}#client_secret",
    );
    let wrong = "hvs.not-a-token-this-vault-issued";
    let refused = with_token(
        &env,
        crate::support::NOW,
        wrong,
        &["apply", "globex", "--yes"],
    );
    let text = printed(&env, &refused);
    assert_eq!(refused.status.code(), Some(4), "{text}");
    assert!(
        text.contains("403") || text.contains("permission denied"),
        "{text}"
    );
    assert!(!text.contains(wrong), "{text}");
    assert!(tenant_secrets(&env).is_empty(), "{text}");
}

#[test]
fn a_password_is_delivered_before_the_tenant_gets_it_and_a_crash_after_is_repaired() {
    if !crate::support::test_hooks() {
        return;
    }
    let env = Env::example();
    let text = env.read_without_credentials(SVC);
    env.write(
        SVC,
        &format!(
            "{text}credentials:\n  - system: ldap\n    kind: password\n    max_age: 90d\n    deliver: \"file:vault-standin/{{client}}/{{id}}-ldap\"\n"
        ),
    );
    let delivered = "vault-standin/globex/globex-backup-svc-ldap";
    let password_of = |env: &Env| -> Option<String> {
        let text =
            std::fs::read_to_string(env.ws.join("tenants/globex/ldap/credentials.json")).ok()?;
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        value["passwords"]["svc-northwind-backup"]["fingerprint"]
            .as_str()
            .map(str::to_string)
    };
    // A crash once the password is delivered and set, before it is recorded.
    let crashed = env
        .onboard(&["apply", "globex", "--yes"])
        .env("ONBOARD_TEST_CRASH_AFTER_ISSUE", "1")
        .output()
        .unwrap();
    assert!(!crashed.status.success());
    let first = env.read(delivered).trim().to_string();
    assert!(matches(&password_of(&env).unwrap(), &first));
    assert!(recorded(&env).is_empty());

    // The next run finds the delivered password by the intent's fingerprint and records
    // it: no new password, nothing lost.
    let (repaired, _) = run(&env, crate::support::NOW, &["apply", "globex", "--yes"], 0);
    assert!(
        repaired.contains("interrupted password rotation repaired"),
        "{repaired}"
    );
    assert_eq!(env.read(delivered).trim(), first);
    let records = recorded(&env);
    assert_eq!(records.len(), 1, "{repaired}");
    assert!(
        matches(&records[0].0, &first),
        "the fingerprint is recorded, not the value"
    );

    // At 90 days a new one is delivered and set; the old one no longer signs in.
    let (rotated, _) = run(
        &env,
        "2027-02-20T12:00:00Z",
        &["apply", "globex", "--yes"],
        0,
    );
    let second = env.read(delivered).trim().to_string();
    assert_ne!(second, first);
    let fingerprint = password_of(&env).unwrap();
    assert!(matches(&fingerprint, &second) && !matches(&fingerprint, &first));
    let delivered_path = env.ws.join(delivered);
    for value in [&first, &second] {
        assert_unseen(
            &env,
            &[repaired.clone(), rotated.clone()],
            value,
            Some(&delivered_path),
        );
    }
}

#[test]
fn credentials_round_trip_on_the_postgres_backend() {
    let Some(server) = crate::postgres::server() else {
        return;
    };
    let url = server.database();
    let env = Env::example();
    let toml = env.read("onboard.toml");
    env.write(
        "onboard.toml",
        &format!("{toml}\n[state]\nbackend = \"postgres\"\nurl = \"env:ONBOARD_DATABASE_URL\"\n"),
    );
    declare(&env, "file:vault-standin/{client}/{id}.secret");
    let pg = |now: &str, args: &[&str]| {
        let output = env
            .onboard_at(now, args)
            .env("ONBOARD_DATABASE_URL", &url)
            .output()
            .unwrap();
        let text = printed(&env, &output);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {text}");
        text
    };
    pg(crate::support::NOW, &["apply", "globex", "--yes"]);
    // Recorded in the database, not in the workspace.
    assert!(!env.exists("state/credentials.json"));
    let secrets = tenant_secrets(&env);
    assert_eq!(secrets.len(), 1);
    let status = pg(
        crate::support::NOW,
        &["status", "--credentials", "--output", "json"],
    );
    assert!(status.contains(&secrets[0].0), "{status}");
    // Read back on the next run: nothing is due, then a rotation at 30 days.
    let again = pg(crate::support::NOW, &["plan", "globex"]);
    assert!(!again.contains("never issued"), "{again}");
    pg("2026-12-21T12:00:00Z", &["apply", "globex", "--yes"]);
    assert_eq!(tenant_secrets(&env).len(), 2);
    pg("2026-12-21T12:00:00Z", &["audit", "verify"]);
}

#[test]
fn revoking_the_identity_removes_its_credentials_from_the_tenant_and_the_stand_in() {
    let env = Env::example();
    declare(&env, "file:vault-standin/{client}/{id}.secret");
    run(&env, crate::support::NOW, &["apply", "globex", "--yes"], 0);
    assert_eq!(tenant_secrets(&env).len(), 1);
    assert!(env.exists("vault-standin/globex/globex-backup-svc.secret"));
    let (revoked, _) = run(
        &env,
        crate::support::NOW,
        &["revoke", "--identity", "globex-backup-svc", "--yes"],
        0,
    );
    assert!(tenant_secrets(&env).is_empty(), "{revoked}");
    assert!(
        !env.exists("vault-standin/globex/globex-backup-svc.secret"),
        "{revoked}"
    );
    assert!(recorded(&env).is_empty(), "{revoked}");
    // A later apply issues nothing while the revocation stands.
    run(&env, crate::support::NOW, &["apply", "globex", "--yes"], 0);
    assert!(tenant_secrets(&env).is_empty());
}

#[test]
fn a_saved_plan_makes_no_credential_change_and_says_so() {
    // The example declares credentials for globex's service account and acme's agent.
    let env = Env::example();
    let saved = env.root.join("globex-plan.json");
    let saved_arg = saved.to_str().unwrap();
    let (planned, _) = run(
        &env,
        crate::support::NOW,
        &["plan", "globex", "--out", saved_arg],
        0,
    );
    assert!(
        planned.contains("The saved plan holds the access changes only"),
        "{planned}"
    );
    let (applied, _) = run(&env, crate::support::NOW, &["apply", saved_arg, "--yes"], 0);
    assert!(
        applied.contains("a saved plan carries access changes only: 2 credential change(s)")
            && applied.contains("`onboard apply globex`"),
        "{applied}"
    );
    // The access changes were made; no credential was issued, in globex or elsewhere.
    assert!(!env.tenant("globex", "entra").is_empty());
    assert!(tenant_secrets(&env).is_empty(), "{applied}");
    assert!(!env.exists("vault-standin"), "{applied}");
    assert!(!env.exists("tenants/acme"), "{applied}");
    assert!(recorded(&env).is_empty());
    // A fresh apply of the client makes them.
    run(&env, crate::support::NOW, &["apply", "globex", "--yes"], 0);
    assert_eq!(tenant_secrets(&env).len(), 1);
    assert!(env.exists("vault-standin/globex/globex-backup-svc-ldap.password"));
}

#[test]
fn revoking_a_client_removes_its_credentials_and_only_those_after_the_mass_revoke_guard() {
    // The example declares globex's service account's credentials and acme's agent's.
    let env = Env::example();
    run(&env, crate::support::NOW, &["apply", "--yes", "--quiet"], 0);
    let acme_secret = "vault-standin/acme/acme-triage-agent.client_secret";
    let globex = [
        "vault-standin/globex/globex-backup-svc.client_secret",
        "vault-standin/globex/globex-backup-svc-ldap.password",
    ];
    assert_eq!(recorded(&env).len(), 3);
    // A whole client's grants are a mass revoke: refused (exit 3) until a second person
    // approves, and then nothing is removed, credentials included.
    let (refused, _) = run(
        &env,
        crate::support::NOW,
        &["revoke", "--client", "globex", "--yes"],
        3,
    );
    assert!(refused.contains("refusing to revoke"), "{refused}");
    assert_eq!(tenant_secrets(&env).len(), 1, "{refused}");
    assert!(globex.iter().all(|p| env.exists(p)), "{refused}");
    assert_eq!(recorded(&env).len(), 3);

    env.write(
        "policy.yaml",
        "mass_revoke:\n  max_count: 1000\n  max_share: 1.0\n",
    );
    let (revoked, _) = run(
        &env,
        crate::support::NOW,
        &["revoke", "--client", "globex", "--yes"],
        0,
    );
    assert!(tenant_secrets(&env).is_empty(), "{revoked}");
    assert!(globex.iter().all(|p| !env.exists(p)), "{revoked}");
    let records = recorded(&env);
    assert_eq!(records.len(), 1, "acme's agent keeps its secret: {revoked}");
    assert!(env.exists(acme_secret));
    // Later runs issue nothing for the revoked client and leave acme's alone.
    run(&env, crate::support::NOW, &["apply", "--yes", "--quiet"], 0);
    assert!(tenant_secrets(&env).is_empty());
    assert_eq!(recorded(&env), records);
}

#[test]
fn an_owner_who_leaves_puts_their_service_account_up_for_review_and_its_credentials_keep_rotating()
{
    // The example's globex-backup-svc is bob's; it declares a client secret and a
    // password, issued here.
    let env = Env::example();
    let t0 = crate::support::NOW;
    run(&env, t0, &["apply", "globex", "--yes"], 0);
    assert_eq!(recorded(&env).len(), 2);
    run(&env, t0, &["revoke", "--identity", "bob", "--yes"], 0);
    // Bob's revocation takes bob's access, not the credentials of what he owned.
    assert_eq!(recorded(&env).len(), 2);
    assert_eq!(tenant_secrets(&env).len(), 1);
    let up = "owner `bob` has left";

    let (plan, _) = run(&env, t0, &["plan", "globex"], 0);
    assert!(
        plan.contains("`globex-backup-svc` (a service account of `globex`) is up for review")
            && plan.contains(up)
            && plan.contains("identities/globex-backup-svc.yaml"),
        "{plan}"
    );
    let (json, output) = run(&env, t0, &["plan", "globex", "--output", "json"], 0);
    let document: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert!(
        document["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains(up)),
        "{json}"
    );
    // Only the clients planned: acme's plan says nothing of globex's service account.
    let (acme, _) = run(&env, t0, &["plan", "acme"], 0);
    assert!(!acme.contains(up), "{acme}");
    let (status, _) = run(&env, t0, &["status"], 0);
    assert!(status.contains(up), "{status}");
    let (status, _) = run(&env, t0, &["status", "--credentials"], 0);
    assert!(status.contains(up), "{status}");
    let (validate, _) = run(&env, t0, &["validate"], 0);
    assert!(
        validate.contains(
            "warning: `globex-backup-svc` is up for review: owner `bob` has left: name a new owner"
        ) && validate.contains("identities/globex-backup-svc.yaml:5"),
        "{validate}"
    );
    let (review, _) = run(&env, t0, &["review"], 0);
    assert!(
        review.contains("owner-left-globex-backup-svc")
            && review.contains("owner `bob` has left: name a new owner"),
        "{review}"
    );
    let (_, output) = run(&env, t0, &["review", "--output", "json"], 0);
    let reviews: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let item = reviews["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "owner-left-globex-backup-svc")
        .expect("the owner review is listed");
    assert_eq!(item["kind"], "owner-left", "{reviews}");
    assert_eq!(item["identity"], "globex-backup-svc", "{reviews}");
    assert_eq!(item["client"], "globex", "{reviews}");
    // It is not closed by hand: naming a new owner closes it.
    let (refused, _) = run(
        &env,
        t0,
        &[
            "review",
            "close",
            "owner-left-globex-backup-svc",
            "--outcome",
            "done",
            "--notes",
            "n",
        ],
        1,
    );
    assert!(
        refused.contains("closes itself once `globex-backup-svc` names a new owner"),
        "{refused}"
    );

    // Access continuity: its credentials still rotate at 30 days while it waits.
    let t30 = "2026-12-21T12:00:00Z";
    let (rotated, _) = run(&env, t30, &["apply", "globex", "--yes"], 0);
    assert_eq!(tenant_secrets(&env).len(), 2, "{rotated}");

    // A new owner closes the review.
    env.edit(SVC, "owner: bob", "owner: dave");
    for args in [
        &["plan", "globex"][..],
        &["status"],
        &["review"],
        &["validate"],
    ] {
        let (text, _) = run(&env, t30, args, 0);
        assert!(!text.contains(up), "{args:?}: {text}");
    }
}

/// Sets `[vault] on_revoke = "mark"` in a workspace that has a `[vault]`.
fn mark_on_revoke(env: &Env) {
    let settings = env.read("onboard.toml");
    assert!(settings.contains("[vault]"));
    env.write("onboard.toml", &format!("{settings}on_revoke = \"mark\"\n"));
}

/// The change id of the `revoke` intent of `globex-backup-svc`'s credential in globex's
/// audit chain.
fn revocation_change(env: &Env) -> String {
    let audit = env.read("audit/globex.jsonl");
    audit
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|e| {
            e["kind"] == "credential"
                && e["phase"] == "intent"
                && e["reason"].as_str().unwrap_or("").starts_with("revoke")
        })
        .and_then(|e| e["change"].as_str().map(str::to_string))
        .expect("a revoke intent in the audit log")
}

#[test]
fn marking_on_revoke_keeps_the_stand_in_value_aside_with_its_marks() {
    // The vault is configured but never contacted: the delivery is a `file:` stand-in.
    let env = vault_env(
        &format!("http://127.0.0.1:{}", free_port()),
        "file:vault-standin/{client}/{id}.secret",
    );
    mark_on_revoke(&env);
    run(&env, crate::support::NOW, &["apply", "globex", "--yes"], 0);
    let delivered = "vault-standin/globex/globex-backup-svc.secret";
    let value = env.read(delivered);
    let (revoked, _) = run(
        &env,
        crate::support::NOW,
        &["revoke", "--identity", "globex-backup-svc", "--yes"],
        0,
    );
    assert!(tenant_secrets(&env).is_empty(), "{revoked}");
    assert!(recorded(&env).is_empty(), "{revoked}");
    // Not at the path readers use any more, but kept, beside its marks.
    assert!(!env.exists(delivered), "{revoked}");
    assert_eq!(env.read(&format!("{delivered}.revoked")), value);
    let marks: serde_json::Value =
        serde_json::from_str(&env.read(&format!("{delivered}.revoked.json"))).unwrap();
    assert_eq!(marks["onboard-revoked-at"], crate::support::NOW, "{marks}");
    assert_eq!(
        marks["onboard-audit-entry"],
        format!("globex:{}", revocation_change(&env)),
        "{marks}"
    );
    assert!(revoked.contains("marked revoked"), "{revoked}");
}

#[test]
fn marking_on_revoke_keeps_the_vault_versions_soft_deleted_with_custom_metadata() {
    let Some(bao) = BaoServer::shared() else {
        return;
    };
    let path = "creds-mark/globex/globex-backup-svc";
    let env = vault_env(
        &bao.address,
        "vault:secret/data/creds-mark/{client}/{id}#client_secret",
    );
    mark_on_revoke(&env);
    // Custom metadata the secret already has is kept.
    bao.put(path, &[("note", "kept")]);
    let (status, body) = bao.call(
        "POST",
        &format!("/v1/secret/metadata/{path}"),
        Some(&serde_json::json!({ "custom_metadata": { "team": "backup" } })),
    );
    assert!(status < 300, "{body}");
    let now = crate::support::NOW;
    let token = crate::peers::BAO_ROOT_TOKEN;
    let apply = with_token(&env, now, token, &["apply", "globex", "--yes"]);
    assert_eq!(apply.status.code(), Some(0), "{}", printed(&env, &apply));
    let value = bao.get(path, "client_secret").expect("delivered");

    let revoke = with_token(
        &env,
        now,
        token,
        &["revoke", "--identity", "globex-backup-svc", "--yes"],
    );
    let text = printed(&env, &revoke);
    assert_eq!(revoke.status.code(), Some(0), "{text}");
    assert!(tenant_secrets(&env).is_empty(), "{text}");
    let (_, metadata) = bao.call("GET", &format!("/v1/secret/metadata/{path}"), None);
    let custom = &metadata["data"]["custom_metadata"];
    assert_eq!(custom["onboard-revoked-at"], now, "{metadata}");
    assert_eq!(
        custom["onboard-audit-entry"],
        format!("globex:{}", revocation_change(&env)),
        "{metadata}"
    );
    assert_eq!(custom["team"], "backup", "{metadata}");
    // Version 2 (the delivered one) is soft-deleted, not destroyed: nobody reads it any
    // more, and undeleting it brings the value back.
    let version = &metadata["data"]["versions"]["2"];
    assert_eq!(version["destroyed"], false, "{metadata}");
    assert!(
        !version["deletion_time"].as_str().unwrap_or("").is_empty(),
        "{metadata}"
    );
    assert_eq!(bao.get(path, "client_secret"), None);
    let (status, body) = bao.call(
        "POST",
        &format!("/v1/secret/undelete/{path}"),
        Some(&serde_json::json!({ "versions": [2] })),
    );
    assert!(status < 300, "{body}");
    assert_eq!(bao.get(path, "client_secret"), Some(value.clone()));
    assert_unseen(&env, std::slice::from_ref(&text), &value, None);
}

/// Replaces the shortened key ids and fingerprints of every recorded credential with
/// `[KEY]`, for snapshots.
fn masked(env: &Env, text: &str) -> String {
    let mut text = text.to_string();
    for (key, _) in recorded(env) {
        text = text.replace(&onboard::plan::credentials::short(&key), "[KEY]");
    }
    text
}

/// A planned credential change as `plan --output json` writes it.
#[derive(Debug, serde::Deserialize, PartialEq)]
struct PlannedCredential {
    action: String,
    client: String,
    tenant: String,
    identity: String,
    kind: String,
    application: Option<String>,
    reason: String,
    why: String,
    deliver: String,
}

#[derive(Debug, serde::Deserialize)]
struct PlanWithCredentials {
    format_version: u32,
    changes: Vec<serde_json::Value>,
    #[serde(default)]
    credentials: Vec<PlannedCredential>,
}

#[test]
fn a_plan_of_credential_changes_only_shows_them_in_every_format() {
    let env = Env::example();
    run(&env, crate::support::NOW, &["apply", "globex", "--yes"], 0);
    // At 90 days both of globex's service account's credentials are due, and nothing
    // else is.
    let t90 = "2027-02-20T12:00:00Z";
    let (_, table) = run(&env, t90, &["plan", "globex"], 0);
    let table = masked(&env, &stdout(&table));
    assert!(!table.contains("No changes"), "{table}");
    insta::assert_snapshot!("credentials_only_plan_table", table);
    let (_, markdown) = run(&env, t90, &["plan", "globex", "--output", "markdown"], 0);
    let markdown = masked(&env, &stdout(&markdown));
    assert!(!markdown.contains("No changes"), "{markdown}");
    insta::assert_snapshot!("credentials_only_plan_markdown", markdown);
    run(&env, t90, &["plan", "globex", "--detailed-exitcode"], 2);

    let (_, json) = run(&env, t90, &["plan", "globex", "--output", "json"], 0);
    let text = stdout(&json);
    let document: PlanWithCredentials = serde_json::from_str(&text).unwrap();
    assert_eq!(document.format_version, 1);
    assert!(document.changes.is_empty(), "{text}");
    let deliver = |file: &str| format!("file:vault-standin/globex/{file}");
    assert_eq!(
        document.credentials,
        [
            PlannedCredential {
                action: "rotate".into(),
                client: "globex".into(),
                tenant: "entra".into(),
                identity: "globex-backup-svc".into(),
                kind: "client_secret".into(),
                application: Some(APP.into()),
                reason: "due".into(),
                why: "older than 30d".into(),
                deliver: deliver("globex-backup-svc.client_secret"),
            },
            PlannedCredential {
                action: "rotate".into(),
                client: "globex".into(),
                tenant: "ldap".into(),
                identity: "globex-backup-svc".into(),
                kind: "password".into(),
                application: None,
                reason: "due".into(),
                why: "older than 90d".into(),
                deliver: deliver("globex-backup-svc-ldap.password"),
            },
            // The password declares no overlap: the old one's record goes with it.
            PlannedCredential {
                action: "retire".into(),
                client: "globex".into(),
                tenant: "ldap".into(),
                identity: "globex-backup-svc".into(),
                kind: "password".into(),
                application: None,
                reason: "no-overlap".into(),
                why: "replaced (no overlap)".into(),
                deliver: deliver("globex-backup-svc-ldap.password"),
            },
        ]
    );
    // Neither a key id nor a fingerprint, whole or shortened, and nothing on stderr
    // but warnings.
    for (key, _) in recorded(&env) {
        let short = onboard::plan::credentials::short(&key);
        assert!(!text.contains(&short), "{text}");
        assert!(!stderr(&env, &json).contains(&short));
    }

    // A saved plan holds no credential change.
    let saved = env.root.join("saved-plan.json");
    run(
        &env,
        t90,
        &["plan", "globex", "--out", saved.to_str().unwrap()],
        0,
    );
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    assert!(saved.get("credentials").is_none(), "{saved}");
}

/// A copy of the example whose service account's client secret declares no overlap,
/// issued once; with the secrets the tenant holds (one).
fn issued_without_overlap() -> (Env, Vec<(String, String)>) {
    let env = Env::example();
    env.edit(SVC, "    overlap: 2d\n", "");
    run(&env, crate::support::NOW, &["apply", "globex", "--yes"], 0);
    let first = tenant_secrets(&env);
    assert_eq!(first.len(), 1);
    (env, first)
}

#[test]
fn without_an_overlap_the_old_credential_is_retired_in_the_same_apply() {
    let (env, first) = issued_without_overlap();
    let t30 = "2026-12-21T12:00:00Z";
    let (plan, _) = run(&env, t30, &["plan", "globex"], 0);
    assert!(
        plan.contains("rotate") && plan.contains("replaced (no overlap)"),
        "{plan}"
    );
    let (applied, _) = run(&env, t30, &["apply", "globex", "--yes"], 0);
    let now = tenant_secrets(&env);
    assert_eq!(now.len(), 1, "the old one is gone at once: {applied}");
    assert_ne!(now[0].0, first[0].0, "{applied}");
    let state: serde_json::Value =
        serde_json::from_str(&env.read("state/credentials.json")).unwrap();
    let records: Vec<String> = state["issued"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["tenant"] == "entra")
        .map(|r| r["key_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(records, [now[0].0.clone()], "{applied}");
    // Nothing is left for the next run.
    let (again, _) = run(&env, t30, &["plan", "globex", "--detailed-exitcode"], 0);
    assert!(!again.contains("retire"), "{again}");
}

#[test]
fn the_state_lost_after_a_credential_was_delivered_exits_4_naming_it_and_the_next_run_repairs_it() {
    let Some(server) = crate::postgres::server() else {
        return;
    };
    let url = server.database();
    let env = crate::postgres::team_env();
    declare_only_client_secret(&env);
    // The server is lost right after the credential's intent commits: the secret is
    // then issued in the tenant and delivered, and its record cannot be written.
    let proxy = crate::postgres::Proxy::start(server.port, b"\"intent\"", false);
    let output = crate::postgres::onboard_pg(&env, &proxy.url(&url), &["apply", "globex", "--yes"])
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let text = printed(&env, &output);
    assert!(proxy.was_cut(), "the proxy never cut: {text}");
    assert_eq!(output.status.code(), Some(4), "{text}");
    assert!(
        text.contains("1 credential change(s) were made but could not be recorded")
            && text.contains("globex/globex-backup-svc client_secret in entra")
            && text.contains("the next `onboard apply globex` repairs"),
        "{text}"
    );
    assert!(!text.contains("not sent"), "{text}");
    assert!(!text.contains("panicked"), "{text}");
    let delivered = "vault-standin/globex/globex-backup-svc.secret";
    let value = env.read(delivered).trim().to_string();
    assert_eq!(tenant_secrets(&env).len(), 1, "{text}");

    // Back: the next run removes the unrecorded secret and issues one it records.
    proxy.restore();
    let back = proxy.url(&url);
    let repaired = crate::postgres::expect_exit(&env, &back, &["apply", "globex", "--yes"], 0);
    let repaired = printed(&env, &repaired);
    assert!(
        repaired.contains("interrupted client-secret rotation repaired"),
        "{repaired}"
    );
    let secrets = tenant_secrets(&env);
    assert_eq!(secrets.len(), 1, "{repaired}");
    let newer = env.read(delivered).trim().to_string();
    assert_ne!(newer, value);
    assert!(matches(&secrets[0].1, &newer));
    crate::postgres::expect_exit(&env, &back, &["audit", "verify"], 0);
    crate::postgres::expect_exit(&env, &back, &["plan", "globex", "--detailed-exitcode"], 0);
}

/// Leaves globex's service account one credential: a client secret delivered to the
/// `file:` stand-in; and nothing of acme's agent.
fn declare_only_client_secret(env: &Env) {
    env.drop_example_credentials();
    declare(env, "file:vault-standin/{client}/{id}.secret");
}

#[test]
fn without_an_overlap_the_old_credential_stays_when_its_successor_cannot_be_issued() {
    let (env, first) = issued_without_overlap();
    let tenant = "tenants/globex/entra/tenant.json";
    let healthy = env.read(tenant);
    let mut file: serde_json::Value = serde_json::from_str(&healthy).unwrap();
    file["faults"] = serde_json::json!({ "issue-credential": "the tenant is down" });
    env.write(tenant, &file.to_string());
    let t30 = "2026-12-21T12:00:00Z";
    let (failed, _) = run(&env, t30, &["apply", "globex", "--yes"], 4);
    assert!(
        failed.contains("kept: its successor could not be issued"),
        "{failed}"
    );
    assert_eq!(tenant_secrets(&env), first, "{failed}");
    assert!(recorded(&env).iter().any(|(key, _)| *key == first[0].0));
    // Once the tenant is back, the next apply rotates and retires at once.
    env.write(tenant, &healthy);
    let (applied, _) = run(&env, t30, &["apply", "globex", "--yes"], 0);
    let now = tenant_secrets(&env);
    assert_eq!(now.len(), 1, "{applied}");
    assert_ne!(now[0].0, first[0].0, "{applied}");
}
