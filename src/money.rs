//! Money as integer cents: parsed exactly from text (`parse_cents`), printed with exactly two
//! decimals and `.` as the decimal point (every file, log line and report of kelastat prints
//! amounts this way; the report's figures for people group the euros' digits, `cents_text_grouped`),
//! and the exact integer arithmetic the rules and the means use: rounding half away from zero
//! (KEL 110 §), as a polars expression and as its scalar twin.
use polars::prelude::*;

/// Integer cents as a decimal with exactly two decimals: `-5` → `-0.05`, `123456` → `1234.56`.
pub fn cents_text(cents: i64) -> String {
    euros_and_cents(cents, None)
}

/// `cents_text` with `group` between groups of three digits of the euros:
/// `123456789` → `1 234 567.89`.
pub fn cents_text_grouped(cents: i64, group: char) -> String {
    euros_and_cents(cents, Some(group))
}

fn euros_and_cents(cents: i64, group: Option<char>) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let euros = match group {
        Some(group) => grouped(abs / 100, group),
        None => (abs / 100).to_string(),
    };
    format!("{sign}{euros}.{:02}", abs % 100)
}

/// `n` with `group` between groups of three digits: `1234567` → `1 234 567`.
pub fn grouped(n: u64, group: char) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * group.len_utf8());
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(group);
        }
        out.push(c);
    }
    out
}

/// Parses `-12.3`, `12.34`, `12` exactly into cents; anything else (three decimals, `1e3`,
/// `abc`) is `None`: ingest rejects the row as an invalid value, and the readers of published
/// files (history, audit, diff, serve) read amounts back this way.
pub fn parse_cents(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || fraction.len() > 2 || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    let euros: i64 = whole.parse().ok()?;
    let cents: i64 = format!("{fraction:0<2}").parse().ok()?;
    let total = euros.checked_mul(100)?.checked_add(cents)?;
    Some(if negative { -total } else { total })
}

/// An `Int64` literal (a bare `lit` of a small integer may materialise as a narrower type).
pub fn int(v: i64) -> Expr {
    lit(v).cast(DataType::Int64)
}

/// `round(n / d)` half away from zero, for integer `n` and positive integer `d`.
pub fn div_round(n: Expr, d: Expr) -> Expr {
    let q = (n.clone().abs() * int(2) + d.clone()).floor_div(d * int(2));
    when(n.lt(int(0))).then(int(0) - q.clone()).otherwise(q)
}

/// Scalar twin of `div_round`, for the same rounding outside polars.
pub fn div_round_i64(n: i64, d: i64) -> i64 {
    assert!(d > 0);
    let q = (2 * n.abs() + d) / (2 * d);
    if n < 0 {
        -q
    } else {
        q
    }
}

pub fn max0(e: Expr) -> Expr {
    when(e.clone().lt(int(0))).then(int(0)).otherwise(e)
}

pub fn min_of(a: Expr, b: Expr) -> Expr {
    when(a.clone().lt(b.clone())).then(a).otherwise(b)
}

pub fn max_of(a: Expr, b: Expr) -> Expr {
    when(a.clone().gt(b.clone())).then(a).otherwise(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_decimals_and_a_sign() {
        assert_eq!(cents_text(0), "0.00");
        assert_eq!(cents_text(5), "0.05");
        assert_eq!(cents_text(-5), "-0.05");
        assert_eq!(cents_text(123_456_789), "1234567.89");
        assert_eq!(cents_text(i64::MIN), "-92233720368547758.08");
        assert_eq!(cents_text_grouped(123_456_789, ' '), "1 234 567.89");
        assert_eq!(cents_text_grouped(-5, ' '), "-0.05");
        assert_eq!(cents_text_grouped(100_000, ','), "1,000.00");
        assert_eq!(grouped(0, ' '), "0");
        assert_eq!(grouped(999, ' '), "999");
        assert_eq!(grouped(1_000, '\u{a0}'), "1\u{a0}000");
    }

    #[test]
    fn money_strings_parse_exactly_or_not_at_all() {
        assert_eq!(parse_cents("12.34"), Some(1234));
        assert_eq!(parse_cents("12.3"), Some(1230));
        assert_eq!(parse_cents("12"), Some(1200));
        assert_eq!(parse_cents("-0.05"), Some(-5));
        assert_eq!(parse_cents("0.10"), Some(10));
        assert_eq!(parse_cents("12.345"), None);
        assert_eq!(parse_cents("1e3"), None);
        assert_eq!(parse_cents("abc"), None);
        assert_eq!(parse_cents(".5"), None);
        assert_eq!(parse_cents("12,34"), None);
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(div_round_i64(15, 10), 2);
        assert_eq!(div_round_i64(14, 10), 1);
        assert_eq!(div_round_i64(-15, 10), -2);
        assert_eq!(div_round_i64(2775 * 100, 24), 11563);
    }
}
