//! The generator: persons, their awards, incomes and payments, drawn from seeded streams.
use super::*;

// ---------------------------------------------------------------------------------------------
// The generator.

pub(super) struct Generator<'w, 'a> {
    pub(super) world: &'w World<'a>,
    pub(super) rng: ChaCha8Rng,
    /// The draws of the payments (award reference left out, adjustments): a stream of its own,
    /// so that persons, awards and income do not depend on the amounts.
    pub(super) payments_rng: ChaCha8Rng,
    pub(super) next_person: u64,
    pub(super) next_award: u64,
    pub(super) next_payment: u64,
}

impl<'w, 'a> Generator<'w, 'a> {
    pub(super) fn new(world: &'w World<'a>, seed: u64) -> Self {
        let mut payments_rng = ChaCha8Rng::seed_from_u64(seed);
        payments_rng.set_stream(2);
        Generator {
            world,
            rng: ChaCha8Rng::seed_from_u64(seed),
            payments_rng,
            next_person: 0,
            next_award: 0,
            next_payment: 0,
        }
    }

    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.rng.gen_bool(p)
    }

    /// A uniform amount in cents between two euro amounts.
    pub(super) fn euros(&mut self, low: i64, high: i64) -> i64 {
        self.rng.gen_range(low * 100..=high * 100)
    }

    pub(super) fn day_between(&mut self, first: i32, last: i32) -> i32 {
        self.rng.gen_range(first..=last.max(first))
    }

    pub(super) fn chunk(&mut self, size: usize) -> Result<Chunk<'a>> {
        let mut chunk = Chunk::default();
        for person in 0..size {
            let p = self.person();
            chunk.persons.push(person_row(&p));
            chunk.births.push(p.birth);
            chunk
                .awards
                .extend(p.awards.iter().map(|a| award_row(&p, person, a)));
            push_income_rows(self.world, &p, person, &mut chunk.income);
        }
        let frames = canonical_frames(&chunk)?;
        let amounts = classified_amounts(self.world, &frames, &chunk)?;
        self.push_payments(&mut chunk, &amounts);
        chunk.canonical = Some(frames);
        Ok(chunk)
    }

    pub(super) fn person(&mut self) -> Person<'a> {
        let mut profile = self.world.profiles.pick(&mut self.rng);
        if profile == Profile::EarlyOldAge && self.world.early_cohorts.is_empty() {
            profile = Profile::OldAge;
        }
        let birth = self.draw_birth(profile);
        let age = self.world.year - year_of_day(birth);
        let sex = self.draw_sex(profile, age);
        let (country, municipality) = self.draw_residence();
        let couple = self.chance(profile.couple_share());
        let front_veteran = (profile == Profile::FrontVeteran).then(|| {
            if self.chance(0.9) {
                "front"
            } else {
                "mine_clearance"
            }
        });
        self.next_person += 1;
        let mut p = Person {
            number: self.next_person,
            birth,
            sex,
            death: None,
            country,
            municipality,
            couple,
            front_veteran,
            incomes: Vec::new(),
            awards: Vec::new(),
        };
        self.draw_incomes(&mut p, profile);
        match profile {
            Profile::OldAge => self.old_age_pensioner(&mut p, true),
            Profile::EarningsOnly => {
                self.old_age_pension(&mut p, false);
            }
            Profile::EarlyOldAge => self.early_old_age_pensioner(&mut p),
            Profile::Disability => self.disability_pensioner(&mut p),
            Profile::Survivor => self.survivor(&mut p),
            Profile::Orphan => self.orphan(&mut p),
            Profile::FrontVeteran => self.front_veteran(&mut p),
        }
        self.maybe_die(&mut p, profile);
        for award in &mut p.awards {
            self.next_award += 1;
            award.number = self.next_award;
        }
        p
    }

    pub(super) fn draw_birth(&mut self, profile: Profile) -> i32 {
        let year = self.world.year;
        let u: f64 = self.rng.gen();
        let birth_year = match profile {
            Profile::OldAge | Profile::EarningsOnly => {
                let (low, high) = self.world.old_age_bands.pick(&mut self.rng);
                year - self.rng.gen_range(low..=high)
            }
            Profile::FrontVeteran => year - 96 - (9.0 * u * u) as i32,
            Profile::EarlyOldAge => *self
                .world
                .early_cohorts
                .choose(&mut self.rng)
                .expect("early cohorts checked"),
            Profile::Disability => year - (20 + (45.0 * u.sqrt()) as i32).min(64),
            Profile::Survivor => year - (30 + (37.0 * u.sqrt()) as i32).min(66),
            Profile::Orphan => year - (21.0 * u) as i32,
        };
        // Orphans born in Y are born by October, so that a parent can die before December.
        let last = if birth_year == year {
            days_from_civil(year, 10, 31)
        } else {
            days_from_civil(birth_year, 12, 31)
        };
        self.day_between(days_from_civil(birth_year, 1, 1), last)
    }

    pub(super) fn draw_sex(&mut self, profile: Profile, age: i32) -> i64 {
        let women = match profile {
            Profile::OldAge | Profile::EarlyOldAge => {
                (0.48 + 0.01 * f64::from(age - 65)).clamp(0.45, 0.8)
            }
            Profile::EarningsOnly => 0.42,
            Profile::FrontVeteran => 0.45,
            Profile::Disability => 0.48,
            Profile::Survivor => 0.75,
            Profile::Orphan => 0.49,
        };
        if self.chance(women) {
            2
        } else {
            1
        }
    }

    pub(super) fn draw_residence(&mut self) -> (&'static str, Option<&'a str>) {
        if self.chance(0.04) {
            (self.world.countries.pick(&mut self.rng), None)
        } else {
            ("FI", Some(self.world.municipalities.pick(&mut self.rng)))
        }
    }

    pub(super) fn draw_incomes(&mut self, p: &mut Person, profile: Profile) {
        let erp = match profile {
            Profile::OldAge | Profile::EarlyOldAge => self.old_age_erp(),
            Profile::EarningsOnly => self.euros(1500, 4000),
            // Up to the incomes at which the additional supplement falls to its minimum (a
            // national pension base at or just above the threshold) and the pension nearly ends.
            Profile::FrontVeteran => self.euros(200, 1600),
            Profile::Disability => self.disability_erp(),
            Profile::Survivor | Profile::Orphan => 0,
        };
        p.add_income(IncomeType::EarningsRelatedPension, erp);
        match profile {
            Profile::Disability if self.chance(0.05) => {
                let earned = self.euros(1001, 2500);
                p.add_income(IncomeType::EarnedIncome, earned);
            }
            Profile::Survivor => {
                for (ty, share, low, high) in [
                    (IncomeType::EarnedIncome, 0.55, 1000, 4000),
                    (IncomeType::CapitalIncome, 0.25, 10, 500),
                    (IncomeType::SurvivorsPension, 0.70, 100, 1500),
                ] {
                    if self.chance(share) {
                        let cents = self.euros(low, high);
                        p.add_income(ty, cents);
                    }
                }
            }
            Profile::Orphan if self.chance(0.6) => {
                let cents = self.euros(50, 600);
                p.add_income(IncomeType::SurvivorsPension, cents);
            }
            _ => {}
        }
        let foreign_share = if p.country == "FI" { 0.03 } else { 0.7 };
        if self.chance(foreign_share) {
            let cents = self.euros(50, 800);
            p.add_income(IncomeType::ForeignPension, cents);
        }
        if profile != Profile::Orphan && self.chance(0.005) {
            let cents = self.euros(100, 1500);
            p.add_income(IncomeType::AccidentPension, cents);
        }
    }

    /// About 10 % below 60 €/month (full national pension), the rest 60-1500 € (reduced).
    pub(super) fn old_age_erp(&mut self) -> i64 {
        let u: f64 = self.rng.gen();
        if u < 0.05 {
            0
        } else if u < 0.10 {
            self.euros(1, 59)
        } else {
            let v: f64 = self.rng.gen();
            ((60.0 + 1440.0 * v.powf(0.7)) * 100.0).round() as i64
        }
    }

    /// Those disabled young often have no earnings-related pension at all.
    pub(super) fn disability_erp(&mut self) -> i64 {
        if self.chance(0.3) {
            0
        } else {
            let v: f64 = self.rng.gen();
            ((50.0 + 1450.0 * v.powf(0.8)) * 100.0).round() as i64
        }
    }

    /// A new award with a decision some weeks before its start (not before `not_before`).
    pub(super) fn award(
        &mut self,
        benefit: Benefit,
        kind: Option<&'static str>,
        start: i32,
        not_before: i32,
    ) -> Award {
        let decision = (start - self.rng.gen_range(7..=60)).max(not_before);
        Award {
            number: 0,
            benefit,
            kind,
            start,
            end: None,
            decision,
            early_months: None,
            deferral_months: None,
            residence_months: None,
            deceased_birth: None,
            deceased_death: None,
            child_under_18: None,
            children: None,
        }
    }

    /// For `share` of awards: residence months below 0.8 × the months from the 16th birthday
    /// to the start (or the 65th birthday), so that the pension is residence-adjusted.
    pub(super) fn residence_months(&mut self, share: f64, birth: i32, until: i32) -> Option<i64> {
        let total = residence_period(birth, until);
        if total < 12 || !self.chance(share) {
            return None;
        }
        let fraction = self.rng.gen_range(0.25..0.78);
        Some((total as f64 * fraction) as i64)
    }

    /// The national pension old-age award from the month after the 65th birthday (2 % of
    /// deferrable ones deferred); returns its index.
    pub(super) fn old_age_pension(&mut self, p: &mut Person, deferrable: bool) -> usize {
        let normal = month_of_day(first_of_next_month(anniversary(p.birth, 65)));
        let room = i64::from(self.world.last_month() - normal).min(36);
        let deferral =
            (deferrable && room >= 1 && self.chance(0.02)).then(|| self.rng.gen_range(1..=room));
        let start = first_day_of(normal + deferral.unwrap_or(0) as i32);
        let mut award = self.award(Benefit::NationalPension, Some("old_age"), start, p.birth);
        award.deferral_months = deferral;
        award.residence_months = self.residence_months(0.10, p.birth, start);
        p.awards.push(award);
        p.awards.len() - 1
    }

    pub(super) fn old_age_pensioner(&mut self, p: &mut Person, deferrable: bool) {
        let np = self.old_age_pension(p, deferrable);
        self.guarantee_pension(p, np, "old_age");
        self.child_increase(p, np);
    }

    pub(super) fn early_old_age_pensioner(&mut self, p: &mut Person) {
        let min_age = early_old_age_min_age(&self.world.law, year_of_day(p.birth));
        let earliest = month_of_day(first_of_next_month(anniversary(p.birth, min_age)));
        let normal = month_of_day(first_of_next_month(anniversary(p.birth, 65)));
        let latest = (normal - 1).min(self.world.last_month()).max(earliest);
        let start_month = self.rng.gen_range(earliest..=latest);
        let start = first_day_of(start_month);
        let mut award = self.award(
            Benefit::NationalPension,
            Some("early_old_age"),
            start,
            p.birth,
        );
        award.early_months = Some(i64::from(normal - start_month));
        award.residence_months = self.residence_months(0.10, p.birth, start);
        p.awards.push(award);
        let np = p.awards.len() - 1;
        self.guarantee_pension(p, np, "early_old_age");
        self.child_increase(p, np);
    }

    pub(super) fn disability_pensioner(&mut self, p: &mut Person) {
        let earliest = month_of_day(first_of_next_month(anniversary(p.birth, 18)));
        let last = self.world.last_month();
        let award = if self.chance(0.2) {
            // A rehabilitation subsidy is temporary: started within three years, 6-24 months.
            let start_month = self
                .rng
                .gen_range(earliest.max(last - 35)..=last.max(earliest));
            let months = self.rng.gen_range(6..=24);
            let mut award = self.award(
                Benefit::NationalPension,
                Some("rehabilitation_subsidy"),
                first_day_of(start_month),
                p.birth,
            );
            award.end = Some(last_day_of(start_month + months - 1));
            award
        } else {
            let start_month = self.rng.gen_range(earliest..=last.max(earliest));
            self.award(
                Benefit::NationalPension,
                Some("disability"),
                first_day_of(start_month),
                p.birth,
            )
        };
        let start = award.start;
        p.awards.push(award);
        let np = p.awards.len() - 1;
        p.awards[np].residence_months = self.residence_months(0.10, p.birth, start);
        self.guarantee_pension(p, np, "disability");
        self.child_increase(p, np);
    }

    /// A guarantee pension alongside the national pension `np` when the person's other
    /// pensions are small (below [`GUARANTEE_INCOME_LIMIT`]).
    pub(super) fn guarantee_pension(&mut self, p: &mut Person, np: usize, basis: &'static str) {
        if p.income(IncomeType::counts_for_pensions) >= GUARANTEE_INCOME_LIMIT {
            return;
        }
        let (np_start, np_end, early) = {
            let a = &p.awards[np];
            (a.start, a.end, a.early_months)
        };
        let start = np_start.max(guarantee_pension_start(&self.world.law));
        if np_end.is_some_and(|end| end < start) {
            return;
        }
        let kind = if self.chance(0.02) { "other" } else { basis };
        let mut award = self.award(Benefit::GuaranteePension, Some(kind), start, p.birth);
        award.end = np_end;
        award.early_months = early;
        p.awards.push(award);
    }

    /// A child increase with the pension `np` for 3 % of pensioners under 70.
    pub(super) fn child_increase(&mut self, p: &mut Person, np: usize) {
        if self.world.year - year_of_day(p.birth) >= 70 || !self.chance(0.03) {
            return;
        }
        let children = *[1, 1, 1, 2, 2, 3].choose(&mut self.rng).expect("non-empty");
        let (start, end) = (p.awards[np].start, p.awards[np].end);
        let mut award = self.award(Benefit::ChildIncrease, None, start, p.birth);
        award.end = end;
        award.children = Some(children);
        p.awards.push(award);
    }

    /// A spouse's pension: 15 % in the initial phase in December (death June-November of Y).
    pub(super) fn survivor(&mut self, p: &mut Person) {
        let year = self.world.year;
        let death = if self.chance(0.15) {
            self.day_between(days_from_civil(year, 6, 1), days_from_civil(year, 11, 30))
        } else {
            let earliest = anniversary(p.birth, 20).max(days_from_civil(year - 25, 1, 1));
            self.day_between(earliest, days_from_civil(year, 5, 31))
        };
        // The deceased was born within five years of the survivor and was at least 18.
        let deceased_birth =
            (p.birth + self.rng.gen_range(-5 * 365..=5 * 365)).min(anniversary(death, -18));
        let mut award = self.award(
            Benefit::SpousePension,
            None,
            first_of_next_month(death),
            death + 1,
        );
        award.deceased_death = Some(death);
        award.deceased_birth = Some(deceased_birth);
        award.child_under_18 = Some(self.chance(0.3));
        award.residence_months = self.residence_months(0.10, deceased_birth, death);
        p.awards.push(award);
    }

    /// One orphan's pension per dead parent (two for 10 %).
    pub(super) fn orphan(&mut self, p: &mut Person) {
        let first = self.parent_death(p.birth);
        self.orphan_awards(p, first);
        if self.chance(0.10) {
            let second = self.parent_death(p.birth);
            if second != first {
                self.orphan_awards(p, second);
            }
        }
    }

    /// A day after the child's birth and before December of Y, more often years ago.
    pub(super) fn parent_death(&mut self, birth: i32) -> i32 {
        let latest = days_from_civil(self.world.year, 11, 30);
        let u: f64 = self.rng.gen();
        birth + 1 + (f64::from(latest - birth - 1) * u.powf(0.8)) as i32
    }

    /// `child` under 18 at the end of Y, `student` 18-20; a child's award that ended at the
    /// 18th birthday during Y is kept alongside the student's award that follows it.
    pub(super) fn orphan_awards(&mut self, p: &mut Person, death: i32) {
        let start = first_of_next_month(death);
        let eighteen = anniversary(p.birth, 18);
        if eighteen > self.world.dec31 {
            let mut child = self.award(Benefit::OrphanPension, Some("child"), start, death + 1);
            child.deceased_death = Some(death);
            p.awards.push(child);
            return;
        }
        let child_end = last_day_of(month_of_day(eighteen));
        if start <= child_end && child_end >= self.world.jan1 {
            let mut child = self.award(Benefit::OrphanPension, Some("child"), start, death + 1);
            child.deceased_death = Some(death);
            child.end = Some(child_end);
            p.awards.push(child);
        }
        let student_start = start.max(child_end + 1);
        let mut student = self.award(
            Benefit::OrphanPension,
            Some("student"),
            student_start,
            death + 1,
        );
        student.deceased_death = Some(death);
        p.awards.push(student);
    }

    /// An old-age pensioner with the front-veterans' supplement (and the additional one for
    /// residents with front status).
    pub(super) fn front_veteran(&mut self, p: &mut Person) {
        self.old_age_pensioner(p, false);
        let start = first_of_next_month(anniversary(p.birth, 65)).max(days_from_civil(1978, 1, 1));
        let kind = if p.country == "FI" {
            "resident"
        } else {
            "abroad"
        };
        let fvs = self.award(Benefit::FrontVeteranSupplement, Some(kind), start, p.birth);
        p.awards.push(fvs);
        if p.country == "FI" && p.front_veteran == Some("front") {
            let afvs = self.award(
                Benefit::AdditionalFrontVeteranSupplement,
                None,
                start,
                p.birth,
            );
            p.awards.push(afvs);
        }
    }

    /// Death during Y, after birth and after the last award start; awards end on the day.
    pub(super) fn maybe_die(&mut self, p: &mut Person, profile: Profile) {
        if !self.chance(profile.death_share()) {
            return;
        }
        let last_start = p.awards.iter().map(|a| a.start).max().unwrap_or(i32::MIN);
        let earliest = self.world.jan1.max(p.birth + 1).max(last_start);
        if earliest > self.world.dec31 {
            return;
        }
        let death = self.day_between(earliest, self.world.dec31);
        p.death = Some(death);
        for award in &mut p.awards {
            if award.start <= death {
                award.end = Some(award.end.map_or(death, |end| end.min(death)));
            }
        }
    }

    /// A regular payment of every award for every month of its classified amount (`amounts`,
    /// by award row), 1 % of them without the award reference; then for some awards a
    /// retroactive payment or a recovery.
    pub(super) fn push_payments(&mut self, chunk: &mut Chunk, amounts: &[[i64; 12]]) {
        let mut paid: Vec<(usize, i64)> = Vec::with_capacity(12);
        for (row, award) in chunk.awards.iter().enumerate() {
            paid.clear();
            for (m, &amount) in amounts[row].iter().enumerate() {
                if amount <= 0 {
                    continue;
                }
                paid.push((m, amount));
                let award_ref = (!self.payments_rng.gen_bool(0.01)).then_some(row);
                let payment = self.payment(award, award_ref, (m, m), REGULAR, amount);
                chunk.payments.push(payment);
            }
            self.push_adjustments(&mut chunk.payments, award, row, &paid);
        }
    }

    /// 1 % of paid awards get a retroactive payment, 0.3 % a recovery.
    pub(super) fn push_adjustments(
        &mut self,
        out: &mut Vec<PaymentRow>,
        award: &AwardRow,
        row: usize,
        paid: &[(usize, i64)],
    ) {
        let (Some(&(first, amount)), Some(&(last, _))) = (paid.first(), paid.last()) else {
            return;
        };
        let rng = &mut self.payments_rng;
        if first < last && rng.gen_bool(0.01) {
            let paid_in = rng.gen_range(first + 1..=(first + 3).min(last));
            let payment = self.payment(award, Some(row), (first, paid_in), RETROACTIVE, amount);
            out.push(payment);
        }
        let rng = &mut self.payments_rng;
        if rng.gen_bool(0.003) {
            let (month, amount) = paid[rng.gen_range(0..paid.len())];
            let recovered_in = rng.gen_range(month..=(month + 2).min(last).max(month));
            let share = rng.gen_range(10..=100);
            let recovered = -(amount * share / 100).max(1);
            let payment =
                self.payment(award, Some(row), (month, recovered_in), RECOVERY, recovered);
            out.push(payment);
        }
    }

    /// A payment of `award` (`award_row`: its row when the payment names it); `months` =
    /// (period month, payment month) as offsets into the year; paid on the 20th.
    pub(super) fn payment(
        &mut self,
        award: &AwardRow,
        award_row: Option<usize>,
        months: (usize, usize),
        payment_type: &'static str,
        amount: i64,
    ) -> PaymentRow {
        self.next_payment += 1;
        PaymentRow {
            person: award.person,
            award: award_row,
            payment_id: Id::Known(self.next_payment),
            person_id: award.person_id,
            award_id: award_row.map_or(Id::Null, |_| award.award_id),
            benefit: award.benefit,
            period_month: Some(self.world.months[months.0].start),
            payment_date: Some(self.world.months[months.1].start + 19),
            payment_type: Some(payment_type),
            amount: Some(amount),
        }
    }
}
