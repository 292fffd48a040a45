//! The API over real HTTP (reqwest against `app(state)` on 127.0.0.1:0), each scenario against a
//! temporary SQLite file and, in `postgres_scenarios`, against a throw-away PostgreSQL cluster.
//!
//! PostgreSQL: the binaries come from `OPDCHECK_PG_BIN` (default `/usr/lib/postgresql/15/bin`).
//! Without them the PostgreSQL test fails, unless `OPDCHECK_SKIP_POSTGRES=1`.

mod common;

use std::future::Future;
use std::pin::Pin;

use opdcheck_server::{AppState, Store, app};
use reqwest::StatusCode;
use serde_json::{Value, json};

const RX: &str = opdcheck_engine::samples::PRESCRIPTION_CLEAN;
const MR: &str = opdcheck_engine::samples::OUTPATIENT_RECORD_CLEAN;

fn rx(id: &str) -> Value {
    let mut v: Value = serde_json::from_str(RX).unwrap();
    v["id"] = json!(id);
    v
}

fn mr(id: &str) -> Value {
    let mut v: Value = serde_json::from_str(MR).unwrap();
    v["id"] = json!(id);
    v
}

/// A prescription with an error-level defect: the prescriber did not sign.
fn unsigned_rx(id: &str) -> Value {
    let mut v = rx(id);
    v["prescriber"]["signed_at"] = Value::Null;
    v["prescriber"]["signature_id"] = Value::Null;
    v
}

struct Server {
    base: String,
    http: reqwest::Client,
    _task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// `auth`: sign-in enforced, with the demo accounts.
    async fn start(store: Store, auth: bool) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut state = AppState::api_only(store.clone());
        if auth {
            assert!(
                opdcheck_server::auth::seed_demo_users(&store)
                    .await
                    .unwrap()
            );
            assert!(
                !opdcheck_server::auth::seed_demo_users(&store)
                    .await
                    .unwrap(),
                "only once"
            );
            state = state.with_auth();
        }
        state.load_policy().await.unwrap();
        let router = app(state);
        let task = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Server {
            base: format!("http://{addr}"),
            http: reqwest::Client::new(),
            _task: task,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let res = self.http.get(self.url(path)).send().await.unwrap();
        json_of("GET", res).await
    }

    async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        let res = self
            .http
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap();
        json_of("POST", res).await
    }

    async fn post_raw(&self, path: &str, body: impl Into<reqwest::Body>) -> (StatusCode, Value) {
        let res = self
            .http
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        json_of("POST", res).await
    }

    async fn push(&self, records: Vec<(&str, i64, Value)>) -> (StatusCode, Value) {
        let records: Vec<Value> = records
            .into_iter()
            .map(|(id, version, document)| json!({"id": id, "version": version, "document": document}))
            .collect();
        self.post("/api/v1/records", &json!({ "records": records }))
            .await
    }
}

/// Every response of the API is JSON, errors included, and what the OpenAPI document says it is.
async fn json_of(method: &str, res: reqwest::Response) -> (StatusCode, Value) {
    let status = res.status();
    let path = res.url().path().to_owned();
    let ctype = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = res.text().await.unwrap();
    if status == StatusCode::NO_CONTENT {
        assert!(text.is_empty());
        return (status, Value::Null);
    }
    assert!(
        ctype.starts_with("application/json"),
        "{status} {ctype}: {text}"
    );
    let body: Value = serde_json::from_str(&text).unwrap();
    common::conform(method, &path, status.as_u16(), &body);
    (status, body)
}

fn assert_error(status: StatusCode, body: &Value, want: StatusCode, path: Option<&str>) {
    assert_eq!(status, want, "{body}");
    assert!(body["error"]["code"].is_string(), "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    if let Some(path) = path {
        assert_eq!(body["error"]["path"], path, "{body}");
    }
}

// ---------------------------------------------------------------- scenarios (both databases)

async fn idempotent_sync(s: &Server) {
    let (status, body) = s.push(vec![("rx-1", 1, rx("rx-1"))]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["results"][0]["status"], "created", "{body}");
    let first_report = body["results"][0]["report"].clone();
    assert_eq!(first_report["document"]["id"], "rx-1");

    // A retry, with keys in another order: the same body, nothing created.
    let mut reordered = serde_json::Map::new();
    let original = rx("rx-1");
    for (k, v) in original.as_object().unwrap().iter().rev() {
        reordered.insert(k.clone(), v.clone());
    }
    let (status, body) = s.push(vec![("rx-1", 1, Value::Object(reordered))]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["results"][0]["status"], "unchanged", "{body}");
    assert_eq!(body["results"][0]["report"], first_report);
    let (_, list) = s.get("/api/v1/records").await;
    assert_eq!(list["total"], 1, "{list}");
    // The same new record twice in one batch: stored once.
    let (status, body) = s
        .push(vec![("rx-d", 1, rx("rx-d")), ("rx-d", 1, rx("rx-d"))])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["results"][0]["status"], "created", "{body}");
    assert_eq!(body["results"][1]["status"], "unchanged", "{body}");
    let (_, one) = s.get("/api/v1/records/rx-d").await;
    assert_eq!(one["versions"].as_array().unwrap().len(), 1);
    let (_, list) = s.get("/api/v1/records").await;
    assert_eq!(list["total"], 2, "{list}");

    // Same version, another body: a conflict; the other record of the batch is still stored.
    let mut changed = rx("rx-1");
    changed["department"] = json!("儿科");
    let (status, body) = s
        .push(vec![("rx-1", 1, changed.clone()), ("rx-2", 1, rx("rx-2"))])
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["results"][0]["status"], "conflict", "{body}");
    assert_eq!(body["results"][0]["error"]["code"], "conflict", "{body}");
    assert_eq!(body["results"][1]["status"], "created", "{body}");
    let (_, one) = s.get("/api/v1/records/rx-1").await;
    assert_eq!(one["latest"]["document"]["department"], "呼吸内科", "{one}");

    // A new version is created; both are listed, the latest is the new one.
    let (status, body) = s.push(vec![("rx-1", 2, changed)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["results"][0]["status"], "created", "{body}");
    let (status, one) = s.get("/api/v1/records/rx-1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["latest"]["version"], 2, "{one}");
    assert_eq!(one["latest"]["document"]["department"], "儿科", "{one}");
    let versions: Vec<i64> = one["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [1, 2]);
    // With sign-in off every version is pushed by `open`.
    assert_eq!(one["versions"][0]["pushed_by"], "open", "{one}");
    // The list shows each id once (its latest version): rx-1, rx-2, rx-d.
    let (_, list) = s.get("/api/v1/records").await;
    assert_eq!(list["total"], 3, "{list}");
    let rx1 = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "rx-1")
        .unwrap();
    assert_eq!(rx1["version"], 2);
    assert_eq!(rx1["department"], "儿科");
}

async fn concurrent_identical_pushes(s: &Server) {
    let pushes = (0..8).map(|_| s.push(vec![("rx-c", 1, rx("rx-c"))]));
    let results = futures_join_all(pushes).await;
    let mut created = 0;
    for (status, body) in &results {
        assert_eq!(*status, StatusCode::OK, "{body}");
        match body["results"][0]["status"].as_str().unwrap() {
            "created" => created += 1,
            "unchanged" => {}
            other => panic!("unexpected status {other}: {body}"),
        }
    }
    assert_eq!(created, 1, "exactly one push creates the record");
    let (_, one) = s.get("/api/v1/records/rx-c").await;
    assert_eq!(one["versions"].as_array().unwrap().len(), 1, "{one}");

    // Overlapping batches in opposite orders at once: no deadlock, each record stored once.
    let ids: Vec<String> = (0..20).map(|i| format!("rx-o{i}")).collect();
    let forward: Vec<(&str, i64, Value)> = ids.iter().map(|id| (id.as_str(), 1, rx(id))).collect();
    let backward: Vec<(&str, i64, Value)> = forward.iter().rev().cloned().collect();
    let pushes = (0..6).map(|k| {
        s.push(if k % 2 == 0 {
            forward.clone()
        } else {
            backward.clone()
        })
    });
    let mut created = 0;
    for (status, body) in futures_join_all(pushes).await {
        assert_eq!(status, StatusCode::OK, "{body}");
        created += body["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["status"] == "created")
            .count();
    }
    assert_eq!(created, ids.len(), "each record created exactly once");
    let (_, list) = s.get("/api/v1/records?per_page=200").await;
    assert_eq!(list["total"], ids.len() + 1, "{list}");
}

/// A tiny join_all (no futures crate): spawn-free, polls all futures on this task.
async fn futures_join_all<F: Future>(futs: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut futs: Vec<Pin<Box<F>>> = futs.map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = futs.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, o) in futs.iter_mut().zip(out.iter_mut()) {
            if o.is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *o = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().map(Option::unwrap).collect()
}

async fn server_verdict_wins(s: &Server) {
    // The client claims the unsigned prescription is qualified; the server checks it itself.
    let lie = json!({"records": [{
        "id": "rx-lie", "version": 1, "document": unsigned_rx("rx-lie"),
        "report": {"findings": [], "score": {"qualified": true, "deduction": 0}},
        "qualified": true
    }]});
    let (status, body) = s.post("/api/v1/records", &lie).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let report = &body["results"][0]["report"];
    assert_eq!(report["score"]["qualified"], false, "{body}");
    assert!(!report["findings"].as_array().unwrap().is_empty());
    let (_, one) = s.get("/api/v1/records/rx-lie").await;
    assert_eq!(
        one["latest"]["report"]["score"]["qualified"], false,
        "{one}"
    );
    assert_eq!(one["latest"]["report"], *report);
    assert!(
        one["latest"]["ruleset"].as_str().unwrap().starts_with("1."),
        "{one}"
    );
    // The same document through /check (nothing stored) gives the same verdict.
    let (status, checked) = s.post("/api/v1/check", &unsigned_rx("rx-lie")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(checked["findings"], report["findings"]);
}

async fn filters_and_paging(s: &Server) {
    let mut peds = rx("rx-p");
    peds["department"] = json!("儿科");
    peds["prescriber"]["id"] = json!("D0099");
    let (status, body) = s
        .push(vec![
            ("rx-a", 1, rx("rx-a")),
            ("rx-b", 1, rx("rx-b")),
            ("rx-bad", 1, unsigned_rx("rx-bad")),
            ("rx-p", 1, peds),
            ("mr-a", 1, mr("mr-a")),
        ])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let bad_rules: Vec<String> = body["results"][2]["report"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect();
    assert!(!bad_rules.is_empty());

    let ids = |v: &Value| -> Vec<String> {
        let mut ids: Vec<String> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    let (_, all) = s.get("/api/v1/records").await;
    assert_eq!(all["total"], 5, "{all}");
    let (_, v) = s.get("/api/v1/records?kind=outpatient_record").await;
    assert_eq!(ids(&v), ["mr-a"]);
    let (_, v) = s.get("/api/v1/records?department=儿科").await;
    assert_eq!(ids(&v), ["rx-p"]);
    let (_, v) = s.get("/api/v1/records?doctor=D0099").await;
    assert_eq!(ids(&v), ["rx-p"]);
    let (_, v) = s.get("/api/v1/records?qualified=false").await;
    assert_eq!(ids(&v), ["rx-bad"], "{v}");
    let (_, v) = s
        .get(&format!("/api/v1/records?rule={}", bad_rules[0]))
        .await;
    assert_eq!(ids(&v), ["rx-bad"], "{v}");
    let bad = &v["items"][0];
    assert!(
        bad["rules"]
            .as_array()
            .unwrap()
            .contains(&json!(bad_rules[0])),
        "{v}"
    );
    let (_, v) = s
        .get("/api/v1/records?kind=prescription&qualified=true")
        .await;
    assert_eq!(ids(&v), ["rx-a", "rx-b", "rx-p"]);
    // Periods: everything was stored today; nothing before 2000.
    let today = chrono_today();
    let (_, v) = s
        .get(&format!("/api/v1/records?from={today}&to={today}"))
        .await;
    assert_eq!(v["total"], 5, "{v}");
    let (_, v) = s.get("/api/v1/records?to=2000-01-01").await;
    assert_eq!(v["total"], 0, "{v}");
    let (_, v) = s
        .get("/api/v1/records?period=visit&from=2026-11-22&to=2026-11-22")
        .await;
    assert_eq!(v["total"], 5, "{v}");

    // Paging: 5 rows in pages of 2, no row twice.
    let mut seen = Vec::new();
    for page in 1..=3 {
        let (_, v) = s
            .get(&format!("/api/v1/records?per_page=2&page={page}"))
            .await;
        assert_eq!(v["total"], 5);
        assert_eq!(v["page"], page);
        assert_eq!(v["per_page"], 2);
        seen.extend(ids(&v));
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 5, "{seen:?}");
    let (status, v) = s.get("/api/v1/records?per_page=201").await;
    assert_error(status, &v, StatusCode::BAD_REQUEST, Some("per_page"));
    let (status, v) = s.get("/api/v1/records?qualified=maybe").await;
    assert_error(status, &v, StatusCode::BAD_REQUEST, Some("qualified"));
    let (status, v) = s.get("/api/v1/records?from=yesterday").await;
    assert_error(status, &v, StatusCode::BAD_REQUEST, Some("from"));

    // Stats over the same rows.
    let (status, st) = s.get("/api/v1/stats").await;
    assert_eq!(status, StatusCode::OK, "{st}");
    assert_eq!(st["total"], 5, "{st}");
    assert_eq!(st["qualified"], 4, "{st}");
    assert!((st["pass_rate"].as_f64().unwrap() - 0.8).abs() < 1e-9);
    let kind = |k: &str| {
        st["by_kind"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["key"] == k)
            .cloned()
            .unwrap()
    };
    assert_eq!(kind("prescription")["total"], 4);
    assert_eq!(kind("prescription")["qualified"], 3);
    assert_eq!(kind("outpatient_record")["total"], 1);
    let peds = st["by_department"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == "儿科")
        .unwrap();
    assert_eq!(peds["total"], 1);
    let (_, st) = s.get("/api/v1/stats?to=2000-01-01").await;
    assert_eq!(st["total"], 0);
    assert_eq!(st["pass_rate"], Value::Null);
}

fn chrono_today() -> String {
    // The server stores UTC; today's UTC date from the system clock.
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let days = secs.div_euclid(86_400);
    // Civil-from-days (proleptic Gregorian), to avoid a date dependency here.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

async fn history_rules_run(s: &Server) {
    // Three visits of one patient in four days, each "发热待查": HX-01 fires on the third, and
    // only because the server passes the patient's earlier stored records.
    let visit = |id: &str, at: &str| {
        let mut v = mr(id);
        v["visit_at"] = json!(at);
        v["diagnoses"] = json!(["发热待查"]);
        v["diagnosis_codes"] = json!([null]);
        v["physician"]["signed_at"] = json!(at);
        v
    };
    let (status, body) = s
        .push(vec![
            ("mr-0", 1, visit("mr-0", "2026-11-18T09:00")),
            ("mr-1", 1, visit("mr-1", "2026-11-20T09:00")),
        ])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let third = visit("mr-2", "2026-11-22T09:10");
    let (_, alone) = s.post("/api/v1/check", &third).await;
    let has_hx = |report: &Value| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "HX-01")
    };
    assert!(!has_hx(&alone), "no history, no HX-01: {alone}");
    let (_, body) = s.push(vec![("mr-2", 1, third)]).await;
    assert!(has_hx(&body["results"][0]["report"]), "{body}");
    let (_, v) = s.get("/api/v1/records?rule=HX-01").await;
    assert_eq!(v["items"][0]["id"], "mr-2", "{v}");

    // All three visits of another patient in one batch: the earlier ones of the batch count.
    let other = |id: &str, at: &str| {
        let mut v = visit(id, at);
        v["patient"]["record_no"] = json!("MZ-OTHER");
        v
    };
    let (status, body) = s
        .push(vec![
            ("mr-b0", 1, other("mr-b0", "2026-11-18T09:00")),
            ("mr-b1", 1, other("mr-b1", "2026-11-20T09:00")),
            ("mr-b2", 1, other("mr-b2", "2026-11-22T09:10")),
        ])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(!has_hx(&body["results"][0]["report"]), "{body}");
    assert!(has_hx(&body["results"][2]["report"]), "{body}");
}

async fn bad_inputs(s: &Server) {
    // Truncated JSON: the whole batch is refused.
    let (status, v) = s
        .post_raw("/api/v1/records", r#"{"records": [{"id": "x""#)
        .await;
    assert_error(status, &v, StatusCode::BAD_REQUEST, None);
    assert_eq!(v["error"]["code"], "malformed_json");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("truncated"),
        "{v}"
    );
    // Not a batch.
    let (status, v) = s.post("/api/v1/records", &json!({"documents": []})).await;
    assert_error(status, &v, StatusCode::BAD_REQUEST, Some("records"));
    // Too many records.
    let many: Vec<Value> = (0..501)
        .map(|i| json!({"id": format!("x{i}"), "version": 1, "document": {}}))
        .collect();
    let (status, v) = s.post("/api/v1/records", &json!({"records": many})).await;
    assert_error(status, &v, StatusCode::PAYLOAD_TOO_LARGE, Some("records"));

    // Item errors, each with its path; the good record in the batch is stored.
    let mut wrong_type = rx("rx-t");
    wrong_type["items"][0]["days"] = json!("four");
    let mut unknown_kind = rx("rx-k");
    unknown_kind["kind"] = json!("referral");
    let (status, v) = s
        .push(vec![
            ("rx-t", 1, wrong_type),
            ("rx-k", 1, unknown_kind),
            ("rx-other", 1, rx("rx-mismatch")),
            ("rx-ok", 1, rx("rx-ok")),
        ])
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let r = &v["results"];
    assert_eq!(r[0]["status"], "invalid", "{v}");
    assert_eq!(
        r[0]["error"]["path"], "records[0].document.items[0].days",
        "{v}"
    );
    assert_eq!(r[1]["status"], "invalid");
    assert_eq!(r[1]["error"]["path"], "records[1].document.kind", "{v}");
    assert_eq!(r[2]["error"]["code"], "id_mismatch", "{v}");
    assert_eq!(r[2]["error"]["path"], "records[2].document.id", "{v}");
    assert_eq!(r[3]["status"], "created", "{v}");
    let (_, list) = s.get("/api/v1/records").await;
    assert_eq!(list["total"], 1, "only the good record is stored: {list}");
    let (status, v) = s
        .post(
            "/api/v1/records",
            &json!({"records": [{"id": "a", "version": "1", "document": rx("a")}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        v["results"][0]["error"]["path"], "records[0].version",
        "{v}"
    );

    // /check: a bad document is a located 422.
    let mut bad = rx("c");
    bad["items"][1]["days"] = json!("x");
    let (status, v) = s.post("/api/v1/check", &bad).await;
    assert_error(
        status,
        &v,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("items[1].days"),
    );
    let (status, v) = s
        .post("/api/v1/check", &json!({"kind": "letter", "id": "c"}))
        .await;
    assert_error(status, &v, StatusCode::UNPROCESSABLE_ENTITY, Some("kind"));
    let (status, v) = s
        .post(
            "/api/v1/check",
            &json!({"documents": [rx("c1"), {"kind": "letter"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["reports"][0]["document"]["id"], "c1");
    assert_eq!(v["reports"][1]["error"]["path"], "documents[1].kind", "{v}");

    // A 10 MB body: a JSON 413, not a dropped connection.
    let big = format!(
        r#"{{"records": [], "pad": "{}"}}"#,
        "x".repeat(10 * 1024 * 1024)
    );
    let (status, v) = s.post_raw("/api/v1/records", big).await;
    assert_error(status, &v, StatusCode::PAYLOAD_TOO_LARGE, None);

    // Unknown records and routes, wrong methods: JSON 404 / 405.
    let (status, v) = s.get("/api/v1/records/nope").await;
    assert_error(status, &v, StatusCode::NOT_FOUND, None);
    let (status, v) = s.get("/api/v1/nothing-here").await;
    assert_error(status, &v, StatusCode::NOT_FOUND, None);
    let res = s
        .http
        .delete(s.url("/api/v1/records"))
        .send()
        .await
        .unwrap();
    let (status, v) = json_of("DELETE", res).await;
    assert_error(status, &v, StatusCode::METHOD_NOT_ALLOWED, None);
    let (status, v) = s.get("/api/v1/check").await;
    assert_error(status, &v, StatusCode::METHOD_NOT_ALLOWED, None);
}

async fn catalog_endpoints(s: &Server) {
    let (status, v) = s.get("/api/v1/rules").await;
    assert_eq!(status, StatusCode::OK);
    let rules = v["rules"].as_array().unwrap();
    assert_eq!(rules.len(), opdcheck_engine::rules::RULES.len());
    let rx08 = rules
        .iter()
        .find(|r| r["code"] == "RX-08")
        .expect("RX-08 in the catalog");
    assert!(rx08["title"]["zh"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(rx08["clause"].is_string() && rx08["overridable"].is_boolean());
    let (status, p) = s.get("/api/v1/policy").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(p["ruleset"], v["ruleset"]);
    assert!(p["policy"].is_object());
    let (status, o) = s.get("/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(o["openapi"], "3.1.0");
}

/// As `who`: a request builder with their credentials.
async fn login(s: &Server, username: &str, password: &str) -> (StatusCode, Value) {
    s.post(
        "/api/v1/login",
        &json!({"username": username, "password": password}),
    )
    .await
}

async fn token(s: &Server, username: &str) -> String {
    let (status, v) = login(s, username, username).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v["token"].as_str().unwrap().to_owned()
}

async fn call(
    s: &Server,
    method: reqwest::Method,
    path: &str,
    auth: (&str, &str),
    body: Option<&Value>,
) -> (StatusCode, Value) {
    let mut req = s
        .http
        .request(method.clone(), s.url(path))
        .header(auth.0, auth.1);
    if let Some(body) = body {
        req = req.json(body);
    }
    json_of(method.as_str(), req.send().await.unwrap()).await
}

fn batch(records: Vec<(&str, Value)>) -> Value {
    let records: Vec<Value> = records
        .into_iter()
        .map(|(id, d)| json!({"id": id, "version": 1, "document": d}))
        .collect();
    json!({ "records": records })
}

async fn auth_and_roles(s: &Server) {
    use reqwest::Method;
    // Without credentials, or with wrong ones: 401.
    let (status, v) = s.get("/api/v1/records").await;
    assert_error(status, &v, StatusCode::UNAUTHORIZED, None);
    let (status, v) = s.post("/api/v1/check", &rx("c")).await;
    assert_error(status, &v, StatusCode::UNAUTHORIZED, None);
    let (status, v) = login(s, "doctor", "wrong").await;
    assert_error(status, &v, StatusCode::UNAUTHORIZED, None);
    let (status, v) = call(
        s,
        Method::GET,
        "/api/v1/records",
        ("authorization", "Bearer nope"),
        None,
    )
    .await;
    assert_error(status, &v, StatusCode::UNAUTHORIZED, None);
    // The catalog is public.
    assert_eq!(s.get("/api/v1/rules").await.0, StatusCode::OK);

    let (status, v) = login(s, "doctor", "doctor").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    // The demo doctor's signature id is the server's (random suffix); no title recorded.
    let mut user = v["user"].clone();
    let signature = user["prescriber"]["signature_id"].take();
    assert!(signature.as_str().unwrap().starts_with("SIG-D0012-"), "{v}");
    assert_eq!(
        user,
        json!({"username": "doctor", "role": "doctor", "doctor_id": "D0012", "name": null,
               "prescriber": {"title": null, "signature_id": null, "antibiotic_tier": null,
                              "prescribing_rights": true, "narcotic_psych1_rights": false}})
    );
    let doctor = format!("Bearer {}", v["token"].as_str().unwrap());
    let doctor = ("authorization", doctor.as_str());
    let admin = format!("Bearer {}", token(s, "admin").await);
    let admin = ("authorization", admin.as_str());
    let qa = format!("Bearer {}", token(s, "qa").await);
    let qa = ("authorization", qa.as_str());

    // A doctor pushes their own record; another doctor's is refused (403, per item).
    let mut others = rx("rx-other");
    others["prescriber"]["id"] = json!("D0099");
    let (status, v) = call(
        s,
        Method::POST,
        "/api/v1/records",
        doctor,
        Some(&batch(vec![("rx-mine", rx("rx-mine"))])),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["results"][0]["status"], "created");
    let (status, v) = call(
        s,
        Method::POST,
        "/api/v1/records",
        doctor,
        Some(&batch(vec![("rx-other", others.clone())])),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(v["results"][0]["status"], "forbidden");
    // The admin may; then the doctor can neither read it nor learn anything by re-pushing it.
    let (status, v) = call(
        s,
        Method::POST,
        "/api/v1/records",
        admin,
        Some(&batch(vec![("rx-other", others)])),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, v) = call(s, Method::GET, "/api/v1/records/rx-other", doctor, None).await;
    assert_error(status, &v, StatusCode::FORBIDDEN, None);
    let (status, _) = call(s, Method::GET, "/api/v1/records/rx-mine", doctor, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, v) = call(
        s,
        Method::POST,
        "/api/v1/records",
        doctor,
        Some(&batch(vec![("rx-other", rx("rx-other"))])),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    assert!(v["results"][0].get("report").is_none(), "{v}");
    let (_, v) = call(s, Method::GET, "/api/v1/records", doctor, None).await;
    assert_eq!(v["total"], 1, "{v}");
    let (_, v) = call(s, Method::GET, "/api/v1/stats", doctor, None).await;
    assert_eq!(v["total"], 1, "{v}");

    // QA reads everything and pushes nothing.
    let (_, v) = call(s, Method::GET, "/api/v1/records", qa, None).await;
    assert_eq!(v["total"], 2, "{v}");
    let (status, _) = call(s, Method::GET, "/api/v1/records/rx-other", qa, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, v) = call(
        s,
        Method::POST,
        "/api/v1/records",
        qa,
        Some(&batch(vec![("rx-q", rx("rx-q"))])),
    )
    .await;
    assert_error(status, &v, StatusCode::FORBIDDEN, None);

    // Admin: users and integrator keys; nobody else.
    let (status, v) = call(s, Method::GET, "/api/v1/users", doctor, None).await;
    assert_error(status, &v, StatusCode::FORBIDDEN, None);
    let (status, v) = call(
        s,
        Method::POST,
        "/api/v1/api-keys",
        admin,
        Some(&json!({"name": "his"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let key = v["key"].as_str().unwrap().to_owned();
    let (status, v) = call(
        s,
        Method::POST,
        "/api/v1/records",
        ("x-api-key", &key),
        Some(&batch(vec![("rx-his", rx("rx-his"))])),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, v) = call(
        s,
        Method::GET,
        "/api/v1/records",
        ("x-api-key", "opd_wrong"),
        None,
    )
    .await;
    assert_error(status, &v, StatusCode::UNAUTHORIZED, None);
    let (status, v) = call(s, Method::GET, "/api/v1/api-keys", admin, None).await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<_> = v["api_keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    // With the demo accounts comes the demo portal's key.
    assert!(
        names.contains(&"his") && names.contains(&"demo-portal"),
        "{v}"
    );
    assert!(!v.to_string().contains(&key), "keys are never shown again");
    let (status, _) = call(s, Method::DELETE, "/api/v1/api-keys/his", admin, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(s, Method::GET, "/api/v1/records", ("x-api-key", &key), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let new_user = json!({"username": "wang", "password": "s3cret-pw-long", "role": "doctor", "doctor_id": "D0099"});
    let (status, v) = call(s, Method::POST, "/api/v1/users", admin, Some(&new_user)).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let (status, v) = call(s, Method::POST, "/api/v1/users", admin, Some(&new_user)).await;
    assert_error(status, &v, StatusCode::CONFLICT, Some("username"));
    let (status, v) = call(
        s,
        Method::POST,
        "/api/v1/users",
        admin,
        Some(&json!({"username": "x", "password": "y", "role": "doctor"})),
    )
    .await;
    assert_error(status, &v, StatusCode::BAD_REQUEST, Some("doctor_id"));
    let (status, v) = login(s, "wang", "s3cret-pw-long").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let wang = format!("Bearer {}", v["token"].as_str().unwrap());
    let (_, v) = call(
        s,
        Method::GET,
        "/api/v1/records",
        ("authorization", &wang),
        None,
    )
    .await;
    assert_eq!(v["items"][0]["id"], "rx-other", "{v}");
    assert_eq!(v["total"], 1);
    let (status, _) = call(s, Method::DELETE, "/api/v1/users/wang", admin, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(
        s,
        Method::GET,
        "/api/v1/records",
        ("authorization", &wang),
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a deleted user's session ends"
    );

    // Guessing: after 10 failures the client is locked out for a while, even with the password
    // (this server has no connect info: every client is the same "unknown" address). The wrong
    // password at the start was the first; good sign-ins since did not wipe it.
    for _ in 0..9 {
        assert_eq!(login(s, "qa", "guess").await.0, StatusCode::UNAUTHORIZED);
    }
    let (status, v) = login(s, "qa", "qa").await;
    assert_error(status, &v, StatusCode::TOO_MANY_REQUESTS, None);
}

// ---------------------------------------------------------------- ownership and versions

/// `records` pushed with `auth`'s credentials.
async fn push_as(
    s: &Server,
    auth: (&str, &str),
    records: Vec<(&str, i64, Value)>,
) -> (StatusCode, Value) {
    let records: Vec<Value> = records
        .into_iter()
        .map(|(id, version, document)| json!({"id": id, "version": version, "document": document}))
        .collect();
    call(
        s,
        reqwest::Method::POST,
        "/api/v1/records",
        auth,
        Some(&json!({ "records": records })),
    )
    .await
}

/// A prescription signed by `doctor`.
fn rx_by(id: &str, doctor: &str) -> Value {
    let mut v = rx(id);
    v["prescriber"]["id"] = json!(doctor);
    v
}

fn pushed_by(record: &Value) -> Vec<Value> {
    record["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["pushed_by"].clone())
        .collect()
}

/// The sheet's records per doctor for the sample's month.
async fn sheet_by_doctor(s: &Server, qa: (&str, &str)) -> Vec<(String, i64)> {
    let (status, v) = call(
        s,
        reqwest::Method::GET,
        "/api/v1/sheet?from=2026-11-01&to=2026-11-30&group=doctor",
        qa,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["key"].as_str().unwrap().to_owned(),
                g["records"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// Issue 11: doctor B could store version 2 (or 2^62) of doctor A's record with B's own id in
/// it; A then lost the record and the sheet credited it to B. Now a record belongs to whoever
/// stored its first version.
async fn ownership(s: &Server) {
    use reqwest::Method;
    let admin = format!("Bearer {}", token(s, "admin").await);
    let admin = ("authorization", admin.as_str());
    let qa = format!("Bearer {}", token(s, "qa").await);
    let qa = ("authorization", qa.as_str());
    let new_user = json!({"username": "docb", "password": "docb-password", "role": "doctor", "doctor_id": "D0099"});
    let (status, v) = call(s, Method::POST, "/api/v1/users", admin, Some(&new_user)).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let a = format!("Bearer {}", token(s, "doctor").await);
    let a = ("authorization", a.as_str());
    let (status, v) = login(s, "docb", "docb-password").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let b = format!("Bearer {}", v["token"].as_str().unwrap());
    let b = ("authorization", b.as_str());

    let (status, v) = push_as(s, a, vec![("rx-a", 1, rx_by("rx-a", "D0012"))]).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["results"][0]["status"], "created", "{v}");

    // The takeover: B stores "the next version" of A's id, signed by B. Refused, as is a
    // version far ahead, and one carrying A's id (a doctor signs only as themself).
    for (version, doctor) in [(2, "D0099"), (1 << 62, "D0099"), (1, "D0099"), (2, "D0012")] {
        let (status, v) = push_as(s, b, vec![("rx-a", version, rx_by("rx-a", doctor))]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "v{version} {doctor}: {v}");
        assert_eq!(v["results"][0]["status"], "forbidden", "{v}");
        assert_eq!(v["results"][0]["error"]["code"], "forbidden", "{v}");
        assert!(v["results"][0].get("report").is_none(), "nothing told: {v}");
    }
    // A still reads their record, at version 1; the list, the stats and the sheet credit A.
    let (status, one) = call(s, Method::GET, "/api/v1/records/rx-a", a, None).await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_eq!(one["latest"]["version"], 1, "{one}");
    assert_eq!(one["doctor"], "D0012");
    assert_eq!(pushed_by(&one), [json!("doctor")]);
    let (_, list) = call(s, Method::GET, "/api/v1/records", a, None).await;
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["items"][0]["id"], "rx-a");
    let (_, list) = call(s, Method::GET, "/api/v1/records", b, None).await;
    assert_eq!(list["total"], 0, "{list}");
    let (status, v) = call(s, Method::GET, "/api/v1/records/rx-a", b, None).await;
    assert_error(status, &v, StatusCode::FORBIDDEN, None);
    assert_eq!(sheet_by_doctor(s, qa).await, [("D0012".to_owned(), 1)]);
    // The owner goes on versioning it.
    let mut v2 = rx_by("rx-a", "D0012");
    v2["notes"] = json!("v2");
    let (status, v) = push_as(s, a, vec![("rx-a", 2, v2)]).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["results"][0]["status"], "created", "{v}");

    // An integrator key's record: not versioned by a doctor (even the one it names) nor by
    // another key; an admin may, and the key still owns it.
    let mut keys = Vec::new();
    for name in ["his", "lis"] {
        let (status, v) = call(
            s,
            Method::POST,
            "/api/v1/api-keys",
            admin,
            Some(&json!({ "name": name })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        keys.push(v["key"].as_str().unwrap().to_owned());
    }
    let his = ("x-api-key", keys[0].as_str());
    let lis = ("x-api-key", keys[1].as_str());
    let (status, v) = push_as(s, his, vec![("rx-his", 1, rx_by("rx-his", "D0012"))]).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    for who in [a, lis] {
        let (status, v) = push_as(s, who, vec![("rx-his", 2, rx_by("rx-his", "D0012"))]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
        assert_eq!(v["results"][0]["status"], "forbidden", "{v}");
    }
    let (status, v) = push_as(s, admin, vec![("rx-his", 2, rx_by("rx-his", "D0099"))]).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["results"][0]["status"], "created", "{v}");
    let (status, v) = push_as(s, his, vec![("rx-his", 3, rx_by("rx-his", "D0012"))]).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["results"][0]["status"], "created", "{v}");
    let (_, one) = call(s, Method::GET, "/api/v1/records/rx-his", qa, None).await;
    assert_eq!(
        pushed_by(&one),
        [json!("key:his"), json!("admin"), json!("key:his")]
    );
    // A batch mixing an allowed and a refused record: the allowed one is stored, the batch is 403.
    let (status, v) = push_as(
        s,
        lis,
        vec![
            ("rx-lis", 1, rx_by("rx-lis", "D0012")),
            ("rx-his", 4, rx_by("rx-his", "D0012")),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(v["results"][0]["status"], "created", "{v}");
    assert_eq!(v["results"][1]["status"], "forbidden", "{v}");
    assert_eq!(v["results"][1]["error"]["path"], "records[1].id", "{v}");
}

/// A version is the next one or an exact repeat; pushed_by is kept per version.
async fn version_rules(s: &Server) {
    use reqwest::Method;
    let doctor = format!("Bearer {}", token(s, "doctor").await);
    let doctor = ("authorization", doctor.as_str());
    let body = |n: i64| {
        let mut v = rx("rx-v");
        v["notes"] = json!(format!("v{n}"));
        v
    };
    let (status, v) = push_as(s, doctor, vec![("rx-v", 1, body(1))]).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    for skip in [3, 1 << 62, i64::MAX] {
        let (status, v) = push_as(s, doctor, vec![("rx-v", skip, body(skip))]).await;
        assert_eq!(status, StatusCode::CONFLICT, "{v}");
        let r = &v["results"][0];
        assert_eq!(r["status"], "version_gap", "{v}");
        assert_eq!(r["error"]["code"], "version_gap", "{v}");
        assert_eq!(r["error"]["path"], "records[0].version", "{v}");
        let message = r["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("next version of this record is 2"),
            "{message}"
        );
    }
    // A new id starts at 1.
    let (status, v) = push_as(s, doctor, vec![("rx-w", 2, rx("rx-w"))]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["results"][0]["status"], "version_gap", "{v}");
    let (status, _) = call(s, Method::GET, "/api/v1/records/rx-w", doctor, None).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a refused first version claims nothing"
    );
    // An exact repeat is unchanged (idempotent), a different body a conflict.
    let (status, v) = push_as(s, doctor, vec![("rx-v", 1, body(1))]).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["results"][0]["status"], "unchanged", "{v}");
    let (status, v) = push_as(s, doctor, vec![("rx-v", 1, body(9))]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["results"][0]["status"], "conflict", "{v}");
    // Consecutive versions in one batch follow each other; one out of order is refused.
    let (status, v) = push_as(
        s,
        doctor,
        vec![
            ("rx-v", 2, body(2)),
            ("rx-v", 3, body(3)),
            ("rx-v", 5, body(5)),
            ("rx-v", 4, body(4)),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    let statuses: Vec<&str> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["created", "created", "version_gap", "created"]);
    let (_, one) = call(s, Method::GET, "/api/v1/records/rx-v", doctor, None).await;
    assert_eq!(one["latest"]["version"], 4, "{one}");
    assert_eq!(pushed_by(&one), vec![json!("doctor"); 4]);
}

/// Different principals racing for version 1 of new ids: exactly one stores and owns each;
/// the other is refused, never both stored.
async fn ownership_race(s: &Server) {
    use reqwest::Method;
    let admin = format!("Bearer {}", token(s, "admin").await);
    let admin = ("authorization", admin.as_str());
    let doctor = format!("Bearer {}", token(s, "doctor").await);
    let doctor = ("authorization", doctor.as_str());
    let (status, v) = call(
        s,
        Method::POST,
        "/api/v1/api-keys",
        admin,
        Some(&json!({"name": "racer"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let key = v["key"].as_str().unwrap().to_owned();
    let key = ("x-api-key", key.as_str());
    let portal = ("x-api-key", opdcheck_server::auth::DEMO_PORTAL_KEY);
    let ids: Vec<String> = (0..30).map(|i| format!("rx-race{i}")).collect();
    let records: Vec<(&str, i64, Value)> = ids.iter().map(|id| (id.as_str(), 1, rx(id))).collect();
    let mut reversed = records.clone();
    reversed.reverse();
    let pushes = [
        (key, records.clone()),
        (portal, reversed.clone()),
        (doctor, records.clone()),
        (key, reversed),
    ]
    .into_iter()
    .map(|(who, recs)| push_as(s, who, recs));
    let results = futures_join_all(pushes).await;
    for id in &ids {
        // results[0] and [3] are the same key: one creates, the other finds it unchanged (or
        // forbidden when someone else won).
        let statuses: Vec<&str> = results
            .iter()
            .map(|(_, body)| {
                body["results"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|r| r["id"] == id.as_str())
                    .unwrap()["status"]
                    .as_str()
                    .unwrap()
            })
            .collect();
        let created = statuses.iter().filter(|s| **s == "created").count();
        assert_eq!(created, 1, "{id}: {statuses:?}");
        for st in &statuses {
            assert!(
                ["created", "unchanged", "forbidden"].contains(st),
                "{id}: {statuses:?}"
            );
        }
        let winner = statuses.iter().position(|s| *s == "created").unwrap();
        let (_, one) = call(
            s,
            Method::GET,
            &format!("/api/v1/records/{id}"),
            admin,
            None,
        )
        .await;
        assert_eq!(one["versions"].as_array().unwrap().len(), 1, "{one}");
        let owner = ["key:racer", "key:demo-portal", "doctor", "key:racer"][winner];
        assert_eq!(pushed_by(&one), [json!(owner)], "{id}");
    }
}

/// Dates are parsed, never cut at a byte index: a multi-byte character where the date ends is
/// a located 400 on every endpoint that takes one (it used to panic and drop the connection).
async fn bad_dates(s: &Server) {
    for value in [
        "2026-01-0%C3%A9",
        "2026-01-05%C3%A9",
        "%E4%B8%AD%E6%96%87",
        "2026-01-05T%C3%A9",
    ] {
        for (path, key) in [
            ("/api/v1/records", "from"),
            ("/api/v1/records", "to"),
            ("/api/v1/stats", "from"),
            ("/api/v1/stats", "to"),
            ("/api/v1/sheet", "from"),
            ("/api/v1/sheet", "to"),
            ("/api/v1/sheet.csv", "from"),
            ("/api/v1/sheet/trend", "to"),
            ("/api/v1/sheet/rules", "from"),
            ("/api/v1/alerts", "from"),
            ("/api/v1/alerts.csv", "to"),
        ] {
            let (status, v) = s.get(&format!("{path}?{key}={value}")).await;
            assert_error(status, &v, StatusCode::BAD_REQUEST, Some(key));
        }
    }
    let (status, v) = s
        .post(
            "/api/v1/samples",
            &json!({"from": "2026-01-0é", "to": "2026-01-31"}),
        )
        .await;
    assert_error(status, &v, StatusCode::BAD_REQUEST, Some("from"));
    // Good dates still filter.
    let (status, v) = s
        .get("/api/v1/records?from=2026-01-05T08:30&to=2026-01-06")
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
}

type Scenario = for<'a> fn(&'a Server) -> Pin<Box<dyn Future<Output = ()> + 'a>>;

/// (name, with sign-in enforced, scenario)
const SCENARIOS: &[(&str, bool, Scenario)] = &[
    ("idempotent_sync", false, |s| Box::pin(idempotent_sync(s))),
    ("concurrent_identical_pushes", false, |s| {
        Box::pin(concurrent_identical_pushes(s))
    }),
    ("server_verdict_wins", false, |s| {
        Box::pin(server_verdict_wins(s))
    }),
    ("filters_and_paging", false, |s| {
        Box::pin(filters_and_paging(s))
    }),
    ("history_rules_run", false, |s| {
        Box::pin(history_rules_run(s))
    }),
    ("bad_inputs", false, |s| Box::pin(bad_inputs(s))),
    ("catalog_endpoints", false, |s| {
        Box::pin(catalog_endpoints(s))
    }),
    ("auth_and_roles", true, |s| Box::pin(auth_and_roles(s))),
    ("admin_sets_the_policy", true, |s| {
        Box::pin(admin_sets_the_policy(s))
    }),
    ("ownership", true, |s| Box::pin(ownership(s))),
    ("version_rules", true, |s| Box::pin(version_rules(s))),
    ("ownership_race", true, |s| Box::pin(ownership_race(s))),
    ("bad_dates", false, |s| Box::pin(bad_dates(s))),
];

async fn admin_sets_the_policy(s: &Server) {
    use reqwest::Method;
    let admin = format!("Bearer {}", token(s, "admin").await);
    let doctor = format!("Bearer {}", token(s, "doctor").await);
    let rules_of = |v: &Value| -> Vec<String> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_owned())
            .collect()
    };
    // Two drugs are fine under the default policy (at most 5).
    let (status, before) = call(
        s,
        Method::POST,
        "/api/v1/check",
        ("authorization", &doctor),
        Some(&rx("p1")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{before}");
    assert!(!rules_of(&before).contains(&"RX-10".to_owned()));
    let default_ruleset = before["ruleset"].as_str().unwrap().to_owned();
    // Only an admin sets the policy.
    let over = json!({"limits": {"max_drugs": 1}});
    let (status, v) = call(
        s,
        Method::PUT,
        "/api/v1/policy",
        ("authorization", &doctor),
        Some(&over),
    )
    .await;
    assert_error(status, &v, StatusCode::FORBIDDEN, None);
    let (status, v) = s
        .http
        .put(s.url("/api/v1/policy"))
        .json(&over)
        .send()
        .await
        .map(|r| r.status())
        .map(|st| (st, Value::Null))
        .unwrap();
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{v}");
    // A bad override changes nothing and says where it is wrong.
    let bad = json!({"limits": {"max_drugs": "five"}});
    let (status, v) = call(
        s,
        Method::PUT,
        "/api/v1/policy",
        ("authorization", &admin),
        Some(&bad),
    )
    .await;
    assert_error(
        status,
        &v,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("limits.max_drugs"),
    );
    let (status, v) = call(
        s,
        Method::PUT,
        "/api/v1/policy",
        ("authorization", &admin),
        Some(&json!([1])),
    )
    .await;
    assert_error(status, &v, StatusCode::UNPROCESSABLE_ENTITY, None);
    let (_, still) = call(
        s,
        Method::POST,
        "/api/v1/check",
        ("authorization", &doctor),
        Some(&rx("p1")),
    )
    .await;
    assert_eq!(still["ruleset"], default_ruleset.as_str());
    // A good one is in force for every check from now on, with its own ruleset.
    let (status, set) = call(
        s,
        Method::PUT,
        "/api/v1/policy",
        ("authorization", &admin),
        Some(&over),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{set}");
    assert_eq!(set["version"], 1);
    let (_, after) = call(
        s,
        Method::POST,
        "/api/v1/check",
        ("authorization", &doctor),
        Some(&rx("p1")),
    )
    .await;
    assert!(rules_of(&after).contains(&"RX-10".to_owned()), "{after}");
    assert_eq!(after["ruleset"], set["ruleset"]);
    assert_ne!(after["ruleset"], default_ruleset.as_str());
    let (_, policy) = s.get("/api/v1/policy").await;
    assert_eq!(policy["policy"]["limits"]["max_drugs"], 1);
    assert_eq!(policy["ruleset"], set["ruleset"]);
    // Records pushed now are stored with that verdict.
    let (status, v) = call(
        s,
        Method::POST,
        "/api/v1/records",
        ("authorization", &doctor),
        Some(&batch(vec![("p2", rx("p2"))])),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert!(rules_of(&v["results"][0]["report"]).contains(&"RX-10".to_owned()));
}

// ---------------------------------------------------------------- SQLite

async fn on_sqlite(name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("opdcheck.db"))
        .await
        .unwrap();
    let (_, auth, run) = SCENARIOS.iter().find(|(n, ..)| *n == name).unwrap();
    let server = Server::start(store, *auth).await;
    run(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_idempotent_sync() {
    on_sqlite("idempotent_sync").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_concurrent_identical_pushes() {
    on_sqlite("concurrent_identical_pushes").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_server_verdict_wins() {
    on_sqlite("server_verdict_wins").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_filters_and_paging() {
    on_sqlite("filters_and_paging").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_history_rules_run() {
    on_sqlite("history_rules_run").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_bad_inputs() {
    on_sqlite("bad_inputs").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_catalog_endpoints() {
    on_sqlite("catalog_endpoints").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_auth_and_roles() {
    on_sqlite("auth_and_roles").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_admin_sets_the_policy() {
    on_sqlite("admin_sets_the_policy").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_ownership() {
    on_sqlite("ownership").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_version_rules() {
    on_sqlite("version_rules").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_ownership_race() {
    on_sqlite("ownership_race").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_bad_dates() {
    on_sqlite("bad_dates").await;
}

/// A restarted server checks with the policy an admin set before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_policy_in_force_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("opdcheck.db"))
        .await
        .unwrap();
    let first = AppState::api_only(store.clone());
    let over = r#"{"limits": {"max_drugs": 1}}"#;
    let engine = opdcheck_engine::Engine::with_policy_override(over).unwrap();
    store
        .insert_policy(
            over,
            engine.ruleset(),
            "admin",
            "2026-11-22T10:00:00Z",
            None,
        )
        .await
        .unwrap();
    assert_ne!(first.engine().ruleset(), engine.ruleset(), "not loaded yet");
    let restarted = AppState::api_only(store);
    restarted.load_policy().await.unwrap();
    assert_eq!(restarted.engine().ruleset(), engine.ruleset());
    assert_eq!(restarted.engine().policy.limits.max_drugs, 1);
    assert_eq!(restarted.in_force().version, 1);
    assert_eq!(restarted.in_force().set_by.as_deref(), Some("admin"));
}

#[tokio::test]
async fn the_sqlite_file_is_created_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub-less.db");
    let store = Store::open_sqlite(&path).await.unwrap();
    assert!(path.is_file());
    let Store::Sqlite(pool) = &store else {
        panic!("not sqlite")
    };
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(fk, 1);
    // Opening again runs no migration twice.
    drop(store);
    Store::open_sqlite(&path).await.unwrap();
}

/// Migration 0005 on a database from before it (the SQLite or PostgreSQL one at `url`): each id
/// is credited to the doctor account that holds its first version's doctor id, when exactly one
/// does; the rest stay unowned.
async fn ownership_backfill_on(url: &str) {
    use opdcheck_server::store::User;
    macro_rules! exec {
        ($store:expr, $sql:expr $(, $bind:expr)*) => {
            match $store {
                Store::Sqlite(pool) => {
                    sqlx::query($sql)$(.bind($bind))*.execute(pool).await.unwrap();
                }
                Store::Postgres(pool) => {
                    sqlx::query($sql)$(.bind($bind))*.execute(pool).await.unwrap();
                }
            }
        };
    }
    let store = Store::connect(url).await.unwrap();
    // Back to the schema before 0005.
    exec!(&store, "DROP TABLE record_owners");
    exec!(&store, "ALTER TABLE records DROP COLUMN pushed_by");
    exec!(&store, "DELETE FROM _sqlx_migrations WHERE version = 5");
    for (name, doctor_id) in [("li", "D0012"), ("twin1", "D0077"), ("twin2", "D0077")] {
        let user = User {
            username: name.into(),
            role: "doctor".into(),
            doctor_id: Some(doctor_id.into()),
            created_at: "2026-11-01T00:00:00.000000Z".into(),
            name: None,
            prescriber: Default::default(),
        };
        assert!(store.create_user(&user, "x").await.unwrap());
    }
    // (id, version, doctor): "a" was first D0012's (a later version names another doctor),
    // "b"'s doctor has no account, two accounts hold "c"'s.
    for (id, version, doctor) in [
        ("a", 1_i64, "D0012"),
        ("a", 2, "D0099"),
        ("b", 1, "D0055"),
        ("c", 1, "D0077"),
    ] {
        exec!(
            &store,
            "INSERT INTO records (id, version, kind, doctor, body, body_sha256, report, qualified, \
             deduction, ruleset, created_at) VALUES ($1, $2, 'prescription', $3, '{}', 'x', '{}', \
             TRUE, 0, 'r', '2026-11-02T00:00:00.000000Z')",
            id,
            version,
            doctor
        );
    }
    drop(store);
    let store = Store::connect(url).await.unwrap();
    assert_eq!(store.owner("a").await.unwrap().as_deref(), Some("li"));
    assert_eq!(store.owner("b").await.unwrap(), None);
    assert_eq!(store.owner("c").await.unwrap(), None);
    let versions = store.versions("a").await.unwrap();
    assert_eq!(versions.len(), 2);
    assert!(
        versions.iter().all(|v| v.3.is_none()),
        "nobody recorded who pushed them"
    );
}

#[tokio::test]
async fn ownership_backfill_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    ownership_backfill_on(&format!("sqlite:{}", dir.path().join("old.db").display())).await;
}

/// Only listed origins get CORS headers (a preflight from another origin gets none).
#[tokio::test]
async fn cors_allow_list() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("c.db")).await.unwrap();
    let state =
        AppState::api_only(store).with_cors_origins(vec![axum::http::HeaderValue::from_static(
            "http://his.example",
        )]);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app(state)).await.unwrap() });
    let http = reqwest::Client::new();
    for (origin, allowed) in [("http://his.example", true), ("http://evil.example", false)] {
        let res = http
            .request(
                reqwest::Method::OPTIONS,
                format!("http://{addr}/api/v1/records"),
            )
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
            .await
            .unwrap();
        let got = res
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(got.as_deref() == Some(origin), allowed, "{origin}: {got:?}");
    }
}

// ---------------------------------------------------------------- PostgreSQL

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_scenarios() {
    let Some(cluster) = common::pg_cluster("postgres_scenarios") else {
        return;
    };
    for (name, auth, run) in SCENARIOS {
        // A fresh database per scenario, as each SQLite scenario gets a fresh file.
        let store = Store::connect(&cluster.create_database(name).await)
            .await
            .unwrap();
        assert_eq!(store.backend(), "postgres");
        let server = Server::start(store, *auth).await;
        eprintln!("postgres: {name}");
        run(&server).await;
    }
    eprintln!("postgres: ownership backfill");
    ownership_backfill_on(&cluster.create_database("backfill").await).await;
    drop(cluster);
}

/// Sync ingest rate on SQLite (budget: ≥ 5,000 records/s in batches of 100). A measurement, not
/// a pass/fail timing: `cargo test --release -p opdcheck-server --test api -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn ingest_throughput_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("t.db")).await.unwrap();
    let s = Server::start(store, false).await;
    let (batches, per) = (50, 100);
    let bodies: Vec<Value> = (0..batches)
        .map(|b| {
            let records: Vec<Value> = (0..per)
                .map(|i| {
                    let id = format!("rx-{b}-{i}");
                    let mut doc = if i % 2 == 0 { rx(&id) } else { mr(&id) };
                    doc["patient"]["record_no"] = json!(format!("MZ{b}{i}"));
                    json!({"id": id, "version": 1, "document": doc})
                })
                .collect();
            json!({ "records": records })
        })
        .collect();
    let start = std::time::Instant::now();
    for body in &bodies {
        let (status, v) = s.post("/api/v1/records", body).await;
        assert_eq!(status, StatusCode::OK, "{v}");
    }
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "ingest: {} records in {secs:.2} s = {:.0} records/s",
        batches * per,
        (batches * per) as f64 / secs
    );
}

/// Every `/api/v1` route the server serves, as (method, path template).
const SERVED: &[(&str, &str)] = &[
    ("get", "/api/v1/openapi.json"),
    ("post", "/api/v1/records"),
    ("get", "/api/v1/records"),
    ("get", "/api/v1/records/{id}"),
    ("get", "/api/v1/visits"),
    ("get", "/api/v1/visits/{visit_id}"),
    ("put", "/api/v1/visits/{visit_id}/review"),
    ("post", "/api/v1/check"),
    ("post", "/api/v1/fhir/$validate"),
    ("get", "/api/v1/rules"),
    ("get", "/api/v1/policy"),
    ("put", "/api/v1/policy"),
    ("post", "/api/v1/policy/validate"),
    ("get", "/api/v1/policy/history"),
    ("post", "/api/v1/policy/rollback"),
    ("get", "/api/v1/stats"),
    ("post", "/api/v1/login"),
    ("post", "/api/v1/logout"),
    ("get", "/api/v1/me"),
    ("post", "/api/v1/me/password"),
    ("get", "/api/v1/users"),
    ("post", "/api/v1/users"),
    ("patch", "/api/v1/users/{username}"),
    ("delete", "/api/v1/users/{username}"),
    ("get", "/api/v1/api-keys"),
    ("post", "/api/v1/api-keys"),
    ("delete", "/api/v1/api-keys/{name}"),
    ("get", "/api/v1/audit"),
    ("post", "/api/v1/samples"),
    ("get", "/api/v1/samples"),
    ("get", "/api/v1/samples/{id}"),
    ("post", "/api/v1/samples/{id}/records"),
    ("get", "/api/v1/records/{id}/review"),
    ("put", "/api/v1/records/{id}/review"),
    ("get", "/api/v1/sheet"),
    ("get", "/api/v1/sheet.csv"),
    ("get", "/api/v1/sheet/trend"),
    ("get", "/api/v1/sheet/rules"),
    ("get", "/api/v1/alerts"),
    ("get", "/api/v1/alerts.csv"),
];

/// The generated document describes what is served and nothing more: each of its operations is
/// a served route (not the JSON 404 of unknown `/api` paths, nor a 405), and is one of
/// [`SERVED`]; each served route answers and is in the document: the two lists are equal. (A
/// route can only be added with `utoipa_axum::routes!`, which documents it.)
#[tokio::test]
async fn every_served_route_is_documented_and_nothing_more() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("routes.db"))
        .await
        .unwrap();
    let s = Server::start(store, false).await;
    let doc = common::openapi();
    let mut documented = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                documented.push((method.clone(), path.clone()));
            }
        }
    }
    for (method, path) in &documented {
        assert!(
            SERVED.contains(&(method.as_str(), path.as_str())),
            "{method} {path} is documented but not in the served list"
        );
    }
    for (method, template) in SERVED {
        let in_doc = documented.iter().any(|(m, p)| m == method && p == template);
        assert!(in_doc, "{method} {template} is served but not documented");
        let path = template
            .replace("{id}", "x")
            .replace("{visit_id}", "x")
            .replace("{username}", "x")
            .replace("{name}", "x");
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let res = s
            .http
            .request(method.clone(), s.url(&path))
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        assert_ne!(
            status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}: {text}"
        );
        if status == StatusCode::NOT_FOUND {
            let v: Value = serde_json::from_str(&text).unwrap();
            assert_ne!(
                v["error"]["message"],
                format!("no such resource: {path}"),
                "{method} {path} is not served"
            );
        }
    }
}

/// The conformance check is not vacuous: a wrong body, or an undocumented status, fails.
#[test]
#[should_panic(expected = "does not match")]
fn a_body_off_the_document_fails_the_check() {
    common::conform(
        "GET",
        "/api/v1/rules",
        200,
        &json!({"ruleset": "x", "rules": [{"code": 1}]}),
    );
}

#[test]
#[should_panic(expected = "is not documented")]
fn an_undocumented_status_fails_the_check() {
    common::conform("GET", "/api/v1/rules", 418, &json!({}));
}

#[test]
fn a_push_result_validates_one_way() {
    let error = json!({"code": "conflict", "message": "m", "path": ""});
    let body = json!({"results": [
        {"id": "a", "version": 1, "status": "conflict", "error": error},
        {"id": null, "version": null, "status": "invalid", "error": error},
    ]});
    common::conform("POST", "/api/v1/records", 409, &body);
}
