//! One run at a time per output root: an OS advisory lock (`flock` on Unix, `LockFileEx` on
//! Windows, through the standard library's `File::try_lock`) on `<out>/.kelastat.lock`, held
//! for the whole run. The operating system releases it when its holder ends, however it ends,
//! so a lock of a dead process is free by construction: no guessing from pids, which are
//! reused, nor from `/proc`, which not every system has.
//!
//! The file's text names the holder (`pid 4242 started 2024-…`) for the exit-5 message. The
//! file is never removed, only emptied on release: removing it would let a third run lock a
//! new file of the same name while a second one holds the old, unlinked one.
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The lock file's name in the output root.
pub const FILE_NAME: &str = ".kelastat.lock";

/// The held lock; released when dropped (or when the process ends).
pub struct Lock {
    path: PathBuf,
    file: File,
}

impl Lock {
    /// Takes the lock of `out` (created if missing), or fails with `Error::Locked` (exit 5)
    /// naming the holder when another process holds it.
    pub fn acquire(out: &Path) -> Result<Lock> {
        crate::logging::enter_stage("lock");
        std::fs::create_dir_all(out).map_err(Error::io(out))?;
        let path = out.join(FILE_NAME);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(Error::io(&path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = holder_text(&mut file);
                return Err(Error::Locked {
                    lock: path,
                    holder: if holder.is_empty() {
                        "a process that is just starting (no pid written yet)".into()
                    } else {
                        holder
                    },
                });
            }
            Err(TryLockError::Error(e)) => return Err(Error::io(&path)(e)),
        }
        let previous = holder_text(&mut file);
        if !previous.is_empty() {
            tracing::warn!(
                "taking over the stale lock {} of a process that ended without releasing it ({previous})",
                path.display()
            );
        }
        let holder = format!(
            "pid {} started {}\n",
            std::process::id(),
            chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
        file.set_len(0)
            .and_then(|_| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(holder.as_bytes()))
            .and_then(|_| file.sync_all())
            .map_err(Error::io(&path))?;
        Ok(Lock { path, file })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn holder_text(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file
        .seek(SeekFrom::Start(0))
        .and_then(|_| file.read_to_string(&mut text));
    text.trim().to_string()
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Emptied, so that the next holder sees a clean release; the OS lock goes with the file.
        let _ = self.file.set_len(0);
    }
}
