//! Workspace settings from `onboard.toml`.

use std::sync::Arc;
use std::time::Duration;

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
    /// Where the audit signing key is kept (any credential reference), as written.
    pub audit_key: CredentialRef,
    /// The vault `vault:` references read from (`[vault]`), if any.
    pub vault: Option<VaultSettings>,
    /// How long an `exec:` reference's command may run (`[credentials] exec_timeout`).
    pub exec_timeout: Duration,
    /// Which backend keeps the state (`[state] backend`).
    pub state: StateBackend,
    /// The workspace's ticket provider (`[tickets]`), if any.
    pub tickets: Option<super::TicketProvider>,
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

/// The vault (HashiCorp Vault or OpenBao, KV version 2) that `vault:` references name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultSettings {
    /// Its address, e.g. `https://bao.msp.example:8200` (without `/v1`).
    pub address: String,
    /// How onboard logs in.
    pub auth: VaultAuth,
    /// A PEM file of the CA certificates its TLS certificate chains to, relative to the
    /// workspace; without it, the platform's roots.
    pub ca_file: Option<String>,
    /// What revoking an identity does to the vault versions its credentials were
    /// delivered in (`on_revoke`).
    pub on_revoke: OnRevoke,
}

/// What revoking an identity does to the values its credentials were delivered in
/// (`[vault] on_revoke`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OnRevoke {
    /// Destroys the vault versions (the stand-in file is removed): the default.
    #[default]
    Destroy,
    /// Keeps the data: marks the secret revoked (custom metadata `onboard-revoked-at`,
    /// `onboard-audit-entry`) and soft-deletes its versions, which can be undeleted (the
    /// stand-in file is moved aside to `PATH.revoked`, with `PATH.revoked.json`).
    Mark,
}

/// How onboard logs in to the vault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VaultAuth {
    /// A token, kept where the reference says (never in the vault itself).
    Token(CredentialRef),
    /// AppRole: a role id and a secret id, exchanged for a token at each run.
    AppRole {
        /// Where the AppRole auth method is mounted (`approle`).
        mount: String,
        /// The role id (an identifier, not a secret).
        role_id: String,
        /// Where the secret id is kept.
        secret_id: CredentialRef,
    },
}

/// How long an `exec:` command may run by default.
pub const DEFAULT_EXEC_TIMEOUT: Duration = Duration::from_secs(30);

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
            vault: None,
            exec_timeout: DEFAULT_EXEC_TIMEOUT,
            tickets: None,
        }
    }
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSettings {
    /// Where the workspace's bundles, ledger, audit log and policy file are.
    #[serde(default)]
    paths: RawPaths,
    /// How many tenants are read and applied at once.
    #[serde(default)]
    apply: RawApply,
    /// The audit log's signing key.
    #[serde(default)]
    audit: RawAudit,
    /// Which backend keeps the ledger, requests, reviews, locks and audit chains.
    #[serde(default)]
    state: RawState,
    /// The HashiCorp Vault or OpenBao server that `vault:` references read from (KV
    /// version 2).
    vault: Option<RawVault>,
    /// How credential references are read.
    #[serde(default)]
    credentials: RawCredentials,
    /// The ticket provider that checks tickets; a client file's `tickets:` replaces it
    /// for that client.
    #[schemars(with = "Option<super::tickets::RawTicketProvider>")]
    tickets: Option<toml::Spanned<super::tickets::RawTicketProvider>>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawVault {
    /// The server's address: `https://`, or `http://` to loopback only; without `/v1`.
    #[schemars(with = "String")]
    address: toml::Spanned<String>,
    /// Where the token onboard logs in with is kept (a credential reference, not
    /// `vault:`); exactly one of `token` and `approle`.
    #[schemars(with = "Option<crate::model::schema_text::CredentialText>")]
    token: Option<toml::Spanned<String>>,
    /// Log in with AppRole instead of a token; exactly one of `token` and `approle`.
    #[schemars(with = "Option<RawAppRole>")]
    approle: Option<toml::Spanned<RawAppRole>>,
    /// A PEM file of the CA the server's certificate chains to (relative to the
    /// workspace); then only that CA is trusted. Default: the platform's roots.
    #[schemars(with = "Option<String>")]
    ca_file: Option<toml::Spanned<String>>,
    /// What revoking an identity does to the vault versions its credentials were
    /// delivered in: `destroy` (the default) destroys them for good; `mark` soft-deletes
    /// them and marks the secret's metadata (`onboard-revoked-at`,
    /// `onboard-audit-entry`), so they can be restored.
    on_revoke: Option<OnRevoke>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawAppRole {
    /// Where the AppRole auth method is mounted (default `approle`).
    #[serde(default = "default_approle_mount")]
    mount: String,
    /// The role's id.
    role_id: String,
    /// Where the role's secret id is kept (a credential reference, not `vault:`).
    #[schemars(with = "crate::model::schema_text::CredentialText")]
    secret_id: toml::Spanned<String>,
}

fn default_approle_mount() -> String {
    "approle".into()
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
struct RawState {
    /// `file` (the default): files under `paths.state` and `paths.audit`; or `postgres`:
    /// a PostgreSQL database at `url`.
    #[schemars(with = "Option<StateBackendName>")]
    backend: Option<toml::Spanned<String>>,
    /// With `backend = "postgres"`: where the database URL is kept (`env:VAR`,
    /// `file:PATH` or `keyring:NAME`; never the URL itself, which holds a password).
    #[schemars(with = "Option<crate::model::schema_text::CredentialText>")]
    url: Option<toml::Spanned<String>>,
}

/// The state backends `[state] backend` names (for the schema).
#[derive(schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
enum StateBackendName {
    /// Files in the workspace.
    File,
    /// A PostgreSQL database.
    Postgres,
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
struct RawCredentials {
    /// How long an `exec:` command may run before it is stopped (default `30s`).
    #[schemars(with = "Option<crate::model::schema_text::DurationText>")]
    exec_timeout: Option<toml::Spanned<String>>,
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
struct RawAudit {
    /// Where the audit signing key is kept: `file:PATH` (mode 0600, relative to the
    /// workspace), `env:VAR`, `keyring:NAME`, or, read only, `vault:…` or `exec:…`.
    /// `ONBOARD_AUDIT_KEY` overrides it. Default: `file:.onboard/audit.key`.
    #[schemars(with = "Option<crate::model::schema_text::CredentialText>")]
    key: Option<String>,
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
struct RawPaths {
    /// Bundle libraries, searched recursively for `*.yaml` (default `["bundles"]`). They
    /// are only read, so they may lie outside the workspace.
    bundles: Option<Vec<String>>,
    /// The grant ledger and its lock, inside the workspace (default `state`).
    #[schemars(with = "Option<String>")]
    state: Option<toml::Spanned<String>>,
    /// The audit log, inside the workspace (default `audit`).
    #[schemars(with = "Option<String>")]
    audit: Option<toml::Spanned<String>>,
    /// The request-time rules, inside the workspace (default `policy.yaml`; the file is
    /// optional).
    #[schemars(with = "Option<String>")]
    policy: Option<toml::Spanned<String>>,
}

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
struct RawApply {
    /// Tenants read and applied at once, 1 to 64 (default 4); `--parallelism N`
    /// overrides it.
    #[schemars(with = "Option<crate::model::schema_text::Parallelism>")]
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
            diagnostic.hint("`onboard.toml` has the sections `[paths]` (bundles, state, audit, policy), `[apply]` (parallelism), `[audit]` (key), `[state]` (backend, url), `[vault]` (address, token or approle, ca_file), `[credentials]` (exec_timeout) and `[tickets]` (kind, …)")
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
                format!(
                    "the audit key source is not a reference ({})",
                    CredentialRef::forms()
                ),
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
    let at = |span: std::ops::Range<usize>| {
        let (line, column) = line_column(text, span.start);
        Origin::at(path, line, column)
    };
    let vault = raw.vault.map(|v| vault_settings(v, &at)).transpose()?;
    let exec_timeout = match raw.credentials.exec_timeout {
        None => defaults.exec_timeout,
        Some(value) => super::time::parse_duration(value.get_ref()).map_err(|e| {
            Diagnostic::new(at(value.span()), e)
                .field("credentials.exec_timeout")
                .hint("write a duration such as `30s` or `2m`")
        })?,
    };
    let tickets = raw
        .tickets
        .map(|t| {
            let origin = at(t.span());
            t.into_inner().convert("tickets", origin)
        })
        .transpose()?;
    Ok(Settings {
        bundle_paths: raw.paths.bundles.unwrap_or(defaults.bundle_paths),
        state_dir: inside("state", raw.paths.state, defaults.state_dir)?,
        audit_dir: inside("audit", raw.paths.audit, defaults.audit_dir)?,
        policy_file: inside("policy", raw.paths.policy, defaults.policy_file)?,
        parallelism,
        audit_key,
        state,
        vault,
        exec_timeout,
        tickets,
    })
}

/// Checks `[vault]`: an address, exactly one of `token` and `approle`, references that
/// do not point into the vault itself.
fn vault_settings(
    raw: RawVault,
    at: &dyn Fn(std::ops::Range<usize>) -> Origin,
) -> Result<VaultSettings, Diagnostic> {
    let reference = |value: &toml::Spanned<String>, field: &str| {
        let problem = match CredentialRef::parse(value.get_ref()) {
            Ok(CredentialRef::Vault(_)) => {
                "the vault's own login cannot be kept in the vault".to_string()
            }
            Ok(reference) => return Ok(reference),
            Err(message) => message,
        };
        Err(Diagnostic::new(at(value.span()), problem)
            .field(format!("vault.{field}"))
            .hint("write e.g. `\"env:BAO_TOKEN\"`, `\"keyring:bao\"` or `\"exec:…\"`; never the secret itself"))
    };
    let address = raw.address.get_ref().trim().trim_end_matches('/');
    if address.is_empty() || address.ends_with("/v1") {
        return Err(Diagnostic::new(
            at(raw.address.span()),
            "`address` is the vault's URL without `/v1`",
        )
        .field("vault.address")
        .hint("write e.g. `address = \"https://bao.msp.example:8200\"`"));
    }
    let auth = match (&raw.token, raw.approle) {
        (Some(token), None) => VaultAuth::Token(reference(token, "token")?),
        (None, Some(approle)) => {
            let span = approle.span();
            let approle = approle.into_inner();
            if approle.role_id.trim().is_empty() || approle.mount.trim().is_empty() {
                return Err(Diagnostic::new(
                    at(span),
                    "`approle` needs a `role_id` (and a `mount`, `approle` by default)",
                )
                .field("vault.approle"));
            }
            VaultAuth::AppRole {
                mount: approle.mount.trim().trim_matches('/').to_string(),
                role_id: approle.role_id.trim().to_string(),
                secret_id: reference(&approle.secret_id, "approle.secret_id")?,
            }
        }
        _ => {
            return Err(Diagnostic::new(
                at(raw.address.span()),
                "`[vault]` needs exactly one of `token` and `approle`",
            )
            .field("vault")
            .hint("write `token = \"env:BAO_TOKEN\"`, or `approle = { role_id = \"…\", secret_id = \"env:BAO_SECRET_ID\" }`"));
        }
    };
    let ca_file = match raw.ca_file {
        None => None,
        Some(ca) if ca.get_ref().trim().is_empty() => {
            return Err(Diagnostic::new(at(ca.span()), "`ca_file` is empty")
                .field("vault.ca_file")
                .hint("write the path of a PEM file of CA certificates, relative to the workspace, or remove `ca_file`"));
        }
        Some(ca) => Some(ca.into_inner().trim().to_string()),
    };
    Ok(VaultSettings {
        address: address.to_string(),
        auth,
        ca_file,
        on_revoke: raw.on_revoke.unwrap_or_default(),
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
    fn vault_settings_take_a_token_or_an_approle() {
        let path = Arc::from("onboard.toml");
        let s = parse(
            &path,
            "[vault]\naddress = \"https://bao.example:8200/\"\ntoken = \"env:BAO_TOKEN\"\nca_file = \"ca.pem\"\n[credentials]\nexec_timeout = \"5s\"\n",
        )
        .unwrap();
        let vault = s.vault.unwrap();
        assert_eq!(vault.address, "https://bao.example:8200");
        assert_eq!(
            vault.auth,
            VaultAuth::Token(CredentialRef::Env("BAO_TOKEN".into()))
        );
        assert_eq!(vault.ca_file.as_deref(), Some("ca.pem"));
        assert_eq!(vault.on_revoke, OnRevoke::Destroy);
        assert_eq!(s.exec_timeout, Duration::from_secs(5));
        let with = |on_revoke: &str| {
            parse(
                &path,
                &format!(
                    "[vault]\naddress = \"https://b\"\ntoken = \"env:T\"\non_revoke = \"{on_revoke}\"\n"
                ),
            )
        };
        assert_eq!(
            with("mark").unwrap().vault.unwrap().on_revoke,
            OnRevoke::Mark
        );
        let keep = with("keep").unwrap_err();
        assert!(keep.to_string().contains("mark"), "{keep}");
        let s = parse(
            &path,
            "[vault]\naddress = \"http://127.0.0.1:8200\"\napprole = { role_id = \"r-1\", secret_id = \"exec:bao-secret-id\" }\n",
        )
        .unwrap();
        assert!(matches!(
            s.vault.unwrap().auth,
            VaultAuth::AppRole { ref mount, ref role_id, secret_id: CredentialRef::Exec(_) }
                if mount == "approle" && role_id == "r-1"
        ));
        for (text, field, line) in [
            ("[vault]\naddress = \"https://b\"\n", "vault", 2),
            (
                "[vault]\naddress = \"https://b\"\ntoken = \"env:T\"\napprole = { role_id = \"r\", secret_id = \"env:S\" }\n",
                "vault",
                2,
            ),
            (
                "[vault]\naddress = \"https://b\"\ntoken = \"vault:secret/data/t#token\"\n",
                "vault.token",
                3,
            ),
            (
                "[vault]\naddress = \"https://b\"\ntoken = \"hunter2-pasted\"\n",
                "vault.token",
                3,
            ),
            (
                "[vault]\naddress = \"https://b/v1\"\ntoken = \"env:T\"\n",
                "vault.address",
                2,
            ),
            (
                "[credentials]\nexec_timeout = \"soon\"\n",
                "credentials.exec_timeout",
                2,
            ),
        ] {
            let d = parse(&path, text).unwrap_err();
            assert_eq!(
                (d.field.as_deref(), d.origin.line),
                (Some(field), line),
                "{text}: {}",
                d.message
            );
            assert!(!d.message.contains("hunter2"), "{}", d.message);
        }
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
