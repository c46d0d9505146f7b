//! Atomic file replacement: a crash leaves either the old file or the new one, never a
//! half-written one.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;

/// Writes `bytes` to `path` through a temporary file in the same directory, flushed to
/// disk and renamed over the target; the directory is synced so the rename survives a
/// crash. Text is scrubbed of registered secrets first ([`crate::secrets::scrub()`]):
/// plans, the ledger and requests keep what tenants answered.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    match std::str::from_utf8(bytes) {
        Ok(text) => write_exact(path, crate::secrets::scrub(text).as_bytes()),
        Err(_) => write_exact(path, bytes),
    }
}

/// Like [`write()`], byte for byte: for the one file that holds a secret on purpose (the
/// audit signing key).
pub fn write_exact(path: &Path, bytes: &[u8]) -> io::Result<()> {
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
    let result = (|| {
        let mut file = File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        // Directory fsync makes the rename durable; not every platform allows it.
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
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
}
