//! rules.md "National pension": the full amount, the residence adjustment, the income test,
//! the early reduction and the deferral increase, the minimum and dormancy; the person's
//! national pension that the other benefits read (`np_person`, `np_disability_paid`,
//! `afvs_base`).
use polars::prelude::*;

use super::general::{c, is, kind_in, per_person, Residence};
use super::NP;
use crate::calendar::year_of;
use crate::money::{div_round, int, max0};
use crate::params::RuleParameters;

/// Steps 3 and 4 of the national pension: income test, early reduction, deferral increase.
pub(super) fn np_income_early_deferral(full: Expr, p: &RuleParameters) -> (Expr, Expr, Expr) {
    let r = p.rates;
    let after_income = max0(full - c("reduction_np"));
    let early_factor = max0(
        int(1000)
            - c("early_months").fill_null(int(0)) * int(r.early_reduction_per_mille_per_month),
    );
    let after_early = when(c("kind").eq(lit("early_old_age")))
        .then(div_round(after_income.clone() * early_factor, int(1000)))
        .otherwise(after_income.clone());
    let higher_rate_before = p.law.deferral_higher_rate_born_before.value;
    let rate = when(year_of(c("birth_date")).lt(int(higher_rate_before)))
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

pub(super) fn with_national_pension(lf: LazyFrame, p: &RuleParameters) -> LazyFrame {
    let r = p.rates;
    let residence = Residence::new(
        c("residence_months"),
        "np_residence_total",
        r.residence_full_share_per_mille,
    );
    let full = when(c("family_status").eq(lit("couple")))
        .then(int(p.amounts.np_full_couple))
        .otherwise(int(p.amounts.np_full_single));
    let (after_income, after_early, after_deferral) = np_income_early_deferral(c("np_full"), p);
    let (_, _, unadjusted) = np_income_early_deferral(c("np_full_unadjusted"), p);
    let dormant = is(NP)
        .and(kind_in(&["disability", "rehabilitation_subsidy"]))
        .and(c("inc_earned_income").gt(int(p.amounts.disability_earnings_limit)));
    let np = is(NP);
    let lf = lf
        .with_columns([
            full.alias("np_full_unadjusted"),
            Residence::total(c("birth_date"), c("start_date"), &p.law).alias("np_residence_total"),
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
            .or(c("np_after_deferral").lt(int(p.amounts.np_minimum))),
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
