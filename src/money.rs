//! Money as it is written: integer cents, printed with exactly two decimals and `.` as the
//! decimal point (every file, log line and report of kelastat prints amounts this way; the
//! report's figures for people add thousands separators on top, `publish::report`).

/// Integer cents as a decimal with exactly two decimals: `-5` → `-0.05`, `123456` → `1234.56`.
pub fn cents_text(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
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
}
