//! Trilingual labels (fi, sv, en) of every code, dimension, measure and table
//! (publication.md, "Dimensions and codes"). Regions, wellbeing services counties and
//! municipalities come from the classification in use; countries from `countries.csv` in the
//! classification directory (ISO 3166-1 alpha-2 with fi/sv/en names).
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::error::{Error, Result};
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

/// Codes with fixed labels: (dimension, code, fi, sv, en).
const FIXED: &[(&str, &str, &str, &str, &str)] = &[
    // benefit
    (
        "benefit",
        "ALL",
        "Kaikki Kelan eläke-etuudet",
        "Alla FPA:s pensionsförmåner",
        "All Kela pension benefits",
    ),
    (
        "benefit",
        "NP",
        "Kansaneläke",
        "Folkpension",
        "National pension",
    ),
    (
        "benefit",
        "NP_OLD",
        "Kansaneläke, vanhuuseläke",
        "Folkpension, ålderspension",
        "National pension, old-age pension",
    ),
    (
        "benefit",
        "NP_EARLY",
        "Kansaneläke, varhennettu vanhuuseläke",
        "Folkpension, förtida ålderspension",
        "National pension, early old-age pension",
    ),
    (
        "benefit",
        "NP_DIS",
        "Kansaneläke, työkyvyttömyyseläke",
        "Folkpension, sjukpension",
        "National pension, disability pension",
    ),
    (
        "benefit",
        "NP_REHAB",
        "Kansaneläke, kuntoutustuki",
        "Folkpension, rehabiliteringsstöd",
        "National pension, rehabilitation subsidy",
    ),
    (
        "benefit",
        "GP",
        "Takuueläke",
        "Garantipension",
        "Guarantee pension",
    ),
    (
        "benefit",
        "SP",
        "Leskeneläke",
        "Efterlevandepension",
        "Spouse's pension",
    ),
    (
        "benefit",
        "SP_INIT",
        "Leskeneläke, alkueläke",
        "Efterlevandepension, begynnelsepension",
        "Spouse's pension, initial pension",
    ),
    (
        "benefit",
        "SP_CONT",
        "Leskeneläke, jatkoeläke",
        "Efterlevandepension, fortsättningspension",
        "Spouse's pension, continuation pension",
    ),
    (
        "benefit",
        "OP",
        "Lapseneläke",
        "Barnpension",
        "Orphan's pension",
    ),
    (
        "benefit",
        "CI",
        "Lapsikorotus",
        "Barnförhöjning",
        "Child increase",
    ),
    (
        "benefit",
        "FVS",
        "Rintamalisä",
        "Fronttillägg",
        "Front-veterans' supplement",
    ),
    (
        "benefit",
        "FVS_ABROAD",
        "Ulkomaille maksettava rintamalisä",
        "Fronttillägg som betalas utomlands",
        "Front-veterans' supplement paid abroad",
    ),
    (
        "benefit",
        "AFVS",
        "Ylimääräinen rintamalisä",
        "Extra fronttillägg",
        "Additional front-veterans' supplement",
    ),
    // sex
    ("sex", "SSS", "Yhteensä", "Totalt", "Total"),
    ("sex", "1", "Miehet", "Män", "Men"),
    ("sex", "2", "Naiset", "Kvinnor", "Women"),
    // age_group (the groups themselves are generated)
    (
        "age_group",
        "SSS",
        "Kaikki ikäryhmät",
        "Alla åldersgrupper",
        "All age groups",
    ),
    // area (regions, counties and municipalities come from the classification)
    (
        "area",
        "ALL",
        "Kaikki saajat",
        "Alla mottagare",
        "All recipients",
    ),
    ("area", "SSS", "Koko maa", "Hela landet", "Whole country"),
    (
        "area",
        "ABROAD",
        "Ulkomailla asuvat",
        "Bosatta utomlands",
        "Living abroad",
    ),
    // country (ISO codes from countries.csv)
    (
        "country",
        "SSS",
        "Ulkomaat yhteensä",
        "Utlandet totalt",
        "All countries abroad",
    ),
    // payment_type
    (
        "payment_type",
        "SSS",
        "Kaikki maksut",
        "Alla utbetalningar",
        "All payments",
    ),
    (
        "payment_type",
        "regular",
        "Säännölliset maksut",
        "Regelbundna utbetalningar",
        "Regular payments",
    ),
    (
        "payment_type",
        "retroactive",
        "Takautuvat maksut",
        "Retroaktiva utbetalningar",
        "Retroactive payments",
    ),
    (
        "payment_type",
        "recovery",
        "Takaisinperinnät",
        "Återkrav",
        "Recoveries",
    ),
    // np_composition
    ("np_composition", "SSS", "Yhteensä", "Totalt", "Total"),
    (
        "np_composition",
        "FULL",
        "Täysi kansaneläke",
        "Full folkpension",
        "Full national pension",
    ),
    (
        "np_composition",
        "REDUCED",
        "Vähennetty kansaneläke",
        "Reducerad folkpension",
        "Reduced national pension",
    ),
    // amount_band (the bands themselves are generated)
    ("amount_band", "SSS", "Yhteensä", "Totalt", "Total"),
    // survivors_category
    (
        "survivors_category",
        "SSS",
        "Perhe-eläkkeet yhteensä",
        "Familjepensioner totalt",
        "Survivors' pensions, total",
    ),
    (
        "survivors_category",
        "SP_INIT",
        "Leskeneläke, alkueläke",
        "Efterlevandepension, begynnelsepension",
        "Spouse's pension, initial pension",
    ),
    (
        "survivors_category",
        "SP_CONT_BOTH",
        "Leskeneläke, jatkoeläke: perusmäärä ja täydennysmäärä",
        "Efterlevandepension, fortsättningspension: grundbelopp och kompletteringsbelopp",
        "Spouse's pension, continuation pension: basic and supplementary amount",
    ),
    (
        "survivors_category",
        "SP_CONT_BASIC",
        "Leskeneläke, jatkoeläke: vain perusmäärä",
        "Efterlevandepension, fortsättningspension: endast grundbelopp",
        "Spouse's pension, continuation pension: basic amount only",
    ),
    (
        "survivors_category",
        "SP_CONT_ADD",
        "Leskeneläke, jatkoeläke: vain täydennysmäärä",
        "Efterlevandepension, fortsättningspension: endast kompletteringsbelopp",
        "Spouse's pension, continuation pension: supplementary amount only",
    ),
    (
        "survivors_category",
        "OP_CHILD",
        "Lapseneläke, alle 18-vuotiaat",
        "Barnpension, under 18 år",
        "Orphan's pension, children under 18",
    ),
    (
        "survivors_category",
        "OP_STUDENT",
        "Lapseneläke, 18–20-vuotiaat opiskelijat",
        "Barnpension, studerande 18–20 år",
        "Orphan's pension, students aged 18–20",
    ),
    // gp_basis
    ("gp_basis", "SSS", "Yhteensä", "Totalt", "Total"),
    (
        "gp_basis",
        "old_age",
        "Vanhuuseläke",
        "Ålderspension",
        "Old-age pension",
    ),
    (
        "gp_basis",
        "early_old_age",
        "Varhennettu vanhuuseläke",
        "Förtida ålderspension",
        "Early old-age pension",
    ),
    (
        "gp_basis",
        "disability",
        "Työkyvyttömyys",
        "Arbetsoförmåga",
        "Disability",
    ),
    (
        "gp_basis",
        "other",
        "Muu peruste",
        "Annan grund",
        "Other basis",
    ),
];

const DIMENSIONS: &[(&str, &str, &str, &str)] = &[
    (
        "period",
        "Tilastokausi",
        "Statistikperiod",
        "Reference period",
    ),
    ("benefit", "Etuus", "Förmån", "Benefit"),
    ("sex", "Sukupuoli", "Kön", "Sex"),
    ("age_group", "Ikäryhmä", "Åldersgrupp", "Age group"),
    ("area", "Alue", "Område", "Area"),
    (
        "country",
        "Asuinmaa",
        "Bosättningsland",
        "Country of residence",
    ),
    (
        "payment_type",
        "Maksun laji",
        "Utbetalningstyp",
        "Payment type",
    ),
    (
        "np_composition",
        "Kansaneläkkeen määräytyminen",
        "Folkpensionens fastställande",
        "National pension composition",
    ),
    (
        "amount_band",
        "Eläkkeen suuruus",
        "Pensionens storlek",
        "Amount of pension",
    ),
    (
        "survivors_category",
        "Perhe-eläkkeen laji",
        "Typ av familjepension",
        "Survivors' pension category",
    ),
    (
        "gp_basis",
        "Takuueläkkeen peruste",
        "Grund för garantipension",
        "Basis of guarantee pension",
    ),
    // The dimension of the measures in PX (CONTVARIABLE) and JSON-stat (role metric).
    ("measure", "Tiedot", "Uppgifter", "Information"),
];

const MEASURES: &[(&str, &str, &str, &str)] = &[
    ("recipients", "Saajat", "Mottagare", "Recipients"),
    (
        "mean_amount",
        "Keskimääräinen eläke, €/kk",
        "Genomsnittlig pension, €/mån",
        "Mean amount, EUR/month",
    ),
    (
        "median_amount",
        "Mediaanieläke, €/kk",
        "Medianpension, €/mån",
        "Median amount, EUR/month",
    ),
    (
        "expenditure",
        "Maksetut eläkkeet, €",
        "Utbetalda pensioner, €",
        "Expenditure, EUR",
    ),
    (
        "recipients_during_period",
        "Saajat tilastokauden aikana",
        "Mottagare under perioden",
        "Recipients during the period",
    ),
    (
        "new_recipients",
        "Uudet saajat",
        "Nya mottagare",
        "New recipients",
    ),
];

const TITLES: &[(&str, &str, &str, &str)] = &[
    (
        "recipients_by_benefit_sex_age",
        "Kelan eläkkeensaajat etuuden, sukupuolen ja iän mukaan",
        "FPA:s pensionstagare efter förmån, kön och ålder",
        "Recipients of Kela pensions by benefit, sex and age",
    ),
    (
        "recipients_by_area",
        "Kelan eläkkeensaajat alueittain",
        "FPA:s pensionstagare efter område",
        "Recipients of Kela pensions by area",
    ),
    (
        "national_pension_structure",
        "Kansaneläkkeen saajat eläkelajin, eläkkeen määräytymisen ja sukupuolen mukaan",
        "Folkpensionstagare efter pensionsslag, pensionens fastställande och kön",
        "National pension recipients by kind of pension, composition and sex",
    ),
    (
        "amount_distribution",
        "Kansaneläkkeen ja takuueläkkeen saajat eläkkeen suuruuden ja sukupuolen mukaan",
        "Folkpensions- och garantipensionstagare efter pensionens storlek och kön",
        "National pension and guarantee pension recipients by amount and sex",
    ),
    (
        "recipients_abroad_by_country",
        "Ulkomailla asuvat Kelan eläkkeensaajat asuinmaan ja etuuden mukaan",
        "FPA:s pensionstagare bosatta utomlands efter bosättningsland och förmån",
        "Recipients of Kela pensions living abroad by country of residence and benefit",
    ),
    (
        "expenditure",
        "Kelan maksamat eläkkeet etuuden ja maksun lajin mukaan",
        "Pensioner utbetalda av FPA efter förmån och utbetalningstyp",
        "Kela pension expenditure by benefit and payment type",
    ),
    (
        "new_recipients",
        "Uudet Kelan eläkkeensaajat etuuden, sukupuolen ja iän mukaan",
        "Nya FPA-pensionstagare efter förmån, kön och ålder",
        "New recipients of Kela pensions by benefit, sex and age",
    ),
    (
        "guarantee_pension_by_basis",
        "Takuueläkkeen saajat myöntämisperusteen, sukupuolen ja iän mukaan",
        "Garantipensionstagare efter grund, kön och ålder",
        "Guarantee pension recipients by basis, sex and age",
    ),
    (
        "survivors_pensions",
        "Perhe-eläkkeiden saajat eläkelajin, sukupuolen ja iän mukaan",
        "Familjepensionstagare efter pensionsslag, kön och ålder",
        "Survivors' pension recipients by category, sex and age",
    ),
    (
        "time_series",
        "Kelan eläkkeensaajat ja maksetut eläkkeet, aikasarja",
        "FPA:s pensionstagare och utbetalda pensioner, tidsserie",
        "Recipients of Kela pensions and expenditure, time series",
    ),
];

fn lookup4(list: &[(&str, &str, &str, &str)], id: &str) -> Option<Labels> {
    list.iter()
        .find(|(k, ..)| *k == id)
        .map(|(_, fi, sv, en)| Labels::new(fi, sv, en))
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
        if let Some((.., fi, sv, en)) = FIXED
            .iter()
            .find(|(d, c, ..)| *d == dimension && *c == code)
        {
            return Labels::new(fi, sv, en);
        }
        let found = match dimension {
            "area" => self.areas.get(code).cloned(),
            "country" => self.countries.get(code).cloned(),
            "age_group" => age_group_label(code),
            "amount_band" => amount_band_label(code),
            "measure" => lookup4(MEASURES, code),
            _ => None,
        };
        found.unwrap_or_else(|| Labels::same(code))
    }

    /// The name of a dimension (`measure` is the dimension of the measures in PX and JSON-stat).
    pub fn dimension(&self, id: &str) -> Labels {
        lookup4(DIMENSIONS, id).unwrap_or_else(|| Labels::same(id))
    }

    pub fn measure(&self, id: &str) -> Labels {
        lookup4(MEASURES, id).unwrap_or_else(|| Labels::same(id))
    }

    pub fn table_title(&self, table_id: &str) -> Labels {
        lookup4(TITLES, table_id).unwrap_or_else(|| Labels::same(table_id))
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
    let fi_high = format!("{},99", thousands(high, ' '));
    let en_high = format!("{}.99", thousands(high, ','));
    Some(Labels::new(
        &format!("{fi_low}–{fi_high} €/kk"),
        &format!("{fi_low}–{fi_high} €/mån"),
        &format!("EUR {en_low}–{en_high} a month"),
    ))
}

fn euros(whole: u64, group: char, point: char) -> String {
    format!("{}{point}00", thousands(whole, group))
}

fn thousands(n: u64, group: char) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(group);
        }
        out.push(c);
    }
    out
}

/// `code,name_fi,name_sv,name_en`, RFC 4180 quoting (names such as "Virgin Islands, U.S.").
fn parse_countries(text: &str) -> std::result::Result<BTreeMap<String, Labels>, String> {
    let mut lines = text.lines();
    let header = split_csv_line(lines.next().unwrap_or("").trim_end_matches('\r'))?;
    if header != ["code", "name_fi", "name_sv", "name_en"] {
        return Err("header must be code,name_fi,name_sv,name_en".into());
    }
    let mut out = BTreeMap::new();
    for (i, line) in lines.enumerate() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        let f = split_csv_line(line).map_err(|e| format!("row {}: {e}", i + 1))?;
        let valid_code = f
            .first()
            .is_some_and(|c| c.len() == 2 && c.chars().all(|ch| ch.is_ascii_uppercase()));
        if f.len() != 4 || !valid_code || f.iter().any(|v| v.is_empty()) {
            return Err(format!(
                "row {}: expected a two-letter code and three non-empty names",
                i + 1
            ));
        }
        if out
            .insert(f[0].clone(), Labels::new(&f[1], &f[2], &f[3]))
            .is_some()
        {
            return Err(format!("row {}: duplicate code {}", i + 1, f[0]));
        }
    }
    Ok(out)
}

fn split_csv_line(line: &str) -> std::result::Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    quoted = false;
                    if !matches!(chars.peek(), None | Some(',')) {
                        return Err("text after a closing quote".into());
                    }
                }
            } else {
                field.push(c);
            }
        } else if c == '"' && at_start {
            quoted = true;
            at_start = false;
        } else if c == ',' {
            fields.push(std::mem::take(&mut field));
            at_start = true;
        } else {
            field.push(c);
            at_start = false;
        }
    }
    if quoted {
        return Err("unterminated quote".into());
    }
    fields.push(field);
    Ok(fields)
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
        let fixed = |d: &str| -> Vec<String> {
            FIXED
                .iter()
                .filter(|(x, ..)| *x == d)
                .map(|(_, code, ..)| code.to_string())
                .collect()
        };
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
        for t in crate::run::TABLES {
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
        assert_eq!(
            split_csv_line(r#"VI,"a, ""b""",c"#).unwrap(),
            vec!["VI", "a, \"b\"", "c"]
        );
    }
}
