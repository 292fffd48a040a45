//! The interface language and the labels in it: every label is a `(zh, en)` pair of static
//! texts shown as one reactive text type, so a page carries one rendering path for all of them.

use leptos::prelude::*;
use opdcheck_engine::{DocKind, Lang};

/// Where the chosen language is kept (the app and the QA workspace share it).
pub const LANG_KEY: &str = "opdcheck.lang";

/// Page-wide state given to every component.
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

/// The stored language choice as a language: English only when English was chosen.
pub fn lang_of(stored: Option<&str>) -> Lang {
    if stored == Some("en") {
        Lang::En
    } else {
        Lang::Zh
    }
}

/// The interface language of a page (the app, the QA workspace): as last chosen on this device,
/// given to every component, kept when changed, and said on `<html lang>`.
pub fn provide_lang() -> RwSignal<Lang> {
    use gloo_storage::{LocalStorage, Storage};
    let lang = RwSignal::new(lang_of(
        LocalStorage::get::<String>(LANG_KEY).ok().as_deref(),
    ));
    provide_context(Ui { lang });
    Effect::new(move |_| {
        let en = lang.get() == Lang::En;
        let _ = LocalStorage::set(LANG_KEY, if en { "en" } else { "zh" });
        if let Some(html) = document().document_element() {
            let _ = html.set_attribute("lang", if en { "en" } else { "zh-CN" });
        }
    });
    lang
}

/// A label in the interface language. One function for every label, so a page carries one
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

/// A document kind's title.
pub fn kind_title(kind: DocKind) -> (&'static str, &'static str) {
    match kind {
        DocKind::Prescription => ("处方", "Prescription"),
        DocKind::OutpatientRecord => ("门诊病历", "Outpatient record"),
        DocKind::ExamRequest => ("检查/检验申请单", "Examination request"),
        DocKind::InfectiousReport => ("传染病报告卡", "Infectious disease report card"),
        DocKind::Visit => ("就诊（全部文书）", "Visit (all documents)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_only_when_chosen() {
        assert_eq!(lang_of(Some("en")), Lang::En);
        assert_eq!(lang_of(Some("zh")), Lang::Zh);
        assert_eq!(lang_of(Some("fr")), Lang::Zh);
        assert_eq!(lang_of(None), Lang::Zh);
    }

    #[test]
    fn every_kind_has_a_title_in_both_languages() {
        for k in [
            DocKind::Prescription,
            DocKind::OutpatientRecord,
            DocKind::ExamRequest,
            DocKind::InfectiousReport,
            DocKind::Visit,
        ] {
            let (zh, en) = kind_title(k);
            assert!(!zh.is_ascii() && en.is_ascii() && !en.is_empty());
        }
    }
}
