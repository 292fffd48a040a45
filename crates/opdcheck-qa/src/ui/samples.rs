//! Samples: drawing a seeded stratified sample of the synced records, and browsing one.

use leptos::prelude::*;
use leptos::task::spawn_local;
use opdcheck_engine::Lang;

use super::{KINDS, View, failure, kind_label, token, urlencode};
use crate::auth::Auth;
use crate::model::{self as qa, Sample, SampleForm, SampleList, SampleResponse, SampleSummary};
use opdcheck_web::api;
use opdcheck_web::clock::now_stamp;
use opdcheck_web::labels::{lang, tr, trs};

#[component]
pub(super) fn SamplesPanel(ctx: Auth, view: RwSignal<View>) -> impl IntoView {
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
pub(super) fn SamplePanel(ctx: Auth, id: String, view: RwSignal<View>) -> impl IntoView {
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
                                        (true, Some(d), Some(q)) => trs(format!("{}，扣 {d} 分", if q { "合格" } else { "不合格" }), format!("{}, −{d} points", if q { "qualified" } else { "not qualified" })),
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
                                                " " {trs(format!("扣 {} 分", r.deduction), format!("−{} points", r.deduction))}</td>
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
