//! An analyst's first clean runs on the small base register set: suppression explained and
//! the threshold recorded, `explain` for a statistician, and `classify`'s findings file.
use std::path::Path;
use std::process::Output;

use crate::common::*;

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A pipeline file of absolute paths (the sample classification and parameters) with the
/// given registers, output root and `min_persons`.
fn pipeline(dir: &Path, registers: &Path, out: &Path, min_persons: u32) -> std::path::PathBuf {
    let path = dir.join("pipeline.toml");
    std::fs::write(
        &path,
        format!(
            "name = \"first_run\"\nperiod = \"2024\"\nregisters = \"{}\"\nclassifications = \"{}\"\n\
             parameters = \"{}\"\noutput = \"{}\"\nmin_persons = {min_persons}\n",
            registers.display(),
            root().join("sample_data/classifications").display(),
            root().join("pipelines/parameters.toml").display(),
            out.display()
        ),
    )
    .unwrap();
    path
}

fn run(pipeline: &Path) -> Output {
    kelastat()
        .arg("run")
        .arg(pipeline)
        .env("SOURCE_DATE_EPOCH", "1735689600")
        .output()
        .unwrap()
}

#[test]
fn suppression_is_explained_and_the_threshold_recorded() {
    let registers = base_registers();
    let work = tempfile::TempDir::new().unwrap();
    let out = work.path().join("out");
    let result = run(&pipeline(work.path(), registers.path(), &out, 4));
    let (stdout, stderr) = text(&result);
    assert_eq!(result.status.code(), Some(0), "{stderr}");
    let published = out.join("2024");
    assert!(stdout.contains(&format!("published {}", published.display())));
    let quality = std::fs::read_to_string(published.join("quality.txt")).unwrap();
    assert!(
        quality.contains(
            "confidentiality threshold: min_persons = 4. A cell of 1 to 3 persons is hidden ('..')"
        ),
        "{quality}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(published.join("quality.json")).unwrap())
            .unwrap();
    assert_eq!(json["min_persons"], 4);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(published.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["min_persons"], 4);
    let report = std::fs::read_to_string(published.join("report.html")).unwrap();
    assert!(
        report.contains("Confidentiality: cells of fewer than 4 persons (1 to 3), and the cells"),
        "confidentiality note missing"
    );
    // Payments were given: a hidden expenditure is confidential, not absent.
    assert!(!report.contains("no payments register"));
    assert!(report.contains("Expenditure by period, EUR: every figure is confidential"));
    // Big tables are folded.
    assert!(report.contains("<details>\n<summary>Näytä taulukko ("));
    assert!(!stderr.contains("NOT protected"));
}

#[test]
fn a_run_without_protection_warns_loudly_and_says_so_in_every_record() {
    let registers = base_registers();
    let work = tempfile::TempDir::new().unwrap();
    let out = work.path().join("out");
    let result = run(&pipeline(work.path(), registers.path(), &out, 1));
    let (_, stderr) = text(&result);
    assert_eq!(result.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("WARN")
            && stderr.contains(
                "min_persons = 1: no cell is suppressed; the publication is NOT protected"
            ),
        "{stderr}"
    );
    let published = out.join("2024");
    let quality = std::fs::read_to_string(published.join("quality.txt")).unwrap();
    assert!(
        quality.contains(
            "WARNING: min_persons = 1: no cell is suppressed. This publication is NOT protected"
        ),
        "{quality}"
    );
    let manifest = std::fs::read_to_string(published.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"min_persons\": 1"), "{manifest}");
    let quality_json = std::fs::read_to_string(published.join("quality.json")).unwrap();
    assert!(quality_json.contains("\"min_persons\": 1"));
    let report = std::fs::read_to_string(published.join("report.html")).unwrap();
    assert!(report.contains("Warning: no disclosure control (min_persons = 1)."));
}

/// The base registers with P002's national pension residence-adjusted and listed after the
/// guarantee pension, and a widow (P006) in the initial phase of her spouse's pension.
fn explain_registers() -> tempfile::TempDir {
    let dir = base_registers();
    let path = dir.path().join("awards.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let np = lines.iter().position(|l| l.starts_with("A002,")).unwrap();
    let gp = lines.iter().position(|l| l.starts_with("A003,")).unwrap();
    lines[np] =
        "A002,P002,national_pension,early_old_age,2018-02-01,,2018-01-10,24,,200,,,,".into();
    lines.swap(np, gp);
    lines.push("A009,P006,spouse_pension,,2024-10-01,,,,,,,2024-09-15,false,".into());
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    append_line(dir.path(), "persons", "P006,1962-04-02,2,,091,FI,single,");
    dir
}

fn explain(registers: &Path, person: &str, month: &str) -> Output {
    kelastat()
        .args(["explain", "pipelines/kela_pensions.toml", "--registers"])
        .arg(registers)
        .args(["--person", person, "--month", month])
        .output()
        .unwrap()
}

#[test]
fn explain_shows_the_residence_test_the_paid_amount_and_the_pensions_in_dependency_order() {
    let registers = explain_registers();
    let result = explain(registers.path(), "P002", "2024M12");
    let (stdout, stderr) = text(&result);
    assert_eq!(result.status.code(), Some(0), "{stderr}");
    // 16th birthday 1971-01-31 to the start 2018-02-01: 564 months; 80 % = 451.2.
    assert!(
        stdout.contains(
            "2. residence test (person's residence_months against months from the 16th birthday \
             to the start or the 65th birthday): residence_months 200 < 80 % of 564 months = 451.2: \
             adjusted, the amounts are scaled by 200/451.2"
        ),
        "{stdout}"
    );
    let national = stdout.find("award A002 national_pension").unwrap();
    let guarantee = stdout.find("award A003 guarantee_pension").unwrap();
    assert!(national < guarantee, "{stdout}");
    assert!(
        stdout.contains(
            "  paid (regular payments of national_pension for the month, all its awards): 500.00 EUR"
        ),
        "{stdout}"
    );
    // The same month written the ISO way gives the same text.
    let iso = explain(registers.path(), "P002", "2024-12");
    assert_eq!(text(&iso).0, stdout);
}

#[test]
fn explain_of_an_initial_spouses_pension_lists_no_additional_amount() {
    let registers = explain_registers();
    let result = explain(registers.path(), "P006", "2024-12");
    let (stdout, stderr) = text(&result);
    assert_eq!(result.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("phase: initial"), "{stdout}");
    assert!(stdout.contains("initial amount (after residence coefficient): "));
    assert!(
        stdout.contains("residence_months not given: no residence adjustment"),
        "{stdout}"
    );
    for absent in [
        "additional amount part",
        "basic amount part",
        "income reduction",
    ] {
        assert!(!stdout.contains(absent), "{absent} in\n{stdout}");
    }
}

#[test]
fn explain_says_what_carries_a_child_increase() {
    let result = explain(base_registers().path(), "P001", "2024-12");
    let (stdout, stderr) = text(&result);
    assert_eq!(result.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.contains("carried by: the person's national pension ("),
        "{stdout}"
    );
}

#[test]
fn explain_of_an_unknown_person_does_not_log_the_identifier() {
    let result = explain(base_registers().path(), "P777", "2024-12");
    let (stdout, stderr) = text(&result);
    assert_eq!(result.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("the person given with --person has no accepted award in force in 2024-12"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("P777") && !stdout.contains("P777"),
        "{stderr}"
    );
}

#[test]
fn explain_finds_the_projects_pipeline_from_any_folder() {
    let elsewhere = tempfile::TempDir::new().unwrap();
    let registers = base_registers();
    let result = kelastat()
        .current_dir(elsewhere.path())
        .env_remove("KELASTAT_PIPELINE")
        .args(["explain", "--registers"])
        .arg(registers.path())
        .args(["--person", "P001", "--month", "2024-12"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&result);
    assert_eq!(result.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("award A001 national_pension"), "{stdout}");
}

#[test]
fn classify_writes_the_differing_payment_to_an_owner_only_file() {
    use std::os::unix::fs::PermissionsExt;
    let classify = |registers: &Path, out: &Path| -> (String, Vec<String>) {
        let result = kelastat()
            .args(["classify", "pipelines/kela_pensions.toml", "--registers"])
            .arg(registers)
            .arg("--out")
            .arg(out)
            .output()
            .unwrap();
        let (stdout, stderr) = text(&result);
        assert_eq!(result.status.code(), Some(0), "{stderr}");
        let path = out.join("rejects/2024/classify_findings.csv");
        assert!(
            stdout.contains(&format!(
                "(owner-only, with identifiers): {}",
                path.display()
            )),
            "{stdout}"
        );
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let lines = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        (stdout, lines)
    };
    let registers = base_registers();
    let out = tempfile::TempDir::new().unwrap();
    let (_, before) = classify(registers.path(), out.path());
    assert_eq!(
        before[0],
        "person_id,award_id,benefit,month,computed,paid,reason"
    );
    // P004's orphan's pension, computed and not paid, is paid now: 1.00 EUR.
    append_line(
        registers.path(),
        "payments",
        "Y008,P004,A005,orphan_pension,2024-12-01,2024-12-20,regular,1.00",
    );
    let (_, after) = classify(registers.path(), out.path());
    let changed: Vec<&String> = after.iter().filter(|l| !before.contains(l)).collect();
    let gone: Vec<&String> = before.iter().filter(|l| !after.contains(l)).collect();
    assert_eq!(changed.len(), 1, "{after:?}");
    assert!(
        changed[0].starts_with("P004,A005,orphan_pension,2024-12,")
            && changed[0].ends_with(",1.00,paid_differs"),
        "{changed:?}"
    );
    assert!(
        gone.iter()
            .all(|l| l.starts_with("P004,A005,orphan_pension,")),
        "{gone:?}"
    );
}

#[test]
fn generate_finds_its_default_parameters_and_classifications_from_any_folder() {
    let elsewhere = tempfile::TempDir::new().unwrap();
    let result = kelastat()
        .current_dir(elsewhere.path())
        .args([
            "generate",
            "--persons",
            "20",
            "--year",
            "2024",
            "--out",
            "registers",
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&result);
    assert_eq!(result.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("persons: 20 rows"), "{stdout}");
    assert!(elsewhere.path().join("registers/persons.parquet").is_file());
}

#[test]
fn printed_paths_are_normalised() {
    let registers = base_registers();
    std::fs::create_dir(registers.path().join("sub")).unwrap();
    std::fs::remove_file(registers.path().join("awards.csv")).unwrap();
    let result = kelastat()
        .args(["validate", "pipelines/kela_pensions.toml", "--registers"])
        .arg(registers.path().join("sub/.."))
        .output()
        .unwrap();
    let (_, stderr) = text(&result);
    assert_eq!(result.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "register directory {}: required register 'awards' not found",
            registers.path().display()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("sub/.."), "{stderr}");
}
