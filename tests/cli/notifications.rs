//! Notifications in the chat people use: a break-glass event sent to a loopback Slack
//! receiver and a loopback Teams receiver, each checking the body has the fields its
//! vendor's documentation requires.
//!
//! - Slack incoming webhooks (<https://api.slack.com/messaging/webhooks>): a JSON body
//!   with `blocks` (Block Kit, each block with a `type`) and `text`, the fallback shown in
//!   notifications when blocks are present.
//! - Teams incoming webhooks and Workflows ("Send Adaptive Cards using an Incoming
//!   Webhook", <https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using>):
//!   `"type": "message"`, an `attachments` array whose card has `contentType`
//!   `application/vnd.microsoft.card.adaptive` and the card as `content`
//!   (`"type": "AdaptiveCard"`, a `version`, a `body`).

use crate::governance::capture_one_post;
use crate::support::{Env, audit_show, stderr};

/// Runs dave's break-glass into one of initech's bundles, retrying a failed hook without
/// waiting.
pub(crate) fn daves_break_glass(env: &Env, bundle: &str, reason: &str) -> std::process::Output {
    daves_break_glass_at(env, crate::support::NOW, bundle, reason)
}

/// Like [`daves_break_glass`], at another instant.
fn daves_break_glass_at(env: &Env, now: &str, bundle: &str, reason: &str) -> std::process::Output {
    env.onboard_at(
        now,
        &[
            "break-glass",
            "--client",
            "initech",
            "--bundle",
            bundle,
            "--reason",
            reason,
        ],
    )
    .env("ONBOARD_ACTOR", "dave")
    .env("ONBOARD_TEST_RETRY_SCALE", "0.01")
    .output()
    .unwrap()
}

/// Runs dave's break-glass into initech's security-response bundle with the policy's
/// webhook on a loopback receiver and `notify_extra` under it (`format: slack`); returns
/// the workspace and the body the receiver got.
pub(crate) fn break_glass_to_webhook(notify_extra: &str, reason: &str) -> (Env, String) {
    let env = Env::example();
    let (url, server) = capture_one_post();
    env.write(
        "policy.yaml",
        &format!("break_glass:\n  notify:\n    webhook: {url}\n{notify_extra}"),
    );
    let output = daves_break_glass(&env, "essential-security-response", reason);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let body = server.join().unwrap();
    (env, body)
}

/// Runs the break-glass with the webhook in `format`; returns the body as JSON.
fn break_glass_to(format: &str) -> (Env, serde_json::Value) {
    let (env, body) = break_glass_to_webhook(
        &format!("    format: {format}\n"),
        "domain admin <locked> out",
    );
    // The access stands, and its audit entry says the hook was told.
    let shown = audit_show(&env, &["--client", "initech"]);
    assert!(shown.results().contains(&("break-glass", "granted")));
    (env, serde_json::from_str(&body).unwrap())
}

/// Checks a Slack incoming-webhook body's shape; returns its `text` and `blocks`.
fn slack_message(body: &serde_json::Value) -> (&str, &Vec<serde_json::Value>) {
    let text = body["text"].as_str().expect("a `text` fallback");
    let blocks = body["blocks"].as_array().expect("`blocks`");
    assert!(!blocks.is_empty());
    for block in blocks {
        assert!(block["type"].is_string(), "a block without a type: {block}");
    }
    (text, blocks)
}

#[test]
fn break_glass_reaches_a_slack_webhook_as_blocks_with_a_text_fallback() {
    let (_env, body) = break_glass_to("slack");
    let (text, _) = slack_message(&body);
    assert!(text.contains("BREAK-GLASS"), "{text}");
    // User text is escaped: Slack reads `<…>` as markup (mentions, links).
    assert!(text.contains("&lt;locked&gt;"), "{text}");
    assert!(body.to_string().contains("essential-security-response"));
    assert!(body.get("event").is_none(), "not the generic event: {body}");
}

/// Checks a Teams incoming-webhook body's shape; returns its one Adaptive Card.
fn teams_card(body: &serde_json::Value) -> &serde_json::Value {
    assert_eq!(body["type"], "message");
    let attachments = body["attachments"].as_array().expect("`attachments`");
    assert_eq!(attachments.len(), 1);
    assert_eq!(
        attachments[0]["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    let card = &attachments[0]["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    assert!(card["version"].is_string());
    let card_body = card["body"].as_array().expect("a card body");
    assert!(card_body.iter().all(|e| e["type"].is_string()));
    card
}

#[test]
fn break_glass_reaches_a_teams_webhook_as_an_adaptive_card() {
    let (_env, body) = break_glass_to("teams");
    let card = teams_card(&body);
    let card_body = card["body"].as_array().expect("a card body");
    let facts = card_body
        .iter()
        .find(|e| e["type"] == "FactSet")
        .expect("the details as facts");
    assert!(facts.to_string().contains("initech"), "{facts}");
}

#[test]
fn an_unknown_webhook_format_is_refused_with_its_location() {
    let env = Env::example();
    env.write(
        "policy.yaml",
        "break_glass:\n  notify:\n    webhook: https://hooks.example.com/x\n    format: discord\n",
    );
    let output = env.onboard(&["validate"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&env, &output));
    let err = stderr(&env, &output);
    assert!(err.contains("policy.yaml"), "{err}");
    assert!(err.contains("discord"), "{err}");
}

/// A loopback webhook receiver answering with `script`'s statuses in turn (the last one
/// from then on), each with its extra header lines; returns its URL and the bodies it got.
fn scripted_receiver(
    script: &[(u16, &'static str)],
) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks/onboard", listener.local_addr().unwrap());
    let bodies = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let (seen, script) = (bodies.clone(), script.to_vec());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0u8; length];
            let _ = reader.read_exact(&mut body);
            let mut seen = seen.lock().unwrap();
            seen.push(String::from_utf8_lossy(&body).into_owned());
            let (status, headers) = script[(seen.len() - 1).min(script.len() - 1)];
            let reply = format!(
                "HTTP/1.1 {status} X\r\n{headers}Content-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = reader.get_mut().write_all(reply.as_bytes());
        }
    });
    (url, bodies)
}

/// Returns the first audit entry of `client`'s chain with `field` equal to `value`.
fn audit_entry(env: &Env, client: &str, (field, value): (&str, &str)) -> serde_json::Value {
    let output = env
        .onboard(&["audit", "show", "--client", client, "--output", "json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(env, &output));
    let shown: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    shown["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e[field] == value)
        .unwrap_or_else(|| panic!("an entry with {field} {value}"))
        .clone()
}

/// The break-glass audit entry's `detail.notifications`: each hook and its outcome.
fn recorded_notifications(env: &Env) -> Vec<serde_json::Value> {
    let entry = audit_entry(env, "initech", ("kind", "break-glass"));
    entry["detail"]["notifications"]
        .as_array()
        .expect("`notifications` in the entry's detail")
        .clone()
}

/// Runs dave's break-glass with the webhook at `url` (in `format: slack`), written in
/// policy.yaml or, with `from_env`, kept in `ONBOARD_TEST_ONCALL_WEBHOOK`.
fn break_glass_with_webhook(env: &Env, url: &str, from_env: bool) -> std::process::Output {
    let setting = if from_env {
        "env:ONBOARD_TEST_ONCALL_WEBHOOK"
    } else {
        url
    };
    env.write(
        "policy.yaml",
        &format!("break_glass:\n  notify:\n    webhook: {setting}\n    format: slack\n"),
    );
    env.onboard(&[
        "break-glass",
        "--client",
        "initech",
        "--bundle",
        "essential-security-response",
        "--reason",
        "domain admin locked out",
    ])
    .env("ONBOARD_ACTOR", "dave")
    .env("ONBOARD_TEST_RETRY_SCALE", "0.01")
    .env("ONBOARD_TEST_ONCALL_WEBHOOK", url)
    .output()
    .unwrap()
}

/// Asserts the break-glass access stands in the ledger and its audit entry.
fn assert_access_stands(env: &Env) {
    assert!(
        env.ledger()
            .grants
            .iter()
            .any(|g| g.sources.iter().any(|s| s.starts_with("break-glass:"))),
        "the access stands"
    );
    let shown = audit_show(env, &["--client", "initech"]);
    assert!(shown.results().contains(&("break-glass", "granted")));
}

#[test]
fn a_receiver_that_fails_is_a_warning_and_the_access_stands() {
    let env = Env::example();
    let (url, bodies) = scripted_receiver(&[(500, "")]);
    let output = break_glass_with_webhook(&env, &url, false);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let err = stderr(&env, &output);
    assert!(err.contains("notify webhook (slack)"), "{err}");
    assert!(err.contains("HTTP 500"), "{err}");
    assert!(err.contains("granted anyway"), "{err}");
    // Retried, within bounds.
    let tries = bodies.lock().unwrap().len();
    assert!((2..=4).contains(&tries), "{tries} requests");
    // The warning names the hook, not its URL (a webhook URL is a credential).
    let shown = format!("{err}{}", crate::support::stdout(&output));
    assert!(!shown.contains(&url), "{shown}");
    assert_access_stands(&env);
    let recorded = recorded_notifications(&env);
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(recorded[0]["channel"], "webhook (slack)");
    assert_eq!(recorded[0]["outcome"], "failed");
    assert_eq!(recorded[0]["attempts"], tries);
}

#[test]
fn a_receiver_that_is_down_is_a_warning_and_the_access_stands() {
    let env = Env::example();
    // A port nothing listens on any more.
    let url = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/hooks/onboard", listener.local_addr().unwrap())
    };
    let output = break_glass_with_webhook(&env, &url, true);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let err = stderr(&env, &output);
    assert!(err.contains("notify webhook (slack)"), "{err}");
    assert!(err.contains("granted anyway"), "{err}");
    assert_access_stands(&env);
    let recorded = recorded_notifications(&env);
    assert_eq!(recorded[0]["outcome"], "failed", "{recorded:?}");
    assert!(!recorded[0].to_string().contains(&url), "{recorded:?}");
}

#[test]
fn a_429_is_retried_after_what_it_asks_and_then_delivered() {
    let env = Env::example();
    let (url, bodies) = scripted_receiver(&[(429, "Retry-After: 1\r\n"), (204, "")]);
    let output = break_glass_with_webhook(&env, &url, true);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let err = stderr(&env, &output);
    assert!(!err.contains("notify"), "no warning once delivered: {err}");
    let bodies = bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    assert_eq!(bodies[0], bodies[1], "the same message, sent again");
    assert_access_stands(&env);
    let recorded = recorded_notifications(&env);
    assert_eq!(recorded[0]["outcome"], "delivered", "{recorded:?}");
    assert_eq!(recorded[0]["attempts"], 2);
}

#[test]
fn a_webhook_url_kept_as_a_reference_never_appears_in_output_state_or_audit() {
    let env = Env::example();
    // The receiver fails, so the URL has every chance to turn up in an error.
    let (url, _) = scripted_receiver(&[(500, "")]);
    let output = break_glass_with_webhook(&env, &url, true);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let shown = format!(
        "{}{}",
        stderr(&env, &output),
        crate::support::stdout(&output)
    );
    assert!(shown.contains("granted anyway"), "{shown}");
    let path = url.trim_start_matches("http://");
    assert!(!shown.contains(path), "{shown}");
    let audit = env
        .onboard(&["audit", "show", "--output", "json"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&audit.stdout).contains(path));
    // Every file the run wrote: ledger, requests, reviews, audit chains.
    crate::support::assert_secret_absent(&env.ws, path, "webhook URL");
}

#[test]
fn a_webhook_reference_that_cannot_be_read_is_a_warning_naming_it() {
    let env = Env::example();
    env.write(
        "policy.yaml",
        "break_glass:\n  notify:\n    webhook: env:ONBOARD_TEST_UNSET_WEBHOOK\n",
    );
    let output = daves_break_glass(
        &env,
        "essential-security-response",
        "domain admin locked out",
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let err = stderr(&env, &output);
    assert!(err.contains("ONBOARD_TEST_UNSET_WEBHOOK"), "{err}");
    assert!(err.contains("policy.yaml"), "{err}");
    assert_access_stands(&env);
}

#[test]
fn validate_warns_about_a_webhook_url_written_in_the_policy_file() {
    let env = Env::example();
    env.write(
        "policy.yaml",
        "break_glass:\n  notify:\n    webhook: https://hooks.slack.com/services/T0/B0/planted-hook-secret\n",
    );
    let output = env.onboard(&["validate"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let err = stderr(&env, &output);
    assert!(err.contains("warning"), "{err}");
    assert!(err.contains("is a secret"), "{err}");
    assert!(err.contains("policy.yaml:3"), "{err}");
    assert!(err.contains("env:"), "the hint names a reference: {err}");
    assert!(!err.contains("planted-hook-secret"), "{err}");
    // A reference gives no warning.
    env.write(
        "policy.yaml",
        "break_glass:\n  notify:\n    webhook: keyring:oncall-webhook\n",
    );
    let output = env.onboard(&["validate"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    assert!(!stderr(&env, &output).contains("is a secret"));
}

/// Alice asks for carol's privileged elevation in acme, which waits for approval, with
/// `notify.approvals` on a loopback receiver in `format` and dave's chat handles in his
/// identity file; returns the workspace and the message the receiver got.
fn pending_request_to(format: &str) -> (Env, serde_json::Value) {
    let env = Env::example();
    let (url, bodies) = scripted_receiver(&[(204, "")]);
    env.write(
        "policy.yaml",
        &format!(
            "notify:\n  approvals:\n    webhook: env:ONBOARD_TEST_APPROVALS_WEBHOOK\n    format: {format}\n"
        ),
    );
    let dave = env.read("identities/dave.yaml");
    env.write(
        "identities/dave.yaml",
        &format!("{dave}chat:\n  slack: U0DAVE1234\n  teams: dave@northwind-msp.example\n"),
    );
    let output = env
        .onboard(&crate::approvals::privileged_elevation("carol"))
        .env("ONBOARD_ACTOR", "alice")
        .env("ONBOARD_TEST_APPROVALS_WEBHOOK", &url)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let err = stderr(&env, &output);
    assert!(!err.contains("notify"), "delivered, so no warning: {err}");
    let bodies = bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    // The pending request's audit entry says who was told.
    let entry = audit_entry(&env, "acme", ("result", "pending"));
    assert_eq!(entry["detail"]["notifications"][0]["outcome"], "delivered");
    assert!(
        !entry
            .to_string()
            .contains(url.trim_start_matches("http://"))
    );
    (env, serde_json::from_str(&bodies[0]).unwrap())
}

#[test]
fn a_pending_request_reaches_slack_mentioning_the_people_who_may_approve_it() {
    let (_env, body) = pending_request_to("slack");
    let (text, blocks) = slack_message(&body);
    assert!(text.contains("<@U0DAVE1234>"), "dave, by member id: {text}");
    assert!(text.contains("onboard approve req-"), "{text}");
    let mentioned = blocks.last().unwrap().to_string();
    // A person who may approve, without a handle, is named.
    assert!(mentioned.contains("bob"), "{mentioned}");
    // Never the requester or the receiver, nor a person without MFA (privileged access).
    for party in ["alice", "carol", "frank"] {
        assert!(!mentioned.contains(party), "{party}: {mentioned}");
    }
    assert!(body.to_string().contains("premium-security-response"));
}

#[test]
fn a_pending_request_reaches_teams_as_a_card_mentioning_the_approvers() {
    let (_env, body) = pending_request_to("teams");
    let card = teams_card(&body);
    let entities = card["msteams"]["entities"].as_array().expect("mentions");
    assert_eq!(
        entities.len(),
        1,
        "only dave has a Teams handle: {entities:?}"
    );
    assert_eq!(entities[0]["type"], "mention");
    assert_eq!(entities[0]["mentioned"]["id"], "dave@northwind-msp.example");
    // Teams shows a mention only where its `<at>` text is in the card.
    let tag = entities[0]["text"].as_str().unwrap();
    assert!(card["body"].to_string().contains(tag), "{card}");
}

/// Adds chat handles to an identity file (`slack`, `teams`; either may be absent).
fn give_handles(env: &Env, identity: &str, slack: Option<&str>, teams: Option<&str>) {
    let path = format!("identities/{identity}.yaml");
    let mut text = env.read(&path);
    text.push_str("chat:\n");
    if let Some(id) = slack {
        text.push_str(&format!("  slack: {id}\n"));
    }
    if let Some(upn) = teams {
        text.push_str(&format!("  teams: {upn}\n"));
    }
    env.write(&path, &text);
}

/// A workspace whose `notify.decisions` webhook (in `format`) is kept in
/// `ONBOARD_TEST_DECISIONS_WEBHOOK`, with alice's chat handles, and alice's privileged
/// elevation for carol in acme waiting for approval; returns it and the request id.
fn pending_decision(format: &str) -> (Env, String) {
    let env = Env::example();
    env.write(
        "policy.yaml",
        &format!(
            "notify:\n  decisions:\n    webhook: env:ONBOARD_TEST_DECISIONS_WEBHOOK\n    format: {format}\n"
        ),
    );
    give_handles(
        &env,
        "alice",
        Some("U0ALICE123"),
        Some("alice@northwind-msp.example"),
    );
    let id = alices_pending_elevation(&env, "carol");
    (env, id)
}

/// Alice asks for `receiver`'s privileged elevation in acme, which waits for approval;
/// returns the request id.
fn alices_pending_elevation(env: &Env, receiver: &str) -> String {
    let output = env
        .onboard(&crate::approvals::privileged_elevation(receiver))
        .env("ONBOARD_ACTOR", "alice")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(env, &output));
    let id = crate::support::stdout(&output)
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string();
    assert!(id.starts_with("req-"), "{id}");
    id
}

/// Runs dave's decision (`approve ID` or `deny ID --reason …`) with the decisions
/// webhook at `url`.
fn decide(env: &Env, args: &[&str], url: &str) -> std::process::Output {
    env.onboard(args)
        .env("ONBOARD_ACTOR", "dave")
        .env("ONBOARD_TEST_DECISIONS_WEBHOOK", url)
        .env("ONBOARD_TEST_RETRY_SCALE", "0.01")
        .output()
        .unwrap()
}

/// Returns whether carol holds the privileged role in acme's tenant.
fn carol_is_privileged(env: &Env) -> bool {
    env.exists("state/ledger.json")
        && env
            .ledger()
            .grants
            .iter()
            .any(|g| g.client == "acme" && g.identity == "carol" && g.expires_at.is_some())
}

/// Decides alice's pending request as dave with the receiver answering 204; returns the
/// workspace, the request id and the one message received.
fn decision_to(format: &str, args: &[&str]) -> (Env, String, serde_json::Value) {
    let (env, id) = pending_decision(format);
    let (url, bodies) = scripted_receiver(&[(204, "")]);
    let mut full = args.to_vec();
    full.insert(1, &id);
    let output = decide(&env, &full, &url);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    assert!(!stderr(&env, &output).contains("notify"), "delivered");
    let bodies = bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 1, "one message: {bodies:?}");
    // The decision's audit entry says the requester was told, never where.
    let result = if args[0] == "approve" {
        "approved"
    } else {
        "denied"
    };
    let entry = audit_entry(&env, "acme", ("result", result));
    assert_eq!(entry["detail"]["notifications"][0]["outcome"], "delivered");
    assert!(
        !entry
            .to_string()
            .contains(url.trim_start_matches("http://"))
    );
    (env, id, serde_json::from_str(&bodies[0]).unwrap())
}

#[test]
fn an_approval_reaches_the_requester_in_slack_by_mention() {
    let (env, id, body) = decision_to("slack", &["approve"]);
    let (text, blocks) = slack_message(&body);
    assert!(
        text.contains("<@U0ALICE123>"),
        "alice, by member id: {text}"
    );
    assert!(
        text.contains(&format!("`dave` approved request `{id}`")),
        "{text}"
    );
    assert!(text.contains("until 2026-11-21T"), "when it ends: {text}");
    // The receiver, another person without a handle, is named.
    assert!(blocks.last().unwrap().to_string().contains("carol"));
    assert!(body.to_string().contains("premium-security-response"));
    assert!(carol_is_privileged(&env), "the approval granted the access");
}

#[test]
fn a_denial_reaches_the_requester_in_teams_by_mention_with_the_reason() {
    let (env, id, body) = decision_to("teams", &["deny", "--reason", "use <the> runbook"]);
    let card = teams_card(&body);
    let entities = card["msteams"]["entities"].as_array().expect("mentions");
    assert_eq!(
        entities.len(),
        1,
        "only alice has a Teams handle: {entities:?}"
    );
    assert_eq!(
        entities[0]["mentioned"]["id"],
        "alice@northwind-msp.example"
    );
    let tag = entities[0]["text"].as_str().unwrap();
    assert!(card["body"].to_string().contains(tag), "{card}");
    let shown = card["body"].to_string();
    assert!(shown.contains("Access request denied"), "{shown}");
    assert!(
        shown.contains(&format!("`dave` denied request `{id}`")),
        "{shown}"
    );
    assert!(shown.contains("use <the> runbook"), "the reason: {shown}");
    assert!(!carol_is_privileged(&env));
    assert_eq!(crate::approvals::status_of(&env, &id), "denied");
}

#[test]
fn a_decision_is_the_generic_json_event_for_a_json_webhook() {
    let (_env, id, body) = decision_to("json", &["deny", "--reason", "not this week"]);
    assert_eq!(body["event"], "request-decided");
    assert_eq!(body["decision"], "denied");
    assert_eq!(body["request"], id.as_str());
    assert_eq!(body["decided_by"], "dave");
    assert_eq!(body["decision_reason"], "not this week");
    assert_eq!(body["notify"][0]["id"], "alice");
    assert_eq!(body["notify"][0]["slack"], "U0ALICE123");
}

#[test]
fn a_decision_whose_receiver_is_down_stands_with_a_warning_and_is_audited() {
    for args in [&["approve"][..], &["deny", "--reason", "not this week"]] {
        let (env, id) = pending_decision("slack");
        let (url, bodies) = scripted_receiver(&[(503, "")]);
        let mut full = args.to_vec();
        full.insert(1, &id);
        let output = decide(&env, &full, &url);
        let err = stderr(&env, &output);
        assert_eq!(output.status.code(), Some(0), "{err}");
        assert!(err.contains("notify webhook (slack)"), "{err}");
        assert!(err.contains("HTTP 503"), "{err}");
        let (result, anyway) = if args[0] == "approve" {
            ("approved", "approved anyway")
        } else {
            ("denied", "denied anyway")
        };
        assert!(err.contains(anyway), "{err}");
        assert!(bodies.lock().unwrap().len() >= 2, "retried");
        // The decision stands: saved, and for an approval, granted.
        assert_eq!(crate::approvals::status_of(&env, &id), result);
        assert_eq!(carol_is_privileged(&env), result == "approved");
        let entry = audit_entry(&env, "acme", ("result", result));
        assert_eq!(entry["detail"]["notified"], false, "{entry}");
        let failures = entry["detail"]["notify_failures"].as_array().unwrap();
        assert_eq!(failures.len(), 1, "{entry}");
        assert!(failures[0].as_str().unwrap().contains("HTTP 503"));
        // Never the webhook URL, in output or anywhere the run wrote.
        let path = url.trim_start_matches("http://");
        let shown = format!("{err}{}", crate::support::stdout(&output));
        assert!(!shown.contains(path), "{shown}");
        crate::support::assert_secret_absent(&env.ws, path, "webhook URL");
    }
}

/// Writes `notify.expiring` with the webhook kept in `ONBOARD_TEST_EXPIRING_WEBHOOK`,
/// in `format`, with `extra` lines under it.
fn expiring_policy(env: &Env, format: &str, extra: &str) {
    env.write(
        "policy.yaml",
        &format!(
            "notify:\n  expiring:\n    webhook: env:ONBOARD_TEST_EXPIRING_WEBHOOK\n    format: {format}\n{extra}"
        ),
    );
}

/// Runs a command at `now` with the expiring webhook at `url`.
fn with_expiring_hook(env: &Env, now: &str, args: &[&str], url: &str) -> std::process::Output {
    env.onboard_at(now, args)
        .env("ONBOARD_TEST_EXPIRING_WEBHOOK", url)
        .env("ONBOARD_TEST_RETRY_SCALE", "0.01")
        .output()
        .unwrap()
}

/// Dave's break-glass into initech (access for the policy's 1h), for a digest to list.
fn daves_emergency_access(env: &Env) {
    let output = daves_break_glass(env, "essential-security-response", "ransomware on a host");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(env, &output));
}

/// A workspace with `notify.expiring` in `format` (and `extra` lines under it) on a
/// loopback receiver answering `status`, where dave holds break-glass access in
/// initech until 13:00; returns it, the receiver's URL and the bodies it gets.
fn digest_bench(
    format: &str,
    extra: &str,
    status: u16,
) -> (Env, String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let env = Env::example();
    expiring_policy(&env, format, extra);
    daves_emergency_access(&env);
    let (url, bodies) = scripted_receiver(&[(status, "")]);
    (env, url, bodies)
}

/// The `notify` entries of the workspace's audit chain.
fn digest_entries(env: &Env) -> Vec<serde_json::Value> {
    let output = env
        .onboard(&[
            "audit",
            "show",
            "--client",
            "_workspace",
            "--output",
            "json",
        ])
        .output()
        .unwrap();
    if !output.status.success() {
        return Vec::new();
    }
    let shown: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    shown["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "notify")
        .cloned()
        .collect()
}

#[test]
fn expire_notify_sends_a_digest_of_what_still_ends_within_the_window() {
    let (env, url, bodies) = digest_bench("json", "", 204);
    let before = env.ledger().grants.len();
    let output = with_expiring_hook(&env, crate::support::NOW, &["expire", "--notify"], &url);
    let err = stderr(&env, &output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(err.contains("Sent the digest of"), "{err}");
    let bodies = bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    let event: serde_json::Value = serde_json::from_str(&bodies[0]).unwrap();
    assert_eq!(event["event"], "access-expiring");
    assert_eq!(event["within"], "7d", "the default window");
    let clients = event["clients"].as_array().unwrap();
    assert_eq!(clients.len(), 1, "{event}");
    assert_eq!(clients[0]["client"], "initech");
    let grants = clients[0]["grants"].as_array().unwrap();
    assert!(!grants.is_empty());
    for grant in grants {
        assert_eq!(grant["identity"], "dave");
        assert_eq!(grant["expires_at"], "2026-11-21T13:00:00Z", "{grant}");
        for field in ["entitlement", "tenant"] {
            assert!(grant[field].is_string(), "{field}: {grant}");
        }
    }
    assert_eq!(event["count"], grants.len());
    // A digest changes no ledger state, and is recorded.
    assert_eq!(env.ledger().grants.len(), before);
    let entries = digest_entries(&env);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["result"], "delivered");
    assert_eq!(entries[0]["detail"]["clients"]["initech"], grants.len());
    assert_eq!(
        entries[0]["detail"]["notifications"][0]["channel"],
        "webhook (json)"
    );
    let verify = env.onboard(&["audit", "verify"]).output().unwrap();
    assert!(verify.status.success(), "{}", stderr(&env, &verify));
    // `state rebuild` replays the chains: the `notify` entry changes nothing.
    let held = env.ledger_grants_sorted();
    let rebuilt = env.onboard(&["state", "rebuild"]).output().unwrap();
    assert!(rebuilt.status.success(), "{}", stderr(&env, &rebuilt));
    assert_eq!(env.ledger_grants_sorted(), held);
}

#[test]
fn expire_notify_digests_what_remains_after_the_run_and_sends_nothing_when_empty() {
    let (env, url, bodies) = digest_bench("slack", "", 204);
    // Two hours on, the break-glass access has ended: expire removes it, and nothing
    // is left to digest.
    let later = "2026-11-21T14:00:00Z";
    let output = with_expiring_hook(&env, later, &["expire", "--notify"], &url);
    let err = stderr(&env, &output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(err.contains("no digest sent"), "{err}");
    assert!(bodies.lock().unwrap().is_empty(), "nothing sent");
    assert!(
        !env.ledger()
            .grants
            .iter()
            .any(|g| g.expires_at.as_deref() == Some("2026-11-21T13:00:00Z")),
        "the ended break-glass access is expired"
    );
    assert!(digest_entries(&env).is_empty());
}

#[test]
fn the_policy_window_sets_what_expire_notify_digests() {
    // A window shorter than the hour the break-glass access has left.
    let (env, url, bodies) = digest_bench("json", "    within: 30m\n", 204);
    let output = with_expiring_hook(&env, crate::support::NOW, &["expire", "--notify"], &url);
    let err = stderr(&env, &output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(err.contains("No access ends within 30m"), "{err}");
    assert!(bodies.lock().unwrap().is_empty());
}

#[test]
fn status_notify_sends_the_listed_access_to_teams_and_records_it() {
    let (env, url, bodies) = digest_bench("teams", "", 204);
    let args = ["status", "--expiring-within", "2h", "--notify"];
    let output = with_expiring_hook(&env, crate::support::NOW, &args, &url);
    let err = stderr(&env, &output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    // The table is still the data on stdout.
    assert!(crate::support::stdout(&output).contains("dave"));
    let bodies = bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    let body: serde_json::Value = serde_json::from_str(&bodies[0]).unwrap();
    let card = teams_card(&body);
    let shown = card["body"].to_string();
    assert!(shown.contains("Access expiring within 2h"), "{shown}");
    assert!(shown.contains("initech ("), "a heading per client: {shown}");
    let facts = card["body"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "FactSet")
        .flat_map(|e| e["facts"].as_array().unwrap().clone())
        .collect::<Vec<_>>();
    assert!(!facts.is_empty());
    assert!(facts.iter().all(|f| f["title"] == "dave"), "{facts:?}");
    assert!(
        facts[0]["value"]
            .as_str()
            .unwrap()
            .contains("until 2026-11-21T13:00:00Z")
    );
    let entries = digest_entries(&env);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["detail"]["within"], "2h");
    // Without `--notify`, status writes nothing.
    let before = digest_entries(&env).len();
    let plain = env
        .onboard(&["status", "--expiring-within", "2h"])
        .output()
        .unwrap();
    assert!(plain.status.success());
    assert_eq!(digest_entries(&env).len(), before);
}

#[test]
fn a_digest_whose_receiver_is_down_is_a_warning_recorded_with_its_failure() {
    let (env, url, _) = digest_bench("slack", "", 500);
    let later = "2026-11-21T14:00:00Z";
    // A second break-glass at the later hour, still in force then, while expire removes
    // the first.
    let bundle = "essential-security-response";
    let output = daves_break_glass_at(&env, later, bundle, "ransomware again");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let output = with_expiring_hook(&env, "2026-11-21T14:30:00Z", &["expire", "--notify"], &url);
    let err = stderr(&env, &output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(err.contains("notify webhook (slack)"), "{err}");
    assert!(err.contains("HTTP 500"), "{err}");
    // The expiry stands: the first break-glass access is gone, the second listed.
    let ends: Vec<_> = env
        .ledger()
        .grants
        .into_iter()
        .filter_map(|g| g.expires_at)
        .collect();
    assert!(
        !ends.iter().any(|e| e == "2026-11-21T13:00:00Z"),
        "{ends:?}"
    );
    assert!(ends.iter().any(|e| e == "2026-11-21T15:00:00Z"), "{ends:?}");
    let entries = digest_entries(&env);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["result"], "failed");
    assert_eq!(
        entries[0]["detail"]["notify_failures"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let path = url.trim_start_matches("http://");
    let shown = format!("{err}{}", crate::support::stdout(&output));
    assert!(!shown.contains(path), "{shown}");
    crate::support::assert_secret_absent(&env.ws, path, "webhook URL");
}

#[test]
fn notify_without_an_expiring_hook_is_an_error_naming_the_policy_field() {
    let env = Env::example();
    daves_emergency_access(&env);
    let before = env.ledger();
    for args in [
        &["expire", "--notify"][..],
        &["status", "--expiring-within", "7d", "--notify"],
    ] {
        let output = env
            .onboard_at("2026-11-21T14:00:00Z", args)
            .output()
            .unwrap();
        let err = stderr(&env, &output);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("`notify.expiring`"), "{err}");
        assert!(err.contains("hint:"), "{err}");
    }
    // Refused before any work: the ended access was not expired by that run.
    assert_eq!(env.ledger().grants.len(), before.grants.len());
    assert!(digest_entries(&env).is_empty());
}

#[test]
fn a_digest_reaches_a_command_as_the_json_event_on_stdin() {
    let env = Env::example();
    let out = env.ws.join("digest.json");
    env.write(
        "policy.yaml",
        &format!(
            "notify:\n  expiring:\n    command: [sh, -c, \"cat > {}\"]\n",
            out.display()
        ),
    );
    daves_emergency_access(&env);
    let output = env
        .onboard(&["status", "initech", "--notify"])
        .output()
        .unwrap();
    let err = stderr(&env, &output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(err.contains("to command `sh`"), "{err}");
    let event: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(event["event"], "access-expiring");
    // Without `--expiring-within`, the policy's window (7d by default).
    assert_eq!(event["within"], "7d");
    let grants = event["clients"][0]["grants"].as_array().unwrap();
    assert!(grants.iter().all(|g| g["identity"] == "dave"), "{event}");
    let entries = digest_entries(&env);
    assert_eq!(
        entries[0]["detail"]["notifications"][0]["channel"],
        "command `sh`"
    );
}

#[test]
fn a_requester_withdrawing_their_own_request_is_not_told_of_it() {
    let env = Env::example();
    env.write(
        "policy.yaml",
        "notify:\n  decisions:\n    webhook: env:ONBOARD_TEST_DECISIONS_WEBHOOK\n",
    );
    let id = alices_pending_elevation(&env, "alice");
    let (url, bodies) = scripted_receiver(&[(204, "")]);
    let output = env
        .onboard(&["deny", &id, "--reason", "not needed after all"])
        .env("ONBOARD_ACTOR", "alice")
        .env("ONBOARD_TEST_DECISIONS_WEBHOOK", &url)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    assert_eq!(crate::approvals::status_of(&env, &id), "denied");
    assert!(bodies.lock().unwrap().is_empty(), "nobody else to tell");
}
