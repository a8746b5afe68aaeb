//! `explain`: one person's computation, step by step, read from the classified frame itself
//! (the bulk computation's own step columns), with the parameter values of the month.
use std::fmt::Write;

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::money::cents_text;
use crate::params::MonthParameters;

use super::{Classified, AFVS, CI, FVS, GP, NP, OP, SP};

/// (label, column, how to show it) for the steps of each benefit, in the order of rules.md.
#[derive(Clone, Copy)]
enum Show {
    Cents,
    Plain,
    /// The residence test: the row's `residence_months` against 80 % of the total months
    /// in the named column.
    Residence,
    /// Shown only in the continuing phase of a spouse's pension (the initial amount has no
    /// basic or additional part and no income test).
    ContinuingCents,
    ContinuingPlain,
    /// Shown only in the initial phase of a spouse's pension.
    InitialCents,
    /// What carries a child increase: a national pension or earnings-related pension income.
    CarriedBy,
}

fn steps(benefit: &str) -> &'static [(&'static str, &'static str, Show)] {
    use Show::*;
    match benefit {
        NP => &[
            (
                "1. full amount (by family status)",
                "np_full_unadjusted",
                Cents,
            ),
            (
                "2. residence test (person's residence_months against months from the 16th birthday to the start or the 65th birthday)",
                "np_residence_total",
                Residence,
            ),
            (
                "2. full amount after residence adjustment",
                "np_full",
                Cents,
            ),
            ("3. yearly income counted Y (EUR/year)", "y_np", Plain),
            (
                "3. income reduction round2((Y - T)/24)",
                "reduction_np",
                Cents,
            ),
            ("3. after income test", "np_after_income", Cents),
            ("4. after early reduction", "np_after_early", Cents),
            ("4. after deferral increase", "np_after_deferral", Cents),
            (
                "6. dormant (earned income above the limit)",
                "dormant",
                Plain,
            ),
            ("composition", "np_composition", Plain),
        ],
        GP => &[
            (
                "full amount after early reduction",
                "gp_full_after_early",
                Cents,
            ),
            ("minus national pension", "np_person", Cents),
            ("minus spouse's pension", "sp_person", Cents),
            (
                "minus other pensions (to the cent)",
                "income_pension",
                Cents,
            ),
            ("= before the minimum", "gp_net", Cents),
        ],
        SP => &[
            ("months since the death", "months_since_death", Plain),
            ("phase", "sp_phase", Plain),
            (
                "residence test (the deceased's residence_months against months from their 16th birthday to the death or their 65th birthday)",
                "sp_residence_total",
                Residence,
            ),
            (
                "initial amount (after residence coefficient)",
                "sp_initial_amount",
                InitialCents,
            ),
            ("survivor's national pension", "np_person", Cents),
            (
                "yearly income Y, earned income at 60 % (EUR/year)",
                "y_sp",
                ContinuingPlain,
            ),
            ("income reduction", "reduction_sp", ContinuingCents),
            ("basic amount part", "sp_basic_part", ContinuingCents),
            ("additional amount part", "sp_additional_part", ContinuingCents),
            ("before minimum and age limit", "sp_computed", Cents),
            ("composition", "sp_composition", ContinuingPlain),
        ],
        OP => &[
            ("months since the death", "months_since_death", Plain),
            ("yearly survivors' pensions Y (EUR/year)", "y_op", Plain),
            ("income reduction", "reduction_op", Cents),
            ("additional amount part", "op_additional_part", Cents),
            (
                "national disability pension paid",
                "np_disability_paid",
                Plain,
            ),
        ],
        CI => &[
            ("children", "children", Plain),
            ("carried by", "np_person", CarriedBy),
        ],
        FVS => &[],
        AFVS => &[
            ("status", "afvs_status", Plain),
            (
                "eligible (FI, front, national pension paid)",
                "afvs_eligible",
                Plain,
            ),
            (
                "base: national pension without residence adjustment",
                "afvs_base",
                Cents,
            ),
            ("yearly income Y (EUR/year)", "y_np", Plain),
            ("percentage", "afvs_percent", Plain),
            ("percentage × max(0, base − threshold)", "afvs_raw", Cents),
            (
                "minimum, paid at least to every eligible person",
                "afvs_minimum",
                Cents,
            ),
        ],
        _ => &[],
    }
}

fn value_text(df: &DataFrame, column: &str, row: usize, show: Show) -> Result<String> {
    let v = df.column(column)?.get(row)?;
    Ok(match (v, show) {
        (AnyValue::Null, _) => "-".into(),
        (AnyValue::Int64(c), Show::Cents | Show::ContinuingCents | Show::InitialCents) => {
            cents_text(c)
        }
        (v @ (AnyValue::String(_) | AnyValue::StringOwned(_)), _) => v.str_value().to_string(),
        (v, _) => v.to_string(),
    })
}

fn int_at(df: &DataFrame, column: &str, row: usize) -> Result<Option<i64>> {
    Ok(match df.column(column)?.get(row)? {
        AnyValue::Null => None,
        v => v.extract::<i64>(),
    })
}

/// One step's line, or `None` where the step does not apply to this row.
fn step_text(
    rows: &DataFrame,
    row: usize,
    (label, column, show): (&str, &str, Show),
    params: &MonthParameters,
) -> Result<Option<String>> {
    let initial =
        || -> Result<bool> { Ok(value_text(rows, "sp_phase", row, Show::Plain)? == "initial") };
    let value = match show {
        Show::ContinuingCents | Show::ContinuingPlain if initial()? => return Ok(None),
        Show::InitialCents if !initial()? => return Ok(None),
        Show::Residence => residence_text(rows, row, column, params)?,
        Show::CarriedBy => carried_by_text(rows, row)?,
        _ => value_text(rows, column, row, show)?,
    };
    Ok(Some(format!("{label}: {value}")))
}

/// `residence_months 300 < 80 % of 588 = 470.4: the amounts are scaled by 300/470.4`.
fn residence_text(
    rows: &DataFrame,
    row: usize,
    total_column: &str,
    params: &MonthParameters,
) -> Result<String> {
    let Some(months) = int_at(rows, "residence_months", row)? else {
        return Ok("residence_months not given: no residence adjustment".into());
    };
    let total = int_at(rows, total_column, row)?.unwrap_or(0);
    let per_mille = params.rates.residence_full_share_per_mille;
    // 80 % of the total, to one decimal (exact: per mille × total / 1000).
    let share = per_mille * total;
    let share_text = format!("{}.{}", share / 1000, (share % 1000) / 100);
    let percent = per_mille / 10;
    Ok(if months * 1000 < share {
        format!(
            "residence_months {months} < {percent} % of {total} months = {share_text}: adjusted, the amounts are scaled by {months}/{share_text}"
        )
    } else {
        format!(
            "residence_months {months} >= {percent} % of {total} months = {share_text}: not adjusted"
        )
    })
}

/// A child increase is paid with a national pension or with earnings-related pension income
/// (rules.md): which one carries it this month.
fn carried_by_text(rows: &DataFrame, row: usize) -> Result<String> {
    let np = int_at(rows, "np_person", row)?.unwrap_or(0);
    let earnings = int_at(rows, "inc_earnings_related_pension", row)?.unwrap_or(0);
    Ok(if np > 0 {
        format!(
            "the person's national pension ({} EUR/month)",
            cents_text(np)
        )
    } else if earnings > 0 {
        format!(
            "the person's earnings-related pension (income {} EUR/month; no national pension)",
            cents_text(earnings)
        )
    } else {
        "nothing: no national pension and no earnings-related pension this month, so it is not paid"
            .into()
    })
}

/// The order benefits are explained in: each after the ones its amount depends on (the
/// guarantee pension subtracts the national and spouse's pensions; the child increase and the
/// additional front-veterans' supplement need the national pension).
const EXPLAIN_ORDER: [&str; 7] = [NP, SP, OP, GP, CI, FVS, AFVS];

fn explain_position(benefit: &str) -> usize {
    EXPLAIN_ORDER
        .iter()
        .position(|b| *b == benefit)
        .unwrap_or(EXPLAIN_ORDER.len())
}

pub fn explain_text(
    classified: &Classified,
    person_id: &str,
    params: &MonthParameters,
) -> Result<String> {
    explain_with_payments(classified, person_id, params, None)
}

/// `explain_text` with, where a payments register was given, the person's regular payments
/// for the month per benefit (cents) beside each computed amount.
pub fn explain_with_payments(
    classified: &Classified,
    person_id: &str,
    params: &MonthParameters,
    paid: Option<&std::collections::BTreeMap<String, i64>>,
) -> Result<String> {
    let rows = classified
        .rows
        .clone()
        .lazy()
        .filter(col("person_id").eq(lit(person_id)))
        .collect()?;
    if rows.height() == 0 {
        // The identifier stays out of the message: errors are logged at error level.
        tracing::debug!("no award in force for person {person_id}");
        return Err(Error::Usage(format!(
            "the person given with --person has no accepted award in force in {} \
             (not in the accepted persons, or no award of theirs in force; `kelastat validate` \
             lists the rejected rows)",
            classified.month.format("%Y-%m")
        )));
    }
    let benefits = rows.column("benefit")?.str()?;
    let mut order: Vec<usize> = (0..rows.height()).collect();
    order.sort_by_key(|&i| explain_position(benefits.get(i).unwrap_or_default()));
    let mut out = String::new();
    let first = |c: &str| value_text(&rows, c, 0, Show::Plain);
    let _ = writeln!(
        out,
        "person {person_id}, month {}",
        classified.month.format("%Y-%m")
    );
    let _ = writeln!(
        out,
        "  sex {}, age {} ({}), family status {}, country {}, municipality {}, front veteran {}",
        first("sex")?,
        first("age")?,
        first("age_group")?,
        first("family_status")?,
        first("country")?,
        first("municipality")?,
        first("front_veteran")?,
    );
    let _ = writeln!(out, "  income in the month (EUR):");
    for t in crate::registers::INCOME_TYPES {
        let cents = value_text(&rows, &format!("inc_{t}"), 0, Show::Cents)?;
        let _ = writeln!(out, "    {t}: {cents}");
    }
    let _ = writeln!(out, "parameters in force on {}:", params.month);
    for (name, value) in &params.values {
        let shown = value
            .map(|v| v.to_string())
            .unwrap_or_else(|| "not known".into());
        let _ = writeln!(out, "  {name} = {shown}");
    }
    for row in order {
        let text = |c: &str| value_text(&rows, c, row, Show::Plain);
        let benefit = text("benefit")?;
        let _ = writeln!(
            out,
            "\naward {} {} {} (from {})",
            text("award_id")?,
            benefit,
            text("kind")?,
            text("start_date")?
        );
        for step in steps(&benefit) {
            if let Some(line) = step_text(&rows, row, *step, params)? {
                let _ = writeln!(out, "  {line}");
            }
        }
        if let v @ AnyValue::String(_) = rows.column("violation")?.get(row)? {
            let _ = writeln!(
                out,
                "  rule violation (computed as if eligible): {}",
                v.str_value()
            );
        }
        if rows.column("after_death")?.get(row)? == AnyValue::Boolean(true) {
            let _ = writeln!(out, "  month after the person's death: nothing is paid");
        }
        let _ = writeln!(
            out,
            "  = amount: {} EUR/month",
            value_text(&rows, "amount", row, Show::Cents)?
        );
        if let Some(paid) = paid {
            let cents = paid.get(&benefit).copied().unwrap_or(0);
            let _ = writeln!(
                out,
                "  paid (regular payments of {benefit} for the month, all its awards): {} EUR",
                cents_text(cents)
            );
        }
    }
    Ok(out)
}
