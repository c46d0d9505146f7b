//! The audit log: every tampering case detected with the first bad entry named, offline
//! verification with the public key alone, crash between intent and outcome, exports,
//! key rotation, rebuilding the ledger, and no secret in any file.

use std::fs;
use std::path::PathBuf;

use crate::support::{Env, NOW, assert_secret_absent, audit_show, plan_json, stderr, stdout};

fn applied() -> Env {
    let env = Env::example();
    env.apply();
    env
}

fn chain(env: &Env, name: &str) -> PathBuf {
    env.ws.join(format!("audit/{name}.jsonl"))
}

fn lines(env: &Env, name: &str) -> Vec<String> {
    fs::read_to_string(chain(env, name))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn write_lines(env: &Env, name: &str, lines: &[String]) {
    fs::write(chain(env, name), lines.join("\n") + "\n").unwrap();
}

/// Runs `audit verify` and returns (exit code, stderr).
fn verify(env: &Env, args: &[&str]) -> (i32, String) {
    let mut all = vec!["audit", "verify"];
    all.extend_from_slice(args);
    let output = env.onboard(&all).output().unwrap();
    (output.status.code().unwrap(), stderr(env, &output))
}

#[test]
fn an_intact_log_verifies_with_the_public_key_alone() {
    let env = applied();
    let (code, err) = verify(&env, &[]);
    assert_eq!(code, 0, "{err}");
    // An auditor with only initech's files and the public key, and no workspace.
    let evidence = env.root.join("evidence");
    fs::create_dir_all(&evidence).unwrap();
    for entry in fs::read_dir(env.ws.join("audit")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name.starts_with("initech.") || name.ends_with(".pub") {
            fs::copy(&path, evidence.join(&name)).unwrap();
        }
    }
    let pubkey = fs::read_dir(&evidence)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().unwrap() == "pub")
        .unwrap();
    let output = assert_cmd::Command::new(env!("CARGO_BIN_EXE_onboard"))
        .current_dir(&env.root)
        .args([
            "audit",
            "verify",
            "--dir",
            evidence.to_str().unwrap(),
            "--pubkey",
            pubkey.to_str().unwrap(),
            "--client",
            "initech",
        ])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout(&output).contains("initech") && stdout(&output).contains("intact"));
    assert!(
        !evidence.join("acme.jsonl").exists(),
        "the auditor never saw another client's entries"
    );
}

#[test]
fn an_edited_entry_is_named() {
    let env = applied();
    let mut l = lines(&env, "initech");
    assert!(l[9].contains("\"identity\":"), "{}", l[9]);
    l[9] = l[9].replacen("\"identity\":\"", "\"identity\":\"x", 1);
    write_lines(&env, "initech", &l);
    let (code, err) = verify(&env, &["--client", "initech"]);
    assert_eq!(code, 6, "{err}");
    assert!(
        err.contains(
            "chain `initech` fails verification at [TMP]/examples/acme-msp/audit/initech.jsonl line 10, seq 10: the entry was changed"
        ),
        "{err}"
    );
}

#[test]
fn a_deleted_entry_is_named() {
    let env = applied();
    let mut l = lines(&env, "initech");
    l.remove(9);
    write_lines(&env, "initech", &l);
    let (code, err) = verify(&env, &[]);
    assert_eq!(code, 6);
    assert!(
        err.contains(
            "line 10, seq 11: sequence 11 where 10 was due: entries before it were deleted"
        ),
        "{err}"
    );
}

#[test]
fn reordered_entries_are_named() {
    let env = applied();
    let mut l = lines(&env, "initech");
    l.swap(11, 12);
    write_lines(&env, "initech", &l);
    let (code, err) = verify(&env, &[]);
    assert_eq!(code, 6);
    assert!(err.contains("line 12, seq 13"), "{err}");
}

#[test]
fn a_truncated_tail_is_detected() {
    let env = applied();
    let mut l = lines(&env, "initech");
    let n = l.len();
    l.truncate(n - 3);
    write_lines(&env, "initech", &l);
    let (code, err) = verify(&env, &[]);
    assert_eq!(code, 6);
    assert!(
        err.contains(&format!(
            "the log ends at entry {} but its signed head says {n}",
            n - 3
        )),
        "{err}"
    );
}

#[test]
fn an_entry_appended_without_the_key_is_named() {
    let env = applied();
    let mut l = lines(&env, "initech");
    let last = l.last().unwrap().clone();
    let seq = l.len() as u64;
    let prev = hash(&last);
    let forged = format!(
        r#"{{"seq":{},"ts":"{}","chain":"initech","kind":"grant","phase":"outcome","run":"ffff","actor":"os:mallory","client":"initech","tenant":"entra","identity":"mallory","account":"mallory@initech.example","entitlement":"role:Global Administrator","result":"ok","prev":"{prev}","key":"{}","sig":"{}"}}"#,
        seq + 1,
        last.split("\"ts\":\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap(),
        last.split("\"key\":\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap(),
        "ab".repeat(64)
    );
    l.push(forged);
    write_lines(&env, "initech", &l);
    let (code, err) = verify(&env, &[]);
    assert_eq!(code, 6);
    assert!(
        err.contains(&format!(
            "line {}, seq {}: the signature does not verify",
            seq + 1,
            seq + 1
        )),
        "{err}"
    );
    // Nor does the next run append behind it.
    let output = env
        .onboard(&["revoke", "--client", "initech", "--yes"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(6), "{}", stderr(&env, &output));
}

#[test]
fn a_substituted_key_is_detected() {
    let env = applied();
    let audit = env.ws.join("audit");
    let original = fs::read_dir(&audit)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().unwrap() == "pub")
        .unwrap();
    let genuine = env.root.join("genuine.pub");
    fs::copy(&original, &genuine).unwrap();
    // Someone swaps the workspace's public key for their own…
    fs::remove_file(&original).unwrap();
    fs::write(
        audit.join("0123456789abcdef.pub"),
        format!("ed25519 {}\n", "11".repeat(32)),
    )
    .unwrap();
    let (code, err) = verify(&env, &[]);
    assert_eq!(code, 6);
    assert!(err.contains("none of them is trusted"), "{err}");
    // …while the auditor's own copy of the genuine key still verifies the log.
    let (code, err) = verify(&env, &["--pubkey", genuine.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_log_spliced_from_two_chains_is_detected() {
    let env = applied();
    let initech = lines(&env, "initech");
    let globex = lines(&env, "globex");
    let spliced: Vec<String> = initech[..20].iter().chain(&globex[20..]).cloned().collect();
    write_lines(&env, "initech", &spliced);
    let (code, err) = verify(&env, &["--client", "initech"]);
    assert_eq!(code, 6);
    assert!(
        err.contains("line 21, seq 21: the entry belongs to chain `globex`"),
        "{err}"
    );
}

/// Applies `initech` again and checks that no interrupted change is left in its chain.
fn apply_and_reconcile_initech(env: &Env) {
    env.onboard(&["apply", "initech", "--yes", "-q"])
        .assert()
        .success();
    let (code, err) = verify(env, &["--client", "initech"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("intent without outcome"), "{err}");
}

/// The example, after an apply of `initech` killed once its first intents were stored.
fn killed_after_the_first_intents() -> Env {
    let env = Env::example();
    let output = env
        .onboard(&["apply", "initech", "--yes", "-q"])
        .env("ONBOARD_TEST_CRASH_AFTER_INTENTS", "1")
        .output()
        .unwrap();
    assert_ne!(output.status.code(), Some(0), "the process was killed");
    env
}

#[test]
fn a_crash_between_intent_and_outcome_is_reported_and_reconciled() {
    if !crate::support::test_hooks() {
        return;
    }
    let env = killed_after_the_first_intents();
    let (code, err) = verify(&env, &["--client", "initech"]);
    assert_eq!(code, 0, "a crash is not tampering: {err}");
    assert!(
        err.contains("intent without outcome (a run was interrupted)"),
        "{err}"
    );
    // The next plan re-reads the tenants: every grant is still to do.
    let plan = plan_json(&env, NOW, &["initech"]);
    assert_eq!(plan.summary.grant, 18);
    // The next apply records the interrupted changes as reconciled and applies them.
    apply_and_reconcile_initech(&env);
    let show = env
        .onboard(&[
            "audit",
            "show",
            "--client",
            "initech",
            "--kind",
            "reconcile",
        ])
        .output()
        .unwrap();
    assert!(stdout(&show).contains("reconcile"), "{}", stdout(&show));
    env.onboard(&["plan", "--detailed-exitcode", "initech"])
        .assert()
        .code(0);
}

/// A write signs only its last line, which vouches for the lines before it through the
/// hash chain. A crash that stores a write only in part (a power loss before the disk
/// took all of it) leaves lines at the end that no signature vouches for: `audit
/// verify` names the first of them; the next run removes them, records that it did, and
/// the chain verifies again. Nothing in such a write was sent, for changes are sent only
/// once the write holding their intents is stored whole.
#[test]
fn a_write_stored_only_in_part_is_named_then_removed_and_recorded_by_the_next_run() {
    if !crate::support::test_hooks() {
        return;
    }
    let signed = |l: &String| l.contains(",\"sig\":\"");
    let applied = applied();
    let whole = lines(&applied, "initech");
    assert!(
        whole.iter().filter(|l| signed(l)).count() * 4 < whole.len(),
        "a write signs its last line only"
    );
    // A run stops (killed) once its first write, the intents, is stored...
    let env = killed_after_the_first_intents();
    // ...but the disk took that write without its last line, the signed one.
    let mut partial = lines(&env, "initech");
    partial.pop();
    let vouched = partial.iter().rposition(signed).unwrap() + 1;
    assert!(
        vouched < partial.len(),
        "unsigned lines end the partial write"
    );
    write_lines(&env, "initech", &partial);
    let (code, err) = verify(&env, &["--client", "initech"]);
    assert_eq!(code, 6, "{err}");
    assert!(
        err.contains(&format!("line {}, seq {}", vouched + 1, vouched + 1))
            && err.contains("no signature vouches for this entry or any after it"),
        "{err}"
    );
    // The next run continues from the last signed line and says what it removed.
    env.onboard(&["apply", "initech", "--yes", "-q"])
        .assert()
        .success();
    let (code, err) = verify(&env, &["--client", "initech"]);
    assert_eq!(code, 0, "{err}");
    let after = lines(&env, "initech");
    assert_eq!(after[..vouched], partial[..vouched]);
    let removed = format!(
        "removed {} entries ({} bytes) at the end that no signature vouched for",
        partial.len() - vouched,
        partial[vouched..]
            .iter()
            .map(|l| l.len() + 1)
            .sum::<usize>()
    );
    assert!(
        after[vouched..]
            .iter()
            .any(|l| l.contains("\"kind\":\"reconcile\"") && l.contains(&removed)),
        "{removed}: {after:#?}"
    );
    env.onboard(&["plan", "--detailed-exitcode", "initech"])
        .assert()
        .code(0);
}

#[test]
fn an_audit_log_that_cannot_be_written_stops_changes_before_they_are_sent() {
    if !crate::support::test_hooks() {
        return;
    }
    let env = Env::example();
    // One tenant at a time, so the order of audit writes is known: `entra`, then `scim`.
    env.edit("onboard.toml", "parallelism = 4", "parallelism = 1");
    let plan = plan_json(&env, NOW, &["initech"]);
    let count = |tenant: &str| plan.changes.iter().filter(|c| c.tenant == tenant).count();
    let (entra, scim) = (count("entra"), count("scim"));
    assert!(entra > 0 && scim > 0 && entra + scim == plan.summary.grant);

    // The disk is full before the first intent: nothing is sent, and the user is told
    // what to do.
    let output = env
        .onboard(&["apply", "initech", "--yes", "-q"])
        .env("ONBOARD_TEST_AUDIT_FAIL_AFTER", "0")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&env, &output);
    assert!(
        err.contains("error: cannot write audit/initech.jsonl")
            && err.contains("a change whose intent could not be written was not sent"),
        "{err}"
    );
    assert_eq!(err.matches("no space left on device").count(), 1, "{err}");
    assert!(env.tenant("initech", "entra").is_empty());
    assert!(env.tenant("initech", "scim").is_empty());
    assert_eq!(
        plan_json(&env, NOW, &["initech"]).summary.grant,
        entra + scim
    );

    // The disk fills up once `entra`'s outcomes are written, before they are stored: both
    // tenants' changes were sent (their intents are stored in one write) and their
    // outcomes could not be stored (exit 4, as for a state database lost mid-apply). The
    // log still verifies and names the interrupted changes; the ledger has them, so the
    // next plan has nothing left to do, and the next apply records them as reconciled.
    let intents_and_outcomes = 2 * entra + scim;
    let output = env
        .onboard(&["apply", "initech", "--yes", "-q"])
        .env(
            "ONBOARD_TEST_AUDIT_FAIL_AFTER",
            intents_and_outcomes.to_string(),
        )
        .output()
        .unwrap();
    // Sent but not recorded: partial, and the message names each such change.
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&env, &output));
    let err = stderr(&env, &output);
    assert!(
        err.contains(&format!(
            "{} change(s) were sent but their outcome could not be recorded",
            entra + scim
        )) && err.contains("initech/scim grant")
            && err.contains("initech/entra grant"),
        "{err}"
    );
    assert_eq!(env.tenant("initech", "scim").len(), scim);
    let (code, err) = verify(&env, &["--client", "initech"]);
    assert_eq!(code, 0, "a full disk is not tampering: {err}");
    assert!(
        err.contains("intent without outcome (a run was interrupted)"),
        "{err}"
    );
    env.onboard(&["plan", "--detailed-exitcode", "initech"])
        .assert()
        .code(0);
    apply_and_reconcile_initech(&env);
}

#[test]
fn a_client_without_a_chain_is_an_error_that_lists_the_chains() {
    let env = applied();
    for command in [
        &["audit", "verify", "--client", "nope"][..],
        &["audit", "show", "--client", "nope"],
        &["audit", "export", "--client", "nope"],
    ] {
        let output = env.onboard(command).output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{command:?}");
        let err = stderr(&env, &output);
        assert!(
            err.contains("there is no audit chain for `nope`")
                && err.contains("known chains: `acme`, `globex`, `initech`"),
            "{command:?}: {err}"
        );
    }
}

#[test]
fn exports_for_siems_and_auditors() {
    let env = applied();
    let output = env
        .onboard(&[
            "audit", "export", "--format", "csv", "--client", "acme", "--ticket", "INC-4471",
        ])
        .output()
        .unwrap();
    let csv = stdout(&output);
    let rows: Vec<&str> = csv.lines().collect();
    assert!(rows[0].starts_with("ts,chain,seq,kind,phase,run,actor"));
    assert_eq!(
        rows.len(),
        3,
        "intent and outcome of carol's exception: {csv}"
    );
    let output = env
        .onboard(&["audit", "export", "--format", "ocsf", "--client", "acme"])
        .output()
        .unwrap();
    let events: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!events.is_empty());
    assert!(
        events
            .iter()
            .all(|e| e["metadata"]["version"] == "1.3.0" && e["status_id"] == 1)
    );
    let role = events
        .iter()
        .find(|e| e["privileges"][0] == "role:Security Administrator")
        .unwrap();
    assert_eq!(
        (role["class_uid"].as_u64(), role["activity_id"].as_u64()),
        (Some(3005), Some(1))
    );
    assert_eq!(role["user"]["uid"], "carol");
    let group = events
        .iter()
        .find(|e| e["group"]["name"] == "MSP-Helpdesk")
        .unwrap();
    assert_eq!(
        (group["class_uid"].as_u64(), group["type_uid"].as_u64()),
        (Some(3006), Some(300603))
    );
    let output = env
        .onboard(&["audit", "export", "--client", "initech"])
        .output()
        .unwrap();
    assert_eq!(
        stdout(&output),
        fs::read_to_string(chain(&env, "initech")).unwrap()
    );
}

#[test]
fn show_filters_and_json() {
    let env = applied();
    env.onboard(&["revoke", "--ticket", "INC-4471", "--yes", "-q"])
        .assert()
        .success();
    let doc = audit_show(&env, &["--ticket", "INC-4471"]);
    // Chain by chain: the workspace chain (the revocation itself), then acme's.
    let chains: Vec<&str> = doc.entries.iter().map(|e| e.chain.as_str()).collect();
    assert_eq!(chains, ["_workspace", "acme", "acme", "acme", "acme"]);
    assert_eq!(
        doc.phases(),
        [
            ("revocation", "-"),
            ("grant", "intent"),
            ("grant", "outcome"),
            ("revoke", "intent"),
            ("revoke", "outcome")
        ]
    );
    let output = env
        .onboard(&["audit", "show", "--since", "2030-01-01"])
        .output()
        .unwrap();
    assert!(stdout(&output).ends_with("0 entries.\n"));
}

#[test]
fn key_rotation_keeps_the_log_verifiable_with_either_key() {
    let env = applied();
    let old_pub: Vec<PathBuf> = fs::read_dir(env.ws.join("audit"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().unwrap() == "pub")
        .collect();
    assert_eq!(old_pub.len(), 1);
    let old_copy = env.root.join("old.pub");
    fs::copy(&old_pub[0], &old_copy).unwrap();
    env.onboard(&["audit", "rotate-key"]).assert().success();
    env.onboard_at(
        "2026-11-22T12:00:00Z",
        &["revoke", "--identity", "frank", "--yes", "-q"],
    )
    .assert()
    .success();
    let pubs: Vec<PathBuf> = fs::read_dir(env.ws.join("audit"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().unwrap() == "pub")
        .collect();
    assert_eq!(pubs.len(), 2);
    let new_pub = pubs
        .iter()
        .find(|p| p.file_name() != old_pub[0].file_name())
        .unwrap();
    for key in [old_copy.to_str().unwrap(), new_pub.to_str().unwrap()] {
        let (code, err) = verify(&env, &["--pubkey", key]);
        assert_eq!(code, 0, "{key}: {err}");
    }
}

#[test]
fn the_ledger_is_rebuilt_from_the_audit_log() {
    let env = applied();
    env.onboard(&["revoke", "--identity", "bob", "--yes", "-q"])
        .assert()
        .success();
    env.onboard_at("2027-04-02T00:00:00Z", &["expire", "-q"])
        .assert()
        .success();
    let original = env.ledger_grants_sorted();
    fs::write(env.ws.join("state/ledger.json"), "{ corrupt").unwrap();
    let output = env.onboard(&["plan"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&env, &output).contains("onboard state rebuild")
            || stderr(&env, &output).contains("corrupt")
    );
    env.onboard(&["state", "rebuild"]).assert().success();
    let rebuilt = env.ledger();
    assert_eq!(rebuilt.grants.len(), original.len());
    // Every record comes back whole: same fields, same values, not only as many of them.
    assert_eq!(env.ledger_grants_sorted(), original);
    assert_eq!(rebuilt.blocks.len(), 1);
    assert!(rebuilt.grants.iter().all(|g| g.identity != "bob"));
    assert!(
        !rebuilt
            .grants
            .iter()
            .any(|g| g.entitlement == "role:Security Administrator")
    );
    // The rebuilt ledger matches the tenants: the plan changes no access. (By then the
    // example's credentials are due for rotation, which the ledger has no part in.)
    let output = env
        .onboard_at("2027-04-02T00:00:00Z", &["plan", "-o", "json"])
        .output()
        .unwrap();
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(plan["changes"], serde_json::json!([]), "{plan}");
}

#[test]
fn no_secret_appears_in_anything_the_run_wrote() {
    let env = Env::example();
    let secret = "5eC2e7".repeat(10) + "abcd";
    let mut outputs = String::new();
    for args in [
        &["apply", "--yes", "-v"][..],
        &["plan", "-v", "-o", "json"],
        &["audit", "verify"],
        &["status"],
    ] {
        let output = env
            .onboard(args)
            .env("ONBOARD_AUDIT_KEY", &secret)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{args:?}: {}",
            stderr(&env, &output)
        );
        outputs.push_str(&String::from_utf8_lossy(&output.stdout));
        outputs.push_str(&String::from_utf8_lossy(&output.stderr));
    }
    assert!(!outputs.to_lowercase().contains(&secret.to_lowercase()));
    let files = assert_secret_absent(&env.ws, &secret, "key");
    assert!(files.len() > 20);
}

/// `onboard audit init` creates the signing key in the OS keyring (a fresh kernel session
/// keyring, `keyctl session -`), and later runs in that session sign with it.
#[test]
fn the_signing_key_can_live_in_the_os_keyring() {
    let Some(keyctl) = crate::peers::find_peer(
        crate::peers::ONBOARD_TEST_KEYCTL,
        PathBuf::from("/usr/bin/keyctl"),
        "keyctl (Debian package keyutils)",
    ) else {
        return;
    };
    let env = Env::example();
    let settings = env.read("onboard.toml");
    env.write(
        "onboard.toml",
        &format!("{settings}\n[audit]\nkey = \"keyring:onboard-audit-test\"\n"),
    );
    let script = r#"
        "$0" -w "$1" audit init || exit 10
        "$0" -w "$1" apply initech --yes -q >/dev/null || exit 11
        "$0" -w "$1" audit verify || exit 12
    "#;
    let output = std::process::Command::new(keyctl)
        .args(["session", "-", "sh", "-c", script])
        .arg(env!("CARGO_BIN_EXE_onboard"))
        .arg(&env.ws)
        .current_dir(&env.root)
        .env("ONBOARD_NOW", NOW)
        .env("ONBOARD_ACTOR", "test:runner")
        .env("NO_COLOR", "1")
        .env_remove("ONBOARD_WORKSPACE")
        .env_remove("ONBOARD_AUDIT_KEY")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(err.contains("in `keyring:onboard-audit-test`"), "{err}");
    assert!(!env.exists(".onboard/audit.key"), "no key file was written");
    assert!(String::from_utf8_lossy(&output.stdout).contains("intact"));
    // Outside that session the key is gone: a run that must sign refuses, naming the source.
    let output = env.onboard(&["apply", "acme", "--yes"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&env, &output).contains("keyring:onboard-audit-test"),
        "{}",
        stderr(&env, &output)
    );
}

/// Returns the `ts` and `as_of` of every entry of a chain.
fn times(env: &Env, name: &str) -> Vec<(String, Option<String>)> {
    lines(env, name)
        .iter()
        .map(|l| {
            let entry: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                entry["ts"].as_str().unwrap().to_string(),
                entry["as_of"].as_str().map(str::to_string),
            )
        })
        .collect()
}

/// `ONBOARD_NOW` rehearses another date; the log keeps the real clock in `ts` and the
/// rehearsed instant in `as_of`, so rehearsals later and earlier than the real time,
/// between real runs, never make the log look reordered.
#[test]
fn rehearsals_of_other_dates_keep_the_log_verifiable() {
    let env = Env::example();
    let steps: [(Option<&str>, &[&str]); 6] = [
        (None, &["apply", "acme", "--yes", "-q"]),
        (Some("2027-06-01T00:00:00Z"), &["plan"]),
        (None, &["plan"]),
        (
            Some("2025-10-01T00:00:00Z"),
            &["apply", "initech", "--yes", "-q"],
        ),
        (None, &["plan"]),
        (Some("2027-06-01T00:00:00Z"), &["expire", "-q"]),
    ];
    let start = time::OffsetDateTime::now_utc() - time::Duration::minutes(1);
    for (at, args) in steps {
        let mut command = env.onboard(args);
        match at {
            Some(at) => command.env("ONBOARD_NOW", at),
            None => command.env_remove("ONBOARD_NOW"),
        };
        let output = command.output().unwrap();
        assert!(
            matches!(output.status.code(), Some(0 | 2)),
            "{at:?} {args:?}: {}",
            stderr(&env, &output)
        );
        let (code, err) = verify(&env, &[]);
        assert_eq!(code, 0, "after {at:?} {args:?}: {err}");
    }
    let end = time::OffsetDateTime::now_utc() + time::Duration::minutes(1);
    let parse = |t: &str| {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).unwrap()
    };
    let entries: Vec<(String, Option<String>)> = ["_workspace", "acme", "initech"]
        .iter()
        .flat_map(|chain| times(&env, chain))
        .collect();
    assert!(entries.len() > 100, "{entries:?}");
    for (ts, _) in &entries {
        assert!(
            (start..end).contains(&parse(ts)),
            "{ts} is not the real time"
        );
    }
    let rehearsed: Vec<&str> = entries
        .iter()
        .filter_map(|(_, as_of)| as_of.as_deref())
        .collect();
    assert!(
        rehearsed.contains(&"2027-06-01T00:00:00.000Z"),
        "{rehearsed:?}"
    );
    assert!(
        rehearsed.contains(&"2025-10-01T00:00:00.000Z"),
        "{rehearsed:?}"
    );
    assert!(
        entries.iter().any(|(_, as_of)| as_of.is_none()),
        "real runs record no rehearsed instant"
    );
    // The ledger rebuilt from the log keeps the rehearsed grant times, as apply recorded
    // them (not the real time of the entries).
    let rehearsed_grants = |env: &Env| {
        let ledger: serde_json::Value =
            serde_json::from_str(&env.read("state/ledger.json")).unwrap();
        let mut grants: Vec<String> = ledger["grants"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["granted_at"].as_str().unwrap().starts_with("2025-10-01"))
            .map(|g| format!("{} {} {}", g["client"], g["identity"], g["entitlement"]))
            .collect();
        grants.sort();
        grants
    };
    let recorded = rehearsed_grants(&env);
    assert!(recorded.len() > 5, "{recorded:?}");
    env.onboard(&["state", "rebuild"]).assert().success();
    assert_eq!(rehearsed_grants(&env), recorded);
}

/// Returns the SHA-256 (hex) of a line, as the next entry's `prev` records it.
fn hash(line: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(line.as_bytes()))
}

/// A run that refuses to append to a tampered chain names the file and the line, as
/// `audit verify` does: never "line 0", never the line before the bad one.
#[test]
fn a_refused_run_names_the_file_and_line_of_the_tampering() {
    let env = applied();
    let mut l = lines(&env, "initech");
    let n = l.len();
    // The chain's last line, its checkpoint, is edited.
    assert!(l[n - 1].contains("\"kind\":\"checkpoint\""), "{}", l[n - 1]);
    l[n - 1] = l[n - 1].replacen("\"actor\":\"", "\"actor\":\"x", 1);
    write_lines(&env, "initech", &l);
    let run = both_name_the_tampering(
        &env,
        &format!("[TMP]/examples/acme-msp/audit/initech.jsonl line {n}, seq {n}"),
    );
    assert!(!run.contains("line 0"), "{run}");
}

/// Checks that `audit verify` and a run that would append to initech's chain both exit 6
/// naming `place`; returns both stderrs.
fn both_name_the_tampering(env: &Env, place: &str) -> String {
    let (code, err) = verify(env, &["--client", "initech"]);
    assert_eq!(code, 6, "{err}");
    assert!(err.contains(place), "{err}");
    let output = env
        .onboard(&["revoke", "--client", "initech", "--yes"])
        .output()
        .unwrap();
    let run = stderr(env, &output);
    assert_eq!(output.status.code(), Some(6), "{run}");
    assert!(run.contains(place), "{run}");
    format!("{err}\n{run}")
}

/// A line appended with a made-up `prev` is the bad one, not the genuine line before it.
#[test]
fn a_forged_line_that_does_not_link_is_blamed_on_itself() {
    let env = applied();
    let mut l = lines(&env, "initech");
    let n = l.len();
    let mut forged = l[n - 1].replacen(&format!("\"seq\":{n},"), &format!("\"seq\":{},", n + 1), 1);
    forged = forged.replacen(&hash(&l[n - 2]), &"ab".repeat(32), 1);
    assert_ne!(forged, l[n - 1]);
    l.push(forged);
    write_lines(&env, "initech", &l);
    let err = both_name_the_tampering(
        &env,
        &format!("audit/initech.jsonl line {}, seq {}", n + 1, n + 1),
    );
    assert!(err.contains("does not link to the one before it"), "{err}");
}

/// A damaged head file is named as the file it is, not as "line 0" of the log.
#[test]
fn a_damaged_head_file_is_named() {
    let env = applied();
    env.write("audit/initech.head", "{}\n");
    let (code, err) = verify(&env, &["--client", "initech"]);
    assert_eq!(code, 6, "{err}");
    assert!(
        err.contains("fails verification at [TMP]/examples/acme-msp/audit/initech.head:"),
        "{err}"
    );
    assert!(!err.contains("line 0"), "{err}");
}

/// Runs onboard with no `ONBOARD_AUDIT_KEY`, so the workspace's own key source is used;
/// returns (exit code, stderr).
fn run_with_own_key(env: &Env, args: &[&str]) -> (Option<i32>, String) {
    let output = env
        .onboard(args)
        .env_remove("ONBOARD_AUDIT_KEY")
        .output()
        .unwrap();
    (output.status.code(), stderr(env, &output))
}

/// `onboard init`'s default key is a file, which every later process (cron included)
/// reads; `audit init` says what it made and where, and a second one changes nothing.
#[test]
fn the_key_that_init_chooses_serves_every_later_run() {
    let env = Env::with_files(&[]);
    env.onboard(&["init"]).assert().success();
    assert!(
        env.read("onboard.toml")
            .contains("key = \"file:.onboard/audit.key\""),
        "{}",
        env.read("onboard.toml")
    );
    assert!(env.read(".gitignore").lines().any(|l| l == "/.onboard/"));
    let (code, err) = run_with_own_key(&env, &["audit", "init"]);
    assert_eq!(code, Some(0), "{err}");
    let id = err
        .split("Created the audit signing key `")
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .unwrap_or_else(|| panic!("{err}"))
        .to_string();
    assert!(
        err.contains(&format!(
            "in `file:[TMP]/ws/.onboard/audit.key`; its public key is [TMP]/ws/audit/{id}.pub."
        )),
        "{err}"
    );
    assert!(env.exists(&format!("audit/{id}.pub")));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(env.ws.join(".onboard/audit.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Later runs, each its own process, sign with the same key.
    for args in [&["apply", "--yes", "-q"][..], &["expire", "-q"]] {
        let (code, err) = run_with_own_key(&env, args);
        assert_eq!(code, Some(0), "{err}");
    }
    assert_eq!(verify(&env, &[]).0, 0);
    let before = lines(&env, "_workspace").len();
    let (code, err) = run_with_own_key(&env, &["audit", "init"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains(&format!("The audit signing key `{id}` already exists"))
            && err.contains("Nothing was changed."),
        "{err}"
    );
    assert_eq!(lines(&env, "_workspace").len(), before);
}

/// A key kept where a new process cannot read it back (the kernel keyring without a
/// login session, as under cron or in a container) is refused by `audit init`, which
/// then writes nothing to the log; where the keyring does last, later runs can sign.
#[test]
fn audit_init_refuses_a_key_that_later_runs_could_not_read() {
    let env = Env::example();
    let name = format!("onboard-audit-unkept-{}", std::process::id());
    let settings = env.read("onboard.toml");
    env.write(
        "onboard.toml",
        &format!("{settings}\n[audit]\nkey = \"keyring:{name}\"\n"),
    );
    let (code, err) = run_with_own_key(&env, &["audit", "init"]);
    if code == Some(1) {
        assert!(
            err.contains(&format!(
                "was stored in `keyring:{name}`, but later runs could not read it"
            )) && err.contains("nothing was written to the audit log")
                && err.contains("key = \"file:.onboard/audit.key\""),
            "{err}"
        );
        let written: Vec<_> = fs::read_dir(env.ws.join("audit"))
            .map(|d| d.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default();
        assert!(written.is_empty(), "{written:?}");
    } else {
        // This machine's keyring keeps keys across processes: then they must work.
        assert_eq!(code, Some(0), "{err}");
        let (code, err) = run_with_own_key(&env, &["apply", "initech", "--yes", "-q"]);
        assert_eq!(code, Some(0), "{err}");
    }
}

/// Running the example in the repository (the README's first command) leaves its
/// state, audit log, tenants and signing key there; the tests' copy of the example has
/// only what a fresh clone has, as the `.gitignore` files say, so those never leak into
/// a test.
#[test]
fn test_workspaces_hold_only_what_a_fresh_clone_has() {
    let repo = tempfile::TempDir::new().unwrap();
    let files = [
        (".gitignore", "/target\n*.swp\n"),
        ("target/debug/onboard", "binary"),
        (
            "examples/ws/.gitignore",
            "/state/\n/.onboard/\n/audit/\nnotes/*.tmp\n!keep.tmp\n",
        ),
        ("examples/ws/onboard.toml", "[paths]\n"),
        ("examples/ws/clients/acme.yaml", "id: acme\n"),
        ("examples/ws/clients/.acme.yaml.swp", "editor"),
        ("examples/ws/.onboard/audit.key", "secret"),
        ("examples/ws/state/ledger.json", "{}"),
        ("examples/ws/audit/_workspace.jsonl", "{}"),
        ("examples/ws/notes/a.tmp", "scratch"),
        ("examples/ws/notes/keep.tmp", "kept"),
        (
            "examples/ws/notes/deep/state/x",
            "not the workspace's state",
        ),
        ("examples/ws/sub/.gitignore", "secret.txt\n"),
        ("examples/ws/sub/secret.txt", "secret"),
        ("examples/ws/sub/public.txt", "public"),
        ("examples/ws/other/secret.txt", "not ignored here"),
    ];
    for (path, text) in files {
        let path = repo.path().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    let copy = tempfile::TempDir::new().unwrap();
    crate::support::copy_as_cloned(
        repo.path(),
        std::path::Path::new("examples/ws"),
        copy.path(),
    );
    let mut copied: Vec<String> = crate::support::files_under(copy.path())
        .iter()
        .map(|p| {
            p.strip_prefix(copy.path())
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    copied.sort();
    assert_eq!(
        copied,
        [
            ".gitignore",
            "clients/acme.yaml",
            "notes/deep/state/x",
            "notes/keep.tmp",
            "onboard.toml",
            "other/secret.txt",
            "sub/.gitignore",
            "sub/public.txt",
        ]
    );
    // And the example itself, whatever running it left in the repository.
    let env = Env::example();
    for generated in [".onboard", "state", "audit", "tenants"] {
        assert!(!env.exists(generated), "{generated}");
    }
}

/// A run with no `$USER` (cron, a container) is recorded as the OS account it runs as,
/// never as `os:unknown`.
#[test]
fn a_run_without_user_is_recorded_as_its_os_account() {
    let env = Env::example();
    let output = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    let account = String::from_utf8(output.stdout).unwrap().trim().to_string();
    assert!(!account.is_empty());
    let mut command = env.onboard(&["apply", "initech", "--yes", "-q"]);
    for var in ["ONBOARD_ACTOR", "USER", "USERNAME", "LOGNAME"] {
        command.env_remove(var);
    }
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let actors: std::collections::BTreeSet<String> = lines(&env, "initech")
        .iter()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["actor"].to_string())
        .collect();
    assert_eq!(
        actors.into_iter().collect::<Vec<_>>(),
        [format!("\"os:{account}\"")]
    );
}

/// A lost key cannot be replaced by a new one for a log it signed: the error says what
/// does help, `audit init` refuses too (exit 1) and nothing is appended.
#[test]
fn a_lost_key_is_not_papered_over_by_audit_init() {
    let env = applied();
    let log = |env: &Env| -> Vec<(PathBuf, String)> {
        crate::support::files_under(&env.ws.join("audit"))
            .into_iter()
            .map(|p| (p.clone(), fs::read_to_string(p).unwrap()))
            .collect()
    };
    let before = log(&env);
    std::fs::remove_file(env.ws.join(".onboard/audit.key")).unwrap();
    for args in [
        &["revoke", "--identity", "bob", "--yes"][..],
        &["audit", "init"],
    ] {
        let (code, err) = run_with_own_key(&env, args);
        assert_eq!(code, Some(1), "{args:?}: {err}");
        assert!(
            err.contains("`file:[TMP]/examples/acme-msp/.onboard/audit.key` does not exist")
                && err.contains("restore the key")
                && !err.contains("onboard audit init"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(log(&env), before);
    assert!(!env.exists(".onboard/audit.key"));
}

#[test]
fn a_run_stores_the_intents_of_all_its_tenants_in_one_durable_write() {
    let env = Env::example();
    env.onboard(&["apply", "initech", "--yes", "-q"])
        .assert()
        .success();
    let text = fs::read_to_string(env.ws.join("audit/initech.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let at = |phase: &str| -> Vec<usize> {
        (0..lines.len())
            .filter(|&i| lines[i]["phase"] == phase)
            .collect()
    };
    let (intents, outcomes) = (at("intent"), at("outcome"));
    let tenants = |indices: &[usize]| -> std::collections::BTreeSet<String> {
        indices
            .iter()
            .map(|&i| lines[i]["tenant"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        tenants(&intents),
        ["entra", "scim"].map(String::from).into()
    );
    // Every intent of both tenants comes before the first change is sent (its outcome),
    // in one run of lines ...
    assert!(intents.windows(2).all(|w| w[1] == w[0] + 1), "{text}");
    assert!(intents.last() < outcomes.first(), "{text}");
    // ... stored in one durable write: a write signs its last line only.
    let signed = |indices: &[usize]| -> Vec<usize> {
        indices
            .iter()
            .copied()
            .filter(|&i| lines[i].get("sig").is_some())
            .collect()
    };
    assert_eq!(signed(&intents), [*intents.last().unwrap()], "{text}");
    // The outcomes of both tenants are stored together too, with the run's end.
    assert_eq!(tenants(&outcomes), tenants(&intents));
    assert_eq!(signed(&outcomes), [*outcomes.last().unwrap()], "{text}");
}
