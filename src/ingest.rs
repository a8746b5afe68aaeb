//! Ingest: find each register file, check its schema against the contract and convert its
//! columns to the contract's types (money as integer cents).
//!
//! Whole-file problems are schema errors (exit 3). A field that cannot be converted
//! (an impossible date in a CSV, `abc` in an int column) is a row-level problem: the column's
//! name goes into `INVALID_COLUMN` and validation rejects the row as `invalid_value`.
use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::calendar::month_first_day;
use crate::digest::sha256_file;
use crate::error::{Error, Result};
use crate::money::parse_cents;
use crate::perf::collect_streaming;
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

#[derive(Clone)]
pub struct RegisterData {
    pub file: RegisterFile,
    /// The contract's columns in canonical types, plus `ROW` and `INVALID_COLUMN`: a frame in
    /// memory, or for a streamed register (`Register::is_streamed`) the plan that reads and
    /// converts the file.
    pub frame: LazyFrame,
    /// Data rows in the file.
    pub rows: usize,
    /// Columns in the file that the contract does not know (ignored, reported).
    pub extra_columns: Vec<String>,
    /// The file's SHA-256 when ingest opened it.
    pub sha256: String,
}

impl RegisterData {
    /// The file's SHA-256, checked against the one ingest saw: a streamed register is read
    /// again by later stages, so a file replaced during the run must fail it.
    pub fn unchanged_sha256(&self) -> Result<String> {
        let now = sha256_file(&self.file.path)?;
        if now != self.sha256 {
            return Err(Error::Unreadable {
                file: self.file.path.clone(),
                reason: format!(
                    "the file changed during the run (SHA-256 {} at ingest, {} now)",
                    self.sha256, now
                ),
            });
        }
        Ok(now)
    }
}

impl std::fmt::Debug for RegisterData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisterData")
            .field("file", &self.file)
            .field("rows", &self.rows)
            .field("extra_columns", &self.extra_columns)
            .finish_non_exhaustive()
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
    // The registers are read on threads of their own: reading one file's metadata and
    // hashing it leaves a core idle.
    let load = |register| -> Result<Option<RegisterData>> {
        locate(dir, register)?.map(read_register).transpose()
    };
    let [persons, awards, income, payments] = std::thread::scope(|scope| {
        [
            Register::Persons,
            Register::Awards,
            Register::Income,
            Register::Payments,
        ]
        .map(|register| scope.spawn(move || load(register)))
        .map(|reading| reading.join().expect("a register thread panicked"))
    });
    let required = |register, data: Option<RegisterData>| {
        data.ok_or_else(|| Error::MissingRegister {
            dir: dir.to_path_buf(),
            register: Register::name(register).into(),
        })
    };
    Ok(Registers {
        dir: dir.to_path_buf(),
        persons: required(Register::Persons, persons?)?,
        awards: required(Register::Awards, awards?)?,
        income: income?,
        payments: payments?,
    })
}

pub fn read_register(file: RegisterFile) -> Result<RegisterData> {
    let unreadable = |e: PolarsError| Error::Unreadable {
        file: file.path.clone(),
        reason: e.to_string(),
    };
    let (scan, source_schema) = scan_source(&file)?;
    for spec in file.register.columns().iter().filter(|c| c.required) {
        if source_schema.get(spec.name).is_none() {
            return Err(Error::Schema {
                file: file.path.clone(),
                column: spec.name.into(),
                expected: spec.ty.contract_name().into(),
                found: "no such column".into(),
                hint: missing_column_hint(&file, &source_schema, spec.name),
            });
        }
    }
    let extra_columns: Vec<String> = source_schema
        .iter_names()
        .filter(|c| c.as_str() != ROW && file.register.column(c).is_none())
        .map(|c| c.to_string())
        .collect();
    if !extra_columns.is_empty() {
        tracing::warn!(
            file = %file.path.display(),
            "extra columns ignored: {}",
            extra_columns.join(", ")
        );
    }
    let decimal_comma = file.format == FileFormat::Csv
        && csv_dialect(&file.path)
            .map_err(Error::io(&file.path))?
            .decimal_comma;
    let converted = scan.select(contract_columns(&source_schema, &file, decimal_comma)?);
    let frame = if file.register.is_streamed() {
        converted
    } else {
        converted.collect().map_err(unreadable)?.lazy()
    };
    let rows = count_rows(frame.clone()).map_err(unreadable)?;
    Ok(RegisterData {
        sha256: sha256_file(&file.path)?,
        file,
        frame,
        rows,
        extra_columns,
    })
}

/// A scan of the file as it stands (the file's own columns and types, a CSV's as text) with
/// its row numbers (`ROW`), and the file's schema.
pub fn scan_source(file: &RegisterFile) -> Result<(LazyFrame, Schema)> {
    match file.format {
        FileFormat::Parquet => scan_parquet(&file.path),
        FileFormat::Csv => scan_csv(&file.path),
    }
    .map_err(|e| Error::Unreadable {
        file: file.path.clone(),
        reason: e.to_string(),
    })
}

/// The number of rows of a query, counted by the streaming engine (from the file's metadata
/// where it can).
pub fn count_rows(lf: LazyFrame) -> PolarsResult<usize> {
    let counted = collect_streaming(lf.select([len()]))?;
    Ok(counted
        .column("len")?
        .get(0)?
        .extract::<usize>()
        .unwrap_or(0))
}

fn row_index() -> Option<RowIndex> {
    Some(RowIndex {
        name: ROW.into(),
        offset: 1,
    })
}

/// A scan of the file with its row numbers, and the file's own schema (read first, so that a
/// file that is not Parquet fails here, naming itself).
fn scan_parquet(path: &Path) -> PolarsResult<(LazyFrame, Schema)> {
    let schema = ParquetReader::new(File::open(path)?).schema()?;
    let schema = Schema::from_arrow_schema(&schema);
    let args = ScanArgsParquet {
        row_index: row_index(),
        ..Default::default()
    };
    let scan = LazyFrame::scan_parquet(PlRefPath::try_from_path(path)?, args)?;
    Ok((scan, schema))
}

/// How a CSV register is written: comma-separated with `.` as the decimal point, or the way
/// Excel writes CSV in a Finnish locale, semicolon-separated with `,` as the decimal point
/// (registers.md). A byte-order mark is ignored either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvDialect {
    pub separator: u8,
    pub decimal_comma: bool,
}

impl CsvDialect {
    const COMMA: CsvDialect = CsvDialect {
        separator: b',',
        decimal_comma: false,
    };
    const SEMICOLON: CsvDialect = CsvDialect {
        separator: b';',
        decimal_comma: true,
    };

    /// The dialect the header line shows: semicolon-separated when it has a semicolon and
    /// no comma.
    pub fn of_header(header: &str) -> CsvDialect {
        if header.contains(';') && !header.contains(',') {
            CsvDialect::SEMICOLON
        } else {
            CsvDialect::COMMA
        }
    }
}

/// The first line of a file, without a byte-order mark or line end (at most 64 KiB read).
pub fn header_line(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut buffer = Vec::new();
    File::open(path)?.take(64 * 1024).read_to_end(&mut buffer)?;
    let text = String::from_utf8_lossy(&buffer);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    Ok(text
        .lines()
        .next()
        .unwrap_or("")
        .trim_end_matches('\r')
        .to_string())
}

pub fn csv_dialect(path: &Path) -> std::io::Result<CsvDialect> {
    Ok(CsvDialect::of_header(&header_line(path)?))
}

/// Every field is read as a string; conversion happens in `contract_columns`, so that a bad
/// field rejects its row instead of failing the file.
fn scan_csv(path: &Path) -> PolarsResult<(LazyFrame, Schema)> {
    let dialect = csv_dialect(path)?;
    let mut scan = LazyCsvReader::new(PlRefPath::try_from_path(path)?)
        .with_has_header(true)
        .with_separator(dialect.separator)
        .with_infer_schema_length(Some(0))
        .with_row_index(row_index())
        .finish()?;
    let schema = scan.collect_schema()?.as_ref().clone();
    Ok((scan, schema))
}

/// The contract's columns in canonical types, `ROW`, and `INVALID_COLUMN`: the first column
/// (in contract order) whose source value could not be converted.
/// (`decimal_comma`: money is written with `,` as the decimal point.)
fn contract_columns(
    source: &Schema,
    file: &RegisterFile,
    decimal_comma: bool,
) -> Result<Vec<Expr>> {
    let mut columns = vec![col(ROW).cast(DataType::Int64)];
    let mut fallible: Vec<(&'static str, Expr)> = Vec::new();
    for spec in file.register.columns() {
        let Some(dtype) = source.get(spec.name) else {
            columns.push(lit(NULL).cast(canonical_dtype(spec.ty)).alias(spec.name));
            continue;
        };
        let converted = convert(dtype, spec, decimal_comma).map_err(|found| Error::Schema {
            file: file.path.clone(),
            column: spec.name.into(),
            expected: spec.ty.contract_name().into(),
            hint: type_hint(spec, dtype),
            found,
        })?;
        if converted.can_fail {
            let invalid = col(spec.name)
                .is_not_null()
                .and(converted.value.clone().is_null());
            fallible.push((spec.name, invalid));
        }
        columns.push(converted.value.alias(spec.name));
    }
    let first_invalid = fallible.into_iter().rev().fold(
        lit(NULL).cast(DataType::String),
        |otherwise, (name, invalid)| when(invalid).then(lit(name)).otherwise(otherwise),
    );
    columns.push(first_invalid.alias(INVALID_COLUMN));
    Ok(columns)
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
    value: Expr,
    /// A non-null source value can convert to null (it is then an invalid value).
    can_fail: bool,
}

/// The conversion of one source column; `Err` carries the found type for a schema error.
fn convert(
    dtype: &DataType,
    spec: &ColumnSpec,
    decimal_comma: bool,
) -> std::result::Result<Converted, String> {
    let c = col(spec.name);
    let exact = |value| Converted {
        value,
        can_fail: false,
    };
    let fallible = |value| Converted {
        value,
        can_fail: true,
    };
    let converted = match (spec.ty, dtype) {
        (ColType::Utf8, DataType::String) => exact(c),
        (ColType::Int, DataType::Int64) => exact(c),
        (ColType::Int, d) if d.is_integer() || d.is_string() => fallible(c.cast(DataType::Int64)),
        (ColType::Date | ColType::Month, DataType::Date) => exact(c),
        (ColType::Date | ColType::Month, DataType::Datetime(..)) => {
            fallible(datetime_at_midnight(c, dtype))
        }
        (ColType::Date | ColType::Month, DataType::String) => fallible(parse_dates(c)),
        (ColType::Money, DataType::Decimal(_, scale)) if *scale <= 2 => exact(
            c.cast(DataType::Decimal(38, 2))
                .to_physical()
                .cast(DataType::Int64),
        ),
        (ColType::Money, d) if d.is_float() => {
            return Err(format!(
            "{dtype} (a floating-point money column cannot carry cents exactly; use decimal(18,2))"
        ))
        }
        (ColType::Money, d) if d.is_integer() => exact(c.cast(DataType::Int64) * lit(100i64)),
        (ColType::Money, DataType::String) => fallible(parse_money_strings(c, decimal_comma)),
        (ColType::Bool, DataType::Boolean) => exact(c),
        (ColType::Bool, DataType::String) => fallible(parse_bools(c)),
        _ => return Err(format!("{dtype}")),
    };
    Ok(if spec.ty == ColType::Month {
        Converted {
            value: month_first_day(converted.value),
            ..converted
        }
    } else {
        converted
    })
}

/// The likely fix of a missing required column: the file's columns that the contract does
/// not know, closest to the missing name first; or, where the header looks like one column
/// holding several names, what the header looked like and what was expected.
fn missing_column_hint(file: &RegisterFile, source: &Schema, missing: &str) -> String {
    let names: Vec<&str> = source
        .iter_names()
        .map(|n| n.as_str())
        .filter(|n| *n != ROW)
        .collect();
    let expected_header: Vec<&str> = file.register.columns().iter().map(|c| c.name).collect();
    if let [only] = names.as_slice() {
        if expected_header.len() > 1 {
            return format!(
                ". The header reads as the single column '{only}'; expected column names separated by commas \
                 (or all by semicolons, as Excel writes them), e.g. {}",
                expected_header.join(",")
            );
        }
    }
    let mut unknown: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| file.register.column(n).is_none())
        .collect();
    let distance = |n: &str| strsim::levenshtein(&n.to_lowercase(), missing);
    unknown.sort_by_key(|n| distance(n));
    let mut hint = String::new();
    if let Some(closest) = unknown.first() {
        if closest.eq_ignore_ascii_case(missing) {
            hint = format!(". The file has a column '{closest}': column names are case-sensitive, rename it '{missing}'");
        } else {
            let quoted: Vec<String> = unknown.iter().map(|n| format!("'{n}'")).collect();
            hint = format!(
                ". The file has a column {} that the contract does not know: if it holds {missing}, rename it '{missing}'",
                quoted.join(", a column ")
            );
        }
    }
    hint + &format!(
        ". The file's columns: {}; expected: {}",
        names.join(", "),
        expected_header.join(", ")
    )
}

/// The likely fix of a column whose type cannot be converted.
fn type_hint(spec: &ColumnSpec, found: &DataType) -> String {
    match (spec.name, spec.ty) {
        ("municipality", _) if found.is_primitive_numeric() => ". Municipality codes are text that keeps its leading zeros ('091', not 91): store the column as text (string)".into(),
        (_, ColType::Utf8) if found.is_primitive_numeric() => ". Codes and identifiers are text: store the column as text (string)".into(),
        (_, ColType::Int) if found.is_float() => ". Store the column as integers (whole numbers)".into(),
        (_, ColType::Date | ColType::Month) => ". Store the column as dates (or text YYYY-MM-DD)".into(),
        _ => String::new(),
    }
}

fn parse_dates(c: Expr) -> Expr {
    c.str().to_date(StrptimeOptions {
        format: Some("%Y-%m-%d".into()),
        strict: false,
        exact: true,
        cache: true,
    })
}

/// A timestamp converts to a date only at midnight; other instants are invalid values.
fn datetime_at_midnight(c: Expr, dtype: &DataType) -> Expr {
    let date = c.clone().cast(DataType::Date);
    when(date.clone().cast(dtype.clone()).eq(c))
        .then(date)
        .otherwise(lit(NULL).cast(DataType::Date))
}

/// (`decimal_comma`: `12,34` is read as `12.34`, the form of a semicolon-separated file.)
fn parse_money_strings(c: Expr, decimal_comma: bool) -> Expr {
    c.map(
        move |column: Column| {
            let out: Int64Chunked = column
                .str()?
                .iter()
                .map(|v| {
                    v.and_then(|t| {
                        if decimal_comma {
                            parse_cents(&t.trim().replacen(',', ".", 1))
                        } else {
                            parse_cents(t.trim())
                        }
                    })
                })
                .collect();
            Ok(out.with_name(column.name().clone()).into_column())
        },
        |_, field| Ok(Field::new(field.name().clone(), DataType::Int64)),
    )
}

fn parse_bools(c: Expr) -> Expr {
    when(c.clone().eq(lit("true")))
        .then(lit(true))
        .when(c.eq(lit("false")))
        .then(lit(false))
        .otherwise(lit(NULL).cast(DataType::Boolean))
}
