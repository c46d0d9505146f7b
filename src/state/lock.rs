//! The workspace lock: an OS file lock on `state/onboard.lock`, released when the
//! process exits however it exits. The holder writes who it is into the file so that a
//! second run can say who holds the lock and since when.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::StateError;

const LOCK_FILE: &str = "onboard.lock";

/// Who holds the lock.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LockInfo {
    /// The actor running onboard.
    pub actor: String,
    /// The command (`apply`, `expire`…).
    pub command: String,
    /// Process id.
    pub pid: u32,
    /// When the lock was taken (RFC 3339).
    pub since: String,
}

/// A held workspace lock; dropping it releases the lock.
#[derive(Debug)]
pub struct WorkspaceLock {
    _file: File,
}

impl WorkspaceLock {
    pub(super) fn acquire(dir: &Path, info: &LockInfo) -> Result<Self, StateError> {
        let path = dir.join(LOCK_FILE);
        let io = |source| StateError::Io {
            action: "write",
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                let holder = match serde_json::from_str::<LockInfo>(&text) {
                    Ok(h) => format!(
                        "{} (`onboard {}`, pid {}) since {}",
                        h.actor, h.command, h.pid, h.since
                    ),
                    Err(_) => "another onboard process".to_string(),
                };
                return Err(StateError::Locked { holder });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        let text = serde_json::to_string(info).unwrap_or_default();
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        file.write_all(text.as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok(WorkspaceLock { _file: file })
    }
}
