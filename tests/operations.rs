//! The run guarantees of operations.md, checked on the binary: every exit code, a panic, logs
//! for schedulers, the lock, publication under injected faults, and the plausibility gate.
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use tempfile::TempDir;

use crate::common::*;

pub const EPOCH_A: &str = "1735689600"; // 2025-01-01T00:00:00Z
pub const EPOCH_B: &str = "1738368000"; // 2025-02-01T00:00:00Z

/// `kelastat run` of the sample pipeline into `out`, published at `epoch`.
pub fn run_into(out: &Path, epoch: &str) -> Command {
    let mut command = kelastat();
    command
        .args([
            "run",
            "pipelines/kela_pensions.toml",
            "--out",
            out.to_str().unwrap(),
        ])
        .env("SOURCE_DATE_EPOCH", epoch);
    command
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn code(command: &mut Command) -> (Option<i32>, String) {
    let out = command.output().unwrap();
    (out.status.code(), stderr(&out))
}

/// A publication folder checked against its own manifest: every listed output present with
/// its hash, no file unlisted. Returns the manifest's `published_at`.
pub fn whole_publication(folder: &Path) -> String {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.join("manifest.json")).unwrap()).unwrap();
    let mut listed = BTreeMap::new();
    for entry in manifest["outputs"].as_array().unwrap() {
        listed.insert(
            entry["path"].as_str().unwrap().to_string(),
            entry["sha256"].as_str().unwrap().to_string(),
        );
    }
    let mut present = BTreeMap::new();
    for file in walk(folder) {
        let name = file.strip_prefix(folder).unwrap().display().to_string();
        if name != "manifest.json" {
            present.insert(name, kelastat::digest::sha256_file(&file).unwrap());
        }
    }
    assert_eq!(listed, present, "{} against its manifest", folder.display());
    manifest["published_at"].as_str().unwrap().to_string()
}

/// The pid of a process that has ended (a child waited for), never a guessed one.
fn dead_pid() -> u32 {
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

#[test]
fn every_exit_code_of_operations_md_from_the_binary() {
    // 1: a panic (forced by the debug-build test hook) is exit 1 with a clear message, not 101.
    let (status, err) = code(
        kelastat()
            .args(["validate", "pipelines/kela_pensions.toml"])
            .env(kelastat::fault::VARIABLE, "panic"),
    );
    assert_eq!(status, Some(1), "{err}");
    assert!(
        err.contains("internal error") && err.contains("fault injected"),
        "{err}"
    );
    // 2: a pipeline file that does not exist; an unknown table in a pipeline file, for every
    // command that reads one.
    let (status, _) = code(kelastat().args(["validate", "pipelines/no_such.toml"]));
    assert_eq!(status, Some(2));
    let dir = TempDir::new().unwrap();
    let pipeline = sample_pipeline_with(dir.path(), "tables = [\"recipients_by_sexx\"]\n");
    for command in ["validate", "classify", "run"] {
        let (status, err) = code(kelastat().args([command, pipeline.to_str().unwrap()]));
        assert_eq!(status, Some(2), "{command}: {err}");
        assert!(
            err.contains("recipients_by_sexx") && err.contains("sample.toml"),
            "{err}"
        );
    }
    let (status, err) = code(kelastat().args([
        "explain",
        "--person",
        "P1",
        "--month",
        "2024-12",
        "--pipeline",
        pipeline.to_str().unwrap(),
    ]));
    assert_eq!(status, Some(2), "explain: {err}");
    // 3: a register directory without the registers.
    let (status, _) = code(kelastat().args([
        "validate",
        "pipelines/kela_pensions.toml",
        "--registers",
        dir.path().to_str().unwrap(),
    ]));
    assert_eq!(status, Some(3));
    // 4: a reference month the parameter file does not cover is a quality gate.
    let out = dir.path().join("out");
    let (status, err) = code(run_into(&out, EPOCH_A).args(["--period", "2040"]));
    assert_eq!(status, Some(4), "{err}");
    assert!(
        err.contains("does not cover") && err.contains("2040-12"),
        "{err}"
    );
    // 5: the lock held by another process (this one), named in the message.
    std::fs::create_dir_all(&out).unwrap();
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(out.join(".kelastat.lock"))
        .unwrap();
    lock.try_lock().unwrap();
    std::fs::write(
        out.join(".kelastat.lock"),
        format!("pid {} started 2025-01-01T00:00:00Z\n", std::process::id()),
    )
    .unwrap();
    let (status, err) = code(&mut run_into(&out, EPOCH_A));
    assert_eq!(status, Some(5), "{err}");
    assert!(
        err.contains(&format!("pid {} started 2025-01-01", std::process::id())),
        "{err}"
    );
    drop(lock);
    // 0: published.
    let (status, err) = code(&mut run_into(&out, EPOCH_A));
    assert_eq!(status, Some(0), "{err}");
    whole_publication(&out.join("2024"));
}

#[test]
fn json_log_lines_have_time_level_stage_message_and_counts() {
    let out = kelastat()
        .args([
            "--log-format",
            "json",
            "validate",
            "pipelines/kela_pensions.toml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stderr(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect();
    assert!(!lines.is_empty());
    for line in &lines {
        for key in ["time", "level", "stage", "message"] {
            assert!(line[key].is_string(), "{key} in {line}");
        }
        chrono::DateTime::parse_from_rfc3339(line["time"].as_str().unwrap()).unwrap();
    }
    let persons = lines
        .iter()
        .find(|l| l["message"].as_str().unwrap().starts_with("persons: read "))
        .expect("the persons line");
    assert_eq!(persons["stage"], "validate");
    assert_eq!(persons["level"], "INFO");
    let counts = persons["counts"].as_object().expect("a counts object");
    let (read, accepted, rejected) = (
        counts["read"].as_u64().unwrap(),
        counts["accepted"].as_u64().unwrap(),
        counts["rejected"].as_u64().unwrap(),
    );
    assert_eq!(read, accepted + rejected);
    assert!(read > 0);
    assert!(persons.get("read").is_none(), "counts are not flat keys");
    // The final error line names the stage that failed.
    let empty = TempDir::new().unwrap();
    let out = kelastat()
        .args([
            "--log-format",
            "json",
            "validate",
            "pipelines/kela_pensions.toml",
        ])
        .args(["--registers", empty.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let last: serde_json::Value =
        serde_json::from_str(stderr(&out).lines().last().unwrap()).unwrap();
    assert_eq!(last["level"], "ERROR");
    assert_eq!(last["stage"], "ingest");
    assert!(
        last["message"].as_str().unwrap().contains("not found"),
        "{last}"
    );
}

#[test]
fn explain_of_an_unknown_person_keeps_the_identifier_out_of_the_logs() {
    for format in ["text", "json"] {
        let out = kelastat()
            .args(["--log-format", format, "explain", "--person", "ZZ9PLURALZ"])
            .args(["--month", "2024-12"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("the person given with --person has no accepted award in force"),
            "{}",
            stderr(&out)
        );
        assert!(!stderr(&out).contains("ZZ9PLURALZ"), "{}", stderr(&out));
    }
}

#[test]
fn a_stale_lock_of_a_dead_process_is_taken_over_by_exactly_one_of_two_racing_runs() {
    let out = TempDir::new().unwrap();
    let lock = out.path().join(".kelastat.lock");
    let dead = dead_pid();
    std::fs::write(&lock, format!("pid {dead} started 2025-01-01T00:00:00Z\n")).unwrap();
    let start = || {
        run_into(out.path(), EPOCH_A)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (first, second) = (start(), start());
    let results = [
        first.wait_with_output().unwrap(),
        second.wait_with_output().unwrap(),
    ];
    let mut codes: Vec<Option<i32>> = results.iter().map(|o| o.status.code()).collect();
    codes.sort();
    assert_eq!(
        codes,
        [Some(0), Some(5)],
        "{}\n{}",
        stderr(&results[0]),
        stderr(&results[1])
    );
    let winner = results.iter().find(|o| o.status.success()).unwrap();
    assert!(
        stderr(winner).contains("taking over the stale lock")
            && stderr(winner).contains(&format!("pid {dead}")),
        "{}",
        stderr(winner)
    );
    let loser = results.iter().find(|o| !o.status.success()).unwrap();
    assert!(
        stderr(loser).contains("another run holds the lock"),
        "{}",
        stderr(loser)
    );
    whole_publication(&out.path().join("2024"));
    assert_eq!(std::fs::read_to_string(&lock).unwrap(), "", "released");
    assert_eq!(
        std::fs::read_dir(out.path().join("archive/2024"))
            .map(|d| d.count())
            .unwrap_or(0),
        0,
        "one publication only"
    );
}

#[test]
fn a_run_killed_at_any_step_of_a_replacement_leaves_the_old_or_the_new_version_whole() {
    let out = TempDir::new().unwrap();
    let (status, err) = code(&mut run_into(out.path(), EPOCH_A));
    assert_eq!(status, Some(0), "{err}");
    let old = whole_publication(&out.path().join("2024"));
    let rejects_old = std::fs::read(out.path().join("rejects/2024/published.parquet")).unwrap();
    let time = |epoch: &str| {
        if epoch == EPOCH_A {
            "2025-01-01T00:00:00Z"
        } else {
            "2025-02-01T00:00:00Z"
        }
    };
    let mut live = EPOCH_A;
    // Whether the new version is live once the run is killed at the step.
    for (step, new_is_live) in [
        ("after-write", false),
        ("before-exchange", false),
        ("between-renames", true),
        ("archive-move", true),
    ] {
        let new = if live == EPOCH_A { EPOCH_B } else { EPOCH_A };
        let (status, err) = code(run_into(out.path(), new).env(kelastat::fault::VARIABLE, step));
        assert_eq!(status, Some(kelastat::fault::EXIT_CODE), "{step}: {err}");
        assert_eq!(
            whole_publication(&out.path().join("2024")),
            time(if new_is_live { new } else { live }),
            "{step}: the live version after the kill"
        );
        // The next run finishes or undoes what the killed one left, then publishes.
        let (status, err) = code(&mut run_into(out.path(), new));
        assert_eq!(status, Some(0), "{step}: {err}");
        assert!(
            err.contains("taking over the stale lock"),
            "{step}: the killed run's lock: {err}"
        );
        assert_eq!(whole_publication(&out.path().join("2024")), time(new));
        live = new;
        let leftovers: Vec<String> = std::fs::read_dir(out.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| {
                n.starts_with(".tmp-") || n.starts_with(".ready-") || n.starts_with(".old-")
            })
            .collect();
        assert!(leftovers.is_empty(), "{step}: {leftovers:?}");
        for version in std::fs::read_dir(out.path().join("archive/2024")).unwrap() {
            whole_publication(&version.unwrap().path());
        }
    }
    assert_eq!(old, "2025-01-01T00:00:00Z");
    // Every replaced version went to the archive with its rejects (owner-only).
    let archived = out
        .path()
        .join("archive/rejects/2024/2025-01-01T000000Z/rejects.parquet");
    assert_eq!(std::fs::read(&archived).unwrap(), rejects_old);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&archived).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let mode = std::fs::metadata(archived.parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
    }
}

#[test]
fn a_break_in_the_number_of_recipients_stops_the_run_unless_accepted() {
    let out = TempDir::new().unwrap();
    // A published 2023 with half the recipients the run counted for 2024 (which the sample's
    // disclosure control publishes only as `..`: the run's own record holds the count).
    let (status, err) = code(&mut run_into(out.path(), EPOCH_A));
    assert_eq!(status, Some(0), "{err}");
    let record: serde_json::Value = serde_json::from_slice(
        &std::fs::read(out.path().join(".kelastat/figures/2024.json")).unwrap(),
    )
    .unwrap();
    let recipients = record["recipients_all"].as_i64().unwrap();
    assert!(recipients > 1000, "{record}");
    let half = recipients / 2;
    let series = std::fs::read_to_string(out.path().join("2024/tables/time_series.csv")).unwrap();
    let header = series.lines().next().unwrap();
    std::fs::create_dir_all(out.path().join("2023/tables")).unwrap();
    std::fs::write(
        out.path().join("2023/tables/time_series.csv"),
        format!("{header}\n2023,ALL,{half},,,..,,..\n"),
    )
    .unwrap();
    let before = std::fs::read(out.path().join("2024/manifest.json")).unwrap();
    let (status, err) = code(&mut run_into(out.path(), EPOCH_B));
    assert_eq!(status, Some(4), "{err}");
    assert!(
        err.contains(&format!(
            "recipients (ALL) {recipients} in 2024 against {half} in 2023"
        )),
        "{err}"
    );
    assert_eq!(
        std::fs::read(out.path().join("2024/manifest.json")).unwrap(),
        before,
        "nothing published"
    );
    let (status, err) = code(run_into(out.path(), EPOCH_B).arg("--accept-change"));
    assert_eq!(status, Some(0), "{err}");
    let quality: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("2024/quality.json")).unwrap())
            .unwrap();
    let accepted = quality["accepted_changes"][0].as_str().unwrap();
    assert!(accepted.contains("--accept-change"), "{accepted}");
    let text = std::fs::read_to_string(out.path().join("2024/quality.txt")).unwrap();
    assert!(text.contains(accepted), "{text}");
    // --max-reject-share overrides the file, and is checked like it.
    let (status, err) = code(run_into(out.path(), EPOCH_B).args(["--max-reject-share", "2"]));
    assert_eq!(status, Some(2), "{err}");
}

#[test]
fn without_csv_every_output_describes_what_was_written_and_history_reads_any_format() {
    use kelastat::history::published_periods;
    use kelastat::period::Period;
    let dir = TempDir::new().unwrap();
    let pipeline = sample_pipeline_with(dir.path(), "formats = [\"parquet\", \"jsonstat\"]\n");
    let (with_csv, without) = (dir.path().join("all"), dir.path().join("no_csv"));
    let (status, err) = code(&mut run_into(&with_csv, EPOCH_A));
    assert_eq!(status, Some(0), "{err}");
    let (status, err) = code(
        kelastat()
            .args([
                "run",
                pipeline.to_str().unwrap(),
                "--out",
                without.to_str().unwrap(),
            ])
            .env("SOURCE_DATE_EPOCH", EPOCH_A),
    );
    assert_eq!(status, Some(0), "{err}");
    let publication = without.join("2024");
    whole_publication(&publication);
    assert!(!publication.join("tables/time_series.csv").exists());
    let package: serde_json::Value =
        serde_json::from_slice(&std::fs::read(publication.join("datapackage.json")).unwrap())
            .unwrap();
    for resource in package["resources"].as_array().unwrap() {
        let path = resource["path"].as_str().unwrap();
        assert!(
            publication.join(path).is_file(),
            "datapackage.json lists {path}"
        );
    }
    let report = std::fs::read_to_string(publication.join("report.html")).unwrap();
    assert!(
        !report.contains("&lt;id&gt;.csv") && !report.contains(".px"),
        "report.html"
    );
    assert!(report.contains("published as <code>tables/&lt;id&gt;.parquet</code> and JSON-stat"));
    // A later run reads the same figures from Parquet, and from JSON-stat alone.
    let next = Period::Year(2025);
    let from_csv = published_periods(&with_csv, next).unwrap();
    assert_eq!(from_csv.len(), 1);
    assert!(from_csv[0]
        .rows
        .iter()
        .any(|r| r.benefit == "NP" && r.values[0].is_some_and(|v| v > 0)));
    assert_eq!(
        published_periods(&without, next).unwrap(),
        from_csv,
        "from Parquet"
    );
    for file in walk(&publication.join("tables")) {
        if file.extension().is_some_and(|e| e == "parquet") {
            std::fs::remove_file(file).unwrap();
        }
    }
    assert_eq!(
        published_periods(&without, next).unwrap(),
        from_csv,
        "from JSON-stat"
    );
}
