//! The bearer token an adapter mints for itself (Graph's client credentials, an Okta
//! service app, a GitHub App's installation token): held until shortly before it expires,
//! then minted again.

use std::time::{Duration, Instant};

use super::{Auth, HttpClient};
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
}
