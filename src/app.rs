//! The subcommands, as library functions: the binary only parses and maps errors to exit codes.
use std::path::PathBuf;

use crate::aggregate::recipients::paid_in_month;
use crate::classify::explain::explain_with_payments;
use crate::classify::{classify_keeping, Classified, Input, PUBLICATION_COLUMNS};
use crate::cli::{AuditArgs, Cli, Command, ExplainArgs, GenerateArgs, ValidateArgs};
use crate::config::Pipeline;
use crate::error::{Error, Result};
use crate::findings::{findings, write_findings, FINDINGS_COLUMNS, FINDINGS_FILE};
use crate::generate::{generate, GenerateOptions};
use crate::ingest::{ingest, Registers};
use crate::logging::{enter_stage, stage_spinner};
use crate::params::{MonthParameters, ParameterFile};
use crate::paths::shown;
use crate::period::Period;
use crate::quality::{check_reject_share, classification_text, detailed_summary_text};
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
        Command::List(args) => crate::manage::list::list_command(&args),
        Command::Diff(args) => crate::manage::diff::diff_command(&args),
        Command::Rejects(args) => crate::manage::rejects_cmd::rejects_command(&args),
        Command::Audit(args) => audit_command(&args),
        Command::Serve(args) => crate::serve::serve_command(&args),
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

pub fn validate_command(args: &ValidateArgs) -> Result<ValidationRun> {
    let pipeline = Pipeline::load(&args.pipeline)?;
    let period = resolve_period(args.period.as_deref(), &pipeline)?;
    let run = ingest_and_validate(&pipeline, period, args.registers.clone(), args.out.clone())?;
    print!("{}", detailed_summary_text(&run.validated));
    if let Some(path) = &run.rejects_file {
        println!("rejects written to {}", shown(path).display());
    }
    run.check_reject_share(pipeline.max_reject_share)?;
    Ok(run)
}

pub fn generate_command(args: &GenerateArgs) -> Result<()> {
    if !(0.0..=1.0).contains(&args.dirty) {
        return Err(Error::Usage(
            "--dirty must be a share between 0 and 1".into(),
        ));
    }
    enter_stage("generate");
    let spinner = stage_spinner("generate");
    let started = std::time::Instant::now();
    let summary = generate(&GenerateOptions {
        persons: args.persons,
        year: args.year,
        seed: args.seed,
        out: args.out.clone(),
        format: args.format,
        dirty: args.dirty,
        classification_dir: default_or_project(
            &args.classifications,
            crate::DEFAULT_CLASSIFICATIONS,
        ),
        parameters: default_or_project(&args.parameters, crate::cli::DEFAULT_PARAMETERS),
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

/// A month, `2024-12` or `2024M12`.
fn parse_month(text: &str) -> Result<Period> {
    match text.parse() {
        Ok(month @ Period::Month(..)) => Ok(month),
        _ => Err(Error::Usage(format!(
            "invalid month '{text}': expected a month like 2024-12 or 2024M12"
        ))),
    }
}

/// The pipeline file `explain` uses: the one given (positional or --pipeline), else
/// $KELASTAT_PIPELINE, else `pipelines/kela_pensions.toml` in the current folder, else in
/// the project the binary was built from.
fn explain_pipeline(args: &ExplainArgs) -> Result<PathBuf> {
    if let Some(given) = args.pipeline_file.as_ref().or(args.pipeline.as_ref()) {
        return Ok(given.clone());
    }
    if let Some(from_env) = std::env::var_os(PIPELINE_ENV) {
        return Ok(PathBuf::from(from_env));
    }
    project_default(DEFAULT_PIPELINE)
        .filter(|p| p.is_file())
        .ok_or_else(|| {
            Error::Usage(format!(
                "no pipeline file: give it as `kelastat explain PIPELINE.toml --person ID --month 2024-12` \
                 (or --pipeline, or set {PIPELINE_ENV}); the default {DEFAULT_PIPELINE} is neither in the \
                 current folder nor in {}",
                env!("CARGO_MANIFEST_DIR")
            ))
        })
}

/// A default path relative to the project: in the current folder if it is there, else in the
/// project the binary was built from (so that the defaults work from any folder); `None` if
/// neither exists.
fn project_default(relative: &str) -> Option<PathBuf> {
    let here = PathBuf::from(relative);
    let project = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    [here, project].into_iter().find(|p| p.exists())
}

/// `given`, or where it is the default `default` and not in the current folder, the
/// project's (`project_default`).
fn default_or_project(given: &std::path::Path, default: &str) -> PathBuf {
    if given == std::path::Path::new(default) {
        if let Some(found) = project_default(default) {
            return found;
        }
    }
    given.to_path_buf()
}

const PIPELINE_ENV: &str = "KELASTAT_PIPELINE";
const DEFAULT_PIPELINE: &str = "pipelines/kela_pensions.toml";

pub fn explain_command(args: &ExplainArgs) -> Result<()> {
    let pipeline = Pipeline::load(&explain_pipeline(args)?)?;
    let period = parse_month(&args.month)?;
    let parameters = ParameterFile::load(&pipeline.parameters)?;
    let params = parameters.for_month(period.reference_month())?;
    let run = ingest_and_validate(&pipeline, period, args.registers.clone(), None)?;
    let classified = classify_period(&run, &params, Scope::Person(&args.person))?;
    let paid = match &run.validated.payments {
        Some(payments) => Some(paid_by_benefit(
            &payments.accepted,
            &args.person,
            classified.month,
        )?),
        None => None,
    };
    print!(
        "{}",
        explain_with_payments(&classified, &args.person, &params, paid.as_ref())?
    );
    Ok(())
}

/// One person's regular payments for `month`, per benefit, in cents.
fn paid_by_benefit(
    payments: &polars::prelude::LazyFrame,
    person: &str,
    month: chrono::NaiveDate,
) -> Result<std::collections::BTreeMap<String, i64>> {
    use polars::prelude::*;
    let paid = crate::ingest::collect_streaming(
        payments
            .clone()
            .filter(
                col("person_id")
                    .eq(lit(person))
                    .and(col("payment_type").eq(lit("regular")))
                    .and(col("period_month").eq(crate::classify::arith::date_lit(month))),
            )
            .group_by([col("benefit")])
            .agg([col("amount").sum()]),
    )?;
    let benefits = paid.column("benefit")?.str()?;
    let amounts = paid.column("amount")?.i64()?;
    Ok(benefits
        .iter()
        .zip(amounts.iter())
        .filter_map(|(b, a)| Some((b?.to_string(), a.unwrap_or(0))))
        .collect())
}

pub fn classify_command(args: &ValidateArgs) -> Result<Classified> {
    let pipeline = Pipeline::load(&args.pipeline)?;
    let period = resolve_period(args.period.as_deref(), &pipeline)?;
    let parameters = ParameterFile::load(&pipeline.parameters)?;
    let params = parameters.for_month(period.reference_month())?;
    let run = ingest_and_validate(&pipeline, period, args.registers.clone(), args.out.clone())?;
    print!("{}", detailed_summary_text(&run.validated));
    if let Some(path) = &run.rejects_file {
        println!("rejects written to {}", shown(path).display());
    }
    run.check_reject_share(pipeline.max_reject_share)?;
    let scope = match args.out {
        Some(_) => Scope::Findings,
        None => Scope::Publication,
    };
    let classified = classify_period(&run, &params, scope)?;
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
    match &args.out {
        Some(root) => {
            let payments = run.validated.payments.as_ref().map(|c| &c.accepted);
            let flagged = findings(&classified, payments)?;
            let path = write_findings(&flagged, classified.month, root, &period.to_string())?;
            println!(
                "{} differing amounts and rule violations, person by person (owner-only, with identifiers): {}",
                flagged.height(),
                shown(&path).display()
            );
        }
        None => println!(
            "give --out DIR to write the differing amounts and rule violations, person by person, to DIR/rejects/<period>/{FINDINGS_FILE}"
        ),
    }
    Ok(classified)
}
