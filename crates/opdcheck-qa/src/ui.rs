//! The QA workspace (质控): the month's score sheet and dashboards, samples drawn from the
//! synced records, and the review pane where QA confirms or dismisses each automatic finding
//! and records the manual checklist's deductions. Everything comes from the API (qa and admin
//! roles); the logic is in [`crate::model`].

use leptos::prelude::*;
use leptos::task::spawn_local;
use opdcheck_engine::{Engine, Lang, Severity};
use serde_json::Value;

use crate::auth::Auth;
use crate::model::{
    self as qa, Decision, ReviewBundle, ReviewDraft, ReviewResponse, RuleRates, Sample, SampleForm,
    SampleList, SampleResponse, SampleSummary, ScoreSheet, Trend, chart_frame, chart_runs, chart_x,
    chart_y, percent,
};
use opdcheck_web::api::{self, CallError};
use opdcheck_web::clock::now_stamp;
use opdcheck_web::labels::{lang, tr, trs};

/// The policy the server checks with, once read (else the embedded default is used).
#[derive(Clone, Copy)]
struct ServerPolicy(RwSignal<Option<std::sync::Arc<opdcheck_engine::Policy>>>);

/// Where in the workspace QA is.
#[derive(Debug, Clone, PartialEq)]
enum View {
    Sheet,
    Samples,
    Sample(String),
    Review { id: String, sample: Option<String> },
}

/// The workspace: needs a QA or admin sign-in (the server enforces it; this only says so).
#[component]
pub fn QaPage(auth: Auth) -> impl IntoView {
    let ctx = auth;
    // The server's policy (an admin may have overridden the default): the review's live total
    // is scored with it, as the server scores the saved review.
    let policy = ServerPolicy(RwSignal::new(None));
    provide_context(policy);
    Effect::new(move |_| {
        let Some(t) = token(ctx) else { return };
        spawn_local(async move {
            #[derive(serde::Deserialize)]
            struct Answer {
                policy: opdcheck_engine::Policy,
            }
            if let Ok(a) = api::get_json::<Answer>(&t, "/api/v1/policy", &[]).await {
                policy.0.set(Some(std::sync::Arc::new(a.policy)));
            }
        });
    });
    let view = RwSignal::new(View::Sheet);
    let role = move || {
        ctx.session
            .with(|s| s.as_ref().map(|s| s.user.role.clone()))
    };
    view! {
        <section class="qa">
            {move || match role() {
                None => ().into_any(),
                Some(r) if r != "qa" && r != "admin" => view! {
                    <p class="note" role="alert">{tr("当前账号不是质控或管理员角色，无权查看质控数据。", "This account is neither QA nor admin: the QA data is not open to it.")}
                        " " <button type="button" class="small" on:click=move |_| ctx.ask_sign_out()>{tr("换个账号登录", "Sign in as someone else")}</button></p>
                }.into_any(),
                Some(_) => view! {
                    <nav class="qa-tabs no-print" aria-label=tr("质控", "QA")>
                        <button type="button" id="qa-tab-sheet" aria-pressed=move || (view.get() == View::Sheet).to_string()
                            on:click=move |_| view.set(View::Sheet)>{tr("统计报表", "Score sheet")}</button>
                        <button type="button" id="qa-tab-samples" aria-pressed=move || (view.get() != View::Sheet).to_string()
                            on:click=move |_| view.set(View::Samples)>{tr("抽样评审", "Samples and reviews")}</button>
                    </nav>
                    {move || match view.get() {
                        View::Sheet => view! { <SheetPanel ctx=ctx /> }.into_any(),
                        View::Samples => view! { <SamplesPanel ctx=ctx view=view /> }.into_any(),
                        View::Sample(id) => view! { <SamplePanel ctx=ctx id=id view=view /> }.into_any(),
                        View::Review { id, sample } => view! { <ReviewPanel ctx=ctx id=id sample=sample view=view /> }.into_any(),
                    }}
                }.into_any(),
            }}
        </section>
    }
}

fn token(ctx: Auth) -> Option<String> {
    ctx.token()
}

/// An API failure as the page says it; a session the server ended (401) brings the sign-in
/// form back, saying why.
fn failure(ctx: Auth, e: CallError) -> String {
    if e == CallError::Unauthorized {
        ctx.expire();
    }
    e.message()
}

fn kind_label(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "prescription" => ("处方", "prescription"),
        "outpatient_record" => ("门诊病历", "outpatient record"),
        "exam_request" => ("检查/检验申请单", "exam request"),
        "infectious_report" => ("传染病报告卡", "report card"),
        "visit" => ("就诊", "visit"),
        _ => ("其他", "other"),
    }
}

const KINDS: [&str; 4] = [
    "prescription",
    "outpatient_record",
    "exam_request",
    "infectious_report",
];

// ---------------------------------------------------------------------------------------------
// Score sheet and dashboards
// ---------------------------------------------------------------------------------------------

#[component]
fn SheetPanel(ctx: Auth) -> impl IntoView {
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
        spawn_local(async move {
            match api::get_text(&t, "/api/v1/sheet.csv", &q).await {
                Ok(text) => {
                    csv_error.set(String::new());
                    // The server's CSV starts with a BOM (spreadsheets read the Chinese right by
                    // it); reading the body as text dropped it.
                    let text = if text.starts_with('\u{feff}') {
                        text
                    } else {
                        format!("\u{feff}{text}")
                    };
                    if let Err(e) = save_file(&name, &text, "text/csv;charset=utf-8") {
                        csv_error.set(e);
                    }
                }
                Err(e) => csv_error.set(failure(ctx, e)),
            }
        });
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

/// Offer a text as a file download (a Blob URL clicked by a temporary link).
fn save_file(name: &str, text: &str, mime: &str) -> Result<(), String> {
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
                format!("≥ {} %", rx.target), Some(rx.met),
                trs(format!("{} 张；罚款 {} 元", rx.records, rx.penalty_yuan), format!("{} prescriptions; penalty ¥{}", rx.records, rx.penalty_yuan)))}
            {card("qa-card-mr", "门诊病历书写合格率", "Record pass rate", percent(mr.value),
                format!("≥ {} %", mr.target), Some(mr.met),
                trs(format!("{} 份；罚款 {} 元", mr.records, mr.penalty_yuan), format!("{} records; penalty ¥{}", mr.records, mr.penalty_yuan)))}
            {card("qa-card-missed", "法定传染病漏报", "Missed infectious-disease reports", missed.cases.to_string(),
                trs("目标 0 例".into(), "target 0".into()).get_untracked(), Some(missed.met),
                trs(format!("罚款 {} 元（每例 {} 元）", missed.penalty_yuan, p.per_missed_case_yuan), format!("penalty ¥{} (¥{} a case)", missed.penalty_yuan, p.per_missed_case_yuan)))}
            {card("qa-card-abx", "门诊抗菌药物处方比例", "Antibiotic prescriptions", percent(abx.value),
                format!("≤ {} %", abx.max), Some(abx.met),
                trs(format!("{} / {} 张处方", abx.with_antibiotics, abx.prescriptions), format!("{} of {} prescriptions", abx.with_antibiotics, abx.prescriptions)))}
            <div class="qa-card" id="qa-card-total">
                <h3>{tr("合计", "In all")}</h3>
                <p class="qa-value" id="qa-total-deduction">{format!("−{}", t.deduction)}</p>
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
                            <td>{format!("{}", g.deduction)}</td>
                            <td>{g.reviewed}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// Pass rates by month, drawn as SVG: a line per rate and dashed target lines.
#[component]
fn TrendChart(trend: Trend) -> impl IntoView {
    let (left, right, top, bottom) = chart_frame();
    let thresholds = &Engine::default_engine().policy.thresholds;
    let rx: Vec<Option<f64>> = trend
        .months
        .iter()
        .map(|m| m.prescription_pass_rate)
        .collect();
    let mr: Vec<Option<f64>> = trend.months.iter().map(|m| m.record_pass_rate).collect();
    let n = trend.months.len();
    let targets = [
        thresholds.prescription_pass_rate,
        thresholds.record_pass_rate,
    ];
    let floor = qa::chart_floor(&[rx.clone(), mr.clone()].concat(), &targets);
    let target_line = move |v: f64, class: &'static str| {
        let y = chart_y(v, floor);
        view! { <line class=class x1=left x2=right y1=y y2=y></line> }
    };
    view! {
        <svg class="chart" viewBox=format!("0 0 {} {}", qa::CHART_W, qa::CHART_H) role="img"
            aria-label=tr("合格率趋势图", "Pass rate trend")>
            <line class="axis" x1=left x2=left y1=top y2=bottom></line>
            <line class="axis" x1=left x2=right y1=bottom y2=bottom></line>
            {[floor, (floor + 100.0) / 2.0, 100.0].into_iter().map(|v| view! {
                <text class="tick" x=left - 6.0 y=chart_y(v, floor) + 4.0 text-anchor="end">{format!("{v}")}</text>
            }).collect_view()}
            {target_line(thresholds.prescription_pass_rate, "target rx")}
            {target_line(thresholds.record_pass_rate, "target mr")}
            {chart_runs(&rx, floor).into_iter().map(|p| view! { <polyline class="series rx" points=p></polyline> }).collect_view()}
            {chart_runs(&mr, floor).into_iter().map(|p| view! { <polyline class="series mr" points=p></polyline> }).collect_view()}
            {trend.months.iter().enumerate().map(|(i, m)| view! {
                <text class="tick" x=chart_x(i, n) y=bottom + 18.0 text-anchor="middle">{m.month.clone()}</text>
            }).collect_view()}
        </svg>
        <p class="legend">
            <span class="key rx"></span>{tr("处方合格率", "prescriptions")}
            <span class="key mr"></span>{tr("病历书写合格率", "records")}
            <span class="key target"></span>{tr("目标", "target")}
        </p>
        {(n == 0).then(|| view! { <p class="note">{tr("该时段没有记录。", "No records in this period.")}</p> })}
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

// ---------------------------------------------------------------------------------------------
// Samples
// ---------------------------------------------------------------------------------------------

#[component]
fn SamplesPanel(ctx: Auth, view: RwSignal<View>) -> impl IntoView {
    let (first, last) = qa::month_of(&now_stamp());
    let form = RwSignal::new(SampleForm {
        from: first,
        to: last,
        kinds: vec!["prescription".into()],
        ..SampleForm::default()
    });
    let error = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let list = RwSignal::new(None::<Result<Vec<SampleSummary>, String>>);
    Effect::new(move |_| {
        let Some(t) = token(ctx) else { return };
        spawn_local(async move {
            let r = api::get_json::<SampleList>(&t, "/api/v1/samples", &[])
                .await
                .map(|l| l.samples)
                .map_err(|e| failure(ctx, e));
            list.set(Some(r));
        });
    });
    let lang = lang();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = match form.with_untracked(SampleForm::body) {
            Ok(b) => b,
            Err((_, zh, en)) => {
                error.set(
                    if lang.get_untracked() == Lang::Zh {
                        zh
                    } else {
                        en
                    }
                    .to_string(),
                );
                return;
            }
        };
        let Some(t) = token(ctx) else { return };
        busy.set(true);
        spawn_local(async move {
            match api::send_json::<SampleResponse>("POST", &t, "/api/v1/samples", &body).await {
                Ok(c) => {
                    error.set(String::new());
                    view.set(View::Sample(c.sample.id));
                }
                Err(e) => error.set(failure(ctx, e)),
            }
            busy.set(false);
        });
    };
    let text = move |get: fn(&SampleForm) -> String, set: fn(&mut SampleForm, String)| {
        (
            move || form.with(get),
            move |ev| {
                let v = event_target_value(&ev);
                form.update(|f| set(f, v));
            },
        )
    };
    let (from_v, from_in) = text(|f| f.from.clone(), |f, v| f.from = v);
    let (to_v, to_in) = text(|f| f.to.clone(), |f, v| f.to = v);
    let (name_v, name_in) = text(|f| f.name.clone(), |f, v| f.name = v);
    let (dept_v, dept_in) = text(|f| f.departments.clone(), |f, v| f.departments = v);
    let (doc_v, doc_in) = text(|f| f.doctors.clone(), |f, v| f.doctors = v);
    let (size_v, size_in) = text(|f| f.size.clone(), |f, v| f.size = v);
    let (seed_v, seed_in) = text(|f| f.seed.clone(), |f, v| f.seed = v);
    view! {
        <div class="qa-samples">
            <form class="qa-sample-form" on:submit=submit>
                <h2>{tr("抽取样本", "Draw a sample")}</h2>
                <p class="note">{tr("按科室、医师分层随机抽取；同样的条件与种子得到同样的样本。样本量留空则按政策：处方每月至少100张或千分之一。", "Stratified by department and doctor, at random; the same parameters and seed give the same sample. Leave the size empty for the policy's: at least 100 prescriptions a month, or 1‰.")}</p>
                <div class="qa-grid">
                    <label>{tr("名称", "Name")} <input id="qa-sample-name" prop:value=name_v on:input=name_in /></label>
                    <label>{tr("自", "From")} <input type="date" id="qa-sample-from" prop:value=from_v on:input=from_in /></label>
                    <label>{tr("至", "To")} <input type="date" id="qa-sample-to" prop:value=to_v on:input=to_in /></label>
                    <fieldset class="qa-kinds">
                        <legend>{tr("文书类型", "Kinds")}</legend>
                        {KINDS.into_iter().map(|k| {
                            let (zh, en) = kind_label(k);
                            view! {
                                <label class="check">
                                    <input type="checkbox" id=format!("qa-kind-{k}") prop:checked=move || form.with(|f| f.kinds.iter().any(|x| x == k))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            form.update(|f| {
                                                f.kinds.retain(|x| x != k);
                                                if on { f.kinds.push(k.to_string()) }
                                            });
                                        } />
                                    {tr(zh, en)}
                                </label>
                            }
                        }).collect_view()}
                    </fieldset>
                    <label>{tr("科室（逗号分隔，留空为全部）", "Departments (comma-separated; empty: all)")} <input id="qa-sample-departments" prop:value=dept_v on:input=dept_in /></label>
                    <label>{tr("医师（逗号分隔，留空为全部）", "Doctors (comma-separated; empty: all)")} <input id="qa-sample-doctors" prop:value=doc_v on:input=doc_in /></label>
                    <label>{tr("每类样本量", "Size per kind")} <input type="number" min="1" id="qa-sample-size" prop:value=size_v on:input=size_in /></label>
                    <label>{tr("随机种子（可选）", "Seed (optional)")} <input type="number" min="0" id="qa-sample-seed" prop:value=seed_v on:input=seed_in /></label>
                </div>
                <button type="submit" class="primary" id="qa-sample-draw" disabled=move || busy.get()>{tr("抽样", "Draw")}</button>
                <p class="login-error" role="alert">{move || error.get()}</p>
            </form>
            <h2>{tr("已有样本", "Samples")}</h2>
            {move || match list.get() {
                None => ().into_any(),
                Some(Err(e)) => view! { <p class="login-error" role="alert">{e}</p> }.into_any(),
                Some(Ok(samples)) if samples.is_empty() => view! { <p class="note">{tr("还没有样本。", "No sample yet.")}</p> }.into_any(),
                Some(Ok(samples)) => view! {
                    <table class="records-table" id="qa-sample-list">
                        <thead><tr>
                            <th scope="col">{tr("样本", "Sample")}</th>
                            <th scope="col">{tr("时段", "Period")}</th>
                            <th scope="col">{tr("记录", "Records")}</th>
                            <th scope="col">{tr("已评审", "Reviewed")}</th>
                            <th scope="col">{tr("抽样人", "By")}</th>
                            <th scope="col"></th>
                        </tr></thead>
                        <tbody>
                            {samples.into_iter().map(|s| {
                                let id = s.id.clone();
                                view! {
                                    <tr>
                                        <td>{s.name.clone().unwrap_or_else(|| s.id.clone())}</td>
                                        <td>{format!("{} — {}", s.from, s.to)}</td>
                                        <td>{s.records}</td>
                                        <td>{s.reviewed}</td>
                                        <td>{s.created_by.clone()}</td>
                                        <td><button type="button" class="small" on:click=move |_| view.set(View::Sample(id.clone()))>{tr("打开", "Open")}</button></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
        </div>
    }
}

#[component]
fn SamplePanel(ctx: Auth, id: String, view: RwSignal<View>) -> impl IntoView {
    let sample = RwSignal::new(None::<Result<Sample, String>>);
    let add = RwSignal::new(String::new());
    let add_error = RwSignal::new(String::new());
    {
        let id = id.clone();
        Effect::new(move |_| {
            let Some(t) = token(ctx) else { return };
            let path = format!("/api/v1/samples/{}", urlencode(&id));
            spawn_local(async move {
                let r = api::get_json::<SampleResponse>(&t, &path, &[])
                    .await
                    .map(|o| o.sample)
                    .map_err(|e| failure(ctx, e));
                sample.set(Some(r));
            });
        });
    }
    let add_records = {
        let id = id.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let ids = qa::split_list(&add.get_untracked());
            if ids.is_empty() {
                return;
            }
            let Some(t) = token(ctx) else { return };
            let path = format!("/api/v1/samples/{}/records", urlencode(&id));
            spawn_local(async move {
                match api::send_json::<SampleResponse>(
                    "POST",
                    &t,
                    &path,
                    &serde_json::json!({"ids": ids}),
                )
                .await
                {
                    Ok(o) => {
                        add.set(String::new());
                        add_error.set(String::new());
                        sample.set(Some(Ok(o.sample)));
                    }
                    Err(e) => add_error.set(failure(ctx, e)),
                }
            });
        }
    };
    let lang = lang();
    view! {
        <div class="qa-sample">
            <p class="no-print"><button type="button" class="small" on:click=move |_| view.set(View::Samples)>{tr("← 全部样本", "← All samples")}</button></p>
            {move || match sample.get() {
                None => view! { <p class="note">{tr("加载中…", "Loading…")}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="login-error" role="alert">{e}</p> }.into_any(),
                Some(Ok(s)) => {
                    let (done, all) = s.progress();
                    let sid = s.id.clone();
                    view! {
                        <h2>{s.name.clone().unwrap_or_else(|| s.id.clone())}</h2>
                        <p class="note" id="qa-sample-progress">{move || if lang.get() == Lang::Zh {
                            format!("{} — {}，{} 份，已评审 {done} / {all}；种子 {}", s.from, s.to, all, s.seed)
                        } else {
                            format!("{} — {}, {} records, {done} of {all} reviewed; seed {}", s.from, s.to, all, s.seed)
                        }}</p>
                        <table class="records-table" id="qa-sample-records">
                            <thead><tr>
                                <th scope="col">{tr("文书", "Document")}</th>
                                <th scope="col">{tr("类型", "Kind")}</th>
                                <th scope="col">{tr("科室", "Department")}</th>
                                <th scope="col">{tr("医师", "Doctor")}</th>
                                <th scope="col">{tr("日期", "Date")}</th>
                                <th scope="col">{tr("自动检查", "Automatic check")}</th>
                                <th scope="col">{tr("质控评审", "QA review")}</th>
                                <th scope="col"></th>
                            </tr></thead>
                            <tbody>
                                {s.records.clone().into_iter().map(|r| {
                                    let (zh, en) = kind_label(&r.kind);
                                    let rid = r.id.clone();
                                    let sid = sid.clone();
                                    let review = match (r.reviewed, r.review_deduction, r.review_qualified) {
                                        (true, Some(d), Some(q)) => trs(format!("{}，−{d}", if q { "合格" } else { "不合格" }), format!("{}, −{d}", if q { "qualified" } else { "not qualified" })),
                                        (true, _, _) => trs("已评审".into(), "reviewed".into()),
                                        _ => trs("未评审".into(), "not reviewed".into()),
                                    };
                                    view! {
                                        <tr data-record=r.id.clone()>
                                            <td><code>{r.id.clone()}</code> " v" {r.version}</td>
                                            <td>{tr(zh, en)}</td>
                                            <td>{r.department.clone().unwrap_or_default()}</td>
                                            <td>{r.doctor.clone().unwrap_or_default()}</td>
                                            <td>{r.doc_at.clone().unwrap_or_default().chars().take(10).collect::<String>()}</td>
                                            <td><span class="badge" class:ok=r.qualified class:bad=!r.qualified>
                                                {if r.qualified { tr("合格", "qualified") } else { tr("不合格", "not qualified") }}</span>
                                                " " {format!("−{}", r.deduction)}</td>
                                            <td>{review}</td>
                                            <td><button type="button" class="small qa-review-open" on:click=move |_| view.set(View::Review { id: rid.clone(), sample: Some(sid.clone()) })>{tr("评审", "Review")}</button></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }
            }}
            <form class="qa-add no-print" on:submit=add_records>
                <label>{tr("加入指定记录（编号，逗号分隔）", "Add records by id (comma-separated)")}
                    <input id="qa-add-ids" prop:value=move || add.get() on:input=move |ev| add.set(event_target_value(&ev)) /></label>
                <button type="submit" class="small">{tr("加入", "Add")}</button>
                <p class="login-error" role="alert">{move || add_error.get()}</p>
            </form>
        </div>
    }
}

/// A record id in a URL path.
fn urlencode(s: &str) -> String {
    js_sys::encode_uri_component(s).into()
}

// ---------------------------------------------------------------------------------------------
// Review pane
// ---------------------------------------------------------------------------------------------

#[component]
fn ReviewPanel(
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
                                    " " <strong>{move || format!("−{}", total.get().0)}</strong>
                                    " " <small>{trs(format!("（自动检查 −{}）", record.deduction), format!("(automatic −{})", record.deduction))}</small>
                                </div>
                                <h3>{tr("自动检查发现", "Automatic findings")}</h3>
                                {findings.is_empty().then(|| view! { <p class="note">{tr("无。", "None.")}</p> })}
                                <ol class="qa-findings">
                                    {findings.into_iter().map(|f| view! { <FindingReview f=f draft=draft /> }).collect_view()}
                                </ol>
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

/// One automatic finding with QA's decision on it.
#[component]
fn FindingReview(f: opdcheck_engine::Finding, draft: RwSignal<ReviewDraft>) -> impl IntoView {
    let lang = lang();
    let (rule, path) = (f.rule.clone(), f.path.clone());
    let decision = {
        let (rule, path) = (rule.clone(), path.clone());
        Memo::new(move |_| draft.with(|d| d.decision(&rule, &path)))
    };
    let set = {
        let (rule, path) = (rule.clone(), path.clone());
        move |d: Decision| draft.update(|x| x.decide(&rule, &path, d))
    };
    let sev = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    };
    let dom = format!("qa-f-{}-{}", rule, path)
        .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "-");
    let (set1, set2, set3) = (set.clone(), set.clone(), set);
    view! {
        <li class=format!("qa-finding {sev}") id=dom.clone() data-rule=rule.clone() data-path=path.clone()>
            <p><code>{rule.clone()}</code> " " <span class="item">{f.item.clone()}</span> " "
                {move || if lang.get() == Lang::Zh { f.message.zh.clone() } else { f.message.en.clone() }}</p>
            <p class="clause">{f.clause.clone()} " · " <code>{path.clone()}</code></p>
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
                    format!("v{} 第{}版 · {} · {} · {} −{}", r.record_version, r.revision, r.reviewer, r.reviewed_at, if r.qualified { "合格" } else { "不合格" }, r.deduction),
                    format!("v{} revision {} · {} · {} · {} −{}", r.record_version, r.revision, r.reviewer, r.reviewed_at, if r.qualified { "qualified" } else { "not qualified" }, r.deduction),
                )}</li>
            }).collect_view()}
        </ol>
    }
}

/// The document laid out readably, like its paper form: the header fields, the patient, lists
/// as tables (a prescription's Rp), the signatures; a field with a finding is marked.
#[component]
fn Paper(body: Value, findings: Vec<opdcheck_engine::Finding>) -> impl IntoView {
    let flagged: Vec<String> = findings.iter().map(|f| f.path.clone()).collect();
    let marked = move |path: &str| {
        // A finding at the field, inside it, or at the whole it belongs to (`prescriber`).
        flagged.iter().any(|p| {
            p == path
                || p.starts_with(&format!("{path}."))
                || p.starts_with(&format!("{path}["))
                || path.starts_with(&format!("{p}."))
                || path.starts_with(&format!("{p}["))
        })
    };
    let Value::Object(map) = body else {
        return view! { <pre class="paper">{body.to_string()}</pre> }.into_any();
    };
    let mut rows = Vec::new();
    let mut tables = Vec::new();
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort_by_key(|k| paper_order(k));
    for k in keys {
        let v = &map[k];
        match v {
            Value::Array(items) if items.iter().any(Value::is_object) => {
                tables.push((k.clone(), items.clone()))
            }
            Value::Object(inner) if !is_quantity(v) => {
                let mut inner_keys: Vec<&String> = inner.keys().collect();
                inner_keys.sort_by_key(|k| paper_order(k));
                for k2 in inner_keys {
                    let p = format!("{k}.{k2}");
                    rows.push((
                        p.clone(),
                        format!("{} · {}", label(k), label(k2)),
                        scalar(&inner[k2]),
                        marked(&p),
                    ));
                }
            }
            _ => rows.push((k.clone(), label(k).to_string(), scalar(v), marked(k))),
        }
    }
    // An empty field is shown only where a finding points at it (a blank that matters).
    rows.retain(|(_, _, v, m)| *m || !v.is_empty());
    view! {
        <article class="paper" id="qa-paper">
            <dl class="paper-fields">
                {rows.into_iter().map(|(p, l, v, m)| view! {
                    <div class="paper-row" class:flagged=m data-path=p><dt>{l}</dt><dd>{v}</dd></div>
                }).collect_view()}
            </dl>
            {tables.into_iter().map(|(k, items)| {
                let mut cols: Vec<String> = Vec::new();
                for it in &items {
                    if let Value::Object(o) = it {
                        for c in o.keys() { if !cols.contains(c) { cols.push(c.clone()) } }
                    }
                }
                cols.sort_by_key(|c| paper_order(c));
                let head = cols.clone();
                view! {
                    <h4>{if k == "items" { "Rp." .to_string() } else { label(&k).to_string() }}</h4>
                    <table class="paper-table">
                        <thead><tr>{head.into_iter().map(|c| view! { <th scope="col">{label(&c).to_string()}</th> }).collect_view()}</tr></thead>
                        <tbody>
                            {items.into_iter().enumerate().map(|(i, it)| {
                                let cols = cols.clone();
                                let row_path = format!("{k}[{i}]");
                                view! {
                                    <tr>{cols.into_iter().map(|c| {
                                        let p = format!("{row_path}.{c}");
                                        let v = it.get(&c).map(scalar).unwrap_or_default();
                                        view! { <td class:flagged=marked(&p) data-path=p>{v}</td> }
                                    }).collect_view()}</tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }
            }).collect_view()}
        </article>
    }
    .into_any()
}

/// `{"value": 30, "unit": "mg"}`: a dose, a quantity, an age.
fn is_quantity(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|o| o.contains_key("value") && o.keys().all(|k| k == "value" || k == "unit"))
}

/// Where a field sits on the paper form: header, patient, diagnosis, body, Rp, signatures.
fn paper_order(key: &str) -> usize {
    const ORDER: [&str; 58] = [
        "institution",
        "department",
        "fee_category",
        "prescription_type",
        "type",
        "category",
        "visit_type",
        "report_type",
        "priority",
        "id",
        "visit_id",
        "issued_at",
        "visit_at",
        "requested_at",
        "filled_at",
        "patient",
        "name",
        "sex",
        "age",
        "birth_date",
        "record_no",
        "id_number",
        "weight_kg",
        "phone",
        "guardian_name",
        "allergy_history",
        "allergens",
        "chief_complaint",
        "present_illness",
        "past_history",
        "physical_exam",
        "auxiliary_exams",
        "diagnoses",
        "diagnosis",
        "diagnosis_codes",
        "disease",
        "disease_subtype",
        "case_class",
        "onset_date",
        "diagnosed_at",
        "plan",
        "items",
        "drug",
        "strength",
        "dose",
        "route",
        "frequency",
        "days",
        "quantity",
        "usage",
        "prescriber",
        "physician",
        "reporting_physician",
        "title",
        "signed_at",
        "signature_id",
        "completed",
        "amendments",
    ];
    ORDER
        .iter()
        .position(|k| *k == key)
        .unwrap_or(ORDER.len() - 3)
}

fn unit_label(unit: &str) -> &str {
    match unit {
        "year" => "岁",
        "month" => "月",
        "day" => "天",
        other => other,
    }
}

fn scalar(v: &Value) -> String {
    if is_quantity(v) {
        let unit = v.get("unit").and_then(Value::as_str).unwrap_or("");
        return format!("{} {}", scalar(&v["value"]), unit_label(unit))
            .trim()
            .to_string();
    }
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(true) => "✓".into(),
        Value::Bool(false) => "✗".into(),
        Value::Array(a) => a.iter().map(scalar).collect::<Vec<_>>().join("、"),
        other => other.to_string(),
    }
}

/// The paper form's label for a field name (the interchange format's names otherwise).
fn label(key: &str) -> &str {
    match key {
        "kind" => "文书",
        "id" => "编号",
        "visit_id" => "就诊号",
        "type" | "prescription_type" => "处方类别",
        "department" => "科别",
        "issued_at" => "开具日期",
        "visit_at" => "就诊时间",
        "requested_at" => "申请时间",
        "reported_at" => "报告时间",
        "patient" => "患者",
        "name" => "姓名",
        "sex" => "性别",
        "age" => "年龄",
        "birth_date" => "出生日期",
        "record_no" => "门诊号",
        "id_number" => "身份证号",
        "weight_kg" => "体重(kg)",
        "allergy_history" => "过敏史",
        "diagnoses" => "临床诊断",
        "diagnosis" => "诊断",
        "drug" => "药品名称",
        "strength" => "规格",
        "dose" => "单次剂量",
        "dose_unit" => "单位",
        "route" => "用法",
        "frequency" => "频次",
        "days" => "天数",
        "quantity" => "数量",
        "quantity_unit" => "单位",
        "prescriber" => "医师",
        "signature" => "签名",
        "pharmacist" => "药师",
        "chief_complaint" => "主诉",
        "present_illness" => "现病史",
        "past_history" => "既往史",
        "physical_exam" => "体格检查",
        "auxiliary_exams" => "辅助检查",
        "plan" => "处理意见",
        "physician" => "医师",
        "items" => "项目",
        "disease" => "疾病名称",
        "onset_date" => "发病日期",
        "diagnosed_at" => "诊断时间",
        "reporting_physician" => "报告医师",
        "institution" => "医疗机构",
        "fee_category" => "费别",
        "diagnosis_codes" => "ICD编码",
        "completed" => "处方完毕",
        "amendments" => "修改",
        "allergens" => "过敏原",
        "signed_at" => "签名时间",
        "signature_id" => "电子签名",
        "title" => "职称",
        "visit_type" => "初诊/复诊",
        "category" => "类别",
        "priority" => "缓急",
        "usage" => "用法",
        "guardian_name" => "监护人",
        "phone" => "电话",
        "filled_at" => "填卡日期",
        "disease_subtype" => "分型",
        "case_class" => "病例分类",
        "report_type" => "报告类别",
        "death_date" => "死亡日期",
        other => other,
    }
}
