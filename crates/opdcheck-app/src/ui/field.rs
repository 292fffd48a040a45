//! Form fields bound to a document, each showing the findings anchored at it.

use leptos::prelude::*;

use crate::ui::tr;
use opdcheck_engine::{DocKind, Finding, Lang, Report, Severity};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::fields::dom_id;
use crate::ui::common::Lens;
use crate::ui::lang;
use crate::ui::reasons::{FindingNotes, ReasonPicker};
use crate::visibility::Visibility;
use opdcheck_engine::concern::is_safety;
use opdcheck_engine::model::AlertReason;

/// The form a field belongs to: its scope (unique element ids), kind and live report.
#[derive(Clone, Copy)]
pub struct FormCtx {
    pub scope: StoredValue<String>,
    pub kind: DocKind,
    pub report: Signal<Report>,
    /// Signed and closed: fields are read-only.
    pub locked: Signal<bool>,
    /// What the doctor has been at: a required entry's finding waits until then.
    pub vis: RwSignal<Visibility>,
    /// Each shown finding with the field it is shown at (safety first), worked out once per
    /// report (not once per field per keystroke).
    pub anchored: Memo<Vec<(String, Finding)>>,
    /// Findings held back for now (the score counts them).
    pub waiting: Memo<usize>,
    /// The document's `reasons`, which the reason picker at a finding edits (none: the
    /// findings show their reasons read-only).
    pub reasons: Option<Lens<Vec<AlertReason>>>,
}

impl FormCtx {
    pub fn id(&self, path: &str) -> String {
        self.scope.with_value(|s| dom_id(s, path))
    }

    /// The form's context for `report`.
    pub fn new(
        scope: String,
        kind: DocKind,
        report: Signal<Report>,
        locked: Signal<bool>,
        reasons: Option<Lens<Vec<AlertReason>>>,
    ) -> FormCtx {
        let vis = RwSignal::new(Visibility::default());
        let shown = Memo::new(move |_| {
            let locked = locked.get();
            vis.with(|v| {
                report.with(|r| {
                    if locked && !v.revealed() {
                        // A signed document hides nothing.
                        let mut all = v.clone();
                        all.reveal();
                        all.split(kind, r)
                    } else {
                        v.split(kind, r)
                    }
                })
            })
        });
        FormCtx {
            scope: StoredValue::new(scope),
            kind,
            report,
            locked,
            vis,
            anchored: Memo::new(move |_| shown.with(|s| s.findings.clone())),
            waiting: Memo::new(move |_| shown.with(|s| s.waiting)),
            reasons,
        }
    }

    /// The doctor was at the field `path`.
    pub fn touch(&self, path: &str) {
        if !self
            .vis
            .with_untracked(|v| v.touched(path) && !path.is_empty())
        {
            self.vis.update(|v| {
                v.touch(path);
            });
        }
    }

    /// The findings shown at `path`.
    pub fn findings_at(&self, path: String) -> Memo<Vec<Finding>> {
        let anchored = self.anchored;
        Memo::new(move |_| {
            anchored.with(|all| {
                all.iter()
                    .filter(|(a, _)| *a == path)
                    .map(|(_, f)| f.clone())
                    .collect()
            })
        })
    }
}

pub fn form() -> FormCtx {
    expect_context::<FormCtx>()
}

/// A label in both languages.
pub type Label = (&'static str, &'static str);

pub fn label_text(l: Label) -> Signal<&'static str> {
    tr(l.0, l.1)
}

/// An enumeration's interchange name (`"follow_up"`), empty when unset.
pub fn enum_name<T: Serialize>(v: &Option<T>) -> String {
    v.as_ref()
        .and_then(|v| serde_json::to_value(v).ok())
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// An enumeration from its interchange name; `None` for "" or an unknown name.
pub fn enum_from<T: DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
}

/// A field's hint: none on a read-only document (an empty signed field shows nothing that
/// reads like an entry).
pub fn hint(placeholder: &'static str, locked: bool) -> Option<&'static str> {
    (!locked && !placeholder.is_empty()).then_some(placeholder)
}

/// Some(text) unless empty.
pub fn opt(v: String) -> Option<String> {
    (!v.is_empty()).then_some(v)
}

pub fn severity_class(s: Severity) -> &'static str {
    match s {
        Severity::Error => "sev-error",
        Severity::Warning => "sev-warning",
        Severity::Info => "sev-info",
    }
}

pub fn severity_label(s: Severity, l: Lang) -> &'static str {
    match (s, l) {
        (Severity::Error, Lang::Zh) => "错误",
        (Severity::Warning, Lang::Zh) => "警告",
        (Severity::Info, Lang::Zh) => "提示",
        (Severity::Error, Lang::En) => "Error",
        (Severity::Warning, Lang::En) => "Warning",
        (Severity::Info, Lang::En) => "Info",
    }
}

/// The safety mark: an icon and a word, not colour only.
pub fn safety_label(l: Lang) -> &'static str {
    match l {
        Lang::Zh => "⚠ 用药安全",
        Lang::En => "⚠ Patient safety",
    }
}

/// What identifies a finding as drawn: a new severity, reason, tuning, or a policy that now lets
/// a reason accept it, draws it again.
pub fn finding_key(f: &Finding) -> String {
    format!(
        "{}|{}|{:?}|{}|{}|{:?}|{:?}",
        f.rule, f.path, f.severity, f.overridable, f.message.zh, f.reason, f.tuning
    )
}

/// The findings list under a field; its id is the field's `aria-describedby`. A finding the
/// doctor may keep has its reason picker here, where it is shown.
#[component]
pub fn FieldFindings(#[prop(into)] id: String, findings: Memo<Vec<Finding>>) -> impl IntoView {
    let lang = lang();
    let list_id = id.clone();
    view! {
        <ul class="field-findings" id=id aria-live="polite">
            <For
                each=move || findings.get().into_iter().enumerate()
                key=|(i, f)| (*i, finding_key(f))
                children=move |(i, f)| {
                    let safety = is_safety(&f);
                    let cls = format!("ff {}{}", severity_class(f.severity), if safety { " concern-safety" } else { "" });
                    let sev = f.severity;
                    let msg = f.message.clone();
                    let base = format!("{list_id}-{i}");
                    let tuned = f.tuning.as_ref().map(|t| t.entry.clone());
                    let reason = f.reason.as_ref().map(|r| r.choice.clone().unwrap_or_default());
                    view! {
                        <li class=cls data-rule=f.rule.clone() data-concern=if safety { "safety" } else { "" }
                            data-tuned=tuned data-reason=reason>
                            <span class="ff-main">
                                {safety.then(|| view! { <span class="ff-safety">{move || safety_label(lang.get())}</span> })}
                                <span class="ff-sev">{move || severity_label(sev, lang.get())}</span>
                                <span class="ff-code">{f.rule.clone()}</span>
                                <span class="ff-msg">{move || msg.get(lang.get()).to_string()}</span>
                            </span>
                            <FindingNotes f=f.clone() />
                            <ReasonPicker f=f.clone() base=base />
                        </li>
                    }
                }
            />
        </ul>
    }
}

/// What every input shares: label, id, aria attributes, findings.
pub fn field_parts(path: &str) -> (String, String, Memo<Vec<Finding>>, Signal<&'static str>) {
    let f = form();
    let id = f.id(path);
    let desc = format!("{id}-desc");
    let findings = f.findings_at(path.to_string());
    let state = Signal::derive(move || {
        findings.with(|fs| {
            if fs.iter().any(|f| f.severity == Severity::Error) {
                "error"
            } else if fs.iter().any(|f| f.severity == Severity::Warning) {
                "warning"
            } else if fs.is_empty() {
                ""
            } else {
                "info"
            }
        })
    });
    (id, desc, findings, state)
}

/// A one-line text field.
#[component]
pub fn TextInput(
    label: Label,
    #[prop(into)] path: String,
    #[prop(into)] value: Signal<String>,
    #[prop(into)] set: Callback<String>,
    #[prop(optional, into)] list: Option<String>,
    #[prop(optional)] placeholder: &'static str,
    #[prop(optional)] wide: bool,
    #[prop(optional)] required: bool,
    #[prop(optional, into)] input_type: Option<&'static str>,
) -> impl IntoView {
    let (id, desc, findings, state) = field_parts(&path);
    let locked = form().locked;
    view! {
        <div class="field" class:wide=wide data-state=move || state.get() data-path=path.clone()>
            <label for=id.clone()>{label_text(label)}{required.then_some(view! { <span class="req" aria-hidden="true">"*"</span> })}</label>
            <input
                id=id
                type=input_type.unwrap_or("text")
                list=list
                placeholder=move || hint(placeholder, locked.get())
                autocomplete="off"
                prop:value=move || value.get()
                readonly=move || locked.get()
                aria-invalid=move || if state.get() == "error" || state.get() == "warning" { "true" } else { "false" }
                aria-describedby=desc.clone()
                on:input=move |ev| set.run(event_target_value(&ev))
            />
            <FieldFindings id=desc findings=findings />
        </div>
    }
}

/// A multi-line text field.
#[component]
pub fn AreaInput(
    label: Label,
    #[prop(into)] path: String,
    #[prop(into)] value: Signal<String>,
    #[prop(into)] set: Callback<String>,
    #[prop(optional)] placeholder: &'static str,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    let (id, desc, findings, state) = field_parts(&path);
    let locked = form().locked;
    view! {
        <div class="field wide" data-state=move || state.get() data-path=path.clone()>
            <label for=id.clone()>{label_text(label)}{required.then_some(view! { <span class="req" aria-hidden="true">"*"</span> })}</label>
            <textarea
                id=id
                rows="2"
                placeholder=move || hint(placeholder, locked.get())
                prop:value=move || value.get()
                readonly=move || locked.get()
                aria-invalid=move || if state.get() == "error" || state.get() == "warning" { "true" } else { "false" }
                aria-describedby=desc.clone()
                on:input=move |ev| set.run(event_target_value(&ev))
            ></textarea>
            <FieldFindings id=desc findings=findings />
        </div>
    }
}

/// A number field; what is typed stays as typed ("1." while typing 1.5) and the document holds
/// the number it reads as.
#[component]
pub fn NumInput(
    label: Label,
    #[prop(into)] path: String,
    #[prop(into)] value: Signal<Option<f64>>,
    #[prop(into)] set: Callback<Option<f64>>,
    #[prop(optional)] required: bool,
    #[prop(optional)] narrow: bool,
) -> impl IntoView {
    let (id, desc, findings, state) = field_parts(&path);
    let locked = form().locked;
    let fmt = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    let raw = RwSignal::new(fmt(value.get_untracked()));
    // The document changed from elsewhere (a sample, a computed quantity): show its number.
    Effect::new(move |_| {
        let v = value.get();
        let typed = raw.get_untracked();
        if typed.trim().parse::<f64>().ok() != v {
            raw.set(fmt(v));
        }
    });
    view! {
        <div class="field" class:narrow=narrow data-state=move || state.get() data-path=path.clone()>
            <label for=id.clone()>{label_text(label)}{required.then_some(view! { <span class="req" aria-hidden="true">"*"</span> })}</label>
            <input
                id=id
                type="text"
                inputmode="decimal"
                autocomplete="off"
                prop:value=move || raw.get()
                readonly=move || locked.get()
                aria-invalid=move || if state.get() == "error" || state.get() == "warning" { "true" } else { "false" }
                aria-describedby=desc.clone()
                on:input=move |ev| {
                    let t = event_target_value(&ev);
                    raw.set(t.clone());
                    set.run(t.trim().parse::<f64>().ok().filter(|v| v.is_finite()));
                }
            />
            <FieldFindings id=desc findings=findings />
        </div>
    }
}

/// A choice from a fixed list: (interchange name, zh, en).
#[component]
pub fn SelectInput(
    label: Label,
    #[prop(into)] path: String,
    options: &'static [(&'static str, &'static str, &'static str)],
    #[prop(into)] value: Signal<String>,
    #[prop(into)] set: Callback<String>,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    let (id, desc, findings, state) = field_parts(&path);
    let locked = form().locked;
    view! {
        <div class="field" data-state=move || state.get() data-path=path.clone()>
            <label for=id.clone()>{label_text(label)}{required.then_some(view! { <span class="req" aria-hidden="true">"*"</span> })}</label>
            <select
                id=id
                prop:value=move || value.get()
                disabled=move || locked.get()
                aria-invalid=move || if state.get() == "error" || state.get() == "warning" { "true" } else { "false" }
                aria-describedby=desc.clone()
                on:change=move |ev| set.run(event_target_value(&ev))
            >
                <option value="">{tr("— 请选择 —", "— choose —")}</option>
                {options
                    .iter()
                    .map(|(v, zh, en)| {
                        let (zh, en) = (*zh, *en);
                        view! {
                            <option value=*v selected=move || value.get() == *v>
                                {tr(zh, en)}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <FieldFindings id=desc findings=findings />
        </div>
    }
}

/// A container (table, list, section) that findings about it as a whole anchor at: focusable so
/// a finding in the summary can take the user there.
#[component]
pub fn Anchor(#[prop(into)] path: String, children: Children) -> impl IntoView {
    let f = form();
    let id = f.id(&path);
    let desc = format!("{id}-desc");
    let desc2 = desc.clone();
    let findings = f.findings_at(path.clone());
    view! {
        <div class="anchor" id=id tabindex="-1" aria-describedby=desc2 data-path=path
            data-state=move || if findings.with(|f| f.is_empty()) { "" } else { "flagged" }>
            {children()}
            <FieldFindings id=desc findings=findings />
        </div>
    }
}

/// Text binding for `doc.a.b` (an `Option<String>`): `(value, set)`.
#[macro_export]
macro_rules! bind_text {
    ($doc:expr, $($f:ident).+) => {{
        let doc = $doc;
        (
            leptos::prelude::Signal::derive(move || doc.with(|d| d.$($f).+.clone().unwrap_or_default())),
            leptos::prelude::Callback::new(move |v: String| doc.update(|d| d.$($f).+ = $crate::ui::field::opt(v))),
        )
    }};
}

/// Binding for an `Option<f64>` field.
#[macro_export]
macro_rules! bind_num {
    ($doc:expr, $($f:ident).+) => {{
        let doc = $doc;
        (
            leptos::prelude::Signal::derive(move || doc.with(|d| d.$($f).+)),
            leptos::prelude::Callback::new(move |v: Option<f64>| doc.update(|d| d.$($f).+ = v)),
        )
    }};
}

/// Binding for an optional enumeration, by interchange name.
#[macro_export]
macro_rules! bind_enum {
    ($doc:expr, $($f:ident).+) => {{
        let doc = $doc;
        (
            leptos::prelude::Signal::derive(move || doc.with(|d| $crate::ui::field::enum_name(&d.$($f).+))),
            leptos::prelude::Callback::new(move |v: String| doc.update(|d| d.$($f).+ = $crate::ui::field::enum_from(&v))),
        )
    }};
}

/// Binding for one field of an optional signer (`prescriber.name`).
#[macro_export]
macro_rules! bind_signer {
    ($doc:expr, $signer:ident . $f:ident) => {{
        let doc = $doc;
        (
            leptos::prelude::Signal::derive(move || {
                doc.with(|d| {
                    d.$signer
                        .as_ref()
                        .and_then(|s| s.$f.clone())
                        .unwrap_or_default()
                })
            }),
            leptos::prelude::Callback::new(move |v: String| {
                doc.update(|d| {
                    d.$signer.get_or_insert_with(Default::default).$f = $crate::ui::field::opt(v)
                })
            }),
        )
    }};
}
