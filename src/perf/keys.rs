//! Person and award keys: each identifier hashed to 64 bits with one random seed per process,
//! so that every frame of a run computes the same key for the same identifier. The
//! publication's joins and group-bys over millions of rows compare these numbers instead of
//! the strings. On accepted rows a key stands for its identifier exactly: validation proves
//! the keys of the accepted persons and awards distinct (`lookup::Referenced::new`, `distinct::check_distinct`), and every accepted
//! row of another register names an accepted person and award (an unknown one is rejected by
//! its string).
use std::hash::BuildHasher;
use std::sync::OnceLock;

use polars::prelude::*;

pub const PERSON_KEY: &str = "__person_key";
pub const AWARD_KEY: &str = "__award_key";

fn seeded() -> &'static PlRandomState {
    static STATE: OnceLock<PlRandomState> = OnceLock::new();
    STATE.get_or_init(PlRandomState::default)
}

pub fn key_of(id: &str) -> u64 {
    seeded().hash_one(id)
}

/// The key of each person identifier of `ids`, named `PERSON_KEY` (null stays null).
pub fn person_key(ids: Expr) -> Expr {
    id_hash(ids).alias(PERSON_KEY)
}

/// The key of each award identifier of `ids`, named `AWARD_KEY` (null stays null).
pub fn award_key(ids: Expr) -> Expr {
    id_hash(ids).alias(AWARD_KEY)
}

/// The 64-bit hash of each identifier of `ids` (null stays null).
pub fn id_hash(ids: Expr) -> Expr {
    ids.map(
        |c: Column| {
            let keys: UInt64Chunked = c
                .str()?
                .apply_nonnull_values_generic(DataType::UInt64, key_of);
            Ok(keys.into_column())
        },
        |_, field| Ok(Field::new(field.name().clone(), DataType::UInt64)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_identifiers_get_equal_keys_in_every_frame_and_nulls_stay_null() {
        let a = df!("id" => [Some("P1"), None, Some("P2")]).unwrap();
        let b = df!("id" => ["P2", "P1"]).unwrap();
        let keys = |df: DataFrame| {
            df.lazy()
                .select([person_key(col("id"))])
                .collect()
                .unwrap()
                .column(PERSON_KEY)
                .unwrap()
                .u64()
                .unwrap()
                .iter()
                .collect::<Vec<_>>()
        };
        let (a, b) = (keys(a), keys(b));
        assert_eq!(a[1], None);
        assert_eq!((a[0], a[2]), (b[1], b[0]));
        assert_ne!(a[0], a[2]);
        assert_eq!(a[0], Some(key_of("P1")));
    }
}
