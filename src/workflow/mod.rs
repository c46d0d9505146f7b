//! The product's workflows, below the command line: what `plan`, `apply`, `expire`,
//! `revoke`, `import` and the access commands do, as functions over a [`Context`].
//!
//! A workflow knows no clap and prints nothing: it returns values (plans, reports,
//! warnings) for `ui` to render, and leaves prompts and confirmations to the command
//! that called it. A `cli/<cmd>.rs` parses its arguments, calls one workflow, confirms
//! if needed, and renders.

pub mod apply;
pub mod credentials;
pub mod import;
pub mod plan;
pub mod request;
#[cfg(test)]
pub(crate) mod testing;

use std::path::Path;

use time::OffsetDateTime;

use crate::model::{Client, Workspace, suggest};
use crate::state::Store;

/// What a workflow reads: the loaded workspace, its state directory, the instant it acts
/// at, and how adapters are opened.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// The workspace root.
    pub root: &'a Path,
    /// The workspace.
    pub workspace: &'a Workspace,
    /// Where the state and the audit log are kept.
    pub state: &'a dyn Store,
    /// The instant the workflow acts at.
    pub now: OffsetDateTime,
    /// How adapters are opened.
    pub adapters: &'a crate::adapters::Options,
}

impl<'a> Context<'a> {
    /// Returns the client `id`, or an error naming the clients there are.
    pub fn client(&self, id: &str) -> anyhow::Result<&'a Client> {
        self.workspace.clients.get(id).ok_or_else(|| {
            crate::exit::UserError::new(format!("unknown client `{id}`"))
                .hint(suggest("clients", id, self.workspace.clients.keys()))
                .into()
        })
    }
}

#[cfg(test)]
mod layering {
    use std::path::Path;

    use crate::imports::sources;

    /// Workflows return values and warnings; only `ui` and `cli` talk to the user.
    #[test]
    fn workflows_reach_into_neither_ui_nor_cli() {
        let mut files = Vec::new();
        sources(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/workflow"),
            &mut files,
        );
        assert!(!files.is_empty());
        for file in files {
            let text = std::fs::read_to_string(&file).expect("a source file");
            for layer in ["ui", "cli"] {
                let path = format!("crate::{layer}::");
                assert!(!text.contains(&path), "{} uses `{path}`", file.display());
            }
        }
    }
}
