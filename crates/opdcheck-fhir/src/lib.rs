//! FHIR R4 in, opdcheck out: [`read`] turns a Bundle (serde_json) into interchange documents
//! (docs/format.md) with, for every field it fills, the FHIRPath it came from; [`validate`]
//! checks them with an [`Engine`] and answers with a FHIR OperationOutcome whose issues point
//! into the Bundle (`expression`). No I/O. docs/fhir.md says what is read from each resource.

mod issue;
pub mod outcome;
mod read;
mod reading;

use opdcheck_api::fhir::OperationOutcome;
use opdcheck_engine::parse::document_from_value;
use opdcheck_engine::{Document, Engine, Report};
use serde_json::Value;

pub use issue::ReadIssue;
pub use read::{MAX_ENTRIES, read};
pub use reading::{ReadDocument, Reading};

/// True when `value` is meant as FHIR: a JSON object with `resourceType` (an interchange
/// document has `kind` instead).
pub fn is_fhir(value: &Value) -> bool {
    value.get("resourceType").is_some()
}

/// A Bundle read and checked.
#[derive(Debug)]
pub struct Validation {
    pub reading: Reading,
    /// Each read document's report, parallel to `reading.documents` (`None` when the engine
    /// refused the document: its input error is then an issue of the outcome).
    pub reports: Vec<Option<Report>>,
    /// The documents as the engine read them, parallel to `reports` (a caller that must look
    /// at them, e.g. at their department, need not read them again).
    pub documents: Vec<Option<Document>>,
    pub outcome: OperationOutcome,
}

/// Read `value` as a FHIR R4 Bundle, check what it holds, and answer as an OperationOutcome.
pub fn validate(engine: &Engine, value: &Value) -> Validation {
    let mut reading = read(value);
    let mut reports = Vec::with_capacity(reading.documents.len());
    let mut documents = Vec::with_capacity(reading.documents.len());
    for d in &reading.documents {
        match document_from_value(d.document.clone()) {
            Ok(doc) => {
                reports.push(Some(engine.check(&doc)));
                documents.push(Some(doc));
            }
            Err(e) => {
                // The reader writes only well-typed fields; a refusal here is a reader bug, kept
                // located rather than lost.
                reading.issues.push(ReadIssue::error(
                    opdcheck_api::fhir::IssueType::Invalid,
                    d.expression(&e.path),
                    format!("转换后的文书无法读取（{}）：{}", e.path, e.message),
                ));
                reports.push(None);
                documents.push(None);
            }
        }
    }
    let outcome = outcome::of_bundle(&reading, &reports);
    Validation {
        reading,
        reports,
        documents,
        outcome,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_maps_to_its_longest_mapped_prefix() {
        let doc = ReadDocument {
            document: Value::Null,
            sources: [
                ("items[0]".to_owned(), "Bundle.entry[2].resource".to_owned()),
                (
                    "items[0].dose".to_owned(),
                    "Bundle.entry[2].resource.dosageInstruction[0].doseAndRate".to_owned(),
                ),
            ]
            .into(),
            root: "Bundle".into(),
            nested: vec![],
        };
        assert_eq!(
            doc.expression("items[0].dose.value"),
            "Bundle.entry[2].resource.dosageInstruction[0].doseAndRate"
        );
        assert_eq!(doc.expression("items[0].days"), "Bundle.entry[2].resource");
        assert_eq!(doc.expression("patient.name"), "Bundle");
        assert_eq!(doc.expression(""), "Bundle");
    }
}
