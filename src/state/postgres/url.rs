//! The database URL: parsed from the secret a `[state] url` credential reference names,
//! its TLS options (`sslmode`, `sslrootcert`) taken out and honoured here, and a
//! redacted form (no password) for messages and `onboard state status`.

use std::path::PathBuf;
use std::str::FromStr;

use postgres::config::{Host, SslMode};

use super::PgError;
use crate::secrets::Secret;

/// How the connection is protected (`sslmode=` in the URL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    /// `disable`: plain TCP; loopback hosts and Unix sockets only.
    Disable,
    /// `prefer`: TLS when the server offers it (its certificate verified), else plain;
    /// the default for loopback hosts.
    Prefer,
    /// `require` or `verify-full`: TLS, the certificate verified against the roots and
    /// the host name; the default for every other host.
    Require,
}

impl Tls {
    /// Returns the `sslmode` value this mode is written as.
    pub fn name(self) -> &'static str {
        match self {
            Tls::Disable => "disable",
            Tls::Prefer => "prefer",
            Tls::Require => "verify-full",
        }
    }
}

/// A parsed database URL. Its `Debug` never shows the password.
pub struct DatabaseUrl {
    /// The connection settings (password included) for the client.
    pub(super) config: postgres::Config,
    /// How the connection is protected.
    pub tls: Tls,
    /// `sslrootcert=`: the PEM file of the CA(s) to trust instead of the platform's roots.
    pub ca_file: Option<PathBuf>,
    /// `user@host:port/dbname`, for messages.
    pub redacted: String,
    /// `host:port` (the first host), for messages.
    pub target: String,
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseUrl")
            .field("url", &self.redacted)
            .field("tls", &self.tls)
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

impl DatabaseUrl {
    /// Parses `postgres://user:password@host:port/dbname?sslmode=…&sslrootcert=…`.
    /// `reference` (`env:ONBOARD_DATABASE_URL`) is named in errors, never the URL.
    /// `root` is the workspace root, against which a relative `sslrootcert` resolves.
    pub fn parse(
        secret: &Secret,
        reference: &str,
        root: &std::path::Path,
    ) -> Result<Self, PgError> {
        let bad = |detail: String| PgError::BadUrl {
            reference: reference.to_string(),
            detail,
        };
        let text = secret.expose();
        let mut url = url::Url::parse(text).map_err(|e| bad(format!("it is not a URL ({e})")))?;
        if url.scheme() != "postgres" && url.scheme() != "postgresql" {
            return Err(bad(format!(
                "its scheme is `{}`, not `postgres://` or `postgresql://`",
                url.scheme()
            )));
        }
        if let Some(password) = url.password() {
            // Registered, so that any message carrying it is scrubbed before printing.
            let _ = Secret::new(password.to_string());
            if let Ok(decoded) = percent_encoding::percent_decode_str(password).decode_utf8() {
                let _ = Secret::new(decoded.into_owned());
            }
        }
        let mut sslmode = None;
        let mut ca_file = None;
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter_map(|(key, value)| match key.as_ref() {
                "sslmode" => {
                    sslmode = Some(value.into_owned());
                    None
                }
                "sslrootcert" => {
                    ca_file = Some(root.join(value.as_ref()));
                    None
                }
                _ => Some((key.into_owned(), value.into_owned())),
            })
            .collect();
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
        let mut config = postgres::Config::from_str(url.as_str())
            .map_err(|e| bad(crate::secrets::scrub(&e.to_string()).into_owned()))?;
        let hosts = config.get_hosts().to_vec();
        let Some(first) = hosts.first() else {
            return Err(bad("it names no host".into()));
        };
        let loopback = hosts.iter().all(is_loopback);
        let tls = match sslmode.as_deref() {
            None if loopback => Tls::Prefer,
            None => Tls::Require,
            Some("disable") if loopback => Tls::Disable,
            Some("disable") => {
                return Err(bad(
                    "`sslmode=disable` is allowed only for a loopback host or a Unix socket".into(),
                ));
            }
            Some("prefer" | "allow") => Tls::Prefer,
            Some("require" | "verify-full") => Tls::Require,
            Some("verify-ca") => {
                return Err(bad(
                    "`sslmode=verify-ca` is not supported: use `verify-full` (the certificate and the host name are checked)".into(),
                ));
            }
            Some(other) => {
                return Err(bad(format!(
                    "`sslmode={other}` is not one of `disable`, `prefer`, `require`, `verify-full`"
                )));
            }
        };
        config.ssl_mode(match tls {
            Tls::Disable => SslMode::Disable,
            Tls::Prefer => SslMode::Prefer,
            Tls::Require => SslMode::Require,
        });
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(std::time::Duration::from_secs(10));
        }
        if config.get_application_name().is_none() {
            config.application_name("onboard");
        }
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let host = match first {
            Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            Host::Unix(path) => path.display().to_string(),
        };
        let target = format!("{host}:{port}");
        let user = config.get_user().unwrap_or("").to_string();
        let dbname = config.get_dbname().unwrap_or(&user).to_string();
        let redacted = if user.is_empty() {
            format!("postgres://{target}/{dbname}")
        } else {
            format!("postgres://{user}@{target}/{dbname}")
        };
        Ok(DatabaseUrl {
            config,
            tls,
            ca_file,
            redacted,
            target,
        })
    }
}

fn is_loopback(host: &Host) -> bool {
    match host {
        Host::Tcp(name) => {
            name == "localhost"
                || name
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        #[cfg(unix)]
        Host::Unix(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<DatabaseUrl, PgError> {
        DatabaseUrl::parse(
            &Secret::new(text),
            "env:ONBOARD_DATABASE_URL",
            std::path::Path::new("/ws"),
        )
    }

    #[test]
    fn the_password_is_never_in_the_redacted_form_or_debug() {
        let url = parse("postgres://tech:pa%40ss-unit-1@db.example:6543/onboard?sslmode=require")
            .unwrap();
        assert_eq!(url.redacted, "postgres://tech@db.example:6543/onboard");
        assert_eq!(url.target, "db.example:6543");
        assert_eq!(url.tls, Tls::Require);
        let debug = format!("{url:?}");
        assert!(!debug.contains("pa%40ss-unit-1") && !debug.contains("pa@ss-unit-1"));
        // Registered: any message carrying it is scrubbed.
        assert!(!crate::secrets::scrub("x pa@ss-unit-1 y").contains("pa@ss-unit-1"));
    }

    #[test]
    fn tls_defaults_to_verified_away_from_loopback_and_disable_is_loopback_only() {
        assert_eq!(
            parse("postgres://u@db.example/x").unwrap().tls,
            Tls::Require
        );
        assert_eq!(parse("postgres://u@127.0.0.1/x").unwrap().tls, Tls::Prefer);
        assert_eq!(
            parse("postgres://u@localhost/x?sslmode=disable")
                .unwrap()
                .tls,
            Tls::Disable
        );
        let error = parse("postgres://u@db.example/x?sslmode=disable").unwrap_err();
        assert!(error.to_string().contains("loopback"), "{error}");
        let error = parse("postgres://u@db.example/x?sslmode=verify-ca").unwrap_err();
        assert!(error.to_string().contains("verify-full"), "{error}");
        let url =
            parse("postgres://u@db.example/x?sslmode=verify-full&sslrootcert=ca.pem").unwrap();
        assert_eq!(
            url.ca_file.as_deref(),
            Some(std::path::Path::new("/ws/ca.pem"))
        );
    }

    #[test]
    fn errors_name_the_reference_never_the_url() {
        let error = parse("mysql://u:hunter2-unit@h/x").unwrap_err();
        let text = error.to_string();
        assert!(text.contains("env:ONBOARD_DATABASE_URL"), "{text}");
        assert!(!text.contains("hunter2-unit"), "{text}");
        let error = parse("postgres://u:hunter3-unit@h/x?bogus=1").unwrap_err();
        assert!(!error.to_string().contains("hunter3-unit"), "{error}");
    }
}
