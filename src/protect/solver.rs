//! The linear and integer programs of disclosure control, solved by HiGHS.
//!
//! One small interface for what [`super::attack`] builds: variables with bounds, optionally
//! integer, linear constraints, one objective. HiGHS runs single-threaded with no time or
//! node limit, so that an answer is the same on every run and a program it does not settle
//! is [`Solution::Undecided`], never taken as safe. A [`Goal::Optimum`] is exact (no gap);
//! a [`Goal::Point`] is any good point, for programs whose every point is an answer.
use highs::{HighsModelStatus, RowProblem, Sense};

use crate::error::{Error, Result};

/// HiGHS's `presolve_rule_off` bit of the aggregator (`kPresolveRuleAggregator` = 12).
const AGGREGATOR: i32 = 1 << 12;

/// A variable of a [`Program`], numbered in the order it was added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Var(highs::Col);

impl Var {
    /// Its position in [`Solution::Optimal`].
    pub fn index(self) -> usize {
        self.0.index()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cmp {
    Le,
    Ge,
    Eq,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Goal {
    /// The optimum, exactly.
    Optimum,
    /// A point within 1 % of the optimum (an integer program stops there); infeasibility is
    /// still proven.
    Point,
}

/// What [`Program::maximise_with_duals`] found.
pub(super) struct Duals {
    pub objective: f64,
    /// Constraint → its dual value (HiGHS's row dual).
    pub rows: Vec<f64>,
}

pub(super) enum Solution {
    /// The point found: optimal, or for [`Goal::Point`] within its gap; the value of every
    /// variable, in the order they were added.
    Optimal(Vec<f64>),
    Infeasible,
    /// The solver stopped without an answer.
    Undecided,
}

/// A program under construction.
pub(super) struct Program {
    problem: RowProblem,
    /// Some variable is integer.
    integer: bool,
}

impl Program {
    pub fn new() -> Program {
        Program {
            problem: RowProblem::default(),
            integer: false,
        }
    }

    /// A variable with `cost` in the objective, within `bounds` (either end may be infinite).
    pub fn var(&mut self, cost: f64, bounds: (f64, f64), integer: bool) -> Var {
        self.integer |= integer;
        Var(self
            .problem
            .add_column_with_integrality(cost, bounds.0..=bounds.1, integer))
    }

    /// Σ coefficient · variable (cmp) `rhs`; terms naming one variable twice are summed.
    /// False (and no constraint) when no term is left.
    pub fn constrain(&mut self, terms: &[(Var, f64)], cmp: Cmp, rhs: f64) -> bool {
        let mut row: Vec<(highs::Col, f64)> = Vec::with_capacity(terms.len());
        for &(Var(col), c) in terms {
            match row.iter_mut().find(|(other, _)| *other == col) {
                Some(term) => term.1 += c,
                None => row.push((col, c)),
            }
        }
        row.retain(|&(_, c)| c != 0.0);
        if row.is_empty() {
            return false;
        }
        match cmp {
            Cmp::Le => self.problem.add_row(..=rhs, row),
            Cmp::Ge => self.problem.add_row(rhs.., row),
            Cmp::Eq => self.problem.add_row(rhs..=rhs, row),
        }
        true
    }

    /// Maximises (or minimises) the objective, to `goal`.
    pub fn solve(self, maximise: bool, goal: Goal) -> Result<Solution> {
        if self.problem.num_cols() == 0 {
            return Ok(Solution::Optimal(Vec::new()));
        }
        let solved = self.optimise(maximise, goal)?;
        Ok(match solved.status() {
            HighsModelStatus::Optimal => {
                Solution::Optimal(solved.get_solution().columns().to_vec())
            }
            // Every program here has a bounded objective, so "unbounded or infeasible" is
            // infeasible.
            HighsModelStatus::Infeasible | HighsModelStatus::UnboundedOrInfeasible => {
                Solution::Infeasible
            }
            HighsModelStatus::ReachedTimeLimit
            | HighsModelStatus::ReachedIterationLimit
            | HighsModelStatus::ReachedSolutionLimit
            | HighsModelStatus::ReachedInterrupt
            | HighsModelStatus::ReachedMemoryLimit
            | HighsModelStatus::Unknown => Solution::Undecided,
            status => return Err(failed(&format!("{status:?}"))),
        })
    }

    /// Maximises a linear program: its optimum and the dual value of every constraint, in
    /// the order they were added (`None` when it has no optimum).
    pub fn maximise_with_duals(self) -> Result<Option<Duals>> {
        let solved = self.optimise(true, Goal::Optimum)?;
        Ok(
            (solved.status() == HighsModelStatus::Optimal).then(|| Duals {
                objective: solved.objective_value(),
                rows: solved.get_solution().dual_rows().to_vec(),
            }),
        )
    }

    fn optimise(self, maximise: bool, goal: Goal) -> Result<highs::SolvedModel> {
        let sense = if maximise {
            Sense::Maximise
        } else {
            Sense::Minimise
        };
        let mut model = self.problem.optimise(sense);
        model.make_quiet();
        model.set_option("threads", 1);
        model.set_option("parallel", "off");
        let gap = match goal {
            Goal::Optimum => 0.0,
            Goal::Point => 0.01,
        };
        model.set_option("mip_rel_gap", gap);
        model.set_option("mip_abs_gap", 0.0);
        if self.integer {
            // On the integer programs over the sample's component of 4 300 suppressed figures
            // joined by the area hierarchy, presolve's aggregator (substituting variables out
            // of the hierarchy's equations) took most of each program's time, and the
            // feasibility-jump heuristic found nothing the search did not; without both they
            // take about 0.15 s instead of 0.25 s (benches/RESULTS.md). Linear programs keep
            // both: their vertices, which must be integral to prove a figure, come out
            // integral more often with the aggregator. Neither changes an answer.
            model.set_option("presolve_rule_off", AGGREGATOR);
            model.set_option("mip_heuristic_run_feasibility_jump", false);
        }
        model
            .try_solve()
            .map_err(|status| failed(&format!("{status:?}")))
    }
}

fn failed(status: &str) -> Error {
    Error::QualityGate(format!("disclosure control: the solver failed ({status})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(solution: Solution) -> Vec<f64> {
        match solution {
            Solution::Optimal(values) => values,
            _ => panic!("no optimum"),
        }
    }

    #[test]
    fn an_integer_program_is_solved_exactly_and_its_relaxation_is_not_rounded() {
        // max x + y with 2x + 2y ≤ 3: the relaxation reaches 1.5, integers only 1.
        let program = |integer| {
            let mut p = Program::new();
            let x = p.var(1.0, (0.0, f64::INFINITY), integer);
            let y = p.var(1.0, (0.0, f64::INFINITY), integer);
            p.constrain(&[(x, 2.0), (y, 1.0), (y, 1.0)], Cmp::Le, 3.0);
            p
        };
        let lp = values(program(false).solve(true, Goal::Optimum).unwrap());
        assert!((lp.iter().sum::<f64>() - 1.5).abs() < 1e-9, "{lp:?}");
        let ip = values(program(true).solve(true, Goal::Optimum).unwrap());
        assert_eq!(ip.iter().sum::<f64>(), 1.0, "{ip:?}");
    }

    #[test]
    fn contradictory_constraints_are_infeasible_and_a_minimum_is_a_minimum() {
        let mut p = Program::new();
        let x = p.var(1.0, (1.0, f64::INFINITY), true);
        p.constrain(&[(x, 1.0)], Cmp::Le, 0.0);
        assert!(matches!(
            p.solve(true, Goal::Optimum).unwrap(),
            Solution::Infeasible
        ));

        let mut p = Program::new();
        let x = p.var(1.0, (0.0, 10.0), true);
        let y = p.var(3.0, (0.0, 10.0), true);
        p.constrain(&[(x, 1.0), (y, 1.0)], Cmp::Eq, 4.0);
        assert_eq!(
            values(p.solve(false, Goal::Optimum).unwrap()),
            vec![4.0, 0.0]
        );
    }
}
