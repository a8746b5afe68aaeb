//! Disclosure control on the committed sample: the exact audit passes on the protected
//! tables, and `kelastat audit` re-checks a publication from its files alone.
use kelastat::protect::{audit, protect};

use crate::common::*;
use crate::tables::aggregate_dir;

const MIN: i64 = 4;

#[test]
fn the_sample_passes_the_exact_audit_and_counts_its_information_loss() {
    let mut a = aggregate_dir(&root().join("sample_data/registers"));
    let counts = protect(&mut a.tables, &a.relations, &a.links, MIN).unwrap();
    let report = audit(&a.tables, &a.relations, &a.links, MIN).unwrap();
    assert!(report.passed(), "{:?}", report.failures);
    assert!(report.primary_cells > 0);
    // Information loss is counted per table.
    let area = counts
        .iter()
        .find(|c| c.table_id == "recipients_by_area")
        .unwrap();
    assert!(area.secondary > 0 && area.secondary_persons > 0);
    assert!(area.secondary_share() > 0.0 && area.secondary_share() < 1.0);
}

/// What the attacker is told must be true: on the sample's true (unprotected) tables, every
/// declared relation holds (person counts add up over `Sum` relations and lie between their
/// largest part and their parts' sum over `Bounded` ones, and are at most their parts' sum
/// over `AtMost` ones (new recipients over benefits); in `expenditure`, where one person
/// counts once in a total, the counts are bounded over every relation and the euros add up),
/// and every linked pair of cells holds the same figures.
#[test]
fn the_declared_relations_and_links_hold_on_the_samples_true_tables() {
    use kelastat::table::Relation;
    let a = aggregate_dir(&root().join("sample_data/registers"));
    let mut checked = 0;
    for (t, table) in a.tables.iter().enumerate() {
        let persons = &table.persons;
        let money = table.id == "expenditure";
        let euros = |cell: usize| table.values[0][cell].unwrap();
        for relation in &a.relations[t] {
            let (total, parts, bounded, lower) = match relation {
                Relation::Sum { total, parts } => (*total, parts, money, true),
                Relation::Bounded { total, parts } => (*total, parts, true, true),
                Relation::AtMost { total, parts } => (*total, parts, true, false),
            };
            let sum: i64 = parts.iter().map(|&p| persons[p]).sum();
            let largest = if lower {
                parts.iter().map(|&p| persons[p]).max().unwrap_or(0)
            } else {
                0
            };
            let at = || format!("{} {:?}", table.id, table.codes(total));
            if bounded {
                assert!(
                    largest <= persons[total] && persons[total] <= sum,
                    "{}: {largest} <= {} <= {sum} fails",
                    at(),
                    persons[total]
                );
            } else {
                assert_eq!(persons[total], sum, "{}: the persons do not add up", at());
            }
            if money && matches!(relation, Relation::Sum { .. }) {
                let parts_euros: i64 = parts.iter().map(|&p| euros(p)).sum();
                assert_eq!(
                    euros(total),
                    parts_euros,
                    "{}: the euros do not add up",
                    at()
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 10_000, "{checked} relations");
    // The attacker knows that new recipients under NP, SP and ALL are at most their parts.
    let new = a
        .tables
        .iter()
        .position(|t| t.id == "new_recipients")
        .unwrap();
    let at_most = a.relations[new]
        .iter()
        .filter(|r| matches!(r, Relation::AtMost { .. }))
        .count();
    assert!(
        at_most >= 3 * 3,
        "{at_most} AtMost relations in new_recipients"
    );
    assert!(!a.links.is_empty());
    for link in &a.links {
        let (x, y) = (&a.tables[link.table_a], &a.tables[link.table_b]);
        assert_eq!(
            x.persons[link.cell_a],
            y.persons[link.cell_b],
            "{} {:?} ~ {} {:?}",
            x.id,
            x.codes(link.cell_a),
            y.id,
            y.codes(link.cell_b)
        );
        // The figures both tables publish (the count, and the mean where both have one).
        for (m, measure) in x.measures.iter().enumerate() {
            if let Some(n) = y.measure(measure.id) {
                assert_eq!(
                    x.values[m][link.cell_a], y.values[n][link.cell_b],
                    "{}",
                    measure.id
                );
            }
        }
    }
}

fn publish(out: &std::path::Path) -> std::path::PathBuf {
    let result = kelastat()
        .args(["run", "pipelines/kela_pensions.toml", "--out"])
        .arg(out)
        .env("SOURCE_DATE_EPOCH", "1735689600")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(0), "{stderr}");
    out.join("2024")
}

/// `kelastat audit DIR --json`: the exit code and the findings.
fn audit_dir(dir: &std::path::Path) -> (Option<i32>, serde_json::Value) {
    let result = kelastat()
        .args(["audit", "--json"])
        .arg(dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&result.stdout);
    let json = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{e}: {stdout} {}", String::from_utf8_lossy(&result.stderr)));
    (result.status.code(), json)
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

#[test]
fn kelastat_audit_passes_a_fresh_publication_and_fails_a_tampered_one() {
    let out = tempfile::TempDir::new().unwrap();
    let publication = publish(out.path());
    let (code, json) = audit_dir(&publication);
    assert_eq!(code, Some(0), "{json}");
    assert!(json["suppressed_cells"].as_u64().unwrap() > 0);
    assert_eq!(json["tables_audited"], 9);

    // A copy with one file changed, one missing and one suppressed primary cell replaced by
    // its value in the CSV: exit 4, and each named (the revealed cell as a disclosure, and its
    // status no longer agrees with the JSON-stat and PX files). One copy for the three,
    // since each audit of the sample takes minutes in the test build.
    let copy = out.path().join("tampered");
    copy_dir(&publication, &copy);
    std::fs::write(copy.join("report.html"), "<html></html>").unwrap();
    std::fs::remove_file(copy.join("tables/expenditure.px")).unwrap();
    let a = aggregate_dir(&root().join("sample_data/registers"));
    let t = a
        .tables
        .iter()
        .find(|t| t.id == "recipients_by_benefit_sex_age")
        .unwrap();
    let cell = (0..t.cells())
        .find(|&c| (1..MIN).contains(&t.persons[c]))
        .expect("a primary cell in the sample");
    let csv_path = copy.join("tables/recipients_by_benefit_sex_age.csv");
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let mut lines: Vec<String> = csv.lines().map(String::from).collect();
    let mut fields: Vec<String> = lines[cell + 1].split(',').map(String::from).collect();
    assert_eq!(fields[4..6], ["".to_string(), "..".to_string()]);
    fields[4] = t.persons[cell].to_string();
    fields[5] = String::new();
    lines[cell + 1] = fields.join(",");
    std::fs::write(&csv_path, lines.join("\n") + "\n").unwrap();
    let (code, json) = audit_dir(&copy);
    assert_eq!(code, Some(4), "{json}");
    let files: Vec<(String, String)> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let problem = f["problem"].as_str().unwrap();
            (
                f["path"].as_str().unwrap().to_string(),
                problem[..7].to_string(),
            )
        })
        .collect();
    assert_eq!(
        files,
        vec![
            ("report.html".to_string(), "changed".to_string()),
            ("tables/expenditure.px".to_string(), "missing".to_string()),
            (
                "tables/recipients_by_benefit_sex_age.csv".to_string(),
                "changed".to_string()
            ),
        ]
    );
    let codes: Vec<String> = t.codes(cell).into_iter().map(String::from).collect();
    let named = |list: &str| {
        json[list].as_array().unwrap().iter().any(|c| {
            c["table"] == "recipients_by_benefit_sex_age" && c["codes"] == serde_json::json!(codes)
        })
    };
    assert!(named("cells"), "{json}");
    assert!(named("formats"), "{json}");
}
