//! A cheapest pattern for the primary figures of one table, by the cut loop of Fischetti and
//! Salazar-González ("Solving the cell suppression problem on tabular data with linear
//! constraints", 2001), the optimal method of tau-ARGUS and sdcTable.
//!
//! A **master** integer program chooses the suppressions y (1: suppressed) at least cost
//! ([`Model::cost`]), subject to what a cheapest protecting pattern meets within one relation
//! (no relation with exactly one suppressed figure, which would be published in effect, or a
//! primary one disclosed; beside a published total, the suppressed parts can give up
//! `min_persons − 1` persons together, so that each primary part can reach `min_persons`) and
//! to the cuts found so far. Every primary figure k of the table is then
//! checked under y: by a hypercube within the suppressed figures, else by the attacker's
//! linear program, the maximum of the change dₖ from the true value xₖ. Where that maximum
//! falls short of `min_persons − xₖ`, its dual values λ give a **cut**. Weak duality bounds
//! the maximum under any pattern y′ by Σ_rows λ · bound + Σ_f ρ_f · y′_f, where ρ_f is what
//! figure f's reduced cost earns over its room (down to 1, or up to [`ROOM_UP`]). A pattern
//! protecting k must bring that bound to `min_persons − xₖ`. So the cut holds for every such
//! pattern, whatever λ (duals of the wrong sign for a one-sided row are taken as 0), and is
//! kept when it excludes y; the master is solved again, until no figure falls short. A
//! coefficient above the right-hand side is lowered to it, which keeps the cut valid for
//! binary y. Zero figures are never suppressed (zeros are published), so they are no
//! variables anywhere.
//!
//! **Scope.** Only the table's own figures (linked ones included) change status; every other
//! figure keeps the status it has. The master knows the relations of the table. The
//! attacker's program knows those relations and every other relation through the table's figures
//! (a linked figure is bound by the other table's relations too); further out, figures are free.
//! That program is a relaxation of the attacker's, so its cuts hold for the full one; what it
//! finds protected is audited exactly afterwards, like every figure the search does not prove.
//! A figure whose cuts the table alone cannot meet, whose program gives no cut, or that is
//! still short after [`MAX_ROUNDS`], is left open for the hypercube search. The loop is
//! deterministic (HiGHS single-threaded, a fixed order, at most [`MAX_ROUNDS`] rounds).
use std::collections::{BTreeMap, BTreeSet};

use super::attack;
use super::hypercube::Cubes;
use super::model::Model;
use super::solver::{Cmp, Goal, Program, Solution, Var};
use crate::error::Result;

/// Tables with more cells are left to the hypercube search. A round of the loop takes a
/// program per primary figure left unproven, over the figures joined to it, and the master
/// grows with the table: on `recipients_by_area` (16 000 cells, joined by the area hierarchy)
/// one round took 190 s on the sample (2 770 primary figures) and 43 s at 1 M persons (1 934).
/// The other tables have at most 811 cells.
pub(super) const MAX_CELLS: usize = 2_000;

/// Rounds of master and cuts at most. The master grows by its cuts, and a round took up to
/// 1.5 s after 70 rounds at 20 000 persons.
const MAX_ROUNDS: usize = 20;

/// How far a suppressed count may rise in the attacker's program: far above any count (the
/// population), so the ceiling never binds where the attacker's own program would not
/// exceed it. A figure whose reduced cost is positive earns a coefficient capped at the
/// cut's right-hand side anyway.
const ROOM_UP: f64 = 1e12;

/// A linear inequality over figures: Σ a_f · y_f ≥ b.
struct Cut {
    terms: Vec<(usize, f64)>,
    b: f64,
}

/// A constraint of the attacker's program in changes: Σ c_f · d_f (cmp) rhs.
struct Row {
    terms: Vec<(usize, f64)>,
    cmp: Cmp,
    rhs: f64,
}

/// What [`pattern`] found.
pub(super) struct Optimised {
    /// The suppressions, those of other tables unchanged.
    pub supp: Vec<bool>,
    /// The table's primary figures the pattern does not protect (see the module).
    pub open: BTreeSet<usize>,
}

/// A pattern for the figures `primary` of table `t` on top of the suppressions `supp`: within
/// 1 % of the cheapest that meets the cuts found (see the module).
pub(super) fn pattern(
    model: &Model,
    supp: &[bool],
    t: usize,
    primary: &[usize],
    min_persons: i64,
    proofs: &Cubes,
) -> Result<Optimised> {
    let price = |f: usize| model.cost[f] as f64;
    let objective = Objective {
        price: &price,
        goal: Goal::Point,
        rounds: MAX_ROUNDS,
    };
    cut_loop(model, supp, t, primary, min_persons, proofs, &objective)
}

/// A lower bound on the persons that any pattern protecting the primary figures of table `t`
/// hides in the table's other cells, whatever the other tables publish: the loop with every
/// figure outside the table suppressed (the most help they could give, since suppression only
/// widens what the attacker must consider) and the master solved exactly for the fewest
/// persons. Every cut holds for every pattern that protects the figures against the
/// attacker's linear program, which a pattern passing the exact audit does, so the master's
/// optimum bounds the loss after any number of `rounds`; more rounds tighten it.
#[cfg(test)]
pub(super) fn least_hidden(
    model: &Model,
    t: usize,
    min_persons: i64,
    proofs: &Cubes,
    rounds: usize,
) -> Result<i64> {
    let given: Vec<bool> = (0..model.figures())
        .map(|f| {
            model.is_primary(f, min_persons) || (!model.in_table(f, t) && model.persons[f] > 0)
        })
        .collect();
    let primary: Vec<usize> = (0..model.figures())
        .filter(|&f| model.in_table(f, t) && model.is_primary(f, min_persons))
        .collect();
    let price = |f: usize| model.persons[f] as f64;
    let objective = Objective {
        price: &price,
        goal: Goal::Optimum,
        rounds,
    };
    let found = cut_loop(model, &given, t, &primary, min_persons, proofs, &objective)?;
    Ok((0..model.figures())
        .filter(|&f| found.supp[f] && !given[f])
        .map(|f| model.persons[f])
        .sum())
}

/// What the master minimises, how closely, and for how many rounds after the first.
struct Objective<'a> {
    /// Figure → what suppressing it costs.
    price: &'a dyn Fn(usize) -> f64,
    goal: Goal,
    rounds: usize,
}

/// The cut loop of the module for the figures `primary` of table `t` on top of `supp`.
fn cut_loop(
    model: &Model,
    supp: &[bool],
    t: usize,
    primary: &[usize],
    min_persons: i64,
    proofs: &Cubes,
    objective: &Objective,
) -> Result<Optimised> {
    let free: Vec<bool> = (0..model.figures())
        .map(|f| model.in_table(f, t) && !supp[f] && model.persons[f] > 0)
        .collect();
    let own = |r: usize| model.rels[r].table == t;
    let touching = |r: usize| model.rels[r].figures().any(|f| model.in_table(f, t));
    let mut cuts: Vec<Cut> = Vec::new();
    let mut open = BTreeSet::new();
    let mut y = supp.to_vec();
    for round in 0..=objective.rounds {
        // The master always has a solution (every free figure suppressed meets every row);
        // should HiGHS say otherwise, the figures not yet protected go to the search.
        let Some(next) = master(model, supp, &free, &own, min_persons, &cuts, objective)? else {
            open.extend(primary.iter().copied());
            break;
        };
        y = next;
        let mut added = 0;
        for &k in primary {
            if open.contains(&k) || proofs.pattern(model, &y, k, min_persons, true).is_some() {
                continue;
            }
            let cut = match check(model, &y, k, min_persons, &touching)? {
                Check::Reaches => continue,
                Check::Short(cut) => cut,
                Check::NoCut => {
                    open.insert(k);
                    continue;
                }
            };
            let reach: f64 = cut
                .terms
                .iter()
                .filter(|&&(f, _)| free[f] || supp[f])
                .map(|&(_, a)| a)
                .sum();
            if round == objective.rounds || reach < cut.b - TOLERANCE {
                open.insert(k);
            } else {
                cuts.push(cut);
                added += 1;
            }
        }
        tracing::debug!(
            table = model.ids[t],
            round,
            cuts = cuts.len(),
            open = open.len(),
            "optimal pattern"
        );
        if added == 0 {
            break;
        }
    }
    Ok(Optimised { supp: y, open })
}

/// Slack for comparing the solver's values.
const TOLERANCE: f64 = 1e-6;

/// The master program: the cheapest y by `objective` over the `free` figures (the others as in
/// `supp`), with the single-relation conditions of the relations `own` says, and the cuts.
/// `None` when HiGHS finds no solution.
fn master(
    model: &Model,
    supp: &[bool],
    free: &[bool],
    own: &dyn Fn(usize) -> bool,
    min_persons: i64,
    cuts: &[Cut],
    objective: &Objective,
) -> Result<Option<Vec<bool>>> {
    let mut program = Program::new();
    let vars: Vec<Option<Var>> = (0..model.figures())
        .map(|f| free[f].then(|| program.var((objective.price)(f), (0.0, 1.0), true)))
        .collect();
    // Σ a_f · y_f ≥ b, the figures that cannot change moved to the right.
    let mut at_least = |terms: &[(usize, f64)], b: f64| {
        let mut rhs = b;
        let mut row = Vec::new();
        for &(f, a) in terms {
            match vars[f] {
                Some(v) => row.push((v, a)),
                None if supp[f] => rhs -= a,
                None => {}
            }
        }
        program.constrain(&row, Cmp::Ge, rhs);
    };
    let cap = (min_persons - 1) as f64;
    for (r, rel) in model.rels.iter().enumerate() {
        if !rel.persons || rel.bounded || !own(r) || !rel.figures().any(|f| free[f]) {
            continue;
        }
        let members: Vec<usize> = rel.figures().filter(|&f| model.persons[f] > 0).collect();
        // A suppressed member needs another: Σ_{j ≠ i} y_j ≥ y_i.
        for &i in &members {
            let mut terms: Vec<(usize, f64)> = members
                .iter()
                .filter(|&&j| j != i)
                .map(|&j| (j, 1.0))
                .collect();
            terms.push((i, -1.0));
            at_least(&terms, 0.0);
        }
        // A primary part p reaches `min_persons` when the other suppressed parts give up
        // min_persons − x_p persons (each down to 1) or the total is suppressed; with p's own
        // x_p − 1 added on both sides, one row serves every primary part.
        if rel.parts.iter().any(|&p| model.is_primary(p, min_persons)) {
            let mut terms: Vec<(usize, f64)> = rel
                .parts
                .iter()
                .filter(|&&p| model.persons[p] > 0)
                .map(|&p| (p, (model.persons[p] - 1) as f64))
                .collect();
            terms.push((rel.total, cap));
            at_least(&terms, cap);
        }
    }
    for cut in cuts {
        at_least(&cut.terms, cut.b);
    }
    Ok(match program.solve(false, objective.goal)? {
        Solution::Optimal(values) => Some(
            (0..model.figures())
                .map(|f| vars[f].map_or(supp[f], |v| values[v.index()] > 0.5))
                .collect(),
        ),
        Solution::Infeasible | Solution::Undecided => None,
    })
}

/// What the attacker's linear program says of a primary figure under a pattern.
enum Check {
    /// Its maximum reaches `min_persons`.
    Reaches,
    /// It falls short: a cut that every protecting pattern meets.
    Short(Cut),
    /// No cut to be had: the program has no optimum, or the bound its duals give does not
    /// exclude the pattern (they are not what this module reads them as). The figure is left
    /// to the hypercube search.
    NoCut,
}

/// The attacker's linear program for the primary figure `k` under `supp`, over the relations
/// `usable` says (see the module).
fn check(
    model: &Model,
    supp: &[bool],
    k: usize,
    min_persons: i64,
    usable: &dyn Fn(usize) -> bool,
) -> Result<Check> {
    // The suppressed figures reached from k through usable relations, and those relations.
    let mut reached = BTreeSet::from([k]);
    let mut rels = BTreeSet::new();
    let mut queue = vec![k];
    while let Some(g) = queue.pop() {
        for &r in &model.rels_of[g] {
            if model.rels[r].persons && usable(r) && rels.insert(r) {
                for h in model.rels[r].figures().filter(|&h| supp[h]) {
                    if reached.insert(h) {
                        queue.push(h);
                    }
                }
            }
        }
    }
    // In changes d from the true values: a suppressed figure stays ≥ 1, a published one is 0.
    let mut lp = Program::new();
    let d: BTreeMap<usize, Var> = reached
        .iter()
        .map(|&f| {
            let objective = if f == k { 1.0 } else { 0.0 };
            let down = 1.0 - model.persons[f] as f64;
            (f, lp.var(objective, (down, ROOM_UP), false))
        })
        .collect();
    // Each constraint of the program with the figures it names (published ones included).
    let mut rows: Vec<Row> = Vec::new();
    for &r in &rels {
        for (terms, cmp) in attack::rows(&model.rels[r], false) {
            let rhs = -terms
                .iter()
                .map(|&(f, c)| c * model.persons[f] as f64)
                .sum::<f64>();
            let expr: Vec<(Var, f64)> = terms
                .iter()
                .filter_map(|&(f, c)| d.get(&f).map(|&v| (v, c)))
                .collect();
            if lp.constrain(&expr, cmp, rhs) {
                rows.push(Row { terms, cmp, rhs });
            }
        }
    }
    let short = (min_persons - model.persons[k]) as f64;
    let Some(duals) = lp.maximise_with_duals()? else {
        return Ok(Check::NoCut);
    };
    if duals.objective >= short - TOLERANCE {
        return Ok(Check::Reaches);
    }
    // The bound Σ_rows λ·rhs + Σ_f ρ_f·y_f, with the reduced costs c − Aᵀλ. A row bounded
    // on one side only takes λ of the sign that keeps the bound finite (HiGHS's duals of a
    // maximisation have it; a wrong sign, from rounding, becomes 0).
    let mut constant = 0.0;
    let mut reduced: BTreeMap<usize, f64> = BTreeMap::from([(k, 1.0)]);
    for (Row { terms, cmp, rhs }, &dual) in rows.iter().zip(&duals.rows) {
        let dual = match cmp {
            Cmp::Eq => dual,
            Cmp::Ge => dual.min(0.0),
            Cmp::Le => dual.max(0.0),
        };
        constant += dual * rhs;
        for &(f, c) in terms {
            *reduced.entry(f).or_insert(0.0) -= dual * c;
        }
    }
    // Every reduced cost counts, however small: leaving one out would make the bound too low.
    let earns = |f: usize, rc: f64| {
        if rc > 0.0 {
            rc * ROOM_UP
        } else {
            -rc * (model.persons[f] - 1) as f64
        }
    };
    let b = short - constant - earns(k, reduced[&k]);
    let terms: Vec<(usize, f64)> = reduced
        .iter()
        .filter(|&(&f, _)| f != k && model.persons[f] > 0)
        .map(|(&f, &rc)| (f, earns(f, rc).min(b)))
        .filter(|&(_, a)| a > 0.0)
        .collect();
    // A cut that y meets would change nothing: the duals are not what this reads them as.
    let now: f64 = terms
        .iter()
        .filter(|&&(f, _)| supp[f])
        .map(|&(_, a)| a)
        .sum();
    if now >= b - TOLERANCE {
        return Ok(Check::NoCut);
    }
    Ok(Check::Short(Cut { terms, b }))
}
