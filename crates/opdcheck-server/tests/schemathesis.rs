//! Property-based test of the API against its own OpenAPI document with schemathesis (PyPI), as
//! a doctor, as QA and as an admin: no 5xx, no dropped connection, and every response conforms to
//! the documented status codes, content types and schemas.
//!
//! Ignored, so that `cargo test --workspace` needs no Python: `cargo xtask test` installs
//! schemathesis in a venv and runs `cargo test -p opdcheck-server --test schemathesis -- --ignored`
//! with `SCHEMATHESIS` set to its command (else `schemathesis` on PATH is used).

use std::process::Command;
use std::time::Instant;

use opdcheck_server::{AppState, Store, app};
use serde_json::{Value, json};

const RX: &str = opdcheck_engine::samples::PRESCRIPTION_CLEAN;
const MR: &str = opdcheck_engine::samples::OUTPATIENT_RECORD_CLEAN;

/// Per role: test cases per operation, and a ceiling on the run (the whole test must stay well
/// under 4 minutes on a shared 2-core machine).
const MAX_EXAMPLES: &str = "12";
const MAX_SECONDS_PER_ROLE: u64 = 55;
/// Fixed, so a failure reproduces.
const SEED: &str = "20261202";

fn schemathesis() -> String {
    let exe = std::env::var("SCHEMATHESIS").unwrap_or_else(|_| "schemathesis".into());
    let version = Command::new(&exe).arg("--version").output();
    match version {
        Ok(out) if out.status.success() => exe,
        _ => panic!(
            "schemathesis not found (`{exe}`): run `cargo xtask test`, which installs it in \
             target/schemathesis-venv, or set SCHEMATHESIS to its path"
        ),
    }
}

async fn login(http: &reqwest::Client, base: &str, user: &str) -> String {
    let res = http
        .post(format!("{base}/api/v1/login"))
        .json(&json!({"username": user, "password": user}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "login {user}: {}", res.status());
    let v: Value = res.json().await.unwrap();
    v["token"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn schemathesis_finds_nothing() {
    let exe = schemathesis();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("st.db")).await.unwrap();
    assert!(
        opdcheck_server::auth::seed_demo_users(&store)
            .await
            .unwrap()
    );
    let state = AppState::api_only(store).with_auth();
    state.load_policy().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app(state)).await.unwrap() });
    let http = reqwest::Client::new();

    // A few stored records, so lists, records and samples have something to answer with.
    let doctor = login(&http, &base, "doctor").await;
    let mut records = Vec::new();
    for (i, text) in [RX, MR, RX].into_iter().enumerate() {
        let mut doc: Value = serde_json::from_str(text).unwrap();
        let id = format!("st-{i}");
        doc["id"] = json!(id);
        records.push(json!({"id": id, "version": 1, "document": doc}));
    }
    let res = http
        .post(format!("{base}/api/v1/records"))
        .bearer_auth(&doctor)
        .json(&json!({ "records": records }))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "seed records: {}", res.status());

    // Every role signs in before any run: the fuzzer's own failed sign-ins lock this client
    // address out of `/login` for a while (as they should).
    let mut tokens = Vec::new();
    for role in ["doctor", "qa", "admin"] {
        tokens.push((role, login(&http, &base, role).await));
    }
    let started = Instant::now();
    let mut failed = Vec::new();
    for (role, token) in tokens {
        let mut cmd = Command::new(&exe);
        cmd.arg("run")
            .arg(format!("{base}/api/v1/openapi.json"))
            .args(["--url", &base])
            .args(["-H", &format!("Authorization: Bearer {token}")])
            .args([
                "--checks",
                "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            ])
            .args(["--phases", "examples,coverage,fuzzing"])
            .args(["--max-examples", MAX_EXAMPLES])
            .args(["--max-time", &MAX_SECONDS_PER_ROLE.to_string()])
            .args(["--seed", SEED])
            .args(["--workers", "1"])
            .args(["--request-timeout", "20"])
            .args(["--generation-database", "none"])
            // Not a generated X-Api-Key: the server reads that header first, so a random one
            // would make nearly every request a 401 and test nothing behind sign-in.
            .args(["--generation-with-security-parameters", "false"])
            // DELETE /users/{username} could delete the very account whose session this run
            // uses (every later request would be a 401); deleting users is tested in
            // tests/api.rs.
            .args(["--exclude-path", "/api/v1/users/{username}"])
            // Logging out (and a password change, which ends the user's other sessions) would
            // end the run's own session too; both are tested in tests/accounts.rs.
            .args(["--exclude-path", "/api/v1/logout"])
            .args(["--exclude-path", "/api/v1/me/password"])
            .arg("--no-color")
            // 4.x has no telemetry (3.x had, switched off by this); no --report either: nothing
            // is written or sent anywhere.
            .env("SCHEMATHESIS_TELEMETRY", "false")
            // Only 127.0.0.1 is contacted; keep proxies out of it.
            .env("NO_PROXY", "127.0.0.1")
            .current_dir(dir.path());
        eprintln!("schemathesis as {role}");
        let t = Instant::now();
        let out = tokio::task::spawn_blocking(move || cmd.output())
            .await
            .unwrap()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        eprintln!(
            "{stdout}\n{}\nas {role}: {} in {:.0} s",
            String::from_utf8_lossy(&out.stderr),
            out.status,
            t.elapsed().as_secs_f64()
        );
        if !out.status.success() {
            failed.push(role);
        }
    }
    eprintln!(
        "schemathesis: 3 roles in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    assert!(
        failed.is_empty(),
        "schemathesis found failures as {failed:?} (see the output above)"
    );
}
