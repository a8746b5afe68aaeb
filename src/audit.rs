//! `kelastat audit DIR` (operations.md): re-checks a publication from its files alone.
//!
//! 1. **Files**: every output file of `manifest.json` is present with its SHA-256, and no
//!    other file is (`manifest.json` itself aside).
//! 2. **Formats**: every table's cells carry the same statuses in its CSV, its JSON-stat
//!    datasets (`value` null with `status` `..`) and its PX file (`".."` in `DATA`).
//! 3. **Disclosure**: the tables are read back from their CSV files, the attacker's relations
//!    and links rebuilt from their dimensions and the classification named in the manifest
//!    ([`crate::aggregate::attacker_knowledge`], as the run builds them), and every
//!    suppressed cell faces the attacker's programs ([`crate::protect::audit_published`]):
//!    a count's interval must reach `min_persons` (from `quality.json`), a sum's must not be
//!    a single value. `time_series` is left out of this step: its figures are taken from the
//!    protected tables.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::catalog::TableId;
use crate::error::{Error, Result};
use crate::table::{Dimension, Measure, Status, Table, Unit};

/// What the audit of a publication found; it passes when every list is empty.
#[derive(Debug, Default, Serialize)]
pub struct PublicationAudit {
    pub publication: PathBuf,
    /// Output files missing, changed or not in the manifest.
    pub files: Vec<FileProblem>,
    /// Cells whose status differs between formats.
    pub formats: Vec<FormatProblem>,
    /// Suppressed cells the attacker learns too much about.
    pub cells: Vec<CellProblem>,
    /// Tables audited for disclosure, and their suppressed cells.
    pub tables_audited: usize,
    pub suppressed_cells: usize,
}

impl PublicationAudit {
    pub fn passed(&self) -> bool {
        self.files.is_empty() && self.formats.is_empty() && self.cells.is_empty()
    }

    /// One line per problem and a verdict, for people.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for f in &self.files {
            out.push_str(&format!("file {}: {}\n", f.path, f.problem));
        }
        for f in &self.formats {
            out.push_str(&format!(
                "table {} cell {:?} measure {}: status {:?} in CSV but {:?} in {}\n",
                f.table, f.codes, f.measure, f.csv, f.other, f.file
            ));
        }
        for c in &self.cells {
            out.push_str(&format!(
                "table {} cell {:?}: {}\n",
                c.table, c.codes, c.problem
            ));
        }
        out.push_str(&format!(
            "{}: {} tables, {} suppressed cells audited; {}\n",
            self.publication.display(),
            self.tables_audited,
            self.suppressed_cells,
            if self.passed() { "passed" } else { "FAILED" }
        ));
        out
    }
}

#[derive(Debug, Serialize)]
pub struct FileProblem {
    pub path: String,
    /// `missing`, `changed` or `not in the manifest`.
    pub problem: String,
}

#[derive(Debug, Serialize)]
pub struct FormatProblem {
    pub table: String,
    pub codes: Vec<String>,
    pub measure: String,
    pub file: String,
    pub csv: String,
    pub other: String,
}

#[derive(Debug, Serialize)]
pub struct CellProblem {
    pub table: String,
    pub codes: Vec<String>,
    pub problem: String,
}

/// Dimension ids as the tables use them (a `Table` holds `&'static str` ids).
const DIMENSIONS: [&str; 11] = [
    "period",
    "benefit",
    "sex",
    "age_group",
    "area",
    "country",
    "payment_type",
    "np_composition",
    "amount_band",
    "gp_basis",
    "survivors_category",
];

/// Measure ids and their units.
const MEASURES: [(&str, Unit); 6] = [
    ("recipients", Unit::Persons),
    ("new_recipients", Unit::Persons),
    ("recipients_during_period", Unit::Persons),
    ("mean_amount", Unit::EuroPerMonth),
    ("median_amount", Unit::EuroPerMonth),
    ("expenditure", Unit::Euro),
];

/// Audits the publication in `dir` (`<output root>/<period>/`).
pub fn audit_publication(dir: &Path) -> Result<PublicationAudit> {
    let manifest_path = dir.join("manifest.json");
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&manifest_path).map_err(Error::io(&manifest_path))?,
    )
    .map_err(|e| unreadable(&manifest_path, e.to_string()))?;
    let mut report = PublicationAudit {
        publication: dir.to_path_buf(),
        files: check_files(dir, &manifest, &manifest_path)?,
        ..PublicationAudit::default()
    };

    let mut tables = Vec::new();
    for table_id in TableId::ALL {
        let id = table_id.id();
        let csv = dir.join(format!("tables/{id}.csv"));
        if !csv.is_file() {
            continue;
        }
        let mut table = read_csv_table(&csv, id)?;
        report.formats.extend(compare_formats(dir, &table)?);
        if table_id != TableId::TimeSeries {
            report.cells.extend(published_counts(&mut table));
            tables.push(table);
        }
    }

    let quality_path = dir.join("quality.json");
    let quality: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&quality_path).map_err(Error::io(&quality_path))?,
    )
    .map_err(|e| unreadable(&quality_path, e.to_string()))?;
    let min_persons = quality["min_persons"]
        .as_i64()
        .ok_or_else(|| unreadable(&quality_path, "no integer 'min_persons'".into()))?;
    let classification = classification(&manifest, &manifest_path)?;
    let (relations, links) = crate::aggregate::attacker_knowledge(&tables, &classification);
    report.tables_audited = tables.len();
    report.suppressed_cells = tables
        .iter()
        .map(|t| (0..t.cells()).filter(|&c| t.is_suppressed(c)).count())
        .sum();
    let found = crate::protect::audit_published(&tables, &relations, &links, min_persons)?;
    report.cells.extend(found.failures.into_iter()
        .map(|f| CellProblem {
            table: f.table_id,
            codes: f.codes,
            problem: match f.problem {
                crate::protect::AuditProblem::CountDisclosed { max } => format!(
                    "the published cells and relations show the count is at most {max} (below min_persons {min_persons})"
                ),
                crate::protect::AuditProblem::SumDetermined => {
                    "the published sums and relations determine the suppressed sum exactly".into()
                }
                crate::protect::AuditProblem::PrimaryPublished => {
                    format!("a count of 1 to {} persons is published", min_persons - 1)
                }
                other => format!("{other:?}"),
            },
        }));
    Ok(report)
}

fn unreadable(file: &Path, reason: String) -> Error {
    Error::Unreadable {
        file: file.to_path_buf(),
        reason,
    }
}

/// Every output of the manifest present and unchanged, and no file beside them.
fn check_files(
    dir: &Path,
    manifest: &serde_json::Value,
    manifest_path: &Path,
) -> Result<Vec<FileProblem>> {
    let outputs = manifest["outputs"]
        .as_array()
        .ok_or_else(|| unreadable(manifest_path, "no 'outputs' list".into()))?;
    let mut listed = BTreeSet::new();
    let mut out = Vec::new();
    for entry in outputs {
        let (Some(path), Some(sha)) = (entry["path"].as_str(), entry["sha256"].as_str()) else {
            return Err(unreadable(
                manifest_path,
                "an output without 'path' and 'sha256'".into(),
            ));
        };
        listed.insert(path.to_string());
        let file = dir.join(path);
        let problem = if !file.is_file() {
            Some("missing")
        } else if crate::digest::sha256_file(&file)? != sha {
            Some("changed (SHA-256 differs from the manifest)")
        } else {
            None
        };
        if let Some(problem) = problem {
            out.push(FileProblem {
                path: path.to_string(),
                problem: problem.into(),
            });
        }
    }
    let mut present = Vec::new();
    walk(dir, dir, &mut present)?;
    for path in present {
        if path != "manifest.json" && !listed.contains(&path) {
            out.push(FileProblem {
                path,
                problem: "not in the manifest".into(),
            });
        }
    }
    Ok(out)
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(Error::io(dir))?
        .map(|e| e.map(|e| e.path()).map_err(Error::io(dir)))
        .collect::<Result<_>>()?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(root, &path, out)?;
        } else {
            let relative = path.strip_prefix(root).expect("inside root");
            out.push(relative.display().to_string());
        }
    }
    Ok(())
}

/// The classification file the manifest names, checked against its SHA-256.
fn classification(
    manifest: &serde_json::Value,
    manifest_path: &Path,
) -> Result<crate::regions::Classification> {
    let entry = &manifest["classification"];
    let (Some(path), Some(sha), Some(year)) = (
        entry["path"].as_str(),
        entry["sha256"].as_str(),
        entry["year"].as_i64(),
    ) else {
        return Err(unreadable(
            manifest_path,
            "no 'classification' with 'path', 'sha256' and 'year'".into(),
        ));
    };
    let file = PathBuf::from(path);
    if crate::digest::sha256_file(&file)? != sha {
        return Err(unreadable(
            &file,
            "the classification file differs from the one the manifest names (SHA-256)".into(),
        ));
    }
    let parent = file.parent().unwrap_or(Path::new("."));
    crate::regions::Classification::load(parent, year as i32)
}

/// A published table read back from its CSV: dimensions (codes in the order of the rows),
/// measures, values and statuses. `persons` holds the published count of each cell, and 1
/// for a suppressed cell (see [`crate::protect::audit_published`]).
pub fn read_csv_table(path: &Path, id: &'static str) -> Result<Table> {
    let text = std::fs::read_to_string(path).map_err(Error::io(path))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .ok_or_else(|| unreadable(path, "empty file".into()))?
        .split(',')
        .collect();
    let bad = |row: usize, reason: String| unreadable(path, format!("row {row}: {reason}"));
    let is_measure = |i: usize| {
        header
            .get(i + 1)
            .is_some_and(|next| *next == format!("{}_status", header[i]))
    };
    let dims: Vec<usize> = (0..header.len())
        .filter(|&i| !is_measure(i) && !header[i].ends_with("_status"))
        .collect();
    let measures: Vec<usize> = (0..header.len()).filter(|&i| is_measure(i)).collect();
    let mut dimensions = Vec::new();
    for &i in &dims {
        let id = DIMENSIONS
            .iter()
            .find(|d| **d == header[i])
            .ok_or_else(|| bad(1, format!("unknown dimension column '{}'", header[i])))?;
        dimensions.push(Dimension {
            id,
            codes: Vec::new(),
        });
    }
    let mut measure_list = Vec::new();
    for &i in &measures {
        let &(id, unit) = MEASURES
            .iter()
            .find(|(m, _)| *m == header[i])
            .ok_or_else(|| bad(1, format!("unknown measure column '{}'", header[i])))?;
        measure_list.push(Measure { id, unit });
    }
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    for (r, row) in rows.iter().enumerate() {
        if row.len() != header.len() {
            return Err(bad(
                r + 2,
                format!("{} fields, expected {}", row.len(), header.len()),
            ));
        }
        for (d, &i) in dims.iter().enumerate() {
            if !dimensions[d].codes.iter().any(|c| c == row[i]) {
                dimensions[d].codes.push(row[i].to_string());
            }
        }
    }
    let mut table = Table::new(id, dimensions, measure_list);
    if table.cells() != rows.len() {
        return Err(unreadable(
            path,
            format!(
                "{} rows, but its codes make a cube of {} cells",
                rows.len(),
                table.cells()
            ),
        ));
    }
    let count = table.measures.iter().position(|m| m.unit == Unit::Persons);
    for (r, row) in rows.iter().enumerate() {
        let codes: Vec<&str> = dims.iter().map(|&i| row[i]).collect();
        if table.index(&codes) != Some(r) {
            return Err(bad(r + 2, "rows are not in the order of the codes".into()));
        }
        for (m, &i) in measures.iter().enumerate() {
            let status = Status::from_symbol(row[i + 1])
                .ok_or_else(|| bad(r + 2, format!("unknown status '{}'", row[i + 1])))?;
            let value = match status {
                Status::Value if table.measures[m].is_money() => Some(
                    crate::money::parse_cents(row[i])
                        .ok_or_else(|| bad(r + 2, format!("'{}' is not an amount", row[i])))?,
                ),
                Status::Value => Some(
                    row[i]
                        .parse::<i64>()
                        .map_err(|_| bad(r + 2, format!("'{}' is not a count", row[i])))?,
                ),
                _ => None,
            };
            table.status[m][r] = status;
            table.values[m][r] = value;
        }
        table.persons[r] = match count {
            Some(m) if table.status[m][r] == Status::Confidential => 1,
            Some(m) => table.values[m][r].unwrap_or(0),
            None => 0,
        };
    }
    Ok(table)
}

/// Cells whose count is published while another measure is suppressed: every measure of a
/// suppressed cell is suppressed with it, so such a cell is reported, and for the attacker it
/// is published (its count is known), which is how the rest of the audit treats it.
fn published_counts(table: &mut Table) -> Vec<CellProblem> {
    let Some(count) = table.measures.iter().position(|m| m.unit == Unit::Persons) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for cell in 0..table.cells() {
        if table.status[count][cell] != Status::Confidential && table.is_suppressed(cell) {
            out.push(CellProblem {
                table: table.id.into(),
                codes: table.codes(cell).into_iter().map(String::from).collect(),
                problem: "the count is published while other measures of the cell are suppressed"
                    .into(),
            });
            for status in &mut table.status {
                if status[cell] == Status::Confidential {
                    status[cell] = Status::Value;
                }
            }
        }
    }
    out
}

/// The cells whose status in the JSON-stat datasets or the PX file differs from the CSV.
fn compare_formats(dir: &Path, table: &Table) -> Result<Vec<FormatProblem>> {
    let mut others: Vec<(String, Vec<Status>)> = Vec::new();
    for lang in crate::labels::LANGUAGES {
        let name = format!("tables/{}.{lang}.json", table.id);
        let path = dir.join(&name);
        if path.is_file() {
            others.push((name, jsonstat_statuses(&path)?));
        }
    }
    let name = format!("tables/{}.px", table.id);
    let path = dir.join(&name);
    if path.is_file() {
        others.push((name, px_statuses(&path)?));
    }
    let measures = table.measures.len();
    let mut out = Vec::new();
    for (file, statuses) in others {
        if statuses.len() != table.cells() * measures {
            out.push(FormatProblem {
                table: table.id.into(),
                codes: Vec::new(),
                measure: String::new(),
                file,
                csv: format!("{} values", table.cells() * measures),
                other: format!("{} values", statuses.len()),
            });
            continue;
        }
        for (index, &status) in statuses.iter().enumerate() {
            let (cell, m) = (index / measures, index % measures);
            if table.status[m][cell] != status {
                out.push(FormatProblem {
                    table: table.id.into(),
                    codes: table.codes(cell).into_iter().map(String::from).collect(),
                    measure: table.measures[m].id.into(),
                    file: file.clone(),
                    csv: table.status[m][cell].symbol().into(),
                    other: status.symbol().into(),
                });
            }
        }
    }
    Ok(out)
}

/// Statuses of a JSON-stat 2.0 dataset in value order: `status` maps an index to a symbol.
fn jsonstat_statuses(path: &Path) -> Result<Vec<Status>> {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).map_err(Error::io(path))?)
            .map_err(|e| unreadable(path, e.to_string()))?;
    let n = v["value"]
        .as_array()
        .ok_or_else(|| unreadable(path, "no 'value' array".into()))?
        .len();
    let mut out = vec![Status::Value; n];
    let symbols: BTreeMap<String, serde_json::Value> = match &v["status"] {
        serde_json::Value::Object(map) => map.clone().into_iter().collect(),
        _ => BTreeMap::new(),
    };
    for (index, symbol) in symbols {
        let i: usize = index
            .parse()
            .map_err(|_| unreadable(path, format!("status key '{index}' is not an index")))?;
        let status = symbol
            .as_str()
            .and_then(Status::from_symbol)
            .ok_or_else(|| unreadable(path, format!("unknown status {symbol}")))?;
        if i < n {
            out[i] = status;
        }
    }
    Ok(out)
}

/// Statuses of a PX file's `DATA` in order: `".."` confidential, `"."` not applicable.
fn px_statuses(path: &Path) -> Result<Vec<Status>> {
    let text = std::fs::read_to_string(path).map_err(Error::io(path))?;
    let data = text
        .split_once("\nDATA=")
        .ok_or_else(|| unreadable(path, "no DATA".into()))?
        .1;
    Ok(data
        .split_whitespace()
        .map(|token| token.trim_end_matches(';'))
        .filter(|token| !token.is_empty())
        .map(|token| match token {
            "\"..\"" => Status::Confidential,
            "\".\"" => Status::NotApplicable,
            _ => Status::Value,
        })
        .collect())
}
