//! Classify: every award in force in the reference month, tagged and with the monthly amount
//! the rules of rules.md give, computed as polars expressions over the whole register.
//!
//! One file per section of rules.md, in its order: `general` (rounding, ages and months, the
//! terms every benefit reads, the residence adjustment), `national_pension`,
//! `guarantee_pension`, `spouse_pension`, `orphan_pension`, `child_increase`,
//! `front_veterans`, and `eligibility` (the rule violations). `rules` below applies them in the
//! order their amounts depend on each other; `stage` runs them over every award in force
//! (the orchestration: keys, chunks, the month's incomes, the quality counts).
//!
//! The intermediate amounts of every step stay as columns (`np_*`, `sp_*`, `gp_*`, …), so that
//! `explain` shows one person's computation from the very frame the statistics come from.
pub mod explain;

mod child_increase;
mod eligibility;
mod front_veterans;
mod general;
mod guarantee_pension;
mod national_pension;
mod orphan_pension;
mod spouse_pension;
mod stage;

use chrono::NaiveDate;
use polars::prelude::*;

use crate::money::int;
use crate::params::RuleParameters;
use general::{c, is};

pub use stage::{
    classify, classify_in_chunks, classify_keeping, persons_frame, Classified, Input,
    PUBLICATION_COLUMNS, PUBLIC_COLUMNS,
};

/// The benefit codes of the awards register (registers.md).
pub const NP: &str = "national_pension";
pub const GP: &str = "guarantee_pension";
pub const SP: &str = "spouse_pension";
pub const OP: &str = "orphan_pension";
pub const CI: &str = "child_increase";
pub const FVS: &str = "front_veteran_supplement";
pub const AFVS: &str = "additional_front_veteran_supplement";

/// The rules of rules.md over the awards in force, each joined with its person and the month's
/// incomes: each benefit's terms, then the amount of every award and its tags, then the rule
/// violations.
fn rules(lf: LazyFrame, p: &RuleParameters, month: NaiveDate, last_day: NaiveDate) -> LazyFrame {
    let lf = general::with_person_terms(lf, p, month, last_day);
    let lf = national_pension::with_national_pension(lf, p);
    let lf = spouse_pension::with_spouse_pension(lf, p, month);
    let [gp_full, gp_net] = guarantee_pension::terms(p);
    // The percentage first: the eligibility and the raw amount read it.
    let mut afvs = front_veterans::terms(p);
    let afvs_rest = afvs.split_off(1);
    let lf = lf
        .with_columns([
            gp_full,
            gp_net,
            orphan_pension::additional(p),
            front_veterans::minimum(p),
        ])
        .with_columns(afvs)
        .with_columns(afvs_rest);
    let amount = when(c("after_death"))
        .then(int(0))
        .when(is(NP))
        .then(c("np_amount"))
        .when(is(SP))
        .then(c("sp_amount"))
        .when(is(GP))
        .then(guarantee_pension::amount(p))
        .when(is(OP))
        .then(orphan_pension::amount(p))
        .when(is(CI))
        .then(child_increase::amount(p))
        .when(is(FVS))
        .then(front_veterans::supplement(p))
        .when(is(AFVS))
        .then(front_veterans::additional_supplement())
        .otherwise(int(0));
    let lf = lf.with_columns([
        amount.alias("amount"),
        when(is(GP))
            .then(c("kind"))
            .otherwise(lit(NULL).cast(DataType::String))
            .alias("gp_basis"),
        when(is(AFVS))
            .then(front_veterans::status(p))
            .otherwise(lit(NULL).cast(DataType::String))
            .alias("afvs_status"),
    ]);
    eligibility::with_violations(lf, p)
}
