//! `onboard`: access bundles per client service tier, planned and applied to client
//! tenants, with a grant ledger.
//!
//! The core (`model`, `plan`) is pure: no files, network, clock or terminal. Around it:
//! `load` (reading the workspace), `adapters` (tenants), `observe` and `execute`
//! (reading and changing tenants), `state` (the ledger), `ui` (everything printed),
//! `workflow` (what the commands do, printing nothing) and `cli` (commands).
#![warn(missing_docs)]

pub mod actor;
pub mod adapters;
pub mod atomic_file;
pub mod audit;
pub mod cli;
pub mod env;
pub mod execute;
pub mod exit;
#[cfg(test)]
mod imports;
pub mod load;
pub mod model;
pub mod notify;
pub mod observe;
pub mod plan;
pub mod policy;
pub mod secrets;
pub mod shown;
pub mod state;
pub mod tickets;
pub mod ui;
pub mod vault;
pub mod workers;
pub mod workflow;

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
            if matches!(
                error.kind(),
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
            ) {
                let _ = error.print();
                return ExitStatus::Success.code();
            }
            // A usage mistake is an error (1), never the "changes present" code 2.
            let (text, hint) = usage_error(&error, &args);
            // The text quotes the user's own arguments: shown escaped, like any untrusted text.
            eprint!(
                "{}\n  hint: {hint}\n",
                ui::escape::escape_output(&text, false)
            );
            if wants_json(&args) {
                let body = ui::documents::ErrorBody {
                    message: error.kind().to_string(),
                    hint: Some(hint),
                    causes: vec![text],
                    ..Default::default()
                };
                print_document(ExitStatus::Failure, Some(body));
            }
            return ExitStatus::Failure.code();
        }
    };
    let printer = cli.global.printer();
    let json = printer.format == ui::OutputFormat::Json;
    match cli::run(cli) {
        Ok(status) => {
            // Every command prints one document under `--output json`, even one that has
            // no other data to print.
            if json && !ui::data_written() {
                print_document(status, None);
            }
            status.code()
        }
        Err(error) => {
            if is_broken_pipe(&error) {
                return ExitStatus::Success.code();
            }
            eprint!("{}", ui::diagnostics::render(&error, printer.color_stderr));
            let status = status_of(&error);
            if json && !ui::data_written() {
                print_document(status, Some(ui::diagnostics::error_body(&error)));
            }
            status.code()
        }
    }
}

/// Prints the document of a run that ended with `status`: its error, if any.
fn print_document(status: ExitStatus, error: Option<ui::documents::ErrorBody>) {
    let document = ui::documents::ErrorDocument::new(status.code(), error);
    let _ = std::io::Write::write_all(
        &mut std::io::stdout(),
        ui::documents::to_json(&document).as_bytes(),
    );
}

/// Returns whether the command line asks for `--output json` (for errors found before
/// it is parsed).
fn wants_json(args: &[std::ffi::OsString]) -> bool {
    let args: Vec<&str> = args.iter().filter_map(|a| a.to_str()).collect();
    args.windows(2)
        .any(|w| matches!(w[0], "--output" | "-o") && w[1] == "json")
        || args
            .iter()
            .any(|a| matches!(*a, "--output=json" | "-ojson" | "-o=json"))
}

/// Returns a usage error as clap words it, without clap's "For more information" line,
/// and the hint that takes its place: the help to read, like every other error's hint.
fn usage_error(error: &clap::Error, args: &[std::ffi::OsString]) -> (String, String) {
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
    (
        text.to_string(),
        format!("`{} --help` lists the arguments", words.join(" ")),
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
        if let Some(execute::ExecuteError::Unrecorded { .. }) =
            cause.downcast_ref::<execute::ExecuteError>()
        {
            return ExitStatus::PartialFailure;
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
