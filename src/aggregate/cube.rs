//! Accumulating unit records into a full cube: counts, sums and (where a median is published)
//! the values, then the measures with their statuses.
use polars::prelude::PlHashMap;

use crate::money::div_round_i64;
use crate::table::{Dimension, Measure, Status, Table, Unit};

pub struct Cube {
    pub dimensions: Vec<Dimension>,
    /// Per dimension, code → position.
    positions: Vec<PlHashMap<String, usize>>,
    pub count: Vec<i64>,
    pub sum: Vec<i64>,
    /// Per cell, the amounts (only when medians are published).
    pub values: Option<Vec<Vec<i64>>>,
}

impl Cube {
    pub fn new(dimensions: Vec<Dimension>, with_values: bool) -> Cube {
        let cells = dimensions.iter().map(|d| d.codes.len()).product();
        let positions = dimensions
            .iter()
            .map(|d| {
                d.codes
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.clone(), i))
                    .collect()
            })
            .collect();
        Cube {
            positions,
            dimensions,
            count: vec![0; cells],
            sum: vec![0; cells],
            values: with_values.then(|| vec![Vec::new(); cells]),
        }
    }

    /// The position of `code` in dimension `d`; every code a record names must exist.
    pub fn position(&self, d: usize, code: &str) -> usize {
        *self.positions[d]
            .get(code)
            .unwrap_or_else(|| panic!("code {code} not in dimension {}", self.dimensions[d].id))
    }

    /// Adds one record to every cell it counts under: `codes[d]` lists the codes of
    /// dimension `d` the record belongs to (its own code and the totals above it; at most
    /// 16 cells in all).
    pub fn add<S: AsRef<str>>(&mut self, codes: &[&[S]], amount: i64) {
        let positions: Vec<Vec<usize>> = codes
            .iter()
            .enumerate()
            .map(|(d, cs)| cs.iter().map(|c| self.position(d, c.as_ref())).collect())
            .collect();
        let positions: Vec<&[usize]> = positions.iter().map(Vec::as_slice).collect();
        self.add_at(&positions, amount);
    }

    /// As `add`, with the codes given by their positions (`position`).
    fn add_at(&mut self, positions: &[&[usize]], amount: i64) {
        let (cells, n) = self.cells(positions);
        for &cell in &cells[..n] {
            self.record(cell, amount);
        }
    }

    /// Adds one record at a single cell, the record's own code in each dimension (by
    /// position); `roll_up` then counts it under the totals above those codes too. For
    /// callers that add millions of records: one cell each instead of up to sixteen.
    pub fn add_own(&mut self, positions: &[usize], amount: i64) {
        let cell = positions
            .iter()
            .zip(&self.dimensions)
            .fold(0, |cell, (p, d)| cell * d.codes.len() + p);
        self.record(cell, amount);
    }

    fn record(&mut self, cell: usize, amount: i64) {
        self.count[cell] += 1;
        self.sum[cell] += amount;
        if let Some(values) = &mut self.values {
            values[cell].push(amount);
        }
    }

    /// Counts the records of every cell under the cells above it: `above[d][p]` lists the
    /// positions a record at position `p` of dimension `d` counts under, `p` itself included
    /// (as the codes `add` is given). Run once, after all `add_own`, on cells holding records
    /// at their own codes only.
    pub fn roll_up(&mut self, above: &[Vec<Vec<usize>>]) {
        let cells = self.count.len();
        let mut count = vec![0; cells];
        let mut sum = vec![0; cells];
        let mut values = self.values.as_ref().map(|_| vec![Vec::new(); cells]);
        for cell in (0..cells).filter(|&c| self.count[c] > 0) {
            let mut rest = cell;
            let mut lists: Vec<&[usize]> = vec![&[]; self.dimensions.len()];
            for (d, dimension) in self.dimensions.iter().enumerate().rev() {
                let size = dimension.codes.len();
                lists[d] = &above[d][rest % size];
                rest /= size;
            }
            let (targets, n) = self.cells(&lists);
            for &target in &targets[..n] {
                count[target] += self.count[cell];
                sum[target] += self.sum[cell];
                if let (Some(to), Some(from)) = (&mut values, &self.values) {
                    to[target].extend_from_slice(&from[cell]);
                }
            }
        }
        self.count = count;
        self.sum = sum;
        self.values = values;
    }

    /// Per dimension, the positions of the own code and every total above it: for a
    /// dimension with the total `SSS`, each code counts under itself and `SSS`; otherwise
    /// under itself only.
    pub fn own_and_total(&self) -> Vec<Vec<Vec<usize>>> {
        self.dimensions
            .iter()
            .map(|d| {
                let total = d.codes.iter().position(|c| c == "SSS");
                (0..d.codes.len())
                    .map(|p| match total {
                        Some(t) if t != p => vec![p, t],
                        _ => vec![p],
                    })
                    .collect()
            })
            .collect()
    }

    /// The cells of the product of `positions` (at most 16).
    fn cells(&self, positions: &[&[usize]]) -> ([usize; 16], usize) {
        let mut cells = [0usize; 16];
        let mut n = 1;
        for (d, ps) in positions.iter().enumerate() {
            let size = self.dimensions[d].codes.len();
            let mut next = [0usize; 16];
            let mut m = 0;
            for base in &cells[..n] {
                for &p in ps.iter() {
                    next[m] = base * size + p;
                    m += 1;
                }
            }
            cells = next;
            n = m;
        }
        (cells, n)
    }

    /// Adds another cube over the same dimensions (the records of both, in any order).
    pub fn merge(&mut self, other: Cube) {
        assert_eq!(self.dimensions, other.dimensions);
        for (mine, theirs) in self.count.iter_mut().zip(other.count) {
            *mine += theirs;
        }
        for (mine, theirs) in self.sum.iter_mut().zip(other.sum) {
            *mine += theirs;
        }
        if let (Some(mine), Some(theirs)) = (&mut self.values, other.values) {
            for (m, t) in mine.iter_mut().zip(theirs) {
                m.extend(t);
            }
        }
    }

    /// A table of `recipients` (count) with, as asked, `mean_amount` and `median_amount`.
    pub fn into_table(mut self, id: &'static str, count: &'static str, mean: bool) -> Table {
        let mut measures = vec![Measure::new(count, Unit::Persons)];
        if mean {
            measures.push(Measure::new("mean_amount", Unit::EuroPerMonth));
        }
        if self.values.is_some() {
            measures.push(Measure::new("median_amount", Unit::EuroPerMonth));
        }
        let mut table = Table::new(id, self.dimensions, measures);
        for cell in 0..table.cells() {
            let n = self.count[cell];
            table.persons[cell] = n;
            table.values[0][cell] = Some(n);
            let mut derived = vec![];
            if mean {
                derived.push((n > 0).then(|| div_round_i64(self.sum[cell], n)));
            }
            if let Some(values) = &mut self.values {
                derived.push(median(&mut values[cell]));
            }
            for (k, value) in derived.into_iter().enumerate() {
                table.values[k + 1][cell] = value;
                if value.is_none() {
                    table.status[k + 1][cell] = Status::NotApplicable;
                }
            }
        }
        table
    }
}

/// The middle value; for an even count the mean of the two middle values, rounded half away
/// from zero to the cent (integer cents throughout). Reorders `values`.
pub fn median(values: &mut [i64]) -> Option<i64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let (below, &mut upper, _) = values.select_nth_unstable(n / 2);
    Some(if n % 2 == 1 {
        upper
    } else {
        let lower = *below
            .iter()
            .max()
            .expect("an even count has a value below the middle");
        div_round_i64(lower + upper, 2)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_in_integer_cents() {
        assert_eq!(median(&mut [101, 200]), Some(151));
        assert_eq!(median(&mut [300, 100, 200]), Some(200));
        assert_eq!(median(&mut [7, 1, 5, 3, 9, 2]), Some(4), "(3 + 5) / 2");
        assert_eq!(
            median(&mut [-3, -2]),
            Some(-3),
            "-2.5 rounds away from zero"
        );
        assert_eq!(median(&mut []), None);
    }

    #[test]
    fn records_count_under_their_codes_and_totals() {
        let dims = vec![
            Dimension {
                id: "sex",
                codes: vec!["SSS".into(), "1".into(), "2".into()],
            },
            Dimension {
                id: "age_group",
                codes: vec!["SSS".into(), "0-15".into()],
            },
        ];
        let mut cube = Cube::new(dims, true);
        cube.add(&[&["1", "SSS"], &["0-15", "SSS"]], 1000);
        cube.add(&[&["2", "SSS"], &["0-15", "SSS"]], 2001);
        let t = cube.into_table("t", "recipients", true);
        assert_eq!(
            t.values[0],
            vec![Some(2), Some(2), Some(1), Some(1), Some(1), Some(1)]
        );
        assert_eq!(t.values[1][0], Some(1501), "3001 / 2 = 1500.5 -> 1501");
        assert_eq!(t.values[2][0], Some(1501));
        assert_eq!(t.status[0][0], Status::Value);
    }

    proptest::proptest! {
        /// Records added at their own codes and rolled up fill the same cells (counts, sums,
        /// medians) as records added under their codes and totals directly.
        #[test]
        fn rolled_up_records_fill_the_cells_of_records_added_with_their_totals(
            records in proptest::collection::vec((1usize..3, 1usize..4, -500i64..5000), 0..60)
        ) {
            let dims = vec![
                Dimension { id: "sex", codes: vec!["SSS".into(), "1".into(), "2".into()] },
                Dimension {
                    id: "age_group",
                    codes: vec!["0-15".into(), "SSS".into(), "16-19".into(), "20-24".into()],
                },
            ];
            let mut direct = Cube::new(dims.clone(), true);
            let mut rolled = Cube::new(dims, true);
            for (sex, age, amount) in records {
                let age = [0, 2, 3][age - 1];
                direct.add_at(&[&[sex, 0], &[age, 1]], amount);
                rolled.add_own(&[sex, age], amount);
            }
            let above = rolled.own_and_total();
            rolled.roll_up(&above);
            proptest::prop_assert_eq!(
                rolled.into_table("t", "recipients", true),
                direct.into_table("t", "recipients", true)
            );
        }
    }

    #[test]
    fn two_halves_merged_make_the_cube_of_all_records() {
        let dims = vec![Dimension {
            id: "sex",
            codes: vec!["SSS".into(), "1".into(), "2".into()],
        }];
        let records = [("1", 500), ("2", 101), ("1", 200), ("2", 999), ("1", 7)];
        let mut whole = Cube::new(dims.clone(), true);
        let (mut first, mut second) = (Cube::new(dims.clone(), true), Cube::new(dims, true));
        for (i, (sex, amount)) in records.iter().enumerate() {
            whole.add(&[&[*sex, "SSS"]], *amount);
            let half = if i < 2 { &mut first } else { &mut second };
            half.add(&[&[*sex, "SSS"]], *amount);
        }
        first.merge(second);
        assert_eq!(
            first.into_table("t", "recipients", true),
            whole.into_table("t", "recipients", true)
        );
    }
}
