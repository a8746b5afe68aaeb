//! `report.html` (publication.md, "Files of one publication"): one self-contained page, readable
//! without any other file and without network access: inline CSS, inline SVG charts, no scripts.
//!
//! Layout: header (title, publication facts) → contents → headline figures (cards per main
//! benefit) → charts (recipients and mean amount by benefit, age-and-sex pyramid, recipients by
//! region, time series) → every table as an HTML table → symbols → quality summary.
//! The output depends only on the inputs: the same tables give the same bytes.
use std::fmt::Write as _;

use super::{PublicationInfo, SOURCE_EN, SOURCE_FI};
use crate::catalog::{Format, TableId};
use crate::labels::{Codelists, Labels};
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

const COLOUR_BAR: &str = "#1f5f8b";
const COLOUR_MEN: &str = "#1f5f8b";
const COLOUR_WOMEN: &str = "#c2410c";
const COLOUR_SERIES: [&str; 3] = ["#1f5f8b", "#c2410c", "#2e7d32"];
const COLOUR_TEXT: &str = "#1a1a1a";
const COLOUR_GRID: &str = "#d0d0d0";

const CSS: &str = "\
:root{color-scheme:light}
body{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,sans-serif;color:#1a1a1a;background:#fff;margin:0;line-height:1.45}
header,nav,main,footer{max-width:68rem;margin:0 auto;padding:0 1rem}
header{padding-top:1.5rem;border-bottom:3px solid #1f5f8b}
h1{margin:0 0 .2rem;font-size:1.9rem}
h2{margin-top:2.2rem;border-bottom:1px solid #ccc;padding-bottom:.2rem}
h3{margin:1.6rem 0 .3rem}
.en{color:#444;font-weight:normal}
h1 .en,h2 .en,h3 .en{font-size:.8em}
.meta{font-size:.9rem;color:#333}
.meta code{word-break:break-all}
nav ul{columns:2;padding-left:1.2rem;font-size:.95rem}
a{color:#1f5f8b}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr));gap:.8rem}
.card{border:1px solid #ccc;border-radius:6px;padding:.6rem .8rem;background:#f7f9fb}
.card h3{margin:0 0 .3rem;font-size:1.05rem}
.card dl{margin:0}
.card dt{font-size:.85rem;color:#333}
.card dd{margin:0 0 .3rem;font-size:1.35rem;font-weight:bold;font-variant-numeric:tabular-nums}
figure{margin:1.2rem 0;padding:.6rem;border:1px solid #ddd;border-radius:6px}
figcaption{font-weight:bold;margin-bottom:.4rem}
figure svg{display:block;width:100%;height:auto;max-width:48rem}
svg text{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,Arial,sans-serif;font-size:12px}
.scroll{max-height:36rem;overflow:auto;border:1px solid #ddd}
table{border-collapse:collapse;font-size:.9rem}
caption{text-align:left;font-weight:bold;padding:.4rem}
th,td{padding:.15rem .5rem;border-bottom:1px solid #e4e4e4;vertical-align:top}
thead th{position:sticky;top:0;background:#e9eef3;text-align:left;border-bottom:2px solid #999}
tbody th{text-align:left;font-weight:normal}
tbody tr:nth-child(even){background:#f6f6f6}
.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.note{font-size:.9rem;color:#333}
.warning{border:2px solid #b00;background:#fee;padding:.5rem}
pre{white-space:pre-wrap;background:#f6f6f6;border:1px solid #ddd;padding:.6rem;font-size:.85rem}
footer{margin-top:2rem;padding-bottom:2rem;border-top:1px solid #ccc;font-size:.85rem;color:#333}
@media print{.scroll{max-height:none;overflow:visible}thead th{position:static}}
";

/// "Every table is also published as …", naming the formats written, in the order of
/// `Format::ALL`: `tables/<id>.csv, .parquet, .px and JSON-stat` when all are.
fn formats_note(formats: &[Format]) -> String {
    let names: Vec<&str> = Format::ALL
        .iter()
        .filter(|f| formats.contains(f))
        .map(|f| match f {
            Format::Csv => ".csv",
            Format::Parquet => ".parquet",
            Format::Px => ".px",
            Format::JsonStat => "JSON-stat",
            Format::Sdmx => "SDMX-CSV",
        })
        .collect();
    let mut items: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    if let Some(first) = items.first_mut() {
        if first.starts_with('.') {
            *first = format!("<code>tables/&lt;id&gt;{first}</code>");
        }
    }
    let list = match items.split_last() {
        None => return String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    };
    format!("Every table is also published as {list}.")
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
    let mut h = String::with_capacity(1 << 20);
    let period = esc(&info.period);
    let published = info.published_at.format("%Y-%m-%d %H:%M UTC").to_string();
    h.push_str("<!DOCTYPE html>\n<html lang=\"fi\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(
        h,
        "<meta name=\"generator\" content=\"kelastat {}\">",
        esc(&info.software_version)
    );
    let _ = writeln!(
        h,
        "<title>Kelan eläketilasto {period} – Kela pension statistics {period}</title>"
    );
    let _ = writeln!(h, "<style>\n{CSS}</style>\n</head>\n<body>");

    // Header.
    let _ = writeln!(
        h,
        "<header>\n<h1>Kelan eläketilasto {period} <span class=\"en\" lang=\"en\">Kela pension statistics {period}</span></h1>"
    );
    let _ = writeln!(
        h,
        "<p class=\"meta\">Tilastointijakso <span lang=\"en\">(reference period)</span>: <strong>{period}</strong> · \
         Julkaistu <span lang=\"en\">(published)</span>: {published} · \
         Lähde: {} <span lang=\"en\">(source: {})</span> · \
         Ohjelmisto <span lang=\"en\">(software)</span>: kelastat {} · \
         Parametrit <span lang=\"en\">(parameters)</span> SHA-256: <code>{}</code></p>\n</header>",
        esc(SOURCE_FI),
        esc(SOURCE_EN),
        esc(&info.software_version),
        esc(&info.parameters_sha256),
    );

    // Contents.
    h.push_str("<nav aria-label=\"Sisällys / Contents\">\n<h2>Sisällys <span class=\"en\" lang=\"en\">Contents</span></h2>\n<ul>\n");
    h.push_str("<li><a href=\"#headline\">Keskeiset luvut <span lang=\"en\">(key figures)</span></a></li>\n");
    h.push_str("<li><a href=\"#charts\">Kuviot <span lang=\"en\">(charts)</span></a></li>\n");
    for t in tables {
        let title = codelists.table_title(t.id);
        let _ = writeln!(
            h,
            "<li><a href=\"#{id}\">{} <span lang=\"en\">({})</span></a></li>",
            esc(&title.fi),
            esc(&title.en),
            id = esc(t.id)
        );
    }
    h.push_str("<li><a href=\"#symbols\">Symbolit <span lang=\"en\">(symbols)</span></a></li>\n");
    h.push_str("<li><a href=\"#quality\">Laatu <span lang=\"en\">(quality)</span></a></li>\n</ul>\n</nav>\n<main>\n");

    confidentiality_note(&mut h, min_persons);
    let main = find(tables, TableId::RecipientsByBenefitSexAge.id());
    headline(&mut h, main, codelists, info);

    h.push_str(
        "<section id=\"charts\">\n<h2>Kuviot <span class=\"en\" lang=\"en\">Charts</span></h2>\n",
    );
    benefit_charts(&mut h, main, codelists, info);
    pyramid_chart(&mut h, main, codelists, info);
    region_chart(
        &mut h,
        find(tables, TableId::RecipientsByArea.id()),
        codelists,
        info,
    );
    time_series_charts(&mut h, find(tables, TableId::TimeSeries.id()), codelists);
    h.push_str("</section>\n");

    h.push_str(
        "<section id=\"tables\">\n<h2>Taulukot <span class=\"en\" lang=\"en\">Tables</span></h2>\n",
    );
    h.push_str(
        "<p class=\"note\">Rahamäärät euroina kahdella desimaalilla, henkilömäärät kokonaislukuina; \
         <code>..</code> = salassa pidettävä, <code>.</code> = ei sovellu. \
         <span lang=\"en\">Amounts in euros with two decimals, persons as integers; \
         <code>..</code> = confidential, <code>.</code> = not applicable. ",
    );
    h.push_str(&formats_note(formats));
    h.push_str("</span></p>\n");
    for t in tables {
        table_section(&mut h, t, codelists);
    }
    h.push_str("</section>\n");

    h.push_str(
        "<section id=\"symbols\">\n<h2>Symbolit ja käsitteet <span class=\"en\" lang=\"en\">Symbols and concepts</span></h2>\n\
         <dl>\n<dt><code>..</code></dt><dd>Salassa pidettävä: alle vähimmäismäärän henkilöitä, tai suojattu toissijaisesti. \
         <span lang=\"en\">Confidential: fewer persons than the minimum, or protected secondarily (one symbol for both).</span></dd>\n\
         <dt><code>.</code></dt><dd>Ei sovellu (esim. keskiarvo, kun saajia on 0). \
         <span lang=\"en\">Not applicable (e.g. a mean when there are 0 recipients).</span></dd>\n\
         <dt><code>SSS</code></dt><dd>Yhteensä. <span lang=\"en\">Total.</span></dd>\n\
         <dt>Saaja <span lang=\"en\">(recipient)</span></dt><dd>Henkilö, jolle etuutta maksettiin säännöllisenä maksuna viitekuukaudelta. \
         <span lang=\"en\">A person paid the benefit as a regular payment for the reference month; the amount is the sum of those payments.</span></dd>\n\
         </dl>\n</section>\n",
    );

    h.push_str(
        "<section id=\"quality\">\n<h2>Laatu <span class=\"en\" lang=\"en\">Quality</span></h2>\n",
    );
    if quality_summary.trim().is_empty() {
        h.push_str("<p>Ei laatuyhteenvetoa. <span lang=\"en\">No quality summary.</span></p>\n");
    } else {
        let _ = writeln!(
            h,
            "<pre lang=\"en\">{}</pre>",
            esc(quality_summary.trim_end())
        );
    }
    h.push_str("</section>\n</main>\n");
    let _ = writeln!(
        h,
        "<footer>\n<p>Lähde: {} · <span lang=\"en\">Source: {}</span> · Lisenssi <span lang=\"en\">(licence)</span>: CC BY 4.0 \
         (Creative Commons Nimeä 4.0 / Attribution 4.0 International). \
         Koneluettavat tiedostot <span lang=\"en\">(machine-readable files)</span>: <code>datapackage.json</code>, <code>codelists.csv</code>, <code>tables/</code>.</p>\n</footer>\n</body>\n</html>",
        esc(SOURCE_FI),
        esc(SOURCE_EN)
    );
    h
}

// ---------------------------------------------------------------- confidentiality

/// What the symbol `..` hides and why, under the header; a publication protected by nothing
/// (threshold 1) says so in a warning.
fn confidentiality_note(h: &mut String, min_persons: Option<i64>) {
    let Some(n) = min_persons else {
        return;
    };
    if n <= 1 {
        let _ = writeln!(
            h,
            "<p class=\"warning\" role=\"alert\"><strong>Varoitus: tietosuojaa ei ole sovellettu \
             (min_persons = {n}).</strong> Pienetkin solut julkaistaan sellaisinaan. \
             <span lang=\"en\"><strong>Warning: no disclosure control (min_persons = {n}).</strong> \
             Cells of one or a few persons are published as they are: this publication is not protected.</span></p>"
        );
        return;
    }
    let _ = writeln!(
        h,
        "<p class=\"note\" id=\"confidentiality\">Tietosuoja: solut, joissa on alle {n} henkilöä (1–{m}), \
         sekä solut, joista ne voisi päätellä (esim. summa miinus muut osat), on salattu (<code>..</code>). \
         Pienessä aineistossa useimmat tai kaikki luvut ovat salattuja. \
         <span lang=\"en\">Confidentiality: cells of fewer than {n} persons (1 to {m}), and the cells \
         from which they could be worked out (e.g. a total minus the other parts), are hidden \
         (<code>..</code>), with their amounts. With few persons, most or all figures are hidden.</span></p>",
        m = n - 1
    );
}

// ---------------------------------------------------------------- headline figures

fn headline(h: &mut String, main: Option<&Table>, codelists: &Codelists, info: &PublicationInfo) {
    h.push_str("<section id=\"headline\">\n<h2>Keskeiset luvut <span class=\"en\" lang=\"en\">Key figures</span></h2>\n");
    let Some(t) = main else {
        h.push_str("<p>Taulukko recipients_by_benefit_sex_age puuttuu. <span lang=\"en\">The table recipients_by_benefit_sex_age is missing.</span></p>\n</section>\n");
        return;
    };
    let period = table_period(t, &info.period);
    let _ = writeln!(
        h,
        "<p class=\"note\">Saajat ja keskimääräinen maksu viitekuukaudelta, kaikki sukupuolet ja iät, {p}. \
         <span lang=\"en\">Recipients and mean amount for the reference month, both sexes and all ages, {p}.</span></p>",
        p = esc(&period)
    );
    h.push_str("<div class=\"cards\">\n");
    let measures: Vec<usize> = ["recipients", "mean_amount"]
        .iter()
        .filter_map(|m| t.measure(m))
        .collect();
    for b in codes_of(t, "benefit") {
        if SUB_BENEFITS.contains(&b) {
            continue;
        }
        let Some(cell) = lookup(
            t,
            &[
                ("period", &period),
                ("benefit", b),
                ("sex", "SSS"),
                ("age_group", "SSS"),
            ],
        ) else {
            continue;
        };
        let l = codelists.code("benefit", b);
        let _ = write!(
            h,
            "<div class=\"card\">\n<h3>{} <span class=\"en\" lang=\"en\">{}</span></h3>\n<dl>\n",
            esc(&l.fi),
            esc(&l.en)
        );
        for &m in &measures {
            let measure = &t.measures[m];
            let ml = codelists.measure(measure.id);
            let _ = writeln!(
                h,
                "<dt>{} <span lang=\"en\">({})</span></dt><dd>{}</dd>",
                esc(&ml.fi),
                esc(&ml.en),
                display(measure, t.values[m][cell], t.status[m][cell]),
            );
        }
        h.push_str("</dl>\n</div>\n");
    }
    h.push_str("</div>\n</section>\n");
}

// ---------------------------------------------------------------- charts

fn benefit_charts(
    h: &mut String,
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
                let cell = lookup(
                    t,
                    &[
                        ("period", &period),
                        ("benefit", b),
                        ("sex", "SSS"),
                        ("age_group", "SSS"),
                    ],
                )?;
                Some(Bar {
                    label: codelists.code("benefit", b).fi,
                    indent: SUB_BENEFITS.contains(&b),
                    value: value_of(t, m, cell),
                    text: display(&t.measures[m], t.values[m][cell], t.status[m][cell]),
                })
            })
            .collect();
        let caption = format!("{fi}, {p}", p = period);
        let caption_en = format!("{en}, {p} (both sexes, all ages)", p = period);
        figure(
            h,
            id,
            &caption,
            &caption_en,
            &hbar_svg(id, &format!("{caption} / {caption_en}"), &bars),
        );
    }
}

fn pyramid_chart(
    h: &mut String,
    main: Option<&Table>,
    codelists: &Codelists,
    info: &PublicationInfo,
) {
    let Some(t) = main else { return };
    let Some(m) = t.measure("recipients") else {
        return;
    };
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
        return;
    }
    let id = "chart-pyramid";
    let fi = format!("Saajat iän ja sukupuolen mukaan, kaikki etuudet, {period}");
    let en = format!("Recipients by age and sex, any benefit (ALL), {period}");
    let men = codelists.code("sex", "1");
    let women = codelists.code("sex", "2");
    let svg = pyramid_svg(
        id,
        &format!("{fi} / {en}"),
        &rows,
        (&men.fi, &men.en),
        (&women.fi, &women.en),
    );
    figure(h, id, &fi, &en, &svg);
}

fn region_chart(
    h: &mut String,
    area: Option<&Table>,
    codelists: &Codelists,
    info: &PublicationInfo,
) {
    let Some(t) = area else { return };
    let Some(m) = t.measure("recipients") else {
        return;
    };
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
        return;
    }
    // Largest first; suppressed last; ties keep the code order (a stable sort).
    bars.sort_by_key(|b| std::cmp::Reverse(b.value.map_or(i64::MIN, |v| v)));
    let id = "chart-regions";
    let fi = format!("Saajat maakunnittain, kaikki etuudet, {period}");
    let en = format!("Recipients by region, any benefit (ALL), both sexes, {period}");
    let svg = hbar_svg(id, &format!("{fi} / {en}"), &bars);
    figure(h, id, &fi, &en, &svg);
}

fn time_series_charts(h: &mut String, ts: Option<&Table>, codelists: &Codelists) {
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
                let _ = writeln!(
                    h,
                    "<p class=\"note\" id=\"{id}\">{fi}: kaikki luvut ovat salattuja (<code>..</code>). <span lang=\"en\">{en}: every figure is confidential (<code>..</code>).</span></p>"
                );
            } else if measure == "expenditure" {
                let _ = writeln!(
                    h,
                    "<p class=\"note\" id=\"{id}\">Menoja ei julkaista (ei maksurekisteriä). <span lang=\"en\">No expenditure is published (no payments register).</span></p>"
                );
            }
            continue;
        }
        let money = t.measures[m].is_money();
        let svg = line_svg(id, &format!("{fi} / {en}"), &periods, &series, money);
        figure(h, id, fi, en, &svg);
    }
}

fn figure(h: &mut String, id: &str, fi: &str, en: &str, svg: &str) {
    let _ = writeln!(
        h,
        "<figure id=\"{id}\">\n<figcaption>{} <span class=\"en\" lang=\"en\">{}</span></figcaption>\n{svg}</figure>",
        esc(fi),
        esc(en)
    );
}

struct Bar {
    label: String,
    indent: bool,
    /// The bar's length in the measure's unit (persons, cents); `None`: no value (symbol shown).
    value: Option<i64>,
    text: String,
}

/// Horizontal bars with the label left and the value (or symbol) right of each bar.
fn hbar_svg(id: &str, title: &str, bars: &[Bar]) -> String {
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
    let mut s = svg_open(id, title, W, height);
    for (i, b) in bars.iter().enumerate() {
        let y = TOP + ROW * i as f64;
        let len = b.value.map_or(0.0, |v| (v.max(0) as f64) / max * (X1 - X0));
        let label_x = X0 - 8.0;
        let label = if b.indent {
            format!("– {}", shorten(&b.label, 40))
        } else {
            shorten(&b.label, 42)
        };
        let _ = writeln!(
            s,
            "<g><title>{}: {}</title><text x=\"{label_x:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"{COLOUR_TEXT}\">{}</text>\
             <rect x=\"{X0:.1}\" y=\"{:.1}\" width=\"{len:.1}\" height=\"15\" fill=\"{COLOUR_BAR}\"{}/>\
             <text x=\"{:.1}\" y=\"{:.1}\" fill=\"{COLOUR_TEXT}\">{}</text></g>",
            esc(&b.label),
            esc(&b.text),
            y + 15.0,
            esc(&label),
            y + 3.5,
            if b.indent { " fill-opacity=\"0.6\"" } else { "" },
            X0 + len + 6.0,
            y + 15.0,
            esc(&b.text),
        );
    }
    let _ = writeln!(
        s,
        "<line x1=\"{X0:.1}\" y1=\"{TOP:.1}\" x2=\"{X0:.1}\" y2=\"{:.1}\" stroke=\"{COLOUR_TEXT}\"/>",
        height - TOP
    );
    s.push_str("</svg>\n");
    s
}

struct PyramidRow {
    label: String,
    men: (Option<i64>, String),
    women: (Option<i64>, String),
}

/// Men to the left, women to the right of a centre column of age groups (oldest on top).
fn pyramid_svg(
    id: &str,
    title: &str,
    rows: &[PyramidRow],
    men: (&str, &str),
    women: (&str, &str),
) -> String {
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
    let mut s = svg_open(id, title, W, height);
    let _ = writeln!(
        s,
        "<text x=\"{:.1}\" y=\"16\" text-anchor=\"end\" font-weight=\"bold\" fill=\"{COLOUR_MEN}\">{} / {}</text>\
         <text x=\"{:.1}\" y=\"16\" font-weight=\"bold\" fill=\"{COLOUR_WOMEN}\">{} / {}</text>",
        CX - HALF,
        esc(men.0),
        esc(men.1),
        CX + HALF,
        esc(women.0),
        esc(women.1)
    );
    for (i, r) in rows.iter().enumerate() {
        let y = TOP + ROW * i as f64;
        let lm = r.men.0.map_or(0.0, |v| v.max(0) as f64 / max * ROOM);
        let lw = r.women.0.map_or(0.0, |v| v.max(0) as f64 / max * ROOM);
        let _ = writeln!(
            s,
            "<g><title>{label}: {} {}, {} {}</title>\
             <rect x=\"{:.1}\" y=\"{:.1}\" width=\"{lm:.1}\" height=\"14\" fill=\"{COLOUR_MEN}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"{COLOUR_TEXT}\">{}</text>\
             <text x=\"{CX:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{COLOUR_TEXT}\">{label}</text>\
             <rect x=\"{:.1}\" y=\"{:.1}\" width=\"{lw:.1}\" height=\"14\" fill=\"{COLOUR_WOMEN}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" fill=\"{COLOUR_TEXT}\">{}</text></g>",
            esc(men.0),
            esc(&r.men.1),
            esc(women.0),
            esc(&r.women.1),
            CX - HALF - lm,
            y + 2.0,
            CX - HALF - lm - 5.0,
            y + 13.5,
            esc(&r.men.1),
            y + 13.5,
            CX + HALF,
            y + 2.0,
            CX + HALF + lw + 5.0,
            y + 13.5,
            esc(&r.women.1),
            label = esc(&r.label),
        );
    }
    s.push_str("</svg>\n");
    s
}

struct Series {
    label: String,
    /// One per period: the plotted value and its display text.
    points: Vec<(Option<i64>, String)>,
}

/// Lines over periods, with a legend, y grid and a marker (with its value) at every point.
fn line_svg(id: &str, title: &str, periods: &[&str], series: &[Series], money: bool) -> String {
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
    let mut s = svg_open(id, title, W, H);
    // Legend.
    let mut lx = LEFT;
    for (k, se) in series.iter().enumerate() {
        let c = COLOUR_SERIES[k % COLOUR_SERIES.len()];
        let _ = writeln!(
            s,
            "<line x1=\"{lx:.1}\" y1=\"14\" x2=\"{:.1}\" y2=\"14\" stroke=\"{c}\" stroke-width=\"3\"/><text x=\"{:.1}\" y=\"18\" fill=\"{COLOUR_TEXT}\">{}</text>",
            lx + 22.0,
            lx + 28.0,
            esc(&se.label)
        );
        lx += 40.0 + 7.0 * se.label.chars().count() as f64;
    }
    // Grid and y ticks.
    let ticks = (top_tick / step).round() as usize;
    for k in 0..=ticks {
        let v = step * k as f64;
        let y = y_of(v);
        let label = if step >= 1.0 {
            fmt_int(v.round() as i64)
        } else {
            format!("{v:.2}")
        };
        let _ = writeln!(
            s,
            "<line x1=\"{LEFT:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{COLOUR_GRID}\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"{COLOUR_TEXT}\">{label}</text>",
            W - RIGHT,
            LEFT - 6.0,
            y + 4.0
        );
    }
    // X labels.
    for (i, p) in periods.iter().enumerate() {
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{COLOUR_TEXT}\">{}</text>",
            x_of(i),
            H - BOTTOM + 18.0,
            esc(p)
        );
    }
    // Lines (broken where a value is missing) and markers.
    for (k, se) in series.iter().enumerate() {
        let c = COLOUR_SERIES[k % COLOUR_SERIES.len()];
        let mut d = String::new();
        let mut pen_down = false;
        for (i, p) in se.points.iter().enumerate() {
            match p.0 {
                Some(v) => {
                    let _ = write!(
                        d,
                        "{}{:.1},{:.1} ",
                        if pen_down { "L" } else { "M" },
                        x_of(i),
                        y_of(v as f64 / unit)
                    );
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        if !d.is_empty() {
            let _ = writeln!(
                s,
                "<path d=\"{}\" fill=\"none\" stroke=\"{c}\" stroke-width=\"2.5\"/>",
                d.trim_end()
            );
        }
        for (i, p) in se.points.iter().enumerate() {
            if let Some(v) = p.0 {
                let _ = writeln!(
                    s,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"{c}\"><title>{} {}: {}</title></circle>",
                    x_of(i),
                    y_of(v as f64 / unit),
                    esc(&se.label),
                    esc(periods[i]),
                    esc(&p.1)
                );
            }
        }
    }
    let _ = writeln!(
        s,
        "<line x1=\"{LEFT:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{COLOUR_TEXT}\"/>",
        H - BOTTOM,
        W - RIGHT,
        H - BOTTOM
    );
    s.push_str("</svg>\n");
    s
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

fn svg_open(id: &str, title: &str, w: f64, h: f64) -> String {
    format!(
        "<svg viewBox=\"0 0 {w:.0} {h:.0}\" width=\"{w:.0}\" height=\"{h:.0}\" role=\"img\" aria-labelledby=\"{id}-title\">\n<title id=\"{id}-title\">{}</title>\n",
        esc(title)
    )
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

fn table_section(h: &mut String, t: &Table, codelists: &Codelists) {
    let title = codelists.table_title(t.id);
    let _ = writeln!(
        h,
        "<section id=\"{id}\" aria-labelledby=\"{id}-heading\">\n<h3 id=\"{id}-heading\">{} <span class=\"en\" lang=\"en\">{}</span></h3>",
        esc(&title.fi),
        esc(&title.en),
        id = esc(t.id)
    );
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
    let _ = writeln!(
        h,
        "<p class=\"note\">Tunnus <span lang=\"en\">(id)</span>: <code>{id}</code> · {} riviä <span lang=\"en\">(rows)</span> · tiedosto <span lang=\"en\">(file)</span>: <code>tables/{id}.csv</code></p>",
        fmt_int(t.cells() as i64),
        id = esc(t.id)
    );
    for &d in &filtered {
        let dim = &t.dimensions[d];
        let dl = codelists.dimension(dim.id);
        let total = codelists.code(dim.id, "SSS");
        let _ = writeln!(
            h,
            "<p class=\"note\"><strong>Näytetään vain {}: {} (SSS)</strong>; kaikki rivit ovat tiedostossa. \
             <span lang=\"en\"><strong>Shown for {}: {} (SSS) only</strong>; the file has every row ({} rows shown of {}).</span></p>",
            esc(&dl.fi),
            esc(&total.fi),
            esc(&dl.en),
            esc(&total.en),
            fmt_int(rows(&shown) as i64),
            fmt_int(t.cells() as i64)
        );
    }
    // "dimension: code" of each dimension shown at one code, in one language.
    let fixed_in = |language: fn(Labels) -> String| -> Vec<String> {
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
            .collect()
    };
    let fixed_text = fixed_in(|l| l.fi);
    let fixed_text_en = fixed_in(|l| l.en);
    let total_rows = rows(&shown);
    // A big table is folded away (one click shows it), so that the page reads as a report.
    let folded = total_rows > FOLD_ROWS;
    if folded {
        let _ = writeln!(
            h,
            "<details>\n<summary>Näytä taulukko ({} riviä) <span lang=\"en\">Show the table ({} rows)</span></summary>",
            fmt_int(total_rows as i64),
            fmt_int(total_rows as i64)
        );
    }
    let _ = write!(
        h,
        "<div class=\"scroll\" tabindex=\"0\">\n<table>\n<caption>{}",
        esc(&title.fi)
    );
    if !fixed_text.is_empty() {
        let _ = write!(h, " ({})", esc(&fixed_text.join(", ")));
    }
    let _ = write!(h, " <span class=\"en\" lang=\"en\">{}", esc(&title.en));
    if !fixed_text_en.is_empty() {
        let _ = write!(h, " ({})", esc(&fixed_text_en.join(", ")));
    }
    h.push_str("</span></caption>\n<thead><tr>");
    for &d in &columns {
        let dl = codelists.dimension(t.dimensions[d].id);
        let _ = write!(
            h,
            "<th scope=\"col\">{}<br><span class=\"en\" lang=\"en\">{}</span></th>",
            esc(&dl.fi),
            esc(&dl.en)
        );
    }
    for m in &t.measures {
        let ml = codelists.measure(m.id);
        let unit = codelists.unit(m.unit);
        // Money labels carry their unit ("…, €/kk"); others get it added.
        let with_unit = |label: &str, unit: &str| {
            if label.contains('€') || label.contains("EUR") || m.unit == Unit::Persons {
                esc(label)
            } else {
                format!("{}, {}", esc(label), esc(unit))
            }
        };
        let _ = write!(
            h,
            "<th scope=\"col\" class=\"n\">{}<br><span class=\"en\" lang=\"en\">{}</span></th>",
            with_unit(&ml.fi, &unit.fi),
            with_unit(&ml.en, &unit.en)
        );
    }
    h.push_str("</tr></thead>\n<tbody>\n");

    // Labels of every code, computed once per table.
    let labels: Vec<Vec<String>> = t
        .dimensions
        .iter()
        .map(|d| {
            d.codes
                .iter()
                .map(|c| esc(&codelists.code(d.id, c).fi))
                .collect()
        })
        .collect();
    let strides: Vec<usize> = (0..t.dimensions.len())
        .map(|d| {
            t.dimensions[d + 1..]
                .iter()
                .map(|x| x.codes.len())
                .product()
        })
        .collect();
    let mut position = vec![0usize; t.dimensions.len()];
    for _ in 0..total_rows {
        let cell: usize = (0..t.dimensions.len())
            .map(|d| shown[d][position[d]] * strides[d])
            .sum();
        h.push_str("<tr>");
        for (k, &d) in columns.iter().enumerate() {
            let label = &labels[d][shown[d][position[d]]];
            if k == 0 {
                let _ = write!(h, "<th scope=\"row\">{label}</th>");
            } else {
                let _ = write!(h, "<td>{label}</td>");
            }
        }
        for (m, measure) in t.measures.iter().enumerate() {
            let _ = write!(
                h,
                "<td class=\"n\">{}</td>",
                display(measure, t.values[m][cell], t.status[m][cell])
            );
        }
        h.push_str("</tr>\n");
        // Next combination, last dimension fastest.
        for d in (0..t.dimensions.len()).rev() {
            position[d] += 1;
            if position[d] < shown[d].len() {
                break;
            }
            position[d] = 0;
        }
    }
    h.push_str("</tbody>\n</table>\n</div>\n");
    if folded {
        h.push_str("</details>\n");
    }
    h.push_str("</section>\n");
}

// ---------------------------------------------------------------- helpers

fn find<'a>(tables: &'a [Table], id: &str) -> Option<&'a Table> {
    tables.iter().find(|t| t.id == id)
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

/// An integer with a no-break space between groups of three digits.
fn fmt_int(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::new();
    if v < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('\u{a0}');
        }
        out.push(ch);
    }
    out
}

/// Cents as euros with two decimals (groups of thousands as in `fmt_int`).
fn fmt_cents(cents: i64) -> String {
    let abs = cents.unsigned_abs();
    let euros = fmt_int((abs / 100) as i64);
    format!(
        "{}{euros}.{:02}",
        if cents < 0 { "-" } else { "" },
        abs % 100
    )
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
            formats_note(&formats)
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
            "recipients_by_benefit_sex_age",
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
            "recipients_by_area",
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
            "time_series",
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
            "recipients_by_area",
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
        assert!(fig.contains(COLOUR_MEN) && fig.contains(COLOUR_WOMEN));
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
