//! Untrusted text (ids and values from workspace files, account names and error
//! messages from tenants) reaches the terminal with its control characters escaped:
//! no raw ESC, NUL or bidi override in any output stream, whatever the command or
//! format, and JSON output still valid JSON carrying the same values.

use std::process::Output;

use serde_json::Value;

use crate::support::{Env, stderr, stdout};

/// The raw bytes that must never reach a terminal: ESC, NUL, U+202E (RIGHT-TO-LEFT
/// OVERRIDE), DEL and U+009B (CSI, a C1 control) in UTF-8. (JSON strings may hold the
/// last three raw: onboard escapes them in JSON output too.)
const RAW: [&[u8]; 5] = [
    b"\x1b",
    b"\0",
    "\u{202e}".as_bytes(),
    b"\x7f",
    "\u{9b}".as_bytes(),
];

/// An account the tenant holds outside onboard, named with escape sequences.
const DRIFT_ACCOUNT: &str = "mallory\u{1b}[31m\u{0}\u{202e}\u{7f}\u{9b}2J@acme.example";

/// Fails when an output stream holds a raw control byte; returns both streams as text.
fn shown(env: &Env, what: &str, output: &Output) -> String {
    for (stream, bytes) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
        for raw in RAW {
            assert!(
                !bytes.windows(raw.len()).any(|w| w == raw),
                "`{what}` wrote {raw:02x?} raw on {stream}: {}",
                String::from_utf8_lossy(bytes)
            );
        }
    }
    format!("{}{}", stdout(output), stderr(env, output))
}

/// Returns whether a JSON value holds a string containing `needle`.
fn holds(value: &Value, needle: &str) -> bool {
    match value {
        Value::String(s) => s.contains(needle),
        Value::Array(items) => items.iter().any(|v| holds(v, needle)),
        Value::Object(map) => map.values().any(|v| holds(v, needle)),
        _ => false,
    }
}

#[test]
fn validate_shows_control_characters_in_file_values_escaped() {
    let env = Env::example();
    env.edit(
        "identities/bob.yaml",
        "functions: [backup-administration, cloud-operations]",
        "functions: [backup-administration, \"\\e[31mevil\\0\\u202E\"]",
    );
    for args in [&["validate"][..], &["validate", "-o", "json"], &["plan"]] {
        let output = env.onboard(args).output().unwrap();
        assert_ne!(output.status.code(), Some(0), "{args:?}");
        let text = shown(&env, &args.join(" "), &output);
        assert!(
            text.contains("\\u001b[31mevil\\u0000\\u202e"),
            "{args:?}: the value is not shown escaped: {text}"
        );
    }
}

#[test]
fn tenant_answers_with_control_characters_are_shown_escaped_everywhere() {
    let env = Env::example();
    let tenant = |members: Value, faults: Value, id: &str, system: &str| {
        serde_json::to_string_pretty(&serde_json::json!({
            "format_version": 1,
            "tenant_id": id,
            "system": system,
            "entitlements": members,
            "faults": faults,
        }))
        .unwrap()
    };
    env.write(
        "tenants/acme/entra/tenant.json",
        &tenant(
            serde_json::json!({ "group:MSP-Backup": [
                { "account": DRIFT_ACCOUNT, "granted_at": "2026-01-01T00:00:00Z" }
            ]}),
            serde_json::json!({ "grant": "refused by \u{1b}[2J\u{0} policy" }),
            "acme/entra",
            "entra",
        ),
    );
    env.write(
        "tenants/initech/scim/tenant.json",
        &tenant(
            serde_json::json!({}),
            serde_json::json!({ "list": "unreadable \u{1b}[31m\u{1b}]0;pwned\u{7}\u{0}" }),
            "initech/scim",
            "scim",
        ),
    );
    let mut everything = String::new();
    let mut run_as = |actor: &str, args: &[&str]| {
        let output = env
            .onboard(args)
            .env("ONBOARD_ACTOR", actor)
            .output()
            .unwrap();
        everything.push_str(&shown(&env, &args.join(" "), &output));
        output
    };
    for format in ["table", "markdown"] {
        run_as(
            "test:runner",
            &["plan", "acme", "initech", "--verbose", "-o", format],
        );
    }
    let planned = run_as("test:runner", &["plan", "acme", "initech", "-o", "json"]);
    let planned: Value = serde_json::from_slice(&planned.stdout).unwrap();
    assert!(holds(&planned, DRIFT_ACCOUNT), "{planned:#}");
    run_as(
        "test:runner",
        &["apply", "acme", "initech", "--yes", "--verbose"],
    );
    let applied = run_as("test:runner", &["apply", "acme", "--yes", "-o", "json"]);
    let applied: Value = serde_json::from_slice(&applied.stdout).unwrap();
    assert!(
        holds(&applied, "refused by \u{1b}[2J\u{0} policy"),
        "{applied:#}"
    );
    for format in ["table", "markdown", "json"] {
        run_as("test:runner", &["status", "-o", format]);
    }
    run_as("test:runner", &["audit", "show"]);
    let audit = run_as("test:runner", &["audit", "show", "-o", "json"]);
    let audit: Value = serde_json::from_slice(&audit.stdout).unwrap();
    assert!(holds(&audit, "refused by \u{1b}[2J\u{0} policy"));
    // Granted at once or not (the SCIM tenant is unreadable), the request is recorded.
    run_as(
        "dave",
        &[
            "elevate",
            "--client",
            "initech",
            "--bundle",
            "essential-helpdesk",
            "--ticket",
            "T-\u{1b}[31m9\u{202e}",
            "--reason",
            "x\u{1b}]0;title\u{7}",
        ],
    );
    run_as("test:runner", &["requests"]);
    let requests = run_as("test:runner", &["requests", "-o", "json"]);
    let requests: Value = serde_json::from_slice(&requests.stdout).unwrap();
    assert!(holds(&requests, "T-\u{1b}[31m9\u{202e}"), "{requests:#}");

    // With colour on, only onboard's own colour sequences are written raw.
    for args in [
        &["plan", "acme", "initech", "--color", "always"][..],
        &["apply", "acme", "initech", "--yes", "--color", "always"],
    ] {
        let output = env.onboard(args).output().unwrap();
        let text = [output.stdout, output.stderr].concat();
        for raw in [
            &b"\x1b[2J"[..],
            b"\x1b]0;",
            b"mallory\x1b",
            b"unreadable \x1b",
            b"\0",
            "\u{202e}".as_bytes(),
        ] {
            assert!(
                !text.windows(raw.len()).any(|w| w == raw),
                "{args:?} wrote {raw:02x?} raw: {}",
                String::from_utf8_lossy(&text)
            );
        }
        assert!(
            text.windows(5)
                .any(|w| w == b"\x1b[32m" || w == b"\x1b[33m")
        );
    }

    for escaped in [
        "mallory\\u001b[31m\\u0000\\u202e\\u007f\\u009b2J@acme.example",
        "refused by \\u001b[2J\\u0000 policy",
        "unreadable \\u001b[31m\\u001b]0;pwned\\u0007\\u0000",
        "T-\\u001b[31m9\\u202e",
    ] {
        assert!(
            everything.contains(escaped),
            "`{escaped}` is not shown: {everything}"
        );
    }
}
