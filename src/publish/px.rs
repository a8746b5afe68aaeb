//! The PX writer (PC-Axis, AXIS-VERSION 2013): no crate exists, so it is ours.
//!
//! One file per table, trilingual (`LANGUAGE="fi"`, `LANGUAGES="fi","sv","en"`): the table's
//! dimensions are the STUB (in table order, so data row `i` is cell `i`), and the measures are
//! the one HEADING variable, the content variable (`CONTVARIABLE`) with `UNITS`,
//! `LAST-UPDATED` and `PRECISION` per measure. Every language-dependent keyword is followed
//! directly by its `[sv]` and `[en]` versions (the order pyaxis needs to pair translations).
//!
//! Format rules kept here (PX-file format specification, AXIS-VERSION 2013):
//! - texts are quoted and cannot contain `"` (replaced by `'`), nor line breaks;
//! - no line is longer than 256 bytes: lists break after a comma, a long text continues
//!   as another quoted string on the next line (readers concatenate them), and a value
//!   name in `VALUES` or a sub-key is never split (labels here are far shorter);
//! - `VALUES` and `CODES` of a variable have the same length and unique entries
//!   (a label that two codes share gets its code appended, e.g. `Ahvenanmaa (MK21)`);
//! - `DATA` holds one line per cell: integers for counts, two decimals for amounts, and
//!   `".."` (DATASYMBOL2, confidential) and `"."` (DATASYMBOL1, not applicable) for cells
//!   without a value; every data line ends with a space, and the closing `;` stands alone.
use std::collections::HashMap;

use super::{PublicationInfo, SOURCE_EN, SOURCE_FI, SOURCE_SV};
use crate::labels::{Codelists, Labels, LANGUAGES};
use crate::table::{Status, Table};

/// Longest line the PX format allows, in bytes.
pub const MAX_LINE: usize = 256;

/// The id of the content variable (the measures) for labels: `Codelists::dimension("measure")`.
const MEASURE_DIMENSION: &str = "measure";

/// The PX text of a table.
pub fn table_px(table: &Table, codelists: &Codelists, info: &PublicationInfo) -> String {
    let mut px = PxWriter::default();
    let variables = variables(table, codelists);
    let stamp = info.published_at.format("%Y%m%d %H:%M").to_string();
    let title = codelists.table_title(table.id);
    let periods = table
        .dimensions
        .iter()
        .find(|d| d.id == "period")
        .map(|d| period_span(&d.codes))
        .unwrap_or_default();
    let money = table.measures.iter().any(|m| m.is_money());
    let counts = table.measures.iter().any(|m| !m.is_money());

    px.plain("CHARSET", None, &[], &q("ANSI"));
    px.plain("AXIS-VERSION", None, &[], &q("2013"));
    px.plain("CODEPAGE", None, &[], &q("utf-8"));
    px.plain("LANGUAGE", None, &[], &q(LANGUAGES[0]));
    px.texts("LANGUAGES", None, &[], &LANGUAGES.map(String::from));
    px.plain("CREATION-DATE", None, &[], &q(&stamp));
    px.plain("TABLEID", None, &[], &q(table.id));
    px.plain("DECIMALS", None, &[], if money { "2" } else { "0" });
    if money && counts {
        // Counts are shown without decimals; PRECISION below gives the amounts their two.
        px.plain("SHOWDECIMALS", None, &[], "0");
    }
    px.plain("MATRIX", None, &[], &q(table.id));
    px.plain("SUBJECT-CODE", None, &[], &q("ELAKE"));
    px.each_language("SUBJECT-AREA", &[], |l| {
        vec![Labels::new("Eläkkeet", "Pensioner", "Pensions")
            .get(l)
            .to_string()]
    });
    px.each_language("TITLE", &[], |l| {
        vec![if periods.is_empty() {
            title.get(l).to_string()
        } else {
            format!("{}, {periods}", title.get(l))
        }]
    });
    px.each_language("CONTENTS", &[], |l| vec![title.get(l).to_string()]);
    let (stub, heading) = variables.split_at(variables.len() - 1);
    px.each_language("STUB", &[], |l| {
        stub.iter().map(|v| v.name.get(l).to_string()).collect()
    });
    px.each_language("HEADING", &[], |l| {
        heading.iter().map(|v| v.name.get(l).to_string()).collect()
    });
    let content = &heading[0];
    px.each_language("CONTVARIABLE", &[], |l| {
        vec![content.name.get(l).to_string()]
    });
    for v in &variables {
        px.each_language("VALUES", &[&v.name], |l| v.values[lang_index(l)].clone());
    }
    for (m, measure) in table.measures.iter().enumerate() {
        let unit = codelists.unit(measure.unit);
        px.each_language(
            "UNITS",
            &[&per_language(|l| content.values[lang_index(l)][m].clone())],
            |l| vec![unit.get(l).to_string()],
        );
    }
    if let Some(v) = variables.iter().find(|v| v.id == "period") {
        if let Some(tlist) = timeval(&v.codes) {
            px.each_language_raw("TIMEVAL", &[&v.name], &tlist);
        }
    }
    for v in &variables {
        px.each_language("CODES", &[&v.name], |_| v.codes.clone());
    }
    for v in &variables {
        if let Some(total) = v.elimination {
            px.each_language("ELIMINATION", &[&v.name], |l| {
                vec![v.values[lang_index(l)][total].clone()]
            });
        }
    }
    if money && counts {
        for (m, measure) in table.measures.iter().enumerate() {
            if measure.is_money() {
                let value = per_language(|l| content.values[lang_index(l)][m].clone());
                px.each_language_raw("PRECISION", &[&content.name, &value], "2");
            }
        }
    }
    for m in 0..table.measures.len() {
        let value = per_language(|l| content.values[lang_index(l)][m].clone());
        px.each_language("LAST-UPDATED", &[&value], |_| vec![stamp.clone()]);
    }
    let source = Labels::new(SOURCE_FI, SOURCE_SV, SOURCE_EN);
    px.each_language("SOURCE", &[], |l| vec![source.get(l).to_string()]);
    let note = Labels::new(
        "Symbolit: .. tieto on salattu tietosuojan vuoksi (luottamuksellinen); . tieto on loogisesti mahdoton esittää (solussa ei ole saajia).",
        "Symboler: .. uppgiften är sekretessbelagd av dataskyddsskäl (konfidentiell); . uppgift kan inte förekomma (inga mottagare i cellen).",
        "Symbols: .. confidential (withheld to protect privacy); . not applicable (no recipients in the cell).",
    );
    px.each_language("NOTEX", &[], |l| vec![note.get(l).to_string()]);
    px.each_language("DATASYMBOL1", &[], |_| vec![".".to_string()]);
    px.each_language("DATASYMBOL2", &[], |_| vec!["..".to_string()]);

    px.out.push_str("DATA=\n");
    for cell in 0..table.cells() {
        let row: Vec<String> = (0..table.measures.len())
            .map(|m| data_value(table, m, cell))
            .collect();
        px.data_row(&row);
    }
    px.out.push_str(";\n");
    px.out
}

/// One PX variable: a table dimension or the content variable (last).
struct Variable {
    id: &'static str,
    name: Labels,
    codes: Vec<String>,
    /// `values[language][position]`, unique within each language.
    values: [Vec<String>; 3],
    /// The position of the value used when the variable is eliminated (its total).
    elimination: Option<usize>,
}

fn variables(table: &Table, codelists: &Codelists) -> Vec<Variable> {
    let mut out: Vec<Variable> = table
        .dimensions
        .iter()
        .map(|d| {
            let labels: Vec<Labels> = d.codes.iter().map(|c| codelists.code(d.id, c)).collect();
            let total = match d.id {
                "period" => None,
                "area" | "benefit" => d.codes.iter().position(|c| c == "ALL"),
                _ => d.codes.iter().position(|c| c == "SSS"),
            };
            variable(
                d.id,
                codelists.dimension(d.id),
                d.codes.clone(),
                &labels,
                total,
            )
        })
        .collect();
    let codes: Vec<String> = table.measures.iter().map(|m| m.id.to_string()).collect();
    let labels: Vec<Labels> = table
        .measures
        .iter()
        .map(|m| codelists.measure(m.id))
        .collect();
    out.push(variable(
        MEASURE_DIMENSION,
        codelists.dimension(MEASURE_DIMENSION),
        codes,
        &labels,
        None,
    ));
    out
}

fn variable(
    id: &'static str,
    name: Labels,
    codes: Vec<String>,
    labels: &[Labels],
    elimination: Option<usize>,
) -> Variable {
    let values = [0, 1, 2].map(|l| {
        unique_labels(
            &codes,
            labels.iter().map(|x| text(x.get(LANGUAGES[l]))).collect(),
        )
    });
    Variable {
        id,
        name: per_language(|l| text(name.get(l))),
        codes,
        values,
        elimination,
    }
}

/// Labels shared by several codes get their code appended, so VALUES are unique.
fn unique_labels(codes: &[String], labels: Vec<String>) -> Vec<String> {
    let mut count: HashMap<&str, usize> = HashMap::new();
    for l in &labels {
        *count.entry(l.as_str()).or_default() += 1;
    }
    let mut out: Vec<String> = labels
        .iter()
        .zip(codes)
        .map(|(l, c)| {
            if count[l.as_str()] > 1 {
                format!("{l} ({c})")
            } else {
                l.clone()
            }
        })
        .collect();
    // A label may still equal another code's plain label ("X (C)" written out); then use codes.
    let mut seen = std::collections::HashSet::new();
    if !out.iter().all(|l| seen.insert(l.clone())) {
        out = codes.iter().map(|c| text(c)).collect();
    }
    out
}

fn per_language(f: impl Fn(&str) -> String) -> Labels {
    Labels {
        fi: f("fi"),
        sv: f("sv"),
        en: f("en"),
    }
}

fn lang_index(language: &str) -> usize {
    LANGUAGES.iter().position(|l| *l == language).unwrap_or(0)
}

/// A text as PX can hold it: no quotation marks, no line breaks.
fn text(s: &str) -> String {
    s.replace('"', "'").replace(['\r', '\n'], " ")
}

fn q(s: &str) -> String {
    format!("\"{}\"", text(s))
}

fn data_value(table: &Table, m: usize, cell: usize) -> String {
    match (table.status[m][cell], table.values[m][cell]) {
        (Status::Confidential, _) => "\"..\"".into(),
        (Status::Value, Some(v)) if table.measures[m].is_money() => crate::money::cents_text(v),
        (Status::Value, Some(v)) => v.to_string(),
        _ => "\".\"".into(),
    }
}

/// `TLIST(A1),"2023","2024"` for years, `TLIST(M1),"2024M05","2024M06"` for months.
fn timeval(codes: &[String]) -> Option<String> {
    let is_year = |c: &str| c.len() == 4 && c.bytes().all(|b| b.is_ascii_digit());
    let is_month = |c: &str| {
        c.len() == 7
            && is_year(&c[..4])
            && &c[4..5] == "M"
            && c[5..].bytes().all(|b| b.is_ascii_digit())
    };
    let unit = if codes.iter().all(|c| is_year(c)) {
        "A1"
    } else if codes.iter().all(|c| is_month(c)) {
        "M1"
    } else {
        return None;
    };
    let list: Vec<String> = codes.iter().map(|c| q(c)).collect();
    Some(format!("TLIST({unit}),{}", list.join(",")))
}

fn period_span(codes: &[String]) -> String {
    match codes {
        [] => String::new(),
        [one] => one.clone(),
        [first, .., last] => format!("{first}–{last}"),
    }
}

#[derive(Default)]
struct PxWriter {
    out: String,
}

impl PxWriter {
    /// `KEYWORD[lang]("sub1","sub2")=` (sub-keys are the labels in that language).
    fn head(&self, keyword: &str, language: Option<&str>, subkeys: &[&str]) -> String {
        let mut head = keyword.to_string();
        if let Some(l) = language {
            head.push_str(&format!("[{l}]"));
        }
        if !subkeys.is_empty() {
            let subs: Vec<String> = subkeys.iter().map(|s| q(s)).collect();
            head.push_str(&format!("({})", subs.join(",")));
        }
        head.push('=');
        head
    }

    /// A keyword with an already formatted value (numbers, `YES`, `TLIST(...)`).
    fn plain(&mut self, keyword: &str, language: Option<&str>, subkeys: &[&str], value: &str) {
        let head = self.head(keyword, language, subkeys);
        self.out.push_str(&head);
        self.out.push_str(value);
        self.out.push_str(";\n");
    }

    /// A keyword with a list of quoted texts, lines broken after commas at MAX_LINE bytes; a
    /// text too long for one line continues as further quoted strings on the next lines.
    fn texts(
        &mut self,
        keyword: &str,
        language: Option<&str>,
        subkeys: &[&str],
        values: &[String],
    ) {
        let head = self.head(keyword, language, subkeys);
        let mut line = head;
        for (i, value) in values.iter().enumerate() {
            let last = i + 1 == values.len();
            let end = if last { ";" } else { "," };
            let quoted = q(value);
            if line.len() + quoted.len() < MAX_LINE {
                line.push_str(&quoted);
                line.push_str(end);
                continue;
            }
            if !line.ends_with('=') {
                self.out.push_str(&line);
                self.out.push('\n');
                line = String::new();
            }
            if line.len() + quoted.len() < MAX_LINE {
                line.push_str(&quoted);
                line.push_str(end);
                continue;
            }
            // Split a long text into quoted segments, one a line.
            let mut rest = text(value);
            while !rest.is_empty() {
                let room = MAX_LINE.saturating_sub(line.len() + 3).max(1);
                let mut cut = rest.len().min(room);
                while !rest.is_char_boundary(cut) {
                    cut -= 1;
                }
                let (segment, tail) = rest.split_at(cut);
                line.push('"');
                line.push_str(segment);
                line.push('"');
                rest = tail.to_string();
                if rest.is_empty() {
                    line.push_str(end);
                } else {
                    self.out.push_str(&line);
                    self.out.push('\n');
                    line = String::new();
                }
            }
        }
        self.out.push_str(&line);
        self.out.push('\n');
    }

    /// The keyword in fi, then `[sv]`, then `[en]`, each with its own sub-keys and texts.
    fn each_language(
        &mut self,
        keyword: &str,
        subkeys: &[&Labels],
        values: impl Fn(&str) -> Vec<String>,
    ) {
        for (i, l) in LANGUAGES.iter().enumerate() {
            let subs: Vec<&str> = subkeys.iter().map(|s| s.get(l)).collect();
            let language = (i > 0).then_some(*l);
            self.texts(keyword, language, &subs, &values(l));
        }
    }

    /// The keyword in every language with the same preformatted value.
    fn each_language_raw(&mut self, keyword: &str, subkeys: &[&Labels], value: &str) {
        for (i, l) in LANGUAGES.iter().enumerate() {
            let subs: Vec<&str> = subkeys.iter().map(|s| s.get(l)).collect();
            let language = (i > 0).then_some(*l);
            let head = self.head(keyword, language, &subs);
            if head.len() + value.len() < MAX_LINE {
                self.plain(keyword, language, &subs, value);
            } else {
                // A long TLIST: break after its commas.
                let mut line = head;
                for (j, part) in value.split(',').enumerate() {
                    let sep = if j == 0 { "" } else { "," };
                    if line.len() + sep.len() + part.len() + 1 > MAX_LINE {
                        line.push_str(sep);
                        self.out.push_str(&line);
                        self.out.push('\n');
                        line = part.to_string();
                    } else {
                        line.push_str(sep);
                        line.push_str(part);
                    }
                }
                self.out.push_str(&line);
                self.out.push_str(";\n");
            }
        }
    }

    /// One stub row of DATA: each value followed by a space, so that every line of data ends
    /// with one (Statistics Sweden's PX description: "when the data cells are on several lines
    /// each line should have a space at the ending"); the closing `;` gets a line of its own.
    fn data_row(&mut self, values: &[String]) {
        let mut line = String::new();
        for v in values {
            if !line.is_empty() && line.len() + v.len() + 1 > MAX_LINE {
                self.out.push_str(&line);
                self.out.push('\n');
                line.clear();
            }
            line.push_str(v);
            line.push(' ');
        }
        self.out.push_str(&line);
        self.out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::catalog::TableId;
    use crate::publish::csv::tests::sample_table;
    use crate::regions::Classification;
    use crate::table::{Dimension, Measure, Unit};

    fn setup() -> (Codelists, PublicationInfo) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(crate::DEFAULT_CLASSIFICATIONS);
        let codelists = Codelists::load(&Classification::load(&dir, 2024).unwrap(), &dir).unwrap();
        let info = PublicationInfo {
            period: "2024".into(),
            published_at: chrono::DateTime::from_timestamp(1_735_732_800, 0).unwrap(), // 2025-01-01 12:00
            software_version: "0.1.0".into(),
            parameters_sha256: "0".repeat(64),
        };
        (codelists, info)
    }

    fn keyword_lines<'a>(px: &'a str, prefix: &str) -> Vec<&'a str> {
        px.lines().filter(|l| l.starts_with(prefix)).collect()
    }

    #[test]
    fn writes_the_required_keywords_in_every_language() {
        let (codelists, info) = setup();
        let px = table_px(&sample_table(), &codelists, &info);
        let head: Vec<&str> = px.lines().take(6).collect();
        assert_eq!(
            head,
            [
                "CHARSET=\"ANSI\";",
                "AXIS-VERSION=\"2013\";",
                "CODEPAGE=\"utf-8\";",
                "LANGUAGE=\"fi\";",
                "LANGUAGES=\"fi\",\"sv\",\"en\";",
                "CREATION-DATE=\"20250101 12:00\";",
            ]
        );
        assert!(px.contains("STUB=\"Tilastokausi\",\"Sukupuoli\";\nSTUB[sv]=\"Statistikperiod\",\"Kön\";\nSTUB[en]=\"Reference period\",\"Sex\";\n"));
        assert!(px.contains(
            "HEADING=\"Tiedot\";\nHEADING[sv]=\"Uppgifter\";\nHEADING[en]=\"Information\";\n"
        ));
        assert!(px.contains("CONTVARIABLE=\"Tiedot\";\nCONTVARIABLE[sv]=\"Uppgifter\";\nCONTVARIABLE[en]=\"Information\";\n"));
        assert!(px.contains("VALUES(\"Sukupuoli\")=\"Yhteensä\",\"Miehet\",\"Naiset\";\nVALUES[sv](\"Kön\")=\"Totalt\",\"Män\",\"Kvinnor\";\n"));
        assert!(px.contains("CODES(\"Sukupuoli\")=\"SSS\",\"1\",\"2\";\nCODES[sv](\"Kön\")=\"SSS\",\"1\",\"2\";\nCODES[en](\"Sex\")=\"SSS\",\"1\",\"2\";\n"));
        assert!(px.contains("TIMEVAL(\"Tilastokausi\")=TLIST(A1),\"2024\";\nTIMEVAL[sv](\"Statistikperiod\")=TLIST(A1),\"2024\";\n"));
        assert!(px.contains("UNITS(\"Saajat\")=\"henkilöä\";\nUNITS[sv](\"Mottagare\")=\"personer\";\nUNITS[en](\"Recipients\")=\"persons\";\n"));
        assert!(px.contains("LAST-UPDATED(\"Saajat\")=\"20250101 12:00\";\nLAST-UPDATED[sv](\"Mottagare\")=\"20250101 12:00\";\n"));
        assert!(
            px.contains("DATASYMBOL2=\"..\";\nDATASYMBOL2[sv]=\"..\";\nDATASYMBOL2[en]=\"..\";\n")
        );
        assert_eq!(keyword_lines(&px, "SOURCE").len(), 3);
        assert_eq!(keyword_lines(&px, "NOTEX").len(), 3);
        assert_eq!(keyword_lines(&px, "TITLE").len(), 3);
        assert_eq!(keyword_lines(&px, "DECIMALS=2;").len(), 1);
        // Every language-dependent keyword is followed by its sv and en versions.
        let lines: Vec<&str> = px.lines().take_while(|l| !l.starts_with("DATA=")).collect();
        for (i, l) in lines.iter().enumerate() {
            if l.contains("[sv]") {
                let keyword = l.split('[').next().unwrap();
                assert!(
                    lines[i - 1].starts_with(&format!("{keyword}="))
                        || lines[i - 1].starts_with(&format!("{keyword}(")),
                    "{l}"
                );
                assert!(lines[i + 1].starts_with(&format!("{keyword}[en]")), "{l}");
            }
        }
        assert!(px.lines().all(|l| l.len() <= MAX_LINE));
    }

    #[test]
    fn data_rows_follow_the_cells_with_symbols() {
        let (codelists, info) = setup();
        let px = table_px(&sample_table(), &codelists, &info);
        let data = px.split("DATA=\n").nth(1).unwrap();
        assert_eq!(data, "12 654.32 \n\"..\" \"..\" \n0 \".\" \n;\n");
    }

    #[test]
    fn duplicate_labels_are_made_unique_and_long_lists_wrap() {
        let (codelists, info) = setup();
        let mut areas: Vec<String> =
            vec!["ALL".into(), "SSS".into(), "MK21".into(), "HVA91".into()];
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(crate::DEFAULT_CLASSIFICATIONS);
        let classification = Classification::load(&dir, 2024).unwrap();
        areas.extend(classification.codes().iter().map(|c| format!("KU{c}")));
        areas.push("ABROAD".into());
        let n = areas.len();
        let dims = vec![
            Dimension {
                id: "period",
                codes: vec!["2023".into(), "2024".into()],
            },
            Dimension {
                id: "area",
                codes: areas,
            },
        ];
        let table = Table::new(
            TableId::RecipientsByArea.id(),
            dims,
            vec![Measure::new("recipients", Unit::Persons)],
        );
        let px = table_px(&table, &codelists, &info);
        assert!(px.contains("\"Ahvenanmaa (MK21)\",\"Ahvenanmaa (HVA91)\""));
        assert!(px.lines().all(|l| l.len() <= MAX_LINE));
        assert!(px.contains("TIMEVAL(\"Tilastokausi\")=TLIST(A1),\"2023\",\"2024\";"));
        assert!(px.contains("DECIMALS=0;"));
        let data = px.split("DATA=\n").nth(1).unwrap();
        let lines: Vec<&str> = data.lines().collect();
        assert_eq!(
            lines.len(),
            2 * n + 1,
            "a line per cell, then the closing `;`"
        );
        assert!(lines[..2 * n].iter().all(|l| l.ends_with(' ')));
        assert_eq!(lines[2 * n], ";");
    }

    #[test]
    fn long_texts_continue_on_the_next_line() {
        let mut w = PxWriter::default();
        w.texts("NOTE", None, &[], &["x".repeat(600)]);
        let lines: Vec<&str> = w.out.lines().collect();
        assert!(lines.len() == 3 && lines.iter().all(|l| l.len() <= MAX_LINE));
        assert!(lines[2].ends_with("\";"));
        let joined: String = w.out.replace("\"\n\"", "");
        assert_eq!(joined, format!("NOTE=\"{}\";\n", "x".repeat(600)));
        assert_eq!(
            timeval(&["2024M05".into(), "2024M06".into()]).unwrap(),
            "TLIST(M1),\"2024M05\",\"2024M06\""
        );
        assert_eq!(timeval(&["2024".into(), "x".into()]), None);
        let months: Vec<String> = (2020..2025)
            .flat_map(|y| (1..=12).map(move |m| format!("{y}M{m:02}")))
            .collect();
        let tlist = timeval(&months).unwrap();
        let mut w = PxWriter::default();
        w.each_language_raw(
            "TIMEVAL",
            &[&Labels::new(
                "Tilastokausi",
                "Statistikperiod",
                "Reference period",
            )],
            &tlist,
        );
        assert!(w.out.lines().all(|l| l.len() <= MAX_LINE));
        let fi: String = w.out.split("TIMEVAL[sv]").next().unwrap().replace('\n', "");
        assert_eq!(fi, format!("TIMEVAL(\"Tilastokausi\")={tlist};"));
    }
}
