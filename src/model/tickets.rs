//! Ticket providers: where onboard looks tickets up (`[tickets]` in `onboard.toml`, or a
//! client's own `tickets:` in its client file).
//!
//! Pure: the same raw section is read from TOML and from YAML and checked here into a
//! [`TicketProvider`]; nothing here talks to a provider (that is `crate::tickets`).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use super::{CredentialRef, Diagnostic, Origin};

/// How long a `command` provider may run, and a `webhook` may take, by default.
pub const DEFAULT_TICKET_TIMEOUT: Duration = Duration::from_secs(30);

/// A ticket provider: what checks that a ticket exists, is open and belongs to a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketProvider {
    /// Which kind of provider, with its connection settings.
    pub kind: TicketProviderKind,
    /// PSA company identifiers (as the provider names them) mapped to client ids.
    pub companies: BTreeMap<String, String>,
    /// Whether onboard posts a note to the ticket on grant, expiry and revoke.
    pub write_back: bool,
    /// How long a `command` may run (a `webhook` request follows `ONBOARD_HTTP_TIMEOUT`).
    pub timeout: Duration,
    /// Where it is declared (`onboard.toml`, or a client file's `tickets:`).
    pub origin: Origin,
}

/// The kinds of ticket provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketProviderKind {
    /// ConnectWise PSA (Manage) REST API.
    ConnectWise {
        /// The API's base URL, ending in `/apis/3.0`.
        endpoint: String,
        /// The ConnectWise company id (the login company, not a client).
        company_id: String,
        /// The API member's public key (an identifier).
        public_key: String,
        /// Where the API member's private key is kept.
        private_key: CredentialRef,
        /// Where the integration's `clientId` is kept (ConnectWise asks to treat it as
        /// a secret).
        client_id: CredentialRef,
    },
    /// A program given the question as JSON on stdin, answering JSON on stdout.
    Command {
        /// The program and its arguments (run without a shell).
        argv: Vec<String>,
    },
    /// The same JSON over an HTTPS POST.
    Webhook {
        /// The URL (`https://`, or `http://` to loopback only).
        url: String,
        /// Where a bearer token for it is kept, if it needs one.
        token: Option<CredentialRef>,
    },
    /// No provider: tickets are free text (a client opting out of the workspace's).
    None,
}

impl TicketProvider {
    /// Returns the kind's name as written in the files.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            TicketProviderKind::ConnectWise { .. } => "connectwise",
            TicketProviderKind::Command { .. } => "command",
            TicketProviderKind::Webhook { .. } => "webhook",
            TicketProviderKind::None => "none",
        }
    }

    /// Returns whether tickets are checked at all (not `kind = "none"`).
    pub fn is_active(&self) -> bool {
        self.kind != TicketProviderKind::None
    }
}

/// The kinds a `kind` field names (for the schema).
#[derive(Deserialize, schemars::JsonSchema, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum RawTicketKind {
    /// ConnectWise PSA (Manage).
    Connectwise,
    /// A program: the question as JSON on stdin, the answer as JSON on stdout.
    Command,
    /// An HTTPS endpoint: the question as a JSON POST, the answer as JSON.
    Webhook,
    /// No provider: tickets stay free text.
    None,
}

/// `[tickets]` in `onboard.toml`, or `tickets:` in a client file, as written.
#[derive(Deserialize, schemars::JsonSchema, Debug)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTicketProvider {
    /// Which provider: `connectwise`, `command`, `webhook` or `none`.
    kind: RawTicketKind,
    /// connectwise: the REST API's base URL, e.g.
    /// `https://api-na.myconnectwise.net/v4_6_release/apis/3.0`.
    endpoint: Option<String>,
    /// connectwise: the company id you log in with.
    company_id: Option<String>,
    /// connectwise: the API member's public key.
    public_key: Option<String>,
    /// connectwise: where the API member's private key is kept (a credential reference).
    #[schemars(with = "Option<crate::model::schema_text::CredentialText>")]
    private_key: Option<String>,
    /// connectwise: where the integration's `clientId` is kept (a credential reference).
    #[schemars(with = "Option<crate::model::schema_text::CredentialText>")]
    client_id: Option<String>,
    /// command: the program and its arguments, run without a shell.
    command: Option<Vec<String>>,
    /// webhook: the URL the question is POSTed to.
    url: Option<String>,
    /// webhook: where a bearer token is kept (a credential reference), if any.
    #[schemars(with = "Option<crate::model::schema_text::CredentialText>")]
    token: Option<String>,
    /// command: how long it may run (default `30s`).
    #[schemars(with = "Option<crate::model::schema_text::DurationText>")]
    timeout: Option<String>,
    /// PSA company identifiers mapped to client ids (a client file may instead say
    /// `psa_company:`).
    #[serde(default)]
    companies: BTreeMap<String, String>,
    /// Post a note to the ticket on grant, expiry and revoke (default false).
    #[serde(default)]
    write_back: bool,
}

impl RawTicketProvider {
    /// Checks the section into a provider; `field` is where it sits (`tickets`), `at`
    /// where it is declared.
    pub(crate) fn convert(self, field: &str, at: Origin) -> Result<TicketProvider, Diagnostic> {
        let problem = |name: &str, message: String, hint: &str| {
            Diagnostic::new(at.clone(), message)
                .field(format!("{field}.{name}"))
                .hint(hint.to_string())
        };
        let required = |name: &str, value: Option<String>, hint: &str| {
            value
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .ok_or_else(|| {
                    problem(
                        name,
                        format!("a `{}` ticket provider needs `{name}`", self.kind_name()),
                        hint,
                    )
                })
        };
        let reference = |name: &str, value: String| {
            CredentialRef::parse(&value).map_err(|message| {
                problem(
                    name,
                    message,
                    "write a reference such as `env:CW_PRIVATE_KEY` or `keyring:connectwise`; never the secret itself",
                )
            })
        };
        let kind = match self.kind {
            RawTicketKind::Connectwise => {
                let endpoint = required(
                    "endpoint",
                    self.endpoint.clone(),
                    "write e.g. `endpoint = \"https://api-na.myconnectwise.net/v4_6_release/apis/3.0\"`",
                )?;
                TicketProviderKind::ConnectWise {
                    endpoint: endpoint.trim_end_matches('/').to_string(),
                    company_id: required(
                        "company_id",
                        self.company_id.clone(),
                        "write the company id you log in to ConnectWise with",
                    )?,
                    public_key: required(
                        "public_key",
                        self.public_key.clone(),
                        "write the API member's public key (System > Members > API Keys)",
                    )?,
                    private_key: reference(
                        "private_key",
                        required(
                            "private_key",
                            self.private_key.clone(),
                            "write e.g. `private_key = \"env:CW_PRIVATE_KEY\"`",
                        )?,
                    )?,
                    client_id: reference(
                        "client_id",
                        required(
                            "client_id",
                            self.client_id.clone(),
                            "write e.g. `client_id = \"env:CW_CLIENT_ID\"` (the integration's clientId from developer.connectwise.com)",
                        )?,
                    )?,
                }
            }
            RawTicketKind::Command => {
                let argv = self.command.clone().unwrap_or_default();
                if argv.first().is_none_or(|p| p.trim().is_empty()) {
                    return Err(problem(
                        "command",
                        "a `command` ticket provider needs `command`, the program and its arguments".into(),
                        "write e.g. `command = [\"./scripts/ticket\", \"--json\"]`",
                    ));
                }
                TicketProviderKind::Command { argv }
            }
            RawTicketKind::Webhook => TicketProviderKind::Webhook {
                url: required(
                    "url",
                    self.url.clone(),
                    "write e.g. `url = \"https://psa-bridge.msp.example/onboard\"`",
                )?,
                token: self
                    .token
                    .clone()
                    .map(|t| reference("token", t))
                    .transpose()?,
            },
            RawTicketKind::None => TicketProviderKind::None,
        };
        let timeout = match &self.timeout {
            None => DEFAULT_TICKET_TIMEOUT,
            Some(text) => super::time::parse_duration(text)
                .map_err(|e| problem("timeout", e, "write a duration such as `30s`"))?,
        };
        Ok(TicketProvider {
            kind,
            companies: self.companies,
            write_back: self.write_back,
            timeout,
            origin: at,
        })
    }

    fn kind_name(&self) -> &'static str {
        match self.kind {
            RawTicketKind::Connectwise => "connectwise",
            RawTicketKind::Command => "command",
            RawTicketKind::Webhook => "webhook",
            RawTicketKind::None => "none",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convert(toml_text: &str) -> Result<TicketProvider, Diagnostic> {
        let raw: RawTicketProvider = toml::from_str(toml_text).unwrap();
        raw.convert("tickets", Origin::file(&"onboard.toml".into()))
    }

    #[test]
    fn connectwise_needs_its_fields_and_references() {
        let p = convert(
            "kind = \"connectwise\"\nendpoint = \"https://cw.example/v4_6_release/apis/3.0/\"\ncompany_id = \"msp\"\npublic_key = \"pub\"\nprivate_key = \"env:CW_KEY\"\nclient_id = \"env:CW_CLIENT\"\n",
        )
        .unwrap();
        assert!(matches!(
            p.kind,
            TicketProviderKind::ConnectWise { ref endpoint, .. } if endpoint == "https://cw.example/v4_6_release/apis/3.0"
        ));
        let d = convert("kind = \"connectwise\"\nendpoint = \"https://cw\"\ncompany_id = \"m\"\npublic_key = \"p\"\nprivate_key = \"hunter2hunter2\"\nclient_id = \"env:C\"\n").unwrap_err();
        assert_eq!(d.field.as_deref(), Some("tickets.private_key"));
        assert!(!d.message.contains("hunter2"), "{}", d.message);
        let d = convert("kind = \"connectwise\"\n").unwrap_err();
        assert_eq!(d.field.as_deref(), Some("tickets.endpoint"));
    }

    #[test]
    fn command_and_webhook() {
        assert_eq!(
            convert("kind = \"command\"\ncommand = [\"./t\"]\ntimeout = \"5s\"\n")
                .unwrap()
                .timeout,
            Duration::from_secs(5)
        );
        assert!(convert("kind = \"command\"\ncommand = []\n").is_err());
        assert!(convert("kind = \"webhook\"\n").is_err());
        assert!(!convert("kind = \"none\"\n").unwrap().is_active());
    }
}
