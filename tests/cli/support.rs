//! A temporary workspace and a command builder with a fixed clock and actor.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde::Deserialize;
use tempfile::TempDir;

/// The instant every test runs at, unless it says otherwise.
pub const NOW: &str = "2026-11-21T12:00:00Z";

/// Returns the environment every test command runs with: a fixed clock and actor, no
/// colour.
pub fn fixed_env(now: &str) -> [(&'static str, String); 3] {
    [
        ("ONBOARD_NOW", now.to_string()),
        ("ONBOARD_ACTOR", "test:runner".to_string()),
        ("NO_COLOR", "1".to_string()),
    ]
}

/// A temporary copy of the repository's example workspace and bundle library, laid out
/// as in the repository (`examples/acme-msp`, `bundles/`).
pub struct Env {
    _dir: TempDir,
    pub root: PathBuf,
    pub ws: PathBuf,
}

/// One line of a `.gitignore`, read in the directory `base` (relative to the repository).
struct IgnoreRule {
    base: PathBuf,
    pattern: String,
    negated: bool,
    dir_only: bool,
    anchored: bool,
}

/// Reads the rules of `repo/base/.gitignore`, if there is one (the subset of gitignore
/// the repository uses: `#` comments, `!` negation, a trailing `/` for directories, a
/// `/` inside or in front anchoring to the file's directory, `*` and `?` globs).
fn ignore_rules(repo: &Path, base: &Path) -> Vec<IgnoreRule> {
    let text = fs::read_to_string(repo.join(base).join(".gitignore")).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let (negated, line) = match line.strip_prefix('!') {
                Some(rest) => (true, rest),
                None => (false, line),
            };
            let (dir_only, line) = match line.strip_suffix('/') {
                Some(rest) => (true, rest),
                None => (false, line),
            };
            IgnoreRule {
                base: base.to_path_buf(),
                anchored: line.contains('/'),
                pattern: line.trim_start_matches('/').to_string(),
                negated,
                dir_only,
            }
        })
        .collect()
}

/// Matches a glob (`*`, `?`; neither crosses `/`) against a whole text.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    match (pattern.first(), text.first()) {
        (None, None) => true,
        (Some(b'*'), _) => {
            glob(&pattern[1..], text)
                || (text.first().is_some_and(|c| *c != b'/') && glob(pattern, &text[1..]))
        }
        (Some(b'?'), Some(c)) if *c != b'/' => glob(&pattern[1..], &text[1..]),
        (Some(p), Some(c)) if p == c => glob(&pattern[1..], &text[1..]),
        _ => false,
    }
}

/// Returns whether git ignores `path` (relative to the repository): the last rule that
/// matches decides.
fn ignored(rules: &[IgnoreRule], path: &Path, is_dir: bool) -> bool {
    let mut verdict = false;
    for rule in rules {
        let Ok(below) = path.strip_prefix(&rule.base) else {
            continue;
        };
        let subject = if rule.anchored {
            below.to_string_lossy().into_owned()
        } else {
            path.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        };
        if (is_dir || !rule.dir_only) && glob(rule.pattern.as_bytes(), subject.as_bytes()) {
            verdict = !rule.negated;
        }
    }
    verdict
}

/// Copies `repo/from` to `to` as a fresh clone of the repository has it: whatever a
/// `.gitignore` of the repository (at or above each directory) lists is left out, such
/// as the state, audit log, tenants and key that running the example writes.
pub fn copy_as_cloned(repo: &Path, from: &Path, to: &Path) {
    // The rules of the directories above `from`, outermost first; `copy_dir` adds the
    // rest as it goes down.
    let mut above: Vec<&Path> = from.ancestors().skip(1).collect();
    above.reverse();
    let mut rules: Vec<IgnoreRule> = above
        .into_iter()
        .flat_map(|dir| ignore_rules(repo, dir))
        .collect();
    copy_dir(repo, from, to, &mut rules);
}

fn copy_dir(repo: &Path, from: &Path, to: &Path, rules: &mut Vec<IgnoreRule>) {
    let inherited = rules.len();
    rules.extend(ignore_rules(repo, from));
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(repo.join(from)).unwrap() {
        let entry = entry.unwrap();
        let path = from.join(entry.file_name());
        let target = to.join(entry.file_name());
        let is_dir = entry.file_type().unwrap().is_dir();
        if ignored(rules, &path, is_dir) {
            continue;
        }
        if is_dir {
            copy_dir(repo, &path, &target, rules);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
    rules.truncate(inherited);
}

impl Env {
    /// The example with `initech/scim` unreadable (its file is not JSON) and frank asking
    /// for a function policy refuses him.
    pub fn with_an_unreadable_tenant_and_a_denial() -> Env {
        let env = Env::example();
        env.onboard(&["plan", "-q"]).assert().success(); // seeds the tenant directories
        env.write("tenants/initech/scim/tenant.json", "{ not json");
        env.edit(
            "identities/frank.yaml",
            "functions: [helpdesk]",
            "functions: [helpdesk, security-response]",
        );
        env
    }

    /// Returns a fresh copy of the example workspace.
    pub fn example() -> Env {
        let dir = TempDir::new().unwrap();
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        for part in ["examples/acme-msp", "bundles"] {
            copy_as_cloned(repo, Path::new(part), &dir.path().join(part));
        }
        let root = dir.path().to_path_buf();
        let ws = root.join("examples/acme-msp");
        Env {
            _dir: dir,
            root,
            ws,
        }
    }

    /// Returns an empty workspace directory holding only the given files.
    pub fn with_files(files: &[(&str, &str)]) -> Env {
        let dir = TempDir::new().unwrap();
        let root = dir.path().to_path_buf();
        let ws = root.join("ws");
        fs::create_dir_all(&ws).unwrap();
        let env = Env {
            _dir: dir,
            root,
            ws,
        };
        for (path, text) in files {
            env.write(path, text);
        }
        env
    }

    /// Returns `onboard -w WS ARGS…` with a fixed clock and actor and no colour.
    pub fn onboard(&self, args: &[&str]) -> Command {
        self.onboard_at(NOW, args)
    }

    /// Like `onboard`, at another instant.
    pub fn onboard_at(&self, now: &str, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_onboard"));
        for var in [
            "ONBOARD_WORKSPACE",
            "GITHUB_ACTOR",
            "GITLAB_USER_LOGIN",
            "CI_JOB_ID",
            "ONBOARD_SIGNING_KEY",
            "SSH_AUTH_SOCK",
        ] {
            command.env_remove(var);
        }
        command
            .envs(fixed_env(now))
            .current_dir(&self.root)
            .arg("--workspace")
            .arg(&self.ws)
            .args(args);
        command
    }

    /// Writes a file below the workspace.
    pub fn write(&self, path: &str, text: &str) {
        let path = self.ws.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    /// Reads a file below the workspace.
    pub fn read(&self, path: &str) -> String {
        fs::read_to_string(self.ws.join(path)).unwrap_or_else(|e| panic!("reading {path}: {e}"))
    }

    /// Reads an identity file without the `credentials:` it declares (and the comment
    /// above them), so a test can declare its own.
    pub fn read_without_credentials(&self, path: &str) -> String {
        let text = self.read(path);
        let mut lines: Vec<&str> = text
            .lines()
            .take_while(|line| !line.starts_with("credentials:"))
            .collect();
        while lines.last().is_some_and(|line| line.starts_with('#')) {
            lines.pop();
        }
        lines.iter().map(|line| format!("{line}\n")).collect()
    }

    /// Takes the credentials the example's service account and agent declare out of
    /// their identity files, for tests that give their clients other tenants.
    pub fn drop_example_credentials(&self) {
        for path in [
            "identities/globex-backup-svc.yaml",
            "identities/acme-triage-agent.yaml",
        ] {
            self.write(path, &self.read_without_credentials(path));
        }
    }

    /// Replaces text in a workspace file, failing when it is not there.
    pub fn edit(&self, path: &str, from: &str, to: &str) {
        let text = self.read(path);
        assert!(text.contains(from), "{path} does not contain {from:?}");
        self.write(path, &text.replacen(from, to, 1));
    }

    /// Returns whether a path exists below the workspace.
    pub fn exists(&self, path: &str) -> bool {
        self.ws.join(path).exists()
    }

    /// Reads a file tenant's memberships: entitlement → accounts.
    pub fn tenant(&self, client: &str, tenant: &str) -> Vec<(String, String)> {
        let text = self.read(&format!("tenants/{client}/{tenant}/tenant.json"));
        let file: TenantFile = serde_json::from_str(&text).unwrap();
        let mut out = Vec::new();
        for (entitlement, members) in file.entitlements {
            for m in members {
                out.push((entitlement.clone(), m.account));
            }
        }
        out
    }

    /// Reads the ledger.
    pub fn ledger(&self) -> Ledger {
        serde_json::from_str(&self.read("state/ledger.json")).unwrap()
    }

    /// Reads the ledger's records, sorted.
    pub fn ledger_grants_sorted(&self) -> Vec<LedgerGrant> {
        let mut grants = self.ledger().grants;
        grants.sort();
        grants
    }

    /// Returns true when the ledger is missing or holds no elevation (for readability in
    /// tests that check nothing was granted).
    pub fn ledger_exists_or_empty(&self) -> bool {
        !self.exists("state/ledger.json")
            || self
                .ledger()
                .grants
                .iter()
                .all(|g| !g.sources.iter().any(|s| s.starts_with("elevation:")))
    }

    /// Applies the workspace as it is, asserting success.
    pub fn apply(&self) {
        self.onboard(&["apply", "--yes", "--quiet"])
            .assert()
            .success();
    }
}

/// The parts of a file tenant the tests read.
#[derive(Deserialize)]
pub struct TenantFile {
    pub entitlements: std::collections::BTreeMap<String, Vec<Member>>,
}

/// One member of a file tenant's entitlement.
#[derive(Deserialize)]
pub struct Member {
    pub account: String,
}

/// The parts of the ledger the tests read.
#[derive(Debug, Deserialize)]
pub struct Ledger {
    pub format_version: u32,
    pub grants: Vec<LedgerGrant>,
    pub blocks: Vec<serde_json::Value>,
}

/// One ledger record, ordered field by field so two ledgers' records can be compared whole.
#[derive(Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct LedgerGrant {
    pub client: String,
    pub tenant: String,
    pub entitlement: String,
    pub identity: String,
    pub account: String,
    pub expires_at: Option<String>,
    pub sources: Vec<String>,
    pub ticket: Option<String>,
    pub actor: String,
    #[serde(default)]
    pub tenant_enforces_expiry: bool,
}

/// Runs an adapter's [`Adapter::apply_configuration`] and returns what it did, failing the test on
/// an error.
///
/// [`Adapter::apply_configuration`]: onboard::adapters::Adapter::apply_configuration
pub fn reconcile(
    adapter: &mut dyn onboard::adapters::Adapter,
    now: time::OffsetDateTime,
) -> Vec<String> {
    let planned = adapter
        .inspect(now)
        .unwrap_or_else(|e| panic!("{e}"))
        .configuration;
    let mut done = Vec::new();
    adapter
        .apply_configuration(&planned, &mut done)
        .unwrap_or_else(|e| panic!("{e} (after {done:?})"));
    done
}

/// Asserts that `plan --out plan.json` succeeded and returns the changes to the first
/// tenant's own configuration that the saved plan carries as data (`planned`).
pub fn saved_configuration(env: &Env, output: &std::process::Output) -> serde_json::Value {
    assert_eq!(output.status.code(), Some(0), "{}", stderr(env, output));
    let saved: serde_json::Value =
        serde_json::from_slice(&fs::read(env.root.join("plan.json")).unwrap()).unwrap();
    saved["configuration"][0]["planned"].clone()
}

/// The parts of a JSON plan the tests read.
#[derive(Debug, Deserialize)]
pub struct PlanJson {
    pub format_version: u32,
    pub clients: Vec<String>,
    pub summary: Summary,
    pub changes: Vec<ChangeJson>,
    pub warnings: Vec<String>,
    /// Tenants whose own configuration apply changes.
    #[serde(default)]
    pub configuration: Vec<ConfigurationJson>,
}

impl PlanJson {
    /// The changes to one tenant's own configuration the plan lists.
    pub fn configuration_of(&self, client: &str, tenant: &str) -> Vec<&str> {
        self.configuration
            .iter()
            .filter(|c| c.client == client && c.tenant == tenant)
            .flat_map(|c| c.changes.iter().map(String::as_str))
            .collect()
    }
}

/// A tenant's own configuration a JSON plan says apply changes.
#[derive(Debug, Deserialize)]
pub struct ConfigurationJson {
    pub client: String,
    pub tenant: String,
    pub changes: Vec<String>,
}

/// Counts by kind.
#[derive(Debug, Deserialize, PartialEq, Eq)]
pub struct Summary {
    pub grant: usize,
    pub renew: usize,
    pub expire: usize,
    pub revoke: usize,
    pub drift: usize,
    pub unknown: usize,
}

/// One change of a JSON plan.
#[derive(Debug, Deserialize)]
pub struct ChangeJson {
    pub kind: String,
    pub client: String,
    pub tenant: String,
    pub entitlement: Option<String>,
    pub identity: Option<String>,
    pub account: Option<String>,
    pub expires_at: Option<String>,
    pub reason: String,
    pub origin: Option<String>,
    /// For denials: the rule.
    #[serde(default)]
    pub rule: Option<String>,
    /// For denials: what satisfies the rule; for unknown: what lets the tenant be read.
    #[serde(default)]
    pub hint: Option<String>,
}

/// Runs `plan -o json` and parses it.
pub fn plan_json(env: &Env, now: &str, args: &[&str]) -> PlanJson {
    let mut all = vec!["plan", "--output", "json"];
    all.extend_from_slice(args);
    let output = env.onboard_at(now, &all).output().unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 2 | 3 | 4)),
        "plan failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The parts of `audit show --output json` the tests read.
#[derive(Debug, Deserialize)]
pub struct AuditShowJson {
    pub format_version: u32,
    pub entries: Vec<AuditEntryJson>,
}

/// One entry of `audit show --output json`.
#[derive(Debug, Deserialize)]
pub struct AuditEntryJson {
    /// The chain: a client id or `_workspace`.
    pub chain: String,
    pub kind: String,
    /// `intent` or `outcome`, for changes.
    pub phase: Option<String>,
    pub result: Option<String>,
}

impl AuditShowJson {
    /// Each entry's kind and result (`-` for none), in order.
    pub fn results(&self) -> Vec<(&str, &str)> {
        self.entries
            .iter()
            .map(|e| (e.kind.as_str(), e.result.as_deref().unwrap_or("-")))
            .collect()
    }

    /// Each entry's kind and phase (`-` for none), in order.
    pub fn phases(&self) -> Vec<(&str, &str)> {
        self.entries
            .iter()
            .map(|e| (e.kind.as_str(), e.phase.as_deref().unwrap_or("-")))
            .collect()
    }
}

/// Runs `audit show ARGS --output json`, asserting success, and parses it.
pub fn audit_show(env: &Env, args: &[&str]) -> AuditShowJson {
    let mut all = vec!["audit", "show"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--output", "json"]);
    let output = env.onboard(&all).output().unwrap();
    assert!(
        output.status.success(),
        "audit show {args:?}: {}",
        stderr(env, &output)
    );
    let doc: AuditShowJson = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doc.format_version, 1);
    doc
}

/// Returns the accounts of an adapter's holders, sorted.
pub fn holder_accounts(holders: &[onboard::model::Holder]) -> Vec<String> {
    let mut names: Vec<String> = holders.iter().map(|h| h.account.clone()).collect();
    names.sort();
    names
}

/// Returns every file below a directory, at any depth, sorted; fails the test when a
/// directory cannot be read.
pub fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries =
            fs::read_dir(&dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Fails the test, naming the file, when `secret` appears in any letter case in any file
/// below `root` (`what` names the secret in the message); returns the files it read.
pub fn assert_secret_absent(root: &Path, secret: &str, what: &str) -> Vec<PathBuf> {
    let secret = secret.to_lowercase();
    let files = files_under(root);
    for path in &files {
        let bytes = fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        assert!(
            !String::from_utf8_lossy(&bytes)
                .to_lowercase()
                .contains(&secret),
            "the {what} leaked into {}",
            path.display()
        );
    }
    files
}

/// Adds `[vault]` at `address` to the workspace's onboard.toml, its token read from
/// `ONBOARD_TEST_VAULT_TOKEN`, and returns a token of a new vault policy `policy` that may
/// write and read `secret/`: what a run delivering credentials needs.
pub fn deliver_to_vault(env: &Env, bao: &crate::peers::BaoServer, policy: &str) -> String {
    let settings = env.read("onboard.toml");
    env.write(
        "onboard.toml",
        &format!(
            "{settings}\n[vault]\naddress = \"{}\"\ntoken = \"env:ONBOARD_TEST_VAULT_TOKEN\"\n",
            bao.address
        ),
    );
    bao.token_with(policy, &["create", "read", "update"])
}

/// Returns stdout of an output as text.
pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// Returns stderr of an output as text, with the temporary directory replaced.
pub fn stderr(env: &Env, output: &std::process::Output) -> String {
    String::from_utf8(output.stderr.clone())
        .unwrap()
        .replace(&env.root.display().to_string(), "[TMP]")
}

/// The parts of `apply --output json` (also `expire` and `revoke`) the tests read.
#[derive(Debug, Deserialize)]
pub struct ApplyJson {
    pub format_version: u32,
    pub results: Vec<ResultJson>,
    pub applied: usize,
    pub unchanged: usize,
    pub failed: usize,
    /// What was not sent: unknown tenants and denied grants.
    #[serde(default)]
    pub not_applied: Vec<ChangeJson>,
}

/// One change's result in `apply --output json`.
#[derive(Debug, Deserialize)]
pub struct ResultJson {
    pub kind: String,
    pub tenant: String,
    pub entitlement: Option<String>,
    pub account: Option<String>,
    pub result: String,
    pub error: Option<String>,
}

impl ApplyJson {
    /// Returns the results in one tenant.
    pub fn in_tenant(&self, tenant: &str) -> Vec<&ResultJson> {
        self.results.iter().filter(|r| r.tenant == tenant).collect()
    }

    /// Returns the result of one change, failing the test when there is none.
    pub fn result(&self, tenant: &str, entitlement: &str, account: &str) -> &ResultJson {
        self.results
            .iter()
            .find(|r| {
                r.tenant == tenant
                    && r.entitlement.as_deref() == Some(entitlement)
                    && r.account.as_deref() == Some(account)
            })
            .unwrap_or_else(|| {
                panic!("no result for {entitlement} {account} in {tenant}: {self:?}")
            })
    }
}

/// Runs an apply-like command with `--yes --output json`, asserts its exit code and
/// parses its results.
pub fn apply_json(mut command: Command, env: &Env, expected_code: i32) -> ApplyJson {
    let output = command
        .args(["--yes", "--output", "json"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(expected_code),
        "{}",
        stderr(env, &output)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Returns whether the binary under test has the test-only switches
/// (`ONBOARD_TEST_CRASH_AFTER_INTENTS`, `ONBOARD_TEST_CRASH_AFTER_SENT`,
/// `ONBOARD_TEST_AUDIT_FAIL_AFTER`,
/// `ONBOARD_TEST_RETRY_SCALE`): it does when built with `--features test-hooks`, as
/// `scripts/test` builds it. Without them a test that needs one is marked skipped (it
/// fails under `CI=true`), never passed.
pub fn test_hooks() -> bool {
    if cfg!(feature = "test-hooks") {
        return true;
    }
    crate::peers::skip(
        "the test-hooks feature",
        "onboard was built without its test switches: run `cargo test --features test-hooks`",
    );
    false
}

/// Returns the id of the pending request a refusal names in its hint (`onboard approve
/// ID`), failing the test when it names none.
pub fn pending_request_id(stderr: &str) -> String {
    let after = stderr
        .split("onboard approve ")
        .nth(1)
        .unwrap_or_else(|| panic!("no pending request named in:\n{stderr}"));
    after.split('`').next().unwrap_or_default().to_string()
}

/// Runs `command` (which asks for `--verbose`), requires exit `expected_code`, and
/// returns the line `--verbose` ends with for tenants of `kind`:
/// `requests to scim tenants: 14 made, lower bound 14 (1.00x)`.
pub fn requests_line(mut command: Command, env: &Env, kind: &str, expected_code: i32) -> String {
    let output = command.output().unwrap();
    let text = stderr(env, &output);
    assert_eq!(output.status.code(), Some(expected_code), "{text}");
    let prefix = format!("requests to {kind} tenants: ");
    text.lines()
        .find(|line| line.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no `{prefix}` line: {text}"))
        .to_string()
}

/// Returns the `--verbose` line of `made` requests to tenants of `kind`, all of them
/// needed: `requests to scim tenants: 14 made, lower bound 14 (1.00x)`.
pub fn at_lower_bound(kind: &str, made: usize) -> String {
    format!("requests to {kind} tenants: {made} made, lower bound {made} (1.00x)")
}
