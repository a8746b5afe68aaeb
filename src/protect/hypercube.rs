//! Hypercubes: secondary suppression patterns that prove themselves, and the audit's fast path.
//!
//! Every relation of a table runs along one dimension with the other codes fixed, so a change
//! of the cells that is a product of one change per dimension, z = d · u₁ ⊗ u₂ ⊗ … ⊗ uₙ, keeps
//! every relation of the table when each uᵢ keeps the relations of its own dimension. In a
//! hierarchy (area: KU in HVA in MK in SSS in ALL) such a uᵢ is the path of a leaf code up to
//! the top, minus the path of another leaf: +1 at `KU 091`, −1 at `KU 092` when both lie in
//! one HVA; +1 at `MK01`, its HVA and a KU of it, −1 at the same of another MK, and so on. The
//! product of two-code changes is the classic hypercube: the primary cell and the corners of a
//! box around it, alternately up and down.
//!
//! For a primary figure k with x persons such a z with zₖ = `min_persons` − x is a
//! **certificate**: if every cell it moves is suppressed, x + z stays ≥ 1 everywhere and the
//! relations of the attacker (checked exactly over the model, so the bounded counts under
//! `ALL` and the relations of linked tables count too) hold for x + z, then x + z is a point
//! of the attacker's integer program with k at `min_persons`: the interval reaches
//! `min_persons` and, holding the true x < `min_persons` too, is not a single value. For a
//! table with a money sum (expenditure) a second certificate proves the sum of k undetermined:
//! a change w with wₖ ≠ 0 that keeps every relation of the table as an equation of the sums
//! (they add up under `ALL` too) and moves only suppressed figures. The attacker's programs
//! for counts and for sums are separate, so the two certificates may differ: the persons of a
//! benefit's few retroactive payments are bounded by its published row alone, while their
//! euros need a partner row (another benefit's, rather than `ALL`'s).
//!
//! [`Cubes::pattern`] searches the cheapest such z for a primary figure (the published figures
//! it moves are the secondary suppressions, each at its `Model::cost`, zero when already
//! suppressed); with `free_only` it looks for one within the suppressed figures, which is the
//! audit's proof. The search ranks each dimension's candidate changes by the line of cells
//! through k that they move and tries the products of the best few, cheapest first. A figure
//! for which no pattern is found is left to the linear programs of [`super::attack`].
use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet};

use super::model::Model;
use crate::table::{Relation, Table};

/// Tables a hypercube may continue into through links.
const MAX_LINKED_TABLES: usize = 6;

/// How widely [`Cubes::pattern`] searches.
#[derive(Debug, Clone, Copy)]
pub(super) struct Search {
    /// Candidate changes kept per dimension when new suppressions are allowed.
    pub keep: usize,
    /// Products tried at most for one step.
    pub products: usize,
    /// The cheapest hypercubes continued into a linked table, and their continuations tried.
    pub linked: usize,
    /// Headline figures (grand totals, one-way margins) may be newly suppressed.
    pub headlines: bool,
}

impl Search {
    pub const QUICK: Search = Search {
        keep: 20,
        products: 16_384,
        linked: 64,
        headlines: false,
    };
    /// For the few figures the quick search leaves without a pattern even where it may take
    /// headline figures. (Avoiding them, a wider search finds next to nothing the quick one
    /// missed: the figures left then need a headline figure or a repair.)
    pub const WIDE: Search = Search {
        keep: 40,
        products: 100_000,
        linked: 256,
        headlines: false,
    };

    /// This search, allowed to take headline figures: for the figures no other pattern
    /// protects.
    pub const fn with_headlines(self) -> Search {
        Search {
            headlines: true,
            ..self
        }
    }
}

/// A change of one dimension: (code, coefficient), sorted by code.
type Change = Vec<(usize, i64)>;

/// One dimension of a table with the relations between its codes.
struct Axis {
    /// The dimension's id: linked tables share dimensions by id.
    id: &'static str,
    codes: Vec<String>,
    len: usize,
    stride: usize,
    /// Code → the totals of the relations it is a part of: `[0]` the relations that are sums of
    /// person counts, `[1]` with the bounded ones too (money adds up under `ALL`).
    up: [Vec<Vec<usize>>; 2],
    /// Code → it is the total of some relation, per mode as `up`.
    total: [Vec<bool>; 2],
    /// [`Axis::paths`], once the relations are known.
    paths: [Vec<BTreeSet<usize>>; 2],
    /// [`Axis::candidates`] by code, for counts (`[0]`) and for money (`[1]`), once asked for.
    candidates: [Vec<OnceCell<Vec<Change>>>; 2],
}

impl Axis {
    /// The changes a hypercube may take in this dimension through `code`: for a table with
    /// money those that keep the bounded relations as sums too, else also those that keep
    /// the sums alone; each once.
    fn candidates(&self, code: usize, money: bool) -> &[Change] {
        self.candidates[usize::from(money)][code].get_or_init(|| {
            let modes: &[usize] = if money { &[1] } else { &[0, 1] };
            let mut seen = BTreeSet::new();
            modes
                .iter()
                .flat_map(|&mode| self.changes(code, mode))
                .filter(|change| seen.insert(change.clone()))
                .collect()
        })
    }

    /// Each code's path (the code and every total above it), or empty for a total, per mode.
    fn paths(&self, mode: usize) -> Vec<BTreeSet<usize>> {
        (0..self.len)
            .map(|code| {
                if self.total[mode][code] {
                    return BTreeSet::new();
                }
                let mut out = BTreeSet::from([code]);
                let mut stack = vec![code];
                while let Some(c) = stack.pop() {
                    for &t in &self.up[mode][c] {
                        if out.insert(t) {
                            stack.push(t);
                        }
                    }
                }
                out
            })
            .collect()
    }

    /// The changes with coefficient 1 at `code` that keep the relations of this dimension
    /// (mode 0: the sums; mode 1: the bounded relations as sums too): the path of a leaf under
    /// `code` minus the path of a leaf outside it, or the path alone.
    fn changes(&self, code: usize, mode: usize) -> Vec<Change> {
        let paths = &self.paths[mode];
        let mut out = Vec::new();
        for under in paths.iter().filter(|p| p.contains(&code)) {
            out.push(under.iter().map(|&c| (c, 1)).collect());
            for other in paths.iter().filter(|p| !p.is_empty() && !p.contains(&code)) {
                let mut change: Change = under.difference(other).map(|&c| (c, 1)).collect();
                change.extend(other.difference(under).map(|&c| (c, -1)));
                change.sort_unstable();
                out.push(change);
            }
        }
        out
    }
}

struct Cube {
    axes: Vec<Axis>,
}

/// The tables' shapes and the dimension relations, for the hypercube search.
pub(super) struct Cubes {
    pub search: Search,
    cubes: Vec<Cube>,
    /// Table → cell → figure.
    figure_of: Vec<Vec<usize>>,
}

/// A certificate found: the figures it moves, which must all be suppressed.
pub(super) struct Pattern {
    pub figures: Vec<usize>,
}

impl Cubes {
    pub fn build(tables: &[Table], relations: &[Vec<Relation>], model: &Model) -> Cubes {
        let mut figure_of: Vec<Vec<usize>> = tables.iter().map(|t| vec![0; t.cells()]).collect();
        for (f, cells) in model.cells.iter().enumerate() {
            for &(t, c) in cells {
                figure_of[t][c] = f;
            }
        }
        let cubes = tables
            .iter()
            .zip(relations)
            .enumerate()
            .map(|(t, (table, rels))| {
                let mut stride = 1;
                let mut axes: Vec<Axis> = Vec::new();
                for d in table.dimensions.iter().rev() {
                    let len = d.codes.len();
                    axes.push(Axis {
                        id: d.id,
                        codes: d.codes.clone(),
                        len,
                        stride,
                        up: [vec![Vec::new(); len], vec![Vec::new(); len]],
                        total: [vec![false; len], vec![false; len]],
                        paths: [Vec::new(), Vec::new()],
                        candidates: [
                            (0..len).map(|_| OnceCell::new()).collect(),
                            (0..len).map(|_| OnceCell::new()).collect(),
                        ],
                    });
                    stride *= len;
                }
                axes.reverse();
                for r in rels {
                    // The persons of a table with money count once in a total (see
                    // `Model::build`): its sums bind the counts as bounds only.
                    let (bounded, total, parts) = match r {
                        Relation::Sum { total, parts } => (model.money[t], *total, parts),
                        Relation::Bounded { total, parts } | Relation::AtMost { total, parts } => {
                            (true, *total, parts)
                        }
                    };
                    let Some(&first) = parts.first() else {
                        continue;
                    };
                    let Some(axis) = axes.iter_mut().find(|a| {
                        let code = |cell: usize| (cell / a.stride) % a.len;
                        code(first) != code(total)
                            && first.abs_diff(total) % a.stride == 0
                            && first.abs_diff(total) < a.stride * a.len
                    }) else {
                        continue;
                    };
                    let code = |cell: usize| (cell / axis.stride) % axis.len;
                    let t = code(total);
                    for mode in usize::from(bounded)..2 {
                        axis.total[mode][t] = true;
                        for &p in parts {
                            let p = code(p);
                            if !axis.up[mode][p].contains(&t) {
                                axis.up[mode][p].push(t);
                            }
                        }
                    }
                }
                for axis in &mut axes {
                    axis.paths = [axis.paths(0), axis.paths(1)];
                }
                Cube { axes }
            })
            .collect();
        Cubes {
            search: Search::QUICK,
            cubes,
            figure_of,
        }
    }

    /// The cheapest certificate for the primary figure `k` (see the module), or `None`.
    /// With `free_only`, only patterns within the suppressed figures (cost 0).
    pub fn pattern(
        &self,
        model: &Model,
        supp: &[bool],
        k: usize,
        min_persons: i64,
        free_only: bool,
    ) -> Option<Pattern> {
        model.cells[k]
            .iter()
            .find_map(|&(t, cell)| self.pattern_in(model, supp, t, cell, min_persons, free_only))
    }

    /// Hypercubes added up until k reaches `min_persons`: one that moves k all the way if
    /// there is one, else one person at a time, each on the values the previous ones left
    /// (a sum of changes that keep the relations keeps them too, and each step keeps the
    /// bounds and the bounded counts on the running values, so the sum is a certificate).
    /// Where that needs new suppressions, steps of at most 2 and of 1 person are tried too,
    /// each taking the figures the earlier steps moved for free, and the cheapest sum wins
    /// (the larger steps on a tie): a small figure whose line holds no cell that can give up
    /// all the persons at once (a rare benefit by area) may find three cheap partners where
    /// one would have to be a large region.
    fn pattern_in(
        &self,
        model: &Model,
        supp: &[bool],
        t: usize,
        cell: usize,
        min_persons: i64,
        free_only: bool,
    ) -> Option<Pattern> {
        let k = self.figure_of[t][cell];
        // Steps of at most `most` persons (else of one) until k reaches `min_persons`: their
        // summed change and what it costs in new suppressions.
        let climb = |most: i64| -> Option<(f64, BTreeMap<usize, i64>)> {
            let mut moved: BTreeMap<usize, i64> = BTreeMap::new();
            let mut cost = 0.0;
            loop {
                let short = min_persons - model.persons[k] - moved.get(&k).copied().unwrap_or(0);
                if short <= 0 {
                    return Some((cost, moved));
                }
                let counts = self.view(model, supp, &moved, free_only, false);
                let d = short.min(most);
                let (c, z) = self.step(&counts, t, cell, d).or_else(|| {
                    if d > 1 {
                        self.step(&counts, t, cell, 1)
                    } else {
                        None
                    }
                })?;
                cost += c;
                for (f, dz) in z {
                    *moved.entry(f).or_insert(0) += dz;
                }
            }
        };
        let short = min_persons - model.persons[k];
        let (mut cost, mut moved) = climb(short)?;
        for most in (1..short).rev() {
            if cost == 0.0 {
                break;
            }
            if let Some((c, m)) = climb(most) {
                if c < cost {
                    (cost, moved) = (c, m);
                }
            }
        }
        moved.retain(|_, dz| *dz != 0);
        if model.money[t] {
            // The sums' certificate, taking the figures the counts' one moves for free.
            let sums = self.view(model, supp, &moved, free_only, true);
            let (_, w) = self.step(&sums, t, cell, 1)?;
            moved.extend(w.into_keys().map(|f| (f, 0)));
        }
        Some(Pattern {
            figures: moved.into_keys().collect(),
        })
    }

    /// What a search for `model`'s figures sees (see [`View`]).
    fn view<'v>(
        &self,
        model: &'v Model,
        supp: &'v [bool],
        moved: &'v BTreeMap<usize, i64>,
        free_only: bool,
        sums: bool,
    ) -> View<'v> {
        View {
            model,
            supp,
            moved,
            free_only,
            headlines: self.search.headlines,
            sums,
        }
    }

    /// The cheapest hypercube moving the figure of `cell` by `d`, on the persons plus `moved`.
    /// When the cheapest ones move a figure linked to another table, the relations there are
    /// balanced by a hypercube of that table through the linked cell, moving it alike.
    fn step(
        &self,
        view: &View,
        t: usize,
        cell: usize,
        d: i64,
    ) -> Option<(f64, BTreeMap<usize, i64>)> {
        let free = vec![None; self.cubes[t].axes.len()];
        let products = self.products(view, t, cell, d, &free);
        let mut buffers = Buffers::default();
        if let Some(found) = products.ranked.iter().find_map(|&(cost, n)| {
            let z = products.z(self, n, &mut buffers);
            view.keeps_relations(t, &z).then_some((cost, z))
        }) {
            return Some(found);
        }
        products
            .ranked
            .iter()
            .take(self.search.linked)
            .find_map(|&(_, n)| {
                let z = products.z(self, n, &mut buffers);
                self.through_link(view, t, &z, &products.changes(n))
            })
    }

    /// A hypercube `z` of table `t` (changes `picks` per dimension) continued into the tables
    /// its figures are linked to, table by table, until the relations of all of them hold.
    /// Linked tables are slices of one cube (`recipients_by_area` at area `ALL` is
    /// `recipients_by_benefit_sex_age` at age `SSS`), so a continuation keeps the changes of
    /// the dimensions already chosen (by dimension id) and takes its own for the others,
    /// anchored at the linked cell with the change the figure already has there.
    fn through_link(
        &self,
        view: &View,
        t: usize,
        z: &BTreeMap<usize, i64>,
        picks: &[&Change],
    ) -> Option<(f64, BTreeMap<usize, i64>)> {
        let model = view.model;
        let mut joint = z.clone();
        let mut visited = BTreeSet::from([t]);
        let mut buffers = Buffers::default();
        // Dimension id → its change, by code.
        let mut known: BTreeMap<&str, BTreeMap<String, i64>> = BTreeMap::new();
        let learn =
            |known: &mut BTreeMap<&str, BTreeMap<String, i64>>, t: usize, picks: &[&Change]| {
                for (a, change) in self.cubes[t].axes.iter().zip(picks) {
                    known.entry(a.id).or_insert_with(|| {
                        change
                            .iter()
                            .map(|&(c, u)| (a.codes[c].clone(), u))
                            .collect()
                    });
                }
            };
        learn(&mut known, t, picks);
        for _ in 0..MAX_LINKED_TABLES {
            if view.keeps_relations(t, &joint) {
                let cost = joint
                    .iter()
                    .map(|(&g, &dz)| view.cost(g, dz))
                    .sum::<Option<f64>>()?;
                return Some((cost, joint));
            }
            let (f, t2, c2) = joint.keys().find_map(|&f| {
                model.cells[f]
                    .iter()
                    .find(|&&(u, _)| !visited.contains(&u))
                    .map(|&(u, c)| (f, u, c))
            })?;
            let axes2 = &self.cubes[t2].axes;
            let mut d2 = joint[&f];
            let mut fixed: Vec<Option<Change>> = vec![None; axes2.len()];
            for (j, b) in axes2.iter().enumerate() {
                let Some(change) = known.get(b.id) else {
                    continue;
                };
                let mut mapped: Change = Vec::new();
                for (code, &u) in change {
                    mapped.push((b.codes.iter().position(|x| x == code)?, u));
                }
                mapped.sort_unstable();
                d2 *= change.get(&b.codes[(c2 / b.stride) % b.len])?;
                fixed[j] = Some(mapped);
            }
            let other = self.products(view, t2, c2, d2, &fixed);
            let (z2, picks2) =
                other
                    .ranked
                    .iter()
                    .take(self.search.linked)
                    .find_map(|&(_, n)| {
                        let z2 = other.z(self, n, &mut buffers);
                        z2.iter()
                            .all(|(g, dz)| joint.get(g).is_none_or(|v| v == dz))
                            .then(|| (z2, other.changes(n)))
                    })?;
            joint.extend(z2);
            visited.insert(t2);
            learn(&mut known, t2, &picks2);
        }
        None
    }

    /// The hypercubes moving the figure of `cell` in table `t` by `d` whose figures may take
    /// part, cheapest first (the relations are not checked here); `fixed[i]` is the only
    /// change tried for dimension i.
    fn products<'a>(
        &'a self,
        view: &View,
        t: usize,
        cell: usize,
        d: i64,
        fixed: &'a [Option<Change>],
    ) -> Products<'a> {
        let cube = &self.cubes[t];
        let money = view.model.money[t] && view.sums;
        let mut products = Products {
            t,
            d,
            choices: Vec::new(),
            ranked: Vec::new(),
        };
        // Each dimension's changes, ranked by the line of cells through k that they move.
        for (i, axis) in cube.axes.iter().enumerate() {
            if let Some(change) = &fixed[i] {
                products.choices.push(vec![change]);
                continue;
            }
            let code = (cell / axis.stride) % axis.len;
            let base = cell - code * axis.stride;
            // The cost of moving each cell of the line up or down (a change's coefficients are
            // ±1), taken once: a dimension has hundreds of candidate changes through the same
            // few cells.
            let mut memo: Vec<[Option<Option<f64>>; 2]> = vec![[None; 2]; axis.len];
            let mut cost_at = |c: usize, u: i64| {
                *memo[c][usize::from(u < 0)].get_or_insert_with(|| {
                    view.cost(self.figure_of[t][base + c * axis.stride], d * u)
                })
            };
            let mut ranked: Vec<(f64, &Change)> = Vec::new();
            for change in axis.candidates(code, money) {
                let line: Option<f64> = change.iter().map(|&(c, u)| cost_at(c, u)).sum();
                ranked.extend(line.map(|line| (line, change)));
            }
            let order = |a: &(f64, &Change), b: &(f64, &Change)| {
                a.0.total_cmp(&b.0)
                    .then(a.1.len().cmp(&b.1.len()))
                    .then(a.1.cmp(b.1))
            };
            if view.free_only {
                ranked.retain(|r| r.0 == 0.0);
            } else if ranked.len() > self.search.keep {
                ranked.select_nth_unstable_by(self.search.keep, order);
                ranked.truncate(self.search.keep);
            }
            if ranked.is_empty() {
                return products;
            }
            ranked.sort_unstable_by(order);
            products
                .choices
                .push(ranked.into_iter().map(|r| r.1).collect());
        }

        // The products in the order of their picks (the last dimension's change varying
        // fastest), so that a stable sort by cost leaves equal costs in that order.
        let count = products
            .choices
            .iter()
            .try_fold(1usize, |n, c| n.checked_mul(c.len()))
            .map_or(self.search.products, |n| n.min(self.search.products));
        let mut buffers = Buffers::default();
        for n in 0..count {
            if products.fill(self, n, &mut buffers) {
                let total: Option<f64> = buffers.z.iter().map(|&(f, dz)| view.cost(f, dz)).sum();
                if let Some(total) = total {
                    products.ranked.push((total, n));
                }
            }
        }
        products.ranked.sort_by(|a, b| a.0.total_cmp(&b.0));
        products
    }
}

/// Scratch space for the cells of one product.
#[derive(Default)]
struct Buffers {
    z: Vec<(usize, i64)>,
    next: Vec<(usize, i64)>,
}

/// The hypercubes of one search: the changes ranked per dimension (`choices`), and the
/// products of one change per dimension as (cost, number), cheapest first. Product number n
/// picks, per dimension, the digit of n in the mixed radix of the choices' lengths.
struct Products<'a> {
    t: usize,
    d: i64,
    choices: Vec<Vec<&'a Change>>,
    ranked: Vec<(f64, usize)>,
}

impl Products<'_> {
    /// Product n's change per dimension.
    fn changes(&self, mut n: usize) -> Vec<&Change> {
        let mut picks: Vec<&Change> = self
            .choices
            .iter()
            .rev()
            .map(|c| {
                let change = c[n % c.len()];
                n /= c.len();
                change
            })
            .collect();
        picks.reverse();
        picks
    }

    /// Fills `buffers.z` with z = d · ⊗ changes of product n, by figure in figure order;
    /// false when two cells of one figure would move differently.
    fn fill(&self, cubes: &Cubes, n: usize, buffers: &mut Buffers) -> bool {
        let Buffers { z, next } = buffers;
        z.clear();
        z.push((0, self.d));
        for (axis, change) in cubes.cubes[self.t].axes.iter().zip(self.changes(n)) {
            next.clear();
            for &(cell, dz) in z.iter() {
                next.extend(
                    change
                        .iter()
                        .map(|&(c, u)| (cell + c * axis.stride, dz * u)),
                );
            }
            std::mem::swap(z, next);
        }
        let figure_of = &cubes.figure_of[self.t];
        for entry in z.iter_mut() {
            entry.0 = figure_of[entry.0];
        }
        z.sort_unstable_by_key(|e| e.0);
        let mut agrees = true;
        z.dedup_by(|later, kept| {
            agrees &= later.0 != kept.0 || later.1 == kept.1;
            later.0 == kept.0
        });
        agrees
    }

    /// Product n's change by figure (a product in `ranked`, so its cells agree).
    fn z(&self, cubes: &Cubes, n: usize, buffers: &mut Buffers) -> BTreeMap<usize, i64> {
        self.fill(cubes, n, buffers);
        buffers.z.iter().copied().collect()
    }
}

/// What the search sees: the persons plus the changes of earlier steps (`moved`), the
/// suppressed figures, and whether only those may move.
struct View<'a> {
    model: &'a Model,
    supp: &'a [bool],
    moved: &'a BTreeMap<usize, i64>,
    free_only: bool,
    /// Published headline figures may move (be newly suppressed).
    headlines: bool,
    /// The certificate sought is the sums' (a table with money): the sums have no bounds,
    /// and only the relations of the figure's own table bind them.
    sums: bool,
}

impl View<'_> {
    fn now(&self, f: usize) -> i64 {
        self.model.persons[f] + self.moved.get(&f).copied().unwrap_or(0)
    }

    /// What moving figure `f` by `z` costs in new suppressions (its cost; nothing when it
    /// is suppressed already or moved by an earlier step), or `None` when it may not move: it
    /// has no persons (zeros are published), its persons would fall below 1 (for counts), or,
    /// with `free_only`, it is published, or it is a published headline figure and the search
    /// avoids those. A published grand total never moves here: the rules and the repair may
    /// still take one as a last resort, when no other pattern protects its table.
    fn cost(&self, f: usize, z: i64) -> Option<f64> {
        let x = self.model.persons[f];
        let published = !self.supp[f] && !self.moved.contains_key(&f);
        if x < 1
            || (!self.sums && self.now(f) + z < 1)
            || (self.free_only && !self.supp[f])
            || (published && !self.headlines && self.model.headline[f])
            || (published && self.model.grand[f])
        {
            return None;
        }
        Some(if self.supp[f] || self.moved.contains_key(&f) {
            0.0
        } else {
            self.model.cost[f] as f64
        })
    }

    /// Whether the values now plus z keep every relation the attacker knows about the figures
    /// z moves: for counts, the sums as equations and the bounded counts under `ALL` as
    /// bounds; for the sums of a table `t` with money, every relation of `t` as an equation.
    fn keeps_relations(&self, t: usize, z: &BTreeMap<usize, i64>) -> bool {
        let model = self.model;
        // Each relation z touches, with Σ z(parts) − z(total) summed from z's own figures (a
        // relation may have hundreds of parts where z moves a few).
        let mut balance: Vec<(usize, i64)> = z
            .iter()
            .flat_map(|(&f, &dz)| model.terms_of[f].iter().map(move |&(r, c)| (r, c * dz)))
            .collect();
        balance.sort_unstable_by_key(|&(r, _)| r);
        balance.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1 += later.1;
            }
            same
        });
        let dz = |f: usize| z.get(&f).copied().unwrap_or(0);
        balance.into_iter().all(|(r, imbalance)| {
            let rel = &model.rels[r];
            let balanced = imbalance == 0;
            if self.sums {
                rel.table != t || balanced
            } else if !rel.persons {
                true
            } else if rel.bounded {
                let y = |f: usize| self.now(f) + dz(f);
                (!rel.lower || rel.parts.iter().all(|&p| y(p) <= y(rel.total)))
                    && y(rel.total) <= rel.parts.iter().map(|&p| y(p)).sum::<i64>()
            } else {
                balanced
            }
        })
    }
}
