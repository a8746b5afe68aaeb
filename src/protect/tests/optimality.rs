//! The optimal patterns against the hypercube search, and the loop's lower bound against every
//! pattern.
use super::*;

/// The secondary figures' cost of a pattern (`Model::cost`).
fn secondary_cost(model: &Model, primary: &[bool], pattern: &[bool]) -> i64 {
    (0..model.figures())
        .filter(|&f| pattern[f] && !primary[f])
        .map(|f| model.cost[f])
        .sum()
}

/// A grid's model, its hypercubes and its primary figures.
fn grid_model(interior: &[[i64; 4]], min: i64) -> (Model, Cubes, Vec<bool>) {
    let (t, r) = grid(interior);
    let (tables, relations) = ([t], [r]);
    let model = Model::build(&tables, &relations, &[], true).unwrap();
    let cubes = Cubes::build(&tables, &relations, &model);
    let primary = (0..model.figures())
        .map(|f| model.is_primary(f, min))
        .collect();
    (model, cubes, primary)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The optimal pattern costs no more than the hypercube search's, within the master's 1 %
    /// gap: the search's certificates protect every primary figure, so its pattern meets every
    /// cut and every single-relation condition of the master.
    #[test]
    fn the_optimal_pattern_is_no_dearer_than_the_hypercubes(
        interior in grid_strategy(2..5),
        min in 3i64..6,
    ) {
        let (model, mut cubes, primary) = grid_model(&interior, min);
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

/// The fewest persons in secondary cells of any pattern that passes the exact audit, by trying
/// every set of the published figures; `None` when there are more than `most` of them, or no
/// pattern passes.
fn cheapest_safe(model: &Model, primary: &[bool], min: i64, most: usize) -> Option<i64> {
    let published: Vec<usize> = (0..model.figures())
        .filter(|&f| !primary[f] && model.persons[f] > 0)
        .collect();
    if published.len() > most {
        return None;
    }
    let mut best: Option<i64> = None;
    for bits in 0u32..1 << published.len() {
        let chosen = || {
            published
                .iter()
                .enumerate()
                .filter(move |&(i, _)| bits >> i & 1 == 1)
                .map(|(_, &f)| f)
        };
        let persons: i64 = chosen().map(|f| model.persons[f]).sum();
        if best.is_some_and(|b| persons >= b) {
            continue;
        }
        let mut supp = primary.to_vec();
        chosen().for_each(|f| supp[f] = true);
        if attack::attack(model, &supp, min, None).unwrap().is_empty() {
            best = Some(persons);
        }
    }
    best
}

/// One person beside large cells: the cheapest safe pattern is the box through the cheapest
/// other row and column, and the bound finds exactly its persons.
#[test]
fn the_bound_of_a_single_small_cell_is_its_cheapest_box() {
    let (model, cubes, primary) = grid_model(&[[1, 10, 20, 30], [15, 25, 35, 45]], MIN);
    let cheapest = cheapest_safe(&model, &primary, MIN, 14).unwrap();
    assert_eq!(cheapest, 10 + 15 + 25);
    let bound = optimal::least_hidden(&model, 0, MIN, &cubes, 100).unwrap();
    assert_eq!(bound, cheapest);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// The loop's cuts hold for every safe pattern: its lower bound never exceeds the cheapest
    /// pattern that passes the exact audit, found by trying them all. And where a relation
    /// holds a single primary figure, every safe pattern suppresses another of its figures
    /// (alone it would be published in effect), so the bound is above 0.
    #[test]
    fn the_bound_never_exceeds_the_cheapest_safe_pattern(
        interior in grid_strategy(2..4),
        min in 3i64..6,
    ) {
        let (model, cubes, primary) = grid_model(&interior, min);
        let cheapest = cheapest_safe(&model, &primary, min, 10);
        prop_assume!(cheapest.is_some());
        let cheapest = cheapest.unwrap();
        let bound = optimal::least_hidden(&model, 0, min, &cubes, 100).unwrap();
        prop_assert!(bound <= cheapest, "bound {bound} > cheapest safe pattern {cheapest}");
        let lone = model.rels.iter().any(|r| {
            r.persons && !r.bounded && r.figures().filter(|&f| primary[f]).count() == 1
        });
        if lone {
            prop_assert!(bound > 0, "bound 0 beside a lone primary figure");
        }
    }
}
