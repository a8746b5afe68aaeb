//! The statistical table model shared by aggregation, disclosure control and the writers:
//! a full cube over coded dimensions, one value and one status per measure and cell.
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Unit {
    /// A number of persons.
    Persons,
    /// EUR a month (amounts of recipients: means, medians).
    EuroPerMonth,
    /// EUR in the period (expenditure).
    Euro,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Measure {
    pub id: &'static str,
    pub unit: Unit,
}

impl Measure {
    pub const fn new(id: &'static str, unit: Unit) -> Measure {
        Measure { id, unit }
    }

    pub fn is_money(&self) -> bool {
        self.unit != Unit::Persons
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dimension {
    /// `period`, `benefit`, `sex`, `age_group`, `area`, `country`, …
    pub id: &'static str,
    pub codes: Vec<String>,
}

/// A cell's status per measure: `..` confidential, `.` not applicable, else a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Status {
    Value,
    Confidential,
    NotApplicable,
}

impl Status {
    pub fn symbol(self) -> &'static str {
        match self {
            Status::Value => "",
            Status::Confidential => "..",
            Status::NotApplicable => ".",
        }
    }

    /// The status a published symbol stands for (the inverse of `symbol`).
    pub fn from_symbol(symbol: &str) -> Option<Status> {
        [Status::Value, Status::Confidential, Status::NotApplicable]
            .into_iter()
            .find(|s| s.symbol() == symbol)
    }
}

/// One table: cells in row-major order over `dimensions` (the last dimension varies fastest),
/// which is the order of the codes as listed. Counts are persons; money is integer cents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Table {
    pub id: &'static str,
    pub dimensions: Vec<Dimension>,
    pub measures: Vec<Measure>,
    /// `values[measure][cell]`; `None` when the status is not `Value`.
    pub values: Vec<Vec<Option<i64>>>,
    pub status: Vec<Vec<Status>>,
    /// The number of persons behind each cell, for disclosure control.
    pub persons: Vec<i64>,
}

impl Table {
    /// An empty cube (all values 0, status `Value`) over `dimensions`.
    pub fn new(id: &'static str, dimensions: Vec<Dimension>, measures: Vec<Measure>) -> Table {
        let cells = dimensions.iter().map(|d| d.codes.len()).product();
        let m = measures.len();
        Table {
            id,
            dimensions,
            measures,
            values: vec![vec![Some(0); cells]; m],
            status: vec![vec![Status::Value; cells]; m],
            persons: vec![0; cells],
        }
    }

    pub fn cells(&self) -> usize {
        self.persons.len()
    }

    /// The cell index of one code per dimension (in dimension order).
    pub fn index(&self, codes: &[&str]) -> Option<usize> {
        let mut index = 0;
        for (d, code) in self.dimensions.iter().zip(codes) {
            let position = d.codes.iter().position(|c| c == code)?;
            index = index * d.codes.len() + position;
        }
        Some(index)
    }

    /// The codes of a cell, one per dimension.
    pub fn codes(&self, mut cell: usize) -> Vec<&str> {
        let mut out = vec![""; self.dimensions.len()];
        for (d, dim) in self.dimensions.iter().enumerate().rev() {
            let n = dim.codes.len();
            out[d] = dim.codes[cell % n].as_str();
            cell /= n;
        }
        out
    }

    pub fn measure(&self, id: &str) -> Option<usize> {
        self.measures.iter().position(|m| m.id == id)
    }

    /// Marks every measure of the cell confidential (its value is withheld).
    pub fn suppress(&mut self, cell: usize) {
        for m in 0..self.measures.len() {
            self.status[m][cell] = Status::Confidential;
            self.values[m][cell] = None;
        }
    }

    pub fn is_suppressed(&self, cell: usize) -> bool {
        self.status.iter().any(|s| s[cell] == Status::Confidential)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_row_major_with_the_last_dimension_fastest() {
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
        let t = Table::new("t", dims, vec![Measure::new("recipients", Unit::Persons)]);
        assert_eq!(t.cells(), 6);
        assert_eq!(t.index(&["1", "0-15"]), Some(3));
        assert_eq!(t.codes(3), vec!["1", "0-15"]);
        assert_eq!(t.index(&["3", "SSS"]), None);
        let h = Hierarchy {
            dimension: "sex",
            total: "SSS".into(),
            parts: vec!["1".into(), "2".into()],
            additivity: Additivity::Sum,
        };
        let r = relations(&t, &[h]);
        assert_eq!(
            r,
            vec![
                Relation::Sum {
                    total: 0,
                    parts: vec![2, 4]
                },
                Relation::Sum {
                    total: 1,
                    parts: vec![3, 5]
                }
            ]
        );
    }
}

/// What an attacker knows about a table's cells besides the published values
/// (publication.md, "Additivity"). Cells are indices into one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Relation {
    /// `total = Σ parts` for every measure that adds up (counts, sums).
    Sum { total: usize, parts: Vec<usize> },
    /// Person counts over benefits: `max(parts) <= total <= Σ parts`.
    Bounded { total: usize, parts: Vec<usize> },
    /// New recipients over benefits: `total <= Σ parts`. A person new under the total is new
    /// under one of its parts, but a change of kind is new under the part alone.
    AtMost { total: usize, parts: Vec<usize> },
}

/// How a hierarchy's total relates to its parts (see [`Relation`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Additivity {
    Sum,
    Bounded,
    AtMost,
}

/// A figure published in two tables: both cells carry the same value and status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    pub table_a: usize,
    pub cell_a: usize,
    pub table_b: usize,
    pub cell_b: usize,
}

/// A hierarchy of one dimension: `total` is the sum of `parts` (or bounded by them, as
/// `additivity` says), in every combination of the other dimensions' codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hierarchy {
    pub dimension: &'static str,
    pub total: String,
    pub parts: Vec<String>,
    pub additivity: Additivity,
}

/// The relations a set of hierarchies induces on a table.
pub fn relations(table: &Table, hierarchies: &[Hierarchy]) -> Vec<Relation> {
    let mut out = Vec::new();
    for h in hierarchies {
        let Some(d) = table.dimensions.iter().position(|x| x.id == h.dimension) else {
            continue;
        };
        let dim = &table.dimensions[d];
        let position = |code: &str| dim.codes.iter().position(|c| c == code);
        let Some(total) = position(&h.total) else {
            continue;
        };
        let parts: Vec<usize> = h.parts.iter().filter_map(|p| position(p)).collect();
        if parts.is_empty() {
            continue;
        }
        let stride: usize = table.dimensions[d + 1..]
            .iter()
            .map(|x| x.codes.len())
            .product();
        let n = dim.codes.len();
        for cell in 0..table.cells() {
            if (cell / stride) % n != total {
                continue;
            }
            let base = cell - total * stride;
            let parts = parts.iter().map(|p| base + p * stride).collect();
            out.push(match h.additivity {
                Additivity::Sum => Relation::Sum { total: cell, parts },
                Additivity::Bounded => Relation::Bounded { total: cell, parts },
                Additivity::AtMost => Relation::AtMost { total: cell, parts },
            });
        }
    }
    out
}
