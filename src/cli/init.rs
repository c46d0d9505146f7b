//! `onboard init`: scaffold a workspace that validates and plans at once.

use std::fs;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::GlobalArgs;
use super::schema::{self, SchemaKind};
use crate::exit::ExitStatus;
use crate::load::SETTINGS_FILE;
use crate::ui::diagnostics::UserError;

/// Create a new workspace
///
/// Writes `onboard.toml`, a policy that requires signed approvals, a sample identity,
/// bundle and client (with a local `file` tenant, so `onboard plan` works at once), a
/// `.gitignore`, and the JSON Schemas of the workspace files under `schemas/`, which the
/// files name for editors. Refuses to touch a
/// directory that already holds `onboard.toml`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Directory to create the workspace in (default: `--workspace`, else the current
    /// directory)
    pub dir: Option<PathBuf>,

    /// Also use the bundle library at PATH (relative to the new workspace), e.g. the
    /// repository's shipped `bundles/` (can be repeated)
    #[arg(long, value_name = "PATH")]
    pub library: Vec<String>,
}

const IDENTITY: &str = "\
# yaml-language-server: $schema=../schemas/identity.schema.json
# One file per person, service account or agent. See docs/workspace.md.
id: jane
kind: person
display_name: Jane Doe
email: jane@msp.example
functions: [helpdesk]
mfa: enforced
# The SSH public keys that prove it is Jane approving (paste ~/.ssh/id_ed25519.pub):
# signing_keys:
#   - \"ssh-ed25519 AAAAC3Nz… jane@laptop\"
";

const POLICY: &str = "\
# The request-time policy. See docs/policy.md.

actors:
  # Approvals must be signed with an SSH key the approver's identity file lists
  # (`signing_keys`), from ssh-agent or `--signing-key`: see the README, \"Who acted\".
  # Add deny, break-glass, review-close, elevate and revoke to prove every actor.
  require_signature: [approve]
";

const BUNDLE: &str = "\
# yaml-language-server: $schema=../schemas/bundle.schema.json
# A bundle: the grants one support function needs at one service tier.
id: essential-helpdesk
tier: essential
function: helpdesk
description: Password resets and user support
grants:
  - system: entra
    entitlement: group:MSP-Helpdesk
  - system: entra
    entitlement: role:Password Administrator
    privileged: true
    ttl: 4h
    requires: { mfa: true, ticket: true }
";

const CLIENT: &str = "\
# yaml-language-server: $schema=../schemas/client.schema.json
# One file per client. Tenants name an adapter; `file` keeps the tenant in a local
# directory, for trying things out without credentials.
id: example
name: Example Ltd
tier: essential
contract:
  start: 2025-01-01
tenants:
  - name: entra
    system: entra
    adapter: file
    path: tenants/example/entra
    domain: example.com
";

const GITIGNORE: &str = "\
# Written by onboard: the lock of a running apply, local `file` tenants, and the audit
# signing key (keep it out of git; `audit/*.pub` and the logs belong in git).
/state/onboard.lock
/tenants/
/.onboard/
";

pub(super) fn run(global: &GlobalArgs, args: InitArgs) -> anyhow::Result<ExitStatus> {
    let printer = global.printer();
    let dir = match (&args.dir, &global.workspace) {
        (Some(dir), _) | (None, Some(dir)) => dir.clone(),
        (None, None) => std::env::current_dir().context("reading the current directory")?,
    };
    if dir.join(SETTINGS_FILE).exists() {
        return Err(
            UserError::new(format!("{} already holds a workspace", dir.display()))
                .hint("run `onboard validate` there, or pick an empty directory")
                .into(),
        );
    }
    let mut libraries = vec!["\"bundles\"".to_string()];
    libraries.extend(args.library.iter().map(|l| format!("{l:?}")));
    let settings = format!(
        "#:schema ./schemas/settings.schema.json\n# onboard workspace settings. See docs/workspace.md.\n\n[paths]\n# Bundle libraries, relative to this file; they may point outside the workspace.\nbundles = [{}]\nstate = \"state\"\naudit = \"audit\"\n\n[apply]\n# Tenants worked on at once.\nparallelism = 4\n\n[audit]\n# The audit signing key, created by `onboard audit init` (or the first apply): a file\n# only its owner may read, kept out of git by .gitignore. A file works for every run of\n# this user, cron included; the OS keyring (`keyring:NAME`) keeps it only for a login\n# session. In CI, set ONBOARD_AUDIT_KEY instead.\nkey = \"file:.onboard/audit.key\"\n",
        libraries.join(", ")
    );
    let files: [(&str, &str); 6] = [
        (SETTINGS_FILE, &settings),
        ("policy.yaml", POLICY),
        ("identities/jane.yaml", IDENTITY),
        ("bundles/essential-helpdesk.yaml", BUNDLE),
        ("clients/example.yaml", CLIENT),
        (".gitignore", GITIGNORE),
    ];
    // The schemas the files above name, so editors complete and check them offline;
    // `policy.yaml`, when written, points at `schemas/policy.schema.json`.
    let schemas: Vec<(String, String)> = SchemaKind::ALL
        .into_iter()
        .filter(|kind| kind.file_kind().is_some())
        .map(|kind| {
            (
                format!("schemas/{}", kind.file_name()),
                schema::generate(kind),
            )
        })
        .collect();
    let files = files.into_iter().chain(
        schemas
            .iter()
            .map(|(name, text)| (name.as_str(), text.as_str())),
    );
    for (name, text) in files {
        let path = dir.join(name);
        if path.exists() {
            continue;
        }
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    // The next commands work from where the user is: `-w DIR` unless DIR is here.
    let here = std::env::current_dir().and_then(fs::canonicalize).ok();
    let flag = if here.is_some() && fs::canonicalize(&dir).ok() == here {
        String::new()
    } else {
        format!("-w {} ", shell_word(&dir.to_string_lossy()))
    };
    printer.status(&format!(
        "Created a workspace in {}. Next: `onboard {flag}validate`, then `onboard {flag}plan`.",
        dir.display()
    ));
    Ok(ExitStatus::Success)
}

/// Quotes a word for a POSIX shell when it needs it.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:@%,=".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}
