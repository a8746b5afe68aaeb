//! Reconciliation of computed against paid amounts: each award's computed amount for the
//! reference month beside its regular payments for that month, summed per benefit.
use polars::prelude::*;

use crate::classify::arith::date_lit;
use crate::classify::Classified;
use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BenefitReconciliation {
    pub benefit: String,
    /// Awards in force or paid in the month.
    pub awards: usize,
    /// Awards whose paid amount differs from the computed one.
    pub differing: usize,
    pub computed_cents: i64,
    pub paid_cents: i64,
    /// Σ (paid − computed).
    pub difference_cents: i64,
}

/// A payment without `award_id` belongs to the person's award of the same benefit in force in
/// the month with the latest start date (publication.md).
pub fn reconcile(
    classified: &Classified,
    payments: &DataFrame,
) -> Result<Vec<BenefitReconciliation>> {
    let computed = classified.rows.clone().lazy().select([
        col("award_id"),
        col("person_id"),
        col("benefit"),
        col("start_date"),
        col("amount").alias("computed"),
    ]);
    let latest_award = computed
        .clone()
        .sort(
            ["start_date"],
            SortMultipleOptions::default().with_order_descending(true),
        )
        .group_by([col("person_id"), col("benefit")])
        .agg([col("award_id").first().alias("__latest")]);
    let paid = payments
        .clone()
        .lazy()
        .filter(
            col("payment_type")
                .eq(lit("regular"))
                .and(col("period_month").eq(date_lit(classified.month))),
        )
        .join(
            latest_award,
            [col("person_id"), col("benefit")],
            [col("person_id"), col("benefit")],
            JoinArgs::new(JoinType::Left),
        )
        .select([
            col("award_id").fill_null(col("__latest")).alias("award_id"),
            col("benefit").alias("paid_benefit"),
            col("amount"),
        ])
        .group_by([col("award_id"), col("paid_benefit")])
        .agg([col("amount").sum().alias("paid")]);
    let mut args = JoinArgs::new(JoinType::Full);
    args.coalesce = JoinCoalesce::CoalesceColumns;
    let joined = computed
        .join(paid, [col("award_id")], [col("award_id")], args)
        .select([
            col("benefit")
                .fill_null(col("paid_benefit"))
                .alias("benefit"),
            col("computed").fill_null(lit(0i64)).alias("computed"),
            col("paid").fill_null(lit(0i64)).alias("paid"),
        ])
        .group_by([col("benefit")])
        .agg([
            len().alias("awards"),
            col("computed").neq(col("paid")).sum().alias("differing"),
            col("computed").sum(),
            col("paid").sum(),
        ])
        .sort(["benefit"], SortMultipleOptions::default())
        .collect()?;
    let mut out = Vec::with_capacity(joined.height());
    for i in 0..joined.height() {
        let int = |c: &str| -> Result<i64> {
            Ok(joined
                .column(c)?
                .cast(&DataType::Int64)?
                .i64()?
                .get(i)
                .unwrap_or(0))
        };
        let (computed, paid) = (int("computed")?, int("paid")?);
        out.push(BenefitReconciliation {
            benefit: joined
                .column("benefit")?
                .str()?
                .get(i)
                .unwrap_or("")
                .to_string(),
            awards: int("awards")? as usize,
            differing: int("differing")? as usize,
            computed_cents: computed,
            paid_cents: paid,
            difference_cents: paid - computed,
        });
    }
    Ok(out)
}
