//! `exec:COMMAND` references: a program (a password manager's or a vault's CLI) whose
//! standard output is the secret. It runs without a shell, in the workspace root, with
//! no standard input, for at most `[credentials] exec_timeout`; it is killed when the
//! time is up. Its standard error is shown in errors only scrubbed, after what it wrote
//! on standard output (possibly the secret) is registered for scrubbing.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{Secret, SecretError};
use crate::model::ExecRef;

/// The most of the command's standard error an error quotes, in characters.
const STDERR_SHOWN: usize = 400;

/// Runs the command and returns what it wrote on standard output, trimmed.
pub(crate) fn run(
    command: &ExecRef,
    tenant: &str,
    root: &Path,
    timeout: Duration,
) -> Result<Secret, SecretError> {
    let error = |problem: String| SecretError::Exec {
        tenant: tenant.to_string(),
        command: command.line.clone(),
        problem: super::scrub(&problem).into_owned(),
    };
    let program = &command.argv[0];
    // A relative path with a `/` (`./get-token.sh`) names a file in the workspace; a bare
    // name is looked up in `PATH`.
    let path = if program.contains('/') {
        root.join(program)
    } else {
        program.into()
    };
    let mut child = Command::new(path)
        .args(&command.argv[1..])
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            error(if e.kind() == std::io::ErrorKind::NotFound {
                format!("the program `{program}` was not found")
            } else {
                format!("it could not be started: {e}")
            })
        })?;
    // Read both pipes on their own threads, so that a command writing much on one does
    // not block on it while we wait for it to exit. A pipe still held open by something
    // the command left running is not waited for past the deadline.
    let stdout = read_pipe(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = read_pipe(child.stderr.take().map(|p| Box::new(p) as _));
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() >= timeout => {
                // Ends only the process this call started, by its handle.
                let _ = child.kill();
                let _ = child.wait();
                return Err(error(format!(
                    "it did not finish within {} and was stopped",
                    crate::model::time::format_duration(timeout)
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(error(format!("waiting for it failed: {e}"))),
        }
    };
    let rest = |started: Instant| timeout.saturating_sub(started.elapsed());
    let out = stdout.recv_timeout(rest(started)).map_err(|_| {
        error("it exited, but something it started still holds its standard output open".into())
    })?;
    let err = stderr.recv_timeout(rest(started)).unwrap_or_default();
    // Whatever came out is registered first, so that stderr echoing it is scrubbed.
    let text = zeroize::Zeroizing::new(
        String::from_utf8(out).map_err(|_| error("its output is not UTF-8 text".into()))?,
    );
    let value = text.trim();
    let secret = Secret::new(value);
    if !status.success() {
        let said = String::from_utf8_lossy(&err);
        let said: String = said.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut shown: String = said.chars().take(STDERR_SHOWN).collect();
        if shown.len() < said.len() {
            shown.push('…');
        }
        let code = match status.code() {
            Some(code) => format!("exit code {code}"),
            None => "a signal".to_string(),
        };
        return Err(error(if shown.is_empty() {
            format!("it ended with {code}")
        } else {
            format!("it ended with {code}: {shown}")
        }));
    }
    if value.is_empty() {
        return Err(error("it printed nothing on standard output".into()));
    }
    Ok(secret)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn exec(line: &str) -> ExecRef {
        ExecRef::parse(line).unwrap()
    }

    #[test]
    fn stdout_is_the_secret_and_failures_name_the_command() {
        let dir = tempfile::tempdir().unwrap();
        let timeout = Duration::from_secs(10);
        let secret = run(
            &exec("printf ' unit-exec-secret\\n'"),
            "a/b",
            dir.path(),
            timeout,
        );
        assert_eq!(secret.unwrap().expose(), "unit-exec-secret");
        let error = run(
            // The value is not written in the command line, which errors name.
            &exec("sh -c 'x=unit-exec; printf $x-leaked; echo \"denied: $x-leaked\" >&2; exit 3'"),
            "a/b",
            dir.path(),
            timeout,
        )
        .unwrap_err();
        let text = error.to_string();
        assert!(text.contains("exit code 3: denied: [redacted]"), "{text}");
        assert!(!text.contains("unit-exec-leaked"), "{text}");
        let error = run(
            &exec("onboard-surely-missing-program x"),
            "a/b",
            dir.path(),
            timeout,
        )
        .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("`onboard-surely-missing-program` was not found")
        );
        let error = run(&exec("true"), "a/b", dir.path(), timeout).unwrap_err();
        assert!(error.to_string().contains("printed nothing"), "{error}");
    }

    #[test]
    fn a_command_leaving_its_output_open_is_not_waited_for() {
        let dir = tempfile::tempdir().unwrap();
        let started = Instant::now();
        // The shell exits at once; the `sleep` it leaves holds its stdout open.
        let secret = run(
            &exec("sh -c 'printf unit-exec-background; sleep 30 &'"),
            "a/b",
            dir.path(),
            Duration::from_millis(500),
        );
        assert!(started.elapsed() < Duration::from_secs(10));
        let error = secret.unwrap_err().to_string();
        assert!(
            error.contains("still holds its standard output open"),
            "{error}"
        );
    }

    #[test]
    fn a_command_past_its_timeout_is_stopped() {
        let dir = tempfile::tempdir().unwrap();
        let started = Instant::now();
        let error = run(
            &exec("sleep 30"),
            "a/b",
            dir.path(),
            Duration::from_millis(300),
        )
        .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(
            error.to_string().contains("did not finish within"),
            "{error}"
        );
    }
}

/// Reads a child's pipe to its end on a thread of its own, so that a command writing
/// much on one pipe does not block while the other is waited for; the bytes arrive on
/// the returned channel.
pub(crate) fn read_pipe(pipe: Option<Box<dyn Read + Send>>) -> std::sync::mpsc::Receiver<Vec<u8>> {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        let _ = sender.send(bytes);
    });
    receiver
}
