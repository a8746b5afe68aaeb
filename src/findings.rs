//! What `classify` flags, person by person: each person and benefit whose paid amount for the
//! reference month differs from the computed one, and each award with a rule violation. The
//! file names persons, so it is written beside the rejects, owner-only, never published.
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::calendar::date_lit;
use crate::classify::Classified;
use crate::error::Result;
use crate::money::cents_text;
use crate::perf::collect_streaming;
use crate::rejects::{create_private_dir, private_file};

/// The columns of the classified rows the findings read besides `amount` (which the
/// publication's columns hold).
pub const FINDINGS_COLUMNS: &[&str] = &["person_id", "award_id", "benefit", "violation"];

/// The file's name in `<root>/rejects/<period>/`.
pub const FINDINGS_FILE: &str = "classify_findings.csv";

/// The findings: `person_id`, `award_id` (the awards of the benefit in force, `+`-joined),
/// `benefit`, `month`, `computed`, `paid` (EUR, empty without payments), `reason`
/// (`paid_differs` or the violation's code), ordered by person, benefit and reason.
pub fn findings(classified: &Classified, payments: Option<&LazyFrame>) -> Result<DataFrame> {
    let key = [col("person_id"), col("benefit")];
    let computed = classified.rows.clone().lazy().group_by(key.clone()).agg([
        col("amount").sum().alias("computed"),
        col("award_id")
            .sort(SortOptions::default())
            .str()
            .join("+", true),
    ]);
    let paid = match payments {
        Some(payments) => collect_streaming(
            payments
                .clone()
                .filter(
                    col("payment_type")
                        .eq(lit("regular"))
                        .and(col("period_month").eq(date_lit(classified.month))),
                )
                .group_by(key.clone())
                .agg([col("amount").sum().alias("paid")]),
        )?,
        None => DataFrame::new(
            0,
            vec![
                Column::new_empty("person_id".into(), &DataType::String),
                Column::new_empty("benefit".into(), &DataType::String),
                Column::new_empty("paid".into(), &DataType::Int64),
            ],
        )?,
    };
    let columns = [
        col("person_id"),
        col("award_id"),
        col("benefit"),
        col("computed"),
        col("paid"),
        col("reason"),
    ];
    let mut parts = Vec::new();
    if payments.is_some() {
        let mut full = JoinArgs::new(JoinType::Full);
        full.coalesce = JoinCoalesce::CoalesceColumns;
        parts.push(
            computed
                .join(paid.clone().lazy(), key.clone(), key.clone(), full)
                .with_columns([
                    col("computed").fill_null(lit(0i64)),
                    col("paid").fill_null(lit(0i64)),
                ])
                .filter(col("computed").neq(col("paid")))
                .with_column(lit("paid_differs").alias("reason"))
                .select(columns.clone()),
        );
    }
    let paid_of_benefit = if payments.is_some() {
        col("paid").fill_null(lit(0i64))
    } else {
        col("paid")
    };
    parts.push(
        classified
            .rows
            .clone()
            .lazy()
            .filter(col("violation").is_not_null())
            .join(
                paid.lazy(),
                key.clone(),
                key.clone(),
                JoinArgs::new(JoinType::Left),
            )
            .select([
                col("person_id"),
                col("award_id"),
                col("benefit"),
                col("amount").alias("computed"),
                paid_of_benefit.alias("paid"),
                col("violation").alias("reason"),
            ]),
    );
    Ok(concat(parts, UnionArgs::default())?
        .sort(
            ["person_id", "benefit", "reason"],
            SortMultipleOptions::default(),
        )
        .collect()?)
}

/// Writes the findings as CSV (money as EUR with two decimals) to
/// `<root>/rejects/<period>/classify_findings.csv`, owner-only.
pub fn write_findings(
    findings: &DataFrame,
    month: chrono::NaiveDate,
    root: &Path,
    period: &str,
) -> Result<PathBuf> {
    let euros = |name: &str| -> Result<Column> {
        let text: StringChunked = findings
            .column(name)?
            .i64()?
            .iter()
            .map(|v| v.map(cents_text))
            .collect();
        Ok(text.with_name(name.into()).into_column())
    };
    let n = findings.height();
    let mut table = DataFrame::new(
        n,
        vec![
            findings.column("person_id")?.clone(),
            findings.column("award_id")?.clone(),
            findings.column("benefit")?.clone(),
            Column::new("month".into(), vec![month.format("%Y-%m").to_string(); n]),
            euros("computed")?,
            euros("paid")?,
            findings.column("reason")?.clone(),
        ],
    )?;
    let dir = root.join("rejects").join(period);
    create_private_dir(&dir)?;
    let path = dir.join(FINDINGS_FILE);
    let file = private_file(&path)?;
    CsvWriter::new(file).finish(&mut table)?;
    Ok(path)
}
