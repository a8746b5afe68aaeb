//! SDMX for international exchange (publication.md, "Files of one publication"):
//! `tables/<id>.sdmx.csv` in SDMX-CSV 2.0 and one SDMX-ML 2.1 structure file,
//! `sdmx-structure.xml`, with the code lists, concepts, data structure definitions and
//! dataflows of the published tables.
//!
//! SDMX has one primary measure (`OBS_VALUE`), so a table's measures become the codes of a
//! dimension `MEASURE`; the period is the time dimension `TIME_PERIOD` (`2024`, or `2024-06` for
//! `2024M06`). `OBS_STATUS` is `A` for a published value, `C` for a confidential (suppressed)
//! cell and `M` for one that cannot exist (no recipients); the structure file's own code list
//! `CL_OBS_STATUS` declares exactly these three. Every identifier lives in the agency `KELA`,
//! version `1.0`: dataflow `DF_<ID>`, data structure `DSD_<ID>` (`<ID>` the table id in capitals),
//! code list `CL_<DIMENSION>`, concepts in the scheme `CS_KELASTAT`.
use std::collections::BTreeMap;
use std::fmt::Write;

use super::csv::value_text;
use super::PublicationInfo;
use crate::labels::{Codelists, Labels, LANGUAGES};
use crate::table::{Status, Table};

pub const AGENCY: &str = "KELA";
pub const VERSION: &str = "1.0";
/// The file name of the structure message inside a publication.
pub const STRUCTURE_FILE: &str = "sdmx-structure.xml";

const CONCEPT_SCHEME: &str = "CS_KELASTAT";
const TIME: &str = "TIME_PERIOD";
const MEASURE: &str = "MEASURE";

/// The path of a table's SDMX-CSV file inside a publication directory.
pub fn csv_path(table_id: &str) -> String {
    format!("tables/{table_id}.sdmx.csv")
}

fn dataflow_id(table_id: &str) -> String {
    format!("DF_{}", table_id.to_uppercase())
}

/// The SDMX component id of one of the table's dimensions.
fn component_id(dimension: &str) -> String {
    match dimension {
        "period" => TIME.to_string(),
        other => other.to_uppercase(),
    }
}

/// `2024` stays, `2024M06` becomes the ISO 8601 month `2024-06`.
pub fn time_period(code: &str) -> String {
    match code.split_once('M') {
        Some((year, month)) => format!("{year}-{month}"),
        None => code.to_string(),
    }
}

/// The `OBS_STATUS` of a cell's measure.
fn obs_status(status: Status) -> &'static str {
    match status {
        Status::Value => "A",
        Status::Confidential => "C",
        Status::NotApplicable => "M",
    }
}

/// `tables/<id>.sdmx.csv`: `STRUCTURE,STRUCTURE_ID,ACTION`, the dimensions but the period,
/// `MEASURE`, `TIME_PERIOD`, `OBS_VALUE`, `OBS_STATUS`; one row per cell and measure, in table
/// order. A suppressed or not applicable cell has the `OBS_VALUE` `NaN` (SDMX-CSV's
/// intentionally missing value) beside its status.
pub fn table_sdmx_csv(table: &Table) -> String {
    let dims: Vec<(usize, String)> = table
        .dimensions
        .iter()
        .enumerate()
        .filter(|(_, d)| d.id != "period")
        .map(|(i, d)| (i, component_id(d.id)))
        .collect();
    let period = table.dimensions.iter().position(|d| d.id == "period");
    let mut out = String::from("STRUCTURE,STRUCTURE_ID,ACTION,");
    for (_, id) in &dims {
        out.push_str(id);
        out.push(',');
    }
    let _ = writeln!(out, "{MEASURE},{TIME},OBS_VALUE,OBS_STATUS");
    let structure = format!("{AGENCY}:{}({VERSION})", dataflow_id(table.id));
    for cell in 0..table.cells() {
        let codes = table.codes(cell);
        let time = period.map(|p| time_period(codes[p])).unwrap_or_default();
        for (m, measure) in table.measures.iter().enumerate() {
            let status = table.status[m][cell];
            let _ = write!(out, "dataflow,{structure},I,");
            for (i, _) in &dims {
                out.push_str(codes[*i]);
                out.push(',');
            }
            let value = match status {
                Status::Value => value_text(measure, status, table.values[m][cell]),
                // SDMX-CSV's intentionally missing numeric value.
                Status::Confidential | Status::NotApplicable => "NaN".to_string(),
            };
            let _ = writeln!(out, "{},{time},{value},{}", measure.id, obs_status(status));
        }
    }
    out
}

fn obs_status_labels() -> Labels {
    Labels::new(
        "Havainnon tila",
        "Observationens status",
        "Observation status",
    )
}

/// XML text with `&`, `<`, `>` and `"` escaped.
fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `<com:Name xml:lang="…">` in every language.
fn names(out: &mut String, indent: &str, labels: &Labels) {
    for language in LANGUAGES {
        let _ = writeln!(
            out,
            "{indent}<com:Name xml:lang=\"{language}\">{}</com:Name>",
            xml(labels.get(language))
        );
    }
}

/// A `<Ref>` to a maintainable artefact (`parent` `None`) or to an item of one (a concept of
/// its scheme), which names its parent's version instead of a version of its own.
fn reference(id: &str, package: &str, class: &str, parent: Option<&str>) -> String {
    let version = match parent {
        Some(p) => format!("maintainableParentID=\"{p}\" maintainableParentVersion=\"{VERSION}\""),
        None => format!("version=\"{VERSION}\""),
    };
    format!(
        "<Ref id=\"{id}\" {version} agencyID=\"{AGENCY}\" package=\"{package}\" class=\"{class}\"/>"
    )
}

/// The code lists: every non-time dimension of the tables with the codes the tables use, in
/// their order of first use, the measures, and the observation status.
struct CodeList {
    dimension: &'static str,
    codes: Vec<String>,
}

fn code_lists(tables: &[Table]) -> Vec<CodeList> {
    let mut lists: Vec<CodeList> = Vec::new();
    let mut add = |dimension: &'static str, code: &str| {
        let list = match lists.iter().position(|l| l.dimension == dimension) {
            Some(i) => &mut lists[i],
            None => {
                lists.push(CodeList {
                    dimension,
                    codes: Vec::new(),
                });
                lists.last_mut().expect("just pushed")
            }
        };
        if !list.codes.iter().any(|c| c == code) {
            list.codes.push(code.to_string());
        }
    };
    for table in tables {
        for dim in table.dimensions.iter().filter(|d| d.id != "period") {
            for code in &dim.codes {
                add(dim.id, code);
            }
        }
        for measure in &table.measures {
            add("measure", measure.id);
        }
    }
    lists
}

fn code_list_id(dimension: &str) -> String {
    format!("CL_{}", dimension.to_uppercase())
}

/// `sdmx-structure.xml`: an SDMX-ML 2.1 structure message with the dataflows, code lists,
/// concepts and data structure definitions of `tables`. Labels in fi, sv and en.
pub fn structure_xml(tables: &[Table], codelists: &Codelists, info: &PublicationInfo) -> String {
    let lists = code_lists(tables);
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(
        "<mes:Structure xmlns:mes=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message\" \
         xmlns:str=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure\" \
         xmlns:com=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common\">\n",
    );
    let _ = writeln!(
        out,
        "  <mes:Header>\n    <mes:ID>KELASTAT_{}</mes:ID>\n    <mes:Test>false</mes:Test>\n    \
         <mes:Prepared>{}</mes:Prepared>\n    <mes:Sender id=\"{AGENCY}\"/>\n  </mes:Header>",
        info.period,
        info.published_at.format("%Y-%m-%dT%H:%M:%SZ")
    );
    out.push_str("  <mes:Structures>\n");

    out.push_str("    <str:Dataflows>\n");
    for table in tables {
        let id = table.id.to_uppercase();
        let _ = writeln!(
            out,
            "      <str:Dataflow id=\"DF_{id}\" agencyID=\"{AGENCY}\" version=\"{VERSION}\">"
        );
        names(&mut out, "        ", &codelists.table_title(table.id));
        let _ = writeln!(
            out,
            "        <str:Structure>{}</str:Structure>\n      </str:Dataflow>",
            reference(&format!("DSD_{id}"), "datastructure", "DataStructure", None)
        );
    }
    out.push_str("    </str:Dataflows>\n");

    out.push_str("    <str:Codelists>\n");
    for list in &lists {
        let _ = writeln!(
            out,
            "      <str:Codelist id=\"{}\" agencyID=\"{AGENCY}\" version=\"{VERSION}\">",
            code_list_id(list.dimension)
        );
        names(&mut out, "        ", &codelists.dimension(list.dimension));
        for code in &list.codes {
            let _ = writeln!(out, "        <str:Code id=\"{}\">", xml(code));
            names(
                &mut out,
                "          ",
                &codelists.code(list.dimension, code),
            );
            out.push_str("        </str:Code>\n");
        }
        out.push_str("      </str:Codelist>\n");
    }
    let _ = writeln!(
        out,
        "      <str:Codelist id=\"CL_OBS_STATUS\" agencyID=\"{AGENCY}\" version=\"{VERSION}\">"
    );
    names(&mut out, "        ", &obs_status_labels());
    for (code, labels) in [
        (
            "A",
            Labels::new("Julkaistu arvo", "Publicerat värde", "Normal value"),
        ),
        (
            "C",
            Labels::new(
                "Salattu tietosuojan vuoksi",
                "Sekretessbelagd av dataskyddsskäl",
                "Confidential",
            ),
        ),
        (
            "M",
            Labels::new(
                "Tieto on loogisesti mahdoton esittää",
                "Uppgift kan inte förekomma",
                "Missing value; data cannot exist",
            ),
        ),
    ] {
        let _ = writeln!(out, "        <str:Code id=\"{code}\">");
        names(&mut out, "          ", &labels);
        out.push_str("        </str:Code>\n");
    }
    out.push_str("      </str:Codelist>\n    </str:Codelists>\n");

    out.push_str("    <str:Concepts>\n");
    let _ = writeln!(
        out,
        "      <str:ConceptScheme id=\"{CONCEPT_SCHEME}\" agencyID=\"{AGENCY}\" version=\"{VERSION}\">"
    );
    names(&mut out, "        ", &Labels::same("kelastat"));
    let mut concepts: BTreeMap<String, Labels> = lists
        .iter()
        .map(|l| (component_id(l.dimension), codelists.dimension(l.dimension)))
        .collect();
    concepts.insert(TIME.to_string(), codelists.dimension("period"));
    concepts.insert("OBS_VALUE".into(), Labels::new("Arvo", "Värde", "Value"));
    concepts.insert("OBS_STATUS".into(), obs_status_labels());
    for (id, labels) in &concepts {
        let _ = writeln!(out, "        <str:Concept id=\"{id}\">");
        names(&mut out, "          ", labels);
        out.push_str("        </str:Concept>\n");
    }
    out.push_str("      </str:ConceptScheme>\n    </str:Concepts>\n");

    out.push_str("    <str:DataStructures>\n");
    for table in tables {
        let id = table.id.to_uppercase();
        let _ = writeln!(
            out,
            "      <str:DataStructure id=\"DSD_{id}\" agencyID=\"{AGENCY}\" version=\"{VERSION}\">"
        );
        names(&mut out, "        ", &codelists.table_title(table.id));
        out.push_str(
            "        <str:DataStructureComponents>\n          <str:DimensionList id=\"DimensionDescriptor\">\n",
        );
        let mut position = 0;
        let dims = table
            .dimensions
            .iter()
            .map(|d| d.id)
            .filter(|d| *d != "period")
            .chain(std::iter::once("measure"));
        for dimension in dims {
            position += 1;
            let concept = component_id(dimension);
            let _ = writeln!(
                out,
                "            <str:Dimension id=\"{concept}\" position=\"{position}\">\n              \
                 <str:ConceptIdentity>{}</str:ConceptIdentity>\n              \
                 <str:LocalRepresentation><str:Enumeration>{}</str:Enumeration></str:LocalRepresentation>\n            \
                 </str:Dimension>",
                reference(&concept, "conceptscheme", "Concept", Some(CONCEPT_SCHEME)),
                reference(&code_list_id(dimension), "codelist", "Codelist", None),
            );
        }
        let _ = writeln!(
            out,
            "            <str:TimeDimension id=\"{TIME}\" position=\"{}\">\n              \
             <str:ConceptIdentity>{}</str:ConceptIdentity>\n              \
             <str:LocalRepresentation><str:TextFormat textType=\"ObservationalTimePeriod\"/></str:LocalRepresentation>\n            \
             </str:TimeDimension>\n          </str:DimensionList>",
            position + 1,
            reference(TIME, "conceptscheme", "Concept", Some(CONCEPT_SCHEME)),
        );
        let _ = writeln!(
            out,
            "          <str:AttributeList id=\"AttributeDescriptor\">\n            \
             <str:Attribute id=\"OBS_STATUS\" assignmentStatus=\"Mandatory\">\n              \
             <str:ConceptIdentity>{}</str:ConceptIdentity>\n              \
             <str:LocalRepresentation><str:Enumeration>{}</str:Enumeration></str:LocalRepresentation>\n              \
             <str:AttributeRelationship><str:PrimaryMeasure><Ref id=\"OBS_VALUE\"/></str:PrimaryMeasure></str:AttributeRelationship>\n            \
             </str:Attribute>\n          </str:AttributeList>",
            reference("OBS_STATUS", "conceptscheme", "Concept", Some(CONCEPT_SCHEME)),
            reference("CL_OBS_STATUS", "codelist", "Codelist", None),
        );
        let _ = writeln!(
            out,
            "          <str:MeasureList id=\"MeasureDescriptor\">\n            \
             <str:PrimaryMeasure id=\"OBS_VALUE\">\n              \
             <str:ConceptIdentity>{}</str:ConceptIdentity>\n            \
             </str:PrimaryMeasure>\n          </str:MeasureList>\n        \
             </str:DataStructureComponents>\n      </str:DataStructure>",
            reference(
                "OBS_VALUE",
                "conceptscheme",
                "Concept",
                Some(CONCEPT_SCHEME)
            ),
        );
    }
    out.push_str("    </str:DataStructures>\n  </mes:Structures>\n</mes:Structure>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::csv::tests::sample_table;

    #[test]
    fn one_row_per_cell_and_measure_with_the_sdmx_status() {
        let csv = table_sdmx_csv(&sample_table());
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "STRUCTURE,STRUCTURE_ID,ACTION,SEX,MEASURE,TIME_PERIOD,OBS_VALUE,OBS_STATUS"
        );
        let structure = "dataflow,KELA:DF_RECIPIENTS_BY_BENEFIT_SEX_AGE(1.0),I";
        assert_eq!(
            &lines[1..],
            [
                format!("{structure},SSS,recipients,2024,12,A"),
                format!("{structure},SSS,mean_amount,2024,654.32,A"),
                format!("{structure},1,recipients,2024,NaN,C"),
                format!("{structure},1,mean_amount,2024,NaN,C"),
                format!("{structure},2,recipients,2024,0,A"),
                format!("{structure},2,mean_amount,2024,NaN,M"),
            ]
        );
    }

    #[test]
    fn months_are_iso_months() {
        assert_eq!(time_period("2024M06"), "2024-06");
        assert_eq!(time_period("2024"), "2024");
    }
}
