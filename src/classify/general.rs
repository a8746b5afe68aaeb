//! rules.md "Rounding", "Ages and months" and "General": the terms every benefit reads (the
//! person's age and age group, the tested incomes in euros a year and their reductions, whether
//! the month is after the death), the residence adjustment, and the expression helpers of the
//! rules.
use chrono::NaiveDate;
use polars::prelude::*;

use crate::calendar::{age_at, date_lit, month_index, month_number_of, months_between};
use crate::codes::age_group;
use crate::money::{div_round, int, min_of};
use crate::params::{Law, RuleParameters};
use crate::perf::keys::PERSON_KEY;

/// Income types counted by the national pension, the guarantee pension and the additional
/// front-veterans' supplement (registers.md).
pub(super) const PENSION_INCOME: [&str; 4] = [
    "earnings_related_pension",
    "foreign_pension",
    "survivors_pension",
    "accident_pension",
];

pub(super) fn c(name: &str) -> Expr {
    col(name)
}

/// A window over the person's awards in force (partitioned by the person key, not by the
/// identifier string).
pub(super) fn per_person(e: Expr) -> Expr {
    e.over([c(PERSON_KEY)])
        .expect("a window partitioned by a column is valid")
}

pub(super) fn is(benefit: &str) -> Expr {
    c("benefit").eq(lit(benefit))
}

pub(super) fn kind_in(kinds: &[&str]) -> Expr {
    c("kind").is_in(lit(Series::new("".into(), kinds)).implode(false), false)
}

/// `round2((Y − T) / 24)` cents when `Y > T`, else 0; `y` in whole euros a year.
pub(super) fn income_reduction(y: Expr, t_euros: i64) -> Expr {
    when(y.clone().gt(int(t_euros)))
        .then(div_round((y - int(t_euros)) * int(100), int(24)))
        .otherwise(int(0))
}

/// `round0(12 × monthly cents / 100)`: yearly income in euros.
pub(super) fn yearly_euros(monthly_cents: Expr) -> Expr {
    div_round(monthly_cents * int(12), int(100))
}

/// Person-level terms: age, tested incomes in euros a year and their reductions.
pub(super) fn with_person_terms(
    lf: LazyFrame,
    p: &RuleParameters,
    month: NaiveDate,
    last_day: NaiveDate,
) -> LazyFrame {
    let t = p.amounts.np_income_limit_euros;
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
pub(super) struct Residence {
    months: Expr,
    total: Expr,
    share_per_mille: i64,
}

impl Residence {
    /// `total` = months from the 16th birthday to the earlier of `until` and the 65th
    /// birthday, computed into the column `total_column` (once: the scaling refers to it).
    pub(super) fn new(months: Expr, total_column: &str, share_per_mille: i64) -> Residence {
        Residence {
            months,
            total: c(total_column),
            share_per_mille,
        }
    }

    pub(super) fn total(birth: Expr, until: Expr, law: &Law) -> Expr {
        let (from, to) = (law.residence_from_age.value, law.pension_age.value);
        min_of(months_between(birth, until), int(to * 12)) - int(from * 12)
    }

    pub(super) fn applies(&self) -> Expr {
        self.months
            .clone()
            .is_not_null()
            .and(self.total.clone().gt(int(0)))
            .and(
                (self.months.clone() * int(1000))
                    .lt(self.total.clone() * int(self.share_per_mille)),
            )
    }

    pub(super) fn scale(&self, amount: Expr) -> Expr {
        when(self.applies())
            .then(div_round(
                amount.clone() * self.months.clone() * int(1000),
                self.total.clone() * int(self.share_per_mille),
            ))
            .otherwise(amount)
    }
}
