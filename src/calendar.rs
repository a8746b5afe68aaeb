//! The calendar, one for every stage: dates, calendar months and ages (rules.md "Ages and
//! months"), as chrono dates, as polars `Date` expressions, and as day numbers (days since
//! 1970-01-01, polars' physical `Date`). Months are numbered `12 × year + month`.
use chrono::{Datelike, NaiveDate};
use polars::prelude::*;

use crate::money::int;

pub fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid calendar date")
}

pub fn last_day_of_month(month: NaiveDate) -> NaiveDate {
    let (y, m) = if month.month() == 12 {
        (month.year() + 1, 1)
    } else {
        (month.year(), month.month() + 1)
    };
    ymd(y, m, 1).pred_opt().expect("date after the epoch")
}

/// An integer computed from each date's year, month and day (null stays null), by integer
/// arithmetic: polars' `dt()` accessors go through chrono for every row.
fn date_part(date: Expr, part: fn(i32, u32, u32) -> i64) -> Expr {
    date.map(
        move |c: Column| {
            let out: Int64Chunked =
                c.date()?
                    .physical()
                    .apply_nonnull_values_generic(DataType::Int64, |d| {
                        let (year, month, day) = civil_from_days(d);
                        part(year, month, day)
                    });
            Ok(out.into_column())
        },
        |_, field| Ok(Field::new(field.name().clone(), DataType::Int64)),
    )
}

pub fn year_of(date: Expr) -> Expr {
    date_part(date, |year, _, _| i64::from(year))
}

/// Month number since year 0, for whole-month differences between months.
pub fn month_number(year: i32, month: u32) -> i64 {
    i64::from(year) * 12 + i64::from(month)
}

/// `month_number` of a date.
pub fn month_number_of(d: NaiveDate) -> i64 {
    month_number(d.year(), d.month())
}

/// `month_number` of each date.
pub fn month_index(date: Expr) -> Expr {
    date_part(date, |year, month, _| month_number(year, month))
}

/// Whole calendar months from `a` to `b`, counted down:
/// `12 × years + months − 1 if day(b) < day(a)`, where a day of `a` past the end of `b`'s
/// month (29 February in another year, the 31st) falls on the last day of that month.
pub fn months_between(a: Expr, b: Expr) -> Expr {
    let day_a = date_part(a.clone(), |_, _, day| i64::from(day));
    let day_b = date_part(b.clone(), |_, _, day| i64::from(day));
    let last_of_b = date_part(b.clone(), |year, month, _| {
        i64::from(days_in_month(year, month))
    });
    let effective_a = when(day_a.clone().lt(last_of_b.clone()))
        .then(day_a)
        .otherwise(last_of_b);
    month_index(b) - month_index(a) - when(day_b.lt(effective_a)).then(int(1)).otherwise(int(0))
}

pub fn is_leap(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Scalar twin of `months_between`.
pub fn months_between_dates(a: NaiveDate, b: NaiveDate) -> i64 {
    let last_of_b = last_day_of_month(b).day();
    let behind = b.day() < a.day().min(last_of_b);
    month_number_of(b) - month_number_of(a) - i64::from(behind)
}

/// Age in whole years at `day`.
pub fn age_at(birth: Expr, day: Expr) -> Expr {
    months_between(birth, day).floor_div(int(12))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = (y - era * 400) as u32;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe as i32 - 719_468
}

pub fn civil_from_days(days: i32) -> (i32, u32, u32) {
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

/// The first day of each date's month (null stays null). Integer arithmetic: polars'
/// `dt().month_start()` goes through chrono for every row, a tenth of a streamed pass.
pub fn month_first_day(date: Expr) -> Expr {
    date.map(
        |c: Column| {
            let days = c.date()?.physical().apply_values(|d| {
                let (year, month, _) = civil_from_days(d);
                days_from_civil(year, month, 1)
            });
            Ok(days.into_date().into_column())
        },
        |_, field| Ok(Field::new(field.name().clone(), DataType::Date)),
    )
}

pub fn date_lit(d: NaiveDate) -> Expr {
    lit(d).cast(DataType::Date)
}

// Day numbers: what the generator draws dates as.

/// The year of a day number.
pub fn year_of_day(days: i32) -> i32 {
    civil_from_days(days).0
}

/// The month number (`12 × year + month`) of a day number.
pub fn month_of_day(days: i32) -> i32 {
    let (year, month, _) = civil_from_days(days);
    year * 12 + month as i32
}

/// The first day of a month number.
pub fn first_day_of(month: i32) -> i32 {
    let zero_based = month - 1;
    days_from_civil(
        zero_based.div_euclid(12),
        zero_based.rem_euclid(12) as u32 + 1,
        1,
    )
}

/// The last day of a month number.
pub fn last_day_of(month: i32) -> i32 {
    first_day_of(month + 1) - 1
}

pub fn first_of_next_month(days: i32) -> i32 {
    first_day_of(month_of_day(days) + 1)
}

/// The `years`th birthday; a 29 February birthday falls on 28 February in other years.
pub fn anniversary(birth: i32, years: i32) -> i32 {
    let (y, m, d) = civil_from_days(birth);
    let year = y + years;
    let day = if m == 2 && d == 29 && !is_leap(year) {
        28
    } else {
        d
    };
    days_from_civil(year, m, day)
}

/// The date of a day number.
pub fn date_of_day(days: i32) -> NaiveDate {
    let (y, m, d) = civil_from_days(days);
    NaiveDate::from_ymd_opt(y, m, d).expect("a day number of the calendar")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_first_day_agrees_with_polars_month_start_on_every_day_1800_to_2200() {
        let days: Int32Chunked = (-62_000..84_000).map(Some).chain([None]).collect();
        let days = days.with_name("d".into());
        let df = DataFrame::new(days.len(), vec![days.into_date().into_column()]).unwrap();
        let out = df
            .lazy()
            .select([
                month_first_day(col("d")).alias("ours"),
                col("d").dt().month_start().alias("polars"),
            ])
            .collect()
            .unwrap();
        assert!(out
            .column("ours")
            .unwrap()
            .equals_missing(out.column("polars").unwrap()));
        assert_eq!(out.column("ours").unwrap().null_count(), 1);
    }

    /// Every pair of days from November 1899 to March 1900 and from January 2000 to March
    /// 2001 (before 1970, 1900 not a leap year, 29 February 2000, month ends of every length)
    /// and a null, against the scalar twin the generator uses (chrono's calendar).
    #[test]
    fn months_between_agrees_with_its_scalar_twin() {
        let range = |from: NaiveDate, to: NaiveDate| from.iter_days().take_while(move |&d| d <= to);
        let days: Vec<NaiveDate> = range(ymd(1899, 11, 1), ymd(1900, 3, 31))
            .chain(range(ymd(2000, 1, 1), ymd(2001, 3, 31)))
            .collect();
        let (a, b): (Vec<Option<NaiveDate>>, Vec<Option<NaiveDate>>) = days
            .iter()
            .flat_map(|&a| days.iter().map(move |&b| (Some(a), Some(b))))
            .chain([(None, Some(ymd(2000, 1, 1)))])
            .unzip();
        let df = df!("a" => a.clone(), "b" => b.clone()).unwrap();
        let out = df
            .lazy()
            .select([
                months_between(col("a"), col("b")).alias("m"),
                month_index(col("a")).alias("i"),
                year_of(col("a")).alias("y"),
            ])
            .collect()
            .unwrap();
        let m = out.column("m").unwrap().i64().unwrap();
        let i = out.column("i").unwrap().i64().unwrap();
        let y = out.column("y").unwrap().i64().unwrap();
        for (k, (a, b)) in a.iter().zip(&b).enumerate() {
            match a {
                Some(a) => {
                    assert_eq!(m.get(k), Some(months_between_dates(*a, b.unwrap())));
                    assert_eq!(
                        i.get(k),
                        Some(i64::from(a.year()) * 12 + i64::from(a.month()))
                    );
                    assert_eq!(y.get(k), Some(i64::from(a.year())));
                }
                None => assert_eq!((m.get(k), i.get(k), y.get(k)), (None, None, None)),
            }
        }
    }

    #[test]
    fn months_are_counted_down() {
        assert_eq!(months_between_dates(ymd(2000, 3, 15), ymd(2001, 3, 14)), 11);
        assert_eq!(months_between_dates(ymd(2000, 3, 15), ymd(2001, 3, 15)), 12);
        assert_eq!(months_between_dates(ymd(2000, 2, 29), ymd(2001, 2, 28)), 12);
        assert_eq!(months_between_dates(ymd(2000, 1, 31), ymd(2000, 2, 29)), 1);
        assert_eq!(months_between_dates(ymd(2000, 1, 31), ymd(2000, 2, 28)), 0);
    }

    #[test]
    fn day_numbers_round_trip() {
        for days in [-800_000, -1, 0, 59, 19_782, 20_000, 60_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
            assert_eq!(date_of_day(days), ymd(y, m, d));
            assert_eq!(month_of_day(days), (month_number(y, m)) as i32);
            assert_eq!(first_day_of(month_of_day(days)), days_from_civil(y, m, 1));
        }
        let birth = days_from_civil(2000, 2, 29);
        assert_eq!(anniversary(birth, 1), days_from_civil(2001, 2, 28));
        assert_eq!(last_day_of(month_of_day(birth)), birth);
        assert_eq!(first_of_next_month(birth), days_from_civil(2000, 3, 1));
    }
}
