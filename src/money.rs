//! Money as integer cents: printed with exactly two decimals and `.` as the decimal point
//! (every file, log line and report of kelastat prints amounts this way; the report's figures
//! for people add thousands separators on top, `publish::report`), and the exact integer
//! arithmetic the rules and the means use: rounding half away from zero (KEL 110 §), as a
//! polars expression and as its scalar twin.
use polars::prelude::*;

/// Integer cents as a decimal with exactly two decimals: `-5` → `-0.05`, `123456` → `1234.56`.
pub fn cents_text(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
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
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(div_round_i64(15, 10), 2);
        assert_eq!(div_round_i64(14, 10), 1);
        assert_eq!(div_round_i64(-15, 10), -2);
        assert_eq!(div_round_i64(2775 * 100, 24), 11563);
    }
}
