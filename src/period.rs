//! Reference periods: a year (`2024`) or a month (`2024M06`).
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;

use crate::calendar::{last_day_of_month, ymd};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    Year(i32),
    Month(i32, u32),
}

impl Period {
    pub fn year(self) -> i32 {
        match self {
            Period::Year(y) | Period::Month(y, _) => y,
        }
    }

    /// The first day of the reference month: December for a year, else the month itself.
    pub fn reference_month(self) -> NaiveDate {
        match self {
            Period::Year(y) => ymd(y, 12, 1),
            Period::Month(y, m) => ymd(y, m, 1),
        }
    }

    pub fn first_day(self) -> NaiveDate {
        match self {
            Period::Year(y) => ymd(y, 1, 1),
            Period::Month(y, m) => ymd(y, m, 1),
        }
    }

    /// The end of the period, at which ages and residence are taken.
    pub fn last_day(self) -> NaiveDate {
        last_day_of_month(self.reference_month())
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Year(y) => write!(f, "{y}"),
            Period::Month(y, m) => write!(f, "{y}M{m:02}"),
        }
    }
}

impl FromStr for Period {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            format!(
                "invalid period '{s}': expected a year like 2024 or a month like 2024M06 (or 2024-06)"
            )
        };
        let year = |t: &str| -> Result<i32, String> {
            if t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()) {
                t.parse().map_err(|_| bad())
            } else {
                Err(bad())
            }
        };
        // A month is written 2024M06 (PxWeb) or 2024-06 (ISO 8601): both are accepted.
        match s.split_once('M').or_else(|| s.split_once('-')) {
            None => Ok(Period::Year(year(s)?)),
            Some((y, m)) => {
                let month: u32 = if m.len() == 2 {
                    m.parse().map_err(|_| bad())?
                } else {
                    return Err(bad());
                };
                if !(1..=12).contains(&month) {
                    return Err(bad());
                }
                Ok(Period::Month(year(y)?, month))
            }
        }
    }
}

/// `2020..2024` (years) or `2024M01..2024M06` (months), inclusive, of one kind.
pub fn parse_range(s: &str) -> Result<Vec<Period>, String> {
    let (a, b) = s
        .split_once("..")
        .ok_or_else(|| format!("invalid period range '{s}': expected FROM..TO, e.g. 2020..2024"))?;
    let (from, to): (Period, Period) = (a.parse()?, b.parse()?);
    let mut out = Vec::new();
    match (from, to) {
        (Period::Year(a), Period::Year(b)) if a <= b => out.extend((a..=b).map(Period::Year)),
        (Period::Month(..), Period::Month(..)) if from <= to => {
            let mut p = from;
            while p <= to {
                out.push(p);
                p = match p {
                    Period::Month(y, 12) => Period::Month(y + 1, 1),
                    Period::Month(y, m) => Period::Month(y, m + 1),
                    Period::Year(_) => unreachable!(),
                };
            }
        }
        _ => {
            return Err(format!(
                "invalid period range '{s}': both ends of one kind, FROM <= TO"
            ))
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_periods() {
        assert_eq!("2024".parse::<Period>().unwrap(), Period::Year(2024));
        assert_eq!("2024M06".parse::<Period>().unwrap(), Period::Month(2024, 6));
        assert_eq!(Period::Month(2024, 6).to_string(), "2024M06");
        assert!("2024M13".parse::<Period>().is_err());
        assert!("2024M6".parse::<Period>().is_err());
        assert_eq!("2024-06".parse::<Period>().unwrap(), Period::Month(2024, 6));
        assert!("2024-6".parse::<Period>().is_err());
        assert!("2024-06-01".parse::<Period>().is_err());
        assert!("24".parse::<Period>().is_err());
        assert_eq!(Period::Year(2024).reference_month(), ymd(2024, 12, 1));
        assert_eq!(Period::Month(2024, 2).last_day(), ymd(2024, 2, 29));
    }

    #[test]
    fn parses_ranges() {
        assert_eq!(parse_range("2020..2022").unwrap().len(), 3);
        let months = parse_range("2023M11..2024M02").unwrap();
        assert_eq!(months.first(), Some(&Period::Month(2023, 11)));
        assert_eq!(months.len(), 4);
        assert!(parse_range("2024..2020").is_err());
        assert!(parse_range("2024..2024M01").is_err());
    }
}
