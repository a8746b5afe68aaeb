//! What a publication holds, one registry each: the tables (`TableId`, in publication order,
//! with their ids) and the file formats (`Format`). A pipeline's `tables` and `formats` name
//! these; every table id and format name of the code comes from here.

/// The tables of publication.md, in publication order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TableId {
    RecipientsByBenefitSexAge,
    RecipientsByArea,
    NationalPensionStructure,
    AmountDistribution,
    RecipientsAbroadByCountry,
    Expenditure,
    NewRecipients,
    GuaranteePensionByBasis,
    SurvivorsPensions,
    TimeSeries,
}

impl TableId {
    /// Every table, in publication order.
    pub const ALL: [TableId; 10] = [
        TableId::RecipientsByBenefitSexAge,
        TableId::RecipientsByArea,
        TableId::NationalPensionStructure,
        TableId::AmountDistribution,
        TableId::RecipientsAbroadByCountry,
        TableId::Expenditure,
        TableId::NewRecipients,
        TableId::GuaranteePensionByBasis,
        TableId::SurvivorsPensions,
        TableId::TimeSeries,
    ];

    /// The table's id, as published (file names, `table_id`, the API).
    pub const fn id(self) -> &'static str {
        match self {
            TableId::RecipientsByBenefitSexAge => "recipients_by_benefit_sex_age",
            TableId::RecipientsByArea => "recipients_by_area",
            TableId::NationalPensionStructure => "national_pension_structure",
            TableId::AmountDistribution => "amount_distribution",
            TableId::RecipientsAbroadByCountry => "recipients_abroad_by_country",
            TableId::Expenditure => "expenditure",
            TableId::NewRecipients => "new_recipients",
            TableId::GuaranteePensionByBasis => "guarantee_pension_by_basis",
            TableId::SurvivorsPensions => "survivors_pensions",
            TableId::TimeSeries => "time_series",
        }
    }

    /// The table of an id.
    pub fn from_id(id: &str) -> Option<TableId> {
        TableId::ALL.into_iter().find(|t| t.id() == id)
    }

    /// The position of the table with `id` in publication order (unknown ids last).
    pub fn order_of(id: &str) -> usize {
        TableId::from_id(id).map_or(TableId::ALL.len(), |t| t as usize)
    }
}

/// Every table id, in publication order (what a pipeline's `tables` may list).
pub const TABLE_IDS: [&str; 10] = {
    let mut ids = [""; 10];
    let mut i = 0;
    while i < ids.len() {
        ids[i] = TableId::ALL[i].id();
        i += 1;
    }
    ids
};

/// The file formats of a publication's tables (publication.md, "Files of one publication").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    Csv,
    Parquet,
    Px,
    JsonStat,
    Sdmx,
}

impl Format {
    /// Every format, in the order the report names them.
    pub const ALL: [Format; 5] = [
        Format::Csv,
        Format::Parquet,
        Format::Px,
        Format::JsonStat,
        Format::Sdmx,
    ];

    /// The formats written when a pipeline lists none (SDMX only when asked for).
    pub const DEFAULT: [Format; 4] = [Format::Csv, Format::Parquet, Format::Px, Format::JsonStat];

    /// The format's name in a pipeline's `formats`.
    pub const fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Parquet => "parquet",
            Format::Px => "px",
            Format::JsonStat => "jsonstat",
            Format::Sdmx => "sdmx",
        }
    }

    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// Every format name, in `Format::ALL` order (what a pipeline's `formats` may list).
pub const FORMAT_NAMES: [&str; 5] = names(Format::ALL);
/// The names of `Format::DEFAULT`.
pub const DEFAULT_FORMAT_NAMES: [&str; 4] = names(Format::DEFAULT);

const fn names<const N: usize>(formats: [Format; N]) -> [&'static str; N] {
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = formats[i].name();
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_map_both_ways_in_order() {
        for (i, table) in TableId::ALL.into_iter().enumerate() {
            assert_eq!(TableId::from_id(table.id()), Some(table));
            assert_eq!(TableId::order_of(table.id()), i);
            assert_eq!(TABLE_IDS[i], table.id());
        }
        assert_eq!(TableId::from_id("recipients"), None);
        for format in Format::ALL {
            assert_eq!(Format::from_name(format.name()), Some(format));
        }
        assert_eq!(FORMAT_NAMES, ["csv", "parquet", "px", "jsonstat", "sdmx"]);
        assert_eq!(DEFAULT_FORMAT_NAMES, ["csv", "parquet", "px", "jsonstat"]);
    }
}
