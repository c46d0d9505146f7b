//! Identities: persons, service accounts and automation agents.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

use super::yaml::{self, origin};
use super::{Diagnostic, Origin, check_id};

/// The three kinds of identity, never mixed.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum IdentityKind {
    /// A technician.
    Person,
    /// A non-interactive account used by a system.
    ServiceAccount,
    /// An automation agent acting on a person's behalf.
    Agent,
}

impl IdentityKind {
    /// Returns the name used in workspace files.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityKind::Person => "person",
            IdentityKind::ServiceAccount => "service-account",
            IdentityKind::Agent => "agent",
        }
    }

    /// Returns the kind as prose with its article: `a person`, `a service account`,
    /// `an automation agent`.
    pub fn with_article(self) -> &'static str {
        match self {
            IdentityKind::Person => "a person",
            IdentityKind::ServiceAccount => "a service account",
            IdentityKind::Agent => "an automation agent",
        }
    }
}

/// Whether a person's sign-in enforces MFA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MfaStatus {
    /// MFA is enforced.
    Enforced,
    /// MFA is not enforced.
    NotEnforced,
}

/// Which clients an identity serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityScope {
    /// A person serving every client.
    AllClients,
    /// A person serving the listed clients.
    Clients(Vec<(String, Origin)>),
    /// A service account or agent bound to one client.
    Client(String, Origin),
}

/// An account-name template such as `{id}@{domain}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountTemplate {
    /// The template text.
    pub template: String,
    /// Where it was written.
    pub origin: Origin,
}

/// The values an account template can use.
pub struct AccountContext<'a> {
    /// The client id.
    pub client: &'a str,
    /// The tenant name.
    pub tenant: &'a str,
    /// The tenant's domain, if it has one.
    pub domain: Option<&'a str>,
}

const PLACEHOLDERS: [&str; 4] = ["id", "client", "tenant", "domain"];

impl AccountTemplate {
    fn check(&self) -> Result<(), String> {
        let mut rest = self.template.as_str();
        while let Some(start) = rest.find('{') {
            let Some(end) = rest[start..].find('}') else {
                return Err(format!(
                    "unclosed `{{` in account template `{}`",
                    self.template
                ));
            };
            let name = &rest[start + 1..start + end];
            if !PLACEHOLDERS.contains(&name) {
                return Err(format!(
                    "unknown placeholder `{{{name}}}` in account template `{}`",
                    self.template
                ));
            }
            rest = &rest[start + end + 1..];
        }
        if self.template.trim().is_empty() {
            return Err("the account template is empty".into());
        }
        Ok(())
    }

    /// Fills in the template; `None` when it uses `{domain}` and the tenant has none.
    pub fn render(&self, id: &str, context: &AccountContext<'_>) -> Option<String> {
        if self.template.contains("{domain}") && context.domain.is_none() {
            return None;
        }
        Some(
            self.template
                .replace("{id}", id)
                .replace("{client}", context.client)
                .replace("{tenant}", context.tenant)
                .replace("{domain}", context.domain.unwrap_or_default()),
        )
    }
}

/// A person, service account or agent, as declared in `identities/*.yaml`.
#[derive(Debug, Clone)]
pub struct Identity {
    /// Unique id.
    pub id: String,
    /// Person, service account or agent.
    pub kind: IdentityKind,
    /// Human-readable name.
    pub display_name: Option<String>,
    /// Contact address.
    pub email: Option<String>,
    /// Support functions, each with where it was written.
    pub functions: Vec<(String, Origin)>,
    /// MFA status (persons only).
    pub mfa: Option<MfaStatus>,
    /// The clients it serves.
    pub scope: IdentityScope,
    /// The owning person (service accounts and agents).
    pub owner: Option<(String, Origin)>,
    /// Why it exists (service accounts and agents).
    pub purpose: Option<String>,
    /// Account templates by tenant name, system kind, or `default`.
    pub accounts: BTreeMap<String, AccountTemplate>,
    /// The names this identity acts under when running onboard (`os:alice`,
    /// `github:alice-nw`…), so approvals compare identities, not OS user names.
    pub actors: Vec<(String, Origin)>,
    /// The credentials it holds in its client's tenants (service accounts and agents).
    pub credentials: Vec<super::DeclaredCredential>,
    /// The SSH public keys whose signatures prove this identity acts (`signing_keys:`).
    pub signing_keys: Vec<(crate::actor::PublicKey, Origin)>,
    /// How notifications mention this identity in chat (`chat:`).
    pub chat: ChatHandles,
    /// Where the record starts.
    pub origin: Origin,
}

impl Identity {
    /// Returns whether this identity serves the client.
    pub fn serves(&self, client: &str) -> bool {
        match &self.scope {
            IdentityScope::AllClients => true,
            IdentityScope::Clients(list) => list.iter().any(|(c, _)| c == client),
            IdentityScope::Client(c, _) => c == client,
        }
    }

    /// Returns the account template that applies in a tenant: by the tenant's name, then
    /// its system kind, then `default`; `None` when the identity has none of them.
    pub fn account_template(&self, tenant_name: &str, system: &str) -> Option<&AccountTemplate> {
        self.accounts
            .get(tenant_name)
            .or_else(|| self.accounts.get(system))
            .or_else(|| self.accounts.get("default"))
    }

    /// Returns the account name this identity has in a tenant, or `None` when no template
    /// applies (a `{domain}` template on a tenant without a domain).
    pub fn account_for(
        &self,
        tenant_name: &str,
        system: &str,
        context: &AccountContext<'_>,
    ) -> Option<String> {
        match self.account_template(tenant_name, system) {
            Some(t) => t.render(&self.id, context),
            None => Some(match context.domain {
                Some(domain) => format!("{}@{domain}", self.id),
                None => self.id.clone(),
            }),
        }
    }
}

/// How a person is mentioned in chat notifications (`chat:` in their identity file).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatHandles {
    /// Their Slack member id (`U024BE7LH`), mentioned as `<@U024BE7LH>`.
    pub slack: Option<String>,
    /// Their Microsoft Teams user principal name (an email address) or Entra object id.
    pub teams: Option<String>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("allOf" = [
    {
        "if": { "properties": { "kind": { "const": "person" } } },
        "then": {
            "required": ["mfa"],
            "not": { "anyOf": [{ "required": ["owner"] }, { "required": ["purpose"] }, { "required": ["client"] }] }
        }
    },
    {
        "if": { "properties": { "kind": { "enum": ["service-account", "agent"] } } },
        "then": {
            "required": ["owner", "purpose", "client"],
            "not": { "anyOf": [{ "required": ["mfa"] }, { "required": ["clients"] }] }
        }
    }
]))]
pub(super) struct RawIdentity {
    /// The identity's id: lowercase letters, digits, `-` and `_`.
    #[schemars(with = "crate::model::schema_text::Id")]
    id: Spanned<String>,
    /// A person, a service account or an automation agent.
    kind: IdentityKind,
    /// The name shown.
    display_name: Option<String>,
    /// Where to reach them.
    email: Option<String>,
    /// The support functions it performs: bundles of these functions apply.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    functions: Vec<Spanned<String>>,
    /// Persons: whether MFA is enforced for them (required).
    #[schemars(with = "Option<MfaStatus>")]
    mfa: Option<Spanned<MfaStatus>>,
    /// Persons: the clients they serve (default: every client).
    #[schemars(with = "Option<Vec<String>>")]
    clients: Option<Spanned<Vec<Spanned<String>>>>,
    /// Service accounts and agents: the person responsible.
    #[schemars(with = "Option<String>")]
    owner: Option<Spanned<String>>,
    /// Service accounts and agents: what it does.
    #[schemars(with = "Option<String>")]
    purpose: Option<Spanned<String>>,
    /// Service accounts and agents: the one client it serves.
    #[schemars(with = "Option<String>")]
    client: Option<Spanned<String>>,
    /// Account name templates per tenant name or system (`default` otherwise), with
    /// `{id}`, `{client}`, `{tenant}` and `{domain}`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    accounts: BTreeMap<String, Spanned<String>>,
    /// The names it runs onboard under (`os:alice`), so approvals compare identities.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    actors: Vec<Spanned<String>>,
    /// Service accounts and agents: the secrets it holds in its client's tenants.
    #[schemars(with = "Option<Vec<super::declared_credential::RawCredential>>")]
    credentials: Option<Spanned<Vec<super::declared_credential::RawCredential>>>,
    /// SSH public keys that prove this identity acts (one `.pub` line each).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    signing_keys: Vec<Spanned<String>>,
    /// How notifications mention them in chat: `{slack: MEMBER-ID, teams: UPN}`.
    #[serde(default)]
    chat: ChatHandles,
}

/// Parses `signing_keys:` lines (`ssh-ed25519 AAAA… carol@laptop`), reporting each bad
/// one at its line.
pub(crate) fn parse_signing_keys(
    path: &Arc<str>,
    lines: &[Spanned<String>],
    field: &str,
    problems: &mut Vec<Diagnostic>,
) -> Vec<(crate::actor::PublicKey, Origin)> {
    let mut keys = Vec::new();
    for line in lines {
        let at = origin(path, line);
        match crate::actor::PublicKey::parse_line(&line.value) {
            Ok(key) => keys.push((key, at)),
            Err(message) => problems.push(
                Diagnostic::new(at, message)
                    .field(field)
                    .hint("paste the one line of the public key file (`~/.ssh/id_ed25519.pub`), e.g. `ssh-ed25519 AAAAC3Nz… carol@laptop`"),
            ),
        }
    }
    keys
}

/// Parses one identity file; every problem found is returned.
pub fn parse(path: &Arc<str>, text: &str) -> Result<Identity, Vec<Diagnostic>> {
    let raw: RawIdentity = yaml::parse(path, text).map_err(|d| vec![d])?;
    let mut problems = Vec::new();
    let id_origin = origin(path, &raw.id);
    problems.extend(check_id(&id_origin, "id", &raw.id.value));
    let scope = match raw.kind {
        IdentityKind::Person => {
            if raw.mfa.is_none() {
                problems.push(
                    Diagnostic::new(id_origin.clone(), "a person must state their MFA status")
                        .field("mfa")
                        .hint("add `mfa: enforced` (or `mfa: not-enforced`)"),
                );
            }
            // Each at its own line.
            for (field, at) in [
                (
                    "credentials",
                    raw.credentials.as_ref().map(|c| origin(path, c)),
                ),
                ("owner", raw.owner.as_ref().map(|o| origin(path, o))),
                ("purpose", raw.purpose.as_ref().map(|p| origin(path, p))),
                ("client", raw.client.as_ref().map(|c| origin(path, c))),
            ] {
                if let Some(at) = at {
                    problems.push(
                        Diagnostic::new(at, format!("`{field}` is for service accounts and agents, not persons"))
                            .field(field)
                            .hint("a person serves clients through `clients:` (or every client when absent)"),
                    );
                }
            }
            match &raw.clients {
                None => IdentityScope::AllClients,
                Some(list) => IdentityScope::Clients(
                    list.value
                        .iter()
                        .map(|c| (c.value.clone(), origin(path, c)))
                        .collect(),
                ),
            }
        }
        kind @ (IdentityKind::ServiceAccount | IdentityKind::Agent) => {
            let what = kind.with_article();
            if let Some(mfa) = &raw.mfa {
                problems.push(
                    Diagnostic::new(
                        origin(path, mfa),
                        format!("`mfa` applies to persons, not to {what}"),
                    )
                    .field("mfa")
                    .hint("remove `mfa:`"),
                );
            }
            if let Some(clients) = &raw.clients {
                problems.push(
                    Diagnostic::new(
                        origin(path, clients),
                        format!("{what} serves exactly one client"),
                    )
                    .field("clients")
                    .hint("replace `clients:` with `client: CLIENT-ID`"),
                );
            }
            if raw.owner.is_none() {
                problems.push(
                    Diagnostic::new(id_origin.clone(), format!("{what} needs an owner"))
                        .field("owner")
                        .hint("add `owner: PERSON-ID`, the person answerable for it"),
                );
            }
            if raw
                .purpose
                .as_ref()
                .is_none_or(|p| p.value.trim().is_empty())
            {
                problems.push(
                    Diagnostic::new(id_origin.clone(), format!("{what} needs a purpose"))
                        .field("purpose")
                        .hint("add `purpose: …` saying what it does and why"),
                );
            }
            match &raw.client {
                Some(c) => IdentityScope::Client(c.value.clone(), origin(path, c)),
                // `clients:` instead is reported above.
                None if raw.clients.is_some() => IdentityScope::Clients(Vec::new()),
                None => {
                    problems.push(
                        Diagnostic::new(
                            id_origin.clone(),
                            format!("{what} must be scoped to one client"),
                        )
                        .field("client")
                        .hint("add `client: CLIENT-ID`"),
                    );
                    IdentityScope::Clients(Vec::new())
                }
            }
        }
    };
    let credentials = match raw.credentials {
        Some(list) if raw.kind != IdentityKind::Person => {
            super::declared_credential::convert(path, list.value, &mut problems)
        }
        _ => Vec::new(),
    };
    let signing_keys = parse_signing_keys(path, &raw.signing_keys, "signing_keys", &mut problems);
    let mut accounts = BTreeMap::new();
    for (key, value) in raw.accounts {
        let template = AccountTemplate {
            template: value.value.clone(),
            origin: origin(path, &value),
        };
        if let Err(message) = template.check() {
            problems.push(
                Diagnostic::new(template.origin.clone(), message)
                    .field(format!("accounts.{key}"))
                    .hint("placeholders are {id}, {client}, {tenant} and {domain}"),
            );
        }
        accounts.insert(key, template);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Identity {
        id: raw.id.value,
        kind: raw.kind,
        display_name: raw.display_name,
        email: raw.email,
        functions: raw
            .functions
            .iter()
            .map(|f| (f.value.clone(), origin(path, f)))
            .collect(),
        mfa: raw.mfa.map(|m| m.value),
        scope,
        owner: raw.owner.map(|o| {
            let at = origin(path, &o);
            (o.value, at)
        }),
        purpose: raw.purpose.map(|p| p.value),
        accounts,
        actors: raw
            .actors
            .iter()
            .map(|a| (a.value.clone(), origin(path, a)))
            .collect(),
        credentials,
        signing_keys,
        chat: raw.chat,
        origin: id_origin,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path() -> Arc<str> {
        Arc::from("identities/x.yaml")
    }

    #[test]
    fn parses_a_person() {
        let i = parse(
            &path(),
            "id: alice\nkind: person\nmfa: enforced\nfunctions: [helpdesk]\naccounts:\n  github: alice-gh\n",
        )
        .unwrap();
        assert_eq!(i.kind, IdentityKind::Person);
        assert!(i.serves("anything"));
        let ctx = AccountContext {
            client: "acme",
            tenant: "entra",
            domain: Some("acme.example"),
        };
        assert_eq!(
            i.account_for("entra", "entra", &ctx).unwrap(),
            "alice@acme.example"
        );
        assert_eq!(i.account_for("gh", "github", &ctx).unwrap(), "alice-gh");
    }

    #[test]
    fn service_accounts_need_owner_purpose_and_one_client() {
        let errors = parse(&path(), "id: bot\nkind: service-account\nmfa: enforced\n").unwrap_err();
        let fields: Vec<_> = errors.iter().filter_map(|d| d.field.clone()).collect();
        assert_eq!(fields, ["mfa", "owner", "purpose", "client"]);
        // Each field's problem at its own line, in words for people.
        assert_eq!(errors[0].origin.line, 3);
        assert_eq!(
            errors[0].message,
            "`mfa` applies to persons, not to a service account"
        );
        let errors = parse(
            &path(),
            "id: bot\nkind: agent\nowner: a\npurpose: p\nclients: [x]\n",
        )
        .unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].origin.line, 5);
        assert_eq!(
            errors[0].message,
            "an automation agent serves exactly one client"
        );
    }

    #[test]
    fn bad_placeholders_are_reported_at_the_template() {
        let errors = parse(
            &path(),
            "id: alice\nkind: person\nmfa: enforced\naccounts:\n  default: \"{user}@x\"\n",
        )
        .unwrap_err();
        assert_eq!(errors[0].origin.line, 5);
        assert!(errors[0].message.contains("unknown placeholder `{user}`"));
    }
}
