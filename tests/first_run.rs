//! An analyst's first clean runs on the small base register set: suppression explained and
//! the threshold recorded.
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
