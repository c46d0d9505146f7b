//! The HTTP layer every HTTP adapter (SCIM now; Graph, Okta, GitHub later) goes
//! through: written once, so adapters describe endpoints and error bodies, not loops.
//!
//! It owns:
//! - the client: reqwest (blocking: each tenant already has its own thread) over rustls
//!   with the ring provider, installed once here; certificates verified against the
//!   platform's roots; no redirects followed;
//! - the plain-HTTP rule: `http://` only to loopback (127.0.0.0/8, `::1`, `localhost`);
//! - timeouts: connect and whole request (`ONBOARD_HTTP_TIMEOUT` overrides the latter);
//! - retries of connect errors, timeouts, 5xx and 429, waiting what `Retry-After` asks
//!   (seconds or an HTTP date), else what a reset header asks (`X-Rate-Limit-Reset`,
//!   `x-ratelimit-reset`: epoch seconds), else exponential backoff with jitter; bounded in
//!   attempts and in total time. A test build (feature `test-hooks`) may
//!   shrink every wait; a shipped build never does.
//!   Every request is retried whatever its method: adapters only send requests whose
//!   repetition converges (adding a member twice, removing it twice);
//! - a per-tenant budget (at most N requests in flight, a minimum interval between
//!   starts), shared by every thread of the process that talks to the same tenant (its
//!   `client/tenant` name and endpoint; never the host alone, which many tenants share),
//!   and paused for that tenant only when it asks to wait;
//! - logging of each request and response at `--verbose`, with credentials, secret query
//!   parameters and URL passwords redacted; bodies are never logged;
//! - paging helpers: by index (SCIM `startIndex`/`count`) and by next link (Graph
//!   `@odata.nextLink`, `Link: <…>; rel="next"` for Okta and GitHub). A page that fails
//!   after retries fails the whole read: never a short list.
//!
//! It must not know any vendor's semantics beyond those headers.
//!
//! The budget, the rate-limit and backoff rules, redaction and the paging helpers each
//! live in a submodule of that name; their public items are re-exported from here.

mod budget;
mod call;
mod paging;
mod rate_limit;
mod redact;
mod tally;
mod token;

use std::collections::BTreeSet;
use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Once, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use reqwest::blocking::Client;
use reqwest::header::HeaderValue;
pub use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;

use self::budget::Budget;
pub use self::call::{Auth, Call, Response};
pub use self::paging::{IndexPage, collect_indexed, collect_linked, link_next, odata_next_link};
use self::rate_limit::is_rate_limited_403;
use self::rate_limit::is_retryable;
pub use self::rate_limit::{pacing, requested_delay};
pub use self::redact::redact_url;
use self::redact::{is_secret_name, redact_text};
pub use self::tally::{Counts, RequestTally, requests};
pub use self::token::{TOKEN_MARGIN, TokenCache};
use super::{AdapterError, FailureKind};
use crate::model::AdapterKind;

/// Where request and response lines go at `--verbose` (one line per call).
pub type HttpLog = Arc<dyn Fn(&str) + Send + Sync>;

/// Turns a vendor's error body into a clear message, if it is one the adapter knows.
pub type ErrorBodyReader = fn(&[u8]) -> Option<String>;

/// Limits for one tenant's requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for a whole request, from sending to the last byte of the body.
    pub timeout: Duration,
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// Total time a request may take across its attempts and waits.
    pub retry_budget: Duration,
    /// The first exponential backoff delay (doubled for each retry, with jitter).
    pub base_delay: Duration,
    /// The longest exponential backoff delay.
    pub max_delay: Duration,
    /// Requests in flight to one tenant at once, across the whole process.
    pub max_concurrent: usize,
    /// Minimum time between the starts of two requests to one tenant.
    pub min_interval: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_attempts: 5,
            retry_budget: Duration::from_secs(120),
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_concurrent: 4,
            min_interval: Duration::from_millis(20),
        }
    }
}

impl Policy {
    /// Returns the default policy with the environment's overrides
    /// (`ONBOARD_HTTP_TIMEOUT`).
    pub fn from_env() -> Result<Policy, String> {
        let mut policy = Policy::default();
        if let Some(timeout) = crate::env::http_timeout()? {
            policy.timeout = timeout;
            policy.connect_timeout = policy.connect_timeout.min(timeout);
        }
        Ok(policy)
    }
}

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
fn shared_client(policy: &Policy, ca_file: Option<&Path>) -> Result<Client, String> {
    type Clients = Mutex<HashMap<(Duration, Duration, Option<PathBuf>), Client>>;
    static CLIENTS: OnceLock<Clients> = OnceLock::new();
    let mut clients = CLIENTS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let key = (
        policy.connect_timeout,
        policy.timeout,
        ca_file.map(Path::to_path_buf),
    );
    if let Some(client) = clients.get(&key) {
        return Ok(client.clone());
    }
    install_crypto_provider();
    let mut builder = Client::builder()
        .connect_timeout(policy.connect_timeout)
        .timeout(policy.timeout)
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

/// Returns whether a URL's host is on loopback.
pub fn is_loopback(url: &Url) -> bool {
    url.host_str().is_some_and(is_loopback_host)
}

/// Returns whether a host name or address is on loopback: `localhost`, 127.0.0.0/8 or
/// `::1` (with or without brackets). Takes text because the URL parser leaves the host
/// of a scheme it does not know (`ldap:`) unparsed.
pub fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Parses a tenant endpoint: `https://`, or `http://` to loopback only.
pub fn parse_endpoint(endpoint: &str) -> Result<Url, String> {
    let url = Url::parse(endpoint.trim())
        .map_err(|e| format!("the endpoint `{}` is not a URL: {e}", redact_text(endpoint)))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(format!(
                "refusing plain `http://` to `{}`: the credential would cross the network unencrypted (plain HTTP is allowed to loopback only)",
                url.host_str().unwrap_or_default()
            ));
        }
        other => return Err(format!("the endpoint's scheme `{other}` is not `https`")),
    }
    if url.host().is_none() {
        return Err("the endpoint has no host".into());
    }
    Ok(url)
}

/// What went wrong with one attempt that got no response.
struct TransportFailure {
    message: String,
    retryable: bool,
}

/// How an [`HttpClient`] is built, besides its tenant and endpoint. The default: no
/// authentication, no log, no reader of error bodies, the default [`Policy`], real waits.
#[derive(Clone)]
pub struct ClientSettings {
    /// How requests authenticate.
    pub auth: Option<Auth>,
    /// Where each request and response is logged (`--verbose`).
    pub log: Option<HttpLog>,
    /// Turns the vendor's error bodies into messages.
    pub error_body: ErrorBodyReader,
    /// Timeouts, retries and pacing.
    pub policy: Policy,
    /// A factor (0 to 1) applied to every retry wait: 1 but in tests.
    pub retry_scale: f64,
    /// The kind of tenant, under which requests are counted ([`requests`]); `None`
    /// counts nothing.
    pub kind: Option<AdapterKind>,
    /// A PEM file of the only CA certificates to trust (a private CA); `None`: the
    /// platform's roots.
    pub ca_file: Option<PathBuf>,
}

impl Default for ClientSettings {
    fn default() -> Self {
        ClientSettings {
            auth: None,
            log: None,
            error_body: |_| None,
            policy: Policy::default(),
            retry_scale: 1.0,
            kind: None,
            ca_file: None,
        }
    }
}

/// A client for one tenant's HTTP API.
pub struct HttpClient {
    tenant: String,
    base: Url,
    inner: Client,
    auth: Option<Auth>,
    log: Option<HttpLog>,
    error_body: ErrorBodyReader,
    budget: Arc<Budget>,
    policy: Policy,
    scale: f64,
    kind: Option<AdapterKind>,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("tenant", &self.tenant)
            .field("base", &redact_url(&self.base))
            .field("auth", &self.auth)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
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
            policy,
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
        let inner = shared_client(&policy, ca_file.as_deref()).map_err(|detail| {
            AdapterError::new(tenant, "connect", FailureKind::Unreachable, detail)
        })?;
        // One budget per tenant, never per host: Microsoft Graph, Okta and GitHub limit
        // per app and tenant (or org), and every Entra tenant lives at one host.
        let budget = Budget::shared(&format!("{tenant}\u{1f}{base}"), &policy);
        Ok(HttpClient {
            tenant: tenant.to_string(),
            base,
            inner,
            auth,
            log,
            error_body,
            budget,
            policy,
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

    /// Sends a request, retrying transient failures, and returns the response whatever
    /// its status. Err only when no response came (connection, timeout) after every
    /// attempt, or when the tenant kept answering 5xx/429 until the budget ran out, in
    /// which case the last response is returned for the adapter to map.
    pub fn send(&self, operation: &str, call: &Call) -> Result<Response, AdapterError> {
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            let permit = self.budget.acquire();
            let result = self.send_once(call, attempt);
            let (reason, asked) = match result {
                Ok(mut response) => {
                    if !is_retryable(&response) {
                        permit.accepted();
                        drop(permit);
                        if let Some(wait) = pacing(&response.headers, SystemTime::now()) {
                            // The tenant says its window is nearly used up: slow down
                            // before it answers 429.
                            self.budget.pause_until(Instant::now() + self.scaled(wait));
                        }
                        response.attempts = attempt;
                        return Ok(response);
                    }
                    let asked = requested_delay(&response.headers, SystemTime::now());
                    (format!("HTTP {}", response.status), (asked, Some(response)))
                }
                Err(failure) if failure.retryable => (failure.message, (None, None)),
                Err(failure) => {
                    return Err(self.error(operation, FailureKind::Unreachable, failure.message));
                }
            };
            let (asked, last_response) = asked;
            let delay = self.scaled(asked.unwrap_or_else(|| self.policy.backoff(attempt)));
            if asked.is_some() {
                // The tenant said when to come back: every request to it waits, and its
                // budget learns the tenant's rate.
                permit.throttled(Instant::now() + delay);
            }
            drop(permit);
            let give_up = attempt >= self.policy.max_attempts
                || started.elapsed() + delay > self.scaled(self.policy.retry_budget);
            if give_up {
                return match last_response {
                    Some(mut response) => {
                        response.attempts = attempt;
                        Ok(response)
                    }
                    None => Err(self
                        .error(
                            operation,
                            FailureKind::Unreachable,
                            if attempt > 1 {
                                format!("{reason} (after {attempt} attempts)")
                            } else {
                                reason
                            },
                        )
                        .with_hint("check that the tenant's `endpoint` is reachable from here, then run again")),
                };
            }
            self.log(&format!(
                "http {}: {reason}; retrying {} {} in {} (attempt {} of {})",
                self.tenant,
                call.method,
                redact_url(&call.url),
                crate::model::time::format_duration(delay),
                attempt + 1,
                self.policy.max_attempts
            ));
            std::thread::sleep(delay);
            attempt += 1;
        }
    }

    fn send_once(&self, call: &Call, attempt: u32) -> Result<Response, TransportFailure> {
        let mut request = self.inner.request(call.method.clone(), call.url.clone());
        let mut logged_headers = BTreeSet::new();
        for (name, value) in &call.headers {
            let value = HeaderValue::from_str(value).map_err(|_| TransportFailure {
                message: format!("the header `{name}` has a value that cannot be sent"),
                retryable: false,
            })?;
            logged_headers.insert(if is_secret_name(name.as_str()) {
                format!("{name}: [redacted]")
            } else {
                format!("{name}: {}", value.to_str().unwrap_or("…"))
            });
            request = request.header(name, value);
        }
        if let Some(auth) = &self.auth {
            let (name, value) = match auth {
                Auth::Bearer(token) => (
                    reqwest::header::AUTHORIZATION,
                    format!("Bearer {}", token.expose()),
                ),
                Auth::Header {
                    name,
                    scheme,
                    value,
                } => {
                    let text = if scheme.is_empty() {
                        value.expose().to_string()
                    } else {
                        format!("{scheme} {}", value.expose())
                    };
                    (name.clone(), text)
                }
            };
            let mut value = HeaderValue::from_str(&value).map_err(|_| TransportFailure {
                message: "the credential contains characters that cannot be sent in a header"
                    .into(),
                retryable: false,
            })?;
            value.set_sensitive(true);
            logged_headers.insert(format!("{name}: [redacted]"));
            request = request.header(name, value);
        }
        if let Some(body) = &call.body {
            request = request.body(body.clone());
        }
        let url = redact_url(&call.url);
        self.log(&format!(
            "http {}: > {} {url} [{}]{}",
            self.tenant,
            call.method,
            logged_headers.into_iter().collect::<Vec<_>>().join(", "),
            if attempt > 1 {
                format!(" (attempt {attempt})")
            } else {
                String::new()
            }
        ));
        if let Some(kind) = self.kind {
            requests().made(kind);
        }
        let started = Instant::now();
        let outcome = request.send().and_then(|response| {
            let status = response.status();
            let headers = response.headers().clone();
            response.bytes().map(|body| Response {
                status,
                headers,
                body: body.to_vec(),
                attempts: attempt,
            })
        });
        match outcome {
            Ok(response) => {
                self.log(&format!(
                    "http {}: < {} {url}: {} in {}, {} bytes",
                    self.tenant,
                    call.method,
                    response.status,
                    crate::model::time::format_duration(started.elapsed()),
                    response.body.len()
                ));
                Ok(response)
            }
            Err(error) => {
                let failure = describe_transport(&error, &self.policy);
                self.log(&format!(
                    "http {}: < {} {url}: {} after {}",
                    self.tenant,
                    call.method,
                    failure.message,
                    crate::model::time::format_duration(started.elapsed())
                ));
                Err(failure)
            }
        }
    }

    fn log(&self, line: &str) {
        if let Some(log) = &self.log {
            log(line);
        }
    }

    /// Returns a wait shortened by the retry scale (1, so unchanged, but in a test build).
    pub fn scaled(&self, delay: Duration) -> Duration {
        delay.mul_f64(self.scale)
    }
}

pub(crate) fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

fn describe_transport(error: &reqwest::Error, policy: &Policy) -> TransportFailure {
    if error.is_timeout() {
        return TransportFailure {
            message: format!(
                "no answer within {} (timed out)",
                crate::model::time::format_duration(policy.timeout)
            ),
            retryable: true,
        };
    }
    // The URL is left out: the caller logs it redacted.
    let detail = match std::error::Error::source(error) {
        Some(source) => error_chain(source),
        None => error.to_string(),
    };
    if error.is_connect() {
        return TransportFailure {
            message: format!("cannot connect: {detail}"),
            retryable: true,
        };
    }
    TransportFailure {
        message: format!("the connection failed: {detail}"),
        retryable: error.is_request() || error.is_body(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderMap;

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in [
            "https://scim.example.com/v2",
            "http://127.0.0.1:8080/acme/v2",
            "http://127.9.9.9/x",
            "http://[::1]:80/",
            "http://localhost:1/",
        ] {
            assert!(parse_endpoint(ok).is_ok(), "{ok}");
        }
        let error = parse_endpoint("http://scim.example.com/v2").unwrap_err();
        assert!(error.contains("refusing plain `http://`"), "{error}");
        assert!(parse_endpoint("http://10.0.0.1/").is_err());
        assert!(parse_endpoint("http://localhost.example.com/").is_err());
        assert!(parse_endpoint("ftp://x/").is_err());
    }

    #[test]
    fn loopback_hosts_are_told_from_text() {
        for host in [
            "localhost",
            "LOCALHOST",
            "127.0.0.1",
            "127.9.9.9",
            "::1",
            "[::1]",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in ["10.0.0.1", "localhost.example.com", "dc1.acme.example", ""] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

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
                    policy: Policy {
                        max_concurrent: 1,
                        ..Policy::default()
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

    /// The answers a test server gave: when, and which status.
    type Answers = Arc<Mutex<Vec<(Instant, u16)>>>;

    /// A loopback server that allows `limit` requests per one-second window (the window
    /// starts at the first request after the last one ended) and answers 429 with
    /// `Retry-After: 1` beyond; it records each answer's status and time.
    fn rate_limited_server(limit: usize) -> (u16, Answers) {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let answers: Answers = Arc::default();
        let window: Arc<Mutex<Option<(Instant, usize)>>> = Arc::default();
        let recorded = answers.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (answers, window) = (recorded.clone(), window.clone());
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut stream = stream;
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        while line.trim_end() != "" {
                            line.clear();
                            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                                return;
                            }
                        }
                        let now = Instant::now();
                        let status = {
                            let mut window = window.lock().unwrap();
                            let (start, n) = match *window {
                                Some((start, n)) if now - start < Duration::from_secs(1) => {
                                    (start, n + 1)
                                }
                                _ => (now, 1),
                            };
                            *window = Some((start, n));
                            if n > limit { 429 } else { 200 }
                        };
                        answers.lock().unwrap().push((now, status));
                        let reply = format!(
                            "HTTP/1.1 {status} X\r\nContent-Length: 2\r\nRetry-After: 1\r\n\r\n{{}}"
                        );
                        if stream.write_all(reply.as_bytes()).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        (port, answers)
    }

    #[test]
    fn after_its_first_429_a_tenant_is_paced_and_throttles_no_more() {
        const LIMIT: usize = 20;
        let (port, answers) = rate_limited_server(LIMIT);
        let max_concurrent = 4;
        let client = HttpClient::new(
            "learn-rate/scim",
            &format!("http://127.0.0.1:{port}/"),
            ClientSettings {
                policy: Policy {
                    max_concurrent,
                    min_interval: Duration::from_millis(1),
                    ..Policy::default()
                },
                ..ClientSettings::default()
            },
        )
        .unwrap();
        std::thread::scope(|scope| {
            for _ in 0..max_concurrent {
                scope.spawn(|| {
                    for _ in 0..(3 * LIMIT / max_concurrent) {
                        let response = client.send("read", &Call::get(client.url(&["x"]))).unwrap();
                        assert_eq!(response.status.as_u16(), 200);
                    }
                });
            }
        });
        let answers = answers.lock().unwrap().clone();
        let throttled: Vec<Instant> = answers
            .iter()
            .filter(|(_, status)| *status == 429)
            .map(|(at, _)| *at)
            .collect();
        let first = *throttled.first().expect("the burst is throttled once");
        // Only the requests already in flight when the first 429 came are throttled: none
        // after the tenant's first window.
        assert!(
            throttled.len() <= max_concurrent,
            "{} 429s",
            throttled.len()
        );
        assert!(
            throttled
                .iter()
                .all(|at| *at - first < Duration::from_millis(500)),
            "a 429 after the first window: {throttled:?}"
        );
        let learned = client.budget.learned();
        assert!(
            learned >= Duration::from_secs(1) / LIMIT as u32,
            "learned {learned:?}"
        );
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
