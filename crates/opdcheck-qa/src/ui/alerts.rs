//! The alert-quality page (提示质量): per rule, and per rule and department or drug, how often
//! each rule fires per 100 documents, how often doctors keep it with a reason (and which), how
//! often QA dismisses it, and a shadow rule's measured precision, for a month; CSV export. The
//! figures are the server's; the query, formatting and order are `crate::alerts`'s.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::sheet::download_csv;
use super::{failure, token};
use crate::alerts::{self as al, AlertForm, AlertGroup, AlertLine, AlertQuality, SortKey};
use crate::auth::Auth;
use opdcheck_web::api;
use opdcheck_web::clock::now_stamp;
use opdcheck_web::labels::{tr, trs};

#[component]
pub(super) fn AlertsPanel(ctx: Auth) -> impl IntoView {
    let form = RwSignal::new(AlertForm::new(&now_stamp()));
    let sort = RwSignal::new(SortKey::Rule);
    let data = RwSignal::new(None::<Result<AlertQuality, String>>);
    let csv_error = RwSignal::new(String::new());
    let load = move || {
        let Some(t) = token(ctx) else { return };
        let q = form.with_untracked(AlertForm::query);
        data.set(None);
        spawn_local(async move {
            let r = api::get_json::<AlertQuality>(&t, "/api/v1/alerts", &q)
                .await
                .map_err(|e| failure(ctx, e));
            data.set(Some(r));
        });
    };
    Effect::new(move |_| {
        form.track();
        load();
    });
    // The server's CSV, fetched with the session (a plain link would carry no token), saved
    // as a file: the same as the score sheet's export.
    let download = move |_| {
        let Some(t) = token(ctx) else { return };
        let (q, name) = form.with_untracked(|f| (f.query(), f.csv_name()));
        download_csv(ctx, t, "/api/v1/alerts.csv", q, name, csv_error);
    };
    view! {
        <div class="qa-alerts">
            <header class="qa-head">
                <h2>{tr("提示质量", "Alert quality")}</h2>
                <div class="qa-filters no-print">
                    <label>{tr("月份", "Month")} <input type="month" id="qa-alerts-month"
                        prop:value=move || form.with(|f| f.month.clone())
                        on:change=move |ev| { let v = event_target_value(&ev); form.update(|f| f.month = v) } /></label>
                    <label>{tr("分组", "By")}
                        <select id="qa-alerts-by" on:change=move |ev| {
                            let by = AlertGroup::parse(&event_target_value(&ev)).unwrap_or_default();
                            form.update(|f| f.by = by);
                        }>
                            <option value="rule">{tr("按规则", "rule")}</option>
                            <option value="department">{tr("按规则 × 科室", "rule × department")}</option>
                            <option value="drug">{tr("按规则 × 药品", "rule × drug")}</option>
                        </select>
                    </label>
                    <label>{tr("排序", "Order")}
                        <select id="qa-alerts-sort" on:change=move |ev| sort.set(SortKey::parse(&event_target_value(&ev)))>
                            {SortKey::ALL.into_iter().map(|k| { let (zh, en) = k.label(); view! { <option value=k.as_str()>{tr(zh, en)}</option> } }).collect_view()}
                        </select>
                    </label>
                    <button type="button" class="small" on:click=move |_| load()>{tr("刷新", "Refresh")}</button>
                    <button type="button" class="small" id="qa-alerts-csv" on:click=download>{tr("导出 CSV", "Export CSV")}</button>
                </div>
                <p class="login-error" role="alert">{move || csv_error.get()}</p>
            </header>
            {move || match data.get() {
                None => view! { <p class="note">{tr("加载中…", "Loading…")}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="login-error" role="alert">{e}</p> }.into_any(),
                Some(Ok(q)) => view! { <AlertsTable q=q sort=sort /> }.into_any(),
            }}
            <p class="note">{tr(
                "触发：医生看到的提示（院内调整后；不提示与影子规则的不计）。医生保留：医生说明理由后保留的提示。驳回率：质控驳回 ÷（确认 + 驳回）。准确率：影子发现中质控确认 ÷（确认 + 驳回）。无可计算的比率显示“无数据”。",
                "Fired: the alerts doctors saw (after the hospital's tuning; suppressed and shadow ones not counted). Kept: alerts the doctor kept with a reason. Dismissal rate: QA's dismissals ÷ (confirmed + dismissed). Precision: of the shadow findings QA judged, the confirmed share. A rate with nothing to rate reads “no data”.",
            )}</p>
        </div>
    }
}

/// A figure or 无数据.
fn figure(v: Option<String>) -> AnyView {
    match v {
        Some(v) => v.into_any(),
        None => view! { <span class="nodata">{tr("无数据", "no data")}</span> }.into_any(),
    }
}

#[component]
fn AlertsTable(q: AlertQuality, sort: RwSignal<SortKey>) -> impl IntoView {
    let (gzh, gzen) = al::group_heading(q.by);
    let grouped = q.by != AlertGroup::Rule;
    let period = trs(
        format!(
            "{} 至 {}，共 {} 份文书",
            q.period.from, q.period.to, q.documents
        ),
        format!(
            "{} to {}, {} documents",
            q.period.from, q.period.to, q.documents
        ),
    );
    let empty = q.rows.is_empty();
    let rows = move || al::lines(&q, sort.get());
    view! {
        <p class="qa-alerts-period" id="qa-alerts-period">{period}</p>
        {empty.then(|| view! { <p class="note" id="qa-alerts-empty">{tr("本期没有提示、影子发现或质控判定。", "No alert, shadow finding or QA decision in this period.")}</p> })}
        <div class="qa-alerts-scroll">
        <table class="records-table" id="qa-alerts" hidden=empty>
            <thead><tr>
                <th scope="col">{tr("规则", "Rule")}</th>
                {grouped.then(|| view! { <th scope="col">{tr(gzh, gzen)}</th> })}
                <th scope="col">{tr("文书数", "Documents")}</th>
                <th scope="col">{tr("触发", "Fired")}</th>
                <th scope="col">{tr("每百份", "Per 100")}</th>
                <th scope="col">{tr("医生保留", "Kept")}</th>
                <th scope="col">{tr("保留率", "Override rate")}</th>
                <th scope="col">{tr("保留理由", "Reasons")}</th>
                <th scope="col">{tr("质控确认/驳回", "QA confirmed / dismissed")}</th>
                <th scope="col">{tr("驳回率", "Dismissal rate")}</th>
                <th scope="col">{tr("影子发现", "Shadow")}</th>
                <th scope="col">{tr("影子确认/驳回", "Shadow confirmed / dismissed")}</th>
                <th scope="col">{tr("准确率", "Precision")}</th>
            </tr></thead>
            <tbody>
                {move || rows().into_iter().map(|l| view! { <AlertRowView l=l grouped=grouped /> }).collect_view()}
            </tbody>
        </table>
        </div>
    }
}

#[component]
fn AlertRowView(l: AlertLine, grouped: bool) -> impl IntoView {
    let sev = match l.severity {
        Some(opdcheck_engine::Severity::Error) => "error",
        Some(opdcheck_engine::Severity::Warning) => "warning",
        Some(opdcheck_engine::Severity::Info) => "info",
        None => "",
    };
    let group = l.group.clone();
    let reasons = l.reasons.clone();
    view! {
        <tr data-rule=l.rule.clone() data-group=l.group.clone().unwrap_or_default() class=sev>
            <td class="a-rule"><code>{l.rule.clone()}</code> " " <span class="a-title">{trs(l.title.0.clone(), l.title.1.clone())}</span></td>
            {grouped.then(|| view! { <td class="a-group">{match group {
                Some(g) => g.into_any(),
                None => tr("未注明", "not given").into_any(),
            }}</td> })}
            <td class="a-documents num">{l.documents}</td>
            <td class="a-fired num">{l.fired}</td>
            <td class="a-per100 num">{figure(l.per_100)}</td>
            <td class="a-overridden num">{l.overridden}</td>
            <td class="a-override-rate num">{figure(l.override_rate)}</td>
            <td class="a-reasons">
                {(!reasons.is_empty()).then(|| view! {
                    <ul>{reasons.into_iter().map(|(choice, label, n)| {
                        let shown = if label.is_empty() { None } else { Some(label.clone()) };
                        view! { <li data-choice=choice.unwrap_or_default() data-label=label data-count=n.to_string()>
                            {match shown { Some(s) => s.into_any(), None => tr("自述理由", "own words").into_any() }}
                            " ×" {n}</li> }
                    }).collect_view()}</ul>
                })}
            </td>
            <td class="a-qa num"><span class="a-confirmed">{l.confirmed}</span> " / " <span class="a-dismissed">{l.dismissed}</span></td>
            <td class="a-dismissal-rate num">{figure(l.dismissal_rate)}</td>
            <td class="a-shadow num">{l.shadow}</td>
            <td class="a-shadow-qa num"><span class="a-shadow-confirmed">{l.shadow_confirmed}</span> " / " <span class="a-shadow-dismissed">{l.shadow_dismissed}</span></td>
            <td class="a-precision num">{figure(l.precision)}</td>
        </tr>
    }
}
