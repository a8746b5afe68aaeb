//! The stage sequence every command that reads registers shares: ingest and validate a
//! period (with the rejects and the reject-share gate), classify its reference month, and the
//! month's payments with their reconciliation. `run`, `validate`, `classify` and `explain` call
//! these in this order; none of the stages calls back up.
use std::path::PathBuf;

use polars::prelude::{col, lit, DataFrame};

use crate::classify::{classify_keeping, Classified, Input, PUBLICATION_COLUMNS};
use crate::config::Pipeline;
use crate::error::{Error, Result};
use crate::findings::FINDINGS_COLUMNS;
use crate::ingest::{ingest, Registers};
use crate::logging::{enter_stage, stage_spinner};
use crate::params::MonthParameters;
use crate::paths::shown;
use crate::payments::paid_in_month;
use crate::period::Period;
use crate::quality::check_reject_share;
use crate::reconcile::{reconcile, BenefitReconciliation};
use crate::regions::Classification;
use crate::rejects::{collect_rejects, write_rejects};
use crate::validate::{validate, Validated};

/// What ingest and validation of one period produced.
pub struct ValidationRun {
    pub period: Period,
    pub registers: Registers,
    pub classification: Classification,
    pub validated: Validated,
    pub rejects_file: Option<PathBuf>,
}

impl ValidationRun {
    /// The reject-share gate, naming the top reasons and the rejects file written.
    pub fn check_reject_share(&self, max_share: f64) -> Result<()> {
        check_reject_share(
            &self.validated.counts(),
            &self.validated.row_errors,
            max_share,
            self.rejects_file.as_deref(),
        )
    }

    /// One warning per register, reason and column with rejected rows, with examples (the
    /// values shown are never identifiers).
    pub fn log_row_errors(&self) {
        for group in &self.validated.row_errors.groups {
            tracing::warn!(
                stage = "validate",
                register = group.cause.register,
                reason = group.cause.reason.as_str(),
                rows = group.count,
                "{} {} rejected: {}",
                group.cause.register,
                group.cause.reason,
                group.text(true)
            );
        }
    }
}

pub fn resolve_period(arg: Option<&str>, pipeline: &Pipeline) -> Result<Period> {
    match arg {
        Some(p) => p.parse().map_err(Error::Usage),
        None => pipeline.period.ok_or_else(|| {
            Error::Usage(format!(
                "no period: give --period or set `period` in {}",
                pipeline.file.display()
            ))
        }),
    }
}

/// Ingest and validate; write the rejects under `out` if given; apply the reject-share gate.
pub fn ingest_and_validate(
    pipeline: &Pipeline,
    period: Period,
    registers_dir: Option<PathBuf>,
    out: Option<PathBuf>,
) -> Result<ValidationRun> {
    let dir = registers_dir.unwrap_or_else(|| pipeline.registers.clone());
    enter_stage("ingest");
    let spinner = stage_spinner("ingest");
    let started = std::time::Instant::now();
    let registers = ingest(&dir)?;
    tracing::info!(
        stage = "ingest",
        seconds = started.elapsed().as_secs_f64(),
        "read {} registers from {}",
        registers.iter().count(),
        shown(&dir).display()
    );
    spinner.set_message("validate");
    enter_stage("validate");
    let started = std::time::Instant::now();
    let classification = Classification::load(&pipeline.classifications, period.year())?;
    let validated = validate(&registers, &classification)?;
    spinner.finish_and_clear();
    for c in validated.counts() {
        tracing::info!(
            stage = "validate",
            register = c.register.as_str(),
            counts.read = c.read,
            counts.accepted = c.accepted,
            counts.rejected = c.rejected,
            "{}",
            c.summary_line()
        );
    }
    tracing::info!(
        stage = "validate",
        seconds = started.elapsed().as_secs_f64(),
        "validated"
    );
    let rejects_file = match &out {
        Some(root) => {
            let mut rejects = collect_rejects(&validated)?;
            Some(write_rejects(&mut rejects, root, &period.to_string())?)
        }
        None => None,
    };
    Ok(ValidationRun {
        period,
        registers,
        classification,
        validated,
        rejects_file,
    })
}

/// Whom the classification stage computes, and what it keeps.
pub enum Scope<'a> {
    /// Every person, keeping the columns the publication reads.
    Publication,
    /// Every person, keeping the columns the publication and `classify`'s findings read.
    Findings,
    /// One person, keeping every intermediate amount (`explain`).
    Person(&'a str),
}

/// The classification stage for the reference month of `run`'s period.
pub fn classify_period(
    run: &ValidationRun,
    params: &MonthParameters,
    scope: Scope,
) -> Result<Classified> {
    enter_stage("classify");
    let started = std::time::Instant::now();
    let v = &run.validated;
    let (persons, columns) = match scope {
        Scope::Publication => (
            v.persons.accepted.clone(),
            Some(PUBLICATION_COLUMNS.to_vec()),
        ),
        Scope::Findings => (
            v.persons.accepted.clone(),
            Some([PUBLICATION_COLUMNS, FINDINGS_COLUMNS].concat()),
        ),
        Scope::Person(id) => (
            v.persons
                .accepted
                .clone()
                .filter(col("person_id").eq(lit(id))),
            None,
        ),
    };
    let input = Input {
        persons: &persons,
        awards: &v.awards.accepted,
        income: v.income.as_ref().map(|c| &c.accepted),
        classification: &run.classification,
        params,
    };
    let classified = classify_keeping(&input, columns.as_deref())?;
    tracing::info!(
        stage = "classify",
        seconds = started.elapsed().as_secs_f64(),
        counts.awards = classified.rows.height(),
        "classified the awards in force in {}",
        classified.month.format("%Y-%m")
    );
    Ok(classified)
}

/// Each person's regular payments of the reference month (`payments::paid_in_month`) and
/// the reconciliation of the computed amounts against them; both `None` without payments.
pub fn paid_and_reconciled(
    run: &ValidationRun,
    classified: &Classified,
) -> Result<(Option<DataFrame>, Option<Vec<BenefitReconciliation>>)> {
    let Some(payments) = &run.validated.payments else {
        return Ok((None, None));
    };
    let started = std::time::Instant::now();
    let paid = paid_in_month(&payments.accepted, classified.month)?;
    tracing::debug!(seconds = started.elapsed().as_secs_f64(), "paid in month");
    let reconciliation = reconcile(classified, &paid)?;
    tracing::debug!(seconds = started.elapsed().as_secs_f64(), "reconciled");
    Ok((Some(paid), Some(reconciliation)))
}
