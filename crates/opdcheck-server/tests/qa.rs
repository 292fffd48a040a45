//! The QA workspace over real HTTP: samples (reproducible, stratified), reviews (validation,
//! history), the score sheet (exact rates and penalties, CSV rows, trend, rule dismissal rates)
//! and roles on every QA endpoint. Each scenario runs against a temporary SQLite file and, in
//! `postgres_qa_scenarios`, against a throw-away PostgreSQL cluster (`OPDCHECK_SKIP_POSTGRES=1`
//! skips it, as in tests/api.rs).
//!
//! `sheet_over_a_million_records_sqlite` (ignored) is the benchmark of docs/benchmarks.md §7 (the
//! score sheet) and §7a (the alert-quality figures).

mod common;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use opdcheck_server::{AppState, Store, app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const RX: &str = opdcheck_engine::samples::PRESCRIPTION_CLEAN;
const MR: &str = opdcheck_engine::samples::OUTPATIENT_RECORD_CLEAN;
const IR: &str = opdcheck_engine::samples::INFECTIOUS_REPORT_CLEAN;

fn rx(id: &str, department: &str, doctor: &str, day: &str) -> Value {
    let mut v: Value = serde_json::from_str(RX).unwrap();
    v["id"] = json!(id);
    v["department"] = json!(department);
    v["prescriber"]["id"] = json!(doctor);
    v["issued_at"] = json!(format!("{day}T09:30"));
    v["prescriber"]["signed_at"] = json!(format!("{day}T09:40"));
    v["patient"]["record_no"] = json!(format!("MZ-{id}"));
    v
}

/// Error-level defect: the prescriber did not sign.
fn unsigned(mut v: Value) -> Value {
    v["prescriber"]["signed_at"] = Value::Null;
    v["prescriber"]["signature_id"] = Value::Null;
    v
}

/// No antibiotic: only the ambroxol item.
fn no_abx(mut v: Value) -> Value {
    let item = v["items"][1].clone();
    v["items"] = json!([item]);
    v
}

fn mr(id: &str, day: &str) -> Value {
    let mut v: Value = serde_json::from_str(MR).unwrap();
    v["id"] = json!(id);
    v["visit_at"] = json!(format!("{day}T09:10"));
    v["physician"]["signed_at"] = json!(format!("{day}T09:40"));
    v["patient"]["record_no"] = json!(format!("MZ-{id}"));
    v
}

fn ir(id: &str) -> Value {
    let mut v: Value = serde_json::from_str(IR).unwrap();
    v["id"] = json!(id);
    v
}

struct Server {
    api: common::Api,
    qa: String,
    _task: tokio::task::JoinHandle<()>,
}

/// `token` and `call` are the shared client's (`common::Api`).
impl std::ops::Deref for Server {
    type Target = common::Api;
    fn deref(&self) -> &common::Api {
        &self.api
    }
}

impl Server {
    async fn start(store: Store) -> Server {
        assert!(
            opdcheck_server::auth::seed_demo_users(&store)
                .await
                .unwrap()
        );
        let (base, task) = common::serve(app(AppState::api_only(store).with_auth())).await;
        let mut s = Server {
            api: common::Api::new(base),
            qa: String::new(),
            _task: task,
        };
        s.qa = format!("Bearer {}", s.token("qa").await);
        s
    }

    /// As the demo QA user.
    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(("authorization", &self.qa)), None)
            .await
    }

    async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.call(
            Method::POST,
            path,
            Some(("authorization", &self.qa)),
            Some(body),
        )
        .await
    }

    async fn put(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.call(
            Method::PUT,
            path,
            Some(("authorization", &self.qa)),
            Some(body),
        )
        .await
    }

    /// Push as the demo portal's integrator key (QA may not push).
    async fn push(&self, docs: Vec<Value>) {
        let records: Vec<Value> = docs
            .into_iter()
            .map(|d| json!({"id": d["id"], "version": 1, "document": d}))
            .collect();
        for chunk in records.chunks(200) {
            let (status, v) = self
                .call(
                    Method::POST,
                    "/api/v1/records",
                    Some(("x-api-key", opdcheck_server::auth::DEMO_PORTAL_KEY)),
                    Some(&json!({ "records": chunk })),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{v}");
        }
    }
}

fn assert_error(got: &(StatusCode, Value), want: StatusCode, path: &str) {
    assert_eq!(got.0, want, "{}", got.1);
    assert_eq!(got.1["error"]["path"], path, "{}", got.1);
    assert!(got.1["error"]["message"].is_string(), "{}", got.1);
}

fn ids(sample: &Value) -> Vec<String> {
    sample["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

// ------------------------------------------------------------------------------- scenarios

/// 60 prescriptions in October over four (department, doctor) strata of 30, 15, 10 and 5; 8
/// outpatient records in October; 5 prescriptions in September (outside the period).
async fn october(s: &Server) {
    let mut docs = Vec::new();
    let strata = [
        ("内科", "D1", 30),
        ("内科", "D2", 15),
        ("外科", "D3", 10),
        ("儿科", "D4", 5),
    ];
    let mut n = 0;
    for (dept, doc, count) in strata {
        for _ in 0..count {
            n += 1;
            let day = format!("2026-10-{:02}", 1 + n % 28);
            docs.push(rx(&format!("rx-{n:03}"), dept, doc, &day));
        }
    }
    for i in 0..8 {
        docs.push(mr(&format!("mr-{i}"), "2026-10-15"));
    }
    for i in 0..5 {
        docs.push(rx(&format!("rx-sep-{i}"), "内科", "D1", "2026-09-20"));
    }
    s.push(docs).await;
}

async fn sampling(s: &Server) {
    october(s).await;
    let body = json!({"name": "十月处方点评", "from": "2026-10-01", "to": "2026-10-31",
                      "kinds": ["prescription", "outpatient_record"],
                      "size": {"prescription": 20, "outpatient_record": 4}, "seed": 42});
    let (status, v) = s.post("/api/v1/samples", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let a = v["sample"].clone();
    assert_eq!(a["seed"], 42);
    assert_eq!(
        a["size"],
        json!({"prescription": 20, "outpatient_record": 4})
    );
    assert_eq!(a["created_by"], "qa");
    let a_ids = ids(&a);
    assert_eq!(a_ids.len(), 24, "{a}");
    assert!(
        a_ids.iter().all(|id| !id.starts_with("rx-sep")),
        "September is outside"
    );
    // Stratified: 1 each, then 16 shared as 29:14:9:4 by largest remainder → 9, 5, 4, 2.
    let mut per_doctor: BTreeMap<String, usize> = BTreeMap::new();
    for r in a["records"].as_array().unwrap() {
        if r["kind"] == "prescription" {
            *per_doctor
                .entry(r["doctor"].as_str().unwrap().into())
                .or_default() += 1;
            assert_eq!(r["reviewed"], false);
            assert_eq!(r["version"], 1);
        }
    }
    let want: BTreeMap<String, usize> = [("D1", 9), ("D2", 5), ("D3", 4), ("D4", 2)]
        .map(|(d, n)| (d.into(), n))
        .into();
    assert_eq!(per_doctor, want);

    // Reproducible: the same parameters and seed give the same records in the same order.
    let (_, v) = s.post("/api/v1/samples", &body).await;
    assert_eq!(ids(&v["sample"]), a_ids);
    assert_ne!(v["sample"]["id"], a["id"], "a new sample all the same");
    // Another seed, another sample (same strata sizes).
    let mut other = body.clone();
    other["seed"] = json!(43);
    let (_, v) = s.post("/api/v1/samples", &other).await;
    assert_ne!(ids(&v["sample"]), a_ids);
    assert_eq!(ids(&v["sample"]).len(), 24);

    // Default sizes: max(100 × 1 month, ceil(1‰ × 60)) = 100, capped at the 60 there are.
    let (status, v) = s
        .post(
            "/api/v1/samples",
            &json!({"from": "2026-10-01", "to": "2026-10-31", "departments": ["内科"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["sample"]["size"]["prescription"], 45, "{v}");
    assert_eq!(v["sample"]["size"]["exam_request"], 0);
    assert!(
        v["sample"]["seed"].as_i64().unwrap() >= 0,
        "a random seed is stored"
    );

    // Reopen; list.
    let id = a["id"].as_str().unwrap();
    let (status, again) = s.get(&format!("/api/v1/samples/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&again["sample"]), a_ids);
    let (_, list) = s.get("/api/v1/samples").await;
    assert_eq!(list["samples"].as_array().unwrap().len(), 4);
    let listed = list["samples"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == id)
        .unwrap();
    assert_eq!(listed["records"], 24);
    assert_eq!(listed["name"], "十月处方点评");

    // Add a record by hand: its latest version.
    let mut v2 = rx("rx-sep-0", "内科", "D1", "2026-09-20");
    v2["department"] = json!("内科");
    v2["notes"] = json!("v2");
    let (status, _) = s
        .call(
            Method::POST,
            "/api/v1/records",
            Some(("x-api-key", opdcheck_server::auth::DEMO_PORTAL_KEY)),
            Some(&json!({"records": [{"id": "rx-sep-0", "version": 2, "document": v2}]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, v) = s
        .post(
            &format!("/api/v1/samples/{id}/records"),
            &json!({"ids": ["rx-sep-0", a_ids[0]]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let recs = v["sample"]["records"].as_array().unwrap();
    assert_eq!(recs.len(), 25, "the one already in it is not added twice");
    let added = recs.last().unwrap();
    assert_eq!(
        (added["id"].as_str(), added["version"].as_i64()),
        (Some("rx-sep-0"), Some(2))
    );
    assert_eq!(added["origin"], "added");
    let got = s
        .post(
            &format!("/api/v1/samples/{id}/records"),
            &json!({"ids": ["nope"]}),
        )
        .await;
    assert_error(&got, StatusCode::NOT_FOUND, "ids[0]");
    let (status, _) = s.get("/api/v1/samples/s-unknown").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Bad input: located 400s.
    for (body, path) in [
        (json!({"to": "2026-10-31"}), "from"),
        (json!({"from": "2026-10-01", "to": "2026-13-01"}), "to"),
        (json!({"from": "2026-10-31", "to": "2026-10-01"}), "to"),
        (
            json!({"from": "2026-10-01", "to": "2026-10-31", "kinds": ["prescription", "x"]}),
            "kinds[1]",
        ),
        (
            json!({"from": "2026-10-01", "to": "2026-10-31", "seed": -1}),
            "seed",
        ),
        (
            json!({"from": "2026-10-01", "to": "2026-10-31", "seed": "1"}),
            "seed",
        ),
        (
            json!({"from": "2026-10-01", "to": "2026-10-31", "kinds": ["prescription"], "size": {"visit": 2}}),
            "size.visit",
        ),
        (
            json!({"from": "2026-10-01", "to": "2026-10-31", "size": {"prescription": -2}}),
            "size.prescription",
        ),
        (
            json!({"from": "2026-10-01", "to": "2026-10-31", "departments": [1]}),
            "departments[0]",
        ),
    ] {
        let got = s.post("/api/v1/samples", &body).await;
        assert_error(&got, StatusCode::BAD_REQUEST, path);
    }
}

fn finding_keys(report: &Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().into(),
                f["path"].as_str().unwrap().into(),
            )
        })
        .collect()
}

async fn reviews(s: &Server) {
    s.push(vec![unsigned(rx("rx-u", "内科", "D1", "2026-11-02"))])
        .await;
    let (status, v) = s.get("/api/v1/records/rx-u/review").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["review"], Value::Null);
    assert_eq!(v["history"], json!([]));
    assert_eq!(v["record"]["version"], 1);
    assert_eq!(v["record"]["body"]["id"], "rx-u");
    let auto = v["record"]["deduction"].as_f64().unwrap();
    assert!(auto > 0.0);
    let manual: Vec<&str> = v["manual_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["item"].as_str().unwrap())
        .collect();
    for item in [
        "OPD-1", "OPD-2", "OPD-3", "OPD-6", "OPD-18", "CLN-2", "CLN-18",
    ] {
        assert!(manual.contains(&item), "{item}: {manual:?}");
    }
    // The engine's checklist (`checklist::manual_items`): the parts of checked items no
    // document shows, with the seed's wording and their maxima.
    let line = |code: &str| {
        v["manual_items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["item"] == code)
            .unwrap_or_else(|| panic!("{code} is not a manual item: {manual:?}"))
            .clone()
    };
    for (code, deduction, max, standard) in [
        (
            "CLN-5",
            2.0,
            2.0,
            "未及时医患沟通及记录，每次扣2分，记录简单有安全隐患扣1分",
        ),
        (
            "CLN-8",
            1.0,
            1.0,
            "查阅当月病历，凡发现应检查未检查或者无指征的检查项目，每项扣1分",
        ),
        (
            "OPD-5",
            1.0,
            5.0,
            "报告不及时每例次扣2分，报告内容有缺陷扣1分，漏报扣5分",
        ),
        ("CLN-18", 1.0, 5.0, "根据情况酌情扣1-5分"),
    ] {
        let m = line(code);
        assert_eq!(m["deduction"], deduction, "{m}");
        assert_eq!(m["max"], max, "{m}");
        assert_eq!(m["standard"], standard, "{m}");
        assert!(m["zh"].is_string() && m["en"].is_string(), "{m}");
    }
    assert_eq!(line("CLN-5")["zh"], "医患沟通");
    assert_eq!(line("OPD-5")["zh"], "疫情报告准确、及时并有登记");
    let opd2 = v["manual_items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["item"] == "OPD-2")
        .unwrap();
    assert_eq!(opd2["standard"], "现场抽查，未督促患者出示门诊病历扣2分");
    assert_eq!(opd2["deduction"], 2.0);
    let keys = finding_keys(&v["record"]["report"]);
    assert!(!keys.is_empty());
    let (rule, path) = keys[0].clone();
    let url = "/api/v1/records/rx-u/review";

    // Validation, each located.
    let base = |findings: Value, manual: Value| json!({"version": 1, "findings": findings, "manual": manual});
    let cases = [
        (
            base(
                json!([{"rule": rule, "path": path, "decision": "dismissed"}]),
                json!([]),
            ),
            StatusCode::BAD_REQUEST,
            "findings[0].reason",
        ),
        (
            base(
                json!([{"rule": rule, "path": path, "decision": "dismissed", "reason": "  "}]),
                json!([]),
            ),
            StatusCode::BAD_REQUEST,
            "findings[0].reason",
        ),
        (
            base(
                json!([{"rule": "RX-99", "path": path, "decision": "confirmed"}]),
                json!([]),
            ),
            StatusCode::BAD_REQUEST,
            "findings[0]",
        ),
        (
            base(
                json!([{"rule": rule, "path": "nowhere", "decision": "confirmed"}]),
                json!([]),
            ),
            StatusCode::BAD_REQUEST,
            "findings[0]",
        ),
        (
            base(
                json!([{"rule": rule, "path": path, "decision": "maybe"}]),
                json!([]),
            ),
            StatusCode::BAD_REQUEST,
            "findings[0].decision",
        ),
        (
            base(json!([]), json!([{"item": "OPD-11", "deduction": 1}])),
            StatusCode::BAD_REQUEST,
            "manual[0].item",
        ),
        (
            base(json!([]), json!([{"item": "OPD-2", "deduction": 3}])),
            StatusCode::BAD_REQUEST,
            "manual[0].deduction",
        ),
        (
            base(json!([]), json!([{"item": "OPD-2", "deduction": -1}])),
            StatusCode::BAD_REQUEST,
            "manual[0].deduction",
        ),
        (
            base(
                json!([]),
                json!([{"item": "OPD-2", "deduction": 1}, {"item": "OPD-2", "deduction": 1}]),
            ),
            StatusCode::BAD_REQUEST,
            "manual[1].item",
        ),
        (json!({"findings": []}), StatusCode::BAD_REQUEST, "version"),
        (json!({"version": 7}), StatusCode::NOT_FOUND, "version"),
    ];
    for (body, status, path) in cases {
        let got = s.put(url, &body).await;
        assert_error(&got, status, path);
    }
    let (status, _) = s
        .put("/api/v1/records/nope/review", &json!({"version": 1}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = s.get("/api/v1/records/nope/review").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let got = s.get("/api/v1/records/rx-u/review?version=x").await;
    assert_error(&got, StatusCode::BAD_REQUEST, "version");

    // Revision 1: every finding dismissed → nothing left to deduct, qualified.
    let all: Vec<Value> = keys
        .iter()
        .map(|(r, p)| json!({"rule": r, "path": p, "decision": "dismissed", "reason": "签名在纸质处方上"}))
        .collect();
    let (status, v) = s
        .put(url, &json!({"version": 1, "findings": all, "note": "复核"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let r1 = v["review"].clone();
    assert_eq!(r1["revision"], 1);
    assert_eq!(r1["reviewer"], "qa");
    assert_eq!(r1["deduction"], 0.0);
    assert_eq!(r1["qualified"], true);
    assert_eq!(r1["findings"][0]["reason"], "签名在纸质处方上");

    // Revision 2: the first finding confirmed, the rest dismissed, a manual deduction.
    let mut mixed = all.clone();
    mixed[0] = json!({"rule": rule, "path": path, "decision": "confirmed"});
    let (status, v) = s
        .put(url, &json!({"version": 1, "findings": mixed, "manual": [{"item": "CLN-18", "deduction": 4, "note": "三次未确诊"}]}))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let r2 = v["review"].clone();
    assert_eq!(r2["revision"], 2);
    assert_eq!(r2["qualified"], false);
    let d2 = r2["deduction"].as_f64().unwrap();
    assert!(d2 >= 4.0 + 1.0 && d2 <= auto + 4.0, "{r2}");

    // The history keeps revision 1.
    let (_, v) = s.get(url).await;
    assert_eq!(v["review"]["revision"], 2);
    assert_eq!(v["history"].as_array().unwrap().len(), 1);
    assert_eq!(v["history"][0]["revision"], 1);
    assert_eq!(v["history"][0]["deduction"], 0.0);

    // A sample shows the record reviewed, with QA's deduction.
    let (_, v) = s
        .post(
            "/api/v1/samples",
            &json!({"from": "2026-11-01", "to": "2026-11-30", "seed": 1}),
        )
        .await;
    let rec = &v["sample"]["records"][0];
    assert_eq!(rec["id"], "rx-u");
    assert_eq!(rec["reviewed"], true);
    assert_eq!(rec["review_deduction"], d2);
    assert_eq!(rec["deduction"], auto);
}

/// Two systemic antibiotics without a reason for the combination (RX-21) and prednisone
/// without an indication (RX-22): warnings of CLN-7, which deduct nothing in the document's
/// own score.
fn abx_and_steroid(mut v: Value) -> Value {
    v["items"][1] = json!({"drug": "注射用头孢曲松钠", "strength": "1g",
        "dose": {"value": 1, "unit": "g"}, "route": "静脉滴注", "frequency": "qd", "days": 3,
        "quantity": {"value": 3, "unit": "支"}});
    v["items"]
        .as_array_mut()
        .unwrap()
        .push(json!({"drug": "泼尼松片",
        "strength": "5mg×100片", "dose": {"value": 10, "unit": "mg"}, "route": "口服",
        "frequency": "qd", "days": 5, "quantity": {"value": 1, "unit": "瓶"}}));
    v
}

/// A review that confirms an RX-21 or RX-22 warning charges CLN-7's deduction (once per
/// document, `items.CLN-7.confirmed_warnings`); dismissing them, or leaving them undecided,
/// charges nothing. The stored figure is the engine's `score::review_score_decided`, the
/// function the QA page's live total calls. Manual CLN-5 / OPD-5 deductions are accepted up to
/// their maxima.
async fn confirmed_warnings(s: &Server) {
    s.push(vec![abx_and_steroid(rx(
        "rx-w",
        "内科",
        "D1",
        "2026-11-02",
    ))])
    .await;
    let url = "/api/v1/records/rx-w/review";
    let (status, v) = s.get(url).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let auto = v["record"]["deduction"].as_f64().unwrap();
    let findings = v["record"]["report"]["findings"]
        .as_array()
        .unwrap()
        .clone();
    let key = |rule: &str| {
        let f = findings
            .iter()
            .find(|f| f["rule"] == rule)
            .unwrap_or_else(|| panic!("{rule} did not fire: {findings:?}"));
        assert_eq!(f["severity"], "warning", "{f}");
        assert_eq!(f["item"], "CLN-7", "{f}");
        json!({"rule": rule, "path": f["path"]})
    };
    let (rx21, rx22) = (key("RX-21"), key("RX-22"));
    let decide = |f: &Value, decision: &str| {
        let mut f = f.clone();
        f["decision"] = json!(decision);
        if decision == "dismissed" {
            f["reason"] = json!("联用及激素均有指征，见病历");
        }
        f
    };
    let engine = opdcheck_engine::Engine::default_engine();
    let cln7 = engine.policy.items["CLN-7"].deduction;
    assert!(cln7 > 0.0);
    let report: opdcheck_engine::Report =
        serde_json::from_value(v["record"]["report"].clone()).unwrap();
    let qualified_before = v["record"]["qualified"].as_bool().unwrap();
    let put = async |findings: Vec<Value>, manual: Value| {
        let (status, v) = s
            .put(
                url,
                &json!({"version": 1, "findings": findings, "manual": manual}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        let r = &v["review"];
        (
            r["deduction"].as_f64().unwrap(),
            r["qualified"].as_bool().unwrap(),
        )
    };

    // Undecided: a question, no charge.
    assert_eq!(put(vec![], json!([])).await, (auto, qualified_before));
    // RX-21 confirmed: CLN-7's deduction, not qualified.
    let got = put(
        vec![decide(&rx21, "confirmed"), decide(&rx22, "dismissed")],
        json!([]),
    )
    .await;
    assert_eq!(got, (auto + cln7, false));
    // The stored figure is the engine's function over the review's confirmed set.
    let set = |fs: &[&Value]| {
        fs.iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_owned(),
                    f["path"].as_str().unwrap().to_owned(),
                )
            })
            .collect::<std::collections::BTreeSet<_>>()
    };
    assert_eq!(
        got,
        opdcheck_engine::score::review_score_decided(
            &engine.policy,
            auto,
            &report,
            &set(&[&rx22]),
            &set(&[&rx21]),
            0.0
        )
    );
    // RX-22 confirmed alone charges the same; both confirmed charge CLN-7 once.
    assert_eq!(
        put(
            vec![decide(&rx21, "dismissed"), decide(&rx22, "confirmed")],
            json!([])
        )
        .await,
        (auto + cln7, false)
    );
    assert_eq!(
        put(
            vec![decide(&rx21, "confirmed"), decide(&rx22, "confirmed")],
            json!([])
        )
        .await,
        (auto + cln7, false)
    );
    // Both dismissed: nothing charged.
    assert_eq!(
        put(
            vec![decide(&rx21, "dismissed"), decide(&rx22, "dismissed")],
            json!([])
        )
        .await,
        (auto, qualified_before)
    );
    // The new checklist lines take their maxima: CLN-5 up to 2, OPD-5 up to 5.
    assert_eq!(
        put(
            vec![decide(&rx21, "confirmed")],
            json!([{"item": "CLN-5", "deduction": 2, "note": "未记录医患沟通"},
                   {"item": "OPD-5", "deduction": 5, "note": "漏报"}])
        )
        .await,
        (auto + cln7 + 7.0, false)
    );
    let body = json!({"version": 1, "manual": [{"item": "CLN-5", "deduction": 3}]});
    assert_error(
        &s.put(url, &body).await,
        StatusCode::BAD_REQUEST,
        "manual[0].deduction",
    );
    let body = json!({"version": 1, "manual": [{"item": "CLN-8", "deduction": 1.5}]});
    assert_error(
        &s.put(url, &body).await,
        StatusCode::BAD_REQUEST,
        "manual[0].deduction",
    );
}

/// November: 10 prescriptions (6 clean with amoxicillin, 2 clean without an antibiotic, 2
/// unsigned with amoxicillin in 儿科), 4 outpatient records (1 without chief complaint), 1
/// report card.
async fn november(s: &Server) {
    let mut docs = Vec::new();
    for i in 0..6 {
        docs.push(rx(&format!("rx-{i}"), "内科", "D1", "2026-11-03"));
    }
    for i in 6..8 {
        docs.push(no_abx(rx(&format!("rx-{i}"), "内科", "D2", "2026-11-04")));
    }
    for i in 8..10 {
        docs.push(unsigned(rx(&format!("rx-{i}"), "儿科", "D3", "2026-11-05")));
    }
    for i in 0..3 {
        docs.push(mr(&format!("mr-{i}"), "2026-11-06"));
    }
    let mut bad = mr("mr-3", "2026-11-06");
    bad["chief_complaint"] = Value::Null;
    docs.push(bad);
    docs.push(ir("ir-1"));
    // Outside the period.
    docs.push(unsigned(rx("rx-dec", "内科", "D1", "2026-12-01")));
    s.push(docs).await;
}

async fn score_sheet(s: &Server) {
    november(s).await;
    let (status, v) = s.get("/api/v1/sheet?from=2026-11-01&to=2026-11-30").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(
        v["period"],
        json!({"from": "2026-11-01", "to": "2026-11-30"})
    );
    assert_eq!(v["totals"]["records"], 15, "{v}");
    assert_eq!(v["totals"]["qualified"], 12, "{v}");
    assert_eq!(v["totals"]["pass_rate"], 80.0);
    let rates = &v["rates"];
    // 8 of 10 = 80%: 15 points below 95 → 15 × 20 元.
    assert_eq!(rates["prescription_pass_rate"]["value"], 80.0, "{rates}");
    assert_eq!(rates["prescription_pass_rate"]["target"], 95.0);
    assert_eq!(rates["prescription_pass_rate"]["met"], false);
    assert_eq!(rates["prescription_pass_rate"]["penalty_yuan"], 300.0);
    // 3 of 4 = 75%: 15 points below 90.
    assert_eq!(rates["record_pass_rate"]["value"], 75.0, "{rates}");
    assert_eq!(rates["record_pass_rate"]["penalty_yuan"], 300.0);
    assert_eq!(rates["missed_reports"]["cases"], 0);
    assert_eq!(rates["missed_reports"]["rate"], 0.0);
    assert_eq!(rates["missed_reports"]["met"], true);
    // 8 of 10 prescriptions have an antibiotic.
    assert_eq!(rates["antibiotic_share"]["value"], 80.0);
    assert_eq!(rates["antibiotic_share"]["max"], 20.0);
    assert_eq!(rates["antibiotic_share"]["met"], false);
    assert_eq!(
        v["penalties"],
        json!({"per_point_yuan": 20.0, "per_missed_case_yuan": 100.0, "total_yuan": 600.0})
    );
    assert_eq!(v["totals"]["penalty_yuan"], 600.0);
    assert_eq!(v["reviewed"], 0);
    let groups: BTreeMap<String, Value> = v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["key"].as_str().unwrap().to_owned(), g.clone()))
        .collect();
    assert_eq!(groups["儿科"]["records"], 2);
    assert_eq!(groups["儿科"]["qualified"], 0);
    assert_eq!(groups["儿科"]["pass_rate"], 0.0);
    assert_eq!(groups["呼吸内科"]["records"], 4, "the records: {v}");
    assert_eq!(
        groups["(unspecified)"]["records"], 1,
        "a card names no department"
    );
    assert_eq!(groups["内科"]["records"], 8);
    let unsigned_deduction = groups["儿科"]["deduction"].as_f64().unwrap() / 2.0;
    assert!(unsigned_deduction > 0.0);

    // Filters and other groupings.
    let (_, k) = s
        .get("/api/v1/sheet?from=2026-11-01&to=2026-11-30&group=kind&kinds=prescription")
        .await;
    assert_eq!(k["groups"].as_array().unwrap().len(), 1);
    assert_eq!(k["groups"][0]["key"], "prescription");
    assert_eq!(k["totals"]["records"], 10);
    let (_, d) = s
        .get("/api/v1/sheet?from=2026-11-01&to=2026-11-30&group=doctor&departments=儿科,内科")
        .await;
    let keys: Vec<&str> = d["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["D1", "D2", "D3"]);
    let (_, doc) = s
        .get("/api/v1/sheet?from=2026-11-01&to=2026-11-30&group=document&doctors=D3")
        .await;
    assert_eq!(doc["groups"].as_array().unwrap().len(), 2);
    assert_eq!(doc["groups"][0]["key"], "rx-8");
    assert_eq!(doc["groups"][0]["kind"], "prescription");
    assert_eq!(doc["groups_total"], 2);
    for (q, path) in [
        ("group=x", "group"),
        ("from=2026-11", "from"),
        ("kinds=letter", "kinds"),
        ("from=2026-12-01&to=2026-11-01", "from"),
    ] {
        let got = s.get(&format!("/api/v1/sheet?{q}")).await;
        assert_error(&got, StatusCode::BAD_REQUEST, path);
    }

    // QA dismisses every finding of rx-8: it counts as qualified, with QA's deduction.
    let (_, r) = s.get("/api/v1/records/rx-8/review").await;
    let keys = finding_keys(&r["record"]["report"]);
    let decisions: Vec<Value> = keys
        .iter()
        .map(|(rule, path)| json!({"rule": rule, "path": path, "decision": "dismissed", "reason": "误报"}))
        .collect();
    let (status, v) = s
        .put(
            "/api/v1/records/rx-8/review",
            &json!({"version": 1, "findings": decisions}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (_, v) = s.get("/api/v1/sheet?from=2026-11-01&to=2026-11-30").await;
    assert_eq!(v["reviewed"], 1);
    // 9 of 10 = 90%: 5 points → 100 元; total 400.
    assert_eq!(v["rates"]["prescription_pass_rate"]["value"], 90.0);
    assert_eq!(v["rates"]["prescription_pass_rate"]["penalty_yuan"], 100.0);
    assert_eq!(v["penalties"]["total_yuan"], 400.0);
    let peds = v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == "儿科")
        .unwrap();
    assert_eq!(
        (peds["qualified"].as_i64(), peds["reviewed"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(peds["deduction"].as_f64().unwrap(), unsigned_deduction);

    // CSV: BOM, header, one row per group, the total.
    let res = s
        .api
        .http
        .get(format!(
            "{}/api/v1/sheet.csv?from=2026-11-01&to=2026-11-30",
            s.api.base
        ))
        .header("authorization", &s.qa)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("sheet-2026-11-01-2026-11-30.csv")
    );
    let text = res.text().await.unwrap();
    assert!(text.starts_with('\u{feff}'));
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    let d = |x: f64| {
        let s = format!("{x:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    };
    let total_deduction = v["totals"]["deduction"].as_f64().unwrap();
    let inner = v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == "内科")
        .unwrap()["deduction"]
        .as_f64()
        .unwrap();
    let resp = v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == "呼吸内科")
        .unwrap()["deduction"]
        .as_f64()
        .unwrap();
    assert_eq!(
        lines,
        [
            "group,key,kind,records,qualified,pass_rate,deduction,reviewed".to_owned(),
            "department,(unspecified),,1,1,100,0,0".to_owned(),
            format!("department,儿科,,2,1,50,{},1", d(unsigned_deduction)),
            format!("department,内科,,8,8,100,{},0", d(inner)),
            format!("department,呼吸内科,,4,3,75,{},0", d(resp)),
            format!("total,total,,15,13,86.67,{},1", d(total_deduction)),
        ]
    );

    // The rules that fire most, and how often QA dismissed them.
    let (_, v) = s
        .get("/api/v1/sheet/rules?from=2026-11-01&to=2026-11-30")
        .await;
    let rules = v["rules"].as_array().unwrap();
    let hits: Vec<i64> = rules.iter().map(|r| r["hits"].as_i64().unwrap()).collect();
    assert!(hits.windows(2).all(|w| w[0] >= w[1]), "sorted by hits: {v}");
    let (rule, _) = &keys[0];
    let row = rules.iter().find(|r| r["rule"] == rule.as_str()).unwrap();
    assert_eq!(row["records"], 2, "{row}");
    assert!(row["item"].is_string());
    let per_record = row["hits"].as_i64().unwrap() / 2;
    assert_eq!(row["reviewed_hits"], per_record, "{row}");
    assert_eq!(row["dismissed"], per_record, "{row}");
    assert_eq!(row["dismissal_rate"], 1.0);

    // The trend: every month of the period, empty ones too.
    let (_, v) = s
        .get("/api/v1/sheet/trend?from=2026-09-01&to=2026-12-31")
        .await;
    let months = v["months"].as_array().unwrap();
    let names: Vec<&str> = months
        .iter()
        .map(|m| m["month"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["2026-09", "2026-10", "2026-11", "2026-12"]);
    assert_eq!(months[0]["records"], 0);
    assert_eq!(months[0]["prescription_pass_rate"], Value::Null);
    assert_eq!(months[2]["records"], 15);
    assert_eq!(months[2]["prescription_pass_rate"], 90.0);
    assert_eq!(months[2]["record_pass_rate"], 75.0);
    assert_eq!(months[2]["antibiotic_share"], 80.0);
    assert_eq!(months[2]["missed_reports"], 0);
    assert_eq!(months[3]["records"], 1);
    assert_eq!(months[3]["prescription_pass_rate"], 0.0);
}

async fn roles(s: &Server) {
    s.push(vec![rx("rx-1", "内科", "D1", "2026-11-03")]).await;
    let (_, v) = s
        .post(
            "/api/v1/samples",
            &json!({"from": "2026-11-01", "to": "2026-11-30", "seed": 5}),
        )
        .await;
    let sample = v["sample"]["id"].as_str().unwrap().to_owned();
    let doctor = format!("Bearer {}", s.token("doctor").await);
    let admin = format!("Bearer {}", s.token("admin").await);
    let window = json!({"from": "2026-11-01", "to": "2026-11-30"});
    let review = json!({"version": 1});
    let add = json!({"ids": ["rx-1"]});
    let endpoints: Vec<(Method, String, Option<&Value>)> = vec![
        (Method::POST, "/api/v1/samples".into(), Some(&window)),
        (Method::GET, "/api/v1/samples".into(), None),
        (Method::GET, format!("/api/v1/samples/{sample}"), None),
        (
            Method::POST,
            format!("/api/v1/samples/{sample}/records"),
            Some(&add),
        ),
        (Method::GET, "/api/v1/records/rx-1/review".into(), None),
        (
            Method::PUT,
            "/api/v1/records/rx-1/review".into(),
            Some(&review),
        ),
        (Method::GET, "/api/v1/sheet".into(), None),
        (Method::GET, "/api/v1/sheet.csv".into(), None),
        (Method::GET, "/api/v1/sheet/trend".into(), None),
        (Method::GET, "/api/v1/sheet/rules".into(), None),
    ];
    for (method, path, body) in &endpoints {
        let who: [(Option<(&str, &str)>, StatusCode); 5] = [
            (None, StatusCode::UNAUTHORIZED),
            (
                Some(("authorization", doctor.as_str())),
                StatusCode::FORBIDDEN,
            ),
            (
                Some(("x-api-key", opdcheck_server::auth::DEMO_PORTAL_KEY)),
                StatusCode::FORBIDDEN,
            ),
            (Some(("authorization", s.qa.as_str())), StatusCode::OK),
            (Some(("authorization", admin.as_str())), StatusCode::OK),
        ];
        for (auth, want) in who {
            let (status, v) = s.call(method.clone(), path, auth, *body).await;
            let ok = if want == StatusCode::OK {
                status.is_success()
            } else {
                status == want
            };
            assert!(
                ok,
                "{method} {path} as {:?}: {status} {v}",
                auth.map(|a| &a.1[..a.1.len().min(12)])
            );
            if !status.is_success() {
                assert!(v["error"]["code"].is_string(), "{v}");
            }
        }
    }
}

type Scenario = for<'a> fn(&'a Server) -> Pin<Box<dyn Future<Output = ()> + 'a>>;

const SCENARIOS: &[(&str, Scenario)] = &[
    ("qa_sampling", |s| Box::pin(sampling(s))),
    ("qa_reviews", |s| Box::pin(reviews(s))),
    ("qa_score_sheet", |s| Box::pin(score_sheet(s))),
    ("qa_roles", |s| Box::pin(roles(s))),
    ("qa_confirmed_warnings", |s| Box::pin(confirmed_warnings(s))),
];

async fn on_sqlite(name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("qa.db")).await.unwrap();
    let (_, run) = SCENARIOS.iter().find(|(n, _)| *n == name).unwrap();
    let server = Server::start(store).await;
    run(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_sampling() {
    on_sqlite("qa_sampling").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_reviews() {
    on_sqlite("qa_reviews").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_score_sheet() {
    on_sqlite("qa_score_sheet").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_roles() {
    on_sqlite("qa_roles").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_confirmed_warnings() {
    on_sqlite("qa_confirmed_warnings").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_qa_scenarios() {
    let Some(cluster) = common::pg_cluster("postgres_qa_scenarios") else {
        return;
    };
    for (name, run) in SCENARIOS {
        let store = Store::connect(&cluster.create_database(name).await)
            .await
            .unwrap();
        let server = Server::start(store).await;
        eprintln!("postgres: {name}");
        run(&server).await;
    }
    drop(cluster);
}

// ------------------------------------------------------------------------------- benchmark

/// docs/benchmarks.md §7: the month's score sheet over 1,000,000 stored records on SQLite.
/// The records are written straight into the database (bulk insert, not HTTP): 200 generated
/// documents checked by the engine are the templates, spread over 10 months (100,000 a month),
/// 20 departments and 100 doctors, with realistic bodies and reports. Then the sheet is asked
/// over HTTP, in-process, as QA would. A measurement, not a pass/fail timing:
/// `cargo test --release -p opdcheck-server --test qa sheet_over_a_million -- --ignored --nocapture`
/// (`OPDCHECK_BENCH_RECORDS` changes the count, `OPDCHECK_BENCH_DEFECTS=1` makes every template
/// defective).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn sheet_over_a_million_records_sqlite() {
    use opdcheck_engine::{Document, Engine};
    use rand::{Rng, SeedableRng};
    use std::time::Instant;

    let total: usize = std::env::var("OPDCHECK_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("bench.db"))
        .await
        .unwrap();
    let Store::Sqlite(pool) = &store else {
        unreachable!()
    };
    let engine = Engine::default_engine();

    struct Template {
        kind: String,
        body: String,
        report: String,
        qualified: bool,
        deduction: f64,
        abx: bool,
        missed: i64,
        rules: Vec<(String, i64)>,
        /// Its alert rows and drugs (docs/benchmarks.md §7a), as the push computes them.
        alerts: opdcheck_server::store::AlertData,
    }
    let first = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let end = chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
    // `OPDCHECK_BENCH_DEFECTS=1`: every template defective (denser alert rows, §7a).
    let demo = opdcheck_server::demo::generator(1, first, end).unwrap();
    let demo = match std::env::var("OPDCHECK_BENCH_DEFECTS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        Some(rate) => demo.with_defect_rate(rate),
        None => demo,
    };
    let templates: Vec<Template> = demo
        .take(200)
        .map(|v| {
            let doc = opdcheck_engine::parse_document(&v.to_string()).unwrap();
            let report = engine.check(&doc);
            let mut rules: BTreeMap<String, i64> = BTreeMap::new();
            for f in report.all_findings() {
                *rules.entry(f.rule.clone()).or_default() += 1;
            }
            Template {
                kind: doc.kind().as_str().to_owned(),
                body: opdcheck_server::ingest::canonical(&v),
                report: serde_json::to_string(&report).unwrap(),
                qualified: report.score.qualified,
                deduction: report.score.deduction,
                abx: matches!(&doc, Document::Prescription(p) if opdcheck_engine::sheet::has_antibiotic(engine, p)),
                missed: 0,
                rules: rules.into_iter().collect(),
                alerts: opdcheck_server::ingest::alert_data(engine, &doc, &report),
            }
        })
        .collect();
    // Which template, day, department and doctor each stored record is.
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);

    let started = Instant::now();
    const ROWS: usize = 50;
    let insert_sql = {
        let mut sql = String::from(
            "INSERT INTO records (id, version, kind, department, doctor, visit_id, patient_key, doc_at, body, \
             body_sha256, report, qualified, deduction, ruleset, created_at, abx, missed, latest, alerts) VALUES ",
        );
        for r in 0..ROWS {
            let b = r * 15;
            if r > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "(${}, 1, ${}, ${}, ${}, NULL, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, TRUE, TRUE)",
                b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8, b + 9, b + 10, b + 11, b + 12, b + 13, b + 14, b + 15
            ));
        }
        sql
    };
    let mut i = 0;
    while i < total {
        let mut tx = pool.begin().await.unwrap();
        let chunk_end = (i + 20_000).min(total);
        while i < chunk_end {
            let n = ROWS.min(chunk_end - i);
            let mut rows = Vec::with_capacity(n);
            for k in i..i + n {
                let t = &templates[rng.random_range(0..templates.len())];
                let month = 1 + (k % 10) as u32;
                let day = 1 + rng.random_range(0..28u32);
                let dept = rng.random_range(0..20u32);
                let doctor = dept * 5 + rng.random_range(0..5u32);
                rows.push((
                    format!("b-{k:07}"),
                    t,
                    format!("科室{dept:02}"),
                    format!("D{doctor:04}"),
                    format!("2026-{month:02}-{day:02}T{:02}:{:02}", 8 + k % 9, k % 60),
                ));
            }
            if n == ROWS {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(insert_sql.clone()));
                for (id, t, dept, doctor, at) in &rows {
                    q = q
                        .bind(id.clone())
                        .bind(t.kind.clone())
                        .bind(dept.clone())
                        .bind(doctor.clone())
                        .bind(format!("pk-{id}"))
                        .bind(at.clone())
                        .bind(t.body.clone())
                        .bind("0".repeat(64))
                        .bind(t.report.clone())
                        .bind(t.qualified)
                        .bind(t.deduction)
                        .bind(engine.ruleset())
                        .bind("2026-11-01T00:00:00.000000Z")
                        .bind(t.abx)
                        .bind(t.missed);
                }
                q.execute(&mut *tx).await.unwrap();
            } else {
                // The tail: one row at a time.
                for (id, t, dept, doctor, at) in &rows {
                    sqlx::query(
                        "INSERT INTO records (id, version, kind, department, doctor, patient_key, doc_at, body, \
                         body_sha256, report, qualified, deduction, ruleset, created_at, abx, missed, latest, alerts) \
                         VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, TRUE, TRUE)",
                    )
                    .bind(id).bind(&t.kind).bind(dept).bind(doctor).bind(format!("pk-{id}")).bind(at)
                    .bind(&t.body).bind("0".repeat(64)).bind(&t.report).bind(t.qualified).bind(t.deduction)
                    .bind(engine.ruleset()).bind("2026-11-01T00:00:00.000000Z").bind(t.abx).bind(t.missed)
                    .execute(&mut *tx).await.unwrap();
                }
            }
            // The alert rows and drugs, as the push writes them (multi-row, `?` placeholders).
            let alert_rows: Vec<(
                &String,
                usize,
                &opdcheck_server::store::NewAlert,
                &String,
                &String,
                &str,
            )> = rows
                .iter()
                .flat_map(|(id, t, dept, _, at)| {
                    t.alerts
                        .alerts
                        .iter()
                        .enumerate()
                        .map(move |(seq, a)| (id, seq, a, dept, at, t.kind.as_str()))
                })
                .collect();
            for chunk in alert_rows.chunks(1000) {
                let sql = format!(
                    "INSERT INTO record_alerts (record_id, version, seq, kind, doc_at, department, rule, path, \
                     drug, shadow, reason_given, reason_choice, tuning) VALUES {}",
                    vec!["(?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ")
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (id, seq, a, dept, at, kind) in chunk {
                    q = q
                        .bind(id.as_str())
                        .bind(*seq as i64)
                        .bind(*kind)
                        .bind(at.as_str())
                        .bind(dept.as_str())
                        .bind(&a.rule)
                        .bind(&a.path)
                        .bind(&a.drug)
                        .bind(a.shadow)
                        .bind(a.reason_given)
                        .bind(&a.reason_choice)
                        .bind(&a.tuning);
                }
                q.execute(&mut *tx).await.unwrap();
            }
            let drug_rows: Vec<(&String, &String, &String, &String)> = rows
                .iter()
                .flat_map(|(id, t, dept, _, at)| {
                    t.alerts.drugs.iter().map(move |d| (id, d, dept, at))
                })
                .collect();
            for chunk in drug_rows.chunks(1000) {
                let sql = format!(
                    "INSERT INTO record_drugs (record_id, version, drug, doc_at, department) VALUES {}",
                    vec!["(?, 1, ?, ?, ?)"; chunk.len()].join(", ")
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (id, d, dept, at) in chunk {
                    q = q
                        .bind(id.as_str())
                        .bind(d.as_str())
                        .bind(at.as_str())
                        .bind(dept.as_str());
                }
                q.execute(&mut *tx).await.unwrap();
            }
            for (id, t, ..) in &rows {
                for (rule, hits) in &t.rules {
                    sqlx::query(
                        "INSERT INTO record_rules (id, version, rule, hits) VALUES ($1, 1, $2, $3)",
                    )
                    .bind(id)
                    .bind(rule)
                    .bind(*hits)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                }
            }
            i += n;
        }
        tx.commit().await.unwrap();
    }
    let size = std::fs::metadata(dir.path().join("bench.db"))
        .map(|m| m.len())
        .unwrap_or(0);
    eprintln!(
        "bench: {total} records written in {:.1} s ({:.1} GB)",
        started.elapsed().as_secs_f64(),
        size as f64 / 1e9
    );
    let plan: Vec<String> = {
        use sqlx::Row;
        sqlx::query(
            "EXPLAIN QUERY PLAN SELECT kind, department, COUNT(*), SUM(deduction) FROM records \
             WHERE latest AND doc_at >= '2026-10-01' AND doc_at < '2026-10-31T~' GROUP BY kind, department",
        )
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String, _>("detail").unwrap_or_default())
        .collect()
    };
    eprintln!("bench: plan {plan:?}");
    let alert_plan: Vec<String> = {
        use sqlx::Row;
        sqlx::query(
            "EXPLAIN QUERY PLAN SELECT rule, kind, department, COUNT(*) FROM record_alerts \
             WHERE doc_at >= '2026-10-01' AND doc_at < '2026-10-31T~' GROUP BY rule, kind, department",
        )
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String, _>("detail").unwrap_or_default())
        .collect()
    };
    let alert_rows: i64 = {
        use sqlx::Row;
        sqlx::query("SELECT COUNT(*) AS n FROM record_alerts")
            .fetch_one(pool)
            .await
            .unwrap()
            .try_get("n")
            .unwrap()
    };
    eprintln!("bench: {alert_rows} alert rows; plan {alert_plan:?}");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app(AppState::api_only(store.clone()));
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let http = reqwest::Client::new();
    for (what, path) in [
        (
            "month sheet (group=department)",
            "/api/v1/sheet?from=2026-10-01&to=2026-10-31",
        ),
        (
            "month sheet (group=doctor)",
            "/api/v1/sheet?from=2026-10-01&to=2026-10-31&group=doctor",
        ),
        (
            "month sheet CSV",
            "/api/v1/sheet.csv?from=2026-10-01&to=2026-10-31",
        ),
        (
            "10-month sheet (all 1 M)",
            "/api/v1/sheet?from=2026-01-01&to=2026-10-31",
        ),
        (
            "10-month trend",
            "/api/v1/sheet/trend?from=2026-01-01&to=2026-10-31",
        ),
        (
            "month rules",
            "/api/v1/sheet/rules?from=2026-10-01&to=2026-10-31",
        ),
        (
            "month alerts (by=rule)",
            "/api/v1/alerts?from=2026-10-01&to=2026-10-31",
        ),
        (
            "month alerts (by=department)",
            "/api/v1/alerts?from=2026-10-01&to=2026-10-31&by=department",
        ),
        (
            "month alerts (by=drug)",
            "/api/v1/alerts?from=2026-10-01&to=2026-10-31&by=drug",
        ),
        (
            "month alerts CSV (by=department)",
            "/api/v1/alerts.csv?from=2026-10-01&to=2026-10-31&by=department",
        ),
    ] {
        let mut times = Vec::new();
        let mut records = Value::Null;
        for _ in 0..5 {
            let t = Instant::now();
            let res = http
                .get(format!("http://{addr}{path}"))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            let text = res.text().await.unwrap();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            if let Ok(v) = serde_json::from_str::<Value>(&text) {
                records = if !v["rows"].is_array() {
                    v["totals"]["records"].clone()
                } else {
                    json!(format!(
                        "{} documents, {} rows",
                        v["documents"],
                        v["rows"].as_array().map_or(0, Vec::len)
                    ))
                };
            }
        }
        times.sort_by(|a, b| a.total_cmp(b));
        eprintln!(
            "bench: {what}: median {:.0} ms, min {:.0} ms, max {:.0} ms (records {records})",
            times[2], times[0], times[4]
        );
    }
}
