//! The classification stage: every award in force in the reference month with its person and
//! the month's incomes, classified by the rules (`super::rules`) about `CHUNK_KEYS` persons at
//! a time, `perf::threads()` chunks at once, with the quality counts of every chunk.
use std::collections::BTreeMap;

use chrono::NaiveDate;
use polars::prelude::*;

use super::general::c;
use super::rules;
use crate::calendar::{date_lit, last_day_of_month};
use crate::error::Result;
use crate::money::int;
use crate::params::{Law, MonthParameters};
use crate::perf::chunks::{by_key_chunks, CHUNK_KEYS};
use crate::perf::distinct::check_distinct;
use crate::perf::keys::{award_key, person_key, AWARD_KEY, PERSON_KEY};
use crate::perf::positions::{benefit_number, position_in, BENEFIT_NUMBER};
use crate::perf::runs::{run_sums, tag_of_position, ID, TAG};
use crate::regions::Classification;
use crate::registers::INCOME_TYPES;

pub struct Input<'a> {
    pub persons: &'a LazyFrame,
    pub awards: &'a LazyFrame,
    /// Streamed: only the reference month's rows are read.
    pub income: Option<&'a LazyFrame>,
    pub classification: &'a Classification,
    pub params: &'a MonthParameters,
}

#[derive(Debug, Clone)]
pub struct Classified {
    pub month: NaiveDate,
    /// One row per award in force in the month, with every step, tag and `amount` (cents),
    /// and the `PERSON_KEY`, `AWARD_KEY` and `BENEFIT_NUMBER` the publication joins by.
    pub rows: DataFrame,
    pub violations: BTreeMap<String, usize>,
    /// Awards of the additional front-veterans' supplement not computed (unknown parameters).
    pub not_computed: usize,
    /// The law the rows were classified by (the publication reads the spouse's-pension phase).
    pub law: Law,
}

/// The tag and amount columns of a classified row, without the step columns.
pub const PUBLIC_COLUMNS: &[&str] = &[
    "award_id",
    "person_id",
    "benefit",
    "kind",
    "amount",
    "np_kind",
    "np_composition",
    "residence_adjusted",
    "early",
    "deferred",
    "dormant",
    "sp_phase",
    "sp_composition",
    "gp_basis",
    "afvs_status",
    "violation",
    "sex",
    "age",
    "age_group",
    "municipality",
    "wellbeing_county",
    "region",
    "country",
    "lives_abroad",
    "start_date",
];

/// The columns the publication reads: all that `run` keeps of the classified frame (each
/// intermediate amount is dropped once used, which at national scale is most of the memory).
/// The person, the award and the benefit by key and number, as the publication joins them:
/// the identifier and benefit strings took three times the memory, held through aggregation.
pub const PUBLICATION_COLUMNS: &[&str] = &[
    PERSON_KEY,
    AWARD_KEY,
    BENEFIT_NUMBER,
    "amount",
    "np_composition",
    "sp_composition",
];

/// The columns the quality counts of every classification read (`Classified::violations`,
/// `Classified::not_computed`), counted chunk by chunk and kept only where asked for.
const COUNTED_COLUMNS: [&str; 2] = ["violation", "afvs_status"];

/// Every award in force in the month, with every intermediate amount (for `explain` and tests).
pub fn classify(input: &Input) -> Result<Classified> {
    classify_keeping(input, None)
}

/// As `classify`, keeping only `columns` (all when `None`).
pub fn classify_keeping(input: &Input, columns: Option<&[&str]>) -> Result<Classified> {
    classify_in_chunks(input, columns, CHUNK_KEYS)
}

/// As `classify_keeping`, classifying about `chunk_persons` persons at a time (the persons
/// whose key modulo the number of chunks is the chunk's number).
pub fn classify_in_chunks(
    input: &Input,
    columns: Option<&[&str]>,
    chunk_persons: usize,
) -> Result<Classified> {
    // The month's values, typed, read once for every chunk.
    let p = &input.params.typed()?;
    let month = p.month;
    let last_day = last_day_of_month(month);
    // Keyed once: each chunk keeps its persons by key. Persons, awards and incomes are joined
    // by person key (perf::keys), which needs the keys of the persons given distinct.
    let persons = input
        .persons
        .clone()
        .with_column(person_key(c("person_id")))
        .collect()?;
    let persons_given = check_distinct(&persons, "person_id", PERSON_KEY)?;
    // Filtered for the month within each chunk: the filtered rows would be a copy of nearly
    // all awards held through the stage, where the awards as read share the ingested columns.
    let awards = input
        .awards
        .clone()
        .with_column(person_key(c("person_id")))
        .collect()?;
    let started = std::time::Instant::now();
    let income = income_frame(input.income, month)?;
    tracing::debug!(seconds = started.elapsed().as_secs_f64(), "income sums");
    // Every rule reads one person's awards only, so persons are classified in chunks.
    let frames = [awards, persons, income];
    let counted: std::sync::Mutex<[BTreeMap<String, usize>; 2]> = Default::default();
    let mut rows = by_key_chunks(PERSON_KEY, frames, persons_given, chunk_persons, |chunk| {
        let [awards, persons, income] = chunk;
        let lf = awards_in_force(&awards.lazy(), month, last_day)
            .join(
                persons_frame(&persons.lazy(), input.classification)?
                    .select([all().exclude_cols(["person_id"]).as_expr()]),
                [c(PERSON_KEY)],
                [c(PERSON_KEY)],
                JoinArgs::new(JoinType::Inner),
            )
            .join(
                income.lazy(),
                [c(PERSON_KEY)],
                [c(PERSON_KEY)],
                JoinArgs::new(JoinType::Left),
            )
            .with_columns(
                INCOME_TYPES
                    .iter()
                    .map(|t| c(&format!("inc_{t}")).fill_null(int(0)))
                    .collect::<Vec<_>>(),
            );
        let lf = rules(lf, p, month, last_day).with_columns([
            award_key(c("award_id")),
            benefit_number(c("benefit")).alias(BENEFIT_NUMBER),
        ]);
        let kept = match columns {
            Some(names) => names
                .iter()
                .chain(COUNTED_COLUMNS.iter().filter(|n| !names.contains(n)))
                .map(|n| c(n))
                .collect::<Vec<_>>(),
            None => vec![all().as_expr()],
        };
        let mut rows = lf.select(kept).collect()?;
        let mut counts = counted
            .lock()
            .expect("no chunk panicked holding the counts");
        for (column, count) in COUNTED_COLUMNS.iter().zip(counts.iter_mut()) {
            count_values(&rows, column, count)?;
            if columns.is_some_and(|names| !names.contains(column)) {
                rows.drop_in_place(column)?;
            }
        }
        Ok(rows)
    })?;
    // The publication reads the rows by key, so only the full frame (explain, tests) is put
    // in person, benefit and award order.
    if columns.is_none() {
        rows = rows.sort(
            ["person_id", "benefit", "award_id"],
            SortMultipleOptions::default(),
        )?;
    }
    let [violations, afvs_status] = counted.into_inner().expect("the chunks are done");
    let not_computed = afvs_status.get("not_computed").copied().unwrap_or(0);
    Ok(Classified {
        month,
        rows,
        violations,
        not_computed,
        law: p.law.clone(),
    })
}

/// Adds the number of rows of `df` with each value of `column` to `counts`.
fn count_values(df: &DataFrame, column: &str, counts: &mut BTreeMap<String, usize>) -> Result<()> {
    for v in df.column(column)?.str()?.iter().flatten() {
        *counts.entry(v.to_string()).or_insert(0) += 1;
    }
    Ok(())
}

fn awards_in_force(awards: &LazyFrame, month: NaiveDate, last_day: NaiveDate) -> LazyFrame {
    awards.clone().filter(
        c("start_date").lt_eq(date_lit(last_day)).and(
            c("end_date")
                .is_null()
                .or(c("end_date").gt_eq(date_lit(month))),
        ),
    )
}

/// The persons (with their `PERSON_KEY`) as the rules read them: where they live, with the
/// region and wellbeing services county of their municipality.
pub fn persons_frame(persons: &LazyFrame, classification: &Classification) -> Result<LazyFrame> {
    let m = &classification.municipalities;
    let regions = df!(
        "municipality" => m.iter().map(|x| x.code.as_str()).collect::<Vec<_>>(),
        "wellbeing_county" => m.iter().map(|x| x.county.as_str()).collect::<Vec<_>>(),
        "region" => m.iter().map(|x| x.region.as_str()).collect::<Vec<_>>(),
    )?;
    let abroad = c("country").neq(lit("FI"));
    Ok(persons
        .clone()
        .select([
            c("person_id"),
            c(PERSON_KEY),
            c("birth_date"),
            c("sex"),
            c("death_date"),
            when(abroad.clone())
                .then(lit(NULL).cast(DataType::String))
                .otherwise(c("municipality"))
                .alias("municipality"),
            c("country"),
            c("family_status"),
            c("front_veteran"),
            abroad.alias("lives_abroad"),
        ])
        .join(
            regions.lazy(),
            [c("municipality")],
            [c("municipality")],
            JoinArgs::new(JoinType::Left),
        ))
}

/// Monthly sums per person of each income type in the reference month (`inc_<type>`, cents).
/// Streamed, added up by runs of rows (`runs::run_sums`): only the month's sums are kept.
fn income_frame(income: Option<&LazyFrame>, month: NaiveDate) -> Result<DataFrame> {
    let sums = match income {
        Some(income) => run_sums(
            income
                .clone()
                .filter(c("month").eq(date_lit(month)))
                .select([
                    person_key(c("person_id")).alias(ID),
                    tag_of_position(position_in(c("income_type"), INCOME_TYPES)).alias(TAG),
                    c("amount"),
                ]),
        )?,
        None => Vec::new(),
    };
    // One row per person (the sums come in key order), a column per type; a person with
    // income of no listed type has zeros.
    let mut persons: Vec<Option<u64>> = Vec::new();
    let mut by_type: Vec<Vec<i64>> = vec![Vec::new(); INCOME_TYPES.len()];
    for ((person, tag), amount) in sums {
        if persons.last() != Some(&person) {
            persons.push(person);
            by_type.iter_mut().for_each(|column| column.push(0));
        }
        if let Some(column) = tag.checked_sub(1).and_then(|t| by_type.get_mut(t as usize)) {
            *column.last_mut().expect("a row per person") = amount;
        }
    }
    let mut columns = vec![UInt64Chunked::from_iter(persons)
        .with_name(PERSON_KEY.into())
        .into_column()];
    columns.extend(
        INCOME_TYPES
            .iter()
            .zip(by_type)
            .map(|(t, sums)| Column::new(format!("inc_{t}").into(), sums)),
    );
    Ok(DataFrame::new(columns[0].len(), columns)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::ymd;
    use crate::perf::keys::key_of;

    /// The month's income per person and type: two rows of one type add up, another month and
    /// an unlisted type count nowhere (the person still has a row, of zeros).
    #[test]
    fn income_is_summed_per_person_and_type_for_the_month() {
        let d = |m| ymd(2024, m, 1);
        let income = df!(
            "person_id" => ["P1", "P1", "P1", "P1", "P2"],
            "month" => [d(12), d(12), d(11), d(12), d(12)],
            "income_type" => ["foreign_pension", "foreign_pension", "foreign_pension", "earned_income", "lottery"],
            "amount" => [100i64, 20, 5_000, 7, 9],
        )
        .unwrap()
        .lazy();
        let sums = income_frame(Some(&income), d(12)).unwrap();
        let row = |person: &str| {
            let mut keys = sums.column(PERSON_KEY).unwrap().u64().unwrap().iter();
            let at = keys.position(|k| k == Some(key_of(person))).unwrap();
            INCOME_TYPES
                .iter()
                .map(|t| {
                    let column = sums.column(&format!("inc_{t}")).unwrap();
                    column.i64().unwrap().get(at).unwrap()
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(sums.height(), 2);
        assert_eq!(row("P1"), [0, 120, 0, 0, 7, 0]);
        assert_eq!(row("P2"), [0; 6]);
        assert_eq!(INCOME_TYPES.len(), 6);
    }
}
