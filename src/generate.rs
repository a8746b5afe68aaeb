//! `kelastat generate`: synthetic registers that follow the input contract (registers.md).
//!
//! Persons are drawn one at a time from a single seeded ChaCha8 stream, in chunks of
//! [`CHUNK_PERSONS`]; each chunk becomes the rows of the four registers, is optionally
//! corrupted (`--dirty`, from a second stream of the same seed, so the clean rows do not
//! depend on the rate) and is appended to the four files by polars' batched writers while
//! the next chunk is generated. Same seed, same options → byte-identical files.
//!
//! Shapes (shares of persons): old-age pensioners 60 %, disability / rehabilitation subsidy
//! 12 %, early old-age 3 %, spouse's-pension survivors 6 %, orphans 5 %, front veterans 0.3 %,
//! earnings-only old-age pensioners (tested, national pension 0) the rest. About 4 % live
//! abroad, about 2 % die during the year. Monthly amounts of payments come from
//! [`synthetic_amount`], a simplified reading of rules.md: the classification stage is the
//! authority for what the rules give.
use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, SyncSender};

use polars::io::csv::write::BatchedWriter as CsvBatchedWriter;
use polars::io::parquet::write::BatchedWriter as ParquetBatchedWriter;
use polars::prelude::{
    BooleanChunked, Column, CsvWriter, DataFrame, DataType, Int128Chunked, Int32Chunked,
    Int64Chunked, IntoColumn, NewChunkedArray, ParquetCompression, ParquetWriter, SerWriter,
    StringChunked, StringChunkedBuilder,
};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::{Error, Result};
use crate::regions::Classification;
use crate::registers::{FileFormat, Register};

/// What `generate` writes and how.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub persons: usize,
    /// The reference year Y: persons are described at the end of Y; income and payments cover Y.
    pub year: i32,
    pub seed: u64,
    pub out: PathBuf,
    pub format: FileFormat,
    /// Share of rows, in [0, 1], that get one defect (0 = clean registers).
    pub dirty: f64,
    pub classification_dir: PathBuf,
}

/// Rows written per register, and the defects injected by the validator's reason code
/// (a duplicated key counts both copies, since both are rejected).
#[derive(Debug, Clone)]
pub struct GenerateSummary {
    pub rows: Vec<(Register, usize)>,
    pub injected: BTreeMap<String, usize>,
}

/// Writes `persons`, `awards`, `income` and `payments` for `opts` into `opts.out`.
///
/// A file of the same register in the other format is removed, so that the directory
/// stays a valid register directory (registers.md forbids both formats of one register).
pub fn generate(opts: &GenerateOptions) -> Result<GenerateSummary> {
    check_options(opts)?;
    let classification = Classification::load(&opts.classification_dir, opts.year)?;
    let world = World::new(&classification, opts.year);
    std::fs::create_dir_all(&opts.out).map_err(Error::io(&opts.out))?;
    let mut sinks = Sinks::create(&opts.out, opts.format)?;
    let injected = std::thread::scope(|scope| -> Result<BTreeMap<String, usize>> {
        let (sender, receiver) = sync_channel::<Chunk>(1);
        let world = &world;
        let producer = scope.spawn(move || produce_chunks(world, opts, sender));
        let written = receiver.iter().try_for_each(|chunk| sinks.write(&chunk));
        // Dropping the receiver makes a producer blocked on `send` stop after a write error.
        drop(receiver);
        let injected = producer
            .join()
            .map_err(|_| Error::Other("the register generator thread panicked".into()))?;
        written.map(|()| injected)
    })?;
    Ok(GenerateSummary {
        rows: sinks.finish()?,
        injected,
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
    if !(1980..=2100).contains(&opts.year) {
        return Err(Error::Usage(format!(
            "--year must be between 1980 and 2100, got {}",
            opts.year
        )));
    }
    Ok(())
}

/// The generator thread: persons in chunks, each corrupted and sent to the writer.
/// Returns the defects injected.
fn produce_chunks<'a>(
    world: &World<'a>,
    opts: &GenerateOptions,
    sender: SyncSender<Chunk<'a>>,
) -> BTreeMap<String, usize> {
    let mut generator = Generator::new(world, opts.seed);
    let mut corruptor = Corruptor::new(opts.seed, opts.dirty, opts.format, world);
    let mut remaining = opts.persons;
    loop {
        let size = remaining.min(CHUNK_PERSONS);
        remaining -= size;
        let mut chunk = generator.chunk(size);
        corruptor.corrupt(&mut chunk);
        if sender.send(chunk).is_err() || remaining == 0 {
            break;
        }
    }
    corruptor.counts
}

// ---------------------------------------------------------------------------------------------
// Calendar: dates are days since 1970-01-01 (polars `Date`), months are `12 × year + month − 1`.

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = (y - era * 400) as u32;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe as i32 - 719_468
}

fn civil_from_days(days: i32) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = (z - era * 146_097) as u32;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe as i32 + era * 400 + i32::from(month <= 2);
    (year, month, day)
}

fn is_leap(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn year_of(days: i32) -> i32 {
    civil_from_days(days).0
}

fn month_index(days: i32) -> i32 {
    let (y, m, _) = civil_from_days(days);
    y * 12 + m as i32 - 1
}

fn month_start(month: i32) -> i32 {
    days_from_civil(month.div_euclid(12), month.rem_euclid(12) as u32 + 1, 1)
}

fn month_end(month: i32) -> i32 {
    month_start(month + 1) - 1
}

fn first_of_next_month(days: i32) -> i32 {
    month_start(month_index(days) + 1)
}

/// The `years`th birthday; a 29 February birthday falls on 28 February in other years.
fn anniversary(birth: i32, years: i32) -> i32 {
    let (y, m, d) = civil_from_days(birth);
    let year = y + years;
    let day = if m == 2 && d == 29 && !is_leap(year) {
        28
    } else {
        d
    };
    days_from_civil(year, m, day)
}

/// Age in whole years on `date`.
fn age_at(birth: i32, date: i32) -> i32 {
    let years = year_of(date) - year_of(birth);
    if anniversary(birth, years) > date {
        years - 1
    } else {
        years
    }
}

/// Whole calendar months from `from` to `to`, counted down (rules.md).
fn months_between(from: i32, to: i32) -> i32 {
    let (y1, m1, d1) = civil_from_days(from);
    let (y2, m2, d2) = civil_from_days(to);
    12 * (y2 - y1) + m2 as i32 - m1 as i32 - i32::from(d2 < d1)
}

// ---------------------------------------------------------------------------------------------
// Parameters (rules.md tables A-D) for the synthetic amounts.

/// Amounts in cents per month; `t` in euros per year, `afvs_step*` in cents per year.
#[derive(Debug, Clone, Copy)]
struct Params {
    np_single: i64,
    np_couple: i64,
    t: i64,
    minimum: i64,
    gp_full: i64,
    spouse_initial: i64,
    spouse_basic: i64,
    spouse_additional_single: i64,
    spouse_additional_couple: i64,
    orphan_basic: i64,
    orphan_additional: i64,
    child_increase: i64,
    fvs: i64,
    afvs_threshold: i64,
    afvs_step1: i64,
    afvs_step2: i64,
    afvs_minimum: i64,
}

/// From (year, month): NP single, NP couple, T (€/yr), minimum, GP full, spouse initial,
/// spouse basic, spouse additional single, couple, orphan basic, orphan additional,
/// child increase, FV supplement, additional FVS threshold, step1, step2 (cents/yr),
/// additional FVS minimum. 0 = not known (no guarantee pension before 2011-03; the additional
/// front-veterans' supplement is not computed before 2019-04).
#[rustfmt::skip]
const PARAMETER_ROWS: &[((i32, u32), [i64; 17])] = &[
    ((2011, 1), [58646, 52019, 621, 623, 0, 30247, 9474, 49172, 42545, 5565, 8418, 2045, 4582, 9474, 0, 0, 0]),
    ((2011, 3), [58646, 52019, 621, 623, 68774, 30247, 9474, 49172, 42545, 5565, 8418, 2045, 4582, 9474, 0, 0, 0]),
    ((2012, 1), [60863, 53985, 644, 647, 71373, 31390, 9832, 51031, 44153, 5776, 8736, 2123, 4755, 9832, 0, 0, 0]),
    ((2013, 1), [63002, 55883, 667, 669, 73882, 32493, 10178, 52824, 45705, 5979, 9043, 2197, 4922, 10178, 0, 0, 0]),
    ((2014, 1), [63391, 56227, 671, 674, 74338, 32694, 10241, 53150, 45987, 6015, 9099, 2211, 4953, 10241, 0, 0, 0]),
    ((2015, 1), [63663, 56469, 674, 676, 74657, 32834, 10285, 53379, 46184, 6041, 9138, 2220, 4974, 10285, 0, 0, 0]),
    ((2016, 1), [63430, 56262, 671, 674, 76685, 32714, 10247, 53183, 46015, 6019, 9105, 2212, 4956, 10247, 0, 0, 0]),
    ((2017, 1), [62885, 55779, 666, 668, 76026, 32433, 10159, 52726, 45620, 5968, 9026, 2193, 4956, 10247, 0, 0, 0]),
    ((2018, 1), [62885, 55779, 666, 668, 77527, 32433, 10159, 52726, 45620, 5968, 9026, 2193, 4957, 0, 0, 0, 0]),
    ((2019, 1), [62885, 55779, 666, 668, 78452, 32433, 10159, 52726, 45620, 5968, 9026, 2193, 4957, 0, 0, 0, 0]),
    ((2019, 4), [62885, 55779, 666, 668, 78452, 32433, 10159, 52726, 45620, 5968, 9026, 2193, 5019, 9044, 7248, 17931, 0]),
    ((2020, 1), [66286, 59179, 672, 675, 83452, 32754, 10260, 53248, 46071, 6027, 9116, 2215, 5068, 9133, 7320, 18108, 651]),
    ((2020, 4), [66286, 59179, 672, 675, 83452, 32754, 10260, 53248, 46071, 6027, 9116, 2215, 12500, 9133, 7320, 18108, 651]),
    ((2021, 1), [66529, 59397, 675, 677, 83759, 32874, 10297, 53444, 46241, 6049, 9149, 2223, 12546, 9167, 7347, 18175, 653]),
    ((2022, 1), [67950, 60665, 689, 692, 85548, 33576, 10517, 54585, 47228, 6178, 9345, 2271, 12813, 9362, 7503, 18563, 667]),
    ((2022, 8), [70345, 62803, 713, 716, 88563, 34760, 10888, 56509, 48893, 6396, 9675, 2352, 13265, 9685, 7768, 19218, 691]),
    ((2023, 1), [73267, 65413, 743, 746, 92242, 36204, 11340, 58857, 50924, 6661, 10076, 2448, 13816, 10095, 8091, 20016, 720]),
    ((2024, 1), [77570, 69254, 787, 790, 97659, 38330, 12006, 62313, 53915, 7053, 10668, 2592, 14628, 10688, 8566, 21191, 762]),
    ((2024, 5), [77570, 69254, 787, 790, 97659, 38330, 12006, 62313, 53915, 7053, 10668, 2592, 20001, 10688, 8566, 21191, 762]),
    ((2025, 1), [78341, 69942, 795, 797, 98630, 38711, 12125, 62933, 54451, 7123, 10774, 2618, 20200, 10794, 8651, 21402, 769]),
    ((2026, 1), [78707, 70269, 798, 801, 99090, 38892, 12182, 63226, 54705, 7156, 10824, 2630, 20294, 10844, 8691, 21502, 773]),
];

/// The parameters in force in `month`; months outside the table use its first or last row.
fn params_for(month: i32) -> Params {
    let row = PARAMETER_ROWS
        .iter()
        .rev()
        .find(|((y, m), _)| y * 12 + *m as i32 - 1 <= month)
        .unwrap_or(&PARAMETER_ROWS[0]);
    let v = row.1;
    Params {
        np_single: v[0],
        np_couple: v[1],
        t: v[2],
        minimum: v[3],
        gp_full: v[4],
        spouse_initial: v[5],
        spouse_basic: v[6],
        spouse_additional_single: v[7],
        spouse_additional_couple: v[8],
        orphan_basic: v[9],
        orphan_additional: v[10],
        child_increase: v[11],
        fvs: v[12],
        afvs_threshold: v[13],
        afvs_step1: v[14],
        afvs_step2: v[15],
        afvs_minimum: v[16],
    }
}

/// The guarantee pension exists from 2011-03-01.
fn guarantee_pension_start() -> i32 {
    days_from_civil(2011, 3, 1)
}

// ---------------------------------------------------------------------------------------------
// Codes.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Benefit {
    NationalPension,
    GuaranteePension,
    SpousePension,
    OrphanPension,
    ChildIncrease,
    FrontVeteranSupplement,
    AdditionalFrontVeteranSupplement,
}

impl Benefit {
    fn code(self) -> &'static str {
        match self {
            Benefit::NationalPension => "national_pension",
            Benefit::GuaranteePension => "guarantee_pension",
            Benefit::SpousePension => "spouse_pension",
            Benefit::OrphanPension => "orphan_pension",
            Benefit::ChildIncrease => "child_increase",
            Benefit::FrontVeteranSupplement => "front_veteran_supplement",
            Benefit::AdditionalFrontVeteranSupplement => "additional_front_veteran_supplement",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IncomeType {
    EarningsRelatedPension,
    ForeignPension,
    SurvivorsPension,
    AccidentPension,
    EarnedIncome,
    CapitalIncome,
}

impl IncomeType {
    fn code(self) -> &'static str {
        match self {
            IncomeType::EarningsRelatedPension => "earnings_related_pension",
            IncomeType::ForeignPension => "foreign_pension",
            IncomeType::SurvivorsPension => "survivors_pension",
            IncomeType::AccidentPension => "accident_pension",
            IncomeType::EarnedIncome => "earned_income",
            IncomeType::CapitalIncome => "capital_income",
        }
    }

    /// Counts 100 % for the national pension, guarantee pension and additional FVS.
    fn counts_for_pensions(self) -> bool {
        matches!(
            self,
            IncomeType::EarningsRelatedPension
                | IncomeType::ForeignPension
                | IncomeType::SurvivorsPension
                | IncomeType::AccidentPension
        )
    }
}

/// Other pensions (cents a month) below which a person gets a guarantee pension award.
const GUARANTEE_INCOME_LIMIT: i64 = 35_000;

const REGULAR: &str = "regular";
const RETROACTIVE: &str = "retroactive";
const RECOVERY: &str = "recovery";

// ---------------------------------------------------------------------------------------------
// The population being generated.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Profile {
    OldAge,
    EarningsOnly,
    EarlyOldAge,
    Disability,
    Survivor,
    Orphan,
    FrontVeteran,
}

const PROFILE_SHARES: &[(Profile, f64)] = &[
    (Profile::OldAge, 0.60),
    (Profile::Disability, 0.12),
    (Profile::EarlyOldAge, 0.03),
    (Profile::Survivor, 0.06),
    (Profile::Orphan, 0.05),
    (Profile::FrontVeteran, 0.003),
    (Profile::EarningsOnly, 0.137),
];

impl Profile {
    fn couple_share(self) -> f64 {
        match self {
            Profile::OldAge | Profile::EarningsOnly | Profile::EarlyOldAge => 0.45,
            Profile::FrontVeteran => 0.30,
            Profile::Disability => 0.25,
            Profile::Survivor => 0.10,
            Profile::Orphan => 0.0,
        }
    }

    fn death_share(self) -> f64 {
        match self {
            Profile::FrontVeteran => 0.15,
            Profile::OldAge | Profile::EarningsOnly => 0.025,
            Profile::EarlyOldAge => 0.015,
            Profile::Disability | Profile::Survivor | Profile::Orphan => 0.005,
        }
    }
}

/// Persons aged 65+ in Finland by five-year band (thousands, approximate).
const OLD_AGE_BANDS: &[((i32, i32), f64)] = &[
    ((65, 69), 330.0),
    ((70, 74), 360.0),
    ((75, 79), 290.0),
    ((80, 84), 170.0),
    ((85, 89), 90.0),
    ((90, 94), 35.0),
    ((95, 100), 8.0),
];

/// Countries of residence abroad, weighted.
const COUNTRIES_ABROAD: &[(&str, f64)] = &[
    ("SE", 50.0),
    ("ES", 10.0),
    ("DE", 6.0),
    ("EE", 6.0),
    ("NO", 5.0),
    ("US", 5.0),
    ("GB", 4.0),
    ("FR", 2.0),
    ("CH", 2.0),
    ("AU", 3.0),
    ("CA", 2.0),
    ("TH", 3.0),
    ("PT", 2.0),
];

/// Approximate populations of the largest municipalities.
const LARGE_MUNICIPALITIES: &[(&str, f64)] = &[
    ("091", 670_000.0),
    ("049", 310_000.0),
    ("837", 250_000.0),
    ("092", 245_000.0),
    ("564", 215_000.0),
    ("853", 200_000.0),
    ("179", 148_000.0),
    ("297", 125_000.0),
    ("398", 121_000.0),
    ("609", 83_000.0),
    ("286", 79_000.0),
    ("167", 77_000.0),
    ("405", 73_000.0),
    ("109", 68_000.0),
    ("905", 68_000.0),
    ("743", 65_000.0),
    ("698", 65_000.0),
    ("491", 52_000.0),
    ("285", 51_000.0),
    ("734", 51_000.0),
];

/// A deterministic log-normal population (median 6000) for a municipality not listed in
/// [`LARGE_MUNICIPALITIES`], drawn from its code alone.
fn small_municipality_weight(code: &str) -> f64 {
    let hash = code.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let mut rng = ChaCha8Rng::seed_from_u64(hash);
    let u1: f64 = rng.gen::<f64>().max(1e-12);
    let u2: f64 = rng.gen();
    let normal = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    (6000f64.ln() + 1.1 * normal).exp().min(45_000.0)
}

/// Items drawn with probabilities proportional to their weights.
#[derive(Debug, Clone)]
struct WeightedPicker<T> {
    items: Vec<T>,
    cumulative: Vec<f64>,
}

impl<T: Copy> WeightedPicker<T> {
    fn new(weighted: impl IntoIterator<Item = (T, f64)>) -> Self {
        let mut items = Vec::new();
        let mut cumulative = Vec::new();
        let mut total = 0.0;
        for (item, weight) in weighted {
            total += weight;
            items.push(item);
            cumulative.push(total);
        }
        assert!(total > 0.0, "a weighted picker needs a positive weight");
        WeightedPicker { items, cumulative }
    }

    fn pick(&self, rng: &mut ChaCha8Rng) -> T {
        let total = *self.cumulative.last().expect("non-empty picker");
        let u = rng.gen::<f64>() * total;
        let i = self.cumulative.partition_point(|&c| c <= u);
        self.items[i.min(self.items.len() - 1)]
    }
}

/// One month of the reference year.
#[derive(Debug, Clone, Copy)]
struct Month {
    index: i32,
    start: i32,
    end: i32,
    params: Params,
}

/// Everything fixed for a run: the year, its months and parameters, and the samplers.
struct World<'a> {
    year: i32,
    jan1: i32,
    dec31: i32,
    months: Vec<Month>,
    municipalities: WeightedPicker<&'a str>,
    countries: WeightedPicker<&'static str>,
    profiles: WeightedPicker<Profile>,
    old_age_bands: WeightedPicker<(i32, i32)>,
    /// Birth years (1952-1961) whose early old-age pension could start before year Y.
    early_cohorts: Vec<i32>,
    /// A municipality code not in the classification.
    unknown_municipality: &'static str,
}

impl<'a> World<'a> {
    fn new(classification: &'a Classification, year: i32) -> World<'a> {
        let months = (0..12)
            .map(|m| {
                let index = year * 12 + m;
                Month {
                    index,
                    start: month_start(index),
                    end: month_end(index),
                    params: params_for(index),
                }
            })
            .collect();
        let municipalities = WeightedPicker::new(classification.municipalities.iter().map(|m| {
            let large = LARGE_MUNICIPALITIES
                .iter()
                .find(|(code, _)| *code == m.code);
            let weight = large.map_or_else(|| small_municipality_weight(&m.code), |l| l.1);
            (m.code.as_str(), weight)
        }));
        let unknown_municipality = ["999", "998", "997", "000"]
            .into_iter()
            .find(|code| classification.get(code).is_none())
            .unwrap_or("999");
        World {
            year,
            jan1: days_from_civil(year, 1, 1),
            dec31: days_from_civil(year, 12, 31),
            months,
            municipalities,
            countries: WeightedPicker::new(COUNTRIES_ABROAD.iter().copied()),
            profiles: WeightedPicker::new(PROFILE_SHARES.iter().copied()),
            old_age_bands: WeightedPicker::new(OLD_AGE_BANDS.iter().copied()),
            early_cohorts: (1952..=1961)
                .filter(|&born| born + early_old_age_min_age(born) < year)
                .collect(),
            unknown_municipality,
        }
    }

    fn last_month(&self) -> i32 {
        self.months[11].index
    }
}

/// The lowest early old-age pension age of a cohort born 1952-1961 (rules.md).
fn early_old_age_min_age(born: i32) -> i32 {
    if born <= 1957 {
        63
    } else {
        64
    }
}

#[derive(Debug, Clone)]
struct Award {
    number: u64,
    benefit: Benefit,
    kind: Option<&'static str>,
    start: i32,
    end: Option<i32>,
    decision: i32,
    early_months: Option<i64>,
    deferral_months: Option<i64>,
    residence_months: Option<i64>,
    deceased_birth: Option<i32>,
    deceased_death: Option<i32>,
    child_under_18: Option<bool>,
    children: Option<i64>,
}

impl Award {
    fn in_force(&self, month: &Month) -> bool {
        self.start <= month.end && self.end.is_none_or(|end| end >= month.start)
    }

    fn is_dormancy_tested(&self) -> bool {
        matches!(self.kind, Some("disability" | "rehabilitation_subsidy"))
    }
}

#[derive(Debug, Clone)]
struct Person<'a> {
    number: u64,
    birth: i32,
    sex: i64,
    death: Option<i32>,
    country: &'static str,
    municipality: Option<&'a str>,
    couple: bool,
    front_veteran: Option<&'static str>,
    /// Monthly amounts in cents, constant over the year.
    incomes: Vec<(IncomeType, i64)>,
    awards: Vec<Award>,
}

impl Person<'_> {
    fn income(&self, counts: impl Fn(IncomeType) -> bool) -> i64 {
        self.incomes
            .iter()
            .filter(|(ty, _)| counts(*ty))
            .map(|(_, cents)| cents)
            .sum()
    }

    fn alive_in(&self, month: i32) -> bool {
        self.death.is_none_or(|d| month_index(d) >= month)
    }

    fn add_income(&mut self, ty: IncomeType, cents: i64) {
        if cents > 0 {
            self.incomes.push((ty, cents));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Synthetic amounts.

/// `num / den` rounded half away from zero (`den > 0`).
fn div_round(num: i64, den: i64) -> i64 {
    let q = (2 * num.abs() + den) / (2 * den);
    if num < 0 {
        -q
    } else {
        q
    }
}

/// `round0(12 × monthly)` in euros.
fn yearly_euros(monthly_cents: i64) -> i64 {
    div_round(12 * monthly_cents, 100)
}

/// The monthly income reduction `round2((Y − T) / 24)` in cents.
fn reduction(yearly_euros: i64, t: i64) -> i64 {
    if yearly_euros > t {
        div_round((yearly_euros - t) * 100, 24)
    } else {
        0
    }
}

/// rules.md step 2: `amount × residence / (0.8 × total)` when residence < 0.8 × total.
fn residence_adjusted(amount: i64, residence_months: i64, total_months: i64) -> i64 {
    if total_months > 0 && 10 * residence_months < 8 * total_months {
        div_round(amount * residence_months * 10, 8 * total_months)
    } else {
        amount
    }
}

/// Months from the 16th birthday to the earlier of `until` and the 65th birthday.
fn residence_total(birth: i32, until: i32) -> i64 {
    i64::from(months_between(
        anniversary(birth, 16),
        until.min(anniversary(birth, 65)),
    ))
}

/// What one award's month is computed against.
struct MonthContext<'p, 'a> {
    person: &'p Person<'a>,
    month: &'p Month,
    /// The person's national pension paid this month.
    national_pension: i64,
    national_pension_award: Option<&'p Award>,
}

/// A plausible monthly amount in cents for `award` in `ctx.month` (0 = nothing paid).
///
/// **Synthetic**: a simplified reading of rules.md with its parameters, only so that the
/// generated payments look realistic. The classification stage is the authority for what
/// the rules give; nothing may rely on these amounts matching it.
fn synthetic_amount(award: &Award, ctx: &MonthContext) -> i64 {
    let params = &ctx.month.params;
    match award.benefit {
        Benefit::NationalPension => national_pension(award, ctx.person, params),
        Benefit::GuaranteePension => guarantee_pension(award, ctx),
        Benefit::SpousePension => spouse_pension(award, ctx),
        Benefit::OrphanPension => orphan_pension(award, ctx),
        Benefit::ChildIncrease => award.children.unwrap_or(0) * params.child_increase,
        Benefit::FrontVeteranSupplement => params.fvs,
        Benefit::AdditionalFrontVeteranSupplement => additional_front_veteran_supplement(ctx),
    }
}

/// National pension steps 1-4 (before the minimum and the dormancy test).
fn national_pension_before_minimum(
    award: &Award,
    person: &Person,
    params: &Params,
    with_residence: bool,
) -> i64 {
    let mut full = if person.couple {
        params.np_couple
    } else {
        params.np_single
    };
    if let (true, Some(residence)) = (with_residence, award.residence_months) {
        full = residence_adjusted(full, residence, residence_total(person.birth, award.start));
    }
    let yearly = yearly_euros(person.income(IncomeType::counts_for_pensions));
    let mut amount = (full - reduction(yearly, params.t)).max(0);
    if award.kind == Some("early_old_age") {
        amount = div_round(amount * (1000 - 4 * award.early_months.unwrap_or(0)), 1000);
    }
    let deferral = award.deferral_months.unwrap_or(0);
    if deferral > 0 {
        let per_mille = if year_of(person.birth) < 1962 { 6 } else { 4 };
        amount = div_round(amount * (1000 + per_mille * deferral), 1000);
    }
    amount
}

fn national_pension(award: &Award, person: &Person, params: &Params) -> i64 {
    let amount = national_pension_before_minimum(award, person, params, true);
    // The guarantee pension's full amount stands in for the earnings limit (equal in most years).
    let dormant = award.is_dormancy_tested()
        && person.income(|ty| ty == IncomeType::EarnedIncome) > params.gp_full;
    if amount < params.minimum || dormant {
        0
    } else {
        amount
    }
}

fn guarantee_pension(award: &Award, ctx: &MonthContext) -> i64 {
    let params = &ctx.month.params;
    if params.gp_full == 0 {
        return 0;
    }
    let full = div_round(
        params.gp_full * (1000 - 4 * award.early_months.unwrap_or(0)),
        1000,
    );
    let other = ctx.person.income(IncomeType::counts_for_pensions);
    let amount = full - ctx.national_pension - other;
    if amount < params.minimum {
        0
    } else {
        amount
    }
}

fn spouse_pension(award: &Award, ctx: &MonthContext) -> i64 {
    let (params, person) = (&ctx.month.params, ctx.person);
    let Some(death) = award.deceased_death else {
        return 0;
    };
    let since_death = ctx.month.index - month_index(death);
    if since_death <= 0 || age_at(person.birth, ctx.month.end) >= 65 {
        return 0;
    }
    let scale = |amount: i64| match (award.residence_months, award.deceased_birth) {
        (Some(residence), Some(birth)) => {
            residence_adjusted(amount, residence, residence_total(birth, death))
        }
        _ => amount,
    };
    let amount = if since_death <= 6 {
        (scale(params.spouse_initial) - ctx.national_pension).max(0)
    } else if ctx.national_pension > 0 {
        0
    } else {
        let basic = if award.child_under_18 == Some(true) {
            scale(params.spouse_basic)
        } else {
            0
        };
        let maximum = scale(if person.couple {
            params.spouse_additional_couple
        } else {
            params.spouse_additional_single
        });
        // Tenths of cents: pensions and capital income 100 %, earned income 60 %.
        let counted = 10
            * person.income(|ty| ty.counts_for_pensions() || ty == IncomeType::CapitalIncome)
            + 6 * person.income(|ty| ty == IncomeType::EarnedIncome);
        let yearly = div_round(12 * counted, 1000);
        basic + (maximum - reduction(yearly, params.t)).max(0)
    };
    if amount < params.minimum {
        0
    } else {
        amount
    }
}

fn orphan_pension(award: &Award, ctx: &MonthContext) -> i64 {
    let params = &ctx.month.params;
    let age = age_at(ctx.person.birth, ctx.month.end);
    let child = award.kind == Some("child");
    let eligible = if child {
        age < 18
    } else {
        (18..=20).contains(&age)
    };
    let after_death = award
        .deceased_death
        .is_some_and(|d| month_index(d) < ctx.month.index);
    if !eligible || !after_death {
        return 0;
    }
    let additional = if child {
        let yearly = yearly_euros(ctx.person.income(|ty| ty == IncomeType::SurvivorsPension));
        (params.orphan_additional - reduction(yearly, params.t)).max(0)
    } else {
        0
    };
    let amount = params.orphan_basic + additional;
    if amount < params.minimum {
        0
    } else {
        amount
    }
}

fn additional_front_veteran_supplement(ctx: &MonthContext) -> i64 {
    let (params, person) = (&ctx.month.params, ctx.person);
    let Some(np_award) = ctx.national_pension_award else {
        return 0;
    };
    if person.country != "FI"
        || person.front_veteran != Some("front")
        || ctx.national_pension <= 0
        || params.afvs_step1 == 0
    {
        return 0;
    }
    let base = national_pension_before_minimum(np_award, person, params, false);
    let yearly = yearly_euros(person.income(IncomeType::counts_for_pensions));
    let percent = (45
        - yearly.min(params.t) * 100 / params.afvs_step1
        - (yearly - params.t).max(0) * 100 / params.afvs_step2)
        .max(25);
    let amount = if base > params.afvs_threshold {
        div_round(percent * (base - params.afvs_threshold), 100)
    } else {
        0
    };
    if amount < params.afvs_minimum {
        0
    } else {
        amount
    }
}

// ---------------------------------------------------------------------------------------------
// Register rows.

/// A key as written: `Known(n)` → `P0000001`, `Unknown(n)` → `P_UNKNOWN0000001`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Id {
    Null,
    Known(u64),
    Unknown(u64),
}

/// How the ids of one key column are spelled.
struct IdStyle {
    prefix: &'static str,
    unknown_prefix: &'static str,
    width: usize,
}

const PERSON_IDS: IdStyle = IdStyle {
    prefix: "P",
    unknown_prefix: "P_UNKNOWN",
    width: 7,
};
const AWARD_IDS: IdStyle = IdStyle {
    prefix: "A",
    unknown_prefix: "A_UNKNOWN",
    width: 7,
};
const PAYMENT_IDS: IdStyle = IdStyle {
    prefix: "Y",
    unknown_prefix: "Y_UNKNOWN",
    width: 8,
};

#[derive(Debug, Clone)]
struct PersonRow<'a> {
    person_id: Id,
    birth_date: Option<i32>,
    sex: Option<i64>,
    death_date: Option<i32>,
    municipality: Option<&'a str>,
    country: Option<&'static str>,
    family_status: Option<&'static str>,
    front_veteran: Option<&'static str>,
}

#[derive(Debug, Clone)]
struct AwardRow {
    /// The person's row in the chunk (not written).
    person: usize,
    award_id: Id,
    person_id: Id,
    benefit: Option<&'static str>,
    kind: Option<&'static str>,
    start_date: Option<i32>,
    end_date: Option<i32>,
    decision_date: Option<i32>,
    early_months: Option<i64>,
    deferral_months: Option<i64>,
    residence_months: Option<i64>,
    deceased_birth_date: Option<i32>,
    deceased_death_date: Option<i32>,
    child_under_18: Option<bool>,
    children: Option<i64>,
}

#[derive(Debug, Clone)]
struct IncomeRow {
    person: usize,
    person_id: Id,
    month: Option<i32>,
    income_type: Option<&'static str>,
    amount: Option<i64>,
}

#[derive(Debug, Clone)]
struct PaymentRow {
    person: usize,
    /// The award's row in the chunk when `award_id` names it (not written).
    award: Option<usize>,
    payment_id: Id,
    person_id: Id,
    award_id: Id,
    benefit: Option<&'static str>,
    period_month: Option<i32>,
    payment_date: Option<i32>,
    payment_type: Option<&'static str>,
    amount: Option<i64>,
}

/// A CSV field written as `text` instead of its typed value (an unparsable value).
#[derive(Debug, Clone)]
struct TextOverride {
    row: usize,
    column: &'static str,
    text: String,
}

/// The rows of all four registers for one chunk of persons.
#[derive(Debug, Default)]
struct Chunk<'a> {
    persons: Vec<PersonRow<'a>>,
    /// Birth dates of the chunk's persons, by row.
    births: Vec<i32>,
    awards: Vec<AwardRow>,
    income: Vec<IncomeRow>,
    payments: Vec<PaymentRow>,
    /// CSV-only field overrides, per register in [`Register::ALL`] order.
    overrides: [Vec<TextOverride>; 4],
}

fn person_row<'a>(p: &Person<'a>) -> PersonRow<'a> {
    PersonRow {
        person_id: Id::Known(p.number),
        birth_date: Some(p.birth),
        sex: Some(p.sex),
        death_date: p.death,
        municipality: p.municipality,
        country: Some(p.country),
        family_status: Some(if p.couple { "couple" } else { "single" }),
        front_veteran: p.front_veteran,
    }
}

fn award_row(p: &Person, person: usize, a: &Award) -> AwardRow {
    AwardRow {
        person,
        award_id: Id::Known(a.number),
        person_id: Id::Known(p.number),
        benefit: Some(a.benefit.code()),
        kind: a.kind,
        start_date: Some(a.start),
        end_date: a.end,
        decision_date: Some(a.decision),
        early_months: a.early_months,
        deferral_months: a.deferral_months,
        residence_months: a.residence_months,
        deceased_birth_date: a.deceased_birth,
        deceased_death_date: a.deceased_death,
        child_under_18: a.child_under_18,
        children: a.children,
    }
}

/// One row per income type and month of the year in which the person is born and alive.
fn push_income_rows(world: &World, p: &Person, person: usize, out: &mut Vec<IncomeRow>) {
    for &(ty, cents) in &p.incomes {
        for month in &world.months {
            if month.index >= month_index(p.birth) && p.alive_in(month.index) {
                out.push(IncomeRow {
                    person,
                    person_id: Id::Known(p.number),
                    month: Some(month.start),
                    income_type: Some(ty.code()),
                    amount: Some(cents),
                });
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The generator.

struct Generator<'w, 'a> {
    world: &'w World<'a>,
    rng: ChaCha8Rng,
    next_person: u64,
    next_award: u64,
    next_payment: u64,
}

impl<'w, 'a> Generator<'w, 'a> {
    fn new(world: &'w World<'a>, seed: u64) -> Self {
        Generator {
            world,
            rng: ChaCha8Rng::seed_from_u64(seed),
            next_person: 0,
            next_award: 0,
            next_payment: 0,
        }
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.gen_bool(p)
    }

    /// A uniform amount in cents between two euro amounts.
    fn euros(&mut self, low: i64, high: i64) -> i64 {
        self.rng.gen_range(low * 100..=high * 100)
    }

    fn day_between(&mut self, first: i32, last: i32) -> i32 {
        self.rng.gen_range(first..=last.max(first))
    }

    fn chunk(&mut self, size: usize) -> Chunk<'a> {
        let mut chunk = Chunk::default();
        for person in 0..size {
            let p = self.person();
            chunk.persons.push(person_row(&p));
            chunk.births.push(p.birth);
            let first_award = chunk.awards.len();
            chunk
                .awards
                .extend(p.awards.iter().map(|a| award_row(&p, person, a)));
            push_income_rows(self.world, &p, person, &mut chunk.income);
            self.push_payments(&p, person, first_award, &mut chunk.payments);
        }
        chunk
    }

    fn person(&mut self) -> Person<'a> {
        let mut profile = self.world.profiles.pick(&mut self.rng);
        if profile == Profile::EarlyOldAge && self.world.early_cohorts.is_empty() {
            profile = Profile::OldAge;
        }
        let birth = self.draw_birth(profile);
        let age = self.world.year - year_of(birth);
        let sex = self.draw_sex(profile, age);
        let (country, municipality) = self.draw_residence();
        let couple = self.chance(profile.couple_share());
        let front_veteran = (profile == Profile::FrontVeteran).then(|| {
            if self.chance(0.9) {
                "front"
            } else {
                "mine_clearance"
            }
        });
        self.next_person += 1;
        let mut p = Person {
            number: self.next_person,
            birth,
            sex,
            death: None,
            country,
            municipality,
            couple,
            front_veteran,
            incomes: Vec::new(),
            awards: Vec::new(),
        };
        self.draw_incomes(&mut p, profile);
        match profile {
            Profile::OldAge => self.old_age_pensioner(&mut p, true),
            Profile::EarningsOnly => {
                self.old_age_pension(&mut p, false);
            }
            Profile::EarlyOldAge => self.early_old_age_pensioner(&mut p),
            Profile::Disability => self.disability_pensioner(&mut p),
            Profile::Survivor => self.survivor(&mut p),
            Profile::Orphan => self.orphan(&mut p),
            Profile::FrontVeteran => self.front_veteran(&mut p),
        }
        self.maybe_die(&mut p, profile);
        for award in &mut p.awards {
            self.next_award += 1;
            award.number = self.next_award;
        }
        p
    }

    fn draw_birth(&mut self, profile: Profile) -> i32 {
        let year = self.world.year;
        let u: f64 = self.rng.gen();
        let birth_year = match profile {
            Profile::OldAge | Profile::EarningsOnly => {
                let (low, high) = self.world.old_age_bands.pick(&mut self.rng);
                year - self.rng.gen_range(low..=high)
            }
            Profile::FrontVeteran => year - 96 - (9.0 * u * u) as i32,
            Profile::EarlyOldAge => *self
                .world
                .early_cohorts
                .choose(&mut self.rng)
                .expect("early cohorts checked"),
            Profile::Disability => year - (20 + (45.0 * u.sqrt()) as i32).min(64),
            Profile::Survivor => year - (30 + (37.0 * u.sqrt()) as i32).min(66),
            Profile::Orphan => year - (21.0 * u) as i32,
        };
        // Orphans born in Y are born by October, so that a parent can die before December.
        let last = if birth_year == year {
            days_from_civil(year, 10, 31)
        } else {
            days_from_civil(birth_year, 12, 31)
        };
        self.day_between(days_from_civil(birth_year, 1, 1), last)
    }

    fn draw_sex(&mut self, profile: Profile, age: i32) -> i64 {
        let women = match profile {
            Profile::OldAge | Profile::EarlyOldAge => {
                (0.48 + 0.01 * f64::from(age - 65)).clamp(0.45, 0.8)
            }
            Profile::EarningsOnly => 0.42,
            Profile::FrontVeteran => 0.45,
            Profile::Disability => 0.48,
            Profile::Survivor => 0.75,
            Profile::Orphan => 0.49,
        };
        if self.chance(women) {
            2
        } else {
            1
        }
    }

    fn draw_residence(&mut self) -> (&'static str, Option<&'a str>) {
        if self.chance(0.04) {
            (self.world.countries.pick(&mut self.rng), None)
        } else {
            ("FI", Some(self.world.municipalities.pick(&mut self.rng)))
        }
    }

    fn draw_incomes(&mut self, p: &mut Person, profile: Profile) {
        let erp = match profile {
            Profile::OldAge | Profile::EarlyOldAge => self.old_age_erp(),
            Profile::EarningsOnly => self.euros(1500, 4000),
            Profile::FrontVeteran => self.euros(200, 1200),
            Profile::Disability => self.disability_erp(),
            Profile::Survivor | Profile::Orphan => 0,
        };
        p.add_income(IncomeType::EarningsRelatedPension, erp);
        match profile {
            Profile::Disability if self.chance(0.05) => {
                let earned = self.euros(1001, 2500);
                p.add_income(IncomeType::EarnedIncome, earned);
            }
            Profile::Survivor => {
                for (ty, share, low, high) in [
                    (IncomeType::EarnedIncome, 0.55, 1000, 4000),
                    (IncomeType::CapitalIncome, 0.25, 10, 500),
                    (IncomeType::SurvivorsPension, 0.70, 100, 1500),
                ] {
                    if self.chance(share) {
                        let cents = self.euros(low, high);
                        p.add_income(ty, cents);
                    }
                }
            }
            Profile::Orphan if self.chance(0.6) => {
                let cents = self.euros(50, 600);
                p.add_income(IncomeType::SurvivorsPension, cents);
            }
            _ => {}
        }
        let foreign_share = if p.country == "FI" { 0.03 } else { 0.7 };
        if self.chance(foreign_share) {
            let cents = self.euros(50, 800);
            p.add_income(IncomeType::ForeignPension, cents);
        }
        if profile != Profile::Orphan && self.chance(0.005) {
            let cents = self.euros(100, 1500);
            p.add_income(IncomeType::AccidentPension, cents);
        }
    }

    /// About 10 % below 60 €/month (full national pension), the rest 60-1500 € (reduced).
    fn old_age_erp(&mut self) -> i64 {
        let u: f64 = self.rng.gen();
        if u < 0.05 {
            0
        } else if u < 0.10 {
            self.euros(1, 59)
        } else {
            let v: f64 = self.rng.gen();
            ((60.0 + 1440.0 * v.powf(0.7)) * 100.0).round() as i64
        }
    }

    /// Those disabled young often have no earnings-related pension at all.
    fn disability_erp(&mut self) -> i64 {
        if self.chance(0.3) {
            0
        } else {
            let v: f64 = self.rng.gen();
            ((50.0 + 1450.0 * v.powf(0.8)) * 100.0).round() as i64
        }
    }

    /// A new award with a decision some weeks before its start (not before `not_before`).
    fn award(
        &mut self,
        benefit: Benefit,
        kind: Option<&'static str>,
        start: i32,
        not_before: i32,
    ) -> Award {
        let decision = (start - self.rng.gen_range(7..=60)).max(not_before);
        Award {
            number: 0,
            benefit,
            kind,
            start,
            end: None,
            decision,
            early_months: None,
            deferral_months: None,
            residence_months: None,
            deceased_birth: None,
            deceased_death: None,
            child_under_18: None,
            children: None,
        }
    }

    /// For `share` of awards: residence months below 0.8 × the months from the 16th birthday
    /// to the start (or the 65th birthday), so that the pension is residence-adjusted.
    fn residence_months(&mut self, share: f64, birth: i32, until: i32) -> Option<i64> {
        let total = residence_total(birth, until);
        if total < 12 || !self.chance(share) {
            return None;
        }
        let fraction = self.rng.gen_range(0.25..0.78);
        Some((total as f64 * fraction) as i64)
    }

    /// The national pension old-age award from the month after the 65th birthday (2 % of
    /// deferrable ones deferred); returns its index.
    fn old_age_pension(&mut self, p: &mut Person, deferrable: bool) -> usize {
        let normal = month_index(first_of_next_month(anniversary(p.birth, 65)));
        let room = i64::from(self.world.last_month() - normal).min(36);
        let deferral =
            (deferrable && room >= 1 && self.chance(0.02)).then(|| self.rng.gen_range(1..=room));
        let start = month_start(normal + deferral.unwrap_or(0) as i32);
        let mut award = self.award(Benefit::NationalPension, Some("old_age"), start, p.birth);
        award.deferral_months = deferral;
        award.residence_months = self.residence_months(0.10, p.birth, start);
        p.awards.push(award);
        p.awards.len() - 1
    }

    fn old_age_pensioner(&mut self, p: &mut Person, deferrable: bool) {
        let np = self.old_age_pension(p, deferrable);
        self.guarantee_pension(p, np, "old_age");
        self.child_increase(p, np);
    }

    fn early_old_age_pensioner(&mut self, p: &mut Person) {
        let min_age = early_old_age_min_age(year_of(p.birth));
        let earliest = month_index(first_of_next_month(anniversary(p.birth, min_age)));
        let normal = month_index(first_of_next_month(anniversary(p.birth, 65)));
        let latest = (normal - 1).min(self.world.last_month()).max(earliest);
        let start_month = self.rng.gen_range(earliest..=latest);
        let start = month_start(start_month);
        let mut award = self.award(
            Benefit::NationalPension,
            Some("early_old_age"),
            start,
            p.birth,
        );
        award.early_months = Some(i64::from(normal - start_month));
        award.residence_months = self.residence_months(0.10, p.birth, start);
        p.awards.push(award);
        let np = p.awards.len() - 1;
        self.guarantee_pension(p, np, "early_old_age");
        self.child_increase(p, np);
    }

    fn disability_pensioner(&mut self, p: &mut Person) {
        let earliest = month_index(first_of_next_month(anniversary(p.birth, 18)));
        let last = self.world.last_month();
        let award = if self.chance(0.2) {
            // A rehabilitation subsidy is temporary: started within three years, 6-24 months.
            let start_month = self
                .rng
                .gen_range(earliest.max(last - 35)..=last.max(earliest));
            let months = self.rng.gen_range(6..=24);
            let mut award = self.award(
                Benefit::NationalPension,
                Some("rehabilitation_subsidy"),
                month_start(start_month),
                p.birth,
            );
            award.end = Some(month_end(start_month + months - 1));
            award
        } else {
            let start_month = self.rng.gen_range(earliest..=last.max(earliest));
            self.award(
                Benefit::NationalPension,
                Some("disability"),
                month_start(start_month),
                p.birth,
            )
        };
        let start = award.start;
        p.awards.push(award);
        let np = p.awards.len() - 1;
        p.awards[np].residence_months = self.residence_months(0.10, p.birth, start);
        self.guarantee_pension(p, np, "disability");
        self.child_increase(p, np);
    }

    /// A guarantee pension alongside the national pension `np` when the person's other
    /// pensions are small (below [`GUARANTEE_INCOME_LIMIT`]).
    fn guarantee_pension(&mut self, p: &mut Person, np: usize, basis: &'static str) {
        if p.income(IncomeType::counts_for_pensions) >= GUARANTEE_INCOME_LIMIT {
            return;
        }
        let (np_start, np_end, early) = {
            let a = &p.awards[np];
            (a.start, a.end, a.early_months)
        };
        let start = np_start.max(guarantee_pension_start());
        if np_end.is_some_and(|end| end < start) {
            return;
        }
        let kind = if self.chance(0.02) { "other" } else { basis };
        let mut award = self.award(Benefit::GuaranteePension, Some(kind), start, p.birth);
        award.end = np_end;
        award.early_months = early;
        p.awards.push(award);
    }

    /// A child increase with the pension `np` for 3 % of pensioners under 70.
    fn child_increase(&mut self, p: &mut Person, np: usize) {
        if self.world.year - year_of(p.birth) >= 70 || !self.chance(0.03) {
            return;
        }
        let children = *[1, 1, 1, 2, 2, 3].choose(&mut self.rng).expect("non-empty");
        let (start, end) = (p.awards[np].start, p.awards[np].end);
        let mut award = self.award(Benefit::ChildIncrease, None, start, p.birth);
        award.end = end;
        award.children = Some(children);
        p.awards.push(award);
    }

    /// A spouse's pension: 15 % in the initial phase in December (death June-November of Y).
    fn survivor(&mut self, p: &mut Person) {
        let year = self.world.year;
        let death = if self.chance(0.15) {
            self.day_between(days_from_civil(year, 6, 1), days_from_civil(year, 11, 30))
        } else {
            let earliest = anniversary(p.birth, 20).max(days_from_civil(year - 25, 1, 1));
            self.day_between(earliest, days_from_civil(year, 5, 31))
        };
        // The deceased was born within five years of the survivor and was at least 18.
        let deceased_birth =
            (p.birth + self.rng.gen_range(-5 * 365..=5 * 365)).min(anniversary(death, -18));
        let mut award = self.award(
            Benefit::SpousePension,
            None,
            first_of_next_month(death),
            death + 1,
        );
        award.deceased_death = Some(death);
        award.deceased_birth = Some(deceased_birth);
        award.child_under_18 = Some(self.chance(0.3));
        award.residence_months = self.residence_months(0.10, deceased_birth, death);
        p.awards.push(award);
    }

    /// One orphan's pension per dead parent (two for 10 %).
    fn orphan(&mut self, p: &mut Person) {
        let first = self.parent_death(p.birth);
        self.orphan_awards(p, first);
        if self.chance(0.10) {
            let second = self.parent_death(p.birth);
            if second != first {
                self.orphan_awards(p, second);
            }
        }
    }

    /// A day after the child's birth and before December of Y, more often years ago.
    fn parent_death(&mut self, birth: i32) -> i32 {
        let latest = days_from_civil(self.world.year, 11, 30);
        let u: f64 = self.rng.gen();
        birth + 1 + (f64::from(latest - birth - 1) * u.powf(0.8)) as i32
    }

    /// `child` under 18 at the end of Y, `student` 18-20; a child's award that ended at the
    /// 18th birthday during Y is kept alongside the student's award that follows it.
    fn orphan_awards(&mut self, p: &mut Person, death: i32) {
        let start = first_of_next_month(death);
        let eighteen = anniversary(p.birth, 18);
        if eighteen > self.world.dec31 {
            let mut child = self.award(Benefit::OrphanPension, Some("child"), start, death + 1);
            child.deceased_death = Some(death);
            p.awards.push(child);
            return;
        }
        let child_end = month_end(month_index(eighteen));
        if start <= child_end && child_end >= self.world.jan1 {
            let mut child = self.award(Benefit::OrphanPension, Some("child"), start, death + 1);
            child.deceased_death = Some(death);
            child.end = Some(child_end);
            p.awards.push(child);
        }
        let student_start = start.max(child_end + 1);
        let mut student = self.award(
            Benefit::OrphanPension,
            Some("student"),
            student_start,
            death + 1,
        );
        student.deceased_death = Some(death);
        p.awards.push(student);
    }

    /// An old-age pensioner with the front-veterans' supplement (and the additional one for
    /// residents with front status).
    fn front_veteran(&mut self, p: &mut Person) {
        self.old_age_pensioner(p, false);
        let start = first_of_next_month(anniversary(p.birth, 65)).max(days_from_civil(1978, 1, 1));
        let kind = if p.country == "FI" {
            "resident"
        } else {
            "abroad"
        };
        let fvs = self.award(Benefit::FrontVeteranSupplement, Some(kind), start, p.birth);
        p.awards.push(fvs);
        if p.country == "FI" && p.front_veteran == Some("front") {
            let afvs = self.award(
                Benefit::AdditionalFrontVeteranSupplement,
                None,
                start,
                p.birth,
            );
            p.awards.push(afvs);
        }
    }

    /// Death during Y, after birth and after the last award start; awards end on the day.
    fn maybe_die(&mut self, p: &mut Person, profile: Profile) {
        if !self.chance(profile.death_share()) {
            return;
        }
        let last_start = p.awards.iter().map(|a| a.start).max().unwrap_or(i32::MIN);
        let earliest = self.world.jan1.max(p.birth + 1).max(last_start);
        if earliest > self.world.dec31 {
            return;
        }
        let death = self.day_between(earliest, self.world.dec31);
        p.death = Some(death);
        for award in &mut p.awards {
            if award.start <= death {
                award.end = Some(award.end.map_or(death, |end| end.min(death)));
            }
        }
    }

    /// Regular payments for every month an award is in force, the person alive and the
    /// amount positive; then for some awards a retroactive payment or a recovery.
    fn push_payments(
        &mut self,
        p: &Person,
        person: usize,
        first_award: usize,
        out: &mut Vec<PaymentRow>,
    ) {
        let world = self.world;
        let np_award = p
            .awards
            .iter()
            .find(|a| a.benefit == Benefit::NationalPension);
        let national_pension: Vec<i64> = world
            .months
            .iter()
            .map(|month| match np_award {
                Some(a) if a.in_force(month) => national_pension(a, p, &month.params),
                _ => 0,
            })
            .collect();
        let mut paid: Vec<(usize, i64)> = Vec::with_capacity(12);
        for (k, award) in p.awards.iter().enumerate() {
            paid.clear();
            for (m, month) in world.months.iter().enumerate() {
                if !award.in_force(month) || !p.alive_in(month.index) {
                    continue;
                }
                let ctx = MonthContext {
                    person: p,
                    month,
                    national_pension: national_pension[m],
                    national_pension_award: np_award,
                };
                let amount = synthetic_amount(award, &ctx);
                if amount <= 0 {
                    continue;
                }
                paid.push((m, amount));
                let award_ref = (!self.chance(0.01)).then_some(first_award + k);
                self.push_payment(out, p, person, award_ref, award, (m, m), REGULAR, amount);
            }
            self.push_adjustments(out, p, person, first_award + k, award, &paid);
        }
    }

    /// 1 % of paid awards get a retroactive payment, 0.3 % a recovery.
    fn push_adjustments(
        &mut self,
        out: &mut Vec<PaymentRow>,
        p: &Person,
        person: usize,
        award_row: usize,
        award: &Award,
        paid: &[(usize, i64)],
    ) {
        let (Some(&(first, amount)), Some(&(last, _))) = (paid.first(), paid.last()) else {
            return;
        };
        if first < last && self.chance(0.01) {
            let paid_in = self.rng.gen_range(first + 1..=(first + 3).min(last));
            let months = (first, paid_in);
            self.push_payment(
                out,
                p,
                person,
                Some(award_row),
                award,
                months,
                RETROACTIVE,
                amount,
            );
        }
        if self.chance(0.003) {
            let (month, amount) = paid[self.rng.gen_range(0..paid.len())];
            let recovered_in = self.rng.gen_range(month..=(month + 2).min(last).max(month));
            let share = self.rng.gen_range(10..=100);
            let recovered = -(amount * share / 100).max(1);
            let months = (month, recovered_in);
            self.push_payment(
                out,
                p,
                person,
                Some(award_row),
                award,
                months,
                RECOVERY,
                recovered,
            );
        }
    }

    /// `months` = (period month, payment month) as offsets into the year; paid on the 20th.
    #[allow(clippy::too_many_arguments)]
    fn push_payment(
        &mut self,
        out: &mut Vec<PaymentRow>,
        p: &Person,
        person: usize,
        award_row: Option<usize>,
        award: &Award,
        months: (usize, usize),
        payment_type: &'static str,
        amount: i64,
    ) {
        self.next_payment += 1;
        out.push(PaymentRow {
            person,
            award: award_row,
            payment_id: Id::Known(self.next_payment),
            person_id: Id::Known(p.number),
            award_id: award_row.map_or(Id::Null, |_| Id::Known(award.number)),
            benefit: Some(award.benefit.code()),
            period_month: Some(self.world.months[months.0].start),
            payment_date: Some(self.world.months[months.1].start + 19),
            payment_type: Some(payment_type),
            amount: Some(amount),
        });
    }
}

// ---------------------------------------------------------------------------------------------
// Dirty mode: defects injected so that each is exactly the validator's first reason.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Defect {
    MissingValue,
    InvalidValue,
    InvalidCode,
    Duplicate,
    MissingMunicipality,
    UnknownMunicipality,
    EndBeforeStart,
    DeathBeforeBirth,
    BeforeBirth,
    NegativeAmount,
    OrphanReference,
    UnknownAward,
}

impl Defect {
    fn reason(self, register: Register) -> &'static str {
        match self {
            Defect::MissingValue => "missing_value",
            Defect::InvalidValue => "invalid_value",
            Defect::InvalidCode => "invalid_code",
            Defect::Duplicate => match register {
                Register::Persons => "duplicate_person_id",
                Register::Awards => "duplicate_award_id",
                Register::Payments => "duplicate_payment_id",
                Register::Income => unreachable!("income has no unique key"),
            },
            Defect::MissingMunicipality => "missing_municipality",
            Defect::UnknownMunicipality => "unknown_municipality",
            Defect::EndBeforeStart => "end_before_start",
            Defect::DeathBeforeBirth => "death_before_birth",
            Defect::BeforeBirth => "before_birth",
            Defect::NegativeAmount => "negative_amount",
            Defect::OrphanReference => "orphan_reference",
            Defect::UnknownAward => "unknown_award",
        }
    }
}

const PERSON_DEFECTS: &[Defect] = &[
    Defect::MissingValue,
    Defect::InvalidValue,
    Defect::InvalidCode,
    Defect::Duplicate,
    Defect::MissingMunicipality,
    Defect::UnknownMunicipality,
    Defect::DeathBeforeBirth,
];
const AWARD_DEFECTS: &[Defect] = &[
    Defect::MissingValue,
    Defect::InvalidValue,
    Defect::InvalidCode,
    Defect::Duplicate,
    Defect::EndBeforeStart,
    Defect::BeforeBirth,
    Defect::OrphanReference,
];
const INCOME_DEFECTS: &[Defect] = &[
    Defect::MissingValue,
    Defect::InvalidValue,
    Defect::InvalidCode,
    Defect::BeforeBirth,
    Defect::NegativeAmount,
    Defect::OrphanReference,
];
const PAYMENT_DEFECTS: &[Defect] = &[
    Defect::MissingValue,
    Defect::InvalidValue,
    Defect::InvalidCode,
    Defect::Duplicate,
    Defect::BeforeBirth,
    Defect::NegativeAmount,
    Defect::OrphanReference,
    Defect::UnknownAward,
];

/// The random source and the run-wide state of the defects.
struct DefectTools {
    rng: ChaCha8Rng,
    format: FileFormat,
    unknown_municipality: &'static str,
    next_unknown: u64,
}

impl DefectTools {
    fn unknown_id(&mut self) -> Id {
        self.next_unknown += 1;
        Id::Unknown(self.next_unknown)
    }

    fn csv(&self) -> bool {
        self.format == FileFormat::Csv
    }

    /// A day `1..=max_days` before `days`.
    fn days_before(&mut self, days: i32, max_days: i32) -> i32 {
        days - self.rng.gen_range(1..=max_days)
    }

    /// The first day of a month 1-24 months before the month of `birth`.
    fn month_before_birth(&mut self, birth: i32) -> i32 {
        month_start(month_index(birth) - self.rng.gen_range(1..=24))
    }

    /// Money written with three decimals, or not a number.
    fn unparsable_money(&mut self, cents: i64) -> String {
        if self.rng.gen_bool(0.5) {
            "abc".to_string()
        } else {
            format!("{}5", money_text(cents))
        }
    }
}

/// A date that cannot exist, in the year of `days`.
fn impossible_date(days: i32) -> String {
    format!("{:04}-02-30", year_of(days))
}

fn money_text(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

/// The row being corrupted, with what a defect may need from its chunk.
struct Target<'r, R> {
    rows: &'r mut [R],
    row: usize,
    /// Rows that a defect or a cascade already rejects.
    rejected: &'r mut [bool],
    overrides: &'r mut Vec<TextOverride>,
    births: &'r [i32],
}

impl<R> Target<'_, R> {
    fn get(&mut self) -> &mut R {
        &mut self.rows[self.row]
    }

    /// Writes `text` in the CSV field instead of the value.
    fn write_text(&mut self, column: &'static str, text: String) {
        self.overrides.push(TextOverride {
            row: self.row,
            column,
            text,
        });
    }

    /// Copies the key of the nearest earlier row that nothing else rejects: both copies are
    /// rejected, so the source row is marked too.
    fn duplicate_key(&mut self, key: fn(&mut R) -> &mut Id) -> Option<usize> {
        let source = (self.row.saturating_sub(8)..self.row)
            .rev()
            .find(|&j| !self.rejected[j])?;
        let id = *key(&mut self.rows[source]);
        *key(&mut self.rows[self.row]) = id;
        self.rejected[source] = true;
        Some(2)
    }
}

type DefectFn<R> = fn(&mut DefectTools, Defect, &mut Target<R>) -> Option<usize>;

struct Corruptor {
    tools: DefectTools,
    rate: f64,
    counts: BTreeMap<String, usize>,
}

impl Corruptor {
    fn new(seed: u64, rate: f64, format: FileFormat, world: &World) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(1);
        Corruptor {
            tools: DefectTools {
                rng,
                format,
                unknown_municipality: world.unknown_municipality,
                next_unknown: 0,
            },
            rate,
            counts: BTreeMap::new(),
        }
    }

    /// Corrupts rows with probability `rate`. Rows already rejected by a cascade (their
    /// person or award corrupted) are left alone, so that every count is exact.
    fn corrupt(&mut self, chunk: &mut Chunk) {
        if self.rate <= 0.0 {
            return;
        }
        let [persons_text, awards_text, income_text, payments_text] = &mut chunk.overrides;
        let births = &chunk.births;
        let mut bad_person = vec![false; chunk.persons.len()];
        self.corrupt_register(
            Register::Persons,
            PERSON_DEFECTS,
            person_defect,
            Target {
                rows: &mut chunk.persons,
                row: 0,
                rejected: &mut bad_person,
                overrides: persons_text,
                births,
            },
        );
        let mut bad_award: Vec<bool> = chunk.awards.iter().map(|a| bad_person[a.person]).collect();
        self.corrupt_register(
            Register::Awards,
            AWARD_DEFECTS,
            award_defect,
            Target {
                rows: &mut chunk.awards,
                row: 0,
                rejected: &mut bad_award,
                overrides: awards_text,
                births,
            },
        );
        let mut bad_income: Vec<bool> = chunk.income.iter().map(|r| bad_person[r.person]).collect();
        self.corrupt_register(
            Register::Income,
            INCOME_DEFECTS,
            income_defect,
            Target {
                rows: &mut chunk.income,
                row: 0,
                rejected: &mut bad_income,
                overrides: income_text,
                births,
            },
        );
        let mut bad_payment: Vec<bool> = chunk
            .payments
            .iter()
            .map(|p| bad_person[p.person] || p.award.is_some_and(|a| bad_award[a]))
            .collect();
        self.corrupt_register(
            Register::Payments,
            PAYMENT_DEFECTS,
            payment_defect,
            Target {
                rows: &mut chunk.payments,
                row: 0,
                rejected: &mut bad_payment,
                overrides: payments_text,
                births,
            },
        );
    }

    /// Gives each row not yet rejected, with probability `rate`, one of `defects`: tried in
    /// random order until one applies to the row.
    fn corrupt_register<R>(
        &mut self,
        register: Register,
        defects: &[Defect],
        apply: DefectFn<R>,
        mut target: Target<R>,
    ) {
        let mut order = defects.to_vec();
        for row in 0..target.rows.len() {
            if target.rejected[row] || !self.tools.rng.gen_bool(self.rate) {
                continue;
            }
            target.row = row;
            order.shuffle(&mut self.tools.rng);
            for &defect in &order {
                if let Some(rejected_rows) = apply(&mut self.tools, defect, &mut target) {
                    target.rejected[row] = true;
                    *self
                        .counts
                        .entry(defect.reason(register).to_string())
                        .or_insert(0) += rejected_rows;
                    break;
                }
            }
        }
    }
}

/// Applies `defect` to the person row if it can; returns the number of rows it rejects.
fn person_defect(
    t: &mut DefectTools,
    defect: Defect,
    target: &mut Target<PersonRow>,
) -> Option<usize> {
    if defect == Defect::Duplicate {
        return target.duplicate_key(|r| &mut r.person_id);
    }
    let row = target.get();
    let in_finland = row.country == Some("FI");
    match defect {
        Defect::MissingValue => match t.rng.gen_range(0..5) {
            0 => row.person_id = Id::Null,
            1 => row.birth_date = None,
            2 => row.sex = None,
            3 => row.country = None,
            _ => row.family_status = None,
        },
        Defect::InvalidValue if t.csv() => {
            let text = impossible_date(row.birth_date?);
            target.write_text("birth_date", text);
        }
        Defect::InvalidCode => match t.rng.gen_range(0..3) {
            0 => row.sex = Some(3),
            1 => row.family_status = Some("widowed"),
            _ => row.country = Some("XX"),
        },
        Defect::MissingMunicipality if in_finland => row.municipality = None,
        Defect::UnknownMunicipality if in_finland => {
            row.municipality = Some(t.unknown_municipality)
        }
        Defect::DeathBeforeBirth => row.death_date = Some(t.days_before(row.birth_date?, 3650)),
        _ => return None,
    }
    Some(1)
}

fn award_defect(
    t: &mut DefectTools,
    defect: Defect,
    target: &mut Target<AwardRow>,
) -> Option<usize> {
    if defect == Defect::Duplicate {
        return target.duplicate_key(|r| &mut r.award_id);
    }
    let birth = target.births[target.get().person];
    let row = target.get();
    match defect {
        Defect::MissingValue => match t.rng.gen_range(0..4) {
            0 => row.award_id = Id::Null,
            1 => row.person_id = Id::Null,
            2 => row.benefit = None,
            _ => row.start_date = None,
        },
        Defect::InvalidValue => {
            if row.children.is_some() && t.rng.gen_bool(0.5) {
                row.children = Some(-row.children?);
            } else if t.csv() && t.rng.gen_bool(0.75) {
                let start = row.start_date?;
                match t.rng.gen_range(0..3) {
                    0 => target.write_text("start_date", impossible_date(start)),
                    1 => target.write_text("early_months", "abc".into()),
                    _ => target.write_text("child_under_18", "yes".into()),
                }
            } else {
                row.early_months = Some(-t.rng.gen_range(1..=24));
            }
        }
        Defect::InvalidCode => {
            if row.benefit == Some("national_pension") && t.rng.gen_bool(0.5) {
                row.kind = Some("partial");
            } else {
                row.benefit = Some("bonus_pension");
            }
        }
        Defect::EndBeforeStart => {
            // Still after the birth, so that nothing else is wrong.
            let start = row.start_date?;
            let room = (start - birth).min(60);
            if room < 1 {
                return None;
            }
            row.end_date = Some(t.days_before(start, room));
        }
        Defect::BeforeBirth => {
            // Before the month of birth: the validator compares with the birth month's start.
            row.start_date = Some(t.days_before(month_start(month_index(birth)), 365));
        }
        Defect::OrphanReference => row.person_id = t.unknown_id(),
        _ => return None,
    }
    Some(1)
}

fn income_defect(
    t: &mut DefectTools,
    defect: Defect,
    target: &mut Target<IncomeRow>,
) -> Option<usize> {
    let birth = target.births[target.get().person];
    let row = target.get();
    match defect {
        Defect::MissingValue => match t.rng.gen_range(0..4) {
            0 => row.person_id = Id::Null,
            1 => row.month = None,
            2 => row.income_type = None,
            _ => row.amount = None,
        },
        Defect::InvalidValue if t.csv() => {
            let text = t.unparsable_money(row.amount?);
            target.write_text("amount", text);
        }
        Defect::InvalidCode => row.income_type = Some("lottery"),
        Defect::BeforeBirth => row.month = Some(t.month_before_birth(birth)),
        Defect::NegativeAmount => row.amount = Some(-row.amount?.abs().max(1)),
        Defect::OrphanReference => row.person_id = t.unknown_id(),
        _ => return None,
    }
    Some(1)
}

fn payment_defect(
    t: &mut DefectTools,
    defect: Defect,
    target: &mut Target<PaymentRow>,
) -> Option<usize> {
    if defect == Defect::Duplicate {
        return target.duplicate_key(|r| &mut r.payment_id);
    }
    let birth = target.births[target.get().person];
    let row = target.get();
    match defect {
        Defect::MissingValue => match t.rng.gen_range(0..7) {
            0 => row.payment_id = Id::Null,
            1 => row.person_id = Id::Null,
            2 => row.benefit = None,
            3 => row.period_month = None,
            4 => row.payment_date = None,
            5 => row.payment_type = None,
            _ => row.amount = None,
        },
        Defect::InvalidValue if t.csv() => {
            if t.rng.gen_bool(0.5) {
                let text = t.unparsable_money(row.amount?);
                target.write_text("amount", text);
            } else {
                let text = impossible_date(row.payment_date?);
                target.write_text("payment_date", text);
            }
        }
        Defect::InvalidCode => {
            if t.rng.gen_bool(0.5) {
                row.payment_type = Some("advance");
            } else {
                row.benefit = Some("bonus_pension");
            }
        }
        Defect::BeforeBirth => row.period_month = Some(t.month_before_birth(birth)),
        Defect::NegativeAmount if row.payment_type == Some(REGULAR) => {
            row.amount = Some(-row.amount?.abs().max(1));
        }
        Defect::OrphanReference => {
            // Without an award, so that no award check can come first.
            row.person_id = t.unknown_id();
            row.award_id = Id::Null;
        }
        Defect::UnknownAward => row.award_id = t.unknown_id(),
        _ => return None,
    }
    Some(1)
}

// ---------------------------------------------------------------------------------------------
// Data frames.

fn id_column(name: &str, style: &IdStyle, ids: impl ExactSizeIterator<Item = Id>) -> Column {
    let mut builder = StringChunkedBuilder::new(name.into(), ids.len());
    let mut text = String::with_capacity(24);
    for id in ids {
        match id {
            Id::Null => builder.append_null(),
            Id::Known(n) => {
                write_id(&mut text, style.prefix, n, style.width);
                builder.append_value(&text);
            }
            Id::Unknown(n) => {
                write_id(&mut text, style.unknown_prefix, n, 7);
                builder.append_value(&text);
            }
        }
    }
    builder.finish().into_column()
}

/// `prefix` followed by `n` zero-padded to `width` digits, without allocating.
fn write_id(text: &mut String, prefix: &str, n: u64, width: usize) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut rest = n;
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    text.clear();
    text.push_str(prefix);
    for _ in (digits.len() - start)..width {
        text.push('0');
    }
    text.extend(digits[start..].iter().map(|&d| char::from(d)));
}

fn str_column<'s>(name: &str, values: impl Iterator<Item = Option<&'s str>>) -> Column {
    StringChunked::from_iter_options(name.into(), values).into_column()
}

fn date_column(name: &str, values: impl Iterator<Item = Option<i32>>) -> Column {
    Int32Chunked::from_iter_options(name.into(), values)
        .into_date()
        .into_column()
}

fn int_column(name: &str, values: impl Iterator<Item = Option<i64>>) -> Column {
    Int64Chunked::from_iter_options(name.into(), values).into_column()
}

fn bool_column(name: &str, values: impl Iterator<Item = Option<bool>>) -> Column {
    BooleanChunked::from_iter_options(name.into(), values).into_column()
}

/// Decimal(18,2) from integer cents (never through floats).
fn money_column(name: &str, cents: impl Iterator<Item = Option<i64>>) -> Result<Column> {
    let values = Int128Chunked::from_iter_options(name.into(), cents.map(|c| c.map(i128::from)));
    Ok(values.into_decimal(18, 2)?.into_column())
}

fn persons_frame(rows: &[PersonRow]) -> Result<DataFrame> {
    let columns = vec![
        id_column("person_id", &PERSON_IDS, rows.iter().map(|r| r.person_id)),
        date_column("birth_date", rows.iter().map(|r| r.birth_date)),
        int_column("sex", rows.iter().map(|r| r.sex)),
        date_column("death_date", rows.iter().map(|r| r.death_date)),
        str_column("municipality", rows.iter().map(|r| r.municipality)),
        str_column("country", rows.iter().map(|r| r.country)),
        str_column("family_status", rows.iter().map(|r| r.family_status)),
        str_column("front_veteran", rows.iter().map(|r| r.front_veteran)),
    ];
    Ok(DataFrame::new(rows.len(), columns)?)
}

fn awards_frame(rows: &[AwardRow]) -> Result<DataFrame> {
    let columns = vec![
        id_column("award_id", &AWARD_IDS, rows.iter().map(|r| r.award_id)),
        id_column("person_id", &PERSON_IDS, rows.iter().map(|r| r.person_id)),
        str_column("benefit", rows.iter().map(|r| r.benefit)),
        str_column("kind", rows.iter().map(|r| r.kind)),
        date_column("start_date", rows.iter().map(|r| r.start_date)),
        date_column("end_date", rows.iter().map(|r| r.end_date)),
        date_column("decision_date", rows.iter().map(|r| r.decision_date)),
        int_column("early_months", rows.iter().map(|r| r.early_months)),
        int_column("deferral_months", rows.iter().map(|r| r.deferral_months)),
        int_column("residence_months", rows.iter().map(|r| r.residence_months)),
        date_column(
            "deceased_birth_date",
            rows.iter().map(|r| r.deceased_birth_date),
        ),
        date_column(
            "deceased_death_date",
            rows.iter().map(|r| r.deceased_death_date),
        ),
        bool_column("child_under_18", rows.iter().map(|r| r.child_under_18)),
        int_column("children", rows.iter().map(|r| r.children)),
    ];
    Ok(DataFrame::new(rows.len(), columns)?)
}

fn income_frame(rows: &[IncomeRow]) -> Result<DataFrame> {
    let columns = vec![
        id_column("person_id", &PERSON_IDS, rows.iter().map(|r| r.person_id)),
        date_column("month", rows.iter().map(|r| r.month)),
        str_column("income_type", rows.iter().map(|r| r.income_type)),
        money_column("amount", rows.iter().map(|r| r.amount))?,
    ];
    Ok(DataFrame::new(rows.len(), columns)?)
}

fn payments_frame(rows: &[PaymentRow]) -> Result<DataFrame> {
    let columns = vec![
        id_column(
            "payment_id",
            &PAYMENT_IDS,
            rows.iter().map(|r| r.payment_id),
        ),
        id_column("person_id", &PERSON_IDS, rows.iter().map(|r| r.person_id)),
        id_column("award_id", &AWARD_IDS, rows.iter().map(|r| r.award_id)),
        str_column("benefit", rows.iter().map(|r| r.benefit)),
        date_column("period_month", rows.iter().map(|r| r.period_month)),
        date_column("payment_date", rows.iter().map(|r| r.payment_date)),
        str_column("payment_type", rows.iter().map(|r| r.payment_type)),
        money_column("amount", rows.iter().map(|r| r.amount))?,
    ];
    Ok(DataFrame::new(rows.len(), columns)?)
}

/// Writes the overridden fields as text: each affected column becomes a string column
/// (dates `YYYY-MM-DD`, money with two decimals, as the CSV writer would write them).
fn apply_text_overrides(df: &mut DataFrame, overrides: &[TextOverride]) -> Result<()> {
    let mut by_column: BTreeMap<&str, BTreeMap<usize, &str>> = BTreeMap::new();
    for o in overrides {
        by_column
            .entry(o.column)
            .or_default()
            .insert(o.row, o.text.as_str());
    }
    for (name, texts) in by_column {
        let as_text = df.column(name)?.cast(&DataType::String)?;
        let values = as_text.str()?;
        let mut builder = StringChunkedBuilder::new(name.into(), values.len());
        for (row, value) in values.iter().enumerate() {
            builder.append_option(texts.get(&row).copied().or(value));
        }
        df.replace(name, builder.finish().into_column())?;
    }
    Ok(())
}

fn chunk_frames(chunk: &Chunk) -> Result<[DataFrame; 4]> {
    let mut frames = [
        persons_frame(&chunk.persons)?,
        awards_frame(&chunk.awards)?,
        income_frame(&chunk.income)?,
        payments_frame(&chunk.payments)?,
    ];
    for (frame, overrides) in frames.iter_mut().zip(&chunk.overrides) {
        if !overrides.is_empty() {
            apply_text_overrides(frame, overrides)?;
        }
    }
    Ok(frames)
}

// ---------------------------------------------------------------------------------------------
// Writing.

enum BatchWriter {
    Parquet(Box<ParquetBatchedWriter<File>>),
    Csv(CsvBatchedWriter<File>),
}

/// One register file, written batch by batch; the writer is made from the first batch.
struct RegisterSink {
    register: Register,
    path: PathBuf,
    format: FileFormat,
    file: Option<File>,
    writer: Option<BatchWriter>,
    rows: usize,
}

impl RegisterSink {
    fn create(dir: &Path, register: Register, format: FileFormat) -> Result<Self> {
        let other = match format {
            FileFormat::Parquet => FileFormat::Csv,
            FileFormat::Csv => FileFormat::Parquet,
        };
        let stale = dir.join(format!("{}.{}", register.name(), other.extension()));
        if stale.exists() {
            std::fs::remove_file(&stale).map_err(Error::io(&stale))?;
        }
        let path = dir.join(format!("{}.{}", register.name(), format.extension()));
        let file = File::create(&path).map_err(Error::io(&path))?;
        Ok(RegisterSink {
            register,
            path,
            format,
            file: Some(file),
            writer: None,
            rows: 0,
        })
    }

    fn open_writer(&mut self, df: &DataFrame) -> Result<BatchWriter> {
        let file = self.file.take().ok_or_else(|| {
            Error::Other(format!("{}: writer already closed", self.path.display()))
        })?;
        let schema = df.schema().as_ref();
        Ok(match self.format {
            FileFormat::Parquet => BatchWriter::Parquet(Box::new(
                ParquetWriter::new(file)
                    .with_compression(ParquetCompression::Zstd(None))
                    .batched(schema)?,
            )),
            FileFormat::Csv => BatchWriter::Csv(
                CsvWriter::new(file)
                    .include_header(true)
                    .with_date_format(Some("%Y-%m-%d".into()))
                    .batched(schema)?,
            ),
        })
    }

    fn write(&mut self, df: &DataFrame) -> Result<()> {
        if self.writer.is_none() {
            self.writer = Some(self.open_writer(df)?);
        }
        match self.writer.as_mut().expect("writer opened") {
            BatchWriter::Parquet(w) => w.write_batch(df)?,
            BatchWriter::Csv(w) => w.write_batch(df)?,
        }
        self.rows += df.height();
        Ok(())
    }

    fn finish(self) -> Result<(Register, usize)> {
        match self.writer {
            Some(BatchWriter::Parquet(w)) => {
                w.finish()?;
            }
            Some(BatchWriter::Csv(mut w)) => w.finish()?,
            None => {
                return Err(Error::Other(format!(
                    "{}: nothing was written",
                    self.path.display()
                )))
            }
        }
        Ok((self.register, self.rows))
    }
}

struct Sinks {
    sinks: Vec<RegisterSink>,
}

impl Sinks {
    fn create(dir: &Path, format: FileFormat) -> Result<Self> {
        let sinks = Register::ALL
            .iter()
            .map(|&register| RegisterSink::create(dir, register, format))
            .collect::<Result<_>>()?;
        Ok(Sinks { sinks })
    }

    fn write(&mut self, chunk: &Chunk) -> Result<()> {
        let frames = chunk_frames(chunk)?;
        for (sink, frame) in self.sinks.iter_mut().zip(&frames) {
            sink.write(frame)?;
        }
        Ok(())
    }

    fn finish(self) -> Result<Vec<(Register, usize)>> {
        self.sinks.into_iter().map(RegisterSink::finish).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registers::{self, ColumnSpec};

    const CLASSIFICATIONS: &str =
        concat!(env!("CARGO_MANIFEST_DIR"), "/sample_data/classifications");

    fn options(
        out: &Path,
        persons: usize,
        seed: u64,
        dirty: f64,
        format: FileFormat,
    ) -> GenerateOptions {
        GenerateOptions {
            persons,
            year: 2024,
            seed,
            out: out.to_path_buf(),
            format,
            dirty,
            classification_dir: PathBuf::from(CLASSIFICATIONS),
        }
    }

    fn read_all(dir: &Path, format: FileFormat) -> Vec<Vec<u8>> {
        Register::ALL
            .iter()
            .map(|r| {
                std::fs::read(dir.join(format!("{}.{}", r.name(), format.extension()))).unwrap()
            })
            .collect()
    }

    fn clean_chunk<'a>(world: &World<'a>, persons: usize) -> Chunk<'a> {
        Generator::new(world, 7).chunk(persons)
    }

    #[test]
    fn same_seed_gives_identical_files_and_another_seed_differs() {
        for format in [FileFormat::Parquet, FileFormat::Csv] {
            let (a, b, c) = (
                tempfile::tempdir().unwrap(),
                tempfile::tempdir().unwrap(),
                tempfile::tempdir().unwrap(),
            );
            generate(&options(a.path(), 1500, 42, 0.05, format)).unwrap();
            generate(&options(b.path(), 1500, 42, 0.05, format)).unwrap();
            generate(&options(c.path(), 1500, 43, 0.05, format)).unwrap();
            let (fa, fb, fc) = (
                read_all(a.path(), format),
                read_all(b.path(), format),
                read_all(c.path(), format),
            );
            assert_eq!(fa, fb, "{format:?}");
            for (x, z) in fa.iter().zip(&fc) {
                assert_ne!(x, z, "{format:?}");
            }
        }
    }

    #[test]
    fn every_register_gets_rows_and_the_contract_columns() {
        let dir = tempfile::tempdir().unwrap();
        let summary = generate(&options(dir.path(), 2000, 1, 0.0, FileFormat::Parquet)).unwrap();
        assert!(summary.injected.is_empty());
        let chunk = {
            let classification = Classification::load(Path::new(CLASSIFICATIONS), 2024).unwrap();
            let world = World::new(&classification, 2024);
            let chunk = clean_chunk(&world, 50);
            chunk_frames(&chunk).unwrap()
        };
        for ((register, rows), frame) in summary.rows.iter().zip(&chunk) {
            assert!(*rows > 0, "{register:?}");
            let names: Vec<&str> = frame
                .get_column_names()
                .iter()
                .map(|n| n.as_str())
                .collect();
            let specs: Vec<&str> = register
                .columns()
                .iter()
                .map(|c: &ColumnSpec| c.name)
                .collect();
            assert_eq!(names, specs, "{register:?}");
        }
        let per_person =
            |r: Register| summary.rows.iter().find(|(x, _)| *x == r).unwrap().1 as f64 / 2000.0;
        assert!(
            (8.0..14.0).contains(&per_person(Register::Payments)),
            "{}",
            per_person(Register::Payments)
        );
        assert!(
            (7.0..14.0).contains(&per_person(Register::Income)),
            "{}",
            per_person(Register::Income)
        );
    }

    #[test]
    fn clean_rows_follow_the_contract() {
        for year in [2011, 2024] {
            check_clean_rows(year);
        }
    }

    fn check_clean_rows(year: i32) {
        let classification = Classification::load(Path::new(CLASSIFICATIONS), year).unwrap();
        let world = World::new(&classification, year);
        let chunk = clean_chunk(&world, 3000);
        let benefits = registers::benefit_codes();
        let mut person_ids = std::collections::BTreeSet::new();
        for (p, &birth) in chunk.persons.iter().zip(&chunk.births) {
            assert!(person_ids.insert(p.person_id));
            assert!(p.death_date.is_none_or(|d| d > birth));
            match p.country {
                Some("FI") => assert!(classification.get(p.municipality.unwrap()).is_some()),
                Some(c) => assert!(registers::COUNTRIES.contains(&c) && p.municipality.is_none()),
                None => panic!("country missing"),
            }
        }
        let mut award_ids = std::collections::BTreeSet::new();
        for a in &chunk.awards {
            assert!(award_ids.insert(a.award_id));
            let benefit = a.benefit.unwrap();
            let kinds = registers::BENEFITS
                .iter()
                .find(|(b, _)| *b == benefit)
                .unwrap()
                .1;
            assert!(benefits.contains(&benefit));
            assert_eq!(kinds.is_empty(), a.kind.is_none(), "{benefit}");
            assert!(
                a.kind.is_none_or(|k| kinds.contains(&k)),
                "{benefit} {:?}",
                a.kind
            );
            let start = a.start_date.unwrap();
            assert!(start >= chunk.births[a.person], "{a:?}");
            assert!(a.end_date.is_none_or(|e| e >= start), "{a:?}");
            if matches!(benefit, "spouse_pension" | "orphan_pension") {
                assert!(a.deceased_death_date.is_some());
            }
            if benefit == "child_increase" {
                assert!(a.children.unwrap() > 0);
            }
        }
        for i in &chunk.income {
            assert!(registers::INCOME_TYPES.contains(&i.income_type.unwrap()));
            assert!(i.amount.unwrap() > 0);
            assert!(month_index(i.month.unwrap()) >= month_index(chunk.births[i.person]));
        }
        let mut payment_ids = std::collections::BTreeSet::new();
        for p in &chunk.payments {
            assert!(payment_ids.insert(p.payment_id));
            assert!(registers::PAYMENT_TYPES.contains(&p.payment_type.unwrap()));
            assert_eq!(
                p.amount.unwrap() < 0,
                p.payment_type == Some(RECOVERY),
                "{p:?}"
            );
            assert!(month_index(p.period_month.unwrap()) >= month_index(chunk.births[p.person]));
            if let Id::Known(n) = p.award_id {
                assert!(award_ids.contains(&Id::Known(n)));
            }
        }
    }

    #[test]
    fn every_dirty_reason_is_injected() {
        for format in [FileFormat::Parquet, FileFormat::Csv] {
            let dir = tempfile::tempdir().unwrap();
            let summary = generate(&options(dir.path(), 2000, 5, 0.2, format)).unwrap();
            let mut expected = vec![
                "missing_value",
                "invalid_code",
                "invalid_value",
                "duplicate_person_id",
                "duplicate_award_id",
                "duplicate_payment_id",
                "missing_municipality",
                "unknown_municipality",
                "end_before_start",
                "death_before_birth",
                "before_birth",
                "negative_amount",
                "orphan_reference",
                "unknown_award",
            ];
            expected.sort();
            let found: Vec<&str> = summary.injected.keys().map(|k| k.as_str()).collect();
            assert_eq!(found, expected, "{format:?}");
        }
    }

    fn csv_amounts(dir: &Path, register: &str) -> Vec<String> {
        let text = std::fs::read_to_string(dir.join(format!("{register}.csv"))).unwrap();
        text.lines()
            .skip(1)
            .map(|l| l.rsplit(',').next().unwrap().to_string())
            .collect()
    }

    fn decimals(amount: &str) -> Option<usize> {
        amount.split_once('.').map(|(_, d)| d.len())
    }

    #[test]
    fn csv_money_has_two_decimals_and_dirty_fields_are_unparsable() {
        let clean = tempfile::tempdir().unwrap();
        generate(&options(clean.path(), 300, 9, 0.0, FileFormat::Csv)).unwrap();
        let header = std::fs::read_to_string(clean.path().join("payments.csv")).unwrap();
        assert!(header.starts_with(
            "payment_id,person_id,award_id,benefit,period_month,payment_date,payment_type,amount\n"
        ));
        for register in ["income", "payments"] {
            assert!(csv_amounts(clean.path(), register)
                .iter()
                .all(|a| decimals(a) == Some(2)));
        }
        let dirty = tempfile::tempdir().unwrap();
        generate(&options(dirty.path(), 300, 9, 0.3, FileFormat::Csv)).unwrap();
        let amounts = csv_amounts(dirty.path(), "payments");
        assert!(amounts.iter().any(|a| a == "abc"));
        assert!(amounts.iter().any(|a| decimals(a) == Some(3)));
        let persons = std::fs::read_to_string(dirty.path().join("persons.csv")).unwrap();
        assert!(persons.contains("-02-30,"));
    }

    #[test]
    fn synthetic_amounts_reproduce_kelas_examples() {
        let month = |y: i32, m: i32| {
            let index = y * 12 + m - 1;
            Month {
                index,
                start: month_start(index),
                end: month_end(index),
                params: params_for(index),
            }
        };
        let person = |erp: i64, couple: bool| Person {
            number: 1,
            birth: days_from_civil(1950, 5, 5),
            sex: 2,
            death: None,
            country: "FI",
            municipality: Some("091"),
            couple,
            front_veteran: Some("front"),
            incomes: vec![(IncomeType::EarningsRelatedPension, erp)],
            awards: Vec::new(),
        };
        let award = |benefit, kind| Award {
            number: 1,
            benefit,
            kind,
            start: days_from_civil(2015, 6, 1),
            end: None,
            decision: 0,
            early_months: None,
            deferral_months: None,
            residence_months: None,
            deceased_birth: None,
            deceased_death: None,
            child_under_18: None,
            children: None,
        };
        let np = award(Benefit::NationalPension, Some("old_age"));
        let gp = award(Benefit::GuaranteePension, Some("old_age"));
        let afvs = award(Benefit::AdditionalFrontVeteranSupplement, None);
        let amounts = |erp: i64, couple: bool, m: &Month| {
            let p = person(erp, couple);
            let np_amount = national_pension(&np, &p, &m.params);
            let ctx = MonthContext {
                person: &p,
                month: m,
                national_pension: np_amount,
                national_pension_award: Some(&np),
            };
            (
                np_amount,
                synthetic_amount(&gp, &ctx),
                synthetic_amount(&afvs, &ctx),
            )
        };
        let aug22 = month(2022, 8);
        assert_eq!(amounts(10000, false, &aug22).0, 68316);
        assert_eq!(amounts(29065, false, &aug22).0, 58782);
        assert_eq!(amounts(29065, false, &aug22).1, 716);
        assert_eq!(
            amounts(44148, false, &aug22),
            (51241, 0, amounts(44148, false, &aug22).2)
        );
        assert_eq!(amounts(0, false, &aug22).1, 18218);
        let jan24 = month(2024, 1);
        assert_eq!(amounts(6562, false, &jan24).0, 77570);
        assert!(amounts(6563, false, &jan24).0 < 77570);
        assert!(amounts(160120, false, &jan24).0 > 0);
        assert_eq!(amounts(160121, false, &jan24).0, 0);
        assert!(amounts(143487, true, &jan24).0 > 0);
        assert_eq!(amounts(143488, true, &jan24).0, 0);
        assert_eq!(amounts(0, false, &jan24).2, 30097);
        assert_eq!(amounts(0, true, &jan24).2, 26355);
    }

    #[test]
    fn calendar_helpers_round_trip() {
        for days in [-800_000, -1, 0, 59, 19_782, 20_000, 60_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        let birth = days_from_civil(2000, 2, 29);
        assert_eq!(anniversary(birth, 1), days_from_civil(2001, 2, 28));
        assert_eq!(age_at(birth, days_from_civil(2001, 2, 27)), 0);
        assert_eq!(age_at(birth, days_from_civil(2001, 2, 28)), 1);
        assert_eq!(
            months_between(days_from_civil(2000, 3, 15), days_from_civil(2001, 3, 14)),
            11
        );
        let mut id = String::new();
        write_id(&mut id, "P", 42, 7);
        assert_eq!(id, "P0000042");
        write_id(&mut id, "Y", 123_456_789, 8);
        assert_eq!(id, "Y123456789");
    }

    #[test]
    fn codes_are_the_contract_codes() {
        let benefits = registers::benefit_codes();
        for b in [
            Benefit::NationalPension,
            Benefit::GuaranteePension,
            Benefit::SpousePension,
            Benefit::OrphanPension,
            Benefit::ChildIncrease,
            Benefit::FrontVeteranSupplement,
            Benefit::AdditionalFrontVeteranSupplement,
        ] {
            assert!(benefits.contains(&b.code()));
        }
        for t in [
            IncomeType::EarningsRelatedPension,
            IncomeType::ForeignPension,
            IncomeType::SurvivorsPension,
            IncomeType::AccidentPension,
            IncomeType::EarnedIncome,
            IncomeType::CapitalIncome,
        ] {
            assert!(registers::INCOME_TYPES.contains(&t.code()));
        }
    }
}
