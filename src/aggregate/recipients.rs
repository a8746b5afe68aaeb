//! Recipients of the reference month, one row per person and benefit, by the concepts of
//! publication.md: from regular payments for the month, else from computed amounts.
use polars::prelude::*;

use crate::calendar::{age_at, civil_from_days, date_lit, days_from_civil, month_number};
use crate::classify::Classified;
use crate::codes::{
    age_group, age_groups, award_kinds, BASE_BENEFITS, NP_COMPOSITIONS, SEXES, SP_COMPOSITIONS,
};
use crate::error::Result;
use crate::perf::chunks::{by_key_chunks, CHUNK_KEYS};
use crate::perf::keys::{award_key, key_of, person_key, AWARD_KEY, PERSON_KEY};
use crate::perf::positions::{benefit_number, number_of_benefit, position_in, BENEFIT_NUMBER};
use crate::period::Period;
use chrono::{Datelike, NaiveDate};

/// The base benefit code of an award in a month: the kind, or the spouse's-pension phase in
/// that month (`month_first_day`, an expression of the first day of the month, or a literal;
/// initial in the `initial_months` months after the death, `Law::sp_initial_months`), from the
/// columns `benefit`, `kind` and `deceased_death_date`. One kernel per row, where a
/// chain of `when` would compare every row with every code.
pub fn base_code(month_first_day: Expr, initial_months: i64) -> Expr {
    map_multiple(
        move |c: &mut [Column]| {
            let (benefit, kind) = (c[0].str()?, c[1].str()?);
            let (month, death) = (c[2].date()?.physical(), c[3].date()?.physical());
            let month_of = |days: Option<i32>| {
                days.map(|d| {
                    let (year, month, _) = civil_from_days(d);
                    month_number(year, month)
                })
            };
            let month_at = |row: usize| month.get(if month.len() == 1 { 0 } else { row });
            let codes: StringChunked = benefit
                .iter()
                .zip(kind.iter())
                .zip(death.iter())
                .enumerate()
                .map(|(row, ((benefit, kind), death))| {
                    Some(code_of(benefit, kind, initial_months, || {
                        Some(month_of(month_at(row))? - month_of(death)?)
                    }))
                })
                .collect();
            Ok(codes.into_column())
        },
        [
            col("benefit"),
            col("kind"),
            month_first_day,
            col("deceased_death_date"),
        ],
        |_, _| Ok(Field::new("base".into(), DataType::String)),
    )
}

/// The base code of a benefit and kind; a spouse's pension's phase by the months since the
/// death (unknown: the continuation).
fn code_of(
    benefit: Option<&str>,
    kind: Option<&str>,
    initial_months: i64,
    months_since_death: impl Fn() -> Option<i64>,
) -> &'static str {
    match (benefit, kind) {
        (Some("national_pension"), Some("old_age")) => "NP_OLD",
        (Some("national_pension"), Some("early_old_age")) => "NP_EARLY",
        (Some("national_pension"), Some("disability")) => "NP_DIS",
        (Some("national_pension"), _) => "NP_REHAB",
        (Some("guarantee_pension"), _) => "GP",
        (Some("spouse_pension"), _) => match months_since_death() {
            Some(months) if months <= initial_months => "SP_INIT",
            _ => "SP_CONT",
        },
        (Some("orphan_pension"), _) => "OP",
        (Some("child_increase"), _) => "CI",
        (Some("front_veteran_supplement"), Some("abroad")) => "FVS_ABROAD",
        (Some("front_veteran_supplement"), _) => "FVS",
        _ => "AFVS",
    }
}

/// An award is in force on `day` when it started by then and has not ended before it.
pub fn in_force_on(day: Expr) -> Expr {
    col("start_date")
        .lt_eq(day.clone())
        .and(col("end_date").is_null().or(col("end_date").gt_eq(day)))
}

/// Person attributes at the end of the period: sex and age group as positions (`UInt8`) in
/// `SEXES` and `age_groups()`, municipality and country as registered.
pub fn person_attributes(persons: &LazyFrame, period: Period) -> LazyFrame {
    let age = age_at(col("birth_date"), date_lit(period.last_day()));
    persons.clone().select([
        col("person_id"),
        person_key(col("person_id")),
        position_in(col("sex").cast(DataType::String), &SEXES).alias("sex"),
        position_in(age_group(age), &age_groups()).alias("age_group"),
        col("municipality"),
        col("country"),
    ])
}

/// An award that may count: (in force on the day, start day, award id, row).
type Candidate<'a> = (bool, i32, &'a str, IdxSize);

/// In force beats not in force, then the later start, then the higher award id.
fn better(candidate: &Candidate, kept: &Candidate) -> bool {
    (candidate.0, candidate.1, candidate.2) > (kept.0, kept.1, kept.2)
}

/// The award a person counts under for a benefit (publication.md): of those started by
/// `day`, the one in force on `day`, else the one that started last; ties by the highest
/// award id. One pass over the awards instead of a sort of them all.
fn counted_awards(awards: &DataFrame, day: NaiveDate) -> Result<DataFrame> {
    let day = days_from_civil(day.year(), day.month(), day.day());
    let person = awards.column("person_id")?.str()?;
    let benefit = awards.column("benefit")?.str()?;
    let id = awards.column("award_id")?.str()?;
    let start = awards.column("start_date")?.date()?.physical();
    let end = awards.column("end_date")?.date()?.physical();
    let candidates = || {
        let rows = person.iter().zip(benefit.iter()).zip(id.iter());
        let dates = start.iter().zip(end.iter());
        rows.zip(dates)
            .enumerate()
            .filter_map(|(row, (((p, b), a), (s, e)))| {
                let (p, b, a, s) = (p?, b?, a?, s?);
                (s <= day).then(|| (p, b, (e.is_none_or(|e| e >= day), s, a, row as IdxSize)))
            })
    };
    let mut rows = match counted_in_person_order(candidates()) {
        Ok(rows) => rows,
        // In order up to a tail (ten million identifiers `P0000001` … `P9999999` are followed
        // by `P10000000`): the persons of the tail are counted by the map, the rest in order.
        Err(at) if at > awards.height() / 2 => {
            let tail: PlHashSet<&str> = candidates().skip(at).map(|c| c.0).collect();
            let mut rows = counted_in_person_order(candidates().filter(|c| !tail.contains(c.0)))
                .expect("in order without the tail");
            let tail_candidates = candidates().filter(|c| tail.contains(c.0));
            rows.extend(counted_by_map(tail_candidates, tail.len()));
            rows
        }
        Err(_) => counted_by_map(candidates(), awards.height()),
    };
    rows.sort_unstable();
    Ok(awards.take(&IdxCa::from_vec("".into(), rows))?)
}

/// The counted awards' rows where the candidates come in ascending person order (as the
/// registers usually do): each person's awards are together, so a person's best award per
/// benefit is kept in a short list instead of a map over all persons. As soon as a person
/// comes before the previous one, `Err` with that candidate's position.
fn counted_in_person_order<'a>(
    candidates: impl Iterator<Item = (&'a str, &'a str, Candidate<'a>)>,
) -> std::result::Result<Vec<IdxSize>, usize> {
    let mut rows = Vec::new();
    let mut person: Option<&str> = None;
    let mut best: Vec<(&str, Candidate)> = Vec::new();
    for (at, (p, b, candidate)) in candidates.enumerate() {
        if person != Some(p) {
            if person.is_some_and(|last| last > p) {
                return Err(at);
            }
            rows.extend(best.drain(..).map(|(_, kept)| kept.3));
            person = Some(p);
        }
        match best.iter_mut().find(|(benefit, _)| *benefit == b) {
            Some((_, kept)) if better(&candidate, kept) => *kept = candidate,
            Some(_) => {}
            None => best.push((b, candidate)),
        }
    }
    rows.extend(best.into_iter().map(|(_, kept)| kept.3));
    Ok(rows)
}

/// The counted awards' rows, in any order of the candidates.
fn counted_by_map<'a>(
    candidates: impl Iterator<Item = (&'a str, &'a str, Candidate<'a>)>,
    capacity: usize,
) -> Vec<IdxSize> {
    let mut best: PlHashMap<(u64, &str), Candidate> = PlHashMap::with_capacity(capacity);
    for (p, b, candidate) in candidates {
        best.entry((key_of(p), b))
            .and_modify(|kept| {
                if better(&candidate, kept) {
                    *kept = candidate;
                }
            })
            .or_insert(candidate);
    }
    best.into_values().map(|kept| kept.3).collect()
}

/// One row per recipient and register benefit with the base code and the tags the tables use:
/// `PERSON_KEY, base, amount, sex, age_group, municipality, country, np_composition, kind,
/// sp_composition`. A person's rows are together (sorted by person key within chunks of
/// persons; the order of persons differs between runs and changes no figure).
///
/// The codes are positions (`UInt8`) in their lists: `base` in `BASE_BENEFITS`, `sex` in
/// `SEXES`, `age_group` in `age_groups()`, `np_composition` in `NP_COMPOSITIONS` (FULL or
/// REDUCED), `kind` in `award_kinds()`, `sp_composition` in `SP_COMPOSITIONS`. As strings
/// these rows were about twice as large: at ten million persons about 1 GiB more held through
/// the recipient tables, memory the kernel must fault in and zero.
///
/// Every row is one person's, so the rows are built for chunks of persons
/// (`chunks::by_key_chunks`): each chunk's joins and sort stay small, where ten million
/// persons at once grew this step about twenty times from one million.
pub fn recipients(
    classified: &Classified,
    awards: &LazyFrame,
    persons: &LazyFrame,
    paid_in_month: Option<&DataFrame>,
    period: Period,
) -> Result<DataFrame> {
    let month = classified.month;
    // Only the columns read below are gathered for the counted awards.
    let awards = awards
        .clone()
        .select([
            person_key(col("person_id")),
            col("person_id"),
            col("benefit"),
            col("award_id"),
            col("kind"),
            col("deceased_death_date"),
            col("start_date"),
            col("end_date"),
        ])
        .collect()?;
    let computed = classified.rows.clone().lazy();
    let amounts = match paid_in_month {
        Some(paid) => paid.clone(),
        None => computed
            .clone()
            .filter(col("amount").gt(lit(0i64)))
            .group_by([col(PERSON_KEY), col(BENEFIT_NUMBER)])
            .agg([col("amount").sum()])
            .collect()?,
    };
    let computed = computed
        .select([
            col(PERSON_KEY),
            col(AWARD_KEY),
            col("np_composition"),
            col("sp_composition"),
        ])
        .collect()?;
    let persons = person_attributes(persons, period)
        .select([all().exclude_cols(["person_id"]).as_expr()])
        .collect()?;
    let count = persons.height();
    let frames = [awards, computed, amounts, persons];
    by_key_chunks(PERSON_KEY, frames, count, CHUNK_KEYS, |chunk| {
        let [awards, computed, amounts, persons] = chunk;
        let initial_months = classified.law.sp_initial_months.value;
        recipients_of(
            awards,
            computed,
            amounts,
            persons,
            (month, initial_months),
            period,
        )
    })
}

/// `recipients` for one chunk of persons: their awards, computed awards (`PERSON_KEY`,
/// `AWARD_KEY`, compositions), amounts (`PERSON_KEY`, `benefit`, `amount`) and attributes.
fn recipients_of(
    awards: DataFrame,
    computed: DataFrame,
    amounts: DataFrame,
    persons: DataFrame,
    (month, initial_months): (NaiveDate, i64),
    period: Period,
) -> Result<DataFrame> {
    let chosen = counted_awards(&awards, period.last_day())?
        .lazy()
        .select([
            col(PERSON_KEY),
            benefit_number(col("benefit")).alias(BENEFIT_NUMBER),
            award_key(col("award_id")),
            base_code(date_lit(month), initial_months).alias("base"),
            col("kind"),
        ])
        .join(
            computed
                .lazy()
                .select([col(AWARD_KEY), col("np_composition"), col("sp_composition")]),
            [col(AWARD_KEY)],
            [col(AWARD_KEY)],
            JoinArgs::new(JoinType::Left),
        );
    let amounts = amounts.lazy();
    let key = [col(PERSON_KEY), col(BENEFIT_NUMBER)];
    // A recipient is defined by the payment: one without an award of the benefit still counts
    // where the benefit has a single code; a kind or phase (NP, SP, FVS) needs the award.
    let without_award = |benefit: &str| {
        col("base")
            .is_null()
            .and(col(BENEFIT_NUMBER).eq(lit(number_of_benefit(benefit))))
    };
    let base = when(without_award("guarantee_pension"))
        .then(lit("GP"))
        .when(without_award("orphan_pension"))
        .then(lit("OP"))
        .when(without_award("child_increase"))
        .then(lit("CI"))
        .otherwise(col("base"));
    Ok(amounts
        .join(chosen, key.clone(), key, JoinArgs::new(JoinType::Left))
        .with_column(base.alias("base"))
        .filter(col("base").is_not_null())
        .join(
            persons.lazy(),
            [col(PERSON_KEY)],
            [col(PERSON_KEY)],
            JoinArgs::new(JoinType::Inner),
        )
        .select([
            col(PERSON_KEY),
            position_in(col("base"), &BASE_BENEFITS),
            col("amount"),
            col("sex"),
            col("age_group"),
            col("municipality"),
            col("country"),
            position_in(
                when(col("np_composition").eq(lit("full")))
                    .then(lit("FULL"))
                    .otherwise(lit("REDUCED")),
                &NP_COMPOSITIONS,
            )
            .alias("np_composition"),
            position_in(col("kind"), &award_kinds()),
            position_in(col("sp_composition"), &SP_COMPOSITIONS),
        ])
        .sort([PERSON_KEY], SortMultipleOptions::default())
        .collect()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::ymd;

    /// Every base code, a spouse's pension six and seven months after the death, unknown
    /// kinds and death dates; the month as a literal and as a column.
    #[test]
    fn base_codes_follow_the_benefit_the_kind_and_the_months_since_death() {
        let d = |y, m, day| Some(ymd(y, m, day));
        let awards = df!(
            "benefit" => [Some("national_pension"), Some("national_pension"), Some("national_pension"), Some("national_pension"), Some("national_pension"), Some("guarantee_pension"), Some("spouse_pension"), Some("spouse_pension"), Some("spouse_pension"), Some("orphan_pension"), Some("child_increase"), Some("front_veteran_supplement"), Some("front_veteran_supplement"), Some("additional_front_veteran_supplement"), None],
            "kind" => [Some("old_age"), Some("early_old_age"), Some("disability"), Some("rehabilitation_subsidy"), None, None, None, None, None, None, None, Some("abroad"), None, None, None],
            "deceased_death_date" => [None, None, None, None, None, None, d(2024, 6, 30), d(2024, 5, 1), None, None, None, None, None, None, None],
        )
        .unwrap();
        let expected = [
            "NP_OLD",
            "NP_EARLY",
            "NP_DIS",
            "NP_REHAB",
            "NP_REHAB",
            "GP",
            "SP_INIT",
            "SP_CONT",
            "SP_CONT",
            "OP",
            "CI",
            "FVS_ABROAD",
            "FVS",
            "AFVS",
            "AFVS",
        ];
        let codes = |frame: LazyFrame, month: Expr| -> Vec<String> {
            let out = frame
                .select([base_code(month, 6).alias("base")])
                .collect()
                .unwrap();
            let codes = out.column("base").unwrap().str().unwrap();
            codes.iter().map(|c| c.unwrap().to_string()).collect()
        };
        let december = date_lit(ymd(2024, 12, 1));
        assert_eq!(codes(awards.clone().lazy(), december.clone()), expected);
        let with_month = awards.lazy().with_column(december.alias("month"));
        assert_eq!(codes(with_month, col("month")), expected);
    }

    #[test]
    fn the_counted_award_is_in_force_else_the_latest_started_and_ties_go_to_the_highest_id() {
        let d = |y, m, day| Some(ymd(y, m, day));
        let awards = df!(
            "award_id" => ["A1", "A2", "B1", "B2", "B0", "C1", "C2"],
            "person_id" => ["P1", "P1", "P2", "P2", "P2", "P3", "P3"],
            "benefit" => ["national_pension"; 7],
            "start_date" => [d(2020, 1, 1), d(2024, 3, 1), d(2021, 5, 1), d(2021, 5, 1), d(2019, 1, 1), d(2024, 12, 1), d(2025, 1, 1)],
            "end_date" => [None, d(2024, 6, 30), d(2023, 1, 31), d(2022, 1, 31), d(2020, 1, 1), None, None],
        )
        .unwrap();
        let counted_ids = |awards: &DataFrame| -> Vec<String> {
            let counted = counted_awards(awards, ymd(2024, 12, 31)).unwrap();
            let ids = counted.column("award_id").unwrap().str().unwrap();
            let mut ids: Vec<String> = ids.iter().flatten().map(String::from).collect();
            ids.sort_unstable();
            ids
        };
        // P1: A1 is in force, A2 started later but ended. P2: none in force; B1 and B2
        // started last, on the same day, and B2 is the higher id. P3: C2 starts after the day.
        assert_eq!(counted_ids(&awards), ["A1", "B2", "C1"]);
        // Out of person order (counted by the map instead of in order): the same awards.
        let shuffled = awards
            .take(&IdxCa::from_vec("".into(), vec![5, 2, 0, 6, 4, 1, 3]))
            .unwrap();
        assert_eq!(counted_ids(&shuffled), ["A1", "B2", "C1"]);
        // In order but for a tail holding another award of the first person (the tail's
        // persons by the map, the rest in order): the same awards.
        let tail = awards
            .take(&IdxCa::from_vec("".into(), vec![0, 2, 3, 4, 5, 6, 1]))
            .unwrap();
        assert_eq!(counted_ids(&tail), ["A1", "B2", "C1"]);
    }
}
