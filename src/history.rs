//! The periods already published in an output root, which `time_series` carries forward
//! (publication.md: every period of the same kind published in `<out>/<period>/`, not the
//! archive, plus the current one). Each period's figures are read from its own publication's
//! `tables/time_series.csv`, so they keep the values and statuses published then.
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::ingest::parse_cents;
use crate::period::Period;
use crate::table::Status;

/// The measures of `time_series`, in order.
pub const MEASURES: [&str; 3] = ["recipients", "mean_amount", "expenditure"];

/// One benefit's figures of a published period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedRow {
    pub benefit: String,
    pub values: [Option<i64>; 3],
    pub status: [Status; 3],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedPeriod {
    pub period: Period,
    pub rows: Vec<PublishedRow>,
}

/// Every period of the same kind as `current` (years or months) published in `out`, other
/// than `current` itself (which this run replaces), in period order. A period folder without
/// `tables/time_series.csv` (a pipeline that does not publish it as CSV) is skipped with a
/// warning; an unreadable one is an error naming the file.
pub fn published_periods(out: &Path, current: Period) -> Result<Vec<PublishedPeriod>> {
    let Ok(entries) = std::fs::read_dir(out) else {
        return Ok(Vec::new());
    };
    let mut periods: Vec<(Period, PathBuf)> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let period: Period = e.file_name().to_str()?.parse().ok()?;
            let same_kind = matches!(
                (period, current),
                (Period::Year(_), Period::Year(_)) | (Period::Month(..), Period::Month(..))
            );
            (same_kind && period != current && e.path().is_dir()).then(|| (period, e.path()))
        })
        .collect();
    periods.sort();
    let mut published = Vec::new();
    for (period, dir) in periods {
        let file = dir.join("tables/time_series.csv");
        if !file.is_file() {
            tracing::warn!(
                period = %period,
                "published period without tables/time_series.csv: left out of time_series"
            );
            continue;
        }
        let rows = own_rows(&file, period).map_err(|reason| Error::Unreadable {
            file: file.clone(),
            reason,
        })?;
        published.push(PublishedPeriod { period, rows });
    }
    Ok(published)
}

/// The rows of `period` itself in a published `time_series.csv`.
fn own_rows(file: &Path, period: Period) -> std::result::Result<Vec<PublishedRow>, String> {
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(file.to_path_buf()))
        .and_then(|r| r.finish())
        .map_err(|e| e.to_string())?;
    let text = |name: &str| -> std::result::Result<StringChunked, String> {
        let column = df.column(name).map_err(|_| format!("no column {name}"))?;
        Ok(column.str().map_err(|e| e.to_string())?.clone())
    };
    let periods = text("period")?;
    let benefits = text("benefit")?;
    let values = MEASURES
        .iter()
        .map(|m| text(m))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let statuses = MEASURES
        .iter()
        .map(|m| text(&format!("{m}_status")))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let code = period.to_string();
    let mut rows = Vec::new();
    for i in (0..df.height()).filter(|&i| periods.get(i) == Some(code.as_str())) {
        let line = i + 2;
        let mut row = PublishedRow {
            benefit: benefits.get(i).unwrap_or_default().to_string(),
            values: [None; 3],
            status: [Status::Value; 3],
        };
        for m in 0..MEASURES.len() {
            let symbol = statuses[m].get(i).unwrap_or_default();
            row.status[m] = Status::from_symbol(symbol)
                .ok_or_else(|| format!("line {line}: unknown status '{symbol}'"))?;
            if row.status[m] == Status::Value {
                let field = values[m].get(i).unwrap_or_default();
                let value = if MEASURES[m] == "recipients" {
                    field.parse::<i64>().ok()
                } else {
                    parse_cents(field)
                };
                row.values[m] = Some(value.ok_or_else(|| {
                    format!("line {line}: {} '{field}' is not a number", MEASURES[m])
                })?);
            }
        }
        rows.push(row);
    }
    Ok(rows)
}
