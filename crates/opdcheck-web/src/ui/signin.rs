//! Signing in and out: the form, the notice that the server ended the session, and the
//! confirmation that names what stays on this device.

use leptos::prelude::*;
use leptos::task::spawn_local;
use opdcheck_engine::Lang;

use crate::api::{self, CallError, Session};
use crate::labels::{kind_title, lang, tr};
use crate::signout::{Unsynced, sign_out_question};

/// Why the sign-in form is back: the server ended the session (the app's and the QA
/// workspace's).
#[component]
pub fn SessionEnded() -> impl IntoView {
    view! {
        <p class="session-ended" role="alert">
            {tr("登录已失效（长时间未操作会自动退出），请重新登录。本机尚未同步的文书和正在填写的草稿都还在，登录后自动同步。",
                "You have been signed out (after a period of inactivity, or the sign-in expired). Please sign in again. Documents not yet synced and your drafts are still on this device; they sync once you sign in.")}
        </p>
    }
}

/// The sign-in form (the app's page and the QA workspace's): the session goes to `on_session`.
#[component]
pub fn LoginForm(
    title: (&'static str, &'static str),
    note: (&'static str, &'static str),
    #[prop(into)] on_session: Callback<Session>,
) -> impl IntoView {
    let user = RwSignal::new(String::new());
    let pass = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let lang = lang();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        let (u, p) = (user.get_untracked(), pass.get_untracked());
        spawn_local(async move {
            match api::login(&u, &p).await {
                Ok(s) => on_session.run(s),
                Err(CallError::Unauthorized) => {
                    error.set(Some(if lang.get_untracked() == Lang::Zh {
                        "用户名或密码不正确".into()
                    } else {
                        "wrong user name or password".into()
                    }))
                }
                Err(e) => error.set(Some(e.message())),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="login">
            <form class="login-form" on:submit=submit>
                <h2>{tr(title.0, title.1)}</h2>
                <p class="note">{tr(note.0, note.1)}</p>
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

/// The sign-out confirmation: how many signed documents the server does not hold yet, each
/// named, and that they stay on this device; the drafts and synced copies go.
#[component]
pub fn SignOutConfirm(
    open: RwSignal<bool>,
    #[prop(into)] unsynced: Signal<Vec<Unsynced>>,
    confirm: Callback<()>,
) -> impl IntoView {
    let lang = lang();
    let cancel = NodeRef::<leptos::html::Button>::new();
    // Focus the safe choice when it opens.
    Effect::new(move |_| {
        if open.get()
            && let Some(b) = cancel.get()
        {
            let _ = b.focus();
        }
    });
    view! {
        <Show when=move || open.get()>
            <div class="modal-backdrop">
                <div class="modal" role="dialog" aria-modal="true" aria-labelledby="sign-out-title" aria-describedby="sign-out-text" id="sign-out-dialog"
                    on:keydown=move |ev: web_sys::KeyboardEvent| if ev.key() == "Escape" { open.set(false) }>
                    <h2 id="sign-out-title">{tr("退出登录？", "Sign out?")}</h2>
                    <p id="sign-out-text">{move || sign_out_question(unsynced.with(Vec::len), lang.get())}</p>
                    <Show when=move || unsynced.with(|u| !u.is_empty())>
                        <h3>{tr("保留在本机的文书", "Kept on this device")}</h3>
                        <ul class="unsynced-list">
                            {move || unsynced.get().into_iter().map(|e| {
                                let (zh, en) = kind_title(e.kind);
                                let at = e.signed_at();
                                let Unsynced { id, patient, waiting, .. } = e;
                                view! {
                                    <li data-id=id>
                                        <strong>{move || if lang.get() == Lang::Zh { zh } else { en }}</strong>
                                        " · " {move || patient.clone().unwrap_or_else(|| if lang.get() == Lang::Zh { "（未填写患者姓名）".into() } else { "(no patient name)".into() })}
                                        " · " {tr("签名于 ", "signed ")} {at}
                                        " · " {move || waiting.label(lang.get())}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </Show>
                    <div class="modal-actions">
                        <button type="button" class="small" node_ref=cancel on:click=move |_| open.set(false)>{tr("取消", "Cancel")}</button>
                        <button type="button" class="primary danger" id="sign-out-confirm" on:click=move |_| { open.set(false); confirm.run(()) }>{tr("退出登录", "Sign out")}</button>
                    </div>
                </div>
            </div>
        </Show>
    }
}
