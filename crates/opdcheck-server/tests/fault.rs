//! Sync under faults: the real server binary behind a lossy proxy, SIGKILLed and restarted while a
//! client pushes 10,000 records with retries. Idempotency per (id, version) must make the end
//! state exact: every record stored once, none lost, none doubled, no conflict ever answered.
//!
//! The proxy drops one request in five: half before forwarding (the server never sees it), half
//! after the server answered (stored, but the client sees a closed connection and must retry).
//! Seeded (`OPDCHECK_FAULT_SEED`, printed) so a failing drop sequence can be replayed.

mod common;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{ServerProc, Storage};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const RX: &str = opdcheck_engine::samples::PRESCRIPTION_CLEAN;
const RECORDS: usize = 10_000;
const PER_BATCH: usize = 100;
/// Bounds the test: a batch still unacknowledged after this many tries fails it.
const MAX_TRIES: usize = 200;

#[derive(Default)]
struct ProxyStats {
    requests: AtomicU64,
    dropped_before: AtomicU64,
    dropped_after: AtomicU64,
    upstream_down: AtomicU64,
    /// Messages the proxy cannot frame (chunked bodies): must stay 0 for the counts to mean much.
    unframed: AtomicU64,
}

/// Reads one HTTP/1.1 message (head + Content-Length body) from `s`; `buf` keeps bytes read past
/// it. `None` on EOF, error, or a message without a length the proxy understands.
async fn read_message(s: &mut TcpStream, buf: &mut Vec<u8>, stats: &ProxyStats) -> Option<Vec<u8>> {
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    if head.contains("\r\ntransfer-encoding:") {
        stats.unframed.fetch_add(1, Ordering::Relaxed);
        return None;
    }
    let len: usize = head
        .split("\r\n")
        .find_map(|l| l.strip_prefix("content-length:"))
        .map(|v| v.trim().parse().unwrap_or(0))
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let rest = buf.split_off(head_end + len);
    Some(std::mem::replace(buf, rest))
}

/// One client connection (keep-alive: several requests), forwarded over one upstream connection.
/// Returning closes both, which is how a drop looks to the client.
async fn proxy_conn(
    mut client: TcpStream,
    upstream: SocketAddr,
    rng: Arc<Mutex<StdRng>>,
    stats: Arc<ProxyStats>,
) {
    let (mut cbuf, mut ubuf) = (Vec::new(), Vec::new());
    let mut up: Option<TcpStream> = None;
    loop {
        let Some(req) = read_message(&mut client, &mut cbuf, &stats).await else {
            return;
        };
        stats.requests.fetch_add(1, Ordering::Relaxed);
        let fate = rng.lock().unwrap().random_range(0..10u32);
        if fate == 0 {
            stats.dropped_before.fetch_add(1, Ordering::Relaxed);
            return;
        }
        if up.is_none() {
            match TcpStream::connect(upstream).await {
                Ok(s) => up = Some(s),
                Err(_) => {
                    // The server is down (killed, not yet restarted).
                    stats.upstream_down.fetch_add(1, Ordering::Relaxed);
                    return;
                }
            }
        }
        let u = up.as_mut().unwrap();
        if u.write_all(&req).await.is_err() {
            stats.upstream_down.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let Some(res) = read_message(u, &mut ubuf, &stats).await else {
            stats.upstream_down.fetch_add(1, Ordering::Relaxed);
            return;
        };
        if fate == 1 {
            stats.dropped_after.fetch_add(1, Ordering::Relaxed);
            return;
        }
        if client.write_all(&res).await.is_err() {
            return;
        }
    }
}

fn batch_bodies() -> Vec<Vec<u8>> {
    let template: Value = serde_json::from_str(RX).unwrap();
    (0..RECORDS / PER_BATCH)
        .map(|b| {
            let records: Vec<Value> = (0..PER_BATCH)
                .map(|i| {
                    let id = format!("fault-{:05}", b * PER_BATCH + i);
                    let mut doc = template.clone();
                    doc["id"] = json!(id);
                    doc["patient"]["record_no"] = json!(format!("MZF{b:03}{i:02}"));
                    json!({"id": id, "version": 1, "document": doc})
                })
                .collect();
            serde_json::to_vec(&json!({ "records": records })).unwrap()
        })
        .collect()
}

#[derive(Default)]
struct ClientStats {
    pushes: u64,
    retries: u64,
    failed_sends: u64,
    created: u64,
    unchanged: u64,
    conflicts: u64,
    other: u64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_survive_drops_and_kills() {
    let seed: u64 = std::env::var("OPDCHECK_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20261122);
    eprintln!("fault: seed {seed} (OPDCHECK_FAULT_SEED={seed} replays the drop sequence)");
    let started = Instant::now();
    let bin = Path::new(env!("CARGO_BIN_EXE_opdcheck-server"));
    let dist = common::fake_dist();
    let data = tempfile::tempdir().unwrap();
    let log = data.path().join("server.log");
    let storage = Storage::DataDir(data.path().to_owned());
    let server = ServerProc::start(bin, 0, dist.path(), &storage, &log);
    let port = server.port;
    let direct = format!("http://127.0.0.1:{port}");
    let server = Arc::new(Mutex::new(server));
    // The token is stored in the database, so it outlives the restarts.
    let token = common::admin_token(&direct).await;

    let proxy = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_url = format!("http://{}/api/v1/records", proxy.local_addr().unwrap());
    let pstats = Arc::new(ProxyStats::default());
    let proxy_task = {
        let rng = Arc::new(Mutex::new(StdRng::seed_from_u64(seed)));
        let stats = pstats.clone();
        let upstream: SocketAddr = ([127, 0, 0, 1], port).into();
        tokio::spawn(async move {
            loop {
                let Ok((c, _)) = proxy.accept().await else {
                    continue;
                };
                tokio::spawn(proxy_conn(c, upstream, rng.clone(), stats.clone()));
            }
        })
    };

    let bodies = batch_bodies();
    let acked = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    // The killer: SIGKILL at ~20 %, ~50 %, ~80 % of the batches, a random moment into the next
    // batch (so mostly mid-request), then restart on the same port and data directory.
    let killer = {
        let (acked, done, server) = (acked.clone(), done.clone(), server.clone());
        let (bin, dist, log) = (bin.to_owned(), dist.path().to_owned(), log.clone());
        let storage = storage.clone();
        let total = bodies.len();
        tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(seed ^ 0x6b696c6c);
            let mut kills = 0u32;
            for at in [total / 5, total / 2, total * 4 / 5] {
                while acked.load(Ordering::SeqCst) < at {
                    if done.load(Ordering::SeqCst) {
                        return kills;
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                tokio::time::sleep(Duration::from_millis(rng.random_range(0..200))).await;
                let (server, bin, dist, storage, log) = (
                    server.clone(),
                    bin.clone(),
                    dist.clone(),
                    storage.clone(),
                    log.clone(),
                );
                tokio::task::spawn_blocking(move || {
                    let mut s = server.lock().unwrap();
                    s.kill();
                    *s = ServerProc::start(&bin, port, &dist, &storage, &log);
                })
                .await
                .unwrap();
                kills += 1;
            }
            kills
        })
    };

    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let mut cs = ClientStats::default();
    for (b, body) in bodies.iter().enumerate() {
        let mut tries = 0;
        loop {
            tries += 1;
            assert!(
                tries <= MAX_TRIES,
                "batch {b} not acknowledged after {MAX_TRIES} tries"
            );
            if tries > 1 {
                cs.retries += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            cs.pushes += 1;
            let res = http
                .post(&proxy_url)
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await;
            let Ok(res) = res else {
                cs.failed_sends += 1;
                continue;
            };
            let status = res.status();
            let Ok(v) = res.json::<Value>().await else {
                cs.failed_sends += 1;
                continue;
            };
            common::conform("POST", "/api/v1/records", status.as_u16(), &v);
            let results = v["results"].as_array().cloned().unwrap_or_default();
            let (mut created, mut unchanged, mut conflicts) = (0, 0, 0);
            for r in &results {
                match r["status"].as_str() {
                    Some("created") => created += 1,
                    Some("unchanged") => unchanged += 1,
                    Some("conflict") => conflicts += 1,
                    _ => cs.other += 1,
                }
            }
            cs.created += created;
            cs.unchanged += unchanged;
            cs.conflicts += conflicts;
            if conflicts > 0 {
                // Never retried into success: a conflict means a stored body differs.
                eprintln!("fault: batch {b}: {status}, {conflicts} conflicts");
                break;
            }
            if status.is_success() && created + unchanged == PER_BATCH as u64 {
                break;
            }
        }
        acked.store(b + 1, Ordering::SeqCst);
    }
    done.store(true, Ordering::SeqCst);
    let kills = killer.await.unwrap();
    proxy_task.abort();

    // Through the API, straight to the server: the count of distinct ids.
    let list: Value = reqwest::Client::new()
        .get(format!("{direct}/api/v1/records?per_page=1"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let api_total = list["total"].as_u64().unwrap();
    let one: Value = reqwest::Client::new()
        .get(format!("{direct}/api/v1/records/fault-04321"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    server.lock().unwrap().kill();

    // And the file itself: every (id, version) row.
    let db = sqlx::SqlitePool::connect_with(
        sqlx::sqlite::SqliteConnectOptions::new().filename(data.path().join("opdcheck.db")),
    )
    .await
    .unwrap();
    let rows: Vec<(String, i64)> = sqlx::query_as("SELECT id, version FROM records")
        .fetch_all(&db)
        .await
        .unwrap();
    db.close().await;
    let ids: HashSet<&str> = rows.iter().map(|(id, _)| id.as_str()).collect();
    let expected: HashSet<String> = (0..RECORDS).map(|i| format!("fault-{i:05}")).collect();
    let lost = expected
        .iter()
        .filter(|id| !ids.contains(id.as_str()))
        .count();
    let foreign = ids.iter().filter(|id| !expected.contains(**id)).count();
    let not_v1 = rows.iter().filter(|(_, v)| *v != 1).count();

    let p = &pstats;
    eprintln!(
        "fault: {} batches of {PER_BATCH} in {:.1} s: {} pushes, {} retries ({} without an answer); \
         proxy saw {} requests, dropped {} before forwarding and {} after the answer, {} with the \
         server down; {kills} kills; results {} created, {} unchanged, {} conflicts, {} other; \
         stored {} rows, {} distinct ids (API total {api_total}), {lost} lost, {not_v1} not version 1",
        bodies.len(),
        started.elapsed().as_secs_f64(),
        cs.pushes,
        cs.retries,
        cs.failed_sends,
        p.requests.load(Ordering::Relaxed),
        p.dropped_before.load(Ordering::Relaxed),
        p.dropped_after.load(Ordering::Relaxed),
        p.upstream_down.load(Ordering::Relaxed),
        cs.created,
        cs.unchanged,
        cs.conflicts,
        cs.other,
        rows.len(),
        ids.len(),
    );
    assert_eq!(cs.conflicts, 0, "a retry was answered conflict");
    // One record read back through the API: found, with its one version.
    assert_eq!(one["versions"].as_array().map(Vec::len), Some(1), "{one}");
    assert_eq!(
        cs.other, 0,
        "a record was neither created, unchanged nor conflict"
    );
    assert_eq!(lost, 0, "records lost");
    assert_eq!(foreign, 0);
    assert_eq!(not_v1, 0);
    assert_eq!(rows.len(), RECORDS, "one row per record, none doubled");
    assert_eq!(api_total, RECORDS as u64);
    assert_eq!(kills, 3);
    assert_eq!(p.unframed.load(Ordering::Relaxed), 0);
    // The faults really happened: answers were lost after storing, so retries met stored rows.
    assert!(p.dropped_before.load(Ordering::Relaxed) > 0);
    assert!(p.dropped_after.load(Ordering::Relaxed) > 0);
    assert!(cs.unchanged > 0, "no retry re-sent a stored record");
}
