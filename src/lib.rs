//! kelastat: pension registers in, official-quality, protected pension statistics out.
//!
//! Stages, one module each: `ingest` → `validate` → classify (rules) → aggregate → protect →
//! publish. `registers` is the input contract as data; `regions` the reference classification.
pub mod aggregate;
pub mod app;
pub mod audit;
pub mod calendar;
pub mod catalog;
pub mod classify;
pub mod cli;
pub mod codes;
pub mod config;
pub mod digest;
pub mod error;
pub mod exit;
pub mod fault;
pub mod findings;
pub mod generate;
pub mod history;
pub mod ingest;
pub mod labels;
pub mod lock;
pub mod logging;
pub mod manage;
pub mod memory;
pub mod money;
pub mod params;
pub mod paths;
pub mod payments;
pub mod perf;
pub mod period;
pub mod pipeline;
pub mod plausibility;
pub mod protect;
pub mod publication;
pub mod publish;
pub mod published;
pub mod quality;
pub mod reconcile;
pub mod regions;
pub mod registers;
pub mod rejects;
pub mod row_errors;
pub mod run;
pub mod serve;
pub mod table;
pub mod validate;

/// The classification directory shipped with the sample data (relative to the project root).
pub const DEFAULT_CLASSIFICATIONS: &str = "sample_data/classifications";
