//! Accounts over real HTTP (issue 11): no default secrets, sessions that end, scoped keys,
//! bounded sign-in, the audit trail. Storage-backed scenarios run on a temporary SQLite file and
//! on a throw-away PostgreSQL cluster (`postgres_accounts`); the binary's first start and its
//! `user` / `key` subcommands run the real `opdcheck-server`.

mod common;
#[path = "accounts/prescribers.rs"]
mod prescribers;

use std::future::Future;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::pin::Pin;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{ServerProc, Storage};
use opdcheck_server::{AppState, Store, app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const RX: &str = opdcheck_engine::samples::PRESCRIPTION_CLEAN;
const BIN: &str = env!("CARGO_BIN_EXE_opdcheck-server");

fn rx(id: &str, department: &str) -> Value {
    let mut v: Value = serde_json::from_str(RX).unwrap();
    v["id"] = json!(id);
    v["department"] = json!(department);
    v
}

fn batch(records: &[(&str, Value)]) -> Value {
    let records: Vec<Value> = records
        .iter()
        .map(|(id, d)| json!({"id": id, "version": 1, "document": d}))
        .collect();
    json!({ "records": records })
}

struct Server {
    base: String,
    http: reqwest::Client,
    store: Store,
    _task: tokio::task::JoinHandle<()>,
}

/// Credentials of a request.
#[derive(Clone, Copy)]
enum As<'a> {
    Nobody,
    Token(&'a str),
    Key(&'a str),
}

impl Server {
    /// Sign-in enforced, demo accounts made, connect info on (as `lib::serve`).
    async fn start(store: Store, idle: Option<Duration>) -> Server {
        Server::start_behind(store, idle, Vec::new()).await
    }

    /// As [`Server::start`], behind the reverse proxies `proxies` (`--trusted-proxy`).
    async fn start_behind(store: Store, idle: Option<Duration>, proxies: Vec<IpAddr>) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        assert!(
            opdcheck_server::auth::seed_demo_users(&store)
                .await
                .unwrap()
        );
        let mut state = AppState::api_only(store.clone())
            .with_auth()
            .with_trusted_proxies(proxies);
        if let Some(idle) = idle {
            state = state.with_idle_timeout(idle);
        }
        let router = app(state);
        let task = tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .unwrap();
        });
        Server {
            base: format!("http://{addr}"),
            http: reqwest::Client::new(),
            store,
            _task: task,
        }
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        who: As<'_>,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        call_with(&self.http, &self.base, method, path, who, body).await
    }

    async fn get(&self, path: &str, who: As<'_>) -> (StatusCode, Value) {
        self.call(Method::GET, path, who, None).await
    }

    async fn post(&self, path: &str, who: As<'_>, body: &Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, who, Some(body)).await
    }

    async fn login(&self, username: &str, password: &str) -> (StatusCode, Value) {
        self.post(
            "/api/v1/login",
            As::Nobody,
            &json!({"username": username, "password": password}),
        )
        .await
    }

    async fn token(&self, username: &str, password: &str) -> String {
        let (status, v) = self.login(username, password).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        v["token"].as_str().unwrap().to_owned()
    }

    /// A new key from the admin's hands: (status, body).
    async fn new_key(&self, admin: &str, spec: Value) -> (StatusCode, Value) {
        self.post("/api/v1/api-keys", As::Token(admin), &spec).await
    }

    async fn audit(&self, admin: &str, query: &str) -> Vec<Value> {
        let (status, v) = self
            .get(
                &format!("/api/v1/audit?per_page=200&{query}"),
                As::Token(admin),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        v["items"].as_array().unwrap().clone()
    }
}

async fn call_with(
    http: &reqwest::Client,
    base: &str,
    method: Method,
    path: &str,
    who: As<'_>,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    let method_name = method.to_string();
    let mut req = http.request(method, format!("{base}{path}"));
    match who {
        As::Nobody => {}
        As::Token(t) => req = req.header("authorization", format!("Bearer {t}")),
        As::Key(k) => req = req.header("x-api-key", k),
    }
    if let Some(body) = body {
        req = req.json(body);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let url_path = res.url().path().to_owned();
    let text = res.text().await.unwrap();
    if text.is_empty() {
        return (status, Value::Null);
    }
    let v = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {status} {text}"));
    // Every JSON answer is what the OpenAPI document says it is.
    common::conform(method_name.as_str(), &url_path, status.as_u16(), &v);
    (status, v)
}

fn assert_error(got: &(StatusCode, Value), want: StatusCode, code: Option<&str>) {
    assert_eq!(got.0, want, "{}", got.1);
    assert!(got.1["error"]["message"].is_string(), "{}", got.1);
    if let Some(code) = code {
        assert_eq!(got.1["error"]["code"], code, "{}", got.1);
    }
}

// ---------------------------------------------------------------- scenarios (both databases)

/// Every new endpoint: 401 without credentials, 403 for the wrong role, 2xx for the right one.
async fn endpoint_roles(s: &Server) {
    let admin = s.token("admin", "admin").await;
    let qa = s.token("qa", "qa").await;
    let doctor = s.token("doctor", "doctor").await;
    let key = opdcheck_server::auth::DEMO_PORTAL_KEY;

    // GET /me
    assert_error(
        &s.get("/api/v1/me", As::Nobody).await,
        StatusCode::UNAUTHORIZED,
        None,
    );
    assert_error(
        &s.get("/api/v1/me", As::Key(key)).await,
        StatusCode::FORBIDDEN,
        None,
    );
    let (status, v) = s.get("/api/v1/me", As::Token(&doctor)).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let mut me = v.clone();
    let signature = me["prescriber"]["signature_id"].take();
    assert!(signature.as_str().unwrap().starts_with("SIG-D0012-"), "{v}");
    assert_eq!(
        me,
        json!({"username": "doctor", "role": "doctor", "doctor_id": "D0012", "name": null,
               "prescriber": {"title": null, "signature_id": null, "antibiotic_tier": null,
                              "prescribing_rights": true, "narcotic_psych1_rights": false}})
    );

    // GET /audit: admins only.
    assert_error(
        &s.get("/api/v1/audit", As::Nobody).await,
        StatusCode::UNAUTHORIZED,
        None,
    );
    for who in [As::Token(&qa), As::Token(&doctor), As::Key(key)] {
        assert_error(
            &s.get("/api/v1/audit", who).await,
            StatusCode::FORBIDDEN,
            None,
        );
    }
    assert_eq!(
        s.get("/api/v1/audit", As::Token(&admin)).await.0,
        StatusCode::OK
    );

    // API keys: admins only.
    let spec = json!({"name": "roles-key"});
    assert_error(
        &s.new_key("", spec.clone()).await,
        StatusCode::UNAUTHORIZED,
        None,
    );
    assert_error(
        &s.post("/api/v1/api-keys", As::Token(&qa), &spec).await,
        StatusCode::FORBIDDEN,
        None,
    );
    assert_error(
        &s.post("/api/v1/api-keys", As::Key(key), &spec).await,
        StatusCode::FORBIDDEN,
        None,
    );
    let (status, v) = s.new_key(&admin, spec.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["scopes"], json!(["check", "push"]), "default scopes: {v}");
    assert!(v["key"].as_str().unwrap().starts_with("opd_"));
    assert_error(&s.new_key(&admin, spec).await, StatusCode::CONFLICT, None);
    assert_error(
        &s.get("/api/v1/api-keys", As::Nobody).await,
        StatusCode::UNAUTHORIZED,
        None,
    );
    assert_error(
        &s.get("/api/v1/api-keys", As::Token(&doctor)).await,
        StatusCode::FORBIDDEN,
        None,
    );
    assert_eq!(
        s.get("/api/v1/api-keys", As::Token(&admin)).await.0,
        StatusCode::OK
    );
    let del = |who| s.call(Method::DELETE, "/api/v1/api-keys/roles-key", who, None);
    assert_error(&del(As::Nobody).await, StatusCode::UNAUTHORIZED, None);
    assert_error(&del(As::Token(&qa)).await, StatusCode::FORBIDDEN, None);
    assert_eq!(del(As::Token(&admin)).await.0, StatusCode::NO_CONTENT);
    assert_error(&del(As::Token(&admin)).await, StatusCode::NOT_FOUND, None);

    // Users: a new password has at least 10 characters.
    let short = json!({"username": "li", "password": "short-pw", "role": "qa"});
    assert_error(
        &s.post("/api/v1/users", As::Token(&admin), &short).await,
        StatusCode::BAD_REQUEST,
        Some("weak_password"),
    );
    let li = json!({"username": "li", "password": "li-password-1", "role": "qa"});
    assert_error(
        &s.post("/api/v1/users", As::Token(&qa), &li).await,
        StatusCode::FORBIDDEN,
        None,
    );
    assert_eq!(
        s.post("/api/v1/users", As::Token(&admin), &li).await.0,
        StatusCode::CREATED
    );

    // POST /me/password: users only.
    let change = json!({"current": "li-password-1", "new": "li-password-2"});
    assert_error(
        &s.post("/api/v1/me/password", As::Nobody, &change).await,
        StatusCode::UNAUTHORIZED,
        None,
    );
    assert_error(
        &s.post("/api/v1/me/password", As::Key(key), &change).await,
        StatusCode::FORBIDDEN,
        None,
    );
    let li_token = s.token("li", "li-password-1").await;
    let got = s
        .post(
            "/api/v1/me/password",
            As::Token(&li_token),
            &json!({"current": "li-password-1", "new": "too-short"}),
        )
        .await;
    assert_error(&got, StatusCode::BAD_REQUEST, Some("weak_password"));
    assert_eq!(got.1["error"]["path"], "new");
    assert_eq!(
        s.post("/api/v1/me/password", As::Token(&li_token), &change)
            .await
            .0,
        StatusCode::NO_CONTENT
    );

    // POST /logout: a session, not a key.
    assert_error(
        &s.post("/api/v1/logout", As::Nobody, &json!({})).await,
        StatusCode::UNAUTHORIZED,
        None,
    );
    assert_error(
        &s.post("/api/v1/logout", As::Key(key), &json!({})).await,
        StatusCode::FORBIDDEN,
        None,
    );
    assert_eq!(
        s.post("/api/v1/logout", As::Token(&qa), &json!({})).await.0,
        StatusCode::NO_CONTENT
    );
}

/// Scopes, departments, expiry, revocation and last use of integrator keys.
async fn scoped_keys(s: &Server) {
    let admin = s.token("admin", "admin").await;
    // Records of two departments, pushed by the admin.
    let (status, v) = s
        .post(
            "/api/v1/records",
            As::Token(&admin),
            &batch(&[
                ("rx-a", rx("rx-a", "呼吸内科")),
                ("rx-b", rx("rx-b", "儿科")),
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");

    // check only.
    let (_, v) = s
        .new_key(&admin, json!({"name": "checker", "scopes": ["check"]}))
        .await;
    let checker = v["key"].as_str().unwrap().to_owned();
    assert_error(
        &s.get("/api/v1/records", As::Key(&checker)).await,
        StatusCode::FORBIDDEN,
        Some("forbidden"),
    );
    assert_error(
        &s.get("/api/v1/records/rx-a", As::Key(&checker)).await,
        StatusCode::FORBIDDEN,
        None,
    );
    assert_error(
        &s.get("/api/v1/stats", As::Key(&checker)).await,
        StatusCode::FORBIDDEN,
        None,
    );
    assert_error(
        &s.post(
            "/api/v1/records",
            As::Key(&checker),
            &batch(&[("rx-c", rx("rx-c", "儿科"))]),
        )
        .await,
        StatusCode::FORBIDDEN,
        None,
    );
    let (status, v) = s
        .post("/api/v1/check", As::Key(&checker), &rx("x", "儿科"))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert!(v["score"].is_object(), "{v}");
    // Rules and policy stay open to any caller with credentials.
    assert_eq!(
        s.get("/api/v1/rules", As::Key(&checker)).await.0,
        StatusCode::OK
    );
    assert_eq!(
        s.get("/api/v1/policy", As::Key(&checker)).await.0,
        StatusCode::OK
    );
    // QA endpoints: never a key.
    assert_error(
        &s.get("/api/v1/samples", As::Key(&checker)).await,
        StatusCode::FORBIDDEN,
        None,
    );

    // The default key pushes but does not read.
    let (_, v) = s.new_key(&admin, json!({"name": "pusher"})).await;
    let pusher = v["key"].as_str().unwrap().to_owned();
    let (status, v) = s
        .post(
            "/api/v1/records",
            As::Key(&pusher),
            &batch(&[("rx-p", rx("rx-p", "儿科"))]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_error(
        &s.get("/api/v1/records", As::Key(&pusher)).await,
        StatusCode::FORBIDDEN,
        None,
    );

    // Bound to one department: reads, pushes and checks only its documents.
    let (status, v) = s
        .new_key(
            &admin,
            json!({"name": "resp", "scopes": ["check", "push", "read"], "departments": ["呼吸内科"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["departments"], json!(["呼吸内科"]));
    let resp = v["key"].as_str().unwrap().to_owned();
    let (status, v) = s.get("/api/v1/records", As::Key(&resp)).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(v["items"][0]["id"], "rx-a");
    let (_, v) = s.get("/api/v1/stats", As::Key(&resp)).await;
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(
        s.get("/api/v1/records/rx-a", As::Key(&resp)).await.0,
        StatusCode::OK
    );
    assert_error(
        &s.get("/api/v1/records/rx-b", As::Key(&resp)).await,
        StatusCode::FORBIDDEN,
        None,
    );
    let (status, v) = s
        .post(
            "/api/v1/records",
            As::Key(&resp),
            &batch(&[
                ("rx-a2", rx("rx-a2", "呼吸内科")),
                ("rx-b2", rx("rx-b2", "儿科")),
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(v["results"][0]["status"], "created", "{v}");
    assert_eq!(v["results"][1]["status"], "forbidden", "{v}");
    assert_eq!(
        v["results"][1]["error"]["path"],
        "records[1].document.department"
    );
    assert!(
        s.store.get_latest("rx-b2").await.unwrap().is_none(),
        "not stored"
    );
    assert_error(
        &s.post("/api/v1/check", As::Key(&resp), &rx("y", "儿科"))
            .await,
        StatusCode::FORBIDDEN,
        None,
    );
    let (status, v) = s
        .post(
            "/api/v1/check",
            As::Key(&resp),
            &json!({"documents": [rx("y", "呼吸内科"), rx("z", "儿科")]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert!(v["reports"][0]["score"].is_object(), "{v}");
    assert_eq!(v["reports"][1]["error"]["code"], "forbidden", "{v}");

    // Bad key specs are located 400s.
    for (spec, path) in [
        (json!({"name": "w", "scopes": ["write"]}), "scopes[0]"),
        (json!({"name": "w", "scopes": []}), "scopes"),
        (
            json!({"name": "w", "expires_at": "2001-01-01"}),
            "expires_at",
        ),
        (json!({"name": "w", "expires_at": "tomorrow"}), "expires_at"),
        (json!({"name": "a/b"}), "name"),
        (json!({"name": "w", "departments": []}), "departments"),
        (json!({"name": "w", "departments": [3]}), "departments[0]"),
    ] {
        let got = s.new_key(&admin, spec.clone()).await;
        assert_error(&got, StatusCode::BAD_REQUEST, None);
        assert_eq!(got.1["error"]["path"], path, "{spec}: {}", got.1);
    }

    // Expiry: works until then, then 401 "expired".
    let soon = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    let (status, v) = s
        .new_key(
            &admin,
            json!({"name": "brief", "scopes": ["read"], "expires_at": soon.to_rfc3339()}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let brief = v["key"].as_str().unwrap().to_owned();
    assert_eq!(
        s.get("/api/v1/records", As::Key(&brief)).await.0,
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(1700)).await;
    let got = s.get("/api/v1/records", As::Key(&brief)).await;
    assert_error(&got, StatusCode::UNAUTHORIZED, Some("expired"));
    assert!(
        got.1["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );

    // Revoked: refused, kept in the list as revoked, the key itself never shown.
    assert_eq!(
        s.call(
            Method::DELETE,
            "/api/v1/api-keys/pusher",
            As::Token(&admin),
            None
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    assert_error(
        &s.post(
            "/api/v1/records",
            As::Key(&pusher),
            &batch(&[("rx-q", rx("rx-q", "儿科"))]),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        Some("revoked"),
    );
    let (_, v) = s.get("/api/v1/api-keys", As::Token(&admin)).await;
    let keys = v["api_keys"].as_array().unwrap();
    let find = |name: &str| keys.iter().find(|k| k["name"] == name).unwrap().clone();
    assert!(find("pusher")["revoked_at"].is_string(), "{v}");
    assert!(find("resp")["revoked_at"].is_null(), "{v}");
    assert!(
        find("resp")["last_used_at"].is_string(),
        "last use recorded: {v}"
    );
    assert!(find("checker")["expires_at"].is_null());
    assert!(find("brief")["expires_at"].is_string());
    assert_eq!(
        find("demo-portal")["scopes"],
        json!(["check", "push", "read"])
    );
    for k in [&checker, &pusher, &resp, &brief] {
        assert!(!v.to_string().contains(k.as_str()), "keys are never listed");
    }
    // An unknown key is still plain 401.
    assert_error(
        &s.get("/api/v1/records", As::Key("opd_nope")).await,
        StatusCode::UNAUTHORIZED,
        Some("unauthorized"),
    );
}

/// Logout, password change ending other sessions, and the own-account endpoints.
async fn sessions_end(s: &Server) {
    let admin = s.token("admin", "admin").await;
    let user = json!({"username": "zhao", "password": "zhao-password-1", "role": "doctor", "doctor_id": "D0033"});
    assert_eq!(
        s.post("/api/v1/users", As::Token(&admin), &user).await.0,
        StatusCode::CREATED
    );
    let a = s.token("zhao", "zhao-password-1").await;
    let b = s.token("zhao", "zhao-password-1").await;
    let c = s.token("zhao", "zhao-password-1").await;

    // Logout: that token ends, the others do not; a second logout is a 401.
    assert_eq!(
        s.post("/api/v1/logout", As::Token(&c), &json!({})).await.0,
        StatusCode::NO_CONTENT
    );
    assert_error(
        &s.get("/api/v1/me", As::Token(&c)).await,
        StatusCode::UNAUTHORIZED,
        None,
    );
    assert_error(
        &s.post("/api/v1/logout", As::Token(&c), &json!({})).await,
        StatusCode::UNAUTHORIZED,
        None,
    );
    assert_eq!(s.get("/api/v1/me", As::Token(&a)).await.0, StatusCode::OK);

    // A wrong current password: 403, nothing changes.
    let got = s
        .post(
            "/api/v1/me/password",
            As::Token(&a),
            &json!({"current": "not-my-password", "new": "zhao-password-2"}),
        )
        .await;
    assert_error(&got, StatusCode::FORBIDDEN, Some("wrong_password"));
    assert_eq!(s.get("/api/v1/me", As::Token(&b)).await.0, StatusCode::OK);
    // The right one: the other sessions end, this one goes on; the new password signs in.
    assert_eq!(
        s.post(
            "/api/v1/me/password",
            As::Token(&a),
            &json!({"current": "zhao-password-1", "new": "zhao-password-2"}),
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    assert_error(
        &s.get("/api/v1/me", As::Token(&b)).await,
        StatusCode::UNAUTHORIZED,
        None,
    );
    assert_eq!(s.get("/api/v1/me", As::Token(&a)).await.0, StatusCode::OK);
    assert_error(
        &s.login("zhao", "zhao-password-1").await,
        StatusCode::UNAUTHORIZED,
        None,
    );
    assert_eq!(s.login("zhao", "zhao-password-2").await.0, StatusCode::OK);
}

/// The audit trail: each action leaves an entry, newest first, filterable, admins only, and
/// never a password, token or document body.
async fn audit_trail(s: &Server) {
    let admin = s.token("admin", "admin").await;
    let qa = s.token("qa", "qa").await;
    let doctor = s.token("doctor", "doctor").await;
    let long_name = "x".repeat(64);
    assert_eq!(
        s.login(&long_name, "wrong-password").await.0,
        StatusCode::UNAUTHORIZED
    );
    let user = json!({"username": "sun", "password": "sun-password-1", "role": "qa"});
    assert_eq!(
        s.post("/api/v1/users", As::Token(&admin), &user).await.0,
        StatusCode::CREATED
    );
    let sun = s.token("sun", "sun-password-1").await;
    let change = json!({"current": "sun-password-1", "new": "sun-password-2"});
    assert_eq!(
        s.post("/api/v1/me/password", As::Token(&sun), &change)
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        s.post("/api/v1/logout", As::Token(&sun), &json!({}))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        s.call(Method::DELETE, "/api/v1/users/sun", As::Token(&admin), None)
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let (_, v) = s
        .new_key(&admin, json!({"name": "his", "scopes": ["read", "push"]}))
        .await;
    let key = v["key"].as_str().unwrap().to_owned();
    let mut doc = rx("rx-audit", "呼吸内科");
    doc["prescriber"]["id"] = json!("D0012");
    let patient = doc["patient"]["name"].as_str().unwrap().to_owned();
    let (status, v) = s
        .post(
            "/api/v1/records",
            As::Key(&key),
            &batch(&[("rx-audit", doc)]),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(
        s.get("/api/v1/records/rx-audit", As::Key(&key)).await.0,
        StatusCode::OK
    );
    assert_eq!(
        s.get("/api/v1/records/rx-audit", As::Token(&qa)).await.0,
        StatusCode::OK
    );
    assert_eq!(
        s.get(
            "/api/v1/records?kind=prescription&department=呼吸内科",
            As::Token(&admin)
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(
        s.get("/api/v1/records/rx-audit/review", As::Token(&qa))
            .await
            .0,
        StatusCode::OK
    );
    // A doctor's reads of their own records are not audited.
    assert_eq!(
        s.get("/api/v1/records/rx-audit", As::Token(&doctor))
            .await
            .0,
        StatusCode::OK
    );
    let (status, v) = s
        .call(
            Method::PUT,
            "/api/v1/policy",
            As::Token(&admin),
            Some(&json!({"limits": {"max_drugs": 4}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(
        s.call(
            Method::DELETE,
            "/api/v1/api-keys/his",
            As::Token(&admin),
            None
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );

    let all = s.audit(&admin, "").await;
    let has = |action: &str, actor: &str, target: Option<&str>| {
        all.iter().any(|e| {
            e["action"] == action && e["actor"] == actor && target.is_none_or(|t| e["target"] == t)
        })
    };
    for (action, actor, target) in [
        ("login", "admin", None),
        ("login.failed", long_name.as_str(), None),
        ("user.create", "admin", Some("sun")),
        ("login", "sun", None),
        ("password.change", "sun", Some("sun")),
        ("logout", "sun", None),
        ("user.delete", "admin", Some("sun")),
        ("key.create", "admin", Some("his")),
        ("record.read", "key:his", Some("rx-audit")),
        ("record.read", "qa", Some("rx-audit")),
        ("records.list", "admin", None),
        ("review.read", "qa", Some("rx-audit")),
        ("policy.set", "admin", None),
        ("key.revoke", "admin", Some("his")),
    ] {
        assert!(
            has(action, actor, target),
            "no {action} by {actor}: {all:#?}"
        );
    }
    assert!(!has("record.read", "doctor", None), "a doctor's own reads");
    // Entries carry the client address and newest come first.
    assert!(all.iter().all(|e| e["client"] == "127.0.0.1"), "{all:#?}");
    let ats: Vec<&str> = all.iter().map(|e| e["at"].as_str().unwrap()).collect();
    assert!(ats.windows(2).all(|w| w[0] >= w[1]), "{ats:?}");
    assert_eq!(all[0]["action"], "key.revoke");
    let list = all.iter().find(|e| e["action"] == "records.list").unwrap();
    assert_eq!(
        list["detail"]["filter"],
        json!({"kind": "prescription", "department": "呼吸内科"})
    );
    // Nothing secret in the trail.
    let text = serde_json::to_string(&all).unwrap();
    for secret in [
        "sun-password-1",
        "sun-password-2",
        "wrong-password",
        &admin,
        &qa,
        &sun,
        &key,
        &patient,
    ] {
        assert!(!text.contains(secret), "{secret} in the trail");
    }
    // Filters and paging.
    let failed = s.audit(&admin, "action=login.failed").await;
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert!(
        s.audit(&admin, "actor=sun")
            .await
            .iter()
            .all(|e| e["actor"] == "sun")
    );
    assert_eq!(s.audit(&admin, "actor=sun").await.len(), 3);
    assert!(s.audit(&admin, "from=2999-01-01").await.is_empty());
    assert_eq!(s.audit(&admin, "to=2999-01-01").await.len(), all.len());
    let (_, v) = s
        .get("/api/v1/audit?per_page=2&page=2", As::Token(&admin))
        .await;
    assert_eq!(v["items"].as_array().unwrap().len(), 2);
    assert_eq!(v["total"], all.len());
    assert_eq!(v["items"][0]["at"], all[2]["at"]);
    let got = s
        .get("/api/v1/audit?from=yesterday", As::Token(&admin))
        .await;
    assert_error(&got, StatusCode::BAD_REQUEST, Some("bad_parameter"));
    assert_eq!(got.1["error"]["path"], "from");
    let got = s.get("/api/v1/audit?per_page=0", As::Token(&admin)).await;
    assert_eq!(got.1["error"]["path"], "per_page");
}

/// The accounts answers are the wire types of `opdcheck_api::accounts` (each parses, and says the
/// same thing serialised back), and the generated OpenAPI document describes every accounts
/// route with the statuses it answers, their bodies, and `Retry-After` on the limiter's.
async fn wire_types(s: &Server) {
    use opdcheck_api::accounts as wire;
    fn same<T: serde::de::DeserializeOwned + serde::Serialize>(got: (StatusCode, Value)) -> T {
        assert!(got.0.is_success(), "{}: {}", got.0, got.1);
        let t: T =
            serde_json::from_value(got.1.clone()).unwrap_or_else(|e| panic!("{e}: {}", got.1));
        assert_eq!(serde_json::to_value(&t).unwrap(), got.1);
        t
    }
    let login: wire::LoginResponse = same(s.login("admin", "admin").await);
    assert_eq!(login.user.role, wire::Role::Admin);
    let admin = login.token.as_str();
    let doctor: wire::LoginResponse = same(s.login("doctor", "doctor").await);
    assert_eq!(doctor.user.doctor_id.as_deref(), Some("D0012"));
    let me: wire::Me = same(s.get("/api/v1/me", As::Token(admin)).await);
    assert_eq!(me, login.user);
    let new_user = json!({"username": "wire", "password": "wire-password", "role": "doctor",
        "doctor_id": "D0099"});
    let user: wire::User = same(s.post("/api/v1/users", As::Token(admin), &new_user).await);
    assert_eq!(
        (user.role, user.doctor_id.as_deref()),
        (wire::Role::Doctor, Some("D0099"))
    );
    let users: wire::UserList = same(s.get("/api/v1/users", As::Token(admin)).await);
    assert!(users.users.contains(&user));
    let spec = json!({"name": "wire-key", "scopes": ["read", "check"], "departments": ["内科"]});
    let created: wire::CreatedApiKey = same(s.new_key(admin, spec).await);
    assert!(created.key.starts_with("opd_"));
    assert_eq!(
        created.api_key.scopes,
        [wire::Scope::Check, wire::Scope::Read]
    );
    let keys: wire::ApiKeyList = same(s.get("/api/v1/api-keys", As::Token(admin)).await);
    assert!(keys.api_keys.contains(&created.api_key));
    let page: wire::AuditPage = same(s.get("/api/v1/audit?per_page=3", As::Token(admin)).await);
    // Two sign-ins, the new user and the new key (reads of one's own account are not audited).
    assert_eq!(
        (page.page, page.per_page, page.total, page.items.len()),
        (1, 3, 4, 3)
    );
    assert!(
        page.items.iter().any(|e| e.action == "key.create"
            && e.detail.get("scopes") == Some(&json!(["check", "read"])))
    );

    let doc: Value =
        serde_json::from_str(&opdcheck_server::http::openapi::document_json()).unwrap();
    for (path, method, statuses) in [
        (
            "/api/v1/login",
            "post",
            &["200", "400", "401", "413", "429", "503"][..],
        ),
        ("/api/v1/logout", "post", &["204", "401", "403", "503"]),
        ("/api/v1/me", "get", &["200", "401", "403", "503"]),
        (
            "/api/v1/me/password",
            "post",
            &["204", "400", "401", "403", "413", "429", "503"],
        ),
        ("/api/v1/users", "get", &["200", "401", "403", "503"]),
        (
            "/api/v1/users",
            "post",
            &["201", "400", "401", "403", "409", "413", "422", "503"],
        ),
        (
            "/api/v1/users/{username}",
            "patch",
            &["200", "400", "401", "403", "404", "413", "422", "503"],
        ),
        (
            "/api/v1/users/{username}",
            "delete",
            &["204", "401", "403", "404", "503"],
        ),
        ("/api/v1/api-keys", "get", &["200", "401", "403", "503"]),
        (
            "/api/v1/api-keys",
            "post",
            &["201", "400", "401", "403", "409", "413", "503"],
        ),
        (
            "/api/v1/api-keys/{name}",
            "delete",
            &["204", "401", "403", "404", "503"],
        ),
        ("/api/v1/audit", "get", &["200", "400", "401", "403", "503"]),
    ] {
        let op = &doc["paths"][path][method];
        let mut got: Vec<&str> = op["responses"]
            .as_object()
            .unwrap_or_else(|| panic!("{method} {path} is not described"))
            .keys()
            .map(String::as_str)
            .collect();
        got.sort_unstable();
        assert_eq!(got, statuses, "{method} {path}");
        for status in statuses.iter().filter(|s| !s.starts_with("20")) {
            assert_eq!(
                op["responses"][status]["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorBody",
                "{method} {path} {status}"
            );
        }
        // Everything but the sign-in itself needs a token.
        assert_eq!(
            op["security"].is_array(),
            path != "/api/v1/login",
            "{method} {path}"
        );
    }
    for status in ["429", "503"] {
        let headers = &doc["paths"]["/api/v1/login"]["post"]["responses"][status]["headers"];
        assert!(headers["Retry-After"].is_object(), "{status}: {headers}");
    }
    let schemas = &doc["components"]["schemas"];
    assert_eq!(schemas["Role"]["enum"], json!(["doctor", "qa", "admin"]));
    assert_eq!(schemas["Scope"]["enum"], json!(["check", "push", "read"]));
}

type Scenario = for<'a> fn(&'a Server) -> Pin<Box<dyn Future<Output = ()> + 'a>>;

const SCENARIOS: &[(&str, Scenario)] = &[
    ("endpoint_roles", |s| Box::pin(endpoint_roles(s))),
    ("scoped_keys", |s| Box::pin(scoped_keys(s))),
    ("sessions_end", |s| Box::pin(sessions_end(s))),
    ("audit_trail", |s| Box::pin(audit_trail(s))),
    ("wire_types", |s| Box::pin(wire_types(s))),
    ("prescriber_roles", |s| {
        Box::pin(prescribers::prescriber_roles(s))
    }),
    ("prescriber_registry", |s| {
        Box::pin(prescribers::prescriber_registry(s))
    }),
];

async fn on_sqlite(name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("opdcheck.db"))
        .await
        .unwrap();
    let (_, run) = SCENARIOS.iter().find(|(n, _)| *n == name).unwrap();
    run(&Server::start(store, None).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_prescriber_roles() {
    on_sqlite("prescriber_roles").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_prescriber_registry() {
    on_sqlite("prescriber_registry").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_endpoint_roles() {
    on_sqlite("endpoint_roles").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_scoped_keys() {
    on_sqlite("scoped_keys").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_sessions_end() {
    on_sqlite("sessions_end").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_audit_trail() {
    on_sqlite("audit_trail").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_wire_types() {
    on_sqlite("wire_types").await;
}

/// A session unused longer than the idle timeout is refused, saying so; one in use goes on.
async fn idle_timeout(store: Store) {
    let s = Server::start(store, Some(Duration::from_secs(3))).await;
    let token = s.token("qa", "qa").await;
    // Used every second for longer than the timeout: still valid (refreshed on use).
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let got = s.get("/api/v1/me", As::Token(&token)).await;
        assert_eq!(got.0, StatusCode::OK, "{}", got.1);
    }
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let got = s.get("/api/v1/me", As::Token(&token)).await;
    assert_error(&got, StatusCode::UNAUTHORIZED, Some("session_timed_out"));
    assert!(
        got.1["error"]["message"]
            .as_str()
            .unwrap()
            .contains("timed out"),
        "{}",
        got.1
    );
    // And it stays ended.
    assert_error(
        &s.get("/api/v1/me", As::Token(&token)).await,
        StatusCode::UNAUTHORIZED,
        None,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_idle_timeout() {
    let dir = tempfile::tempdir().unwrap();
    idle_timeout(Store::open_sqlite(&dir.path().join("i.db")).await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_accounts() {
    let Some(cluster) = common::pg_cluster("postgres_accounts") else {
        return;
    };
    for (name, run) in SCENARIOS {
        let store = Store::connect(&cluster.create_database(name).await)
            .await
            .unwrap();
        eprintln!("postgres: {name}");
        run(&Server::start(store, None).await).await;
    }
    let store = Store::connect(&cluster.create_database("idle").await)
        .await
        .unwrap();
    idle_timeout(store).await;
    // The CLI on the same database the server uses.
    let url = cluster.create_database("cli").await;
    cli_then_server(Storage::Url(url)).await;
    drop(cluster);
}

// ---------------------------------------------------------------- sign-in limits

/// A client hammering admin's password is locked out (429 + Retry-After) while admin signs in
/// from another address; oversized sign-ins are refused before any hashing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("l.db")).await.unwrap();
    let s = Server::start(store, None).await;
    // The attacker connects from 127.0.0.2 (all of 127/8 is loopback on Linux).
    let attacker = reqwest::Client::builder()
        .local_address(IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let login = |http: &reqwest::Client, password: &str| {
        let req = http
            .post(format!("{}/api/v1/login", s.base))
            .json(&json!({"username": "admin", "password": password}));
        async move { req.send().await.unwrap() }
    };
    for _ in 0..10 {
        assert_eq!(
            login(&attacker, "guess").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    for password in ["guess", "admin"] {
        let res = login(&attacker, password).await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        let secs: u64 = res.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(secs > 0 && secs <= 15 * 60, "{secs}");
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["error"]["code"], "too_many_attempts");
    }
    // Admin, from 127.0.0.1, is not locked out by the attacker.
    assert_eq!(login(&s.http, "admin").await.status(), StatusCode::OK);
    // No proxy is trusted here: a forged X-Forwarded-For does not get the attacker a new address.
    let forged = attacker
        .post(format!("{}/api/v1/login", s.base))
        .header("x-forwarded-for", "10.9.9.9")
        .json(&json!({"username": "admin", "password": "admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::TOO_MANY_REQUESTS);

    // Caps: a large body is a JSON 413, long fields a located 400.
    let big = json!({"username": "admin", "password": "p".repeat(5000)});
    assert_error(
        &s.post("/api/v1/login", As::Nobody, &big).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        Some("payload_too_large"),
    );
    for (body, path) in [
        (
            json!({"username": "u".repeat(65), "password": "x"}),
            "username",
        ),
        (
            json!({"username": "admin", "password": "p".repeat(257)}),
            "password",
        ),
        (json!({"username": "admin"}), "password"),
    ] {
        let got = s.post("/api/v1/login", As::Nobody, &body).await;
        assert_error(&got, StatusCode::BAD_REQUEST, None);
        assert_eq!(got.1["error"]["path"], path);
    }
}

/// Behind a trusted reverse proxy every request comes from the proxy's address: the limiter and
/// the audit trail must see the client the proxy names, or one attacker locks out every user.
#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_counts() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("p.db")).await.unwrap();
    let proxy = IpAddr::from([127, 0, 0, 1]);
    let s = Server::start_behind(store, None, vec![proxy]).await;
    let login = |forwarded: &'static str, password: &'static str| {
        let req = s
            .http
            .post(format!("{}/api/v1/login", s.base))
            .header("x-forwarded-for", forwarded)
            .json(&json!({"username": "admin", "password": password}));
        async move { req.send().await.unwrap().status() }
    };
    for _ in 0..10 {
        assert_eq!(login("10.1.1.9", "guess").await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        login("10.1.1.9", "admin").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Entries left of the proxy's own are the client's to write: they change nothing.
    assert_eq!(
        login("10.7.7.7, 10.1.1.9", "admin").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another client through the same proxy signs in.
    assert_eq!(login("10.1.1.8", "admin").await, StatusCode::OK);
    // The audit trail names the forwarded clients, not the proxy.
    let admin = s.token("admin", "admin").await;
    let (status, v) = s
        .call(
            Method::GET,
            "/api/v1/audit?per_page=200",
            As::Token(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let clients: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["client"].as_str())
        .collect();
    assert!(clients.contains(&"10.1.1.9"), "{clients:?}");
    assert!(clients.contains(&"10.1.1.8"), "{clients:?}");
    assert!(!clients.contains(&"10.7.7.7"), "{clients:?}");
}

// ---------------------------------------------------------------- the binary

/// A dist directory with the app's and the demo portal's index pages.
fn dist_with_portal() -> tempfile::TempDir {
    let dist = common::fake_dist();
    std::fs::create_dir(dist.path().join("portal")).unwrap();
    std::fs::write(
        dist.path().join("portal/index.html"),
        "<!doctype html><title>demo portal</title>",
    )
    .unwrap();
    dist
}

/// `opdcheck-server ARGS` with `stdin` written to it: (exit code, stdout, stderr).
fn cli(storage: &Storage, args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut cmd = Command::new(BIN);
    match storage {
        Storage::DataDir(d) => cmd.arg("--data-dir").arg(d),
        Storage::Url(u) => cmd.arg("--database-url").arg(u),
    };
    let mut child = cmd
        .args(args)
        .env_remove("DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Without `--demo` a first start makes no account, says how to make one, and serves no demo
/// portal; with it, the demo accounts sign in and the portal is served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_start_without_demo_has_no_accounts() {
    let dist = dist_with_portal();
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .args(["--addr", "127.0.0.1:0", "--dist"])
        .arg(dist.path())
        .arg("--data-dir")
        .arg(data.path())
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let (mut first, mut second) = (String::new(), String::new());
    use std::io::BufRead;
    out.read_line(&mut first).unwrap();
    out.read_line(&mut second).unwrap();
    let base = first
        .trim()
        .strip_prefix("opdcheck: serving ")
        .unwrap_or_else(|| panic!("{first:?}"))
        .trim_end_matches('/')
        .to_owned();
    let http = reqwest::Client::new();
    let portal = http
        .get(format!("{base}/portal/"))
        .send()
        .await
        .unwrap()
        .status();
    let demo = http
        .post(format!("{base}/api/v1/login"))
        .json(&json!({"username": "admin", "password": "admin"}))
        .send()
        .await
        .unwrap()
        .status();
    let key = http
        .get(format!("{base}/api/v1/records"))
        .header("x-api-key", opdcheck_server::auth::DEMO_PORTAL_KEY)
        .send()
        .await
        .unwrap()
        .status();
    let _ = child.kill();
    let _ = child.wait();
    assert!(second.contains("user add"), "{second:?}");
    assert!(second.contains("--role admin"), "{second:?}");
    assert_eq!(portal, StatusCode::NOT_FOUND);
    assert_eq!(demo, StatusCode::UNAUTHORIZED);
    assert_eq!(key, StatusCode::UNAUTHORIZED);
    let store = Store::open_sqlite(&data.path().join("opdcheck.db"))
        .await
        .unwrap();
    assert_eq!(store.user_count().await.unwrap(), 0);
    assert!(store.list_api_keys().await.unwrap().is_empty());

    // --demo: accounts, key and portal.
    let data = tempfile::tempdir().unwrap();
    let log = data.path().join("log");
    let server = ServerProc::start(
        Path::new(BIN),
        0,
        dist.path(),
        &Storage::DataDir(data.path().to_owned()),
        &log,
    );
    let base = format!("http://127.0.0.1:{}", server.port);
    let res = http.get(format!("{base}/portal/")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("demo portal"));
    assert!(!common::admin_token(&base).await.is_empty());
}

/// `user add` (password from stdin) then sign-in; `key add --scope check`; `key list`,
/// `key revoke`; `user passwd`: all on the store the server then serves.
async fn cli_then_server(storage: Storage) {
    let (code, _, err) = cli(
        &storage,
        &["user", "add", "boss", "--role", "admin"],
        "short\n",
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("at least 10 characters"), "{err}");
    let (code, out, err) = cli(
        &storage,
        &["user", "add", "boss", "--role", "admin"],
        "correct-horse-battery\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("boss"), "{out}");
    let (code, _, err) = cli(
        &storage,
        &["user", "add", "dr", "--role", "doctor"],
        "long-enough-pw\n",
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("doctor_id"), "{err}");
    let (code, out, err) = cli(
        &storage,
        &[
            "key",
            "add",
            "his",
            "--scope",
            "check",
            "--expires",
            "2999-12-31",
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    let key = out.trim().to_owned();
    assert!(key.starts_with("opd_") && !key.contains('\n'), "{out}");
    let (code, _, err) = cli(&storage, &["key", "add", "bad", "--scope", "write"], "");
    assert_eq!(code, 1);
    assert!(err.contains("unknown scope"), "{err}");

    let dist = common::fake_dist();
    let log = dist.path().join("log");
    let server = ServerProc::start(Path::new(BIN), 0, dist.path(), &storage, &log);
    let base = format!("http://127.0.0.1:{}", server.port);
    let http = reqwest::Client::new();
    let login = |password: &str| {
        let req = http
            .post(format!("{base}/api/v1/login"))
            .json(&json!({"username": "boss", "password": password}));
        async move { req.send().await.unwrap().status() }
    };
    assert_eq!(login("correct-horse-battery").await, StatusCode::OK);
    // The binary serves with connect info: the trail names the client's address; the CLI's
    // own actions are there too.
    let res = http
        .post(format!("{base}/api/v1/login"))
        .json(&json!({"username": "boss", "password": "correct-horse-battery"}))
        .send()
        .await
        .unwrap();
    let boss: Value = res.json().await.unwrap();
    let boss = boss["token"].as_str().unwrap().to_owned();
    let (status, v) = call_with(
        &http,
        &base,
        Method::GET,
        "/api/v1/audit",
        As::Token(&boss),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let items = v["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|e| e["action"] == "login" && e["actor"] == "boss" && e["client"] == "127.0.0.1"),
        "{v}"
    );
    assert!(
        items
            .iter()
            .any(|e| e["action"] == "user.create" && e["actor"] == "cli" && e["target"] == "boss"),
        "{v}"
    );
    assert!(
        items
            .iter()
            .any(|e| e["action"] == "key.create" && e["actor"] == "cli" && e["target"] == "his"),
        "{v}"
    );
    // --demo made nothing: a user existed.
    let demo = http
        .post(format!("{base}/api/v1/login"))
        .json(&json!({"username": "admin", "password": "admin"}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(demo, StatusCode::UNAUTHORIZED);
    let (status, _) = call_with(
        &http,
        &base,
        Method::GET,
        "/api/v1/records",
        As::Key(&key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let doc = rx("c", "儿科");
    let (status, v) = call_with(
        &http,
        &base,
        Method::POST,
        "/api/v1/check",
        As::Key(&key),
        Some(&doc),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");

    let (code, out, _) = cli(&storage, &["key", "list"], "");
    assert_eq!(code, 0);
    assert!(out.contains("his\tscopes=check\t"), "{out}");
    assert!(!out.contains(&key));
    let (code, _, err) = cli(&storage, &["key", "revoke", "his"], "");
    assert_eq!(code, 0, "{err}");
    let (status, v) = call_with(
        &http,
        &base,
        Method::POST,
        "/api/v1/check",
        As::Key(&key),
        Some(&doc),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{v}");
    let (_, out, _) = cli(&storage, &["key", "list"], "");
    assert!(out.contains("revoked"), "{out}");

    let (code, _, err) = cli(&storage, &["user", "passwd", "boss"], "another-long-one\n");
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        login("correct-horse-battery").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(login("another-long-one").await, StatusCode::OK);
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_cli_then_server() {
    let data = tempfile::tempdir().unwrap();
    cli_then_server(Storage::DataDir(data.path().to_owned())).await;
}
