//! opdcheck's own Chinese Bundles (samples/fhir/) and arbitrary JSON.

use opdcheck_api::fhir::{IssueSeverity, IssueType, RULES_SYSTEM};
use opdcheck_engine::Engine;
use opdcheck_fhir::{read, validate};
use proptest::prelude::*;
use serde_json::{Value, json};

fn sample(name: &str) -> Value {
    let path = format!("{}/../../samples/fhir/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn a_vague_dosage_gives_rx08_at_the_dosage_text() {
    let v = validate(Engine::default_engine(), &sample("visit-vague-dosage.json"));
    assert_eq!(v.reading.documents.len(), 1, "one visit");
    assert_eq!(v.reading.documents[0].document["kind"], "visit");
    let rx08: Vec<_> = v
        .outcome
        .issue
        .iter()
        .filter(|i| {
            i.details.as_ref().is_some_and(|d| {
                d.coding
                    .iter()
                    .any(|c| c.system == RULES_SYSTEM && c.code == "RX-08")
            })
        })
        .collect();
    assert_eq!(rx08.len(), 1, "{:#?}", v.outcome);
    assert_eq!(rx08[0].severity, IssueSeverity::Error);
    assert_eq!(rx08[0].code, IssueType::BusinessRule);
    assert_eq!(
        rx08[0].expression,
        vec!["Bundle.entry[9].resource.dosageInstruction[0].text"]
    );
    let json = serde_json::to_value(&v.outcome).unwrap();
    assert_eq!(json["resourceType"], "OperationOutcome");
    // The record's sections were read: no finding says the chief complaint is missing.
    let record = &v.reading.documents[0].document["record"];
    assert_eq!(record["chief_complaint"], "咳嗽、咳痰3天");
    assert_eq!(
        record["physician"]["signed_at"],
        "2026-11-22T09:35:00+08:00"
    );
}

#[test]
fn a_clean_bundle_has_no_error_issue() {
    let v = validate(Engine::default_engine(), &sample("prescription-clean.json"));
    assert_eq!(v.reading.documents.len(), 1);
    assert!(!v.outcome.has_errors(), "{:#?}", v.outcome);
    assert!(
        v.outcome
            .issue
            .iter()
            .all(|i| i.severity == IssueSeverity::Information),
        "{:#?}",
        v.outcome
    );
    let rx = &v.reading.documents[0].document;
    assert_eq!(rx["items"][0]["frequency"], "tid");
    assert_eq!(rx["items"][0]["days"], 3.0);
    assert_eq!(rx["prescriber"]["name"], "李明");
}

#[test]
fn timing_repeat_and_wrong_types_are_read_or_located() {
    let bundle = json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "MedicationRequest", "id": "m", "status": "active",
          "medicationCodeableConcept": {"text": "头孢克肟胶囊"},
          "dosageInstruction": [
            {"timing": {"repeat": {"frequency": 1, "period": 8, "periodUnit": "h"}},
             "doseAndRate": [{"doseRange": {"low": {"value": 1}}}], "route": 7},
            {"text": "second"}],
          "dispenseRequest": {"quantity": {"value": "6", "unit": "粒"}}}},
        {"resource": {"resourceType": "Observation", "status": "final"}},
        {"resource": "not a resource"}
    ]});
    let r = read(&bundle);
    let item = &r.documents[0].document["items"][0];
    assert_eq!(item["frequency"], "q8h");
    let at = |e: &str| {
        r.issues
            .iter()
            .find(|i| i.expression == e)
            .unwrap_or_else(|| panic!("{e}: {:?}", r.issues))
    };
    assert_eq!(
        at("Bundle.entry[0].resource.dosageInstruction[0].doseAndRate[0].doseRange").code,
        IssueType::NotSupported
    );
    assert_eq!(
        at("Bundle.entry[0].resource.dosageInstruction[0].route").code,
        IssueType::Invalid
    );
    assert_eq!(
        at("Bundle.entry[0].resource.dispenseRequest.quantity.value").code,
        IssueType::Invalid
    );
    assert_eq!(
        at("Bundle.entry[0].resource.dosageInstruction[1]").code,
        IssueType::NotSupported
    );
    assert_eq!(at("Bundle.entry[2].resource").code, IssueType::Invalid);
}

#[test]
fn not_a_bundle_is_an_error_at_the_root() {
    for (v, expr) in [
        (json!([1]), "Bundle"),
        (json!({"kind": "prescription"}), "resourceType"),
        (json!({"resourceType": "Patient"}), "Patient"),
    ] {
        let r = read(&v);
        assert!(r.documents.is_empty());
        assert_eq!(r.issues[0].expression, expr);
        assert_eq!(r.issues[0].severity, IssueSeverity::Error);
    }
}

#[test]
fn a_bundle_over_the_entry_limit_is_not_read() {
    let entry: Vec<Value> = (0..=opdcheck_fhir::MAX_ENTRIES)
        .map(|_| json!({"resource": {"resourceType": "Condition"}}))
        .collect();
    let r = read(&json!({"resourceType": "Bundle", "entry": entry}));
    assert!(!r.bundle && r.documents.is_empty());
    assert_eq!(r.issues[0].code, IssueType::TooCostly);
    assert_eq!(r.issues[0].expression, "Bundle.entry");
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop_oneof![
            Just("Bundle".to_owned()),
            Just("MedicationRequest".to_owned()),
            Just("Composition".to_owned()),
            Just("urn:uuid:a".to_owned()),
            Just("#c".to_owned()),
            ".{0,8}"
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("resourceType"),
                        Just("entry"),
                        Just("resource"),
                        Just("fullUrl"),
                        Just("reference"),
                        Just("dosageInstruction"),
                        Just("timing"),
                        Just("repeat"),
                        Just("subject"),
                        Just("section"),
                        Just("text"),
                        Just("code"),
                        Just("coding"),
                        Just("requester"),
                        Just("id"),
                        Just("div")
                    ],
                    inner
                ),
                0..5
            )
            .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    #[test]
    fn arbitrary_json_never_panics(v in arb_json()) {
        let bundle = json!({"resourceType": "Bundle", "entry": [{"resource": v.clone()}, {"fullUrl": "urn:uuid:a", "resource": v.clone()}]});
        for input in [v, bundle] {
            let out = validate(Engine::default_engine(), &input);
            prop_assert!(!out.outcome.issue.is_empty());
        }
    }
}
