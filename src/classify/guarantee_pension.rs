//! rules.md "Guarantee pension": the full amount after the award's early reduction, less the
//! person's national and spouse's pensions and the incomes it counts; the minimum; none before
//! the guarantee pension exists (2011-03-01).
use polars::prelude::*;

use super::general::c;
use crate::money::{div_round, int, max0};
use crate::params::RuleParameters;

/// `gp_full_after_early` and `gp_net`.
pub(super) fn terms(p: &RuleParameters) -> [Expr; 2] {
    let r = p.rates;
    let gp_factor = max0(
        int(1000)
            - c("early_months").fill_null(int(0)) * int(r.early_reduction_per_mille_per_month),
    );
    let gp_full = match p.amounts.gp_full {
        Some(full) => div_round(int(full) * gp_factor, int(1000)),
        None => int(0),
    };
    let gp_net = gp_full.clone() - c("np_person") - c("sp_person") - c("income_pension");
    [gp_full.alias("gp_full_after_early"), gp_net.alias("gp_net")]
}

/// The amount of a guarantee-pension award.
pub(super) fn amount(p: &RuleParameters) -> Expr {
    let gp_in_force = p.amounts.gp_full.is_some();
    when(lit(!gp_in_force).or(c("gp_net").lt(int(p.amounts.np_minimum))))
        .then(int(0))
        .otherwise(c("gp_net"))
}
