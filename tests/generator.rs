//! The synthetic register generator: deterministic, valid by the contract, and `--dirty`
//! output that reconciles with every injected reason found.
use std::path::Path;

use kelastat::generate::{generate, GenerateOptions, GenerateSummary};
use kelastat::registers::FileFormat;
use kelastat::validate::Validated;
use polars::prelude::DataType;
use tempfile::TempDir;

use crate::common::*;

fn make(dir: &Path, persons: usize, seed: u64, format: FileFormat, dirty: f64) -> GenerateSummary {
    generate(&GenerateOptions {
        persons,
        year: 2024,
        seed,
        out: dir.to_path_buf(),
        format,
        dirty,
        classification_dir: root().join("sample_data/classifications"),
        parameters: root().join("pipelines/parameters.toml"),
    })
    .unwrap()
}

/// One rejected row: register, source row (from 1), reason.
type Reject = (String, usize, String);

/// The rejects file's rows (`rejects::collect_rejects`), sorted.
fn rejects_of(validated: &Validated) -> Vec<Reject> {
    let frame = kelastat::rejects::collect_rejects(validated).unwrap();
    let register = frame.column("register").unwrap().str().unwrap().clone();
    let rows = frame
        .column("source_row")
        .unwrap()
        .cast(&DataType::Int64)
        .unwrap();
    let reason = frame.column("reason").unwrap().str().unwrap().clone();
    let mut out: Vec<Reject> = (0..frame.height())
        .map(|i| {
            (
                register.get(i).unwrap().to_string(),
                usize::try_from(rows.i64().unwrap().get(i).unwrap()).unwrap(),
                reason.get(i).unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

/// The rows the generator says it made the validator reject, sorted.
fn injected_rejects(summary: &GenerateSummary) -> Vec<Reject> {
    let mut out: Vec<Reject> = summary
        .rejects
        .iter()
        .map(|r| (r.register.name().to_string(), r.row, r.reason.to_string()))
        .collect();
    out.sort();
    out
}

/// `found` and `expected` are the same rows with the same reasons; else the first differences.
fn assert_same_rejects(found: &[Reject], expected: &[Reject], what: &str) {
    if found == expected {
        return;
    }
    let missing: Vec<&Reject> = expected.iter().filter(|r| !found.contains(r)).collect();
    let extra: Vec<&Reject> = found.iter().filter(|r| !expected.contains(r)).collect();
    panic!(
        "{what}: {} rejects found, {} expected; expected but not found (first 10): {:?}; \
         found but not expected (first 10): {:?}",
        found.len(),
        expected.len(),
        &missing[..missing.len().min(10)],
        &extra[..extra.len().min(10)]
    );
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().into_string().unwrap(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Two processes (this one and the binary), so that nothing seeded per process (hash maps,
/// keys) can make the bytes differ unseen: clean Parquet, and dirty CSV (whose defects come
/// from a stream of their own).
#[test]
fn the_generator_is_deterministic_per_seed() {
    for (format, flag, dirty) in [
        (FileFormat::Parquet, "parquet", "0"),
        (FileFormat::Csv, "csv", "0.05"),
    ] {
        let (a, b, c) = (
            TempDir::new().unwrap(),
            TempDir::new().unwrap(),
            TempDir::new().unwrap(),
        );
        make(a.path(), 1500, 42, format, dirty.parse().unwrap());
        let out = kelastat()
            .args(["generate", "--persons", "1500", "--year", "2024"])
            .args(["--seed", "42", "--format", flag, "--dirty", dirty])
            .arg("--out")
            .arg(b.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        make(c.path(), 1500, 43, format, dirty.parse().unwrap());
        assert_eq!(files(a.path()).len(), 4);
        assert!(
            files(a.path()) == files(b.path()),
            "{format:?}: same seed, same bytes"
        );
        assert!(
            files(a.path()) != files(c.path()),
            "{format:?}: another seed, other data"
        );
    }
}

#[test]
fn generated_registers_pass_validation_with_zero_rejects_in_both_formats() {
    let (p, c) = (TempDir::new().unwrap(), TempDir::new().unwrap());
    let summary = make(p.path(), 3000, 7, FileFormat::Parquet, 0.0);
    make(c.path(), 3000, 7, FileFormat::Csv, 0.0);
    let (_, from_parquet) = run_validation(p.path());
    let (_, from_csv) = run_validation(c.path());
    for counts in from_parquet.counts() {
        assert_eq!(
            counts.rejected, 0,
            "{}: {:?}",
            counts.register, counts.by_reason
        );
        let written = summary
            .rows
            .iter()
            .find(|(r, _)| r.name() == counts.register)
            .unwrap()
            .1;
        assert_eq!(counts.read, written);
    }
    assert_eq!(from_parquet.persons.counts.read, 3000);
    let names = |v: &kelastat::validate::Validated| -> Vec<String> {
        v.iter().map(|c| c.counts.register.clone()).collect()
    };
    assert_eq!(names(&from_parquet), names(&from_csv), "the same registers");
    for (x, y) in from_parquet.iter().zip(from_csv.iter()) {
        assert!(
            accepted(x).equals_missing(&accepted(y)),
            "{} differs between CSV and Parquet",
            x.counts.register
        );
    }
}

/// The validator rejects exactly the rows the generator made bad, each for the reason the
/// generator injected (or, for a row of a rejected person or award, `orphan_reference` or
/// `unknown_award`), as the rejects file lists them.
#[test]
fn dirty_output_reconciles_and_every_injected_reason_is_found() {
    for format in [FileFormat::Parquet, FileFormat::Csv] {
        let dir = TempDir::new().unwrap();
        let summary = make(dir.path(), 2000, 11, format, 0.05);
        let (_, validated) = run_validation(dir.path());
        let expected = injected_rejects(&summary);
        assert!(expected.len() > 400, "{format:?}: {}", expected.len());
        assert_same_rejects(&rejects_of(&validated), &expected, &format!("{format:?}"));
        let mut found = std::collections::BTreeMap::new();
        for c in validated.iter() {
            assert_eq!(c.counts.read, c.counts.accepted + c.counts.rejected);
            for (reason, n) in &c.counts.by_reason {
                *found.entry(reason.clone()).or_insert(0) += n;
            }
        }
        assert!(
            summary.injected.len() >= 12,
            "{format:?}: {:?}",
            summary.injected
        );
        for (reason, injected) in &summary.injected {
            let got = found.get(reason).copied().unwrap_or(0);
            assert!(
                got >= *injected,
                "{format:?} {reason}: injected {injected}, found {got}"
            );
        }
    }
}

/// Rows are numbered across the generator's chunks of 50 000 persons.
#[test]
fn dirty_rows_are_found_in_every_chunk() {
    let dir = TempDir::new().unwrap();
    let summary = make(dir.path(), 52_000, 3, FileFormat::Parquet, 0.01);
    let (_, validated) = run_validation(dir.path());
    let expected = injected_rejects(&summary);
    let last_chunk = expected
        .iter()
        .filter(|(register, row, _)| register == "persons" && *row > 50_000)
        .count();
    assert!(last_chunk > 0, "no person rejected past the first chunk");
    assert_same_rejects(&rejects_of(&validated), &expected, "52 000 persons");
}

/// Validation follows sorted registers by looking their references up, and joins registers in
/// another order (`lookup::Referenced::attach`): both give every row the same verdict, the
/// one the generator injected.
#[test]
fn registers_out_of_person_order_get_the_same_verdicts() {
    let sorted = TempDir::new().unwrap();
    let summary = make(sorted.path(), 2000, 5, FileFormat::Csv, 0.05);
    let scrambled = TempDir::new().unwrap();
    // Per register, the sorted file's row number of each scrambled row.
    let mut origin = std::collections::BTreeMap::new();
    for register in ["persons", "awards", "income", "payments"] {
        let text = std::fs::read_to_string(sorted.path().join(format!("{register}.csv"))).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let mut rows: Vec<usize> = (1..lines.len()).collect();
        if register != "persons" {
            // In the order of a hash of each line: scattered, not by person.
            rows.sort_by_key(|&row| {
                use std::hash::{Hash, Hasher};
                let mut hasher = std::collections::hash_map::DefaultHasher::new();
                lines[row].hash(&mut hasher);
                hasher.finish()
            });
        }
        let scrambled_lines: Vec<&str> = std::iter::once(lines[0])
            .chain(rows.iter().map(|&row| lines[row]))
            .collect();
        let path = scrambled.path().join(format!("{register}.csv"));
        std::fs::write(path, scrambled_lines.join("\n") + "\n").unwrap();
        origin.insert(register.to_string(), rows);
    }
    let verdicts = |dir: &Path| {
        let (_, validated) = run_validation(dir);
        let counts: Vec<_> = validated.iter().map(|c| c.counts.clone()).collect();
        (
            counts,
            validated.payments_after_death,
            rejects_of(&validated),
        )
    };
    let (counts, after_death, rejects) = verdicts(sorted.path());
    assert!(counts.iter().all(|c| c.rejected > 0), "{counts:?}");
    assert_same_rejects(&rejects, &injected_rejects(&summary), "sorted");
    let (scrambled_counts, scrambled_after_death, scrambled_rejects) = verdicts(scrambled.path());
    assert_eq!(
        (counts, after_death),
        (scrambled_counts, scrambled_after_death)
    );
    let mut back: Vec<Reject> = scrambled_rejects
        .into_iter()
        .map(|(register, row, reason)| {
            let row = origin[&register][row - 1];
            (register, row, reason)
        })
        .collect();
    back.sort();
    assert_same_rejects(&back, &rejects, "scrambled, by the sorted file's rows");
}
