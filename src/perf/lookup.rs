//! Validation's references: the accepted rows of one register (persons, awards) found by
//! identifier from the rows of another. Built once per run and read by every referring
//! register.
//!
//! Registers usually come sorted by person, in the order of the rows they refer to. Then each
//! identifier is compared with the previous one and with the identifiers at the next few rows
//! (a person without awards or payments is skipped), and only where none matches are the keys
//! searched: most rows cost a string comparison or two and no join copies them. Rows in
//! another order are joined instead: random searches of ten million keys cost several times
//! more than polars' join.
use std::sync::Arc;

use polars::prelude::*;

use crate::error::Result;
use crate::perf::distinct::shared_key;
use crate::perf::keys::key_of;

const ID: &str = "__id";
const ROW: &str = "__row";
/// Rows read from the start of a referring register to tell whether it follows the order.
const SAMPLE: IdxSize = 20_000;
/// Rows after the previous identifier's where the next identifier is looked for before the
/// keys are searched. One was too few: a referring register skips the persons it has no rows
/// for, and each skip searched ten million keys at random (a cache miss or several each).
const AHEAD: IdxSize = 8;

/// Accepted rows by identifier, with the columns a referring row reads from its row.
pub struct Referenced {
    /// Each identifier's key (`keys::key_of`) and row, sorted by key. The identifier at that
    /// row is then compared with the one looked up, so an unknown identifier that shares a key
    /// with a known one finds nothing. Sorted rather than a map: the keys are searched rarely
    /// (above), and sorting ten million of them costs half of inserting them into a map,
    /// whose every insert misses the caches.
    keys: Vec<(u64, IdxSize)>,
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
        let mut keys: Vec<(u64, IdxSize)> = ids
            .iter()
            .enumerate()
            .filter_map(|(row, id)| Some((key_of(id?), row as IdxSize)))
            .collect();
        keys.sort_unstable();
        if keys.windows(2).any(|pair| pair[0].0 == pair[1].0) {
            return Err(shared_key(ids.name()));
        }
        let positions = IdxCa::from_vec(ROW.into(), (0..ids.len() as IdxSize).collect());
        let mut table = vec![
            ids.clone().with_name(ID.into()).into_column(),
            positions.into_column(),
        ];
        table.extend(columns.iter().cloned().map(Column::from));
        let table = DataFrame::new(ids.len(), table)?;
        Ok(Arc::new(Referenced {
            keys,
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

    /// Whether at most half of `ids` would search the keys.
    fn follows_order(&self, ids: &StringChunked) -> bool {
        2 * self.rows_and_searches(ids).1 <= ids.len()
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
        let key = key_of(id);
        let at = self.keys.binary_search_by_key(&key, |k| k.0).ok()?;
        let row = self.keys[at].1;
        self.is_at(id, row).then_some(row)
    }

    /// The row of `id` among the `AHEAD` rows after `row`.
    fn ahead(&self, id: &str, row: IdxSize) -> Option<IdxSize> {
        (row + 1..=row + AHEAD).find(|&next| self.is_at(id, next))
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
        self.rows_and_searches(ids).0.into_series()
    }

    /// The rows of `ids`, and how many of them searched the keys: each identifier is first
    /// compared with the previous one and with those at the `AHEAD` rows after the previous
    /// one's.
    fn rows_and_searches(&self, ids: &StringChunked) -> (IdxCa, usize) {
        const NONE: IdxSize = IdxSize::MAX;
        let mut previous: Option<(&str, IdxSize)> = None;
        let mut searches = 0;
        let mut rows: Vec<IdxSize> = Vec::with_capacity(ids.len());
        for id in ids.iter() {
            let row = match (id, previous) {
                (None, _) => NONE,
                (Some(id), Some((last, row))) if last == id => row,
                (Some(id), Some((_, row))) if let Some(next) = self.ahead(id, row) => {
                    previous = Some((id, next));
                    next
                }
                (Some(id), _) => {
                    searches += 1;
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
        (rows, searches)
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
        // Searched: the first P1, the unknown P2, and P1 after it; P3 is found two rows
        // after P22 (past the null identifier's row), without a search.
        assert_eq!(r.rows_and_searches(&ids(&in_order)).1, 3);
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

    #[test]
    fn identifiers_sharing_a_key_are_refused() {
        let ids = StringChunked::from_iter([Some("P1"), Some("P2"), Some("P1")]);
        assert!(Referenced::new(&ids, vec![]).is_err());
    }
}
