//! The canonical layout of a workspace YAML file, as `onboard fmt` writes it.
//!
//! The YAML parser keeps no comments, so the file is not re-emitted from parsed values:
//! its text is rearranged line by line, which keeps every comment where it belongs. The
//! top-level fields move into the order the file kind documents (`id` first), each with
//! the comment lines directly above it; the header comment stays on top. Trailing spaces
//! go, runs of blank lines become one, line ends become `\n`, and the file ends in one
//! newline. Nested mappings keep their order. The result is parsed again and must hold
//! exactly the values the original held, or the file is left alone with an error. Pure:
//! text in, text out.

use serde_json::Value;

/// Why a file cannot be formatted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// The file is not YAML the parser reads.
    #[error("the file is not valid YAML: {0}")]
    Unreadable(String),
    /// The file's layout is one this formatter does not rearrange.
    #[error("{0}")]
    Unsupported(String),
    /// Rearranged, the file would hold other values.
    #[error(
        "formatting would change what the file says (a block scalar with trailing spaces, or a multi-line value at the start of a line)"
    )]
    WouldChange,
}

impl FormatError {
    /// Returns what to do about it.
    pub fn hint(&self) -> String {
        match self {
            FormatError::Unreadable(_) => "`onboard validate` shows where; fix it, then run `onboard fmt` again".into(),
            FormatError::Unsupported(_) | FormatError::WouldChange => {
                "format this file by hand (the other files are formatted), or write it as one block mapping of `key: value` lines".into()
            }
        }
    }
}

/// The canonical order of the top-level fields of each workspace YAML file kind.
pub fn field_order(kind: super::SourceKind) -> &'static [&'static str] {
    match kind {
        super::SourceKind::Identity => &[
            "id",
            "kind",
            "display_name",
            "email",
            "owner",
            "purpose",
            "client",
            "functions",
            "mfa",
            "clients",
            "accounts",
            "actors",
            "signing_keys",
            "chat",
            "credentials",
        ],
        super::SourceKind::Bundle => &[
            "id",
            "tier",
            "function",
            "description",
            "requires",
            "grants",
        ],
        super::SourceKind::Client => &[
            "id",
            "name",
            "tier",
            "contract",
            "data_tags",
            "psa_company",
            "tickets",
            "tenants",
            "exceptions",
            "approvers",
            "co_approval",
        ],
        super::SourceKind::Policy => &[
            "actors",
            "disabled_rules",
            "max_ttl",
            "exceptions",
            "break_glass",
            "reviews",
            "requests",
            "mass_revoke",
            "credentials",
            "notify",
        ],
    }
}

/// One top-level field: its lines (the comments directly above it, its key line and
/// everything indented under it), and whether a blank line came before it.
struct Block<'a> {
    key: String,
    lines: Vec<&'a str>,
    blank_before: bool,
}

/// Returns the file in canonical layout, with its top-level fields in `order` (fields
/// not in it keep their relative order after those that are).
pub fn format_yaml(text: &str, order: &[&str]) -> Result<String, FormatError> {
    let before = values(text).map_err(FormatError::Unreadable)?;
    let normalized = text.replace("\r\n", "\n");
    let lines: Vec<&str> = normalized.lines().map(str::trim_end).collect();
    let mut header_end = lines
        .iter()
        .position(|l| is_top_level(l))
        .unwrap_or(lines.len());
    // Comment lines right above the first field are that field's, save the schema line.
    while header_end > 0
        && lines[header_end - 1].starts_with('#')
        && !lines[header_end - 1].starts_with("# yaml-language-server:")
    {
        header_end -= 1;
    }
    if lines
        .iter()
        .any(|l| l.starts_with("- ") || *l == "-" || l.starts_with(['{', '[']))
    {
        return Err(FormatError::Unsupported(
            "the file is not a block mapping of `key: value` lines".into(),
        ));
    }
    let (header, rest) = lines.split_at(header_end);
    let mut blocks: Vec<Block> = Vec::new();
    let mut pending: Vec<&str> = Vec::new();
    let mut blank = header.last() == Some(&"");
    for line in rest {
        if *line == "---" || *line == "..." {
            return Err(FormatError::Unsupported(
                "the file holds more than one YAML document (`---`)".into(),
            ));
        }
        if line.is_empty() {
            // A blank line ends the comments gathered for the next field: they stay with
            // the field above.
            if let Some(block) = blocks.last_mut() {
                block.lines.append(&mut pending);
                block.lines.push("");
            }
            blank = true;
            continue;
        }
        if line.starts_with('#') {
            pending.push(line);
            continue;
        }
        if is_top_level(line) {
            // Blank lines between two fields are the new one's `blank_before`.
            if let Some(block) = blocks.last_mut() {
                while block.lines.last() == Some(&"") {
                    block.lines.pop();
                }
            }
            let mut block_lines = std::mem::take(&mut pending);
            block_lines.push(line);
            blocks.push(Block {
                key: key_of(line),
                lines: block_lines,
                blank_before: blank,
            });
        } else {
            // Indented: it belongs to the field above, with any comments before it.
            let block = blocks
                .last_mut()
                .expect("the first non-header line is a top-level key");
            block.lines.append(&mut pending);
            block.lines.push(line);
        }
        blank = false;
    }
    let trailing = pending;
    if let Some(block) = blocks.last_mut() {
        while block.lines.last() == Some(&"") {
            block.lines.pop();
        }
    }
    let rank = |key: &str| order.iter().position(|k| *k == key).unwrap_or(order.len());
    blocks.sort_by_key(|b| rank(&b.key));
    let mut out = String::new();
    let mut previous_blank = true;
    for line in header {
        push_line(&mut out, line, &mut previous_blank);
    }
    for block in &blocks {
        if block.blank_before {
            push_line(&mut out, "", &mut previous_blank);
        }
        for line in &block.lines {
            push_line(&mut out, line, &mut previous_blank);
        }
    }
    for line in trailing {
        push_line(&mut out, line, &mut previous_blank);
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    if values(&out).ok() != Some(before) {
        return Err(FormatError::WouldChange);
    }
    Ok(out)
}

/// Appends a line, dropping a blank one after a blank one (or at the start).
fn push_line(out: &mut String, line: &str, previous_blank: &mut bool) {
    if line.is_empty() && *previous_blank {
        return;
    }
    out.push_str(line);
    out.push('\n');
    *previous_blank = line.is_empty();
}

/// Returns whether a line starts a top-level field (`key:` at the first column).
pub fn is_top_level(line: &str) -> bool {
    !line.is_empty()
        && !line.starts_with([' ', '\t', '#', '-', '{', '[', '}', ']'])
        && line != "---"
        && line != "..."
}

/// Returns the key of a top-level line (`id: x` → `id`).
fn key_of(line: &str) -> String {
    let key = line.split(':').next().unwrap_or(line).trim();
    key.trim_matches(['"', '\'']).to_string()
}

/// Returns the values a YAML text holds, for comparing two layouts of it.
fn values(text: &str) -> Result<Value, String> {
    let options = serde_saphyr::options! { strict_booleans: true, with_snippet: false };
    serde_saphyr::from_str_with_options::<Value>(text, options).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SourceKind;

    fn client(text: &str) -> Result<String, FormatError> {
        format_yaml(text, field_order(SourceKind::Client))
    }

    #[test]
    fn fields_move_into_canonical_order_with_their_comments() {
        let text = "# yaml-language-server: $schema=../schemas/client.schema.json\n# Acme.\n\n# The tenants.\ntenants:   \n  # the main one\n  - name: entra\n    system: entra\n\n    adapter: file   # local\n    path: t/e\ntier: premium\n\n\n# Who they are.\nid: acme\nname: Acme   \r\n";
        let formatted = client(text).unwrap();
        assert_eq!(
            formatted,
            "# yaml-language-server: $schema=../schemas/client.schema.json\n# Acme.\n\n# Who they are.\nid: acme\nname: Acme\ntier: premium\n\n# The tenants.\ntenants:\n  # the main one\n  - name: entra\n    system: entra\n\n    adapter: file   # local\n    path: t/e\n"
        );
        // Formatting is idempotent.
        assert_eq!(client(&formatted).unwrap(), formatted);
    }

    #[test]
    fn a_canonical_file_is_left_as_it_is() {
        let text = "id: acme\ntier: premium\ntenants:\n  - name: entra\n    system: entra\n    adapter: file\n    path: t/e\n";
        assert_eq!(client(text).unwrap(), text);
    }

    #[test]
    fn layouts_it_cannot_rearrange_are_refused() {
        for (text, expected) in [
            ("- id: a\n", "not a block mapping"),
            ("{id: a, tier: b}\n", "not a block mapping"),
        ] {
            let error = client(text).unwrap_err();
            assert!(error.to_string().contains(expected), "{text:?}: {error}");
        }
        for text in ["id: [unclosed\n", "id: a\n---\nid: b\n"] {
            assert!(
                matches!(client(text), Err(FormatError::Unreadable(_))),
                "{text:?}"
            );
        }
        // Trailing spaces inside a literal block scalar are part of its value.
        assert_eq!(
            client("id: a\nname: |\n  two  \n  lines\ntier: b\n"),
            Err(FormatError::WouldChange)
        );
    }

    #[test]
    fn every_schema_field_has_a_place_in_the_canonical_order() {
        use super::super::schema::{FileKind, file_schema};
        for (source, file) in [
            (SourceKind::Identity, FileKind::Identity),
            (SourceKind::Bundle, FileKind::Bundle),
            (SourceKind::Client, FileKind::Client),
            (SourceKind::Policy, FileKind::Policy),
        ] {
            let schema = file_schema(file, "t");
            let mut fields: Vec<&str> = schema
                .get("properties")
                .and_then(|p| p.as_object())
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            fields.sort_unstable();
            let mut order = field_order(source).to_vec();
            order.sort_unstable();
            assert_eq!(order, fields, "{source:?}");
        }
    }
}
