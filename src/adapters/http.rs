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
//!   attempts and in total time. `ONBOARD_TEST_RETRY_SCALE` shrinks every wait in tests.
//!   Every request is retried whatever its method: adapters only send requests whose
//!   repetition converges (adding a member twice, removing it twice);
//! - a per-tenant budget (at most N requests in flight, a minimum interval between
//!   starts), shared by every thread of the process that talks to the same endpoint, and
//!   paused for everyone when the tenant asks to wait;
//! - logging of each request and response at `--verbose`, with credentials, secret query
//!   parameters and URL passwords redacted; bodies are never logged;
//! - paging helpers: by index (SCIM `startIndex`/`count`) and by next link (Graph
//!   `@odata.nextLink`, `Link: <…>; rel="next"` for Okta and GitHub). A page that fails
//!   after retries fails the whole read: never a short list.
//!
//! It must not know any vendor's semantics beyond those headers.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::net::IpAddr;
use std::sync::{Arc, Condvar, Mutex, Once, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::blocking::Client;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
pub use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;

use super::{AdapterError, FailureKind};
use crate::secrets::Secret;

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

/// How requests authenticate.
#[derive(Clone)]
pub enum Auth {
    /// `Authorization: Bearer TOKEN`.
    Bearer(Secret),
    /// Another header carrying a secret (`Authorization: SSWS …` for Okta).
    Header {
        /// The header's name.
        name: HeaderName,
        /// The scheme written before the secret (`SSWS`), or empty.
        scheme: &'static str,
        /// The secret.
        value: Secret,
    },
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Bearer(_) => f.write_str("Bearer [redacted]"),
            Auth::Header { name, scheme, .. } => write!(f, "{name}: {scheme} [redacted]"),
        }
    }
}

/// One HTTP request, before it is sent.
#[derive(Debug, Clone)]
pub struct Call {
    method: Method,
    url: Url,
    headers: Vec<(HeaderName, String)>,
    body: Option<Vec<u8>>,
}

impl Call {
    /// Returns a request with no body.
    pub fn new(method: Method, url: Url) -> Self {
        Call {
            method,
            url,
            headers: Vec::new(),
            body: None,
        }
    }

    /// Returns a GET request.
    pub fn get(url: Url) -> Self {
        Call::new(Method::GET, url)
    }

    /// Adds a header. Never put a secret here: use [`Auth`].
    pub fn header(mut self, name: HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Sets a JSON body with its media type (`application/json`,
    /// `application/scim+json`…).
    pub fn json(mut self, body: &serde_json::Value, content_type: &str) -> Self {
        self.headers
            .push((reqwest::header::CONTENT_TYPE, content_type.to_string()));
        self.body = Some(body.to_string().into_bytes());
        self
    }

    /// Sets a form body (`application/x-www-form-urlencoded`), as OAuth token endpoints
    /// take. Bodies are never logged, so a client secret may travel here.
    pub fn form(mut self, pairs: &[(&str, &str)]) -> Self {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        self.headers.push((
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded".to_string(),
        ));
        self.body = Some(body.into_bytes());
        self
    }

    /// Sets an empty body with `Content-Length: 0`, which some APIs require on a PUT or
    /// POST without content (Okta answers 411 otherwise).
    pub fn empty_body(mut self) -> Self {
        self.body = Some(Vec::new());
        self
    }

    /// Returns whether the request changes something (any method but GET, HEAD,
    /// OPTIONS).
    pub fn is_write(&self) -> bool {
        !matches!(self.method, Method::GET | Method::HEAD | Method::OPTIONS)
    }

    /// Returns the method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// Returns the URL.
    pub fn url(&self) -> &Url {
        &self.url
    }
}

/// A response, whatever its status.
#[derive(Debug)]
pub struct Response {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Vec<u8>,
    /// How many attempts it took.
    pub attempts: u32,
}

impl Response {
    /// Returns whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    /// Returns a header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
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

/// Returns whether a URL's host is on loopback.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
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

/// A URL as it may be logged: no password, secret-looking query values replaced.
pub fn redact_url(url: &Url) -> String {
    let mut url = url.clone();
    if url.password().is_some() {
        let _ = url.set_password(Some("[redacted]"));
    }
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let value = if is_secret_name(&k) {
                    "[redacted]".to_string()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), value)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

/// Redacts a URL given as text (used in error messages about endpoints).
fn redact_text(text: &str) -> String {
    Url::parse(text).map_or_else(|_| "…".to_string(), |u| redact_url(&u))
}

/// Returns whether a header or query parameter name looks like it carries a secret.
fn is_secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "authorization",
        "cookie",
        "token",
        "secret",
        "password",
        "passwd",
        "api-key",
        "apikey",
        "api_key",
        "signature",
        "sig",
        "code",
        "assertion",
    ]
    .iter()
    .any(|s| name == *s || name.contains(s))
}

/// Which requests may be in flight to one tenant, and when the next may start.
struct Budget {
    state: Mutex<BudgetState>,
    freed: Condvar,
    max_concurrent: usize,
    min_interval: Duration,
}

struct BudgetState {
    in_flight: usize,
    next_start: Instant,
}

struct Permit<'a>(&'a Budget);

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut state = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
        state.in_flight = state.in_flight.saturating_sub(1);
        self.0.freed.notify_one();
    }
}

impl Budget {
    /// Returns the budget shared by every client of one endpoint in this process.
    fn shared(key: &str, policy: &Policy) -> Arc<Budget> {
        static BUDGETS: OnceLock<Mutex<HashMap<String, Arc<Budget>>>> = OnceLock::new();
        let mut budgets = BUDGETS
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        budgets
            .entry(key.to_string())
            .or_insert_with(|| {
                Arc::new(Budget {
                    state: Mutex::new(BudgetState {
                        in_flight: 0,
                        next_start: Instant::now(),
                    }),
                    freed: Condvar::new(),
                    max_concurrent: policy.max_concurrent.max(1),
                    min_interval: policy.min_interval,
                })
            })
            .clone()
    }

    /// Waits for a free slot and the tenant's next start time.
    fn acquire(&self) -> Permit<'_> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        while state.in_flight >= self.max_concurrent {
            state = self.freed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        let now = Instant::now();
        let start = state.next_start.max(now);
        state.next_start = start + self.min_interval;
        state.in_flight += 1;
        drop(state);
        std::thread::sleep(start - now);
        Permit(self)
    }

    /// Makes every request to the tenant wait until `until` (it asked to slow down).
    fn pause_until(&self, until: Instant) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.next_start = state.next_start.max(until);
    }
}

/// What went wrong with one attempt that got no response.
struct TransportFailure {
    message: String,
    retryable: bool,
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
    /// lives at `endpoint`. `error_body` turns the vendor's error bodies into messages.
    pub fn new(
        tenant: &str,
        endpoint: &str,
        auth: Option<Auth>,
        log: Option<HttpLog>,
        error_body: ErrorBodyReader,
        policy: Policy,
    ) -> Result<HttpClient, AdapterError> {
        let config_error = |detail: String| {
            AdapterError::new(tenant, "connect", FailureKind::Rejected, detail)
                .with_hint("fix the tenant's `endpoint` in the client file")
        };
        let mut base = parse_endpoint(endpoint).map_err(config_error)?;
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let scale = crate::env::retry_scale()
            .map_err(|e| AdapterError::new(tenant, "connect", FailureKind::Rejected, e))?;
        install_crypto_provider();
        let inner = Client::builder()
            .connect_timeout(policy.connect_timeout)
            .timeout(policy.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("onboard/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                AdapterError::new(
                    tenant,
                    "connect",
                    FailureKind::Unreachable,
                    format!("cannot set up HTTPS: {}", error_chain(&e.without_url())),
                )
            })?;
        let budget = Budget::shared(base.as_str(), &policy);
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
        })
    }

    /// Replaces how requests authenticate (a refreshed OAuth token).
    pub fn set_auth(&mut self, auth: Option<Auth>) {
        self.auth = auth;
    }

    /// Returns the tenant's name (`client/tenant`).
    pub fn tenant(&self) -> &str {
        &self.tenant
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

    /// Returns the error for a response that is not a success: its status, the vendor's
    /// message, and how many attempts were made.
    pub fn status_error(&self, operation: &str, response: &Response) -> AdapterError {
        let status = response.status;
        let kind = match status.as_u16() {
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
            401 => error.with_hint("the tenant refused the credential: check that the token in the tenant's `credential` reference is current"),
            403 => error.with_hint("the credential lacks a permission this operation needs"),
            429 => error.with_hint("the tenant is rate limiting onboard: run again later"),
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
            let result = {
                let _permit = self.budget.acquire();
                self.send_once(call, attempt)
            };
            let (reason, asked) = match result {
                Ok(mut response) => {
                    if !is_retryable(&response) {
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
            let delay = self.scaled(asked.unwrap_or_else(|| self.backoff(attempt)));
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
            if asked.is_some() {
                self.budget.pause_until(Instant::now() + delay);
            }
            self.log(&format!(
                "http {}: {reason}; retrying {} {} in {} ms (attempt {} of {})",
                self.tenant,
                call.method,
                redact_url(&call.url),
                delay.as_millis(),
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
                    "http {}: < {} {url}: {} in {} ms, {} bytes",
                    self.tenant,
                    call.method,
                    response.status,
                    started.elapsed().as_millis(),
                    response.body.len()
                ));
                Ok(response)
            }
            Err(error) => {
                let failure = describe_transport(&error, &self.policy);
                self.log(&format!(
                    "http {}: < {} {url}: {} after {} ms",
                    self.tenant,
                    call.method,
                    failure.message,
                    started.elapsed().as_millis()
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

    /// Returns the exponential backoff before retry `attempt` (1-based), with jitter
    /// between half and all of it so that tenants' clients do not retry in step.
    fn backoff(&self, attempt: u32) -> Duration {
        let exponential = self
            .policy
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
            .min(self.policy.max_delay);
        let jitter = 0.5 + 0.5 * random_fraction();
        exponential.mul_f64(jitter)
    }

    /// Returns a wait shortened by `ONBOARD_TEST_RETRY_SCALE` (unchanged in real use).
    pub fn scaled(&self, delay: Duration) -> Duration {
        delay.mul_f64(self.scale)
    }
}

/// Returns a number in [0, 1) that differs between calls (for jitter only).
fn random_fraction() -> f64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 429 | 500 | 502 | 503 | 504)
        || (status.is_server_error() && !matches!(status.as_u16(), 501 | 505))
}

/// Returns whether a response asks to be retried: a transient status, or a 403 that is a
/// rate limit (GitHub answers 403 with `retry-after`, or with
/// `x-ratelimit-remaining: 0`), so that such a 403 is never taken for a refusal.
fn is_retryable(response: &Response) -> bool {
    is_retryable_status(response.status) || is_rate_limited_403(response.status, &response.headers)
}

/// Returns whether a 403 carries the headers of a rate limit rather than a refusal.
pub fn is_rate_limited_403(status: StatusCode, headers: &HeaderMap) -> bool {
    status == StatusCode::FORBIDDEN
        && (headers.contains_key("retry-after") || rate_limit_remaining(headers) == Some(0))
}

/// Returns the requests left in the current window (`X-Rate-Limit-Remaining`,
/// `x-ratelimit-remaining`).
fn rate_limit_remaining(headers: &HeaderMap) -> Option<u64> {
    ["x-rate-limit-remaining", "x-ratelimit-remaining"]
        .iter()
        .find_map(|name| headers.get(*name)?.to_str().ok()?.trim().parse().ok())
}

/// Returns how long to hold the next request so that a tenant's rate-limit window
/// (`X-Rate-Limit-Limit/Remaining/Reset`, `x-ratelimit-limit/remaining/reset`, reset in
/// epoch seconds) is not exceeded: when nothing remains, until the reset; when less
/// than a tenth remains, the rest of the window shared out between the requests left.
/// `None` when the headers are absent or there is room.
pub fn pacing(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let number = |names: [&str; 2]| -> Option<u64> {
        names
            .iter()
            .find_map(|name| headers.get(*name)?.to_str().ok()?.trim().parse().ok())
    };
    let remaining = rate_limit_remaining(headers)?;
    let limit = number(["x-rate-limit-limit", "x-ratelimit-limit"])?;
    let reset = number(["x-rate-limit-reset", "x-ratelimit-reset"])?;
    let until_reset = (UNIX_EPOCH + Duration::from_secs(reset))
        .duration_since(now)
        .unwrap_or(Duration::ZERO);
    if remaining == 0 {
        // A little past the reset: the tenant's clock and ours are not the same clock.
        return Some(until_reset + Duration::from_millis(25));
    }
    if remaining.saturating_mul(10) < limit {
        let share = until_reset / u32::try_from(remaining + 1).unwrap_or(u32::MAX);
        return (!share.is_zero()).then_some(share);
    }
    None
}

/// Returns how long the tenant asked to wait: `Retry-After` (seconds or an HTTP date),
/// else a rate-limit reset header (epoch seconds). `None` when it asked nothing usable.
pub fn requested_delay(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(value) = text("retry-after") {
        if let Ok(seconds) = value.parse::<u64>() {
            return Some(Duration::from_secs(seconds));
        }
        if let Ok(at) = httpdate::parse_http_date(value) {
            return Some(at.duration_since(now).unwrap_or(Duration::ZERO));
        }
    }
    // Header names are case-insensitive: this covers `X-Rate-Limit-Reset` (Okta) and
    // `x-ratelimit-reset` (GitHub).
    for name in ["x-rate-limit-reset", "x-ratelimit-reset"] {
        if let Some(epoch) = text(name).and_then(|v| v.parse::<u64>().ok()) {
            let at = UNIX_EPOCH + Duration::from_secs(epoch);
            return Some(at.duration_since(now).unwrap_or(Duration::ZERO));
        }
    }
    None
}

fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
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
                humantime::format_duration(policy.timeout)
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

/// One page of a collection paged by index (SCIM `startIndex`/`count`).
#[derive(Debug)]
pub struct IndexPage<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// The total the server reports for the whole collection.
    pub total: usize,
}

/// Collects every item of a collection paged by 1-based index: `fetch(start, count)`
/// returns one page. A page that fails fails the whole read; a server that stops
/// returning items before its reported total is an error (a partial read), never a
/// short list. `max_items` bounds the loop.
pub fn collect_indexed<T>(
    client: &HttpClient,
    operation: &str,
    page_size: usize,
    max_items: usize,
    mut fetch: impl FnMut(usize, usize) -> Result<IndexPage<T>, AdapterError>,
) -> Result<Vec<T>, AdapterError> {
    let mut items = Vec::new();
    let mut start = 1;
    loop {
        let page = fetch(start, page_size)?;
        let got = page.items.len();
        items.extend(page.items);
        if items.len() >= page.total {
            return Ok(items);
        }
        if got == 0 {
            return Err(client.error(
                operation,
                FailureKind::Malformed,
                format!(
                    "the tenant reported {} results but returned only {} (a partial read)",
                    page.total,
                    items.len()
                ),
            ));
        }
        if items.len() > max_items {
            return Err(client.error(
                operation,
                FailureKind::Malformed,
                format!("more than {max_items} results: refusing to read further"),
            ));
        }
        start += got;
    }
}

/// Collects every item of a collection paged by next links (`@odata.nextLink`,
/// `Link: rel="next"`): `fetch(url)` returns one page's items and the next page's URL.
/// A link must stay on the tenant's host; a repeated link or more than `max_pages`
/// pages is an error.
pub fn collect_linked<T>(
    client: &HttpClient,
    operation: &str,
    first: Url,
    max_pages: usize,
    mut fetch: impl FnMut(&Url) -> Result<(Vec<T>, Option<String>), AdapterError>,
) -> Result<Vec<T>, AdapterError> {
    let mut items = Vec::new();
    let mut seen = BTreeSet::new();
    let mut next = Some(first);
    while let Some(url) = next.take() {
        if !seen.insert(url.to_string()) || seen.len() > max_pages {
            return Err(client.error(
                operation,
                FailureKind::Malformed,
                "the tenant's next-page links loop or never end",
            ));
        }
        let (page, link) = fetch(&url)?;
        items.extend(page);
        if let Some(link) = link {
            let url = url.join(&link).map_err(|e| {
                client.error(
                    operation,
                    FailureKind::Malformed,
                    format!("the next-page link is not a URL: {e}"),
                )
            })?;
            if url.origin() != client.base().origin() {
                return Err(client.error(
                    operation,
                    FailureKind::Malformed,
                    format!(
                        "the next-page link leads to another host (`{}`): refusing to send the credential there",
                        url.host_str().unwrap_or_default()
                    ),
                ));
            }
            next = Some(url);
        }
    }
    Ok(items)
}

/// Returns the `rel="next"` target of `Link` headers (Okta, GitHub).
pub fn link_next(headers: &HeaderMap) -> Option<String> {
    for value in headers.get_all(reqwest::header::LINK) {
        let Ok(value) = value.to_str() else { continue };
        for part in value.split(',') {
            let mut pieces = part.split(';');
            let target = pieces.next()?.trim();
            let is_next = pieces.any(|p| {
                let p = p.trim().to_ascii_lowercase().replace(' ', "");
                p == "rel=\"next\"" || p == "rel=next"
            });
            if is_next && target.starts_with('<') && target.ends_with('>') {
                return Some(target[1..target.len() - 1].to_string());
            }
        }
    }
    None
}

/// Returns the `@odata.nextLink` of a Graph collection page.
pub fn odata_next_link(body: &serde_json::Value) -> Option<String> {
    body.get("@odata.nextLink")?.as_str().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn urls_are_redacted_for_logs() {
        let url = Url::parse("https://user:hunter2@h/p?access_token=abc&filter=x&client_secret=s")
            .unwrap();
        let text = redact_url(&url);
        assert!(!text.contains("hunter2") && !text.contains("abc"), "{text}");
        assert!(!text.contains("=s&") && !text.ends_with("=s"), "{text}");
        assert!(text.contains("filter=x"), "{text}");
    }

    #[test]
    fn requested_delay_prefers_retry_after_then_reset_headers() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut headers = HeaderMap::new();
        assert_eq!(requested_delay(&headers, now), None);
        headers.insert("x-ratelimit-reset", "1700000007".parse().unwrap());
        assert_eq!(requested_delay(&headers, now), Some(Duration::from_secs(7)));
        headers.insert("X-Rate-Limit-Reset", "1700000009".parse().unwrap());
        assert_eq!(requested_delay(&headers, now), Some(Duration::from_secs(9)));
        headers.insert("retry-after", "3".parse().unwrap());
        assert_eq!(requested_delay(&headers, now), Some(Duration::from_secs(3)));
        let date = httpdate::fmt_http_date(now + Duration::from_secs(12));
        headers.insert("retry-after", date.parse().unwrap());
        assert_eq!(
            requested_delay(&headers, now),
            Some(Duration::from_secs(12))
        );
        headers.insert(
            "retry-after",
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(requested_delay(&headers, now), Some(Duration::ZERO));
    }

    #[test]
    fn rate_limit_headers_pace_before_the_window_runs_out() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let headers = |limit: &str, remaining: &str, reset: &str| {
            let mut h = HeaderMap::new();
            h.insert("x-rate-limit-limit", limit.parse().unwrap());
            h.insert("x-rate-limit-remaining", remaining.parse().unwrap());
            h.insert("x-rate-limit-reset", reset.parse().unwrap());
            h
        };
        assert_eq!(pacing(&headers("100", "50", "1700000010"), now), None);
        assert_eq!(pacing(&HeaderMap::new(), now), None);
        // Nothing left: wait for the reset (and a little more).
        assert_eq!(
            pacing(&headers("100", "0", "1700000002"), now),
            Some(Duration::from_millis(2025))
        );
        // Less than a tenth left: share the rest of the window out.
        assert_eq!(
            pacing(&headers("100", "4", "1700000010"), now),
            Some(Duration::from_secs(2))
        );
        // GitHub's spelling.
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-limit", "5000".parse().unwrap());
        h.insert("x-ratelimit-remaining", "0".parse().unwrap());
        h.insert("x-ratelimit-reset", "1700000001".parse().unwrap());
        assert_eq!(pacing(&h, now), Some(Duration::from_millis(1025)));
        assert!(is_rate_limited_403(StatusCode::FORBIDDEN, &h));
        assert!(!is_rate_limited_403(
            StatusCode::FORBIDDEN,
            &HeaderMap::new()
        ));
        assert!(!is_rate_limited_403(StatusCode::NOT_FOUND, &h));
    }

    #[test]
    fn link_headers_give_the_next_page() {
        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::LINK,
            "<https://h/api/v1/groups?after=1>; rel=\"self\", <https://h/api/v1/groups?after=2&limit=200>; rel=\"next\""
                .parse()
                .unwrap(),
        );
        assert_eq!(
            link_next(&headers).as_deref(),
            Some("https://h/api/v1/groups?after=2&limit=200")
        );
        headers.insert(
            reqwest::header::LINK,
            "<https://h/x>; rel=\"prev\"".parse().unwrap(),
        );
        assert_eq!(link_next(&headers), None);
        let body =
            serde_json::json!({"value": [], "@odata.nextLink": "https://g/v1.0/x?$skiptoken=a"});
        assert_eq!(
            odata_next_link(&body).as_deref(),
            Some("https://g/v1.0/x?$skiptoken=a")
        );
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let client = HttpClient::new(
            "t/x",
            "https://example.invalid/v2",
            None,
            None,
            |_| None,
            Policy::default(),
        )
        .unwrap();
        for attempt in 1..10 {
            let delay = client.backoff(attempt);
            let full = Policy::default()
                .base_delay
                .saturating_mul(1 << (attempt - 1))
                .min(Policy::default().max_delay);
            assert!(delay <= full && delay >= full / 2, "{attempt}: {delay:?}");
        }
    }

    #[test]
    fn urls_keep_the_base_path_and_encode_segments() {
        let client = HttpClient::new(
            "t/x",
            "http://127.0.0.1:1/acme/v2",
            None,
            None,
            |_| None,
            Policy::default(),
        )
        .unwrap();
        assert_eq!(
            client.url(&["Groups", "a b/c"]).as_str(),
            "http://127.0.0.1:1/acme/v2/Groups/a%20b%2Fc"
        );
    }

    fn offline_client() -> HttpClient {
        HttpClient::new(
            "t/x",
            "https://tenant.example/api",
            None,
            None,
            |_| None,
            Policy::default(),
        )
        .unwrap()
    }

    #[test]
    fn index_paging_reads_every_page_and_refuses_a_short_read() {
        let client = offline_client();
        let all: Vec<u32> = (1..=250).collect();
        let mut calls = Vec::new();
        let read = collect_indexed(&client, "list", 100, 10_000, |start, count| {
            calls.push((start, count));
            let items = all.iter().skip(start - 1).take(count).copied().collect();
            Ok(IndexPage { items, total: 250 })
        })
        .unwrap();
        assert_eq!(read, all);
        assert_eq!(calls, [(1, 100), (101, 100), (201, 100)]);
        // A server returning fewer items per page than asked is followed by index.
        let read = collect_indexed(&client, "list", 100, 10_000, |start, _| {
            let items = all.iter().skip(start - 1).take(30).copied().collect();
            Ok(IndexPage { items, total: 250 })
        })
        .unwrap();
        assert_eq!(read.len(), 250);
        // Running dry before the reported total is a partial read: an error.
        let error = collect_indexed(&client, "list", 100, 10_000, |start, count| {
            let items = all
                .iter()
                .skip(start - 1)
                .take(count)
                .copied()
                .filter(|n| *n <= 150)
                .collect();
            Ok(IndexPage { items, total: 250 })
        })
        .unwrap_err();
        assert!(error.detail.contains("partial read"), "{error}");
        // A page that fails fails the read.
        let error = collect_indexed(&client, "list", 100, 10_000, |start, count| {
            if start > 1 {
                return Err(client.error("list", FailureKind::Unreachable, "HTTP 503"));
            }
            let items = all.iter().take(count).copied().collect();
            Ok(IndexPage { items, total: 250 })
        })
        .unwrap_err();
        assert_eq!(error.kind, FailureKind::Unreachable);
    }

    #[test]
    fn link_paging_follows_next_links_on_the_same_host_only() {
        let client = offline_client();
        let first = client.url(&["groups"]);
        let read = collect_linked(&client, "list", first.clone(), 100, |url| {
            Ok(match url.query() {
                None => (vec![1, 2], Some("groups?after=2".to_string())),
                Some("after=2") => (
                    vec![3],
                    Some("https://tenant.example/api/groups?after=3".into()),
                ),
                _ => (vec![4], None),
            })
        })
        .unwrap();
        assert_eq!(read, [1, 2, 3, 4]);
        let error = collect_linked(&client, "list", first.clone(), 100, |_| {
            Ok((vec![1], Some("https://elsewhere.example/steal".to_string())))
        })
        .unwrap_err();
        assert!(error.detail.contains("another host"), "{error}");
        let error = collect_linked(&client, "list", first, 100, |url| {
            Ok((vec![1], Some(url.to_string())))
        })
        .unwrap_err();
        assert!(error.detail.contains("loop"), "{error}");
    }

    #[test]
    fn the_budget_spaces_requests_to_one_tenant() {
        let policy = Policy {
            min_interval: Duration::from_millis(30),
            max_concurrent: 1,
            ..Policy::default()
        };
        let budget = Budget::shared("unit-test-budget", &policy);
        let started = Instant::now();
        for _ in 0..4 {
            let _permit = budget.acquire();
        }
        assert!(started.elapsed() >= Duration::from_millis(90));
    }
}
