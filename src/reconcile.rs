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
use crate::perf::chunks::{by_key_chunks, CHUNK_KEYS};
use crate::perf::keys::PERSON_KEY;
use crate::perf::positions::{benefit_of_number, BENEFIT_NUMBER};

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
    reconcile_in_chunks(classified, paid_in_month, CHUNK_KEYS)
}

/// `reconcile`, comparing about `chunk_keys` persons at a time (`chunks::by_key_chunks`): a
/// person's rows are all in one chunk, so the chunks' counts and sums per benefit add up.
fn reconcile_in_chunks(
    classified: &Classified,
    paid_in_month: &DataFrame,
    chunk_keys: usize,
) -> Result<Vec<BenefitReconciliation>> {
    // By person key and benefit number: a join of a million rows on numbers, not strings.
    let key = [col(PERSON_KEY), col(BENEFIT_NUMBER)];
    let computed = classified
        .rows
        .clone()
        .lazy()
        .select([
            col(PERSON_KEY),
            col(BENEFIT_NUMBER),
            col("amount").alias("computed"),
        ])
        .collect()?;
    let paid = paid_in_month
        .clone()
        .lazy()
        .select([
            col(PERSON_KEY),
            col(BENEFIT_NUMBER),
            col("amount").alias("paid"),
        ])
        .collect()?;
    // The persons are counted by the larger frame's rows (about one per person and benefit):
    // chunks are then at most the size `chunk_keys` asks for, or a little smaller.
    let keys = computed.height().max(paid.height());
    let per_chunk = by_key_chunks(PERSON_KEY, [computed, paid], keys, chunk_keys, |chunk| {
        let [computed, paid] = chunk;
        let mut args = JoinArgs::new(JoinType::Full);
        args.coalesce = JoinCoalesce::CoalesceColumns;
        Ok(computed
            .lazy()
            .group_by(key.clone())
            .agg([col("computed").sum()])
            .join(paid.lazy(), key.clone(), key.clone(), args)
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
            .collect()?)
    })?;
    let joined = per_chunk
        .lazy()
        .group_by([col(BENEFIT_NUMBER)])
        .agg(["persons", "differing", "computed", "paid"].map(|c| col(c).sum()))
        .collect()?;
    let int =
        |c: &str, i: usize| -> Result<i64> { Ok(joined.column(c)?.i64()?.get(i).unwrap_or(0)) };
    let numbers = joined.column(BENEFIT_NUMBER)?.u8()?;
    let mut out = (0..joined.height())
        .map(|i| {
            let (computed, paid) = (int("computed", i)?, int("paid", i)?);
            Ok(BenefitReconciliation {
                benefit: benefit_of_number(numbers.get(i)).to_string(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::ymd;
    use crate::perf::keys::key_of;
    use crate::perf::positions::number_of_benefit;

    #[test]
    fn computed_and_paid_amounts_are_compared_per_person_and_benefit() {
        let (np, gp, ci) = (
            number_of_benefit("national_pension"),
            number_of_benefit("guarantee_pension"),
            number_of_benefit("child_increase"),
        );
        let rows = df!(
            PERSON_KEY => ["P1", "P1", "P2", "P3", "P1"].map(key_of),
            BENEFIT_NUMBER => [np, np, np, gp, ci],
            "amount" => [30_000i64, 20_000, 10_000, 5_000, 0],
        )
        .unwrap();
        let classified = Classified {
            month: ymd(2024, 12, 1),
            rows,
            violations: Default::default(),
            not_computed: 0,
            law: crate::params::ParameterFile::load(std::path::Path::new(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/pipelines/parameters.toml"
            )))
            .unwrap()
            .law,
        };
        // P1's two awards are paid as one sum; P2 is paid more than computed; P3 is computed
        // and not paid; P4 is paid without an award in force.
        let paid = df!(
            PERSON_KEY => ["P1", "P2", "P4"].map(key_of),
            BENEFIT_NUMBER => [np, np, gp],
            "amount" => [50_000i64, 12_000, 7_000],
        )
        .unwrap();
        let line =
            |benefit: &str, persons, differing, computed_cents, paid_cents| BenefitReconciliation {
                benefit: benefit.to_string(),
                persons,
                differing,
                computed_cents,
                paid_cents,
                difference_cents: paid_cents - computed_cents,
            };
        let expected = [
            line("child_increase", 1, 0, 0, 0),
            line("guarantee_pension", 2, 2, 5_000, 7_000),
            line("national_pension", 2, 1, 60_000, 62_000),
        ];
        assert_eq!(reconcile(&classified, &paid).unwrap(), expected);
        // In chunks of about one person (a person's rows all in one chunk): the same lines.
        assert_eq!(
            reconcile_in_chunks(&classified, &paid, 1).unwrap(),
            expected
        );
    }
}
