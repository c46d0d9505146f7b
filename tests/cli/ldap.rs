//! The LDAP adapter end to end: the binary against a real OpenLDAP `slapd` (one per
//! test), read back with `ldapsearch`, never through our adapter.

use assert_cmd::Command;

use crate::directories::{self, BASE, SERVICE_DN, Slapd, SlapdOptions, group, person};
use crate::support::{ApplyJson, Env, PlanJson, assert_secret_absent, stderr};

const PASSWORD_VAR: &str = "GLOBEX_LDAP_PASSWORD";
const PASSWORD: &str = "service-password-for-tests";

/// The accounts the example workspace wants in globex's LDAP tenant, and one more.
const USERS: [&str; 8] = [
    "alice@globex.example",
    "bokafor",
    "carol@globex.example",
    "dave@globex.example",
    "enakamura",
    "frank@globex.example",
    "svc-northwind-backup",
    "zed",
];
const GROUPS: [&str; 5] = [
    "msp-backup",
    "msp-cloudops",
    "msp-helpdesk",
    "msp-helpdesk-tier2",
    "msp-secops",
];

struct Fixture {
    server: Slapd,
    env: Env,
    password: String,
    extra: Vec<(&'static str, String)>,
}

/// Starts a slapd whose service account has `password`, seeds the accounts and the
/// groups (each holding a placeholder member, as groupOfNames must; `bare` groups hold
/// only what `seed` says), and points the example's `globex/ldap` tenant at it.
fn fixture(password: &str, options: SlapdOptions, seed: &str) -> Option<Fixture> {
    let server = Slapd::start(password, options)?;
    let mut ldif: String = USERS.iter().map(|u| person(u)).collect();
    for name in GROUPS {
        if !seed.contains(&format!("dn: cn={name},")) {
            ldif.push_str(&group(name, &[], false));
        }
    }
    ldif.push_str(seed);
    server.add(&ldif);
    let env = Env::example();
    env.edit(
        "clients/globex.yaml",
        "    adapter: file\n    path: tenants/globex/ldap",
        &format!(
            "    adapter: ldap\n    endpoint: {}\n    base_dn: {BASE}\n    bind_dn: {SERVICE_DN}\n    credential: env:{PASSWORD_VAR}",
            server.url()
        ),
    );
    Some(Fixture {
        server,
        env,
        password: password.to_string(),
        extra: Vec::new(),
    })
}

fn onboard(f: &Fixture, args: &[&str]) -> Command {
    let mut command = f.env.onboard(args);
    command
        .env(PASSWORD_VAR, &f.password)
        .env_remove("ONBOARD_HTTP_TIMEOUT");
    for (var, value) in &f.extra {
        command.env(var, value);
    }
    command
}

fn plan(f: &Fixture, extra: &[&str]) -> (i32, PlanJson) {
    let mut args = vec!["plan", "globex", "--output", "json"];
    args.extend_from_slice(extra);
    let output = onboard(f, &args).output().unwrap();
    let plan = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", stderr(&f.env, &output)));
    (output.status.code().unwrap(), plan)
}

fn ldap_changes(plan: &PlanJson) -> Vec<&crate::support::ChangeJson> {
    plan.changes.iter().filter(|c| c.tenant == "ldap").collect()
}

fn apply_json(f: &Fixture, args: &[&str], code: i32) -> ApplyJson {
    crate::support::apply_json(onboard(f, args), &f.env, code)
}

fn unknown_reason(f: &Fixture) -> String {
    let (code, planned) = plan(f, &[]);
    assert_eq!(code, 4, "{:?}", planned.changes);
    let ldap = ldap_changes(&planned);
    assert_eq!(ldap.len(), 1, "{ldap:?}");
    assert_eq!(ldap[0].kind, "unknown");
    assert_eq!(planned.summary.revoke, 0);
    ldap[0].reason.clone()
}

#[test]
fn plan_apply_converge_and_revoke_against_slapd() {
    let Some(f) = fixture(PASSWORD, SlapdOptions::default(), "") else {
        return;
    };
    let (code, planned) = plan(&f, &[]);
    assert_eq!(code, 0, "{:?}", planned.changes);
    let ldap = ldap_changes(&planned);
    assert_eq!(ldap.len(), 13, "{ldap:?}");
    assert!(ldap.iter().all(|c| c.kind == "grant"));

    let output = onboard(&f, &["apply", "globex", "--yes"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&f.env, &output));
    assert_eq!(
        f.server.members("msp-backup"),
        ["bokafor", "svc-northwind-backup"]
    );
    assert_eq!(
        f.server.members("msp-cloudops"),
        ["alice@globex.example", "bokafor", "enakamura"]
    );
    assert_eq!(
        f.server.members("msp-helpdesk"),
        [
            "alice@globex.example",
            "dave@globex.example",
            "frank@globex.example"
        ]
    );
    assert_eq!(
        f.server.members("msp-secops"),
        ["carol@globex.example", "dave@globex.example"]
    );

    let (code, again) = plan(&f, &["--detailed-exitcode"]);
    assert_eq!(code, 0, "converged: {:?}", again.changes);
    assert!(again.changes.is_empty());

    // A leaver: only that member goes.
    let output = onboard(&f, &["revoke", "--identity", "dave", "--yes"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&f.env, &output));
    assert_eq!(
        f.server.members("msp-helpdesk"),
        ["alice@globex.example", "frank@globex.example"]
    );
    assert_eq!(f.server.members("msp-secops"), ["carol@globex.example"]);
    assert_eq!(
        f.server.members("msp-helpdesk-tier2"),
        ["alice@globex.example", "frank@globex.example"]
    );
    let (code, after) = plan(&f, &["--detailed-exitcode"]);
    assert_eq!(code, 0, "{:?}", after.changes);
}

#[test]
fn already_a_member_and_already_gone_are_unchanged() {
    let Some(f) = fixture(PASSWORD, SlapdOptions::default(), "") else {
        return;
    };
    // A saved plan, then the directory changes under it: bob becomes a member by hand.
    let output = onboard(&f, &["plan", "globex", "--out", "plan.json", "-q"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&f.env, &output));
    f.server.modify(&format!(
        "dn: cn=msp-backup,ou=groups,{BASE}\nchangetype: modify\nadd: member\nmember: uid=bokafor,ou=people,{BASE}\n"
    ));
    let applied = apply_json(&f, &["apply", "plan.json"], 0);
    assert_eq!(
        applied.result("ldap", "group:msp-backup", "bokafor").result,
        "unchanged"
    );
    assert_eq!(
        applied
            .result("ldap", "group:msp-helpdesk", "dave@globex.example")
            .result,
        "applied"
    );

    // The contract ends: every grant goes. dave left msp-helpdesk by hand meanwhile.
    f.env
        .edit("clients/globex.yaml", "end: 2028-03-31", "end: 2026-06-30");
    let output = onboard(&f, &["plan", "globex", "--out", "end.json", "-q"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&f.env, &output));
    f.server.modify(&format!(
        "dn: cn=msp-helpdesk,ou=groups,{BASE}\nchangetype: modify\ndelete: member\nmember: uid=dave@globex.example,ou=people,{BASE}\n"
    ));
    let revoked = apply_json(&f, &["apply", "end.json"], 0);
    assert_eq!(
        revoked
            .result("ldap", "group:msp-helpdesk", "dave@globex.example")
            .result,
        "unchanged"
    );
    assert_eq!(
        revoked
            .result("ldap", "group:msp-secops", "dave@globex.example")
            .result,
        "applied"
    );
    for name in GROUPS {
        assert!(
            f.server.members(name).is_empty(),
            "{name} still has members"
        );
    }
}

#[test]
fn removing_the_last_member_of_a_group_of_names_says_so() {
    // msp-secops holds carol and no placeholder.
    let seed = group("msp-secops", &["carol@globex.example"], true);
    let Some(f) = fixture(PASSWORD, SlapdOptions::default(), &seed) else {
        return;
    };
    let applied = apply_json(&f, &["apply", "globex"], 0);
    assert_eq!(
        applied
            .result("ldap", "group:msp-secops", "carol@globex.example")
            .result,
        "unchanged",
        "already held: recorded"
    );
    apply_json(&f, &["revoke", "--identity", "dave"], 0);
    assert_eq!(f.server.members("msp-secops"), ["carol@globex.example"]);
    let revoked = apply_json(&f, &["revoke", "--identity", "carol"], 4);
    let failed = revoked.result("ldap", "group:msp-secops", "carol@globex.example");
    assert_eq!(failed.result, "failed");
    let error = failed.error.as_deref().unwrap();
    assert!(
        error.contains(&format!(
            "cannot remove the last member of groupOfNames `cn=msp-secops,ou=groups,{BASE}`"
        )) && error.contains("LDAP result 65 (objectClassViolation)"),
        "{error}"
    );
    assert_eq!(f.server.members("msp-secops"), ["carol@globex.example"]);
}

/// 650 more people, all members of msp-helpdesk: more than OpenLDAP's default size
/// limit (500) and than our page size.
fn crowd() -> String {
    let uids: Vec<String> = (0..650).map(|i| format!("crowd{i:03}")).collect();
    let mut ldif: String = uids.iter().map(|u| person(u)).collect();
    let refs: Vec<&str> = uids.iter().map(String::as_str).collect();
    ldif.push_str(&group("msp-helpdesk", &refs, false));
    ldif
}

#[test]
fn searches_page_through_a_large_directory_and_a_partial_read_is_unknown() {
    let options = SlapdOptions {
        unlimited_paging: true,
        ..SlapdOptions::default()
    };
    let Some(f) = fixture(PASSWORD, options, &crowd()) else {
        return;
    };
    let output = onboard(&f, &["plan", "globex", "-o", "json", "--verbose"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&f.env, &output));
    let planned: PlanJson = serde_json::from_slice(&output.stdout).unwrap();
    let drift = ldap_changes(&planned)
        .into_iter()
        .filter(|c| c.kind == "drift" && c.entitlement.as_deref() == Some("group:msp-helpdesk"))
        .count();
    assert_eq!(drift, 650, "every member outside onboard is seen");
    let log = stderr(&f.env, &output);
    assert!(
        log.contains("`(uid=*)`: 658 entries, LDAP result 0 (success)"),
        "one paged scan of every account: {log}"
    );

    // The same directory with OpenLDAP's default limits stops at 500 entries, paged or
    // not: the tenant is unknown, never read as holding fewer members.
    let Some(limited) = fixture(PASSWORD, SlapdOptions::default(), &crowd()) else {
        return;
    };
    let reason = unknown_reason(&limited);
    assert!(
        reason.contains("stopped the search after 500 entries")
            && reason.contains("sizeLimitExceeded"),
        "{reason}"
    );
}

#[test]
fn a_directory_down_for_a_moment_is_tried_again_and_one_that_stays_down_is_unknown() {
    let Some(mut f) = fixture(PASSWORD, SlapdOptions::default(), "") else {
        return;
    };
    apply_json(&f, &["apply", "globex"], 0);
    f.server.stop();
    // Down for good: every attempt fails, and the tenant is unknown, never empty.
    f.extra.push(("ONBOARD_TEST_RETRY_SCALE", "0.01".into()));
    let reason = unknown_reason(&f);
    assert!(reason.contains("cannot talk to the directory"), "{reason}");
    let output = onboard(&f, &["plan", "globex", "--verbose"])
        .output()
        .unwrap();
    let log = stderr(&f.env, &output);
    assert!(log.contains("ldap: connect to"), "{log}");
    assert!(log.contains("attempt 5 of 5"), "{log}");
    assert!(!log.contains("attempt 6"), "{log}");
    // Back within a second (real waits): the plan waits for it and finds nothing to do.
    f.extra.clear();
    let (env, password, server) = (&f.env, &f.password, &mut f.server);
    let code = std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(std::time::Duration::from_secs(1));
            server.restart();
        });
        env.onboard(&["plan", "globex", "--detailed-exitcode"])
            .env(PASSWORD_VAR, password)
            .output()
            .unwrap()
            .status
            .code()
    });
    assert_eq!(code, Some(0));
}

#[test]
fn a_wrong_base_dn_password_or_tenant_id_makes_the_tenant_unknown_and_never_revokes() {
    let Some(mut f) = fixture(PASSWORD, SlapdOptions::default(), "") else {
        return;
    };
    apply_json(&f, &["apply", "globex"], 0);
    // The contract ended, so every grant would go, but the tenant cannot be trusted.
    f.env
        .edit("clients/globex.yaml", "end: 2028-03-31", "end: 2026-06-30");

    f.env.edit(
        "clients/globex.yaml",
        &format!("base_dn: {BASE}"),
        "base_dn: dc=initech,dc=example",
    );
    let reason = unknown_reason(&f);
    assert!(
        reason.contains("the base DN `dc=initech,dc=example` does not exist"),
        "{reason}"
    );
    f.env.edit(
        "clients/globex.yaml",
        "base_dn: dc=initech,dc=example",
        &format!("base_dn: {BASE}\n    tenant_id: dc=initech,dc=example"),
    );
    let reason = unknown_reason(&f);
    assert!(
        reason.contains(
            "`tenant_id: dc=initech,dc=example` is neither the base DN nor a naming context"
        ),
        "{reason}"
    );
    f.env.edit(
        "clients/globex.yaml",
        "tenant_id: dc=initech,dc=example",
        &format!("tenant_id: {BASE}"),
    );
    let output = onboard(&f, &["apply", "globex", "--yes", "-o", "json"])
        .env(PASSWORD_VAR, "not-the-password")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        stderr(&f.env, &output)
    );
    assert!(
        text.contains("LDAP result 49 (invalidCredentials)") && text.contains("check `bind_dn`"),
        "{text}"
    );
    for name in GROUPS {
        assert!(!f.server.members(name).is_empty(), "nothing was revoked");
    }
    // With the right password, the matching tenant id, the revocations go through.
    f.password = PASSWORD.into();
    let revoked = apply_json(&f, &["apply", "globex"], 0);
    assert!(revoked.results.iter().any(|r| r.tenant == "ldap"));
    assert!(f.server.members("msp-helpdesk").is_empty());
}

#[test]
fn ldaps_and_starttls_verify_the_certificate_and_plain_ldap_stays_on_loopback() {
    let options = SlapdOptions {
        tls: true,
        ..SlapdOptions::default()
    };
    let Some(f) = fixture(PASSWORD, options, "") else {
        return;
    };
    let plain = f.server.url();
    let ca = directories::test_ca().ca.display().to_string();

    // LDAPS to the IP address and to `localhost`, trusting the test CA (`ca_file:`,
    // relative to the workspace).
    std::fs::copy(&ca, f.env.ws.join("globex-ca.pem")).unwrap();
    let ldaps = format!("ldaps://127.0.0.1:{}", f.server.tls_port);
    f.env.edit(
        "clients/globex.yaml",
        &plain,
        &format!("{ldaps}\n    ca_file: globex-ca.pem"),
    );
    let (code, planned) = plan(&f, &[]);
    assert_eq!(code, 0, "{:?}", planned.changes);
    assert_eq!(ldap_changes(&planned).len(), 13);
    let by_name = format!("ldaps://localhost:{}", f.server.tls_port);
    f.env.edit("clients/globex.yaml", &ldaps, &by_name);
    let applied = apply_json(&f, &["apply", "globex"], 0);
    assert_eq!(
        applied
            .results
            .iter()
            .filter(|r| r.tenant == "ldap")
            .count(),
        13
    );

    // Without the test CA the certificate is not trusted (the platform's roots do not
    // have it): unknown, nothing sent.
    f.env
        .edit("clients/globex.yaml", "\n    ca_file: globex-ca.pem", "");
    let reason = unknown_reason(&f);
    assert!(
        reason.contains("TLS with `ldaps://localhost")
            && reason.to_lowercase().contains("certificate"),
        "{reason}"
    );

    // StartTLS on the plain port.
    f.env.edit(
        "clients/globex.yaml",
        &by_name,
        &format!("{plain}\n    starttls: true\n    ca_file: globex-ca.pem"),
    );
    let output = onboard(&f, &["plan", "globex", "--verbose", "--detailed-exitcode"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&f.env, &output));
    assert!(stderr(&f.env, &output).contains("(StartTls) as `cn=onboard"));
    f.env
        .edit("clients/globex.yaml", "\n    ca_file: globex-ca.pem", "");

    // Plain LDAP off loopback is refused before anything is sent.
    f.env.edit(
        "clients/globex.yaml",
        &format!("{plain}\n    starttls: true"),
        "ldap://ldap.globex.example\n    starttls: false",
    );
    let reason = unknown_reason(&f);
    assert!(
        reason.contains("refusing plain `ldap://` to `ldap.globex.example`"),
        "{reason}"
    );
}

#[test]
fn a_planted_bind_password_appears_in_no_output_log_plan_ledger_or_file() {
    const PLANTED: &str = "ldap-PLANTED-4e8b1c7d9a";
    let Some(f) = fixture(PLANTED, SlapdOptions::default(), "") else {
        return;
    };
    let mut everything = String::new();
    let mut run = |f: &Fixture, args: &[&str]| {
        let output = onboard(f, args).output().unwrap();
        everything.push_str(&String::from_utf8_lossy(&output.stdout));
        everything.push_str(&String::from_utf8_lossy(&output.stderr));
        output.status.code()
    };
    assert_eq!(
        run(&f, &["plan", "globex", "--verbose", "--out", "plan.json"]),
        Some(0)
    );
    assert_eq!(
        run(&f, &["apply", "plan.json", "--yes", "--verbose"]),
        Some(0)
    );
    assert_eq!(
        run(&f, &["plan", "globex", "--verbose", "-o", "markdown"]),
        Some(0)
    );
    assert_eq!(
        run(
            &f,
            &[
                "revoke",
                "--identity",
                "dave",
                "--yes",
                "--verbose",
                "-o",
                "json"
            ]
        ),
        Some(0)
    );
    assert_eq!(run(&f, &["status", "--verbose", "-o", "json"]), Some(0));
    // Error paths: a wrong base DN, then a wrong password, both verbose.
    f.env.edit(
        "clients/globex.yaml",
        &format!("base_dn: {BASE}"),
        "base_dn: dc=other,dc=example",
    );
    assert_eq!(run(&f, &["apply", "globex", "--yes", "--verbose"]), Some(4));
    f.env.edit(
        "clients/globex.yaml",
        "base_dn: dc=other,dc=example",
        &format!("base_dn: {BASE}"),
    );
    let wrong = Fixture {
        password: format!("{PLANTED}-wrong"),
        ..f
    };
    assert_eq!(run(&wrong, &["plan", "globex", "--verbose"]), Some(4));
    assert!(
        everything.contains("ldap: bind to ldap://127.0.0.1"),
        "binds were logged: {everything}"
    );
    assert!(
        !everything.contains(PLANTED),
        "the password leaked into output"
    );
    let files = assert_secret_absent(&wrong.env.root, PLANTED, "password");
    assert!(files.iter().any(|p| p.ends_with("state/ledger.json")));
    assert!(files.iter().any(|p| p.ends_with("plan.json")));
}

#[test]
fn validate_reports_a_ca_file_that_is_missing_or_holds_no_certificate_at_its_line() {
    let env = crate::support::Env::example();
    env.edit(
        "clients/globex.yaml",
        "    adapter: file\n    path: tenants/globex/ldap",
        &format!(
            "    adapter: ldap\n    endpoint: ldaps://ldap.globex.example\n    base_dn: {BASE}\n    bind_dn: {SERVICE_DN}\n    credential: env:{PASSWORD_VAR}\n    ca_file: certs/globex-ca.pem"
        ),
    );
    env.write("certs/not-pem.pem", "just some text, no certificate\n");
    env.write(
        "certs/broken.pem",
        "-----BEGIN CERTIFICATE-----\n@@@ not base64 @@@\n-----END CERTIFICATE-----\n",
    );
    for (file, problem) in [
        ("certs/globex-ca.pem", "cannot read the CA file"),
        ("certs/not-pem.pem", "holds no PEM certificate"),
        (
            "certs/broken.pem",
            "holds a certificate that cannot be read",
        ),
    ] {
        env.edit(
            "clients/globex.yaml",
            "ca_file: certs/globex-ca.pem",
            &format!("ca_file: {file}"),
        );
        for command in [&["validate"][..], &["plan", "globex"]] {
            let output = env.onboard(command).output().unwrap();
            let text = stderr(&env, &output);
            assert_eq!(output.status.code(), Some(1), "{command:?} {file}: {text}");
            assert!(
                text.contains(problem)
                    && text.contains(file)
                    && text.contains("clients/globex.yaml:21:")
                    && text.contains("(field `tenants[1].ca_file`)"),
                "{command:?} {file}: {text}"
            );
        }
        env.edit(
            "clients/globex.yaml",
            &format!("ca_file: {file}"),
            "ca_file: certs/globex-ca.pem",
        );
    }
    // Only directory tenants check a certificate against a CA file of their own.
    env.edit(
        "clients/globex.yaml",
        "    path: tenants/globex/entra",
        "    path: tenants/globex/entra\n    ca_file: certs/not-pem.pem",
    );
    let output = env.onboard(&["validate"]).output().unwrap();
    let text = stderr(&env, &output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("`ca_file` is for `ldap` and `ad` tenants only")
            && text.contains("(field `tenants[0].ca_file`)"),
        "{text}"
    );
}

/// The service account whose password the credential tests set.
const SERVICE_ACCOUNT: &str = "svc-northwind-backup";

fn service_account_dn() -> String {
    format!("uid={SERVICE_ACCOUNT},ou=people,{BASE}")
}

/// Opens the fixture's tenant's directory in this process, as the adapter does, its
/// bind password in a 0600 `file:` credential (an in-process test cannot set the
/// variable the fixture's client file names).
fn directory(f: &Fixture) -> onboard::adapters::ldap::Directory {
    use std::os::unix::fs::PermissionsExt;
    f.env.write("ldap.secret", &f.password);
    std::fs::set_permissions(
        f.env.ws.join("ldap.secret"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    f.env.edit(
        "clients/globex.yaml",
        &format!("credential: env:{PASSWORD_VAR}"),
        "credential: file:ldap.secret",
    );
    let workspace = onboard::load::load(&f.env.ws).unwrap();
    let client = &workspace.clients["globex"];
    let tenant = client.tenant("ldap").unwrap();
    let options = onboard::adapters::Options::default();
    let context = onboard::adapters::TenantContext::new(client, tenant, &f.env.ws, &options);
    onboard::adapters::ldap::Directory::open(&context).unwrap()
}

/// Seeds the service account's current password.
fn seed_service_password(f: &Fixture, password: &str) {
    f.server.modify(&format!(
        "dn: {}\nchangetype: modify\nreplace: userPassword\nuserPassword: {password}\n",
        service_account_dn()
    ));
    assert!(f.server.binds(&service_account_dn(), password));
}

#[test]
fn password_modify_sets_the_service_accounts_password_and_the_old_one_stops_binding() {
    use onboard::adapters::ldap::PasswordWrite;
    use onboard::secrets::Secret;
    let Some(f) = fixture(PASSWORD, SlapdOptions::default(), "") else {
        return;
    };
    const OLD: &str = "svc-old-password-1f2e";
    seed_service_password(&f, OLD);
    let mut directory = directory(&f);
    let new = Secret::new("svc-NEW-password-9a8b7c");
    directory
        .set_password(
            "issue `password` for `svc-northwind-backup`",
            &service_account_dn(),
            PasswordWrite::PasswordModify,
            &new,
        )
        .unwrap();
    assert!(f.server.binds(&service_account_dn(), new.expose()));
    assert!(!f.server.binds(&service_account_dn(), OLD));
    // slapd hashed it (its default `password-hash`, `{SSHA}`): the exop, not a plain
    // write of the value.
    let stored = std::process::Command::new("ldapsearch")
        .args(["-x", "-LLL", "-H", &f.server.url(), "-D"])
        .arg(crate::directories::ROOT_DN)
        .args(["-w", crate::directories::ROOT_PW, "-b"])
        .arg(service_account_dn())
        .args(["-s", "base", "userPassword"])
        .output()
        .unwrap();
    let stored = String::from_utf8_lossy(&stored.stdout).to_string();
    assert!(stored.contains("userPassword:: "), "{stored}");
    assert!(!stored.contains("svc-NEW-password"), "{stored}");

    // Through the adapter, as `apply` rotates it: the account found by `user_filter`,
    // a fingerprint for key id, nothing to remove or list for a password.
    use onboard::adapters::{CredentialKind, CredentialRequest, Outcome};
    let workspace = onboard::load::load(&f.env.ws).unwrap();
    let client = &workspace.clients["globex"];
    let options = onboard::adapters::Options::default();
    let mut adapter =
        onboard::adapters::open(client, client.tenant("ldap").unwrap(), &f.env.ws, &options)
            .unwrap();
    adapter.verify_tenant().unwrap();
    let request = CredentialRequest {
        kind: CredentialKind::Password,
        account: SERVICE_ACCOUNT,
        application: None,
        label: "onboard globex/svc-northwind-backup",
        expires_at: None,
    };
    let newer = onboard::secrets::generate_password().unwrap();
    let issued = adapter.issue_credential(&request, Some(&newer)).unwrap();
    assert!(onboard::secrets::fingerprint_matches(
        &issued.key_id,
        &newer
    ));
    assert!(f.server.binds(&service_account_dn(), newer.expose()));
    assert!(!f.server.binds(&service_account_dn(), new.expose()));
    assert_eq!(
        adapter.remove_credential(&request, &issued.key_id).unwrap(),
        Outcome::NoChange
    );
    assert_eq!(adapter.list_credentials(&request).unwrap(), None);
    let nobody = CredentialRequest {
        account: "nobody",
        ..request
    };
    let error = adapter.issue_credential(&nobody, Some(&newer)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "tenant `globex/ldap`: issue `password` for `nobody` failed: the directory has no account `nobody`"
    );
}

#[test]
fn a_directory_refusing_the_password_says_tenant_account_and_why_never_the_password() {
    use onboard::adapters::FailureKind;
    use onboard::adapters::ldap::PasswordWrite;
    use onboard::secrets::Secret;
    let options = SlapdOptions {
        deny_password_writes: true,
        ..SlapdOptions::default()
    };
    let Some(f) = fixture(PASSWORD, options, "") else {
        return;
    };
    const OLD: &str = "svc-old-password-5d6c";
    seed_service_password(&f, OLD);
    let mut directory = directory(&f);
    let new = Secret::new("svc-REFUSED-password-3c4d");
    let error = directory
        .set_password(
            "issue `password` for `svc-northwind-backup`",
            &service_account_dn(),
            PasswordWrite::PasswordModify,
            &new,
        )
        .unwrap_err();
    assert_eq!(error.kind, FailureKind::Denied);
    let text = format!("{error} {}", error.hint.clone().unwrap_or_default());
    assert!(
        text.starts_with(
            "tenant `globex/ldap`: issue `password` for `svc-northwind-backup` failed: LDAP result 50 (insufficientAccessRights)"
        ),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "`{SERVICE_DN}` needs write access to `userPassword` of `{}`",
            service_account_dn()
        )),
        "{text}"
    );
    assert!(!text.contains("REFUSED"), "{text}");
    assert!(
        f.server.binds(&service_account_dn(), OLD),
        "nothing changed"
    );

    // A missing account: result 32, named.
    let gone = format!("uid=nobody,ou=people,{BASE}");
    let error = directory
        .set_password("issue", &gone, PasswordWrite::PasswordModify, &new)
        .unwrap_err();
    assert!(
        error
            .hint
            .as_deref()
            .unwrap_or_default()
            .contains(&format!("`{gone}` is gone")),
        "{error} {:?}",
        error.hint
    );
}

#[test]
fn a_declared_ldap_password_is_rotated_into_a_real_vault_and_the_old_one_stops_binding() {
    let Some(bao) = crate::peers::BaoServer::shared() else {
        return;
    };
    let Some(mut f) = fixture(PASSWORD, SlapdOptions::default(), "") else {
        return;
    };
    const OLD: &str = "svc-e2e-old-password-77aa";
    seed_service_password(&f, OLD);
    let token = crate::support::deliver_to_vault(&f.env, bao, "onboard-creds-ldap");
    f.extra.push(("ONBOARD_TEST_VAULT_TOKEN", token.clone()));
    let svc = f
        .env
        .read_without_credentials("identities/globex-backup-svc.yaml");
    f.env.write(
        "identities/globex-backup-svc.yaml",
        &format!(
            "{svc}credentials:\n  - system: ldap\n    kind: password\n    max_age: 90d\n    deliver: \"vault:secret/data/creds-ldap/{{client}}/{{id}}#password\"\n"
        ),
    );
    let mut printed = Vec::new();
    let mut run = |args: &[&str], code: i32| {
        let output = onboard(&f, args).output().unwrap();
        let text = format!(
            "{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            stderr(&f.env, &output)
        );
        assert_eq!(output.status.code(), Some(code), "{text}");
        printed.push(text.clone());
        text
    };
    let planned = run(&["plan", "globex"], 0);
    assert!(
        planned.contains("rotate") && planned.contains("globex-backup-svc"),
        "{planned}"
    );
    run(&["apply", "globex", "--yes", "--verbose"], 0);
    let delivered = bao
        .get("creds-ldap/globex/globex-backup-svc", "password")
        .expect("the new password is in the vault");
    assert!(f.server.binds(&service_account_dn(), &delivered));
    assert!(!f.server.binds(&service_account_dn(), OLD));
    // Converged: nothing more to rotate.
    let again = run(&["plan", "globex"], 0);
    assert!(!again.contains("rotate"), "{again}");
    for text in &printed {
        assert!(!text.contains(&delivered), "the password leaked:\n{text}");
    }
    assert_secret_absent(&f.env.root, &delivered, "new password");
    assert_secret_absent(&f.env.root, &token, "vault token");
}
