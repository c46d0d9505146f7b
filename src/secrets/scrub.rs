//! The process-wide registry of secret values and [`scrub`], which removes them from
//! any text before it is printed, logged, saved or signed.
//!
//! Every [`Secret`](super::Secret) registers its value when it is made (tenant
//! credentials, tokens onboard mints, the audit key's seed when it is stored in the
//! keyring); other secret text (signed JWT assertions, the audit key loaded from a file)
//! is registered with [`register`]. A tenant can echo a credential back in an error body
//! (`invalid token Bearer eyJ…`), so text from anywhere can hold one: the few places every
//! text passes through (the error renderer, the printer, adapter errors, files written,
//! audit entries before they are signed) call [`scrub`].
//!
//! A value is matched in any ASCII letter case and in the encodings it travels in:
//! as is, URL-encoded (`+` or `%20` for a space), JSON-escaped, and in base64 (standard
//! and URL-safe) at any alignment, so `Basic base64(user:password)` is caught whatever
//! the user name. Each line of a multi-line value (a PEM key's body) is matched on its
//! own too. Values shorter than [`MIN_LEN`] characters are not registered: they would
//! turn up in ordinary text.

use std::borrow::Cow;
use std::sync::RwLock;

/// What a secret is replaced with.
pub const REDACTED: &str = "[redacted]";

/// The shortest value registered, in characters.
pub const MIN_LEN: usize = 6;

/// The shortest base64 rendering matched: shorter runs of base64 characters turn up in
/// hashes and ids by chance.
const MIN_ENCODED_LEN: usize = 12;

/// Every form of every registered value, lowercased (ASCII), longest first.
static PATTERNS: RwLock<Vec<Pattern>> = RwLock::new(Vec::new());

/// One form of a registered value, lowercased (ASCII), with its substring searcher built
/// once: [`scrub`] runs over every audit entry, file and line printed, and building a
/// searcher per text and form cost more than the search.
struct Pattern {
    /// The form.
    form: String,
    /// Its searcher.
    finder: memchr::memmem::Finder<'static>,
}

impl Pattern {
    fn new(form: String) -> Pattern {
        let finder = memchr::memmem::Finder::new(form.as_bytes()).into_owned();
        Pattern { form, finder }
    }
}

/// Registers a secret value so that [`scrub`] removes it (and its encodings) from any
/// text from now on, in this process. Values shorter than [`MIN_LEN`] characters are
/// ignored.
pub fn register(value: &str) {
    let value = value.trim();
    if value.chars().count() < MIN_LEN {
        return;
    }
    let mut forms = encodings(value);
    if value.contains('\n') {
        for line in value.lines().map(str::trim) {
            // PEM armour (`-----BEGIN … KEY-----`) is not secret, and onboard's own
            // messages name it.
            if line.chars().count() >= MIN_ENCODED_LEN && !line.starts_with("-----") {
                forms.extend(encodings(line));
            }
        }
    }
    let mut patterns = PATTERNS.write().unwrap_or_else(|e| e.into_inner());
    for form in forms {
        let form = form.to_ascii_lowercase();
        if !patterns.iter().any(|p| p.form == form) {
            patterns.push(Pattern::new(form));
        }
    }
    patterns.sort_by_key(|p| std::cmp::Reverse(p.form.len()));
}

/// Returns the forms a value may be written in: as is, URL-encoded, JSON-escaped, and
/// the base64 runs that encode it at each of the three alignments.
fn encodings(value: &str) -> Vec<String> {
    let form_encoded: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
    let json = serde_json::to_string(value).unwrap_or_default();
    let mut forms = vec![
        value.to_string(),
        // A literal `+` is written `%2B`, so every `+` left stands for a space.
        form_encoded.replace('+', "%20"),
        form_encoded,
        json[1..json.len() - 1].to_string(),
    ];
    for url_safe in [false, true] {
        for offset in 0..3 {
            let mut bytes = vec![0u8; offset];
            bytes.extend_from_slice(value.as_bytes());
            let encoded = base64(&bytes, url_safe);
            // The characters that depend only on the value's bits: none of the
            // `offset` bytes before it, none of whatever follows it.
            let start = (8 * offset).div_ceil(6);
            let end = 8 * bytes.len() / 6;
            if end >= start + MIN_ENCODED_LEN {
                forms.push(encoded[start..end].to_string());
            }
        }
    }
    forms
}

/// Encodes bytes as base64 without padding, with the standard alphabet or the URL-safe
/// one (JWT segments).
pub fn base64(bytes: &[u8], url_safe: bool) -> String {
    const STANDARD: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const URL_SAFE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let alphabet = if url_safe { URL_SAFE } else { STANDARD };
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(alphabet[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// Returns whether any value is registered: until one is, [`scrub`] returns every text
/// unchanged.
pub fn registered() -> bool {
    let patterns = PATTERNS.read().unwrap_or_else(|e| e.into_inner());
    !patterns.is_empty()
}

/// Returns whether a registered value spans lines (has a line break in a form
/// [`scrub`] matches): only then can a match start in one line of a text and end in
/// another, so that a text may not be scrubbed line by line.
pub fn spans_lines() -> bool {
    let patterns = PATTERNS.read().unwrap_or_else(|e| e.into_inner());
    patterns.iter().any(|p| p.form.contains('\n'))
}

/// Returns the text with every registered secret, in any of its forms and any ASCII
/// letter case, replaced by `[redacted]`. Borrows when there is nothing to replace.
pub fn scrub(text: &str) -> Cow<'_, str> {
    let patterns = PATTERNS.read().unwrap_or_else(|e| e.into_inner());
    if patterns.is_empty() || text.len() < MIN_LEN {
        return Cow::Borrowed(text);
    }
    let mut ranges = matches(text, &patterns, SCRUB_WINDOW);
    if ranges.is_empty() {
        return Cow::Borrowed(text);
    }
    ranges.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for (index, (start, end)) in ranges.into_iter().enumerate() {
        if index > 0 && start <= done {
            // A match overlapping or touching the one replaced extends it.
            done = done.max(end);
            continue;
        }
        out.push_str(&text[done..start]);
        out.push_str(REDACTED);
        done = end;
    }
    out.push_str(&text[done..]);
    Cow::Owned(out)
}

/// Bytes of a text [`scrub`] lowercases at a time, rather than a lowercased copy of the
/// whole text (a ledger of 100,000 grants is 34 MB).
const SCRUB_WINDOW: usize = 64 * 1024;

/// Returns where in `text` each of the (lowercase) `patterns` matches in any ASCII letter
/// case: for each pattern, its leftmost matches that do not overlap one another, as
/// `str::match_indices` finds them in the whole text lowercased.
///
/// The text is lowercased `window` bytes at a time (ASCII lowercasing keeps every byte
/// offset, so a match in a lowercased window is a match at the same offsets in the text,
/// on character boundaries), each window with as many bytes after it as the longest
/// pattern less one, so a match that starts in the window is found whole there. Each
/// pattern's search goes on after its last match, as it does in the whole text.
fn matches(text: &str, patterns: &[Pattern], window: usize) -> Vec<(usize, usize)> {
    let longest = patterns
        .iter()
        .map(|p| p.form.len())
        .max()
        .unwrap_or(1)
        .max(1);
    // The first character boundary at or after `at`, within the text.
    let boundary = |at: usize| {
        let mut at = at.min(text.len());
        while !text.is_char_boundary(at) {
            at += 1;
        }
        at
    };
    let mut ranges = Vec::new();
    let mut resume = vec![0; patterns.len()];
    let mut lower = String::new();
    let mut start = 0;
    while start < text.len() {
        let end = boundary(start.saturating_add(window.max(1)));
        let reach = boundary(end.saturating_add(longest - 1));
        lower.clear();
        lower.push_str(&text[start..reach]);
        lower.make_ascii_lowercase();
        for (pattern, resume) in patterns.iter().zip(resume.iter_mut()) {
            let from = (*resume).max(start);
            if from >= end {
                continue;
            }
            let haystack = &lower.as_bytes()[from - start..];
            for at in pattern.finder.find_iter(haystack) {
                let at = from + at;
                if at >= end {
                    break;
                }
                ranges.push((at, at + pattern.form.len()));
                *resume = at + pattern.form.len();
            }
        }
        start = end;
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registered_value_is_scrubbed_in_any_case_and_encoding() {
        let secret = "Leak-Me/7f3a+Q\"z\\9 x";
        register(secret);
        let basic = base64(format!("alice:{secret}").as_bytes(), false);
        let bearer = base64(secret.as_bytes(), true);
        let url: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        let json = serde_json::to_string(secret).unwrap();
        for text in [
            format!("invalid token {secret} here"),
            format!("INVALID TOKEN {} here", secret.to_uppercase()),
            format!("Authorization: Basic {basic}"),
            format!("token={bearer}."),
            format!("GET /x?token={url}"),
            format!("GET /x?token={}", url.replace('+', "%20")),
            format!("{{\"detail\":{json}}}"),
        ] {
            let scrubbed = scrub(&text);
            assert!(scrubbed.contains(REDACTED), "{text} -> {scrubbed}");
            for needle in ["leak-me", "7f3a", &basic[8..20], &bearer[..12], &url[..14]] {
                assert!(
                    !scrubbed.to_lowercase().contains(&needle.to_lowercase()),
                    "{text} -> {scrubbed} keeps {needle}"
                );
            }
        }
    }

    #[test]
    fn text_without_secrets_is_borrowed_unchanged() {
        register("unit-scrub-secret-1");
        let text = "tenant `acme/scim`: list group:x failed: HTTP 401";
        assert!(matches!(scrub(text), Cow::Borrowed(t) if t == text));
        assert_eq!(
            scrub("a unit-scrub-secret-1unit-scrub-secret-1 b"),
            "a [redacted] b"
        );
    }

    #[test]
    fn short_values_and_pem_armour_are_not_registered() {
        register("abc");
        assert_eq!(scrub("abc abc abcdef"), "abc abc abcdef");
        register(
            "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----",
        );
        assert_eq!(
            scrub("not `-----BEGIN PRIVATE KEY-----` but MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"),
            "not `-----BEGIN PRIVATE KEY-----` but [redacted]"
        );
    }

    #[test]
    fn a_text_searched_window_by_window_matches_where_the_whole_text_does() {
        let patterns: Vec<Pattern> = ["abab", "aa", "ébc", "zz-top"]
            .iter()
            .map(|p| Pattern::new(p.to_string()))
            .collect();
        let text = "xABABAB aaa-ÉBC éBcAbAbAbAB ZZ-TOP zz-topaaaa é ababab-é".repeat(3);
        let mut whole = matches(&text, &patterns, usize::MAX);
        whole.sort_unstable();
        assert!(whole.len() > 20, "{whole:?}");
        // The searchers find what `str::match_indices` finds in the text lowercased.
        let lower = text.to_ascii_lowercase();
        let mut indices: Vec<(usize, usize)> = patterns
            .iter()
            .flat_map(|p| lower.match_indices(p.form.as_str()))
            .map(|(at, found)| (at, at + found.len()))
            .collect();
        indices.sort_unstable();
        assert_eq!(whole, indices);
        for window in 1..=text.len() + 1 {
            let mut parts = matches(&text, &patterns, window);
            parts.sort_unstable();
            assert_eq!(parts, whole, "window of {window} bytes");
        }
    }

    #[test]
    fn base64_matches_the_rfc_vectors() {
        assert_eq!(base64(b"Man", false), "TWFu");
        assert_eq!(base64(b"Ma", false), "TWE");
        assert_eq!(base64(&[0xfb, 0xff], false), "+/8");
        assert_eq!(base64(&[0xfb, 0xff], true), "-_8");
    }
}
