//! The manual checklist: what QA scores by hand while spot-checking a record, because no
//! document shows it. Two kinds of line, both from the policy's assessment items:
//! - an item no rule checks (`manual: true`: OPD-1, 2, 3, 6, 18 and most of the clinical table),
//!   with its own deduction and wording;
//! - the part of a checked item that documents do not show (`manual_check`): CLN-5's
//!   communication record (MR-08 checks the consents), CLN-8's missed or needless examinations
//!   (RQ-05 checks the consents), OPD-5's register (IR-01…04 and XV-04 check the cards), CLN-18's
//!   other rules (HX-01 checks one).
//!
//! QA's manual deductions are added to a record's total by [`crate::score::review_score`].

use serde::Serialize;

use crate::policy::Policy;
use crate::score::item_order;

/// One line of the manual checklist.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ManualItem {
    /// The assessment item it is charged under.
    pub item: String,
    pub zh: String,
    pub en: String,
    /// Points per occurrence, as the table gives them.
    pub deduction: f64,
    /// The most one review may charge on it.
    pub max: f64,
    /// The seed's own deduction wording.
    pub standard: String,
}

/// The largest `扣N分` / `扣N-M分` figure of a wording (0 when it has none).
pub fn largest_charge(standard: &str) -> f64 {
    let mut best: f64 = 0.0;
    for (i, _) in standard.match_indices('扣') {
        let rest = &standard[i + '扣'.len_utf8()..];
        let figure: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '-' || *c == '.')
            .collect();
        if !rest[figure.len()..].starts_with('分') {
            continue;
        }
        for part in figure.split('-') {
            if let Ok(n) = part.parse::<f64>() {
                best = best.max(n);
            }
        }
    }
    best
}

/// The checklist, in table order: every `manual` item (its maximum the largest figure of its
/// wording, at least its deduction) and every item's `manual_check`.
pub fn manual_items(policy: &Policy) -> Vec<ManualItem> {
    let mut items: Vec<ManualItem> = policy
        .items
        .iter()
        .filter_map(|(code, item)| {
            if item.manual {
                Some(ManualItem {
                    item: code.clone(),
                    zh: item.zh.clone(),
                    en: item.en.clone(),
                    deduction: item.deduction,
                    max: item.deduction.max(largest_charge(&item.standard)),
                    standard: item.standard.clone(),
                })
            } else {
                item.manual_check.as_ref().map(|m| ManualItem {
                    item: code.clone(),
                    zh: m.zh.clone(),
                    en: m.en.clone(),
                    deduction: m.deduction,
                    max: m.max,
                    standard: m.standard.clone(),
                })
            }
        })
        .collect();
    items.sort_by_key(|i| item_order(&i.item));
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Engine;

    fn items() -> Vec<ManualItem> {
        manual_items(&Engine::default_engine().policy)
    }

    fn line(code: &str) -> ManualItem {
        items()
            .into_iter()
            .find(|i| i.item == code)
            .unwrap_or_else(|| panic!("{code} is not on the checklist"))
    }

    /// The catalog's manual items (the assessment table, `docs/rules.md`), and the parts of checked items no
    /// document shows.
    #[test]
    fn the_checklist_holds_the_catalog_items_and_the_unseen_parts() {
        let codes: Vec<String> = items().into_iter().map(|i| i.item).collect();
        let expected = [
            "OPD-1", "OPD-2", "OPD-3", "OPD-5", "OPD-6", "OPD-18", "CLN-2", "CLN-3", "CLN-4",
            "CLN-5", "CLN-6", "CLN-8", "CLN-9", "CLN-10", "CLN-11", "CLN-12", "CLN-13", "CLN-14",
            "CLN-15", "CLN-16", "CLN-17", "CLN-18",
        ];
        assert_eq!(codes, expected);
        // Items the documents show in full are not on it.
        for code in ["OPD-4", "OPD-7", "OPD-10", "CLN-1", "CLN-7"] {
            assert!(!codes.iter().any(|c| c == code), "{code}");
        }
    }

    #[test]
    fn communication_examinations_and_register_carry_the_seed_wording_and_maxima() {
        let cln5 = line("CLN-5");
        assert_eq!(
            cln5.standard,
            "未及时医患沟通及记录，每次扣2分，记录简单有安全隐患扣1分"
        );
        assert_eq!((cln5.deduction, cln5.max), (2.0, 2.0));
        let cln8 = line("CLN-8");
        assert_eq!(
            cln8.standard,
            "查阅当月病历，凡发现应检查未检查或者无指征的检查项目，每项扣1分"
        );
        assert_eq!((cln8.deduction, cln8.max), (1.0, 1.0));
        let opd5 = line("OPD-5");
        assert_eq!(opd5.zh, "疫情报告准确、及时并有登记");
        assert_eq!(
            opd5.standard,
            "报告不及时每例次扣2分，报告内容有缺陷扣1分，漏报扣5分"
        );
        assert_eq!((opd5.deduction, opd5.max), (1.0, 5.0));
        // Each maximum is the largest figure of its wording.
        for i in items() {
            assert_eq!(
                i.max,
                i.deduction.max(largest_charge(&i.standard)),
                "{}",
                i.item
            );
        }
    }

    #[test]
    fn maxima_are_the_largest_figure_of_the_wording() {
        assert_eq!(line("CLN-18").max, 5.0, "酌情扣1-5分");
        assert_eq!(line("CLN-14").max, 5.0, "not the 100 of 合格率达100%");
        assert_eq!(line("OPD-2").max, 2.0);
        assert_eq!(largest_charge("扣1-5分"), 5.0);
        assert_eq!(largest_charge("合格率达100%"), 0.0);
    }
}
