//! The connection to one directory: where it is, how it is protected (LDAPS, StartTLS,
//! plain to loopback only), the bind, and how client-side failures and LDAP results
//! become errors.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use ldap3::{LdapConn, LdapConnSettings, LdapError, LdapResult};
use rustls::ClientConfig;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use super::result_code::describe;
use crate::adapters::TenantContext;
use crate::adapters::http::{HttpLog, RetryPolicy, Url};
use crate::adapters::{self, AdapterError, FailureKind};
use crate::model::DirectorySettings;
use crate::secrets::Secret;

/// Reads a tenant's `ca_file:`: a PEM file holding at least one CA certificate. Errors
/// name the file and what is wrong with it, never its content.
pub fn read_ca_file(path: &Path) -> Result<rustls::RootCertStore, String> {
    let mut roots = rustls::RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("cannot read the CA file {}: {e}", path.display()))?;
    for cert in certs {
        let cert = cert.map_err(|e| {
            format!(
                "the CA file {} holds a certificate that cannot be read: {e}",
                path.display()
            )
        })?;
        roots.add(cert).map_err(|e| {
            format!(
                "the CA file {} holds a certificate that cannot be trusted: {e}",
                path.display()
            )
        })?;
    }
    if roots.is_empty() {
        return Err(format!(
            "the CA file {} holds no PEM certificate (`-----BEGIN CERTIFICATE-----`)",
            path.display()
        ));
    }
    Ok(roots)
}

/// Builds the rustls configuration for LDAPS and StartTLS (and the state database): the
/// ring provider (as the HTTP layer uses), and the platform's roots, or only the
/// certificates of the tenant's `ca_file` when it has one.
pub fn tls_config(ca_file: Option<&Path>) -> Result<Arc<ClientConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?;
    let config = match ca_file {
        Some(path) => builder
            .with_root_certificates(read_ca_file(path)?)
            .with_no_client_auth(),
        None => {
            use rustls_platform_verifier::BuilderVerifierExt;
            builder
                .with_platform_verifier()
                .map_err(|e| format!("cannot load the platform's certificate roots: {e}"))?
                .with_no_client_auth()
        }
    };
    Ok(Arc::new(config))
}

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    /// `ldaps://`.
    Ldaps,
    /// `ldap://` upgraded with StartTLS.
    StartTls,
    /// Plain `ldap://`, loopback only.
    Plain,
}

/// One LDAP directory: where it is, how to bind, and the open connection. Shared by the
/// `ldap` and `ad` adapters; knows no schema beyond RFC 4511/4512 and RFC 2696 paging.
pub struct Directory {
    name: String,
    url: String,
    host: String,
    transport: Transport,
    bind_dn: String,
    password: Secret,
    /// The tenant's `ca_file:`, resolved against the workspace.
    ca_file: Option<std::path::PathBuf>,
    retry: RetryPolicy,
    /// A factor applied to retry waits: 1, but in a `test-hooks` build (see `env::hooks`).
    scale: f64,
    log: Option<HttpLog>,
    conn: Option<LdapConn>,
}

impl Directory {
    /// Opens the directory of an `ldap` or `ad` tenant (see [`Directory::with_settings`]); a
    /// tenant of another adapter is refused.
    pub fn open(context: &TenantContext<'_>) -> Result<Self, AdapterError> {
        let Some(settings) = context.tenant.settings.directory() else {
            return Err(context.refuse(format!(
                "a `{}` tenant is not a directory",
                context.tenant.adapter()
            )));
        };
        Directory::with_settings(context, settings)
    }

    /// Reads a directory tenant's `endpoint`, `bind_dn` and `credential`. Nothing is sent
    /// until a request is made.
    pub fn with_settings(
        context: &TenantContext<'_>,
        settings: &DirectorySettings,
    ) -> Result<Self, AdapterError> {
        let (name, options) = (context.name.as_str(), context.options);
        let refuse = |detail: String, hint: &str| context.refuse(detail).with_hint(hint);
        let endpoint = settings.endpoint.as_str();
        let url = Url::parse(endpoint.trim()).map_err(|e| {
            refuse(
                format!("the endpoint `{endpoint}` is not a URL: {e}"),
                "write e.g. `ldaps://dc1.acme.example`",
            )
        })?;
        let Some(host) = url.host_str().map(str::to_string) else {
            return Err(refuse(
                "the endpoint has no host".into(),
                "write e.g. `ldaps://dc1.acme.example`",
            ));
        };
        // `ldap:` is not a special scheme to the URL parser, so its host is never parsed
        // as an IP address: the text is.
        let loopback = adapters::http::is_loopback_host(&host);
        let transport = match (url.scheme(), settings.starttls) {
            ("ldaps", _) => Transport::Ldaps,
            ("ldap", Some(true)) => Transport::StartTls,
            ("ldap", _) if !loopback && settings.starttls == Some(false) => {
                return Err(refuse(
                    format!(
                        "refusing plain `ldap://` to `{host}`: the bind password would cross the network unencrypted (plain LDAP is allowed to loopback only)"
                    ),
                    "remove `starttls: false`, or use `ldaps://`",
                ));
            }
            ("ldap", _) if !loopback => Transport::StartTls,
            ("ldap", _) => Transport::Plain,
            (other, _) => {
                return Err(refuse(
                    format!("the endpoint's scheme `{other}` is not `ldaps` or `ldap`"),
                    "write e.g. `ldaps://dc1.acme.example`",
                ));
            }
        };
        let port = url.port().unwrap_or(if transport == Transport::Ldaps {
            636
        } else {
            389
        });
        let password = context.credential(&settings.credential)?;
        let host_in_url = host.clone();
        Ok(Directory {
            name: name.to_string(),
            url: format!("{}://{host_in_url}:{port}", url.scheme()),
            host,
            transport,
            bind_dn: settings.bind_dn.clone(),
            password,
            ca_file: settings
                .ca_file
                .as_ref()
                .map(|c| context.root.join(&c.path)),
            retry: options.retry,
            scale: options.retry_scale,
            log: options.http_log.clone(),
            conn: None,
        })
    }

    /// Returns an error about this tenant.
    pub fn error(
        &self,
        operation: &str,
        kind: FailureKind,
        detail: impl Into<String>,
    ) -> AdapterError {
        AdapterError::new(&self.name, operation, kind, detail)
    }

    pub(super) fn log(&self, line: impl FnOnce() -> String) {
        if let Some(log) = &self.log {
            log(&line());
        }
    }

    /// Turns a client-side failure (network, TLS, timeout) into an error. The
    /// connection is dropped: the next request opens a new one.
    fn transport_error(&mut self, operation: &str, error: LdapError) -> AdapterError {
        self.conn = None;
        let (kind, detail, hint) = match &error {
            LdapError::Timeout { .. } => (
                FailureKind::Unreachable,
                format!(
                    "the directory at `{}` did not answer within {}",
                    self.url,
                    crate::model::time::format_duration(self.retry.timeout)
                ),
                None,
            ),
            LdapError::Rustls { .. } | LdapError::DNSName { .. } => (
                FailureKind::Unreachable,
                format!("TLS with `{}` failed: {error}", self.url),
                Some(
                    "the directory's certificate must be valid for the endpoint's host and issued by a CA the system trusts",
                ),
            ),
            LdapError::Io { source }
                if source.to_string().to_lowercase().contains("certificate") =>
            {
                (
                    FailureKind::Unreachable,
                    format!("TLS with `{}` failed: {source}", self.url),
                    Some(
                        "the directory's certificate must be valid for the endpoint's host and issued by a CA the system trusts",
                    ),
                )
            }
            LdapError::LdapResult { result } => (FailureKind::Rejected, describe(result), None),
            _ => (
                FailureKind::Unreachable,
                format!("cannot talk to the directory at `{}`: {error}", self.url),
                None,
            ),
        };
        let error = self.error(operation, kind, detail);
        match hint {
            Some(hint) => error.with_hint(hint),
            None => error,
        }
    }

    /// Turns an LDAP result that is not success into an error.
    pub fn result_error(&self, operation: &str, result: &LdapResult) -> AdapterError {
        let kind = match result.rc {
            32 => FailureKind::NotFound,
            8 | 13 | 48 | 49 | 50 => FailureKind::Denied,
            51 | 52 => FailureKind::Unreachable,
            _ => FailureKind::Rejected,
        };
        let error = self.error(operation, kind, describe(result));
        match result.rc {
            49 => error.with_hint(format!(
                "check `bind_dn` (`{}`) and the password behind `credential`",
                self.bind_dn
            )),
            50 => error.with_hint(format!(
                "the bind account `{}` needs the right to read the tenant's entries and write group members",
                self.bind_dn
            )),
            8 | 13 => error.with_hint(
                "the directory wants an encrypted connection: use `ldaps://`, or `starttls: true`",
            ),
            _ => error,
        }
    }

    /// Opens and binds the connection if it is not open yet. A directory that cannot be
    /// reached, or answers busy or unavailable, is tried again with backoff within the
    /// retry policy's attempts and time budget: opening and binding change nothing, so a retry
    /// is always safe (requests on the connection are never retried).
    fn connect(&mut self, operation: &str) -> Result<(), AdapterError> {
        if self.conn.is_some() {
            return Ok(());
        }
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            let (error, transient) = match self.connect_once(operation) {
                Ok(()) => return Ok(()),
                Err(failure) => failure,
            };
            let wait = self.retry.backoff(attempt).mul_f64(self.scale);
            let budget = self.retry.retry_budget.mul_f64(self.scale);
            if !transient || attempt >= self.retry.max_attempts || started.elapsed() + wait > budget
            {
                return Err(error);
            }
            self.log(|| {
                format!(
                    "ldap: connect to {} failed ({}); attempt {} of {} in {}",
                    self.url,
                    error.detail,
                    attempt + 1,
                    self.retry.max_attempts,
                    crate::model::time::format_duration(wait)
                )
            });
            std::thread::sleep(wait);
            attempt += 1;
        }
    }

    /// Opens and binds a connection once. A failure says whether trying again may help:
    /// the directory could not be reached or was busy, not a TLS, credential or
    /// configuration problem.
    fn connect_once(&mut self, operation: &str) -> Result<(), (AdapterError, bool)> {
        let mut settings = LdapConnSettings::new().set_conn_timeout(self.retry.connect_timeout);
        if self.transport != Transport::Plain {
            let config = tls_config(self.ca_file.as_deref())
                .map_err(|e| (self.error(operation, FailureKind::Rejected, e), false))?;
            settings = settings.set_config(config);
        }
        if self.transport == Transport::StartTls {
            settings = settings.set_starttls(true);
        }
        let mut conn = match LdapConn::with_settings(settings, &self.url) {
            Ok(conn) => conn,
            Err(e) => {
                let transient = is_transient(&e);
                return Err((self.transport_error(operation, e), transient));
            }
        };
        conn.with_timeout(self.retry.timeout);
        // The one place the password is exposed: the bind request.
        let bound = conn.simple_bind(&self.bind_dn, self.password.expose());
        let result = match bound {
            Ok(result) => result,
            Err(e) => {
                let transient = is_transient(&e);
                return Err((self.transport_error(operation, e), transient));
            }
        };
        self.log(|| {
            format!(
                "ldap: bind to {} ({:?}) as `{}`: {}",
                self.url,
                self.transport,
                self.bind_dn,
                describe(&result)
            )
        });
        if result.rc != 0 {
            // 51 busy, 52 unavailable: the directory asks to be tried later.
            let transient = matches!(result.rc, 51 | 52);
            return Err((self.result_error(operation, &result), transient));
        }
        self.conn = Some(conn);
        Ok(())
    }

    /// Runs one request on the bound connection.
    pub(super) fn with_conn<T>(
        &mut self,
        operation: &str,
        request: impl FnOnce(&mut LdapConn) -> Result<T, LdapError>,
    ) -> Result<T, AdapterError> {
        self.connect(operation)?;
        let timeout = self.retry.timeout;
        let outcome = match self.conn.as_mut() {
            Some(conn) => {
                conn.with_timeout(timeout);
                request(conn)
            }
            // `connect` just stored a connection or returned an error.
            None => return Err(self.error(operation, FailureKind::Unreachable, "not connected")),
        };
        outcome.map_err(|e| self.transport_error(operation, e))
    }

    /// Returns the host the endpoint names.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Returns the DN (or UPN) onboard binds as.
    pub fn bind_dn(&self) -> &str {
        &self.bind_dn
    }

    /// Returns whether the connection is encrypted (LDAPS or StartTLS), not plain LDAP
    /// to loopback.
    pub fn is_encrypted(&self) -> bool {
        self.transport != Transport::Plain
    }
}

/// Returns whether a client-side failure to open or bind may pass by itself: the
/// directory could not be reached, or the connection dropped or timed out. TLS and
/// name failures stay until someone fixes them.
fn is_transient(error: &LdapError) -> bool {
    match error {
        LdapError::Rustls { .. } | LdapError::DNSName { .. } => false,
        LdapError::Io { source } => !source.to_string().to_lowercase().contains("certificate"),
        LdapError::LdapResult { result } => matches!(result.rc, 51 | 52),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tenant_that_is_not_a_directory_is_refused_before_anything_is_read() {
        let client = crate::model::client_from_yaml(
            &Arc::from("clients/globex.yaml"),
            "id: globex\ntier: standard\ntenants:\n  - name: entra\n    system: entra\n    adapter: file\n    path: tenants/entra\n",
        )
        .unwrap();
        let options = adapters::Options::default();
        let context = TenantContext::new(&client, &client.tenants[0], Path::new("."), &options);
        let Err(error) = Directory::open(&context) else {
            panic!("a `file` tenant opened as a directory");
        };
        let text = error.to_string();
        assert!(
            text.contains("a `file` tenant is not a directory"),
            "{text}"
        );
        assert!(text.contains("globex/entra"), "{text}");
    }

    #[test]
    fn a_directory_echoing_the_bind_password_gets_it_scrubbed() {
        let mut directory = Directory {
            name: "globex/ldap".into(),
            url: "ldap://127.0.0.1:1".into(),
            host: "127.0.0.1".into(),
            transport: Transport::Plain,
            bind_dn: "cn=onboard,dc=globex,dc=example".into(),
            password: Secret::new("unit-bind-Passw0rd/echoed"),
            ca_file: None,
            retry: RetryPolicy::default(),
            scale: 1.0,
            log: None,
            conn: None,
        };
        let result = LdapResult {
            rc: 49,
            matched: String::new(),
            text: "bind as cn=onboard with 'unit-bind-Passw0rd/echoed' (dW5pdC1iaW5kLVBhc3N3MHJkL2VjaG9lZA==) refused".into(),
            refs: Vec::new(),
            ctrls: Vec::new(),
        };
        let errors = [
            directory.result_error("connect", &result),
            directory.transport_error("connect", LdapError::LdapResult { result }),
        ];
        for text in errors
            .iter()
            .flat_map(|e| [e.detail.clone(), e.to_string()])
        {
            assert!(!text.to_lowercase().contains("passw0rd"), "{text}");
            assert!(!text.contains("dW5pdC1iaW5kLVBhc3N3"), "{text}");
            assert!(text.contains("with '[redacted]' ([redacted]"), "{text}");
        }
    }
}
