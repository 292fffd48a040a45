//! The review pane: QA confirms or dismisses each automatic finding (with the doctor's reason
//! and the hospital's tuning shown beside it), judges the shadow rules' findings the doctor
//! never saw (for their precision, never scored), and records the manual checklist's
//! deductions.

use leptos::prelude::*;
use leptos::task::spawn_local;
use opdcheck_engine::{Engine, Lang, Severity};
use opdcheck_web::clock::human;

use super::paper::Paper;
use super::{ServerPolicy, View, failure, kind_label, token, urlencode};
use crate::auth::Auth;
use crate::model::{self as qa, Decision, FindingKey, ReviewBundle, ReviewDraft, ReviewResponse};
use crate::notes;
use opdcheck_web::api;
use opdcheck_web::labels::{lang, tr, trs};

#[component]
pub(super) fn ReviewPanel(
    ctx: Auth,
    id: String,
    sample: Option<String>,
    view: RwSignal<View>,
) -> impl IntoView {
    let bundle = RwSignal::new(None::<Result<ReviewBundle, String>>);
    let draft = RwSignal::new(ReviewDraft::default());
    let saved = RwSignal::new(String::new());
    let error = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let path = format!("/api/v1/records/{}/review", urlencode(&id));
    {
        let path = path.clone();
        Effect::new(move |_| {
            let Some(t) = token(ctx) else { return };
            let path = path.clone();
            spawn_local(async move {
                let r = api::get_json::<ReviewBundle>(&t, &path, &[])
                    .await
                    .map_err(|e| failure(ctx, e));
                if let Ok(b) = &r {
                    draft.set(ReviewDraft::from_bundle(b));
                }
                bundle.set(Some(r));
            });
        });
    }
    let lang = lang();
    let save = move |_| {
        let Some(Ok(b)) = bundle.get_untracked() else {
            return;
        };
        let problems = draft.with_untracked(|d| d.problems(&b.manual_items));
        if let Some((_, zh, en)) = problems.first() {
            error.set(if lang.get_untracked() == Lang::Zh {
                zh.clone()
            } else {
                en.clone()
            });
            return;
        }
        let Some(t) = token(ctx) else { return };
        let body = draft.with_untracked(|d| d.request(b.record.version));
        let path = path.clone();
        busy.set(true);
        spawn_local(async move {
            match api::send_json::<ReviewResponse>("PUT", &t, &path, &body).await {
                Ok(s) => {
                    error.set(String::new());
                    saved.set(if lang.get_untracked() == Lang::Zh {
                        format!(
                            "已保存（第 {} 版评审，{} 扣 {} 分）",
                            s.review.revision,
                            if s.review.qualified {
                                "合格"
                            } else {
                                "不合格"
                            },
                            s.review.deduction
                        )
                    } else {
                        format!(
                            "Saved (revision {}, {}, −{})",
                            s.review.revision,
                            if s.review.qualified {
                                "qualified"
                            } else {
                                "not qualified"
                            },
                            s.review.deduction
                        )
                    });
                    bundle.update(|b| {
                        if let Some(Ok(b)) = b
                            && let Some(old) = b.review.replace(s.review)
                        {
                            b.history.insert(0, old);
                        }
                    });
                }
                Err(e) => error.set(failure(ctx, e)),
            }
            busy.set(false);
        });
    };
    let back = move |_| match sample.clone() {
        Some(s) => view.set(View::Sample(s)),
        None => view.set(View::Samples),
    };
    view! {
        <div class="qa-review">
            <p class="no-print"><button type="button" class="small" id="qa-review-back" on:click=back>{tr("← 返回样本", "← Back to the sample")}</button></p>
            {move || match bundle.get() {
                None => view! { <p class="note">{tr("加载中…", "Loading…")}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="login-error" role="alert">{e}</p> }.into_any(),
                Some(Ok(b)) => {
                    let record = b.record.clone();
                    let items = b.manual_items.clone();
                    let findings: Vec<opdcheck_engine::Finding> = qa::by_severity(record.report.all_findings().collect()).into_iter().cloned().collect();
                    let shadow = notes::shadow_findings(&record.report);
                    let total = {
                        let record = record.clone();
                        let policy = use_context::<ServerPolicy>().map(|p| p.0);
                        Memo::new(move |_| {
                            let server = policy.and_then(|p| p.get());
                            let policy = server.as_deref().unwrap_or(&Engine::default_engine().policy);
                            draft.with(|d| d.total(policy, &record))
                        })
                    };
                    let (kzh, ken) = kind_label(&record.kind);
                    view! {
                        <h2>{tr(kzh, ken)} " " <code>{record.id.clone()}</code> " v" {record.version}</h2>
                        <div class="qa-review-grid">
                            <Paper body=record.body.clone() findings=findings.clone() />
                            <div class="qa-review-side">
                                <div class="qa-total" id="qa-review-total" aria-live="polite">
                                    <span class="badge" class:ok=move || total.get().1 class:bad=move || !total.get().1>
                                        {move || if total.get().1 { tr("合格", "qualified").get() } else { tr("不合格", "not qualified").get() }}</span>
                                    " " <strong>{move || trs(format!("扣 {} 分", total.get().0), format!("−{} points", total.get().0)).get()}</strong>
                                    " " <small>{trs(format!("（自动检查扣 {} 分）", record.deduction), format!("(automatic −{} points)", record.deduction))}</small>
                                </div>
                                <h3>{tr("自动检查发现", "Automatic findings")}</h3>
                                {findings.is_empty().then(|| view! { <p class="note">{tr("无。", "None.")}</p> })}
                                <ol class="qa-findings">
                                    {findings.into_iter().map(|f| view! { <FindingReview f=f draft=draft /> }).collect_view()}
                                </ol>
                                {(!shadow.is_empty()).then(|| view! { <ShadowFindings findings=shadow draft=draft /> })}
                                <h3>{tr("人工检查项（文书上看不出的项目）", "Manual checklist (what no document shows)")}</h3>
                                <ul class="qa-manual">
                                    {items.into_iter().map(|m| view! { <ManualRow m=m draft=draft /> }).collect_view()}
                                </ul>
                                <label class="qa-note">{tr("评审意见", "Note")}
                                    <textarea id="qa-review-note" prop:value=move || draft.with(|d| d.note.clone())
                                        on:input=move |ev| { let v = event_target_value(&ev); draft.update(|d| d.note = v) }></textarea>
                                </label>
                                <button type="button" class="primary" id="qa-review-save" disabled=move || busy.get() on:click=save.clone()>{tr("保存评审", "Save review")}</button>
                                <p class="login-error" role="alert">{move || error.get()}</p>
                                <p class="saved" role="status" id="qa-review-saved">{move || saved.get()}</p>
                                {(!b.history.is_empty() || b.review.is_some()).then(|| view! { <History bundle=bundle /> })}
                            </div>
                        </div>
                    }.into_any()
                }
            }}
        </div>
    }
}

/// The report's shadow findings: rules (or tuned variants) the hospital runs in shadow. The
/// doctor never saw them and they are not scored; QA's confirmations and dismissals measure
/// the rule's precision before it is switched on.
#[component]
fn ShadowFindings(
    findings: Vec<opdcheck_engine::Finding>,
    draft: RwSignal<ReviewDraft>,
) -> impl IntoView {
    view! {
        <section class="qa-shadow" id="qa-shadow" aria-labelledby="qa-shadow-title">
            <h3 id="qa-shadow-title">{tr("影子规则（医生不可见，不计分）", "Shadow rules (not shown to the doctor, not scored)")}</h3>
            <p class="note">{tr("确认或驳回以衡量规则的准确率，不影响本记录得分。", "Confirm or dismiss to measure the rule's precision; the record's total does not change.")}</p>
            <ol class="qa-findings qa-shadow-findings">
                {findings.into_iter().map(|f| view! { <FindingReview f=f draft=draft shadow=true /> }).collect_view()}
            </ol>
        </section>
    }
}

/// One automatic finding with QA's decision on it (a record's, or a visit's cross-document
/// one; `shadow`: one of the report's shadow findings). The doctor's reason and the tuning
/// entry that changed it are said beside the rule's message.
#[component]
pub(super) fn FindingReview(
    f: opdcheck_engine::Finding,
    draft: RwSignal<ReviewDraft>,
    #[prop(optional)] shadow: bool,
) -> impl IntoView {
    let lang = lang();
    let (rule, path) = (f.rule.clone(), f.path.clone());
    let key = FindingKey {
        rule: rule.clone(),
        path: path.clone(),
        shadow,
    };
    let decision = {
        let key = key.clone();
        Memo::new(move |_| draft.with(|d| d.decision_at(&key)))
    };
    let set = move |d: Decision| draft.update(|x| x.decide_at(key.clone(), d));
    let sev = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    };
    let dom = format!("qa-{}-{}-{}", if shadow { "s" } else { "f" }, rule, path)
        .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "-");
    let reason = f.reason.clone().map(|r| {
        let line = notes::reason_line(&r);
        view! {
            <p class="qa-doctor-reason">
                <span class="qa-tag">{tr("医生理由", "Doctor's reason")}</span> " "
                <span class="qa-reason-text">{trs(line.zh, line.en)}</span>
                {r.accepted.then(|| view! { " " <span class="badge qa-accepted">{tr("已说明理由放行", "Accepted with the reason")}</span> })}
            </p>
        }
    });
    let tuning = f.tuning.clone().map(|t| {
        let line = notes::tuning_line(&t, f.severity, shadow);
        view! { <p class="qa-tuning" data-entry=t.entry.clone()>{trs(line.zh, line.en)}</p> }
    });
    let (set1, set2, set3) = (set.clone(), set.clone(), set);
    view! {
        <li class=format!("qa-finding {sev}") class:shadow=shadow id=dom.clone() data-rule=rule.clone() data-path=path.clone() data-shadow=shadow.to_string()>
            <p><code>{rule.clone()}</code> " " <span class="item">{f.item.clone()}</span> " "
                {move || if lang.get() == Lang::Zh { f.message.zh.clone() } else { f.message.en.clone() }}</p>
            <p class="clause">{f.clause.clone()} " · " <code>{path.clone()}</code></p>
            {tuning}
            {reason}
            <div class="qa-decision" role="group" aria-label=tr("判定", "Decision")>
                <label class="check"><input type="radio" name=dom.clone() class="qa-confirm"
                    prop:checked=move || decision.get() == Decision::Confirmed
                    on:change=move |_| set1(Decision::Confirmed) />{tr("确认", "Confirm")}</label>
                <label class="check"><input type="radio" name=dom.clone() class="qa-dismiss"
                    prop:checked=move || matches!(decision.get(), Decision::Dismissed(_))
                    on:change=move |_| set2(Decision::Dismissed(String::new())) />{tr("驳回（误报）", "Dismiss (false alarm)")}</label>
            </div>
            <Show when=move || matches!(decision.get(), Decision::Dismissed(_))>
                <label class="qa-reason">{tr("驳回理由（必填）", "Reason (required)")}
                    <input class="qa-reason-input" prop:value=move || match decision.get() { Decision::Dismissed(r) => r, _ => String::new() }
                        on:input={ let set3 = set3.clone(); move |ev| set3(Decision::Dismissed(event_target_value(&ev))) } /></label>
            </Show>
        </li>
    }
}

/// One manual checklist item: the seed's wording, a deduction (0 = none) and a note.
#[component]
fn ManualRow(m: qa::ManualItem, draft: RwSignal<ReviewDraft>) -> impl IntoView {
    let lang = lang();
    let item = m.item.clone();
    let value = {
        let item = item.clone();
        Memo::new(move |_| draft.with(|d| d.manual.get(&item).cloned()))
    };
    let id = format!("qa-manual-{}", item);
    let (i1, i2) = (item.clone(), item.clone());
    let max = m.max;
    let (zh, en) = (m.zh.clone(), m.en.clone());
    view! {
        <li class="qa-manual-item" data-item=item.clone()>
            <p><code>{item.clone()}</code> " " {move || if lang.get() == Lang::Zh { zh.clone() } else { en.clone() }}</p>
            <p class="clause">{m.standard.clone()}</p>
            <label>{tr("扣分", "Deduction")}
                <input type="number" min="0" step="0.5" max=max id=id class="qa-manual-deduction"
                    prop:value=move || value.get().map(|(d, _)| d.to_string()).unwrap_or_default()
                    on:change=move |ev| {
                        let d: f64 = event_target_value(&ev).trim().parse().unwrap_or(0.0);
                        let note = draft.with_untracked(|x| x.manual.get(&i1).map(|(_, n)| n.clone()).unwrap_or_default());
                        draft.update(|x| x.set_manual(&i1, d, &note));
                    } /></label>
            <label>{tr("说明", "Note")}
                <input class="qa-manual-note" prop:value=move || value.get().map(|(_, n)| n).unwrap_or_default()
                    on:change=move |ev| {
                        let note = event_target_value(&ev);
                        let d = draft.with_untracked(|x| x.manual.get(&i2).map(|(d, _)| *d).unwrap_or(0.0));
                        draft.update(|x| x.set_manual(&i2, d, &note));
                    } /></label>
        </li>
    }
}

/// The review's revisions, newest first: nothing QA decided is ever overwritten.
#[component]
fn History(bundle: RwSignal<Option<Result<ReviewBundle, String>>>) -> impl IntoView {
    let rows = move || {
        bundle.with(|b| match b {
            Some(Ok(b)) => b
                .review
                .iter()
                .chain(b.history.iter())
                .cloned()
                .collect::<Vec<_>>(),
            _ => Vec::new(),
        })
    };
    view! {
        <h3>{tr("评审记录", "Review history")}</h3>
        <ol class="qa-history" id="qa-review-history">
            {move || rows().into_iter().map(|r| view! {
                <li>{trs(
                    format!("v{} 第{}版 · {} · {} · {} 扣 {} 分", r.record_version, r.revision, r.reviewer, human(&r.reviewed_at), if r.qualified { "合格" } else { "不合格" }, r.deduction),
                    format!("v{} revision {} · {} · {} · {} −{} points", r.record_version, r.revision, r.reviewer, human(&r.reviewed_at), if r.qualified { "qualified" } else { "not qualified" }, r.deduction),
                )}</li>
            }).collect_view()}
        </ol>
    }
}
