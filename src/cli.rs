//! The command line (operations.md): subcommand names and flags are a contract with scripts.
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::logging::LogFormat;
use crate::registers::FileFormat;

#[derive(Debug, Parser)]
#[command(
    name = "kelastat",
    version,
    about = "Kela pension statistics: registers in, protected tables out"
)]
pub struct Cli {
    /// Log format on stderr: `text` for people, `json` (one object a line) for schedulers.
    #[arg(long, global = true, value_enum, default_value = "text")]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ingest, validate, classify, aggregate, protect and publish one or several periods.
    #[command(
        after_help = "Examples:\n  kelastat run pipelines/kela_pensions.toml\n  kelastat run pipelines/kela_pensions.toml --period 2024M06 --registers /data/registers --out /data/publications\n  kelastat run pipelines/kela_pensions.toml --periods 2020..2024 --keep-going"
    )]
    Run(RunArgs),

    /// Ingest and validate the registers only; print the quality summary; publish nothing.
    #[command(
        after_help = "Example:\n  kelastat validate pipelines/kela_pensions.toml --period 2024 --out /tmp/kelastat-out"
    )]
    Validate(ValidateArgs),

    /// Ingest, validate and classify: every award in force in the reference month computed by
    /// the rules, with totals per benefit, rule violations and computed-vs-paid reconciliation.
    #[command(
        after_help = "Example:\n  kelastat classify pipelines/kela_pensions.toml --period 2024M06"
    )]
    Classify(ValidateArgs),

    /// Show how one person's pensions were computed in one month, step by step.
    #[command(
        after_help = "Example:\n  kelastat explain --person P0000042 --month 2024-12\n  kelastat explain pipelines/kela_pensions.toml --person P0000042 --month 2024M12 --registers sample_data/registers_csv"
    )]
    Explain(ExplainArgs),

    /// Write synthetic registers that follow the input contract.
    #[command(
        after_help = "Example:\n  kelastat generate --persons 5000 --year 2024 --seed 1 --out sample_data/registers\n  kelastat generate --persons 100000 --year 2024 --seed 7 --out /tmp/dirty --dirty 0.005"
    )]
    Generate(GenerateArgs),

    /// The published periods of an output root: publication time, software version,
    /// parameter-file hash, input rows, and the archived versions.
    #[command(
        after_help = "Example:\n  kelastat list /data/publications\n  kelastat list /data/publications --json"
    )]
    List(crate::manage::list::ListArgs),

    /// The revisions between two publications of a period, cell by cell, per table.
    #[command(
        after_help = "Example:\n  kelastat diff out/archive/2024/2025-01-01T000000Z out/2024 --csv /tmp/revisions.csv"
    )]
    Diff(crate::manage::diff::DiffArgs),

    /// The rejected rows of a period's latest run: register, source row, column, reason.
    #[command(after_help = "Example:\n  kelastat rejects out --period 2024 --limit 20")]
    Rejects(crate::manage::rejects_cmd::RejectsArgs),
    /// Re-check a publication from its files alone: files against the manifest, the same
    /// statuses in every format, and the disclosure audit from the published cells
    /// (exit 0 passed, 4 failed).
    #[command(
        after_help = "Examples:\n  kelastat audit out/2024\n  kelastat audit out/2024 --json"
    )]
    Audit(AuditArgs),

    /// Serve the live publications of an output root through the PxWeb API 2.0 (under
    /// /api/v2) and the table explorer (at /).
    #[command(
        after_help = "Example:\n  kelastat serve /data/publications --addr 127.0.0.1:8080\n  then open http://127.0.0.1:8080/ or ask http://127.0.0.1:8080/api/v2/tables"
    )]
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The publication's folder, `<output root>/<period>`.
    pub dir: PathBuf,
    /// Print the findings as one JSON object (for machines) instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The output root whose `<period>/` publications are served (never `archive/` or `rejects/`).
    pub out: PathBuf,
    /// Address to listen on (port 0: any free port; the address bound is printed on stdout).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Most data cells one request may fetch (`maxDataCells`); more is refused with 403.
    #[arg(long, default_value_t = 150_000)]
    pub max_cells: usize,
    /// Most calls one client address may make per time window (`maxCallsPerTimeWindow`).
    #[arg(long, default_value_t = 30)]
    pub max_calls: u32,
    /// The rate limit's time window in seconds (`timeWindow`).
    #[arg(long, default_value_t = 10)]
    pub time_window: u64,
    /// Seconds between two looks at the output root for new or replaced publications.
    #[arg(long, default_value_t = 2)]
    pub rescan: u64,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The pipeline file declaring the product.
    pub pipeline: PathBuf,
    /// Reference period: a year (2024) or a month (2024M06). Default: the pipeline's `period`.
    #[arg(long, conflicts_with = "periods")]
    pub period: Option<String>,
    /// A backfill: every period of a range, published in turn (2020..2024, 2024M01..2024M06).
    #[arg(long)]
    pub periods: Option<String>,
    /// Register directory (overrides the pipeline's `registers`).
    #[arg(long)]
    pub registers: Option<PathBuf>,
    /// Output root (overrides the pipeline's `output`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// A backfill goes on after a failed period, prints a line per period and ends with the
    /// worst (highest) exit code of its periods.
    #[arg(long)]
    pub keep_going: bool,
    /// Publish although the plausibility gate stops the run (an operator has verified the break).
    #[arg(long)]
    pub accept_change: bool,
    /// Smallest publishable group (overrides the pipeline's `min_persons`).
    #[arg(long)]
    pub min_persons: Option<u32>,
    /// Largest accepted share of rejected rows of a register (overrides `max_reject_share`).
    #[arg(long)]
    pub max_reject_share: Option<f64>,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The pipeline file declaring the product.
    pub pipeline: PathBuf,
    /// Reference period: a year (2024) or a month (2024M06). Default: the pipeline's `period`.
    #[arg(long)]
    pub period: Option<String>,
    /// Register directory (overrides the pipeline's `registers`).
    #[arg(long)]
    pub registers: Option<PathBuf>,
    /// Output root: when given, the rejects are written to <out>/rejects/<period>/rejects.parquet.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The pipeline file that names the registers, classifications and parameters (as for
    /// `run`). Default: --pipeline, else $KELASTAT_PIPELINE, else pipelines/kela_pensions.toml
    /// in the current folder, else in the project kelastat was built from.
    #[arg(value_name = "PIPELINE", conflicts_with = "pipeline")]
    pub pipeline_file: Option<PathBuf>,
    /// The person's identifier (pseudonymous, as in the registers).
    #[arg(long)]
    pub person: String,
    /// The month: 2024-12 or 2024M12.
    #[arg(long)]
    pub month: String,
    /// The pipeline file, as a flag (the same as the positional PIPELINE).
    #[arg(long)]
    pub pipeline: Option<PathBuf>,
    /// Register directory (overrides the pipeline's `registers`).
    #[arg(long)]
    pub registers: Option<PathBuf>,
}

/// The parameter file `generate` uses unless told otherwise.
pub const DEFAULT_PARAMETERS: &str = "pipelines/parameters.toml";

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Number of persons.
    #[arg(long)]
    pub persons: usize,
    /// Statistics year the registers describe (reference month December).
    #[arg(long)]
    pub year: i32,
    /// Random seed: the same seed gives byte-identical files.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output register directory.
    #[arg(long)]
    pub out: PathBuf,
    /// File format of the registers.
    #[arg(long, value_enum, default_value = "parquet")]
    pub format: FileFormat,
    /// Share of rows to corrupt with bad-row defects of every kind (0 = clean).
    #[arg(long, default_value_t = 0.0)]
    pub dirty: f64,
    /// Classification directory for the municipalities (the default is looked for in the
    /// current folder, then in the project kelastat was built from).
    #[arg(long, default_value = crate::DEFAULT_CLASSIFICATIONS)]
    pub classifications: PathBuf,
    /// Parameter file the payments are computed with; it must cover every month of --year
    /// (the default is looked for as the classification directory's).
    #[arg(long, default_value = DEFAULT_PARAMETERS)]
    pub parameters: PathBuf,
}
