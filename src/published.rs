//! Reading a table back from a publication folder, whatever formats the pipeline wrote: the
//! CSV file, else the Parquet file, else the English JSON-stat file. Every format holds the
//! same codes, values and statuses (publication.md), so the reader gives one shape: the
//! dimension columns and, per measure, its value as published text (`""` when withheld) and
//! its status symbol.
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{Error, Result};

/// A published table as text, one row per cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedTable {
    pub dimensions: Vec<String>,
    pub measures: Vec<String>,
    pub rows: Vec<PublishedCell>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedCell {
    /// One code per dimension.
    pub codes: Vec<String>,
    /// Per measure: the value as published (`""` when withheld) and the status symbol.
    pub values: Vec<(String, String)>,
}

impl PublishedTable {
    /// A measure's position.
    pub fn measure(&self, id: &str) -> Option<usize> {
        self.measures.iter().position(|m| m == id)
    }

    pub fn dimension(&self, id: &str) -> Option<usize> {
        self.dimensions.iter().position(|d| d == id)
    }
}

/// The ids of the tables a publication holds in any format, sorted.
pub fn table_ids(publication: &Path) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(publication.join("tables"))
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            let id = name.split('.').next()?.to_string();
            [".csv", ".parquet", ".en.json"]
                .iter()
                .any(|ext| name == format!("{id}{ext}"))
                .then_some(id)
        })
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The file a table is read from, or `None` when the publication does not hold it.
pub fn table_file(publication: &Path, id: &str) -> Option<PathBuf> {
    ["csv", "parquet", "en.json"]
        .iter()
        .map(|ext| publication.join(format!("tables/{id}.{ext}")))
        .find(|p| p.is_file())
}

/// Reads table `id` of a publication folder; `Ok(None)` when it is in no readable format.
pub fn read_table(publication: &Path, id: &str) -> Result<Option<PublishedTable>> {
    let Some(file) = table_file(publication, id) else {
        return Ok(None);
    };
    let unreadable = |reason: String| Error::Unreadable {
        file: file.clone(),
        reason,
    };
    let name = file.to_string_lossy();
    let table = if name.ends_with(".json") {
        let text = std::fs::read_to_string(&file).map_err(Error::io(&file))?;
        from_jsonstat(&text).map_err(unreadable)?
    } else {
        let frame = if name.ends_with(".csv") {
            CsvReadOptions::default()
                .with_has_header(true)
                .with_infer_schema_length(Some(0))
                .try_into_reader_with_file_path(Some(file.clone()))
                .and_then(|r| r.finish())
        } else {
            std::fs::File::open(&file)
                .map_err(|e| polars_err!(ComputeError: "{e}"))
                .and_then(|f| ParquetReader::new(f).finish())
        }
        .map_err(|e| unreadable(e.to_string()))?;
        from_frame(&frame).map_err(|e| unreadable(e.to_string()))?
    };
    Ok(Some(table))
}

/// CSV and Parquet: the dimension columns, then each measure followed by `<measure>_status`.
fn from_frame(frame: &DataFrame) -> PolarsResult<PublishedTable> {
    let names: Vec<String> = frame
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let is_measure = |n: &String| names.contains(&format!("{n}_status"));
    let measures: Vec<String> = names.iter().filter(|n| is_measure(n)).cloned().collect();
    let dimensions: Vec<String> = names
        .iter()
        .filter(|n| !is_measure(n) && !n.ends_with("_status"))
        .cloned()
        .collect();
    let text = |name: &str| -> PolarsResult<Vec<String>> {
        let column = frame.column(name)?.cast(&DataType::String)?;
        Ok(column
            .str()?
            .iter()
            .map(|v| v.unwrap_or_default().to_string())
            .collect())
    };
    let dims = dimensions
        .iter()
        .map(|d| text(d))
        .collect::<PolarsResult<Vec<_>>>()?;
    let values = measures
        .iter()
        .map(|m| Ok((text(m)?, text(&format!("{m}_status"))?)))
        .collect::<PolarsResult<Vec<_>>>()?;
    let rows = (0..frame.height())
        .map(|i| PublishedCell {
            codes: dims.iter().map(|d| d[i].clone()).collect(),
            values: values
                .iter()
                .map(|(v, s)| (v[i].clone(), s[i].clone()))
                .collect(),
        })
        .collect();
    Ok(PublishedTable {
        dimensions,
        measures,
        rows,
    })
}

/// JSON-stat 2.0: `id` and `size` give the cells in row-major order; the measures are the
/// categories of the `metric` dimension (the last one); `value` and `status` are arrays.
fn from_jsonstat(text: &str) -> std::result::Result<PublishedTable, String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let ids: Vec<String> = v["id"]
        .as_array()
        .ok_or("no 'id'")?
        .iter()
        .filter_map(|x| x.as_str().map(str::to_string))
        .collect();
    let metric = v["role"]["metric"][0]
        .as_str()
        .ok_or("no 'role.metric'")?
        .to_string();
    let codes_of = |dim: &str| -> std::result::Result<Vec<String>, String> {
        let index = &v["dimension"][dim]["category"]["index"];
        if let Some(list) = index.as_array() {
            return Ok(list
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect());
        }
        let map = index.as_object().ok_or(format!("no index of {dim}"))?;
        let mut pairs: Vec<(u64, String)> = map
            .iter()
            .map(|(code, i)| (i.as_u64().unwrap_or(0), code.clone()))
            .collect();
        pairs.sort();
        Ok(pairs.into_iter().map(|(_, c)| c).collect())
    };
    let all_codes = ids
        .iter()
        .map(|d| codes_of(d))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let m = ids
        .iter()
        .position(|d| *d == metric)
        .ok_or("metric not in id")?;
    if m + 1 != ids.len() {
        return Err("the metric dimension is not the last one".into());
    }
    let values = v["value"].as_array().ok_or("no 'value' array")?;
    let status = &v["status"];
    let status_at = |i: usize| -> String {
        match status {
            serde_json::Value::Array(a) => a.get(i).and_then(|s| s.as_str()).unwrap_or(""),
            serde_json::Value::Object(o) => {
                o.get(&i.to_string()).and_then(|s| s.as_str()).unwrap_or("")
            }
            _ => "",
        }
        .to_string()
    };
    let measures = all_codes[m].clone();
    let dims = &all_codes[..m];
    let cells: usize = dims.iter().map(|c| c.len()).product();
    if values.len() != cells * measures.len() {
        return Err(format!(
            "{} values for {} cells of {} measures",
            values.len(),
            cells,
            measures.len()
        ));
    }
    let mut rows = Vec::with_capacity(cells);
    for cell in 0..cells {
        let mut rest = cell;
        let mut codes = vec![String::new(); dims.len()];
        for (d, list) in dims.iter().enumerate().rev() {
            codes[d] = list[rest % list.len()].clone();
            rest /= list.len();
        }
        let values = (0..measures.len())
            .map(|k| {
                let i = cell * measures.len() + k;
                let value = match &values[i] {
                    serde_json::Value::Null => String::new(),
                    serde_json::Value::Number(n) => n.to_string(),
                    other => other.as_str().unwrap_or_default().to_string(),
                };
                (value, status_at(i))
            })
            .collect();
        rows.push(PublishedCell { codes, values });
    }
    Ok(PublishedTable {
        dimensions: ids[..m].to_vec(),
        measures,
        rows,
    })
}
