//! Tenant adapters: one trait, one module per tenant API.
//!
//! Adapters use `model`, never `cli` or `ui`. Each normalises idempotency: "already a
//! member" and "already gone" are `Ok(Outcome::NoChange)`. A read that fails, or only
//! partly succeeds, is an error: never an empty list.

mod accounts;
pub mod ad;
pub mod file;
pub mod github;
pub mod graph;
pub mod http;
pub mod jwt;
pub mod ldap;
pub mod okta;
pub mod opened;
pub mod scim;

mod adapter;
mod change;
mod context;
mod credential_request;
mod error;
mod helpers;

pub use adapter::{
    Adapter, BatchItem, ConfigurationSubject, Discovery, Inspection, Outcome, Principal, Reading,
    read_verified,
};
pub(crate) use change::grant_and_revoke_through;
pub use change::{ChangeRequest, Direction};
pub use context::{Options, TenantContext, credential, open};
pub use credential_request::{CredentialRequest, IssuedCredential};
pub use error::{AdapterError, FailureKind};
pub(crate) use helpers::{
    any_equal, foreign_change, one_group, quote_filter_value, unsupported_entitlement,
};

pub use crate::model::CredentialKind;
