//! SCIM error bodies turned into messages, and one failure reported for each of several
//! changes.

use serde::Deserialize;
use serde_json::Value;

use super::ScimTenant;
use crate::adapters::http::Response;
use crate::adapters::{AdapterError, FailureKind, Outcome};

/// Reads a SCIM error body (`status` is a string; `scimType`; `detail`).
pub(super) fn error_body(body: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct ScimError {
        #[serde(rename = "scimType")]
        scim_type: Option<String>,
        detail: Option<String>,
    }
    let error: ScimError = serde_json::from_slice(body).ok()?;
    let meaning = error.scim_type.as_deref().map(|t| {
        let explained = match t {
            "invalidFilter" => "the filter is not valid for this server",
            "tooMany" => "the filter matches more results than the server will return",
            "uniqueness" => "a value that must be unique is taken",
            "mutability" => "the attribute cannot be changed",
            "invalidSyntax" => "the server could not parse the request",
            "invalidPath" => "the attribute path is not valid",
            "noTarget" => "the path matched nothing",
            "invalidValue" => "a value is missing or not valid",
            "invalidVers" => "the resource changed since it was read",
            "sensitive" => "the request carries information the server refuses in a URL",
            _ => "",
        };
        if explained.is_empty() {
            format!("`{t}`")
        } else {
            format!("`{t}` ({explained})")
        }
    });
    match (meaning, error.detail.filter(|d| !d.trim().is_empty())) {
        (Some(m), Some(d)) => Some(format!("{m}: {d}")),
        (Some(m), None) => Some(m),
        (None, Some(d)) => Some(d),
        (None, None) => None,
    }
}
pub(super) fn scim_type(response: &Response) -> Option<String> {
    serde_json::from_slice::<Value>(&response.body)
        .ok()?
        .get("scimType")?
        .as_str()
        .map(str::to_string)
}

/// The same failure for each of several changes, each naming its own operation, but
/// those whose outcome is already `known` (nothing needed sending for them).
pub(super) fn each_failed(
    operations: &[String],
    known: &[Option<Outcome>],
    error: &AdapterError,
) -> Vec<Result<Outcome, AdapterError>> {
    operations
        .iter()
        .enumerate()
        .map(
            |(index, operation)| match known.get(index).copied().flatten() {
                Some(outcome) => Ok(outcome),
                None => Err(AdapterError {
                    operation: operation.clone(),
                    ..error.clone()
                }),
            },
        )
        .collect()
}

impl ScimTenant {
    /// The error for a resource that answered 412 twice.
    pub(super) fn kept_changing(&self, operation: &str, what: &str) -> AdapterError {
        self.error(
            operation,
            FailureKind::Rejected,
            format!("{what} kept changing while onboard changed it (HTTP 412 twice)"),
        )
        .with_hint(format!(
            "run again once other changes to {what} have finished"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scim_error_bodies_become_clear_messages() {
        let body = br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"noTarget","detail":"no member matched"}"#;
        assert_eq!(
            error_body(body).unwrap(),
            "`noTarget` (the path matched nothing): no member matched"
        );
        let body = br#"{"status":"404","detail":"Group 'x' not found"}"#;
        assert_eq!(error_body(body).unwrap(), "Group 'x' not found");
        assert_eq!(error_body(b"<html>oops</html>"), None);
    }
}
