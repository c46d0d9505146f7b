//! Workspace settings from `onboard.toml`.

use std::sync::Arc;

use serde::Deserialize;

use super::{CredentialRef, Diagnostic, Origin};

/// Settings read from `onboard.toml`, with defaults filled in. Paths are as written,
/// relative to the workspace root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Bundle libraries, searched recursively for `*.yaml`.
    pub bundle_paths: Vec<String>,
    /// Directory of the grant ledger and its lock.
    pub state_dir: String,
    /// Directory of the audit log.
    pub audit_dir: String,
    /// Policy file.
    pub policy_file: String,
    /// Tenants worked on at once.
    pub parallelism: usize,
    /// Where the audit signing key is kept (`keyring:NAME`, `file:PATH` or `env:VAR`),
    /// as written.
    pub audit_key: CredentialRef,
    /// Which backend keeps the state (`[state] backend`).
    pub state: StateBackend,
}

/// Which backend keeps the ledger, requests, reviews, locks and audit chains
/// (`[state] backend` in `onboard.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum StateBackend {
    /// Files in the workspace (`paths.state`, `paths.audit`): the default.
    #[default]
    File,
    /// A PostgreSQL database.
    Postgres {
        /// Where the connection URL comes from (`env:VAR`, `file:PATH`, `keyring:NAME`),
        /// as written: the URL holds a password, so it is never written in the file.
        url: CredentialRef,
    },
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            bundle_paths: vec!["bundles".into()],
            state_dir: "state".into(),
            audit_dir: "audit".into(),
            policy_file: "policy.yaml".into(),
            parallelism: 4,
            audit_key: CredentialRef::File(".onboard/audit.key".into()),
            state: StateBackend::File,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    #[serde(default)]
    paths: RawPaths,
    #[serde(default)]
    apply: RawApply,
    #[serde(default)]
    audit: RawAudit,
    #[serde(default)]
    state: RawState,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawState {
    backend: Option<toml::Spanned<String>>,
    url: Option<toml::Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawAudit {
    key: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPaths {
    bundles: Option<Vec<String>>,
    state: Option<toml::Spanned<String>>,
    audit: Option<toml::Spanned<String>>,
    policy: Option<toml::Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawApply {
    parallelism: Option<i64>,
}

/// Parses `onboard.toml`.
pub fn parse(path: &Arc<str>, text: &str) -> Result<Settings, Diagnostic> {
    let raw: RawSettings = toml::from_str(text).map_err(|error| {
        let origin = match error.span() {
            Some(span) => {
                let (line, column) = line_column(text, span.start);
                Origin::at(path, line, column)
            }
            None => Origin::file(path),
        };
        let message = error.message().trim().to_string();
        let diagnostic = Diagnostic::new(origin, message.clone());
        if message.starts_with("unknown field") {
            diagnostic.hint("`onboard.toml` has the sections `[paths]` (bundles, state, audit, policy), `[apply]` (parallelism), `[audit]` (key) and `[state]` (backend, url)")
        } else {
            diagnostic.hint("check the TOML at this place: `key = value` lines under `[section]` headers, text in quotes, lists in `[…]`; docs/workspace.md shows every setting")
        }
    })?;
    let defaults = Settings::default();
    // The same references as tenants' credentials.
    let audit_key = match &raw.audit.key {
        None => defaults.audit_key.clone(),
        Some(key) => CredentialRef::parse(key).map_err(|_| {
            let line = text
                .lines()
                .position(|l| l.trim_start().starts_with("key"))
                .map_or(0, |i| i as u64 + 1);
            Diagnostic::new(
                Origin::at(path, line, 1),
                "the audit key source is not `keyring:NAME`, `file:PATH` or `env:VAR`",
            )
            .field("audit.key")
            .hint("write e.g. `key = \"file:.onboard/audit.key\"`; never the key itself")
        })?,
    };
    let parallelism = match raw.apply.parallelism {
        None => defaults.parallelism,
        Some(n @ 1..=64) => n as usize,
        Some(n) => {
            let line = text
                .lines()
                .position(|l| l.trim_start().starts_with("parallelism"))
                .map_or(0, |i| i as u64 + 1);
            return Err(Diagnostic::new(
                Origin::at(path, line, 1),
                format!("parallelism {n} is out of range"),
            )
            .field("apply.parallelism")
            .hint("use a number from 1 to 64"));
        }
    };
    let state = state_backend(path, text, raw.state)?;
    // Onboard writes the ledger and the audit log, and the policy is part of what is
    // reviewed with the workspace: all three stay inside it. Bundle libraries are only
    // read and may be shared from outside (`../../bundles`).
    let inside = |name: &str, value: Option<toml::Spanned<String>>, default: String| {
        let Some(value) = value else {
            return Ok(default);
        };
        match super::path_leaves_workspace(value.get_ref()) {
            None => Ok(value.into_inner()),
            Some(why) => {
                let (line, column) = line_column(text, value.span().start);
                Err(Diagnostic::new(
                    Origin::at(path, line, column),
                    format!("`{}` leaves the workspace: {why}", value.get_ref()),
                )
                .field(format!("paths.{name}"))
                .hint(format!(
                    "`paths.{name}` must name a path inside the workspace, relative to `onboard.toml` (only `paths.bundles` may point outside)"
                )))
            }
        }
    };
    Ok(Settings {
        bundle_paths: raw.paths.bundles.unwrap_or(defaults.bundle_paths),
        state_dir: inside("state", raw.paths.state, defaults.state_dir)?,
        audit_dir: inside("audit", raw.paths.audit, defaults.audit_dir)?,
        policy_file: inside("policy", raw.paths.policy, defaults.policy_file)?,
        parallelism,
        audit_key,
        state,
    })
}

/// Reads `[state]`: `backend = "file"` (the default) or `"postgres"` with `url`, a
/// credential reference.
fn state_backend(path: &Arc<str>, text: &str, raw: RawState) -> Result<StateBackend, Diagnostic> {
    let at = |span: std::ops::Range<usize>| {
        let (line, column) = line_column(text, span.start);
        Origin::at(path, line, column)
    };
    let section = || {
        let line = text
            .lines()
            .position(|l| l.trim() == "[state]")
            .map_or(0, |i| i as u64 + 1);
        Origin::at(path, line, 1)
    };
    let backend = raw
        .backend
        .as_ref()
        .map(|b| (b.get_ref().as_str(), b.span()));
    match backend {
        None | Some(("file", _)) => match raw.url {
            None => Ok(StateBackend::File),
            Some(url) => Err(Diagnostic::new(
                at(url.span()),
                "`url` is for a database backend, but `[state] backend` is `file`",
            )
            .field("state.url")
            .hint("remove `url`, or set `backend = \"postgres\"`")),
        },
        Some(("postgres", _)) => {
            let Some(url) = raw.url else {
                return Err(Diagnostic::new(
                    section(),
                    "`[state] backend = \"postgres\"` needs `url`, where the connection URL comes from",
                )
                .field("state.url")
                .hint("write e.g. `url = \"env:ONBOARD_DATABASE_URL\"` (or `file:PATH`, `keyring:NAME`); never the URL itself, which holds a password"));
            };
            let reference = CredentialRef::parse(url.get_ref()).map_err(|_| {
                Diagnostic::new(
                    at(url.span()),
                    "the database URL source is not `env:VAR`, `file:PATH` or `keyring:NAME`",
                )
                .field("state.url")
                .hint("write e.g. `url = \"env:ONBOARD_DATABASE_URL\"`; never the URL itself, which holds a password")
            })?;
            Ok(StateBackend::Postgres { url: reference })
        }
        Some((other, span)) => Err(Diagnostic::new(
            at(span),
            format!("unknown state backend `{other}`"),
        )
        .field("state.backend")
        .hint("`[state] backend` is `file` (the default) or `postgres`")),
    }
}

fn line_column(text: &str, offset: usize) -> (u64, u64) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() as u64 + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let path = Arc::from("onboard.toml");
        assert_eq!(parse(&path, "").unwrap(), Settings::default());
        let s = parse(
            &path,
            "[paths]\nbundles = [\"../../bundles\"]\n[apply]\nparallelism = 2\n",
        )
        .unwrap();
        assert_eq!(s.bundle_paths, ["../../bundles"]);
        assert_eq!(s.parallelism, 2);
    }

    #[test]
    fn unknown_keys_have_a_location() {
        let path = Arc::from("onboard.toml");
        let d = parse(&path, "[paths]\nstate = \"s\"\nbogus = 1\n").unwrap_err();
        assert_eq!(d.origin.line, 3);
        assert!(d.message.contains("unknown field"), "{}", d.message);
        let d = parse(&path, "[apply]\nparallelism = 0\n").unwrap_err();
        assert_eq!(d.origin.line, 2);
    }

    #[test]
    fn state_backend_is_typed() {
        let path = Arc::from("onboard.toml");
        assert_eq!(
            parse(&path, "[state]\nbackend = \"file\"\n").unwrap().state,
            StateBackend::File
        );
        assert_eq!(
            parse(
                &path,
                "[state]\nbackend = \"postgres\"\nurl = \"env:ONBOARD_DATABASE_URL\"\n"
            )
            .unwrap()
            .state,
            StateBackend::Postgres {
                url: CredentialRef::Env("ONBOARD_DATABASE_URL".into())
            }
        );
        let d = parse(&path, "[state]\nbackend = \"postgres\"\n").unwrap_err();
        assert_eq!((d.origin.line, d.field.as_deref()), (1, Some("state.url")));
        let d = parse(&path, "[state]\nbackend = \"s3\"\n").unwrap_err();
        assert_eq!(
            (d.origin.line, d.field.as_deref()),
            (2, Some("state.backend"))
        );
        let d = parse(
            &path,
            "[state]\nbackend = \"postgres\"\nurl = \"postgres://u:p@h/db\"\n",
        )
        .unwrap_err();
        assert_eq!((d.origin.line, d.field.as_deref()), (3, Some("state.url")));
        assert!(!d.message.contains("u:p"), "{}", d.message);
    }

    #[test]
    fn written_paths_stay_inside_the_workspace() {
        let path = Arc::from("onboard.toml");
        let d = parse(
            &path,
            "[paths]\nbundles = [\"../../b\"]\naudit = \"/var/log\"\n",
        )
        .unwrap_err();
        assert_eq!(
            (d.origin.line, d.field.as_deref()),
            (3, Some("paths.audit"))
        );
        let d = parse(&path, "[paths]\nstate = \"x/../../s\"\n").unwrap_err();
        assert_eq!(d.field.as_deref(), Some("paths.state"));
        assert!(parse(&path, "[paths]\npolicy = \"../p.yaml\"\n").is_err());
    }
}
