//! The admin's policy page (`#/policy`, admins only): the policy in force, the override's
//! editor (checked here, then validated by the server, then saved), and the history with
//! what each version changed and a confirmed roll-back. The page does the calls; the parts
//! take data and callbacks, so they are tested without a server. The logic is
//! `crate::policy_admin`.

use leptos::prelude::*;
use leptos::task::spawn_local;
use opdcheck_api::policy::{PolicyResponse, PolicyVersion};
use opdcheck_engine::Lang;
use opdcheck_web::api::CallError;
use opdcheck_web::policy::{self, Active, Source};
use serde_json::Value;

use crate::api;
use crate::policy_admin::{
    Change, ChangeKind, EditorState, KEY_LIMITS, check_override, history_diffs, location, pretty,
    value_at,
};
use crate::ui::policy::set_active;
use crate::ui::sync::SyncCtx;
use crate::ui::{lang, tr};

/// A server read: `None` while loading, then the answer or why there is none.
pub type Loaded<T> = Option<Result<T, String>>;

/// The page: only an admin sees more than a note.
#[component]
pub fn PolicyAdminPage(ctx: SyncCtx) -> impl IntoView {
    let token = move || {
        ctx.session.with(|s| {
            s.as_ref()
                .filter(|s| s.user.role == "admin")
                .map(|s| s.token.clone())
        })
    };
    view! {
        <section class="policy-admin" aria-labelledby="policy-admin-title">
            <h2 id="policy-admin-title">{tr("医院规则", "Hospital policy")}</h2>
            {move || match token() {
                Some(t) => view! { <PolicyAdmin token=t ctx=ctx /> }.into_any(),
                None => view! {
                    <p class="note" role="status">
                        {tr("只有管理员可以查看和修改医院规则，请以管理员身份登录。", "Only an administrator may view and change the hospital's policy: sign in as an administrator.")}
                    </p>
                }.into_any(),
            }}
        </section>
    }
}

/// The admin's page with its calls.
#[component]
fn PolicyAdmin(token: String, ctx: SyncCtx) -> impl IntoView {
    let current = RwSignal::new(None::<Result<PolicyResponse, String>>);
    let history = RwSignal::new(None::<Result<Vec<PolicyVersion>, String>>);
    let text = RwSignal::new(String::new());
    let state = RwSignal::new(EditorState::Idle);
    let token = StoredValue::new(token);
    let failed = move |e: CallError| {
        if e == CallError::Unauthorized {
            ctx.expire();
        }
        e.message()
    };
    let reload = move || {
        let t = token.get_value();
        spawn_local(async move {
            let now = policy::in_force("", Some(&t)).await.map_err(failed);
            if let Ok(c) = &now {
                let p = &c.policy;
                // The editor starts from the override in force; the page checks with it too.
                if text.try_with_untracked(String::is_empty) == Some(true) {
                    text.set(pretty(&p.override_));
                }
                if let Ok(a) = Active::of(p, Source::Server) {
                    policy::store(c);
                    set_active(a);
                }
            }
            let _ = current.try_set(Some(now.map(|c| c.policy)));
            let h = api::policy_history(&t).await.map(|h| h.versions);
            let _ = history.try_set(Some(h.map_err(failed)));
        });
    };
    reload();
    let submit = Callback::new(move |(over, save): (Value, bool)| {
        let t = token.get_value();
        state.set(EditorState::Checking);
        spawn_local(async move {
            let outcome = async {
                let v = api::validate_policy(&t, &over).await?;
                if !save {
                    return Ok(EditorState::Valid(v.ruleset));
                }
                Ok(EditorState::Saved(
                    api::set_policy(&t, &over).await?.version,
                ))
            };
            let next = match outcome.await {
                Ok(s) => {
                    if let EditorState::Saved(_) = s {
                        reload();
                    }
                    s
                }
                Err(e) => {
                    let s = EditorState::of_error(&e);
                    failed(e);
                    s
                }
            };
            let _ = state.try_set(next);
        });
    });
    let rollback = Callback::new(move |version: i64| {
        let t = token.get_value();
        spawn_local(async move {
            match api::rollback_policy(&t, version).await {
                Ok(s) => {
                    text.set(String::new());
                    state.set(EditorState::Saved(s.version));
                    reload();
                }
                Err(e) => state.set(EditorState::Failed(failed(e))),
            }
        });
    });
    view! {
        <InForce current=current.into() />
        <PolicyEditor text=text state=state submit=submit />
        <PolicyHistoryList history=history.into() rollback=rollback />
    }
}

/// The policy in force: version, who and when, the key limits and the override.
#[component]
pub fn InForce(current: Signal<Loaded<PolicyResponse>>) -> impl IntoView {
    let lang = lang();
    view! {
        <section class="policy-in-force" aria-labelledby="policy-in-force-title">
            <h3 id="policy-in-force-title">{tr("当前生效的规则", "Policy in force")}</h3>
            {move || match current.get() {
                None => view! { <p class="loading" role="status">{tr("正在加载…", "Loading…")}</p> }.into_any(),
                Some(Err(e)) => view! {
                    <p class="error" role="alert">{tr("无法读取当前规则：", "Could not read the policy in force: ")}{e}</p>
                }.into_any(),
                Some(Ok(p)) => {
                    let zh = move || lang.get() == Lang::Zh;
                    let by = p.set_by.clone().unwrap_or_else(|| "—".into());
                    let at = p.set_at.as_deref().map(opdcheck_web::clock::human).unwrap_or_else(|| "—".into());
                    let version = p.version;
                    let over = pretty(&p.override_);
                    let policy = p.policy_value().unwrap_or_default();
                    view! {
                        <dl class="policy-meta">
                            <dt>{tr("版本", "Version")}</dt>
                            <dd class="policy-version" title=p.ruleset.clone()>{move || policy::label(version, lang.get())}</dd>
                            <dt>{tr("规则集", "Ruleset")}</dt>
                            <dd><code>{p.ruleset.clone()}</code></dd>
                            <dt>{tr("设置人", "Set by")}</dt>
                            <dd class="policy-set-by">{by}</dd>
                            <dt>{tr("设置时间", "Set at")}</dt>
                            <dd>{at}</dd>
                        </dl>
                        <table class="policy-limits">
                            <caption>{tr("主要限值", "Key limits")}</caption>
                            <tbody>
                                {KEY_LIMITS.iter().map(|(path, lzh, len)| {
                                    let v = value_at(&policy, path);
                                    view! {
                                        <tr data-path=*path>
                                            <th scope="row">{move || if zh() { *lzh } else { *len }}</th>
                                            <td>{v}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        <h4>{tr("医院的覆盖设置", "The hospital's override")}</h4>
                        <pre class="policy-override" tabindex="0" aria-label=tr("医院的覆盖设置（JSON）", "The hospital's override (JSON)")>{over}</pre>
                    }.into_any()
                }
            }}
        </section>
    }
}

/// The override's editor: checked here first (a JSON or policy error is shown at once,
/// located), then `submit((override, save))` asks the server to validate (and save).
#[component]
pub fn PolicyEditor(
    text: RwSignal<String>,
    state: RwSignal<EditorState>,
    submit: Callback<(Value, bool)>,
) -> impl IntoView {
    let lang = lang();
    let go = move |save: bool| match check_override(&text.get_untracked()) {
        Ok(v) => submit.run((v, save)),
        Err(e) => state.set(EditorState::Invalid(e)),
    };
    let invalid = move || matches!(state.get(), EditorState::Invalid(_));
    let busy = move || state.get() == EditorState::Checking;
    view! {
        <section class="policy-editor" aria-labelledby="policy-editor-title">
            <h3 id="policy-editor-title">{tr("修改规则", "Change the policy")}</h3>
            <label for="policy-text">{tr("覆盖设置（JSON，只写与默认规则不同之处）", "Override (JSON: only what differs from the default)")}</label>
            <textarea id="policy-text" rows="14" spellcheck="false"
                aria-invalid=move || invalid().to_string()
                aria-describedby="policy-outcome"
                prop:value=move || text.get()
                on:input=move |ev| {
                    text.set(event_target_value(&ev));
                    state.set(EditorState::Idle);
                }></textarea>
            <div class="policy-actions">
                <button type="button" id="policy-validate" disabled=busy on:click=move |_| go(false)>
                    {tr("校验", "Validate")}
                </button>
                <button type="button" id="policy-save" class="primary" disabled=busy on:click=move |_| go(true)>
                    {tr("校验并保存", "Validate and save")}
                </button>
            </div>
            <div id="policy-outcome" aria-live="polite">
                {move || {
                    let zh = lang.get() == Lang::Zh;
                    match state.get() {
                        EditorState::Idle => ().into_any(),
                        EditorState::Checking => view! { <p class="loading">{if zh { "正在校验…" } else { "Checking…" }}</p> }.into_any(),
                        EditorState::Valid(r) => view! {
                            <p class="ok">{if zh { "校验通过，规则集将为 " } else { "Valid: the ruleset would be " }}<code>{r}</code></p>
                        }.into_any(),
                        EditorState::Saved(v) => view! {
                            <p class="ok">{if zh { format!("已保存为第{v}版，已生效。") } else { format!("Saved as version {v}, now in force.") }}</p>
                        }.into_any(),
                        EditorState::Invalid(e) => view! {
                            <div class="policy-error" role="alert">
                                <strong>{if zh { "规则无效，未保存" } else { "Invalid policy: not saved" }}</strong>
                                <p>
                                    {if zh { "位置：" } else { "At: " }}
                                    <code class="error-path">{location(&e, zh)}</code>
                                </p>
                                <p class="error-message">{e.message.clone()}</p>
                            </div>
                        }.into_any(),
                        EditorState::Failed(m) => view! {
                            <p class="error" role="alert">{if zh { "未能保存（没有连接到服务器）：" } else { "Not saved (the server did not answer): " }}{m}</p>
                        }.into_any(),
                    }
                }}
            </div>
        </section>
    }
}

/// The stored versions, newest first, each with what it changed from the one before; any
/// version (or the default) can be put back in force, after a confirmation.
#[component]
pub fn PolicyHistoryList(
    history: Signal<Loaded<Vec<PolicyVersion>>>,
    rollback: Callback<i64>,
) -> impl IntoView {
    let lang = lang();
    let confirming = RwSignal::new(None::<i64>);
    view! {
        <section class="policy-history" aria-labelledby="policy-history-title">
            <h3 id="policy-history-title">{tr("历史版本", "History")}</h3>
            {move || match history.get() {
                None => view! { <p class="loading" role="status">{tr("正在加载…", "Loading…")}</p> }.into_any(),
                Some(Err(e)) => view! {
                    <p class="error" role="alert">{tr("无法读取历史版本：", "Could not read the history: ")}{e}</p>
                }.into_any(),
                Some(Ok(versions)) => {
                    let newest = versions.first().map(|v| v.version);
                    let rows = history_diffs(&versions)
                        .into_iter()
                        .map(|(v, changes)| {
                            let version = v.version;
                            let back = v.rolled_back_from;
                            view! {
                                <li class="policy-version-row" data-version=version.to_string()>
                                    <div class="row-head">
                                        <strong>{move || policy::label(version, lang.get())}</strong>
                                        " · "{v.created_by.clone()}" · "{opdcheck_web::clock::human(&v.created_at)}
                                        {back.map(|b| view! {
                                            " · "<span class="rolled-back">{move || if lang.get() == Lang::Zh { format!("回滚自第{b}版") } else { format!("rolled back from v{b}") }}</span>
                                        })}
                                        <RollbackButton version=version current=newest == Some(version) confirming=confirming />
                                    </div>
                                    <Diff changes=changes />
                                </li>
                            }
                        })
                        .collect_view();
                    view! {
                        <ol class="policy-versions">
                            {rows}
                            <li class="policy-version-row" data-version="0">
                                <div class="row-head">
                                    <strong>{move || policy::label(0, lang.get())}</strong>
                                    <RollbackButton version=0 current=newest.is_none() confirming=confirming />
                                </div>
                            </li>
                        </ol>
                    }.into_any()
                }
            }}
            {move || confirming.get().map(|v| view! {
                <div class="confirm" role="alertdialog" aria-modal="false" aria-labelledby="rollback-q">
                    <p id="rollback-q">{move || match lang.get() {
                        Lang::Zh => format!("将{}另存为新版本并立即生效？所有医生的检查将按它进行。", policy::label(v, Lang::Zh)),
                        Lang::En => format!("Store {} again as a new version, in force at once? Every doctor's checks will follow it.", policy::label(v, Lang::En)),
                    }}</p>
                    <button type="button" id="rollback-confirm" class="primary" on:click=move |_| {
                        confirming.set(None);
                        rollback.run(v);
                    }>{tr("确认回滚", "Roll back")}</button>
                    <button type="button" class="small" on:click=move |_| confirming.set(None)>{tr("取消", "Cancel")}</button>
                </div>
            })}
        </section>
    }
}

#[component]
fn RollbackButton(version: i64, current: bool, confirming: RwSignal<Option<i64>>) -> impl IntoView {
    let lang = lang();
    (!current).then(|| {
        view! {
            <button type="button" class="small rollback" data-version=version.to_string()
                on:click=move |_| {
                confirming.set(Some(version));
                // The question takes the focus, so a keyboard user answers it next.
                request_animation_frame(|| crate::ui::summary::focus("rollback-confirm"));
            }>
                {move || match (version, lang.get()) {
                    (0, Lang::Zh) => "恢复默认规则".to_string(),
                    (0, Lang::En) => "Back to the default".to_string(),
                    (v, Lang::Zh) => format!("回滚到第{v}版"),
                    (v, Lang::En) => format!("Roll back to v{v}"),
                }}
            </button>
        }
    })
}

/// What a version changed, one line per JSON path, the kind said in words (not colour only).
#[component]
fn Diff(changes: Vec<Change>) -> impl IntoView {
    let lang = lang();
    if changes.is_empty() {
        return view! { <p class="diff-none">{tr("与上一版相同", "Same as the version before")}</p> }.into_any();
    }
    let show = |v: &Option<Value>| v.as_ref().map(Value::to_string).unwrap_or_default();
    view! {
        <ul class="diff">
            {changes.into_iter().map(|c| {
                let (class, zh, en) = match c.kind {
                    ChangeKind::Added => ("diff-added", "新增", "added"),
                    ChangeKind::Removed => ("diff-removed", "删除", "removed"),
                    ChangeKind::Changed => ("diff-changed", "修改", "changed"),
                };
                let values = match c.kind {
                    ChangeKind::Added => show(&c.new),
                    ChangeKind::Removed => show(&c.old),
                    ChangeKind::Changed => format!("{} → {}", show(&c.old), show(&c.new)),
                };
                view! {
                    <li class=class data-path=c.path.clone()>
                        <span class="diff-kind">{move || if lang.get() == Lang::Zh { zh } else { en }}</span>
                        " "<code>{c.path.clone()}</code>": "{values}
                    </li>
                }
            }).collect_view()}
        </ul>
    }.into_any()
}
