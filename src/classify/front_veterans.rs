//! rules.md "Front-veterans' supplements": the flat supplement, and the additional supplement
//! (its percentage from the income, the base over the threshold, the minimum as a floor) for
//! residents of Finland with front-veteran status who receive a national pension.
use polars::prelude::*;

use super::general::c;
use crate::money::{div_round, int, max0, max_of, min_of};
use crate::params::RuleParameters;

/// `afvs_minimum` (0 where the supplement is not computed).
pub(super) fn minimum(p: &RuleParameters) -> Expr {
    int(p.amounts.afvs.map_or(0, |a| a.minimum)).alias("afvs_minimum")
}

/// `afvs_percent`, then `afvs_eligible` and `afvs_raw` (which read the percentage).
pub(super) fn terms(p: &RuleParameters) -> Vec<Expr> {
    let r = p.rates;
    if let Some(a) = p.amounts.afvs {
        let t = p.amounts.np_income_limit_euros;
        let y = c("y_np");
        let below = min_of(y.clone(), int(t)) * int(100);
        let above = max0(y - int(t)) * int(100);
        let percent = max_of(
            int(r.afvs_min_percent),
            int(r.afvs_max_percent) - below.floor_div(int(a.step1)) - above.floor_div(int(a.step2)),
        );
        let threshold = int(a.threshold);
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
    }
}

/// The amount of a front-veterans' supplement award: the flat amount, resident or abroad.
pub(super) fn supplement(p: &RuleParameters) -> Expr {
    int(p.amounts.fvs)
}

/// The amount of an additional front-veterans' supplement award. The minimum is a floor paid
/// to every entitled person (Front Veterans' Pension Act 9 a §: "always paid at least"), also
/// when the base is at or below the threshold.
pub(super) fn additional_supplement() -> Expr {
    when(c("afvs_eligible"))
        .then(max_of(c("afvs_minimum"), c("afvs_raw")))
        .otherwise(int(0))
}

/// `afvs_status` of an additional-supplement award: `computed`, or `not_computed` (before
/// 2020-01-01, or any of its values not known).
pub(super) fn status(p: &RuleParameters) -> Expr {
    lit(if p.amounts.afvs.is_some() {
        "computed"
    } else {
        "not_computed"
    })
}
