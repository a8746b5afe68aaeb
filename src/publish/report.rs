//! `report.html` (publication.md, "Files of one publication"): one self-contained page, readable
//! without any other file and without network access: inline CSS, inline SVG charts, no scripts.
//!
//! Layout: header (title, publication facts) → contents → headline figures (cards per main
//! benefit) → charts (recipients and mean amount by benefit, age-and-sex pyramid, recipients by
//! region, time series) → every table as an HTML table → symbols → quality summary.
//!
//! The markup is in the templates of `reports/` (embedded at compile time, rendered by
//! minijinja); this module computes what they show: which cells, their text, the charts'
//! coordinates. Every value is HTML-escaped as it is written (`esc`). The output depends only on
//! the inputs: the same tables give the same bytes.
use std::sync::OnceLock;

use minijinja::{Environment, Value};
use serde::Serialize;

use super::{PublicationInfo, SOURCE_EN, SOURCE_FI};
use crate::catalog::{Format, TableId};
use crate::labels::{Codelists, Labels};
use crate::money::{cents_text_grouped, grouped};
use crate::table::{Measure, Status, Table, Unit};

/// Tables with more rows than this are shown filtered to the totals of `FILTER_ORDER`'s
/// dimensions (one at a time, while still too long); the CSV has them all.
const MAX_ROWS: usize = 2000;
/// Tables of more rows are shown folded (`<details>`), opened with a click.
const FOLD_ROWS: usize = 40;
const FILTER_ORDER: [&str; 2] = ["sex", "age_group"];

/// Benefit codes that are kinds or phases of another code (indented in charts, not headlined).
const SUB_BENEFITS: [&str; 6] = [
    "NP_OLD", "NP_EARLY", "NP_DIS", "NP_REHAB", "SP_INIT", "SP_CONT",
];
/// Benefits drawn in the time-series chart, when present.
const SERIES_BENEFITS: [&str; 3] = ["ALL", "NP", "GP"];

/// The templates, from `reports/`.
const TEMPLATES: [(&str, &str); 4] = [
    (
        "report.html.j2",
        include_str!("../../reports/report.html.j2"),
    ),
    ("report.css", include_str!("../../reports/report.css")),
    ("chart.html.j2", include_str!("../../reports/chart.html.j2")),
    ("table.html.j2", include_str!("../../reports/table.html.j2")),
];

/// The template environment, built once: block tags on lines of their own leave no line,
/// files keep their last newline, an undefined name is an error, and every value is written
/// through `esc` (not minijinja's own escaping, which also escapes `/`).
fn environment() -> &'static Environment<'static> {
    static ENVIRONMENT: OnceLock<Environment<'static>> = OnceLock::new();
    ENVIRONMENT.get_or_init(|| {
        let mut env = Environment::new();
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .keep_trailing_newline(true)
                .build()
                .expect("the report's syntax settings are valid"),
        );
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.set_formatter(|out, _state, value: &Value| {
            let text = value.to_string();
            let text = if value.is_safe() { text } else { esc(&text) };
            out.write_str(&text).map_err(|e| {
                minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string())
            })
        });
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("the report template {name} is valid: {e:#}"));
        }
        env
    })
}

/// The page. `quality_summary` is plain text (quality.txt), shown preformatted; `min_persons`
/// the confidentiality threshold the tables were protected with; `formats` the formats the
/// tables were written in (the page names those and no others).
pub fn report_html(
    tables: &[Table],
    codelists: &Codelists,
    info: &PublicationInfo,
    quality_summary: &str,
    min_persons: Option<i64>,
    formats: &[Format],
) -> String {
    let page = page(
        tables,
        codelists,
        info,
        quality_summary,
        min_persons,
        formats,
    );
    environment()
        .get_template("report.html.j2")
        .and_then(|t| t.render(Value::from(minijinja::value::Serde(&page))))
        .unwrap_or_else(|e| panic!("the report template renders: {e:#}"))
}

// ---------------------------------------------------------------- the view model

/// Everything report.html.j2 shows, as text (numbers formatted, not yet escaped).
#[derive(Serialize)]
struct Page<'a> {
    period: &'a str,
    published: String,
    software_version: &'a str,
    parameters_sha256: &'a str,
    source_fi: &'static str,
    source_en: &'static str,
    /// The confidentiality threshold (a note; a warning at 1 or less).
    min_persons: Option<i64>,
    /// The table the headline figures come from, named when it is missing.
    main_table: &'static str,
    headline: Option<Headline>,
    charts: Vec<Chart>,
    /// The formats the tables were written in, as the page names them.
    formats: Vec<&'static str>,
    tables: Vec<TableView>,
    /// quality.txt without its trailing blank lines; empty: no summary.
    quality: &'a str,
}

fn page<'a>(
    tables: &[Table],
    codelists: &Codelists,
    info: &'a PublicationInfo,
    quality_summary: &'a str,
    min_persons: Option<i64>,
    formats: &[Format],
) -> Page<'a> {
    let main = find(tables, TableId::RecipientsByBenefitSexAge);
    let mut charts = Vec::new();
    benefit_charts(&mut charts, main, codelists, info);
    charts.extend(pyramid_chart(main, codelists, info));
    charts.extend(region_chart(
        find(tables, TableId::RecipientsByArea),
        codelists,
        info,
    ));
    time_series_charts(&mut charts, find(tables, TableId::TimeSeries), codelists);
    Page {
        period: &info.period,
        published: info.published_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        software_version: &info.software_version,
        parameters_sha256: &info.parameters_sha256,
        source_fi: SOURCE_FI,
        source_en: SOURCE_EN,
        min_persons,
        main_table: TableId::RecipientsByBenefitSexAge.id(),
        headline: main.map(|t| headline(t, codelists, info)),
        charts,
        formats: format_names(formats),
        tables: tables.iter().map(|t| table_view(t, codelists)).collect(),
        quality: if quality_summary.trim().is_empty() {
            ""
        } else {
            quality_summary.trim_end()
        },
    }
}

/// The formats written, in the order of `Format::ALL`, as "Every table is also published as …"
/// names them: file extensions, or the standard's name.
fn format_names(formats: &[Format]) -> Vec<&'static str> {
    Format::ALL
        .iter()
        .filter(|f| formats.contains(f))
        .map(|f| match f {
            Format::Csv => ".csv",
            Format::Parquet => ".parquet",
            Format::Px => ".px",
            Format::JsonStat => "JSON-stat",
            Format::Sdmx => "SDMX-CSV",
        })
        .collect()
}

/// A text in Finnish and English.
#[derive(Serialize)]
struct Both {
    fi: String,
    en: String,
}

impl From<Labels> for Both {
    fn from(l: Labels) -> Both {
        Both { fi: l.fi, en: l.en }
    }
}

// ---------------------------------------------------------------- headline figures

#[derive(Serialize)]
struct Headline {
    period: String,
    cards: Vec<Card>,
}

/// A main benefit's recipients and mean amount.
#[derive(Serialize)]
struct Card {
    fi: String,
    en: String,
    figures: Vec<Figure>,
}

#[derive(Serialize)]
struct Figure {
    fi: String,
    en: String,
    value: String,
}

fn headline(t: &Table, codelists: &Codelists, info: &PublicationInfo) -> Headline {
    let period = table_period(t, &info.period);
    let measures: Vec<usize> = ["recipients", "mean_amount"]
        .iter()
        .filter_map(|m| t.measure(m))
        .collect();
    let cards = codes_of(t, "benefit")
        .into_iter()
        .filter(|b| !SUB_BENEFITS.contains(b))
        .filter_map(|b| {
            let cell = benefit_total(t, &period, b)?;
            let l = codelists.code("benefit", b);
            let figures = measures
                .iter()
                .map(|&m| {
                    let measure = &t.measures[m];
                    let ml = codelists.measure(measure.id);
                    Figure {
                        fi: ml.fi,
                        en: ml.en,
                        value: display(measure, t.values[m][cell], t.status[m][cell]),
                    }
                })
                .collect();
            Some(Card {
                fi: l.fi,
                en: l.en,
                figures,
            })
        })
        .collect();
    Headline { period, cards }
}

// ---------------------------------------------------------------- charts

/// A chart of chart.html.j2 (`kind`: its variant in snake case): `fi` and `en` are its caption,
/// `width` and `height` its size; every coordinate is formatted with one decimal.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Chart {
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

fn benefit_charts(
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

fn pyramid_chart(
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

fn region_chart(
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

fn time_series_charts(charts: &mut Vec<Chart>, ts: Option<&Table>, codelists: &Codelists) {
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
struct BarView {
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
struct PyramidRowView {
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
struct Tick {
    y: String,
    text_y: String,
    label: String,
}

#[derive(Serialize)]
struct PeriodLabel {
    x: String,
    label: String,
}

#[derive(Serialize)]
struct SeriesView {
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
struct Point {
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

// ---------------------------------------------------------------- tables

/// One table of table.html.j2: the rows shown and how they were chosen.
#[derive(Serialize)]
struct TableView {
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

fn table_view(t: &Table, codelists: &Codelists) -> TableView {
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

// ---------------------------------------------------------------- helpers

fn find(tables: &[Table], id: TableId) -> Option<&Table> {
    tables.iter().find(|t| t.id == id.id())
}

fn codes_of<'a>(t: &'a Table, dimension: &str) -> Vec<&'a str> {
    t.dimensions
        .iter()
        .find(|d| d.id == dimension)
        .map(|d| d.codes.iter().map(String::as_str).collect())
        .unwrap_or_default()
}

/// The publication's period if the table has it, else the table's last period.
fn table_period(t: &Table, period: &str) -> String {
    let codes = codes_of(t, "period");
    if codes.contains(&period) || codes.is_empty() {
        period.to_string()
    } else {
        codes[codes.len() - 1].to_string()
    }
}

/// The cell with the given code of every dimension (named by id, any order); `None` when a
/// dimension is not named or a code is absent.
fn lookup(t: &Table, codes: &[(&str, &str)]) -> Option<usize> {
    let mut ordered = Vec::with_capacity(t.dimensions.len());
    for d in &t.dimensions {
        ordered.push(codes.iter().find(|(id, _)| *id == d.id)?.1);
    }
    t.index(&ordered)
}

/// The cell of `benefit` in `period`, both sexes and all ages.
fn benefit_total(t: &Table, period: &str, benefit: &str) -> Option<usize> {
    lookup(
        t,
        &[
            ("period", period),
            ("benefit", benefit),
            ("sex", "SSS"),
            ("age_group", "SSS"),
        ],
    )
}

fn value_of(t: &Table, m: usize, cell: usize) -> Option<i64> {
    if t.status[m][cell] == Status::Value {
        t.values[m][cell]
    } else {
        None
    }
}

/// A value as shown: the status symbol, or the number (money from cents with two decimals).
fn display(m: &Measure, value: Option<i64>, status: Status) -> String {
    match (status, value) {
        (Status::Value, Some(v)) if m.is_money() => fmt_cents(v),
        (Status::Value, Some(v)) => fmt_int(v),
        (Status::Value, None) => Status::NotApplicable.symbol().to_string(),
        (s, _) => s.symbol().to_string(),
    }
}

/// Groups of three digits are separated by a no-break space in the report.
const GROUP: char = '\u{a0}';

/// An integer with a no-break space between groups of three digits.
fn fmt_int(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    format!("{sign}{}", grouped(v.unsigned_abs(), GROUP))
}

/// Cents as euros with two decimals (groups of thousands as in `fmt_int`).
fn fmt_cents(cents: i64) -> String {
    cents_text_grouped(cents, GROUP)
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use std::path::Path;

    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::regions::Classification;
    use crate::table::Dimension;

    pub(crate) fn codelists() -> Codelists {
        let dir = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/sample_data/classifications"
        ));
        let classification = Classification::load(dir, 2024).unwrap();
        Codelists::load(&classification, dir).unwrap()
    }

    fn all_formats() -> Vec<Format> {
        Format::DEFAULT.to_vec()
    }

    #[test]
    fn the_page_names_only_the_formats_written() {
        let note = |f: &[&str]| {
            let formats: Vec<Format> = f.iter().filter_map(|n| Format::from_name(n)).collect();
            let html = report_html(
                &sample_tables(),
                &codelists(),
                &info(),
                "",
                Some(4),
                &formats,
            );
            let start = html.find("not applicable. ").unwrap() + "not applicable. ".len();
            let end = start + html[start..].find("</span></p>").unwrap();
            html[start..end].to_string()
        };
        assert_eq!(
            note(&["jsonstat", "px", "parquet", "csv"]),
            "Every table is also published as <code>tables/&lt;id&gt;.csv</code>, .parquet, .px and JSON-stat."
        );
        assert_eq!(
            note(&["parquet", "jsonstat"]),
            "Every table is also published as <code>tables/&lt;id&gt;.parquet</code> and JSON-stat."
        );
        assert_eq!(
            note(&["jsonstat"]),
            "Every table is also published as JSON-stat."
        );
        assert_eq!(note(&[]), "");
    }

    pub(crate) fn info() -> PublicationInfo {
        PublicationInfo {
            period: "2024".into(),
            published_at: Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap(),
            software_version: "0.1.0".into(),
            parameters_sha256: "ab".repeat(32),
        }
    }

    fn dim(id: &'static str, codes: &[&str]) -> Dimension {
        Dimension {
            id,
            codes: codes.iter().map(|c| c.to_string()).collect(),
        }
    }

    fn persons(id: &'static str) -> Measure {
        Measure {
            id,
            unit: Unit::Persons,
        }
    }

    fn euros(id: &'static str) -> Measure {
        Measure {
            id,
            unit: Unit::EuroPerMonth,
        }
    }

    /// Fills counts with 100 + 7·cell and amounts with 500.00 € + 1.23 € · cell.
    fn fill(t: &mut Table) {
        for (m, measure) in t.measures.iter().enumerate() {
            for cell in 0..t.persons.len() {
                let v = if measure.is_money() {
                    50_000 + 123 * cell as i64
                } else {
                    100 + 7 * cell as i64
                };
                t.values[m][cell] = Some(v);
            }
        }
        for cell in 0..t.persons.len() {
            t.persons[cell] = 100 + 7 * cell as i64;
        }
    }

    /// Three small tables: the main one (with a suppressed and an NA cell), by area, time series.
    pub(crate) fn sample_tables() -> Vec<Table> {
        let mut main = Table::new(
            TableId::RecipientsByBenefitSexAge.id(),
            vec![
                dim("period", &["2024"]),
                dim("benefit", &["ALL", "NP", "NP_OLD", "GP"]),
                dim("sex", &["SSS", "1", "2"]),
                dim("age_group", &["SSS", "0-15", "65-69", "90-"]),
            ],
            vec![
                persons("recipients"),
                euros("mean_amount"),
                euros("median_amount"),
            ],
        );
        fill(&mut main);
        let c = main.index(&["2024", "GP", "1", "90-"]).unwrap();
        main.suppress(c);
        let c = main.index(&["2024", "ALL", "1", "90-"]).unwrap();
        main.suppress(c);
        let c = main.index(&["2024", "NP_OLD", "2", "0-15"]).unwrap();
        main.values[0][c] = Some(0);
        for m in 1..3 {
            main.values[m][c] = None;
            main.status[m][c] = Status::NotApplicable;
        }
        let mut area = Table::new(
            TableId::RecipientsByArea.id(),
            vec![
                dim("period", &["2024"]),
                dim(
                    "area",
                    &["ALL", "SSS", "MK01", "MK02", "HVA01", "KU091", "ABROAD"],
                ),
                dim("benefit", &["ALL", "NP"]),
                dim("sex", &["SSS", "1", "2"]),
            ],
            vec![persons("recipients"), euros("mean_amount")],
        );
        fill(&mut area);
        let mut ts = Table::new(
            TableId::TimeSeries.id(),
            vec![
                dim("period", &["2022", "2023", "2024"]),
                dim("benefit", &["ALL", "NP", "GP"]),
            ],
            vec![
                persons("recipients"),
                euros("mean_amount"),
                Measure {
                    id: "expenditure",
                    unit: Unit::Euro,
                },
            ],
        );
        fill(&mut ts);
        for cell in 0..ts.cells() {
            ts.values[2][cell] = None;
            ts.status[2][cell] = Status::NotApplicable;
        }
        vec![main, area, ts]
    }

    fn render() -> String {
        report_html(
            &sample_tables(),
            &codelists(),
            &info(),
            "rows read: 10\nrejected: 0 <none>",
            Some(4),
            &all_formats(),
        )
    }

    #[test]
    fn report_has_every_table_charts_and_no_network_references() {
        let html = render();
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"fi\">"));
        for t in sample_tables() {
            assert!(
                html.contains(&format!("<section id=\"{}\"", t.id)),
                "{}",
                t.id
            );
        }
        for chart in [
            "chart-recipients-by-benefit",
            "chart-mean-by-benefit",
            "chart-pyramid",
            "chart-regions",
            "chart-time-series-recipients",
            "chart-time-series-mean",
        ] {
            assert!(
                html.contains(&format!("<figure id=\"{chart}\">")),
                "{chart}"
            );
        }
        assert!(html.contains("<svg"));
        assert!(html.contains("id=\"headline\""));
        assert!(html.contains("lang=\"en\""));
        assert!(html.contains("<caption>"));
        assert!(!html.contains("http://") && !html.contains("https://"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("<link"));
        // Quality text is escaped.
        assert!(html.contains("rejected: 0 &lt;none&gt;"));
        // No expenditure in the time series: said so rather than drawn.
        assert!(html.contains("id=\"chart-time-series-expenditure\""));
        assert!(!html.contains("<figure id=\"chart-time-series-expenditure\""));
    }

    #[test]
    fn symbols_and_money_are_shown_as_published() {
        let html = render();
        assert!(html.contains("<td class=\"n\">..</td>"));
        assert!(html.contains("<td class=\"n\">.</td>"));
        // The first cell of the main table: 100 persons, 500.00 €.
        assert!(html.contains(
            "<td class=\"n\">100</td><td class=\"n\">500.00</td><td class=\"n\">500.00</td>"
        ));
        assert_eq!(fmt_cents(123_456_789), "1\u{a0}234\u{a0}567.89");
        assert_eq!(fmt_cents(-5), "-0.05");
        assert_eq!(fmt_cents(0), "0.00");
        assert_eq!(fmt_int(1_000), "1\u{a0}000");
        assert_eq!(fmt_int(-999), "-999");
        let m = euros("mean_amount");
        assert_eq!(display(&m, None, Status::Confidential), "..");
        assert_eq!(display(&m, None, Status::NotApplicable), ".");
        assert_eq!(display(&m, Some(1051), Status::Value), "10.51");
    }

    #[test]
    fn large_tables_are_filtered_to_the_sex_total_and_say_so() {
        let codes: Vec<String> = (0..800).map(|i| format!("KU{i:03}")).collect();
        let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
        let mut t = Table::new(
            TableId::RecipientsByArea.id(),
            vec![
                dim("period", &["2024"]),
                dim("area", &codes),
                dim("sex", &["SSS", "1", "2"]),
            ],
            vec![persons("recipients")],
        );
        fill(&mut t);
        let html = report_html(&[t], &codelists(), &info(), "", Some(4), &all_formats());
        assert!(html.contains("Shown for"));
        let section = &html[html.find("<section id=\"recipients_by_area\"").unwrap()..];
        assert_eq!(section.matches("<tr>").count(), 1 + 800);
        // Missing tables: still a page, with no charts.
        assert!(html.contains("recipients_by_benefit_sex_age is missing"));
    }

    #[test]
    fn pyramid_has_men_left_and_women_right_oldest_on_top() {
        let html = render();
        let fig = &html[html.find("<figure id=\"chart-pyramid\">").unwrap()..];
        let fig = &fig[..fig.find("</figure>").unwrap()];
        let label = |age: &str| format!(">{}<", esc(&codelists().code("age_group", age).fi));
        let oldest = fig.find(&label("90-")).unwrap();
        let youngest = fig.find(&label("0-15")).unwrap();
        assert!(oldest < youngest);
        // Men in blue, women in orange (the colours of reports/chart.html.j2).
        assert!(fig.contains("#1f5f8b") && fig.contains("#c2410c"));
        // The suppressed men 90- cell is shown by its symbol.
        assert!(fig.contains(">..</text>"));
    }

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(0.0), 1.0);
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(1200.0), 2000.0);
        assert_eq!(nice_step(0.3), 0.5);
    }
}
