//! Reconciliation of computed against paid amounts for the reference month, per person and
//! benefit: the sum of the person's computed awards of the benefit beside the sum of their
//! regular payments of it for the month, counted and summed per benefit.
//!
//! Comparing per person and benefit rather than per award keeps a payment without `award_id`
//! from being counted against the wrong one of two awards of one benefit (two orphan's
//! pensions), where the publication's assignment rule (latest start) has no tie-break.
use polars::prelude::*;

use crate::classify::Classified;
use crate::error::Result;
use crate::keys::{benefit_number, person_key, BENEFIT_NUMBER, PERSON_KEY};
use crate::registers::benefit_codes;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BenefitReconciliation {
    pub benefit: String,
    /// Persons with an award of the benefit in force, or a regular payment of it, in the month.
    pub persons: usize,
    /// Persons whose paid amount differs from the computed one.
    pub differing: usize,
    pub computed_cents: i64,
    pub paid_cents: i64,
    /// Σ (paid − computed).
    pub difference_cents: i64,
}

pub fn reconcile(
    classified: &Classified,
    paid_in_month: &DataFrame,
) -> Result<Vec<BenefitReconciliation>> {
    // By person key and benefit number: a join of a million rows on numbers, not strings.
    let number = |benefit| benefit_number(benefit).alias(BENEFIT_NUMBER);
    let key = [col(PERSON_KEY), col(BENEFIT_NUMBER)];
    let computed = classified
        .rows
        .clone()
        .lazy()
        .group_by([person_key(col("person_id")), number(col("benefit"))])
        .agg([col("amount").sum().alias("computed")]);
    let paid = paid_in_month.clone().lazy().select([
        col(PERSON_KEY),
        number(col("benefit")),
        col("amount").alias("paid"),
    ]);
    let mut args = JoinArgs::new(JoinType::Full);
    args.coalesce = JoinCoalesce::CoalesceColumns;
    let joined = computed
        .join(paid, key.clone(), key, args)
        .select([
            col(BENEFIT_NUMBER),
            col("computed").fill_null(lit(0i64)),
            col("paid").fill_null(lit(0i64)),
        ])
        .group_by([col(BENEFIT_NUMBER)])
        .agg([
            len().cast(DataType::Int64).alias("persons"),
            col("computed")
                .neq(col("paid"))
                .sum()
                .cast(DataType::Int64)
                .alias("differing"),
            col("computed").sum(),
            col("paid").sum(),
        ])
        .collect()?;
    let int =
        |c: &str, i: usize| -> Result<i64> { Ok(joined.column(c)?.i64()?.get(i).unwrap_or(0)) };
    let codes = benefit_codes();
    let numbers = joined.column(BENEFIT_NUMBER)?.u8()?;
    let mut out = (0..joined.height())
        .map(|i| {
            let (computed, paid) = (int("computed", i)?, int("paid", i)?);
            Ok(BenefitReconciliation {
                benefit: numbers
                    .get(i)
                    .map_or("", |n| codes[usize::from(n)])
                    .to_string(),
                persons: int("persons", i)? as usize,
                differing: int("differing", i)? as usize,
                computed_cents: computed,
                paid_cents: paid,
                difference_cents: paid - computed,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    out.sort_by(|a, b| a.benefit.cmp(&b.benefit));
    Ok(out)
}
