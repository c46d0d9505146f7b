//! Which endpoints a client may talk to: `https://`, or `http://` to loopback only.

use std::net::IpAddr;

use super::Url;
use super::redact::redact_text;

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
}
