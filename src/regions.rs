//! Regional reference data: municipality → wellbeing services county → region,
//! read from a classification directory of `municipalities_<year>.csv` files.
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Municipality {
    pub code: String,
    pub name_fi: String,
    pub name_sv: String,
    pub county: String,
    pub county_name_fi: String,
    pub county_name_sv: String,
    pub region: String,
    pub region_name_fi: String,
    pub region_name_sv: String,
}

#[derive(Debug, Clone)]
pub struct Classification {
    pub year: i32,
    pub file: PathBuf,
    pub municipalities: Vec<Municipality>,
    index: HashMap<String, usize>,
}

const HEADER: [&str; 9] = [
    "municipality",
    "name_fi",
    "name_sv",
    "wellbeing_county",
    "wellbeing_county_name_fi",
    "wellbeing_county_name_sv",
    "region",
    "region_name_fi",
    "region_name_sv",
];

impl Classification {
    /// Loads the file of `year`, or the latest earlier one, else the earliest (publication.md).
    pub fn load(dir: &Path, year: i32) -> Result<Classification> {
        let (file_year, file) =
            choose_file(&available_years(dir)?, year).ok_or_else(|| Error::Unreadable {
                file: dir.to_path_buf(),
                reason: "no municipalities_<year>.csv classification file in the directory".into(),
            })?;
        let text = std::fs::read_to_string(&file).map_err(Error::io(&file))?;
        let municipalities = parse(&text).map_err(|reason| Error::Unreadable {
            file: file.clone(),
            reason,
        })?;
        let index = municipalities
            .iter()
            .enumerate()
            .map(|(i, m)| (m.code.clone(), i))
            .collect();
        Ok(Classification {
            year: file_year,
            file,
            municipalities,
            index,
        })
    }

    pub fn get(&self, code: &str) -> Option<&Municipality> {
        self.index.get(code).map(|&i| &self.municipalities[i])
    }

    pub fn codes(&self) -> Vec<&str> {
        self.municipalities
            .iter()
            .map(|m| m.code.as_str())
            .collect()
    }
}

fn available_years(dir: &Path) -> Result<Vec<(i32, PathBuf)>> {
    let entries = std::fs::read_dir(dir).map_err(Error::io(dir))?;
    let mut years: Vec<(i32, PathBuf)> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let year = name
                .strip_prefix("municipalities_")?
                .strip_suffix(".csv")?
                .parse()
                .ok()?;
            Some((year, e.path()))
        })
        .collect();
    years.sort();
    Ok(years)
}

fn choose_file(years: &[(i32, PathBuf)], year: i32) -> Option<(i32, PathBuf)> {
    years
        .iter()
        .rev()
        .find(|(y, _)| *y <= year)
        .or_else(|| years.first())
        .cloned()
}

/// The files hold no quoted fields (names carry no commas), so a plain split is exact;
/// anything else is reported rather than guessed.
fn parse(text: &str) -> std::result::Result<Vec<Municipality>, String> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .unwrap_or("")
        .trim_end_matches('\r')
        .split(',')
        .collect();
    if header != HEADER {
        return Err(format!("header must be {}", HEADER.join(",")));
    }
    let mut out = Vec::new();
    for (i, line) in lines.enumerate() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').collect();
        if f.len() != HEADER.len() || f.iter().any(|v| v.is_empty() || v.contains('"')) {
            return Err(format!(
                "row {}: expected {} non-empty unquoted fields",
                i + 1,
                HEADER.len()
            ));
        }
        let s = |k: usize| f[k].to_string();
        out.push(Municipality {
            code: s(0),
            name_fi: s(1),
            name_sv: s(2),
            county: s(3),
            county_name_fi: s(4),
            county_name_sv: s(5),
            region: s(6),
            region_name_fi: s(7),
            region_name_sv: s(8),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chooses_latest_earlier_year_else_earliest() {
        let years = vec![(2024, PathBuf::from("a")), (2025, PathBuf::from("b"))];
        assert_eq!(choose_file(&years, 2026).unwrap().0, 2025);
        assert_eq!(choose_file(&years, 2025).unwrap().0, 2025);
        assert_eq!(choose_file(&years, 2024).unwrap().0, 2024);
        assert_eq!(choose_file(&years, 2020).unwrap().0, 2024);
    }
}
