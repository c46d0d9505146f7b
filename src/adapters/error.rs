//! Adapter failures: what went wrong, in which tenant and operation, and of what kind.

use std::fmt;

use thiserror::Error;

/// The kind of an adapter failure, which decides how it is reported and retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The tenant could not be reached or did not answer in time.
    Unreachable,
    /// The tenant answered that this is not allowed.
    Denied,
    /// The tenant is not the one the client file names.
    WrongTenant,
    /// The tenant's data could not be understood.
    Malformed,
    /// The thing named does not exist in the tenant.
    NotFound,
    /// This build has no adapter for the tenant's kind.
    Unsupported,
    /// The tenant refused the request for another reason.
    Rejected,
}

impl FailureKind {
    /// Returns the kind's code, as audit entries and plans write it (`unreachable`,
    /// `wrong-tenant`…).
    pub fn code(self) -> &'static str {
        match self {
            FailureKind::Unreachable => "unreachable",
            FailureKind::Denied => "denied",
            FailureKind::WrongTenant => "wrong-tenant",
            FailureKind::Malformed => "malformed",
            FailureKind::NotFound => "not-found",
            FailureKind::Unsupported => "unsupported",
            FailureKind::Rejected => "rejected",
        }
    }
}

/// An adapter failure, naming the tenant and the operation.
#[derive(Debug, Clone, Error)]
#[error("tenant `{tenant}`: {operation} failed: {detail}")]
pub struct AdapterError {
    /// `client/tenant`.
    pub tenant: String,
    /// What was being done (`list group:X`, `grant role:Y to bob`…).
    pub operation: String,
    /// What kind of failure.
    pub kind: FailureKind,
    /// What went wrong, never including a secret.
    pub detail: String,
    /// What would fix it.
    pub hint: Option<String>,
}

impl AdapterError {
    /// Returns an error for a tenant and operation.
    pub fn new(
        tenant: &str,
        operation: impl fmt::Display,
        kind: FailureKind,
        detail: impl Into<String>,
    ) -> Self {
        AdapterError {
            tenant: tenant.to_string(),
            operation: operation.to_string(),
            kind,
            // Tenants echo requests back in their error bodies, credentials included.
            detail: crate::secrets::scrub(&detail.into()).into_owned(),
            hint: None,
        }
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(crate::secrets::scrub(&hint.into()).into_owned());
        self
    }
}
