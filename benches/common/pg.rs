//! Running PostgreSQL's programs as an unprivileged user: the tests and the team
//! benchmark start private servers, and PostgreSQL refuses to run as root.

use std::path::Path;
use std::process::Command;

/// Runs a PostgreSQL program, as `nobody` when we are root (PostgreSQL refuses root).
pub fn as_owner(program: &Path) -> Command {
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "nobody", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

/// Says whether this process runs as root.
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}
