//! Exit codes: one enum, one mapping, documented in `onboard --help` and the README; and
//! the error meant for the user, which carries its hint and exit code.

/// The process exit codes onboard uses. Stable: scripts depend on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: success; for `plan --detailed-exitcode`, no changes.
    Success,
    /// 1: an error: bad input, bad usage, unreadable files; nothing was changed.
    Failure,
    /// 2: `plan --detailed-exitcode` found changes; `fmt --check` found a file to format.
    Changes,
    /// 3: a policy rule denied a grant or request.
    PolicyDenied,
    /// 4: partial failure: some changes or tenants failed (or could not be read) while
    /// others succeeded.
    PartialFailure,
    /// 5: another onboard run holds the lock of the workspace or of a client the command
    /// works on (after `--lock-timeout`).
    Locked,
    /// 6: the audit log failed verification.
    AuditTampered,
}

impl ExitStatus {
    /// Returns the numeric code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Changes => 2,
            ExitStatus::PolicyDenied => 3,
            ExitStatus::PartialFailure => 4,
            ExitStatus::Locked => 5,
            ExitStatus::AuditTampered => 6,
        }
    }
}

/// The exit codes as shown at the end of `onboard --help`.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success; with `plan --detailed-exitcode`: no changes
  1  error (bad input, bad usage, unreadable files); nothing was changed
  2  `plan --detailed-exitcode`: changes are present; `fmt --check`: a file needs formatting
  3  a policy rule denied a grant or request, or a required signature is missing or invalid
  4  partial failure: some changes failed or some tenants could not be read
  5  another onboard run holds the lock of the workspace or of a client (after --lock-timeout)
  6  the audit log failed verification";

/// An error meant for the user, with a hint and an exit status.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct UserError {
    /// What is wrong.
    pub message: String,
    /// What would fix it.
    pub hint: Option<String>,
    /// The exit status it maps to.
    pub status: ExitStatus,
}

impl UserError {
    /// Returns an error exiting 1.
    pub fn new(message: impl Into<String>) -> Self {
        UserError {
            message: message.into(),
            hint: None,
            status: ExitStatus::Failure,
        }
    }

    /// Adds a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Sets the exit status.
    pub fn status(mut self, status: ExitStatus) -> Self {
        self.status = status;
        self
    }
}
