//! Proving who acts: the signed statement of a governance action (see [`crate::actor`]).
//!
//! Where policy requires it (`actors.require_signature`), or when a key is given, the
//! command signs a statement of what it does with a key of the acting identity (from
//! ssh-agent, or a key file), verifies it, and acts as that identity; a statement signed
//! elsewhere (`ssh-keygen -Y sign -n onboard`) is handed in with `--signature`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use time::OffsetDateTime;

use super::session::Session;
use crate::actor::keyfile::{self, KeyFileError};
use crate::actor::sshsig::{NAMESPACE, signed_data};
use crate::actor::statement::new_nonce;
use crate::actor::{Proof, PublicKey, SshSig, Statement};
use crate::exit::ExitStatus;
use crate::model::time::format_instant;
use crate::state::Lock;
use crate::ui::diagnostics::UserError;

/// How far (seconds) a statement's time may be ahead of this machine's clock.
const CLOCK_SKEW_SECONDS: i64 = 60;
/// The hash `ssh-keygen -Y sign` uses, and so do we.
const HASH: &str = "sha512";

/// How a governance command proves who runs it.
#[derive(Debug, Clone, Default, Args)]
pub struct SignArgs {
    /// Sign with this private key file (OpenSSH format, Ed25519 or ECDSA) instead of
    /// ssh-agent; a passphrase is asked on the terminal
    #[arg(long, value_name = "PATH", env = crate::env::ONBOARD_SIGNING_KEY)]
    pub signing_key: Option<PathBuf>,
}

fn denied(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    UserError::new(message)
        .hint(hint)
        .status(ExitStatus::PolicyDenied)
        .into()
}

/// Says how to sign, for errors where a signature is missing.
pub(super) const HOW_TO_SIGN: &str = "sign with a key listed in your identity file's `signing_keys`: load it into ssh-agent (`ssh-add ~/.ssh/id_ed25519`, with `SSH_AUTH_SOCK` set), or pass `--signing-key PATH` (or set ONBOARD_SIGNING_KEY)";

/// Proves who runs `action` on `subject`, when policy requires it or a key is given:
/// signs the statement, verifies it, records its nonce, and makes the session's actor
/// the identity proven. Returns the evidence; `None` when the action runs unsigned.
pub(super) fn prove(
    session: &mut Session,
    lock: &Lock,
    action: &str,
    subject: &str,
    args: &SignArgs,
) -> anyhow::Result<Option<Proof>> {
    let required = session.workspace.policy.requires_signature(action);
    if !required && args.signing_key.is_none() {
        return Ok(None);
    }
    let (signer, key, signature) = sign_as_actor(session, args, action)?;
    let workspace = workspace_id(session, lock)?;
    let statement = Statement {
        action: action.to_string(),
        subject: subject.to_string(),
        workspace,
        actor: signer,
        time: OffsetDateTime::now_utc(),
        nonce: new_nonce(),
    };
    let text = statement.render();
    let raw = signature(&signed_data(NAMESPACE, HASH, text.as_bytes()))?;
    let armored = SshSig {
        key,
        namespace: NAMESPACE.into(),
        hash: HASH.into(),
        signature: raw,
    }
    .armor();
    accept(session, lock, action, subject, &text, &armored).map(Some)
}

type Signer<'a> = Box<dyn FnOnce(&[u8]) -> anyhow::Result<Vec<u8>> + 'a>;

/// Finds the key to sign with and who it proves: the acting identity (`ONBOARD_ACTOR`,
/// `actors:`) when it is one, else the one identity that lists the key.
fn sign_as_actor<'a>(
    session: &Session,
    args: &'a SignArgs,
    action: &str,
) -> anyhow::Result<(String, PublicKey, Signer<'a>)> {
    let claimed = session
        .workspace
        .identity_of_actor(&session.actor)
        .map(|i| i.id.clone());
    let owner = |key: &PublicKey| -> Option<String> {
        match &claimed {
            Some(id) => session
                .workspace
                .signer_keys(id)
                .contains(&key)
                .then(|| id.clone()),
            None => session
                .workspace
                .identities
                .values()
                .find(|i| i.signing_keys.iter().any(|(k, _)| k == key))
                .map(|i| i.id.clone()),
        }
    };
    let whose = match &claimed {
        Some(id) => format!("`{id}`'s `signing_keys`"),
        None => format!(
            "the `signing_keys` of any identity (you act as `{}`, which is no identity)",
            session.actor
        ),
    };
    if let Some(path) = &args.signing_key {
        let private = read_key_file(path)?;
        let Some(signer) = owner(&private.public) else {
            return Err(denied(
                format!(
                    "the key in {} ({}) is not among {whose}",
                    path.display(),
                    private.public.describe()
                ),
                "sign with your own key, listed in your identity file; `onboard validate` checks the list",
            ));
        };
        let key = private.public.clone();
        let sign: Signer<'a> =
            Box::new(move |data| private.sign(data).map_err(|e| UserError::new(e).into()));
        return Ok((signer, key, sign));
    }
    let Some(socket) = crate::env::ssh_auth_sock() else {
        return Err(denied(
            format!(
                "`{action}` needs a signed statement (policy `actors.require_signature`), and there is no ssh-agent (`SSH_AUTH_SOCK` is not set) and no `--signing-key`"
            ),
            HOW_TO_SIGN,
        ));
    };
    let mut agent =
        crate::actor::agent::Agent::connect(&socket).map_err(|e| denied(e, HOW_TO_SIGN))?;
    let keys = agent.keys().map_err(|e| denied(e, HOW_TO_SIGN))?;
    let Some((signer, key)) = keys.iter().find_map(|k| owner(k).map(|s| (s, k.clone()))) else {
        return Err(denied(
            format!(
                "none of the {} key(s) in ssh-agent is among {whose}",
                keys.len()
            ),
            HOW_TO_SIGN,
        ));
    };
    let signing = key.clone();
    let sign: Signer<'a> = Box::new(move |data| {
        agent
            .sign(&signing, data)
            .map_err(|e| denied(e, HOW_TO_SIGN))
    });
    Ok((signer, key, sign))
}

/// Reads a private key file, asking for its passphrase on the terminal when it has one.
fn read_key_file(path: &Path) -> anyhow::Result<keyfile::PrivateKey> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        UserError::new(format!(
            "cannot read the signing key {}: {e}",
            path.display()
        ))
        .hint("`--signing-key` (or ONBOARD_SIGNING_KEY) names an OpenSSH private key file")
    })?;
    let ask = || {
        if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
            return None;
        }
        rpassword::prompt_password(format!("Passphrase for {}: ", path.display())).ok()
    };
    keyfile::parse(&text, ask).map_err(|e| match e {
        KeyFileError::NeedsPassphrase => UserError::new(format!(
            "the signing key {} is protected by a passphrase, and there is no terminal to ask for it",
            path.display()
        ))
        .hint("load the key into ssh-agent (`ssh-add`) and run without `--signing-key`, or run on a terminal")
        .into(),
        KeyFileError::WrongPassphrase => UserError::new(format!(
            "wrong passphrase for the signing key {}",
            path.display()
        ))
        .into(),
        KeyFileError::Invalid(message) => UserError::new(format!(
            "cannot use the signing key {}: {message}",
            path.display()
        ))
        .into(),
    })
}

/// Returns the subject of a statement asking for a bundle: `client:acme bundle:b
/// identity:carol` (`identity:self` when the signer asks for themself).
pub(super) fn bundle_subject(client: &str, bundle: &str, identity: Option<&str>) -> String {
    format!(
        "client:{client} bundle:{bundle} identity:{}",
        identity.unwrap_or("self")
    )
}

/// Returns the workspace's id, which every statement names; made on first use.
fn workspace_id(session: &Session, lock: &Lock) -> anyhow::Result<String> {
    Ok(session.state.statement_workspace(lock)?)
}

/// Returns the statement a signer is to sign for `action` on `subject`, now, for
/// signing elsewhere (`ssh-keygen -Y sign -n onboard`).
pub(super) fn statement_for(
    session: &Session,
    lock: &Lock,
    action: &str,
    subject: &str,
    signer: &str,
) -> anyhow::Result<String> {
    Ok(Statement {
        action: action.to_string(),
        subject: subject.to_string(),
        workspace: workspace_id(session, lock)?,
        actor: signer.to_string(),
        time: OffsetDateTime::now_utc(),
        nonce: new_nonce(),
    }
    .render())
}

/// Reads a signature file (`FILE.sig`, as `ssh-keygen -Y sign` writes it) and the
/// statement it signs (`statement`, else `FILE` without `.sig`).
pub(super) fn read_submitted(
    signature: &Path,
    statement: Option<&Path>,
) -> anyhow::Result<(String, String)> {
    let statement_path = match statement {
        Some(path) => path.to_path_buf(),
        None => match signature.to_str().and_then(|s| s.strip_suffix(".sig")) {
            Some(path) => PathBuf::from(path),
            None => {
                return Err(UserError::new(format!(
                    "cannot tell which statement {} signs",
                    signature.display()
                ))
                .hint("pass `--statement FILE`, or name the signature `FILE.sig` beside the statement `FILE`, as `ssh-keygen -Y sign` does")
                .into());
            }
        },
    };
    let read = |path: &Path| {
        std::fs::read_to_string(path).map_err(|e| {
            anyhow::Error::from(UserError::new(format!(
                "cannot read {}: {e}",
                path.display()
            )))
        })
    };
    Ok((read(&statement_path)?, read(signature)?))
}

/// Verifies a signed statement of `action` on `subject` and accepts it once: the
/// signature is valid, made by a key the statement's actor lists, for this workspace,
/// recent, and never seen before. Records its nonce, makes the session's actor the
/// identity proven (a client's approver leaves it as it is), and returns the evidence.
pub(super) fn accept(
    session: &mut Session,
    lock: &Lock,
    action: &str,
    subject: &str,
    text: &str,
    armored: &str,
) -> anyhow::Result<Proof> {
    let forged = "the signature or the statement was altered, or made with another key: sign the statement again";
    let sig = SshSig::parse(armored).map_err(|e| denied(e, forged))?;
    let statement = Statement::parse(text).map_err(|e| denied(e, forged))?;
    if sig.namespace != NAMESPACE {
        return Err(denied(
            format!(
                "the signature is for namespace `{}`, not `{NAMESPACE}`",
                sig.namespace
            ),
            "sign with `ssh-keygen -Y sign -n onboard`",
        ));
    }
    if !sig.verifies(text.as_bytes()) {
        return Err(denied(
            format!(
                "the signature by {} does not verify over the statement",
                sig.key.describe()
            ),
            forged,
        ));
    }
    let workspace = workspace_id(session, lock)?;
    if statement.action != action
        || statement.subject != subject
        || statement.workspace != workspace
    {
        return Err(denied(
            format!(
                "the statement is for `{}` of `{}` in workspace `{}`, not for `{action}` of `{subject}` in this workspace",
                statement.action, statement.subject, statement.workspace
            ),
            "sign the statement onboard prints for this action",
        ));
    }
    if !session
        .workspace
        .signer_keys(&statement.actor)
        .contains(&&sig.key)
    {
        return Err(denied(
            format!(
                "the statement is signed with {}, which is not a signing key of `{}`",
                sig.key.describe(),
                statement.actor
            ),
            "sign with a key listed in the signer's `signing_keys` (identity file, or the client file's `approvers`)",
        ));
    }
    let now = OffsetDateTime::now_utc();
    let valid_for = session.workspace.policy.statement_valid_for.value;
    let age = (now - statement.time).whole_seconds();
    if age < -CLOCK_SKEW_SECONDS || age > valid_for.as_secs() as i64 {
        return Err(denied(
            format!(
                "the statement was made at {}: statements are valid for {} (policy `actors.statement_valid_for`)",
                format_instant(statement.time),
                crate::model::time::format_duration(valid_for)
            ),
            "sign a new statement",
        ));
    }
    if !session
        .state
        .claim_statement(&statement.nonce, statement.time + valid_for, now, lock)?
    {
        return Err(denied(
            "this statement was used before: a signed statement is accepted once",
            "sign a new statement",
        ));
    }
    record_signer(
        &session.root.join(&session.workspace.settings.audit_dir),
        &statement.actor,
        &sig.key,
    )?;
    if session.workspace.identities.contains_key(&statement.actor) {
        session.actor = statement.actor.clone();
    }
    Ok(Proof {
        signer: statement.actor,
        key: sig.key.describe(),
        statement: text.to_string(),
        signature: armored.to_string(),
    })
}

/// Adds a signer's key to the audit directory's `allowed_signers` file (if not there),
/// so that an auditor can check the evidence with `ssh-keygen -Y verify` too.
fn record_signer(dir: &Path, signer: &str, key: &PublicKey) -> anyhow::Result<()> {
    let path = crate::audit::layout::allowed_signers_path(dir);
    let line = format!("{signer} namespaces=\"{NAMESPACE}\" {}", key.to_line());
    let existing = std::fs::read_to_string(&path).unwrap_or_default();
    if existing.lines().any(|l| l == line) {
        return Ok(());
    }
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)?;
        writeln!(file, "{line}")
    };
    write().map_err(|e| UserError::new(format!("cannot write {}: {e}", path.display())).into())
}
