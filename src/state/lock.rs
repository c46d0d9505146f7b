//! The workspace lock: an OS file lock on `state/onboard.lock`, released when the
//! process exits however it exits. The holder writes who it is into the file so that a
//! second run can say who holds the lock and since when.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::StateError;

const LOCK_FILE: &str = "onboard.lock";

/// How long a run waits for the holder of the lock to say who it is.
const SETTLE: Duration = Duration::from_secs(2);

/// How often it looks again meanwhile.
const RETRY: Duration = Duration::from_millis(20);

/// The holder when it has not said who it is within `SETTLE`.
const UNNAMED: &str = "another onboard process, which has not said who it is";

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
        let deadline = Instant::now() + SETTLE;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => {
                    // The holder may not have said who it is yet (two runs starting at
                    // once), or a probe holds the lock for an instant: wait for a live
                    // holder to name, or for the lock.
                    if let Some(holder) = live_holder(&mut file) {
                        return Err(StateError::Locked { holder });
                    }
                    if Instant::now() >= deadline {
                        return Err(StateError::Locked {
                            holder: UNNAMED.to_string(),
                        });
                    }
                    std::thread::sleep(RETRY);
                }
                Err(TryLockError::Error(e)) => return Err(io(e)),
            }
        }
        // Written over the old text before cutting it: a reader sees the old holder, a
        // mix that does not parse, or the new holder; never an empty file.
        let text = serde_json::to_string(info).unwrap_or_default();
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        file.write_all(text.as_bytes()).map_err(io)?;
        file.set_len(text.len() as u64).map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok(WorkspaceLock { _file: file })
    }
}

/// Returns who holds the workspace lock in `dir` now, or `None` when no live run holds
/// it (an apply that crashed released it as it died). Takes the lock shared for an
/// instant to find out; a run starting meanwhile waits for it (see `acquire`).
pub(super) fn running(dir: &Path) -> Result<Option<String>, StateError> {
    let path = dir.join(LOCK_FILE);
    let mut file = match OpenOptions::new().read(true).open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(StateError::Io {
                action: "read",
                path,
                source,
            });
        }
    };
    let deadline = Instant::now() + SETTLE;
    loop {
        match file.try_lock_shared() {
            Ok(()) => {
                let _ = file.unlock();
                return Ok(None);
            }
            Err(TryLockError::WouldBlock) => {
                if let Some(holder) = live_holder(&mut file) {
                    return Ok(Some(holder));
                }
                if Instant::now() >= deadline {
                    return Ok(Some(UNNAMED.to_string()));
                }
                std::thread::sleep(RETRY);
            }
            Err(TryLockError::Error(source)) => {
                return Err(StateError::Io {
                    action: "read",
                    path,
                    source,
                });
            }
        }
    }
}

/// Returns the holder named in the lock file when that process is alive: the text of a
/// holder that exited, or of one still writing it, names nobody.
fn live_holder(file: &mut File) -> Option<String> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    let holder: LockInfo = serde_json::from_str(&text).ok()?;
    (holder.pid != std::process::id() && alive(holder.pid)).then(|| {
        format!(
            "{} (`onboard {}`, pid {}) since {}",
            holder.actor, holder.command, holder.pid, holder.since
        )
    })
}

/// Returns whether a process is running.
fn alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        // No cheap portable check: trust the text.
        true
    }
}
