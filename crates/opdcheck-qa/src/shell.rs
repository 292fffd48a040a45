//! The frame of the QA workspace: top bar, language, the sign-in it shares with the app.

use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use opdcheck_app::api::Session;
use opdcheck_app::ui::shell::Brand;
use opdcheck_app::ui::sync::{LoginForm, SESSION_KEY};
use opdcheck_app::ui::{provide_lang, tr};
use opdcheck_engine::Lang;

use crate::ui::QaPage;

/// Who is signed in. The same session as the app's (one per browser), without the app's outbox
/// agent: the workspace never pushes documents.
#[derive(Clone, Copy)]
pub struct Auth {
    pub session: RwSignal<Option<Session>>,
}

impl Auth {
    pub fn token(self) -> Option<String> {
        self.session
            .with_untracked(|s| s.as_ref().map(|s| s.token.clone()))
    }

    pub fn sign_in(self, session: Session) {
        let _ = LocalStorage::set(SESSION_KEY, &session);
        self.session.set(Some(session));
    }

    pub fn sign_out(self) {
        LocalStorage::delete(SESSION_KEY);
        self.session.set(None);
    }
}

#[component]
pub fn QaApp() -> impl IntoView {
    let lang = provide_lang();
    let auth = Auth {
        session: RwSignal::new(LocalStorage::get::<Session>(SESSION_KEY).ok()),
    };
    view! {
        <header class="topbar no-print">
            <Brand href="/" />
            <nav class="pages" aria-label=tr("页面", "Pages")>
                <a href="/" class="page-link">{tr("← 文书", "← Documents")}</a>
                <a href="/qa/" class="page-link" aria-current="page">{tr("质控", "QA")}</a>
            </nav>
            <div class="tools">
                {move || auth.session.get().map(|s| view! {
                    <span class="who">{s.user.username.clone()}</span>
                    <button type="button" class="small" id="qa-sign-out" on:click=move |_| auth.sign_out()>{tr("退出", "Sign out")}</button>
                })}
                <button type="button" class="small lang" on:click=move |_| lang.update(|l| *l = if *l == Lang::Zh { Lang::En } else { Lang::Zh })
                    aria-label=tr("Switch to English", "切换到中文")>
                    {tr("EN", "中文")}
                </button>
            </div>
        </header>
        <main id="main">
            {move || if auth.session.with(Option::is_some) {
                view! { <QaPage auth=auth /> }.into_any()
            } else {
                view! { <SignIn auth=auth /> }.into_any()
            }}
        </main>
    }
}

/// Sign in (the app's accounts; the workspace needs qa or admin).
#[component]
fn SignIn(auth: Auth) -> impl IntoView {
    view! {
        <LoginForm
            title=("质控登录", "Sign in to QA")
            note=("质控工作台供质控人员与管理员使用。", "The QA workspace is for QA staff and admins.")
            on_session=Callback::new(move |s: Session| auth.sign_in(s))
        />
    }
}
