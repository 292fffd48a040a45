//! `POST /api/v1/fhir/$validate` over real HTTP: a FHIR R4 Bundle in, an OperationOutcome out
//! (docs/fhir.md); the same callers as `POST /api/v1/check`; unreadable input a 400 or 422 with
//! an OperationOutcome, never a 5xx.

mod common;

use std::net::SocketAddr;

use opdcheck_server::{AppState, Store, app};
use reqwest::StatusCode;
use serde_json::{Value, json};

const PATH: &str = "/api/v1/fhir/$validate";

fn sample(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../../samples/fhir/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

struct Server {
    base: String,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Sign-in enforced, the demo accounts made (doctor, qa, admin).
    async fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_sqlite(&dir.path().join("fhir.db"))
            .await
            .unwrap();
        assert!(
            opdcheck_server::auth::seed_demo_users(&store)
                .await
                .unwrap()
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = app(AppState::api_only(store).with_auth());
        tokio::spawn(async move {
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
            _dir: dir,
        }
    }

    async fn token(&self, user: &str) -> String {
        let v: Value = self
            .http
            .post(format!("{}/api/v1/login", self.base))
            .json(&json!({"username": user, "password": user}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["token"].as_str().unwrap().to_owned()
    }

    async fn key(&self, admin: &str, spec: Value) -> String {
        let v: Value = self
            .http
            .post(format!("{}/api/v1/api-keys", self.base))
            .bearer_auth(admin)
            .json(&spec)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["key"]
            .as_str()
            .unwrap_or_else(|| panic!("{v}"))
            .to_owned()
    }

    /// (status, content type, JSON body), the body checked against the OpenAPI document.
    async fn validate(
        &self,
        auth: Option<(&str, &str)>,
        content_type: &str,
        body: &str,
    ) -> (StatusCode, String, Value) {
        let mut req = self
            .http
            .post(format!("{}{PATH}", self.base))
            .header("content-type", content_type)
            .body(body.to_owned());
        if let Some((k, v)) = auth {
            req = req.header(k, v);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let ct = res
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let text = res.text().await.unwrap();
        let v: Value =
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {status} {text}"));
        common::conform("POST", PATH, status.as_u16(), &v);
        (status, ct, v)
    }
}

fn rule_issue<'a>(outcome: &'a Value, rule: &str) -> Option<&'a Value> {
    outcome["issue"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["details"]["coding"][0]["code"] == rule)
}

#[tokio::test]
async fn a_vague_dosage_is_rx08_at_its_fhirpath() {
    let s = Server::start().await;
    let doctor = format!("Bearer {}", s.token("doctor").await);
    for content_type in ["application/fhir+json", "application/json"] {
        let (status, ct, v) = s
            .validate(
                Some(("authorization", &doctor)),
                content_type,
                &sample("visit-vague-dosage.json"),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        assert_eq!(ct, "application/fhir+json");
        assert_eq!(v["resourceType"], "OperationOutcome");
        let rx08 = rule_issue(&v, "RX-08").unwrap_or_else(|| panic!("{v}"));
        assert_eq!(rx08["severity"], "error");
        assert_eq!(
            rx08["expression"][0],
            "Bundle.entry[9].resource.dosageInstruction[0].text"
        );
    }
    let (status, _, v) = s
        .validate(
            Some(("authorization", &doctor)),
            "application/fhir+json",
            &sample("prescription-clean.json"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        v["issue"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["severity"] == "information"),
        "{v}"
    );
}

#[tokio::test]
async fn what_is_not_a_bundle_is_a_400_or_422_outcome() {
    let s = Server::start().await;
    let auth = format!("Bearer {}", s.token("doctor").await);
    let auth = Some(("authorization", auth.as_str()));
    let (status, ct, v) = s
        .validate(auth, "application/fhir+json", "{\"resourceType\": ")
        .await;
    assert_eq!(
        (status, ct.as_str()),
        (StatusCode::BAD_REQUEST, "application/fhir+json")
    );
    assert_eq!(v["issue"][0]["code"], "structure");
    let too_many = json!({"resourceType": "Bundle", "entry": vec![json!({"resource": {"resourceType": "Condition"}}); 1001]}).to_string();
    for (body, expr) in [
        (too_many.as_str(), "Bundle.entry"),
        (r#"{"resourceType": "Patient", "id": "p"}"#, "Patient"),
        (r#"[1, 2]"#, "Bundle"),
        (r#"{"kind": "prescription"}"#, "resourceType"),
    ] {
        let (status, _, v) = s.validate(auth, "application/fhir+json", body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
        assert!(
            v["issue"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["severity"] == "error" && i["expression"][0] == expr),
            "{body}: {v}"
        );
    }
    // A Bundle is read (200), what it lacks an error issue that says where.
    for (body, expr) in [
        (
            r#"{"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"resourceType": "Patient"}}]}"#,
            "Bundle.entry",
        ),
        (
            r#"{"resourceType": "Bundle", "entry": "x"}"#,
            "Bundle.entry",
        ),
    ] {
        let (status, _, v) = s.validate(auth, "application/fhir+json", body).await;
        assert_eq!(status, StatusCode::OK, "{body}: {v}");
        assert!(
            v["issue"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["severity"] == "error" && i["expression"][0] == expr),
            "{body}: {v}"
        );
    }
}

#[tokio::test]
async fn the_callers_of_check_and_no_others() {
    let s = Server::start().await;
    let body = sample("visit-vague-dosage.json");
    let (status, _, _) = s.validate(None, "application/fhir+json", &body).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    for user in ["doctor", "qa", "admin"] {
        let t = format!("Bearer {}", s.token(user).await);
        let (status, _, v) = s
            .validate(Some(("authorization", &t)), "application/fhir+json", &body)
            .await;
        assert_eq!(status, StatusCode::OK, "{user}: {v}");
    }
    let admin = s.token("admin").await;
    let checker = s
        .key(&admin, json!({"name": "checker", "scopes": ["check"]}))
        .await;
    let (status, _, _) = s
        .validate(
            Some(("x-api-key", &checker)),
            "application/fhir+json",
            &body,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let pusher = s
        .key(
            &admin,
            json!({"name": "pusher", "scopes": ["push", "read"]}),
        )
        .await;
    let (status, _, v) = s
        .validate(Some(("x-api-key", &pusher)), "application/fhir+json", &body)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    // A department-bound key: its own department's Bundle, not another's.
    for (name, department, want) in [
        ("resp", "呼吸内科", StatusCode::OK),
        ("peds", "儿科", StatusCode::FORBIDDEN),
    ] {
        let key = s
            .key(
                &admin,
                json!({"name": name, "scopes": ["check"], "departments": [department]}),
            )
            .await;
        let (status, _, _) = s
            .validate(Some(("x-api-key", &key)), "application/fhir+json", &body)
            .await;
        assert_eq!(status, want, "{name}");
    }
}
