//! Redaction for logs and messages: URLs without passwords or secret-looking query
//! values, and the names of headers and parameters that carry secrets.

use super::Url;

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
pub(super) fn redact_text(text: &str) -> String {
    Url::parse(text).map_or_else(|_| "…".to_string(), |u| redact_url(&u))
}

/// Returns whether a header or query parameter name looks like it carries a secret.
pub(super) fn is_secret_name(name: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redacted_for_logs() {
        let url = Url::parse("https://user:hunter2@h/p?access_token=abc&filter=x&client_secret=s")
            .unwrap();
        let text = redact_url(&url);
        assert!(!text.contains("hunter2") && !text.contains("abc"), "{text}");
        assert!(!text.contains("=s&") && !text.ends_with("=s"), "{text}");
        assert!(text.contains("filter=x"), "{text}");
    }
}
