//! CSV and Parquet registers give identical accepted data; Parquet's lossless variants of the
//! contract types are accepted.
use polars::prelude::*;

use crate::common::*;

type Materialised = Vec<(kelastat::validate::RegisterCounts, DataFrame)>;

/// Every register's counts and accepted rows, read while the files are in place (streamed
/// registers are read from their files).
fn materialised(v: &kelastat::validate::Validated) -> Materialised {
    v.iter().map(|c| (c.counts.clone(), accepted(c))).collect()
}

fn accepted_equal(a: &Materialised, b: &Materialised) {
    let names =
        |m: &Materialised| -> Vec<String> { m.iter().map(|(c, _)| c.register.clone()).collect() };
    assert_eq!(names(a), names(b), "the same registers on both sides");
    for ((x_counts, x), (y_counts, y)) in a.iter().zip(b) {
        assert!(x.equals_missing(y), "{}:\n{}\n{}", x_counts.register, x, y);
        assert_eq!(x_counts, y_counts);
    }
}

#[test]
fn the_sample_registers_in_csv_and_parquet_give_identical_accepted_data() {
    let (_, from_parquet) = run_validation(&root().join("sample_data/registers"));
    let (_, from_csv) = run_validation(&root().join("sample_data/registers_csv"));
    assert!(from_parquet.persons.counts.read > 1000);
    accepted_equal(&materialised(&from_parquet), &materialised(&from_csv));
}

#[test]
fn money_amounts_are_exact_cents() {
    let base = base_registers();
    let (_, validated) = run_validation(base.path());
    let payments = accepted(validated.payments.as_ref().unwrap());
    let cents: Vec<i64> = payments
        .column("amount")
        .unwrap()
        .i64()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert_eq!(cents, vec![60012, 50000, 12050, 1000, -555, 10000, 10000]);
    let income = accepted(validated.income.as_ref().unwrap());
    let months: Vec<String> = income
        .column("month")
        .unwrap()
        .as_materialized_series()
        .iter()
        .map(|v| v.to_string())
        .collect();
    assert_eq!(
        months[1], "2024-12-01",
        "any day of a month means that month"
    );
}

#[test]
fn lossless_parquet_variants_are_accepted() {
    let base = base_registers();
    let dir = csv_dir_to_parquet(base.path());
    let (_, expected) = run_validation(dir.path());
    let expected = materialised(&expected);
    // persons: int32 sex, birth_date as a timestamp at midnight.
    let path = dir.path().join("persons.parquet");
    let mut df = ParquetReader::new(std::fs::File::open(&path).unwrap())
        .finish()
        .unwrap();
    let sex = df.column("sex").unwrap().cast(&DataType::Int32).unwrap();
    let birth = df
        .column("birth_date")
        .unwrap()
        .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
        .unwrap();
    df.with_column(sex).unwrap();
    df.with_column(birth).unwrap();
    write_parquet(&mut df, &path);
    // payments: amounts as decimal(10,1)-free strings; income: decimal(9,2).
    let path = dir.path().join("payments.parquet");
    let mut df = ParquetReader::new(std::fs::File::open(&path).unwrap())
        .finish()
        .unwrap();
    let text = df
        .column("amount")
        .unwrap()
        .cast(&DataType::String)
        .unwrap();
    df.with_column(text).unwrap();
    write_parquet(&mut df, &path);
    let path = dir.path().join("income.parquet");
    let mut df = ParquetReader::new(std::fs::File::open(&path).unwrap())
        .finish()
        .unwrap();
    let narrow = df
        .column("amount")
        .unwrap()
        .cast(&DataType::Decimal(9, 2))
        .unwrap();
    df.with_column(narrow).unwrap();
    write_parquet(&mut df, &path);
    let (_, got) = run_validation(dir.path());
    accepted_equal(&expected, &materialised(&got));
}

#[test]
fn a_timestamp_that_is_not_midnight_is_an_invalid_value() {
    let dir = csv_dir_to_parquet(base_registers().path());
    let path = dir.path().join("persons.parquet");
    let mut df = ParquetReader::new(std::fs::File::open(&path).unwrap())
        .finish()
        .unwrap();
    const DAY_MS: i64 = 86_400_000;
    let days = df
        .column("birth_date")
        .unwrap()
        .cast(&DataType::Int32)
        .unwrap();
    let millis: Int64Chunked = days
        .i32()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, d)| d.map(|d| i64::from(d) * DAY_MS + if i == 3 { 3_600_000 } else { 0 }))
        .collect();
    let stamps = millis
        .with_name("birth_date".into())
        .into_datetime(TimeUnit::Milliseconds, None)
        .into_series();
    df.with_column(stamps.into_column()).unwrap();
    write_parquet(&mut df, &path);
    let (_, validated) = run_validation(dir.path());
    assert_eq!(
        validated.persons.counts.by_reason.get("invalid_value"),
        Some(&1)
    );
    let row = validated
        .persons
        .rejected
        .column(kelastat::ingest::ROW)
        .unwrap()
        .i64()
        .unwrap()
        .get(0);
    assert_eq!(row, Some(4));
}
