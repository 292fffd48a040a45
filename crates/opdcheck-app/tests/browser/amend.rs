//! Forms that can always be finished (issue 14, item 4): the field a finding names is on the
//! form, and a signed document is corrected by a signed, dated amendment synced as a new version.

use super::*;
use opdcheck_app::fields::{anchor_in, dom_id};
use opdcheck_app::reachable::{SET_BY_SIGNING, WHOLE_DOCUMENT, cases};
use opdcheck_engine::model::ExamRequest;

fn type_area(root: &Element, sel: &str, text: &str) {
    let area: web_sys::HtmlTextAreaElement = must(root, sel).unchecked_into();
    area.set_value(text);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    area.dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap())
        .unwrap();
}

/// Every rule's bad example (and the 穿刺/CTA/DSA requests), rendered in its form: each finding
/// of the rule has its field on the page, where the doctor fixes it.
#[wasm_bindgen_test]
async fn every_rules_finding_has_its_field_on_the_form() {
    let e = opdcheck_engine::Engine::default_engine();
    let mut checked = 0;
    for c in cases() {
        if WHOLE_DOCUMENT.contains(&c.rule) {
            continue;
        }
        let report = e.check(&c.doc);
        let (scope, root) = match c.doc.clone() {
            Document::Prescription(d) => {
                let doc = RwSignal::new(d);
                ("rx", mount(move || view! { <PrescriptionPage doc=doc /> }))
            }
            Document::OutpatientRecord(d) => {
                let doc = RwSignal::new(d);
                ("mr", mount(move || view! { <RecordPage doc=doc /> }))
            }
            Document::ExamRequest(d) => {
                let doc = RwSignal::new(d);
                ("rq", mount(move || view! { <RequestPage doc=doc /> }))
            }
            Document::InfectiousReport(d) => {
                let doc = RwSignal::new(d);
                ("ir", mount(move || view! { <InfectiousPage doc=doc /> }))
            }
            Document::Visit(_) => continue,
        };
        settle().await;
        for f in report.findings.iter().filter(|f| f.rule == c.rule) {
            if SET_BY_SIGNING.contains(&f.path.as_str()) {
                continue;
            }
            let anchor = anchor_in(c.kind, &f.path);
            let id = dom_id(scope, &anchor);
            assert!(
                !anchor.is_empty() && q(&root, &format!("#{id}")).is_some(),
                "{} at `{}`: no field #{id} on the form",
                c.rule,
                f.path
            );
            checked += 1;
        }
        drop(root);
    }
    assert!(checked > 40, "only {checked} findings checked");
}

/// The dead end of issue 14: a pathology request for a 穿刺 gets RQ-05, and the consent that
/// fixes it is on the form; recording the consent clears it.
#[wasm_bindgen_test]
async fn a_puncture_request_shows_the_consent_that_rq05_asks_for() {
    let mut d: ExamRequest = match sample(DocKind::ExamRequest, true) {
        Document::ExamRequest(d) => d,
        _ => unreachable!(),
    };
    d.category = Some(opdcheck_engine::model::ExamCategory::Pathology);
    d.items = vec!["甲状腺结节细针穿刺".into()];
    d.contrast = None;
    d.consent = None;
    d.physician.as_mut().unwrap().signed_at = None;
    d.physician.as_mut().unwrap().signature_id = None;
    let doc = RwSignal::new(d);
    let root = mount(move || view! { <RequestPage doc=doc /> });
    settle().await;
    assert!(q(&root, "#f-rq-consent").is_some(), "the consent field");
    // A required entry's finding shows once the doctor has been in the field (or signs).
    focus_out(&root, "#f-rq-consent");
    settle().await;
    assert!(rules_at(&root, "f-rq-consent").contains(&"RQ-05".to_string()));
    type_into(&root, "#f-rq-consent", "王芳");
    settle().await;
    click(&root, ".override button.small");
    settle().await;
    assert!(!rules_at(&root, "f-rq-consent").contains(&"RQ-05".to_string()));
    assert!(doc.with_untracked(|d| d.consent.as_ref().is_some_and(|c| c.is_signed())));
    // A plain lab test asks for none.
    doc.update(|d| {
        d.category = Some(opdcheck_engine::model::ExamCategory::Lab);
        d.items = vec!["血常规".into()];
        d.consent = None;
    });
    settle().await;
    assert!(q(&root, "#f-rq-consent").is_none());
}

/// Signed in as a doctor: a prescription signed (version 1), then 更正 with a reason, a days
/// change, signed again. The outbox holds version 1 as it was and version 2 carrying the
/// amendment (field, before, after, by, when, why), re-signed by the account; the push sends
/// both, in order; the bar lists both versions.
#[wasm_bindgen_test]
async fn a_signed_prescription_is_corrected_and_synced_as_version_2() {
    let root = app_signed_in_as_zhang().await;
    let storage = window().local_storage().unwrap().unwrap();
    choose(&root, "#samples-menu", "0");
    poll(
        async || {
            q(&root, ".sign-note")
                .and_then(|n| n.text_content())
                .unwrap_or_default()
        },
        |t| t.contains("可以签名"),
    )
    .await;
    click(&root, "button.sign");
    let v1 = poll(
        async || opdcheck_app::outbox::all().await.unwrap(),
        |es| es.len() == 1,
    )
    .await;
    assert_eq!(v1.len(), 1, "signed: version 1 in the outbox");
    let v1 = v1[0].clone();
    assert_eq!(v1.version, 1);

    // 更正: a reason is required before anything opens.
    click(&root, "#amend-open");
    settle().await;
    let start: web_sys::HtmlButtonElement = must(&root, "#amend-start").unchecked_into();
    assert!(start.disabled(), "no reason, no correction");
    type_area(&root, "#amend-reason", "疗程笔误，应为5天");
    settle().await;
    assert!(!start.disabled());
    start.click();
    settle().await;
    let open = must(&root, ".amend-open").text_content().unwrap();
    assert!(
        open.contains("第 1 版") && open.contains("第 2 版"),
        "{open}"
    );
    assert!(
        open.contains("疗程笔误") && open.contains("D0201"),
        "{open}"
    );
    // Open for writing again: the form is editable and not signed.
    assert!(!must(&root, "#f-rx-items-0--days").has_attribute("readonly"));
    assert!(q(&root, ".sign-bar .signed").is_none());
    type_into(&root, "#f-rx-items-0--days", "5");
    settle().await;
    let open = must(&root, ".amend-open").text_content().unwrap();
    assert!(!open.contains("已修改 0 处"), "{open}");
    // Each change as the doctor reads it: the field's label, before → after.
    let changes = must(&root, ".amend-changes").text_content().unwrap();
    assert!(
        changes.contains("第1行 天数：") && changes.contains("→ 5"),
        "{changes}"
    );
    poll(
        async || {
            q(&root, ".sign-note")
                .and_then(|n| n.text_content())
                .unwrap_or_default()
        },
        |t| t.contains("可以签名"),
    )
    .await;
    click(&root, "button.sign");
    let entries = poll(
        async || opdcheck_app::outbox::all().await.unwrap(),
        |es| es.len() == 2,
    )
    .await;
    assert_eq!(entries.len(), 2, "{entries:?}");
    let old = entries.iter().find(|e| e.version == 1).unwrap();
    let new = entries.iter().find(|e| e.version == 2).unwrap();
    assert_eq!(old, &v1, "version 1 is kept as it was");
    assert_eq!(new.id, v1.id, "the same record");
    let a = new.document["amendments"].as_array().unwrap();
    let days = a
        .iter()
        .find(|x| x["path"] == "items[0].days")
        .expect("the days change recorded");
    assert_eq!(days["before"], v1.document["items"][0]["days"]);
    assert_eq!(days["after"].as_f64(), Some(5.0));
    assert_eq!(days["by"], "D0201");
    assert_eq!(days["reason"], "疗程笔误，应为5天");
    assert!(days["at"].as_str().is_some_and(|t| t.len() >= 16));
    let p = &new.document["prescriber"];
    assert_eq!(p["id"], "D0201");
    assert_eq!(p["signature_id"], "SIG-D0201-0a1b2c3d");
    assert!(p["signed_at"].is_string());
    assert_eq!(new.document["completed"], true);
    assert!(new.local_rules.iter().all(|r| r != "RX-16"));
    // The push carries version 1, then version 2.
    let batch = opdcheck_app::sync::next_batch(&entries, opdcheck_app::sync::BATCH);
    let push = opdcheck_app::sync::push_request(&batch);
    assert_eq!(
        push.records
            .iter()
            .map(|r| (r.id.as_str(), r.version))
            .collect::<Vec<_>>(),
        [(v1.id.as_str(), 1), (v1.id.as_str(), 2)]
    );
    // Signed again and closed; the bar lists both versions.
    poll(async || q(&root, ".sign-bar .signed"), Option::is_some)
        .await
        .expect("re-signed");
    let versions = poll(
        async || {
            root.query_selector_all(".amend-versions li")
                .unwrap()
                .length()
        },
        |n| *n == 2,
    )
    .await;
    assert_eq!(versions, 2);
    let text = must(&root, ".amend-versions").text_content().unwrap();
    assert!(
        text.contains("第 2 版") && text.contains("疗程笔误"),
        "{text}"
    );
    window().location().set_hash("/prescription").unwrap();
    drop(root);
    storage.remove_item("opdcheck.session").unwrap();
    storage.remove_item(STORAGE_KEY).unwrap();
    opdcheck_app::outbox::clear().await.unwrap();
}

/// A record brought in with an unsigned correction (MR-06 at `amendments[0].by`): the bar above
/// the form signs and dates it as the record's physician, and the finding is gone.
#[wasm_bindgen_test]
async fn an_unsigned_amendment_is_signed_from_the_bar() {
    use opdcheck_app::amend::Amendable;
    let mut d = match sample(DocKind::OutpatientRecord, true) {
        Document::OutpatientRecord(d) => d,
        _ => unreachable!(),
    };
    d.reopen();
    d.amendments = vec![opdcheck_engine::model::Amendment {
        path: Some("chief_complaint".into()),
        ..Default::default()
    }];
    let doc = RwSignal::new(d);
    let root = mount(move || view! { <RecordPage doc=doc /> });
    settle().await;
    assert!(q(&root, "section.summary button.finding[data-rule='MR-06']").is_some());
    click(&root, "#amend-sign-unsigned");
    settle().await;
    let a = doc.with_untracked(|d| d.amendments[0].clone());
    assert!(a.by.is_some() && a.at.is_some(), "{a:?}");
    assert!(q(&root, "section.summary button.finding[data-rule='MR-06']").is_none());
    assert!(q(&root, "#amend-sign-unsigned").is_none());
}
