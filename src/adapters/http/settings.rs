//! How an [`HttpClient`](super::HttpClient) is built: timeouts, retries and pacing
//! ([`RetryPolicy`]), authentication, logging and the vendor's error bodies
//! ([`ClientSettings`]).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::Auth;
use crate::model::AdapterKind;

/// Where request and response lines go at `--verbose` (one line per call).
pub type HttpLog = Arc<dyn Fn(&str) + Send + Sync>;

/// Turns a vendor's error body into a clear message, if it is one the adapter knows.
pub type ErrorBodyReader = fn(&[u8]) -> Option<String>;

/// Limits for one tenant's requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
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

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
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

impl RetryPolicy {
    /// Returns the default retry policy with the environment's overrides
    /// (`ONBOARD_HTTP_TIMEOUT`).
    pub fn from_env() -> Result<RetryPolicy, String> {
        let mut retry = RetryPolicy::default();
        if let Some(timeout) = crate::env::http_timeout()? {
            retry.timeout = timeout;
            retry.connect_timeout = retry.connect_timeout.min(timeout);
        }
        Ok(retry)
    }
}

/// How an [`HttpClient`](super::HttpClient) is built, besides its tenant and endpoint. The default: no
/// authentication, no log, no reader of error bodies, the default [`RetryPolicy`], real waits.
#[derive(Clone)]
pub struct ClientSettings {
    /// How requests authenticate.
    pub auth: Option<Auth>,
    /// Where each request and response is logged (`--verbose`).
    pub log: Option<HttpLog>,
    /// Turns the vendor's error bodies into messages.
    pub error_body: ErrorBodyReader,
    /// Timeouts, retries and pacing.
    pub retry: RetryPolicy,
    /// A factor (0 to 1) applied to every retry wait: 1 but in tests.
    pub retry_scale: f64,
    /// The kind of tenant, under which requests are counted ([`super::requests`]); `None`
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
            retry: RetryPolicy::default(),
            retry_scale: 1.0,
            kind: None,
            ca_file: None,
        }
    }
}
