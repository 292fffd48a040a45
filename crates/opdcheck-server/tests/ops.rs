//! Operations over real HTTP and real files (issue 17): `/metrics` (who may read it, and that
//! requests, pushes and findings move it), JSON logs with request ids and no patient data,
//! `/readyz` against a database that goes away and comes back, and `backup --to FILE` taken
//! while the server runs, restored into a new server that answers the same records.
//!
//! The servers are the real `opdcheck-server` binary (each process has its own metrics, so the
//! counts are exact). The PostgreSQL case uses a throw-away cluster (`OPDCHECK_PG_BIN`;
//! `OPDCHECK_SKIP_POSTGRES=1` skips it).

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{ServerProc, Storage};
use opdcheck_server::{AppState, Store, app};
use reqwest::StatusCode;
use serde_json::{Value, json};

const RX: &str = opdcheck_engine::samples::PRESCRIPTION_CLEAN;
const METRICS_TOKEN: &str = "metrics-0123456789abcdef0123456789abcdef";
/// What the sample prescription says of its patient and prescriber: never in a log line.
const PATIENT_DATA: &[&str] = &["张伟", "MZ20261122001", "110101198101010011", "李明"];

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_opdcheck-server"))
}

/// A prescription with an error-level defect: the prescriber did not sign.
fn unsigned_rx(id: &str) -> Value {
    let mut v: Value = serde_json::from_str(RX).unwrap();
    v["id"] = json!(id);
    v["prescriber"]["signed_at"] = Value::Null;
    v["prescriber"]["signature_id"] = Value::Null;
    v
}

fn rx(id: &str) -> Value {
    let mut v: Value = serde_json::from_str(RX).unwrap();
    v["id"] = json!(id);
    v
}

async fn token(base: &str, user: &str) -> String {
    let res = reqwest::Client::new()
        .post(format!("{base}/api/v1/login"))
        .json(&json!({"username": user, "password": user}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{user} signs in on {base}");
    res.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Pushes `(id, version, document)` records as the bearer of `token`: the response.
async fn push(base: &str, token: &str, records: &[(&str, i64, Value)]) -> reqwest::Response {
    let records: Vec<Value> = records
        .iter()
        .map(|(id, version, doc)| json!({"id": id, "version": version, "document": doc}))
        .collect();
    reqwest::Client::new()
        .post(format!("{base}/api/v1/records"))
        .bearer_auth(token)
        .json(&json!({ "records": records }))
        .send()
        .await
        .unwrap()
}

async fn get(base: &str, path: &str, bearer: Option<&str>) -> reqwest::Response {
    let mut req = reqwest::Client::new().get(format!("{base}{path}"));
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

/// The value of the sample `name{labels…}` whose labels include all of `want`.
fn sample(text: &str, name: &str, want: &[(&str, &str)]) -> Option<f64> {
    text.lines().find_map(|line| {
        let rest = line.strip_prefix(name)?;
        let (labels, value) = match rest.strip_prefix('{') {
            Some(r) => r.split_once("} ")?,
            None => ("", rest.strip_prefix(' ')?),
        };
        let labels: BTreeMap<&str, &str> = labels
            .split("\",")
            .filter_map(|kv| {
                let (k, v) = kv.split_once("=\"")?;
                Some((k, v.trim_end_matches('"')))
            })
            .collect();
        want.iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            .then(|| value.trim().parse().unwrap())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_pushes_and_findings_for_admins_and_the_token() {
    let dist = common::fake_dist();
    let data = tempfile::tempdir().unwrap();
    let storage = Storage::DataDir(data.path().join("d"));
    let log = data.path().join("server.log");
    let env = [("OPDCHECK_METRICS_TOKEN", METRICS_TOKEN)];
    let server = ServerProc::start_with(bin(), 0, dist.path(), &storage, &log, &[], &env);
    let base = format!("http://127.0.0.1:{}", server.port);
    let doctor = token(&base, "doctor").await;
    let admin = token(&base, "admin").await;

    // Who may read: the token's bearer and admins; not the anonymous, a wrong token, a doctor.
    assert_eq!(get(&base, "/metrics", None).await.status(), 401);
    let wrong = METRICS_TOKEN.replace('0', "1");
    assert_eq!(get(&base, "/metrics", Some(&wrong)).await.status(), 401);
    let res = get(&base, "/metrics", Some(&doctor)).await;
    assert_eq!(res.status(), 403);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["code"],
        "forbidden"
    );
    assert_eq!(get(&base, "/metrics", Some(&admin)).await.status(), 200);

    // A push that breaks a rule, its retry, an invalid record, a read, a check, an app page.
    let id = "rx-ops-secret-1";
    let res = push(&base, &doctor, &[(id, 1, unsigned_rx(id))]).await;
    assert_eq!(res.status(), 200);
    let pushed: Value = res.json().await.unwrap();
    assert_eq!(pushed["results"][0]["status"], "created", "{pushed}");
    let findings = pushed["results"][0]["report"]["findings"]
        .as_array()
        .unwrap();
    let broken = findings
        .iter()
        .find(|f| f["severity"] == "error")
        .expect("the unsigned prescription breaks an error-level rule");
    let rule = broken["rule"].as_str().unwrap();
    let of_rule = findings.iter().filter(|f| f["rule"] == rule).count() as f64;
    let res = push(&base, &doctor, &[(id, 1, unsigned_rx(id))]).await;
    let retried: Value = res.json().await.unwrap();
    assert_eq!(retried["results"][0]["status"], "unchanged");
    let mut bad = rx("rx-ops-bad");
    bad["items"] = json!("none");
    let res = push(&base, &doctor, &[("rx-ops-bad", 1, bad)]).await;
    let invalid: Value = res.json().await.unwrap();
    assert_eq!(invalid["results"][0]["status"], "invalid", "{invalid}");
    assert_eq!(
        get(&base, &format!("/api/v1/records/{id}"), Some(&doctor))
            .await
            .status(),
        200
    );
    let res = reqwest::Client::new()
        .post(format!("{base}/api/v1/check"))
        .bearer_auth(&doctor)
        .json(&unsigned_rx("rx-ops-check"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // A FHIR Bundle whose one MedicationRequest says 遵医嘱: one RX-08 from `fhir`.
    let bundle = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../samples/fhir/visit-vague-dosage.json"
    ))
    .unwrap();
    let res = reqwest::Client::new()
        .post(format!("{base}/api/v1/fhir/$validate"))
        .bearer_auth(&doctor)
        .header("content-type", "application/fhir+json")
        .body(bundle)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(get(&base, "/prescription/张伟", None).await.status(), 200);

    let res = get(&base, "/metrics", Some(METRICS_TOKEN)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "text/plain; version=0.0.4",
        "Prometheus's text format"
    );
    let text = res.text().await.unwrap();
    let ingested = |outcome| {
        sample(
            &text,
            "opdcheck_records_ingested_total",
            &[("kind", "prescription"), ("outcome", outcome)],
        )
    };
    assert_eq!(ingested("created"), Some(1.0), "{text}");
    assert_eq!(ingested("unchanged"), Some(1.0), "{text}");
    assert_eq!(ingested("invalid"), Some(1.0), "{text}");
    // Counted once for the stored record (not again for its retry), and for the check.
    let found = |source| {
        sample(
            &text,
            "opdcheck_findings_total",
            &[("rule", rule), ("severity", "error"), ("source", source)],
        )
    };
    assert_eq!(found("push"), Some(of_rule), "{rule}: {text}");
    assert_eq!(found("check"), Some(of_rule), "{rule}: {text}");
    assert_eq!(
        sample(
            &text,
            "opdcheck_findings_total",
            &[("rule", "RX-08"), ("severity", "error"), ("source", "fhir")],
        ),
        Some(1.0),
        "{text}"
    );
    let requests = |method, route, status| {
        sample(
            &text,
            "opdcheck_http_requests_total",
            &[("method", method), ("route", route), ("status", status)],
        )
    };
    assert_eq!(
        requests("POST", "/api/v1/records", "200"),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        requests("GET", "/api/v1/records/{id}", "200"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        requests("POST", "/api/v1/check", "200"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(requests("GET", "/metrics", "401"), Some(2.0), "{text}");
    assert_eq!(requests("GET", "/metrics", "403"), Some(1.0), "{text}");
    assert_eq!(requests("GET", "(unmatched)", "200"), Some(1.0), "{text}");
    // The latency histogram: every push in the +Inf bucket and the count, buckets rising.
    let bucket = |le| {
        sample(
            &text,
            "opdcheck_http_request_duration_seconds_bucket",
            &[("method", "POST"), ("route", "/api/v1/records"), ("le", le)],
        )
    };
    assert_eq!(bucket("+Inf"), Some(3.0), "{text}");
    assert!(bucket("0.005").unwrap() <= bucket("30").unwrap(), "{text}");
    let count = sample(
        &text,
        "opdcheck_http_request_duration_seconds_count",
        &[("method", "POST"), ("route", "/api/v1/records")],
    );
    assert_eq!(count, Some(3.0), "{text}");
    assert!(text.contains("# TYPE opdcheck_http_request_duration_seconds histogram"));
    // Labels are route templates and the engine's codes: no ids, no patient data.
    for secret in [id, "rx-ops-check", "rx-ops-bad"]
        .iter()
        .chain(PATIENT_DATA)
    {
        assert!(!text.contains(secret), "{secret} in the metrics:\n{text}");
    }
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_metrics_token_is_refused_at_start() {
    let dist = common::fake_dist();
    let data = tempfile::tempdir().unwrap();
    let out = Command::new(bin())
        .args(["--addr", "127.0.0.1:0", "--dist"])
        .arg(dist.path())
        .arg("--data-dir")
        .arg(data.path())
        .env("OPDCHECK_METRICS_TOKEN", "secret")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("at least 32 characters"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_carry_the_request_id_and_no_patient_data() {
    let dist = common::fake_dist();
    let data = tempfile::tempdir().unwrap();
    let storage = Storage::DataDir(data.path().join("d"));
    let log = data.path().join("server.log");
    let mut server = ServerProc::start_with(
        bin(),
        0,
        dist.path(),
        &storage,
        &log,
        &["--log-format", "json"],
        &[("RUST_LOG", "opdcheck_server=info,tower_http=info")],
    );
    let base = format!("http://127.0.0.1:{}", server.port);
    let doctor = token(&base, "doctor").await;
    let id = "rx-log-secret-7";
    let res = push(&base, &doctor, &[(id, 1, unsigned_rx(id))]).await;
    assert_eq!(res.status(), 200);
    let made = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(made.len(), 36, "a UUID: {made}");
    // A proxy's sane id is kept; an id that is not sane is replaced.
    let res = reqwest::Client::new()
        .get(format!("{base}/api/v1/records/{id}?doctor=张伟"))
        .bearer_auth(&doctor)
        .header("x-request-id", "proxy-42.a")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-request-id"], "proxy-42.a");
    let res = reqwest::Client::new()
        .get(format!("{base}/healthz"))
        .header("x-request-id", "forged id level=ERROR")
        .send()
        .await
        .unwrap();
    let replaced = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(replaced.len(), 36, "replaced by a UUID: {replaced}");
    server.stop();

    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(
        lines
            .iter()
            .all(|l| l["level"].is_string() && l["timestamp"].is_string())
    );
    let request_line = |rid: &str, path: &str| {
        lines.iter().find(|l| {
            l["span"]["request_id"] == rid
                && l["span"]["path"] == path
                && l["fields"]["status"].is_number()
        })
    };
    let pushed = request_line(&made, "/api/v1/records").unwrap_or_else(|| panic!("{text}"));
    assert_eq!(pushed["span"]["method"], "POST");
    assert_eq!(pushed["fields"]["status"], 200);
    let read =
        request_line("proxy-42.a", "/api/v1/records/{id}").unwrap_or_else(|| panic!("{text}"));
    assert_eq!(read["span"]["query"], "doctor");
    assert!(request_line(&replaced, "/healthz").is_some(), "{text}");
    assert!(!text.contains("forged"), "{text}");
    for secret in [id].iter().chain(PATIENT_DATA) {
        assert!(!text.contains(secret), "{secret} logged:\n{text}");
    }
}

/// The in-process app over a SQLite pool that is closed (the database gone): 503, while
/// `/healthz` (liveness) still answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_is_503_when_the_database_is_closed() {
    let data = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&data.path().join("opdcheck.db"))
        .await
        .unwrap();
    let (base, _task) = common::serve(app(AppState::api_only(store.clone()))).await;
    let res = get(&base, "/readyz", None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"status": "ready"})
    );
    let Store::Sqlite(pool) = &store else {
        unreachable!()
    };
    pool.close().await;
    let res = get(&base, "/readyz", None).await;
    assert_eq!(res.status(), 503);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "database_unreachable", "{body}");
    assert_eq!(get(&base, "/healthz", None).await.status(), 200);
}

/// A PostgreSQL outage: ready, then 503 within the probe's time while the cluster is down, then
/// ready again once it is back (the pool reconnects).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_follows_a_postgres_outage() {
    let Some(cluster) = common::pg_cluster("readyz_follows_a_postgres_outage") else {
        return;
    };
    let storage = Storage::Url(cluster.create_database("ready").await);
    let dist = common::fake_dist();
    let logs = tempfile::tempdir().unwrap();
    let server = ServerProc::start(bin(), 0, dist.path(), &storage, &logs.path().join("s.log"));
    let base = format!("http://127.0.0.1:{}", server.port);
    assert_eq!(get(&base, "/readyz", None).await.status(), 200);

    cluster.stop();
    let asked = Instant::now();
    let res = get(&base, "/readyz", None).await;
    assert_eq!(res.status(), 503);
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "{:?}",
        asked.elapsed()
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "database_unreachable", "{body}");
    assert_eq!(get(&base, "/healthz", None).await.status(), 200);

    cluster.restart();
    let back = Instant::now();
    while get(&base, "/readyz", None).await.status() != 200 {
        assert!(back.elapsed() < Duration::from_secs(20), "still not ready");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(server);
    drop(cluster);
}

/// Runs `opdcheck-server ARGS…`: (success, stdout, stderr).
fn cli(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(bin())
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_serving_restores_the_same_records() {
    let dist = common::fake_dist();
    let work = tempfile::tempdir().unwrap();
    let live = work.path().join("live");
    let mut server = ServerProc::start(
        bin(),
        0,
        dist.path(),
        &Storage::DataDir(live.clone()),
        &work.path().join("live.log"),
    );
    let base = format!("http://127.0.0.1:{}", server.port);
    let doctor = token(&base, "doctor").await;
    let mut amended = rx("rx-bk-1");
    amended["diagnoses"] = json!(["急性上呼吸道感染"]);
    let res = push(
        &base,
        &doctor,
        &[
            ("rx-bk-1", 1, rx("rx-bk-1")),
            ("rx-bk-1", 2, amended),
            ("rx-bk-2", 1, unsigned_rx("rx-bk-2")),
            ("rx-bk-3", 1, rx("rx-bk-3")),
        ],
    )
    .await;
    assert_eq!(res.status(), 200);
    let qa = token(&base, "qa").await;
    let mut before = BTreeMap::new();
    for id in ["rx-bk-1", "rx-bk-2", "rx-bk-3"] {
        let res = get(&base, &format!("/api/v1/records/{id}"), Some(&qa)).await;
        assert_eq!(res.status(), 200);
        before.insert(id, res.json::<Value>().await.unwrap());
    }

    // Pushes go on while the backup is taken: the copy is consistent whatever they do.
    let busy = Arc::new(AtomicBool::new(true));
    let pushed = Arc::new(AtomicUsize::new(0));
    let pusher = tokio::spawn({
        let (busy, pushed, base, doctor) =
            (busy.clone(), pushed.clone(), base.clone(), doctor.clone());
        async move {
            while busy.load(Ordering::Relaxed) {
                let id = format!("rx-bg-{}", pushed.load(Ordering::Relaxed));
                let res = push(&base, &doctor, &[(&id, 1, rx(&id))]).await;
                assert_eq!(res.status(), 200);
                pushed.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let copy = work.path().join("opdcheck-backup.db");
    let (ok, out, err) = tokio::task::spawn_blocking({
        let (live, copy) = (live.clone(), copy.clone());
        move || {
            cli(&[
                "--data-dir",
                live.to_str().unwrap(),
                "backup",
                "--to",
                copy.to_str().unwrap(),
            ])
        }
    })
    .await
    .unwrap();
    busy.store(false, Ordering::Relaxed);
    pusher.await.unwrap();
    assert!(ok, "backup failed: {err}");
    // "opdcheck: backup written to F: N bytes, R records (V versions), integrity ok"
    assert!(out.contains("integrity ok"), "{out}");
    let records: i64 = out
        .split(" bytes, ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert!(records >= 3, "{out}");
    assert!(
        out.contains(&format!(
            "{} bytes",
            std::fs::metadata(&copy).unwrap().len()
        )),
        "{out}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the copy holds patient data");
    }

    // Never over an existing file without --force; PostgreSQL is pg_dump's.
    let live_dir = live.to_str().unwrap();
    let to = copy.to_str().unwrap();
    let (ok, _, err) = cli(&["--data-dir", live_dir, "backup", "--to", to]);
    assert!(!ok && err.contains("exists; pass --force"), "{err}");
    let (ok, out, err) = cli(&["--data-dir", live_dir, "backup", "--to", to, "--force"]);
    assert!(ok && out.contains("integrity ok"), "{err}");
    let (ok, _, err) = cli(&[
        "--database-url",
        "postgres://app@127.0.0.1:1/x",
        "backup",
        "--to",
        "x.db",
    ]);
    assert!(!ok && err.contains("pg_dump"), "{err}");
    let missing = work.path().join("none");
    let (ok, _, err) = cli(&[
        "--data-dir",
        missing.to_str().unwrap(),
        "backup",
        "--to",
        "x.db",
    ]);
    assert!(!ok && err.contains("no database here"), "{err}");
    server.stop();

    // The documented restore: the copy as opdcheck.db of a fresh data directory.
    let restored = work.path().join("restored");
    std::fs::create_dir(&restored).unwrap();
    std::fs::copy(&copy, restored.join("opdcheck.db")).unwrap();
    let server = ServerProc::start(
        bin(),
        0,
        dist.path(),
        &Storage::DataDir(restored),
        &work.path().join("restored.log"),
    );
    let base = format!("http://127.0.0.1:{}", server.port);
    let qa = token(&base, "qa").await;
    for (id, was) in &before {
        let res = get(&base, &format!("/api/v1/records/{id}"), Some(&qa)).await;
        assert_eq!(res.status(), 200, "{id}");
        assert_eq!(&res.json::<Value>().await.unwrap(), was, "{id} restored");
    }
    // The --force copy was taken after the pushes ended: every record is there.
    let page: Value = get(&base, "/api/v1/records?per_page=1", Some(&qa))
        .await
        .json()
        .await
        .unwrap();
    let total = pushed.load(Ordering::Relaxed) as i64 + 3;
    assert_eq!(page["total"], total, "{page}");
    drop(server);
}
