//! The frame of the QA workspace: top bar, language, the sign-in it shares with the app.

use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use opdcheck_app::api::{self, CallError, Session};
use opdcheck_app::ui::sync::SESSION_KEY;
use opdcheck_app::ui::{Ui, tr};
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
    let lang = RwSignal::new(
        LocalStorage::get::<String>("opdcheck.lang")
            .ok()
            .filter(|l| l == "en")
            .map(|_| Lang::En)
            .unwrap_or(Lang::Zh),
    );
    provide_context(Ui { lang });
    Effect::new(move |_| {
        let _ = LocalStorage::set(
            "opdcheck.lang",
            if lang.get() == Lang::En { "en" } else { "zh" },
        );
    });
    let auth = Auth {
        session: RwSignal::new(LocalStorage::get::<Session>(SESSION_KEY).ok()),
    };
    view! {
        <header class="topbar no-print">
            <a class="brand" href="/">
                <span class="logo" aria-hidden="true">"✚"</span>
                <span>{tr("门诊文书质控", "Outpatient document QA")}</span>
                <small>"opdcheck"</small>
            </a>
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
    let user = RwSignal::new(String::new());
    let pass = RwSignal::new(String::new());
    let error = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let lang = opdcheck_app::ui::lang();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        let (u, p) = (user.get_untracked(), pass.get_untracked());
        spawn_local(async move {
            match api::login(&u, &p).await {
                Ok(s) => {
                    error.set(String::new());
                    auth.sign_in(s);
                }
                Err(CallError::Unauthorized) => error.set(
                    if lang.get_untracked() == Lang::Zh {
                        "用户名或密码不正确"
                    } else {
                        "wrong user name or password"
                    }
                    .into(),
                ),
                Err(e) => error.set(e.message()),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="login">
            <form class="login-form" on:submit=submit>
                <h2>{tr("质控登录", "Sign in to QA")}</h2>
                <p class="note">{tr("质控工作台供质控人员与管理员使用。", "The QA workspace is for QA staff and admins.")}</p>
                <label for="login-user">{tr("用户名", "User name")}</label>
                <input id="login-user" autocomplete="username" required prop:value=move || user.get() on:input=move |ev| user.set(event_target_value(&ev)) />
                <label for="login-pass">{tr("密码", "Password")}</label>
                <input id="login-pass" type="password" autocomplete="current-password" required prop:value=move || pass.get() on:input=move |ev| pass.set(event_target_value(&ev)) />
                <button type="submit" class="primary" disabled=move || busy.get()>{tr("登录", "Sign in")}</button>
                <p class="login-error" role="alert">{move || error.get()}</p>
            </form>
        </section>
    }
}
