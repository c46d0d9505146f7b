//! What the workflows' unit tests share: a temporary copy of the example workspace.

use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use crate::model::Workspace;

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
