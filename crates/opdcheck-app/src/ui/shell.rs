//! The app's frame: navigation between the forms, the visit view and the catalog; language;
//! the samples menu; drafts kept in browser storage.

use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;

use crate::ui::tr;
use opdcheck_engine::{DocKind, Lang};

use crate::drafts::{Drafts, STORAGE_KEY};
use crate::samples::{self, SAMPLES};
use crate::ui::catalog::CatalogPage;
use crate::ui::common::kind_title;
use crate::ui::infectious::InfectiousPage;
use crate::ui::policy::{self, PolicyStatus};
use crate::ui::policy_admin::PolicyAdminPage;
use crate::ui::prescription::PrescriptionPage;
use crate::ui::record::RecordPage;
use crate::ui::request::RequestPage;
use crate::ui::sync::{LoginPage, RecordsPage, SyncCtx, SyncStatus};
use crate::ui::visit::VisitPage;
use crate::ui::{engine, now_minutes, provide_lang};
use opdcheck_web::ui::{Brand, LangSwitch};

/// How long after the last change the drafts are written to storage.
pub const SAVE_DELAY: std::time::Duration = std::time::Duration::from_millis(250);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Page {
    Prescription,
    Record,
    Request,
    Infectious,
    Visit,
    Catalog,
    /// The records on the server and what this device has not synced.
    Records,
    /// The hospital's policy (admins).
    Policy,
    Login,
}

impl Page {
    pub const ALL: [Page; 9] = [
        Page::Prescription,
        Page::Record,
        Page::Request,
        Page::Infectious,
        Page::Visit,
        Page::Catalog,
        Page::Records,
        Page::Policy,
        Page::Login,
    ];

    /// In the navigation bar (sign-in is reached from the status chip; the policy page is
    /// there for admins only).
    pub fn in_nav(self, admin: bool) -> bool {
        match self {
            Page::Login => false,
            Page::Policy => admin,
            _ => true,
        }
    }

    /// A page with a document form (the 新建 button applies).
    pub fn has_form(self) -> bool {
        !matches!(
            self,
            Page::Catalog | Page::Records | Page::Policy | Page::Login
        )
    }

    pub fn slug(self) -> &'static str {
        match self {
            Page::Prescription => "prescription",
            Page::Record => "record",
            Page::Request => "request",
            Page::Infectious => "report-card",
            Page::Visit => "visit",
            Page::Catalog => "rules",
            Page::Records => "records",
            Page::Policy => "policy",
            Page::Login => "login",
        }
    }

    pub fn from_hash(hash: &str) -> Page {
        let slug = hash.trim_start_matches('#').trim_start_matches('/');
        Page::ALL
            .into_iter()
            .find(|p| p.slug() == slug)
            .unwrap_or(Page::Prescription)
    }

    fn label(self) -> (&'static str, &'static str) {
        match self {
            Page::Prescription => kind_title(DocKind::Prescription),
            Page::Record => kind_title(DocKind::OutpatientRecord),
            Page::Request => ("检查/检验申请", "Request"),
            Page::Infectious => ("传染病报告卡", "Report card"),
            Page::Visit => ("就诊", "Visit"),
            Page::Catalog => ("规则目录", "Rules"),
            Page::Records => ("我的记录", "My records"),
            Page::Policy => ("医院规则", "Policy"),
            Page::Login => ("登录", "Sign in"),
        }
    }

    fn of_kind(kind: DocKind) -> Page {
        match kind {
            DocKind::Prescription => Page::Prescription,
            DocKind::OutpatientRecord => Page::Record,
            DocKind::ExamRequest => Page::Request,
            DocKind::InfectiousReport => Page::Infectious,
            DocKind::Visit => Page::Visit,
        }
    }
}

/// The stored drafts, or fresh ones.
fn load_drafts() -> Drafts {
    LocalStorage::raw()
        .get_item(STORAGE_KEY)
        .ok()
        .flatten()
        .and_then(|t| Drafts::from_json(&t))
        .unwrap_or_else(|| Drafts::fresh(&now_minutes()))
}

fn current_hash() -> String {
    window().location().hash().unwrap_or_default()
}

#[component]
pub fn App() -> impl IntoView {
    let lang = provide_lang();
    let sync = SyncCtx::start();
    // The policy to check with (the cached one at once, the server's when it answers), before
    // the first form renders.
    policy::start_agent();
    let start = load_drafts();
    let rx = RwSignal::new(start.prescription);
    let mr = RwSignal::new(start.record);
    let rq = RwSignal::new(start.request);
    let ir = RwSignal::new(start.infectious);
    let visit = RwSignal::new(start.visit);
    // Bumped when drafts are replaced wholesale (a sample, a new document): pages remount.
    let generation = RwSignal::new(0u32);
    // Drafts are stored a moment after the typing stops, and at once when the page is hidden
    // or left: the keystroke itself only checks and paints.
    // `try_`: a save that fires after the app was unmounted stores nothing.
    let save = move || {
        let d = || -> Option<Drafts> {
            Some(Drafts {
                prescription: rx.try_get_untracked()?,
                record: mr.try_get_untracked()?,
                request: rq.try_get_untracked()?,
                infectious: ir.try_get_untracked()?,
                visit: visit.try_get_untracked()?,
            })
        };
        if let Some(d) = d() {
            let _ = LocalStorage::raw().set_item(STORAGE_KEY, &d.to_json());
        }
    };
    let pending = StoredValue::new(None::<TimeoutHandle>);
    Effect::new(move |first: Option<()>| {
        rx.track();
        mr.track();
        rq.track();
        ir.track();
        visit.track();
        if let Some(h) = pending.get_value() {
            h.clear();
        }
        if first.is_none() {
            save();
        } else {
            pending.set_value(set_timeout_with_handle(save, SAVE_DELAY).ok());
        }
    });
    let hide = window_event_listener(leptos::ev::pagehide, move |_| save());
    let blur = window_event_listener(leptos::ev::visibilitychange, move |_| save());
    on_cleanup(move || {
        hide.remove();
        blur.remove();
        if let Some(Some(h)) = pending.try_get_value() {
            h.clear();
        }
    });
    let is_admin = move || {
        sync.session
            .with(|s| s.as_ref().is_some_and(|s| s.user.role == "admin"))
    };
    let page = RwSignal::new(Page::from_hash(&current_hash()));
    let listener = window_event_listener(leptos::ev::hashchange, move |_| {
        page.set(Page::from_hash(&current_hash()))
    });
    on_cleanup(move || listener.remove());
    let go = move |p: Page| {
        let _ = window().location().set_hash(&format!("/{}", p.slug()));
        page.set(p);
    };
    // The server ended the session (401): the sign-in form, saying so; back where the doctor
    // was once signed in again. Drafts and the outbox are untouched.
    let before_login = StoredValue::new(None::<Page>);
    Effect::new(move |_| {
        if sync.expired.get() && page.get_untracked() != Page::Login {
            before_login.set_value(Some(page.get_untracked()));
            go(Page::Login);
        }
    });
    let signed_in = move || {
        let back = before_login.get_value().unwrap_or(Page::Records);
        before_login.set_value(None);
        go(back);
    };

    let load_sample = move |k: usize| {
        let Some(s) = SAMPLES.get(k) else { return };
        let mut d = Drafts {
            prescription: rx.get_untracked(),
            record: mr.get_untracked(),
            request: rq.get_untracked(),
            infectious: ir.get_untracked(),
            visit: visit.get_untracked(),
        };
        samples::apply(&mut d, s);
        rx.set(d.prescription);
        mr.set(d.record);
        rq.set(d.request);
        ir.set(d.infectious);
        visit.set(d.visit);
        generation.update(|g| *g += 1);
        go(Page::of_kind(s.kind));
    };
    // Signed out on purpose: this browser's drafts go (the stored ones are already deleted;
    // these are the ones in memory, which would be stored again).
    let signed_out = move || {
        let fresh = Drafts::fresh(&now_minutes());
        rx.set(fresh.prescription);
        mr.set(fresh.record);
        rq.set(fresh.request);
        ir.set(fresh.infectious);
        visit.set(fresh.visit);
        generation.update(|g| *g += 1);
    };
    let new_doc = move |_| {
        let fresh = Drafts::fresh(&now_minutes());
        match page.get_untracked() {
            Page::Prescription => rx.set(fresh.prescription),
            Page::Record => mr.set(fresh.record),
            Page::Request => rq.set(fresh.request),
            Page::Infectious => ir.set(fresh.infectious),
            Page::Visit => visit.set(fresh.visit),
            Page::Catalog | Page::Records | Page::Policy | Page::Login => return,
        }
        generation.update(|g| *g += 1);
    };

    view! {
        <a class="skip" href="#main" on:click=|ev| {
            ev.prevent_default();
            if let Some(el) = document().query_selector("#main input, #main select, #main textarea").ok().flatten() {
                use wasm_bindgen::JsCast;
                if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() { let _ = el.focus(); }
            }
        }>{tr("跳到表单", "Skip to the form")}</a>
        <header class="topbar">
            <Brand href="#/prescription" />
            <nav class="pages" aria-label=tr("文书", "Documents")>
                {Page::ALL.into_iter().filter(|p| p.in_nav(true)).map(|p| {
                    let (zh, en) = p.label();
                    view! {
                        <a href=format!("#/{}", p.slug()) class="page-link" aria-current=move || (page.get() == p).then_some("page")
                            hidden=move || !p.in_nav(is_admin())
                            on:click=move |ev| { ev.prevent_default(); go(p) }>
                            {tr(zh, en)}
                        </a>
                    }
                }).collect_view()}
                // The QA workspace is a page of its own (its own, separately loaded module), so
                // the doctors' app does not carry it.
                <a href="/qa/" class="page-link" id="nav-qa">{tr("质控", "QA")}</a>
            </nav>
            <div class="tools">
                <SyncStatus ctx=sync signed_out=Callback::new(move |_| signed_out()) />
                <label class="samples">
                    <span class="sr-only">{tr("示例", "Samples")}</span>
                    <select id="samples-menu" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        if let Ok(k) = v.parse::<usize>() { load_sample(k) }
                        // Back to the prompt, so the same sample can be chosen again.
                        if let Some(t) = ev.target() {
                            use wasm_bindgen::JsCast;
                            if let Ok(sel) = t.dyn_into::<web_sys::HtmlSelectElement>() { sel.set_value("") }
                        }
                    }>
                        <option value="">{tr("示例文书…", "Samples…")}</option>
                        {SAMPLES.iter().enumerate().map(|(k, s)| {
                            let (zh, en) = kind_title(s.kind);
                            let clean = s.clean;
                            view! {
                                <option value=k.to_string()>
                                    {move || match (lang.get(), clean) {
                                        (Lang::Zh, true) => format!("{zh}（合格）"),
                                        (Lang::Zh, false) => format!("{zh}（有缺陷）"),
                                        (Lang::En, true) => format!("{en} (clean)"),
                                        (Lang::En, false) => format!("{en} (defective)"),
                                    }}
                                </option>
                            }
                        }).collect_view()}
                    </select>
                </label>
                <button type="button" class="small" on:click=new_doc hidden=move || !page.get().has_form()>
                    {tr("新建", "New")}
                </button>
                <LangSwitch />
            </div>
        </header>
        <main id="main">
            {move || {
                generation.get();
                match page.get() {
                    Page::Prescription => view! { <PrescriptionPage doc=rx /> }.into_any(),
                    Page::Record => view! { <RecordPage doc=mr /> }.into_any(),
                    Page::Request => view! { <RequestPage doc=rq /> }.into_any(),
                    Page::Infectious => view! { <InfectiousPage doc=ir /> }.into_any(),
                    Page::Visit => view! { <VisitPage visit=visit /> }.into_any(),
                    Page::Catalog => view! { <CatalogPage /> }.into_any(),
                    Page::Records => view! { <RecordsPage ctx=sync /> }.into_any(),
                    Page::Policy => view! { <PolicyAdminPage ctx=sync /> }.into_any(),
                    Page::Login => view! { <LoginPage ctx=sync done=Callback::new(move |_| signed_in()) /> }.into_any(),
                }
            }}
        </main>
        <Datalists />
        <footer class="foot">
            <PolicyStatus />
            <span>{tr("检查在本机浏览器内完成；草稿留在本机，签名的文书登录后同步到医院服务器并复核", "Checked in this browser; drafts stay on this device, signed documents sync to the hospital server (and are checked again) once you sign in")}</span>
        </footer>
    }
}

/// Suggestions shared by every form: routes, frequencies, units from the policy's vocabulary.
#[component]
fn Datalists() -> impl IntoView {
    let e = engine();
    let v = &e.policy.vocab;
    let list = |id: &'static str, items: Vec<String>| {
        view! {
            <datalist id=id>{items.into_iter().map(|s| view! { <option value=s></option> }).collect_view()}</datalist>
        }
    };
    view! {
        {list("dl-routes", v.routes.keys().filter(|k| !k.is_ascii()).cloned().collect())}
        {list("dl-frequencies", v.frequencies.keys().cloned().collect())}
        {list("dl-dose-units", v.dose_units.clone())}
        {list("dl-quantity-units", v.quantity_units.clone())}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_round_trip_through_the_hash() {
        for p in Page::ALL {
            assert_eq!(Page::from_hash(&format!("#/{}", p.slug())), p);
        }
        assert_eq!(Page::from_hash(""), Page::Prescription);
        assert_eq!(Page::from_hash("#/nonsense"), Page::Prescription);
    }
}
