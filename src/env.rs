//! Every environment variable onboard reads, in one place.

use std::env;
use std::time::Duration;

use time::OffsetDateTime;

/// The workspace directory (same as `--workspace`).
pub const ONBOARD_WORKSPACE: &str = "ONBOARD_WORKSPACE";
/// Overrides who is recorded as the actor of a run.
pub const ONBOARD_ACTOR: &str = "ONBOARD_ACTOR";
/// A private key file (OpenSSH format) to sign governance actions with, instead of
/// ssh-agent (same as `--signing-key`).
pub const ONBOARD_SIGNING_KEY: &str = "ONBOARD_SIGNING_KEY";
/// The ssh-agent socket that signs governance actions.
pub const SSH_AUTH_SOCK: &str = "SSH_AUTH_SOCK";
/// Overrides the current time (RFC 3339 or `YYYY-MM-DD`), for rehearsals and tests.
pub const ONBOARD_NOW: &str = "ONBOARD_NOW";
/// The audit signing key (64 hex characters), for CI; overrides `[audit] key`.
pub const ONBOARD_AUDIT_KEY: &str = "ONBOARD_AUDIT_KEY";
/// Turns colour off when set to anything.
pub const NO_COLOR: &str = "NO_COLOR";
/// GitHub Actions: the user who triggered the run.
pub const GITHUB_ACTOR: &str = "GITHUB_ACTOR";
/// GitLab CI: the user who triggered the job.
pub const GITLAB_USER_LOGIN: &str = "GITLAB_USER_LOGIN";
/// GitLab CI: the job id.
pub const CI_JOB_ID: &str = "CI_JOB_ID";
/// The OS user name (Unix).
pub const USER: &str = "USER";
/// The OS user name (Windows).
pub const USERNAME: &str = "USERNAME";
/// The time allowed for one HTTP request to a tenant (`30s` by default), as
/// `humantime` durations (`500ms`, `2m`).
pub const ONBOARD_HTTP_TIMEOUT: &str = "ONBOARD_HTTP_TIMEOUT";
fn non_empty(name: &str) -> Option<String> {
    env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Returns who is acting: `ONBOARD_ACTOR`, else the CI identity (`github:USER`,
/// `gitlab:USER` or `ci-job:ID`), else the OS user (`os:NAME`: `$USER`, else the user
/// database's name for the process's user id).
pub fn actor() -> String {
    if let Some(actor) = non_empty(ONBOARD_ACTOR) {
        return actor;
    }
    if let Some(user) = non_empty(GITHUB_ACTOR) {
        return format!("github:{user}");
    }
    if let Some(user) = non_empty(GITLAB_USER_LOGIN) {
        return format!("gitlab:{user}");
    }
    if let Some(job) = non_empty(CI_JOB_ID) {
        return format!("ci-job:{job}");
    }
    let user = non_empty(USER)
        .or_else(|| non_empty(USERNAME))
        .or_else(account_name)
        .unwrap_or_else(|| "unknown".into());
    format!("os:{user}")
}

/// Returns the name the system's user database gives this process's user id (for a
/// run with no `$USER`, as from cron or a container), else `uid-N`.
#[cfg(unix)]
fn account_name() -> Option<String> {
    // SAFETY: getuid cannot fail and touches no memory of ours.
    let uid = unsafe { libc::getuid() };
    let mut buffer = vec![0u8; 1024];
    loop {
        // SAFETY: `passwd` is plain data; getpwuid_r writes only into `entry` and
        // `buffer` (of the length given), and `found` points at `entry` or is null.
        let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        let code = unsafe {
            libc::getpwuid_r(
                uid,
                &mut entry,
                buffer.as_mut_ptr().cast(),
                buffer.len(),
                &mut found,
            )
        };
        if code == libc::ERANGE && buffer.len() < 1 << 20 {
            buffer.resize(buffer.len() * 2, 0);
            continue;
        }
        if code != 0 || found.is_null() || entry.pw_name.is_null() {
            return Some(format!("uid-{uid}"));
        }
        // SAFETY: on success `pw_name` is a NUL-terminated string inside `buffer`.
        let name = unsafe { std::ffi::CStr::from_ptr(entry.pw_name) }
            .to_string_lossy()
            .into_owned();
        return Some(if name.is_empty() {
            format!("uid-{uid}")
        } else {
            name
        });
    }
}

#[cfg(not(unix))]
fn account_name() -> Option<String> {
    None
}

/// Returns the ssh-agent socket, when `SSH_AUTH_SOCK` names one.
pub fn ssh_auth_sock() -> Option<std::path::PathBuf> {
    env::var_os(SSH_AUTH_SOCK)
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from)
}

/// Returns whether `NO_COLOR` asks for no colour.
pub fn no_color() -> bool {
    env::var_os(NO_COLOR).is_some_and(|v| !v.is_empty())
}

/// Returns the current time, or `ONBOARD_NOW` when set; an invalid value is an error
/// naming the variable.
pub fn now() -> Result<OffsetDateTime, String> {
    match non_empty(ONBOARD_NOW) {
        None => {
            let now = OffsetDateTime::now_utc();
            Ok(now.replace_nanosecond(0).unwrap_or(now))
        }
        Some(text) => {
            crate::model::time::parse_instant(&text, crate::model::time::DateBound::Start)
                .map_err(|e| format!("{ONBOARD_NOW}: {e}"))
        }
    }
}

/// Returns the instant `ONBOARD_NOW` asks to act at, when it is set and valid: a
/// rehearsal. The audit log records it beside the real time, never instead of it.
pub fn rehearsed_now() -> Option<OffsetDateTime> {
    non_empty(ONBOARD_NOW).and(now().ok())
}

/// Returns whether `ONBOARD_AUDIT_KEY` is set.
pub fn audit_key_in_env() -> bool {
    non_empty(ONBOARD_AUDIT_KEY).is_some()
}

/// Returns `ONBOARD_HTTP_TIMEOUT` when set; an invalid value is an error naming the
/// variable.
pub fn http_timeout() -> Result<Option<Duration>, String> {
    match non_empty(ONBOARD_HTTP_TIMEOUT) {
        None => Ok(None),
        Some(text) => humantime::parse_duration(&text)
            .ok()
            .filter(|d| !d.is_zero())
            .map(Some)
            .ok_or_else(|| {
                format!(
                    "{ONBOARD_HTTP_TIMEOUT}: `{text}` is not a duration such as `30s` or `500ms`"
                )
            }),
    }
}

/// Returns the factor applied to retry waits: `ONBOARD_TEST_RETRY_SCALE` in a build with
/// the test switches, else 1.
pub fn retry_scale() -> Result<f64, String> {
    #[cfg(feature = "test-hooks")]
    return hooks::retry_scale();
    #[cfg(not(feature = "test-hooks"))]
    Ok(1.0)
}

/// Test-only switches, compiled in only with the `test-hooks` feature: the test suite
/// builds with it (`cargo test --features test-hooks`); a release build has none of them,
/// not even their names.
#[cfg(feature = "test-hooks")]
pub mod hooks {
    use super::non_empty;

    /// Aborts the process once this many change intents are on disk.
    pub const ONBOARD_TEST_CRASH_AFTER_INTENTS: &str = "ONBOARD_TEST_CRASH_AFTER_INTENTS";
    /// Aborts the process once this many changes are sent, before their outcomes are
    /// written.
    pub const ONBOARD_TEST_CRASH_AFTER_SENT: &str = "ONBOARD_TEST_CRASH_AFTER_SENT";
    /// Fails every change-audit write once this many change entries are written.
    pub const ONBOARD_TEST_AUDIT_FAIL_AFTER: &str = "ONBOARD_TEST_AUDIT_FAIL_AFTER";
    /// A factor (0 to 1) applied to every retry wait, so that tests of backoff and
    /// `Retry-After` run fast.
    pub const ONBOARD_TEST_RETRY_SCALE: &str = "ONBOARD_TEST_RETRY_SCALE";

    /// Aborts the process right after this many credentials were issued in their
    /// tenants (a client secret: before it is delivered; a password: delivered and set,
    /// before it is recorded).
    pub const ONBOARD_TEST_CRASH_AFTER_ISSUE: &str = "ONBOARD_TEST_CRASH_AFTER_ISSUE";

    /// Returns the credential crash point, if set.
    pub fn crash_after_issue() -> Option<u64> {
        non_empty(ONBOARD_TEST_CRASH_AFTER_ISSUE).and_then(|v| v.parse().ok())
    }

    /// Returns the crash point, if set.
    pub fn crash_after_intents() -> Option<u64> {
        non_empty(ONBOARD_TEST_CRASH_AFTER_INTENTS).and_then(|v| v.parse().ok())
    }

    /// Returns the number of changes sent after which the process aborts, if set.
    pub fn crash_after_sent() -> Option<u64> {
        non_empty(ONBOARD_TEST_CRASH_AFTER_SENT).and_then(|v| v.parse().ok())
    }

    /// Returns the number of change entries after which audit writes fail, if set.
    pub fn audit_fail_after() -> Option<u64> {
        non_empty(ONBOARD_TEST_AUDIT_FAIL_AFTER).and_then(|v| v.parse().ok())
    }

    /// Returns `ONBOARD_TEST_RETRY_SCALE` (0 to 1), else 1.
    pub fn retry_scale() -> Result<f64, String> {
        match non_empty(ONBOARD_TEST_RETRY_SCALE) {
            None => Ok(1.0),
            Some(text) => text
                .parse::<f64>()
                .ok()
                .filter(|f| (0.0..=1.0).contains(f))
                .ok_or_else(|| {
                    format!("{ONBOARD_TEST_RETRY_SCALE}: `{text}` is not a number from 0 to 1")
                }),
        }
    }
}
