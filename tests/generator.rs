//! The synthetic register generator: deterministic, valid by the contract, and `--dirty`
//! output that reconciles with every injected reason found.
use std::path::Path;

use kelastat::generate::{generate, GenerateOptions, GenerateSummary};
use kelastat::registers::FileFormat;
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
/// keys) can make the bytes differ unseen.
#[test]
fn the_generator_is_deterministic_per_seed() {
    let (a, b, c) = (
        TempDir::new().unwrap(),
        TempDir::new().unwrap(),
        TempDir::new().unwrap(),
    );
    make(a.path(), 1500, 42, FileFormat::Parquet, 0.0);
    let out = kelastat()
        .args([
            "generate",
            "--persons",
            "1500",
            "--year",
            "2024",
            "--seed",
            "42",
        ])
        .arg("--out")
        .arg(b.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    make(c.path(), 1500, 43, FileFormat::Parquet, 0.0);
    assert_eq!(files(a.path()).len(), 4);
    assert!(files(a.path()) == files(b.path()), "same seed, same bytes");
    assert!(
        files(a.path()) != files(c.path()),
        "another seed, other data"
    );
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

#[test]
fn dirty_output_reconciles_and_every_injected_reason_is_found() {
    for format in [FileFormat::Parquet, FileFormat::Csv] {
        let dir = TempDir::new().unwrap();
        let summary = make(dir.path(), 2000, 11, format, 0.05);
        let (_, validated) = run_validation(dir.path());
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

/// Validation follows sorted registers by looking their references up, and joins registers in
/// another order (`lookup::Referenced::attach`): both give every register the same verdicts.
#[test]
fn registers_out_of_person_order_get_the_same_verdicts() {
    let sorted = TempDir::new().unwrap();
    make(sorted.path(), 2000, 5, FileFormat::Csv, 0.05);
    let scrambled = TempDir::new().unwrap();
    for register in ["persons", "awards", "income", "payments"] {
        let text = std::fs::read_to_string(sorted.path().join(format!("{register}.csv"))).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        if register != "persons" {
            // In the order of a hash of each line: scattered, not by person.
            lines[1..].sort_by_key(|line| {
                use std::hash::{Hash, Hasher};
                let mut hasher = std::collections::hash_map::DefaultHasher::new();
                line.hash(&mut hasher);
                hasher.finish()
            });
        }
        let path = scrambled.path().join(format!("{register}.csv"));
        std::fs::write(path, lines.join("\n") + "\n").unwrap();
    }
    let verdicts = |dir: &Path| {
        let (_, validated) = run_validation(dir);
        let counts: Vec<_> = validated.iter().map(|c| c.counts.clone()).collect();
        (counts, validated.payments_after_death)
    };
    let (counts, after_death) = verdicts(sorted.path());
    assert!(counts.iter().all(|c| c.rejected > 0), "{counts:?}");
    assert_eq!((counts, after_death), verdicts(scrambled.path()));
}
