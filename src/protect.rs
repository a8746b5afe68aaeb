//! Protect: disclosure control of the published tables (publication.md, "Disclosure control").
//!
//! [`protect`] suppresses cells, [`audit`] checks a set of tables the way an attacker would.
//!
//! The algorithm:
//! 1. **Primary**: every cell with 1 to `min_persons − 1` persons. Zero cells are published.
//! 2. **Secondary, large tables by search, small tables exactly**: the primary figures of
//!    `recipients_by_area` and `expenditure` first get the cheapest hypercube each
//!    ([`hypercube`]). Then every table of at most `optimal::MAX_CELLS` cells without money
//!    sums gets its cheapest pattern from a master integer program and the attacker's cuts
//!    ([`optimal`]), those with fewest primary figures first, taking the suppressions made so
//!    far for free. The figures a small table's own cells cannot protect go to the search.
//! 3. **Secondary, local rules** ([`rules`]): each relation on its own, to a fixed point: a
//!    suppressed cell must not be the only one of a relation, a group of suppressed parts
//!    beside a published total must leave each primary part room to reach `min_persons`
//!    (known sum K of m parts: K − m + 1 ≥ `min_persons`), and a count under `ALL` must not
//!    equal its only nonzero benefit. The partner taken is the published cell with persons > 0
//!    that is no headline figure (grand total, one-way margin) if any, then leaves the fewest
//!    relations with a lone suppressed cell, then costs least (`Model::cost`), then the first
//!    in table and cell order.
//! 4. **Audit and repair** ([`attack`]): the attacker's programs over the suppressed cells of
//!    all tables together. Every primary cell still exposed (typically one boxed in by several
//!    relations at once, such as a count under `ALL` that bounds its benefits) is repaired by a
//!    program that finds the published cells around it whose suppression lets it reach
//!    `min_persons` at the least cost (`Model::cost` per person moved), else its cheapest
//!    neighbour; the rules run again, and the failed cells are audited again, until the audit
//!    passes. When nothing is left to suppress the run fails with [`Error::QualityGate`]
//!    (exit 4).
//!
//! Linked cells (the same figure in two tables) share their status: the model works on
//! *figures*, one per group of linked cells ([`model`]), so they are suppressed together and
//! the relations of both tables bind them. The pattern depends only on the input: every
//! choice is by cost, then position, the relations and cells are visited in a fixed order,
//! and the solver is deterministic (HiGHS, single-threaded, with no node or time limit).
//!
//! Only whole cells are suppressed ([`Table::suppress`]): count, means, medians and money
//! together, so the one audit of the counts covers the amount sums (count × mean) as well,
//! since they obey the same relations; money sums with relations of their own (expenditure
//! over payment types and benefits) get their own audit.
mod attack;
mod hypercube;
mod model;
mod optimal;
mod rules;
mod solver;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::table::{Link, Relation, Table, Unit};
use attack::Finding;
use hypercube::{Cubes, Search};
use model::Model;

/// The suppressions of one table, for the quality report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SuppressionCounts {
    pub table_id: String,
    /// Cells with 1 to `min_persons − 1` persons.
    pub primary: usize,
    /// Other suppressed cells.
    pub secondary: usize,
    /// Persons in the secondary cells (the information lost by secondary suppression).
    pub secondary_persons: i64,
    /// Persons in all the table's cells (margins included), the base of the share.
    pub persons: i64,
    /// For a table with a money sum (expenditure): the euros, in cents, of its secondary
    /// cells' sums (the first money measure).
    pub secondary_cents: Option<i64>,
}

impl SuppressionCounts {
    /// The suppressions of one table, whose cells `suppressed` says are suppressed (read
    /// before [`Table::suppress`] withholds the values, since the euros lost are counted).
    pub fn of(table: &Table, suppressed: &[bool], min_persons: i64) -> SuppressionCounts {
        let primary = |c: usize| (1..min_persons).contains(&table.persons[c]);
        let secondary: Vec<usize> = (0..table.cells())
            .filter(|&c| suppressed[c] && !primary(c))
            .collect();
        let money = table.measures.iter().position(|m| m.unit == Unit::Euro);
        SuppressionCounts {
            table_id: table.id.to_string(),
            primary: (0..table.cells()).filter(|&c| primary(c)).count(),
            secondary: secondary.len(),
            secondary_persons: secondary.iter().map(|&c| table.persons[c]).sum(),
            persons: table.persons.iter().sum(),
            secondary_cents: money.map(|m| {
                secondary
                    .iter()
                    .map(|&c| table.values[m][c].unwrap_or(0))
                    .sum()
            }),
        }
    }

    /// Persons in the secondary cells as a share of the table's persons (0 for an empty table).
    pub fn secondary_share(&self) -> f64 {
        if self.persons == 0 {
            0.0
        } else {
            self.secondary_persons as f64 / self.persons as f64
        }
    }
}

/// What the audit found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    /// Primary cells (1 to `min_persons − 1` persons) in all the tables.
    pub primary_cells: usize,
    pub failures: Vec<AuditFailure>,
}

impl AuditReport {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditFailure {
    pub table_id: String,
    pub cell: usize,
    pub codes: Vec<String>,
    pub problem: AuditProblem,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AuditProblem {
    /// A primary cell is published.
    PrimaryPublished,
    /// A zero cell is suppressed (zeros are always published, so `..` means ≥ 1).
    ZeroSuppressed,
    /// A linked cell has another status in the other table.
    LinkStatusDiffers {
        other_table_id: String,
        other_cell: usize,
    },
    /// The attacker can show the count is below `min_persons` (it is at most `max`), which
    /// includes knowing it exactly.
    CountDisclosed { max: i64 },
    /// The solver stopped without settling the attacker's integer program (treated as a
    /// failure, never as safe).
    CountUndecided,
    /// A money sum (expenditure) of a primary cell is determined by the published sums.
    SumDetermined,
}

/// Suppresses the cells of `tables` (each with its relations, `relations[t]`, and the
/// `links` between them) so that [`audit`] passes, and returns the suppressions per table.
/// Cells already suppressed stay suppressed.
pub fn protect(
    tables: &mut [Table],
    relations: &[Vec<Relation>],
    links: &[Link],
    min_persons: i64,
) -> Result<Vec<SuppressionCounts>> {
    let model = Model::build(tables, relations, links, true)?;
    let mut supp: Vec<bool> = (0..model.figures())
        .map(|f| {
            model.is_primary(f, min_persons)
                || model.cells[f]
                    .iter()
                    .any(|&(t, c)| tables[t].is_suppressed(c))
        })
        .collect();
    let primary = supp.iter().filter(|&&s| s).count();
    // The pattern search leaves out the relations that only bound a total from above
    // (`Relation::AtMost`, new recipients over benefits): with them its hypercubes would
    // reach for the totals, where the audit, which knows them, finds a figure safe without.
    // Its proofs hold for the whole model only away from those relations, so every primary
    // figure of a table that has them is audited below with all the attacker knows (and
    // every primary figure, should such a table be linked to another).
    let upper_only = |r: &Relation| matches!(r, Relation::AtMost { .. });
    let searched: Vec<Vec<Relation>> = relations
        .iter()
        .map(|list| list.iter().filter(|r| !upper_only(r)).cloned().collect())
        .collect();
    let search_model = model.without_upper_bounds();
    let upper_only_in: Vec<bool> = relations.iter().map(|l| l.iter().any(upper_only)).collect();
    let linked = model
        .cells
        .iter()
        .any(|cells| cells.len() > 1 && cells.iter().any(|&(t, _)| upper_only_in[t]));
    let recheck: Vec<usize> = (0..model.figures())
        .filter(|&f| model.is_primary(f, min_persons))
        .filter(|&f| linked || model.cells[f].iter().any(|&(t, _)| upper_only_in[t]))
        .collect();
    let mut todo: BTreeSet<usize> = (0..model.figures())
        .filter(|&f| model.is_primary(f, min_persons))
        .collect();
    // A hypercube within the suppressed figures, checked against everything the attacker
    // knows, proves a figure without a program (as in the audit).
    let proofs = Cubes::build(tables, relations, &model);
    // The tables too large for the optimal patterns (`optimal::MAX_CELLS`: the area table) and
    // those with money sums, whose certificates `hypercube` knows, take the hypercube search.
    // They go first: the small tables' loops then take what they suppressed for free, the
    // figures linked to them above all (the area table's `ABROAD` and `ALL` rows), where the
    // other way round the search would add to the small tables' linked figures afterwards.
    let mut small: Vec<(usize, Vec<usize>)> = (0..tables.len())
        .filter(|&t| !model.money[t] && tables[t].cells() <= optimal::MAX_CELLS)
        .map(|t| {
            let first_here = todo.iter().copied().filter(|&f| model.cells[f][0].0 == t);
            (t, first_here.collect::<Vec<usize>>())
        })
        .filter(|(_, first_here)| !first_here.is_empty())
        .collect();
    let in_small: BTreeSet<usize> = small
        .iter()
        .flat_map(|(_, first)| first.iter().copied())
        .collect();
    let mut cubes = Cubes::build(tables, &searched, &search_model);
    let mut large: BTreeSet<usize> = todo.difference(&in_small).copied().collect();
    hypercubes(
        &mut cubes,
        &search_model,
        &mut supp,
        &mut large,
        min_persons,
    );
    todo.retain(|k| in_small.contains(k) || large.contains(k));
    trace_headlines(&model, &supp, min_persons, tables, "after the large tables");
    // Then each small table by its cheapest pattern (`optimal`), those with fewest primary
    // figures first, so that the tables linked to many (recipients by benefit, sex and age)
    // come after the ones they link. More suppression only widens what the attacker must
    // consider, so what a pattern protects stays protected.
    // The figures they protect leave `todo` until the audit below, which takes those no
    // hypercube proves.
    small.sort_by_key(|(t, first_here)| (first_here.len(), *t));
    let mut optimised = Vec::new();
    for (t, first_here) in small {
        let found = optimal::pattern(&model, &supp, t, &first_here, min_persons, &proofs)?;
        supp = found.supp;
        for k in first_here.into_iter().filter(|k| !found.open.contains(k)) {
            todo.remove(&k);
            optimised.push(k);
        }
    }
    trace_headlines(&model, &supp, min_persons, tables, "after optimal patterns");
    // The figures left: those the small tables cannot protect alone, and the large tables'
    // without a pattern so far (the small tables' suppressions may give them one).
    hypercubes(&mut cubes, &search_model, &mut supp, &mut todo, min_persons);
    trace_headlines(&model, &supp, min_persons, tables, "after hypercubes");
    tracing::debug!(
        without_pattern = todo.len(),
        "disclosure control: hypercubes"
    );
    // The rest: the published figures whose suppression lets them reach `min_persons`, by a
    // program over their neighbourhood; its solution proves the figure when it is integral.
    // A repair often protects the figures after it too: those need no program of their own.
    let mut repaired = BTreeSet::new();
    for &k in &todo {
        if cubes
            .pattern(&search_model, &supp, k, min_persons, true)
            .is_some()
        {
            repaired.insert(k);
            continue;
        }
        if let Some(repair) = attack::repair(&search_model, &supp, k, min_persons)? {
            repair.figures.into_iter().for_each(|g| supp[g] = true);
            if repair.proven {
                repaired.insert(k);
            }
        }
    }
    trace_headlines(&model, &supp, min_persons, tables, "after repairs");
    todo.retain(|k| !repaired.contains(k));
    todo.extend(recheck);
    todo.extend(optimised);
    let mut secondary = supp.iter().filter(|&&s| s).count() - primary;
    tracing::debug!(
        secondary,
        unproven = todo.len(),
        "disclosure control: hypercubes and repairs"
    );
    // More suppression only widens what the attacker must consider (the old solutions stay
    // solutions, with a newly suppressed cell at its true value ≥ 1), so a figure once proven
    // safe stays safe: only the unproven figures are audited, and after that the failed ones.
    todo.retain(|&k| {
        proofs
            .pattern(&model, &supp, k, min_persons, true)
            .is_none()
    });
    let mut rounds = 0;
    loop {
        let findings = attack::attack(&model, &supp, min_persons, Some(&todo))?;
        if findings.is_empty() {
            break;
        }
        todo = findings.iter().map(Finding::figure).collect();
        rounds += 1;
        let mut added = 0;
        let mut freed = 0;
        for finding in &findings {
            let fix: Vec<usize> = match *finding {
                Finding::Count { figure, .. } => {
                    // The repairs of other figures in this round often free this one too.
                    if attack::freed(&model, &supp, figure, min_persons)? {
                        freed += 1;
                        continue;
                    }
                    let mut fix = attack::repair(&model, &supp, figure, min_persons)?
                        .map_or_else(Vec::new, |repair| repair.figures);
                    // No repair found near the figure (or, through the LP relaxation, none
                    // seen as needed): its cheapest neighbour, and the next round tells.
                    if fix.is_empty() {
                        fix.extend(rules::partner(&model, &supp, figure, None));
                    }
                    fix
                }
                Finding::Money { figure, table } => {
                    rules::partner(&model, &supp, figure, Some(table))
                        .into_iter()
                        .collect()
                }
            };
            for g in fix {
                if !supp[g] {
                    supp[g] = true;
                    added += 1;
                }
            }
        }
        if added == 0 && freed == 0 {
            let f = findings[0].figure();
            let (t, cell) = model.cells[f][0];
            return Err(Error::QualityGate(format!(
                "disclosure control: {} primary cells stay exposed with nothing left to suppress, e.g. {:?} of {}",
                findings.len(),
                tables[t].codes(cell),
                tables[t].id
            )));
        }
        trace_headlines(&model, &supp, min_persons, tables, "round fixes");
        secondary += added + rules::close(&model, &mut supp, min_persons);
        trace_headlines(&model, &supp, min_persons, tables, "round rules");
    }
    tracing::debug!(figures = primary, secondary, rounds, "disclosure control");

    let mut suppressed: Vec<Vec<bool>> = tables
        .iter()
        .map(|t| (0..t.cells()).map(|c| t.is_suppressed(c)).collect())
        .collect();
    for (f, cells) in model.cells.iter().enumerate() {
        if supp[f] {
            for &(t, c) in cells {
                suppressed[t][c] = true;
            }
        }
    }
    let counts = tables
        .iter()
        .zip(&suppressed)
        .map(|(t, s)| SuppressionCounts::of(t, s, min_persons))
        .collect();
    for (table, suppressed) in tables.iter_mut().zip(&suppressed) {
        for c in (0..table.cells()).filter(|&c| suppressed[c]) {
            table.suppress(c);
        }
    }
    Ok(counts)
}

/// Secondary suppression by the search: the cheapest hypercube of each figure of `open`,
/// first among those that take no headline figure, then, for the figures left, among all,
/// searched widely for the few the quick search misses (a pattern that newly suppresses a
/// headline figure, grand total or one-way margin, only where no other is found). The
/// figures given a pattern leave `open`.
fn hypercubes(
    cubes: &mut Cubes,
    model: &Model,
    supp: &mut [bool],
    open: &mut BTreeSet<usize>,
    min_persons: i64,
) {
    for search in [
        Search::QUICK,
        Search::QUICK.with_headlines(),
        Search::WIDE.with_headlines(),
    ] {
        cubes.search = search;
        tracing::debug!(
            ?search,
            open = open.len(),
            "disclosure control: hypercube search"
        );
        open.retain(
            |&k| match cubes.pattern(model, supp, k, min_persons, false) {
                Some(pattern) => {
                    pattern.figures.into_iter().for_each(|g| supp[g] = true);
                    false
                }
                None => true,
            },
        );
    }
}

/// Logs (at debug level) how many headline figures are suppressed as secondary, and the first.
fn trace_headlines(model: &Model, supp: &[bool], min_persons: i64, tables: &[Table], step: &str) {
    let list: Vec<usize> = (0..model.figures())
        .filter(|&f| supp[f] && model.headline[f] && !model.is_primary(f, min_persons))
        .collect();
    let first: Vec<String> = list
        .iter()
        .take(8)
        .map(|&f| {
            let (t, c) = model.cells[f][0];
            format!(
                "{} {:?} {}",
                tables[t].id,
                tables[t].codes(c),
                model.persons[f]
            )
        })
        .collect();
    tracing::debug!(
        headline_secondary = list.len(),
        suppressed = supp.iter().filter(|&&s| s).count(),
        "{step}: {first:?}"
    );
}

/// Audits published tables: every primary cell must be suppressed and withstand the
/// attacker's programs (see [`attack`]) over all the tables, their relations and links; no
/// zero cell may be suppressed; linked cells must share their status. The primary cells are
/// those with 1 to `min_persons − 1` persons.
pub fn audit(
    tables: &[Table],
    relations: &[Vec<Relation>],
    links: &[Link],
    min_persons: i64,
) -> Result<AuditReport> {
    let model = Model::build(tables, relations, links, true)?;

    let supp = model.suppressed_in(tables);
    let mut failures = Vec::new();
    let failure = |t: usize, cell: usize, problem: AuditProblem| AuditFailure {
        table_id: tables[t].id.to_string(),
        cell,
        codes: tables[t]
            .codes(cell)
            .into_iter()
            .map(String::from)
            .collect(),
        problem,
    };
    let mut primary_cells = 0;
    for (t, table) in tables.iter().enumerate() {
        for cell in 0..table.cells() {
            let persons = table.persons[cell];
            if (1..min_persons).contains(&persons) {
                primary_cells += 1;
                if !table.is_suppressed(cell) {
                    failures.push(failure(t, cell, AuditProblem::PrimaryPublished));
                }
            } else if persons == 0 && table.is_suppressed(cell) {
                failures.push(failure(t, cell, AuditProblem::ZeroSuppressed));
            }
        }
    }
    for l in links {
        if tables[l.table_a].is_suppressed(l.cell_a) != tables[l.table_b].is_suppressed(l.cell_b) {
            let other_table_id = tables[l.table_b].id.to_string();
            failures.push(failure(
                l.table_a,
                l.cell_a,
                AuditProblem::LinkStatusDiffers {
                    other_table_id,
                    other_cell: l.cell_b,
                },
            ));
        }
    }
    // A hypercube within the suppressed figures proves a primary figure safe; the others
    // face the attacker's programs.
    let cubes = Cubes::build(tables, relations, &model);
    let todo: BTreeSet<usize> = (0..model.figures())
        .filter(|&k| {
            model.is_primary(k, min_persons)
                && cubes.pattern(&model, &supp, k, min_persons, true).is_none()
        })
        .collect();
    for finding in attack::attack(&model, &supp, min_persons, Some(&todo))? {
        let (f, problem, only) = match finding {
            Finding::Count {
                figure,
                max: Some(max),
            } => (figure, AuditProblem::CountDisclosed { max }, None),
            Finding::Count { figure, max: None } => (figure, AuditProblem::CountUndecided, None),
            Finding::Money { figure, table } => (figure, AuditProblem::SumDetermined, Some(table)),
        };
        for &(t, cell) in &model.cells[f] {
            if only.is_none_or(|o| o == t) {
                failures.push(failure(t, cell, problem.clone()));
            }
        }
    }
    Ok(AuditReport {
        primary_cells,
        failures,
    })
}

/// Audits tables read back from a publication, which holds no true values: every suppressed
/// cell must hold 1 in `persons` (and its other cells their published counts). Then every
/// suppressed count is audited as a primary one (its interval must reach `min_persons`,
/// which a cell truly of `min_persons` or more passes by itself).
///
/// How: the program's integer points are what the attacker cannot rule out. One of them, x̂,
/// maximising how many suppressed counts reach `min_persons` ([`attack::feasible_point`]),
/// takes the place of the true values: every figure it puts at `min_persons` or more passes
/// by x̂ itself, and the others are audited as in a run with x̂ as the truth, which is sound
/// because the run's proofs only need the truth to be *a* point of the program (a proof of
/// safety is another point; a proof of disclosure holds for every point).
pub fn audit_published(
    tables: &[Table],
    relations: &[Vec<Relation>],
    links: &[Link],
    min_persons: i64,
) -> Result<AuditReport> {
    let model = Model::build(tables, relations, links, false)?;
    let supp = model.suppressed_in(tables);
    let point = attack::feasible_point(&model, &supp, min_persons)?;
    let mut stand_in = tables.to_vec();
    for (f, cells) in model.cells.iter().enumerate() {
        for &(t, c) in cells {
            stand_in[t].persons[c] = point[f];
        }
    }
    let mut report = audit(&stand_in, relations, links, min_persons)?;
    report.primary_cells = tables
        .iter()
        .map(|t| (0..t.cells()).filter(|&c| t.is_suppressed(c)).count())
        .sum();
    Ok(report)
}
