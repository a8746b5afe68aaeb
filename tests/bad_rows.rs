//! Every bad-row reason of registers.md, one appended row each, on CSV and (where the defect
//! can exist in a typed file) on Parquet.
use kelastat::ingest::ROW;
use kelastat::validate::{Validated, REASON, REASON_COLUMN};

use crate::common::*;

struct Case {
    register: &'static str,
    line: &'static str,
    reason: &'static str,
    column: &'static str,
    /// The defect is unparseable text, which a typed Parquet column cannot hold.
    csv_only: bool,
}

const fn case(
    register: &'static str,
    line: &'static str,
    reason: &'static str,
    column: &'static str,
) -> Case {
    Case {
        register,
        line,
        reason,
        column,
        csv_only: false,
    }
}

const fn text_case(
    register: &'static str,
    line: &'static str,
    reason: &'static str,
    column: &'static str,
) -> Case {
    Case {
        register,
        line,
        reason,
        column,
        csv_only: true,
    }
}

const CASES: &[Case] = &[
    text_case(
        "persons",
        "P101,1950-13-01,1,,091,FI,single,",
        "invalid_value",
        "birth_date",
    ),
    text_case(
        "persons",
        "P103,1950-01-01,x,,091,FI,single,",
        "invalid_value",
        "sex",
    ),
    case(
        "persons",
        ",1950-01-01,1,,091,FI,single,",
        "missing_value",
        "person_id",
    ),
    case(
        "persons",
        "P110,,1,,091,FI,single,",
        "missing_value",
        "birth_date",
    ),
    case(
        "persons",
        "P111,1950-01-01,1,,091,FI,,",
        "missing_value",
        "family_status",
    ),
    case(
        "persons",
        "P112,1950-01-01,1,,091,,single,",
        "missing_value",
        "country",
    ),
    case(
        "persons",
        "P113,1950-01-01,,,091,FI,single,",
        "missing_value",
        "sex",
    ),
    case(
        "persons",
        "P102,1950-01-01,3,,091,FI,single,",
        "invalid_code",
        "sex",
    ),
    case(
        "persons",
        "P104,1950-01-01,1,,091,FI,widowed,",
        "invalid_code",
        "family_status",
    ),
    case(
        "persons",
        "P105,1950-01-01,1,,091,XX,single,",
        "invalid_code",
        "country",
    ),
    case(
        "persons",
        "P106,1950-01-01,1,,091,FI,single,general",
        "invalid_code",
        "front_veteran",
    ),
    case(
        "persons",
        "P107,1950-01-01,1,,,FI,single,",
        "missing_municipality",
        "municipality",
    ),
    case(
        "persons",
        "P108,1950-01-01,1,,999,FI,single,",
        "unknown_municipality",
        "municipality",
    ),
    case(
        "persons",
        "P109,1950-01-01,1,1949-12-31,091,FI,single,",
        "death_before_birth",
        "death_date",
    ),
    text_case(
        "awards",
        "A112,P001,national_pension,old_age,2020-02-30,,,,,,,,,",
        "invalid_value",
        "start_date",
    ),
    text_case(
        "awards",
        "A113,P004,spouse_pension,,2020-01-01,,,,,,,2019-12-01,maybe,",
        "invalid_value",
        "child_under_18",
    ),
    case(
        "awards",
        "A101,P001,bonus_pension,,2020-01-01,,,,,,,,,",
        "invalid_code",
        "benefit",
    ),
    case(
        "awards",
        "A102,P001,national_pension,,2020-01-01,,,,,,,,,",
        "missing_value",
        "kind",
    ),
    case(
        "awards",
        "A103,P001,national_pension,partial,2020-01-01,,,,,,,,,",
        "invalid_code",
        "kind",
    ),
    case(
        "awards",
        "A104,P001,spouse_pension,initial,2020-01-01,,,,,,,2019-12-01,,",
        "invalid_code",
        "kind",
    ),
    case(
        "awards",
        "A105,P001,child_increase,,2020-01-01,,,,,,,,,",
        "missing_value",
        "children",
    ),
    case(
        "awards",
        "A114,P001,child_increase,,2020-01-01,,,,,,,,,0",
        "invalid_value",
        "children",
    ),
    case(
        "awards",
        "A106,P001,orphan_pension,child,2020-01-01,,,,,,,,,",
        "missing_value",
        "deceased_death_date",
    ),
    case(
        "awards",
        "A107,P001,spouse_pension,,2020-01-01,,,,,100,,2019-12-01,,",
        "missing_value",
        "deceased_birth_date",
    ),
    case(
        "awards",
        "A108,P001,national_pension,old_age,2020-01-01,2019-12-31,,,,,,,,",
        "end_before_start",
        "end_date",
    ),
    case(
        "awards",
        "A109,P001,national_pension,early_old_age,2020-01-01,,,-3,,,,,,",
        "invalid_value",
        "early_months",
    ),
    case(
        "awards",
        "A110,P999,national_pension,old_age,2020-01-01,,,,,,,,,",
        "orphan_reference",
        "person_id",
    ),
    case(
        "awards",
        "A111,P004,orphan_pension,child,2010-06-01,,,,,,,2010-05-01,,",
        "before_birth",
        "start_date",
    ),
    case(
        "awards",
        ",P001,national_pension,old_age,2020-01-01,,,,,,,,,",
        "missing_value",
        "award_id",
    ),
    text_case(
        "income",
        "P001,2024-12-01,earned_income,1.234",
        "invalid_value",
        "amount",
    ),
    text_case(
        "income",
        "P001,2024-12-01,earned_income,ten",
        "invalid_value",
        "amount",
    ),
    case(
        "income",
        "P001,2024-12-01,lottery,10.00",
        "invalid_code",
        "income_type",
    ),
    case(
        "income",
        "P001,2024-12-01,earned_income,-1.00",
        "negative_amount",
        "amount",
    ),
    case(
        "income",
        "P999,2024-12-01,earned_income,1.00",
        "orphan_reference",
        "person_id",
    ),
    case(
        "income",
        "P004,2010-06-01,survivors_pension,1.00",
        "before_birth",
        "month",
    ),
    case(
        "income",
        "P001,,earned_income,1.00",
        "missing_value",
        "month",
    ),
    case(
        "income",
        "P001,2024-12-01,earned_income,",
        "missing_value",
        "amount",
    ),
    text_case(
        "payments",
        "Y109,P001,A001,national_pension,2024-12-01,2024-12-32,regular,1.00",
        "invalid_value",
        "payment_date",
    ),
    case(
        "payments",
        "Y108,P001,A001,pension,2024-12-01,2024-12-20,regular,1.00",
        "invalid_code",
        "benefit",
    ),
    case(
        "payments",
        "Y101,P001,A001,national_pension,2024-12-01,2024-12-20,advance,1.00",
        "invalid_code",
        "payment_type",
    ),
    case(
        "payments",
        "Y102,P001,A001,national_pension,2024-12-01,2024-12-20,regular,-1.00",
        "negative_amount",
        "amount",
    ),
    case(
        "payments",
        "Y103,P001,A001,national_pension,2024-12-01,2024-12-20,recovery,1.00",
        "recovery_not_negative",
        "amount",
    ),
    case(
        "payments",
        "Y104,P001,A999,national_pension,2024-12-01,2024-12-20,regular,1.00",
        "unknown_award",
        "award_id",
    ),
    case(
        "payments",
        "Y105,P002,A001,national_pension,2024-12-01,2024-12-20,regular,1.00",
        "award_mismatch",
        "award_id",
    ),
    case(
        "payments",
        "Y110,P001,A001,guarantee_pension,2024-12-01,2024-12-20,regular,1.00",
        "award_mismatch",
        "award_id",
    ),
    case(
        "payments",
        "Y106,P999,,national_pension,2024-12-01,2024-12-20,regular,1.00",
        "orphan_reference",
        "person_id",
    ),
    case(
        "payments",
        "Y107,P004,,orphan_pension,2010-06-01,2010-06-20,regular,1.00",
        "before_birth",
        "period_month",
    ),
    case(
        "payments",
        "Y111,P001,A001,national_pension,,2024-12-20,regular,1.00",
        "missing_value",
        "period_month",
    ),
];

fn checked<'a>(validated: &'a Validated, register: &str) -> &'a kelastat::validate::Checked {
    validated
        .iter()
        .find(|c| c.counts.register == register)
        .unwrap()
}

/// The base fixture with one bad row appended: exactly that row is rejected, with its reason
/// and column, and every register reconciles.
fn assert_single_reject(validated: &Validated, case: &Case, format: &str) {
    let target = checked(validated, case.register);
    let rows = target.rejected.column(ROW).unwrap().i64().unwrap().to_vec();
    let read = target.counts.read as i64;
    assert_eq!(
        rows,
        vec![Some(read)],
        "{format} {}: rejected rows for {:?}",
        case.register,
        case.line
    );
    let reason = target
        .rejected
        .column(REASON)
        .unwrap()
        .str()
        .unwrap()
        .get(0)
        .unwrap();
    let column = target
        .rejected
        .column(REASON_COLUMN)
        .unwrap()
        .str()
        .unwrap()
        .get(0)
        .unwrap();
    assert_eq!(
        (reason, column),
        (case.reason, case.column),
        "{format}: {:?}",
        case.line
    );
    for c in validated.iter() {
        assert_eq!(c.counts.read, c.counts.accepted + c.counts.rejected);
        if c.counts.register != case.register {
            assert_eq!(
                c.counts.rejected, 0,
                "{format}: no other register has rejects"
            );
        }
    }
}

#[test]
fn the_base_fixture_is_clean() {
    let dir = base_registers();
    let (_, validated) = run_validation(dir.path());
    for c in validated.iter() {
        assert_eq!(
            c.counts.rejected, 0,
            "{}: {:?}",
            c.counts.register, c.counts.by_reason
        );
    }
    assert_eq!(validated.persons.counts.read, 5);
    assert_eq!(validated.payments.as_ref().unwrap().counts.accepted, 7);
    assert_eq!(
        validated.payments_after_death, 2,
        "P003 died in March; April and May were paid"
    );
}

#[test]
fn every_bad_row_reason_on_csv() {
    for case in CASES {
        let dir = base_registers();
        append_line(dir.path(), case.register, case.line);
        let (_, validated) = run_validation(dir.path());
        assert_single_reject(&validated, case, "csv");
    }
}

#[test]
fn every_bad_row_reason_on_parquet() {
    for case in CASES.iter().filter(|c| !c.csv_only) {
        let dir = base_registers();
        append_line(dir.path(), case.register, case.line);
        let parquet = csv_dir_to_parquet(dir.path());
        let (registers, validated) = run_validation(parquet.path());
        assert!(registers
            .iter()
            .all(|r| r.file.format == kelastat::registers::FileFormat::Parquet));
        assert_single_reject(&validated, case, "parquet");
    }
}

#[test]
fn every_reject_reason_is_exercised() {
    for reason in kelastat::validate::REASONS {
        let dup = reason.starts_with("duplicate_");
        assert!(
            dup || CASES.iter().any(|c| c.reason == *reason),
            "no case for {reason}"
        );
    }
}

#[test]
fn every_copy_of_a_duplicate_key_is_rejected_and_references_cascade() {
    let dir = base_registers();
    append_line(dir.path(), "persons", "P001,1950-01-01,1,,091,FI,single,");
    append_line(
        dir.path(),
        "awards",
        "A002,P002,national_pension,old_age,2020-01-01,,,,,,,,,",
    );
    append_line(
        dir.path(),
        "payments",
        "Y003,P002,,guarantee_pension,2024-12-01,2024-12-20,regular,1.00",
    );
    // A copy naming no known person is a duplicate first (its check comes before the
    // reference's); a copy missing its amount fails that earlier check.
    append_line(
        dir.path(),
        "payments",
        "Y006,P999,,guarantee_pension,2024-12-01,2024-12-20,regular,1.00",
    );
    append_line(
        dir.path(),
        "payments",
        "Y007,P003,A004,spouse_pension,2024-05-01,2024-05-20,regular,",
    );
    let (_, validated) = run_validation(dir.path());
    let reasons = |register: &str| checked(&validated, register).counts.by_reason.clone();
    assert_eq!(reasons("persons").get("duplicate_person_id"), Some(&2));
    assert_eq!(reasons("awards").get("duplicate_award_id"), Some(&2));
    assert_eq!(reasons("payments").get("duplicate_payment_id"), Some(&5));
    assert_eq!(reasons("payments").get("missing_value"), Some(&1));
    // P001's awards (A001, A006), income and payments lose their person.
    assert_eq!(reasons("awards").get("orphan_reference"), Some(&2));
    assert_eq!(reasons("income").get("orphan_reference"), Some(&1));
    assert_eq!(reasons("payments").get("orphan_reference"), Some(&3));
    // Y002 names A002, whose every copy was rejected.
    assert_eq!(reasons("payments").get("unknown_award"), Some(&1));
    for c in validated.iter() {
        assert_eq!(c.counts.read, c.counts.accepted + c.counts.rejected);
    }
}

#[test]
fn the_rejects_file_is_private_and_holds_the_original_rows() {
    use std::os::unix::fs::PermissionsExt;
    let dir = base_registers();
    append_line(dir.path(), "income", "P001,2024-12-01,earned_income,1.234");
    append_line(dir.path(), "persons", "P108,1950-01-01,1,,999,FI,single,");
    let (_, validated) = run_validation(dir.path());
    let out = tempfile::TempDir::new().unwrap();
    let mut rejects = kelastat::rejects::collect_rejects(&validated).unwrap();
    let path = kelastat::rejects::write_rejects(&mut rejects, out.path(), "2024").unwrap();
    assert_eq!(path, out.path().join("rejects/2024/rejects.parquet"));
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().unwrap()), 0o700);
    use polars::prelude::SerReader;
    let back = polars::prelude::ParquetReader::new(std::fs::File::open(&path).unwrap())
        .finish()
        .unwrap();
    assert_eq!(back.height(), 2);
    let text = format!("{back:?}");
    let originals: Vec<&str> = back
        .column("original_row")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert_eq!(
        originals,
        vec![
            r#"{"person_id":"P108","birth_date":"1950-01-01","sex":"1","death_date":null,"municipality":"999","country":"FI","family_status":"single","front_veteran":null}"#,
            r#"{"person_id":"P001","month":"2024-12-01","income_type":"earned_income","amount":"1.234"}"#,
        ],
        "{text}"
    );
    let rows: Vec<i64> = back
        .column("source_row")
        .unwrap()
        .i64()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert_eq!(rows, vec![6, 4]);
}
