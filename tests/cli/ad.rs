//! The Active Directory adapter end to end, against one Samba AD DC shared by the test
//! process (each test has its own OU, accounts and groups, all named with its prefix,
//! since sAMAccountNames are unique domain-wide), read back with `ldapsearch`.

use std::collections::HashSet;

use assert_cmd::Command;

use crate::directories::{AD_ADMIN, AD_BASE, AD_PASSWORD, SambaDc, samba};
use crate::support::{ApplyJson, Env, PlanJson, stderr};

/// The administrator's password, in a `file:` credential (0600) in the workspace.
const SECRET_FILE: &str = "ad.secret";

struct Fixture {
    dc: &'static SambaDc,
    env: Env,
    prefix: &'static str,
}

impl Fixture {
    fn ou(&self) -> String {
        format!("OU={},{AD_BASE}", self.prefix)
    }

    fn group_dn(&self, name: &str) -> String {
        format!("CN={}-{name},{}", self.prefix, self.ou())
    }

    fn members(&self, name: &str) -> Vec<String> {
        self.dc.members(&self.group_dn(name))
    }
}

/// Seeds OU `prefix` (alice with a UPN, bob with only a sAMAccountName, the groups
/// `PREFIX-helpdesk` and `PREFIX-oncall`) and a workspace whose client `corp` has one
/// `ad` tenant on it: alice and bob get `helpdesk`, bob an exception for `oncall` until
/// 2026-12-01. `None` without Samba (outside CI).
fn fixture(prefix: &'static str, extra_ldif: &str) -> Option<Fixture> {
    let dc = samba()?;
    let ou = format!("OU={prefix},{AD_BASE}");
    dc.add(&format!(
        "dn: {ou}\nobjectClass: organizationalUnit\n\n\
         dn: CN={prefix}-alice,{ou}\nobjectClass: user\nsAMAccountName: {prefix}-alice\nuserPrincipalName: alice@{prefix}.example\n\n\
         dn: CN={prefix}-bob,{ou}\nobjectClass: user\nsAMAccountName: {prefix}-bob\n\n\
         dn: CN={prefix}-helpdesk,{ou}\nobjectClass: group\nsAMAccountName: {prefix}-helpdesk\n\n\
         dn: CN={prefix}-oncall,{ou}\nobjectClass: group\nsAMAccountName: {prefix}-oncall\n\n{extra_ldif}"
    ));
    let bundle = format!(
        "id: standard-helpdesk\ntier: standard\nfunction: helpdesk\ngrants:\n  - system: ad\n    entitlement: \"group:{prefix}-helpdesk\"\n"
    );
    let client = format!(
        "id: corp\ntier: standard\ncontract:\n  start: 2025-01-01\n  end: 2027-12-31\ntenants:\n  - name: ad\n    system: ad\n    adapter: ad\n    endpoint: ldap://127.0.0.1\n    bind_dn: {AD_ADMIN}\n    credential: file:{SECRET_FILE}\n    tenant_id: onboard.test\n    domain: {prefix}.example\n    base_dn: {ou}\nexceptions:\n  - id: oncall\n    identity: bob\n    grants:\n      - system: ad\n        entitlement: \"group:{prefix}-oncall\"\n    reason: On call for the December freeze\n    approver: alice\n    until: 2026-12-01\n"
    );
    let bob = format!(
        "id: bob\nkind: person\nmfa: enforced\nfunctions: [helpdesk]\naccounts:\n  default: \"{{id}}@{{domain}}\"\n  ad: {prefix}-bob\n"
    );
    let env = Env::with_files(&[
        ("onboard.toml", "[paths]\nbundles = [\"bundles\"]\n"),
        ("bundles/helpdesk.yaml", &bundle),
        (
            "identities/alice.yaml",
            "id: alice\nkind: person\nmfa: enforced\nfunctions: [helpdesk]\naccounts:\n  default: \"{id}@{domain}\"\n",
        ),
        ("identities/bob.yaml", &bob),
        ("clients/corp.yaml", &client),
    ]);
    env.write(SECRET_FILE, AD_PASSWORD);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        env.ws.join(SECRET_FILE),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    Some(Fixture { dc, env, prefix })
}

fn onboard_at(f: &Fixture, now: &str, args: &[&str]) -> Command {
    f.env.onboard_at(now, args)
}

fn onboard(f: &Fixture, args: &[&str]) -> Command {
    onboard_at(f, crate::support::NOW, args)
}

fn plan(f: &Fixture, extra: &[&str]) -> (i32, PlanJson, String) {
    let mut args = vec!["plan", "corp", "--output", "json"];
    args.extend_from_slice(extra);
    let output = onboard(f, &args).output().unwrap();
    let plan = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", stderr(&f.env, &output)));
    (output.status.code().unwrap(), plan, stderr(&f.env, &output))
}

fn apply_json(f: &Fixture, args: &[&str], code: i32) -> ApplyJson {
    crate::support::apply_json(onboard(f, args), &f.env, code)
}

#[test]
fn upn_and_sam_account_names_resolve_converge_and_revoke() {
    let Some(f) = fixture("t1", "") else {
        return;
    };
    let (code, planned, log) = plan(&f, &[]);
    assert_eq!(code, 0, "{log}");
    let grants: HashSet<_> = planned
        .changes
        .iter()
        .filter(|c| c.kind == "grant")
        .map(|c| (c.entitlement.clone().unwrap(), c.account.clone().unwrap()))
        .collect();
    assert_eq!(
        grants,
        HashSet::from([
            (
                "group:t1-helpdesk".to_string(),
                "alice@t1.example".to_string()
            ),
            ("group:t1-helpdesk".to_string(), "t1-bob".to_string()),
            ("group:t1-oncall".to_string(), "t1-bob".to_string()),
        ])
    );
    apply_json(&f, &["apply", "corp"], 0);
    assert_eq!(f.members("helpdesk"), ["t1-alice", "t1-bob"]);
    assert_eq!(f.members("oncall"), ["t1-bob"]);
    // Listed back by UPN (alice) and by sAMAccountName (bob, who has no UPN).
    let (code, again, _) = plan(&f, &["--detailed-exitcode"]);
    assert_eq!(code, 0, "converged: {:?}", again.changes);
    apply_json(&f, &["revoke", "--identity", "alice"], 0);
    assert_eq!(f.members("helpdesk"), ["t1-bob"]);
    assert_eq!(f.members("oncall"), ["t1-bob"]);
}

#[test]
fn a_group_of_more_than_1500_members_is_read_in_full_through_ranged_retrieval() {
    let mut ldif = String::new();
    let ou = format!("OU=t2,{AD_BASE}");
    for i in 0..1600 {
        ldif.push_str(&format!(
            "dn: CN=t2-u{i},{ou}\nobjectClass: user\nsAMAccountName: t2-u{i}\nuserPrincipalName: u{i}@t2.example\n\n"
        ));
    }
    ldif.push_str(&format!(
        "dn: CN=t2-big,{ou}\nobjectClass: group\nsAMAccountName: t2-big\n"
    ));
    for i in 0..1600 {
        ldif.push_str(&format!("member: CN=t2-u{i},{ou}\n"));
    }
    ldif.push('\n');
    let started = std::time::Instant::now();
    let Some(f) = fixture("t2", &ldif) else {
        return;
    };
    eprintln!("seeding the big group took {:?}", started.elapsed());
    f.env
        .edit("bundles/helpdesk.yaml", "group:t2-helpdesk", "group:t2-big");
    let started = std::time::Instant::now();
    let (code, planned, log) = plan(&f, &["--verbose"]);
    eprintln!("plan of the big group took {:?}", started.elapsed());
    assert_eq!(code, 0, "{log}");
    let drift = planned
        .changes
        .iter()
        .filter(|c| c.kind == "drift" && c.entitlement.as_deref() == Some("group:t2-big"))
        .count();
    assert_eq!(drift, 1600, "every member is seen");
    assert!(log.contains("member;range=0-999"), "{log}");
    assert!(log.contains("member;range=1000-1999"), "{log}");
}

#[test]
fn adds_and_removes_are_idempotent_and_expiry_falls_back_to_onboard_expire() {
    let Some(f) = fixture("t3", "") else {
        return;
    };
    // A saved plan; then an administrator adds alice by hand.
    let output = onboard(&f, &["plan", "corp", "--out", "plan.json", "-q"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&f.env, &output));
    f.dc.modify(&format!(
        "dn: {}\nchangetype: modify\nadd: member\nmember: CN=t3-alice,{}\n",
        f.group_dn("helpdesk"),
        f.ou()
    ));
    let applied = apply_json(&f, &["apply", "plan.json"], 0);
    let result = |entitlement: &str, account: &str| {
        applied.result("ad", entitlement, account).result.as_str()
    };
    assert_eq!(result("group:t3-helpdesk", "alice@t3.example"), "unchanged");
    assert_eq!(result("group:t3-oncall", "t3-bob"), "applied");

    // Through the adapter itself: verify, capabilities, then each verb twice.
    let workspace = onboard::load::load(&f.env.ws).unwrap();
    let client = &workspace.clients["corp"];
    let tenant = client.tenant("ad").unwrap();
    let options = onboard::adapters::Options::default();
    let mut adapter = onboard::adapters::open(client, tenant, &f.env.ws, &options).unwrap();
    adapter.verify_tenant().unwrap();
    assert!(
        !adapter.enforces_expiry(&"group:t3-helpdesk".parse().unwrap()),
        "Samba has no Privileged Access Management feature: no native expiry"
    );
    let group: onboard::model::Entitlement = "group:t3-helpdesk".parse().unwrap();
    let bob = adapter.resolve("t3-bob").unwrap().unwrap();
    let alice = adapter.resolve("alice@t3.example").unwrap().unwrap();
    assert_eq!(bob.id, format!("CN=t3-bob,{}", f.ou()));
    use onboard::adapters::Outcome::{Changed, NoChange};
    assert_eq!(adapter.revoke(&alice, &group).unwrap(), Changed);
    assert_eq!(adapter.revoke(&alice, &group).unwrap(), NoChange);
    assert_eq!(adapter.grant(&alice, &group, None).unwrap(), Changed);
    assert_eq!(adapter.grant(&alice, &group, None).unwrap(), NoChange);
    assert_eq!(f.members("helpdesk"), ["t3-alice", "t3-bob"]);

    // The permissive-modify control itself: re-adding a present member and removing an
    // absent one succeed with it, where a bare modify fails.
    let context = onboard::adapters::TenantContext::new(client, tenant, &f.env.ws, &options);
    let mut directory = onboard::adapters::ldap::Directory::open(&context).unwrap();
    let permissive = || {
        vec![ldap3::controls::RawControl {
            ctype: onboard::adapters::ldap::PERMISSIVE_MODIFY_OID.into(),
            crit: false,
            val: None,
        }]
    };
    let value = |dn: &str| HashSet::from([dn.to_string()]);
    let present = directory
        .modify(
            "test",
            &f.group_dn("helpdesk"),
            ldap3::Mod::Add("member".into(), value(&alice.id)),
            Vec::new(),
        )
        .unwrap();
    assert_ne!(present.rc, 0, "a bare re-add fails");
    let with_control = directory
        .modify(
            "test",
            &f.group_dn("helpdesk"),
            ldap3::Mod::Add("member".into(), value(&alice.id)),
            permissive(),
        )
        .unwrap();
    let absent = directory
        .modify(
            "test",
            &f.group_dn("oncall"),
            ldap3::Mod::Delete("member".into(), value(&alice.id)),
            permissive(),
        )
        .unwrap();
    // AD answers both with success. Samba (4.17) accepts the control but ignores it on
    // linked attributes, answering 68 and 53: the adapter's membership check before and
    // after a refused modify is what keeps it idempotent there (the verbs above).
    assert!(
        matches!((with_control.rc, absent.rc), (0, 0) | (68, 53)),
        "{with_control:?} {absent:?}"
    );

    // bob's on-call exception ends on 2026-12-01: no native expiry, so `onboard expire`
    // revokes it.
    assert_eq!(f.members("oncall"), ["t3-bob"]);
    let output = onboard_at(&f, "2026-12-02T09:00:00Z", &["expire"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&f.env, &output));
    assert!(f.members("oncall").is_empty());
    assert_eq!(f.members("helpdesk"), ["t3-alice", "t3-bob"]);
}

#[test]
fn the_wrong_domain_makes_the_tenant_unknown() {
    let Some(f) = fixture("t4", "") else {
        return;
    };
    f.env.edit(
        "clients/corp.yaml",
        "tenant_id: onboard.test",
        "tenant_id: globex.example",
    );
    let (code, planned, _) = plan(&f, &[]);
    assert_eq!(code, 4);
    assert_eq!(planned.summary.unknown, 1);
    let reason = &planned.changes[0].reason;
    assert!(
        reason.contains(
            "serves the domain `onboard.test` (`DC=onboard,DC=test`), not `globex.example`"
        ),
        "{reason}"
    );
    f.env.edit(
        "clients/corp.yaml",
        "tenant_id: globex.example",
        "tenant_id: onboard.test",
    );
    f.env.write(SECRET_FILE, "wrong-password");
    let output = onboard(&f, &["plan", "corp", "-q"]).output().unwrap();
    assert_eq!(output.status.code(), Some(4));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("invalidCredentials"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

/// `onboard import` against the DC, as `import::ldap` against slapd: a domain that
/// already holds access is imported (the client's existing file names the tenant), the
/// first plan is empty, and taking the imported exception out revokes exactly that.
#[test]
fn import_of_a_domain_that_already_holds_access_has_an_empty_first_plan() {
    let Some(f) = fixture("t7", "") else {
        return;
    };
    let ou = f.ou();
    let prefix = f.prefix;
    // alice and bob hold the helpdesk group (the bundle's), bob the on-call group (his
    // exception's), and alice the on-call group too, which nothing gives her.
    f.dc.modify(&format!(
        "dn: {helpdesk}\nchangetype: modify\nadd: member\nmember: CN={prefix}-alice,{ou}\nmember: CN={prefix}-bob,{ou}\n\n\
         dn: {oncall}\nchangetype: modify\nadd: member\nmember: CN={prefix}-bob,{ou}\nmember: CN={prefix}-alice,{ou}\n\n",
        helpdesk = f.group_dn("helpdesk"),
        oncall = f.group_dn("oncall"),
    ));
    let doc = crate::import::import_json(
        onboard(
            &f,
            &[
                "import",
                "corp",
                "--force",
                "--approver",
                "bob",
                "-o",
                "json",
            ],
        ),
        &f.env,
        0,
    );
    assert_eq!(doc.exceptions, ["imported-alice"]);
    assert_eq!(doc.recorded, 4, "{:?}", doc.holders());
    let text = f.env.read("clients/corp.yaml");
    // The file's own exception is kept beside the imported one.
    assert!(text.contains("- id: oncall"), "{text}");

    assert_eq!(
        crate::import::revokes_after_removing(
            |args| onboard(&f, args),
            &f.env,
            "corp",
            &text,
            "imported-alice"
        ),
        [(
            "revoke".to_string(),
            format!("group:{prefix}-oncall"),
            format!("alice@{prefix}.example")
        )]
    );
    // Nothing was written to the domain.
    assert_eq!(f.members("oncall").len(), 2);
}

/// Opens the fixture's `ad` tenant in this process, as `apply` does.
fn open_tenant(f: &Fixture) -> Box<dyn onboard::adapters::Adapter> {
    let workspace = onboard::load::load(&f.env.ws).unwrap();
    let client = &workspace.clients["corp"];
    let tenant = client.tenant("ad").unwrap();
    let mut adapter = onboard::adapters::open(
        client,
        tenant,
        &f.env.ws,
        &onboard::adapters::Options::default(),
    )
    .unwrap();
    adapter.verify_tenant().unwrap();
    adapter
}

/// Adds the enabled user `PREFIX-svc` (UPN `svc@PREFIX.example`) with `password`.
fn add_service_account(f: &Fixture, password: &str) {
    use onboard::secrets::Secret;
    let mut value = onboard::secrets::scrub::base64(
        onboard::adapters::ldap::unicode_pwd(&Secret::new(password)).expose(),
        false,
    );
    while !value.len().is_multiple_of(4) {
        value.push('=');
    }
    let prefix = f.prefix;
    f.dc.add_over_tls(&format!(
        "dn: CN={prefix}-svc,{}\nobjectClass: user\nsAMAccountName: {prefix}-svc\nuserPrincipalName: svc@{prefix}.example\nunicodePwd:: {value}\nuserAccountControl: 512\n",
        f.ou()
    ));
    assert!(f.dc.binds(&format!("svc@{prefix}.example"), password));
}

/// Points the fixture's tenant at the DC's LDAPS port, trusting the test CA.
fn use_ldaps(f: &Fixture) {
    let ca = std::fs::read_to_string(&crate::directories::test_ca().ca).unwrap();
    f.env.write("ad-ca.pem", &ca);
    f.env.edit(
        "clients/corp.yaml",
        "endpoint: ldap://127.0.0.1",
        "endpoint: ldaps://127.0.0.1\n    ca_file: ad-ca.pem",
    );
}

#[test]
fn a_declared_ad_password_is_rotated_into_a_real_vault_and_the_old_one_stops_binding() {
    let Some(bao) = crate::peers::BaoServer::shared() else {
        return;
    };
    let Some(f) = fixture("t6", "") else {
        return;
    };
    const OLD: &str = "T6-Svc-Old-Passw0rd!";
    add_service_account(&f, OLD);
    use_ldaps(&f);
    let token = crate::support::deliver_to_vault(&f.env, bao, "onboard-creds-ad");
    f.env.write(
        "identities/svc.yaml",
        "id: svc\nkind: service-account\nowner: alice\npurpose: Directory sync\nclient: corp\nfunctions: [helpdesk]\naccounts:\n  ad: t6-svc\ncredentials:\n  - system: ad\n    kind: password\n    max_age: 90d\n    deliver: \"vault:secret/data/creds-ad/{client}/{id}#password\"\n",
    );
    let mut printed = Vec::new();
    let mut run = |args: &[&str]| {
        let output = onboard(&f, args)
            .env("ONBOARD_TEST_VAULT_TOKEN", &token)
            .output()
            .unwrap();
        let text = format!(
            "{}\n{}",
            crate::support::stdout(&output),
            stderr(&f.env, &output)
        );
        assert_eq!(output.status.code(), Some(0), "{text}");
        printed.push(text.clone());
        text
    };
    let planned = run(&["plan", "corp"]);
    assert!(
        planned.contains("rotate") && planned.contains("svc"),
        "{planned}"
    );
    run(&["apply", "corp", "--yes", "--verbose"]);
    let delivered = bao
        .get("creds-ad/corp/svc", "password")
        .expect("the new password is in the vault");
    assert!(f.dc.binds("svc@t6.example", &delivered));
    assert!(!f.dc.binds("svc@t6.example", OLD));
    for text in &printed {
        assert!(!text.contains(&delivered), "the password leaked:\n{text}");
    }
    crate::support::assert_secret_absent(&f.env.root, &delivered, "new password");
}

#[test]
fn a_service_accounts_password_is_reset_over_ldaps_or_starttls_and_never_over_plain_ldap() {
    use onboard::adapters::{CredentialKind, CredentialRequest, FailureKind, Outcome};
    use onboard::secrets::{fingerprint_matches, generate_password};
    let Some(f) = fixture("t5", "") else {
        return;
    };
    const OLD: &str = "T5-Svc-Old-Passw0rd!";
    add_service_account(&f, OLD);
    let request = CredentialRequest {
        kind: CredentialKind::Password,
        account: "t5-svc",
        application: None,
        label: "onboard corp/t5-svc",
        expires_at: None,
    };

    // Plain LDAP (to loopback): refused before anything is sent.
    let refused = generate_password().unwrap();
    let error = open_tenant(&f)
        .issue_credential(&request, Some(&refused))
        .unwrap_err();
    assert_eq!(error.kind, FailureKind::Rejected);
    assert_eq!(
        error.to_string(),
        format!(
            "tenant `corp/ad`: issue `password` for `t5-svc` failed: refusing to send a new password for `CN=t5-svc,{}` over plain LDAP: Active Directory takes passwords only over an encrypted connection",
            f.ou()
        )
    );
    assert!(f.dc.binds("svc@t5.example", OLD), "nothing changed");

    // LDAPS, trusting the test CA: the new password binds, the old one no longer does.
    use_ldaps(&f);
    let new = generate_password().unwrap();
    let mut adapter = open_tenant(&f);
    let issued = adapter.issue_credential(&request, Some(&new)).unwrap();
    assert!(
        fingerprint_matches(&issued.key_id, &new),
        "{}",
        issued.key_id
    );
    assert_eq!(issued.secret, new);
    assert_eq!(issued.expires_at, None);
    assert!(f.dc.binds("svc@t5.example", new.expose()));
    assert!(!f.dc.binds("svc@t5.example", OLD));
    // A password has no separate credential to remove or list.
    assert_eq!(
        adapter.remove_credential(&request, &issued.key_id).unwrap(),
        Outcome::NoChange
    );
    assert_eq!(adapter.list_credentials(&request).unwrap(), None);
    // A client secret is not a directory's.
    let secret = CredentialRequest {
        kind: CredentialKind::ClientSecret,
        application: Some("3f1c"),
        ..request
    };
    let error = adapter.issue_credential(&secret, None).unwrap_err();
    assert_eq!(error.kind, FailureKind::Unsupported, "{error}");

    // StartTLS on the plain port: the same.
    f.env.edit(
        "clients/corp.yaml",
        "endpoint: ldaps://127.0.0.1",
        "endpoint: ldap://127.0.0.1\n    starttls: true",
    );
    let newer = generate_password().unwrap();
    open_tenant(&f)
        .issue_credential(&request, Some(&newer))
        .unwrap();
    assert!(f.dc.binds("svc@t5.example", newer.expose()));
    assert!(!f.dc.binds("svc@t5.example", new.expose()));
}
