//! Trilingual labels (fi, sv, en) of every code, dimension, measure and table
//! (publication.md, "Dimensions and codes"). Regions, wellbeing services counties and
//! municipalities come from the classification in use; countries from `countries.csv` in the
//! classification directory (ISO 3166-1 alpha-2 with fi/sv/en names).
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::error::{Error, Result};
use crate::money::grouped;
use crate::regions::Classification;
use crate::table::Unit;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Labels {
    pub fi: String,
    pub sv: String,
    pub en: String,
}

impl Labels {
    pub fn new(fi: &str, sv: &str, en: &str) -> Labels {
        Labels {
            fi: fi.into(),
            sv: sv.into(),
            en: en.into(),
        }
    }

    /// The same text in every language (codes of periods, names without translation).
    pub fn same(text: &str) -> Labels {
        Labels::new(text, text, text)
    }

    /// The label in a language code `fi`, `sv` or `en`.
    pub fn get(&self, language: &str) -> &str {
        match language {
            "sv" => &self.sv,
            "en" => &self.en,
            _ => &self.fi,
        }
    }
}

pub const LANGUAGES: [&str; 3] = ["fi", "sv", "en"];

/// The file of country names in the classification directory.
pub const COUNTRIES_FILE: &str = "countries.csv";

/// The copy shipped with the sample data, used when a classification directory has no
/// `countries.csv` of its own (ISO 3166-1 changes rarely; municipalities change yearly).
const SHIPPED_COUNTRIES: &str = include_str!("../sample_data/classifications/countries.csv");

/// Labels of the codes of one publication (regions come from the classification in use).
#[derive(Debug, Clone)]
pub struct Codelists {
    /// `MKxx`, `HVAxx`, `KUxxx` → names.
    areas: HashMap<String, Labels>,
    /// ISO 3166-1 alpha-2 → names, sorted by code.
    countries: BTreeMap<String, Labels>,
}

/// The labels of the fixed codes, the dimensions, the measures and the tables:
/// `src/labels.toml`, compiled in and read once.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct LabelFile {
    dimensions: BTreeMap<String, [String; 3]>,
    measures: BTreeMap<String, [String; 3]>,
    tables: BTreeMap<String, [String; 3]>,
    /// Dimension → code → labels.
    codes: BTreeMap<String, BTreeMap<String, [String; 3]>>,
}

fn label_file() -> &'static LabelFile {
    static FILE: std::sync::OnceLock<LabelFile> = std::sync::OnceLock::new();
    FILE.get_or_init(|| {
        toml::from_str(include_str!("labels.toml"))
            .expect("src/labels.toml is a valid label file (a unit test reads it)")
    })
}

fn lookup(list: &BTreeMap<String, [String; 3]>, id: &str) -> Option<Labels> {
    list.get(id).map(|[fi, sv, en]| Labels::new(fi, sv, en))
}

impl Codelists {
    /// Labels for the classification in use, with country names from `countries.csv` in
    /// `classification_dir` (or, when that directory has none, the copy shipped with the
    /// sample data, which is compiled in).
    pub fn load(classification: &Classification, classification_dir: &Path) -> Result<Codelists> {
        let file = classification_dir.join(COUNTRIES_FILE);
        let countries = if file.exists() {
            let text = std::fs::read_to_string(&file).map_err(Error::io(&file))?;
            parse_countries(&text).map_err(|reason| Error::Unreadable {
                file: file.clone(),
                reason,
            })?
        } else {
            parse_countries(SHIPPED_COUNTRIES).map_err(|reason| Error::Unreadable {
                file: Path::new(crate::DEFAULT_CLASSIFICATIONS).join(COUNTRIES_FILE),
                reason,
            })?
        };
        Ok(Codelists {
            areas: area_labels(classification),
            countries,
        })
    }

    /// Labels as a publication's `codelists.csv` lists them (dimension, code, labels): the
    /// areas and countries it names; every other label is fixed or derived from the code.
    pub fn from_published(rows: impl IntoIterator<Item = (String, String, Labels)>) -> Codelists {
        let mut areas = HashMap::new();
        let mut countries = BTreeMap::new();
        for (dimension, code, labels) in rows {
            match dimension.as_str() {
                "area" => {
                    areas.insert(code, labels);
                }
                "country" => {
                    countries.insert(code, labels);
                }
                _ => {}
            }
        }
        Codelists { areas, countries }
    }

    /// The label of a code of a dimension; a code without a known label is its own label.
    pub fn code(&self, dimension: &str, code: &str) -> Labels {
        let file = label_file();
        if let Some(labels) = file.codes.get(dimension).and_then(|c| lookup(c, code)) {
            return labels;
        }
        let found = match dimension {
            "area" => self.areas.get(code).cloned(),
            "country" => self.countries.get(code).cloned(),
            "age_group" => age_group_label(code),
            "amount_band" => amount_band_label(code),
            "measure" => lookup(&file.measures, code),
            _ => None,
        };
        found.unwrap_or_else(|| Labels::same(code))
    }

    /// The name of a dimension (`measure` is the dimension of the measures in PX and JSON-stat).
    pub fn dimension(&self, id: &str) -> Labels {
        lookup(&label_file().dimensions, id).unwrap_or_else(|| Labels::same(id))
    }

    pub fn measure(&self, id: &str) -> Labels {
        lookup(&label_file().measures, id).unwrap_or_else(|| Labels::same(id))
    }

    pub fn table_title(&self, table_id: &str) -> Labels {
        lookup(&label_file().tables, table_id).unwrap_or_else(|| Labels::same(table_id))
    }

    /// The unit of a measure, as PX `UNITS` and JSON-stat `unit.label` write it.
    pub fn unit(&self, unit: Unit) -> Labels {
        match unit {
            Unit::Persons => Labels::new("henkilöä", "personer", "persons"),
            Unit::EuroPerMonth => Labels::new("euroa/kk", "euro/mån", "EUR/month"),
            Unit::Euro => Labels::new("euroa", "euro", "EUR"),
        }
    }

    /// The ISO 3166-1 alpha-2 codes with names, sorted by code.
    pub fn countries(&self) -> impl Iterator<Item = (&str, &Labels)> {
        self.countries.iter().map(|(c, l)| (c.as_str(), l))
    }
}

fn area_labels(classification: &Classification) -> HashMap<String, Labels> {
    let mut out = HashMap::new();
    for m in &classification.municipalities {
        out.insert(
            format!("KU{}", m.code),
            Labels::new(&m.name_fi, &m.name_sv, &m.name_fi),
        );
        out.entry(format!("HVA{}", m.county)).or_insert_with(|| {
            Labels::new(&m.county_name_fi, &m.county_name_sv, &m.county_name_fi)
        });
        out.entry(format!("MK{}", m.region)).or_insert_with(|| {
            Labels::new(&m.region_name_fi, &m.region_name_sv, &m.region_name_fi)
        });
    }
    out
}

/// `0-15` → "0–15-vuotiaat"; `90-` → "90 vuotta täyttäneet".
fn age_group_label(code: &str) -> Option<Labels> {
    let (low, high) = code.split_once('-')?;
    let low: u32 = low.parse().ok()?;
    if high.is_empty() {
        return Some(Labels::new(
            &format!("{low} vuotta täyttäneet"),
            &format!("{low} år och äldre"),
            &format!("{low} years and over"),
        ));
    }
    let high: u32 = high.parse().ok()?;
    Some(Labels::new(
        &format!("{low}–{high}-vuotiaat"),
        &format!("{low}–{high} år"),
        &format!("{low}–{high} years"),
    ))
}

/// `0-99` → "0,00–99,99 €/kk" (bounds in whole euros, lower inclusive, cent precision);
/// `1000-` → "vähintään 1 000,00 €/kk".
fn amount_band_label(code: &str) -> Option<Labels> {
    let (low, high) = code.split_once('-')?;
    let low: u64 = low.parse().ok()?;
    let (fi_low, en_low) = (euros(low, ' ', ','), euros(low, ',', '.'));
    if high.is_empty() {
        return Some(Labels::new(
            &format!("vähintään {fi_low} €/kk"),
            &format!("minst {fi_low} €/mån"),
            &format!("EUR {en_low} or more a month"),
        ));
    }
    let high: u64 = high.parse().ok()?;
    let fi_high = format!("{},99", grouped(high, ' '));
    let en_high = format!("{}.99", grouped(high, ','));
    Some(Labels::new(
        &format!("{fi_low}–{fi_high} €/kk"),
        &format!("{fi_low}–{fi_high} €/mån"),
        &format!("EUR {en_low}–{en_high} a month"),
    ))
}

fn euros(whole: u64, group: char, point: char) -> String {
    format!("{}{point}00", grouped(whole, group))
}

/// `code,name_fi,name_sv,name_en`, RFC 4180 quoting (names such as "Virgin Islands, U.S.").
/// `countries.csv` (RFC 4180, read by polars): the header `code,name_fi,name_sv,name_en`, a
/// two-letter upper-case code and three non-empty names per row, each code once.
fn parse_countries(text: &str) -> std::result::Result<BTreeMap<String, Labels>, String> {
    use polars::prelude::{CsvReadOptions, SerReader};
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .into_reader_with_file_handle(std::io::Cursor::new(text.as_bytes()))
        .finish()
        .map_err(|e| e.to_string())?;
    let header: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
    if header != ["code", "name_fi", "name_sv", "name_en"] {
        return Err("header must be code,name_fi,name_sv,name_en".into());
    }
    let column = |name: &str| df.column(name).and_then(|c| c.str().cloned());
    let columns = ["code", "name_fi", "name_sv", "name_en"]
        .map(|name| column(name).map_err(|e| e.to_string()));
    let [code, fi, sv, en] = columns;
    let (code, fi, sv, en) = (code?, fi?, sv?, en?);
    let mut out = BTreeMap::new();
    for i in 0..df.height() {
        let row = i + 1;
        let fields = [code.get(i), fi.get(i), sv.get(i), en.get(i)];
        let valid_code =
            fields[0].is_some_and(|c| c.len() == 2 && c.chars().all(|ch| ch.is_ascii_uppercase()));
        let [Some(c), Some(f), Some(s), Some(e)] = fields else {
            return Err(format!(
                "row {row}: expected a two-letter code and three non-empty names"
            ));
        };
        if !valid_code || [f, s, e].iter().any(|v| v.is_empty()) {
            return Err(format!(
                "row {row}: expected a two-letter code and three non-empty names"
            ));
        }
        if out.insert(c.to_string(), Labels::new(f, s, e)).is_some() {
            return Err(format!("row {row}: duplicate code {c}"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codelists() -> Codelists {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(crate::DEFAULT_CLASSIFICATIONS);
        let classification = Classification::load(&dir, 2024).unwrap();
        Codelists::load(&classification, &dir).unwrap()
    }

    #[test]
    fn every_publication_code_has_a_label_in_every_language() {
        let c = codelists();
        let mut ages: Vec<String> = vec!["SSS".into(), "0-15".into(), "16-19".into()];
        ages.extend((20..90).step_by(5).map(|a| format!("{a}-{}", a + 4)));
        ages.push("90-".into());
        let mut bands: Vec<String> = (0..10)
            .map(|h| format!("{}-{}", h * 100, h * 100 + 99))
            .collect();
        bands.extend(["1000-".to_string(), "SSS".to_string()]);
        let fixed = |d: &str| -> Vec<String> { label_file().codes[d].keys().cloned().collect() };
        let mut all: Vec<(&str, Vec<String>)> = vec![("age_group", ages), ("amount_band", bands)];
        for d in [
            "benefit",
            "sex",
            "payment_type",
            "np_composition",
            "survivors_category",
            "gp_basis",
        ] {
            all.push((d, fixed(d)));
        }
        assert_eq!(
            all.iter().find(|(d, _)| *d == "benefit").unwrap().1.len(),
            15
        );
        assert_eq!(
            all.iter()
                .find(|(d, _)| *d == "survivors_category")
                .unwrap()
                .1
                .len(),
            7
        );
        for (d, codes) in &all {
            for code in codes {
                let l = c.code(d, code);
                for lang in LANGUAGES {
                    assert!(
                        !l.get(lang).is_empty() && l.get(lang) != code,
                        "{d} {code} {lang}"
                    );
                }
            }
            assert_ne!(c.dimension(d).en, *d);
        }
        assert_eq!(c.code("age_group", "0-15").fi, "0–15-vuotiaat");
        assert_eq!(c.code("age_group", "90-").en, "90 years and over");
        assert_eq!(c.code("amount_band", "900-999").fi, "900,00–999,99 €/kk");
        assert_eq!(
            c.code("amount_band", "1000-").en,
            "EUR 1,000.00 or more a month"
        );
        assert_eq!(c.code("period", "2024M06"), Labels::same("2024M06"));
        assert_eq!(c.code("benefit", "NP").sv, "Folkpension");
    }

    #[test]
    fn areas_come_from_the_classification_and_countries_from_the_file() {
        let c = codelists();
        assert_eq!(
            c.code("area", "KU091"),
            Labels::new("Helsinki", "Helsingfors", "Helsinki")
        );
        assert_eq!(
            c.code("area", "MK01"),
            Labels::new("Uusimaa", "Nyland", "Uusimaa")
        );
        assert_eq!(c.code("area", "HVA90").sv, "Helsingfors stad");
        assert_eq!(c.code("area", "ABROAD").en, "Living abroad");
        assert_eq!(c.code("area", "SSS").fi, "Koko maa");
        assert_eq!(
            c.code("country", "SE"),
            Labels::new("Ruotsi", "Sverige", "Sweden")
        );
        assert_eq!(c.code("country", "VI").en, "Virgin Islands, U.S.");
        assert_eq!(c.code("country", "SSS").fi, "Ulkomaat yhteensä");
        assert!(c.countries().count() >= 249);
        for t in crate::catalog::TABLE_IDS {
            assert_ne!(c.table_title(t).fi, t);
        }
        for m in [
            "recipients",
            "mean_amount",
            "median_amount",
            "expenditure",
            "recipients_during_period",
            "new_recipients",
        ] {
            assert_ne!(c.measure(m).sv, m);
            assert_eq!(c.code("measure", m), c.measure(m));
        }
    }

    #[test]
    fn a_directory_without_countries_uses_the_shipped_copy_and_a_bad_file_is_an_error() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(crate::DEFAULT_CLASSIFICATIONS);
        let classification = Classification::load(&dir, 2024).unwrap();
        let empty = std::env::temp_dir().join(format!("kelastat-labels-{}", std::process::id()));
        std::fs::create_dir_all(&empty).unwrap();
        let c = Codelists::load(&classification, &empty).unwrap();
        assert_eq!(c.code("country", "EE").fi, "Viro");
        std::fs::write(empty.join(COUNTRIES_FILE), "code,name\nSE,Ruotsi\n").unwrap();
        assert!(Codelists::load(&classification, &empty).is_err());
        std::fs::remove_dir_all(&empty).unwrap();
        let quoted = "code,name_fi,name_sv,name_en\nVI,\"a, \"\"b\"\"\",c,d\n";
        assert_eq!(
            parse_countries(quoted).unwrap()["VI"],
            Labels::new("a, \"b\"", "c", "d")
        );
        assert!(parse_countries("code,name_fi,name_sv,name_en\nVI,a,,d\n").is_err());
        assert!(parse_countries("code,name_fi,name_sv,name_en\nVI,a,b,c\nVI,a,b,c\n").is_err());
    }
}
