//! A correction (更正, issue 14 item 4) over real HTTP, as the app syncs it: the signed original
//! is version 1, the signed, dated amendment version 2 of the same id. The server needs nothing
//! new for it; this holds what the app relies on: version 1 stays (it cannot be overwritten),
//! version 2 is checked as a signed correction (no RX-16), and the amendment's `reason` (not in
//! the v1 format, written by the app) is kept in the stored body.

use opdcheck_server::{AppState, Store, app};
use serde_json::{Value, json};

async fn start(store: Store) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = AppState::api_only(store);
    state.load_policy().await.unwrap();
    let router = app(state);
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

async fn push(http: &reqwest::Client, base: &str, id: &str, version: i64, doc: &Value) -> Value {
    let res = http
        .post(format!("{base}/api/v1/records"))
        .json(&json!({"records": [{"id": id, "version": version, "document": doc}]}))
        .send()
        .await
        .unwrap();
    res.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correction_is_version_2_and_version_1_stays() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("opdcheck.db"))
        .await
        .unwrap();
    let base = start(store).await;
    let http = reqwest::Client::new();

    let mut v1: Value = serde_json::from_str(opdcheck_engine::samples::PRESCRIPTION_CLEAN).unwrap();
    v1["id"] = json!("rx-amend");
    let r = push(&http, &base, "rx-amend", 1, &v1).await;
    assert_eq!(r["results"][0]["status"], "created", "{r}");

    // The correction as the app signs it: one amendment, signed, dated, with its reason.
    let mut v2 = v1.clone();
    let before = v2["items"][0]["days"].clone();
    v2["items"][0]["days"] = json!(5);
    v2["amendments"] = json!([{"path": "items[0].days", "before": before, "after": 5,
        "by": "D0012", "at": "2026-11-22T10:05", "reason": "疗程笔误，应为5天"}]);
    v2["prescriber"]["signed_at"] = json!("2026-11-22T10:06");
    // Version 1 cannot be overwritten by it…
    let r = push(&http, &base, "rx-amend", 1, &v2).await;
    assert_eq!(r["results"][0]["status"], "conflict", "{r}");
    // …it is the next version.
    let r = push(&http, &base, "rx-amend", 2, &v2).await;
    assert_eq!(r["results"][0]["status"], "created", "{r}");
    let rules: Vec<&str> = r["results"][0]["report"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(!rules.contains(&"RX-16"), "{rules:?}");

    let one: Value = http
        .get(format!("{base}/api/v1/records/rx-amend"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let versions: Vec<i64> = one["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [1, 2], "{one}");
    assert_eq!(one["latest"]["version"], 2);
    let am = &one["latest"]["document"]["amendments"][0];
    assert_eq!(am["reason"], "疗程笔误，应为5天", "{one}");
    assert_eq!(am["by"], "D0012");
    // A retry of version 1 as it was: unchanged, still stored.
    let r = push(&http, &base, "rx-amend", 1, &v1).await;
    assert_eq!(r["results"][0]["status"], "unchanged", "{r}");
}
