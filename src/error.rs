//! Errors of a run and the exit codes of operations.md. Paths are shown normalised
//! (`pipelines/../sample_data` as `sample_data`); the variants keep them as given.
use std::path::PathBuf;

use crate::paths::shown;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Command line or pipeline-file problem (exit 2).
    #[error("{}: {message}", shown(.file).display())]
    Pipeline { file: PathBuf, message: String },

    #[error("{0}")]
    Usage(String),

    /// A required register file is missing (exit 3).
    #[error("register directory {}: required register '{register}' not found (expected {register}.parquet or {register}.csv)", shown(.dir).display())]
    MissingRegister { dir: PathBuf, register: String },

    #[error("register '{register}' is given twice: {} and {}; keep only one", shown(.first).display(), shown(.second).display())]
    BothFormats {
        register: String,
        first: PathBuf,
        second: PathBuf,
    },

    /// A column is missing or cannot be converted to the contract's type (exit 3). `hint`
    /// (empty, or sentences each beginning `. `) suggests the likely fix.
    #[error("schema error in {}: column '{column}': expected {expected}, found {found}{hint}", shown(.file).display())]
    Schema {
        file: PathBuf,
        column: String,
        expected: String,
        found: String,
        hint: String,
    },

    /// An unreadable, truncated or corrupt input file (exit 3).
    #[error("cannot read {}: {reason}", shown(.file).display())]
    Unreadable { file: PathBuf, reason: String },

    /// A quality gate stopped the run before publishing (exit 4).
    #[error("quality gate failed: {0}")]
    QualityGate(String),

    /// Another run holds the output root's lock (exit 5).
    #[error("another run holds the lock {}: {holder}", shown(.lock).display())]
    Locked { lock: PathBuf, holder: String },

    #[error("{}: {source}", shown(.path).display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(transparent)]
    Polars(#[from] polars::error::PolarsError),

    #[error("{0}")]
    Other(String),
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Pipeline { .. } | Error::Usage(_) => 2,
            Error::MissingRegister { .. }
            | Error::BothFormats { .. }
            | Error::Schema { .. }
            | Error::Unreadable { .. } => 3,
            Error::QualityGate(_) => 4,
            Error::Locked { .. } => 5,
            Error::Io { .. } | Error::Polars(_) | Error::Other(_) => 1,
        }
    }

    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }
}
