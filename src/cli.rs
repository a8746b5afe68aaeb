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
        after_help = "Examples:\n  kelastat run pipelines/kela_pensions.toml\n  kelastat run pipelines/kela_pensions.toml --period 2024M06 --registers /data/registers --out /data/publications\n  kelastat run pipelines/kela_pensions.toml --periods 2020..2024"
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
        after_help = "Example:\n  kelastat explain --person P0000042 --month 2024-12\n  kelastat explain --person P0000042 --month 2024-12 --pipeline pipelines/kela_pensions.toml --registers sample_data/registers_csv"
    )]
    Explain(ExplainArgs),

    /// Write synthetic registers that follow the input contract.
    #[command(
        after_help = "Example:\n  kelastat generate --persons 5000 --year 2024 --seed 1 --out sample_data/registers\n  kelastat generate --persons 100000 --year 2024 --seed 7 --out /tmp/dirty --dirty 0.005"
    )]
    Generate(GenerateArgs),

    /// Re-check a publication from its files alone: files against the manifest, the same
    /// statuses in every format, and the disclosure audit from the published cells
    /// (exit 0 passed, 4 failed).
    #[command(
        after_help = "Examples:\n  kelastat audit out/2024\n  kelastat audit out/2024 --json"
    )]
    Audit(AuditArgs),
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
    /// The person's identifier (pseudonymous, as in the registers).
    #[arg(long)]
    pub person: String,
    /// The month, `YYYY-MM`.
    #[arg(long)]
    pub month: String,
    /// The pipeline file that names the registers, classifications and parameters.
    #[arg(long, default_value = "pipelines/kela_pensions.toml")]
    pub pipeline: PathBuf,
    /// Register directory (overrides the pipeline's `registers`).
    #[arg(long)]
    pub registers: Option<PathBuf>,
}

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
    /// Classification directory for the municipalities.
    #[arg(long, default_value = crate::DEFAULT_CLASSIFICATIONS)]
    pub classifications: PathBuf,
    /// Parameter file the payments are computed with; it must cover every month of --year.
    #[arg(long, default_value = "pipelines/parameters.toml")]
    pub parameters: PathBuf,
}
