//! Sums of a streamed register's amounts per key, by runs of consecutive rows instead of a
//! hash group-by.
//!
//! Each row's key is two exact 64-bit parts (`ID`, e.g. a person or award key, and `TAG`,
//! packing the rest), and the streamed batches go to a sink that adds up each run of
//! consecutive rows with one key. Only the runs are kept; sorted by key, they are added up per
//! key. Registers come sorted by person, so a run is usually one person's or one award's rows;
//! in any other order the sums are the same, only slower. A hash group-by with ten million
//! groups misses the caches on nearly every row (at ten million persons it grew about 27 times
//! from one million); the runs are read and written in order.
use std::sync::{Arc, Mutex};

use polars::prelude::*;

use crate::error::Result;
use crate::perf::collect_streaming;
use crate::perf::distinct::sorted;

/// The first part of a row's key (`UInt64`, may be null).
pub const ID: &str = "__id";
/// The second part of a row's key (`UInt64`; null counts as 0).
pub const TAG: &str = "__tag";

/// A row's key: `ID` and `TAG`.
pub type Key = (Option<u64>, u64);
/// Keys with a sum of amounts: of a run of rows, or of all rows of the key.
pub type Runs = Vec<(Key, i64)>;

/// The sum of `amount` (`Int64` cents) per key (`ID`, `TAG`) of `keyed`, a streamed query:
/// each key once, in ascending order of key.
pub fn run_sums(keyed: LazyFrame) -> Result<Runs> {
    let runs = Arc::new(Mutex::new(Runs::new()));
    let sink = Arc::clone(&runs);
    let add = move |batch: DataFrame| -> PolarsResult<bool> {
        let mut runs = sink.lock().expect("no batch panicked holding the runs");
        add_runs(&batch, &mut runs)?;
        Ok(false)
    };
    let plan = keyed
        .select([col(ID), col(TAG), col("amount")])
        .sink_batches(
            PlanCallback::Rust(SpecialEq::new(Arc::new(add))),
            false,
            None,
        )?;
    collect_streaming(plan)?;
    let runs = std::mem::take(&mut *runs.lock().expect("the pass is over"));
    Ok(sums_of(runs)?)
}

/// Each key's sum, from its runs: split between batches, or apart in a register in another
/// order, one key's runs are next to each other once sorted.
fn sums_of(mut runs: Runs) -> PolarsResult<Runs> {
    let mut sums: Runs = Vec::with_capacity(runs.len());
    for (key, total) in sorted(&mut runs) {
        match sums.last_mut() {
            Some((k, sum)) if *k == key => *sum = sum.checked_add(total).ok_or_else(overflow)?,
            _ => sums.push((key, total)),
        }
    }
    Ok(sums)
}

/// Adds each run of consecutive rows with one key of `batch` (`ID`, `TAG`, `amount`) to
/// `runs`, with its sum.
fn add_runs(batch: &DataFrame, runs: &mut Runs) -> PolarsResult<()> {
    let (id, tag) = (batch.column(ID)?.u64()?, batch.column(TAG)?.u64()?);
    let amount = batch.column("amount")?.i64()?;
    let mut run: Option<(Key, i64)> = None;
    let mut close = |run: Option<(Key, i64)>| runs.extend(run);
    for ((i, t), a) in id.iter().zip(tag.iter()).zip(amount.iter()) {
        let key = (i, t.unwrap_or(0));
        let a = a.unwrap_or(0);
        match &mut run {
            Some((k, total)) if *k == key => *total = total.checked_add(a).ok_or_else(overflow)?,
            _ => close(run.replace((key, a))),
        }
    }
    close(run);
    Ok(())
}

fn overflow() -> PolarsError {
    polars_err!(ComputeError: "a sum of amounts exceeds the range of 64-bit cents")
}

/// A code's position in its list plus one, as a `TAG` (`UInt64`; 0 for a null or any other
/// value), from `positions` (`UInt8` positions, as `positions::position_in` gives them).
pub fn tag_of_position(positions: Expr) -> Expr {
    (positions.cast(DataType::UInt64) + lit(1u64)).fill_null(lit(0u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_split_between_batches_is_one_sum() {
        let batch = |ids: &[u64], amounts: &[i64]| {
            df!(ID => ids, TAG => vec![7u64; ids.len()], "amount" => amounts).unwrap()
        };
        let mut runs = Runs::new();
        add_runs(&batch(&[1, 1, 2, 2], &[10, 20, 1, 2]), &mut runs).unwrap();
        add_runs(&batch(&[2, 3, 1], &[4, 100, 5]), &mut runs).unwrap();
        assert_eq!(
            runs,
            [
                ((Some(1), 7), 30),
                ((Some(2), 7), 3),
                ((Some(2), 7), 4),
                ((Some(3), 7), 100),
                ((Some(1), 7), 5)
            ]
        );
        assert_eq!(
            sums_of(runs).unwrap(),
            [((Some(1), 7), 35), ((Some(2), 7), 7), ((Some(3), 7), 100)]
        );
        let too_much = vec![((Some(1), 7), i64::MAX), ((Some(1), 7), 1)];
        assert!(sums_of(too_much).is_err());
    }

    #[test]
    fn the_sums_of_a_query_come_per_key_in_key_order() {
        let keyed = df!(
            ID => [Some(2u64), Some(2), None, Some(1), Some(2)],
            TAG => [Some(1u64), Some(1), Some(1), None, Some(3)],
            "amount" => [5i64, 6, 7, 8, 9],
        )
        .unwrap()
        .lazy();
        assert_eq!(
            run_sums(keyed).unwrap(),
            [
                ((None, 1), 7),
                ((Some(1), 0), 8),
                ((Some(2), 1), 11),
                ((Some(2), 3), 9)
            ]
        );
    }
}
