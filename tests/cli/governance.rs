//! Governance: each policy rule denying what it should (and nothing else), just-in-time
//! elevation with four-eyes approval, break-glass with its hook and review, foresight
//! (`plan --at`, `plan --tier`), and the mass-revoke guard. Every decision is audited.

use std::fs;

use crate::support::{Env, NOW, audit_show, plan_json, stderr, stdout};

/// Runs as a given identity (`ONBOARD_ACTOR`).
pub(crate) fn as_(env: &Env, who: &str, args: &[&str]) -> std::process::Output {
    env.onboard(args)
        .env("ONBOARD_ACTOR", who)
        .output()
        .unwrap()
}

/// Runs `break-glass` as dave into a client's bundle, for a ransomware attack.
pub(crate) fn break_glass(env: &Env, client: &str, bundle: &str) -> std::process::Output {
    let reason = "ransomware on the file server";
    let args = [
        "break-glass",
        "--client",
        client,
        "--bundle",
        bundle,
        "--reason",
        reason,
    ];
    as_(env, "dave", &args)
}

/// Returns the items of a command's JSON document under `key` (`onboard review -o json`:
/// `reviews`).
pub(crate) fn json_items(env: &Env, args: &[&str], key: &str) -> Vec<serde_json::Value> {
    let mut all = args.to_vec();
    all.extend(["--output", "json"]);
    let output = env.onboard(&all).output().unwrap();
    assert!(output.status.success(), "{}", stderr(env, &output));
    let mut doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    serde_json::from_value(doc[key].take()).unwrap()
}

/// Returns the id of the open review of a kind (`break-glass`, `exception`).
pub(crate) fn open_review_id(env: &Env, kind: &str) -> String {
    json_items(env, &["review"], "reviews")
        .iter()
        .find(|r| r["kind"] == kind)
        .and_then(|r| r["id"].as_str())
        .unwrap()
        .to_string()
}

fn denied_rules(env: &Env) -> Vec<(String, String, String)> {
    let plan = plan_json(env, NOW, &[]);
    plan.changes
        .iter()
        .filter(|c| c.kind == "denied")
        .map(|c| {
            (
                c.identity.clone().unwrap(),
                c.entitlement.clone().unwrap(),
                c.reason.clone(),
            )
        })
        .collect()
}

#[test]
fn the_example_workspace_passes_every_rule() {
    let env = Env::example();
    assert!(denied_rules(&env).is_empty());
    env.onboard(&["validate"]).assert().code(0);
}

#[test]
fn mfa_required_denies_privileged_access_to_a_person_without_mfa() {
    let env = Env::example();
    // frank has no MFA: security response requires it.
    env.edit(
        "identities/frank.yaml",
        "functions: [helpdesk]",
        "functions: [helpdesk, security-response]",
    );
    let denied = denied_rules(&env);
    assert!(!denied.is_empty());
    assert!(
        denied
            .iter()
            .all(|(who, _, why)| who == "frank" && why.contains("does not have MFA enforced")),
        "{denied:?}"
    );
    let output = env.onboard(&["plan"]).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(3),
        "a policy denial has its own exit code"
    );
    let output = env.onboard(&["validate"]).output().unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert!(
        stderr(&env, &output).contains("policy `mfa-required`"),
        "{}",
        stderr(&env, &output)
    );
    // Apply sends everything else, never the denied grants, and audits each refusal.
    let output = env.onboard(&["apply", "--yes", "-q"]).output().unwrap();
    assert_eq!(output.status.code(), Some(3));
    // (A grant that frank's helpdesk bundle also gives stays: one allowed source is enough.)
    assert!(
        !env.ledger()
            .grants
            .iter()
            .any(|g| g.identity == "frank" && g.sources.iter().all(|s| s.contains("security")))
    );
    assert!(env.ledger().grants.iter().any(|g| g.identity == "carol"));
    assert!(
        audit_show(&env, &["--client", "acme"])
            .results()
            .contains(&("denial", "denied"))
    );
    // Elevation is refused the same way.
    let output = as_(
        &env,
        "frank",
        &[
            "elevate",
            "--client",
            "globex",
            "--bundle",
            "standard-helpdesk",
            "--ticket",
            "T-1",
            "--reason",
            "password reset",
        ],
    );
    assert_eq!(output.status.code(), Some(3));
    assert!(stderr(&env, &output).contains("policy `mfa-required`"));
}

#[test]
fn data_tags_deny_grants_into_a_client_without_them_and_revoke_what_was_given() {
    let env = Env::example();
    env.apply();
    env.edit("clients/acme.yaml", "data_tags: [pii]", "data_tags: []");
    let plan = plan_json(&env, NOW, &["acme"]);
    let revoked: Vec<_> = plan.changes.iter().filter(|c| c.kind == "revoke").collect();
    assert!(!revoked.is_empty());
    assert!(
        revoked
            .iter()
            .all(|c| c.reason.starts_with("denied by policy `data-tags`")),
        "{revoked:?}"
    );
    assert!(
        plan.changes.iter().all(|c| c.kind == "revoke"),
        "nothing else is touched"
    );
}

#[test]
fn max_ttl_denies_standing_privileged_grants_and_long_elevations() {
    let env = Env::example();
    let bundle = env.root.join("bundles/standard/helpdesk.yaml");
    let text = fs::read_to_string(&bundle).unwrap();
    fs::write(
        &bundle,
        text.replacen("privileged: true, ttl: 8h,", "privileged: true,", 1),
    )
    .unwrap();
    let denied = denied_rules(&env);
    assert!(!denied.is_empty());
    let standing: Vec<_> = denied
        .iter()
        .filter(|(_, _, why)| why.contains("may only be granted just in time"))
        .collect();
    assert_eq!(
        standing.len(),
        3,
        "alice, dave and frank in globex: {denied:?}"
    );
    // Nothing else is denied but frank's missing MFA for the same privileged grant.
    assert!(
        denied
            .iter()
            .all(|(who, _, why)| why.contains("just in time")
                || (who == "frank" && why.contains("MFA"))),
        "{denied:?}"
    );
    fs::write(&bundle, text).unwrap();
    env.write("policy.yaml", "max_ttl:\n  privileged: 1h\n");
    let output = env.onboard(&["validate"]).output().unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert!(stderr(&env, &output).contains("longer than the privileged maximum of 1h"));
    let output = as_(
        &env,
        "alice",
        &[
            "elevate",
            "--client",
            "globex",
            "--bundle",
            "standard-helpdesk",
            "--ticket",
            "T-2",
            "--reason",
            "reset",
        ],
    );
    assert_eq!(output.status.code(), Some(3));
    assert!(
        stderr(&env, &output).contains("policy `max-ttl`"),
        "{}",
        stderr(&env, &output)
    );
}

#[test]
fn non_persons_never_hold_admin_roles_nor_leave_their_client() {
    let env = Env::example();
    let output = as_(
        &env,
        "bob",
        &[
            "elevate",
            "--client",
            "globex",
            "--bundle",
            "standard-backup-administration",
            "--identity",
            "globex-backup-svc",
            "--ticket",
            "T-3",
            "--reason",
            "restore",
        ],
    );
    assert_eq!(output.status.code(), Some(3));
    let err = stderr(&env, &output);
    assert!(
        err.contains("policy `non-person-scope`") && err.contains("never holds privileged"),
        "{err}"
    );
    let output = as_(
        &env,
        "bob",
        &[
            "elevate",
            "--client",
            "acme",
            "--bundle",
            "premium-backup-administration",
            "--identity",
            "globex-backup-svc",
            "--ticket",
            "T-3",
            "--reason",
            "restore",
        ],
    );
    assert!(stderr(&env, &output).contains("serves only its own client"));
}

#[test]
fn tier_baseline_and_contract_window_refuse_requests() {
    let env = Env::example();
    let output = as_(
        &env,
        "carol",
        &[
            "elevate",
            "--client",
            "globex",
            "--bundle",
            "premium-security-response",
            "--ticket",
            "T-4",
            "--reason",
            "x",
        ],
    );
    assert_eq!(output.status.code(), Some(3));
    let err = stderr(&env, &output);
    assert!(
        err.contains("policy `tier-baseline`")
            && err.contains("above client `globex`'s tier `standard`"),
        "{err}"
    );
    env.edit("clients/initech.yaml", "end: 2027-12-31", "end: 2026-10-31");
    let output = as_(
        &env,
        "dave",
        &[
            "elevate",
            "--client",
            "initech",
            "--bundle",
            "essential-helpdesk",
            "--ticket",
            "T-5",
            "--reason",
            "x",
        ],
    );
    assert_eq!(output.status.code(), Some(3));
    assert!(stderr(&env, &output).contains("policy `contract-window`"));
}

#[test]
fn nobody_approves_their_own_exception() {
    let env = Env::example();
    env.edit("clients/acme.yaml", "approver: dave", "approver: carol");
    let denied = denied_rules(&env);
    assert_eq!(denied.len(), 1, "{denied:?}");
    assert_eq!(denied[0].1, "role:Security Administrator");
    assert!(denied[0].2.contains("approved by the person it is for"));
}

#[test]
fn an_elevation_is_granted_at_once_and_expires() {
    let env = Env::example();
    env.apply();
    let output = as_(
        &env,
        "alice",
        &[
            "elevate",
            "--client",
            "globex",
            "--bundle",
            "standard-helpdesk",
            "--ticket",
            "INC-77",
            "--reason",
            "locked-out CFO",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let held: Vec<_> = env
        .ledger()
        .grants
        .into_iter()
        .filter(|g| g.ticket.as_deref() == Some("INC-77"))
        .collect();
    assert!(!held.is_empty());
    assert!(
        held.iter()
            .all(|g| g.identity == "alice"
                && g.expires_at.as_deref() == Some("2026-11-21T20:00:00Z")),
        "{held:?}"
    );
    assert!(env.tenant("globex", "entra").contains(&(
        "role:Helpdesk Administrator".into(),
        "alice@globex.example".into()
    )));
    // After its TTL, expire ends it.
    env.onboard_at("2026-11-21T20:00:01Z", &["expire", "-q"])
        .assert()
        .success();
    assert!(
        env.ledger()
            .grants
            .iter()
            .all(|g| g.ticket.as_deref() != Some("INC-77"))
    );
    assert!(!env.tenant("globex", "entra").contains(&(
        "role:Helpdesk Administrator".into(),
        "alice@globex.example".into()
    )));
    let shown = audit_show(&env, &["--client", "globex"]);
    let kinds = shown.results();
    assert!(kinds.contains(&("elevation", "granted")));
    assert!(kinds.contains(&("expire", "ok")));
}

#[test]
fn four_eyes_approval_refuses_the_requester_and_accepts_a_second_identity() {
    let env = Env::example();
    let output = as_(
        &env,
        "carol",
        &[
            "elevate",
            "--client",
            "acme",
            "--bundle",
            "premium-security-response",
            "--ticket",
            "INC-9",
            "--reason",
            "phishing triage",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let text = stdout(&output);
    let id = text.split_whitespace().nth(1).unwrap().to_string();
    assert!(id.starts_with("req-"), "{text}");
    let listed = as_(&env, "carol", &["requests", "--status", "pending"]);
    assert!(stdout(&listed).contains(&id));
    // The requester cannot approve, not even under another OS name that maps to her.
    let output = as_(&env, "carol", &["approve", &id]);
    assert_eq!(output.status.code(), Some(3));
    assert!(stderr(&env, &output).contains("policy `approver-not-party`"));
    assert!(env.ledger_exists_or_empty());
    // A second person approves: granted now, for the bundle's TTLs from now.
    let output = env
        .onboard_at("2026-11-21T13:00:00Z", &["approve", &id])
        .env("ONBOARD_ACTOR", "dave")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let grants: Vec<_> = env
        .ledger()
        .grants
        .into_iter()
        .filter(|g| g.ticket.as_deref() == Some("INC-9"))
        .collect();
    assert!(
        grants
            .iter()
            .any(|g| g.entitlement == "role:Privileged Role Administrator"
                && g.expires_at.as_deref() == Some("2026-11-21T15:00:00Z")),
        "{grants:?}"
    );
    let shown = audit_show(&env, &["--client", "acme"]);
    let kinds = shown.results();
    for expected in [
        ("elevation", "pending"),
        ("denial", "denied"),
        ("approval", "approved"),
    ] {
        assert!(
            kinds.contains(&expected),
            "{expected:?} missing from {kinds:?}"
        );
    }
    // Requests lapse: a pending one is expired a day later.
    let output = as_(
        &env,
        "carol",
        &[
            "elevate",
            "--client",
            "acme",
            "--bundle",
            "premium-security-response",
            "--ticket",
            "INC-10",
            "--reason",
            "again",
        ],
    );
    let later = stdout(&output)
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string();
    let output = env
        .onboard_at("2026-11-23T12:00:00Z", &["approve", &later])
        .env("ONBOARD_ACTOR", "dave")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&env, &output).contains("expired before it was approved"));
    let output = env
        .onboard_at("2026-11-21T12:30:00Z", &["deny", &id, "--reason", "x"])
        .env("ONBOARD_ACTOR", "dave")
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "an approved request cannot be denied"
    );
}

#[test]
fn break_glass_runs_the_hook_and_leaves_a_review_someone_else_closes() {
    let env = Env::example();
    let event = env.root.join("event.json");
    env.write(
        "policy.yaml",
        &format!(
            "break_glass:\n  ttl: 30m\n  notify:\n    command: [sh, -c, \"cat > {}\"]\n",
            event.display()
        ),
    );
    let output = break_glass(&env, "initech", "essential-security-response");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let sent: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&event).unwrap()).unwrap();
    assert_eq!(sent["event"], "break-glass");
    assert_eq!(sent["identity"], "dave");
    assert_eq!(sent["expires_at"], "2026-11-21T12:30:00Z");
    let held: Vec<_> = env
        .ledger()
        .grants
        .into_iter()
        .filter(|g| g.sources.iter().any(|s| s.starts_with("break-glass:")))
        .collect();
    assert!(
        held.iter()
            .any(|g| g.entitlement == "role:Security Operator"),
        "{held:?}"
    );
    // What only break-glass gives ends with it; dave's standing access stays standing.
    assert!(
        held.iter()
            .filter(|g| g.sources.len() == 1)
            .all(|g| g.expires_at.as_deref() == Some("2026-11-21T12:30:00Z")),
        "{held:?}"
    );
    let review_id = &open_review_id(&env, "break-glass");
    // The user cannot close their own review; someone else can.
    let output = as_(
        &env,
        "dave",
        &[
            "review",
            "close",
            review_id,
            "--outcome",
            "justified",
            "--notes",
            "mine",
        ],
    );
    assert_eq!(output.status.code(), Some(3));
    // Overdue reviews warn.
    let output = env
        .onboard_at("2026-11-25T12:00:00Z", &["status"])
        .output()
        .unwrap();
    assert!(
        stderr(&env, &output).contains("is overdue"),
        "{}",
        stderr(&env, &output)
    );
    let output = as_(
        &env,
        "carol",
        &[
            "review",
            "close",
            review_id,
            "--outcome",
            "justified",
            "--notes",
            "confirmed with the client",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let output = env.onboard(&["review"]).output().unwrap();
    assert!(!stdout(&output).contains(review_id));
    let shown = audit_show(&env, &["--client", "initech"]);
    let kinds = shown.results();
    assert!(kinds.contains(&("break-glass", "granted")));
    assert!(kinds.contains(&("review", "justified")));
    let flagged = env
        .onboard(&["audit", "export", "--client", "initech"])
        .output()
        .unwrap();
    assert!(stdout(&flagged).contains("\"flagged\":true"));
}

#[test]
fn exceptions_open_a_review_on_first_use() {
    let env = Env::example();
    env.apply();
    let output = env
        .onboard(&["review", "--output", "json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let subjects: Vec<&str> = doc["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["subject"].as_str().unwrap())
        .collect();
    assert_eq!(
        subjects,
        [
            "acme/acme-defender-rollout",
            "globex/globex-mailbox-migration"
        ]
    );
}

#[test]
fn plan_at_a_month_ahead_shows_the_expiries() {
    let env = Env::example();
    env.edit(
        "clients/initech.yaml",
        "tenants:",
        "exceptions:\n  - id: initech-audit\n    identity: carol\n    grants:\n      - system: entra\n        entitlement: role:Security Administrator\n    reason: Year-end audit support\n    approver: dave\n    until: 2026-12-10\ntenants:",
    );
    env.apply();
    let now = plan_json(&env, NOW, &[]);
    assert!(now.changes.is_empty());
    let ahead = plan_json(&env, NOW, &["--at", "2026-12-21"]);
    let kinds: Vec<_> = ahead
        .changes
        .iter()
        .map(|c| {
            (
                c.kind.as_str(),
                c.identity.as_deref(),
                c.entitlement.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [("expire", Some("carol"), Some("role:Security Administrator"))]
    );
    let output = env
        .onboard(&["plan", "--at", "2026-12-21", "--out", "x.json"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "a future plan cannot be saved for apply"
    );
}

#[test]
fn plan_tier_shows_what_a_tier_change_would_do() {
    let env = Env::example();
    env.apply();
    let plan = plan_json(&env, NOW, &["--tier", "standard", "initech"]);
    assert!(
        plan.summary.grant > 0 && plan.summary.revoke == 0,
        "{:?}",
        plan.summary
    );
    assert!(
        env.read("clients/initech.yaml").contains("tier: essential"),
        "nothing is changed"
    );
    let output = env
        .onboard(&["plan", "--tier", "platinum", "initech"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn the_mass_revoke_guard_stops_a_client_wide_revoke_until_a_second_person_approves() {
    let env = Env::example();
    env.apply();
    let before = env
        .ledger()
        .grants
        .iter()
        .filter(|g| g.client == "globex")
        .count();
    let output = as_(&env, "alice", &["revoke", "--client", "globex", "--yes"]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&env, &output));
    let err = stderr(&env, &output);
    assert!(
        err.contains("refusing to revoke") && err.contains("onboard approve mr-"),
        "{err}"
    );
    assert_eq!(
        env.ledger()
            .grants
            .iter()
            .filter(|g| g.client == "globex")
            .count(),
        before,
        "nothing was revoked"
    );
    assert!(
        audit_show(&env, &["--client", "globex"])
            .results()
            .contains(&("denial", "denied")),
        "the refusal is audited"
    );
    let id = crate::support::pending_request_id(&err);
    // --allow-mass-revoke alone is not enough.
    let output = as_(
        &env,
        "alice",
        &[
            "revoke",
            "--client",
            "globex",
            "--yes",
            "--allow-mass-revoke",
        ],
    );
    assert_eq!(output.status.code(), Some(3));
    let output = as_(&env, "bob", &["approve", &id]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let output = as_(
        &env,
        "alice",
        &[
            "revoke",
            "--client",
            "globex",
            "--yes",
            "--allow-mass-revoke",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    assert!(env.ledger().grants.iter().all(|g| g.client != "globex"));
    assert!(env.tenant("globex", "entra").is_empty());
}

/// Accepts one HTTP request on loopback and returns its body.
pub(crate) fn capture_one_post() -> (String, std::thread::JoinHandle<String>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks/onboard", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream);
        let mut length = 0usize;
        let mut request_line = String::new();
        reader.read_line(&mut request_line).unwrap();
        assert!(
            request_line.starts_with("POST /hooks/onboard "),
            "{request_line}"
        );
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line.trim().is_empty() {
                break;
            }
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().unwrap();
            }
        }
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body).unwrap();
        reader
            .get_mut()
            .write_all(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
            .unwrap();
        String::from_utf8(body).unwrap()
    });
    (url, handle)
}

#[test]
fn break_glass_posts_the_event_to_a_webhook() {
    let (env, body) = crate::notifications::break_glass_to_webhook("", "domain admin locked out");
    let event: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (event["event"].as_str(), event["client"].as_str()),
        (Some("break-glass"), Some("initech"))
    );
    assert_eq!(event["reason"], "domain admin locked out");
    // A hook that cannot be reached is reported, and the access is granted anyway.
    env.write(
        "policy.yaml",
        "break_glass:\n  notify:\n    webhook: http://127.0.0.1:9/unreachable\n",
    );
    let output =
        crate::notifications::daves_break_glass(&env, "essential-helpdesk", "second emergency");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    assert!(
        stderr(&env, &output).contains("notify webhook"),
        "{}",
        stderr(&env, &output)
    );
}

#[test]
fn a_bundle_that_breaks_a_rule_is_denied_by_validate_plan_and_apply_alike() {
    let env = Env::example();
    // Every privileged just-in-time grant of the library is longer than this.
    env.write("policy.yaml", "max_ttl:\n  privileged: 30m\n");
    let output = env.onboard(&["validate"]).output().unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&env, &output));
    assert!(stderr(&env, &output).contains("policy `max-ttl`"));
    // plan reports the same denials, in the table and in JSON, and exits 3.
    let output = env.onboard(&["plan", "globex"]).output().unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&env, &output));
    assert!(stdout(&output).contains("denied"), "{}", stdout(&output));
    let plan = plan_json(&env, NOW, &["globex"]);
    let denied: Vec<_> = plan.changes.iter().filter(|c| c.kind == "denied").collect();
    assert!(
        denied.iter().any(|c| c.rule.as_deref() == Some("max-ttl")
            && c.entitlement.as_deref() == Some("role:Helpdesk Administrator")
            && c.reason.contains("standard-helpdesk")),
        "{denied:?}"
    );
    assert!(plan.summary.grant > 0, "the rest is still planned");
    // apply sends everything else, audits each denial and exits 3.
    let output = env.onboard(&["apply", "--yes", "-q"]).output().unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&env, &output));
    assert!(stderr(&env, &output).contains("policy `max-ttl`"));
    assert!(env.ledger().grants.iter().any(|g| g.client == "globex"));
    let audited = json_items(&env, &["audit", "show", "--client", "globex"], "entries");
    assert!(
        audited
            .iter()
            .any(|e| e["kind"] == "denial" && e["error_code"] == "max-ttl"),
        "{audited:?}"
    );
    // expire still ends what ran out, and says what policy denies, exiting 3 too.
    let output = env.onboard(&["expire", "-q"]).output().unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&env, &output));
    assert!(stderr(&env, &output).contains("policy `max-ttl`"));
    // status reports the ledger and warns.
    let output = env.onboard(&["status"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    assert!(
        stderr(&env, &output).contains("policy denies"),
        "{}",
        stderr(&env, &output)
    );
    // (elevate refuses it too: see `max_ttl_denies_standing_privileged_grants_and_long_elevations`.)
}
