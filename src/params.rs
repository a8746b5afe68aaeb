//! The parameter file (`pipelines/parameters.toml`): every yearly parameter of rules.md with its
//! validity start, unit and source. Loading is strict: an unknown key, a missing unit, or
//! unsorted or duplicate dates are errors, so that a typo is never silently ignored.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    file: FileInfo,
    rates: Rates,
    law: Law,
    parameters: BTreeMap<String, RawParameter>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileInfo {
    pub name: String,
    pub version: String,
    pub valid_until: toml::value::Datetime,
}

/// Fixed rates of the acts, in integer per-mille or percent so that arithmetic stays exact.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Rates {
    pub early_reduction_per_mille_per_month: i64,
    pub deferral_increase_per_mille_per_month_born_before_1962: i64,
    pub deferral_increase_per_mille_per_month: i64,
    pub residence_full_share_per_mille: i64,
    pub afvs_max_percent: i64,
    pub afvs_min_percent: i64,
}

/// The law's ages, cohorts, phase lengths and start dates (rules.md), each with its source: the
/// `[law]` table of the parameter file, loaded strictly (an unknown or a missing name is a load
/// error). Changing one is a change of law, not of index.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Law {
    /// The pension age: the old-age pension from it, residence counted until it, no spouse's
    /// pension from it.
    pub pension_age: Sourced<i64>,
    /// Residence is counted from this birthday.
    pub residence_from_age: Sourced<i64>,
    /// The lowest age of an early old-age pension by cohort (birth years up to `born_until`);
    /// none for persons born after the last cohort.
    pub early_old_age_cohorts: Sourced<Vec<Cohort>>,
    /// A deferred pension increases at the higher rate for persons born before this year.
    pub deferral_higher_rate_born_before: Sourced<i64>,
    /// The lowest age of a disability pension or rehabilitation subsidy, from each date.
    pub disability_min_age: Sourced<Vec<DatedValue>>,
    /// The highest age of a disability pension or rehabilitation subsidy.
    pub disability_max_age: Sourced<i64>,
    /// An orphan's pension of kind `child` is paid below this age.
    pub orphan_child_under_age: Sourced<i64>,
    /// An orphan's pension of kind `student` is paid from `orphan_child_under_age` to this age.
    pub orphan_student_max_age: Sourced<i64>,
    /// A spouse's pension is in its initial phase in the months 1 to this after the death.
    pub sp_initial_months: Sourced<i64>,
    /// The guarantee pension exists from this day.
    pub guarantee_pension_from: Sourced<Day>,
    /// The additional front-veterans' supplement is computed from this day.
    pub afvs_computed_from: Sourced<Day>,
}

/// A value of the law with where it comes from.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Sourced<T> {
    pub value: T,
    pub source: String,
}

/// An early old-age pension cohort: born up to `born_until`, from `min_age`.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Cohort {
    pub born_until: i32,
    pub min_age: i64,
}

/// A value that holds from its date until the next one.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DatedValue {
    pub from: Day,
    pub value: i64,
}

/// A date of the parameter file (`2011-03-01`, no time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Day(pub NaiveDate);

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Day, D::Error> {
        let datetime = toml::value::Datetime::deserialize(d)?;
        to_date(&datetime).map(Day).ok_or_else(|| {
            serde::de::Error::custom(format!("expected a date like 2011-03-01, found {datetime}"))
        })
    }
}

impl Law {
    /// The lowest age of an early old-age pension for a cohort, `None` for a cohort without one.
    pub fn early_old_age_min_age(&self, born: i32) -> Option<i64> {
        let cohorts = &self.early_old_age_cohorts.value;
        cohorts
            .iter()
            .find(|c| born <= c.born_until)
            .map(|c| c.min_age)
    }

    /// Whether the guarantee pension exists in `month`: before that month its full amount is
    /// no parameter, and a guarantee-pension award is computed as 0 with the rule violation
    /// `gp_not_in_force` (rules.md).
    pub fn guarantee_pension_in_force(&self, month: NaiveDate) -> bool {
        month >= self.guarantee_pension_from.value.0
    }

    /// The lowest age of a disability pension in force on `day`.
    pub fn disability_min_age_on(&self, day: NaiveDate) -> i64 {
        let ages = &self.disability_min_age.value;
        ages.iter()
            .rev()
            .find(|a| a.from.0 <= day)
            .or(ages.first())
            .map_or(0, |a| a.value)
    }

    /// Checks what the types cannot: cohorts and dated values in order, none empty.
    fn check(&self) -> std::result::Result<(), String> {
        let cohorts = &self.early_old_age_cohorts.value;
        if cohorts.is_empty()
            || cohorts
                .windows(2)
                .any(|w| w[0].born_until >= w[1].born_until)
        {
            return Err("law.early_old_age_cohorts: at least one, by increasing born_until".into());
        }
        let ages = &self.disability_min_age.value;
        if ages.is_empty() || ages.windows(2).any(|w| w[0].from >= w[1].from) {
            return Err("law.disability_min_age: at least one value, by increasing date".into());
        }
        Ok(())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParameter {
    description: String,
    unit: Option<String>,
    values: Vec<RawValue>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawValue {
    from: toml::value::Datetime,
    value: Option<String>,
    known: Option<bool>,
    source: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValueEntry {
    pub from: NaiveDate,
    /// `None`: not known (a blank cell of rules.md).
    pub value: Option<Decimal>,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    pub name: String,
    pub description: String,
    pub unit: String,
    pub values: Vec<ValueEntry>,
}

/// Every parameter the rules read; the file must define exactly these.
pub const NAMES: &[&str] = &[
    "np_full_single",
    "np_full_couple",
    "np_income_limit",
    "np_minimum",
    "gp_full",
    "disability_earnings_limit",
    "sp_initial",
    "sp_basic",
    "sp_additional_max_single",
    "sp_additional_max_couple",
    "op_basic",
    "op_additional",
    "child_increase",
    "fvs",
    "afvs_threshold",
    "afvs_step1",
    "afvs_step2",
    "afvs_minimum",
];

/// Parameters needed only by the additional front-veterans' supplement: where they are not
/// known, that benefit is `not_computed` instead of the month being uncovered.
pub const AFVS_ONLY: &[&str] = &["afvs_threshold", "afvs_step1", "afvs_step2", "afvs_minimum"];

/// Whether `name` may be unknown in `month` without the month being uncovered.
fn may_be_unknown(name: &str, month: NaiveDate, law: &Law) -> bool {
    AFVS_ONLY.contains(&name) || (name == "gp_full" && !law.guarantee_pension_in_force(month))
}

#[derive(Debug, Clone)]
pub struct ParameterFile {
    pub path: PathBuf,
    pub sha256: String,
    pub info: FileInfo,
    pub valid_until: NaiveDate,
    pub rates: Rates,
    pub law: Law,
    pub parameters: BTreeMap<String, Parameter>,
}

fn to_date(d: &toml::value::Datetime) -> Option<NaiveDate> {
    let date = d.date?;
    if d.time.is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(date.year.into(), date.month.into(), date.day.into())
}

impl ParameterFile {
    pub fn load(path: &Path) -> Result<ParameterFile> {
        let bytes = std::fs::read(path).map_err(Error::io(path))?;
        let sha256 = format!("{:x}", Sha256::digest(&bytes));
        let text = String::from_utf8(bytes).map_err(|e| Error::Pipeline {
            file: path.to_path_buf(),
            message: e.to_string(),
        })?;
        Self::parse(&text, path, sha256)
    }

    pub fn parse(text: &str, path: &Path, sha256: String) -> Result<ParameterFile> {
        let err = |message: String| Error::Pipeline {
            file: path.to_path_buf(),
            message,
        };
        let raw: RawFile = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        let valid_until = to_date(&raw.file.valid_until)
            .ok_or_else(|| err("file.valid_until: expected a date like 2026-12-31".into()))?;
        raw.law.check().map_err(err)?;
        let mut parameters = BTreeMap::new();
        for (name, p) in raw.parameters {
            if !NAMES.contains(&name.as_str()) {
                return Err(err(format!("unknown parameter '{name}'")));
            }
            let unit = p
                .unit
                .filter(|u| !u.trim().is_empty())
                .ok_or_else(|| err(format!("parameter '{name}': missing unit")))?;
            let mut values = Vec::with_capacity(p.values.len());
            for v in p.values {
                let from = to_date(&v.from)
                    .ok_or_else(|| err(format!("parameter '{name}': 'from' must be a date")))?;
                let value = match (v.value, v.known) {
                    (Some(text), None | Some(true)) => {
                        Some(text.parse::<Decimal>().map_err(|e| {
                            err(format!(
                                "parameter '{name}' from {from}: value '{text}': {e}"
                            ))
                        })?)
                    }
                    (None, Some(false)) => None,
                    _ => {
                        return Err(err(format!(
                            "parameter '{name}' from {from}: give either `value` or `known = false`"
                        )))
                    }
                };
                if let Some(last) = values.last().map(|l: &ValueEntry| l.from) {
                    if from <= last {
                        return Err(err(format!(
                            "parameter '{name}': dates must be strictly increasing ({from} after {last})"
                        )));
                    }
                }
                values.push(ValueEntry {
                    from,
                    value,
                    source: v.source,
                });
            }
            if values.is_empty() {
                return Err(err(format!("parameter '{name}': no values")));
            }
            parameters.insert(
                name.clone(),
                Parameter {
                    name,
                    description: p.description,
                    unit,
                    values,
                },
            );
        }
        if let Some(missing) = NAMES.iter().find(|n| !parameters.contains_key(**n)) {
            return Err(err(format!("missing parameter '{missing}'")));
        }
        Ok(ParameterFile {
            path: path.to_path_buf(),
            sha256,
            info: raw.file,
            valid_until,
            rates: raw.rates,
            law: raw.law,
            parameters,
        })
    }

    /// The entry of `name` in force on `day`, if the file covers that day.
    pub fn entry(&self, name: &str, day: NaiveDate) -> Option<&ValueEntry> {
        if day > self.valid_until {
            return None;
        }
        self.parameters[name]
            .values
            .iter()
            .rev()
            .find(|v| v.from <= day)
    }

    /// The values in force on the first day of `month`. A file that does not cover the month is
    /// a quality gate (operations.md, exit 4): the error names the parameter and the month.
    pub fn for_month(&self, month: NaiveDate) -> Result<MonthParameters> {
        let mut values = BTreeMap::new();
        for name in NAMES {
            let entry = self.entry(name, month);
            let value = entry.and_then(|e| e.value);
            if value.is_none() && !may_be_unknown(name, month, &self.law) {
                return Err(Error::QualityGate(format!(
                    "parameter file {} does not cover parameter '{name}' for the month {}",
                    self.path.display(),
                    month.format("%Y-%m")
                )));
            }
            values.insert(*name, value);
        }
        Ok(MonthParameters {
            month,
            rates: self.rates,
            law: self.law.clone(),
            values,
        })
    }
}

/// The parameter values of one month, as exact decimals.
#[derive(Debug, Clone)]
pub struct MonthParameters {
    pub month: NaiveDate,
    pub rates: Rates,
    pub law: Law,
    pub values: BTreeMap<&'static str, Option<Decimal>>,
}

impl MonthParameters {
    pub fn get(&self, name: &str) -> Option<Decimal> {
        self.values.get(name).copied().flatten()
    }

    /// A money parameter in integer cents (EUR amounts) or a yearly euro amount in euros.
    pub fn cents(&self, name: &str) -> Option<i64> {
        self.get(name).map(to_cents)
    }

    pub fn euros(&self, name: &str) -> Option<i64> {
        self.get(name).map(|d| {
            assert!(d.fract().is_zero(), "{name} is a whole-euro parameter");
            i64::try_from(d.mantissa() / 10i128.pow(d.scale())).expect("euros fit in i64")
        })
    }
}

/// One month's parameters as the rules read them (`MonthParameters::typed`): each value a field,
/// so that a misspelt name does not compile and a value the month lacks is an error when the
/// month is read, never a panic in a rule.
#[derive(Debug, Clone)]
pub struct RuleParameters {
    pub month: NaiveDate,
    pub amounts: Amounts,
    pub rates: Rates,
    pub law: Law,
}

/// The amounts of a month (table A-D of rules.md), in cents a month unless named otherwise.
#[derive(Debug, Clone, Copy)]
pub struct Amounts {
    pub np_full_single: i64,
    pub np_full_couple: i64,
    /// `T`, whole euros a year.
    pub np_income_limit_euros: i64,
    pub np_minimum: i64,
    /// `None` before the guarantee pension exists (`Law::guarantee_pension_in_force`).
    pub gp_full: Option<i64>,
    pub disability_earnings_limit: i64,
    pub sp_initial: i64,
    pub sp_basic: i64,
    pub sp_additional_max_single: i64,
    pub sp_additional_max_couple: i64,
    pub op_basic: i64,
    pub op_additional: i64,
    pub child_increase: i64,
    pub fvs: i64,
    /// `None` where the additional front-veterans' supplement is not computed (before
    /// `Law::afvs_computed_from`, or any of its values not known).
    pub afvs: Option<AfvsAmounts>,
}

/// The additional front-veterans' supplement's values (`AFVS_ONLY`).
#[derive(Debug, Clone, Copy)]
pub struct AfvsAmounts {
    pub threshold: i64,
    pub step1: i64,
    pub step2: i64,
    pub minimum: i64,
}

impl MonthParameters {
    /// The month's values, typed, read once for the rules.
    pub fn typed(&self) -> Result<RuleParameters> {
        let missing = |name: &str| {
            Error::QualityGate(format!(
                "the parameters of {} have no value of '{name}'",
                self.month.format("%Y-%m")
            ))
        };
        let cents = |name: &str| self.cents(name).ok_or_else(|| missing(name));
        let euros = |name: &str| match self.get(name) {
            Some(d) if d.fract().is_zero() => {
                Ok(i64::try_from(d.trunc().mantissa()).map_err(|_| missing(name))?)
            }
            Some(d) => Err(Error::QualityGate(format!(
                "parameter '{name}' is a whole number of euros, not {d}"
            ))),
            None => Err(missing(name)),
        };
        let afvs_known = self.month >= self.law.afvs_computed_from.value.0
            && AFVS_ONLY.iter().all(|n| self.get(n).is_some());
        let afvs = match afvs_known {
            true => Some(AfvsAmounts {
                threshold: cents("afvs_threshold")?,
                step1: cents("afvs_step1")?,
                step2: cents("afvs_step2")?,
                minimum: cents("afvs_minimum")?,
            }),
            false => None,
        };
        let gp_full = match self.law.guarantee_pension_in_force(self.month) {
            true => Some(cents("gp_full")?),
            false => None,
        };
        Ok(RuleParameters {
            month: self.month,
            rates: self.rates,
            law: self.law.clone(),
            amounts: Amounts {
                np_full_single: cents("np_full_single")?,
                np_full_couple: cents("np_full_couple")?,
                np_income_limit_euros: euros("np_income_limit")?,
                np_minimum: cents("np_minimum")?,
                gp_full,
                disability_earnings_limit: cents("disability_earnings_limit")?,
                sp_initial: cents("sp_initial")?,
                sp_basic: cents("sp_basic")?,
                sp_additional_max_single: cents("sp_additional_max_single")?,
                sp_additional_max_couple: cents("sp_additional_max_couple")?,
                op_basic: cents("op_basic")?,
                op_additional: cents("op_additional")?,
                child_increase: cents("child_increase")?,
                fvs: cents("fvs")?,
                afvs,
            },
        })
    }
}

pub fn to_cents(d: Decimal) -> i64 {
    let cents = (d * Decimal::ONE_HUNDRED).round();
    assert_eq!(
        cents,
        d * Decimal::ONE_HUNDRED,
        "money parameters have at most two decimals"
    );
    i64::try_from(cents.mantissa() / 10i128.pow(cents.scale())).expect("cents fit in i64")
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = include_str!("../pipelines/parameters.toml");

    fn parse(text: &str) -> Result<ParameterFile> {
        ParameterFile::parse(text, Path::new("parameters.toml"), String::new())
    }

    #[test]
    fn the_law_is_read_typed_with_its_sources() {
        let file = parse(FILE).unwrap();
        let law = &file.law;
        assert_eq!(law.pension_age.value, 65);
        assert!(law.pension_age.source.contains("568/2007"));
        assert_eq!(law.early_old_age_min_age(1951), Some(62));
        assert_eq!(law.early_old_age_min_age(1961), Some(64));
        assert_eq!(law.early_old_age_min_age(1962), None);
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(law.disability_min_age_on(day(2024, 12, 1)), 16);
        assert_eq!(law.disability_min_age_on(day(2025, 1, 1)), 18);
        assert!(!law.guarantee_pension_in_force(day(2011, 2, 1)));
        assert!(law.guarantee_pension_in_force(day(2011, 3, 1)));
        let typed = file.for_month(day(2024, 12, 1)).unwrap().typed().unwrap();
        assert_eq!(typed.amounts.np_full_single, 77_570);
        assert_eq!(typed.amounts.np_income_limit_euros, 787);
        assert!(typed.amounts.afvs.is_some());
        let early = file.for_month(day(2019, 12, 1)).unwrap().typed().unwrap();
        assert!(early.amounts.afvs.is_none());
    }

    /// A misspelt or a missing name of the law stops the load, naming it.
    #[test]
    fn an_unknown_or_missing_name_of_the_law_is_a_load_error() {
        let misspelt = FILE.replace("\npension_age = ", "\npension_aeg = ");
        let err = parse(&misspelt).unwrap_err().to_string();
        assert!(err.contains("pension_aeg"), "{err}");
        let unordered = FILE.replace("born_until = 1957", "born_until = 1950");
        let err = parse(&unordered).unwrap_err().to_string();
        assert!(err.contains("early_old_age_cohorts"), "{err}");
    }
}
