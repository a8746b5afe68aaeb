//! `list`, `diff`, `rejects` and `run --periods … --keep-going` on real publications of the
//! sample registers.
use std::path::Path;

use tempfile::TempDir;

use crate::common::*;
use crate::operations::{run_into, stderr, stdout, whole_publication, EPOCH_A, EPOCH_B};

/// A copy of the sample's CSV registers.
fn sample_registers() -> TempDir {
    let dir = TempDir::new().unwrap();
    for entry in std::fs::read_dir(root().join("sample_data/registers_csv")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    dir
}

fn replace_in(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    assert_eq!(
        text.matches(from).count(),
        1,
        "{from} once in {}",
        file.display()
    );
    std::fs::write(file, text.replace(from, to)).unwrap();
}

#[test]
fn list_diff_and_rejects_describe_a_revised_publication() {
    let registers = sample_registers();
    let out = TempDir::new().unwrap();
    let regs = ["--registers", registers.path().to_str().unwrap()];
    let first = run_into(out.path(), EPOCH_A).args(regs).output().unwrap();
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    // A published 2023 (its time_series only), one payment of December revised and two bad
    // rows: values change and a period is new. (A larger --min-persons would also suppress
    // cells, but proving a new suppression pattern of the sparse sample takes many minutes:
    // `diff_names_each_kind_of_revision` covers newly suppressed cells on small files.)
    let series = std::fs::read_to_string(out.path().join("2024/tables/time_series.csv")).unwrap();
    let header = series.lines().next().unwrap();
    let all = series.lines().find(|l| l.starts_with("2024,ALL,")).unwrap();
    std::fs::create_dir_all(out.path().join("2023/tables")).unwrap();
    std::fs::write(
        out.path().join("2023/tables/time_series.csv"),
        format!("{header}\n{}\n", all.replacen("2024", "2023", 1)),
    )
    .unwrap();
    replace_in(
        &registers.path().join("payments.csv"),
        "Y00000012,P0000001,A0000001,national_pension,2024-12-01,2024-12-20,regular,51.58",
        "Y00000012,P0000001,A0000001,national_pension,2024-12-01,2024-12-20,regular,551.58",
    );
    append_line(
        registers.path(),
        "persons",
        "PBAD00001,1950-01-01,7,,049,FI,single,",
    );
    append_line(
        registers.path(),
        "persons",
        "PBAD00002,1950-01-01,8,,049,FI,single,",
    );
    let second = run_into(out.path(), EPOCH_B).args(regs).output().unwrap();
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    let archived_name = "2025-01-01T000000Z";
    let archived = out.path().join("archive/2024").join(archived_name);
    whole_publication(&archived);

    // list: the live version and the archived one, as text and as JSON.
    let list = kelastat()
        .args(["list", out.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(list.status.code(), Some(0), "{}", stderr(&list));
    let text = stdout(&list);
    assert!(
        text.contains("2024: published 2025-02-01T00:00:00Z, kelastat "),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "  archived {archived_name}: published 2025-01-01T00:00:00Z"
        )),
        "{text}"
    );
    assert!(text.contains("persons 3002"), "input rows: {text}");
    let list = kelastat()
        .args(["list", out.path().to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let periods = json.as_array().unwrap();
    assert_eq!(periods.len(), 1, "2023 has no manifest: not a publication");
    assert_eq!(periods[0]["period"], "2024");
    assert_eq!(periods[0]["live"]["published_at"], "2025-02-01T00:00:00Z");
    assert_eq!(periods[0]["live"]["input_rows"]["persons"], 3002);
    assert_eq!(periods[0]["archived"].as_array().unwrap().len(), 1);
    assert_eq!(
        periods[0]["live"]["parameters_sha256"]
            .as_str()
            .unwrap()
            .len(),
        64
    );

    // diff: the revised values and the new period.
    let changes = out.path().join("changes.csv");
    let diff = kelastat()
        .args(["diff", archived.to_str().unwrap()])
        .arg(out.path().join("2024"))
        .args(["--csv", changes.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(diff.status.code(), Some(0), "{}", stderr(&diff));
    let summary = stdout(&diff);
    let line = |table: &str| {
        summary
            .lines()
            .find(|l| l.starts_with(&format!("{table}: ")))
            .unwrap_or_else(|| panic!("{table} in {summary}"))
            .to_string()
    };
    assert!(line("time_series").contains("row added 15"), "{summary}");
    let main = line("recipients_by_benefit_sex_age");
    assert!(main.contains("value changed"), "{summary}");
    let csv = std::fs::read_to_string(&changes).unwrap();
    assert!(
        csv.starts_with("table,cell,measure,change,old_value,old_status,new_value,new_status\n")
    );
    let mean = csv
        .lines()
        .find(|l| {
            l.starts_with(
                "recipients_by_benefit_sex_age,period=2024;benefit=NP;sex=SSS;age_group=SSS,mean_amount,value_changed,",
            )
        })
        .unwrap_or_else(|| panic!("the national pension's mean changed:\n{csv}"));
    let fields: Vec<&str> = mean.split(',').collect();
    assert_ne!(fields[4], fields[6], "{mean}");
    assert!(
        csv.lines()
            .any(|l| l.starts_with("time_series,period=2023;benefit=ALL,,row_added,")),
        "{csv}"
    );
    // The same folders diffed with themselves: nothing.
    let same = kelastat()
        .args([
            "diff",
            archived.to_str().unwrap(),
            archived.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        stdout(&same).contains("0 changes in 10 tables"),
        "{}",
        stdout(&same)
    );

    // rejects: where and why, never who.
    let rejects = kelastat()
        .args([
            "rejects",
            out.path().to_str().unwrap(),
            "--period",
            "2024",
            "--limit",
            "1",
        ])
        .output()
        .unwrap();
    assert_eq!(rejects.status.code(), Some(0), "{}", stderr(&rejects));
    let text = stdout(&rejects);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["register", "source_row", "column", "reason"]);
    let row: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(row, ["persons", "3001", "sex", "invalid_code"], "{text}");
    assert_eq!(
        lines.next(),
        Some("1 of 2 rejected rows shown (--limit)"),
        "{text}"
    );
    assert!(!text.contains("PBAD"), "no identifier: {text}");
}

#[test]
fn a_backfill_with_keep_going_runs_every_period_and_ends_with_the_worst_code() {
    let out = TempDir::new().unwrap();
    // 2024 publishes; 2025 has no payment in its reference month: no recipient, a break the
    // plausibility gate stops (exit 4).
    let result = run_into(out.path(), EPOCH_A)
        .args(["--periods", "2024..2025", "--keep-going"])
        .output()
        .unwrap();
    assert_eq!(result.status.code(), Some(4), "{}", stderr(&result));
    let text = stdout(&result);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with("2024: published "), "{text}");
    assert!(
        lines[1].starts_with("2025: failed (exit 4): quality gate failed"),
        "{text}"
    );
    whole_publication(&out.path().join("2024"));
    assert!(!out.path().join("2025").exists());
    // Without --keep-going the backfill stops at the first failure.
    let result = run_into(out.path(), EPOCH_A)
        .args(["--periods", "2025..2026"])
        .output()
        .unwrap();
    assert_eq!(result.status.code(), Some(4), "{}", stderr(&result));
    assert!(
        !stderr(&result).contains("in force in 2026-12"),
        "{}",
        stderr(&result)
    );
}

#[test]
fn diff_names_each_kind_of_revision() {
    let dir = TempDir::new().unwrap();
    let write = |folder: &str, text: &str| {
        let tables = dir.path().join(folder).join("tables");
        std::fs::create_dir_all(&tables).unwrap();
        std::fs::write(tables.join("t.csv"), text).unwrap();
    };
    let header = "period,benefit,recipients,recipients_status,mean_amount,mean_amount_status\n";
    write(
        "old",
        &format!("{header}2024,ALL,10,,500.00,\n2024,NP,5,,400.00,\n2024,GP,,..,,..\n"),
    );
    write(
        "new",
        &format!(
            "{header}2023,ALL,9,,480.00,\n2024,ALL,11,,500.0,\n2024,NP,,..,,..\n2024,GP,4,,99.50,\n"
        ),
    );
    let changes = dir.path().join("changes.csv");
    let out = kelastat()
        .arg("diff")
        .args([dir.path().join("old"), dir.path().join("new")])
        .args(["--csv", changes.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with(
            "t: value changed 1, newly suppressed 2, newly published 2, row added 1\n6 changes in 1 tables\n"
        ),
        "{}",
        stdout(&out)
    );
    let csv = std::fs::read_to_string(&changes).unwrap();
    let expected = [
        "table,cell,measure,change,old_value,old_status,new_value,new_status",
        "t,period=2024;benefit=ALL,recipients,value_changed,10,,11,",
        "t,period=2024;benefit=GP,recipients,newly_published,,..,4,",
        "t,period=2024;benefit=GP,mean_amount,newly_published,,..,99.50,",
        "t,period=2024;benefit=NP,recipients,newly_suppressed,5,,,..",
        "t,period=2024;benefit=NP,mean_amount,newly_suppressed,400.00,,,..",
        "t,period=2023;benefit=ALL,,row_added,,,,",
    ];
    assert_eq!(csv.lines().collect::<Vec<_>>(), expected);
}
