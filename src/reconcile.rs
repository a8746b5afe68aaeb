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
use crate::keys::{person_key, PERSON_KEY};

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
    let key = [col(PERSON_KEY), col("benefit")];
    let computed = classified
        .rows
        .clone()
        .lazy()
        .group_by([person_key(col("person_id")), col("benefit")])
        .agg([col("amount").sum().alias("computed")]);
    let paid = paid_in_month.clone().lazy().select([
        col(PERSON_KEY),
        col("benefit"),
        col("amount").alias("paid"),
    ]);
    let mut args = JoinArgs::new(JoinType::Full);
    args.coalesce = JoinCoalesce::CoalesceColumns;
    let joined = (computed
        .join(paid, key.clone(), key, args)
        .select([
            col("benefit"),
            col("computed").fill_null(lit(0i64)),
            col("paid").fill_null(lit(0i64)),
        ])
        .group_by([col("benefit")])
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
        .sort(["benefit"], SortMultipleOptions::default()))
    .collect()?;
    let int =
        |c: &str, i: usize| -> Result<i64> { Ok(joined.column(c)?.i64()?.get(i).unwrap_or(0)) };
    (0..joined.height())
        .map(|i| {
            let (computed, paid) = (int("computed", i)?, int("paid", i)?);
            Ok(BenefitReconciliation {
                benefit: joined
                    .column("benefit")?
                    .str()?
                    .get(i)
                    .unwrap_or("")
                    .to_string(),
                persons: int("persons", i)? as usize,
                differing: int("differing", i)? as usize,
                computed_cents: computed,
                paid_cents: paid,
                difference_cents: paid - computed,
            })
        })
        .collect()
}
