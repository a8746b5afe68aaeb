//! The rejects file: every rejected row with its register, source row number, reason, the
//! column at fault and the full original row. It holds personal identifiers, so it is written
//! owner-only (folder 0700, file 0600) and never into a publication folder.
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::ingest::{scan_source, RegisterFile, ROW};
use crate::perf::collect_streaming;
use crate::validate::{Checked, Validated, REASON, REASON_COLUMN};

/// All rejects of a run, one row each, in register and source-row order.
pub fn collect_rejects(validated: &Validated) -> Result<DataFrame> {
    let mut frames = Vec::new();
    for checked in validated.iter().filter(|c| c.rejected.height() > 0) {
        frames.push(register_rejects(checked)?);
    }
    if frames.is_empty() {
        return Ok(empty_rejects());
    }
    let lazy: Vec<LazyFrame> = frames.into_iter().map(|f| f.lazy()).collect();
    Ok(concat(lazy, UnionArgs::default())?.collect()?)
}

fn empty_rejects() -> DataFrame {
    df!(
        "register" => Vec::<String>::new(),
        "source_row" => Vec::<i64>::new(),
        "reason" => Vec::<String>::new(),
        "column" => Vec::<String>::new(),
        "original_row" => Vec::<String>::new(),
    )
    .expect("static schema")
}

fn register_rejects(checked: &Checked) -> Result<DataFrame> {
    let rows = checked
        .rejected
        .column(ROW)?
        .as_materialized_series()
        .clone();
    let originals = original_rows(&checked.data.file, &rows)?;
    let n = checked.rejected.height();
    let df = DataFrame::new(
        n,
        vec![
            Column::new(
                "register".into(),
                vec![checked.data.file.register.name(); n],
            ),
            rows.with_name("source_row".into()).into_column(),
            checked
                .rejected
                .column(REASON)?
                .clone()
                .with_name("reason".into()),
            checked
                .rejected
                .column(REASON_COLUMN)?
                .clone()
                .with_name("column".into()),
            Column::new("original_row".into(), originals),
        ],
    )?;
    Ok(df)
}

/// Re-reads the source file and renders the given rows (sorted `ROW` numbers) as JSON objects
/// of the file's own columns and values, exactly as they stand in the file.
fn original_rows(file: &RegisterFile, rows: &Series) -> Result<Vec<String>> {
    let (scan, _) = scan_source(file)?;
    let wanted = collect_streaming(
        scan.with_column(col(ROW).cast(DataType::Int64))
            .filter(col(ROW).is_in(lit(rows.clone()).implode(false), false)),
    )?
    .sort([ROW], SortMultipleOptions::default())?;
    let names: Vec<String> = wanted
        .get_column_names()
        .into_iter()
        .filter(|n| n.as_str() != ROW)
        .map(|n| n.to_string())
        .collect();
    let mut out = Vec::with_capacity(wanted.height());
    for i in 0..wanted.height() {
        let mut object = serde_json::Map::new();
        for name in &names {
            let value = wanted.column(name)?.get(i)?;
            object.insert(name.clone(), json_value(&value));
        }
        out.push(serde_json::Value::Object(object).to_string());
    }
    Ok(out)
}

fn json_value(value: &AnyValue) -> serde_json::Value {
    use serde_json::Value;
    match value {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(b) => Value::Bool(*b),
        AnyValue::String(s) => Value::String(s.to_string()),
        AnyValue::StringOwned(s) => Value::String(s.to_string()),
        AnyValue::Int8(v) => (*v).into(),
        AnyValue::Int16(v) => (*v).into(),
        AnyValue::Int32(v) => (*v).into(),
        AnyValue::Int64(v) => (*v).into(),
        AnyValue::UInt8(v) => (*v).into(),
        AnyValue::UInt16(v) => (*v).into(),
        AnyValue::UInt32(v) => (*v).into(),
        AnyValue::UInt64(v) => (*v).into(),
        other => Value::String(other.to_string()),
    }
}

/// Writes the rejects to `<root>/rejects/<period>/rejects.parquet` with owner-only permissions.
pub fn write_rejects(rejects: &mut DataFrame, root: &Path, period: &str) -> Result<PathBuf> {
    let dir = root.join("rejects").join(period);
    create_private_dir(&dir)?;
    let path = dir.join("rejects.parquet");
    let tmp = dir.join(".rejects.parquet.tmp");
    let file = private_file(&tmp)?;
    ParquetWriter::new(file).finish(rejects)?;
    std::fs::rename(&tmp, &path).map_err(Error::io(&path))?;
    Ok(path)
}

/// Creates `dir` (and sets its parent) owner-only.
pub(crate) fn create_private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(Error::io(dir))?;
    set_mode(dir, 0o700)?;
    if let Some(parent) = dir.parent() {
        set_mode(parent, 0o700)?;
    }
    Ok(())
}

#[cfg(unix)]
pub fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(Error::io(path))
}

#[cfg(not(unix))]
pub fn set_mode(_path: &Path, _mode: u32) -> Result<()> {
    Ok(())
}

/// Creates (or truncates) `path` owner-only.
pub(crate) fn private_file(path: &Path) -> Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path).map_err(Error::io(path))?;
    set_mode(path, 0o600)?;
    Ok(file)
}

/// The rejects of the live publication of a period, beside the latest run's
/// (`rejects.parquet`, which a run that then failed a gate also writes, for diagnosis).
const PUBLISHED: &str = "published.parquet";

/// Records the latest run's rejects of `period` as those of its live publication (a hard link,
/// or a copy where links are not possible).
pub fn mark_published(root: &Path, period: &str) -> Result<()> {
    let dir = root.join("rejects").join(period);
    let latest = dir.join("rejects.parquet");
    if !latest.is_file() {
        return Ok(());
    }
    let published = dir.join(PUBLISHED);
    let tmp = dir.join(".published.parquet.tmp");
    let _ = std::fs::remove_file(&tmp);
    if std::fs::hard_link(&latest, &tmp).is_err() {
        std::fs::copy(&latest, &tmp).map_err(Error::io(&tmp))?;
        set_mode(&tmp, 0o600)?;
    }
    std::fs::rename(&tmp, &published).map_err(Error::io(&published))
}

/// Moves the rejects of a period's replaced publication (`published.parquet`) to
/// `<root>/archive/rejects/<period>/<version>/rejects.parquet`, `<version>` being the name of
/// the replaced publication's folder in `<root>/archive/<period>/`. Owner-only, like all rejects.
pub fn archive_published(root: &Path, period: &str, version: &str) -> Result<()> {
    let published = root.join("rejects").join(period).join(PUBLISHED);
    if !published.is_file() {
        return Ok(());
    }
    let archive = root.join("archive").join("rejects");
    let dir = archive.join(period).join(version);
    create_private_dir(&dir)?;
    set_mode(&archive, 0o700)?;
    let path = dir.join("rejects.parquet");
    std::fs::rename(&published, &path).map_err(Error::io(&path))
}

/// Where the rejects of a publication are: the live one's (`version` `None`) or an archived
/// version's (its folder name in `<root>/archive/<period>/`).
pub fn published_rejects_file(root: &Path, period: &str, version: Option<&str>) -> PathBuf {
    match version {
        None => root.join("rejects").join(period).join(PUBLISHED),
        Some(v) => root
            .join("archive")
            .join("rejects")
            .join(period)
            .join(v)
            .join("rejects.parquet"),
    }
}
