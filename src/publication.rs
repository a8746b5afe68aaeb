//! Publishing one period so that `<out>/<period>/` is at every moment either the old or the new
//! version, whole (operations.md, "Atomic publication"), and nothing published is ever deleted.
//!
//! The steps, each of which a kill may interrupt:
//! 1. write the publication into `<out>/.tmp-<period>-<pid>/`, then fsync every file and folder;
//! 2. rename it to `<out>/.ready-<period>-<inode>/`, `<inode>` being the folder's own inode
//!    number: a complete version that is not yet live;
//! 3. first publication: rename it to `<out>/<period>/`. Replacement on Linux: exchange it with
//!    `<out>/<period>/` in one `renameat2(RENAME_EXCHANGE)`, so the new version is live and the
//!    old one now sits under the `.ready-` name, whose inode no longer matches the folder;
//!    elsewhere: rename the live folder to `<out>/.old-<period>-<pid>/`, then the new one into
//!    place (a short moment without the period, which the next run repairs);
//! 4. move the old version to `<out>/archive/<period>/<its publication time>/`, and the rejects
//!    of the old version with it (`rejects`).
//!
//! Under the output root's lock, [`recover`] finishes what a killed run left: `.tmp-` folders
//! are removed (never complete), a `.ready-` folder whose inode matches its name is removed
//! (complete but never live: the old version stayed in place), one whose inode does not match
//! is the old version of a completed exchange and goes to the archive, and an `.old-` folder
//! goes back into place when the period is missing, else to the archive.
use std::fs::File;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fault;
use crate::period::Period;

const TMP: &str = ".tmp-";
const READY: &str = ".ready-";
const OLD: &str = ".old-";

/// Writes a period's publication with `write_all` and makes it the live `<out>/<period>/`;
/// a version it replaces goes to the archive. Returns the live folder.
pub fn publish_atomically(
    out: &Path,
    period: Period,
    write_all: impl FnOnce(&Path) -> Result<()>,
) -> Result<PathBuf> {
    std::fs::create_dir_all(out).map_err(Error::io(out))?;
    let tmp = out.join(format!("{TMP}{period}-{}", std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(Error::io(&tmp))?;
    }
    std::fs::create_dir_all(&tmp).map_err(Error::io(&tmp))?;
    if let Err(e) = write_all(&tmp) {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    sync_tree(&tmp)?;
    fault::point("after-write");
    let ready = out.join(format!("{READY}{period}-{}", inode(&tmp)?));
    std::fs::rename(&tmp, &ready).map_err(Error::io(&ready))?;
    sync_dir(out)?;
    fault::point("before-exchange");
    let target = out.join(period.to_string());
    if !target.exists() {
        std::fs::rename(&ready, &target).map_err(Error::io(&target))?;
        sync_dir(out)?;
        return Ok(target);
    }
    let old = replace(&ready, &target, out, period)?;
    fault::point("between-renames");
    archive(out, period, &old)?;
    Ok(target)
}

/// Makes `new` the live `target`; returns where the old version now is.
#[cfg(target_os = "linux")]
fn replace(new: &Path, target: &Path, out: &Path, _period: Period) -> Result<PathBuf> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    renameat_with(CWD, new, CWD, target, RenameFlags::EXCHANGE)
        .map_err(|e| Error::io(target)(e.into()))?;
    sync_dir(out)?;
    Ok(new.to_path_buf())
}

/// Makes `new` the live `target` by two renames; returns where the old version now is.
#[cfg(not(target_os = "linux"))]
fn replace(new: &Path, target: &Path, out: &Path, period: Period) -> Result<PathBuf> {
    let old = out.join(format!("{OLD}{period}-{}", std::process::id()));
    std::fs::rename(target, &old).map_err(Error::io(&old))?;
    std::fs::rename(new, target).map_err(Error::io(target))?;
    sync_dir(out)?;
    Ok(old)
}

/// Moves a replaced version of `period` (at `old`) to `<out>/archive/<period>/<its publication
/// time>/`, with the rejects it was published with.
fn archive(out: &Path, period: Period, old: &Path) -> Result<()> {
    let time = publication_time_of(old).unwrap_or_else(|| "unknown".into());
    let parent = out.join("archive").join(period.to_string());
    std::fs::create_dir_all(&parent).map_err(Error::io(&parent))?;
    let destination = unique(parent.join(&time));
    fault::point("archive-move");
    std::fs::rename(old, &destination).map_err(Error::io(&destination))?;
    sync_dir(&parent)?;
    sync_dir(out)?;
    let name = destination
        .file_name()
        .expect("a folder name")
        .to_string_lossy()
        .into_owned();
    crate::rejects::archive_published(out, &period.to_string(), &name)?;
    tracing::info!(
        stage = "publish",
        "replaced {period}: the previous version is archived in {}",
        destination.display()
    );
    Ok(())
}

/// Finishes or undoes what runs killed while publishing into `out` left behind. Call it only
/// while holding the output root's lock.
pub fn recover(out: &Path) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(out) else {
        return Ok(());
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .collect();
    names.sort();
    for name in names {
        let path = out.join(&name);
        if name.starts_with(TMP) {
            tracing::warn!(
                stage = "recover",
                "removing {name}, an unfinished publication of a run that did not end"
            );
            std::fs::remove_dir_all(&path).map_err(Error::io(&path))?;
        } else if let Some(rest) = name.strip_prefix(READY) {
            let Some((period, ino)) = split_suffix(rest) else {
                continue;
            };
            if ino == inode(&path)? {
                tracing::warn!(stage = "recover", "removing {name}, a complete publication of {period} that a run did not make live");
                std::fs::remove_dir_all(&path).map_err(Error::io(&path))?;
            } else {
                tracing::warn!(
                    stage = "recover",
                    "archiving {name}, the version of {period} a run replaced before it ended"
                );
                archive(out, period, &path)?;
            }
        } else if let Some(rest) = name.strip_prefix(OLD) {
            let Some((period, _)) = split_suffix(rest) else {
                continue;
            };
            let target = out.join(period.to_string());
            if target.exists() {
                tracing::warn!(
                    stage = "recover",
                    "archiving {name}, the version of {period} a run replaced before it ended"
                );
                archive(out, period, &path)?;
            } else {
                tracing::warn!(
                    stage = "recover",
                    "putting {name} back in place: a run ended while replacing {period}"
                );
                std::fs::rename(&path, &target).map_err(Error::io(&target))?;
                sync_dir(out)?;
            }
        }
    }
    Ok(())
}

/// `<period>-<number>` → the period and the number.
fn split_suffix(rest: &str) -> Option<(Period, u64)> {
    let (period, number) = rest.rsplit_once('-')?;
    Some((period.parse().ok()?, number.parse().ok()?))
}

#[cfg(unix)]
fn inode(path: &Path) -> Result<u64> {
    use std::os::unix::fs::MetadataExt;
    Ok(std::fs::metadata(path).map_err(Error::io(path))?.ino())
}

#[cfg(not(unix))]
fn inode(_path: &Path) -> Result<u64> {
    Ok(0)
}

/// Flushes every file and folder under `dir` (and `dir` itself) to disk, so that a power cut
/// after the rename cannot publish empty or partial files.
fn sync_tree(dir: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(Error::io(dir))? {
        let path = entry.map_err(Error::io(dir))?.path();
        if path.is_dir() {
            sync_tree(&path)?;
        } else {
            File::open(&path)
                .and_then(|f| f.sync_all())
                .map_err(Error::io(&path))?;
        }
    }
    sync_dir(dir)
}

/// Flushes a folder's entries (renames and new names) to disk. Windows cannot open a folder
/// as a file; there the rename itself is the unit of durability.
pub fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(Error::io(dir))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

fn unique(path: PathBuf) -> PathBuf {
    let mut candidate = path.clone();
    let mut n = 1;
    while candidate.exists() {
        candidate = PathBuf::from(format!("{}-{n}", path.display()));
        n += 1;
    }
    candidate
}

/// The `published_at` of a publication's manifest, as a folder name (`2024-12-31T120000Z`).
pub fn publication_time_of(folder: &Path) -> Option<String> {
    let text = std::fs::read_to_string(folder.join("manifest.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    Some(v.get("published_at")?.as_str()?.replace(':', ""))
}
