//! A 500-change apply against an Okta org with a fixed rate limit: the adapter reads
//! `X-Rate-Limit-*` on every answer and slows down before the window runs out, so the
//! apply finishes with no failed change and (nearly) no 429.

use std::time::Instant;

use crate::fake_okta::{self, Handle};
use crate::support::{ApplyJson, Env, stderr};

/// Changes in the apply.
const CHANGES: usize = 500;
/// Requests per window, and the window in seconds.
const LIMIT: (u64, u64) = (200, 1);

/// A workspace with `count` technicians who all want `group:MSP-Helpdesk` in one Okta
/// org reached at `endpoint` with the token in `OKTA_TOKEN`.
pub fn workspace(endpoint: &str, count: usize) -> Env {
    let mut files = vec![
        (
            "onboard.toml".to_string(),
            "[apply]\nparallelism = 1\n".to_string(),
        ),
        (
            "bundles/helpdesk.yaml".to_string(),
            "id: standard-helpdesk\ntier: standard\nfunction: helpdesk\ndescription: Helpdesk\ngrants:\n  - { system: okta, entitlement: \"group:MSP-Helpdesk\" }\n".to_string(),
        ),
        (
            "clients/acme.yaml".to_string(),
            format!(
                "id: acme\ntier: standard\ntenants:\n  - name: okta\n    system: okta\n    adapter: okta\n    endpoint: {endpoint}\n    credential: env:OKTA_TOKEN\n    domain: acme.example\n"
            ),
        ),
    ];
    for n in 0..count {
        files.push((
            format!("identities/tech-{n:04}.yaml"),
            format!(
                "id: tech-{n:04}\nkind: person\ndisplay_name: Technician {n}\nemail: tech-{n:04}@msp.example\nfunctions: [helpdesk]\nmfa: enforced\n"
            ),
        ));
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    Env::with_files(&refs)
}

#[test]
fn a_500_change_apply_under_a_fixed_rate_limit_fails_nothing() {
    let token = format!("okta-token-{}-throttle", std::process::id());
    let org = Handle::create(&token);
    for n in 0..CHANGES {
        org.add_user(&format!("tech-{n:04}@acme.example"));
    }
    org.add_group("MSP-Helpdesk", "OKTA_GROUP", &[]);
    org.with(|o| {
        o.page_size = 200;
        o.rate_limit = Some(LIMIT);
    });
    let port = fake_okta::direct();
    let env = workspace(&format!("http://127.0.0.1:{port}"), CHANGES);
    let started = Instant::now();
    let output = env
        .onboard(&["apply", "--yes", "--output", "json"])
        .env("OKTA_TOKEN", &token)
        .env_remove("ONBOARD_TEST_RETRY_SCALE")
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let applied: ApplyJson = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(applied.failed, 0);
    assert_eq!(applied.results.len(), CHANGES);
    assert_eq!(org.members("MSP-Helpdesk").len(), CHANGES);
    let (requests, throttled) = org.with(|o| (o.requests, o.throttled));
    let rate = requests as f64 / elapsed.as_secs_f64();
    eprintln!(
        "{requests} requests in {:.1} s: {rate:.0}/s against a limit of {}/s, {throttled} answered 429",
        elapsed.as_secs_f64(),
        LIMIT.0 / LIMIT.1
    );
    // Paced by the headers, not by 429s: at most a stray one at a window's edge.
    assert!(throttled <= 2, "{throttled} requests were answered 429");
}
