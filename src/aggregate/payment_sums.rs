//! Expenditure's streamed pass: the period's payments added up per award (or, for a payment
//! naming none, per person and benefit), type and, where it decides the code, month.
//!
//! Grouping by those five columns makes polars encode every row's key as bytes, and even one
//! number per row costs a hash-table probe per row. Instead, each row's key is two exact
//! 64-bit parts (the award or person key; a tag packing the rest), added up by runs of
//! consecutive rows (`runs`). Registers come sorted by person, so a run is usually an award's
//! payments of the year.
use polars::prelude::*;

use crate::calendar::date_lit;
use crate::error::Result;
use crate::perf::keys::{key_of, AWARD_KEY, PERSON_KEY};
use crate::perf::positions::code_positions;
use crate::perf::runs::{run_sums, Runs, ID, TAG};
use crate::period::Period;
use crate::registers::{benefit_codes, PAYMENT_TYPES};

/// Named or not, the benefit (unnamed only), the type and the month (where it matters), in
/// `TAG`; the award's key, or for a payment naming no award its person's key, in `ID`.
const NAMED: u64 = 1 << 63;
const HAS_MONTH: u64 = 1 << 62;

/// `AWARD_KEY` (null without an award), `PERSON_KEY` and `benefit` (null with one),
/// `payment_type`, `period_month` (null where it does not decide the code), `amount`.
pub fn payment_sums(payments: &LazyFrame, period: Period) -> Result<DataFrame> {
    let keyed = payments
        .clone()
        .filter(
            col("payment_date")
                .gt_eq(date_lit(period.first_day()))
                .and(col("payment_date").lt_eq(date_lit(period.last_day()))),
        )
        .select([id(), tag(), col("amount")]);
    unpack(run_sums(keyed)?)
}

fn id() -> Expr {
    map_multiple(
        |c: &mut [Column]| {
            let (award, person) = (c[0].str()?, c[1].str()?);
            let ids: UInt64Chunked = award
                .iter()
                .zip(person.iter())
                .map(|(a, p)| a.or(p).map(key_of))
                .collect();
            Ok(ids.into_column())
        },
        [col("award_id"), col("person_id")],
        |_, _| Ok(Field::new(ID.into(), DataType::UInt64)),
    )
    .alias(ID)
}

fn tag() -> Expr {
    map_multiple(
        |c: &mut [Column]| {
            let codes = benefit_codes();
            let spouse = codes.iter().position(|c| *c == "spouse_pension");
            // A code's position + 1 in its list (0: none).
            let number = |position: Option<usize>| position.map_or(0, |p| p as u64 + 1);
            let (award, benefit, payment_type) = (c[0].str()?, c[1].str()?, c[2].str()?);
            let month = c[3].date()?.physical();
            let benefits = code_positions(&codes, benefit.iter());
            let types = code_positions(PAYMENT_TYPES, payment_type.iter());
            let tags: Vec<u64> = award
                .iter()
                .zip(benefits)
                .zip(types.zip(month.iter()))
                .map(|((a, b), (t, m))| {
                    let named = a.is_some();
                    let mut tag = number(t) << 32;
                    if named {
                        tag |= NAMED;
                    } else {
                        tag |= number(b) << 40;
                    }
                    // The month decides a spouse's pension's phase, and for a payment naming
                    // no award the award in force.
                    if let (Some(m), true) = (m, !named || b == spouse) {
                        tag |= HAS_MONTH | u64::from(m as u32);
                    }
                    tag
                })
                .collect();
            Ok(UInt64Chunked::from_vec(TAG.into(), tags).into_column())
        },
        [
            col("award_id"),
            col("benefit"),
            col("payment_type"),
            col("period_month"),
        ],
        |_, _| Ok(Field::new(TAG.into(), DataType::UInt64)),
    )
    .alias(TAG)
}

fn unpack(sums: Runs) -> Result<DataFrame> {
    let codes = benefit_codes();
    let n = sums.len();
    let (mut award, mut person, mut benefit) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut payment_type, mut month, mut amount) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let at = |list: &[&'static str], number: u64| {
        usize::try_from(number)
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|n| list.get(n).copied())
    };
    for ((id, tag), sum) in sums {
        let named = tag & NAMED != 0;
        award.push(id.filter(|_| named));
        person.push(id.filter(|_| !named));
        benefit.push(if named {
            None
        } else {
            at(&codes, (tag >> 40) & 0xFF)
        });
        payment_type.push(at(PAYMENT_TYPES, (tag >> 32) & 0xFF));
        month.push((tag & HAS_MONTH != 0).then_some(tag as u32 as i32));
        amount.push(sum);
    }
    Ok(DataFrame::new(
        n,
        vec![
            Column::new(AWARD_KEY.into(), award),
            Column::new(PERSON_KEY.into(), person),
            Column::new("benefit".into(), benefit),
            Column::new("payment_type".into(), payment_type),
            Int32Chunked::from_iter_options("period_month".into(), month.into_iter())
                .into_date()
                .into_column(),
            Column::new("amount".into(), amount),
        ],
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::ymd;

    /// Payments of 2024: named and unnamed, a spouse's pension (month kept), an identifier
    /// used both as an award and as a person, a month before 1970, and one payment of 2025.
    fn payments() -> LazyFrame {
        let d = |y, m, day| ymd(y, m, day);
        df!(
            "award_id" => [Some("A1"), Some("A1"), Some("A1"), Some("S1"), Some("S1"), None, None, None, Some("X1"), None, Some("A1")],
            "person_id" => ["P1", "P1", "P1", "P2", "P2", "P3", "P3", "X1", "P4", "P5", "P1"],
            "benefit" => ["national_pension", "national_pension", "national_pension", "spouse_pension", "spouse_pension", "guarantee_pension", "guarantee_pension", "guarantee_pension", "child_increase", "orphan_pension", "national_pension"],
            "payment_type" => ["regular", "regular", "retroactive", "regular", "regular", "regular", "regular", "regular", "regular", "recovery", "regular"],
            "period_month" => [d(2024, 1, 1), d(2024, 2, 1), d(2024, 2, 1), d(2024, 3, 1), d(2024, 4, 1), d(2024, 5, 1), d(2024, 5, 1), d(2024, 6, 1), d(2024, 6, 1), d(1969, 12, 1), d(2024, 12, 1)],
            "payment_date" => [d(2024, 1, 20), d(2024, 2, 20), d(2024, 3, 5), d(2024, 3, 20), d(2024, 4, 20), d(2024, 5, 20), d(2024, 5, 21), d(2024, 6, 20), d(2024, 6, 20), d(2024, 7, 1), d(2025, 1, 2)],
            "amount" => [100i64, 200, 50, 300, 400, 10, 20, 30, 40, -5, 1000],
        )
        .unwrap()
        .lazy()
    }

    fn rows(df: DataFrame) -> Vec<String> {
        let df = df
            .sort(
                [AWARD_KEY, PERSON_KEY, "payment_type", "period_month"],
                SortMultipleOptions::default(),
            )
            .unwrap();
        (0..df.height())
            .map(|i| format!("{:?}", df.get_row(i).unwrap().0))
            .collect()
    }

    #[test]
    fn payments_are_summed_per_award_or_person_and_benefit_type_and_deciding_month() {
        let year: Period = "2024".parse().unwrap();
        let sums = payment_sums(&payments(), year).unwrap();
        let expected = df!(
            AWARD_KEY => [Some(key_of("A1")), Some(key_of("A1")), Some(key_of("S1")), Some(key_of("S1")), Some(key_of("X1")), None, None, None],
            PERSON_KEY => [None, None, None, None, None, Some(key_of("P3")), Some(key_of("X1")), Some(key_of("P5"))],
            "benefit" => [None, None, None, None, None, Some("guarantee_pension"), Some("guarantee_pension"), Some("orphan_pension")],
            "payment_type" => ["regular", "retroactive", "regular", "regular", "regular", "regular", "regular", "recovery"],
            "period_month" => [None, None, Some(ymd(2024, 3, 1)), Some(ymd(2024, 4, 1)), None, Some(ymd(2024, 5, 1)), Some(ymd(2024, 6, 1)), Some(ymd(1969, 12, 1))],
            "amount" => [300i64, 50, 300, 400, 40, 30, 30, -5],
        )
        .unwrap();
        assert_eq!(rows(sums), rows(expected));
    }

    #[test]
    fn a_keys_rows_apart_or_in_another_order_are_summed_together() {
        let year: Period = "2024".parse().unwrap();
        // A1's regular payments (rows 0 and 1) and S1's (3, 4) are no longer next to each other.
        let order = IdxCa::from_vec("".into(), vec![10, 4, 0, 5, 1, 6, 3, 2, 7, 9, 8]);
        let shuffled = payments().collect().unwrap().take(&order).unwrap().lazy();
        assert_eq!(
            rows(payment_sums(&shuffled, year).unwrap()),
            rows(payment_sums(&payments(), year).unwrap())
        );
    }
}
