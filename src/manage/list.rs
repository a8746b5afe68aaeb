//! `kelastat list OUT`: every published period with its publication time, software version,
//! parameter-file hash and input row counts, and its archived versions.
use std::path::{Path, PathBuf};

use clap::Args;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::period::Period;

#[derive(Debug, Args)]
pub struct ListArgs {
    /// The output root.
    pub out: PathBuf,
    /// One JSON document instead of text.
    #[arg(long)]
    pub json: bool,
}

/// One version of a period's publication, as its manifest describes it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Version {
    /// The folder: `<out>/<period>` for the live version, `<out>/archive/<period>/<name>`.
    pub folder: PathBuf,
    pub published_at: String,
    pub software_version: String,
    pub parameters_sha256: String,
    /// Rows read per input register (`persons`, `awards`, …), in manifest order.
    pub input_rows: serde_json::Map<String, serde_json::Value>,
    /// Files of the publication (besides the manifest).
    pub files: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PublishedPeriod {
    pub period: String,
    /// `None` when only archived versions remain.
    pub live: Option<Version>,
    /// Oldest first.
    pub archived: Vec<Version>,
}

pub fn list_command(args: &ListArgs) -> Result<()> {
    if !args.out.is_dir() {
        return Err(Error::Usage(format!(
            "{}: no such output root",
            args.out.display()
        )));
    }
    let periods = list(&args.out)?;
    if args.json {
        let text =
            serde_json::to_string_pretty(&periods).map_err(|e| Error::Other(e.to_string()))?;
        println!("{text}");
    } else {
        print!("{}", list_text(&periods));
    }
    Ok(())
}

/// The periods published or archived in `out`, in period order.
pub fn list(out: &Path) -> Result<Vec<PublishedPeriod>> {
    let mut periods: Vec<Period> = period_folders(out)
        .into_iter()
        .chain(period_folders(&out.join("archive")))
        .collect();
    periods.sort();
    periods.dedup();
    let mut listed = Vec::new();
    for period in periods {
        let live_folder = out.join(period.to_string());
        let live = live_folder
            .join("manifest.json")
            .is_file()
            .then(|| version(&live_folder))
            .transpose()?;
        let archive = out.join("archive").join(period.to_string());
        let mut archived = Vec::new();
        if let Ok(entries) = std::fs::read_dir(&archive) {
            let mut folders: Vec<PathBuf> = entries
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.join("manifest.json").is_file())
                .collect();
            folders.sort();
            for folder in folders {
                archived.push(version(&folder)?);
            }
        }
        // A folder named like a period without any manifest is no publication.
        if live.is_some() || !archived.is_empty() {
            listed.push(PublishedPeriod {
                period: period.to_string(),
                live,
                archived,
            });
        }
    }
    Ok(listed)
}

fn period_folders(dir: &Path) -> Vec<Period> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect()
}

fn version(folder: &Path) -> Result<Version> {
    let path = folder.join("manifest.json");
    let text = std::fs::read_to_string(&path).map_err(Error::io(&path))?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| Error::Unreadable {
        file: path.clone(),
        reason: e.to_string(),
    })?;
    let text_of = |value: &serde_json::Value| value.as_str().unwrap_or("unknown").to_string();
    let input_rows = v["inputs"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|input| {
            let file = text_of(&input["path"]);
            let register = Path::new(&file)
                .file_stem()
                .map_or(file.clone(), |s| s.to_string_lossy().into_owned());
            (register, input["rows"].clone())
        })
        .collect();
    Ok(Version {
        folder: folder.to_path_buf(),
        published_at: text_of(&v["published_at"]),
        software_version: text_of(&v["software_version"]),
        parameters_sha256: text_of(&v["parameters"]["sha256"]),
        input_rows,
        files: v["outputs"].as_array().map_or(0, |o| o.len()),
    })
}

/// One line per version: the live one under its period, archived ones indented below.
pub fn list_text(periods: &[PublishedPeriod]) -> String {
    use std::fmt::Write;
    let describe = |v: &Version| {
        let rows: Vec<String> = v
            .input_rows
            .iter()
            .map(|(register, n)| format!("{register} {n}"))
            .collect();
        format!(
            "published {}, kelastat {}, parameters sha256 {}, {} files, rows read: {}",
            v.published_at,
            v.software_version,
            &v.parameters_sha256[..v.parameters_sha256.len().min(12)],
            v.files,
            rows.join(", ")
        )
    };
    let mut out = String::new();
    if periods.is_empty() {
        out.push_str("no publication\n");
    }
    for p in periods {
        match &p.live {
            Some(v) => {
                let _ = writeln!(out, "{}: {}", p.period, describe(v));
            }
            None => {
                let _ = writeln!(out, "{}: not live (archived versions only)", p.period);
            }
        }
        for v in &p.archived {
            let name = v.folder.file_name().unwrap_or_default().to_string_lossy();
            let _ = writeln!(out, "  archived {name}: {}", describe(v));
        }
    }
    out
}
