//! `schemas/` holds the JSON Schemas of the workspace files and JSON documents, generated
//! from the types that read and write them; this fails when they are out of date.
//! Regenerate with `UPDATE_SCHEMAS=1 cargo test --test cli schemas`.
//!
//! Every shipped workspace file validates against its schema, every JSON document a
//! command prints validates against its own, and input `onboard validate` rejects is
//! rejected by the schema too wherever a schema can say so.

use std::fs;
use std::path::{Path, PathBuf};

use onboard::cli::schema::{SchemaKind, generate};

use crate::support::{Env, stderr, stdout};

fn schemas_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas")
}

#[test]
fn committed_schemas_are_up_to_date() {
    let dir = schemas_dir();
    let update = std::env::var_os("UPDATE_SCHEMAS").is_some();
    let mut stale = Vec::new();
    for kind in SchemaKind::ALL {
        let path = dir.join(kind.file_name());
        let fresh = generate(kind);
        if update {
            fs::create_dir_all(&dir).unwrap();
            fs::write(&path, &fresh).unwrap();
        } else if fs::read_to_string(&path).ok().as_deref() != Some(fresh.as_str()) {
            stale.push(kind.file_name());
        }
    }
    assert!(
        stale.is_empty(),
        "schemas out of date: {stale:?}; run `UPDATE_SCHEMAS=1 cargo test --test cli schemas`"
    );
}

/// A compiled schema of one kind, read from `schemas/`.
struct Validator {
    schemas: boon::Schemas,
    index: boon::SchemaIndex,
}

impl Validator {
    fn of(kind: SchemaKind) -> Validator {
        let text = generate(kind);
        let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
        let url = format!("file:///schemas/{}", kind.file_name());
        let mut compiler = boon::Compiler::new();
        compiler.add_resource(&url, schema).unwrap();
        let mut schemas = boon::Schemas::new();
        let index = compiler.compile(&url, &mut schemas).unwrap();
        Validator { schemas, index }
    }

    /// Returns the schema's complaint about a value, if any.
    fn check(&self, value: &serde_json::Value) -> Result<(), String> {
        self.schemas
            .validate(value, self.index)
            .map_err(|e| format!("{e:#}"))
    }
}

/// Reads a workspace file as the JSON value a schema checks: YAML or TOML by extension.
fn as_json(path: &str, text: &str) -> serde_json::Value {
    if path.ends_with(".toml") {
        toml::from_str(text).unwrap_or_else(|e| panic!("{path}: {e}"))
    } else {
        serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("{path}: {e}"))
    }
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
}

#[test]
fn every_shipped_workspace_file_validates_against_its_schema() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let example = repo.join("examples/acme-msp");
    let mut files: Vec<(SchemaKind, PathBuf)> = vec![
        (SchemaKind::Settings, example.join("onboard.toml")),
        (SchemaKind::Policy, example.join("policy.yaml")),
    ];
    for (kind, dir) in [
        (SchemaKind::Identity, example.join("identities")),
        (SchemaKind::Client, example.join("clients")),
        (SchemaKind::Bundle, repo.join("bundles")),
    ] {
        let mut found = Vec::new();
        yaml_files(&dir, &mut found);
        assert!(!found.is_empty(), "no files under {}", dir.display());
        files.extend(found.into_iter().map(|p| (kind, p)));
    }
    let mut failures = Vec::new();
    for (kind, path) in &files {
        let text = fs::read_to_string(path).unwrap();
        let shown = path.strip_prefix(repo).unwrap().display().to_string();
        if let Err(e) = Validator::of(*kind).check(&as_json(&shown, &text)) {
            failures.push(format!("{shown}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(files.len() > 20, "only {} files checked", files.len());
}

/// One file of the example workspace changed so that `validate` rejects it.
struct BadCase {
    name: &'static str,
    kind: SchemaKind,
    file: &'static str,
    text: &'static str,
}

const PERSON: &str = "id: zed\nkind: person\nmfa: enforced\nfunctions: [helpdesk]\n";
const SERVICE: &str =
    "id: zed-svc\nkind: service-account\nowner: alice\npurpose: Backups\nclient: acme\n";
const BUNDLE: &str = "id: zz-helpdesk\ntier: premium\nfunction: helpdesk\ngrants:\n  - system: entra\n    entitlement: group:MSP-Helpdesk\n";
const CLIENT: &str = "id: zz\ntier: premium\ndata_tags: [pii]\ntenants:\n  - name: entra\n    system: entra\n    domain: zz.example\n    adapter: file\n    path: tenants/zz/entra\n";

fn bad_cases() -> Vec<BadCase> {
    // Each case is one file of one kind, written over the example workspace.
    let of = |kind: SchemaKind, file: &'static str| {
        move |name: &'static str, text: &'static str| BadCase {
            name,
            kind,
            file,
            text,
        }
    };
    let person = of(SchemaKind::Identity, "identities/zed.yaml");
    let bundle = of(SchemaKind::Bundle, "../../bundles/premium/zz.yaml");
    let client = of(SchemaKind::Client, "clients/zz.yaml");
    let policy = of(SchemaKind::Policy, "policy.yaml");
    let settings = of(SchemaKind::Settings, "onboard.toml");
    vec![
        person(
            "unknown field",
            "id: zed\nkind: person\nmfa: enforced\nshoe_size: 44\n",
        ),
        person("unknown kind", "id: zed\nkind: robot\n"),
        person("missing kind", "id: zed\nmfa: enforced\n"),
        person("bad id", "id: Zed Smith\nkind: person\nmfa: enforced\n"),
        person("person without mfa", "id: zed\nkind: person\n"),
        person(
            "person with an owner",
            "id: zed\nkind: person\nmfa: enforced\nowner: alice\n",
        ),
        person("bad mfa value", "id: zed\nkind: person\nmfa: sometimes\n"),
        person(
            "service account without owner",
            "id: zed-svc\nkind: service-account\npurpose: Backups\nclient: acme\n",
        ),
        person(
            "service account with mfa",
            "id: zed-svc\nkind: service-account\nowner: alice\npurpose: Backups\nclient: acme\nmfa: enforced\n",
        ),
        person(
            "agent with clients",
            "id: zed-bot\nkind: agent\nowner: alice\npurpose: Triage\nclients: [acme]\n",
        ),
        person(
            "functions not a list",
            "id: zed\nkind: person\nmfa: enforced\nfunctions: 7\n",
        ),
        bundle(
            "no grants",
            "id: zz-helpdesk\ntier: premium\nfunction: helpdesk\ngrants: []\n",
        ),
        bundle(
            "unknown system",
            "id: zz-helpdesk\ntier: premium\nfunction: helpdesk\ngrants:\n  - system: myspace\n    entitlement: group:x\n",
        ),
        bundle(
            "entitlement without kind",
            "id: zz-helpdesk\ntier: premium\nfunction: helpdesk\ngrants:\n  - system: entra\n    entitlement: MSP-Helpdesk\n",
        ),
        bundle(
            "bad ttl",
            "id: zz-helpdesk\ntier: premium\nfunction: helpdesk\ngrants:\n  - system: entra\n    entitlement: group:x\n    ttl: forever\n",
        ),
        bundle(
            "tenant in a bundle grant",
            "id: zz-helpdesk\ntier: premium\nfunction: helpdesk\ngrants:\n  - system: entra\n    entitlement: group:x\n    tenant: entra\n",
        ),
        bundle(
            "privileged not a boolean",
            "id: zz-helpdesk\ntier: premium\nfunction: helpdesk\ngrants:\n  - system: entra\n    entitlement: group:x\n    privileged: 3\n",
        ),
        bundle(
            "bad tier",
            "id: zz-helpdesk\ntier: Premium Plus\nfunction: helpdesk\ngrants:\n  - system: entra\n    entitlement: group:x\n",
        ),
        client(
            "no tenants",
            "id: zz\ntier: premium\ndata_tags: [pii]\ntenants: []\n",
        ),
        client(
            "unknown adapter",
            "id: zz\ntier: premium\ndata_tags: [pii]\ntenants:\n  - name: entra\n    system: entra\n    domain: zz.example\n    adapter: carrier-pigeon\n",
        ),
        client(
            "file tenant without path",
            "id: zz\ntier: premium\ndata_tags: [pii]\ntenants:\n  - name: entra\n    system: entra\n    domain: zz.example\n    adapter: file\n",
        ),
        client(
            "secret as credential",
            "id: zz\ntier: premium\ndata_tags: [pii]\ntenants:\n  - name: s\n    system: scim\n    domain: zz.example\n    adapter: scim\n    endpoint: https://scim.example\n    credential: hunter2-the-real-token\n",
        ),
        client(
            "credentials in the endpoint",
            "id: zz\ntier: premium\ndata_tags: [pii]\ntenants:\n  - name: s\n    system: scim\n    domain: zz.example\n    adapter: scim\n    endpoint: https://user:pw@scim.example\n    credential: env:SCIM_TOKEN\n",
        ),
        client(
            "endpoint not a URL",
            "id: zz\ntier: premium\ndata_tags: [pii]\ntenants:\n  - name: s\n    system: scim\n    domain: zz.example\n    adapter: scim\n    endpoint: scim.example\n    credential: env:SCIM_TOKEN\n",
        ),
        client(
            "graph tenant without tenant_id",
            "id: zz\ntier: premium\ndata_tags: [pii]\ntenants:\n  - name: e\n    system: entra\n    domain: zz.example\n    adapter: graph\n    client_id: 0f6a5c1e-1111-2222-3333-444455556666\n    credential: env:GRAPH_SECRET\n",
        ),
        client(
            "groups on a file tenant",
            "id: zz\ntier: premium\ndata_tags: [pii]\ntenants:\n  - name: entra\n    system: entra\n    domain: zz.example\n    adapter: file\n    path: tenants/zz/entra\n    groups: { MSP-Helpdesk: 0f6a5c1e-1111-2222-3333-444455556666 }\n",
        ),
        client(
            "group id not a GUID",
            "id: zz\ntier: premium\ndata_tags: [pii]\ntenants:\n  - name: e\n    system: entra\n    domain: zz.example\n    adapter: graph\n    tenant_id: 0f6a5c1e-1111-2222-3333-444455556666\n    client_id: 0f6a5c1e-1111-2222-3333-444455556667\n    credential: env:GRAPH_SECRET\n    groups: { MSP-Helpdesk: helpdesk }\n",
        ),
        client(
            "installation_id without app_id",
            "id: zz\ntier: premium\ntenants:\n  - name: gh\n    system: github\n    adapter: github\n    org: zz\n    credential: env:GH_KEY\n    installation_id: \"42\"\n",
        ),
        client(
            "ldap tenant without base_dn",
            "id: zz\ntier: premium\ndata_tags: [pii]\ntenants:\n  - name: dir\n    system: ldap\n    domain: zz.example\n    adapter: ldap\n    endpoint: ldaps://dir.example\n    bind_dn: cn=onboard,dc=example\n    credential: env:LDAP_PW\n",
        ),
        client(
            "gdap section on an entra tenant",
            "id: zz\ntier: premium\ndata_tags: [pii]\ntenants:\n  - name: entra\n    system: entra\n    domain: zz.example\n    adapter: graph\n    tenant_id: 0f6a5c1e-1111-2222-3333-444455556666\n    client_id: 0f6a5c1e-1111-2222-3333-444455556667\n    credential: env:GRAPH_SECRET\n    gdap: { relationship: r, customer_tenant_id: 0f6a5c1e-1111-2222-3333-444455556666 }\n",
        ),
        client(
            "bad contract date",
            "id: zz\ntier: premium\ndata_tags: [pii]\ncontract:\n  start: next tuesday\ntenants:\n  - name: entra\n    system: entra\n    domain: zz.example\n    adapter: file\n    path: tenants/zz/entra\n",
        ),
        client(
            "bad exception until",
            "id: zz\ntier: premium\ndata_tags: [pii]\ntenants:\n  - name: entra\n    system: entra\n    domain: zz.example\n    adapter: file\n    path: tenants/zz/entra\nexceptions:\n  - id: x\n    identity: alice\n    grants: [{ system: entra, entitlement: group:x }]\n    reason: r\n    ticket: T-1\n    approver: dave\n    until: soon\n",
        ),
        policy(
            "unknown policy field",
            "max_ttl:\n  privileged: 8h\nmax_tll: {}\n",
        ),
        policy("bad max_ttl", "max_ttl:\n  privileged: a while\n"),
        policy("share above one", "mass_revoke:\n  max_share: 1.5\n"),
        settings(
            "unknown section",
            "[paths]\nbundles = [\"bundles\"]\n[aply]\nparallelism = 4\n",
        ),
        settings(
            "parallelism out of range",
            "[paths]\nbundles = [\"../../bundles\"]\n[apply]\nparallelism = 500\n",
        ),
        settings(
            "audit key not a reference",
            "[paths]\nbundles = [\"../../bundles\"]\n[audit]\nkey = \"c2VjcmV0LWtleQ==\"\n",
        ),
    ]
}

#[test]
fn input_validate_rejects_is_rejected_by_the_schema() {
    let mut missed = Vec::new();
    for case in bad_cases() {
        let env = Env::example();
        fs::write(env.ws.join(case.file), case.text).unwrap();
        let output = env.onboard(&["validate"]).output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(1),
            "{}: validate accepted it\n{}",
            case.name,
            stderr(&env, &output)
        );
        if Validator::of(case.kind)
            .check(&as_json(case.file, case.text))
            .is_ok()
        {
            missed.push(case.name);
        }
    }
    assert!(missed.is_empty(), "the schema accepts: {missed:?}");
}

#[test]
fn the_good_variants_of_the_bad_cases_pass_both() {
    // The bad cases differ from these by the one thing each names, so a schema that
    // rejected everything would fail here.
    for (kind, file, text) in [
        (SchemaKind::Identity, "identities/zed.yaml", PERSON),
        (SchemaKind::Identity, "identities/zed-svc.yaml", SERVICE),
        (SchemaKind::Bundle, "../../bundles/premium/zz.yaml", BUNDLE),
        (SchemaKind::Client, "clients/zz.yaml", CLIENT),
    ] {
        let env = Env::example();
        fs::write(env.ws.join(file), text).unwrap();
        let output = env.onboard(&["validate"]).output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{file}: {}",
            stderr(&env, &output)
        );
        let checked = Validator::of(kind).check(&as_json(file, text));
        assert!(checked.is_ok(), "{file}: {checked:?}");
    }
}

#[test]
fn printed_documents_validate_against_their_schemas() {
    let env = Env::example();
    let run = |args: &[&str]| {
        let output = env.onboard(args).output().unwrap();
        serde_json::from_str::<serde_json::Value>(&stdout(&output))
            .unwrap_or_else(|e| panic!("{args:?}: {e}\n{}", stderr(&env, &output)))
    };
    let checks = [
        (SchemaKind::Validate, run(&["validate", "-o", "json"])),
        (SchemaKind::Plan, run(&["plan", "-o", "json"])),
        (SchemaKind::Apply, run(&["apply", "--yes", "-o", "json"])),
        (SchemaKind::Status, run(&["status", "-o", "json"])),
        (SchemaKind::AuditShow, run(&["audit", "show", "-o", "json"])),
        (
            SchemaKind::Import,
            run(&["import", "initech", "--dry-run", "-o", "json"]),
        ),
    ];
    for (kind, document) in checks {
        if let Err(e) = Validator::of(kind).check(&document) {
            panic!("{}: {e}\n{document:#}", kind.name());
        }
    }
    // After the apply, the ledger holds grants and the log holds entries: the documents
    // checked above were not empty shells.
    let status = run(&["status", "-o", "json"]);
    assert!(!status["grants"].as_array().unwrap().is_empty());
    let audit = run(&["audit", "show", "-o", "json"]);
    assert!(!audit["entries"].as_array().unwrap().is_empty());
}

#[test]
fn the_schema_command_prints_one_schema_or_lists_them() {
    let env = Env::example();
    let output = env.onboard(&["schema", "client"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let schema: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(schema["title"], "onboard client (clients/*.yaml)");
    assert_eq!(
        stdout(&output),
        fs::read_to_string(schemas_dir().join("client.schema.json")).unwrap()
    );
    let output = env.onboard(&["schema"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let listed = stdout(&output);
    for kind in SchemaKind::ALL {
        assert!(listed.contains(&kind.name()), "{listed}");
    }
    let output = env.onboard(&["schema", "-o", "json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let listed: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(listed["kinds"][3]["file"], "schemas/client.schema.json");
    let output = env.onboard(&["schema", "nope"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn init_points_each_file_it_writes_at_a_schema_it_validates_against() {
    let env = Env::with_files(&[]);
    let output = env.onboard(&["init"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    for (file, kind, directive) in [
        ("onboard.toml", SchemaKind::Settings, "#:schema "),
        (
            "identities/jane.yaml",
            SchemaKind::Identity,
            "# yaml-language-server: $schema=",
        ),
        (
            "bundles/essential-helpdesk.yaml",
            SchemaKind::Bundle,
            "# yaml-language-server: $schema=",
        ),
        (
            "clients/example.yaml",
            SchemaKind::Client,
            "# yaml-language-server: $schema=",
        ),
    ] {
        let path = env.ws.join(file);
        let text = fs::read_to_string(&path).unwrap();
        let first = text.lines().next().unwrap();
        let target = first
            .strip_prefix(directive)
            .unwrap_or_else(|| panic!("{file} starts with {first:?}"));
        let schema = fs::read_to_string(path.parent().unwrap().join(target))
            .unwrap_or_else(|e| panic!("{file} names {target}: {e}"));
        assert_eq!(schema, generate(kind), "{file} names {target}");
        let checked = Validator::of(kind).check(&as_json(file, &text));
        assert!(checked.is_ok(), "{file}: {checked:?}");
    }
    let output = env.onboard(&["validate"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
}

#[test]
fn editors_show_a_description_for_every_field_of_every_workspace_file() {
    for kind in ["settings", "identity", "bundle", "client", "policy"] {
        let text = fs::read_to_string(schemas_dir().join(format!("{kind}.schema.json"))).unwrap();
        let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
        // The file's own fields, then those of every object type it is made of (the
        // sections of `onboard.toml` and `policy.yaml`, a client's tenants, an
        // identity's declared credentials…).
        let mut objects = vec![("top level".to_string(), &schema["properties"])];
        let defs = schema["$defs"].as_object().into_iter().flatten();
        objects.extend(
            defs.filter(|(_, def)| def.get("properties").is_some())
                .map(|(name, def)| (name.clone(), &def["properties"])),
        );
        for (name, properties) in objects {
            let properties = properties
                .as_object()
                .unwrap_or_else(|| panic!("{kind}: {name} has no properties"));
            for (field, property) in properties {
                assert!(
                    property["description"]
                        .as_str()
                        .is_some_and(|d| !d.is_empty()),
                    "{kind}: {name}.{field} has no description"
                );
            }
        }
    }
}
