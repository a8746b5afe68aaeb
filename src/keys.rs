//! Person and award keys: each identifier hashed to 64 bits with one random seed per process,
//! so that every frame of a run computes the same key for the same identifier. The
//! publication's joins and group-bys over millions of rows compare these numbers instead of
//! the strings. On accepted rows a key stands for its identifier exactly: validation proves
//! the keys of the accepted persons and awards distinct (`lookup::Referenced::new`), and every accepted
//! row of another register names an accepted person and award (an unknown one is rejected by
//! its string).
use std::hash::BuildHasher;
use std::sync::OnceLock;

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::registers::benefit_codes;

pub const PERSON_KEY: &str = "__person_key";
pub const AWARD_KEY: &str = "__award_key";
pub const BENEFIT_NUMBER: &str = "__benefit";

fn seeded() -> &'static PlRandomState {
    static STATE: OnceLock<PlRandomState> = OnceLock::new();
    STATE.get_or_init(PlRandomState::default)
}

pub fn key_of(id: &str) -> u64 {
    seeded().hash_one(id)
}

/// The key of each person identifier of `ids`, named `PERSON_KEY` (null stays null).
pub fn person_key(ids: Expr) -> Expr {
    id_hash(ids).alias(PERSON_KEY)
}

/// The key of each award identifier of `ids`, named `AWARD_KEY` (null stays null).
pub fn award_key(ids: Expr) -> Expr {
    id_hash(ids).alias(AWARD_KEY)
}

/// The 64-bit hash of each identifier of `ids` (null stays null).
pub fn id_hash(ids: Expr) -> Expr {
    ids.map(
        |c: Column| {
            let keys: UInt64Chunked = c
                .str()?
                .apply_nonnull_values_generic(DataType::UInt64, key_of);
            Ok(keys.into_column())
        },
        |_, field| Ok(Field::new(field.name().clone(), DataType::UInt64)),
    )
}

/// `answer` for each of `values` (`None` for a null). A register repeats a value row after
/// row, so a value equal to the previous one reuses its answer instead of computing it again.
pub fn reusing_previous<'a, T: Copy + 'a>(
    values: impl Iterator<Item = Option<&'a str>> + 'a,
    mut answer: impl FnMut(&str) -> T + 'a,
) -> impl Iterator<Item = Option<T>> + 'a {
    let mut previous: Option<(&str, T)> = None;
    values.map(move |value| {
        let value = value?;
        match previous {
            Some((last, known)) if last == value => Some(known),
            _ => {
                let known = answer(value);
                previous = Some((value, known));
                Some(known)
            }
        }
    })
}

/// The position of each of `values` in `codes` (`None` for a null or any other value).
pub fn code_positions<'a>(
    codes: &'a [&'a str],
    values: impl Iterator<Item = Option<&'a str>> + 'a,
) -> impl Iterator<Item = Option<usize>> + 'a {
    reusing_previous(values, |value| codes.iter().position(|code| *code == value))
        .map(Option::flatten)
}

/// The position of a benefit code in `benefit_codes()` (null for any other value), to
/// compare and group benefits by number, not by string. One lookup per row, where a chain of
/// comparisons would scan the column once per code.
pub fn benefit_number(benefit: Expr) -> Expr {
    position_in(benefit, &benefit_codes())
}

/// The number `benefit_number` gives the benefit code `benefit`.
pub fn number_of_benefit(benefit: &str) -> u8 {
    let position = benefit_codes().iter().position(|b| *b == benefit);
    position.expect("a benefit code of registers.md") as u8
}

/// The benefit code that `benefit_number` numbered `number` ("" for none).
pub fn benefit_of_number(number: Option<u8>) -> &'static str {
    number.map_or("", |n| benefit_codes()[usize::from(n)])
}

/// The position of each of `values` in `codes` (`UInt8`; null for a null or any other
/// value): a code held in one byte instead of a string's sixteen, where millions of rows
/// are kept.
pub fn position_in<S: AsRef<str>>(values: Expr, codes: &[S]) -> Expr {
    assert!(
        codes.len() <= usize::from(u8::MAX),
        "a code list of at most 255 codes"
    );
    let codes: Vec<String> = codes.iter().map(|c| c.as_ref().to_string()).collect();
    values.map(
        move |c: Column| {
            let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
            let numbers: UInt8Chunked = code_positions(&codes, c.str()?.iter())
                .map(|n| n.map(|n| n as u8))
                .collect();
            Ok(numbers.with_name(c.name().clone()).into_column())
        },
        |_, field| Ok(Field::new(field.name().clone(), DataType::UInt8)),
    )
}

/// Keys (persons, or awards) per chunk where a stage works key by key (classification, the
/// recipients, the payments' awards): a chunk's intermediate columns and hash tables stay
/// small, where ten million persons at once grew classification 21× from one million. Two
/// chunks are worked on at once.
pub const CHUNK_KEYS: usize = 500_000;

/// Runs `part` on each chunk of about `chunk_keys` of `keys` distinct keys and stacks the
/// results in chunk order. Each of `frames` (with a `key` column: `PERSON_KEY` or
/// `AWARD_KEY`) is divided once into the chunks' rows (`KeyParts`), so `part` gets, for its
/// chunk, the rows of every frame whose key modulo the number of chunks is the chunk's number,
/// gathered just before the chunk runs. Chunks run two at a time, on two threads: one chunk's
/// plan leaves a core idle through much of it.
pub fn by_key_chunks<const N: usize, F>(
    key: &str,
    frames: [DataFrame; N],
    keys: usize,
    chunk_keys: usize,
    part: F,
) -> Result<DataFrame>
where
    F: Fn([DataFrame; N]) -> Result<DataFrame> + Sync,
{
    let chunks = keys.div_ceil(chunk_keys.max(1)).max(1);
    let mut divided = Vec::with_capacity(N);
    for frame in frames {
        divided.push(KeyParts::new(frame, key, chunks)?);
    }
    let run = |chunk: usize| -> Result<DataFrame> {
        let mut frames = Vec::with_capacity(N);
        for parts in &divided {
            frames.push(parts.part(chunk)?);
        }
        part(frames.try_into().expect("a part of every frame"))
    };
    let mut rows = DataFrame::empty();
    for first in (0..chunks).step_by(2) {
        let second = first + 1;
        let (first, second) = std::thread::scope(|scope| {
            let second = (second < chunks).then(|| scope.spawn(|| run(second)));
            let first = run(first);
            (
                first,
                second.map(|s| s.join().expect("a chunk's thread panicked")),
            )
        });
        for part in std::iter::once(first).chain(second) {
            let part = part?;
            if rows.width() == 0 {
                rows = part;
            } else {
                rows.vstack_mut_owned(part)?;
            }
        }
    }
    Ok(rows)
}

/// A frame divided into `chunks` parts by key: part `i` holds, in the frame's order, the rows
/// whose key modulo `chunks` is `i` (a row without a key is in none).
///
/// A part is gathered only when asked for, straight from the frame's own chunks (one per
/// Parquet row group), and dropped with its chunk's work. Gathering every part up front held a
/// second copy of every frame through the whole stage: at ten million persons 2–3 GiB more
/// at the recipients' peak, memory the kernel must fault in and zero. Gathering by index reads
/// only the part's rows (filtering the frame per part read every column once per part, which
/// grew with the square of the persons).
pub struct KeyParts {
    frame: DataFrame,
    /// Each part's rows, ascending.
    rows: Vec<Vec<IdxSize>>,
    /// The frame's chunks, as (first row, rows), the same in every column.
    chunks: Vec<(usize, usize)>,
}

impl KeyParts {
    pub fn new(mut frame: DataFrame, key: &str, parts: usize) -> Result<KeyParts> {
        let mut rows: Vec<Vec<IdxSize>> = vec![Vec::new(); parts];
        if parts > 1 {
            for (row, key) in frame.column(key)?.u64()?.iter().enumerate() {
                if let Some(key) = key {
                    rows[(key % parts as u64) as usize].push(row as IdxSize);
                }
            }
            frame.align_chunks_par();
        }
        let lengths: Vec<usize> = match frame.columns().iter().find_map(|c| c.as_series()) {
            Some(series) => series.chunk_lengths().collect(),
            None => vec![frame.height()],
        };
        let chunks = lengths
            .iter()
            .scan(0, |start, &len| {
                let chunk = (*start, len);
                *start += len;
                Some(chunk)
            })
            .collect();
        Ok(KeyParts {
            frame,
            rows,
            chunks,
        })
    }

    /// Part `part`: the frame itself where there is one part, else in one chunk (polars
    /// gathers from a column of many chunks value by value, finding each row's chunk anew, so
    /// joins over it are slow).
    pub fn part(&self, part: usize) -> Result<DataFrame> {
        if self.rows.len() == 1 {
            return Ok(self.frame.clone());
        }
        let rows = &self.rows[part];
        let mut gathered = DataFrame::empty();
        let mut at = 0;
        for &(start, len) in &self.chunks {
            let within = rows[at..].partition_point(|&r| (r as usize) < start + len);
            if within == 0 {
                continue;
            }
            let local = rows[at..at + within]
                .iter()
                .map(|&r| r - start as IdxSize)
                .collect();
            let piece = self
                .frame
                .slice(start as i64, len)
                .take(&IdxCa::from_vec("".into(), local))?;
            at += within;
            if gathered.width() == 0 {
                gathered = piece;
            } else {
                gathered.vstack_mut_owned(piece)?;
            }
        }
        if gathered.width() == 0 {
            return Ok(self.frame.clear());
        }
        gathered.rechunk_mut();
        Ok(gathered)
    }
}

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

    #[test]
    fn benefit_codes_and_numbers_map_both_ways() {
        for code in benefit_codes() {
            assert_eq!(benefit_of_number(Some(number_of_benefit(code))), code);
        }
        assert_eq!(benefit_of_number(None), "");
    }

    #[test]
    fn codes_become_their_positions_and_others_null() {
        let frame = df!("code" => [Some("b"), Some("b"), None, Some("z"), Some("a")]).unwrap();
        let positions = frame
            .lazy()
            .select([position_in(col("code"), &["a", "b"])])
            .collect()
            .unwrap();
        let positions = positions.column("code").unwrap().u8().unwrap();
        let positions: Vec<Option<u8>> = positions.iter().collect();
        assert_eq!(positions, [Some(1), Some(1), None, None, Some(0)]);
    }

    #[test]
    fn equal_identifiers_get_equal_keys_in_every_frame_and_nulls_stay_null() {
        let a = df!("id" => [Some("P1"), None, Some("P2")]).unwrap();
        let b = df!("id" => ["P2", "P1"]).unwrap();
        let keys = |df: DataFrame| {
            df.lazy()
                .select([person_key(col("id"))])
                .collect()
                .unwrap()
                .column(PERSON_KEY)
                .unwrap()
                .u64()
                .unwrap()
                .iter()
                .collect::<Vec<_>>()
        };
        let (a, b) = (keys(a), keys(b));
        assert_eq!(a[1], None);
        assert_eq!((a[0], a[2]), (b[1], b[0]));
        assert_ne!(a[0], a[2]);
        assert_eq!(a[0], Some(key_of("P1")));
    }

    #[test]
    fn benefits_are_numbered_by_their_position_in_the_code_list() {
        let codes = benefit_codes();
        let mut values: Vec<Option<&str>> = codes.iter().rev().map(|c| Some(*c)).collect();
        values.extend([None, Some("pension"), Some("")]);
        let numbers = df!("benefit" => values.clone())
            .unwrap()
            .lazy()
            .select([benefit_number(col("benefit"))])
            .collect()
            .unwrap();
        let numbers: Vec<Option<u8>> = numbers
            .column("benefit")
            .unwrap()
            .u8()
            .unwrap()
            .iter()
            .collect();
        let expected: Vec<Option<u8>> = values
            .iter()
            .map(|v| {
                v.and_then(|v| codes.iter().position(|c| *c == v))
                    .map(|n| n as u8)
            })
            .collect();
        assert_eq!(numbers, expected);
        assert_eq!(numbers[codes.len() - 1], Some(0));
        assert_eq!(&numbers[codes.len()..], [None, None, None]);
    }

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

    /// A frame of several chunks (as read from Parquet row groups), with null keys.
    fn keyed_frame(keys: &[Option<u64>]) -> DataFrame {
        let row: Vec<u32> = (0..keys.len() as u32).collect();
        let name: Vec<String> = row.iter().map(|r| format!("row {r}")).collect();
        let mut frame = df!(PERSON_KEY => keys, "row" => &row, "name" => &name).unwrap();
        let middle = frame.height() / 2;
        let second = frame.split_at(middle as i64).1;
        frame = frame.head(Some(middle));
        frame.vstack_mut_owned(second).unwrap();
        frame
    }

    proptest::proptest! {
        /// Every keyed row is in the part of its key modulo the number of parts, once, in the
        /// frame's order, with its other columns; a row without a key is in none.
        #[test]
        fn each_keyed_row_is_in_the_part_of_its_key_in_order(
            keys in proptest::collection::vec(proptest::option::weighted(0.9, 0u64..1_000), 0..200),
            chunks in 1usize..6,
        ) {
            let parts = KeyParts::new(keyed_frame(&keys), PERSON_KEY, chunks).unwrap();
            for number in 0..chunks {
                let part = parts.part(number).unwrap();
                if chunks > 1 {
                    proptest::prop_assert!(part.first_col_n_chunks() <= 1);
                }
                let rows: Vec<u32> = part.column("row").unwrap().u32().unwrap().iter().flatten().collect();
                let expected: Vec<u32> = (0..keys.len() as u32)
                    .filter(|&r| match keys[r as usize] {
                        Some(key) => chunks == 1 || key % chunks as u64 == number as u64,
                        None => chunks == 1,
                    })
                    .collect();
                proptest::prop_assert_eq!(&rows, &expected);
                let names = part.column("name").unwrap().str().unwrap();
                for (row, name) in rows.iter().zip(names.iter()) {
                    let expected = format!("row {row}");
                    proptest::prop_assert_eq!(name, Some(expected.as_str()));
                }
            }
        }
    }

    /// The chunks' results are stacked in chunk order, each chunk given the rows of every
    /// frame with its keys (here: counted, so that a chunk's rows of both frames can be told).
    #[test]
    fn chunks_get_the_rows_of_their_keys_from_every_frame_and_stack_in_order() {
        let keys: Vec<Option<u64>> = (0..40u64).map(|k| Some(k * 7)).collect();
        let (a, b) = (keyed_frame(&keys), keyed_frame(&keys[..20]));
        let stacked = by_key_chunks(PERSON_KEY, [a, b], 40, 10, |[a, b]| {
            let first_key = a.column(PERSON_KEY)?.u64()?.get(0);
            let all_in_chunk = b
                .column(PERSON_KEY)?
                .u64()?
                .iter()
                .all(|k| k.map(|k| k % 4) == first_key.map(|k| k % 4));
            Ok(df!(
                "first_key" => [first_key],
                "rows" => [a.height() as u32],
                "other_rows" => [b.height() as u32],
                "same_chunk" => [all_in_chunk],
            )?)
        })
        .unwrap();
        let first: Vec<Option<u64>> = stacked
            .column("first_key")
            .unwrap()
            .u64()
            .unwrap()
            .iter()
            .collect();
        // Keys 0, 7, 14, 21 are the first of chunks 0, 3, 2, 1 (7k mod 4).
        assert_eq!(first, [Some(0), Some(21), Some(14), Some(7)]);
        let rows: Vec<Option<u32>> = stacked
            .column("rows")
            .unwrap()
            .u32()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(rows, [Some(10); 4]);
        let other: u32 = stacked
            .column("other_rows")
            .unwrap()
            .u32()
            .unwrap()
            .iter()
            .flatten()
            .sum();
        assert_eq!(other, 20);
        assert!(stacked.column("same_chunk").unwrap().bool().unwrap().all());
    }
}
