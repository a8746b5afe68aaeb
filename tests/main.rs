//! The one integration-test binary (each tests/*.rs file would otherwise link all of polars).
//! Where each behaviour's tests live: ARCHITECTURE.md, "Tests".
mod common;
mod scenario;

mod analyst;
mod bad_rows;
mod cli;
mod disclosure;
mod first_run;
mod generator;
mod input_formats;
mod manage;
mod operations;
mod rules;
mod rules_properties;
mod run;
mod schema_errors;
mod serve;
mod tables;
