//! `onboard fmt`: canonical layout of the workspace's YAML files, comments kept, `--check`
//! for CI, and files it cannot rearrange named and left alone.

use std::fs;

use crate::support::{Env, stderr, stdout};

/// The one tenant of the client below, as both layouts write it.
macro_rules! umbrella_tenant {
    () => {
        "  # The only tenant.
  - name: entra
    system: entra
    adapter: file
    path: tenants/umbrella/entra
    domain: umbrella.example
"
    };
}

/// A client file out of canonical order, with comments and trailing spaces.
const MESSY_CLIENT: &str = concat!(
    "# yaml-language-server: $schema=../schemas/client.schema.json
# Umbrella: standard client.

tenants:   \n",
    umbrella_tenant!(),
    "

tier: standard   # renewed 2026
# Umbrella's id.
id: umbrella
"
);

/// `MESSY_CLIENT` formatted: `id`, `tier`, `tenants`, each with the comments above it and
/// the blank line before it.
const CANONICAL_CLIENT: &str = concat!(
    "# yaml-language-server: $schema=../schemas/client.schema.json
# Umbrella: standard client.

# Umbrella's id.
id: umbrella

tier: standard   # renewed 2026

tenants:
",
    umbrella_tenant!()
);

#[test]
fn fmt_check_lists_what_it_would_change_and_exits_2_without_writing() {
    let env = Env::example();
    let output = env.onboard(&["fmt", "--check"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    assert_eq!(stdout(&output), "", "the shipped example is canonical");
    let client = env.ws.join("clients/umbrella.yaml");
    fs::write(&client, MESSY_CLIENT).unwrap();
    let output = env.onboard(&["fmt", "--check"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&env, &output));
    assert_eq!(stdout(&output), "clients/umbrella.yaml\n");
    assert_eq!(fs::read_to_string(&client).unwrap(), MESSY_CLIENT);
}

#[test]
fn fmt_rewrites_in_canonical_order_keeping_every_comment() {
    let env = Env::example();
    let client = env.ws.join("clients/umbrella.yaml");
    fs::write(&client, MESSY_CLIENT).unwrap();
    let output = env.onboard(&["fmt"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    assert_eq!(stdout(&output), "clients/umbrella.yaml\n");
    let formatted = fs::read_to_string(&client).unwrap();
    assert_eq!(formatted, CANONICAL_CLIENT);
    for line in MESSY_CLIENT
        .lines()
        .filter(|l| l.trim_start().starts_with('#'))
    {
        assert!(formatted.contains(line.trim_end()), "lost {line:?}");
    }
    // The workspace means the same, and a second run changes nothing.
    let output = env.onboard(&["validate"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    let output = env.onboard(&["fmt", "--check"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
}

#[test]
fn a_file_fmt_cannot_rearrange_is_named_and_left_alone() {
    let env = Env::example();
    let messy = env.ws.join("clients/umbrella.yaml");
    fs::write(&messy, MESSY_CLIENT).unwrap();
    // Trailing spaces inside a literal block are part of the value: removing them would
    // change what the file says.
    let literal = "id: zed\nkind: person\nmfa: enforced\ndisplay_name: |\n  Zed  \n  Smith\n";
    let odd = env.ws.join("identities/zed.yaml");
    fs::write(&odd, literal).unwrap();
    let output = env.onboard(&["fmt"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&env, &output);
    assert!(
        err.contains(
            "identities/zed.yaml: not formatted: formatting would change what the file says"
        ),
        "{err}"
    );
    assert_eq!(fs::read_to_string(&odd).unwrap(), literal);
    // The other files are formatted all the same.
    assert_ne!(fs::read_to_string(&messy).unwrap(), MESSY_CLIENT);
}

#[test]
fn fmt_never_rewrites_a_bundle_library_outside_the_workspace() {
    let env = Env::example();
    let bundle = env.root.join("bundles/premium/helpdesk.yaml");
    let text = fs::read_to_string(&bundle).unwrap();
    let reordered = format!("{}\n", text.trim_end()).replace("id: ", "# moved\nid: ");
    fs::write(&bundle, format!("description: x\n{reordered}")).unwrap();
    let before = fs::read_to_string(&bundle).unwrap();
    let output = env.onboard(&["fmt"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&env, &output));
    assert_eq!(fs::read_to_string(&bundle).unwrap(), before);
}
