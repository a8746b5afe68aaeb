//! rules.md "Spouse's pension": the phase from the death (initial, continuing), the
//! deceased's residence adjustment, the initial amount over the survivor's national pension,
//! the basic and additional amounts of the continuing pension, the age limit and the minimum.
use chrono::NaiveDate;
use polars::prelude::*;

use super::general::{c, is, per_person, Residence};
use super::SP;
use crate::calendar::{month_index, month_number_of};
use crate::money::{int, max0};
use crate::params::RuleParameters;

pub(super) fn with_spouse_pension(
    lf: LazyFrame,
    p: &RuleParameters,
    month: NaiveDate,
) -> LazyFrame {
    let residence = Residence::new(
        c("residence_months"),
        "sp_residence_total",
        p.rates.residence_full_share_per_mille,
    );
    let since_death = int(month_number_of(month)) - month_index(c("deceased_death_date"));
    let sp = is(SP);
    let additional_max = when(c("family_status").eq(lit("couple")))
        .then(int(p.amounts.sp_additional_max_couple))
        .otherwise(int(p.amounts.sp_additional_max_single));
    let lf = lf.with_column(
        Residence::total(c("deceased_birth_date"), c("deceased_death_date"), &p.law)
            .alias("sp_residence_total"),
    );
    let lf = lf.with_columns([
        since_death.alias("months_since_death"),
        sp.clone()
            .and(residence.applies())
            .alias("sp_residence_adjusted"),
        residence
            .scale(int(p.amounts.sp_initial))
            .alias("sp_initial_amount"),
        residence
            .scale(int(p.amounts.sp_basic))
            .alias("sp_basic_amount"),
        residence.scale(additional_max).alias("sp_additional_max"),
    ]);
    let initial = max0(c("sp_initial_amount") - c("np_person"));
    let basic = when(c("child_under_18").fill_null(lit(false)))
        .then(c("sp_basic_amount"))
        .otherwise(int(0));
    let additional = max0(c("sp_additional_max") - c("reduction_sp"));
    let is_initial = c("months_since_death").lt_eq(int(p.law.sp_initial_months.value));
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
        .or(c("age").gt_eq(int(p.law.pension_age.value)))
        .or(c("sp_computed").lt(int(p.amounts.np_minimum)));
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
