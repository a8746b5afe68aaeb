//! The optimal patterns against the hypercube search.
use super::*;

/// The secondary figures' cost of a pattern (`Model::cost`).
fn secondary_cost(model: &Model, primary: &[bool], pattern: &[bool]) -> i64 {
    (0..model.figures())
        .filter(|&f| pattern[f] && !primary[f])
        .map(|f| model.cost[f])
        .sum()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The optimal pattern costs no more than the hypercube search's, within the master's 1 %
    /// gap: the search's certificates protect every primary figure, so its pattern meets every
    /// cut and every single-relation condition of the master.
    #[test]
    fn the_optimal_pattern_is_no_dearer_than_the_hypercubes(
        interior in grid_strategy(),
        min in 3i64..6,
    ) {
        let (t, r) = grid(&interior);
        let (tables, relations) = ([t], [r]);
        let model = Model::build(&tables, &relations, &[], true).unwrap();
        let primary: Vec<bool> = (0..model.figures()).map(|f| model.is_primary(f, min)).collect();
        let mut cubes = Cubes::build(&tables, &relations, &model);
        let figures: Vec<usize> = (0..model.figures()).filter(|&f| primary[f]).collect();
        let found = optimal::pattern(&model, &primary, 0, &figures, min, &cubes).unwrap();
        prop_assume!(found.open.is_empty());
        let mut searched = primary.clone();
        let mut open: BTreeSet<usize> = figures.into_iter().collect();
        hypercubes(&mut cubes, &model, &mut searched, &mut open, min);
        let proven = |k: usize| cubes.pattern(&model, &searched, k, min, true).is_some();
        prop_assume!((0..model.figures()).filter(|&f| primary[f]).all(proven));
        let optimal = secondary_cost(&model, &primary, &found.supp) as f64;
        let hypercubes = secondary_cost(&model, &primary, &searched) as f64;
        prop_assert!(optimal <= hypercubes * 1.01, "{optimal} > {hypercubes}");
    }
}
