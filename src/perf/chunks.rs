//! Work divided by key: a stage that reads one person's (or one award's) rows at a time runs
//! over chunks of keys, `threads()` chunks at once, and stacks the results in chunk order, so
//! the results do not depend on the number of threads.
use polars::prelude::*;

use crate::error::Result;
use crate::perf::threads;

/// Keys (persons, or awards) per chunk where a stage works key by key (classification, the
/// recipients, the payments' awards): a chunk's intermediate columns and hash tables stay
/// small, where ten million persons at once grew classification 21× from one million.
/// `threads()` chunks are worked on at once.
pub const CHUNK_KEYS: usize = 500_000;

/// Runs `part` on each chunk of about `chunk_keys` of `keys` distinct keys and stacks the
/// results in chunk order. Each of `frames` (with a `key` column: `PERSON_KEY` or
/// `AWARD_KEY`) is divided once into the chunks' rows (`KeyParts`), so `part` gets, for its
/// chunk, the rows of every frame whose key modulo the number of chunks is the chunk's number,
/// gathered just before the chunk runs. Chunks run `threads()` at a time, each on a thread of
/// its own: one chunk's plan leaves a core idle through much of it.
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
    let run = &run;
    let at_once = threads().max(1);
    let mut rows = DataFrame::empty();
    for first in (0..chunks).step_by(at_once) {
        let parts: Vec<Result<DataFrame>> = std::thread::scope(|scope| {
            let others: Vec<_> = (first + 1..chunks.min(first + at_once))
                .map(|chunk| scope.spawn(move || run(chunk)))
                .collect();
            let first = run(first);
            std::iter::once(first)
                .chain(
                    others
                        .into_iter()
                        .map(|o| o.join().expect("a chunk's thread panicked")),
                )
                .collect()
        });
        for part in parts {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::perf::keys::PERSON_KEY;

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
