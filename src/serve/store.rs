//! The publications being served, held in memory: one API table per published table id and
//! kind of period (years, months), with every live period of that kind as its time variable.
//!
//! Only `<out>/<period>/` folders are read (never `archive/`, `rejects/` or `.tmp-*`), and only
//! the publication's own files: `tables/<id>.csv` for values and statuses, `codelists.csv` for
//! code labels, `manifest.json` for the publication time. A `Store` is built whole and then
//! swapped in (mod.rs), so a request sees one consistent set of publications.
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use chrono::{DateTime, Utc};
use polars::prelude::*;

use crate::catalog::TABLE_IDS as TABLES;
use crate::error::{Error, Result};
use crate::labels::{Codelists, Labels};
use crate::money::parse_cents;
use crate::period::Period;
use crate::publish::PublicationInfo;
use crate::table::{Dimension, Measure, Status, Table, Unit};

/// Years or months: the two kinds of period a table is served for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Annual,
    Monthly,
}

impl Kind {
    pub fn of(period: Period) -> Kind {
        match period {
            Period::Year(_) => Kind::Annual,
            Period::Month(..) => Kind::Monthly,
        }
    }

    /// The API table id of a published table: the id itself for years, `<id>_monthly` for months.
    pub fn api_id(self, table_id: &str) -> String {
        match self {
            Kind::Annual => table_id.to_string(),
            Kind::Monthly => format!("{table_id}_monthly"),
        }
    }

    /// PxWeb's `timeUnit`.
    pub fn time_unit(self) -> &'static str {
        match self {
            Kind::Annual => "Annual",
            Kind::Monthly => "Monthly",
        }
    }
}

/// One live publication folder and the text of its manifest (which lists every file's SHA-256,
/// so equal text means an unchanged publication).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LivePeriod {
    pub period: Period,
    pub dir: PathBuf,
    pub manifest: String,
}

/// The live publications of an output root, in period order. A folder is a publication when
/// its name is a period and it holds `manifest.json` (written last, inside the temporary folder
/// that is renamed into place).
pub fn live_periods(out: &Path) -> Result<Vec<LivePeriod>> {
    let entries = std::fs::read_dir(out).map_err(Error::io(out))?;
    let mut live = Vec::new();
    for entry in entries.filter_map(|e| e.ok()) {
        let Some(period) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<Period>().ok())
        else {
            continue;
        };
        let dir = entry.path();
        if let Ok(manifest) = std::fs::read_to_string(dir.join("manifest.json")) {
            live.push(LivePeriod {
                period,
                dir,
                manifest,
            });
        }
    }
    live.sort_by_key(|p| p.period);
    Ok(live)
}

/// One API table: the published table's cube over every live period of one kind.
#[derive(Debug)]
pub struct ApiTable {
    pub id: String,
    pub kind: Kind,
    /// `period` first, then the published table's dimensions; codes are the union over periods.
    pub table: Table,
    /// The latest publication time of its periods.
    pub updated: DateTime<Utc>,
    /// What the writers state about it (the latest period's publication).
    pub info: PublicationInfo,
}

impl ApiTable {
    pub fn periods(&self) -> &[String] {
        &self.table.dimensions[0].codes
    }
}

#[derive(Debug)]
pub struct Store {
    /// In the order of `catalog::TABLE_IDS`, years before months.
    pub tables: Vec<ApiTable>,
    /// Labels of every code, from the publications' `codelists.csv` (the latest wins).
    pub codelists: Codelists,
    by_id: HashMap<String, usize>,
}

impl Store {
    pub fn table(&self, id: &str) -> Option<&ApiTable> {
        self.by_id.get(id).map(|&i| &self.tables[i])
    }

    /// Every code of a dimension over all tables, in first-seen order.
    pub fn dimension_codes(&self, dimension: &str) -> Vec<String> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for t in &self.tables {
            for d in t.table.dimensions.iter().filter(|d| d.id == dimension) {
                for c in &d.codes {
                    if seen.insert(c.clone()) {
                        out.push(c.clone());
                    }
                }
            }
        }
        out
    }

    /// Reads every live publication; an unreadable file is an error naming it.
    pub fn load(live: &[LivePeriod]) -> Result<Store> {
        let mut labels: Vec<(String, String, Labels)> = Vec::new();
        let mut published: Vec<(Period, Publication)> = Vec::new();
        for p in live {
            let publication = Publication::read(p)?;
            labels.extend(read_codelists(&p.dir.join("codelists.csv"))?);
            published.push((p.period, publication));
        }
        let mut tables = Vec::new();
        for kind in [Kind::Annual, Kind::Monthly] {
            let of_kind: Vec<&(Period, Publication)> = published
                .iter()
                .filter(|(period, _)| Kind::of(*period) == kind)
                .collect();
            for id in TABLES {
                let parts: Vec<(Period, &Publication, &PublishedTable)> = of_kind
                    .iter()
                    .filter_map(|(period, p)| p.tables.get(id).map(|t| (*period, p, t)))
                    .collect();
                if let Some(last) = parts.last() {
                    tables.push(ApiTable {
                        id: kind.api_id(id),
                        kind,
                        table: merge(id, &parts),
                        updated: parts.iter().map(|(_, p, _)| p.published_at).max().unwrap(),
                        info: last.1.info.clone(),
                    });
                }
            }
        }
        let by_id = tables
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id.clone(), i))
            .collect();
        Ok(Store {
            tables,
            codelists: Codelists::from_published(labels),
            by_id,
        })
    }
}

/// One publication's tables as read from its CSV files.
struct Publication {
    info: PublicationInfo,
    published_at: DateTime<Utc>,
    tables: HashMap<&'static str, PublishedTable>,
}

/// A published CSV: dimension columns (codes) and per measure a value and a status column.
struct PublishedTable {
    dimensions: Vec<&'static str>,
    measures: Vec<Measure>,
    rows: Vec<PublishedRow>,
}

/// One row of a published CSV: the codes, then per measure the value and status.
type PublishedRow = (Vec<String>, Vec<(Option<i64>, Status)>);

impl Publication {
    fn read(live: &LivePeriod) -> Result<Publication> {
        let manifest_file = live.dir.join("manifest.json");
        let unreadable = |reason: String| Error::Unreadable {
            file: manifest_file.clone(),
            reason,
        };
        let manifest: serde_json::Value =
            serde_json::from_str(&live.manifest).map_err(|e| unreadable(e.to_string()))?;
        let text = |pointer: &str| manifest.pointer(pointer).and_then(|v| v.as_str());
        let published_at = text("/published_at")
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| unreadable("no published_at time".into()))?;
        let info = PublicationInfo {
            period: live.period.to_string(),
            published_at,
            software_version: text("/software_version").unwrap_or_default().into(),
            parameters_sha256: text("/parameters/sha256").unwrap_or_default().into(),
        };
        let mut tables = HashMap::new();
        for id in TABLES {
            let file = live.dir.join("tables").join(format!("{id}.csv"));
            if file.is_file() {
                let table = read_table_csv(&file).map_err(|reason| Error::Unreadable {
                    file: file.clone(),
                    reason,
                })?;
                tables.insert(id, table);
            }
        }
        Ok(Publication {
            info,
            published_at,
            tables,
        })
    }
}

/// The unit of a published measure (its values are cents when money).
fn unit_of(measure: &str) -> Option<Unit> {
    match measure {
        "recipients" | "new_recipients" | "recipients_during_period" => Some(Unit::Persons),
        "mean_amount" | "median_amount" => Some(Unit::EuroPerMonth),
        "expenditure" => Some(Unit::Euro),
        _ => None,
    }
}

/// A `&'static str` for a dimension or measure id read from a file (the model's ids are
/// static; the set of names is small and fixed, so each is leaked once).
fn intern(name: &str) -> &'static str {
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut names = NAMES.get_or_init(Default::default).lock().expect("names");
    if let Some(n) = names.get(name) {
        return n;
    }
    let leaked: &'static str = Box::leak(name.to_string().into_boxed_str());
    names.insert(leaked);
    leaked
}

fn read_strings(file: &Path) -> std::result::Result<DataFrame, String> {
    CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(file.to_path_buf()))
        .and_then(|r| r.finish())
        .map_err(|e| e.to_string())
}

fn column(df: &DataFrame, name: &str) -> std::result::Result<StringChunked, String> {
    let c = df.column(name).map_err(|_| format!("no column {name}"))?;
    Ok(c.str().map_err(|e| e.to_string())?.clone())
}

/// A published table CSV: a column `<m>` followed by `<m>_status` is a measure; the columns
/// before the first measure are the dimensions.
fn read_table_csv(file: &Path) -> std::result::Result<PublishedTable, String> {
    let df = read_strings(file)?;
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let first_measure = names
        .iter()
        .position(|n| names.contains(&format!("{n}_status")))
        .ok_or("no measure column (a column followed by <measure>_status)")?;
    let dimensions: Vec<&'static str> = names[..first_measure].iter().map(|n| intern(n)).collect();
    let mut measures = Vec::new();
    for pair in names[first_measure..].chunks(2) {
        let id = &pair[0];
        if pair.get(1) != Some(&format!("{id}_status")) {
            return Err(format!("column {id} is not followed by {id}_status"));
        }
        let unit = unit_of(id).ok_or_else(|| format!("column {id}: unknown measure"))?;
        measures.push(Measure::new(intern(id), unit));
    }
    let dimension_columns = dimensions
        .iter()
        .map(|d| column(&df, d))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let measure_columns = measures
        .iter()
        .map(|m| {
            Ok((
                column(&df, m.id)?,
                column(&df, &format!("{}_status", m.id))?,
            ))
        })
        .collect::<std::result::Result<Vec<_>, String>>()?;
    let mut rows = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        let line = i + 2;
        let codes = dimension_columns
            .iter()
            .map(|c| c.get(i).unwrap_or_default().to_string())
            .collect();
        let mut cells = Vec::with_capacity(measures.len());
        for (m, (values, statuses)) in measures.iter().zip(&measure_columns) {
            let symbol = statuses.get(i).unwrap_or_default();
            let status = Status::from_symbol(symbol).ok_or_else(|| {
                format!(
                    "row {line}, column {}_status: unknown status '{symbol}'",
                    m.id
                )
            })?;
            let value = if status == Status::Value {
                let text = values.get(i).unwrap_or_default();
                let parsed = if m.is_money() {
                    parse_cents(text)
                } else {
                    text.parse().ok()
                };
                Some(parsed.ok_or_else(|| {
                    format!("row {line}, column {}: '{text}' is not a number", m.id)
                })?)
            } else {
                None
            };
            cells.push((value, status));
        }
        rows.push((codes, cells));
    }
    Ok(PublishedTable {
        dimensions,
        measures,
        rows,
    })
}

/// `codelists.csv`: dimension, code, label_fi, label_sv, label_en.
fn read_codelists(file: &Path) -> Result<Vec<(String, String, Labels)>> {
    let unreadable = |reason: String| Error::Unreadable {
        file: file.to_path_buf(),
        reason,
    };
    let df = read_strings(file).map_err(unreadable)?;
    let columns = ["dimension", "code", "label_fi", "label_sv", "label_en"]
        .map(|c| column(&df, c).map_err(unreadable));
    let [d, c, fi, sv, en] = columns;
    let (d, c, fi, sv, en) = (d?, c?, fi?, sv?, en?);
    Ok((0..df.height())
        .map(|i| {
            let get = |s: &StringChunked| s.get(i).unwrap_or_default().to_string();
            (
                get(&d),
                get(&c),
                Labels::new(&get(&fi), &get(&sv), &get(&en)),
            )
        })
        .collect())
}

/// The cube of one table over periods: each period's cells from its own publication (rows of
/// other periods in a file, as `time_series` carries, are left out: their own publication
/// holds them). The codes of a dimension are the latest period's, then codes only earlier
/// periods have; a cell that a period's publication has no row for is not applicable (`.`).
fn merge(id: &'static str, parts: &[(Period, &Publication, &PublishedTable)]) -> Table {
    let last = parts.last().expect("at least one period").2;
    let mut dimensions = vec![Dimension {
        id: "period",
        codes: parts.iter().map(|(p, ..)| p.to_string()).collect(),
    }];
    for &d in last.dimensions.iter().filter(|d| **d != "period") {
        let mut seen = HashSet::new();
        let mut codes = Vec::new();
        for (_, _, t) in parts.iter().rev() {
            if let Some(c) = t.dimensions.iter().position(|x| *x == d) {
                for (row, _) in &t.rows {
                    if seen.insert(&row[c]) {
                        codes.push(row[c].clone());
                    }
                }
            }
        }
        dimensions.push(Dimension { id: d, codes });
    }
    let mut table = Table::new(id, dimensions, last.measures.clone());
    for m in 0..table.measures.len() {
        table.values[m].fill(None);
        table.status[m].fill(Status::NotApplicable);
    }
    let positions: Vec<BTreeMap<&str, usize>> = table
        .dimensions
        .iter()
        .map(|d| {
            d.codes
                .iter()
                .enumerate()
                .map(|(i, c)| (c.as_str(), i))
                .collect()
        })
        .collect();
    let sizes: Vec<usize> = table.dimensions.iter().map(|d| d.codes.len()).collect();
    for (p, (period, _, t)) in parts.iter().enumerate() {
        let own = period.to_string();
        let period_column = t.dimensions.iter().position(|d| *d == "period");
        // Column of each of the table's dimensions (after period) in this file.
        let columns: Vec<Option<usize>> = table.dimensions[1..]
            .iter()
            .map(|d| t.dimensions.iter().position(|x| *x == d.id))
            .collect();
        let measures: Vec<Option<usize>> = table
            .measures
            .iter()
            .map(|m| t.measures.iter().position(|x| x.id == m.id))
            .collect();
        'rows: for (codes, cells) in &t.rows {
            if period_column.is_some_and(|c| codes.get(c) != Some(&own)) {
                continue;
            }
            let mut index = p;
            for (d, column) in columns.iter().enumerate() {
                let Some(position) = column.and_then(|c| positions[d + 1].get(codes[c].as_str()))
                else {
                    continue 'rows;
                };
                index = index * sizes[d + 1] + position;
            }
            for (m, source) in measures.iter().enumerate() {
                if let Some(s) = source {
                    let (value, status) = cells[*s];
                    table.values[m][index] = value;
                    table.status[m][index] = status;
                }
            }
        }
    }
    table
}
