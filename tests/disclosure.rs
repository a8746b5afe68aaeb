//! Disclosure control on the committed sample: the exact audit passes on the protected
//! tables, a brute-force attacker finds no primary cell exposed in small slices of them, and
//! `kelastat audit` re-checks a publication from its files alone.
use std::sync::OnceLock;

use kelastat::aggregate::Aggregated;
use kelastat::protect::{audit, protect, SuppressionCounts};
use kelastat::table::{Additivity, Hierarchy, Relation, Table, Unit};

use crate::common::*;
use crate::tables::aggregate_dir;

const MIN: i64 = 4;

/// The sample's tables protected as the run protects them, once for the tests that need them
/// (protect takes more than a minute in the test build).
fn protected_sample() -> &'static (Aggregated, Vec<SuppressionCounts>) {
    static PROTECTED: OnceLock<(Aggregated, Vec<SuppressionCounts>)> = OnceLock::new();
    PROTECTED.get_or_init(|| {
        let mut a = aggregate_dir(&root().join("sample_data/registers"));
        let counts = protect(&mut a.tables, &a.relations, &a.links, MIN).unwrap();
        (a, counts)
    })
}

#[test]
fn the_sample_passes_the_exact_audit_and_counts_its_information_loss() {
    let (a, counts) = protected_sample();
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

/// A statistician does not publish a table whose national total is hidden: in every table,
/// the grand total (its first cell that is the total of some relation and a part of none:
/// `ALL`/`SSS`/`SSS` of the recipients, the survivors' `SSS`, whose code comes last) is
/// published.
#[test]
fn the_samples_grand_totals_are_published() {
    let (a, _) = protected_sample();
    let mut checked = 0;
    for (table, relations) in a.tables.iter().zip(&a.relations) {
        let mut total = vec![false; table.cells()];
        let mut part = vec![false; table.cells()];
        for r in relations {
            let (t, parts) = match r {
                Relation::Sum { total, parts }
                | Relation::Bounded { total, parts }
                | Relation::AtMost { total, parts } => (*total, parts),
            };
            total[t] = true;
            parts.iter().for_each(|&p| part[p] = true);
        }
        if let Some(grand) = (0..table.cells()).find(|&c| total[c] && !part[c]) {
            assert!(
                !table.is_suppressed(grand),
                "{}: the grand total {:?} is suppressed",
                table.id,
                table.codes(grand)
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 9, "every protected table has a grand total");
}

/// What the attacker is told must be true: on the sample's true (unprotected) tables, every
/// declared relation holds (person counts add up over `Sum` relations and lie between their
/// largest part and their parts' sum over `Bounded` ones, and are at most their parts' sum
/// over `AtMost` ones (new recipients over benefits); in `expenditure`, where one person
/// counts once in a total, the counts are bounded over every relation and the euros add up),
/// and every linked pair of cells holds the same figures.
#[test]
fn the_declared_relations_and_links_hold_on_the_samples_true_tables() {
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

/// `new_recipients` (publication.md, "Additivity" and "Precise definitions"): `SP` equals
/// `SP_INIT` plus `SP_CONT` on the sample's new recipients, in every sex and age group (a new
/// spouse's pension counts under the phase of its start month; only a person with two new
/// spouse's pensions of different phases could break it). `NP` need not be the sum of its
/// kinds (a change of kind is new at the kind's level only). `ALL` is at most the sum of the
/// base codes; it need not be at least each of them (a person new under one benefit who had
/// another the day before is not new under `ALL`), so there it is only at most their sum
/// (`AtMost`), even where a sample happens to obey the bound it has for recipients.
#[test]
fn new_recipients_add_up_over_the_spouses_pension_phases() {
    use kelastat::aggregate::codes::{BASE_BENEFITS, NP_KINDS};
    let a = aggregate_dir(&root().join("sample_data/registers"));
    let t = a.tables.iter().find(|t| t.id == "new_recipients").unwrap();
    let hierarchy = |total: &str, parts: &[&str]| Hierarchy {
        dimension: "benefit",
        total: total.into(),
        parts: parts.iter().map(|p| p.to_string()).collect(),
        additivity: Additivity::Sum,
    };
    // (the total's cell, its persons, the parts' sum, the largest part)
    let sums = |r: &Relation| match r {
        Relation::Sum { total, parts }
        | Relation::Bounded { total, parts }
        | Relation::AtMost { total, parts } => {
            let p: Vec<i64> = parts.iter().map(|&c| t.persons[c]).collect();
            let largest = *p.iter().max().unwrap();
            (*total, t.persons[*total], p.iter().sum::<i64>(), largest)
        }
    };
    let sp = kelastat::table::relations(t, &[hierarchy("SP", &["SP_INIT", "SP_CONT"])]);
    assert_eq!(sp.len(), 3 * t.dimensions[3].codes.len());
    for r in &sp {
        let (cell, total, sum, _) = sums(r);
        assert_eq!(total, sum, "SP {:?}", t.codes(cell));
    }
    let (_, sp_total, _, _) = sums(&sp[0]);
    assert!(sp_total > 0, "the sample has new spouse's pensions");
    let mut all_below_a_benefit = 0;
    for r in &kelastat::table::relations(t, &[hierarchy("ALL", &BASE_BENEFITS)]) {
        let (cell, total, sum, largest) = sums(r);
        assert!(total <= sum, "ALL {:?}", t.codes(cell));
        all_below_a_benefit += usize::from(total < largest);
    }
    let np = kelastat::table::relations(t, &[hierarchy("NP", &NP_KINDS)]);
    let (_, np_total, np_sum, _) = sums(&np[0]);
    eprintln!(
        "new_recipients: SP = SP_INIT + SP_CONT ({sp_total}) in every cell; ALL below a \
         benefit's count in {all_below_a_benefit} cells; NP {np_total}, its kinds' sum {np_sum}"
    );
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

/// The attacker's knowledge of protected tables, over *figures* as the run has it (linked cells
/// are one figure): each figure's persons, whether it is suppressed, and the relations between
/// figures (`expenditure`'s person counts are bounded over every relation: a person counts
/// once in a total however many of its parts they fall in; new recipients under NP and ALL
/// are at most their parts).
struct Knowledge {
    persons: Vec<i64>,
    suppressed: Vec<bool>,
    /// The figure's first cell: (table, cell).
    at: Vec<(usize, usize)>,
    /// (how the total relates to the parts, total, parts)
    relations: Vec<(Additivity, usize, Vec<usize>)>,
    relations_of: Vec<Vec<usize>>,
    /// Per figure, the bounds all relations imply from the published figures (a published
    /// figure is its value; a suppressed one at least 1).
    boxes: Vec<(i64, i64)>,
}

impl Knowledge {
    fn of(a: &Aggregated) -> Knowledge {
        let mut offsets = Vec::new();
        let mut n = 0;
        for t in &a.tables {
            offsets.push(n);
            n += t.cells();
        }
        fn find(parent: &mut [usize], mut x: usize) -> usize {
            while parent[x] != x {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }
            x
        }
        // Each group's root is its first cell.
        let mut parent: Vec<usize> = (0..n).collect();
        for l in &a.links {
            let x = find(&mut parent, offsets[l.table_a] + l.cell_a);
            let y = find(&mut parent, offsets[l.table_b] + l.cell_b);
            parent[x.max(y)] = x.min(y);
        }
        let mut k = Knowledge {
            persons: Vec::new(),
            suppressed: Vec::new(),
            at: Vec::new(),
            relations: Vec::new(),
            relations_of: Vec::new(),
            boxes: Vec::new(),
        };
        let mut figure = vec![usize::MAX; n];
        for (t, table) in a.tables.iter().enumerate() {
            for cell in 0..table.cells() {
                let g = offsets[t] + cell;
                let root = find(&mut parent, g);
                if root == g {
                    figure[g] = k.persons.len();
                    k.persons.push(table.persons[cell]);
                    k.suppressed.push(table.is_suppressed(cell));
                    k.at.push((t, cell));
                }
                figure[g] = figure[root];
                let f = figure[g];
                assert_eq!(
                    (k.persons[f], k.suppressed[f]),
                    (table.persons[cell], table.is_suppressed(cell)),
                    "linked cells differ: {} {:?}",
                    table.id,
                    table.codes(cell)
                );
            }
        }
        for (t, list) in a.relations.iter().enumerate() {
            let money = a.tables[t].measures.iter().any(|m| m.unit == Unit::Euro);
            for r in list {
                let (additivity, total, parts) = match r {
                    Relation::Sum { total, parts } if money => (Additivity::Bounded, total, parts),
                    Relation::Sum { total, parts } => (Additivity::Sum, total, parts),
                    Relation::Bounded { total, parts } => (Additivity::Bounded, total, parts),
                    Relation::AtMost { total, parts } => (Additivity::AtMost, total, parts),
                };
                let parts = parts.iter().map(|&p| figure[offsets[t] + p]).collect();
                k.relations
                    .push((additivity, figure[offsets[t] + total], parts));
            }
        }
        k.relations_of = vec![Vec::new(); k.persons.len()];
        for (i, (_, total, parts)) in k.relations.iter().enumerate() {
            for &f in std::iter::once(total).chain(parts) {
                if k.relations_of[f].last() != Some(&i) {
                    k.relations_of[f].push(i);
                }
            }
        }
        k.boxes = (0..k.persons.len())
            .map(|f| {
                if k.suppressed[f] {
                    (1, UNBOUNDED)
                } else {
                    (k.persons[f], k.persons[f])
                }
            })
            .collect();
        // Every round keeps the boxes valid; rounds until nothing changes, or 100.
        for _ in 0..100 {
            let mut changed = false;
            for r in 0..k.relations.len() {
                for (f, (low, high)) in implied(&k, r, |f| k.boxes[f]) {
                    let b = k.boxes[f];
                    if k.suppressed[f] && (low > b.0 || high < b.1) {
                        k.boxes[f] = (b.0.max(low), b.1.min(high));
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        k
    }

    fn name(&self, tables: &[Table], f: usize) -> String {
        let (t, cell) = self.at[f];
        format!("{} {:?}", tables[t].id, tables[t].codes(cell))
    }

    /// The suppressed figures of relation `r`.
    fn unknowns(&self, r: usize) -> impl Iterator<Item = usize> + '_ {
        let (_, total, parts) = &self.relations[r];
        std::iter::once(*total)
            .chain(parts.iter().copied())
            .filter(|&f| self.suppressed[f])
    }
}

/// The bounds relation `r` implies for its figures, given a range `[low, high]` for each:
/// a total lies between its parts' sum (for a bounded one, their largest; for an at-most one,
/// nothing) and their sum; a part between the total less the others' greatest values and the
/// total less the others' least ones (for a bounded one, the total; for an at-most one,
/// nothing).
fn implied(
    k: &Knowledge,
    r: usize,
    range: impl Fn(usize) -> (i64, i64),
) -> Vec<(usize, (i64, i64))> {
    let (additivity, total, parts) = &k.relations[r];
    let ranges: Vec<(i64, i64)> = parts.iter().map(|&p| range(p)).collect();
    let low_sum: i64 = ranges.iter().map(|r| r.0).sum();
    let high_sum = ranges
        .iter()
        .fold(0i64, |s, r| s.saturating_add(r.1))
        .min(UNBOUNDED);
    let largest_low = ranges.iter().map(|r| r.0).max().unwrap_or(0);
    let (total_low, total_high) = range(*total);
    let least = match additivity {
        Additivity::Sum => low_sum,
        Additivity::Bounded => largest_low,
        Additivity::AtMost => 0,
    };
    let mut out = vec![(*total, (least, high_sum))];
    for (&p, part) in parts.iter().zip(&ranges) {
        let high = match additivity {
            _ if total_high >= UNBOUNDED => UNBOUNDED,
            Additivity::Sum => total_high - (low_sum - part.0),
            Additivity::Bounded => total_high,
            Additivity::AtMost => UNBOUNDED,
        };
        let low = if high_sum >= UNBOUNDED {
            1
        } else {
            total_low - (high_sum - part.1)
        };
        out.push((p, (low, high)));
    }
    out
}

/// A slice: suppressed figures (the unknowns), the relations among them and the published
/// figures (those whose every suppressed figure is in the slice), and a box `[low, high]`
/// per unknown that every relation touching it implies (a suppressed figure outside the
/// slice within its box in `Knowledge`).
struct Slice {
    unknowns: Vec<usize>,
    relations: Vec<usize>,
    touching: Vec<usize>,
    boxes: Vec<(i64, i64)>,
}

const UNBOUNDED: i64 = i64::MAX / 4;

impl Slice {
    fn new(k: &Knowledge, unknowns: Vec<usize>) -> Slice {
        let mut touching: Vec<usize> = unknowns
            .iter()
            .flat_map(|&f| k.relations_of[f].iter().copied())
            .collect();
        touching.sort_unstable();
        touching.dedup();
        let relations = touching
            .iter()
            .copied()
            .filter(|&r| k.unknowns(r).all(|f| unknowns.contains(&f)))
            .collect();
        let mut slice = Slice {
            boxes: unknowns.iter().map(|&f| k.boxes[f]).collect(),
            unknowns,
            relations,
            touching,
        };
        slice.narrow(k);
        slice
    }

    fn range(&self, k: &Knowledge, f: usize) -> (i64, i64) {
        match self.unknowns.iter().position(|&u| u == f) {
            Some(i) => self.boxes[i],
            None => k.boxes[f],
        }
    }

    /// Narrows the boxes by the relations touching the slice until nothing changes.
    fn narrow(&mut self, k: &Knowledge) {
        for _ in 0..1000 {
            let before = self.boxes.clone();
            for &r in &self.touching {
                for (f, (low, high)) in implied(k, r, |f| self.range(k, f)) {
                    if let Some(i) = self.unknowns.iter().position(|&u| u == f) {
                        self.boxes[i] = (self.boxes[i].0.max(low), self.boxes[i].1.min(high));
                    }
                }
            }
            if self.boxes == before {
                return;
            }
        }
        panic!("the boxes do not settle");
    }

    /// Whether every box is closed.
    fn bounded(&self) -> bool {
        self.boxes.iter().all(|b| b.1 < UNBOUNDED)
    }

    /// Grows a slice from `seed`: relations touching it are taken in turn, those bringing the
    /// fewest new unknowns first, while the slice keeps at most `max_unknowns` unknowns. A
    /// relation not taken is left out of the slice, which only widens what the attacker
    /// could find.
    fn grow(k: &Knowledge, seed: usize, max_unknowns: usize) -> Slice {
        let mut slice = Slice::new(k, vec![seed]);
        let mut refused = std::collections::BTreeSet::new();
        loop {
            let mut candidates: Vec<(usize, usize, Vec<usize>)> = Vec::new();
            for &f in &slice.unknowns {
                for &r in &k.relations_of[f] {
                    if refused.contains(&r) || slice.relations.contains(&r) {
                        continue;
                    }
                    let mut new: Vec<usize> = k
                        .unknowns(r)
                        .filter(|u| !slice.unknowns.contains(u))
                        .collect();
                    new.sort_unstable();
                    new.dedup();
                    if slice.unknowns.len() + new.len() <= max_unknowns {
                        candidates.push((new.len(), r, new));
                    } else {
                        refused.insert(r);
                    }
                }
            }
            candidates.sort();
            let Some((_, _, new)) = candidates.into_iter().next() else {
                return slice;
            };
            let mut unknowns = slice.unknowns.clone();
            unknowns.extend(new);
            slice = Slice::new(k, unknowns);
        }
    }

    /// Puts `watched` first among the unknowns.
    fn watched_first(&mut self, watched: &[usize]) {
        let mut order: Vec<(usize, (i64, i64))> = self
            .unknowns
            .iter()
            .copied()
            .zip(self.boxes.iter().copied())
            .collect();
        order.sort_by_key(|(f, _)| !watched.contains(f));
        (self.unknowns, self.boxes) = order.into_iter().unzip();
    }

    /// For the first `watched` unknowns, the least and greatest value each takes among the
    /// integer points of the boxes that satisfy the slice's relations, by depth-first
    /// enumeration of every combination of their values, each with the search for one point
    /// that completes it (after each value, every relation of that unknown must still be
    /// satisfiable with the unknowns not yet given a value anywhere in their boxes; once all
    /// have values, that is the relation itself). Stops early once each of them has two
    /// values and reaches `min_persons`, which settles what is asserted; `None` if that takes
    /// more than `budget` steps.
    fn feasible(
        &self,
        k: &Knowledge,
        watched: usize,
        min_persons: i64,
        budget: usize,
    ) -> Option<Vec<(i64, i64)>> {
        let n = self.unknowns.len();
        assert!(0 < watched && watched <= n);
        let position = |f: usize| self.unknowns.iter().position(|&u| u == f);
        // A relation: its additivity, the total (an unknown's position or a constant), the
        // parts' constant sum and largest constant, and the parts' unknown positions.
        struct Check {
            additivity: Additivity,
            total: Result<usize, i64>,
            constant_sum: i64,
            constant_max: i64,
            parts: Vec<usize>,
        }
        let mut checks = Vec::new();
        let mut of_unknown: Vec<Vec<usize>> = vec![Vec::new(); n];
        for &r in &self.relations {
            let (additivity, total, parts) = &k.relations[r];
            let mut check = Check {
                additivity: *additivity,
                total: position(*total).ok_or(k.persons[*total]),
                constant_sum: 0,
                constant_max: 0,
                parts: Vec::new(),
            };
            for &p in parts {
                match position(p) {
                    Some(i) => check.parts.push(i),
                    None => {
                        check.constant_sum += k.persons[p];
                        check.constant_max = check.constant_max.max(k.persons[p]);
                    }
                }
            }
            for i in check.parts.iter().copied().chain(check.total.ok()) {
                if !of_unknown[i].contains(&checks.len()) {
                    of_unknown[i].push(checks.len());
                }
            }
            checks.push(check);
        }
        let boxes = &self.boxes;
        // Unknowns up to `depth` have their values, the others their boxes.
        let satisfiable = |c: &Check, values: &[i64], depth: usize| {
            let range = |i: usize| {
                if i <= depth {
                    (values[i], values[i])
                } else {
                    boxes[i]
                }
            };
            let (total_low, total_high) = c.total.map_or_else(|x| (x, x), range);
            let (mut low, mut high, mut largest_low) =
                (c.constant_sum, c.constant_sum, c.constant_max);
            for &i in &c.parts {
                let (l, h) = range(i);
                low += l;
                high += h;
                largest_low = largest_low.max(l);
            }
            let least = match c.additivity {
                Additivity::Sum => low,
                Additivity::Bounded => largest_low,
                Additivity::AtMost => i64::MIN,
            };
            least <= total_high && total_low <= high
        };
        let mut seen = vec![(i64::MAX, i64::MIN); watched];
        let mut values = vec![0i64; n];
        let (mut depth, mut steps) = (0, 0);
        values[0] = boxes[0].0 - 1;
        loop {
            steps += 1;
            if steps > budget {
                return None;
            }
            values[depth] += 1;
            if values[depth] > boxes[depth].1 {
                if depth == 0 {
                    return Some(seen);
                }
                depth -= 1;
                continue;
            }
            if !of_unknown[depth]
                .iter()
                .all(|&c| satisfiable(&checks[c], &values, depth))
            {
                continue;
            }
            if depth + 1 < n {
                depth += 1;
                values[depth] = boxes[depth].0 - 1;
                continue;
            }
            for (s, &v) in seen.iter_mut().zip(&values) {
                *s = (s.0.min(v), s.1.max(v));
            }
            if seen.iter().all(|s| s.0 < s.1 && s.1 >= min_persons) {
                return Some(seen);
            }
            // This combination of the watched values is possible: on to the next.
            depth = watched - 1;
        }
    }
}

/// A brute-force attacker on small real slices of the protected sample: for each primary cell,
/// a slice of the suppressed cells related to it (up to 12, else 8 or 5, with the relations
/// among them and the published cells as constants: sums over areas, sexes, ages and kinds,
/// the bounds under `ALL`, the links between tables); every integer assignment of its
/// suppressed cells (each at least 1, within the bounds the published cells imply through all
/// relations) is tried, and each primary cell in the slice must take at least two values, one
/// of them at least `min_persons`. A slice leaves out the relations that reach further, so this
/// attacker knows less than the exact audit's: what it finds, the exact one finds too, but it
/// does not rest on the solver. Slices whose cells the published figures leave unbounded, or
/// whose search is too long, are left out; at least two thirds of the primary cells must be
/// checked.
#[test]
fn a_brute_force_attacker_finds_no_primary_cell_in_small_slices_of_the_protected_sample() {
    let (a, _) = protected_sample();
    let k = Knowledge::of(a);
    let primary: Vec<usize> = (0..k.persons.len())
        .filter(|&f| (1..MIN).contains(&k.persons[f]))
        .collect();
    assert!(primary.iter().all(|&f| k.suppressed[f]));
    let started = std::time::Instant::now();
    let mut checked = std::collections::BTreeSet::new();
    let (mut slices, mut left_out, mut failures) = (0, 0, Vec::new());
    let mut per_table = std::collections::BTreeMap::new();
    for &seed in &primary {
        if checked.contains(&seed) {
            continue;
        }
        // The largest slice, of at most 12, 8 or 5 suppressed cells, that is bounded and
        // searched within the budget.
        let mut found = None;
        for size in [12, 8, 5] {
            let mut slice = Slice::grow(&k, seed, size);
            if !slice.bounded() {
                continue;
            }
            let watched: Vec<usize> = slice
                .unknowns
                .iter()
                .copied()
                .filter(|&f| (1..MIN).contains(&k.persons[f]) && !checked.contains(&f))
                .collect();
            slice.watched_first(&watched);
            if let Some(seen) = slice.feasible(&k, watched.len(), MIN, 1_000_000) {
                found = Some((slice, seen));
                break;
            }
        }
        let Some((slice, seen)) = found else {
            left_out += 1;
            continue;
        };
        slices += 1;
        for (&f, &(low, high)) in slice.unknowns.iter().zip(&seen) {
            assert!(
                low <= k.persons[f] && k.persons[f] <= high,
                "{}: its true value {} is outside what the slice allows ({low}..={high})",
                k.name(&a.tables, f),
                k.persons[f]
            );
            if low == high || high < MIN {
                failures.push(format!(
                    "{} ({} persons) is {low}..={high} given {:?}",
                    k.name(&a.tables, f),
                    k.persons[f],
                    slice
                        .unknowns
                        .iter()
                        .map(|&u| k.name(&a.tables, u))
                        .collect::<Vec<_>>()
                ));
            }
            checked.insert(f);
            *per_table.entry(a.tables[k.at[f].0].id).or_insert(0) += 1;
        }
    }
    eprintln!(
        "{} of {} primary cells checked in {slices} slices ({left_out} left out: \
         unbounded or over budget) in {:.1} s: {per_table:?}",
        checked.len(),
        primary.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        3 * checked.len() >= 2 * primary.len(),
        "{} checked",
        checked.len()
    );
    assert!(
        per_table.contains_key("recipients_by_area"),
        "{per_table:?}"
    );
}
