//! `kelastat run`: ingest → validate → classify → aggregate → protect → publish, for one
//! period, with the guarantees of operations.md (one run at a time, atomic publication,
//! nothing lost, quality gates, reproducible files).
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::aggregate::{aggregate, time_series, Input as AggregateInput};
use crate::cli::RunArgs;
use crate::config::Pipeline;
use crate::digest::sha256_file;
use crate::error::{Error, Result};
use crate::history::published_periods;
use crate::labels::{Codelists, LANGUAGES};
use crate::logging::enter_stage;
use crate::params::ParameterFile;
use crate::paths::shown;
use crate::period::Period;
use crate::pipeline::{
    classify_period, ingest_and_validate, paid_and_reconciled, resolve_period, Scope, ValidationRun,
};
use crate::plausibility;
use crate::protect::protect;
use crate::publication::publish_atomically;
use crate::publish::{self, PublicationInfo};
use crate::quality::QualityReport;
use crate::table::Table;

use crate::catalog::{Format, TableId};
pub use crate::config::{DEFAULT_FORMATS, FORMATS, TABLES};

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

/// What a run may be told besides its pipeline file.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Register directory (instead of the pipeline's).
    pub registers: Option<PathBuf>,
    /// Publish although the plausibility gate finds a break.
    pub accept_change: bool,
}

/// Runs one period and publishes it into `out/<period>/`; returns that folder.
pub fn run_period(
    pipeline: &Pipeline,
    period: Period,
    options: &RunOptions,
    out: &Path,
) -> Result<PathBuf> {
    let tables_wanted = pipeline.selected_tables();
    let formats = pipeline.selected_formats();
    let published_at = publication_time()?;
    enter_stage("parameters");
    let parameters = ParameterFile::load(&pipeline.parameters)?;
    let params = parameters.for_month(period.reference_month())?;
    let run = ingest_and_validate(
        pipeline,
        period,
        options.registers.clone(),
        Some(out.to_path_buf()),
    )?;
    run.log_row_errors();
    run.check_reject_share(pipeline.max_reject_share)?;
    let counts = run.validated.counts();
    let classified = classify_period(&run, &params, Scope::Publication)?;
    let accepted_persons = counts
        .iter()
        .find(|c| c.register == "persons")
        .map_or(0, |c| c.accepted);
    let empty = plausibility::emptiness(period, accepted_persons, classified.rows.height());
    let mut accepted_findings: Vec<String> = plausibility::gate(empty, options.accept_change)?
        .into_iter()
        .collect();

    enter_stage("aggregate");
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
        // and the time series, made from them after protection
        aggregated.tables.len() + 1
    );

    enter_stage("protect");
    let started = std::time::Instant::now();
    crate::quality::warn_if_unprotected(pipeline.min_persons);
    let suppression = protect(
        &mut aggregated.tables,
        &aggregated.relations,
        &aggregated.links,
        i64::from(pipeline.min_persons),
    )?;
    let mut tables = aggregated.tables;
    let history = published_periods(out, period)?;
    enter_stage("plausibility");
    let recipients = recipients_all(&tables);
    let moved = plausibility::change(
        period,
        recipients,
        plausibility::nearest(out, &history, period),
        pipeline.max_change_share,
    );
    accepted_findings.extend(plausibility::gate(moved, options.accept_change)?);
    tables.push(time_series(&tables, period, &history));
    tables.retain(|t| tables_wanted.iter().any(|w| w == t.id));
    tracing::info!(
        stage = "protect",
        seconds = started.elapsed().as_secs_f64(),
        "protected"
    );

    enter_stage("publish");
    let started = std::time::Instant::now();
    let info = PublicationInfo {
        period: period.to_string(),
        published_at,
        software_version: env!("CARGO_PKG_VERSION").to_string(),
        parameters_sha256: parameters.sha256.clone(),
    };
    let codelists = Codelists::load(&run.classification, &pipeline.classifications)?;
    let mut quality = QualityReport::new(
        &run.validated,
        &classified,
        reconciliation.as_deref(),
        &suppression,
        i64::from(pipeline.min_persons),
    )?
    .with_threshold();
    for finding in accepted_findings {
        quality.record_accepted_change(finding);
    }
    let folder = publish_atomically(out, period, |dir| {
        write_publication(dir, &tables, &formats, &codelists, &info, &quality)?;
        write_manifest(dir, pipeline, &parameters, &run, &info)
    })?;
    crate::rejects::mark_published(out, &period.to_string())?;
    plausibility::record(out, period, recipients)?;
    tracing::info!(
        stage = "publish",
        seconds = started.elapsed().as_secs_f64(),
        "published {} tables in {}",
        tables.len(),
        shown(&folder).display()
    );
    Ok(folder)
}

/// The number of recipients of any benefit (`ALL`, all sexes and ages), as counted (before
/// disclosure control, which never suppresses this national total of a real run).
fn recipients_all(tables: &[Table]) -> i64 {
    tables
        .iter()
        .find(|t| t.id == TableId::RecipientsByBenefitSexAge.id())
        .and_then(|t| {
            let period = &t.dimensions[0].codes[0];
            t.index(&[period.as_str(), "ALL", "SSS", "SSS"])
                .map(|cell| t.persons[cell])
        })
        .unwrap_or(0)
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
    formats: &[Format],
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
    if formats.contains(&Format::Sdmx) {
        write(
            dir,
            publish::sdmx::STRUCTURE_FILE,
            publish::sdmx::structure_xml(tables, codelists, info),
        )?;
    }
    write(
        dir,
        "codelists.csv",
        publish::datapackage::codelists_csv(tables, codelists),
    )?;
    write(
        dir,
        "datapackage.json",
        // The data package describes the table CSVs only when they are written.
        publish::datapackage::datapackage_json(
            if formats.contains(&Format::Csv) {
                tables
            } else {
                &[]
            },
            codelists,
            info,
        ),
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
        publish::report::report_html(
            tables,
            codelists,
            info,
            &quality.text(),
            Some(quality.min_persons),
            formats,
        ),
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
    formats: &[Format],
    codelists: &Codelists,
    info: &PublicationInfo,
) -> Result<()> {
    for format in formats {
        match format {
            Format::Csv => write(
                dir,
                &format!("tables/{}.csv", table.id),
                publish::csv::table_csv(table),
            )?,
            Format::Parquet => {
                std::fs::create_dir_all(dir.join("tables")).map_err(Error::io(dir))?;
                publish::parquet::write_table_parquet(
                    table,
                    codelists,
                    info,
                    &dir.join(format!("tables/{}.parquet", table.id)),
                )?
            }
            Format::Px => write(
                dir,
                &format!("tables/{}.px", table.id),
                publish::px::table_px(table, codelists, info),
            )?,
            Format::JsonStat => {
                for language in LANGUAGES {
                    let json = publish::jsonstat::table_jsonstat(table, codelists, info, language);
                    write(dir, &format!("tables/{}.{language}.json", table.id), json)?;
                }
            }
            Format::Sdmx => write(
                dir,
                &publish::sdmx::csv_path(table.id),
                publish::sdmx::table_sdmx_csv(table),
            )?,
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
        "min_persons": pipeline.min_persons,
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

/// `run`: each period in turn under the output root's lock, after finishing what killed runs
/// left behind. Stops at the first failure, or with `--keep-going` runs every period, prints a
/// line per period and fails with the worst (highest) exit code of its periods.
pub fn run_command(args: &RunArgs) -> Result<Vec<PathBuf>> {
    let pipeline =
        Pipeline::load(&args.pipeline)?.with_overrides(args.min_persons, args.max_reject_share)?;
    let periods = match &args.periods {
        Some(range) => crate::period::parse_range(range).map_err(Error::Usage)?,
        None => vec![resolve_period(args.period.as_deref(), &pipeline)?],
    };
    let out = args.out.clone().unwrap_or_else(|| pipeline.output.clone());
    let _lock = crate::lock::Lock::acquire(&out)?;
    enter_stage("recover");
    crate::publication::recover(&out)?;
    let options = RunOptions {
        registers: args.registers.clone(),
        accept_change: args.accept_change,
    };
    let mut published = Vec::new();
    let mut worst: Option<Error> = None;
    for period in periods {
        match run_period(&pipeline, period, &options, &out) {
            Ok(folder) => {
                println!("{period}: published {}", shown(&folder).display());
                published.push(folder);
            }
            Err(e) if args.keep_going => {
                println!("{period}: failed (exit {}): {e}", e.exit_code());
                tracing::error!(exit_code = e.exit_code(), "{period}: {e}");
                if worst.as_ref().is_none_or(|w| e.exit_code() > w.exit_code()) {
                    worst = Some(e);
                }
            }
            Err(e) => return Err(e),
        }
    }
    match worst {
        Some(e) => Err(e),
        None => Ok(published),
    }
}
