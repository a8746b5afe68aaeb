//! The one integration-test binary (each tests/*.rs file would otherwise link all of polars).
mod common;
mod scenario;

mod analyst;
mod bad_rows;
mod cli;
mod first_run;
mod formats;
mod generator;
mod publication;
mod rules;
mod rules_properties;
mod run;
mod schema_errors;
mod serve;
