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
//! By concept: `settings` (how a client is built: [`RetryPolicy`], [`ClientSettings`]),
//! `endpoint` (the plain-HTTP rule), `client` (the process's shared reqwest client, one
//! [`HttpClient`] per tenant, its URLs and error mapping), `send` (one request and its
//! retry loop); then the budget, the rate-limit and backoff rules, redaction, paging,
//! the request tally and the token cache, each in a submodule of that name. Their public
//! items are re-exported from here.

mod budget;
mod call;
mod client;
mod endpoint;
mod paging;
mod rate_limit;
mod redact;
mod send;
mod settings;
mod tally;
mod token;

use std::fmt;
use std::sync::Arc;

use reqwest::blocking::Client;
pub use reqwest::{Method, StatusCode, Url};

use self::budget::Budget;
pub use self::call::{Auth, Call, Response};
pub use self::endpoint::{is_loopback, is_loopback_host, parse_endpoint};
pub use self::paging::{IndexPage, collect_indexed, collect_linked, link_next, odata_next_link};
pub use self::rate_limit::{pacing, requested_delay};
pub use self::redact::redact_url;
pub(crate) use self::send::error_chain;
pub use self::settings::{ClientSettings, ErrorBodyReader, HttpLog, RetryPolicy};
pub use self::tally::{Counts, RequestTally, requests};
pub use self::token::{TOKEN_MARGIN, TokenCache, token_answer};
use crate::model::AdapterKind;

/// A client for one tenant's HTTP API.
pub struct HttpClient {
    tenant: String,
    base: Url,
    inner: Client,
    auth: Option<Auth>,
    log: Option<HttpLog>,
    error_body: ErrorBodyReader,
    budget: Arc<Budget>,
    retry: RetryPolicy,
    scale: f64,
    kind: Option<AdapterKind>,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("tenant", &self.tenant)
            .field("base", &redact_url(&self.base))
            .field("auth", &self.auth)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}
