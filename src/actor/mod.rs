//! Proven actors: who took a governance action, shown by an SSH signature (SSHSIG, as
//! `ssh-keygen -Y sign` and git's SSH-signed commits make them) over a canonical
//! [`Statement`], made with a key the acting identity lists in its `signing_keys`.
//!
//! The signature comes from ssh-agent ([`agent`]), a private key file ([`keyfile`]), or
//! is made elsewhere with `ssh-keygen -Y sign -n onboard` and handed in. The evidence
//! ([`Proof`]) goes into the audit entry, where anyone can check it again offline.

pub mod agent;
pub mod key;
pub mod keyfile;
pub mod sshsig;
pub mod statement;
pub mod wire;

use serde::{Deserialize, Serialize};

pub use key::PublicKey;
pub use sshsig::SshSig;
pub use statement::Statement;

/// The evidence of a signed action, as the audit entry records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Proof {
    /// Who signed: an identity id, or `CLIENT/APPROVER` for a client's approver.
    pub signer: String,
    /// The key's type and fingerprint, `ssh-ed25519 SHA256:…`.
    pub key: String,
    /// The statement signed, exactly.
    pub statement: String,
    /// The SSHSIG signature, armored as `ssh-keygen -Y sign` writes it (it carries the
    /// public key).
    pub signature: String,
}

impl Proof {
    /// Checks the evidence on its own, offline: the signature is an `onboard` SSHSIG
    /// over the statement by the key recorded, and the statement names the signer.
    /// Returns the statement.
    pub fn check(&self) -> Result<Statement, String> {
        let sig = SshSig::parse(&self.signature)?;
        if sig.key.describe() != self.key {
            return Err(format!(
                "the signature was made by {}, not by the recorded key {}",
                sig.key.describe(),
                self.key
            ));
        }
        if !sig.verifies(self.statement.as_bytes()) {
            return Err("the signature does not verify over the recorded statement".into());
        }
        let statement = Statement::parse(&self.statement)?;
        if statement.actor != self.signer {
            return Err(format!(
                "the statement is signed by `{}`, but the entry names `{}` as the signer",
                statement.actor, self.signer
            ));
        }
        Ok(statement)
    }

    /// Says who signed: `signed by carol (ssh-ed25519 SHA256:…)`.
    pub fn describe(&self) -> String {
        format!("signed by {} ({})", self.signer, self.key)
    }
}

pub use crate::state::{UsedNonce, UsedStatements};
