//! Validate: every input row is accepted or rejected with one reason code (registers.md,
//! "Bad rows"); the counts reconcile per register.
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use polars::prelude::*;

use crate::calendar::month_first_day;
use crate::error::Result;
use crate::ingest::{RegisterData, Registers, INVALID_COLUMN, ROW};
use crate::perf::collect_streaming;
use crate::perf::distinct::repeated;
use crate::perf::keys::{id_hash, key_of};
use crate::perf::lookup::Referenced;
use crate::perf::positions::{benefit_number, reusing_previous, BENEFIT_NUMBER};
use crate::regions::Classification;
use crate::registers::{
    benefit_codes, ColType, Register, BENEFITS, COUNTRIES, FAMILY_STATUSES, FRONT_VETERAN_STATUSES,
    INCOME_TYPES, PAYMENT_TYPES, SEXES,
};
use crate::row_errors::{diagnose, Rejected, RowErrors};
pub use crate::row_errors::{REASON, REASON_COLUMN};

const DUPLICATE: &str = "__duplicate";
/// The index of a row's first failing check.
const CHECK: &str = "__check";
const AFTER_DEATH: &str = "__after_death";
/// A referring row's person and award: their rows among the accepted ones (null: unknown).
const PERSON_ROW: &str = "__person_row";
const AWARD_ROW: &str = "__award_row";

/// Every reason code a row can be rejected with.
pub const REASONS: &[&str] = &[
    "invalid_value",
    "missing_value",
    "duplicate_person_id",
    "duplicate_award_id",
    "duplicate_payment_id",
    "invalid_code",
    "missing_municipality",
    "unknown_municipality",
    "death_before_birth",
    "end_before_start",
    "negative_amount",
    "recovery_not_negative",
    "orphan_reference",
    "before_birth",
    "unknown_award",
    "award_mismatch",
];

/// One rule: rows where `when` holds are rejected with `reason`, naming `column`
/// (`None`: the column named by the row's `INVALID_COLUMN`).
struct Check {
    reason: &'static str,
    column: Option<&'static str>,
    when: Expr,
}

fn check(reason: &'static str, column: &'static str, when: Expr) -> Check {
    Check {
        reason,
        column: Some(column),
        when,
    }
}

/// The rejected rows from the failing rows' verdicts (`ROW`, `CHECK`, `INVALID_COLUMN`):
/// source row number, reason and the column at fault.
fn rejected_rows(verdict: &DataFrame, checks: &[Check]) -> Result<DataFrame> {
    let invalid = verdict.column(INVALID_COLUMN)?.str()?;
    let (reasons, columns): (Vec<&str>, Vec<String>) = verdict
        .column(CHECK)?
        .u32()?
        .iter()
        .zip(invalid.iter())
        .map(|(index, invalid)| {
            let check = &checks[index.expect("a rejected row has a failing check") as usize];
            let column = check.column.or(invalid).unwrap_or_default();
            (check.reason, column.to_string())
        })
        .unzip();
    Ok(DataFrame::new(
        verdict.height(),
        vec![
            verdict.column(ROW)?.clone(),
            Column::new(REASON.into(), reasons),
            Column::new(REASON_COLUMN.into(), columns),
        ],
    )?)
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RegisterCounts {
    pub register: String,
    pub read: usize,
    pub accepted: usize,
    pub rejected: usize,
    pub by_reason: BTreeMap<String, usize>,
}

impl RegisterCounts {
    pub fn reject_share(&self) -> f64 {
        if self.read == 0 {
            0.0
        } else {
            self.rejected as f64 / self.read as f64
        }
    }

    pub fn summary_line(&self) -> String {
        format!(
            "{}: read {}, accepted {}, rejected {}",
            self.register, self.read, self.accepted, self.rejected
        )
    }
}

/// A register split into accepted rows and rejected rows (`ROW`, `REASON`, `REASON_COLUMN`).
/// The accepted rows are a frame in memory, or for a streamed register the plan that reads
/// them from the file.
#[derive(Clone)]
pub struct Checked {
    pub data: RegisterData,
    pub accepted: LazyFrame,
    pub rejected: DataFrame,
    pub counts: RegisterCounts,
}

#[derive(Clone)]
pub struct Validated {
    pub persons: Checked,
    pub awards: Checked,
    pub income: Option<Checked>,
    pub payments: Option<Checked>,
    /// Accepted payments for a month after the person's death (paid, so kept; reported).
    pub payments_after_death: usize,
    /// The rejected rows by reason and column, with examples and consequences apart.
    pub row_errors: RowErrors,
}

impl Validated {
    pub fn iter(&self) -> impl Iterator<Item = &Checked> {
        [
            Some(&self.persons),
            Some(&self.awards),
            self.income.as_ref(),
            self.payments.as_ref(),
        ]
        .into_iter()
        .flatten()
    }

    pub fn counts(&self) -> Vec<RegisterCounts> {
        self.iter().map(|c| c.counts.clone()).collect()
    }
}

pub fn validate(registers: &Registers, classification: &Classification) -> Result<Validated> {
    let (persons, _) = apply(&registers.persons, person_checks(classification), None)?;
    let persons_referenced = persons_referenced(&persons.accepted)?;
    // Income refers to persons alone: it is validated beside the awards, the payments and
    // what they refer to (polars alone leaves one of two cores idle through much of a pass).
    let (income, awards_and_payments) = std::thread::scope(|scope| {
        let income = scope.spawn(|| {
            registers
                .income
                .as_ref()
                .map(|r| {
                    let reference = Reference::persons(&persons_referenced, "month");
                    apply(r, income_checks(), Some(reference))
                })
                .transpose()
        });
        let awards_and_payments = || -> Result<_> {
            let reference = Reference::persons(&persons_referenced, "start_date");
            let (awards, _) = apply(&registers.awards, award_checks(), Some(reference))?;
            let awards_referenced = awards_referenced(&awards.accepted, &persons_referenced)?;
            let payments = registers
                .payments
                .as_ref()
                .map(|r| {
                    let mut reference = Reference::persons(&persons_referenced, "period_month");
                    reference.awards = Some(awards_referenced);
                    reference.counts_after_death = true;
                    apply(r, payment_checks(), Some(reference))
                })
                .transpose()?;
            Ok((awards, payments))
        };
        let awards_and_payments = awards_and_payments();
        (
            income.join().expect("the income thread panicked"),
            awards_and_payments,
        )
    });
    let (awards, payments) = awards_and_payments?;
    let (payments, payments_after_death) = match payments {
        Some((checked, after_death)) => (Some(checked), after_death),
        None => (None, 0),
    };
    let mut validated = Validated {
        persons,
        awards,
        income: income?.map(|(checked, _)| checked),
        payments,
        payments_after_death,
        row_errors: RowErrors::default(),
    };
    let rejected: Vec<Rejected> = validated
        .iter()
        .map(|c| Rejected {
            data: &c.data,
            rejected: &c.rejected,
        })
        .collect();
    validated.row_errors = diagnose(&rejected, classification)?;
    Ok(validated)
}

/// The accepted persons by identifier, with the first days of their birth and death months
/// (computed once per person rather than per referring row). Fails if two identifiers share
/// a key.
fn persons_referenced(persons: &LazyFrame) -> Result<Arc<Referenced>> {
    let births = persons
        .clone()
        .select([
            col("person_id"),
            month_first_day(col("birth_date")).alias("__birth_month"),
            month_first_day(col("death_date")).alias("__death_month"),
        ])
        .collect()?;
    Referenced::new(
        births.column("person_id")?.str()?,
        vec![
            series(&births, "__birth_month")?,
            series(&births, "__death_month")?,
        ],
    )
}

/// The accepted awards by identifier, with their person's row and their benefit's number: a
/// payment's award must be of its person and benefit. Fails if two identifiers share a key.
fn awards_referenced(awards: &LazyFrame, persons: &Referenced) -> Result<Arc<Referenced>> {
    let awards = awards
        .clone()
        .select([
            col("award_id"),
            col("person_id"),
            benefit_number(col("benefit")).alias("__award_benefit"),
        ])
        .collect()?;
    let person = persons
        .rows_of(awards.column("person_id")?.str()?)
        .with_name("__award_person".into());
    Referenced::new(
        awards.column("award_id")?.str()?,
        vec![person, series(&awards, "__award_benefit")?],
    )
}

fn series(frame: &DataFrame, name: &str) -> Result<Series> {
    Ok(frame.column(name)?.as_materialized_series().clone())
}

/// The accepted rows of other registers a register's rows must refer to.
struct Reference {
    /// Each person's birth and death months (`__birth_month`, `__death_month`).
    persons: Arc<Referenced>,
    /// The row's date that must not fall before the person's birth month.
    dated_column: &'static str,
    /// Each award's person row and benefit number (`__award_person`, `__award_benefit`).
    awards: Option<Arc<Referenced>>,
    /// Count the accepted rows whose dated month is after the person's death month.
    counts_after_death: bool,
}

impl Reference {
    fn persons(persons: &Arc<Referenced>, dated_column: &'static str) -> Reference {
        Reference {
            persons: Arc::clone(persons),
            dated_column,
            awards: None,
            counts_after_death: false,
        }
    }

    /// `lf` with the referenced rows (`PERSON_ROW`, `AWARD_ROW`) and their columns.
    /// (`source`: the referring register, whose order decides how its rows are found.)
    fn look_up(&self, lf: LazyFrame, source: &LazyFrame) -> Result<LazyFrame> {
        let mut lf = self.persons.attach(lf, source, "person_id", PERSON_ROW)?;
        if let Some(awards) = &self.awards {
            lf = awards.attach(lf, source, "award_id", AWARD_ROW)?;
        }
        Ok(lf)
    }

    fn checks(&self) -> Vec<Check> {
        let mut checks = vec![
            check("orphan_reference", "person_id", col(PERSON_ROW).is_null()),
            check(
                "before_birth",
                self.dated_column,
                col(self.dated_column).lt(col("__birth_month")),
            ),
        ];
        if self.awards.is_some() {
            let named = col("award_id").is_not_null();
            checks.push(check(
                "unknown_award",
                "award_id",
                named.clone().and(col(AWARD_ROW).is_null()),
            ));
            checks.push(check(
                "award_mismatch",
                "award_id",
                named.and(
                    col("__award_person")
                        .neq(col(PERSON_ROW))
                        .or(col("__award_benefit").neq(col(BENEFIT_NUMBER))),
                ),
            ));
        }
        checks
    }

    fn after_death(&self) -> Expr {
        col(self.dated_column)
            .gt(col("__death_month"))
            .fill_null(lit(false))
    }
}

/// The index (`offset` + position) of the first of `checks` a row fails, null if none (a null
/// condition does not fail). One pass over the conditions' masks, skipping those that hold
/// nowhere, where a chain of `when` would build a column per check.
fn first_failing(checks: &[Check], offset: usize) -> Expr {
    let conditions: Vec<Expr> = checks.iter().map(|c| c.when.clone()).collect();
    map_multiple(
        move |masks: &mut [Column]| {
            let rows = masks.iter().map(Column::len).max().unwrap_or(0);
            let failing: Vec<bool> = masks
                .iter()
                .map(|mask| Ok(mask.bool()?.any()))
                .collect::<PolarsResult<_>>()?;
            if !failing.contains(&true) {
                // Most batches of a register: no row fails.
                return Ok(Column::full_null(CHECK.into(), rows, &DataType::UInt32));
            }
            let mut first = vec![u32::MAX; rows];
            // Backwards, so that an earlier check overwrites a later one.
            for (i, mask) in masks.iter().enumerate().rev() {
                if !failing[i] {
                    continue;
                }
                let mask = mask.bool()?;
                let index = (offset + i) as u32;
                if mask.len() == 1 {
                    first.fill(index);
                    continue;
                }
                for (row, failed) in mask.iter().enumerate() {
                    if failed == Some(true) {
                        first[row] = index;
                    }
                }
            }
            let index: UInt32Chunked = first
                .into_iter()
                .map(|i| (i != u32::MAX).then_some(i))
                .collect();
            Ok(index.with_name(CHECK.into()).into_column())
        },
        conditions,
        |_, _| Ok(Field::new(CHECK.into(), DataType::UInt32)),
    )
}

/// The register's accepted and rejected rows, and the number of accepted rows after the
/// person's death (counted only where the reference asks for it).
fn apply(
    data: &RegisterData,
    own_checks: Vec<Check>,
    reference: Option<Reference>,
) -> Result<(Checked, usize)> {
    let register = data.file.register;
    let started = std::time::Instant::now();
    let key_record = register.unique_key().map(|key| (key, KeyRecord::default()));
    let mut checks = generic_checks(register, key_record.as_ref());
    checks.extend(own_checks);
    let mut lf = data.frame.clone();
    // One pass computes the index of each row's first failing check; only the failing rows
    // (and the accepted ones after death, to count) are kept, so a large register is checked
    // in batches and never held whole. The row's own checks come first, so that only the
    // columns the references need pass through their joins.
    lf = lf.with_column(first_failing(&checks, 0).alias(CHECK));
    let mut after_death = lit(false);
    if let Some(reference) = &reference {
        let mut passing = vec![
            col(ROW),
            col(INVALID_COLUMN),
            col(CHECK),
            col("person_id"),
            col(reference.dated_column),
        ];
        if reference.awards.is_some() {
            passing.extend([
                col("award_id"),
                benefit_number(col("benefit")).alias(BENEFIT_NUMBER),
            ]);
        }
        lf = reference.look_up(lf.select(passing), &data.frame)?;
        let own = checks.len();
        checks.extend(reference.checks());
        lf = lf.with_column(
            when(col(CHECK).is_null())
                .then(first_failing(&checks[own..], own))
                .otherwise(col(CHECK))
                .alias(CHECK),
        );
        if reference.counts_after_death {
            after_death = reference.after_death();
        }
    }
    let mut verdict = collect_streaming(
        lf.select([
            col(ROW),
            col(CHECK),
            col(INVALID_COLUMN),
            after_death.alias(AFTER_DEATH),
        ])
        .filter(col(CHECK).is_not_null().or(col(AFTER_DEATH)))
        .sort([ROW], SortMultipleOptions::default()),
    )?;
    tracing::debug!(
        register = register.name(),
        seconds = started.elapsed().as_secs_f64(),
        "checks evaluated"
    );
    if let Some((key, record)) = key_record {
        let rows = record.repeated_rows(&data.frame, key)?;
        if !rows.is_empty() {
            let index = checks
                .iter()
                .position(|c| c.reason.starts_with("duplicate_"));
            verdict = mark_duplicates(verdict, rows, index.expect("the duplicate check") as u32)?;
        }
        tracing::debug!(
            register = register.name(),
            seconds = started.elapsed().as_secs_f64(),
            "duplicate keys found"
        );
    }
    let accepted_after_death = (&verdict.column(CHECK)?.is_null()
        & verdict.column(AFTER_DEATH)?.bool()?)
    .sum()
    .unwrap_or(0) as usize;
    let verdict = verdict.filter(&verdict.column(CHECK)?.is_not_null())?;
    let rejected = rejected_rows(&verdict, &checks)?;
    let source = data
        .frame
        .clone()
        .select([all().exclude_cols([INVALID_COLUMN]).as_expr()]);
    let accepted = if rejected.height() == 0 {
        source
    } else {
        let rows = rejected.column(ROW)?.as_materialized_series().clone();
        source.filter(col(ROW).is_in(lit(rows).implode(false), false).not())
    };
    let accepted = if register.is_streamed() {
        accepted
    } else {
        accepted.collect()?.lazy()
    };
    let by_reason = count_by_reason(&rejected)?;
    let counts = RegisterCounts {
        register: register.name().to_string(),
        read: data.rows,
        accepted: data.rows - rejected.height(),
        rejected: rejected.height(),
        by_reason,
    };
    Ok((
        Checked {
            data: data.clone(),
            accepted,
            rejected,
            counts,
        },
        accepted_after_death,
    ))
}

/// What the check pass records of a register's unique key, batch by batch, so that
/// duplicates are found without comparing the strings of every row:
/// - each batch's first and last key where its keys strictly ascend (shortest first, then by
///   their bytes: `P9` before `P10`). When every batch ascends and no two batches' ranges
///   overlap, as in a register in key order, no key repeats: nothing more is done;
/// - once a batch does not ascend, the 64-bit hash of each key of that batch and of every
///   later one, sorted afterwards (sorting millions of integers costs several times less than
///   comparing the strings they stand for). Where earlier batches went unhashed, the key
///   column is read again for all the hashes.
#[derive(Default)]
struct KeyRecord(Arc<Mutex<Recorded>>);

#[derive(Default)]
struct Recorded {
    /// The first and last key of each batch whose keys strictly ascend.
    ranges: Vec<(String, String)>,
    /// Some batch's keys did not strictly ascend.
    unordered: bool,
    /// The hashes of the batches read since then.
    hashes: Vec<u64>,
    /// Some batch with keys was not hashed.
    unhashed: bool,
}

impl KeyRecord {
    /// The duplicate check as the pass evaluates it: records the batch's keys and holds on no
    /// row (`repeated_rows` finds the duplicates afterwards; nulls are never duplicates).
    fn recording(&self, key: &str) -> Expr {
        let record = Arc::clone(&self.0);
        col(key).map(
            move |c: Column| {
                let ids = c.str()?;
                let range = ascending_range(ids);
                let lock = || record.lock().expect("no thread panicked holding the keys");
                let hashed = (range.is_none() || lock().unordered)
                    .then(|| ids.iter().flatten().map(key_of).collect::<Vec<u64>>());
                let mut record = lock();
                match range {
                    Some(Some((first, last))) => {
                        record.ranges.push((first.to_string(), last.to_string()));
                        record.unhashed |= hashed.is_none();
                    }
                    Some(None) => {}
                    None => record.unordered = true,
                }
                record.hashes.extend(hashed.into_iter().flatten());
                Ok(BooleanChunked::full(c.name().clone(), false, c.len()).into_column())
            },
            |_, field| Ok(Field::new(field.name().clone(), DataType::Boolean)),
        )
    }

    /// The source rows (`ROW`) whose key occurs more than once. The rows of a repeated hash
    /// (few) are read again and compared by their strings, so a hash collision never rejects
    /// a row.
    fn repeated_rows(self, frame: &LazyFrame, key: &str) -> Result<Series> {
        let none = || Ok(Series::new_empty(ROW.into(), &DataType::Int64));
        let record = std::mem::take(&mut *self.0.lock().expect("the pass is over"));
        if !record.unordered && apart(record.ranges) {
            return none();
        }
        let hashes = if record.unhashed {
            let hashed = collect_streaming(frame.clone().select([id_hash(col(key))]))?;
            hashed.column(key)?.u64()?.iter().flatten().collect()
        } else {
            record.hashes
        };
        let repeated = repeated(hashes);
        if repeated.is_empty() {
            return none();
        }
        let candidates = collect_streaming(frame.clone().select([col(ROW), col(key)]).filter(
            id_hash(col(key)).is_in(lit(Series::new("".into(), repeated)).implode(false), false),
        ))?;
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for k in candidates.column(key)?.str()?.iter().flatten() {
            *counts.entry(k).or_insert(0) += 1;
        }
        let repeated = candidates
            .column(key)?
            .str()?
            .iter()
            .map(|k| k.is_some_and(|k| counts[k] > 1));
        let rows = candidates.filter(&repeated.collect())?;
        Ok(rows.column(ROW)?.as_materialized_series().clone())
    }
}

/// Shortest first, then by bytes: identifiers numbered without padding (`P9`, `P10`) ascend
/// in it as well as padded ones do.
fn shortlex(a: &str, b: &str) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// The first and last of `ids` (nulls skipped) if they strictly ascend in `shortlex` order:
/// `Some(None)` without any, `None` if they do not ascend.
fn ascending_range(ids: &StringChunked) -> Option<Option<(&str, &str)>> {
    let mut keys = ids.iter().flatten();
    let Some(first) = keys.next() else {
        return Some(None);
    };
    let mut last = first;
    for key in keys {
        if shortlex(key, last).is_le() {
            return None;
        }
        last = key;
    }
    Some(Some((first, last)))
}

/// Whether no two of the (first, last) `ranges` (each ascending in `shortlex` order) overlap.
fn apart(mut ranges: Vec<(String, String)>) -> bool {
    ranges.sort_unstable_by(|a, b| shortlex(&a.0, &b.0));
    ranges
        .windows(2)
        .all(|pair| shortlex(&pair[0].1, &pair[1].0).is_lt())
}

/// The verdict (`ROW`, `CHECK`, `INVALID_COLUMN`, `AFTER_DEATH`, in row order) with the rows
/// of repeated keys failing the duplicate check `index`, unless they fail an earlier check.
fn mark_duplicates(verdict: DataFrame, rows: Series, index: u32) -> Result<DataFrame> {
    let height = rows.len();
    let marked = Column::new_scalar(DUPLICATE.into(), true.into(), height);
    let duplicates = DataFrame::new(height, vec![rows.into_column(), marked])?;
    let mut args = JoinArgs::new(JoinType::Full);
    args.coalesce = JoinCoalesce::CoalesceColumns;
    Ok(verdict
        .lazy()
        .join(duplicates.lazy(), [col(ROW)], [col(ROW)], args)
        .select([
            col(ROW),
            when(
                col(DUPLICATE)
                    .is_not_null()
                    .and(col(CHECK).is_null().or(col(CHECK).gt(lit(index)))),
            )
            .then(lit(index))
            .otherwise(col(CHECK))
            .alias(CHECK),
            col(INVALID_COLUMN),
            col(AFTER_DEATH).fill_null(lit(false)),
        ])
        .sort([ROW], SortMultipleOptions::default())
        .collect()?)
}

fn count_by_reason(rejected: &DataFrame) -> Result<BTreeMap<String, usize>> {
    let mut counts = BTreeMap::new();
    for reason in rejected.column(REASON)?.str()?.iter().flatten() {
        *counts.entry(reason.to_string()).or_insert(0) += 1;
    }
    Ok(counts)
}

fn missing(column: &str, ty: ColType) -> Expr {
    let null = col(column).is_null();
    if ty == ColType::Utf8 {
        null.or(col(column).eq(lit("")))
    } else {
        null
    }
}

fn str_list(values: &[&str]) -> Expr {
    lit(Series::new("".into(), values)).implode(false)
}

/// True where a non-null value is outside its code list. Registers repeat a code row after
/// row, so only a new value is looked up (`is_in` hashed every row's).
fn outside(column: &str, values: &[&str]) -> Expr {
    let codes: PlHashSet<String> = values.iter().map(|v| v.to_string()).collect();
    col(column).map(
        move |c: Column| {
            let outside: BooleanChunked = reusing_previous(c.str()?.iter(), |v| !codes.contains(v))
                .map(|outside| outside == Some(true))
                .collect();
            Ok(outside.with_name(c.name().clone()).into_column())
        },
        |_, field| Ok(Field::new(field.name().clone(), DataType::Boolean)),
    )
}

fn generic_checks(
    register: Register,
    key_record: Option<&(&'static str, KeyRecord)>,
) -> Vec<Check> {
    let mut checks = vec![Check {
        reason: "invalid_value",
        column: None,
        when: col(INVALID_COLUMN).is_not_null(),
    }];
    checks.extend(
        register
            .columns()
            .iter()
            .filter(|c| c.required)
            .map(|c| check("missing_value", c.name, missing(c.name, c.ty))),
    );
    if let Some((key, record)) = key_record {
        let reason = match register {
            Register::Persons => "duplicate_person_id",
            Register::Awards => "duplicate_award_id",
            _ => "duplicate_payment_id",
        };
        checks.push(check(reason, key, record.recording(key)));
    }
    checks
}

fn person_checks(classification: &Classification) -> Vec<Check> {
    let in_finland = col("country").eq(lit("FI"));
    let sexes = lit(Series::new("".into(), SEXES)).implode(false);
    vec![
        check("invalid_code", "sex", col("sex").is_in(sexes, false).not()),
        check(
            "invalid_code",
            "family_status",
            outside("family_status", FAMILY_STATUSES),
        ),
        check(
            "invalid_code",
            "front_veteran",
            outside("front_veteran", FRONT_VETERAN_STATUSES),
        ),
        check("invalid_code", "country", outside("country", COUNTRIES)),
        check(
            "missing_municipality",
            "municipality",
            in_finland
                .clone()
                .and(missing("municipality", ColType::Utf8)),
        ),
        check(
            "unknown_municipality",
            "municipality",
            in_finland.and(outside("municipality", &classification.codes())),
        ),
        check(
            "death_before_birth",
            "death_date",
            col("death_date").lt(col("birth_date")),
        ),
    ]
}

fn benefit_is(benefits: &[&str]) -> Expr {
    col("benefit").is_in(str_list(benefits), false)
}

fn award_checks() -> Vec<Check> {
    let with_kinds: Vec<&str> = BENEFITS
        .iter()
        .filter(|(_, k)| !k.is_empty())
        .map(|(b, _)| *b)
        .collect();
    let without_kinds: Vec<&str> = BENEFITS
        .iter()
        .filter(|(_, k)| k.is_empty())
        .map(|(b, _)| *b)
        .collect();
    let mut checks = vec![
        check(
            "invalid_code",
            "benefit",
            outside("benefit", &benefit_codes()),
        ),
        check(
            "missing_value",
            "kind",
            benefit_is(&with_kinds).and(missing("kind", ColType::Utf8)),
        ),
    ];
    for (benefit, kinds) in BENEFITS.iter().filter(|(_, k)| !k.is_empty()) {
        checks.push(check(
            "invalid_code",
            "kind",
            col("benefit").eq(lit(*benefit)).and(outside("kind", kinds)),
        ));
    }
    checks.push(check(
        "invalid_code",
        "kind",
        benefit_is(&without_kinds).and(col("kind").is_not_null()),
    ));
    checks.extend([
        check(
            "missing_value",
            "children",
            col("benefit")
                .eq(lit("child_increase"))
                .and(col("children").is_null()),
        ),
        check(
            "missing_value",
            "deceased_death_date",
            benefit_is(&["spouse_pension", "orphan_pension"])
                .and(col("deceased_death_date").is_null()),
        ),
        check(
            "missing_value",
            "deceased_birth_date",
            col("benefit")
                .eq(lit("spouse_pension"))
                .and(col("residence_months").is_not_null())
                .and(col("deceased_birth_date").is_null()),
        ),
    ]);
    for column in ["early_months", "deferral_months", "residence_months"] {
        checks.push(check("invalid_value", column, col(column).lt(lit(0i64))));
    }
    checks.push(check(
        "invalid_value",
        "children",
        col("benefit")
            .eq(lit("child_increase"))
            .and(col("children").lt(lit(1i64))),
    ));
    checks.push(check(
        "end_before_start",
        "end_date",
        col("end_date").lt(col("start_date")),
    ));
    checks
}

fn income_checks() -> Vec<Check> {
    vec![
        check(
            "invalid_code",
            "income_type",
            outside("income_type", INCOME_TYPES),
        ),
        check("negative_amount", "amount", col("amount").lt(lit(0i64))),
    ]
}

fn payment_checks() -> Vec<Check> {
    let recovery = col("payment_type").eq(lit("recovery"));
    vec![
        check(
            "invalid_code",
            "benefit",
            outside("benefit", &benefit_codes()),
        ),
        check(
            "invalid_code",
            "payment_type",
            outside("payment_type", PAYMENT_TYPES),
        ),
        check(
            "negative_amount",
            "amount",
            recovery.clone().not().and(col("amount").lt(lit(0i64))),
        ),
        check(
            "recovery_not_negative",
            "amount",
            recovery.and(col("amount").gt_eq(lit(0i64))),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ascending_batches_give_their_range_and_others_none() {
        let ids = |v: &[Option<&str>]| StringChunked::new("id".into(), v);
        let range = |v: &[Option<&str>]| {
            ascending_range(&ids(v)).map(|r| r.map(|(a, b)| (a.to_string(), b.to_string())))
        };
        let pair = |a: &str, b: &str| Some(Some((a.to_string(), b.to_string())));
        assert_eq!(
            range(&[Some("A1"), None, Some("A2"), Some("B1")]),
            pair("A1", "B1")
        );
        assert_eq!(range(&[Some("A1")]), pair("A1", "A1"));
        assert_eq!(range(&[None, None]), Some(None));
        assert_eq!(range(&[Some("A2"), Some("A1")]), None);
        assert_eq!(range(&[Some("A1"), Some("A1")]), None);
        assert_eq!(range(&[Some("P9"), Some("P10")]), pair("P9", "P10"));
        assert_eq!(range(&[Some("P10"), Some("P9")]), None);
    }

    #[test]
    fn ranges_are_apart_only_without_overlap_in_any_order() {
        let r = |v: &[(&str, &str)]| {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        assert!(apart(r(&[("D", "F"), ("A", "C")])));
        assert!(!apart(r(&[("A", "C"), ("C", "D")])));
        assert!(!apart(r(&[("A", "F"), ("B", "C")])));
        assert!(apart(r(&[("P10", "P12"), ("P8", "P9")])));
        assert!(!apart(r(&[("P8", "P10"), ("P9", "P9")])));
        assert!(apart(r(&[])));
    }

    proptest! {
        /// Keys cut into batches: where every batch ascends and the ranges are apart, no key
        /// repeats; sorted distinct keys are always proven so, however they are cut.
        #[test]
        fn apart_ranges_prove_distinct_keys(
            keys in proptest::collection::vec(0u16..300, 0..60),
            cuts in proptest::collection::vec(0usize..60, 0..6),
            sort in any::<bool>(),
        ) {
            let mut keys: Vec<String> = keys.iter().map(|k| format!("K{k}")).collect();
            if sort {
                keys.sort_by(|a, b| shortlex(a, b));
                keys.dedup();
            }
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(keys.len())).collect();
            cuts.extend([0, keys.len()]);
            cuts.sort_unstable();
            let mut ranges = Vec::new();
            let mut unordered = false;
            for pair in cuts.windows(2) {
                let batch: Vec<Option<&str>> = keys[pair[0]..pair[1]].iter().map(|k| Some(k.as_str())).collect();
                match ascending_range(&StringChunked::new("id".into(), &batch)) {
                    Some(Some((a, b))) => ranges.push((a.to_string(), b.to_string())),
                    Some(None) => {}
                    None => unordered = true,
                }
            }
            let proven = !unordered && apart(ranges);
            let distinct = keys.iter().collect::<std::collections::BTreeSet<_>>().len() == keys.len();
            prop_assert!(!proven || distinct);
            prop_assert!(!sort || proven);
        }
    }
}
