//! The one integration-test binary (each tests/*.rs file would otherwise link all of polars).
mod common;
mod scenario;

mod bad_rows;
mod cli;
mod formats;
mod generator;
mod publication;
mod rules;
// `mod run;` (tests/run.rs: `kelastat run` end to end with the real readers) is enabled once
// disclosure control publishes the sample data in reasonable time (issue 4).
mod rules_properties;
mod schema_errors;
