//! `tables/<id>.parquet`: the CSV's columns with types: dimension columns `String` (codes),
//! counts `Int64`, amounts `Decimal(18,2)`, `<measure>_status` `String` holding `..` or `.` and
//! null where the CSV's status is empty; a value without status `Value` is null. File-level
//! key-value metadata: `table_id`, `title_fi`, `title_sv`, `title_en`, `period`, `source`,
//! `software_version`, `parameters_sha256`.
//!
//! Readers built on Arrow (pyarrow, pandas, polars, DuckDB's Arrow export) rebuild a table's
//! schema from the Arrow schema stored in the footer under `ARROW:schema`, not from the Parquet
//! schema. polars would store one with view types (`string_view`, unknown to Arrow before 15)
//! and without the key-value metadata, so this writer stores its own: plain UTF-8 `string` for
//! codes and statuses, and the metadata as the schema's metadata. The column data is the same
//! either way (Parquet `BYTE_ARRAY` with the `STRING` annotation).
use std::fs::File;
use std::path::Path;

use base64::Engine;
use polars::prelude::{
    ArrowField, ArrowSchema, Column, DataFrame, DataType, Int128Chunked, Int64Chunked, IntoColumn,
    KeyValueMetadata, NewChunkedArray, ParquetCompression, ParquetWriter, StringChunked,
};
use polars_arrow::datatypes::{ArrowDataType, Metadata};
use polars_arrow::io::ipc::write::{default_ipc_fields, schema_to_bytes};

use super::{PublicationInfo, SOURCE_EN};
use crate::error::{Error, Result};
use crate::labels::Codelists;
use crate::table::{Status, Table};

/// Writes the table to `path` (created or replaced).
pub fn write_table_parquet(
    table: &Table,
    codelists: &Codelists,
    info: &PublicationInfo,
    path: &Path,
) -> Result<()> {
    let file = File::create(path).map_err(Error::io(path))?;
    write_table_parquet_to(table, codelists, info, file)
}

/// Writes the table as Parquet to any writer (a file, or memory for `serve`).
pub fn write_table_parquet_to(
    table: &Table,
    codelists: &Codelists,
    info: &PublicationInfo,
    writer: impl std::io::Write,
) -> Result<()> {
    let mut df = table_frame(table)?;
    let metadata = metadata(table, codelists, info);
    let mut footer = vec![(
        ARROW_SCHEMA_KEY.to_string(),
        arrow_schema_value(&df, &metadata),
    )];
    footer.extend(metadata);
    // polars adds its own `ARROW:schema` only where the metadata has none.
    ParquetWriter::new(writer)
        .with_compression(ParquetCompression::Zstd(None))
        .with_key_value_metadata(Some(KeyValueMetadata::from_static(footer)))
        .finish(&mut df)?;
    Ok(())
}

/// The footer key under which Arrow readers find the Arrow schema.
const ARROW_SCHEMA_KEY: &str = "ARROW:schema";

/// The Arrow schema of the frame as Arrow readers expect it under `ARROW:schema`: an IPC schema
/// message, prefixed by the continuation marker and its length, in base64. Strings are plain
/// `Utf8`; the key-value metadata is the schema's metadata.
fn arrow_schema_value(df: &DataFrame, metadata: &[(String, String)]) -> String {
    let fields: ArrowSchema = df
        .columns()
        .iter()
        .map(|c| {
            let dtype = match c.dtype() {
                DataType::String => ArrowDataType::Utf8,
                DataType::Int64 => ArrowDataType::Int64,
                DataType::Decimal(precision, scale) => ArrowDataType::Decimal(*precision, *scale),
                other => unreachable!("a publication column is never {other}"),
            };
            let field = ArrowField::new(c.name().clone(), dtype, true);
            (c.name().clone(), field)
        })
        .collect();
    let custom: Metadata = metadata
        .iter()
        .map(|(k, v)| (k.as_str().into(), v.as_str().into()))
        .collect();
    let ipc = schema_to_bytes(
        &fields,
        &default_ipc_fields(fields.iter_values()),
        Some(&custom),
    );
    let mut framed = Vec::with_capacity(ipc.len() + 8);
    framed.extend_from_slice(&[0xFF; 4]);
    framed.extend_from_slice(&(ipc.len() as u32).to_le_bytes());
    framed.extend_from_slice(&ipc);
    base64::engine::general_purpose::STANDARD.encode(framed)
}

/// The key-value metadata of a table's file, in a fixed order.
pub fn metadata(
    table: &Table,
    codelists: &Codelists,
    info: &PublicationInfo,
) -> Vec<(String, String)> {
    let title = codelists.table_title(table.id);
    [
        ("table_id", table.id.to_string()),
        ("title_fi", title.fi),
        ("title_sv", title.sv),
        ("title_en", title.en),
        ("period", info.period.clone()),
        ("source", SOURCE_EN.to_string()),
        ("software_version", info.software_version.clone()),
        ("parameters_sha256", info.parameters_sha256.clone()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// The table as a frame with the publication's column names and types.
pub fn table_frame(table: &Table) -> Result<DataFrame> {
    let cells = table.cells();
    let mut columns: Vec<Column> = Vec::new();
    for (d, dim) in table.dimensions.iter().enumerate() {
        let codes = (0..cells).map(|cell| table.codes(cell)[d]);
        columns.push(StringChunked::from_iter_values(dim.id.into(), codes).into_column());
    }
    for (m, measure) in table.measures.iter().enumerate() {
        let values = (0..cells).map(|cell| match table.status[m][cell] {
            Status::Value => table.values[m][cell],
            _ => None,
        });
        let column = if measure.is_money() {
            Int128Chunked::from_iter_options(measure.id.into(), values.map(|v| v.map(i128::from)))
                .into_decimal(18, 2)?
                .into_column()
        } else {
            Int64Chunked::from_iter_options(measure.id.into(), values).into_column()
        };
        columns.push(column);
        let symbols = (0..cells).map(|cell| match table.status[m][cell] {
            Status::Value => None,
            s => Some(s.symbol()),
        });
        let name = format!("{}_status", measure.id);
        columns.push(StringChunked::from_iter_options(name.as_str().into(), symbols).into_column());
    }
    Ok(DataFrame::new(cells, columns)?)
}

#[cfg(test)]
mod tests {
    use polars::prelude::{AnyValue, DataType, ParquetReader, SerReader};

    use super::*;
    use crate::catalog::TableId;
    use crate::publish::csv::tests::sample_table;
    use crate::regions::Classification;

    #[test]
    fn writes_typed_columns_nulls_and_metadata() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(crate::DEFAULT_CLASSIFICATIONS);
        let codelists = Codelists::load(&Classification::load(&dir, 2024).unwrap(), &dir).unwrap();
        let info = PublicationInfo {
            period: "2024".into(),
            published_at: chrono::DateTime::from_timestamp(1_735_689_600, 0).unwrap(),
            software_version: "0.1.0".into(),
            parameters_sha256: "ab".repeat(32),
        };
        let table = sample_table();
        let path =
            std::env::temp_dir().join(format!("kelastat-parquet-{}.parquet", std::process::id()));
        write_table_parquet(&table, &codelists, &info, &path).unwrap();

        let mut reader = ParquetReader::new(File::open(&path).unwrap());
        let kv = reader
            .get_metadata()
            .unwrap()
            .key_value_metadata()
            .clone()
            .unwrap();
        let get = |k: &str| kv.iter().find(|x| x.key == k).and_then(|x| x.value.clone());
        assert_eq!(
            get("table_id").as_deref(),
            Some(TableId::RecipientsByBenefitSexAge.id())
        );
        assert_eq!(get("title_sv").unwrap(), codelists.table_title(table.id).sv);
        assert_eq!(get("period").as_deref(), Some("2024"));
        assert_eq!(get("parameters_sha256").unwrap(), "ab".repeat(32));
        for key in ["title_fi", "title_en", "source", "software_version"] {
            assert!(get(key).is_some(), "{key}");
        }
        let df = reader.finish().unwrap();
        std::fs::remove_file(&path).unwrap();

        let names: Vec<&str> = df.get_column_names().iter().map(|s| s.as_str()).collect();
        assert_eq!(
            names,
            [
                "period",
                "sex",
                "recipients",
                "recipients_status",
                "mean_amount",
                "mean_amount_status"
            ]
        );
        assert_eq!(df.column("sex").unwrap().dtype(), &DataType::String);
        assert_eq!(df.column("recipients").unwrap().dtype(), &DataType::Int64);
        assert_eq!(
            df.column("mean_amount").unwrap().dtype(),
            &DataType::Decimal(18, 2)
        );
        let recipients = df.column("recipients").unwrap().i64().unwrap();
        assert_eq!(
            recipients.iter().collect::<Vec<_>>(),
            vec![Some(12), None, Some(0)]
        );
        let mean = df.column("mean_amount").unwrap();
        assert_eq!(mean.get(0).unwrap(), AnyValue::Decimal(65_432, 18, 2));
        assert_eq!(mean.null_count(), 2);
        let status = df.column("mean_amount_status").unwrap().str().unwrap();
        assert_eq!(
            status.iter().collect::<Vec<_>>(),
            vec![None, Some(".."), Some(".")]
        );
    }
}
