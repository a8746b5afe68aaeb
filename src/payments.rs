//! What was paid: the regular payments of a month, per person and benefit, as the recipient
//! tables, the reconciliation and `explain` read them (publication.md, "Recipient"). Read
//! before aggregation, by the pipeline; aggregation only joins the result.
use std::collections::BTreeMap;

use chrono::NaiveDate;
use polars::prelude::*;

use crate::calendar::date_lit;
use crate::error::Result;
use crate::perf::collect_streaming;
use crate::perf::keys::{person_key, PERSON_KEY};
use crate::perf::positions::{benefit_number, BENEFIT_NUMBER};
use crate::perf::runs::{run_sums, tag_of_position, ID, TAG};

/// Each person's regular payments of each benefit for `month`, summed (`PERSON_KEY`,
/// `BENEFIT_NUMBER`, `amount`): who the recipients are and what they were paid
/// (publication.md). One streamed pass over the payments, added up by runs of rows
/// (`runs::run_sums`), read by the recipient tables and by the reconciliation, both of which
/// join it by benefit number.
pub fn paid_in_month(payments: &LazyFrame, month: NaiveDate) -> Result<DataFrame> {
    let keyed = payments
        .clone()
        .filter(
            col("payment_type")
                .eq(lit("regular"))
                .and(col("period_month").eq(date_lit(month))),
        )
        .select([
            person_key(col("person_id")).alias(ID),
            tag_of_position(benefit_number(col("benefit"))).alias(TAG),
            col("amount"),
        ]);
    let sums = run_sums(keyed)?;
    let person: UInt64Chunked = sums.iter().map(|((p, _), _)| *p).collect();
    let benefit: UInt8Chunked = sums
        .iter()
        .map(|((_, tag), _)| tag.checked_sub(1).map(|n| n as u8))
        .collect();
    let amount: Int64Chunked = sums.iter().map(|(_, a)| Some(*a)).collect();
    Ok(DataFrame::new(
        sums.len(),
        vec![
            person.with_name(PERSON_KEY.into()).into_column(),
            benefit.with_name(BENEFIT_NUMBER.into()).into_column(),
            amount.with_name("amount".into()).into_column(),
        ],
    )?)
}

/// One person's regular payments for `month`, per benefit, in cents.
pub fn paid_by_benefit(
    payments: &LazyFrame,
    person: &str,
    month: NaiveDate,
) -> Result<BTreeMap<String, i64>> {
    let paid = collect_streaming(
        payments
            .clone()
            .filter(
                col("person_id")
                    .eq(lit(person))
                    .and(col("payment_type").eq(lit("regular")))
                    .and(col("period_month").eq(date_lit(month))),
            )
            .group_by([col("benefit")])
            .agg([col("amount").sum()]),
    )?;
    let benefits = paid.column("benefit")?.str()?;
    let amounts = paid.column("amount")?.i64()?;
    Ok(benefits
        .iter()
        .zip(amounts.iter())
        .filter_map(|(b, a)| Some((b?.to_string(), a.unwrap_or(0))))
        .collect())
}
