//! What an adapter is asked to issue, remove or list as a credential, and what it issued.

use std::fmt;

use time::OffsetDateTime;

use super::{AdapterError, CredentialKind, FailureKind};

/// A credential to issue, remove or list for one identity in this tenant
/// ([`Adapter::issue_credential`](crate::adapters::Adapter::issue_credential), [`Adapter::remove_credential`](crate::adapters::Adapter::remove_credential),
/// [`Adapter::list_credentials`](crate::adapters::Adapter::list_credentials)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CredentialRequest<'a> {
    /// What kind of credential: a `client_secret` of an app registration, or the
    /// account's own `password`.
    pub kind: CredentialKind,
    /// The identity's account in this tenant (its UPN, uid or sAMAccountName, as its
    /// `accounts:` entry for the tenant names it).
    pub account: &'a str,
    /// For a `client_secret`: the app registration it belongs to (appId or object id,
    /// as the identity's `credentials:` entry writes it); `None` for a password.
    pub application: Option<&'a str>,
    /// The display name onboard puts on the credential where the kind has one (Graph's
    /// `displayName`): `onboard CLIENT/ID`, so that a person looking at the tenant sees
    /// who manages it. Never a secret.
    pub label: &'a str,
    /// The end of life the tenant itself enforces, where the kind supports one (Graph's
    /// `endDateTime`): the rotation's due date plus its overlap, so that a credential
    /// onboard lost track of still dies. `None`: the kind has no such end (a password).
    pub expires_at: Option<OffsetDateTime>,
}

impl CredentialRequest<'_> {
    /// Names the request for errors and logs: ``issue `client_secret` of `APP` for
    /// `backup-svc` `` (`verb` is `issue`, `remove` or `list`). Never a secret.
    pub fn operation(&self, verb: &str) -> String {
        let of = match self.application {
            Some(application) => format!(" of `{application}`"),
            None => String::new(),
        };
        format!("{verb} `{}`{of} for `{}`", self.kind.as_str(), self.account)
    }

    /// Returns the error of an adapter that cannot issue credentials of this kind
    /// (`Unsupported`), naming the tenant and the kind.
    pub fn unsupported(&self, tenant: &str, verb: &str) -> AdapterError {
        AdapterError::new(
            tenant,
            self.operation(verb),
            FailureKind::Unsupported,
            format!(
                "this adapter cannot issue credentials of kind `{}`",
                self.kind.as_str()
            ),
        )
        .with_hint(
            "declare the credential against a tenant whose adapter issues that kind (see the README's \"Service accounts and agents: credentials\")",
        )
    }
}

/// A credential just issued ([`Adapter::issue_credential`](crate::adapters::Adapter::issue_credential)).
pub struct IssuedCredential {
    /// The id the credential is known by: the vendor's key id (Graph's `keyId`) for a
    /// client secret, or a fingerprint ([`crate::secrets::fingerprint`]) for a password.
    /// Recorded in the ledger and audit log; never the value.
    pub key_id: String,
    /// The value, to be delivered to the vault and then dropped. Never printed.
    pub secret: crate::secrets::Secret,
    /// The end of life the tenant enforces, as the tenant reports it (it may round or
    /// cap the one asked for); `None` when there is none.
    pub expires_at: Option<OffsetDateTime>,
}

impl fmt::Debug for IssuedCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedCredential")
            .field("key_id", &self.key_id)
            .field("secret", &self.secret)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}
