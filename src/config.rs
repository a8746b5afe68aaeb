//! Pipeline files (`pipelines/*.toml`): what a statistics product reads and publishes.
//! Relative paths are resolved against the pipeline file's directory.
use std::path::{Path, PathBuf};

use serde::Deserialize;

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
}

impl Pipeline {
    pub fn load(path: &Path) -> Result<Pipeline> {
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
        })
    }
}
