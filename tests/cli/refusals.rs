//! A run that does not go ahead records nothing: refused without a terminal, cancelled
//! at the prompt, stopped by the mass-revoke guard (which leaves only a pending request
//! for a second person) or unable to sign its audit entries.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::support::{Env, NOW, audit_show, files_under, fixed_env, plan_json, stderr, stdout};

/// Returns every file of the workspace's state, audit log, key and tenants with its bytes,
/// except the lock file (which each run stamps with its pid).
fn recorded(env: &Env) -> BTreeMap<PathBuf, Vec<u8>> {
    files_under(&env.ws)
        .into_iter()
        .filter(|p| !p.ends_with("state/onboard.lock"))
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

fn assert_unchanged(env: &Env, before: &BTreeMap<PathBuf, Vec<u8>>, what: &str) {
    let after = recorded(env);
    let changed: Vec<_> = before
        .keys()
        .chain(after.keys())
        .filter(|p| before.get(*p) != after.get(*p))
        .collect();
    assert!(changed.is_empty(), "{what} changed {changed:?}");
}

/// Runs `onboard ARGS…` on a pseudo-terminal (`script` from util-linux), answering the
/// prompt with `answer`; returns its exit code and everything it wrote.
fn on_terminal(env: &Env, args: &[&str], answer: &str) -> (Option<i32>, String) {
    let mut line = vec![
        env!("CARGO_BIN_EXE_onboard").to_string(),
        "--workspace".into(),
        env.ws.display().to_string(),
    ];
    line.extend(args.iter().map(|a| a.to_string()));
    let line = line
        .iter()
        .map(|a| format!("'{}'", a.replace('\'', r"'\''")))
        .collect::<Vec<_>>()
        .join(" ");
    let mut child = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .envs(fixed_env(NOW))
        .env_remove("ONBOARD_WORKSPACE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("`script` from util-linux runs the command on a terminal");
    // Answer once the prompt is up; `script` passes the line to the terminal.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{answer}\n").as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        stdout(&output),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code(), text)
}

fn bobs_grants(env: &Env) -> usize {
    env.ledger()
        .grants
        .iter()
        .filter(|g| g.identity == "bob")
        .count()
}

/// Asserts that what a refused `revoke --identity bob` left behind is not carried out by
/// a later `apply --yes`, and that no revocation stands.
fn assert_bob_keeps_access(env: &Env, grants: usize) {
    assert!(env.ledger().blocks.is_empty(), "no revocation was recorded");
    env.apply();
    assert_eq!(bobs_grants(env), grants, "a later apply revoked nothing");
    assert!(
        plan_json(env, NOW, &[])
            .changes
            .iter()
            .all(|c| c.identity.as_deref() != Some("bob")),
        "nothing about bob is planned"
    );
}

/// Runs `onboard ARGS…` as `who`, asserting its exit code.
fn run_as(env: &Env, who: &str, args: &[&str], code: i32) -> std::process::Output {
    let output = env
        .onboard(args)
        .env("ONBOARD_ACTOR", who)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(code),
        "{args:?}: {}",
        stderr(env, &output)
    );
    output
}

/// Returns the example workspace applied, bob's grants and what it has recorded.
fn applied() -> (Env, usize, BTreeMap<PathBuf, Vec<u8>>) {
    let env = Env::example();
    env.apply();
    let grants = bobs_grants(&env);
    let before = recorded(&env);
    (env, grants, before)
}

#[test]
fn a_revoke_without_a_terminal_or_yes_records_nothing() {
    let (env, grants, before) = applied();
    let output = run_as(&env, "test:runner", &["revoke", "--identity", "bob"], 1);
    assert!(stderr(&env, &output).contains("no terminal"));
    assert_unchanged(&env, &before, "a refused revoke");
    assert_bob_keeps_access(&env, grants);
}

#[test]
fn a_revoke_cancelled_at_the_prompt_records_nothing() {
    let (env, grants, before) = applied();
    let (code, text) = on_terminal(&env, &["revoke", "--identity", "bob"], "n");
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("Only `yes` is accepted"), "it asked: {text}");
    assert!(text.contains("cancelled: nothing was changed"), "{text}");
    assert_unchanged(&env, &before, "a cancelled revoke");
    assert_bob_keeps_access(&env, grants);
    // Answered `yes`, the same prompt carries it out.
    let (code, text) = on_terminal(&env, &["revoke", "--identity", "bob"], "yes");
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(bobs_grants(&env), 0);
    assert_eq!(env.ledger().blocks.len(), 1);
}

#[test]
fn a_revoke_that_cannot_sign_its_audit_entries_records_nothing() {
    let env = Env::example();
    env.apply();
    let grants = bobs_grants(&env);
    let elevate = [
        "elevate",
        "--client",
        "acme",
        "--bundle",
        "premium-security-response",
        "--ticket",
        "INC-9",
        "--reason",
        "phishing triage",
    ];
    let output = run_as(&env, "carol", &elevate, 0);
    let request = stdout(&output)
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string();
    assert!(request.starts_with("req-"), "{}", stdout(&output));
    let break_glass = [
        "break-glass",
        "--client",
        "initech",
        "--bundle",
        "essential-helpdesk",
        "--reason",
        "domain admin locked out",
    ];
    // A break-glass use opens a review for another person to close.
    run_as(&env, "dave", &break_glass, 0);
    let reviews: serde_json::Value = serde_json::from_str(&env.read("state/reviews.json")).unwrap();
    let review = reviews["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "break-glass")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::remove_file(env.ws.join(".onboard/audit.key")).unwrap();
    let before = recorded(&env);
    let output = run_as(
        &env,
        "test:runner",
        &["revoke", "--identity", "bob", "--yes"],
        1,
    );
    assert!(
        stderr(&env, &output).contains("audit"),
        "{}",
        stderr(&env, &output)
    );
    assert_unchanged(&env, &before, "a revoke without its audit key");
    // The other state-changing commands refuse the same way, before recording anything.
    for (who, args) in [
        ("carol", &elevate[..]),
        ("dave", &break_glass[..]),
        ("alice", &["approve", &request][..]),
        ("alice", &["deny", &request, "--reason", "no"][..]),
        (
            "carol",
            &[
                "review",
                "close",
                &review,
                "--outcome",
                "ok",
                "--notes",
                "as expected",
            ][..],
        ),
    ] {
        run_as(&env, who, args, 1);
        assert_unchanged(&env, &before, &format!("{args:?} without its audit key"));
    }
    // Once the key is back (here: the log is started again), nothing was left behind.
    std::fs::remove_dir_all(env.ws.join("audit")).unwrap();
    assert_bob_keeps_access(&env, grants);
}

#[test]
fn a_guard_stopped_revoke_becomes_a_pending_request_a_second_person_approves() {
    let env = Env::example();
    env.apply();
    env.write(
        "policy.yaml",
        "mass_revoke:\n  max_count: 1\n  max_share: 1.0\n",
    );
    let grants = bobs_grants(&env);
    assert!(grants > 1);
    let ledger_before = env.read("state/ledger.json");
    let output = run_as(&env, "alice", &["revoke", "--identity", "bob", "--yes"], 3);
    let err = stderr(&env, &output);
    assert!(err.contains("refusing to revoke"), "{err}");
    assert!(
        env.read("state/ledger.json") == ledger_before,
        "no revocation is recorded while it waits for approval"
    );
    // The audit log records the refusal, not a revocation.
    let kinds: Vec<String> = audit_show(&env, &[])
        .entries
        .iter()
        .map(|e| e.kind.clone())
        .collect();
    assert!(kinds.iter().any(|k| k == "denial"), "{kinds:?}");
    assert!(!kinds.iter().any(|k| k == "revocation"), "{kinds:?}");
    // It is a pending request, visible to a second person.
    let listed = env
        .onboard(&["requests", "--status", "pending"])
        .output()
        .unwrap();
    let listed = stdout(&listed);
    let id = listed
        .split_whitespace()
        .find(|w| w.starts_with("mr-"))
        .unwrap_or_else(|| panic!("no pending mass-revoke request: {listed}"))
        .to_string();
    assert!(listed.contains("mass-revoke"), "{listed}");
    assert!(err.contains(&format!("onboard approve {id}")), "{err}");
    // A later apply does not carry it out.
    env.apply();
    assert_eq!(bobs_grants(&env), grants);
    assert!(env.ledger().blocks.is_empty());
    // The requester cannot approve their own request.
    run_as(&env, "alice", &["approve", &id], 3);
    assert_eq!(bobs_grants(&env), grants);
    // A second person's approval carries it out at once.
    run_as(&env, "carol", &["approve", &id], 0);
    assert_eq!(bobs_grants(&env), 0);
    let ledger = env.ledger();
    assert_eq!(ledger.blocks.len(), 1, "the revocation stands");
    assert!(
        env.tenant("acme", "entra")
            .iter()
            .all(|(_, a)| !a.contains("okafor"))
    );
    let listed = stdout(&env.onboard(&["requests"]).output().unwrap());
    assert!(
        listed
            .lines()
            .any(|l| l.contains(&id) && l.contains("used")),
        "{listed}"
    );
}

#[test]
fn an_apply_cancelled_at_the_prompt_keeps_a_mass_revoke_approval_unused() {
    let env = Env::example();
    env.apply();
    env.write(
        "policy.yaml",
        "mass_revoke:\n  max_count: 1\n  max_share: 1.0\n",
    );
    // bob leaves the workspace: his grants are revoked by the next apply.
    env.edit(
        "identities/globex-backup-svc.yaml",
        "owner: bob",
        "owner: alice",
    );
    std::fs::remove_file(env.ws.join("identities/bob.yaml")).unwrap();
    let output = run_as(&env, "alice", &["apply", "--yes"], 3);
    let err = stderr(&env, &output);
    let id = crate::support::pending_request_id(&err);
    run_as(&env, "carol", &["approve", &id], 0);
    let before = recorded(&env);
    let (code, text) = on_terminal(&env, &["apply", "--allow-mass-revoke"], "n");
    assert_eq!(code, Some(1), "{text}");
    assert_unchanged(&env, &before, "a cancelled apply");
    // The approval is still there.
    run_as(
        &env,
        "test:runner",
        &["apply", "--yes", "--allow-mass-revoke"],
        0,
    );
    assert_eq!(bobs_grants(&env), 0);
}
