//! The population model: the codes the generator draws, the world of a run (its year,
//! months, parameters and samplers), the persons and their awards, and the generator that
//! draws them chunk by chunk into register rows.
use super::*;

// ---------------------------------------------------------------------------------------------
// Codes.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Benefit {
    NationalPension,
    GuaranteePension,
    SpousePension,
    OrphanPension,
    ChildIncrease,
    FrontVeteranSupplement,
    AdditionalFrontVeteranSupplement,
}

impl Benefit {
    pub(super) fn code(self) -> &'static str {
        match self {
            Benefit::NationalPension => "national_pension",
            Benefit::GuaranteePension => "guarantee_pension",
            Benefit::SpousePension => "spouse_pension",
            Benefit::OrphanPension => "orphan_pension",
            Benefit::ChildIncrease => "child_increase",
            Benefit::FrontVeteranSupplement => "front_veteran_supplement",
            Benefit::AdditionalFrontVeteranSupplement => "additional_front_veteran_supplement",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum IncomeType {
    EarningsRelatedPension,
    ForeignPension,
    SurvivorsPension,
    AccidentPension,
    EarnedIncome,
    CapitalIncome,
}

impl IncomeType {
    pub(super) fn code(self) -> &'static str {
        match self {
            IncomeType::EarningsRelatedPension => "earnings_related_pension",
            IncomeType::ForeignPension => "foreign_pension",
            IncomeType::SurvivorsPension => "survivors_pension",
            IncomeType::AccidentPension => "accident_pension",
            IncomeType::EarnedIncome => "earned_income",
            IncomeType::CapitalIncome => "capital_income",
        }
    }

    /// Counts 100 % for the national pension, guarantee pension and additional FVS.
    pub(super) fn counts_for_pensions(self) -> bool {
        matches!(
            self,
            IncomeType::EarningsRelatedPension
                | IncomeType::ForeignPension
                | IncomeType::SurvivorsPension
                | IncomeType::AccidentPension
        )
    }
}

/// Other pensions (cents a month) below which a person gets a guarantee pension award.
pub(super) const GUARANTEE_INCOME_LIMIT: i64 = 35_000;

pub(super) const REGULAR: &str = "regular";
pub(super) const RETROACTIVE: &str = "retroactive";
pub(super) const RECOVERY: &str = "recovery";

// ---------------------------------------------------------------------------------------------
// The population being generated.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Profile {
    OldAge,
    EarningsOnly,
    EarlyOldAge,
    Disability,
    Survivor,
    Orphan,
    FrontVeteran,
}

pub(super) const PROFILE_SHARES: &[(Profile, f64)] = &[
    (Profile::OldAge, 0.60),
    (Profile::Disability, 0.12),
    (Profile::EarlyOldAge, 0.03),
    (Profile::Survivor, 0.06),
    (Profile::Orphan, 0.05),
    (Profile::FrontVeteran, 0.003),
    (Profile::EarningsOnly, 0.137),
];

impl Profile {
    pub(super) fn couple_share(self) -> f64 {
        match self {
            Profile::OldAge | Profile::EarningsOnly | Profile::EarlyOldAge => 0.45,
            Profile::FrontVeteran => 0.30,
            Profile::Disability => 0.25,
            Profile::Survivor => 0.10,
            Profile::Orphan => 0.0,
        }
    }

    pub(super) fn death_share(self) -> f64 {
        match self {
            Profile::FrontVeteran => 0.15,
            Profile::OldAge | Profile::EarningsOnly => 0.025,
            Profile::EarlyOldAge => 0.015,
            Profile::Disability | Profile::Survivor | Profile::Orphan => 0.005,
        }
    }
}

/// Persons aged 65+ in Finland by five-year band (thousands, approximate).
pub(super) const OLD_AGE_BANDS: &[((i32, i32), f64)] = &[
    ((65, 69), 330.0),
    ((70, 74), 360.0),
    ((75, 79), 290.0),
    ((80, 84), 170.0),
    ((85, 89), 90.0),
    ((90, 94), 35.0),
    ((95, 100), 8.0),
];

/// Countries of residence abroad, weighted.
pub(super) const COUNTRIES_ABROAD: &[(&str, f64)] = &[
    ("SE", 50.0),
    ("ES", 10.0),
    ("DE", 6.0),
    ("EE", 6.0),
    ("NO", 5.0),
    ("US", 5.0),
    ("GB", 4.0),
    ("FR", 2.0),
    ("CH", 2.0),
    ("AU", 3.0),
    ("CA", 2.0),
    ("TH", 3.0),
    ("PT", 2.0),
];

/// Approximate populations of the largest municipalities.
pub(super) const LARGE_MUNICIPALITIES: &[(&str, f64)] = &[
    ("091", 670_000.0),
    ("049", 310_000.0),
    ("837", 250_000.0),
    ("092", 245_000.0),
    ("564", 215_000.0),
    ("853", 200_000.0),
    ("179", 148_000.0),
    ("297", 125_000.0),
    ("398", 121_000.0),
    ("609", 83_000.0),
    ("286", 79_000.0),
    ("167", 77_000.0),
    ("405", 73_000.0),
    ("109", 68_000.0),
    ("905", 68_000.0),
    ("743", 65_000.0),
    ("698", 65_000.0),
    ("491", 52_000.0),
    ("285", 51_000.0),
    ("734", 51_000.0),
];

/// A deterministic log-normal population (median 6000) for a municipality not listed in
/// [`LARGE_MUNICIPALITIES`], drawn from its code alone.
pub(super) fn small_municipality_weight(code: &str) -> f64 {
    let hash = code.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let mut rng = ChaCha8Rng::seed_from_u64(hash);
    let u1: f64 = rng.gen::<f64>().max(1e-12);
    let u2: f64 = rng.gen();
    let normal = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    (6000f64.ln() + 1.1 * normal).exp().min(45_000.0)
}

/// Items drawn with probabilities proportional to their weights.
#[derive(Debug, Clone)]
pub(super) struct WeightedPicker<T> {
    pub(super) items: Vec<T>,
    pub(super) cumulative: Vec<f64>,
}

impl<T: Copy> WeightedPicker<T> {
    pub(super) fn new(weighted: impl IntoIterator<Item = (T, f64)>) -> Self {
        let mut items = Vec::new();
        let mut cumulative = Vec::new();
        let mut total = 0.0;
        for (item, weight) in weighted {
            total += weight;
            items.push(item);
            cumulative.push(total);
        }
        assert!(total > 0.0, "a weighted picker needs a positive weight");
        WeightedPicker { items, cumulative }
    }

    pub(super) fn pick(&self, rng: &mut ChaCha8Rng) -> T {
        let total = *self.cumulative.last().expect("non-empty picker");
        let u = rng.gen::<f64>() * total;
        let i = self.cumulative.partition_point(|&c| c <= u);
        self.items[i.min(self.items.len() - 1)]
    }
}

/// One month of the reference year.
#[derive(Debug, Clone)]
pub(super) struct Month {
    pub(super) index: i32,
    pub(super) start: i32,
    /// The parameters in force on its first day.
    pub(super) params: MonthParameters,
}

/// Everything fixed for a run: the year, its months and parameters, and the samplers.
pub(super) struct World<'a> {
    pub(super) year: i32,
    pub(super) jan1: i32,
    pub(super) dec31: i32,
    pub(super) months: Vec<Month>,
    pub(super) classification: &'a Classification,
    pub(super) municipalities: WeightedPicker<&'a str>,
    pub(super) countries: WeightedPicker<&'static str>,
    pub(super) profiles: WeightedPicker<Profile>,
    pub(super) old_age_bands: WeightedPicker<(i32, i32)>,
    /// Birth years (the early old-age cohorts after the first, 1952-1961) whose early old-age
    /// pension could start before year Y.
    pub(super) early_cohorts: Vec<i32>,
    /// A municipality code not in the classification.
    pub(super) unknown_municipality: &'static str,
    /// The law's ages, cohorts and start dates (the parameter file's `[law]`).
    pub(super) law: Law,
}

impl<'a> World<'a> {
    pub(super) fn new(
        classification: &'a Classification,
        parameters: &ParameterFile,
        year: i32,
    ) -> Result<World<'a>> {
        let months = year_parameters(parameters, year)?
            .into_iter()
            .zip(1..)
            .map(|(params, m)| {
                let index = year * 12 + m;
                Month {
                    index,
                    start: first_day_of(index),
                    params,
                }
            })
            .collect();
        let municipalities = WeightedPicker::new(classification.municipalities.iter().map(|m| {
            let large = LARGE_MUNICIPALITIES
                .iter()
                .find(|(code, _)| *code == m.code);
            let weight = large.map_or_else(|| small_municipality_weight(&m.code), |l| l.1);
            (m.code.as_str(), weight)
        }));
        let unknown_municipality = ["999", "998", "997", "000"]
            .into_iter()
            .find(|code| classification.get(code).is_none())
            .unwrap_or("999");
        Ok(World {
            year,
            jan1: days_from_civil(year, 1, 1),
            dec31: days_from_civil(year, 12, 31),
            months,
            classification,
            municipalities,
            countries: WeightedPicker::new(COUNTRIES_ABROAD.iter().copied()),
            profiles: WeightedPicker::new(PROFILE_SHARES.iter().copied()),
            old_age_bands: WeightedPicker::new(OLD_AGE_BANDS.iter().copied()),
            early_cohorts: early_cohorts(&parameters.law)
                .filter(|&born| born + early_old_age_min_age(&parameters.law, born) < year)
                .collect(),
            unknown_municipality,
            law: parameters.law.clone(),
        })
    }

    pub(super) fn last_month(&self) -> i32 {
        self.months[11].index
    }
}

/// The birth years the generator draws early old-age pensioners from: the cohorts after the
/// first of `Law::early_old_age_cohorts` (1952-1961 under the law as it is).
fn early_cohorts(law: &Law) -> std::ops::RangeInclusive<i32> {
    let cohorts = &law.early_old_age_cohorts.value;
    let first = cohorts.first().map_or(0, |c| c.born_until + 1);
    let last = cohorts.last().map_or(-1, |c| c.born_until);
    first..=last
}

/// The lowest early old-age pension age of a cohort that has one (rules.md).
pub(super) fn early_old_age_min_age(law: &Law, born: i32) -> i32 {
    let age = law
        .early_old_age_min_age(born)
        .expect("a cohort with early pensions");
    i32::try_from(age).expect("an age")
}

#[derive(Debug, Clone)]
pub(super) struct Award {
    pub(super) number: u64,
    pub(super) benefit: Benefit,
    pub(super) kind: Option<&'static str>,
    pub(super) start: i32,
    pub(super) end: Option<i32>,
    pub(super) decision: i32,
    pub(super) early_months: Option<i64>,
    pub(super) deferral_months: Option<i64>,
    pub(super) residence_months: Option<i64>,
    pub(super) deceased_birth: Option<i32>,
    pub(super) deceased_death: Option<i32>,
    pub(super) child_under_18: Option<bool>,
    pub(super) children: Option<i64>,
}

#[derive(Debug, Clone)]
pub(super) struct Person<'a> {
    pub(super) number: u64,
    pub(super) birth: i32,
    pub(super) sex: i64,
    pub(super) death: Option<i32>,
    pub(super) country: &'static str,
    pub(super) municipality: Option<&'a str>,
    pub(super) couple: bool,
    pub(super) front_veteran: Option<&'static str>,
    /// Monthly amounts in cents, constant over the year.
    pub(super) incomes: Vec<(IncomeType, i64)>,
    pub(super) awards: Vec<Award>,
}

impl Person<'_> {
    pub(super) fn income(&self, counts: impl Fn(IncomeType) -> bool) -> i64 {
        self.incomes
            .iter()
            .filter(|(ty, _)| counts(*ty))
            .map(|(_, cents)| cents)
            .sum()
    }

    pub(super) fn alive_in(&self, month: i32) -> bool {
        self.death.is_none_or(|d| month_of_day(d) >= month)
    }

    pub(super) fn add_income(&mut self, ty: IncomeType, cents: i64) {
        if cents > 0 {
            self.incomes.push((ty, cents));
        }
    }
}
