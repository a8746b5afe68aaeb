//! Accumulating unit records into a full cube: counts, sums and (where a median is published)
//! the values, then the measures with their statuses.
use polars::prelude::PlHashMap;

use crate::classify::arith::div_round_i64;
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

    /// As `add`, with the codes given by their positions (`position`), for callers that add
    /// millions of records and look each code up once.
    pub fn add_at(&mut self, positions: &[&[usize]], amount: i64) {
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
        for &cell in &cells[..n] {
            self.count[cell] += 1;
            self.sum[cell] += amount;
            if let Some(values) = &mut self.values {
                values[cell].push(amount);
            }
        }
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
    pub fn into_table(self, id: &'static str, count: &'static str, mean: bool) -> Table {
        let mut measures = vec![Measure {
            id: count,
            unit: Unit::Persons,
        }];
        if mean {
            measures.push(Measure {
                id: "mean_amount",
                unit: Unit::EuroPerMonth,
            });
        }
        if self.values.is_some() {
            measures.push(Measure {
                id: "median_amount",
                unit: Unit::EuroPerMonth,
            });
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
            if let Some(values) = &self.values {
                derived.push(median(&values[cell]));
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
/// from zero to the cent (integer cents throughout).
pub fn median(values: &[i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_unstable();
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        div_round_i64(v[n / 2 - 1] + v[n / 2], 2)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_in_integer_cents() {
        assert_eq!(median(&[101, 200]), Some(151));
        assert_eq!(median(&[300, 100, 200]), Some(200));
        assert_eq!(median(&[]), None);
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
