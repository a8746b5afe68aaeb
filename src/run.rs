//! `kelastat run`: ingest → validate → classify → aggregate → protect → publish, for one
//! period, with the guarantees of operations.md (one run at a time, atomic publication,
//! nothing lost, quality gates, reproducible files).
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::aggregate::{aggregate, time_series, Input as AggregateInput};
use crate::app::{
    classify_period, ingest_and_validate, paid_and_reconciled, resolve_period, Scope, ValidationRun,
};
use crate::cli::RunArgs;
use crate::config::Pipeline;
use crate::digest::sha256_file;
use crate::error::{Error, Result};
use crate::history::published_periods;
use crate::labels::{Codelists, LANGUAGES};
use crate::params::ParameterFile;
use crate::period::Period;
use crate::protect::protect;
use crate::publish::{self, PublicationInfo};
use crate::quality::{check_reject_share, QualityReport};
use crate::table::Table;

pub const FORMATS: [&str; 4] = ["csv", "parquet", "px", "jsonstat"];
pub const TABLES: [&str; 10] = [
    "recipients_by_benefit_sex_age",
    "recipients_by_area",
    "national_pension_structure",
    "amount_distribution",
    "recipients_abroad_by_country",
    "expenditure",
    "new_recipients",
    "guarantee_pension_by_basis",
    "survivors_pensions",
    "time_series",
];

/// The publication time: `SOURCE_DATE_EPOCH` (seconds) when set, else now.
pub fn publication_time() -> Result<DateTime<Utc>> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(text) => text
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|s| DateTime::from_timestamp(s, 0))
            .ok_or_else(|| {
                Error::Usage(format!(
                    "SOURCE_DATE_EPOCH '{text}' is not a number of seconds"
                ))
            }),
        Err(_) => {
            Ok(DateTime::from_timestamp(Utc::now().timestamp(), 0).expect("now is a valid time"))
        }
    }
}

/// Checks the pipeline's `tables` and `formats` lists against the known ones.
fn selected(
    pipeline: &Pipeline,
    key: &str,
    list: &Option<Vec<String>>,
    known: &[&str],
) -> Result<Vec<String>> {
    match list {
        None => Ok(known.iter().map(|s| s.to_string()).collect()),
        Some(items) => {
            for item in items {
                if !known.contains(&item.as_str()) {
                    return Err(Error::Pipeline {
                        file: pipeline.file.clone(),
                        message: format!(
                            "key '{key}': unknown value '{item}' (known: {})",
                            known.join(", ")
                        ),
                    });
                }
            }
            Ok(items.clone())
        }
    }
}

/// Runs one period and publishes it into `out/<period>/`; returns that folder.
pub fn run_period(
    pipeline: &Pipeline,
    period: Period,
    registers: Option<PathBuf>,
    out: &Path,
) -> Result<PathBuf> {
    let tables_wanted = selected(pipeline, "tables", &pipeline.tables, &TABLES)?;
    let formats = selected(pipeline, "formats", &pipeline.formats, &FORMATS)?;
    let published_at = publication_time()?;
    let parameters = ParameterFile::load(&pipeline.parameters)?;
    let params = parameters.for_month(period.reference_month())?;
    let run = ingest_and_validate(pipeline, period, registers, Some(out.to_path_buf()))?;
    let counts = run.validated.counts();
    check_reject_share(&counts, pipeline.max_reject_share)?;
    let classified = classify_period(&run, &params, Scope::Publication)?;

    let started = std::time::Instant::now();
    let (paid, reconciliation) = paid_and_reconciled(&run, &classified)?;
    let v = &run.validated;
    let mut aggregated = aggregate(&AggregateInput {
        period,
        persons: &v.persons.accepted,
        awards: &v.awards.accepted,
        payments: v.payments.as_ref().map(|c| &c.accepted),
        paid_in_month: paid.as_ref(),
        classified: &classified,
        classification: &run.classification,
    })?;
    tracing::info!(
        stage = "aggregate",
        seconds = started.elapsed().as_secs_f64(),
        "aggregated {} tables",
        aggregated.tables.len()
    );

    let started = std::time::Instant::now();
    let suppression = protect(
        &mut aggregated.tables,
        &aggregated.relations,
        &aggregated.links,
        i64::from(pipeline.min_persons),
    )?;
    let mut tables = aggregated.tables;
    tables.push(time_series(
        &tables,
        period,
        &published_periods(out, period)?,
    ));
    tables.retain(|t| tables_wanted.iter().any(|w| w == t.id));
    tracing::info!(
        stage = "protect",
        seconds = started.elapsed().as_secs_f64(),
        "protected"
    );

    let started = std::time::Instant::now();
    let info = PublicationInfo {
        period: period.to_string(),
        published_at,
        software_version: env!("CARGO_PKG_VERSION").to_string(),
        parameters_sha256: parameters.sha256.clone(),
    };
    let codelists = Codelists::load(&run.classification, &pipeline.classifications)?;
    let quality = QualityReport::new(
        &run.validated,
        &classified,
        reconciliation.as_deref(),
        &suppression,
        i64::from(pipeline.min_persons),
    )?;
    let folder = publish_atomically(out, period, |dir| {
        write_publication(dir, &tables, &formats, &codelists, &info, &quality)?;
        write_manifest(dir, pipeline, &parameters, &run, &info)
    })?;
    tracing::info!(
        stage = "publish",
        seconds = started.elapsed().as_secs_f64(),
        "published {}",
        folder.display()
    );
    Ok(folder)
}

fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> Result<()> {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(Error::io(parent))?;
    }
    std::fs::write(&path, content).map_err(Error::io(&path))
}

fn write_publication(
    dir: &Path,
    tables: &[Table],
    formats: &[String],
    codelists: &Codelists,
    info: &PublicationInfo,
    quality: &QualityReport,
) -> Result<()> {
    // Each table's files on a thread of its own (formatting is CPU work; the tables are many).
    std::thread::scope(|scope| {
        let writing: Vec<_> = tables
            .iter()
            .map(|table| scope.spawn(|| write_table(dir, table, formats, codelists, info)))
            .collect();
        writing
            .into_iter()
            .try_for_each(|w| w.join().expect("a table's writer panicked"))
    })?;
    write(
        dir,
        "codelists.csv",
        publish::datapackage::codelists_csv(tables, codelists),
    )?;
    write(
        dir,
        "datapackage.json",
        publish::datapackage::datapackage_json(tables, codelists, info),
    )?;
    write(
        dir,
        "quality.json",
        serde_json::to_string_pretty(quality).map_err(|e| Error::Other(e.to_string()))?,
    )?;
    write(dir, "quality.txt", quality.text())?;
    write(
        dir,
        "report.html",
        publish::report::report_html(tables, codelists, info, &quality.text()),
    )?;
    Ok(())
}

#[derive(serde::Serialize)]
struct FileEntry {
    path: String,
    sha256: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    rows: Option<usize>,
}

/// One table in each of `formats`, under `tables/`.
fn write_table(
    dir: &Path,
    table: &Table,
    formats: &[String],
    codelists: &Codelists,
    info: &PublicationInfo,
) -> Result<()> {
    for format in formats {
        match format.as_str() {
            "csv" => write(
                dir,
                &format!("tables/{}.csv", table.id),
                publish::csv::table_csv(table),
            )?,
            "parquet" => {
                std::fs::create_dir_all(dir.join("tables")).map_err(Error::io(dir))?;
                publish::parquet::write_table_parquet(
                    table,
                    codelists,
                    info,
                    &dir.join(format!("tables/{}.parquet", table.id)),
                )?
            }
            "px" => write(
                dir,
                &format!("tables/{}.px", table.id),
                publish::px::table_px(table, codelists, info),
            )?,
            _ => {
                for language in LANGUAGES {
                    let json = publish::jsonstat::table_jsonstat(table, codelists, info, language);
                    write(dir, &format!("tables/{}.{language}.json", table.id), json)?;
                }
            }
        }
    }
    Ok(())
}

fn write_manifest(
    dir: &Path,
    pipeline: &Pipeline,
    parameters: &ParameterFile,
    run: &ValidationRun,
    info: &PublicationInfo,
) -> Result<()> {
    let inputs = run
        .registers
        .iter()
        .map(|r| {
            Ok(FileEntry {
                path: r.file.path.display().to_string(),
                sha256: r.unchanged_sha256()?,
                rows: Some(r.rows),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut outputs = Vec::new();
    collect_files(dir, dir, &mut outputs)?;
    outputs.sort_by(|a, b| a.path.cmp(&b.path));
    let manifest = serde_json::json!({
        "software": "kelastat",
        "software_version": info.software_version,
        "period": info.period,
        "published_at": info.published_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "pipeline": { "path": pipeline.file.display().to_string(), "sha256": sha256_file(&pipeline.file)? },
        "parameters": { "path": parameters.path.display().to_string(), "sha256": parameters.sha256, "version": parameters.info.version },
        "classification": { "path": run.classification.file.display().to_string(), "sha256": sha256_file(&run.classification.file)?, "year": run.classification.year },
        "inputs": inputs,
        "outputs": outputs,
    });
    write(
        dir,
        "manifest.json",
        serde_json::to_string_pretty(&manifest).map_err(|e| Error::Other(e.to_string()))?,
    )
}

fn collect_files(root: &Path, dir: &Path, out: &mut Vec<FileEntry>) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(Error::io(dir))? {
        let path = entry.map_err(Error::io(dir))?.path();
        if path.is_dir() {
            collect_files(root, &path, out)?;
        } else {
            let relative = path
                .strip_prefix(root)
                .expect("inside root")
                .display()
                .to_string();
            out.push(FileEntry {
                path: relative,
                sha256: sha256_file(&path)?,
                rows: None,
            });
        }
    }
    Ok(())
}

/// Writes into a temporary folder of the output root and renames it to `<out>/<period>/`
/// only when complete; a published period being replaced moves to
/// `<out>/archive/<period>/<its publication time>/`.
fn publish_atomically(
    out: &Path,
    period: Period,
    write_all: impl FnOnce(&Path) -> Result<()>,
) -> Result<PathBuf> {
    std::fs::create_dir_all(out).map_err(Error::io(out))?;
    let tmp = out.join(format!(".tmp-{period}-{}", std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(Error::io(&tmp))?;
    }
    std::fs::create_dir_all(&tmp).map_err(Error::io(&tmp))?;
    if let Err(e) = write_all(&tmp) {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    let target = out.join(period.to_string());
    if target.exists() {
        let previous = previous_publication_time(&target).unwrap_or_else(|| "unknown".into());
        let archive = out.join("archive").join(period.to_string()).join(&previous);
        std::fs::create_dir_all(archive.parent().expect("archive parent"))
            .map_err(Error::io(&archive))?;
        let archive = unique(archive);
        std::fs::rename(&target, &archive).map_err(Error::io(&archive))?;
    }
    std::fs::rename(&tmp, &target).map_err(Error::io(&target))?;
    Ok(target)
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

fn previous_publication_time(folder: &Path) -> Option<String> {
    let text = std::fs::read_to_string(folder.join("manifest.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    Some(v.get("published_at")?.as_str()?.replace(':', ""))
}

/// `run`: each period in turn under the output root's lock; stops at the first failure.
pub fn run_command(args: &RunArgs) -> Result<Vec<PathBuf>> {
    let pipeline = Pipeline::load(&args.pipeline)?;
    let periods = match &args.periods {
        Some(range) => crate::period::parse_range(range).map_err(Error::Usage)?,
        None => vec![resolve_period(args.period.as_deref(), &pipeline)?],
    };
    let out = args.out.clone().unwrap_or_else(|| pipeline.output.clone());
    let _lock = crate::lock::Lock::acquire(&out)?;
    let mut published = Vec::new();
    for period in periods {
        let folder = run_period(&pipeline, period, args.registers.clone(), &out)?;
        println!("published {}", folder.display());
        published.push(folder);
    }
    Ok(published)
}
