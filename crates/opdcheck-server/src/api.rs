//! `/api/v1`: records (idempotent sync with a server-side re-check), checks, the rule catalog,
//! the policy, stats and the OpenAPI description.

use std::collections::{BTreeMap, HashMap, HashSet};

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use opdcheck_engine::model::OutpatientRecord;
use opdcheck_engine::parse::document_from_value;
use opdcheck_engine::rules::RULES;
use opdcheck_engine::{Document, Engine, InputError};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::auth::{Principal, Scope, audit, forbidden};
use crate::error::Error;
use crate::http::AppState;
use crate::store::{Filter, IdState, Inserted, NewRecord, Param, Store, Writer};

/// At most this many records in one `POST /records`.
pub const MAX_BATCH: usize = 500;
/// At most this many rows per page of `GET /records`.
pub const MAX_PER_PAGE: i64 = 200;
/// How many of a patient's earlier records the history rules see.
const HISTORY_LIMIT: i64 = 50;

/// The OpenAPI description served at `/api/v1/openapi.json`.
pub const OPENAPI: &str = include_str!("../openapi.json");

/// The records, check, rules, policy and stats routes (the others are in `auth` and `qa`).
pub(crate) fn router() -> utoipa_axum::router::OpenApiRouter<AppState> {
    crate::http::openapi::unannotated(vec![
        ("/api/v1/records", post(push_records).get(list_records)),
        ("/api/v1/records/{id}", get(get_record)),
        ("/api/v1/check", post(check)),
        ("/api/v1/rules", get(rules)),
        ("/api/v1/policy", get(policy).put(set_policy)),
        ("/api/v1/stats", get(stats)),
        ("/api/v1/openapi.json", get(openapi)),
    ])
}

/// The request body as JSON: a body over the limit is a 413, malformed JSON a located 400.
pub(crate) fn json_body(body: Result<Bytes, BytesRejection>) -> Result<Value, Error> {
    let bytes = body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Error::api(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                r.body_text(),
                None,
            )
        } else {
            Error::api(StatusCode::BAD_REQUEST, "bad_body", r.body_text(), None)
        }
    })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        let hint = if e.is_eof() {
            "; is the JSON truncated?"
        } else {
            ""
        };
        Error::api(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("malformed JSON: {e}{hint}"),
            Some(String::new()),
        )
    })
}

/// An engine input error under `prefix` (`records[3].document` + `items[0].days`).
fn located(prefix: &str, e: &InputError) -> (String, String) {
    let path = match (prefix.is_empty(), e.path.is_empty()) {
        (true, _) => e.path.clone(),
        (false, true) => prefix.to_owned(),
        (false, false) => format!("{prefix}.{}", e.path),
    };
    (path, e.message.clone())
}

fn item_error(code: &str, message: impl Into<String>, path: impl Into<String>) -> Value {
    json!({ "code": code, "message": message.into(), "path": path.into() })
}

/// JSON text with object keys sorted at every level and numbers in one form: equal documents
/// hash equal whatever the client's key order, whitespace or number spelling (`4` and `4.0` are
/// the same number, and JavaScript cannot tell them apart).
pub fn canonical(value: &Value) -> String {
    fn write(v: &Value, out: &mut String) {
        match v {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                out.push('{');
                for (i, k) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(k.clone()).to_string());
                    out.push(':');
                    write(&map[k], out);
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(item, out);
                }
                out.push(']');
            }
            Value::Number(n) => match n.as_f64() {
                // Integral values below 2^53 print as integers, whichever way they were written.
                Some(f) if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 => {
                    out.push_str(&(f as i64).to_string())
                }
                _ => out.push_str(&n.to_string()),
            },
            other => out.push_str(&other.to_string()),
        }
    }
    let mut out = String::new();
    write(value, &mut out);
    out
}

pub(crate) fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn text_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for key in path {
        cur = cur.get(key)?;
    }
    cur.as_str().map(str::trim).filter(|s| !s.is_empty())
}

/// A hash of the patient's record number (else id number): links a patient's records for the
/// history rules without a second plain copy of the identifier.
fn patient_key(doc: &Value) -> Option<String> {
    let patient = doc
        .get("patient")
        .or_else(|| doc.get("record")?.get("patient"))?;
    let (label, value) = match text_at(patient, &["record_no"]) {
        Some(v) => ("record_no", v),
        None => ("id_number", text_at(patient, &["id_number"])?),
    };
    Some(sha256_hex(&format!("{label}:{value}")))
}

/// The document's own date, as written.
fn doc_at(doc: &Value) -> Option<String> {
    [
        "visit_at",
        "issued_at",
        "requested_at",
        "reported_at",
        "filled_at",
    ]
    .iter()
    .find_map(|k| text_at(doc, &[k]))
    .or_else(|| text_at(doc, &["record", "visit_at"]))
    .map(str::to_owned)
}

pub(crate) fn now() -> String {
    // Fixed width, UTC: sorts and compares as text on both databases.
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}

fn parse_json_text(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// The array under `key` of a batch body, at most [`MAX_BATCH`] long: `records` of a push,
/// `documents` of a check.
fn batch_of<'a>(
    body: &'a mut Value,
    key: &str,
    not_an_array: &str,
) -> Result<&'a mut Vec<Value>, Error> {
    let Some(items) = body.get_mut(key).and_then(Value::as_array_mut) else {
        return Err(Error::api(
            StatusCode::BAD_REQUEST,
            "bad_batch",
            not_an_array,
            Some(key.into()),
        ));
    };
    if items.len() > MAX_BATCH {
        return Err(Error::api(
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            format!("{} {key} in one batch; at most {MAX_BATCH}", items.len()),
            Some(key.into()),
        ));
    }
    Ok(items)
}

/// `POST /api/v1/records`.
async fn push_records(
    State(state): State<AppState>,
    who: Principal,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Error> {
    let store = state.store()?;
    if !who.may_push() {
        return Err(forbidden(
            "QA reads records; pushing them is for doctors and integrators",
        ));
    }
    who.require_scope(Scope::Push)?;
    let mut body = json_body(body)?;
    let records = std::mem::take(batch_of(
        &mut body,
        "records",
        "expected an object {\"records\": [...]}",
    )?);
    let engine = state.engine();
    let results = push_batch(store, &engine, &who, records).await?;
    Ok((batch_status(&results), Json(json!({ "results": results }))).into_response())
}

/// The HTTP status of a push: 403 when any record was refused to this caller, else 409 when any
/// disagrees with the stored history (`conflict`, `version_gap`: the client must look at what is
/// stored before pushing it again), else 200 (`invalid` records included: they are the client's
/// own data errors, reported per record).
fn batch_status(results: &[Value]) -> StatusCode {
    let any = |status: &str| results.iter().any(|r| r["status"] == status);
    if any("forbidden") {
        StatusCode::FORBIDDEN
    } else if any("conflict") || any("version_gap") {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    }
}

/// A record of the batch that passed validation.
struct Valid {
    i: usize,
    id: String,
    version: i64,
    doc: Document,
    document: Value,
    body: String,
    sha: String,
}

/// Whether `who` may write the id whose stored state is `st` (`None`: nothing stored).
/// The owner writes it, and so do an admin and anyone with sign-in off. An id nobody owns is
/// new, or was stored before ownership existed (or with sign-in off): then the rules before
/// ownership hold: a doctor writes it only if its latest version is theirs.
fn may_write(who: &Principal, owner: Option<&str>, st: Option<&IdState>) -> bool {
    if bypasses_owner(who) {
        return true;
    }
    match owner {
        Some(owner) => owner == who.name(),
        None => match (who.only_doctor(), st) {
            (Some(me), Some(st)) => st.latest_doctor.as_deref() == Some(me),
            _ => true,
        },
    }
}

fn bypasses_owner(who: &Principal) -> bool {
    matches!(
        who,
        Principal::Open
            | Principal::User {
                role: crate::auth::Role::Admin,
                ..
            }
    )
}

/// The batch's results, in order. Reads happen first (one query for the owners and versions
/// already stored), then every new version is written in one transaction, which repeats the
/// ownership and next-version checks where concurrent pushes cannot slip between them. Only
/// storage failures are `Err`.
pub(crate) async fn push_batch(
    store: &Store,
    engine: &Engine,
    who: &Principal,
    records: Vec<Value>,
) -> Result<Vec<Value>, Error> {
    let mut results: Vec<Value> = vec![Value::Null; records.len()];
    let mut valid = Vec::new();
    for (i, rec) in records.into_iter().enumerate() {
        match validate(who, i, rec) {
            Ok(v) => valid.push(v),
            Err(result) => results[i] = result,
        }
    }
    let ids: Vec<&str> = valid.iter().map(|v| v.id.as_str()).collect();
    let state = store.batch_state(&ids).await?;

    // Per id: the next version this batch may store (versions of one id may follow each other
    // in one batch), and the versions already taken in this batch.
    let mut next: HashMap<String, i64> = HashMap::new();
    let mut taken: HashSet<(String, i64)> = HashSet::new();
    // Ids already owned that this caller may write (no claim needed in the transaction).
    let mut known: HashSet<String> = HashSet::new();
    // Outpatient records of this batch, by patient: history for the later ones in it.
    let mut batch_history: HashMap<String, Vec<OutpatientRecord>> = HashMap::new();
    let mut pending: Vec<(usize, String, Value)> = Vec::new();
    let mut new = Vec::new();
    for v in valid {
        let st = state.get(&v.id);
        let owner = st.and_then(|s| s.owner.as_deref());
        if !may_write(who, owner, st) {
            results[v.i] = not_owner(&v.id, v.version, v.i);
            continue;
        }
        if owner.is_some() {
            known.insert(v.id.clone());
        }
        // Already there: the same body is a retry (nothing to do), another body a conflict.
        if let Some((sha, report)) = st.and_then(|s| s.versions.get(&v.version)) {
            results[v.i] = existing_result(&v.id, v.version, sha, &v.sha, report);
            continue;
        }
        let expected = *next
            .entry(v.id.clone())
            .or_insert_with(|| st.map_or(0, |s| s.max_version).saturating_add(1));
        let repeat = taken.contains(&(v.id.clone(), v.version));
        // A repeat within the batch goes to the write, which stores it once and answers the
        // second as a retry (or a conflict).
        if v.version != expected && !repeat {
            results[v.i] = version_gap(&v.id, v.version, expected, v.i);
            continue;
        }
        if !repeat {
            next.insert(v.id.clone(), expected.saturating_add(1));
            taken.insert((v.id.clone(), v.version));
        }
        let patient_key = patient_key(&v.document);
        let mut history = Vec::new();
        if let (Document::OutpatientRecord(_) | Document::Visit(_), Some(key)) =
            (&v.doc, &patient_key)
        {
            history = load_history(store, key, &v.id).await?;
            if let Some(earlier) = batch_history.get(key) {
                history.extend(earlier.iter().filter(|r| r.id != v.id).cloned());
            }
        }
        // The server's own verdict: whatever the client claims is ignored.
        let report = engine.check_with_history(&v.doc, &history);
        let mut rules: BTreeMap<String, i64> = BTreeMap::new();
        for f in report.all_findings() {
            *rules.entry(f.rule.clone()).or_default() += 1;
        }
        let (abx, missed) = derived(engine, &v.doc, &report);
        let report_json =
            serde_json::to_string(&report).map_err(|e| Error::Internal(e.to_string()))?;
        if let (Document::OutpatientRecord(r), Some(key)) = (&v.doc, &patient_key) {
            batch_history
                .entry(key.clone())
                .or_default()
                .push(r.clone());
        }
        new.push(NewRecord {
            id: v.id.clone(),
            version: v.version,
            kind: v.doc.kind().as_str().to_owned(),
            department: v.doc.department().map(str::to_owned),
            doctor: v.doc.doctor().map(str::to_owned),
            visit_id: v.doc.visit_id().map(str::to_owned),
            patient_key,
            doc_at: doc_at(&v.document),
            body: v.body,
            body_sha256: v.sha.clone(),
            report: report_json,
            qualified: report.score.qualified,
            deduction: report.score.deduction,
            ruleset: engine.ruleset().to_owned(),
            created_at: now(),
            rules: rules.into_iter().collect(),
            abx,
            missed,
            pushed_by: who.name(),
        });
        let report = serde_json::to_value(&report).map_err(|e| Error::Internal(e.to_string()))?;
        pending.push((v.i, v.sha, report));
    }
    let writer = Writer {
        // With sign-in off nobody is anybody: such records stay unowned.
        claims: (!matches!(who, Principal::Open)).then(|| who.name()),
        bypass: bypasses_owner(who),
        known,
    };
    let inserted = store.insert_many(&new, &writer).await?;
    for ((rec, outcome), (i, sha, report)) in new.iter().zip(inserted).zip(pending) {
        results[i] = match outcome {
            Inserted::Fresh => {
                json!({ "id": rec.id, "version": rec.version, "status": "created", "report": report })
            }
            // Claimed by a concurrent push from someone else.
            Inserted::NotOwner(_) => not_owner(&rec.id, rec.version, i),
            // Stored meanwhile (a concurrent push, or earlier in this batch): answer as a
            // retry; or a concurrent push moved the id past this version.
            Inserted::NotStored => match store.get_version(&rec.id, rec.version).await? {
                Some(stored) => existing_result(
                    &rec.id,
                    rec.version,
                    &stored.body_sha256,
                    &sha,
                    &stored.report,
                ),
                None => {
                    let max = store.get_latest(&rec.id).await?.map_or(0, |r| r.version);
                    version_gap(&rec.id, rec.version, max.saturating_add(1), i)
                }
            },
        };
    }
    Ok(results)
}

/// The sheet's derived columns of a checked document: (a prescription with a formulary
/// antibiotic, missed-report cases).
pub(crate) fn derived(
    engine: &Engine,
    doc: &Document,
    report: &opdcheck_engine::Report,
) -> (bool, i64) {
    use opdcheck_engine::sheet::{MISSED_REPORT_RULE, has_antibiotic};
    let abx = match doc {
        Document::Prescription(p) => has_antibiotic(engine, p),
        _ => false,
    };
    let missed = report
        .findings
        .iter()
        .filter(|f| f.rule == MISSED_REPORT_RULE && f.severity == opdcheck_engine::Severity::Error)
        .count() as i64;
    (abx, missed)
}

/// Check one record's shape, its document and who may push it; `Err` is its result.
fn validate(who: &Principal, i: usize, rec: Value) -> Result<Valid, Value> {
    let at = format!("records[{i}]");
    // The document is read once, first: a department-bound key's refusal comes before any other
    // check of the record, and is neither checked nor stored.
    let parsed = rec
        .get("document")
        .filter(|d| d.is_object())
        .map(|d| document_from_value(d.clone()));
    if let Some(Ok(doc)) = &parsed
        && !who.may_see_department(doc.department())
    {
        return Err(json!({
            "id": rec.get("id"), "version": rec.get("version"), "status": "forbidden",
            "error": item_error("forbidden", "this API key may only push documents of its departments",
                                format!("{at}.document.department")),
        }));
    }
    let id = rec.get("id").and_then(Value::as_str).map(str::to_owned);
    let invalid = |code: &str, message: String, path: String| {
        json!({ "id": id, "version": rec.get("version"), "status": "invalid",
                "error": item_error(code, message, path) })
    };
    if !rec.is_object() {
        return Err(invalid("bad_record", "expected an object".into(), at));
    }
    let Some(id) = id.clone().filter(|s| !s.trim().is_empty()) else {
        return Err(invalid(
            "bad_record",
            "`id` must be a non-empty string".into(),
            format!("{at}.id"),
        ));
    };
    let Some(version) = rec
        .get("version")
        .and_then(Value::as_i64)
        .filter(|v| *v >= 1)
    else {
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
    if let Some(me) = who.only_doctor()
        && doc.doctor() != Some(me)
    {
        return Err(denied(&id, version, doc_path));
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

fn denied(id: &str, version: i64, path: String) -> Value {
    json!({ "id": id, "version": version, "status": "forbidden",
            "error": item_error("forbidden", "a doctor may only push their own records", path) })
}

/// A record id that belongs to someone else: nothing about it is told (not even whether the
/// body matches a stored version).
fn not_owner(id: &str, version: i64, i: usize) -> Value {
    json!({ "id": id, "version": version, "status": "forbidden",
            "error": item_error("forbidden",
                "this record belongs to whoever stored its first version; only they or an admin store later versions",
                format!("records[{i}].id")) })
}

fn version_gap(id: &str, version: i64, expected: i64, i: usize) -> Value {
    json!({ "id": id, "version": version, "status": "version_gap",
            "error": item_error("version_gap",
                format!("version {version} skips ahead: the next version of this record is {expected}"),
                format!("records[{i}].version")) })
}

fn existing_result(id: &str, version: i64, stored_sha: &str, sha: &str, report: &str) -> Value {
    if stored_sha == sha {
        json!({ "id": id, "version": version, "status": "unchanged", "report": parse_json_text(report) })
    } else {
        json!({ "id": id, "version": version, "status": "conflict",
                "error": item_error("conflict",
                    format!("version {version} of this record is stored with a different body; push it as a new version"),
                    "") })
    }
}

async fn load_history(store: &Store, key: &str, id: &str) -> Result<Vec<OutpatientRecord>, Error> {
    let bodies = store.patient_history(key, id, HISTORY_LIMIT).await?;
    Ok(bodies
        .iter()
        .filter_map(|b| match opdcheck_engine::parse_document(b) {
            Ok(Document::OutpatientRecord(r)) => Some(r),
            _ => None,
        })
        .collect())
}

/// Query parameters, validated one by one so that a bad one is named.
struct Params(HashMap<String, String>);

impl Params {
    fn text(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(|s| s.trim()).filter(|s| !s.is_empty())
    }

    fn int(&self, key: &str, default: i64, min: i64, max: i64) -> Result<i64, Error> {
        match self.text(key) {
            None => Ok(default),
            Some(s) => s
                .parse::<i64>()
                .ok()
                .filter(|n| (min..=max).contains(n))
                .ok_or_else(|| {
                    Error::api(
                        StatusCode::BAD_REQUEST,
                        "bad_parameter",
                        format!("`{key}` must be an integer from {min} to {max}"),
                        Some(key.to_owned()),
                    )
                }),
        }
    }

    /// `from` / `to` on created_at (default) or the document's date (`period=visit`). A bare
    /// date for `to` includes that whole day.
    fn period(&self, filter: &mut Filter) -> Result<(), Error> {
        let column = match self.text("period") {
            None | Some("created") => "created_at",
            Some("visit") => "doc_at",
            Some(_) => {
                return Err(Error::api(
                    StatusCode::BAD_REQUEST,
                    "bad_parameter",
                    "`period` must be `created` or `visit`",
                    Some("period".into()),
                ));
            }
        };
        for key in ["from", "to"] {
            let Some(v) = self.text(key) else { continue };
            if !is_date_or_date_time(v) {
                return Err(Error::api(
                    StatusCode::BAD_REQUEST,
                    "bad_parameter",
                    format!("`{key}` must be a date YYYY-MM-DD or a date-time YYYY-MM-DDTHH:MM"),
                    Some(key.into()),
                ));
            }
            if key == "from" {
                filter.and(&format!("{column} >= $?"), Param::Text(v.to_owned()));
            } else if !v.contains('T') {
                // Everything on that day sorts below "<date>T~" ('~' follows every digit and ':').
                filter.and(&format!("{column} < $?"), Param::Text(format!("{v}T~")));
            } else {
                filter.and(&format!("{column} <= $?"), Param::Text(v.to_owned()));
            }
        }
        Ok(())
    }
}

/// A date `YYYY-MM-DD`, or a date-time `YYYY-MM-DDTHH:MM[:SS[.f]]` with an optional `Z` or
/// offset, written with all its digits (the value is compared as text with stored date-times).
/// Parsed whole by chrono: user input is never cut at a byte index (a multi-byte character there
/// would panic the handler).
fn is_date_or_date_time(v: &str) -> bool {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    let Ok((date, _)) = NaiveDate::parse_and_remainder(v, "%Y-%m-%d") else {
        return false;
    };
    // chrono reads `2026-1-5` and `+2026-01-05` too; those would not compare as text.
    if !v.starts_with(&date.format("%Y-%m-%d").to_string()) || v.starts_with('+') {
        return false;
    }
    NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok()
        || DateTime::parse_from_rfc3339(v).is_ok()
        || [
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%dT%H:%MZ",
            "%Y-%m-%dT%H:%M:%S%.fZ",
        ]
        .iter()
        .any(|f| NaiveDateTime::parse_from_str(v, f).is_ok())
}

/// `GET /api/v1/records`.
async fn list_records(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, Error> {
    who.require_scope(Scope::Read)?;
    let store = state.store()?;
    let q = Params(q);
    let mut filter = Filter::default();
    if let Some(me) = who.only_doctor() {
        filter.and("doctor = $?", Param::Text(me.to_owned()));
    }
    if let Some(only) = who.only_departments() {
        filter.and_in("department", only);
    }
    for (key, column) in [
        ("kind", "kind"),
        ("department", "department"),
        ("doctor", "doctor"),
    ] {
        if let Some(v) = q.text(key) {
            if key == "kind" && opdcheck_engine::DocKind::from_name(v).is_none() {
                return Err(Error::api(
                    StatusCode::BAD_REQUEST,
                    "bad_parameter",
                    format!("unknown kind `{v}`"),
                    Some("kind".into()),
                ));
            }
            filter.and(&format!("{column} = $?"), Param::Text(v.to_owned()));
        }
    }
    q.period(&mut filter)?;
    match q.text("qualified") {
        None => {}
        Some("true") => filter.and("qualified = $?", Param::Bool(true)),
        Some("false") => filter.and("qualified = $?", Param::Bool(false)),
        Some(_) => {
            return Err(Error::api(
                StatusCode::BAD_REQUEST,
                "bad_parameter",
                "`qualified` must be true or false",
                Some("qualified".into()),
            ));
        }
    }
    if let Some(rule) = q.text("rule") {
        filter.and(
            "EXISTS (SELECT 1 FROM record_rules rr WHERE rr.id = r.id AND rr.version = r.version AND rr.rule = $?)",
            Param::Text(rule.to_owned()),
        );
    }
    let page = q.int("page", 1, 1, 1_000_000)?;
    let per_page = q.int("per_page", 50, 1, MAX_PER_PAGE)?;
    let (items, total) = store.list(&filter, page, per_page).await?;
    // The filter's parameters only (none of them is patient data), never the rows.
    let asked: Map<String, Value> = [
        "kind",
        "department",
        "doctor",
        "period",
        "from",
        "to",
        "qualified",
        "rule",
    ]
    .into_iter()
    .filter_map(|k| Some((k.to_owned(), json!(q.text(k)?))))
    .collect();
    audit::record_read(
        &state,
        &who,
        "records.list",
        None,
        json!({"filter": asked, "page": page, "per_page": per_page, "total": total}),
    )
    .await?;
    let items: Vec<Value> = items
        .into_iter()
        .map(|i| {
            json!({ "id": i.id, "version": i.version, "kind": i.kind, "department": i.department,
                    "doctor": i.doctor, "qualified": i.qualified, "deduction": i.deduction,
                    "rules": i.rules, "created_at": i.created_at })
        })
        .collect();
    Ok(Json(
        json!({ "items": items, "total": total, "page": page, "per_page": per_page }),
    ))
}

/// `GET /api/v1/records/{id}`.
async fn get_record(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, Error> {
    who.require_scope(Scope::Read)?;
    let store = state.store()?;
    let Some(latest) = store.get_latest(&id).await? else {
        return Err(Error::NotFound(format!("record {id}")));
    };
    if let Some(me) = who.only_doctor()
        && latest.doctor.as_deref() != Some(me)
    {
        return Err(forbidden("a doctor may only read their own records"));
    }
    if !who.may_see_department(latest.department.as_deref()) {
        return Err(forbidden(
            "this API key may only read records of its departments",
        ));
    }
    audit::record_read(
        &state,
        &who,
        "record.read",
        Some(&id),
        json!({"version": latest.version}),
    )
    .await?;
    let versions: Vec<Value> = store
        .versions(&id)
        .await?
        .into_iter()
        .map(|(version, created_at, qualified, pushed_by)| {
            json!({ "version": version, "created_at": created_at, "qualified": qualified,
                    "pushed_by": pushed_by })
        })
        .collect();
    Ok(Json(json!({
        "id": latest.id,
        "kind": latest.kind,
        "department": latest.department,
        "doctor": latest.doctor,
        "latest": {
            "version": latest.version,
            "document": parse_json_text(&latest.body),
            "report": parse_json_text(&latest.report),
            "ruleset": latest.ruleset,
            "qualified": latest.qualified,
            "deduction": latest.deduction,
            "sha256": latest.body_sha256,
            "created_at": latest.created_at,
        },
        "versions": versions,
    })))
}

/// `POST /api/v1/check`: one document → its report; `{"documents": [...]}` → `{"reports"}`,
/// each a report or `{"error"}`. Nothing is stored.
async fn check(
    State(state): State<AppState>,
    // Signed-in callers only: the check is cheap, but an open endpoint is an open CPU.
    who: Principal,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Error> {
    who.require_scope(Scope::Check)?;
    let mut body = json_body(body)?;
    let engine = state.engine();
    if body.get("documents").is_some() {
        let docs = batch_of(&mut body, "documents", "`documents` must be an array")?;
        let reports: Vec<Value> = docs
            .iter()
            .enumerate()
            .map(|(i, d)| match document_from_value(d.clone()) {
                // A department-bound key checks only its departments' documents.
                Ok(doc) if !who.may_see_department(doc.department()) => {
                    let path = format!("documents[{i}].department");
                    let message = "this API key may only check documents of its departments";
                    json!({ "error": item_error("forbidden", message, path) })
                }
                Ok(doc) => serde_json::to_value(engine.check(&doc)).unwrap_or(Value::Null),
                Err(e) => {
                    let (path, message) = located(&format!("documents[{i}]"), &e);
                    json!({ "error": item_error("invalid_document", message, path) })
                }
            })
            .collect();
        return Ok(Json(json!({ "reports": reports })).into_response());
    }
    if !body.is_object() {
        return Err(Error::api(
            StatusCode::BAD_REQUEST,
            "bad_body",
            "expected a document object or {\"documents\": [...]}",
            Some(String::new()),
        ));
    }
    let doc = document_from_value(body).map_err(|e| {
        let (path, message) = located("", &e);
        Error::api(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_document",
            message,
            Some(path),
        )
    })?;
    if !who.may_see_department(doc.department()) {
        return Err(forbidden(
            "this API key may only check documents of its departments",
        ));
    }
    Ok(Json(engine.check(&doc)).into_response())
}

/// `GET /api/v1/rules`: the engine's catalog.
async fn rules(State(state): State<AppState>) -> Json<Value> {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "code": r.code,
                "item": r.item,
                "severity": r.severity.as_str(),
                "severity_note": (!r.severity_note.is_empty()).then_some(r.severity_note),
                "title": { "zh": r.title.0, "en": r.title.1 },
                "clause": r.clause,
                "overridable": r.overridable,
                "group": format!("{:?}", r.group()).to_lowercase(),
            })
        })
        .collect();
    Json(json!({ "ruleset": state.engine().ruleset(), "rules": rules }))
}

/// `GET /api/v1/policy`.
async fn policy(State(state): State<AppState>) -> Result<Json<Value>, Error> {
    let engine = state.engine();
    let policy =
        serde_json::to_value(&engine.policy).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(Json(
        json!({ "ruleset": engine.ruleset(), "policy": policy }),
    ))
}

/// `PUT /api/v1/policy` (admin): a policy override, merged over the embedded default as the CLI's
/// `--policy` file is. Validated before anything changes (a bad one is a 422 naming its path);
/// then stored (versioned) and in force for every check from now on.
async fn set_policy(
    State(state): State<AppState>,
    who: Principal,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, Error> {
    who.require_admin()?;
    let store = state.store()?;
    let value = json_body(body)?;
    if !value.is_object() {
        return Err(Error::api(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_policy",
            "a policy override is a JSON object, e.g. {\"limits\": {\"max_drugs\": 4}}",
            Some(String::new()),
        ));
    }
    let text = value.to_string();
    let engine = Engine::with_policy_override(&text).map_err(|e| {
        let (path, message) = located("", &e.0);
        Error::api(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_policy",
            message,
            Some(path),
        )
    })?;
    let version = store
        .insert_policy(&text, engine.ruleset(), &who.name(), &now())
        .await?;
    audit::record(
        &state,
        &who,
        "policy.set",
        Some(&version.to_string()),
        json!({"ruleset": engine.ruleset()}),
    )
    .await?;
    let ruleset = engine.ruleset().to_owned();
    state.set_engine(engine);
    Ok(Json(json!({ "version": version, "ruleset": ruleset })))
}

/// `GET /api/v1/stats?from&to`: counts and pass rates of the latest versions.
async fn stats(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, Error> {
    who.require_scope(Scope::Read)?;
    let store = state.store()?;
    let q = Params(q);
    let mut filter = Filter::default();
    if let Some(me) = who.only_doctor() {
        filter.and("doctor = $?", Param::Text(me.to_owned()));
    }
    if let Some(only) = who.only_departments() {
        filter.and_in("department", only);
    }
    q.period(&mut filter)?;
    fn rate(total: i64, qualified: i64) -> Value {
        if total == 0 {
            Value::Null
        } else {
            json!(qualified as f64 / total as f64)
        }
    }
    let mut out = Map::new();
    let overall = store.counts(&filter, None).await?;
    let (total, qualified) = overall.first().map(|(_, n, q)| (*n, *q)).unwrap_or((0, 0));
    out.insert("total".into(), json!(total));
    out.insert("qualified".into(), json!(qualified));
    out.insert("pass_rate".into(), rate(total, qualified));
    for (name, column) in [
        ("by_kind", "kind"),
        ("by_department", "department"),
        ("by_doctor", "doctor"),
    ] {
        let groups: Vec<Value> = store
            .counts(&filter, Some(column))
            .await?
            .into_iter()
            .map(|(key, n, ok)| json!({ "key": key, "total": n, "qualified": ok, "pass_rate": rate(n, ok) }))
            .collect();
        out.insert(name.into(), Value::Array(groups));
    }
    Ok(Json(Value::Object(out)))
}

async fn openapi() -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::{canonical, is_date_or_date_time};
    use serde_json::json;

    #[test]
    fn dates_are_parsed_not_sliced() {
        for ok in [
            "2026-01-05",
            "2026-01-05T08:30",
            "2026-01-05T08:30:00",
            "2026-01-05T08:30:00.123456Z",
            "2026-01-05T08:30:00+08:00",
        ] {
            assert!(is_date_or_date_time(ok), "{ok}");
        }
        // A multi-byte character where a byte slice would have cut: refused, no panic.
        for bad in [
            "2026-01-0\u{e9}",
            "2026-01-05\u{e9}",
            "2026-01-05\u{e9}08:00",
            "\u{4e2d}\u{6587}\u{65e5}\u{671f}",
            "2026-1-5",
            "+2026-01-05",
            "2026-01-05T",
            "2026-01-05Tnope",
            "2026-13-01",
            "",
        ] {
            assert!(!is_date_or_date_time(bad), "{bad}");
        }
    }

    #[test]
    fn canonical_text_ignores_key_order_and_number_spelling() {
        let a = json!({"b": 4.0, "a": [1, {"y": 0.5, "x": -2.0}]});
        let b = json!({"a": [1.0, {"x": -2, "y": 0.5}], "b": 4});
        assert_eq!(canonical(&a), canonical(&b));
        assert_eq!(canonical(&a), r#"{"a":[1,{"x":-2,"y":0.5}],"b":4}"#);
        assert_ne!(canonical(&json!({"b": 4.5})), canonical(&json!({"b": 4})));
    }
}
