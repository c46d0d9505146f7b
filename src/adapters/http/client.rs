//! The process's shared reqwest client, and one [`HttpClient`] per tenant over it: its
//! budget, its URLs, and how its answers become values or errors.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once, OnceLock};
use std::time::Duration;

use reqwest::blocking::Client;
use serde::de::DeserializeOwned;

use super::budget::Budget;
use super::rate_limit::is_rate_limited_403;
use super::send::error_chain;
use super::{
    Auth, ClientSettings, HttpClient, Response, RetryPolicy, Url, parse_endpoint, requests,
};
use crate::adapters::{AdapterError, FailureKind};

/// Installs the rustls crypto provider once per process. reqwest is built without a
/// provider of its own (`rustls-no-provider`), so this must run before any client is
/// built: [`HttpClient::new`] calls it.
fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // An error means another provider is installed already, which is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Returns the process's client for these timeouts, built once: setting up TLS (the
/// platform's roots) and opening connections cost more than a request, so every tenant
/// shares one client and its connection pool (budgets stay per tenant).
///
/// With a `ca_file`, the client trusts only the certificates in it (a private CA), and
/// is shared only with clients of the same file.
fn shared_client(retry: &RetryPolicy, ca_file: Option<&Path>) -> Result<Client, String> {
    type Clients = Mutex<HashMap<(Duration, Duration, Option<PathBuf>), Client>>;
    static CLIENTS: OnceLock<Clients> = OnceLock::new();
    let mut clients = CLIENTS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let key = (
        retry.connect_timeout,
        retry.timeout,
        ca_file.map(Path::to_path_buf),
    );
    if let Some(client) = clients.get(&key) {
        return Ok(client.clone());
    }
    install_crypto_provider();
    let mut builder = Client::builder()
        .connect_timeout(retry.connect_timeout)
        .timeout(retry.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("onboard/", env!("CARGO_PKG_VERSION")));
    if let Some(path) = ca_file {
        // Checked first for a clear message (no certificate, unreadable file).
        crate::adapters::ldap::read_ca_file(path)?;
        let pem =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let certificates = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            format!(
                "the CA file {} cannot be used: {}",
                path.display(),
                error_chain(&e)
            )
        })?;
        builder = builder.tls_certs_only(certificates);
    }
    let client = builder
        .build()
        .map_err(|e| format!("cannot set up HTTPS: {}", error_chain(&e.without_url())))?;
    clients.insert(key, client.clone());
    Ok(client)
}

impl HttpClient {
    /// Builds a client for a tenant (`client/tenant`, named in every error) whose API
    /// lives at `endpoint`, as `settings` say.
    pub fn new(
        tenant: &str,
        endpoint: &str,
        settings: ClientSettings,
    ) -> Result<HttpClient, AdapterError> {
        let ClientSettings {
            auth,
            log,
            error_body,
            retry,
            retry_scale: scale,
            kind,
            ca_file,
        } = settings;
        let config_error = |detail: String| {
            AdapterError::new(tenant, "connect", FailureKind::Rejected, detail)
                .with_hint("fix the tenant's `endpoint` in the client file")
        };
        let mut base = parse_endpoint(endpoint).map_err(config_error)?;
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let inner = shared_client(&retry, ca_file.as_deref()).map_err(|detail| {
            AdapterError::new(tenant, "connect", FailureKind::Unreachable, detail)
        })?;
        // One budget per tenant, never per host: Microsoft Graph, Okta and GitHub limit
        // per app and tenant (or org), and every Entra tenant lives at one host.
        let budget = Budget::shared(&format!("{tenant}\u{1f}{base}"), &retry);
        Ok(HttpClient {
            tenant: tenant.to_string(),
            base,
            inner,
            auth,
            log,
            error_body,
            budget,
            retry,
            scale,
            kind,
        })
    }

    /// Adds `n` requests to the lower bound of requests to this kind of tenant: the
    /// adapter says what its work needs at the fewest ([`requests`]).
    pub fn needed(&self, n: usize) {
        if let Some(kind) = self.kind {
            requests().needed(kind, n as u64);
        }
    }

    /// Adds to the lower bound the pages a listing of `items` needs at `largest_page`,
    /// the largest page the tenant's API documents: one at least.
    pub fn needed_pages(&self, items: usize, largest_page: usize) {
        self.needed(items.div_ceil(largest_page.max(1)).max(1));
    }

    /// Replaces how requests authenticate (a refreshed OAuth token).
    pub fn set_auth(&mut self, auth: Option<Auth>) {
        self.auth = auth;
    }

    /// Returns the endpoint's base URL (ending in `/`).
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// Returns the base URL with path segments appended, each percent-encoded.
    pub fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            // The base ends in `/`, which leaves an empty last segment to replace.
            path.pop_if_empty();
            path.extend(segments);
        }
        url
    }

    /// Returns an error naming the tenant and operation.
    pub fn error(
        &self,
        operation: &str,
        kind: FailureKind,
        detail: impl Into<String>,
    ) -> AdapterError {
        AdapterError::new(&self.tenant, operation, kind, detail)
    }

    /// Returns a success response as it is, and any other as its error
    /// ([`HttpClient::status_error`]).
    pub fn require_success(
        &self,
        operation: &str,
        response: Response,
    ) -> Result<Response, AdapterError> {
        if response.is_success() {
            Ok(response)
        } else {
            Err(self.status_error(operation, &response))
        }
    }

    /// Returns the error for a response that is not a success: its status, the vendor's
    /// message, and how many attempts were made.
    pub fn status_error(&self, operation: &str, response: &Response) -> AdapterError {
        let status = response.status;
        // A 403 that carries rate-limit headers is a rate limit, not a refusal.
        let rate_limited = status.as_u16() == 429 || is_rate_limited_403(status, &response.headers);
        let kind = match status.as_u16() {
            _ if rate_limited => FailureKind::Unreachable,
            401 | 403 => FailureKind::Denied,
            404 | 410 => FailureKind::NotFound,
            408 | 429 | 500..=599 => FailureKind::Unreachable,
            _ => FailureKind::Rejected,
        };
        let mut detail = format!("HTTP {status}");
        if let Some(message) = (self.error_body)(&response.body) {
            detail.push_str(": ");
            detail.push_str(&message);
        }
        if response.attempts > 1 {
            detail.push_str(&format!(" (after {} attempts)", response.attempts));
        }
        let error = self.error(operation, kind, detail);
        match status.as_u16() {
            _ if rate_limited => error.with_hint("the tenant is rate limiting onboard: run again later"),
            401 => error.with_hint("the tenant refused the credential: check that the token in the tenant's `credential` reference is current"),
            403 => error.with_hint("the credential lacks a permission this operation needs"),
            _ => error,
        }
    }

    /// Parses a response body as JSON.
    pub fn json<T: DeserializeOwned>(
        &self,
        operation: &str,
        response: &Response,
    ) -> Result<T, AdapterError> {
        serde_json::from_slice(&response.body).map_err(|e| {
            self.error(
                operation,
                FailureKind::Malformed,
                format!(
                    "the tenant answered HTTP {} with a body onboard cannot read: {e}",
                    response.status
                ),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Instant;

    use reqwest::StatusCode;
    use reqwest::header::HeaderMap;

    #[test]
    fn urls_keep_the_base_path_and_encode_segments() {
        let client = HttpClient::new(
            "t/x",
            "http://127.0.0.1:1/acme/v2",
            ClientSettings::default(),
        )
        .unwrap();
        assert_eq!(
            client.url(&["Groups", "a b/c"]).as_str(),
            "http://127.0.0.1:1/acme/v2/Groups/a%20b%2Fc"
        );
    }

    #[test]
    fn a_throttled_tenant_does_not_hold_up_another_on_the_same_host() {
        let open = |tenant: &str| {
            HttpClient::new(
                tenant,
                "https://graph.example.test/v1.0",
                ClientSettings {
                    retry: RetryPolicy {
                        max_concurrent: 1,
                        ..RetryPolicy::default()
                    },
                    ..ClientSettings::default()
                },
            )
            .unwrap()
        };
        let (throttled, other) = (open("budget-a/entra"), open("budget-b/entra"));
        // `budget-a` asked to wait 20 seconds (a 429 with Retry-After: 20).
        throttled
            .budget
            .pause_until(Instant::now() + Duration::from_secs(20));
        let started = Instant::now();
        let _permit = other.budget.acquire();
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "another tenant on the same host waited {:?}",
            started.elapsed()
        );
        // The same tenant opened again shares its budget (one limit per tenant).
        assert!(Arc::ptr_eq(
            &throttled.budget,
            &open("budget-a/entra").budget
        ));
        assert!(!Arc::ptr_eq(&throttled.budget, &other.budget));
    }

    #[test]
    fn a_rate_limited_403_is_not_a_refusal() {
        let client =
            HttpClient::new("t/x", "http://127.0.0.1:1/", ClientSettings::default()).unwrap();
        let response = |status: u16, headers: &[(&'static str, &str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in headers {
                map.insert(*name, value.parse().unwrap());
            }
            Response {
                status: StatusCode::from_u16(status).unwrap(),
                headers: map,
                body: Vec::new(),
                attempts: 5,
            }
        };
        let limited =
            client.status_error("list", &response(403, &[("x-ratelimit-remaining", "0")]));
        assert_eq!(limited.kind, FailureKind::Unreachable);
        assert!(limited.hint.unwrap().contains("rate limiting"));
        let throttled = client.status_error("list", &response(429, &[]));
        assert_eq!(throttled.kind, FailureKind::Unreachable);
        let refused = client.status_error("list", &response(403, &[]));
        assert_eq!(refused.kind, FailureKind::Denied);
        assert!(refused.hint.unwrap().contains("permission"));
    }
}
