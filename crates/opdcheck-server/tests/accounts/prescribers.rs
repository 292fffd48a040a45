//! Who signs is who is signed in (issue 13, item 6): doctor accounts carry the prescriber facts,
//! admins record and change them, and the server's engine checks documents against the doctor
//! accounts as the hospital's prescriber registry. Scenarios of `tests/accounts.rs`, run on
//! SQLite and PostgreSQL.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{As, RX, Server, assert_error};

impl Server {
    async fn patch(&self, path: &str, who: As<'_>, body: &Value) -> (StatusCode, Value) {
        self.call(Method::PATCH, path, who, Some(body)).await
    }
}

/// The error is a 422 `invalid_user` located at `path`.
fn assert_invalid(got: &(StatusCode, Value), path: &str) {
    assert_error(got, StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_user"));
    assert_eq!(got.1["error"]["path"], path, "{}", got.1);
}

/// `PATCH /users/{username}`: 401 without credentials, 403 for doctors, QA and keys, 200 for an
/// admin; `POST /users` records the facts (aliases read, the signature id the server's); bad
/// values are located 422s; `GET /me` and the sign-in answer carry them; changes are audited.
pub(super) async fn prescriber_roles(s: &Server) {
    let admin = s.token("admin", "admin").await;
    let qa = s.token("qa", "qa").await;
    let doctor = s.token("doctor", "doctor").await;
    let key = opdcheck_server::auth::DEMO_PORTAL_KEY;
    let change = json!({"title": "attending", "name": "李明"});

    assert_error(
        &s.patch("/api/v1/users/doctor", As::Nobody, &change).await,
        StatusCode::UNAUTHORIZED,
        None,
    );
    for who in [As::Token(&doctor), As::Token(&qa), As::Key(key)] {
        assert_error(
            &s.patch("/api/v1/users/doctor", who, &change).await,
            StatusCode::FORBIDDEN,
            Some("forbidden"),
        );
    }
    let (status, v) = s
        .patch("/api/v1/users/doctor", As::Token(&admin), &change)
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(
        (v["name"].as_str(), v["prescriber"]["title"].as_str()),
        (Some("李明"), Some("attending"))
    );
    // The doctor sees it at once, without signing in again.
    let (_, me) = s.get("/api/v1/me", As::Token(&doctor)).await;
    assert_eq!(me["prescriber"]["title"], "attending", "{me}");
    assert_eq!(me["name"], "李明");

    // A new doctor with facts: a title alias reads, the signature id is drawn by the server.
    let new = json!({"username": "zhang", "password": "zhang-password", "role": "doctor",
        "doctor_id": "D0201", "name": "张三", "title": "住院医师", "narcotic_psych1_rights": true});
    for who in [As::Token(&doctor), As::Token(&qa)] {
        assert_error(
            &s.post("/api/v1/users", who, &new).await,
            StatusCode::FORBIDDEN,
            None,
        );
    }
    let (status, user) = s.post("/api/v1/users", As::Token(&admin), &new).await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let signature = user["prescriber"]["signature_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(signature.starts_with("SIG-D0201-"), "{user}");
    assert_eq!(
        user["prescriber"],
        json!({"title": "resident", "signature_id": signature, "antibiotic_tier": null,
               "prescribing_rights": true, "narcotic_psych1_rights": true})
    );
    let (status, login) = s.login("zhang", "zhang-password").await;
    assert_eq!(status, StatusCode::OK, "{login}");
    assert_eq!(login["user"]["name"], "张三");
    assert_eq!(login["user"]["prescriber"], user["prescriber"]);
    // The doctor does not choose their signature: it is not a field of an update.
    let (status, v) = s
        .patch(
            "/api/v1/users/zhang",
            As::Token(&admin),
            &json!({"signature_id": "MINE"}),
        )
        .await;
    assert_error(&(status, v), StatusCode::BAD_REQUEST, Some("bad_body"));
    let (_, users) = s.get("/api/v1/users", As::Token(&admin)).await;
    let zhang = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "zhang");
    assert_eq!(
        zhang.unwrap()["prescriber"]["signature_id"],
        signature.as_str()
    );
    let (_, me) = s.get("/api/v1/me", As::Token(&admin)).await;
    assert_eq!(
        me["prescriber"],
        Value::Null,
        "an admin has no prescriber facts: {me}"
    );

    // Bad values, located.
    let mut bad = new.clone();
    bad["username"] = json!("zhang2");
    bad["title"] = json!("professor");
    assert_invalid(
        &s.post("/api/v1/users", As::Token(&admin), &bad).await,
        "title",
    );
    bad["title"] = json!("chief");
    bad["antibiotic_tier"] = json!("gold");
    assert_invalid(
        &s.post("/api/v1/users", As::Token(&admin), &bad).await,
        "antibiotic_tier",
    );
    let qa_with_title = json!({"username": "qa2", "password": "qa2-password", "role": "qa",
        "title": "chief"});
    assert_invalid(
        &s.post("/api/v1/users", As::Token(&admin), &qa_with_title)
            .await,
        "title",
    );
    for (body, path) in [
        (json!({"title": "professor"}), "title"),
        (json!({"antibiotic_tier": "gold"}), "antibiotic_tier"),
        (json!({"name": "名".repeat(65)}), "name"),
    ] {
        assert_invalid(
            &s.patch("/api/v1/users/zhang", As::Token(&admin), &body)
                .await,
            path,
        );
    }
    assert_invalid(
        &s.patch(
            "/api/v1/users/qa",
            As::Token(&admin),
            &json!({"narcotic_psych1_rights": true}),
        )
        .await,
        "narcotic_psych1_rights",
    );
    assert_error(
        &s.patch("/api/v1/users/nobody", As::Token(&admin), &change)
            .await,
        StatusCode::NOT_FOUND,
        Some("not_found"),
    );
    assert_error(
        &s.patch(
            "/api/v1/users/zhang",
            As::Token(&admin),
            &json!({"title": 7}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        Some("bad_body"),
    );

    // A tier, then null: back to the title's.
    let (_, v) = s
        .patch(
            "/api/v1/users/zhang",
            As::Token(&admin),
            &json!({"antibiotic_tier": "restricted"}),
        )
        .await;
    assert_eq!(v["prescriber"]["antibiotic_tier"], "restricted", "{v}");
    let (_, v) = s
        .patch(
            "/api/v1/users/zhang",
            As::Token(&admin),
            &json!({"antibiotic_tier": null}),
        )
        .await;
    assert_eq!(v["prescriber"]["antibiotic_tier"], Value::Null, "{v}");
    assert_eq!(v["prescriber"]["signature_id"], signature.as_str());

    let updates = s.audit(&admin, "action=user.update").await;
    assert!(
        updates.iter().any(|e| e["target"] == "zhang"
            && e["actor"] == "admin"
            && e["detail"]["antibiotic_tier"] == "restricted"),
        "{updates:?}"
    );
    let created = s.audit(&admin, "action=user.create").await;
    assert!(
        created.iter().any(|e| e["target"] == "zhang"
            && e["detail"]["title"] == "resident"
            && e["detail"]["narcotic_psych1_rights"] == true),
        "{created:?}"
    );
}

/// A prescription of `doctor` (id, name, title, signature) with a restricted antibiotic
/// (ceftriaxone) as its first item.
fn restricted_rx(id: &str, name: &str, signature: &str) -> Value {
    let mut v: Value = serde_json::from_str(RX).unwrap();
    v["prescriber"] = json!({"id": id, "name": name, "title": "resident",
        "signed_at": "2026-11-22T09:40", "signature_id": signature});
    v["items"][0] = json!({"drug": "注射用头孢曲松钠", "strength": "1g",
        "dose": {"value": 1, "unit": "g"}, "route": "静脉滴注", "frequency": "qd", "days": 3,
        "quantity": {"value": 3, "unit": "支"}});
    v
}

/// `(code, path)` of a report's findings.
fn findings(report: &Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings: {report}"))
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["path"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn has(report: &Value, code: &str, path: &str) -> bool {
    findings(report).iter().any(|(c, p)| c == code && p == path)
}

/// The rules check the doctor accounts as the prescriber registry: a resident's restricted
/// antibiotic is RX-18 until the admin grants the tier; a signature that is not the account's is
/// RX-17; the stored policy's own registry is merged under the accounts'; another server on the
/// same database follows with its poll.
pub(super) async fn prescriber_registry(s: &Server) {
    let admin = s.token("admin", "admin").await;
    let new = json!({"username": "zhang", "password": "zhang-password", "role": "doctor",
        "doctor_id": "D0201", "name": "张三", "title": "resident"});
    let (status, user) = s.post("/api/v1/users", As::Token(&admin), &new).await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let signature = user["prescriber"]["signature_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let doctor = s.token("zhang", "zhang-password").await;
    let rx = restricted_rx("D0201", "张三", &signature);

    // A resident's tier is non-restricted: RX-18 at the antibiotic; the signature is right.
    let (status, report) = s.post("/api/v1/check", As::Token(&doctor), &rx).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert!(has(&report, "RX-18", "items[0].drug"), "{report}");
    assert!(
        !has(&report, "RX-17", "prescriber.signature_id"),
        "{report}"
    );
    assert!(
        !has(&report, "RX-18", "prescriber.id"),
        "registered: {report}"
    );
    // A push answers the same verdict.
    let mut pushed_rx = rx.clone();
    pushed_rx["id"] = json!("rx-rights-1");
    let batch = json!({"records": [{"id": "rx-rights-1", "version": 1, "document": pushed_rx}]});
    let (status, pushed) = s.post("/api/v1/records", As::Token(&doctor), &batch).await;
    assert!(status.is_success(), "{status} {pushed}");
    assert!(
        pushed.to_string().contains("\"rule\":\"RX-18\""),
        "{pushed}"
    );

    // The admin grants the restricted tier: the finding is gone, at once.
    let (status, v) = s
        .patch(
            "/api/v1/users/zhang",
            As::Token(&admin),
            &json!({"antibiotic_tier": "restricted"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (_, report) = s.post("/api/v1/check", As::Token(&doctor), &rx).await;
    assert!(!has(&report, "RX-18", "items[0].drug"), "{report}");

    // A signature that is not the account's registered one.
    let forged = restricted_rx("D0201", "张三", "SIG-D0201");
    let (_, report) = s.post("/api/v1/check", As::Token(&doctor), &forged).await;
    assert!(has(&report, "RX-17", "prescriber.signature_id"), "{report}");

    // The registry is on the policy served; the stored policy's own registry is merged under
    // the accounts' (an account wins for the same id).
    let over = json!({"prescribers": [
        {"id": "D0201", "name": "旧", "title": "chief", "signature_id": "OLD"},
        {"id": "D0300", "name": "王五", "title": "chief", "signature_id": "SIG-D0300"}]});
    let (status, v) = s
        .call(
            Method::PUT,
            "/api/v1/policy",
            As::Token(&admin),
            Some(&over),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    // Whole to a signed-in caller; without names or signatures to anyone else.
    let (_, policy) = s.get("/api/v1/policy", As::Token(&doctor)).await;
    let registry = policy["policy"]["prescribers"].as_array().unwrap().clone();
    let of = |id: &str| registry.iter().find(|p| p["id"] == id).cloned();
    assert_eq!(of("D0201").unwrap()["signature_id"], signature.as_str());
    assert_eq!(of("D0300").unwrap()["signature_id"], "SIG-D0300");
    let (_, public) = s.get("/api/v1/policy", As::Nobody).await;
    let public = public["policy"]["prescribers"].as_array().unwrap().clone();
    assert_eq!(public.len(), registry.len());
    assert!(
        public
            .iter()
            .all(|p| p["signature_id"] == "" && p["name"] == ""),
        "{public:?}"
    );
    let (_, report) = s.post("/api/v1/check", As::Token(&doctor), &rx).await;
    assert!(
        !has(&report, "RX-17", "prescriber.signature_id"),
        "{report}"
    );
    let wang = restricted_rx("D0300", "王五", "SIG-D0300");
    let (_, report) = s.post("/api/v1/check", As::Token(&admin), &wang).await;
    assert!(
        !has(&report, "RX-18", "prescriber.id"),
        "D0300 is registered: {report}"
    );

    // Another server on the same database follows the accounts with its poll.
    let other = opdcheck_server::AppState::api_only(s.store.clone());
    opdcheck_server::http::in_force::refresh(&other)
        .await
        .unwrap();
    let tier = |state: &opdcheck_server::AppState| {
        state
            .engine()
            .policy
            .prescribers
            .iter()
            .find(|p| p.id == "D0201")
            .and_then(|p| p.antibiotic_tier)
    };
    assert_eq!(
        tier(&other),
        Some(opdcheck_engine::policy::AbxTier::Restricted)
    );
    let (status, _) = s
        .patch(
            "/api/v1/users/zhang",
            As::Token(&admin),
            &json!({"antibiotic_tier": null}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    opdcheck_server::http::in_force::refresh(&other)
        .await
        .unwrap();
    assert_eq!(tier(&other), None);
    // Deleting the account takes it out of the registry.
    let (status, _) = s
        .call(
            Method::DELETE,
            "/api/v1/users/zhang",
            As::Token(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    opdcheck_server::http::in_force::refresh(&other)
        .await
        .unwrap();
    let ids: Vec<String> = other
        .engine()
        .policy
        .prescribers
        .iter()
        .map(|p| p.id.clone())
        .collect();
    assert_eq!(
        ids,
        ["D0201", "D0300"],
        "the stored policy's own registry remains"
    );
    assert_eq!(other.engine().policy.prescribers[0].signature_id, "OLD");
}
