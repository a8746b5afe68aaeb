//! Validation's references: the accepted rows of one register (persons, awards) found by
//! identifier from the rows of another. Built once per run and read by every referring
//! register.
//!
//! Registers usually come sorted by person, in the order of the rows they refer to. Then each
//! identifier is compared with the previous one and with the identifier at the next row, and
//! only where neither matches is a map probed: most rows cost one string comparison and no
//! join copies them. Rows in another order are joined instead: random probes of a large map
//! cost several times more than polars' join.
use std::sync::Arc;

use polars::prelude::*;

use crate::error::Result;
use crate::keys::{key_of, shared_key};

const ID: &str = "__id";
const ROW: &str = "__row";
/// Rows read from the start of a referring register to tell whether it follows the order.
const SAMPLE: IdxSize = 20_000;

/// Accepted rows by identifier, with the columns a referring row reads from its row.
pub struct Referenced {
    /// Each identifier's key (`keys::key_of`) to its row. The identifier at that row is then
    /// compared with the one looked up, so an unknown identifier that shares a key with a
    /// known one finds nothing.
    rows: PlHashMap<u64, IdxSize>,
    ids: StringChunked,
    columns: Vec<Series>,
    /// `ID`, `ROW` and the columns, to join rows that do not follow the order.
    table: DataFrame,
}

impl Referenced {
    /// `ids` (distinct; nulls are never referred to) and `columns`, row by row.
    pub fn new(ids: &StringChunked, columns: Vec<Series>) -> Result<Arc<Referenced>> {
        let ids = ids.rechunk().into_owned();
        // In one chunk: polars gathers from a column of many chunks (one per Parquet row
        // group) value by value, finding each row's chunk anew (at ten million persons two
        // hundred chunks, and 1.7 CPU s of validation). These are a few narrow columns.
        let columns: Vec<Series> = columns.iter().map(|c| c.rechunk()).collect();
        let mut rows = PlHashMap::with_capacity(ids.len());
        for (row, id) in ids.iter().enumerate() {
            if let Some(id) = id {
                if rows.insert(key_of(id), row as IdxSize).is_some() {
                    return Err(shared_key(ids.name()));
                }
            }
        }
        let positions = IdxCa::from_vec(ROW.into(), (0..ids.len() as IdxSize).collect());
        let mut table = vec![
            ids.clone().with_name(ID.into()).into_column(),
            positions.into_column(),
        ];
        table.extend(columns.iter().cloned().map(Column::from));
        let table = DataFrame::new(ids.len(), table)?;
        Ok(Arc::new(Referenced {
            rows,
            ids,
            columns,
            table,
        }))
    }

    /// `lf` with the row of its identifier column `id` (as `row`; null where unknown or null)
    /// and that row's columns. `source` is the referring register, whose first rows tell
    /// whether it follows the order (looked up) or not (joined).
    pub fn attach(
        self: &Arc<Self>,
        lf: LazyFrame,
        source: &LazyFrame,
        id: &str,
        row: &str,
    ) -> Result<LazyFrame> {
        let sample = source
            .clone()
            .select([col(id)])
            .slice(0, SAMPLE)
            .collect()?;
        let in_order = self.follows_order(sample.column(id)?.str()?);
        tracing::debug!(column = id, in_order, "references found");
        if in_order {
            Ok(lf
                .with_column(self.row_of(col(id)).alias(row))
                .with_columns(self.columns_at(col(row))))
        } else {
            Ok(self.join(lf, id, row))
        }
    }

    /// Whether at most half of `ids` would probe the map.
    fn follows_order(&self, ids: &StringChunked) -> bool {
        2 * self.rows_and_probes(ids).1 <= ids.len()
    }

    /// The join that `attach` uses where the rows do not follow the order: its hash table is
    /// built on the referenced rows, so the referring rows only pass through.
    fn join(&self, lf: LazyFrame, id: &str, row: &str) -> LazyFrame {
        let mut names = vec![col(ID).alias(id), col(ROW).alias(row)];
        names.extend(self.columns.iter().map(|c| col(c.name().clone())));
        let mut args = JoinArgs::new(JoinType::Left);
        args.build_side = Some(JoinBuildSide::ForceRight);
        let table = self.table.clone().lazy().select(names);
        lf.join(table, [col(id)], [col(id)], args)
    }

    fn row(&self, id: &str) -> Option<IdxSize> {
        let row = *self.rows.get(&key_of(id))?;
        self.is_at(id, row).then_some(row)
    }

    fn is_at(&self, id: &str, row: IdxSize) -> bool {
        let row = row as usize;
        row < self.ids.len() && self.ids.get(row) == Some(id)
    }

    /// The row of each identifier of `ids` (null where unknown or null).
    fn row_of(self: &Arc<Self>, ids: Expr) -> Expr {
        let referenced = Arc::clone(self);
        ids.map(
            move |c: Column| {
                let rows = referenced.rows_of(c.str()?);
                Ok(rows.with_name(c.name().clone()).into_column())
            },
            |_, field| Ok(Field::new(field.name().clone(), IDX_DTYPE)),
        )
    }

    /// The row of each identifier of `ids` (null where unknown or null).
    pub fn rows_of(&self, ids: &StringChunked) -> Series {
        self.rows_and_probes(ids).0.into_series()
    }

    /// The rows of `ids`, and how many of them probed the map: each identifier is first
    /// compared with the previous one and with the one at the row after the previous one's.
    fn rows_and_probes(&self, ids: &StringChunked) -> (IdxCa, usize) {
        const NONE: IdxSize = IdxSize::MAX;
        let mut previous: Option<(&str, IdxSize)> = None;
        let mut probes = 0;
        let mut rows: Vec<IdxSize> = Vec::with_capacity(ids.len());
        for id in ids.iter() {
            let row = match (id, previous) {
                (None, _) => NONE,
                (Some(id), Some((last, row))) if last == id => row,
                (Some(id), Some((_, row))) if self.is_at(id, row + 1) => {
                    previous = Some((id, row + 1));
                    row + 1
                }
                (Some(id), _) => {
                    probes += 1;
                    match self.row(id) {
                        Some(row) => {
                            previous = Some((id, row));
                            row
                        }
                        None => NONE,
                    }
                }
            };
            rows.push(row);
        }
        // Without a validity mask where every identifier was found (most batches).
        let rows = if rows.contains(&NONE) {
            rows.into_iter().map(|r| (r != NONE).then_some(r)).collect()
        } else {
            IdxCa::from_vec("".into(), rows)
        };
        (rows, probes)
    }

    /// The referenced rows' columns, read at each of `rows` (null where `rows` is null).
    fn columns_at(self: &Arc<Self>, rows: Expr) -> Vec<Expr> {
        (0..self.columns.len())
            .map(|i| {
                let referenced = Arc::clone(self);
                let column = &self.columns[i];
                let field = Field::new(column.name().clone(), column.dtype().clone());
                rows.clone()
                    .map(
                        move |c: Column| Ok(referenced.columns[i].take(c.idx()?)?.into_column()),
                        move |_, _| Ok(field.clone()),
                    )
                    .alias(column.name().clone())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn referenced() -> Arc<Referenced> {
        let ids = StringChunked::from_iter([Some("P1"), Some("P22"), None, Some("P3")]);
        let births = Series::new("birth".into(), [Some(1950), Some(1960), None, Some(1970)]);
        Referenced::new(&ids, vec![births]).unwrap()
    }

    /// (row, birth) of each identifier, found by `attach`.
    fn attached(ids: &[Option<&str>]) -> Vec<(Option<IdxSize>, Option<i32>)> {
        let lf = df!("id" => ids).unwrap().lazy();
        let rows = referenced()
            .attach(lf.clone(), &lf, "id", "row")
            .unwrap()
            .collect()
            .unwrap();
        let row = rows.column("row").unwrap().idx().unwrap();
        let birth = rows.column("birth").unwrap().i32().unwrap();
        row.iter().zip(birth.iter()).collect()
    }

    #[test]
    fn identifiers_in_the_order_are_looked_up_and_others_joined_with_the_same_result() {
        // In the order (P1, P22: the next row), repeated, after a null, past the end (P2
        // after P3), unknown, and back to the start.
        let in_order = [
            Some("P1"),
            Some("P22"),
            Some("P22"),
            None,
            Some("P3"),
            Some("P2"),
            Some("P1"),
            Some("P22"),
        ];
        let expected = |id: Option<&str>| match id {
            Some("P1") => (Some(0), Some(1950)),
            Some("P22") => (Some(1), Some(1960)),
            Some("P3") => (Some(3), Some(1970)),
            _ => (None, None),
        };
        let r = referenced();
        let ids = |ids: &[Option<&str>]| StringChunked::from_iter(ids.iter().copied());
        assert!(r.follows_order(&ids(&in_order)));
        assert_eq!(attached(&in_order), in_order.map(expected));
        let shuffled = [
            Some("P3"),
            Some("P1"),
            Some("P2"),
            Some("P3"),
            None,
            Some("P22"),
            Some("P1"),
        ];
        assert!(!r.follows_order(&ids(&shuffled)));
        assert_eq!(attached(&shuffled), shuffled.map(expected));
        let of = r.rows_of(&ids(&[Some("P22"), Some("P"), None]));
        assert_eq!(
            of.idx().unwrap().iter().collect::<Vec<_>>(),
            [Some(1), None, None]
        );
    }
}
