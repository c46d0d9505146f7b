//! `onboard validate` and the errors every command shares for bad input.

use serde::Deserialize;

use crate::bad_input::tree;
use crate::support::{Env, stderr, stdout};

#[test]
fn the_example_workspace_is_valid() {
    let env = Env::example();
    let output = env.onboard(&["validate"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    assert_eq!(
        stdout(&output),
        "The workspace is valid: 8 identities, 12 bundles, 3 clients, 7 tenants.\n"
    );
}

const SETTINGS: &str = "[paths]\nbundles = [\"bundles\"]\n";

const BUNDLE: &str = "\
id: essential-helpdesk
tier: essential
function: helpdesk
grants:
  - system: entra
    entitlement: group:MSP-Helpdesk
  - system: entra
    entitlement: role:Password Administrator
    privileged: true
    ttl: 4 fortnights
";

const PERSON: &str = "\
id: jane
kind: person
mfa: enforced
functions: [helpdesk, hepldesk]
mfa: not-enforced
";

const ROBOT: &str = "\
id: robot
kind: agent
owner: nobody
purpose: Triage
client: acme
functions: [helpdesk]
colour: blue
";

const CLIENT: &str = "\
id: acme
tier: platinum
contract:
  start: 2025-02-30
tenants:
  - name: okta
    system: okta
    adapter: okta
    endpoint: https://acme.okta.com
    credential: 00aBcD-SuperSecretToken-Zz9
exceptions:
  - id: forensics
    identity: jnae
    grants:
      - system: github
        entitlement: org:admin
    reason: Incident
    approver: jane
    until: 2026-12-01
";

#[test]
fn every_kind_of_bad_input_is_reported_with_its_location_and_changes_nothing() {
    let env = Env::with_files(&[
        ("onboard.toml", SETTINGS),
        ("bundles/helpdesk.yaml", BUNDLE),
        ("identities/jane.yaml", PERSON),
        ("identities/robot.yaml", ROBOT),
        ("clients/acme.yaml", CLIENT),
    ]);
    let output = env.onboard(&["validate"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&env, &output);
    assert!(
        !text.contains("SuperSecret"),
        "the inline secret was echoed:\n{text}"
    );
    insta::assert_snapshot!("validate_errors", text);
    // Plan fails the same way, before touching anything.
    let output = env.onboard(&["plan"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&env, &output).ends_with("nothing was changed\n"));
    assert!(
        !env.exists("state"),
        "nothing may be written for an invalid workspace"
    );
    assert!(!env.exists("tenants"));
}

#[test]
fn cross_references_are_checked_once_files_parse() {
    let env = Env::with_files(&[
        ("onboard.toml", SETTINGS),
        (
            "bundles/helpdesk.yaml",
            &BUNDLE.replace("4 fortnights", "4h"),
        ),
        (
            "identities/jane.yaml",
            "id: jane\nkind: person\nmfa: enforced\nfunctions: [helpdesk, hepldesk]\n",
        ),
        (
            "identities/robot.yaml",
            "id: robot\nkind: agent\nowner: nobody\npurpose: Triage\nclient: acme\nfunctions: [helpdesk]\n",
        ),
        (
            "clients/acme.yaml",
            "id: acme\ntier: platinum\ntenants:\n  - name: entra\n    system: entra\n    adapter: file\n    path: t/e\nexceptions:\n  - id: x\n    identity: jnae\n    bundle: essential-helpdsk\n    grants:\n      - system: github\n        entitlement: org:admin\n      - system: entra\n        entitlement: group:Ops\n        tenant: entra2\n    reason: Incident\n    approver: jane\n    until: 2026-12-01\n",
        ),
    ]);
    let output = env.onboard(&["validate"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("validate_reference_errors", stderr(&env, &output));
}

#[test]
fn an_ended_exception_is_a_warning_that_names_where_it_is_written() {
    let env = Env::example();
    // Before its end: nothing to say.
    let output = env
        .onboard_at("2027-03-31T12:00:00Z", &["validate"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(!stderr(&env, &output).contains("warning"));
    // After: still valid (exit 0), with a warning naming the file and line.
    let output = env
        .onboard_at("2027-04-02T00:00:00Z", &["validate"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let text = stderr(&env, &output);
    assert!(
        text.contains(
            "warning: exception `acme-defender-rollout` of `acme` ended at 2027-04-01 00:00Z"
        ) && text.contains("--> examples/acme-msp/clients/acme.yaml:26:9"),
        "{text}"
    );
    let output = env
        .onboard_at("2027-04-02T00:00:00Z", &["validate", "--output", "json"])
        .output()
        .unwrap();
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["valid"], true);
    assert_eq!(document["warnings"][0]["file"], "clients/acme.yaml");
    assert_eq!(document["warnings"][0]["line"], 26);
    // The plan of that client says so too.
    let output = env
        .onboard_at(
            "2027-04-02T00:00:00Z",
            &["plan", "acme", "--output", "json"],
        )
        .output()
        .unwrap();
    let plan: crate::support::PlanJson = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        plan.warnings
            .iter()
            .any(|w| w.contains("`acme-defender-rollout`") && w.contains("clients/acme.yaml:26:9")),
        "{:?}",
        plan.warnings
    );
}

#[test]
fn a_missing_bundle_library_is_one_error_not_one_per_reference() {
    let files = [
        (
            "identities/jane.yaml",
            "id: jane\nkind: person\nmfa: enforced\nfunctions: [helpdesk]\n",
        ),
        (
            "clients/acme.yaml",
            "id: acme\ntier: essential\ntenants:\n  - name: entra\n    system: entra\n    adapter: file\n    path: t/e\n",
        ),
    ];
    let mut missing = vec![("onboard.toml", "[paths]\nbundles = [\"shared-bundles\"]\n")];
    missing.extend(files);
    let env = Env::with_files(&missing);
    let output = env.onboard(&["validate"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&env, &output);
    assert!(
        text.contains("bundle library `shared-bundles` does not exist")
            && text.contains("the workspace has 1 problem"),
        "{text}"
    );
    // A library that exists but holds no bundles: the references are unknown, and the
    // hint says why rather than listing nothing.
    let mut empty = vec![
        ("onboard.toml", SETTINGS),
        ("bundles/README.md", "none yet\n"),
    ];
    empty.extend(files);
    let env = Env::with_files(&empty);
    let output = env.onboard(&["validate"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&env, &output);
    assert!(text.contains("unknown tier `essential`"), "{text}");
    assert!(text.contains("no bundle files were found"), "{text}");
}

#[derive(Deserialize)]
struct ValidateJson {
    format_version: u32,
    valid: bool,
    problems: Vec<ProblemJson>,
}

#[derive(Deserialize)]
struct ProblemJson {
    file: String,
    line: u32,
    column: u32,
    field: Option<String>,
    message: String,
}

#[test]
fn json_output_lists_problems_with_locations() {
    let env = Env::example();
    env.edit(
        "clients/globex.yaml",
        "tier: standard",
        "tier: standard\ntier: premium",
    );
    let output = env
        .onboard(&["validate", "--output", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let doc: ValidateJson = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doc.format_version, 1);
    assert!(!doc.valid);
    assert_eq!(doc.problems.len(), 1);
    let p = &doc.problems[0];
    assert_eq!(
        (p.file.as_str(), p.field.as_deref(), p.message.as_str()),
        ("clients/globex.yaml", Some("tier"), "duplicate key `tier`")
    );
    assert!(p.line > 1 && p.column == 1);
}

#[test]
fn no_workspace_is_an_error_with_a_hint() {
    let env = Env::with_files(&[]);
    let mut command = assert_cmd::Command::new(env!("CARGO_BIN_EXE_onboard"));
    command
        .env_remove("ONBOARD_WORKSPACE")
        .current_dir(&env.ws)
        .arg("plan");
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&env, &output);
    assert!(text.contains("no workspace found"), "{text}");
    assert!(text.contains("hint: pass `--workspace DIR`"), "{text}");
}

#[test]
fn the_workspace_is_found_by_searching_upward() {
    let env = Env::example();
    let mut command = assert_cmd::Command::new(env!("CARGO_BIN_EXE_onboard"));
    command
        .env_remove("ONBOARD_WORKSPACE")
        .current_dir(env.ws.join("clients"))
        .arg("validate");
    command.assert().success();
    let mut command = assert_cmd::Command::new(env!("CARGO_BIN_EXE_onboard"));
    command
        .env("ONBOARD_WORKSPACE", &env.ws)
        .current_dir(&env.root)
        .arg("validate");
    command.assert().success();
}

#[test]
fn usage_errors_exit_1_not_2_and_help_documents_exit_codes() {
    let env = Env::example();
    let output = env.onboard(&["plan", "--no-such-flag"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let output = env.onboard(&["--help"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let help = stdout(&output);
    assert!(
        help.contains("Exit codes:") && help.contains("4  partial failure"),
        "{help}"
    );
}

#[test]
fn init_scaffolds_a_workspace_that_plans() {
    let env = Env::with_files(&[]);
    env.onboard(&["init"]).assert().success();
    env.onboard(&["validate"]).assert().success();
    let output = env
        .onboard(&["plan", "--detailed-exitcode"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&env, &output));
    let output = env.onboard(&["init"]).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "init must refuse an existing workspace"
    );
}

#[test]
fn a_file_tenant_path_that_leaves_the_workspace_is_refused_at_its_line() {
    let env = Env::example();
    let outside = env.root.join("outside");
    for (path, why) in [
        ("../../outside", "its `..` lead out of the workspace"),
        (outside.to_str().unwrap(), "it is an absolute path"),
        (
            "tenants/../../outside",
            "its `..` lead out of the workspace",
        ),
    ] {
        env.edit(
            "clients/acme.yaml",
            "path: tenants/acme/entra",
            &format!("path: {path}"),
        );
        for command in [&["validate"][..], &["plan"], &["apply", "--yes"]] {
            let output = env.onboard(command).output().unwrap();
            let text = stderr(&env, &output);
            assert_eq!(output.status.code(), Some(1), "{command:?} {path}: {text}");
            assert!(
                text.contains(&format!(
                    "tenant path `{}` leaves the workspace: {why}",
                    path.replace(&env.root.display().to_string(), "[TMP]")
                )) && text.contains(
                    "--> examples/acme-msp/clients/acme.yaml:13:11 (field `tenants[0].path`)"
                ) && text.contains("hint: "),
                "{command:?}: {text}"
            );
        }
        assert!(!outside.exists(), "apply wrote outside the workspace");
        env.edit(
            "clients/acme.yaml",
            &format!("path: {path}"),
            "path: tenants/acme/entra",
        );
    }
}

#[test]
fn the_paths_onboard_writes_stay_inside_the_workspace_while_bundle_libraries_may_not() {
    let env = Env::example();
    // The example reads its bundles from `../../bundles`: that is fine.
    env.onboard(&["validate"]).assert().success();
    let absolute = env.root.join("audit-out").display().to_string();
    for (key, value) in [
        ("state", "../state"),
        ("audit", absolute.as_str()),
        ("policy", "../../policy.yaml"),
    ] {
        env.write(
            "onboard.toml",
            &format!("[paths]\nbundles = [\"../../bundles\"]\n{key} = \"{value}\"\n"),
        );
        let output = env.onboard(&["apply", "--yes"]).output().unwrap();
        let text = stderr(&env, &output);
        assert_eq!(output.status.code(), Some(1), "{text}");
        let value = value.replace(&env.root.display().to_string(), "[TMP]");
        assert!(
            text.contains(&format!("`{value}` leaves the workspace"))
                && text.contains("--> examples/acme-msp/onboard.toml:3:")
                && text.contains(&format!("(field `paths.{key}`)"))
                && text.contains("only `paths.bundles` may point outside"),
            "{text}"
        );
    }
    assert!(!env.root.join("examples/state").exists());
    assert!(!env.root.join("audit-out").exists());
}

#[cfg(unix)]
#[test]
fn links_that_lead_out_of_the_workspace_are_refused_and_never_read() {
    use std::os::unix::fs::symlink;
    let env = Env::example();
    let outside = env.root.join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("x.yaml"), "id: PLANTED-SECRET-LINE\n").unwrap();
    let before = tree(&outside);
    // An identity file, the state directory and a file tenant's directory, each a link
    // to a place outside the workspace.
    symlink(outside.join("x.yaml"), env.ws.join("identities/zed.yaml")).unwrap();
    symlink(&outside, env.ws.join("state")).unwrap();
    std::fs::create_dir_all(env.ws.join("tenants/acme")).unwrap();
    symlink(&outside, env.ws.join("tenants/acme/okta")).unwrap();
    // A bundle in the shared library that links out of that library.
    symlink(
        outside.join("x.yaml"),
        env.root.join("bundles/premium/zed.yaml"),
    )
    .unwrap();
    for command in [
        &["validate"][..],
        &["plan"],
        &["apply", "--yes"],
        &["expire"],
    ] {
        let output = env.onboard(command).output().unwrap();
        let text = stderr(&env, &output);
        assert_eq!(output.status.code(), Some(1), "{command:?}: {text}");
        assert!(!text.contains("PLANTED-SECRET"), "echoed: {text}");
        for refused in [
            "`identities/zed.yaml` is a link to a place outside the workspace",
            "the state directory `state` is a link to a place outside the workspace",
            "the tenant directory `tenants/acme/okta` is a link to a place outside the workspace",
            "`../../bundles/premium/zed.yaml` is a link to a place outside the workspace",
        ] {
            assert!(
                text.contains(refused),
                "{command:?}: no {refused:?} in {text}"
            );
        }
    }
    assert_eq!(
        tree(&outside),
        before,
        "something was written outside the workspace"
    );
    // Links that stay inside the workspace are fine.
    for link in ["identities/zed.yaml", "state", "tenants/acme/okta"] {
        std::fs::remove_file(env.ws.join(link)).unwrap();
    }
    std::fs::remove_file(env.root.join("bundles/premium/zed.yaml")).unwrap();
    std::fs::create_dir_all(env.ws.join("data/state")).unwrap();
    symlink(env.ws.join("data/state"), env.ws.join("state")).unwrap();
    env.apply();
    assert!(env.exists("data/state/ledger.json"));
}

#[test]
fn two_identities_with_one_account_in_a_tenant_are_refused_naming_both() {
    let env = Env::example();
    // A second identity for Alice, under another id, whose accounts are hers: removing
    // either would revoke the other's access.
    let alice = env.read("identities/alice.yaml");
    env.write(
        "identities/alice-old.yaml",
        &alice
            .replace("id: alice", "id: alice-old")
            .replace("actors: [\"os:alice\"]", "")
            .replace("{id}@{domain}", "ALICE@{domain}"),
    );
    for command in [&["validate"][..], &["plan"], &["apply", "--yes"]] {
        let output = env.onboard(command).output().unwrap();
        let text = stderr(&env, &output);
        assert_eq!(output.status.code(), Some(1), "{command:?}: {text}");
        assert!(
            text.contains(
                "identities `alice-old` and `alice` have the same account `alice@acme.example` in `acme/entra` and 4 other tenants"
            ) && text.contains("--> examples/acme-msp/identities/alice-old.yaml:10:12 (field `accounts`)")
                && text.contains("`alice` is at identities/alice.yaml:10:12"),
            "{command:?}: {text}"
        );
    }
    assert!(!env.exists("state") && !env.exists("tenants"));
    // Accounts that differ are fine.
    env.edit(
        "identities/alice-old.yaml",
        "ALICE@{domain}",
        "alice.old@{domain}",
    );
    env.edit(
        "identities/alice-old.yaml",
        "github: alice-northwind",
        "github: alice-old",
    );
    env.onboard(&["validate"]).assert().success();
}

#[test]
fn counts_are_words_for_people() {
    let env = Env::with_files(&[
        ("onboard.toml", SETTINGS),
        (
            "bundles/helpdesk.yaml",
            &BUNDLE.replace("4 fortnights", "4h"),
        ),
        (
            "identities/jane.yaml",
            "id: jane\nkind: person\nmfa: enforced\nfunctions: [helpdesk]\n",
        ),
        (
            "clients/acme.yaml",
            "id: acme\ntier: essential\ntenants:\n  - name: entra\n    system: entra\n    adapter: file\n    path: t/e\n",
        ),
    ]);
    let output = env.onboard(&["validate"]).output().unwrap();
    assert_eq!(
        stdout(&output),
        "The workspace is valid: 1 identity, 1 bundle, 1 client, 1 tenant.\n"
    );
    // Kinds of identity with their article.
    env.write(
        "identities/bot.yaml",
        "id: bot\nkind: agent\nowner: jane\npurpose: p\nclient: acme\nmfa: enforced\n",
    );
    env.write(
        "clients/acme.yaml",
        "id: acme\ntier: essential\ntenants:\n  - name: entra\n    system: entra\n    adapter: file\n    path: t/e\nexceptions:\n  - id: x\n    identity: jane\n    grants:\n      - { system: entra, entitlement: group:X }\n    reason: r\n    approver: bot\n    until: 2026-12-01\n",
    );
    let text = stderr(&env, &output_of(&env, &["validate"]));
    assert!(
        text.contains("error: `mfa` applies to persons, not to an automation agent\n  --> ws/identities/bot.yaml:6:6 (field `mfa`)"),
        "{text}"
    );
    assert!(!text.contains(" a agent"), "{text}");
}

fn output_of(env: &Env, args: &[&str]) -> std::process::Output {
    env.onboard(args).output().unwrap()
}

#[test]
fn locations_name_files_as_they_open_from_the_current_directory() {
    let env = Env::example();
    let bundle = env.root.join("bundles/premium/helpdesk.yaml");
    let text = std::fs::read_to_string(&bundle).unwrap();
    std::fs::write(&bundle, text.replacen("ttl: 8h", "ttl: 0s", 1)).unwrap();
    // From the repository root (where the tests run), as `-w examples/acme-msp`.
    let from_root = stderr(&env, &output_of(&env, &["validate"]));
    assert!(
        from_root.contains("--> bundles/premium/helpdesk.yaml:24:30"),
        "{from_root}"
    );
    // From inside the workspace.
    let output = env
        .onboard(&["validate"])
        .current_dir(&env.ws)
        .output()
        .unwrap();
    let inside = stderr(&env, &output);
    assert!(
        inside.contains("--> ../../bundles/premium/helpdesk.yaml:24:30"),
        "{inside}"
    );
    // JSON keeps paths relative to the workspace: a contract, not a message.
    let output = output_of(&env, &["validate", "--output", "json"]);
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        document["problems"][0]["file"],
        "../../bundles/premium/helpdesk.yaml"
    );
    // Warnings too.
    std::fs::write(&bundle, text).unwrap();
    let output = env
        .onboard_at("2027-04-02T00:00:00Z", &["plan", "acme"])
        .output()
        .unwrap();
    assert!(
        stderr(&env, &output).contains("(examples/acme-msp/clients/acme.yaml:26:9)"),
        "{}",
        stderr(&env, &output)
    );
}

#[test]
fn the_saved_plan_hint_works_as_printed() {
    let env = Env::example();
    let output = output_of(&env, &["plan", "--out", "saved plan.json"]);
    let text = stderr(&env, &output);
    assert!(
        text.contains("apply it with `onboard -w [TMP]/examples/acme-msp apply 'saved plan.json'`"),
        "{text}"
    );
}

#[test]
fn a_leaver_held_back_by_a_revocation_is_one_warning_not_one_per_entitlement() {
    let env = Env::example();
    env.apply();
    env.onboard(&["revoke", "--identity", "frank", "--yes", "--quiet"])
        .assert()
        .success();
    let output = output_of(&env, &["plan"]);
    let text = stderr(&env, &output);
    let warnings: Vec<&str> = text.lines().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(warnings.len(), 1, "{text}");
    assert!(
        warnings[0].contains("identity `frank` was revoked on 2026-11-21 12:00Z: the workspace still declares 14 grants (group:MSP-Helpdesk in `acme/entra` at bundles/premium/helpdesk.yaml:9:36 and 13 more)"),
        "{text}"
    );
}

#[test]
fn the_docs_say_what_the_code_does_about_ids_and_ledger_saves() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace_md = std::fs::read_to_string(repo.join("docs/workspace.md")).unwrap();
    let readme = std::fs::read_to_string(repo.join("README.md")).unwrap();
    // Ids take `_` as the docs say, and not a leading one.
    let env = Env::example();
    env.edit("identities/frank.yaml", "id: frank", "id: frank_2");
    env.onboard(&["validate"]).assert().success();
    env.edit("identities/frank.yaml", "id: frank_2", "id: _frank");
    env.onboard(&["validate"]).assert().code(1);
    assert!(
        workspace_md.contains("lowercase letters, digits, '-' and '_'")
            && workspace_md.contains("starting with a letter or digit"),
        "docs/workspace.md does not describe ids as the code checks them"
    );
    // The ledger is saved now and then during an apply, not after each tenant.
    assert!(
        !readme.contains("saved after each tenant") && readme.contains("at most every 10 seconds"),
        "README.md does not describe when the ledger is saved"
    );
}
