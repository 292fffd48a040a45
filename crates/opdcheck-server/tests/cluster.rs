//! Two servers on one PostgreSQL database agree (issue 13): a policy stored through server A is
//! in force on server B within 5 s without a restart (B's checks apply it), and sign-in failures
//! spread over A and B lock the account on both.
//!
//! Two real server processes (the `opdcheck-server` binary) on a throw-away cluster: binaries
//! from `OPDCHECK_PG_BIN` (default `/usr/lib/postgresql/15/bin`); `OPDCHECK_SKIP_POSTGRES=1`
//! skips the test.

mod common;

use std::net::IpAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use common::{ServerProc, Storage};
use reqwest::StatusCode;
use serde_json::{Value, json};

const RX: &str = opdcheck_engine::samples::PRESCRIPTION_CLEAN;
/// The contract: a stored policy is in force on every server within this.
const PROPAGATION: Duration = Duration::from_secs(5);

async fn sign_in(http: &reqwest::Client, base: &str, user: &str, password: &str) -> StatusCode {
    http.post(format!("{base}/api/v1/login"))
        .json(&json!({"username": user, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
}

async fn token(base: &str, user: &str) -> String {
    let res = reqwest::Client::new()
        .post(format!("{base}/api/v1/login"))
        .json(&json!({"username": user, "password": user}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{user} on {base}");
    let v: Value = res.json().await.unwrap();
    v["token"].as_str().unwrap().to_owned()
}

/// The rule codes `base` finds in the clean prescription, checked as `doctor`.
async fn rules_found(base: &str, doctor: &str) -> Vec<String> {
    let doc: Value = serde_json::from_str(RX).unwrap();
    let res = reqwest::Client::new()
        .post(format!("{base}/api/v1/check"))
        .bearer_auth(doctor)
        .json(&doc)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    common::conform("POST", "/api/v1/check", 200, &v);
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect()
}

async fn policy_version(base: &str) -> i64 {
    let v: Value = reqwest::get(format!("{base}/api/v1/policy"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["version"].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_share_the_policy_and_the_sign_in_limits() {
    let Some(cluster) = common::pg_cluster("two_servers_share_the_policy_and_the_sign_in_limits")
    else {
        return;
    };
    let storage = Storage::Url(cluster.create_database("cluster").await);
    let bin = Path::new(env!("CARGO_BIN_EXE_opdcheck-server"));
    let dist = common::fake_dist();
    let logs = tempfile::tempdir().unwrap();
    // One after the other: the first start makes the demo accounts, the second finds them.
    // (Held to the end: a dropped ServerProc is killed.)
    let server_a = ServerProc::start(bin, 0, dist.path(), &storage, &logs.path().join("a.log"));
    let server_b = ServerProc::start(bin, 0, dist.path(), &storage, &logs.path().join("b.log"));
    let a = format!("http://127.0.0.1:{}", server_a.port);
    let b = format!("http://127.0.0.1:{}", server_b.port);

    // The policy: stored through A, in force on B within 5 s.
    let doctor_b = token(&b, "doctor").await;
    assert!(!rules_found(&b, &doctor_b).await.contains(&"RX-10".into()));
    assert_eq!(policy_version(&b).await, 0);
    let admin_a = token(&a, "admin").await;
    let res = reqwest::Client::new()
        .put(format!("{a}/api/v1/policy"))
        .bearer_auth(&admin_a)
        .json(&json!({"limits": {"max_drugs": 1}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let set: Value = res.json().await.unwrap();
    let stored = Instant::now();
    while policy_version(&b).await != set["version"].as_i64().unwrap() {
        assert!(
            stored.elapsed() < PROPAGATION,
            "B still not on version {} after {:?}",
            set["version"],
            stored.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("cluster: B followed A's policy in {:?}", stored.elapsed());
    // B checks with it: the prescription's two drugs are over the new limit of one.
    assert!(rules_found(&b, &doctor_b).await.contains(&"RX-10".into()));

    // Sign-in limits: 10 failures on admin from three addresses, alternating A and B, lock the
    // account on both servers (each alone saw only five); the right password from a fourth
    // address is refused there too.
    let from = |n: u8| {
        reqwest::Client::builder()
            .local_address(IpAddr::from([127, 0, 0, n]))
            .build()
            .unwrap()
    };
    let guessers = [from(2), from(3), from(4)];
    for i in 0..10 {
        let server = if i % 2 == 0 { &a } else { &b };
        let status = sign_in(&guessers[i % 3], server, "admin", "guess").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "failure {i} on {server}");
    }
    let owner = from(5);
    for server in [&a, &b] {
        let status = sign_in(&owner, server, "admin", "admin").await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{server}");
    }
    // Only that account: QA signs in on either server.
    for server in [&a, &b] {
        assert_eq!(sign_in(&owner, server, "qa", "qa").await, StatusCode::OK);
    }
    drop((server_a, server_b));
    drop(cluster);
}
