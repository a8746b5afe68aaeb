//! The register rows a chunk is made of, before they become frames.
use super::*;

// ---------------------------------------------------------------------------------------------
// Register rows.

/// A key as written: `Known(n)` → `P0000001`, `Unknown(n)` → `P_UNKNOWN0000001`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Id {
    Null,
    Known(u64),
    Unknown(u64),
}

/// How the ids of one key column are spelled.
pub(super) struct IdStyle {
    pub(super) prefix: &'static str,
    pub(super) unknown_prefix: &'static str,
    pub(super) width: usize,
}

pub(super) const PERSON_IDS: IdStyle = IdStyle {
    prefix: "P",
    unknown_prefix: "P_UNKNOWN",
    width: 7,
};
pub(super) const AWARD_IDS: IdStyle = IdStyle {
    prefix: "A",
    unknown_prefix: "A_UNKNOWN",
    width: 7,
};
pub(super) const PAYMENT_IDS: IdStyle = IdStyle {
    prefix: "Y",
    unknown_prefix: "Y_UNKNOWN",
    width: 8,
};

#[derive(Debug, Clone)]
pub(super) struct PersonRow<'a> {
    pub(super) person_id: Id,
    pub(super) birth_date: Option<i32>,
    pub(super) sex: Option<i64>,
    pub(super) death_date: Option<i32>,
    pub(super) municipality: Option<&'a str>,
    pub(super) country: Option<&'static str>,
    pub(super) family_status: Option<&'static str>,
    pub(super) front_veteran: Option<&'static str>,
}

#[derive(Debug, Clone)]
pub(super) struct AwardRow {
    /// The person's row in the chunk (not written).
    pub(super) person: usize,
    pub(super) award_id: Id,
    pub(super) person_id: Id,
    pub(super) benefit: Option<&'static str>,
    pub(super) kind: Option<&'static str>,
    pub(super) start_date: Option<i32>,
    pub(super) end_date: Option<i32>,
    pub(super) decision_date: Option<i32>,
    pub(super) early_months: Option<i64>,
    pub(super) deferral_months: Option<i64>,
    pub(super) residence_months: Option<i64>,
    pub(super) deceased_birth_date: Option<i32>,
    pub(super) deceased_death_date: Option<i32>,
    pub(super) child_under_18: Option<bool>,
    pub(super) children: Option<i64>,
}

#[derive(Debug, Clone)]
pub(super) struct IncomeRow {
    pub(super) person: usize,
    pub(super) person_id: Id,
    pub(super) month: Option<i32>,
    pub(super) income_type: Option<&'static str>,
    pub(super) amount: Option<i64>,
}

#[derive(Debug, Clone)]
pub(super) struct PaymentRow {
    pub(super) person: usize,
    /// The award's row in the chunk when `award_id` names it (not written).
    pub(super) award: Option<usize>,
    pub(super) payment_id: Id,
    pub(super) person_id: Id,
    pub(super) award_id: Id,
    pub(super) benefit: Option<&'static str>,
    pub(super) period_month: Option<i32>,
    pub(super) payment_date: Option<i32>,
    pub(super) payment_type: Option<&'static str>,
    pub(super) amount: Option<i64>,
}

/// A CSV field written as `text` instead of its typed value (an unparsable value).
#[derive(Debug, Clone)]
pub(super) struct TextOverride {
    pub(super) row: usize,
    pub(super) column: &'static str,
    pub(super) text: String,
}

/// The rows of all four registers for one chunk of persons.
#[derive(Debug, Default)]
pub(super) struct Chunk<'a> {
    pub(super) persons: Vec<PersonRow<'a>>,
    /// Birth dates of the chunk's persons, by row.
    pub(super) births: Vec<i32>,
    pub(super) awards: Vec<AwardRow>,
    pub(super) income: Vec<IncomeRow>,
    pub(super) payments: Vec<PaymentRow>,
    /// CSV-only field overrides, per register in [`Register::ALL`] order.
    pub(super) overrides: [Vec<TextOverride>; 4],
    /// The frames of the clean persons, awards and income, while no row is corrupted: the
    /// writer reuses them.
    pub(super) canonical: Option<CanonicalFrames>,
}

pub(super) fn person_row<'a>(p: &Person<'a>) -> PersonRow<'a> {
    PersonRow {
        person_id: Id::Known(p.number),
        birth_date: Some(p.birth),
        sex: Some(p.sex),
        death_date: p.death,
        municipality: p.municipality,
        country: Some(p.country),
        family_status: Some(if p.couple { "couple" } else { "single" }),
        front_veteran: p.front_veteran,
    }
}

pub(super) fn award_row(p: &Person, person: usize, a: &Award) -> AwardRow {
    AwardRow {
        person,
        award_id: Id::Known(a.number),
        person_id: Id::Known(p.number),
        benefit: Some(a.benefit.code()),
        kind: a.kind,
        start_date: Some(a.start),
        end_date: a.end,
        decision_date: Some(a.decision),
        early_months: a.early_months,
        deferral_months: a.deferral_months,
        residence_months: a.residence_months,
        deceased_birth_date: a.deceased_birth,
        deceased_death_date: a.deceased_death,
        child_under_18: a.child_under_18,
        children: a.children,
    }
}

/// One row per income type and month of the year in which the person is born and alive.
pub(super) fn push_income_rows(world: &World, p: &Person, person: usize, out: &mut Vec<IncomeRow>) {
    for &(ty, cents) in &p.incomes {
        for month in &world.months {
            if month.index >= month_of_day(p.birth) && p.alive_in(month.index) {
                out.push(IncomeRow {
                    person,
                    person_id: Id::Known(p.number),
                    month: Some(month.start),
                    income_type: Some(ty.code()),
                    amount: Some(cents),
                });
            }
        }
    }
}
