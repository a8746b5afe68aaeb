//! `kelastat rejects OUT --period P [--limit N]`: the rejected rows of a period's latest run,
//! with register, source row, column and reason, so that an analyst need not open the
//! owner-only Parquet file with another tool. The original rows (personal identifiers) stay in
//! the file: this prints where to look, not who.
use std::fmt::Write;
use std::path::PathBuf;

use clap::Args;
use polars::prelude::*;

use crate::error::{Error, Result};
use crate::period::Period;

#[derive(Debug, Args)]
pub struct RejectsArgs {
    /// The output root.
    pub out: PathBuf,
    /// The period whose rejects to show (2024, 2024M06).
    #[arg(long)]
    pub period: String,
    /// Show at most this many rows (all when not given).
    #[arg(long)]
    pub limit: Option<usize>,
}

pub fn rejects_command(args: &RejectsArgs) -> Result<()> {
    let period: Period = args.period.parse().map_err(Error::Usage)?;
    let file = args
        .out
        .join("rejects")
        .join(period.to_string())
        .join("rejects.parquet");
    if !file.is_file() {
        return Err(Error::Usage(format!(
            "{}: no rejects of {period} (run or validate with --out writes them)",
            file.display()
        )));
    }
    let frame = std::fs::File::open(&file)
        .map_err(Error::io(&file))
        .and_then(|f| {
            ParquetReader::new(f)
                .with_columns(Some(vec![
                    "register".into(),
                    "source_row".into(),
                    "column".into(),
                    "reason".into(),
                ]))
                .finish()
                .map_err(|e| Error::Unreadable {
                    file: file.clone(),
                    reason: e.to_string(),
                })
        })?;
    print!("{}", rejects_text(&frame, args.limit)?);
    Ok(())
}

/// An aligned table of `register, source_row, column, reason`, then the count shown.
pub fn rejects_text(frame: &DataFrame, limit: Option<usize>) -> Result<String> {
    let total = frame.height();
    let shown = limit.unwrap_or(total).min(total);
    let header = ["register", "source_row", "column", "reason"];
    let mut rows: Vec<[String; 4]> = Vec::with_capacity(shown);
    let text = |name: &str| -> Result<Vec<String>> {
        let column = frame.column(name)?.cast(&DataType::String)?;
        Ok(column
            .str()?
            .iter()
            .take(shown)
            .map(|v| v.unwrap_or("").to_string())
            .collect())
    };
    let columns = header.iter().map(|h| text(h)).collect::<Result<Vec<_>>>()?;
    rows.extend((0..shown).map(|i| std::array::from_fn(|c| columns[c][i].clone())));
    let widths: Vec<usize> = (0..4)
        .map(|c| {
            rows.iter()
                .map(|r| r[c].chars().count())
                .chain([header[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let line = |out: &mut String, cells: &[&str]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        let _ = writeln!(out, "{}", padded.join("  ").trim_end());
    };
    line(&mut out, &header);
    for row in &rows {
        line(
            &mut out,
            &row.iter().map(String::as_str).collect::<Vec<_>>(),
        );
    }
    if shown < total {
        let _ = writeln!(out, "{shown} of {total} rejected rows shown (--limit)");
    } else {
        let _ = writeln!(out, "{total} rejected rows");
    }
    Ok(out)
}
