//! New secrets onboard makes itself (the passwords it sets for service accounts and
//! agents), and the fingerprints that stand for a secret where one must be recorded
//! (ledger, audit entries, a `file` tenant): never the value itself.

use sha2::{Digest, Sha256};

use super::Secret;

/// The characters of a generated password, by class: every generated password holds at
/// least one of each, so that it meets a directory's complexity rules (Active
/// Directory's: three of upper case, lower case, digits and symbols). No quote,
/// backslash or space, so that no configuration file or shell mangles it.
const CLASSES: [&[u8]; 4] = [
    b"ABCDEFGHJKLMNPQRSTUVWXYZ",
    b"abcdefghijkmnopqrstuvwxyz",
    b"23456789",
    b"-_.+=@%^~",
];

/// How many characters a generated password has: about 190 bits of randomness.
const PASSWORD_LENGTH: usize = 32;

/// The prefix of a fingerprint: the hash and its version, so that another can follow.
const FINGERPRINT_PREFIX: &str = "sha256:";

/// Why no new secret could be made: the system's random source failed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the system's random number source failed: {0}")]
pub struct RandomError(String);

fn random_bytes(count: usize) -> Result<Vec<u8>, RandomError> {
    let mut bytes = vec![0u8; count];
    getrandom::fill(&mut bytes).map_err(|e| RandomError(e.to_string()))?;
    Ok(bytes)
}

/// Returns a uniformly random index below `bound` (at most 256), drawing again rather
/// than skewing towards the low values.
fn pick(bound: usize) -> Result<usize, RandomError> {
    let limit = 256 - 256 % bound;
    loop {
        let byte = usize::from(random_bytes(1)?[0]);
        if byte < limit {
            return Ok(byte % bound);
        }
    }
}

/// Returns a new random password of `PASSWORD_LENGTH` characters holding at least one
/// character of every class (upper case, lower case, digit, symbol).
pub fn generate_password() -> Result<Secret, RandomError> {
    let all: Vec<u8> = CLASSES.concat();
    let mut chars = zeroize::Zeroizing::new(Vec::<u8>::with_capacity(PASSWORD_LENGTH));
    for class in CLASSES {
        chars.push(class[pick(class.len())?]);
    }
    while chars.len() < PASSWORD_LENGTH {
        chars.push(all[pick(all.len())?]);
    }
    // Shuffle, so that the classes' first characters are not always in front.
    for i in (1..chars.len()).rev() {
        chars.swap(i, pick(i + 1)?);
    }
    Ok(Secret::new(String::from_utf8_lossy(&chars).into_owned()))
}

fn digest(salt: &[u8], secret: &Secret) -> String {
    let mut hash = Sha256::new();
    hash.update(b"onboard credential fingerprint\0");
    hash.update(salt);
    hash.update(secret.expose().as_bytes());
    hex::encode(&hash.finalize()[..16])
}

/// Returns a fingerprint of a secret, which stands for it where one must be recorded:
/// `sha256:SALT:HASH`, a salted hash that tells whether a value is the one issued
/// ([`fingerprint_matches`]) but not what it is. Onboard fingerprints only the random
/// secrets it makes or a tenant makes, whose randomness no guessing can get through.
pub fn fingerprint(secret: &Secret) -> Result<String, RandomError> {
    let salt = random_bytes(8)?;
    Ok(format!(
        "{FINGERPRINT_PREFIX}{}:{}",
        hex::encode(&salt),
        digest(&salt, secret)
    ))
}

/// Returns whether `secret` is the value a [`fingerprint`] was taken of; `false` for
/// text that is no fingerprint.
pub fn fingerprint_matches(fingerprint: &str, secret: &Secret) -> bool {
    let Some(rest) = fingerprint.strip_prefix(FINGERPRINT_PREFIX) else {
        return false;
    };
    let Some((salt, hash)) = rest.split_once(':') else {
        return false;
    };
    match hex::decode(salt) {
        Ok(salt) => digest(&salt, secret) == hash,
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_are_long_differ_and_hold_every_class() {
        let a = generate_password().unwrap();
        let b = generate_password().unwrap();
        assert_ne!(a, b);
        for password in [&a, &b] {
            let text = password.expose();
            assert_eq!(text.len(), PASSWORD_LENGTH);
            for class in CLASSES {
                assert!(text.bytes().any(|c| class.contains(&c)), "{class:?}");
            }
        }
    }

    #[test]
    fn a_fingerprint_recognises_its_secret_and_shows_nothing_of_it() {
        let secret = Secret::new("correct horse battery staple");
        let print = fingerprint(&secret).unwrap();
        assert!(print.starts_with("sha256:"), "{print}");
        assert!(!print.contains("horse"));
        assert!(fingerprint_matches(&print, &secret));
        assert!(!fingerprint_matches(&print, &Secret::new("another")));
        // Salted: the same secret twice gives two fingerprints.
        assert_ne!(print, fingerprint(&secret).unwrap());
        assert!(!fingerprint_matches("key-1", &secret));
        assert!(!fingerprint_matches("sha256:zz:00", &secret));
    }
}
