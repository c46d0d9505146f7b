//! Proven actors: governance actions signed with SSH keys (SSHSIG, as `ssh-keygen -Y
//! sign` makes them), verified before acting, recorded in the audit log and re-verified
//! offline; client co-approval. Every key is a throwaway made by the real OpenSSH tools
//! (Debian openssh-client) at test time.
//!
//! `ssh-keygen` is found through `ONBOARD_TEST_SSH_KEYGEN` (default
//! `/usr/bin/ssh-keygen`), `ssh-agent` and `ssh-add` beside it. Without them a test
//! skips loudly, and fails under `CI=true` (see [`crate::peers::skip`]).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

use crate::approvals::status_of;
use crate::governance::{as_, json_items};
use crate::support::{Env, stderr, stdout};

/// The `ssh-keygen` program; `ssh-agent` and `ssh-add` are looked for beside it.
pub const ONBOARD_TEST_SSH_KEYGEN: &str = "ONBOARD_TEST_SSH_KEYGEN";

/// The OpenSSH tools, or `None` when missing (the test then skips, or fails in CI).
struct OpenSsh {
    keygen: PathBuf,
    agent: PathBuf,
    add: PathBuf,
}

fn openssh() -> Option<OpenSsh> {
    let keygen = crate::peers::find_peer(
        ONBOARD_TEST_SSH_KEYGEN,
        PathBuf::from("/usr/bin/ssh-keygen"),
        "ssh-keygen (Debian openssh-client)",
    )?;
    let dir = keygen
        .parent()
        .unwrap_or(Path::new("/usr/bin"))
        .to_path_buf();
    for tool in ["ssh-agent", "ssh-add"] {
        if !dir.join(tool).is_file() {
            crate::peers::skip(
                "ssh-agent (Debian openssh-client)",
                &format!("{tool} not found beside {}", keygen.display()),
            );
            return None;
        }
    }
    Some(OpenSsh {
        agent: dir.join("ssh-agent"),
        add: dir.join("ssh-add"),
        keygen,
    })
}

/// Throwaway keys and the workspace that lists them.
struct Keys {
    ssh: OpenSsh,
    dir: TempDir,
}

impl Keys {
    fn new(ssh: OpenSsh) -> Keys {
        Keys {
            ssh,
            dir: TempDir::new().unwrap(),
        }
    }

    /// Makes a key `name` (type `kind`, passphrase `phrase`); returns its private key
    /// path and its public key line.
    fn make(&self, name: &str, kind: &str, phrase: &str) -> (PathBuf, String) {
        let path = self.dir.path().join(name);
        let status = Command::new(&self.ssh.keygen)
            .args(["-q", "-t", kind, "-N", phrase, "-C"])
            .arg(format!("{name}@test"))
            .arg("-f")
            .arg(&path)
            .stdin(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        let public = std::fs::read_to_string(path.with_extension("pub")).unwrap();
        (path, public.trim().to_string())
    }

    /// Signs a file with `ssh-keygen -Y sign -n onboard`, as a client's CISO would;
    /// returns the `.sig` path.
    fn sign_by_hand(&self, key: &Path, file: &Path) -> PathBuf {
        succeed(
            Command::new(&self.ssh.keygen)
                .args(["-Y", "sign", "-n", "onboard", "-f"])
                .arg(key)
                .arg(file),
        );
        PathBuf::from(format!("{}.sig", file.display()))
    }

    /// Returns the fingerprint `ssh-keygen -l` prints for a key.
    fn fingerprint(&self, key: &Path) -> String {
        let text = succeed(
            Command::new(&self.ssh.keygen)
                .arg("-lf")
                .arg(key.with_extension("pub")),
        );
        text.split_whitespace().nth(1).unwrap().to_string()
    }
}

/// Runs an OpenSSH tool with no input, asserts that it succeeds, and returns its output.
fn succeed(command: &mut Command) -> String {
    let output = command.stdin(Stdio::null()).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).to_string()
}

/// A running `ssh-agent`, stopped on drop.
struct Agent {
    child: Child,
    socket: PathBuf,
}

impl Agent {
    fn start(keys: &Keys, loaded: &[&Path]) -> Agent {
        let socket = keys.dir.path().join("agent.sock");
        let child = Command::new(&keys.ssh.agent)
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while !socket.exists() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "ssh-agent did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let agent = Agent { child, socket };
        for key in loaded {
            succeed(
                Command::new(&keys.ssh.add)
                    .arg(key)
                    .env("SSH_AUTH_SOCK", &agent.socket),
            );
        }
        agent
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The example workspace with every governance action requiring a signature, and
/// alice, carol and dave listing throwaway Ed25519 keys (dave's an ECDSA one too).
struct Signed {
    env: Env,
    keys: Keys,
    alice: PathBuf,
    carol: PathBuf,
    dave: PathBuf,
    dave_ecdsa: PathBuf,
}

fn signed_workspace() -> Option<Signed> {
    let keys = Keys::new(openssh()?);
    let env = Env::example();
    let mut made = Vec::new();
    for who in ["alice", "carol", "dave"] {
        let (path, public) = keys.make(who, "ed25519", "");
        let file = format!("identities/{who}.yaml");
        let text = env.read(&file);
        let start = text.find("signing_keys:").unwrap_or(text.len());
        env.write(
            &file,
            &format!("{}signing_keys:\n  - \"{public}\"\n", &text[..start]),
        );
        made.push(path);
    }
    let (dave_ecdsa, public) = keys.make("dave-ecdsa", "ecdsa", "");
    let text = env.read("identities/dave.yaml");
    env.write("identities/dave.yaml", &format!("{text}  - \"{public}\"\n"));
    let policy = env.read("policy.yaml");
    env.write(
        "policy.yaml",
        &format!("{policy}\nactors:\n  require_signature: [approve, deny, elevate, break-glass, review-close, revoke]\n"),
    );
    let [alice, carol, dave]: [PathBuf; 3] = made.try_into().unwrap();
    Some(Signed {
        env,
        keys,
        alice,
        carol,
        dave,
        dave_ecdsa,
    })
}

/// The signed workspace with a request of alice's for carol pending.
fn pending() -> Option<(Signed, String)> {
    let s = signed_workspace()?;
    let id = pending_request(&s);
    Some((s, id))
}

/// Returns the signature `key` made by hand over the statement for `signer` to approve
/// `id` (written to the file `name`).
fn hand_signed(s: &Signed, id: &str, signer: &str, key: &Path, name: &str) -> PathBuf {
    let statement = statement_file(s, id, signer, name);
    s.keys.sign_by_hand(key, &statement)
}

/// Runs onboard as `who`, signing with `key` (`--signing-key`).
fn with_key(s: &Signed, who: &str, key: &Path, args: &[&str]) -> std::process::Output {
    s.env
        .onboard(args)
        .env("ONBOARD_ACTOR", who)
        .arg("--signing-key")
        .arg(key)
        .write_stdin("")
        .output()
        .unwrap()
}

/// Dave approves `id` with only `key` in ssh-agent.
fn approve_through_agent(s: &Signed, id: &str, key: &Path) -> std::process::Output {
    let agent = Agent::start(&s.keys, &[key]);
    s.env
        .onboard(&["approve", id])
        .env("ONBOARD_ACTOR", "os:dave")
        .env("SSH_AUTH_SOCK", &agent.socket)
        .output()
        .unwrap()
}

/// Alice asks (signed) for a privileged elevation of carol's that waits for approval.
fn pending_request(s: &Signed) -> String {
    let output = with_key(
        s,
        "alice",
        &s.alice,
        &crate::approvals::privileged_elevation("carol"),
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&s.env, &output));
    let text = stdout(&output);
    let id = text.split_whitespace().nth(1).unwrap().to_string();
    assert!(id.starts_with("req-"), "{text}");
    id
}

/// Returns the approval entries of a request in acme's chain.
fn approvals(env: &Env, id: &str) -> Vec<Value> {
    json_items(env, &["audit", "show", "--client", "acme"], "entries")
        .into_iter()
        .filter(|e| e["kind"] == "approval" && e["detail"]["request"] == id)
        .collect()
}

/// Asserts exit 3 and returns stderr.
fn denied(env: &Env, output: &std::process::Output) -> String {
    let err = stderr(env, output);
    assert_eq!(output.status.code(), Some(3), "{err}");
    assert!(err.contains("hint:"), "{err}");
    err
}

/// Prints the statement `signer` signs to approve `id` into a file; returns its path.
fn statement_file(s: &Signed, id: &str, signer: &str, name: &str) -> PathBuf {
    let output = as_(
        &s.env,
        "os:alice",
        &["approve", id, "--print-statement", signer],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&s.env, &output));
    let path = s.keys.dir.path().join(name);
    std::fs::write(&path, stdout(&output)).unwrap();
    path
}

fn submit(s: &Signed, id: &str, signature: &Path) -> std::process::Output {
    s.env
        .onboard(&["approve", id, "--signature"])
        .arg(signature)
        .env("ONBOARD_ACTOR", "os:alice")
        // A key of one's own in the environment does not get in the way.
        .env("ONBOARD_SIGNING_KEY", &s.alice)
        .output()
        .unwrap()
}

#[test]
fn an_approval_signed_through_ssh_agent_is_granted_and_audited_with_its_signer() {
    let Some((s, id)) = pending() else { return };
    let output = approve_through_agent(&s, &id, &s.dave);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&s.env, &output));
    assert_eq!(status_of(&s.env, &id), "approved");
    let fingerprint = s.keys.fingerprint(&s.dave);
    let entry = &approvals(&s.env, &id)[0];
    assert_eq!(entry["actor"], "dave");
    assert_eq!(entry["proof"]["signer"], "dave");
    assert_eq!(entry["proof"]["key"], format!("ssh-ed25519 {fingerprint}"));
    let statement = entry["proof"]["statement"].as_str().unwrap();
    assert!(
        statement.contains(&format!("action: approve\nsubject: {id}\n")),
        "{statement}"
    );
    // `audit show` names the signer; `audit verify` re-verifies it.
    let show = s
        .env
        .onboard(&["audit", "show", "--client", "acme"])
        .output()
        .unwrap();
    assert!(stdout(&show).contains(&format!("signed by dave (ssh-ed25519 {fingerprint})")));
    let verify = s.env.onboard(&["audit", "verify"]).output().unwrap();
    assert_eq!(verify.status.code(), Some(0), "{}", stderr(&s.env, &verify));
    assert!(stdout(&verify).contains(&format!(
        "approve `{id}` signed by dave (ssh-ed25519 {fingerprint}); the signature verifies"
    )));
    // The standard tool accepts onboard's signature, with the signers kept beside the log.
    let statement_path = s.keys.dir.path().join("from-log");
    std::fs::write(&statement_path, statement).unwrap();
    let sig_path = s.keys.dir.path().join("from-log.sig");
    std::fs::write(&sig_path, entry["proof"]["signature"].as_str().unwrap()).unwrap();
    let checked = Command::new(&s.keys.ssh.keygen)
        .args(["-Y", "verify", "-n", "onboard", "-I", "dave", "-f"])
        .arg(s.env.ws.join("audit/allowed_signers"))
        .arg("-s")
        .arg(&sig_path)
        .stdin(std::fs::File::open(&statement_path).unwrap())
        .output()
        .unwrap();
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );
}

#[test]
fn an_approval_signed_with_a_key_file_is_granted() {
    let Some((s, id)) = pending() else { return };
    let output = with_key(&s, "os:dave", &s.dave_ecdsa, &["approve", &id]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&s.env, &output));
    assert_eq!(status_of(&s.env, &id), "approved");
    let entry = &approvals(&s.env, &id)[0];
    assert!(
        entry["proof"]["key"]
            .as_str()
            .unwrap()
            .starts_with("ecdsa-sha2-nistp256 SHA256:")
    );
}

#[test]
fn a_passphrase_key_without_a_terminal_is_a_clear_error() {
    let Some((s, id)) = pending() else { return };
    let (locked, public) = s.keys.make("dave-locked", "ed25519", "correct horse");
    let text = s.env.read("identities/dave.yaml");
    s.env
        .write("identities/dave.yaml", &format!("{text}  - \"{public}\"\n"));
    let output = with_key(&s, "os:dave", &locked, &["approve", &id]);
    let err = stderr(&s.env, &output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains("is protected by a passphrase, and there is no terminal to ask for it"),
        "{err}"
    );
    assert!(err.contains("ssh-add"), "{err}");
    assert!(!err.contains("correct horse"));
    assert_eq!(status_of(&s.env, &id), "pending");
}

#[test]
fn a_key_that_is_not_the_approvers_is_refused() {
    let Some((s, id)) = pending() else { return };
    // Dave signs with carol's key: through a key file, and through the agent.
    let err = denied(
        &s.env,
        &with_key(&s, "os:dave", &s.carol, &["approve", &id]),
    );
    assert!(
        err.contains("is not among `dave`'s `signing_keys`"),
        "{err}"
    );
    let output = approve_through_agent(&s, &id, &s.carol);
    let err = denied(&s.env, &output);
    assert!(
        err.contains("none of the 1 key(s) in ssh-agent is among `dave`'s"),
        "{err}"
    );
    assert_eq!(status_of(&s.env, &id), "pending");
}

#[test]
fn a_missing_signature_where_policy_requires_one_says_how_to_sign() {
    let Some((s, id)) = pending() else { return };
    let err = denied(&s.env, &as_(&s.env, "os:dave", &["approve", &id]));
    assert!(err.contains("policy `actors.require_signature`"), "{err}");
    assert!(
        err.contains("ssh-add") && err.contains("--signing-key"),
        "{err}"
    );
    assert_eq!(status_of(&s.env, &id), "pending");
}

#[test]
fn a_forged_or_altered_signature_is_refused() {
    let Some((s, id)) = pending() else { return };
    // Altered: the statement changed after dave signed it.
    let sig = hand_signed(&s, &id, "dave", &s.dave, "altered");
    let altered = s.keys.dir.path().join("altered");
    let text = std::fs::read_to_string(&altered).unwrap();
    std::fs::write(&altered, text.replace("nonce: ", "nonce: 0")).unwrap();
    let err = denied(&s.env, &submit(&s, &id, &sig));
    assert!(err.contains("does not verify over the statement"), "{err}");
    // Forged: a statement naming dave, signed by carol.
    let sig = hand_signed(&s, &id, "dave", &s.carol, "forged");
    let err = denied(&s.env, &submit(&s, &id, &sig));
    assert!(
        err.contains("which is not a signing key of `dave`"),
        "{err}"
    );
    // A signature whose bytes were changed.
    let sig = hand_signed(&s, &id, "dave", &s.dave, "flipped");
    let armored = std::fs::read_to_string(&sig).unwrap();
    let mut lines: Vec<String> = armored.lines().map(String::from).collect();
    let line = &mut lines[3];
    let swapped = if line.starts_with('A') { "B" } else { "A" };
    line.replace_range(0..1, swapped);
    std::fs::write(&sig, lines.join("\n") + "\n").unwrap();
    let output = submit(&s, &id, &sig);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&s.env, &output));
    assert_eq!(status_of(&s.env, &id), "pending");
}

#[test]
fn a_statement_signed_by_hand_is_accepted_once() {
    let Some((s, id)) = pending() else { return };
    let sig = hand_signed(&s, &id, "dave", &s.dave, "by-hand");
    let output = submit(&s, &id, &sig);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&s.env, &output));
    assert_eq!(status_of(&s.env, &id), "approved");
    // The actor is the signer, not who ran the command.
    assert_eq!(approvals(&s.env, &id)[0]["actor"], "dave");
    // The same signed statement again: refused.
    let err = denied(&s.env, &submit(&s, &id, &sig));
    assert!(err.contains("was used before"), "{err}");
}

#[test]
fn the_requester_signing_their_own_approval_is_refused() {
    let Some((s, id)) = pending() else { return };
    let err = denied(&s.env, &with_key(&s, "alice", &s.alice, &["approve", &id]));
    assert!(err.contains("policy `approver-not-party`"), "{err}");
    assert_eq!(status_of(&s.env, &id), "pending");
}

#[test]
fn a_client_co_approval_keeps_the_request_pending_until_the_client_signs() {
    let Some(s) = signed_workspace() else { return };
    let (dana, public) = s.keys.make("dana", "ed25519", "");
    let client = s.env.read("clients/acme.yaml");
    let start = client.find("\napprovers:").unwrap() + 1;
    s.env.write(
        "clients/acme.yaml",
        &format!(
            "{}approvers:\n  - id: ciso\n    name: Dana Ruiz\n    signing_keys: [\"{public}\"]\nco_approval: {{ privileged: true }}\n",
            &client[..start]
        ),
    );
    let id = pending_request(&s);
    let output = with_key(&s, "os:dave", &s.dave, &["approve", &id]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&s.env, &output));
    let err = stderr(&s.env, &output);
    assert!(
        err.contains("waits for the approval of one of `acme`'s approvers"),
        "{err}"
    );
    assert!(err.contains("--print-statement acme/APPROVER"), "{err}");
    assert_eq!(status_of(&s.env, &id), "pending");
    assert!(s.env.ledger_exists_or_empty());
    // Dana, without a workspace, signs the statement onboard prints.
    let sig = hand_signed(&s, &id, "acme/ciso", &dana, "for-dana");
    let output = submit(&s, &id, &sig);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&s.env, &output));
    assert_eq!(status_of(&s.env, &id), "approved");
    assert!(
        s.env
            .tenant("acme", "entra")
            .iter()
            .any(|(e, _)| e == "role:Privileged Role Administrator")
    );
    let signers: Vec<Value> = approvals(&s.env, &id)
        .iter()
        .map(|e| e["proof"]["signer"].clone())
        .collect();
    assert_eq!(signers, ["dave", "acme/ciso"]);
}

#[test]
fn audit_verify_fails_when_an_entrys_signer_is_edited_and_names_the_signer_offline() {
    let Some((s, id)) = pending() else { return };
    let output = with_key(&s, "os:dave", &s.dave, &["approve", &id]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&s.env, &output));
    // Offline: the audit directory and the audit public key, no workspace.
    let evidence = TempDir::new().unwrap();
    let audit = s.env.ws.join("audit");
    for file in std::fs::read_dir(&audit).unwrap() {
        let file = file.unwrap().path();
        std::fs::copy(&file, evidence.path().join(file.file_name().unwrap())).unwrap();
    }
    let offline = Command::new(env!("CARGO_BIN_EXE_onboard"))
        .args(["audit", "verify", "--dir"])
        .arg(evidence.path())
        .env_remove("ONBOARD_WORKSPACE")
        .output()
        .unwrap();
    assert_eq!(
        offline.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&offline.stderr)
    );
    assert!(stdout(&offline).contains(&format!("approve `{id}` signed by dave (ssh-ed25519")));
    // The signer edited in the log: tampering.
    let log = s.env.read("audit/acme.jsonl");
    assert!(log.contains("\"signer\":\"dave\""));
    s.env.write(
        "audit/acme.jsonl",
        &log.replace("\"signer\":\"dave\"", "\"signer\":\"carol\""),
    );
    let verify = s.env.onboard(&["audit", "verify"]).output().unwrap();
    assert_eq!(verify.status.code(), Some(6), "{}", stdout(&verify));
}

#[test]
fn every_governance_action_policy_names_is_signed() {
    let Some((s, id)) = pending() else { return };
    let reason = "ransomware on the file server";
    let glass = [
        "break-glass",
        "--client",
        "acme",
        "--bundle",
        "premium-security-response",
        "--reason",
        reason,
    ];
    let steps: [(&str, &Path, Vec<&str>); 4] = [
        (
            "os:carol",
            &s.carol,
            vec!["deny", &id, "--reason", "not needed"],
        ),
        ("os:dave", &s.dave, glass.to_vec()),
        (
            "os:dave",
            &s.dave,
            vec!["revoke", "--ticket", "INC-1", "--yes"],
        ),
        (
            "os:dave",
            &s.dave,
            vec!["revoke", "--ticket", "INC-1", "--lift"],
        ),
    ];
    for (who, key, args) in steps {
        let output = with_key(&s, who, key, &args);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&s.env, &output));
    }
    let review = crate::governance::open_review_id(&s.env, "break-glass");
    let close = [
        "review",
        "close",
        &review,
        "--outcome",
        "justified",
        "--notes",
        "ok",
    ];
    let output = with_key(&s, "os:carol", &s.carol, &close);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&s.env, &output));
    let signed: Vec<(String, String)> = ["acme", "_workspace"]
        .iter()
        .flat_map(|chain| json_items(&s.env, &["audit", "show", "--client", chain], "entries"))
        .filter(|e| !e["proof"].is_null())
        .map(|e| {
            let statement = e["proof"]["statement"].as_str().unwrap().to_string();
            let action = statement.lines().nth(1).unwrap().to_string();
            (e["proof"]["signer"].as_str().unwrap().to_string(), action)
        })
        .collect();
    for (who, action) in [
        ("alice", "action: elevate"),
        ("carol", "action: deny"),
        ("dave", "action: break-glass"),
        ("carol", "action: review-close"),
        ("dave", "action: revoke"),
    ] {
        assert!(
            signed.contains(&(who.to_string(), action.to_string())),
            "{who} {action}: {signed:?}"
        );
    }
}

#[test]
fn a_mass_revocation_is_asked_for_and_approved_with_signatures() {
    let Some(s) = signed_workspace() else { return };
    s.env.apply();
    let revoke = ["revoke", "--client", "globex", "--yes"];
    let output = with_key(&s, "alice", &s.alice, &revoke);
    let err = denied(&s.env, &output);
    let id = crate::support::pending_request_id(&err);
    // Unsigned, it is refused; signed by dave, it is approved and carried out.
    denied(&s.env, &as_(&s.env, "os:dave", &["approve", &id]));
    let output = with_key(&s, "os:dave", &s.dave, &["approve", &id]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&s.env, &output));
    // Approved and carried out at once.
    assert_eq!(status_of(&s.env, &id), "used");
    assert!(!s.env.ledger().grants.iter().any(|g| g.client == "globex"));
    let approval = json_items(&s.env, &["audit", "show", "--client", "globex"], "entries")
        .into_iter()
        .find(|e| e["kind"] == "approval")
        .unwrap();
    assert_eq!(approval["proof"]["signer"], "dave");
}

#[test]
fn validate_reports_a_bad_key_at_its_line_and_a_key_listed_twice() {
    let env = Env::example();
    let carol = env.read("identities/carol.yaml");
    env.write(
        "identities/carol.yaml",
        &carol.replace(
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI",
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA!",
        ),
    );
    let line = 1 + carol
        .lines()
        .position(|l| l.contains("ssh-ed25519"))
        .unwrap();
    let output = env.onboard(&["validate"]).output().unwrap();
    let err = stderr(&env, &output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("identities/carol.yaml:{line}")),
        "{err}"
    );
    assert!(err.contains("base64 does not decode"), "{err}");
    // Carol's key listed for dave as well.
    env.write("identities/carol.yaml", &carol);
    let key = carol.lines().find(|l| l.contains("ssh-ed25519")).unwrap();
    let dave = env.read("identities/dave.yaml");
    env.write("identities/dave.yaml", &format!("{dave}{key}\n"));
    let output = env.onboard(&["validate"]).output().unwrap();
    let err = stderr(&env, &output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains("is also listed for `carol`") || err.contains("is also listed for `dave`"),
        "{err}"
    );
}

#[test]
fn a_new_workspace_requires_signed_approvals() {
    let dir = TempDir::new().unwrap();
    let ws = dir.path().join("ws");
    let init = Command::new(env!("CARGO_BIN_EXE_onboard"))
        .arg("init")
        .arg(&ws)
        .output()
        .unwrap();
    assert!(init.status.success());
    let output = Command::new(env!("CARGO_BIN_EXE_onboard"))
        .arg("-w")
        .arg(&ws)
        .args(["approve", "req-00000000"])
        .env("ONBOARD_ACTOR", "jane")
        .env_remove("SSH_AUTH_SOCK")
        .env_remove("ONBOARD_SIGNING_KEY")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{err}");
    assert!(err.contains("`approve` needs a signed statement"), "{err}");
}
