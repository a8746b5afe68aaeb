//! Ingest: find each register file, check its schema against the contract and convert its
//! columns to the contract's types (money as integer cents).
//!
//! Whole-file problems are schema errors (exit 3). A field that cannot be converted
//! (an impossible date in a CSV, `abc` in an int column) is a row-level problem: the column's
//! name goes into `INVALID_COLUMN` and validation rejects the row as `invalid_value`.
use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::registers::{ColType, ColumnSpec, FileFormat, Register};

/// Source row number, 1-based, in the order of the file's data rows.
pub const ROW: &str = "__row";
/// Name of the first column whose value could not be converted, or null.
pub const INVALID_COLUMN: &str = "__invalid_column";

#[derive(Debug, Clone)]
pub struct RegisterFile {
    pub register: Register,
    pub path: PathBuf,
    pub format: FileFormat,
}

#[derive(Debug, Clone)]
pub struct RegisterData {
    pub file: RegisterFile,
    /// The contract's columns in canonical types, plus `ROW` and `INVALID_COLUMN`.
    pub frame: DataFrame,
    /// Columns in the file that the contract does not know (ignored, reported).
    pub extra_columns: Vec<String>,
}

impl RegisterData {
    pub fn rows(&self) -> usize {
        self.frame.height()
    }
}

#[derive(Debug, Clone)]
pub struct Registers {
    pub dir: PathBuf,
    pub persons: RegisterData,
    pub awards: RegisterData,
    pub income: Option<RegisterData>,
    pub payments: Option<RegisterData>,
}

impl Registers {
    pub fn iter(&self) -> impl Iterator<Item = &RegisterData> {
        [
            Some(&self.persons),
            Some(&self.awards),
            self.income.as_ref(),
            self.payments.as_ref(),
        ]
        .into_iter()
        .flatten()
    }
}

/// Locates `NAME.parquet` or `NAME.csv`; both at once is an error.
pub fn locate(dir: &Path, register: Register) -> Result<Option<RegisterFile>> {
    let candidates: Vec<RegisterFile> = [FileFormat::Parquet, FileFormat::Csv]
        .into_iter()
        .map(|format| RegisterFile {
            register,
            path: dir.join(format!("{}.{}", register.name(), format.extension())),
            format,
        })
        .filter(|f| f.path.is_file())
        .collect();
    match candidates.as_slice() {
        [] if register.is_required() => Err(Error::MissingRegister {
            dir: dir.to_path_buf(),
            register: register.name().into(),
        }),
        [] => Ok(None),
        [one] => Ok(Some(one.clone())),
        [first, second, ..] => Err(Error::BothFormats {
            register: register.name().into(),
            first: first.path.clone(),
            second: second.path.clone(),
        }),
    }
}

pub fn ingest(dir: &Path) -> Result<Registers> {
    if !dir.is_dir() {
        return Err(Error::Unreadable {
            file: dir.to_path_buf(),
            reason: "register directory does not exist".into(),
        });
    }
    let load = |register| -> Result<Option<RegisterData>> {
        locate(dir, register)?.map(read_register).transpose()
    };
    let required = |register| {
        load(register)?.ok_or_else(|| Error::MissingRegister {
            dir: dir.to_path_buf(),
            register: Register::name(register).into(),
        })
    };
    Ok(Registers {
        dir: dir.to_path_buf(),
        persons: required(Register::Persons)?,
        awards: required(Register::Awards)?,
        income: load(Register::Income)?,
        payments: load(Register::Payments)?,
    })
}

pub fn read_register(file: RegisterFile) -> Result<RegisterData> {
    let unreadable = |e: PolarsError| Error::Unreadable {
        file: file.path.clone(),
        reason: e.to_string(),
    };
    let (raw, all_columns) = match file.format {
        FileFormat::Parquet => read_parquet(&file.path, file.register).map_err(unreadable)?,
        FileFormat::Csv => read_csv(&file.path, file.register).map_err(unreadable)?,
    };
    for spec in file.register.columns().iter().filter(|c| c.required) {
        if !all_columns.iter().any(|c| c == spec.name) {
            return Err(Error::Schema {
                file: file.path.clone(),
                column: spec.name.into(),
                expected: spec.ty.contract_name().into(),
                found: "no such column".into(),
            });
        }
    }
    let extra_columns: Vec<String> = all_columns
        .into_iter()
        .filter(|c| file.register.column(c).is_none())
        .collect();
    if !extra_columns.is_empty() {
        tracing::warn!(
            file = %file.path.display(),
            "extra columns ignored: {}",
            extra_columns.join(", ")
        );
    }
    let frame = to_contract_types(raw, &file)?;
    Ok(RegisterData {
        file,
        frame,
        extra_columns,
    })
}

fn row_index() -> Option<RowIndex> {
    Some(RowIndex {
        name: ROW.into(),
        offset: 1,
    })
}

/// Reads the contract's columns present in the file; returns them with all column names.
fn read_parquet(path: &Path, register: Register) -> PolarsResult<(DataFrame, Vec<String>)> {
    let mut reader = ParquetReader::new(File::open(path)?);
    let schema = reader.schema()?;
    let names: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
    let wanted: Vec<String> = names
        .iter()
        .filter(|n| register.column(n).is_some())
        .cloned()
        .collect();
    let df = reader
        .with_columns(Some(wanted))
        .with_row_index(row_index())
        .finish()?;
    Ok((df, names))
}

/// Reads every field as a string; conversion happens in `to_contract_types`, so that a bad
/// field rejects its row instead of failing the file.
fn read_csv(path: &Path, register: Register) -> PolarsResult<(DataFrame, Vec<String>)> {
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .with_row_index(row_index())
        .try_into_reader_with_file_path(Some(path.to_path_buf()))?
        .finish()?;
    let names: Vec<String> = df
        .get_column_names()
        .into_iter()
        .filter(|n| n.as_str() != ROW)
        .map(|n| n.to_string())
        .collect();
    let wanted: Vec<PlSmallStr> = std::iter::once(ROW.into())
        .chain(
            names
                .iter()
                .filter(|n| register.column(n).is_some())
                .map(|n| n.as_str().into()),
        )
        .collect();
    Ok((df.select(wanted)?, names))
}

/// Converts every contract column to its canonical type and records unconvertible fields.
fn to_contract_types(raw: DataFrame, file: &RegisterFile) -> Result<DataFrame> {
    let height = raw.height();
    let mut columns: Vec<Column> = vec![raw.column(ROW)?.cast(&DataType::Int64)?];
    let mut invalid_masks: Vec<(&'static str, BooleanChunked)> = Vec::new();
    for spec in file.register.columns() {
        let converted = match raw.column(spec.name) {
            Ok(column) => {
                convert(column.as_materialized_series(), spec).map_err(|found| Error::Schema {
                    file: file.path.clone(),
                    column: spec.name.into(),
                    expected: spec.ty.contract_name().into(),
                    found,
                })?
            }
            Err(_) => Converted {
                values: Series::full_null(spec.name.into(), height, &canonical_dtype(spec.ty)),
                invalid: None,
            },
        };
        if let Some(mask) = converted.invalid {
            invalid_masks.push((spec.name, mask));
        }
        columns.push(converted.values.into());
    }
    columns.push(first_invalid_column(height, &invalid_masks)?);
    let df = DataFrame::new(height, columns)?;
    Ok(df)
}

/// For every row, the name of the first column (in contract order) whose value is invalid.
fn first_invalid_column(
    height: usize,
    masks: &[(&'static str, BooleanChunked)],
) -> PolarsResult<Column> {
    if masks.is_empty() {
        return Ok(Column::full_null(
            INVALID_COLUMN.into(),
            height,
            &DataType::String,
        ));
    }
    let mask_columns: Vec<Column> = masks
        .iter()
        .map(|(name, mask)| mask.clone().with_name((*name).into()).into_column())
        .collect();
    let first = masks
        .iter()
        .rev()
        .fold(lit(NULL).cast(DataType::String), |otherwise, (name, _)| {
            when(col(*name)).then(lit(*name)).otherwise(otherwise)
        });
    let df = DataFrame::new(height, mask_columns)?
        .lazy()
        .select([first.alias(INVALID_COLUMN)])
        .collect()?;
    Ok(df.columns()[0].clone())
}

pub fn canonical_dtype(ty: ColType) -> DataType {
    match ty {
        ColType::Utf8 => DataType::String,
        ColType::Int | ColType::Money => DataType::Int64,
        ColType::Date | ColType::Month => DataType::Date,
        ColType::Bool => DataType::Boolean,
    }
}

struct Converted {
    values: Series,
    /// True where the source held a value that does not convert.
    invalid: Option<BooleanChunked>,
}

/// Converts one column; `Err` carries the found type for a schema error.
fn convert(s: &Series, spec: &ColumnSpec) -> std::result::Result<Converted, String> {
    let dtype = s.dtype().clone();
    let found = || format!("{dtype}");
    let name: PlSmallStr = spec.name.into();
    let values = match (spec.ty, &dtype) {
        (ColType::Utf8, DataType::String) => s.clone(),
        (ColType::Int, d) if d.is_integer() => {
            s.cast(&DataType::Int64).map_err(|e| e.to_string())?
        }
        (ColType::Int, DataType::String) => s.cast(&DataType::Int64).map_err(|e| e.to_string())?,
        (ColType::Date | ColType::Month, DataType::Date) => s.clone(),
        (ColType::Date | ColType::Month, DataType::Datetime(..)) => datetime_at_midnight(s)?,
        (ColType::Date | ColType::Month, DataType::String) => parse_dates(s)?,
        (ColType::Money, DataType::Decimal(_, scale)) if *scale <= 2 => decimal_to_cents(s)?,
        (ColType::Money, d) if d.is_float() => {
            return Err(format!(
            "{dtype} (a floating-point money column cannot carry cents exactly; use decimal(18,2))"
        ))
        }
        (ColType::Money, d) if d.is_integer() => {
            (s.cast(&DataType::Int64).map_err(|e| e.to_string())? * 100).with_name(name.clone())
        }
        (ColType::Money, DataType::String) => parse_money_strings(s).map_err(|e| e.to_string())?,
        (ColType::Bool, DataType::Boolean) => s.clone(),
        (ColType::Bool, DataType::String) => parse_bools(s).map_err(|e| e.to_string())?,
        _ => return Err(found()),
    };
    let values = if spec.ty == ColType::Month {
        month_start(&values)?
    } else {
        values
    };
    let invalid = s.is_not_null() & values.is_null();
    let invalid = (invalid.any()).then_some(invalid);
    Ok(Converted {
        values: values.with_name(name),
        invalid,
    })
}

fn eval(s: &Series, expr: Expr) -> std::result::Result<Series, String> {
    let name = s.name().clone();
    DataFrame::new(s.len(), vec![s.clone().into_column()])
        .and_then(|df| df.lazy().select([expr.alias(name)]).collect())
        .and_then(|df| Ok(df.columns()[0].as_materialized_series().clone()))
        .map_err(|e| e.to_string())
}

fn parse_dates(s: &Series) -> std::result::Result<Series, String> {
    let options = StrptimeOptions {
        format: Some("%Y-%m-%d".into()),
        strict: false,
        exact: true,
        cache: true,
    };
    eval(s, col(s.name().clone()).str().to_date(options))
}

/// A timestamp converts to a date only at midnight; other instants are invalid values.
fn datetime_at_midnight(s: &Series) -> std::result::Result<Series, String> {
    let c = col(s.name().clone());
    let dtype = s.dtype().clone();
    let date = c.clone().cast(DataType::Date);
    eval(
        s,
        when(date.clone().cast(dtype).eq(c))
            .then(date)
            .otherwise(lit(NULL).cast(DataType::Date)),
    )
}

fn month_start(s: &Series) -> std::result::Result<Series, String> {
    eval(s, col(s.name().clone()).dt().month_start())
}

fn decimal_to_cents(s: &Series) -> std::result::Result<Series, String> {
    let rescaled = s
        .cast(&DataType::Decimal(38, 2))
        .map_err(|e| e.to_string())?;
    let cents = rescaled
        .decimal()
        .map_err(|e| e.to_string())?
        .physical()
        .clone();
    cents
        .into_series()
        .cast(&DataType::Int64)
        .map_err(|e| e.to_string())
}

/// Parses `-12.3`, `12.34`, `12` exactly into cents; anything else (three decimals, `1e3`,
/// `abc`) is null so that the row is rejected as an invalid value.
pub fn parse_cents(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || fraction.len() > 2 || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    let euros: i64 = whole.parse().ok()?;
    let cents: i64 = format!("{fraction:0<2}").parse().ok()?;
    let total = euros.checked_mul(100)?.checked_add(cents)?;
    Some(if negative { -total } else { total })
}

fn parse_money_strings(s: &Series) -> PolarsResult<Series> {
    let out: Int64Chunked = s
        .str()?
        .iter()
        .map(|v| v.and_then(|t| parse_cents(t.trim())))
        .collect();
    Ok(out.into_series())
}

fn parse_bools(s: &Series) -> PolarsResult<Series> {
    let out: BooleanChunked = s
        .str()?
        .iter()
        .map(|v| match v {
            Some("true") => Some(true),
            Some("false") => Some(false),
            _ => None,
        })
        .collect();
    Ok(out.into_series())
}

#[cfg(test)]
mod tests {
    use super::parse_cents;

    #[test]
    fn money_strings_parse_exactly_or_not_at_all() {
        assert_eq!(parse_cents("12.34"), Some(1234));
        assert_eq!(parse_cents("12.3"), Some(1230));
        assert_eq!(parse_cents("12"), Some(1200));
        assert_eq!(parse_cents("-0.05"), Some(-5));
        assert_eq!(parse_cents("0.10"), Some(10));
        assert_eq!(parse_cents("12.345"), None);
        assert_eq!(parse_cents("1e3"), None);
        assert_eq!(parse_cents("abc"), None);
        assert_eq!(parse_cents(".5"), None);
        assert_eq!(parse_cents("12,34"), None);
    }
}
