//! Aggregate: the ten tables of publication.md as full cubes, with the additivity relations
//! and cross-table links that disclosure control must respect.
/// The code lists, where the disclosure-control tests (`protect::tests`) name them.
pub use crate::codes;
pub mod cube;
pub mod payment_sums;
pub mod recipients;

use std::collections::BTreeSet;

use polars::prelude::*;

use crate::calendar::{date_lit, month_first_day};
use crate::catalog::TableId;
use crate::classify::Classified;
use crate::codes::*;
use crate::error::Result;
use crate::history::PublishedPeriod;
use crate::perf::chunks::{by_key_chunks, CHUNK_KEYS};
use crate::perf::keys::{award_key, person_key, AWARD_KEY, PERSON_KEY};
use crate::perf::positions::position_in;
use crate::period::Period;
use crate::regions::Classification;
use crate::table::{relations, Dimension, Hierarchy, Link, Measure, Relation, Status, Table, Unit};
use cube::Cube;
use payment_sums::payment_sums;
use recipients::{base_code, in_force_on, person_attributes, recipients};

pub struct Input<'a> {
    pub period: Period,
    pub persons: &'a LazyFrame,
    pub awards: &'a LazyFrame,
    /// Streamed: read from the file by each query that needs it.
    pub payments: Option<&'a LazyFrame>,
    /// `payments::paid_in_month` of the payments (`None` without payments).
    pub paid_in_month: Option<&'a DataFrame>,
    pub classified: &'a Classified,
    pub classification: &'a Classification,
}

/// The protected-table set: tables, their relations and links (indices into `tables`).
pub struct Aggregated {
    pub tables: Vec<Table>,
    pub relations: Vec<Vec<Relation>>,
    pub links: Vec<Link>,
}

fn dim(id: &'static str, codes: Vec<String>) -> Dimension {
    Dimension { id, codes }
}

fn str_col<'a>(df: &'a DataFrame, name: &str) -> Result<&'a StringChunked> {
    Ok(df.column(name)?.str()?)
}

/// A recipient under one of the fifteen benefit codes (its position in `BENEFITS`), with
/// their amount under it; sixteen bytes, as ten million persons make twenty million units.
struct Unit_ {
    amount: i64,
    row: u32,
    benefit: u8,
}

/// The position of a benefit code in `BENEFITS`.
fn benefit_position(code: &str) -> u8 {
    let position = BENEFITS.iter().position(|b| *b == code);
    position.expect("one of the fifteen benefit codes") as u8
}

pub fn aggregate(input: &Input) -> Result<Aggregated> {
    // Expenditure does not need the recipients: it is computed beside them (polars alone leaves
    // one of two cores idle for much of this stage), and the new recipients after them, which
    // keeps the two threads about equally long.
    let initial_months = input.classified.law.sp_initial_months.value;
    std::thread::scope(|scope| {
        let others = scope.spawn(|| -> Result<Option<Table>> {
            let started = std::time::Instant::now();
            let spent = input
                .payments
                .map(|payments| expenditure(payments, input.awards, input.period, initial_months))
                .transpose()?;
            tracing::debug!(seconds = started.elapsed().as_secs_f64(), "expenditure");
            Ok(spent)
        });
        let recipient_tables = recipient_tables(input)?;
        let started = std::time::Instant::now();
        let new = new_recipients(input.awards, input.persons, input.period, initial_months)?;
        tracing::debug!(seconds = started.elapsed().as_secs_f64(), "new recipients");
        let spent = others.join().expect("the expenditure thread panicked")?;
        let mut tables = recipient_tables;
        tables.extend(spent);
        tables.push(new);
        // In publication order (`TableId::ALL`).
        tables.sort_by_key(|t| TableId::order_of(t.id));
        let (relations, links) = attacker_knowledge(&tables, input.classification);
        Ok(Aggregated {
            tables,
            relations,
            links,
        })
    })
}

/// The seven tables of recipients in the reference month, in publication order.
fn recipient_tables(input: &Input) -> Result<Vec<Table>> {
    let period_code = input.period.to_string();
    let started = std::time::Instant::now();
    let r = recipients(
        input.classified,
        input.awards,
        input.persons,
        input.paid_in_month,
        input.period,
    )?;
    tracing::debug!(
        seconds = started.elapsed().as_secs_f64(),
        rows = r.height(),
        "recipients"
    );
    let person = r.column(PERSON_KEY)?.u64()?;
    let base = r.column("base")?.u8()?;
    let amount = r.column("amount")?.i64()?;

    // Units under every benefit code: the base row itself, NP / SP (one kind or phase per
    // person), and ALL with the sum of the person's amounts.
    let own = BASE_BENEFITS.map(benefit_position);
    let group = BASE_BENEFITS.map(|b| {
        let group =
            (NP_KINDS.contains(&b).then_some("NP")).or(SP_PHASES.contains(&b).then_some("SP"));
        group.map(benefit_position)
    });
    let all = benefit_position("ALL");
    let afvs = BASE_BENEFITS.len() - 1;
    let row_number = |row: usize| u32::try_from(row).expect("fewer than 2^32 recipient rows");
    let mut units: Vec<Unit_> = Vec::with_capacity(r.height() * 2);
    let rows = person.iter().zip(base.iter()).zip(amount.iter());
    let mut start = 0;
    let mut total = 0;
    let mut previous = None;
    for (row, ((p, b), a)) in rows.enumerate() {
        if row > 0 && p != previous {
            units.push(Unit_ {
                benefit: all,
                amount: total,
                row: row_number(start),
            });
            (start, total) = (row, 0);
        }
        previous = p;
        let a = a.unwrap_or(0);
        total += a;
        // Every row has a base code (`recipients`); none would count as AFVS.
        let b = b.map_or(afvs, usize::from);
        for benefit in std::iter::once(own[b]).chain(group[b]) {
            units.push(Unit_ {
                benefit,
                amount: a,
                row: row_number(row),
            });
        }
    }
    if r.height() > 0 {
        units.push(Unit_ {
            benefit: all,
            amount: total,
            row: row_number(start),
        });
    }
    let cl = input.classification;
    let abroad_countries: BTreeSet<&str> = homes(&r)?
        .filter(|(m, _)| m.is_none())
        .filter_map(|(_, c)| c)
        .collect();
    let countries: Vec<String> = std::iter::once("SSS")
        .chain(abroad_countries.iter().copied())
        .map(String::from)
        .collect();
    let empty = RecipientCubes::new(&period_code, cl, &countries);
    let rows = RecipientRows::new(&r, &empty)?;
    // The units are added in two halves on two threads (polars is not busy meanwhile); the
    // halves' cubes add up to the same cube.
    let fill = |part: &[Unit_]| {
        let mut cubes = RecipientCubes::new(&period_code, cl, &countries);
        for u in part {
            cubes.add(u, &rows);
        }
        cubes
    };
    let (first, second) = units.split_at(units.len() / 2);
    let mut cubes = std::thread::scope(|scope| {
        let other = scope.spawn(|| fill(second));
        let mut cubes = fill(first);
        cubes.merge(other.join().expect("the cube thread panicked"));
        cubes
    });
    cubes.roll_up(cl);
    tracing::debug!(
        seconds = started.elapsed().as_secs_f64(),
        "recipient tables"
    );
    Ok(cubes.into_tables())
}

/// What a recipient's row says, for every unit of it (`Unit_::row` indexes these), as
/// positions of the codes in the cubes' dimensions.
struct RecipientRows {
    sex: Vec<u16>,
    age: Vec<u16>,
    /// In `recipients_by_area`: the municipality, or ABROAD.
    area: Vec<u16>,
    /// In `recipients_abroad_by_country`: the country of a recipient living abroad.
    country: Vec<Option<u16>>,
    composition: Vec<u16>,
    /// Read per unit where a table needs them (guarantee and survivors' pensions): positions
    /// in `kinds` (`award_kinds()`) and in `SP_COMPOSITIONS`.
    kinds: Vec<&'static str>,
    kind: Vec<Option<u8>>,
    sp_composition: Vec<Option<u8>>,
}

/// Each recipient row's municipality where they live in Finland (`None` abroad), and country.
fn homes(r: &DataFrame) -> Result<impl Iterator<Item = (Option<&str>, Option<&str>)>> {
    let (municipality, country) = (str_col(r, "municipality")?, str_col(r, "country")?);
    let lives_in_finland = |c: Option<&str>| c == Some("FI");
    Ok(municipality
        .iter()
        .zip(country.iter())
        .map(move |(m, c)| (m.filter(|_| lives_in_finland(c)), c)))
}

/// A code's position, stored small: ten million recipient rows hold several.
fn small(position: usize) -> u16 {
    u16::try_from(position).expect("a dimension has fewer than 65 536 codes")
}

impl RecipientRows {
    fn new(r: &DataFrame, cubes: &RecipientCubes) -> Result<RecipientRows> {
        // A column of positions in `codes` (`recipients`) as positions in dimension `d` of
        // `cube`; `absent` where null.
        let positions = |column: &str, codes: &[&str], cube: &Cube, d: usize, absent: &str| {
            let at: Vec<u16> = codes.iter().map(|c| small(cube.position(d, c))).collect();
            let absent = small(cube.position(d, absent));
            let numbers = r.column(column)?.u8()?;
            Ok::<_, PolarsError>(
                numbers
                    .iter()
                    .map(|n| n.map_or(absent, |n| at[usize::from(n)]))
                    .collect(),
            )
        };
        let codes_of = |column: &str| -> Result<Vec<Option<u8>>> {
            Ok(r.column(column)?.u8()?.iter().collect())
        };
        let municipalities: PlHashMap<&str, u16> = cubes.by_area.dimensions[1]
            .codes
            .iter()
            .enumerate()
            .filter_map(|(p, code)| code.strip_prefix("KU").map(|m| (m, small(p))))
            .collect();
        let abroad = small(cubes.by_area.position(1, "ABROAD"));
        let ages = age_groups();
        let ages: Vec<&str> = ages.iter().map(String::as_str).collect();
        Ok(RecipientRows {
            sex: positions("sex", &SEXES, &cubes.by_age, 2, "SSS")?,
            age: positions("age_group", &ages, &cubes.by_age, 3, "SSS")?,
            area: homes(r)?
                .map(|(m, _)| {
                    m.and_then(|m| municipalities.get(m))
                        .copied()
                        .unwrap_or(abroad)
                })
                .collect(),
            country: homes(r)?
                .map(|(m, c)| {
                    m.is_none()
                        .then(|| small(cubes.abroad.position(1, c.unwrap_or("SSS"))))
                })
                .collect(),
            composition: positions(
                "np_composition",
                &NP_COMPOSITIONS,
                &cubes.structure,
                2,
                "REDUCED",
            )?,
            kinds: award_kinds(),
            kind: codes_of("kind")?,
            sp_composition: codes_of("sp_composition")?,
        })
    }

    /// The award kind of a row, if any.
    fn kind(&self, row: usize) -> Option<&'static str> {
        self.kind[row].map(|k| self.kinds[usize::from(k)])
    }

    /// The composition of a row's spouse's pension, if any.
    fn sp_composition(&self, row: usize) -> Option<&'static str> {
        self.sp_composition[row].map(|c| SP_COMPOSITIONS[usize::from(c)])
    }
}

/// The cubes of the seven recipient tables, in publication order.
struct RecipientCubes {
    by_age: Cube,
    by_area: Cube,
    structure: Cube,
    bands: Cube,
    abroad: Cube,
    gp: Cube,
    survivors: Cube,
}

impl RecipientCubes {
    fn new(period_code: &str, cl: &Classification, countries: &[String]) -> RecipientCubes {
        // Every cube has the period first; `medians` where the table publishes them.
        let cube = |dims: Vec<Dimension>, medians: bool| {
            let period = dim("period", vec![period_code.to_string()]);
            Cube::new(std::iter::once(period).chain(dims).collect(), medians)
        };
        let np_codes: Vec<String> = std::iter::once("NP".to_string())
            .chain(strings(&NP_KINDS))
            .collect();
        let by_sex_age = |id: &'static str, codes: Vec<String>| {
            cube(
                vec![
                    dim(id, codes),
                    dim("sex", sexes()),
                    dim("age_group", age_groups()),
                ],
                false,
            )
        };
        let cubes = RecipientCubes {
            by_age: cube(
                vec![
                    dim("benefit", benefits()),
                    dim("sex", sexes()),
                    dim("age_group", age_groups()),
                ],
                true,
            ),
            by_area: cube(
                vec![
                    dim("area", areas(cl)),
                    dim("benefit", benefits()),
                    dim("sex", sexes()),
                ],
                false,
            ),
            structure: cube(
                vec![
                    dim("benefit", np_codes),
                    dim("np_composition", strings(&NP_COMPOSITIONS)),
                    dim("sex", sexes()),
                ],
                false,
            ),
            bands: cube(
                vec![
                    dim("benefit", strings(&["NP", "GP"])),
                    dim("amount_band", amount_bands()),
                    dim("sex", sexes()),
                ],
                false,
            ),
            abroad: cube(
                vec![
                    dim("country", countries.to_vec()),
                    dim("benefit", benefits()),
                ],
                false,
            ),
            gp: by_sex_age("gp_basis", strings(&GP_BASES)),
            survivors: by_sex_age("survivors_category", strings(&SURVIVORS_CATEGORIES)),
        };
        let shared = |c: &Cube, d: usize| c.dimensions[d].codes.clone();
        for (cube, dims) in [
            (&cubes.by_area, [(2, 1), (3, 2)]),
            (&cubes.abroad, [(2, 1), (2, 1)]),
            (&cubes.structure, [(3, 2), (3, 2)]),
            (&cubes.bands, [(3, 2), (3, 2)]),
            (&cubes.gp, [(2, 2), (3, 3)]),
            (&cubes.survivors, [(2, 2), (3, 3)]),
        ] {
            for (own, in_by_age) in dims {
                assert_eq!(shared(cube, own), shared(&cubes.by_age, in_by_age));
            }
        }
        cubes
    }

    /// Adds one unit at its own codes in every table it counts in (`roll_up` adds the
    /// totals). The benefit, sex and age dimensions list the same codes in every cube that
    /// has them (checked in `new`), so their positions are those in `by_age`.
    fn add(&mut self, u: &Unit_, r: &RecipientRows) {
        let (row, a, benefit) = (u.row as usize, u.amount, BENEFITS[usize::from(u.benefit)]);
        let (sex, age) = (usize::from(r.sex[row]), usize::from(r.age[row]));
        let b = self.by_age.position(1, benefit);
        self.by_age.add_own(&[0, b, sex, age], a);
        self.by_area
            .add_own(&[0, usize::from(r.area[row]), b, sex], a);
        if benefit == "NP" || NP_KINDS.contains(&benefit) {
            let nb = self.structure.position(1, benefit);
            let composition = usize::from(r.composition[row]);
            self.structure.add_own(&[0, nb, composition, sex], a);
        }
        if benefit == "NP" || benefit == "GP" {
            let nb = self.bands.position(1, benefit);
            let band = self.bands.position(2, &amount_band(a));
            self.bands.add_own(&[0, nb, band, sex], a);
        }
        if let Some(country) = r.country[row] {
            self.abroad.add_own(&[0, usize::from(country), b], a);
        }
        if benefit == "GP" {
            let basis = self.gp.position(1, r.kind(row).unwrap_or("other"));
            self.gp.add_own(&[0, basis, sex, age], a);
        }
        if let Some(category) = survivors_category(benefit, r.kind(row), r.sp_composition(row)) {
            let category = self.survivors.position(1, category);
            self.survivors.add_own(&[0, category, sex, age], a);
        }
    }

    /// Counts every unit under the totals above its own codes: `SSS` in every dimension that
    /// has it, and for an area the levels of `area_levels`.
    fn roll_up(&mut self, cl: &Classification) {
        let mut area_above = self.by_area.own_and_total();
        let areas = &self.by_area.dimensions[1].codes;
        for (p, code) in areas.iter().enumerate() {
            let municipality = code.strip_prefix("KU");
            if municipality.is_some() || code == "ABROAD" {
                area_above[1][p] = area_levels(cl, municipality)
                    .iter()
                    .map(|level| self.by_area.position(1, level))
                    .collect();
            }
        }
        self.by_area.roll_up(&area_above);
        for cube in [
            &mut self.by_age,
            &mut self.structure,
            &mut self.bands,
            &mut self.abroad,
            &mut self.gp,
            &mut self.survivors,
        ] {
            let above = cube.own_and_total();
            cube.roll_up(&above);
        }
    }

    fn merge(&mut self, other: RecipientCubes) {
        self.by_age.merge(other.by_age);
        self.by_area.merge(other.by_area);
        self.structure.merge(other.structure);
        self.bands.merge(other.bands);
        self.abroad.merge(other.abroad);
        self.gp.merge(other.gp);
        self.survivors.merge(other.survivors);
    }

    fn into_tables(self) -> Vec<Table> {
        // (cube, table id, whether it publishes means)
        [
            (self.by_age, TableId::RecipientsByBenefitSexAge.id(), true),
            (self.by_area, TableId::RecipientsByArea.id(), true),
            (self.structure, TableId::NationalPensionStructure.id(), true),
            (self.bands, TableId::AmountDistribution.id(), false),
            (self.abroad, TableId::RecipientsAbroadByCountry.id(), true),
            (self.gp, TableId::GuaranteePensionByBasis.id(), true),
            (self.survivors, TableId::SurvivorsPensions.id(), true),
        ]
        .into_iter()
        .map(|(cube, id, mean)| cube.into_table(id, "recipients", mean))
        .collect()
    }
}

fn survivors_category(
    benefit: &str,
    kind: Option<&str>,
    sp_composition: Option<&str>,
) -> Option<&'static str> {
    match benefit {
        "SP_INIT" => Some("SP_INIT"),
        "SP_CONT" => Some(match sp_composition {
            Some("basic_and_additional") => "SP_CONT_BOTH",
            Some("basic_only") => "SP_CONT_BASIC",
            _ => "SP_CONT_ADD",
        }),
        "OP" => Some(if kind == Some("student") {
            "OP_STUDENT"
        } else {
            "OP_CHILD"
        }),
        _ => None,
    }
}

/// What the attacker knows besides the published cells: each table's relations (from its
/// dimensions and the classification) and the links between the tables. The run's
/// disclosure control and `kelastat audit` (from a publication's files) both use this.
pub fn attacker_knowledge(
    tables: &[Table],
    classification: &Classification,
) -> (Vec<Vec<Relation>>, Vec<Link>) {
    let relations = tables
        .iter()
        .map(|t| relations(t, &table_hierarchies(t, classification)))
        .collect();
    (relations, links(tables))
}

/// The additivity the attacker knows, per table (publication.md, "Additivity").
fn table_hierarchies(table: &Table, classification: &Classification) -> Vec<Hierarchy> {
    let mut out = Vec::new();
    for d in &table.dimensions {
        match d.id {
            "sex" | "age_group" | "country" | "np_composition" | "amount_band" | "gp_basis"
            | "survivors_category" | "payment_type" => out.push(total_hierarchy(d.id, &d.codes)),
            "area" => out.extend(area_hierarchies(classification)),
            "benefit" if table.id == TableId::NewRecipients.id() => {
                out.extend(new_recipient_hierarchies())
            }
            // Expenditure adds up over benefits; person counts are bounded under ALL.
            "benefit" => out.extend(benefit_hierarchies(table.id == TableId::Expenditure.id())),
            _ => {}
        }
    }
    out
}

/// Figures published in two tables (publication.md, "Linked tables").
fn links(tables: &[Table]) -> Vec<Link> {
    let find = |id: &str| tables.iter().position(|t| t.id == id);
    let mut out = Vec::new();
    let Some(main) = find(TableId::RecipientsByBenefitSexAge.id()) else {
        return out;
    };
    let m = &tables[main];
    let period = m.dimensions[0].codes[0].clone();
    let mut link = |other: Option<usize>, main_codes: &dyn Fn(&[&str]) -> Option<Vec<String>>| {
        let Some(o) = other else { return };
        let t = &tables[o];
        for cell in 0..t.cells() {
            let codes = t.codes(cell);
            if let Some(mc) = main_codes(&codes) {
                let mc: Vec<&str> = mc.iter().map(String::as_str).collect();
                if let Some(main_cell) = m.index(&mc) {
                    out.push(Link {
                        table_a: main,
                        cell_a: main_cell,
                        table_b: o,
                        cell_b: cell,
                    });
                }
            }
        }
    };
    let p = period.clone();
    // recipients_by_area at area ALL = the benefit × sex totals over ages.
    link(find(TableId::RecipientsByArea.id()), &|c| {
        (c[1] == "ALL").then(|| vec![p.clone(), c[2].into(), c[3].into(), "SSS".into()])
    });
    let p = period.clone();
    link(find(TableId::NationalPensionStructure.id()), &|c| {
        (c[2] == "SSS").then(|| vec![p.clone(), c[1].into(), c[3].into(), "SSS".into()])
    });
    let p = period.clone();
    link(find(TableId::AmountDistribution.id()), &|c| {
        (c[2] == "SSS").then(|| vec![p.clone(), c[1].into(), c[3].into(), "SSS".into()])
    });
    let p = period.clone();
    link(find(TableId::GuaranteePensionByBasis.id()), &|c| {
        (c[1] == "SSS").then(|| vec![p.clone(), "GP".into(), c[2].into(), c[3].into()])
    });
    let p = period.clone();
    link(find(TableId::SurvivorsPensions.id()), &|c| {
        (c[1] == "SP_INIT").then(|| vec![p.clone(), "SP_INIT".into(), c[2].into(), c[3].into()])
    });
    // recipients abroad (country SSS) = recipients_by_area at ABROAD, sex SSS.
    if let (Some(area), Some(country)) = (
        find(TableId::RecipientsByArea.id()),
        find(TableId::RecipientsAbroadByCountry.id()),
    ) {
        let (a, c) = (&tables[area], &tables[country]);
        for cell in 0..c.cells() {
            let codes = c.codes(cell);
            if codes[1] == "SSS" {
                if let Some(ac) = a.index(&[codes[0], "ABROAD", codes[2], "SSS"]) {
                    out.push(Link {
                        table_a: area,
                        cell_a: ac,
                        table_b: country,
                        cell_b: cell,
                    });
                }
            }
        }
    }
    out
}

/// Payments whose payment date is in the period, with the base code of their award: the
/// one named, else the person's award of the benefit in force in the payment's month with
/// the latest start; the spouse's-pension phase is the one in the payment's month.
/// (`PERSON_KEY`, `base` and `payment_type` as positions in `BASE_BENEFITS` and
/// `PAYMENT_TYPE_CODES`, `amount`.)
fn payments_with_codes(
    payments: &LazyFrame,
    awards: &LazyFrame,
    period: Period,
    initial_months: i64,
) -> Result<DataFrame> {
    // One streamed pass adds up the period's payments per award (or, without one, per person
    // and benefit) and type, a tenth of the rows. The month is kept where it decides the code.
    let summed = payment_sums(payments, period)?;
    // The award's person and benefit are the payment's (validation rejects a mismatch).
    let award_info = awards
        .clone()
        .select([
            award_key(col("award_id")),
            col("award_id"),
            person_key(col("person_id")),
            col("benefit"),
            col("kind"),
            col("start_date"),
            col("end_date"),
            col("deceased_death_date"),
        ])
        .collect()?;
    let columns = [
        col(PERSON_KEY),
        col("benefit"),
        col("kind"),
        col("deceased_death_date"),
        col("period_month"),
        col("payment_type"),
        col("amount"),
    ];
    let coded = |paid: LazyFrame| -> Result<DataFrame> {
        Ok(paid
            .select(columns.clone())
            .with_column(base_code(col("period_month"), initial_months).alias("base"))
            .select([
                col(PERSON_KEY),
                position_in(col("base"), &BASE_BENEFITS),
                position_in(col("payment_type"), &PAYMENT_TYPE_CODES),
                col("amount"),
            ])
            .collect()?)
    };
    let month_end = col("period_month").dt().month_end();
    // Only the awards of the persons paid without naming one can be those payments' awards:
    // the rest are filtered out before the join hashes them.
    let unnamed = summed
        .clone()
        .lazy()
        .filter(col(AWARD_KEY).is_null())
        .select([all().exclude_cols([AWARD_KEY]).as_expr()])
        .collect()?;
    // By a semi join: `is_in` on the persons as a literal list cost a tenth of the stage at
    // ten million persons.
    let paid_unnamed = unnamed.select([PERSON_KEY])?;
    let unnamed = unnamed
        .lazy()
        .join(
            award_info.clone().lazy().join(
                paid_unnamed.lazy(),
                [col(PERSON_KEY)],
                [col(PERSON_KEY)],
                JoinArgs::new(JoinType::Semi),
            ),
            [col(PERSON_KEY), col("benefit")],
            [col(PERSON_KEY), col("benefit")],
            JoinArgs::new(JoinType::Left),
        )
        // Every payment counts (expenditure is the sum of all payments of the period): its kind
        // is that of the award of its benefit in force in its month, else of the one that
        // started last; ties by the highest award id.
        .with_column(
            col("start_date")
                .lt_eq(month_end)
                .and(
                    col("end_date")
                        .is_null()
                        .or(col("end_date").gt_eq(col("period_month"))),
                )
                .fill_null(lit(false))
                .alias("__in_force"),
        )
        .sort_by_exprs(
            [col("__in_force"), col("start_date"), col("award_id")],
            SortMultipleOptions::default()
                .with_order_descending(true)
                .with_nulls_last(true),
        )
        .group_by([
            col(PERSON_KEY),
            col("benefit"),
            col("payment_type"),
            col("period_month"),
        ])
        .agg([all().as_expr().first()]);
    let unnamed = coded(unnamed)?;
    // The sums naming an award are joined to it in chunks of awards, so that each join's hash
    // table stays small (at ten million persons, all at once grew 20× from one million).
    let named = summed
        .lazy()
        .filter(col(AWARD_KEY).is_not_null())
        .select([
            col(AWARD_KEY),
            col("payment_type"),
            col("period_month"),
            col("amount"),
        ])
        .collect()?;
    let awards_given = award_info.height();
    let frames = [named, award_info];
    let mut paid = by_key_chunks(AWARD_KEY, frames, awards_given, CHUNK_KEYS, |chunk| {
        let [named, award_info] = chunk;
        coded(named.lazy().join(
            award_info.lazy(),
            [col(AWARD_KEY)],
            [col(AWARD_KEY)],
            JoinArgs::new(JoinType::Left),
        ))
    })?;
    paid.vstack_mut_owned(unnamed)?;
    Ok(paid)
}

/// `expenditure`: sums by payment date in the period, and the distinct persons paid.
/// `initial_months`: `Law::sp_initial_months`.
fn expenditure(
    payments: &LazyFrame,
    awards: &LazyFrame,
    period: Period,
    initial_months: i64,
) -> Result<Table> {
    let started = std::time::Instant::now();
    let paid = payments_with_codes(payments, awards, period, initial_months)?;
    tracing::debug!(
        seconds = started.elapsed().as_secs_f64(),
        rows = paid.height(),
        "payments with codes"
    );
    let sums = paid
        .clone()
        .lazy()
        .group_by([col("base"), col("payment_type")])
        .agg([col("amount").sum()])
        .collect()?;
    let dims = vec![
        dim("period", vec![period.to_string()]),
        dim("benefit", benefits()),
        dim("payment_type", strings(&PAYMENT_TYPE_CODES)),
    ];
    let mut money = Cube::new(dims.clone(), false);
    let p = period.to_string();
    let code = |n: Option<u8>| usize::from(n.expect("every payment has a base code and a type"));
    let (b, t, a) = (
        sums.column("base")?.u8()?,
        sums.column("payment_type")?.u8()?,
        sums.column("amount")?.i64()?,
    );
    for i in 0..sums.height() {
        let levels = benefit_levels(BASE_BENEFITS[code(b.get(i))]);
        let own_type = PAYMENT_TYPE_CODES[code(t.get(i))];
        money.add(
            &[&[p.as_str()], &levels, &[own_type, "SSS"]],
            a.get(i).unwrap_or(0),
        );
    }
    // Distinct persons per benefit level and payment type: each person's code counts under
    // itself, its group (NP, SP) and ALL, and under its type and SSS. With the rows in person
    // order, each person's cells are collected, deduplicated and counted once.
    let paid = paid.sort([PERSON_KEY], SortMultipleOptions::default())?;
    let types = PAYMENT_TYPE_CODES.len();
    // By position in `BASE_BENEFITS` and in `PAYMENT_TYPE_CODES`.
    let level_rows: Vec<Vec<usize>> = BASE_BENEFITS
        .iter()
        .map(|&b| {
            let levels = benefit_levels(b);
            levels
                .iter()
                .map(|level| money.position(1, level) * types)
                .collect()
        })
        .collect();
    let type_positions: Vec<usize> = PAYMENT_TYPE_CODES
        .iter()
        .map(|t| money.position(2, t))
        .collect();
    let all_types = money.position(2, "SSS");
    let mut persons = vec![0i64; money.count.len()];
    let mut count_person = |cells: &mut Vec<usize>| {
        cells.sort_unstable();
        cells.dedup();
        cells.iter().for_each(|&cell| persons[cell] += 1);
        cells.clear();
    };
    let (person, base, payment_type) = (
        paid.column(PERSON_KEY)?.u64()?,
        paid.column("base")?.u8()?,
        paid.column("payment_type")?.u8()?,
    );
    let mut cells = Vec::new();
    let mut current = None;
    for ((p, b), t) in person.iter().zip(base.iter()).zip(payment_type.iter()) {
        if p != current {
            count_person(&mut cells);
            current = p;
        }
        let own_type = type_positions[code(t)];
        for &row in &level_rows[code(b)] {
            cells.extend([row + own_type, row + all_types]);
        }
    }
    count_person(&mut cells);
    let mut table = Table::new(
        TableId::Expenditure.id(),
        dims,
        vec![
            Measure::new("expenditure", Unit::Euro),
            Measure::new("recipients_during_period", Unit::Persons),
        ],
    );
    for (cell, &n) in persons.iter().enumerate() {
        table.values[0][cell] = Some(money.sum[cell]);
        table.values[1][cell] = Some(n);
        table.persons[cell] = n;
    }
    Ok(table)
}

/// `new_recipients`: persons with an award of the code starting in the period and none of it
/// in force the day before the period began, at each code's own level.
///
/// In two passes: the awards started in the period (a few), then only their persons' awards in
/// force the day before. Coding every award in force (nearly all of them) cost a tenth of
/// aggregation at ten million persons.
fn new_recipients(
    awards: &LazyFrame,
    persons: &LazyFrame,
    period: Period,
    initial_months: i64,
) -> Result<Table> {
    let day_before = period.first_day().pred_opt().expect("a day before");
    let coded = |awards: LazyFrame, filter: Expr| -> Result<DataFrame> {
        Ok(awards
            .filter(filter)
            .select([
                col(PERSON_KEY),
                base_code(month_first_day(col("start_date")), initial_months).alias("base"),
            ])
            .collect()?)
    };
    let keyed = awards.clone().with_column(person_key(col("person_id")));
    let started = col("start_date")
        .gt_eq(date_lit(period.first_day()))
        .and(col("start_date").lt_eq(date_lit(period.last_day())));
    let started = coded(keyed.clone(), started)?;
    let rows = |frame: &DataFrame| -> Result<Vec<(u64, &'static str)>> {
        let (person, base) = (frame.column(PERSON_KEY)?.u64()?, str_col(frame, "base")?);
        let rows = person.iter().zip(base.iter()).filter_map(|(p, b)| {
            let (p, levels) = (p?, benefit_levels(b.unwrap_or("")));
            Some(levels.into_iter().map(move |level| (p, level)))
        });
        let mut rows: Vec<(u64, &'static str)> = rows.flatten().collect();
        rows.sort_unstable();
        rows.dedup();
        Ok(rows)
    };
    // A spouse's pension in force the day before makes neither phase new.
    fn key(level: &'static str) -> &'static str {
        if SP_PHASES.contains(&level) {
            "SP"
        } else {
            level
        }
    }
    let new = rows(&started)?;
    let mut newcomers: Vec<u64> = new.iter().map(|&(p, _)| p).collect();
    newcomers.dedup();
    let newcomers = DataFrame::new(
        newcomers.len(),
        vec![Column::new(PERSON_KEY.into(), newcomers)],
    )?;
    let theirs = keyed.join(
        newcomers.clone().lazy(),
        [col(PERSON_KEY)],
        [col(PERSON_KEY)],
        JoinArgs::new(JoinType::Semi),
    );
    let before = coded(theirs, in_force_on(date_lit(day_before)))?;
    let had: PlHashSet<(u64, &str)> = rows(&before)?
        .into_iter()
        .map(|(p, level)| (p, key(level)))
        .collect();
    // The newcomers' persons by a semi join (`is_in` on them as a literal list cost more than
    // the rest of the table at ten million persons), before their attributes are computed.
    let newcomers = persons
        .clone()
        .with_column(person_key(col("person_id")))
        .join(
            newcomers.lazy(),
            [col(PERSON_KEY)],
            [col(PERSON_KEY)],
            JoinArgs::new(JoinType::Semi),
        )
        .select([all().exclude_cols([PERSON_KEY]).as_expr()]);
    let attributes = person_attributes(&newcomers, period).collect()?;
    let (ids, sex, age) = (
        attributes.column(PERSON_KEY)?.u64()?,
        attributes.column("sex")?.u8()?,
        attributes.column("age_group")?.u8()?,
    );
    let ages = age_groups();
    let index: PlHashMap<u64, usize> = ids
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.map(|p| (p, i)))
        .collect();
    let p = period.to_string();
    let mut cube = Cube::new(
        vec![
            dim("period", vec![p.clone()]),
            dim("benefit", benefits()),
            dim("sex", sexes()),
            dim("age_group", age_groups()),
        ],
        false,
    );
    for (person, level) in new {
        if had.contains(&(person, key(level))) {
            continue;
        }
        let Some(&i) = index.get(&person) else {
            continue;
        };
        cube.add(
            &[
                &[p.as_str()],
                &[level],
                &[sex.get(i).map_or("SSS", |n| SEXES[usize::from(n)]), "SSS"],
                &[age.get(i).map_or("SSS", |n| &ages[usize::from(n)]), "SSS"],
            ],
            0,
        );
    }
    Ok(cube.into_table(TableId::NewRecipients.id(), "new_recipients", false))
}

/// `time_series`: the periods published before (`history`, each with its own published
/// figures) and the current period: recipients and mean amount from the protected
/// `recipients_by_benefit_sex_age` totals, expenditure from the protected `expenditure`
/// table (status `.` without payments), so each figure has the same value and status as there.
pub fn time_series(tables: &[Table], period: Period, history: &[PublishedPeriod]) -> Table {
    let p = period.to_string();
    let mut periods: Vec<Period> = history.iter().map(|h| h.period).collect();
    periods.push(period);
    periods.sort();
    let mut t = Table::new(
        TableId::TimeSeries.id(),
        vec![
            dim("period", periods.iter().map(Period::to_string).collect()),
            dim("benefit", benefits()),
        ],
        vec![
            Measure::new("recipients", Unit::Persons),
            Measure::new("mean_amount", Unit::EuroPerMonth),
            Measure::new("expenditure", Unit::Euro),
        ],
    );
    let main = tables
        .iter()
        .find(|t| t.id == TableId::RecipientsByBenefitSexAge.id())
        .expect("main table");
    let spending = tables.iter().find(|t| t.id == TableId::Expenditure.id());
    // A benefit missing from an earlier publication has no value there (`.`), never 0.
    for published in history {
        let code = published.period.to_string();
        for benefit in benefits() {
            let cell = t.index(&[&code, &benefit]).expect("published period cell");
            let row = published.rows.iter().find(|r| r.benefit == benefit);
            for k in 0..3 {
                t.values[k][cell] = row.and_then(|r| r.values[k]);
                t.status[k][cell] = row.map_or(Status::NotApplicable, |r| r.status[k]);
            }
            t.persons[cell] = t.values[0][cell].unwrap_or(0);
        }
    }
    for benefit in benefits() {
        let cell = t.index(&[&p, &benefit]).expect("current period cell");
        let m = main
            .index(&[&p, &benefit, "SSS", "SSS"])
            .expect("total cell");
        for k in 0..2 {
            t.values[k][cell] = main.values[k][m];
            t.status[k][cell] = main.status[k][m];
        }
        t.persons[cell] = main.persons[m];
        match spending {
            Some(e) => {
                let c = e.index(&[&p, &benefit, "SSS"]).expect("total cell");
                t.values[2][cell] = e.values[0][c];
                t.status[2][cell] = e.status[0][c];
            }
            None => {
                t.values[2][cell] = None;
                t.status[2][cell] = Status::NotApplicable;
            }
        }
    }
    t
}
