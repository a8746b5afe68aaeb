//! One period's run: ingest → validate → classify → aggregate → protect → publish, with the
//! guarantees of operations.md (nothing lost, quality gates, reproducible files). It only
//! orchestrates: the stages do the work, `publish::folder` writes and publishes the folder, and
//! the `run` command (`app::run_command`) holds the lock and runs the periods.
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::aggregate::{aggregate, time_series, Input as AggregateInput};
use crate::config::Pipeline;
use crate::error::{Error, Result};
use crate::history::published_periods;
use crate::labels::Codelists;
use crate::logging::enter_stage;
use crate::params::ParameterFile;
use crate::paths::shown;
use crate::period::Period;
use crate::pipeline::{classify_period, ingest_and_validate, paid_and_reconciled, Scope};
use crate::plausibility;
use crate::protect::protect;
use crate::publish::folder::{publish_folder, Inputs, Publication};
use crate::publish::PublicationInfo;
use crate::quality::QualityReport;
use crate::table::Table;

use crate::catalog::TableId;

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
    let folder = publish_folder(
        out,
        period,
        &Publication {
            tables: &tables,
            formats: &formats,
            codelists: &codelists,
            info: &info,
            quality: &quality,
        },
        &Inputs {
            pipeline,
            parameters: &parameters,
            registers: &run.registers,
            classification: &run.classification,
        },
    )?;
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
