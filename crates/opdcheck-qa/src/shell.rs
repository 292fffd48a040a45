//! The frame of the QA workspace: top bar, language, the sign-in it shares with the app.

use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use opdcheck_app::api::Session;
use opdcheck_app::sync::{OutboxEntry, unsynced};
use opdcheck_app::ui::shell::Brand;
use opdcheck_app::ui::sync::{
    LoginForm, SESSION_KEY, SessionEnded, SignOutConfirm, sign_out_device,
};
use opdcheck_app::ui::{provide_lang, tr};
use opdcheck_engine::Lang;

use crate::ui::QaPage;

/// Who is signed in. The same session as the app's (one per browser), without the app's outbox
/// agent: the workspace never pushes documents, but signing out here signs the browser out, so
/// it keeps the app's unsynced documents as the app does.
#[derive(Clone, Copy)]
pub struct Auth {
    pub session: RwSignal<Option<Session>>,
    /// The server ended the session (401): the sign-in form says so.
    pub expired: RwSignal<bool>,
    /// The sign-out confirmation is open.
    confirm: RwSignal<bool>,
    /// The app's documents on this browser the server does not hold, named in the confirmation.
    unsynced: RwSignal<Vec<OutboxEntry>>,
}

impl Auth {
    pub fn token(self) -> Option<String> {
        self.session
            .with_untracked(|s| s.as_ref().map(|s| s.token.clone()))
    }

    pub fn sign_in(self, session: Session) {
        let _ = LocalStorage::set(SESSION_KEY, &session);
        self.session.set(Some(session));
        self.expired.set(false);
    }

    /// The server answered 401 (expired, idle too long, revoked): back to the sign-in form.
    pub fn expire(self) {
        LocalStorage::delete(SESSION_KEY);
        self.session.set(None);
        self.expired.set(true);
    }

    /// 「退出登录」: first say what stays on this browser (the app's outbox, read now).
    pub fn ask_sign_out(self) {
        spawn_local(async move {
            let all = opdcheck_app::outbox::all().await.unwrap_or_else(|e| {
                leptos::logging::warn!("outbox: {e}");
                Vec::new()
            });
            self.unsynced
                .set(unsynced(&all).into_iter().cloned().collect());
            self.confirm.set(true);
        });
    }

    /// Confirmed: the same sign-out as the app's.
    fn sign_out(self) {
        let token = self.token();
        self.session.set(None);
        self.expired.set(false);
        spawn_local(async move {
            if let Err(e) = sign_out_device(token).await {
                leptos::logging::error!("sign out: {e}");
            }
        });
    }
}

#[component]
pub fn QaApp() -> impl IntoView {
    let lang = provide_lang();
    let auth = Auth {
        session: RwSignal::new(LocalStorage::get::<Session>(SESSION_KEY).ok()),
        expired: RwSignal::new(false),
        confirm: RwSignal::new(false),
        unsynced: RwSignal::new(Vec::new()),
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
                    <button type="button" class="small" id="qa-sign-out" on:click=move |_| auth.ask_sign_out()>{tr("退出登录", "Sign out")}</button>
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
