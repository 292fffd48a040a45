//! Sync with the companion API, offline first: the outbox (IndexedDB) and the agent that pushes
//! it, the session (sign-in, sign-out, a session the server ended), the status line, the
//! sign-in page and the list of my records. The sign-in form, the sign-out confirmation and
//! signing the browser out are `opdcheck_web`'s, shared with the QA workspace.

use leptos::prelude::*;
use leptos::task::spawn_local;
use opdcheck_engine::model::Document;
use opdcheck_engine::{Lang, Report};

use opdcheck_web::api::{CallError, Session};
use opdcheck_web::session;
use opdcheck_web::ui::{LoginForm, SessionEnded, SignOutConfirm};

use crate::api::{self, RecordPage};
use crate::outbox;
use crate::sync::{self as logic, BATCH, OutboxEntry, SyncState};
use crate::ui::{lang, tr, trs};

/// What the agent is doing.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Idle,
    Pushing,
    /// No network, or the server did not answer: retrying.
    Offline(String),
    /// Signed out, or the session expired: entries wait for a sign-in.
    NeedLogin,
}

/// The sync state shared by the app.
#[derive(Clone, Copy)]
pub struct SyncCtx {
    pub entries: RwSignal<Vec<OutboxEntry>>,
    pub session: RwSignal<Option<Session>>,
    pub status: RwSignal<Status>,
    /// The outbox has been read from IndexedDB.
    pub loaded: RwSignal<bool>,
    /// The server ended the session (a 401: the token expired or was revoked): the sign-in
    /// form says so.
    pub expired: RwSignal<bool>,
    busy: StoredValue<bool>,
    failures: StoredValue<u32>,
    retry: StoredValue<Option<TimeoutHandle>>,
}

impl SyncCtx {
    /// Start: read the outbox and the session, push what is pending, and push again whenever
    /// the browser comes back online and every 30 s.
    pub fn start() -> SyncCtx {
        let ctx = SyncCtx {
            entries: RwSignal::new(Vec::new()),
            session: RwSignal::new(session::stored()),
            status: RwSignal::new(Status::Idle),
            loaded: RwSignal::new(false),
            expired: RwSignal::new(false),
            busy: StoredValue::new(false),
            failures: StoredValue::new(0),
            retry: StoredValue::new(None),
        };
        provide_context(ctx);
        spawn_local(async move {
            match outbox::all().await {
                Ok(all) => ctx.entries.set(all),
                Err(e) => leptos::logging::warn!("outbox: {e}"),
            }
            ctx.loaded.set(true);
            ctx.sync_now();
        });
        let online = window_event_listener(leptos::ev::online, move |_| ctx.sync_now());
        let tick =
            set_interval_with_handle(move || ctx.sync_now(), std::time::Duration::from_secs(30))
                .ok();
        on_cleanup(move || {
            online.remove();
            if let Some(t) = tick {
                t.clear();
            }
            if let Some(Some(r)) = ctx.retry.try_get_value() {
                r.clear();
            }
        });
        ctx
    }

    /// Put a signed document in the outbox (IndexedDB first), then try to push it.
    pub fn enqueue(self, doc: Document, report: Report) {
        spawn_local(async move {
            let version = self
                .entries
                .with_untracked(|es| logic::next_version(es, doc.id()));
            let entry = OutboxEntry::new(&doc, &report, version, &crate::ui::now_stamp());
            // A signed correction is complete.
            crate::ui::amend::on_enqueue(&entry.id);
            if let Err(e) = outbox::put(std::slice::from_ref(&entry)).await {
                leptos::logging::error!("outbox: {e}");
            }
            self.entries.update(|es| es.push(entry));
            self.sync_now();
        });
    }

    pub fn sign_in(self, s: Session) {
        session::store(&s);
        self.session.set(Some(s));
        self.expired.set(false);
        self.failures.set_value(0);
        self.sync_now();
    }

    /// The server answered 401: the session is over (expired, idle too long, revoked). The
    /// token is forgotten; the outbox and the drafts stay, and are pushed after the next
    /// sign-in.
    pub fn expire(self) {
        session::forget();
        self.session.set(None);
        self.expired.set(true);
        self.status.set(Status::NeedLogin);
    }

    /// Sign out on purpose (after the doctor confirmed): see [`sign_out_device`]. `then` runs
    /// once it is done (the app replaces its drafts in memory).
    pub fn sign_out(self, then: Callback<()>) {
        let token = self
            .session
            .with_untracked(|s| s.as_ref().map(|s| s.token.clone()));
        self.session.set(None);
        self.expired.set(false);
        // Open corrections hold the originals (patient data), like the drafts.
        crate::ui::amend::forget();
        spawn_local(async move {
            match sign_out_device(token).await {
                Ok(kept) => self.entries.set(kept),
                // IndexedDB failed: nothing was deleted, so drop only the synced ones from view.
                Err(e) => {
                    leptos::logging::error!("sign out: {e}");
                    self.entries
                        .update(|es| es.retain(|e| !e.state.is_synced()));
                }
            }
            let pending = self
                .entries
                .with_untracked(|es| es.iter().any(OutboxEntry::is_pending));
            self.status.set(if pending {
                Status::NeedLogin
            } else {
                Status::Idle
            });
            then.run(());
        });
    }

    /// Save an entry the server would not store under its id as a new document (see
    /// [`logic::save_as_new`]): the new entry replaces it in IndexedDB in one transaction, then
    /// is pushed at once.
    pub fn save_as_new(self, key: String) {
        let Some(old) = self
            .entries
            .with_untracked(|es| es.iter().find(|e| e.key == key).cloned())
        else {
            return;
        };
        let Some(new) = logic::save_as_new(&old, &crate::ids::new_id()) else {
            return;
        };
        spawn_local(async move {
            if let Err(e) =
                outbox::write(std::slice::from_ref(&new), std::slice::from_ref(&key)).await
            {
                // Nothing changed on disk: the old entry (and its button) stays.
                leptos::logging::error!("outbox: {e}");
                return;
            }
            self.entries.update(|es| {
                logic::replace(es, &key, new);
            });
            self.failures.set_value(0);
            self.sync_now();
        });
    }

    /// Push every pending entry, a batch at a time, unless a push is under way.
    pub fn sync_now(self) {
        // Busy, not loaded yet, or the app is gone (a timer that fired after unmounting).
        let (Some(false), Some(true)) =
            (self.busy.try_get_value(), self.loaded.try_get_untracked())
        else {
            return;
        };
        if let Some(h) = self.retry.get_value() {
            h.clear();
            self.retry.set_value(None);
        }
        self.busy.set_value(true);
        spawn_local(async move {
            self.push_all().await;
            self.busy.set_value(false);
        });
    }

    async fn push_all(self) {
        loop {
            let Some(token) = self
                .session
                .with_untracked(|s| s.as_ref().map(|s| s.token.clone()))
            else {
                let pending = self
                    .entries
                    .with_untracked(|es| es.iter().any(OutboxEntry::is_pending));
                self.status.set(if pending {
                    Status::NeedLogin
                } else {
                    Status::Idle
                });
                return;
            };
            let batch: Vec<OutboxEntry> = self
                .entries
                .with_untracked(|es| logic::next_batch(es, BATCH).into_iter().cloned().collect());
            if batch.is_empty() {
                self.status.set(Status::Idle);
                return;
            }
            self.status.set(Status::Pushing);
            let refs: Vec<&OutboxEntry> = batch.iter().collect();
            match api::push(&token, &logic::push_request(&refs)).await {
                Ok(resp) => {
                    self.failures.set_value(0);
                    let mut all = self.entries.get_untracked();
                    logic::apply(&mut all, &resp);
                    let done: Vec<OutboxEntry> = all
                        .iter()
                        .filter(|e| batch.iter().any(|b| b.key == e.key) && !e.is_pending())
                        .cloned()
                        .collect();
                    if let Err(e) = outbox::put(&done).await {
                        leptos::logging::error!("outbox: {e}");
                    }
                    self.entries.set(all);
                    if done.is_empty() {
                        // Nothing acknowledged: do not spin on the same batch.
                        self.schedule_retry();
                        return;
                    }
                }
                Err(CallError::Unauthorized) => {
                    self.expire();
                    return;
                }
                Err(e) => {
                    self.status.set(Status::Offline(e.message()));
                    self.schedule_retry();
                    return;
                }
            }
        }
    }

    fn schedule_retry(self) {
        let n = self.failures.get_value() + 1;
        self.failures.set_value(n);
        let delay = logic::backoff(n);
        self.retry
            .set_value(set_timeout_with_handle(move || self.sync_now(), delay).ok());
    }
}

/// Sign this browser out (see `opdcheck_web::signout::sign_out_device`, the same for the QA
/// workspace): the drafts and the synced documents' copies go, every document the server does
/// not hold stays. Returns the outbox entries kept.
pub async fn sign_out_device(token: Option<String>) -> Result<Vec<OutboxEntry>, String> {
    let kept = opdcheck_web::signout::sign_out_device(token).await?;
    Ok(outbox::entries(&kept))
}

/// The sync context, when the app has one (a page mounted on its own in a test has none).
pub fn sync_ctx() -> Option<SyncCtx> {
    use_context::<SyncCtx>()
}

/// The status chip in the top bar: what is not yet synced, and who is signed in (with
/// 「退出登录」, which asks first: `signed_out` runs once the browser is signed out).
#[component]
pub fn SyncStatus(ctx: SyncCtx, #[prop(into)] signed_out: Callback<()>) -> impl IntoView {
    let confirm = RwSignal::new(false);
    let unsynced = Signal::derive(move || {
        ctx.entries.with(|es| {
            logic::unsynced(es)
                .into_iter()
                .filter_map(outbox::unsynced_view)
                .collect::<Vec<_>>()
        })
    });
    let lang = lang();
    let counts = Memo::new(move |_| ctx.entries.with(|es| logic::counts(es)));
    let text = move || {
        let c = counts.get();
        let zh = lang.get() == Lang::Zh;
        match (ctx.status.get(), c.pending) {
            (Status::Pushing, n) => {
                if zh {
                    format!("同步中… {n}")
                } else {
                    format!("syncing… {n}")
                }
            }
            (Status::NeedLogin, n) if n > 0 => {
                if zh {
                    format!("{n} 份未同步 · 请登录")
                } else {
                    format!("{n} not yet synced · sign in")
                }
            }
            (Status::Offline(_), n) if n > 0 => {
                if zh {
                    format!("离线 · {n} 份未同步")
                } else {
                    format!("offline · {n} not yet synced")
                }
            }
            (_, 0) if c.problems > 0 => {
                if zh {
                    format!("{} 份同步失败", c.problems)
                } else {
                    format!("{} failed to sync", c.problems)
                }
            }
            (_, 0) => {
                if zh {
                    "已全部同步".into()
                } else {
                    "all synced".into()
                }
            }
            (_, n) => {
                if zh {
                    format!("{n} 份未同步")
                } else {
                    format!("{n} not yet synced")
                }
            }
        }
    };
    let state = move || match (ctx.status.get(), counts.get()) {
        (Status::Offline(_), _) => "offline",
        (_, c) if c.problems > 0 => "problem",
        (_, c) if c.pending > 0 => "pending",
        _ => "ok",
    };
    view! {
        <span class="sync-status" data-state=state role="status" aria-live="polite"
            title=move || match ctx.status.get() { Status::Offline(m) => m, _ => String::new() }>
            {text}
        </span>
        {move || match ctx.session.get() {
            Some(s) => view! {
                <span class="user">{s.user.username.clone()}</span>
                <button type="button" class="small" id="sign-out" on:click=move |_| confirm.set(true)>{tr("退出登录", "Sign out")}</button>
            }.into_any(),
            None => view! { <a class="small signin" href="#/login">{tr("登录", "Sign in")}</a> }.into_any(),
        }}
        <SignOutConfirm open=confirm unsynced=unsynced
            confirm=Callback::new(move |_| ctx.sign_out(signed_out)) />
    }
}

/// The sync state of one document, for its header; for one the server would not store under
/// its id, what happened in plain words and the one way out, 「另存为新文书」.
#[component]
pub fn DocSyncState(#[prop(into)] id: Signal<String>) -> impl IntoView {
    let Some(ctx) = sync_ctx() else {
        return ().into_any();
    };
    let lang = lang();
    let latest = Memo::new(move |_| {
        let id = id.get();
        ctx.entries.with(|es| logic::entry_for(es, &id).cloned())
    });
    view! {
        {move || latest.get().map(|e| {
            let zh = lang.get() == Lang::Zh;
            let renamed = e.replaces.is_some();
            let (cls, text) = match &e.state {
                SyncState::Pending if renamed => ("pending", if zh { "已另存为新文书，待同步（已保存在本机）".to_string() } else { "saved as a new document; not yet synced (kept on this device)".to_string() }),
                SyncState::Pending => ("pending", if zh { "待同步（已保存在本机）".to_string() } else { "not yet synced (kept on this device)".to_string() }),
                SyncState::Synced { differs: false, .. } if renamed => ("ok", if zh { "已另存为新文书并同步，服务器复核一致".to_string() } else { "saved as a new document and synced; the server's check agrees".to_string() }),
                SyncState::Synced { differs: false, .. } => ("ok", if zh { "已同步，服务器复核一致".to_string() } else { "synced; the server's check agrees".to_string() }),
                SyncState::Synced { qualified, rules, .. } => ("differs", if zh {
                    format!("已同步；服务器复核结果不同：{}{}", if *qualified { "合格" } else { "不合格" }, if rules.is_empty() { String::new() } else { format!("（{}）", rules.join("、")) })
                } else {
                    format!("synced; the server's check differs: {}{}", if *qualified { "qualified" } else { "not qualified" }, if rules.is_empty() { String::new() } else { format!(" ({})", rules.join(", ")) })
                }),
                SyncState::Conflict { .. } | SyncState::Forbidden { .. } => ("problem", if zh { "未同步：需另存为新文书".to_string() } else { "not synced: save as a new document".to_string() }),
                SyncState::Rejected { .. } => ("problem", if zh { "服务器拒收".to_string() } else { "refused by the server".to_string() }),
            };
            let problem = matches!(e.state, SyncState::Conflict { .. } | SyncState::Forbidden { .. } | SyncState::Rejected { .. });
            view! {
                <span class="doc-sync" data-state=cls role="status">{text}</span>
                {problem.then(|| view! { <SyncProblem ctx=ctx entry=e.clone() /> })}
            }
        })}
    }
    .into_any()
}

/// What went wrong with an entry, said plainly, and 「另存为新文书」 where a new id is the way out.
#[component]
fn SyncProblem(ctx: SyncCtx, entry: OutboxEntry) -> impl IntoView {
    let lang = lang();
    let state = entry.state.clone();
    let key = entry.key.clone();
    let offer = entry.state.needs_new_id();
    view! {
        <div class="sync-problem" role="alert" data-key=entry.key.clone()>
            <p>{move || logic::explain(&state, lang.get()).unwrap_or_default()}</p>
            {offer.then(|| view! {
                <button type="button" class="primary save-as-new" on:click=move |_| ctx.save_as_new(key.clone())>
                    {tr("另存为新文书", "Save as a new document")}
                </button>
            })}
        </div>
    }
}

/// Sign in.
#[component]
pub fn LoginPage(ctx: SyncCtx, #[prop(into)] done: Callback<()>) -> impl IntoView {
    view! {
        <Show when=move || ctx.expired.get()>
            <SessionEnded />
        </Show>
        <LoginForm
            title=("登录", "Sign in")
            note=("登录后，已签名的文书会同步到医院服务器并由服务器复核。未登录时文书保存在本机。", "Signed documents are synced to the hospital's server and checked again there once you sign in. Until then they stay on this device.")
            on_session=Callback::new(move |s: Session| {
                ctx.sign_in(s);
                done.run(());
            })
        />
    }
}

/// My records on the server, with filters.
#[component]
pub fn RecordsPage(ctx: SyncCtx) -> impl IntoView {
    let kind = RwSignal::new(String::new());
    let qualified = RwSignal::new(String::new());
    let rule = RwSignal::new(String::new());
    let page = RwSignal::new(1u32);
    let result = RwSignal::new(None::<Result<RecordPage, String>>);
    Effect::new(move |_| {
        let Some(token) = ctx.session.with(|s| s.as_ref().map(|s| s.token.clone())) else {
            return;
        };
        // Re-list after a push acknowledged something.
        ctx.entries.track();
        let mut q: Vec<(&str, String)> =
            vec![("page", page.get().to_string()), ("per_page", "50".into())];
        for (k, v) in [
            ("kind", kind.get()),
            ("qualified", qualified.get()),
            ("rule", rule.get().trim().to_uppercase()),
        ] {
            if !v.is_empty() {
                q.push((k, v));
            }
        }
        spawn_local(async move {
            match api::records(&token, &q).await {
                Err(CallError::Unauthorized) => {
                    result.set(None);
                    ctx.expire();
                }
                r => result.set(Some(r.map_err(|e| e.message()))),
            }
        });
    });
    let kinds = [
        ("", "全部", "all"),
        ("prescription", "处方", "prescriptions"),
        ("outpatient_record", "门诊病历", "records"),
        ("exam_request", "申请单", "requests"),
        ("infectious_report", "报告卡", "report cards"),
    ];
    let lang = lang();
    view! {
        <section class="records">
            <header class="records-head">
                <h2>{tr("我的记录", "My records")}</h2>
                <Show when=move || ctx.session.with(Option::is_none)>
                    <p class="note">{tr("登录后查看服务器上的记录。", "Sign in to see the records on the server.")} " " <a href="#/login">{tr("登录", "Sign in")}</a></p>
                </Show>
                <label>{tr("类型", "Kind")}
                    <select id="records-kind" on:change=move |ev| { kind.set(event_target_value(&ev)); page.set(1) }>
                        {kinds.into_iter().map(|(v, zh, en)| view! { <option value=v>{tr(zh, en)}</option> }).collect_view()}
                    </select>
                </label>
                <label>{tr("结果", "Verdict")}
                    <select id="records-qualified" on:change=move |ev| { qualified.set(event_target_value(&ev)); page.set(1) }>
                        <option value="">{tr("全部", "all")}</option>
                        <option value="true">{tr("合格", "qualified")}</option>
                        <option value="false">{tr("不合格", "not qualified")}</option>
                    </select>
                </label>
                <label>{tr("规则", "Rule")}
                    <input id="records-rule" placeholder="RX-08" on:change=move |ev| { rule.set(event_target_value(&ev)); page.set(1) } />
                </label>
            </header>
            <OutboxList ctx=ctx />
            {move || match result.get() {
                None => ().into_any(),
                Some(Err(e)) => view! { <p class="login-error" role="alert">{e}</p> }.into_any(),
                Some(Ok(p)) => {
                    let total = p.total;
                    let pages = total.div_ceil(u64::from(p.per_page.max(1))).max(1) as u32;
                    view! {
                        <table class="records-table">
                            <thead><tr>
                                <th scope="col">{tr("文书", "Document")}</th>
                                <th scope="col">{tr("类型", "Kind")}</th>
                                <th scope="col">{tr("科室", "Department")}</th>
                                <th scope="col">{tr("服务器复核", "Server's check")}</th>
                                <th scope="col">{tr("规则", "Rules")}</th>
                                <th scope="col">{tr("时间", "Time")}</th>
                            </tr></thead>
                            <tbody>
                                {p.items.into_iter().map(|r| view! {
                                    <tr>
                                        <td><code>{r.id.clone()}</code> " v" {r.version}</td>
                                        <td>{r.kind.clone()}</td>
                                        <td>{r.department.clone().unwrap_or_default()}</td>
                                        <td><span class="badge" class:ok=r.qualified class:bad=!r.qualified>
                                            {if r.qualified { tr("合格", "qualified") } else { tr("不合格", "not qualified") }}</span>
                                            " " {crate::ui::trs(format!("扣 {} 分", r.deduction), format!("−{} points", r.deduction))}</td>
                                        <td>{r.rules.join(" ")}</td>
                                        <td>{opdcheck_web::clock::human(&r.created_at)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <nav class="pager">
                            <button type="button" class="small" disabled=move || page.get() <= 1 on:click=move |_| page.update(|p| *p = p.saturating_sub(1).max(1))>{tr("上一页", "Previous")}</button>
                            <span>{move || if lang.get() == Lang::Zh { format!("第 {} / {pages} 页，共 {total} 份", page.get()) } else { format!("page {} of {pages}, {total} in all", page.get()) }}</span>
                            <button type="button" class="small" disabled=move || { page.get() >= pages } on:click=move |_| page.update(|p| *p += 1)>{tr("下一页", "Next")}</button>
                        </nav>
                    }.into_any()
                }
            }}
        </section>
    }
}

/// What this device has not synced yet, or could not.
#[component]
fn OutboxList(ctx: SyncCtx) -> impl IntoView {
    let waiting = Memo::new(move |_| {
        ctx.entries.with(|es| {
            es.iter()
                .filter(|e| !matches!(e.state, SyncState::Synced { .. }))
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    view! {
        <Show when=move || waiting.with(|w| !w.is_empty())>
            <h3>{tr("本机未同步", "Not yet synced from this device")}</h3>
            <ul class="outbox">
                {move || waiting.get().into_iter().map(|e| {
                    let state = match &e.state {
                        SyncState::Pending => trs("待同步".into(), "pending".into()),
                        SyncState::Conflict { .. } | SyncState::Forbidden { .. } => trs("未同步：需另存为新文书".into(), "not synced: save as a new document".into()),
                        SyncState::Rejected { .. } => trs("服务器拒收".into(), "refused by the server".into()),
                        SyncState::Synced { .. } => trs(String::new(), String::new()),
                    };
                    let problem = !e.is_pending();
                    view! {
                        <li>
                            <code>{e.key.clone()}</code> " " {state} " · " {opdcheck_web::clock::human(&e.queued_at)}
                            {problem.then(|| view! { <SyncProblem ctx=ctx entry=e.clone() /> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </Show>
    }
}
