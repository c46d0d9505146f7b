//! Rendering errors: `error:`, each cause, the `-->` location, then `hint:` lines.

use std::fmt::Write;

use crate::adapters::AdapterError;
use crate::load::LoadError;
use crate::model::Diagnostic;
use crate::state::StateError;

use super::escape::{escape, escape_output};
use super::{CYAN, RED, YELLOW, paint};

pub use crate::exit::UserError;
pub use crate::shown::{show_paths_from, shown, shown_origin};

/// Renders one diagnostic as an error.
pub fn render_diagnostic(out: &mut String, diagnostic: &Diagnostic, color: bool) {
    render_labelled(out, paint(color, RED, "error:"), diagnostic, color);
}

/// Renders one diagnostic as a warning: something valid the user should act on.
pub fn render_warning(out: &mut String, diagnostic: &Diagnostic, color: bool) {
    render_labelled(out, paint(color, YELLOW, "warning:"), diagnostic, color);
}

/// `n` and the noun for it: `1 identity`, `2 identities`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn render_labelled(out: &mut String, label: String, diagnostic: &Diagnostic, color: bool) {
    // Messages, fields and hints quote ids and values from the files: each is one line
    // of text, whatever those values hold.
    let _ = writeln!(out, "{label} {}", escape(&diagnostic.message));
    let origin = shown_origin(&diagnostic.origin);
    let location = match &diagnostic.field {
        Some(field) => format!("{origin} (field `{field}`)"),
        None => origin.to_string(),
    };
    let _ = writeln!(out, "  {} {}", paint(color, CYAN, "-->"), escape(&location));
    if let Some(hint) = &diagnostic.hint {
        let _ = writeln!(out, "  {} {}", paint(color, CYAN, "hint:"), escape(hint));
    }
}

/// Renders an error chain for stderr, scrubbed of registered secrets.
pub fn render(error: &anyhow::Error, color: bool) -> String {
    let text = render_chain(error, color);
    escape_output(&crate::secrets::scrub(&text), color).into_owned()
}

fn render_chain(error: &anyhow::Error, color: bool) -> String {
    let mut out = String::new();
    if let Some(LoadError::Invalid(diagnostics)) = error.downcast_ref::<LoadError>() {
        for diagnostic in diagnostics {
            render_diagnostic(&mut out, diagnostic, color);
        }
        let _ = writeln!(
            out,
            "{} the workspace has {}; nothing was changed",
            paint(color, RED, "error:"),
            count(diagnostics.len(), "problem", "problems")
        );
        return out;
    }
    let _ = writeln!(
        out,
        "{} {}",
        paint(color, RED, "error:"),
        escape(&error.to_string())
    );
    for cause in causes_of(error) {
        let _ = writeln!(out, "  caused by: {}", escape(&cause));
    }
    for hint in hints_of(error) {
        let _ = writeln!(out, "  {} {}", paint(color, CYAN, "hint:"), escape(&hint));
    }
    out
}

/// Returns an error chain as the error of a JSON document: the same message, causes and
/// hints [`render`] prints, and an invalid workspace's problems.
pub fn error_body(error: &anyhow::Error) -> crate::ui::documents::ErrorBody {
    use crate::ui::documents::{ErrorBody, Problem};
    let hints = hints_of(error);
    let problems = match error.downcast_ref::<LoadError>() {
        Some(LoadError::Invalid(diagnostics)) => diagnostics.iter().map(Problem::from).collect(),
        _ => Vec::new(),
    };
    ErrorBody {
        message: error.to_string(),
        hint: match (hints.is_empty(), problems.is_empty()) {
            (false, _) => Some(hints.join("\n")),
            (true, false) => Some(
                "fix each problem at its file and line (`onboard validate` lists them all)".into(),
            ),
            (true, true) => None,
        },
        causes: causes_of(error),
        problems,
        ..ErrorBody::default()
    }
}

/// Returns the causes below an error's message worth saying: messages often end with
/// their cause's text already (`…: {source}`), so each thing is said once.
fn causes_of(error: &anyhow::Error) -> Vec<String> {
    let mut said = error.to_string();
    let mut causes = Vec::new();
    for cause in error.chain().skip(1) {
        let text = cause.to_string();
        if !said.contains(&text) {
            causes.push(text.clone());
        }
        said = text;
    }
    causes
}

/// Returns the hints of an error chain, or a hint about the file behind it when nothing
/// closer to the cause offered one: every error says what to do next.
fn hints_of(error: &anyhow::Error) -> Vec<String> {
    let mut hints: Vec<String> = error.chain().filter_map(hint_of).collect();
    if hints.is_empty() {
        hints.extend(io_hint(error));
    }
    hints
}

/// A hint for an error whose cause is a file that cannot be opened, when nothing closer to
/// the cause offered one: every error says what to do next.
fn io_hint(error: &anyhow::Error) -> Option<String> {
    let io = error
        .chain()
        .find_map(|c| c.downcast_ref::<std::io::Error>())?;
    match io.kind() {
        std::io::ErrorKind::NotFound => Some(
            "check the path: it is relative to the current directory unless it starts with `/`"
                .into(),
        ),
        std::io::ErrorKind::PermissionDenied => {
            Some("check the permissions of the file and of the directories above it".into())
        }
        std::io::ErrorKind::IsADirectory | std::io::ErrorKind::NotADirectory => Some(
            "name a file where a file is asked for, and a directory where a directory is".into(),
        ),
        _ => None,
    }
}

fn hint_of(cause: &(dyn std::error::Error + 'static)) -> Option<String> {
    if let Some(e) = cause.downcast_ref::<UserError>() {
        return e.hint.clone();
    }
    if let Some(e) = cause.downcast_ref::<LoadError>() {
        return e.hint();
    }
    if let Some(e) = cause.downcast_ref::<StateError>() {
        return e.hint();
    }
    if let Some(e) = cause.downcast_ref::<AdapterError>() {
        return e.hint.clone();
    }
    if let Some(e) = cause.downcast_ref::<crate::audit::AuditError>() {
        return e.hint();
    }
    if let Some(e) = cause.downcast_ref::<crate::secrets::SecretError>() {
        return e.hint();
    }
    None
}
