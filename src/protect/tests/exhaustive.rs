//! The audit against an exhaustive search of the attacker's integer points on random grids.
use super::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn protected_grids_pass_the_audit(interior in grid_strategy(2..5), min in 3i64..6) {
        let (t, r) = grid(&interior);
        let mut a = t.clone();
        protect(std::slice::from_mut(&mut a), std::slice::from_ref(&r), &[], min).unwrap();
        let report = audit(&[a.clone()], std::slice::from_ref(&r), &[], min).unwrap();
        prop_assert!(report.passed(), "{:?}", report);
        for c in 0..a.cells() {
            prop_assert!(a.persons[c] > 0 || !a.is_suppressed(c), "zero cell {c} suppressed");
            prop_assert!(!(1..min).contains(&a.persons[c]) || a.is_suppressed(c));
        }
        let mut b = t.clone();
        protect(std::slice::from_mut(&mut b), &[r], &[], min).unwrap();
        prop_assert_eq!(a, b);
    }

    /// The audit's programs against an exhaustive search of the attacker's integer points.
    #[test]
    fn the_audit_agrees_with_exhaustive_search(
        interior in proptest::collection::vec(proptest::array::uniform4(0i64..6), 2..4),
        extra in proptest::collection::vec(proptest::bool::weighted(0.3), 20),
    ) {
        let (mut t, r) = grid(&interior);
        let n = t.cells();
        for (c, &more) in extra.iter().enumerate().take(n) {
            if (1..MIN).contains(&t.persons[c]) || (more && t.persons[c] > 0) {
                t.suppress(c);
            }
        }
        let mut expected = Vec::new();
        for c in (0..n).filter(|&c| (1..MIN).contains(&t.persons[c])) {
            let found = reaches(&t, c, interior.len());
            prop_assume!(found.is_some(), "search too long");
            if found == Some(false) {
                expected.push(c);
            }
        }
        let report = audit(&[t.clone()], std::slice::from_ref(&r), &[], MIN).unwrap();
        let failing: Vec<usize> = report.failures.iter().map(|f| f.cell).collect();
        prop_assert_eq!(&failing, &expected);
        // From the published cells alone (suppressed ones read back as 1) the same cells fail:
        // a secondary cell truly holds `MIN` or more, so its interval reaches `MIN`.
        let mut read_back = t.clone();
        for c in (0..n).filter(|&c| t.is_suppressed(c)) {
            read_back.persons[c] = 1;
        }
        let report = audit_published(&[read_back], &[r], &[], MIN).unwrap();
        let failing: Vec<usize> = report.failures.iter().map(|f| f.cell).collect();
        prop_assert_eq!(failing, expected);
    }
}

/// Whether some integer point the attacker cannot rule out (every suppressed cell ≥ 1,
/// published cells at their values, margins adding up) puts `target` at `MIN` or more;
/// `None` when the search is too long. Suppressed interior cells are enumerated, each up to
/// the grand total + `MIN` (the extreme points of a 2-D table move each cell along ±1
/// cycles, by at most `MIN` here), pruned by the published row, column and grand totals.
fn reaches(t: &Table, target: usize, rows: usize) -> Option<bool> {
    const W: usize = 5;
    struct Search<'a> {
        t: &'a Table,
        rows: usize,
        target: usize,
        cells: Vec<usize>,
        x: Vec<i64>,
        budget: u64,
    }
    impl Search<'_> {
        fn published(&self, c: usize) -> Option<i64> {
            (!self.t.is_suppressed(c)).then(|| self.t.persons[c])
        }
        /// Room left under a published total for this cell, the other unset cells being ≥ 1.
        fn room(&self, total: usize, members: &[usize], k: usize) -> Option<i64> {
            let total = self.published(total)?;
            let later = self.cells[k + 1..]
                .iter()
                .filter(|c| members.contains(c))
                .count() as i64;
            let set: i64 = members
                .iter()
                .filter(|c| !self.cells[k..].contains(c))
                .map(|&c| self.x[c])
                .sum();
            Some(total - set - later)
        }
        fn run(&mut self, k: usize) -> Option<bool> {
            if self.budget == 0 {
                return None;
            }
            self.budget -= 1;
            let (t, rows) = (self.t, self.rows);
            if k == self.cells.len() {
                let mut y = self.x.clone();
                for (c, value) in y.iter_mut().enumerate() {
                    if c / W == 0 || c % W == 0 {
                        *value = 0;
                    }
                }
                for i in 1..=rows {
                    for j in 1..W {
                        let v = y[i * W + j];
                        y[i * W] += v;
                        y[j] += v;
                        y[0] += v;
                    }
                }
                let ok = (0..y.len()).all(|c| {
                    if t.is_suppressed(c) {
                        y[c] >= 1
                    } else {
                        y[c] == t.persons[c]
                    }
                });
                return Some(ok && y[self.target] >= MIN);
            }
            let c = self.cells[k];
            let (i, j) = (c / W, c % W);
            let row: Vec<usize> = (1..W).map(|jj| i * W + jj).collect();
            let col: Vec<usize> = (1..=rows).map(|ii| ii * W + j).collect();
            let all: Vec<usize> = (1..=rows)
                .flat_map(|ii| (1..W).map(move |jj| ii * W + jj))
                .collect();
            let limit = t.persons[0] + MIN;
            let mut hi = limit;
            for (total, members) in [(i * W, &row), (j, &col), (0, &all)] {
                if let Some(room) = self.room(total, members, k) {
                    hi = hi.min(room);
                }
            }
            for v in 1..=hi {
                self.x[c] = v;
                match self.run(k + 1) {
                    Some(false) => {}
                    other => return other,
                }
            }
            Some(false)
        }
    }
    let cells: Vec<usize> = (1..=rows)
        .flat_map(|i| (1..W).map(move |j| i * W + j))
        .filter(|&c| t.is_suppressed(c))
        .collect();
    let mut search = Search {
        t,
        rows,
        target,
        cells,
        x: t.persons.clone(),
        budget: 3_000_000,
    };
    search.run(0)
}
