//! Pipeline files (`pipelines/*.toml`): what a statistics product reads and publishes.
//! Relative paths are resolved against the pipeline file's directory. Every key is checked at
//! load time, for every command: an unknown key, table or format is an error naming the key
//! and the file.
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::catalog::Format;
use crate::error::{Error, Result};
use crate::period::Period;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PipelineFile {
    name: String,
    period: Option<String>,
    registers: PathBuf,
    classifications: PathBuf,
    parameters: PathBuf,
    output: PathBuf,
    #[serde(default = "default_min_persons")]
    min_persons: u32,
    #[serde(default = "default_max_reject_share")]
    max_reject_share: f64,
    #[serde(default)]
    tables: Option<Vec<String>>,
    #[serde(default)]
    formats: Option<Vec<String>>,
    #[serde(default = "default_max_change_share")]
    max_change_share: f64,
}

/// The formats written when a pipeline lists none (SDMX only when asked for).
pub use crate::catalog::DEFAULT_FORMAT_NAMES as DEFAULT_FORMATS;
/// Every format a pipeline's `formats` may list.
pub use crate::catalog::FORMAT_NAMES as FORMATS;
/// The tables a pipeline may list in `tables` (all of them by default), in publication order.
pub use crate::catalog::TABLE_IDS as TABLES;

fn default_max_change_share() -> f64 {
    0.2
}

fn default_min_persons() -> u32 {
    4
}

fn default_max_reject_share() -> f64 {
    0.01
}

#[derive(Debug, Clone)]
pub struct Pipeline {
    pub file: PathBuf,
    pub name: String,
    pub period: Option<Period>,
    pub registers: PathBuf,
    pub classifications: PathBuf,
    pub parameters: PathBuf,
    pub output: PathBuf,
    pub min_persons: u32,
    pub max_reject_share: f64,
    pub tables: Option<Vec<String>>,
    pub formats: Option<Vec<String>>,
    /// The plausibility gate: the largest accepted relative change of the number of recipients
    /// (`ALL`) from the nearest published period of the same kind.
    pub max_change_share: f64,
}

impl Pipeline {
    pub fn load(path: &Path) -> Result<Pipeline> {
        crate::logging::enter_stage("pipeline");
        let err = |message: String| Error::Pipeline {
            file: path.to_path_buf(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(format!("cannot read: {e}")))?;
        let raw: PipelineFile = toml::from_str(&text).map_err(|e| err(e.to_string()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let period = raw
            .period
            .as_deref()
            .map(|p| {
                p.parse::<Period>()
                    .map_err(|e| err(format!("key 'period': {e}")))
            })
            .transpose()?;
        if raw.min_persons < 1 {
            return Err(err("key 'min_persons': must be at least 1".into()));
        }
        if !(0.0..=1.0).contains(&raw.max_reject_share) {
            return Err(err("key 'max_reject_share': must be between 0 and 1".into()));
        }
        if !(raw.max_change_share >= 0.0 && raw.max_change_share.is_finite()) {
            return Err(err(
                "key 'max_change_share': must be a share of 0 or more (0.2 = 20 %)".into(),
            ));
        }
        check_names("tables", &raw.tables, &TABLES).map_err(err)?;
        check_names("formats", &raw.formats, &FORMATS).map_err(err)?;
        Ok(Pipeline {
            file: path.to_path_buf(),
            name: raw.name,
            period,
            registers: base.join(raw.registers),
            classifications: base.join(raw.classifications),
            parameters: base.join(raw.parameters),
            output: base.join(raw.output),
            min_persons: raw.min_persons,
            max_reject_share: raw.max_reject_share,
            tables: raw.tables,
            formats: raw.formats,
            max_change_share: raw.max_change_share,
        })
    }

    /// The command line's `--min-persons` and `--max-reject-share`, which override the file.
    pub fn with_overrides(
        mut self,
        min_persons: Option<u32>,
        max_reject_share: Option<f64>,
    ) -> Result<Pipeline> {
        if let Some(n) = min_persons {
            if n < 1 {
                return Err(Error::Usage("--min-persons must be at least 1".into()));
            }
            self.min_persons = n;
        }
        if let Some(share) = max_reject_share {
            if !(0.0..=1.0).contains(&share) {
                return Err(Error::Usage(
                    "--max-reject-share must be a share between 0 and 1".into(),
                ));
            }
            self.max_reject_share = share;
        }
        Ok(self)
    }

    /// The tables to publish: the file's `tables`, else all, in the order listed.
    pub fn selected_tables(&self) -> Vec<String> {
        selected(&self.tables, &TABLES)
    }

    /// The formats to write: the file's `formats`, else `Format::DEFAULT`.
    pub fn selected_formats(&self) -> Vec<Format> {
        let names = selected(&self.formats, &DEFAULT_FORMATS);
        let known = names.iter().filter_map(|n| Format::from_name(n));
        known.collect()
    }
}

fn selected(list: &Option<Vec<String>>, known: &[&str]) -> Vec<String> {
    match list {
        Some(items) => items.clone(),
        None => known.iter().map(|s| s.to_string()).collect(),
    }
}

/// A list key's values must be known, and the list must not be empty nor repeat a value.
fn check_names(
    key: &str,
    list: &Option<Vec<String>>,
    known: &[&str],
) -> std::result::Result<(), String> {
    let Some(items) = list else {
        return Ok(());
    };
    if items.is_empty() {
        return Err(format!(
            "key '{key}': the list is empty; leave the key out for all ({})",
            known.join(", ")
        ));
    }
    for (i, item) in items.iter().enumerate() {
        if !known.contains(&item.as_str()) {
            return Err(format!(
                "key '{key}': unknown value '{item}' (known: {})",
                known.join(", ")
            ));
        }
        if items[..i].contains(item) {
            return Err(format!("key '{key}': '{item}' is listed twice"));
        }
    }
    Ok(())
}
