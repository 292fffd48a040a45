//! Parts every form shares: the document frame (score, summary, close and sign), the patient
//! fields, the diagnoses list and signers.

use leptos::prelude::*;

use crate::ui::{tr, trs};
use opdcheck_engine::model::{
    AlertReason, ExamRequest, InfectiousReport, OutpatientRecord, Patient, Prescription,
};
use opdcheck_engine::{DocKind, Finding, Lang, Report, Severity};

use crate::fields::anchor_in;
use crate::signing::{Signable, blockers, seal};
use crate::ui::field::{
    AreaInput, FieldFindings, FormCtx, Label, NumInput, SelectInput, TextInput, enum_from,
    enum_name, form, label_text, opt,
};
use crate::ui::signer::signed_in_account;
use crate::ui::summary::{ScoreBadge, SummaryPanel};
use crate::ui::{engine, lang, now_minutes};

/// A document kind's title (the web pages' shared label: the sign-out confirmation names
/// documents by it too).
pub use opdcheck_web::labels::kind_title;

/// The frame of one document's form: header with score and the sign button, the fields, and
/// the summary panel beside them. Provides the [`FormCtx`] its fields use.
#[component]
pub fn DocFrame(
    /// Signed and closed.
    closed: Signal<bool>,
    /// Sign the document (only called when no error remains).
    sign: Callback<()>,
    kind: DocKind,
    #[prop(into)] scope: String,
    /// The report of the document as it will be signed.
    report: Signal<Report>,
    /// Shown above the title (the exam request's 急!/危! badge).
    #[prop(optional, into)]
    corner: ViewFn,
    #[prop(optional)] nested: bool,
    /// The document's reasons for the findings the doctor keeps, edited at each finding.
    #[prop(optional)]
    reasons: Option<Lens<Vec<AlertReason>>>,
    children: Children,
) -> impl IntoView {
    let locked = closed;
    let ctx = FormCtx::new(scope.clone(), kind, report, locked, reasons);
    provide_context(ctx);
    let title = label_text(kind_title(kind));
    let findings = Signal::derive(move || {
        ctx.anchored
            .with(|a| a.iter().map(|(_, f)| f.clone()).collect::<Vec<_>>())
    });
    let waiting = Signal::derive(move || ctx.waiting.get());
    // The doctor was at a field: typed, chose, or left it (events bubble to the form; the
    // field is the nearest element that names its path).
    let touch = move |ev: web_sys::Event| {
        use wasm_bindgen::JsCast;
        let path = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest("[data-path]").ok().flatten())
            .and_then(|el| el.get_attribute("data-path"));
        if let Some(p) = path {
            ctx.touch(&p);
        }
    };
    let target = Callback::new(move |f: Finding| ctx.id(&anchor_in(kind, &f.path)));
    let doc_desc = ctx.id("") + "-desc";
    let doc_findings = ctx.findings_at(String::new());
    view! {
        <div class="doc-layout" class:nested=nested>
            <form class="doc-form" id=ctx.id("") tabindex="-1" on:submit=|ev| ev.prevent_default()
                data-doc-id=move || report.with(|r| r.document.id.clone())
                on:focusout=move |ev| touch(ev.into())
                on:input=touch
                on:change=touch
                on:keydown=move |ev: web_sys::KeyboardEvent| {
                    // Ctrl+Enter (⌘+Enter) signs, as the button does.
                    if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
                        ev.prevent_default();
                        if locked.get_untracked() {
                        } else if report.with_untracked(|r| blockers(r).is_empty()) {
                            sign.run(());
                        } else {
                            ctx.vis.update(|v| v.reveal());
                        }
                    }
                }
                aria-label=title>
                {corner.run()}
                <header class="doc-head">
                    <h2>{title}</h2>
                    <ScoreBadge report=report />
                    <crate::ui::sync::DocSyncState id=Signal::derive(move || report.with(|r| r.document.id.clone())) />
                    <SignBar closed=closed sign=sign report=report />
                </header>
                <FieldFindings id=doc_desc findings=doc_findings />
                {children()}
            </form>
            <aside class="doc-side">
                <SummaryPanel findings=findings target=target waiting=waiting />
            </aside>
        </div>
    }
}

/// 初诊 / 复诊 / 急诊, on the record and the request.
pub const VISIT_TYPE: &[(&str, &str, &str)] = &[
    ("initial", "初诊", "initial"),
    ("follow_up", "复诊", "follow-up"),
    ("emergency", "急诊", "emergency"),
];

/// The live report of a document, checked as it will be signed.
pub fn live_report<T: Signable + Send + Sync + 'static>(doc: RwSignal<T>) -> Signal<Report> {
    let account = signed_in_account();
    Memo::new(move |_| {
        let mut signed = doc.with(|d| d.as_signed(&now_minutes()));
        account.with(|a| seal(&mut signed, a.as_ref()));
        engine().check(&signed.into_document())
    })
    .into()
}

/// Whether a document is closed, and the action that signs it.
pub fn signing<T: Signable + Send + Sync + 'static>(
    doc: RwSignal<T>,
) -> (Signal<bool>, Callback<()>) {
    let sync = crate::ui::sync::sync_ctx();
    let account = signed_in_account();
    (
        Signal::derive(move || doc.with(|d| d.is_closed())),
        Callback::new(move |_| {
            let at = now_minutes();
            let mut signed = doc.with_untracked(|d| d.as_signed(&at));
            account.with_untracked(|a| seal(&mut signed, a.as_ref()));
            doc.set(signed.clone());
            // A signed document is a record: into the outbox, and to the server when it can.
            if let Some(sync) = sync {
                let document = signed.into_document();
                let report = engine().check(&document);
                sync.enqueue(document, report);
            }
        }),
    )
}

/// Close and sign: refused while an error finding remains.
#[component]
pub fn SignBar(closed: Signal<bool>, sign: Callback<()>, report: Signal<Report>) -> impl IntoView {
    let lang = lang();
    let errors = Memo::new(move |_| report.with(|r| blockers(r).len()));
    let ctx = use_context::<FormCtx>();
    // Pressing 签名 is sign time: with errors left it signs nothing but shows every finding
    // held back, and takes the doctor to the first.
    let sign = move |_| {
        if errors.get_untracked() == 0 {
            sign.run(());
        } else if let Some(ctx) = ctx {
            ctx.vis.update(|v| v.reveal());
            let first = ctx.anchored.with_untracked(|a| {
                a.iter()
                    .find(|(_, f)| f.severity == Severity::Error)
                    .map(|(anchor, _)| ctx.id(anchor))
            });
            if let Some(id) = first {
                request_animation_frame(move || crate::ui::summary::focus(&id));
            }
        }
    };
    view! {
        <div class="sign-bar">
            <Show
                when=move || !closed.get()
                fallback=move || view! {
                    <span class="signed" role="status">
                        {tr("✔ 已签名关闭", "✔ signed and closed")}
                    </span>
                }
            >
                <button type="button" class="sign primary" on:click=sign title="Ctrl+Enter" aria-keyshortcuts="Control+Enter"
                    data-blocked=move || (errors.get() > 0).to_string()>
                    {tr("签名并关闭", "Sign and close")}
                </button>
                <span class="sign-note" aria-live="polite">
                    {move || match (errors.get(), lang.get()) {
                        (0, Lang::Zh) => "无错误，可以签名".to_string(),
                        (0, Lang::En) => "no errors: ready to sign".to_string(),
                        (n, Lang::Zh) => format!("还有 {n} 个错误，改正后才能签名"),
                        (n, Lang::En) => format!("{n} error(s) to fix before signing"),
                    }}
                </span>
            </Show>
        </div>
    }
}

/// A part of a document, for the components that edit the same part of every kind (the
/// patient block, the diagnoses): one non-generic component instead of one copy per kind.
pub struct Lens<V: Send + Sync + 'static> {
    get: Memo<V>,
    edit: Callback<Edit<V>>,
}

/// A change to a document part.
pub type Edit<V> = Box<dyn FnOnce(&mut V) + Send + Sync>;

impl<V: Send + Sync + 'static> Clone for Lens<V> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<V: Send + Sync + 'static> Copy for Lens<V> {}

impl<V: Clone + PartialEq + Send + Sync + 'static> Lens<V> {
    pub fn with<R>(&self, f: impl FnOnce(&V) -> R) -> R {
        self.get.with(f)
    }

    pub fn update(&self, f: impl FnOnce(&mut V) + Send + Sync + 'static) {
        self.edit.run(Box::new(f));
    }

    /// The part `get`/`set` read and write of the document in `doc`.
    pub fn of<T: Send + Sync + 'static>(
        doc: RwSignal<T>,
        get: fn(&T) -> V,
        set: fn(&mut T, V),
    ) -> Lens<V> {
        Lens {
            get: Memo::new(move |_| doc.with(get)),
            edit: Callback::new(move |f: Edit<V>| {
                doc.update(|d| {
                    let mut v = get(d);
                    f(&mut v);
                    set(d, v);
                })
            }),
        }
    }
}

/// The doctor's reasons on a document (the reason pickers at its findings edit them).
pub fn reasons_lens<T: crate::reasons::HasReasons + Send + Sync + 'static>(
    doc: RwSignal<T>,
) -> Lens<Vec<AlertReason>> {
    Lens::of(doc, |d| d.reasons().clone(), |d, r| *d.reasons_mut() = r)
}

/// The patient block of a document.
pub fn patient_lens<T: HasPatient + Send + Sync + 'static>(doc: RwSignal<T>) -> Lens<Patient> {
    Lens::of(doc, |d| d.patient().clone(), |d, p| *d.patient_mut() = p)
}

/// The diagnoses of a document (with their codes where the format has them).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dx {
    diagnoses: Vec<String>,
    codes: Option<Vec<Option<String>>>,
}

impl Dx {
    fn diagnoses(&self) -> &Vec<String> {
        &self.diagnoses
    }
    fn diagnoses_mut(&mut self) -> &mut Vec<String> {
        &mut self.diagnoses
    }
    fn codes_mut(&mut self) -> Option<&mut Vec<Option<String>>> {
        self.codes.as_mut()
    }
    fn code(&self, i: usize) -> Option<&str> {
        self.codes.as_ref()?.get(i)?.as_deref()
    }
}

pub fn diagnoses_lens<T: HasDiagnoses + Send + Sync + 'static>(doc: RwSignal<T>) -> Lens<Dx> {
    Lens::of(
        doc,
        |d| Dx {
            diagnoses: d.diagnoses().clone(),
            codes: d.codes().cloned(),
        },
        |d, dx| {
            *d.diagnoses_mut() = dx.diagnoses;
            if let (Some(c), Some(new)) = (d.codes_mut(), dx.codes) {
                *c = new;
            }
        },
    )
}

/// Documents with a patient block.
pub trait HasPatient {
    fn patient(&self) -> &Patient;
    fn patient_mut(&mut self) -> &mut Patient;
}

macro_rules! has_patient {
    ($($t:ty),*) => {$(
        impl HasPatient for $t {
            fn patient(&self) -> &Patient { &self.patient }
            fn patient_mut(&mut self) -> &mut Patient { &mut self.patient }
        }
    )*};
}
has_patient!(
    Prescription,
    OutpatientRecord,
    ExamRequest,
    InfectiousReport
);

/// A patient field a form shows.
#[derive(Clone, Copy, PartialEq)]
pub enum P {
    Name,
    Sex,
    Age,
    Weight,
    RecordNo,
    IdNumber,
    Ethnicity,
    Marital,
    Occupation,
    Employer,
    Address,
    Phone,
    Guardian,
    AllergyHistory,
    Allergens,
    ResidenceScope,
    CurrentAddress,
    PopulationGroup,
}

const SEX: &[(&str, &str, &str)] = &[
    ("male", "男", "male"),
    ("female", "女", "female"),
    ("unknown", "未知", "unknown"),
];
const AGE_UNIT: &[(&str, &str, &str)] = &[
    ("year", "岁", "years"),
    ("month", "月", "months"),
    ("day", "天", "days"),
];

fn text_of(p: &Patient, f: P) -> Option<&String> {
    match f {
        P::Name => p.name.as_ref(),
        P::RecordNo => p.record_no.as_ref(),
        P::IdNumber => p.id_number.as_ref(),
        P::Ethnicity => p.ethnicity.as_ref(),
        P::Marital => p.marital_status.as_ref(),
        P::Occupation => p.occupation.as_ref(),
        P::Employer => p.employer.as_ref(),
        P::Address => p.address.as_ref(),
        P::Phone => p.phone.as_ref(),
        P::Guardian => p.guardian_name.as_ref(),
        P::AllergyHistory => p.allergy_history.as_ref(),
        P::ResidenceScope => p.residence_scope.as_ref(),
        P::CurrentAddress => p.current_address.as_ref(),
        P::PopulationGroup => p.population_group.as_ref(),
        _ => None,
    }
}

fn text_mut(p: &mut Patient, f: P) -> Option<&mut Option<String>> {
    Some(match f {
        P::Name => &mut p.name,
        P::RecordNo => &mut p.record_no,
        P::IdNumber => &mut p.id_number,
        P::Ethnicity => &mut p.ethnicity,
        P::Marital => &mut p.marital_status,
        P::Occupation => &mut p.occupation,
        P::Employer => &mut p.employer,
        P::Address => &mut p.address,
        P::Phone => &mut p.phone,
        P::Guardian => &mut p.guardian_name,
        P::AllergyHistory => &mut p.allergy_history,
        P::ResidenceScope => &mut p.residence_scope,
        P::CurrentAddress => &mut p.current_address,
        P::PopulationGroup => &mut p.population_group,
        _ => return None,
    })
}

fn patient_label(f: P) -> (&'static str, Label) {
    match f {
        P::Name => ("patient.name", ("姓名", "Name")),
        P::Sex => ("patient.sex", ("性别", "Sex")),
        P::Age => ("patient.age", ("年龄", "Age")),
        P::Weight => ("patient.weight_kg", ("体重 kg", "Weight kg")),
        P::RecordNo => ("patient.record_no", ("门诊号", "Outpatient no.")),
        P::IdNumber => ("patient.id_number", ("身份证号", "ID number")),
        P::Ethnicity => ("patient.ethnicity", ("民族", "Ethnicity")),
        P::Marital => ("patient.marital_status", ("婚姻", "Marital status")),
        P::Occupation => ("patient.occupation", ("职业", "Occupation")),
        P::Employer => ("patient.employer", ("工作单位", "Employer")),
        P::Address => ("patient.address", ("住址", "Address")),
        P::Phone => ("patient.phone", ("联系电话", "Phone")),
        P::Guardian => (
            "patient.guardian_name",
            ("患儿家长姓名", "Guardian (for a child)"),
        ),
        P::AllergyHistory => (
            "patient.allergy_history",
            ("药物过敏史", "Drug allergy history"),
        ),
        P::Allergens => (
            "patient.allergens",
            ("过敏药物（逗号分隔）", "Allergens (comma-separated)"),
        ),
        P::ResidenceScope => ("patient.residence_scope", ("病人属于", "Residence")),
        P::CurrentAddress => ("patient.current_address", ("现住址", "Current address")),
        P::PopulationGroup => ("patient.population_group", ("人群分类", "Population group")),
    }
}

/// The patient block with the fields a form needs.
#[component]
pub fn PatientFields(
    doc: Lens<Patient>,
    fields: &'static [P],
    #[prop(optional)] required: &'static [P],
) -> impl IntoView {
    let views = fields
        .iter()
        .map(|&f| {
            let (path, label) = patient_label(f);
            let req = required.contains(&f);
            match f {
                P::Sex => {
                    let value = Signal::derive(move || doc.with(|d| enum_name(&d.sex)));
                    let set = Callback::new(move |v: String| doc.update(move |d| d.sex = enum_from(&v)));
                    view! { <SelectInput label=label path=path options=SEX value=value set=set required=req /> }.into_any()
                }
                P::Age => view! { <AgeInput doc=doc required=req /> }.into_any(),
                P::Weight => {
                    let value = Signal::derive(move || doc.with(|d| d.weight_kg));
                    let set = Callback::new(move |v: Option<f64>| doc.update(move |d| d.weight_kg = v));
                    view! { <NumInput label=label path=path value=value set=set narrow=true /> }.into_any()
                }
                P::Allergens => {
                    let value = Signal::derive(move || doc.with(|d| d.allergens.join("，")));
                    let set = Callback::new(move |v: String| {
                        doc.update(move |d| {
                            d.allergens = v
                                .split([',', '，', '、', ';', '；'])
                                .map(|s| s.trim().to_string())
                                .filter(|s| !s.is_empty())
                                .collect()
                        })
                    });
                    view! { <TextInput label=label path=path value=value set=set placeholder="例：青霉素" /> }.into_any()
                }
                P::AllergyHistory | P::Address | P::CurrentAddress | P::Employer => {
                    let value = Signal::derive(move || doc.with(|d| text_of(d, f).cloned().unwrap_or_default()));
                    let set = Callback::new(move |v: String| doc.update(move |d| {
                        if let Some(t) = text_mut(d, f) { *t = opt(v) }
                    }));
                    let ph = "";
                    view! { <TextInput label=label path=path value=value set=set wide=true placeholder=ph required=req /> }.into_any()
                }
                _ => {
                    let value = Signal::derive(move || doc.with(|d| text_of(d, f).cloned().unwrap_or_default()));
                    let set = Callback::new(move |v: String| doc.update(move |d| {
                        if let Some(t) = text_mut(d, f) { *t = opt(v) }
                    }));
                    view! { <TextInput label=label path=path value=value set=set required=req /> }.into_any()
                }
            }
        })
        .collect_view();
    view! {
        <fieldset class="section">
            <legend>{tr("患者", "Patient")}</legend>
            <div class="grid">{views}</div>
        </fieldset>
    }
}

/// Age as value and unit (岁/月/天): RX-03 wants days for newborns and months for infants.
#[component]
fn AgeInput(doc: Lens<Patient>, required: bool) -> impl IntoView {
    let value = Signal::derive(move || doc.with(|d| d.age.as_ref().and_then(|a| a.value)));
    let set = Callback::new(move |v: Option<f64>| {
        doc.update(move |d| {
            let p = d;
            let unit = p
                .age
                .as_ref()
                .and_then(|a| a.unit)
                .or(Some(opdcheck_engine::model::AgeUnit::Year));
            p.age = Some(opdcheck_engine::model::Age { value: v, unit });
        })
    });
    let unit = Signal::derive(move || {
        doc.with(|d| {
            d.age
                .as_ref()
                .map(|a| enum_name(&a.unit))
                .filter(|u| !u.is_empty())
                // Years until the doctor says otherwise (what a new age is written in).
                .unwrap_or_else(|| "year".into())
        })
    });
    let set_unit = Callback::new(move |v: String| {
        doc.update(move |d| {
            let p = d;
            let value = p.age.as_ref().and_then(|a| a.value);
            p.age = Some(opdcheck_engine::model::Age {
                value,
                unit: enum_from(&v),
            });
        })
    });
    let f = form();
    let unit_id = f.id("patient.age") + "-unit";
    view! {
        <div class="age">
            <NumInput label=("年龄", "Age") path="patient.age" value=value set=set required=required narrow=true />
            <label class="sr-only" for=unit_id.clone()>{tr("年龄单位", "Age unit")}</label>
            <select id=unit_id class="age-unit" prop:value=move || unit.get() disabled=move || f.locked.get()
                on:change=move |ev| set_unit.run(event_target_value(&ev))>
                {AGE_UNIT.iter().map(|(v, zh, en)| {
                    let (zh, en) = (*zh, *en);
                    view! { <option value=*v selected=move || unit.get() == *v>{tr(zh, en)}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

/// Documents with a diagnosis list (and, where the format has them, parallel ICD-10 codes).
pub trait HasDiagnoses {
    fn diagnoses(&self) -> &Vec<String>;
    fn diagnoses_mut(&mut self) -> &mut Vec<String>;
    fn codes_mut(&mut self) -> Option<&mut Vec<Option<String>>>;
    fn codes(&self) -> Option<&Vec<Option<String>>>;
}

macro_rules! has_diagnoses {
    ($($t:ty: $codes:tt),*) => {$(
        impl HasDiagnoses for $t {
            fn diagnoses(&self) -> &Vec<String> { &self.diagnoses }
            fn diagnoses_mut(&mut self) -> &mut Vec<String> { &mut self.diagnoses }
            fn codes_mut(&mut self) -> Option<&mut Vec<Option<String>>> { has_diagnoses!(@mut self $codes) }
            fn codes(&self) -> Option<&Vec<Option<String>>> { has_diagnoses!(@get self $codes) }
        }
    )*};
    (@mut $s:ident yes) => { Some(&mut $s.diagnosis_codes) };
    (@mut $s:ident no) => { None };
    (@get $s:ident yes) => { Some(&$s.diagnosis_codes) };
    (@get $s:ident no) => { None };
}
has_diagnoses!(Prescription: yes, OutpatientRecord: yes, ExamRequest: no);

/// The diagnosis list: one row per diagnosis (with its ICD-10 code where the format has one).
#[component]
pub fn DiagnosesEditor(doc: Lens<Dx>, #[prop(optional)] with_codes: bool) -> impl IntoView {
    let f = form();
    let count = Memo::new(move |_| doc.with(|d| d.diagnoses().len()));
    let add = move |_| doc.update(move |d| d.diagnoses_mut().push(String::new()));
    view! {
        <crate::ui::field::Anchor path="diagnoses">
            <div class="list-head">
                <span class="list-title">{tr("临床诊断", "Diagnoses")}<span class="req" aria-hidden="true">"*"</span></span>
                <button type="button" class="small" on:click=add disabled=move || f.locked.get()>
                    {tr("＋ 诊断", "+ diagnosis")}
                </button>
            </div>
            <For each=move || 0..count.get() key=|i| *i children=move |i| {
                let value = Signal::derive(move || doc.with(|d| d.diagnoses().get(i).cloned().unwrap_or_default()));
                let set = Callback::new(move |v: String| doc.update(move |d| {
                    if let Some(x) = d.diagnoses_mut().get_mut(i) { *x = v }
                }));
                let code = Signal::derive(move || doc.with(|d| d.code(i).unwrap_or_default().to_string()));
                let set_code = Callback::new(move |v: String| doc.update(move |d| {
                    let n = d.diagnoses().len();
                    if let Some(codes) = d.codes_mut() {
                        if codes.len() < n { codes.resize(n, None) }
                        if let Some(c) = codes.get_mut(i) { *c = opt(v) }
                    }
                }));
                let remove = move |_| doc.update(move |d| {
                    if i < d.diagnoses().len() { d.diagnoses_mut().remove(i); }
                    if let Some(codes) = d.codes_mut() && i < codes.len() { codes.remove(i); }
                });
                view! {
                    <div class="row diag-row">
                        <TextInput label=("诊断", "Diagnosis") path=format!("diagnoses[{i}]") value=value set=set wide=true />
                        {with_codes.then(|| view! {
                            <TextInput label=("ICD-10", "ICD-10") path=format!("diagnosis_codes[{i}]") value=code set=set_code placeholder="例：J20.9" />
                        })}
                        <button type="button" class="icon remove" on:click=remove disabled=move || f.locked.get()
                            aria-label=trs(format!("删除诊断 {}", i + 1), format!("remove diagnosis {}", i + 1))>"×"</button>
                    </div>
                }
            } />
        </crate::ui::field::Anchor>
    }
}

/// Name, id and title of a signer.
#[component]
pub fn SignerFields(
    legend: Label,
    #[prop(into)] path: String,
    name: (Signal<String>, Callback<String>),
    id: (Signal<String>, Callback<String>),
) -> impl IntoView {
    let findings_path = path.clone();
    view! {
        <fieldset class="section signer">
            <legend>{label_text(legend)}</legend>
            <div class="grid">
                <TextInput label=("姓名", "Name") path=findings_path value=name.0 set=name.1 required=true />
                <TextInput label=("工号", "Staff id") path=format!("{path}.id") value=id.0 set=id.1 />
            </div>
        </fieldset>
    }
}

/// A labelled read-only line (computed values).
#[component]
pub fn Note(#[prop(into)] text: Signal<String>) -> impl IntoView {
    view! { <p class="note">{move || text.get()}</p> }
}

/// Whether any finding of `rule` is in the report.
pub fn has_rule(report: &Report, rule: &str) -> bool {
    report.findings.iter().any(|f| f.rule == rule)
}

/// The first finding of `rule` at `path`.
pub fn finding_at<'r>(report: &'r Report, rule: &str, path: &str) -> Option<&'r Finding> {
    report
        .findings
        .iter()
        .find(|f| f.rule == rule && f.path == path)
}

/// Errors count, for tab badges.
pub fn error_count(report: &Report) -> usize {
    report
        .all_findings()
        .filter(|f| f.severity == Severity::Error)
        .count()
}

/// A text area bound with the macro binding.
pub fn area(
    label: Label,
    path: &'static str,
    b: (Signal<String>, Callback<String>),
    required: bool,
) -> impl IntoView {
    view! { <AreaInput label=label path=path value=b.0 set=b.1 required=required /> }
}

/// A one-line text bound with the macro binding.
pub fn text(
    label: Label,
    path: &'static str,
    b: (Signal<String>, Callback<String>),
    required: bool,
) -> impl IntoView {
    // A date-time (`issued_at`, `visit_at` …) reads as people write it: 2026-12-02 01:17.
    if path.ends_with("_at") {
        let (value, set) = b;
        let shown = Signal::derive(move || opdcheck_web::clock::typed_view(&value.get()));
        let set = Callback::new(move |v: String| set.run(opdcheck_web::clock::from_typed(&v)));
        return view! { <TextInput label=label path=path value=shown set=set required=required placeholder="例：2026-12-02 09:30" /> }.into_any();
    }
    view! { <TextInput label=label path=path value=b.0 set=b.1 required=required /> }.into_any()
}

/// A select bound with the macro binding.
pub fn select(
    label: Label,
    path: &'static str,
    options: &'static [(&'static str, &'static str, &'static str)],
    b: (Signal<String>, Callback<String>),
    required: bool,
) -> impl IntoView {
    view! { <SelectInput label=label path=path options=options value=b.0 set=b.1 required=required /> }
}
