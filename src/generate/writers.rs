//! The chunk's rows as polars frames, and the register files written batch by batch.
use super::*;

// ---------------------------------------------------------------------------------------------
// Data frames.

pub(super) fn id_column(
    name: &str,
    style: &IdStyle,
    ids: impl ExactSizeIterator<Item = Id>,
) -> Column {
    let mut builder = StringChunkedBuilder::new(name.into(), ids.len());
    let mut text = String::with_capacity(24);
    for id in ids {
        match id {
            Id::Null => builder.append_null(),
            Id::Known(n) => {
                write_id(&mut text, style.prefix, n, style.width);
                builder.append_value(&text);
            }
            Id::Unknown(n) => {
                write_id(&mut text, style.unknown_prefix, n, 7);
                builder.append_value(&text);
            }
        }
    }
    builder.finish().into_column()
}

/// `prefix` followed by `n` zero-padded to `width` digits, without allocating.
pub(super) fn write_id(text: &mut String, prefix: &str, n: u64, width: usize) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut rest = n;
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    text.clear();
    text.push_str(prefix);
    for _ in (digits.len() - start)..width {
        text.push('0');
    }
    text.extend(digits[start..].iter().map(|&d| char::from(d)));
}

pub(super) fn str_column<'s>(name: &str, values: impl Iterator<Item = Option<&'s str>>) -> Column {
    StringChunked::from_iter_options(name.into(), values).into_column()
}

pub(super) fn date_column(name: &str, values: impl Iterator<Item = Option<i32>>) -> Column {
    Int32Chunked::from_iter_options(name.into(), values)
        .into_date()
        .into_column()
}

pub(super) fn int_column(name: &str, values: impl Iterator<Item = Option<i64>>) -> Column {
    Int64Chunked::from_iter_options(name.into(), values).into_column()
}

pub(super) fn bool_column(name: &str, values: impl Iterator<Item = Option<bool>>) -> Column {
    BooleanChunked::from_iter_options(name.into(), values).into_column()
}

/// How a money column is held: the contract's Decimal(18,2) in the files, integer cents in the
/// canonical frames that `classify` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Money {
    Decimal,
    Cents,
}

/// Decimal(18,2) or Int64 cents from integer cents (never through floats).
pub(super) fn money_column(
    name: &str,
    cents: impl Iterator<Item = Option<i64>>,
    money: Money,
) -> Result<Column> {
    Ok(match money {
        Money::Cents => int_column(name, cents),
        Money::Decimal => {
            let values =
                Int128Chunked::from_iter_options(name.into(), cents.map(|c| c.map(i128::from)));
            values.into_decimal(18, 2)?.into_column()
        }
    })
}

pub(super) fn persons_frame(rows: &[PersonRow]) -> Result<DataFrame> {
    let columns = vec![
        id_column("person_id", &PERSON_IDS, rows.iter().map(|r| r.person_id)),
        date_column("birth_date", rows.iter().map(|r| r.birth_date)),
        int_column("sex", rows.iter().map(|r| r.sex)),
        date_column("death_date", rows.iter().map(|r| r.death_date)),
        str_column("municipality", rows.iter().map(|r| r.municipality)),
        str_column("country", rows.iter().map(|r| r.country)),
        str_column("family_status", rows.iter().map(|r| r.family_status)),
        str_column("front_veteran", rows.iter().map(|r| r.front_veteran)),
    ];
    Ok(DataFrame::new(rows.len(), columns)?)
}

pub(super) fn awards_frame(rows: &[AwardRow]) -> Result<DataFrame> {
    let columns = vec![
        id_column("award_id", &AWARD_IDS, rows.iter().map(|r| r.award_id)),
        id_column("person_id", &PERSON_IDS, rows.iter().map(|r| r.person_id)),
        str_column("benefit", rows.iter().map(|r| r.benefit)),
        str_column("kind", rows.iter().map(|r| r.kind)),
        date_column("start_date", rows.iter().map(|r| r.start_date)),
        date_column("end_date", rows.iter().map(|r| r.end_date)),
        date_column("decision_date", rows.iter().map(|r| r.decision_date)),
        int_column("early_months", rows.iter().map(|r| r.early_months)),
        int_column("deferral_months", rows.iter().map(|r| r.deferral_months)),
        int_column("residence_months", rows.iter().map(|r| r.residence_months)),
        date_column(
            "deceased_birth_date",
            rows.iter().map(|r| r.deceased_birth_date),
        ),
        date_column(
            "deceased_death_date",
            rows.iter().map(|r| r.deceased_death_date),
        ),
        bool_column("child_under_18", rows.iter().map(|r| r.child_under_18)),
        int_column("children", rows.iter().map(|r| r.children)),
    ];
    Ok(DataFrame::new(rows.len(), columns)?)
}

pub(super) fn income_frame(rows: &[IncomeRow], money: Money) -> Result<DataFrame> {
    let columns = vec![
        id_column("person_id", &PERSON_IDS, rows.iter().map(|r| r.person_id)),
        date_column("month", rows.iter().map(|r| r.month)),
        str_column("income_type", rows.iter().map(|r| r.income_type)),
        money_column("amount", rows.iter().map(|r| r.amount), money)?,
    ];
    Ok(DataFrame::new(rows.len(), columns)?)
}

pub(super) fn payments_frame(rows: &[PaymentRow], money: Money) -> Result<DataFrame> {
    let columns = vec![
        id_column(
            "payment_id",
            &PAYMENT_IDS,
            rows.iter().map(|r| r.payment_id),
        ),
        id_column("person_id", &PERSON_IDS, rows.iter().map(|r| r.person_id)),
        id_column("award_id", &AWARD_IDS, rows.iter().map(|r| r.award_id)),
        str_column("benefit", rows.iter().map(|r| r.benefit)),
        date_column("period_month", rows.iter().map(|r| r.period_month)),
        date_column("payment_date", rows.iter().map(|r| r.payment_date)),
        str_column("payment_type", rows.iter().map(|r| r.payment_type)),
        money_column("amount", rows.iter().map(|r| r.amount), money)?,
    ];
    Ok(DataFrame::new(rows.len(), columns)?)
}

/// Writes the overridden fields as text: each affected column becomes a string column
/// (dates `YYYY-MM-DD`, money with two decimals, as the CSV writer would write them).
pub(super) fn apply_text_overrides(df: &mut DataFrame, overrides: &[TextOverride]) -> Result<()> {
    let mut by_column: BTreeMap<&str, BTreeMap<usize, &str>> = BTreeMap::new();
    for o in overrides {
        by_column
            .entry(o.column)
            .or_default()
            .insert(o.row, o.text.as_str());
    }
    for (name, texts) in by_column {
        let as_text = df.column(name)?.cast(&DataType::String)?;
        let values = as_text.str()?;
        let mut builder = StringChunkedBuilder::new(name.into(), values.len());
        for (row, value) in values.iter().enumerate() {
            builder.append_option(texts.get(&row).copied().or(value));
        }
        df.replace(name, builder.finish().into_column())?;
    }
    Ok(())
}

pub(super) fn chunk_frames(chunk: &Chunk) -> Result<[DataFrame; 4]> {
    let payments = payments_frame(&chunk.payments, Money::Decimal)?;
    let mut frames = match &chunk.canonical {
        Some(clean) => {
            let mut income = clean.income.clone();
            let cents = income.column("amount")?.i64()?.clone();
            income.replace(
                "amount",
                money_column("amount", cents.iter(), Money::Decimal)?,
            )?;
            [
                clean.persons.clone(),
                clean.awards.clone(),
                income,
                payments,
            ]
        }
        None => [
            persons_frame(&chunk.persons)?,
            awards_frame(&chunk.awards)?,
            income_frame(&chunk.income, Money::Decimal)?,
            payments,
        ],
    };
    for (frame, overrides) in frames.iter_mut().zip(&chunk.overrides) {
        if !overrides.is_empty() {
            apply_text_overrides(frame, overrides)?;
        }
    }
    Ok(frames)
}

// ---------------------------------------------------------------------------------------------
// Writing.

pub(super) enum BatchWriter {
    Parquet(Box<ParquetBatchedWriter<File>>),
    Csv(CsvBatchedWriter<File>),
}

/// One register file, written batch by batch; the writer is made from the first batch.
pub(super) struct RegisterSink {
    pub(super) register: Register,
    pub(super) path: PathBuf,
    pub(super) format: FileFormat,
    pub(super) file: Option<File>,
    pub(super) writer: Option<BatchWriter>,
    pub(super) rows: usize,
}

impl RegisterSink {
    pub(super) fn create(dir: &Path, register: Register, format: FileFormat) -> Result<Self> {
        let other = match format {
            FileFormat::Parquet => FileFormat::Csv,
            FileFormat::Csv => FileFormat::Parquet,
        };
        let stale = dir.join(format!("{}.{}", register.name(), other.extension()));
        if stale.exists() {
            std::fs::remove_file(&stale).map_err(Error::io(&stale))?;
        }
        let path = dir.join(format!("{}.{}", register.name(), format.extension()));
        let file = File::create(&path).map_err(Error::io(&path))?;
        Ok(RegisterSink {
            register,
            path,
            format,
            file: Some(file),
            writer: None,
            rows: 0,
        })
    }

    pub(super) fn open_writer(&mut self, df: &DataFrame) -> Result<BatchWriter> {
        let file = self.file.take().ok_or_else(|| {
            Error::Other(format!("{}: writer already closed", self.path.display()))
        })?;
        let schema = df.schema().as_ref();
        Ok(match self.format {
            FileFormat::Parquet => BatchWriter::Parquet(Box::new(
                ParquetWriter::new(file)
                    .with_compression(ParquetCompression::Zstd(None))
                    .batched(schema)?,
            )),
            FileFormat::Csv => BatchWriter::Csv(
                CsvWriter::new(file)
                    .include_header(true)
                    .with_date_format(Some("%Y-%m-%d".into()))
                    .batched(schema)?,
            ),
        })
    }

    pub(super) fn write(&mut self, df: &DataFrame) -> Result<()> {
        if self.writer.is_none() {
            self.writer = Some(self.open_writer(df)?);
        }
        match self.writer.as_mut().expect("writer opened") {
            BatchWriter::Parquet(w) => w.write_batch(df)?,
            BatchWriter::Csv(w) => w.write_batch(df)?,
        }
        self.rows += df.height();
        Ok(())
    }

    pub(super) fn finish(self) -> Result<(Register, usize)> {
        match self.writer {
            Some(BatchWriter::Parquet(w)) => {
                w.finish()?;
            }
            Some(BatchWriter::Csv(mut w)) => w.finish()?,
            None => {
                return Err(Error::Other(format!(
                    "{}: nothing was written",
                    self.path.display()
                )))
            }
        }
        Ok((self.register, self.rows))
    }
}

pub(super) struct Sinks {
    pub(super) sinks: Vec<RegisterSink>,
}

impl Sinks {
    pub(super) fn create(dir: &Path, format: FileFormat) -> Result<Self> {
        let sinks = Register::ALL
            .iter()
            .map(|&register| RegisterSink::create(dir, register, format))
            .collect::<Result<_>>()?;
        Ok(Sinks { sinks })
    }

    pub(super) fn write(&mut self, chunk: &Chunk) -> Result<()> {
        let frames = chunk_frames(chunk)?;
        for (sink, frame) in self.sinks.iter_mut().zip(&frames) {
            sink.write(frame)?;
        }
        Ok(())
    }

    pub(super) fn finish(self) -> Result<Vec<(Register, usize)>> {
        self.sinks.into_iter().map(RegisterSink::finish).collect()
    }
}
