//! The examination request (检查/检验申请单): fields by category (specimen for lab tests, body
//! site for imaging, ultrasound and endoscopy), the consent whenever RQ-05 asks for one (the
//! rule's own predicate: endoscopy, contrast, or an item such as 穿刺, CTA, 活检 in any
//! category), and the priority shown as a 急!/危! badge at the upper left, as on the paper form.

use leptos::prelude::*;

use crate::ui::{tr, trs};
use opdcheck_engine::Policy;
use opdcheck_engine::model::{ExamCategory, ExamRequest, Priority, Signer, filled};
use opdcheck_engine::rules::request::rq05_special_exam_consent::needs_consent;
use opdcheck_engine::{DocKind, Report};

use crate::ui::common::{
    DiagnosesEditor, DocFrame, P, PatientFields, SignerFields, VISIT_TYPE, area, diagnoses_lens,
    live_report, patient_lens, select, signing, text,
};
use crate::ui::field::{Anchor, TextInput, form};
use crate::ui::{engine, now_minutes};
use crate::{bind_enum, bind_signer, bind_text};

const CATEGORY: &[(&str, &str, &str)] = &[
    ("lab", "检验", "laboratory"),
    ("imaging", "影像（放射/CT/MR）", "imaging (X-ray, CT, MR)"),
    ("ultrasound", "超声", "ultrasound"),
    ("ecg", "心电图", "ECG"),
    ("endoscopy", "内镜", "endoscopy"),
    ("pathology", "病理", "pathology"),
    ("other", "其他", "other"),
];
const PRIORITY: &[(&str, &str, &str)] = &[
    ("routine", "普通", "routine"),
    ("urgent", "急!", "urgent (急!)"),
    ("critical", "危!", "critical (危!)"),
];
const CONDITION: &[(&str, &str, &str)] = &[
    ("stable", "一般", "stable"),
    ("serious", "重", "serious"),
    ("critical", "危重", "critical"),
];

#[component]
pub fn RequestPage(doc: RwSignal<ExamRequest>) -> impl IntoView {
    let report = live_report(doc);
    view! { <RequestForm doc=doc report=report scope="rq" /> }
}

/// The 急!/危! mark in the form's upper-left corner.
#[component]
pub fn PriorityBadge(doc: RwSignal<ExamRequest>) -> impl IntoView {
    let p = Memo::new(move |_| doc.with(|d| d.priority));
    view! {
        <Show when=move || matches!(p.get(), Some(Priority::Urgent | Priority::Critical))>
            <div class="priority-badge" class:critical=move || p.get() == Some(Priority::Critical) role="img"
                aria-label=move || if p.get() == Some(Priority::Critical) { "危!" } else { "急!" }>
                {move || if p.get() == Some(Priority::Critical) { "危!" } else { "急!" }}
            </div>
        </Show>
    }
}

#[component]
pub fn RequestForm(
    doc: RwSignal<ExamRequest>,
    report: Signal<Report>,
    #[prop(into)] scope: String,
    #[prop(optional)] nested: bool,
) -> impl IntoView {
    let (closed, sign) = signing(doc);
    view! {
        <DocFrame closed=closed sign=sign kind=DocKind::ExamRequest scope=scope report=report nested=nested reasons=crate::ui::common::reasons_lens(doc)
            corner=move || view! { <PriorityBadge doc=doc /> }>
            <RequestBody doc=doc />
        </DocFrame>
    }
}

#[component]
fn RequestBody(doc: RwSignal<ExamRequest>) -> impl IntoView {
    let cat = Memo::new(move |_| doc.with(|d| d.category));
    let e = engine();
    let policy = &e.policy.required;
    let is_in = |list: &[String], c: Option<ExamCategory>| {
        c.is_some_and(|c| list.iter().any(|x| x == c.as_str()))
    };
    let site_cats = policy.site_categories.clone();
    let specimen_cats = policy.specimen_categories.clone();
    let needs_site = move || is_in(&site_cats, cat.get());
    let needs_specimen = move || is_in(&specimen_cats, cat.get());
    let needs_consent = Memo::new(move |_| {
        let e = engine();
        doc.with(|d| consent_shown(&e.policy, d))
    });
    // A contrast study is asked for on imaging; a contrast flag from elsewhere (超声造影) stays
    // visible so it can be undone.
    let imaging = move || {
        matches!(cat.get(), Some(ExamCategory::Imaging)) || doc.with(|d| d.contrast == Some(true))
    };
    view! {
        <fieldset class="section">
            <legend>{tr("申请", "Request")}</legend>
            <div class="grid">
                {select(("类别", "Category"), "category", CATEGORY, bind_enum!(doc, category), true)}
                {select(("优先级", "Priority"), "priority", PRIORITY, bind_enum!(doc, priority), false)}
                {select(("就诊类型", "Visit type"), "visit_type", VISIT_TYPE, bind_enum!(doc, visit_type), false)}
                {select(("病情", "Patient condition"), "patient_condition", CONDITION, bind_enum!(doc, patient_condition), false)}
                {text(("申请科室", "Department"), "department", bind_text!(doc, department), true)}
                {text(("申请时间", "Requested at"), "requested_at", bind_text!(doc, requested_at), true)}
            </div>
        </fieldset>
        <PatientFields doc=patient_lens(doc) fields=&[P::Name, P::Sex, P::Age, P::RecordNo] required=&[P::Name, P::Sex, P::Age, P::RecordNo] />
        <fieldset class="section">
            <legend>{tr("检查/检验项目", "Examinations")}</legend>
            <ExamItems doc=doc />
            <div class="grid">
                <Show when=needs_site>
                    {text(("检查部位", "Body site"), "body_site", bind_text!(doc, body_site), true)}
                </Show>
                <Show when=needs_specimen>
                    {text(("标本", "Specimen"), "specimen", bind_text!(doc, specimen), true)}
                </Show>
                <Show when=imaging>
                    <ContrastToggle doc=doc />
                </Show>
            </div>
            {area(("病史摘要", "Clinical summary"), "clinical_summary", bind_text!(doc, clinical_summary), true)}
            <DiagnosesEditor doc=diagnoses_lens(doc) />
        </fieldset>
        <Show when=move || needs_consent.get()>
            <SignerFields legend=("知情同意签署人", "Consent signed by") path="consent"
                name=bind_signer!(doc, consent.name) id=bind_signer!(doc, consent.id) />
            <ConsentSign doc=doc />
        </Show>
        <SignerFields legend=("申请医师", "Requesting physician") path="physician"
            name=bind_signer!(doc, physician.name) id=bind_signer!(doc, physician.id) />
    }
}

/// The consent block is shown whenever RQ-05 can ask for it (its own predicate, not a copy of
/// it), and while anything is written in it, so nothing typed is hidden.
pub fn consent_shown(policy: &Policy, d: &ExamRequest) -> bool {
    needs_consent(policy, d)
        || d.consent.as_ref().is_some_and(|c| {
            filled(&c.name).is_some() || filled(&c.id).is_some() || filled(&c.signed_at).is_some()
        })
}

#[component]
fn ContrastToggle(doc: RwSignal<ExamRequest>) -> impl IntoView {
    let f = form();
    view! {
        <label class="check">
            <input type="checkbox" prop:checked=move || doc.with(|d| d.contrast == Some(true)) disabled=move || f.locked.get()
                on:change=move |ev| { let on = event_target_checked(&ev); doc.update(|d| d.contrast = Some(on)) } />
            {tr("增强（造影剂）", "with contrast")}
        </label>
    }
}

/// The consent is signed when the patient (or relative) signs: a time is recorded.
#[component]
fn ConsentSign(doc: RwSignal<ExamRequest>) -> impl IntoView {
    let f = form();
    let signed =
        Memo::new(move |_| doc.with(|d| d.consent.as_ref().is_some_and(Signer::is_signed)));
    let sign = move |_| {
        let at = now_minutes();
        doc.update(|d| {
            let c = d.consent.get_or_insert_with(Signer::default);
            c.signed_at = Some(at);
        })
    };
    view! {
        <div class="override">
            <Show when=move || !signed.get() fallback=move || view! {
                <span class="signed">{tr("✔ 知情同意已签署", "✔ consent signed")}</span>
            }>
                <button type="button" class="small" on:click=sign disabled=move || f.locked.get()>
                    {tr("记录同意书签署", "Record the signed consent")}
                </button>
            </Show>
        </div>
    }
}

#[component]
fn ExamItems(doc: RwSignal<ExamRequest>) -> impl IntoView {
    let f = form();
    let count = Memo::new(move |_| doc.with(|d| d.items.len()));
    view! {
        <Anchor path="items">
            <For each=move || 0..count.get() key=|i| *i children=move |i| {
                let value = Signal::derive(move || doc.with(|d| d.items.get(i).cloned().unwrap_or_default()));
                let set = Callback::new(move |v: String| doc.update(|d| if let Some(x) = d.items.get_mut(i) { *x = v }));
                let remove = move |_| doc.update(|d| if i < d.items.len() { d.items.remove(i); });
                view! {
                    <div class="row">
                        <TextInput label=("项目", "Examination") path=format!("items[{i}]") value=value set=set wide=true placeholder="例：血常规" />
                        <button type="button" class="icon remove" on:click=remove disabled=move || f.locked.get()
                            aria-label=trs(format!("删除项目 {}", i + 1), format!("remove examination {}", i + 1))>"×"</button>
                    </div>
                }
            } />
            <button type="button" class="small" disabled=move || f.locked.get()
                on:click=move |_| doc.update(|d| d.items.push(String::new()))>
                {tr("＋ 项目", "+ examination")}
            </button>
        </Anchor>
    }
}

#[cfg(test)]
mod tests {
    use super::consent_shown;
    use opdcheck_engine::model::ExamRequest;
    use opdcheck_engine::{Document, Engine};

    fn req(v: serde_json::Value) -> ExamRequest {
        serde_json::from_value(v).unwrap()
    }

    /// The dead end of issue 14: a 穿刺 pathology request, a CTA filed as "other", an
    /// ultrasound-guided biopsy each get RQ-05, and each form shows the consent that fixes it.
    #[test]
    fn the_consent_is_shown_whenever_rq05_fires() {
        let e = Engine::default_engine();
        for v in [
            serde_json::json!({"category": "pathology", "items": ["甲状腺结节细针穿刺"]}),
            serde_json::json!({"category": "other", "items": ["头颅CTA"]}),
            serde_json::json!({"category": "ultrasound", "items": ["超声引导下肝穿刺活检"]}),
            serde_json::json!({"category": "imaging", "items": ["全脑DSA"]}),
            serde_json::json!({"category": "endoscopy", "items": ["电子胃镜"]}),
            serde_json::json!({"category": "ultrasound", "items": ["肝脏超声"], "contrast": true}),
        ] {
            let d = req(v.clone());
            let fired = e
                .check(&Document::ExamRequest(d.clone()))
                .findings
                .iter()
                .any(|f| f.rule == "RQ-05");
            assert!(fired, "RQ-05 should fire: {v}");
            assert!(consent_shown(&e.policy, &d), "no consent field: {v}");
        }
        // Neither for a plain scan, nor for a lab test.
        let plain = req(serde_json::json!({"category": "imaging", "items": ["胸部CT平扫"]}));
        assert!(!consent_shown(&e.policy, &plain));
        let lab = req(serde_json::json!({"category": "lab", "items": ["血常规"]}));
        assert!(!consent_shown(&e.policy, &lab));
        // A consent already written stays visible when the item changes.
        let typed = req(serde_json::json!({"category": "lab", "consent": {"name": "张伟"}}));
        assert!(consent_shown(&e.policy, &typed));
    }
}
