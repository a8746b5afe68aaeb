//! Properties of the rules over random persons, and the no-dead-parameter check: every value
//! of the parameter file changes some computed amount in some case.
use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate};
use kelastat::calendar::ymd;
use kelastat::classify::{classify, Input};
use kelastat::params::{MonthParameters, ParameterFile, AFVS_ONLY};
use kelastat::validate::Validated;
use proptest::prelude::*;
use rust_decimal::Decimal;

use crate::common::*;
use crate::rules::{month_period, parameters};
use crate::scenario::*;

fn person(id: String, birth: NaiveDate, family: &str) -> PersonCase {
    PersonCase {
        id,
        person: PersonSpec {
            birth_date: birth.to_string(),
            family_status: Some(family.into()),
            ..Default::default()
        },
        awards: vec![],
        income: BTreeMap::new(),
    }
}

fn award(benefit: &str, kind: Option<&str>, start: NaiveDate) -> AwardSpec {
    AwardSpec {
        benefit: benefit.into(),
        kind: kind.map(str::to_string),
        start_date: Some(start.to_string()),
        ..Default::default()
    }
}

fn euros(cents: i64) -> String {
    kelastat::money::cents_text(cents)
}

/// A population that exercises every parameter in the month starting `month`: income ladders
/// across the income limit, the minimum and the earnings limit, and every benefit.
fn probe_population(month: NaiveDate) -> Vec<PersonCase> {
    let y = month.year();
    let at = |years_ago: i32, m: u32, d: u32| ymd(y - years_ago, m, d);
    let start = at(5, 1, 1);
    let mut out = Vec::new();
    let mut next = |p: PersonCase| out.push(p);
    for family in ["single", "couple"] {
        for step in 0..=180 {
            let mut p = person(format!("L{family}{step}"), at(74, 3, 15), family);
            p.awards = vec![
                award("national_pension", Some("old_age"), start),
                award("guarantee_pension", Some("old_age"), start),
            ];
            p.income
                .insert("earnings_related_pension".into(), euros(step * 1000));
            next(p);
        }
    }
    for step in 0..=100 {
        let mut p = person(format!("D{step}"), at(44, 1, 1), "single");
        p.awards = vec![award("national_pension", Some("disability"), start)];
        p.income.insert("earned_income".into(), euros(step * 2000));
        next(p);
    }
    let mut early = person("E".into(), at(66, 3, 1), "single");
    let mut np = award("national_pension", Some("early_old_age"), start);
    np.early_months = Some(12);
    let mut gp = award("guarantee_pension", Some("early_old_age"), start);
    gp.early_months = Some(12);
    early.awards = vec![np, gp];
    next(early);
    for (id, birth) in [("F1", at(74, 1, 1)), ("F2", ymd(1963, 1, 1))] {
        let mut p = person(id.into(), birth, "single");
        let mut np = award("national_pension", Some("old_age"), start);
        np.deferral_months = Some(12);
        p.awards = vec![np];
        next(p);
    }
    let mut resident = person("R".into(), at(70, 1, 1), "single");
    let mut np = award("national_pension", Some("old_age"), start);
    np.residence_months = Some(200);
    resident.awards = vec![np];
    next(resident);
    let recent_death = month - Months::new(2);
    for family in ["single", "couple"] {
        for child in [false, true] {
            for step in 0..=30 {
                let mut p = person(format!("S{family}{child}{step}"), at(50, 1, 1), family);
                let mut sp = award("spouse_pension", None, at(2, 7, 1));
                sp.deceased_death_date = Some(at(2, 6, 15).to_string());
                sp.child_under_18 = Some(child);
                p.awards = vec![sp];
                p.income.insert("earned_income".into(), euros(step * 10000));
                next(p);
            }
        }
    }
    let mut initial = person("SI".into(), at(50, 1, 1), "single");
    let mut sp = award("spouse_pension", None, recent_death);
    sp.deceased_death_date = Some(recent_death.to_string());
    initial.awards = vec![sp];
    next(initial);
    for step in 0..=20 {
        let mut p = person(format!("O{step}"), at(10, 1, 1), "single");
        let mut op = award("orphan_pension", Some("child"), at(1, 7, 1));
        op.deceased_death_date = Some(at(1, 6, 15).to_string());
        p.awards = vec![op];
        p.income
            .insert("survivors_pension".into(), euros(step * 2000));
        next(p);
    }
    let mut student = person("OS".into(), at(19, 1, 1), "single");
    let mut op = award("orphan_pension", Some("student"), at(1, 7, 1));
    op.deceased_death_date = Some(at(1, 6, 15).to_string());
    student.awards = vec![op];
    next(student);
    let mut parent = person("CI".into(), at(44, 1, 1), "single");
    let mut ci = award("child_increase", None, start);
    ci.children = Some(2);
    parent.awards = vec![award("national_pension", Some("disability"), start), ci];
    next(parent);
    for step in 0..=180 {
        let mut p = person(format!("V{step}"), at(95, 3, 1), "single");
        p.person.front_veteran = Some("front".into());
        p.awards = vec![
            award("national_pension", Some("old_age"), start),
            award("front_veteran_supplement", Some("resident"), start),
            award("additional_front_veteran_supplement", None, start),
        ];
        p.income
            .insert("earnings_related_pension".into(), euros(step * 1000));
        next(p);
    }
    out
}

fn amounts(validated: &Validated, params: &MonthParameters) -> Vec<(String, i64)> {
    let classified = classify(&Input {
        persons: &validated.persons.accepted,
        awards: &validated.awards.accepted,
        income: validated.income.as_ref().map(|c| &c.accepted),
        classification: &classification(),
        params,
    })
    .unwrap();
    let rows = classified.rows;
    let ids = rows.column("award_id").unwrap().str().unwrap().clone();
    let cents = rows.column("amount").unwrap().i64().unwrap().clone();
    ids.iter()
        .zip(cents.iter())
        .map(|(i, c)| (i.unwrap().to_string(), c.unwrap()))
        .collect()
}

fn validated_probe(month: NaiveDate) -> (tempfile::TempDir, Validated) {
    let dir = tempfile::TempDir::new().unwrap();
    write_registers(
        dir.path(),
        &probe_population(month),
        &month.format("%Y-%m").to_string(),
    );
    let (_, validated) = run_validation(dir.path());
    for c in validated.iter() {
        assert_eq!(
            c.counts.rejected, 0,
            "{}: {:?}",
            c.counts.register, c.counts.by_reason
        );
    }
    (dir, validated)
}

/// A probe register for one month: its directory, the validated rows and each person's amount.
type Probe = (tempfile::TempDir, Validated, Vec<(String, i64)>);

/// A rate's name and the change of one per mille to it.
type RateChange = (&'static str, fn(&mut kelastat::params::Rates));

#[test]
fn every_parameter_value_changes_some_amount() {
    let file = parameters();
    let mut dead = Vec::new();
    let mut probes: BTreeMap<NaiveDate, Probe> = BTreeMap::new();
    for (name, parameter) in &file.parameters {
        for (k, entry) in parameter.values.iter().enumerate() {
            // rules.md computes the additional supplement only from 2020-01-01: its earlier
            // values are recorded for completeness and cannot change any amount.
            if AFVS_ONLY.contains(&name.as_str()) && entry.from < ymd(2020, 1, 1) {
                continue;
            }
            let Some(value) = entry.value else { continue };
            // The first month of the entry's validity that the file covers (the 2011-01-01
            // values are probed in March 2011, when the guarantee pension begins).
            let until = parameter
                .values
                .get(k + 1)
                .map_or(file.valid_until, |next| next.from);
            let month = std::iter::successors(Some(entry.from), |m| Some(*m + Months::new(1)))
                .take_while(|m| *m < until)
                .find(|m| file.for_month(*m).is_ok())
                .unwrap_or_else(|| panic!("{name} from {} is never in force", entry.from));
            let (_, validated, base) = probes.entry(month).or_insert_with(|| {
                let (dir, validated) = validated_probe(month);
                let base = amounts(&validated, &file.for_month(month).unwrap());
                (dir, validated, base)
            });
            let mut changed = file.clone();
            changed.parameters.get_mut(name).unwrap().values[k].value = Some(value * Decimal::TWO);
            let perturbed = amounts(validated, &changed.for_month(month).unwrap());
            if perturbed == *base {
                dead.push(format!("{name} from {}", entry.from));
            }
        }
    }
    assert!(probes.len() >= 18, "{} months probed", probes.len());
    assert!(dead.is_empty(), "parameters that change nothing: {dead:?}");
}

#[test]
fn every_rate_changes_some_amount() {
    let file = parameters();
    let month = ymd(2024, 12, 1);
    let (_dir, validated) = validated_probe(month);
    let base = amounts(&validated, &file.for_month(month).unwrap());
    let rates: [RateChange; 6] = [
        ("early", |r| r.early_reduction_per_mille_per_month += 1),
        ("deferral before 1962", |r| {
            r.deferral_increase_per_mille_per_month_born_before_1962 += 1
        }),
        ("deferral", |r| r.deferral_increase_per_mille_per_month += 1),
        ("residence share", |r| {
            r.residence_full_share_per_mille += 50
        }),
        ("afvs max", |r| r.afvs_max_percent += 1),
        ("afvs min", |r| r.afvs_min_percent += 1),
    ];
    for (name, change) in rates {
        let mut params = file.for_month(month).unwrap();
        change(&mut params.rates);
        assert_ne!(
            amounts(&validated, &params),
            base,
            "rate {name} changes nothing"
        );
    }
}

#[derive(Debug, Clone)]
struct Draw {
    family: bool,
    kind: usize,
    erp: i64,
    extra: i64,
    earned: i64,
    early: i64,
    deferral: i64,
    residence: Option<i64>,
    gp: bool,
}

fn draw() -> impl Strategy<Value = Draw> {
    (
        any::<bool>(),
        0usize..4,
        0i64..300_000,
        1i64..50_000,
        0i64..150_000,
        0i64..60,
        0i64..36,
        proptest::option::of(0i64..600),
        any::<bool>(),
    )
        .prop_map(
            |(family, kind, erp, extra, earned, early, deferral, residence, gp)| Draw {
                family,
                kind,
                erp,
                extra,
                earned,
                early,
                deferral,
                residence,
                gp,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Each drawn person has a twin with more pension income: the twin's national pension is
    /// never higher. No amount is negative; a national pension exceeds the full amount only
    /// when deferred; a paid guarantee pension tops NP + other pensions up to at most its full amount.
    #[test]
    fn national_and_guarantee_pension_properties(
        draws in proptest::collection::vec(draw(), 20),
        month in prop::sample::select(vec!["2022-08", "2024-01", "2024-12", "2025-06"]),
    ) {
        let kinds = ["old_age", "early_old_age", "disability", "rehabilitation_subsidy"];
        let first = month_period(month).reference_month();
        let mut persons = Vec::new();
        for (i, d) in draws.iter().enumerate() {
            for (twin, erp) in [("a", d.erp), ("b", d.erp + d.extra)] {
                let family = if d.family { "couple" } else { "single" };
                let mut p = person(format!("P{i}{twin}"), ymd(1955, 3, 1), family);
                let kind = kinds[d.kind];
                let mut np = award("national_pension", Some(kind), ymd(2020, 4, 1));
                np.early_months = (kind == "early_old_age").then_some(d.early);
                np.deferral_months = (kind == "old_age").then_some(d.deferral);
                np.residence_months = d.residence;
                p.awards.push(np);
                if d.gp {
                    let mut gp = award("guarantee_pension", Some("old_age"), ymd(2020, 4, 1));
                    gp.early_months = (kind == "early_old_age").then_some(d.early);
                    p.awards.push(gp);
                }
                p.income.insert("earnings_related_pension".into(), euros(erp));
                p.income.insert("earned_income".into(), euros(d.earned));
                persons.push(p);
            }
        }
        let dir = tempfile::TempDir::new().unwrap();
        write_registers(dir.path(), &persons, month);
        let params = parameters().for_month(first).unwrap();
        let rows = crate::rules::classify_dir(dir.path(), &params).rows;
        let get = |id: &str, column: &str| -> Option<i64> {
            let r = (0..rows.height()).find(|&r| crate::rules::cell_text(&rows, "award_id", r) == id)?;
            rows.column(column).unwrap().i64().unwrap().get(r)
        };
        for amount in rows.column("amount").unwrap().i64().unwrap().iter() {
            prop_assert!(amount.unwrap() >= 0);
        }
        for (i, d) in draws.iter().enumerate() {
            let (a, b) = (get(&format!("P{i}a_0"), "amount").unwrap(), get(&format!("P{i}b_0"), "amount").unwrap());
            prop_assert!(b <= a, "more income raised the national pension: {a} -> {b} ({d:?})");
            let full = get(&format!("P{i}a_0"), "np_full_unadjusted").unwrap();
            if d.deferral == 0 || d.kind != 0 {
                prop_assert!(a <= full, "national pension {a} above the full amount {full}");
            }
            if d.gp {
                for twin in ["a", "b"] {
                    let gp = get(&format!("P{i}{twin}_1"), "amount").unwrap();
                    if gp > 0 {
                        let np = get(&format!("P{i}{twin}_0"), "amount").unwrap();
                        let erp = if twin == "a" { d.erp } else { d.erp + d.extra };
                        let gp_full = params.cents("gp_full").unwrap();
                        prop_assert!(gp + np + erp <= gp_full, "GP {gp} + NP {np} + other {erp} > {gp_full}");
                    }
                }
            }
        }
    }
}

#[test]
fn a_month_outside_the_parameter_file_is_a_quality_gate_naming_the_parameter() {
    let file = parameters();
    let err = file.for_month(ymd(2027, 1, 1)).unwrap_err();
    assert_eq!(err.exit_code(), 4, "operations.md: a quality gate");
    assert!(
        err.to_string().contains("np_full_single") && err.to_string().contains("2027-01"),
        "{err}"
    );
    let err = file.for_month(ymd(2010, 12, 1)).unwrap_err();
    assert!(err.to_string().contains("2010-12"), "{err}");
    // January and February 2011 are covered: the guarantee pension does not exist yet, so its
    // full amount is no parameter of those months (rules.md), unlike every other one.
    let january = file.for_month(ymd(2011, 1, 1)).unwrap();
    assert_eq!(january.get("gp_full"), None);
    assert_eq!(january.cents("disability_earnings_limit"), Some(60_000));
    assert!(file
        .for_month(ymd(2011, 3, 1))
        .unwrap()
        .get("gp_full")
        .is_some());
}

#[test]
fn the_parameter_file_loader_rejects_typos() {
    let text = std::fs::read_to_string(root().join("pipelines/parameters.toml")).unwrap();
    let path = std::path::Path::new("parameters.toml");
    let load = |t: &str| ParameterFile::parse(t, path, String::new());
    assert!(load(&text).is_ok());
    let cases = [
        (
            text.replacen("unit = \"EUR/month\"\n", "", 1),
            "missing unit",
        ),
        (
            text.replacen("description = ", "descripton = ", 1),
            "unknown field",
        ),
        (
            text.replacen("[parameters.fvs]", "[parameters.fsv]", 1),
            "unknown parameter",
        ),
        (
            text.replacen("from = 2012-01-01", "from = 2011-01-01", 1),
            "strictly increasing",
        ),
        (
            text.replacen("from = 2013-01-01", "from = 2011-06-01", 1),
            "strictly increasing",
        ),
    ];
    for (bad, expected) in cases {
        let err = load(&bad).unwrap_err().to_string();
        assert!(err.contains(expected), "expected {expected:?} in {err}");
    }
    let sha = ParameterFile::load(&root().join("pipelines/parameters.toml"))
        .unwrap()
        .sha256;
    assert_eq!(sha.len(), 64);
}
