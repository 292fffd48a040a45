//! The frame of the QA workspace: top bar, language, the sign-in it shares with the app.

use leptos::prelude::*;
use opdcheck_web::api::Session;
use opdcheck_web::labels::{provide_lang, tr};
use opdcheck_web::ui::{Brand, LangSwitch, LoginForm, SessionEnded, SignOutConfirm};

use crate::auth::Auth;
use crate::ui::QaPage;

#[component]
pub fn QaApp() -> impl IntoView {
    provide_lang();
    let auth = Auth::load();
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
                    <button type="button" class="small" id="qa-sign-out" on:click=move |_| auth.ask_sign_out()>{tr("退出登录", "Sign out")}</button>
                })}
                <LangSwitch />
            </div>
        </header>
        <main id="main">
            {move || if auth.session.with(Option::is_some) {
                view! { <QaPage auth=auth /> }.into_any()
            } else {
                view! { <SignIn auth=auth /> }.into_any()
            }}
            <SignOutConfirm open=auth.confirm unsynced=auth.unsynced
                confirm=Callback::new(move |_| auth.sign_out()) />
        </main>
    }
}

/// Sign in (the app's accounts; the workspace needs qa or admin).
#[component]
fn SignIn(auth: Auth) -> impl IntoView {
    view! {
        <Show when=move || auth.expired.get()>
            <SessionEnded />
        </Show>
        <LoginForm
            title=("质控登录", "Sign in to QA")
            note=("质控工作台供质控人员与管理员使用。", "The QA workspace is for QA staff and admins.")
            on_session=Callback::new(move |s: Session| auth.sign_in(s))
        />
    }
}
