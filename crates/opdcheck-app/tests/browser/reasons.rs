//! The hospital tunes its alerts (issue 15) as the doctor sees it: a reason given in place at a
//! finding and signed with the document, an overridable error accepted by its reason, a scoped
//! tuning entry changing exactly the finding in its scope, a shadow rule never shown.

use super::*;
use opdcheck_app::signing::Signable;
use opdcheck_app::ui::policy::set_active;
use opdcheck_engine::Engine;
use opdcheck_web::policy::{Active, EngineRef, Source};
use serde_json::json;
use std::sync::Arc;

/// Put a hospital policy (the default with `over` merged) in force on the page, as the policy
/// agent does when the server sends one.
fn hospital_policy(over: serde_json::Value) -> Arc<Engine> {
    let engine = Arc::new(Engine::with_policy_override(&over.to_string()).expect("a valid policy"));
    set_active(Active {
        version: 9,
        ruleset: "1.0.0+policy.test9".into(),
        source: Source::Server,
        engine: EngineRef::Built(engine.clone()),
    });
    engine
}

/// Each finding shown at a field, as (findings list, rule, severity class, tuning entry).
fn shown(root: &Element) -> Vec<(String, String, String, Option<String>)> {
    let list = root.query_selector_all(".field-findings li.ff").unwrap();
    let mut out: Vec<_> = (0..list.length())
        .map(|i| list.item(i).unwrap().unchecked_into::<Element>())
        .map(|li| {
            let ul = li.parent_element().unwrap().id();
            let sev = ["sev-error", "sev-warning", "sev-info"]
                .into_iter()
                .find(|c| li.class_list().contains(c))
                .unwrap_or("")
                .to_string();
            (
                ul,
                li.get_attribute("data-rule").unwrap(),
                sev,
                li.get_attribute("data-tuned"),
            )
        })
        .collect();
    out.sort();
    out
}

fn text_of(root: &Element, sel: &str) -> String {
    must(root, sel).text_content().unwrap_or_default()
}

/// 3a. The doctor keeps RX-09 (a larger quantity) and says why at the finding: 「其他」 asks
/// for words; saved, the finding shows the reason; signed, the outbox entry's document holds it
/// (by the signed-in doctor, dated), so it is synced with the document; signed, it is read-only.
#[wasm_bindgen_test]
async fn a_doctor_gives_a_reason_for_a_warning_in_place_and_it_is_signed_with_the_document() {
    let root = app_signed_in_as_zhang().await;
    let storage = window().local_storage().unwrap().unwrap();
    choose(&root, "#samples-menu", "0");
    settle().await;
    type_into(&root, "#f-rx-items-0--quantity", "2");
    settle().await;
    assert_eq!(rules_at(&root, "f-rx-items-0--quantity"), ["RX-09"]);
    let base = "#f-rx-items-0--quantity-desc-0-why";
    let toggle = must(&root, base);
    assert_eq!(toggle.text_content().unwrap(), "说明理由");
    assert_eq!(
        toggle.get_attribute("aria-expanded").as_deref(),
        Some("false")
    );
    click(&root, base);
    settle().await;
    assert_eq!(
        toggle.get_attribute("aria-expanded").as_deref(),
        Some("true")
    );
    let pop = must(&root, &format!("{base}-pop"));
    assert_eq!(pop.get_attribute("role").as_deref(), Some("group"));
    assert!(pop.get_attribute("aria-label").unwrap().contains("RX-09"));
    // The policy's pick list for the rule, labelled.
    let options = pop.query_selector_all("select option").unwrap();
    assert!(options.length() >= 3, "the default list");
    assert_eq!(
        text_of(&root, &format!("label[for='{}-choice']", &base[1..])),
        "理由"
    );
    // 「其他」 without words is not recorded.
    choose(&root, &format!("{base}-choice"), "other");
    click(&root, ".why-save");
    settle().await;
    assert_eq!(
        text_of(&root, &format!("{base}-problem")),
        "选择「其他」时请写明理由"
    );
    type_into(&root, &format!("{base}-text"), "患者出差两周，备足用量");
    click(&root, ".why-save");
    settle().await;
    assert!(q(&root, ".reason-pop").is_none(), "closed once saved");
    let li = must(&root, "#f-rx-items-0--quantity-desc li.ff");
    assert_eq!(li.get_attribute("data-reason").as_deref(), Some("other"));
    assert!(li.class_list().contains("sev-warning"));
    assert_eq!(
        text_of(&li, ".ff-reason-text"),
        "理由：患者出差两周，备足用量"
    );
    assert_eq!(text_of(&li, ".why-toggle"), "修改理由");
    // The summary shows it too.
    assert!(text_of(&root, "section.summary").contains("理由：患者出差两周，备足用量"));
    // A warning does not keep the doctor from signing.
    click(&root, "button.sign");
    let entries = poll(
        async || opdcheck_app::outbox::all().await.unwrap(),
        |es| es.len() == 1,
    )
    .await;
    assert_eq!(entries.len(), 1, "signed into the outbox");
    let reasons = entries[0].document["reasons"].as_array().cloned().unwrap();
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    let r = &reasons[0];
    assert_eq!(r["rule"], "RX-09");
    assert_eq!(r["path"], "items[0].quantity");
    assert_eq!(r["choice"], "other");
    assert_eq!(r["text"], "患者出差两周，备足用量");
    assert_eq!(r["by"], "D0201");
    assert!(
        r["at"]
            .as_str()
            .is_some_and(|t| t.len() == 16 && &t[10..11] == "T"),
        "{r}"
    );
    // Signed: the reason is shown, and can no longer be changed.
    poll(async || q(&root, ".sign-bar .signed"), Option::is_some).await;
    assert!(q(&root, ".why-toggle").is_none());
    assert!(
        text_of(&root, "#f-rx-items-0--quantity-desc").contains("患者出差两周"),
        "shown read-only"
    );
    window().location().set_hash("/prescription").unwrap();
    drop(root);
    storage.remove_item("opdcheck.session").unwrap();
    storage.remove_item(STORAGE_KEY).unwrap();
    opdcheck_app::outbox::clear().await.unwrap();
}

/// 3b. With `alerts.overridable: ["RX-08"]`, 遵医嘱 is an error a reason accepts: given in
/// place, the finding is a warning 「已说明理由」 and 签名 is no longer blocked; removing the
/// reason brings the error back. Under the default policy RX-08 offers no reason.
#[wasm_bindgen_test]
async fn an_overridable_error_becomes_a_warning_with_its_reason_and_no_longer_blocks_signing() {
    let doc = RwSignal::new(clean_rx());
    let root = mount(move || view! { <PrescriptionPage doc=doc /> });
    settle().await;
    let field = "f-rx-items-0--frequency";
    type_into(&root, &format!("#{field}"), "遵医嘱");
    settle().await;
    assert_eq!(rules_at(&root, field), ["RX-08"]);
    assert!(
        q(&root, &format!("#{field}-desc .why-toggle")).is_none(),
        "a blocking error takes no reason"
    );
    hospital_policy(json!({"alerts": {"overridable": ["RX-08"]}}));
    settle().await;
    let sign = must(&root, "button.sign");
    assert_eq!(sign.get_attribute("data-blocked").as_deref(), Some("true"));
    let base = format!("#{field}-desc-0-why");
    click(&root, &base);
    settle().await;
    choose(&root, &format!("{base}-choice"), "clinical_need");
    type_into(&root, &format!("{base}-text"), "患者自行按说明书服用");
    click(&root, ".why-save");
    settle().await;
    let li = must(&root, &format!("#{field}-desc li.ff"));
    assert!(
        li.class_list().contains("sev-warning"),
        "accepted: a warning"
    );
    assert_eq!(text_of(&li, ".ff-accepted"), "已说明理由");
    assert_eq!(
        text_of(&li, ".ff-reason-text"),
        "理由：临床需要，已评估（患者自行按说明书服用）"
    );
    assert_eq!(sign.get_attribute("data-blocked").as_deref(), Some("false"));
    assert_eq!(
        doc.with_untracked(|d| d
            .reasons
            .iter()
            .map(|r| (r.rule.clone(), r.path.clone()))
            .collect::<Vec<_>>()),
        [("RX-08".to_string(), Some("items[0].frequency".to_string()))]
    );
    // Taken back: an error again, and blocking.
    click(&root, &base);
    settle().await;
    click(&root, ".why-remove");
    settle().await;
    assert!(doc.with_untracked(|d| d.reasons.is_empty()));
    assert!(
        must(&root, &format!("#{field}-desc li.ff"))
            .class_list()
            .contains("sev-error")
    );
    assert_eq!(sign.get_attribute("data-blocked").as_deref(), Some("true"));
    // Given again, the document signs.
    click(&root, &base);
    settle().await;
    choose(&root, &format!("{base}-choice"), "not_applicable");
    click(&root, ".why-save");
    settle().await;
    click(&root, "button.sign");
    settle().await;
    assert!(doc.with_untracked(|d| d.completed == Some(true)));
    assert!(q(&root, ".why-toggle").is_none(), "signed: read-only");
    assert!(text_of(&root, &format!("#{field}-desc")).contains("提示不适用于本例"));
    set_active(Active::builtin());
    drop(root);
}

/// 3c. A tuning entry scoped to 阿莫西林 downgrades RX-08: with both drug lines written 遵医嘱,
/// line 0 (阿莫西林) shows a warning naming the entry, line 1 stays an error, and every other
/// finding on the page is as the default policy shows it.
#[wasm_bindgen_test]
async fn a_scoped_tuning_entry_changes_exactly_the_finding_in_its_scope() {
    let doc = RwSignal::new(clean_rx());
    let root = mount(move || view! { <PrescriptionPage doc=doc /> });
    settle().await;
    type_into(&root, "#f-rx-items-0--frequency", "遵医嘱");
    type_into(&root, "#f-rx-items-1--frequency", "遵医嘱");
    // Other findings the entry (RX-08, 阿莫西林) does not touch: ten days of 氨溴索.
    type_into(&root, "#f-rx-items-1--days", "10");
    settle().await;
    let default = shown(&root);
    let default_summary = root
        .query_selector_all("section.summary button.finding")
        .unwrap()
        .length();
    assert!(default.len() >= 3, "{default:?}");
    hospital_policy(json!({"alerts": {"tuning": [{
        "id": "T-1", "rule": "RX-08", "action": "downgrade",
        "scope": {"drugs": ["阿莫西林"]},
        "rationale": "阿莫西林遵医嘱多为随访调整，先提示不拦截",
        "author": "药剂科 李主任", "expires": "2099-12-31"
    }]}}));
    settle().await;
    let li0 = must(
        &root,
        "#f-rx-items-0--frequency-desc li.ff[data-rule='RX-08']",
    );
    assert!(li0.class_list().contains("sev-warning"));
    assert_eq!(li0.get_attribute("data-tuned").as_deref(), Some("T-1"));
    assert_eq!(
        text_of(&li0, ".ff-tuned-note"),
        "按院内调整 T-1 由错误降为警告"
    );
    let why = text_of(&li0, ".ff-tuned-why");
    assert!(
        why.contains("阿莫西林遵医嘱多为随访调整") && why.contains("药剂科 李主任"),
        "{why}"
    );
    assert!(
        must(&li0, ".ff-tuned")
            .get_attribute("title")
            .unwrap()
            .contains("随访调整"),
        "the rationale as the tooltip too"
    );
    let li1 = must(
        &root,
        "#f-rx-items-1--frequency-desc li.ff[data-rule='RX-08']",
    );
    assert!(li1.class_list().contains("sev-error"));
    assert!(li1.get_attribute("data-tuned").is_none());
    // Exactly that one finding differs from the default policy's page.
    let tuned = shown(&root);
    let changed: Vec<_> = default.iter().zip(&tuned).filter(|(a, b)| a != b).collect();
    assert_eq!(default.len(), tuned.len());
    assert_eq!(
        changed,
        [(
            &(
                "f-rx-items-0--frequency-desc".to_string(),
                "RX-08".to_string(),
                "sev-error".to_string(),
                None
            ),
            &(
                "f-rx-items-0--frequency-desc".to_string(),
                "RX-08".to_string(),
                "sev-warning".to_string(),
                Some("T-1".to_string())
            )
        )]
    );
    assert_eq!(
        root.query_selector_all("section.summary button.finding")
            .unwrap()
            .length(),
        default_summary
    );
    assert!(text_of(&root, "section.summary").contains("按院内调整 T-1 由错误降为警告"));
    set_active(Active::builtin());
    drop(root);
}

/// 3d. A shadow entry on RX-09: the rule fires (the engine's report has the finding in
/// `shadow`), and the page shows it nowhere — not at the field, not in the summary, not in the
/// count; neither the entry nor how many were kept back is mentioned.
#[wasm_bindgen_test]
async fn a_shadow_rules_finding_appears_nowhere_on_the_page() {
    let doc = RwSignal::new(clean_rx());
    let root = mount(move || view! { <PrescriptionPage doc=doc /> });
    settle().await;
    type_into(&root, "#f-rx-items-0--quantity", "2");
    settle().await;
    assert_eq!(
        rules_at(&root, "f-rx-items-0--quantity"),
        ["RX-09"],
        "the rule fires"
    );
    let engine = hospital_policy(json!({"alerts": {"tuning": [{
        "id": "S-1", "rule": "RX-09", "action": "shadow",
        "rationale": "试运行：数量核对的准确率", "author": "质控科", "expires": "2099-12-31"
    }]}}));
    settle().await;
    let report = engine.check(&Document::Prescription(
        doc.with_untracked(|d| d.as_signed(&opdcheck_app::ui::now_minutes())),
    ));
    assert!(report.findings.iter().all(|f| f.rule != "RX-09"));
    let shadow: Vec<_> = report
        .shadow
        .iter()
        .map(|f| (f.rule.as_str(), f.path.as_str()))
        .collect();
    assert_eq!(shadow, [("RX-09", "items[0].quantity")]);
    assert!(q(&root, "[data-rule='RX-09']").is_none(), "shown somewhere");
    let page = root.text_content().unwrap();
    assert!(!page.contains("RX-09") && !page.contains("S-1"), "{page}");
    assert_eq!(
        must(&root, "section.summary h2 .count")
            .text_content()
            .unwrap(),
        report.findings.len().to_string()
    );
    set_active(Active::builtin());
    drop(root);
}
