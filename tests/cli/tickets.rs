//! Tickets: access bound to real tickets. Elevation is refused for a missing, closed or
//! foreign ticket and granted for an open one; `expire` revokes what rests on a ticket
//! that closed and leaves "unknown" what rests on one the provider cannot answer about;
//! notes are written back; the generic `command` and `webhook` kinds; the PSA's
//! credentials never leave onboard. Against the loopback ConnectWise fake
//! (`fake_psa.rs`), which checks every request.

use std::process::Output;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::fake::{Reply, Request, Server};
use crate::fake_psa::{Credentials, FakePsa, Mode};
use crate::governance::{json_items, open_review_id};
use crate::support::{Env, NOW, assert_secret_absent, stderr};

/// The planted ConnectWise private key and clientId: they must never appear anywhere.
const PRIVATE_KEY: &str = "cwpriv-PLANTED-5e1f9a7c3b2d";
const CLIENT_ID: &str = "c1d2e3f4-PLANTED-clientid-9a8b";

/// The example workspace with `[tickets]` pointing at a fresh ConnectWise fake; the
/// example's exceptions carry tickets the fake knows (open).
fn connectwise(write_back: bool) -> (Env, FakePsa) {
    let psa = FakePsa::start(Credentials {
        company_id: "northwind",
        public_key: "pubkey-northwind",
        private_key: PRIVATE_KEY.into(),
        client_id: CLIENT_ID.into(),
    });
    let env = Env::example();
    set_provider(&env, &psa.endpoint, write_back);
    env.edit(
        "clients/globex.yaml",
        "ticket: CHG-2210",
        "ticket: \"2210\"",
    );
    env.edit(
        "clients/globex.yaml",
        "tenants:\n",
        "psa_company: GLOBEX\ntenants:\n",
    );
    env.edit("clients/acme.yaml", "ticket: INC-4471", "ticket: \"4471\"");
    env.edit(
        "clients/acme.yaml",
        "tenants:\n",
        "psa_company: ACME\ntenants:\n",
    );
    psa.open(2210, "GLOBEX");
    psa.open(4471, "ACME");
    (env, psa)
}

/// Writes `[tickets]` for a ConnectWise endpoint into `onboard.toml`.
fn set_provider(env: &Env, endpoint: &str, write_back: bool) {
    let settings = env.read("onboard.toml");
    let settings = settings.split("\n[tickets]").next().unwrap().to_string();
    env.write(
        "onboard.toml",
        &format!(
            "{settings}\n[tickets]\nkind = \"connectwise\"\nendpoint = \"{endpoint}\"\ncompany_id = \"northwind\"\npublic_key = \"pubkey-northwind\"\nprivate_key = \"env:CW_PRIVATE_KEY\"\nclient_id = \"env:CW_CLIENT_ID\"\nwrite_back = {write_back}\n"
        ),
    );
}

/// Returns an endpoint on a loopback port nothing listens on: a provider that is down.
fn dead_endpoint() -> String {
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = dead.local_addr().unwrap().port();
    format!("http://127.0.0.1:{port}/v4_6_release/apis/3.0")
}

/// Runs onboard as `who` at `now`, with the PSA's credentials in the environment.
fn run_at(env: &Env, now: &str, who: &str, args: &[&str]) -> Output {
    env.onboard_at(now, args)
        .env("ONBOARD_ACTOR", who)
        .env("CW_PRIVATE_KEY", PRIVATE_KEY)
        .env("CW_CLIENT_ID", CLIENT_ID)
        .env("ONBOARD_HTTP_TIMEOUT", "5s")
        .output()
        .unwrap()
}

/// The arguments of globex's helpdesk elevation (granted at once) for `ticket`, after
/// `global` flags.
fn elevation<'a>(global: &[&'a str], ticket: &'a str) -> Vec<&'a str> {
    let mut args = global.to_vec();
    args.extend([
        "elevate",
        "--client",
        "globex",
        "--bundle",
        "standard-helpdesk",
        "--ticket",
        ticket,
        "--reason",
        "password reset",
    ]);
    args
}

/// alice asks for globex's helpdesk elevation for `ticket`.
fn elevate(env: &Env, ticket: &str) -> Output {
    run_at(env, NOW, "alice", &elevation(&[], ticket))
}

/// Returns how many recorded grants rest on `ticket`.
fn grants_on(env: &Env, ticket: &str) -> usize {
    if !env.exists("state/ledger.json") {
        return 0;
    }
    env.ledger()
        .grants
        .iter()
        .filter(|g| g.ticket.as_deref() == Some(ticket))
        .count()
}

/// Asserts a `ticket-open` refusal (exit 3, with a hint) saying `words`.
fn assert_refused(env: &Env, output: &Output, words: &str) {
    let err = stderr(env, output);
    assert_eq!(output.status.code(), Some(3), "{err}");
    assert!(err.contains("policy `ticket-open`"), "{err}");
    assert!(err.contains(words), "{err}");
    assert!(err.contains("hint:"), "{err}");
}

#[test]
fn elevation_needs_an_open_ticket_of_the_client_and_ends_when_it_closes() {
    let (env, psa) = connectwise(true);
    psa.open(7001, "GLOBEX");
    psa.open(7002, "ACME");
    psa.open(7003, "GLOBEX");
    psa.close(7003, "2026-11-20T08:00:00Z");
    assert_refused(
        &env,
        &elevate(&env, "7003"),
        "ticket `7003` is closed (status `Closed (resolved)`)",
    );
    assert_refused(
        &env,
        &elevate(&env, "7002"),
        "belongs to company `ACME`, not to client `globex`",
    );
    assert_refused(&env, &elevate(&env, "9999"), "ticket `9999` does not exist");
    assert_refused(
        &env,
        &elevate(&env, "INC-5"),
        "ticket `INC-5` does not exist",
    );
    assert_eq!(
        grants_on(&env, "7003") + grants_on(&env, "7002") + grants_on(&env, "9999"),
        0
    );
    // Each refusal is audited under the rule.
    let denials: Vec<_> = json_items(&env, &["audit", "show", "--client", "globex"], "entries")
        .into_iter()
        .filter(|e| e["kind"] == "denial" && e["error_code"] == "ticket-open")
        .collect();
    assert_eq!(denials.len(), 4, "{denials:?}");

    let output = elevate(&env, "7001");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let granted = grants_on(&env, "7001");
    assert!(granted > 0);
    let notes = psa.notes();
    assert!(
        notes.iter().any(|(id, n)| *id == 7001
            && n["text"].as_str().unwrap().contains("granted")
            && n["text"].as_str().unwrap().contains("`alice`")
            && n["text"]
                .as_str()
                .unwrap()
                .contains("until 2026-11-21T20:00:00Z")
            && n["text"].as_str().unwrap().contains("audit entry globex#")),
        "{notes:?}"
    );

    // The ticket closes; the next `expire` (before the TTL ends) revokes the access,
    // asking about the ticket once.
    psa.close(7001, "2026-11-21T14:00:00Z");
    let asked = psa.lookups().len();
    let output = run_at(&env, "2026-11-21T15:00:00Z", "cron", &["expire"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    assert_eq!(grants_on(&env, "7001"), 0);
    let lookups = psa.lookups();
    assert_eq!(
        lookups[asked..].iter().filter(|id| **id == 7001).count(),
        1,
        "{lookups:?}"
    );
    let entries = json_items(&env, &["audit", "show", "--client", "globex"], "entries");
    let revocation = entries
        .iter()
        .find(|e| e["kind"] == "revocation" && e["ticket"] == "7001")
        .expect("the ticket's revocation is audited");
    assert_eq!(revocation["detail"]["closed_at"], "2026-11-21T14:00:00Z");
    assert_eq!(revocation["detail"]["action"], "ticket-closed");
    let revoked: Vec<_> = entries
        .iter()
        .filter(|e| {
            e["ticket"] == "7001"
                && e["result"] == "ok"
                && e["reason"]
                    .as_str()
                    .is_some_and(|r| r.contains("closed at 2026-11-21T14:00:00Z"))
        })
        .collect();
    assert_eq!(revoked.len(), granted, "{entries:#?}");
    assert!(
        psa.notes()
            .iter()
            .any(|(id, n)| *id == 7001 && n["text"].as_str().unwrap().contains("expired")),
        "{:?}",
        psa.notes()
    );
    // It stays revoked: no plan grants it again, and the closed ticket is not asked about.
    let asked = psa.lookups().len();
    let output = run_at(
        &env,
        "2026-11-21T16:00:00Z",
        "cron",
        &["plan", "globex", "--output", "json"],
    );
    let plan: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        !plan["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["ticket"] == "7001" && c["kind"] == "grant"),
        "{plan:#}"
    );
    let output = run_at(&env, "2026-11-21T16:00:00Z", "cron", &["expire"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    assert!(!psa.lookups()[asked..].contains(&7001));
    assert_eq!(psa.problems(), Vec::<String>::new());
}

#[test]
fn turning_ticket_open_off_lets_requests_through_and_still_revokes_on_close() {
    let (env, psa) = connectwise(false);
    psa.open(7003, "GLOBEX");
    psa.close(7003, "2026-11-20T08:00:00Z");
    assert_refused(&env, &elevate(&env, "7003"), "is closed");
    env.write(
        "policy.yaml",
        &format!(
            "{}\ndisabled_rules: [ticket-open]\n",
            env.read("policy.yaml")
        ),
    );
    // Asked for with a closed ticket: granted, the provider not asked at request time.
    let asked = psa.lookups().len();
    let output = elevate(&env, "7003");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    assert_eq!(psa.lookups().len(), asked, "no lookup when the rule is off");
    assert!(grants_on(&env, "7003") > 0);
    // The provider still ends what rests on a ticket that closed.
    let output = run_at(&env, "2026-11-21T15:00:00Z", "cron", &["expire"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    assert_eq!(grants_on(&env, "7003"), 0);
    assert_eq!(psa.problems(), Vec::<String>::new());
}

#[test]
fn a_provider_that_cannot_answer_leaves_grants_unknown_and_exits_4() {
    let (env, psa) = connectwise(false);
    psa.open(7001, "GLOBEX");
    let output = elevate(&env, "7001");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let granted = grants_on(&env, "7001");
    let later = "2026-11-21T15:00:00Z";
    let expire_unknown = |why: &str| {
        let output = run_at(&env, later, "cron", &["expire"]);
        let err = stderr(&env, &output);
        assert_eq!(output.status.code(), Some(4), "{why}: {err}");
        assert!(
            err.contains("ticket `7001` of `globex` could not be checked"),
            "{why}: {err}"
        );
        assert!(err.contains("neither revoked nor extended"), "{why}: {err}");
        assert_eq!(
            grants_on(&env, "7001"),
            granted,
            "{why}: nothing is revoked"
        );
        err
    };
    psa.mode(Mode::Throttled);
    let err = expire_unknown("429");
    assert!(err.contains("429"), "{err}");
    psa.mode(Mode::Malformed);
    expire_unknown("malformed");
    psa.mode(Mode::Normal);
    // A ticket that now names another company is never taken for closed.
    psa.move_to(7001, "ACME");
    psa.close(7001, "2026-11-21T14:00:00Z");
    let err = expire_unknown("foreign");
    assert!(err.contains("now belongs to company `ACME`"), "{err}");
    // The provider is down.
    set_provider(&env, &dead_endpoint(), false);
    expire_unknown("down");
    // With the provider down an elevation is not made, and says why (exit 4).
    let output = elevate(&env, "7005");
    let err = stderr(&env, &output);
    assert_eq!(output.status.code(), Some(4), "{err}");
    assert!(
        err.contains("cannot check ticket `7005`") && err.contains("nothing was changed"),
        "{err}"
    );
    assert_eq!(grants_on(&env, "7005"), 0);
    // The TTL still ends the access: unknown is never "extended".
    let output = run_at(&env, "2026-11-21T21:00:00Z", "cron", &["expire"]);
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&env, &output));
    assert_eq!(grants_on(&env, "7001"), 0);
    assert_eq!(psa.problems(), Vec::<String>::new());
}

#[test]
fn a_write_back_failure_is_a_warning_and_the_access_stands() {
    let (env, psa) = connectwise(true);
    psa.open(7001, "GLOBEX");
    // The tenant holds its standing access, so one ticket's revocation is no mass revoke.
    let output = run_at(&env, NOW, "alice", &["apply", "--yes"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    psa.mode(Mode::NotesRefused);
    let output = elevate(&env, "7001");
    let err = stderr(&env, &output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(
        err.contains("could not write a note to ticket `7001`")
            && err.contains("the access change stands"),
        "{err}"
    );
    assert!(grants_on(&env, "7001") > 0);
    // `revoke --ticket` writes its note too.
    psa.mode(Mode::Normal);
    let output = run_at(&env, NOW, "cron", &["revoke", "--ticket", "7001", "--yes"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    assert_eq!(grants_on(&env, "7001"), 0);
    assert!(psa.notes().iter().any(|(id, n)| *id == 7001
        && n["text"].as_str().unwrap().contains("revoked")
        && n["internalAnalysisFlag"] == true));
    assert_eq!(psa.problems(), Vec::<String>::new());
}

/// Writes the `command` provider's script: `answers` maps ticket ids to the JSON the
/// script prints; notes are appended to `notes.jsonl`.
fn command_script(env: &Env, answers: &[(&str, &str)]) {
    let mut script = String::from(
        "q=$(cat)\ncase \"$q\" in\n  *'\"action\":\"note\"'*) printf '%s\\n' \"$q\" >> notes.jsonl; echo '{}' ;;\n",
    );
    for (ticket, answer) in answers {
        script.push_str(&format!(
            "  *'\"ticket\":\"{ticket}\"'*) echo '{answer}' ;;\n"
        ));
    }
    script.push_str("  *) echo '{\"found\": false}' ;;\nesac\n");
    env.write("ticket.sh", &script);
}

#[test]
fn the_command_kind_asks_a_program_per_client() {
    let env = Env::example();
    // Only globex has a provider: its own, in its client file.
    env.edit(
        "clients/globex.yaml",
        "tenants:\n",
        "tickets:\n  kind: command\n  command: [sh, ./ticket.sh]\n  timeout: 10s\n  write_back: true\ntenants:\n",
    );
    let open = r#"{"found": true, "status": "Open", "closed": false, "client": "globex"}"#;
    command_script(
        &env,
        &[
            ("CHG-2210", open),
            ("C-OPEN", open),
            (
                "C-CLOSED",
                r#"{"found": true, "status": "Done", "closed": true, "closed_at": "2026-11-20T08:00:00Z", "client": "globex"}"#,
            ),
            (
                "C-OTHER",
                r#"{"found": true, "closed": false, "company": "ACME"}"#,
            ),
            ("C-BAD", r#"{"found": "yes"}"#),
        ],
    );
    assert_refused(
        &env,
        &elevate(&env, "C-CLOSED"),
        "is closed (status `Done`)",
    );
    assert_refused(&env, &elevate(&env, "C-OTHER"), "belongs to company `ACME`");
    assert_refused(&env, &elevate(&env, "C-NONE"), "does not exist");
    let output = elevate(&env, "C-BAD");
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&env, &output));
    assert!(stderr(&env, &output).contains("not the JSON onboard expects"));
    let output = elevate(&env, "C-OPEN");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    assert!(grants_on(&env, "C-OPEN") > 0);
    let notes = env.read("notes.jsonl");
    assert!(
        notes.contains("\"ticket\":\"C-OPEN\"") && notes.contains("granted"),
        "{notes}"
    );
    // Another client's elevation is not checked: acme has no provider.
    command_script(
        &env,
        &[
            ("CHG-2210", open),
            (
                "C-OPEN",
                r#"{"found": true, "closed": true, "closed_at": "2026-11-21T13:00:00Z", "client": "globex"}"#,
            ),
        ],
    );
    let output = run_at(&env, "2026-11-21T15:00:00Z", "cron", &["expire"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    assert_eq!(grants_on(&env, "C-OPEN"), 0);
    // A program that hangs is stopped at its timeout: unknown, exit 4.
    let output = elevate(&env, "C-OPEN");
    assert_eq!(
        output.status.code(),
        Some(3),
        "closed by now: {}",
        stderr(&env, &output)
    );
    env.write("ticket.sh", "sleep 30\n");
    env.edit("clients/globex.yaml", "timeout: 10s", "timeout: 1s");
    let output = elevate(&env, "C-LATE");
    let err = stderr(&env, &output);
    assert_eq!(output.status.code(), Some(4), "{err}");
    assert!(err.contains("did not finish within 1s"), "{err}");
}

#[test]
fn the_webhook_kind_posts_the_question() {
    let env = Env::example();
    let token = "whtoken-PLANTED-0b9c8d7e6f";
    let closed: Arc<Mutex<bool>> = Arc::new(Mutex::new(false));
    let seen: Arc<Mutex<Vec<Value>>> = Arc::new(Mutex::new(Vec::new()));
    let (state, log) = (closed.clone(), seen.clone());
    let server = Server::start(Arc::new(move |request: &Request| {
        if request.method != "POST"
            || request.path != "/psa/onboard"
            || request.credential() != Some(token)
        {
            return Reply::json(401, &json!({ "error": "unauthorized" }));
        }
        let question = request.json();
        log.lock().unwrap().push(question.clone());
        let ticket = question["ticket"].as_str().unwrap_or_default();
        let answer = match (question["action"].as_str(), ticket) {
            (Some("note"), _) => json!({}),
            (_, "W-1") if *state.lock().unwrap() => {
                json!({ "found": true, "closed": true, "closed_at": "2026-11-21T13:30:00Z", "client": "globex" })
            }
            (_, "W-1") | (_, "CHG-2210") => {
                json!({ "found": true, "closed": false, "client": "globex" })
            }
            _ => json!({ "found": false }),
        };
        Reply::json(200, &answer)
    }));
    let settings = env.read("onboard.toml");
    env.write(
        "onboard.toml",
        &format!(
            "{settings}\n[tickets]\nkind = \"webhook\"\nurl = \"http://127.0.0.1:{}/psa/onboard\"\ntoken = \"env:PSA_HOOK_TOKEN\"\ncompanies = {{ GLOBEX = \"globex\" }}\n",
            server.port
        ),
    );
    // acme and initech have a provider too now: acme's exception ticket is unknown to it.
    env.edit(
        "clients/acme.yaml",
        "tenants:\n",
        "tickets: { kind: none }\ntenants:\n",
    );
    let run = |now: &str, args: &[&str]| {
        env.onboard_at(now, args)
            .env("ONBOARD_ACTOR", "alice")
            .env("PSA_HOOK_TOKEN", token)
            .output()
            .unwrap()
    };
    let elevate_w = |ticket: &str| run(NOW, &elevation(&[], ticket));
    assert_refused(&env, &elevate_w("W-9"), "does not exist");
    let output = elevate_w("W-1");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let asked = seen.lock().unwrap().clone();
    assert!(
        asked.iter().any(|q| q == &json!({ "format_version": 1, "action": "lookup", "ticket": "W-1", "client": "globex", "psa_company": null })),
        "{asked:?}"
    );
    *closed.lock().unwrap() = true;
    let output = run("2026-11-21T15:00:00Z", &["expire"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    assert_eq!(grants_on(&env, "W-1"), 0);
    let mut output_text = String::from_utf8_lossy(&output.stdout).to_string();
    output_text.push_str(&stderr(&env, &output));
    assert!(!output_text.contains(token));
    assert_secret_absent(&env.root, token, "webhook token");
}

/// dave takes break-glass access to globex's security response, with or without a ticket.
fn break_glass(env: &Env, reason: &str, ticket: Option<&str>) -> Output {
    let mut args = vec![
        "break-glass",
        "--client",
        "globex",
        "--bundle",
        "standard-security-response",
        "--reason",
        reason,
    ];
    args.extend(ticket.map(|t| ["--ticket", t]).into_iter().flatten());
    run_at(env, NOW, "dave", &args)
}

#[test]
fn break_glass_may_come_before_its_ticket_and_the_review_demands_one() {
    let (env, psa) = connectwise(false);
    psa.open(8100, "GLOBEX");
    psa.close(8100, "2026-11-21T13:00:00Z");
    psa.open(8200, "ACME");
    let output = break_glass(&env, "ransomware on the file server", None);
    let err = stderr(&env, &output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(err.contains("no ticket given"), "{err}");
    let review = open_review_id(&env, "break-glass");
    let close = |ticket: Option<&str>| {
        let mut args = vec![
            "review",
            "close",
            review.as_str(),
            "--outcome",
            "justified",
            "--notes",
            "contained",
        ];
        if let Some(ticket) = ticket {
            args.extend(["--ticket", ticket]);
        }
        run_at(&env, "2026-11-21T14:00:00Z", "carol", &args)
    };
    assert_refused(&env, &close(None), "was taken without a ticket");
    assert_refused(&env, &close(Some("8200")), "belongs to company `ACME`");
    // The emergency's ticket may be closed by the time of the review.
    let output = close(Some("8100"));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let entries = json_items(&env, &["audit", "show", "--client", "globex"], "entries");
    assert!(
        entries
            .iter()
            .any(|e| e["kind"] == "review" && e["ticket"] == "8100")
    );
    // A ticket given to break-glass is checked like any.
    let output = break_glass(&env, "ransomware again", Some("8200"));
    assert_refused(&env, &output, "belongs to company `ACME`");
    // With the provider down, an emergency is not held up: it goes ahead, with a warning.
    set_provider(&env, &dead_endpoint(), false);
    let output = break_glass(&env, "ransomware, third wave", Some("8300"));
    let err = stderr(&env, &output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(
        err.contains("cannot check ticket `8300`") && err.contains("going ahead"),
        "{err}"
    );
    assert_eq!(psa.problems(), Vec::<String>::new());
}

#[test]
fn exceptions_rest_on_their_tickets_in_plan() {
    let (env, psa) = connectwise(false);
    psa.close(2210, "2026-11-20T10:00:00Z");
    let output = run_at(&env, NOW, "alice", &["plan", "globex", "--output", "json"]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&env, &output));
    let plan: Value = serde_json::from_slice(&output.stdout).unwrap();
    let denied: Vec<_> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "denied" && c["rule"] == "ticket-open")
        .collect();
    assert!(!denied.is_empty(), "{plan:#}");
    assert!(
        denied.iter().all(|c| c["reason"]
            .as_str()
            .unwrap()
            .contains("exception `globex-mailbox-migration`: ticket `2210` is closed")),
        "{denied:?}"
    );
    // An exception that has ended grants nothing, so its ticket no longer matters.
    let output = run_at(&env, "2027-07-15T00:00:00Z", "alice", &["validate"]);
    let err = stderr(&env, &output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(!err.contains("ticket-open"), "{err}");
    // `validate` asks the provider too, and refuses the same exception.
    let output = run_at(&env, NOW, "alice", &["validate"]);
    let err = stderr(&env, &output);
    assert_eq!(output.status.code(), Some(3), "{err}");
    assert!(
        err.contains("policy `ticket-open`: exception `globex-mailbox-migration`"),
        "{err}"
    );
    assert!(err.contains("clients/globex.yaml:"), "{err}");
    // Offline, validate says the tickets were not checked, and checks the rest.
    set_provider(&env, &dead_endpoint(), false);
    let output = run_at(&env, NOW, "alice", &["validate"]);
    let err = stderr(&env, &output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(err.contains("cannot check ticket `2210`"), "{err}");
    assert_eq!(psa.problems(), Vec::<String>::new());
}

#[test]
fn the_psa_credentials_never_appear_in_output_or_files() {
    let (env, psa) = connectwise(true);
    psa.open(7001, "GLOBEX");
    psa.open(7002, "ACME");
    let mut seen = String::new();
    let mut keep = |output: Output| {
        seen.push_str(&String::from_utf8_lossy(&output.stdout));
        seen.push_str(&String::from_utf8_lossy(&output.stderr));
    };
    for args in [
        elevation(&["--verbose"], "7002"),
        elevation(&["--verbose"], "7001"),
        elevation(&["--verbose", "--output", "json"], "7001"),
    ] {
        keep(run_at(&env, NOW, "alice", &args));
    }
    psa.mode(Mode::Throttled);
    keep(run_at(
        &env,
        "2026-11-21T15:00:00Z",
        "cron",
        &["--verbose", "expire"],
    ));
    psa.mode(Mode::Normal);
    psa.close(7001, "2026-11-21T14:00:00Z");
    keep(run_at(
        &env,
        "2026-11-21T15:00:00Z",
        "cron",
        &["--verbose", "--output", "json", "expire"],
    ));
    assert_eq!(grants_on(&env, "7001"), 0, "{seen}");
    let basic = onboard::secrets::scrub::base64(
        format!("northwind+pubkey-northwind:{PRIVATE_KEY}").as_bytes(),
        false,
    );
    for secret in [PRIVATE_KEY, CLIENT_ID, basic.as_str()] {
        assert!(
            !seen.to_lowercase().contains(&secret.to_lowercase()),
            "{secret} leaked: {seen}"
        );
        assert_secret_absent(&env.root, secret, "ConnectWise credential");
    }
    assert!(
        seen.contains("[redacted]") || seen.contains("GET "),
        "--verbose logs the requests: {seen}"
    );
    assert_eq!(psa.problems(), Vec::<String>::new());
}
