//! Tenant adapters: one trait, one module per tenant API.
//!
//! Adapters use `model`, never `cli` or `ui`. Each normalises idempotency: "already a
//! member" and "already gone" are `Ok(Outcome::NoChange)`. A read that fails, or only
//! partly succeeds, is an error: never an empty list.

pub mod ad;
pub mod file;
pub mod github;
pub mod graph;
pub mod http;
pub mod jwt;
pub mod ldap;
pub mod okta;
pub mod scim;

use std::fmt;
use std::path::Path;

use thiserror::Error;
use time::OffsetDateTime;

use crate::model::{AdapterKind, Client, Entitlement, EntitlementKind, Holder, Tenant};

/// A principal (user, service principal…) as the tenant knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The tenant's id for it (object id, DN, user id…).
    pub id: String,
    /// Its account name (UPN, login, userName…).
    pub account: String,
}

/// What a grant or revoke did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The tenant changed.
    Changed,
    /// The tenant already was as asked ("already a member", "already gone").
    NoChange,
}

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

/// The verbs every tenant adapter implements.
///
/// Calls are made from one thread per tenant; an adapter keeps its own connection and
/// token state.
pub trait Adapter: Send {
    /// Returns whether the tenant itself ends a grant of this entitlement sent with an
    /// end (PIM roles, PIM for Groups, AD TTL links), so the end holds even if `onboard
    /// expire` never runs. By default the tenant does not: onboard ends grants itself.
    fn enforces_expiry(&self, entitlement: &Entitlement) -> bool {
        let _ = entitlement;
        false
    }

    /// Confirms that the adapter is talking to the tenant the client file names (tenant
    /// id, base URL, base DN…), so that a credential for one client can never change
    /// another. Called before any other verb.
    fn verify_tenant(&mut self) -> Result<(), AdapterError>;

    /// Finds a principal by account name; `Ok(None)` when the tenant has no such account.
    fn resolve(&mut self, account: &str) -> Result<Option<Principal>, AdapterError>;

    /// Lists every holder of an entitlement, following every page. An entitlement that
    /// does not exist yet has no holders.
    fn list(&mut self, entitlement: &Entitlement) -> Result<Vec<Holder>, AdapterError>;

    /// Grants an entitlement. With native expiry, `expires_at` is sent to the tenant and
    /// a grant to a current holder with a new end renews it. Already held: `NoChange`.
    fn grant(
        &mut self,
        principal: &Principal,
        entitlement: &Entitlement,
        expires_at: Option<OffsetDateTime>,
    ) -> Result<Outcome, AdapterError>;

    /// Revokes an entitlement. Already gone: `NoChange`.
    fn revoke(
        &mut self,
        principal: &Principal,
        entitlement: &Entitlement,
    ) -> Result<Outcome, AdapterError>;

    /// Grants several entitlements, returning one result per item, in order, each as
    /// [`Adapter::grant`] would. Adapters whose API has a bulk form (Graph's `$batch`)
    /// send them together; the default sends them one by one. One item failing never
    /// fails the others.
    fn grant_many(&mut self, items: &[BatchItem]) -> Vec<Result<Outcome, AdapterError>> {
        items
            .iter()
            .map(|item| self.grant(&item.principal, &item.entitlement, item.expires_at))
            .collect()
    }

    /// Revokes several entitlements, returning one result per item, in order, each as
    /// [`Adapter::revoke`] would. The default sends them one by one.
    fn revoke_many(&mut self, items: &[BatchItem]) -> Vec<Result<Outcome, AdapterError>> {
        items
            .iter()
            .map(|item| self.revoke(&item.principal, &item.entitlement))
            .collect()
    }

    /// Returns what a plan should say about the tenant as a whole rather than about one
    /// entitlement: warnings (a GDAP relationship ending soon) and the changes to the
    /// tenant's own configuration that [`Adapter::reconcile`] would make (access
    /// assignments to create). Read-only; an error makes the tenant unknown in the plan.
    /// The default has nothing to say.
    fn review(&mut self, now: OffsetDateTime) -> Result<Review, AdapterError> {
        let _ = now;
        Ok(Review::default())
    }

    /// Brings the tenant's own configuration in line with the client file before any
    /// entitlement change is sent (a GDAP relationship's access assignments, Okta group
    /// admin roles), pushing one line to `done` per change as it is made, so that the
    /// changes made before a failure are still recorded. The default has nothing to do.
    fn reconcile(
        &mut self,
        now: OffsetDateTime,
        done: &mut Vec<String>,
    ) -> Result<(), AdapterError> {
        let _ = (now, done);
        Ok(())
    }

    /// Names the tenant's own configuration that [`Adapter::reconcile`] brings in line,
    /// for the audit log: a subject (`gdap:access-assignments`) and what it is.
    fn configuration_subject(&self) -> ConfigurationSubject {
        ConfigurationSubject {
            subject: "configuration",
            description: "the tenant's own configuration, as the client file declares it",
        }
    }

    /// Makes every change sent so far durable in the tenant. Adapters that send each
    /// change at once (every API adapter) have nothing to do; the `file` adapter writes
    /// its file here, once per batch rather than once per change.
    fn flush(&mut self) -> Result<(), AdapterError> {
        Ok(())
    }
}

/// What [`Adapter::review`] found about a tenant as a whole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Review {
    /// Warnings for the plan.
    pub notes: Vec<String>,
    /// The configuration changes `apply` makes through [`Adapter::reconcile`].
    pub configuration: Vec<String>,
}

/// What a tenant's own configuration is ([`Adapter::configuration_subject`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigurationSubject {
    /// Written as the audit entries' entitlement, e.g. `okta:group-roles`.
    pub subject: &'static str,
    /// Written as the audit entries' reason.
    pub description: &'static str,
}

/// One change of a bulk grant or revoke ([`Adapter::grant_many`], [`Adapter::revoke_many`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchItem {
    /// Who gets or loses the entitlement.
    pub principal: Principal,
    /// The entitlement.
    pub entitlement: Entitlement,
    /// For grants: the end the tenant enforces (native expiry); ignored by revokes.
    pub expires_at: Option<OffsetDateTime>,
}

/// What every adapter is opened with besides its tenant: settings of the run, not of
/// the workspace.
#[derive(Clone, Default)]
pub struct Options {
    /// Where HTTP adapters log each request and response, and directory adapters each
    /// LDAP operation (`--verbose`); `None` logs nothing. Lines never carry a secret.
    pub http_log: Option<http::HttpLog>,
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("http_log", &self.http_log.is_some())
            .finish()
    }
}

/// Opens the adapter for a client's tenant. `root` is the workspace root, against which
/// relative paths (`file` tenants, `file:` credentials) resolve.
pub fn open(
    client: &Client,
    tenant: &Tenant,
    root: &Path,
    options: &Options,
) -> Result<Box<dyn Adapter>, AdapterError> {
    match tenant.adapter {
        AdapterKind::File => Ok(Box::new(file::FileTenant::open(client, tenant, root)?)),
        AdapterKind::Scim => Ok(Box::new(scim::ScimTenant::open(
            client, tenant, root, options,
        )?)),
        AdapterKind::Graph => Ok(Box::new(graph::GraphTenant::open(
            client, tenant, root, options,
        )?)),
        AdapterKind::Okta => Ok(Box::new(okta::OktaTenant::open(
            client, tenant, root, options,
        )?)),
        AdapterKind::Github => Ok(Box::new(github::GithubTenant::open(
            client, tenant, root, options,
        )?)),
        AdapterKind::Ldap => Ok(Box::new(ldap::LdapTenant::open(
            client, tenant, root, options,
        )?)),
        AdapterKind::Ad => Ok(Box::new(ad::AdTenant::open(client, tenant, root, options)?)),
    }
}

/// Names a grant or revoke for errors and logs: ``grant `group:X` to `bob` `` or
/// ``revoke `group:X` from `bob` ``.
pub fn change_operation(add: bool, entitlement: impl fmt::Display, account: &str) -> String {
    if add {
        format!("grant `{entitlement}` to `{account}`")
    } else {
        format!("revoke `{entitlement}` from `{account}`")
    }
}

/// Returns the error for an entitlement kind a tenant does not have, naming the kinds it
/// has: ``Okta tenants have no `team:` entitlements (only `group:` and `role:`)``.
///
/// `tenant` is `client/tenant`; `tenants` names the kind of tenant as its users know it
/// (`Okta`, `Entra`).
pub(crate) fn unsupported_entitlement(
    tenant: &str,
    operation: &str,
    tenants: &str,
    kind: EntitlementKind,
    supported: &[EntitlementKind],
) -> AdapterError {
    let names: Vec<String> = supported
        .iter()
        .map(|k| format!("`{}:`", k.as_str()))
        .collect();
    let only = match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    };
    AdapterError::new(
        tenant,
        operation,
        FailureKind::Unsupported,
        format!(
            "{tenants} tenants have no `{}:` entitlements (only {only})",
            kind.as_str()
        ),
    )
}

/// Quotes a value for a filter or search expression (a SCIM filter, an Okta `search`):
/// wrapped in double quotes, with backslashes and double quotes escaped by a backslash.
pub(crate) fn quote_filter_value(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Returns a tenant's `endpoint`, or an error naming the tenant, what the endpoint is
/// (`the org's URL`) and an example. The model already requires it for every adapter that
/// needs one; this keeps an adapter opened from elsewhere from failing obscurely.
pub fn endpoint<'t>(
    name: &str,
    tenant: &'t Tenant,
    what: &str,
    example: &str,
) -> Result<&'t str, AdapterError> {
    tenant.endpoint.as_deref().ok_or_else(|| {
        AdapterError::new(
            name,
            "connect",
            FailureKind::Rejected,
            format!("a `{}` tenant needs `endpoint`, {what}", tenant.adapter),
        )
        .with_hint(format!("add `endpoint: {example}` to the tenant"))
    })
}

/// Resolves a tenant's `credential` reference to its secret, for adapters that need
/// one. `name` is `client/tenant`. Errors name the reference, never a value.
pub fn credential(
    name: &str,
    tenant: &Tenant,
    root: &Path,
) -> Result<crate::secrets::Secret, AdapterError> {
    let Some(reference) = &tenant.credential else {
        return Err(AdapterError::new(
            name,
            "connect",
            FailureKind::Denied,
            format!("a `{}` tenant needs a `credential` reference", tenant.adapter),
        )
        .with_hint(
            "add `credential: env:VAR` (CI) or `credential: keyring:NAME` (a laptop, with `onboard login`) to the tenant",
        ));
    };
    crate::secrets::resolve(reference, name, root).map_err(|e| {
        let hint = e.hint();
        let error = AdapterError::new(
            name,
            "read the credential",
            FailureKind::Denied,
            // The tenant is already named by AdapterError's own message.
            e.to_string()
                .trim_start_matches(&format!("tenant `{name}`: "))
                .to_string(),
        );
        match hint {
            Some(hint) => error.with_hint(hint),
            None => error,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_values_are_quoted() {
        assert_eq!(quote_filter_value(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(quote_filter_value(r#"Ops "A""#), r#""Ops \"A\"""#);
    }

    #[test]
    fn unsupported_entitlements_name_the_supported_kinds() {
        use EntitlementKind::*;
        let error = unsupported_entitlement("acme/okta", "grant", "Okta", Team, &[Group, Role]);
        assert_eq!(error.kind, FailureKind::Unsupported);
        assert_eq!(
            error.detail,
            "Okta tenants have no `team:` entitlements (only `group:` and `role:`)"
        );
        let error =
            unsupported_entitlement("acme/x", "list", "X", Org, &[Group, Role, Entitlement]);
        assert!(
            error
                .detail
                .ends_with("(only `group:`, `role:` and `entitlement:`)"),
            "{}",
            error.detail
        );
    }
}
