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

/// Checks the first plan of `client` after its import is empty (exit 0 with
/// `--detailed-exitcode`), takes the imported exception `exception` out of the client
/// file `text`, and returns the next plan's changes as `(kind, entitlement, account)`
/// (it exits 2). `run` builds an `onboard` command with the tenant's credential.
pub fn revokes_after_removing(
    run: impl Fn(&[&str]) -> assert_cmd::Command,
    env: &Env,
    client: &str,
    text: &str,
    exception: &str,
) -> Vec<(String, String, String)> {
    let plan = || {
        first_plan(
            run(&["plan", client, "--detailed-exitcode", "-o", "json"]),
            env,
        )
    };
    let (code, planned) = plan();
    assert_eq!(code, 0, "{:?}", planned.changes);
    env.write(
        &format!("clients/{client}.yaml"),
        &without_exception(text, exception),
    );
    let (code, planned) = plan();
    assert_eq!(code, 2, "{:?}", planned.changes);
    planned
        .changes
        .iter()
        .map(|c| {
            (
                c.kind.clone(),
                c.entitlement.clone().unwrap_or_default(),
                c.account.clone().unwrap_or_default(),
            )
        })
        .collect()
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
fn a_client_file_listing_the_tenants_is_imported_from_where_it_lies() {
    let env = adopted_initech();
    let stub = env.ws.join("initech-tenants.yaml");
    std::fs::rename(env.ws.join("clients/initech.yaml"), &stub).unwrap();
    let stub = stub.display().to_string();
    // The file names its client: importing it as another is refused, writing nothing.
    let output = env
        .onboard(&["import", "umbrella", "--from", &stub, "--approver", "carol"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&env, &output).contains("names client `initech`, not `umbrella`"),
        "{}",
        stderr(&env, &output)
    );
    assert!(!env.exists("clients/umbrella.yaml"));
    let doc = import_json(
        env.onboard(&[
            "import",
            "initech",
            "--from",
            &stub,
            "--approver",
            "carol",
            "-o",
            "json",
        ]),
        &env,
        0,
    );
    assert_eq!(doc.file, "clients/initech.yaml");
    assert_eq!(doc.exceptions, ["imported-dave"]);
    assert_eq!(env.read("clients/initech.yaml"), doc.content);
    let (code, plan) = first_plan(
        env.onboard(&["plan", "initech", "--detailed-exitcode", "-o", "json"]),
        &env,
    );
    assert_eq!(code, 0, "{:?}", plan.changes);
    let output = env
        .onboard(&["status", "initech", "-o", "markdown"])
        .output()
        .unwrap();
    assert!(stdout(&output).contains("(held before onboard)"));
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

        let run = |args: &[&str]| crate::scim::onboard(&f, args);
        assert_eq!(
            revokes_after_removing(run, &f.env, "initech", &text, "imported-dave"),
            [(
                "revoke".to_string(),
                "group:msp-cloud-ops".to_string(),
                "dave@initech.example".to_string()
            )]
        );
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
        // The imported globex has only its directory: no `entra` for the service
        // account's client secret.
        env.drop_example_credentials();
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

        assert_eq!(
            revokes_after_removing(onboard, &env, "globex", &text, "imported-erik"),
            [(
                "revoke".to_string(),
                "group:msp-secops".to_string(),
                "enakamura".to_string()
            )]
        );
        assert_eq!(
            server.members("msp-secops"),
            ["carol@globex.example", "dave@globex.example", "enakamura"]
        );
    }
}

mod gdap {
    use super::*;
    use crate::fake_graph::{self, Handle};

    const SECRET: &str = "gdap-import-secret-planted-2718";
    const HELPDESK_ADMINISTRATOR: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";
    const USER_ADMINISTRATOR: &str = "fe930be7-5e62-47db-91af-98c3a49a38b1";

    /// A partner tenant (behind Prism) whose relationship with a new client already has
    /// an access assignment for `GDAP-Contoso-Helpdesk`, of which alice is a member; the
    /// premium helpdesk bundle gives the group just in time. Import, from the partner
    /// side, the client file with the group's id and the assignment, and alice's standing
    /// membership as an exception: the first plan is empty.
    #[test]
    fn a_gdap_partner_tenant_is_imported_with_its_access_assignments() {
        let partner = crate::graph::tenant_id(0x1e01);
        let customer = crate::graph::tenant_id(0x1e02);
        let tenant = Handle::create(&partner, SECRET);
        let Some(vendor) = fake_graph::vendor() else {
            return;
        };
        tenant.add_user("alice@northwind-msp.example");
        let group = tenant.add_group("GDAP-Contoso-Helpdesk", &["alice@northwind-msp.example"]);
        tenant.with(|t| {
            t.relationships.insert(
                "rel-contoso".into(),
                fake_graph::Relationship {
                    customer: customer.clone(),
                    status: "active".into(),
                    auto_extend: "P180D".into(),
                    roles: vec![HELPDESK_ADMINISTRATOR.into(), USER_ADMINISTRATOR.into()],
                    assignments: [(
                        "assign-1".to_string(),
                        (
                            group.clone(),
                            vec![HELPDESK_ADMINISTRATOR.to_string()],
                            "active".to_string(),
                            "W/\"1\"".to_string(),
                        ),
                    )]
                    .into(),
                    ..Default::default()
                },
            );
        });
        let env = Env::example();
        env.edit(
            "../../bundles/premium/helpdesk.yaml",
            "  # standing\n",
            "  # standing\n  - { system: gdap, entitlement: \"group:GDAP-Contoso-Helpdesk\", privileged: true, ttl: 8h, requires: { ticket: true } }\n",
        );
        let run = |args: &[&str]| {
            let mut command = env.onboard(args);
            command
                .env("CONTOSO_PARTNER_SECRET", SECRET)
                .env("ONBOARD_TEST_RETRY_SCALE", "0.01");
            command
        };
        let url = vendor.url();
        let doc = import_json(
            run(&[
                "import",
                "contoso",
                "--tier",
                "premium",
                "--adapter",
                "graph",
                "--tenant",
                "partner",
                "--relationship",
                "rel-contoso",
                "--customer-tenant-id",
                &customer,
                "--tenant-id",
                &partner,
                "--client-id",
                "5b1f0c2a-0000-4000-8000-000000000001",
                "--endpoint",
                &url,
                "--auth-endpoint",
                &url,
                "--domain",
                "northwind-msp.example",
                "--approver",
                "dave",
                "-o",
                "json",
            ]),
            &env,
            0,
        );
        assert_eq!(doc.exceptions, ["imported-alice"]);
        assert_eq!(doc.recorded, 1);
        let text = env.read("clients/contoso.yaml");
        assert!(text.contains("system: gdap\n"), "{text}");
        assert!(
            text.contains("credential: env:CONTOSO_PARTNER_SECRET\n"),
            "{text}"
        );
        assert!(
            text.contains(&format!("      GDAP-Contoso-Helpdesk: {group}\n")),
            "{text}"
        );
        assert!(
            text.contains("        GDAP-Contoso-Helpdesk: [Helpdesk Administrator]\n"),
            "{text}"
        );

        assert_eq!(
            revokes_after_removing(run, &env, "contoso", &text, "imported-alice"),
            [(
                "revoke".to_string(),
                "group:GDAP-Contoso-Helpdesk".to_string(),
                "alice@northwind-msp.example".to_string()
            )]
        );
        // Read only: the assignment and the membership are as they were.
        assert_eq!(
            tenant.members("GDAP-Contoso-Helpdesk"),
            ["alice@northwind-msp.example"]
        );
        let seen = vendor.assert_conformant(&fake_graph::token(&partner, SECRET));
        crate::fake::assert_checked(&seen, "GET", "/accessAssignments", "graph.prism.yaml");
    }
}

/// Okta and GitHub behind Prism, in a small workspace of their own: alice and carol serve
/// every client with the helpdesk bundle; alice also holds, standing, what the bundle
/// gives only just in time.
mod cloud {
    use super::*;

    const BUNDLE: &str = "id: standard-helpdesk\ntier: standard\nfunction: helpdesk\ngrants:\n  - { system: okta, entitlement: \"group:MSP-Helpdesk\" }\n  - { system: okta, entitlement: \"role:HELP_DESK_ADMIN\", privileged: true, ttl: 8h }\n  - { system: github, entitlement: \"org:member\" }\n  - { system: github, entitlement: \"team:msp-helpdesk\" }\n  - { system: github, entitlement: \"team:msp-oncall\", ttl: 8h }\n  - { system: entra, entitlement: \"group:MSP-Helpdesk\" }\n  - { system: entra, entitlement: \"role:Helpdesk Administrator\", privileged: true, ttl: 8h }\n";

    fn workspace() -> Env {
        let person = |id: &str| {
            format!(
                "id: {id}\nkind: person\nmfa: enforced\nfunctions: [helpdesk]\naccounts:\n  default: \"{{id}}@{{domain}}\"\n  github: {id}-gh\n"
            )
        };
        Env::with_files(&[
            ("onboard.toml", "[paths]\nbundles = [\"bundles\"]\n"),
            ("bundles/helpdesk.yaml", BUNDLE),
            ("identities/alice.yaml", &person("alice")),
            ("identities/carol.yaml", &person("carol")),
        ])
    }

    /// Imports `umbrella` with `flags`, then checks the first plan is empty and that
    /// taking alice's imported exception out revokes exactly `revoked`.
    fn round_trip(env: &Env, flags: &[&str], secret: (&str, &str), revoked: (&str, &str)) {
        let run = |args: &[&str]| {
            let mut command = env.onboard(args);
            command
                .env(secret.0, secret.1)
                .env("ONBOARD_TEST_RETRY_SCALE", "0.01");
            command
        };
        let mut args = vec![
            "import",
            "umbrella",
            "--tier",
            "standard",
            "--approver",
            "carol",
            "-o",
            "json",
        ];
        args.extend_from_slice(flags);
        let doc = import_json(run(&args), env, 0);
        assert_eq!(doc.exceptions, ["imported-alice"], "{:?}", doc.holders());
        assert!(doc.missing.is_empty(), "{:?}", doc.missing);
        let text = env.read("clients/umbrella.yaml");
        assert!(
            text.contains(&format!("credential: env:{}\n", secret.0)),
            "{text}"
        );
        assert_eq!(
            revokes_after_removing(run, env, "umbrella", &text, "imported-alice"),
            [(
                "revoke".to_string(),
                revoked.0.to_string(),
                revoked.1.to_string()
            )]
        );
    }

    #[test]
    fn an_okta_org_is_imported_with_an_empty_first_plan() {
        let token = format!("okta-import-{}", std::process::id());
        let org = crate::fake_okta::Handle::create(&token);
        let Some(vendor) = crate::fake_okta::vendor() else {
            return;
        };
        let alice = org.add_user("alice@umbrella.example");
        org.add_user("carol@umbrella.example");
        org.add_group(
            "MSP-Helpdesk",
            "OKTA_GROUP",
            &["alice@umbrella.example", "carol@umbrella.example"],
        );
        org.with(|o| {
            o.roles
                .entry(alice)
                .or_default()
                .insert("ra00000001".into(), "HELP_DESK_ADMIN".into());
        });
        let env = workspace();
        let url = vendor.url();
        round_trip(
            &env,
            &[
                "--adapter",
                "okta",
                "--endpoint",
                &url,
                "--domain",
                "umbrella.example",
            ],
            ("UMBRELLA_OKTA_TOKEN", &token),
            ("role:HELP_DESK_ADMIN", "alice@umbrella.example"),
        );
        assert_eq!(org.roles("alice@umbrella.example"), ["HELP_DESK_ADMIN"]);
        let seen = vendor.assert_conformant(&token);
        crate::fake::assert_checked(&seen, "GET", "/iam/assignees/users", "okta.yaml");
    }

    #[test]
    fn an_entra_tenant_is_imported_with_its_group_ids() {
        const SECRET: &str = "entra-import-secret-planted-3141";
        let tid = crate::graph::tenant_id(0x1e03);
        let tenant = crate::fake_graph::Handle::create(&tid, SECRET);
        let Some(vendor) = crate::fake_graph::vendor() else {
            return;
        };
        let alice = tenant.add_user("alice@umbrella.example");
        tenant.add_user("carol@umbrella.example");
        let group = tenant.add_group(
            "MSP-Helpdesk",
            &["alice@umbrella.example", "carol@umbrella.example"],
        );
        tenant.with(|t| {
            t.assignments.insert(
                "ra-1".into(),
                (alice, "729827e3-9c14-49f7-bb1b-9608f156bbb8".into(), None),
            );
        });
        let env = workspace();
        let url = vendor.url();
        round_trip(
            &env,
            &[
                "--adapter",
                "graph",
                "--tenant-id",
                &tid,
                "--client-id",
                "5b1f0c2a-0000-4000-8000-000000000002",
                "--endpoint",
                &url,
                "--auth-endpoint",
                &url,
                "--domain",
                "umbrella.example",
            ],
            ("UMBRELLA_ENTRA_SECRET", SECRET),
            ("role:Helpdesk Administrator", "alice@umbrella.example"),
        );
        // The group's name is pinned to the id the tenant resolved it to.
        let text = env.read("clients/umbrella.yaml");
        assert!(
            text.contains(&format!("    groups:\n      MSP-Helpdesk: {group}\n")),
            "{text}"
        );
        assert_eq!(
            tenant
                .role_holders("729827e3-9c14-49f7-bb1b-9608f156bbb8")
                .len(),
            1
        );
        vendor.assert_conformant(&crate::fake_graph::token(&tid, SECRET));
    }

    #[test]
    fn a_github_organisation_is_imported_with_an_empty_first_plan() {
        let token = format!("github-import-{}", std::process::id());
        let org = crate::fake_github::Handle::create(&token, "umbrella-corp");
        let Some(vendor) = crate::fake_github::vendor() else {
            return;
        };
        org.add_members(&["alice-gh", "carol-gh"], "member");
        org.with(|o| {
            let helpdesk = o.teams.entry("msp-helpdesk".into()).or_default();
            for login in ["alice-gh", "carol-gh"] {
                helpdesk.insert(login.into(), ("member".into(), "active".into()));
            }
            o.teams
                .entry("msp-oncall".into())
                .or_default()
                .insert("alice-gh".into(), ("member".into(), "active".into()));
        });
        let env = workspace();
        let url = vendor.url();
        round_trip(
            &env,
            &[
                "--adapter",
                "github",
                "--endpoint",
                &url,
                "--org",
                "umbrella-corp",
            ],
            ("UMBRELLA_GITHUB_TOKEN", &token),
            ("team:msp-oncall", "alice-gh"),
        );
        assert_eq!(org.team("msp-oncall"), ["alice-gh member active"]);
        let seen = vendor.assert_conformant(&token);
        crate::fake::assert_checked(&seen, "GET", "/teams/msp-oncall/members", "github.yaml");
    }
}
