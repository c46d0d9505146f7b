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

use std::fmt;
use std::path::Path;

use thiserror::Error;
use time::OffsetDateTime;

use crate::model::{
    AdapterKind, Client, ConfigurationChange, Entitlement, EntitlementKind, Holder, Tenant,
};

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

    /// Finds several principals by account name, returning one result per account, in
    /// order, each as [`Adapter::resolve`] would. Adapters whose API can look up many
    /// accounts in one request (a SCIM `or` filter) do so; the default resolves them one
    /// by one. One account failing never fails the others.
    fn resolve_many(&mut self, accounts: &[&str]) -> Vec<Result<Option<Principal>, AdapterError>> {
        accounts
            .iter()
            .map(|account| self.resolve(account))
            .collect()
    }

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
    /// tenant's own configuration that the client file asks for (access assignments to
    /// create), as data that [`Adapter::apply_configuration`] carries out. Read-only; an error
    /// makes the tenant unknown in the plan. Two inspections of a tenant that did not change
    /// return equal changes: `apply` inspects again to check that a plan's configuration
    /// changes still hold. The default has nothing to say.
    fn inspect(&mut self, now: OffsetDateTime) -> Result<Inspection, AdapterError> {
        let _ = now;
        Ok(Inspection::default())
    }

    /// Carries out exactly the `planned` changes to the tenant's own configuration (as a
    /// inspection returned them), in order, before any entitlement change is sent, pushing
    /// one line to `done` per change as it is made, so that the changes made before a
    /// failure are still recorded. Works nothing out again: the plan decides. The
    /// default makes no configuration change, and refuses any.
    fn apply_configuration(
        &mut self,
        planned: &[ConfigurationChange],
        done: &mut Vec<String>,
    ) -> Result<(), AdapterError> {
        let _ = done;
        match planned.first() {
            None => Ok(()),
            Some(change) => Err(foreign_change("this tenant", "reconcile", change)),
        }
    }

    /// Names the tenant's own configuration that [`Adapter::apply_configuration`] brings in line,
    /// for the audit log: a subject (`gdap:access-assignments`) and what it is.
    fn configuration_subject(&self) -> ConfigurationSubject {
        ConfigurationSubject {
            subject: "configuration",
            description: "the tenant's own configuration, as the client file declares it",
        }
    }

    /// Returns what `onboard import` writes into the tenant's block of the client file
    /// beside what it was given: the ids the tenant resolves the names of `entitlements`
    /// to (Entra group object ids), the access assignments of a GDAP relationship.
    /// Read-only. The default adds nothing: the tenant's names are its ids.
    fn discover(&mut self, entitlements: &[Entitlement]) -> Result<Discovery, AdapterError> {
        let _ = entitlements;
        Ok(Discovery::default())
    }

    /// Makes every change sent so far durable in the tenant. Adapters that send each
    /// change at once (every API adapter) have nothing to do; the `file` adapter writes
    /// its file here, once per batch rather than once per change.
    fn flush(&mut self) -> Result<(), AdapterError> {
        Ok(())
    }

    /// Issues a new credential of `request.kind` for an identity and returns it with the
    /// id it is known by. A `client_secret` is made by the tenant (`password` is `None`);
    /// a `password` is made by onboard and passed in, so that it is delivered to the
    /// vault before the tenant gets it, and the adapter sets it as the account's
    /// password. The returned `secret` is the value set (for a password, the one passed
    /// in). Never logs, returns in an error or stores the value. The default refuses:
    /// this adapter issues no credential.
    fn issue_credential(
        &mut self,
        request: &CredentialRequest,
        password: Option<&crate::secrets::Secret>,
    ) -> Result<IssuedCredential, AdapterError> {
        let _ = password;
        Err(request.unsupported("this tenant", "issue"))
    }

    /// Removes one issued credential (`key_id` as [`Adapter::issue_credential`] returned
    /// it) from the identity in the tenant: a client secret's key is deleted. A password
    /// has no separate credential to remove: adapters return `NoChange` for it (the
    /// next rotation replaces it; a revoked identity is disabled or removed through its
    /// entitlements). Already gone: `NoChange`. The default refuses.
    fn remove_credential(
        &mut self,
        request: &CredentialRequest,
        key_id: &str,
    ) -> Result<Outcome, AdapterError> {
        let _ = key_id;
        Err(request.unsupported("this tenant", "remove"))
    }

    /// Lists the key ids of the credentials of `request.kind` the tenant holds for the
    /// identity (for a client secret: every secret of `request.application`), so that a
    /// run can find a credential issued but never recorded (a crash between issue and
    /// delivery) and remove it. `Ok(None)`: the kind keeps no separate credentials (a
    /// password). The default refuses.
    fn list_credentials(
        &mut self,
        request: &CredentialRequest,
    ) -> Result<Option<Vec<String>>, AdapterError> {
        Err(request.unsupported("this tenant", "list"))
    }
}

pub use crate::model::CredentialKind;

/// A credential to issue, remove or list for one identity in this tenant
/// ([`Adapter::issue_credential`], [`Adapter::remove_credential`],
/// [`Adapter::list_credentials`]).
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

/// A credential just issued ([`Adapter::issue_credential`]).
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

/// What [`Adapter::discover`] found for `onboard import` to write into a tenant's block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovery {
    /// Group name → the tenant's object id, for the names it resolves (Graph `groups:`).
    pub groups: std::collections::BTreeMap<String, String>,
    /// A GDAP relationship's access assignments: partner group name → the directory
    /// roles (display names, or role definition ids where no name is known) its members
    /// get in the client's tenant (`gdap.access:`).
    pub gdap_access: std::collections::BTreeMap<String, Vec<String>>,
    /// What the import report should say about the tenant.
    pub notes: Vec<String>,
}

impl Discovery {
    /// Returns whether it adds nothing to the tenant's block.
    pub fn adds_nothing(&self) -> bool {
        self.groups.is_empty() && self.gdap_access.is_empty()
    }
}

/// What [`Adapter::inspect`] found about a tenant as a whole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inspection {
    /// Warnings for the plan.
    pub notes: Vec<String>,
    /// The configuration changes `apply` makes through [`Adapter::apply_configuration`].
    pub configuration: Vec<ConfigurationChange>,
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
/// the workspace. Filled once from the environment ([`Options::from_env`]) by the
/// command; adapters read no environment variable themselves.
#[derive(Clone)]
pub struct Options {
    /// Where HTTP adapters log each request and response, and directory adapters each
    /// LDAP operation (`--verbose`); `None` logs nothing. Lines never carry a secret.
    pub http_log: Option<http::HttpLog>,
    /// Timeouts and retry limits of every request to a tenant (`ONBOARD_HTTP_TIMEOUT`).
    pub retry: http::RetryPolicy,
    /// A factor (0 to 1) applied to every retry wait: 1, but in a `test-hooks` build
    /// (see `env::hooks`).
    pub retry_scale: f64,
    /// Where `vault:` and `exec:` credential references are read from (the workspace's
    /// `[vault]` and `[credentials]` settings).
    pub credentials: crate::secrets::Sources,
    /// Tenants opened and verified in this run, kept for its next phase.
    pub opened: opened::Opened,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            http_log: None,
            retry: http::RetryPolicy::default(),
            retry_scale: 1.0,
            credentials: crate::secrets::Sources::default(),
            opened: opened::Opened::default(),
        }
    }
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("http_log", &self.http_log.is_some())
            .field("retry", &self.retry)
            .field("retry_scale", &self.retry_scale)
            .field("credentials", &self.credentials)
            .field("opened", &self.opened.len())
            .finish()
    }
}

impl Options {
    /// Returns the run's settings from the environment (no log); an invalid value is an
    /// error naming the variable.
    pub fn from_env() -> Result<Options, String> {
        Ok(Options {
            http_log: None,
            retry: http::RetryPolicy::from_env()?,
            retry_scale: crate::env::retry_scale()?,
            credentials: crate::secrets::Sources::default(),
            opened: opened::Opened::default(),
        })
    }

    /// Returns how an [`http::HttpClient`] of this run is built, with `auth` and a reader
    /// of the vendor's error bodies.
    pub fn client_settings(
        &self,
        auth: Option<http::Auth>,
        error_body: http::ErrorBodyReader,
    ) -> http::ClientSettings {
        http::ClientSettings {
            auth,
            log: self.http_log.clone(),
            error_body,
            retry: self.retry,
            retry_scale: self.retry_scale,
            kind: None,
            ca_file: None,
        }
    }
}

/// One tenant being opened: what every adapter's `open` starts from. It names the
/// tenant (`client/tenant`) in every error, and reads its `endpoint` and `credential`.
pub struct TenantContext<'a> {
    /// `client/tenant`.
    pub name: String,
    /// The tenant as the client file declares it.
    pub tenant: &'a Tenant,
    /// The workspace root, against which relative paths (`file` tenants, `file:`
    /// credentials, `ca_file:`) resolve.
    pub root: &'a Path,
    /// The run's settings.
    pub options: &'a Options,
}

impl<'a> TenantContext<'a> {
    /// Returns the context of a client's tenant.
    pub fn new(client: &Client, tenant: &'a Tenant, root: &'a Path, options: &'a Options) -> Self {
        TenantContext {
            name: format!("{}/{}", client.id, tenant.name),
            tenant,
            root,
            options,
        }
    }

    /// Returns an error about the tenant's configuration, found while opening it.
    pub fn refuse(&self, detail: impl Into<String>) -> AdapterError {
        AdapterError::new(&self.name, "connect", FailureKind::Rejected, detail)
    }

    /// Returns the tenant's `endpoint` (see [`endpoint`]).
    pub fn endpoint(&self, what: &str, example: &str) -> Result<&'a str, AdapterError> {
        endpoint(&self.name, self.tenant, what, example)
    }

    /// Resolves the tenant's `credential` (see [`credential`]).
    pub fn credential(&self) -> Result<crate::secrets::Secret, AdapterError> {
        credential(&self.name, self.tenant, self.root, self.options)
    }

    /// Checks that the tenant's credential is an RSA private key (PEM), as the key an app
    /// signs its token requests with must be; `hint` names the key the user should give.
    pub fn require_private_key(
        &self,
        secret: &crate::secrets::Secret,
        hint: &str,
    ) -> Result<(), AdapterError> {
        jwt::rsa_key(secret.expose()).map(drop).map_err(|e| {
            AdapterError::new(&self.name, "connect", FailureKind::Denied, e).with_hint(hint)
        })
    }

    /// Builds an HTTP client for the tenant's API at `endpoint`, with the run's settings.
    pub fn http(
        &self,
        endpoint: &str,
        auth: Option<http::Auth>,
        error_body: http::ErrorBodyReader,
    ) -> Result<http::HttpClient, AdapterError> {
        self.http_with(endpoint, self.options.client_settings(auth, error_body))
    }

    /// Builds an HTTP client for the tenant's API at `endpoint`, with these settings.
    pub fn http_with(
        &self,
        endpoint: &str,
        settings: http::ClientSettings,
    ) -> Result<http::HttpClient, AdapterError> {
        let settings = http::ClientSettings {
            kind: Some(self.tenant.adapter),
            ..settings
        };
        http::HttpClient::new(&self.name, endpoint, settings)
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
    let context = TenantContext::new(client, tenant, root, options);
    Ok(match tenant.adapter {
        AdapterKind::File => Box::new(file::FileTenant::open(&context)?),
        AdapterKind::Scim => Box::new(scim::ScimTenant::open(&context)?),
        AdapterKind::Graph => Box::new(graph::GraphTenant::open(&context)?),
        AdapterKind::Okta => Box::new(okta::OktaTenant::open(&context)?),
        AdapterKind::Github => Box::new(github::GithubTenant::open(&context)?),
        AdapterKind::Ldap => Box::new(ldap::LdapTenant::open(&context)?),
        AdapterKind::Ad => Box::new(ad::AdTenant::open(&context)?),
    })
}

/// Which way a change goes: what the functions that serve both a grant and a revoke
/// are told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The principal gets the entitlement.
    Grant,
    /// The principal loses the entitlement.
    Revoke,
}

impl Direction {
    /// Whether this is a grant.
    pub fn is_grant(self) -> bool {
        self == Direction::Grant
    }

    /// Names this change of `entitlement` for `principal`, for errors and logs:
    /// ``grant `group:X` to `bob` `` or ``revoke `group:X` from `bob` ``.
    pub fn operation(self, entitlement: impl fmt::Display, principal: &Principal) -> String {
        let account = &principal.account;
        match self {
            Direction::Grant => format!("grant `{entitlement}` to `{account}`"),
            Direction::Revoke => format!("revoke `{entitlement}` from `{account}`"),
        }
    }

    /// What a change of membership in a group the tenant does not have comes to: a grant
    /// fails (`NotFound`: the group does not exist in `place`, with `hint`); a revoke has
    /// nothing to do.
    pub fn missing_group(
        self,
        tenant: &str,
        operation: &str,
        group: &str,
        place: &str,
        hint: &str,
    ) -> Result<Outcome, AdapterError> {
        match self {
            Direction::Grant => Err(AdapterError::new(
                tenant,
                operation,
                FailureKind::NotFound,
                format!("the group `{group}` does not exist in {place}"),
            )
            .with_hint(hint)),
            Direction::Revoke => Ok(Outcome::NoChange),
        }
    }

    /// `grant` or `revoke`.
    pub fn verb(self) -> &'static str {
        match self {
            Direction::Grant => "grant",
            Direction::Revoke => "revoke",
        }
    }
}

/// One grant or revoke, as the adapters whose grant and revoke are one method in two
/// directions receive it (see the `grant_and_revoke_through!` macro).
#[derive(Debug, Clone, Copy)]
pub struct ChangeRequest<'a> {
    /// Who gets or loses the entitlement.
    pub principal: &'a Principal,
    /// The entitlement.
    pub entitlement: &'a Entitlement,
    /// Grant or revoke.
    pub direction: Direction,
    /// For a grant: the end the tenant enforces (native expiry); a revoke has none.
    pub expires_at: Option<OffsetDateTime>,
}

impl<'a> ChangeRequest<'a> {
    /// Returns who, what and which way.
    pub fn parts(self) -> (&'a Principal, &'a Entitlement, Direction) {
        (self.principal, self.entitlement, self.direction)
    }
}

/// Writes an adapter's [`Adapter::grant`] and [`Adapter::revoke`], inside its `impl
/// Adapter` block, as calls of one method of the adapter:
/// `fn METHOD(&mut self, ChangeRequest<'_>) -> Result<Outcome, AdapterError>`.
macro_rules! grant_and_revoke_through {
    ($method:ident) => {
        fn grant(
            &mut self,
            principal: &$crate::adapters::Principal,
            entitlement: &$crate::model::Entitlement,
            expires_at: Option<::time::OffsetDateTime>,
        ) -> Result<$crate::adapters::Outcome, $crate::adapters::AdapterError> {
            self.$method($crate::adapters::ChangeRequest {
                principal,
                entitlement,
                direction: $crate::adapters::Direction::Grant,
                expires_at,
            })
        }

        fn revoke(
            &mut self,
            principal: &$crate::adapters::Principal,
            entitlement: &$crate::model::Entitlement,
        ) -> Result<$crate::adapters::Outcome, $crate::adapters::AdapterError> {
            self.$method($crate::adapters::ChangeRequest {
                principal,
                entitlement,
                direction: $crate::adapters::Direction::Revoke,
                expires_at: None,
            })
        }
    };
}
pub(crate) use grant_and_revoke_through;

/// Returns the error for an entitlement kind a tenant does not have, naming the kinds it
/// has: ``Okta tenants have no `team:` entitlements (only `group:` and `role:`)``.
///
/// `tenant` is `client/tenant`; `tenants` names the kind of tenant as its users know it
/// (`Okta`, `Entra`).
/// Returns the error for a configuration change that the tenant's adapter does not make
/// (an Okta change planned for a Graph tenant): a plan edited by hand, or for another
/// tenant.
pub(crate) fn foreign_change(
    tenant: &str,
    operation: &str,
    change: &ConfigurationChange,
) -> AdapterError {
    AdapterError::new(
        tenant,
        operation,
        FailureKind::Malformed,
        format!("the plan's change is not one this tenant's adapter makes: {change}"),
    )
    .with_hint("make a fresh plan with `onboard plan --out FILE` and apply that")
}

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

/// Returns the one group found by a name, `None` when there is none, and an error
/// (`Malformed`, with `hint` when there is one) when several share the name: onboard never
/// guesses which is meant.
pub(crate) fn one_group<T: Clone>(
    tenant: &str,
    operation: &str,
    name: &str,
    found: &[T],
    hint: Option<String>,
) -> Result<Option<T>, AdapterError> {
    match found {
        [] => Ok(None),
        [one] => Ok(Some(one.clone())),
        _ => {
            let error = AdapterError::new(
                tenant,
                operation,
                FailureKind::Malformed,
                format!(
                    "{} groups are named `{name}`: onboard cannot tell which is meant",
                    found.len()
                ),
            );
            Err(match hint {
                Some(hint) => error.with_hint(hint),
                None => error,
            })
        }
    }
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
    options: &Options,
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
    crate::secrets::resolve(reference, name, root, options).map_err(|e| {
        let hint = e.hint();
        let error = AdapterError::new(
            name,
            "read the credential",
            e.failure_kind(),
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
    fn a_name_several_groups_share_is_an_error_never_a_guess() {
        let none: [String; 0] = [];
        assert_eq!(one_group("a/t", "list", "Ops", &none, None).unwrap(), None);
        assert_eq!(
            one_group("a/t", "list", "Ops", &["g1".to_string()], None).unwrap(),
            Some("g1".to_string())
        );
        let error =
            one_group("a/t", "list", "Ops", &["g1", "g2"], Some("rename".into())).unwrap_err();
        assert_eq!(error.kind, FailureKind::Malformed);
        assert_eq!(
            error.detail,
            "2 groups are named `Ops`: onboard cannot tell which is meant"
        );
        assert_eq!(error.hint.as_deref(), Some("rename"));
    }

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
