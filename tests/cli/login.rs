//! `onboard login`: refusals, and a real round trip through the kernel keyring.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::peers::find_peer;
use crate::scim::{TOKEN, fixture};
use crate::support::{Env, NOW, PlanJson, stderr};

fn use_keyring(env: &Env) {
    env.edit(
        "clients/initech.yaml",
        "    adapter: file\n    path: tenants/initech/scim",
        "    adapter: file\n    path: tenants/initech/scim\n    credential: keyring:initech-scim",
    );
}

#[test]
fn login_names_what_is_wrong_with_the_tenant() {
    let env = Env::example();
    let cases = [
        ("initech", "does not name a tenant as CLIENT/TENANT"),
        ("nope/scim", "unknown client `nope`"),
        ("initech/nope", "client `initech` has no tenant `nope`"),
        (
            "initech/scim",
            "tenant `initech/scim` does not keep its credential in the OS keyring: it has no `credential`",
        ),
    ];
    for (tenant, message) in cases {
        let output = env
            .onboard(&["login", tenant, "--stdin"])
            .write_stdin("never-stored\n")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{tenant}");
        let text = stderr(&env, &output);
        assert!(text.contains(message), "{tenant}: {text}");
        assert!(!text.contains("never-stored"));
    }
}

#[test]
fn login_without_a_terminal_asks_for_stdin() {
    let env = Env::example();
    use_keyring(&env);
    let output = env
        .onboard(&["login", "initech/scim"])
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&env, &output);
    assert!(
        text.contains("no terminal to ask for the secret on") && text.contains("`--stdin`"),
        "{text}"
    );
    let output = env
        .onboard(&["login", "initech/scim", "--stdin"])
        .write_stdin("\n")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&env, &output).contains("the secret is empty"));
}

/// Stores the SCIM token with `onboard login --stdin` in a fresh kernel session keyring
/// (`keyctl session -`), then plans with `credential: keyring:…` in that same session.
#[test]
fn login_stores_in_the_kernel_keyring_and_plan_reads_it() {
    let Some(keyctl) = find_peer(
        crate::peers::ONBOARD_TEST_KEYCTL,
        PathBuf::from("/usr/bin/keyctl"),
        "keyctl (Debian package keyutils)",
    ) else {
        return;
    };
    let Some(f) = fixture("keyring", TOKEN, &[]) else {
        return;
    };
    f.env.edit(
        "clients/initech.yaml",
        "credential: env:INITECH_SCIM_TOKEN",
        "credential: keyring:initech-scim",
    );
    // The secret travels on stdin, never in argv.
    let script = r#"
        "$0" -w "$1" login initech/scim --stdin || exit 10
        "$0" -w "$1" plan initech --output json
    "#;
    let mut child = Command::new(keyctl)
        .args(["session", "-", "sh", "-c", script])
        .arg(env!("CARGO_BIN_EXE_onboard"))
        .arg(&f.env.ws)
        .current_dir(&f.env.root)
        .envs(crate::support::fixed_env(NOW))
        .env_remove("ONBOARD_WORKSPACE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{TOKEN}").unwrap();
    let output = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(
        err.contains(
            "Stored the secret of `initech/scim` in the OS keyring as `keyring:initech-scim`"
        ),
        "{err}"
    );
    let planned: PlanJson = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(planned.summary.unknown, 0, "{:?}", planned.changes);
    assert_eq!(
        planned
            .changes
            .iter()
            .filter(|c| c.tenant == "scim")
            .count(),
        7
    );
    assert!(!String::from_utf8_lossy(&output.stdout).contains(TOKEN));
    assert!(!err.contains(TOKEN));
}
