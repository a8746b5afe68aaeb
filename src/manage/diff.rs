//! `kelastat diff OLD NEW`: the revisions between two publications of a period, cell by cell,
//! per table: values changed, cells newly suppressed or newly published, other status changes,
//! rows added or removed. A summary line per table, and with `--csv FILE` every change as a
//! row (the revision table an office publishes).
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::error::{Error, Result};
use crate::money::parse_cents;
use crate::published::{read_table, table_ids, PublishedTable};

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier publication folder (e.g. out/archive/2024/2025-01-01T000000Z).
    pub old: PathBuf,
    /// The later publication folder (e.g. out/2024).
    pub new: PathBuf,
    /// Write every change to this CSV file.
    #[arg(long)]
    pub csv: Option<PathBuf>,
}

/// The kinds of change, in the order the summary names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    ValueChanged,
    NewlySuppressed,
    NewlyPublished,
    StatusChanged,
    RowAdded,
    RowRemoved,
}

impl Change {
    pub fn name(self) -> &'static str {
        match self {
            Change::ValueChanged => "value_changed",
            Change::NewlySuppressed => "newly_suppressed",
            Change::NewlyPublished => "newly_published",
            Change::StatusChanged => "status_changed",
            Change::RowAdded => "row_added",
            Change::RowRemoved => "row_removed",
        }
    }

    const ALL: [Change; 6] = [
        Change::ValueChanged,
        Change::NewlySuppressed,
        Change::NewlyPublished,
        Change::StatusChanged,
        Change::RowAdded,
        Change::RowRemoved,
    ];
}

/// One changed cell (or row, for rows added or removed: `measure` empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    pub table: String,
    /// `dimension=code` pairs joined by `;`.
    pub cell: String,
    pub measure: String,
    pub change: Change,
    pub old: (String, String),
    pub new: (String, String),
}

pub fn diff_command(args: &DiffArgs) -> Result<()> {
    for folder in [&args.old, &args.new] {
        if !folder.join("tables").is_dir() {
            return Err(Error::Usage(format!(
                "{}: not a publication folder (no tables/)",
                folder.display()
            )));
        }
    }
    let (revisions, tables) = diff(&args.old, &args.new)?;
    print!("{}", summary(&revisions, &tables));
    if let Some(path) = &args.csv {
        std::fs::write(path, revisions_csv(&revisions)).map_err(Error::io(path))?;
        println!("changes written to {}", path.display());
    }
    Ok(())
}

/// Every revision between two publication folders, and the ids of the tables compared
/// (those of either folder; a table in one only is all rows added or removed).
pub fn diff(old: &Path, new: &Path) -> Result<(Vec<Revision>, Vec<String>)> {
    let mut ids = table_ids(old);
    ids.extend(table_ids(new));
    ids.sort();
    ids.dedup();
    let mut revisions = Vec::new();
    for id in &ids {
        let before = read_table(old, id)?;
        let after = read_table(new, id)?;
        revisions.extend(table_revisions(id, before.as_ref(), after.as_ref()));
    }
    Ok((revisions, ids))
}

type Cells<'a> = BTreeMap<String, &'a [(String, String)]>;

fn cells(table: Option<&PublishedTable>) -> (Cells<'_>, Vec<String>) {
    let Some(t) = table else {
        return (BTreeMap::new(), Vec::new());
    };
    let cells = t
        .rows
        .iter()
        .map(|row| {
            let key: Vec<String> = t
                .dimensions
                .iter()
                .zip(&row.codes)
                .map(|(d, c)| format!("{d}={c}"))
                .collect();
            (key.join(";"), row.values.as_slice())
        })
        .collect();
    (cells, t.measures.clone())
}

fn table_revisions(
    id: &str,
    old: Option<&PublishedTable>,
    new: Option<&PublishedTable>,
) -> Vec<Revision> {
    let (before, old_measures) = cells(old);
    let (after, new_measures) = cells(new);
    let empty = (String::new(), String::new());
    let mut out = Vec::new();
    let mut revision =
        |cell: &str, measure: &str, change, old: &(String, String), new: &(String, String)| {
            out.push(Revision {
                table: id.to_string(),
                cell: cell.to_string(),
                measure: measure.to_string(),
                change,
                old: old.clone(),
                new: new.clone(),
            })
        };
    for (cell, values) in &before {
        match after.get(cell) {
            None => revision(cell, "", Change::RowRemoved, &empty, &empty),
            Some(new_values) => {
                for (k, measure) in old_measures.iter().enumerate() {
                    let Some(j) = new_measures.iter().position(|m| m == measure) else {
                        continue;
                    };
                    let (o, n) = (&values[k], &new_values[j]);
                    if let Some(change) = change_of(o, n) {
                        revision(cell, measure, change, o, n);
                    }
                }
            }
        }
    }
    for cell in after.keys().filter(|c| !before.contains_key(*c)) {
        revision(cell, "", Change::RowAdded, &empty, &empty);
    }
    out
}

/// How a cell's (value, status) changed, if it did. Values are compared as numbers (cents or
/// counts), so `12.5` and `12.50` (JSON-stat and CSV) are the same value.
fn change_of(old: &(String, String), new: &(String, String)) -> Option<Change> {
    const CONFIDENTIAL: &str = "..";
    match (old.1.as_str(), new.1.as_str()) {
        (a, b) if a == b => {
            let same = match (parse_cents(&old.0), parse_cents(&new.0)) {
                (Some(x), Some(y)) => x == y,
                _ => old.0 == new.0,
            };
            (!same).then_some(Change::ValueChanged)
        }
        (_, CONFIDENTIAL) => Some(Change::NewlySuppressed),
        (CONFIDENTIAL, _) => Some(Change::NewlyPublished),
        _ => Some(Change::StatusChanged),
    }
}

/// One line per table with changes, then the total.
pub fn summary(revisions: &[Revision], tables: &[String]) -> String {
    let mut out = String::new();
    let mut total = 0;
    for id in tables {
        let mut counts: BTreeMap<Change, usize> = BTreeMap::new();
        for r in revisions.iter().filter(|r| &r.table == id) {
            *counts.entry(r.change).or_default() += 1;
        }
        if counts.is_empty() {
            let _ = writeln!(out, "{id}: no change");
            continue;
        }
        let parts: Vec<String> = Change::ALL
            .iter()
            .filter_map(|c| {
                counts
                    .get(c)
                    .map(|n| format!("{} {n}", c.name().replace('_', " ")))
            })
            .collect();
        total += counts.values().sum::<usize>();
        let _ = writeln!(out, "{id}: {}", parts.join(", "));
    }
    let _ = writeln!(out, "{total} changes in {} tables", tables.len());
    out
}

/// `table,cell,measure,change,old_value,old_status,new_value,new_status`.
pub fn revisions_csv(revisions: &[Revision]) -> String {
    let field = |s: &str| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out =
        String::from("table,cell,measure,change,old_value,old_status,new_value,new_status\n");
    for r in revisions {
        let row = [
            r.table.as_str(),
            &r.cell,
            &r.measure,
            r.change.name(),
            &r.old.0,
            &r.old.1,
            &r.new.0,
            &r.new.1,
        ];
        let row: Vec<String> = row.iter().map(|f| field(f)).collect();
        let _ = writeln!(out, "{}", row.join(","));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(value: &str, status: &str) -> (String, String) {
        (value.into(), status.into())
    }

    #[test]
    fn changes_of_a_cell() {
        assert_eq!(change_of(&v("12.5", ""), &v("12.50", "")), None);
        assert_eq!(
            change_of(&v("12", ""), &v("13", "")),
            Some(Change::ValueChanged)
        );
        assert_eq!(
            change_of(&v("2", ""), &v("", "..")),
            Some(Change::NewlySuppressed)
        );
        assert_eq!(
            change_of(&v("", ".."), &v("5", "")),
            Some(Change::NewlyPublished)
        );
        assert_eq!(
            change_of(&v("", "."), &v("5", "")),
            Some(Change::StatusChanged)
        );
        assert_eq!(change_of(&v("", ".."), &v("", "..")), None);
    }
}
