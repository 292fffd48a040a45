//! Visits assembled on the server (issue 13) over real HTTP: documents of one visit synced one by
//! one are checked together (XV rules); a notifiable diagnosis without its card is 漏报 only
//! after its deadline; a visit pushed whole is stored as its documents; another patient's
//! document under the same visit id stays out; who may read a visit; the visits list QA finds
//! them in. Each scenario runs against a temporary SQLite file and, in
//! `postgres_visit_scenarios`, against a throw-away PostgreSQL cluster
//! (`OPDCHECK_SKIP_POSTGRES=1` skips it, as in tests/api.rs).

mod common;

use std::future::Future;
use std::pin::Pin;

use chrono::{Duration, Utc};
use opdcheck_server::{AppState, Store, app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const RX: &str = opdcheck_engine::samples::PRESCRIPTION_CLEAN;
const MR: &str = opdcheck_engine::samples::OUTPATIENT_RECORD_CLEAN;
const IR: &str = opdcheck_engine::samples::INFECTIOUS_REPORT_CLEAN;
const VISIT: &str = opdcheck_engine::samples::VISIT_CLEAN;

/// Clinic time (UTC+08:00, as documents write it) `hours_ago` hours before now.
fn clinic(hours_ago: i64) -> String {
    (Utc::now() + Duration::hours(8) - Duration::hours(hours_ago))
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// A day of clinic time, `days` from today.
fn day(days: i64) -> String {
    (Utc::now() + Duration::hours(8) + Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

fn patient(mut v: Value, record_no: &str) -> Value {
    v["patient"]["record_no"] = json!(record_no);
    v
}

/// An outpatient record of `visit` at `at`, diagnosing chronic hepatitis B (notifiable, class
/// B: a card within 24 h) besides the bronchitis.
fn hep_record(id: &str, visit: &str, record_no: &str, at: &str) -> Value {
    let mut v: Value = serde_json::from_str(MR).unwrap();
    v["id"] = json!(id);
    v["visit_id"] = json!(visit);
    v["visit_at"] = json!(at);
    v["physician"]["signed_at"] = json!(at);
    v["diagnoses"] = json!(["急性支气管炎", "慢性乙型病毒性肝炎"]);
    v["diagnosis_codes"] = json!(["J20.9", "B18.1"]);
    v["infectious_report_status"] = Value::Null;
    patient(v, record_no)
}

fn rx(id: &str, visit: &str, record_no: &str, at: &str) -> Value {
    let mut v: Value = serde_json::from_str(RX).unwrap();
    v["id"] = json!(id);
    v["visit_id"] = json!(visit);
    v["issued_at"] = json!(at);
    v["prescriber"]["signed_at"] = json!(at);
    patient(v, record_no)
}

/// The hepatitis B card of `visit`, filed by the demo doctor.
fn card(id: &str, visit: &str, record_no: &str) -> Value {
    let mut v: Value = serde_json::from_str(IR).unwrap();
    v["id"] = json!(id);
    v["visit_id"] = json!(visit);
    v["reporting_physician"]["id"] = json!("D0012");
    patient(v, record_no)
}

struct Server {
    store: Store,
    base: String,
    http: reqwest::Client,
    _task: tokio::task::JoinHandle<()>,
}

impl Server {
    async fn start(store: Store) -> Server {
        assert!(
            opdcheck_server::auth::seed_demo_users(&store)
                .await
                .unwrap()
        );
        let state = AppState::api_only(store.clone()).with_auth();
        state.load_policy().await.unwrap();
        let (base, task) = common::serve(app(state)).await;
        Server {
            store,
            base,
            http: reqwest::Client::new(),
            _task: task,
        }
    }

    async fn token(&self, username: &str) -> String {
        let (status, v) = self
            .call(
                Method::POST,
                "/api/v1/login",
                None,
                Some(&json!({"username": username, "password": username})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        format!("Bearer {}", v["token"].as_str().unwrap())
    }

    /// Every answer is JSON and what the OpenAPI document says it is (`common::conform`).
    async fn call(
        &self,
        method: Method,
        path: &str,
        auth: Option<&str>,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(auth) = auth {
            req = req.header("authorization", auth);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let url_path = res.url().path().to_owned();
        let body: Value = serde_json::from_str(&res.text().await.unwrap()).unwrap();
        common::conform(method.as_str(), &url_path, status.as_u16(), &body);
        (status, body)
    }

    async fn push(&self, auth: &str, records: Vec<(&str, i64, Value)>) -> Value {
        let records: Vec<Value> = records
            .into_iter()
            .map(|(id, version, document)| json!({"id": id, "version": version, "document": document}))
            .collect();
        let (status, v) = self
            .call(
                Method::POST,
                "/api/v1/records",
                Some(auth),
                Some(&json!({ "records": records })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        v
    }

    async fn visit(&self, auth: &str, visit_id: &str) -> Value {
        let (status, v) = self
            .call(
                Method::GET,
                &format!("/api/v1/visits/{visit_id}"),
                Some(auth),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        v
    }

    /// The sheet over the last week (clinic dates), grouped by kind.
    async fn sheet(&self, auth: &str) -> Value {
        let path = format!("/api/v1/sheet?from={}&to={}&group=kind", day(-7), day(1));
        let (status, v) = self.call(Method::GET, &path, Some(auth), None).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        v
    }
}

fn rules(findings: &Value) -> Vec<String> {
    findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect()
}

fn ids(visit: &Value) -> Vec<String> {
    visit["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect()
}

fn missed(sheet: &Value) -> i64 {
    sheet["rates"]["missed_reports"]["cases"].as_i64().unwrap()
}

fn records_of(sheet: &Value, kind: &str) -> i64 {
    sheet["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == kind)
        .map_or(0, |g| g["records"].as_i64().unwrap())
}

// ---------------------------------------------------------------- scenarios (both databases)

/// Documents of one visit synced one by one are checked together; a missing card is 漏报 only
/// after its deadline, and a card pushed later makes it reported.
async fn synced_documents_make_a_visit(s: &Server) {
    let doctor = s.token("doctor").await;
    let qa = s.token("qa").await;
    let old = clinic(72);
    // The record and the prescription in two pushes; the prescription's diagnosis is not in
    // the record (XV-02 across documents).
    s.push(
        &doctor,
        vec![("mr-old", 1, hep_record("mr-old", "v-old", "MZ-P1", &old))],
    )
    .await;
    let mut r = rx("rx-old", "v-old", "MZ-P1", &old);
    r["diagnoses"] = json!(["原发性高血压"]);
    r["diagnosis_codes"] = json!(["I10"]);
    s.push(&doctor, vec![("rx-old", 1, r)]).await;
    let v = s.visit(&qa, "v-old").await;
    assert_eq!(v["visits"].as_array().unwrap().len(), 1, "{v}");
    let visit = &v["visits"][0];
    assert_eq!(ids(visit), ["mr-old", "rx-old"]);
    assert_eq!(visit["documents"][0]["path"], "record");
    assert_eq!(visit["documents"][1]["path"], "prescriptions[0]");
    assert_eq!(
        visit["documents"][1]["document"]["diagnoses"][0],
        "原发性高血压"
    );
    let found = rules(&visit["findings"]);
    assert!(found.contains(&"XV-02".to_owned()), "{found:?}");
    // The visit was three days ago: the 24 h deadline has passed.
    assert!(found.contains(&"XV-04".to_owned()), "{found:?}");
    let report = &visit["notifiable_report"];
    assert_eq!(report["state"], "overdue", "{report}");
    assert_eq!(report["cases"][0]["disease"], "病毒性肝炎");
    assert_eq!(report["cases"][0]["hours"], 24);
    assert_eq!(report["cases"][0]["path"], "record.diagnoses[1]");
    assert_eq!(missed(&s.sheet(&qa).await), 1);

    // A visit an hour ago: the card is due, not missed; the time left is said.
    let recent = clinic(1);
    s.push(
        &doctor,
        vec![("mr-new", 1, hep_record("mr-new", "v-new", "MZ-P2", &recent))],
    )
    .await;
    let visit = &s.visit(&qa, "v-new").await["visits"][0];
    let report = &visit["notifiable_report"];
    assert_eq!(report["state"], "due", "{report}");
    let due = chrono::DateTime::parse_from_rfc3339(report["report_due_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc);
    let left = due - Utc::now();
    assert!(
        left > Duration::hours(22) && left < Duration::hours(24),
        "{left}"
    );
    assert!(!rules(&visit["findings"]).contains(&"XV-04".to_owned()));
    assert_eq!(missed(&s.sheet(&qa).await), 1, "a due card is not missed");

    // The old visit's card arrives: reported, and the sheet's count drops.
    s.push(
        &doctor,
        vec![("ir-old", 1, card("ir-old", "v-old", "MZ-P1"))],
    )
    .await;
    let visit = &s.visit(&qa, "v-old").await["visits"][0];
    assert_eq!(ids(visit), ["mr-old", "rx-old", "ir-old"]);
    assert_eq!(visit["notifiable_report"]["state"], "reported");
    assert!(!rules(&visit["findings"]).contains(&"XV-04".to_owned()));
    assert_eq!(missed(&s.sheet(&qa).await), 0);

    // A new version of the record without the diagnosis: re-assembled, nothing notifiable.
    let mut v2 = hep_record("mr-new", "v-new", "MZ-P2", &recent);
    v2["diagnoses"] = json!(["急性支气管炎"]);
    v2["diagnosis_codes"] = json!(["J20.9"]);
    s.push(&doctor, vec![("mr-new", 2, v2)]).await;
    let visit = &s.visit(&qa, "v-new").await["visits"][0];
    assert_eq!(visit["documents"][0]["version"], 2);
    assert_eq!(visit["notifiable_report"]["state"], "none");
}

/// A new version naming another visit moves the document: the visit it left is re-assembled
/// without it, in the same push.
async fn a_document_moved_to_another_visit_leaves_it(s: &Server) {
    let doctor = s.token("doctor").await;
    let qa = s.token("qa").await;
    let at = clinic(1);
    s.push(
        &doctor,
        vec![
            ("mv-mr", 1, hep_record("mv-mr", "v-left", "MZ-MV", &at)),
            ("mv-rx", 1, rx("mv-rx", "v-left", "MZ-MV", &at)),
        ],
    )
    .await;
    assert_eq!(
        ids(&s.visit(&qa, "v-left").await["visits"][0]),
        ["mv-mr", "mv-rx"]
    );
    s.push(
        &doctor,
        vec![("mv-rx", 2, rx("mv-rx", "v-joined", "MZ-MV", &at))],
    )
    .await;
    assert_eq!(ids(&s.visit(&qa, "v-left").await["visits"][0]), ["mv-mr"]);
    let joined = &s.visit(&qa, "v-joined").await["visits"][0];
    assert_eq!(ids(joined), ["mv-rx"]);
    assert_eq!(joined["documents"][0]["version"], 2);
}

/// Documents of one visit pushed at the same moment, each in its own request: the visit holds
/// them all (each push re-assembles it in its own transaction, after the one before it).
async fn concurrent_pushes_assemble_every_document(s: &Server) {
    let doctor = s.token("doctor").await;
    let qa = s.token("qa").await;
    let at = clinic(1);
    let pushes = (0..8).map(|i| {
        let id = format!("cc-rx-{i}");
        let doctor = doctor.clone();
        let at = at.clone();
        async move {
            s.push(
                &doctor,
                vec![(id.as_str(), 1, rx(&id, "v-cc", "MZ-CC", &at))],
            )
            .await
        }
    });
    futures::future::join_all(pushes).await;
    let mut got = ids(&s.visit(&qa, "v-cc").await["visits"][0]);
    got.sort();
    let want: Vec<String> = (0..8).map(|i| format!("cc-rx-{i}")).collect();
    assert_eq!(got, want);
}

/// Another patient's document under the same visit id is another visit, never merged.
async fn other_patients_are_not_merged(s: &Server) {
    let doctor = s.token("doctor").await;
    let qa = s.token("qa").await;
    let old = clinic(72);
    s.push(
        &doctor,
        vec![
            ("mr-a", 1, hep_record("mr-a", "v-shared", "MZ-A", &old)),
            // Patient B's card for the same disease under the same visit id: not A's card.
            ("ir-b", 1, card("ir-b", "v-shared", "MZ-B")),
        ],
    )
    .await;
    let v = s.visit(&qa, "v-shared").await;
    let visits = v["visits"].as_array().unwrap();
    assert_eq!(visits.len(), 2, "{v}");
    let a = visits
        .iter()
        .find(|x| ids(x) == ["mr-a"])
        .expect("A's visit");
    assert_eq!(a["notifiable_report"]["state"], "overdue");
    let b = visits
        .iter()
        .find(|x| ids(x) == ["ir-b"])
        .expect("B's visit");
    assert_eq!(b["notifiable_report"]["state"], "none");
    assert_eq!(missed(&s.sheet(&qa).await), 1);
}

/// A visit pushed whole is stored as its documents: its prescriptions count in the
/// prescription rates, its own record does not count them again.
async fn a_whole_visit_is_stored_as_its_documents(s: &Server) {
    let doctor = s.token("doctor").await;
    let qa = s.token("qa").await;
    let before = s.sheet(&qa).await;
    assert_eq!(records_of(&before, "prescription"), 0);
    let at = clinic(2);
    let mut visit: Value = serde_json::from_str(VISIT).unwrap();
    visit["id"] = json!("vw-1");
    visit["visit_id"] = json!("vw-1");
    visit["record"]["id"] = json!("vw-mr");
    visit["record"]["visit_at"] = json!(at);
    let mut first = visit["prescriptions"][0].clone();
    first["id"] = json!("vw-rx");
    first["issued_at"] = json!(at);
    // A second prescription without an id, unsigned (an error: not qualified).
    let mut second = first.clone();
    second.as_object_mut().unwrap().remove("id");
    second["prescriber"]["signed_at"] = Value::Null;
    second["prescriber"]["signature_id"] = Value::Null;
    visit["prescriptions"] = json!([first, second]);
    let pushed = s.push(&doctor, vec![("vw-1", 1, visit.clone())]).await;
    assert_eq!(pushed["results"][0]["status"], "created", "{pushed}");

    let sheet = s.sheet(&qa).await;
    assert_eq!(records_of(&sheet, "prescription"), 2, "{sheet}");
    assert_eq!(records_of(&sheet, "outpatient_record"), 1);
    assert_eq!(records_of(&sheet, "visit"), 0, "counted as its documents");
    assert_eq!(sheet["rates"]["prescription_pass_rate"]["value"], 50.0);

    let v = &s.visit(&qa, "vw-1").await["visits"][0];
    // Prescriptions by date, then id; the sample's exam request comes along.
    assert_eq!(
        ids(v),
        ["vw-mr", "vw-1/prescriptions[1]", "vw-rx", "rq-clean-1"]
    );
    assert_eq!(v["documents"][1]["kind"], "prescription");
    assert_eq!(v["documents"][1]["document"]["kind"], "prescription");
    assert_eq!(v["documents"][1]["document"]["visit_id"], "vw-1");
    assert_eq!(
        v["documents"][3]["document"]["visit_id"], "vw-1",
        "the visit's id wins"
    );

    // A retry stores nothing; a new version of the visit stores only the document that changed.
    let again = s.push(&doctor, vec![("vw-1", 1, visit.clone())]).await;
    assert_eq!(again["results"][0]["status"], "unchanged");
    visit["prescriptions"][0]["notes"] = json!("饭后服用");
    s.push(&doctor, vec![("vw-1", 2, visit)]).await;
    let v = &s.visit(&qa, "vw-1").await["visits"][0];
    let versions: Vec<i64> = v["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [1, 1, 2, 1]);
    assert_eq!(records_of(&s.sheet(&qa).await, "prescription"), 2);
}

/// Who reads a visit: as records — anonymous 401, another doctor's visit 403, none 404.
async fn who_reads_a_visit(s: &Server) {
    let doctor = s.token("doctor").await;
    let admin = s.token("admin").await;
    let qa = s.token("qa").await;
    let at = clinic(2);
    s.push(
        &doctor,
        vec![("mr-mine", 1, hep_record("mr-mine", "v-mine", "MZ-M", &at))],
    )
    .await;
    let mut theirs = hep_record("mr-theirs", "v-theirs", "MZ-T", &at);
    theirs["physician"]["id"] = json!("D0099");
    s.push(&admin, vec![("mr-theirs", 1, theirs)]).await;

    // Another doctor's prescription in the doctor's visit (pushed by an admin).
    let mut other = rx("rx-other", "v-mine", "MZ-M", &at);
    other["prescriber"]["id"] = json!("D0099");
    s.push(&admin, vec![("rx-other", 1, other)]).await;

    let (status, v) = s
        .call(Method::GET, "/api/v1/visits/v-mine", None, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{v}");
    // The doctor reads the visit they lead, not the other doctor's document in it.
    let mine = &s.visit(&doctor, "v-mine").await["visits"][0];
    assert_eq!(ids(mine), ["mr-mine", "rx-other"]);
    assert_eq!(mine["documents"][0]["document"]["id"], "mr-mine");
    assert!(mine["documents"][1]["document"].is_null(), "{mine}");
    let all = &s.visit(&qa, "v-mine").await["visits"][0];
    assert_eq!(all["documents"][1]["document"]["id"], "rx-other");
    let (status, v) = s
        .call(Method::GET, "/api/v1/visits/v-theirs", Some(&doctor), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(v["error"]["code"], "forbidden");
    s.visit(&qa, "v-theirs").await;
    s.visit(&admin, "v-mine").await;
    let (status, v) = s
        .call(Method::GET, "/api/v1/visits/no-such", Some(&qa), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
}

/// Documents stored before visits were assembled (migration 0008) get their visits at start.
async fn stored_documents_are_assembled_at_start(s: &Server) {
    let doctor = s.token("doctor").await;
    let qa = s.token("qa").await;
    let old = clinic(72);
    s.push(
        &doctor,
        vec![("mr-b", 1, hep_record("mr-b", "v-before", "MZ-B", &old))],
    )
    .await;
    // As before the migration: no visit assembled.
    for sql in ["DELETE FROM visit_cases", "DELETE FROM visits"] {
        match &s.store {
            Store::Sqlite(pool) => {
                sqlx::query(sql).execute(pool).await.unwrap();
            }
            Store::Postgres(pool) => {
                sqlx::query(sql).execute(pool).await.unwrap();
            }
        }
    }
    let (status, _) = s
        .call(Method::GET, "/api/v1/visits/v-before", Some(&qa), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(missed(&s.sheet(&qa).await), 0);
    let engine = opdcheck_engine::Engine::default_engine();
    assert_eq!(
        opdcheck_server::visits::backfill(&s.store, engine)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        opdcheck_server::visits::backfill(&s.store, engine)
            .await
            .unwrap(),
        0,
        "once"
    );
    let visit = &s.visit(&qa, "v-before").await["visits"][0];
    assert_eq!(visit["notifiable_report"]["state"], "overdue");
    assert_eq!(missed(&s.sheet(&qa).await), 1);
}

/// QA reviews a visit's cross-document findings: a dismissed missed report is not counted while
/// the visit stays as reviewed; a new document makes a new assembly that needs a new review.
async fn qa_reviews_a_visit(s: &Server) {
    let doctor = s.token("doctor").await;
    let qa = s.token("qa").await;
    let old = clinic(72);
    s.push(
        &doctor,
        vec![("mr-r", 1, hep_record("mr-r", "v-rev", "MZ-R", &old))],
    )
    .await;
    assert_eq!(missed(&s.sheet(&qa).await), 1);
    let path = "/api/v1/visits/v-rev/review";
    let dismiss = |reason: Option<&str>| {
        json!({"document": "mr-r", "findings": [{"rule": "XV-04", "path": "record.diagnoses[1]",
               "decision": "dismissed", "reason": reason}], "note": "已电话核实"})
    };
    // Not QA: 403; bad bodies are located.
    let (status, v) = s
        .call(Method::PUT, path, Some(&doctor), Some(&dismiss(Some("x"))))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    let (status, v) = s
        .call(Method::PUT, path, Some(&qa), Some(&dismiss(None)))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["error"]["code"], "reason_required");
    assert_eq!(v["error"]["path"], "findings[0].reason");
    let mut unknown = dismiss(Some("x"));
    unknown["findings"][0]["path"] = json!("record.diagnoses[0]");
    let (status, v) = s.call(Method::PUT, path, Some(&qa), Some(&unknown)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["error"]["code"], "unknown_finding");
    assert_eq!(v["error"]["path"], "findings[0]");
    let mut elsewhere = dismiss(Some("x"));
    elsewhere["document"] = json!("no-such");
    let (status, v) = s.call(Method::PUT, path, Some(&qa), Some(&elsewhere)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
    assert_eq!(v["error"]["path"], "document");

    let (status, v) = s
        .call(
            Method::PUT,
            path,
            Some(&qa),
            Some(&dismiss(Some("患者已在外院报告"))),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["review"]["revision"], 1);
    assert_eq!(missed(&s.sheet(&qa).await), 0, "dismissed by QA");
    let visit = &s.visit(&qa, "v-rev").await["visits"][0];
    assert_eq!(visit["review"]["revision"], 1);
    assert_eq!(visit["review"]["findings"][0]["decision"], "dismissed");
    assert_eq!(visit["notifiable_report"]["cases"][0]["dismissed"], true);

    // A prescription joins the visit: a new assembly, not the one reviewed.
    s.push(
        &doctor,
        vec![("rx-r", 1, rx("rx-r", "v-rev", "MZ-R", &old))],
    )
    .await;
    let visit = &s.visit(&qa, "v-rev").await["visits"][0];
    assert!(visit["review"].is_null(), "{visit}");
    assert_eq!(visit["notifiable_report"]["cases"][0]["dismissed"], false);
    assert_eq!(missed(&s.sheet(&qa).await), 1);
}

/// The visits list: who sees which visits, the state and findings filters judged now, paging.
async fn qa_lists_visits(s: &Server) {
    let doctor = s.token("doctor").await;
    let admin = s.token("admin").await;
    let qa = s.token("qa").await;
    // Overdue (three days ago), due (an hour ago), reported (with its card), a plain one with a
    // cross-document finding (XV-02), and another doctor's plain one.
    s.push(
        &doctor,
        vec![(
            "mr-lo",
            1,
            hep_record("mr-lo", "v-l-over", "MZ-L1", &clinic(72)),
        )],
    )
    .await;
    s.push(
        &doctor,
        vec![(
            "mr-ld",
            1,
            hep_record("mr-ld", "v-l-due", "MZ-L2", &clinic(1)),
        )],
    )
    .await;
    s.push(
        &doctor,
        vec![
            (
                "mr-lr",
                1,
                hep_record("mr-lr", "v-l-rep", "MZ-L3", &clinic(3)),
            ),
            ("ir-lr", 1, card("ir-lr", "v-l-rep", "MZ-L3")),
        ],
    )
    .await;
    let plain = |id: &str, visit: &str, record_no: &str, at: &str| {
        let mut v = hep_record(id, visit, record_no, at);
        v["diagnoses"] = json!(["急性支气管炎"]);
        v["diagnosis_codes"] = json!(["J20.9"]);
        v
    };
    let mut r = rx("rx-lx", "v-l-x", "MZ-L4", &clinic(5));
    r["diagnoses"] = json!(["原发性高血压"]);
    r["diagnosis_codes"] = json!(["I10"]);
    s.push(
        &doctor,
        vec![
            ("mr-lx", 1, plain("mr-lx", "v-l-x", "MZ-L4", &clinic(5))),
            ("rx-lx", 1, r),
        ],
    )
    .await;
    let mut theirs = plain("mr-lt", "v-l-theirs", "MZ-L5", &clinic(2));
    theirs["physician"]["id"] = json!("D0099");
    s.push(&admin, vec![("mr-lt", 1, theirs)]).await;

    let period = format!("from={}&to={}", day(-7), day(1));
    let page = |auth: &str, query: &str| {
        let path = format!("/api/v1/visits?{period}&{query}");
        let auth = auth.to_owned();
        async move {
            let (status, v) = s.call(Method::GET, &path, Some(&auth), None).await;
            assert_eq!(status, StatusCode::OK, "{path}: {v}");
            v
        }
    };
    let visit_ids = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["visit_id"].as_str().unwrap().to_owned())
            .collect()
    };

    let (status, v) = s
        .call(Method::GET, &format!("/api/v1/visits?{period}"), None, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{v}");

    // QA sees every visit, the latest visit first.
    let all = page(&qa, "").await;
    assert_eq!(
        visit_ids(&all),
        ["v-l-due", "v-l-theirs", "v-l-rep", "v-l-x", "v-l-over"]
    );
    assert_eq!(all["total"], 5);
    assert_eq!(all["period"]["from"], day(-7));
    let row = |v: &Value, id: &str| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["visit_id"] == id)
            .cloned()
            .unwrap()
    };
    let over = row(&all, "v-l-over");
    assert_eq!(over["report"], "overdue");
    assert_eq!(over["rules"], json!(["XV-04"]));
    assert_eq!(over["documents"], 1);
    assert_eq!(over["doctor"], "D0012");
    assert!(over["report_due_at"].is_string(), "{over}");
    let due = row(&all, "v-l-due");
    assert_eq!(due["report"], "due");
    assert_eq!(due["rules"], json!([]), "not missed before its deadline");
    assert!(due["report_due_at"].is_string(), "{due}");
    assert_eq!(row(&all, "v-l-rep")["report"], "reported");
    assert_eq!(row(&all, "v-l-rep")["documents"], 2);
    assert!(row(&all, "v-l-rep")["report_due_at"].is_null());
    let x = row(&all, "v-l-x");
    assert_eq!(x["report"], "none");
    assert!(
        x["rules"].as_array().unwrap().contains(&json!("XV-02")),
        "{x}"
    );
    // The row's assembly is the one the visit's detail shows.
    let detail = s.visit(&qa, "v-l-x").await;
    assert_eq!(detail["visits"][0]["assembled_at"], x["assembled_at"]);

    // The state filter.
    assert_eq!(visit_ids(&page(&qa, "state=overdue").await), ["v-l-over"]);
    assert_eq!(visit_ids(&page(&qa, "state=due").await), ["v-l-due"]);
    assert_eq!(visit_ids(&page(&qa, "state=reported").await), ["v-l-rep"]);
    assert_eq!(
        visit_ids(&page(&qa, "state=none").await),
        ["v-l-theirs", "v-l-x"]
    );
    // The findings filter: as each row's rules say, and together every visit.
    let with = page(&qa, "findings=true").await;
    let without = page(&qa, "findings=false").await;
    assert!(visit_ids(&with).contains(&"v-l-x".to_owned()), "{with}");
    assert!(visit_ids(&with).contains(&"v-l-over".to_owned()), "{with}");
    assert!(
        visit_ids(&without).contains(&"v-l-due".to_owned()),
        "{without}"
    );
    assert!(
        visit_ids(&without).contains(&"v-l-theirs".to_owned()),
        "{without}"
    );
    for i in with["items"].as_array().unwrap() {
        assert!(!i["rules"].as_array().unwrap().is_empty(), "{i}");
    }
    for i in without["items"].as_array().unwrap() {
        assert!(i["rules"].as_array().unwrap().is_empty(), "{i}");
    }
    assert_eq!(
        with["total"].as_i64().unwrap() + without["total"].as_i64().unwrap(),
        5
    );
    assert_eq!(
        visit_ids(&page(&qa, "state=overdue&findings=false").await),
        Vec::<String>::new()
    );

    // Paging: the second page of two.
    let p2 = page(&qa, "per_page=2&page=2").await;
    assert_eq!(visit_ids(&p2), ["v-l-rep", "v-l-x"]);
    assert_eq!(
        (
            p2["total"].clone(),
            p2["page"].clone(),
            p2["per_page"].clone()
        ),
        (json!(5), json!(2), json!(2))
    );
    assert_eq!(
        visit_ids(&page(&qa, "per_page=2&page=4").await),
        Vec::<String>::new()
    );

    // A doctor lists the visits they lead; an admin all.
    let mine = page(&doctor, "").await;
    assert_eq!(mine["total"], 4);
    assert!(!visit_ids(&mine).contains(&"v-l-theirs".to_owned()));
    assert_eq!(page(&admin, "").await["total"], 5);
    // Outside the period: none.
    let (status, v) = s
        .call(
            Method::GET,
            &format!("/api/v1/visits?from={}&to={}", day(-30), day(-10)),
            Some(&qa),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["total"], 0);

    // Bad parameters are located, never a 5xx.
    for (query, at) in [
        ("state=late", "state"),
        ("findings=maybe", "findings"),
        ("per_page=0", "per_page"),
        ("page=x", "page"),
    ] {
        let path = format!("/api/v1/visits?{period}&{query}");
        let (status, v) = s.call(Method::GET, &path, Some(&qa), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {v}");
        assert_eq!(v["error"]["code"], "bad_parameter");
        assert_eq!(v["error"]["path"], at, "{query}: {v}");
    }
    for query in [
        "from=yesterday",
        "from=2026-13-01",
        "from=2026-12-02&to=2026-12-01",
    ] {
        let (status, v) = s
            .call(
                Method::GET,
                &format!("/api/v1/visits?{query}"),
                Some(&qa),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {v}");
        assert_eq!(v["error"]["code"], "bad_parameter");
    }

    // The due visit's deadline passes (its stored deadline put a minute back, as the clock
    // would): listed as overdue, with its missed report, without any new push.
    let past = (Utc::now() - Duration::minutes(1))
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string();
    let sql = "UPDATE visit_cases SET due_at = $1 WHERE visit_id = 'v-l-due'";
    match &s.store {
        Store::Sqlite(pool) => {
            sqlx::query(sql).bind(&past).execute(pool).await.unwrap();
        }
        Store::Postgres(pool) => {
            sqlx::query(sql).bind(&past).execute(pool).await.unwrap();
        }
    }
    let overdue = page(&qa, "state=overdue").await;
    assert_eq!(visit_ids(&overdue), ["v-l-due", "v-l-over"]);
    assert_eq!(row(&overdue, "v-l-due")["rules"], json!(["XV-04"]));
    assert_eq!(
        visit_ids(&page(&qa, "state=due").await),
        Vec::<String>::new()
    );
    assert!(visit_ids(&page(&qa, "findings=true").await).contains(&"v-l-due".to_owned()));
}

type Scenario = for<'a> fn(&'a Server) -> Pin<Box<dyn Future<Output = ()> + 'a>>;

const SCENARIOS: &[(&str, Scenario)] = &[
    ("synced_documents_make_a_visit", |s| {
        Box::pin(synced_documents_make_a_visit(s))
    }),
    ("other_patients_are_not_merged", |s| {
        Box::pin(other_patients_are_not_merged(s))
    }),
    ("a_whole_visit_is_stored_as_its_documents", |s| {
        Box::pin(a_whole_visit_is_stored_as_its_documents(s))
    }),
    ("who_reads_a_visit", |s| Box::pin(who_reads_a_visit(s))),
    ("qa_reviews_a_visit", |s| Box::pin(qa_reviews_a_visit(s))),
    ("qa_lists_visits", |s| Box::pin(qa_lists_visits(s))),
    ("stored_documents_are_assembled_at_start", |s| {
        Box::pin(stored_documents_are_assembled_at_start(s))
    }),
    ("a_document_moved_to_another_visit_leaves_it", |s| {
        Box::pin(a_document_moved_to_another_visit_leaves_it(s))
    }),
    ("concurrent_pushes_assemble_every_document", |s| {
        Box::pin(concurrent_pushes_assemble_every_document(s))
    }),
];

async fn on_sqlite(name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("opdcheck.db"))
        .await
        .unwrap();
    let (_, run) = SCENARIOS.iter().find(|(n, _)| *n == name).unwrap();
    run(&Server::start(store).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_synced_documents_make_a_visit() {
    on_sqlite("synced_documents_make_a_visit").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_other_patients_are_not_merged() {
    on_sqlite("other_patients_are_not_merged").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_whole_visit_is_stored_as_its_documents() {
    on_sqlite("a_whole_visit_is_stored_as_its_documents").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_who_reads_a_visit() {
    on_sqlite("who_reads_a_visit").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_stored_documents_are_assembled_at_start() {
    on_sqlite("stored_documents_are_assembled_at_start").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_qa_reviews_a_visit() {
    on_sqlite("qa_reviews_a_visit").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_qa_lists_visits() {
    on_sqlite("qa_lists_visits").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_document_moved_to_another_visit_leaves_it() {
    on_sqlite("a_document_moved_to_another_visit_leaves_it").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_concurrent_pushes_assemble_every_document() {
    on_sqlite("concurrent_pushes_assemble_every_document").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_visit_scenarios() {
    let Some(cluster) = common::pg_cluster("postgres_visit_scenarios") else {
        return;
    };
    for (name, run) in SCENARIOS {
        let store = Store::connect(&cluster.create_database(name).await)
            .await
            .unwrap();
        eprintln!("postgres: {name}");
        run(&Server::start(store).await).await;
    }
    drop(cluster);
}
