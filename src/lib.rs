//! `onboard`: access bundles per client service tier, planned and applied to client
//! tenants, with a grant ledger.
//!
//! The core (`model`, `plan`) is pure: no files, network, clock or terminal. Around it:
//! `load` (reading the workspace), `adapters` (tenants), `observe` and `execute`
//! (reading and changing tenants), `state` (the ledger), `ui` (everything printed) and
//! `cli` (commands).
#![warn(missing_docs)]

pub mod adapters;
pub mod atomic_file;
pub mod audit;
pub mod cli;
pub mod env;
pub mod execute;
pub mod exit;
pub mod load;
pub mod model;
pub mod notify;
pub mod observe;
pub mod plan;
pub mod policy;
pub mod secrets;
pub mod state;
pub mod ui;
pub mod workers;

use std::io::ErrorKind;

use clap::Parser;

use crate::exit::ExitStatus;

/// Parses the command line, runs it, prints any error, and returns the exit code.
pub fn run<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
    let cli = match cli::Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(error) => {
            let code = match error.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitStatus::Success
                }
                // A usage mistake is an error (1), never the "changes present" code 2.
                _ => ExitStatus::Failure,
            };
            if code == ExitStatus::Success {
                let _ = error.print();
            } else {
                eprint!("{}", usage_error(&error, &args));
            }
            return code.code();
        }
    };
    let color = cli.global.printer().color_stderr;
    match cli::run(cli) {
        Ok(status) => status.code(),
        Err(error) => {
            if is_broken_pipe(&error) {
                return ExitStatus::Success.code();
            }
            eprint!("{}", ui::diagnostics::render(&error, color));
            status_of(&error).code()
        }
    }
}

/// Renders a usage error as clap words it, with a `hint:` naming the help to read (in
/// place of clap's "For more information" line), like every other error.
fn usage_error(error: &clap::Error, args: &[std::ffi::OsString]) -> String {
    let text = error.render().to_string();
    let text = text.trim_end();
    let text = text
        .strip_suffix("For more information, try '--help'.")
        .unwrap_or(text)
        .trim_end();
    // The subcommands named on the command line: `onboard audit show`.
    let mut command = <cli::Cli as clap::CommandFactory>::command();
    let mut words = vec!["onboard".to_string()];
    for arg in args.iter().skip(1) {
        let Some(sub) = arg
            .to_str()
            .and_then(|a| command.find_subcommand(a))
            .cloned()
        else {
            continue;
        };
        words.push(sub.get_name().to_string());
        command = sub;
    }
    format!(
        "{text}\n  hint: `{} --help` lists the arguments\n",
        words.join(" ")
    )
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == ErrorKind::BrokenPipe)
    })
}

fn status_of(error: &anyhow::Error) -> ExitStatus {
    for cause in error.chain() {
        if let Some(e) = cause.downcast_ref::<ui::diagnostics::UserError>() {
            return e.status;
        }
        if let Some(state::StateError::Locked { .. }) = cause.downcast_ref::<state::StateError>() {
            return ExitStatus::Locked;
        }
        if let Some(audit::AuditError::Tampered { .. }) = cause.downcast_ref::<audit::AuditError>()
        {
            return ExitStatus::AuditTampered;
        }
    }
    ExitStatus::Failure
}
