//! The rule catalog page, built from the engine's registry: searchable by code, title, item,
//! clause and text.

use leptos::prelude::*;

use crate::ui::tr;
use opdcheck_engine::Lang;
use opdcheck_engine::rules::{Group, RULES, Rule};

use crate::ui::field::{severity_class, severity_label};
use crate::ui::lang;

/// Does the rule match every word of the query? A word that is a rule code (`rx-08`) matches
/// that rule only, not the rules whose text mentions it.
pub fn matches(rule: &Rule, query: &str) -> bool {
    let is_code = |w: &str| RULES.iter().any(|r| r.code.eq_ignore_ascii_case(w));
    if query
        .split_whitespace()
        .any(|w| is_code(w) && !rule.code.eq_ignore_ascii_case(w))
    {
        return false;
    }
    let hay = format!(
        "{} {} {} {} {} {}",
        rule.code, rule.item, rule.title.0, rule.title.1, rule.clause, rule.doc
    )
    .to_lowercase();
    query
        .split_whitespace()
        .all(|w| hay.contains(&w.to_lowercase()))
}

#[component]
pub fn CatalogPage() -> impl IntoView {
    let lang = lang();
    let query = RwSignal::new(String::new());
    let shown = Memo::new(move |_| query.with(|q| RULES.iter().filter(|r| matches(r, q)).count()));
    view! {
        <section class="catalog">
            <header class="catalog-head">
                <h2>{tr("规则目录", "Rule catalog")}</h2>
                <label class="search">
                    <span class="sr-only">{tr("搜索规则", "Search rules")}</span>
                    <input type="search" id="catalog-search" placeholder=tr("搜索：代码、名称、条款，如 RX-08、过敏、第19条", "Search: code, title, clause, e.g. RX-08, allergy")
                        prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev)) />
                </label>
                <span class="count" aria-live="polite">{move || {
                    let n = shown.get();
                    if lang.get() == Lang::Zh { format!("{n} / {} 条", RULES.len()) } else { format!("{n} of {} rules", RULES.len()) }
                }}</span>
            </header>
            {Group::ALL.into_iter().map(|g| {
                let rules: Vec<&'static Rule> = RULES.iter().copied().filter(|r| r.group() == g).collect();
                let any = {
                    let rules = rules.clone();
                    Memo::new(move |_| query.with(|q| rules.iter().any(|r| matches(r, q))))
                };
                let (zh, en) = g.title();
                view! {
                    <Show when=move || any.get()>
                        <h3>{tr(zh, en)}</h3>
                    </Show>
                    <ul class="rules">
                        {rules.iter().map(|&r| {
                            let visible = Memo::new(move |_| query.with(|q| matches(r, q)));
                            view! {
                                <li class="rule" id=format!("rule-{}", r.code) hidden=move || !visible.get()>
                                    <details>
                                        <summary>
                                            <span class="code">{r.code}</span>
                                            <span class=format!("sev {}", severity_class(r.severity))>{move || severity_label(r.severity, lang.get())}</span>
                                            <span class="item">{r.item}</span>
                                            <span class="title">{tr(r.title.0, r.title.1)}</span>
                                            {r.overridable.then(|| view! { <span class="tag">{tr("可填写理由放行", "a recorded reason accepts it")}</span> })}
                                        </summary>
                                        <p class="clause">{r.clause}</p>
                                        <pre class="doc">{r.doc_text()}</pre>
                                    </details>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }
            }).collect_view()}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_codes_titles_and_clauses() {
        let find = |q: &str| {
            RULES
                .iter()
                .filter(|r| matches(r, q))
                .map(|r| r.code)
                .collect::<Vec<_>>()
        };
        assert_eq!(find("rx-08"), ["RX-08"]);
        assert!(find("过敏").contains(&"RX-19"));
        assert!(find("第19条").contains(&"RX-12"));
        assert_eq!(find("").len(), RULES.len());
        assert!(find("no-such-thing-at-all").is_empty());
    }
}
