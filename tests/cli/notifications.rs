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
    env.onboard(&[
        "break-glass",
        "--client",
        "initech",
        "--bundle",
        bundle,
        "--reason",
        reason,
    ])
    .env("ONBOARD_ACTOR", "dave")
    .env("ONBOARD_TEST_RETRY_SCALE", "0")
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

#[test]
fn break_glass_reaches_a_slack_webhook_as_blocks_with_a_text_fallback() {
    let (_env, body) = break_glass_to("slack");
    let text = body["text"].as_str().expect("a `text` fallback");
    assert!(text.contains("BREAK-GLASS"), "{text}");
    // User text is escaped: Slack reads `<…>` as markup (mentions, links).
    assert!(text.contains("&lt;locked&gt;"), "{text}");
    let blocks = body["blocks"].as_array().expect("`blocks`");
    assert!(!blocks.is_empty());
    for block in blocks {
        assert!(block["type"].is_string(), "a block without a type: {block}");
    }
    assert!(body.to_string().contains("essential-security-response"));
    assert!(body.get("event").is_none(), "not the generic event: {body}");
}

#[test]
fn break_glass_reaches_a_teams_webhook_as_an_adaptive_card() {
    let (_env, body) = break_glass_to("teams");
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

/// Answers every request on loopback with HTTP 500 until the test ends.
fn failing_receiver() -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks/onboard", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut buffer = [0u8; 65536];
            let _ = stream.read(&mut buffer);
            let _ = stream.write_all(
                b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    url
}

#[test]
fn a_receiver_that_fails_is_a_warning_and_the_access_stands() {
    let env = Env::example();
    let url = failing_receiver();
    env.write(
        "policy.yaml",
        &format!("break_glass:\n  notify:\n    webhook: {url}\n    format: slack\n"),
    );
    let output = daves_break_glass(
        &env,
        "essential-security-response",
        "domain admin locked out",
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let err = stderr(&env, &output);
    assert!(err.contains("notify webhook"), "{err}");
    assert!(err.contains("granted anyway"), "{err}");
    // The warning names the hook, not its URL (a webhook URL is a credential).
    let shown = format!("{err}{}", crate::support::stdout(&output));
    assert!(!shown.contains(&url), "{shown}");
    assert!(
        env.ledger()
            .grants
            .iter()
            .any(|g| g.sources.iter().any(|s| s.starts_with("break-glass:"))),
        "the access stands"
    );
    let shown = audit_show(&env, &["--client", "initech"]);
    assert!(shown.results().contains(&("break-glass", "granted")));
}
