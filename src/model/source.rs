//! What asks for a grant: a bundle, an exception, an elevation or a break-glass
//! request. Written `bundle:ID`, `exception:ID`, `elevation:ID`, `break-glass:ID` in
//! plans, the ledger and audit entries.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::RequestKind;

/// What asks for a grant, as plans, the ledger and audit entries write it.
///
/// A source of a kind this onboard does not know (a ledger written by a later version)
/// is kept as written ([`Source::Other`]): it reads and writes back unchanged, and asks
/// for nothing this onboard acts on (it is neither a bundle nor an exception).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// A bundle of the client's tier (or one an exception names): `bundle:ID`.
    Bundle(String),
    /// A client file's exception: `exception:ID`.
    Exception(String),
    /// An approved elevation request: `elevation:ID`.
    Elevation(String),
    /// A break-glass request: `break-glass:ID`.
    BreakGlass(String),
    /// Anything else, kept as written.
    Other(String),
}

impl Source {
    /// Returns the source of a request of `kind` with id `id`; `None` for a kind that
    /// asks for no grant (a mass revocation).
    pub fn of_request(kind: RequestKind, id: &str) -> Option<Source> {
        match kind {
            RequestKind::Elevation => Some(Source::Elevation(id.to_string())),
            RequestKind::BreakGlass => Some(Source::BreakGlass(id.to_string())),
            RequestKind::MassRevoke => None,
        }
    }

    /// Returns `sources` as text, separated by `separator`.
    pub fn join(sources: &[Source], separator: &str) -> String {
        sources
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(separator)
    }

    /// Returns the exception's id, for an exception.
    pub fn exception(&self) -> Option<&str> {
        match self {
            Source::Exception(id) => Some(id),
            _ => None,
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Bundle(id) => write!(f, "bundle:{id}"),
            Source::Exception(id) => write!(f, "exception:{id}"),
            Source::Elevation(id) => write!(f, "elevation:{id}"),
            Source::BreakGlass(id) => write!(f, "break-glass:{id}"),
            Source::Other(text) => f.write_str(text),
        }
    }
}

impl FromStr for Source {
    type Err = std::convert::Infallible;

    /// Reads a source; one of an unknown kind is kept as written.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let Some((kind, id)) = text.split_once(':') else {
            return Ok(Source::Other(text.to_string()));
        };
        let id = id.to_string();
        Ok(match kind {
            "bundle" => Source::Bundle(id),
            "exception" => Source::Exception(id),
            "elevation" => Source::Elevation(id),
            "break-glass" => Source::BreakGlass(id),
            _ => Source::Other(text.to_string()),
        })
    }
}

impl From<&str> for Source {
    fn from(text: &str) -> Self {
        let Ok(source) = text.parse();
        source
    }
}

impl Serialize for Source {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Source {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Source::from(String::deserialize(deserializer)?.as_str()))
    }
}

/// As JSON a source is a string: `bundle:ID`, `exception:ID`, `elevation:ID` or
/// `break-glass:ID`.
impl JsonSchema for Source {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Source".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_read_and_write_as_their_text() {
        for (text, source) in [
            (
                "bundle:essential-helpdesk",
                Source::Bundle("essential-helpdesk".into()),
            ),
            ("exception:bob-ga", Source::Exception("bob-ga".into())),
            ("elevation:req-1", Source::Elevation("req-1".into())),
            ("break-glass:req-2", Source::BreakGlass("req-2".into())),
        ] {
            assert_eq!(Source::from(text), source);
            assert_eq!(source.to_string(), text);
            let json = serde_json::to_string(&source).unwrap();
            assert_eq!(json, format!("\"{text}\""));
            assert_eq!(serde_json::from_str::<Source>(&json).unwrap(), source);
        }
        assert_eq!(Source::Exception("x".into()).exception(), Some("x"));
        assert_eq!(Source::Bundle("x".into()).exception(), None);
    }

    #[test]
    fn a_source_of_an_unknown_kind_is_kept_as_written_and_is_no_exception() {
        for text in ["request:r-1", "no-colon", "", ":x", "Bundle:x", "exception"] {
            let source: Source = serde_json::from_str(&format!("\"{text}\"")).unwrap();
            assert_eq!(source, Source::Other(text.into()), "{text}");
            assert_eq!(source.exception(), None);
            assert_eq!(
                serde_json::to_string(&source).unwrap(),
                format!("\"{text}\"")
            );
        }
        // A source that is not a string is an error, not a panic.
        assert!(serde_json::from_str::<Source>("3").is_err());
    }
}
