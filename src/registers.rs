//! The input contract of registers.md as data: registers, their columns, types and code lists.

/// The type a column has once ingested. Money is held as integer cents (`Int64`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    Utf8,
    Int,
    Date,
    /// A date meaning its month; any day is accepted and normalised to the first.
    Month,
    /// EUR with two decimals, held as integer cents.
    Money,
    Bool,
}

impl ColType {
    pub fn contract_name(self) -> &'static str {
        match self {
            ColType::Utf8 => "utf8",
            ColType::Int => "int",
            ColType::Date => "date",
            ColType::Month => "date (month)",
            ColType::Money => "decimal(2)",
            ColType::Bool => "bool",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec {
    pub name: &'static str,
    pub ty: ColType,
    /// The column must be present and every field non-null.
    pub required: bool,
}

const fn col(name: &'static str, ty: ColType, required: bool) -> ColumnSpec {
    ColumnSpec { name, ty, required }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Register {
    Persons,
    Awards,
    Income,
    Payments,
}

pub const PERSONS: &[ColumnSpec] = &[
    col("person_id", ColType::Utf8, true),
    col("birth_date", ColType::Date, true),
    col("sex", ColType::Int, true),
    col("death_date", ColType::Date, false),
    col("municipality", ColType::Utf8, false),
    col("country", ColType::Utf8, true),
    col("family_status", ColType::Utf8, true),
    col("front_veteran", ColType::Utf8, false),
];

pub const AWARDS: &[ColumnSpec] = &[
    col("award_id", ColType::Utf8, true),
    col("person_id", ColType::Utf8, true),
    col("benefit", ColType::Utf8, true),
    col("kind", ColType::Utf8, false),
    col("start_date", ColType::Date, true),
    col("end_date", ColType::Date, false),
    col("decision_date", ColType::Date, false),
    col("early_months", ColType::Int, false),
    col("deferral_months", ColType::Int, false),
    col("residence_months", ColType::Int, false),
    col("deceased_birth_date", ColType::Date, false),
    col("deceased_death_date", ColType::Date, false),
    col("child_under_18", ColType::Bool, false),
    col("children", ColType::Int, false),
];

pub const INCOME: &[ColumnSpec] = &[
    col("person_id", ColType::Utf8, true),
    col("month", ColType::Month, true),
    col("income_type", ColType::Utf8, true),
    col("amount", ColType::Money, true),
];

pub const PAYMENTS: &[ColumnSpec] = &[
    col("payment_id", ColType::Utf8, true),
    col("person_id", ColType::Utf8, true),
    col("award_id", ColType::Utf8, false),
    col("benefit", ColType::Utf8, true),
    col("period_month", ColType::Month, true),
    col("payment_date", ColType::Date, true),
    col("payment_type", ColType::Utf8, true),
    col("amount", ColType::Money, true),
];

impl Register {
    pub const ALL: [Register; 4] = [
        Register::Persons,
        Register::Awards,
        Register::Income,
        Register::Payments,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Register::Persons => "persons",
            Register::Awards => "awards",
            Register::Income => "income",
            Register::Payments => "payments",
        }
    }

    pub fn columns(self) -> &'static [ColumnSpec] {
        match self {
            Register::Persons => PERSONS,
            Register::Awards => AWARDS,
            Register::Income => INCOME,
            Register::Payments => PAYMENTS,
        }
    }

    /// `persons` and `awards` must exist; `income` and `payments` are optional.
    pub fn is_required(self) -> bool {
        matches!(self, Register::Persons | Register::Awards)
    }

    /// The two large registers (about ten rows per person) are never held in memory: every
    /// stage reads what it needs from the file with the streaming engine. `persons` and
    /// `awards`, joined again and again, are read once into memory.
    pub fn is_streamed(self) -> bool {
        matches!(self, Register::Income | Register::Payments)
    }

    /// The unique key whose every duplicate copy is rejected.
    pub fn unique_key(self) -> Option<&'static str> {
        match self {
            Register::Persons => Some("person_id"),
            Register::Awards => Some("award_id"),
            Register::Payments => Some("payment_id"),
            Register::Income => None,
        }
    }

    pub fn column(self, name: &str) -> Option<&'static ColumnSpec> {
        self.columns().iter().find(|c| c.name == name)
    }
}

pub const SEXES: &[i64] = &[1, 2];
pub const FAMILY_STATUSES: &[&str] = &["single", "couple"];
pub const FRONT_VETERAN_STATUSES: &[&str] = &["front", "mine_clearance"];
pub const INCOME_TYPES: &[&str] = &[
    "earnings_related_pension",
    "foreign_pension",
    "survivors_pension",
    "accident_pension",
    "earned_income",
    "capital_income",
];
pub const PAYMENT_TYPES: &[&str] = &["regular", "retroactive", "recovery"];

/// Benefit codes with the kinds each allows; an empty list means `kind` must be null.
pub const BENEFITS: &[(&str, &[&str])] = &[
    (
        "national_pension",
        &[
            "old_age",
            "early_old_age",
            "disability",
            "rehabilitation_subsidy",
        ],
    ),
    (
        "guarantee_pension",
        &["old_age", "early_old_age", "disability", "other"],
    ),
    ("spouse_pension", &[]),
    ("orphan_pension", &["child", "student"]),
    ("child_increase", &[]),
    ("front_veteran_supplement", &["resident", "abroad"]),
    ("additional_front_veteran_supplement", &[]),
];

pub fn benefit_codes() -> Vec<&'static str> {
    BENEFITS.iter().map(|(b, _)| *b).collect()
}

/// ISO 3166-1 alpha-2 codes (officially assigned).
pub const COUNTRIES: &[&str] = &[
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

/// The two file formats a register may come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    Parquet,
    Csv,
}

impl FileFormat {
    pub fn extension(self) -> &'static str {
        match self {
            FileFormat::Parquet => "parquet",
            FileFormat::Csv => "csv",
        }
    }
}
