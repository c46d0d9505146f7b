//! `onboard fmt`: rewrite the workspace's YAML files in canonical layout.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

use super::GlobalArgs;
use crate::atomic_file;
use crate::exit::ExitStatus;
use crate::load::{self, SETTINGS_FILE};
use crate::model::SourceKind;
use crate::model::format::{field_order, format_yaml};
use crate::ui::OutputFormat;
use crate::ui::diagnostics::UserError;
use crate::ui::documents::FORMAT_VERSION;

/// `onboard fmt --output json`: the files rewritten (or, with `--check`, that would be)
/// and those left alone.
#[derive(Debug, serde::Serialize)]
struct FmtDocument {
    format_version: u32,
    check: bool,
    changed: Vec<String>,
    refused: Vec<String>,
}

/// Rewrite the workspace's YAML files in canonical layout
///
/// Puts each file's top-level fields in the documented order (`id` first), each with the
/// comments directly above it, removes trailing spaces and repeated blank lines, and ends
/// each file with one newline. Comments are kept; nested fields keep their order. A file
/// whose layout it cannot rearrange safely is left alone and named, with the reason.
/// Covers `identities/`, `clients/`, the policy file and bundle libraries inside the
/// workspace (a library outside it is only read, never rewritten).
#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Change nothing: list the files that are not in canonical layout, and exit 2 if
    /// there are any (for CI)
    #[arg(long)]
    pub check: bool,
}

/// Returns the workspace's YAML files that `fmt` may rewrite, with their kinds.
fn workspace_files(root: &Path) -> anyhow::Result<Vec<(SourceKind, PathBuf)>> {
    let within = load::canonical_root(root)?;
    let settings_path = root.join(SETTINGS_FILE);
    let text = std::fs::read_to_string(&settings_path)
        .with_context(|| format!("reading {}", settings_path.display()))?;
    let settings = crate::model::settings_from_toml(&std::sync::Arc::from(SETTINGS_FILE), &text)
        .map_err(|d| load::LoadError::Invalid(vec![d]))?;
    let mut files = Vec::new();
    for (kind, dir, recursive) in [
        (SourceKind::Identity, root.join("identities"), false),
        (SourceKind::Client, root.join("clients"), false),
    ]
    .into_iter()
    .chain(
        settings
            .bundle_paths
            .iter()
            .map(|library| (SourceKind::Bundle, root.join(library), true)),
    ) {
        let mut paths = Vec::new();
        load::yaml_files(&dir, recursive, &mut paths)?;
        files.extend(paths.into_iter().map(|p| (kind, p)));
    }
    let policy = root.join(&settings.policy_file);
    if policy.is_file() {
        files.push((SourceKind::Policy, policy));
    }
    // Only what lies inside the workspace is ours to rewrite.
    files.retain(|(_, path)| load::resolves_inside(&within, path));
    Ok(files)
}

pub(super) fn run(global: &GlobalArgs, args: FmtArgs) -> anyhow::Result<ExitStatus> {
    let printer = global.printer();
    let cwd = std::env::current_dir().context("reading the current directory")?;
    let root = load::discover(global.workspace.as_deref(), &cwd)?;
    let mut changed = Vec::new();
    let mut refused = Vec::new();
    let files = workspace_files(&root)?;
    for (kind, path) in &files {
        let shown = load::display(&root, path);
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {shown}"))?;
        match format_yaml(&text, field_order(*kind)) {
            Ok(formatted) if formatted == text => {}
            Ok(formatted) => {
                if !args.check {
                    atomic_file::write(path, formatted.as_bytes())
                        .with_context(|| format!("writing {shown}"))?;
                }
                changed.push(shown);
            }
            Err(error) => {
                printer.warn(&format!(
                    "{shown}: not formatted: {error}; {}",
                    error.hint()
                ));
                refused.push(shown);
            }
        }
    }
    if printer.format == OutputFormat::Json {
        printer.json(&FmtDocument {
            format_version: FORMAT_VERSION,
            check: args.check,
            changed: changed.iter().map(ToString::to_string).collect(),
            refused: refused.iter().map(ToString::to_string).collect(),
        })?;
    } else if !changed.is_empty() {
        let list: String = changed.iter().map(|path| format!("{path}\n")).collect();
        printer.data(&list)?;
    }
    let verb = if args.check {
        "would reformat"
    } else {
        "reformatted"
    };
    printer.status(&format!(
        "{verb} {} of {} file(s){}",
        changed.len(),
        files.len(),
        match refused.len() {
            0 => String::new(),
            n => format!("; {n} left alone (see above)"),
        }
    ));
    if !refused.is_empty() {
        return Err(UserError::new(format!(
            "{} file(s) could not be formatted: {}",
            refused.len(),
            refused.join(", ")
        ))
        .hint("each is named above with the reason; the other files are done")
        .into());
    }
    Ok(if args.check && !changed.is_empty() {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    })
}
