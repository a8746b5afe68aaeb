//! Whole-file problems: exit code 3 with the file, the column, the expected and the found type.
use kelastat::error::Error;
use kelastat::ingest::ingest;
use polars::prelude::*;

use crate::common::*;

fn schema_error(dir: &std::path::Path) -> Error {
    let err = ingest(dir).unwrap_err();
    assert_eq!(err.exit_code(), 3, "{err}");
    err
}

#[test]
fn a_missing_required_register_is_an_input_error() {
    let dir = base_registers();
    std::fs::remove_file(dir.path().join("awards.csv")).unwrap();
    let err = schema_error(dir.path());
    assert!(
        matches!(&err, Error::MissingRegister { register, .. } if register == "awards"),
        "{err}"
    );
}

#[test]
fn optional_registers_may_be_absent() {
    let dir = base_registers();
    std::fs::remove_file(dir.path().join("income.csv")).unwrap();
    std::fs::remove_file(dir.path().join("payments.csv")).unwrap();
    let (registers, validated) = run_validation(dir.path());
    assert!(registers.income.is_none() && registers.payments.is_none());
    assert_eq!(validated.counts().len(), 2);
}

#[test]
fn both_formats_of_one_register_name_both_files() {
    let dir = base_registers();
    let parquet = csv_dir_to_parquet(dir.path());
    std::fs::copy(
        parquet.path().join("persons.parquet"),
        dir.path().join("persons.parquet"),
    )
    .unwrap();
    let err = schema_error(dir.path());
    let text = err.to_string();
    assert!(
        text.contains("persons.parquet") && text.contains("persons.csv"),
        "{text}"
    );
}

#[test]
fn a_missing_required_column_names_file_column_and_types() {
    let dir = base_registers();
    let path = dir.path().join("persons.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let without_sex: String = text
        .lines()
        .map(|l| {
            let mut f: Vec<&str> = l.split(',').collect();
            f.remove(2);
            f.join(",") + "\n"
        })
        .collect();
    std::fs::write(&path, without_sex).unwrap();
    match schema_error(dir.path()) {
        Error::Schema {
            file,
            column,
            expected,
            found,
            ..
        } => {
            assert_eq!(file, path);
            assert_eq!(
                (column.as_str(), expected.as_str(), found.as_str()),
                ("sex", "int", "no such column")
            );
        }
        other => panic!("expected a schema error, got {other}"),
    }
}

fn base_parquet_with(
    register: kelastat::registers::Register,
    replace: impl FnOnce(&mut DataFrame),
) -> tempfile::TempDir {
    let dir = csv_dir_to_parquet(base_registers().path());
    let path = dir.path().join(format!("{}.parquet", register.name()));
    let mut df = ParquetReader::new(std::fs::File::open(&path).unwrap())
        .finish()
        .unwrap();
    replace(&mut df);
    write_parquet(&mut df, &path);
    dir
}

#[test]
fn a_floating_point_money_column_is_a_schema_error() {
    let dir = base_parquet_with(kelastat::registers::Register::Payments, |df| {
        let floats = df
            .column("amount")
            .unwrap()
            .cast(&DataType::Float64)
            .unwrap();
        df.with_column(floats).unwrap();
    });
    match schema_error(dir.path()) {
        Error::Schema {
            file,
            column,
            expected,
            found,
            ..
        } => {
            assert!(file.ends_with("payments.parquet"));
            assert_eq!(
                (column.as_str(), expected.as_str()),
                ("amount", "decimal(2)")
            );
            assert!(
                found.starts_with("f64") && found.contains("floating-point"),
                "{found}"
            );
        }
        other => panic!("expected a schema error, got {other}"),
    }
}

#[test]
fn a_column_of_the_wrong_type_is_a_schema_error() {
    let dir = base_parquet_with(kelastat::registers::Register::Persons, |df| {
        let n = df.height();
        df.with_column(Column::new("birth_date".into(), vec![1950i64; n]))
            .unwrap();
    });
    match schema_error(dir.path()) {
        Error::Schema {
            column,
            expected,
            found,
            ..
        } => {
            assert_eq!(
                (column.as_str(), expected.as_str(), found.as_str()),
                ("birth_date", "date", "i64")
            );
        }
        other => panic!("expected a schema error, got {other}"),
    }
}

#[test]
fn a_truncated_parquet_file_is_unreadable() {
    let dir = csv_dir_to_parquet(base_registers().path());
    let path = dir.path().join("awards.parquet");
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    match schema_error(dir.path()) {
        Error::Unreadable { file, .. } => assert_eq!(file, path),
        other => panic!("expected an unreadable-file error, got {other}"),
    }
}

#[test]
fn extra_columns_are_ignored_and_reported() {
    let dir = base_parquet_with(kelastat::registers::Register::Persons, |df| {
        let n = df.height();
        df.with_column(Column::new("shoe_size".into(), vec![42i64; n]))
            .unwrap();
    });
    let (registers, validated) = run_validation(dir.path());
    assert_eq!(
        registers.persons.extra_columns,
        vec!["shoe_size".to_string()]
    );
    assert_eq!(validated.persons.counts.rejected, 0);
    assert!(kelastat::quality::summary_text(&validated).contains("shoe_size"));
}

#[test]
fn a_register_file_replaced_after_ingest_is_an_input_error() {
    let dir = base_registers();
    let registers = ingest(dir.path()).unwrap();
    let payments = registers.payments.as_ref().unwrap();
    assert!(payments.unchanged_sha256().is_ok());
    append_line(
        dir.path(),
        "payments",
        "Y9,P1,,guarantee_pension,2024-12-01,2024-12-20,regular,1.00",
    );
    let err = payments.unchanged_sha256().unwrap_err();
    assert_eq!(err.exit_code(), 3);
    assert!(err.to_string().contains("changed during the run"), "{err}");
}
