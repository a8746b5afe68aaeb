//! The one integration-test binary (each tests/*.rs file would otherwise link all of polars).
mod common;

mod bad_rows;
mod cli;
mod formats;
mod generator;
mod schema_errors;
