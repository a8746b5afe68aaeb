//! Payments: the monthly amount of every award of a chunk, as the classification stage
//! computes it with each month's parameters; the regular payments are these amounts.
use super::*;

// ---------------------------------------------------------------------------------------------
// Amounts: the classification of the chunk's registers, month by month.

/// Months from the 16th birthday to the earlier of `until` and the 65th birthday: the residence
/// period of rules.md, only to draw residence months short of it.
pub(super) fn residence_period(birth: i32, until: i32) -> i64 {
    months_between_dates(
        date_of_day(anniversary(birth, 16)),
        date_of_day(until.min(anniversary(birth, 65))),
    )
}

/// The monthly amount in cents of every award of the chunk, by award row and month of the
/// year: `classify` over the chunk's canonical frames with each month's parameters (0 where
/// the award is not in force or nothing is paid). The months are classified by parallel
/// workers (one classification of a chunk keeps the cores busy only part of the time).
pub(super) fn classified_amounts(
    world: &World,
    frames: &CanonicalFrames,
    chunk: &Chunk,
) -> Result<Vec<[i64; 12]>> {
    let mut amounts = vec![[0i64; 12]; chunk.awards.len()];
    let Some(Id::Known(first)) = chunk.awards.first().map(|a| a.award_id) else {
        return Ok(amounts);
    };
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, world.months.len());
    let by_worker = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                scope.spawn(move || {
                    (w..world.months.len())
                        .step_by(workers)
                        .map(|m| (m, month_amounts(world, frames, &world.months[m], first)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join())
            .collect::<std::result::Result<Vec<_>, _>>()
    })
    .map_err(|_| Error::Other("a classification thread of the generator panicked".into()))?;
    for (m, month) in by_worker.into_iter().flatten() {
        for (row, amount) in month? {
            let cell = amounts.get_mut(row).ok_or_else(|| {
                Error::Other(format!(
                    "classify returned an award not generated (row {row})"
                ))
            })?;
            cell[m] = amount;
        }
    }
    Ok(amounts)
}

/// (award row in the chunk, amount in cents) of every award in force in `month`; the award
/// row is the award's number less the chunk's first (`first`).
pub(super) fn month_amounts(
    world: &World,
    frames: &CanonicalFrames,
    month: &Month,
    first: u64,
) -> Result<Vec<(usize, i64)>> {
    let classified = frames.classify(
        world.classification,
        &month.params,
        Some(&["award_id", "amount"]),
    )?;
    let rows = &classified.rows;
    let ids = rows.column("award_id")?.str()?;
    let cents = rows.column("amount")?.i64()?;
    ids.iter()
        .zip(cents.iter())
        .map(|(id, amount)| {
            let row = id
                .and_then(|id| id.strip_prefix(AWARD_IDS.prefix))
                .and_then(|n| n.parse::<u64>().ok())
                .and_then(|n| n.checked_sub(first))
                .and_then(|row| usize::try_from(row).ok())
                .ok_or_else(|| {
                    Error::Other(format!("classify returned an award not generated: {id:?}"))
                })?;
            Ok((row, amount.unwrap_or(0)))
        })
        .collect()
}

/// The clean persons, awards and income of a chunk as the canonical frames `ingest` makes of
/// them (money in integer cents).
#[derive(Debug, Clone)]
pub(super) struct CanonicalFrames {
    pub(super) persons: DataFrame,
    pub(super) awards: DataFrame,
    pub(super) income: DataFrame,
}

pub(super) fn canonical_frames(chunk: &Chunk) -> Result<CanonicalFrames> {
    Ok(CanonicalFrames {
        persons: persons_frame(&chunk.persons)?,
        awards: awards_frame(&chunk.awards)?,
        income: income_frame(&chunk.income, Money::Cents)?,
    })
}

impl CanonicalFrames {
    /// `classify` over these frames, keeping `columns` (all when `None`).
    pub(super) fn classify(
        &self,
        classification: &Classification,
        params: &MonthParameters,
        columns: Option<&[&str]>,
    ) -> Result<Classified> {
        let persons = self.persons.clone().lazy();
        let awards = self.awards.clone().lazy();
        let income = self.income.clone().lazy();
        let input = Input {
            persons: &persons,
            awards: &awards,
            income: Some(&income),
            classification,
            params,
        };
        classify_keeping(&input, columns)
    }
}
