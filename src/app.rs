//! The subcommands, as library functions: the binary only parses and maps errors to exit codes.
use std::path::PathBuf;

use crate::aggregate::recipients::paid_in_month;
use crate::classify::explain::explain_text;
use crate::classify::{classify_keeping, Classified, Input, PUBLICATION_COLUMNS};
use crate::cli::{AuditArgs, Cli, Command, ExplainArgs, GenerateArgs, ValidateArgs};
use crate::config::Pipeline;
use crate::error::{Error, Result};
use crate::generate::{generate, GenerateOptions};
use crate::ingest::{ingest, Registers};
use crate::logging::stage_spinner;
use crate::params::{MonthParameters, ParameterFile};
use crate::period::Period;
use crate::quality::{check_reject_share, classification_text, summary_text};
use crate::reconcile::{reconcile, BenefitReconciliation};
use crate::regions::Classification;
use crate::rejects::{collect_rejects, write_rejects};
use crate::validate::{validate, Validated};
use polars::prelude::{col, lit, DataFrame};

pub fn execute(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Run(args) => crate::run::run_command(&args).map(|_| ()),
        Command::Validate(args) => validate_command(&args).map(|_| ()),
        Command::Generate(args) => generate_command(&args),
        Command::Explain(args) => explain_command(&args),
        Command::Classify(args) => classify_command(&args).map(|_| ()),
        Command::Audit(args) => audit_command(&args),
    }
}

/// `kelastat audit DIR`: the findings on stdout (text or JSON), exit 4 when any.
pub fn audit_command(args: &AuditArgs) -> Result<()> {
    let report = crate::audit::audit_publication(&args.dir)?;
    if args.json {
        let json =
            serde_json::to_string_pretty(&report).map_err(|e| Error::Other(e.to_string()))?;
        println!("{json}");
    } else {
        print!("{}", report.text());
    }
    if report.passed() {
        Ok(())
    } else {
        Err(Error::QualityGate(format!(
            "audit of {}: {} file, {} format and {} disclosure problems",
            args.dir.display(),
            report.files.len(),
            report.formats.len(),
            report.cells.len()
        )))
    }
}

/// What ingest and validation of one period produced.
pub struct ValidationRun {
    pub period: Period,
    pub registers: Registers,
    pub classification: Classification,
    pub validated: Validated,
    pub rejects_file: Option<PathBuf>,
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
    let spinner = stage_spinner("ingest");
    let started = std::time::Instant::now();
    let registers = ingest(&dir)?;
    tracing::info!(
        stage = "ingest",
        seconds = started.elapsed().as_secs_f64(),
        "read {} registers from {}",
        registers.iter().count(),
        dir.display()
    );
    spinner.set_message("validate");
    let started = std::time::Instant::now();
    let classification = Classification::load(&pipeline.classifications, period.year())?;
    let validated = validate(&registers, &classification)?;
    spinner.finish_and_clear();
    for c in validated.counts() {
        tracing::info!(
            stage = "validate",
            register = c.register.as_str(),
            read = c.read,
            accepted = c.accepted,
            rejected = c.rejected,
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

pub fn validate_command(args: &ValidateArgs) -> Result<ValidationRun> {
    let pipeline = Pipeline::load(&args.pipeline)?;
    let period = resolve_period(args.period.as_deref(), &pipeline)?;
    let run = ingest_and_validate(&pipeline, period, args.registers.clone(), args.out.clone())?;
    print!("{}", summary_text(&run.validated));
    if let Some(path) = &run.rejects_file {
        println!("rejects written to {}", path.display());
    }
    check_reject_share(&run.validated.counts(), pipeline.max_reject_share)?;
    Ok(run)
}

pub fn generate_command(args: &GenerateArgs) -> Result<()> {
    if !(0.0..=1.0).contains(&args.dirty) {
        return Err(Error::Usage(
            "--dirty must be a share between 0 and 1".into(),
        ));
    }
    let spinner = stage_spinner("generate");
    let started = std::time::Instant::now();
    let summary = generate(&GenerateOptions {
        persons: args.persons,
        year: args.year,
        seed: args.seed,
        out: args.out.clone(),
        format: args.format,
        dirty: args.dirty,
        classification_dir: args.classifications.clone(),
        parameters: args.parameters.clone(),
    })?;
    spinner.finish_and_clear();
    for (register, rows) in &summary.rows {
        println!("{}: {} rows", register.name(), rows);
    }
    for (reason, n) in &summary.injected {
        println!("  injected {reason}: {n}");
    }
    tracing::info!(
        stage = "generate",
        seconds = started.elapsed().as_secs_f64(),
        "wrote registers to {}",
        args.out.display()
    );
    Ok(())
}

/// Whom the classification stage computes, and what it keeps.
pub enum Scope<'a> {
    /// Every person, keeping the columns the publication reads.
    Publication,
    /// One person, keeping every intermediate amount (`explain`).
    Person(&'a str),
}

/// The classification stage for the reference month of `run`'s period.
pub fn classify_period(
    run: &ValidationRun,
    params: &MonthParameters,
    scope: Scope,
) -> Result<Classified> {
    let started = std::time::Instant::now();
    let v = &run.validated;
    let (persons, columns) = match scope {
        Scope::Publication => (v.persons.accepted.clone(), Some(PUBLICATION_COLUMNS)),
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
    let classified = classify_keeping(&input, columns)?;
    tracing::info!(
        stage = "classify",
        seconds = started.elapsed().as_secs_f64(),
        awards = classified.rows.height(),
        "classified the awards in force in {}",
        classified.month.format("%Y-%m")
    );
    Ok(classified)
}

/// Each person's regular payments of the reference month (`recipients::paid_in_month`) and
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

fn parse_month(text: &str) -> Result<Period> {
    let bad = || {
        Error::Usage(format!(
            "invalid month '{text}': expected YYYY-MM, e.g. 2024-12"
        ))
    };
    let (y, m) = text.split_once('-').ok_or_else(bad)?;
    format!("{y}M{m}").parse().map_err(|_| bad())
}

pub fn explain_command(args: &ExplainArgs) -> Result<()> {
    let pipeline = Pipeline::load(&args.pipeline)?;
    let period = parse_month(&args.month)?;
    let parameters = ParameterFile::load(&pipeline.parameters)?;
    let params = parameters.for_month(period.reference_month())?;
    let run = ingest_and_validate(&pipeline, period, args.registers.clone(), None)?;
    let classified = classify_period(&run, &params, Scope::Person(&args.person))?;
    print!("{}", explain_text(&classified, &args.person, &params)?);
    Ok(())
}

pub fn classify_command(args: &ValidateArgs) -> Result<Classified> {
    let pipeline = Pipeline::load(&args.pipeline)?;
    let period = resolve_period(args.period.as_deref(), &pipeline)?;
    let parameters = ParameterFile::load(&pipeline.parameters)?;
    let params = parameters.for_month(period.reference_month())?;
    let run = ingest_and_validate(&pipeline, period, args.registers.clone(), args.out.clone())?;
    print!("{}", summary_text(&run.validated));
    check_reject_share(&run.validated.counts(), pipeline.max_reject_share)?;
    let classified = classify_period(&run, &params, Scope::Publication)?;
    let (_, reconciliation) = paid_and_reconciled(&run, &classified)?;
    println!(
        "parameters: {} (sha256 {})",
        parameters.path.display(),
        parameters.sha256
    );
    print!(
        "{}",
        classification_text(&classified, reconciliation.as_deref())?
    );
    Ok(classified)
}
