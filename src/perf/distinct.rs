//! Duplicate keys: the values repeated in a list of 64-bit hashes, found by sorting (much
//! cheaper than comparing the strings they stand for), and the check that the keys of distinct
//! identifiers are distinct.
use polars::prelude::*;

use crate::error::{Error, Result};

/// The values that occur more than once among `hashes`, each once, in ascending order
/// (sorting millions of integers is much cheaper than comparing the strings they stand for).
pub fn repeated(mut hashes: Vec<u64>) -> Vec<u64> {
    let mut repeated: Vec<u64> = Vec::new();
    let mut previous = None;
    for value in sorted(&mut hashes) {
        if previous == Some(value) && repeated.last() != Some(&value) {
            repeated.push(value);
        }
        previous = Some(value);
    }
    repeated
}

/// The values in ascending order. A large list is sorted as two halves on two threads and
/// walked as one merged list (so `values` itself ends up sorted only by halves).
pub fn sorted<T: Ord + Copy + Send>(values: &mut [T]) -> impl Iterator<Item = T> + '_ {
    let middle = values.len() / 2;
    let (low, high) = values.split_at_mut(middle);
    if high.len() < 100_000 {
        low.sort_unstable();
        high.sort_unstable();
    } else {
        std::thread::scope(|scope| {
            scope.spawn(|| low.sort_unstable());
            high.sort_unstable();
        });
    }
    let (mut low, mut high) = (low.iter().peekable(), high.iter().peekable());
    std::iter::from_fn(move || match (low.peek(), high.peek()) {
        (Some(a), Some(b)) if a <= b => low.next(),
        (Some(_), Some(_)) | (None, _) => high.next(),
        (Some(_), None) => low.next(),
    })
    .copied()
}

/// Fails when two of the (distinct) identifiers in `column` of `keyed` share a key (column
/// `key`, as `person_key` or `award_key` computes it); returns their number. At a million
/// identifiers two share a key about once in 30 million runs; the next run draws a new seed.
pub fn check_distinct(keyed: &DataFrame, column: &str, key: &str) -> Result<usize> {
    let keys: Vec<u64> = keyed.column(key)?.u64()?.iter().flatten().collect();
    if !repeated(keys).is_empty() {
        if keyed.column(column)?.n_unique()? < keyed.height() {
            // Only unvalidated input (validation rejects every copy of a repeated key).
            return Err(Error::Other(format!(
                "a {column} value occurs more than once"
            )));
        }
        return Err(shared_key(column));
    }
    Ok(keyed.height())
}

/// The error of a run in which two distinct identifiers of `column` drew the same key.
pub fn shared_key(column: &str) -> Error {
    Error::Other(format!(
        "two {column} values share a 64-bit key in this run; run it again (every run draws a \
         new seed)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::perf::keys::{award_key, person_key, AWARD_KEY, PERSON_KEY};

    #[test]
    fn repeated_values_are_listed_once_in_order() {
        assert_eq!(repeated(vec![3, 1, 3, 2, 3, 1, 9]), [1, 3]);
        assert!(repeated(vec![5, 4]).is_empty());
    }

    /// Large enough to be sorted as two halves on two threads: a value repeated within one
    /// half, across the halves, or three times is listed once.
    #[test]
    fn repeated_values_of_a_large_list_are_found_across_its_halves() {
        let mut hashes: Vec<u64> = (0..300_000u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        let (first, last) = (hashes[10], hashes[299_990]);
        hashes[20] = first;
        hashes[299_000] = first;
        hashes[5] = last;
        hashes[149_999] = hashes[150_000];
        let mut expected = vec![first, last, hashes[150_000]];
        expected.sort_unstable();
        assert_eq!(repeated(hashes), expected);
    }

    #[test]
    fn distinct_identifiers_pass_the_check() {
        let ids: Vec<String> = (0..100_000).map(|i| format!("P{i:07}")).collect();
        let frame = df!("person_id" => ids).unwrap().lazy();
        let keyed = frame
            .with_column(person_key(col("person_id")))
            .collect()
            .unwrap();
        assert_eq!(
            check_distinct(&keyed, "person_id", PERSON_KEY).unwrap(),
            100_000
        );
    }

    /// A real collision cannot be staged with a random seed; a repeated identifier gives two
    /// equal keys too, and is named as what it is.
    #[test]
    fn equal_keys_stop_the_run() {
        let frame = df!("award_id" => ["A1", "A2", "A1"]).unwrap().lazy();
        let keyed = frame
            .with_column(award_key(col("award_id")))
            .collect()
            .unwrap();
        let err = check_distinct(&keyed, "award_id", AWARD_KEY).unwrap_err();
        assert_eq!(err.to_string(), "a award_id value occurs more than once");
        assert_eq!(err.exit_code(), 1);
    }
}
