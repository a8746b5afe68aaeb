//! Small register sets written as CSV from a plain description, for rule tests.
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PersonSpec {
    pub birth_date: String,
    pub sex: Option<i64>,
    pub death_date: Option<String>,
    pub country: Option<String>,
    pub municipality: Option<String>,
    pub family_status: Option<String>,
    pub front_veteran: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AwardSpec {
    pub benefit: String,
    pub kind: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub early_months: Option<i64>,
    pub deferral_months: Option<i64>,
    pub residence_months: Option<i64>,
    pub deceased_birth_date: Option<String>,
    pub deceased_death_date: Option<String>,
    pub child_under_18: Option<bool>,
    pub children: Option<i64>,
    /// Expected amount (EUR), or "absent" when the award must not be in force.
    pub expect: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// One person with awards and monthly incomes (by income type, EUR a month).
#[derive(Debug, Clone)]
pub struct PersonCase {
    pub id: String,
    pub person: PersonSpec,
    pub awards: Vec<AwardSpec>,
    pub income: BTreeMap<String, String>,
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(|v| v.to_string()).unwrap_or_default()
}

/// Writes `persons.csv`, `awards.csv` and `income.csv` (incomes for `month`, `YYYY-MM-01`).
pub fn write_registers(dir: &Path, cases: &[PersonCase], month: &str) {
    let mut persons = String::from(
        "person_id,birth_date,sex,death_date,municipality,country,family_status,front_veteran\n",
    );
    let mut awards = String::from("award_id,person_id,benefit,kind,start_date,end_date,decision_date,early_months,deferral_months,residence_months,deceased_birth_date,deceased_death_date,child_under_18,children\n");
    let mut income = String::from("person_id,month,income_type,amount\n");
    for case in cases {
        let p = &case.person;
        let country = p.country.clone().unwrap_or_else(|| "FI".into());
        let municipality = if country == "FI" {
            p.municipality.clone().unwrap_or_else(|| "091".into())
        } else {
            String::new()
        };
        let _ = writeln!(
            persons,
            "{},{},{},{},{},{},{},{}",
            case.id,
            p.birth_date,
            p.sex.unwrap_or(1),
            opt(&p.death_date),
            municipality,
            country,
            p.family_status.clone().unwrap_or_else(|| "single".into()),
            opt(&p.front_veteran)
        );
        for (i, a) in case.awards.iter().enumerate() {
            let _ = writeln!(
                awards,
                "{}_{},{},{},{},{},{},,{},{},{},{},{},{},{}",
                case.id,
                i,
                case.id,
                a.benefit,
                opt(&a.kind),
                a.start_date.clone().unwrap_or_else(|| "2015-04-01".into()),
                opt(&a.end_date),
                opt(&a.early_months),
                opt(&a.deferral_months),
                opt(&a.residence_months),
                opt(&a.deceased_birth_date),
                opt(&a.deceased_death_date),
                opt(&a.child_under_18),
                opt(&a.children)
            );
        }
        for (income_type, amount) in &case.income {
            let _ = writeln!(income, "{},{month}-01,{income_type},{amount}", case.id);
        }
    }
    std::fs::write(dir.join("persons.csv"), persons).unwrap();
    std::fs::write(dir.join("awards.csv"), awards).unwrap();
    std::fs::write(dir.join("income.csv"), income).unwrap();
}
