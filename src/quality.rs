//! The quality summary of a validation and the reject-share gate.
use std::fmt::Write;

use std::path::Path;

use crate::error::{Error, Result};
use crate::money::cents_text;
use crate::protect::SuppressionCounts;
use crate::row_errors::RowErrors;
use crate::validate::{RegisterCounts, Validated};

/// One line per register (`persons: read 5000, accepted 4990, rejected 10`), then its rejects
/// by reason and under each by column (rows rejected because the row they refer to was
/// rejected counted apart), then the accepted payments for months after a death. Without the
/// examples' values and rows: this text is published (quality.txt).
pub fn summary_text(validated: &Validated) -> String {
    summary(validated, false)
}

/// `summary_text` with up to three examples of each reason and column (source row, offending
/// value, likely fix), for the console of the one who runs it.
pub fn detailed_summary_text(validated: &Validated) -> String {
    summary(validated, true)
}

fn summary(validated: &Validated, with_examples: bool) -> String {
    let mut out = String::new();
    for counts in validated.counts() {
        let _ = writeln!(out, "{}", counts.summary_line());
        for (reason, n) in &counts.by_reason {
            let _ = writeln!(out, "  {reason}: {n}");
            for group in validated
                .row_errors
                .of_register(&counts.register)
                .filter(|g| &g.cause.reason == reason)
            {
                let _ = writeln!(out, "    {}", group.text(with_examples));
            }
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

/// Fails when any register's reject share exceeds `max_share`, naming the registers' top
/// reasons (with column and an example) and where the rejected rows were written.
pub fn check_reject_share(
    counts: &[RegisterCounts],
    row_errors: &RowErrors,
    max_share: f64,
    rejects_file: Option<&Path>,
) -> Result<()> {
    let over: Vec<&RegisterCounts> = counts
        .iter()
        .filter(|c| c.reject_share() > max_share)
        .collect();
    if over.is_empty() {
        return Ok(());
    }
    let shares: Vec<String> = over
        .iter()
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
    let mut message = format!(
        "{}; max_reject_share is {:.2} %",
        shares.join("; "),
        100.0 * max_share
    );
    let registers: Vec<&str> = over.iter().map(|c| c.register.as_str()).collect();
    let top: Vec<String> = row_errors
        .top(&registers, GATE_REASONS)
        .into_iter()
        .map(|g| g.short_text())
        .collect();
    if !top.is_empty() {
        let _ = write!(message, ". Top reasons: {}", top.join("; "));
    }
    match rejects_file {
        Some(path) => {
            let _ = write!(
                message,
                ". Every rejected row, with its reason and original values, is in {} (owner-only)",
                crate::paths::shown(path).display()
            );
        }
        None => message.push_str(
            ". Give --out DIR to write every rejected row to DIR/rejects/<period>/rejects.parquet",
        ),
    }
    Err(Error::QualityGate(message))
}

/// Reasons a failed reject-share gate names.
const GATE_REASONS: usize = 3;

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
        let none = RowErrors::default();
        let gate = |c: RegisterCounts, max| check_reject_share(&[c], &none, max, None);
        assert!(gate(counts(1000, 10), 0.01).is_ok());
        let err = gate(counts(1000, 11), 0.01).unwrap_err();
        assert_eq!(err.exit_code(), 4);
        assert!(err.to_string().contains("persons rejected 11 of 1000"));
        assert!(gate(counts(0, 0), 0.0).is_ok());
    }
}

/// Awards in force per benefit, how many have an amount, and the monthly total.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BenefitTotal {
    pub benefit: String,
    pub awards: usize,
    pub paid: usize,
    pub amount_cents: i64,
}

pub fn benefit_totals(classified: &crate::classify::Classified) -> Result<Vec<BenefitTotal>> {
    use crate::perf::positions::{benefit_of_number, BENEFIT_NUMBER};
    use polars::prelude::*;
    let df = classified
        .rows
        .clone()
        .lazy()
        .group_by([col(BENEFIT_NUMBER)])
        .agg([
            len().cast(DataType::Int64).alias("awards"),
            col("amount")
                .gt(lit(0i64))
                .sum()
                .cast(DataType::Int64)
                .alias("paid"),
            col("amount").sum().alias("amount"),
        ])
        .collect()?;
    let numbers = df.column(BENEFIT_NUMBER)?.u8()?;
    let int = |c: &str, i: usize| -> Result<i64> { Ok(df.column(c)?.i64()?.get(i).unwrap_or(0)) };
    let mut totals = (0..df.height())
        .map(|i| {
            Ok(BenefitTotal {
                benefit: benefit_of_number(numbers.get(i)).to_string(),
                awards: int("awards", i)? as usize,
                paid: int("paid", i)? as usize,
                amount_cents: int("amount", i)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    totals.sort_by(|a, b| a.benefit.cmp(&b.benefit));
    Ok(totals)
}

/// The classification part of the quality report: totals, rule violations, reconciliation.
pub fn classification_text(
    classified: &crate::classify::Classified,
    reconciliation: Option<&[crate::reconcile::BenefitReconciliation]>,
) -> Result<String> {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "awards in force in {}:",
        classified.month.format("%Y-%m")
    );
    for t in benefit_totals(classified)? {
        let _ = writeln!(
            out,
            "  {}: {} awards, {} with an amount, {} EUR/month",
            t.benefit,
            t.awards,
            t.paid,
            cents_text(t.amount_cents)
        );
    }
    let _ = writeln!(
        out,
        "rule violations (computed as if eligible): {}",
        classified.violations.values().sum::<usize>()
    );
    for (reason, n) in &classified.violations {
        let _ = writeln!(out, "  {reason}: {n}");
    }
    if classified.not_computed > 0 {
        let _ = writeln!(
            out,
            "additional front-veterans' supplements not computed (parameters unknown before 2020): {}",
            classified.not_computed
        );
    }
    match reconciliation {
        None => {
            let _ = writeln!(
                out,
                "no payments register: computed amounts are not reconciled"
            );
        }
        Some(rows) => {
            let _ = writeln!(
                out,
                "computed vs paid per person and benefit (regular payments for the month):"
            );
            for r in rows {
                let _ = writeln!(
                    out,
                    "  {}: {} persons, {} differ; computed {}, paid {}, difference {}",
                    r.benefit,
                    r.persons,
                    r.differing,
                    cents_text(r.computed_cents),
                    cents_text(r.paid_cents),
                    cents_text(r.difference_cents)
                );
            }
        }
    }
    Ok(out)
}

/// `quality.json` / `quality.txt` of a publication.
#[derive(Debug, Clone, serde::Serialize)]
pub struct QualityReport {
    pub registers: Vec<RegisterCounts>,
    pub payments_after_death: usize,
    pub rule_violations: std::collections::BTreeMap<String, usize>,
    pub additional_supplements_not_computed: usize,
    pub benefits: Vec<BenefitTotal>,
    /// `None` without a payments register.
    pub reconciliation: Option<Vec<crate::reconcile::BenefitReconciliation>>,
    /// The disclosure control threshold: cells of 1 to `min_persons − 1` persons are primary.
    pub min_persons: i64,
    pub suppression: Vec<TableSuppression>,
    /// Plausibility findings an operator accepted with `run --accept-change`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub accepted_changes: Vec<String>,
    #[serde(skip)]
    summary: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct TableSuppression {
    pub table: String,
    pub primary: usize,
    pub secondary: usize,
    /// Persons in the secondary cells, and their share of all the table's cells' persons
    /// (margins included), the information lost to secondary suppression.
    pub secondary_persons: i64,
    pub secondary_share: f64,
    /// For expenditure: the euros of the secondary cells, in cents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secondary_cents: Option<i64>,
}

impl QualityReport {
    pub fn new(
        validated: &Validated,
        classified: &crate::classify::Classified,
        reconciliation: Option<&[crate::reconcile::BenefitReconciliation]>,
        suppression: &[SuppressionCounts],
        min_persons: i64,
    ) -> Result<QualityReport> {
        let mut summary = summary_text(validated);
        summary.push_str(&classification_text(classified, reconciliation)?);
        if reconciliation.is_none() {
            summary.push_str("no payments register: the expenditure table is not published and time_series has no expenditure\n");
        }
        let _ = writeln!(
            summary,
            "disclosure control: min_persons {min_persons}; suppressed cells (primary, secondary; persons in secondary cells, share of the table's persons):"
        );
        for t in suppression {
            let _ = write!(
                summary,
                "  {}: {}, {}; {} persons, {:.1} %",
                t.table_id,
                t.primary,
                t.secondary,
                t.secondary_persons,
                100.0 * t.secondary_share()
            );
            if let Some(cents) = t.secondary_cents {
                let _ = write!(summary, ", {} EUR", cents_text(cents));
            }
            summary.push('\n');
        }
        Ok(QualityReport {
            registers: validated.counts(),
            payments_after_death: validated.payments_after_death,
            rule_violations: classified.violations.clone(),
            additional_supplements_not_computed: classified.not_computed,
            benefits: benefit_totals(classified)?,
            reconciliation: reconciliation.map(|r| r.to_vec()),
            min_persons,
            suppression: suppression
                .iter()
                .map(|t| TableSuppression {
                    table: t.table_id.clone(),
                    primary: t.primary,
                    secondary: t.secondary,
                    secondary_persons: t.secondary_persons,
                    // Four decimals: a share, not money; rounded so the file is stable.
                    secondary_share: (t.secondary_share() * 10_000.0).round() / 10_000.0,
                    secondary_cents: t.secondary_cents,
                })
                .collect(),
            accepted_changes: Vec::new(),
            summary,
        })
    }

    /// Says, in the text, what the threshold hid and why; a threshold of 1 (nothing
    /// protected) is said loudly.
    pub fn with_threshold(mut self) -> QualityReport {
        self.summary.push_str(&suppression_text(self.min_persons));
        self
    }

    pub fn text(&self) -> String {
        self.summary.clone()
    }

    /// Records a plausibility finding published with `run --accept-change`.
    pub fn record_accepted_change(&mut self, finding: String) {
        self.summary.push_str(&finding);
        self.summary.push('\n');
        self.accepted_changes.push(finding);
    }
}

/// What suppression means for the reader of a publication with threshold `min_persons`.
pub fn suppression_text(min_persons: i64) -> String {
    if min_persons <= 1 {
        return format!(
            "WARNING: min_persons = {min_persons}: no cell is suppressed. This publication is NOT \
             protected: cells of one or a few persons are published as they are. Publish it only \
             where disclosure control is not needed.\n"
        );
    }
    format!(
        "confidentiality threshold: min_persons = {min_persons}. A cell of 1 to {} persons is \
         hidden ('..'), and so are the cells from which it could be worked out (a total minus the \
         published parts: secondary suppression); its amounts are hidden with it. Cells of 0 \
         persons are published. With few persons, most or all cells are hidden.\n",
        min_persons - 1
    )
}

/// Logs a warning when `min_persons` protects nothing.
pub fn warn_if_unprotected(min_persons: u32) {
    if min_persons <= 1 {
        tracing::warn!(
            stage = "protect",
            "min_persons = {min_persons}: no cell is suppressed; the publication is NOT protected"
        );
    }
}
