//! When to retry and how long to wait: retryable statuses, rate-limited 403s, the
//! waits a tenant asks for (`Retry-After`, reset headers), pacing before a window
//! runs out, and exponential backoff with jitter.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;

use super::{Response, RetryPolicy, StatusCode};

impl RetryPolicy {
    /// Returns the exponential backoff before retry `attempt` (1-based), with jitter
    /// between half and all of it so that tenants' clients do not retry in step.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exponential = self
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
            .min(self.max_delay);
        let jitter = 0.5 + 0.5 * random_fraction();
        exponential.mul_f64(jitter)
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
pub(super) fn is_retryable(response: &Response) -> bool {
    is_retryable_status(response.status) || is_rate_limited_403(response.status, &response.headers)
}

/// Returns whether a 403 carries the headers of a rate limit rather than a refusal.
pub(super) fn is_rate_limited_403(status: StatusCode, headers: &HeaderMap) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::http::RetryPolicy;

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
    fn backoff_grows_and_is_capped() {
        let retry = RetryPolicy::default();
        for attempt in 1..10 {
            let delay = retry.backoff(attempt);
            let full = RetryPolicy::default()
                .base_delay
                .saturating_mul(1 << (attempt - 1))
                .min(RetryPolicy::default().max_delay);
            assert!(delay <= full && delay >= full / 2, "{attempt}: {delay:?}");
        }
    }
}
