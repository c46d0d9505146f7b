//! The command line: global flags, subcommands, and dispatch. One file per subcommand,
//! each with its clap `Args` and its `run` function.

mod access;
mod apply;
mod approve;
mod audit;
mod break_glass;
pub mod completions;
mod credentials;
mod deny;
mod elevate;
mod expire;
mod fmt;
mod init;
mod login;
mod plan;
mod requests;
mod review;
mod revoke;
pub mod schema;
mod session;
mod sign;
mod state;
mod status;
mod validate;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::exit::{EXIT_CODES_HELP, ExitStatus};
use crate::ui::diagnostics::UserError;
use crate::ui::{ColorChoice, OutputFormat, Printer};

/// Access bundles per client service tier, planned and applied to client tenants.
///
/// `onboard` reads identities, bundles and clients from a workspace, works out the access
/// each identity should hold in each client tenant, compares it with what the tenants
/// hold, and grants, renews, expires or revokes the difference, recording every grant in
/// a ledger.
#[derive(Debug, Parser)]
#[command(name = "onboard", version, after_long_help = EXIT_CODES_HELP, after_help = EXIT_CODES_HELP)]
pub struct Cli {
    /// Flags every subcommand takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every subcommand takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Use the workspace in DIR
    ///
    /// Default: the nearest directory at or above the current one that holds
    /// `onboard.toml`.
    #[arg(long, short = 'w', global = true, env = crate::env::ONBOARD_WORKSPACE, value_name = "DIR")]
    pub workspace: Option<PathBuf>,

    /// Write data on stdout in this format
    #[arg(long, short = 'o', global = true, value_enum, default_value_t = OutputFormat::Table, value_name = "FORMAT")]
    pub output: OutputFormat,

    /// Print only data and errors
    #[arg(long, short = 'q', global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more detail on stderr (and no progress bars)
    #[arg(long, short = 'v', global = true)]
    pub verbose: bool,

    /// When to use colour
    ///
    /// `auto` uses colour on terminals unless `NO_COLOR` is set.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Never draw progress bars
    #[arg(long, global = true)]
    pub no_progress: bool,

    /// Work on at most N tenants at once (1-64), reading and applying
    ///
    /// Overrides `[apply] parallelism` in `onboard.toml` (default 4). Each tenant keeps its
    /// own request budget whatever N is.
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallelism: Option<u16>,

    /// Wait up to DURATION for a lock another run holds (e.g. `30s`, `5m`)
    ///
    /// Commands that change state lock the clients they work on (or the whole
    /// workspace). Default 0: fail at once (exit 5), naming who holds the lock.
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_lock_timeout)]
    pub lock_timeout: Option<std::time::Duration>,
}

/// Parses `--lock-timeout`: a duration, or 0.
fn parse_lock_timeout(text: &str) -> Result<std::time::Duration, String> {
    if text.trim() == "0" {
        return Ok(std::time::Duration::ZERO);
    }
    crate::model::time::parse_duration(text)
}

impl GlobalArgs {
    /// Builds the printer these flags ask for.
    pub fn printer(&self) -> Printer {
        Printer::new(
            self.quiet,
            self.verbose,
            self.color,
            self.no_progress,
            self.output,
        )
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new workspace
    Init(init::InitArgs),
    /// Check every workspace file offline
    Validate(validate::ValidateArgs),
    /// Rewrite the workspace's YAML files in canonical layout
    Fmt(fmt::FmtArgs),
    /// Show what would change in the clients' tenants
    Plan(plan::PlanArgs),
    /// Apply a fresh plan, or a saved one
    Apply(apply::ApplyArgs),
    /// Revoke every grant whose time has passed, in every client
    Expire(expire::ExpireArgs),
    /// Revoke everything an identity, a client or a ticket holds
    Revoke(revoke::RevokeArgs),
    /// Show who holds what, where, until when, and why
    Status(status::StatusArgs),
    /// Request just-in-time access to a bundle for a ticket
    Elevate(elevate::ElevateArgs),
    /// Approve a pending request as a second person
    Approve(approve::ApproveArgs),
    /// Refuse a pending request
    Deny(deny::DenyArgs),
    /// List access requests
    Requests(requests::RequestsArgs),
    /// Take emergency access to a bundle, without approval
    BreakGlass(break_glass::BreakGlassArgs),
    /// List open post-use reviews, or close one
    Review(review::ReviewArgs),
    /// Create the signing key, verify, show and export the audit log
    Audit(audit::AuditArgs),
    /// Work with the grant ledger
    State(state::StateArgs),
    /// Store a tenant's credential in the OS keyring
    Login(login::LoginArgs),
    /// Print shell completions
    Completions(completions::CompletionsArgs),
    /// Print the JSON Schema of a workspace file or of a JSON document
    Schema(schema::SchemaArgs),
}

/// Parses a `WHEN` flag's value (`YYYY-MM-DD` or RFC 3339) into an instant, or an error
/// naming the flag with a hint; every date flag goes through here.
pub(crate) fn instant_arg(
    flag: &str,
    text: &str,
    bound: crate::model::time::DateBound,
) -> Result<time::OffsetDateTime, UserError> {
    crate::model::time::parse_instant(text, bound).map_err(|e| {
        UserError::new(format!("`{flag}`: {e}"))
            .hint("write a day such as `2026-12-31` or an RFC 3339 timestamp such as `2026-12-31T18:00:00Z`")
    })
}

/// Parses a `DURATION` flag's value (`30m`, `8h`, `7d`) or an error naming the flag with
/// a hint; every duration flag goes through here.
pub(crate) fn duration_arg(flag: &str, text: &str) -> Result<std::time::Duration, UserError> {
    crate::model::time::parse_duration(text).map_err(|e| {
        UserError::new(format!("`{flag}`: {e}"))
            .hint("write a duration such as `30m`, `8h` or `7d`")
    })
}

/// Returns `text` as one word for a POSIX shell: as it is when it holds only safe
/// characters, else in single quotes.
pub(crate) fn shell_word(text: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_./-:=@%+,".contains(c);
    if !text.is_empty() && text.chars().all(safe) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    let global = &cli.global;
    let result = run_command(global, cli.command);
    // Requests to tenants beside the fewest the work needed (none: no tenant was asked).
    let printer = global.printer();
    for line in crate::adapters::http::requests().summary() {
        printer.detail(&line);
    }
    result
}

fn run_command(global: &GlobalArgs, command: Command) -> anyhow::Result<ExitStatus> {
    match command {
        Command::Init(args) => init::run(global, args),
        Command::Validate(args) => validate::run(global, args),
        Command::Fmt(args) => fmt::run(global, args),
        Command::Plan(args) => plan::run(global, args),
        Command::Apply(args) => apply::run(global, args),
        Command::Expire(args) => expire::run(global, args),
        Command::Revoke(args) => revoke::run(global, args),
        Command::Status(args) => status::run(global, args),
        Command::Elevate(args) => elevate::run(global, args),
        Command::Approve(args) => approve::run(global, args),
        Command::Deny(args) => deny::run(global, args),
        Command::Requests(args) => requests::run(global, args),
        Command::BreakGlass(args) => break_glass::run(global, args),
        Command::Review(args) => review::run(global, args),
        Command::Audit(args) => audit::run(global, args),
        Command::State(args) => state::run(global, args),
        Command::Login(args) => login::run(global, args),
        Command::Completions(args) => completions::run(args),
        Command::Schema(args) => schema::run(global, args),
    }
}
