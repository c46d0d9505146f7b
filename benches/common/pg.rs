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

/// The `initdb` of a private cluster in `data`: superuser `onboard` with the password in
/// `pwfile`, trusted on the socket, scram over TCP.
pub fn initdb(bin: &Path, data: &Path, pwfile: &Path) -> Command {
    let mut command = as_owner(&bin.join("initdb"));
    command
        .arg("-D")
        .arg(data)
        .args([
            "-U",
            "onboard",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
        ])
        .arg(format!("--pwfile={}", pwfile.display()))
        .args(["-E", "UTF8", "--no-sync"]);
    command
}

/// The `pg_ctl start` of the cluster in `data` on 127.0.0.1:`port` (its socket in
/// `data`), with the server's further `options` (`-c name=value ...`).
pub fn pg_ctl_start(bin: &Path, data: &Path, port: u16, options: &str) -> Command {
    let mut command = as_owner(&bin.join("pg_ctl"));
    command
        .arg("-D")
        .arg(data)
        .arg("-l")
        .arg(data.join("server.log"))
        .args(["-w", "start", "-o"])
        .arg(format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 {options}",
            data.display()
        ));
    command
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
