//! The outpatient record (门诊病历): visit type first; the form shows the fields that type needs
//! (initial and emergency: history and signs; follow-up: the change since last time), and the
//! front page.

use leptos::prelude::*;

use crate::ui::{tr, trs};
use opdcheck_engine::model::{Consent, ConsentTopic, OutpatientRecord, VisitType};
use opdcheck_engine::{DocKind, Lang, Report};

use crate::ui::common::{
    DiagnosesEditor, DocFrame, P, PatientFields, SignerFields, VISIT_TYPE, area, diagnoses_lens,
    live_report, patient_lens, select, signing, text,
};
use crate::ui::field::{Anchor, form};
use crate::ui::signer::{
    AccountSigner, SignedOutNote, as_it_will_sign, follow_account, signed_in_account, signed_out,
};
use crate::ui::{lang, now_minutes};
use crate::{bind_enum, bind_signer, bind_text};

const REPORT_STATUS: &[(&str, &str, &str)] = &[
    ("reported", "已报告", "reported"),
    ("pending", "待报告", "pending"),
    ("not_required", "无需报告", "not required"),
];
const TOPICS: &[(ConsentTopic, &str, &str)] = &[
    (ConsentTopic::Transfusion, "输血", "transfusion"),
    (
        ConsentTopic::InvasiveProcedure,
        "有创诊疗",
        "invasive procedure",
    ),
    (ConsentTopic::SpecialExam, "特殊检查", "special examination"),
    (
        ConsentTopic::SpecialTreatment,
        "特殊治疗",
        "special treatment",
    ),
    (
        ConsentTopic::ExpensiveOrSelfPaidDrug,
        "贵重/自费药品",
        "expensive or self-paid drug",
    ),
];

#[component]
pub fn RecordPage(doc: RwSignal<OutpatientRecord>) -> impl IntoView {
    let report = live_report(doc);
    view! { <crate::ui::amend::AmendBar doc=doc /> <RecordForm doc=doc report=report scope="mr" /> }
}

#[component]
pub fn RecordForm(
    doc: RwSignal<OutpatientRecord>,
    report: Signal<Report>,
    #[prop(into)] scope: String,
    #[prop(optional)] nested: bool,
) -> impl IntoView {
    let (closed, sign) = signing(doc);
    view! {
        <DocFrame closed=closed sign=sign kind=DocKind::OutpatientRecord scope=scope report=report nested=nested reasons=crate::ui::common::reasons_lens(doc)>
            <RecordBody doc=doc />
        </DocFrame>
    }
}

#[component]
fn RecordBody(doc: RwSignal<OutpatientRecord>) -> impl IntoView {
    let lang = lang();
    let account = signed_in_account();
    follow_account(doc, account, |d| &d.physician, |d| &mut d.physician);
    let nobody_signed_in = signed_out();
    let vt = Memo::new(move |_| doc.with(|d| d.visit_type));
    let history = move || {
        matches!(
            vt.get(),
            Some(VisitType::Initial | VisitType::Emergency) | None
        )
    };
    let follow_up = move || vt.get() == Some(VisitType::FollowUp);
    view! {
        <fieldset class="section">
            <legend>{tr("就诊", "Visit")}</legend>
            <div class="grid">
                {select(("就诊类型", "Visit type"), "visit_type", VISIT_TYPE, bind_enum!(doc, visit_type), true)}
                {text(("就诊时间", "Visit time"), "visit_at", bind_text!(doc, visit_at), true)}
                {text(("科别", "Department"), "department", bind_text!(doc, department), true)}
            </div>
            <p class="hint-line">{move || match (vt.get(), lang.get()) {
                (Some(VisitType::FollowUp), Lang::Zh) => "复诊：写明病情变化、体格检查与辅助检查结果",
                (Some(VisitType::FollowUp), Lang::En) => "Follow-up: the change since last visit, examination, results",
                (Some(VisitType::Emergency), Lang::Zh) => "急诊：就诊时间具体到分钟",
                (Some(VisitType::Emergency), Lang::En) => "Emergency: visit time to the minute",
                (_, Lang::Zh) => "初诊：主诉、现病史、既往史、阳性体征与必要的阴性体征",
                (_, Lang::En) => "Initial visit: complaint, present illness, past history, positive and key negative signs",
            }}</p>
        </fieldset>
        <PatientFields doc=patient_lens(doc)
            fields=&[P::Name, P::Sex, P::Age, P::Ethnicity, P::Marital, P::Occupation, P::Employer, P::Address, P::Phone, P::RecordNo, P::AllergyHistory, P::Allergens]
            required=&[P::Name, P::Sex, P::Age, P::Ethnicity, P::Marital, P::Occupation, P::AllergyHistory] />
        <fieldset class="section">
            <legend>{tr("病历", "Record")}</legend>
            <div class="grid">
                {text(("主诉", "Chief complaint"), "chief_complaint", bind_text!(doc, chief_complaint), true)}
            </div>
            <Show when=history>
                {area(("现病史", "Present illness"), "present_illness", bind_text!(doc, present_illness), true)}
                {area(("既往史", "Past history"), "past_history", bind_text!(doc, past_history), true)}
                {area(("阳性体征", "Positive signs"), "positive_signs", bind_text!(doc, positive_signs), true)}
                {area(("必要的阴性体征", "Key negative signs"), "negative_signs", bind_text!(doc, negative_signs), true)}
            </Show>
            <Show when=follow_up>
                {area(("病情变化", "Change in condition"), "condition_change", bind_text!(doc, condition_change), true)}
                {area(("体格检查", "Physical examination"), "physical_exam", bind_text!(doc, physical_exam), true)}
            </Show>
            {area(("辅助检查结果", "Investigation results"), "auxiliary_results", bind_text!(doc, auxiliary_results), true)}
            <DiagnosesEditor doc=diagnoses_lens(doc) with_codes=true />
            {area(("处理意见", "Treatment plan"), "treatment_plan", bind_text!(doc, treatment_plan), true)}
            <div class="grid">
                {select(("传染病报告情况", "Infectious disease report"), "infectious_report_status", REPORT_STATUS, bind_enum!(doc, infectious_report_status), false)}
                {text(("会诊/转诊", "Consultation / referral"), "consultation", bind_text!(doc, consultation), false)}
            </div>
        </fieldset>
        <Consents doc=doc />
        // Signed in as a doctor: the account's, read-only; otherwise typed, as before.
        <Show when=move || account.with(Option::is_some) fallback=move || view! {
            <SignerFields legend=("接诊医师", "Physician") path="physician"
                name=bind_signer!(doc, physician.name) id=bind_signer!(doc, physician.id) />
            <Show when=move || nobody_signed_in.get()><SignedOutNote /></Show>
        }>
            <AccountSigner legend=("接诊医师", "Physician") path="physician"
                signer=as_it_will_sign(move || doc.with(|d| d.physician.clone()), account) />
        </Show>
    }
}

/// What the plan involves, and the consents signed for it (MR-08).
#[component]
fn Consents(doc: RwSignal<OutpatientRecord>) -> impl IntoView {
    let f = form();
    view! {
        <fieldset class="section">
            <legend>{tr("知情同意", "Consent")}</legend>
            <Anchor path="planned">
                <table class="consents">
                    <thead><tr>
                        <th scope="col">{tr("项目", "Topic")}</th>
                        <th scope="col">{tr("计划进行", "Planned")}</th>
                        <th scope="col">{tr("同意书签署人", "Consent signed by")}</th>
                    </tr></thead>
                    <tbody>
                    {TOPICS.iter().map(|&(topic, zh, en)| {
                        let planned = Memo::new(move |_| doc.with(|d| d.planned.contains(&topic)));
                        let signer = Signal::derive(move || doc.with(|d| d.consents.iter().find(|c| c.topic == Some(topic)).and_then(|c| c.signed_by.clone()).unwrap_or_default()));
                        let toggle = move |_| doc.update(|d| {
                            if let Some(k) = d.planned.iter().position(|t| *t == topic) { d.planned.remove(k); } else { d.planned.push(topic); }
                        });
                        let sign = move |ev| {
                            let v = event_target_value(&ev);
                            let at = now_minutes();
                            doc.update(|d| {
                                d.consents.retain(|c| c.topic != Some(topic));
                                if !v.trim().is_empty() {
                                    d.consents.push(Consent { topic: Some(topic), signed_by: Some(v), at: Some(at) });
                                }
                            })
                        };
                        let id = f.id(&format!("consent-{zh}"));
                        view! {
                            <tr>
                                <th scope="row">{tr(zh, en)}</th>
                                <td><input type="checkbox" prop:checked=move || planned.get() on:change=toggle disabled=move || f.locked.get()
                                    aria-label=trs(format!("计划{zh}"), format!("{en} planned")) /></td>
                                <td><input id=id type="text" prop:value=move || signer.get() on:input=sign readonly=move || f.locked.get()
                                    aria-label=trs(format!("{zh}同意书签署人"), format!("{en} consent signed by")) /></td>
                            </tr>
                        }
                    }).collect_view()}
                    </tbody>
                </table>
            </Anchor>
        </fieldset>
    }
}
