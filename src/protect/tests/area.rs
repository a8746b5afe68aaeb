//! `recipients_by_area` at national size.
use super::*;

/// recipients_by_area at full size: area (ALL, SSS, 19 regions, 22 counties, 309
/// municipalities, ABROAD) × 15 benefits × 3 sexes = 15 840 cells, with municipalities of
/// every size (many tiny ones) and rare benefits, so that thousands of cells are small.
fn area_table() -> (Table, Vec<Relation>) {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let regions = 19;
    let counties = 22;
    let municipalities = 309;
    // municipality → county → region (counties 0..18 one per region, the rest in region 0)
    let county_of: Vec<usize> = (0..municipalities).map(|m| m % counties).collect();
    let region_of_county = |c: usize| if c < regions { c } else { 0 };
    let mut areas = strings(&["ALL", "SSS"]);
    areas.extend((0..regions).map(|r| format!("MK{r:02}")));
    areas.extend((0..counties).map(|c| format!("HVA{c:02}")));
    areas.extend((0..municipalities).map(|m| format!("KU{m:03}")));
    areas.push("ABROAD".into());
    let benefits = crate::aggregate::codes::benefits();
    let base = crate::aggregate::codes::BASE_BENEFITS;
    // Share of a municipality's pensioners under each base benefit.
    let share = [
        0.55, 0.03, 0.2, 0.02, 0.15, 0.004, 0.02, 0.01, 0.002, 0.003, 0.0, 0.001,
    ];
    let dims = vec![
        Dimension {
            id: "area",
            codes: areas.clone(),
        },
        Dimension {
            id: "benefit",
            codes: benefits.clone(),
        },
        Dimension {
            id: "sex",
            codes: strings(&["SSS", "1", "2"]),
        },
    ];
    let mut t = Table::new("recipients_by_area", dims, recipients_and_mean());
    let idx = |a: usize, b: usize, s: usize| (a * 15 + b) * 3 + s;
    let bpos = |code: &str| benefits.iter().position(|b| b == code).unwrap();
    let mut persons = vec![0i64; t.cells()];
    let mut add = |a: usize, m_level: &[usize], b: usize, s: usize, v: i64| {
        for &area in std::iter::once(&a).chain(m_level) {
            persons[idx(area, b, s)] += v;
            persons[idx(area, b, 0)] += v;
        }
        let _ = s;
    };
    let ku0 = 2 + regions + counties;
    for m in 0..=municipalities {
        let (area, levels): (usize, Vec<usize>) = match county_of.get(m) {
            Some(&c) => (
                ku0 + m,
                vec![2 + region_of_county(c), 2 + regions + c, 1, 0],
            ),
            None => (ku0 + municipalities, vec![0]),
        };
        // pensioners: log-uniform between 30 and 100 000
        let size = (30.0f64 * (rng.gen::<f64>() * (100_000f64 / 30.0).ln()).exp()) as i64;
        for s in 1..=2 {
            let mut by_base = [0i64; 12];
            for (i, sh) in share.iter().enumerate() {
                let mean = size as f64 * sh / 2.0
                    * if m == municipalities && base[i] == "FVS" {
                        0.0
                    } else {
                        1.0
                    };
                let mean = if m == municipalities && base[i] == "FVS_ABROAD" {
                    2.0
                } else {
                    mean
                };
                by_base[i] = (mean * rng.gen_range(0.5..1.5)).round() as i64;
            }
            let all = by_base.iter().copied().max().unwrap() + by_base.iter().sum::<i64>() / 10;
            let all = all.min(by_base.iter().sum());
            let np: i64 = by_base[..4].iter().sum();
            let sp: i64 = by_base[5] + by_base[6];
            add(area, &levels, bpos("ALL"), s, all);
            add(area, &levels, bpos("NP"), s, np);
            add(area, &levels, bpos("SP"), s, sp);
            for (i, code) in base.iter().enumerate() {
                add(area, &levels, bpos(code), s, by_base[i]);
            }
        }
    }
    t.values[0] = persons.iter().map(|&p| Some(p)).collect();
    t.persons = persons;
    let sum = |tot: String, parts: Vec<String>| Hierarchy {
        dimension: "area",
        total: tot,
        parts,
        additivity: Additivity::Sum,
    };
    let mut h = vec![
        sum("ALL".into(), strings(&["SSS", "ABROAD"])),
        sum(
            "SSS".into(),
            (0..regions).map(|r| format!("MK{r:02}")).collect(),
        ),
        sum(
            "SSS".into(),
            (0..counties).map(|c| format!("HVA{c:02}")).collect(),
        ),
        sum(
            "SSS".into(),
            (0..municipalities).map(|m| format!("KU{m:03}")).collect(),
        ),
    ];
    for r in 0..regions {
        let cs: Vec<usize> = (0..counties)
            .filter(|&c| region_of_county(c) == r)
            .collect();
        h.push(sum(
            format!("MK{r:02}"),
            cs.iter().map(|c| format!("HVA{c:02}")).collect(),
        ));
        h.push(sum(
            format!("MK{r:02}"),
            (0..municipalities)
                .filter(|&m| cs.contains(&county_of[m]))
                .map(|m| format!("KU{m:03}"))
                .collect(),
        ));
    }
    for c in 0..counties {
        h.push(sum(
            format!("HVA{c:02}"),
            (0..municipalities)
                .filter(|&m| county_of[m] == c)
                .map(|m| format!("KU{m:03}"))
                .collect(),
        ));
    }
    h.push(Hierarchy {
        dimension: "benefit",
        total: "NP".into(),
        parts: strings(&base[..4]),
        additivity: Additivity::Sum,
    });
    h.push(Hierarchy {
        dimension: "benefit",
        total: "SP".into(),
        parts: strings(&["SP_INIT", "SP_CONT"]),
        additivity: Additivity::Sum,
    });
    h.push(Hierarchy {
        dimension: "benefit",
        total: "ALL".into(),
        parts: strings(&base),
        additivity: Additivity::Bounded,
    });
    h.push(total("sex", &["1", "2"]));
    let r = relations(&t, &h);
    (t, r)
}

/// The municipality table at national size: every primary cell gets a proven pattern, and the
/// secondary suppressions stay fewer than 1.5 per primary cell (the hypercubes' cost).
#[test]
fn a_full_size_area_table_is_protected_and_passes_the_audit() {
    let (mut t, r) = area_table();
    let primary = (0..t.cells())
        .filter(|&c| (1..MIN).contains(&t.persons[c]))
        .count();
    let counts = protect_one(&mut t, &r);
    assert_eq!(counts[0].primary, primary);
    assert!(
        2 * counts[0].secondary < 3 * primary,
        "{counts:?} for {primary} primary cells"
    );
    let report = audit(&[t], &[r], &[], MIN).unwrap();
    assert!(
        report.passed(),
        "{:?}",
        &report.failures[..report.failures.len().min(5)]
    );
}
