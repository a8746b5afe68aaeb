use super::*;
use crate::table::{relations, Additivity, Dimension, Hierarchy, Measure, Unit};
use proptest::prelude::*;

mod area;
mod exhaustive;
mod optimality;

const MIN: i64 = 4;

fn strings(codes: &[&str]) -> Vec<String> {
    codes.iter().map(|c| c.to_string()).collect()
}

/// A one-measure count table with the given persons (row-major).
fn table(id: &'static str, dims: &[(&'static str, &[&str])], persons: &[i64]) -> Table {
    let dimensions = dims
        .iter()
        .map(|(d, codes)| Dimension {
            id: d,
            codes: strings(codes),
        })
        .collect();
    let mut t = Table::new(
        id,
        dimensions,
        vec![Measure::new("recipients", Unit::Persons)],
    );
    assert_eq!(persons.len(), t.cells(), "{id}");
    t.persons = persons.to_vec();
    t.values[0] = persons.iter().map(|&p| Some(p)).collect();
    t
}

/// The measures of a recipients table: persons and their mean amount.
fn recipients_and_mean() -> Vec<Measure> {
    vec![
        Measure::new("recipients", Unit::Persons),
        Measure::new("mean_amount", Unit::EuroPerMonth),
    ]
}

fn total(dimension: &'static str, parts: &[&str]) -> Hierarchy {
    Hierarchy {
        dimension,
        total: "SSS".into(),
        parts: strings(parts),
        additivity: Additivity::Sum,
    }
}

fn suppressed(t: &Table) -> Vec<usize> {
    (0..t.cells()).filter(|&c| t.is_suppressed(c)).collect()
}

fn cell(t: &Table, codes: &[&str]) -> usize {
    t.index(codes).unwrap()
}

/// sex × age with both totals: men aged B (2 persons) is primary.
///
/// ```text
///        SSS   A   B   C
/// SSS     68  22  11  35
/// 1       27  10   2  15
/// 2       41  12   9  20
/// ```
/// Protects one table without links at `MIN`.
fn protect_one(t: &mut Table, r: &[Relation]) -> Vec<SuppressionCounts> {
    protect(std::slice::from_mut(t), &[r.to_vec()], &[], MIN).unwrap()
}

fn sex_by_age() -> (Table, Vec<Relation>) {
    let t = table(
        "sex_age",
        &[
            ("sex", &["SSS", "1", "2"]),
            ("age_group", &["SSS", "A", "B", "C"]),
        ],
        &[68, 22, 11, 35, 27, 10, 2, 15, 41, 12, 9, 20],
    );
    let r = relations(
        &t,
        &[
            total("sex", &["1", "2"]),
            total("age_group", &["A", "B", "C"]),
        ],
    );
    (t, r)
}

#[test]
fn a_single_small_cell_is_protected_by_the_smallest_box() {
    let (mut t, r) = sex_by_age();
    let counts = protect_one(&mut t, &r);
    // The partner in the age row is the smaller of A (10) and C (15); in the sex column
    // women (9); the box closes at women aged A.
    let expected = vec![
        cell(&t, &["1", "A"]),
        cell(&t, &["1", "B"]),
        cell(&t, &["2", "A"]),
        cell(&t, &["2", "B"]),
    ];
    assert_eq!(suppressed(&t), expected);
    assert_eq!(
        counts,
        vec![SuppressionCounts {
            table_id: "sex_age".into(),
            primary: 1,
            secondary: 3,
            secondary_persons: 10 + 12 + 9,
            persons: 272,
            secondary_cents: None,
        }]
    );
    assert!(t.status.iter().all(|s| expected
        .iter()
        .all(|&c| s[c] == crate::table::Status::Confidential)));
    assert_eq!(t.values[0][cell(&t, &["1", "B"])], None);
    let report = audit(&[t], &[r], &[], MIN).unwrap();
    assert!(report.passed(), "{report:?}");
    assert_eq!(report.primary_cells, 1);
}

#[test]
fn a_cell_short_by_several_persons_takes_small_partners_one_person_at_a_time() {
    // Men in A (1) must be able to reach 4. Only D (100 men) can give up 3 at once, so one
    // box would hide D's row; the men in B, C and E (2 each, primary themselves) can each
    // give up one, and three boxes through them hide only the women of A, B, C and E.
    let mut t = table(
        "area_sex",
        &[
            ("area", &["SSS", "A", "B", "C", "E", "D"]),
            ("sex", &["SSS", "1", "2"]),
        ],
        &[
            247, 107, 140, //
            11, 1, 10, //
            12, 2, 10, //
            12, 2, 10, //
            12, 2, 10, //
            200, 100, 100,
        ],
    );
    let r = relations(
        &t,
        &[
            total("area", &["A", "B", "C", "E", "D"]),
            total("sex", &["1", "2"]),
        ],
    );
    protect_one(&mut t, &r);
    let expected: Vec<usize> = ["A", "B", "C", "E"]
        .iter()
        .flat_map(|area| [cell(&t, &[area, "1"]), cell(&t, &[area, "2"])])
        .collect();
    assert_eq!(suppressed(&t), expected);
    let report = audit(&[t], &[r], &[], MIN).unwrap();
    assert!(report.passed(), "{report:?}");
}

#[test]
fn the_audit_fails_when_only_the_primary_cell_is_suppressed() {
    let (mut t, r) = sex_by_age();
    let c = cell(&t, &["1", "B"]);
    t.suppress(c);
    let report = audit(&[t], &[r], &[], MIN).unwrap();
    assert_eq!(
        report.failures,
        vec![AuditFailure {
            table_id: "sex_age".into(),
            cell: c,
            codes: strings(&["1", "B"]),
            problem: AuditProblem::CountDisclosed { max: 2 },
        }]
    );
}

#[test]
fn the_audit_reports_published_primary_and_suppressed_zero_cells() {
    let t = table("t", &[("sex", &["SSS", "1", "2"])], &[5, 5, 0]);
    let r = relations(&t, &[total("sex", &["1", "2"])]);
    let mut t2 = t.clone();
    t2.suppress(2);
    let report = audit(&[t2], std::slice::from_ref(&r), &[], MIN).unwrap();
    assert_eq!(
        report
            .failures
            .iter()
            .map(|f| f.problem.clone())
            .collect::<Vec<_>>(),
        vec![AuditProblem::ZeroSuppressed]
    );
    let t3 = table("t", &[("sex", &["SSS", "1", "2"])], &[5, 3, 2]);
    let report = audit(&[t3], &[r], &[], MIN).unwrap();
    let failures: Vec<(usize, AuditProblem)> = report
        .failures
        .iter()
        .map(|f| (f.cell, f.problem.clone()))
        .collect();
    assert_eq!(
        failures,
        vec![
            (1, AuditProblem::PrimaryPublished),
            (2, AuditProblem::PrimaryPublished)
        ]
    );
}

#[test]
fn two_small_parts_beside_a_published_total_take_a_third() {
    // 1 + 1 + 6 = 8: with only the two ones suppressed their sum 2 tells both are 1.
    let mut t = table("t", &[("sex", &["SSS", "1", "2", "3"])], &[8, 1, 1, 6]);
    let r = relations(&t, &[total("sex", &["1", "2", "3"])]);
    protect_one(&mut t, &r);
    assert_eq!(suppressed(&t), vec![1, 2, 3]);
    assert!(audit(&[t], &[r], &[], MIN).unwrap().passed());
}

#[test]
fn a_two_level_area_hierarchy_is_protected_at_every_level() {
    let areas = [
        "ALL", "SSS", "MK1", "MK2", "KU1", "KU2", "KU3", "KU4", "ABROAD",
    ];
    // Per area: SSS, men, women. KU1 men = 2 is primary.
    let rows: [[i64; 3]; 9] = [
        [105, 52, 53], // ALL
        [100, 50, 50], // SSS
        [40, 17, 23],  // MK1
        [60, 33, 27],  // MK2
        [15, 2, 13],   // KU1
        [25, 15, 10],  // KU2
        [30, 16, 14],  // KU3
        [30, 17, 13],  // KU4
        [5, 2, 3],     // ABROAD: both sexes primary
    ];
    let persons: Vec<i64> = rows.iter().flatten().copied().collect();
    let mut t = table(
        "area",
        &[("area", &areas), ("sex", &["SSS", "1", "2"])],
        &persons,
    );
    let sum = |tot: &str, parts: &[&str]| Hierarchy {
        dimension: "area",
        total: tot.into(),
        parts: strings(parts),
        additivity: Additivity::Sum,
    };
    let h = vec![
        sum("ALL", &["SSS", "ABROAD"]),
        sum("SSS", &["MK1", "MK2"]),
        sum("SSS", &["KU1", "KU2", "KU3", "KU4"]),
        sum("MK1", &["KU1", "KU2"]),
        sum("MK2", &["KU3", "KU4"]),
        total("sex", &["1", "2"]),
    ];
    let r = relations(&t, &h);
    let counts = protect_one(&mut t, &r);
    let got: Vec<Vec<&str>> = suppressed(&t).into_iter().map(|c| t.codes(c)).collect();
    // KU1 men (2) pairs with KU2 men (15) in MK1 = KU1 + KU2 and with KU1 women (13) in the
    // sex total; KU2 women (10) closes the box, and MK1's totals stay published.
    // ABROAD men and women (2 + 3 beside a published 5) may each be 1 to 4: enough. But in
    // ALL = SSS + ABROAD each is alone. ALL men and women are one-way margins (area at its
    // top total), which a pattern takes only when no other exists: SSS men and women move
    // against ABROAD's instead, balanced down the hierarchy by MK1's and its KU cells.
    assert_eq!(
        got,
        vec![
            vec!["SSS", "1"],
            vec!["SSS", "2"],
            vec!["MK1", "1"],
            vec!["MK1", "2"],
            vec!["KU1", "1"],
            vec!["KU1", "2"],
            vec!["KU2", "1"],
            vec!["KU2", "2"],
            vec!["ABROAD", "1"],
            vec!["ABROAD", "2"],
        ]
    );
    assert_eq!(
        counts,
        vec![SuppressionCounts {
            table_id: "area".into(),
            primary: 3,
            secondary: 7,
            secondary_persons: 50 + 50 + 17 + 23 + 13 + 15 + 10,
            persons: persons.iter().sum(),
            secondary_cents: None,
        }]
    );
    let report = audit(&[t], &[r], &[], MIN).unwrap();
    assert!(report.passed(), "{report:?}");
}

#[test]
fn a_count_under_all_is_bounded_by_its_benefits() {
    // ALL is at least each benefit and at most their sum. Women: ALL = 3 = A, their only
    // benefit; men: B = 2 beside A = 20, C = 10 and ALL = 21.
    let benefits = ["ALL", "A", "B", "C"];
    // rows: benefit; columns: SSS, men, women
    let rows: [[i64; 3]; 4] = [
        [24, 21, 3], // ALL
        [23, 20, 3], // A
        [2, 2, 0],   // B
        [10, 10, 0], // C
    ];
    let persons: Vec<i64> = rows.iter().flatten().copied().collect();
    let mut t = table(
        "benefit",
        &[("benefit", &benefits), ("sex", &["SSS", "1", "2"])],
        &persons,
    );
    let h = vec![
        Hierarchy {
            dimension: "benefit",
            total: "ALL".into(),
            parts: strings(&["A", "B", "C"]),
            additivity: Additivity::Bounded,
        },
        total("sex", &["1", "2"]),
    ];
    let r = relations(&t, &h);
    assert!(matches!(r[0], Relation::Bounded { .. }));
    protect_one(&mut t, &r);
    let got: Vec<Vec<&str>> = suppressed(&t).into_iter().map(|c| t.codes(c)).collect();
    // Primary: ALL and A women (3), B total and men (2). The sex totals of ALL (24) and A
    // (23) take their men. Then women under ALL equal women under A (ALL ≤ Σ benefits, the
    // other benefits being 0), both some a with men 24 − a ≥ C men = 10: a ∈ [1, 14]. B men
    // equal B's total and are at most ALL men (24 − a): up to 23.
    assert_eq!(
        got,
        vec![
            vec!["ALL", "1"],
            vec!["ALL", "2"],
            vec!["A", "1"],
            vec!["A", "2"],
            vec!["B", "SSS"],
            vec!["B", "1"]
        ]
    );
    let report = audit(&[t.clone()], std::slice::from_ref(&r), &[], MIN).unwrap();
    assert!(report.passed(), "{report:?}");
    // Publishing women under ALL again gives A women away (ALL women = A women, the only
    // nonzero benefit).
    let mut leaky = t.clone();
    for m in 0..leaky.measures.len() {
        let c = cell(&leaky, &["ALL", "2"]);
        leaky.status[m][c] = crate::table::Status::Value;
        leaky.values[m][c] = Some(3);
    }
    let report = audit(&[leaky], &[r], &[], MIN).unwrap();
    assert!(!report.passed());
}

/// New recipients: ALL ≤ Σ benefits, and nothing more (a new benefit beside an old one is
/// new under the benefit alone). That upper bound is a lower bound on each benefit, which
/// the attacker turns into an upper bound on its neighbours.
///
/// ```text
///        SSS   a   b   c
/// ALL     37  30   2   5
/// OP      32  30   2   0
/// CI       5   0   0   5
/// ```
#[test]
fn a_new_recipients_total_at_most_its_parts_bounds_them_from_below() {
    let persons = [37, 30, 2, 5, 32, 30, 2, 0, 5, 0, 0, 5];
    let t = table(
        "new_recipients",
        &[
            ("benefit", &["ALL", "OP", "CI"]),
            ("age_group", &["SSS", "a", "b", "c"]),
        ],
        &persons,
    );
    let h = vec![
        Hierarchy {
            dimension: "benefit",
            total: "ALL".into(),
            parts: strings(&["OP", "CI"]),
            additivity: Additivity::AtMost,
        },
        total("age_group", &["a", "b", "c"]),
    ];
    let r = relations(&t, &h);
    let sums: Vec<Relation> = r
        .iter()
        .filter(|r| matches!(r, Relation::Sum { .. }))
        .cloned()
        .collect();
    // Protected as if the benefits were unrelated, ALL b takes ALL c (5) and OP b takes OP
    // a (30), which leaves ALL a = 30 published: OP a ≥ 30 − CI a = 30, so OP b ≤ 2, and
    // ALL b ≤ OP b + CI b ≤ 2.
    let mut unaware = t.clone();
    protect_one(&mut unaware, &sums);
    assert!(!unaware.is_suppressed(cell(&unaware, &["ALL", "a"])));
    assert!(audit(&[unaware.clone()], &[sums], &[], MIN)
        .unwrap()
        .passed());
    let report = audit(&[unaware], std::slice::from_ref(&r), &[], MIN).unwrap();
    let failing: Vec<Vec<&str>> = report.failures.iter().map(|f| t.codes(f.cell)).collect();
    assert_eq!(
        failing,
        vec![vec!["ALL", "b"], vec!["OP", "b"]],
        "{report:?}"
    );
    // Protected with the bound, the pattern passes an attacker who knows it.
    let mut aware = t.clone();
    protect_one(&mut aware, &r);
    let report = audit(&[aware], &[r], &[], MIN).unwrap();
    assert!(report.passed(), "{report:?}");
}

#[test]
fn a_count_under_all_takes_no_partner_for_the_sums_behind_means() {
    // One municipality, sex SSS only: ALL (40 persons, mean given) ≥ each benefit, ≤ their
    // sum. C has 2 persons: its count is safe by the bounds (ALL − A − B = 40 − 30 − 12 < 0,
    // so C ∈ [1, 40]). The attacker's relations are those of the counts (publication.md,
    // "Additivity"): no protection is spent on ALL across benefits, so C stays alone.
    let dims = vec![Dimension {
        id: "benefit",
        codes: strings(&["ALL", "A", "B", "C"]),
    }];
    let mut t = Table::new("means", dims, recipients_and_mean());
    t.persons = vec![40, 30, 12, 2];
    t.values[0] = t.persons.iter().map(|&p| Some(p)).collect();
    t.values[1] = vec![Some(70_000), Some(60_000), Some(20_000), Some(15_000)];
    let h = vec![Hierarchy {
        dimension: "benefit",
        total: "ALL".into(),
        parts: strings(&["A", "B", "C"]),
        additivity: Additivity::Bounded,
    }];
    let r = relations(&t, &h);
    // The counts alone are safe with only C suppressed.
    let mut only = t.clone();
    only.suppress(3);
    assert!(audit(&[only], std::slice::from_ref(&r), &[], MIN)
        .unwrap()
        .passed());
    protect_one(&mut t, &r);
    assert_eq!(suppressed(&t), vec![3]);
    assert!(audit(&[t], &[r], &[], MIN).unwrap().passed());
}

#[test]
fn linked_tables_share_status_and_are_protected_together() {
    let (age, age_rel) = sex_by_age();
    // sex × region; its region SSS column is the age table's age SSS column.
    let region = table(
        "sex_region",
        &[
            ("sex", &["SSS", "1", "2"]),
            ("region", &["SSS", "R1", "R2"]),
        ],
        &[68, 30, 38, 27, 1, 26, 41, 29, 12],
    );
    let region_rel = relations(
        &region,
        &[total("sex", &["1", "2"]), total("region", &["R1", "R2"])],
    );
    let links: Vec<Link> = ["SSS", "1", "2"]
        .iter()
        .map(|s| Link {
            table_a: 0,
            cell_a: cell(&age, &[s, "SSS"]),
            table_b: 1,
            cell_b: cell(&region, &[s, "SSS"]),
        })
        .collect();
    let mut tables = vec![age, region];
    let rels = vec![age_rel, region_rel];
    protect(&mut tables, &rels, &links, MIN).unwrap();
    for l in &links {
        assert_eq!(
            tables[l.table_a].is_suppressed(l.cell_a),
            tables[l.table_b].is_suppressed(l.cell_b)
        );
    }
    let report = audit(&tables, &rels, &links, MIN).unwrap();
    assert!(report.passed(), "{report:?}");
    let got: Vec<Vec<Vec<&str>>> = tables
        .iter()
        .map(|t| suppressed(t).into_iter().map(|c| t.codes(c)).collect())
        .collect();
    assert_eq!(
        got[0],
        vec![
            vec!["1", "A"],
            vec!["1", "B"],
            vec!["2", "A"],
            vec!["2", "B"]
        ]
    );
    assert_eq!(
        got[1],
        vec![
            vec!["1", "R1"],
            vec!["1", "R2"],
            vec!["2", "R1"],
            vec!["2", "R2"]
        ]
    );

    // Without the link the audit of the region table alone is fine, but a men's total
    // suppressed in one table and published in the other is reported.
    let mut broken = tables.clone();
    let men = cell(&broken[1], &["1", "SSS"]);
    broken[1].suppress(men);
    let report = audit(&broken, &rels, &links, MIN).unwrap();
    assert!(report
        .failures
        .iter()
        .any(|f| matches!(f.problem, AuditProblem::LinkStatusDiffers { .. })));
}

/// Two suppressed boxes joined by one primary cell: every row and column has several
/// suppressed cells with room, so the local rules are content, but the joining cell is the
/// difference of the two boxes' remainders. Only the audit's programs see it.
fn bridged_boxes() -> (Table, Vec<Relation>, usize) {
    let interior: [[i64; 4]; 4] = [
        [10, 11, 12, 13],
        [14, 15, 1, 16],
        [17, 18, 19, 20],
        [21, 22, 23, 24],
    ];
    let (t, r) = grid(&interior);
    let c = cell(&t, &["r2", "c3"]);
    (t, r, c)
}

/// A 2-D table with margins from its interior.
fn grid(interior: &[[i64; 4]]) -> (Table, Vec<Relation>) {
    let rows = interior.len();
    let row_codes: Vec<String> = std::iter::once("SSS".to_string())
        .chain((1..=rows).map(|i| format!("r{i}")))
        .collect();
    let col_codes: Vec<String> = std::iter::once("SSS".to_string())
        .chain((1..=4).map(|i| format!("c{i}")))
        .collect();
    let mut persons = vec![0; (rows + 1) * 5];
    for (i, row) in interior.iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            persons[(i + 1) * 5 + j + 1] = v;
            persons[(i + 1) * 5] += v;
            persons[j + 1] += v;
            persons[0] += v;
        }
    }
    let dims = vec![
        Dimension {
            id: "row",
            codes: row_codes.clone(),
        },
        Dimension {
            id: "col",
            codes: col_codes.clone(),
        },
    ];
    let mut t = Table::new(
        "grid",
        dims,
        vec![Measure::new("recipients", Unit::Persons)],
    );
    t.values[0] = persons.iter().map(|&p| Some(p)).collect();
    t.persons = persons;
    let h = vec![
        Hierarchy {
            dimension: "row",
            total: "SSS".into(),
            parts: row_codes[1..].to_vec(),
            additivity: Additivity::Sum,
        },
        Hierarchy {
            dimension: "col",
            total: "SSS".into(),
            parts: col_codes[1..].to_vec(),
            additivity: Additivity::Sum,
        },
    ];
    let r = relations(&t, &h);
    (t, r)
}

#[test]
fn the_audit_finds_what_the_local_rules_miss_and_protect_repairs_it() {
    let (mut t, r, bridge) = bridged_boxes();
    for codes in [
        ["r1", "c1"],
        ["r1", "c2"],
        ["r2", "c1"],
        ["r2", "c2"],
        ["r3", "c3"],
        ["r3", "c4"],
        ["r4", "c3"],
        ["r4", "c4"],
        ["r2", "c3"],
    ] {
        let c = cell(&t, &codes);
        t.suppress(c);
    }
    let report = audit(&[t.clone()], std::slice::from_ref(&r), &[], MIN).unwrap();
    assert_eq!(report.failures.len(), 1, "{report:?}");
    assert_eq!(report.failures[0].cell, bridge);
    assert_eq!(
        report.failures[0].problem,
        AuditProblem::CountDisclosed { max: 1 }
    );

    // protect keeps the given suppressions and adds what the audit asks for.
    let before = suppressed(&t);
    protect_one(&mut t, &r);
    let after = suppressed(&t);
    assert!(before.iter().all(|c| after.contains(c)));
    assert!(after.len() > before.len());
    assert!(audit(&[t], &[r], &[], MIN).unwrap().passed());
}

#[test]
fn expenditure_is_audited_on_its_own_relations() {
    // benefit (ALL = A + B for money; persons count once under ALL) × payment_type
    // (SSS = Σ types for money; persons not additive). A's recoveries: 2 persons.
    let dims = vec![
        Dimension {
            id: "benefit",
            codes: strings(&["ALL", "A", "B"]),
        },
        Dimension {
            id: "payment_type",
            codes: strings(&["SSS", "regular", "recovery"]),
        },
    ];
    let measures = vec![
        Measure::new("expenditure", Unit::Euro),
        Measure::new("recipients_during_period", Unit::Persons),
    ];
    let mut t = Table::new("expenditure", dims, measures);
    // cells: ALL×(SSS, regular, recovery), A×…, B×…
    // One person had recoveries under both A and B: the counts add up nowhere.
    let money: [i64; 9] = [9_500, 10_000, -500, 5_800, 6_000, -200, 3_700, 4_000, -300];
    let persons: [i64; 9] = [30, 30, 6, 20, 20, 2, 15, 15, 5];
    t.values[0] = money.iter().map(|&v| Some(v)).collect();
    t.values[1] = persons.iter().map(|&v| Some(v)).collect();
    t.persons = persons.to_vec();
    let h = vec![
        Hierarchy {
            dimension: "benefit",
            total: "ALL".into(),
            parts: strings(&["A", "B"]),
            additivity: Additivity::Sum,
        },
        total("payment_type", &["regular", "recovery"]),
    ];
    let r = relations(&t, &h);
    // Only the primary cell suppressed: its count is not given away (no relation holds for
    // the counts), but its money is: 5 800 − 6 000.
    let mut only = t.clone();
    only.suppress(5);
    let report = audit(&[only], std::slice::from_ref(&r), &[], MIN).unwrap();
    assert_eq!(
        report
            .failures
            .iter()
            .map(|f| (f.cell, f.problem.clone()))
            .collect::<Vec<_>>(),
        vec![(5, AuditProblem::SumDetermined)]
    );

    protect_one(&mut t, &r);
    // Every cell here but the four inside is a headline figure (a one-way margin). The
    // counts of A's recovery reach `min_persons` within A's published total alone; its euros
    // need the box inside (A and B × regular and recovery), which keeps every money relation
    // open without touching a margin (a single change for counts and sums would have moved
    // B's regular count above B's total and taken ALL's row instead).
    assert_eq!(suppressed(&t), vec![4, 5, 7, 8]);
    assert!(audit(&[t], &[r], &[], MIN).unwrap().passed());
}

#[test]
fn protect_is_deterministic_and_never_suppresses_zeros() {
    let (t, r) = grid(&[
        [10, 0, 2, 0],
        [14, 15, 1, 16],
        [0, 1, 19, 0],
        [21, 0, 23, 3],
    ]);
    let mut a = t.clone();
    let mut b = t.clone();
    protect_one(&mut a, &r);
    protect_one(&mut b, &r);
    assert_eq!(a, b);
    assert!((0..a.cells()).all(|c| a.persons[c] > 0 || !a.is_suppressed(c)));
    assert!(audit(&[a], &[r], &[], MIN).unwrap().passed());
}

/// The textbook case of sdcTable's documentation and of the tau-ARGUS manual: a table with
/// row and column totals (here 3 × 3 inside, 4 × 4 with margins) where the suppressed cells
/// do not close: the cell alone in its column is the published column total minus the
/// published cells, so the attacker recomputes it exactly.
#[test]
fn the_textbook_table_with_a_recomputable_cell_is_caught() {
    let interior: [[i64; 4]; 3] = [[20, 2, 15, 0], [18, 11, 9, 0], [7, 13, 3, 0]];
    let (mut t, r) = grid(&interior);
    // r1c2 (2) and r3c3 (3) are primary; the pattern closes r1c2 with r1c3, r2c2, r2c3 but
    // leaves r3c3 alone in its row and column.
    for codes in [
        ["r1", "c2"],
        ["r1", "c3"],
        ["r2", "c2"],
        ["r2", "c3"],
        ["r3", "c3"],
    ] {
        let c = cell(&t, &codes);
        t.suppress(c);
    }
    let report = audit(&[t.clone()], std::slice::from_ref(&r), &[], MIN).unwrap();
    let failing: Vec<Vec<String>> = report.failures.iter().map(|f| f.codes.clone()).collect();
    assert_eq!(failing, vec![strings(&["r3", "c3"])], "{report:?}");
    assert_eq!(
        report.failures[0].problem,
        AuditProblem::CountDisclosed { max: 3 }
    );
    // Closing the box (r3c2 as well) fixes it, and the box of r1c2 needed no change.
    let c = cell(&t, &["r3", "c2"]);
    t.suppress(c);
    let report = audit(&[t], &[r], &[], MIN).unwrap();
    assert!(report.passed(), "{report:?}");
}

/// A published row total minus its published parts equals the number of suppressed parts:
/// each suppressed part is then exactly 1, whatever the columns allow.
#[test]
fn suppressed_parts_that_must_each_be_one_are_caught() {
    // Men: total 31 = 15 + 1 + 1 + 14. The two ones are suppressed, and so are women's cells
    // under them (so that no column gives them away): the men's row alone pins them.
    let interior: [[i64; 4]; 2] = [[15, 1, 1, 14], [12, 9, 8, 10]];
    let (mut t, r) = grid(&interior);
    for codes in [["r1", "c2"], ["r1", "c3"], ["r2", "c2"], ["r2", "c3"]] {
        let c = cell(&t, &codes);
        t.suppress(c);
    }
    let report = audit(&[t], &[r], &[], MIN).unwrap();
    let failing: Vec<(Vec<String>, AuditProblem)> = report
        .failures
        .iter()
        .map(|f| (f.codes.clone(), f.problem.clone()))
        .collect();
    assert_eq!(
        failing,
        vec![
            (
                strings(&["r1", "c2"]),
                AuditProblem::CountDisclosed { max: 1 }
            ),
            (
                strings(&["r1", "c3"]),
                AuditProblem::CountDisclosed { max: 1 }
            ),
        ]
    );
}

/// Random 2-D tables of `rows` interior rows by four columns, with margins (and a bounded
/// third row over the others, on the side).
fn grid_strategy(rows: std::ops::Range<usize>) -> impl Strategy<Value = Vec<[i64; 4]>> {
    let value = prop_oneof![3 => Just(0i64), 4 => 1i64..4, 3 => 4i64..30];
    proptest::collection::vec(proptest::array::uniform4(value), rows)
}
