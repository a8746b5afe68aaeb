//! `kelastat generate`: synthetic registers that follow the input contract (registers.md).
//!
//! Persons are drawn one at a time from a single seeded ChaCha8 stream, in chunks of
//! [`CHUNK_PERSONS`]; each chunk becomes the rows of persons, awards and income, whose
//! canonical frames are classified ([`crate::classify::classify`]) for every month of the year
//! with the parameters of the parameter file: the payments are the classified amounts (one
//! regular payment per award and month with an amount), with a few retroactive payments and
//! recoveries, drawn from a second stream of the seed. The chunk is then optionally corrupted
//! (`--dirty`, from a third stream, so the clean rows do not depend on the rate) and appended to
//! the four files by polars' batched writers while the next chunk is generated.
//! Same seed, same options → byte-identical files.
//!
//! The folder: `population` (codes, the world of a run, persons and awards), `generator` (the
//! seeded draws, chunk by chunk), `rows` (the register rows of a chunk), `payments` (the
//! classified amounts the payments are), `defects` (dirty mode), `writers` (frames and the
//! batched register files); this file the options and the chunk pipeline between the threads.
//!
//! Shapes (shares of persons): old-age pensioners 60 %, disability / rehabilitation subsidy
//! 12 %, early old-age 3 %, spouse's-pension survivors 6 %, orphans 5 %, front veterans 0.3 %,
//! earnings-only old-age pensioners (tested, national pension 0) the rest. About 4 % live
//! abroad, about 2 % die during the year.
use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, SyncSender};

use chrono::{Datelike, NaiveDate};
use polars::io::csv::write::BatchedWriter as CsvBatchedWriter;
use polars::io::parquet::write::BatchedWriter as ParquetBatchedWriter;
use polars::prelude::{
    BooleanChunked, Column, CsvWriter, DataFrame, DataType, Int128Chunked, Int32Chunked,
    Int64Chunked, IntoColumn, IntoLazy, NewChunkedArray, ParquetCompression, ParquetWriter,
    SerWriter, StringChunked, StringChunkedBuilder,
};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::calendar::{
    anniversary, date_of_day, days_from_civil, first_day_of, first_of_next_month, last_day_of,
    month_of_day, months_between_dates, year_of_day,
};
use crate::classify::{classify_keeping, Classified, Input};
use crate::error::{Error, Result};
use crate::params::{Law, MonthParameters, ParameterFile};
use crate::regions::Classification;
use crate::registers::{FileFormat, Register};

mod defects;
mod generator;
mod payments;
mod population;
mod rows;
#[cfg(test)]
mod tests;
mod writers;

use defects::*;
use generator::*;
use payments::*;
use population::*;
use rows::*;
use writers::*;

/// What `generate` writes and how.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub persons: usize,
    /// The reference year Y: persons are described at the end of Y; income and payments cover Y.
    /// Every month of Y must be covered by the parameter file.
    pub year: i32,
    pub seed: u64,
    pub out: PathBuf,
    pub format: FileFormat,
    /// Share of rows, in [0, 1], that get one defect (0 = clean registers).
    pub dirty: f64,
    pub classification_dir: PathBuf,
    /// The parameter file (`pipelines/parameters.toml`) the payments are computed with.
    pub parameters: PathBuf,
}

/// Rows written per register, the defects injected by the validator's reason code
/// (a duplicated key counts both copies, since both are rejected), and every row the
/// validator must reject: the injected ones and those whose person or award they reject.
#[derive(Debug, Clone)]
pub struct GenerateSummary {
    pub rows: Vec<(Register, usize)>,
    pub injected: BTreeMap<String, usize>,
    /// In register and row order.
    pub rejects: Vec<InjectedReject>,
}

/// A row `--dirty` makes the validator reject, with the reason it must give: a defect of the
/// row itself, or (`orphan_reference`, `unknown_award`) its rejected person or award.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct InjectedReject {
    pub register: Register,
    /// The row's number in its file, from 1 (the rejects file's `source_row`).
    pub row: usize,
    pub reason: &'static str,
}

/// Writes `persons`, `awards`, `income` and `payments` for `opts` into `opts.out`.
///
/// A file of the same register in the other format is removed, so that the directory
/// stays a valid register directory (registers.md forbids both formats of one register).
pub fn generate(opts: &GenerateOptions) -> Result<GenerateSummary> {
    check_options(opts)?;
    let parameters = ParameterFile::load(&opts.parameters)?;
    let classification = Classification::load(&opts.classification_dir, opts.year)?;
    let world = World::new(&classification, &parameters, opts.year)?;
    std::fs::create_dir_all(&opts.out).map_err(Error::io(&opts.out))?;
    let mut sinks = Sinks::create(&opts.out, opts.format)?;
    let (injected, rejects) = std::thread::scope(|scope| -> Result<Injected> {
        let (sender, receiver) = sync_channel::<Chunk>(1);
        let world = &world;
        let producer = scope.spawn(move || produce_chunks(world, opts, sender));
        let written = receiver.iter().try_for_each(|chunk| sinks.write(&chunk));
        // Dropping the receiver makes a producer blocked on `send` stop after a write error.
        drop(receiver);
        let injected = producer
            .join()
            .map_err(|_| Error::Other("the register generator thread panicked".into()))?;
        // A generator error ends the chunks early: it comes before what the writer made of that.
        let injected = injected?;
        written.map(|()| injected)
    })?;
    Ok(GenerateSummary {
        rows: sinks.finish()?,
        injected,
        rejects,
    })
}

/// Persons generated, corrupted and written together; also the row group size of `persons`.
const CHUNK_PERSONS: usize = 50_000;

fn check_options(opts: &GenerateOptions) -> Result<()> {
    if !(0.0..=1.0).contains(&opts.dirty) {
        return Err(Error::Usage(format!(
            "--dirty must be a rate between 0 and 1, got {}",
            opts.dirty
        )));
    }
    Ok(())
}

/// The parameters of every month of `year`: a usage error, naming the years the file does
/// cover, when it does not cover one of them.
fn year_parameters(file: &ParameterFile, year: i32) -> Result<Vec<MonthParameters>> {
    let months = |y: i32| -> Result<Vec<MonthParameters>> {
        (1..=12)
            .map(|m| {
                let first = NaiveDate::from_ymd_opt(y, m, 1)
                    .ok_or_else(|| Error::Usage(format!("{y} is not a calendar year")))?;
                file.for_month(first)
            })
            .collect()
    };
    months(year).map_err(|e| {
        let earliest = file
            .parameters
            .values()
            .filter_map(|p| p.values.first())
            .map(|v| v.from.year())
            .min()
            .unwrap_or(file.valid_until.year());
        let covered: Vec<i32> = (earliest..=file.valid_until.year())
            .filter(|&y| months(y).is_ok())
            .collect();
        let years = match (covered.first(), covered.last()) {
            (Some(a), Some(b)) => format!("the years {a}..={b}"),
            _ => "no whole year".to_string(),
        };
        Error::Usage(format!(
            "--year {year}: every month of the year must be covered by the parameter file, \
             which covers {years} ({e})"
        ))
    })
}

/// The defects injected by reason, and the rows they make the validator reject.
type Injected = (BTreeMap<String, usize>, Vec<InjectedReject>);

/// The generator thread: persons in chunks, each corrupted and sent to the writer.
/// Returns the defects injected.
fn produce_chunks<'a>(
    world: &World<'a>,
    opts: &GenerateOptions,
    sender: SyncSender<Chunk<'a>>,
) -> Result<Injected> {
    let mut generator = Generator::new(world, opts.seed);
    let mut corruptor = Corruptor::new(opts.seed, opts.dirty, opts.format, world);
    let mut remaining = opts.persons;
    loop {
        let size = remaining.min(CHUNK_PERSONS);
        remaining -= size;
        let mut chunk = generator.chunk(size)?;
        corruptor.corrupt(&mut chunk);
        if sender.send(chunk).is_err() || remaining == 0 {
            break;
        }
    }
    corruptor.rejects.sort();
    Ok((corruptor.counts, corruptor.rejects))
}

/// The day the guarantee pension exists from (`Law::guarantee_pension_from`).
fn guarantee_pension_start(law: &Law) -> i32 {
    let from = law.guarantee_pension_from.value.0;
    days_from_civil(from.year(), from.month(), from.day())
}
