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
use crate::table::{Measure, Status, Table};

mod charts;
mod tables;

use charts::{benefit_charts, pyramid_chart, region_chart, time_series_charts, Chart};
use tables::{table_view, TableView};

/// Benefit codes that are kinds or phases of another code (indented in charts, not headlined).
const SUB_BENEFITS: [&str; 6] = [
    "NP_OLD", "NP_EARLY", "NP_DIS", "NP_REHAB", "SP_INIT", "SP_CONT",
];

/// The templates, from `reports/`.
const TEMPLATES: [(&str, &str); 4] = [
    (
        "report.html.j2",
        include_str!("../../../reports/report.html.j2"),
    ),
    ("report.css", include_str!("../../../reports/report.css")),
    (
        "chart.html.j2",
        include_str!("../../../reports/chart.html.j2"),
    ),
    (
        "table.html.j2",
        include_str!("../../../reports/table.html.j2"),
    ),
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
    use crate::table::{Dimension, Unit};

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
        Measure::new(id, Unit::Persons)
    }

    fn euros(id: &'static str) -> Measure {
        Measure::new(id, Unit::EuroPerMonth)
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
                Measure::new("expenditure", Unit::Euro),
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
}
