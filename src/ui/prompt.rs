//! Confirmation prompts: never without a terminal.

use std::io::{self, BufRead, IsTerminal, Write};

use super::diagnostics::UserError;

/// Asks the user to confirm; without a terminal on stdin and stderr it refuses with a
/// hint to pass `--yes`, so CI never hangs.
pub fn confirm(question: &str) -> Result<bool, UserError> {
    if !io::stdin().is_terminal() || !io::stderr().is_terminal() {
        return Err(UserError::new(
            "refusing to change tenants without confirmation: there is no terminal to ask on",
        )
        .hint("review the plan, then pass `--yes` to apply without a prompt (as CI does)"));
    }
    let mut stderr = io::stderr();
    let question = super::escape::escape(question);
    let _ = write!(stderr, "{question} Only `yes` is accepted: ");
    let _ = stderr.flush();
    let mut answer = String::new();
    io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| UserError::new(format!("cannot read the answer: {e}")))?;
    Ok(answer.trim() == "yes")
}
