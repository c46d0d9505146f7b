//! Rendering errors: `error:`, each cause, the `-->` location, then `hint:` lines.

use std::fmt::Write;

use crate::adapters::AdapterError;
use crate::load::LoadError;
use crate::model::Diagnostic;
use crate::state::StateError;

use super::{CYAN, RED, YELLOW, paint};

/// An error meant for the user, with a hint and an exit status.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct UserError {
    /// What is wrong.
    pub message: String,
    /// What would fix it.
    pub hint: Option<String>,
    /// The exit status it maps to.
    pub status: crate::exit::ExitStatus,
}

impl UserError {
    /// Returns an error exiting 1.
    pub fn new(message: impl Into<String>) -> Self {
        UserError {
            message: message.into(),
            hint: None,
            status: crate::exit::ExitStatus::Failure,
        }
    }

    /// Adds a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Sets the exit status.
    pub fn status(mut self, status: crate::exit::ExitStatus) -> Self {
        self.status = status;
        self
    }
}

/// Renders one diagnostic as an error.
pub fn render_diagnostic(out: &mut String, diagnostic: &Diagnostic, color: bool) {
    render_labelled(out, paint(color, RED, "error:"), diagnostic, color);
}

/// Renders one diagnostic as a warning: something valid the user should act on.
pub fn render_warning(out: &mut String, diagnostic: &Diagnostic, color: bool) {
    render_labelled(out, paint(color, YELLOW, "warning:"), diagnostic, color);
}

fn render_labelled(out: &mut String, label: String, diagnostic: &Diagnostic, color: bool) {
    let _ = writeln!(out, "{label} {}", diagnostic.message);
    let location = match &diagnostic.field {
        Some(field) => format!("{} (field `{field}`)", diagnostic.origin),
        None => diagnostic.origin.to_string(),
    };
    let _ = writeln!(out, "  {} {location}", paint(color, CYAN, "-->"));
    if let Some(hint) = &diagnostic.hint {
        let _ = writeln!(out, "  {} {hint}", paint(color, CYAN, "hint:"));
    }
}

/// Renders an error chain for stderr.
pub fn render(error: &anyhow::Error, color: bool) -> String {
    let mut out = String::new();
    if let Some(LoadError::Invalid(diagnostics)) = error.downcast_ref::<LoadError>() {
        for diagnostic in diagnostics {
            render_diagnostic(&mut out, diagnostic, color);
        }
        let n = diagnostics.len();
        let _ = writeln!(
            out,
            "{} the workspace has {n} problem{}; nothing was changed",
            paint(color, RED, "error:"),
            if n == 1 { "" } else { "s" }
        );
        return out;
    }
    let _ = writeln!(out, "{} {error}", paint(color, RED, "error:"));
    let mut hints = Vec::new();
    for cause in error.chain() {
        if let Some(hint) = hint_of(cause) {
            hints.push(hint);
        }
    }
    // Messages often end with their cause's text already (`…: {source}`): say each
    // thing once.
    let mut said = error.to_string();
    for cause in error.chain().skip(1) {
        let text = cause.to_string();
        if !said.contains(&text) {
            let _ = writeln!(out, "  caused by: {text}");
        }
        said = text;
    }
    if hints.is_empty() {
        hints.extend(io_hint(error));
    }
    for hint in hints {
        let _ = writeln!(out, "  {} {hint}", paint(color, CYAN, "hint:"));
    }
    out
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
