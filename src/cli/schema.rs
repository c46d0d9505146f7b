//! `onboard schema`: the JSON Schemas of the workspace files and of the JSON documents
//! onboard prints, generated from the types that read and write them.

use clap::{Args, ValueEnum};

use super::GlobalArgs;
use crate::exit::ExitStatus;
use crate::model::schema::{FileKind, document_schema, file_schema};
use crate::ui::OutputFormat;
use crate::ui::documents::{
    ApplyDocument, AuditShowDocument, FORMAT_VERSION, ImportDocument, PlanDocument, StatusDocument,
    ValidateDocument,
};

/// Print the JSON Schema of a workspace file or of a JSON document
///
/// Without KIND, lists the kinds. Editors that read `# yaml-language-server: $schema=…`
/// (VS Code's YAML extension, Helix, Neovim) complete and check workspace files with
/// them; `onboard init` writes them under `schemas/` and points its files at them.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// The file or document whose schema to print
    #[arg(value_enum)]
    pub kind: Option<SchemaKind>,
}

/// A file or document with a schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// `onboard.toml`.
    Settings,
    /// A file under `identities/`.
    Identity,
    /// A bundle file in a bundle library.
    Bundle,
    /// A file under `clients/`.
    Client,
    /// `policy.yaml`.
    Policy,
    /// `onboard plan --output json`, and a plan saved with `--out`.
    Plan,
    /// `onboard apply --output json` (also `expire` and `revoke`).
    Apply,
    /// `onboard status --output json`.
    Status,
    /// `onboard validate --output json`.
    Validate,
    /// `onboard audit show --output json`.
    AuditShow,
    /// `onboard import --output json`.
    Import,
}

impl SchemaKind {
    /// Every kind, in the order `onboard schema` lists them.
    pub const ALL: [SchemaKind; 11] = [
        SchemaKind::Settings,
        SchemaKind::Identity,
        SchemaKind::Bundle,
        SchemaKind::Client,
        SchemaKind::Policy,
        SchemaKind::Plan,
        SchemaKind::Apply,
        SchemaKind::Status,
        SchemaKind::Validate,
        SchemaKind::AuditShow,
        SchemaKind::Import,
    ];

    /// The kind's name on the command line.
    pub fn name(self) -> String {
        self.to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default()
    }

    /// The name of the kind's schema file (under `schemas/`).
    pub fn file_name(self) -> String {
        format!("{}.schema.json", self.name())
    }

    /// What the schema describes.
    pub fn title(self) -> &'static str {
        match self {
            SchemaKind::Settings => "onboard.toml",
            SchemaKind::Identity => "onboard identity (identities/*.yaml)",
            SchemaKind::Bundle => "onboard bundle (a bundle library's *.yaml)",
            SchemaKind::Client => "onboard client (clients/*.yaml)",
            SchemaKind::Policy => "onboard policy (policy.yaml)",
            SchemaKind::Plan => "onboard plan --output json",
            SchemaKind::Apply => "onboard apply --output json",
            SchemaKind::Status => "onboard status --output json",
            SchemaKind::Validate => "onboard validate --output json",
            SchemaKind::AuditShow => "onboard audit show --output json",
            SchemaKind::Import => "onboard import --output json",
        }
    }

    /// The workspace file kind, for the kinds that are workspace files.
    pub fn file_kind(self) -> Option<FileKind> {
        Some(match self {
            SchemaKind::Settings => FileKind::Settings,
            SchemaKind::Identity => FileKind::Identity,
            SchemaKind::Bundle => FileKind::Bundle,
            SchemaKind::Client => FileKind::Client,
            SchemaKind::Policy => FileKind::Policy,
            _ => return None,
        })
    }
}

/// Returns the schema of a kind as pretty JSON, ending in a newline.
pub fn generate(kind: SchemaKind) -> String {
    let title = kind.title();
    let mut schema = match kind.file_kind() {
        Some(file) => file_schema(file, title),
        None => match kind {
            SchemaKind::Plan => document_schema::<PlanDocument>(title),
            SchemaKind::Apply => document_schema::<ApplyDocument>(title),
            SchemaKind::Status => document_schema::<StatusDocument>(title),
            SchemaKind::Validate => document_schema::<ValidateDocument>(title),
            SchemaKind::Import => document_schema::<ImportDocument>(title),
            _ => document_schema::<AuditShowDocument>(title),
        },
    };
    // A document's schema is for one major version of its shape.
    if kind.file_kind().is_none()
        && let Some(version) = schema
            .get_mut("properties")
            .and_then(|p| p.get_mut("format_version"))
    {
        *version = serde_json::json!({
            "description": "Major version of this document's shape.",
            "const": FORMAT_VERSION,
        });
    }
    let mut text =
        serde_json::to_string_pretty(&schema).expect("a schema is JSON and always serializes");
    text.push('\n');
    text
}

pub(super) fn run(global: &GlobalArgs, args: SchemaArgs) -> anyhow::Result<ExitStatus> {
    let printer = global.printer();
    match args.kind {
        Some(kind) => printer.data(&generate(kind))?,
        None if printer.format == OutputFormat::Json => {
            let kinds: Vec<serde_json::Value> = SchemaKind::ALL
                .into_iter()
                .map(|kind| {
                    serde_json::json!({
                        "kind": kind.name(),
                        "title": kind.title(),
                        "file": format!("schemas/{}", kind.file_name()),
                    })
                })
                .collect();
            printer.json(&serde_json::json!({
                "format_version": FORMAT_VERSION,
                "kinds": kinds,
            }))?;
        }
        None => {
            let mut out = String::new();
            for kind in SchemaKind::ALL {
                out.push_str(&format!("{:<11} {}\n", kind.name(), kind.title()));
            }
            printer.data(&out)?;
        }
    }
    Ok(ExitStatus::Success)
}
