//! The rule cases of `tests/cases/rules.toml` (Kela's worked examples and one case per rule
//! branch), and `explain` agreeing with the bulk computation.
use std::collections::BTreeMap;

use kelastat::classify::{classify, classify_in_chunks, Classified, Input, PUBLICATION_COLUMNS};
use kelastat::params::ParameterFile;
use kelastat::period::Period;
use polars::prelude::*;
use serde::Deserialize;

use crate::common::*;
use crate::scenario::*;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    case: Vec<RuleCase>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleCase {
    name: String,
    month: String,
    person: PersonSpec,
    #[serde(default)]
    income: BTreeMap<String, String>,
    awards: Vec<AwardSpec>,
    /// The arithmetic behind the expected amounts, so that a reviewer can check them by hand.
    why: Option<String>,
}

pub fn parameters() -> ParameterFile {
    ParameterFile::load(&root().join("pipelines/parameters.toml")).unwrap()
}

pub fn month_period(month: &str) -> Period {
    month.replace('-', "M").parse().unwrap()
}

/// Ingests and validates the CSV registers of `dir` (which must be clean) and classifies.
pub fn classify_dir(
    dir: &std::path::Path,
    params: &kelastat::params::MonthParameters,
) -> Classified {
    let (_, validated) = run_validation(dir);
    for c in validated.iter() {
        assert_eq!(
            c.counts.rejected, 0,
            "{}: {:?}",
            c.counts.register, c.counts.by_reason
        );
    }
    classify(&Input {
        persons: &validated.persons.accepted,
        awards: &validated.awards.accepted,
        income: validated.income.as_ref().map(|c| &c.accepted),
        classification: &classification(),
        params,
    })
    .unwrap()
}

pub fn cell_text(df: &DataFrame, column: &str, row: usize) -> String {
    match df.column(column).unwrap().get(row).unwrap() {
        AnyValue::Null => "null".into(),
        v @ (AnyValue::String(_) | AnyValue::StringOwned(_)) => v.str_value().to_string(),
        v => v.to_string(),
    }
}

fn euros(cents: i64) -> String {
    kelastat::money::cents_text(cents)
}

fn cases() -> Vec<RuleCase> {
    let text = std::fs::read_to_string(root().join("tests/cases/rules.toml")).unwrap();
    toml::from_str::<CaseFile>(&text).unwrap().case
}

/// A case is quoted from Kela's published worked examples when its name says so.
fn quoted_from_kela(case: &RuleCase) -> bool {
    case.name.starts_with("Kela ")
}

#[test]
fn every_rule_case_not_quoted_from_kela_shows_its_arithmetic() {
    let missing: Vec<String> = cases()
        .into_iter()
        .filter(|c| !quoted_from_kela(c) && c.why.as_deref().is_none_or(|w| w.trim().is_empty()))
        .map(|c| c.name)
        .collect();
    assert!(missing.is_empty(), "cases without `why`: {missing:#?}");
}

/// Every case of tests/cases/rules.toml; each failing case is reported by name. To run some
/// cases alone: `KELASTAT_RULE_CASE='<part of the name>' cargo test every_rule_case`.
#[test]
fn every_rule_case_gives_its_amounts_and_tags() {
    let file = parameters();
    let mut cases = cases();
    assert!(cases.len() >= 50, "{} cases", cases.len());
    if let Ok(part) = std::env::var("KELASTAT_RULE_CASE") {
        cases.retain(|c| c.name.contains(&part));
        assert!(!cases.is_empty(), "no case name contains {part:?}");
        eprintln!("running {} rule case(s) matching {part:?}", cases.len());
    }
    let mut by_month: BTreeMap<&str, Vec<(usize, &RuleCase)>> = BTreeMap::new();
    for (i, case) in cases.iter().enumerate() {
        by_month
            .entry(case.month.as_str())
            .or_default()
            .push((i, case));
    }
    let mut failures = Vec::new();
    for (month, month_cases) in by_month {
        let persons: Vec<PersonCase> = month_cases
            .iter()
            .map(|(i, c)| PersonCase {
                id: format!("C{i:03}"),
                person: c.person.clone(),
                awards: c.awards.clone(),
                income: c.income.clone(),
            })
            .collect();
        let dir = tempfile::TempDir::new().unwrap();
        write_registers(dir.path(), &persons, month);
        let params = file
            .for_month(month_period(month).reference_month())
            .unwrap();
        let rows = classify_dir(dir.path(), &params).rows;
        let ids: Vec<String> = (0..rows.height())
            .map(|r| cell_text(&rows, "award_id", r))
            .collect();
        for ((_, case), person) in month_cases.iter().zip(&persons) {
            for (k, award) in case.awards.iter().enumerate() {
                let award_id = format!("{}_{k}", person.id);
                let row = ids.iter().position(|id| *id == award_id);
                let expected = award.expect.as_deref().unwrap_or("absent");
                let got = match row {
                    None => "absent".to_string(),
                    Some(r) => euros(
                        rows.column("amount")
                            .unwrap()
                            .i64()
                            .unwrap()
                            .get(r)
                            .unwrap(),
                    ),
                };
                if got != expected {
                    failures.push(format!(
                        "{}: award {k} ({}): expected {expected}, got {got}",
                        case.name, award.benefit
                    ));
                }
                let Some(r) = row else { continue };
                for (tag, expected) in &award.tags {
                    let got = cell_text(&rows, tag, r);
                    if got != *expected {
                        failures.push(format!(
                            "{}: award {k} tag {tag}: expected {expected}, got {got}",
                            case.name
                        ));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn explain_shows_the_bulk_computation_with_its_parameters() {
    let file = parameters();
    let params = file
        .for_month(month_period("2022-08").reference_month())
        .unwrap();
    let case = cases()
        .into_iter()
        .find(|c| c.name.contains("290.65"))
        .unwrap();
    let dir = tempfile::TempDir::new().unwrap();
    let person = PersonCase {
        id: "X1".into(),
        person: case.person,
        awards: case.awards,
        income: case.income,
    };
    write_registers(dir.path(), &[person], "2022-08");
    let classified = classify_dir(dir.path(), &params);
    let text = kelastat::classify::explain::explain_text(&classified, "X1", &params).unwrap();
    for needle in [
        "np_full_single = 703.45",
        "np_income_limit = 713",
        "earnings_related_pension: 290.65",
        "yearly income counted Y (EUR/year): 3488",
        "income reduction round2((Y - T)/24): 115.63",
        "= amount: 587.82 EUR/month",
        "minus national pension: 587.82",
        "= amount: 7.16 EUR/month",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    let err =
        kelastat::classify::explain::explain_text(&classified, "NOBODY", &params).unwrap_err();
    assert_eq!(err.exit_code(), 2);
}

/// The sample registers validated, and the parameters of December 2024.
fn sample_december() -> (
    kelastat::validate::Validated,
    kelastat::params::MonthParameters,
) {
    let (_, validated) = run_validation(&root().join("sample_data/registers"));
    let params = parameters()
        .for_month(month_period("2024-12").reference_month())
        .unwrap();
    (validated, params)
}

/// Chunks of persons are classified independently (every rule reads one person's awards): the
/// sample registers in chunks of a few persons give the frame of all persons at once.
#[test]
fn classifying_in_chunks_of_persons_gives_the_same_frame() {
    let (validated, params) = sample_december();
    let input = Input {
        persons: &validated.persons.accepted,
        awards: &validated.awards.accepted,
        income: validated.income.as_ref().map(|c| &c.accepted),
        classification: &classification(),
        params: &params,
    };
    let whole = classify(&input).unwrap();
    let chunked = classify_in_chunks(&input, None, 3).unwrap();
    assert!(whole.rows.height() > 20, "{}", whole.rows.height());
    assert!(whole.rows.equals_missing(&chunked.rows));
    assert_eq!(whole.violations, chunked.violations);
    assert_eq!(whole.not_computed, chunked.not_computed);
}

/// The publication keeps only its columns, and counts the rule violations chunk by chunk as
/// the whole frame does: one old-age pensioner made 30 years old is one violation.
#[test]
fn the_publication_columns_count_the_same_violations() {
    let (validated, params) = sample_december();
    let classification = classification();
    let input = |persons| Input {
        persons,
        awards: &validated.awards.accepted,
        income: validated.income.as_ref().map(|c| &c.accepted),
        classification: &classification,
        params: &params,
    };
    let rows = classify(&input(&validated.persons.accepted)).unwrap().rows;
    let old_age = rows
        .lazy()
        .filter(
            col("benefit")
                .eq(lit("national_pension"))
                .and(col("kind").eq(lit("old_age"))),
        )
        .select([col("person_id")])
        .collect()
        .unwrap();
    let pensioner = old_age
        .column("person_id")
        .unwrap()
        .str()
        .unwrap()
        .get(0)
        .unwrap();
    let young = chrono::NaiveDate::from_ymd_opt(1994, 6, 1).unwrap();
    let persons = validated.persons.accepted.clone().with_column(
        when(col("person_id").eq(lit(pensioner)))
            .then(lit(young).cast(DataType::Date))
            .otherwise(col("birth_date"))
            .alias("birth_date"),
    );
    let whole = classify(&input(&persons)).unwrap();
    let publication = classify_in_chunks(&input(&persons), Some(PUBLICATION_COLUMNS), 3).unwrap();
    assert_eq!(whole.violations.get("old_age_below_pension_age"), Some(&1));
    assert_eq!(publication.violations, whole.violations);
    assert_eq!(publication.not_computed, whole.not_computed);
    assert_eq!(publication.rows.get_column_names(), PUBLICATION_COLUMNS);
    assert_eq!(publication.rows.height(), whole.rows.height());
}

/// `explain` against the bulk computation: for every person of the sample, explain's final
/// amount of each award (classified alone, as `kelastat explain` does) equals the amount of
/// that award in the classified frame the publication uses; and the publication's columns of
/// that frame equal the same columns of the full frame.
#[test]
fn explain_gives_every_award_of_every_sample_person_its_published_amount() {
    use kelastat::perf::keys::{key_of, AWARD_KEY};
    use kelastat::pipeline::{classify_period, ingest_and_validate, Scope};
    let pipeline =
        kelastat::config::Pipeline::load(&root().join("pipelines/kela_pensions.toml")).unwrap();
    let period = month_period("2024-12");
    let params = parameters().for_month(period.reference_month()).unwrap();
    let run = ingest_and_validate(&pipeline, period, None, None).unwrap();
    let publication = classify_period(&run, &params, Scope::Publication).unwrap();
    let frame = &publication.rows;
    let published: std::collections::HashMap<u64, i64> = frame
        .column(AWARD_KEY)
        .unwrap()
        .u64()
        .unwrap()
        .into_no_null_iter()
        .zip(
            frame
                .column("amount")
                .unwrap()
                .i64()
                .unwrap()
                .into_no_null_iter(),
        )
        .collect();
    assert_eq!(published.len(), frame.height(), "one row per award");

    let full = kelastat::classify::classify(&Input {
        persons: &run.validated.persons.accepted,
        awards: &run.validated.awards.accepted,
        income: run.validated.income.as_ref().map(|c| &c.accepted),
        classification: &run.classification,
        params: &params,
    })
    .unwrap();
    // Row order within a person is not part of the result: compare in award-key order.
    let by_award = |df: &DataFrame| {
        df.select(PUBLICATION_COLUMNS.iter().copied())
            .unwrap()
            .sort([AWARD_KEY], Default::default())
            .unwrap()
    };
    assert!(
        by_award(&full.rows).equals_missing(&by_award(frame)),
        "the publication's columns differ from the full frame's"
    );

    let persons = run.validated.persons.accepted.clone().collect().unwrap();
    let ids: Vec<String> = persons
        .column("person_id")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|id| id.unwrap().to_string())
        .collect();
    // (award id, amount in cents) from explain's text, for a share of the persons.
    let explained = |ids: &[String]| -> Vec<(String, i64)> {
        let mut out = Vec::new();
        for id in ids {
            let one = classify_period(&run, &params, Scope::Person(id)).unwrap();
            if one.rows.height() == 0 {
                continue;
            }
            let text = kelastat::classify::explain::explain_text(&one, id, &params).unwrap();
            let mut award = None;
            for line in text.lines() {
                if let Some(rest) = line.strip_prefix("award ") {
                    award = Some(rest.split(' ').next().unwrap().to_string());
                } else if let Some(rest) = line.trim().strip_prefix("= amount: ") {
                    let euros = rest.trim_end_matches(" EUR/month");
                    let cents = kelastat::money::parse_cents(euros)
                        .unwrap_or_else(|| panic!("amount {euros:?} of {id}"));
                    out.push((award.take().expect("an amount after its award"), cents));
                }
            }
        }
        out
    };
    let (a, b) = ids.split_at(ids.len() / 2);
    let results: Vec<(String, i64)> = std::thread::scope(|scope| {
        let first = scope.spawn(|| explained(a));
        let mut second = explained(b);
        second.extend(first.join().unwrap());
        second
    });
    assert_eq!(results.len(), published.len(), "every award explained once");
    let differing: Vec<String> = results
        .iter()
        .filter(|(award, cents)| published.get(&key_of(award)) != Some(cents))
        .map(|(award, cents)| {
            format!(
                "{award}: explain {cents}, published {:?}",
                published.get(&key_of(award))
            )
        })
        .collect();
    assert!(differing.is_empty(), "{differing:#?}");
}
