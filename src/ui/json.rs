//! JSON documents written straight to their writer, as shown on a terminal.
//!
//! A plan of 100,000 changes is a 45 MB document: [`write_shown`] serializes it into the
//! writer (stdout, buffered) as it goes, rather than building the text, and escapes the
//! control characters of each string as it writes it, rather than copying the whole text
//! again to escape them ([`super::escape::escape_output`]).

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{CharEscape, CompactFormatter, Formatter, PrettyFormatter};

use super::escape::escape;

/// Writes `document` as [`super::documents::to_json`] renders it (pretty, with a final
/// line break), every string's control characters escaped as
/// [`super::escape::escape_output`] escapes them in that text: the same bytes.
///
/// serde_json already writes the C0 controls in a string as escapes (`\n`, `\u001b`);
/// what is left are DEL, the C1 controls and the bidi controls, written here as `\uXXXX`,
/// which is a valid JSON escape of the same character. Outside strings a JSON text holds
/// only printable ASCII, spaces and line breaks, which are never escaped.
pub fn write_shown<W: Write, T: Serialize + ?Sized>(out: &mut W, document: &T) -> io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(&mut *out, Shown::default());
    document
        .serialize(&mut serializer)
        .map_err(io::Error::from)?;
    out.write_all(b"\n")
}

/// serde_json's pretty layout, with each string's fragments escaped for a terminal.
#[derive(Default)]
struct Shown {
    pretty: PrettyFormatter<'static>,
}

impl Formatter for Shown {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // A fragment holds no character serde_json escapes (no C0 control): `escape`
        // escapes only the others.
        writer.write_all(escape(fragment).as_bytes())
    }

    fn write_char_escape<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        char_escape: CharEscape,
    ) -> io::Result<()> {
        CompactFormatter.write_char_escape(writer, char_escape)
    }

    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.begin_array(writer)
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.end_array(writer)
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.pretty.begin_array_value(writer, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.end_array_value(writer)
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.begin_object(writer)
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.end_object(writer)
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.pretty.begin_object_key(writer, first)
    }

    fn end_object_key<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.end_object_key(writer)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.begin_object_value(writer)
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.end_object_value(writer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::documents::to_json;
    use crate::ui::escape::escape_output;

    fn shown<T: Serialize>(document: &T) -> String {
        let mut out = Vec::new();
        write_shown(&mut out, document).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_document_is_written_as_its_text_escaped_whole_would_be() {
        let document = serde_json::json!({
            "id": "café ✓ \u{1b}[31mred\u{1b}[0m \0 \r\n\t \u{7f} \u{85} \u{9b} \u{202e}rtl\u{2066} \u{200f}",
            "keys": { "k\u{202e}ey\u{7f}": ["\u{61c}", "plain", "", "\"quoted\" \\ /"] },
            "numbers": [1, -2, 3.5, null, true, false],
            "empty": { "list": [], "map": {} },
            "名前": "日本語",
        });
        let text = to_json(&document);
        assert_eq!(shown(&document), escape_output(&text, false));
        assert_eq!(shown(&document), escape_output(&text, true));
        // Still JSON, with the same values.
        let back: serde_json::Value = serde_json::from_str(&shown(&document)).unwrap();
        assert_eq!(back, document);
        assert!(!shown(&document).contains(['\u{7f}', '\u{85}', '\u{202e}', '\u{1b}']));
    }

    /// A plan of a grant, a denial and an unreadable tenant, whose names and words hold
    /// control characters and letters beyond ASCII.
    fn plan() -> crate::plan::Plan {
        use crate::model::{Entitlement, EntitlementKind, Source};
        use crate::plan::{Change, ChangeKind, DeniedGrant, UnreadableTenant};
        let entitlement = Entitlement {
            kind: EntitlementKind::Group,
            name: "Équipe-\u{202e}\u{1b}[31m\u{7f}".into(),
        };
        let grant = Change {
            entitlement: Some(entitlement.clone()),
            identity: Some("zoë".into()),
            account: Some("zoë\u{0}\u{85}@acme.example".into()),
            expires_at: Some(time::macros::datetime!(2027-01-01 00:00 UTC)),
            sources: vec![
                Source::Bundle("büro".into()),
                Source::Other("x\u{9b}".into()),
            ],
            origin: Some("bundles/büro.yaml:3:5".into()),
            held_before_onboard: true,
            ..Change::new(
                ChangeKind::Grant,
                "acmé",
                "entra\u{2066}",
                "wanted by\n\t\"it\"".into(),
            )
        };
        let drift = Change {
            entitlement: Some(entitlement.clone()),
            account: Some("mallory\u{1b}]0;t\u{7}@acme.example".into()),
            ..Change::new(ChangeKind::Drift, "acmé", "entra\u{2066}", "held\r".into())
        };
        crate::plan::Plan {
            changes: vec![grant, drift],
            denials: vec![DeniedGrant {
                client: "acmé".into(),
                tenant: "entra\u{2066}".into(),
                entitlement,
                identity: None,
                account: None,
                sources: Vec::new(),
                origin: "clients/acmé.yaml:9:1".into(),
                ticket: Some("T-\u{200f}1".into()),
                rule: "forbidden".into(),
                hint: "ask \u{61c}".into(),
                reason: "never".into(),
            }],
            unknown: vec![UnreadableTenant {
                client: "acmé".into(),
                tenant: "okta".into(),
                reason: "list: \u{1b}[2J\u{0}".into(),
                error_code: "unreachable".into(),
                hint: None,
            }],
            warnings: vec!["`acmé/okta`: note \u{202e}".into()],
            configuration: Vec::new(),
        }
    }

    /// The document of `plan` with `changes`, as `plan -o json` prints it.
    fn document<C>(plan: &crate::plan::Plan, changes: C) -> crate::ui::documents::PlanDocument<C> {
        let at = time::macros::datetime!(2026-11-30 12:00 UTC);
        crate::ui::documents::PlanDocument {
            format_version: crate::ui::documents::FORMAT_VERSION,
            generated_at: at,
            now: at,
            valid_until: plan.first_end().and_then(|c| c.expires_at),
            workspace_fingerprint: "w".into(),
            ledger_fingerprint: "none".into(),
            ledger_pins: None,
            clients: vec!["acmé".into()],
            summary: plan.summary(),
            changes,
            warnings: plan.warnings.clone(),
            configuration: Vec::new(),
            credentials: Vec::new(),
        }
    }

    #[test]
    fn a_plan_written_from_the_plan_is_the_document_of_its_rows_escaped() {
        let plan = plan();
        // As onboard printed it before: the rows copied into the document, the document
        // rendered, the text escaped whole.
        let copied = to_json(&document(&plan, plan.rows()));
        assert_eq!(
            shown(&document(&plan, plan.json_rows())),
            escape_output(&copied, false)
        );
        // And the entries written one by one read back as the rows.
        let back: crate::ui::documents::PlanDocument =
            serde_json::from_str(&shown(&document(&plan, plan.json_rows()))).unwrap();
        assert_eq!(back.changes, plan.rows());
        assert_eq!(back.plan().unwrap(), plan);
        assert_eq!(
            serde_json::to_string(&plan.json_rows()).unwrap(),
            serde_json::to_string(&plan.rows()).unwrap()
        );
    }
}
