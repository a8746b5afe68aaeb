//! The rejected rows told so that an analyst can fix the file: per register, reason and column,
//! the count, a few examples (source row, offending value, the form expected, a likely fix),
//! and apart from them the rows rejected only because the row they refer to was rejected,
//! counted under that row's cause.
//!
//! Invariant: the value of an identifier column (`person_id`, `award_id`, `payment_id`) is
//! never shown: its examples name the row alone (operations.md: no personal identifier in a
//! log line; only the owner-only rejects file holds them).
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use polars::prelude::*;

use crate::error::Result;
use crate::ingest::{scan_source, RegisterData, ROW};
use crate::perf::collect_streaming;
use crate::regions::Classification;
use crate::registers::{
    ColType, FileFormat, Register, BENEFITS, FAMILY_STATUSES, FRONT_VETERAN_STATUSES, INCOME_TYPES,
    PAYMENT_TYPES,
};

/// The column of a rejected row holding its reason code (written by validation).
pub const REASON: &str = "__reason";
/// The column of a rejected row naming the column at fault (written by validation).
pub const REASON_COLUMN: &str = "__reason_column";

/// One register's rejected rows as validation leaves them (`ROW`, `REASON`, `REASON_COLUMN`),
/// and the register's file.
#[derive(Clone, Copy)]
pub struct Rejected<'a> {
    pub data: &'a RegisterData,
    pub rejected: &'a DataFrame,
}

/// Examples shown per reason and column.
pub const EXAMPLES: usize = 3;

/// The columns whose values identify a person or a decision: never shown.
const IDENTIFIERS: [&str; 3] = ["person_id", "award_id", "payment_id"];

/// Where a rejected row's trouble lies.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cause {
    pub register: &'static str,
    pub reason: String,
    pub column: String,
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} in {}", self.register, self.reason, self.column)
    }
}

/// One rejected row shown as an example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// Source row number (1-based, the header not counted), as in the rejects file.
    pub row: i64,
    /// The row's line in a CSV file (header = line 1); `None` for Parquet.
    pub line: Option<i64>,
    /// The offending value as it stands in the file (`""`: empty); `None` where it is not
    /// shown (an identifier).
    pub value: Option<String>,
    /// The likely fix, where one is likely (`did you mean 091 (Helsinki)?`).
    pub hint: Option<String>,
}

/// The rejected rows of one register with one reason and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub cause: Cause,
    pub count: usize,
    /// Rows rejected only because the row they refer to was rejected, by that row's own
    /// cause (followed to its root: a payment of an award whose person was rejected counts
    /// under the person's cause).
    pub consequences: BTreeMap<Cause, usize>,
    /// Examples among the rows that are not consequences.
    pub examples: Vec<Example>,
    /// What the column should hold.
    pub expected: String,
}

impl Group {
    /// Rows rejected for a problem of their own.
    pub fn own(&self) -> usize {
        self.count - self.consequences.values().sum::<usize>()
    }

    /// `birth_date: 30, expected a date YYYY-MM-DD; e.g. row 1 (line 2): '12.3.1950' (did you
    /// mean 1950-03-12?)`, with the consequences counted apart; the examples only where
    /// `with_examples` (they are not for a publication).
    pub fn text(&self, with_examples: bool) -> String {
        let mut out = format!("{}: {}", self.cause.column, self.count);
        let because = match self.cause.reason.as_str() {
            "unknown_award" => "their award was rejected",
            _ => "their person was rejected",
        };
        let causes = || {
            self.consequences
                .iter()
                .map(|(cause, n)| format!("{cause}: {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if self.own() == 0 {
            let _ = write!(out, ", all because {because} ({})", causes());
            return out;
        }
        if !self.consequences.is_empty() {
            let consequences = self.count - self.own();
            let _ = write!(
                out,
                ", of which {consequences} because {because} ({}); the other {}",
                causes(),
                self.own()
            );
        }
        let _ = write!(out, ", expected {}", self.expected);
        if with_examples && !self.examples.is_empty() {
            let examples: Vec<String> = self.examples.iter().map(example_text).collect();
            let _ = write!(out, "; e.g. {}", examples.join(", "));
        }
        out
    }

    /// The group in one phrase for a one-line message: `payments invalid_value in
    /// period_month: 12 (e.g. row 4 (line 5): '2024/12'; expected a date YYYY-MM-DD)`.
    pub fn short_text(&self) -> String {
        if self.own() == 0 {
            let (cause, _) = self
                .consequences
                .iter()
                .max_by_key(|(_, n)| **n)
                .expect("a group of consequences has one");
            return format!(
                "{}: {}, all because the row they refer to was rejected ({cause})",
                self.cause, self.count
            );
        }
        let example = self
            .examples
            .first()
            .map(|e| format!("e.g. {}; ", example_text(e)))
            .unwrap_or_default();
        let mut out = format!(
            "{}: {} ({example}expected {})",
            self.cause,
            self.own(),
            self.expected
        );
        let consequences = self.count - self.own();
        if consequences > 0 {
            let _ = write!(
                out,
                " and {consequences} more because the row they refer to was rejected"
            );
        }
        out
    }
}

fn example_text(example: &Example) -> String {
    let mut out = format!("row {}", example.row);
    if let Some(line) = example.line {
        let _ = write!(out, " (line {line})");
    }
    match example.value.as_deref() {
        None => {}
        Some("") => out.push_str(": empty"),
        Some(value) => {
            let _ = write!(out, ": '{}'", shortened(value));
        }
    }
    if let Some(hint) = &example.hint {
        let _ = write!(out, " ({hint})");
    }
    out
}

/// At most `SHOWN_CHARS` characters of a value, on one line (a longer one ends with `…`).
fn shortened(value: &str) -> String {
    let one_line = value.replace(['\n', '\r'], " ");
    if one_line.chars().count() <= SHOWN_CHARS {
        return one_line;
    }
    let head: String = one_line.chars().take(SHOWN_CHARS).collect();
    format!("{head}…")
}

/// The longest value an example shows whole.
const SHOWN_CHARS: usize = 40;

/// Every register's rejected rows by reason and column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowErrors {
    /// In register order, then by falling count.
    pub groups: Vec<Group>,
}

impl RowErrors {
    pub fn of_register<'a>(&'a self, register: &'a str) -> impl Iterator<Item = &'a Group> {
        self.groups
            .iter()
            .filter(move |g| g.cause.register == register)
    }

    /// The groups with the most rows rejected for a problem of their own (the causes), then
    /// those made only of consequences; at most `n`, of the given registers.
    pub fn top(&self, registers: &[&str], n: usize) -> Vec<&Group> {
        let mut groups: Vec<&Group> = self
            .groups
            .iter()
            .filter(|g| registers.contains(&g.cause.register))
            .collect();
        groups.sort_by_key(|g| (std::cmp::Reverse(g.own()), std::cmp::Reverse(g.count)));
        groups.truncate(n);
        groups
    }
}

/// The rejected rows of `checked` (in the order persons, awards, income, payments) by reason
/// and column, with examples read from the source files.
pub fn diagnose(checked: &[Rejected], classification: &Classification) -> Result<RowErrors> {
    let mut person_causes: HashMap<String, Cause> = HashMap::new();
    let mut award_causes: HashMap<String, Cause> = HashMap::new();
    let mut groups = Vec::new();
    for c in checked.iter().filter(|c| c.rejected.height() > 0) {
        let register = c.data.file.register;
        let rows: Vec<i64> = c.rejected.column(ROW)?.i64()?.iter().flatten().collect();
        let reasons = c.rejected.column(REASON)?.str()?;
        let columns = c.rejected.column(REASON_COLUMN)?.str()?;
        let referring = reasons
            .iter()
            .any(|r| matches!(r, Some("orphan_reference" | "unknown_award")));
        let referenced = !person_causes.is_empty() || !award_causes.is_empty();
        let needs_ids =
            matches!(register, Register::Persons | Register::Awards) || (referring && referenced);
        let started = std::time::Instant::now();
        let ids = if needs_ids {
            rejected_ids(c)?
        } else {
            RejectedIds::default()
        };
        let mut by_cause: BTreeMap<Cause, Group> = BTreeMap::new();
        let mut order: Vec<Cause> = Vec::new();
        for (i, &row) in rows.iter().enumerate() {
            let cause = Cause {
                register: register.name(),
                reason: reasons.get(i).unwrap_or_default().to_string(),
                column: columns.get(i).unwrap_or_default().to_string(),
            };
            let root = match cause.reason.as_str() {
                "orphan_reference" => ids.person(i).and_then(|p| person_causes.get(p)),
                "unknown_award" => ids.award(i).and_then(|a| award_causes.get(a)),
                _ => None,
            }
            .cloned();
            match register {
                Register::Persons => {
                    if let Some(p) = ids.person(i) {
                        person_causes.entry(p.to_string()).or_insert(cause.clone());
                    }
                }
                Register::Awards => {
                    if let Some(a) = ids.award(i) {
                        let own = root.clone().unwrap_or_else(|| cause.clone());
                        award_causes.entry(a.to_string()).or_insert(own);
                    }
                }
                _ => {}
            }
            let group = by_cause.entry(cause.clone()).or_insert_with(|| {
                order.push(cause.clone());
                Group {
                    expected: expected(register, &cause.reason, &cause.column),
                    cause: cause.clone(),
                    count: 0,
                    consequences: BTreeMap::new(),
                    examples: Vec::new(),
                }
            });
            group.count += 1;
            match root {
                Some(root) => *group.consequences.entry(root).or_insert(0) += 1,
                None if group.examples.len() < EXAMPLES => group.examples.push(Example {
                    row,
                    line: (c.data.file.format == FileFormat::Csv).then_some(row + 1),
                    value: None,
                    hint: None,
                }),
                None => {}
            }
        }
        let mut register_groups: Vec<Group> = order
            .into_iter()
            .map(|cause| by_cause.remove(&cause).expect("grouped"))
            .collect();
        let looked_up = started.elapsed().as_secs_f64();
        fill_values(c, &mut register_groups, classification)?;
        tracing::debug!(
            register = register.name(),
            ids_seconds = looked_up,
            seconds = started.elapsed().as_secs_f64(),
            "row errors diagnosed"
        );
        register_groups.sort_by_key(|g| std::cmp::Reverse(g.count));
        groups.extend(register_groups);
    }
    Ok(RowErrors { groups })
}

/// The person and award identifiers of a register's rejected rows, in the rejected rows'
/// order (only the columns the register has).
#[derive(Default)]
struct RejectedIds {
    persons: Vec<Option<String>>,
    awards: Vec<Option<String>>,
}

impl RejectedIds {
    fn person(&self, i: usize) -> Option<&str> {
        self.persons.get(i)?.as_deref().filter(|p| !p.is_empty())
    }

    fn award(&self, i: usize) -> Option<&str> {
        self.awards.get(i)?.as_deref().filter(|a| !a.is_empty())
    }
}

fn rejected_ids(c: &Rejected) -> Result<RejectedIds> {
    let register = c.data.file.register;
    let wanted: Vec<&str> = ["person_id", "award_id"]
        .into_iter()
        .filter(|name| register.column(name).is_some())
        .collect();
    let mut columns = vec![col(ROW)];
    columns.extend(wanted.iter().map(|name| col(*name)));
    let rows = c.rejected.column(ROW)?.as_materialized_series().clone();
    // The rejected rows are in source-row order; so is the filtered scan.
    let found = collect_streaming(
        c.data
            .frame
            .clone()
            .select(columns)
            .filter(col(ROW).is_in(lit(rows).implode(false), false)),
    )?
    .sort([ROW], SortMultipleOptions::default())?;
    let strings = |name: &str| -> Result<Vec<Option<String>>> {
        if !wanted.contains(&name) {
            return Ok(Vec::new());
        }
        Ok(found
            .column(name)?
            .str()?
            .iter()
            .map(|v| v.map(str::to_string))
            .collect())
    };
    Ok(RejectedIds {
        persons: strings("person_id")?,
        awards: strings("award_id")?,
    })
}

/// Reads the examples' offending values from the source file (as they stand in it) and adds
/// the likely fix where there is one.
fn fill_values(c: &Rejected, groups: &mut [Group], classification: &Classification) -> Result<()> {
    let rows: Vec<i64> = groups
        .iter()
        .flat_map(|g| g.examples.iter().map(|e| e.row))
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let (scan, schema) = scan_source(&c.data.file)?;
    let mut shown: Vec<&str> = groups
        .iter()
        .map(|g| g.cause.column.as_str())
        .filter(|name| !IDENTIFIERS.contains(name) && schema.get(name).is_some())
        .collect();
    shown.sort_unstable();
    shown.dedup();
    let mut columns = vec![col(ROW).cast(DataType::Int64)];
    columns.extend(shown.iter().map(|name| col(*name).cast(DataType::String)));
    let values = collect_streaming(
        scan.with_column(col(ROW).cast(DataType::Int64))
            .filter(col(ROW).is_in(lit(Series::new(ROW.into(), &rows)).implode(false), false))
            .select(columns),
    )?;
    let row_numbers = values.column(ROW)?.i64()?;
    let position: HashMap<i64, usize> = row_numbers
        .iter()
        .enumerate()
        .filter_map(|(i, r)| Some((r?, i)))
        .collect();
    for group in groups.iter_mut() {
        let column = group.cause.column.clone();
        if IDENTIFIERS.contains(&column.as_str()) {
            continue;
        }
        for example in &mut group.examples {
            let value = match (values.column(&column), position.get(&example.row)) {
                (Ok(values), Some(&i)) => values.str()?.get(i).unwrap_or_default().to_string(),
                // A column the file does not have, or a row not found: shown as empty.
                _ => String::new(),
            };
            example.hint = hint(&group.cause, &value, classification);
            example.value = Some(value);
        }
    }
    Ok(())
}

/// What `column` should hold, in the words of registers.md.
pub fn expected(register: Register, reason: &str, column: &str) -> String {
    let by_reason = match reason {
        "missing_value" => Some("a value (the field is required)".to_string()),
        "duplicate_person_id" | "duplicate_award_id" | "duplicate_payment_id" => {
            Some(format!("a unique {column} (every copy of a repeated one is rejected)"))
        }
        "orphan_reference" => Some("the person_id of an accepted row of persons".into()),
        "unknown_award" => Some("empty or the award_id of an accepted row of awards".into()),
        "award_mismatch" => Some("an award of the payment's own person and benefit".into()),
        "before_birth" => Some("a month from the person's birth month on".into()),
        "death_before_birth" => Some("a death_date on or after the birth_date".into()),
        "end_before_start" => Some("an end_date on or after the start_date".into()),
        "negative_amount" => Some("an amount of 0 or more".into()),
        "recovery_not_negative" => Some("a negative amount (a recovery is paid back)".into()),
        "missing_municipality" | "unknown_municipality" => Some(
            "a 3-digit municipality code of the classification, written as text with its leading zeros (e.g. 091), for a person living in Finland"
                .into(),
        ),
        _ => None,
    };
    by_reason.unwrap_or_else(|| expected_form(register, column))
}

/// The form a valid value of `column` takes.
pub fn expected_form(register: Register, column: &str) -> String {
    let list = |values: &[&str]| values.join(", ");
    match column {
        "sex" => "1 or 2 (1 = man, 2 = woman)".into(),
        "family_status" => format!("one of {}", list(FAMILY_STATUSES)),
        "front_veteran" => format!("empty or one of {}", list(FRONT_VETERAN_STATUSES)),
        "country" => "an ISO 3166-1 alpha-2 code in capitals (FI, SE, ...)".into(),
        "income_type" => format!("one of {}", list(INCOME_TYPES)),
        "payment_type" => format!("one of {}", list(PAYMENT_TYPES)),
        "benefit" => format!(
            "one of {}",
            list(&BENEFITS.iter().map(|(b, _)| *b).collect::<Vec<_>>())
        ),
        "kind" => {
            let kinds: Vec<String> = BENEFITS
                .iter()
                .map(|(benefit, kinds)| match kinds {
                    [] => format!("{benefit}: empty"),
                    kinds => format!("{benefit}: {}", kinds.join("/")),
                })
                .collect();
            format!("the kind of its benefit ({})", kinds.join("; "))
        }
        "children" => "a whole number of 1 or more".into(),
        "early_months" | "deferral_months" | "residence_months" => {
            "a whole number of 0 or more".into()
        }
        _ => match register.column(column).map(|c| c.ty) {
            Some(ColType::Date) => "a date YYYY-MM-DD".into(),
            Some(ColType::Month) => "a date YYYY-MM-DD (any day of the month)".into(),
            Some(ColType::Int) => "a whole number".into(),
            Some(ColType::Money) => "an amount in euros with at most two decimals (1234.50)".into(),
            Some(ColType::Bool) => "true or false".into(),
            Some(ColType::Utf8) | None => "a value of the contract (registers.md)".into(),
        },
    }
}

/// The likely fix of an offending value, where one is likely.
fn hint(cause: &Cause, value: &str, classification: &Classification) -> Option<String> {
    let value = value.trim();
    let register = Register::ALL
        .into_iter()
        .find(|r| r.name() == cause.register)?;
    if cause.reason == "unknown_municipality" {
        let padded = format!("{value:0>3}");
        let known = classification.get(&padded)?;
        return (padded != value).then(|| format!("did you mean {padded} ({})?", known.name_fi));
    }
    if !matches!(cause.reason.as_str(), "invalid_value" | "invalid_code") {
        return None;
    }
    let ty = register.column(&cause.column)?.ty;
    match (cause.column.as_str(), ty) {
        ("sex", _) => match value.to_lowercase().as_str() {
            "m" | "male" | "man" | "mies" => Some("did you mean 1 (man)?".into()),
            "f" | "n" | "w" | "female" | "woman" | "nainen" => {
                Some("did you mean 2 (woman)?".into())
            }
            _ => None,
        },
        (_, ColType::Date | ColType::Month) => finnish_date(value)
            .map(|d| format!("did you mean {}?", d.format("%Y-%m-%d")))
            .or_else(|| Some("dates are written YYYY-MM-DD".into()).filter(|_| !value.is_empty())),
        (_, ColType::Money) if value.contains(',') && !value.contains('.') => Some(format!(
            "did you mean {}? the decimal point of a comma-separated file is '.'",
            value.replace(',', ".")
        )),
        (_, ColType::Bool) => match value.to_lowercase().as_str() {
            "true" | "1" | "yes" | "kyllä" => Some("did you mean true?".into()),
            "false" | "0" | "no" | "ei" => Some("did you mean false?".into()),
            _ => None,
        },
        ("country", _) => {
            let upper = value.to_uppercase();
            (upper != value && crate::registers::COUNTRIES.contains(&upper.as_str()))
                .then(|| format!("did you mean {upper}? codes are case-sensitive"))
        }
        (column, ColType::Utf8) => {
            let benefits: Vec<&str> = BENEFITS.iter().map(|(b, _)| *b).collect();
            let codes: &[&str] = match column {
                "family_status" => FAMILY_STATUSES,
                "front_veteran" => FRONT_VETERAN_STATUSES,
                "income_type" => INCOME_TYPES,
                "payment_type" => PAYMENT_TYPES,
                "benefit" => &benefits,
                _ => &[],
            };
            codes
                .iter()
                .find(|code| code.eq_ignore_ascii_case(value))
                .map(|code| format!("did you mean {code}? codes are case-sensitive"))
        }
        _ => None,
    }
}

/// `12.3.1950` (day.month.year, the Finnish way) as a date.
fn finnish_date(value: &str) -> Option<chrono::NaiveDate> {
    let mut parts = value.split('.');
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 {
        return None;
    }
    chrono::NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_shortened_to_one_line() {
        assert_eq!(shortened("12.3.1950"), "12.3.1950");
        let long = "x".repeat(50);
        assert_eq!(shortened(&long), format!("{}…", "x".repeat(40)));
        assert_eq!(shortened("a\nb"), "a b");
    }

    #[test]
    fn finnish_dates_are_recognised_and_impossible_ones_not() {
        assert_eq!(
            finnish_date("12.3.1950"),
            chrono::NaiveDate::from_ymd_opt(1950, 3, 12)
        );
        assert_eq!(finnish_date("31.2.1950"), None);
        assert_eq!(finnish_date("1950-03-12"), None);
        assert_eq!(finnish_date("12.3.50"), None);
    }
}
