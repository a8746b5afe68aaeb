//! `codelists.csv` and `datapackage.json` (publication.md, "Files of one publication"):
//! a Frictionless Data Package describing every table CSV and the code list, which
//! `frictionless validate datapackage.json` accepts.
//!
//! Frictionless reads an empty cell as missing (`missingValues: [""]`, declared explicitly in
//! every schema), and constraints other than `required` are not checked on missing cells: so an
//! empty status (a published value) and an empty value of a suppressed or not-applicable cell
//! both validate, while the status enum still rejects anything but `..` and `.` when non-empty.
use std::collections::HashSet;

use serde_json::{json, Value};

use super::{PublicationInfo, SOURCE_EN, SOURCE_FI, SOURCE_SV};
use crate::labels::Codelists;
use crate::table::{Measure, Table, Unit};

/// The status symbols a `<measure>_status` column may hold ("" = a published value).
pub const STATUS_ENUM: [&str; 3] = ["", "..", "."];

pub const LICENSE_NAME: &str = "CC-BY-4.0";
pub const LICENSE_PATH: &str = "https://creativecommons.org/licenses/by/4.0/";
pub const LICENSE_TITLE: &str = "Creative Commons Attribution 4.0 International";

/// The path of a table's CSV inside a publication directory.
pub fn csv_path(table_id: &str) -> String {
    format!("tables/{table_id}.csv")
}

/// `codelists.csv`: `dimension,code,label_fi,label_sv,label_en`, every code of every dimension
/// of the tables, each (dimension, code) once, in the order of first use.
pub fn codelists_csv(tables: &[Table], codelists: &Codelists) -> String {
    let mut out = String::from("dimension,code,label_fi,label_sv,label_en\n");
    let mut seen: HashSet<(&str, &str)> = HashSet::new();
    for table in tables {
        for dim in &table.dimensions {
            for code in &dim.codes {
                if !seen.insert((dim.id, code.as_str())) {
                    continue;
                }
                let labels = codelists.code(dim.id, code);
                let row = [dim.id, code.as_str(), &labels.fi, &labels.sv, &labels.en];
                let row: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
                out.push_str(&row.join(","));
                out.push('\n');
            }
        }
    }
    out
}

/// A CSV field, quoted (RFC 4180) only when it must be.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `datapackage.json`: one tabular resource per table CSV (`tables/<id>.csv`) and one for
/// `codelists.csv`. Pretty-printed, keys in a fixed order, ends with a newline.
pub fn datapackage_json(tables: &[Table], codelists: &Codelists, info: &PublicationInfo) -> String {
    let mut resources: Vec<Value> = tables
        .iter()
        .map(|t| table_resource(t, codelists))
        .collect();
    resources.push(codelists_resource());
    let package = json!({
        "profile": "data-package",
        "name": package_name(&info.period),
        "title": format!("Kela pension statistics {}", info.period),
        "description": format!(
            "{SOURCE_FI} {p}. {SOURCE_SV} {p}. {SOURCE_EN} {p}. \
             Symbols in the *_status columns: '..' confidential (suppressed), \
             '.' not applicable, empty = the value is published. \
             Software version {v}; parameters SHA-256 {h}.",
            p = info.period,
            v = info.software_version,
            h = info.parameters_sha256,
        ),
        "version": info.software_version,
        "created": info.published_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "keywords": ["Kela", "pensions", "eläkkeet", "pensioner", "statistics"],
        "licenses": [{
            "name": LICENSE_NAME,
            "path": LICENSE_PATH,
            "title": LICENSE_TITLE,
        }],
        "sources": [
            { "title": SOURCE_FI },
            { "title": SOURCE_SV },
            { "title": SOURCE_EN },
        ],
        "resources": resources,
    });
    let mut s = serde_json::to_string_pretty(&package).expect("JSON of plain values");
    s.push('\n');
    s
}

/// A Data Package name: lower-case letters, digits and `-._/` only.
fn package_name(period: &str) -> String {
    let period: String = period
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-._".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("kela-pension-statistics-{period}")
}

fn table_resource(table: &Table, codelists: &Codelists) -> Value {
    let mut fields = Vec::new();
    for dim in &table.dimensions {
        let labels = codelists.dimension(dim.id);
        fields.push(json!({
            "name": dim.id,
            "title": labels.en,
            "description": format!("{} / {} / {} (codes; labels in codelists.csv)", labels.fi, labels.sv, labels.en),
            "type": "string",
            "constraints": { "required": true, "enum": dim.codes },
        }));
    }
    for m in &table.measures {
        let labels = codelists.measure(m.id);
        fields.push(json!({
            "name": m.id,
            "title": labels.en,
            "description": format!(
                "{} / {} / {}; {}; empty when {}_status is '..' (confidential) or '.' (not applicable)",
                labels.fi, labels.sv, labels.en, unit_description(m), m.id
            ),
            "type": if m.is_money() { "number" } else { "integer" },
        }));
        fields.push(json!({
            "name": format!("{}_status", m.id),
            "title": format!("{} status", labels.en),
            "description": "'..' confidential (suppressed), '.' not applicable, empty: the value is published",
            "type": "string",
            "constraints": { "enum": STATUS_ENUM },
        }));
    }
    let primary_key: Vec<&str> = table.dimensions.iter().map(|d| d.id).collect();
    let title = codelists.table_title(table.id);
    json!({
        "profile": "tabular-data-resource",
        "name": table.id,
        "path": csv_path(table.id),
        "title": title.en,
        "description": format!("{} / {} / {}", title.fi, title.sv, title.en),
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": {
            "fields": fields,
            "missingValues": [""],
            "primaryKey": primary_key,
        },
    })
}

fn unit_description(m: &Measure) -> &'static str {
    match m.unit {
        Unit::Persons => "persons",
        Unit::EuroPerMonth => "EUR a month, two decimals",
        Unit::Euro => "EUR, two decimals",
    }
}

fn codelists_resource() -> Value {
    let string = |name: &str, title: &str| json!({ "name": name, "title": title, "type": "string", "constraints": { "required": true } });
    json!({
        "profile": "tabular-data-resource",
        "name": "codelists",
        "path": "codelists.csv",
        "title": "Labels of the codes (fi, sv, en)",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": {
            "fields": [
                string("dimension", "Dimension"),
                string("code", "Code"),
                string("label_fi", "Label in Finnish"),
                string("label_sv", "Label in Swedish"),
                string("label_en", "Label in English"),
            ],
            "missingValues": [""],
            "primaryKey": ["dimension", "code"],
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::report::tests::{codelists, info, sample_tables};

    #[test]
    fn codelists_rows_are_each_code_once_in_first_use_order() {
        let tables = sample_tables();
        let csv = codelists_csv(&tables, &codelists());
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "dimension,code,label_fi,label_sv,label_en");
        let keys: Vec<(String, String)> = lines[1..]
            .iter()
            .map(|l| {
                let f: Vec<&str> = l.splitn(3, ',').collect();
                (f[0].to_string(), f[1].to_string())
            })
            .collect();
        let mut expected = Vec::new();
        for t in &tables {
            for d in &t.dimensions {
                for c in &d.codes {
                    let k = (d.id.to_string(), c.clone());
                    if !expected.contains(&k) {
                        expected.push(k);
                    }
                }
            }
        }
        assert_eq!(keys, expected);
        assert_eq!(keys[0], ("period".to_string(), "2024".to_string()));
        assert!(keys.contains(&("area".to_string(), "MK01".to_string())));
        // Every row has the five fields.
        for l in &lines[1..] {
            assert!(l.split(',').count() >= 5, "{l}");
        }
    }

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        assert_eq!(csv_field("Uusimaa"), "Uusimaa");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"x\""), "\"say \"\"x\"\"\"");
    }

    #[test]
    fn datapackage_describes_every_table_csv_and_the_codelists() {
        let tables = sample_tables();
        let text = datapackage_json(&tables, &codelists(), &info());
        assert!(text.ends_with('\n'));
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["profile"], "data-package");
        assert_eq!(v["name"], "kela-pension-statistics-2024");
        assert_eq!(v["created"], "2025-03-01T12:00:00Z");
        assert_eq!(v["licenses"][0]["name"], "CC-BY-4.0");
        assert!(v["licenses"][0]["path"]
            .as_str()
            .unwrap()
            .starts_with("https://creativecommons.org/"));
        assert!(v["licenses"][0]["title"].is_string());
        assert_eq!(v["sources"][2]["title"], SOURCE_EN);
        let resources = v["resources"].as_array().unwrap();
        assert_eq!(resources.len(), tables.len() + 1);
        for (t, r) in tables.iter().zip(resources) {
            assert_eq!(r["name"], t.id);
            assert_eq!(r["path"], format!("tables/{}.csv", t.id));
            assert_eq!(r["profile"], "tabular-data-resource");
            assert_eq!(r["format"], "csv");
            assert_eq!(r["encoding"], "utf-8");
            let fields = r["schema"]["fields"].as_array().unwrap();
            assert_eq!(fields.len(), t.dimensions.len() + 2 * t.measures.len());
            for (d, f) in t.dimensions.iter().zip(fields) {
                assert_eq!(f["name"], d.id);
                assert_eq!(f["type"], "string");
                assert_eq!(f["constraints"]["enum"], json!(d.codes));
            }
            let rest = &fields[t.dimensions.len()..];
            for (m, pair) in t.measures.iter().zip(rest.chunks(2)) {
                assert_eq!(pair[0]["name"], m.id);
                assert_eq!(
                    pair[0]["type"],
                    if m.is_money() { "number" } else { "integer" }
                );
                assert_eq!(pair[1]["name"], format!("{}_status", m.id));
                assert_eq!(pair[1]["type"], "string");
                assert_eq!(pair[1]["constraints"]["enum"], json!(["", "..", "."]));
            }
            let pk: Vec<&str> = t.dimensions.iter().map(|d| d.id).collect();
            assert_eq!(r["schema"]["primaryKey"], json!(pk));
            assert_eq!(r["schema"]["missingValues"], json!([""]));
        }
        let last = resources.last().unwrap();
        assert_eq!(last["path"], "codelists.csv");
        assert_eq!(last["schema"]["primaryKey"], json!(["dimension", "code"]));
        // Same input, same bytes.
        assert_eq!(text, datapackage_json(&tables, &codelists(), &info()));
    }

    #[test]
    fn package_names_are_lower_case() {
        assert_eq!(package_name("2024M06"), "kela-pension-statistics-2024m06");
    }
}
