//! The plausibility gate (operations.md): official figures that look implausible are not
//! published unattended. A run stops before publishing (exit 4, naming the figures) when it has
//! no accepted person, no award in force, or a number of recipients (`ALL`) that differs from
//! the nearest published period of the same kind by more than `max_change_share` of that
//! period's number. `run --accept-change` publishes such a break, and the quality report
//! records that it was accepted.
//!
//! "Nearest" is the latest published period before this one, or, for a backfill of periods
//! before every published one, the earliest after it: a backfill is compared with its
//! neighbour, not with a period years away.
//!
//! The figure compared is the number counted when that period was published, which each run
//! records privately in `<out>/.kelastat/figures/<period>.json` (owner-only, outside every
//! publication): the published `ALL` total may be suppressed in a small output, and the
//! comparison must not depend on disclosure control. For a period published without such a
//! record, the published value of `time_series` is used when there is one.
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::history::PublishedPeriod;
use crate::period::Period;

/// The published number of recipients (`ALL`) the run is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Previous {
    pub period: Period,
    pub recipients: i64,
}

fn figures_file(out: &Path, period: Period) -> PathBuf {
    out.join(".kelastat")
        .join("figures")
        .join(format!("{period}.json"))
}

/// Records the number of recipients (`ALL`) a run counted for the period it published.
pub fn record(out: &Path, period: Period, recipients: i64) -> Result<()> {
    let file = figures_file(out, period);
    let dir = file.parent().expect("a folder");
    std::fs::create_dir_all(dir).map_err(Error::io(dir))?;
    crate::rejects::set_mode(dir, 0o700)?;
    crate::rejects::set_mode(dir.parent().expect("a folder"), 0o700)?;
    let text = serde_json::json!({ "period": period.to_string(), "recipients_all": recipients });
    let tmp = dir.join(format!(".{period}.json.tmp"));
    std::fs::write(&tmp, format!("{text}\n")).map_err(Error::io(&tmp))?;
    crate::rejects::set_mode(&tmp, 0o600)?;
    std::fs::rename(&tmp, &file).map_err(Error::io(&file))
}

fn recorded(out: &Path, period: Period) -> Option<i64> {
    let text = std::fs::read_to_string(figures_file(out, period)).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["recipients_all"].as_i64()
}

/// The published period nearest to `current` with a known number of recipients: recorded by
/// the run that published it, else published in its `time_series`.
pub fn nearest(out: &Path, history: &[PublishedPeriod], current: Period) -> Option<Previous> {
    let recipients = |p: &PublishedPeriod| {
        let published = || p.rows.iter().find(|r| r.benefit == "ALL")?.values[0];
        Some(Previous {
            period: p.period,
            recipients: recorded(out, p.period).or_else(published)?,
        })
    };
    let before = history
        .iter()
        .filter(|p| p.period < current)
        .rev()
        .find_map(recipients);
    before.or_else(|| {
        history
            .iter()
            .filter(|p| p.period > current)
            .find_map(recipients)
    })
}

/// A run with nothing to count: no accepted person, or no award in force.
pub fn emptiness(
    period: Period,
    accepted_persons: usize,
    awards_in_force: usize,
) -> Option<String> {
    if accepted_persons == 0 {
        Some(format!("{period} has no accepted person"))
    } else if awards_in_force == 0 {
        Some(format!(
            "{period} has no award in force in its reference month"
        ))
    } else {
        None
    }
}

/// A number of recipients (`ALL`) that moved more than `max_change_share` from `previous`.
pub fn change(
    period: Period,
    recipients: i64,
    previous: Option<Previous>,
    max_change_share: f64,
) -> Option<String> {
    let p = previous?;
    let change = recipients - p.recipients;
    ((change.abs() as f64) > max_change_share * p.recipients as f64).then(|| {
        format!(
            "recipients (ALL) {recipients} in {period} against {} in {}, a change of {:+.1} % \
             (max_change_share {:.1} %)",
            p.recipients,
            p.period,
            percent(change, p.recipients),
            100.0 * max_change_share
        )
    })
}

/// `Ok(None)`: no finding. `Ok(Some(note))`: a finding the operator accepted (the note goes
/// into the quality report). `Err`: the quality gate (exit 4), naming the figures.
pub fn gate(finding: Option<String>, accept_change: bool) -> Result<Option<String>> {
    match (finding, accept_change) {
        (None, _) => Ok(None),
        (Some(finding), true) => {
            tracing::warn!(stage = "plausibility", "{finding}: published with --accept-change");
            Ok(Some(format!(
                "plausibility: {finding}; accepted by the operator (--accept-change)"
            )))
        }
        (Some(finding), false) => Err(Error::QualityGate(format!(
            "implausible figures: {finding}; if the break is verified, publish with `run --accept-change`"
        ))),
    }
}

fn percent(change: i64, base: i64) -> f64 {
    if base == 0 {
        f64::INFINITY
    } else {
        100.0 * change as f64 / base as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn previous(recipients: i64) -> Option<Previous> {
        Some(Previous {
            period: Period::Year(2023),
            recipients,
        })
    }

    #[test]
    fn a_change_up_to_the_share_passes_and_beyond_it_stops_naming_both_figures() {
        let p = Period::Year(2024);
        assert_eq!(change(p, 1200, previous(1000), 0.2), None);
        assert_eq!(change(p, 1200, previous(1500), 0.2), None);
        assert_eq!(change(p, 1200, None, 0.2), None);
        let finding = change(p, 1200, previous(999), 0.2);
        let err = gate(finding.clone(), false).unwrap_err();
        assert_eq!(err.exit_code(), 4);
        let text = err.to_string();
        assert!(
            text.contains("1200") && text.contains("999") && text.contains("2023"),
            "{text}"
        );
        let note = gate(finding, true).unwrap().unwrap();
        assert!(note.contains("accepted"), "{note}");
        assert_eq!(gate(None, false).unwrap(), None);
    }

    #[test]
    fn no_person_or_no_award_is_a_finding() {
        let p = Period::Year(2024);
        assert!(emptiness(p, 0, 0).unwrap().contains("no accepted person"));
        assert!(emptiness(p, 10, 0).unwrap().contains("no award in force"));
        assert_eq!(emptiness(p, 10, 3), None);
    }
}
