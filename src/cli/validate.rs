//! `onboard validate`: parse and check every workspace file, offline.

use anyhow::Context;
use clap::Args;

use super::GlobalArgs;
use crate::exit::ExitStatus;
use crate::load::{self, LoadError};
use crate::ui::OutputFormat;
use crate::ui::diagnostics::UserError;
use crate::ui::diagnostics::{count, render_diagnostic, render_warning};
use crate::ui::documents::{Counts, FORMAT_VERSION, Problem, ValidateDocument};

/// Check every workspace file offline
///
/// Reads `onboard.toml`, every identity, bundle and client and the policy file, checks
/// references between them, and evaluates the policy rules on everything the workspace
/// declares. Contacts no tenant. Where a ticket provider is configured (`[tickets]`), asks
/// it whether each exception's ticket is open and the client's (rule `ticket-open`); a
/// provider that cannot be reached is a warning and checks nothing further. Lists every
/// problem with its file, line and column; exits 1 when a file is wrong and 3 when only
/// policy rules deny something.
#[derive(Debug, Args)]
pub struct ValidateArgs {}

pub(super) fn run(global: &GlobalArgs, _args: ValidateArgs) -> anyhow::Result<ExitStatus> {
    let printer = global.printer();
    let cwd = std::env::current_dir().context("reading the current directory")?;
    let root = load::discover(global.workspace.as_deref(), &cwd)?;
    crate::ui::diagnostics::show_paths_from(&cwd, &root);
    let now = crate::env::now()
        .map_err(|e| UserError::new(e).hint("write an RFC 3339 timestamp or `YYYY-MM-DD`"))?;
    let mut denials = Vec::new();
    let mut warnings = Vec::new();
    let (problems, counts) = match load::load(&root) {
        Ok(workspace) => {
            let check = crate::plan::check_workspace(&workspace, now);
            let problems = check.problems;
            denials = check.denials;
            warnings = workspace
                .clients
                .values()
                .flat_map(|c| c.ended_exceptions(now))
                .collect::<Vec<_>>();
            let (ticket_denials, ticket_warnings) =
                crate::tickets::validate_exceptions(&root, &workspace, now);
            denials.extend(ticket_denials);
            warnings.extend(ticket_warnings);
            warnings.extend(workspace.policy.warnings());
            warnings.extend(crate::workflow::credentials::owner_warnings(
                &root, &workspace,
            ));
            let counts = Counts {
                identities: workspace.identities.len(),
                bundles: workspace.bundles.len(),
                clients: workspace.clients.len(),
                tenants: workspace.clients.values().map(|c| c.tenants.len()).sum(),
            };
            (problems, Some(counts))
        }
        Err(LoadError::Invalid(problems)) => (problems, None),
        Err(other) => return Err(other.into()),
    };
    let structural = !problems.is_empty();
    let mut problems = problems;
    problems.extend(denials.iter().map(crate::policy::Denial::to_diagnostic));
    let valid = problems.is_empty();
    match global.output {
        OutputFormat::Json => {
            let document = ValidateDocument {
                format_version: FORMAT_VERSION,
                valid,
                problems: problems.iter().map(Problem::from).collect(),
                warnings: warnings.iter().map(Problem::from).collect(),
                counts: if valid { counts } else { None },
            };
            printer.json(&document)?;
        }
        OutputFormat::Table | OutputFormat::Markdown => {
            let mut text = String::new();
            for warning in &warnings {
                render_warning(&mut text, warning, printer.color_stderr);
            }
            if !printer.quiet {
                printer.report(&text);
            }
            if valid {
                let c = counts.expect("a valid workspace has counts");
                printer.data(&format!(
                    "The workspace is valid: {}, {}, {}, {}.",
                    count(c.identities, "identity", "identities"),
                    count(c.bundles, "bundle", "bundles"),
                    count(c.clients, "client", "clients"),
                    count(c.tenants, "tenant", "tenants"),
                ))?;
            }
        }
    }
    if valid {
        return Ok(ExitStatus::Success);
    }
    let mut text = String::new();
    for diagnostic in &problems {
        render_diagnostic(&mut text, diagnostic, printer.color_stderr);
    }
    printer.report(&text);
    printer.error(&format!(
        "the workspace has {}",
        count(problems.len(), "problem", "problems")
    ));
    Ok(if structural {
        ExitStatus::Failure
    } else {
        ExitStatus::PolicyDenied
    })
}
