//! Every environment variable onboard reads, in one place.

use std::env;

use time::OffsetDateTime;

/// The workspace directory (same as `--workspace`).
pub const ONBOARD_WORKSPACE: &str = "ONBOARD_WORKSPACE";
/// Overrides who is recorded as the actor of a run.
pub const ONBOARD_ACTOR: &str = "ONBOARD_ACTOR";
/// Overrides the current time (RFC 3339 or `YYYY-MM-DD`), for rehearsals and tests.
pub const ONBOARD_NOW: &str = "ONBOARD_NOW";
/// The audit signing key (64 hex characters), for CI; overrides `[audit] key`.
pub const ONBOARD_AUDIT_KEY: &str = "ONBOARD_AUDIT_KEY";
/// Test-only: abort the process once this many change intents are on disk.
pub const ONBOARD_TEST_CRASH_AFTER_INTENTS: &str = "ONBOARD_TEST_CRASH_AFTER_INTENTS";
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

fn non_empty(name: &str) -> Option<String> {
    env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Returns who is acting: `ONBOARD_ACTOR`, else the CI identity (`github:USER`,
/// `gitlab:USER` or `ci-job:ID`), else the OS user (`os:NAME`).
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
        .unwrap_or_else(|| "unknown".into());
    format!("os:{user}")
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

/// Returns whether `ONBOARD_AUDIT_KEY` is set.
pub fn audit_key_in_env() -> bool {
    non_empty(ONBOARD_AUDIT_KEY).is_some()
}

/// Returns the test-only crash point, if set.
pub fn test_crash_after_intents() -> Option<u64> {
    non_empty(ONBOARD_TEST_CRASH_AFTER_INTENTS).and_then(|v| v.parse().ok())
}
