//! The bearer token an adapter mints for itself (Graph's client credentials, an Okta
//! service app, a GitHub App's installation token): held until shortly before it expires,
//! then minted again.

use std::time::{Duration, Instant};

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{Auth, HttpClient, Response};
use crate::adapters::{AdapterError, FailureKind};
use crate::secrets::Secret;

/// A token is minted again this long before it expires.
pub const TOKEN_MARGIN: Duration = Duration::from_secs(300);
/// How long a token whose answer gives no lifetime is taken to last.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

/// When the token an adapter holds must be minted again. The token itself lives in the
/// adapter's [`HttpClient`] (as its [`Auth`]), never here.
#[derive(Debug, Default)]
pub struct TokenCache {
    valid_until: Option<Instant>,
}

impl TokenCache {
    /// Whether a token is held that is good for at least [`TOKEN_MARGIN`] more.
    pub fn is_fresh(&self) -> bool {
        self.valid_until.is_some_and(|until| Instant::now() < until)
    }

    /// Forgets the token held (the tenant refused it), so the next request mints one.
    pub fn clear(&mut self) {
        self.valid_until = None;
    }

    /// Makes `http` send `token` as its bearer token, until [`TOKEN_MARGIN`] before its
    /// `lifetime` (from now) ends; without a lifetime, an hour.
    pub fn store(&mut self, http: &mut HttpClient, token: String, lifetime: Option<Duration>) {
        let lifetime = lifetime.unwrap_or(DEFAULT_LIFETIME);
        http.set_auth(Some(Auth::Bearer(Secret::new(token))));
        self.valid_until = Some(Instant::now() + lifetime.saturating_sub(TOKEN_MARGIN));
    }
}

/// Reads a token endpoint's JSON answer: the token it carries in `field` and how long
/// it lasts (`lifetime_in`), or the error (`Malformed`) that `what` (`the token
/// answer`) has no token.
pub fn token_answer(
    http: &HttpClient,
    operation: &str,
    response: &Response,
    (field, what): (&str, &str),
) -> Result<(String, Option<Duration>), AdapterError> {
    let answer: Value = http.json(operation, response)?;
    let token = token_in(http, operation, &answer, field, what)?;
    Ok((token, lifetime_in(&answer, OffsetDateTime::now_utc())))
}

/// Returns how long the token of a token endpoint's `answer` lasts from `now`: its
/// `expires_in` seconds (OAuth), or until its `expires_at` instant (GitHub); `None`
/// when it says neither.
fn lifetime_in(answer: &Value, now: OffsetDateTime) -> Option<Duration> {
    if let Some(seconds) = answer.get("expires_in").and_then(Value::as_u64) {
        return Some(Duration::from_secs(seconds));
    }
    answer
        .get("expires_at")
        .and_then(Value::as_str)
        .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
        .and_then(|at| Duration::try_from(at - now).ok())
}

/// Returns the token a token endpoint's JSON `answer` carries in `field`, or the error
/// (`Malformed`) that `what` (`the token answer`) has none.
fn token_in(
    http: &HttpClient,
    operation: &str,
    answer: &Value,
    field: &str,
    what: &str,
) -> Result<String, AdapterError> {
    answer
        .get(field)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| {
            http.error(
                operation,
                FailureKind::Malformed,
                format!("{what} has no `{field}`"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_fresh_until_the_margin_before_it_expires() {
        let mut cache = TokenCache::default();
        assert!(!cache.is_fresh());
        let mut http = HttpClient::new("t/x", "http://127.0.0.1:1/", Default::default()).unwrap();
        cache.store(
            &mut http,
            "t".into(),
            Some(TOKEN_MARGIN + Duration::from_secs(60)),
        );
        assert!(cache.is_fresh());
        cache.store(&mut http, "t".into(), Some(TOKEN_MARGIN));
        assert!(!cache.is_fresh(), "inside the margin: minted again");
        cache.store(&mut http, "t".into(), None);
        assert!(cache.is_fresh());
        cache.clear();
        assert!(!cache.is_fresh());
    }

    #[test]
    fn an_answer_without_its_token_is_malformed() {
        let http = HttpClient::new("t/x", "http://127.0.0.1:1/", Default::default()).unwrap();
        let answer = serde_json::json!({ "token": "abc", "expires_at": "later" });
        assert_eq!(
            token_in(&http, "op", &answer, "token", "it").unwrap(),
            "abc"
        );
        let error = token_in(&http, "op", &answer, "access_token", "the token answer").unwrap_err();
        assert_eq!(error.kind, FailureKind::Malformed);
        assert_eq!(error.detail, "the token answer has no `access_token`");
    }

    #[test]
    fn a_token_lasts_its_expires_in_or_until_its_expires_at() {
        let now = OffsetDateTime::parse("2026-11-30T12:00:00Z", &Rfc3339).unwrap();
        let lifetime = |answer| lifetime_in(&answer, now);
        use serde_json::json;
        assert_eq!(
            lifetime(json!({ "expires_in": 3600 })),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(
            lifetime(json!({ "expires_at": "2026-11-30T13:00:00Z" })),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(
            lifetime(json!({ "expires_at": "2026-11-30T11:00:00Z" })),
            None
        );
        assert_eq!(lifetime(json!({ "expires_at": "soon" })), None);
        assert_eq!(lifetime(json!({})), None);
    }
}
