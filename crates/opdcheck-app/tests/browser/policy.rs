//! The hospital's policy in the browser: a cached policy checks the forms and each report names
//! it; the admin's policy page (its parts, given data and callbacks: no server needed).

use super::*;

/// A cache holding a hospital policy: version `version`, `max_drugs` drugs at most.
fn cached_policy(version: i64, max_drugs: u64) -> opdcheck_web::policy::PolicyCache {
    let mut policy = opdcheck_engine::policy::default_policy_value();
    policy["limits"]["max_drugs"] = max_drugs.into();
    opdcheck_web::policy::PolicyCache {
        policy: opdcheck_api::policy::PolicyResponse {
            version,
            ruleset: format!("1.0.0+policy.test{version}"),
            policy: opdcheck_api::policy::PolicyResponse::policy_text(&policy),
            override_: serde_json::json!({"limits": {"max_drugs": max_drugs}}),
            set_by: Some("admin".into()),
            set_at: Some("2026-12-02T09:00:00Z".into()),
        },
        etag: Some(format!("\"test-v{version}-public\"")),
        variant: opdcheck_web::policy::Variant::Public,
    }
}

#[wasm_bindgen_test]
async fn a_cached_hospital_policy_checks_the_form_and_names_itself() {
    use opdcheck_app::ui::policy::{set_active, start_agent};
    use opdcheck_web::policy::{Active, POLICY_KEY};
    let storage = window().local_storage().unwrap().unwrap();
    storage
        .set_item(POLICY_KEY, &cached_policy(3, 4).to_json())
        .unwrap();
    // Five drugs: within the default's limit, over this hospital's.
    let mut rx = clean_rx();
    for name in ["盐酸氨溴索片", "布洛芬片", "氯雷他定片"] {
        rx.items.push(RxItem {
            drug: Some(name.into()),
            ..rx.items[1].clone()
        });
    }
    let doc = RwSignal::new(rx);
    let language = StoredValue::new(None);
    let root = mount(move || {
        language.set_value(Some(lang()));
        // The app starts the agent before its forms (this test server has no API: the
        // refresh fails and the cached policy stays).
        start_agent();
        view! { <PrescriptionPage doc=doc /> }
    });
    settle().await;
    assert_eq!(rules_at(&root, "f-rx-items"), ["RX-10"]);
    let used = must(&root, ".score .policy-used");
    assert_eq!(used.text_content().unwrap(), "医院规则 第3版");
    assert_eq!(
        used.get_attribute("title").as_deref(),
        Some("1.0.0+policy.test3")
    );
    gloo_timers::future::TimeoutFuture::new(200).await;
    assert_eq!(rules_at(&root, "f-rx-items"), ["RX-10"], "offline: kept");
    // The policy changes while the form is open: the form is checked again at once.
    set_active(Active::builtin());
    settle().await;
    assert!(rules_at(&root, "f-rx-items").is_empty());
    assert_eq!(
        must(&root, ".score .policy-used").text_content().unwrap(),
        "默认规则"
    );
    language.get_value().unwrap().set(Lang::En);
    settle().await;
    assert_eq!(
        must(&root, ".score .policy-used").text_content().unwrap(),
        "default policy"
    );
    storage.remove_item(POLICY_KEY).unwrap();
}

#[wasm_bindgen_test]
async fn without_a_cached_policy_the_app_says_it_checks_with_the_default() {
    window()
        .local_storage()
        .unwrap()
        .unwrap()
        .remove_item(opdcheck_web::policy::POLICY_KEY)
        .unwrap();
    let root = mount(opdcheck_app::App);
    settle().await;
    let foot = must(&root, ".foot .policy-status").text_content().unwrap();
    assert!(
        foot.contains("默认规则") && foot.contains("尚未取得医院规则"),
        "{foot}"
    );
}

fn policy_version(v: i64, over: serde_json::Value) -> opdcheck_api::policy::PolicyVersion {
    opdcheck_api::policy::PolicyVersion {
        version: v,
        ruleset: format!("1.0.0+policy.h{v}"),
        override_: over,
        created_by: "admin".into(),
        created_at: format!("2026-12-0{v}T09:00:00Z"),
        rolled_back_from: (v == 3).then_some(1),
    }
}

fn set_textarea(root: &Element, sel: &str, text: &str) {
    let ta: web_sys::HtmlTextAreaElement = must(root, sel).unchecked_into();
    ta.set_value(text);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    ta.dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap())
        .unwrap();
}

#[wasm_bindgen_test]
async fn the_policy_editor_shows_a_located_error_before_asking_the_server() {
    use opdcheck_app::policy_admin::EditorState;
    use opdcheck_app::ui::policy_admin::PolicyEditor;
    let text = RwSignal::new(String::new());
    let state = RwSignal::new(EditorState::Idle);
    let sent = StoredValue::new(Vec::<(serde_json::Value, bool)>::new());
    let submit = Callback::new(move |x| sent.update_value(|s| s.push(x)));
    let root = mount(move || view! { <PolicyEditor text=text state=state submit=submit /> });
    settle().await;
    set_textarea(&root, "#policy-text", r#"{"limits": {"max_drugs": 0}}"#);
    click(&root, "#policy-validate");
    settle().await;
    let err = must(&root, "#policy-outcome .policy-error[role='alert']");
    assert_eq!(
        must(&err, ".error-path").text_content().unwrap(),
        "limits.max_drugs"
    );
    assert!(err.text_content().unwrap().contains("规则无效"));
    assert_eq!(
        must(&root, "#policy-text")
            .get_attribute("aria-invalid")
            .as_deref(),
        Some("true")
    );
    assert!(
        sent.with_value(Vec::is_empty),
        "an invalid override was sent"
    );
    // A JSON slip is located by line and column.
    set_textarea(&root, "#policy-text", "{\n  \"limits\": {,}\n}");
    click(&root, "#policy-save");
    settle().await;
    assert_eq!(
        must(&root, ".error-path").text_content().unwrap(),
        "第 2 行第 14 列"
    );
    // A valid one goes to the server, to save.
    set_textarea(&root, "#policy-text", r#"{"limits": {"max_drugs": 4}}"#);
    settle().await;
    assert!(
        q(&root, ".policy-error").is_none(),
        "typing clears the error"
    );
    click(&root, "#policy-save");
    settle().await;
    assert_eq!(
        sent.get_value(),
        [(serde_json::json!({"limits": {"max_drugs": 4}}), true)]
    );
    // The server's refusal (422, located) is shown the same way.
    state.set(EditorState::of_error(
        &opdcheck_web::api::CallError::Status(
            422,
            opdcheck_api::ErrorDetail {
                code: "invalid_policy".into(),
                message: "unknown field".into(),
                path: Some("limits.max_drug".into()),
            },
        ),
    ));
    settle().await;
    assert_eq!(
        must(&root, ".error-path").text_content().unwrap(),
        "limits.max_drug"
    );
    state.set(EditorState::Saved(5));
    settle().await;
    assert!(
        must(&root, "#policy-outcome")
            .text_content()
            .unwrap()
            .contains("已保存为第5版")
    );
}

#[wasm_bindgen_test]
async fn the_policy_in_force_says_loading_then_shows_version_limits_and_override() {
    use opdcheck_app::ui::policy_admin::InForce;
    let current = RwSignal::new(None);
    let root = mount(move || view! { <InForce current=current.into() /> });
    settle().await;
    assert_eq!(must(&root, ".loading").text_content().unwrap(), "正在加载…");
    assert!(
        q(&root, ".policy-limits").is_none(),
        "no figures before the data"
    );
    current.set(Some(Ok(cached_policy(2, 4).policy)));
    settle().await;
    assert_eq!(
        must(&root, ".policy-version").text_content().unwrap(),
        "医院规则 第2版"
    );
    assert_eq!(
        must(&root, "tr[data-path='limits.max_drugs'] td")
            .text_content()
            .unwrap(),
        "4"
    );
    assert_eq!(
        must(&root, ".policy-set-by").text_content().unwrap(),
        "admin"
    );
    let over = must(&root, "pre.policy-override").text_content().unwrap();
    assert!(over.contains("\"max_drugs\": 4"), "{over}");
}

#[wasm_bindgen_test]
async fn the_policy_history_shows_each_versions_changes_and_rolls_back_after_confirming() {
    use opdcheck_app::ui::policy_admin::PolicyHistoryList;
    use serde_json::json;
    let history = RwSignal::new(Some(Ok(vec![
        policy_version(3, json!({"limits": {"max_drugs": 4}})),
        policy_version(
            2,
            json!({"limits": {"max_drugs": 3, "max_days_general": 5}}),
        ),
        policy_version(1, json!({"limits": {"max_drugs": 4}})),
    ])));
    let asked = StoredValue::new(Vec::<i64>::new());
    let rollback = Callback::new(move |v| asked.update_value(|a| a.push(v)));
    let root =
        mount(move || view! { <PolicyHistoryList history=history.into() rollback=rollback /> });
    settle().await;
    let row = |v: i64| must(&root, &format!("li.policy-version-row[data-version='{v}']"));
    let lines = |v: i64| -> Vec<(String, String)> {
        let list = row(v).query_selector_all(".diff li").unwrap();
        (0..list.length())
            .map(|i| list.item(i).unwrap().unchecked_into::<Element>())
            .map(|e| (e.class_name(), e.get_attribute("data-path").unwrap()))
            .collect()
    };
    assert_eq!(
        lines(3),
        [
            (
                "diff-removed".to_string(),
                "limits.max_days_general".to_string()
            ),
            ("diff-changed".to_string(), "limits.max_drugs".to_string()),
        ]
    );
    assert!(
        row(2)
            .text_content()
            .unwrap()
            .contains("修改 limits.max_drugs: 4 → 3")
    );
    assert_eq!(
        lines(1),
        [("diff-added".to_string(), "limits.max_drugs".to_string())]
    );
    assert!(row(3).text_content().unwrap().contains("回滚自第1版"));
    // The version in force has no roll-back button; the others and the default do.
    assert!(q(&row(3), "button.rollback").is_none());
    assert!(q(&row(0), "button.rollback").is_some());
    click(&row(1), "button.rollback");
    settle().await;
    let dialog = must(&root, "[role='alertdialog']");
    assert!(dialog.text_content().unwrap().contains("医院规则 第1版"));
    click(&dialog, "button.small");
    settle().await;
    assert!(q(&root, "[role='alertdialog']").is_none());
    assert!(
        asked.with_value(Vec::is_empty),
        "rolled back without confirming"
    );
    click(&row(1), "button.rollback");
    settle().await;
    click(&root, "#rollback-confirm");
    settle().await;
    assert_eq!(asked.get_value(), [1]);
}

#[wasm_bindgen_test]
async fn the_policy_page_is_for_admins_only() {
    let storage = window().local_storage().unwrap().unwrap();
    storage
        .set_item(
            "opdcheck.session",
            r#"{"token":"t","user":{"username":"doctor","role":"doctor","doctor_id":"D0012"}}"#,
        )
        .unwrap();
    window().location().set_hash("/policy").unwrap();
    let root = mount(opdcheck_app::App);
    settle().await;
    let nav = must(&root, "a.page-link[href='#/policy']");
    assert!(
        nav.has_attribute("hidden"),
        "a doctor sees the admin's page in the menu"
    );
    let note = must(&root, ".policy-admin .note").text_content().unwrap();
    assert!(note.contains("只有管理员"), "{note}");
    window().location().set_hash("").unwrap();
    storage.remove_item("opdcheck.session").unwrap();
    drop(root);
    settle().await;
}
