//! A publication folder (publication.md, "Files of one publication"): every file of a period
//! written (each table in each format, on threads of their own; the SDMX structure, code lists,
//! data package, quality summary and report), then the manifest of the run's inputs and of
//! every file written, and the folder made live in one step (`publication::publish_atomically`).
use std::path::{Path, PathBuf};

use crate::catalog::Format;
use crate::config::Pipeline;
use crate::digest::sha256_file;
use crate::error::{Error, Result};
use crate::ingest::Registers;
use crate::labels::{Codelists, LANGUAGES};
use crate::params::ParameterFile;
use crate::period::Period;
use crate::publication::publish_atomically;
use crate::publish::{self, PublicationInfo};
use crate::quality::QualityReport;
use crate::regions::Classification;
use crate::table::Table;

/// What a publication shows: its tables, in these formats, with these labels, facts and quality.
pub struct Publication<'a> {
    pub tables: &'a [Table],
    pub formats: &'a [Format],
    pub codelists: &'a Codelists,
    pub info: &'a PublicationInfo,
    pub quality: &'a QualityReport,
}

/// What the manifest names as the run's inputs (with their SHA-256).
pub struct Inputs<'a> {
    pub pipeline: &'a Pipeline,
    pub parameters: &'a ParameterFile,
    /// The registers read; each is checked not to have changed during the run.
    pub registers: &'a Registers,
    pub classification: &'a Classification,
}

/// Writes the publication of `period` and makes it live as `out/<period>/`; returns that folder.
pub fn publish_folder(
    out: &Path,
    period: Period,
    publication: &Publication,
    inputs: &Inputs,
) -> Result<PathBuf> {
    publish_atomically(out, period, |dir| {
        write_publication(dir, publication)?;
        write_manifest(dir, inputs, publication.info)
    })
}

fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> Result<()> {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(Error::io(parent))?;
    }
    std::fs::write(&path, content).map_err(Error::io(&path))
}

fn write_publication(dir: &Path, publication: &Publication) -> Result<()> {
    let &Publication {
        tables,
        formats,
        codelists,
        info,
        quality,
    } = publication;
    // Each table's files on a thread of its own (formatting is CPU work; the tables are many).
    std::thread::scope(|scope| {
        let writing: Vec<_> = tables
            .iter()
            .map(|table| scope.spawn(|| write_table(dir, table, formats, codelists, info)))
            .collect();
        writing
            .into_iter()
            .try_for_each(|w| w.join().expect("a table's writer panicked"))
    })?;
    if formats.contains(&Format::Sdmx) {
        write(
            dir,
            publish::sdmx::STRUCTURE_FILE,
            publish::sdmx::structure_xml(tables, codelists, info),
        )?;
    }
    write(
        dir,
        "codelists.csv",
        publish::datapackage::codelists_csv(tables, codelists),
    )?;
    write(
        dir,
        "datapackage.json",
        // The data package describes the table CSVs only when they are written.
        publish::datapackage::datapackage_json(
            if formats.contains(&Format::Csv) {
                tables
            } else {
                &[]
            },
            codelists,
            info,
        ),
    )?;
    write(
        dir,
        "quality.json",
        serde_json::to_string_pretty(quality).map_err(|e| Error::Other(e.to_string()))?,
    )?;
    write(dir, "quality.txt", quality.text())?;
    write(
        dir,
        "report.html",
        publish::report::report_html(
            tables,
            codelists,
            info,
            &quality.text(),
            Some(quality.min_persons),
            formats,
        ),
    )?;
    Ok(())
}

#[derive(serde::Serialize)]
struct FileEntry {
    path: String,
    sha256: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    rows: Option<usize>,
}

/// One table in each of `formats`, under `tables/`.
fn write_table(
    dir: &Path,
    table: &Table,
    formats: &[Format],
    codelists: &Codelists,
    info: &PublicationInfo,
) -> Result<()> {
    for format in formats {
        match format {
            Format::Csv => write(
                dir,
                &format!("tables/{}.csv", table.id),
                publish::csv::table_csv(table),
            )?,
            Format::Parquet => {
                std::fs::create_dir_all(dir.join("tables")).map_err(Error::io(dir))?;
                publish::parquet::write_table_parquet(
                    table,
                    codelists,
                    info,
                    &dir.join(format!("tables/{}.parquet", table.id)),
                )?
            }
            Format::Px => write(
                dir,
                &format!("tables/{}.px", table.id),
                publish::px::table_px(table, codelists, info),
            )?,
            Format::JsonStat => {
                for language in LANGUAGES {
                    let json = publish::jsonstat::table_jsonstat(table, codelists, info, language);
                    write(dir, &format!("tables/{}.{language}.json", table.id), json)?;
                }
            }
            Format::Sdmx => write(
                dir,
                &publish::sdmx::csv_path(table.id),
                publish::sdmx::table_sdmx_csv(table),
            )?,
        }
    }
    Ok(())
}

fn write_manifest(dir: &Path, inputs: &Inputs, info: &PublicationInfo) -> Result<()> {
    let &Inputs {
        pipeline,
        parameters,
        registers,
        classification,
    } = inputs;
    let inputs = registers
        .iter()
        .map(|r| {
            Ok(FileEntry {
                path: r.file.path.display().to_string(),
                sha256: r.unchanged_sha256()?,
                rows: Some(r.rows),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut outputs = Vec::new();
    collect_files(dir, dir, &mut outputs)?;
    outputs.sort_by(|a, b| a.path.cmp(&b.path));
    let manifest = serde_json::json!({
        "software": "kelastat",
        "software_version": info.software_version,
        "period": info.period,
        "published_at": info.published_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "pipeline": { "path": pipeline.file.display().to_string(), "sha256": sha256_file(&pipeline.file)? },
        "parameters": { "path": parameters.path.display().to_string(), "sha256": parameters.sha256, "version": parameters.info.version },
        "min_persons": pipeline.min_persons,
        "classification": { "path": classification.file.display().to_string(), "sha256": sha256_file(&classification.file)?, "year": classification.year },
        "inputs": inputs,
        "outputs": outputs,
    });
    write(
        dir,
        "manifest.json",
        serde_json::to_string_pretty(&manifest).map_err(|e| Error::Other(e.to_string()))?,
    )
}

fn collect_files(root: &Path, dir: &Path, out: &mut Vec<FileEntry>) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(Error::io(dir))? {
        let path = entry.map_err(Error::io(dir))?.path();
        if path.is_dir() {
            collect_files(root, &path, out)?;
        } else {
            let relative = path
                .strip_prefix(root)
                .expect("inside root")
                .display()
                .to_string();
            out.push(FileEntry {
                path: relative,
                sha256: sha256_file(&path)?,
                rows: None,
            });
        }
    }
    Ok(())
}
