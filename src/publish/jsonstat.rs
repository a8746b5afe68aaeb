//! JSON-stat 2.0 datasets, one per language (`tables/<id>.<lang>.json`).
//!
//! The dataset's dimensions are the table's, in order, then `measure` (role `metric`, with
//! `unit` and `decimals` per measure), so value `i` is cell `i / measures`, measure
//! `i % measures`. Role `time` is `period`, role `geo` is `area` or `country`. A cell without
//! a value is `null` in `value` and has its symbol in `status` (`..` confidential, `.` not
//! applicable); `status` is an object keyed by the value index, holding only those cells.
//! Amounts are written with exactly two decimals, counts as integers. The text is built by
//! hand (key order fixed, numbers exact) so that it is byte-stable.
use serde_json::json;

use super::{PublicationInfo, SOURCE_EN, SOURCE_FI, SOURCE_SV};
use crate::labels::Codelists;
use crate::table::{Status, Table};

const MEASURE_DIMENSION: &str = "measure";

/// The JSON-stat 2.0 dataset of a table in `language` (`fi`, `sv` or `en`).
pub fn table_jsonstat(
    table: &Table,
    codelists: &Codelists,
    info: &PublicationInfo,
    language: &str,
) -> String {
    let l = language;
    let title = codelists.table_title(table.id);
    let source = match l {
        "sv" => SOURCE_SV,
        "en" => SOURCE_EN,
        _ => SOURCE_FI,
    };
    let measures = table.measures.len();
    let mut ids: Vec<&str> = table.dimensions.iter().map(|d| d.id).collect();
    ids.push(MEASURE_DIMENSION);
    let mut size: Vec<usize> = table.dimensions.iter().map(|d| d.codes.len()).collect();
    size.push(measures);

    let mut role = serde_json::Map::new();
    let time: Vec<&str> = ids.iter().copied().filter(|d| *d == "period").collect();
    let geo: Vec<&str> = ids
        .iter()
        .copied()
        .filter(|d| matches!(*d, "area" | "country"))
        .collect();
    if !time.is_empty() {
        role.insert("time".into(), json!(time));
    }
    if !geo.is_empty() {
        role.insert("geo".into(), json!(geo));
    }
    role.insert("metric".into(), json!([MEASURE_DIMENSION]));

    let mut dims: Vec<String> = Vec::new();
    for d in &table.dimensions {
        let labels: Vec<String> = d
            .codes
            .iter()
            .map(|c| codelists.code(d.id, c).get(l).to_string())
            .collect();
        let category = category(&d.codes, &labels, None);
        dims.push(format!(
            "{}:{{\"label\":{},\"category\":{category}}}",
            s(d.id),
            s(codelists.dimension(d.id).get(l))
        ));
    }
    let codes: Vec<String> = table.measures.iter().map(|m| m.id.to_string()).collect();
    let labels: Vec<String> = table
        .measures
        .iter()
        .map(|m| codelists.measure(m.id).get(l).to_string())
        .collect();
    let units: Vec<String> = table
        .measures
        .iter()
        .map(|m| {
            let decimals = if m.is_money() { 2 } else { 0 };
            format!(
                "{}:{{\"label\":{},\"decimals\":{decimals}}}",
                s(m.id),
                s(codelists.unit(m.unit).get(l))
            )
        })
        .collect();
    let category = category(&codes, &labels, Some(&units));
    dims.push(format!(
        "{}:{{\"label\":{},\"category\":{category}}}",
        s(MEASURE_DIMENSION),
        s(codelists.dimension(MEASURE_DIMENSION).get(l))
    ));

    let mut values = Vec::with_capacity(table.cells() * measures);
    let mut status = Vec::new();
    for cell in 0..table.cells() {
        for (m, measure) in table.measures.iter().enumerate() {
            let index = cell * measures + m;
            match (table.status[m][cell], table.values[m][cell]) {
                (Status::Value, Some(v)) if measure.is_money() => {
                    values.push(crate::money::cents_text(v))
                }
                (Status::Value, Some(v)) => values.push(v.to_string()),
                (st, _) => {
                    values.push("null".into());
                    let symbol = if st == Status::Confidential {
                        ".."
                    } else {
                        "."
                    };
                    status.push(format!("\"{index}\":{}", s(symbol)));
                }
            }
        }
    }
    let note = match l {
        "sv" => "Symboler: .. konfidentiell uppgift (sekretessbelagd av dataskyddsskäl); . uppgift kan inte förekomma (inga mottagare i cellen).",
        "en" => "Symbols: .. confidential (withheld to protect privacy); . not applicable (no recipients in the cell).",
        _ => "Symbolit: .. luottamuksellinen tieto (salattu tietosuojan vuoksi); . tieto on loogisesti mahdoton esittää (solussa ei ole saajia).",
    };
    let extension = json!({
        "table_id": table.id,
        "period": info.period,
        "software_version": info.software_version,
        "parameters_sha256": info.parameters_sha256,
    });

    let members = [
        "\"version\":\"2.0\"".to_string(),
        "\"class\":\"dataset\"".to_string(),
        format!("\"label\":{}", s(title.get(l))),
        format!("\"source\":{}", s(source)),
        format!(
            "\"updated\":{}",
            s(&info.published_at.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        ),
        format!("\"note\":[{}]", s(note)),
        format!("\"id\":{}", json!(ids)),
        format!("\"size\":{}", json!(size)),
        format!("\"role\":{}", serde_json::Value::Object(role)),
        format!("\"dimension\":{{\n{}\n}}", dims.join(",\n")),
        format!("\"value\":[{}]", values.join(",")),
        format!("\"status\":{{{}}}", status.join(",")),
        format!("\"extension\":{extension}"),
    ];
    format!("{{\n{}\n}}\n", members.join(",\n"))
}

/// `{"index":[codes],"label":{code:label},"unit":{…}}`.
fn category(codes: &[String], labels: &[String], units: Option<&[String]>) -> String {
    let index: Vec<String> = codes.iter().map(|c| s(c)).collect();
    let label: Vec<String> = codes
        .iter()
        .zip(labels)
        .map(|(c, l)| format!("{}:{}", s(c), s(l)))
        .collect();
    let mut out = format!(
        "{{\"index\":[{}],\"label\":{{{}}}",
        index.join(","),
        label.join(",")
    );
    if let Some(units) = units {
        out.push_str(&format!(",\"unit\":{{{}}}", units.join(",")));
    }
    out.push('}');
    out
}

/// A JSON string literal.
fn s(text: &str) -> String {
    serde_json::to_string(text).expect("a string always serialises")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::Value;

    use super::*;
    use crate::catalog::TableId;
    use crate::publish::csv::tests::sample_table;
    use crate::regions::Classification;

    #[test]
    fn writes_a_json_stat_dataset_with_nulls_and_status() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(crate::DEFAULT_CLASSIFICATIONS);
        let codelists = Codelists::load(&Classification::load(&dir, 2024).unwrap(), &dir).unwrap();
        let info = PublicationInfo {
            period: "2024".into(),
            published_at: chrono::DateTime::from_timestamp(1_735_732_800, 0).unwrap(),
            software_version: "0.1.0".into(),
            parameters_sha256: "0".repeat(64),
        };
        let text = table_jsonstat(&sample_table(), &codelists, &info, "sv");
        assert!(
            text.contains("\"value\":[12,654.32,null,null,0,null]"),
            "{text}"
        );
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["version"], "2.0");
        assert_eq!(v["class"], "dataset");
        assert_eq!(v["updated"], "2025-01-01T12:00:00Z");
        assert_eq!(v["source"], SOURCE_SV);
        assert_eq!(v["id"], json!(["period", "sex", "measure"]));
        assert_eq!(v["size"], json!([1, 3, 2]));
        assert_eq!(
            v["role"],
            json!({"time": ["period"], "metric": ["measure"]})
        );
        assert_eq!(v["dimension"]["sex"]["label"], "Kön");
        assert_eq!(
            v["dimension"]["sex"]["category"]["index"],
            json!(["SSS", "1", "2"])
        );
        assert_eq!(v["dimension"]["sex"]["category"]["label"]["2"], "Kvinnor");
        let unit = &v["dimension"]["measure"]["category"]["unit"];
        assert_eq!(unit["mean_amount"]["decimals"], 2);
        assert_eq!(unit["recipients"]["decimals"], 0);
        assert_eq!(v["status"], json!({"2": "..", "3": "..", "5": "."}));
        assert_eq!(v["value"].as_array().unwrap().len(), 6);
        assert_eq!(
            v["label"],
            codelists
                .table_title(TableId::RecipientsByBenefitSexAge.id())
                .sv
        );
    }

    #[test]
    fn area_and_country_have_the_geo_role() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(crate::DEFAULT_CLASSIFICATIONS);
        let codelists = Codelists::load(&Classification::load(&dir, 2024).unwrap(), &dir).unwrap();
        let info = PublicationInfo {
            period: "2024M06".into(),
            published_at: chrono::DateTime::from_timestamp(0, 0).unwrap(),
            software_version: "0.1.0".into(),
            parameters_sha256: String::new(),
        };
        let dims = vec![
            crate::table::Dimension {
                id: "period",
                codes: vec!["2024M06".into()],
            },
            crate::table::Dimension {
                id: "country",
                codes: vec!["SSS".into(), "SE".into()],
            },
        ];
        let measures = vec![crate::table::Measure::new(
            "recipients",
            crate::table::Unit::Persons,
        )];
        let table = Table::new(TableId::RecipientsAbroadByCountry.id(), dims, measures);
        let v: Value =
            serde_json::from_str(&table_jsonstat(&table, &codelists, &info, "fi")).unwrap();
        assert_eq!(v["role"]["geo"], json!(["country"]));
        assert_eq!(
            v["dimension"]["country"]["category"]["label"]["SE"],
            "Ruotsi"
        );
        assert_eq!(v["status"], json!({}));
        assert_eq!(v["value"], json!([0, 0]));
    }
}
