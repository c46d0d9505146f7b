//! The values an HTTP exchange is made of: how a request authenticates ([`Auth`]), the
//! request before it is sent ([`Call`]) and the response ([`Response`]). No I/O here:
//! [`super::HttpClient`] sends them.

use std::fmt;

use reqwest::header::{HeaderMap, HeaderName};
use reqwest::{Method, StatusCode, Url};

use crate::secrets::Secret;

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
    pub(super) method: Method,
    pub(super) url: Url,
    pub(super) headers: Vec<(HeaderName, String)>,
    pub(super) body: Option<Vec<u8>>,
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
