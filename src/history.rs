//! The periods already published in an output root, which `time_series` carries forward
//! (publication.md: every period of the same kind published in `<out>/<period>/`, not the
//! archive, plus the current one). Each period's figures are read from its own publication's
//! `time_series` table, in whichever format it was published (`published::read_table`), so
//! they keep the values and statuses published then.
use std::path::{Path, PathBuf};

use crate::catalog::TableId;
use crate::error::{Error, Result};
use crate::money::parse_cents;
use crate::period::Period;
use crate::published::{read_table, table_file, PublishedTable};
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
/// than `current` itself (which this run replaces), in period order. A period folder without a
/// `time_series` table in any format (a pipeline that does not publish the table) is skipped
/// with a warning; an unreadable one is an error naming the file.
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
        let Some(table) = read_table(&dir, TableId::TimeSeries.id())? else {
            tracing::warn!(
                period = %period,
                "published period without a time_series table: left out of time_series"
            );
            continue;
        };
        let rows = own_rows(&table, period).map_err(|reason| Error::Unreadable {
            file: table_file(&dir, TableId::TimeSeries.id()).unwrap_or(dir.clone()),
            reason,
        })?;
        published.push(PublishedPeriod { period, rows });
    }
    Ok(published)
}

/// The rows of `period` itself in a published `time_series` table.
fn own_rows(
    table: &PublishedTable,
    period: Period,
) -> std::result::Result<Vec<PublishedRow>, String> {
    let dimension = |id: &str| table.dimension(id).ok_or(format!("no dimension {id}"));
    let (p, b) = (dimension("period")?, dimension("benefit")?);
    let measures = MEASURES
        .iter()
        .map(|m| table.measure(m).ok_or(format!("no measure {m}")))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let code = period.to_string();
    let mut rows = Vec::new();
    for (i, cell) in table.rows.iter().enumerate() {
        if cell.codes[p] != code {
            continue;
        }
        let line = i + 2;
        let mut row = PublishedRow {
            benefit: cell.codes[b].clone(),
            values: [None; 3],
            status: [Status::Value; 3],
        };
        for (m, &k) in measures.iter().enumerate() {
            let (field, symbol) = &cell.values[k];
            row.status[m] = Status::from_symbol(symbol)
                .ok_or_else(|| format!("row {line}: unknown status '{symbol}'"))?;
            if row.status[m] == Status::Value {
                let value = if MEASURES[m] == "recipients" {
                    field.parse::<i64>().ok()
                } else {
                    parse_cents(field)
                };
                row.values[m] = Some(value.ok_or_else(|| {
                    format!("row {line}: {} '{field}' is not a number", MEASURES[m])
                })?);
            }
        }
        rows.push(row);
    }
    Ok(rows)
}
