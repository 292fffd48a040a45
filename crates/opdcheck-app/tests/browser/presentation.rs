//! Warnings doctors trust (issue 14, items 1–3): quiet until useful, sharp when it matters,
//! nothing that looks like data when it is not.

use super::*;

fn text_of(root: &Element, sel: &str) -> String {
    must(root, sel).text_content().unwrap_or_default()
}

#[wasm_bindgen_test]
async fn an_untouched_prescription_is_quiet_but_says_what_remains() {
    let doc = RwSignal::new(Prescription {
        items: vec![RxItem::default()],
        ..Default::default()
    });
    let root = mount(move || view! { <PrescriptionPage doc=doc /> });
    settle().await;
    // Not qualified, and the score counts what remains …
    assert!(q(&root, ".badge.bad").is_some());
    assert!(text_of(&root, ".deduction").contains("扣"));
    // … but no field shouts: the summary says how many are still to fill.
    assert!(
        q(&root, "li.ff.sev-error").is_none(),
        "an error shown on an untouched form"
    );
    let waiting = text_of(&root, "section.summary .waiting");
    assert!(
        waiting.starts_with("还有 ") && waiting.ends_with(" 项待填"),
        "{waiting}"
    );
    // Touching a field (typing in it, or leaving it) shows its finding.
    assert!(rules_at(&root, "f-rx-patient-name").is_empty());
    focus_out(&root, "#f-rx-patient-name");
    settle().await;
    assert_eq!(rules_at(&root, "f-rx-patient-name"), ["RX-01"]);
    assert!(rules_at(&root, "f-rx-department").is_empty());
    type_into(&root, "#f-rx-department", "");
    settle().await;
    assert_eq!(rules_at(&root, "f-rx-department"), ["RX-01"]);
    // Pressing 签名 is sign time: every finding shows, nothing waits, nothing is signed.
    click(&root, "button.sign");
    settle().await;
    assert!(q(&root, "section.summary .waiting").is_none());
    assert_eq!(rules_at(&root, "f-rx-patient-sex"), ["RX-01"]);
    assert!(q(&root, ".signed").is_none());
}

#[wasm_bindgen_test]
async fn a_finding_that_depends_on_the_diagnosis_waits_for_it() {
    let mut rx = clean_rx();
    rx.diagnoses = vec![String::new()];
    rx.diagnosis_codes = vec![None];
    let doc = RwSignal::new(rx);
    let root = mount(move || view! { <PrescriptionPage doc=doc /> });
    settle().await;
    // Amoxicillin, no diagnosis typed yet: "no infection diagnosis" would be noise.
    assert!(!rules_at(&root, "f-rx-items-0--drug").contains(&"RX-15".to_string()));
    type_into(&root, "#f-rx-diagnoses-0-", "原发性高血压");
    settle().await;
    assert!(rules_at(&root, "f-rx-items-0--drug").contains(&"RX-15".to_string()));
}

#[wasm_bindgen_test]
async fn an_allergy_comes_first_and_looks_different() {
    let mut rx = clean_rx();
    rx.patient.allergy_history = Some("青霉素过敏".into());
    rx.patient.allergens = vec!["青霉素".into()];
    rx.items[1].frequency = Some("遵医嘱".into());
    let doc = RwSignal::new(rx);
    let root = mount(move || view! { <PrescriptionPage doc=doc /> });
    settle().await;
    // First in the summary, in a group of its own with an icon and a word (not colour only).
    let first = must(&root, "section.summary button.finding");
    assert_eq!(first.get_attribute("data-rule").as_deref(), Some("RX-19"));
    let group = must(&root, "section.summary h3");
    assert!(group.class_list().contains("concern-safety"));
    assert!(group.text_content().unwrap().contains("⚠ 用药安全"));
    assert!(
        q(
            &root,
            "section.summary li.concern-safety button[data-rule='RX-19']"
        )
        .is_some()
    );
    assert!(
        q(
            &root,
            "section.summary li.concern-safety button[data-rule='RX-08']"
        )
        .is_none()
    );
    // At the drug field, marked as safety; a completeness finding is not.
    let at_drug = must(&root, "#f-rx-items-0--drug-desc li.ff[data-rule='RX-19']");
    assert!(at_drug.class_list().contains("concern-safety"));
    assert_eq!(
        at_drug
            .query_selector(".ff-safety")
            .unwrap()
            .unwrap()
            .text_content()
            .as_deref(),
        Some("⚠ 用药安全")
    );
    let vague = must(
        &root,
        "#f-rx-items-1--frequency-desc li.ff[data-rule='RX-08']",
    );
    assert!(!vague.class_list().contains("concern-safety"));
}

#[wasm_bindgen_test]
async fn a_drug_row_finding_shows_at_its_cell() {
    let doc = RwSignal::new(clean_rx());
    let root = mount(move || view! { <PrescriptionPage doc=doc /> });
    settle().await;
    type_into(&root, "#f-rx-items-0--frequency", "遵医嘱");
    settle().await;
    // At 频次, where the doctor types: not repeated under the whole row.
    assert_eq!(rules_at(&root, "f-rx-items-0--frequency"), ["RX-08"]);
    assert!(rules_at(&root, "f-rx-items-0-").is_empty());
    let cell = must(&root, ".item-row .field[data-path='items[0].frequency']");
    assert!(
        cell.query_selector("li.ff[data-rule='RX-08']")
            .unwrap()
            .is_some(),
        "the finding is inside the 频次 cell"
    );
}

#[wasm_bindgen_test]
async fn placeholders_are_hints_and_gone_on_a_signed_document() {
    let doc = RwSignal::new(clean_rx());
    let root = mount(move || view! { <PrescriptionPage doc=doc /> });
    settle().await;
    let ph = |sel: &str| must(&root, sel).get_attribute("placeholder");
    // An example, marked as one: never a patient's data.
    assert_eq!(ph("#f-rx-patient-allergens").as_deref(), Some("例：青霉素"));
    // No "否认药物过敏史" next to 缺少药物过敏史.
    assert!(ph("#f-rx-patient-allergy-history").is_none_or(|p| !p.contains("否认")));
    for sel in ["#f-rx-items-0--frequency", "#f-rx-issued-at"] {
        assert!(ph(sel).is_some_and(|p| p.starts_with("例：")), "{sel}");
    }
    click(&root, "button.sign");
    settle().await;
    assert!(q(&root, ".signed").is_some());
    // Signed and read-only: an empty field shows nothing.
    assert_eq!(ph("#f-rx-patient-allergens"), None);
    assert_eq!(ph("#f-rx-items-0--frequency"), None);
}

#[wasm_bindgen_test]
async fn dates_read_as_people_write_them() {
    let doc = RwSignal::new(clean_rx());
    let root = mount(move || view! { <PrescriptionPage doc=doc /> });
    settle().await;
    let issued = || {
        must(&root, "#f-rx-issued-at")
            .unchecked_into::<HtmlInputElement>()
            .value()
    };
    assert_eq!(issued(), "2026-11-22 09:30");
    type_into(&root, "#f-rx-issued-at", "2026-12-02 01:17");
    settle().await;
    assert_eq!(
        doc.with_untracked(|d| d.issued_at.clone()).as_deref(),
        Some("2026-12-02T01:17")
    );
    assert_eq!(issued(), "2026-12-02 01:17");
    assert!(!rules_at(&root, "f-rx-issued-at").contains(&"RX-01".to_string()));
}
