//! The score sheet and dashboards: the month's sheet against the targets, the trend, the rules
//! that fire most.

use leptos::prelude::*;
use leptos::task::spawn_local;
use opdcheck_engine::Lang;

use super::trend::TrendChart;
use super::{failure, kind_label, token};
use crate::auth::Auth;
use crate::model::{self as qa, RuleRates, ScoreSheet, Trend, percent, verdict};
use opdcheck_web::api;
use opdcheck_web::clock::now_stamp;
use opdcheck_web::labels::{lang, tr, trs};

#[component]
pub(super) fn SheetPanel(ctx: Auth) -> impl IntoView {
    let lang = lang();
    let today = now_stamp();
    let (first, last) = qa::month_of(&today);
    let from = RwSignal::new(first);
    let to = RwSignal::new(last.clone());
    let group = RwSignal::new("department".to_string());
    let sheet = RwSignal::new(None::<Result<ScoreSheet, String>>);
    let trend = RwSignal::new(None::<Trend>);
    let rules = RwSignal::new(None::<RuleRates>);
    let csv_error = RwSignal::new(String::new());
    let query = move || {
        vec![
            ("from", from.get_untracked()),
            ("to", to.get_untracked()),
            ("group", group.get_untracked()),
        ]
    };
    let load = move || {
        let Some(t) = token(ctx) else { return };
        let q = query();
        // The trend: the six months up to the period's end.
        let trend_q = vec![
            ("from", qa::months_back(&to.get_untracked(), 5)),
            ("to", to.get_untracked()),
        ];
        let rules_q = vec![("from", from.get_untracked()), ("to", to.get_untracked())];
        spawn_local(async move {
            let s = api::get_json::<ScoreSheet>(&t, "/api/v1/sheet", &q)
                .await
                .map_err(|e| failure(ctx, e));
            sheet.set(Some(s));
            trend.set(
                api::get_json::<Trend>(&t, "/api/v1/sheet/trend", &trend_q)
                    .await
                    .ok(),
            );
            rules.set(
                api::get_json::<RuleRates>(&t, "/api/v1/sheet/rules", &rules_q)
                    .await
                    .ok(),
            );
        });
    };
    Effect::new(move |_| {
        from.track();
        to.track();
        group.track();
        load();
    });
    let download = move |_| {
        let Some(t) = token(ctx) else { return };
        let q = query();
        let name = format!(
            "opdcheck-sheet-{}-{}.csv",
            from.get_untracked(),
            to.get_untracked()
        );
        download_csv(ctx, t, "/api/v1/sheet.csv", q, name, csv_error);
    };
    view! {
        <div class="qa-sheet">
            <header class="qa-head">
                <h2>{tr("门诊文书质控统计", "Outpatient document QA: score sheet")}</h2>
                <p class="print-only">{move || format!("{} — {}", from.get(), to.get())}</p>
                <div class="qa-filters no-print">
                    <label>{tr("自", "From")} <input type="date" id="qa-from" prop:value=move || from.get() on:change=move |ev| from.set(event_target_value(&ev)) /></label>
                    <label>{tr("至", "To")} <input type="date" id="qa-to" prop:value=move || to.get() on:change=move |ev| to.set(event_target_value(&ev)) /></label>
                    <label>{tr("分组", "Group by")}
                        <select id="qa-group" on:change=move |ev| group.set(event_target_value(&ev))>
                            <option value="department">{tr("科室", "department")}</option>
                            <option value="doctor">{tr("医师", "doctor")}</option>
                            <option value="kind">{tr("文书类型", "kind")}</option>
                            <option value="document">{tr("逐份文书", "document")}</option>
                        </select>
                    </label>
                    <button type="button" class="small" on:click=move |_| load()>{tr("刷新", "Refresh")}</button>
                    <button type="button" class="small" id="qa-csv" on:click=download>{tr("导出 CSV", "Export CSV")}</button>
                    <button type="button" class="small" id="qa-print" on:click=move |_| { let _ = window().print(); }>{tr("打印报表", "Print")}</button>
                </div>
                <p class="login-error" role="alert">{move || csv_error.get()}</p>
            </header>
            {move || match sheet.get() {
                None => view! { <p class="note">{tr("加载中…", "Loading…")}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="login-error" role="alert">{e}</p> }.into_any(),
                Some(Ok(s)) => view! { <SheetBody sheet=s /> }.into_any(),
            }}
            <div class="qa-charts">
                <figure class="qa-trend">
                    <figcaption>{tr("近六个月合格率趋势", "Pass rates, last six months")}</figcaption>
                    {move || trend.get().map(|t| view! { <TrendChart trend=t /> })}
                </figure>
                <div class="qa-rules">
                    <h3>{tr("触发最多的规则与驳回率", "Rules that fire most, and QA's dismissal rate")}</h3>
                    {move || rules.get().map(|r| view! { <RulesTable rules=r /> })}
                </div>
            </div>
            <p class="note">{move || if lang.get() == Lang::Zh {
                "已评审的记录按质控判定计入，其余按服务器复核结果计入。罚款按医院考核标准：合格率每低1个百分点及每例漏报的金额见上。"
            } else {
                "Reviewed records count with QA's judgement, the others with the server's check. Penalties as the hospital's assessment sets them, per point below target and per missed report."
            }}</p>
        </div>
    }
}

/// Fetch a CSV of the server's with the session (a plain link would carry no token) and save
/// it as `name`; a failure is said in `error`.
pub(super) fn download_csv(
    ctx: Auth,
    token: String,
    path: &'static str,
    query: Vec<(&'static str, String)>,
    name: String,
    error: RwSignal<String>,
) {
    spawn_local(async move {
        match api::get_text(&token, path, &query).await {
            Ok(text) => {
                error.set(String::new());
                // The server's CSV starts with a BOM (spreadsheets read the Chinese right by
                // it); reading the body as text dropped it.
                let text = if text.starts_with('\u{feff}') {
                    text
                } else {
                    format!("\u{feff}{text}")
                };
                if let Err(e) = save_file(&name, &text, "text/csv;charset=utf-8") {
                    error.set(e);
                }
            }
            Err(e) => error.set(failure(ctx, e)),
        }
    });
}

/// Offer a text as a file download (a Blob URL clicked by a temporary link).
pub(super) fn save_file(name: &str, text: &str, mime: &str) -> Result<(), String> {
    use wasm_bindgen::JsCast;
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts)
        .map_err(|_| "cannot make the file".to_string())?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)
        .map_err(|_| "cannot make the file's URL".to_string())?;
    let a = document()
        .create_element("a")
        .map_err(|_| "cannot make a link".to_string())?
        .dyn_into::<web_sys::HtmlAnchorElement>()
        .map_err(|_| "cannot make a link".to_string())?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

#[component]
fn SheetBody(sheet: ScoreSheet) -> impl IntoView {
    let r = &sheet.rates;
    let met = |m: Option<bool>| match m {
        Some(true) => ("ok", tr("达标", "met")),
        Some(false) => ("bad", tr("未达标", "not met")),
        None => ("", tr("无数据", "no data")),
    };
    let card = |id: &'static str,
                zh: &'static str,
                en: &'static str,
                value: String,
                target: String,
                m: Option<bool>,
                extra: Signal<String>| {
        let (cls, label) = met(m);
        view! {
            <div class="qa-card" id=id>
                <h3>{tr(zh, en)}</h3>
                <p class="qa-value">{value}</p>
                <p class="qa-target">{target} " " <span class=format!("badge {cls}")>{label}</span></p>
                <p class="qa-extra">{extra}</p>
            </div>
        }
    };
    let rx = r.prescription_pass_rate.clone();
    let mr = r.record_pass_rate.clone();
    let missed = r.missed_reports.clone();
    let abx = r.antibiotic_share.clone();
    let t = sheet.totals.clone();
    let p = sheet.penalties.clone();
    view! {
        <div class="qa-cards">
            {card("qa-card-rx", "门诊处方合格率", "Prescription pass rate", percent(rx.value),
                format!("≥ {} %", rx.target), verdict(rx.value, rx.met),
                trs(format!("{} 张；罚款 {} 元", rx.records, rx.penalty_yuan), format!("{} prescriptions; penalty ¥{}", rx.records, rx.penalty_yuan)))}
            {card("qa-card-mr", "门诊病历书写合格率", "Record pass rate", percent(mr.value),
                format!("≥ {} %", mr.target), verdict(mr.value, mr.met),
                trs(format!("{} 份；罚款 {} 元", mr.records, mr.penalty_yuan), format!("{} records; penalty ¥{}", mr.records, mr.penalty_yuan)))}
            {card("qa-card-missed", "法定传染病漏报", "Missed infectious-disease reports", missed.cases.to_string(),
                trs("目标 0 例".into(), "target 0".into()).get_untracked(), Some(missed.met),
                trs(format!("罚款 {} 元（每例 {} 元）", missed.penalty_yuan, p.per_missed_case_yuan), format!("penalty ¥{} (¥{} a case)", missed.penalty_yuan, p.per_missed_case_yuan)))}
            {card("qa-card-abx", "门诊抗菌药物处方比例", "Antibiotic prescriptions", percent(abx.value),
                format!("≤ {} %", abx.max), verdict(abx.value, abx.met),
                trs(format!("{} / {} 张处方", abx.with_antibiotics, abx.prescriptions), format!("{} of {} prescriptions", abx.with_antibiotics, abx.prescriptions)))}
            <div class="qa-card" id="qa-card-total">
                <h3>{tr("合计", "In all")}</h3>
                <p class="qa-value" id="qa-total-deduction">{trs(format!("扣 {} 分", t.deduction), format!("−{} points", t.deduction))}</p>
                <p class="qa-target">{trs(format!("{} 份，合格 {}（{}）", t.records, t.qualified, percent(t.pass_rate)), format!("{} documents, {} qualified ({})", t.records, t.qualified, percent(t.pass_rate)))}</p>
                <p class="qa-extra">{trs(format!("罚款合计 {} 元；已评审 {} 份", p.total_yuan, sheet.reviewed), format!("penalties ¥{}; {} reviewed", p.total_yuan, sheet.reviewed))}</p>
            </div>
        </div>
        <table class="records-table qa-groups" id="qa-groups">
            <thead><tr>
                <th scope="col">{tr("分组", "Group")}</th>
                <th scope="col">{tr("文书数", "Documents")}</th>
                <th scope="col">{tr("合格", "Qualified")}</th>
                <th scope="col">{tr("合格率", "Pass rate")}</th>
                <th scope="col">{tr("扣分", "Deduction")}</th>
                <th scope="col">{tr("已评审", "Reviewed")}</th>
            </tr></thead>
            <tbody>
                {sheet.groups.into_iter().map(|g| {
                    let key = match &g.kind {
                        Some(k) => { let (zh, _) = kind_label(k); format!("{} · {zh}", g.key) }
                        None => { let (zh, en) = kind_label(&g.key); if zh == "其他" { g.key.clone() } else { format!("{zh} / {en}") } }
                    };
                    view! {
                        <tr>
                            <td>{key}</td>
                            <td>{g.records}</td>
                            <td>{g.qualified}</td>
                            <td>{percent(g.pass_rate)}</td>
                            <td>{trs(format!("{} 分", g.deduction), format!("{} points", g.deduction))}</td>
                            <td>{g.reviewed}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn RulesTable(rules: RuleRates) -> impl IntoView {
    view! {
        <table class="records-table" id="qa-rules">
            <thead><tr>
                <th scope="col">{tr("规则", "Rule")}</th>
                <th scope="col">{tr("考核项", "Item")}</th>
                <th scope="col">{tr("触发次数", "Hits")}</th>
                <th scope="col">{tr("涉及文书", "Documents")}</th>
                <th scope="col">{tr("已评审", "Reviewed")}</th>
                <th scope="col">{tr("驳回", "Dismissed")}</th>
                <th scope="col">{tr("驳回率", "Dismissal rate")}</th>
            </tr></thead>
            <tbody>
                {rules.rules.into_iter().take(15).map(|r| view! {
                    <tr>
                        <td><code>{r.rule.clone()}</code></td>
                        <td>{r.item.clone().unwrap_or_default()}</td>
                        <td>{r.hits}</td>
                        <td>{r.records}</td>
                        <td>{r.reviewed_hits}</td>
                        <td>{r.dismissed}</td>
                        <td>{percent(r.dismissal_rate.map(|v| v * 100.0))}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
