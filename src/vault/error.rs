//! Errors of the vault client: they name the vault's address, the operation and the
//! path, carry the vault's own message, and never a secret value.

use thiserror::Error;

use crate::adapters::FailureKind;
use crate::adapters::http::Response;

/// What kind of failure a vault call met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VaultFailure {
    /// The vault could not be reached or did not answer in time.
    Unreachable,
    /// The vault refused the token (or the login), or the token lacks a permission.
    Denied,
    /// No secret, version or field at the path.
    NotFound,
    /// A check-and-set write found another current version, or a read-back differed.
    Conflict,
    /// The vault's answer could not be understood.
    Malformed,
    /// `[vault]` in onboard.toml cannot be used (address, CA file).
    Config,
    /// The vault refused the request for another reason.
    Rejected,
}

impl VaultFailure {
    /// Returns the adapter failure kind a tenant whose credential failed this way gets.
    pub fn failure_kind(self) -> FailureKind {
        match self {
            VaultFailure::Unreachable => FailureKind::Unreachable,
            VaultFailure::Denied => FailureKind::Denied,
            VaultFailure::NotFound => FailureKind::NotFound,
            VaultFailure::Malformed => FailureKind::Malformed,
            VaultFailure::Conflict | VaultFailure::Config | VaultFailure::Rejected => {
                FailureKind::Rejected
            }
        }
    }
}

/// A failed vault call.
#[derive(Debug, Clone, Error)]
#[error("vault {address}: {operation}{} failed: {detail}", if path.is_empty() { String::new() } else { format!(" `{path}`") })]
pub struct VaultError {
    /// The vault's address.
    pub address: String,
    /// What was being done (`read`, `write`, `log in`…).
    pub operation: &'static str,
    /// The API path (`secret/data/clients/acme/scim`), or empty.
    pub path: String,
    /// What kind of failure.
    pub kind: VaultFailure,
    /// What went wrong, scrubbed of every registered secret.
    pub detail: String,
    /// What would fix it.
    pub hint: Option<String>,
}

impl VaultError {
    /// Returns an error; `detail` is scrubbed of every registered secret.
    pub fn new(
        address: &str,
        operation: &'static str,
        path: &str,
        kind: VaultFailure,
        detail: impl Into<String>,
    ) -> VaultError {
        VaultError {
            address: address.to_string(),
            operation,
            path: path.to_string(),
            kind,
            detail: crate::secrets::scrub::scrub(&detail.into()).into_owned(),
            hint: None,
        }
    }

    /// Adds what would fix it.
    pub fn with_hint(mut self, hint: impl Into<String>) -> VaultError {
        self.hint = Some(crate::secrets::scrub::scrub(&hint.into()).into_owned());
        self
    }
}

/// Reads the vault's error body, `{"errors": ["…", …]}`, as one message.
pub(super) fn messages(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let errors: Vec<&str> = value["errors"]
        .as_array()?
        .iter()
        .filter_map(serde_json::Value::as_str)
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .collect();
    (!errors.is_empty()).then(|| errors.join("; "))
}

/// Returns the error an unsuccessful answer means.
pub(super) fn from_status(
    address: &str,
    operation: &'static str,
    path: &str,
    response: &Response,
) -> VaultError {
    let status = response.status.as_u16();
    let message = messages(&response.body);
    let mut detail = format!("HTTP {}", response.status);
    if let Some(message) = &message {
        detail.push_str(": ");
        // One line: a vault may answer a multi-line message.
        detail.push_str(&message.split_whitespace().collect::<Vec<_>>().join(" "));
    }
    if response.attempts > 1 {
        detail.push_str(&format!(" (after {} attempts)", response.attempts));
    }
    let cas_mismatch = message
        .as_deref()
        .is_some_and(|m| m.contains("check-and-set"));
    let (kind, hint) = match status {
        _ if cas_mismatch => (
            VaultFailure::Conflict,
            "the secret changed since it was read (check-and-set): read it again, then write".to_string(),
        ),
        400 | 401 | 403 if path.starts_with("auth/") => (
            VaultFailure::Denied,
            "the vault refused the login: check the role id and the secret id `[vault] approle` names".to_string(),
        ),
        401 | 403 => (
            VaultFailure::Denied,
            "the vault refused the token, or its policy does not allow this path: check the token `[vault]` names in onboard.toml (not expired, revoked or mistyped) and its policies".to_string(),
        ),
        404 => (
            VaultFailure::NotFound,
            "check the path, and that the engine is mounted there (`bao secrets list`)".to_string(),
        ),
        429 | 500..=599 => (
            VaultFailure::Unreachable,
            format!("the vault at {address} is failing or sealed: run again once it is unsealed and healthy"),
        ),
        _ => (VaultFailure::Rejected, String::new()),
    };
    let error = VaultError::new(address, operation, path, kind, detail);
    if hint.is_empty() {
        error
    } else {
        error.with_hint(hint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vaults_messages_are_read_and_secrets_scrubbed() {
        assert_eq!(
            messages(br#"{"errors":["permission denied","1 error occurred"]}"#).as_deref(),
            Some("permission denied; 1 error occurred")
        );
        assert_eq!(messages(br#"{"errors":[]}"#), None);
        assert_eq!(messages(b"not json"), None);
        crate::secrets::Secret::new("unit-vault-echoed-secret");
        let error = VaultError::new(
            "http://127.0.0.1:1",
            "read",
            "secret/data/x",
            VaultFailure::Rejected,
            "bad value unit-vault-echoed-secret",
        );
        let text = error.to_string();
        assert_eq!(
            text,
            "vault http://127.0.0.1:1: read `secret/data/x` failed: bad value [redacted]"
        );
    }
}
