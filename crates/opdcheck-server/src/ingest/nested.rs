//! A visit pushed whole (`kind: "visit"`) is also stored as its documents: each nested document
//! becomes a record of its own kind, id and version, so it counts in its own kind's rates and
//! takes part in the visit assembled from stored documents like one synced on its own.
//!
//! A nested document is stored as written, with what a standalone document needs added: its
//! `kind`; its `id` when it has none — `<visit record id>/<path in the visit>`, e.g.
//! `v-1001/prescriptions[0]` (stable while the visit keeps its documents in the same order); and
//! the visit's `visit_id` (a document inside a visit is of that visit, whatever its own says;
//! its own is kept only when the visit names none).

use opdcheck_engine::Document;
use opdcheck_engine::parse::document_from_value;
use serde_json::{Value, json};

use super::canonical::{canonical, patient_key, sha256_hex};

/// One document of a visit pushed whole, ready to be stored as its own record.
pub(super) struct NestedDoc {
    pub id: String,
    pub doc: Document,
    pub document: Value,
    pub body: String,
    pub sha: String,
    /// Its own patient's key, else the visit's: a nested document without a patient block
    /// belongs to the visit's patient.
    pub patient_key: Option<String>,
}

/// The nested documents of `visit` (the document of record `visit_record_id`), in the visit's
/// order; a nested value that is not an object, or no longer reads as its kind, is left out (the
/// visit's own check reported it).
pub(super) fn nested_documents(visit_record_id: &str, visit: &Value) -> Vec<NestedDoc> {
    let visit_id = visit.get("visit_id").and_then(Value::as_str);
    let visit_key = patient_key(visit);
    let mut slots: Vec<(String, &'static str, &Value)> = Vec::new();
    if let Some(r) = visit.get("record") {
        slots.push(("record".into(), "outpatient_record", r));
    }
    for (field, kind) in [
        ("prescriptions", "prescription"),
        ("exam_requests", "exam_request"),
        ("infectious_reports", "infectious_report"),
    ] {
        for (i, d) in visit
            .get(field)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            slots.push((format!("{field}[{i}]"), kind, d));
        }
    }
    slots
        .into_iter()
        .filter_map(|(path, kind, value)| {
            let mut document = value.as_object()?.clone();
            document.insert("kind".into(), json!(kind));
            let has_id = document
                .get("id")
                .and_then(Value::as_str)
                .is_some_and(|s| !s.trim().is_empty());
            if !has_id {
                document.insert("id".into(), json!(format!("{visit_record_id}/{path}")));
            }
            if let Some(v) = visit_id {
                document.insert("visit_id".into(), json!(v));
            }
            let document = Value::Object(document);
            let doc = document_from_value(document.clone()).ok()?;
            let body = canonical(&document);
            Some(NestedDoc {
                id: doc.id().to_owned(),
                sha: sha256_hex(&body),
                patient_key: patient_key(&document).or_else(|| visit_key.clone()),
                doc,
                document,
                body,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_documents_get_kind_id_and_visit() {
        let visit = json!({
            "kind": "visit", "id": "vr-1", "visit_id": "v-9",
            "record": {"id": "mr-1", "patient": {"record_no": "MZ1"}},
            "prescriptions": [{"items": []}, {"id": "rx-2", "visit_id": "v-other"}],
            "exam_requests": [],
        });
        let docs = nested_documents("vr-1", &visit);
        let ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["mr-1", "vr-1/prescriptions[0]", "rx-2"]);
        assert_eq!(docs[1].document["kind"], "prescription");
        assert_eq!(docs[1].document["visit_id"], "v-9");
        assert_eq!(docs[2].document["visit_id"], "v-9", "the visit's wins");
        // Without a patient of its own, a document is the visit's patient's.
        assert_eq!(docs[1].patient_key, docs[0].patient_key);
        assert!(docs[0].patient_key.is_some());
    }
}
