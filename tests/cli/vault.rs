//! Credentials from a vault (`vault:`) and from a command (`exec:`), end to end: the
//! binary against a real OpenBao dev server (one per test process) and, for tenants, a
//! real `scim2-server`; the vault and the tenant are read back directly.

use assert_cmd::Command;

use crate::peers::{BAO_ROOT_TOKEN, BaoServer, free_port};
use crate::scim::{Fixture, TOKEN_VAR, fixture};
use crate::support::{Env, assert_secret_absent, stderr, stdout};

/// The variable the tests' `[vault] token` names.
const BAO_TOKEN_VAR: &str = "ONBOARD_TEST_VAULT_TOKEN";

/// Writes `[vault]` with `auth` (the TOML line(s) after the address) to the workspace's
/// onboard.toml, and any `extra` sections.
fn configure(env: &Env, address: &str, auth: &str, extra: &str) {
    let settings = env.read("onboard.toml");
    env.write(
        "onboard.toml",
        &format!("{settings}\n[vault]\naddress = \"{address}\"\n{auth}\n{extra}"),
    );
}

/// Points the fixture's SCIM tenant at a `vault:` reference instead of its variable.
fn credential(f: &Fixture, reference: &str) {
    f.env.edit(
        "clients/initech.yaml",
        &format!("credential: env:{TOKEN_VAR}"),
        &format!("credential: {reference}"),
    );
}

/// `onboard ARGS` with the vault token (when given), short retry waits, and neither
/// the SCIM token's variable nor any vault variable of the caller's.
fn onboard(env: &Env, token: Option<&str>, args: &[&str]) -> Command {
    let mut command = env.onboard(args);
    command
        .env_remove(TOKEN_VAR)
        .env_remove("BAO_TOKEN")
        .env_remove("VAULT_TOKEN")
        .env_remove("ONBOARD_HTTP_TIMEOUT")
        .env("ONBOARD_TEST_RETRY_SCALE", "0.01");
    match token {
        Some(token) => command.env(BAO_TOKEN_VAR, token),
        None => command.env_remove(BAO_TOKEN_VAR),
    };
    command
}

/// Everything a run printed, stdout then stderr.
fn printed(env: &Env, output: &std::process::Output) -> String {
    format!("{}\n{}", stdout(output), stderr(env, output))
}

/// Asserts a run's exit code and that what it printed holds each of `needles`; returns
/// what it printed.
fn expect(env: &Env, output: &std::process::Output, code: i32, needles: &[&str]) -> String {
    let text = printed(env, output);
    assert_eq!(output.status.code(), Some(code), "{text}");
    for needle in needles {
        assert!(text.contains(needle), "no `{needle}` in:\n{text}");
    }
    text
}

/// Fails when any planted secret appears in the run's output or in any file of the
/// workspace (state, audit log, plans).
fn assert_never_seen(env: &Env, outputs: &[&std::process::Output], secrets: &[&str]) {
    for secret in secrets {
        for output in outputs {
            let text = printed(env, output).to_lowercase();
            assert!(
                !text.contains(&secret.to_lowercase()),
                "a planted secret leaked into the output:\n{text}"
            );
        }
        assert_secret_absent(&env.ws, secret, "planted secret");
    }
}

/// Starts (or shares) the vault and a SCIM tenant `name`, keeps the tenant's token in
/// the vault at `secret/data/initech/NAME` (field `token`, with `extra` fields), and
/// points the tenant's credential at it, the vault's token read from
/// [`BAO_TOKEN_VAR`]. `None` when a peer is missing (outside CI).
fn vault_fixture(name: &str, extra: &[(&str, &str)]) -> Option<(&'static BaoServer, Fixture)> {
    let bao = BaoServer::shared()?;
    let f = fixture(name, &format!("scim-token-of-{name}"), &[])?;
    let mut fields = vec![("token", f.token.as_str())];
    fields.extend_from_slice(extra);
    bao.put(&format!("initech/{name}"), &fields);
    configure(
        &f.env,
        &bao.address,
        &format!("token = \"env:{BAO_TOKEN_VAR}\""),
        "",
    );
    credential(&f, &format!("vault:secret/data/initech/{name}#token"));
    Some((bao, f))
}

#[test]
fn a_tenant_whose_credential_is_in_the_vault_plans_and_applies() {
    let Some((bao, f)) = vault_fixture("vault-token", &[("other", "not-this-one")]) else {
        return;
    };
    let reader = bao.token_with("onboard-read", &["read"]);

    let plan = onboard(&f.env, Some(&reader), &["plan", "initech", "--verbose"])
        .output()
        .unwrap();
    assert_eq!(plan.status.code(), Some(0), "{}", printed(&f.env, &plan));
    assert!(stdout(&plan).contains("msp-backup"), "{}", stdout(&plan));
    // `--verbose` logs the vault call, with its token redacted.
    let log = stderr(&f.env, &plan);
    assert!(
        log.contains("GET http://127.0.0.1") && log.contains("/v1/secret/data/initech/vault-token"),
        "{log}"
    );
    assert!(log.contains("x-vault-token: [redacted]"), "{log}");

    let apply = onboard(&f.env, Some(&reader), &["apply", "initech", "--yes"])
        .output()
        .unwrap();
    assert_eq!(apply.status.code(), Some(0), "{}", printed(&f.env, &apply));
    assert_eq!(f.tenant.members("msp-backup"), ["b.okafor@initech.example"]);
    assert_never_seen(
        &f.env,
        &[&plan, &apply],
        &[&f.token, &reader, BAO_ROOT_TOKEN],
    );
}

#[test]
fn approle_logs_in_and_reads_the_tenant_credential() {
    let Some(bao) = BaoServer::shared() else {
        return;
    };
    let Some(f) = fixture("vault-approle", "scim-token-behind-approle", &[]) else {
        return;
    };
    bao.put("initech/scim-b", &[("token", &f.token)]);
    // The role's policy: read only.
    bao.token_with("onboard-approle-read", &["read"]);
    let (role_id, secret_id) = bao.approle("onboard-test", "onboard-approle-read");
    configure(
        &f.env,
        &bao.address,
        &format!("approle = {{ role_id = \"{role_id}\", secret_id = \"env:{BAO_TOKEN_VAR}\" }}"),
        "",
    );
    credential(&f, "vault:secret/data/initech/scim-b#token");
    let apply = onboard(&f.env, Some(&secret_id), &["apply", "initech", "--yes"])
        .output()
        .unwrap();
    assert_eq!(apply.status.code(), Some(0), "{}", printed(&f.env, &apply));
    assert_eq!(f.tenant.members("msp-backup"), ["b.okafor@initech.example"]);
    assert_never_seen(&f.env, &[&apply], &[&f.token, &secret_id]);

    // A wrong secret id: the login is refused, and the error says which setting.
    let apply = onboard(&f.env, Some("not-the-secret-id"), &["plan", "initech"])
        .output()
        .unwrap();
    let refused = format!(
        "vault {}: log in `auth/approle/login` failed: HTTP 400 Bad Request: invalid role or secret ID",
        bao.address
    );
    expect(
        &f.env,
        &apply,
        4,
        &[&refused, "check the role id and the secret id"],
    );
}

#[test]
fn a_wrong_vault_token_is_a_clear_error_and_changes_nothing() {
    let Some((bao, f)) = vault_fixture("vault-wrong", &[]) else {
        return;
    };
    let wrong = "hvs.not-a-token-this-vault-issued";
    let apply = onboard(&f.env, Some(wrong), &["apply", "initech", "--yes"])
        .output()
        .unwrap();
    // The SCIM tenant cannot be opened; the client's other (file) tenants are applied:
    // a partial failure.
    let refused = format!(
        "the credential `vault:secret/data/initech/vault-wrong#token` could not be read: vault {}: read `secret/data/initech/vault-wrong` failed: HTTP 403 Forbidden: permission denied",
        bao.address
    );
    expect(
        &f.env,
        &apply,
        4,
        &[&refused, "check the token `[vault]` names"],
    );
    assert!(f.tenant.members("msp-backup").is_empty());
    assert_never_seen(&f.env, &[&apply], &[wrong, &f.token]);

    // No token at all: the error names the variable.
    let plan = onboard(&f.env, None, &["plan", "initech"])
        .output()
        .unwrap();
    expect(
        &f.env,
        &plan,
        4,
        &[&format!(
            "log in failed: its `token` in onboard.toml could not be read: the credential `env:{BAO_TOKEN_VAR}` is not available: `{BAO_TOKEN_VAR}` is not set"
        )],
    );
}

#[test]
fn a_vault_that_is_down_is_named_in_the_error() {
    let Some(f) = fixture("vault-down", "scim-token-vault-down", &[]) else {
        return;
    };
    let address = format!("http://127.0.0.1:{}", free_port());
    configure(
        &f.env,
        &address,
        &format!("token = \"env:{BAO_TOKEN_VAR}\""),
        "",
    );
    credential(&f, "vault:secret/data/initech/scim#token");
    let plan = onboard(&f.env, Some("any-token-at-all"), &["plan", "initech"])
        .output()
        .unwrap();
    expect(
        &f.env,
        &plan,
        4,
        &[
            &format!("vault {address}: read `secret/data/initech/scim` failed: cannot connect"),
            &format!("check that the vault at {address} is running"),
        ],
    );
}

#[test]
fn a_missing_secret_or_field_is_a_clear_error() {
    let Some((_, f)) = vault_fixture("vault-missing", &[("note", "rotated monthly")]) else {
        return;
    };
    // Each case below puts its own reference in place of the variable.
    f.env.edit(
        "clients/initech.yaml",
        "credential: vault:secret/data/initech/vault-missing#token",
        &format!("credential: env:{TOKEN_VAR}"),
    );
    let run = |reference: &str, needles: &[&str]| {
        credential(&f, reference);
        let output = onboard(&f.env, Some(BAO_ROOT_TOKEN), &["plan", "initech"])
            .output()
            .unwrap();
        f.env.edit(
            "clients/initech.yaml",
            &format!("credential: {reference}"),
            &format!("credential: env:{TOKEN_VAR}"),
        );
        expect(&f.env, &output, 4, needles);
        assert_never_seen(&f.env, &[&output], &[&f.token]);
    };
    run(
        "vault:secret/data/initech/nowhere#token",
        &["read `secret/data/initech/nowhere` failed: no secret at this path"],
    );
    run(
        "vault:secret/data/initech/vault-missing#password",
        &[
            "read `secret/data/initech/vault-missing` failed: version 1 has no field `password`",
            "its fields are `note`, `token`",
        ],
    );

    // A `vault:` reference in a workspace without `[vault]`: found when the workspace
    // is loaded, before any tenant is read.
    f.env
        .write("onboard.toml", "[paths]\nbundles = [\"../../bundles\"]\n");
    credential(&f, "vault:secret/data/initech/vault-missing#token");
    let validate = onboard(&f.env, None, &["validate"]).output().unwrap();
    expect(
        &f.env,
        &validate,
        1,
        &[
            "clients/initech.yaml",
            "`vault:secret/data/initech/vault-missing#token` names the vault, but onboard.toml has no `[vault]`",
            "add `[vault]`",
        ],
    );
}

/// Returns an example workspace whose audit key is the field `seed` of
/// `secret/data/onboard/audit-key` in `bao`, with more `[vault]` lines (`ca_file`).
fn audit_key_in_vault(bao: &BaoServer, more: &str) -> Env {
    let env = Env::example();
    configure(
        &env,
        &bao.address,
        &format!("token = \"env:{BAO_TOKEN_VAR}\"\n{more}"),
        "[audit]\nkey = \"vault:secret/data/onboard/audit-key#seed\"\n",
    );
    env
}

#[test]
fn the_audit_key_comes_from_the_vault() {
    let Some(bao) = BaoServer::shared() else {
        return;
    };
    let seed = "7d1e2c3b4a5968778695a4b3c2d1e0f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
    bao.put("onboard/audit-key", &[("seed", seed)]);
    let workspace = || audit_key_in_vault(bao, "");

    // A wrong token: refused before anything is applied or written, naming the vault.
    let env = workspace();
    let apply = onboard(&env, Some("wrong-vault-token"), &["apply", "--yes"])
        .output()
        .unwrap();
    let text = expect(
        &env,
        &apply,
        1,
        &[
            "no audit signing key: the credential `vault:secret/data/onboard/audit-key#seed` could not be read",
            &format!(
                "vault {}: read `secret/data/onboard/audit-key` failed: HTTP 403",
                bao.address
            ),
            "check the token `[vault]` names",
        ],
    );
    let written = if env.exists("audit") {
        crate::support::files_under(&env.ws.join("audit"))
    } else {
        Vec::new()
    };
    assert!(written.is_empty(), "{written:?} {text}");
    assert!(env.tenant("initech", "entra").is_empty(), "{text}");

    let env = workspace();
    let apply = onboard(&env, Some(BAO_ROOT_TOKEN), &["apply", "--yes"])
        .output()
        .unwrap();
    assert_eq!(apply.status.code(), Some(0), "{}", printed(&env, &apply));
    // No key file was made: the key is the vault's.
    assert!(!env.exists(".onboard/audit.key"));
    let verify = onboard(&env, Some(BAO_ROOT_TOKEN), &["audit", "verify"])
        .output()
        .unwrap();
    assert_eq!(verify.status.code(), Some(0), "{}", printed(&env, &verify));
    assert_never_seen(&env, &[&apply, &verify], &[seed, BAO_ROOT_TOKEN]);

    // Rotation cannot store a new key there: refused, naming the source.
    let rotate = onboard(&env, Some(BAO_ROOT_TOKEN), &["audit", "rotate-key"])
        .output()
        .unwrap();
    assert_eq!(rotate.status.code(), Some(1));
    assert!(
        printed(&env, &rotate).contains(
            "cannot rotate a key that comes from `vault:secret/data/onboard/audit-key#seed`"
        ),
        "{}",
        printed(&env, &rotate)
    );
}

/// Writes an executable script below the workspace and returns its path as `exec:`
/// names it (relative to the workspace root, where commands run).
#[cfg(unix)]
fn script(env: &Env, name: &str, body: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    env.write(name, &format!("#!/bin/sh\n{body}\n"));
    let path = env.ws.join(name);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700)).unwrap();
    format!("./{name}")
}

#[cfg(unix)]
#[test]
fn exec_credentials_run_without_a_shell_and_never_leak() {
    let Some(f) = fixture("exec", "scim-token-printed-by-a-command", &[]) else {
        return;
    };
    // The secret reaches the script through a file only the script reads, so that it
    // is in no command line or configuration onboard could print.
    f.env.write("secret-store/token", &f.token);
    let ok = script(&f.env, "get-token.sh", "cat secret-store/token");
    credential(&f, &format!("exec:{ok} --field \"scim token\""));
    let apply = onboard(&f.env, None, &["apply", "initech", "--yes"])
        .output()
        .unwrap();
    assert_eq!(apply.status.code(), Some(0), "{}", printed(&f.env, &apply));
    assert_eq!(f.tenant.members("msp-backup"), ["b.okafor@initech.example"]);

    // A failing command: its exit code and (scrubbed) stderr are shown, not the secret
    // it printed before failing and echoed in its complaint.
    let failing = script(
        &f.env,
        "failing.sh",
        "cat secret-store/token; echo \"locked vault: $(cat secret-store/token) refused\" >&2; exit 7",
    );
    // Puts another command in place of the last one and plans.
    let last = std::cell::RefCell::new(format!("exec:{ok} --field \"scim token\""));
    let plan_with = |reference: String| {
        f.env
            .edit("clients/initech.yaml", &last.borrow(), &reference);
        *last.borrow_mut() = reference;
        onboard(&f.env, None, &["plan", "initech"])
            .output()
            .unwrap()
    };
    let plan = plan_with(format!("exec:{failing}"));
    expect(
        &f.env,
        &plan,
        4,
        &[&format!(
            "the credential command `{failing}` failed: it ended with exit code 7: locked vault: [redacted] refused"
        )],
    );

    // A command that hangs is stopped after `[credentials] exec_timeout`.
    let hanging = script(&f.env, "hanging.sh", "exec sleep 60");
    let settings = f.env.read("onboard.toml");
    f.env.write(
        "onboard.toml",
        &format!("{settings}\n[credentials]\nexec_timeout = \"1s\"\n"),
    );
    let started = std::time::Instant::now();
    let timed_out = plan_with(format!("exec:{hanging}"));
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    expect(
        &f.env,
        &timed_out,
        4,
        &[&format!(
            "the credential command `{hanging}` failed: it did not finish within 1s and was stopped"
        )],
    );

    // A program that does not exist.
    let missing = plan_with("exec:onboard-no-such-program --x".into());
    expect(
        &f.env,
        &missing,
        4,
        &["the program `onboard-no-such-program` was not found"],
    );

    std::fs::remove_dir_all(f.env.ws.join("secret-store")).unwrap();
    assert_never_seen(&f.env, &[&apply, &plan, &timed_out, &missing], &[&f.token]);
}

/// Logs the library's vault client in to the test server with `token`, kept in a
/// `file:` reference (mode 0600) below a temporary root, trusting `ca_file` if given.
#[cfg(unix)]
fn client(
    bao: &BaoServer,
    token: &str,
    ca_file: Option<String>,
) -> (
    tempfile::TempDir,
    Result<onboard::vault::Vault, onboard::vault::VaultError>,
) {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::TempDir::new().unwrap();
    let path = root.path().join("bao-token");
    std::fs::write(&path, token).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let settings = onboard::model::VaultSettings {
        address: bao.address.clone(),
        auth: onboard::model::VaultAuth::Token(onboard::model::CredentialRef::File(
            "bao-token".into(),
        )),
        ca_file,
        on_revoke: onboard::model::OnRevoke::default(),
    };
    let vault = onboard::secrets::connect_vault(
        &settings,
        "test",
        root.path(),
        &onboard::adapters::Options::default(),
    );
    (root, vault)
}

#[cfg(unix)]
#[test]
fn the_kv_client_writes_with_check_and_set_confirms_lists_and_destroys() {
    use std::collections::BTreeMap;

    use onboard::model::KvPath;
    use onboard::secrets::Secret;
    use onboard::vault::VaultFailure;

    let Some(bao) = BaoServer::shared() else {
        return;
    };
    let (_root, vault) = client(bao, BAO_ROOT_TOKEN, None);
    let vault = vault.unwrap();
    let path = KvPath::parse("secret/data/clients/acme/backup-svc").unwrap();
    let data = |value: &str| BTreeMap::from([("client_secret".to_string(), Secret::new(value))]);

    // Check-and-set 0: only when the secret does not exist yet.
    let first = vault
        .write_confirmed(&path, &data("kv-client-secret-one"), Some(0))
        .unwrap();
    assert_eq!(first, 1);
    assert_eq!(
        bao.get("clients/acme/backup-svc", "client_secret")
            .as_deref(),
        Some("kv-client-secret-one")
    );
    let conflict = vault
        .write(&path, &data("kv-client-secret-lost"), Some(0))
        .unwrap_err();
    assert_eq!(conflict.kind, VaultFailure::Conflict, "{conflict}");
    assert!(
        conflict
            .to_string()
            .contains("`secret/data/clients/acme/backup-svc`"),
        "{conflict}"
    );
    assert!(
        !conflict.to_string().contains("kv-client-secret"),
        "{conflict}"
    );
    let second = vault
        .write_confirmed(&path, &data("kv-client-secret-two"), Some(first))
        .unwrap();
    assert_eq!(second, 2);
    let read = vault.read(&path, Some(first)).unwrap();
    assert_eq!(read.data["client_secret"].expose(), "kv-client-secret-one");

    let metadata = vault.metadata(&path).unwrap();
    assert_eq!(metadata.current_version, 2);
    assert_eq!(
        metadata.versions.keys().copied().collect::<Vec<_>>(),
        [1, 2]
    );
    assert!(
        metadata
            .versions
            .values()
            .all(|v| !v.destroyed && v.deletion_time.is_none())
    );
    assert_eq!(
        vault.list("secret", "clients/acme").unwrap(),
        ["backup-svc"]
    );
    assert_eq!(vault.list("secret", "clients").unwrap(), ["acme/"]);
    assert!(vault.list("secret", "clients/nobody").unwrap().is_empty());

    // Deleting marks a version; destroying removes its data for good.
    vault.delete_versions(&path, &[2]).unwrap();
    let deleted = vault.read(&path, Some(2)).unwrap_err();
    assert!(
        deleted.to_string().contains("version 2 is deleted"),
        "{deleted}"
    );
    vault.destroy_versions(&path, &[1]).unwrap();
    let destroyed = vault.read(&path, Some(1)).unwrap_err();
    assert_eq!(destroyed.kind, VaultFailure::NotFound);
    assert!(
        destroyed.to_string().contains("version 1 is destroyed"),
        "{destroyed}"
    );
    let metadata = vault.metadata(&path).unwrap();
    assert!(metadata.versions[&1].destroyed);
    assert!(metadata.versions[&2].deletion_time.is_some());

    // A token whose policy only reads: a write is denied, naming the path.
    let reader = bao.token_with("onboard-kv-read-only", &["read"]);
    let (_root, vault) = client(bao, &reader, None);
    let denied = vault
        .unwrap()
        .write(&path, &data("kv-client-secret-denied"), None)
        .unwrap_err();
    assert_eq!(denied.kind, VaultFailure::Denied, "{denied}");
    assert!(
        denied
            .to_string()
            .contains("write `secret/data/clients/acme/backup-svc` failed: HTTP 403"),
        "{denied}"
    );
    assert!(!format!("{denied} {:?}", denied.hint).contains(&reader));
}

#[cfg(unix)]
#[test]
fn a_vault_behind_a_private_ca_is_trusted_through_its_ca_file_only() {
    let Some(bao) = BaoServer::start_tls() else {
        return;
    };
    // The library client writes through the CA file (and waits out the unsealing).
    let ca = bao.ca_file().display().to_string();
    let (_root, vault) = client(&bao, BAO_ROOT_TOKEN, Some(ca));
    let seed = "0f1e2d3c4b5a69788796a5b4c3d2e1f07d1e2c3b4a5968778695a4b3c2d1e0f0";
    let path = onboard::model::KvPath::parse("secret/data/onboard/audit-key").unwrap();
    let data = std::collections::BTreeMap::from([(
        "seed".to_string(),
        onboard::secrets::Secret::new(seed),
    )]);
    vault.unwrap().write_confirmed(&path, &data, None).unwrap();

    // A workspace whose audit key is in that vault, with `ca_file` as given.
    let workspace = |ca_file: &str| {
        let env = audit_key_in_vault(&bao, ca_file);
        std::fs::copy(bao.ca_file(), env.ws.join("bao-ca.pem")).unwrap();
        env
    };
    let env = workspace("ca_file = \"bao-ca.pem\"");
    let apply = onboard(&env, Some(BAO_ROOT_TOKEN), &["apply", "--yes"])
        .output()
        .unwrap();
    expect(&env, &apply, 0, &[]);
    assert_never_seen(&env, &[&apply], &[seed]);

    // Without the CA file the platform's roots do not know the vault's certificate.
    let env = workspace("");
    let apply = onboard(&env, Some(BAO_ROOT_TOKEN), &["apply", "--yes"])
        .output()
        .unwrap();
    let text = expect(
        &env,
        &apply,
        1,
        &[&format!(
            "vault {}: read `secret/data/onboard/audit-key` failed",
            bao.address
        )],
    );
    assert!(text.to_lowercase().contains("certificate"), "{text}");

    // An address that would send the token in the clear is refused when the workspace
    // is loaded.
    let env = workspace("");
    let settings = env.read("onboard.toml");
    env.write(
        "onboard.toml",
        &settings.replace(&bao.address, "http://bao.msp.example:8200"),
    );
    let validate = onboard(&env, None, &["validate"]).output().unwrap();
    expect(
        &env,
        &validate,
        1,
        &[
            "the vault's address: refusing plain `http://`",
            "vault.address",
        ],
    );

    // A CA file that holds no certificate is refused when the workspace is loaded.
    let env = workspace("ca_file = \"bao-ca.pem\"");
    env.write("bao-ca.pem", "not a certificate\n");
    let validate = onboard(&env, None, &["validate"]).output().unwrap();
    expect(
        &env,
        &validate,
        1,
        &["holds no PEM certificate", "vault.ca_file"],
    );
}

#[test]
fn declared_credentials_are_validated_against_the_clients_tenants() {
    let env = Env::example();
    let identity = env.read_without_credentials("identities/globex-backup-svc.yaml");
    let declare = |system: &str, deliver: &str| {
        env.write(
            "identities/globex-backup-svc.yaml",
            &format!(
                "{identity}credentials:\n  - system: {system}\n    kind: password\n    max_age: 90d\n    overlap: 1d\n    deliver: \"{deliver}\"\n"
            ),
        );
        onboard(&env, None, &["validate"]).output().unwrap()
    };
    let vault = "vault:secret/data/clients/{client}/{id}-ldap#password";
    let file = "file:vault-standin/{client}/{id}-ldap";
    expect(&env, &declare("ldap", file), 0, &[]);
    // Delivery to a vault needs `[vault]`.
    expect(
        &env,
        &declare("ldap", vault),
        1,
        &[
            "`vault:secret/data/clients/{client}/{id}-ldap#password` names the vault, but onboard.toml has no `[vault]`",
            "credentials[0].deliver",
        ],
    );
    let output = declare("ad", file);
    expect(
        &env,
        &output,
        1,
        &[
            "identities/globex-backup-svc.yaml:",
            "client `globex` has no `ad` tenant to hold this `password`",
            "credentials[0].system",
        ],
    );
}

#[test]
fn policy_caps_the_max_age_of_declared_credentials_per_identity_kind() {
    let env = Env::example();
    let identity = env.read_without_credentials("identities/globex-backup-svc.yaml");
    env.write(
        "identities/globex-backup-svc.yaml",
        &format!(
            "{identity}credentials:\n  - system: ldap\n    kind: password\n    max_age: 120d\n    deliver: \"file:vault-standin/{{client}}/{{id}}\"\n"
        ),
    );
    let line = identity.lines().count() + 4;
    let validate = onboard(&env, None, &["validate"]).output().unwrap();
    expect(
        &env,
        &validate,
        3,
        &[
            &format!("identities/globex-backup-svc.yaml:{line}"),
            "policy `credential-max-age`: `globex-backup-svc`'s `password` in `ldap` may grow 120d old, but a service account may keep a credential at most 90d",
            "raise `credentials.max_age.service-account`",
        ],
    );
    let policy = env.read("policy.yaml");
    env.write(
        "policy.yaml",
        &format!("{policy}\ncredentials:\n  max_age:\n    service-account: 180d\n"),
    );
    expect(
        &env,
        &onboard(&env, None, &["validate"]).output().unwrap(),
        0,
        &[],
    );
}
