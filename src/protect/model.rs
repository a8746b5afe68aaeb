//! The attacker's view of a set of linked tables, shared by the suppression rules and the audit.
//!
//! A *figure* is what a reader sees as one number: a single cell, or the cells of several
//! tables that a [`Link`] says show the same value. Linked cells must share their status, so
//! the rules and the audit reason about figures, never about single cells: suppressing a
//! figure suppresses every cell of it, and the attacker's programs have one variable per
//! suppressed figure, which is how the links become equalities.
use crate::error::{Error, Result};
use crate::table::{Link, Relation, Table};

/// One relation of [`Relation`], rewritten over figures.
#[derive(Debug, Clone)]
pub(super) struct Rel {
    /// The table whose relation this is (money sums are audited per table).
    pub table: usize,
    /// `Relation::Bounded` (a person count under `ALL`) rather than `Relation::Sum`.
    pub bounded: bool,
    pub total: usize,
    pub parts: Vec<usize>,
    /// The relation holds for the person counts. The same `Sum` relations serve counts and
    /// money, but some hold only for money (expenditure over payment types and benefits,
    /// where one person can count under several codes): the persons then do not add up, the
    /// attacker cannot know such an equation for counts, and it is used for money alone.
    pub persons: bool,
}

impl Rel {
    /// Every figure of the relation, the total first.
    pub fn figures(&self) -> impl Iterator<Item = usize> + '_ {
        std::iter::once(self.total).chain(self.parts.iter().copied())
    }
}

pub(super) struct Model {
    /// The tables' ids, for messages.
    pub ids: Vec<&'static str>,
    /// Figure → its cells as (table, cell), in table and cell order.
    pub cells: Vec<Vec<(usize, usize)>>,
    /// Figure → number of persons behind it (equal in every linked cell).
    pub persons: Vec<i64>,
    pub rels: Vec<Rel>,
    /// Figure → the relations it appears in.
    pub rels_of: Vec<Vec<usize>>,
    /// Table → it publishes money: a sum (expenditure) or means, which with the counts give
    /// the sums (count × mean, to within half a cent per person). Sums add up over every
    /// relation, `Bounded` ones included: a person's amount under `ALL` is the sum of their
    /// amounts, so the sum under `ALL` is the sum over the benefits even though the counts
    /// are not. The rules keep a lone suppressed figure out of such a relation.
    pub money: Vec<bool>,
    /// Table → it publishes a money sum in EUR of the period (expenditure), which gets a
    /// money audit of its own. (Auditing the sums behind the means too would be sound but
    /// was too slow on the big tables; for them the rules' partner in every relation covers
    /// the direct disclosure, and the counts' audit the rest of the pattern.)
    pub sums: Vec<bool>,
}

fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

/// Joins two sets; the smaller root wins, so that the result does not depend on the order
/// of the unions.
pub(super) fn union(parent: &mut [usize], a: usize, b: usize) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        parent[ra.max(rb)] = ra.min(rb);
    }
}

pub(super) fn root(parent: &mut [usize], x: usize) -> usize {
    find(parent, x)
}

impl Model {
    pub fn build(tables: &[Table], relations: &[Vec<Relation>], links: &[Link]) -> Result<Model> {
        if relations.len() != tables.len() {
            return Err(Error::Other(format!(
                "disclosure control: {} tables but {} relation lists",
                tables.len(),
                relations.len()
            )));
        }
        let mut offsets = Vec::with_capacity(tables.len());
        let mut n = 0;
        for t in tables {
            offsets.push(n);
            n += t.cells();
        }
        let global = |table: usize, cell: usize| -> Result<usize> {
            match tables.get(table) {
                Some(t) if cell < t.cells() => Ok(offsets[table] + cell),
                _ => Err(Error::Other(format!(
                    "disclosure control: cell {cell} of table {table} does not exist"
                ))),
            }
        };

        let mut parent: Vec<usize> = (0..n).collect();
        for l in links {
            let (a, b) = (global(l.table_a, l.cell_a)?, global(l.table_b, l.cell_b)?);
            let (pa, pb) = (
                tables[l.table_a].persons[l.cell_a],
                tables[l.table_b].persons[l.cell_b],
            );
            if pa != pb {
                return Err(Error::Other(format!(
                    "disclosure control: linked cells {:?} of {} ({pa} persons) and {:?} of {} ({pb} persons) differ",
                    tables[l.table_a].codes(l.cell_a),
                    tables[l.table_a].id,
                    tables[l.table_b].codes(l.cell_b),
                    tables[l.table_b].id
                )));
            }
            union(&mut parent, a, b);
        }

        // Figures are numbered by their first cell, so their order follows the tables'.
        let mut figure_of = vec![usize::MAX; n];
        let mut cells: Vec<Vec<(usize, usize)>> = Vec::new();
        let mut persons = Vec::new();
        for (t, table) in tables.iter().enumerate() {
            for cell in 0..table.cells() {
                let g = offsets[t] + cell;
                let r = find(&mut parent, g);
                if figure_of[r] == usize::MAX {
                    figure_of[r] = cells.len();
                    cells.push(Vec::new());
                    persons.push(table.persons[cell]);
                }
                let f = figure_of[r];
                figure_of[g] = f;
                cells[f].push((t, cell));
            }
        }

        let mut rels = Vec::new();
        for (t, list) in relations.iter().enumerate() {
            for r in list {
                let (bounded, total, parts) = match r {
                    Relation::Sum { total, parts } => (false, total, parts),
                    Relation::Bounded { total, parts } => (true, total, parts),
                };
                let total = figure_of[global(t, *total)?];
                let parts = parts
                    .iter()
                    .map(|&p| Ok(figure_of[global(t, p)?]))
                    .collect::<Result<Vec<usize>>>()?;
                let p: Vec<i64> = parts.iter().map(|&f| persons[f]).collect();
                let sum: i64 = p.iter().sum();
                let holds = if bounded {
                    p.iter().all(|&x| x <= persons[total]) && persons[total] <= sum
                } else {
                    persons[total] == sum
                };
                if bounded && !holds {
                    tracing::warn!(
                        table = tables[t].id,
                        "a bounded relation does not hold for the person counts; ignored"
                    );
                }
                rels.push(Rel {
                    table: t,
                    bounded,
                    total,
                    parts,
                    persons: holds,
                });
            }
        }
        let mut rels_of = vec![Vec::new(); cells.len()];
        for (i, r) in rels.iter().enumerate() {
            for f in r.figures() {
                if rels_of[f].last() != Some(&i) {
                    rels_of[f].push(i);
                }
            }
        }
        let money = tables
            .iter()
            .map(|t| {
                t.measures
                    .iter()
                    .any(|m| m.unit != crate::table::Unit::Persons)
            })
            .collect();
        let sums = tables
            .iter()
            .map(|t| {
                t.measures
                    .iter()
                    .any(|m| m.unit == crate::table::Unit::Euro)
            })
            .collect();
        Ok(Model {
            ids: tables.iter().map(|t| t.id).collect(),
            cells,
            persons,
            rels,
            rels_of,
            money,
            sums,
        })
    }

    pub fn figures(&self) -> usize {
        self.persons.len()
    }

    /// A figure the attacker must not learn: 1 to `min_persons − 1` persons.
    pub fn is_primary(&self, f: usize, min_persons: i64) -> bool {
        (1..min_persons).contains(&self.persons[f])
    }

    /// The figure appears in table `t`.
    pub fn in_table(&self, f: usize, t: usize) -> bool {
        self.cells[f].iter().any(|&(ct, _)| ct == t)
    }

    /// The figures that the tables leave unpublished. A linked figure counts as published
    /// as soon as one of its cells is, since the reader then knows its value.
    pub fn suppressed_in(&self, tables: &[Table]) -> Vec<bool> {
        self.cells
            .iter()
            .map(|cells| cells.iter().all(|&(t, c)| tables[t].is_suppressed(c)))
            .collect()
    }
}
