//! rules.md "Orphan's pension": the basic amount, the additional amount of a child
//! tested against survivors' pensions paid by others, the ages, the minimum, and none while the
//! child receives a disability pension.
use polars::prelude::*;

use super::general::c;
use crate::money::{int, max0};
use crate::params::RuleParameters;

/// `op_additional_part`.
pub(super) fn additional(p: &RuleParameters) -> Expr {
    when(c("kind").eq(lit("child")))
        .then(max0(int(p.amounts.op_additional) - c("reduction_op")))
        .otherwise(int(0))
        .alias("op_additional_part")
}

/// The amount of an orphan's-pension award.
pub(super) fn amount(p: &RuleParameters) -> Expr {
    let (child_under, student_max) = (
        p.law.orphan_child_under_age.value,
        p.law.orphan_student_max_age.value,
    );
    let op_age_ok = when(c("kind").eq(lit("child")))
        .then(c("age").lt(int(child_under)))
        .otherwise(
            c("age")
                .gt_eq(int(child_under))
                .and(c("age").lt_eq(int(student_max))),
        );
    let op_total = int(p.amounts.op_basic) + c("op_additional_part");
    let op_paid = c("months_since_death")
        .gt(int(0))
        .and(op_age_ok)
        .and(c("np_disability_paid").not());
    when(op_paid.and(op_total.clone().gt_eq(int(p.amounts.np_minimum))))
        .then(op_total)
        .otherwise(int(0))
}
