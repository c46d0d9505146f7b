//! The audit directory's on-disk layout in the file backend: which file holds what.
//!
//! `<chain>.jsonl` is a chain's log, `<chain>.head` its latest signed checkpoint, and
//! `<key-id>.pub` a public key. The file backend names these files through this module
//! only, so the layout is written down once. It knows nothing of entries, keys or
//! signatures, and it never writes or prints.

use std::fs;
use std::path::{Path, PathBuf};

use super::StateError;

/// The extension of a chain's log.
const CHAIN_EXTENSION: &str = "jsonl";
/// The extension of a chain's head file.
const HEAD_EXTENSION: &str = "head";
/// The extension of a public key file.
const PUBLIC_KEY_EXTENSION: &str = "pub";

/// Returns the path of a chain's log.
pub fn chain_path(dir: &Path, chain: &str) -> PathBuf {
    dir.join(format!("{chain}.{CHAIN_EXTENSION}"))
}

/// Returns the path of a chain's head file (its latest signed checkpoint).
pub fn head_path(dir: &Path, chain: &str) -> PathBuf {
    dir.join(format!("{chain}.{HEAD_EXTENSION}"))
}

/// Returns the path of a key's public key file.
pub fn public_key_path(dir: &Path, key_id: &str) -> PathBuf {
    dir.join(format!("{key_id}.{PUBLIC_KEY_EXTENSION}"))
}

/// Tells whether a path names a public key file.
pub fn is_public_key(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == PUBLIC_KEY_EXTENSION)
}

/// Returns the chain names in an audit directory, sorted (none if it does not exist).
pub fn chains(dir: &Path) -> Result<Vec<String>, StateError> {
    let mut names = Vec::new();
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(names),
        Err(source) => {
            return Err(StateError::File {
                action: "read",
                path: dir.to_path_buf(),
                source,
            });
        }
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(chain) = name.strip_suffix(&format!(".{CHAIN_EXTENSION}")) {
            names.push(chain.to_string());
        }
    }
    names.sort();
    Ok(names)
}
