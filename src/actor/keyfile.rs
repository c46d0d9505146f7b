//! OpenSSH private key files (`-----BEGIN OPENSSH PRIVATE KEY-----`, the
//! `openssh-key-v1` format): Ed25519 and ECDSA keys, plain or protected by a passphrase
//! (bcrypt-pbkdf and aes256-ctr, `ssh-keygen`'s default). RSA keys sign through
//! ssh-agent.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::key::{PublicKey, ecdsa_curve, signature_blob};
use super::wire::{Reader, fixed, put_mpint, put_string};

const BEGIN: &str = "-----BEGIN OPENSSH PRIVATE KEY-----";
const END: &str = "-----END OPENSSH PRIVATE KEY-----";
const MAGIC: &[u8] = b"openssh-key-v1\0";

/// Why a key file cannot sign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyFileError {
    /// The key is protected by a passphrase and none could be asked for.
    NeedsPassphrase,
    /// The passphrase given is wrong.
    WrongPassphrase,
    /// Anything else: what is wrong.
    Invalid(String),
}

/// A private key read from a file.
pub struct PrivateKey {
    /// Its public half.
    pub public: PublicKey,
    secret: Secret,
}

enum Secret {
    Ed25519([u8; 32]),
    Ecdsa { scalar: Vec<u8>, point: Vec<u8> },
}

impl Drop for PrivateKey {
    fn drop(&mut self) {
        match &mut self.secret {
            Secret::Ed25519(seed) => seed.fill(0),
            Secret::Ecdsa { scalar, .. } => scalar.fill(0),
        }
    }
}

/// Reads a private key file's text; `passphrase` is asked only when the key is protected
/// (`None` from it: no passphrase can be had).
pub fn parse(
    text: &str,
    passphrase: impl FnOnce() -> Option<String>,
) -> Result<PrivateKey, KeyFileError> {
    let invalid = |m: &str| KeyFileError::Invalid(m.to_string());
    let body = text
        .trim()
        .strip_prefix(BEGIN)
        .and_then(|t| t.strip_suffix(END))
        .ok_or_else(|| invalid("not an OpenSSH private key (`-----BEGIN OPENSSH PRIVATE KEY-----`); convert it with `ssh-keygen -p -f FILE`, or load it into ssh-agent"))?;
    let joined: String = body.split_whitespace().collect();
    let blob = STANDARD
        .decode(joined)
        .map_err(|_| invalid("the key file's base64 does not decode"))?;
    let malformed = || invalid("malformed OpenSSH private key");
    let mut r = Reader::new(&blob);
    if r.bytes(MAGIC.len()) != Some(MAGIC) {
        return Err(malformed());
    }
    let cipher = r.text().ok_or_else(malformed)?;
    let kdf = r.text().ok_or_else(malformed)?;
    let kdf_options = r.string().ok_or_else(malformed)?;
    if r.u32() != Some(1) {
        return Err(invalid("the key file holds more than one key"));
    }
    let public = PublicKey::from_blob(r.string().ok_or_else(malformed)?)
        .map_err(|e| KeyFileError::Invalid(e.to_string()))?;
    let mut private = r.string().ok_or_else(malformed)?.to_vec();
    match (cipher, kdf) {
        ("none", "none") => {}
        ("aes256-ctr", "bcrypt") => {
            let mut options = Reader::new(kdf_options);
            let salt = options.string().ok_or_else(malformed)?;
            let rounds = options.u32().ok_or_else(malformed)?;
            let phrase = passphrase().ok_or(KeyFileError::NeedsPassphrase)?;
            let mut material = [0u8; 48];
            bcrypt_pbkdf::bcrypt_pbkdf(phrase.as_bytes(), salt, rounds, &mut material)
                .map_err(|_| malformed())?;
            use ctr::cipher::{KeyIvInit, StreamCipher};
            let mut stream =
                ctr::Ctr128BE::<aes::Aes256>::new_from_slices(&material[..32], &material[32..])
                    .map_err(|_| malformed())?;
            stream.apply_keystream(&mut private);
            material.fill(0);
        }
        (cipher, _) => {
            return Err(KeyFileError::Invalid(format!(
                "the key is protected with `{cipher}`, which onboard cannot open: load it into ssh-agent (`ssh-add FILE`) instead"
            )));
        }
    }
    let result = secret(&private, &public, cipher != "none");
    private.fill(0);
    result.map(|secret| PrivateKey { public, secret })
}

fn secret(private: &[u8], public: &PublicKey, encrypted: bool) -> Result<Secret, KeyFileError> {
    let malformed = || KeyFileError::Invalid("malformed OpenSSH private key".into());
    let mut r = Reader::new(private);
    let (check1, check2) = (
        r.u32().ok_or_else(malformed)?,
        r.u32().ok_or_else(malformed)?,
    );
    if check1 != check2 {
        return Err(if encrypted {
            KeyFileError::WrongPassphrase
        } else {
            malformed()
        });
    }
    let algorithm = r.text().ok_or_else(malformed)?;
    if algorithm != public.algorithm {
        return Err(malformed());
    }
    match algorithm {
        "ssh-ed25519" => {
            let _point = r.string().ok_or_else(malformed)?;
            let pair = r.string().ok_or_else(malformed)?;
            let seed: [u8; 32] = pair
                .get(..32)
                .and_then(|s| s.try_into().ok())
                .ok_or_else(malformed)?;
            let derived = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();
            let mut blob = Vec::new();
            put_string(&mut blob, b"ssh-ed25519");
            put_string(&mut blob, derived.as_bytes());
            if blob != public.blob {
                return Err(malformed());
            }
            Ok(Secret::Ed25519(seed))
        }
        "ecdsa-sha2-nistp256" | "ecdsa-sha2-nistp384" => {
            let (_, width) = ecdsa_curve(algorithm);
            let _curve = r.string().ok_or_else(malformed)?;
            let point = r.string().ok_or_else(malformed)?.to_vec();
            let scalar = fixed(r.string().ok_or_else(malformed)?, width).ok_or_else(malformed)?;
            Ok(Secret::Ecdsa { scalar, point })
        }
        other => Err(KeyFileError::Invalid(format!(
            "onboard signs with Ed25519 and ECDSA key files; for this `{other}` key, load it into ssh-agent (`ssh-add FILE`)"
        ))),
    }
}

impl PrivateKey {
    /// Signs `data`; returns the SSH signature blob.
    pub fn sign(&self, data: &[u8]) -> Result<Vec<u8>, String> {
        match &self.secret {
            Secret::Ed25519(seed) => {
                use ed25519_dalek::Signer;
                let raw = ed25519_dalek::SigningKey::from_bytes(seed).sign(data);
                Ok(signature_blob("ssh-ed25519", &raw.to_bytes()))
            }
            Secret::Ecdsa { scalar, point } => {
                use ring::signature as rs;
                let (_, width) = ecdsa_curve(&self.public.algorithm);
                let algorithm = if width == 32 {
                    &rs::ECDSA_P256_SHA256_FIXED_SIGNING
                } else {
                    &rs::ECDSA_P384_SHA384_FIXED_SIGNING
                };
                let rng = ring::rand::SystemRandom::new();
                let pair = rs::EcdsaKeyPair::from_private_key_and_public_key(
                    algorithm, scalar, point, &rng,
                )
                .map_err(|_| "the ECDSA key in the file is not valid".to_string())?;
                let fixed = pair
                    .sign(&rng, data)
                    .map_err(|_| "ECDSA signing failed".to_string())?;
                let (r, s) = fixed.as_ref().split_at(width);
                let mut raw = Vec::new();
                put_mpint(&mut raw, r);
                put_mpint(&mut raw, s);
                Ok(signature_blob(&self.public.algorithm, &raw))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PHRASE: &str = "test passphrase";

    fn check(private: &str, public: &str) {
        let expected = PublicKey::parse_line(public).unwrap();
        assert_eq!(
            parse(private, || None).err(),
            Some(KeyFileError::NeedsPassphrase)
        );
        assert_eq!(
            parse(private, || Some("wrong".into())).err(),
            Some(KeyFileError::WrongPassphrase)
        );
        let key = parse(private, || Some(PHRASE.into())).unwrap();
        assert_eq!(key.public, expected);
        let signature = key.sign(b"statement").unwrap();
        assert!(expected.verify(b"statement", &signature));
        assert!(!expected.verify(b"statemenT", &signature));
    }

    #[test]
    fn opens_passphrase_protected_ed25519_and_ecdsa_keys_and_signs() {
        check(
            include_str!("../../tests/keys/locked_ed25519"),
            include_str!("../../tests/keys/locked_ed25519.pub"),
        );
        check(
            include_str!("../../tests/keys/locked_ecdsa384"),
            include_str!("../../tests/keys/locked_ecdsa384.pub"),
        );
    }

    #[test]
    fn refuses_what_is_not_a_key_file() {
        for text in [
            "",
            "-----BEGIN OPENSSH PRIVATE KEY-----\n!!\n-----END OPENSSH PRIVATE KEY-----",
            "ssh-ed25519 AAAA",
        ] {
            assert!(matches!(
                parse(text, || None),
                Err(KeyFileError::Invalid(_))
            ));
        }
    }
}
