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
    /// For the person counts `max(parts) ≤ total ≤ Σ parts` (`Relation::Bounded`, and every
    /// relation of a table with a money sum) rather than `total = Σ parts`; the money sums
    /// add up over every relation of their table.
    pub bounded: bool,
    /// For a bounded relation of the person counts: the total is at least each part too
    /// (`Relation::Bounded`, not `Relation::AtMost`).
    pub lower: bool,
    pub total: usize,
    pub parts: Vec<usize>,
    /// The relation is used for the person counts: always for a publication read back
    /// (the attacker knows the declared relations), and in a run where the true counts obey
    /// it (one that does not is a fault upstream, logged and left out).
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
    /// Figure → (relation, the figure's coefficient in Σ parts − total) for each relation it
    /// appears in: what a change of the figure does to the relation's balance.
    pub terms_of: Vec<Vec<(usize, i64)>>,
    /// Table → it publishes a money sum in EUR of the period (expenditure), which gets a
    /// money audit of its own, over every relation of the table as an equation of the sums.
    /// The sums behind means (count × mean) are not modelled: the attacker's relations are
    /// those of the person counts (publication.md, "Additivity"), under which a count under
    /// `ALL` is only bounded by its benefits.
    pub money: Vec<bool>,
    /// Figure → what suppressing it costs: its persons, times [`COST_BASE`] plus the number
    /// of its dimensions at a total code (so a margin costs more than the cells it sums),
    /// times [`HEADLINE_PENALTY`] for a headline figure.
    pub cost: Vec<i64>,
    /// Figure → a grand total or a one-way margin (every dimension with totals at its top
    /// total but at most one) in one of its tables: suppressed as secondary only when no
    /// other pattern exists.
    pub headline: Vec<bool>,
    /// Figure → a grand total (every dimension with totals at its top total) in one of its
    /// tables: never suppressed as secondary while another way exists.
    pub grand: Vec<bool>,
    /// The persons are the true ones (see [`Model::build`]).
    pub truth: bool,
}

/// The persons' weight in [`Model::cost`] beside the number of total codes: large enough that
/// the persons hidden (the information loss reported) decide between two patterns, and a
/// margin still costs more than the cells it sums (persons × (b + t + 1) > Σ persons × (b + t)).
/// (benches/RESULTS.md has the loss measured with other bases.)
pub(super) const COST_BASE: i64 = 4;

/// The cost factor of a headline figure (see [`Model::headline`]): high enough that any
/// pattern of other figures is cheaper.
pub(super) const HEADLINE_PENALTY: i64 = 1_000_000;

/// Per dimension of one table, which codes are totals and which are parts of its relations.
struct Levels {
    /// Dimension → code → (is a total, is a part).
    roles: Vec<Vec<(bool, bool)>>,
    /// Dimension → its top total: the first code that is a total and a part of none (`SSS`,
    /// `ALL`; `NP` in the table of the national pension's kinds; `SSS` last among the
    /// survivors' categories). `ALL` comes before `NP` and `SP`, which are totals of kinds
    /// and phases but no part of `ALL` (a sum of the base benefits).
    tops: Vec<Option<usize>>,
}

impl Levels {
    fn of(table: &Table, relations: &[Relation]) -> Levels {
        let mut roles: Vec<Vec<(bool, bool)>> = table
            .dimensions
            .iter()
            .map(|d| vec![(false, false); d.codes.len()])
            .collect();
        for r in relations {
            let (Relation::Sum { total, parts }
            | Relation::Bounded { total, parts }
            | Relation::AtMost { total, parts }) = r;
            let total_codes = table.codes(*total);
            for &p in parts {
                for (d, part_code) in table.codes(p).into_iter().enumerate() {
                    if part_code != total_codes[d] {
                        let dim = &table.dimensions[d];
                        let position = |c: &str| dim.codes.iter().position(|x| x == c);
                        if let (Some(tc), Some(pc)) =
                            (position(total_codes[d]), position(part_code))
                        {
                            roles[d][tc].0 = true;
                            roles[d][pc].1 = true;
                        }
                    }
                }
            }
        }
        let tops = roles
            .iter()
            .map(|codes| codes.iter().position(|&(total, part)| total && !part))
            .collect();
        Levels { roles, tops }
    }

    /// For one cell: the number of its dimensions at a total code, and the number of the
    /// dimensions with a top total where the cell is not at it.
    fn of_cell(&self, table: &Table, mut cell: usize) -> (usize, usize) {
        let mut totals = 0;
        let mut off_top = 0;
        for (d, dim) in table.dimensions.iter().enumerate().rev() {
            let n = dim.codes.len();
            let code = cell % n;
            cell /= n;
            let roles = &self.roles[d];
            totals += usize::from(roles[code].0);
            if self.tops[d].is_some_and(|top| top != code) {
                off_top += 1;
            }
        }
        (totals, off_top)
    }
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
    /// With `truth`, `tables` hold the true persons of every cell (the run); without, they
    /// are read back from a publication, every suppressed cell holding 1 (so every suppressed
    /// figure counts as primary) and the attacker's relations are those declared.
    pub fn build(
        tables: &[Table],
        relations: &[Vec<Relation>],
        links: &[Link],
        truth: bool,
    ) -> Result<Model> {
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

        let money: Vec<bool> = tables
            .iter()
            .map(|t| {
                t.measures
                    .iter()
                    .any(|m| m.unit == crate::table::Unit::Euro)
            })
            .collect();
        let mut rels = Vec::new();
        for (t, list) in relations.iter().enumerate() {
            for r in list {
                let (bounded, lower, total, parts) = match r {
                    Relation::Sum { total, parts } => (false, true, total, parts),
                    Relation::Bounded { total, parts } => (true, true, total, parts),
                    Relation::AtMost { total, parts } => (true, false, total, parts),
                };
                let total = figure_of[global(t, *total)?];
                let parts = parts
                    .iter()
                    .map(|&p| Ok(figure_of[global(t, p)?]))
                    .collect::<Result<Vec<usize>>>()?;
                // In a table with a money sum (expenditure) the relations add up the money;
                // its persons (recipients during the period) count once in a total however
                // many of its parts they fall in, so for them every relation is bounded.
                // (For the money programs a bounded relation is an equation, see `Rel`.)
                let bounded = bounded || money[t];
                let p: Vec<i64> = parts.iter().map(|&f| persons[f]).collect();
                let sum: i64 = p.iter().sum();
                let holds = if bounded {
                    (!lower || p.iter().all(|&x| x <= persons[total])) && persons[total] <= sum
                } else {
                    persons[total] == sum
                };
                if truth && !holds {
                    tracing::warn!(
                        table = tables[t].id,
                        "a relation does not hold for the person counts; ignored"
                    );
                }
                rels.push(Rel {
                    table: t,
                    bounded,
                    lower,
                    total,
                    parts,
                    persons: holds || !truth,
                });
            }
        }
        let terms_of = terms_of(&rels, cells.len());
        let rels_of = relations_of(&terms_of);
        let levels: Vec<Levels> = tables
            .iter()
            .zip(relations)
            .map(|(t, r)| Levels::of(t, r))
            .collect();
        let mut cost = vec![0; cells.len()];
        let mut headline = vec![false; cells.len()];
        let mut grand = vec![false; cells.len()];
        for (f, list) in cells.iter().enumerate() {
            for &(t, cell) in list {
                let (totals, top_missing) = levels[t].of_cell(&tables[t], cell);
                let is_headline = top_missing <= 1;
                let weight =
                    (COST_BASE + totals as i64) * if is_headline { HEADLINE_PENALTY } else { 1 };
                cost[f] = cost[f].max(persons[f] * weight);
                headline[f] |= is_headline;
                grand[f] |= top_missing == 0;
            }
        }
        Ok(Model {
            ids: tables.iter().map(|t| t.id).collect(),
            cells,
            persons,
            rels,
            rels_of,
            terms_of,
            money,
            cost,
            headline,
            grand,
            truth,
        })
    }

    /// The model without the relations that only bound a total from above
    /// (`Relation::AtMost`), for the pattern search (see `protect`). What a figure costs and
    /// whether it heads its table stay those of the whole hierarchies (`ALL` tops the benefits
    /// of `new_recipients` through the relations left out).
    pub fn without_upper_bounds(&self) -> Model {
        let rels: Vec<Rel> = self.rels.iter().filter(|r| r.lower).cloned().collect();
        let terms_of = terms_of(&rels, self.figures());
        let rels_of = relations_of(&terms_of);
        Model {
            ids: self.ids.clone(),
            cells: self.cells.clone(),
            persons: self.persons.clone(),
            rels_of,
            terms_of,
            rels,
            money: self.money.clone(),
            cost: self.cost.clone(),
            headline: self.headline.clone(),
            grand: self.grand.clone(),
            truth: self.truth,
        }
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

/// Figure → (relation, coefficient) for each relation it appears in, in relation order
/// ([`Model::terms_of`]).
fn terms_of(rels: &[Rel], figures: usize) -> Vec<Vec<(usize, i64)>> {
    let mut terms_of: Vec<Vec<(usize, i64)>> = vec![Vec::new(); figures];
    for (i, r) in rels.iter().enumerate() {
        let signed = std::iter::once((r.total, -1)).chain(r.parts.iter().map(|&p| (p, 1)));
        for (f, c) in signed {
            match terms_of[f].last_mut() {
                Some((j, coefficient)) if *j == i => *coefficient += c,
                _ => terms_of[f].push((i, c)),
            }
        }
    }
    terms_of
}

/// Figure → the relations it appears in, each once, in relation order ([`Model::rels_of`]).
fn relations_of(terms_of: &[Vec<(usize, i64)>]) -> Vec<Vec<usize>> {
    terms_of
        .iter()
        .map(|terms| terms.iter().map(|&(r, _)| r).collect())
        .collect()
}
