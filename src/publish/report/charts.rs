//! report.html's charts: the bars by benefit and by region, the age-and-sex pyramid and the
//! time series, as the coordinates and texts chart.html.j2 draws.
use serde::Serialize;

use super::{
    benefit_total, codes_of, display, fmt_int, lookup, table_period, value_of, Both, SUB_BENEFITS,
};
use crate::labels::Codelists;
use crate::publish::PublicationInfo;
use crate::table::{Status, Table};

/// Benefits drawn in the time-series chart, when present.
const SERIES_BENEFITS: [&str; 3] = ["ALL", "NP", "GP"];

/// A chart of chart.html.j2 (`kind`: its variant in snake case): `fi` and `en` are its caption,
/// `width` and `height` its size; every coordinate is formatted with one decimal.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(super) enum Chart {
    Bars {
        id: &'static str,
        fi: String,
        en: String,
        width: String,
        height: String,
        /// Where the labels end, the bars start, the axis starts and ends.
        label_x: String,
        x0: String,
        top: String,
        bottom: String,
        bars: Vec<BarView>,
    },
    Pyramid {
        id: &'static str,
        fi: String,
        en: String,
        width: String,
        height: String,
        men: Both,
        women: Both,
        /// Where the men's bars end, the women's start, the age labels are centred.
        men_x: String,
        women_x: String,
        centre_x: String,
        rows: Vec<PyramidRowView>,
    },
    Lines {
        id: &'static str,
        fi: String,
        en: String,
        width: String,
        height: String,
        left: String,
        right: String,
        /// Where the tick labels end, the period labels stand, the x axis runs.
        tick_x: String,
        period_y: String,
        axis_y: String,
        ticks: Vec<Tick>,
        periods: Vec<PeriodLabel>,
        series: Vec<SeriesView>,
    },
    /// A time series whose every figure is hidden.
    Confidential {
        id: &'static str,
        fi: &'static str,
        en: &'static str,
    },
    /// A time series of expenditure without values: no payments register.
    NoExpenditure { id: &'static str },
}

pub(super) fn benefit_charts(
    charts: &mut Vec<Chart>,
    main: Option<&Table>,
    codelists: &Codelists,
    info: &PublicationInfo,
) {
    let Some(t) = main else { return };
    let period = table_period(t, &info.period);
    for (measure, id, fi, en) in [
        (
            "recipients",
            "chart-recipients-by-benefit",
            "Saajat etuuksittain",
            "Recipients by benefit",
        ),
        (
            "mean_amount",
            "chart-mean-by-benefit",
            "Keskimääräinen maksu etuuksittain, €/kk",
            "Mean amount by benefit, EUR/month",
        ),
    ] {
        let Some(m) = t.measure(measure) else {
            continue;
        };
        let bars: Vec<Bar> = codes_of(t, "benefit")
            .into_iter()
            .filter_map(|b| {
                let cell = benefit_total(t, &period, b)?;
                Some(Bar {
                    label: codelists.code("benefit", b).fi,
                    indent: SUB_BENEFITS.contains(&b),
                    value: value_of(t, m, cell),
                    text: display(&t.measures[m], t.values[m][cell], t.status[m][cell]),
                })
            })
            .collect();
        charts.push(bar_chart(
            id,
            format!("{fi}, {period}"),
            format!("{en}, {period} (both sexes, all ages)"),
            &bars,
        ));
    }
}

pub(super) fn pyramid_chart(
    main: Option<&Table>,
    codelists: &Codelists,
    info: &PublicationInfo,
) -> Option<Chart> {
    let t = main?;
    let m = t.measure("recipients")?;
    let period = table_period(t, &info.period);
    let mut rows = Vec::new();
    for age in codes_of(t, "age_group").into_iter().rev() {
        if age == "SSS" {
            continue;
        }
        let side = |sex: &str| {
            lookup(
                t,
                &[
                    ("period", &period),
                    ("benefit", "ALL"),
                    ("sex", sex),
                    ("age_group", age),
                ],
            )
            .map(|c| {
                (
                    value_of(t, m, c),
                    display(&t.measures[m], t.values[m][c], t.status[m][c]),
                )
            })
        };
        let (Some(men), Some(women)) = (side("1"), side("2")) else {
            continue;
        };
        rows.push(PyramidRow {
            label: codelists.code("age_group", age).fi,
            men,
            women,
        });
    }
    if rows.is_empty() {
        return None;
    }
    Some(pyramid(
        format!("Saajat iän ja sukupuolen mukaan, kaikki etuudet, {period}"),
        format!("Recipients by age and sex, any benefit (ALL), {period}"),
        rows,
        codelists.code("sex", "1").into(),
        codelists.code("sex", "2").into(),
    ))
}

pub(super) fn region_chart(
    area: Option<&Table>,
    codelists: &Codelists,
    info: &PublicationInfo,
) -> Option<Chart> {
    let t = area?;
    let m = t.measure("recipients")?;
    let period = table_period(t, &info.period);
    let mut bars: Vec<Bar> = codes_of(t, "area")
        .into_iter()
        .filter(|a| a.starts_with("MK"))
        .filter_map(|a| {
            let cell = lookup(
                t,
                &[
                    ("period", &period),
                    ("area", a),
                    ("benefit", "ALL"),
                    ("sex", "SSS"),
                ],
            )?;
            Some(Bar {
                label: codelists.code("area", a).fi,
                indent: false,
                value: value_of(t, m, cell),
                text: display(&t.measures[m], t.values[m][cell], t.status[m][cell]),
            })
        })
        .collect();
    if bars.is_empty() {
        return None;
    }
    // Largest first; suppressed last; ties keep the code order (a stable sort).
    bars.sort_by_key(|b| std::cmp::Reverse(b.value.map_or(i64::MIN, |v| v)));
    Some(bar_chart(
        "chart-regions",
        format!("Saajat maakunnittain, kaikki etuudet, {period}"),
        format!("Recipients by region, any benefit (ALL), both sexes, {period}"),
        &bars,
    ))
}

pub(super) fn time_series_charts(
    charts: &mut Vec<Chart>,
    ts: Option<&Table>,
    codelists: &Codelists,
) {
    let Some(t) = ts else { return };
    let periods = codes_of(t, "period");
    let benefits: Vec<&str> = SERIES_BENEFITS
        .iter()
        .copied()
        .filter(|b| codes_of(t, "benefit").contains(b))
        .collect();
    for (measure, id, fi, en) in [
        (
            "recipients",
            "chart-time-series-recipients",
            "Saajat ajanjaksoittain",
            "Recipients by period",
        ),
        (
            "mean_amount",
            "chart-time-series-mean",
            "Keskimääräinen maksu ajanjaksoittain, €/kk",
            "Mean amount by period, EUR/month",
        ),
        (
            "expenditure",
            "chart-time-series-expenditure",
            "Menot ajanjaksoittain, €",
            "Expenditure by period, EUR",
        ),
    ] {
        let Some(m) = t.measure(measure) else {
            continue;
        };
        let series: Vec<Series> = benefits
            .iter()
            .map(|b| Series {
                label: codelists.code("benefit", b).fi,
                points: periods
                    .iter()
                    .map(|p| {
                        let cell = lookup(t, &[("period", p), ("benefit", b)]);
                        match cell {
                            Some(c) => (
                                value_of(t, m, c),
                                display(&t.measures[m], t.values[m][c], t.status[m][c]),
                            ),
                            None => (None, String::new()),
                        }
                    })
                    .collect(),
            })
            .collect();
        if series
            .iter()
            .all(|s| s.points.iter().all(|p| p.0.is_none()))
        {
            let suppressed = series.iter().any(|s| {
                s.points
                    .iter()
                    .any(|p| p.1 == Status::Confidential.symbol())
            });
            if suppressed {
                charts.push(Chart::Confidential { id, fi, en });
            } else if measure == "expenditure" {
                charts.push(Chart::NoExpenditure { id });
            }
            continue;
        }
        let money = t.measures[m].is_money();
        charts.push(line_chart(id, fi, en, &periods, &series, money));
    }
}

/// A coordinate as the SVG shows it.
fn at(v: f64) -> String {
    format!("{v:.1}")
}

/// A chart's size as the SVG shows it.
fn size(v: f64) -> String {
    format!("{v:.0}")
}

struct Bar {
    label: String,
    indent: bool,
    /// The bar's length in the measure's unit (persons, cents); `None`: no value (symbol shown).
    value: Option<i64>,
    text: String,
}

#[derive(Serialize)]
pub(super) struct BarView {
    /// The full label and the label shown (shortened; a sub-benefit indented).
    name: String,
    label: String,
    indent: bool,
    y: String,
    length: String,
    text: String,
    text_x: String,
    text_y: String,
}

/// Horizontal bars with the label left and the value (or symbol) right of each bar.
fn bar_chart(id: &'static str, fi: String, en: String, bars: &[Bar]) -> Chart {
    const W: f64 = 760.0;
    const X0: f64 = 270.0;
    const X1: f64 = 660.0;
    const ROW: f64 = 22.0;
    const TOP: f64 = 8.0;
    let height = TOP * 2.0 + ROW * bars.len() as f64;
    let max = bars
        .iter()
        .filter_map(|b| b.value)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let bars = bars
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let y = TOP + ROW * i as f64;
            let len = b.value.map_or(0.0, |v| (v.max(0) as f64) / max * (X1 - X0));
            BarView {
                name: b.label.clone(),
                label: if b.indent {
                    format!("– {}", shorten(&b.label, 40))
                } else {
                    shorten(&b.label, 42)
                },
                indent: b.indent,
                y: at(y + 3.5),
                length: at(len),
                text: b.text.clone(),
                text_x: at(X0 + len + 6.0),
                text_y: at(y + 15.0),
            }
        })
        .collect();
    Chart::Bars {
        id,
        fi,
        en,
        width: size(W),
        height: size(height),
        label_x: at(X0 - 8.0),
        x0: at(X0),
        top: at(TOP),
        bottom: at(height - TOP),
        bars,
    }
}

struct PyramidRow {
    label: String,
    men: (Option<i64>, String),
    women: (Option<i64>, String),
}

#[derive(Serialize)]
pub(super) struct PyramidRowView {
    label: String,
    y: String,
    text_y: String,
    men_text: String,
    men_bar_x: String,
    men_length: String,
    men_text_x: String,
    women_text: String,
    women_length: String,
    women_text_x: String,
}

/// Men to the left, women to the right of a centre column of age groups (oldest on top).
fn pyramid(fi: String, en: String, rows: Vec<PyramidRow>, men: Both, women: Both) -> Chart {
    const W: f64 = 760.0;
    const CX: f64 = 380.0;
    const HALF: f64 = 74.0; // half the width of the label column
    const ROOM: f64 = 240.0; // the longest bar
    const ROW: f64 = 19.0;
    const TOP: f64 = 30.0;
    let height = TOP + ROW * rows.len() as f64 + 10.0;
    let max = rows
        .iter()
        .flat_map(|r| [r.men.0, r.women.0])
        .flatten()
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let rows = rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let y = TOP + ROW * i as f64;
            let lm = r.men.0.map_or(0.0, |v| v.max(0) as f64 / max * ROOM);
            let lw = r.women.0.map_or(0.0, |v| v.max(0) as f64 / max * ROOM);
            PyramidRowView {
                label: r.label,
                y: at(y + 2.0),
                text_y: at(y + 13.5),
                men_text: r.men.1,
                men_bar_x: at(CX - HALF - lm),
                men_length: at(lm),
                men_text_x: at(CX - HALF - lm - 5.0),
                women_text: r.women.1,
                women_length: at(lw),
                women_text_x: at(CX + HALF + lw + 5.0),
            }
        })
        .collect();
    Chart::Pyramid {
        id: "chart-pyramid",
        fi,
        en,
        width: size(W),
        height: size(height),
        men,
        women,
        men_x: at(CX - HALF),
        women_x: at(CX + HALF),
        centre_x: at(CX),
        rows,
    }
}

struct Series {
    label: String,
    /// One per period: the plotted value and its display text.
    points: Vec<(Option<i64>, String)>,
}

#[derive(Serialize)]
pub(super) struct Tick {
    y: String,
    text_y: String,
    label: String,
}

#[derive(Serialize)]
pub(super) struct PeriodLabel {
    x: String,
    label: String,
}

#[derive(Serialize)]
pub(super) struct SeriesView {
    label: String,
    legend_x: String,
    legend_line_end: String,
    legend_text_x: String,
    /// The line, broken where a value is missing; empty when no point has a value.
    path: String,
    points: Vec<Point>,
}

/// A marker with its value.
#[derive(Serialize)]
pub(super) struct Point {
    x: String,
    y: String,
    period: String,
    text: String,
}

/// Lines over periods, with a legend, y grid and a marker (with its value) at every point.
fn line_chart(
    id: &'static str,
    fi: &str,
    en: &str,
    periods: &[&str],
    series: &[Series],
    money: bool,
) -> Chart {
    const W: f64 = 760.0;
    const H: f64 = 280.0;
    const LEFT: f64 = 115.0;
    const RIGHT: f64 = 30.0;
    const TOP: f64 = 40.0;
    const BOTTOM: f64 = 40.0;
    let unit = if money { 100.0 } else { 1.0 };
    let max = series
        .iter()
        .flat_map(|s| s.points.iter().filter_map(|p| p.0))
        .max()
        .unwrap_or(0)
        .max(0) as f64
        / unit;
    let step = nice_step(max / 4.0);
    let top_tick = (max / step).ceil().max(1.0) * step;
    let y_of = |v: f64| TOP + (H - TOP - BOTTOM) * (1.0 - v / top_tick);
    let n = periods.len();
    let x_of = |i: usize| {
        if n <= 1 {
            (LEFT + W - RIGHT) / 2.0
        } else {
            LEFT + 20.0 + (W - RIGHT - LEFT - 40.0) * i as f64 / (n - 1) as f64
        }
    };
    let ticks = (0..=(top_tick / step).round() as usize)
        .map(|k| {
            let v = step * k as f64;
            let y = y_of(v);
            Tick {
                y: at(y),
                text_y: at(y + 4.0),
                label: if step >= 1.0 {
                    fmt_int(v.round() as i64)
                } else {
                    format!("{v:.2}")
                },
            }
        })
        .collect();
    let mut legend_x = LEFT;
    let series = series
        .iter()
        .map(|se| {
            let mut path = Vec::new();
            let mut pen_down = false;
            for (i, p) in se.points.iter().enumerate() {
                match p.0 {
                    Some(v) => {
                        let pen = if pen_down { "L" } else { "M" };
                        path.push(format!(
                            "{pen}{},{}",
                            at(x_of(i)),
                            at(y_of(v as f64 / unit))
                        ));
                        pen_down = true;
                    }
                    None => pen_down = false,
                }
            }
            let view = SeriesView {
                label: se.label.clone(),
                legend_x: at(legend_x),
                legend_line_end: at(legend_x + 22.0),
                legend_text_x: at(legend_x + 28.0),
                path: path.join(" "),
                points: se
                    .points
                    .iter()
                    .enumerate()
                    .filter_map(|(i, p)| {
                        Some(Point {
                            x: at(x_of(i)),
                            y: at(y_of(p.0? as f64 / unit)),
                            period: periods[i].to_string(),
                            text: p.1.clone(),
                        })
                    })
                    .collect(),
            };
            legend_x += 40.0 + 7.0 * se.label.chars().count() as f64;
            view
        })
        .collect();
    Chart::Lines {
        id,
        fi: fi.to_string(),
        en: en.to_string(),
        width: size(W),
        height: size(H),
        left: at(LEFT),
        right: at(W - RIGHT),
        tick_x: at(LEFT - 6.0),
        period_y: at(H - BOTTOM + 18.0),
        axis_y: at(H - BOTTOM),
        ticks,
        periods: periods
            .iter()
            .enumerate()
            .map(|(i, p)| PeriodLabel {
                x: at(x_of(i)),
                label: p.to_string(),
            })
            .collect(),
        series,
    }
}

/// 1, 2 or 5 times a power of ten, at least `raw`.
fn nice_step(raw: f64) -> f64 {
    if raw <= 0.0 || !raw.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(raw.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if m * p >= raw {
            return m * p;
        }
    }
    10.0 * p
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::nice_step;

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(0.0), 1.0);
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(1200.0), 2000.0);
        assert_eq!(nice_step(0.3), 0.5);
    }
}
