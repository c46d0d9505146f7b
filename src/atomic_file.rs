//! Atomic file replacement: a crash leaves either the old file or the new one, never a
//! half-written one.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` through a temporary file in the same directory, flushed to
/// disk and renamed over the target; the directory is synced so the rename survives a
/// crash. Text is scrubbed of registered secrets first ([`crate::secrets::scrub()`]):
/// plans, the ledger and requests keep what tenants answered.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_exact(path, &scrubbed(bytes))
}

/// Returns text scrubbed of registered secrets, other bytes as they are.
fn scrubbed(bytes: &[u8]) -> Cow<'_, [u8]> {
    match std::str::from_utf8(bytes) {
        Ok(text) => match crate::secrets::scrub(text) {
            Cow::Borrowed(_) => Cow::Borrowed(bytes),
            Cow::Owned(text) => Cow::Owned(text.into_bytes()),
        },
        Err(_) => Cow::Borrowed(bytes),
    }
}

/// Like [`write()`], byte for byte: for the one file that holds a secret on purpose (the
/// audit signing key).
pub fn write_exact(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let (dir, tmp) = temporary(path)?;
    let result = (|| {
        write_synced(&tmp, bytes)?;
        fs::rename(&tmp, path)?;
        sync_dir(&dir);
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Files synced at the same time, at most, by [`write_many`] (and the chains the file
/// state backend appends to in one step).
pub(crate) const SYNCS_AT_ONCE: usize = 16;

/// Writes several files (at distinct paths) as [`write()`] writes each, for many small
/// files in few directories (the audit chains' heads): their temporary files are written
/// and synced at the same time, `SYNCS_AT_ONCE` (16) at a time (fsyncs of different files
/// made together share the file system's journal commits), then renamed in order, and
/// each directory is synced once, after every rename into it. Each file is replaced
/// whole or not at all. On a failure, the files before the first that failed are
/// replaced (and their renames synced), none after it: the error comes with the index of
/// the file that failed.
pub fn write_many(files: &[(&Path, &[u8])]) -> Result<(), (usize, io::Error)> {
    let written = crate::workers::map(files, SYNCS_AT_ONCE, |(path, bytes)| {
        let (dir, tmp) = temporary(path)?;
        match write_synced(&tmp, &scrubbed(bytes)) {
            Ok(()) => Ok((dir, tmp)),
            Err(error) => {
                let _ = fs::remove_file(&tmp);
                Err(error)
            }
        }
    });
    let mut dirs = BTreeSet::new();
    let mut failure = None;
    for (index, ((path, _), written)) in files.iter().zip(written).enumerate() {
        match written {
            Ok((dir, tmp)) if failure.is_none() => match fs::rename(&tmp, path) {
                Ok(()) => {
                    dirs.insert(dir);
                }
                Err(error) => {
                    let _ = fs::remove_file(&tmp);
                    failure = Some((index, error));
                }
            },
            Ok((_, tmp)) => {
                let _ = fs::remove_file(&tmp);
            }
            Err(error) => {
                failure.get_or_insert((index, error));
            }
        }
    }
    for dir in dirs {
        sync_dir(&dir);
    }
    failure.map_or(Ok(()), Err)
}

/// Returns the directory of `path` (created if need be) and the temporary file to write
/// it through; refuses a path that is something other than a regular file.
fn temporary(path: &Path) -> io::Result<(PathBuf, PathBuf)> {
    // Renaming over a device, a pipe or a directory would replace it (`--out /dev/full`
    // run as root would remove the device): only a regular file is ever replaced.
    if let Ok(meta) = fs::metadata(path)
        && !meta.is_file()
    {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} exists and is not a regular file; name a file to write",
                path.display()
            ),
        ));
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    Ok((dir.to_path_buf(), tmp))
}

/// Writes `bytes` to a new file at `tmp`, flushed to disk.
fn write_synced(tmp: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = File::create(tmp)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Makes the renames into `dir` durable; not every platform allows it.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::FileTypeExt;

    #[test]
    fn only_a_regular_file_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let pipe = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&pipe)
            .status()
            .unwrap();
        assert!(made.success());
        let error = write(&pipe, b"plan").unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        assert!(error.to_string().contains("not a regular file"), "{error}");
        assert!(fs::metadata(&pipe).unwrap().file_type().is_fifo());
        let error = write(dir.path(), b"plan").unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);

        let file = dir.path().join("plan.json");
        write(&file, b"one").unwrap();
        write(&file, b"two").unwrap();
        assert_eq!(fs::read(&file).unwrap(), b"two");
    }

    #[test]
    fn many_files_are_written_at_once_and_a_failure_stops_the_renames_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let paths: Vec<PathBuf> = (0..40)
            .map(|i| dir.path().join(format!("heads/c{i:02}.head")))
            .collect();
        let texts: Vec<String> = (0..40).map(|i| format!("head {i}\n")).collect();
        let files: Vec<(&Path, &[u8])> = paths
            .iter()
            .zip(&texts)
            .map(|(p, t)| (p.as_path(), t.as_bytes()))
            .collect();
        write_many(&files).unwrap();
        for (path, text) in paths.iter().zip(&texts) {
            assert_eq!(fs::read_to_string(path).unwrap(), *text);
        }
        // The 10th is a directory now: the 9 before it are replaced, none after it.
        fs::remove_file(&paths[10]).unwrap();
        fs::create_dir(&paths[10]).unwrap();
        let again: Vec<(&Path, &[u8])> = paths.iter().map(|p| (p.as_path(), &b"new"[..])).collect();
        let (index, error) = write_many(&again).unwrap_err();
        assert_eq!((index, error.kind()), (10, io::ErrorKind::InvalidInput));
        for (i, (path, text)) in paths.iter().zip(&texts).enumerate() {
            match i {
                0..10 => assert_eq!(fs::read(path).unwrap(), b"new"),
                10 => assert!(path.is_dir()),
                _ => assert_eq!(fs::read_to_string(path).unwrap(), *text),
            }
        }
        // No temporary file is left behind.
        let names: Vec<String> = fs::read_dir(dir.path().join("heads"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(names.is_empty(), "{names:?}");
    }
}
