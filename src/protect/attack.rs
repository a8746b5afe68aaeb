//! The audit's attacker: linear and integer programs over the suppressed figures.
//!
//! **Counts.** The attacker knows every published figure, that every suppressed figure is an
//! integer ≥ 1 (zeros are published), every relation that holds for person counts (`Sum` as
//! an equation, `Bounded` as `total ≥ each part` and `total ≤ Σ parts`, `AtMost` as the latter
//! alone) and, through the
//! figures, every link. A primary figure k (true value x*ₖ < `min_persons`) passes when the
//! attacker's maximum reaches `min_persons`. That alone is the whole test: the true values are
//! a feasible point, so min ≤ x*ₖ < `min_persons` ≤ max and the interval is not a single value.
//! Solving that program over all suppressed figures for every primary one would be slow on
//! the big tables (thousands of suppressed figures joined by area, benefit and sex), so:
//! 1. Only relations bind suppressed figures to each other; the programs are solved per
//!    connected component of suppressed figures, the published ones being constants.
//! 2. Within a component, each primary figure is first tried on a *neighbourhood*: the
//!    suppressed figures within a few relations of it. Two programs bracket the truth:
//!    - *inner*: the suppressed figures outside the neighbourhood held at their true values.
//!      Its solutions are points of the full program (extended by the true values), so one
//!      with the figure at `min_persons` proves it safe;
//!    - *outer*: the outside figures free and only the relations touching the neighbourhood
//!      kept: fewer constraints, so a maximum below `min_persons` proves it exposed.
//!
//!    If neither decides, the neighbourhood doubles, up to the whole component, where the
//!    two programs coincide and decide. Nearly every figure is settled by a small box of
//!    neighbours in the first step. A neighbourhood of more than half the component is
//!    taken as the whole at once: its programs would cost nearly as much and might still not
//!    decide (small registers have components of thousands of figures).
//! 3. A point proves safety only when every value in it is an integer (the coefficients are
//!    ±1 and the constants integers, so it is then a point of the integer program exactly).
//!    Tables with margins are network-like and LP vertices are nearly always integral; when
//!    one is not, the integer program itself is solved (branch and bound with no node or
//!    time limit, so that no budget can turn an undecided figure into a safe one): a point
//!    with the figure at `min_persons`, the component's other open figures raised towards
//!    it as far as a good point raises them (so one point settles many), or, where there is
//!    none, the figure's exact maximum. The LP maximum bounds the integer one from above, so
//!    an LP maximum below `min_persons` is a failure, and so is an integer maximum below it
//!    in the whole component. A figure that reaches the whole component goes straight to its
//!    integer program: its LP vertices there are seldom integral.
//!
//! **Money.** A table with a money sum (expenditure) is also audited for its sums: the
//! interval of a primary cell's sum must not be a single value (for the sums behind means,
//! see `Model::money`). Sums can be negative (recoveries), so the attacker has no bounds on them,
//! only the relations of that table, every one an equation for sums (`Bounded` included, see
//! `Model::money`); the sum is determined exactly when no change of the suppressed sums that
//! keeps every relation can move it: LPs over the changes d (−1 ≤ d ≤ 1, published cells at
//! change 0), on neighbourhoods first as for the counts. Medians add up over nothing.
use std::collections::BTreeSet;

use super::model::{self, Model, Rel};
use super::solver::{self, Cmp, Goal, Solution, Var};
use crate::error::{Error, Result};

/// Values closer than this to an integer are that integer (the solver's own `int_tol`).
const INT_TOL: f64 = 1e-6;

/// A primary figure the attacker learns too much about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Finding {
    /// The count's maximum is below `min_persons`: at most `max` (`None`: the solver stopped
    /// without settling the integer program).
    Count { figure: usize, max: Option<i64> },
    /// The money sum of the figure in `table` is determined exactly.
    Money { figure: usize, table: usize },
}

impl Finding {
    /// A count whose maximum, as a program found it, is `max` < `min_persons`.
    fn exposed(figure: usize, max: f64) -> Finding {
        Finding::Count {
            figure,
            max: Some((max + INT_TOL).floor() as i64),
        }
    }

    pub fn figure(&self) -> usize {
        match *self {
            Finding::Count { figure, .. } | Finding::Money { figure, .. } => figure,
        }
    }
}

/// Runs every program and returns the figures that fail, in figure order: the primary
/// figures of `todo` (all of them when `None`) for their counts, and every suppressed figure
/// of a table with a money sum for its sum (publication.md: the interval of a suppressed
/// expenditure cell is not a single value).
pub(super) fn attack(
    model: &Model,
    supp: &[bool],
    min_persons: i64,
    todo: Option<&BTreeSet<usize>>,
) -> Result<Vec<Finding>> {
    let wanted = |f: usize| model.is_primary(f, min_persons) && todo.is_none_or(|t| t.contains(&f));
    let mut out = Vec::new();
    for (figures, rels) in components(model, supp, &|r: &Rel| r.persons) {
        let open: BTreeSet<usize> = figures.iter().copied().filter(|&f| wanted(f)).collect();
        if !open.is_empty() {
            let component = Component {
                model,
                supp,
                figures: &figures,
                rels: &rels,
            };
            out.extend(component.counts(&open, min_persons)?);
        }
    }
    for t in (0..model.money.len()).filter(|&t| model.money[t]) {
        for (figures, rels) in components(model, supp, &|r: &Rel| r.table == t) {
            let primary: Vec<usize> = figures
                .iter()
                .copied()
                .filter(|&f| model.in_table(f, t))
                .collect();
            if !primary.is_empty() {
                let component = Component {
                    model,
                    supp,
                    figures: &figures,
                    rels: &rels,
                };
                out.extend(
                    component
                        .sums(&primary)?
                        .into_iter()
                        .map(|figure| Finding::Money { figure, table: t }),
                );
            }
        }
    }
    out.sort_by_key(|f| (f.figure(), matches!(f, Finding::Money { .. })));
    Ok(out)
}

/// The connected components of suppressed figures under the usable relations, each with the
/// usable relations that touch it; figures in no usable relation are left out (nothing
/// bounds them). Components come in the order of their first figure.
fn components(
    model: &Model,
    supp: &[bool],
    usable: &dyn Fn(&Rel) -> bool,
) -> Vec<(Vec<usize>, Vec<usize>)> {
    let mut parent: Vec<usize> = (0..model.figures()).collect();
    let mut touched = vec![false; model.figures()];
    let mut rels = Vec::new();
    for (i, r) in model.rels.iter().enumerate() {
        if !usable(r) {
            continue;
        }
        let mut first = None;
        for f in r.figures().filter(|&f| supp[f]) {
            touched[f] = true;
            match first {
                None => first = Some(f),
                Some(g) => model::union(&mut parent, g, f),
            }
        }
        if first.is_some() {
            rels.push(i);
        }
    }
    let mut index = vec![usize::MAX; model.figures()];
    let mut out: Vec<(Vec<usize>, Vec<usize>)> = Vec::new();
    for f in (0..model.figures()).filter(|&f| touched[f]) {
        let r = model::root(&mut parent, f);
        if index[r] == usize::MAX {
            index[r] = out.len();
            out.push((Vec::new(), Vec::new()));
        }
        out[index[r]].0.push(f);
    }
    for i in rels {
        let f = model.rels[i]
            .figures()
            .find(|&f| supp[f])
            .expect("a touched relation");
        let r = model::root(&mut parent, f);
        out[index[r]].1.push(i);
    }
    out
}

/// One program: `vars` (sorted) are the unknowns; every other figure is a constant at its
/// true value (counts) or at change 0 (money). Only `rels` are constraints.
struct Program<'a> {
    model: &'a Model,
    vars: Vec<usize>,
    rels: Vec<usize>,
    /// Money changes (free sums, relations only) rather than person counts.
    money: bool,
}

impl Program<'_> {
    fn position(&self, f: usize) -> usize {
        self.vars
            .binary_search(&f)
            .expect("a variable of the program")
    }

    /// Maximises Σ objective[i]·xᵢ with xᵢ within bounds[i].
    ///
    /// `capped` adds, per (position, cap, weight), weight · min(xᵢ, cap) to the objective (a
    /// variable tᵢ ≤ cap, tᵢ ≤ xᵢ): a figure counts towards the objective up to `min_persons`
    /// only, without bounding the figure itself (a suppressed figure may hold more than
    /// `min_persons`).
    fn solve(
        &self,
        objective: &[f64],
        bounds: &[(f64, f64)],
        integer: bool,
        capped: &[(usize, f64, f64)],
        goal: Goal,
    ) -> Result<Solution> {
        let mut lp = solver::Program::new();
        let vars: Vec<Var> = (0..self.vars.len())
            .map(|i| lp.var(objective[i], bounds[i], integer))
            .collect();
        for &(i, cap, weight) in capped {
            let t = lp.var(weight, (0.0, cap), false);
            lp.constrain(&[(t, 1.0), (vars[i], -1.0)], Cmp::Le, 0.0);
        }
        for &r in &self.rels {
            for (terms, cmp) in rows(&self.model.rels[r], self.money) {
                self.constrain(&mut lp, &vars, &terms, cmp);
            }
        }
        Ok(match lp.solve(true, goal)? {
            Solution::Optimal(values) => {
                Solution::Optimal(vars.iter().map(|v| values[v.index()]).collect())
            }
            other => other,
        })
    }

    /// Adds Σ coef·figure (cmp) 0 with the constants moved to the right-hand side; one without
    /// unknowns is a fact about constants and left out.
    fn constrain(&self, lp: &mut solver::Program, vars: &[Var], terms: &[(usize, f64)], cmp: Cmp) {
        let mut expr: Vec<(Var, f64)> = Vec::new();
        let mut rhs = 0.0;
        for &(f, c) in terms {
            match self.vars.binary_search(&f) {
                Ok(i) => expr.push((vars[i], c)),
                Err(_) if !self.money => rhs -= c * self.model.persons[f] as f64,
                Err(_) => {}
            }
        }
        lp.constrain(&expr, cmp, rhs);
    }

    /// The true values satisfy every program, so an infeasible one means that the published
    /// figures contradict the relations: a fault upstream, not something suppression can fix.
    fn inconsistent(&self) -> Error {
        let (t, cell) = self.model.cells[self.vars[0]][0];
        Error::QualityGate(format!(
            "disclosure audit: the relations around cell {cell} of {} contradict the published figures",
            self.model.ids[t]
        ))
    }
}

/// One component of suppressed figures under the count relations.
struct Component<'a> {
    model: &'a Model,
    supp: &'a [bool],
    figures: &'a [usize],
    /// Relation → usable for counts and touching the component (indexed like `model.rels`).
    rels: &'a [usize],
}

impl Component<'_> {
    /// The suppressed figures within `radius` relations of `k` (sorted) and the relations
    /// touching them.
    fn neighbourhood(&self, k: usize, radius: usize) -> (Vec<usize>, Vec<usize>) {
        let mut inside: BTreeSet<usize> = BTreeSet::from([k]);
        let mut rels: BTreeSet<usize> = BTreeSet::new();
        let mut ring = vec![k];
        for step in 0..=radius {
            let mut next = Vec::new();
            for &g in &ring {
                for &r in &self.model.rels_of[g] {
                    if self.rels.binary_search(&r).is_err() || !rels.insert(r) {
                        continue;
                    }
                    if step < radius {
                        for h in self.model.rels[r].figures().filter(|&h| self.supp[h]) {
                            if inside.insert(h) {
                                next.push(h);
                            }
                        }
                    }
                }
            }
            ring = next;
        }
        (inside.into_iter().collect(), rels.into_iter().collect())
    }

    /// The neighbourhood of `k` within `radius` relations, or the whole component where that
    /// neighbourhood holds more than half of it.
    /// Without the true values (a publication read back) only the whole component is sound:
    /// the neighbourhood's inner program holds the outside at the truth.
    fn neighbourhood_or_whole(&self, k: usize, radius: usize) -> (Vec<usize>, Vec<usize>) {
        if !self.model.truth {
            return (self.figures.to_vec(), self.rels.to_vec());
        }
        let (inside, rels) = self.neighbourhood(k, radius);
        if inside.len() * 2 > self.figures.len() {
            (self.figures.to_vec(), self.rels.to_vec())
        } else {
            (inside, rels)
        }
    }

    /// The outer program of a neighbourhood (`inside`, touched by `rels`): every suppressed
    /// figure of those relations free, only those relations kept.
    fn outer(&self, inside: &[usize], rels: Vec<usize>, money: bool) -> Program<'_> {
        let mut vars: BTreeSet<usize> = inside.iter().copied().collect();
        for &r in &rels {
            vars.extend(self.model.rels[r].figures().filter(|&f| self.supp[f]));
        }
        Program {
            model: self.model,
            vars: vars.into_iter().collect(),
            rels,
            money,
        }
    }

    /// The primary figures among `todo` whose count the attacker can keep below `min_persons`.
    fn counts(&self, todo: &BTreeSet<usize>, min_persons: i64) -> Result<Vec<Finding>> {
        let cap = min_persons as f64;
        let mut proven: BTreeSet<usize> = BTreeSet::new();
        let mut out = Vec::new();
        for &k in self.figures.iter().filter(|f| todo.contains(f)) {
            if proven.contains(&k) {
                continue;
            }
            let mut radius = 1;
            loop {
                let (inside, rels) = self.neighbourhood_or_whole(k, radius);
                let whole = inside.len() == self.figures.len();
                // Inner: the outside held at the truth. First all open primary figures of the
                // neighbourhood at once, then, if that left k short, k alone.
                let inner = Program {
                    model: self.model,
                    vars: inside,
                    rels: rels.clone(),
                    money: false,
                };
                let i = inner.position(k);
                let open: Vec<usize> = inner
                    .vars
                    .iter()
                    .copied()
                    .filter(|f| todo.contains(f) && !proven.contains(f))
                    .collect();
                // The whole component goes straight to its integer program, which decides
                // either way for less than its LP relaxation solved twice would cost.
                let lp = if whole {
                    None
                } else {
                    let mut y = self.maximise(&inner, &open, cap)?;
                    if y[i] < cap - INT_TOL && open.len() > 1 {
                        y = self.maximise(&inner, &[k], cap)?;
                    }
                    Some(y)
                };
                let point = match lp {
                    // Short of `min_persons` on a neighbourhood: the outer program tells.
                    Some(y) if y[i] < cap - INT_TOL => None,
                    Some(y) if integral(&y) => Some(y),
                    _ => match self.integer_max(&inner, k, &open, cap)? {
                        Solution::Optimal(y) if y[i] >= cap - INT_TOL => Some(y),
                        Solution::Optimal(y) if whole => {
                            out.push(Finding::exposed(k, y[i]));
                            break;
                        }
                        Solution::Infeasible => return Err(inner.inconsistent()),
                        Solution::Undecided if whole => {
                            out.push(Finding::Count {
                                figure: k,
                                max: None,
                            });
                            break;
                        }
                        _ => None,
                    },
                };
                if let Some(y) = point {
                    // The point proves every primary figure it puts at `min_persons`.
                    for (j, &f) in inner.vars.iter().enumerate() {
                        if y[j] >= cap - 0.5 {
                            proven.insert(f);
                        }
                    }
                    break;
                }
                // Outer: the outside free, only the relations touching the neighbourhood.
                let outer = self.outer(&inner.vars, rels, false);
                let y = self.maximise(&outer, &[k], cap)?;
                let y = y[outer.position(k)];
                if y < cap - INT_TOL {
                    out.push(Finding::exposed(k, y));
                    break;
                }
                radius *= 2;
            }
        }
        Ok(out)
    }

    /// The program's LP solution maximising the sum of `targets`, each capped at `cap`.
    fn maximise(&self, program: &Program, targets: &[usize], cap: f64) -> Result<Vec<f64>> {
        let weighted: Vec<(usize, f64)> = targets.iter().map(|&f| (f, 1.0)).collect();
        let bounds = self.bounds(program);
        match self.capped_max(program, &bounds, &weighted, cap, false, Goal::Optimum)? {
            Solution::Optimal(y) => Ok(y),
            _ => Err(program.inconsistent()),
        }
    }

    /// An integer point of the program that decides `k`: one with `k` at `cap` or more and the
    /// other `open` figures raised towards `cap` as far as a good point raises them (it proves
    /// `k` safe, and every other figure it puts at `cap`); where there is none, the point
    /// maximising `k`, whose value is the attacker's exact maximum. (Maximising the others
    /// exactly too would only pick a better proof, at many times the cost.)
    fn integer_max(
        &self,
        program: &Program,
        k: usize,
        open: &[usize],
        cap: f64,
    ) -> Result<Solution> {
        let bounds = self.bounds(program);
        let mut reaching = bounds.clone();
        reaching[program.position(k)].0 = cap;
        let others: Vec<(usize, f64)> = open
            .iter()
            .filter(|&&f| f != k)
            .map(|&f| (f, 1.0))
            .collect();
        match self.capped_max(program, &reaching, &others, cap, true, Goal::Point)? {
            Solution::Infeasible => {
                self.capped_max(program, &bounds, &[(k, 1.0)], cap, true, Goal::Optimum)
            }
            reached => Ok(reached),
        }
    }

    /// Maximises Σ weight · min(figure, `cap`) over `targets` (figure, weight), every
    /// suppressed figure within `bounds` (by position, as [`Component::bounds`] gives them):
    /// the LP relaxation, or with `integer` the integer program, to `goal`.
    fn capped_max(
        &self,
        program: &Program,
        bounds: &[(f64, f64)],
        targets: &[(usize, f64)],
        cap: f64,
        integer: bool,
        goal: Goal,
    ) -> Result<Solution> {
        let capped: Vec<(usize, f64, f64)> = targets
            .iter()
            .map(|&(f, weight)| (program.position(f), cap, weight))
            .collect();
        program.solve(&vec![0.0; bounds.len()], bounds, integer, &capped, goal)
    }

    /// Suppressed figures are ≥ 1. A suppressed zero (never made here, reported by the audit)
    /// gets 0, so that the true values stay a point of the program.
    fn bounds(&self, program: &Program) -> Vec<(f64, f64)> {
        program
            .vars
            .iter()
            .map(|&f| (self.model.persons[f].clamp(0, 1) as f64, f64::INFINITY))
            .collect()
    }
}

impl Component<'_> {
    /// The primary figures (of a money component) whose sum the published sums determine: no
    /// change d of the suppressed sums (−1 ≤ d ≤ 1) that keeps every relation moves them.
    /// As for counts, a neighbourhood first: a change found with the outside held still is a
    /// change of the whole (proof of safety, and of every other figure it moves); none found
    /// with the outside free and only the nearby relations kept proves the sum determined.
    fn sums(&self, primary: &[usize]) -> Result<Vec<usize>> {
        let mut moved: BTreeSet<usize> = BTreeSet::new();
        let mut out = Vec::new();
        for &k in primary {
            if moved.contains(&k) {
                continue;
            }
            let mut radius = 1;
            loop {
                let (inside, rels) = self.neighbourhood_or_whole(k, radius);
                let whole = inside.len() == self.figures.len();
                let inner = Program {
                    model: self.model,
                    vars: inside,
                    rels: rels.clone(),
                    money: true,
                };
                let d = change(&inner, k)?;
                if d[inner.position(k)] > INT_TOL {
                    moved.extend(
                        inner
                            .vars
                            .iter()
                            .zip(&d)
                            .filter(|(_, d)| d.abs() > INT_TOL)
                            .map(|(&f, _)| f),
                    );
                    break;
                }
                if whole {
                    out.push(k);
                    break;
                }
                let outer = self.outer(&inner.vars, rels, true);
                let d = change(&outer, k)?;
                if d[outer.position(k)] <= INT_TOL {
                    out.push(k);
                    break;
                }
                radius *= 2;
            }
        }
        Ok(out)
    }
}

/// The change of the sums maximising that of `k`.
fn change(program: &Program, k: usize) -> Result<Vec<f64>> {
    let bounds = vec![(-1.0, 1.0); program.vars.len()];
    let mut objective = vec![0.0; program.vars.len()];
    objective[program.position(k)] = 1.0;
    match program.solve(&objective, &bounds, false, &[], Goal::Optimum)? {
        Solution::Optimal(d) => Ok(d),
        _ => Err(program.inconsistent()),
    }
}

/// One integer point of the attacker's program over the suppressed figures (published
/// figures at their values): the persons of every figure, suppressed ones replaced by the
/// point's values. Each component's program maximises Σ min(xᵢ, `min_persons`), so that the
/// point puts as many figures as it can at `min_persons` or more; its LP vertex is taken when
/// integral, else a good point of the integer program (any point serves, so the solver may
/// stop within 1 % of the most). A publication read back holds no true values; this point
/// stands in for them (see `audit_published`).
pub(super) fn feasible_point(model: &Model, supp: &[bool], min_persons: i64) -> Result<Vec<i64>> {
    let cap = min_persons as f64;
    let mut persons = model.persons.clone();
    for (figures, rels) in components(model, supp, &|r: &Rel| r.persons) {
        let component = Component {
            model,
            supp,
            figures: &figures,
            rels: &rels,
        };
        let program = Program {
            model,
            vars: figures.clone(),
            rels: rels.clone(),
            money: false,
        };
        let mut y = component.maximise(&program, &figures, cap)?;
        if !integral(&y) {
            let every: Vec<(usize, f64)> = figures.iter().map(|&f| (f, 1.0)).collect();
            let bounds = component.bounds(&program);
            y = match component.capped_max(&program, &bounds, &every, cap, true, Goal::Point)? {
                Solution::Optimal(y) => y,
                _ => return Err(program.inconsistent()),
            };
        }
        for (&f, v) in figures.iter().zip(&y) {
            persons[f] = v.round() as i64;
        }
    }
    Ok(persons)
}

/// Whether a point with the primary figure `k` at `min_persons` is found near it (the inner
/// programs of the audit within 1 and 2 relations). A cheap check before a repair, since the
/// repairs of other figures often free this one too; `false` proves nothing.
pub(super) fn freed(model: &Model, supp: &[bool], k: usize, min_persons: i64) -> Result<bool> {
    let (figures, rels) = everything(model, supp);
    let component = Component {
        model,
        supp,
        figures: &figures,
        rels: &rels,
    };
    let cap = min_persons as f64;
    for radius in [1, 2] {
        let (vars, rels) = component.neighbourhood(k, radius);
        let inner = Program {
            model,
            vars,
            rels,
            money: false,
        };
        let y = component.maximise(&inner, &[k], cap)?;
        if y[inner.position(k)] >= cap - INT_TOL && integral(&y) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Every suppressed figure and every relation of the counts, as one component: where
/// [`freed`] and [`repair`] look around a single figure.
fn everything(model: &Model, supp: &[bool]) -> (Vec<usize>, Vec<usize>) {
    let figures = (0..model.figures()).filter(|&f| supp[f]).collect();
    let rels = (0..model.rels.len())
        .filter(|&r| model.rels[r].persons)
        .collect();
    (figures, rels)
}

/// What [`repair`] found.
pub(super) struct Repair {
    /// The published figures to suppress.
    pub figures: Vec<usize>,
    /// The program's solution is integral: with those figures suppressed it is a point of the
    /// attacker's integer program with `k` at `min_persons`, so `k` is safe without an audit.
    pub proven: bool,
}

/// The published figures whose suppression lets the primary figure `k` reach `min_persons`,
/// chosen by a program: around `k`, the suppressed figures within `radius` relations are
/// unknowns as in the audit, `k` is set to `min_persons`, and every published figure with
/// persons > 0 in a relation touching them may move away from its value at a cost per person
/// moved (`Model::cost`: persons, dearer for margins and dearest for headline figures). The
/// relations of those figures are constraints too, so a moved figure must be balanced where
/// it sits elsewhere; everything further out stays at its true value. The figures that move
/// are the suppressions needed: with them suppressed, the solution is a point of the
/// attacker's program with `k` at `min_persons`. The neighbourhood
/// is the figures within one relation of `k`, then two; a published grand total moves only
/// where neither protects `k` without one, and then a neighbourhood of three relations
/// without grand totals is tried first (it costs more, so only there). `None` when no
/// movement suffices.
pub(super) fn repair(
    model: &Model,
    supp: &[bool],
    k: usize,
    min_persons: i64,
) -> Result<Option<Repair>> {
    let within = |radius, grand| repair_within(model, supp, k, min_persons, radius, grand);
    let nearest = |grand| -> Result<Option<Repair>> {
        match within(1, grand)? {
            Some(repair) => Ok(Some(repair)),
            None => within(2, grand),
        }
    };
    if let Some(repair) = nearest(false)? {
        return Ok(Some(repair));
    }
    let Some(with_grand) = nearest(true)? else {
        return Ok(None);
    };
    if with_grand.figures.iter().any(|&f| model.grand[f]) {
        if let Some(repair) = within(3, false)? {
            return Ok(Some(repair));
        }
    }
    Ok(Some(with_grand))
}

/// [`repair`] within `radius`, with published grand totals movable or not (`grand`).
fn repair_within(
    model: &Model,
    supp: &[bool],
    k: usize,
    min_persons: i64,
    radius: usize,
    grand: bool,
) -> Result<Option<Repair>> {
    let cap = min_persons as f64;
    // The suppressed figures within `radius` relations of `k`.
    let (figures, rels) = everything(model, supp);
    let component = Component {
        model,
        supp,
        figures: &figures,
        rels: &rels,
    };
    let (inside, _) = component.neighbourhood(k, radius);
    // The published figures beside them that may move, and every relation involved.
    let mut movable: BTreeSet<usize> = BTreeSet::new();
    for &g in &inside {
        for &r in model.rels_of[g].iter().filter(|&&r| model.rels[r].persons) {
            movable.extend(
                model.rels[r]
                    .figures()
                    .filter(|&h| !supp[h] && model.persons[h] > 0 && (grand || !model.grand[h])),
            );
        }
    }
    // With no grand total beside it, the program is the one without them, which failed.
    if grand && !movable.iter().any(|&h| model.grand[h]) {
        return Ok(None);
    }
    let rels: BTreeSet<usize> = inside
        .iter()
        .chain(&movable)
        .flat_map(|&g| model.rels_of[g].iter().copied())
        .filter(|&r| model.rels[r].persons)
        .collect();

    let mut lp = solver::Program::new();
    let unknown: std::collections::BTreeMap<usize, Var> = inside
        .iter()
        .map(|&f| {
            let bounds = if f == k {
                (cap, cap)
            } else {
                (model.persons[f].clamp(0, 1) as f64, f64::INFINITY)
            };
            (f, lp.var(0.0, bounds, false))
        })
        .collect();
    // A movable figure is its value + up − down, and stays ≥ 1 (it will be suppressed).
    let moves: std::collections::BTreeMap<usize, (Var, Var)> = movable
        .iter()
        .map(|&f| {
            let cost = model.cost[f] as f64;
            let up = lp.var(cost, (0.0, f64::INFINITY), false);
            let down = lp.var(cost, (0.0, (model.persons[f] - 1) as f64), false);
            (f, (up, down))
        })
        .collect();
    let constrain = |lp: &mut solver::Program, terms: &[(usize, f64)], cmp: Cmp| {
        let mut expr: Vec<(Var, f64)> = Vec::new();
        let mut rhs = 0.0;
        for &(f, c) in terms {
            if let Some(&v) = unknown.get(&f) {
                expr.push((v, c));
            } else {
                rhs -= c * model.persons[f] as f64;
                if let Some(&(up, down)) = moves.get(&f) {
                    expr.extend([(up, c), (down, -c)]);
                }
            }
        }
        lp.constrain(&expr, cmp, rhs);
    };
    for &r in &rels {
        for (terms, cmp) in rows(&model.rels[r], false) {
            constrain(&mut lp, &terms, cmp);
        }
    }
    let Solution::Optimal(values) = lp.solve(false, Goal::Optimum)? else {
        return Ok(None);
    };
    let value = |v: Var| values[v.index()];
    Ok(Some(Repair {
        figures: moves
            .iter()
            .filter(|(_, &(up, down))| value(up) + value(down) > INT_TOL)
            .map(|(&f, _)| f)
            .collect(),
        proven: integral(&values),
    }))
}

/// The constraints a relation puts on figures, as (coefficient per figure, comparison with 0):
/// a sum is an equation; a bounded count has its total at least each part (where `lower`) and
/// at most their sum. Money sums add up under `ALL` too (see `Model::money`), so for `money`
/// every relation is an equation.
pub(super) fn rows(rel: &Rel, money: bool) -> Vec<(Vec<(usize, f64)>, Cmp)> {
    let mut sum: Vec<(usize, f64)> = rel.parts.iter().map(|&p| (p, 1.0)).collect();
    sum.push((rel.total, -1.0));
    if !rel.bounded || money {
        return vec![(sum, Cmp::Eq)];
    }
    let mut out: Vec<(Vec<(usize, f64)>, Cmp)> = rel
        .parts
        .iter()
        .filter(|_| rel.lower)
        .map(|&p| (vec![(rel.total, 1.0), (p, -1.0)], Cmp::Ge))
        .collect();
    out.push((sum, Cmp::Ge));
    out
}

fn integral(values: &[f64]) -> bool {
    values.iter().all(|v| (v - v.round()).abs() <= INT_TOL)
}
