//! The small types that the workspace files' text fields name in their JSON Schemas:
//! each is a string (or number) whose schema states, as a pattern, the rule the parser
//! checks by hand (ids, durations, dates, credential references, URLs), so an editor
//! flags what `onboard validate` would. [`super::schema`] puts them together with the
//! raw types into the files' schemas.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use super::Entitlement;

/// Declares a string type whose schema is a pattern with a description.
macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $pattern:expr, $description:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({
                    "type": "string",
                    "pattern": $pattern,
                    "description": $description,
                })
            }
        }
    };
}

text_type!(
    /// An id: what [`super::is_valid_id`] accepts.
    Id,
    "^[a-z0-9][a-z0-9_-]{0,63}$",
    "Lowercase letters, digits, `-` and `_`, starting with a letter or digit, at most 64 characters."
);

text_type!(
    /// A duration as `humantime` reads it (`30m`, `8h`, `1d 12h`).
    DurationText,
    "^\\s*([0-9]+\\s*[a-zA-Zµ]+\\s*)+$",
    "A duration longer than zero, such as `30m`, `8h`, `1d` or `2w`."
);

text_type!(
    /// A day or an RFC 3339 instant, as the workspace's dates are written.
    DateText,
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?([Zz]|[+-][0-9]{2}:[0-9]{2}))?$",
    "A day (`2027-12-31`) or an RFC 3339 instant (`2027-12-31T18:00:00Z`)."
);

text_type!(
    /// A credential reference, never a secret.
    CredentialText,
    "^(keyring:\\s*\\S+\\s*|env:\\s*[A-Z_][A-Z0-9_]*\\s*|file:.*\\S.*|vault:\\s*[^#\\s]+#\\S+\\s*|exec:.*\\S.*)$",
    "A reference to the secret, never the secret: `keyring:NAME`, `env:VAR`, `file:PATH`, `vault:MOUNT/data/PATH#FIELD` or `exec:COMMAND`."
);

text_type!(
    /// A tenant endpoint: a URL without credentials in it.
    UrlText,
    "^(https?|ldaps?)://[^/@]+(/.*)?$",
    "The full URL (`https://…`, `ldaps://…`), without `user:password@`: the secret goes behind `credential`."
);

text_type!(
    /// An Entra object or tenant id.
    Guid,
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
    "A GUID, as Entra shows object and tenant ids."
);

text_type!(
    /// A GitHub App or installation id.
    Digits,
    "^[0-9]+$",
    "A number, as GitHub shows it."
);

text_type!(
    /// An entitlement as a workspace file writes it.
    EntitlementText,
    "^(group|role|org|team|team-maintainer|entitlement):.+$",
    "`KIND:NAME`; the kinds a tenant has depend on its system (`group:`, `role:` for Entra; `org:`, `team:`, `team-maintainer:` for GitHub…)."
);

text_type!(
    /// An instant as onboard prints it.
    DateTime,
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$",
    "An RFC 3339 instant."
);

/// Declares a number type whose schema is a range with a description.
macro_rules! number_type {
    ($(#[$doc:meta])* $name:ident, $type:expr, $minimum:expr, $maximum:expr, $description:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({
                    "type": $type,
                    "minimum": $minimum,
                    "maximum": $maximum,
                    "description": $description,
                })
            }
        }
    };
}

number_type!(
    /// The share of a client's grants one run may revoke.
    Share,
    "number",
    0.0,
    1.0,
    "A fraction from 0 to 1, such as `0.25`."
);

number_type!(
    /// `[apply] parallelism`.
    Parallelism,
    "integer",
    1,
    64,
    "Tenants worked on at once, 1 to 64."
);

impl JsonSchema for Entitlement {
    fn schema_name() -> Cow<'static, str> {
        "Entitlement".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        EntitlementText::json_schema(generator)
    }
}
