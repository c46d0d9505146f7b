//! RS256 JSON Web Tokens, signed with an RSA private key in PEM (PKCS#1 `RSA PRIVATE
//! KEY`, as GitHub issues App keys, or PKCS#8 `PRIVATE KEY`), with ring.
//!
//! Only what the adapters need to authenticate as an app, and to read a claim of a
//! token a tenant issued them (`claims`): no verification of tokens from others.
//! Errors never include key material.

use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use serde_json::Value;

/// Encodes bytes as base64url without padding (JWT segments).
pub fn base64url(bytes: &[u8]) -> String {
    crate::secrets::scrub::base64(bytes, true)
}

/// Decodes base64, standard or URL-safe (PEM bodies, JWT segments), ignoring whitespace
/// and padding.
pub(crate) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for byte in text
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b'=')
    {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    Some(out)
}

/// Returns the claims (the payload) of a compact JWT, or `None` when it is not one. The
/// signature is not checked: callers use this only on tokens they were just issued.
pub(crate) fn claims(token: &str) -> Option<Value> {
    let payload = token.split('.').nth(1)?;
    serde_json::from_slice(&base64_decode(payload)?).ok()
}

/// Reads an RSA private key from PEM: PKCS#1 (`RSA PRIVATE KEY`) or PKCS#8
/// (`PRIVATE KEY`).
pub fn rsa_key(pem: &str) -> Result<RsaKeyPair, String> {
    let block = |label: &str| {
        let begin = format!("-----BEGIN {label}-----");
        let end = format!("-----END {label}-----");
        let start = pem.find(&begin)? + begin.len();
        let stop = pem[start..].find(&end)? + start;
        base64_decode(&pem[start..stop])
    };
    if let Some(der) = block("RSA PRIVATE KEY") {
        return RsaKeyPair::from_der(&der)
            .map_err(|e| format!("the RSA private key (PKCS#1) cannot be used: {e}"));
    }
    if let Some(der) = block("PRIVATE KEY") {
        return RsaKeyPair::from_pkcs8(&der)
            .map_err(|e| format!("the private key (PKCS#8) is not a usable RSA key: {e}"));
    }
    Err("the credential is not an RSA private key in PEM (`-----BEGIN RSA PRIVATE KEY-----` or `-----BEGIN PRIVATE KEY-----`)".into())
}

/// Returns a compact JWT of these claims, signed RS256 with the PEM key, and registers
/// it as a secret (see [`crate::secrets::scrub()`]).
pub fn sign_rs256(claims: &Value, pem: &str) -> Result<String, String> {
    let key = rsa_key(pem)?;
    let header = base64url(br#"{"alg":"RS256","typ":"JWT"}"#);
    let payload = base64url(claims.to_string().as_bytes());
    let input = format!("{header}.{payload}");
    let mut signature = vec![0u8; key.public().modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        input.as_bytes(),
        &mut signature,
    )
    .map_err(|_| "signing the token failed".to_string())?;
    let token = format!("{input}.{}", base64url(&signature));
    // The assertion authenticates as the app until it expires: a secret like any other.
    crate::secrets::register(&token);
    Ok(token)
}

#[cfg(test)]
mod tests {
    use ring::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
    use serde_json::json;

    use super::*;

    const PKCS1: &str = include_str!("../../tests/data/github-app-test-key.pem");

    #[test]
    fn tokens_are_signed_rs256_and_verify_with_the_public_key() {
        let claims = json!({"iss": "12345", "iat": 1, "exp": 600});
        let token = sign_rs256(&claims, PKCS1).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(
            base64_decode(parts[0]).unwrap(),
            br#"{"alg":"RS256","typ":"JWT"}"#
        );
        let payload: Value = serde_json::from_slice(&base64_decode(parts[1]).unwrap()).unwrap();
        assert_eq!(payload, claims);
        let public = rsa_key(PKCS1).unwrap().public().as_ref().to_vec();
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, public)
            .verify(
                format!("{}.{}", parts[0], parts[1]).as_bytes(),
                &base64_decode(parts[2]).unwrap(),
            )
            .unwrap();
    }

    #[test]
    fn what_is_not_an_rsa_key_is_refused_without_repeating_it() {
        let error = sign_rs256(&json!({}), "ghp_not-a-key-at-all").unwrap_err();
        assert!(!error.contains("ghp_"));
        assert_eq!(base64url(b"Man"), "TWFu");
        assert_eq!(base64url(b"Ma"), "TWE");
    }
}
