use std::path::{Path, PathBuf};

use kelastat::ingest::{ingest, Registers};
use kelastat::regions::Classification;
use kelastat::registers::{ColType, Register};
use kelastat::validate::{validate, Validated};
use polars::prelude::*;
use tempfile::TempDir;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn classification() -> Classification {
    Classification::load(&root().join("sample_data/classifications"), 2024).unwrap()
}

/// A temporary register directory holding a copy of `tests/fixtures/base` (CSV).
pub fn base_registers() -> TempDir {
    let dir = TempDir::new().unwrap();
    for entry in std::fs::read_dir(root().join("tests/fixtures/base")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    dir
}

pub fn append_line(dir: &Path, register: &str, line: &str) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join(format!("{register}.csv")))
        .unwrap();
    writeln!(f, "{line}").unwrap();
}

/// The accepted rows of a register, read into memory.
pub fn accepted(checked: &kelastat::validate::Checked) -> DataFrame {
    checked.accepted.clone().collect().unwrap()
}

pub fn run_validation(dir: &Path) -> (Registers, Validated) {
    let registers = ingest(dir).unwrap();
    let validated = validate(&registers, &classification()).unwrap();
    (registers, validated)
}

/// Converts every CSV register of `dir` into a contract Parquet file in a new directory
/// (money as decimal(18,2), dates as date, ints as int64).
pub fn csv_dir_to_parquet(dir: &Path) -> TempDir {
    let out = TempDir::new().unwrap();
    let registers = ingest(dir).unwrap();
    for data in registers.iter() {
        let mut frame = contract_frame(&data.frame.clone().collect().unwrap(), data.file.register);
        let path = out
            .path()
            .join(format!("{}.parquet", data.file.register.name()));
        ParquetWriter::new(std::fs::File::create(path).unwrap())
            .finish(&mut frame)
            .unwrap();
    }
    out
}

/// The canonical ingested frame turned back into the contract's file types.
pub fn contract_frame(canonical: &DataFrame, register: Register) -> DataFrame {
    let columns: Vec<Column> = register
        .columns()
        .iter()
        .map(|spec| {
            let c = canonical.column(spec.name).unwrap();
            if spec.ty == ColType::Money {
                cents_to_decimal(c.as_materialized_series()).into_column()
            } else {
                c.clone()
            }
        })
        .collect();
    DataFrame::new(canonical.height(), columns).unwrap()
}

pub fn cents_to_decimal(s: &Series) -> Series {
    let cents: Int128Chunked = s.i64().unwrap().iter().map(|v| v.map(i128::from)).collect();
    cents
        .with_name(s.name().clone())
        .into_decimal(18, 2)
        .unwrap()
        .into_series()
}

pub fn write_parquet(df: &mut DataFrame, path: &Path) {
    ParquetWriter::new(std::fs::File::create(path).unwrap())
        .finish(df)
        .unwrap();
}

pub fn kelastat() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_kelastat"));
    cmd.current_dir(root());
    cmd
}

/// Every file under `dir`, at any depth.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A copy of the sample pipeline in `dir` (`sample.toml`), its paths made absolute, with
/// `extra` keys appended.
pub fn sample_pipeline_with(dir: &Path, extra: &str) -> PathBuf {
    let text = std::fs::read_to_string(root().join("pipelines/kela_pensions.toml"))
        .unwrap()
        .replace("../", &format!("{}/", root().display()))
        .replace(
            "\"parameters.toml\"",
            &format!("\"{}/pipelines/parameters.toml\"", root().display()),
        )
        + extra;
    let pipeline = dir.join("sample.toml");
    std::fs::write(&pipeline, text).unwrap();
    pipeline
}
