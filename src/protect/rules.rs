//! Secondary suppression by local rules: each relation on its own, to a fixed point.
//!
//! The rules look at one relation at a time and ask what it alone tells the attacker about
//! its suppressed figures, with the published figures at their values and every other
//! suppressed figure only known to be ≥ 1. They are cheap and settle most cases; what they
//! miss (knowledge that only several relations together give, such as a count under `ALL`
//! bounding its benefits while the benefits add up over areas and sexes) is left to the
//! audit's programs and the repair (`attack::repair`, else [`partner`]).
//!
//! Whenever a rule needs one more suppression it takes, among the published figures of the
//! relation with persons > 0 (zeros are always published), the one that leaves the fewest
//! relations with a lone suppressed figure (each of those would need yet another
//! suppression, so this keeps the pattern from spreading through the hierarchies), then the
//! one with the fewest persons, then the lowest figure number (table order, then cell order).
//! The relations are revisited in index order until none needs anything, so the pattern
//! depends only on the input.
use std::collections::BTreeSet;

use super::model::{Model, Rel};

/// The number of relations in which `f`, once suppressed, would be the only suppressed
/// figure and so need a further suppression (`Sum` ones, and `Bounded` ones of tables with
/// money).
fn lonely(model: &Model, supp: &[bool], f: usize) -> usize {
    model.rels_of[f]
        .iter()
        .filter(|&&r| {
            let rel = &model.rels[r];
            (!rel.bounded || model.money[rel.table]) && rel.figures().all(|g| g == f || !supp[g])
        })
        .count()
}

/// How a candidate partner ranks, lowest first: a headline figure (grand total or one-way
/// margin) last, then the fewest new lone suppressions, then the lowest cost, then the lowest
/// number.
fn rank(model: &Model, supp: &[bool], f: usize) -> (bool, usize, i64, usize) {
    (model.headline[f], lonely(model, supp, f), model.cost[f], f)
}

/// The cheapest published figure with persons > 0 among `candidates` (see [`rank`]).
fn cheapest(
    model: &Model,
    supp: &[bool],
    candidates: impl Iterator<Item = usize>,
) -> Option<usize> {
    candidates
        .filter(|&f| !supp[f] && model.persons[f] > 0)
        .min_by_key(|&f| rank(model, supp, f))
}

/// What one relation still needs: a figure to suppress, or `None` when it is safe on its own.
///
/// `Sum` (total = Σ parts):
/// - the total alone suppressed: it equals the sum of the published parts, so a part goes too;
/// - the total published and the suppressed parts S (m of them): their sum K is known, and
///   each lies in [1, K − m + 1]. One alone (m = 1) is known exactly. A primary one is safe
///   only if that interval reaches `min_persons`: K − m + 1 ≥ min_persons. This is the rule
///   that catches two cells of 1 and 1 beside a published total (K = 2, m = 2: both are 1).
///   Every published figure with persons > 0 has at least `min_persons` (else it would be
///   primary), so suppressing any one more part fixes the inequality, and so does the total
///   (then nothing bounds the parts here); the cheapest of them goes. For a money-only
///   relation (see `Rel::persons`) only m ≥ 2 is required: money has no lower bound to pin
///   it, and the count side does not obey this relation.
/// - the total and at least one part suppressed: the total has no upper bound here, so
///   neither have the parts: nothing to do locally.
///
/// `Bounded` (max parts ≤ total ≤ Σ parts for the counts; for the amount sums of a table
/// with money, total = Σ parts, so a lone suppressed figure takes a partner as in `Sum`):
/// - the total suppressed, all parts published, at most one of them nonzero: the total equals
///   that part; suppress the part;
/// - the total published, one part suppressed and the other parts all zero: the part equals
///   the total; suppress the total. Otherwise the part lies in [max(1, total − Σ others),
///   total], which is wide enough: a published total is ≥ `min_persons`.
///
/// `AtMost` (total ≤ Σ parts, new recipients): the total suppressed beside published parts
/// lies in [1, Σ parts]; a primary total needs Σ parts ≥ `min_persons`, else a nonzero part
/// is suppressed. A suppressed part has no upper bound here.
fn needs(model: &Model, supp: &[bool], rel: &Rel, min_persons: i64) -> Option<usize> {
    let suppressed: Vec<usize> = rel.parts.iter().copied().filter(|&f| supp[f]).collect();
    let total_suppressed = supp[rel.total];
    if rel.bounded {
        // The amount sums add up under `ALL` (see `Model::money`): a lone suppressed one
        // would be known.
        if model.money[rel.table] && suppressed.len() + total_suppressed as usize == 1 {
            return cheapest(model, supp, rel.figures());
        }
        if !rel.persons {
            return None;
        }
        if total_suppressed {
            if suppressed.is_empty() {
                let nonzero: Vec<usize> = rel
                    .parts
                    .iter()
                    .copied()
                    .filter(|&f| model.persons[f] > 0)
                    .collect();
                let exposed = if rel.lower {
                    nonzero.len() <= 1
                } else {
                    let sum: i64 = nonzero.iter().map(|&f| model.persons[f]).sum();
                    model.is_primary(rel.total, min_persons) && sum < min_persons
                };
                if exposed {
                    return cheapest(model, supp, nonzero.into_iter());
                }
            }
            return None;
        }
        if !rel.lower {
            return None;
        }
        if suppressed.len() == 1 {
            let others: i64 = rel
                .parts
                .iter()
                .filter(|&&f| !supp[f])
                .map(|&f| model.persons[f])
                .sum();
            if others == 0 && model.persons[rel.total] > 0 {
                return Some(rel.total);
            }
        }
        return None;
    }

    if total_suppressed {
        if suppressed.is_empty() {
            return cheapest(model, supp, rel.parts.iter().copied());
        }
        return None;
    }
    if suppressed.is_empty() {
        return None;
    }
    let m = suppressed.len() as i64;
    let known_sum: i64 = suppressed.iter().map(|&f| model.persons[f]).sum();
    let has_primary = suppressed.iter().any(|&f| model.is_primary(f, min_persons));
    let safe = m >= 2 && (!rel.persons || !has_primary || known_sum - m + 1 >= min_persons);
    if safe {
        return None;
    }
    cheapest(model, supp, rel.figures())
}

/// Applies [`needs`] to every relation touching a suppressed figure until none needs
/// anything. Returns the number of figures it suppressed.
pub(super) fn close(model: &Model, supp: &mut [bool], min_persons: i64) -> usize {
    let mut queue: BTreeSet<usize> = (0..model.rels.len())
        .filter(|&r| model.rels[r].figures().any(|f| supp[f]))
        .collect();
    let mut added = 0;
    while let Some(r) = queue.pop_first() {
        if let Some(f) = needs(model, supp, &model.rels[r], min_persons) {
            supp[f] = true;
            added += 1;
            queue.extend(model.rels_of[f].iter().copied());
        }
    }
    added
}

/// The figure to suppress for a figure `f` that the audit found exposed by several relations
/// together. The search widens ring by ring: first the figures sharing a relation with `f`,
/// then those sharing one with the suppressed figures of that ring, and so on through the
/// suppressed figures that bind `f`; in the first ring with a published figure holding
/// persons, the cheapest as in the rules. `money` restricts the search to the money relations
/// of that table (a money sum found determined); else the person-count relations are used.
/// `None` when there is nothing left to suppress.
pub(super) fn partner(
    model: &Model,
    supp: &[bool],
    f: usize,
    money: Option<usize>,
) -> Option<usize> {
    let usable = |r: &Rel| match money {
        Some(t) => r.table == t,
        None => r.persons,
    };
    let mut seen = vec![false; model.figures()];
    seen[f] = true;
    let mut ring = vec![f];
    while !ring.is_empty() {
        let mut best: Option<(bool, usize, i64, usize)> = None;
        let mut next = Vec::new();
        for &g in &ring {
            for &r in &model.rels_of[g] {
                let rel = &model.rels[r];
                if !usable(rel) {
                    continue;
                }
                for h in rel.figures() {
                    if supp[h] {
                        if !seen[h] {
                            seen[h] = true;
                            next.push(h);
                        }
                    } else if model.persons[h] > 0 {
                        let cost = rank(model, supp, h);
                        if best.is_none_or(|b| cost < b) {
                            best = Some(cost);
                        }
                    }
                }
            }
        }
        if let Some((_, _, _, h)) = best {
            return Some(h);
        }
        next.sort_unstable();
        ring = next;
    }
    None
}
