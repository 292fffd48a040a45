//! The hospital's policy on this page: which one checks (the one received from the server,
//! else the cached one, else the embedded default), kept fresh by a small agent, and the label
//! each report shows. The cache and the engine's construction are `opdcheck_web::policy`'s.
//!
//! The policy in force is one page-wide signal rather than a context: `engine()` is called from
//! memos, event handlers and plain helpers alike, and every report memo must re-run when it
//! changes.

use leptos::prelude::*;
use leptos::reactive::graph::Observer;
use leptos::task::spawn_local;
use opdcheck_web::policy::{self, Active, EngineRef, PolicyCache, Source, Variant};
use opdcheck_web::session;

use crate::ui::{lang, tr};

/// How often an open page asks whether the policy changed (a conditional GET: a 304 costs
/// nothing), besides at start and when the browser comes back online.
pub const REFRESH: std::time::Duration = std::time::Duration::from_secs(60);

thread_local! {
    static ACTIVE: ArcRwSignal<Active> = ArcRwSignal::new(Active::builtin());
    /// The engine alone, set only when it changes: the server's first answer usually confirms
    /// the policy already in force and changes only where it came from. Tracking this instead
    /// of [`ACTIVE`] keeps every form from re-checking and re-rendering for that, on the main
    /// thread just when the doctor starts typing.
    static ENGINE: ArcRwSignal<EngineRef> = ArcRwSignal::new(Active::builtin().engine);
}

/// The policy in force (a signal: tracked where read reactively).
pub fn active() -> ArcRwSignal<Active> {
    ACTIVE.with(Clone::clone)
}

/// The engine of the policy in force. Tracked only inside a reactive computation, so event
/// handlers and component bodies read it without the untracked-read warning; and tracked by
/// a change of engine only (see [`ENGINE`]).
pub fn engine() -> EngineRef {
    let e = ENGINE.with(Clone::clone);
    if Observer::get().is_some() {
        e.track();
    }
    e.get_untracked()
}

/// How long after the server's answer the policy is written to this browser's storage.
const STORE_DELAY: std::time::Duration = std::time::Duration::from_millis(1500);

/// Check with this policy from now on: every open form's report follows.
pub fn set_active(a: Active) {
    let e = ENGINE.with(Clone::clone);
    if !e.with_untracked(|e| e.same(&a.engine)) {
        e.set(a.engine.clone());
    }
    active().set(a);
}

/// Start the agent: the cached policy at once, then the server's, at start, every
/// [`REFRESH`] and whenever the browser comes back online. Offline, the cached (or default)
/// policy stays. When the page goes away, the default is back (tests mount pages in turn).
pub fn start_agent() {
    // Signed out, a whole registry cached while signed in is neither used nor kept.
    let cache = StoredValue::new(policy::load(session::stored().is_some()));
    let cached = cache.with_value(|c| c.as_ref().map(|c| Active::of(&c.policy, Source::Cached)));
    match cached {
        Some(Ok(a)) => set_active(a),
        Some(Err(e)) => {
            leptos::logging::warn!("cached policy refused: {}", e.0.message);
            set_active(Active::builtin());
        }
        None => set_active(Active::builtin()),
    }
    let refresh = move || {
        spawn_local(async move {
            let Some(etag) =
                cache.try_with_value(|c| PolicyCache::if_none_match(c.as_ref()).map(str::to_owned))
            else {
                return;
            };
            // Signed in, the session's token fetches the whole registry (names, signatures).
            let token = session::stored().map(|s| s.token);
            let fetched = match policy::fetch("", token.as_deref(), etag.as_deref()).await {
                Ok(f) => f,
                // Offline or no policy endpoint: keep checking with what we have.
                Err(e) => return leptos::logging::log!("policy refresh: {}", e.message()),
            };
            // The page may have gone while the request was out.
            let Some(next) = cache.try_with_value(|c| PolicyCache::after(c.as_ref(), fetched))
            else {
                return;
            };
            match next {
                // Signed out while the request was out: the whole answer is not kept.
                Some(c) if c.variant == Variant::Whole && session::stored().is_none() => {}
                Some(c) => match Active::of(&c.policy, Source::Server) {
                    Ok(a) => {
                        // Written a moment later: the answer comes as the first form is shown,
                        // and a ~200 KB write to localStorage then would hold up the doctor's
                        // first key. A page left before it only fetches the policy again.
                        let keep = c.clone();
                        set_timeout(
                            move || {
                                // Signed out meanwhile: the whole registry is not kept.
                                if keep.variant != Variant::Whole || session::stored().is_some() {
                                    policy::store(&keep);
                                }
                            },
                            STORE_DELAY,
                        );
                        cache.set_value(Some(c));
                        set_active(a);
                    }
                    // A policy this build cannot read: keep the one in force, say why.
                    Err(e) => leptos::logging::warn!("server policy refused: {}", e.0.message),
                },
                None => {
                    let s = active();
                    if s.with_untracked(|a| a.source == Source::Cached) {
                        s.update(|a| a.source = Source::Server);
                    }
                }
            }
        })
    };
    refresh();
    let online = window_event_listener(leptos::ev::online, move |_| refresh());
    let tick = set_interval_with_handle(refresh, REFRESH).ok();
    on_cleanup(move || {
        online.remove();
        if let Some(t) = tick {
            t.clear();
        }
        set_active(Active::builtin());
    });
}

/// Which policy checked the report shown: "医院规则 第N版" / "默认规则", the ruleset as its title.
#[component]
pub fn PolicyUsed() -> impl IntoView {
    let lang = lang();
    let a = active();
    let (a1, a2, a3) = (a.clone(), a.clone(), a);
    view! {
        <span class="policy-used"
            title=move || a1.with(|a| a.ruleset.clone())
            data-version=move || a2.with(|a| a.version.to_string())>
            {move || a3.with(|a| a.label(lang.get()))}
        </span>
    }
}

/// The footer's line: the policy in force and its ruleset, and, before any policy was
/// received, that the default is checking.
#[component]
pub fn PolicyStatus() -> impl IntoView {
    let a = active();
    let a1 = a.clone();
    let builtin = move || a.with(|a| a.source == Source::Builtin);
    view! {
        <span class="policy-status">
            <PolicyUsed />
            " · "
            {move || a1.with(|a| a.ruleset.clone())}
            <Show when=builtin>
                " "{tr("（尚未取得医院规则，按默认规则检查）", "(the hospital's policy is not loaded yet: checked with the default)")}
            </Show>
        </span>
    }
}
