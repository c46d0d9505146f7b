//! Strict YAML reading: duplicate keys, unknown fields and YAML 1.1 booleans are errors
//! that carry the file, line and column.

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_saphyr::Spanned;

use super::{Diagnostic, Origin};

/// Parses one YAML document strictly into `T`, or returns a diagnostic at the failing node.
pub fn parse<T: DeserializeOwned>(path: &Arc<str>, text: &str) -> Result<T, Diagnostic> {
    // Snippets are off on purpose: a snippet would echo the offending line, and that line
    // may hold a secret someone pasted in by mistake.
    let options = serde_saphyr::options! {
        strict_booleans: true,
        with_snippet: false,
    };
    if text.trim().is_empty() {
        return Err(Diagnostic::new(Origin::file(path), "the file is empty")
            .hint("remove the file, or write the record it should hold"));
    }
    serde_saphyr::from_str_with_options::<T>(text, options).map_err(|error| {
        let origin = error
            .location()
            .map(|l| Origin::at(path, l.line(), l.column()))
            .unwrap_or_else(|| Origin::file(path));
        describe(origin, &error.to_string())
    })
}

/// Returns the origin of a spanned value.
pub fn origin<T>(path: &Arc<str>, value: &Spanned<T>) -> Origin {
    Origin::at(path, value.referenced.line(), value.referenced.column())
}

/// Turns a parser message into a diagnostic with a hint where one helps.
fn describe(origin: Origin, raw: &str) -> Diagnostic {
    let message = strip_location(raw);
    if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        let key = rest.split(',').next().unwrap_or(rest).trim();
        return Diagnostic::new(origin, format!("duplicate key `{key}`"))
            .field(key)
            .hint("each key may appear once in a mapping: remove or merge the repeated one");
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (field, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let expected = expected
            .trim_start_matches(',')
            .trim()
            .trim_start_matches("expected one of ")
            .trim_start_matches("expected ");
        let diagnostic = Diagnostic::new(origin, format!("unknown field `{field}`")).field(field);
        return if expected.is_empty() {
            diagnostic.hint("remove the field: this mapping takes no fields")
        } else {
            diagnostic.hint(format!("the fields allowed here are: {expected}"))
        };
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        return Diagnostic::new(origin, format!("missing field `{field}`"))
            .field(field)
            .hint(format!("add `{field}:` to this mapping"));
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let (value, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let expected = expected
            .trim_start_matches(',')
            .trim()
            .trim_start_matches("expected one of ")
            .trim_start_matches("expected ");
        return Diagnostic::new(origin, format!("unknown value `{value}`"))
            .hint(format!("use one of: {expected}"));
    }
    if message.starts_with("invalid boolean") {
        return Diagnostic::new(origin, "not a boolean")
            .hint("write `true` or `false` (YAML 1.1 forms such as `yes`/`no` are not accepted)");
    }
    Diagnostic::new(origin, message.to_string()).hint(SYNTAX_HINT)
}

/// The hint of a parser message with no more specific one: most are about the shape of
/// the text (a scalar where a list belongs, a tab, an unclosed bracket).
const SYNTAX_HINT: &str = "check the YAML at this place: indent with spaces, quote values holding `:` or `#`, and see docs/workspace.md for the field's form";

fn strip_location(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(index) => &message[..index],
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        name: String,
        flag: Option<bool>,
    }

    fn err(text: &str) -> Diagnostic {
        parse::<Sample>(&Arc::from("f.yaml"), text).unwrap_err()
    }

    #[test]
    fn duplicate_keys_name_the_line_and_key() {
        let d = err("name: a\nname: b\n");
        assert_eq!(d.to_string(), "f.yaml:2:1: `name`: duplicate key `name`");
    }

    #[test]
    fn unknown_fields_list_the_allowed_ones() {
        let d = err("name: a\nbogus: 1\n");
        assert_eq!(d.origin.line, 2);
        assert_eq!(d.message, "unknown field `bogus`");
        assert_eq!(
            d.hint.as_deref(),
            Some("the fields allowed here are: name, flag")
        );
    }

    #[test]
    fn yaml_1_1_booleans_are_refused() {
        let d = err("name: a\nflag: no\n");
        assert_eq!((d.origin.line, d.origin.column), (2, 7));
        assert_eq!(d.message, "not a boolean");
    }

    #[test]
    fn every_parser_message_has_a_hint() {
        for text in [
            "- a\n- b\n",
            "name: [\n",
            "name:\tb\n\t- x\n",
            "name: [a]\n",
        ] {
            assert!(err(text).hint.is_some(), "{text:?}");
        }
    }

    #[test]
    fn empty_files_are_reported() {
        assert_eq!(err("  \n").message, "the file is empty");
    }
}
