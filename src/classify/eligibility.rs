//! rules.md "Eligibility checks" (under "National pension") and "General": the first rule an
//! award breaks, as the rule violation the quality report lists; the award is still computed.
use chrono::NaiveDate;
use polars::prelude::*;

use super::general::{c, is, kind_in};
use super::{FVS, GP, NP};
use crate::calendar::{year_of, ymd};
use crate::money::int;

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

/// The first rule the award breaks (rules.md "General"); the award is still computed.
pub(super) fn with_violations(lf: LazyFrame, month: NaiveDate) -> LazyFrame {
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
