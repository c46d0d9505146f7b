//! Showing untrusted text on a terminal: control characters become visible escapes.
//!
//! Ids, names and reasons come from workspace files and from tenants; a terminal would
//! obey the escape sequences, NUL bytes, carriage returns and bidi overrides in them
//! (recolouring, rewriting or reordering what the user reads). Every control character
//! (C0 including ESC and NUL, DEL, C1) and every bidi control (U+061C, U+200E, U+200F,
//! U+202A–U+202E, U+2066–U+2069) is written as `\uXXXX`. That form is a valid JSON
//! escape of the same character, so JSON output stays valid JSON carrying the same
//! values.

use std::borrow::Cow;

/// Returns whether a character is shown escaped.
fn is_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// Returns a field (an id, a name, a reason, one message) with every control character
/// escaped, line breaks and tabs included.
pub fn escape(text: &str) -> Cow<'_, str> {
    escape_where(text, |_, _| 0)
}

/// Returns a whole output (a table, a document, messages) with every control character
/// escaped except its line breaks and tabs and, when `color` is on, the colour
/// sequences (`ESC [ … m`) onboard writes itself.
pub fn escape_output(text: &str, color: bool) -> Cow<'_, str> {
    escape_where(text, |c, rest| match c {
        '\n' | '\t' => 1,
        '\x1b' if color => sgr_len(rest),
        _ => 0,
    })
}

/// Returns the length of the colour sequence (`ESC [ digits-and-semicolons m`) that
/// `text` starts with, or 0.
fn sgr_len(text: &str) -> usize {
    let Some(body) = text.strip_prefix("\x1b[") else {
        return 0;
    };
    let params = body
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b';')
        .count();
    if body.as_bytes().get(params) == Some(&b'm') {
        params + 3
    } else {
        0
    }
}

/// Escapes control characters, except where `keep(c, rest)` returns how many bytes of
/// `rest` (which starts with `c`) to copy as they are.
fn escape_where(text: &str, keep: impl Fn(char, &str) -> usize) -> Cow<'_, str> {
    // Printable ASCII, as most fields are, is told a byte at a time.
    if text.bytes().all(|b| (b' '..b'\x7f').contains(&b)) || !text.chars().any(is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    loop {
        // Printable ASCII is never escaped: copied a run at a time (a large JSON
        // document is mostly that).
        let plain = rest
            .bytes()
            .position(|b| !(b' '..b'\x7f').contains(&b))
            .unwrap_or(rest.len());
        out.push_str(&rest[..plain]);
        rest = &rest[plain..];
        let Some(c) = rest.chars().next() else {
            break;
        };
        let kept = if is_control(c) {
            keep(c, rest)
        } else {
            c.len_utf8()
        };
        if kept > 0 {
            out.push_str(&rest[..kept]);
            rest = &rest[kept..];
        } else {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
            rest = &rest[c.len_utf8()..];
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_visible() {
        assert_eq!(
            escape("a\x1b[31mred\0\r\n\t\x7f\u{9b}\u{202e}b"),
            "a\\u001b[31mred\\u0000\\u000d\\u000a\\u0009\\u007f\\u009b\\u202eb"
        );
        assert!(matches!(escape("plain café ✓"), Cow::Borrowed(_)));
    }

    #[test]
    fn outputs_keep_their_layout_and_own_colours_only() {
        let text = "\x1b[1;31merror:\x1b[0m bad \x1b[31mid\x1b]0;title\x07\n\tnext\0";
        assert_eq!(
            escape_output(text, true),
            "\x1b[1;31merror:\x1b[0m bad \x1b[31mid\\u001b]0;title\\u0007\n\tnext\\u0000"
        );
        assert_eq!(
            escape_output(text, false),
            "\\u001b[1;31merror:\\u001b[0m bad \\u001b[31mid\\u001b]0;title\\u0007\n\tnext\\u0000"
        );
    }

    #[test]
    fn runs_of_plain_text_around_wide_and_control_characters_are_kept_whole() {
        let text = "{\n  \"id\": \"café\u{202e}✓\u{85}x\u{7f}\"\n}\u{200f}";
        assert_eq!(
            escape_output(text, false),
            "{\n  \"id\": \"café\\u202e✓\\u0085x\\u007f\"\n}\\u200f"
        );
        assert_eq!(escape_output("ends\n", false), "ends\n");
    }

    #[test]
    fn json_stays_json_with_the_same_values() {
        let value = serde_json::json!({ "id": "a\u{202e}b\u{7f}\u{85}" });
        let text = serde_json::to_string_pretty(&value).unwrap();
        let escaped = escape_output(&text, false);
        assert!(!escaped.contains('\u{202e}') && !escaped.contains('\u{7f}'));
        let back: serde_json::Value = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back, value);
    }
}
