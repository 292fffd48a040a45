//! The parts of the top bar both pages have.

use leptos::prelude::*;
use opdcheck_engine::Lang;

use crate::labels::{lang, tr};

/// The product's name at the left of the top bar (the app's and the QA workspace's).
#[component]
pub fn Brand(href: &'static str) -> impl IntoView {
    view! {
        <a class="brand" href=href>
            <span class="logo" aria-hidden="true">"✚"</span>
            <span>{tr("门诊文书质控", "Outpatient document QA")}</span>
            <small>"opdcheck"</small>
        </a>
    }
}

/// The language switch at the right of the top bar.
#[component]
pub fn LangSwitch() -> impl IntoView {
    let lang = lang();
    view! {
        <button type="button" class="small lang" on:click=move |_| lang.update(|l| *l = if *l == Lang::Zh { Lang::En } else { Lang::Zh })
            aria-label=tr("EN：Switch to English", "中文：切换到中文")>
            {tr("EN", "中文")}
        </button>
    }
}
