//! An analyst's first mistakes, one at a time, on the small base register set: each message
//! names the register, the column, the row, the offending value and the form expected, counts
//! the rows rejected only because the row they refer to was rejected apart, and never shows a
//! personal identifier.
use std::path::Path;

use kelastat::error::Error;
use kelastat::quality::detailed_summary_text;
use polars::prelude::*;

use crate::common::*;

/// Rewrites one column of a CSV register of `dir` (fields hold no commas or quotes).
fn rewrite_column(dir: &Path, register: &str, column: &str, change: impl Fn(&str) -> String) {
    let path = dir.join(format!("{register}.csv"));
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let index = header.split(',').position(|c| c == column).unwrap();
    let mut out = format!("{header}\n");
    for line in lines {
        let mut fields: Vec<String> = line.split(',').map(str::to_string).collect();
        fields[index] = change(&fields[index]);
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    std::fs::write(path, out).unwrap();
}

/// `1950-05-01` written the Finnish way, `1.5.1950`.
fn finnish(date: &str) -> String {
    let parts: Vec<u32> = date.split('-').map(|p| p.parse().unwrap()).collect();
    format!("{}.{}.{}", parts[2], parts[1], parts[0])
}

fn assert_no_identifier(text: &str) {
    for id in [
        "P001", "P002", "P003", "P004", "P005", "P999", "A001", "Y001",
    ] {
        assert!(!text.contains(id), "identifier {id} shown in:\n{text}");
    }
}

#[test]
fn finnish_birth_dates_are_shown_with_row_value_form_and_fix_and_their_consequences_apart() {
    let dir = base_registers();
    rewrite_column(dir.path(), "persons", "birth_date", finnish);
    let (_, validated) = run_validation(dir.path());
    let text = detailed_summary_text(&validated);
    assert!(
        text.contains(
            "    birth_date: 5, expected a date YYYY-MM-DD; e.g. row 1 (line 2): '1.5.1950' \
             (did you mean 1950-05-01?), row 2 (line 3): '31.1.1955' (did you mean 1955-01-31?), \
             row 3 (line 4): '29.2.1940' (did you mean 1940-02-29?)\n"
        ),
        "{text}"
    );
    // Every award, income and payment row refers to a rejected person: consequences only.
    let awards = validated.awards.counts.rejected;
    assert_eq!(awards, validated.awards.counts.read);
    assert!(
        text.contains(&format!(
            "awards: read {awards}, accepted 0, rejected {awards}\n  orphan_reference: {awards}\n    \
             person_id: {awards}, all because their person was rejected \
             (persons invalid_value in birth_date: {awards})\n"
        )),
        "{text}"
    );
    let payments = validated.payments.as_ref().unwrap().counts.rejected;
    assert!(
        text.contains(&format!(
            "person_id: {payments}, all because their person was rejected \
             (persons invalid_value in birth_date: {payments})"
        )),
        "{text}"
    );
    assert_no_identifier(&text);
}

#[test]
fn sex_as_letters_names_the_codes_and_a_row_of_an_unknown_person_is_a_cause_of_its_own() {
    let dir = base_registers();
    rewrite_column(dir.path(), "persons", "sex", |s| {
        if s == "1" { "M" } else { "N" }.to_string()
    });
    append_line(dir.path(), "income", "P999,2024-12-01,earned_income,10.00");
    let (_, validated) = run_validation(dir.path());
    let text = detailed_summary_text(&validated);
    assert!(
        text.contains(
            "    sex: 5, expected 1 or 2 (1 = man, 2 = woman); e.g. row 1 (line 2): 'M' \
             (did you mean 1 (man)?), row 2 (line 3): 'N' (did you mean 2 (woman)?)"
        ),
        "{text}"
    );
    // income: 3 rows of rejected persons, and the appended row of a person never known
    // (row 4, line 5), whose identifier is not shown.
    assert!(
        text.contains(
            "    person_id: 4, of which 3 because their person was rejected \
             (persons invalid_value in sex: 3); the other 1, expected the person_id of an \
             accepted row of persons; e.g. row 4 (line 5)\n"
        ),
        "{text}"
    );
    assert_no_identifier(&text);
}

#[test]
fn an_unknown_municipality_without_its_leading_zero_suggests_the_code() {
    let dir = base_registers();
    rewrite_column(dir.path(), "persons", "municipality", |m| {
        m.trim_start_matches('0').to_string()
    });
    let (_, validated) = run_validation(dir.path());
    let text = detailed_summary_text(&validated);
    assert!(
        text.contains("row 1 (line 2): '91' (did you mean 091 (Helsinki)?)")
            && text.contains("row 2 (line 3): '49' (did you mean 049 (Espoo)?)")
            && text.contains("written as text with its leading zeros (e.g. 091)"),
        "{text}"
    );
    // The published summary carries no example.
    let published = kelastat::quality::summary_text(&validated);
    assert!(
        published.contains("    municipality: 2") && !published.contains("'91'"),
        "{published}"
    );
}

#[test]
fn the_failed_quality_gate_names_the_top_reasons_and_the_rejects_file() {
    let dir = base_registers();
    rewrite_column(dir.path(), "persons", "birth_date", finnish);
    let out = tempfile::TempDir::new().unwrap();
    let run = kelastat()
        .args(["validate", "pipelines/kela_pensions.toml", "--registers"])
        .arg(dir.path())
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&run.stderr);
    let rejects = out.path().join("rejects/2024/rejects.parquet");
    assert!(rejects.is_file());
    for wanted in [
        "quality gate failed: persons rejected 5 of 5 rows (100.00 %)",
        "Top reasons: persons invalid_value in birth_date: 5 (e.g. row 1 (line 2): '1.5.1950' \
         (did you mean 1950-05-01?); expected a date YYYY-MM-DD)",
        "awards orphan_reference in person_id: 8, all because the row they refer to was \
         rejected (persons invalid_value in birth_date)",
        &format!("is in {} (owner-only)", rejects.display()),
    ] {
        assert!(stderr.contains(wanted), "{wanted}\nnot in:\n{stderr}");
    }
    assert_no_identifier(&stderr);
    assert_no_identifier(&String::from_utf8_lossy(&run.stdout));
}

fn schema_message(dir: &Path) -> String {
    let err = kelastat::ingest::ingest(dir).unwrap_err();
    assert_eq!(err.exit_code(), 3, "{err}");
    assert!(matches!(err, Error::Schema { .. }), "{err}");
    err.to_string()
}

#[test]
fn a_renamed_column_names_the_files_columns_closest_first() {
    let dir = base_registers();
    let path = dir.path().join("persons.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replacen(",sex,", ",gender,", 1).replacen(
        "front_veteran",
        "front_veteran,shoe_size",
        1,
    );
    let text: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| if i == 0 { l.to_string() } else { format!("{l},42") } + "\n")
        .collect();
    std::fs::write(&path, text).unwrap();
    let message = schema_message(dir.path());
    assert!(
        message.contains(
            "column 'sex': expected int, found no such column. The file has a column 'gender', \
             a column 'shoe_size' that the contract does not know: if it holds sex, rename it 'sex'"
        ),
        "{message}"
    );
    assert!(
        message.contains("The file's columns: person_id, birth_date, gender,"),
        "{message}"
    );
}

#[test]
fn an_integer_municipality_column_says_codes_keep_their_leading_zeros() {
    let dir = csv_dir_to_parquet(base_registers().path());
    let path = dir.path().join("persons.parquet");
    let mut df = ParquetReader::new(std::fs::File::open(&path).unwrap())
        .finish()
        .unwrap();
    let ints = df
        .column("municipality")
        .unwrap()
        .cast(&DataType::Int64)
        .unwrap();
    df.with_column(ints).unwrap();
    write_parquet(&mut df, &path);
    let message = schema_message(dir.path());
    assert!(
        message.contains("column 'municipality': expected utf8, found i64. Municipality codes are text that keeps its leading zeros ('091', not 91)"),
        "{message}"
    );
}

/// The base registers as Excel writes CSV in a Finnish locale: a byte-order mark,
/// semicolons, decimal commas.
fn excel_registers() -> tempfile::TempDir {
    let dir = base_registers();
    for register in ["persons", "awards", "income", "payments"] {
        let path = dir.path().join(format!("{register}.csv"));
        let text = std::fs::read_to_string(&path).unwrap();
        let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
        let amount = header.iter().position(|c| *c == "amount");
        let mut out = String::from("\u{feff}");
        for (i, line) in text.lines().enumerate() {
            let mut fields: Vec<String> = line.split(',').map(str::to_string).collect();
            if let (Some(a), true) = (amount, i > 0) {
                fields[a] = fields[a].replace('.', ",");
            }
            out.push_str(&fields.join(";"));
            out.push_str("\r\n");
        }
        std::fs::write(path, out).unwrap();
    }
    dir
}

#[test]
fn an_excel_csv_with_semicolons_decimal_commas_and_a_byte_order_mark_reads_as_the_original() {
    let original = base_registers();
    let excel = excel_registers();
    assert!(std::fs::read_to_string(excel.path().join("payments.csv"))
        .unwrap()
        .contains(";600,12\r\n"));
    let (_, expected) = run_validation(original.path());
    let (_, got) = run_validation(excel.path());
    let names = |v: &kelastat::validate::Validated| -> Vec<String> {
        v.iter().map(|c| c.counts.register.clone()).collect()
    };
    assert_eq!(names(&expected), names(&got), "the same registers");
    for (e, g) in expected.iter().zip(got.iter()) {
        assert_eq!(e.counts.rejected, 0);
        assert_eq!(e.counts, g.counts);
        assert!(
            accepted(e).equals_missing(&accepted(g)),
            "{}",
            e.counts.register
        );
    }
    // A rejected row's original values come from the semicolon-separated file.
    append_line(
        excel.path(),
        "income",
        "P001;2024-12-01;earned_income;1,234",
    );
    let (_, validated) = run_validation(excel.path());
    let rejects = kelastat::rejects::collect_rejects(&validated).unwrap();
    let original_row = rejects
        .column("original_row")
        .unwrap()
        .str()
        .unwrap()
        .get(0)
        .map(str::to_string);
    assert_eq!(
        original_row.as_deref(),
        Some(
            r#"{"person_id":"P001","month":"2024-12-01","income_type":"earned_income","amount":"1,234"}"#
        )
    );
}

#[test]
fn a_header_that_is_neither_comma_nor_semicolon_separated_is_shown_with_the_expected_one() {
    let dir = base_registers();
    let path = dir.path().join("awards.csv");
    let text = std::fs::read_to_string(&path).unwrap().replace(',', "\t");
    std::fs::write(&path, text).unwrap();
    let message = schema_message(dir.path());
    assert!(
        message.contains("column 'award_id': expected utf8, found no such column. The header reads as the single column 'award_id\tperson_id\tbenefit")
            && message.contains("expected column names separated by commas (or all by semicolons, as Excel writes them), e.g. award_id,person_id,benefit,kind,"),
        "{message}"
    );
}
