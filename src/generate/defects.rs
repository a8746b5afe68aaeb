//! Dirty mode (`--dirty`): defects injected so that each is exactly the validator's first
//! reason, from a stream of its own.
use super::*;

// ---------------------------------------------------------------------------------------------
// Dirty mode: defects injected so that each is exactly the validator's first reason.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Defect {
    MissingValue,
    InvalidValue,
    InvalidCode,
    Duplicate,
    MissingMunicipality,
    UnknownMunicipality,
    EndBeforeStart,
    DeathBeforeBirth,
    BeforeBirth,
    NegativeAmount,
    OrphanReference,
    UnknownAward,
}

impl Defect {
    pub(super) fn reason(self, register: Register) -> &'static str {
        match self {
            Defect::MissingValue => "missing_value",
            Defect::InvalidValue => "invalid_value",
            Defect::InvalidCode => "invalid_code",
            Defect::Duplicate => match register {
                Register::Persons => "duplicate_person_id",
                Register::Awards => "duplicate_award_id",
                Register::Payments => "duplicate_payment_id",
                Register::Income => unreachable!("income has no unique key"),
            },
            Defect::MissingMunicipality => "missing_municipality",
            Defect::UnknownMunicipality => "unknown_municipality",
            Defect::EndBeforeStart => "end_before_start",
            Defect::DeathBeforeBirth => "death_before_birth",
            Defect::BeforeBirth => "before_birth",
            Defect::NegativeAmount => "negative_amount",
            Defect::OrphanReference => "orphan_reference",
            Defect::UnknownAward => "unknown_award",
        }
    }
}

pub(super) const PERSON_DEFECTS: &[Defect] = &[
    Defect::MissingValue,
    Defect::InvalidValue,
    Defect::InvalidCode,
    Defect::Duplicate,
    Defect::MissingMunicipality,
    Defect::UnknownMunicipality,
    Defect::DeathBeforeBirth,
];
pub(super) const AWARD_DEFECTS: &[Defect] = &[
    Defect::MissingValue,
    Defect::InvalidValue,
    Defect::InvalidCode,
    Defect::Duplicate,
    Defect::EndBeforeStart,
    Defect::BeforeBirth,
    Defect::OrphanReference,
];
pub(super) const INCOME_DEFECTS: &[Defect] = &[
    Defect::MissingValue,
    Defect::InvalidValue,
    Defect::InvalidCode,
    Defect::BeforeBirth,
    Defect::NegativeAmount,
    Defect::OrphanReference,
];
pub(super) const PAYMENT_DEFECTS: &[Defect] = &[
    Defect::MissingValue,
    Defect::InvalidValue,
    Defect::InvalidCode,
    Defect::Duplicate,
    Defect::BeforeBirth,
    Defect::NegativeAmount,
    Defect::OrphanReference,
    Defect::UnknownAward,
];

/// The random source and the run-wide state of the defects.
pub(super) struct DefectTools {
    pub(super) rng: ChaCha8Rng,
    pub(super) format: FileFormat,
    pub(super) unknown_municipality: &'static str,
    pub(super) next_unknown: u64,
}

impl DefectTools {
    pub(super) fn unknown_id(&mut self) -> Id {
        self.next_unknown += 1;
        Id::Unknown(self.next_unknown)
    }

    pub(super) fn csv(&self) -> bool {
        self.format == FileFormat::Csv
    }

    /// A day `1..=max_days` before `days`.
    pub(super) fn days_before(&mut self, days: i32, max_days: i32) -> i32 {
        days - self.rng.gen_range(1..=max_days)
    }

    /// The first day of a month 1-24 months before the month of `birth`.
    pub(super) fn month_before_birth(&mut self, birth: i32) -> i32 {
        first_day_of(month_of_day(birth) - self.rng.gen_range(1..=24))
    }

    /// Money written with three decimals, or not a number.
    pub(super) fn unparsable_money(&mut self, cents: i64) -> String {
        if self.rng.gen_bool(0.5) {
            "abc".to_string()
        } else {
            format!("{}5", crate::money::cents_text(cents))
        }
    }
}

/// A date that cannot exist, in the year of `days`.
pub(super) fn impossible_date(days: i32) -> String {
    format!("{:04}-02-30", year_of_day(days))
}

/// The row being corrupted, with what a defect may need from its chunk.
pub(super) struct Target<'r, R> {
    pub(super) rows: &'r mut [R],
    pub(super) row: usize,
    /// Rows that a defect or a cascade already rejects.
    pub(super) rejected: &'r mut [bool],
    pub(super) overrides: &'r mut Vec<TextOverride>,
    pub(super) births: &'r [i32],
    /// The earlier row a duplicated key was copied from (rejected with the same reason).
    pub(super) source: Option<usize>,
}

impl<R> Target<'_, R> {
    pub(super) fn get(&mut self) -> &mut R {
        &mut self.rows[self.row]
    }

    /// Writes `text` in the CSV field instead of the value.
    pub(super) fn write_text(&mut self, column: &'static str, text: String) {
        self.overrides.push(TextOverride {
            row: self.row,
            column,
            text,
        });
    }

    /// Copies the key of the nearest earlier row that nothing else rejects: both copies are
    /// rejected, so the source row is marked too.
    pub(super) fn duplicate_key(&mut self, key: fn(&mut R) -> &mut Id) -> Option<usize> {
        let source = (self.row.saturating_sub(8)..self.row)
            .rev()
            .find(|&j| !self.rejected[j])?;
        let id = *key(&mut self.rows[source]);
        *key(&mut self.rows[self.row]) = id;
        self.rejected[source] = true;
        self.source = Some(source);
        Some(2)
    }
}

pub(super) type DefectFn<R> = fn(&mut DefectTools, Defect, &mut Target<R>) -> Option<usize>;

pub(super) struct Corruptor {
    pub(super) tools: DefectTools,
    pub(super) rate: f64,
    pub(super) counts: BTreeMap<String, usize>,
    /// Every rejected row so far, and the rows of each register written before this chunk.
    pub(super) rejects: Vec<InjectedReject>,
    rows_before: [usize; 4],
}

impl Corruptor {
    pub(super) fn new(seed: u64, rate: f64, format: FileFormat, world: &World) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(1);
        Corruptor {
            tools: DefectTools {
                rng,
                format,
                unknown_municipality: world.unknown_municipality,
                next_unknown: 0,
            },
            rate,
            counts: BTreeMap::new(),
            rejects: Vec::new(),
            rows_before: [0; 4],
        }
    }

    /// Corrupts rows with probability `rate`. Rows already rejected by a cascade (their
    /// person or award corrupted) are left alone, so that every count is exact.
    pub(super) fn corrupt(&mut self, chunk: &mut Chunk) {
        let offsets = self.rows_before;
        let lengths = [
            chunk.persons.len(),
            chunk.awards.len(),
            chunk.income.len(),
            chunk.payments.len(),
        ];
        for (before, n) in self.rows_before.iter_mut().zip(lengths) {
            *before += n;
        }
        if self.rate <= 0.0 {
            return;
        }
        chunk.canonical = None;
        let [persons_text, awards_text, income_text, payments_text] = &mut chunk.overrides;
        let births = &chunk.births;
        let mut bad_person = vec![false; chunk.persons.len()];
        let direct = self.corrupt_register(
            Register::Persons,
            PERSON_DEFECTS,
            person_defect,
            Target {
                rows: &mut chunk.persons,
                row: 0,
                rejected: &mut bad_person,
                overrides: persons_text,
                births,
                source: None,
            },
        );
        self.record(Register::Persons, offsets[0], &bad_person, direct, |_| {
            unreachable!("a person is rejected only for its own defect")
        });
        let mut bad_award: Vec<bool> = chunk.awards.iter().map(|a| bad_person[a.person]).collect();
        let direct = self.corrupt_register(
            Register::Awards,
            AWARD_DEFECTS,
            award_defect,
            Target {
                rows: &mut chunk.awards,
                row: 0,
                rejected: &mut bad_award,
                overrides: awards_text,
                births,
                source: None,
            },
        );
        self.record(Register::Awards, offsets[1], &bad_award, direct, |_| {
            "orphan_reference"
        });
        let mut bad_income: Vec<bool> = chunk.income.iter().map(|r| bad_person[r.person]).collect();
        let direct = self.corrupt_register(
            Register::Income,
            INCOME_DEFECTS,
            income_defect,
            Target {
                rows: &mut chunk.income,
                row: 0,
                rejected: &mut bad_income,
                overrides: income_text,
                births,
                source: None,
            },
        );
        self.record(Register::Income, offsets[2], &bad_income, direct, |_| {
            "orphan_reference"
        });
        let mut bad_payment: Vec<bool> = chunk
            .payments
            .iter()
            .map(|p| bad_person[p.person] || p.award.is_some_and(|a| bad_award[a]))
            .collect();
        let direct = self.corrupt_register(
            Register::Payments,
            PAYMENT_DEFECTS,
            payment_defect,
            Target {
                rows: &mut chunk.payments,
                row: 0,
                rejected: &mut bad_payment,
                overrides: payments_text,
                births,
                source: None,
            },
        );
        // A payment of a rejected person fails the person check first; of a rejected award
        // alone, the award check.
        let payments = &chunk.payments;
        self.record(Register::Payments, offsets[3], &bad_payment, direct, |i| {
            if bad_person[payments[i].person] {
                "orphan_reference"
            } else {
                "unknown_award"
            }
        });
    }

    /// Records every rejected row of a register's chunk: with its own defect's reason where
    /// it has one (`direct`), else the reason of the cascade that rejects it.
    fn record(
        &mut self,
        register: Register,
        offset: usize,
        rejected: &[bool],
        direct: BTreeMap<usize, &'static str>,
        cascade: impl Fn(usize) -> &'static str,
    ) {
        for (row, _) in rejected.iter().enumerate().filter(|(_, bad)| **bad) {
            let reason = direct.get(&row).copied().unwrap_or_else(|| cascade(row));
            self.rejects.push(InjectedReject {
                register,
                row: offset + row + 1,
                reason,
            });
        }
    }

    /// Gives each row not yet rejected, with probability `rate`, one of `defects`: tried in
    /// random order until one applies to the row. Returns the rows it rejects, with reasons
    /// (a duplicated key: both copies).
    pub(super) fn corrupt_register<R>(
        &mut self,
        register: Register,
        defects: &[Defect],
        apply: DefectFn<R>,
        mut target: Target<R>,
    ) -> BTreeMap<usize, &'static str> {
        let mut direct = BTreeMap::new();
        let mut order = defects.to_vec();
        for row in 0..target.rows.len() {
            if target.rejected[row] || !self.tools.rng.gen_bool(self.rate) {
                continue;
            }
            target.row = row;
            order.shuffle(&mut self.tools.rng);
            for &defect in &order {
                if let Some(rejected_rows) = apply(&mut self.tools, defect, &mut target) {
                    target.rejected[row] = true;
                    let reason = defect.reason(register);
                    direct.insert(row, reason);
                    if let Some(source) = target.source.take() {
                        direct.insert(source, reason);
                    }
                    *self.counts.entry(reason.to_string()).or_insert(0) += rejected_rows;
                    break;
                }
            }
        }
        direct
    }
}

/// Applies `defect` to the person row if it can; returns the number of rows it rejects.
pub(super) fn person_defect(
    t: &mut DefectTools,
    defect: Defect,
    target: &mut Target<PersonRow>,
) -> Option<usize> {
    if defect == Defect::Duplicate {
        return target.duplicate_key(|r| &mut r.person_id);
    }
    let row = target.get();
    let in_finland = row.country == Some("FI");
    match defect {
        Defect::MissingValue => match t.rng.gen_range(0..5) {
            0 => row.person_id = Id::Null,
            1 => row.birth_date = None,
            2 => row.sex = None,
            3 => row.country = None,
            _ => row.family_status = None,
        },
        Defect::InvalidValue if t.csv() => {
            let text = impossible_date(row.birth_date?);
            target.write_text("birth_date", text);
        }
        Defect::InvalidCode => match t.rng.gen_range(0..3) {
            0 => row.sex = Some(3),
            1 => row.family_status = Some("widowed"),
            _ => row.country = Some("XX"),
        },
        Defect::MissingMunicipality if in_finland => row.municipality = None,
        Defect::UnknownMunicipality if in_finland => {
            row.municipality = Some(t.unknown_municipality)
        }
        Defect::DeathBeforeBirth => row.death_date = Some(t.days_before(row.birth_date?, 3650)),
        _ => return None,
    }
    Some(1)
}

pub(super) fn award_defect(
    t: &mut DefectTools,
    defect: Defect,
    target: &mut Target<AwardRow>,
) -> Option<usize> {
    if defect == Defect::Duplicate {
        return target.duplicate_key(|r| &mut r.award_id);
    }
    let birth = target.births[target.get().person];
    let row = target.get();
    match defect {
        Defect::MissingValue => match t.rng.gen_range(0..4) {
            0 => row.award_id = Id::Null,
            1 => row.person_id = Id::Null,
            2 => row.benefit = None,
            _ => row.start_date = None,
        },
        Defect::InvalidValue => {
            if row.children.is_some() && t.rng.gen_bool(0.5) {
                row.children = Some(-row.children?);
            } else if t.csv() && t.rng.gen_bool(0.75) {
                let start = row.start_date?;
                match t.rng.gen_range(0..3) {
                    0 => target.write_text("start_date", impossible_date(start)),
                    1 => target.write_text("early_months", "abc".into()),
                    _ => target.write_text("child_under_18", "yes".into()),
                }
            } else {
                row.early_months = Some(-t.rng.gen_range(1..=24));
            }
        }
        Defect::InvalidCode => {
            if row.benefit == Some("national_pension") && t.rng.gen_bool(0.5) {
                row.kind = Some("partial");
            } else {
                row.benefit = Some("bonus_pension");
            }
        }
        Defect::EndBeforeStart => {
            // Still after the birth, so that nothing else is wrong.
            let start = row.start_date?;
            let room = (start - birth).min(60);
            if room < 1 {
                return None;
            }
            row.end_date = Some(t.days_before(start, room));
        }
        Defect::BeforeBirth => {
            // Before the month of birth: the validator compares with the birth month's start.
            row.start_date = Some(t.days_before(first_day_of(month_of_day(birth)), 365));
        }
        Defect::OrphanReference => row.person_id = t.unknown_id(),
        _ => return None,
    }
    Some(1)
}

pub(super) fn income_defect(
    t: &mut DefectTools,
    defect: Defect,
    target: &mut Target<IncomeRow>,
) -> Option<usize> {
    let birth = target.births[target.get().person];
    let row = target.get();
    match defect {
        Defect::MissingValue => match t.rng.gen_range(0..4) {
            0 => row.person_id = Id::Null,
            1 => row.month = None,
            2 => row.income_type = None,
            _ => row.amount = None,
        },
        Defect::InvalidValue if t.csv() => {
            let text = t.unparsable_money(row.amount?);
            target.write_text("amount", text);
        }
        Defect::InvalidCode => row.income_type = Some("lottery"),
        Defect::BeforeBirth => row.month = Some(t.month_before_birth(birth)),
        Defect::NegativeAmount => row.amount = Some(-row.amount?.abs().max(1)),
        Defect::OrphanReference => row.person_id = t.unknown_id(),
        _ => return None,
    }
    Some(1)
}

pub(super) fn payment_defect(
    t: &mut DefectTools,
    defect: Defect,
    target: &mut Target<PaymentRow>,
) -> Option<usize> {
    if defect == Defect::Duplicate {
        return target.duplicate_key(|r| &mut r.payment_id);
    }
    let birth = target.births[target.get().person];
    let row = target.get();
    match defect {
        Defect::MissingValue => match t.rng.gen_range(0..7) {
            0 => row.payment_id = Id::Null,
            1 => row.person_id = Id::Null,
            2 => row.benefit = None,
            3 => row.period_month = None,
            4 => row.payment_date = None,
            5 => row.payment_type = None,
            _ => row.amount = None,
        },
        Defect::InvalidValue if t.csv() => {
            if t.rng.gen_bool(0.5) {
                let text = t.unparsable_money(row.amount?);
                target.write_text("amount", text);
            } else {
                let text = impossible_date(row.payment_date?);
                target.write_text("payment_date", text);
            }
        }
        Defect::InvalidCode => {
            if t.rng.gen_bool(0.5) {
                row.payment_type = Some("advance");
            } else {
                row.benefit = Some("bonus_pension");
            }
        }
        Defect::BeforeBirth => row.period_month = Some(t.month_before_birth(birth)),
        Defect::NegativeAmount if row.payment_type == Some(REGULAR) => {
            row.amount = Some(-row.amount?.abs().max(1));
        }
        Defect::OrphanReference => {
            // Without an award, so that no award check can come first.
            row.person_id = t.unknown_id();
            row.award_id = Id::Null;
        }
        Defect::UnknownAward => row.award_id = t.unknown_id(),
        _ => return None,
    }
    Some(1)
}
