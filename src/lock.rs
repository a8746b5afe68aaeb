//! One run at a time per output root: `<out>/.kelastat.lock` holds the pid and start time of
//! its holder; a lock whose process is gone is stale and taken over.
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub struct Lock {
    path: PathBuf,
}

impl Lock {
    pub fn acquire(out: &Path) -> Result<Lock> {
        std::fs::create_dir_all(out).map_err(Error::io(out))?;
        let path = out.join(".kelastat.lock");
        for _ in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut file) => {
                    let holder = format!(
                        "pid {} started {}\n",
                        std::process::id(),
                        chrono::Utc::now().to_rfc3339()
                    );
                    file.write_all(holder.as_bytes())
                        .map_err(Error::io(&path))?;
                    return Ok(Lock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&path).unwrap_or_default();
                    if holder_alive(&holder) {
                        return Err(Error::Locked {
                            lock: path,
                            holder: holder.trim().to_string(),
                        });
                    }
                    tracing::warn!(
                        "taking over the stale lock {} ({})",
                        path.display(),
                        holder.trim()
                    );
                    std::fs::remove_file(&path).map_err(Error::io(&path))?;
                }
                Err(e) => return Err(Error::io(&path)(e)),
            }
        }
        Err(Error::Other(format!(
            "could not take the lock {}",
            path.display()
        )))
    }
}

/// A holder is alive when its pid names a running process (Linux: `/proc/<pid>`).
fn holder_alive(holder: &str) -> bool {
    let pid = holder
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse::<u32>().ok());
    match pid {
        Some(pid) => Path::new(&format!("/proc/{pid}")).exists(),
        None => false,
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
