//! `onboard completions`: shell completions generated from the CLI definition.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use crate::exit::ExitStatus;

/// Print shell completions
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: Shell,
}

/// The shells whose completions are committed under `completions/`, with file names.
pub const COMMITTED: [(Shell, &str); 5] = [
    (Shell::Bash, "onboard.bash"),
    (Shell::Zsh, "_onboard"),
    (Shell::Fish, "onboard.fish"),
    (Shell::PowerShell, "_onboard.ps1"),
    (Shell::Elvish, "onboard.elv"),
];

/// Returns the completion script for a shell.
pub fn generate(shell: Shell) -> String {
    let mut command = super::Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "onboard", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

pub(super) fn run(args: CompletionsArgs) -> anyhow::Result<ExitStatus> {
    use std::io::Write;
    std::io::stdout().write_all(generate(args.shell).as_bytes())?;
    Ok(ExitStatus::Success)
}
