//! The bad-input corpus: every workspace file and every command's arguments, each case
//! a change to a fresh copy of the example workspace (or none) and a command line. Each
//! must exit 1 (bad input) or 3 (a policy denial) with the file and line where there is
//! one, a `hint:`, no panic, and no file anywhere in the copy changed.

use std::path::{Path, PathBuf};

use crate::support::Env;

/// What a case does to the workspace before running.
enum Change {
    /// Nothing: the case is in the arguments.
    None,
    /// Replaces the first `from` in a file below the workspace with `to`.
    Edit(&'static str, &'static str, &'static str),
    /// Writes a file below the workspace.
    Write(&'static str, &'static str),
    /// Adds a line at the end of a file below the workspace.
    Append(&'static str, &'static str),
}

use Change::{Append, Edit, Write};

struct Case {
    /// What is wrong.
    name: &'static str,
    change: Change,
    /// The command line; a first word `actor=NAME` sets `ONBOARD_ACTOR`.
    args: &'static [&'static str],
    /// 1 (bad input) or 3 (policy denial).
    code: i32,
    /// Text stderr must hold: the file:line, or for arguments the flag or value named.
    at: &'static str,
}

const fn case(
    name: &'static str,
    change: Change,
    args: &'static [&'static str],
    code: i32,
    at: &'static str,
) -> Case {
    Case {
        name,
        change,
        args,
        code,
        at,
    }
}

const TOML: &str = "onboard.toml";
const ALICE: &str = "identities/alice.yaml";
const AGENT: &str = "identities/acme-triage-agent.yaml";
const SVC: &str = "identities/globex-backup-svc.yaml";
const ACME: &str = "clients/acme.yaml";
const GLOBEX: &str = "clients/globex.yaml";
const BUNDLE: &str = "../../bundles/premium/helpdesk.yaml";
const POLICY: &str = "policy.yaml";
const V: &[&str] = &["validate"];

#[rustfmt::skip]
const CASES: &[Case] = &[
    // onboard.toml
    case("unknown settings key", Append(TOML, "bogus = 1"), V, 1, "onboard.toml:12"),
    case("unclosed table header", Write(TOML, "[paths\n"), V, 1, "onboard.toml:1"),
    case("parallelism zero", Edit(TOML, "parallelism = 4", "parallelism = 0"), V, 1, "onboard.toml:11"),
    case("parallelism past i64", Edit(TOML, "parallelism = 4", "parallelism = 99999999999999999999"), V, 1, "onboard.toml:11"),
    case("parallelism as text", Edit(TOML, "parallelism = 4", "parallelism = \"four\""), V, 1, "onboard.toml:11"),
    case("audit key that is a secret", Append(TOML, "[audit]\nkey = \"hunter2hunter2\""), V, 1, "onboard.toml:13"),
    case("state outside", Edit(TOML, "# state = \"state\"", "state = \"/etc\""), V, 1, "onboard.toml:7"),
    case("audit outside", Edit(TOML, "# audit = \"audit\"", "audit = \"../x\""), V, 1, "onboard.toml:8"),
    case("policy outside", Edit(TOML, "bundles = [\"../../bundles\"]", "bundles = [\"../../bundles\"]\npolicy = \"../../p.yaml\""), V, 1, "onboard.toml:7"),
    case("missing bundle library", Edit(TOML, "bundles = [\"../../bundles\"]", "bundles = [\"../../nope\"]"), V, 1, "onboard.toml:6"),
    case("bundles not a list", Edit(TOML, "bundles = [\"../../bundles\"]", "bundles = \"../../bundles\""), V, 1, "onboard.toml:6"),
    case("unknown section", Append(TOML, "[deploy]\nfast = true"), V, 1, "onboard.toml:12"),
    case("settings not text", Write(TOML, "\u{0}\u{1}"), V, 1, "onboard.toml"),
    case("no bundles at all", Edit(TOML, "bundles = [\"../../bundles\"]", "bundles = []"), V, 1, "clients/acme.yaml:4"),
    // identities
    case("unknown kind", Edit(ALICE, "kind: person", "kind: robot"), V, 1, "identities/alice.yaml:3"),
    case("yaml 1.1 boolean", Edit(ALICE, "mfa: enforced", "mfa: yes"), V, 1, "identities/alice.yaml:7"),
    case("mfa on", Edit(ALICE, "mfa: enforced", "mfa: on"), V, 1, "identities/alice.yaml:7"),
    case("upper-case id", Edit(ALICE, "id: alice", "id: Alice"), V, 1, "identities/alice.yaml:2"),
    case("id starting with a dash", Edit(ALICE, "id: alice", "id: \"-alice\""), V, 1, "identities/alice.yaml:2"),
    case("id too long", Edit(ALICE, "id: alice", "id: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), V, 1, "identities/alice.yaml:2"),
    case("unknown function", Edit(ALICE, "cloud-operations]", "plumbing]"), V, 1, "identities/alice.yaml:6"),
    case("unknown client served", Edit(ALICE, "clients: [acme, globex]", "clients: [acme, nowhere]"), V, 1, "identities/alice.yaml:8"),
    case("unknown placeholder", Edit(ALICE, "\"{id}@{domain}\"", "\"{nope}@{domain}\""), V, 1, "identities/alice.yaml:10"),
    case("unclosed placeholder", Edit(ALICE, "\"{id}@{domain}\"", "\"{id@{domain}\""), V, 1, "identities/alice.yaml:10"),
    case("empty account template", Edit(ALICE, "\"{id}@{domain}\"", "\"\""), V, 1, "identities/alice.yaml:10"),
    case("duplicate key", Append(ALICE, "mfa: enforced"), V, 1, "identities/alice.yaml:13"),
    case("unknown field", Append(ALICE, "colour: blue"), V, 1, "identities/alice.yaml:13"),
    case("empty identity file", Write(ALICE, ""), V, 1, "identities/alice.yaml"),
    case("a list, not a mapping", Write(ALICE, "- just\n- a list\n"), V, 1, "identities/alice.yaml:1"),
    case("unclosed flow sequence", Write(ALICE, "id: [\n"), V, 1, "identities/alice.yaml:1"),
    case("actor of another identity", Edit(ALICE, "\"os:alice\"", "\"os:bob\""), V, 1, "identities/"),
    case("identity id twice", Write("identities/alice2.yaml", "id: alice\nkind: person\nmfa: enforced\nfunctions: [helpdesk]\n"), V, 1, "identities/alice2.yaml:1"),
    case("person with an owner", Append(ALICE, "owner: dave"), V, 1, "identities/alice.yaml:13"),
    case("agent without owner", Edit(AGENT, "owner: dave\n", ""), V, 1, "identities/acme-triage-agent.yaml"),
    case("agent with mfa", Append(AGENT, "mfa: enforced"), V, 1, "identities/acme-triage-agent.yaml:21:6"),
    case("owner not a person", Edit(AGENT, "owner: dave", "owner: globex-backup-svc"), V, 1, "identities/acme-triage-agent.yaml:5"),
    case("agent of an unknown client", Edit(AGENT, "client: acme", "client: acne"), V, 1, "identities/acme-triage-agent.yaml:7"),
    case("service account without purpose", Edit(SVC, "purpose: Nightly", "# purpose: Nightly"), V, 1, "identities/globex-backup-svc.yaml"),
    case("service account serving a list", Edit(SVC, "client: globex", "clients: [globex]"), V, 1, "identities/globex-backup-svc.yaml:7"),
    case("kind missing", Edit(ALICE, "kind: person\n", ""), V, 1, "identities/alice.yaml"),
    case("two identities, one account", Write("identities/alice-old.yaml", "id: alice-old\nkind: person\nmfa: enforced\nfunctions: [helpdesk]\nclients: [acme]\naccounts:\n  default: \"alice@{domain}\"\n  github: alice-northwind\n"), V, 1, "identities/alice-old.yaml:7"),
    case("identity text not utf-8", Write(ALICE, "id: \u{feff}\u{0}alice\n"), V, 1, "identities/alice.yaml"),
    // bundles
    case("zero ttl", Edit(BUNDLE, "ttl: 8h", "ttl: 0s"), V, 1, "premium/helpdesk.yaml:24"),
    case("ttl past any duration", Edit(BUNDLE, "ttl: 8h", "ttl: 584942417355y"), V, 1, "premium/helpdesk.yaml:24"),
    case("ttl over the policy", Edit(BUNDLE, "ttl: 8h", "ttl: 10000y"), V, 3, "premium/helpdesk.yaml:23"),
    case("entitlement without name", Edit(BUNDLE, "group:MSP-Helpdesk\" }", "group:\" }"), V, 1, "premium/helpdesk.yaml:9"),
    case("unknown entitlement kind", Edit(BUNDLE, "group:MSP-Helpdesk\" }", "nope:x\" }"), V, 1, "premium/helpdesk.yaml:9"),
    case("unknown system", Edit(BUNDLE, "system: entra,  entitlement: \"group:MSP-Helpdesk\"", "system: mainframe,  entitlement: \"group:MSP-Helpdesk\""), V, 1, "premium/helpdesk.yaml:9"),
    case("tier missing", Edit(BUNDLE, "tier: premium\n", ""), V, 1, "premium/helpdesk.yaml"),
    case("bundle id twice", Write("../../bundles/premium/again.yaml", "id: premium-helpdesk\ntier: premium\nfunction: helpdesk\ngrants: []\n"), V, 1, "premium/again.yaml:1"),
    case("grants not a list", Write("../../bundles/premium/again.yaml", "id: premium-again\ntier: premium\nfunction: helpdesk\ngrants: 5\n"), V, 1, "premium/again.yaml:4"),
    case("github kind that does not exist", Edit(BUNDLE, "entitlement: \"org:member\"", "entitlement: \"role:owner\""), V, 1, "premium/helpdesk.yaml:15"),
    case("privileged as text", Edit(BUNDLE, "privileged: true, ttl: 8h, requires: { ticket: true } }", "privileged: maybe, ttl: 8h, requires: { ticket: true } }"), V, 1, "premium/helpdesk.yaml:24"),
    case("requires unknown", Edit(BUNDLE, "requires: { ticket: true } }", "requires: { blessing: true } }"), V, 1, "premium/helpdesk.yaml:24"),
    // clients
    case("unknown tier", Edit(ACME, "tier: premium", "tier: platinum"), V, 1, "clients/acme.yaml:4"),
    case("impossible date", Edit(ACME, "start: 2025-01-01", "start: 2025-02-30"), V, 1, "clients/acme.yaml:6"),
    case("five-digit year", Edit(ACME, "end: 2027-12-31", "end: 99999-01-01"), V, 1, "clients/acme.yaml:7"),
    case("date with time words", Edit(ACME, "end: 2027-12-31", "end: next tuesday"), V, 1, "clients/acme.yaml:7"),
    case("unknown adapter", Edit(ACME, "adapter: file", "adapter: carrier-pigeon"), V, 1, "clients/acme.yaml:12"),
    case("tenant name twice", Edit(ACME, "- name: okta", "- name: entra"), V, 1, "clients/acme.yaml:15"),
    case("tenant path leaves", Edit(ACME, "path: tenants/acme/entra", "path: ../../etc"), V, 1, "clients/acme.yaml:13"),
    case("tenant path absolute", Edit(ACME, "path: tenants/acme/entra", "path: /etc"), V, 1, "clients/acme.yaml:13"),
    case("file tenant without path", Edit(ACME, "    path: tenants/acme/entra\n", ""), V, 1, "clients/acme.yaml:10"),
    case("inline secret", Edit(ACME, "adapter: file\n    path: tenants/acme/okta", "adapter: okta\n    endpoint: https://acme.okta.com\n    credential: 00aBcD-SuperSecretToken-Zz9"), V, 1, "clients/acme.yaml:19"),
    case("endpoint not a URL", Edit(ACME, "adapter: file\n    path: tenants/acme/okta", "adapter: okta\n    endpoint: acme okta\n    credential: env:ACME_OKTA"), V, 1, "clients/acme.yaml:18"),
    case("graph tenant without tenant_id", Edit(ACME, "adapter: file\n    path: tenants/acme/entra", "adapter: graph\n    client_id: 5b1f0c2a-0000-0000-0000-000000000000\n    credential: env:X"), V, 1, "clients/acme.yaml:10"),
    case("okta CUSTOM role", Edit(ACME, "adapter: file\n    path: tenants/acme/okta", "adapter: okta\n    endpoint: https://acme.okta.com\n    credential: env:ACME_OKTA\n    group_roles:\n      MSP-Helpdesk: [CUSTOM]"), V, 1, "clients/acme.yaml:21"),
    case("exception for an unknown identity", Edit(ACME, "identity: carol", "identity: karol"), V, 1, "clients/acme.yaml:27"),
    case("exception approved by an unknown identity", Edit(ACME, "approver: dave", "approver: dve"), V, 1, "clients/acme.yaml:33"),
    case("exception approved by an agent", Edit(ACME, "approver: dave", "approver: acme-triage-agent"), V, 1, "clients/acme.yaml:33"),
    case("exception until impossible", Edit(ACME, "until: 2027-03-31", "until: 2026-13-01"), V, 1, "clients/acme.yaml:34"),
    case("exception until the end of time", Edit(ACME, "until: 2027-03-31", "until: 9999-12-31"), V, 3, "clients/acme.yaml:26"),
    case("exception of an unknown bundle", Edit(ACME, "    grants:\n      - system: entra\n        entitlement: role:Security", "    bundle: premium-nothing\n    grants:\n      - system: entra\n        entitlement: role:Security"), V, 1, "clients/acme.yaml:28"),
    case("exception in an unknown tenant", Edit(ACME, "        entitlement: role:Security Administrator", "        entitlement: role:Security Administrator\n        tenant: entra2"), V, 1, "clients/acme.yaml:31"),
    case("exception without reason", Edit(ACME, "    reason: Leads", "    # reason: Leads"), V, 1, "clients/acme.yaml:26"),
    case("client id twice", Write("clients/acme2.yaml", "id: acme\nname: Again\ntier: premium\ntenants: []\n"), V, 1, "clients/acme2.yaml:1"),
    case("client with a tab", Edit(GLOBEX, "tier: standard", "tier:\tstandard\n\t- x"), V, 1, "clients/globex.yaml:"),
    case("ldap filter without the account", Edit(GLOBEX, "adapter: file\n    path: tenants/globex/ldap", "adapter: ldap\n    endpoint: ldap://ldap.globex.example\n    user_filter: \"(uid=fixed)\"\n    bind_dn: cn=onboard\n    base_dn: dc=globex\n    credential: env:X"), V, 1, "clients/globex.yaml:18"),
    case("anchors and aliases", Append(GLOBEX, "extra: &a [x]\nmore: *a"), V, 1, "clients/globex.yaml:29"),
    // policy.yaml
    case("zero privileged ttl", Edit(POLICY, "privileged: 8h", "privileged: 0s"), V, 1, "policy.yaml:6"),
    case("unknown policy field", Append(POLICY, "vibes: good"), V, 1, "policy.yaml:"),
    case("share over one", Edit(POLICY, "max_share: 0.5", "max_share: 2.5"), V, 1, "policy.yaml:26"),
    case("break-glass ttl not a duration", Edit(POLICY, "ttl: 1h", "ttl: banana"), V, 1, "policy.yaml:13"),
    case("negative count", Edit(POLICY, "max_count: 25", "max_count: -1"), V, 1, "policy.yaml:25"),
    case("policy list", Write(POLICY, "- max_ttl\n"), V, 1, "policy.yaml:1"),
    case("policy a scalar", Write(POLICY, "42\n"), V, 1, "policy.yaml:1"),
    case("empty notify command", Edit(POLICY, "  # notify:\n  #   command: [notify-oncall, --channel, msp-security]", "  notify:\n    command: []"), V, 1, "policy.yaml"),
    // arguments
    case("plan at words", Change::None, &["plan", "--at", "tomorrow"], 1, "`--at`"),
    case("plan at past 9999", Change::None, &["plan", "--at", "9999-12-31T23:59:59-23:59"], 1, "`--at`"),
    case("plan unknown client", Change::None, &["plan", "acne"], 1, "`acne`"),
    case("plan unknown tier", Change::None, &["plan", "--tier", "gold", "acme"], 1, "`gold`"),
    case("plan tier without client", Change::None, &["plan", "--tier", "premium"], 1, "--tier"),
    case("unknown output format", Change::None, &["plan", "-o", "yaml"], 1, "yaml"),
    case("apply unknown target", Change::None, &["apply", "nosuch", "--yes"], 1, "nosuch"),
    case("apply a plan file that is not one", Change::None, &["apply", "onboard.toml", "--yes"], 1, "onboard.toml"),
    case("expire unknown flag", Change::None, &["expire", "--bogus"], 1, "--bogus"),
    case("revoke without scope", Change::None, &["revoke"], 1, "--identity"),
    case("revoke unknown identity", Change::None, &["revoke", "--identity", "nobody", "--yes"], 1, "`nobody`"),
    case("revoke unknown client", Change::None, &["revoke", "--client", "acne", "--yes"], 1, "`acne`"),
    case("elevate by no identity", Change::None, &[ "elevate", "--client", "acme", "--bundle", "premium-helpdesk", "--ticket", "T-1", "--reason", "r", ], 1, "test:runner"),
    case("elevate ttl zero", Change::None, &[ "actor=os:carol", "elevate", "--client", "acme", "--bundle", "premium-security-response", "--ticket", "T-1", "--reason", "r", "--ttl", "0s", ], 1, "`--ttl`"),
    case("elevate ttl words", Change::None, &[ "actor=os:carol", "elevate", "--client", "acme", "--bundle", "premium-security-response", "--ticket", "T-1", "--reason", "r", "--ttl", "a while", ], 1, "`--ttl`"),
    case("elevate unknown bundle", Change::None, &[ "actor=os:carol", "elevate", "--client", "acme", "--bundle", "premium-nothing", "--ticket", "T-1", "--reason", "r", ], 1, "`premium-nothing`"),
    case("elevate unknown client", Change::None, &[ "actor=os:carol", "elevate", "--client", "acne", "--bundle", "premium-helpdesk", "--ticket", "T-1", "--reason", "r", ], 1, "`acne`"),
    case("elevate blank reason", Change::None, &[ "actor=os:carol", "elevate", "--client", "acme", "--bundle", "premium-security-response", "--ticket", "T-1", "--reason", " ", ], 1, "reason"),
    case("elevate without reason", Change::None, &[ "elevate", "--client", "acme", "--bundle", "b", "--ticket", "T", ], 1, "--reason"),
    case("approve unknown request", Change::None, &["actor=os:dave", "approve", "req-nope"], 1, "`req-nope`"),
    case("deny unknown request", Change::None, &["actor=os:dave", "deny", "req-nope", "--reason", "no"], 1, "`req-nope`"),
    case("deny without reason", Change::None, &["deny", "req-nope"], 1, "--reason"),
    case("requests unknown status", Change::None, &["requests", "--status", "bogus"], 1, "bogus"),
    case("break-glass unknown bundle", Change::None, &[ "actor=os:carol", "break-glass", "--client", "acme", "--bundle", "premium-nothing", "--reason", "the database is down", ], 1, "`premium-nothing`"),
    case("break-glass blank reason", Change::None, &[ "actor=os:carol", "break-glass", "--client", "acme", "--bundle", "premium-security-response", "--reason", "", ], 1, "reason"),
    case("review close unknown", Change::None, &[ "actor=os:dave", "review", "close", "rev-nope", "--outcome", "ok", "--notes", "n", ], 1, "`rev-nope`"),
    case("review close without notes", Change::None, &["review", "close", "rev-nope", "--outcome", "ok"], 1, "--notes"),
    case("status expiring within words", Change::None, &["status", "--expiring-within", "soon"], 1, "`--expiring-within`"),
    case("status unknown identity", Change::None, &["status", "--identity", "nobody"], 1, "`nobody`"),
    case("status unknown client", Change::None, &["status", "acne"], 1, "`acne`"),
    case("audit show since words", Change::None, &["audit", "show", "--since", "yesterday"], 1, "`--since`"),
    case("audit show until impossible", Change::None, &["audit", "show", "--until", "2026-02-30"], 1, "`--until`"),
    case("audit show until past 9999", Change::None, &["audit", "show", "--until", "9999-12-31T23:59:59-23:59"], 1, "`--until`"),
    case("audit show unknown kind", Change::None, &["audit", "show", "--kind", "bogus"], 1, "bogus"),
    case("audit export unknown format", Change::None, &["audit", "export", "--format", "xml"], 1, "xml"),
    case("audit verify missing key file", Change::None, &["audit", "verify", "--pubkey", "/nonexistent/key.pub"], 1, "/nonexistent/key.pub"),
    case("audit unknown subcommand", Change::None, &["audit", "shred"], 1, "shred"),
    case("state without subcommand", Change::None, &["state"], 1, "state"),
    case("state rebuild unknown flag", Change::None, &["state", "rebuild", "--force"], 1, "--force"),
    case("login without tenant", Change::None, &["login", "acme", "--stdin"], 1, "`acme`"),
    case("login unknown tenant", Change::None, &["login", "acme/nosuch", "--stdin"], 1, "`nosuch`"),
    case("login file tenant", Change::None, &["login", "acme/entra", "--stdin"], 1, "acme/entra"),
    case("init over a workspace", Change::None, &["init", "."], 1, "already holds a workspace"),
    case("completions unknown shell", Change::None, &["completions", "tcsh"], 1, "tcsh"),
    case("colour sometimes", Change::None, &["--color", "sometimes", "validate"], 1, "sometimes"),
    case("unknown command", Change::None, &["frobnicate"], 1, "frobnicate"),
];

/// Every file below `dir` with its bytes, sorted: equal before and after means nothing
/// was written, removed or added.
pub fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                out.extend(tree(&path));
            } else {
                out.push((path.clone(), std::fs::read(&path).unwrap_or_default()));
            }
        }
    }
    out.sort();
    out
}

/// The tree without the workspace lock file: commands that change state take the lock
/// (creating `state/onboard.lock`) before they read their arguments against the
/// workspace. The lock holds no data and is released when the process ends.
fn unlocked(mut files: Vec<(PathBuf, Vec<u8>)>) -> Vec<(PathBuf, Vec<u8>)> {
    files.retain(|(path, _)| !path.ends_with("state/onboard.lock"));
    files
}

fn run(case: &Case) -> Result<(), String> {
    let env = Env::example();
    match case.change {
        Change::None => {}
        Edit(file, from, to) => env.edit(file, from, to),
        Write(file, text) => env.write(file, text),
        Append(file, line) => {
            let text = env.read(file);
            env.write(file, &format!("{}\n{line}\n", text.trim_end()));
        }
    }
    let before = unlocked(tree(&env.root));
    let (actor, args) = match case.args.split_first() {
        Some((first, rest)) if first.starts_with("actor=") => (&first[6..], rest),
        _ => ("test:runner", case.args),
    };
    let output = env
        .onboard(args)
        .env("ONBOARD_ACTOR", actor)
        .current_dir(&env.ws)
        .write_stdin("")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let mut wrong = Vec::new();
    if output.status.code() != Some(case.code) {
        wrong.push(format!(
            "exit {:?}, not {}",
            output.status.code(),
            case.code
        ));
    }
    if !stderr.contains(case.at) {
        wrong.push(format!("no {:?}", case.at));
    }
    if !stderr.contains("hint: ") {
        wrong.push("no hint".into());
    }
    if stderr.contains("panicked") || stderr.contains("SuperSecret") {
        wrong.push("a panic or an echoed secret".into());
    }
    if unlocked(tree(&env.root)) != before {
        wrong.push("files changed".into());
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} ({:?}): {}\n{stderr}",
            case.name,
            case.args,
            wrong.join("; ")
        ))
    }
}

#[test]
fn every_bad_input_is_refused_with_where_and_a_hint_and_changes_nothing() {
    assert!(CASES.len() >= 80, "the corpus has {} cases", CASES.len());
    let failures: Vec<String> = CASES.iter().filter_map(|c| run(c).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}
