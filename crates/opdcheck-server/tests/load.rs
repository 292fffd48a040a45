//! Benchmarks of the real server binary over loopback (ignored: measurements, not pass/fail;
//! run them on a release build, one at a time so they do not share the cores):
//!
//! ```text
//! cargo test --release -p opdcheck-server --test load -- --ignored --nocapture --test-threads=1
//! ```
//!
//! `OPDCHECK_LOAD_SERVER=/path/to/opdcheck-server` measures that build instead (alternate two
//! builds' runs to compare them on a busy machine).
//!
//! Each starts `opdcheck-server` (SQLite in a temporary data dir, or a throw-away PostgreSQL
//! cluster), signs in as admin, then measures
//! - ingest: one client pushing batches of 100 new records (half prescriptions, half outpatient
//!   records, clean demo documents from `opdcheck_synth::demo`, each checked by the server on the
//!   way in), records/s;
//! - latency: 64 concurrent clients (tokio tasks), each pushing its own batches of 100; p50/p99
//!   of the request latency, and the records/s of the whole.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::{ServerProc, Storage};
use opdcheck_synth::demo::Kind;
use serde_json::{Value, json};

const PER_BATCH: usize = 100;
const INGEST_BATCHES: usize = 100;
const CLIENTS: usize = 64;
const BATCHES_PER_CLIENT: usize = 10;

/// Batch bodies of new records, ids prefixed with `tag` so runs never collide: the demo data's
/// clean prescriptions and outpatient records (`opdcheck_synth::demo`), alternating.
fn bodies(tag: &str, batches: usize) -> Vec<Vec<u8>> {
    let first = chrono::NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
    let end = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let mut demo = opdcheck_server::demo::generator(1, first, end)
        .unwrap()
        .with_defect_rate(0.0);
    (0..batches)
        .map(|b| {
            let records: Vec<Value> = (0..PER_BATCH)
                .map(|i| {
                    let id = format!("{tag}-{b}-{i}");
                    let kind = if i % 2 == 0 {
                        Kind::Prescription
                    } else {
                        Kind::Record
                    };
                    let mut doc = demo.document_of(kind, b * PER_BATCH + i);
                    doc["id"] = json!(id);
                    doc["visit_id"] = json!(format!("v-{id}"));
                    doc["patient"]["record_no"] = json!(format!("MZ{tag}{b}x{i}"));
                    json!({"id": id, "version": 1, "document": doc})
                })
                .collect();
            serde_json::to_vec(&json!({ "records": records })).unwrap()
        })
        .collect()
}

async fn push(http: &reqwest::Client, url: &str, token: &str, body: Vec<u8>) {
    let res = http
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let v: Value = res.json().await.unwrap();
    common::conform("POST", "/api/v1/records", status.as_u16(), &v);
    assert!(status.is_success(), "{status}: {v}");
    let created = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "created")
        .count();
    assert_eq!(created, PER_BATCH, "{v}");
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

async fn bench(label: &str, storage: Storage) {
    // `OPDCHECK_LOAD_SERVER`: another build of the server to measure (an A/B comparison on the
    // same machine, at the same moment).
    let bin = std::env::var_os("OPDCHECK_LOAD_SERVER").map_or_else(
        || env!("CARGO_BIN_EXE_opdcheck-server").into(),
        PathBuf::from,
    );
    let bin = bin.as_path();
    let dist = common::fake_dist();
    let logdir = tempfile::tempdir().unwrap();
    let server = ServerProc::start(bin, 0, dist.path(), &storage, &logdir.path().join("log"));
    let base = format!("http://127.0.0.1:{}", server.port);
    let token = common::admin_token(&base).await;
    let url = format!("{base}/api/v1/records");
    let http = reqwest::Client::new();

    // Warm-up (connections, statement caches, the engine's lazy tables), not measured.
    for body in bodies("warm", 5) {
        push(&http, &url, &token, body).await;
    }

    let ingest = bodies("ingest", INGEST_BATCHES);
    let start = Instant::now();
    for body in ingest {
        push(&http, &url, &token, body).await;
    }
    let secs = start.elapsed().as_secs_f64();
    let n = INGEST_BATCHES * PER_BATCH;
    eprintln!(
        "{label}: ingest, 1 client: {n} records in {secs:.2} s = {:.0} records/s",
        n as f64 / secs
    );

    let start = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (http, url, token) = (http.clone(), url.clone(), token.clone());
            let mine = bodies(&format!("c{c}"), BATCHES_PER_CLIENT);
            tokio::spawn(async move {
                let mut lat = Vec::with_capacity(mine.len());
                for body in mine {
                    let t = Instant::now();
                    push(&http, &url, &token, body).await;
                    lat.push(t.elapsed());
                }
                lat
            })
        })
        .collect();
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    let secs = start.elapsed().as_secs_f64();
    lat.sort();
    let n = CLIENTS * BATCHES_PER_CLIENT * PER_BATCH;
    eprintln!(
        "{label}: {CLIENTS} clients x {BATCHES_PER_CLIENT} batches of {PER_BATCH}: {} requests, \
         p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms; {n} records in {secs:.2} s = {:.0} records/s",
        lat.len(),
        percentile(&lat, 0.50).as_secs_f64() * 1e3,
        percentile(&lat, 0.99).as_secs_f64() * 1e3,
        lat.last().unwrap().as_secs_f64() * 1e3,
        n as f64 / secs
    );
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn load_sqlite() {
    let data = tempfile::tempdir().unwrap();
    bench("sqlite", Storage::DataDir(data.path().to_owned())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn load_postgres() {
    let Some(cluster) = common::pg_cluster("load_postgres") else {
        return;
    };
    bench(
        "postgres",
        Storage::Url(cluster.create_database("bench").await),
    )
    .await;
    drop(cluster);
}
