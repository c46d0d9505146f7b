//! `onboard import`: adopting tenants that already hold access. Round trips against the
//! `file` adapter, a real `scim2-server` and a real `slapd`: import, then the first plan
//! is empty; take one imported exception out, and the plan revokes exactly that.

use std::path::Path;

use serde::Deserialize;

use crate::support::{Env, PlanJson, stderr, stdout};

/// The parts of `onboard import --output json` the tests read.
#[derive(Debug, Deserialize)]
pub struct ImportJson {
    pub format_version: u32,
    pub client: String,
    pub file: String,
    pub dry_run: bool,
    pub written: bool,
    pub content: String,
    pub held: Vec<HeldJson>,
    pub exceptions: Vec<String>,
    pub missing: Vec<serde_json::Value>,
    pub recorded: usize,
}

/// One holder the import found.
#[derive(Debug, Deserialize)]
pub struct HeldJson {
    pub entitlement: String,
    pub account: String,
    pub held_as: String,
}

impl ImportJson {
    /// `(entitlement, account, held_as)` of each holder, sorted.
    pub fn holders(&self) -> Vec<(String, String, String)> {
        let mut out: Vec<_> = self
            .held
            .iter()
            .map(|h| (h.entitlement.clone(), h.account.clone(), h.held_as.clone()))
            .collect();
        out.sort();
        out
    }
}

/// Runs a command, asserting its exit code, and parses its JSON document.
pub fn import_json(mut command: assert_cmd::Command, env: &Env, code: i32) -> ImportJson {
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(code), "{}", stderr(env, &output));
    let doc: ImportJson = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", stdout(&output)));
    assert_eq!(doc.format_version, 1);
    doc
}

/// Runs `plan CLIENT --detailed-exitcode -o json` with `command`'s environment.
pub fn first_plan(mut command: assert_cmd::Command, env: &Env) -> (i32, PlanJson) {
    let output = command.output().unwrap();
    let plan: PlanJson = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", stderr(env, &output)));
    (output.status.code().unwrap(), plan)
}

/// Removes an imported exception (its comment line and its list item) from a client
/// file's text.
pub fn without_exception(text: &str, id: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim() == format!("- id: {id}"))
        .unwrap_or_else(|| panic!("no exception `{id}` in:\n{text}"));
    let indent = lines[start].len() - lines[start].trim_start().len();
    let mut end = start + 1;
    while end < lines.len()
        && (lines[end].len() - lines[end].trim_start().len() > indent)
        && !lines[end].trim_start().starts_with('#')
    {
        end += 1;
    }
    let begin = if start > 0 && lines[start - 1].trim_start().starts_with("# Held before") {
        start - 1
    } else {
        start
    };
    let mut out: Vec<&str> = lines[..begin].to_vec();
    out.extend_from_slice(&lines[end..]);
    // An `exceptions:` key left with no item is `null`: drop it too.
    let text = out.join("\n") + "\n";
    if text.contains("exceptions:\n") && !text.contains("exceptions:\n  ") {
        text.replace("exceptions:\n", "")
    } else {
        text
    }
}

/// Returns whether a path exists below the workspace root.
/// Empties the example's state: what onboard granted becomes access the tenants held
/// before onboard, as in a tenant being adopted.
fn forget_onboard(env: &Env) {
    for dir in ["state", "audit", ".onboard"] {
        let path = env.ws.join(dir);
        if Path::new(&path).exists() {
            std::fs::remove_dir_all(&path).unwrap();
        }
    }
}

/// Adds a member to a `file` tenant's entitlement, as if given by hand in the tenant.
fn hold_in_file_tenant(env: &Env, client: &str, tenant: &str, entitlement: &str, account: &str) {
    let path = format!("tenants/{client}/{tenant}/tenant.json");
    let mut file: serde_json::Value = serde_json::from_str(&env.read(&path)).unwrap();
    let members = file["entitlements"][entitlement]
        .as_array_mut()
        .map(std::mem::take)
        .unwrap_or_default();
    let mut members = members;
    members.push(serde_json::json!({ "account": account, "granted_at": "2025-01-01T00:00:00Z" }));
    file["entitlements"][entitlement] = serde_json::Value::Array(members);
    env.write(&path, &serde_json::to_string_pretty(&file).unwrap());
}

/// The example's `initech` applied to its `file` tenants, then forgotten by onboard, with
/// dave added by hand to the cloud operations group (no bundle gives it him).
fn adopted_initech() -> Env {
    let env = Env::example();
    let output = env
        .onboard(&["apply", "initech", "--yes"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    forget_onboard(&env);
    hold_in_file_tenant(
        &env,
        "initech",
        "scim",
        "group:msp-cloud-ops",
        "dave@initech.example",
    );
    env
}

#[test]
fn an_existing_client_is_imported_and_its_first_plan_changes_nothing() {
    let env = adopted_initech();
    let before = env.read("clients/initech.yaml");
    // Without state, the plan would record every grant and revoke nothing: not empty.
    let (code, _) = first_plan(
        env.onboard(&["plan", "initech", "--detailed-exitcode", "-o", "json"]),
        &env,
    );
    assert_eq!(code, 2);

    // The client file exists: never overwritten without `--force`.
    let output = env
        .onboard(&["import", "initech", "--approver", "carol"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&env, &output).contains("--force"),
        "{}",
        stderr(&env, &output)
    );
    assert_eq!(env.read("clients/initech.yaml"), before);
    assert!(!env.exists("state/ledger.json"));

    let doc = import_json(
        env.onboard(&[
            "import",
            "initech",
            "--force",
            "--approver",
            "carol",
            "-o",
            "json",
        ]),
        &env,
        0,
    );
    assert!(doc.written && !doc.dry_run);
    assert_eq!(doc.client, "initech");
    assert_eq!(doc.exceptions, ["imported-dave"]);
    let text = env.read("clients/initech.yaml");
    assert_eq!(text, doc.content);
    assert!(
        text.starts_with("# yaml-language-server: $schema=../schemas/client.schema.json\n"),
        "{text}"
    );
    assert!(text.contains("reason: imported\n"), "{text}");
    assert!(text.contains("ticket: IMPORT-TODO\n"), "{text}");
    assert!(text.contains("approver: carol\n"), "{text}");
    // 30 days from 2026-11-21, a whole day.
    assert!(text.contains("until: 2026-12-21\n"), "{text}");
    // The file's own comments are kept.
    assert!(text.contains("# Initech: essential client"), "{text}");
    assert!(env.exists("schemas/client.schema.json"));
    assert!(
        doc.holders().contains(&(
            "group:msp-cloud-ops".into(),
            "dave@initech.example".into(),
            "exception".into()
        )),
        "{:?}",
        doc.holders()
    );
    assert_eq!(doc.missing.len(), 0, "{:?}", doc.missing);

    // The ledger says who held what before onboard.
    let ledger: serde_json::Value = serde_json::from_str(&env.read("state/ledger.json")).unwrap();
    let grants = ledger["grants"].as_array().unwrap();
    assert_eq!(grants.len(), doc.recorded);
    assert!(grants.iter().all(|g| g["origin"] == "held-before-onboard"));
    let output = env.onboard(&["status", "initech"]).output().unwrap();
    assert!(stdout(&output).contains("(held before onboard)"));

    // The first plan after the import is empty.
    let (code, plan) = first_plan(
        env.onboard(&["plan", "initech", "--detailed-exitcode", "-o", "json"]),
        &env,
    );
    assert_eq!(code, 0, "{:?}", plan.changes);
    assert!(plan.changes.is_empty());

    // Taking the imported exception out revokes exactly that grant.
    env.write(
        "clients/initech.yaml",
        &without_exception(&text, "imported-dave"),
    );
    let (code, plan) = first_plan(
        env.onboard(&["plan", "initech", "--detailed-exitcode", "-o", "json"]),
        &env,
    );
    assert_eq!(code, 2);
    let changes: Vec<_> = plan
        .changes
        .iter()
        .map(|c| {
            (
                c.kind.as_str(),
                c.tenant.as_str(),
                c.entitlement.as_deref().unwrap_or("-"),
                c.account.as_deref().unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [(
            "revoke",
            "scim",
            "group:msp-cloud-ops",
            "dave@initech.example"
        )]
    );
    let output = env.onboard(&["plan", "initech"]).output().unwrap();
    assert!(
        stdout(&output).contains("(held before onboard)"),
        "{}",
        stdout(&output)
    );

    // The import is in the audit log, and the ledger rebuilds from it.
    let shown = crate::support::audit_show(&env, &["--client", "initech", "--kind", "import"]);
    assert_eq!(shown.entries.len(), doc.recorded + 1);
    std::fs::remove_file(env.ws.join("state/ledger.json")).unwrap();
    let output = env.onboard(&["state", "rebuild"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let rebuilt: serde_json::Value = serde_json::from_str(&env.read("state/ledger.json")).unwrap();
    assert_eq!(rebuilt["grants"].as_array().unwrap().len(), doc.recorded);
    assert!(
        rebuilt["grants"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["origin"] == "held-before-onboard")
    );
}

#[test]
fn a_dry_run_prints_the_proposal_and_writes_nothing() {
    let env = adopted_initech();
    let before = env.read("clients/initech.yaml");
    let output = env
        .onboard(&["import", "initech", "--approver", "carol", "--dry-run"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let out = stdout(&output);
    assert!(
        out.starts_with("# yaml-language-server: $schema=../schemas/client.schema.json\n"),
        "{out}"
    );
    assert!(out.contains("- id: imported-dave"), "{out}");
    assert!(stderr(&env, &output).contains("Nothing was written"));
    assert_eq!(env.read("clients/initech.yaml"), before);
    for path in ["state/ledger.json", "audit", "schemas"] {
        assert!(!env.exists(path), "{path} was written");
    }
    let doc = import_json(
        env.onboard(&[
            "import",
            "initech",
            "--approver",
            "carol",
            "--dry-run",
            "-o",
            "json",
        ]),
        &env,
        0,
    );
    assert!(doc.dry_run && !doc.written);
    assert!(!env.exists("state/ledger.json"));
}

#[test]
fn unknown_holders_are_reported_and_never_invented_as_identities() {
    let env = adopted_initech();
    hold_in_file_tenant(
        &env,
        "initech",
        "scim",
        "group:msp-helpdesk",
        "zed@initech.example",
    );
    let identities = std::fs::read_dir(env.ws.join("identities"))
        .unwrap()
        .count();
    let output = env
        .onboard(&["import", "initech", "--force", "--approver", "carol"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    assert!(stdout(&output).contains("zed@initech.example"));
    assert!(
        stderr(&env, &output).contains("1 holder(s) are no identity's account"),
        "{}",
        stderr(&env, &output)
    );
    assert_eq!(
        std::fs::read_dir(env.ws.join("identities"))
            .unwrap()
            .count(),
        identities
    );
    let text = env.read("clients/initech.yaml");
    assert!(!text.contains("zed"), "{text}");
    // The plan shows it as drift, never as a revoke.
    let (code, plan) = first_plan(
        env.onboard(&["plan", "initech", "--detailed-exitcode", "-o", "json"]),
        &env,
    );
    assert_eq!(code, 2);
    let kinds: Vec<_> = plan
        .changes
        .iter()
        .map(|c| (c.kind.as_str(), c.account.as_deref().unwrap_or("-")))
        .collect();
    assert_eq!(kinds, [("drift", "zed@initech.example")]);
}

#[test]
fn bad_input_writes_nothing() {
    let env = adopted_initech();
    let before = env.read("clients/initech.yaml");
    // An unknown tier names the tiers there are.
    let output = env
        .onboard(&["import", "initech", "--force", "--tier", "platinum"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&env, &output);
    assert!(err.contains("unknown tier `platinum`"), "{err}");
    assert!(err.contains("essential"), "{err}");
    // Nowhere to read the tenants from.
    let output = env
        .onboard(&["import", "newco", "--tier", "essential"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&env, &output).contains("--adapter"));
    // Access beyond the bundles with no approver to name.
    let output = env
        .onboard(&["import", "initech", "--force"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&env, &output).contains("--approver"));
    // A tenant that cannot be read: exit 4, nothing proposed from a partial read.
    let path = "tenants/initech/scim/tenant.json";
    let mut file: serde_json::Value = serde_json::from_str(&env.read(path)).unwrap();
    file["faults"] = serde_json::json!({ "list": "connection refused" });
    env.write(path, &serde_json::to_string_pretty(&file).unwrap());
    let output = env
        .onboard(&["import", "initech", "--force", "--approver", "carol"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&env, &output));
    assert!(stderr(&env, &output).contains("connection refused"));
    // A tenant given by flags whose fields are wrong: named like a client file's.
    let output = env
        .onboard(&[
            "import",
            "newco",
            "--tier",
            "essential",
            "--adapter",
            "scim",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&env, &output).contains("endpoint"),
        "{}",
        stderr(&env, &output)
    );
    assert_eq!(env.read("clients/initech.yaml"), before);
    assert!(!env.exists("clients/newco.yaml"));
    for path in ["state/ledger.json", "audit"] {
        assert!(!env.exists(path), "{path} was written");
    }
}

mod scim {
    use super::*;
    use crate::scim::{TOKEN, TOKEN_VAR, fixture};

    /// `(group, members)` initech's essential bundles want in its SCIM tenant, and dave
    /// in cloud operations, which no bundle gives him.
    const HELD: [(&str, &[&str]); 4] = [
        ("msp-backup", &["b.okafor"]),
        ("msp-cloud-ops", &["b.okafor", "dave", "erik"]),
        ("msp-helpdesk", &["dave", "frank"]),
        ("msp-security", &["carol", "dave"]),
    ];

    #[test]
    fn a_scim_tenant_given_by_flags_is_imported_with_an_empty_first_plan() {
        let groups: Vec<&str> = HELD.iter().map(|(g, _)| *g).collect();
        let Some(f) = fixture("adopt", TOKEN, &groups) else {
            return;
        };
        for (group, users) in HELD {
            let ids: Vec<String> = users
                .iter()
                .map(|u| f.tenant.user_id(&format!("{u}@initech.example")))
                .collect();
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            f.tenant.create_group(group, &ids);
        }
        // The client is new to the workspace: only its tenant's address is known.
        std::fs::remove_file(f.env.ws.join("clients/initech.yaml")).unwrap();
        let endpoint = f.tenant.endpoint(f.server.port);
        let import = |extra: &[&str]| {
            let mut args = vec![
                "import",
                "initech",
                "--tier",
                "essential",
                "--adapter",
                "scim",
                "--endpoint",
                &endpoint,
                "--tenant-id",
                "adopt",
                "--domain",
                "initech.example",
                "--approver",
                "carol",
            ];
            args.extend_from_slice(extra);
            crate::scim::onboard(&f, &args)
        };
        // The credential defaults to a reference named after the client and tenant
        // (`INITECH_SCIM_TOKEN`, which the fixture sets).
        let doc = import_json(import(&["--dry-run", "-o", "json"]), &f.env, 0);
        assert!(!f.env.exists("clients/initech.yaml"));
        assert!(
            doc.content.contains("credential: env:INITECH_SCIM_TOKEN\n"),
            "{}",
            doc.content
        );

        let doc = import_json(
            import(&["--credential", &format!("env:{TOKEN_VAR}"), "-o", "json"]),
            &f.env,
            0,
        );
        assert_eq!(doc.file, "clients/initech.yaml");
        assert_eq!(doc.exceptions, ["imported-dave"]);
        assert_eq!(doc.recorded, 8);
        let text = f.env.read("clients/initech.yaml");
        assert!(text.contains(&format!("endpoint: {endpoint}\n")), "{text}");
        assert!(
            text.contains(&format!("credential: env:{TOKEN_VAR}\n")),
            "{text}"
        );

        let plan = |args: &[&str]| {
            let mut all = vec!["plan", "initech", "-o", "json"];
            all.extend_from_slice(args);
            first_plan(crate::scim::onboard(&f, &all), &f.env)
        };
        let (code, planned) = plan(&["--detailed-exitcode"]);
        assert_eq!(code, 0, "{:?}", planned.changes);

        f.env.write(
            "clients/initech.yaml",
            &without_exception(&text, "imported-dave"),
        );
        let (code, planned) = plan(&["--detailed-exitcode"]);
        assert_eq!(code, 2);
        let changes: Vec<_> = planned
            .changes
            .iter()
            .map(|c| (c.kind.as_str(), c.account.as_deref().unwrap_or("-")))
            .collect();
        assert_eq!(changes, [("revoke", "dave@initech.example")]);
        // Nothing was written to the tenant.
        assert_eq!(
            f.tenant.members("msp-cloud-ops"),
            [
                "b.okafor@initech.example",
                "dave@initech.example",
                "erik@initech.example"
            ]
        );
    }
}

mod ldap {
    use super::*;
    use crate::directories::{BASE, SERVICE_DN, Slapd, SlapdOptions, group, person};

    const PASSWORD: &str = "service-password-for-import";

    /// `(group, members)` globex's standard bundles want in its LDAP tenant.
    const WANTED: [(&str, &[&str]); 5] = [
        ("msp-backup", &["bokafor", "svc-northwind-backup"]),
        (
            "msp-cloudops",
            &["alice@globex.example", "bokafor", "enakamura"],
        ),
        (
            "msp-helpdesk",
            &[
                "alice@globex.example",
                "dave@globex.example",
                "frank@globex.example",
            ],
        ),
        (
            "msp-helpdesk-tier2",
            &[
                "alice@globex.example",
                "dave@globex.example",
                "frank@globex.example",
            ],
        ),
        // erik (`enakamura`) holds it too, which no bundle gives him.
        (
            "msp-secops",
            &["carol@globex.example", "dave@globex.example", "enakamura"],
        ),
    ];

    #[test]
    fn an_ldap_directory_given_by_flags_is_imported_with_an_empty_first_plan() {
        let Some(server) = Slapd::start(PASSWORD, SlapdOptions::default()) else {
            return;
        };
        let mut ldif = String::new();
        let mut people: Vec<&str> = WANTED.iter().flat_map(|(_, m)| m.iter().copied()).collect();
        people.sort();
        people.dedup();
        for uid in &people {
            ldif.push_str(&person(uid));
        }
        for (name, members) in WANTED {
            ldif.push_str(&group(name, members, false));
        }
        server.add(&ldif);
        let env = Env::example();
        let onboard = |args: &[&str]| {
            let mut command = env.onboard(args);
            command
                .env("GLOBEX_LDAP_PASSWORD", PASSWORD)
                .env_remove("ONBOARD_HTTP_TIMEOUT");
            command
        };
        let url = server.url();
        let doc = import_json(
            onboard(&[
                "import",
                "globex",
                "--force",
                "--tier",
                "standard",
                "--adapter",
                "ldap",
                "--endpoint",
                &url,
                "--base-dn",
                BASE,
                "--bind-dn",
                SERVICE_DN,
                "--domain",
                "globex.example",
                "--approver",
                "carol",
                "-o",
                "json",
            ]),
            &env,
            0,
        );
        assert_eq!(doc.exceptions, ["imported-erik"]);
        assert_eq!(doc.recorded, 14, "{:?}", doc.holders());
        let text = env.read("clients/globex.yaml");
        assert!(
            text.contains("credential: env:GLOBEX_LDAP_PASSWORD\n"),
            "{text}"
        );
        assert!(text.contains(&format!("base_dn: {BASE}\n")), "{text}");

        let (code, planned) = first_plan(
            onboard(&["plan", "globex", "--detailed-exitcode", "-o", "json"]),
            &env,
        );
        assert_eq!(code, 0, "{:?}", planned.changes);

        env.write(
            "clients/globex.yaml",
            &without_exception(&text, "imported-erik"),
        );
        let (code, planned) = first_plan(
            onboard(&["plan", "globex", "--detailed-exitcode", "-o", "json"]),
            &env,
        );
        assert_eq!(code, 2);
        let changes: Vec<_> = planned
            .changes
            .iter()
            .map(|c| {
                (
                    c.kind.as_str(),
                    c.entitlement.as_deref().unwrap_or("-"),
                    c.account.as_deref().unwrap_or("-"),
                )
            })
            .collect();
        assert_eq!(changes, [("revoke", "group:msp-secops", "enakamura")]);
        assert_eq!(
            server.members("msp-secops"),
            ["carol@globex.example", "dave@globex.example", "enakamura"]
        );
    }
}
