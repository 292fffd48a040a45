//! Scoring one document: each assessment item's deduction is charged once when any of its
//! rules fires with severity `error`; OPD-5 is charged per case (late 2, defective 1, missed 5
//! for each missed case). `qualified` (合格) = no error finding.

use std::collections::BTreeMap;

use crate::policy::Policy;
use crate::report::{Finding, ItemDeduction, Score, Severity};
use crate::rules;

/// Items ordered as the tables number them: OPD-4 before OPD-10, OPD before CLN.
pub fn item_order(item: &str) -> (u8, u32, String) {
    let (prefix, n) = item.split_once('-').unwrap_or((item, ""));
    let group = match prefix {
        "OPD" => 0,
        "CLN" => 1,
        _ => 2,
    };
    (group, n.parse().unwrap_or(u32::MAX), item.to_string())
}

/// The score of one document's findings.
pub fn score(findings: &[Finding], policy: &Policy) -> Score {
    let mut by_item: BTreeMap<(u8, u32, String), f64> = BTreeMap::new();
    let mut charged: Vec<(&str, Option<&str>)> = Vec::new();
    for f in findings.iter().filter(|f| f.severity == Severity::Error) {
        let case = rules::rule(&f.rule).and_then(|r| r.case);
        let item = policy.items.get(&f.item);
        let deduction = match (case, item) {
            (Some(case), Some(item)) => item.per_case.get(case).copied().unwrap_or(item.deduction),
            (None, Some(item)) => item.deduction,
            (_, None) => 0.0,
        };
        // A missed report is charged for every case; everything else once per document.
        if case != Some("missed") {
            if charged.contains(&(f.item.as_str(), case)) {
                continue;
            }
            charged.push((f.item.as_str(), case));
        }
        *by_item.entry(item_order(&f.item)).or_default() += deduction;
    }
    let items: Vec<ItemDeduction> = by_item
        .into_iter()
        .map(|((_, _, item), deduction)| ItemDeduction { item, deduction })
        .collect();
    // Folded from +0.0: an empty `sum()` of f64 is -0.0, which JSON would show.
    let deduction = items.iter().fold(0.0, |acc, i| acc + i.deduction);
    let qualified = !findings.iter().any(|f| f.severity == Severity::Error);
    Score {
        items,
        deduction,
        qualified,
    }
}

/// Add other scores (a visit's documents) into `total`.
pub fn add_scores<'a>(total: &mut Score, others: impl IntoIterator<Item = &'a Score>) {
    let mut by_item: BTreeMap<(u8, u32, String), f64> = total
        .items
        .drain(..)
        .map(|i| (item_order(&i.item), i.deduction))
        .collect();
    for s in others {
        for i in &s.items {
            *by_item.entry(item_order(&i.item)).or_default() += i.deduction;
        }
        total.qualified &= s.qualified;
    }
    total.items = by_item
        .into_iter()
        .map(|((_, _, item), deduction)| ItemDeduction { item, deduction })
        .collect();
    total.deduction = total.items.iter().fold(0.0, |acc, i| acc + i.deduction);
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_clean_document_deducts_positive_zero() {
        let s = super::score(&[], &crate::Engine::default_engine().policy);
        assert!(s.deduction.is_sign_positive() && s.qualified);
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"items":[],"deduction":0.0,"qualified":true}"#
        );
    }
}
