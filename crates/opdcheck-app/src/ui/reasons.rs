//! At a finding: the doctor's reason for keeping it (shown, and given or changed in place with
//! the policy's pick list and words while the document is a draft), and the note of a tuning
//! entry that changed it. The logic is [`crate::reasons`]'s.

use leptos::prelude::*;
use opdcheck_engine::{Finding, Lang};

use crate::reasons::{self, Draft, Problem};
use crate::ui::field::form;
use crate::ui::signer::signed_in_account;
use crate::ui::summary::focus;
use crate::ui::{engine, lang, now_minutes, tr, trs};

/// What the finding says besides its message: the reason given for it (an accepted error
/// marked 「已说明理由」) and the tuning entry that changed it, with the entry's rationale.
#[component]
pub fn FindingNotes(f: Finding) -> impl IntoView {
    let lang = lang();
    let reason = f.reason.clone().map(|r| {
        let accepted = r.accepted;
        view! {
            <span class="ff-reason">
                {accepted.then(|| view! { <span class="ff-accepted">{move || reasons::accepted_mark(lang.get() == Lang::Zh)}</span> })}
                <span class="ff-reason-text">{move || reasons::reason_line(&r, lang.get() == Lang::Zh)}</span>
            </span>
        }
    });
    let tuned = f.tuning.clone().map(|t| {
        let now = f.severity;
        let t2 = t.clone();
        // The entry as the policy in force states it (why, who, until when).
        let why = move || {
            let e = engine();
            reasons::entry(&e.policy.alerts, &t2.entry)
                .map(|e| reasons::rationale_line(e, lang.get() == Lang::Zh))
        };
        let why2 = why.clone();
        let id = t.entry.clone();
        view! {
            <span class="ff-tuned" data-entry=id title=why2>
                <span class="ff-tuned-note">{move || reasons::tuning_note(&t, now, lang.get() == Lang::Zh)}</span>
                <span class="ff-tuned-why">{why}</span>
            </span>
        }
    });
    view! { {reason} {tuned} }
}

/// The reason picker of one finding at its field: 「说明理由」 opens the policy's pick list for
/// the rule and a line for words; saved, the reason is in the document and the engine, checking
/// it again, shows it at the finding. Read-only once signed. `base` is unique on the page (the
/// field's findings list id and the finding's place in it).
#[component]
pub fn ReasonPicker(f: Finding, #[prop(into)] base: String) -> impl IntoView {
    let ctx = form();
    let Some(doc_reasons) = ctx.reasons else {
        return ().into_any();
    };
    if !reasons::takes_reason(&f) {
        return ().into_any();
    }
    let lang = lang();
    let account = signed_in_account();
    let (rule, path) = (f.rule.clone(), f.path.clone());
    let has_reason = f.reason.is_some();
    let open = RwSignal::new(false);
    let draft = RwSignal::new(Draft::default());
    let tried = RwSignal::new(false);
    let toggle_id = format!("{base}-why");
    let pop_id = format!("{base}-why-pop");
    let pop_id2 = pop_id.clone();
    let select_id = format!("{base}-why-choice");
    let text_id = format!("{base}-why-text");
    let problem_id = format!("{base}-why-problem");
    let given = {
        let (rule, path) = (rule.clone(), path.clone());
        move || doc_reasons.with(|rs| reasons::given(rs, &rule, &path).cloned())
    };
    let given2 = given.clone();
    let choices = {
        let rule = rule.clone();
        Memo::new(move |_| reasons::choices(&engine().policy.alerts, &rule))
    };
    let open_it = {
        let select_id = select_id.clone();
        move |_| {
            draft.set(Draft::of(given2().as_ref()));
            tried.set(false);
            open.set(true);
            // Straight to the list: the doctor came to choose.
            let id = select_id.clone();
            request_animation_frame(move || focus(&id));
        }
    };
    let back_to_toggle = {
        let id = toggle_id.clone();
        move || {
            let id = id.clone();
            request_animation_frame(move || focus(&id));
        }
    };
    let close = {
        let back = back_to_toggle.clone();
        move || {
            open.set(false);
            back();
        }
    };
    let save = {
        let (rule, path, back) = (rule.clone(), path.clone(), back_to_toggle.clone());
        move || {
            tried.set(true);
            let by = account.with_untracked(|a| a.as_ref().map(|a| a.id.clone()));
            let made =
                draft.with_untracked(|d| d.to_reason(&rule, &path, by.as_deref(), &now_minutes()));
            if let Ok(r) = made {
                open.set(false);
                doc_reasons.update(move |rs| reasons::record(rs, r));
                // The finding is drawn again with its reason: back to its button.
                back();
            }
        }
    };
    let remove = {
        let (rule, path, back) = (rule.clone(), path.clone(), back_to_toggle.clone());
        move |_| {
            open.set(false);
            let (rule, path) = (rule.clone(), path.clone());
            doc_reasons.update(move |rs| {
                reasons::remove(rs, &rule, &path);
            });
            back();
        }
    };
    let problem = move || {
        if !tried.get() {
            return None;
        }
        draft.with(Draft::problem)
    };
    let rule_label = rule.clone();
    let save2 = save.clone();
    let close2 = close.clone();
    view! {
        <Show when=move || !ctx.locked.get()>
            <button type="button" class="why-toggle" id=toggle_id.clone()
                aria-expanded=move || open.get().to_string() aria-controls=pop_id2.clone()
                on:click=open_it.clone()>
                {move || match (has_reason, lang.get()) {
                    (false, Lang::Zh) => "说明理由",
                    (false, Lang::En) => "Give a reason",
                    (true, Lang::Zh) => "修改理由",
                    (true, Lang::En) => "Change the reason",
                }}
            </button>
        </Show>
        <Show when=move || open.get() && !ctx.locked.get()>
            {
                let (save, save2, close) = (save.clone(), save2.clone(), close.clone());
                let close2 = close2.clone();
                let remove = remove.clone();
                let given = given.clone();
                view! {
                    <div class="reason-pop" id=pop_id.clone() role="group"
                        aria-label=trs(format!("{rule_label} 保留提示的理由"), format!("{rule_label}: reason for keeping this alert"))
                        on:keydown=move |ev: web_sys::KeyboardEvent| {
                            if ev.key() == "Escape" {
                                ev.prevent_default();
                                ev.stop_propagation();
                                close();
                            }
                        }>
                        <div class="reason-row">
                            <label for=select_id.clone()>{tr("理由", "Reason")}</label>
                            <select id=select_id.clone()
                                aria-invalid=move || (problem() == Some(Problem::NoChoice)).to_string()
                                aria-describedby=problem_id.clone()
                                on:change=move |ev| { let v = event_target_value(&ev); draft.update(|d| d.choice = v) }>
                                <option value="" selected=move || draft.with(|d| d.choice.is_empty())>{tr("— 请选择 —", "— choose —")}</option>
                                {move || choices.get().into_iter().map(|(key, zh, en)| {
                                    let k2 = key.clone();
                                    view! {
                                        <option value=key selected=move || draft.with(|d| d.choice == k2)>
                                            {move || if lang.get() == Lang::Zh { zh.clone() } else { en.clone() }}
                                        </option>
                                    }
                                }).collect_view()}
                            </select>
                        </div>
                        <div class="reason-row">
                            <label for=text_id.clone()>
                                {move || match (draft.with(|d| d.choice == reasons::OTHER), lang.get()) {
                                    (true, Lang::Zh) => "说明（必填）",
                                    (true, Lang::En) => "Explain (required)",
                                    (false, Lang::Zh) => "补充说明（可选）",
                                    (false, Lang::En) => "More (optional)",
                                }}
                            </label>
                            <input id=text_id.clone() type="text" autocomplete="off"
                                placeholder=move || if lang.get() == Lang::Zh { "例：患者既往用过，无不适" } else { "e.g. taken before without trouble" }
                                aria-invalid=move || (problem() == Some(Problem::OtherNeedsWords)).to_string()
                                aria-describedby=problem_id.clone()
                                prop:value=move || draft.with(|d| d.text.clone())
                                on:input=move |ev| { let v = event_target_value(&ev); draft.update(|d| d.text = v) }
                                on:keydown=move |ev: web_sys::KeyboardEvent| {
                                    if ev.key() == "Enter" && !ev.ctrl_key() && !ev.meta_key() {
                                        ev.prevent_default();
                                        save2();
                                    }
                                } />
                        </div>
                        <p class="reason-problem" id=problem_id.clone() role="alert">
                            {move || problem().map(|p| p.message(lang.get() == Lang::Zh))}
                        </p>
                        <div class="reason-actions">
                            <button type="button" class="small primary why-save" on:click=move |_| save()>{tr("保存理由", "Save the reason")}</button>
                            <button type="button" class="small why-cancel" on:click=move |_| close2()>{tr("取消", "Cancel")}</button>
                            <Show when={let g = given.clone(); move || g().is_some()}>
                                <button type="button" class="small why-remove" on:click=remove.clone()>{tr("删除理由", "Remove the reason")}</button>
                            </Show>
                        </div>
                    </div>
                }
            }
        </Show>
    }
    .into_any()
}
