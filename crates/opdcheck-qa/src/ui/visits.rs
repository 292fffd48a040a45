//! Visits (就诊): the list QA finds visits in (by report state, overdue first, with the time
//! left to report a notifiable disease), and one visit's documents side by side with its
//! cross-document findings reviewed as a record's are. The logic is [`crate::visits`].

use leptos::prelude::*;
use leptos::task::spawn_local;
use opdcheck_engine::Lang;
use opdcheck_web::clock::human;

use super::review::FindingReview;
use super::{View, failure, kind_label, token, urlencode};
use crate::auth::Auth;
use crate::model::{ReviewDraft, by_severity};
use crate::visits::{
    self as vz, AssembledVisit, ReportState, STATES, VisitDetail, VisitFilter, VisitPage,
    VisitReviewResponse, VisitSummary,
};
use opdcheck_web::api;
use opdcheck_web::labels::{lang, tr, trs};

/// The browser's clock, Unix seconds: the time left is counted against it.
fn now_secs() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// The browser's clock, refreshed every 30 s while the view is open (the labels count minutes).
fn ticking_clock() -> RwSignal<i64> {
    let now = RwSignal::new(now_secs());
    if let Ok(handle) = set_interval_with_handle(
        move || now.set(now_secs()),
        std::time::Duration::from_secs(30),
    ) {
        on_cleanup(move || handle.clear());
    }
    now
}

fn state_class(state: ReportState) -> &'static str {
    match state {
        ReportState::Overdue => "badge bad",
        ReportState::Due => "badge warn",
        ReportState::Reported => "badge ok",
        ReportState::None => "badge",
    }
}

/// The time left (or overdue by) for a visit's report, as the browser's clock ticks.
#[component]
fn ReportCell(state: ReportState, due_at: Option<String>, now: RwSignal<i64>) -> impl IntoView {
    let (zh, en) = vz::state_label(state);
    view! {
        <span class=state_class(state)>{tr(zh, en)}</span>
        {matches!(state, ReportState::Due | ReportState::Overdue).then(|| view! {
            " " <span class="qa-time-left">{move || {
                let (zh, en) = vz::report_label(state, due_at.as_deref(), now.get());
                trs(zh, en)
            }}</span>
        })}
    }
}

#[component]
pub(super) fn VisitsPanel(
    ctx: Auth,
    view: RwSignal<View>,
    filter: RwSignal<VisitFilter>,
) -> impl IntoView {
    let page = RwSignal::new(None::<Result<VisitPage, String>>);
    let now = ticking_clock();
    Effect::new(move |_| {
        let f = filter.get();
        let Some(t) = token(ctx) else { return };
        // Loading until this filter's answer: never the previous filter's rows under new labels.
        page.set(None);
        spawn_local(async move {
            let r = api::get_json::<VisitPage>(&t, "/api/v1/visits", &f.query())
                .await
                .map_err(|e| failure(ctx, e));
            if filter.get_untracked() == f {
                page.set(Some(r));
            }
        });
    });
    let set_date = move |to: bool, v: String| {
        if crate::model::is_date(&v) {
            filter.update(|f| {
                if to {
                    f.to = v
                } else {
                    f.from = v
                }
                f.page = 1;
            });
        }
    };
    view! {
        <div class="qa-visits">
            <div class="qa-head">
                <h2>{tr("就诊", "Visits")}</h2>
                <div class="qa-filters no-print">
                    <label>{tr("报告状态", "Report")}
                        <select id="qa-visits-state" prop:value=move || filter.with(|f| f.state.clone())
                            on:change=move |ev| { let v = event_target_value(&ev); filter.update(|f| { f.state = v; f.page = 1; }) }>
                            {STATES.into_iter().map(|(v, zh, en)| view! { <option value=v>{tr(zh, en)}</option> }).collect_view()}
                        </select></label>
                    <label class="check"><input type="checkbox" id="qa-visits-findings" prop:checked=move || filter.with(|f| f.findings)
                        on:change=move |ev| { let on = event_target_checked(&ev); filter.update(|f| { f.findings = on; f.page = 1; }) } />
                        {tr("仅有跨文书问题的", "Only with cross-document findings")}</label>
                    <label>{tr("自", "From")} <input type="date" id="qa-visits-from" prop:value=move || filter.with(|f| f.from.clone())
                        on:change=move |ev| set_date(false, event_target_value(&ev)) /></label>
                    <label>{tr("至", "To")} <input type="date" id="qa-visits-to" prop:value=move || filter.with(|f| f.to.clone())
                        on:change=move |ev| set_date(true, event_target_value(&ev)) /></label>
                </div>
            </div>
            <p class="note">{tr("传染病报告时限从就诊时间起算；剩余时间按本机时钟计算。", "A report's deadline runs from the visit time; the time left is counted on this computer's clock.")}</p>
            {move || match page.get() {
                None => view! { <p class="note loading" id="qa-visits-loading">{tr("正在加载…", "Loading…")}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="login-error" role="alert">{e}</p> }.into_any(),
                Some(Ok(p)) if p.items.is_empty() => view! {
                    <p class="note" id="qa-visits-empty">{trs(
                        format!("{} — {} 没有符合条件的就诊。", p.period.from, p.period.to),
                        format!("No visit from {} to {} matches.", p.period.from, p.period.to),
                    )}</p>
                }.into_any(),
                Some(Ok(p)) => view! { <VisitTable p=p view=view filter=filter now=now /> }.into_any(),
            }}
        </div>
    }
}

#[component]
fn VisitTable(
    p: VisitPage,
    view: RwSignal<View>,
    filter: RwSignal<VisitFilter>,
    now: RwSignal<i64>,
) -> impl IntoView {
    let pages = VisitFilter::pages(p.total);
    let at = p.page;
    view! {
        <table class="records-table" id="qa-visits-list">
            <thead><tr>
                <th scope="col">{tr("就诊", "Visit")}</th>
                <th scope="col">{tr("就诊时间", "Visit time")}</th>
                <th scope="col">{tr("科室", "Department")}</th>
                <th scope="col">{tr("医师", "Doctor")}</th>
                <th scope="col">{tr("文书", "Documents")}</th>
                <th scope="col">{tr("跨文书问题", "Cross-document findings")}</th>
                <th scope="col">{tr("传染病报告", "Infectious report")}</th>
                <th scope="col"></th>
            </tr></thead>
            <tbody>
                {p.items.into_iter().map(|v: VisitSummary| {
                    let id = v.visit_id.clone();
                    view! {
                        <tr data-visit=v.visit_id.clone() data-state=format!("{:?}", v.report).to_lowercase()>
                            <td><code>{v.visit_id.clone()}</code></td>
                            <td>{v.visit_at.as_deref().map(human).unwrap_or_default()}</td>
                            <td>{v.department.clone().unwrap_or_default()}</td>
                            <td>{v.doctor.clone().unwrap_or_default()}</td>
                            <td>{v.documents}</td>
                            <td>{if v.rules.is_empty() { tr("无", "none").into_any() } else { view! { <code>{v.rules.join(" ")}</code> }.into_any() }}</td>
                            <td><ReportCell state=v.report due_at=v.report_due_at.clone() now=now /></td>
                            <td><button type="button" class="small qa-visit-open" on:click=move |_| view.set(View::Visit(id.clone()))>{tr("打开", "Open")}</button></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <p class="qa-pager no-print">
            <button type="button" class="small" disabled=at <= 1 on:click=move |_| filter.update(|f| f.page = f.page.saturating_sub(1).max(1))>{tr("上一页", "Previous")}</button>
            " " {trs(format!("第 {at} / {pages} 页，共 {} 次就诊", p.total), format!("page {at} of {pages}, {} visits", p.total))} " "
            <button type="button" class="small" disabled=at >= pages on:click=move |_| filter.update(|f| f.page += 1)>{tr("下一页", "Next")}</button>
        </p>
    }
}

/// One visit id: each patient's visit under it (usually one).
#[component]
pub(super) fn VisitPanel(ctx: Auth, id: String, view: RwSignal<View>) -> impl IntoView {
    let detail = RwSignal::new(None::<Result<VisitDetail, String>>);
    let now = ticking_clock();
    {
        let path = format!("/api/v1/visits/{}", urlencode(&id));
        Effect::new(move |_| {
            let Some(t) = token(ctx) else { return };
            let path = path.clone();
            spawn_local(async move {
                let r = api::get_json::<VisitDetail>(&t, &path, &[])
                    .await
                    .map_err(|e| failure(ctx, e));
                detail.set(Some(r));
            });
        });
    }
    view! {
        <div class="qa-visit">
            <p class="no-print"><button type="button" class="small" id="qa-visit-back" on:click=move |_| view.set(View::Visits)>{tr("← 返回就诊列表", "← Back to the visits")}</button></p>
            <h2>{tr("就诊", "Visit")} " " <code>{id.clone()}</code></h2>
            {move || match detail.get() {
                None => view! { <p class="note loading">{tr("正在加载…", "Loading…")}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="login-error" role="alert">{e}</p> }.into_any(),
                Some(Ok(d)) => d.visits.into_iter().map(|v| view! { <AssembledView ctx=ctx v=v now=now /> }).collect_view().into_any(),
            }}
        </div>
    }
}

/// One patient's visit: its documents side by side, the missing cards, the findings and QA's
/// review of them.
#[component]
fn AssembledView(ctx: Auth, v: AssembledVisit, now: RwSignal<i64>) -> impl IntoView {
    let draft = RwSignal::new(vz::draft_of(&v));
    let review = RwSignal::new(v.review.clone());
    let error = RwSignal::new(String::new());
    let saved = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let lang = lang();
    let findings: Vec<opdcheck_engine::Finding> = by_severity(v.findings.iter().collect())
        .into_iter()
        .cloned()
        .collect();
    let report = v.notifiable_report.clone();
    let path = format!("/api/v1/visits/{}/review", urlencode(&v.visit_id));
    let visit = v.clone();
    let save = move |_| {
        let problems = draft.with_untracked(|d| d.problems(&[]));
        if let Some((_, zh, en)) = problems.first() {
            error.set(if lang.get_untracked() == Lang::Zh {
                zh.clone()
            } else {
                en.clone()
            });
            return;
        }
        let Some(put) = draft.with_untracked(|d| vz::review_put(d, &visit)) else {
            return;
        };
        let Ok(body) = serde_json::to_value(&put) else {
            return;
        };
        let Some(t) = token(ctx) else { return };
        let path = path.clone();
        busy.set(true);
        spawn_local(async move {
            match api::send_json::<VisitReviewResponse>("PUT", &t, &path, &body).await {
                Ok(r) => {
                    error.set(String::new());
                    saved.set(if lang.get_untracked() == Lang::Zh {
                        format!("已保存（第 {} 版评审）", r.review.revision)
                    } else {
                        format!("Saved (revision {})", r.review.revision)
                    });
                    review.set(Some(r.review));
                }
                Err(e) => error.set(failure(ctx, e)),
            }
            busy.set(false);
        });
    };
    let who = [
        v.department.clone(),
        v.doctor.clone(),
        v.visit_at.as_deref().map(human),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    view! {
        <section class="qa-visit-one" data-assembled=v.assembled_at.clone()>
            <p class="note">{who} " · " {trs(format!("组合于 {}", human(&v.assembled_at)), format!("assembled {}", human(&v.assembled_at)))}</p>
            <p id="qa-visit-report"><ReportCell state=report.state due_at=report.report_due_at.clone() now=now /></p>
            {(!report.cases.is_empty()).then(|| view! {
                <ul class="qa-cases">
                    {report.cases.clone().into_iter().map(|c| view! {
                        <li>{c.disease.clone()} " · " <code>{c.path.clone()}</code> " · "
                            {trs(format!("时限 {} 小时", c.hours), format!("{} h deadline", c.hours))}
                            {c.dismissed.then(|| view! { " · " {tr("质控已驳回", "dismissed by QA")} })}</li>
                    }).collect_view()}
                </ul>
            })}
            <h3>{tr("文书对照", "Documents side by side")}</h3>
            <div class="qa-visit-docs" id="qa-visit-docs">
                {v.documents.clone().into_iter().map(|d| {
                    let (zh, en) = kind_label(&d.kind);
                    view! {
                        <article class="qa-visit-doc paper" data-doc=d.id.clone()>
                            <h4>{tr(zh, en)} " " <code>{d.id.clone()}</code> " v" {d.version}</h4>
                            <p class="clause">{match d.path.clone() {
                                Some(p) => view! { <code>{p}</code> }.into_any(),
                                None => tr("（另一份门诊病历，未参与组合）", "(another outpatient record, not assembled)").into_any(),
                            }}</p>
                            {match d.document.as_ref() {
                                None => view! { <p class="note qa-hidden">{tr("无权查看此文书的内容。", "Its content is not open to this account.")}</p> }.into_any(),
                                Some(doc) => {
                                    let fields = vz::key_fields(&d.kind, doc);
                                    if fields.is_empty() {
                                        view! { <p class="note">{tr("要点字段均未填写。", "None of its key fields is filled.")}</p> }.into_any()
                                    } else {
                                        view! { <dl class="paper-fields">{fields.into_iter().map(|(zh, en, val)| view! {
                                            <div class="paper-row"><dt>{tr(zh, en)}</dt><dd>{val}</dd></div>
                                        }).collect_view()}</dl> }.into_any()
                                    }
                                }
                            }}
                        </article>
                    }
                }).collect_view()}
            </div>
            <h3>{tr("跨文书问题", "Cross-document findings")}</h3>
            {findings.is_empty().then(|| view! { <p class="note">{tr("无。", "None.")}</p> })}
            <ol class="qa-findings" id="qa-visit-findings">
                {findings.into_iter().map(|f| view! { <FindingReview f=f draft=draft /> }).collect_view()}
            </ol>
            <label class="qa-note">{tr("评审意见", "Note")}
                <textarea id="qa-visit-note" prop:value=move || draft.with(|d| d.note.clone())
                    on:input=move |ev| { let v = event_target_value(&ev); draft.update(|d: &mut ReviewDraft| d.note = v) }></textarea>
            </label>
            <button type="button" class="primary" id="qa-visit-save" disabled=move || busy.get() on:click=save>{tr("保存评审", "Save review")}</button>
            <p class="login-error" role="alert">{move || error.get()}</p>
            <p class="saved" role="status" id="qa-visit-saved">{move || saved.get()}</p>
            <h3>{tr("当前评审", "Current review")}</h3>
            <div id="qa-visit-review">{move || match review.get() {
                None => view! { <p class="note">{tr("本次组合尚未评审。", "This assembly has not been reviewed yet.")}</p> }.into_any(),
                Some(r) => view! {
                    <p>{trs(format!("第{}版 · {} · {}", r.revision, r.reviewer, human(&r.reviewed_at)), format!("revision {} · {} · {}", r.revision, r.reviewer, human(&r.reviewed_at)))}</p>
                    <ul>{r.findings.iter().map(|f| {
                        let dismissed = f.decision == opdcheck_api::qa::Decision::Dismissed;
                        view! { <li><code>{f.rule.clone()}</code> " " <code>{f.path.clone()}</code> " · "
                            {if dismissed { tr("驳回", "dismissed") } else { tr("确认", "confirmed") }}
                            {f.reason.clone().map(|r| format!("：{r}"))}</li> }
                    }).collect_view()}</ul>
                    {r.note.clone().map(|n| view! { <p class="note">{n}</p> })}
                }.into_any(),
            }}</div>
        </section>
    }
}
