//! The infectious disease report card (传染病报告卡): a disease picker from the notifiable list
//! showing the class and reporting deadline, and a countdown from the diagnosis time.

use leptos::prelude::*;

use crate::ui::tr;
use opdcheck_engine::model::InfectiousReport;
use opdcheck_engine::{DocKind, Lang, Report};

use crate::countdown::{self, Deadline};
use crate::ui::common::{
    DocFrame, P, PatientFields, SignerFields, live_report, patient_lens, select, signing, text,
};
use crate::ui::field::{form, label_text, opt};
use crate::ui::{engine, lang, now_stamp};
use crate::{bind_enum, bind_signer, bind_text};

const REPORT_TYPE: &[(&str, &str, &str)] = &[
    ("initial", "初次报告", "initial"),
    ("correction", "订正报告", "correction"),
];
const CASE_CLASS: &[(&str, &str, &str)] = &[
    ("suspected", "疑似病例", "suspected"),
    ("clinical", "临床诊断病例", "clinical"),
    ("confirmed", "确诊病例", "confirmed"),
    ("carrier", "病原携带者", "carrier"),
];
const ACUTE: &[(&str, &str, &str)] = &[
    ("acute", "急性", "acute"),
    ("chronic", "慢性", "chronic"),
    ("unclassified", "未分类", "unclassified"),
];

#[component]
pub fn InfectiousPage(doc: RwSignal<InfectiousReport>) -> impl IntoView {
    let report = live_report(doc);
    view! { <InfectiousForm doc=doc report=report scope="ir" /> }
}

#[component]
pub fn InfectiousForm(
    doc: RwSignal<InfectiousReport>,
    report: Signal<Report>,
    #[prop(into)] scope: String,
    #[prop(optional)] nested: bool,
) -> impl IntoView {
    let (closed, sign) = signing(doc);
    view! {
        <DocFrame closed=closed sign=sign kind=DocKind::InfectiousReport scope=scope report=report nested=nested reasons=crate::ui::common::reasons_lens(doc)>
            <CardBody doc=doc />
        </DocFrame>
    }
}

#[component]
fn CardBody(doc: RwSignal<InfectiousReport>) -> impl IntoView {
    view! {
        <fieldset class="section">
            <legend>{tr("疾病", "Disease")}</legend>
            <div class="grid">
                <DiseasePicker doc=doc />
                <SubtypePicker doc=doc />
                {select(("病例分类", "Case class"), "case_class", CASE_CLASS, bind_enum!(doc, case_class), true)}
                {select(("急性/慢性", "Acute / chronic"), "acute_or_chronic", ACUTE, bind_enum!(doc, acute_or_chronic), false)}
                {select(("报告类别", "Report type"), "report_type", REPORT_TYPE, bind_enum!(doc, report_type), false)}
            </div>
            <Countdown doc=doc />
        </fieldset>
        <PatientFields doc=patient_lens(doc)
            fields=&[P::Name, P::Guardian, P::IdNumber, P::Sex, P::Age, P::Occupation, P::Phone, P::ResidenceScope, P::CurrentAddress, P::PopulationGroup]
            required=&[P::Name, P::IdNumber, P::Sex, P::Age, P::Phone, P::ResidenceScope, P::CurrentAddress, P::PopulationGroup] />
        <fieldset class="section">
            <legend>{tr("日期", "Dates")}</legend>
            <div class="grid">
                {text(("发病日期", "Onset date"), "onset_date", bind_text!(doc, onset_date), true)}
                {text(("诊断时间", "Diagnosed at"), "diagnosed_at", bind_text!(doc, diagnosed_at), true)}
                {text(("死亡日期", "Date of death"), "death_date", bind_text!(doc, death_date), false)}
                {text(("报告时间", "Reported at"), "reported_at", bind_text!(doc, reported_at), false)}
                {text(("填卡日期", "Filled in at"), "filled_at", bind_text!(doc, filled_at), true)}
            </div>
        </fieldset>
        <fieldset class="section">
            <legend>{tr("报告单位", "Reporting unit")}</legend>
            <div class="grid">
                {text(("报告单位", "Reporting unit"), "reporting_unit", bind_text!(doc, reporting_unit), false)}
                {text(("科室", "Department"), "department", bind_text!(doc, department), false)}
            </div>
        </fieldset>
        <SignerFields legend=("报告医生", "Reporting physician") path="reporting_physician"
            name=bind_signer!(doc, reporting_physician.name) id=bind_signer!(doc, reporting_physician.id) />
    }
}

/// The notifiable diseases, grouped by class, each with its deadline.
#[component]
fn DiseasePicker(doc: RwSignal<InfectiousReport>) -> impl IntoView {
    let lang = lang();
    let f = form();
    let (id, desc, findings, state) = crate::ui::field::field_parts("disease");
    let value = Signal::derive(move || doc.with(|d| d.disease.clone().unwrap_or_default()));
    let e = engine();
    let diseases = &e.policy.diseases.diseases;
    let class_names = [
        ("A", "甲类", "class A"),
        ("B", "乙类", "class B"),
        ("C", "丙类", "class C"),
    ];
    let info = Memo::new(move |_| {
        let name = value.get();
        engine()
            .policy
            .disease_named(&name)
            .map(|d| (d.class.zh(), d.hours))
    });
    view! {
        <div class="field wide" data-state=move || state.get() data-path="disease">
            <label for=id.clone()>{label_text(("疾病名称", "Disease"))}<span class="req" aria-hidden="true">"*"</span></label>
            <select id=id prop:value=move || value.get() disabled=move || f.locked.get()
                aria-invalid=move || if state.get() == "error" { "true" } else { "false" }
                aria-describedby=desc.clone()
                on:change=move |ev| {
                    let v = event_target_value(&ev);
                    doc.update(|d| { d.disease = opt(v); d.disease_subtype = None; })
                }>
                <option value="">{tr("— 选择法定传染病 —", "— choose a notifiable disease —")}</option>
                {class_names.into_iter().map(|(c, zh, en)| view! {
                    <optgroup label=tr(zh, en)>
                        {diseases.iter().filter(|d| format!("{:?}", d.class) == c).map(|d| {
                            let name = d.name.clone();
                            let label = format!("{}（{}小时）", d.name, d.hours);
                            let n2 = name.clone();
                            view! { <option value=name selected=move || value.get() == n2>{label}</option> }
                        }).collect_view()}
                    </optgroup>
                }).collect_view()}
            </select>
            <p class="disease-info" aria-live="polite">
                {move || match (info.get(), lang.get()) {
                    (Some((class, hours)), Lang::Zh) => format!("{class}传染病 · 诊断后{hours}小时内网络直报"),
                    (Some((class, hours)), Lang::En) => format!("{class} · report within {hours} h of diagnosis"),
                    (None, _) => String::new(),
                }}
            </p>
            <crate::ui::field::FieldFindings id=desc findings=findings />
        </div>
    }
}

#[component]
fn SubtypePicker(doc: RwSignal<InfectiousReport>) -> impl IntoView {
    let f = form();
    let (id, desc, findings, state) = crate::ui::field::field_parts("disease_subtype");
    let subtypes = Memo::new(move |_| {
        let e = engine();
        doc.with(|d| {
            d.disease
                .as_deref()
                .and_then(|n| e.policy.disease_named(n))
                .map(|d| {
                    d.subtypes
                        .iter()
                        .map(|s| s.name.clone())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let value = Signal::derive(move || doc.with(|d| d.disease_subtype.clone().unwrap_or_default()));
    view! {
        <div class="field" data-state=move || state.get() data-path="disease_subtype" hidden=move || subtypes.with(Vec::is_empty)>
            <label for=id.clone()>{label_text(("分型", "Subtype"))}</label>
            <select id=id prop:value=move || value.get() disabled=move || f.locked.get()
                aria-invalid=move || if state.get() == "error" { "true" } else { "false" }
                aria-describedby=desc.clone()
                on:change=move |ev| { let v = event_target_value(&ev); doc.update(|d| d.disease_subtype = opt(v)) }>
                <option value="">{tr("— 分型 —", "— subtype —")}</option>
                {move || subtypes.get().into_iter().map(|s| {
                    let (s2, s3) = (s.clone(), s.clone());
                    view! { <option value=s3 selected=move || value.get() == s2>{s}</option> }
                }).collect_view()}
            </select>
            <crate::ui::field::FieldFindings id=desc findings=findings />
        </div>
    }
}

/// Time left to report, from the diagnosis time; ticks every second.
#[component]
fn Countdown(doc: RwSignal<InfectiousReport>) -> impl IntoView {
    let lang = lang();
    let now = RwSignal::new(now_stamp());
    if let Ok(handle) = set_interval_with_handle(
        move || now.set(now_stamp()),
        std::time::Duration::from_secs(1),
    ) {
        on_cleanup(move || handle.clear());
    }
    let deadline = Memo::new(move |_| doc.with(|d| countdown::deadline(&engine(), d, &now.get())));
    view! {
        <div class="countdown" role="timer" aria-live="off"
            data-state=move || match deadline.get() {
                Deadline::Running { left_secs, .. } if left_secs < 0 => "overdue",
                Deadline::Running { left_secs, .. } if left_secs < 3600 => "soon",
                Deadline::Reported { in_time: false, .. } => "overdue",
                _ => "",
            }>
            {move || match (deadline.get(), lang.get()) {
                (Deadline::Unknown, Lang::Zh) => "选择疾病后显示报告时限".to_string(),
                (Deadline::Unknown, Lang::En) => "choose the disease to see the reporting deadline".to_string(),
                (Deadline::Hours(h), Lang::Zh) => format!("时限 {h} 小时：填写诊断时间开始倒计时"),
                (Deadline::Hours(h), Lang::En) => format!("deadline {h} h: enter the diagnosis time to start the countdown"),
                (Deadline::Running { hours, left_secs }, Lang::Zh) if left_secs >= 0 => format!("⏱ 距{hours}小时报告时限还剩 {}", countdown::clock(left_secs)),
                (Deadline::Running { hours, left_secs }, Lang::En) if left_secs >= 0 => format!("⏱ {} left of the {hours} h deadline", countdown::clock(left_secs)),
                (Deadline::Running { hours, left_secs }, Lang::Zh) => format!("⚠ 已超过{hours}小时报告时限 {}", countdown::clock(left_secs)),
                (Deadline::Running { hours, left_secs }, Lang::En) => format!("⚠ {} past the {hours} h deadline", countdown::clock(left_secs)),
                (Deadline::Reported { in_time: true, .. }, Lang::Zh) => "✔ 已在时限内报告".to_string(),
                (Deadline::Reported { in_time: true, .. }, Lang::En) => "✔ reported in time".to_string(),
                (Deadline::Reported { hours, .. }, Lang::Zh) => format!("✗ 超过{hours}小时时限报告"),
                (Deadline::Reported { hours, .. }, Lang::En) => format!("✗ reported after the {hours} h deadline"),
            }}
        </div>
    }
}
