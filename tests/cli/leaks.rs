//! A tenant that echoes onboard's credential back in its error bodies: the credential,
//! in every encoding the tenant wrote it in, reaches no output stream and no file (plan,
//! ledger, audit entries), whatever the command and output format.

use crate::peers::{Fault, Rule};
use crate::scim::{behind_proxy, fixture, onboard};
use crate::support::{assert_secret_absent, stderr};

/// Holds a `/` and a `+`, so that its URL-encoded form differs from it.
const TOKEN: &str = "leak-Canary/T0k3n+9q";

/// The forms of the token the echoing tenant writes: as is, URL-encoded, and a run of
/// the base64 of `onboard:TOKEN` (the Basic form) that depends only on the token.
fn forms() -> Vec<String> {
    let basic = onboard::secrets::scrub::base64(format!("onboard:{TOKEN}").as_bytes(), false);
    vec![
        TOKEN.to_string(),
        TOKEN.replace('/', "%2F").replace('+', "%2B"),
        basic[12..24].to_string(),
    ]
}

fn echo(method: &'static str, path_contains: &'static str, status: u16) -> Rule {
    Rule {
        method: Some(method),
        path_contains,
        skip: 0,
        times: usize::MAX,
        fault: Fault::EchoCredential(status),
    }
}

#[test]
fn a_credential_the_tenant_echoes_is_scrubbed_from_output_plans_ledger_and_audit() {
    let Some(f) = fixture("leaks", TOKEN, &[]) else {
        return;
    };
    let proxy = behind_proxy(&f);
    let mut everything = String::new();
    let mut run = |args: &[&str]| {
        let output = onboard(&f, args).output().unwrap();
        everything.push_str(&String::from_utf8_lossy(&output.stdout));
        everything.push_str(&stderr(&f.env, &output));
        output.status.code()
    };

    // Reads refused with the credential echoed: plan reasons and apply warnings.
    proxy.add(echo("GET", "/Groups", 403));
    for format in ["table", "json", "markdown"] {
        run(&["plan", "initech", "--verbose", "-o", format]);
    }
    run(&["plan", "initech", "--out", "plan.json"]);
    run(&["apply", "initech", "--yes", "--verbose"]);

    // Writes refused with the credential echoed: failed grants in the audit log.
    proxy.clear();
    proxy.add(echo("PATCH", "/Groups/", 400));
    run(&["apply", "initech", "--yes"]);
    run(&["apply", "initech", "--yes", "--verbose", "-o", "json"]);
    run(&["status", "-o", "json"]);
    run(&["audit", "show"]);
    run(&["audit", "show", "-o", "json"]);
    assert_eq!(run(&["audit", "verify"]), Some(0), "{everything}");

    // The tenant's words got through, without the credential.
    assert!(
        everything.contains("the credential `Bearer [redacted]` (url `[redacted]`"),
        "the tenant's echo is not shown, scrubbed: {everything}"
    );
    let audit = onboard(&f, &["audit", "show", "-o", "json"])
        .output()
        .unwrap();
    let audit: serde_json::Value = serde_json::from_slice(&audit.stdout).unwrap();
    let errors: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["error"].as_str())
        .collect();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("the credential `Bearer [redacted]`")),
        "no failed grant recorded the tenant's error: {errors:?}"
    );

    let lowered = everything.to_lowercase();
    for form in forms() {
        assert!(
            !lowered.contains(&form.to_lowercase()),
            "`{form}` leaked into output: {everything}"
        );
        let files = assert_secret_absent(&f.env.root, &form, "echoed token");
        assert!(files.iter().any(|p| p.ends_with("state/ledger.json")));
        assert!(files.iter().any(|p| p.ends_with("plan.json")));
        assert!(
            files
                .iter()
                .any(|p| p.extension().is_some_and(|e| e == "jsonl"))
        );
    }
}
