//! Opening a tenant: the run's options, the tenant being opened, and its endpoint and
//! credential.

use std::fmt;
use std::path::Path;

use super::{Adapter, AdapterError, FailureKind};
use super::{ad, file, github, graph, http, jwt, ldap, okta, opened, scim};
use crate::model::{Client, CredentialRef, Tenant, TenantSettings};

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

/// One tenant being opened: what every adapter's `open` starts from, with the tenant's
/// own settings. It names the tenant (`client/tenant`) in every error, and resolves its
/// credential.
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
            name: crate::model::TenantRef::new(&client.id, &tenant.name).to_string(),
            tenant,
            root,
            options,
        }
    }

    /// Returns an error about the tenant's configuration, found while opening it.
    pub fn refuse(&self, detail: impl Into<String>) -> AdapterError {
        AdapterError::new(&self.name, "connect", FailureKind::Rejected, detail)
    }

    /// Resolves the tenant's credential reference (see [`credential`]).
    pub fn credential(
        &self,
        reference: &CredentialRef,
    ) -> Result<crate::secrets::Secret, AdapterError> {
        credential(&self.name, reference, self.root, self.options)
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
            kind: Some(self.tenant.adapter()),
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
    Ok(match &tenant.settings {
        TenantSettings::File(s) => Box::new(file::FileTenant::open(&context, s)?),
        TenantSettings::Scim(s) => Box::new(scim::ScimTenant::open(&context, s)?),
        TenantSettings::Graph(s) => Box::new(graph::GraphTenant::open(&context, s)?),
        TenantSettings::Okta(s) => Box::new(okta::OktaTenant::open(&context, s)?),
        TenantSettings::Github(s) => Box::new(github::GithubTenant::open(&context, s)?),
        TenantSettings::Ldap(s) => Box::new(ldap::LdapTenant::open(&context, s)?),
        TenantSettings::Ad(s) => Box::new(ad::AdTenant::open(&context, s)?),
    })
}

/// Resolves a tenant's credential reference to its secret. `name` is `client/tenant`.
/// Errors name the reference, never a value.
pub fn credential(
    name: &str,
    reference: &CredentialRef,
    root: &Path,
    options: &Options,
) -> Result<crate::secrets::Secret, AdapterError> {
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
