//! The performance machinery: the tools the stages use to work at national scale, each behind a
//! small interface, none of them a rule of the domain. A stage says what it computes; these
//! say how it is computed fast and within memory.
//!
//! - `keys`: identifiers hashed to 64-bit keys, joined and grouped by instead of strings.
//! - `positions`: codes held as their one-byte positions in a code list.
//! - `distinct`: duplicate keys found by sorting; the proof that distinct identifiers got
//!   distinct keys.
//! - `chunks`: work divided by key into chunks, `threads()` at once, stacked in order.
//! - `runs`: sums of a streamed register per key, by runs of consecutive rows.
//! - `lookup`: validation's references found by identifier, in the registers' own order.
use std::sync::OnceLock;

use polars::prelude::*;

pub mod chunks;
pub mod distinct;
pub mod keys;
pub mod lookup;
pub mod positions;
pub mod runs;

/// The environment variable that sets `threads()`: a whole number of at least 1.
pub const THREADS_ENV: &str = "KELASTAT_THREADS";

/// How many chunks a stage works on at once (`chunks::by_key_chunks`): `KELASTAT_THREADS`
/// when set, else the number of cores available. Each chunk at work holds its own
/// intermediate columns, so fewer threads use less memory; the results are the same for any
/// number.
pub fn threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| {
        let given = std::env::var(THREADS_ENV).ok();
        given
            .and_then(|text| text.trim().parse::<usize>().ok())
            .filter(|&n| n > 0)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
    })
}

/// Runs a query with the streaming engine: a scan of a large register is read in batches,
/// never as a whole.
pub fn collect_streaming(lf: LazyFrame) -> PolarsResult<DataFrame> {
    lf.collect_with_engine(Engine::Streaming)
        .map(|r| r.unwrap_single())
}
