//! rules.md "Child increase": paid per child with a national pension or with an
//! earnings-related pension.
use polars::prelude::*;

use super::general::c;
use crate::money::int;
use crate::params::RuleParameters;

/// The amount of a child-increase award.
pub(super) fn amount(p: &RuleParameters) -> Expr {
    let ci_paid = c("np_person")
        .gt(int(0))
        .or(c("inc_earnings_related_pension").gt(int(0)));
    when(ci_paid)
        .then(c("children") * int(p.amounts.child_increase))
        .otherwise(int(0))
}
