//! Publish: the files of one publication (publication.md, "Files of one publication").
pub mod csv;
pub mod datapackage;
pub mod folder;
pub mod jsonstat;
pub mod parquet;
pub mod px;
pub mod report;
pub mod sdmx;

use chrono::{DateTime, Utc};

/// What every file of a publication states about it.
#[derive(Debug, Clone)]
pub struct PublicationInfo {
    /// `2024` or `2024M12`.
    pub period: String,
    /// The run's publication time (`SOURCE_DATE_EPOCH` when set).
    pub published_at: DateTime<Utc>,
    pub software_version: String,
    pub parameters_sha256: String,
}

pub const SOURCE_FI: &str = "Kela, eläketilasto (kelastat)";
pub const SOURCE_SV: &str = "FPA, pensionsstatistik (kelastat)";
pub const SOURCE_EN: &str = "Kela, pension statistics (kelastat)";
