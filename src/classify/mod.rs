//! Classify: every award in force in the reference month, tagged and with the monthly amount
//! the rules of rules.md give, computed as polars expressions over the whole register.
//!
//! The intermediate amounts of every step stay as columns (`np_*`, `sp_*`, `gp_*`, …), so that
//! `explain` shows one person's computation from the very frame the statistics come from.
pub mod explain;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use polars::prelude::*;

use crate::calendar::{
    age_at, date_lit, last_day_of_month, month_index, month_number_of, months_between, year_of, ymd,
};
use crate::codes::age_group;
use crate::error::Result;
use crate::money::{div_round, int, max0, max_of, min_of};
use crate::params::MonthParameters;
use crate::perf::chunks::{by_key_chunks, CHUNK_KEYS};
use crate::perf::distinct::check_distinct;
use crate::perf::keys::{award_key, person_key, AWARD_KEY, PERSON_KEY};
use crate::perf::positions::{benefit_number, position_in, BENEFIT_NUMBER};
use crate::perf::runs::{run_sums, tag_of_position, ID, TAG};
use crate::regions::Classification;
use crate::registers::INCOME_TYPES;

pub const NP: &str = "national_pension";
pub const GP: &str = "guarantee_pension";
pub const SP: &str = "spouse_pension";
pub const OP: &str = "orphan_pension";
pub const CI: &str = "child_increase";
pub const FVS: &str = "front_veteran_supplement";
pub const AFVS: &str = "additional_front_veteran_supplement";

/// The lowest age of an early old-age pension by cohort (rules.md, eligibility): born up to
/// the first year, from the age; born 1962 or later, none.
pub const EARLY_OLD_AGE_COHORTS: [(i32, i64); 3] = [(1951, 62), (1957, 63), (1961, 64)];

/// The lowest age of an early old-age pension for a cohort, `None` for a cohort without one.
pub fn early_old_age_min_age(born: i32) -> Option<i64> {
    EARLY_OLD_AGE_COHORTS
        .iter()
        .find(|(last_born, _)| born <= *last_born)
        .map(|(_, age)| *age)
}

/// A spouse's pension is in its initial phase in the months 1 to 6 after the death (rules.md).
pub const SP_INITIAL_MONTHS: i64 = 6;

/// Income types counted by the national pension, the guarantee pension and the additional
/// front-veterans' supplement (registers.md).
const PENSION_INCOME: [&str; 4] = [
    "earnings_related_pension",
    "foreign_pension",
    "survivors_pension",
    "accident_pension",
];

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

fn c(name: &str) -> Expr {
    col(name)
}

/// A window over the person's awards in force (partitioned by the person key, not by the
/// identifier string).
fn per_person(e: Expr) -> Expr {
    e.over([c(PERSON_KEY)])
        .expect("a window partitioned by a column is valid")
}

fn is(benefit: &str) -> Expr {
    c("benefit").eq(lit(benefit))
}

fn kind_in(kinds: &[&str]) -> Expr {
    c("kind").is_in(lit(Series::new("".into(), kinds)).implode(false), false)
}

fn money(p: &MonthParameters, name: &str) -> Expr {
    int(p.cents(name).expect("covered parameter"))
}

/// `round2((Y − T) / 24)` cents when `Y > T`, else 0; `y` in whole euros a year.
fn income_reduction(y: Expr, t_euros: i64) -> Expr {
    when(y.clone().gt(int(t_euros)))
        .then(div_round((y - int(t_euros)) * int(100), int(24)))
        .otherwise(int(0))
}

/// `round0(12 × monthly cents / 100)`: yearly income in euros.
fn yearly_euros(monthly_cents: Expr) -> Expr {
    div_round(monthly_cents * int(12), int(100))
}

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
    let p = input.params;
    let month = p.month;
    let last_day = last_day_of_month(month);
    // Keyed once: each chunk keeps its persons by key. Persons, awards and incomes are joined
    // by person key (keys.rs), which needs the keys of the persons given distinct.
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
        let lf = with_person_terms(lf, p, month, last_day);
        let lf = with_national_pension(lf, p, month);
        let lf = with_spouse_pension(lf, p, month);
        let lf = with_other_benefits(lf, p, month);
        let lf = with_violations(lf, month).with_columns([
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

/// Person-level terms: age, tested incomes in euros a year and their reductions.
fn with_person_terms(
    lf: LazyFrame,
    p: &MonthParameters,
    month: NaiveDate,
    last_day: NaiveDate,
) -> LazyFrame {
    let t = p.euros("np_income_limit").expect("covered parameter");
    let pension_income = PENSION_INCOME
        .iter()
        .map(|t| c(&format!("inc_{t}")))
        .reduce(|a, b| a + b)
        .expect("income types");
    lf.with_columns([
        age_at(c("birth_date"), date_lit(last_day)).alias("age"),
        pension_income.alias("income_pension"),
        c("death_date")
            .is_not_null()
            .and(month_index(c("death_date")).lt(int(month_number_of(month))))
            .alias("after_death"),
    ])
    .with_columns([
        age_group(c("age")).alias("age_group"),
        yearly_euros(c("income_pension")).alias("y_np"),
        // Spouse's pension: earned income counts at 60 %, exactly, before rounding to the euro.
        div_round(
            (c("income_pension") + c("inc_capital_income")) * int(120)
                + c("inc_earned_income") * int(72),
            int(1000),
        )
        .alias("y_sp"),
        yearly_euros(c("inc_survivors_pension")).alias("y_op"),
    ])
    .with_columns([
        income_reduction(c("y_np"), t).alias("reduction_np"),
        income_reduction(c("y_sp"), t).alias("reduction_sp"),
        income_reduction(c("y_op"), t).alias("reduction_op"),
    ])
}

/// Residence months short of `share × total` scale an amount by `months / (share × total)`.
struct Residence {
    months: Expr,
    total: Expr,
    share_per_mille: i64,
}

impl Residence {
    /// `total` = months from the 16th birthday to the earlier of `until` and the 65th
    /// birthday, computed into the column `total_column` (once: the scaling refers to it).
    fn new(months: Expr, total_column: &str, share_per_mille: i64) -> Residence {
        Residence {
            months,
            total: c(total_column),
            share_per_mille,
        }
    }

    fn total(birth: Expr, until: Expr) -> Expr {
        min_of(months_between(birth, until), int(65 * 12)) - int(16 * 12)
    }

    fn applies(&self) -> Expr {
        self.months
            .clone()
            .is_not_null()
            .and(self.total.clone().gt(int(0)))
            .and(
                (self.months.clone() * int(1000))
                    .lt(self.total.clone() * int(self.share_per_mille)),
            )
    }

    fn scale(&self, amount: Expr) -> Expr {
        when(self.applies())
            .then(div_round(
                amount.clone() * self.months.clone() * int(1000),
                self.total.clone() * int(self.share_per_mille),
            ))
            .otherwise(amount)
    }
}

/// Steps 3 and 4 of the national pension: income test, early reduction, deferral increase.
fn np_income_early_deferral(full: Expr, p: &MonthParameters) -> (Expr, Expr, Expr) {
    let r = p.rates;
    let after_income = max0(full - c("reduction_np"));
    let early_factor = max0(
        int(1000)
            - c("early_months").fill_null(int(0)) * int(r.early_reduction_per_mille_per_month),
    );
    let after_early = when(c("kind").eq(lit("early_old_age")))
        .then(div_round(after_income.clone() * early_factor, int(1000)))
        .otherwise(after_income.clone());
    let rate = when(year_of(c("birth_date")).lt(int(1962)))
        .then(int(r.deferral_increase_per_mille_per_month_born_before_1962))
        .otherwise(int(r.deferral_increase_per_mille_per_month));
    let deferral = c("deferral_months").fill_null(int(0));
    let after_deferral = when(deferral.clone().gt(int(0)))
        .then(div_round(
            after_early.clone() * (int(1000) + rate * deferral),
            int(1000),
        ))
        .otherwise(after_early.clone());
    (after_income, after_early, after_deferral)
}

fn with_national_pension(lf: LazyFrame, p: &MonthParameters, _month: NaiveDate) -> LazyFrame {
    let r = p.rates;
    let residence = Residence::new(
        c("residence_months"),
        "np_residence_total",
        r.residence_full_share_per_mille,
    );
    let full = when(c("family_status").eq(lit("couple")))
        .then(money(p, "np_full_couple"))
        .otherwise(money(p, "np_full_single"));
    let (after_income, after_early, after_deferral) = np_income_early_deferral(c("np_full"), p);
    let (_, _, unadjusted) = np_income_early_deferral(c("np_full_unadjusted"), p);
    let dormant = is(NP)
        .and(kind_in(&["disability", "rehabilitation_subsidy"]))
        .and(c("inc_earned_income").gt(money(p, "disability_earnings_limit")));
    let np = is(NP);
    let lf = lf
        .with_columns([
            full.alias("np_full_unadjusted"),
            Residence::total(c("birth_date"), c("start_date")).alias("np_residence_total"),
        ])
        .with_columns([np
            .clone()
            .and(residence.applies())
            .alias("residence_adjusted")])
        .with_columns([residence.scale(c("np_full_unadjusted")).alias("np_full")])
        .with_columns([
            after_income.alias("np_after_income"),
            after_early.alias("np_after_early"),
            after_deferral.alias("np_after_deferral"),
            unadjusted.alias("np_base_unadjusted"),
            dormant.alias("dormant"),
        ]);
    let amount = when(
        c("after_death")
            .or(c("dormant"))
            .or(c("np_after_deferral").lt(money(p, "np_minimum"))),
    )
    .then(int(0))
    .otherwise(c("np_after_deferral"));
    let np_amount = when(np.clone()).then(amount).otherwise(int(0));
    lf.with_columns([
        np_amount.alias("np_amount"),
        when(np.clone())
            .then(c("kind"))
            .otherwise(lit(NULL).cast(DataType::String))
            .alias("np_kind"),
        when(np.clone())
            .then(
                when(
                    c("reduction_np")
                        .eq(int(0))
                        .and(c("residence_adjusted").not()),
                )
                .then(lit("full"))
                .otherwise(lit("reduced")),
            )
            .otherwise(lit(NULL).cast(DataType::String))
            .alias("np_composition"),
        np.clone()
            .and(c("kind").eq(lit("early_old_age")))
            .and(c("early_months").fill_null(int(0)).gt(int(0)))
            .alias("early"),
        np.clone()
            .and(c("deferral_months").fill_null(int(0)).gt(int(0)))
            .alias("deferred"),
    ])
    .with_columns([
        per_person(c("np_amount").sum()).alias("np_person"),
        per_person(
            np.clone()
                .and(kind_in(&["disability", "rehabilitation_subsidy"]))
                .and(c("np_amount").gt(int(0)))
                .any(true),
        )
        .alias("np_disability_paid"),
        per_person(
            when(np)
                .then(c("np_base_unadjusted"))
                .otherwise(int(0))
                .max(),
        )
        .alias("afvs_base"),
    ])
}

fn with_spouse_pension(lf: LazyFrame, p: &MonthParameters, month: NaiveDate) -> LazyFrame {
    let residence = Residence::new(
        c("residence_months"),
        "sp_residence_total",
        p.rates.residence_full_share_per_mille,
    );
    let since_death = int(month_number_of(month)) - month_index(c("deceased_death_date"));
    let sp = is(SP);
    let additional_max = when(c("family_status").eq(lit("couple")))
        .then(money(p, "sp_additional_max_couple"))
        .otherwise(money(p, "sp_additional_max_single"));
    let lf = lf.with_column(
        Residence::total(c("deceased_birth_date"), c("deceased_death_date"))
            .alias("sp_residence_total"),
    );
    let lf = lf.with_columns([
        since_death.alias("months_since_death"),
        sp.clone()
            .and(residence.applies())
            .alias("sp_residence_adjusted"),
        residence
            .scale(money(p, "sp_initial"))
            .alias("sp_initial_amount"),
        residence
            .scale(money(p, "sp_basic"))
            .alias("sp_basic_amount"),
        residence.scale(additional_max).alias("sp_additional_max"),
    ]);
    let initial = max0(c("sp_initial_amount") - c("np_person"));
    let basic = when(c("child_under_18").fill_null(lit(false)))
        .then(c("sp_basic_amount"))
        .otherwise(int(0));
    let additional = max0(c("sp_additional_max") - c("reduction_sp"));
    let is_initial = c("months_since_death").lt_eq(int(SP_INITIAL_MONTHS));
    let lf = lf.with_columns([
        when(is_initial.clone())
            .then(initial)
            .otherwise(
                when(c("np_person").gt(int(0)))
                    .then(int(0))
                    .otherwise(basic.clone() + additional.clone()),
            )
            .alias("sp_computed"),
        basic.alias("sp_basic_part"),
        additional.alias("sp_additional_part"),
    ]);
    let zero = c("after_death")
        .or(c("months_since_death").lt_eq(int(0)))
        .or(c("age").gt_eq(int(65)))
        .or(c("sp_computed").lt(money(p, "np_minimum")));
    let phase = when(sp.clone())
        .then(
            when(is_initial.clone())
                .then(lit("initial"))
                .otherwise(lit("continuing")),
        )
        .otherwise(lit(NULL).cast(DataType::String));
    let continuing = sp.clone().and(is_initial.not());
    let composition = when(continuing)
        .then(
            when(
                c("sp_basic_part")
                    .gt(int(0))
                    .and(c("sp_additional_part").gt(int(0))),
            )
            .then(lit("basic_and_additional"))
            .when(c("sp_basic_part").gt(int(0)))
            .then(lit("basic_only"))
            .otherwise(lit("additional_only")),
        )
        .otherwise(lit(NULL).cast(DataType::String));
    lf.with_columns([
        when(sp.clone().and(zero.not()))
            .then(c("sp_computed"))
            .otherwise(int(0))
            .alias("sp_amount"),
        phase.alias("sp_phase"),
        composition.alias("sp_composition"),
    ])
    .with_columns([per_person(c("sp_amount").sum()).alias("sp_person")])
}

fn with_other_benefits(lf: LazyFrame, p: &MonthParameters, month: NaiveDate) -> LazyFrame {
    let r = p.rates;
    let minimum = money(p, "np_minimum");
    // Guarantee pension.
    let gp_factor = max0(
        int(1000)
            - c("early_months").fill_null(int(0)) * int(r.early_reduction_per_mille_per_month),
    );
    let gp_in_force = crate::params::guarantee_pension_in_force(month);
    let gp_full = if gp_in_force {
        div_round(money(p, "gp_full") * gp_factor, int(1000))
    } else {
        int(0)
    };
    let gp_net = gp_full.clone() - c("np_person") - c("sp_person") - c("income_pension");
    // Orphan's pension.
    let op_additional = when(c("kind").eq(lit("child")))
        .then(max0(money(p, "op_additional") - c("reduction_op")))
        .otherwise(int(0));
    let op_age_ok = when(c("kind").eq(lit("child")))
        .then(c("age").lt(int(18)))
        .otherwise(c("age").gt_eq(int(18)).and(c("age").lt_eq(int(20))));
    let op_total = money(p, "op_basic") + c("op_additional_part");
    let op_paid = c("months_since_death")
        .gt(int(0))
        .and(op_age_ok)
        .and(c("np_disability_paid").not());
    // Child increase: paid with a national pension or an earnings-related pension.
    let ci_paid = c("np_person")
        .gt(int(0))
        .or(c("inc_earnings_related_pension").gt(int(0)));
    // Additional front-veterans' supplement.
    let afvs_known =
        month >= ymd(2020, 1, 1) && crate::params::AFVS_ONLY.iter().all(|n| p.get(n).is_some());
    let afvs = if afvs_known {
        let t = p.euros("np_income_limit").expect("covered parameter");
        let y = c("y_np");
        let below = min_of(y.clone(), int(t)) * int(100);
        let above = max0(y - int(t)) * int(100);
        let percent = max_of(
            int(r.afvs_min_percent),
            int(r.afvs_max_percent)
                - below.floor_div(money(p, "afvs_step1"))
                - above.floor_div(money(p, "afvs_step2")),
        );
        let threshold = money(p, "afvs_threshold");
        let eligible = c("country")
            .eq(lit("FI"))
            .and(c("front_veteran").eq(lit("front")).fill_null(lit(false)))
            .and(c("np_person").gt(int(0)));
        let raw = when(c("afvs_base").gt(threshold.clone()))
            .then(div_round(
                c("afvs_percent") * (c("afvs_base") - threshold),
                int(100),
            ))
            .otherwise(int(0));
        vec![
            percent.alias("afvs_percent"),
            eligible.alias("afvs_eligible"),
            raw.alias("afvs_raw"),
        ]
    } else {
        vec![
            lit(NULL).cast(DataType::Int64).alias("afvs_percent"),
            lit(false).alias("afvs_eligible"),
            int(0).alias("afvs_raw"),
        ]
    };
    let afvs_min = if afvs_known {
        money(p, "afvs_minimum")
    } else {
        int(0)
    };
    let lf = lf
        .with_columns([
            gp_full.alias("gp_full_after_early"),
            gp_net.alias("gp_net"),
            op_additional.alias("op_additional_part"),
            afvs_min.alias("afvs_minimum"),
        ])
        .with_columns([afvs[0].clone()])
        .with_columns(afvs[1..].to_vec());
    let amount = when(c("after_death"))
        .then(int(0))
        .when(is(NP))
        .then(c("np_amount"))
        .when(is(SP))
        .then(c("sp_amount"))
        .when(is(GP))
        .then(
            when(lit(!gp_in_force).or(c("gp_net").lt(minimum.clone())))
                .then(int(0))
                .otherwise(c("gp_net")),
        )
        .when(is(OP))
        .then(
            when(op_paid.and(op_total.clone().gt_eq(minimum)))
                .then(op_total)
                .otherwise(int(0)),
        )
        .when(is(CI))
        .then(
            when(ci_paid)
                .then(c("children") * money(p, "child_increase"))
                .otherwise(int(0)),
        )
        .when(is(FVS))
        .then(money(p, "fvs"))
        .when(is(AFVS))
        .then(
            // The minimum is a floor paid to every entitled person (Front Veterans' Pension
            // Act 9 a §: "always paid at least"), also when the base is at or below the threshold.
            when(c("afvs_eligible"))
                .then(max_of(c("afvs_minimum"), c("afvs_raw")))
                .otherwise(int(0)),
        )
        .otherwise(int(0));
    let afvs_status = when(is(AFVS))
        .then(lit(if afvs_known {
            "computed"
        } else {
            "not_computed"
        }))
        .otherwise(lit(NULL).cast(DataType::String));
    lf.with_columns([
        amount.alias("amount"),
        when(is(GP))
            .then(c("kind"))
            .otherwise(lit(NULL).cast(DataType::String))
            .alias("gp_basis"),
        afvs_status.alias("afvs_status"),
    ])
}

/// The first rule the award breaks (rules.md "General"); the award is still computed.
fn with_violations(lf: LazyFrame, month: NaiveDate) -> LazyFrame {
    let age = c("age");
    let born = year_of(c("birth_date"));
    // A cohort without an early pension is a violation of its own, checked first.
    let early_age =
        EARLY_OLD_AGE_COHORTS
            .iter()
            .rev()
            .fold(int(i64::MAX), |later, &(last_born, age)| {
                when(born.clone().lt_eq(int(i64::from(last_born))))
                    .then(int(age))
                    .otherwise(later)
            });
    let (last_cohort, _) = EARLY_OLD_AGE_COHORTS[EARLY_OLD_AGE_COHORTS.len() - 1];
    let disability_min_age = if month >= ymd(2025, 1, 1) { 18 } else { 16 };
    let np_kind = |k: &str| is(NP).and(c("kind").eq(lit(k.to_string())));
    let gp_in_force = crate::params::guarantee_pension_in_force(month);
    let violation = when(c("after_death"))
        .then(lit("award_after_death"))
        .when(is(GP).and(lit(!gp_in_force)))
        .then(lit("gp_not_in_force"))
        .when(np_kind("old_age").and(age.clone().lt(int(65))))
        .then(lit("old_age_below_pension_age"))
        .when(np_kind("early_old_age").and(born.gt(int(i64::from(last_cohort)))))
        .then(lit("early_old_age_cohort_without_early_pension"))
        .when(np_kind("early_old_age").and(age.clone().lt(early_age)))
        .then(lit("early_old_age_below_cohort_age"))
        .when(
            is(NP)
                .and(kind_in(&["disability", "rehabilitation_subsidy"]))
                .and(age.clone().lt(int(disability_min_age)).or(age.gt(int(64)))),
        )
        .then(lit("disability_outside_ages"))
        .when(is(FVS).and(c("front_veteran").is_null()))
        .then(lit("front_veteran_supplement_without_status"))
        .otherwise(lit(NULL).cast(DataType::String));
    lf.with_column(violation.alias("violation"))
}

#[cfg(test)]
mod tests {
    use super::*;
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
