//! The summary panel: every finding of the document grouped by severity, with its clause and
//! how to fix it; choosing one takes the user to its field.

use leptos::prelude::*;

use crate::ui::tr;
use opdcheck_engine::{Finding, Lang, Report, Severity};
use wasm_bindgen::JsCast;

use crate::ui::field::{safety_label, severity_class, severity_label};
use crate::visibility::waiting_line;
use opdcheck_engine::concern::is_safety;

/// A group of the summary list.
#[derive(Clone, Copy)]
enum Group {
    Safety,
    Sev(Severity),
}

impl Group {
    fn holds(self, f: &Finding) -> bool {
        match self {
            Group::Safety => is_safety(f),
            Group::Sev(s) => !is_safety(f) && f.severity == s,
        }
    }
    fn class(self) -> &'static str {
        match self {
            Group::Safety => "concern-safety",
            Group::Sev(s) => severity_class(s),
        }
    }
    fn label(self, l: Lang) -> &'static str {
        match self {
            Group::Safety => safety_label(l),
            Group::Sev(s) => severity_label(s, l),
        }
    }
}
use crate::ui::lang;
use crate::ui::policy::PolicyUsed;

/// Focus the element with this id (a field, or a focusable container) and bring it into view.
pub fn focus(id: &str) {
    let Some(el) = document().get_element_by_id(id) else {
        return;
    };
    if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
        let opts = web_sys::ScrollIntoViewOptions::new();
        opts.set_block(web_sys::ScrollLogicalPosition::Center);
        el.scroll_into_view_with_scroll_into_view_options(&opts);
        let _ = el.focus();
    }
}

/// The score line: deduction and the qualified badge.
#[component]
pub fn ScoreBadge(report: Signal<Report>) -> impl IntoView {
    let lang = lang();
    let qualified = move || report.with(|r| r.score.qualified);
    let deduction = move || report.with(|r| r.score.deduction);
    view! {
        <div class="score" role="status" aria-live="polite">
            <span class="badge" class:ok=qualified class:bad=move || !qualified()>
                {move || match (qualified(), lang.get()) {
                    (true, Lang::Zh) => "✓ 合格",
                    (false, Lang::Zh) => "✗ 不合格",
                    (true, Lang::En) => "✓ qualified",
                    (false, Lang::En) => "✗ not qualified",
                }}
            </span>
            <span class="deduction">
                {move || {
                    let d = deduction();
                    if lang.get() == Lang::Zh { format!("扣 {d} 分") } else { format!("−{d} points") }
                }}
            </span>
            <PolicyUsed />
        </div>
    }
}

/// Findings grouped by severity; each is a button that focuses its field (`target` gives the
/// element id of a finding).
#[component]
pub fn SummaryPanel(
    #[prop(into)] findings: Signal<Vec<Finding>>,
    #[prop(into)] target: Callback<Finding, String>,
    #[prop(optional, into)] title: Option<Signal<String>>,
    /// How many findings wait for their field to be touched (or for 签名): 「还有 N 项待填」.
    #[prop(optional, into)]
    waiting: Option<Signal<usize>>,
    /// Runs before the field is focused (the visit view opens the finding's document first).
    #[prop(optional)]
    on_pick: Option<Callback<Finding>>,
) -> impl IntoView {
    let lang = lang();
    // Patient safety first, in a group of its own; then the rest by severity.
    let groups = [
        Group::Safety,
        Group::Sev(Severity::Error),
        Group::Sev(Severity::Warning),
        Group::Sev(Severity::Info),
    ];
    let waiting = move || waiting.map(|w| w.get()).unwrap_or(0);
    view! {
        <section class="summary" aria-label=tr("检查结果", "Findings")>
            <h2>
                {move || title.map(|t| t.get()).unwrap_or_else(|| {
                    if lang.get() == Lang::Zh { "检查结果".into() } else { "Findings".into() }
                })}
                <span class="count">{move || findings.with(Vec::len)}</span>
            </h2>
            <Show when=move || waiting() != 0>
                <p class="waiting" role="status">
                    {move || waiting_line(waiting(), lang.get() == Lang::Zh).unwrap_or_default()}
                </p>
            </Show>
            <Show when=move || findings.with(Vec::is_empty) && waiting() == 0>
                <p class="all-clear">{tr("未发现问题。", "No findings.")}</p>
            </Show>
            {groups
                .into_iter()
                .map(|group| {
                    let of_sev = Memo::new(move |_| {
                        findings.with(|fs| fs.iter().filter(|f| group.holds(f)).cloned().collect::<Vec<_>>())
                    });
                    view! {
                        <Show when=move || of_sev.with(|v| !v.is_empty())>
                            <h3 class=group.class()>
                                {move || group.label(lang.get())}
                                " "
                                <span class="count">{move || of_sev.with(Vec::len)}</span>
                            </h3>
                            <ul class="summary-list">
                                <For
                                    each=move || of_sev.get().into_iter().enumerate()
                                    key=|(i, f)| (*i, crate::ui::field::finding_key(f))
                                    children=move |(_, f)| {
                                        let id = target.run(f.clone());
                                        let f2 = f.clone();
                                        let f3 = f.clone();
                                        view! {
                                            <li class=format!("{}{}", severity_class(f.severity), if is_safety(&f) { " concern-safety" } else { "" })>
                                                <button type="button" class="finding" data-rule=f.rule.clone()
                                                    on:click=move |_| match on_pick {
                                                        Some(cb) => {
                                                            cb.run(f3.clone());
                                                            let id = id.clone();
                                                            request_animation_frame(move || focus(&id));
                                                        }
                                                        None => focus(&id),
                                                    }>
                                                    <span class="code">{f.rule.clone()}</span>
                                                    <span class="item">{f.item.clone()}</span>
                                                    <span class="msg">{move || f2.message.get(lang.get()).to_string()}</span>
                                                </button>
                                                <div class="fix">
                                                    <span class="hint">{let h = f.hint.clone(); move || h.get(lang.get()).to_string()}</span>
                                                    <span class="clause">{f.clause.clone()}</span>
                                                    <span class="path"><code>{f.path.clone()}</code></span>
                                                    <crate::ui::reasons::FindingNotes f=f.clone() />
                                                </div>
                                            </li>
                                        }
                                    }
                                />
                            </ul>
                        </Show>
                    }
                })
                .collect_view()}
        </section>
    }
}
