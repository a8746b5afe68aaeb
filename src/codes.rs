//! The publication's codes (publication.md, "Dimensions and codes"), each list defined once, and
//! how register values map onto them: benefit codes and their levels, sexes, the age groups
//! (as labels and as the expression that bands an age), amount bands, areas and the additivity
//! of each dimension.
use polars::prelude::{lit, when, Expr};

use crate::money::int;
use crate::regions::Classification;
use crate::table::{Additivity, Hierarchy};

/// The twelve base benefit codes: every recipient row has exactly one of these.
pub const BASE_BENEFITS: [&str; 12] = [
    "NP_OLD",
    "NP_EARLY",
    "NP_DIS",
    "NP_REHAB",
    "GP",
    "SP_INIT",
    "SP_CONT",
    "OP",
    "CI",
    "FVS",
    "FVS_ABROAD",
    "AFVS",
];
pub const NP_KINDS: [&str; 4] = ["NP_OLD", "NP_EARLY", "NP_DIS", "NP_REHAB"];
pub const SP_PHASES: [&str; 2] = ["SP_INIT", "SP_CONT"];

/// All fifteen benefit codes in publication order.
pub const BENEFITS: [&str; 15] = [
    "ALL",
    "NP",
    "NP_OLD",
    "NP_EARLY",
    "NP_DIS",
    "NP_REHAB",
    "GP",
    "SP",
    "SP_INIT",
    "SP_CONT",
    "OP",
    "CI",
    "FVS",
    "FVS_ABROAD",
    "AFVS",
];

pub fn benefits() -> Vec<String> {
    strings(&BENEFITS)
}

/// The benefit codes a base code counts under: itself, its group (NP, SP) and ALL.
pub fn benefit_levels(base: &str) -> Vec<&'static str> {
    let own = BASE_BENEFITS.iter().find(|b| **b == base).copied();
    let mut out: Vec<&'static str> = own.into_iter().collect();
    if NP_KINDS.contains(&base) {
        out.push("NP");
    }
    if SP_PHASES.contains(&base) {
        out.push("SP");
    }
    out.push("ALL");
    out
}

pub const SEXES: [&str; 3] = ["SSS", "1", "2"];

pub fn sexes() -> Vec<String> {
    strings(&SEXES)
}

/// The lower bounds of the age groups: `0-15`, `16-19`, five-year groups from 20 to 89, `90-`.
fn age_group_bounds() -> Vec<i64> {
    [0, 16].into_iter().chain((20..=90).step_by(5)).collect()
}

/// The age groups (without the total) with the age each starts at, youngest first.
fn age_group_labels() -> Vec<(i64, String)> {
    let bounds = age_group_bounds();
    bounds
        .iter()
        .enumerate()
        .map(|(i, &lower)| match bounds.get(i + 1) {
            Some(next) => (lower, format!("{}-{}", lower, next - 1)),
            None => (lower, format!("{lower}-")),
        })
        .collect()
}

/// The age group codes, the total first.
pub fn age_groups() -> Vec<String> {
    let mut out = vec!["SSS".to_string()];
    out.extend(age_group_labels().into_iter().map(|(_, label)| label));
    out
}

/// The age group of each age (in whole years), as its code.
pub fn age_group(age: Expr) -> Expr {
    let labels = age_group_labels();
    let (_, oldest) = labels.last().expect("age groups").clone();
    let mut bands = labels.windows(2).map(|pair| (pair[1].0, pair[0].1.clone()));
    let mut band = || bands.next().expect("three age groups at least");
    let ((first, first_label), (second, second_label)) = (band(), band());
    let mut chain = when(age.clone().lt(int(first)))
        .then(lit(first_label))
        .when(age.clone().lt(int(second)))
        .then(lit(second_label));
    for (upper, label) in bands {
        chain = chain.when(age.clone().lt(int(upper))).then(lit(label));
    }
    chain.otherwise(lit(oldest))
}

pub fn amount_bands() -> Vec<String> {
    let mut out = vec!["SSS".to_string()];
    out.extend((0..10).map(|h| format!("{}-{}", h * 100, h * 100 + 99)));
    out.push("1000-".into());
    out
}

/// The band of a monthly amount in cents (lower bound inclusive, cent precision).
pub fn amount_band(cents: i64) -> String {
    match cents / 10_000 {
        h if h >= 10 => "1000-".into(),
        h => format!("{}-{}", h * 100, h * 100 + 99),
    }
}

/// The payment types of the expenditure table: the total and the register's types
/// (`registers::PAYMENT_TYPES`).
pub const PAYMENT_TYPE_CODES: [&str; 4] = ["SSS", "regular", "retroactive", "recovery"];
pub const NP_COMPOSITIONS: [&str; 3] = ["SSS", "FULL", "REDUCED"];
pub const GP_BASES: [&str; 5] = ["SSS", "old_age", "early_old_age", "disability", "other"];
/// The compositions of a spouse's pension, as classification names them.
pub const SP_COMPOSITIONS: [&str; 3] = ["basic_and_additional", "basic_only", "additional_only"];

/// Every kind of award of registers.md, each once.
pub fn award_kinds() -> Vec<&'static str> {
    let mut kinds: Vec<&'static str> = Vec::new();
    for kind in crate::registers::BENEFITS
        .iter()
        .flat_map(|(_, kinds)| kinds.iter())
    {
        if !kinds.contains(kind) {
            kinds.push(kind);
        }
    }
    kinds
}

pub const SURVIVORS_CATEGORIES: [&str; 7] = [
    "SP_INIT",
    "SP_CONT_BOTH",
    "SP_CONT_BASIC",
    "SP_CONT_ADD",
    "OP_CHILD",
    "OP_STUDENT",
    "SSS",
];

pub fn strings(codes: &[&str]) -> Vec<String> {
    codes.iter().map(|s| s.to_string()).collect()
}

/// Area codes: ALL, SSS, the regions, the wellbeing services counties, the municipalities,
/// ABROAD. Region and county codes come from the classification in use.
pub fn areas(classification: &Classification) -> Vec<String> {
    let mut regions: Vec<&str> = classification
        .municipalities
        .iter()
        .map(|m| m.region.as_str())
        .collect();
    regions.sort();
    regions.dedup();
    let mut counties: Vec<&str> = classification
        .municipalities
        .iter()
        .map(|m| m.county.as_str())
        .collect();
    counties.sort();
    counties.dedup();
    let mut out = vec!["ALL".to_string(), "SSS".into()];
    out.extend(regions.iter().map(|r| format!("MK{r}")));
    out.extend(counties.iter().map(|c| format!("HVA{c}")));
    out.extend(
        classification
            .municipalities
            .iter()
            .map(|m| format!("KU{}", m.code)),
    );
    out.push("ABROAD".into());
    out
}

/// The area codes a person living in `municipality` (or abroad, `None`) counts under.
pub fn area_levels(classification: &Classification, municipality: Option<&str>) -> Vec<String> {
    match municipality.and_then(|m| classification.get(m)) {
        Some(m) => vec![
            "ALL".into(),
            "SSS".into(),
            format!("MK{}", m.region),
            format!("HVA{}", m.county),
            format!("KU{}", m.code),
        ],
        None => vec!["ALL".into(), "ABROAD".into()],
    }
}

fn sum(dimension: &'static str, total: &str, parts: Vec<String>) -> Hierarchy {
    Hierarchy {
        dimension,
        total: total.into(),
        parts,
        additivity: Additivity::Sum,
    }
}

/// `SSS` = Σ the other codes of a dimension.
pub fn total_hierarchy(dimension: &'static str, codes: &[String]) -> Hierarchy {
    sum(
        dimension,
        "SSS",
        codes.iter().filter(|c| *c != "SSS").cloned().collect(),
    )
}

/// NP = Σ its kinds, SP = Σ its phases, and (for person counts) ALL bounded by the base codes;
/// with `additive_all` ALL = Σ base codes (money, or where a person counts once per base code).
pub fn benefit_hierarchies(additive_all: bool) -> Vec<Hierarchy> {
    let mut all = sum("benefit", "ALL", strings(&BASE_BENEFITS));
    if !additive_all {
        all.additivity = Additivity::Bounded;
    }
    vec![
        sum("benefit", "NP", strings(&NP_KINDS)),
        sum("benefit", "SP", strings(&SP_PHASES)),
        all,
    ]
}

/// New recipients over benefits (publication.md, "Additivity"): SP = Σ its phases (a new
/// spouse's pension counts under the phase of its start); a person new under NP or ALL is new
/// under one of its parts, but a change of kind, or a new benefit beside an old one, is new
/// under the part alone, so those totals are at most the sum of their parts and nothing more.
pub fn new_recipient_hierarchies() -> Vec<Hierarchy> {
    let at_most = |total: &str, parts: &[&str]| Hierarchy {
        additivity: Additivity::AtMost,
        ..sum("benefit", total, strings(parts))
    };
    vec![
        at_most("NP", &NP_KINDS),
        sum("benefit", "SP", strings(&SP_PHASES)),
        at_most("ALL", &BASE_BENEFITS),
    ]
}

/// ALL = SSS + ABROAD; SSS = Σ MK = Σ HVA = Σ KU; each MK = Σ its KU = Σ its HVA; each HVA = Σ its KU.
pub fn area_hierarchies(classification: &Classification) -> Vec<Hierarchy> {
    let m = &classification.municipalities;
    let codes = |f: &dyn Fn(&crate::regions::Municipality) -> String| {
        let mut v: Vec<String> = m.iter().map(f).collect();
        v.sort();
        v.dedup();
        v
    };
    let regions = codes(&|x| x.region.clone());
    let counties = codes(&|x| x.county.clone());
    let mut out = vec![
        sum("area", "ALL", vec!["SSS".into(), "ABROAD".into()]),
        sum(
            "area",
            "SSS",
            regions.iter().map(|r| format!("MK{r}")).collect(),
        ),
        sum(
            "area",
            "SSS",
            counties.iter().map(|c| format!("HVA{c}")).collect(),
        ),
        sum(
            "area",
            "SSS",
            m.iter().map(|x| format!("KU{}", x.code)).collect(),
        ),
    ];
    for r in &regions {
        let inside: Vec<_> = m.iter().filter(|x| &x.region == r).collect();
        out.push(sum(
            "area",
            &format!("MK{r}"),
            inside.iter().map(|x| format!("KU{}", x.code)).collect(),
        ));
        let mut hva: Vec<String> = inside.iter().map(|x| format!("HVA{}", x.county)).collect();
        hva.sort();
        hva.dedup();
        out.push(sum("area", &format!("MK{r}"), hva));
    }
    for c in &counties {
        out.push(sum(
            "area",
            &format!("HVA{c}"),
            m.iter()
                .filter(|x| &x.county == c)
                .map(|x| format!("KU{}", x.code))
                .collect(),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_benefits_are_the_benefits_without_their_totals() {
        let base: Vec<&str> = BENEFITS
            .into_iter()
            .filter(|b| !["ALL", "NP", "SP"].contains(b))
            .collect();
        assert_eq!(base, BASE_BENEFITS);
    }

    #[test]
    fn bands_and_levels() {
        assert_eq!(amount_band(0), "0-99");
        assert_eq!(amount_band(9_999), "0-99");
        assert_eq!(amount_band(10_000), "100-199");
        assert_eq!(amount_band(99_999), "900-999");
        assert_eq!(amount_band(100_000), "1000-");
        assert_eq!(amount_bands().len(), 12);
        assert_eq!(age_groups().len(), 18);
        assert_eq!(age_groups()[1..4], ["0-15", "16-19", "20-24"]);
        assert_eq!(age_groups()[16..], ["85-89", "90-"]);
        assert_eq!(
            PAYMENT_TYPE_CODES[1..],
            crate::registers::PAYMENT_TYPES[..],
            "the register's payment types under their total"
        );
        assert_eq!(benefits().len(), 15);
        assert_eq!(benefit_levels("NP_DIS"), vec!["NP_DIS", "NP", "ALL"]);
        assert_eq!(benefit_levels("GP"), vec!["GP", "ALL"]);
    }
}
