//! The versioned policy over real HTTP (issue 13): `GET /api/v1/policy` with its version,
//! override and ETag (304 when unchanged), the prescriber registry without names and signature
//! ids for an anonymous caller, and the admin's validate, history and rollback; each
//! scenario on a temporary SQLite file and, in `postgres_policy`, on a throw-away PostgreSQL
//! cluster (binaries from `OPDCHECK_PG_BIN`; `OPDCHECK_SKIP_POSTGRES=1` skips it).

mod common;

use opdcheck_server::{AppState, Store, app, auth};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

struct Server {
    base: String,
    http: reqwest::Client,
    _task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Sign-in enforced, with the demo accounts.
    async fn start(store: Store) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        assert!(auth::seed_demo_users(&store).await.unwrap());
        let state = AppState::api_only(store).with_auth();
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

    /// A demo account's token (its password is its name).
    async fn token(&self, user: &str) -> String {
        self.login(user, user).await
    }

    async fn login(&self, user: &str, password: &str) -> String {
        let (status, v) = self
            .call(
                Method::POST,
                "/api/v1/login",
                None,
                Some(&json!({"username": user, "password": password})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        v["token"].as_str().unwrap().to_owned()
    }

    /// A JSON call as `token` (None: anonymous); the answer checked against the OpenAPI document.
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let v: Value = res.json().await.unwrap();
        common::conform(method.as_str(), path, status.as_u16(), &v);
        (status, v)
    }

    /// `GET /api/v1/policy` anonymously with an optional `If-None-Match`: (status, ETag, body
    /// or Null).
    async fn policy(&self, if_none_match: Option<&str>) -> (StatusCode, String, Value) {
        self.policy_as(&[], if_none_match).await
    }

    /// `GET /api/v1/policy` with `headers` (a credential) and an optional `If-None-Match`.
    async fn policy_as(
        &self,
        headers: &[(&str, &str)],
        if_none_match: Option<&str>,
    ) -> (StatusCode, String, Value) {
        let mut req = self.http.get(format!("{}/api/v1/policy", self.base));
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        if let Some(tag) = if_none_match {
            req = req.header("if-none-match", tag);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let header = |name: &str| {
            res.headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        };
        let etag = header("etag");
        assert_eq!(header("cache-control"), "no-cache", "{status}");
        assert_eq!(header("vary"), "Authorization, X-Api-Key", "{status}");
        let text = res.text().await.unwrap();
        if status == StatusCode::NOT_MODIFIED {
            assert!(text.is_empty(), "a 304 has no body: {text}");
            return (status, etag, Value::Null);
        }
        let v: Value = serde_json::from_str(&text).unwrap();
        common::conform("GET", "/api/v1/policy", status.as_u16(), &v);
        (status, etag, v)
    }
}

fn assert_error(got: (StatusCode, Value), want: StatusCode, code: &str, path: Option<&str>) {
    let (status, v) = got;
    assert_eq!(status, want, "{v}");
    assert_eq!(v["error"]["code"], code, "{v}");
    if let Some(path) = path {
        assert_eq!(v["error"]["path"], path, "{v}");
    }
}

/// Version 0 is the default; a stored version changes version, override, who, when and ETag;
/// an unchanged policy revalidates with a 304 and no body.
async fn versions_and_etags(s: &Server) {
    let admin = s.token("admin").await;
    let (status, etag0, v0) = s.policy(None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v0["version"], 0);
    assert_eq!(v0["override"], json!({}));
    assert_eq!(v0["set_by"], Value::Null);
    assert_eq!(v0["set_at"], Value::Null);
    let ruleset0 = v0["ruleset"].as_str().unwrap().to_owned();
    assert_eq!(etag0, format!("\"{ruleset0}-v0-public\""));
    let (status, etag, body) = s.policy(Some(&etag0)).await;
    assert_eq!((status, body), (StatusCode::NOT_MODIFIED, Value::Null));
    assert_eq!(etag, etag0);

    let over = json!({"limits": {"max_drugs": 2}});
    let (status, set) = s
        .call(Method::PUT, "/api/v1/policy", Some(&admin), Some(&over))
        .await;
    assert_eq!(status, StatusCode::OK, "{set}");
    assert_eq!(set["version"], 1);
    // The old ETag is stale now: a full answer, with the new version's facts.
    let (status, etag1, v1) = s.policy(Some(&etag0)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v1["version"], 1);
    assert_eq!(v1["ruleset"], set["ruleset"]);
    assert_eq!(v1["override"], over);
    assert_eq!(v1["policy"]["limits"]["max_drugs"], 2);
    assert_eq!(v1["set_by"], "admin");
    assert!(v1["set_at"].as_str().unwrap().ends_with('Z'), "{v1}");
    assert_eq!(
        etag1,
        format!("\"{}-v1-public\"", set["ruleset"].as_str().unwrap())
    );
    // A weak or listed tag matches too.
    let listed = format!("\"other\", W/{etag1}");
    assert_eq!(s.policy(Some(&listed)).await.0, StatusCode::NOT_MODIFIED);
}

/// The prescriber registry names the doctors and their registered signatures: an anonymous
/// caller gets it without names and signature ids (id, title and rights stay), a doctor's session
/// or an API key whole; the two variants have their own ETags, and each revalidates only its own.
async fn registry_redacted(s: &Server) {
    let admin = s.token("admin").await;
    let li = json!({"username": "liming", "password": "liming-password-1", "role": "doctor",
        "doctor_id": "D0201", "name": "李明", "title": "attending"});
    let (status, v) = s
        .call(Method::POST, "/api/v1/users", Some(&admin), Some(&li))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let entry = |v: &Value| {
        v["policy"]["prescribers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == "D0201")
            .cloned()
            .unwrap_or_else(|| panic!("D0201 not in the registry: {v}"))
    };

    let (status, public_tag, public) = s.policy(None).await;
    assert_eq!(status, StatusCode::OK);
    let anon = entry(&public);
    assert_eq!(
        (&anon["name"], &anon["signature_id"]),
        (&json!(""), &json!(""))
    );
    assert_eq!(anon["title"], "attending");
    assert_eq!(anon["prescribing_rights"], true);
    assert!(!public.to_string().contains("李明"), "{public}");
    assert!(public_tag.ends_with("-public\""), "{public_tag}");

    let doctor = s.login("liming", "liming-password-1").await;
    let bearer = format!("Bearer {doctor}");
    let (status, whole_tag, whole) = s
        .policy_as(&[("authorization", bearer.as_str())], None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let full = entry(&whole);
    assert_eq!(full["name"], "李明");
    assert!(
        full["signature_id"]
            .as_str()
            .is_some_and(|id| !id.is_empty()),
        "{full}"
    );
    assert_eq!((&full["title"], &full["id"]), (&anon["title"], &anon["id"]));
    assert_ne!(whole_tag, public_tag);
    assert_eq!(
        format!("{}-public\"", whole_tag.trim_end_matches('"')),
        public_tag
    );
    // An integrator's key gets the whole registry too.
    let key = [("x-api-key", auth::DEMO_PORTAL_KEY)];
    let (status, tag, by_key) = s.policy_as(&key, None).await;
    assert_eq!((status, &tag), (StatusCode::OK, &whole_tag));
    assert_eq!(entry(&by_key)["name"], "李明");

    // Each revalidates its own variant: anonymous 304 for the public tag, 200 for the whole.
    let (status, tag, _) = s.policy(Some(&public_tag)).await;
    assert_eq!((status, &tag), (StatusCode::NOT_MODIFIED, &public_tag));
    let (status, tag, again) = s.policy(Some(&whole_tag)).await;
    assert_eq!((status, &tag), (StatusCode::OK, &public_tag));
    assert_eq!(entry(&again)["name"], "");
    let (status, _, _) = s
        .policy_as(&[("authorization", bearer.as_str())], Some(&whole_tag))
        .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    let (status, tag, _) = s
        .policy_as(&[("authorization", bearer.as_str())], Some(&public_tag))
        .await;
    assert_eq!((status, &tag), (StatusCode::OK, &whole_tag));
    // A session that is gone is an anonymous caller, not a 401.
    let (status, tag, stale) = s
        .policy_as(&[("authorization", "Bearer not-a-session")], None)
        .await;
    assert_eq!((status, &tag), (StatusCode::OK, &public_tag));
    assert_eq!(entry(&stale)["signature_id"], "");
}

/// Validate, history and rollback: anonymous 401, doctor and QA 403, admin 200.
async fn roles(s: &Server) {
    let over = json!({"limits": {"max_drugs": 3}});
    let back = json!({"version": 0});
    let calls: [(Method, &str, Option<&Value>); 3] = [
        (Method::POST, "/api/v1/policy/validate", Some(&over)),
        (Method::GET, "/api/v1/policy/history", None),
        (Method::POST, "/api/v1/policy/rollback", Some(&back)),
    ];
    let doctor = s.token("doctor").await;
    let qa = s.token("qa").await;
    let admin = s.token("admin").await;
    for (method, path, body) in calls {
        let anonymous = s.call(method.clone(), path, None, body).await;
        assert_error(anonymous, StatusCode::UNAUTHORIZED, "unauthorized", None);
        for token in [&doctor, &qa] {
            let refused = s.call(method.clone(), path, Some(token), body).await;
            assert_error(refused, StatusCode::FORBIDDEN, "forbidden", None);
        }
        let (status, v) = s.call(method.clone(), path, Some(&admin), body).await;
        assert_eq!(status, StatusCode::OK, "{method} {path}: {v}");
    }
    // The one that stores was audited; the refused ones stored nothing.
    let (_, history) = s
        .call(Method::GET, "/api/v1/policy/history", Some(&admin), None)
        .await;
    assert_eq!(
        history["versions"].as_array().unwrap().len(),
        1,
        "{history}"
    );
}

/// Validate stores nothing and answers as PUT would; a bad override is a located 422.
async fn validate_stores_nothing(s: &Server) {
    let admin = s.token("admin").await;
    let over = json!({"limits": {"max_drugs": 3}});
    let (status, valid) = s
        .call(
            Method::POST,
            "/api/v1/policy/validate",
            Some(&admin),
            Some(&over),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{valid}");
    let bad = json!({"limits": {"max_drugs": "three"}});
    let refused = s
        .call(
            Method::POST,
            "/api/v1/policy/validate",
            Some(&admin),
            Some(&bad),
        )
        .await;
    assert_error(
        refused,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_policy",
        Some("limits.max_drugs"),
    );
    let not_object = s
        .call(
            Method::POST,
            "/api/v1/policy/validate",
            Some(&admin),
            Some(&json!([1])),
        )
        .await;
    assert_error(
        not_object,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_policy",
        Some(""),
    );
    let (_, _, now) = s.policy(None).await;
    assert_eq!(now["version"], 0, "nothing stored");
    let (_, history) = s
        .call(Method::GET, "/api/v1/policy/history", Some(&admin), None)
        .await;
    assert_eq!(history, json!({"versions": []}));
    // PUT of the same override gets the ruleset validate announced.
    let (_, set) = s
        .call(Method::PUT, "/api/v1/policy", Some(&admin), Some(&over))
        .await;
    assert_eq!(set["ruleset"], valid["ruleset"]);
}

/// A rollback stores a new version copying an old override (0: the default), names it, is
/// audited; an unknown version is a 404.
async fn rollback(s: &Server) {
    let admin = s.token("admin").await;
    let (_, _, default) = s.policy(None).await;
    let mut set = Vec::new();
    for n in [1, 2] {
        let over = json!({"limits": {"max_drugs": n}});
        let (status, v) = s
            .call(Method::PUT, "/api/v1/policy", Some(&admin), Some(&over))
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        set.push(v);
    }
    let rb = |v: i64| json!({ "version": v });
    let (status, v3) = s
        .call(
            Method::POST,
            "/api/v1/policy/rollback",
            Some(&admin),
            Some(&rb(1)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v3}");
    assert_eq!(v3, json!({"version": 3, "ruleset": set[0]["ruleset"]}));
    let (_, _, now) = s.policy(None).await;
    assert_eq!(now["version"], 3);
    assert_eq!(now["override"], json!({"limits": {"max_drugs": 1}}));
    assert_eq!(now["policy"]["limits"]["max_drugs"], 1);

    let (status, v4) = s
        .call(
            Method::POST,
            "/api/v1/policy/rollback",
            Some(&admin),
            Some(&rb(0)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v4}");
    assert_eq!(v4, json!({"version": 4, "ruleset": default["ruleset"]}));
    let (_, _, now) = s.policy(None).await;
    assert_eq!(
        (now["version"].clone(), now["override"].clone()),
        (json!(4), json!({}))
    );
    assert_eq!(now["policy"], default["policy"]);
    assert_eq!(now["set_by"], "admin");

    let (_, history) = s
        .call(Method::GET, "/api/v1/policy/history", Some(&admin), None)
        .await;
    let versions = history["versions"].as_array().unwrap();
    let summary: Vec<(i64, Value)> = versions
        .iter()
        .map(|v| {
            (
                v["version"].as_i64().unwrap(),
                v["rolled_back_from"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (4, json!(0)),
            (3, json!(1)),
            (2, Value::Null),
            (1, Value::Null)
        ]
    );
    assert_eq!(versions[1]["override"], json!({"limits": {"max_drugs": 1}}));
    assert_eq!(versions[1]["created_by"], "admin");

    for unknown in [5, 99, -1] {
        let missing = s
            .call(
                Method::POST,
                "/api/v1/policy/rollback",
                Some(&admin),
                Some(&rb(unknown)),
            )
            .await;
        assert_error(missing, StatusCode::NOT_FOUND, "not_found", Some("version"));
    }
    let malformed = s
        .call(
            Method::POST,
            "/api/v1/policy/rollback",
            Some(&admin),
            Some(&json!({"version": "one"})),
        )
        .await;
    assert_error(
        malformed,
        StatusCode::BAD_REQUEST,
        "bad_body",
        Some("version"),
    );

    let (_, audit) = s
        .call(
            Method::GET,
            "/api/v1/audit?action=policy.rollback",
            Some(&admin),
            None,
        )
        .await;
    let targets: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["target"].as_str().unwrap())
        .collect();
    assert_eq!(targets, ["4", "3"], "{audit}");
    assert_eq!(audit["items"][1]["detail"]["rolled_back_from"], 1);
}

/// The hospital's tuning entries (`samples/tuning/`) stored as the policy change exactly the
/// findings in their scope in the server's check, as in the CLI and the widget: each report,
/// without its `ruleset`, is `expected.jsonl`'s.
async fn tuning_reaches_the_check(s: &Server) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/tuning");
    let read = |f: &str| std::fs::read_to_string(root.join(f)).unwrap();
    let over: Value = serde_json::from_str(&read("policy.json")).unwrap();
    let admin = s.token("admin").await;
    let (status, v) = s
        .call(Method::PUT, "/api/v1/policy", Some(&admin), Some(&over))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let qa = s.token("qa").await;
    let expected: Vec<Value> = read("expected.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let docs: Vec<Value> = read("documents.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), expected.len());
    let (status, v) = s
        .call(
            Method::POST,
            "/api/v1/check",
            Some(&qa),
            Some(&json!({"documents": docs})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let reports = v["reports"].as_array().unwrap();
    for (report, want) in reports.iter().zip(&expected) {
        let mut have = report.clone();
        have.as_object_mut().unwrap().remove("ruleset");
        assert_eq!(&have, want, "{}", want["document"]["id"]);
    }
}

type Scenario = for<'a> fn(&'a Server) -> std::pin::Pin<Box<dyn Future<Output = ()> + 'a>>;

const SCENARIOS: &[(&str, Scenario)] = &[
    ("versions_and_etags", |s| Box::pin(versions_and_etags(s))),
    ("roles", |s| Box::pin(roles(s))),
    ("validate_stores_nothing", |s| {
        Box::pin(validate_stores_nothing(s))
    }),
    ("rollback", |s| Box::pin(rollback(s))),
    ("registry_redacted", |s| Box::pin(registry_redacted(s))),
    ("tuning_reaches_the_check", |s| {
        Box::pin(tuning_reaches_the_check(s))
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
async fn sqlite_versions_and_etags() {
    on_sqlite("versions_and_etags").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_roles() {
    on_sqlite("roles").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_validate_stores_nothing() {
    on_sqlite("validate_stores_nothing").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_rollback() {
    on_sqlite("rollback").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_registry_redacted() {
    on_sqlite("registry_redacted").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_tuning_reaches_the_check() {
    on_sqlite("tuning_reaches_the_check").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_policy() {
    let Some(cluster) = common::pg_cluster("postgres_policy") else {
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

/// A policy stored through one server's state is in force in another's on the same database
/// within a poll or two, without restart (the two-process PostgreSQL test is tests/cluster.rs).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_server_follows_the_stored_policy() {
    use opdcheck_server::http::in_force::{POLL_INTERVAL, PolicyWatch};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("opdcheck.db"))
        .await
        .unwrap();
    let follower = AppState::api_only(store.clone());
    let watch = PolicyWatch::spawn(follower.clone());
    let over = r#"{"limits": {"max_drugs": 2}}"#;
    let engine = opdcheck_engine::Engine::with_policy_override(over).unwrap();
    let version = store
        .insert_policy(
            over,
            engine.ruleset(),
            "admin",
            "2026-12-02T10:00:00Z",
            None,
        )
        .await
        .unwrap();
    let started = std::time::Instant::now();
    while follower.in_force().version != version {
        assert!(
            started.elapsed() < 3 * POLL_INTERVAL,
            "not followed after {:?}",
            started.elapsed()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(follower.engine().ruleset(), engine.ruleset());
    assert_eq!(follower.in_force().set_by.as_deref(), Some("admin"));
    // Stopping ends the task: a later version is not picked up.
    watch.stop().await;
    let later = store
        .insert_policy("{}", "x", "admin", "2026-12-02T10:01:00Z", None)
        .await
        .unwrap();
    tokio::time::sleep(2 * POLL_INTERVAL).await;
    assert_eq!(follower.in_force().version, version);
    assert!(later > version);
}

/// A page on an allowed origin may revalidate the policy: `If-None-Match` passes the preflight
/// and the `ETag` is readable by its script.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allowed_origin_may_revalidate() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("c.db")).await.unwrap();
    let origin = "http://his.example";
    let state = AppState::api_only(store)
        .with_cors_origins(vec![axum::http::HeaderValue::from_static(origin)]);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/api/v1/policy", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app(state)).await.unwrap() });
    let http = reqwest::Client::new();
    let preflight = http
        .request(Method::OPTIONS, &url)
        .header("origin", origin)
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "if-none-match")
        .send()
        .await
        .unwrap();
    let allowed = preflight.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(allowed.contains("if-none-match"), "{allowed}");
    let res = http
        .get(&url)
        .header("origin", origin)
        .send()
        .await
        .unwrap();
    let exposed = res.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("etag"), "{exposed}");
}
