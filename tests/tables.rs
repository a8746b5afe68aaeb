//! The tables on a small hand-built register (tests/fixtures/publication) whose cells are
//! written here by hand, not computed by the code under test.
use kelastat::aggregate::{aggregate, time_series, Aggregated, Input};
use kelastat::history::published_periods;
use kelastat::payments::paid_in_month;
use kelastat::table::{Status, Table};

use crate::common::*;
use crate::rules::{classify_dir, parameters};

fn hand_built() -> Aggregated {
    aggregate_dir(&root().join("tests/fixtures/publication"))
}

pub fn aggregate_dir(dir: &std::path::Path) -> Aggregated {
    let period: kelastat::period::Period = "2024".parse().unwrap();
    let params = parameters().for_month(period.reference_month()).unwrap();
    let classified = classify_dir(dir, &params);
    let (_, v) = run_validation(dir);
    let paid = v
        .payments
        .as_ref()
        .map(|c| paid_in_month(&c.accepted, period.reference_month()).unwrap());
    aggregate(&Input {
        period,
        persons: &v.persons.accepted,
        awards: &v.awards.accepted,
        payments: v.payments.as_ref().map(|c| &c.accepted),
        paid_in_month: paid.as_ref(),
        classified: &classified,
        classification: &classification(),
    })
    .unwrap()
}

fn table<'a>(a: &'a Aggregated, id: &str) -> &'a Table {
    a.tables.iter().find(|t| t.id == id).unwrap()
}

/// (count, mean, median) of a cell as text: "n", "n mean", "n mean median"; "." for NA.
fn cell(t: &Table, codes: &[&str]) -> String {
    let c = t
        .index(codes)
        .unwrap_or_else(|| panic!("no cell {codes:?} in {}", t.id));
    (0..t.measures.len())
        .map(|m| match (t.status[m][c], t.values[m][c]) {
            (Status::Value, Some(v)) if t.measures[m].is_money() => kelastat::money::cents_text(v),
            (Status::Value, Some(v)) => v.to_string(),
            (s, _) => s.symbol().to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn nonzero(t: &Table) -> usize {
    t.values[0].iter().filter(|v| v.unwrap_or(0) != 0).count()
}

#[test]
fn recipients_by_benefit_sex_and_age() {
    let a = hand_built();
    let t = table(&a, "recipients_by_benefit_sex_age");
    for (benefit, expected) in [
        ("ALL", "6 481.34 441.65"),
        ("NP", "4 543.93 550.00"),
        ("NP_OLD", "3 466.67 500.00"),
        ("NP_EARLY", "0 . ."),
        ("NP_DIS", "1 775.70 775.70"),
        ("NP_REHAB", "0 . ."),
        ("GP", "1 100.00 100.00"),
        ("SP", "1 383.30 383.30"),
        ("SP_INIT", "1 383.30 383.30"),
        ("SP_CONT", "0 . ."),
        ("OP", "1 177.21 177.21"),
        ("CI", "1 51.84 51.84"),
        ("FVS", "0 . ."),
        ("FVS_ABROAD", "0 . ."),
        ("AFVS", "0 . ."),
    ] {
        assert_eq!(
            cell(t, &["2024", benefit, "SSS", "SSS"]),
            expected,
            "{benefit}"
        );
    }
    assert_eq!(cell(t, &["2024", "ALL", "1", "SSS"]), "2 500.00 500.00");
    assert_eq!(
        cell(t, &["2024", "ALL", "2", "SSS"]),
        "4 472.01 441.65",
        "(500 + 827.54 + 177.21 + 383.30) / 4"
    );
    assert_eq!(cell(t, &["2024", "ALL", "2", "40-44"]), "1 827.54 827.54");
    assert_eq!(cell(t, &["2024", "ALL", "SSS", "0-15"]), "1 177.21 177.21");
    assert_eq!(
        cell(t, &["2024", "NP_OLD", "1", "80-84"]),
        "1 300.00 300.00"
    );
    assert_eq!(cell(t, &["2024", "NP_OLD", "2", "80-84"]), "0 . .");
    // Every other cell is zero: ALL 15 cells, NP 11, NP_OLD 9, six single-person codes 4 each.
    assert_eq!(nonzero(t), 59);
    assert_eq!(
        t.cells(),
        15 * 3 * 18,
        "age groups: SSS, 0-15, 16-19, 14 five-year groups, 90-"
    );
}

#[test]
fn recipients_by_area_and_abroad() {
    let a = hand_built();
    let t = table(&a, "recipients_by_area");
    for (area, expected) in [
        ("ALL", "6 481.34"),
        ("SSS", "5 517.61"),
        ("ABROAD", "1 300.00"),
        ("MK01", "4 440.13"),
        ("MK06", "1 827.54"),
        ("HVA90", "3 420.17"),
        ("HVA03", "1 500.00"),
        ("HVA08", "1 827.54"),
        ("KU091", "3 420.17"),
        ("KU049", "1 500.00"),
        ("KU837", "1 827.54"),
        ("KU179", "0 ."),
    ] {
        assert_eq!(cell(t, &["2024", area, "ALL", "SSS"]), expected, "{area}");
    }
    let c = table(&a, "recipients_abroad_by_country");
    assert_eq!(c.dimensions[1].codes, vec!["SSS", "SE"]);
    assert_eq!(cell(c, &["2024", "SE", "NP_OLD"]), "1 300.00");
    assert_eq!(cell(c, &["2024", "SSS", "ALL"]), "1 300.00");
}

#[test]
fn expenditure_by_payment_date_with_retroactive_payments_and_recoveries() {
    let a = hand_built();
    let t = table(&a, "expenditure");
    for (benefit, ty, expected) in [
        ("ALL", "SSS", "3275.80 6"),
        ("NP", "SSS", "2180.15 4"),
        ("NP_OLD", "SSS", "1404.45 3"),
        ("NP_OLD", "retroactive", "10.00 1"),
        ("NP_OLD", "recovery", "-5.55 1"),
        ("SP_INIT", "regular", "766.60 1"),
        ("SP_CONT", "SSS", "0.00 0"),
        ("GP", "regular", "100.00 1"),
        ("ALL", "regular", "3271.35 6"),
    ] {
        assert_eq!(cell(t, &["2024", benefit, ty]), expected, "{benefit} {ty}");
    }
}

#[test]
fn payments_count_without_an_award_in_force() {
    // P2 is paid a guarantee pension without any GP award (a recipient by the payment: GP has
    // one code); P6 is paid a spouse's pension for June, before the award (A8, from
    // September): expenditure counts it, under the kind of the award that started last.
    let dir = fixture_with(&[
        (
            "payments.csv",
            "Y13,P2,,guarantee_pension,2024-12-01,2024-12-20,regular,30.00",
        ),
        (
            "payments.csv",
            "Y14,P6,,spouse_pension,2024-06-01,2024-06-20,regular,20.00",
        ),
    ]);
    let a = aggregate_dir(dir.path());
    let r = table(&a, "recipients_by_benefit_sex_age");
    assert_eq!(cell(r, &["2024", "GP", "SSS", "SSS"]), "2 65.00 65.00");
    assert_eq!(
        cell(r, &["2024", "ALL", "SSS", "SSS"]).split(' ').next(),
        Some("6")
    );
    let e = table(&a, "expenditure");
    assert_eq!(cell(e, &["2024", "GP", "regular"]), "130.00 2");
    assert_eq!(cell(e, &["2024", "SP_INIT", "regular"]), "786.60 1");
    assert_eq!(cell(e, &["2024", "ALL", "SSS"]), "3325.80 6");
}

/// A copy of the hand-built registers with `extra` lines appended to the named files.
fn fixture_with(extra: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::TempDir::new().unwrap();
    let fixture = root().join("tests/fixtures/publication");
    for name in ["persons.csv", "awards.csv", "payments.csv"] {
        let mut text = std::fs::read_to_string(fixture.join(name)).unwrap();
        for (_, line) in extra.iter().filter(|(file, _)| *file == name) {
            text.push_str(line);
            text.push('\n');
        }
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

#[test]
fn a_spouse_pension_starting_in_the_month_of_the_death_is_a_new_initial_one() {
    // publication.md: a spouse's pension whose award starts in the month of the death or
    // earlier (no phase yet) counts under SP_INIT, its first phase, so SP = SP_INIT + SP_CONT.
    let dir = fixture_with(&[
        ("persons.csv", "P7,1980-02-02,1,,091,FI,single,"),
        (
            "awards.csv",
            "A9,P7,spouse_pension,,2024-03-01,,,,,,1978-01-01,2024-03-20,false,",
        ),
    ]);
    let a = aggregate_dir(dir.path());
    let n = table(&a, "new_recipients");
    assert_eq!(cell(n, &["2024", "SP_INIT", "1", "40-44"]), "1");
    assert_eq!(cell(n, &["2024", "SP_INIT", "SSS", "SSS"]), "2");
    assert_eq!(cell(n, &["2024", "SP", "SSS", "SSS"]), "2");
    assert_eq!(cell(n, &["2024", "SP_CONT", "SSS", "SSS"]), "0");
}

#[test]
fn new_recipients_structure_bands_bases_and_survivors() {
    let a = hand_built();
    let n = table(&a, "new_recipients");
    for (benefit, expected) in [
        ("ALL", "1"),
        ("CI", "1"),
        ("SP", "1"),
        ("SP_INIT", "1"),
        ("NP", "0"),
        ("SP_CONT", "0"),
    ] {
        assert_eq!(
            cell(n, &["2024", benefit, "SSS", "SSS"]),
            expected,
            "{benefit}"
        );
    }
    assert_eq!(cell(n, &["2024", "SP_INIT", "2", "50-54"]), "1");
    let s = table(&a, "national_pension_structure");
    assert_eq!(cell(s, &["2024", "NP", "FULL", "SSS"]), "4 543.93");
    assert_eq!(cell(s, &["2024", "NP_DIS", "SSS", "2"]), "1 775.70");
    let d = table(&a, "amount_distribution");
    for (benefit, band, expected) in [
        ("NP", "300-399", "1"),
        ("NP", "500-599", "1"),
        ("NP", "600-699", "1"),
        ("NP", "700-799", "1"),
        ("GP", "100-199", "1"),
        ("NP", "SSS", "4"),
        ("NP", "1000-", "0"),
    ] {
        assert_eq!(
            cell(d, &["2024", benefit, band, "SSS"]),
            expected,
            "{benefit} {band}"
        );
    }
    let g = table(&a, "guarantee_pension_by_basis");
    assert_eq!(cell(g, &["2024", "old_age", "1", "70-74"]), "1 100.00");
    assert_eq!(cell(g, &["2024", "SSS", "SSS", "SSS"]), "1 100.00");
    let v = table(&a, "survivors_pensions");
    assert_eq!(cell(v, &["2024", "SP_INIT", "2", "50-54"]), "1 383.30");
    assert_eq!(cell(v, &["2024", "OP_CHILD", "2", "0-15"]), "1 177.21");
    assert_eq!(cell(v, &["2024", "SSS", "SSS", "SSS"]), "2 280.26");
    let ts = time_series(&a.tables, "2024".parse().unwrap(), &[]);
    assert_eq!(cell(&ts, &["2024", "ALL"]), "6 481.34 3275.80");
}

/// `time_series` carries every period of the same kind published in the output root, each
/// with the figures and statuses of its own publication; months, the archive and other folders
/// are left out, and the current period is computed, not read back.
#[test]
fn time_series_carries_the_periods_published_before() {
    let a = hand_built();
    let current = time_series(&a.tables, "2024".parse().unwrap(), &[]);
    let out = tempfile::TempDir::new().unwrap();
    let write = |folder: &str, table: &Table| {
        let dir = out.path().join(folder).join("tables");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("time_series.csv"),
            kelastat::publish::csv::table_csv(table),
        )
        .unwrap();
    };
    // 2022 as published: the 2024 figures relabelled, one count confidential, one mean `.`.
    let mut earlier = current.clone();
    earlier.dimensions[0].codes = vec!["2022".into()];
    let all = earlier.index(&["2022", "ALL"]).unwrap();
    let gp = earlier.index(&["2022", "GP"]).unwrap();
    earlier.values[0][gp] = None;
    earlier.status[0][gp] = Status::Confidential;
    earlier.values[1][all] = None;
    earlier.status[1][all] = Status::NotApplicable;
    write("2022", &earlier);
    let mut month = current.clone();
    month.dimensions[0].codes = vec!["2023M06".into()];
    write("2023M06", &month);
    write("archive/2021/2025-01-01T00:00:00Z", &earlier);
    write("2024", &earlier); // the period being replaced: recomputed, not read
    std::fs::create_dir_all(out.path().join("rejects/2023")).unwrap();

    let history = published_periods(out.path(), "2024".parse().unwrap()).unwrap();
    assert_eq!(history.len(), 1);
    let ts = time_series(&a.tables, "2024".parse().unwrap(), &history);
    assert_eq!(ts.dimensions[0].codes, vec!["2022", "2024"]);
    assert_eq!(
        cell(&ts, &["2024", "ALL"]),
        cell(&current, &["2024", "ALL"])
    );
    assert_eq!(cell(&ts, &["2022", "NP"]), cell(&current, &["2024", "NP"]));
    let gp = ts.index(&["2022", "GP"]).unwrap();
    assert_eq!(
        (ts.status[0][gp], ts.values[0][gp]),
        (Status::Confidential, None)
    );
    let all = ts.index(&["2022", "ALL"]).unwrap();
    assert_eq!(ts.status[1][all], Status::NotApplicable);
    assert_eq!(
        ts.values[0][all],
        current.values[0][current.index(&["2024", "ALL"]).unwrap()]
    );
}
