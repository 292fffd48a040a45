//! The prescription form (处方): header, patient, diagnoses, the items table with a formulary
//! autocomplete and computed quantities, the 中药饮片 mode, and the reasons that overridable
//! rules accept, asked for in place.

use leptos::prelude::*;

use crate::ui::{tr, trs};
use opdcheck_engine::model::{Herbal, Prescription, RxItem, Signer};
use opdcheck_engine::suggest::{self, DrugSuggestion};
use opdcheck_engine::{DocKind, Lang, Report};

use crate::rx_edit::{edit_item, pick_drug};
use crate::ui::common::{
    DiagnosesEditor, DocFrame, P, PatientFields, SignerFields, area, diagnoses_lens, finding_at,
    live_report, patient_lens, select, signing, text,
};
use crate::ui::field::{
    Anchor, FieldFindings, NumInput, TextInput, enum_name, field_parts, form, label_text, opt,
};
use crate::ui::signer::{
    AccountSigner, SignedOutNote, as_it_will_sign, follow_account, signed_in_account, signed_out,
};
use crate::ui::{engine, lang, now_minutes};
use crate::{bind_enum, bind_signer, bind_text};

const RX_TYPE: &[(&str, &str, &str)] = &[
    ("general", "普通", "general"),
    ("emergency", "急诊", "emergency"),
    ("pediatric", "儿科", "pediatric"),
    ("narcotic_psych1", "麻、精一", "narcotic / psychotropic I"),
    ("psych2", "精二", "psychotropic II"),
];
const TITLE: &[(&str, &str, &str)] = &[
    ("resident", "住院医师", "resident"),
    ("attending", "主治医师", "attending"),
    ("associate_chief", "副主任医师", "associate chief"),
    ("chief", "主任医师", "chief"),
    ("assistant", "执业助理医师", "assistant"),
];

/// The prescription page: one prescription with its own live report.
#[component]
pub fn PrescriptionPage(doc: RwSignal<Prescription>) -> impl IntoView {
    let report = live_report(doc);
    view! { <crate::ui::amend::AmendBar doc=doc /> <PrescriptionForm doc=doc report=report scope="rx" /> }
}

#[component]
pub fn PrescriptionForm(
    doc: RwSignal<Prescription>,
    report: Signal<Report>,
    #[prop(into)] scope: String,
    #[prop(optional)] nested: bool,
) -> impl IntoView {
    let (closed, sign) = signing(doc);
    view! {
        <DocFrame closed=closed sign=sign kind=DocKind::Prescription scope=scope report=report nested=nested reasons=crate::ui::common::reasons_lens(doc)>
            <RxBody doc=doc report=report />
        </DocFrame>
    }
}

#[component]
fn RxBody(doc: RwSignal<Prescription>, report: Signal<Report>) -> impl IntoView {
    let lang = lang();
    let f = form();
    let account = signed_in_account();
    follow_account(doc, account, |d| &d.prescriber, |d| &mut d.prescriber);
    let nobody_signed_in = signed_out();
    let herbal = Memo::new(move |_| doc.with(|d| d.herbal.is_some()));
    let set_mode = move |h: bool| {
        doc.update(|d| {
            d.herbal = if h {
                Some(d.herbal.clone().unwrap_or_default())
            } else {
                None
            };
        })
    };
    let show_combination = Memo::new(move |_| {
        report.with(|r| r.findings.iter().any(|f| f.rule == "RX-21"))
            || doc.with(|d| {
                d.combination_reason
                    .as_deref()
                    .is_some_and(|s| !s.is_empty())
            })
    });
    let show_second = Memo::new(move |_| {
        report.with(|r| r.findings.iter().any(|f| f.rule == "RX-14"))
            || doc.with(|d| d.second_signature.is_some())
    });
    let kind_of = Signal::derive(move || doc.with(|d| enum_name(&d.prescription_type)));
    view! {
        <fieldset class="section">
            <legend>{tr("处方前记", "Header")}</legend>
            <div class="grid">
                {select(("处方类别", "Prescription type"), "prescription_type", RX_TYPE, bind_enum!(doc, prescription_type), true)}
                {text(("医疗机构", "Institution"), "institution", bind_text!(doc, institution), true)}
                {text(("费别", "Fee category"), "fee_category", bind_text!(doc, fee_category), true)}
                {text(("科别", "Department"), "department", bind_text!(doc, department), true)}
                {text(("开具日期", "Issued at"), "issued_at", bind_text!(doc, issued_at), true)}
            </div>
            <p class="rx-kind" data-kind=move || kind_of.get()>
                {move || rx_type_hint(&kind_of.get(), lang.get())}
            </p>
        </fieldset>
        <PatientFields doc=patient_lens(doc)
            fields=&[P::Name, P::Sex, P::Age, P::Weight, P::RecordNo, P::IdNumber, P::AllergyHistory, P::Allergens]
            required=&[P::Name, P::Sex, P::Age] />
        <fieldset class="section">
            <legend>{tr("诊断", "Diagnosis")}</legend>
            <DiagnosesEditor doc=diagnoses_lens(doc) with_codes=true />
            <div class="grid">
                {text(("诊断栏备注（延长用量等理由）", "Diagnosis note (reason for a longer supply …)"), "diagnosis_note", bind_text!(doc, diagnosis_note), false)}
            </div>
        </fieldset>
        <fieldset class="section">
            <legend>{tr("Rp", "Rp (items)")}</legend>
            <div class="mode" role="radiogroup" aria-label=tr("处方类型", "Prescription mode")>
                <label><input type="radio" name=move || f.id("mode") prop:checked=move || !herbal.get()
                    disabled=move || f.locked.get() on:change=move |_| set_mode(false) />
                    {tr("西药、中成药", "Western drugs, 中成药")}</label>
                <label><input type="radio" name=move || f.id("mode") prop:checked=move || herbal.get()
                    disabled=move || f.locked.get() on:change=move |_| set_mode(true) />
                    {tr("中药饮片", "Herbal pieces (中药饮片)")}</label>
            </div>
            <ItemsTable doc=doc report=report herbal=herbal.into() />
            <Show when=move || herbal.get()>
                <HerbalFields doc=doc />
            </Show>
            <Show when=move || show_combination.get()>
                <div class="grid override">
                    {area(("抗菌药物联合使用理由", "Reason for the antibiotic combination"), "combination_reason", bind_text!(doc, combination_reason), true)}
                </div>
            </Show>
        </fieldset>
        // Signed in as a doctor: the account's, read-only; otherwise typed, as before.
        <Show when=move || account.with(Option::is_some) fallback=move || view! {
            <SignerFields legend=("处方医师", "Prescriber") path="prescriber"
                name=bind_signer!(doc, prescriber.name) id=bind_signer!(doc, prescriber.id) />
            <div class="grid">
                {select(("职称", "Title"), "prescriber.title", TITLE, {
                    let v = Signal::derive(move || doc.with(|d| d.prescriber.as_ref().map(|s| enum_name(&s.title)).unwrap_or_default()));
                    let s = Callback::new(move |v: String| doc.update(|d| d.prescriber.get_or_insert_with(Default::default).title = crate::ui::field::enum_from(&v)));
                    (v, s)
                }, false)}
            </div>
            <Show when=move || nobody_signed_in.get()><SignedOutNote /></Show>
        }>
            <AccountSigner legend=("处方医师", "Prescriber") path="prescriber" with_title=true
                signer=as_it_will_sign(move || doc.with(|d| d.prescriber.clone()), account) />
        </Show>
        <Show when=move || show_second.get()>
            <SecondSignature doc=doc />
        </Show>
    }
}

fn rx_type_hint(kind: &str, lang: Lang) -> &'static str {
    match (kind, lang) {
        ("emergency", Lang::Zh) => "急诊处方（淡黄色）：用量一般不超过3日",
        ("emergency", Lang::En) => "Emergency prescription (pale yellow): supply at most 3 days",
        ("pediatric", Lang::Zh) => "儿科处方（淡绿色）：注明体重",
        ("pediatric", Lang::En) => "Pediatric prescription (pale green): give the weight",
        ("narcotic_psych1", Lang::Zh) => "麻醉药品和第一类精神药品处方（淡红色）：须写身份证号",
        ("narcotic_psych1", Lang::En) => "Narcotic / psychotropic I (pale red): ID number required",
        ("psych2", Lang::Zh) => "第二类精神药品处方（白色，右上角标“精二”）",
        ("psych2", Lang::En) => "Psychotropic II (white, marked 精二)",
        (_, Lang::Zh) => "普通处方（白色）：用量一般不超过7日",
        (_, Lang::En) => "General prescription (white): supply at most 7 days",
    }
}

#[component]
fn HerbalFields(doc: RwSignal<Prescription>) -> impl IntoView {
    let doses = Signal::derive(move || doc.with(|d| d.herbal.as_ref().and_then(|h| h.doses)));
    let set_doses = Callback::new(move |v: Option<f64>| {
        doc.update(|d| d.herbal.get_or_insert_with(Herbal::default).doses = v)
    });
    let usage = Signal::derive(move || {
        doc.with(|d| {
            d.herbal
                .as_ref()
                .and_then(|h| h.usage.clone())
                .unwrap_or_default()
        })
    });
    let set_usage = Callback::new(move |v: String| {
        doc.update(|d| d.herbal.get_or_insert_with(Herbal::default).usage = opt(v))
    });
    view! {
        <div class="grid herbal">
            <NumInput label=("剂数", "Doses (剂)") path="herbal.doses" value=doses set=set_doses required=true narrow=true />
            <TextInput label=("用法", "Usage") path="herbal.usage" value=usage set=set_usage wide=true
                placeholder="例：水煎服，每日1剂，早晚分服" required=true />
        </div>
    }
}

/// Over-label dose (RX-14): a second doctor signs.
#[component]
fn SecondSignature(doc: RwSignal<Prescription>) -> impl IntoView {
    let f = form();
    let signed = Memo::new(move |_| {
        doc.with(|d| d.second_signature.as_ref().is_some_and(Signer::is_signed))
    });
    let sign = move |_| {
        let at = now_minutes();
        doc.update(|d| {
            let s = d.second_signature.get_or_insert_with(Signer::default);
            // The second doctor's registered signature is not known here: the time only,
            // never an invented signature id.
            if s.id.iter().chain(&s.name).any(|w| !w.trim().is_empty()) {
                s.signed_at = Some(at);
            }
        })
    };
    view! {
        <div class="override second">
            <SignerFields legend=("超剂量用药再次签名", "Second signature for the over-label dose") path="second_signature"
                name=bind_signer!(doc, second_signature.name) id=bind_signer!(doc, second_signature.id) />
            <Show when=move || !signed.get() fallback=move || view! {
                <span class="signed">{tr("✔ 已再次签名", "✔ second signature given")}</span>
            }>
                <button type="button" class="small" on:click=sign disabled=move || f.locked.get()>
                    {tr("再次签名", "Sign again")}
                </button>
            </Show>
        </div>
    }
}

/// Binding for a text field of item `i`, through [`edit_item`] so the quantity follows.
macro_rules! item_text {
    ($doc:expr, $i:expr, $f:ident) => {{
        let (doc, i) = ($doc, $i);
        (
            Signal::derive(move || {
                doc.with(|d| {
                    d.items
                        .get(i)
                        .and_then(|it| it.$f.clone())
                        .unwrap_or_default()
                })
            }),
            Callback::new(move |v: String| {
                doc.update(|d| {
                    if let Some(it) = d.items.get_mut(i) {
                        edit_item(&engine(), it, |it| it.$f = opt(v))
                    }
                })
            }),
        )
    }};
}

/// Binding for the value or unit of a quantity of item `i` (`dose`, `quantity`).
macro_rules! item_qty {
    ($doc:expr, $i:expr, $f:ident, value) => {{
        let (doc, i) = ($doc, $i);
        (
            Signal::derive(move || {
                doc.with(|d| d.items.get(i).and_then(|it| it.$f.as_ref()?.value))
            }),
            Callback::new(move |v: Option<f64>| {
                doc.update(|d| {
                    if let Some(it) = d.items.get_mut(i) {
                        edit_item(&engine(), it, |it| {
                            it.$f.get_or_insert_with(Default::default).value = v
                        })
                    }
                })
            }),
        )
    }};
    ($doc:expr, $i:expr, $f:ident, unit) => {{
        let (doc, i) = ($doc, $i);
        (
            Signal::derive(move || {
                doc.with(|d| {
                    d.items
                        .get(i)
                        .and_then(|it| it.$f.as_ref()?.unit.clone())
                        .unwrap_or_default()
                })
            }),
            Callback::new(move |v: String| {
                doc.update(|d| {
                    if let Some(it) = d.items.get_mut(i) {
                        edit_item(&engine(), it, |it| {
                            it.$f.get_or_insert_with(Default::default).unit = opt(v)
                        })
                    }
                })
            }),
        )
    }};
}

#[component]
fn ItemsTable(
    doc: RwSignal<Prescription>,
    report: Signal<Report>,
    herbal: Signal<bool>,
) -> impl IntoView {
    let lang = lang();
    let f = form();
    let count = Memo::new(move |_| doc.with(|d| d.items.len()));
    let add = move |_| doc.update(|d| d.items.push(RxItem::default()));
    view! {
        <Anchor path="items">
            <div class="items" role="list">
                <For each=move || 0..count.get() key=|i| *i children=move |i| {
                    view! { <ItemRow doc=doc report=report herbal=herbal i=i /> }
                } />
            </div>
            <div class="list-foot">
                <button type="button" class="add" on:click=add disabled=move || f.locked.get()>
                    {move || match (herbal.get(), lang.get()) {
                        (false, Lang::Zh) => "＋ 添加药品",
                        (false, Lang::En) => "+ add a drug",
                        (true, Lang::Zh) => "＋ 添加饮片",
                        (true, Lang::En) => "+ add a herb",
                    }}
                </button>
                <span class="count-note">
                    {move || {
                        let n = count.get();
                        if lang.get() == Lang::Zh { format!("共 {n} 种（每张处方不超过5种）") } else { format!("{n} item(s); at most 5 per prescription") }
                    }}
                </span>
            </div>
        </Anchor>
    }
}

#[component]
fn ItemRow(
    doc: RwSignal<Prescription>,
    report: Signal<Report>,
    herbal: Signal<bool>,
    i: usize,
) -> impl IntoView {
    let f = form();
    let strengths = Memo::new(move |_| {
        let name = doc.with(|d| {
            d.items
                .get(i)
                .and_then(|it| it.drug.clone())
                .unwrap_or_default()
        });
        suggest::drugs(&engine(), &name, herbal.get_untracked(), 1)
            .into_iter()
            .next()
            .filter(|s| s.name == name.trim())
            .map(|s| s.strengths)
            .unwrap_or_default()
    });
    let strength_list = f.id(&format!("items[{i}].strength")) + "-list";
    let remove = move |_| {
        doc.update(|d| {
            if i < d.items.len() {
                d.items.remove(i);
            }
        })
    };
    let over_label = Memo::new(move |_| {
        report.with(|r| finding_at(r, "RX-14", &format!("items[{i}].dose")).is_some())
            || doc.with(|d| {
                d.items
                    .get(i)
                    .is_some_and(|it| it.over_label_reason.is_some())
            })
    });
    let long_supply = Memo::new(move |_| {
        report.with(|r| {
            finding_at(r, "RX-12", &format!("items[{i}].days")).is_some()
                || finding_at(r, "RX-12", &format!("items[{i}].quantity")).is_some()
        })
    });
    let row_path = format!("items[{i}]");
    let (_, row_desc, _, _) = field_parts(&row_path);
    // The row's own findings; a cell's are shown at that cell (频次, 剂量 …), where the doctor
    // types.
    let row_findings = f.findings_at(row_path.clone());
    let row_desc2 = row_desc.clone();
    view! {
        <div class="item-row" role="listitem" id=f.id(&row_path) tabindex="-1" aria-describedby=row_desc2
            aria-label=trs(format!("第 {} 种", i + 1), format!("item {}", i + 1))>
            <span class="item-no" aria-hidden="true">{i + 1}</span>
            <DrugInput doc=doc i=i herbal=herbal />
            <Show when=move || !herbal.get()>
                {
                    let (v, s) = item_text!(doc, i, strength);
                    view! {
                        <TextInput label=("规格", "Strength") path=format!("items[{i}].strength") value=v set=s list=strength_list.clone() />
                        <datalist id=strength_list.clone()>
                            {move || strengths.get().into_iter().map(|s| view! { <option value=s></option> }).collect_view()}
                        </datalist>
                    }
                }
            </Show>
            {
                let (v, s) = item_qty!(doc, i, dose, value);
                view! { <NumInput label=("单次剂量", "Dose") path=format!("items[{i}].dose") value=v set=s narrow=true /> }
            }
            {
                let (v, s) = item_qty!(doc, i, dose, unit);
                view! { <TextInput label=("单位", "Unit") path=format!("items[{i}].dose.unit") value=v set=s list="dl-dose-units" /> }
            }
            <Show when=move || !herbal.get()>
                {
                    let (rv, rs) = item_text!(doc, i, route);
                    let (fv, fs) = item_text!(doc, i, frequency);
                    let (dv, ds) = {
                        let doc = doc;
                        (
                            Signal::derive(move || doc.with(|d| d.items.get(i).and_then(|it| it.days))),
                            Callback::new(move |v: Option<f64>| doc.update(|d| {
                                if let Some(it) = d.items.get_mut(i) { edit_item(&engine(), it, |it| it.days = v) }
                            })),
                        )
                    };
                    let (qv, qs) = item_qty!(doc, i, quantity, value);
                    let (uv, us) = item_qty!(doc, i, quantity, unit);
                    view! {
                        <TextInput label=("用法", "Route") path=format!("items[{i}].route") value=rv set=rs list="dl-routes" />
                        <TextInput label=("频次", "Frequency") path=format!("items[{i}].frequency") value=fv set=fs list="dl-frequencies" placeholder="例：tid" />
                        <NumInput label=("天数", "Days") path=format!("items[{i}].days") value=dv set=ds narrow=true />
                        <NumInput label=("数量", "Quantity") path=format!("items[{i}].quantity") value=qv set=qs narrow=true />
                        <TextInput label=("单位", "Unit") path=format!("items[{i}].quantity.unit") value=uv set=us list="dl-quantity-units" />
                    }
                }
            </Show>
            {
                let (v, s) = item_text!(doc, i, notes);
                view! { <TextInput label=("备注", "Notes") path=format!("items[{i}].notes") value=v set=s /> }
            }
            <button type="button" class="icon remove" on:click=remove disabled=move || f.locked.get()
                aria-label=trs(format!("删除第 {} 种", i + 1), format!("remove item {}", i + 1))>"×"</button>
            <Show when=move || over_label.get()>
                {
                    let (v, s) = item_text!(doc, i, over_label_reason);
                    view! {
                        <div class="override wide">
                            <TextInput label=("超说明书剂量原因（并须再次签名）", "Reason for the over-label dose (a second signature is also needed)")
                                path=format!("items[{i}].over_label_reason") value=v set=s wide=true />
                        </div>
                    }
                }
            </Show>
            <Show when=move || long_supply.get()>
                <LongerSupplyReason doc=doc />
            </Show>
            <FieldFindings id=row_desc findings=row_findings />
        </div>
    }
}

/// RX-12 accepts a longer supply when the diagnosis field states a reason from the policy's
/// list: offered in place.
#[component]
fn LongerSupplyReason(doc: RwSignal<Prescription>) -> impl IntoView {
    let reasons = engine().policy.vocab.longer_supply_reasons.clone();
    let pick = move |reason: String| {
        doc.update(|d| {
            let note = d.diagnosis_note.get_or_insert_with(String::new);
            if !note.contains(&reason) {
                if !note.is_empty() {
                    note.push('；');
                }
                note.push_str(&reason);
            }
        })
    };
    view! {
        <div class="override wide longer-supply">
            <span>{tr("确需延长用量？在诊断栏注明理由：", "Longer supply needed? Record the reason:")}</span>
            {reasons.into_iter().take(4).map(|r| {
                let r2 = r.clone();
                view! { <button type="button" class="chip" on:click=move |_| pick(r2.clone())>{r}</button> }
            }).collect_view()}
        </div>
    }
}

/// The drug name with a formulary autocomplete (combobox: arrows, Enter, Escape).
#[component]
fn DrugInput(doc: RwSignal<Prescription>, i: usize, herbal: Signal<bool>) -> impl IntoView {
    let f = form();
    let path = format!("items[{i}].drug");
    let (id, desc, findings, state) = field_parts(&path);
    let list_id = format!("{id}-list");
    let open = RwSignal::new(false);
    let active = RwSignal::new(0usize);
    let value = Signal::derive(move || {
        doc.with(|d| {
            d.items
                .get(i)
                .and_then(|it| it.drug.clone())
                .unwrap_or_default()
        })
    });
    let suggestions: Memo<Vec<DrugSuggestion>> = Memo::new(move |_| {
        if !open.get() {
            return Vec::new();
        }
        suggest::drugs(&engine(), &value.get(), herbal.get(), 8)
    });
    let choose = move |k: usize| {
        if let Some(pick) = suggestions.get_untracked().get(k).cloned() {
            doc.update(|d| {
                if let Some(it) = d.items.get_mut(i) {
                    pick_drug(&engine(), it, &pick);
                }
            });
        }
        open.set(false);
    };
    let on_key = move |ev: web_sys::KeyboardEvent| {
        let n = suggestions.with_untracked(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" => {
                ev.prevent_default();
                if !open.get_untracked() {
                    open.set(true);
                } else if n > 0 {
                    active.update(|a| *a = (*a + 1) % n);
                }
            }
            "ArrowUp" if n > 0 => {
                ev.prevent_default();
                active.update(|a| *a = (*a + n - 1) % n);
            }
            "Enter" if open.get_untracked() && n > 0 => {
                ev.prevent_default();
                choose(active.get_untracked());
            }
            "Escape" => open.set(false),
            _ => {}
        }
    };
    let opt_id = {
        let list_id = list_id.clone();
        move |k: usize| format!("{list_id}-{k}")
    };
    let opt_id2 = opt_id.clone();
    view! {
        <div class="field drug" data-state=move || state.get() data-path=path.clone()>
            <label for=id.clone()>{label_text(("药品名称", "Drug"))}<span class="req" aria-hidden="true">"*"</span></label>
            <input
                id=id
                type="text"
                role="combobox"
                autocomplete="off"
                aria-autocomplete="list"
                aria-controls=list_id.clone()
                aria-expanded=move || (open.get() && suggestions.with(|s| !s.is_empty())).to_string()
                aria-activedescendant=move || if open.get() && suggestions.with(|s| !s.is_empty()) { opt_id2(active.get()) } else { String::new() }
                aria-invalid=move || if state.get() == "error" || state.get() == "warning" { "true" } else { "false" }
                aria-describedby=desc.clone()
                placeholder=move || crate::ui::field::hint(if herbal.get() { "例：黄芪" } else { "例：阿莫西林胶囊" }, f.locked.get())
                readonly=move || f.locked.get()
                prop:value=move || value.get()
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    doc.update(|d| {
                        if let Some(it) = d.items.get_mut(i) {
                            edit_item(&engine(), it, |it| it.drug = opt(v))
                        }
                    });
                    active.set(0);
                    open.set(true);
                }
                on:keydown=on_key
                on:blur=move |_| open.set(false)
            />
            <ul class="suggestions" id=list_id role="listbox" hidden=move || !open.get() || suggestions.with(Vec::is_empty)
                aria-label=tr("药品目录", "Formulary")>
                {move || suggestions.get().into_iter().enumerate().map(|(k, s)| {
                    let oid = opt_id(k);
                    view! {
                        <li id=oid role="option" aria-selected=move || (active.get() == k).to_string()
                            class:active=move || active.get() == k
                            on:mousedown=move |ev| { ev.prevent_default(); choose(k); }>
                            <span class="s-name">{s.name.clone()}</span>
                            <span class="s-str">{s.strengths.join(" / ")}</span>
                            {s.tags.iter().map(|t| view! { <span class="tag">{*t}</span> }).collect_view()}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <FieldFindings id=desc findings=findings />
        </div>
    }
}
