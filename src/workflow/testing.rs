//! What the workflows' unit tests share: a temporary copy of the example workspace.

use std::fs;
use std::path::{Path, PathBuf};

use std::sync::Arc;

use tempfile::TempDir;
use time::OffsetDateTime;

use super::Context;
use super::request::{AuditOpener, Desk};
use crate::audit::{AuditKey, AuditLog, Entry};
use crate::model::{AccessRequest, Workspace};
use crate::state::{LockScope, Store};

/// Copies a directory tree.
fn copy(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create");
    for entry in fs::read_dir(from).expect("read").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Returns a temporary copy of the example workspace (every tenant on the `file`
/// adapter) and its bundle library, laid out as in the repository: the directory, the
/// workspace root and the loaded workspace.
pub fn example() -> (TempDir, PathBuf, Workspace) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = TempDir::new().expect("temp dir");
    copy(&repo.join("bundles"), &dir.path().join("bundles"));
    let root = dir.path().join("examples/acme-msp");
    copy(&repo.join("examples/acme-msp"), &root);
    let workspace = crate::load::load(&root).expect("the example loads");
    (dir, root, workspace)
}

/// The audit log of a test: a key of its own, in the workspace's state.
pub struct TestAudit {
    pub state: Arc<dyn Store>,
    seed: [u8; 32],
}

impl AuditOpener for TestAudit {
    fn check(&self) -> anyhow::Result<()> {
        Ok(())
    }

    fn open(&self, command: &str) -> anyhow::Result<AuditLog> {
        Ok(AuditLog::open(
            Arc::clone(&self.state),
            AuditKey::from_seed(self.seed),
            "test",
            command,
        )?)
    }
}

/// A workspace the workflows act on, with its state and audit log.
pub struct Bench {
    _dir: tempfile::TempDir,
    pub root: std::path::PathBuf,
    pub workspace: Workspace,
    pub audit: TestAudit,
    pub adapters: crate::adapters::Options,
}

impl Bench {
    pub fn new() -> Self {
        let (dir, root, workspace) = example();
        let state: Arc<dyn Store> =
            Arc::from(crate::state::open(&workspace.settings, &root).expect("file state"));
        let audit = TestAudit {
            state,
            seed: [7; 32],
        };
        Bench {
            _dir: dir,
            root,
            workspace,
            audit,
            adapters: crate::adapters::Options::default(),
        }
    }

    /// Runs `work` as `actor` at `now`, holding the workspace lock.
    pub fn act<T>(&self, actor: &str, now: OffsetDateTime, work: impl FnOnce(&Desk<'_>) -> T) -> T {
        let info = crate::state::LockInfo {
            actor: actor.into(),
            host: "test".into(),
            command: "test".into(),
            pid: std::process::id(),
            since: String::new(),
        };
        let lock = self
            .audit
            .state
            .lock(&LockScope::Workspace, &info, std::time::Duration::ZERO)
            .expect("lock");
        let desk = Desk {
            cx: self.cx(now),
            actor,
            lock: &lock,
            audit: &self.audit,
        };
        work(&desk)
    }

    pub fn requests(&self) -> Vec<AccessRequest> {
        self.audit.state.load_requests().expect("requests").requests
    }

    /// Returns whether a client's chain holds an entry of `kind` with `result`.
    pub fn has_recorded(&self, client: &str, kind: &str, result: &str) -> bool {
        self.recorded(client)
            .iter()
            .any(|(k, r)| k == kind && r == result)
    }

    /// Returns the (kind, result) of every audit entry in a client's chain.
    pub fn recorded(&self, client: &str) -> Vec<(String, String)> {
        let dir = self.root.join(&self.workspace.settings.audit_dir);
        let path = crate::state::layout::chain_path(&dir, client);
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str::<Entry>(line).expect("an entry"))
            .filter_map(|e| Some((e.kind?.as_str().to_string(), e.result?.to_string())))
            .collect()
    }
}

impl Bench {
    /// The workflow context at `now`.
    pub fn cx(&self, now: OffsetDateTime) -> Context<'_> {
        Context {
            root: &self.root,
            workspace: &self.workspace,
            state: self.audit.state.as_ref(),
            now,
            adapters: &self.adapters,
        }
    }
}
