//! The components in headless Chromium (`wasm-bindgen-test`): mounted as a page mounts them,
//! driven with real DOM events, asserted on what the user sees. `cargo xtask test` runs them
//! with chromedriver; see the crate's `webdriver.json` for the browser flags.

#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use opdcheck_app::drafts::{Drafts, STORAGE_KEY};
use opdcheck_app::samples::{self, SAMPLES};
use opdcheck_app::ui::infectious::InfectiousPage;
use opdcheck_app::ui::prescription::PrescriptionPage;
use opdcheck_app::ui::record::RecordPage;
use opdcheck_app::ui::request::RequestPage;
use opdcheck_app::ui::visit::VisitPage;
use opdcheck_app::ui::{Ui, lang};
use opdcheck_engine::model::{Document, Prescription, RxItem};
use opdcheck_engine::{DocKind, Lang};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement, HtmlSelectElement};

wasm_bindgen_test_configure!(run_in_browser);

/// The hospital's policy: the forms check with it, the reports name it, the admin's page.
#[path = "browser/policy.rs"]
mod policy;

/// Warnings doctors trust: quiet until useful, safety first and at its field, hints that are
/// not data, readable dates.
#[path = "browser/presentation.rs"]
mod presentation;

/// Forms that can always be finished: every finding's field on the form; 更正 (amendments).
#[path = "browser/amend.rs"]
mod amend;

/// The hospital tunes its alerts: reasons at the finding, tuning entries named, shadow rules
/// never shown.
#[path = "browser/reasons.rs"]
mod reasons;

/// A view mounted in a fresh container of the page. Dropping it at the end of the test
/// unmounts the view and disposes its reactive owner, so its timers, listeners and sync agent
/// stop: an app left running by one test would otherwise save its drafts or push its outbox
/// under the next test's feet.
struct Mounted {
    el: HtmlElement,
    _handle: Box<dyn std::any::Any>,
}

impl std::ops::Deref for Mounted {
    type Target = HtmlElement;
    fn deref(&self) -> &HtmlElement {
        &self.el
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.el.remove();
    }
}

fn mount<F, V>(f: F) -> Mounted
where
    F: FnOnce() -> V + 'static,
    V: IntoView + 'static,
{
    let doc = document();
    let el: HtmlElement = doc.create_element("div").unwrap().unchecked_into();
    doc.body().unwrap().append_child(&el).unwrap();
    let handle = leptos::mount::mount_to(el.clone(), f);
    Mounted {
        el,
        _handle: Box::new(handle),
    }
}

/// Let effects and rendering run.
async fn settle() {
    gloo_timers::future::TimeoutFuture::new(20).await;
}

fn q(root: &Element, sel: &str) -> Option<Element> {
    root.query_selector(sel).unwrap()
}

fn must(root: &Element, sel: &str) -> Element {
    q(root, sel).unwrap_or_else(|| panic!("no element matches {sel}"))
}

fn rules_at(root: &Element, field_id: &str) -> Vec<String> {
    let list = root
        .query_selector_all(&format!("#{field_id}-desc li.ff"))
        .unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.unchecked_into::<Element>().get_attribute("data-rule"))
        .collect()
}

fn type_into(root: &Element, sel: &str, text: &str) {
    let input: HtmlInputElement = must(root, sel).unchecked_into();
    input.set_value(text);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let ev = web_sys::Event::new_with_event_init_dict("input", &init).unwrap();
    input.dispatch_event(&ev).unwrap();
}

/// The whole app on a new prescription, signed in as the doctor 张三 (D0201, resident, with a
/// registered signature), with no drafts and an empty outbox.
async fn app_signed_in_as_zhang() -> Mounted {
    opdcheck_app::outbox::clear().await.unwrap();
    let storage = window().local_storage().unwrap().unwrap();
    storage.remove_item(STORAGE_KEY).unwrap();
    storage
        .set_item(
            "opdcheck.session",
            r#"{"token":"t","user":{"username":"zhang","role":"doctor","doctor_id":"D0201",
                "name":"张三","prescriber":{"title":"resident","signature_id":"SIG-D0201-0a1b2c3d",
                "antibiotic_tier":null,"prescribing_rights":true,"narcotic_psych1_rights":false}}}"#,
        )
        .unwrap();
    window().location().set_hash("/prescription").unwrap();
    let root = mount(opdcheck_app::App);
    settle().await;
    root
}

fn choose(root: &Element, sel: &str, value: &str) {
    let select: HtmlSelectElement = must(root, sel).unchecked_into();
    select.set_value(value);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    select
        .dispatch_event(&web_sys::Event::new_with_event_init_dict("change", &init).unwrap())
        .unwrap();
}

/// The user leaves a field: its findings show from then on.
fn focus_out(root: &Element, sel: &str) {
    // Leaving a field (as `blur` does, but bubbling, as the browser's `focusout` does).
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let ev = web_sys::Event::new_with_event_init_dict("focusout", &init).unwrap();
    must(root, sel).dispatch_event(&ev).unwrap();
}

fn click(root: &Element, sel: &str) {
    must(root, sel).unchecked_into::<HtmlElement>().click();
}

fn sample(kind: DocKind, clean: bool) -> Document {
    let s = SAMPLES
        .iter()
        .find(|s| s.kind == kind && s.clean == clean)
        .unwrap();
    samples::load(s)
}

fn clean_rx() -> Prescription {
    match sample(DocKind::Prescription, true) {
        Document::Prescription(p) => p,
        _ => unreachable!(),
    }
}

#[wasm_bindgen_test]
async fn a_sixth_drug_row_shows_rx10_at_the_items_table() {
    let mut rx = clean_rx();
    for name in ["盐酸氨溴索片", "布洛芬片", "氯雷他定片"] {
        rx.items.push(RxItem {
            drug: Some(name.into()),
            ..rx.items[1].clone()
        });
    }
    assert_eq!(rx.items.len(), 5);
    let doc = RwSignal::new(rx);
    let root = mount(move || view! { <PrescriptionPage doc=doc /> });
    settle().await;
    assert!(!rules_at(&root, "f-rx-items").contains(&"RX-10".to_string()));
    click(&root, "button.add");
    settle().await;
    assert_eq!(root.query_selector_all(".item-row").unwrap().length(), 6);
    // An empty row is not a drug yet; naming one is.
    assert!(rules_at(&root, "f-rx-items").is_empty());
    type_into(&root, "#f-rx-items-5--drug", "维生素C片");
    settle().await;
    assert_eq!(rules_at(&root, "f-rx-items"), ["RX-10"]);
    // The summary lists it too, and the document is not qualified.
    assert!(q(&root, "section.summary button.finding[data-rule='RX-10']").is_some());
    assert!(q(&root, ".badge.bad").is_some());
}

#[wasm_bindgen_test]
async fn a_vague_frequency_shows_rx08_at_that_field_and_blocks_signing() {
    let doc = RwSignal::new(clean_rx());
    let root = mount(move || view! { <PrescriptionPage doc=doc /> });
    settle().await;
    let field = "f-rx-items-0--frequency";
    assert!(rules_at(&root, field).is_empty());
    let sign: HtmlElement = must(&root, "button.sign").unchecked_into();
    assert_eq!(sign.get_attribute("data-blocked").as_deref(), Some("false"));

    type_into(&root, &format!("#{field}"), "遵医嘱");
    settle().await;
    assert_eq!(rules_at(&root, field), ["RX-08"]);
    let input = must(&root, &format!("#{field}"));
    assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert_eq!(
        input.get_attribute("aria-describedby"),
        Some(format!("{field}-desc"))
    );
    // An error blocks signing: pressing 签名 signs nothing.
    assert_eq!(sign.get_attribute("data-blocked").as_deref(), Some("true"));
    sign.click();
    settle().await;
    assert!(q(&root, ".signed").is_none());
    assert!(doc.with_untracked(|d| d.completed != Some(true)));
    // Clicking the finding in the summary takes the user to the field.
    click(&root, "section.summary button.finding[data-rule='RX-08']");
    settle().await;
    assert_eq!(
        document().active_element().map(|e| e.id()),
        Some(field.to_string())
    );

    type_into(&root, &format!("#{field}"), "tid");
    settle().await;
    assert!(rules_at(&root, field).is_empty());
    assert_eq!(
        input.get_attribute("aria-invalid").as_deref(),
        Some("false")
    );
    assert_eq!(sign.get_attribute("data-blocked").as_deref(), Some("false"));
    sign.click();
    settle().await;
    assert!(q(&root, ".signed").is_some());
    assert!(doc.with_untracked(|d| d.completed == Some(true)));
    assert!(
        must(&root, "#f-rx-patient-name")
            .unchecked_into::<HtmlInputElement>()
            .read_only()
    );
}

#[wasm_bindgen_test]
async fn the_quantity_follows_dose_frequency_and_days() {
    let mut rx = clean_rx();
    rx.items.truncate(1);
    rx.items[0].quantity = None;
    let doc = RwSignal::new(rx);
    let root = mount(move || view! { <PrescriptionPage doc=doc /> });
    settle().await;
    // 0.5 g tid for 4 days of 0.25 g × 24 capsules: 24 capsules, one box.
    type_into(&root, "#f-rx-items-0--days", "4");
    settle().await;
    let qty: HtmlInputElement = must(&root, "#f-rx-items-0--quantity").unchecked_into();
    assert_eq!(qty.value(), "1");
    type_into(&root, "#f-rx-items-0--days", "5");
    settle().await;
    assert_eq!(qty.value(), "2");
    assert_eq!(
        must(&root, "#f-rx-items-0--quantity-unit")
            .unchecked_into::<HtmlInputElement>()
            .value(),
        "盒"
    );
}

#[wasm_bindgen_test]
async fn the_drug_field_suggests_from_the_formulary() {
    let mut rx = clean_rx();
    rx.items = vec![RxItem::default()];
    let doc = RwSignal::new(rx);
    let root = mount(move || view! { <PrescriptionPage doc=doc /> });
    settle().await;
    let sel = "#f-rx-items-0--drug";
    type_into(&root, sel, "阿莫西林");
    settle().await;
    let input = must(&root, sel);
    assert_eq!(
        input.get_attribute("aria-expanded").as_deref(),
        Some("true")
    );
    let options = root
        .query_selector_all("ul.suggestions li[role=option]")
        .unwrap();
    assert!(options.length() >= 2);
    // Enter picks the highlighted one and fills strength and route.
    let init = web_sys::KeyboardEventInit::new();
    init.set_key("Enter");
    init.set_bubbles(true);
    input
        .dispatch_event(
            &web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap(),
        )
        .unwrap();
    settle().await;
    let it = doc.with_untracked(|d| d.items[0].clone());
    assert_eq!(it.drug.as_deref(), Some("阿莫西林胶囊"));
    assert_eq!(it.route.as_deref(), Some("口服"));
    assert!(it.strength.is_some());
    assert_eq!(
        input.get_attribute("aria-expanded").as_deref(),
        Some("false")
    );
}

#[wasm_bindgen_test]
async fn an_over_label_dose_asks_for_a_reason_and_a_second_signature_in_place() {
    let mut rx = clean_rx();
    rx.items[0].dose = Some(opdcheck_engine::model::Quantity {
        value: Some(2.0),
        unit: Some("g".into()),
    });
    rx.items[0].quantity = None;
    let doc = RwSignal::new(rx);
    let root = mount(move || view! { <PrescriptionPage doc=doc /> });
    settle().await;
    assert!(rules_at(&root, "f-rx-items-0--dose").contains(&"RX-14".to_string()));
    type_into(
        &root,
        "#f-rx-items-0--over-label-reason",
        "重症感染，经科室讨论",
    );
    type_into(&root, "#f-rx-second-signature", "王主任");
    settle().await;
    click(&root, ".override.second button.small");
    settle().await;
    // Reason and second signature given: accepted.
    assert!(q(&root, ".override.second .signed").is_some());
    assert!(!rules_at(&root, "f-rx-items-0--dose").contains(&"RX-14".to_string()));
    assert!(doc.with_untracked(|d| d.second_signature.as_ref().is_some_and(|s| s.is_signed())));
}

#[wasm_bindgen_test]
async fn a_request_shows_its_priority_badge_and_category_fields() {
    let doc = RwSignal::new(match sample(DocKind::ExamRequest, false) {
        Document::ExamRequest(d) => d,
        _ => unreachable!(),
    });
    let root = mount(move || view! { <RequestPage doc=doc /> });
    settle().await;
    // Imaging wants a body site; an emergency patient wants 急!.
    assert!(q(&root, "#f-rq-body-site").is_some());
    assert!(q(&root, "#f-rq-specimen").is_none());
    assert_eq!(rules_at(&root, "f-rq-priority"), ["RQ-04"]);
    assert!(q(&root, ".priority-badge").is_none());
    choose(&root, "#f-rq-priority", "urgent");
    settle().await;
    assert_eq!(
        must(&root, ".priority-badge").text_content().as_deref(),
        Some("急!")
    );
    assert!(rules_at(&root, "f-rq-priority").is_empty());
    choose(&root, "#f-rq-category", "lab");
    settle().await;
    assert!(q(&root, "#f-rq-specimen").is_some());
    assert!(q(&root, "#f-rq-body-site").is_none());
}

#[wasm_bindgen_test]
async fn the_report_card_shows_class_deadline_and_countdown() {
    let doc = RwSignal::new(opdcheck_engine::model::InfectiousReport::default());
    let root = mount(move || view! { <InfectiousPage doc=doc /> });
    settle().await;
    choose(&root, "#f-ir-disease", "霍乱");
    settle().await;
    let info = must(&root, ".disease-info").text_content().unwrap();
    assert!(info.contains("甲类") && info.contains('2'), "{info}");
    type_into(&root, "#f-ir-diagnosed-at", "2020-01-01T08:00");
    settle().await;
    let countdown = must(&root, ".countdown");
    assert_eq!(
        countdown.get_attribute("data-state").as_deref(),
        Some("overdue")
    );
    // A disease with subtypes asks for one.
    choose(&root, "#f-ir-disease", "病毒性肝炎");
    settle().await;
    assert!(rules_at(&root, "f-ir-disease-subtype").contains(&"IR-03".to_string()));
}

#[wasm_bindgen_test]
async fn the_record_shows_the_fields_its_visit_type_needs() {
    let doc = RwSignal::new(match sample(DocKind::OutpatientRecord, true) {
        Document::OutpatientRecord(d) => d,
        _ => unreachable!(),
    });
    let root = mount(move || view! { <RecordPage doc=doc /> });
    settle().await;
    assert!(q(&root, "#f-mr-past-history").is_some());
    assert!(q(&root, "#f-mr-condition-change").is_none());
    choose(&root, "#f-mr-visit-type", "follow_up");
    settle().await;
    assert!(q(&root, "#f-mr-past-history").is_none());
    assert!(q(&root, "#f-mr-condition-change").is_some());
    // A follow-up record needs the change since last time: counted at once, shown at the
    // field once the doctor has been there.
    assert!(
        must(&root, "section.summary .waiting")
            .text_content()
            .unwrap()
            .contains("项待填")
    );
    focus_out(&root, "#f-mr-condition-change");
    settle().await;
    assert!(rules_at(&root, "f-mr-condition-change").contains(&"MR-03".to_string()));
}

#[wasm_bindgen_test]
async fn the_visit_view_shows_cross_document_findings() {
    let doc = RwSignal::new(match sample(DocKind::Visit, false) {
        Document::Visit(v) => v,
        _ => unreachable!(),
    });
    let root = mount(move || view! { <VisitPage visit=doc /> });
    settle().await;
    assert!(q(&root, ".cross button.finding[data-rule='XV-04']").is_some());
    assert!(q(&root, ".cross button.finding[data-rule='XV-02']").is_some());
    // Choosing the prescription finding opens the prescription at its diagnosis.
    click(&root, ".cross button.finding[data-rule='XV-02']");
    settle().await;
    assert!(q(&root, "#f-v-rx0-diagnoses-0-").is_some());
    assert_eq!(rules_at(&root, "f-v-rx0-diagnoses-0-"), ["XV-02"]);
    // Fixing the prescription's diagnosis clears it.
    type_into(&root, "#f-v-rx0-diagnoses-0-", "急性支气管炎");
    settle().await;
    assert!(q(&root, ".cross button.finding[data-rule='XV-02']").is_none());
    assert!(doc.with_untracked(|v| v.prescriptions[0].diagnoses[0] == "急性支气管炎"));
}

#[wasm_bindgen_test]
async fn the_visit_view_counts_down_to_the_missed_report_deadline() {
    let visit_at = |at: Option<String>| {
        let mut v = match sample(DocKind::Visit, false) {
            Document::Visit(v) => v,
            _ => unreachable!(),
        };
        v.record.as_mut().unwrap().visit_at = at;
        RwSignal::new(v)
    };
    // Seen just now: the time left runs from the visit.
    let doc = visit_at(Some(opdcheck_app::ui::now_minutes()));
    let root = mount(move || view! { <VisitPage visit=doc /> });
    settle().await;
    let due = must(&root, ".reports-due");
    assert!(!due.has_attribute("hidden"));
    let text = due.text_content().unwrap();
    assert!(text.contains("小时内填报传染病报告卡，还剩"), "{text}");
    drop(root);
    // Seen days ago: past the deadline, it will count as missed.
    let doc = visit_at(Some("2026-01-05T09:00".into()));
    let root = mount(move || view! { <VisitPage visit=doc /> });
    settle().await;
    let due = must(&root, ".reports-due li");
    assert_eq!(due.get_attribute("data-state").as_deref(), Some("overdue"));
    assert!(due.text_content().unwrap().contains("将计为漏报"));
    drop(root);
    // The clean visit owes nothing: no line at all.
    let clean = RwSignal::new(match sample(DocKind::Visit, true) {
        Document::Visit(v) => v,
        _ => unreachable!(),
    });
    let root = mount(move || view! { <VisitPage visit=clean /> });
    settle().await;
    assert!(must(&root, ".reports-due").has_attribute("hidden"));
}

#[wasm_bindgen_test]
async fn labels_and_messages_switch_to_english() {
    let doc = RwSignal::new(clean_rx());
    let root = mount(move || {
        let l = lang();
        l.set(Lang::En);
        let _ = expect_context::<Ui>();
        view! { <PrescriptionPage doc=doc /> }
    });
    settle().await;
    let label = must(&root, "label[for='f-rx-items-0--frequency']")
        .text_content()
        .unwrap();
    assert_eq!(label, "Frequency");
    type_into(&root, "#f-rx-items-0--frequency", "遵医嘱");
    settle().await;
    let msg = must(&root, "#f-rx-items-0--frequency-desc .ff-msg")
        .text_content()
        .unwrap();
    let cjk = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
    assert!(!msg.is_empty() && !msg.chars().any(cjk), "{msg}");
}

#[wasm_bindgen_test]
async fn drafts_survive_a_reload() {
    let storage = window().local_storage().unwrap().unwrap();
    storage.remove_item(STORAGE_KEY).unwrap();
    let root = mount(opdcheck_app::App);
    settle().await;
    type_into(&root, "#f-rx-patient-name", "赵六");
    // Stored once the typing pauses.
    gloo_timers::future::TimeoutFuture::new(
        opdcheck_app::ui::shell::SAVE_DELAY.as_millis() as u32 + 100,
    )
    .await;
    let stored = storage.get_item(STORAGE_KEY).unwrap().unwrap();
    let drafts = Drafts::from_json(&stored).unwrap();
    assert_eq!(drafts.prescription.patient.name.as_deref(), Some("赵六"));
    // A second app (a reload) starts from the stored draft.
    let again = mount(opdcheck_app::App);
    settle().await;
    let name: HtmlInputElement = must(&again, "#f-rx-patient-name").unchecked_into();
    assert_eq!(name.value(), "赵六");
    root.remove();
    again.remove();
}

#[wasm_bindgen_test]
async fn ctrl_enter_signs_a_document_without_errors() {
    let doc = RwSignal::new(clean_rx());
    let root = mount(move || view! { <PrescriptionPage doc=doc /> });
    settle().await;
    let field = must(&root, "#f-rx-patient-name");
    let init = web_sys::KeyboardEventInit::new();
    init.set_key("Enter");
    init.set_ctrl_key(true);
    init.set_bubbles(true);
    field
        .dispatch_event(
            &web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap(),
        )
        .unwrap();
    settle().await;
    assert!(q(&root, ".signed").is_some());
    assert!(doc.with_untracked(|d| d.prescriber.as_ref().is_some_and(|s| s.is_signed())));
}

#[wasm_bindgen_test]
async fn a_signed_document_is_in_the_outbox_before_any_network_call() {
    opdcheck_app::outbox::clear().await.unwrap();
    let storage = window().local_storage().unwrap().unwrap();
    storage.remove_item(STORAGE_KEY).unwrap();
    // Signed out: nothing may be sent, everything must be kept.
    storage.remove_item("opdcheck.session").unwrap();
    let root = mount(opdcheck_app::App);
    settle().await;
    choose(&root, "#samples-menu", "0");
    settle().await;
    click(&root, "button.sign");
    // IndexedDB is asynchronous: poll briefly.
    let mut entries = Vec::new();
    for _ in 0..50 {
        entries = opdcheck_app::outbox::all().await.unwrap();
        if !entries.is_empty() {
            break;
        }
        gloo_timers::future::TimeoutFuture::new(20).await;
    }
    assert_eq!(entries.len(), 1);
    // A sample is signed as a new document: a random id of its own.
    assert!(
        opdcheck_app::ids::is_uuid(&entries[0].id),
        "{}",
        entries[0].id
    );
    assert_eq!(entries[0].document["id"], entries[0].id.as_str());
    assert_eq!(entries[0].version, 1);
    assert!(entries[0].is_pending());
    assert_eq!(entries[0].document["completed"], true);
    settle().await;
    let chip = must(&root, ".sync-status").text_content().unwrap();
    assert!(chip.contains('1') && chip.contains("未同步"), "{chip}");
    assert!(q(&root, ".doc-sync[data-state='pending']").is_some());
    // A reload finds it still waiting.
    root.remove();
    let again = mount(opdcheck_app::App);
    for _ in 0..50 {
        if must(&again, ".sync-status")
            .text_content()
            .unwrap()
            .contains("未同步")
        {
            break;
        }
        gloo_timers::future::TimeoutFuture::new(20).await;
    }
    assert!(
        must(&again, ".sync-status")
            .text_content()
            .unwrap()
            .contains("1 份未同步")
    );
    again.remove();
    opdcheck_app::outbox::clear().await.unwrap();
}

#[wasm_bindgen_test]
async fn outbox_entries_read_back_exactly() {
    opdcheck_app::outbox::clear().await.unwrap();
    let doc = sample(DocKind::Prescription, true);
    let report = opdcheck_engine::Engine::default_engine().check(&doc);
    let entry = opdcheck_app::sync::OutboxEntry::new(&doc, &report, 1, "2026-11-22T10:00");
    opdcheck_app::outbox::put(std::slice::from_ref(&entry))
        .await
        .unwrap();
    let back = opdcheck_app::outbox::all().await.unwrap();
    assert_eq!(back.len(), 1);
    // The same JSON text the server will hash: 4.0 stays 4.0.
    assert_eq!(
        serde_json::to_string(&back[0].document).unwrap(),
        serde_json::to_string(&entry.document).unwrap()
    );
    assert_eq!(back[0], entry);
    opdcheck_app::outbox::clear().await.unwrap();
}

/// Poll (20 ms steps, up to 2 s) until `ok`; the last value either way.
async fn poll<T>(mut probe: impl AsyncFnMut() -> T, ok: impl Fn(&T) -> bool) -> T {
    let mut last = probe().await;
    for _ in 0..100 {
        if ok(&last) {
            break;
        }
        gloo_timers::future::TimeoutFuture::new(20).await;
        last = probe().await;
    }
    last
}

/// The clean prescription, signed, as an outbox entry in `state`; the drafts hold it.
async fn seed_outbox(state: opdcheck_app::sync::SyncState) -> opdcheck_app::sync::OutboxEntry {
    use opdcheck_app::signing::Signable;
    opdcheck_app::outbox::clear().await.unwrap();
    let storage = window().local_storage().unwrap().unwrap();
    storage.remove_item("opdcheck.session").unwrap();
    let rx = clean_rx().as_signed("2026-11-22T09:40");
    let drafts = Drafts {
        prescription: rx.clone(),
        ..Drafts::fresh("2026-11-22T09:00")
    };
    storage.set_item(STORAGE_KEY, &drafts.to_json()).unwrap();
    let doc = Document::Prescription(rx);
    let report = opdcheck_engine::Engine::default_engine().check(&doc);
    let mut entry = opdcheck_app::sync::OutboxEntry::new(&doc, &report, 1, "2026-11-22T09:40:00");
    entry.state = state;
    opdcheck_app::outbox::put(std::slice::from_ref(&entry))
        .await
        .unwrap();
    entry
}

#[wasm_bindgen_test]
async fn a_conflict_is_explained_and_saved_as_a_new_document() {
    use opdcheck_app::sync::SyncState;
    let old = seed_outbox(SyncState::Conflict {
        message: "version 1 of this record is stored with a different body".into(),
    })
    .await;
    let root = mount(opdcheck_app::App);
    let problem = poll(
        async || q(&root, ".doc-form .sync-problem"),
        Option::is_some,
    )
    .await
    .expect("the conflict shown at the document");
    let text = problem.text_content().unwrap();
    assert!(
        text.contains("同一个编号") && text.contains("不会丢失"),
        "{text}"
    );
    assert!(
        !text.contains("different body"),
        "the server's words shown: {text}"
    );
    let chip = must(&root, ".sync-status").text_content().unwrap();
    assert!(chip.contains("1 份同步失败"), "{chip}");
    click(&problem, "button.save-as-new");
    let entries = poll(
        async || opdcheck_app::outbox::all().await.unwrap(),
        |es| es.iter().any(|e| e.key != old.key),
    )
    .await;
    assert_eq!(entries.len(), 1, "replaced, not added: {entries:?}");
    let new = &entries[0];
    assert!(opdcheck_app::ids::is_uuid(&new.id));
    assert_ne!(new.id, old.id);
    assert_eq!((new.version, new.is_pending()), (1, true));
    assert_eq!(new.replaces.as_deref(), Some(old.id.as_str()));
    assert_eq!(new.document["prescriber"], old.document["prescriber"]);
    assert_eq!(new.document["items"], old.document["items"]);
    // The form says where its document went; the alert is gone.
    let state = poll(
        async || {
            q(&root, ".doc-form .doc-sync")
                .and_then(|e| e.text_content())
                .unwrap_or_default()
        },
        |t| t.contains("已另存为新文书"),
    )
    .await;
    assert!(state.contains("已另存为新文书"), "{state}");
    assert!(q(&root, ".doc-form .sync-problem").is_none());
    root.remove();
    opdcheck_app::outbox::clear().await.unwrap();
}

#[wasm_bindgen_test]
async fn signing_out_asks_then_keeps_unsynced_documents_and_clears_the_rest() {
    use opdcheck_app::sync::SyncState;
    let pending = seed_outbox(SyncState::Pending).await;
    let mut synced = pending.clone();
    synced.id = "synced-1".into();
    synced.key = "synced-1@1".into();
    synced.state = SyncState::Synced {
        qualified: true,
        deduction: 0.0,
        differs: false,
        rules: vec![],
    };
    opdcheck_app::outbox::put(std::slice::from_ref(&synced))
        .await
        .unwrap();
    let storage = window().local_storage().unwrap().unwrap();
    // Signed in (this test server has no API: the push and the logout call fail, and
    // signing out must happen anyway).
    storage
        .set_item(
            "opdcheck.session",
            r#"{"token":"t","user":{"username":"doctor","role":"doctor","doctor_id":"D0012"}}"#,
        )
        .unwrap();
    let root = mount(opdcheck_app::App);
    // The outbox read back from IndexedDB.
    poll(
        async || {
            must(&root, ".sync-status")
                .text_content()
                .unwrap_or_default()
        },
        |t| t.contains("1 份未同步"),
    )
    .await;
    click(&root, "#sign-out");
    settle().await;
    let dialog = must(&root, "#sign-out-dialog");
    let text = dialog.text_content().unwrap();
    assert!(
        text.contains("1 份") && text.contains("仍保留在本机"),
        "{text}"
    );
    let named = dialog.query_selector_all(".unsynced-list li").unwrap();
    assert_eq!(named.length(), 1);
    let li: Element = named.item(0).unwrap().unchecked_into();
    assert_eq!(
        li.get_attribute("data-id").as_deref(),
        Some(pending.id.as_str())
    );
    assert!(li.text_content().unwrap().contains("处方"));
    // Cancel changes nothing.
    click(&dialog, "button.small");
    settle().await;
    assert!(q(&root, "#sign-out-dialog").is_none());
    assert!(storage.get_item("opdcheck.session").unwrap().is_some());
    click(&root, "#sign-out");
    settle().await;
    click(&root, "#sign-out-confirm");
    let left = poll(
        async || opdcheck_app::outbox::all().await.unwrap(),
        |es| es.len() == 1,
    )
    .await;
    assert_eq!(
        left.iter().map(|e| e.key.as_str()).collect::<Vec<_>>(),
        [pending.key.as_str()]
    );
    poll(async || q(&root, "a.signin"), Option::is_some)
        .await
        .expect("signed out: the sign-in link");
    assert!(storage.get_item("opdcheck.session").unwrap().is_none());
    // The drafts in storage are fresh ones once the app has stored its new drafts (after
    // SAVE_DELAY; waited for, so the next test's drafts are not overwritten): the signed
    // prescription's draft is gone.
    gloo_timers::future::TimeoutFuture::new(400).await;
    let drafts = storage.get_item(STORAGE_KEY).unwrap().unwrap_or_default();
    assert!(
        !drafts.is_empty() && !drafts.contains(&pending.id),
        "the old draft is still stored"
    );
    root.remove();
    opdcheck_app::outbox::clear().await.unwrap();
}

/// Who signs is who is signed in: with a doctor's session, the prescriber block is the
/// account's (name, id, title, registered signature), read-only, and signing signs with the
/// account's signature id rather than one made up from the id.
#[wasm_bindgen_test]
async fn signed_in_the_prescriber_block_is_the_accounts_and_read_only() {
    let root = app_signed_in_as_zhang().await;
    let storage = window().local_storage().unwrap().unwrap();
    // A sample's prescriber (D0012 李明, attending) gives way to the account.
    choose(&root, "#samples-menu", "0");
    settle().await;
    let block = poll(
        async || q(&root, "fieldset.signer.account"),
        Option::is_some,
    )
    .await
    .expect("the account's prescriber block");
    let shown = |class: &str| {
        must(&block, &format!("output.{class}"))
            .text_content()
            .unwrap_or_default()
    };
    poll(async || shown("name"), |n| n == "张三").await;
    assert_eq!(shown("id"), "D0201");
    assert_eq!(shown("title"), "住院医师");
    assert_eq!(shown("signature"), "SIG-D0201-0a1b2c3d");
    assert!(block.text_content().unwrap().contains("由登录账号填写"));
    assert!(
        block.query_selector("input, select").unwrap().is_none(),
        "nothing to type"
    );
    assert!(q(&root, ".signed-out-signer").is_none());
    // Filled from the account, the draft is still open: the doctor goes on writing (the
    // signature id is added when signing; with it the draft read as signed and closed).
    assert!(!must(&root, "#f-rx-patient-name").has_attribute("readonly"));
    assert!(q(&root, ".signed").is_none());
    // The sample, signed by the account, has no error: it may be signed.
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
    poll(async || q(&root, ".signed"), Option::is_some)
        .await
        .expect("signed and closed");
    let entries = poll(
        async || opdcheck_app::outbox::all().await.unwrap(),
        |es| !es.is_empty(),
    )
    .await;
    assert!(
        !entries.is_empty(),
        "not signed: {:?} / {:?}",
        q(&root, ".sign-bar").and_then(|b| b.text_content()),
        q(&root, ".summary").and_then(|b| b.text_content()),
    );
    let prescriber = &entries[0].document["prescriber"];
    assert_eq!(prescriber["id"], "D0201");
    assert_eq!(prescriber["name"], "张三");
    assert_eq!(prescriber["title"], "resident");
    assert_eq!(prescriber["signature_id"], "SIG-D0201-0a1b2c3d");
    // The record's physician block too, and the record stays open while the doctor writes (a
    // registered signature id in the draft made it read as signed: every field read-only).
    window().location().set_hash("/record").unwrap();
    let name = poll(async || q(&root, "#f-mr-patient-name"), Option::is_some)
        .await
        .expect("the record page");
    assert!(
        !name.has_attribute("readonly"),
        "the open record is read-only"
    );
    let signature = poll(
        async || {
            q(&root, "fieldset.signer.account output.signature")
                .and_then(|o| o.text_content())
                .unwrap_or_default()
        },
        |t| t == "SIG-D0201-0a1b2c3d",
    )
    .await;
    assert_eq!(signature, "SIG-D0201-0a1b2c3d");
    // The page the next tests expect.
    window().location().set_hash("/prescription").unwrap();
    drop(root);
    storage.remove_item("opdcheck.session").unwrap();
    storage.remove_item(STORAGE_KEY).unwrap();
    opdcheck_app::outbox::clear().await.unwrap();
}

/// Signed out, the physician block is typed as before and says who will sign.
#[wasm_bindgen_test]
async fn signed_out_the_physician_block_is_typed_and_says_who_signs() {
    let doc = RwSignal::new(opdcheck_engine::model::OutpatientRecord::default());
    let root = mount(move || view! { <RecordPage doc=doc /> });
    settle().await;
    assert!(q(&root, "fieldset.signer.account").is_none());
    assert!(q(&root, "fieldset.signer input").is_some());
    assert!(
        must(&root, ".signed-out-signer")
            .text_content()
            .unwrap()
            .contains("同步本文书的账号")
    );
    drop(root);
}
