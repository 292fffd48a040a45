//! The QA workspace's API (`docs/api.md`, "QA"): samples (seeded, stratified draws), reviews
//! (QA's decision on each automatic finding and the manual checklist items; every revision
//! kept), and the score sheet (totals, pass rates against the policy's targets, penalties,
//! groups, CSV, monthly trend, rule dismissal rates). QA staff and admins only.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{Datelike, NaiveDate};
use opdcheck_engine::checklist::manual_items;
use opdcheck_engine::policy::Policy;
use opdcheck_engine::rules::RULES;
use opdcheck_engine::sheet::{Sheet, UNSPECIFIED};
use opdcheck_engine::{DocKind, Engine, Report, score};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use crate::auth::Principal;
use crate::error::Error;
use crate::http::AppState;
use crate::http::extract::json_body;
use crate::ingest::now;
use crate::store::qa::{Agg, PopRow, ReviewRow, SampleRow};
use crate::store::{Filter, Param, Store};

/// The kinds a sample draws by default.
pub const DEFAULT_KINDS: [DocKind; 4] = [
    DocKind::Prescription,
    DocKind::OutpatientRecord,
    DocKind::ExamRequest,
    DocKind::InfectiousReport,
];
/// Seeds are integers a JavaScript client can hold exactly.
pub const MAX_SEED: i64 = (1 << 53) - 1;
/// At most this many records per kind in one sample.
pub const MAX_SAMPLE_SIZE: i64 = 10_000;
/// At most this many rows when the sheet is grouped by document.
pub const MAX_DOCUMENT_ROWS: i64 = 5_000;
pub(crate) fn router() -> utoipa_axum::router::OpenApiRouter<AppState> {
    crate::http::openapi::unannotated(vec![
        ("/api/v1/samples", post(create_sample).get(list_samples)),
        ("/api/v1/samples/{id}", get(get_sample)),
        ("/api/v1/samples/{id}/records", post(add_to_sample)),
        (
            "/api/v1/records/{id}/review",
            get(get_review).put(put_review),
        ),
        ("/api/v1/sheet", get(sheet)),
        ("/api/v1/sheet.csv", get(sheet_csv)),
        ("/api/v1/sheet/trend", get(trend)),
        ("/api/v1/sheet/rules", get(rule_rates)),
    ])
}

fn bad(code: &'static str, message: impl Into<String>, path: impl Into<String>) -> Error {
    Error::api(StatusCode::BAD_REQUEST, code, message, Some(path.into()))
}

fn date(v: &str, path: &str) -> Result<NaiveDate, Error> {
    NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").map_err(|_| {
        bad(
            "bad_parameter",
            format!("`{path}` must be a date YYYY-MM-DD"),
            path,
        )
    })
}

/// A period of the documents' own dates, both days included.
#[derive(Debug, Clone, Copy)]
struct Period {
    from: NaiveDate,
    to: NaiveDate,
}

impl Period {
    fn new(from: NaiveDate, to: NaiveDate, path: &str) -> Result<Period, Error> {
        if from > to {
            return Err(bad("bad_parameter", "`from` is after `to`", path));
        }
        if (to - from).num_days() > 366 * 20 {
            return Err(bad(
                "bad_parameter",
                "the period is longer than 20 years",
                path,
            ));
        }
        Ok(Period { from, to })
    }

    /// Months in the period for sample sizes: days / 30.44, rounded, at least 1.
    fn months(&self) -> i64 {
        let days = (self.to - self.from).num_days() + 1;
        ((days as f64 / 30.4375).round() as i64).max(1)
    }

    fn json(&self) -> Value {
        json!({ "from": self.from.to_string(), "to": self.to.to_string() })
    }

    /// `doc_at` within the period (a date, or a date-time that sorts below `<to>T~`).
    fn filter(&self, filter: &mut Filter) {
        filter.and("doc_at >= $?", Param::Text(self.from.to_string()));
        filter.and("doc_at < $?", Param::Text(format!("{}T~", self.to)));
    }
}

fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

fn month_end(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|n| n.pred_opt())
        .unwrap_or(d)
}

// ------------------------------------------------------------------------------------ sampling

/// How many of each stratum to draw: proportional to the stratum sizes, rounded by largest
/// remainder (ties broken by `rng`). When `n` allows, every stratum gets one first and the rest
/// is shared in proportion to what each has left. Never more than a stratum holds; the sum is
/// `min(n, total)`.
pub fn allocate(sizes: &[usize], n: usize, rng: &mut impl Rng) -> Vec<usize> {
    let total: usize = sizes.iter().sum();
    let n = n.min(total);
    let strata = sizes.iter().filter(|s| **s > 0).count();
    let (mut out, weights): (Vec<usize>, Vec<usize>) = if n >= strata {
        sizes
            .iter()
            .map(|&s| if s > 0 { (1, s - 1) } else { (0, 0) })
            .unzip()
    } else {
        (vec![0; sizes.len()], sizes.to_vec())
    };
    let rest = n - out.iter().sum::<usize>();
    let wsum: usize = weights.iter().sum();
    // A tie-break key per stratum, drawn in stratum order (reproducible).
    let ties: Vec<u64> = sizes.iter().map(|_| rng.random()).collect();
    if rest == 0 || wsum == 0 {
        return out;
    }
    let mut remainders = Vec::with_capacity(sizes.len());
    for (i, &w) in weights.iter().enumerate() {
        // Integer arithmetic: exact, so no float rounding decides a stratum.
        let exact = rest as u128 * w as u128;
        out[i] += (exact / wsum as u128) as usize;
        remainders.push((exact % wsum as u128, ties[i], i));
    }
    let left = n - out.iter().sum::<usize>();
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    for &(_, _, i) in remainders.iter().take(left) {
        out[i] += 1;
    }
    out
}

/// `k` distinct indices of `0..m`, chosen by `rng` (a partial Fisher–Yates shuffle), in the
/// order drawn.
fn choose(m: usize, k: usize, rng: &mut impl Rng) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..m).collect();
    let k = k.min(m);
    for i in 0..k {
        let j = rng.random_range(i..m);
        idx.swap(i, j);
    }
    idx.truncate(k);
    idx
}

/// Draw `n` of `pop` (one kind, ordered by id), stratified by (department, doctor).
pub fn draw(pop: &[PopRow], n: usize, seed: u64, kind: DocKind) -> Vec<usize> {
    let stream = DEFAULT_KINDS
        .iter()
        .chain([DocKind::Visit].iter())
        .position(|k| *k == kind)
        .unwrap_or(9) as u64;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // One stream per kind: a kind's draw does not depend on which other kinds were asked for.
    rng.set_stream(stream);
    let mut strata: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (i, r) in pop.iter().enumerate() {
        let key = (
            r.department.as_deref().unwrap_or(UNSPECIFIED),
            r.doctor.as_deref().unwrap_or(UNSPECIFIED),
        );
        strata.entry(key).or_default().push(i);
    }
    let sizes: Vec<usize> = strata.values().map(Vec::len).collect();
    let quotas = allocate(&sizes, n, &mut rng);
    let mut out = Vec::with_capacity(n);
    for (members, k) in strata.values().zip(quotas) {
        for j in choose(members.len(), k, &mut rng) {
            out.push(members[j]);
        }
    }
    out
}

/// The default sample size of a kind (`policy.sampling`): prescriptions
/// `max(monthly_min_prescriptions × months, ceil(monthly_fraction × population))`, every other
/// kind `monthly_min_records × months`; never more than the population.
pub fn default_size(policy: &Policy, kind: DocKind, population: usize, months: i64) -> usize {
    let s = &policy.sampling;
    let n = if kind == DocKind::Prescription {
        let by_min = s.monthly_min_prescriptions as i64 * months;
        let by_fraction = (s.monthly_fraction * population as f64).ceil() as i64;
        by_min.max(by_fraction)
    } else {
        s.monthly_min_records as i64 * months
    };
    (n.max(0) as usize).min(population)
}

fn string_list(body: &Value, key: &str) -> Result<Vec<String>, Error> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_str()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .ok_or_else(|| {
                        bad(
                            "bad_body",
                            "expected a non-empty string",
                            format!("{key}[{i}]"),
                        )
                    })
            })
            .collect(),
        Some(_) => Err(bad(
            "bad_body",
            format!("`{key}` must be an array of strings"),
            key,
        )),
    }
}

/// Kinds by name; a bad one is located at `path[i]` (a body's array) or at `path` (a query
/// parameter, `indexed` false).
fn kinds_of(list: &[String], path: &str, indexed: bool) -> Result<Vec<DocKind>, Error> {
    let mut kinds = Vec::new();
    for (i, k) in list.iter().enumerate() {
        let kind = DocKind::from_name(k).ok_or_else(|| {
            let at = if indexed {
                format!("{path}[{i}]")
            } else {
                path.to_owned()
            };
            bad("bad_parameter", format!("unknown kind `{k}`"), at)
        })?;
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    Ok(kinds)
}

fn random_id() -> String {
    let mut buf = [0u8; 8];
    rand::fill(&mut buf[..]);
    let hex: String = buf.iter().map(|b| format!("{b:02x}")).collect();
    format!("s-{hex}")
}

/// `POST /api/v1/samples`.
async fn create_sample(
    State(state): State<AppState>,
    who: Principal,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Error> {
    who.require_qa()?;
    let store = state.store()?;
    let body = json_body(body)?;
    if !body.is_object() {
        return Err(bad(
            "bad_body",
            "expected an object {\"from\", \"to\", ...}",
            "",
        ));
    }
    let name = match body.get("name") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.chars().count() <= 200 => Some(s.trim().to_owned()),
        Some(_) => {
            return Err(bad(
                "bad_body",
                "`name` must be a string of at most 200 characters",
                "name",
            ));
        }
    };
    let text = |key: &str| -> Result<NaiveDate, Error> {
        let v = body.get(key).and_then(Value::as_str).ok_or_else(|| {
            bad(
                "bad_body",
                format!("`{key}` must be a date YYYY-MM-DD"),
                key,
            )
        })?;
        date(v, key)
    };
    let period = Period::new(text("from")?, text("to")?, "to")?;
    let kinds = match body.get("kinds") {
        None | Some(Value::Null) => DEFAULT_KINDS.to_vec(),
        Some(_) => {
            let list = string_list(&body, "kinds")?;
            if list.is_empty() {
                return Err(bad("bad_body", "`kinds` is empty", "kinds"));
            }
            kinds_of(&list, "kinds", true)?
        }
    };
    let departments = string_list(&body, "departments")?;
    let doctors = string_list(&body, "doctors")?;
    let mut asked: HashMap<DocKind, usize> = HashMap::new();
    match body.get("size") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (k, v) in map {
                let path = format!("size.{k}");
                let kind = DocKind::from_name(k)
                    .filter(|kind| kinds.contains(kind))
                    .ok_or_else(|| {
                        bad(
                            "bad_body",
                            format!("`{k}` is not one of the sample's kinds"),
                            &path,
                        )
                    })?;
                let n = v
                    .as_i64()
                    .filter(|n| (0..=MAX_SAMPLE_SIZE).contains(n))
                    .ok_or_else(|| {
                        bad(
                            "bad_body",
                            format!("a size is an integer from 0 to {MAX_SAMPLE_SIZE}"),
                            &path,
                        )
                    })?;
                asked.insert(kind, n as usize);
            }
        }
        Some(_) => {
            return Err(bad(
                "bad_body",
                "`size` must be an object {kind: n}",
                "size",
            ));
        }
    }
    let seed = match body.get("seed") {
        None | Some(Value::Null) => rand::random_range(0..=MAX_SEED),
        Some(v) => v
            .as_i64()
            .filter(|s| (0..=MAX_SEED).contains(s))
            .ok_or_else(|| {
                bad(
                    "bad_body",
                    format!("`seed` must be an integer from 0 to {MAX_SEED}"),
                    "seed",
                )
            })?,
    };

    let mut filter = Filter::default();
    period.filter(&mut filter);
    filter.and_in(
        "kind",
        &kinds
            .iter()
            .map(|k| k.as_str().to_owned())
            .collect::<Vec<_>>(),
    );
    filter.and_in("department", &departments);
    filter.and_in("doctor", &doctors);
    let population = store.population(&filter).await?;
    let engine = state.engine();
    let mut sizes = serde_json::Map::new();
    let mut chosen: Vec<(String, i64)> = Vec::new();
    for kind in &kinds {
        let pop: Vec<PopRow> = population
            .iter()
            .filter(|r| r.kind == kind.as_str())
            .cloned()
            .collect();
        let n = match asked.get(kind) {
            Some(n) => (*n).min(pop.len()),
            None => default_size(&engine.policy, *kind, pop.len(), period.months()),
        };
        sizes.insert(kind.as_str().into(), json!(n));
        for i in draw(&pop, n, seed as u64, *kind) {
            chosen.push((pop[i].id.clone(), pop[i].version));
        }
    }
    let row = SampleRow {
        id: random_id(),
        name,
        from: period.from.to_string(),
        to: period.to.to_string(),
        kinds: json!(kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>()).to_string(),
        departments: json!(departments).to_string(),
        doctors: json!(doctors).to_string(),
        size: Value::Object(sizes).to_string(),
        seed,
        created_by: who.name(),
        created_at: now(),
    };
    store.insert_sample(&row, &chosen).await?;
    let sample = sample_json(store, &row).await?;
    Ok((StatusCode::CREATED, Json(json!({ "sample": sample }))).into_response())
}

fn parse_text(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

fn sample_summary(row: &SampleRow) -> serde_json::Map<String, Value> {
    let v = json!({
        "id": row.id, "name": row.name, "from": row.from, "to": row.to,
        "kinds": parse_text(&row.kinds), "departments": parse_text(&row.departments),
        "doctors": parse_text(&row.doctors), "size": parse_text(&row.size), "seed": row.seed,
        "created_by": row.created_by, "created_at": row.created_at,
    });
    match v {
        Value::Object(m) => m,
        _ => serde_json::Map::new(),
    }
}

async fn sample_json(store: &Store, row: &SampleRow) -> Result<Value, Error> {
    let records: Vec<Value> = store
        .sample_records(&row.id)
        .await?
        .into_iter()
        .map(|r| {
            let mut v = json!({
                "id": r.id, "version": r.version, "kind": r.kind, "department": r.department,
                "doctor": r.doctor, "doc_at": r.doc_at, "qualified": r.qualified,
                "deduction": r.deduction, "reviewed": r.review_revision.is_some(),
                "origin": r.origin,
            });
            if r.review_revision.is_some() {
                v["review_deduction"] = json!(r.review_deduction);
                v["review_qualified"] = json!(r.review_qualified);
                v["review_revision"] = json!(r.review_revision);
            }
            v
        })
        .collect();
    let mut m = sample_summary(row);
    m.insert("records".into(), Value::Array(records));
    Ok(Value::Object(m))
}

/// `GET /api/v1/samples`.
async fn list_samples(State(state): State<AppState>, who: Principal) -> Result<Json<Value>, Error> {
    who.require_qa()?;
    let samples: Vec<Value> = state
        .store()?
        .list_samples()
        .await?
        .into_iter()
        .map(|(row, n, reviewed)| {
            let mut m = sample_summary(&row);
            m.insert("records".into(), json!(n));
            m.insert("reviewed".into(), json!(reviewed));
            Value::Object(m)
        })
        .collect();
    Ok(Json(json!({ "samples": samples })))
}

/// `GET /api/v1/samples/{id}`.
async fn get_sample(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, Error> {
    who.require_qa()?;
    let store = state.store()?;
    let row = store
        .get_sample(&id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("sample {id}")))?;
    crate::auth::audit::record_read(&state, &who, "sample.read", Some(&id), json!({})).await?;
    Ok(Json(json!({ "sample": sample_json(store, &row).await? })))
}

/// `POST /api/v1/samples/{id}/records {"ids": [...]}`: add records (their latest version).
async fn add_to_sample(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, Error> {
    who.require_qa()?;
    let store = state.store()?;
    let body = json_body(body)?;
    let row = store
        .get_sample(&id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("sample {id}")))?;
    if !body.get("ids").is_some_and(Value::is_array) {
        return Err(bad("bad_body", "expected {\"ids\": [...]}", "ids"));
    }
    let ids = string_list(&body, "ids")?;
    if ids.len() > 500 {
        return Err(bad("bad_body", "at most 500 ids at once", "ids"));
    }
    let latest = store.latest_versions(&ids).await?;
    let mut add = Vec::new();
    for (i, rid) in ids.iter().enumerate() {
        let Some(version) = latest.get(rid) else {
            return Err(Error::api(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("no record with id `{rid}`"),
                Some(format!("ids[{i}]")),
            ));
        };
        add.push((rid.clone(), *version));
    }
    store.add_sample_records(&id, &add).await?;
    Ok(Json(json!({ "sample": sample_json(store, &row).await? })))
}

// ------------------------------------------------------------------------------------- reviews

fn review_json(r: &ReviewRow) -> Value {
    json!({
        "record_id": r.record_id, "record_version": r.record_version, "revision": r.revision,
        "reviewer": r.reviewer, "reviewed_at": r.reviewed_at,
        "findings": parse_text(&r.findings), "manual": parse_text(&r.manual), "note": r.note,
        "deduction": r.deduction, "qualified": r.qualified,
    })
}

fn version_param(q: &HashMap<String, String>) -> Result<Option<i64>, Error> {
    match q.get("version").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|v| *v >= 1)
            .map(Some)
            .ok_or_else(|| {
                bad(
                    "bad_parameter",
                    "`version` must be an integer ≥ 1",
                    "version",
                )
            }),
    }
}

/// `GET /api/v1/records/{id}/review?version=`.
async fn get_review(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, Error> {
    who.require_qa()?;
    let store = state.store()?;
    let record = match version_param(&q)? {
        Some(v) => store.get_version(&id, v).await?,
        None => store.get_latest(&id).await?,
    }
    .ok_or_else(|| Error::NotFound(format!("record {id}")))?;
    crate::auth::audit::record_read(
        &state,
        &who,
        "review.read",
        Some(&id),
        json!({"version": record.version}),
    )
    .await?;
    let mut reviews = store.reviews_of(&id).await?;
    // The current revision of this version; every other revision (this version's earlier ones
    // and other versions' reviews) is history, newest first.
    let current = reviews
        .iter()
        .filter(|r| r.record_version == record.version)
        .max_by_key(|r| r.revision)
        .map(|r| (r.record_version, r.revision));
    let review = current.and_then(|(v, rev)| {
        let i = reviews
            .iter()
            .position(|r| r.record_version == v && r.revision == rev)?;
        Some(reviews.remove(i))
    });
    let engine = state.engine();
    // The engine's checklist, the one the QA page shows and `put_review` accepts; its JSON is
    // {item, zh, en, deduction, max, standard}.
    let manual = manual_items(&engine.policy);
    Ok(Json(json!({
        "record": {
            "id": record.id, "version": record.version, "kind": record.kind,
            "department": record.department, "doctor": record.doctor,
            "qualified": record.qualified, "deduction": record.deduction,
            "body": parse_text(&record.body), "report": parse_text(&record.report),
        },
        "review": review.as_ref().map(review_json),
        "history": reviews.iter().map(review_json).collect::<Vec<_>>(),
        "manual_items": manual,
    })))
}

/// QA's total for a record: the engine's [`score::review_score_decided`] with the review's
/// dismissed and confirmed (rule, path) sets, so a confirmed RX-21/RX-22 warning charges CLN-7
/// (the QA page's `ReviewDraft::total` calls the same function, and shows the same figure live
/// as QA works).
pub fn review_score(
    engine: &Engine,
    stored_deduction: f64,
    report: &Report,
    dismissed: &BTreeSet<(String, String)>,
    confirmed: &BTreeSet<(String, String)>,
    manual_total: f64,
) -> (f64, bool) {
    score::review_score_decided(
        &engine.policy,
        stored_deduction,
        report,
        dismissed,
        confirmed,
        manual_total,
    )
}

/// `PUT /api/v1/records/{id}/review`.
async fn put_review(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, Error> {
    who.require_qa()?;
    let store = state.store()?;
    let body = json_body(body)?;
    if !body.is_object() {
        return Err(bad(
            "bad_body",
            "expected an object {\"version\", \"findings\", \"manual\"}",
            "",
        ));
    }
    let version = body
        .get("version")
        .and_then(Value::as_i64)
        .filter(|v| *v >= 1)
        .ok_or_else(|| {
            bad(
                "bad_body",
                "`version` must be the record version reviewed (an integer ≥ 1)",
                "version",
            )
        })?;
    let record = store.get_version(&id, version).await?.ok_or_else(|| {
        Error::api(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no version {version} of record `{id}`"),
            Some("version".into()),
        )
    })?;
    let report: Report = serde_json::from_str(&record.report)
        .map_err(|e| Error::Internal(format!("stored report: {e}")))?;
    let engine = state.engine();

    let mut decisions: Vec<(String, String, String)> = Vec::new();
    let mut findings_out = Vec::new();
    let mut dismissed = BTreeSet::new();
    let mut confirmed = BTreeSet::new();
    let findings = match body.get("findings") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => return Err(bad("bad_body", "`findings` must be an array", "findings")),
    };
    for (i, f) in findings.iter().enumerate() {
        let at = format!("findings[{i}]");
        let field = |k: &str| f.get(k).and_then(Value::as_str);
        let rule = field("rule")
            .ok_or_else(|| bad("bad_body", "`rule` must be a string", format!("{at}.rule")))?;
        let path = field("path")
            .ok_or_else(|| bad("bad_body", "`path` must be a string", format!("{at}.path")))?;
        let decision = match field("decision") {
            Some(d @ ("confirmed" | "dismissed")) => d,
            _ => {
                return Err(bad(
                    "bad_body",
                    "`decision` must be confirmed or dismissed",
                    format!("{at}.decision"),
                ));
            }
        };
        if !report
            .findings
            .iter()
            .any(|x| x.rule == rule && x.path == path)
        {
            return Err(bad(
                "unknown_finding",
                format!(
                    "the server's report of version {version} has no finding {rule} at `{path}`"
                ),
                at,
            ));
        }
        if decisions.iter().any(|(r, p, _)| r == rule && p == path) {
            return Err(bad(
                "bad_body",
                format!("{rule} at `{path}` is decided twice"),
                at,
            ));
        }
        let reason = match f.get("reason") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.chars().count() <= 2000 => {
                Some(s.trim().to_owned()).filter(|s| !s.is_empty())
            }
            Some(_) => {
                return Err(bad(
                    "bad_body",
                    "`reason` must be a string of at most 2000 characters",
                    format!("{at}.reason"),
                ));
            }
        };
        if decision == "dismissed" {
            if reason.is_none() {
                return Err(bad(
                    "reason_required",
                    "a dismissal needs a reason",
                    format!("{at}.reason"),
                ));
            }
            dismissed.insert((rule.to_owned(), path.to_owned()));
        } else {
            confirmed.insert((rule.to_owned(), path.to_owned()));
        }
        decisions.push((rule.to_owned(), path.to_owned(), decision.to_owned()));
        let mut out = json!({"rule": rule, "path": path, "decision": decision});
        if let Some(reason) = reason {
            out["reason"] = json!(reason);
        }
        findings_out.push(out);
    }

    let items = manual_items(&engine.policy);
    let manual = match body.get("manual") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => return Err(bad("bad_body", "`manual` must be an array", "manual")),
    };
    let mut manual_out = Vec::new();
    let mut manual_total = 0.0;
    let mut seen = BTreeSet::new();
    for (i, m) in manual.iter().enumerate() {
        let at = format!("manual[{i}]");
        let code = m.get("item").and_then(Value::as_str).unwrap_or_default();
        let Some(item) = items.iter().find(|x| x.item == code) else {
            return Err(bad(
                "unknown_item",
                format!("`{code}` is not a manual checklist item"),
                format!("{at}.item"),
            ));
        };
        if !seen.insert(code.to_owned()) {
            return Err(bad(
                "bad_body",
                format!("{code} is given twice"),
                format!("{at}.item"),
            ));
        }
        let d = m
            .get("deduction")
            .and_then(Value::as_f64)
            .filter(|d| d.is_finite() && *d >= 0.0 && *d <= item.max)
            .ok_or_else(|| {
                bad(
                    "bad_deduction",
                    format!("the deduction of {code} is a number from 0 to {}", item.max),
                    format!("{at}.deduction"),
                )
            })?;
        let note = match m.get("note") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.chars().count() <= 2000 => Some(s.clone()),
            Some(_) => {
                return Err(bad(
                    "bad_body",
                    "`note` must be a string of at most 2000 characters",
                    format!("{at}.note"),
                ));
            }
        };
        manual_total += d;
        let mut out = json!({"item": code, "deduction": d});
        if let Some(note) = note {
            out["note"] = json!(note);
        }
        manual_out.push(out);
    }
    let note = match body.get("note") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.chars().count() <= 4000 => Some(s.clone()),
        Some(_) => {
            return Err(bad(
                "bad_body",
                "`note` must be a string of at most 4000 characters",
                "note",
            ));
        }
    };

    let (deduction, qualified) = review_score(
        &engine,
        record.deduction,
        &report,
        &dismissed,
        &confirmed,
        manual_total,
    );
    let mut row = ReviewRow {
        record_id: record.id.clone(),
        record_version: version,
        revision: 0,
        reviewer: who.name(),
        reviewed_at: now(),
        findings: Value::Array(findings_out).to_string(),
        manual: Value::Array(manual_out).to_string(),
        note,
        deduction,
        qualified,
    };
    let Some(revision) = store.insert_review(&row, &decisions).await? else {
        return Err(Error::api(
            StatusCode::CONFLICT,
            "conflict",
            "another review of this record was saved at the same moment; reload and try again",
            None,
        ));
    };
    row.revision = revision;
    Ok(Json(json!({ "review": review_json(&row) })))
}

// --------------------------------------------------------------------------------- score sheet

/// What the sheet endpoints read from the query.
struct SheetQuery {
    period: Period,
    filter: Filter,
    group: &'static str,
}

fn list_param(q: &HashMap<String, String>, key: &str) -> Vec<String> {
    q.get(key)
        .map(|s| {
            s.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// `from`/`to` (default: `default` months ending with the current one), `kinds`,
/// `departments`, `doctors` (comma-separated), `group`.
fn sheet_query(q: &HashMap<String, String>, default_months: u32) -> Result<SheetQuery, Error> {
    let today = chrono::Utc::now().date_naive();
    let get = |k: &str| q.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
    let to = match get("to") {
        Some(v) => date(v, "to")?,
        None => month_end(today),
    };
    let from = match get("from") {
        Some(v) => date(v, "from")?,
        None => {
            let mut d = month_start(to);
            for _ in 1..default_months {
                d = month_start(d.pred_opt().unwrap_or(d));
            }
            d
        }
    };
    let period = Period::new(from, to, "from")?;
    let mut filter = Filter::default();
    period.filter(&mut filter);
    let kinds = kinds_of(&list_param(q, "kinds"), "kinds", false)?;
    filter.and_in(
        "kind",
        &kinds
            .iter()
            .map(|k| k.as_str().to_owned())
            .collect::<Vec<_>>(),
    );
    filter.and_in("department", &list_param(q, "departments"));
    filter.and_in("doctor", &list_param(q, "doctors"));
    let group = match get("group") {
        None | Some("department") => "department",
        Some("doctor") => "doctor",
        Some("kind") => "kind",
        Some("document") => "document",
        Some(_) => {
            return Err(bad(
                "bad_parameter",
                "`group` must be department, doctor, kind or document",
                "group",
            ));
        }
    };
    Ok(SheetQuery {
        period,
        filter,
        group,
    })
}

fn percent(n: i64, of: i64) -> Option<f64> {
    (of > 0).then(|| n as f64 * 100.0 / of as f64)
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The engine's sheet from per-kind aggregates: its `rates` then put them against the policy's
/// thresholds exactly as the CLI's score sheet does.
fn engine_sheet(aggs: &[Agg]) -> Sheet {
    let mut sheet = Sheet::new();
    for a in aggs {
        let Some(kind) = DocKind::from_name(&a.kind) else {
            continue;
        };
        let t = sheet.by_kind.entry(kind).or_default();
        t.documents += a.records as u64;
        t.qualified += a.qualified as u64;
        sheet.total.documents += a.records as u64;
        sheet.total.qualified += a.qualified as u64;
        sheet.missed_reports += a.missed as u64;
        if kind == DocKind::Prescription {
            sheet.prescriptions_with_antibiotics += a.abx as u64;
        }
    }
    sheet
}

fn rates_json(sheet: &Sheet, engine: &Engine) -> (Value, Value, f64) {
    let t = &engine.policy.thresholds;
    let r = sheet.rates(t);
    let pass = |p: &opdcheck_engine::sheet::PassRate| {
        json!({"value": p.rate, "target": p.target, "met": p.met, "records": p.documents,
               "qualified": p.qualified, "points_below": p.points_below, "penalty_yuan": p.penalty})
    };
    let rates = json!({
        "prescription_pass_rate": pass(&r.prescription_pass_rate),
        "record_pass_rate": pass(&r.record_pass_rate),
        "missed_reports": {
            "cases": r.missed_reports.missed, "reported": r.missed_reports.reported,
            "rate": r.missed_reports.rate, "target": r.missed_reports.target,
            "met": r.missed_reports.met, "penalty_yuan": r.missed_reports.penalty,
        },
        "antibiotic_share": {
            "value": r.antibiotic_share.share, "max": r.antibiotic_share.max,
            "met": r.antibiotic_share.met, "prescriptions": r.antibiotic_share.prescriptions,
            "with_antibiotics": r.antibiotic_share.with_antibiotics,
        },
    });
    let penalties = json!({
        "per_point_yuan": t.penalty_per_point,
        "per_missed_case_yuan": t.penalty_per_missed_case,
        "total_yuan": r.penalty_total,
    });
    (rates, penalties, r.penalty_total)
}

/// A row of the sheet's `groups`.
struct Group {
    key: String,
    kind: Option<String>,
    records: i64,
    qualified: i64,
    deduction: f64,
    reviewed: i64,
}

struct SheetData {
    json: Value,
    groups: Vec<Group>,
    totals: Group,
}

async fn build_sheet(state: &AppState, q: &SheetQuery) -> Result<SheetData, Error> {
    let store = state.store()?;
    let engine = state.engine();
    let column = if q.group == "document" {
        "kind"
    } else {
        q.group
    };
    // One index scan: per (kind, group key); kinds sum to the rates, keys to the groups.
    let aggs = store.sheet_groups(&q.filter, column).await?;
    let sheet = engine_sheet(&aggs);
    let (rates, penalties, penalty) = rates_json(&sheet, &engine);
    let mut totals = Group {
        key: "total".into(),
        kind: None,
        records: 0,
        qualified: 0,
        deduction: 0.0,
        reviewed: 0,
    };
    for a in &aggs {
        totals.records += a.records;
        totals.qualified += a.qualified;
        totals.deduction += a.deduction;
        totals.reviewed += a.reviewed;
    }
    let mut groups: Vec<Group> = Vec::new();
    let mut groups_total = None;
    if q.group == "document" {
        let (rows, total) = store.sheet_documents(&q.filter, MAX_DOCUMENT_ROWS).await?;
        groups_total = Some(total);
        for a in rows {
            groups.push(Group {
                key: a.key.unwrap_or_default(),
                kind: Some(a.kind),
                records: a.records,
                qualified: a.qualified,
                deduction: a.deduction,
                reviewed: a.reviewed,
            });
        }
    } else {
        let mut by_key: BTreeMap<String, Group> = BTreeMap::new();
        for a in &aggs {
            let key = a.key.clone().unwrap_or_else(|| UNSPECIFIED.to_owned());
            let g = by_key.entry(key.clone()).or_insert(Group {
                key,
                kind: None,
                records: 0,
                qualified: 0,
                deduction: 0.0,
                reviewed: 0,
            });
            g.records += a.records;
            g.qualified += a.qualified;
            g.deduction += a.deduction;
            g.reviewed += a.reviewed;
        }
        groups = by_key.into_values().collect();
    }
    let group_json = |g: &Group| {
        let mut v = json!({"key": g.key, "records": g.records, "qualified": g.qualified,
            "pass_rate": percent(g.qualified, g.records), "deduction": round2(g.deduction),
            "reviewed": g.reviewed});
        if let Some(kind) = &g.kind {
            v["kind"] = json!(kind);
        }
        v
    };
    let mut json = json!({
        "period": q.period.json(),
        "group": q.group,
        "totals": {"records": totals.records, "qualified": totals.qualified,
                   "pass_rate": percent(totals.qualified, totals.records),
                   "deduction": round2(totals.deduction), "penalty_yuan": penalty},
        "rates": rates,
        "penalties": penalties,
        "groups": groups.iter().map(group_json).collect::<Vec<_>>(),
        "reviewed": totals.reviewed,
    });
    if let Some(total) = groups_total {
        json["groups_total"] = json!(total);
    }
    Ok(SheetData {
        json,
        groups,
        totals,
    })
}

/// `GET /api/v1/sheet`.
async fn sheet(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, Error> {
    who.require_qa()?;
    let q = sheet_query(&q, 1)?;
    Ok(Json(build_sheet(&state, &q).await?.json))
}

/// A number as the CSV writes it: at most two decimals, no trailing zeros.
fn num(x: f64) -> String {
    let s = format!("{:.2}", round2(x));
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_owned() }
}

/// A CSV cell: quoted when needed; text a spreadsheet would run as a formula (`=`, `+`, `-`,
/// `@` first) gets a leading `'`.
fn cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The CSV columns (docs/api.md).
pub const CSV_HEADER: &str = "group,key,kind,records,qualified,pass_rate,deduction,reviewed";

/// `GET /api/v1/sheet.csv`.
async fn sheet_csv(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, Error> {
    who.require_qa()?;
    let q = sheet_query(&q, 1)?;
    let data = build_sheet(&state, &q).await?;
    // The BOM makes Excel read the file as UTF-8 (Chinese names).
    let mut out = String::from("\u{feff}");
    out.push_str(CSV_HEADER);
    out.push_str("\r\n");
    let mut row = |group: &str, g: &Group| {
        let rate = percent(g.qualified, g.records).map(num).unwrap_or_default();
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\r\n",
            cell(group),
            cell(&g.key),
            cell(g.kind.as_deref().unwrap_or("")),
            g.records,
            g.qualified,
            rate,
            num(g.deduction),
            g.reviewed
        ));
    };
    for g in &data.groups {
        row(q.group, g);
    }
    row("total", &data.totals);
    let filename = format!("sheet-{}-{}.csv", q.period.from, q.period.to);
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        out,
    )
        .into_response())
}

/// `GET /api/v1/sheet/trend?from&to` (default: the 12 months ending with this one).
async fn trend(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, Error> {
    who.require_qa()?;
    let q = sheet_query(&q, 12)?;
    let aggs = state.store()?.sheet_months(&q.filter).await?;
    let engine = state.engine();
    let mut by_month: BTreeMap<String, Vec<Agg>> = BTreeMap::new();
    // Every month of the period is listed, empty ones too (a chart needs the gaps).
    let mut d = month_start(q.period.from);
    while d <= q.period.to {
        by_month.insert(d.format("%Y-%m").to_string(), Vec::new());
        d = month_end(d).succ_opt().unwrap_or(NaiveDate::MAX);
    }
    for a in aggs {
        if let Some(k) = &a.key {
            by_month.entry(k.clone()).or_default().push(a);
        }
    }
    let t = &engine.policy.thresholds;
    let months: Vec<Value> = by_month
        .into_iter()
        .map(|(month, aggs)| {
            let r = engine_sheet(&aggs).rates(t);
            let records: i64 = aggs.iter().map(|a| a.records).sum();
            json!({
                "month": month, "records": records,
                "prescription_pass_rate": r.prescription_pass_rate.rate,
                "record_pass_rate": r.record_pass_rate.rate,
                "missed_reports": r.missed_reports.missed,
                "antibiotic_share": r.antibiotic_share.share,
            })
        })
        .collect();
    Ok(Json(json!({
        "period": q.period.json(),
        "targets": {"prescription_pass_rate": t.prescription_pass_rate,
                    "record_pass_rate": t.record_pass_rate,
                    "missed_report_rate": t.missed_report_rate,
                    "antibiotic_share_max": t.antibiotic_share_max},
        "months": months,
    })))
}

/// `GET /api/v1/sheet/rules?from&to`: the rules that fire most, with QA's dismissal rate.
async fn rule_rates(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, Error> {
    who.require_qa()?;
    let q = sheet_query(&q, 1)?;
    let mut rows = state.store()?.rule_stats(&q.filter).await?;
    rows.sort_by(|a, b| b.hits.cmp(&a.hits).then_with(|| a.rule.cmp(&b.rule)));
    let rules: Vec<Value> = rows
        .into_iter()
        .map(|r| {
            let item = RULES.iter().find(|x| x.code == r.rule).map(|x| x.item);
            json!({
                "rule": r.rule, "item": item, "hits": r.hits, "records": r.records,
                "reviewed_hits": r.reviewed_hits, "dismissed": r.dismissed,
                "dismissal_rate": (r.reviewed_hits > 0).then(|| r.dismissed as f64 / r.reviewed_hits as f64),
            })
        })
        .collect();
    Ok(Json(json!({ "period": q.period.json(), "rules": rules })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rng(seed: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(seed)
    }

    #[test]
    fn allocation_is_proportional_with_one_each_and_largest_remainder() {
        // 100 records in strata of 50, 30, 15, 5; 20 drawn: 1 each, then 16 of the 96 left
        // shared as 49:29:14:4 → 8.17, 4.83, 2.33, 0.67 → 8, 4, 2, 0 + 2 by remainder.
        let q = allocate(&[50, 30, 15, 5], 20, &mut rng(1));
        assert_eq!(q, vec![9, 6, 3, 2]);
        assert_eq!(q.iter().sum::<usize>(), 20);
        // Fewer than the strata: plain proportion.
        let q = allocate(&[50, 30, 15, 5], 2, &mut rng(1));
        assert_eq!(q, vec![1, 1, 0, 0]);
        // More than there is: everything.
        assert_eq!(allocate(&[3, 2], 10, &mut rng(1)), vec![3, 2]);
        assert_eq!(allocate(&[], 10, &mut rng(1)), Vec::<usize>::new());
        assert_eq!(allocate(&[4, 4], 0, &mut rng(1)), vec![0, 0]);
    }

    #[test]
    fn allocation_never_exceeds_a_stratum() {
        for seed in 0..50 {
            let sizes = [1, 7, 2, 30, 1, 1, 9];
            for n in 0..=51 {
                let q = allocate(&sizes, n, &mut rng(seed));
                assert_eq!(q.iter().sum::<usize>(), n.min(51));
                assert!(q.iter().zip(sizes).all(|(a, s)| *a <= s));
                if n >= sizes.len() {
                    assert!(q.iter().all(|a| *a >= 1));
                }
            }
        }
    }

    #[test]
    fn manual_items_carry_the_seed_wording_and_maxima() {
        // The engine's checklist (`checklist::manual_items`) is the server's: the catalog's
        // manual items (the server's own list before the engine had one) are all on it.
        let items = manual_items(&Engine::default_engine().policy);
        let codes: Vec<&str> = items.iter().map(|i| i.item.as_str()).collect();
        for code in [
            "OPD-1", "OPD-2", "OPD-3", "OPD-6", "OPD-18", "CLN-2", "CLN-3", "CLN-4", "CLN-6",
            "CLN-9", "CLN-10", "CLN-12", "CLN-13", "CLN-14", "CLN-15", "CLN-16", "CLN-17",
            "CLN-18",
        ] {
            assert!(codes.contains(&code), "{code}");
        }
        assert!(!codes.contains(&"OPD-4"), "shown by documents");
        let cln18 = items.iter().find(|i| i.item == "CLN-18").unwrap();
        assert_eq!((cln18.deduction, cln18.max), (1.0, 5.0), "酌情扣1-5分");
        let cln14 = items.iter().find(|i| i.item == "CLN-14").unwrap();
        assert_eq!(cln14.max, 5.0, "not the 100 of 合格率达100%");
        let opd2 = items.iter().find(|i| i.item == "OPD-2").unwrap();
        assert_eq!(opd2.standard, "现场抽查，未督促患者出示门诊病历扣2分");
        assert_eq!(opd2.max, 2.0);
    }

    #[test]
    fn csv_cells_are_quoted_and_formula_safe() {
        assert_eq!(cell("呼吸内科"), "呼吸内科");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(num(2.0), "2");
        assert_eq!(num(83.333333), "83.33");
        assert_eq!(num(0.0), "0");
    }
}
