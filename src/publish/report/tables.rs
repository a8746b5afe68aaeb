//! report.html's tables: the rows shown of each table (filtered and folded when long) and
//! their texts, as table.html.j2 lays them out.
use serde::Serialize;

use super::{display, fmt_int, Both};
use crate::labels::{Codelists, Labels};
use crate::table::{Table, Unit};

/// Tables with more rows than this are shown filtered to the totals of `FILTER_ORDER`'s
/// dimensions (one at a time, while still too long); the CSV has them all.
const MAX_ROWS: usize = 2000;
/// Tables of more rows are shown folded (`<details>`), opened with a click.
const FOLD_ROWS: usize = 40;
const FILTER_ORDER: [&str; 2] = ["sex", "age_group"];

/// One table of table.html.j2: the rows shown and how they were chosen.
#[derive(Serialize)]
pub(super) struct TableView {
    id: &'static str,
    title_fi: String,
    title_en: String,
    /// The number of cells (rows of the CSV) and of rows shown.
    cells: String,
    rows_shown: String,
    /// Dimensions shown at their total only, because the table is too long.
    filtered: Vec<Filtered>,
    folded: bool,
    /// "dimension: code" of each dimension shown at one code, for the caption.
    fixed_fi: String,
    fixed_en: String,
    dimension_heads: Vec<Both>,
    measure_heads: Vec<Both>,
    rows: Vec<Row>,
}

#[derive(Serialize)]
struct Filtered {
    dimension_fi: String,
    dimension_en: String,
    total_fi: String,
    total_en: String,
}

/// The labels of the row's codes (the first is the row's heading), then its values.
#[derive(Serialize)]
struct Row {
    labels: Vec<String>,
    values: Vec<String>,
}

pub(super) fn table_view(t: &Table, codelists: &Codelists) -> TableView {
    let title = codelists.table_title(t.id);
    // Which codes of each dimension are shown: all, or only the total of a filtered dimension.
    let mut shown: Vec<Vec<usize>> = t
        .dimensions
        .iter()
        .map(|d| (0..d.codes.len()).collect())
        .collect();
    let rows = |shown: &Vec<Vec<usize>>| shown.iter().map(|c| c.len()).product::<usize>();
    let mut filtered = Vec::new();
    for dim_id in FILTER_ORDER {
        if rows(&shown) <= MAX_ROWS {
            break;
        }
        let Some(d) = t.dimensions.iter().position(|d| d.id == dim_id) else {
            continue;
        };
        let Some(total) = t.dimensions[d].codes.iter().position(|c| c == "SSS") else {
            continue;
        };
        if shown[d].len() > 1 {
            shown[d] = vec![total];
            filtered.push(d);
        }
    }
    // Dimensions with a single shown code become part of the caption, not columns.
    let fixed: Vec<usize> = (0..t.dimensions.len())
        .filter(|&d| shown[d].len() == 1)
        .collect();
    let columns: Vec<usize> = (0..t.dimensions.len())
        .filter(|&d| shown[d].len() > 1)
        .collect();
    // "dimension: code" of each dimension shown at one code, in one language.
    let fixed_in = |language: fn(Labels) -> String| -> String {
        fixed
            .iter()
            .map(|&d| {
                let dim = &t.dimensions[d];
                let code = &dim.codes[shown[d][0]];
                format!(
                    "{}: {}",
                    language(codelists.dimension(dim.id)),
                    language(codelists.code(dim.id, code))
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let measure_heads = t
        .measures
        .iter()
        .map(|m| {
            let ml = codelists.measure(m.id);
            let unit = codelists.unit(m.unit);
            // Money labels carry their unit ("…, €/kk"); others get it added.
            let with_unit = |label: String, unit: String| {
                if label.contains('€') || label.contains("EUR") || m.unit == Unit::Persons {
                    label
                } else {
                    format!("{label}, {unit}")
                }
            };
            Both {
                fi: with_unit(ml.fi, unit.fi),
                en: with_unit(ml.en, unit.en),
            }
        })
        .collect();
    let total_rows = rows(&shown);
    TableView {
        id: t.id,
        title_fi: title.fi,
        title_en: title.en,
        cells: fmt_int(t.cells() as i64),
        rows_shown: fmt_int(total_rows as i64),
        filtered: filtered
            .iter()
            .map(|&d| {
                let id = t.dimensions[d].id;
                let dimension = codelists.dimension(id);
                let total = codelists.code(id, "SSS");
                Filtered {
                    dimension_fi: dimension.fi,
                    dimension_en: dimension.en,
                    total_fi: total.fi,
                    total_en: total.en,
                }
            })
            .collect(),
        // A big table is folded away (one click shows it), so that the page reads as a report.
        folded: total_rows > FOLD_ROWS,
        fixed_fi: fixed_in(|l| l.fi),
        fixed_en: fixed_in(|l| l.en),
        dimension_heads: columns
            .iter()
            .map(|&d| codelists.dimension(t.dimensions[d].id).into())
            .collect(),
        measure_heads,
        rows: table_rows(t, codelists, &shown, &columns),
    }
}

/// The rows shown, in the table's order (last dimension fastest): the labels of the codes of
/// `columns`, then every measure's value.
fn table_rows(
    t: &Table,
    codelists: &Codelists,
    shown: &[Vec<usize>],
    columns: &[usize],
) -> Vec<Row> {
    // Labels of every code, computed once per table.
    let labels: Vec<Vec<String>> = t
        .dimensions
        .iter()
        .map(|d| d.codes.iter().map(|c| codelists.code(d.id, c).fi).collect())
        .collect();
    let strides: Vec<usize> = (0..t.dimensions.len())
        .map(|d| {
            t.dimensions[d + 1..]
                .iter()
                .map(|x| x.codes.len())
                .product()
        })
        .collect();
    let total_rows: usize = shown.iter().map(Vec::len).product();
    let mut position = vec![0usize; t.dimensions.len()];
    let mut rows = Vec::with_capacity(total_rows);
    for _ in 0..total_rows {
        let cell: usize = (0..t.dimensions.len())
            .map(|d| shown[d][position[d]] * strides[d])
            .sum();
        rows.push(Row {
            labels: columns
                .iter()
                .map(|&d| labels[d][shown[d][position[d]]].clone())
                .collect(),
            values: t
                .measures
                .iter()
                .enumerate()
                .map(|(m, measure)| display(measure, t.values[m][cell], t.status[m][cell]))
                .collect(),
        });
        // Next combination, last dimension fastest.
        for d in (0..t.dimensions.len()).rev() {
            position[d] += 1;
            if position[d] < shown[d].len() {
                break;
            }
            position[d] = 0;
        }
    }
    rows
}
