//! One record of a push, read and checked before anything is stored: its shape, its document,
//! and whether this caller may push such a document at all.

use opdcheck_api::ErrorDetail;
use opdcheck_api::records::{PushOutcome, PushResult};
use opdcheck_engine::Document;
use opdcheck_engine::parse::document_from_value;
use serde_json::Value;

use super::canonical::{canonical, sha256_hex};
use super::{Pusher, located};

/// A record of the batch that passed validation.
pub(super) struct Valid {
    pub i: usize,
    pub id: String,
    pub version: i64,
    pub doc: Document,
    pub document: Value,
    /// The canonical text, as stored, and its SHA-256.
    pub body: String,
    pub sha: String,
}

/// A per-record error (`path` is where in the request).
pub(super) fn item_error(
    code: &str,
    message: impl Into<String>,
    path: impl Into<String>,
) -> ErrorDetail {
    ErrorDetail {
        code: code.to_owned(),
        message: message.into(),
        path: Some(path.into()),
    }
}

pub(super) fn result(id: Option<String>, version: Option<i64>, outcome: PushOutcome) -> PushResult {
    PushResult {
        id,
        version,
        outcome,
    }
}

/// Check record `i`'s shape, its document and who may push it; `Err` is its result (boxed: a
/// result with a report is large, and most records pass).
pub(super) fn validate(who: &Pusher, i: usize, rec: Value) -> Result<Valid, Box<PushResult>> {
    let at = format!("records[{i}]");
    // Echoed back as given, when they are of the right type.
    let given_id = rec.get("id").and_then(Value::as_str).map(str::to_owned);
    let given_version = rec.get("version").and_then(Value::as_i64);
    // The document is read once, first: a department-bound key's refusal comes before any other
    // check of the record, and is neither checked nor stored.
    let parsed = rec
        .get("document")
        .filter(|d| d.is_object())
        .map(|d| document_from_value(d.clone()));
    if let Some(Ok(doc)) = &parsed
        && !who.may_see_department(doc.department())
    {
        let error = item_error(
            "forbidden",
            "this API key may only push documents of its departments",
            format!("{at}.document.department"),
        );
        return Err(Box::new(result(
            given_id,
            given_version,
            PushOutcome::Forbidden { error },
        )));
    }
    let invalid = |code: &str, message: String, path: String| {
        let error = item_error(code, message, path);
        Box::new(result(
            given_id.clone(),
            given_version,
            PushOutcome::Invalid { error },
        ))
    };
    if !rec.is_object() {
        return Err(invalid("bad_record", "expected an object".into(), at));
    }
    let Some(id) = given_id.clone().filter(|s| !s.trim().is_empty()) else {
        return Err(invalid(
            "bad_record",
            "`id` must be a non-empty string".into(),
            format!("{at}.id"),
        ));
    };
    let Some(version) = given_version.filter(|v| *v >= 1) else {
        return Err(invalid(
            "bad_record",
            "`version` must be an integer ≥ 1".into(),
            format!("{at}.version"),
        ));
    };
    let (Some(document), Some(parsed)) = (rec.get("document").filter(|d| d.is_object()), parsed)
    else {
        return Err(invalid(
            "bad_record",
            "`document` must be an object".into(),
            format!("{at}.document"),
        ));
    };
    let doc_path = format!("{at}.document");
    let doc = match parsed {
        Ok(doc) => doc,
        Err(e) => {
            let (path, message) = located(&doc_path, &e);
            return Err(invalid("invalid_document", message, path));
        }
    };
    if doc.id() != id {
        return Err(invalid(
            "id_mismatch",
            "the document's `id` differs from the record's `id`".into(),
            format!("{doc_path}.id"),
        ));
    }
    // A doctor writes only their own documents.
    if let Some(me) = who.only_doctor.as_deref()
        && doc.doctor() != Some(me)
    {
        let error = item_error(
            "forbidden",
            "a doctor may only push their own records",
            doc_path,
        );
        return Err(Box::new(result(
            Some(id),
            Some(version),
            PushOutcome::Forbidden { error },
        )));
    }
    let body = canonical(document);
    let sha = sha256_hex(&body);
    let document = document.clone();
    Ok(Valid {
        i,
        id,
        version,
        doc,
        document,
        body,
        sha,
    })
}
