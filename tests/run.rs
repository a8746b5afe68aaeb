//! `kelastat run` end to end on the sample data: the files of a publication, real readers,
//! reproducibility, atomic replacement with an archive, and the lock.
use std::path::Path;
use std::process::Command;

use crate::common::*;

const EPOCH: &str = "1735689600"; // 2025-01-01T00:00:00Z

fn run(out: &Path) -> std::process::Output {
    kelastat()
        .args([
            "run",
            "pipelines/kela_pensions.toml",
            "--out",
            out.to_str().unwrap(),
        ])
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .output()
        .unwrap()
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in walk(dir) {
        let bytes = std::fs::read(&entry).unwrap();
        out.push((
            entry.strip_prefix(dir).unwrap().display().to_string(),
            bytes,
        ));
    }
    out.sort();
    out
}

#[test]
fn a_publication_has_every_file_and_real_readers_accept_it() {
    let out = tempfile::TempDir::new().unwrap();
    let result = run(out.path());
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(0), "{stderr}");
    let publication = out.path().join("2024");
    for table in kelastat::catalog::TABLE_IDS {
        for ext in ["csv", "parquet", "px", "fi.json", "sv.json", "en.json"] {
            assert!(
                publication.join(format!("tables/{table}.{ext}")).is_file(),
                "{table}.{ext}"
            );
        }
    }
    for file in [
        "codelists.csv",
        "datapackage.json",
        "report.html",
        "quality.json",
        "quality.txt",
        "manifest.json",
    ] {
        assert!(publication.join(file).is_file(), "{file}");
    }
    assert!(
        !publication.join("rejects").exists(),
        "rejects never go into the publication"
    );
    assert!(out.path().join("rejects/2024/rejects.parquet").is_file());
    // No person identifier in any published file.
    let persons =
        std::fs::read_to_string(root().join("sample_data/registers_csv/persons.csv")).unwrap();
    let ids: Vec<&str> = persons
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .collect();
    for (name, bytes) in files(&publication) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !ids.iter().any(|id| text.contains(id)),
            "a person id in {name}"
        );
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(publication.join("manifest.json")).unwrap()).unwrap();
    // The manifest lists every file but itself, each with the SHA-256 of its bytes.
    let listed: Vec<(String, String)> = manifest["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let text = |k: &str| o[k].as_str().unwrap().to_string();
            (text("path"), text("sha256"))
        })
        .collect();
    let on_disk: Vec<(String, String)> = files(&publication)
        .into_iter()
        .filter(|(name, _)| name != "manifest.json")
        .map(|(name, bytes)| {
            use sha2::Digest;
            (name, format!("{:x}", sha2::Sha256::digest(&bytes)))
        })
        .collect();
    assert_eq!(
        listed, on_disk,
        "manifest outputs against the files' own hashes"
    );
}

/// The Python interpreter with the real readers (scripts/test.sh sets `KELASTAT_PYTHON`), or
/// `None` when the reader checks are skipped on purpose (`KELASTAT_SKIP_READERS=1`). Anything
/// else fails: a silently skipped reader check would pass having checked nothing.
pub(crate) fn readers_python(test: &str) -> Option<String> {
    let skip = std::env::var("KELASTAT_SKIP_READERS").is_ok_and(|v| v == "1");
    match std::env::var("KELASTAT_PYTHON") {
        Ok(python) => {
            eprintln!("{test}: real readers from {python}");
            Some(python)
        }
        Err(_) if skip && std::env::var("CI").is_err() => {
            eprintln!("{test}: SKIPPED on request (KELASTAT_SKIP_READERS=1)");
            None
        }
        Err(_) => panic!(
            "{test}: the real readers are not set up: run scripts/test.sh (which sets \
             KELASTAT_PYTHON), or set KELASTAT_SKIP_READERS=1 to skip them on purpose \
             (never in CI)"
        ),
    }
}

fn succeed(command: &mut Command) {
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// pyaxis, pyjstat, pyarrow, DuckDB and frictionless read every published file and agree with
/// the CSV; an independent DuckDB computation of three tables agrees with every published cell.
#[test]
fn real_readers_accept_every_published_file() {
    let Some(python) = readers_python("real_readers_accept_every_published_file") else {
        return;
    };
    let out = tempfile::TempDir::new().unwrap();
    let result = run(out.path());
    assert_eq!(
        result.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let publication = out.path().join("2024");
    succeed(
        Command::new(&python)
            .arg(root().join("tests/readers/check_publication.py"))
            .arg(&publication),
    );
    succeed(
        Command::new("bash")
            .arg(root().join("tests/readers/check_datapackage.sh"))
            .arg(&publication),
    );
    let peer = tempfile::TempDir::new().unwrap();
    succeed(
        Command::new(&python)
            .arg(root().join("benches/duckdb_peer.py"))
            .arg(root().join("sample_data/registers"))
            .arg(root().join("sample_data/classifications/municipalities_2024.csv"))
            .arg("2024")
            .arg(peer.path()),
    );
    succeed(
        Command::new(&python)
            .arg(root().join("benches/compare_tables.py"))
            .arg(publication.join("tables"))
            .arg(peer.path()),
    );
}

#[test]
fn runs_are_reproducible_and_a_replaced_publication_is_archived() {
    let (a, b) = (
        tempfile::TempDir::new().unwrap(),
        tempfile::TempDir::new().unwrap(),
    );
    assert!(run(a.path()).status.success());
    assert!(run(b.path()).status.success());
    assert!(
        files(&a.path().join("2024")) == files(&b.path().join("2024")),
        "byte-identical publications"
    );
    let first = files(&a.path().join("2024"));
    assert!(run(a.path()).status.success());
    let archived = a.path().join("archive/2024");
    let versions: Vec<_> = std::fs::read_dir(&archived)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(versions.len(), 1, "the replaced publication is kept");
    assert!(
        files(&versions[0]) == first,
        "the archived version holds the first run's files, byte for byte"
    );
    assert!(
        files(&a.path().join("2024")) == first,
        "the same inputs republished"
    );
}

#[test]
fn a_failing_run_leaves_the_published_version_untouched() {
    let out = tempfile::TempDir::new().unwrap();
    assert!(run(out.path()).status.success());
    let before = files(&out.path().join("2024"));
    let dirty = tempfile::TempDir::new().unwrap();
    kelastat::generate::generate(&kelastat::generate::GenerateOptions {
        persons: 800,
        year: 2024,
        seed: 3,
        out: dirty.path().to_path_buf(),
        format: kelastat::registers::FileFormat::Parquet,
        dirty: 0.1,
        classification_dir: root().join("sample_data/classifications"),
        parameters: root().join("pipelines/parameters.toml"),
    })
    .unwrap();
    let failed = kelastat()
        .args([
            "run",
            "pipelines/kela_pensions.toml",
            "--out",
            out.path().to_str().unwrap(),
        ])
        .args(["--registers", dirty.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        failed.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&failed.stderr)
    );
    assert!(files(&out.path().join("2024")) == before);
    assert!(std::fs::read_dir(out.path()).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .starts_with(".tmp")));
}

/// A pipeline that lists `sdmx` among its formats publishes `tables/<id>.sdmx.csv` for every
/// table and `sdmx-structure.xml`; pysdmx and sdmx1 read them with the CSV's values and statuses.
#[test]
fn sdmx_files_are_published_when_asked_for_and_sdmx_readers_accept_them() {
    let dir = tempfile::TempDir::new().unwrap();
    let pipeline = sample_pipeline_with(dir.path(), "formats = [\"csv\", \"sdmx\"]\n");
    let out = dir.path().join("out");
    let result = kelastat()
        .arg("run")
        .arg(&pipeline)
        .arg("--out")
        .arg(&out)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .output()
        .unwrap();
    assert_eq!(
        result.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let publication = out.join("2024");
    for table in kelastat::catalog::TABLE_IDS {
        assert!(publication
            .join(format!("tables/{table}.sdmx.csv"))
            .is_file());
        assert!(!publication.join(format!("tables/{table}.px")).exists());
    }
    let structure = std::fs::read_to_string(publication.join("sdmx-structure.xml")).unwrap();
    assert!(structure.contains("<str:Dataflow id=\"DF_RECIPIENTS_BY_AREA\" agencyID=\"KELA\""));
    let manifest = std::fs::read_to_string(publication.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"sdmx-structure.xml\""));
    let Some(python) = readers_python("sdmx_files_are_published_when_asked_for") else {
        return;
    };
    succeed(
        Command::new(&python)
            .arg(root().join("tests/readers/check_sdmx.py"))
            .arg(&publication),
    );
}
