//! The product's workflows, below the command line: what `plan`, `apply`, `expire`,
//! `revoke` and the access commands do, as functions over a [`Context`].
//!
//! A workflow knows no clap and prints nothing: it returns values (plans, reports,
//! warnings) for `ui` to render, and leaves prompts and confirmations to the command
//! that called it. A `cli/<cmd>.rs` parses its arguments, calls one workflow, confirms
//! if needed, and renders.

pub mod apply;
pub mod credentials;
pub mod plan;

use std::path::Path;

use time::OffsetDateTime;

use crate::model::Workspace;
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
