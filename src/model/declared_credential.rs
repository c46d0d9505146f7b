//! Declared credentials: the secrets a service account or agent holds in its client's
//! tenants (an Entra app registration's client secret, a directory password), how old
//! they may grow, how long an old one outlives its successor, and where each new one is
//! delivered. Parsing and checks only: `workflow::credentials` issues and rotates them.

use std::time::Duration;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::time::{format_duration, parse_duration};
use super::yaml::origin;
use super::{Diagnostic, Origin, SystemKind, VaultRef};

/// What kind of credential.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Deserialize,
    serde::Serialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    /// An Entra app registration's client secret (Graph `addPassword`/`removePassword`).
    ClientSecret,
    /// The identity's own directory password (LDAP Password Modify, AD `unicodePwd`).
    Password,
}

impl CredentialKind {
    /// Returns the name used in workspace files.
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::ClientSecret => "client_secret",
            CredentialKind::Password => "password",
        }
    }

    /// Returns the systems a credential of this kind can be issued in.
    pub fn systems(self) -> &'static [SystemKind] {
        match self {
            CredentialKind::ClientSecret => &[SystemKind::Entra],
            CredentialKind::Password => &[SystemKind::Ldap, SystemKind::Ad],
        }
    }
}

/// Where a new credential is delivered, with `{client}` and `{id}` placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// A field of a secret in the workspace's vault (KV version 2).
    Vault(String),
    /// A file below the workspace (a stand-in for a vault, for trying onboard out).
    File(String),
}

/// The placeholders a delivery path may use.
const PLACEHOLDERS: [&str; 2] = ["{client}", "{id}"];

impl Delivery {
    /// Returns the delivery target for an identity of a client: the placeholders
    /// filled in.
    pub fn resolve(&self, client: &str, id: &str) -> String {
        let fill = |text: &str| text.replace("{client}", client).replace("{id}", id);
        match self {
            Delivery::Vault(text) => format!("vault:{}", fill(text)),
            Delivery::File(text) => format!("file:{}", fill(text)),
        }
    }

    fn parse(text: &str) -> Result<Delivery, String> {
        let unknown = {
            let mut rest = text.to_string();
            for placeholder in PLACEHOLDERS {
                rest = rest.replace(placeholder, "x");
            }
            rest.contains(['{', '}'])
        };
        if unknown {
            return Err("a delivery path's placeholders are `{client}` and `{id}`".into());
        }
        let sample = text.replace("{client}", "c").replace("{id}", "i");
        match sample.split_once(':') {
            Some(("vault", rest)) => {
                VaultRef::parse(rest)?;
                Ok(Delivery::Vault(text["vault:".len()..].trim().to_string()))
            }
            Some(("file", rest)) if !rest.trim().is_empty() => {
                if super::path_leaves_workspace(rest.trim()).is_some() {
                    return Err("a `file:` delivery stays inside the workspace".into());
                }
                Ok(Delivery::File(text["file:".len()..].trim().to_string()))
            }
            _ => Err("`deliver` is `vault:MOUNT/data/PATH#FIELD` (or `file:PATH`, a stand-in for a vault)".into()),
        }
    }
}

impl std::fmt::Display for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Delivery::Vault(text) => write!(f, "vault:{text}"),
            Delivery::File(text) => write!(f, "file:{text}"),
        }
    }
}

/// One declared credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredCredential {
    /// The system it lives in (a tenant of the identity's client of this kind).
    pub system: SystemKind,
    /// What kind of credential.
    pub kind: CredentialKind,
    /// For a client secret: the app registration (appId or object id).
    pub application: Option<String>,
    /// The age at which it is rotated.
    pub max_age: Duration,
    /// How long the old one lives after its successor is delivered.
    pub overlap: Duration,
    /// Where each new one is delivered.
    pub deliver: Delivery,
    /// Where it is declared (its `max_age:` for the age, the entry for the rest).
    pub origin: Origin,
    /// Where `max_age:` is written.
    pub max_age_origin: Origin,
}

impl DeclaredCredential {
    /// Returns what a credential issued under this declaration records of it, so that a
    /// changed declaration (another `max_age`, `overlap`, application or delivery) is
    /// seen and the credential rotated under the new one: the declaration's terms as
    /// text.
    pub fn terms(&self) -> String {
        format!(
            "max_age={} overlap={} application={} deliver={}",
            format_duration(self.max_age),
            format_duration(self.overlap),
            self.application.as_deref().unwrap_or("-"),
            self.deliver
        )
    }
}

/// A declared credential as written.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCredential {
    /// The system it lives in: `entra` for a `client_secret`, `ldap` or `ad` for a
    /// `password`; the client needs a tenant of that system.
    #[schemars(with = "SystemKind")]
    system: Spanned<SystemKind>,
    /// `client_secret` (an Entra app registration's) or `password` (the identity's own
    /// directory password).
    #[schemars(with = "CredentialKind")]
    kind: Spanned<CredentialKind>,
    /// Required for a `client_secret`: the app registration's appId (or object id).
    #[schemars(with = "Option<String>")]
    application: Option<Spanned<String>>,
    /// Required: the age at which it is rotated; no longer than the policy's
    /// `credentials.max_age` for the identity's kind.
    #[schemars(with = "Option<crate::model::schema_text::DurationText>")]
    max_age: Option<Spanned<String>>,
    /// How long the old one lives after the new one is delivered (default 0); shorter
    /// than `max_age`.
    #[schemars(with = "Option<crate::model::schema_text::DurationText>")]
    overlap: Option<Spanned<String>>,
    /// Required: where each new one is delivered, `vault:MOUNT/data/PATH#FIELD` (with
    /// `[vault]` in `onboard.toml`) or `file:PATH` inside the workspace (a stand-in for a
    /// vault); `{client}` and `{id}` are filled in.
    #[schemars(with = "Option<String>")]
    deliver: Option<Spanned<String>>,
}

/// Checks and converts the declared credentials of a service account or agent
/// (`what`: "a service account"); problems are added to `problems`.
pub(super) fn convert(
    path: &std::sync::Arc<str>,
    raw: Vec<RawCredential>,
    problems: &mut Vec<Diagnostic>,
) -> Vec<DeclaredCredential> {
    let mut out: Vec<DeclaredCredential> = Vec::new();
    for (index, raw) in raw.into_iter().enumerate() {
        let field = |name: &str| format!("credentials[{index}].{name}");
        let at = origin(path, &raw.system);
        let (system, kind) = (raw.system.value, raw.kind.value);
        let mut ok = true;
        let mut problem = |diagnostic: Diagnostic| {
            problems.push(diagnostic);
            ok = false;
        };
        if !kind.systems().contains(&system) {
            let systems: Vec<&str> = kind.systems().iter().map(|s| s.as_str()).collect();
            problem(
                Diagnostic::new(
                    origin(path, &raw.kind),
                    format!("a `{}` cannot be issued in `{system}`", kind.as_str()),
                )
                .field(field("kind"))
                .hint(format!(
                    "a `{}` lives in {}",
                    kind.as_str(),
                    systems.join(" or ")
                )),
            );
        }
        let application = raw.application.as_ref().map(|a| a.value.trim().to_string());
        match (kind, &raw.application) {
            (CredentialKind::ClientSecret, None) => problem(
                Diagnostic::new(at.clone(), "a `client_secret` names its app registration")
                    .field(field("application"))
                    .hint("add `application: APP-ID` (the appId or object id of the app registration)"),
            ),
            (CredentialKind::ClientSecret, Some(a)) if a.value.trim().is_empty() => problem(
                Diagnostic::new(origin(path, a), "`application` is empty")
                    .field(field("application")),
            ),
            (CredentialKind::Password, Some(a)) => problem(
                Diagnostic::new(origin(path, a), "a `password` is the identity's own: it names no `application`")
                    .field(field("application"))
                    .hint("remove `application:`"),
            ),
            _ => {}
        }
        let mut duration = |value: &Option<Spanned<String>>, name: &str| match value {
            None => None,
            Some(text) => match parse_duration(&text.value) {
                Ok(d) => Some((d, origin(path, text))),
                Err(message) => {
                    problem(
                        Diagnostic::new(origin(path, text), message)
                            .field(field(name))
                            .hint("write a duration such as `30d`, `12w` or `90d`"),
                    );
                    None
                }
            },
        };
        let max_age = duration(&raw.max_age, "max_age");
        let overlap = duration(&raw.overlap, "overlap");
        if raw.max_age.is_none() {
            problem(
                Diagnostic::new(at.clone(), "a declared credential needs a `max_age`")
                    .field(field("max_age"))
                    .hint("add `max_age: 90d`: onboard rotates it at that age"),
            );
        }
        if let (Some((max_age, _)), Some((overlap, overlap_at))) = (&max_age, &overlap)
            && overlap >= max_age
        {
            problem(
                Diagnostic::new(
                    overlap_at.clone(),
                    format!(
                        "the overlap {} is not shorter than `max_age` {}",
                        format_duration(*overlap),
                        format_duration(*max_age)
                    ),
                )
                .field(field("overlap"))
                .hint(
                    "the old credential must be gone before the next rotation: shorten `overlap`",
                ),
            );
        }
        let deliver = match &raw.deliver {
            None => {
                problem(
                    Diagnostic::new(at.clone(), "a declared credential needs `deliver`: where each new one is written")
                        .field(field("deliver"))
                        .hint("add e.g. `deliver: \"vault:secret/data/clients/{client}/{id}#client_secret\"`"),
                );
                None
            }
            Some(text) => match Delivery::parse(text.value.trim()) {
                Ok(d) => Some(d),
                Err(message) => {
                    problem(
                        Diagnostic::new(origin(path, text), message)
                            .field(field("deliver"))
                            .hint("e.g. `deliver: \"vault:secret/data/clients/{client}/{id}#client_secret\"`"),
                    );
                    None
                }
            },
        };
        let duplicate = out
            .iter()
            .any(|c| c.system == system && c.kind == kind && c.application == application);
        if duplicate {
            problem(
                Diagnostic::new(
                    at.clone(),
                    format!("this `{}` in `{system}` is declared twice", kind.as_str()),
                )
                .field(format!("credentials[{index}]"))
                .hint("declare each credential once"),
            );
        }
        if let (true, Some((max_age, max_age_origin)), Some(deliver)) = (ok, max_age, deliver) {
            out.push(DeclaredCredential {
                system,
                kind,
                application,
                max_age,
                overlap: overlap.map_or(Duration::ZERO, |(d, _)| d),
                deliver,
                origin: at,
                max_age_origin,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str =
        "id: backup-svc\nkind: service-account\nowner: bob\npurpose: backups\nclient: globex\n";

    fn parse(credentials: &str) -> Result<Vec<DeclaredCredential>, Vec<Diagnostic>> {
        let path = std::sync::Arc::from("identities/backup-svc.yaml");
        crate::model::identity::parse(&path, &format!("{HEAD}credentials:\n{credentials}"))
            .map(|identity| identity.credentials)
    }

    fn problems(credentials: &str) -> Vec<(String, u32, String)> {
        parse(credentials)
            .unwrap_err()
            .into_iter()
            .map(|d| (d.field.unwrap_or_default(), d.origin.line, d.message))
            .collect()
    }

    #[test]
    fn client_secrets_and_passwords_are_declared_with_age_overlap_and_delivery() {
        let declared = parse(
            "  - system: entra\n    kind: client_secret\n    application: 3f1c0000-0000-0000-0000-000000000001\n    max_age: 30d\n    overlap: 2d\n    deliver: \"vault:secret/data/clients/{client}/{id}#client_secret\"\n  - system: ldap\n    kind: password\n    max_age: 90d\n    deliver: \"file:vault-standin/{client}/{id}-ldap\"\n",
        )
        .unwrap();
        assert_eq!(declared.len(), 2);
        let secret = &declared[0];
        assert_eq!(
            (secret.system, secret.kind),
            (SystemKind::Entra, CredentialKind::ClientSecret)
        );
        assert_eq!(secret.max_age, Duration::from_secs(30 * 86400));
        assert_eq!(secret.overlap, Duration::from_secs(2 * 86400));
        assert_eq!(
            secret.deliver.resolve("globex", "backup-svc"),
            "vault:secret/data/clients/globex/backup-svc#client_secret"
        );
        assert_eq!(declared[1].overlap, Duration::ZERO);
        assert_eq!(
            declared[1].deliver.resolve("globex", "backup-svc"),
            "file:vault-standin/globex/backup-svc-ldap"
        );
    }

    #[test]
    fn each_mistake_is_reported_at_its_line() {
        let found = problems(
            "  - system: ldap\n    kind: client_secret\n    application: x\n    max_age: 30d\n    deliver: \"vault:secret/data/a#f\"\n  - system: entra\n    kind: client_secret\n    max_age: 30d\n    deliver: \"vault:secret/data/a#f\"\n  - system: ad\n    kind: password\n    application: x\n    max_age: 10d\n    overlap: 10d\n    deliver: \"vault:secret/a#f\"\n  - system: ad\n    kind: password\n    deliver: \"vault:secret/data/{tenant}#f\"\n  - system: ldap\n    kind: password\n    max_age: soon\n    deliver: \"file:../outside\"\n",
        );
        let fields: Vec<(&str, u32)> = found.iter().map(|(f, l, _)| (f.as_str(), *l)).collect();
        assert_eq!(
            fields,
            [
                ("credentials[0].kind", 8),
                ("credentials[1].application", 12),
                ("credentials[2].application", 18),
                ("credentials[2].overlap", 20),
                ("credentials[2].deliver", 21),
                ("credentials[3].max_age", 22),
                ("credentials[3].deliver", 24),
                ("credentials[4].max_age", 27),
                ("credentials[4].deliver", 28),
            ],
            "{found:#?}"
        );
        let duplicate = problems(
            "  - system: ldap\n    kind: password\n    max_age: 30d\n    deliver: \"vault:secret/data/a#f\"\n  - system: ldap\n    kind: password\n    max_age: 60d\n    deliver: \"vault:secret/data/b#f\"\n",
        );
        assert_eq!(duplicate.len(), 1, "{duplicate:?}");
        assert!(duplicate[0].2.contains("declared twice"), "{duplicate:?}");
    }

    #[test]
    fn persons_declare_no_credentials() {
        let path = std::sync::Arc::from("identities/alice.yaml");
        let problems = crate::model::identity::parse(
            &path,
            "id: alice\nkind: person\nmfa: enforced\ncredentials:\n  - system: ldap\n    kind: password\n    max_age: 30d\n    deliver: \"vault:secret/data/a#f\"\n",
        )
        .unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].field.as_deref(), Some("credentials"));
    }
}
