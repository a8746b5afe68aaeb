//! The subcommands, as library functions: the binary only parses and maps errors to exit codes.
use std::path::PathBuf;

use crate::classify::explain::explain_with_payments;
use crate::classify::Classified;
use crate::cli::{AuditArgs, Cli, Command, ExplainArgs, GenerateArgs, RunArgs, ValidateArgs};
use crate::config::Pipeline;
use crate::error::{Error, Result};
use crate::findings::{findings, write_findings, FINDINGS_FILE};
use crate::generate::{generate, GenerateOptions};
use crate::logging::{enter_stage, stage_spinner};
use crate::params::ParameterFile;
use crate::paths::shown;
use crate::payments::paid_by_benefit;
use crate::period::Period;
use crate::pipeline::{
    classify_period, ingest_and_validate, paid_and_reconciled, resolve_period, Scope, ValidationRun,
};
use crate::quality::{classification_text, detailed_summary_text};
use crate::run::{run_period, RunOptions};

pub fn execute(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Run(args) => run_command(&args).map(|_| ()),
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
