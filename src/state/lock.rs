//! The file backend's locks: OS file locks, released when the process exits however it
//! exits. The workspace lock is `state/onboard.lock`, taken exclusively; a client's lock
//! is `state/locks/<client>.lock`, taken exclusively, with `state/onboard.lock` taken
//! shared beside it, so that a workspace lock excludes every client lock and locks of two
//! clients are independent. Each holder writes who it is into its lock file so that a
//! second run can say who holds the lock and since when.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::StateError;

/// The workspace lock file, in the state directory.
pub(super) const LOCK_FILE: &str = "onboard.lock";

/// The directory of the clients' lock files, in the state directory.
pub(super) const LOCKS_DIR: &str = "locks";

/// How long a run waits for the holder of the lock to say who it is.
const SETTLE: Duration = Duration::from_secs(2);

/// How often it looks again meanwhile.
const RETRY: Duration = Duration::from_millis(20);

/// The holder when it has not said who it is within `SETTLE`.
const UNNAMED: &str = "another onboard process, which has not said who it is";

/// Who holds the lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    /// The actor running onboard.
    pub actor: String,
    /// The machine it runs on (empty when a holder did not say).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub host: String,
    /// The command (`apply`, `expire`…).
    pub command: String,
    /// Process id.
    pub pid: u32,
    /// When the lock was taken (RFC 3339).
    pub since: String,
}

impl LockInfo {
    /// Returns the holder as a refused run names it: actor, host, command, pid, since.
    pub fn describe(&self) -> String {
        let host = if self.host.is_empty() {
            String::new()
        } else {
            format!(" on {}", self.host)
        };
        format!(
            "{}{host} (`onboard {}`, pid {}) since {}",
            self.actor, self.command, self.pid, self.since
        )
    }
}

/// Returns this machine's name, for lock holders.
pub fn host_name() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}

/// A held workspace lock; dropping it releases the lock.
#[derive(Debug)]
pub(super) struct WorkspaceLock {
    _file: File,
}

/// Opens (creating) a lock file.
fn open(path: &Path) -> Result<File, StateError> {
    let io = |source| StateError::File {
        action: "write",
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(io)
}

/// How a lock file is taken.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Exclusive,
    Shared,
}

/// Takes a lock file's OS lock, waiting up to `wait` for its holder; a holder that does
/// not say who it is is waited for up to `SETTLE` more (two runs starting at once). On
/// refusal, `name` says who holds it.
fn take(
    file: &File,
    mode: Mode,
    wait: Duration,
    name: &dyn Fn() -> Option<String>,
) -> Result<(), StateError> {
    let started = Instant::now();
    loop {
        let tried = match mode {
            Mode::Exclusive => file.try_lock(),
            Mode::Shared => file.try_lock_shared(),
        };
        match tried {
            Ok(()) => return Ok(()),
            Err(TryLockError::WouldBlock) => {
                let waited = started.elapsed();
                if waited >= wait {
                    if let Some(holder) = name() {
                        return Err(StateError::Locked { holder });
                    }
                    if waited >= wait + SETTLE {
                        return Err(StateError::Locked {
                            holder: UNNAMED.to_string(),
                        });
                    }
                }
                std::thread::sleep(RETRY);
            }
            Err(TryLockError::Error(source)) => {
                return Err(StateError::File {
                    action: "lock",
                    path: PathBuf::new(),
                    source,
                });
            }
        }
    }
}

/// Writes who holds a lock into its file: over the old text before cutting it, so a
/// reader sees the old holder, a mix that does not parse, or the new holder; never an
/// empty file.
fn sign(file: &mut File, path: &Path, info: &LockInfo) -> Result<(), StateError> {
    let io = |source| StateError::File {
        action: "write",
        path: path.to_path_buf(),
        source,
    };
    let text = serde_json::to_string(info).unwrap_or_default();
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    file.write_all(text.as_bytes()).map_err(io)?;
    file.set_len(text.len() as u64).map_err(io)?;
    file.sync_all().map_err(io)
}

/// Takes the workspace lock: `onboard.lock` exclusively.
pub(super) fn workspace(
    dir: &Path,
    info: &LockInfo,
    wait: Duration,
) -> Result<WorkspaceLock, StateError> {
    let path = dir.join(LOCK_FILE);
    let mut file = open(&path)?;
    let name = || {
        let mut probe = File::open(&path).ok()?;
        live_holder(&mut probe, true).or_else(|| client_holders(dir).into_iter().next())
    };
    take(&file, Mode::Exclusive, wait, &name).map_err(|e| at(e, &path))?;
    sign(&mut file, &path, info)?;
    Ok(WorkspaceLock { _file: file })
}

/// A lock file that exists only while it is held: removed when released (while still
/// held), so a workspace whose runs have ended holds only `onboard.lock`. Whoever takes
/// it checks, once it holds the lock, that the file it locked is still the one at the
/// path (not one removed meanwhile), else takes the new one.
pub(super) struct Transient {
    path: PathBuf,
    _file: File,
}

impl Drop for Transient {
    fn drop(&mut self) {
        // Removed first, then closed (which releases the lock).
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Tells whether `file` is still the file at `path`.
fn still_at(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::metadata(path)) {
            (Ok(held), Ok(named)) => held.dev() == named.dev() && held.ino() == named.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

/// Takes a transient lock file exclusively, waiting up to `wait` (see [`take`]).
fn take_transient(
    path: &Path,
    wait: Duration,
    name: &dyn Fn() -> Option<String>,
) -> Result<(File, Transient), StateError> {
    let started = Instant::now();
    loop {
        let file = open(path)?;
        let left = wait.saturating_sub(started.elapsed());
        take(&file, Mode::Exclusive, left, name).map_err(|e| at(e, path))?;
        if still_at(&file, path) {
            let writer = file.try_clone().map_err(|source| StateError::File {
                action: "write",
                path: path.to_path_buf(),
                source,
            })?;
            return Ok((
                writer,
                Transient {
                    path: path.to_path_buf(),
                    _file: file,
                },
            ));
        }
    }
}

/// Holds the lock that serialises merging writes of documents by client runs, for as
/// long as the returned value lives; waits as long as it takes (it is held for an
/// instant).
pub(super) fn merging(dir: &Path) -> Result<Transient, StateError> {
    let path = dir.join(LOCKS_DIR).join("_state.lock");
    loop {
        let file = open(&path)?;
        file.lock().map_err(|source| StateError::File {
            action: "lock",
            path: path.clone(),
            source,
        })?;
        if still_at(&file, &path) {
            return Ok(Transient { path, _file: file });
        }
    }
}

/// Takes a client's lock: `onboard.lock` shared, then `locks/<client>.lock`
/// exclusively. Returns what holds both locks while it lives.
pub(super) fn client(
    dir: &Path,
    client: &str,
    info: &LockInfo,
    wait: Duration,
) -> Result<(File, Transient), StateError> {
    // The name becomes a file name: only a client id (as the workspace checks them).
    let valid = !client.is_empty()
        && !client.starts_with(['_', '-'])
        && client
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !valid {
        return Err(StateError::Backend {
            detail: format!("`{client}` is not a client id, so it has no lock"),
            hint: None,
        });
    }
    let started = Instant::now();
    let path = dir.join(LOCK_FILE);
    let shared = open(&path)?;
    let name = || {
        let mut probe = File::open(&path).ok()?;
        live_holder(&mut probe, true)
    };
    take(&shared, Mode::Shared, wait, &name).map_err(|e| at(e, &path))?;
    let path = client_path(dir, client);
    let name = || {
        let mut probe = File::open(&path).ok()?;
        live_holder(&mut probe, true)
    };
    let left = wait.saturating_sub(started.elapsed());
    let (mut file, held) = take_transient(&path, left, &name)?;
    sign(&mut file, &path, info)?;
    Ok((shared, held))
}

/// Returns the path of a client's lock file.
pub(super) fn client_path(dir: &Path, client: &str) -> PathBuf {
    dir.join(LOCKS_DIR).join(format!("{client}.lock"))
}

/// Names the lock file in an I/O error of `take`.
fn at(error: StateError, path: &Path) -> StateError {
    match error {
        StateError::File { action, source, .. } => StateError::File {
            action,
            path: path.to_path_buf(),
            source,
        },
        other => other,
    }
}

/// Returns who holds the lock file at `path` now: `Ok(None)` when nobody does,
/// `Ok(Some(None))` when a holder has not said who it is within `SETTLE`. Takes the lock
/// shared for an instant to find out.
pub(super) fn holder(path: &Path) -> Result<Option<Option<LockInfo>>, StateError> {
    let mut file = match OpenOptions::new().read(true).open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(StateError::File {
                action: "read",
                path: path.to_path_buf(),
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
                if let Some(info) = read_live(&mut file, false) {
                    return Ok(Some(Some(info)));
                }
                if Instant::now() >= deadline {
                    return Ok(Some(None));
                }
                std::thread::sleep(RETRY);
            }
            Err(TryLockError::Error(source)) => {
                return Err(StateError::File {
                    action: "read",
                    path: path.to_path_buf(),
                    source,
                });
            }
        }
    }
}

/// Returns the clients whose lock files exist, sorted.
pub(super) fn client_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join(LOCKS_DIR))
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.strip_suffix(".lock")
                        .filter(|n| !n.starts_with('_'))
                        .map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Names the live holders of client locks (for a workspace lock refused by them).
fn client_holders(dir: &Path) -> Vec<String> {
    client_names(dir)
        .into_iter()
        .filter_map(|client| {
            let mut file = File::open(client_path(dir, &client)).ok()?;
            if file.try_lock_shared().is_ok() {
                let _ = file.unlock();
                return None;
            }
            let info = read_live(&mut file, true)?;
            Some(format!("{} (holding client `{client}`)", info.describe()))
        })
        .collect()
}

/// Returns the holder named in a lock file when it is another live process: the text of
/// a holder that exited, or of one still writing it, names nobody.
fn live_holder(file: &mut File, others_only: bool) -> Option<String> {
    read_live(file, others_only).map(|info| info.describe())
}

fn read_live(file: &mut File, others_only: bool) -> Option<LockInfo> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    let holder: LockInfo = serde_json::from_str(&text).ok()?;
    let someone_else = !others_only || holder.pid != std::process::id();
    (someone_else && alive(holder.pid)).then_some(holder)
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
