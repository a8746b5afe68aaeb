//! `explain`: one person's computation, step by step, read from the classified frame itself
//! (the bulk computation's own step columns), with the parameter values of the month.
use std::fmt::Write;

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::params::MonthParameters;

use super::{Classified, AFVS, CI, FVS, GP, NP, OP, SP};

/// (label, column, how to show it) for the steps of each benefit, in the order of rules.md.
#[derive(Clone, Copy)]
enum Show {
    Cents,
    Plain,
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
                "2. residence months from 16th birthday to start/65",
                "np_residence_total",
                Plain,
            ),
            ("2. residence adjusted", "residence_adjusted", Plain),
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
                "deceased's residence months 16-65",
                "sp_residence_total",
                Plain,
            ),
            ("residence adjusted", "sp_residence_adjusted", Plain),
            (
                "initial amount (after residence coefficient)",
                "sp_initial_amount",
                Cents,
            ),
            ("survivor's national pension", "np_person", Cents),
            (
                "yearly income Y, earned income at 60 % (EUR/year)",
                "y_sp",
                Plain,
            ),
            ("income reduction", "reduction_sp", Cents),
            ("basic amount part", "sp_basic_part", Cents),
            ("additional amount part", "sp_additional_part", Cents),
            ("before minimum and age limit", "sp_computed", Cents),
            ("composition", "sp_composition", Plain),
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
            ("national pension", "np_person", Cents),
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

pub fn cents_text(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

fn value_text(df: &DataFrame, column: &str, row: usize, show: Show) -> Result<String> {
    let v = df.column(column)?.get(row)?;
    Ok(match (v, show) {
        (AnyValue::Null, _) => "-".into(),
        (AnyValue::Int64(c), Show::Cents) => cents_text(c),
        (v @ (AnyValue::String(_) | AnyValue::StringOwned(_)), _) => v.str_value().to_string(),
        (v, _) => v.to_string(),
    })
}

pub fn explain_text(
    classified: &Classified,
    person_id: &str,
    params: &MonthParameters,
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
            "no award of the person given by --person is in force in {}",
            classified.month.format("%Y-%m")
        )));
    }
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
    for t in super::INCOME_TYPES {
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
    for row in 0..rows.height() {
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
        for (label, column, show) in steps(&benefit) {
            let _ = writeln!(out, "  {label}: {}", value_text(&rows, column, row, *show)?);
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
    }
    Ok(out)
}
