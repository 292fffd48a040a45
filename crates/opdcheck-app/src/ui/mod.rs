//! The Leptos components. Logic they need lives in plain modules of the crate (tested natively);
//! these only bind it to the page.

pub mod catalog;
pub mod common;
pub mod field;
pub mod infectious;
pub mod prescription;
pub mod record;
pub mod request;
pub mod shell;
pub mod summary;
pub mod sync;
pub mod visit;

use leptos::prelude::*;
use opdcheck_engine::{Engine, Lang};

/// App-wide state given to every component.
#[derive(Clone, Copy)]
pub struct Ui {
    pub lang: RwSignal<Lang>,
}

/// The interface language.
pub fn lang() -> RwSignal<Lang> {
    use_context::<Ui>().map(|u| u.lang).unwrap_or_else(|| {
        // A component mounted on its own (browser tests) gets the default language.
        let ui = Ui {
            lang: RwSignal::new(Lang::Zh),
        };
        provide_context(ui);
        ui.lang
    })
}

/// The interface language of a page (the app, the QA workspace): as last chosen on this device,
/// given to every component, kept when changed, and said on `<html lang>`.
pub fn provide_lang() -> RwSignal<Lang> {
    use gloo_storage::{LocalStorage, Storage};
    const KEY: &str = "opdcheck.lang";
    let lang = RwSignal::new(
        LocalStorage::get::<String>(KEY)
            .ok()
            .filter(|l| l == "en")
            .map(|_| Lang::En)
            .unwrap_or(Lang::Zh),
    );
    provide_context(Ui { lang });
    Effect::new(move |_| {
        let en = lang.get() == Lang::En;
        let _ = LocalStorage::set(KEY, if en { "en" } else { "zh" });
        if let Some(html) = document().document_element() {
            let _ = html.set_attribute("lang", if en { "en" } else { "zh-CN" });
        }
    });
    lang
}

/// The checking engine (the default policy, embedded).
pub fn engine() -> &'static Engine {
    Engine::default_engine()
}

/// A label in the interface language, as a reactive closure: `tr!("处方", "Prescription")`.
#[macro_export]
macro_rules! tr {
    ($zh:expr, $en:expr) => {{
        let l = $crate::ui::lang();
        move || {
            if l.get() == opdcheck_engine::Lang::Zh {
                $zh
            } else {
                $en
            }
        }
    }};
}

/// Local time now, as the interchange format writes it: `2026-11-22T09:40`.
pub fn now_stamp() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let d = js_sys::Date::new_0();
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            d.get_full_year(),
            d.get_month() + 1,
            d.get_date(),
            d.get_hours(),
            d.get_minutes(),
            d.get_seconds()
        )
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        "2026-11-22T12:00:00".to_string()
    }
}

/// Minutes precision, for signature and document times.
pub fn now_minutes() -> String {
    now_stamp()[..16].to_string()
}

/// A label in the interface language. One function for every label, so the app carries one
/// reactive text type instead of a closure type (and its rendering code) per label.
pub fn tr(zh: &'static str, en: &'static str) -> Signal<&'static str> {
    let l = lang();
    Signal::derive(move || if l.get() == Lang::Zh { zh } else { en })
}

/// A formatted label in the interface language (both texts made once).
pub fn trs(zh: String, en: String) -> Signal<String> {
    let l = lang();
    Signal::derive(move || {
        if l.get() == Lang::Zh {
            zh.clone()
        } else {
            en.clone()
        }
    })
}
