//! SSH public keys as `authorized_keys` and `allowed_signers` write them
//! (`ssh-ed25519 AAAAC3Nz… carol@laptop`): parsing, fingerprints, and verifying raw SSH
//! signatures (Ed25519, ECDSA P-256/P-384, RSA with SHA-2).

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use sha2::{Digest, Sha256};

use super::wire::{Reader, fixed, put_string, unsigned};

/// The key types onboard accepts, as OpenSSH names them.
pub const ALGORITHMS: [&str; 4] = [
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ssh-rsa",
];

/// An SSH public key: its type and its wire-encoded blob.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PublicKey {
    /// The key type, e.g. `ssh-ed25519`.
    pub algorithm: String,
    /// The wire encoding (what the base64 of a key line holds).
    pub blob: Vec<u8>,
}

impl PublicKey {
    /// Parses a key line, `TYPE BASE64 [COMMENT]`.
    pub fn parse_line(line: &str) -> Result<PublicKey, String> {
        let mut parts = line.split_whitespace();
        let (Some(algorithm), Some(data)) = (parts.next(), parts.next()) else {
            return Err(
                "not an SSH public key: expected `TYPE BASE64 [COMMENT]`, as in a `.pub` file"
                    .into(),
            );
        };
        if !ALGORITHMS.contains(&algorithm) {
            return Err(format!(
                "unsupported key type `{algorithm}`: use one of {}",
                ALGORITHMS.join(", ")
            ));
        }
        let blob = STANDARD
            .decode(data)
            .map_err(|_| format!("the `{algorithm}` key's base64 does not decode"))?;
        let key = PublicKey::from_blob(&blob)?;
        if key.algorithm != algorithm {
            return Err(format!(
                "the key line says `{algorithm}` but its data is a `{}` key",
                key.algorithm
            ));
        }
        Ok(key)
    }

    /// Reads a key from its wire encoding, checking its structure.
    pub fn from_blob(blob: &[u8]) -> Result<PublicKey, String> {
        let mut r = Reader::new(blob);
        let bad = |what: &str| format!("malformed {what} key");
        let algorithm = r.text().ok_or_else(|| bad("SSH"))?.to_string();
        match algorithm.as_str() {
            "ssh-ed25519" => {
                let point = r.string().ok_or_else(|| bad("Ed25519"))?;
                if point.len() != 32 {
                    return Err(bad("Ed25519"));
                }
            }
            "ecdsa-sha2-nistp256" | "ecdsa-sha2-nistp384" => {
                let (curve, width) = ecdsa_curve(&algorithm);
                let name = r.string().ok_or_else(|| bad("ECDSA"))?;
                let point = r.string().ok_or_else(|| bad("ECDSA"))?;
                if name != curve.as_bytes() || point.len() != 1 + 2 * width || point[0] != 4 {
                    return Err(bad("ECDSA"));
                }
            }
            "ssh-rsa" => {
                let _e = r.string().ok_or_else(|| bad("RSA"))?;
                let n = r.string().ok_or_else(|| bad("RSA"))?;
                if unsigned(n).len() < 256 {
                    return Err("RSA keys shorter than 2048 bits are not accepted".into());
                }
            }
            other => {
                return Err(format!(
                    "unsupported key type `{other}`: use one of {}",
                    ALGORITHMS.join(", ")
                ));
            }
        }
        if !r.is_empty() {
            return Err(bad(&algorithm));
        }
        Ok(PublicKey {
            algorithm,
            blob: blob.to_vec(),
        })
    }

    /// Returns the fingerprint as OpenSSH prints it: `SHA256:` and unpadded base64.
    pub fn fingerprint(&self) -> String {
        format!(
            "SHA256:{}",
            STANDARD_NO_PAD.encode(Sha256::digest(&self.blob))
        )
    }

    /// Returns the type and fingerprint: `ssh-ed25519 SHA256:…`.
    pub fn describe(&self) -> String {
        format!("{} {}", self.algorithm, self.fingerprint())
    }

    /// Returns the key line without comment: `ssh-ed25519 AAAA…`.
    pub fn to_line(&self) -> String {
        format!("{} {}", self.algorithm, STANDARD.encode(&self.blob))
    }

    /// Verifies an SSH signature blob (`string algorithm, string signature`) over `data`.
    pub fn verify(&self, data: &[u8], signature: &[u8]) -> bool {
        self.check(data, signature).is_some()
    }

    fn check(&self, data: &[u8], signature: &[u8]) -> Option<()> {
        use ring::signature as rs;
        let mut sig = Reader::new(signature);
        let sig_algorithm = sig.text()?;
        let sig_bytes = sig.string()?;
        if !sig.is_empty() {
            return None;
        }
        let mut key = Reader::new(&self.blob);
        key.string()?;
        match self.algorithm.as_str() {
            "ssh-ed25519" => {
                if sig_algorithm != "ssh-ed25519" {
                    return None;
                }
                let point: [u8; 32] = key.string()?.try_into().ok()?;
                let bytes: [u8; 64] = sig_bytes.try_into().ok()?;
                let verifying = ed25519_dalek::VerifyingKey::from_bytes(&point).ok()?;
                verifying
                    .verify_strict(data, &ed25519_dalek::Signature::from_bytes(&bytes))
                    .ok()
            }
            "ecdsa-sha2-nistp256" | "ecdsa-sha2-nistp384" => {
                if sig_algorithm != self.algorithm {
                    return None;
                }
                key.string()?;
                let point = key.string()?;
                let (_, width) = ecdsa_curve(&self.algorithm);
                let mut parts = Reader::new(sig_bytes);
                let mut rs_fixed = fixed(parts.string()?, width)?;
                rs_fixed.extend(fixed(parts.string()?, width)?);
                if !parts.is_empty() {
                    return None;
                }
                let algorithm: &dyn rs::VerificationAlgorithm = if width == 32 {
                    &rs::ECDSA_P256_SHA256_FIXED
                } else {
                    &rs::ECDSA_P384_SHA384_FIXED
                };
                rs::UnparsedPublicKey::new(algorithm, point)
                    .verify(data, &rs_fixed)
                    .ok()
            }
            "ssh-rsa" => {
                let params = match sig_algorithm {
                    "rsa-sha2-256" => &rs::RSA_PKCS1_2048_8192_SHA256,
                    "rsa-sha2-512" => &rs::RSA_PKCS1_2048_8192_SHA512,
                    // `ssh-rsa` signatures use SHA-1: refused.
                    _ => return None,
                };
                let e = unsigned(key.string()?);
                let n = unsigned(key.string()?);
                rs::RsaPublicKeyComponents { n, e }
                    .verify(params, data, sig_bytes)
                    .ok()
            }
            _ => None,
        }
    }
}

/// Returns an ECDSA key type's curve name and field width in bytes.
pub fn ecdsa_curve(algorithm: &str) -> (&'static str, usize) {
    if algorithm == "ecdsa-sha2-nistp384" {
        ("nistp384", 48)
    } else {
        ("nistp256", 32)
    }
}

/// Returns the SSH signature blob for an algorithm name and raw signature bytes.
pub fn signature_blob(algorithm: &str, raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    put_string(&mut out, algorithm.as_bytes());
    put_string(&mut out, raw);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAROL: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIi7wKwIwadmXReuy9N9DH4sQ7ZOMaKiu3kLDUAr/J7p carol@laptop";

    #[test]
    fn parses_a_key_line_and_prints_its_fingerprint() {
        let key = PublicKey::parse_line(CAROL).unwrap();
        assert_eq!(key.algorithm, "ssh-ed25519");
        assert!(key.fingerprint().starts_with("SHA256:"));
        assert_eq!(PublicKey::parse_line(&key.to_line()).unwrap(), key);
    }

    #[test]
    fn refuses_bad_lines() {
        assert!(PublicKey::parse_line("ssh-ed25519").is_err());
        assert!(
            PublicKey::parse_line("ssh-dss AAAA")
                .unwrap_err()
                .contains("unsupported")
        );
        assert!(
            PublicKey::parse_line("ssh-ed25519 !!!")
                .unwrap_err()
                .contains("base64")
        );
        assert!(PublicKey::parse_line("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBcW").is_err());
    }
}
