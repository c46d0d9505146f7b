//! No input of any kind panics: arbitrary workspace files through load, validate and plan,
//! and arbitrary argument vectors through the argument parser and the commands' own
//! parsing of values (dates, durations, ids).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use clap::Parser;
use onboard::model::{SourceFile, SourceKind, Workspace};
use proptest::prelude::*;

use crate::support::{Env, NOW};

/// Values that have broken parsers before, or sit at an edge: huge dates and durations,
/// offsets that leave the calendar, numbers past every integer type, YAML oddities, paths
/// that leave the workspace, empty text and text that is not ASCII.
const ODD: &[&str] = &[
    "",
    " ",
    "-",
    "-1",
    "0",
    "1ns",
    "10000y",
    "584942417355y",
    "99999999999999999999s",
    "18446744073709551616",
    "9999-12-31",
    "0000-01-01",
    "-9999-01-01",
    "2026-02-30",
    "9999-12-31T23:59:59-23:59",
    "0000-01-01T00:00:00+23:59",
    "9999-12-31T23:59:59.999999999Z",
    "1e309",
    ".nan",
    "~",
    "null",
    "[]",
    "{}",
    "''",
    "yes",
    "*a",
    "&a x",
    "!!binary aGk=",
    "{id}{",
    "{",
    "}",
    "- x",
    "../../etc",
    "/etc",
    "/",
    "a/b",
    "acme/",
    "/entra",
    "é",
    "💥",
    "acme",
    "alice",
    "premium-helpdesk",
    "entra",
    "role:",
    ":",
    "group:",
];

fn odd() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(ODD).prop_map(str::to_string),
        1 => any::<String>(),
        1 => "[a-z0-9:/.{}_-]{0,12}",
    ]
}

/// The workspace files the file property mutates, relative to the copy's root.
const FILES: &[&str] = &[
    "examples/acme-msp/onboard.toml",
    "examples/acme-msp/policy.yaml",
    "examples/acme-msp/identities/alice.yaml",
    "examples/acme-msp/identities/acme-triage-agent.yaml",
    "examples/acme-msp/identities/globex-backup-svc.yaml",
    "examples/acme-msp/clients/acme.yaml",
    "examples/acme-msp/clients/globex.yaml",
    "examples/acme-msp/clients/initech.yaml",
    "bundles/premium/helpdesk.yaml",
    "bundles/standard/cloud-operations.yaml",
];

/// One change to a file: replace a line's value, insert a line, remove a line, or
/// replace the whole text.
#[derive(Debug, Clone)]
enum Mutation {
    Value(usize, String),
    Insert(usize, String),
    Remove(usize),
    Whole(String),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        6 => (any::<usize>(), odd()).prop_map(|(l, v)| Mutation::Value(l, v)),
        2 => (any::<usize>(), odd()).prop_map(|(l, v)| Mutation::Insert(l, v)),
        1 => any::<usize>().prop_map(Mutation::Remove),
        1 => any::<String>().prop_map(Mutation::Whole),
    ]
}

fn mutate(text: &str, mutation: &Mutation) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    let n = lines.len();
    match mutation {
        Mutation::Value(l, value) => {
            let line = &mut lines[l % n];
            *line = match line.split_once(['=', ':']) {
                Some((key, _)) if line.contains('=') => format!("{key}= {value}"),
                Some((key, _)) => format!("{key}: {value}"),
                None => value.clone(),
            };
        }
        Mutation::Insert(l, value) => lines.insert(l % (n + 1), value.clone()),
        Mutation::Remove(l) => {
            lines.remove(l % n);
        }
        Mutation::Whole(text) => return text.clone(),
    }
    lines.join("\n")
}

/// Loads, validates and plans (the pure part: desired access and its checks) a
/// workspace in-process; returns whether anything panicked.
fn load_validate_plan(ws: &Path) -> Result<(), String> {
    let now = time::macros::datetime!(2026-11-21 12:00 UTC);
    catch_unwind(AssertUnwindSafe(|| {
        if let Ok(workspace) = onboard::load::load(ws) {
            onboard::plan::check_workspace(&workspace, now);
            for client in workspace.clients.values() {
                onboard::plan::desired_access(&workspace, client, &[], now);
            }
        }
    }))
    .map_err(|e| panic_text(&*e))
}

fn panic_text(e: &(dyn std::any::Any + Send)) -> String {
    e.downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Arbitrary text in any workspace file never panics load, validate or plan.
    #[test]
    fn workspace_files_never_panic(
        file in proptest::sample::select(FILES),
        mutations in proptest::collection::vec(mutation(), 1..4),
    ) {
        let env = Env::example();
        let path = env.root.join(file);
        let mut text = std::fs::read_to_string(&path).unwrap();
        for m in &mutations {
            text = mutate(&text, m);
        }
        std::fs::write(&path, &text).unwrap();
        prop_assert_eq!(load_validate_plan(&env.ws), Ok(()), "{} became:\n{}", file, text);
    }
}

/// Values at the edges of what a field holds, by the shape of the value written there.
fn edges(value: &str) -> &'static [&'static str] {
    let value = value.trim().trim_matches('"');
    let digits = value.trim_start_matches(|c: char| c.is_ascii_digit());
    if value.len() == 10 && value.as_bytes().get(4) == Some(&b'-') {
        &[
            "9999-12-31",
            "0000-01-01",
            "9999-12-31T23:59:59-23:59",
            "0000-01-01T00:00:00+23:59",
        ]
    } else if !value.is_empty() && digits.is_empty() {
        &["18446744073709551616", "-1", "0"]
    } else if digits.len() < value.len() && digits.chars().all(|c| c.is_ascii_alphabetic()) {
        &["584942417355y", "10000y", "1ns"]
    } else if value.contains('/') {
        &["../../etc", "/etc", ""]
    } else {
        &["{id}{", "é"]
    }
}

/// Every value line of every file above, set to every edge value, through build, validate
/// and plan in memory: exhaustive where the property above samples.
#[test]
fn every_field_at_every_edge_never_panics() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let source = |file: &str| {
        let kind = match file {
            f if f.starts_with("bundles/") => SourceKind::Bundle,
            f if f.contains("/identities/") => SourceKind::Identity,
            f if f.contains("/clients/") => SourceKind::Client,
            _ => SourceKind::Policy,
        };
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        SourceFile {
            kind,
            path: Arc::from(file),
            text,
        }
    };
    let files: Vec<SourceFile> = FILES[1..].iter().map(|f| source(f)).collect();
    let settings_text = std::fs::read_to_string(root.join(FILES[0])).unwrap();
    let now = time::macros::datetime!(2026-11-21 12:00 UTC);
    let build = |settings_text: &str, files: &[SourceFile]| {
        let path = Arc::from("onboard.toml");
        let Ok(settings) = onboard::model::settings_from_toml(&path, settings_text) else {
            return;
        };
        if let Ok(workspace) = Workspace::build(settings, settings_text, files, false) {
            onboard::plan::check_workspace(&workspace, now);
            for client in workspace.clients.values() {
                onboard::plan::desired_access(&workspace, client, &[], now);
            }
        }
    };
    for index in 0..=files.len() {
        let text = match index {
            0 => settings_text.clone(),
            i => files[i - 1].text.clone(),
        };
        for (line, written) in text.lines().enumerate() {
            let Some((_, value)) = written
                .split_once([':', '='])
                .filter(|_| !written.trim_start().starts_with('#'))
            else {
                continue;
            };
            let value = value.split(" #").next().unwrap_or(value);
            for edge in edges(value) {
                let changed = mutate(&text, &Mutation::Value(line, edge.to_string()));
                let result = catch_unwind(AssertUnwindSafe(|| match index {
                    0 => build(&changed, &files),
                    i => {
                        let mut files = files.clone();
                        files[i - 1].text = changed.clone();
                        build(&settings_text, &files);
                    }
                }));
                assert!(result.is_ok(), "panicked on:\n{changed}");
            }
        }
    }
}

/// Every command with the flags that take a value, `{}` where the value goes.
const COMMANDS: &[&str] = &[
    "validate",
    "plan {}",
    "plan --at {}",
    "plan acme --tier {}",
    "plan --out {}",
    "apply {}",
    "apply {} --yes",
    "expire --dry-run {}",
    "revoke --identity {}",
    "revoke --client {} --yes",
    "revoke --ticket {} --lift --yes",
    "status {}",
    "status --identity {}",
    "status --expiring-within {}",
    "elevate --client acme --bundle premium-security-response --reason r --ticket {}",
    "elevate --client acme --bundle premium-security-response --reason r --ticket t --ttl {}",
    "elevate --client {} --bundle premium-helpdesk --reason r --ticket t",
    "elevate --client acme --bundle {} --reason r --ticket t --identity carol",
    "elevate --client acme --bundle premium-helpdesk --reason {} --ticket t --identity {}",
    "approve {}",
    "deny {} --reason r",
    "requests --status {}",
    "break-glass --client acme --bundle premium-security-response --reason {}",
    "break-glass --client acme --bundle {} --reason r --ticket {} --identity carol",
    "review {}",
    "review close {} --outcome {} --notes n",
    "audit show --since {}",
    "audit show --until {}",
    "audit show --client {} --identity {} --ticket {}",
    "audit show --kind {}",
    "audit export --until {} --format {}",
    "audit export --since {} --format ocsf",
    "audit verify --client {}",
    "audit verify --pubkey {}",
    "audit verify --dir {} --pubkey {}",
    "state {}",
    "completions {}",
    "schema {}",
    "-o {} status",
    "--color {} validate",
];

/// Commands only parsed, never run here: `login` reads a secret and writes the OS
/// keyring, `init` creates a workspace where it is told.
const PARSE_ONLY: &[&str] = &[
    "login {}",
    "login {} --stdin",
    "init {}",
    "init --library {}",
];

fn argv(template: &str, values: &[String]) -> Vec<String> {
    let mut values = values.iter().cycle();
    let mut args = vec!["onboard".to_string()];
    for word in template.split(' ') {
        args.push(if word == "{}" {
            values.next().cloned().unwrap_or_default()
        } else {
            word.to_string()
        });
    }
    args
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Arbitrary values for every flag of every command parse or are refused: never a
    /// panic in clap's parser or in a value parser.
    #[test]
    fn arguments_never_panic_the_parser(
        template in proptest::sample::select([COMMANDS, PARSE_ONLY].concat()),
        values in proptest::collection::vec(odd(), 3),
    ) {
        let args = argv(template, &values);
        let parsed = catch_unwind(|| onboard::cli::Cli::try_parse_from(&args).is_ok());
        prop_assert!(parsed.is_ok(), "{:?} panicked the parser", args);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Arbitrary values for every flag of every command, run for real on a copy of the
    /// example workspace (once applied, so the ledger has records): an exit code and a
    /// message, never a panic (exit 101).
    #[test]
    fn arguments_never_panic_a_command(
        template in proptest::sample::select(COMMANDS),
        values in proptest::collection::vec(odd(), 3),
    ) {
        let env = applied();
        let mut values = values;
        if template.contains("--out") {
            // Only ever inside the temporary directory.
            values[0] = env.root.join("out").join(&values[0]).display().to_string();
        }
        let args = argv(template, &values);
        let output = env
            .onboard(&args[1..].iter().map(String::as_str).collect::<Vec<_>>())
            .env("ONBOARD_ACTOR", "os:carol")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        prop_assert!(
            output.status.code() != Some(101) && !stderr.contains("panicked"),
            "{:?} panicked: {}", args, stderr
        );
    }
}

/// A copy of the example workspace, applied once and reused by every case.
fn applied() -> &'static Env {
    static APPLIED: OnceLock<Env> = OnceLock::new();
    APPLIED.get_or_init(|| {
        let env = Env::example();
        env.apply();
        env
    })
}

#[test]
fn a_contract_or_an_exception_ending_on_the_last_day_of_9999_never_panics() {
    let env = Env::example();
    env.edit("clients/acme.yaml", "end: 2027-12-31", "end: 9999-12-31");
    let output = env.onboard(&["validate"]).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    env.apply();
    // Standing grants of a contract that ends with year 9999 end with it.
    let ledger = env.ledger();
    let acme = ledger.grants.iter().filter(|g| g.client == "acme");
    assert!(
        acme.clone()
            .any(|g| g.expires_at.as_deref() == Some("9999-12-31T23:59:59Z")),
        "{:?}",
        ledger.grants
    );
    // An exception that long is a policy denial at its line, not a panic; plan revokes
    // what it gave.
    env.edit(
        "clients/acme.yaml",
        "until: 2027-03-31",
        "until: 9999-12-31",
    );
    let output = env.onboard(&["validate"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("clients/acme.yaml:26:9"), "{stderr}");
    let output = env.onboard(&["plan"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("1 to revoke"), "{stdout}");
}

#[test]
fn audit_filters_and_now_at_the_edges_of_the_calendar_never_panic() {
    let env = Env::example();
    env.apply();
    for args in [
        &["audit", "show", "--until", "9999-12-31"][..],
        &["audit", "export", "--until", "9999-12-31"],
        &["audit", "show", "--since", "0000-01-01"],
    ] {
        let output = env.onboard(args).output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(!output.stdout.is_empty(), "{args:?} showed nothing");
    }
    // An offset that carries the instant past year 9999 is refused, with the variable
    // or flag named.
    for (now, args) in [
        ("9999-12-31T23:59:59-23:59", &["plan"][..]),
        (
            crate::support::NOW,
            &["plan", "--at", "9999-12-31T23:59:59-23:59"],
        ),
        (
            crate::support::NOW,
            &["audit", "show", "--since", "0000-01-01T00:00:00+23:59"],
        ),
    ] {
        let output = env.onboard_at(now, args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains("outside the years 0000 to 9999"),
            "{stderr}"
        );
        assert!(stderr.contains("hint:"), "{stderr}");
    }
}

/// Every flag that takes a date or a duration, at every edge, run for real: where the
/// property above samples, this is exhaustive.
#[test]
fn every_date_and_duration_flag_at_every_edge_never_panics() {
    let env = applied();
    let dates = [
        "9999-12-31",
        "0000-01-01",
        "9999-12-31T23:59:59-23:59",
        "0000-01-01T00:00:00+23:59",
        "9999-12-31T23:59:59.999999999Z",
    ];
    let durations = ["584942417355y", "10000y", "1ns", "99999999999999999999s"];
    let mut runs: Vec<Vec<&str>> = Vec::new();
    for date in dates {
        runs.push(vec!["plan", "--at", date]);
        for command in ["show", "export"] {
            runs.push(vec!["audit", command, "--since", date]);
            runs.push(vec!["audit", command, "--until", date]);
        }
    }
    for duration in durations {
        runs.push(vec!["status", "--expiring-within", duration]);
        runs.push(vec![
            "elevate",
            "--client",
            "acme",
            "--bundle",
            "premium-security-response",
            "--reason",
            "r",
            "--ticket",
            "t",
            "--ttl",
            duration,
        ]);
    }
    let mut at: Vec<(&str, Vec<&str>)> = runs.into_iter().map(|r| (NOW, r)).collect();
    for now in dates {
        for args in [
            &["plan"][..],
            &["expire", "--dry-run"],
            &["status"],
            &["requests"],
        ] {
            at.push((now, args.to_vec()));
        }
    }
    for (now, args) in at {
        let output = env
            .onboard_at(now, &args)
            .env("ONBOARD_ACTOR", "os:carol")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.code() != Some(101) && !stderr.contains("panicked"),
            "ONBOARD_NOW={now} {args:?} panicked: {stderr}"
        );
    }
}
