//! `tables/<id>.csv` (publication.md, "Files of one publication"): UTF-8, comma, header; the
//! dimension columns hold codes; each measure column is followed by `<measure>_status`
//! (`..` confidential, `.` not applicable, else empty); amounts with exactly two decimals and
//! `.` as the decimal point, counts as integers; a value without status `Value` is empty.
//! Rows are the cells in table order (the order of the codes as listed).
use crate::money::cents_text;
use crate::table::{Measure, Status, Table};

/// The CSV text of a table (LF line ends, a header line, one line per cell).
pub fn table_csv(table: &Table) -> String {
    let mut out = String::new();
    let mut header: Vec<String> = table.dimensions.iter().map(|d| field(d.id)).collect();
    for m in &table.measures {
        header.push(field(m.id));
        header.push(field(&format!("{}_status", m.id)));
    }
    out.push_str(&header.join(","));
    out.push('\n');
    for cell in 0..table.cells() {
        let mut row: Vec<String> = table.codes(cell).into_iter().map(field).collect();
        for (m, measure) in table.measures.iter().enumerate() {
            let status = table.status[m][cell];
            row.push(value_text(measure, status, table.values[m][cell]));
            row.push(status.symbol().to_string());
        }
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

/// A measure's value as published: empty unless the status is `Value`; money (cents) with
/// exactly two decimals, counts as integers.
pub fn value_text(measure: &Measure, status: Status, value: Option<i64>) -> String {
    match (status, value) {
        (Status::Value, Some(v)) if measure.is_money() => cents_text(v),
        (Status::Value, Some(v)) => v.to_string(),
        _ => String::new(),
    }
}

/// RFC 4180 quoting, only where needed (codes never need it; kept for safety).
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::catalog::TableId;
    use crate::table::{Dimension, Unit};

    /// A small table shared by the writers' tests: period × sex, recipients and mean amount,
    /// one confidential cell (sex 1) and one not-applicable mean (sex 2, 0 recipients).
    pub(crate) fn sample_table() -> Table {
        let dims = vec![
            Dimension {
                id: "period",
                codes: vec!["2024".into()],
            },
            Dimension {
                id: "sex",
                codes: vec!["SSS".into(), "1".into(), "2".into()],
            },
        ];
        let measures = vec![
            Measure::new("recipients", Unit::Persons),
            Measure::new("mean_amount", Unit::EuroPerMonth),
        ];
        let mut t = Table::new(TableId::RecipientsByBenefitSexAge.id(), dims, measures);
        t.values[0] = vec![Some(12), Some(2), Some(0)];
        t.values[1] = vec![Some(65_432), Some(70_000), None];
        t.status[1][2] = Status::NotApplicable;
        t.persons = vec![12, 2, 0];
        t.suppress(1);
        t
    }

    #[test]
    fn writes_codes_values_and_status_symbols() {
        let csv = table_csv(&sample_table());
        assert_eq!(
            csv,
            "period,sex,recipients,recipients_status,mean_amount,mean_amount_status\n\
             2024,SSS,12,,654.32,\n\
             2024,1,,..,,..\n\
             2024,2,0,,,.\n"
        );
    }

    #[test]
    fn fields_are_quoted_only_where_needed() {
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("KU091"), "KU091");
    }
}
