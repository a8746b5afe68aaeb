//! The quality summary of a validation and the reject-share gate.
use std::fmt::Write;

use crate::error::{Error, Result};
use crate::validate::{RegisterCounts, Validated};

/// One line per register (`persons: read 5000, accepted 4990, rejected 10`), then its rejects
/// by reason, then the accepted payments for months after a death.
pub fn summary_text(validated: &Validated) -> String {
    let mut out = String::new();
    for counts in validated.counts() {
        let _ = writeln!(out, "{}", counts.summary_line());
        for (reason, n) in &counts.by_reason {
            let _ = writeln!(out, "  {reason}: {n}");
        }
    }
    for checked in validated
        .iter()
        .filter(|c| !c.data.extra_columns.is_empty())
    {
        let _ = writeln!(
            out,
            "warning: {} has columns the contract does not know (ignored): {}",
            checked.data.file.path.display(),
            checked.data.extra_columns.join(", ")
        );
    }
    if validated.payments_after_death > 0 {
        let _ = writeln!(
            out,
            "payments for a month after the person's death (accepted): {}",
            validated.payments_after_death
        );
    }
    out
}

/// Fails when any register's reject share exceeds `max_share`.
pub fn check_reject_share(counts: &[RegisterCounts], max_share: f64) -> Result<()> {
    let over: Vec<String> = counts
        .iter()
        .filter(|c| c.reject_share() > max_share)
        .map(|c| {
            format!(
                "{} rejected {} of {} rows ({:.2} %)",
                c.register,
                c.rejected,
                c.read,
                100.0 * c.reject_share()
            )
        })
        .collect();
    if over.is_empty() {
        Ok(())
    } else {
        Err(Error::QualityGate(format!(
            "{}; max_reject_share is {:.2} %",
            over.join("; "),
            100.0 * max_share
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(read: usize, rejected: usize) -> RegisterCounts {
        RegisterCounts {
            register: "persons".into(),
            read,
            accepted: read - rejected,
            rejected,
            by_reason: Default::default(),
        }
    }

    #[test]
    fn reject_share_gate_is_inclusive_at_the_limit() {
        assert!(check_reject_share(&[counts(1000, 10)], 0.01).is_ok());
        let err = check_reject_share(&[counts(1000, 11)], 0.01).unwrap_err();
        assert_eq!(err.exit_code(), 4);
        assert!(err.to_string().contains("persons rejected 11 of 1000"));
        assert!(check_reject_share(&[counts(0, 0)], 0.0).is_ok());
    }
}
