//! The QA workspace (质控): the month's score sheet and dashboards, samples drawn from the
//! synced records, and the review pane where QA confirms or dismisses each automatic finding
//! and records the manual checklist's deductions. Everything comes from the API (qa and admin
//! roles); the logic is in [`crate::model`].
//!
//! One module per view: `sheet` (the score sheet and dashboards, with `trend`'s chart),
//! `alerts` (the alert-quality page: how each rule fires, is kept and is dismissed),
//! `samples` (drawing and browsing samples), `review` (the review pane, with `paper`'s
//! document), `visits` (the visits list and one visit's documents side by side); this module is the page's frame and the helpers they share.

use leptos::prelude::*;
use leptos::task::spawn_local;

mod alerts;
mod paper;
mod review;
mod samples;
mod sheet;
mod trend;
mod visits;

use alerts::AlertsPanel;
use review::ReviewPanel;
use samples::{SamplePanel, SamplesPanel};
use sheet::SheetPanel;
use visits::{VisitPanel, VisitsPanel};

use crate::auth::Auth;
use opdcheck_api::policy::PolicyResponse;
use opdcheck_web::api::{self, CallError};
use opdcheck_web::labels::tr;

/// The policy the server checks with, once read (else the embedded default is used).
#[derive(Clone, Copy)]
struct ServerPolicy(RwSignal<Option<std::sync::Arc<opdcheck_engine::Policy>>>);

/// Where in the workspace QA is.
#[derive(Debug, Clone, PartialEq)]
enum View {
    Sheet,
    Alerts,
    Samples,
    Sample(String),
    Review { id: String, sample: Option<String> },
    Visits,
    Visit(String),
}

/// The workspace: needs a QA or admin sign-in (the server enforces it; this only says so).
#[component]
pub fn QaPage(auth: Auth) -> impl IntoView {
    let ctx = auth;
    // The server's policy (an admin may have overridden the default): the review's live total
    // is scored with it, as the server scores the saved review.
    let policy = ServerPolicy(RwSignal::new(None));
    provide_context(policy);
    // Which version that is, said at the top: QA reads the sheet knowing which rules scored it.
    let in_force = RwSignal::new(None::<(i64, String)>);
    Effect::new(move |_| {
        let Some(t) = token(ctx) else { return };
        spawn_local(async move {
            if let Ok(a) = api::get_json::<PolicyResponse>(&t, "/api/v1/policy", &[]).await {
                if let Ok(p) = serde_json::from_str::<opdcheck_engine::Policy>(a.policy.get()) {
                    policy.0.set(Some(std::sync::Arc::new(p)));
                }
                in_force.set(Some((a.version, a.ruleset)));
            }
        });
    });
    let view = RwSignal::new(View::Sheet);
    // Kept here, so that coming back from a visit finds the list as QA left it.
    let visit_filter = RwSignal::new(crate::visits::VisitFilter::new(
        &opdcheck_web::clock::now_stamp(),
    ));
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
                        <button type="button" id="qa-tab-alerts" aria-pressed=move || (view.get() == View::Alerts).to_string()
                            on:click=move |_| view.set(View::Alerts)>{tr("提示质量", "Alert quality")}</button>
                        <button type="button" id="qa-tab-samples" aria-pressed=move || matches!(view.get(), View::Samples | View::Sample(_) | View::Review { .. }).to_string()
                            on:click=move |_| view.set(View::Samples)>{tr("抽样评审", "Samples and reviews")}</button>
                        <button type="button" id="qa-tab-visits" aria-pressed=move || matches!(view.get(), View::Visits | View::Visit(_)).to_string()
                            on:click=move |_| view.set(View::Visits)>{tr("就诊", "Visits")}</button>
                    </nav>
                    <PolicyInForce in_force=in_force />
                    {move || match view.get() {
                        View::Sheet => view! { <SheetPanel ctx=ctx /> }.into_any(),
                        View::Alerts => view! { <AlertsPanel ctx=ctx /> }.into_any(),
                        View::Samples => view! { <SamplesPanel ctx=ctx view=view /> }.into_any(),
                        View::Sample(id) => view! { <SamplePanel ctx=ctx id=id view=view /> }.into_any(),
                        View::Review { id, sample } => view! { <ReviewPanel ctx=ctx id=id sample=sample view=view /> }.into_any(),
                        View::Visits => view! { <VisitsPanel ctx=ctx view=view filter=visit_filter /> }.into_any(),
                        View::Visit(id) => view! { <VisitPanel ctx=ctx id=id view=view /> }.into_any(),
                    }}
                }.into_any(),
            }}
        </section>
    }
}

/// The policy version the server checks with ("医院规则 第N版", ruleset as the title).
#[component]
fn PolicyInForce(in_force: RwSignal<Option<(i64, String)>>) -> impl IntoView {
    let lang = opdcheck_web::labels::lang();
    view! {
        <p class="qa-policy no-print" role="status">
            {tr("现行规则：", "Policy in force: ")}
            {move || match in_force.get() {
                None => view! { <span class="loading">{tr("正在加载…", "Loading…")}</span> }.into_any(),
                Some((v, ruleset)) => view! {
                    <span class="policy-used" title=ruleset data-version=v.to_string()>
                        {move || opdcheck_web::policy::label(v, lang.get())}
                    </span>
                }.into_any(),
            }}
        </p>
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

/// A record id in a URL path.
fn urlencode(s: &str) -> String {
    js_sys::encode_uri_component(s).into()
}
