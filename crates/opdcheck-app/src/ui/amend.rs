//! 更正: the bar above a prescription's or a record's form. On a signed document it offers a
//! correction (reason required); while one is open it says what is being corrected and keeps
//! the document's `amendments` up to date with each edit; once the correction is signed it
//! lists the document's versions in the outbox. The logic is [`crate::amend`].

use gloo_storage::{SessionStorage, Storage};
use leptos::prelude::*;

use opdcheck_engine::model::filled;

use crate::amend::{self, Amendable, Correction, Open};
use crate::sync::{OutboxEntry, SyncState, entry_for};
use crate::ui::signer::signed_in_account;
use crate::ui::sync::sync_ctx;
use crate::ui::{now_minutes, tr, trs};

/// Session storage: corrections open in this tab (their originals hold patient data, so they
/// do not outlive the tab).
pub const STORAGE_KEY: &str = "opdcheck.corrections.v1";

fn load() -> Open {
    SessionStorage::raw()
        .get_item(STORAGE_KEY)
        .ok()
        .flatten()
        .map(|t| Open::from_json(&t))
        .unwrap_or_default()
}

fn store(open: &Open) {
    let s = SessionStorage::raw();
    let _ = if open.0.is_empty() {
        s.remove_item(STORAGE_KEY)
    } else {
        s.set_item(STORAGE_KEY, &open.to_json())
    };
}

/// Drop every open correction (signing out: they hold the originals, as the drafts do).
pub fn forget() {
    let _ = SessionStorage::raw().remove_item(STORAGE_KEY);
}

/// Called as a signed document enters the outbox: a correction of it is complete (its
/// amendments carry its reason), and it is closed.
pub fn on_enqueue(id: &str) {
    let mut open = load();
    if open.take(id).is_some() {
        store(&open);
    }
}

#[component]
pub fn AmendBar<T: Amendable + Send + Sync + 'static>(doc: RwSignal<T>) -> impl IntoView {
    let account = signed_in_account();
    let sync = sync_ctx();
    let closed = Memo::new(move |_| doc.with(|d| d.is_closed()));
    let id = Memo::new(move |_| doc.with(|d| d.doc_id().to_string()));
    // The correction of this document, while it is being written.
    let current = RwSignal::new(None::<Correction>);
    Effect::new(move |_| {
        let id = id.get();
        let c = (!closed.get()).then(|| load().get(&id).cloned()).flatten();
        current.set(c);
    });
    // Every edit of the copy is recorded as amendments against the original.
    Effect::new(move |_| {
        let Some(c) = current.get() else { return };
        if doc.with(|d| d.is_closed() || d.doc_id() != c.id) {
            return;
        }
        let mut next = doc.get();
        if amend::apply(&c, &mut next, &now_minutes()) {
            doc.set(next);
        }
    });
    let asking = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<(&'static str, &'static str)>);
    let versions = Memo::new(move |_| {
        let id = id.get();
        sync.map(|s| {
            s.entries.with(|es| {
                let mut v: Vec<OutboxEntry> = es.iter().filter(|e| e.id == id).cloned().collect();
                v.sort_by_key(|e| e.version);
                v
            })
        })
        .unwrap_or_default()
    });
    let start = move || {
        let version = sync
            .and_then(|s| {
                s.entries
                    .with_untracked(|es| entry_for(es, &id.get_untracked()).map(|e| e.version))
            })
            .unwrap_or(1);
        let opened = doc.with_untracked(|d| {
            account.with_untracked(|a| {
                amend::open(
                    d,
                    &reason.get_untracked(),
                    a.as_ref(),
                    &now_minutes(),
                    version,
                )
            })
        });
        match opened {
            Ok((c, copy)) => {
                let mut open = load();
                open.put(c.clone());
                store(&open);
                error.set(None);
                asking.set(false);
                reason.set(String::new());
                doc.set(copy);
                current.set(Some(c));
            }
            Err(e) => error.set(Some(e.message())),
        }
    };
    // Back to the signed original, as it was.
    let discard = move |_| {
        let Some(c) = current.get_untracked() else {
            return;
        };
        let mut open = load();
        open.take(&c.id);
        store(&open);
        if let Ok(original) = serde_json::from_value::<T>(c.original) {
            doc.set(original);
        }
        current.set(None);
    };
    // Amendments the document came with, unsigned or undated (RX-16, MR-06): signed here.
    let unsigned = Memo::new(move |_| doc.with(|d| amend::unsigned(d.amendments()).len()));
    let has_unsigned = move || unsigned.get() != 0;
    let signer_id = move || {
        account.get().map(|a| a.id).or_else(|| {
            doc.with(|d| {
                let mut d = d.clone();
                d.signer_mut()
                    .as_ref()
                    .and_then(|s| filled(&s.id).or(filled(&s.name)).map(str::to_owned))
            })
        })
    };
    let sign_unsigned = move |_| {
        let Some(by) = signer_id() else { return };
        doc.update(|d| {
            amend::sign_unsigned(d.amendments_mut(), &by, &now_minutes());
        });
    };
    let changed = Memo::new(move |_| {
        current.with(|c| c.as_ref().map_or(0, |c| doc.with(|d| amend::added(c, d))))
    });
    view! {
        <Show when=move || closed.get() || current.with(Option::is_some) || has_unsigned()>
        <section class="amend" aria-label=move || trs("更正".into(), "Correction".into())>
            <Show when=move || closed.get() && current.with(Option::is_none)>
                <div class="amend-offer">
                    <Show when=move || !asking.get() fallback=move || view! {
                        <div class="amend-ask" role="group">
                            <label for="amend-reason">{tr("更正原因", "Reason for the correction")}<span class="req" aria-hidden="true">"*"</span></label>
                            <textarea id="amend-reason" rows="2" required=true aria-required="true"
                                prop:value=move || reason.get()
                                on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
                            {move || error.get().map(|(zh, en)| view! { <p class="amend-error" role="alert">{tr(zh, en)}</p> })}
                            <div class="amend-actions">
                                <button type="button" class="primary" id="amend-start"
                                    disabled=move || reason.with(|r| r.trim().is_empty())
                                    on:click=move |_| start()>
                                    {tr("开始更正", "Start the correction")}
                                </button>
                                <button type="button" class="small" on:click=move |_| { asking.set(false); error.set(None) }>
                                    {tr("取消", "Cancel")}
                                </button>
                            </div>
                        </div>
                    }>
                        <button type="button" class="small" id="amend-open" on:click=move |_| asking.set(true)>
                            {tr("更正", "Correct")}
                        </button>
                        <span class="amend-note">{tr(
                            "已签名的文书不能直接修改；更正将记录修改内容、更正人、时间和原因，重新签名后作为新版本同步，原版本保留。",
                            "A signed document is not edited in place: a correction records what changed, by whom, when and why, is signed again and synced as a new version; the original version is kept.",
                        )}</span>
                    </Show>
                </div>
            </Show>
            <Show when=move || !closed.get() && current.with(Option::is_none) && has_unsigned()>
                <div class="amend-unsigned" role="group">
                    <span>{move || trs(
                        format!("本文书有 {} 处修改未签名或未注明日期。", unsigned.get()),
                        format!("{} correction(s) in this document are not signed or not dated.", unsigned.get()),
                    )}</span>
                    <button type="button" class="small" id="amend-sign-unsigned"
                        disabled=move || signer_id().is_none() on:click=sign_unsigned>
                        {tr("由本人签名并注明时间", "Sign and date them as mine")}
                    </button>
                    <Show when=move || signer_id().is_none()>
                        <span class="amend-note">{tr("请先填写签名医师。", "Fill in the signing physician first.")}</span>
                    </Show>
                </div>
            </Show>
            {move || current.get().filter(|_| !closed.get()).map(|c| {
                let next = c.version + 1;
                let reason = c.reason.clone();
                let by = c.by.clone();
                view! {
                    <div class="amend-open" role="status">
                        <p>
                            <strong>{tr("更正中", "Correcting")}</strong>" "
                            {trs(
                                format!("第 {} 版（已签名）保留不变；签名后本更正作为第 {next} 版同步。", c.version),
                                format!("version {} (signed) is kept as it is; signed, this correction is synced as version {next}.", c.version),
                            )}
                        </p>
                        <p class="amend-meta">
                            {tr("原因：", "Reason: ")}<span class="amend-reason">{reason}</span>
                            " · " {tr("更正人：", "By: ")}<span class="amend-by">{by}</span>
                            " · " {move || trs(format!("已修改 {} 处", changed.get()), format!("{} change(s)", changed.get()))}
                        </p>
                        <ul class="amend-changes">
                            {move || doc.with(|d| d.amendments()[d.amendments().len() - changed.get()..].iter().map(|a| {
                                view! {
                                    <li title=a.path.clone().unwrap_or_default()>{amend::describe(a.path.as_deref().unwrap_or_default())}"："{amend::show(a.before.as_ref())}" → "{amend::show(a.after.as_ref())}</li>
                                }
                            }).collect_view())}
                        </ul>
                        <button type="button" class="small" id="amend-discard" on:click=discard>
                            {tr("放弃更正", "Discard the correction")}
                        </button>
                    </div>
                }
            })}
            <Show when=move || closed.get() && versions.with(|v| v.len() > 1)>
                <div class="amend-versions">
                    <span>{tr("版本：", "Versions: ")}</span>
                    <ol>
                        {move || versions.get().into_iter().map(|e| {
                            let reasons: Vec<String> = e.document.get("amendments").and_then(|a| a.as_array())
                                .map(|a| a.iter().filter_map(|x| x.get("reason").and_then(|r| r.as_str()).map(str::to_owned)).collect())
                                .unwrap_or_default();
                            let mut reasons = reasons;
                            reasons.dedup();
                            let signed = e.document.pointer("/prescriber/signed_at").or(e.document.pointer("/physician/signed_at"))
                                .and_then(|v| v.as_str()).unwrap_or_default().replace('T', " ");
                            let state = match &e.state {
                                SyncState::Synced { .. } => trs("已同步".into(), "synced".into()),
                                SyncState::Pending => trs("待同步".into(), "pending".into()),
                                _ => trs("未同步".into(), "not synced".into()),
                            };
                            view! {
                                <li data-version=e.version.to_string() data-key=e.key.clone()>
                                    {trs(format!("第 {} 版", e.version), format!("version {}", e.version))}
                                    " · " {tr("签名 ", "signed ")}{signed} " · " {state}
                                    {(!reasons.is_empty()).then(|| view! { " · " {tr("更正：", "correction: ")}{reasons.join("；")} })}
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                </div>
            </Show>
        </section>
        </Show>
    }
}
