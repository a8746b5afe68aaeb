//! rules.md "Eligibility checks" (under "National pension") and "General": the first rule an
//! award breaks, as the rule violation the quality report lists; the award is still computed.
use polars::prelude::*;

use super::general::{c, is, kind_in};
use super::{FVS, GP, NP};
use crate::calendar::year_of;
use crate::money::int;
use crate::params::RuleParameters;

/// The first rule the award breaks (rules.md "General"); the award is still computed.
pub(super) fn with_violations(lf: LazyFrame, p: &RuleParameters) -> LazyFrame {
    let (law, month) = (&p.law, p.month);
    let cohorts = &law.early_old_age_cohorts.value;
    let age = c("age");
    let born = year_of(c("birth_date"));
    // A cohort without an early pension is a violation of its own, checked first.
    let early_age = cohorts.iter().rev().fold(int(i64::MAX), |later, cohort| {
        let (last_born, age) = (cohort.born_until, cohort.min_age);
        when(born.clone().lt_eq(int(i64::from(last_born))))
            .then(int(age))
            .otherwise(later)
    });
    let last_cohort = cohorts[cohorts.len() - 1].born_until;
    let disability_min_age = law.disability_min_age_on(month);
    let np_kind = |k: &str| is(NP).and(c("kind").eq(lit(k.to_string())));
    let gp_in_force = law.guarantee_pension_in_force(month);
    let violation = when(c("after_death"))
        .then(lit("award_after_death"))
        .when(is(GP).and(lit(!gp_in_force)))
        .then(lit("gp_not_in_force"))
        .when(np_kind("old_age").and(age.clone().lt(int(law.pension_age.value))))
        .then(lit("old_age_below_pension_age"))
        .when(np_kind("early_old_age").and(born.gt(int(i64::from(last_cohort)))))
        .then(lit("early_old_age_cohort_without_early_pension"))
        .when(np_kind("early_old_age").and(age.clone().lt(early_age)))
        .then(lit("early_old_age_below_cohort_age"))
        .when(
            is(NP)
                .and(kind_in(&["disability", "rehabilitation_subsidy"]))
                .and(
                    age.clone()
                        .lt(int(disability_min_age))
                        .or(age.gt(int(law.disability_max_age.value))),
                ),
        )
        .then(lit("disability_outside_ages"))
        .when(is(FVS).and(c("front_veteran").is_null()))
        .then(lit("front_veteran_supplement_without_status"))
        .otherwise(lit(NULL).cast(DataType::String));
    lf.with_column(violation.alias("violation"))
}
