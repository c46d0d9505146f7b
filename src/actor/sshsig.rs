//! SSHSIG, the signature format of `ssh-keygen -Y sign` (and of git's SSH-signed
//! commits): OpenSSH's PROTOCOL.sshsig. The signature covers a namespace and a hash of
//! the message, so a signature made for one purpose (`git`, `file`) is no good for
//! another (`onboard`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256, Sha512};

use super::key::PublicKey;
use super::wire::{Reader, put_string, put_u32};

/// The namespace onboard signs and verifies in (`ssh-keygen -Y sign -n onboard`).
pub const NAMESPACE: &str = "onboard";

const MAGIC: &[u8] = b"SSHSIG";
const BEGIN: &str = "-----BEGIN SSH SIGNATURE-----";
const END: &str = "-----END SSH SIGNATURE-----";

/// A parsed SSHSIG signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshSig {
    /// The key that made it.
    pub key: PublicKey,
    /// Its namespace.
    pub namespace: String,
    /// The message hash: `sha512` or `sha256`.
    pub hash: String,
    /// The SSH signature blob (`string algorithm, string signature`).
    pub signature: Vec<u8>,
}

/// Returns the bytes an SSHSIG signature signs: the namespace and the hash of `message`.
pub fn signed_data(namespace: &str, hash: &str, message: &[u8]) -> Vec<u8> {
    let digest = if hash == "sha256" {
        Sha256::digest(message).to_vec()
    } else {
        Sha512::digest(message).to_vec()
    };
    let mut out = MAGIC.to_vec();
    put_string(&mut out, namespace.as_bytes());
    put_string(&mut out, b"");
    put_string(&mut out, hash.as_bytes());
    put_string(&mut out, &digest);
    out
}

impl SshSig {
    /// Parses the armored text `ssh-keygen -Y sign` writes.
    pub fn parse(text: &str) -> Result<SshSig, String> {
        let text = text.trim();
        let body = text
            .strip_prefix(BEGIN)
            .and_then(|t| t.strip_suffix(END))
            .ok_or("not an SSH signature: expected the `-----BEGIN SSH SIGNATURE-----` block `ssh-keygen -Y sign` writes")?;
        let joined: String = body.split_whitespace().collect();
        let blob = STANDARD
            .decode(joined)
            .map_err(|_| "the SSH signature's base64 does not decode")?;
        let malformed = || "malformed SSH signature".to_string();
        let mut r = Reader::new(&blob);
        if r.bytes(MAGIC.len()) != Some(MAGIC) || r.u32() != Some(1) {
            return Err("not an SSHSIG version 1 signature".into());
        }
        let key = PublicKey::from_blob(r.string().ok_or_else(malformed)?)?;
        let namespace = r.text().ok_or_else(malformed)?.to_string();
        let _reserved = r.string().ok_or_else(malformed)?;
        let hash = r.text().ok_or_else(malformed)?.to_string();
        let signature = r.string().ok_or_else(malformed)?.to_vec();
        if !r.is_empty() {
            return Err(malformed());
        }
        if hash != "sha512" && hash != "sha256" {
            return Err(format!("unsupported SSHSIG hash `{hash}`"));
        }
        Ok(SshSig {
            key,
            namespace,
            hash,
            signature,
        })
    }

    /// Returns whether the signature is valid for `message` in onboard's namespace.
    pub fn verifies(&self, message: &[u8]) -> bool {
        self.namespace == NAMESPACE
            && self.key.verify(
                &signed_data(&self.namespace, &self.hash, message),
                &self.signature,
            )
    }

    /// Returns the armored text, as `ssh-keygen -Y sign` writes it.
    pub fn armor(&self) -> String {
        let mut blob = MAGIC.to_vec();
        put_u32(&mut blob, 1);
        put_string(&mut blob, &self.key.blob);
        put_string(&mut blob, self.namespace.as_bytes());
        put_string(&mut blob, b"");
        put_string(&mut blob, self.hash.as_bytes());
        put_string(&mut blob, &self.signature);
        let encoded = STANDARD.encode(blob);
        let mut out = format!("{BEGIN}\n");
        for line in encoded.as_bytes().chunks(70) {
            out.push_str(&String::from_utf8_lossy(line));
            out.push('\n');
        }
        out.push_str(END);
        out.push('\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_made_here_verifies_and_round_trips() {
        use ed25519_dalek::Signer;
        let signing = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        let mut blob = Vec::new();
        put_string(&mut blob, b"ssh-ed25519");
        put_string(&mut blob, signing.verifying_key().as_bytes());
        let key = PublicKey::from_blob(&blob).unwrap();
        let data = signed_data(NAMESPACE, "sha512", b"hello");
        let raw = signing.sign(&data).to_bytes();
        let sig = SshSig {
            key,
            namespace: NAMESPACE.into(),
            hash: "sha512".into(),
            signature: super::super::key::signature_blob("ssh-ed25519", &raw),
        };
        let parsed = SshSig::parse(&sig.armor()).unwrap();
        assert_eq!(parsed, sig);
        assert!(parsed.verifies(b"hello"));
        assert!(!parsed.verifies(b"hellO"));
        let other = SshSig {
            namespace: "git".into(),
            ..parsed
        };
        assert!(!other.verifies(b"hello"));
    }
}
